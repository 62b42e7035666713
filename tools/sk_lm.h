/* sk_lm.h — helpers shared by the model commands: thread count, backend, resident memory; and the
 * config loaders of train and finetune (sk_lm_config, sk_any_config), thin forms of
 * models/sk_model.h kept until those commands take an sk_model_config. tools/ only.
 */
#ifndef SK_LM_H
#define SK_LM_H

#include <cjson/cJSON.h>
#include "kernels/sk_backend.h"
#include "models/sk_mamba.h"
#include "models/sk_model.h"
#include "models/sk_unet.h"

/* The model config of preset `preset` or of the JSON file `config_path` (exactly one non-NULL;
 * both NULL = preset `fallback`). The "train" section, if any, is detached into *train (NULL if
 * none; the caller frees it with cJSON_Delete) and the rest parsed into *c. what: receives a
 * name for messages ("preset NAME" or the file). */
int sk_lm_config(const char *preset, const char *config_path, const char *fallback, sk_mamba_config *c,
                 cJSON **train, char *what, size_t what_len) SK_RESULT_USED;
/* A model config of either architecture, chosen by the JSON's "arch" (sk_model_config_parse). */
typedef struct sk_any_config {
    int unet;   /* 1: u holds the config, 0: lm */
    sk_mamba_config lm;
    sk_unet_config u;
} sk_any_config;
/* As sk_lm_config, for either architecture. */
int sk_any_config_load(const char *preset, const char *config_path, const char *fallback, sk_any_config *c, cJSON **train,
                       char *what, size_t what_len) SK_RESULT_USED;
/* Parse a config JSON object (without its "train" section) by its "arch". */
int sk_any_config_parse(const cJSON *o, const char *what, sk_any_config *c) SK_RESULT_USED;
/* Set the kernel thread count (OpenMP and OpenBLAS); n <= 0 keeps the default. Returns the
 * count in effect. */
int sk_lm_threads(int n);
/* "cpu"/"cuda" -> backend, with the error message of sk_backend_get. */
int sk_lm_backend(const char *device, const sk_backend **be) SK_RESULT_USED;
/* Peak resident set size of this process in MiB (VmHWM), and the current one (VmRSS). */
double sk_lm_peak_rss_mib(void);
double sk_lm_rss_mib(void);

#endif
