/* sk_trainplan.h — the memory plan of `ssmkit train` in the form tools/cmd_train.c takes
 * (sk_any_config, a Mamba LM or a U-Net pointer): thin forms of sk_model_plan_* (models/sk_model_plan.h,
 * where the plan and the memory model live; models/README.md §Memory plan). tools/ only; goes
 * once cmd_train takes an sk_model.
 */
#ifndef SK_TRAINPLAN_H
#define SK_TRAINPLAN_H

#include <stdint.h>
#include <stdio.h>
#include "models/sk_model_plan.h"
#include "tools/sk_lm.h"

/* sk_model_plan_chunk */
int sk_plan_chunk(const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, const char *spec,
                  int64_t *chunk, char *why, size_t why_len) SK_RESULT_USED;
/* sk_model_plan_create; exactly one of *lm / *unet is set. */
int sk_plan_create(const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                   sk_mamba_lm **lm, sk_unet **unet) SK_RESULT_USED;
/* sk_model_plan_report */
int sk_plan_report(FILE *out, const sk_any_config *cfg, const char *what, const sk_backend *be, int64_t b, int64_t L,
                   int64_t chunk, const char *const *data, int nsources, int threads, int64_t *peak) SK_RESULT_USED;

#endif
