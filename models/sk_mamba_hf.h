/* sk_mamba_hf.h — the Mamba LM's Hugging Face export (sk_mamba_hf.c). */
#ifndef SK_MAMBA_HF_H
#define SK_MAMBA_HF_H

#include "models/sk_mamba.h"
#include "src/sk_progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SK_OK when the config has a Hugging Face MambaForCausalLM equivalent: Mamba blocks ("block":
 * "mamba") with the real selective S6 ("ssm": "s6"), the layout transformers and mamba_ssm share,
 * and an integer expand. Otherwise SK_EUNSUP with a message naming `what`, the block kind and
 * what can be exported instead. */
int sk_mamba_hf_check(const sk_mamba_config *c, const char *what) SK_RESULT_USED;

/* Write a Hugging Face transformers folder (MambaForCausalLM): dir/config.json (model_type
 * "mamba"; every field transformers' MambaConfig reads, with the values ssmkit uses: vocab_size
 * = the padded vocabulary, so no further padding; initializer_range 0.02, rescale_prenorm_residual
 * true, time_step_init_scheme "random" (models/README.md §Initialization); pad_token_id the
 * "[PAD]" of the checkpoint's DNA tokenizer, else 0 (byte files pad with 0); bos_token_id and
 * eos_token_id null: ssmkit's LMs neither start nor stop on a token) and dir/model.safetensors
 * (fp32, transformers names: backbone.embeddings.weight, no lm_head.weight when tied;
 * __metadata__ format "pt"). src: the checkpoint m was read from (its "tokenizer" metadata, if
 * any; messages), or NULL. sk_mamba_hf_check first: nothing is written for a model the format
 * cannot hold. The folder is created if missing; both files are written atomically. */
int sk_mamba_lm_export_hf(const sk_mamba_lm *m, const char *src, const char *dir, sk_progress *pg) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
