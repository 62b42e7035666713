/* sk_mamba_io.h — Mamba LM checkpoints (sk_mamba_io.c): ssmkit files, mamba_ssm and Hugging Face
 * folders. Included by sk_mamba.h. */
#ifndef SK_MAMBA_IO_H
#define SK_MAMBA_IO_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "models/sk_mamba_config.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_mamba_lm sk_mamba_lm;

/* Save as an ssmkit checkpoint: safetensors, fp32, names of sk_mamba_lm_param, config JSON in
 * __metadata__["config"], written atomically. */
int sk_mamba_lm_save(const sk_mamba_lm *m, const char *path) SK_RESULT_USED;
/* Load from an ssmkit checkpoint file, a mamba_ssm folder (config.json + model.safetensors) or a
 * Hugging Face folder (config.json + model.safetensors or model.safetensors.index.json shards).
 * pytorch_model.bin is refused with a "convert to safetensors" message; a tensor whose shape
 * does not match the config is an error naming it, found before any model memory is allocated.
 * With SK_MODEL_PLAN in flags the checks are all it does (a plan model, no weights read). */
int sk_mamba_lm_load(sk_mamba_lm **out, const char *path, const sk_backend *be, int64_t max_batch,
                     int64_t max_len, int flags) SK_RESULT_USED;
/* Read only the config of what sk_mamba_lm_load accepts. */
int sk_mamba_load_config(const char *path, sk_mamba_config *c) SK_RESULT_USED;
/* Write the gradients (host copies, fp32) as safetensors under the parameter names. */
int sk_mamba_lm_save_grads(const sk_mamba_lm *m, const char *path) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
