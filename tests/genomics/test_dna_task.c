/* test_dna_task.c — labelled-sequence files (TSV and FASTA with label=) with their errors, and the
 * tiling of sequences into classify windows, against cases worked out by hand. */
#include <stdlib.h>
#include "genomics/sk_dna.h"
#include "tests/genomics/dna_test_util.h"
#include "tests/sk_test.h"

static void check_tiles(int64_t n, int64_t L, int64_t S, int pol, int64_t count, const int64_t *want) {
    int64_t got[64];
    int64_t k = sk_dna_tiles(n, L, S, pol, NULL);
    SK_CHECK(k == count, "tiles(n=%lld L=%lld S=%lld): %lld windows, expected %lld", (long long)n, (long long)L,
             (long long)S, (long long)k, (long long)count);
    if (k != count || k > 64) return;
    SK_CHECK(sk_dna_tiles(n, L, S, pol, got) == k, "count with begs");
    for (int64_t i = 0; i < k; i++)
        SK_CHECK(got[i] == want[i], "tiles(n=%lld L=%lld S=%lld)[%lld] = %lld, expected %lld", (long long)n, (long long)L,
                 (long long)S, (long long)i, (long long)got[i], (long long)want[i]);
}

/* Expect sk_dna_labelled_read to fail with a message containing all of the given pieces. */
static void expect_bad(const char *name, const char *text, const char *const *classes, int ncls, const char *m1,
                       const char *m2) {
    write_text(tpath(name), text);
    sk_dna_labelled *l = NULL;
    int rc = sk_dna_labelled_read(&l, tpath(name), classes, ncls);
    SK_CHECK(rc < 0 && l == NULL, "%s: should fail", name);
    SK_CHECK(strstr(sk_errmsg(), name) && strstr(sk_errmsg(), m1) && (!m2 || strstr(sk_errmsg(), m2)),
             "%s: message \"%s\" should name the file, \"%s\" and \"%s\"", name, sk_errmsg(), m1, m2 ? m2 : "");
    sk_dna_labelled_free(l);
}

int main(void) {
    if (!mkdtemp(dna_test_dir)) return 1;
    /* ---- tiling: hand-worked cases ---- */
    check_tiles(10, 4, 4, SK_DNA_SHORT_PAD, 3, (const int64_t[]){0, 4, 6});    /* 0-4 4-8 + tail 6-10 */
    check_tiles(12, 4, 4, SK_DNA_SHORT_PAD, 3, (const int64_t[]){0, 4, 8});    /* exact fit, no tail */
    check_tiles(10, 4, 2, SK_DNA_SHORT_PAD, 4, (const int64_t[]){0, 2, 4, 6}); /* stride 2 reaches the end */
    check_tiles(11, 4, 3, SK_DNA_SHORT_PAD, 4, (const int64_t[]){0, 3, 6, 7}); /* 0 3 6 (ends 10) + tail 7 */
    check_tiles(4, 4, 4, SK_DNA_SHORT_PAD, 1, (const int64_t[]){0});
    check_tiles(3, 4, 4, SK_DNA_SHORT_PAD, 1, (const int64_t[]){0}); /* short: one padded window */
    check_tiles(3, 4, 4, SK_DNA_SHORT_SKIP, 0, NULL);
    check_tiles(9, 4, 8, SK_DNA_SHORT_PAD, 2, (const int64_t[]){0, 5}); /* stride > L: gap, then the tail */
    /* window ids: left padding, reverse complement at the token level */
    int32_t ids[6];
    sk_dna_window_ids("xxACGTNa", 2, 7, 6, 0, 0, ids);
    SK_CHECK(ids[0] == SK_DNA_PAD && ids[1] == SK_DNA_A && ids[2] == SK_DNA_C && ids[3] == SK_DNA_G &&
             ids[4] == SK_DNA_T && ids[5] == SK_DNA_N, "forward ids");
    sk_dna_window_ids("xxAACGTa", 2, 7, 6, 1, 0, ids); /* AACGT -> ACGTT */
    SK_CHECK(ids[0] == SK_DNA_PAD && ids[1] == SK_DNA_A && ids[2] == SK_DNA_C && ids[3] == SK_DNA_G &&
             ids[4] == SK_DNA_T && ids[5] == SK_DNA_T, "reverse-complement ids");

    /* ---- TSV ---- */
    write_text(tpath("a.tsv"), "label\tsequence\n# comment\nzeta\tACGT\n\nalpha\tacgtn\r\nzeta\tGGRY\n");
    sk_dna_labelled *l = NULL;
    int rc = sk_dna_labelled_read(&l, tpath("a.tsv"), NULL, 0);
    SK_CHECK(rc == 0, "a.tsv: %s", sk_errmsg());
    if (!rc) {
        SK_CHECK(sk_dna_labelled_count(l) == 3 && sk_dna_labelled_nclasses(l) == 2, "3 sequences, 2 classes");
        SK_CHECK(!strcmp(sk_dna_labelled_class(l, 0), "alpha") && !strcmp(sk_dna_labelled_class(l, 1), "zeta"),
                 "classes sorted by name");
        sk_dna_lseq s0 = sk_dna_labelled_get(l, 0), s1 = sk_dna_labelled_get(l, 1), s2 = sk_dna_labelled_get(l, 2);
        SK_CHECK(s0.label == 1 && s0.len == 4 && !strcmp(s0.seq, "ACGT") && s0.line == 3, "first: zeta ACGT line 3");
        SK_CHECK(s1.label == 0 && s1.len == 5 && !strcmp(s1.seq, "acgtn") && s1.line == 5, "second: alpha, CR stripped");
        SK_CHECK(s2.label == 1 && !strcmp(s2.seq, "GGRY") && s2.name == NULL, "third");
        sk_dna_labelled_free(l);
    }
    /* a fixed class list keeps its order */
    const char *cls[] = {"zeta", "alpha", "unused"};
    rc = sk_dna_labelled_read(&l, tpath("a.tsv"), cls, 3);
    SK_CHECK(rc == 0, "fixed classes: %s", sk_errmsg());
    if (!rc) {
        SK_CHECK(sk_dna_labelled_nclasses(l) == 3 && sk_dna_labelled_get(l, 0).label == 0 &&
                 sk_dna_labelled_get(l, 1).label == 1, "labels follow the given list");
        sk_dna_labelled_free(l);
    }
    /* ---- FASTA ---- */
    write_text(tpath("a.fa"), ">s1 label=pos x=1\nACGT\nAC\n>s2 foo label=neg\nTTTT\n");
    rc = sk_dna_labelled_read(&l, tpath("a.fa"), NULL, 0);
    SK_CHECK(rc == 0, "a.fa: %s", sk_errmsg());
    if (!rc) {
        sk_dna_lseq s0 = sk_dna_labelled_get(l, 0), s1 = sk_dna_labelled_get(l, 1);
        SK_CHECK(sk_dna_labelled_count(l) == 2 && !strcmp(sk_dna_labelled_class(l, 0), "neg"), "2 records, neg first");
        SK_CHECK(s0.label == 1 && !strcmp(s0.seq, "ACGTAC") && !strcmp(s0.name, "s1") && s0.line == 1, "s1 pos");
        SK_CHECK(s1.label == 0 && !strcmp(s1.name, "s2") && s1.line == 4, "s2 neg");
        sk_dna_labelled_free(l);
    }
    /* ---- bad input: each names the file and the line ---- */
    const char *two[] = {"pos", "neg"};
    expect_bad("unknown.tsv", "pos\tACGT\nmaybe\tACGT\n", two, 2, "line 2", "unknown class \"maybe\"");
    expect_bad("unknown.fa", ">a label=pos\nACGT\n>b label=maybe\nAC\n", two, 2, "line 3", "maybe");
    expect_bad("notab.tsv", "pos\tACGT\npos ACGT\n", NULL, 0, "line 2", "no tab");
    expect_bad("threecol.tsv", "pos\tACGT\tx\n", NULL, 0, "line 1", "columns");
    expect_bad("badbase.tsv", "pos\tACGT\nneg\tACXT\n", NULL, 0, "line 2", "base 3");
    expect_bad("emptyseq.tsv", "pos\t\n", NULL, 0, "line 1", "empty sequence");
    expect_bad("emptylabel.tsv", "\tACGT\n", NULL, 0, "line 1", "empty label");
    expect_bad("nolabel.fa", ">a label=pos\nACGT\n>b\nAC\n", NULL, 0, "line 3", "label=");
    expect_bad("empty.tsv", "", NULL, 0, "empty", NULL);
    expect_bad("comments.tsv", "# nothing\n\n", NULL, 0, "no labelled sequences", NULL);
    sk_dna_labelled *none = NULL;
    SK_CHECK(sk_dna_labelled_read(&none, tpath("missing.tsv"), NULL, 0) == SK_EIO && strstr(sk_errmsg(), "missing.tsv"),
             "missing file: %s", sk_errmsg());
    remove_test_dir();
    return sk_test_finish("test_dna_task");
}
