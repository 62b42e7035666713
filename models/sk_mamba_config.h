/* sk_mamba_config.h — the configuration of a Mamba-style residual block stack: the Mamba LM's
 * config, and the block template of every U-Net level (so it also describes S4 blocks: the
 * "ssm" and "block" fields). Defined in sk_mamba_config.c.
 *
 * JSON fields (ssmkit names, as in the presets of models/configs): d_model, n_layer, vocab_size,
 * pad_vocab_size_multiple (default 8; the vocabulary is rounded up to a multiple, as mamba_ssm),
 * d_state (16), d_conv (4), expand (2), dt_rank ("auto" = ceil(d_model/16), or an integer),
 * dt_min (1e-3), dt_max (0.1), dt_init_floor (1e-4), dt_scale (1), norm_epsilon (1e-5),
 * tie_embeddings (true). "arch", if present, must be "mamba-lm". A "train" object (a preset's
 * training options, read by `ssmkit train`) is allowed and ignored here.
 * The SSM layer family (models/README.md §Block kinds): "ssm" = "s6" (default, Mamba's selective
 * S6, real), "s6-complex", "s4d-real" or "s4d-lin"; "block" = "mamba" (default) or "s4-mlp"
 * (needs an s4d ssm). Complex kinds have d_state complex modes (2 * d_state real numbers per
 * channel).
 *
 * The parsers take a parsed JSON object as an opaque `struct cJSON` (callers that hold one
 * include <cjson/cJSON.h>); this header does not depend on cJSON.
 */
#ifndef SK_MAMBA_CONFIG_H
#define SK_MAMBA_CONFIG_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

enum { SK_SSM_S6 = 0, SK_SSM_S6_COMPLEX = 1, SK_SSM_S4D_REAL = 2, SK_SSM_S4D_LIN = 3 };
enum { SK_BLOCK_MAMBA = 0, SK_BLOCK_S4_MLP = 1 };
typedef struct sk_mamba_config {
    int64_t d_model, n_layer, vocab_size, pad_vocab_size_multiple;
    int64_t d_state, d_conv, dt_rank;
    double expand;
    int dt_rank_auto;
    double dt_min, dt_max, dt_init_floor, dt_scale, norm_epsilon;
    int tie_embeddings;
    int ssm;   /* SK_SSM_*: "ssm" */
    int block; /* SK_BLOCK_*: "block" */
    /* derived by sk_mamba_config_finish */
    int64_t d_inner;      /* int(expand * d_model) */
    int64_t vocab_padded; /* vocab_size rounded up to pad_vocab_size_multiple */
} sk_mamba_config;

/* Defaults of mamba_ssm (d_model etc. left 0: must be given). */
void sk_mamba_config_defaults(sk_mamba_config *c);
/* Parse an ssmkit config object (what = file name for messages). Unknown keys are errors. */
int sk_mamba_config_from_json(const struct cJSON *o, const char *what, sk_mamba_config *c) SK_RESULT_USED;
/* Parse a mamba_ssm config.json (d_model, n_layer, vocab_size, ssm_cfg{...}, ...). */
int sk_mamba_config_from_mamba_ssm(const struct cJSON *o, const char *what, sk_mamba_config *c) SK_RESULT_USED;
/* Parse a Hugging Face transformers MambaConfig (hidden_size, num_hidden_layers, state_size,
 * conv_kernel, expand, time_step_*, layer_norm_epsilon, tie_word_embeddings; no vocab padding). */
int sk_mamba_config_from_hf(const struct cJSON *o, const char *what, sk_mamba_config *c) SK_RESULT_USED;
/* Validate and derive d_inner, dt_rank ("auto") and vocab_padded. */
int sk_mamba_config_finish(sk_mamba_config *c, const char *what) SK_RESULT_USED;
/* The config as ssmkit JSON (malloc'd string). */
char *sk_mamba_config_to_json(const sk_mamba_config *c);

/* kind helpers */
static inline int sk_ssm_complex(const sk_mamba_config *c) { return c->ssm == SK_SSM_S6_COMPLEX || c->ssm == SK_SSM_S4D_LIN; }
static inline int sk_ssm_is_s4d(const sk_mamba_config *c) { return c->ssm == SK_SSM_S4D_REAL || c->ssm == SK_SSM_S4D_LIN; }
/* real numbers per channel of the SSM state: N or 2N */
static inline int64_t sk_ssm_nk(const sk_mamba_config *c) { return c->d_state * (sk_ssm_complex(c) ? 2 : 1); }
/* channels of the SSM: d_inner in a Mamba block, d_model in an S4 block */
static inline int64_t sk_ssm_dim(const sk_mamba_config *c) { return c->block == SK_BLOCK_S4_MLP ? c->d_model : c->d_inner; }

#ifdef __cplusplus
}
#endif
#endif
