/* sk_block_config.c — defaults and validation of one block's config (sk_block_config.h). */
#include "models/sk_block_config.h"

#include <math.h>
#include <string.h>

const char *const sk_ssm_names[] = {"s6", "s6-complex", "s4d-real", "s4d-lin", NULL};
const char *const sk_block_names[] = {"mamba", "s4-mlp", NULL};

void sk_block_config_defaults(sk_block_config *c) {
    memset(c, 0, sizeof *c);
    c->d_state = 16;
    c->d_conv = 4;
    c->expand = 2;
    c->dt_rank_auto = 1;
    c->dt_min = 1e-3;
    c->dt_max = 0.1;
    c->dt_init_floor = 1e-4;
    c->dt_scale = 1.0;
    c->norm_epsilon = 1e-5;
}

/* An integer field in [lo, hi], or an error naming the config and the field. */
int sk_config_int_range(const char *what, const char *field, int64_t v, int64_t lo, int64_t hi) {
    if (v >= lo && v <= hi) return SK_OK;
    return sk_error(SK_EINVAL, "%s: \"%s\" must be in [%lld, %lld] (got %lld)", what, field, (long long)lo, (long long)hi,
                    (long long)v);
}

/* A real field that is finite and in (lo, hi] (lo_open) or [lo, hi]. */
static int real_range(const char *what, const char *field, double v, double lo, int lo_open, double hi) {
    if (isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi) return SK_OK;
    return sk_error(SK_EINVAL, "%s: \"%s\" must be a finite number in %c%g, %g] (got %g)", what, field, lo_open ? '(' : '[',
                    lo, hi, v);
}

int sk_block_config_finish(sk_block_config *c, const char *what) {
#define NEED(cond, ...)                                                                            \
    if (!(cond)) return sk_error(SK_EINVAL, __VA_ARGS__)
    TRY(sk_config_int_range(what, "d_model", c->d_model, 1, SK_CONFIG_MAX_WIDTH));
    TRY(sk_config_int_range(what, "d_state", c->d_state, 1, SK_CONFIG_MAX_WIDTH));
    TRY(sk_config_int_range(what, "d_conv", c->d_conv, 1, SK_CONFIG_MAX_CONV));
    TRY(real_range(what, "expand", c->expand, 0, 1, SK_CONFIG_MAX_EXPAND));
    TRY(real_range(what, "dt_min", c->dt_min, 0, 1, 1e6));
    TRY(real_range(what, "dt_max", c->dt_max, 0, 1, 1e6));
    NEED(c->dt_max >= c->dt_min, "%s: need dt_min <= dt_max (got %g > %g)", what, c->dt_min, c->dt_max);
    TRY(real_range(what, "dt_init_floor", c->dt_init_floor, 0, 0, 1e6));
    TRY(real_range(what, "dt_scale", c->dt_scale, 0, 1, 1e6));
    TRY(real_range(what, "norm_epsilon", c->norm_epsilon, 0, 1, 1));
    const double di = floor(c->expand * (double)c->d_model); /* int(expand * d_model) */
    NEED(di >= 1 && di <= (double)SK_CONFIG_MAX_INNER, "%s: d_inner = expand * d_model = %.0f must be in [1, %lld]", what, di,
         (long long)SK_CONFIG_MAX_INNER);
    c->d_inner = (int64_t)di;
    if (c->dt_rank_auto) c->dt_rank = (c->d_model + 15) / 16; /* ceil(d_model / 16) */
    TRY(sk_config_int_range(what, "dt_rank", c->dt_rank, 1, SK_CONFIG_MAX_WIDTH));
    NEED(c->ssm >= SK_SSM_S6 && c->ssm <= SK_SSM_S4D_LIN && c->block >= SK_BLOCK_MAMBA && c->block <= SK_BLOCK_S4_MLP,
         "%s: unknown ssm / block kind", what);
    NEED(c->block != SK_BLOCK_S4_MLP || c->ssm >= SK_SSM_S4D_REAL,
         "%s: block \"s4-mlp\" needs ssm \"s4d-real\" or \"s4d-lin\" (got \"%s\")", what, sk_ssm_names[c->ssm]);
#undef NEED
    return SK_OK;
}

/* a * b into *out when it stays within SK_SIZE_LIMIT (both >= 0) */
static int mul_ok(int64_t a, int64_t b, int64_t *out) {
    return !__builtin_mul_overflow(a, b, out) && *out <= SK_SIZE_LIMIT;
}

int sk_size_mul(const char *what, const char *name, int64_t *out, int n, const int64_t *f) {
    int64_t p = 1;
    int ok = 1;
    for (int i = 0; i < n && ok; i++) ok = f[i] >= 0 && mul_ok(p, f[i], &p);
    if (ok) return *out = p, SK_OK;
    return sk_error(SK_ENOMEM, "%s: %s does not fit the 64-bit size limit (2^56 elements): reduce the batch, the length "
                               "or the model", what, name);
}

int sk_block_check_sizes(const sk_block_config *c, int64_t max_b, int64_t max_L, const char *what) {
    const int64_t H = sk_ssm_dim(c), NK = sk_ssm_nk(c), Dx = c->dt_rank + 2 * NK;
    /* every per-position activation of a block is narrower than this (models/sk_mamba_block.c) */
    const int64_t width = 16 * (c->d_model + c->d_inner + Dx + H);
    int64_t rows, t;
    TRY(sk_size_mul(what, "batch x length", &rows, 2, (int64_t[]){max_b, max_L}));
    TRY(sk_size_mul(what, "the activations of one block", &t, 2, (int64_t[]){rows, width}));
    TRY(sk_size_mul(what, "the SSM state (d_inner x d_state)", &t, 3, (int64_t[]){H, NK, 16}));
    /* scan checkpoints: one state per scan chunk and row (at least one per row) */
    return sk_size_mul(what, "the scan checkpoints", &t, 3, (int64_t[]){max_b * (max_L / 64 + 2), H, NK});
}
