/* sk_train_view.c — the Mamba LM and the U-Net behind the trainer interface (sk_train_view.h). */
#include "models/sk_train_view.h"

/* ---- the Mamba LM ---- */
static int tm_forward(void *s, const int32_t *in, const int32_t *tg, int64_t b, int64_t L, double *loss) {
    return sk_mamba_lm_forward(s, in, tg, b, L, NULL, NULL, loss);
}
static int tm_forward_packed(void *s, const int32_t *in, const int32_t *tg, const uint8_t *reset, int64_t b, int64_t L,
                             double *loss) {
    return sk_mamba_lm_forward(s, in, tg, b, L, reset, NULL, loss);
}
static int tm_backward(void *s) { return sk_mamba_lm_backward(s); }
static int tm_zero_grad(void *s) { return sk_mamba_lm_zero_grad(s); }
static int tm_nparams(const void *s) { return sk_mamba_lm_nparams(s); }
static const sk_param *tm_param(const void *s, int i) { return sk_mamba_lm_param(s, i); }
static char *tm_config(const void *s) { return sk_mamba_config_to_json(sk_mamba_lm_config(s)); }

void sk_mamba_lm_train_model(sk_mamba_lm *m, sk_train_model *out) {
    *out = (sk_train_model){.self = m,
                            .be = sk_mamba_lm_backend(m),
                            .forward = tm_forward,
                            .backward = tm_backward,
                            .zero_grad = tm_zero_grad,
                            .nparams = tm_nparams,
                            .param = tm_param,
                            .config_json = tm_config,
                            .forward_packed = tm_forward_packed};
}

/* ---- the U-Net ---- */
static int tu_forward(void *s, const int32_t *in, const int32_t *tg, int64_t b, int64_t L, double *loss) {
    return sk_unet_forward(s, in, tg, b, L, loss);
}
static int tu_backward(void *s) { return sk_unet_backward(s); }
static int tu_zero_grad(void *s) { return sk_unet_zero_grad(s); }
static int tu_nparams(const void *s) { return sk_unet_nparams(s); }
static const sk_param *tu_param(const void *s, int i) { return sk_unet_param(s, i); }
static char *tu_config(const void *s) { return sk_unet_config_to_json(sk_unet_config_of(s)); }

void sk_unet_train_model(sk_unet *m, sk_train_model *out) {
    *out = (sk_train_model){.self = m,
                            .be = sk_unet_backend(m),
                            .forward = tu_forward,
                            .backward = tu_backward,
                            .zero_grad = tu_zero_grad,
                            .nparams = tu_nparams,
                            .param = tu_param,
                            .config_json = tu_config};
}
