/* sk_block_config.c — defaults and validation of one block's config (sk_block_config.h). */
#include "models/sk_block_config.h"

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

int sk_block_config_finish(sk_block_config *c, const char *what) {
#define NEED(cond, ...)                                                                            \
    if (!(cond)) return sk_error(SK_EINVAL, __VA_ARGS__)
    NEED(c->d_model > 0, "%s: d_model must be > 0 (got %lld)", what, (long long)c->d_model);
    NEED(c->d_state > 0, "%s: d_state must be > 0", what);
    NEED(c->d_conv > 0, "%s: d_conv must be > 0", what);
    NEED(c->expand > 0, "%s: expand must be > 0", what);
    NEED(c->dt_min > 0 && c->dt_max >= c->dt_min, "%s: need 0 < dt_min <= dt_max", what);
    NEED(c->dt_init_floor >= 0 && c->dt_scale > 0 && c->norm_epsilon > 0, "%s: dt_init_floor, dt_scale, norm_epsilon out of range", what);
    NEED(c->expand * (double)c->d_model < 0x1p62, "%s: expand * d_model is too large", what);
    c->d_inner = (int64_t)(c->expand * (double)c->d_model); /* int(expand * d_model) */
    NEED(c->d_inner > 0, "%s: expand * d_model < 1", what);
    if (c->dt_rank_auto) c->dt_rank = (c->d_model + 15) / 16; /* ceil(d_model / 16) */
    NEED(c->dt_rank > 0, "%s: dt_rank must be > 0 or \"auto\"", what);
    NEED(c->ssm >= SK_SSM_S6 && c->ssm <= SK_SSM_S4D_LIN && c->block >= SK_BLOCK_MAMBA && c->block <= SK_BLOCK_S4_MLP,
         "%s: unknown ssm / block kind", what);
    NEED(c->block != SK_BLOCK_S4_MLP || c->ssm >= SK_SSM_S4D_REAL,
         "%s: block \"s4-mlp\" needs ssm \"s4d-real\" or \"s4d-lin\" (got \"%s\")", what, sk_ssm_names[c->ssm]);
#undef NEED
    return SK_OK;
}
