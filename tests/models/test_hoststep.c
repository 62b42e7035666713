/* test_hoststep.c — the U-Net's recurrent step on the CPU (models/README.md §Recurrent step on the
 * CPU), on a three-level model of real-S6 Mamba layers whose widths are not multiples of the
 * packed vector width (20, 40, 80; d_inner 40, 80, 160; d_state 5 and 16):
 *   forward: the step's logits equal the parallel forward's at every position within 1e-5
 *     (max|step - forward| / max|forward|), at batch 16 and at batch 1;
 *   threads: batch 1 on a team of two threads gives the bits of one thread;
 *   prefill: a state forward of 16 positions, then steps, equal the forward (the SSM state
 *     changes layout between the two);
 *   one pass: the step calls no backend op (it reads the packed weights directly) — the op-by-op
 *     step it replaced made hundreds of GEMM, conv, scan, norm and copy calls per position.
 */
#include "src/sk_relerr.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/sk_runtime.h"
#include "models/sk_unet.h"
#include "src/sk_json.h"
#include "src/sk_rng.h"
#include "tests/sk_test.h"

enum { B = 16, L = 64, V = 256, PRE = 16 };

/* The CPU backend with a counter on the ops a layer runs. */
static sk_backend counted;
static long calls;
static int c_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *Bm,
                  int64_t ldb, float beta, float *C, int64_t ldc) {
    calls++;
    return sk_backend_cpu()->gemm(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, C, ldc);
}
static int c_scan(const sk_scan_f32 *p) { return calls++, sk_backend_cpu()->scan_fwd(p); }
static int c_conv(const sk_conv1d_f32 *p) { return calls++, sk_backend_cpu()->conv1d_fwd(p); }
static int c_norm(float *out, float *rstd, const float *x, const float *w, int64_t rows, int64_t d, float eps) {
    return calls++, sk_backend_cpu()->rmsnorm_fwd(out, rstd, x, w, rows, d, eps);
}
static int c_axpy(float *y, const float *x, float a, int64_t n) { return calls++, sk_backend_cpu()->axpy(y, x, a, n); }
static int c_copy(void *dst, const void *src, size_t bytes) { return calls++, sk_backend_cpu()->copy(dst, src, bytes); }


/* Steps rows [r0, r0 + b) of tok from a fresh state; logits into out (b, L, V). With pre > 0 the
 * first pre positions go through sk_unet_forward_state (the logits of the last one kept). */
static void run_steps(sk_unet *m, const int32_t *tok, int64_t r0, int64_t b, int64_t pre, float *out) {
    sk_unet_state *st = NULL;
    SK_CHECK(sk_unet_state_create(m, b, &st) == 0, "state: %s", sk_errmsg());
    if (!st) return;
    int32_t tk[B * L];
    float *lg = malloc((size_t)(B * L * V) * sizeof(float));
    if (pre) {
        for (int64_t s = 0; s < b; s++) memcpy(tk + s * pre, tok + (r0 + s) * L, (size_t)pre * sizeof(int32_t));
        SK_CHECK(sk_unet_forward_state(m, st, tk, NULL, pre, NULL) == 0, "state forward: %s", sk_errmsg());
        SK_CHECK(sk_unet_logits(m, lg) == 0, "logits: %s", sk_errmsg());
        for (int64_t s = 0; s < b; s++)
            for (int64_t t = 0; t < pre; t++) memcpy(out + (s * L + t) * V, lg + (s * pre + t) * V, V * sizeof(float));
    }
    for (int64_t t = pre; t < L; t++) {
        for (int64_t s = 0; s < b; s++) tk[s] = tok[(r0 + s) * L + t];
        SK_CHECK(sk_unet_step(m, st, tk, lg) == 0, "step %lld: %s", (long long)t, sk_errmsg());
        for (int64_t s = 0; s < b; s++) memcpy(out + (s * L + t) * V, lg + s * V, V * sizeof(float));
    }
    free(lg);
    sk_unet_state_free(st);
}

int main(void) {
    static const char *json = "{\"arch\":\"unet\",\"d_model\":20,\"n_layer\":2,\"pool\":[2,4],"
                              "\"outer\":{\"ssm\":\"s6\",\"d_state\":5},\"center\":{\"ssm\":\"s6\",\"d_state\":16}}";
    cJSON *o = NULL;
    sk_unet_config c;
    SK_CHECK(sk_json_parse(json, (int64_t)strlen(json), "test config", &o) == 0, "%s", sk_errmsg());
    SK_CHECK(sk_unet_config_from_json(o, "test config", &c) == 0, "config: %s", sk_errmsg());
    cJSON_Delete(o);
    counted = *sk_backend_cpu();
    counted.gemm = c_gemm, counted.scan_fwd = c_scan, counted.conv1d_fwd = c_conv, counted.rmsnorm_fwd = c_norm;
    counted.axpy = c_axpy, counted.copy = c_copy;
    sk_unet *m = NULL;
    SK_CHECK(sk_unet_create(&m, &c, &counted, B, L, 0) == 0, "create: %s", sk_errmsg());
    if (!m) return sk_test_finish("test_hoststep");
    SK_CHECK(sk_unet_init(m, 11) == 0, "init: %s", sk_errmsg());
    int32_t *tok = malloc((size_t)(B * L) * sizeof(int32_t));
    sk_rng r;
    sk_rng_seed(&r, 5, 0);
    for (int64_t i = 0; i < B * L; i++) tok[i] = (int32_t)sk_rng_below(&r, 256);
    const size_t n = (size_t)(B * L * V);
    float *ref = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float)), *one = malloc(n * sizeof(float));
    SK_CHECK(sk_unet_forward(m, tok, NULL, B, L, NULL) == 0, "forward: %s", sk_errmsg());
    SK_CHECK(sk_unet_logits(m, ref) == 0, "logits");

    SK_CHECK(sk_runtime_threads(1) >= 1, "threads");
    calls = 0;
    run_steps(m, tok, 0, B, 0, got);
    const long step_calls = calls;
    double e = sk_relerr_ff(got, ref, (int64_t)n);
    printf("batch 16: step vs forward %.3g; backend ops in %d steps: %ld\n", e, L, step_calls);
    SK_CHECK(e <= 1e-5, "batch 16: step vs forward %.3g > 1e-5", e);
    SK_CHECK(step_calls == 0, "the step called %ld backend ops in %d positions (one pass over packed weights: 0)",
             step_calls, L);

    run_steps(m, tok, 3, 1, 0, one); /* row 3 alone, one thread */
    e = sk_relerr_ff(one, ref + 3 * L * V, L * V);
    printf("batch 1, 1 thread: step vs forward %.3g\n", e);
    SK_CHECK(e <= 1e-5, "batch 1: step vs forward %.3g > 1e-5", e);
    const int nth = sk_runtime_threads(2);
    run_steps(m, tok, 3, 1, 0, got);
    printf("batch 1, %d threads: %s the bits of one thread\n", nth, memcmp(got, one, (size_t)(L * V) * sizeof(float)) ? "not" : "");
    SK_CHECK(!memcmp(got, one, (size_t)(L * V) * sizeof(float)), "batch 1: %d threads differ from one", nth);

    run_steps(m, tok, 0, B, PRE, got);
    e = sk_relerr_ff(got, ref, (int64_t)n);
    printf("batch 16, %d positions by the state forward then steps: vs forward %.3g\n", PRE, e);
    SK_CHECK(e <= 1e-5, "prefill then step vs forward %.3g > 1e-5", e);

    free(tok), free(ref), free(got), free(one);
    sk_unet_free(m);
    return sk_test_finish("test_hoststep");
}
