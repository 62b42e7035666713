/* sk_model_lm.c — the Mamba LM behind the model interface (model_impl.h). */
#include "models/model_impl.h"

static void lm_free(void *s) { sk_mamba_lm_free(s); }
static const sk_backend *lm_backend(const void *s) { return sk_mamba_lm_backend(s); }
static sk_mamba_lm *lm_backbone(void *s) { return s; }
static int lm_init(void *s, uint64_t seed) { return sk_mamba_lm_init(s, seed); }
static int lm_set_chunk(void *s, int64_t c, int64_t t) { return sk_mamba_lm_set_chunk(s, c, t); }
static void lm_memory(const void *s, sk_model_mem *o) { sk_mamba_lm_memory(s, o); }
static int64_t lm_vocab(const void *s) { return sk_mamba_lm_config(s)->vocab_size; }
static int64_t lm_width(const void *s) { return sk_mamba_lm_config(s)->vocab_padded; }
static int lm_logits(const void *s, float *dst) { return sk_mamba_lm_logits(s, dst); }
static int lm_state_create(void *s, int64_t b, void **st) {
    sk_mamba_lm_state *x = NULL;
    int rc = sk_mamba_lm_state_create(s, b, &x);
    *st = x;
    return rc;
}
static int lm_state_reset(void *st) { return sk_mamba_lm_state_reset(st); }
static void lm_state_free(void *st) { sk_mamba_lm_state_free(st); }
static int lm_forward_state(void *s, void *st, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t L,
                            double *loss) {
    return sk_mamba_lm_forward(s, tok, tgt, sk_mamba_lm_state_batch(st), L, reset, st, loss);
}
static const float *lm_position_losses(const void *s) { return sk_mamba_lm_position_losses(s); }
static int lm_step(void *s, void *st, const int32_t *tok, float *logits) { return sk_mamba_lm_step(s, st, tok, logits); }
static int lm_save(const void *s, const char *path) { return sk_mamba_lm_save(s, path); }
static int lm_save_grads(const void *s, const char *path) { return sk_mamba_lm_save_grads(s, path); }
static int lm_forward(void *s, const int32_t *in, const int32_t *tg, int64_t b, int64_t L, double *loss) {
    return sk_mamba_lm_forward(s, in, tg, b, L, NULL, NULL, loss);
}
static int lm_forward_packed(void *s, const int32_t *in, const int32_t *tg, const uint8_t *reset, int64_t b, int64_t L,
                             double *loss) {
    return sk_mamba_lm_forward(s, in, tg, b, L, reset, NULL, loss);
}
static int lm_backward(void *s) { return sk_mamba_lm_backward(s); }
static int lm_zero_grad(void *s) { return sk_mamba_lm_zero_grad(s); }
static int lm_nparams(const void *s) { return sk_mamba_lm_nparams(s); }
static const sk_param *lm_param(const void *s, int i) { return sk_mamba_lm_param(s, i); }
static char *lm_config(const void *s) { return sk_mamba_config_to_json(sk_mamba_lm_config(s)); }

const sk_model_ops sk_model_ops_lm = {
    .kind = SK_MODEL_LM, .name = "Mamba LM",
    .commands = "ssmkit eval, generate, export, embed or finetune --init", .free = lm_free, .backend = lm_backend, .backbone = lm_backbone,
    .init = lm_init, .set_chunk = lm_set_chunk, .memory = lm_memory, .vocab = lm_vocab, .logits_width = lm_width, .logits = lm_logits,
    .state_create = lm_state_create, .state_reset = lm_state_reset, .state_free = lm_state_free,
    .forward_state = lm_forward_state, .position_losses = lm_position_losses, .step = lm_step, .save = lm_save,
    .save_grads = lm_save_grads, .forward = lm_forward, .forward_packed = lm_forward_packed, .backward = lm_backward,
    .zero_grad = lm_zero_grad, .nparams = lm_nparams, .param = lm_param, .config_json = lm_config,
};
