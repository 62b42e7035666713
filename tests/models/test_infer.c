/* test_infer.c — inference models (SK_MODEL_INFER, models/README.md §Inference) against the
 * training forward of the same weights:
 *   LM: logits and loss of batches that fit one piece are bitwise equal; rows longer than a piece
 *     (run piece by piece with the state carried), with reset flags and with a caller's state over
 *     two calls, within 1e-6 relative;
 *   U-Net: logits bitwise, and a forward with the state carried over two calls;
 *   classifier: log-probabilities of rows longer than a piece within 1e-6;
 *   the memory plan of an inference model (sk_model_plan_infer) of dna-1.4m at 1 x 2^20 positions is at most 8 KiB per
 *   position and under 1/20 of the training plan's activations; an inference model refuses
 *   gradients, a backward and chunked training.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_classifier.h"
#include "models/sk_model.h"
#include "models/sk_model_plan.h"
#include "src/sk_json.h"
#include "tests/models/model_util.h"
#include "tests/sk_test.h"


/* max |a - b| / max |b| */
static double rel(const float *a, const float *b, int64_t n) {
    double d = 0, s = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - b[i])), s = fmax(s, fabs((double)b[i]));
    return s > 0 ? d / s : d;
}

/* a training model (gradients on) and an inference model of config c with the same weights */
static void pair(const sk_model_config *c, int64_t b, int64_t L, sk_model **tr, sk_model **in) {
    const sk_backend *be = sk_backend_cpu();
    SK_CHECK(sk_model_create(tr, c, be, b, L, SK_MODEL_GRADS) == 0 && sk_model_init(*tr, 7) == 0, "train model: %s",
             sk_errmsg());
    SK_CHECK(sk_model_create(in, c, be, b, L, SK_MODEL_INFER) == 0 && sk_model_init(*in, 7) == 0, "infer model: %s",
             sk_errmsg());
}

/* forward (packed when reset) on both; returns the relative difference of the logits and checks the losses */
static double compare(sk_model *tr, sk_model *in, const int32_t *tok, const int32_t *tgt, const uint8_t *reset,
                      int64_t b, int64_t L, const char *what) {
    double l1 = 0, l2 = 0;
    int r1 = reset ? sk_model_forward_packed(tr, tok, tgt, reset, b, L, &l1) : sk_model_forward(tr, tok, tgt, b, L, &l1);
    int r2 = reset ? sk_model_forward_packed(in, tok, tgt, reset, b, L, &l2) : sk_model_forward(in, tok, tgt, b, L, &l2);
    SK_CHECK(r1 == 0 && r2 == 0, "%s: forward: %s", what, sk_errmsg());
    const int64_t n = b * L * sk_model_logits_width(tr);
    float *a = malloc((size_t)n * sizeof(float)), *g = malloc((size_t)n * sizeof(float));
    SK_CHECK(a && g && sk_model_logits(tr, a) == 0 && sk_model_logits(in, g) == 0, "%s: logits", what);
    const double e = rel(g, a, n);
    printf("%s: logits relative %.3g, loss %.9g vs %.9g\n", what, e, l2, l1);
    SK_CHECK(fabs(l1 - l2) <= 1e-6 * fabs(l1), "%s: loss %.9g vs %.9g", what, l2, l1);
    free(a), free(g);
    return e;
}

static void test_lm(void) {
    sk_model_config *c = parse("{\"arch\":\"mamba-lm\",\"d_model\":16,\"n_layer\":3,\"vocab_size\":12,\"d_state\":4,"
                               "\"dt_min\":0.01,\"dt_max\":0.5}");
    /* one piece: the same calls, bitwise */
    sk_model *tr, *in;
    int32_t tok[3 * 100], tgt[3 * 100];
    tokens(tok, tgt, 3 * 100, 12, 1);
    pair(c, 3, 100, &tr, &in);
    SK_CHECK(compare(tr, in, tok, tgt, NULL, 3, 100, "LM 3 x 100 (one piece)") == 0, "LM one piece: not bitwise");
    sk_model_free(tr), sk_model_free(in);
    /* rows longer than a piece: each row in pieces with its state carried */
    const int64_t b = 2, L = 2 * SK_MODEL_INFER_ROWS + 300, n = b * L;
    int32_t *lt = malloc((size_t)n * sizeof(int32_t)), *lg = malloc((size_t)n * sizeof(int32_t));
    uint8_t *rs = calloc((size_t)n, 1);
    tokens(lt, lg, n, 12, 2);
    rs[SK_MODEL_INFER_ROWS - 5] = rs[L + SK_MODEL_INFER_ROWS + 17] = 1; /* records packed across piece edges */
    pair(c, b, L, &tr, &in);
    SK_CHECK(compare(tr, in, lt, lg, NULL, b, L, "LM 2 x 16684 (pieces)") <= 1e-6, "LM pieces: logits differ");
    SK_CHECK(compare(tr, in, lt, lg, rs, b, L, "LM 2 x 16684 packed (pieces, resets)") <= 1e-6, "LM packed: logits differ");
    /* a caller's state over two calls */
    sk_model_state *s1, *s2;
    SK_CHECK(sk_model_state_create(tr, b, &s1) == 0 && sk_model_state_create(in, b, &s2) == 0, "states");
    for (int k = 0; k < 2; k++) {
        double l1 = 0, l2 = 0;
        SK_CHECK(sk_model_forward_state(tr, s1, lt, lg, NULL, L, &l1) == 0 &&
                 sk_model_forward_state(in, s2, lt, lg, NULL, L, &l2) == 0, "forward_state: %s", sk_errmsg());
        float *a = malloc((size_t)n * 16 * sizeof(float)), *g = malloc((size_t)n * 16 * sizeof(float));
        SK_CHECK(sk_model_logits(tr, a) == 0 && sk_model_logits(in, g) == 0, "logits");
        const double e = rel(g, a, n * 16);
        printf("LM with a state, call %d: logits relative %.3g\n", k + 1, e);
        SK_CHECK(e <= 1e-6 && fabs(l1 - l2) <= 1e-6 * fabs(l1), "LM state call %d: %.3g", k + 1, e);
        free(a), free(g);
    }
    /* no gradients, no backward, no chunked training */
    SK_CHECK(sk_model_backward(in) != 0, "an inference model has no backward");
    SK_CHECK(sk_model_set_chunk(in, 64, L) != 0, "an inference model has no chunked training");
    sk_model *bad = NULL;
    SK_CHECK(sk_model_create(&bad, c, sk_backend_cpu(), 1, 8, SK_MODEL_INFER | SK_MODEL_GRADS) != 0 && !bad,
             "SK_MODEL_INFER with SK_MODEL_GRADS is refused");
    sk_model_state_free(s1), sk_model_state_free(s2);
    sk_model_free(tr), sk_model_free(in);
    free(lt), free(lg), free(rs);
    sk_model_config_free(c);
}

static void test_unet(void) {
    sk_model_config *c = parse("{\"arch\":\"unet\",\"d_model\":8,\"n_layer\":2,\"pool\":[2,2],\"pool_expand\":2,"
                               "\"outer\":{\"d_state\":4},\"center\":{\"d_state\":4}}");
    sk_model *tr, *in;
    const int64_t b = 2, L = 64;
    int32_t tok[2 * 64], tgt[2 * 64];
    tokens(tok, tgt, b * L, 256, 3);
    pair(c, b, L, &tr, &in);
    SK_CHECK(compare(tr, in, tok, tgt, NULL, b, L, "U-Net 2 x 64") == 0, "U-Net: not bitwise");
    sk_model_state *s1, *s2;
    SK_CHECK(sk_model_state_create(tr, b, &s1) == 0 && sk_model_state_create(in, b, &s2) == 0, "states");
    for (int k = 0; k < 2; k++) {
        double l1 = 0, l2 = 0;
        SK_CHECK(sk_model_forward_state(tr, s1, tok, tgt, NULL, L, &l1) == 0 &&
                 sk_model_forward_state(in, s2, tok, tgt, NULL, L, &l2) == 0, "U-Net forward_state: %s", sk_errmsg());
        printf("U-Net with a state, call %d: loss %.9g vs %.9g\n", k + 1, l2, l1);
        SK_CHECK(l1 == l2, "U-Net state call %d: loss %.9g vs %.9g", k + 1, l2, l1);
    }
    SK_CHECK(sk_model_set_chunk(in, 16, L) != 0, "an inference U-Net has no chunked training");
    sk_model_state_free(s1), sk_model_state_free(s2);
    sk_model_free(tr), sk_model_free(in);
    sk_model_config_free(c);
}

static void test_classifier(void) {
    sk_model_config *mc = parse("{\"arch\":\"mamba-lm\",\"d_model\":16,\"n_layer\":2,\"vocab_size\":12,\"d_state\":4}");
    const sk_backend *be = sk_backend_cpu();
    const char *names[] = {"a", "b", "c"};
    const int64_t b = 2, L = SK_MODEL_INFER_ROWS + 1000;
    sk_classifier *tr, *in;
    SK_CHECK(sk_classifier_create(&tr, sk_model_config_lm(mc), 3, names, be, b, L, SK_MODEL_GRADS) == 0 &&
             sk_classifier_init(tr, 5) == 0, "classifier: %s", sk_errmsg());
    SK_CHECK(sk_classifier_create(&in, sk_model_config_lm(mc), 3, names, be, b, L, SK_MODEL_INFER) == 0 &&
             sk_classifier_init(in, 5) == 0, "inference classifier: %s", sk_errmsg());
    int32_t *tok = malloc((size_t)(b * L) * sizeof(int32_t)), *tgt = malloc((size_t)(b * L) * sizeof(int32_t));
    tokens(tok, tgt, b * L, 12, 4);
    int32_t labels[2] = {0, 2};
    double a[6], g[6], l1 = 0, l2 = 0;
    SK_CHECK(sk_classifier_forward(tr, tok, labels, b, L, &l1) == 0 && sk_classifier_logprobs(tr, a) == 0 &&
             sk_classifier_forward(in, tok, labels, b, L, &l2) == 0 && sk_classifier_logprobs(in, g) == 0,
             "classifier forward: %s", sk_errmsg());
    double e = 0;
    for (int k = 0; k < 6; k++) e = fmax(e, fabs(g[k] - a[k]) / fmax(fabs(a[k]), 1e-3));
    printf("classifier 2 x %lld (pieces): log-probabilities relative %.3g\n", (long long)L, e);
    SK_CHECK(e <= 1e-6 && fabs(l1 - l2) <= 1e-6 * fabs(l1), "classifier: relative %.3g", e);
    sk_classifier_free(tr), sk_classifier_free(in);
    free(tok), free(tgt);
    sk_model_config_free(mc);
}

/* the plan of dna-1.4m over one record of 2^20 positions */
static void test_plan(void) {
    sk_model_config *c = NULL;
    cJSON *train = NULL;
    char what[256];
    SK_CHECK(sk_model_config_load("dna-1.4m", NULL, NULL, &c, &train, what, sizeof what) == 0, "preset: %s", sk_errmsg());
    cJSON_Delete(train);
    const int64_t L = (int64_t)1 << 20;
    sk_model *tr = NULL;
    sk_model_mem mt, mi;
    SK_CHECK(sk_model_create(&tr, c, sk_backend_cpu(), 1, L, SK_MODEL_GRADS | SK_MODEL_PLAN) == 0 &&
             sk_model_plan_infer(c, sk_backend_cpu(), 1, L, &mi) == 0, "plans: %s", sk_errmsg());
    sk_model_memory(tr, &mt);
    const double per_t = (double)(mt.acts + mt.host) / (double)L / 1024, per_i = (double)(mi.acts + mi.host) / (double)L / 1024;
    printf("dna-1.4m, 1 x 2^20: activations + host buffers %.2f KiB/position (training %.2f), %.1f MiB\n", per_i, per_t,
           (double)(mi.acts + mi.host) / 1048576.0);
    SK_CHECK(per_i <= 8.0, "inference plan %.2f KiB/position > 8", per_i);
    SK_CHECK(mi.acts * 20 < mt.acts, "inference activations %lld not << training %lld", (long long)mi.acts,
             (long long)mt.acts);
    sk_model_free(tr);
    sk_model_config_free(c);
}

int main(void) {
    test_lm();
    test_unet();
    test_classifier();
    test_plan();
    return sk_test_finish("test_infer");
}
