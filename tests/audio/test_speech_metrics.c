/* test_speech_metrics.c — the speech scores (audio/sk_audio_metrics.h) against float64 values that
 * numpy / scipy computed independently (tests/reference/make_speech_metric_fixtures.py writes
 * tests/audio/fixtures/speech_metrics.txt), to 1e-6; the two Inception Scores on an imbalanced
 * set against their per-class closed forms; the threshold selection of 10,240 clips. */
#include <stdlib.h>
#include <string.h>
#include "audio/sk_audio_metrics.h"
#include "tests/audio/speech_fixture.h"
#include "tests/sk_test.h"

static double ref(const char *name) { return get(name)->v[0]; }

#define NEAR(what, got, want) SK_CHECK(fabs((got) - (want)) <= 1e-6 * fmax(1, fabs(want)), "%s: %.12g, reference %.12g", what, got, want)

static void test_fid(void) {
    const arr *a = get("feat_a"), *b = get("feat_b");
    double fid = -1;
    SK_CHECK(sk_metric_fid(a->v, a->rows, b->v, b->rows, a->cols, &fid) == SK_OK, "fid: %s", sk_errmsg());
    NEAR("FID", fid, ref("fid"));
    SK_CHECK(sk_metric_fid(a->v, a->rows, a->v, a->rows, a->cols, &fid) == SK_OK, "fid self");
    SK_CHECK(fabs(fid) < 1e-8, "FID of a set with itself %.3g", fid);
    SK_CHECK(sk_metric_fid(a->v, 1, b->v, b->rows, a->cols, &fid) == SK_EINVAL, "FID of one clip refused");
}

static void test_inception(void) {
    const char *tags[] = {"bal", "imb"};
    for (int t = 0; t < 2; t++) {
        char nm[64];
        snprintf(nm, sizeof nm, "prob_%s", tags[t]);
        const arr *p = get(nm);
        snprintf(nm, sizeof nm, "is_sashimi_%s", tags[t]);
        NEAR(nm, sk_metric_is_sashimi(p->v, p->rows, p->cols), ref(nm));
        snprintf(nm, sizeof nm, "is_textbook_%s", tags[t]);
        NEAR(nm, sk_metric_is_textbook(p->v, p->rows, p->cols), ref(nm));
    }
    /* imbalanced: ln IS_sashimi = mean_c T_c, ln IS_textbook = sum_c pbar_c T_c, recomputed here */
    const arr *p = get("prob_imb");
    int n = p->rows, k = p->cols;
    double ls = 0, lt = 0;
    for (int c = 0; c < k; c++) {
        double pb = 0, s = 0;
        for (int i = 0; i < n; i++) pb += p->v[i * k + c] / n, s += p->v[i * k + c] * log(p->v[i * k + c]);
        double T = s / (n * pb) - log(pb);
        ls += T / k;
        lt += pb * T;
    }
    NEAR("ln IS sashimi = mean_c T_c", log(sk_metric_is_sashimi(p->v, n, k)), ls);
    NEAR("ln IS textbook = sum_c pbar_c T_c", log(sk_metric_is_textbook(p->v, n, k)), lt);
    SK_CHECK(ref("is_textbook_imb") - ref("is_sashimi_imb") > 0.1, "imbalanced: the two IS differ (%.4f vs %.4f)",
             ref("is_sashimi_imb"), ref("is_textbook_imb"));
}

static void test_mis_am(void) {
    const arr *p = get("prob_imb"), *pr = get("prob_ref"), *pairs = get("pairs");
    int64_t *ij = malloc(sizeof *ij * 2 * pairs->rows);
    for (int i = 0; i < 2 * pairs->rows; i++) ij[i] = (int64_t)pairs->v[i];
    NEAR("mIS", sk_metric_mis(p->v, p->cols, ij, pairs->rows), ref("mis_imb"));
    NEAR("AM", sk_metric_am(pr->v, pr->rows, p->v, p->rows, p->cols), ref("am_imb"));
    free(ij);
}

static void test_threshold(void) {
    enum { N = 10240 };
    static int64_t keep[N];
    static unsigned char ev[N];
    int64_t nk, a, b;
    SK_CHECK(sk_threshold_select(N, 7, 0.4, 0.95, keep, &nk, &a, &b) == SK_OK, "select: %s", sk_errmsg());
    SK_CHECK(a == 2048 && b == 4864 && nk == 2816, "range [%lld, %lld) count %lld, want [2048, 4864) 2816", (long long)a,
             (long long)b, (long long)nk);
    SK_CHECK(sk_threshold_split(N, 7, ev) == SK_OK, "split");
    int64_t ne = 0, want[N], nw = 0;
    for (int i = 0; i < N; i++) ne += ev[i];
    SK_CHECK(ne == N / 2, "evaluation half %lld", (long long)ne);
    /* ranks of the evaluation half from the least likely (rank N) to the most likely (rank 1) */
    for (int64_t rank = N, pos = 0; rank >= 1; rank--)
        if (ev[N - rank]) {
            if (pos >= 2048 && pos < 4864) want[nw++] = rank;
            pos++;
        }
    SK_CHECK(nw == nk && !memcmp(want, keep, sizeof *keep * (size_t)nk), "kept ranks differ from the evaluation half's [2048, 4864)");
    SK_CHECK(sk_threshold_select(N, 7, 0.95, 0.4, keep, &nk, &a, &b) == SK_EINVAL, "lo >= hi refused");
}

int main(void) {
    load_fixture("speech_metrics.txt");
    test_fid();
    test_inception();
    test_mis_am();
    test_threshold();
    return sk_test_finish("test_speech_metrics");
}
