/* test_dna.c — genomics library: tokenizer ids and round trips, reverse complement against a naive
 * version, streamed gzip/bgzip FASTA equal to the plain file, indexed fetches equal to the
 * streamed bases, the interval sampler's window rule on a small BED (expected coordinates worked
 * out by hand below), and the species sampler (class balance, ranges, N fraction, fixed windows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <htslib/bgzf.h>
#include <htslib/hts_log.h>
#include "genomics/sk_dna.h"
#include "tests/sk_test.h"
#include "tests/genomics/dna_test_util.h"

/* a call that must succeed */
#define OK(x) SK_CHECK((x) == 0, "%s", sk_errmsg())


/* A random genome as FASTA text: nrec records of the given lengths, 60 bases a line. alphabet
 * picks the bases; records named prefix1, prefix2, ... */
static char *make_fasta(const char *prefix, const int64_t *lens, int nrec, const char *alphabet, uint64_t seed,
                        char **seqs) {
    sk_rng r;
    sk_rng_seed(&r, seed, 0);
    size_t cap = 64, n = 0;
    for (int i = 0; i < nrec; i++) cap += (size_t)lens[i] * 2 + 64;
    char *t = malloc(cap);
    size_t na = strlen(alphabet);
    for (int i = 0; i < nrec; i++) {
        char *s = malloc((size_t)lens[i] + 1);
        for (int64_t j = 0; j < lens[i]; j++) s[j] = alphabet[sk_rng_below(&r, na)];
        s[lens[i]] = 0;
        n += (size_t)sprintf(t + n, ">%s%d some description\n", prefix, i + 1);
        for (int64_t j = 0; j < lens[i]; j += 60) {
            int64_t m = lens[i] - j < 60 ? lens[i] - j : 60;
            memcpy(t + n, s + j, (size_t)m);
            n += (size_t)m;
            t[n++] = '\n';
        }
        if (seqs) seqs[i] = s;
        else free(s);
    }
    t[n] = 0;
    return t;
}

/* ---- tokenizer ---------------------------------------------------------------------------- */

static void test_tokenizer(void) {
    int n;
    const char *const *v = sk_dna_vocab(0, &n);
    static const char *want[] = {"[CLS]", "[SEP]", "[BOS]", "[MASK]", "[PAD]", "[RESERVED]", "[UNK]", "A", "C", "G", "T", "N"};
    SK_CHECK(n == 12, "vocab size %d", n);
    for (int i = 0; i < 12; i++) SK_CHECK(!strcmp(v[i], want[i]), "vocab[%d] = %s", i, v[i]);
    sk_dna_vocab(SK_DNA_KEEP_CASE, &n);
    SK_CHECK(n == 17 && !strcmp(v[12], "a") && !strcmp(v[16], "n"), "keep-case vocab");
    /* the table of sk_dna.h, literally */
    const char *in = "ACGTNacgtnRYKMSWBDHVUryu.-X*0 ";
    const uint8_t fold[] = {7, 8, 9, 10, 11, 7, 8, 9, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 6, 6, 6, 6, 6, 6};
    const uint8_t keep[] = {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 16, 16, 16, 6, 6, 6, 6, 6, 6};
    int64_t len = (int64_t)strlen(in);
    uint8_t ids[64];
    int64_t unk = sk_dna_tokenize(in, len, ids, 0);
    SK_CHECK(!memcmp(ids, fold, (size_t)len), "default ids");
    SK_CHECK(unk == 6, "unk count %lld", (long long)unk);
    sk_dna_tokenize(in, len, ids, SK_DNA_KEEP_CASE);
    SK_CHECK(!memcmp(ids, keep, (size_t)len), "keep-case ids");

    /* round trips on random sequences */
    sk_rng r;
    sk_rng_seed(&r, 5, 0);
    enum { M = 4097 };
    char s[M + 1], back[M + 1], naive[M + 1], rc[M + 1];
    uint8_t t[M], t2[M];
    for (int flags = 0; flags <= SK_DNA_KEEP_CASE; flags++) {
        for (int i = 0; i < M; i++) s[i] = "ACGTNacgtn"[sk_rng_below(&r, 10)];
        s[M] = 0;
        sk_dna_tokenize(s, M, t, flags);
        sk_dna_detokenize(t, M, back);
        int ok = 1;
        for (int i = 0; i < M; i++) {
            char want_c = flags ? s[i] : (char)(s[i] >= 'a' ? s[i] - 32 : s[i]);
            ok &= back[i] == want_c;
        }
        SK_CHECK(ok, "detokenize(tokenize(s)) == s (flags %d)", flags);
        sk_dna_tokenize(back, M, t2, flags);
        SK_CHECK(!memcmp(t, t2, M), "tokenize(detokenize(ids)) == ids (flags %d)", flags);
        /* naive reverse complement: position i takes the complement of s[M-1-i] */
        const char *from = "ACGTNacgtn", *to = "TGCANtgcan";
        for (int i = 0; i < M; i++) naive[i] = to[strchr(from, s[M - 1 - i]) - from];
        memcpy(rc, s, M + 1);
        sk_dna_revcomp(rc, M);
        SK_CHECK(!memcmp(rc, naive, M), "revcomp equals the naive version (flags %d)", flags);
        sk_dna_revcomp(rc, M);
        SK_CHECK(!memcmp(rc, s, M), "revcomp twice is the identity");
        /* token-level RC == tokenize(string RC) */
        sk_dna_tokenize(s, M, t, flags);
        sk_dna_revcomp_ids(t, M);
        sk_dna_tokenize(naive, M, t2, flags);
        SK_CHECK(!memcmp(t, t2, M), "revcomp_ids(tokenize(s)) == tokenize(revcomp(s)) (flags %d)", flags);
    }
    char odd[] = "ACGRT";   /* odd length, IUPAC kept */
    sk_dna_revcomp(odd, 5);
    SK_CHECK(!strcmp(odd, "ARCGT"), "revcomp of ACGRT = %s", odd);
}

/* ---- readers ------------------------------------------------------------------------------ */

static void write_gzip(const char *path, const char *text) {
    gzFile g = gzopen(path, "wb");
    gzwrite(g, text, (unsigned)strlen(text));
    gzclose(g);
}

static void write_bgzip(const char *path, const char *text) {
    BGZF *b = bgzf_open(path, "w");
    if (bgzf_write(b, text, strlen(text)) < 0) fprintf(stderr, "bgzf_write failed\n");
    if (bgzf_close(b) < 0) fprintf(stderr, "bgzf_close failed\n");
}

static void test_readers(void) {
    const int64_t lens[] = {1234, 61, 60, 5000, 7};
    char *seqs[5];
    char *fa = make_fasta("chr", lens, 5, "ACGTNacgtRY", 11, seqs);
    write_text(tpath("g.fa"), fa);
    write_gzip(tpath("g.fa.gz"), fa);
    write_bgzip(tpath("g.bgz.fa.gz"), fa);
    const char *files[] = {tpath("g.fa"), tpath("g.fa.gz"), tpath("g.bgz.fa.gz")};
    for (int k = 0; k < 3; k++) {
        sk_dna_reader *r;
        int st = sk_dna_reader_open(&r, files[k], 0, k == 2 ? 2 : 0);
        SK_CHECK(st == 0, "open %s: %s", files[k], sk_errmsg());
        if (st) continue;
        sk_dna_record rec;
        int i = 0;
        while ((st = sk_dna_reader_next(r, &rec)) == 0) {
            char name[16];
            snprintf(name, sizeof name, "chr%d", i + 1);
            SK_CHECK(i < 5 && !strcmp(rec.name, name) && rec.len == lens[i] && !memcmp(rec.seq, seqs[i], (size_t)lens[i]) &&
                         !strcmp(rec.comment, "some description") && rec.index == i,
                     "%s record %d equals the generated one", files[k], i);
            i++;
        }
        SK_CHECK(st == SK_EOF && i == 5, "%s: %d records, status %d (%s)", files[k], i, st, sk_errmsg());
        sk_dna_reader_close(r);
    }
    /* indexed access: plain and bgzip; random ranges equal the generated bases */
    for (int k = 0; k < 3; k += 2) {
        sk_dna_fasta *f;
        int st = sk_dna_fasta_open(&f, files[k]);
        SK_CHECK(st == 0, "fasta_open %s: %s", files[k], sk_errmsg());
        if (st) continue;
        SK_CHECK(sk_dna_fasta_nseq(f) == 5 && sk_dna_fasta_len(f, 3) == 5000 && sk_dna_fasta_find(f, "chr4") == 3,
                 "index of %s", files[k]);
        SK_CHECK(access(k ? tpath("g.bgz.fa.gz.gzi") : tpath("g.fa.fai"), F_OK) == 0, "index file made");
        sk_rng r;
        sk_rng_seed(&r, 3, (uint64_t)k);
        int ok = 1;
        for (int q = 0; q < 200; q++) {
            int i = (int)sk_rng_below(&r, 5);
            int64_t b = (int64_t)sk_rng_below(&r, (uint64_t)lens[i]);
            int64_t e = b + 1 + (int64_t)sk_rng_below(&r, (uint64_t)(lens[i] - b));
            char *s;
            if (sk_dna_fasta_fetch(f, i, b, e, &s) != 0) {
                ok = 0;
                break;
            }
            ok &= !memcmp(s, seqs[i] + b, (size_t)(e - b)) && s[e - b] == 0;
            free(s);
        }
        SK_CHECK(ok, "200 random fetches from %s equal the generated bases", files[k]);
        int i;
        int64_t b, e;
        SK_CHECK(sk_dna_fasta_region(f, "chr1:1,001-1,100", &i, &b, &e) == 0 && i == 0 && b == 1000 && e == 1100,
                 "region string is 1-based inclusive");
        SK_CHECK(sk_dna_fasta_region(f, "chr2:5", &i, &b, &e) == 0 && i == 1 && b == 4 && e == 61, "region to the end");
        SK_CHECK(sk_dna_fasta_region(f, "chr5", &i, &b, &e) == 0 && i == 4 && b == 0 && e == 7, "whole record");
        sk_dna_fasta_close(f);
    }
    /* plain gzip cannot be indexed: clear refusal */
    sk_dna_fasta *f;
    int st = sk_dna_fasta_open(&f, files[1]);
    SK_CHECK(st == SK_EUNSUP && strstr(sk_errmsg(), "bgzip"), "plain gzip refused: %s", sk_errmsg());
    /* all-CRLF files are accepted, and read the same */
    write_text(tpath("crlf.fa"), ">a x\r\nACGT\r\nAC\r\n>b\r\nGG\r\n");
    sk_dna_stats stt;
    st = sk_dna_stats_file(tpath("crlf.fa"), SK_DNA_CHECK_LAYOUT, &stt);
    SK_CHECK(st == 0 && stt.n_records == 2 && stt.n_bases == 8 && stt.counts['\r'] == 0, "CRLF file: %s", sk_errmsg());
    for (int i = 0; i < 5; i++) free(seqs[i]);
    free(fa);
}

/* ---- interval sampler --------------------------------------------------------------------- */

typedef struct { int seq; int64_t b, e; } want_win;

static void check_windows(sk_dna_bed *bed, sk_dna_fasta *f, int mode, int64_t L, int split, const want_win *want, int n) {
    sk_dna_windows *w;
    sk_dna_windows_opts o = {.length = L, .mode = mode, .split = split, .seed = 1};
    int st = sk_dna_windows_create(&w, bed, f, &o);
    SK_CHECK(st == 0, "windows_create: %s", sk_errmsg());
    if (st) return;
    SK_CHECK(sk_dna_windows_count(w) == n, "%s L=%lld: %lld windows, want %d", sk_dna_window_mode_name(mode),
             (long long)L, (long long)sk_dna_windows_count(w), n);
    for (int i = 0; i < n && i < sk_dna_windows_count(w); i++) {
        sk_dna_window x = sk_dna_windows_get(w, i);
        SK_CHECK(x.seq == want[i].seq && x.beg == want[i].b && x.end == want[i].e,
                 "%s L=%lld window %d: (%d, %lld, %lld), want (%d, %lld, %lld)", sk_dna_window_mode_name(mode),
                 (long long)L, i, x.seq, (long long)x.beg, (long long)x.end, want[i].seq, (long long)want[i].b,
                 (long long)want[i].e);
    }
    sk_dna_windows_free(w);
}

static void test_intervals(void) {
    const int64_t lens[] = {1000, 300};
    char *seqs[2];
    char *fa = make_fasta("chr", lens, 2, "ACGT", 21, seqs);
    write_text(tpath("iv.fa"), fa);
    free(fa);
    write_text(tpath("iv.bed"), "# comment\nchr1\t100\t500\ttrain\nchr1\t900\t1000\tvalid\nchr2\t0\t300\ttest\nchr2\t250\t290\ttrain\n");
    sk_dna_fasta *f;
    sk_dna_bed *bed;
    if (sk_dna_fasta_open(&f, tpath("iv.fa")) || sk_dna_bed_read(&bed, tpath("iv.bed"), f, -1)) {
        SK_CHECK(0, "setup: %s", sk_errmsg());
        return;
    }
    SK_CHECK(sk_dna_bed_count(bed) == 4 && sk_dna_bed_get(bed, 1)->split == 1 && sk_dna_bed_get(bed, 2)->split == 2,
             "BED rows and split column");
    /* Mamba, L = 128 <= S: floor(S/L) tiles from the start; L > S: [b, b+L) and [e-L, e), shifted
     * into [0, chrom_len). Row 1 (S=100): [900,1028) -> [872,1000) and [872,1000).
     * Row 3 (S=40, chr2 length 300): [250,378) -> [172,300), and [162,290). */
    const want_win m128[] = {{0, 100, 228}, {0, 228, 356}, {0, 356, 484}, {0, 872, 1000}, {0, 872, 1000},
                             {1, 0, 128}, {1, 128, 256}, {1, 172, 300}, {1, 162, 290}};
    check_windows(bed, f, SK_DNA_WIN_MAMBA, 128, SK_DNA_SPLIT_NONE, m128, 9);
    /* L = 512 > every S: two per row. Row 0: [100,612) and [-12,500) -> [0,512). Row 1: [900,1412)
     * -> [488,1000) and [488,1000). chr2 (300 < 512): clipped to [0,300) */
    const want_win m512[] = {{0, 100, 612}, {0, 0, 512}, {0, 488, 1000}, {0, 488, 1000},
                             {1, 0, 300}, {1, 0, 300}, {1, 0, 300}, {1, 0, 300}};
    check_windows(bed, f, SK_DNA_WIN_MAMBA, 512, SK_DNA_SPLIT_NONE, m512, 8);
    /* only the train rows (0 and 3) */
    const want_win mtrain[] = {{0, 100, 228}, {0, 228, 356}, {0, 356, 484}, {1, 172, 300}, {1, 162, 290}};
    check_windows(bed, f, SK_DNA_WIN_MAMBA, 128, 0, mtrain, 5);
    /* HyenaDNA: one per row; S >= L: first L bases; S < L: centred, extra base right, clamped.
     * Row 1: S=100, left 14, right 14: [886,1014) -> [886,1000). Row 3: S=40, 44/44: [206,334) -> [206,300) */
    const want_win h128[] = {{0, 100, 228}, {0, 886, 1000}, {1, 0, 128}, {1, 206, 300}};
    check_windows(bed, f, SK_DNA_WIN_HYENA, 128, SK_DNA_SPLIT_NONE, h128, 4);
    /* Caduceus: 2^20 / L windows per row from the row start, shifted inside: L = 2^19 gives 2 per row;
     * chromosomes shorter than L are clipped to the whole chromosome */
    const want_win c19[] = {{0, 0, 1000}, {0, 0, 1000}, {0, 0, 1000}, {0, 0, 1000},
                            {1, 0, 300}, {1, 0, 300}, {1, 0, 300}, {1, 0, 300}};
    check_windows(bed, f, SK_DNA_WIN_CADUCEUS, 1 << 19, SK_DNA_SPLIT_NONE, c19, 8);
    sk_dna_windows *w;
    sk_dna_windows_opts bad = {.length = 1000, .mode = SK_DNA_WIN_CADUCEUS, .split = SK_DNA_SPLIT_NONE};
    SK_CHECK(sk_dna_windows_create(&w, bed, f, &bad) == SK_EINVAL, "caduceus needs a power of two");

    /* Epoch shuffling: a permutation of the same windows, reproducible, different per epoch;
     * RC coins about half, and the tokens of an RC window are the reverse complement. */
    sk_dna_windows_opts o = {.length = 16, .mode = SK_DNA_WIN_MAMBA, .split = SK_DNA_SPLIT_NONE, .seed = 9, .shuffle = 1, .rc_aug = 1};
    sk_dna_windows *a, *b;
    if (sk_dna_windows_create(&a, bed, f, &o) || sk_dna_windows_create(&b, bed, f, &o)) {
        SK_CHECK(0, "create: %s", sk_errmsg());
    } else {
        int64_t n = sk_dna_windows_count(a);
        SK_CHECK(n == 400 / 16 + 100 / 16 + 300 / 16 + 40 / 16, "tiles: %lld", (long long)n);
        int64_t sum0 = 0, sum1 = 0, same = 0, rc = 0, moved = 0;
        sk_dna_windows_epoch(a, 1);
        sk_dna_windows_epoch(b, 1);
        int rep = 1, tok_ok = 1;
        uint8_t ids[16], ref[16];
        for (int64_t i = 0; i < n; i++) {
            sk_dna_window x = sk_dna_windows_get(a, i), y = sk_dna_windows_get(b, i);
            rep &= x.beg == y.beg && x.seq == y.seq && x.rc == y.rc;
            sum1 += x.beg * 7 + x.seq;
            rc += x.rc;
            if (x.rc) {
                if (sk_dna_window_tokens(f, &x, 0, ids) != 16) tok_ok = 0;
                sk_dna_tokenize(seqs[x.seq] + x.beg, 16, ref, 0);
                for (int j = 0; j < 16; j++) tok_ok &= ids[j] == 17 - ref[15 - j];   /* A7<->T10, C8<->G9 */
            }
        }
        sk_dna_windows_epoch(b, 2);
        for (int64_t i = 0; i < n; i++) {
            sk_dna_window x = sk_dna_windows_get(a, i), y = sk_dna_windows_get(b, i);
            sum0 += y.beg * 7 + y.seq;
            same += x.beg == y.beg && x.seq == y.seq;
            moved += x.rc != y.rc;
        }
        SK_CHECK(rep, "same seed and epoch give the same order and RC coins");
        SK_CHECK(sum0 == sum1, "an epoch is a permutation of the same windows");
        SK_CHECK(same < n / 2, "epochs 1 and 2 differ in order (%lld of %lld in place)", (long long)same, (long long)n);
        SK_CHECK(rc > n / 4 && rc < 3 * n / 4 && moved > 0, "RC coins: %lld of %lld", (long long)rc, (long long)n);
        SK_CHECK(tok_ok, "RC windows hold the reverse-complement tokens");
    }
    sk_dna_windows_free(a);
    sk_dna_windows_free(b);
    sk_dna_bed_free(bed);
    sk_dna_fasta_close(f);
    free(seqs[0]);
    free(seqs[1]);
}

/* ---- species sampler ---------------------------------------------------------------------- */

static void test_species(void) {
    /* three species with different record counts and lengths; species b has N-rich stretches */
    const int64_t la[] = {5000, 800}, lb[] = {3000}, lc[] = {1000, 1000, 1000, 1000};
    char *fa = make_fasta("a", la, 2, "ACGT", 31, NULL);
    write_text(tpath("sa.fa"), fa);
    free(fa);
    fa = make_fasta("b", lb, 1, "ACGTNNNNNN", 32, NULL);   /* 60% N: most windows rejected at 0.65 */
    write_text(tpath("sb.fa"), fa);
    free(fa);
    fa = make_fasta("c", lc, 4, "ACGTACGTN", 33, NULL);
    write_text(tpath("sc.fa"), fa);
    free(fa);
    const char *paths[] = {tpath("sa.fa"), tpath("sb.fa"), tpath("sc.fa")};
    const int64_t L = 100;
    sk_dna_species_opts o = {.length = L, .seed = 4, .split_by = SK_DNA_SPLIT_BY_POSITION, .max_n_frac = 0.65,
                             .n_valid = 30, .n_test = 20};
    sk_dna_species *s, *s2;
    int st = sk_dna_species_create(&s, paths, 3, &o);
    SK_CHECK(st == 0, "species_create: %s", sk_errmsg());
    if (st) return;
    sk_dna_window fixed_before[30];
    uint8_t ids[100];
    for (int i = 0; i < 30; i++) OK(sk_dna_species_fixed(s, 1, i, 0, &fixed_before[i], ids));
    sk_rng r;
    sk_rng_seed(&r, 4, 0);
    enum { NDRAW = 3000 };
    int64_t count[3] = {0}, bad_range = 0, bad_n = 0, maxn = 0;
    for (int d = 0; d < NDRAW; d++) {
        sk_dna_window w;
        if ((st = sk_dna_species_draw(s, &r, 0, &w, ids)) != 0) break;
        count[w.label]++;
        int64_t len = sk_dna_fasta_len(sk_dna_species_fasta(s, w.label), w.seq);
        /* train = first 80% of the record: the window must lie inside it */
        bad_range += w.beg < 0 || w.end - w.beg != L || w.end > len * 8 / 10;
        /* N fraction counted independently from the fetched bases */
        char *seq;
        if (sk_dna_fasta_fetch(sk_dna_species_fasta(s, w.label), w.seq, w.beg, w.end, &seq) == 0) {
            int64_t nn = 0;
            for (int64_t j = 0; j < L; j++) nn += seq[j] == 'N';
            bad_n += nn > 65;
            if (nn > maxn) maxn = nn;
            free(seq);
        }
    }
    SK_CHECK(st == 0, "draws: %s", sk_errmsg());
    /* class balance: each count ~ Binomial(3000, 1/3), sd 25.8; allow 5 sd (+-129) */
    for (int k = 0; k < 3; k++)
        SK_CHECK(count[k] > NDRAW / 3 - 129 && count[k] < NDRAW / 3 + 129, "species %d drawn %lld of %d times", k,
                 (long long)count[k], NDRAW);
    SK_CHECK(bad_range == 0, "%lld windows outside the train part of their record", (long long)bad_range);
    SK_CHECK(bad_n == 0 && maxn > 40, "N fraction respected (max %lld of 100 N, %lld over 65)", (long long)maxn, (long long)bad_n);
    /* fixed valid/test windows: unchanged by training draws, identical for the same seed, inside
     * [0.8, 0.9) / [0.9, 1.0) of their record, and different for another seed */
    int same = 1, inside = 1;
    for (int i = 0; i < 30; i++) {
        sk_dna_window w;
        OK(sk_dna_species_fixed(s, 1, i, 0, &w, ids));
        same &= w.beg == fixed_before[i].beg && w.seq == fixed_before[i].seq && w.label == fixed_before[i].label;
        int64_t len = sk_dna_fasta_len(sk_dna_species_fasta(s, w.label), w.seq);
        inside &= w.beg >= len * 8 / 10 && w.end <= len * 9 / 10 && w.split == 1;
    }
    for (int i = 0; i < 20; i++) {
        sk_dna_window w;
        OK(sk_dna_species_fixed(s, 2, i, 0, &w, ids));
        int64_t len = sk_dna_fasta_len(sk_dna_species_fasta(s, w.label), w.seq);
        inside &= w.beg >= len * 9 / 10 && w.end <= len && w.split == 2;
    }
    SK_CHECK(same, "valid windows do not move when training windows are drawn");
    SK_CHECK(inside, "valid/test windows lie in their part of the record");
    SK_CHECK(sk_dna_species_fixed_count(s, 1) == 30 && sk_dna_species_fixed_count(s, 2) == 20, "fixed counts");
    st = sk_dna_species_create(&s2, paths, 3, &o);
    if (!st) {
        int eq = 1;
        for (int i = 0; i < 30; i++) {
            sk_dna_window w;
            OK(sk_dna_species_fixed(s2, 1, i, 0, &w, ids));
            eq &= w.beg == fixed_before[i].beg && w.seq == fixed_before[i].seq && w.label == fixed_before[i].label;
        }
        SK_CHECK(eq, "same seed, same valid windows");
        sk_dna_species_free(s2);
    }
    o.seed = 5;
    if (!sk_dna_species_create(&s2, paths, 3, &o)) {
        int eq = 1;
        for (int i = 0; i < 30; i++) {
            sk_dna_window w;
            OK(sk_dna_species_fixed(s2, 1, i, 0, &w, ids));
            eq &= w.beg == fixed_before[i].beg && w.seq == fixed_before[i].seq;
        }
        SK_CHECK(!eq, "another seed, other valid windows");
        sk_dna_species_free(s2);
    }
    sk_dna_species_free(s);

    /* split by chromosome: valid only from c2 (and a2), test only from c3 */
    o.split_by = SK_DNA_SPLIT_BY_CHROM;
    o.valid_chroms = "c2,a2";
    o.test_chroms = "c3,b1";
    o.n_valid = 50;
    o.n_test = 0;   /* b has no record outside the test list... */
    o.max_n_frac = 0.7;
    st = sk_dna_species_create(&s, paths, 3, &o);
    SK_CHECK(st != 0 && strstr(sk_errmsg(), "sb.fa") && strstr(sk_errmsg(), "train"), "species with no train record: %s",
             sk_errmsg());
    o.test_chroms = "c3";
    o.valid_chroms = "c2,a2,b1";
    st = sk_dna_species_create(&s, paths, 3, &o);
    SK_CHECK(st != 0, "b1 in valid leaves b without train records");
    o.valid_chroms = "c2,a2,chr7";
    const char *two[] = {paths[0], paths[2]};
    st = sk_dna_species_create(&s, two, 2, &o);
    SK_CHECK(st != 0 && strstr(sk_errmsg(), "'chr7' is not a record"), "unknown listed chromosome: %s", sk_errmsg());
    o.valid_chroms = "c2,a2";
    st = sk_dna_species_create(&s, two, 2, &o);
    SK_CHECK(st == 0, "split by chrom: %s", sk_errmsg());
    if (!st) {
        int ok = 1;
        for (int i = 0; i < 50; i++) {
            sk_dna_window w;
            OK(sk_dna_species_fixed(s, 1, i, 0, &w, ids));
            const char *name = sk_dna_fasta_name(sk_dna_species_fasta(s, w.label), w.seq);
            ok &= !strcmp(name, w.label ? "c2" : "a2");
        }
        for (int d = 0; d < 200; d++) {
            sk_dna_window w;
            OK(sk_dna_species_draw(s, &r, 0, &w, ids));
            const char *name = sk_dna_fasta_name(sk_dna_species_fasta(s, w.label), w.seq);
            ok &= strcmp(name, "c2") && strcmp(name, "c3") && strcmp(name, "a2");
        }
        SK_CHECK(ok, "chromosome split keeps valid/test chromosomes out of training");
        sk_dna_species_free(s);
    }
}

int main(void) {
    hts_set_log_level(HTS_LOG_OFF);
    if (!mkdtemp(dna_test_dir)) return 1;
    test_tokenizer();
    test_readers();
    test_intervals();
    test_species();
    if (remove_test_dir() != 0) fprintf(stderr, "could not remove %s\n", dna_test_dir);
    return sk_test_finish("test_dna");
}
