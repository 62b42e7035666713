/* test_chunk.c — chunked training with recomputation (models/README.md §Chunking) equals the unchunked model.
 *
 * Mamba LM (sk_mamba_lm_set_chunk): for real S6, complex S6, Mamba-S4 (S4D-Lin) and S4+MLP
 * (S4D-Real) blocks, batch 2 x L = 100 with ignored targets, chunks of 7, 32, 50 and 99 positions
 * (7, 32 and 99 do not divide L; the last chunk is shorter), and once with resets: the loss and
 * every parameter gradient of a model created with max_len = chunk equal those of a model created
 * with max_len = L (max|got - ref| / max|ref| <= 1e-5 per tensor); the logits of the same
 * sequence run chunk by chunk through the state-carrying forward equal the one-call logits.
 * U-Net (sk_unet_set_chunk): pools [4, 4] with mixed block kinds (S6 outer with an S4+MLP S4D-Real
 * center; Mamba-S4 S4D-Lin outer with a complex S6 center), batch 2 x L = 96, chunks of 16, 32, 48
 * and 80 (multiples of the pool product 16; 32 and 80 do not divide 96): same checks, the logits
 * and the loss through sk_unet_forward_state chunk by chunk; and recurrent steps after a state
 * forward of the first chunk continue it (1e-4, the step's own agreement with the forward).
 * The reference gradients are the unchunked backward's; dropping the state-gradient pass of
 * either chunked backward makes these checks fail (checked by hand: errors of order 1e-1).
 */
#include "src/sk_relerr.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sk_mamba.h"
#include "models/sk_unet.h"
#include "src/sk_json.h"
#include "src/sk_rng.h"
#include "tests/models/ref_util.h"
#include "tests/sk_test.h"

#define TOL 1e-5

static double worst;


static void check(const char *what, const char *name, double e) {
    if (!(e <= worst)) worst = e;
    SK_CHECK(e <= TOL, "%s: %s relative error %.3g > %.0e", what, name, e, TOL);
}

/* ---------------------------------------------------------------- Mamba LM */

static void lm_case(const char *kind, int ssm, int block, int with_reset) {
    enum { B = 2, L = 100 };
    static const int64_t chunks[] = {7, 32, 50, 99};
    sk_mamba_config c = small_cfg(ssm, block, 11);
    const int64_t V = c.vocab_padded;
    int32_t tok[B * L], tgt[B * L];
    uint8_t rs[B * L];
    sk_rng r;
    sk_rng_seed(&r, 11, 0);
    for (int i = 0; i < B * L; i++) {
        tok[i] = (int32_t)sk_rng_below(&r, (uint64_t)c.vocab_size);
        tgt[i] = sk_rng_below(&r, 5) == 0 ? -1 : (int32_t)sk_rng_below(&r, (uint64_t)c.vocab_size);
        rs[i] = with_reset && i % L && sk_rng_below(&r, 30) == 0; /* a few packed-record starts */
    }
    sk_mamba_lm *ref = NULL;
    SK_CHECK(sk_mamba_lm_create(&ref, &c, sk_backend_cpu(), B, L, SK_MODEL_GRADS) == 0, "create: %s", sk_errmsg());
    if (!ref) return;
    double lref = 0;
    SK_CHECK(sk_mamba_lm_init(ref, 5) == 0 && sk_mamba_lm_zero_grad(ref) == 0, "init");
    SK_CHECK(sk_mamba_lm_forward(ref, tok, tgt, B, L, with_reset ? rs : NULL, NULL, &lref) == 0, "forward: %s", sk_errmsg());
    float *lg_ref = malloc((size_t)(B * L * V) * sizeof(float)), *lg = malloc((size_t)(B * L * V) * sizeof(float));
    float *lg_c = malloc((size_t)(B * L * V) * sizeof(float));
    SK_CHECK(sk_mamba_lm_logits(ref, lg_ref) == 0, "logits");
    SK_CHECK(sk_mamba_lm_backward(ref) == 0, "backward: %s", sk_errmsg());
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        const int64_t C = chunks[k];
        char what[128];
        snprintf(what, sizeof what, "LM %s%s chunk %lld", kind, with_reset ? " resets" : "", (long long)C);
        sk_mamba_lm *m = NULL;
        SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), B, C, SK_MODEL_GRADS) == 0, "%s: create: %s", what, sk_errmsg());
        if (!m) continue;
        SK_CHECK(sk_mamba_lm_set_chunk(m, C, L) == 0, "%s: set_chunk: %s", what, sk_errmsg());
        SK_CHECK(sk_mamba_lm_init(m, 5) == 0 && sk_mamba_lm_zero_grad(m) == 0, "init");
        double loss = 0;
        SK_CHECK(sk_mamba_lm_forward(m, tok, tgt, B, L, with_reset ? rs : NULL, NULL, &loss) == 0, "%s: forward: %s", what,
                 sk_errmsg());
        SK_CHECK(sk_mamba_lm_logits(m, lg) == SK_EINVAL, "%s: the logits of a chunked forward are refused", what);
        SK_CHECK(sk_mamba_lm_backward(m) == 0, "%s: backward: %s", what, sk_errmsg());
        check(what, "loss", fabs(loss - lref) / fabs(lref));
        for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
            const sk_param *p = sk_mamba_lm_param(m, i), *q = sk_mamba_lm_param(ref, i);
            check(what, p->name, sk_relerr_ff(p->g, q->g, p->numel));
        }
        /* logits: the same chunks through the state-carrying forward */
        sk_mamba_lm_state *st = NULL;
        SK_CHECK(sk_mamba_lm_state_create(m, B, &st) == 0, "state");
        for (int64_t c0 = 0; st && c0 < L; c0 += C) {
            const int64_t Lc = L - c0 < C ? L - c0 : C;
            int32_t ct[B * L];
            uint8_t cr[B * L];
            for (int s = 0; s < B; s++) {
                memcpy(ct + s * Lc, tok + s * L + c0, (size_t)Lc * sizeof(int32_t));
                memcpy(cr + s * Lc, rs + s * L + c0, (size_t)Lc);
            }
            SK_CHECK(sk_mamba_lm_forward(m, ct, NULL, B, Lc, with_reset ? cr : NULL, st, NULL) == 0, "%s: state forward: %s",
                     what, sk_errmsg());
            SK_CHECK(sk_mamba_lm_logits(m, lg) == 0, "logits");
            for (int s = 0; s < B; s++)
                memcpy(lg_c + (s * L + c0) * V, lg + s * Lc * V, (size_t)(Lc * V) * sizeof(float));
        }
        check(what, "logits", sk_relerr_ff(lg_c, lg_ref, B * L * V));
        sk_mamba_lm_state_free(st);
        sk_mamba_lm_free(m);
    }
    printf("LM %-12s%s: loss %.6f; chunks 7, 32, 50, 99: worst relative error so far %.3g\n", kind,
           with_reset ? " (resets)" : "", lref, worst);
    free(lg_ref), free(lg), free(lg_c);
    sk_mamba_lm_free(ref);
}

/* ---------------------------------------------------------------- U-Net */

static void unet_case(const char *json) {
    enum { B = 2, L = 96, V = 256 };
    static const int64_t chunks[] = {16, 32, 48, 80};
    sk_unet_config c;
    cJSON *o = NULL;
    SK_CHECK(sk_json_parse(json, (int64_t)strlen(json), "test", &o) == 0 && sk_unet_config_from_json(o, "test", &c) == 0,
             "config: %s", sk_errmsg());
    cJSON_Delete(o);
    int32_t tok[B * L], tgt[B * L];
    sk_rng r;
    sk_rng_seed(&r, 12, 0);
    for (int i = 0; i < B * L; i++) {
        tok[i] = (int32_t)sk_rng_below(&r, V);
        tgt[i] = sk_rng_below(&r, 6) == 0 ? -1 : (int32_t)sk_rng_below(&r, V);
    }
    sk_unet *ref = NULL;
    SK_CHECK(sk_unet_create(&ref, &c, sk_backend_cpu(), B, L, SK_MODEL_GRADS) == 0, "create: %s", sk_errmsg());
    if (!ref) return;
    double lref = 0;
    SK_CHECK(sk_unet_init(ref, 3) == 0 && sk_unet_zero_grad(ref) == 0, "init");
    SK_CHECK(sk_unet_forward(ref, tok, tgt, B, L, &lref) == 0, "forward: %s", sk_errmsg());
    float *lg_ref = malloc((size_t)(B * L * V) * sizeof(float)), *lg = malloc((size_t)(B * L * V) * sizeof(float));
    float *lg_c = malloc((size_t)(B * L * V) * sizeof(float));
    SK_CHECK(sk_unet_logits(ref, lg_ref) == 0, "logits");
    SK_CHECK(sk_unet_backward(ref) == 0, "backward: %s", sk_errmsg());
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        const int64_t C = chunks[k];
        char what[128];
        snprintf(what, sizeof what, "U-Net chunk %lld", (long long)C);
        sk_unet *m = NULL;
        SK_CHECK(sk_unet_create(&m, &c, sk_backend_cpu(), B, C, SK_MODEL_GRADS) == 0, "%s: create: %s", what, sk_errmsg());
        if (!m) continue;
        SK_CHECK(sk_unet_set_chunk(m, C, L) == 0, "%s: set_chunk: %s", what, sk_errmsg());
        SK_CHECK(sk_unet_init(m, 3) == 0 && sk_unet_zero_grad(m) == 0, "init");
        double loss = 0;
        SK_CHECK(sk_unet_forward(m, tok, tgt, B, L, &loss) == 0, "%s: forward: %s", what, sk_errmsg());
        SK_CHECK(sk_unet_logits(m, lg) == SK_EINVAL, "%s: the logits of a chunked forward are refused", what);
        SK_CHECK(sk_unet_backward(m) == 0, "%s: backward: %s", what, sk_errmsg());
        check(what, "loss", fabs(loss - lref) / fabs(lref));
        for (int i = 0; i < sk_unet_nparams(m); i++) {
            const sk_param *p = sk_unet_param(m, i), *q = sk_unet_param(ref, i);
            check(what, p->name, sk_relerr_ff(p->g, q->g, p->numel));
        }
        sk_unet_state *st = NULL;
        SK_CHECK(sk_unet_state_create(m, B, &st) == 0, "state");
        double lsum = 0;
        for (int64_t c0 = 0; st && c0 < L; c0 += C) {
            const int64_t Lc = L - c0 < C ? L - c0 : C;
            int32_t ct[B * L], cg[B * L];
            for (int s = 0; s < B; s++) {
                memcpy(ct + s * Lc, tok + s * L + c0, (size_t)Lc * sizeof(int32_t));
                memcpy(cg + s * Lc, tgt + s * L + c0, (size_t)Lc * sizeof(int32_t));
            }
            double lc = 0;
            SK_CHECK(sk_unet_forward_state(m, st, ct, cg, Lc, &lc) == 0, "%s: state forward: %s", what, sk_errmsg());
            int64_t cnt = 0;
            for (int64_t i = 0; i < B * Lc; i++) cnt += cg[i] != -1;
            lsum += lc * (double)cnt;
            SK_CHECK(sk_unet_logits(m, lg) == 0, "logits: %s", sk_errmsg());
            for (int s = 0; s < B; s++)
                memcpy(lg_c + (s * L + c0) * V, lg + s * Lc * V, (size_t)(Lc * V) * sizeof(float));
        }
        int64_t cnt = 0;
        for (int i = 0; i < B * L; i++) cnt += tgt[i] != -1;
        check(what, "logits (state forward)", sk_relerr_ff(lg_c, lg_ref, B * L * V));
        /* prefill: the first chunk through the state forward, then the recurrent step (the path
         * of generation with a prompt) continues it; step vs forward agree to ~1e-5 (test_unet) */
        SK_CHECK(sk_unet_state_reset(st) == 0, "reset");
        int32_t ct[B * L];
        for (int s = 0; s < B; s++) memcpy(ct + s * C, tok + s * L, (size_t)C * sizeof(int32_t));
        SK_CHECK(sk_unet_forward_state(m, st, ct, NULL, C, NULL) == 0, "%s: prefill: %s", what, sk_errmsg());
        double es = 0, mx = 0;
        for (int64_t t = C; t < L; t++) {
            int32_t tk[B];
            float sl[B * V];
            for (int s = 0; s < B; s++) tk[s] = tok[s * L + t - 1];
            if (t > C) SK_CHECK(sk_unet_step(m, st, tk, sl) == 0, "step");
            else SK_CHECK(sk_unet_logits(m, lg) == 0, "logits");
            for (int s = 0; s < B; s++)
                for (int v = 0; v < V; v++) {
                    const float got = t > C ? sl[s * V + v] : lg[(s * C + C - 1) * V + v];
                    const double ref_v = lg_ref[(s * L + t - 1) * V + v];
                    es = fmax(es, fabs(got - ref_v)), mx = fmax(mx, fabs(ref_v));
                }
        }
        SK_CHECK(es / mx <= 1e-4, "%s: steps after a state forward: relative error %.3g > 1e-4", what, es / mx);
        check(what, "loss (state forward)", fabs(lsum / (double)cnt - lref) / fabs(lref));
        sk_unet_state_free(st);
        sk_unet_free(m);
    }
    printf("U-Net %s: loss %.6f; chunks 16, 32, 48, 80: worst relative error so far %.3g\n", strstr(json, "\"pool\""),
           lref, worst);
    free(lg_ref), free(lg), free(lg_c);
    sk_unet_free(ref);
}

/* errors: a chunk above the model's length, a U-Net chunk that is not a multiple of the pool
 * product, a sequence longer than the chunked limit */
static void errors(void) {
    sk_mamba_config c = small_cfg(SK_SSM_S6, SK_BLOCK_MAMBA, 11);
    sk_mamba_lm *m = NULL;
    SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 1, 8, SK_MODEL_GRADS) == 0, "create");
    if (m) {
        SK_CHECK(sk_mamba_lm_set_chunk(m, 9, 100) == SK_EINVAL, "chunk above max_len refused");
        SK_CHECK(sk_mamba_lm_set_chunk(m, 8, 32) == 0, "set_chunk");
        int32_t t[40] = {0};
        SK_CHECK(sk_mamba_lm_forward(m, t, t, 1, 40, NULL, NULL, NULL) == SK_EINVAL && strstr(sk_errmsg(), "40"),
                 "longer than the chunked limit: %s", sk_errmsg());
        t[20] = 99;
        SK_CHECK(sk_mamba_lm_forward(m, t, NULL, 1, 32, NULL, NULL, NULL) == SK_EINVAL && strstr(sk_errmsg(), "position 20"),
                 "bad token named at its global position: %s", sk_errmsg());
        sk_mamba_lm_free(m);
    }
    const char *js = "{\"arch\":\"unet\",\"d_model\":4,\"n_layer\":1,\"pool\":[2,2],\"outer\":{\"d_state\":2},"
                     "\"center\":{\"d_state\":2}}";
    sk_unet_config uc;
    cJSON *o = NULL;
    SK_CHECK(sk_json_parse(js, (int64_t)strlen(js), "t", &o) == 0 && sk_unet_config_from_json(o, "t", &uc) == 0, "config");
    cJSON_Delete(o);
    sk_unet *u = NULL;
    SK_CHECK(sk_unet_create(&u, &uc, sk_backend_cpu(), 1, 8, SK_MODEL_GRADS) == 0, "create");
    if (u) {
        SK_CHECK(sk_unet_set_chunk(u, 6, 64) == SK_EINVAL && strstr(sk_errmsg(), "pool product"), "chunk 6: %s", sk_errmsg());
        sk_unet_state *st = NULL;
        SK_CHECK(sk_unet_state_create(u, 1, &st) == 0, "state");
        int32_t t[8] = {0};
        float lg[256];
        SK_CHECK(sk_unet_init(u, 1) == 0 && sk_unet_step(u, st, t, lg) == 0, "step");
        SK_CHECK(sk_unet_forward_state(u, st, t, NULL, 4, NULL) == SK_EINVAL && strstr(sk_errmsg(), "pool product"),
                 "state forward after 1 step: %s", sk_errmsg());
        sk_unet_state_free(st);
        sk_unet_free(u);
    }
}

int main(void) {
    lm_case("s6", SK_SSM_S6, SK_BLOCK_MAMBA, 0);
    lm_case("s6", SK_SSM_S6, SK_BLOCK_MAMBA, 1);
    lm_case("s6-complex", SK_SSM_S6_COMPLEX, SK_BLOCK_MAMBA, 0);
    lm_case("s4d-lin", SK_SSM_S4D_LIN, SK_BLOCK_MAMBA, 0);
    lm_case("s4-mlp", SK_SSM_S4D_REAL, SK_BLOCK_S4_MLP, 1);
    unet_case("{\"arch\":\"unet\",\"d_model\":8,\"n_layer\":2,\"pool\":[4,4],"
              "\"outer\":{\"ssm\":\"s6\",\"d_state\":4},"
              "\"center\":{\"block\":\"s4-mlp\",\"ssm\":\"s4d-real\",\"d_state\":3}}");
    unet_case("{\"arch\":\"unet\",\"d_model\":6,\"n_layer\":1,\"pool\":[4,4],"
              "\"outer\":{\"ssm\":\"s4d-lin\",\"d_state\":2},\"center\":{\"ssm\":\"s6-complex\",\"d_state\":2}}");
    errors();
    printf("chunked = unchunked: worst relative error %.3g (tolerance %.0e)\n", worst, TOL);
    return sk_test_finish("test_chunk");
}
