/* sk_init.c — initialization rules of the block parameters (sk_init.h). */
#include "models/sk_init.h"

#include <math.h>
#include <string.h>

static void fill_uniform(sk_rng *r, float *h, int64_t n, double bound) {
    for (int64_t i = 0; i < n; i++) h[i] = (float)((2 * sk_rng_uniform(r) - 1) * bound);
}

int sk_block_param_init(const sk_block_config *c, int64_t n_layer, const char *name, float *h, int64_t n, sk_rng *r) {
    const double W = (double)c->d_conv, Di = (double)c->d_inner, d = (double)c->d_model, R = (double)c->dt_rank;
    int rc = SK_OK;
#define ENDS(s) (strlen(name) >= strlen(s) && !strcmp(name + strlen(name) - strlen(s), s))
    if (ENDS("embedding.weight")) { /* nn.Embedding re-init: N(0, 0.02) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(0.02 * sk_rng_normal(r));
    } else if (ENDS("mixer.D") && c->block == SK_BLOCK_S4_MLP) { /* S4 block: D ~ N(0, 1) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)sk_rng_normal(r);
    } else if (ENDS("norm.weight") || ENDS("norm2.weight") || ENDS("norm_f.weight") || ENDS("mixer.D")) {
        for (int64_t j = 0; j < n; j++) h[j] = 1.0f;
    } else if (ENDS("in_proj.weight")) {
        fill_uniform(r, h, n, 1 / sqrt(d)); /* kaiming_uniform(a=sqrt 5): U(+-1/sqrt(fan_in)) */
    } else if (ENDS("conv1d.weight") || ENDS("conv1d.bias")) {
        fill_uniform(r, h, n, 1 / sqrt(W)); /* nn.Conv1d default, fan_in = 1 * W */
    } else if (ENDS("x_proj.weight")) {
        fill_uniform(r, h, n, 1 / sqrt(Di));
    } else if (ENDS("dt_proj.weight")) {
        fill_uniform(r, h, n, c->dt_scale / sqrt(R)); /* dt_init "random": U(+-R^-0.5 dt_scale) */
    } else if (ENDS("dt_proj.bias")) {
        /* dt = exp(U (ln dt_max - ln dt_min) + ln dt_min), floored; bias = dt + log(-expm1(-dt)) */
        for (int64_t j = 0; j < n; j++) {
            double dt = exp(sk_rng_uniform(r) * (log(c->dt_max) - log(c->dt_min)) + log(c->dt_min));
            if (dt < c->dt_init_floor) dt = c->dt_init_floor;
            h[j] = (float)(dt + log(-expm1(-dt)));
        }
    } else if (ENDS("A_log")) { /* S4D-Real: log(n+1); complex (S4D-Lin): log 0.5 */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(sk_ssm_complex(c) ? log(0.5) : log((double)(j % c->d_state + 1)));
    } else if (ENDS("A_imag")) { /* S4D-Lin: pi n */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(M_PI * (double)(j % c->d_state));
    } else if (ENDS("mixer.log_dt")) { /* log dt ~ U[log dt_min, log dt_max] (models/README.md §Initialization) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(log(c->dt_min) + sk_rng_uniform(r) * (log(c->dt_max) - log(c->dt_min)));
    } else if (ENDS("mixer.B")) { /* B = 1 (+0i) */
        for (int64_t j = 0; j < n; j++) h[j] = sk_ssm_complex(c) && j % 2 ? 0.0f : 1.0f;
    } else if (ENDS("mixer.C")) { /* randn: real N(0, 1); complex re, im ~ N(0, 1/2) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(sk_rng_normal(r) * (sk_ssm_complex(c) ? sqrt(0.5) : 1.0));
    } else if (ENDS("output_linear.weight") || ENDS("output_linear.bias") || ENDS("fc1.weight") || ENDS("fc1.bias")) {
        fill_uniform(r, h, n, 1 / sqrt(d)); /* nn.Linear default, fan_in = d */
    } else if (ENDS("fc2.weight") || ENDS("fc2.bias")) {
        fill_uniform(r, h, n, 1 / sqrt(2 * d)); /* fan_in = 2d */
    } else if (ENDS("out_proj.weight")) {
        /* rescale_prenorm_residual: U(+-1/sqrt(fan_in)) / sqrt(n_layer) (n_residuals_per_layer = 1) */
        fill_uniform(r, h, n, 1 / sqrt(Di) / sqrt((double)n_layer));
    } else if (ENDS("lm_head.weight")) {
        fill_uniform(r, h, n, 1 / sqrt(d));
    } else {
        rc = sk_error(SK_EINVAL, "init: no rule for %s", name);
    }
#undef ENDS
    return rc;
}
