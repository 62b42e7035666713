/* sk_unet.c — the U-Net: config, arenas, forward / backward, recurrent step, checkpoints.
 * See sk_unet.h for the architecture, the pool weight layout and the parameter names.
 *
 * Flat module list (forward order) m = 0..M-1 with stream buffers x[0..M]: x[0] = embedding,
 * x[m+1] = f_m(x[m]) (+ x[skip_m] when the module has a skip). Pushed values are x[0..nd]
 * (nd = number of down modules): the center's last block adds x[nd]; the j-th up module adds
 * x[nd-1-j]. Backward: dx[m] += f_m^T(dx[m+1]) and dx[skip_m] += dx[m+1].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "models/hoststep_impl.h"
#include "models/resblock_impl.h"
#include "models/sk_head.h"
#include "models/sk_init.h"
#include "models/sk_mamba_config.h"
#include "models/sk_unet.h"
#include "models/ssm_impl.h"
#include <cjson/cJSON.h>
#include "src/sk_json.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"

/* ================================ config ==================================================== */

int sk_unet_config_is_unet(const cJSON *o) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "arch");
    return cJSON_IsString(a) && !strcmp(a->valuestring, "unet");
}

/* Parse a block template: the block fields of an LM config, which is completed with
 * d_model/n_layer/vocab_size/norm_epsilon for the LM config's parser and checks. */
static int block_from_json(const cJSON *o, const char *what, int64_t d, int64_t n, double eps, sk_block_config *c) {
    static const char *const reserved[] = {"d_model", "n_layer", "vocab_size", "arch", "norm_epsilon",
                                           "tie_embeddings", "pad_vocab_size_multiple", NULL};
    if (o && !cJSON_IsObject(o)) return sk_error(SK_EINVAL, "%s: expected an object", what);
    for (const char *const *k = reserved; *k; k++)
        if (o && cJSON_GetObjectItemCaseSensitive(o, *k))
            return sk_error(SK_EINVAL, "%s: field \"%s\" belongs to the U-Net, not to a block", what, *k);
    cJSON *t = o ? cJSON_Duplicate(o, 1) : cJSON_CreateObject();
    if (!t) return sk_error(SK_ENOMEM, "%s: out of memory", what);
    cJSON_AddNumberToObject(t, "d_model", (double)d);
    cJSON_AddNumberToObject(t, "n_layer", (double)n);
    cJSON_AddNumberToObject(t, "vocab_size", 256);
    cJSON_AddNumberToObject(t, "norm_epsilon", eps);
    sk_mamba_config lm;
    int rc = sk_mamba_config_from_json(t, what, &lm);
    cJSON_Delete(t);
    if (!rc) *c = lm.blk;
    return rc;
}

static int config_finish(sk_unet_config *c, const char *what) {
    TRY(sk_config_int_range(what, "d_model", c->d_model, 1, SK_CONFIG_MAX_WIDTH));
    TRY(sk_config_int_range(what, "n_layer", c->n_layer, 1, SK_UNET_MAX_LAYERS));
    if (c->n_pool < 1 || c->n_pool > SK_UNET_MAX_POOLS)
        return sk_error(SK_EINVAL, "%s: pool needs 1 to %d factors", what, SK_UNET_MAX_POOLS);
    TRY(sk_config_int_range(what, "pool_expand", c->pool_expand, 1, SK_UNET_MAX_FACTOR));
    if (c->vocab_size != 256) return sk_error(SK_EINVAL, "%s: vocab_size must be 256 (8-bit audio tokens)", what);
    if (!isfinite(c->norm_epsilon) || c->norm_epsilon <= 0 || c->norm_epsilon > 1)
        return sk_error(SK_EINVAL, "%s: \"norm_epsilon\" must be a finite number in (0, 1] (got %g)", what, c->norm_epsilon);
    c->pool_prod = 1, c->width[0] = c->d_model;
    for (int k = 0; k < c->n_pool; k++) {
        char f[32];
        snprintf(f, sizeof f, "pool[%d]", k);
        TRY(sk_config_int_range(what, f, c->pool[k], 1, SK_UNET_MAX_FACTOR));
        c->pool_prod *= c->pool[k]; /* both factors <= 2^10 per level, at most SK_UNET_MAX_POOLS levels */
        c->width[k + 1] = c->width[k] * c->pool_expand;
        if (c->pool_prod > SK_UNET_MAX_POOL_PROD)
            return sk_error(SK_EINVAL, "%s: the product of the pool factors %lld is above %lld", what,
                            (long long)c->pool_prod, (long long)SK_UNET_MAX_POOL_PROD);
        if (c->width[k + 1] > SK_CONFIG_MAX_WIDTH)
            return sk_error(SK_EINVAL, "%s: level %d's width d_model * pool_expand^%d = %lld is above %lld", what, k + 1,
                            k + 1, (long long)c->width[k + 1], (long long)SK_CONFIG_MAX_WIDTH);
    }
    for (int k = 0; k <= c->n_pool; k++) {
        sk_block_config *l = &c->level[k];
        *l = k < c->n_pool ? c->outer : c->center;
        l->d_model = c->width[k];
        l->norm_epsilon = c->norm_epsilon;
        char w2[256];
        snprintf(w2, sizeof w2, "%s: level %d", what, k);
        TRY(sk_block_config_finish(l, w2));
    }
    return SK_OK;
}

int sk_unet_config_from_json(const cJSON *o, const char *what, sk_unet_config *c) {
    static const char *const known[] = {"description", "arch", "d_model", "n_layer", "pool", "pool_expand",
                                        "vocab_size", "norm_epsilon", "outer", "center", "train", NULL};
    memset(c, 0, sizeof *c);
    if (!cJSON_IsObject(o)) return sk_error(SK_EINVAL, "%s: config is not a JSON object", what);
    if (!sk_unet_config_is_unet(o)) return sk_error(SK_EUNSUP, "%s: not a U-Net config (\"arch\": \"unet\")", what);
    for (const cJSON *it = o->child; it; it = it->next) {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, it->string);
        if (!ok) return sk_error(SK_EINVAL, "%s: unknown config field \"%s\"", what, it->string);
    }
    c->pool_expand = 2, c->vocab_size = 256, c->norm_epsilon = 1e-5;
    TRY(sk_json_int(o, "d_model", what, &c->d_model));
    TRY(sk_json_int(o, "n_layer", what, &c->n_layer));
    TRY(sk_json_int(o, "pool_expand", what, &c->pool_expand));
    TRY(sk_json_int(o, "vocab_size", what, &c->vocab_size));
    TRY(sk_json_num(o, "norm_epsilon", what, &c->norm_epsilon));
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "pool");
    if (!cJSON_IsArray(p)) return sk_error(SK_EINVAL, "%s: \"pool\" must be an array of pool factors", what);
    c->n_pool = cJSON_GetArraySize(p);
    if (c->n_pool < 1 || c->n_pool > SK_UNET_MAX_POOLS)
        return sk_error(SK_EINVAL, "%s: pool needs 1 to %d factors", what, SK_UNET_MAX_POOLS);
    for (int k = 0; k < c->n_pool; k++) {
        const cJSON *v = cJSON_GetArrayItem(p, k);
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 9007199254740992.0)
            return sk_error(SK_EINVAL, "%s: pool[%d] is not an integer in [-2^53, 2^53]", what, k);
        c->pool[k] = (int64_t)v->valuedouble;
    }
    /* the U-Net's own sizes first: the block parsers below see them too */
    TRY(sk_config_int_range(what, "d_model", c->d_model, 1, SK_CONFIG_MAX_WIDTH));
    TRY(sk_config_int_range(what, "n_layer", c->n_layer, 1, SK_UNET_MAX_LAYERS));
    char w2[256];
    snprintf(w2, sizeof w2, "%s: outer", what);
    TRY(block_from_json(cJSON_GetObjectItemCaseSensitive(o, "outer"), w2, c->d_model, c->n_layer, c->norm_epsilon, &c->outer));
    snprintf(w2, sizeof w2, "%s: center", what);
    TRY(block_from_json(cJSON_GetObjectItemCaseSensitive(o, "center"), w2, c->d_model, c->n_layer, c->norm_epsilon, &c->center));
    return config_finish(c, what);
}

/* A block template as JSON: the block fields of an LM config's JSON. */
static cJSON *block_to_json(const sk_block_config *b) {
    sk_mamba_config lm;
    sk_mamba_config_defaults(&lm);
    lm.blk = *b;
    char *s = sk_mamba_config_to_json(&lm);
    cJSON *o = s ? cJSON_Parse(s) : NULL;
    free(s);
    static const char *const drop[] = {"arch", "d_model", "n_layer", "vocab_size", "pad_vocab_size_multiple",
                                       "tie_embeddings", "norm_epsilon", NULL};
    for (const char *const *k = drop; o && *k; k++) cJSON_DeleteItemFromObjectCaseSensitive(o, *k);
    return o;
}

char *sk_unet_config_to_json(const sk_unet_config *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "arch", "unet");
    cJSON_AddNumberToObject(o, "d_model", (double)c->d_model);
    cJSON_AddNumberToObject(o, "n_layer", (double)c->n_layer);
    cJSON *p = cJSON_AddArrayToObject(o, "pool");
    for (int k = 0; k < c->n_pool; k++) cJSON_AddItemToArray(p, cJSON_CreateNumber((double)c->pool[k]));
    cJSON_AddNumberToObject(o, "pool_expand", (double)c->pool_expand);
    cJSON_AddNumberToObject(o, "vocab_size", (double)c->vocab_size);
    cJSON_AddNumberToObject(o, "norm_epsilon", c->norm_epsilon);
    cJSON_AddItemToObject(o, "outer", block_to_json(&c->outer));
    cJSON_AddItemToObject(o, "center", block_to_json(&c->center));
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* ================================ model ===================================================== */

enum { MOD_BLOCK = 0, MOD_DOWN = 1, MOD_UP = 2 };

typedef struct unet_mod {
    int kind, lev;   /* lev: level of the input (DOWN: k -> k+1; UP: k+1 -> k, lev = k+1) */
    int olev;        /* level of the output */
    int skip;        /* stream index added after the module, or -1 */
    int64_t p;       /* pool factor */
    const sk_block_config *c;
    sk_mamba_w w, gw;
    float *norm_w, *gnorm_w, *hn, *rstd;
    sk_mamba_act act;
    float *pw, *pb, *gpw, *gpb; /* pool linear (time-major layout, sk_unet.h) */
} unet_mod;

struct sk_unet {
    sk_unet_config cfg;
    const sk_backend *be;
    int64_t max_b, max_L;
    int flags;
    sk_arena pa, ga, aa;
    void *pbase, *gbase, *abase;
    sk_param *params;
    float ***bind_w, ***bind_g;
    int np;
    float *emb, *gemb, *norm_f, *gnorm_f, *head_w, *head_b, *ghead_w, *ghead_b;
    int M, nd;
    unet_mod *mod;
    float **x, **dx;                     /* (M+1) streams and their gradients */
    float *mo[SK_UNET_MAX_POOLS + 1];    /* per level: mixer output scratch (rows_k, H_k) */
    float *dhn[SK_UNET_MAX_POOLS + 1];   /* per level: norm-output gradient scratch */
    sk_mamba_scratch scr[SK_UNET_MAX_POOLS + 1];
    float *ones;                         /* (max_b * max_L) */
    float *hf, *rstdf, *logits, *losses, *dlogits, *dhf;
    void *tok, *tgt;
    float *host_loss;
    int64_t b, L;
    int fwd_ok, have_dlogits;
    int64_t fwd_chunked;      /* the last forward was chunked: its length, else 0 */
    struct unet_chunker *ch;  /* chunked training, NULL = off */
    int64_t act_block, nblocks; /* the largest block's activation bytes; the block count */
    struct unet_host *hs;     /* the step's packed weights (CPU backend), NULL before the first step */
};

/* A chunk-boundary state (or its gradient): every block's conv/SSM state and every UpPool's input
 * frame before the chunk. */
typedef struct unet_cstate {
    sk_arena arena;
    void *base;
    sk_mamba_state *blk; /* (M) */
    float **ylast;       /* (M) UpPools: (b, H_in) */
} unet_cstate;

typedef struct unet_chunker {
    int64_t chunk, max_total, nslots;
    unet_cstate ws, ga, gb;       /* working state; state gradients (ping-pong) */
    int64_t S;                    /* floats in one state */
    float *bound;                 /* backend (nslots, S): the state at the start of each chunk */
    sk_arena za;                  /* the UpPools' first-frame outputs (p, b, Ho) */
    void *zbase;
    float **upz, **yprev;         /* (M) */
    int32_t *tok, *tgt, *ctok, *ctgt; /* host (b, L) copies and one chunk's (b, chunk) */
    int64_t b, L, count;
    int has_tgt, last_kept;
} unet_chunker;

struct sk_unet_state {
    const sk_backend *be;
    int64_t b, t;      /* sequences, raw steps done */
    sk_arena arena;
    void *base;
    sk_mamba_state *blk; /* (M) */
    float **sx;          /* (M+1) the latest value of each stream at its level, (b, H) */
    float **buf;         /* (M) pool buffers: DOWN (p, b, H_in) (the host step: (b, p, H_in)), UP (p, b, H_out) */
    int ssm_nd;          /* the SSM states of the host step's packed layers are in its (b, N, Di) layout */
};

static void chunk_free(sk_unet *m);

static void host_free(struct unet_host *h);

void sk_unet_free(sk_unet *m) {
    if (!m) return;
    chunk_free(m);
    host_free(m->hs);
    if (m->be) m->be->free(m->pbase), m->be->free(m->gbase), m->be->free(m->abase);
    m->pa.base = m->ga.base = m->aa.base = NULL;
    sk_arena_free(&m->pa), sk_arena_free(&m->ga), sk_arena_free(&m->aa);
    free(m->params), free(m->bind_w), free(m->bind_g), free(m->mod), free(m->x), free(m->dx), free(m->host_loss);
    free(m);
}

int sk_unet_create(sk_unet **out, const sk_unet_config *cin, const sk_backend *be, int64_t max_batch, int64_t max_len,
                   int flags) {
    *out = NULL;
    if (max_batch < 1 || max_len < 1 || max_len % cin->pool_prod)
        return sk_error(SK_EINVAL, "unet: length %lld is not a positive multiple of the pool product %lld",
                        (long long)max_len, (long long)cin->pool_prod);
    int64_t nlogits;
    for (int k = 0; k <= cin->n_pool; k++) TRY(sk_block_check_sizes(&cin->level[k], max_batch, max_len, "unet"));
    TRY(sk_size_mul("unet", "the logits (batch x length x 256)", &nlogits, 3, (int64_t[]){max_batch, max_len, 256}));
    TRY(sk_backend_require_groups(be, SK_OPS_MODEL));
    for (int k = 0; k <= cin->n_pool; k++) {
        if (sk_ssm_is_s4d(&cin->level[k])) TRY(sk_backend_require_groups(be, SK_OPS_S4D));
        if (cin->level[k].block == SK_BLOCK_S4_MLP) TRY(sk_backend_require_groups(be, SK_OPS_S4MLP));
    }
    sk_unet *m = calloc(1, sizeof *m);
    if (!m) return sk_error(SK_ENOMEM, "unet: out of memory");
    m->cfg = *cin;
    const sk_unet_config *c = &m->cfg;
    m->be = be, m->max_b = max_batch, m->max_L = max_len, m->flags = flags;
    const int S = c->n_pool;
    const int64_t n = c->n_layer, D = c->d_model, V = c->vocab_size, rows = max_batch * max_len;
    m->nd = S * (int)(n + 1);
    m->M = 2 * m->nd + (int)n;
    const int maxp = 16 * m->M + 8;
    m->params = calloc((size_t)maxp, sizeof *m->params);
    m->bind_w = calloc((size_t)maxp, sizeof *m->bind_w), m->bind_g = calloc((size_t)maxp, sizeof *m->bind_g);
    m->mod = calloc((size_t)m->M, sizeof *m->mod);
    m->x = calloc((size_t)m->M + 1, sizeof *m->x), m->dx = calloc((size_t)m->M + 1, sizeof *m->dx);
    m->host_loss = malloc((size_t)rows * sizeof(float));
    if (!m->params || !m->bind_w || !m->bind_g || !m->mod || !m->x || !m->dx || !m->host_loss) {
        sk_unet_free(m);
        return sk_error(SK_ENOMEM, "unet: out of memory");
    }
    /* ---- module list and parameter table ---- */
    sk_ptable pt = {m->params, m->bind_w, m->bind_g, &m->np};
    char nm[96];
    sk_ptable_add(&pt, "embedding.weight", 2, V, D, 0, 0, &m->emb, &m->gemb);
    int mi = 0;
#define BLOCKS(k, fmt, ...)                                                                        \
    for (int64_t i = 0; i < n; i++, mi++) {                                                        \
        unet_mod *u = &m->mod[mi];                                                                 \
        u->kind = MOD_BLOCK, u->lev = u->olev = (k), u->skip = -1, u->c = &c->level[(k)];          \
        snprintf(nm, sizeof nm, fmt "blocks.%lld.", __VA_ARGS__, (long long)i);                    \
        sk_mamba_block_params(&pt, u->c, nm, &u->norm_w, &u->gnorm_w, &u->w, &u->gw);              \
    }
    for (int k = 0; k < S; k++) {
        BLOCKS(k, "down.%d.", k)
        unet_mod *u = &m->mod[mi++];
        const int64_t H = c->width[k], p = c->pool[k];
        u->kind = MOD_DOWN, u->lev = k, u->olev = k + 1, u->skip = -1, u->p = p, u->c = &c->level[k];
        snprintf(nm, sizeof nm, "down.%d.pool.weight", k);
        sk_ptable_add(&pt, nm, 3, H * c->pool_expand, p, H, 0, &u->pw, &u->gpw);
        snprintf(nm, sizeof nm, "down.%d.pool.bias", k);
        sk_ptable_add(&pt, nm, 1, H * c->pool_expand, 0, 0, 1, &u->pb, &u->gpb);
    }
    BLOCKS(S, "center.%s", "")
    m->mod[mi - 1].skip = m->nd; /* residual around the center stack */
    for (int k = S - 1; k >= 0; k--) {
        unet_mod *u = &m->mod[mi];
        const int64_t H = c->width[k], p = c->pool[k];
        u->kind = MOD_UP, u->lev = k + 1, u->olev = k, u->p = p, u->c = &c->level[k];
        u->skip = m->nd - 1 - (mi - m->nd - (int)n);
        mi++;
        snprintf(nm, sizeof nm, "up.%d.pool.weight", k);
        sk_ptable_add(&pt, nm, 3, p, H, c->width[k + 1], 0, &u->pw, &u->gpw);
        snprintf(nm, sizeof nm, "up.%d.pool.bias", k);
        sk_ptable_add(&pt, nm, 2, p, H, 0, 1, &u->pb, &u->gpb);
        int first = mi;
        BLOCKS(k, "up.%d.", k)
        for (int j = first; j < mi; j++) m->mod[j].skip = m->nd - 1 - (j - m->nd - (int)n);
    }
#undef BLOCKS
    sk_ptable_add(&pt, "norm_f.weight", 1, D, 0, 0, 1, &m->norm_f, &m->gnorm_f);
    sk_ptable_add(&pt, "lm_head.weight", 2, V, D, 0, 0, &m->head_w, &m->ghead_w);
    sk_ptable_add(&pt, "lm_head.bias", 1, V, 0, 0, 1, &m->head_b, &m->ghead_b);
    /* ---- arenas ---- */
    sk_arena_init(&m->pa, "parameters", sizeof(float));
    sk_arena_init(&m->ga, "gradients", sizeof(float));
    sk_arena_init(&m->aa, "activations", sizeof(float));
    int rc = 0;
    const int grads = flags & SK_MODEL_GRADS;
    for (int i = 0; i < m->np && !rc; i++) {
        rc = sk_arena_add(&m->pa, m->params[i].name, m->params[i].numel, (void **)&m->params[i].w);
        if (!rc && grads) rc = sk_arena_add(&m->ga, m->params[i].name, m->params[i].numel, (void **)&m->params[i].g);
    }
#define A(name, count, ptr)                                                                        \
    if (!rc) rc = sk_arena_add(&m->aa, name, count, (void **)(ptr))
    /* level k holds max_b x (max_L / P_k) rows of width H_k */
    int64_t Lk[SK_UNET_MAX_POOLS + 1];
    Lk[0] = max_len;
    for (int k = 0; k < S; k++) Lk[k + 1] = Lk[k] / c->pool[k];
    /* inference (SK_MODEL_INFER): the streams after the down path (no skip reads them) take two
     * buffers per level in turn, and the blocks of a level share one block's slots */
    const int infer = (flags & SK_MODEL_INFER) != 0;
    if (infer && grads) rc = sk_error(SK_EINVAL, "unet: an inference model (SK_MODEL_INFER) has no gradients");
    int turn[SK_UNET_MAX_POOLS + 1] = {0}, owner[SK_UNET_MAX_POOLS + 1];
    float **pp = infer ? calloc(2 * (size_t)(S + 1), sizeof *pp) : NULL;
    if (infer && !pp && !rc) rc = sk_error(SK_ENOMEM, "unet: out of memory");
    for (int i = 0; i <= m->M; i++) {
        const int lev = i == 0 ? 0 : m->mod[i - 1].olev;
        if (!infer || i <= m->nd || turn[lev] < 2) A("stream", max_batch * Lk[lev] * c->width[lev], infer && i > m->nd ? &pp[2 * lev + turn[lev]] : &m->x[i]);
        if (infer && i > m->nd) turn[lev]++;
        if (grads) A("d_stream", max_batch * Lk[lev] * c->width[lev], &m->dx[i]);
    }
    for (int k = 0; k <= S; k++) owner[k] = -1;
    for (int i = 0; i < m->M; i++) {
        unet_mod *u = &m->mod[i];
        if (u->kind != MOD_BLOCK) continue;
        if (infer && owner[u->lev] >= 0) continue;
        owner[u->lev] = i;
        const int64_t r = max_batch * Lk[u->lev], a0 = sk_arena_bytes(&m->aa);
        A("norm_out", r * u->c->d_model, &u->hn);
        A("norm_rstd", r, &u->rstd);
        if (!rc) rc = sk_mamba_act_plan(&m->aa, u->c, &u->act, max_batch, Lk[u->lev]);
        /* the block's slots and its output stream */
        const int64_t ab = sk_arena_bytes(&m->aa) - a0 + r * u->c->d_model * (int64_t)sizeof(float);
        if (ab > m->act_block) m->act_block = ab;
    }
    for (int i = 0; i < m->M; i++) m->nblocks += m->mod[i].kind == MOD_BLOCK;
    for (int k = 0; k <= S; k++) {
        const int64_t r = max_batch * Lk[k];
        A("mixer_out", r * c->width[k], &m->mo[k]);
        if (grads) A("d_norm_out", r * c->width[k], &m->dhn[k]);
        if (!rc) rc = sk_mamba_scratch_plan(&m->aa, &c->level[k], &m->scr[k], be, max_batch, Lk[k], grads);
    }
    A("ones", rows, &m->ones);
    A("norm_f_out", rows * D, &m->hf);
    A("norm_f_rstd", rows, &m->rstdf);
    A("logits", rows * V, &m->logits);
    A("losses", rows, &m->losses);
    A("tokens", rows, &m->tok);
    A("targets", rows, &m->tgt);
    if (grads) {
        A("dlogits", rows * V, &m->dlogits);
        A("d_norm_f_out", rows * D, &m->dhf);
    }
#undef A
    const int alloc = !(flags & SK_MODEL_PLAN); /* a plan only sizes the arenas */
    if (!rc && alloc) rc = sk_arena_alloc_on(&m->pa, be, &m->pbase);
    if (!rc && alloc && grads) rc = sk_arena_alloc_on(&m->ga, be, &m->gbase);
    if (!rc && alloc) rc = sk_arena_alloc_on(&m->aa, be, &m->abase);
    for (int i = 0; !rc && i < m->np; i++) {
        if (m->bind_w[i]) *m->bind_w[i] = m->params[i].w;
        if (m->bind_g[i]) *m->bind_g[i] = m->params[i].g;
    }
    for (int i = 0; infer && !rc && i < m->M; i++) { /* the shared slots of an inference model */
        unet_mod *u = &m->mod[i], *o = &m->mod[owner[u->lev]];
        if (u->kind == MOD_BLOCK) u->hn = o->hn, u->rstd = o->rstd, u->act = o->act;
    }
    for (int i = m->nd + 1, t[SK_UNET_MAX_POOLS + 1] = {0}; infer && !rc && i <= m->M; i++) {
        const int lev = m->mod[i - 1].olev;
        m->x[i] = pp[2 * lev + (t[lev]++ & 1)];
    }
    free(pp);
    if (!rc && alloc) {
        float *h1 = malloc((size_t)rows * sizeof(float));
        rc = h1 ? SK_OK : sk_error(SK_ENOMEM, "unet: out of memory");
        for (int64_t i = 0; !rc && i < rows; i++) h1[i] = 1.0f;
        if (!rc) rc = be->upload(m->ones, h1, (size_t)rows * sizeof(float));
        free(h1);
        for (int k = 0; k <= S; k++) m->scr[k].ones = m->ones;
    }
    if (rc) {
        sk_unet_free(m);
        return rc;
    }
    *out = m;
    return SK_OK;
}

const sk_backend *sk_unet_backend(const sk_unet *m) { return m->be; }
const sk_unet_config *sk_unet_config_of(const sk_unet *m) { return &m->cfg; }
int sk_unet_nparams(const sk_unet *m) { return m->np; }
const sk_param *sk_unet_param(const sk_unet *m, int i) { return i >= 0 && i < m->np ? &m->params[i] : NULL; }
int64_t sk_unet_numel(const sk_unet *m) {
    int64_t s = 0;
    for (int i = 0; i < m->np; i++) s += m->params[i].numel;
    return s;
}

int sk_unet_init(sk_unet *m, uint64_t seed) {
    if (m->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "unet: a memory plan (SK_MODEL_PLAN) has no parameters");
    int64_t maxn = 0;
    for (int i = 0; i < m->np; i++) maxn = m->params[i].numel > maxn ? m->params[i].numel : maxn;
    float *h = malloc((size_t)maxn * sizeof(float));
    if (!h) return sk_error(SK_ENOMEM, "unet init: out of memory");
    int rc = 0;
    int mi = -1; /* module owning the current parameter (block configs differ per level) */
    for (int i = 0; i < m->np && !rc; i++) {
        const sk_param *p = &m->params[i];
        sk_rng r;
        sk_rng_seed(&r, seed, (uint64_t)i);
        const char *pool = strstr(p->name, ".pool.");
        if (pool) { /* nn.Linear default: weight and bias U(+-1/sqrt(fan_in)) */
            const int down = !strncmp(p->name, "down", 4), k = atoi(p->name + (down ? 5 : 3));
            const int64_t fan_in = down ? m->cfg.pool[k] * m->cfg.width[k] : m->cfg.width[k + 1];
            for (int64_t j = 0; j < p->numel; j++) h[j] = (float)((2 * sk_rng_uniform(&r) - 1) / sqrt((double)fan_in));
        } else if (!strcmp(p->name, "lm_head.bias")) {
            for (int64_t j = 0; j < p->numel; j++) h[j] = (float)((2 * sk_rng_uniform(&r) - 1) / sqrt((double)m->cfg.d_model));
        } else {
            const sk_block_config *c = &m->cfg.level[0];
            if (strstr(p->name, "blocks.")) {
                if (strstr(p->name, ".norm.weight") && !strstr(p->name, "norm2")) mi++; /* each block starts with its norm */
                while (mi < m->M && m->mod[mi].kind != MOD_BLOCK) mi++;
                c = m->mod[mi].c;
            }
            rc = sk_block_param_init(c, m->cfg.n_layer * (2 * m->cfg.n_pool + 1), p->name, h, p->numel, &r); /* every block of the U-Net */
        }
        if (!rc) rc = m->be->upload(p->w, h, (size_t)p->numel * sizeof(float));
    }
    free(h);
    return rc;
}

/* ---- pools (time-major weights: both reshapes are views, sk_unet.h) ---- */

/* DownPool forward: out (b*Lo, He) = x viewed as (b*Lo, p*H) @ W^T (He, p*H) + bias. */
static int down_fwd(const sk_unet *m, const unet_mod *u, float *out, const float *x, int64_t rows_out) {
    const int64_t H = m->cfg.width[u->lev], He = m->cfg.width[u->olev];
    return sk_linear_fwd(m->be, out, x, u->pw, u->pb, rows_out, He, u->p * H, m->ones);
}
static int down_bwd(const sk_unet *m, const unet_mod *u, float *dx, const float *dout, const float *x, int64_t rows_out) {
    const int64_t H = m->cfg.width[u->lev], He = m->cfg.width[u->olev];
    return sk_linear_bwd(m->be, dx, 1.0f, u->gpw, u->gpb, dout, x, u->pw, rows_out, He, u->p * H, m->ones);
}
/* UpPool forward, per sequence: out frame l (p*Ho values = p positions) = W (p*Ho, Hi) y[l-1] + bias
 * for l >= 1; frame 0 = 0 (the causal shift). y: (b, Lc, Hi); out: (b, Lc*p, Ho). */
static int up_fwd(const sk_unet *m, const unet_mod *u, float *out, const float *y, int64_t b, int64_t Lc) {
    const sk_backend *be = m->be;
    const int64_t Hi = m->cfg.width[u->lev], Ho = m->cfg.width[u->olev], F = u->p * Ho;
    for (int64_t s = 0; s < b; s++) {
        float *o = out + s * Lc * F;
        TRY(be->memzero(o, (size_t)F * sizeof(float)));
        if (Lc > 1) TRY(sk_linear_fwd(be, o + F, y + s * Lc * Hi, u->pw, u->pb, Lc - 1, F, Hi, m->ones));
    }
    return SK_OK;
}
static int up_bwd(const sk_unet *m, const unet_mod *u, float *dy, const float *dout, const float *y, int64_t b, int64_t Lc) {
    const sk_backend *be = m->be;
    const int64_t Hi = m->cfg.width[u->lev], Ho = m->cfg.width[u->olev], F = u->p * Ho;
    for (int64_t s = 0; s < b; s++) /* dy[l] += W^T dout[l+1] for l < Lc-1; the last frame feeds nothing */
        if (Lc > 1)
            TRY(sk_linear_bwd(be, dy + s * Lc * Hi, 1.0f, u->gpw, u->gpb, dout + s * Lc * F + F, y + s * Lc * Hi, u->pw,
                              Lc - 1, F, Hi, m->ones));
    return SK_OK;
}

/* ---- forward / backward ---- */

/* Lk[k] = L / P_k, the length of level k */
static void level_lens(const sk_unet_config *c, int64_t L, int64_t *Lk) {
    Lk[0] = L;
    for (int k = 0; k < c->n_pool; k++) Lk[k + 1] = Lk[k] / c->pool[k];
}

/* Tokens in [0, 256) and targets in [0, 256) or -1 (SK_EINVAL naming the position); *count = the
 * number of targets. */
static int check_inputs(const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L, int64_t V, int64_t *count) {
    *count = 0;
    for (int64_t i = 0; i < b * L; i++) {
        if (tokens[i] < 0 || tokens[i] >= V)
            return sk_error(SK_EINVAL, "token %d at batch %lld position %lld is outside [0, %lld)", tokens[i],
                            (long long)(i / L), (long long)(i % L), (long long)V);
        if (targets && targets[i] != -1) {
            if (targets[i] < 0 || targets[i] >= V)
                return sk_error(SK_EINVAL, "target %d at batch %lld position %lld is outside [0, %lld)", targets[i],
                                (long long)(i / L), (long long)(i % L), (long long)V);
            (*count)++;
        }
    }
    return SK_OK;
}

/* The streams x[0..M] and the logits (b*L, 256) of b x L host tokens (L a multiple of P_S, at most
 * max_L). blk: (M) block states to start from and update (NULL: zero state, nothing kept); upz:
 * (M) for each UpPool the output of its first frame, (p, b, Ho) as the step's buffer (NULL: zero,
 * the causal shift at the start of the sequence). */
static int unet_run(sk_unet *m, const int32_t *tokens, int64_t b, int64_t L, sk_mamba_state *blk, float *const *upz) {
    const sk_unet_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t D = c->d_model, V = c->vocab_size, rows = b * L;
    TRY(be->upload(m->tok, tokens, (size_t)rows * sizeof(int32_t)));
    TRY(be->embed_fwd(m->x[0], (const int32_t *)m->tok, m->emb, rows, V, D));
    int64_t Lk[SK_UNET_MAX_POOLS + 1];
    level_lens(c, L, Lk);
    for (int i = 0; i < m->M; i++) {
        unet_mod *u = &m->mod[i];
        const int64_t Li = Lk[u->lev], Lo = Lk[u->olev], Ho = c->width[u->olev];
        if (u->kind == MOD_BLOCK) {
            TRY(sk_resblock_forward(be, u->c, m->x[i + 1], m->x[i], u->hn, u->rstd, m->mo[u->lev], u->norm_w, &u->act,
                                    &u->w, b, Li, NULL, blk ? &blk[i] : NULL, &m->scr[u->lev]));
        } else if (u->kind == MOD_DOWN) {
            TRY(down_fwd(m, u, m->x[i + 1], m->x[i], b * Lo));
        } else {
            TRY(up_fwd(m, u, m->x[i + 1], m->x[i], b, Li));
            for (int64_t s = 0; upz && s < b; s++) /* frame 0 of sequence s: positions j = 0..p-1 */
                for (int64_t j = 0; j < u->p; j++)
                    TRY(be->copy(m->x[i + 1] + (s * Lo + j) * Ho, upz[i] + (j * b + s) * Ho, (size_t)Ho * sizeof(float)));
        }
        if (u->skip >= 0) TRY(be->axpy(m->x[i + 1], m->x[u->skip], 1.0f, b * Lo * Ho));
    }
    /* logits = RMSNorm_f(x_M) @ head^T + bias   (rows, 256) */
    TRY(be->rmsnorm_fwd(m->hf, m->rstdf, m->x[m->M], m->norm_f, rows, D, (float)c->norm_epsilon));
    TRY(sk_linear_fwd(be, m->logits, m->hf, m->head_w, m->head_b, rows, V, D, m->ones));
    m->b = b, m->L = L, m->fwd_ok = 1, m->have_dlogits = 0, m->fwd_chunked = 0;
    return SK_OK;
}

/* An UpPool's first-frame output after the frame y (b, Hi) with row stride ldy: z[j] (b, Ho) =
 * y @ W[j]^T + bias[j], j = 0..p-1 (the step's buffer layout (p, b, Ho)). */
static int up_refill(const sk_unet *m, const unet_mod *u, float *z, const float *y, int64_t ldy, int64_t b) {
    const sk_backend *be = m->be;
    const int64_t Hi = m->cfg.width[u->lev], Ho = m->cfg.width[u->olev];
    for (int64_t j = 0; j < u->p; j++) {
        TRY(be->gemm(0, 1, b, Ho, Hi, 1, y, ldy, u->pw + j * Ho * Hi, Hi, 0, z + j * b * Ho, Ho));
        TRY(be->gemm(0, 0, b, Ho, 1, 1, m->ones, 1, u->pb + j * Ho, Ho, 1, z + j * b * Ho, Ho));
    }
    return SK_OK;
}

/* Cross-entropy of the logits of the last unet_run (dlogits kept with gradients). */
static int unet_xent(sk_unet *m, const int32_t *targets, int64_t count, double *loss) {
    float *dl = (m->flags & SK_MODEL_GRADS) ? m->dlogits : NULL;
    TRY(sk_head_xent(m->be, loss, dl, m->logits, targets, (int32_t *)m->tgt, m->losses, m->host_loss, m->b * m->L,
                     m->cfg.vocab_size, count));
    m->have_dlogits = dl != NULL;
    return SK_OK;
}

static int forward_chunked(sk_unet *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                           int64_t count, double *loss);
static int backward_chunked(sk_unet *m);

int sk_unet_forward(sk_unet *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L, double *loss) {
    const sk_unet_config *c = &m->cfg;
    m->fwd_ok = 0, m->fwd_chunked = 0;
    if (m->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "unet: a memory plan (SK_MODEL_PLAN) cannot run");
    if (L % c->pool_prod)
        return sk_error(SK_EINVAL, "unet: length %lld is not a multiple of the pool product %lld", (long long)L,
                        (long long)c->pool_prod);
    const int chunked = m->ch && L > m->ch->chunk;
    const int64_t maxL = chunked ? m->ch->max_total : m->max_L;
    if (b < 1 || L < 1 || b > m->max_b || L > maxL)
        return sk_error(SK_EINVAL, "unet: batch %lld x length %lld exceeds the model's %lld x %lld", (long long)b,
                        (long long)L, (long long)m->max_b, (long long)maxL);
    int64_t count;
    TRY(check_inputs(tokens, targets, b, L, c->vocab_size, &count));
    if (chunked) return forward_chunked(m, tokens, targets, b, L, count, loss);
    TRY(unet_run(m, tokens, b, L, NULL, NULL));
    return targets ? unet_xent(m, targets, count, loss) : SK_OK;
}

static void ssm_layout(const sk_unet *m, sk_unet_state *st, int to_nd);

int sk_unet_forward_state(sk_unet *m, sk_unet_state *st, const int32_t *tokens, const int32_t *targets, int64_t L,
                          double *loss) {
    const sk_unet_config *c = &m->cfg;
    const int64_t b = st->b;
    m->fwd_ok = 0, m->fwd_chunked = 0;
    if (m->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "unet: a memory plan (SK_MODEL_PLAN) cannot run");
    if (L < 1 || L % c->pool_prod || st->t % c->pool_prod)
        return sk_error(SK_EINVAL, "unet: a forward with a state needs a length (%lld) and a position (%lld steps done) "
                                   "that are multiples of the pool product %lld", (long long)L, (long long)st->t,
                        (long long)c->pool_prod);
    if (L > m->max_L) return sk_error(SK_EINVAL, "unet: length %lld exceeds the model's %lld", (long long)L, (long long)m->max_L);
    int64_t count, Lk[SK_UNET_MAX_POOLS + 1];
    TRY(check_inputs(tokens, targets, b, L, c->vocab_size, &count));
    if (st->ssm_nd) ssm_layout(m, st, 0);
    TRY(unet_run(m, tokens, b, L, st->blk, st->buf));
    level_lens(c, L, Lk);
    for (int i = 0; i < m->M; i++) { /* the UpPools' buffers: the map of their input's last frame */
        const unet_mod *u = &m->mod[i];
        const int64_t Hi = c->width[u->lev], Li = Lk[u->lev];
        if (u->kind == MOD_UP) TRY(up_refill(m, u, st->buf[i], m->x[i] + (Li - 1) * Hi, Li * Hi, b));
    }
    st->t += L;
    return targets ? unet_xent(m, targets, count, loss) : SK_OK;
}

int sk_unet_logits(const sk_unet *m, float *dst) {
    if (!m->fwd_ok) return sk_error(SK_EINVAL, "unet: no forward to take logits from");
    if (m->fwd_chunked)
        return sk_error(SK_EINVAL, "unet: the logits of a chunked forward (length %lld) are not kept; forward chunk by "
                                   "chunk with sk_unet_forward_state instead", (long long)m->fwd_chunked);
    return m->be->download(dst, m->logits, (size_t)(m->b * m->L * m->cfg.vocab_size) * sizeof(float));
}

/* Gradients of the last unet_run (dlogits set): parameters (+=). gout: the gradient w.r.t. the
 * state after the run (NULL = 0); gin: receives the gradient w.r.t. the state before it (NULL = not
 * needed; then yprev is unused); yprev: (M) each UpPool's input frame before the run (its first
 * frame's source; NULL when the run started the sequence). */
static int unet_backprop(sk_unet *m, const unet_cstate *gout, unet_cstate *gin, const float *const *yprev) {
    const sk_unet_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t D = c->d_model, V = c->vocab_size, b = m->b, L = m->L, rows = b * L;
    int64_t Lk[SK_UNET_MAX_POOLS + 1];
    level_lens(c, L, Lk);
    for (int i = 0; i < m->M; i++) { /* stream gradients accumulate from the consumer and the skips */
        const int lev = m->mod[i].lev;
        TRY(be->memzero(m->dx[i], (size_t)(b * Lk[lev] * c->width[lev]) * sizeof(float)));
    }
    TRY(sk_linear_bwd(be, m->dhf, 0, m->ghead_w, m->ghead_b, m->dlogits, m->hf, m->head_w, rows, V, D, m->ones));
    TRY(be->memzero(m->dx[m->M], (size_t)(rows * D) * sizeof(float)));
    TRY(be->rmsnorm_bwd(m->dx[m->M], m->gnorm_f, m->dhf, m->x[m->M], m->norm_f, m->rstdf, rows, D));
    for (int i = m->M - 1; i >= 0; i--) {
        unet_mod *u = &m->mod[i];
        const int64_t Li = Lk[u->lev], Lo = Lk[u->olev], Hi = c->width[u->lev], Ho = c->width[u->olev];
        float *g = m->dx[i + 1]; /* dL/d(output of module i) */
        if (u->skip >= 0) TRY(be->axpy(m->dx[u->skip], g, 1.0f, b * Lo * Ho));
        if (u->kind == MOD_BLOCK) {
            /* in place: g becomes dL/d(block input) through the block; then add to dx[i] */
            TRY(sk_resblock_backward(be, u->c, g, m->dhn[u->lev], u->gnorm_w, &u->gw, m->x[i], u->hn, u->rstd,
                                     u->norm_w, &u->act, &u->w, b, Li, NULL, gout ? &gout->blk[i] : NULL,
                                     gin ? &gin->blk[i] : NULL, &m->scr[u->lev]));
            TRY(be->axpy(m->dx[i], g, 1.0f, b * Li * Hi));
        } else if (u->kind == MOD_DOWN) {
            TRY(down_bwd(m, u, m->dx[i], g, m->x[i], b * Lo));
        } else {
            TRY(up_bwd(m, u, m->dx[i], g, m->x[i], b, Li));
            const int64_t F = u->p * Ho;
            for (int64_t s = 0; s < b; s++) {
                /* the last input frame feeds the next run's first output frame */
                if (gout) TRY(be->axpy(m->dx[i] + (s * Li + Li - 1) * Hi, gout->ylast[i] + s * Hi, 1.0f, Hi));
                /* frame 0 = W yprev + bias: dW, dbias +=, d yprev = W^T dout[frame 0] */
                if (gin && yprev)
                    TRY(sk_linear_bwd(be, gin->ylast[i] + s * Hi, 0, u->gpw, u->gpb, g + s * Lo * Ho, yprev[i] + s * Hi,
                                      u->pw, 1, F, Hi, m->ones));
            }
        }
    }
    return be->embed_bwd(m->gemb, (const int32_t *)m->tok, m->dx[0], rows, V, D);
}

int sk_unet_backward(sk_unet *m) {
    if (!(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "unet backward: model created without gradients");
    if (!m->fwd_ok || !m->have_dlogits) return sk_error(SK_EINVAL, "unet backward: needs a preceding forward with targets");
    if (m->fwd_chunked) return backward_chunked(m);
    return unet_backprop(m, NULL, NULL, NULL);
}

/* ---- chunked training (sk_unet.h, sk_unet_set_chunk) ----
 * As the LM's (models/sk_mamba_chunk.c; models/README.md §Chunking): the state s_c at the start of chunk c is every block's
 * conv and SSM state and, for every UpPool, its input's last frame of chunk c-1 (whose map is the
 * first output frame of chunk c: the causal shift carries one pooled frame across the boundary).
 * Chunks are multiples of P_S, so they start on a frame of every level and the DownPools need no
 * state. Backward: dL/d(last frame) from the chunk after is added to the UpPool's input gradient;
 * the first frame's gradient gives dW, dbias and dL/d(previous frame) for the chunk before. */

static int cstate_make(const sk_unet *m, int64_t b, int alloc, unet_cstate *s) {
    const sk_unet_config *c = &m->cfg;
    memset(s, 0, sizeof *s);
    s->blk = calloc((size_t)m->M, sizeof *s->blk), s->ylast = calloc((size_t)m->M, sizeof *s->ylast);
    if (!s->blk || !s->ylast) return sk_error(SK_ENOMEM, "unet: out of memory");
    sk_arena_init(&s->arena, "chunk_state", sizeof(float));
    int rc = 0;
    for (int i = 0; i < m->M && !rc; i++) {
        const unet_mod *u = &m->mod[i];
        const sk_block_config *bc = u->c;
        if (u->kind == MOD_BLOCK) {
            if (bc->block != SK_BLOCK_S4_MLP)
                rc = sk_arena_add(&s->arena, "conv_state", b * (bc->d_conv - 1) * bc->d_inner, (void **)&s->blk[i].conv);
            if (!rc) rc = sk_arena_add(&s->arena, "ssm_state", b * sk_ssm_dim(bc) * sk_ssm_nk(bc), (void **)&s->blk[i].ssm);
        } else if (u->kind == MOD_UP) {
            rc = sk_arena_add(&s->arena, "up_last_frame", b * c->width[u->lev], (void **)&s->ylast[i]);
        }
    }
    if (!rc && alloc) rc = sk_arena_alloc_on(&s->arena, m->be, &s->base);
    return rc;
}

static void cstate_free(const sk_unet *m, unet_cstate *s) {
    if (s->base) m->be->free(s->base);
    s->arena.base = NULL;
    sk_arena_free(&s->arena);
    free(s->blk), free(s->ylast);
    memset(s, 0, sizeof *s);
}

static void chunk_free(sk_unet *m) {
    unet_chunker *h = m->ch;
    if (!h) return;
    cstate_free(m, &h->ws), cstate_free(m, &h->ga), cstate_free(m, &h->gb);
    if (h->bound) m->be->free(h->bound);
    if (h->zbase) m->be->free(h->zbase);
    h->za.base = NULL;
    sk_arena_free(&h->za);
    free(h->upz), free(h->yprev);
    free(h->tok), free(h->tgt), free(h->ctok), free(h->ctgt);
    free(h);
    m->ch = NULL;
}

int64_t sk_unet_chunk(const sk_unet *m) { return m->ch ? m->ch->chunk : 0; }

int sk_unet_set_chunk(sk_unet *m, int64_t chunk, int64_t max_total) {
    const sk_unet_config *c = &m->cfg;
    chunk_free(m);
    if (chunk == 0) return SK_OK;
    if (m->flags & SK_MODEL_INFER) return sk_error(SK_EINVAL, "unet: an inference model (SK_MODEL_INFER) has no chunked training");
    if (chunk < 1 || chunk > m->max_L || chunk % c->pool_prod)
        return sk_error(SK_EINVAL, "unet: chunk %lld is not a positive multiple of the pool product %lld up to the "
                                   "model's length %lld", (long long)chunk, (long long)c->pool_prod, (long long)m->max_L);
    if (max_total < chunk)
        return sk_error(SK_EINVAL, "unet: longest chunked length %lld is below the chunk %lld", (long long)max_total,
                        (long long)chunk);
    unet_chunker *h = calloc(1, sizeof *h);
    if (!h) return sk_error(SK_ENOMEM, "unet: out of memory");
    m->ch = h;
    h->chunk = chunk, h->max_total = max_total, h->nslots = (max_total + chunk - 1) / chunk;
    const int alloc = !(m->flags & SK_MODEL_PLAN), grads = m->flags & SK_MODEL_GRADS;
    const int64_t B = m->max_b;
    int rc = cstate_make(m, B, alloc, &h->ws);
    if (!rc && grads) rc = cstate_make(m, B, alloc, &h->ga);
    if (!rc && grads) rc = cstate_make(m, B, alloc, &h->gb);
    h->upz = calloc((size_t)m->M, sizeof *h->upz), h->yprev = calloc((size_t)m->M, sizeof *h->yprev);
    if (!rc && (!h->upz || !h->yprev)) rc = sk_error(SK_ENOMEM, "unet: out of memory");
    sk_arena_init(&h->za, "up_first_frame", sizeof(float));
    for (int i = 0; i < m->M && !rc; i++)
        if (m->mod[i].kind == MOD_UP)
            rc = sk_arena_add(&h->za, "up_first_frame", m->mod[i].p * B * c->width[m->mod[i].olev], (void **)&h->upz[i]);
    h->S = h->ws.arena.total;
    int64_t nbytes; /* the boundary states and the host copies of the inputs fit 64 bits */
    if (!rc) rc = sk_size_mul("unet", "the boundary states of chunked training", &nbytes, 3, (int64_t[]){h->nslots, h->S, 4});
    if (!rc) rc = sk_size_mul("unet", "the chunked inputs (batch x longest length)", &nbytes, 3, (int64_t[]){B, max_total, 4});
    if (!rc && alloc) rc = sk_arena_alloc_on(&h->za, m->be, &h->zbase);
    if (!rc && alloc) rc = m->be->alloc((void **)&h->bound, (size_t)(h->nslots * h->S) * sizeof(float));
    if (!rc && alloc) {
        h->tok = malloc((size_t)(B * max_total) * sizeof(int32_t)), h->tgt = malloc((size_t)(B * max_total) * sizeof(int32_t));
        h->ctok = malloc((size_t)(B * chunk) * sizeof(int32_t)), h->ctgt = malloc((size_t)(B * chunk) * sizeof(int32_t));
        if (!h->tok || !h->tgt || !h->ctok || !h->ctgt)
            rc = sk_error(SK_ENOMEM, "unet: out of memory for chunked inputs of %lld tokens", (long long)(B * max_total));
    }
    if (rc) chunk_free(m);
    return rc;
}

/* Forward of chunk c from the working state h->ws (updated to the state after the chunk). */
static int chunk_forward(sk_unet *m, int64_t c, double *loss) {
    unet_chunker *h = m->ch;
    const sk_unet_config *cf = &m->cfg;
    const int64_t c0 = c * h->chunk, Lc = h->L - c0 < h->chunk ? h->L - c0 : h->chunk, b = h->b;
    for (int64_t s = 0; s < b; s++) { /* gather the chunk's (b, Lc) inputs */
        memcpy(h->ctok + s * Lc, h->tok + s * h->L + c0, (size_t)Lc * sizeof(int32_t));
        if (h->has_tgt) memcpy(h->ctgt + s * Lc, h->tgt + s * h->L + c0, (size_t)Lc * sizeof(int32_t));
    }
    for (int i = 0; c > 0 && i < m->M; i++) /* first UpPool frames from the previous chunk's last */
        if (m->mod[i].kind == MOD_UP)
            TRY(up_refill(m, &m->mod[i], h->upz[i], h->ws.ylast[i], cf->width[m->mod[i].lev], b));
    TRY(unet_run(m, h->ctok, b, Lc, h->ws.blk, c > 0 ? h->upz : NULL));
    int64_t Lk[SK_UNET_MAX_POOLS + 1];
    level_lens(cf, Lc, Lk);
    for (int i = 0; i < m->M; i++) { /* ws.ylast = each UpPool input's last frame */
        const unet_mod *u = &m->mod[i];
        const int64_t Hi = cf->width[u->lev], Li = Lk[u->lev];
        for (int64_t s = 0; u->kind == MOD_UP && s < b; s++)
            TRY(m->be->copy(h->ws.ylast[i] + s * Hi, m->x[i] + (s * Li + Li - 1) * Hi, (size_t)Hi * sizeof(float)));
    }
    return h->has_tgt ? unet_xent(m, h->ctgt, h->count, loss) : SK_OK;
}

static int forward_chunked(sk_unet *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                           int64_t count, double *loss) {
    unet_chunker *h = m->ch;
    const int64_t S = h->S, n = (L + h->chunk - 1) / h->chunk;
    h->b = b, h->L = L, h->count = count, h->has_tgt = targets != NULL, h->last_kept = 0;
    memcpy(h->tok, tokens, (size_t)(b * L) * sizeof(int32_t));
    if (targets) memcpy(h->tgt, targets, (size_t)(b * L) * sizeof(int32_t));
    TRY(m->be->memzero(h->ws.base, (size_t)S * sizeof(float)));
    double total = 0;
    for (int64_t c = 0; c < n; c++) {
        TRY(m->be->copy(h->bound + c * S, h->ws.base, (size_t)S * sizeof(float))); /* bound[c] = s_c */
        double lc = 0;
        TRY(chunk_forward(m, c, &lc));
        total += lc;
    }
    if (targets && loss) *loss = total;
    h->last_kept = 1, m->fwd_chunked = L;
    return SK_OK;
}

static int backward_chunked(sk_unet *m) {
    unet_chunker *h = m->ch;
    const int64_t n = (h->L + h->chunk - 1) / h->chunk, S = h->S;
    unet_cstate *gout = NULL, *gin = &h->ga;
    for (int64_t c = n - 1; c >= 0; c--) {
        if (!(c == n - 1 && h->last_kept)) { /* recompute chunk c from its boundary state */
            TRY(m->be->copy(h->ws.base, h->bound + c * S, (size_t)S * sizeof(float)));
            TRY(chunk_forward(m, c, NULL));
        }
        for (int i = 0; i < m->M; i++) /* the UpPool frames before the chunk, in bound[c] */
            h->yprev[i] = h->ws.ylast[i] ? h->bound + c * S + (h->ws.ylast[i] - (float *)h->ws.base) : NULL;
        TRY(unet_backprop(m, gout, c > 0 ? gin : NULL, c > 0 ? (const float *const *)h->yprev : NULL));
        gout = gin, gin = gin == &h->ga ? &h->gb : &h->ga;
    }
    h->last_kept = 0;
    m->fwd_chunked = h->L; /* unet_run cleared it */
    return SK_OK;
}

void sk_unet_memory(const sk_unet *m, sk_model_mem *o) {
    memset(o, 0, sizeof *o);
    o->params = sk_arena_bytes(&m->pa);
    o->grads = (m->flags & SK_MODEL_GRADS) ? sk_arena_bytes(&m->ga) : 0;
    o->acts = sk_arena_bytes(&m->aa);
    o->act_block = m->act_block, o->nblocks = m->nblocks;
    o->host = m->max_b * m->max_L * (int64_t)sizeof(float); /* host_loss */
    const unet_chunker *h = m->ch;
    if (h) {
        o->chunk_states = ((h->nslots + 1 + ((m->flags & SK_MODEL_GRADS) ? 2 : 0)) * h->S + h->za.total) * (int64_t)sizeof(float);
        o->host += m->max_b * (h->max_total + h->chunk) * 2 * (int64_t)sizeof(int32_t);
    }
}

int sk_unet_zero_grad(sk_unet *m) {
    if (!(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "unet: model created without gradients");
    return m->be->memzero(m->gbase, (size_t)sk_arena_bytes(&m->ga));
}

/* ---- recurrent step (models/README.md §U-Net) ---- */

int sk_unet_state_create(sk_unet *m, int64_t b, sk_unet_state **out) {
    *out = NULL;
    if (b < 1 || b > m->max_b) return sk_error(SK_EINVAL, "unet state: batch %lld outside [1, %lld]", (long long)b, (long long)m->max_b);
    const sk_unet_config *c = &m->cfg;
    sk_unet_state *st = calloc(1, sizeof *st);
    if (!st) return sk_error(SK_ENOMEM, "unet state: out of memory");
    st->blk = calloc((size_t)m->M, sizeof *st->blk);
    st->sx = calloc((size_t)m->M + 1, sizeof *st->sx);
    st->buf = calloc((size_t)m->M, sizeof *st->buf);
    st->be = m->be, st->b = b;
    sk_arena_init(&st->arena, "state", sizeof(float));
    int rc = st->blk && st->sx && st->buf ? SK_OK : sk_error(SK_ENOMEM, "unet state: out of memory");
    for (int i = 0; i <= m->M && !rc; i++) {
        const int lev = i == 0 ? 0 : m->mod[i - 1].olev;
        rc = sk_arena_add(&st->arena, "stream", b * c->width[lev], (void **)&st->sx[i]);
    }
    for (int i = 0; i < m->M && !rc; i++) {
        const unet_mod *u = &m->mod[i];
        const sk_block_config *bc = u->c;
        if (u->kind == MOD_BLOCK) {
            if (bc->block != SK_BLOCK_S4_MLP)
                rc = sk_arena_add(&st->arena, "conv_state", b * (bc->d_conv - 1) * bc->d_inner, (void **)&st->blk[i].conv);
            if (!rc) rc = sk_arena_add(&st->arena, "ssm_state", b * sk_ssm_dim(bc) * sk_ssm_nk(bc), (void **)&st->blk[i].ssm);
        } else {
            const int64_t H = c->width[u->kind == MOD_DOWN ? u->lev : u->olev];
            rc = sk_arena_add(&st->arena, "pool_buffer", u->p * b * H, (void **)&st->buf[i]);
        }
    }
    if (!rc) rc = sk_arena_alloc_on(&st->arena, m->be, &st->base);
    if (rc) {
        sk_unet_state_free(st);
        return rc;
    }
    *out = st;
    return SK_OK;
}

int sk_unet_state_reset(sk_unet_state *st) {
    st->t = 0, st->ssm_nd = 0;
    return st->be->memzero(st->base, (size_t)sk_arena_bytes(&st->arena));
}

void sk_unet_state_free(sk_unet_state *st) {
    if (!st) return;
    if (st->base) st->be->free(st->base);
    st->arena.base = NULL;
    sk_arena_free(&st->arena);
    free(st->blk), free(st->sx), free(st->buf);
    free(st);
}

/* One raw step t for b sequences. Level k runs when (t+1) % P_k == 0, at its own time
 * tau_k = (t+1)/P_k - 1. Modules in forward order:
 *   DOWN_k (level k active): buffer[tau_k % p] = input; when level k+1 is active (the buffer is
 *     full) its output = Linear(buffer as one (b, p*H) frame), i.e. p GEMMs over (p, b, H).
 *   BLOCK at k (active): resblock with the recurrent state (the forward with L = 1).
 *   UP_k (level k active): output = buffer[tau_k % p]; then, if level k+1 is active (it just
 *     produced frame s), buffer = Linear(input) for the next p positions — after the read, which
 *     is the one-frame shift (the buffer starts at zero). models/README.md §U-Net.
 * After each active module the skip is added (its source ran in the same level step). */
static int step_generic(sk_unet *m, sk_unet_state *st, const int32_t *tokens, float *logits) {
    const sk_unet_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t b = st->b, D = c->d_model, V = c->vocab_size;
    int64_t Pk[SK_UNET_MAX_POOLS + 1];
    int active[SK_UNET_MAX_POOLS + 1];
    Pk[0] = 1;
    for (int k = 0; k < c->n_pool; k++) Pk[k + 1] = Pk[k] * c->pool[k];
    for (int k = 0; k <= c->n_pool; k++) active[k] = (st->t + 1) % Pk[k] == 0;
    TRY(be->upload(m->tok, tokens, (size_t)b * sizeof(int32_t)));
    TRY(be->embed_fwd(st->sx[0], (const int32_t *)m->tok, m->emb, b, V, D));
    for (int i = 0; i < m->M; i++) {
        unet_mod *u = &m->mod[i];
        const int kout = u->olev, kin = u->lev;
        if (!active[kout] && !(u->kind == MOD_DOWN && active[kin])) continue;
        if (u->kind == MOD_BLOCK) {
            TRY(sk_resblock_forward(be, u->c, st->sx[i + 1], st->sx[i], u->hn, u->rstd, m->mo[kin], u->norm_w, &u->act,
                                    &u->w, b, 1, NULL, &st->blk[i], &m->scr[kin]));
        } else if (u->kind == MOD_DOWN) {
            const int64_t H = c->width[kin], He = c->width[kout], tau = (st->t + 1) / Pk[kin] - 1, j = tau % u->p;
            TRY(be->copy(st->buf[i] + j * b * H, st->sx[i], (size_t)(b * H) * sizeof(float)));
            if (!active[kout]) continue;
            /* out (b, He) = sum_j buf[j] (b, H) @ W[:, j, :]^T + bias */
            for (int64_t jj = 0; jj < u->p; jj++) /* W[:, jj, :] is (He, H) with row stride p*H */
                TRY(be->gemm(0, 1, b, He, H, 1, st->buf[i] + jj * b * H, H, u->pw + jj * H, u->p * H, jj ? 1 : 0,
                             st->sx[i + 1], He));
            TRY(be->gemm(0, 0, b, He, 1, 1, m->ones, 1, u->pb, He, 1, st->sx[i + 1], He));
        } else {
            const int64_t Hi = c->width[kin], Ho = c->width[kout], tau = (st->t + 1) / Pk[kout] - 1, j = tau % u->p;
            TRY(be->copy(st->sx[i + 1], st->buf[i] + j * b * Ho, (size_t)(b * Ho) * sizeof(float)));
            if (active[kin]) /* refill: buf[jj] (b, Ho) = x (b, Hi) @ W[jj]^T (Ho, Hi) + bias[jj] */
                for (int64_t jj = 0; jj < u->p; jj++)
                    TRY(sk_linear_fwd(be, st->buf[i] + jj * b * Ho, st->sx[i], u->pw + jj * Ho * Hi, u->pb + jj * Ho, b,
                                      Ho, Hi, m->ones));
        }
        if (u->skip >= 0) TRY(be->axpy(st->sx[i + 1], st->sx[u->skip], 1.0f, b * c->width[kout]));
    }
    st->t++;
    TRY(be->rmsnorm_fwd(m->hf, m->rstdf, st->sx[m->M], m->norm_f, b, D, (float)c->norm_epsilon));
    TRY(sk_linear_fwd(be, m->logits, m->hf, m->head_w, m->head_b, b, V, D, m->ones));
    m->fwd_ok = 0;
    return logits ? be->download(logits, m->logits, (size_t)(b * V) * sizeof(float)) : SK_OK;
}

/* ---- the step on the CPU: packed weights, one team of threads (models/README.md §Recurrent step
 * on the CPU) ---- */

enum { PROBE_GAP = 4096, PROBE_GAP_MAX = 65536 };

typedef struct unet_host {
    float *mem;
    sk_hs_block *blk;  /* (M) packed real-S6 layers (fast[i]) */
    sk_hs_lin *pool;   /* (M) DOWN pool maps (b, p*H) -> He */
    sk_hs_lin **up;    /* (M) UP pool maps: p maps Hi -> Ho, one per output frame */
    sk_hs_lin *upmem;
    sk_hs_lin head;    /* final norm folded in */
    int *fast;         /* (M) */
    sk_hs_scratch scr;
    float *rstd[SK_HS_MAX_TEAM];
    float *swap;       /* (Di * N) of the largest packed layer: a state row being transposed */
    /* the team size (step_host): mode 1 or 2; probe 0 steady, 1 timing a period on one thread, 2
     * a trial period on the team; seconds of the current period and of the last one-thread
     * period; the step of the next probe and the steps between probes */
    int mode, probe;
    double acc, single;
    int64_t next, gap;
} unet_host;

static void host_free(unet_host *h) {
    if (!h) return;
    free(h->mem), free(h->blk), free(h->pool), free(h->up), free(h->upmem), free(h->fast);
    free(h);
}

/* (Re)pack the weights as they are now into m->hs (allocated on first use). */
static int host_pack(sk_unet *m) {
    const sk_unet_config *c = &m->cfg;
    const int64_t D = c->d_model, V = c->vocab_size, b = m->max_b;
    int64_t total = sk_hs_lin_floats(V, D, 1), Dp = 16, Dx = 16, nup = 0;
    for (int i = 0; i < m->M; i++) {
        const unet_mod *u = &m->mod[i];
        const int64_t Hi = c->width[u->lev], Ho = c->width[u->olev];
        if (u->kind == MOD_BLOCK && sk_hs_block_supported(u->c)) {
            total += sk_hs_block_floats(u->c);
            Dp = u->c->d_inner > Dp ? u->c->d_inner : Dp;
            Dx = u->c->dt_rank + 2 * u->c->d_state > Dx ? u->c->dt_rank + 2 * u->c->d_state : Dx;
        } else if (u->kind == MOD_DOWN) total += sk_hs_lin_floats(Ho, u->p * Hi, 1);
        else if (u->kind == MOD_UP) total += u->p * sk_hs_lin_floats(Ho, Hi, 1), nup += u->p;
    }
    Dp = (Dp + SK_HS_VL - 1) / SK_HS_VL * SK_HS_VL;
    int64_t swap = 0;
    for (int k = 0; k <= c->n_pool; k++) swap = c->level[k].d_inner * c->level[k].d_state > swap ? c->level[k].d_inner * c->level[k].d_state : swap;
    total += sk_hs_scratch_floats(b, Dp, Dx, D) + SK_HS_MAX_TEAM * (b + SK_HS_VL) + swap;
    unet_host *h = m->hs;
    if (!h) {
        h = m->hs = calloc(1, sizeof *h);
        if (h) {
            h->mem = malloc((size_t)total * sizeof(float));
            h->blk = calloc((size_t)m->M, sizeof *h->blk), h->pool = calloc((size_t)m->M, sizeof *h->pool);
            h->fast = calloc((size_t)m->M, sizeof *h->fast);
            h->up = calloc((size_t)m->M, sizeof *h->up), h->upmem = calloc((size_t)nup, sizeof *h->upmem);
        }
        if (!h || !h->mem || !h->blk || !h->pool || !h->fast || !h->up || !h->upmem) {
            host_free(h), m->hs = NULL;
            return sk_error(SK_ENOMEM, "unet step: out of memory for the packed weights (%.1f MiB)", total * 4.0 / 1048576);
        }
    }
    float *cur = h->mem;
    sk_hs_lin *upl = h->upmem;
    h->mode = 1, h->probe = 0, h->acc = h->single = 0, h->next = 0, h->gap = PROBE_GAP;
    for (int i = 0; i < m->M; i++) {
        const unet_mod *u = &m->mod[i];
        const int64_t Hi = c->width[u->lev], Ho = c->width[u->olev];
        h->fast[i] = u->kind == MOD_BLOCK && sk_hs_block_supported(u->c);
        if (h->fast[i]) sk_hs_block_pack(&h->blk[i], &cur, u->c, u->norm_w, &u->w);
        else if (u->kind == MOD_DOWN) sk_hs_lin_pack(&h->pool[i], &cur, u->pw, u->p * Hi, Ho, u->p * Hi, u->pb, NULL);
        else if (u->kind == MOD_UP)
            for (int64_t j = 0; j < u->p; j++, upl++) {
                if (!j) h->up[i] = upl;
                sk_hs_lin_pack(upl, &cur, u->pw + j * Ho * Hi, Hi, Ho, Hi, u->pb + j * Ho, NULL);
            }
    }
    sk_hs_lin_pack(&h->head, &cur, m->head_w, D, V, D, m->head_b, m->norm_f);
    sk_hs_scratch_carve(&h->scr, &cur, b, Dp, Dx, D);
    for (int t = 0; t < SK_HS_MAX_TEAM; t++) h->rstd[t] = cur, cur += b + SK_HS_VL;
    h->swap = cur;
    return SK_OK;
}

/* The SSM states of the packed layers between the block's (b, Di, N) and the host step's
 * (b, N, Di) (to_nd). */
static void ssm_layout(const sk_unet *m, sk_unet_state *st, int to_nd) {
    const unet_host *h = m->hs;
    for (int i = 0; i < m->M; i++) {
        if (!h->fast[i]) continue;
        const int64_t Di = h->blk[i].Di, N = h->blk[i].N;
        for (int64_t r = 0; r < st->b; r++) {
            float *s = st->blk[i].ssm + r * Di * N;
            for (int64_t a = 0; a < Di * N; a++) h->swap[a] = s[a];
            for (int64_t c = 0; c < Di; c++)
                for (int64_t n = 0; n < N; n++) {
                    if (to_nd) s[n * Di + c] = h->swap[c * N + n];
                    else s[c * N + n] = h->swap[n * Di + c];
                }
        }
    }
    st->ssm_nd = to_nd;
}

/* y (b, n) += x (b, n): this thread's columns. */
static void team_add(float *y, const float *x, int64_t b, int64_t n, int tid, int nth) {
    int64_t lo, hi;
    sk_hs_split(n, tid, nth, &lo, &hi);
    for (int64_t r = 0; r < b; r++)
        for (int64_t j = lo; j < hi; j++) y[r * n + j] += x[r * n + j];
}

/* The step of sk_unet_step on host memory by thread tid of team tm (every thread calls it). A
 * DOWN pool's buffer is (b, p, H) here, so its rows are one (b, p*H) operand; UP buffers keep the
 * (p, b, H) of sk_unet_forward_state. */
static int host_team_step(sk_unet *m, sk_unet_state *st, const int32_t *tokens, float *lg, const int *active,
                          const int64_t *Pk, sk_hs_team *tm, int tid) {
    const sk_unet_config *c = &m->cfg;
    const unet_host *h = m->hs;
    const int64_t b = st->b, D = c->d_model;
    const int nth = tm->nth;
    int rc = SK_OK;
    if (tid == 0)
        for (int64_t r = 0; r < b; r++) memcpy(st->sx[0] + r * D, m->emb + tokens[r] * D, (size_t)D * sizeof(float));
    sk_hs_sync(tm);
    for (int i = 0; i < m->M; i++) {
        unet_mod *u = &m->mod[i];
        const int kout = u->olev, kin = u->lev;
        if (!active[kout] && !(u->kind == MOD_DOWN && active[kin])) continue;
        const int64_t Hi = c->width[kin], Ho = c->width[kout];
        if (u->kind == MOD_BLOCK && h->fast[i]) {
            sk_hs_block_step(&h->blk[i], st->sx[i + 1], st->sx[i], b, st->blk[i].conv, st->blk[i].ssm, &h->scr, tm, tid);
        } else if (u->kind == MOD_BLOCK) { /* a kind without a packed step: the forward with L = 1 */
            if (tid == 0 && !rc)
                rc = sk_resblock_forward(m->be, u->c, st->sx[i + 1], st->sx[i], u->hn, u->rstd, m->mo[kin], u->norm_w,
                                         &u->act, &u->w, b, 1, NULL, &st->blk[i], &m->scr[kin]);
            sk_hs_sync(tm);
        } else if (u->kind == MOD_DOWN) {
            const int64_t j = ((st->t + 1) / Pk[kin] - 1) % u->p;
            if (tid == 0)
                for (int64_t r = 0; r < b; r++)
                    memcpy(st->buf[i] + (r * u->p + j) * Hi, st->sx[i] + r * Hi, (size_t)Hi * sizeof(float));
            sk_hs_sync(tm);
            if (!active[kout]) continue;
            sk_hs_lin_part(&h->pool[i], st->sx[i + 1], Ho, st->buf[i], u->p * Hi, b, NULL, tid, nth);
            sk_hs_sync(tm);
        } else {
            const int64_t j = ((st->t + 1) / Pk[kout] - 1) % u->p;
            if (tid == 0) memcpy(st->sx[i + 1], st->buf[i] + j * b * Ho, (size_t)(b * Ho) * sizeof(float));
            sk_hs_sync(tm);
            for (int64_t jj = 0; active[kin] && jj < u->p; jj++)
                sk_hs_lin_part(&h->up[i][jj], st->buf[i] + jj * b * Ho, Ho, st->sx[i], Hi, b, NULL, tid, nth);
        }
        if (u->skip >= 0) team_add(st->sx[i + 1], st->sx[u->skip], b, Ho, tid, nth);
        if (u->skip >= 0 || u->kind == MOD_UP) sk_hs_sync(tm);
    }
    sk_hs_rstd(h->rstd[tid], st->sx[m->M], b, D, (float)c->norm_epsilon);
    sk_hs_lin_part(&h->head, lg, c->vocab_size, st->sx[m->M], D, b, h->rstd[tid], tid, nth);
    return rc;
}

static int step_host(sk_unet *m, sk_unet_state *st, const int32_t *tokens, float *logits) {
    const sk_unet_config *c = &m->cfg;
    if (!m->hs || st->t == 0) TRY(host_pack(m)); /* a sequence steps with the weights it started with */
    if (!st->ssm_nd) ssm_layout(m, st, 1);
    int64_t Pk[SK_UNET_MAX_POOLS + 1];
    int active[SK_UNET_MAX_POOLS + 1];
    Pk[0] = 1;
    for (int k = 0; k < c->n_pool; k++) Pk[k + 1] = Pk[k] * c->pool[k];
    for (int k = 0; k <= c->n_pool; k++) active[k] = (st->t + 1) % Pk[k] == 0;
    float *lg = logits ? logits : m->logits;
    unet_host *h = m->hs;
    int nth = 1;
#ifdef _OPENMP
    if (!omp_in_parallel()) nth = omp_get_max_threads();
#endif
    nth = nth < SK_HS_MAX_TEAM ? nth : SK_HS_MAX_TEAM;
    /* A team pays off only while its threads run at the same time: on a busy machine a thread
     * waits for the other's next time slice at every barrier. So the step times itself by pool
     * periods (the same mix of levels each): a probe times one period on one thread, then tries
     * the next on the team, and keeps the team if that period was faster. A trial is cut short
     * once it has taken twice the one-thread period; each lost trial doubles the gap to the next
     * probe (4096 steps up to 65536). Results do not depend on the choice: each output element
     * is computed by the same code. */
    const int64_t P = Pk[c->n_pool], ph = st->t % P;
    if (nth > 1 && ph == 0) {
        if (h->probe == 1) h->single = h->acc, h->probe = 2, h->mode = nth;            /* try the team */
        else if (h->probe == 2) {                                                   /* a whole trial */
            const int won = h->acc < h->single;
            h->mode = won ? nth : 1, h->probe = 0;
            h->gap = won ? PROBE_GAP : (h->gap * 2 < PROBE_GAP_MAX ? h->gap * 2 : PROBE_GAP_MAX), h->next = st->t + h->gap;
        }
        if (h->probe == 0 && st->t >= h->next) h->probe = 1, h->mode = 1;           /* time one thread */
        h->acc = 0;
    }
    if (nth > 1) nth = h->mode;
    const double t0 = sk_now();
    sk_hs_team tm;
    sk_hs_team_init(&tm, nth);
    int rc = SK_OK;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        int r = host_team_step(m, st, tokens, lg, active, Pk, &tm, tid);
        if (r) rc = r; /* only thread 0 fails (the generic layer) */
    }
    h->acc += sk_now() - t0;
    if (h->probe == 2 && h->acc > 2 * h->single) { /* the trial lost already */
        h->mode = 1, h->probe = 0;
        h->gap = h->gap * 2 < PROBE_GAP_MAX ? h->gap * 2 : PROBE_GAP_MAX, h->next = st->t + h->gap;
    }
    st->t++;
    m->fwd_ok = 0;
    return rc;
}

int sk_unet_step(sk_unet *m, sk_unet_state *st, const int32_t *tokens, float *logits) {
    const int64_t V = m->cfg.vocab_size;
    for (int64_t i = 0; i < st->b; i++)
        if (tokens[i] < 0 || tokens[i] >= V)
            return sk_error(SK_EINVAL, "token %d of sequence %lld is outside [0, %lld)", tokens[i], (long long)i, (long long)V);
    return m->be->device == SK_DEVICE_CPU ? step_host(m, st, tokens, logits) : step_generic(m, st, tokens, logits);
}

/* ---- checkpoints ---- */

static int save_tensors(const sk_unet *m, const char *path, int grads) {
    if (grads && !(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "%s: the model has no gradients", path);
    char *cfg = sk_unet_config_to_json(&m->cfg);
    int rc = sk_params_save(m->be, m->params, m->np, sk_unet_numel(m), cfg, path, grads);
    free(cfg);
    return rc;
}
int sk_unet_save(const sk_unet *m, const char *path) { return save_tensors(m, path, 0); }
int sk_unet_save_grads(const sk_unet *m, const char *path) { return save_tensors(m, path, 1); }

/* Every parameter of m's table is in st with the table's shape (m may be a plan). */
static int check_params(const sk_unet *m, const sk_st *st, const char *path) {
    for (int i = 0; i < m->np; i++) {
        const sk_param *p = &m->params[i];
        const sk_st_tensor *t = sk_st_find(st, p->name);
        if (!t) return sk_error(SK_EFORMAT, "%s: tensor %s is missing", path, p->name);
        int same = t->ndim == p->ndim;
        for (int d = 0; same && d < p->ndim; d++) same = t->shape[d] == p->shape[d];
        if (!same) {
            char got[96] = "", want[96] = "";
            for (int d = 0; d < t->ndim && d < 3; d++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? ", " : "", (long long)t->shape[d]);
            for (int d = 0; d < p->ndim; d++)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", d ? ", " : "", (long long)p->shape[d]);
            return sk_error(SK_EFORMAT, "%s: tensor %s has shape [%s%s] but the config expects [%s]", path, p->name, got,
                            t->ndim > 3 ? ", ..." : "", want);
        }
    }
    return SK_OK;
}

int sk_unet_load_params(sk_unet *m, const char *path) {
    sk_st *st = NULL;
    TRY(sk_st_open(path, &st));
    int64_t maxn = 1;
    int big = 0;
    for (int i = 0; i < m->np; i++)
        if (m->params[i].numel > maxn) maxn = m->params[i].numel, big = i;
    int rc = check_params(m, st, path);
    float *h = rc ? NULL : malloc((size_t)maxn * sizeof(float));
    if (!rc && !h)
        rc = sk_error(SK_ENOMEM, "%s: out of memory for a host copy of tensor %s (%.1f MiB)", path, m->params[big].name,
                      (double)maxn * 4 / 1048576.0);
    for (int i = 0; i < m->np && !rc; i++) {
        const sk_param *p = &m->params[i];
        rc = sk_st_read_f32(st, p->name, h, p->numel);
        if (!rc) rc = m->be->upload(p->w, h, (size_t)p->numel * sizeof(float));
    }
    free(h);
    sk_st_close(st);
    return rc;
}

int sk_unet_load(sk_unet **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len, int flags) {
    *out = NULL;
    sk_st *st = NULL;
    TRY(sk_st_open(path, &st));
    const char *cj = sk_st_meta(st, "config");
    cJSON *o = NULL;
    sk_unet_config c;
    int rc = cj ? sk_json_parse(cj, (int64_t)strlen(cj), path, &o)
                : sk_error(SK_EFORMAT, "%s: no model config in the metadata (not an ssmkit checkpoint)", path);
    if (!rc && !sk_unet_config_is_unet(o)) rc = sk_error(SK_EUNSUP, "%s: not a U-Net (audio) model", path);
    if (!rc) rc = sk_unet_config_from_json(o, path, &c);
    cJSON_Delete(o);
    /* the tensors' shapes against the config before anything is allocated (a plan first) */
    sk_unet *m = NULL;
    if (!rc && (rc = sk_unet_create(&m, &c, be, max_batch, max_len, flags | SK_MODEL_PLAN))) sk_error_wrap(rc, "%s: ", path);
    if (!rc) rc = check_params(m, st, path);
    sk_st_close(st);
    if (!rc && !(flags & SK_MODEL_PLAN)) {
        sk_unet_free(m), m = NULL;
        if ((rc = sk_unet_create(&m, &c, be, max_batch, max_len, flags))) sk_error_wrap(rc, "%s: ", path);
        if (!rc) rc = sk_unet_load_params(m, path);
    }
    if (rc) {
        sk_unet_free(m);
        return rc;
    }
    *out = m;
    return SK_OK;
}
