/* test_dna_pieces.c — FASTA/FASTQ records read in pieces (sk_dna_reader_head / _bases, and
 * sk_seqin_head / _bases on top) give the bases, names and order of the whole-record reader
 * (sk_dna_reader_next, the reference), on LF and CRLF files, lines of several widths, a record
 * of 300 kb (several pieces, each bounded), FASTQ and SAM reads (one piece each); a record
 * without bases and a header read before the bases are all taken are errors; the two ways of
 * reading mix record by record. */
#include "genomics/sk_dna.h"
#include "genomics/sk_dna_run.h"
#include "tests/genomics/dna_test_util.h"
#include "tests/sk_test.h"

#include <stdint.h>

/* The whole-record reader's records joined as "name:seq;" (the reference). */
static char *whole(const char *path) {
    sk_dna_reader *r = NULL;
    sk_dna_record rec;
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap);
    if (sk_dna_reader_open(&r, path, 0, 0)) return NULL;
    while (sk_dna_reader_next(r, &rec) == 0) {
        size_t need = n + strlen(rec.name) + (size_t)rec.len + 4;
        if (need > cap) out = realloc(out, cap = 2 * need);
        n += (size_t)sprintf(out + n, "%s:%s;", rec.name, rec.seq);
    }
    sk_dna_reader_close(r);
    return out;
}

/* The same through the pieces of sk_seqin; *maxp: the largest piece. */
static char *pieces(const char *path, int64_t *maxp, int64_t *npieces) {
    sk_seqin *in = NULL;
    sk_seqrec r;
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap);
    *maxp = 0, *npieces = 0;
    if (sk_seqin_open(&in, path, NULL, 0)) return NULL;
    int rc;
    while ((rc = sk_seqin_head(in, &r)) == 0) {
        SK_CHECK(r.seq == NULL && r.len == 0, "a header carries no bases");
        n += (size_t)sprintf(out + n, "%s:", r.name);
        const char *s;
        int64_t m;
        while ((rc = sk_seqin_bases(in, &s, &m)) == 0) {
            if (n + (size_t)m + 4 > cap) out = realloc(out, cap = 2 * (n + (size_t)m + 4));
            memcpy(out + n, s, (size_t)m), n += (size_t)m;
            if (m > *maxp) *maxp = m;
            (*npieces)++;
        }
        SK_CHECK(rc == SK_EOF, "%s: the bases end with SK_EOF: %s", path, sk_errmsg());
        out[n++] = ';', out[n] = 0;
    }
    SK_CHECK(rc == SK_EOF, "%s: the records end with SK_EOF: %s", path, sk_errmsg());
    sk_seqin_close(in);
    return out;
}

static void same(const char *path, int64_t max_piece, int64_t min_pieces) {
    char *a = whole(path);
    int64_t mx, np;
    char *b = pieces(path, &mx, &np);
    SK_CHECK(a && b && !strcmp(a, b), "%s: pieces give the records of the whole-record reader", path);
    SK_CHECK(mx <= max_piece, "%s: largest piece %lld <= %lld", path, (long long)mx, (long long)max_piece);
    SK_CHECK(np >= min_pieces, "%s: %lld pieces >= %lld", path, (long long)np, (long long)min_pieces);
    free(a), free(b);
}

int main(void) {
    if (!mkdtemp(dna_test_dir)) return 1;
    /* records of 300 kb (lines of 60), 7 bases, 130 bases in lines of 50/50/30, and lowercase/IUPAC */
    size_t cap = 400000;
    char *fa = malloc(cap), *crlf = malloc(2 * cap);
    size_t n = 0;
    n += (size_t)sprintf(fa + n, ">big some comment\n");
    uint64_t x = 7;
    for (int i = 0; i < 300000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        fa[n++] = "ACGT"[x >> 62];
        if (i % 60 == 59) fa[n++] = '\n';
    }
    n += (size_t)sprintf(fa + n, "\n>tiny\nACGTNNA\n>mid\n");
    for (int i = 0; i < 130; i++) {
        fa[n++] = "acgtRYK"[i % 7];
        if (i == 49 || i == 99) fa[n++] = '\n';
    }
    n += (size_t)sprintf(fa + n, "\n\n>last\nA\n");
    write_bytes(tpath("a.fa"), fa, n);
    same(tpath("a.fa"), SK_DNA_PIECE + 60, 300000 / SK_DNA_PIECE + 4);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (fa[i] == '\n') crlf[m++] = '\r';
        crlf[m++] = fa[i];
    }
    write_bytes(tpath("crlf.fa"), crlf, m);
    same(tpath("crlf.fa"), SK_DNA_PIECE + 60, 300000 / SK_DNA_PIECE + 4);
    /* FASTQ: a read is one piece */
    write_text(tpath("r.fq"), "@q1\nACGTACGT\n+\nIIIIIIII\n@q2 c\nAC\nGT\n+\nIIII\n");
    same(tpath("r.fq"), 8, 2);
    /* SAM: a read is one piece */
    write_text(tpath("r.sam"), "@HD\tVN:1.6\n@SQ\tSN:c\tLN:100\nr1\t0\tc\t1\t60\t4M\t*\t0\t0\tACGT\t*\n"
                               "r2\t4\t*\t0\t0\t*\t*\t0\t0\tGGCCA\t*\n");
    int64_t mx, np;
    char *s = pieces(tpath("r.sam"), &mx, &np);
    SK_CHECK(s && !strcmp(s, "r1:ACGT;r2:GGCCA;") && np == 2, "SAM reads as pieces: %s", s ? s : "(null)");
    free(s);

    /* a record without bases: an error naming it, in piece mode too */
    write_text(tpath("empty.fa"), ">ok\nACGT\n>empty\n>after\nAC\n");
    sk_dna_reader *r = NULL;
    sk_dna_record rec;
    const char *b;
    int64_t k;
    SK_CHECK(sk_dna_reader_open(&r, tpath("empty.fa"), 0, 0) == 0, "open");
    SK_CHECK(sk_dna_reader_head(r, &rec) == 0 && !strcmp(rec.name, "ok") && rec.index == 0, "head ok");
    SK_CHECK(sk_dna_reader_bases(r, &b, &k) == 0 && k == 4, "bases of ok");
    SK_CHECK(sk_dna_reader_bases(r, &b, &k) == SK_EOF, "end of ok");
    SK_CHECK(sk_dna_reader_head(r, &rec) == 0 && !strcmp(rec.name, "empty") && rec.index == 1, "head empty");
    int rc = sk_dna_reader_bases(r, &b, &k);
    SK_CHECK(rc < 0 && rc != SK_EOF && strstr(sk_errmsg(), "record 'empty' (#2, line 3) has a header but no sequence"),
             "empty record: %s", sk_errmsg());
    sk_dna_reader_close(r);
    /* a header before the bases are all taken; the two ways mixed */
    SK_CHECK(sk_dna_reader_open(&r, tpath("a.fa"), 0, 0) == 0, "open a.fa");
    SK_CHECK(sk_dna_reader_head(r, &rec) == 0 && sk_dna_reader_bases(r, &b, &k) == 0, "first piece of big");
    rc = sk_dna_reader_head(r, &rec);
    SK_CHECK(rc < 0 && strstr(sk_errmsg(), "record 'big': its bases were not all read"), "head too early: %s", sk_errmsg());
    while ((rc = sk_dna_reader_bases(r, &b, &k)) == 0) {}
    SK_CHECK(rc == SK_EOF, "rest of big");
    SK_CHECK(sk_dna_reader_next(r, &rec) == 0 && !strcmp(rec.name, "tiny") && !strcmp(rec.seq, "ACGTNNA") && rec.index == 1,
             "a whole record after pieces");
    SK_CHECK(sk_dna_reader_head(r, &rec) == 0 && !strcmp(rec.name, "mid") && rec.index == 2, "pieces after a whole record");
    sk_dna_reader_close(r);
    free(fa), free(crlf);
    remove_test_dir();
    return sk_test_finish("test_dna_pieces");
}
