/* sk_mamba_config.h — the configuration of the Mamba LM ("arch": "mamba-lm"): its block config
 * (sk_block_config.h: the same block in every layer) and the LM fields around it. Defined in
 * sk_mamba_config.c.
 *
 * JSON fields (ssmkit names, as in the presets of models/configs): d_model, n_layer, vocab_size,
 * pad_vocab_size_multiple (default 8; the vocabulary is rounded up to a multiple, as mamba_ssm),
 * d_state (16), d_conv (4), expand (2), dt_rank ("auto" = ceil(d_model/16), or an integer),
 * dt_min (1e-3), dt_max (0.1), dt_init_floor (1e-4), dt_scale (1), norm_epsilon (1e-5),
 * tie_embeddings (true), ssm and block (sk_block_config.h). "arch", if present, must be
 * "mamba-lm". A "train" object (a preset's training options, read by `ssmkit train`) is allowed
 * and ignored here. All fields but n_layer, vocab_size, pad_vocab_size_multiple and
 * tie_embeddings are the block's (member blk).
 *
 * The parsers take a parsed JSON object as an opaque `struct cJSON` (callers that hold one
 * include <cjson/cJSON.h>); this header does not depend on cJSON.
 */
#ifndef SK_MAMBA_CONFIG_H
#define SK_MAMBA_CONFIG_H

#include <stdint.h>
#include "models/sk_block_config.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

typedef struct sk_mamba_config {
    sk_block_config blk; /* every layer's block */
    int64_t n_layer, vocab_size, pad_vocab_size_multiple;
    int tie_embeddings;
    /* derived by sk_mamba_config_finish (with blk's d_inner and dt_rank) */
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
/* Validate and derive blk.d_inner, blk.dt_rank ("auto") and vocab_padded. */
int sk_mamba_config_finish(sk_mamba_config *c, const char *what) SK_RESULT_USED;
/* The config as ssmkit JSON (malloc'd string). */
char *sk_mamba_config_to_json(const sk_mamba_config *c);

#ifdef __cplusplus
}
#endif
#endif
