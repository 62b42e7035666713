/* sk_model.c — the model interface (sk_model.h): configs of any kind, the one dispatch on a
 * config's "arch", and the operations through each kind's table (model_impl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "models/model_impl.h"
#include "models/sk_classifier.h"
#include "models/sk_presets.h"
#include "src/sk_json.h"
#include "src/sk_safetensors.h"

/* ---- configs ---- */

/* The "arch" of a config object: the kind's table, the LM's by default. */
static const sk_model_ops *arch_ops(const cJSON *o) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "arch");
    if (cJSON_IsString(a) && !strcmp(a->valuestring, "unet")) return &sk_model_ops_unet;
    if (cJSON_IsString(a) && !strcmp(a->valuestring, "mamba-classifier")) return &sk_model_ops_clf;
    return &sk_model_ops_lm;
}

int sk_model_config_parse(const cJSON *o, const char *what, sk_model_config **out) {
    *out = calloc(1, sizeof **out);
    if (!*out) return sk_error(SK_ENOMEM, "%s: out of memory", what);
    sk_model_config *c = *out;
    c->kind = arch_ops(o) == &sk_model_ops_unet ? SK_MODEL_UNET : SK_MODEL_LM;
    int rc = c->kind == SK_MODEL_UNET ? sk_unet_config_from_json(o, what, &c->unet)
                                      : sk_mamba_config_from_json(o, what, &c->lm);
    if (rc) sk_model_config_free(c), *out = NULL;
    return rc;
}

int sk_model_config_load_json(const char *preset, const char *path, const char *fallback, cJSON **out, cJSON **train,
                     char *what, size_t what_len) {
    *train = NULL;
    *out = NULL;
    cJSON *j = NULL;
    if (preset && path) return sk_error(SK_EINVAL, "give --preset or --config, not both");
    if (!preset && !path) preset = fallback;
    if (path) {
        snprintf(what, what_len, "%s", path);
        int rc = sk_json_load(path, &j);
        if (rc) return rc;
    } else {
        snprintf(what, what_len, "preset %s", preset);
        const sk_preset *p = sk_preset_find(preset);
        if (!p) return sk_error(SK_EINVAL, "no preset named '%s' (run 'ssmkit presets' for the list)", preset);
        int rc = sk_json_parse(p->json, (int64_t)strlen(p->json), what, &j);
        if (rc) return rc;
    }
    cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(j, "train");
    if (t && !cJSON_IsObject(t)) {
        cJSON_Delete(t);
        cJSON_Delete(j);
        return sk_error(SK_EINVAL, "%s: \"train\" must be an object of training options", what);
    }
    *out = j;
    *train = t;
    return SK_OK;
}

int sk_model_config_load(const char *preset, const char *path, const char *fallback, sk_model_config **out,
                         cJSON **train, char *what, size_t what_len) {
    cJSON *j = NULL;
    *out = NULL;
    int rc = sk_model_config_load_json(preset, path, fallback, &j, train, what, what_len);
    if (!rc) rc = sk_model_config_parse(j, what, out);
    cJSON_Delete(j);
    if (rc) {
        cJSON_Delete(*train);
        *train = NULL;
    }
    return rc;
}

/* The config object in an ssmkit checkpoint file's metadata, or NULL (no error recorded). */
static cJSON *file_config(const char *path) {
    struct stat sb;
    if (stat(path, &sb) || S_ISDIR(sb.st_mode)) return NULL;
    sk_st *st = NULL;
    if (sk_st_open(path, &st)) {
        sk_error_clear();
        return NULL;
    }
    const char *cj = sk_st_meta(st, "config");
    cJSON *o = cj ? cJSON_Parse(cj) : NULL;
    sk_st_close(st);
    return o;
}

#define SK_MODEL_KIND_FLAGS (SK_MODEL_LM_ONLY | SK_MODEL_NEED_BACKBONE | SK_MODEL_CLF_ONLY | SK_MODEL_UNET_ONLY)

/* The kind check of sk_model_expect on a checkpoint whose kind (ops) is already known. */
static int expect_ops(const char *path, const sk_model_ops *ops, int flags) {
    if (!(flags & SK_MODEL_KIND_FLAGS)) return SK_OK;
    const char *want = flags & SK_MODEL_LM_ONLY ? "a Mamba LM"
                     : flags & SK_MODEL_CLF_ONLY ? "a classifier"
                     : flags & SK_MODEL_UNET_ONLY ? "an audio model (a U-Net)" : "a model with a Mamba backbone";
    int ok = flags & SK_MODEL_LM_ONLY ? ops == &sk_model_ops_lm
           : flags & SK_MODEL_CLF_ONLY ? ops != &sk_model_ops_unet /* an LM: the classifier loader says why */
           : flags & SK_MODEL_UNET_ONLY ? ops == &sk_model_ops_unet
                                        : ops->backbone != NULL;
    return ok ? SK_OK : sk_error(SK_EINVAL, "%s is a %s checkpoint (%s takes it), not %s", path, ops->name,
                                 ops->commands, want);
}

/* The kind of the checkpoint at path: by its config's "arch"; folders and files without an
 * ssmkit config are Mamba LMs (mamba_ssm and Hugging Face). */
static const sk_model_ops *file_ops(const char *path) {
    cJSON *o = file_config(path);
    const sk_model_ops *ops = o ? arch_ops(o) : &sk_model_ops_lm;
    cJSON_Delete(o);
    return ops;
}

int sk_model_expect(const char *path, int flags) {
    return flags & SK_MODEL_KIND_FLAGS ? expect_ops(path, file_ops(path), flags) : SK_OK;
}

int sk_model_config_read(const char *path, int flags, sk_model_config **out) {
    *out = NULL;
    cJSON *o = file_config(path); /* read once: the kind check and the parse */
    const sk_model_ops *ops = o ? arch_ops(o) : &sk_model_ops_lm;
    int rc = expect_ops(path, ops, flags);
    if (!rc && !(*out = calloc(1, sizeof **out))) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    sk_model_config *c = *out;
    if (ops == &sk_model_ops_unet) {
        c->kind = SK_MODEL_UNET;
        rc = sk_unet_config_from_json(o, path, &c->unet);
    } else if (ops == &sk_model_ops_clf) {
        c->kind = SK_MODEL_CLASSIFIER;
        rc = sk_mamba_config_from_json(cJSON_GetObjectItemCaseSensitive(o, "backbone"), path, &c->lm);
    } else {
        c->kind = SK_MODEL_LM;
        rc = sk_mamba_load_config(path, &c->lm); /* files, mamba_ssm and Hugging Face folders */
    }
    cJSON_Delete(o);
    if (rc) sk_model_config_free(c), *out = NULL;
    return rc;
}

void sk_model_config_free(sk_model_config *c) { free(c); }
int sk_model_config_kind(const sk_model_config *c) { return c->kind; }
const char *sk_model_config_name(const sk_model_config *c) {
    return c->kind == SK_MODEL_UNET ? sk_model_ops_unet.name : c->kind == SK_MODEL_CLASSIFIER ? sk_model_ops_clf.name
                                                                                              : sk_model_ops_lm.name;
}
int64_t sk_model_config_vocab(const sk_model_config *c) {
    return c->kind == SK_MODEL_UNET ? c->unet.vocab_size : c->lm.vocab_size;
}
int64_t sk_model_config_d_model(const sk_model_config *c) {
    return c->kind == SK_MODEL_UNET ? c->unet.d_model : c->lm.blk.d_model;
}
int64_t sk_model_config_n_layer(const sk_model_config *c) {
    return c->kind == SK_MODEL_UNET ? c->unet.n_layer : c->lm.n_layer;
}
int64_t sk_model_config_length_multiple(const sk_model_config *c) {
    return c->kind == SK_MODEL_UNET ? c->unet.pool_prod : 1;
}
/* The U-Net is trained on 8-bit mu-law audio: every sequence starts from the mu-law zero token. */
int32_t sk_model_config_bos(const sk_model_config *c) { return c->kind == SK_MODEL_UNET ? 128 : -1; }
const sk_mamba_config *sk_model_config_lm(const sk_model_config *c) { return c->kind == SK_MODEL_LM ? &c->lm : NULL; }
const sk_unet_config *sk_model_config_unet(const sk_model_config *c) {
    return c->kind == SK_MODEL_UNET ? &c->unet : NULL;
}
int sk_model_config_resize(sk_model_config *c, int64_t d_model, int64_t n_layer, const char *what) {
    if (c->kind != SK_MODEL_LM) return sk_error(SK_EUNSUP, "%s: only a Mamba LM config can be resized", what);
    if (d_model) c->lm.blk.d_model = d_model;
    if (n_layer) c->lm.n_layer = n_layer;
    return sk_mamba_config_finish(&c->lm, what);
}

/* ---- models ---- */

static int wrap(sk_model **out, const sk_model_ops *ops, void *self) {
    *out = calloc(1, sizeof **out);
    if (!*out) {
        ops->free(self);
        return sk_error(SK_ENOMEM, "model: out of memory");
    }
    (*out)->ops = ops, (*out)->self = self;
    return SK_OK;
}

int sk_model_create(sk_model **out, const sk_model_config *c, const sk_backend *be, int64_t max_batch,
                    int64_t max_len, int flags) {
    *out = NULL;
    if (c->kind == SK_MODEL_UNET) {
        sk_unet *u = NULL;
        int rc = sk_unet_create(&u, &c->unet, be, max_batch, max_len, flags);
        return rc ? rc : wrap(out, &sk_model_ops_unet, u);
    }
    if (c->kind == SK_MODEL_CLASSIFIER)
        return sk_error(SK_EUNSUP, "model: a classifier is made by ssmkit finetune (it needs its classes)");
    sk_mamba_lm *m = NULL;
    int rc = sk_mamba_lm_create(&m, &c->lm, be, max_batch, max_len, flags);
    return rc ? rc : wrap(out, &sk_model_ops_lm, m);
}

int sk_model_load(sk_model **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len,
                  int flags) {
    *out = NULL;
    const sk_model_ops *ops = file_ops(path); /* read once: the kind check and the choice of loader */
    int rc = expect_ops(path, ops, flags);
    if (rc) return rc;
    flags &= ~SK_MODEL_KIND_FLAGS;
    void *self = NULL;
    if (ops == &sk_model_ops_unet) {
        sk_unet *u = NULL;
        rc = sk_unet_load(&u, path, be, max_batch, max_len, flags), self = u;
    } else if (ops == &sk_model_ops_clf) {
        sk_classifier *c = NULL;
        rc = sk_classifier_load(&c, path, be, max_batch, max_len, flags), self = c;
    } else {
        sk_mamba_lm *m = NULL;
        rc = sk_mamba_lm_load(&m, path, be, max_batch, max_len, flags), self = m;
    }
    return rc ? rc : wrap(out, ops, self);
}

int sk_model_check_file(const char *path) {
    struct stat sb;
    sk_st *st = NULL;
    if (stat(path, &sb) || S_ISDIR(sb.st_mode) || sk_st_open(path, &st)) {
        sk_error_clear(); /* not a safetensors file: nothing to check here */
        return SK_OK;
    }
    const char *fmt = sk_st_meta(st, "format");
    const int model = fmt && !strncmp(fmt, "ssmkit", 6) && sk_st_meta(st, "config"); /* a model or its gradients */
    const int state = !fmt && sk_st_meta(st, "config") && sk_st_find(st, "train.step"); /* a training state */
    sk_st_close(st);
    if (!model && !state) return SK_OK;
    sk_model_config *c = NULL;
    TRY(sk_model_config_read(path, 0, &c));
    const int64_t len = c->kind == SK_MODEL_UNET ? c->unet.pool_prod : 1;
    sk_model_config_free(c);
    if (state) return SK_OK; /* its tensors are the trainer's (sk_trainer.h), checked when resuming */
    sk_model *m = NULL;
    int rc = sk_model_load(&m, path, sk_backend_cpu(), 1, len, SK_MODEL_PLAN);
    sk_model_free(m);
    return rc;
}

int sk_model_wrap_classifier(sk_model **out, struct sk_classifier *c) { return wrap(out, &sk_model_ops_clf, c); }
int sk_model_wrap_lm(sk_model **out, sk_mamba_lm *m) { return wrap(out, &sk_model_ops_lm, m); }
int sk_model_wrap_unet(sk_model **out, struct sk_unet *u) { return wrap(out, &sk_model_ops_unet, u); }

void sk_model_free(sk_model *m) {
    if (!m) return;
    m->ops->free(m->self);
    free(m);
}

#define UNSUP(m, op) sk_error(SK_EUNSUP, "%s: no %s", (m)->ops->name, op)

void sk_model_disown(sk_model *m) { free(m); }

int sk_model_kind(const sk_model *m) { return m->ops->kind; }
const sk_backend *sk_model_backend(const sk_model *m) { return m->ops->backend(m->self); }
void *sk_model_self(sk_model *m) { return m->self; }
sk_mamba_lm *sk_model_backbone(sk_model *m) { return m->ops->backbone ? m->ops->backbone(m->self) : NULL; }
int sk_model_init(sk_model *m, uint64_t seed) { return m->ops->init(m->self, seed); }
int sk_model_set_chunk(sk_model *m, int64_t chunk, int64_t max_total_len) {
    if (!m->ops->set_chunk) return chunk ? UNSUP(m, "chunked training") : SK_OK;
    return m->ops->set_chunk(m->self, chunk, max_total_len);
}
void sk_model_memory(const sk_model *m, sk_model_mem *out) {
    memset(out, 0, sizeof *out);
    if (m->ops->memory) m->ops->memory(m->self, out);
}
int sk_model_nparams(const sk_model *m) { return m->ops->nparams(m->self); }
const sk_param *sk_model_param(const sk_model *m, int i) { return m->ops->param(m->self, i); }
int64_t sk_model_numel(const sk_model *m) {
    int64_t n = 0;
    for (int i = 0; i < sk_model_nparams(m); i++) n += sk_model_param(m, i)->numel;
    return n;
}
char *sk_model_config_json(const sk_model *m) { return m->ops->config_json(m->self); }

int sk_model_forward(sk_model *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L, double *loss) {
    return m->ops->forward(m->self, tokens, targets, b, L, loss);
}
int sk_model_forward_packed(sk_model *m, const int32_t *tokens, const int32_t *targets, const uint8_t *reset,
                            int64_t b, int64_t L, double *loss) {
    if (!m->ops->forward_packed) return UNSUP(m, "packed rows");
    return m->ops->forward_packed(m->self, tokens, targets, reset, b, L, loss);
}
int sk_model_backward(sk_model *m) { return m->ops->backward(m->self); }
int sk_model_zero_grad(sk_model *m) { return m->ops->zero_grad(m->self); }
int sk_model_logits(const sk_model *m, float *dst) {
    return m->ops->logits ? m->ops->logits(m->self, dst) : UNSUP(m, "logits (use its own API)");
}
int64_t sk_model_vocab(const sk_model *m) { return m->ops->vocab(m->self); }
int64_t sk_model_logits_width(const sk_model *m) { return m->ops->logits_width(m->self); }

int sk_model_state_create(sk_model *m, int64_t b, sk_model_state **out) {
    *out = NULL;
    if (!m->ops->state_create) return UNSUP(m, "recurrent state");
    sk_model_state *s = calloc(1, sizeof *s);
    if (!s) return sk_error(SK_ENOMEM, "model state: out of memory");
    s->ops = m->ops;
    int rc = m->ops->state_create(m->self, b, &s->st);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return SK_OK;
}
int sk_model_state_reset(sk_model_state *st) { return st->ops->state_reset(st->st); }
void sk_model_state_free(sk_model_state *st) {
    if (!st) return;
    st->ops->state_free(st->st);
    free(st);
}
int sk_model_forward_state(sk_model *m, sk_model_state *st, const int32_t *tokens, const int32_t *targets,
                           const uint8_t *reset, int64_t L, double *loss) {
    if (!m->ops->forward_state) return UNSUP(m, "forward with a state");
    return m->ops->forward_state(m->self, st->st, tokens, targets, reset, L, loss);
}
const float *sk_model_position_losses(const sk_model *m) {
    return m->ops->position_losses ? m->ops->position_losses(m->self) : NULL;
}
int sk_model_step(sk_model *m, sk_model_state *st, const int32_t *tokens, float *logits) {
    if (!m->ops->step) return UNSUP(m, "recurrent step");
    return m->ops->step(m->self, st->st, tokens, logits);
}
int sk_model_save(const sk_model *m, const char *path) { return m->ops->save(m->self, path); }
int sk_model_save_grads(const sk_model *m, const char *path) {
    return m->ops->save_grads ? m->ops->save_grads(m->self, path) : UNSUP(m, "gradient dump");
}
