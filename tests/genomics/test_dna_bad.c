/* test_dna_bad.c CASE — one bad input per ctest case (table below): the library must return an
 * error whose message names the file and the record or line, and must not crash (run under ASan).
 * Inputs are generated here; BAM/CRAM are written with htslib itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <htslib/bgzf.h>
#include <htslib/hts_log.h>
#include <htslib/sam.h>
#include "genomics/sk_dna.h"
#include "tests/sk_test.h"
#include "tests/genomics/dna_test_util.h"


/* The status must be an error and the message must contain the file and every marker. */
static void expect_error(int st, const char *path, const char *m1, const char *m2) {
    const char *msg = sk_errmsg();
    SK_CHECK(st < 0 && st != SK_EOF, "status %d for %s", st, path);
    SK_CHECK(strstr(msg, path) != NULL, "message names the file: %s", msg);
    SK_CHECK(!m1 || strstr(msg, m1), "message has '%s': %s", m1, msg);
    SK_CHECK(!m2 || strstr(msg, m2), "message has '%s': %s", m2, msg);
    printf("message: %s\n", msg);
}

/* Read a whole sequence file with the streaming reader (through stats) and with the indexed
 * opener: both must fail the same way. */
static void expect_bad_fasta(const char *text, size_t n, const char *m1, const char *m2) {
    const char *p = tpath("bad.fa");
    write_bytes(p, text, n);
    sk_dna_stats st;
    expect_error(sk_dna_stats_file(p, 0, &st), p, m1, m2);
    sk_dna_fasta *f = NULL;
    expect_error(sk_dna_fasta_open(&f, p), p, m1, m2);
    SK_CHECK(f == NULL, "no handle on error");
    SK_CHECK(access(tpath("bad.fa.fai"), F_OK) != 0, "no index written for a bad file");
}

static const char *good_fa = ">chr1\nACGTACGTAC\nACGTACGTAC\nACG\n>chr2\nGGGGCCCCAA\nTT\n";   /* 23 and 12 bases */

static sk_dna_fasta *open_good(void) {
    write_text(tpath("good.fa"), good_fa);
    sk_dna_fasta *f = NULL;
    int st = sk_dna_fasta_open(&f, tpath("good.fa"));
    SK_CHECK(st == 0, "good.fa: %s", sk_errmsg());
    return f;
}

static void expect_bad_bed(const char *text, const char *m1, const char *m2) {
    sk_dna_fasta *f = open_good();
    if (!f) return;
    const char *p = tpath("bad.bed");
    write_text(p, text);
    sk_dna_bed *bed = NULL;
    expect_error(sk_dna_bed_read(&bed, p, f, -1), p, m1, m2);
    SK_CHECK(bed == NULL, "no BED on error");
    sk_dna_fasta_close(f);
}

static const char *sam_text =
    "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:23\n@SQ\tSN:chr2\tLN:12\n"
    "r1\t0\tchr1\t1\t60\t5M\t*\t0\t0\tACGTA\tIIIII\n"
    "r2\t16\tchr1\t6\t30\t5M\t*\t0\t0\tCGTAC\tIIIII\n"
    "r3\t0\tchr2\t2\t60\t4M\t*\t0\t0\tGGGC\tIIII\n";

/* Convert sam_text to BAM ("wb") or CRAM ("wc", with ref) using htslib. */
static int write_alignments(const char *out, const char *mode, const char *ref) {
    write_text(tpath("in.sam"), sam_text);
    samFile *in = sam_open(tpath("in.sam"), "r"), *o = sam_open(out, mode);
    if (!in || !o) return -1;
    if (ref && hts_set_fai_filename(o, ref) != 0) return -1;
    sam_hdr_t *h = sam_hdr_read(in);
    bam1_t *b = bam_init1();
    int ok = h && sam_hdr_write(o, h) == 0;
    while (ok && sam_read1(in, h, b) >= 0) ok = sam_write1(o, h, b) >= 0;
    bam_destroy1(b);
    sam_hdr_destroy(h);
    ok &= sam_close(in) == 0;
    ok &= sam_close(o) == 0;
    return ok ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_dna_bad CASE\n");
        return 2;
    }
    hts_set_log_level(HTS_LOG_OFF);
    if (!mkdtemp(dna_test_dir)) return 1;
    const char *c = argv[1];
    if (!strcmp(c, "no_header")) {
        expect_bad_fasta("ACGT\nACGT\n", strlen("ACGT\nACGT\n"), "line 1", "no header line");
    } else if (!strcmp(c, "empty")) {
        expect_bad_fasta("", strlen(""), "empty file", NULL);
        expect_bad_fasta("\n\n\n", strlen("\n\n\n"), "empty file", NULL);
    } else if (!strcmp(c, "binary")) {
        unsigned char junk[4096];
        sk_rng r;
        sk_rng_seed(&r, 1, 0);
        for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)sk_rng_below(&r, 256);
        junk[0] = 0x89;   /* PNG-like start */
        expect_bad_fasta((const char *)junk, sizeof junk, "binary data", "line 1");
        const char nul[] = ">r1\nACGT\nAC\0GT\n";
        expect_bad_fasta(nul, sizeof nul - 1, "binary data", "record 'r1'");
    } else if (!strcmp(c, "non_iupac")) {
        expect_bad_fasta(">r1\nACGT\n>r2 x\nACGXT\n", strlen(">r1\nACGT\n>r2 x\nACGXT\n"), "record 'r2'", "line 4, column 4: 'X'");
        expect_bad_fasta(">r1\nAC-GT\n", strlen(">r1\nAC-GT\n"), "record 'r1'", "'-' is not an IUPAC");
    } else if (!strcmp(c, "header_only")) {
        expect_bad_fasta(">r1\nACGT\n>r2\n>r3\nAC\n", strlen(">r1\nACGT\n>r2\n>r3\nAC\n"), "record 'r2'", "no sequence");
        expect_bad_fasta(">r1\nACGT\n>last\n", strlen(">r1\nACGT\n>last\n"), "record 'last'", "no sequence");
    } else if (!strcmp(c, "duplicate_names")) {
        expect_bad_fasta(">r1\nAC\n>r2\nGG\n>r1 again\nTT\n", strlen(">r1\nAC\n>r2\nGG\n>r1 again\nTT\n"), "duplicate record name 'r1'", "line 5");
    } else if (!strcmp(c, "mixed_crlf")) {
        expect_bad_fasta(">r1\r\nACGT\r\nACGT\nAC\r\n", strlen(">r1\r\nACGT\r\nACGT\nAC\r\n"), "line 3, record 'r1'", "mixed line endings");
    } else if (!strcmp(c, "fixed_width")) {
        /* fine for streaming, refused for indexing (faidx needs one line width per record) */
        const char *p = tpath("w.fa");
        write_text(p, ">r1\nACGT\nACGTAC\n");
        sk_dna_stats st;
        SK_CHECK(sk_dna_stats_file(p, 0, &st) == 0 && st.n_bases == 10, "streams fine");
        sk_dna_fasta *f = NULL;
        expect_error(sk_dna_fasta_open(&f, p), p, "record 'r1', line 3", "one width");
    } else if (!strcmp(c, "fastq_quality")) {
        expect_bad_fasta("@q1\nACGT\n+\nIII\n", strlen("@q1\nACGT\n+\nIII\n"), "record 'q1'", "3 quality values for 4 bases");
    } else if (!strcmp(c, "truncated_bgzip")) {
        const char *p = tpath("t.fa.gz");
        BGZF *b = bgzf_open(p, "w");
        char big[20000];
        for (size_t i = 0; i < sizeof big; i++) big[i] = i % 61 == 60 ? '\n' : "ACGT"[i % 4];
        big[0] = '>';
        int ok = bgzf_write(b, big, sizeof big) >= 0 && bgzf_flush(b) == 0;
        ok &= bgzf_close(b) == 0;
        SK_CHECK(ok, "bgzip written");
        FILE *f = fopen(p, "rb");
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        SK_CHECK(truncate(p, size - 40) == 0, "truncated");
        sk_dna_stats st;
        expect_error(sk_dna_stats_file(p, 0, &st), p, "truncated bgzip", NULL);
        sk_dna_fasta *fa = NULL;
        expect_error(sk_dna_fasta_open(&fa, p), p, "truncated bgzip", NULL);
    } else if (!strcmp(c, "truncated_gzip")) {
        const char *p = tpath("t.fa.gz");
        gzFile g = gzopen(p, "wb");
        sk_rng r;
        sk_rng_seed(&r, 2, 0);
        gzputs(g, ">r1\n");
        for (int i = 0; i < 3000; i++) {
            char line[62];
            for (int j = 0; j < 60; j++) line[j] = "ACGT"[sk_rng_below(&r, 4)];
            line[60] = '\n';
            line[61] = 0;
            gzputs(g, line);
        }
        gzclose(g);
        SK_CHECK(truncate(p, 20000) == 0, "truncated");
        sk_dna_stats st;
        expect_error(sk_dna_stats_file(p, 0, &st), p, "corrupt or truncated compressed data", "read error after line");
    } else if (!strcmp(c, "region_outside")) {
        sk_dna_fasta *f = open_good();
        if (f) {
            int i;
            int64_t b, e;
            const char *p = tpath("good.fa");
            expect_error(sk_dna_fasta_region(f, "chr1:20-30", &i, &b, &e), p, "outside the sequence 'chr1'", "length 23");
            expect_error(sk_dna_fasta_region(f, "chr2:13", &i, &b, &e), p, "outside", "length 12");
            expect_error(sk_dna_fasta_region(f, "chr9:1-5", &i, &b, &e), p, "chr9", "unknown sequence");
            char *s = NULL;
            expect_error(sk_dna_fasta_fetch(f, 1, 5, 13, &s), p, "chr2:6-13", "length 12");
            SK_CHECK(s == NULL, "no bases on error");
            sk_dna_fasta_close(f);
        }
    } else if (!strcmp(c, "bed_beyond")) {
        expect_bad_bed("chr1\t0\t10\nchr2\t5\t13\n", "line 2", "beyond the end of the chromosome (length 12)");
    } else if (!strcmp(c, "bed_negative")) {
        expect_bad_bed("chr1\t-5\t10\n", "line 1", "negative start -5");
    } else if (!strcmp(c, "bed_start_after_end")) {
        expect_bad_bed("# header\nchr1\t10\t5\n", "line 2", "start 10 is after end 5");
    } else if (!strcmp(c, "bed_unknown_chrom")) {
        expect_bad_bed("chr1\t0\t5\nchrZ\t0\t5\n", "line 2", "unknown chromosome 'chrZ'");
    } else if (!strcmp(c, "bed_columns")) {
        expect_bad_bed("chr1 0 5\n", "line 1", "at least 3 tab-separated columns");
        expect_bad_bed("chr1\t0\t5\ttrain\nchr2\t0\t5\tholdout\n", "line 2", "column 4 should be train, valid or test");
    } else if (!strcmp(c, "bam_no_index")) {
        const char *p = tpath("x.bam");
        SK_CHECK(write_alignments(p, "wb", NULL) == 0, "BAM written");
        sk_dna_bam *b;
        int st = sk_dna_bam_open(&b, p, NULL);
        SK_CHECK(st == 0, "open: %s", sk_errmsg());
        if (!st) {
            expect_error(sk_dna_bam_query(b, "chr1:1-10"), p, "no index", "samtools index");
            /* reading the whole file still works */
            sk_dna_aln a;
            int n = 0;
            while (sk_dna_bam_next(b, &a) == 0) n++;
            SK_CHECK(n == 3, "3 records without a region, got %d", n);
            sk_dna_bam_close(b);
        }
        /* a truncated BAM is refused at open */
        FILE *f = fopen(p, "rb");
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        SK_CHECK(truncate(p, size - 28) == 0, "truncated");
        expect_error(sk_dna_bam_open(&b, p, NULL), p, "truncated", NULL);
    } else if (!strcmp(c, "cram_no_reference")) {
        write_text(tpath("ref.fa"), good_fa);
        const char *p = tpath("x.cram");
        SK_CHECK(write_alignments(p, "wc", tpath("ref.fa")) == 0, "CRAM written");
        sk_dna_bam_opts o = {.reference = tpath("ref.fa")};
        sk_dna_bam *b;
        sk_dna_aln a;
        int st = sk_dna_bam_open(&b, p, &o);
        SK_CHECK(st == 0, "open with reference: %s", sk_errmsg());
        if (!st) {
            SK_CHECK(sk_dna_bam_next(b, &a) == 0 && !strcmp(a.seq, "ACGTA"), "decodes with its reference");
            sk_dna_bam_close(b);
        }
        sk_dna_bam_opts missing = {.reference = tpath("nothere.fa"), .threads = 2};
        expect_error(sk_dna_bam_open(&b, p, &missing), p, "cannot read the reference", "nothere.fa");
        unlink(tpath("ref.fa"));
        unlink(tpath("ref.fa.fai"));
        st = sk_dna_bam_open(&b, p, NULL);
        SK_CHECK(st == 0, "open: %s", sk_errmsg());
        if (!st) {
            expect_error(sk_dna_bam_next(b, &a), p, "record 1", "--reference");
            sk_dna_bam_close(b);
        }
        SK_CHECK(strncmp(getenv("REF_PATH") ? getenv("REF_PATH") : "", "/dev/null", 9) == 0, "REF_PATH is local-only");
    } else {
        fprintf(stderr, "unknown case %s\n", c);
        return 2;
    }
    if (remove_test_dir() != 0) fprintf(stderr, "could not remove %s\n", dna_test_dir);
    return sk_test_finish(c);
}
