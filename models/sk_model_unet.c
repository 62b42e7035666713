/* sk_model_unet.c — the U-Net behind the model interface (model_impl.h). */
#include "models/model_impl.h"

static void un_free(void *s) { sk_unet_free(s); }
static const sk_backend *un_backend(const void *s) { return sk_unet_backend(s); }
static int un_init(void *s, uint64_t seed) { return sk_unet_init(s, seed); }
static int un_set_chunk(void *s, int64_t c, int64_t t) { return sk_unet_set_chunk(s, c, t); }
static void un_memory(const void *s, sk_model_mem *o) { sk_unet_memory(s, o); }
static int64_t un_width(const void *s) { return sk_unet_config_of(s)->vocab_size; }
static int un_logits(const void *s, float *dst) { return sk_unet_logits(s, dst); }
static int un_state_create(void *s, int64_t b, void **st) {
    sk_unet_state *x = NULL;
    int rc = sk_unet_state_create(s, b, &x);
    *st = x;
    return rc;
}
static int un_state_reset(void *st) { return sk_unet_state_reset(st); }
static void un_state_free(void *st) { sk_unet_state_free(st); }
static int un_forward_state(void *s, void *st, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t L,
                            double *loss) {
    if (reset) return sk_error(SK_EUNSUP, "unet: packed rows (reset flags) are not supported");
    return sk_unet_forward_state(s, st, tok, tgt, L, loss);
}
static int un_step(void *s, void *st, const int32_t *tok, float *logits) { return sk_unet_step(s, st, tok, logits); }
static int un_save(const void *s, const char *path) { return sk_unet_save(s, path); }
static int un_save_grads(const void *s, const char *path) { return sk_unet_save_grads(s, path); }
static int un_forward(void *s, const int32_t *in, const int32_t *tg, int64_t b, int64_t L, double *loss) {
    return sk_unet_forward(s, in, tg, b, L, loss);
}
static int un_backward(void *s) { return sk_unet_backward(s); }
static int un_zero_grad(void *s) { return sk_unet_zero_grad(s); }
static int un_nparams(const void *s) { return sk_unet_nparams(s); }
static const sk_param *un_param(const void *s, int i) { return sk_unet_param(s, i); }
static char *un_config(const void *s) { return sk_unet_config_to_json(sk_unet_config_of(s)); }

const sk_model_ops sk_model_ops_unet = {
    .kind = SK_MODEL_UNET, .name = "U-Net", .commands = "ssmkit audio generate or eval",
    .free = un_free, .backend = un_backend, .init = un_init,
    .set_chunk = un_set_chunk, .memory = un_memory, .vocab = un_width, .logits_width = un_width, .logits = un_logits,
    .state_create = un_state_create, .state_reset = un_state_reset, .state_free = un_state_free,
    .forward_state = un_forward_state, .step = un_step, .save = un_save, .save_grads = un_save_grads,
    .forward = un_forward, .backward = un_backward, .zero_grad = un_zero_grad, .nparams = un_nparams, .param = un_param,
    .config_json = un_config,
};
