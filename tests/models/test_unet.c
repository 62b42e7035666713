/* test_unet.c — the U-Net (models/README.md §U-Net).
 *   parity: tests/models/fixtures/unet_ref/<case> (written by tests/reference/make_unet_fixtures.py,
 *     float64 PyTorch with torch's own pool reshapes): logits, loss and every gradient within 1e-4
 *     relative (max|got - ref| / max|ref| per tensor).
 *   step: the recurrent step (models/README.md §U-Net) equals the parallel forward at every position,
 *     for pools [4, 4] (L = 128 = 8 coarsest frames) and [16, 16] (L = 2048 = 8 frames), batch 2,
 *     random init with mixed block kinds; then a reset state reproduces the first run.
 *   errors: a length that is not a multiple of the pool product; a checkpoint with a wrong shape;
 *     a Mamba LM config; save/load round trip.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "models/sk_presets.h"
#include "models/sk_unet.h"
#include "src/sk_json.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"
#include "tests/sk_test.h"
#include "tests/models/ref_util.h"

static double worst_parity = 0;


static void check_rel(const char *name, const float *got, const double *ref, int64_t n) {
    double e = sk_relerr_f(got, ref, n);
    SK_CHECK(e <= 1e-4, "%s: relative error %.3g > 1e-4", name, e);
    if (!(e <= worst_parity)) worst_parity = e;
}

static void parity(const char *src, const char *cs) {
    enum { B = 2, L = 18 };
    char p[2048], nm[256];
    sk_st *ex = NULL;
    snprintf(p, sizeof p, "%s/tests/models/fixtures/unet_ref/%s/expected.safetensors", src, cs);
    SK_CHECK(sk_st_open(p, &ex) == 0, "%s", sk_errmsg());
    if (!ex) return;
    snprintf(p, sizeof p, "%s/tests/models/fixtures/unet_ref/%s/ssmkit.safetensors", src, cs);
    sk_unet *m = NULL;
    SK_CHECK(sk_unet_load(&m, p, sk_backend_cpu(), B, L, SK_MODEL_GRADS) == 0, "%s: load: %s", cs, sk_errmsg());
    if (!m) {
        sk_st_close(ex);
        return;
    }
    int32_t tok[B * L], tgt[B * L];
    SK_CHECK(sk_st_read_raw(ex, "tokens", tok, sizeof tok) == 0 && sk_st_read_raw(ex, "targets", tgt, sizeof tgt) == 0, "read");
    double loss = 0, rloss = 0;
    SK_CHECK(sk_unet_zero_grad(m) == 0, "zero");
    SK_CHECK(sk_unet_forward(m, tok, tgt, B, L, &loss) == 0, "%s: forward: %s", cs, sk_errmsg());
    SK_CHECK(sk_unet_backward(m) == 0, "%s: backward: %s", cs, sk_errmsg());
    float *lg = malloc((size_t)B * L * 256 * sizeof(float));
    SK_CHECK(sk_unet_logits(m, lg) == 0, "logits");
    double *rl = read_ref(ex, "logits", B * L * 256);
    snprintf(nm, sizeof nm, "%s: logits", cs);
    check_rel(nm, lg, rl, B * L * 256);
    SK_CHECK(sk_st_read_raw(ex, "loss", &rloss, sizeof rloss) == 0, "loss");
    SK_CHECK(fabs(loss - rloss) <= 1e-4 * fabs(rloss), "%s: loss %.8f vs %.8f", cs, loss, rloss);
    int ng = 0;
    for (int i = 0; i < sk_unet_nparams(m); i++) {
        const sk_param *q = sk_unet_param(m, i);
        snprintf(nm, sizeof nm, "grad.%s", q->name);
        double *rg = read_ref(ex, nm, q->numel);
        snprintf(nm, sizeof nm, "%s: d %s", cs, q->name);
        check_rel(nm, q->g, rg, q->numel);
        free(rg);
        ng++;
    }
    printf("%s: logits, loss (%.8f vs %.8f) and %d gradients match PyTorch; worst relative error so far %.3g\n", cs,
           loss, rloss, ng, worst_parity);
    free(lg), free(rl);
    sk_unet_free(m);
    sk_st_close(ex);
}

static int make_config(const char *json, sk_unet_config *c) {
    cJSON *o = NULL;
    int rc = sk_json_parse(json, (int64_t)strlen(json), "test config", &o);
    if (!rc) rc = sk_unet_config_from_json(o, "test config", c);
    cJSON_Delete(o);
    return rc;
}

/* step == forward at every position (float64-free: both are fp32; tolerance 2e-4 relative). */
static void step_vs_forward(const char *json, int64_t L) {
    enum { B = 2 };
    sk_unet_config c;
    SK_CHECK(make_config(json, &c) == 0, "config: %s", sk_errmsg());
    sk_unet *m = NULL;
    SK_CHECK(sk_unet_create(&m, &c, sk_backend_cpu(), B, L, 0) == 0, "create: %s", sk_errmsg());
    if (!m) return;
    SK_CHECK(sk_unet_init(m, 7) == 0, "init: %s", sk_errmsg());
    int32_t *tok = malloc((size_t)(B * L) * sizeof(int32_t));
    sk_rng r;
    sk_rng_seed(&r, 3, 0);
    for (int64_t i = 0; i < B * L; i++) tok[i] = (int32_t)sk_rng_below(&r, 256);
    float *ref = malloc((size_t)(B * L * 256) * sizeof(float)), *st_lg = malloc((size_t)B * 256 * sizeof(float));
    SK_CHECK(sk_unet_forward(m, tok, NULL, B, L, NULL) == 0, "forward: %s", sk_errmsg());
    SK_CHECK(sk_unet_logits(m, ref) == 0, "logits");
    double mx = 0;
    for (int64_t i = 0; i < B * L * 256; i++) mx = fmax(mx, fabs(ref[i]));
    sk_unet_state *st = NULL;
    SK_CHECK(sk_unet_state_create(m, B, &st) == 0, "state: %s", sk_errmsg());
    float *first = malloc((size_t)B * 256 * sizeof(float));
    for (int pass = 0; pass < 2 && st; pass++) {
        double worst = 0;
        int64_t worst_t = -1;
        for (int64_t t = 0; t < L; t++) {
            int32_t tk[B];
            for (int s = 0; s < B; s++) tk[s] = tok[s * L + t];
            SK_CHECK(sk_unet_step(m, st, tk, st_lg) == 0, "step: %s", sk_errmsg());
            for (int s = 0; s < B; s++)
                for (int v = 0; v < 256; v++) {
                    double e = fabs(st_lg[s * 256 + v] - ref[(s * L + t) * 256 + v]) / mx;
                    if (!(e <= worst)) worst = e, worst_t = t; /* NaN counts as the worst */
                }
            if (t == 0 && pass == 0) memcpy(first, st_lg, (size_t)B * 256 * sizeof(float));
            if (t == 0 && pass == 1) SK_CHECK(!memcmp(first, st_lg, (size_t)B * 256 * sizeof(float)), "reset state reproduces step 0");
        }
        if (pass == 0)
            printf("pools %s L %lld: step vs forward worst relative error %.3g (position %lld)\n",
                   strstr(json, "\"pool\""), (long long)L, worst, (long long)worst_t);
        SK_CHECK(worst <= 2e-4, "step differs from forward: %.3g at position %lld", worst, (long long)worst_t);
        SK_CHECK(sk_unet_state_reset(st) == 0, "reset");
    }
    sk_unet_state_free(st);
    free(first), free(tok), free(ref), free(st_lg);
    sk_unet_free(m);
}

static void errors(const char *src) {
    sk_unet_config c;
    const char *js = "{\"arch\":\"unet\",\"d_model\":8,\"n_layer\":1,\"pool\":[2,2],"
                     "\"outer\":{\"d_state\":4},\"center\":{\"ssm\":\"s6-complex\",\"d_state\":4}}";
    SK_CHECK(make_config(js, &c) == 0, "config: %s", sk_errmsg());
    sk_unet *m = NULL;
    SK_CHECK(sk_unet_create(&m, &c, sk_backend_cpu(), 1, 6, 0) == SK_EINVAL && strstr(sk_errmsg(), "multiple of the pool product 4"),
             "create with length 6: %s", sk_errmsg());
    SK_CHECK(sk_unet_create(&m, &c, sk_backend_cpu(), 1, 8, 0) == 0, "create: %s", sk_errmsg());
    if (m) {
        int32_t tok[8] = {0};
        SK_CHECK(sk_unet_forward(m, tok, NULL, 1, 6, NULL) == SK_EINVAL && strstr(sk_errmsg(), "not a multiple of the pool product 4"),
                 "forward with length 6: %s", sk_errmsg());
        SK_CHECK(sk_unet_init(m, 1) == 0, "init");
        char dir[] = "/tmp/sk_unet_XXXXXX", p[256];
        SK_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
        snprintf(p, sizeof p, "%s/u.safetensors", dir);
        SK_CHECK(sk_unet_save(m, p) == 0, "save: %s", sk_errmsg());
        sk_unet *m2 = NULL;
        SK_CHECK(sk_unet_load(&m2, p, sk_backend_cpu(), 1, 8, 0) == 0, "reload: %s", sk_errmsg());
        int same = m2 != NULL;
        for (int i = 0; same && i < sk_unet_nparams(m); i++)
            same = !strcmp(sk_unet_param(m, i)->name, sk_unet_param(m2, i)->name) &&
                   !memcmp(sk_unet_param(m, i)->w, sk_unet_param(m2, i)->w, (size_t)sk_unet_param(m, i)->numel * 4);
        SK_CHECK(same, "save/load round trip is bit-exact with the same names");
        sk_unet_free(m2);
        /* the fixture's weights under a config with another d_state: the loader names the tensor */
        char fx[2048];
        snprintf(fx, sizeof fx, "%s/tests/models/fixtures/unet_ref/mixed_b/ssmkit.safetensors", src);
        sk_unet_config c2;
        const char *js2 = "{\"arch\":\"unet\",\"d_model\":6,\"n_layer\":2,\"pool\":[2,3],"
                          "\"outer\":{\"d_state\":4},\"center\":{\"ssm\":\"s6-complex\",\"d_state\":3}}";
        SK_CHECK(make_config(js2, &c2) == 0, "config2");
        SK_CHECK(sk_unet_create(&m2, &c2, sk_backend_cpu(), 1, 6, 0) == 0, "create2");
        if (m2) {
            int rc = sk_unet_load_params(m2, fx);
            SK_CHECK(rc == SK_EFORMAT && strstr(sk_errmsg(), "down.0.blocks.0.mixer.x_proj.weight"),
                     "shape mismatch names the tensor: %s", sk_errmsg());
            sk_unet_free(m2);
        }
        unlink(p), rmdir(dir);
        sk_unet_free(m);
    }
    const char *lm = "{\"arch\":\"mamba-lm\",\"d_model\":8,\"n_layer\":1,\"vocab_size\":256}";
    SK_CHECK(make_config(lm, &c) == SK_EUNSUP && strstr(sk_errmsg(), "not a U-Net"), "LM config refused: %s", sk_errmsg());
    const char *bad = "{\"arch\":\"unet\",\"d_model\":8,\"n_layer\":1,\"pool\":[2,2],\"outer\":{\"d_model\":4}}";
    SK_CHECK(make_config(bad, &c) == SK_EINVAL && strstr(sk_errmsg(), "belongs to the U-Net"), "block d_model refused: %s", sk_errmsg());
}

/* The presets build and have the parameter counts of the paper: sc09-mamba-small ~6.1M (Table 4:
 * 6.1M), sc09-mamba-large 24.3M (Table 4), ytmix-mamba ~3.5M (E.4.1), sc09-sashimi ~6M (Table 5:
 * "all models roughly 6M"). Bands +-10% (+-15% for the approximate ones). */
static void presets(void) {
    static const struct { const char *name; double want, tol; } P[] = {
        {"sc09-mamba-small", 6.1e6, 0.10}, {"sc09-mamba-large", 24.3e6, 0.05},
        {"sc09-sashimi", 6.0e6, 0.15},     {"ytmix-mamba", 3.5e6, 0.15}};
    for (size_t i = 0; i < sizeof P / sizeof *P; i++) {
        const sk_preset *pr = sk_preset_find(P[i].name);
        SK_CHECK(pr != NULL, "preset %s exists", P[i].name);
        if (!pr) continue;
        sk_unet_config c;
        SK_CHECK(make_config(pr->json, &c) == 0, "%s: %s", P[i].name, sk_errmsg());
        sk_unet *m = NULL;
        SK_CHECK(sk_unet_create(&m, &c, sk_backend_cpu(), 1, c.pool_prod, 0) == 0, "%s: %s", P[i].name, sk_errmsg());
        if (!m) continue;
        const double n = (double)sk_unet_numel(m);
        printf("preset %-18s %lld parameters (reference %.1fM)\n", P[i].name, (long long)sk_unet_numel(m), P[i].want / 1e6);
        SK_CHECK(fabs(n - P[i].want) <= P[i].tol * P[i].want, "%s: %.0f parameters, want %.1fM +-%.0f%%", P[i].name, n,
                 P[i].want / 1e6, P[i].tol * 100);
        sk_unet_free(m);
    }
}

int main(int argc, char **argv) {
    const char *src = getenv("SSMKIT_SRC") ? getenv("SSMKIT_SRC") : ".";
    int only_ref = argc > 1 && !strcmp(argv[1], "--ref");
    parity(src, "mixed_a");
    parity(src, "mixed_b");
    if (!only_ref) {
        errors(src);
        presets();
        step_vs_forward("{\"arch\":\"unet\",\"d_model\":8,\"n_layer\":2,\"pool\":[4,4],"
                        "\"outer\":{\"ssm\":\"s4d-lin\",\"d_state\":4},\"center\":{\"ssm\":\"s6\",\"d_state\":4}}", 128);
        step_vs_forward("{\"arch\":\"unet\",\"d_model\":4,\"n_layer\":1,\"pool\":[16,16],"
                        "\"outer\":{\"ssm\":\"s6-complex\",\"d_state\":2},"
                        "\"center\":{\"block\":\"s4-mlp\",\"ssm\":\"s4d-real\",\"d_state\":2}}", 2048);
    }
    return sk_test_finish("test_unet");
}
