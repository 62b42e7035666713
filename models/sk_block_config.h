/* sk_block_config.h — the configuration of one residual block (a Mamba block or an S4+MLP block):
 * the block's width, its SSM layer family and the SSM's sizes and initialization ranges. The
 * Mamba LM's config (sk_mamba_config.h) holds one for all its layers; the U-Net holds one per
 * level (models/README.md §Configs). Defined in sk_block_config.c; the JSON field names are read
 * and written by sk_mamba_config.c and sk_unet.c.
 *
 * Fields (mamba_ssm's defaults): d_model, d_state (16), d_conv (4), expand (2), dt_rank ("auto" =
 * ceil(d_model/16), or an integer), dt_min (1e-3), dt_max (0.1), dt_init_floor (1e-4), dt_scale (1),
 * norm_epsilon (1e-5). The SSM layer family (models/README.md §Block kinds): "ssm" = "s6" (default,
 * Mamba's selective S6, real), "s6-complex", "s4d-real" or "s4d-lin"; "block" = "mamba" (default)
 * or "s4-mlp" (needs an s4d ssm). Complex kinds have d_state complex modes (2 * d_state real
 * numbers per channel).
 */
#ifndef SK_BLOCK_CONFIG_H
#define SK_BLOCK_CONFIG_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SK_SSM_S6 = 0, SK_SSM_S6_COMPLEX = 1, SK_SSM_S4D_REAL = 2, SK_SSM_S4D_LIN = 3 };
enum { SK_BLOCK_MAMBA = 0, SK_BLOCK_S4_MLP = 1 };
typedef struct sk_block_config {
    int64_t d_model, d_state, d_conv, dt_rank;
    double expand;
    int dt_rank_auto;
    double dt_min, dt_max, dt_init_floor, dt_scale, norm_epsilon;
    int ssm;   /* SK_SSM_*: "ssm" */
    int block; /* SK_BLOCK_*: "block" */
    /* derived by sk_block_config_finish */
    int64_t d_inner; /* int(expand * d_model) */
} sk_block_config;

/* The config names of SK_SSM_* and SK_BLOCK_* (index = value; NULL-terminated). */
extern const char *const sk_ssm_names[];
extern const char *const sk_block_names[];

/* The ranges every config field is checked against (sk_*_finish), so that every size computed
 * from a config (a file is untrusted input) fits 64 bits: widths (d_model, d_state, dt_rank and
 * a U-Net level's width) at most SK_CONFIG_MAX_WIDTH, d_inner at most SK_CONFIG_MAX_INNER, expand
 * in (0, SK_CONFIG_MAX_EXPAND], d_conv at most SK_CONFIG_MAX_CONV, layers at most
 * SK_CONFIG_MAX_LAYERS; real fields finite. Sizes that also depend on the batch and length are
 * checked when a model is created. */
#define SK_CONFIG_MAX_WIDTH ((int64_t)1 << 20)
#define SK_CONFIG_MAX_INNER ((int64_t)1 << 22)
#define SK_CONFIG_MAX_EXPAND 1024.0
#define SK_CONFIG_MAX_CONV 1024
#define SK_CONFIG_MAX_LAYERS 4096
/* SK_OK if lo <= v <= hi, else an error "WHAT: "FIELD" must be in [lo, hi] (got v)". */
int sk_config_int_range(const char *what, const char *field, int64_t v, int64_t lo, int64_t hi) SK_RESULT_USED;

/* The largest element count of any model tensor or arena slot: far above any memory, and small
 * enough that sums of many slots and byte counts stay inside int64_t. */
#define SK_SIZE_LIMIT ((int64_t)1 << 56)
/* *out = f[0] * ... * f[n-1] when every partial product stays within SK_SIZE_LIMIT, else an
 * error "WHAT: NAME does not fit ...". */
int sk_size_mul(const char *what, const char *name, int64_t *out, int n, const int64_t *f) SK_RESULT_USED;
/* Check that every size of a block at max_b x max_L (activations, states, scan checkpoints) can
 * be computed without overflow; called by the models' create before any size is computed. */
int sk_block_check_sizes(const sk_block_config *c, int64_t max_b, int64_t max_L, const char *what) SK_RESULT_USED;

/* Defaults of mamba_ssm (d_model left 0: must be given). */
void sk_block_config_defaults(sk_block_config *c);
/* Validate and derive d_inner and dt_rank ("auto"); what names the config in messages. */
int sk_block_config_finish(sk_block_config *c, const char *what) SK_RESULT_USED;

/* kind helpers */
static inline int sk_ssm_complex(const sk_block_config *c) { return c->ssm == SK_SSM_S6_COMPLEX || c->ssm == SK_SSM_S4D_LIN; }
static inline int sk_ssm_is_s4d(const sk_block_config *c) { return c->ssm == SK_SSM_S4D_REAL || c->ssm == SK_SSM_S4D_LIN; }
/* real numbers per channel of the SSM state: N or 2N */
static inline int64_t sk_ssm_nk(const sk_block_config *c) { return c->d_state * (sk_ssm_complex(c) ? 2 : 1); }
/* channels of the SSM: d_inner in a Mamba block, d_model in an S4 block */
static inline int64_t sk_ssm_dim(const sk_block_config *c) { return c->block == SK_BLOCK_S4_MLP ? c->d_model : c->d_inner; }

#ifdef __cplusplus
}
#endif
#endif
