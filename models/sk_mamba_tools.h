/* sk_mamba_tools.h — the Mamba LM and the U-Net behind the trainer interface, and the LM's Hugging
 * Face export.
 */
#ifndef SK_MAMBA_TOOLS_H
#define SK_MAMBA_TOOLS_H

#include "models/sk_mamba.h"
#include "models/sk_trainer.h"
#include "models/sk_unet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill *out so the trainer drives m (created with SK_MAMBA_GRADS): forward with targets and no
 * recurrent state, backward, zero_grad, the parameter table, the ssmkit config JSON. */
void sk_mamba_lm_train_model(sk_mamba_lm *m, sk_train_model *out);
/* The same for a U-Net (created with SK_MAMBA_GRADS); L must be a multiple of the pool product. */
void sk_unet_train_model(sk_unet *m, sk_train_model *out);

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
