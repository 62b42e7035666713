/* sk_classifier.c — last-position linear classifier on a Mamba backbone. See sk_classifier.h.
 * Shapes: b rows, L positions, d = d_model, K classes, F = frame_dim (frames classifier). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sk_classifier.h"
#include "models/sk_trainer.h"
#include "src/sk_json.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"

#define ARCH "mamba-classifier"

struct sk_classifier {
    sk_mamba_lm *lm;
    const sk_backend *be;
    int64_t K, d, max_b, max_L;
    int64_t F;                     /* frame_dim: > 0 for a classifier on frames, 0 for tokens */
    int flags;
    char **classes;
    sk_param *params; /* backbone (without lm_head.weight) + head */
    int np;
    sk_arena pa, ga, aa;
    void *pbase, *gbase, *abase;
    float *W, *bias, *gW, *gbias;  /* (K, d), (K) */
    float *fw, *fb, *gfw, *gfb;    /* frames: the frontend (d, F), (d) */
    float *x, *r0, *ones;          /* frames: the input (max_b, max_L, F), r_0 = x fw^T + fb (max_b, max_L, d), ones (max_b * max_L) */
    float *last, *dlast;           /* (max_b, d) pooled hidden state (last position or mean) and its gradient */
    float *wts, *hwts;             /* (max_b, max_L) mean-pool weights (1/n or 0 at pad tokens), backend and host */
    int pool;                      /* SK_POOL_LAST or SK_POOL_MEAN */
    int32_t pad;                   /* mean pool: token id left out of the mean (-1 = none) */
    float *logits, *dlogits, *losses; /* (max_b, K), (max_b, K), (max_b) */
    void *labels;                  /* (max_b) int32 */
    float *host;                   /* (max_b * K) host scratch */
    char **meta;                   /* key, value pairs of the loaded file; NULL-terminated */
    int64_t b, L;
    int fwd_ok, have_grad;
};

void sk_classifier_free(sk_classifier *c) {
    if (!c) return;
    if (c->be) c->be->free(c->pbase), c->be->free(c->gbase), c->be->free(c->abase);
    c->pa.base = c->ga.base = c->aa.base = NULL;
    sk_arena_free(&c->pa), sk_arena_free(&c->ga), sk_arena_free(&c->aa);
    sk_mamba_lm_free(c->lm);
    for (int64_t i = 0; c->classes && i < c->K; i++) free(c->classes[i]);
    for (int i = 0; c->meta && c->meta[i]; i++) free(c->meta[i]);
    free(c->meta), free(c->classes), free(c->params), free(c->host), free(c->hwts);
    free(c);
}

/* Wrap a backbone `lm` (taken over) with a new head of K classes, and a frontend of F-wide frames when F > 0 (then
 * the backbone has no embedding). */
static int wrap(sk_classifier **out, sk_mamba_lm *lm, int K, const char *const *classes, int64_t max_b, int64_t max_L,
                int flags, int64_t F) {
    *out = NULL;
    int64_t nhead;
    if (K < 2 || K > SK_CLASSIFIER_MAX_CLASSES ||
        sk_size_mul("classifier", "batch x classes", &nhead, 2, (int64_t[]){max_b, K})) {
        sk_mamba_lm_free(lm);
        return K < 2 || K > SK_CLASSIFIER_MAX_CLASSES
                   ? sk_error(SK_EINVAL, "classifier: needs 2 to %d classes, got %d", SK_CLASSIFIER_MAX_CLASSES, K)
                   : SK_ENOMEM;
    }
    sk_classifier *c = calloc(1, sizeof *c);
    if (!c) {
        sk_mamba_lm_free(lm);
        return sk_error(SK_ENOMEM, "classifier: out of memory");
    }
    c->lm = lm, c->be = sk_mamba_lm_backend(lm), c->K = K, c->d = sk_mamba_lm_config(lm)->blk.d_model;
    c->max_b = max_b, c->max_L = max_L, c->flags = flags, c->F = F;
    int nlm = sk_mamba_lm_nparams(lm);
    c->classes = calloc((size_t)K, sizeof(char *));
    c->params = calloc((size_t)nlm + 4, sizeof(sk_param));
    c->host = malloc((size_t)(max_b * K) * sizeof(float));
    c->hwts = malloc((size_t)(max_b * max_L) * sizeof(float));
    c->pad = -1;
    int rc = !c->classes || !c->params || !c->host || !c->hwts ? sk_error(SK_ENOMEM, "classifier: out of memory") : 0;
    for (int i = 0; i < K && !rc; i++) {
        if (!classes[i] || !*classes[i]) rc = sk_error(SK_EINVAL, "classifier: class %d has an empty name", i);
        for (int j = 0; j < i && !rc; j++)
            if (!strcmp(classes[i], classes[j])) rc = sk_error(SK_EINVAL, "classifier: class \"%s\" appears twice", classes[i]);
        if (!rc && !(c->classes[i] = strdup(classes[i]))) rc = sk_error(SK_ENOMEM, "classifier: out of memory");
    }
    sk_param *pfw = NULL, *pfb = NULL;
    if (F) { /* the frontend first, as the embedding it replaces */
        pfw = &c->params[c->np++], pfb = &c->params[c->np++];
        snprintf(pfw->name, sizeof pfw->name, "frontend.weight");
        pfw->ndim = 2, pfw->shape[0] = c->d, pfw->shape[1] = F, pfw->numel = c->d * F;
        snprintf(pfb->name, sizeof pfb->name, "frontend.bias");
        pfb->ndim = 1, pfb->shape[0] = c->d, pfb->numel = c->d, pfb->no_weight_decay = 1;
    }
    for (int i = 0; i < nlm && !rc; i++) { /* the backbone's parameters, not an untied LM head */
        const sk_param *p = sk_mamba_lm_param(lm, i);
        if (strcmp(p->name, "lm_head.weight")) c->params[c->np++] = *p;
    }
    sk_param *pw = &c->params[c->np++], *pb = &c->params[c->np++];
    snprintf(pw->name, sizeof pw->name, "classifier.weight");
    pw->ndim = 2, pw->shape[0] = K, pw->shape[1] = c->d, pw->numel = K * c->d;
    snprintf(pb->name, sizeof pb->name, "classifier.bias");
    pb->ndim = 1, pb->shape[0] = K, pb->numel = K, pb->no_weight_decay = 1;
    sk_arena_init(&c->pa, "head parameters", sizeof(float));
    sk_arena_init(&c->ga, "head gradients", sizeof(float));
    sk_arena_init(&c->aa, "head activations", sizeof(float));
    const int64_t rows = max_b * max_L, grads = flags & SK_MODEL_GRADS;
    if (!rc && F) rc = sk_arena_add(&c->pa, "frontend.weight", c->d * F, (void **)&c->fw);
    if (!rc && F) rc = sk_arena_add(&c->pa, "frontend.bias", c->d, (void **)&c->fb);
    if (!rc && F && grads) rc = sk_arena_add(&c->ga, "frontend.weight", c->d * F, (void **)&c->gfw);
    if (!rc && F && grads) rc = sk_arena_add(&c->ga, "frontend.bias", c->d, (void **)&c->gfb);
    if (!rc && F) rc = sk_arena_add(&c->aa, "frames", rows * F, (void **)&c->x);
    if (!rc && F) rc = sk_arena_add(&c->aa, "frontend_out", rows * c->d, (void **)&c->r0);
    if (!rc && F) rc = sk_arena_add(&c->aa, "ones", rows, (void **)&c->ones);
    if (!rc) rc = sk_arena_add(&c->pa, "classifier.weight", K * c->d, (void **)&c->W);
    if (!rc) rc = sk_arena_add(&c->pa, "classifier.bias", K, (void **)&c->bias);
    if (!rc && (flags & SK_MODEL_GRADS)) rc = sk_arena_add(&c->ga, "classifier.weight", K * c->d, (void **)&c->gW);
    if (!rc && (flags & SK_MODEL_GRADS)) rc = sk_arena_add(&c->ga, "classifier.bias", K, (void **)&c->gbias);
    if (!rc) rc = sk_arena_add(&c->aa, "last_hidden", max_b * c->d, (void **)&c->last);
    if (!rc) rc = sk_arena_add(&c->aa, "d_last_hidden", max_b * c->d, (void **)&c->dlast);
    if (!rc) rc = sk_arena_add(&c->aa, "pool_weights", max_b * max_L, (void **)&c->wts);
    if (!rc) rc = sk_arena_add(&c->aa, "logits", max_b * K, (void **)&c->logits);
    if (!rc) rc = sk_arena_add(&c->aa, "d_logits", max_b * K, (void **)&c->dlogits);
    if (!rc) rc = sk_arena_add(&c->aa, "losses", max_b, (void **)&c->losses);
    if (!rc) rc = sk_arena_add(&c->aa, "labels", max_b, &c->labels);
    const int alloc = !(flags & SK_MODEL_PLAN); /* a plan only sizes the arenas */
    if (!rc && alloc) rc = sk_arena_alloc_on(&c->pa, c->be, &c->pbase);
    if (!rc && alloc && (flags & SK_MODEL_GRADS)) rc = sk_arena_alloc_on(&c->ga, c->be, &c->gbase);
    if (!rc && alloc) rc = sk_arena_alloc_on(&c->aa, c->be, &c->abase);
    if (rc) {
        sk_classifier_free(c);
        return rc;
    }
    pw->w = c->W, pw->g = c->gW, pb->w = c->bias, pb->g = c->gbias;
    if (F) pfw->w = c->fw, pfw->g = c->gfw, pfb->w = c->fb, pfb->g = c->gfb;
    if (F && alloc) { /* the ones column of the frontend's bias GEMMs */
        float *h1 = malloc((size_t)rows * sizeof(float));
        rc = h1 ? SK_OK : sk_error(SK_ENOMEM, "classifier: out of memory");
        for (int64_t i = 0; !rc && i < rows; i++) h1[i] = 1.0f;
        if (!rc) rc = c->be->upload(c->ones, h1, (size_t)rows * sizeof(float));
        free(h1);
        if (rc) {
            sk_classifier_free(c);
            return rc;
        }
    }
    *out = c;
    return SK_OK;
}

int sk_classifier_create(sk_classifier **out, const sk_mamba_config *cfg, int n_classes, const char *const *classes,
                         const sk_backend *be, int64_t max_batch, int64_t max_len, int flags) {
    *out = NULL;
    sk_mamba_lm *lm;
    TRY(sk_mamba_lm_create(&lm, cfg, be, max_batch, max_len, flags));
    return wrap(out, lm, n_classes, classes, max_batch, max_len, flags, 0);
}

int sk_classifier_create_frames(sk_classifier **out, const sk_mamba_config *cfg, int frame_dim, int n_classes,
                                const char *const *classes, const sk_backend *be, int64_t max_batch, int64_t max_len,
                                int flags) {
    *out = NULL;
    int64_t n;
    if (frame_dim < 1 || frame_dim > SK_CLASSIFIER_MAX_FRAME_DIM)
        return sk_error(SK_EINVAL, "classifier: \"frame_dim\" must be in [1, %d] (got %d)", SK_CLASSIFIER_MAX_FRAME_DIM,
                        frame_dim);
    TRY(sk_size_mul("classifier", "the frames (batch x length x frame_dim)", &n, 3,
                    (int64_t[]){max_batch, max_len, frame_dim}));
    sk_mamba_lm *lm;
    TRY(sk_mamba_lm_create(&lm, cfg, be, max_batch, max_len, flags | SK_MAMBA_NO_EMBEDDING));
    return wrap(out, lm, n_classes, classes, max_batch, max_len, flags, frame_dim);
}
int sk_classifier_frame_dim(const sk_classifier *c) { return (int)c->F; }

/* torch.nn.Linear default init of a (out, in) weight W and its bias: both U(+-1/sqrt(in)), from the
 * random stream `stream` of seed. */
static int init_linear(const sk_backend *be, float *W, float *bias, int64_t out, int64_t in, uint64_t seed,
                       uint64_t stream) {
    int64_t n = out * in + out;
    float *h = malloc((size_t)n * sizeof(float));
    if (!h) return sk_error(SK_ENOMEM, "classifier: out of memory");
    sk_rng r;
    sk_rng_seed(&r, seed, stream);
    double bound = 1 / sqrt((double)in);
    for (int64_t i = 0; i < n; i++) h[i] = (float)((2 * sk_rng_uniform(&r) - 1) * bound);
    int rc = be->upload(W, h, (size_t)(out * in) * sizeof(float));
    if (!rc) rc = be->upload(bias, h + out * in, (size_t)out * sizeof(float));
    free(h);
    return rc;
}
/* the head (K, d): stream "HEAD", independent of the backbone's streams */
static int init_head(sk_classifier *c, uint64_t seed) { return init_linear(c->be, c->W, c->bias, c->K, c->d, seed, 0x48454144u); }

int sk_classifier_init(sk_classifier *c, uint64_t seed) {
    TRY(sk_mamba_lm_init(c->lm, seed));
    if (c->F) TRY(init_linear(c->be, c->fw, c->fb, c->d, c->F, seed, 0x46524e54u)); /* the frontend: stream "FRNT" */
    return init_head(c, seed);
}

/* The __metadata__.config of an open safetensors file, parsed; NULL (no error) if absent. */
static int parse_config(const sk_st *st, const char *path, cJSON **j) {
    *j = NULL;
    const char *cfg = sk_st_meta(st, "config");
    if (!cfg) return SK_OK;
    char what[1100];
    snprintf(what, sizeof what, "%s: __metadata__.config", path);
    return sk_json_parse(cfg, (int64_t)strlen(cfg), what, j);
}

static const char *arch_of(const cJSON *j) {
    const cJSON *a = j ? cJSON_GetObjectItemCaseSensitive(j, "arch") : NULL;
    return cJSON_IsString(a) ? a->valuestring : NULL;
}

int sk_classifier_from_lm(sk_classifier **out, const char *lm_path, int n_classes, const char *const *classes,
                          const sk_backend *be, int64_t max_batch, int64_t max_len, int flags, uint64_t seed) {
    *out = NULL;
    /* a file (not a mamba_ssm / HF folder) must be a language model, not a classifier */
    FILE *f = fopen(lm_path, "rb");
    int is_file = f != NULL;
    if (f) fclose(f);
    sk_st *st = NULL;
    if (is_file && sk_st_open(lm_path, &st) == SK_OK) { /* not safetensors: sk_mamba_lm_load says why */
        cJSON *j = NULL;
        int rc = parse_config(st, lm_path, &j);
        sk_st_close(st);
        const char *arch = arch_of(j);
        if (!rc && arch && !strcmp(arch, ARCH))
            rc = sk_error(SK_EINVAL, "%s is a classifier checkpoint, not a pretrained language model: fine-tuning starts "
                                     "from an LM (ssmkit train); to classify with it use ssmkit classify -m %s",
                          lm_path, lm_path);
        else if (!rc && arch && strcmp(arch, "mamba-lm"))
            rc = sk_error(SK_EINVAL, "%s: a \"%s\" checkpoint, not a Mamba language model (arch \"mamba-lm\")", lm_path, arch);
        cJSON_Delete(j);
        if (rc) return rc;
    }
    sk_mamba_lm *lm;
    TRY(sk_mamba_lm_load(&lm, lm_path, be, max_batch, max_len, flags));
    TRY(wrap(out, lm, n_classes, classes, max_batch, max_len, flags, 0));
    int rc = init_head(*out, seed);
    if (rc) sk_classifier_free(*out), *out = NULL;
    return rc;
}

/* Every parameter of the table is in st with the table's shape (c may be a plan). */
static int check_table(const sk_classifier *c, const sk_st *st) {
    for (int i = 0; i < c->np; i++) {
        const sk_param *p = &c->params[i];
        const sk_st_tensor *t = sk_st_find(st, p->name);
        if (!t) return sk_error(SK_EFORMAT, "%s: tensor %s is missing", sk_st_path(st), p->name);
        int same = t->ndim == p->ndim;
        for (int k = 0; same && k < p->ndim; k++) same = t->shape[k] == p->shape[k];
        char fd[48] = "";
        if (c->F) snprintf(fd, sizeof fd, ", frame_dim %lld", (long long)c->F);
        if (!same)
            return sk_error(SK_EFORMAT, "%s: tensor %s has %d dims [%lld, %lld, ...] but the config (d_model %lld, %lld "
                                        "classes%s) expects [%lld, %lld, ...]", sk_st_path(st), p->name, t->ndim,
                            (long long)(t->ndim > 0 ? t->shape[0] : 0), (long long)(t->ndim > 1 ? t->shape[1] : 0),
                            (long long)c->d, (long long)c->K, fd, (long long)p->shape[0],
                            (long long)(p->ndim > 1 ? p->shape[1] : 0));
    }
    return SK_OK;
}

/* Read every parameter of the table from st by name (shapes checked by check_table). */
static int load_table(sk_classifier *c, const sk_st *st) {
    int64_t maxn = 1;
    int big = 0;
    for (int i = 0; i < c->np; i++)
        if (c->params[i].numel > maxn) maxn = c->params[i].numel, big = i;
    float *h = malloc((size_t)maxn * sizeof(float));
    if (!h)
        return sk_error(SK_ENOMEM, "%s: out of memory for a host copy of tensor %s (%.1f MiB)", sk_st_path(st),
                        c->params[big].name, (double)maxn * 4 / 1048576.0);
    int rc = 0;
    for (int i = 0; i < c->np && !rc; i++) {
        const sk_param *p = &c->params[i];
        rc = sk_st_read_f32(st, p->name, h, p->numel);
        if (!rc) rc = c->be->upload(p->w, h, (size_t)p->numel * sizeof(float));
    }
    free(h);
    return rc;
}

/* A classifier on tokens (F = 0) or on frames of F values. */
static int create_any(sk_classifier **out, const sk_mamba_config *cfg, int F, int K, const char *const *names,
                      const sk_backend *be, int64_t max_batch, int64_t max_len, int flags) {
    return F ? sk_classifier_create_frames(out, cfg, F, K, names, be, max_batch, max_len, flags)
             : sk_classifier_create(out, cfg, K, names, be, max_batch, max_len, flags);
}

int sk_classifier_load(sk_classifier **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len,
                       int flags) {
    *out = NULL;
    cJSON *j = NULL;
    sk_st *st = NULL;
    int rc = sk_st_open(path, &st);
    if (!rc) rc = parse_config(st, path, &j);
    const char *arch = arch_of(j);
    char what[1100];
    snprintf(what, sizeof what, "%s: __metadata__.config", path);
    if (!rc && !j) rc = sk_error(SK_EFORMAT, "%s: no __metadata__[\"config\"], so not an ssmkit classifier", path);
    else if (!rc && (!arch || !strcmp(arch, "mamba-lm")))
        rc = sk_error(SK_EINVAL, "%s is a language-model checkpoint, not a classifier: fine-tune it first "
                                 "(ssmkit finetune --init %s ...)", path, path);
    else if (!rc && strcmp(arch, ARCH))
        rc = sk_error(SK_EINVAL, "%s: a \"%s\" checkpoint, not a classifier (arch \"" ARCH "\")", path, arch);
    sk_mamba_config cfg;
    const cJSON *cls = j ? cJSON_GetObjectItemCaseSensitive(j, "classes") : NULL;
    const cJSON *bb = j ? cJSON_GetObjectItemCaseSensitive(j, "backbone") : NULL;
    if (!rc && (!cJSON_IsArray(cls) || cJSON_GetArraySize(cls) < 2 || cJSON_GetArraySize(cls) > SK_CLASSIFIER_MAX_CLASSES))
        rc = sk_error(SK_EFORMAT, "%s: \"classes\" must be an array of at least 2 names (at most %d)", what, SK_CLASSIFIER_MAX_CLASSES);
    if (!rc && !cJSON_IsObject(bb)) rc = sk_error(SK_EFORMAT, "%s: \"backbone\" must be a Mamba config object", what);
    if (!rc) rc = sk_mamba_config_from_json(bb, what, &cfg);
    if (!rc) rc = sk_mamba_config_finish(&cfg, what);
    int K = rc ? 0 : cJSON_GetArraySize(cls);
    const char **names = K ? calloc((size_t)K, sizeof(char *)) : NULL;
    if (!rc && !names) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    for (int i = 0; i < K && !rc; i++) {
        const cJSON *it = cJSON_GetArrayItem(cls, i);
        if (!cJSON_IsString(it)) rc = sk_error(SK_EFORMAT, "%s: classes[%d] is not a string", what, i);
        else names[i] = it->valuestring;
    }
    const cJSON *pj = j ? cJSON_GetObjectItemCaseSensitive(j, "pool") : NULL; /* absent: "last" (older files) */
    int pool = SK_POOL_LAST;
    if (!rc && pj && (!cJSON_IsString(pj) || (strcmp(pj->valuestring, "last") && strcmp(pj->valuestring, "mean"))))
        rc = sk_error(SK_EFORMAT, "%s: \"pool\" must be \"last\" or \"mean\"", what);
    else if (!rc && pj && !strcmp(pj->valuestring, "mean")) pool = SK_POOL_MEAN;
    const cJSON *padj = j ? cJSON_GetObjectItemCaseSensitive(j, "pad_token") : NULL;
    int32_t pad = -1;
    if (!rc && padj && (!cJSON_IsNumber(padj) || padj->valuedouble != (double)(int32_t)padj->valuedouble ||
                        padj->valuedouble < -1))
        rc = sk_error(SK_EFORMAT, "%s: \"pad_token\" must be a token id or -1", what);
    else if (!rc && padj) pad = (int32_t)padj->valuedouble;
    const cJSON *fj = j ? cJSON_GetObjectItemCaseSensitive(j, "frame_dim") : NULL; /* absent or 0: tokens */
    int F = 0;
    if (!rc && fj && (!cJSON_IsNumber(fj) || fj->valuedouble != (double)(int)fj->valuedouble || fj->valuedouble < 0 ||
                      fj->valuedouble > SK_CLASSIFIER_MAX_FRAME_DIM))
        rc = sk_error(SK_EFORMAT, "%s: \"frame_dim\" must be an integer in [0, %d]", what, SK_CLASSIFIER_MAX_FRAME_DIM);
    else if (!rc && fj) F = (int)fj->valuedouble;
    /* the tensors' shapes against the config before anything is allocated (a plan first) */
    sk_classifier *c = NULL;
    if (!rc && (rc = create_any(&c, &cfg, F, K, names, be, max_batch, max_len, flags | SK_MODEL_PLAN)))
        sk_error_wrap(rc, "%s: ", path);
    if (!rc) rc = check_table(c, st);
    if (!rc && !(flags & SK_MODEL_PLAN)) {
        sk_classifier_free(c), c = NULL;
        if ((rc = create_any(&c, &cfg, F, K, names, be, max_batch, max_len, flags))) sk_error_wrap(rc, "%s: ", path);
        if (!rc) rc = load_table(c, st);
    }
    if (!rc) c->pool = pool, c->pad = pad;
    /* keep the metadata (tokenizer, provenance, ...) */
    if (!rc) {
        int64_t n = sk_st_meta_count(st);
        c->meta = calloc((size_t)(2 * n + 1), sizeof(char *));
        if (!c->meta) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
        for (int64_t i = 0; i < n && !rc; i++) {
            const char *v, *k = sk_st_meta_at(st, i, &v);
            if (!(c->meta[2 * i] = strdup(k)) || !(c->meta[2 * i + 1] = strdup(v)))
                rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
        }
    }
    free(names);
    cJSON_Delete(j);
    sk_st_close(st);
    if (rc) {
        sk_classifier_free(c);
        return rc;
    }
    *out = c;
    return SK_OK;
}

int sk_classifier_set_pool(sk_classifier *c, int pool, int32_t pad_token) {
    if (pool != SK_POOL_LAST && pool != SK_POOL_MEAN) return sk_error(SK_EINVAL, "classifier: unknown pool %d", pool);
    c->pool = pool, c->pad = pad_token < 0 ? -1 : pad_token, c->fwd_ok = 0;
    return SK_OK;
}
int sk_classifier_pool(const sk_classifier *c) { return c->pool; }
int sk_classifier_nclasses(const sk_classifier *c) { return (int)c->K; }
const char *sk_classifier_class(const sk_classifier *c, int i) { return i >= 0 && i < c->K ? c->classes[i] : NULL; }
sk_mamba_lm *sk_classifier_backbone(sk_classifier *c) { return c->lm; }
int64_t sk_classifier_max_batch(const sk_classifier *c) { return c->max_b; }
int64_t sk_classifier_max_len(const sk_classifier *c) { return c->max_L; }
int sk_classifier_nparams(const sk_classifier *c) { return c->np; }
const sk_param *sk_classifier_param(const sk_classifier *c, int i) { return i >= 0 && i < c->np ? &c->params[i] : NULL; }
const char *sk_classifier_meta(const sk_classifier *c, const char *key) {
    for (int i = 0; c->meta && c->meta[i]; i += 2)
        if (!strcmp(c->meta[i], key)) return c->meta[i + 1];
    return NULL;
}

/* The head on n rows of the backbone's last hidden states hf (rows, d): h[i] = hf[row_i] with
 * row_i = pos[i], or the last position of row i of a (n, L) forward when pos is NULL;
 * logits = h W^T + bias   (n, K). */
/* logits = h W^T + bias (n, K) from the pooled hidden states h = c->last (n, d) */
static int head(sk_classifier *c, int64_t n, int64_t L) {
    const sk_backend *be = c->be;
    const int64_t d = c->d, K = c->K;
    TRY(be->gemm(0, 1, n, K, d, 1, c->last, d, c->W, d, 0, c->logits, K));
    for (int64_t i = 0; i < n; i++) TRY(be->axpy(c->logits + i * K, c->bias, 1.0f, K));
    c->b = n, c->L = L, c->fwd_ok = 1;
    return SK_OK;
}

int sk_classifier_head_at(sk_classifier *c, const int64_t *pos, int64_t n) {
    c->fwd_ok = 0, c->have_grad = 0;
    const sk_mamba_lm *lm = c->lm;
    const int64_t rows = sk_mamba_lm_max_batch(lm) * sk_mamba_lm_max_len(lm), d = c->d;
    if (n < 1 || n > c->max_b) return sk_error(SK_EINVAL, "classifier: %lld head rows, not in [1, %lld]", (long long)n, (long long)c->max_b);
    for (int64_t i = 0; i < n; i++)
        if (pos[i] < 0 || pos[i] >= rows)
            return sk_error(SK_EINVAL, "classifier: hidden row %lld is outside the backbone's %lld rows", (long long)pos[i], (long long)rows);
    const float *hf = sk_mamba_lm_hidden(c->lm);
    for (int64_t i = 0; i < n; i++) TRY(c->be->copy(c->last + i * d, hf + pos[i] * d, (size_t)d * sizeof(float)));
    return head(c, n, 1);
}

int sk_classifier_head_on(sk_classifier *c, const float *h, int64_t n) {
    c->fwd_ok = 0, c->have_grad = 0;
    if (n < 1 || n > c->max_b) return sk_error(SK_EINVAL, "classifier: %lld head rows, not in [1, %lld]", (long long)n, (long long)c->max_b);
    TRY(c->be->upload(c->last, h, (size_t)(n * c->d) * sizeof(float)));
    return head(c, n, 1);
}

/* The number of labelled rows (labels in [0, K) or -1), or an error naming a label outside. */
static int count_labels(const sk_classifier *c, const int32_t *labels, int64_t b, int64_t *count) {
    *count = 0;
    for (int64_t i = 0; labels && i < b; i++) {
        if (labels[i] < -1 || labels[i] >= c->K)
            return sk_error(SK_EINVAL, "classifier: label %d of row %lld is outside [0, %lld)", labels[i], (long long)i,
                            (long long)c->K);
        *count += labels[i] >= 0;
    }
    return SK_OK;
}

/* After the backbone's forward of b x L rows: pool, head, and the loss of the `count` labelled rows.
 * tokens: the input tokens (the mean pool leaves out the pad token), NULL for frames (every position). */
static int pool_head_loss(sk_classifier *c, const int32_t *tokens, const int32_t *labels, int64_t count, int64_t b,
                          int64_t L, double *loss) {
    const sk_backend *be = c->be;
    const int64_t d = c->d, K = c->K;
    /* last: h[i] = hf[i, L-1, :];  mean: h[i] = (1/n_i) sum_{l: tokens[i,l] != pad} hf[i, l, :] = wts[i] hf[i]
     * with wts[i] (1, L) = 1/n_i at the n_i positions that are not pad, 0 elsewhere (all positions
     * if every one is pad)   (b, d) */
    const float *hf = sk_mamba_lm_hidden(c->lm);
    if (c->pool == SK_POOL_MEAN) {
        for (int64_t i = 0; i < b; i++) {
            int64_t n = 0;
            for (int64_t l = 0; l < L; l++) n += !tokens || tokens[i * L + l] != c->pad;
            for (int64_t l = 0; l < L; l++)
                c->hwts[i * L + l] = !n ? 1.0f / (float)L : !tokens || tokens[i * L + l] != c->pad ? 1.0f / (float)n : 0.0f;
        }
        TRY(be->upload(c->wts, c->hwts, (size_t)(b * L) * sizeof(float)));
    }
    for (int64_t i = 0; i < b; i++) {
        if (c->pool == SK_POOL_MEAN)
            TRY(be->gemm(0, 0, 1, d, L, 1, c->wts + i * L, L, hf + i * L * d, d, 0, c->last + i * d, d));
        else TRY(be->copy(c->last + i * d, hf + (i * L + L - 1) * d, (size_t)d * sizeof(float)));
    }
    TRY(head(c, b, L));
    if (labels) {
        TRY(be->upload(c->labels, labels, (size_t)b * sizeof(int32_t)));
        float *dl = (c->flags & SK_MODEL_GRADS) ? c->dlogits : NULL;
        /* losses[i] = -log softmax(logits[i])[label]; dlogits = (softmax - onehot) / count */
        TRY(be->xent(c->losses, dl, c->logits, (const int32_t *)c->labels, b, K, -1, count ? 1.0f / (float)count : 0.0f));
        TRY(be->download(c->host, c->losses, (size_t)b * sizeof(float)));
        double s = 0;
        for (int64_t i = 0; i < b; i++) s += labels[i] >= 0 ? c->host[i] : 0;
        if (loss) *loss = count ? s / (double)count : 0;
        c->have_grad = dl != NULL;
    }
    return SK_OK;
}

int sk_classifier_forward(sk_classifier *c, const int32_t *tokens, const int32_t *labels, int64_t b, int64_t L,
                          double *loss) {
    c->fwd_ok = 0, c->have_grad = 0;
    if (c->F)
        return sk_error(SK_EINVAL, "classifier: this classifier reads frames of %lld values (frame_dim), not tokens",
                        (long long)c->F);
    int64_t count;
    TRY(count_labels(c, labels, b, &count));
    TRY(sk_mamba_lm_forward_hidden(c->lm, tokens, b, L, NULL));
    return pool_head_loss(c, tokens, labels, count, b, L, loss);
}

int sk_classifier_forward_frames(sk_classifier *c, const float *x, const int32_t *labels, int64_t b, int64_t L,
                                 double *loss) {
    const sk_backend *be = c->be;
    const int64_t d = c->d, F = c->F, rows = b * L;
    c->fwd_ok = 0, c->have_grad = 0;
    if (!F) return sk_error(SK_EINVAL, "classifier: this classifier reads tokens, not frames (it has no frame_dim)");
    if (c->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "classifier: a memory plan (SK_MODEL_PLAN) cannot run");
    if (b < 1 || L < 1 || b > c->max_b || L > c->max_L)
        return sk_error(SK_EINVAL, "classifier: batch %lld x length %lld exceeds the model's %lld x %lld", (long long)b,
                        (long long)L, (long long)c->max_b, (long long)c->max_L);
    int64_t count;
    TRY(count_labels(c, labels, b, &count));
    for (int64_t i = 0; i < rows * F; i++)
        if (!isfinite(x[i]))
            return sk_error(SK_EINVAL, "classifier: frame value %lld of batch %lld position %lld is not finite",
                            (long long)(i % F), (long long)(i / F / L), (long long)(i / F % L));
    /* r_0 = ones (rows, 1) fb (1, d) + x (rows, F) fw^T (F, d)   (rows, d) */
    TRY(be->upload(c->x, x, (size_t)(rows * F) * sizeof(float)));
    TRY(be->gemm(0, 0, rows, d, 1, 1, c->ones, 1, c->fb, d, 0, c->r0, d));
    TRY(be->gemm(0, 1, rows, d, F, 1, c->x, F, c->fw, F, 1, c->r0, d));
    TRY(sk_mamba_lm_forward_input(c->lm, c->r0, b, L));
    return pool_head_loss(c, NULL, labels, count, b, L, loss);
}

int sk_classifier_features(const sk_classifier *c, float *h) {
    if (!c->fwd_ok) return sk_error(SK_EINVAL, "classifier: no forward to take features from");
    return c->be->download(h, c->last, (size_t)(c->b * c->d) * sizeof(float));
}

int sk_classifier_logprobs(const sk_classifier *c, double *logp) {
    if (!c->fwd_ok) return sk_error(SK_EINVAL, "classifier: no forward to take probabilities from");
    const int64_t K = c->K;
    TRY(c->be->download(c->host, c->logits, (size_t)(c->b * K) * sizeof(float)));
    for (int64_t i = 0; i < c->b; i++) { /* log p_k = z_k - max - log sum exp(z - max), in double */
        const float *z = c->host + i * K;
        double mx = z[0], s = 0;
        for (int64_t k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
        for (int64_t k = 0; k < K; k++) s += exp((double)z[k] - mx);
        for (int64_t k = 0; k < K; k++) logp[i * K + k] = (double)z[k] - mx - log(s);
    }
    return SK_OK;
}

int sk_classifier_backward(sk_classifier *c) {
    const sk_backend *be = c->be;
    const int64_t d = c->d, K = c->K, b = c->b, L = c->L;
    if (!(c->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "classifier backward: created without gradients");
    if (!c->fwd_ok || !c->have_grad) return sk_error(SK_EINVAL, "classifier backward: needs a forward with labels");
    /* dW += dlogits^T h;  dbias += sum_i dlogits[i];  dh = dlogits W */
    TRY(be->gemm(1, 0, K, d, b, 1, c->dlogits, K, c->last, d, 1, c->gW, d));
    for (int64_t i = 0; i < b; i++) TRY(be->axpy(c->gbias, c->dlogits + i * K, 1.0f, K));
    TRY(be->gemm(0, 0, b, d, K, 1, c->dlogits, K, c->W, d, 0, c->dlast, d));
    /* last: dhf = 0 except dhf[i, L-1, :] = dh[i];  mean: dhf[i] (L, d) = wts[i]^T (L, 1) dh[i] (1, d) */
    float *dhf = sk_mamba_lm_dhidden(c->lm);
    if (c->pool == SK_POOL_MEAN) {
        for (int64_t i = 0; i < b; i++)
            TRY(be->gemm(0, 0, L, d, 1, 1, c->wts + i * L, 1, c->dlast + i * d, d, 0, dhf + i * L * d, d));
    } else {
        TRY(be->memzero(dhf, (size_t)(b * L * d) * sizeof(float)));
        for (int64_t i = 0; i < b; i++)
            TRY(be->copy(dhf + (i * L + L - 1) * d, c->dlast + i * d, (size_t)d * sizeof(float)));
    }
    TRY(sk_mamba_lm_backward_hidden(c->lm));
    if (!c->F) return SK_OK;
    /* the frontend: d fw += dr0^T (d, rows) x (rows, F);  d fb += ones^T (1, rows) dr0 (rows, d) */
    const float *dr0 = sk_mamba_lm_dinput(c->lm);
    TRY(be->gemm(1, 0, d, c->F, b * L, 1, dr0, d, c->x, c->F, 1, c->gfw, c->F));
    return be->gemm(1, 0, 1, d, b * L, 1, c->ones, 1, dr0, d, 1, c->gfb, d);
}

int sk_classifier_zero_grad(sk_classifier *c) {
    TRY(sk_mamba_lm_zero_grad(c->lm));
    return c->be->memzero(c->gbase, (size_t)sk_arena_bytes(&c->ga));
}

char *sk_classifier_config_json(const sk_classifier *c) {
    char *bb = sk_mamba_config_to_json(sk_mamba_lm_config(c->lm));
    cJSON *j = cJSON_CreateObject(), *b = bb ? cJSON_Parse(bb) : NULL, *cls = cJSON_CreateArray();
    char *s = NULL;
    if (j && b && cls) {
        cJSON_AddStringToObject(j, "arch", ARCH);
        cJSON_AddItemToObject(j, "backbone", b), b = NULL;
        for (int64_t i = 0; i < c->K; i++) cJSON_AddItemToArray(cls, cJSON_CreateString(c->classes[i]));
        cJSON_AddItemToObject(j, "classes", cls), cls = NULL;
        cJSON_AddStringToObject(j, "pool", c->pool == SK_POOL_MEAN ? "mean" : "last");
        if (c->pool == SK_POOL_MEAN && !c->F) cJSON_AddNumberToObject(j, "pad_token", c->pad);
        if (c->F) cJSON_AddNumberToObject(j, "frame_dim", (double)c->F);
        s = cJSON_PrintUnformatted(j);
    }
    cJSON_Delete(j), cJSON_Delete(b), cJSON_Delete(cls);
    free(bb);
    return s;
}

int sk_classifier_save(const sk_classifier *c, const char *path, const char *const *meta) {
    int64_t maxn = 1;
    for (int i = 0; i < c->np; i++) maxn += c->params[i].numel;
    float *h = malloc((size_t)maxn * sizeof(float));
    char *cfg = sk_classifier_config_json(c);
    sk_stw *w = NULL;
    int rc = !h || !cfg ? sk_error(SK_ENOMEM, "%s: out of memory", path) : sk_stw_create(&w);
    int64_t off = 0;
    for (int i = 0; i < c->np && !rc; i++) {
        const sk_param *p = &c->params[i];
        rc = c->be->download(h + off, p->w, (size_t)p->numel * sizeof(float));
        if (!rc) rc = sk_stw_add(w, p->name, SK_F32, p->ndim, p->shape, h + off);
        off += p->numel;
    }
    if (!rc) rc = sk_stw_meta(w, "config", cfg);
    if (!rc) rc = sk_stw_meta(w, "format", "ssmkit");
    for (int i = 0; meta && meta[i] && meta[i + 1] && !rc; i += 2) rc = sk_stw_meta(w, meta[i], meta[i + 1]);
    if (!rc) rc = sk_stw_write(w, path);
    sk_stw_free(w);
    free(h), free(cfg);
    return rc;
}

int sk_classifier_forward_targets(sk_classifier *c, const int32_t *tokens, const int32_t *targets, int64_t b,
                                  int64_t L, double *loss) {
    if (b > c->max_b) return sk_error(SK_EINVAL, "classifier: batch %lld above %lld", (long long)b, (long long)c->max_b);
    int32_t lab[b > 0 ? b : 1];
    for (int64_t i = 0; i < b; i++) lab[i] = targets ? targets[i * L + L - 1] : -1; /* the last position's target */
    return sk_classifier_forward(c, tokens, targets ? lab : NULL, b, L, loss);
}
