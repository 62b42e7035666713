/* sk_generate.c — see sk_generate.h. */
#include "models/sk_generate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_model.h"
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"

/* ---- language models ---- */

/* tokens from a file: bytes (wide = 0) or int32 LE (wide = 1) */
static int read_tokens(const char *path, int wide, int64_t vocab, int32_t **out, int64_t *n) {
    char *data = NULL;
    int64_t len = 0;
    *out = NULL, *n = 0;
    int rc = sk_read_file_max(path, SK_PROMPT_MAX_BYTES, &data, &len);
    if (rc) return rc;
    if (!len) {
        free(data);
        return sk_error(SK_EINVAL, "%s: empty prompt file (leave out -P to start from --bos)", path);
    }
    int64_t w = wide ? 4 : 1;
    if (len % w) {
        free(data);
        return sk_error(SK_EFORMAT, "%s: %lld bytes is not a whole number of int32 tokens", path, (long long)len);
    }
    *n = len / w;
    *out = malloc((size_t)(*n ? *n : 1) * sizeof(int32_t));
    if (!*out) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    for (int64_t i = 0; i < *n && !rc; i++) {
        int32_t t;
        if (wide) memcpy(&t, data + 4 * i, 4);
        else t = (uint8_t)data[i];
        if (t < 0 || t >= vocab)
            rc = sk_error(SK_EINVAL, "%s: token %lld is %d, outside the model's vocabulary [0, %lld)", path, (long long)i, t,
                          (long long)vocab);
        (*out)[i] = t;
    }
    free(data);
    if (rc) free(*out), *out = NULL;
    return rc;
}

typedef struct sink { /* buffered token output, atomic for files */
    sk_afile af;
    FILE *fp;
    int wide, open;
    unsigned char buf[1 << 14];
    size_t used;
} sink;

static int sink_flush(sink *s) {
    if (!s->used) return SK_OK;
    int rc = s->fp == stdout ? (fwrite(s->buf, 1, s->used, stdout) == s->used ? SK_OK : sk_error(SK_EIO, "stdout: write failed"))
                             : sk_afile_write(&s->af, s->buf, s->used);
    s->used = 0;
    return rc;
}
static int sink_put(sink *s, int32_t t) {
    if (s->used + 4 > sizeof s->buf) {
        int rc = sink_flush(s);
        if (rc) return rc;
    }
    if (s->wide) memcpy(s->buf + s->used, &t, 4), s->used += 4;
    else s->buf[s->used++] = (unsigned char)t;
    return SK_OK;
}

/* The prompt tokens, or the one token bos when there is none (then it is not written). */
static int read_prompt(const sk_generate_opts *o, int wide, int64_t vocab, int32_t **prompt, int64_t *np, int *incl) {
    int rc;
    *prompt = NULL, *np = 0;
    if (o->prompt && (rc = read_tokens(o->prompt, wide, vocab, prompt, np))) return rc;
    if (!o->prompt || *np == 0) {
        free(*prompt), *prompt = NULL;
        if (o->bos < 0 || o->bos >= vocab)
            return sk_error(SK_EINVAL, "--bos %d is outside the vocabulary [0, %lld)", o->bos, (long long)vocab);
        if (!(*prompt = malloc(sizeof **prompt))) return sk_error(SK_ENOMEM, "out of memory");
        (*prompt)[0] = o->bos, *np = 1, *incl = 0;
    }
    return SK_OK;
}

int sk_generate_lm(const char *model, const sk_backend *be, int64_t ntok, const char *out, const sk_generate_opts *o,
                   int64_t *prompt_len, double *seconds) {
    sk_model_config *cfg = NULL;
    int rc = sk_model_config_read(model, SK_MODEL_LM_ONLY, &cfg);
    if (rc) return rc;
    const int64_t vocab = sk_model_config_vocab(cfg);
    sk_model_config_free(cfg);
    const int wide = vocab > 256;
    int32_t *prompt = NULL;
    int64_t np = 0;
    int incl = o->include_prompt;
    if ((rc = read_prompt(o, wide, vocab, &prompt, &np, &incl))) return rc;
    int64_t maxL = np < o->chunk ? np : o->chunk;
    sk_model *m = NULL;
    sk_model_state *st = NULL;
    rc = sk_model_load(&m, model, be, 1, maxL, SK_MODEL_LM_ONLY);
    const int64_t V = m ? sk_model_logits_width(m) : 1;
    float *logits = malloc((size_t)(maxL * V) * sizeof(float));
    void *scratch = malloc(sk_sample_scratch_size(V));
    sink *s = calloc(1, sizeof *s);
    if (!rc && (!logits || !scratch || !s)) rc = sk_error(SK_ENOMEM, "out of memory");
    if (!rc) rc = sk_model_state_create(m, 1, &st);
    if (!rc) {
        s->wide = wide;
        if (!strcmp(out, "-")) s->fp = stdout;
        else if (!(rc = sk_afile_open(&s->af, out))) s->open = 1;
    }
    /* prefill: the prompt in chunks through the parallel forward, carrying the state */
    int64_t last = 0;
    for (int64_t p = 0; p < np && !rc; p += last) {
        last = np - p < maxL ? np - p : maxL;
        rc = sk_model_forward_state(m, st, prompt + p, NULL, NULL, last, NULL);
        if (!rc) rc = sk_model_logits(m, logits);
    }
    for (int64_t i = 0; incl && i < np && !rc; i++) rc = sink_put(s, prompt[i]);
    /* logits of the last prompt position */
    const float *lg = logits + (last - 1) * V;
    sk_rng rng;
    sk_rng_seed(&rng, o->seed, 0);
    double t0 = sk_now();
    sk_progress_item(o->progress, NULL, ntok);
    for (int64_t i = 0; i < ntok && !rc; i++, sk_progress_add(o->progress, 1)) {
        int32_t tok = 0;
        /* tokens past vocab_size (padding rows) are never drawn: the sampler sees vocab_size logits */
        rc = sk_sample(lg, vocab, &o->sp, &rng, scratch, &tok);
        if (!rc) rc = sink_put(s, tok);
        if (!rc && i + 1 < ntok) rc = sk_model_step(m, st, &tok, logits), lg = logits;
    }
    if (!rc) rc = sink_flush(s);
    if (!rc && s->open) rc = sk_afile_commit(&s->af), s->open = 0;
    if (!rc && s->fp == stdout) fflush(stdout);
    if (!rc && seconds) *seconds = sk_now() - t0;
    if (!rc && prompt_len) *prompt_len = np;
    if (s && s->open) sk_afile_abort(&s->af);
    sk_model_state_free(st);
    sk_model_free(m);
    free(logits);
    free(scratch);
    free(prompt);
    free(s);
    return rc;
}

/* ---- clips from an audio model ----
 *
 * Step t feeds token x_t (x_0 = bos; x_t = the clip's token t-1) and gives the logits of token
 * t; prefix tokens are fed as they are, the others drawn with sk_sample. A recurrent step is
 * hundreds of tiny ops, too small to split across threads (a fork/join per op costs more than the
 * op), so with T threads the clips of a batch are split into up to T groups instead, each stepped
 * by its own thread with its own copy of the model (the kernels inside run on one thread). */

struct sk_clipgen {
    sk_model **m;            /* (nm) model copies: one per thread */
    int nm;
    int64_t batch, gsize, P;
    int32_t bos;
};

/* The checkpoint must hold an audio model (one trained on bos-shifted mu-law sequences: the
 * U-Net): say clearly what it is otherwise. */
static int load_audio_model(const char *path, int64_t batch, sk_model **m) {
    sk_st *st = NULL;
    int rc = sk_st_open(path, &st);
    if (rc) return rc;
    const char *cfg = sk_st_meta(st, "config");
    cJSON *j = cfg ? cJSON_Parse(cfg) : NULL;
    if (!j) rc = sk_error(SK_EFORMAT, "%s: no model config in the checkpoint metadata (not an ssmkit checkpoint)", path);
    cJSON_Delete(j);
    sk_st_close(st);
    sk_model_config *c = NULL;
    if (!rc) rc = sk_model_config_read(path, SK_MODEL_UNET_ONLY, &c); /* an LM or a classifier: says which */
    const int64_t P = rc ? 1 : sk_model_config_length_multiple(c);
    sk_model_config_free(c);
    return rc ? rc : sk_model_load(m, path, sk_backend_cpu(), batch, P, 0);
}

int sk_clipgen_create(sk_clipgen **out, const char *model, int64_t batch, int threads) {
    sk_clipgen *g = calloc(1, sizeof *g);
    *out = g;
    if (!g) return sk_error(SK_ENOMEM, "out of memory");
    /* groups: up to `threads` per batch, each of at most gsize clips, one model copy per group */
    g->nm = (int)(threads < batch ? threads : batch);
    g->batch = batch, g->gsize = (batch + g->nm - 1) / g->nm, g->P = 1;
    int rc = (g->m = calloc((size_t)g->nm, sizeof *g->m)) ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    for (int k = 0; !rc && k < g->nm; k++) rc = load_audio_model(model, g->gsize, &g->m[k]);
    if (!rc) { /* the length multiple: the longest length the loader gave the model */
        sk_model_config *c = NULL;
        rc = sk_model_config_read(model, 0, &c);
        if (!rc) g->P = sk_model_config_length_multiple(c), g->bos = sk_model_config_bos(c);
        sk_model_config_free(c);
    }
    return rc;
}

int64_t sk_clipgen_length_multiple(const sk_clipgen *g) { return g->P; }

void sk_clipgen_free(sk_clipgen *g) {
    for (int k = 0; g && g->m && k < g->nm; k++) sk_model_free(g->m[k]);
    if (g) free(g->m);
    free(g);
}

/* log softmax(z)[k] in double */
static double log_prob(const float *z, int64_t V, int k) {
    double mx = z[0], s = 0;
    for (int64_t v = 1; v < V; v++) mx = z[v] > mx ? z[v] : mx;
    for (int64_t v = 0; v < V; v++) s += exp((double)z[v] - mx);
    return (double)z[k] - mx - log(s);
}

typedef struct clip_job {
    int64_t len, npre;
    const uint8_t *prefix;   /* (npre) */
    const sk_sample_params *sp;
    uint64_t seed;
    int32_t bos;
    uint8_t *out;            /* (count, len) */
    double *ll;              /* (count) */
    sk_progress *pb;
    int64_t done;
} clip_job;

/* Clips [c0, c0 + b) by the recurrent step of model copy m (called from one thread per copy). */
static int run_batch(clip_job *g, sk_model *m, int64_t c0, int64_t b) {
    sk_model_state *st = NULL;
    int rc = sk_model_state_create(m, b, &st);
    if (rc) return rc;
    const int64_t V = sk_model_vocab(m);
    int32_t *tok = malloc(sizeof(int32_t) * (size_t)b);
    float *lg = malloc(sizeof(float) * (size_t)(b * V));
    sk_rng *rng = malloc(sizeof(sk_rng) * (size_t)b);
    void *scratch = malloc(sk_sample_scratch_size(V));
    if (!tok || !lg || !rng || !scratch) rc = sk_error(SK_ENOMEM, "out of memory");
    for (int64_t r = 0; !rc && r < b; r++) {
        sk_rng_seed(&rng[r], g->seed, (uint64_t)(c0 + r));
        tok[r] = g->bos;
        g->ll[c0 + r] = 0;
    }
    for (int64_t t = 0; !rc && t < g->len; t++) {
        rc = sk_model_step(m, st, tok, lg);  /* lg[r] = logits of token t */
        for (int64_t r = 0; !rc && r < b; r++) {
            const float *z = lg + r * V;
            int32_t s;
            if (t < g->npre) s = g->prefix[t];
            else {
                rc = sk_sample(z, V, g->sp, &rng[r], scratch, &s);
                if (rc) break;
                g->ll[c0 + r] += log_prob(z, V, s);
            }
            g->out[(c0 + r) * g->len + t] = (uint8_t)s;
            tok[r] = s;
        }
#pragma omp critical(clipgen_progress)
        {
            g->done += b;
            sk_progress_update(g->pb, g->done);
        }
    }
    free(tok);
    free(lg);
    free(rng);
    free(scratch);
    sk_model_state_free(st);
    return rc;
}

/* A batch of b clips from c0 as groups of gsize, one thread and model copy per group. Errors
 * are recorded per thread (sk_error): the first failing group's message is raised again here. */
static int run_groups(const sk_clipgen *gen, clip_job *g, int64_t c0, int64_t b) {
    const int64_t gsize = gen->gsize;
    const int ng = (int)((b + gsize - 1) / gsize);
    int rc = SK_OK;
    char msg[1024] = "";
#pragma omp parallel for schedule(static, 1) num_threads(ng) if (ng > 1)
    for (int k = 0; k < ng; k++) {
        const int64_t s0 = c0 + k * gsize, n = b - k * gsize < gsize ? b - k * gsize : gsize;
        int r = run_batch(g, gen->m[k], s0, n);
        if (r) {
#pragma omp critical(clipgen_error)
            if (!rc) rc = r, snprintf(msg, sizeof msg, "%s", sk_errmsg());
        }
    }
    return rc ? sk_error(rc, "%s", msg) : SK_OK;
}

int sk_clipgen_run(sk_clipgen *gen, int64_t count, int64_t len, const uint8_t *prefix, int64_t npre, const sk_sample_params *sp,
                   uint64_t seed, uint8_t *out, double *ll, sk_progress *pb) {
    clip_job g = {len, npre, prefix, sp, seed, gen->bos, out, ll, pb, 0};
    sk_progress_item(pb, NULL, count * len);
    int rc = SK_OK;
    for (int64_t c0 = 0; !rc && c0 < count; c0 += gen->batch)
        rc = run_groups(gen, &g, c0, count - c0 < gen->batch ? count - c0 : gen->batch);
    return rc;
}

typedef struct clip {
    int64_t index;
    double ll;
} clip;

static int by_ll(const void *a, const void *b) {
    const clip *x = a, *y = b;
    if (x->ll != y->ll) return x->ll > y->ll ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int sk_clip_rank(const double *ll, int64_t count, int64_t *order) {
    clip *rank = malloc(sizeof(clip) * (size_t)(count ? count : 1));
    if (!rank) return sk_error(SK_ENOMEM, "out of memory");
    for (int64_t c = 0; c < count; c++) rank[c] = (clip){c, ll[c]};
    qsort(rank, (size_t)count, sizeof *rank, by_ll);
    for (int64_t k = 0; k < count; k++) order[k] = rank[k].index;
    free(rank);
    return SK_OK;
}
