/* test_stream.c — streaming inference and packed rows at the library level (models/README.md §Streaming):
 *  - streaming: the total next-token NLL of one sequence fed in chunks with the recurrent state
 *    carried (sk_mamba_lm_forward with a state, chunk sizes 1, 7, 64, 100, 299 and the whole)
 *    equals one pass over the whole sequence (<= 1e-5 relative), per position too; the same for
 *    the backbone's hidden states (sk_mamba_lm_forward_hidden_state) and for a classifier's
 *    log-probabilities at the last position (sk_classifier_head_at after a streamed backbone);
 *  - packed rows: several records of different lengths (1 to 80 tokens) packed into one row
 *    with reset flags at record starts give every record the loss it gets run alone (<= 1e-5
 *    relative), also with two rows and with a packed stream cut into chunks with the state
 *    carried across chunks. Per-record losses come from sk_mamba_lm_position_losses.
 * Every block kind of the LM is covered (Mamba with real or complex S6, Mamba-S4, S4+MLP). */
#include <math.h>
#include "models/sk_classifier.h"
#include "models/sk_mamba.h"
#include "src/sk_rng.h"
#include "tests/models/ref_util.h"
#include "tests/sk_test.h"

static double rel(double got, double ref) { return fabs(got - ref) / fmax(fabs(ref), 1e-30); }

/* max |a - b| / max |b| over n floats */
static double relv(const float *a, const float *b, int64_t n) {
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= num)) num = d;
        den = fmax(den, fabs((double)b[i]));
    }
    return den > 0 ? num / den : num;
}

enum { T = 300 };

/* Official init, then the embedding scaled by 10 and out_proj by 20 so the history moves the
 * predictions visibly (at init the LM is nearly uniform and a lost state would hide in rounding). */
static void init_sharp(sk_mamba_lm *m, uint64_t seed) {
    SK_CHECK(sk_mamba_lm_init(m, seed) == 0, "init");
    const sk_backend *be = sk_mamba_lm_backend(m);
    for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
        const sk_param *p = sk_mamba_lm_param(m, i);
        const size_t n = strlen(p->name);
        double scale = !strcmp(p->name, "backbone.embedding.weight") ? 10 : n > 15 && !strcmp(p->name + n - 15, "out_proj.weight") ? 20 : 1;
        if (scale == 1) continue;
        float *h = malloc(sizeof(float) * (size_t)p->numel);
        SK_CHECK(be->download(h, p->w, sizeof(float) * (size_t)p->numel) == 0, "download");
        for (int64_t j = 0; j < p->numel; j++) h[j] *= (float)scale;
        SK_CHECK(be->upload(p->w, h, sizeof(float) * (size_t)p->numel) == 0, "upload");
        free(h);
    }
}

/* Gate: streamed total NLL == one pass; hidden states too. */
static void test_streaming(const char *name, const sk_mamba_config *c) {
    const sk_backend *be = sk_backend_cpu();
    int32_t x[T], y[T];
    sk_rng r;
    sk_rng_seed(&r, 7, 0);
    for (int t = 0; t < T; t++) x[t] = (int32_t)sk_rng_below(&r, (uint64_t)c->vocab_size);
    for (int t = 0; t < T; t++) y[t] = t + 1 < T ? x[t + 1] : -1; /* t predicts t+1 */
    sk_mamba_lm *m;
    SK_CHECK(sk_mamba_lm_create(&m, c, be, 1, T, 0) == 0, "create: %s", sk_errmsg());
    init_sharp(m, 11);
    double loss1 = 0;
    SK_CHECK(sk_mamba_lm_forward(m, x, y, 1, T, NULL, NULL, &loss1) == 0, "one pass: %s", sk_errmsg());
    const double total1 = loss1 * (T - 1);
    float pos1[T], pos2[T];
    memcpy(pos1, sk_mamba_lm_position_losses(m), sizeof pos1);
    double s = 0;
    for (int t = 0; t < T; t++) s += pos1[t];
    SK_CHECK(rel(s, total1) < 1e-6 && pos1[T - 1] == 0, "position losses sum to the loss (%g vs %g)", s, total1);
    float *h1 = malloc(sizeof(float) * T * (size_t)c->blk.d_model), *h2 = malloc(sizeof(float) * T * (size_t)c->blk.d_model);
    SK_CHECK(sk_mamba_lm_forward_hidden(m, x, 1, T, NULL) == 0, "hidden");
    memcpy(h1, sk_mamba_lm_hidden(m), sizeof(float) * T * (size_t)c->blk.d_model); /* CPU backend: host memory */
    sk_mamba_lm_state *st;
    SK_CHECK(sk_mamba_lm_state_create(m, 1, &st) == 0, "state");
    static const int chunks[] = {1, 7, 64, 100, 299, T};
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        const int C = chunks[k];
        double total = 0;
        SK_CHECK(sk_mamba_lm_state_reset(st) == 0, "reset");
        for (int b = 0; b < T; b += C) {
            int n = T - b < C ? T - b : C;
            double l = 0;
            SK_CHECK(sk_mamba_lm_forward(m, x + b, y + b, 1, n, NULL, st, &l) == 0, "chunk: %s", sk_errmsg());
            const float *pl = sk_mamba_lm_position_losses(m);
            for (int t = 0; t < n; t++) total += pl[t], pos2[b + t] = pl[t];
        }
        double e = rel(total, total1), ep = relv(pos2, pos1, T);
        printf("%s: streamed NLL, chunk %3d: total %.9g vs one pass %.9g, relative %.2g; per position %.2g\n", name, C,
               total, total1, e, ep);
        SK_CHECK(e <= 1e-5, "%s chunk %d: total NLL relative error %.3g", name, C, e);
        SK_CHECK(ep <= 1e-5, "%s chunk %d: per-position losses relative error %.3g", name, C, ep);
        /* the backbone alone */
        SK_CHECK(sk_mamba_lm_state_reset(st) == 0, "reset");
        for (int b = 0; b < T; b += C) {
            int n = T - b < C ? T - b : C;
            SK_CHECK(sk_mamba_lm_forward_hidden_state(m, x + b, 1, n, NULL, st) == 0, "hidden chunk: %s", sk_errmsg());
            memcpy(h2 + (size_t)b * c->blk.d_model, sk_mamba_lm_hidden(m), sizeof(float) * (size_t)(n * c->blk.d_model));
        }
        double eh = relv(h2, h1, (int64_t)T * c->blk.d_model);
        SK_CHECK(eh <= 1e-5, "%s chunk %d: hidden states relative error %.3g", name, C, eh);
    }
    /* the test can fail: chunks of 64 without the state carried */
    double dropped = 0;
    for (int b = 0; b < T; b += 64) {
        int n = T - b < 64 ? T - b : 64;
        SK_CHECK(sk_mamba_lm_forward(m, x + b, y + b, 1, n, NULL, NULL, NULL) == 0, "chunk");
        for (int t = 0; t < n; t++) dropped += sk_mamba_lm_position_losses(m)[t];
    }
    printf("%s: chunks of 64 without the state differ by %.2g relative (the test can fail)\n", name, rel(dropped, total1));
    SK_CHECK(rel(dropped, total1) > 1e-4, "%s: dropping the state changes nothing (%.3g)", name, rel(dropped, total1));
    sk_mamba_lm_state_free(st);
    free(h1), free(h2);
    sk_mamba_lm_free(m);
}

/* Gate: packed rows with resets == each record alone. */
static void test_packed(const char *name, const sk_mamba_config *c) {
    const sk_backend *be = sk_backend_cpu();
    static const int len[] = {37, 5, 80, 1, 2, 60, 13}; /* record lengths (tokens) */
    enum { NR = 7, TOT = 198 };
    int32_t x[TOT], y[TOT];
    uint8_t reset[TOT];
    int beg[NR + 1] = {0};
    for (int i = 0; i < NR; i++) beg[i + 1] = beg[i] + len[i];
    SK_CHECK(beg[NR] == TOT, "lengths");
    sk_rng r;
    sk_rng_seed(&r, 9, 0);
    for (int t = 0; t < TOT; t++) x[t] = (int32_t)sk_rng_below(&r, (uint64_t)c->vocab_size);
    for (int i = 0; i < NR; i++)
        for (int t = beg[i]; t < beg[i + 1]; t++) {
            y[t] = t + 1 < beg[i + 1] ? x[t + 1] : -1; /* no target crosses a record boundary */
            reset[t] = t == beg[i];
        }
    sk_mamba_lm *m;
    SK_CHECK(sk_mamba_lm_create(&m, c, be, 2, TOT, 0) == 0, "create: %s", sk_errmsg());
    init_sharp(m, 5);
    /* each record alone */
    double alone[NR];
    for (int i = 0; i < NR; i++) {
        double l = 0;
        SK_CHECK(sk_mamba_lm_forward(m, x + beg[i], y + beg[i], 1, len[i], NULL, NULL, &l) == 0, "alone: %s", sk_errmsg());
        alone[i] = l * (len[i] - 1); /* the forward's loss is the mean over len - 1 targets */
    }
    /* (a) one packed row; (b) two rows: the records in reverse order in row 1; (c) the packed row
     * streamed in chunks of 23 with the state carried */
    double packed[3][NR] = {{0}};
    SK_CHECK(sk_mamba_lm_forward(m, x, y, 1, TOT, reset, NULL, NULL) == 0, "packed: %s", sk_errmsg());
    const float *pl = sk_mamba_lm_position_losses(m);
    for (int i = 0; i < NR; i++)
        for (int t = beg[i]; t < beg[i + 1]; t++) packed[0][i] += pl[t];
    int32_t x2[2 * TOT], y2[2 * TOT];
    uint8_t r2[2 * TOT];
    memcpy(x2, x, sizeof x), memcpy(y2, y, sizeof y), memcpy(r2, reset, sizeof reset);
    int rbeg[NR]; /* start of record i in row 1 */
    for (int i = NR - 1, p = 0; i >= 0; p += len[i], i--) rbeg[i] = p; /* reversed order: record NR-1 first */
    for (int i = 0; i < NR; i++) {
        memcpy(x2 + TOT + rbeg[i], x + beg[i], sizeof(int32_t) * (size_t)len[i]);
        memcpy(y2 + TOT + rbeg[i], y + beg[i], sizeof(int32_t) * (size_t)len[i]);
        memcpy(r2 + TOT + rbeg[i], reset + beg[i], (size_t)len[i]);
    }
    SK_CHECK(sk_mamba_lm_forward(m, x2, y2, 2, TOT, r2, NULL, NULL) == 0, "packed b=2: %s", sk_errmsg());
    pl = sk_mamba_lm_position_losses(m);
    for (int i = 0; i < NR; i++)
        for (int t = 0; t < len[i]; t++) packed[1][i] += pl[beg[i] + t] + pl[TOT + rbeg[i] + t];
    for (int i = 0; i < NR; i++) packed[1][i] /= 2;
    sk_mamba_lm_state *st;
    SK_CHECK(sk_mamba_lm_state_create(m, 1, &st) == 0, "state");
    for (int b = 0, C = 23; b < TOT; b += C) {
        int n = TOT - b < C ? TOT - b : C;
        SK_CHECK(sk_mamba_lm_forward(m, x + b, y + b, 1, n, reset + b, st, NULL) == 0, "stream: %s", sk_errmsg());
        pl = sk_mamba_lm_position_losses(m);
        for (int t = 0; t < n; t++)
            for (int i = 0; i < NR; i++)
                if (b + t >= beg[i] && b + t < beg[i + 1]) packed[2][i] += pl[t];
    }
    sk_mamba_lm_state_free(st);
    double worst = 0;
    for (int v = 0; v < 3; v++)
        for (int i = 0; i < NR; i++) {
            double e = len[i] > 1 ? rel(packed[v][i], alone[i]) : fabs(packed[v][i]);
            worst = fmax(worst, e);
            SK_CHECK(e <= 1e-5, "%s packed variant %d record %d (length %d): %.9g vs alone %.9g (relative %.3g)", name, v,
                     i, len[i], packed[v][i], alone[i], e);
        }
    printf("%s: packed rows (1 row, 2 rows, streamed in chunks of 23) vs records alone: worst relative %.2g over %d "
           "records of lengths 1..80\n", name, worst, NR);
    /* a sanity check that the test can fail: without resets record 2's loss changes */
    SK_CHECK(sk_mamba_lm_forward(m, x, y, 1, TOT, NULL, NULL, NULL) == 0, "unpacked");
    pl = sk_mamba_lm_position_losses(m);
    double noreset = 0;
    for (int t = beg[2]; t < beg[3]; t++) noreset += pl[t];
    printf("%s: record 2 without resets differs by %.2g relative (the test can fail)\n", name, rel(noreset, alone[2]));
    SK_CHECK(rel(noreset, alone[2]) > 1e-3, "%s: without resets record 2 still matches (%.3g): the test cannot fail", name,
             rel(noreset, alone[2]));
    sk_mamba_lm_free(m);
}

/* The classifier's log-probabilities after a streamed backbone equal its one-pass forward. */
static void test_classifier(void) {
    sk_mamba_config c = small_cfg(0, 0, 12);
    const sk_backend *be = sk_backend_cpu();
    const char *classes[] = {"a", "b", "c"};
    sk_classifier *clf;
    SK_CHECK(sk_classifier_create(&clf, &c, 3, classes, be, 2, T, 0) == 0, "classifier: %s", sk_errmsg());
    SK_CHECK(sk_classifier_init(clf, 3) == 0, "init");
    int32_t x[2 * T];
    sk_rng r;
    sk_rng_seed(&r, 4, 0);
    for (int t = 0; t < 2 * T; t++) x[t] = 7 + (int32_t)sk_rng_below(&r, 4);
    double ref[6], got[6];
    SK_CHECK(sk_classifier_forward(clf, x, NULL, 2, T, NULL) == 0 && sk_classifier_logprobs(clf, ref) == 0, "forward");
    sk_mamba_lm *lm = sk_classifier_backbone(clf);
    sk_mamba_lm_state *st;
    SK_CHECK(sk_mamba_lm_state_create(lm, 1, &st) == 0, "state");
    for (int i = 0; i < 2; i++) {
        SK_CHECK(sk_mamba_lm_state_reset(st) == 0, "reset");
        int64_t last = 0;
        for (int b = 0, C = 41; b < T; b += C) {
            int n = T - b < C ? T - b : C;
            SK_CHECK(sk_mamba_lm_forward_hidden_state(lm, x + i * T + b, 1, n, NULL, st) == 0, "chunk: %s", sk_errmsg());
            last = n - 1;
        }
        SK_CHECK(sk_classifier_head_at(clf, &last, 1) == 0 && sk_classifier_logprobs(clf, got + 3 * i) == 0, "head: %s",
                 sk_errmsg());
    }
    double e = 0;
    for (int k = 0; k < 6; k++) e = fmax(e, fabs(got[k] - ref[k]) / fmax(fabs(ref[k]), 1e-3));
    printf("classifier: streamed (chunks of 41) vs one pass log-probabilities, relative %.2g\n", e);
    SK_CHECK(e <= 1e-5, "classifier streamed log-probabilities relative error %.3g", e);
    int64_t bad = -1;
    SK_CHECK(sk_classifier_head_at(clf, &bad, 1) == SK_EINVAL, "a negative hidden row is refused");
    sk_mamba_lm_state_free(st);
    sk_classifier_free(clf);
}

int main(void) {
    static const struct { const char *name; int ssm, block; } kinds[] = {
        {"mamba-s6", SK_SSM_S6, SK_BLOCK_MAMBA},
        {"mamba-s6-complex", SK_SSM_S6_COMPLEX, SK_BLOCK_MAMBA},
        {"mamba-s4d-lin", SK_SSM_S4D_LIN, SK_BLOCK_MAMBA},
        {"s4-mlp-real", SK_SSM_S4D_REAL, SK_BLOCK_S4_MLP},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        sk_mamba_config c = small_cfg(kinds[k].ssm, kinds[k].block, 12);
        test_streaming(kinds[k].name, &c);
        test_packed(kinds[k].name, &c);
    }
    test_classifier();
    return sk_test_finish("test_stream");
}
