/* sk_mamba_hf.h — the Mamba LM's Hugging Face export (sk_mamba_hf.c). */
#ifndef SK_MAMBA_HF_H
#define SK_MAMBA_HF_H

#include "models/sk_mamba.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write a Hugging Face transformers folder (MambaForCausalLM): dir/config.json (model_type
 * "mamba"; vocab_size = the padded vocabulary, so no further padding) and dir/model.safetensors
 * (fp32, transformers names: backbone.embeddings.weight, no lm_head.weight when tied;
 * __metadata__ format "pt"). The folder is created if missing; both files are written
 * atomically. SK_EUNSUP when the config has no HF equivalent (a non-integer expand). */
int sk_mamba_lm_export_hf(const sk_mamba_lm *m, const char *dir) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
