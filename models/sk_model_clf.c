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
static void cl_train_view(void *s, sk_train_model *out) { sk_classifier_train_model(s, out); }

const sk_model_ops sk_model_ops_clf = {
    .kind = SK_MODEL_CLASSIFIER, .name = "classifier", .free = cl_free, .backend = cl_backend,
    .backbone = cl_backbone, .init = cl_init, .vocab = cl_vocab, .logits_width = cl_width, .save = cl_save, .train_view = cl_train_view,
};
