/* model_impl.h — private to models/ (not installed): the table of operations each model kind
 * fills (sk_model_lm.c, sk_model_unet.c, sk_model_clf.c) and the structures behind sk_model.h. To
 * add a model kind: models/README.md §Adding a model kind. */
#ifndef MODEL_IMPL_H
#define MODEL_IMPL_H

#include "models/sk_mamba.h"
#include "models/sk_model.h"
#include "models/sk_unet.h"

/* A NULL operation is one the kind does not have (sk_model.c answers SK_EUNSUP). */
typedef struct sk_model_ops {
    int kind;
    const char *name;
    const char *commands; /* the commands that take a checkpoint of this kind (wrong-kind messages) */
    void (*free)(void *self);
    const sk_backend *(*backend)(const void *self);
    sk_mamba_lm *(*backbone)(void *self);
    int (*init)(void *self, uint64_t seed);
    int (*set_chunk)(void *self, int64_t chunk, int64_t max_total);
    void (*memory)(const void *self, sk_model_mem *out);
    int64_t (*vocab)(const void *self); /* input tokens */
    int64_t (*logits_width)(const void *self);
    int (*logits)(const void *self, float *dst);
    int (*state_create)(void *self, int64_t b, void **st);
    int (*state_reset)(void *st);
    void (*state_free)(void *st);
    int (*forward_state)(void *self, void *st, const int32_t *tokens, const int32_t *targets, const uint8_t *reset,
                         int64_t L, double *loss);
    const float *(*position_losses)(const void *self);
    int (*step)(void *self, void *st, const int32_t *tokens, float *logits);
    int (*save)(const void *self, const char *path);
    int (*save_grads)(const void *self, const char *path);
    /* the training operations of sk_model.h (forward_packed NULL: no packed rows) */
    int (*forward)(void *self, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L, double *loss);
    int (*forward_packed)(void *self, const int32_t *tokens, const int32_t *targets, const uint8_t *reset, int64_t b,
                          int64_t L, double *loss);
    int (*backward)(void *self);
    int (*zero_grad)(void *self);
    int (*nparams)(const void *self);
    const sk_param *(*param)(const void *self, int i);
    char *(*config_json)(const void *self); /* malloc'd */
} sk_model_ops;

struct sk_model {
    const sk_model_ops *ops;
    void *self;
};

struct sk_model_state {
    const sk_model_ops *ops;
    void *st;
};

struct sk_model_config {
    int kind;
    sk_mamba_config lm;
    sk_unet_config unet;
};

/* the tables (data, not functions: sk_model.c reads them, the kind files call nothing of it) */
extern const sk_model_ops sk_model_ops_lm, sk_model_ops_unet, sk_model_ops_clf;

#endif
