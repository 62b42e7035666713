/* test_model.c — the model interface (models/sk_model.h) over the Mamba LM, the U-Net and the
 * classifier:
 *   configs: the kind is chosen by "arch" once (LM by default, "unet"), with its name, vocabulary,
 *     length multiple and start token; an LM config can be resized, a U-Net's cannot;
 *   the training operations through sk_model equal the kind's own API bitwise (loss and every
 *     gradient, same init seed), and a wrapped model of a kind's own API drives the same object;
 *   forward with a state carried over two calls equals one call (LM: logits; U-Net: losses) and
 *     the recurrent step gives the kind's own logits;
 *   save / load picks the kind from the checkpoint; a classifier wraps; missing operations are
 *     SK_EUNSUP; the memory plan of a chunked model is the kind's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "models/sk_classifier.h"
#include "models/sk_mamba.h"
#include "models/sk_model.h"
#include "models/sk_model_plan.h"
#include "models/sk_unet.h"
#include "src/sk_json.h"
#include "tests/models/model_util.h"
#include "tests/sk_test.h"


/* A model of a kind's own API: zero_grad + forward + backward on b x L, and its parameter table. */
typedef struct own_api {
    void *self;
    int (*step)(void *self, const int32_t *tok, const int32_t *tgt, int64_t b, int64_t L, double *loss);
    int (*nparams)(const void *self);
    const sk_param *(*param)(const void *self, int i);
} own_api;

static int lm_step(void *s, const int32_t *tok, const int32_t *tgt, int64_t b, int64_t L, double *loss) {
    int rc = sk_mamba_lm_zero_grad(s);
    if (!rc) rc = sk_mamba_lm_forward(s, tok, tgt, b, L, NULL, NULL, loss);
    return rc ? rc : sk_mamba_lm_backward(s);
}
static int lm_nparams(const void *s) { return sk_mamba_lm_nparams(s); }
static const sk_param *lm_param(const void *s, int i) { return sk_mamba_lm_param(s, i); }
static int un_step(void *s, const int32_t *tok, const int32_t *tgt, int64_t b, int64_t L, double *loss) {
    int rc = sk_unet_zero_grad(s);
    if (!rc) rc = sk_unet_forward(s, tok, tgt, b, L, loss);
    return rc ? rc : sk_unet_backward(s);
}
static int un_nparams(const void *s) { return sk_unet_nparams(s); }
static const sk_param *un_param(const void *s, int i) { return sk_unet_param(s, i); }

/* loss and gradients of m (through sk_model) and of own (the kind's own API) agree bitwise */
static void same_training(sk_model *m, const own_api *own, const int32_t *tok, const int32_t *tgt, int64_t b,
                          int64_t L, const char *what) {
    double l1 = 0, l2 = 0;
    SK_CHECK(sk_model_zero_grad(m) == 0 && sk_model_forward(m, tok, tgt, b, L, &l1) == 0 && sk_model_backward(m) == 0,
             "%s: model ops: %s", what, sk_errmsg());
    int64_t n = sk_model_numel(m);
    float *g1 = malloc((size_t)n * sizeof(float)), *g2 = malloc((size_t)n * sizeof(float));
    const sk_backend *be = sk_model_backend(m);
    int64_t off = 0;
    for (int i = 0; i < sk_model_nparams(m); i++) {
        const sk_param *p = sk_model_param(m, i);
        SK_CHECK(be->download(g1 + off, p->g, (size_t)p->numel * sizeof(float)) == 0, "download");
        off += p->numel;
    }
    SK_CHECK(own->step(own->self, tok, tgt, b, L, &l2) == 0, "%s: own ops", what);
    off = 0;
    for (int i = 0; i < own->nparams(own->self); i++) {
        const sk_param *p = own->param(own->self, i);
        SK_CHECK(be->download(g2 + off, p->g, (size_t)p->numel * sizeof(float)) == 0, "download");
        off += p->numel;
    }
    SK_CHECK(l1 == l2 && l1 > 0, "%s: loss %.9g vs %.9g", what, l1, l2);
    SK_CHECK(!memcmp(g1, g2, (size_t)n * sizeof(float)), "%s: gradients differ", what);
    free(g1), free(g2);
}

static void test_lm(const sk_backend *be, const char *dir) {
    sk_model_config *c = parse("{\"d_model\": 16, \"n_layer\": 2, \"vocab_size\": 20, \"d_state\": 4}");
    SK_CHECK(sk_model_config_kind(c) == SK_MODEL_LM && !strcmp(sk_model_config_name(c), "Mamba LM"), "LM kind");
    SK_CHECK(sk_model_config_vocab(c) == 20 && sk_model_config_length_multiple(c) == 1 && sk_model_config_bos(c) == -1,
             "LM properties");
    SK_CHECK(sk_model_config_lm(c) && !sk_model_config_unet(c), "LM config");
    SK_CHECK(sk_model_config_resize(c, 24, 1, "t") == 0 && sk_model_config_d_model(c) == 24 &&
                 sk_model_config_n_layer(c) == 1, "resize");
    enum { B = 2, L = 12 };
    int32_t tok[B * L], tgt[B * L];
    tokens(tok, tgt, B * L, 20, 7);
    sk_model *m = NULL;
    sk_mamba_lm *own = NULL;
    SK_CHECK(sk_model_create(&m, c, be, B, L, SK_MODEL_GRADS) == 0 && sk_model_init(m, 3) == 0, "create: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_create(&own, sk_model_config_lm(c), be, B, L, SK_MODEL_GRADS) == 0 && sk_mamba_lm_init(own, 3) == 0,
             "own create");
    SK_CHECK(sk_model_kind(m) == SK_MODEL_LM && sk_model_backbone(m) == sk_model_self(m), "LM backbone");
    same_training(m, &(own_api){own, lm_step, lm_nparams, lm_param}, tok, tgt, B, L, "LM");
    sk_model *w = NULL; /* the own model wrapped: the interface drives that object */
    SK_CHECK(sk_model_wrap_lm(&w, own) == 0 && sk_model_self(w) == own && sk_model_kind(w) == SK_MODEL_LM &&
                 sk_model_nparams(w) == sk_mamba_lm_nparams(own), "LM wrap");
    sk_model_disown(w);
    /* state carry: two calls of 5 + 7 positions equal one of 12 (logits of the last position) */
    const int64_t V = sk_model_logits_width(m);
    float *a = malloc((size_t)(L * V) * sizeof(float)), *s = malloc((size_t)(L * V) * sizeof(float));
    sk_model_state *st = NULL;
    SK_CHECK(sk_model_state_create(m, 1, &st) == 0, "state");
    SK_CHECK(sk_model_forward_state(m, st, tok, NULL, NULL, L, NULL) == 0 && sk_model_logits(m, a) == 0, "one call");
    SK_CHECK(sk_model_state_reset(st) == 0 && sk_model_forward_state(m, st, tok, NULL, NULL, 5, NULL) == 0 &&
                 sk_model_forward_state(m, st, tok + 5, NULL, NULL, 7, NULL) == 0 && sk_model_logits(m, s) == 0,
             "two calls");
    double e = 0;
    for (int64_t k = 0; k < V; k++) e = fmax(e, fabs(a[(L - 1) * V + k] - s[6 * V + k]));
    SK_CHECK(e < 1e-5, "LM state carry: %.3g", e);
    sk_model_state_free(st);
    /* save / load through the interface */
    char path[512];
    snprintf(path, sizeof path, "%s/lm.safetensors", dir);
    sk_model *r = NULL;
    SK_CHECK(sk_model_save(m, path) == 0 && sk_model_load(&r, path, be, B, L, 0) == 0, "save/load: %s", sk_errmsg());
    SK_CHECK(r && sk_model_kind(r) == SK_MODEL_LM && sk_model_numel(r) == sk_model_numel(m), "loaded LM");
    sk_model_config *rc = NULL;
    SK_CHECK(sk_model_config_read(path, 0, &rc) == 0 && sk_model_config_kind(rc) == SK_MODEL_LM &&
                 sk_model_config_d_model(rc) == 24, "config of a checkpoint");
    sk_model_config_free(rc);
    sk_model_free(r);
    free(a), free(s);
    sk_model_free(m);
    sk_mamba_lm_free(own);
    /* memory plan: a chunked plan of the LM is the LM's own */
    sk_model *p = NULL;
    sk_mamba_lm *q = NULL;
    sk_model_mem m1, m2;
    SK_CHECK(sk_model_create(&p, c, be, 2, 64, SK_MODEL_GRADS | SK_MODEL_PLAN) == 0 && sk_model_set_chunk(p, 64, 1024) == 0,
             "plan");
    SK_CHECK(sk_mamba_lm_create(&q, sk_model_config_lm(c), be, 2, 64, SK_MODEL_GRADS | SK_MODEL_PLAN) == 0 &&
                 sk_mamba_lm_set_chunk(q, 64, 1024) == 0, "own plan");
    sk_model_memory(p, &m1), sk_mamba_lm_memory(q, &m2);
    SK_CHECK(!memcmp(&m1, &m2, sizeof m1) && m1.chunk_states > 0, "memory plan");
    int64_t ch = -1;
    char why[256];
    SK_CHECK(sk_model_plan_chunk(c, be, 2, 1024, "100", &ch, why, sizeof why) == 0 && ch == 100, "plan chunk");
    sk_model_free(p);
    sk_mamba_lm_free(q);
    sk_model_config_free(c);
}

static void test_unet(const sk_backend *be, const char *dir) {
    sk_model_config *c = parse("{\"arch\": \"unet\", \"d_model\": 8, \"n_layer\": 1, \"pool\": [2, 2], "
                               "\"outer\": {\"d_state\": 4}, \"center\": {\"d_state\": 4}}");
    SK_CHECK(sk_model_config_kind(c) == SK_MODEL_UNET && !strcmp(sk_model_config_name(c), "U-Net"), "U-Net kind");
    SK_CHECK(sk_model_config_length_multiple(c) == 4 && sk_model_config_bos(c) == 128 && sk_model_config_vocab(c) == 256,
             "U-Net properties");
    SK_CHECK(sk_model_config_resize(c, 16, 0, "t") == SK_EUNSUP, "no resize");
    enum { B = 2, L = 16 };
    int32_t tok[B * L], tgt[B * L];
    tokens(tok, tgt, B * L, 256, 11);
    sk_model *m = NULL;
    sk_unet *own = NULL;
    SK_CHECK(sk_model_create(&m, c, be, B, L, SK_MODEL_GRADS) == 0 && sk_model_init(m, 5) == 0, "create: %s", sk_errmsg());
    SK_CHECK(sk_unet_create(&own, sk_model_config_unet(c), be, B, L, SK_MODEL_GRADS) == 0 && sk_unet_init(own, 5) == 0,
             "own create");
    SK_CHECK(!sk_model_backbone(m), "no backbone");
    same_training(m, &(own_api){own, un_step, un_nparams, un_param}, tok, tgt, B, L, "U-Net");
    sk_model *w = NULL; /* the own model wrapped: the interface drives that object */
    SK_CHECK(sk_model_wrap_unet(&w, own) == 0 && sk_model_self(w) == own && sk_model_kind(w) == SK_MODEL_UNET,
             "U-Net wrap");
    sk_model_disown(w);
    SK_CHECK(sk_model_forward_packed(m, tok, tgt, NULL, B, L, NULL) == SK_EUNSUP, "no packed rows");
    /* state carry: 8 + 8 positions equal 16 (loss), and the step gives the U-Net's logits */
    sk_model_state *st = NULL;
    double l1 = 0, la = 0, lb = 0;
    SK_CHECK(sk_model_state_create(m, 1, &st) == 0, "state");
    SK_CHECK(sk_model_forward_state(m, st, tok, tgt, NULL, L, &l1) == 0, "one call: %s", sk_errmsg());
    SK_CHECK(sk_model_state_reset(st) == 0 && sk_model_forward_state(m, st, tok, tgt, NULL, 8, &la) == 0 &&
                 sk_model_forward_state(m, st, tok + 8, tgt + 8, NULL, 8, &lb) == 0, "two calls");
    SK_CHECK(fabs((la + lb) / 2 - l1) < 1e-5 * l1, "U-Net state carry: %.9g vs %.9g", (la + lb) / 2, l1);
    float z1[256], z2[256];
    sk_unet_state *us = NULL;
    SK_CHECK(sk_model_state_reset(st) == 0 && sk_model_step(m, st, tok, z1) == 0, "step");
    SK_CHECK(sk_unet_state_create(own, 1, &us) == 0 && sk_unet_step(own, us, tok, z2) == 0, "own step");
    SK_CHECK(!memcmp(z1, z2, sizeof z1), "step logits");
    sk_unet_state_free(us);
    sk_model_state_free(st);
    char path[512];
    snprintf(path, sizeof path, "%s/u.safetensors", dir);
    sk_model *r = NULL;
    SK_CHECK(sk_model_save(m, path) == 0 && sk_model_load(&r, path, be, 1, 4, 0) == 0, "save/load: %s", sk_errmsg());
    SK_CHECK(r && sk_model_kind(r) == SK_MODEL_UNET, "loaded U-Net");
    sk_model_free(r);
    SK_CHECK(sk_model_load(&r, path, be, 1, 4, SK_MODEL_NEED_BACKBONE) != 0, "a U-Net has no backbone");
    SK_CHECK(sk_model_load(&r, path, be, 1, 4, SK_MODEL_LM_ONLY) != 0, "a U-Net is not an LM");
    sk_model_free(m);
    sk_unet_free(own);
    sk_model_config_free(c);
}

static void test_classifier(const sk_backend *be, const char *dir) {
    sk_mamba_config mc;
    sk_mamba_config_defaults(&mc);
    mc.blk.d_model = 16, mc.n_layer = 1, mc.vocab_size = 12, mc.blk.d_state = 4;
    SK_CHECK(sk_mamba_config_finish(&mc, "t") == 0, "config");
    const char *names[] = {"a", "b", "c"};
    sk_classifier *clf = NULL;
    sk_model *m = NULL;
    SK_CHECK(sk_classifier_create(&clf, &mc, 3, names, be, 2, 8, SK_MODEL_GRADS) == 0 && sk_classifier_init(clf, 1) == 0,
             "classifier");
    SK_CHECK(sk_model_wrap_classifier(&m, clf) == 0 && sk_model_kind(m) == SK_MODEL_CLASSIFIER, "wrap");
    SK_CHECK(sk_model_backbone(m) == sk_classifier_backbone(clf) && sk_model_logits_width(m) == 3 &&
                 sk_model_vocab(m) == 12, "classifier properties");
    SK_CHECK(sk_model_step(m, NULL, NULL, NULL) == SK_EUNSUP && sk_model_set_chunk(m, 4, 8) == SK_EUNSUP, "unsupported");
    char path[512];
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    sk_model *r = NULL;
    SK_CHECK(sk_model_save(m, path) == 0 && sk_model_load(&r, path, be, 2, 8, SK_MODEL_NEED_BACKBONE) == 0,
             "save/load: %s", sk_errmsg());
    SK_CHECK(r && sk_model_kind(r) == SK_MODEL_CLASSIFIER && sk_model_numel(r) == sk_model_numel(m), "loaded classifier");
    sk_model_free(r);
    sk_model_free(m);
}

int main(void) {
    const sk_backend *be = sk_backend_cpu();
    char dir[] = "/tmp/test_model_XXXXXX";
    SK_CHECK(mkdtemp(dir) != NULL, "temp dir");
    test_lm(be, dir);
    test_unet(be, dir);
    test_classifier(be, dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
    return sk_test_finish("test_model");
}
