/* sk_model_clf.c — the sequence classifier behind the model interface (model_impl.h). */
#include "models/model_impl.h"
#include "models/sk_classifier.h"

static void cl_free(void *s) { sk_classifier_free(s); }
static const sk_backend *cl_backend(const void *s) {
    return sk_mamba_lm_backend(sk_classifier_backbone((sk_classifier *)(void *)s));
}
static sk_mamba_lm *cl_backbone(void *s) { return sk_classifier_backbone(s); }
static int cl_init(void *s, uint64_t seed) { return sk_classifier_init(s, seed); }
static int64_t cl_vocab(const void *s) {
    return sk_mamba_lm_config(sk_classifier_backbone((sk_classifier *)(void *)s))->vocab_size;
}
static int64_t cl_width(const void *s) { return sk_classifier_nclasses(s); }
static int cl_save(const void *s, const char *path) { return sk_classifier_save(s, path, NULL); }
static int cl_forward(void *s, const int32_t *in, const int32_t *tg, int64_t b, int64_t L, double *loss) {
    return sk_classifier_forward_targets(s, in, tg, b, L, loss);
}
static int cl_backward(void *s) { return sk_classifier_backward(s); }
static int cl_zero_grad(void *s) { return sk_classifier_zero_grad(s); }
static int cl_nparams(const void *s) { return sk_classifier_nparams(s); }
static const sk_param *cl_param(const void *s, int i) { return sk_classifier_param(s, i); }
static char *cl_config(const void *s) { return sk_classifier_config_json(s); }

const sk_model_ops sk_model_ops_clf = {
    .kind = SK_MODEL_CLASSIFIER, .name = "classifier", .commands = "ssmkit classify or embed",
    .free = cl_free, .backend = cl_backend,
    .backbone = cl_backbone, .init = cl_init, .vocab = cl_vocab, .logits_width = cl_width, .save = cl_save,
    .forward = cl_forward, .backward = cl_backward, .zero_grad = cl_zero_grad, .nparams = cl_nparams, .param = cl_param,
    .config_json = cl_config,
};
