/* sk_trainer.c — AdamW over a parameter table and the training loop (sk_trainer.h). */
#include "models/sk_trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "models/sk_param.h"
#include "src/sk_dist.h"
#include "src/sk_guard.h"
#include "src/sk_io.h"
#include "src/sk_jsonl.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"

/* ================================================================================ optimizer */

struct sk_optimizer {
    const sk_model *m;
    const sk_backend *be;
    sk_optim_hparams h;
    int np;
    int64_t numel, max_numel;
    int64_t *off;     /* (np) element offset of parameter i in the moment buffers */
    float *mom_m;     /* backend (numel) first moments, parameter-table layout */
    float *mom_v;     /* backend (numel) second moments */
    float *host;      /* host (max_numel) scratch for the gradient norm */
};

int sk_optimizer_create(sk_optimizer **out, const sk_model *m, const sk_optim_hparams *h) {
    *out = NULL;
    TRY(sk_optim_check(h));
    const sk_backend *be = sk_model_backend(m);
    TRY(sk_backend_require_groups(be, SK_OPS_OPTIM)); /* gradient scaling and the update */
    sk_optimizer *o = calloc(1, sizeof *o);
    if (!o) return sk_error(SK_ENOMEM, "optimizer: out of memory");
    o->m = m, o->be = be, o->h = *h, o->np = sk_model_nparams(m);
    o->off = calloc((size_t)(o->np > 0 ? o->np : 1), sizeof *o->off);
    int rc = o->off ? SK_OK : sk_error(SK_ENOMEM, "optimizer: out of memory");
    for (int i = 0; i < o->np && !rc; i++) {
        const sk_param *p = sk_model_param(m, i);
        if (!p->g) rc = sk_error(SK_EINVAL, "optimizer: parameter %s has no gradient (model built without gradients)", p->name);
        o->off[i] = o->numel;
        o->numel += p->numel;
        if (p->numel > o->max_numel) o->max_numel = p->numel;
    }
    size_t bytes = (size_t)(o->numel ? o->numel : 1) * sizeof(float);
    if (!rc) rc = be->alloc((void **)&o->mom_m, bytes);
    if (!rc) rc = be->alloc((void **)&o->mom_v, bytes);
    if (!rc && !(o->host = malloc((size_t)(o->max_numel ? o->max_numel : 1) * sizeof(float))))
        rc = sk_error(SK_ENOMEM, "optimizer: out of memory");
    if (rc) {
        sk_optimizer_free(o);
        return rc;
    }
    *out = o;
    return SK_OK;
}

void sk_optimizer_free(sk_optimizer *o) {
    if (!o) return;
    if (o->mom_m) o->be->free(o->mom_m);
    if (o->mom_v) o->be->free(o->mom_v);
    free(o->off);
    free(o->host);
    free(o);
}

int64_t sk_optimizer_numel(const sk_optimizer *o) { return o->numel; }

int sk_optimizer_grad_norm(sk_optimizer *o, double *norm) {
    /* ||g||_2 = sqrt(sum_i g_i^2), accumulated in double in parameter-table order */
    double s = 0;
    for (int i = 0; i < o->np; i++) {
        const sk_param *p = sk_model_param(o->m, i);
        TRY(o->be->download(o->host, p->g, (size_t)p->numel * sizeof(float)));
        for (int64_t k = 0; k < p->numel; k++) s += (double)o->host[k] * o->host[k];
    }
    *norm = sqrt(s);
    return SK_OK;
}

double sk_clip_factor(double clip, double norm) {
    double c = clip > 0 ? clip / (norm + 1e-6) : 1;
    return c < 1 ? c : 1;
}

int sk_optimizer_scale_grads(sk_optimizer *o, float s) {
    /* g += (s - 1) g */
    for (int i = 0; i < o->np; i++) {
        const sk_param *p = sk_model_param(o->m, i);
        TRY(o->be->axpy(p->g, p->g, s - 1.0f, p->numel));
    }
    return SK_OK;
}

int sk_optimizer_step(sk_optimizer *o, double lr, int64_t t) {
    for (int i = 0; i < o->np; i++) {
        const sk_param *p = sk_model_param(o->m, i);
        float wd = (!p->no_weight_decay && sk_optim_decays(p->name, p->ndim)) ? (float)o->h.weight_decay : 0.0f;
        TRY(o->be->adamw(p->w, p->g, o->mom_m + o->off[i], o->mom_v + o->off[i], p->numel, (float)lr,
                        (float)o->h.beta1, (float)o->h.beta2, (float)o->h.eps, wd, t));
    }
    return SK_OK;
}

/* ================================================================================ files */

char *sk_train_derived_path(const char *ckpt, const char *suffix) {
    size_t n = strlen(ckpt);
    const char *ext = ".safetensors";
    size_t ne = strlen(ext);
    if (n > ne && !strcmp(ckpt + n - ne, ext)) n -= ne;
    char *s = malloc(n + strlen(suffix) + 1);
    if (!s) return NULL;
    memcpy(s, ckpt, n);
    strcpy(s + n, suffix);
    return s;
}

/* Host copies of all parameters (`what` 0) or of the AdamW moments (1 = m, 2 = v) of the table,
 * added to `w` under prefix + name. host: (numel) floats, filled in table order. */
static int add_tensors(sk_stw *w, const sk_model *m, const sk_optimizer *o, int what, const char *prefix, float *host) {
    const sk_backend *be = sk_model_backend(m);
    int np = sk_model_nparams(m);
    int64_t off = 0;
    for (int i = 0; i < np; i++) {
        const sk_param *p = sk_model_param(m, i);
        const float *src = what == 0 ? p->w : what == 1 ? o->mom_m + o->off[i] : o->mom_v + o->off[i];
        TRY(be->download(host + off, src, (size_t)p->numel * sizeof(float)));
        char name[160];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        TRY(sk_stw_add(w, name, SK_F32, p->ndim, p->shape, host + off));
        off += p->numel;
    }
    return SK_OK;
}

int sk_train_save_model(const sk_model *m, const char *path, const char *const *meta) {
    int64_t n = sk_model_numel(m);
    float *host = malloc((size_t)(n ? n : 1) * sizeof(float));
    char *cfg = sk_model_config_json(m);
    sk_stw *w = NULL;
    int rc = !host || !cfg ? sk_error(SK_ENOMEM, "%s: out of memory", path) : sk_stw_create(&w);
    if (!rc) rc = add_tensors(w, m, NULL, 0, "", host);
    if (!rc) rc = sk_stw_meta(w, "config", cfg);
    if (!rc) rc = sk_stw_meta(w, "format", "ssmkit");
    for (int i = 0; meta && meta[i] && !rc; i += 2) rc = sk_stw_meta(w, meta[i], meta[i + 1]);
    if (!rc) rc = sk_stw_write(w, path);
    sk_stw_free(w);
    free(host);
    free(cfg);
    return rc;
}

int sk_train_state_peek(const char *path, char **config_json, char **train_json) {
    *config_json = *train_json = NULL;
    sk_st *st = NULL;
    TRY(sk_st_open(path, &st));
    const char *c = sk_st_meta(st, "config"), *t = sk_st_meta(st, "train");
    int rc = SK_OK;
    if (!c || !t || !sk_st_find(st, "train.step"))
        rc = sk_error(SK_EFORMAT, "%s: not an ssmkit training-state file (no config/train metadata or train.step)", path);
    else if (!(*config_json = strdup(c)) || !(*train_json = strdup(t))) {
        free(*config_json);
        *config_json = NULL;
        rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    sk_st_close(st);
    return rc;
}

/* ================================================================================ evaluation */

/* The model's forward on a batch of d: with the batch's reset flags when d packs rows. */
static int data_forward(sk_model *m, const sk_data *d, const int32_t *in, const int32_t *tg, int64_t b, int64_t L,
                        double *loss) {
    const uint8_t *rs = d ? sk_data_resets(d) : NULL;
    if (!rs) return sk_model_forward(m, in, tg, b, L, loss);
    int rc = sk_model_forward_packed(m, in, tg, rs, b, L, loss);
    if (rc == SK_EUNSUP)
        return sk_error(SK_EUNSUP, "%s: packed rows need a model with state resets (the Mamba LM), not this one",
                        sk_data_path(d));
    return rc;
}

/* sk_train_evaluate counting the rows of each batch in pg (or NULL). */
static int evaluate_pass(sk_model *m, sk_data *d, int64_t b, int64_t L, int64_t max_batches, int32_t *inputs,
                         int32_t *targets, double *bits, int64_t *ntargets, sk_progress *pg) {
    sk_data_rewind(d);
    double sum = 0; /* sum over batches of mean loss * count = total nats */
    int64_t count = 0;
    for (int64_t k = 0; max_batches <= 0 || k < max_batches; k++) {
        int rows = 0;
        int rc = sk_data_next(d, inputs, targets, &rows);
        if (rc == SK_EOF) break;
        TRY(rc);
        int64_t c = 0;
        for (int64_t i = 0; i < b * L; i++) c += targets[i] != SK_DATA_IGNORE;
        if (!c) continue;
        double loss = 0;
        TRY(data_forward(m, d, inputs, targets, b, L, &loss));
        sum += loss * (double)c;
        count += c;
        sk_progress_add(pg, rows);
    }
    /* data parallelism: each rank saw its share of every batch; sum nats and counts over ranks */
    double red[2] = {sum, (double)count};
    TRY(sk_dist_allreduce_f64(red, 2));
    sum = red[0], count = (int64_t)red[1];
    *ntargets = count;
    *bits = count ? sum / (double)count / log(2.0) : NAN;
    return SK_OK;
}

int sk_train_evaluate(sk_model *m, sk_data *d, int64_t b, int64_t L, int64_t max_batches, int32_t *inputs,
                      int32_t *targets, double *bits, int64_t *ntargets, sk_progress *pg) {
    return evaluate_pass(m, d, b, L, max_batches, inputs, targets, bits, ntargets, pg);
}

/* ================================================================================ trainer */

struct sk_trainer {
    sk_model *m;
    const sk_backend *be;
    sk_data *train, *valid;
    int64_t b, L;
    sk_train_opts o;
    char *opts_json, *config_json;
    char *path_model, *path_state, *path_best, *log_path;
    sk_optimizer *opt;
    sk_rng rng;
    int32_t *in, *tg; /* host (b, L) */
    float *host;      /* host (3 * numel) for checkpoints */
    int64_t step, best_step, ckpt_step;
    double best;                /* bits/token of the best validation */
    double best_score;          /* hooks->evaluate: the best score so far */
    const char *const *eval_meta; /* hooks->evaluate: metadata of the last evaluation */
    double loss_sum;            /* update losses since the last evaluation */
    int64_t loss_n;
    int inject_kind;  /* 0 none, 1 loss, 2 grad */
    int64_t inject_step;
    /* data parallelism (sk_dist.h): rank 0 of `world` logs and writes files */
    int rank, world, stop_all;  /* stop_all: some rank saw SIGINT/SIGTERM this update */
    int64_t bad_step;           /* SSMKIT_INJECT_BAD_RECORD: fail this update on rank bad_rank */
    int bad_rank;
    float *fuse;                /* host (nfuse) staging buffer for device gradients without NCCL */
    int64_t nfuse;
    sk_lock *lock;              /* STEM.lock while the files are claimed (opts.files) */
    sk_model *vm;               /* the validation model (valid_model), made at the first validation */
};

/* Claim the run's files (sk_train_opts.files). */
static int claim_files(sk_trainer *t) {
    const char *files[4] = {t->path_model, t->path_best, t->o.no_state ? NULL : t->path_state, t->log_path};
    for (int i = 0; i < 4; i++) TRY(sk_guard_output(files[i]));
    char *stem = sk_train_derived_path(t->path_model, "."); /* "STEM." */
    if (!stem) return sk_error(SK_ENOMEM, "train: out of memory");
    size_t n = strlen(stem);
    stem[n - 1] = 0;
    int rc = sk_lock_take(stem, &t->lock);
    stem[n - 1] = '.';
    if (!rc) (void)sk_tmp_sweep(stem); /* .STEM.*.tmp.PID.* of runs that died */
    free(stem);
    struct stat sb;
    for (int i = 0; i < 4 && !rc && t->o.files == SK_TRAIN_FILES_NEW; i++)
        if (files[i] && strcmp(files[i], "-") && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
            rc = sk_error(SK_EINVAL, "%s: an earlier run's files are there (%s): %s--overwrite to start over",
                          t->path_model, files[i], t->o.no_state ? "give " : "continue it with --resume, or give ");
    if (!rc && t->o.files == SK_TRAIN_FILES_OVERWRITE) {
        unlink(t->path_best);
        if (!t->o.no_state) unlink(t->path_state);
    }
    return rc;
}

int sk_trainer_create(sk_trainer **out, sk_model *m, sk_data *train, sk_data *valid, int64_t b, int64_t L,
                      const sk_train_opts *o, const char *opts_json) {
    *out = NULL;
    const sk_train_hooks *h = o->hooks;
    if (o->steps < 1 || o->accum < 1 || o->log_every < (h && h->evaluate ? 0 : 1) || o->eval_every < 0 ||
        o->ckpt_every < 0 || !o->out)
        return sk_error(SK_EINVAL, "train: steps, accum and log_every must be >= 1, intervals >= 0, and an output given");
    if (!train != !!(h && h->next_batch) || (h && h->next_batch && (!o->no_state || sk_dist_world() > 1)))
        return sk_error(SK_EINVAL, "train: give training data or a batch hook (the latter in one process, without "
                                   "training state)");
    TRY(sk_sched_check(&o->sched));
    sk_trainer *t = calloc(1, sizeof *t);
    if (!t) return sk_error(SK_ENOMEM, "train: out of memory");
    if (o->slw) { /* the warm-up plan must end at (b, L) and split into micro-batches of b rows */
        const sk_slw *w = o->slw;
        if (w->n < 1 || w->stage[w->n - 1].length != L || (w->n > 1 && !o->stage_train))
            return sk_error(SK_EINVAL, "train: the length warm-up must end at the training length %lld", (long long)L);
        for (int k = 0; k < w->n; k++)
            if (w->stage[k].batch % b)
                return sk_error(SK_EINVAL, "train: length warm-up stage %d has %lld rows per update, not a multiple of "
                                           "the micro-batch %lld", k, (long long)w->stage[k].batch, (long long)b);
    }
    t->m = m, t->be = sk_model_backend(m), t->train = train, t->valid = valid, t->b = b, t->L = L, t->o = *o;
    t->best = INFINITY, t->best_step = -1, t->ckpt_step = -1, t->best_score = -INFINITY;
    t->rank = sk_dist_rank(), t->world = sk_dist_world(), t->bad_step = -1;
    if (t->rank != 0) t->o.quiet = 1, t->o.log_path = NULL; /* rank 0 logs */
    sk_rng_seed(&t->rng, 0, 0);
    t->opts_json = strdup(opts_json ? opts_json : "{}");
    t->config_json = sk_model_config_json(m);
    t->path_model = strdup(o->out);
    t->path_state = sk_train_derived_path(o->out, ".train.safetensors");
    t->path_best = sk_train_derived_path(o->out, ".best.safetensors");
    t->log_path = t->o.log_path ? strdup(t->o.log_path) : NULL;
    t->o.out = t->path_model, t->o.log_path = t->log_path;
    t->in = malloc((size_t)(b * L) * sizeof(int32_t));
    t->tg = malloc((size_t)(b * L) * sizeof(int32_t));
    int64_t n = sk_model_numel(m);
    t->host = malloc((size_t)((o->no_state ? 0 : 3 * n) + 1) * sizeof(float)); /* the state file's tensors */
    int rc = SK_OK;
    if (!t->opts_json || !t->config_json || !t->path_model || !t->path_state || !t->path_best || !t->in || !t->tg ||
        !t->host || (t->o.log_path && !t->log_path))
        rc = sk_error(SK_ENOMEM, "train: out of memory");
    if (!rc && t->rank == 0) rc = sk_mkdir_parent(t->path_model); /* -o run/lm.safetensors makes run/ */
    if (!rc && t->log_path) rc = sk_mkdir_parent(t->log_path);
    if (!rc && t->rank == 0 && o->files != SK_TRAIN_FILES_ANY) rc = claim_files(t);
    if (!rc) rc = sk_optimizer_create(&t->opt, m, &o->optim);
    const char *inj = getenv("SSMKIT_INJECT_NAN");
    if (!rc && inj && *inj) {
        long long k = 0;
        char kind[8] = {0};
        if (sscanf(inj, "%7[a-z]:%lld", kind, &k) != 2 || (strcmp(kind, "loss") && strcmp(kind, "grad")) || k < 1)
            rc = sk_error(SK_EINVAL, "SSMKIT_INJECT_NAN=%s: expected loss:K or grad:K", inj);
        t->inject_kind = !strcmp(kind, "loss") ? 1 : 2, t->inject_step = k;
    }
    /* test hook: SSMKIT_INJECT_BAD_RECORD=R:K makes rank R fail update K as on a corrupt record */
    const char *bad = getenv("SSMKIT_INJECT_BAD_RECORD");
    if (!rc && bad && *bad) {
        long long k = 0;
        if (sscanf(bad, "%d:%lld", &t->bad_rank, &k) != 2 || k < 1)
            rc = sk_error(SK_EINVAL, "SSMKIT_INJECT_BAD_RECORD=%s: expected RANK:STEP", bad);
        t->bad_step = k;
    }
    if (rc) {
        sk_trainer_free(t);
        return rc;
    }
    *out = t;
    return SK_OK;
}

void sk_trainer_free(sk_trainer *t) {
    if (!t) return;
    sk_lock_release(t->lock);
    sk_optimizer_free(t->opt);
    sk_model_free(t->vm);
    free(t->opts_json);
    free(t->config_json);
    free(t->path_model);
    free(t->path_state);
    free(t->path_best);
    free(t->log_path);
    free(t->in);
    free(t->tg);
    free(t->host);
    free(t->fuse);
    free(t);
}

int64_t sk_trainer_step(const sk_trainer *t) { return t->step; }
int64_t sk_trainer_numel(const sk_trainer *t) { return sk_optimizer_numel(t->opt); }
double sk_trainer_best_valid(const sk_trainer *t) { return t->best; }
const char *sk_trainer_path(const sk_trainer *t, int which) {
    return which == 0 ? t->path_model : which == 1 ? t->path_state : t->path_best;
}

static int save_model_at(sk_trainer *t, const char *path) {
    if (t->rank != 0) return SK_OK; /* rank 0 writes the files */
    char step[32], best[32];
    snprintf(step, sizeof step, "%lld", (long long)t->step);
    sk_jsonl_format_num(best, t->best);
    const char *meta[64] = {"train", t->opts_json, "step", step, "best_valid", best, NULL};
    int k = t->o.no_state ? 0 : 6; /* a run without training state writes the caller's pairs only */
    meta[k] = NULL;
    const char *const *extra[2] = {t->o.meta, t->eval_meta};
    for (int e = 0; e < 2; e++)
        for (int i = 0; extra[e] && extra[e][i] && extra[e][i + 1] && k + 2 < 64; i += 2, k += 2)
            meta[k] = extra[e][i], meta[k + 1] = extra[e][i + 1], meta[k + 2] = NULL;
    return sk_train_save_model(t->m, path, meta);
}

static int save_state(sk_trainer *t) {
    if (t->rank != 0) return SK_OK;
    int64_t n = sk_optimizer_numel(t->opt);
    uint64_t words[SK_DATA_STATE_WORDS];
    sk_data_state_get(t->train, words);
    int64_t step = t->step, one = 1, four = 4, nw = SK_DATA_STATE_WORDS, world = t->world;
    int64_t rngw[4], dataw[SK_DATA_STATE_WORDS]; /* the uint64 words bit-cast to I64 */
    memcpy(rngw, t->rng.s, sizeof rngw);
    memcpy(dataw, words, sizeof dataw);
    char best[32], best_step[32];
    sk_jsonl_format_num(best, t->best);
    snprintf(best_step, sizeof best_step, "%lld", (long long)t->best_step);
    sk_stw *w = NULL;
    TRY(sk_stw_create(&w));
    int rc = add_tensors(w, t->m, t->opt, 0, "param.", t->host);
    if (!rc) rc = add_tensors(w, t->m, t->opt, 1, "optim.m.", t->host + n);
    if (!rc) rc = add_tensors(w, t->m, t->opt, 2, "optim.v.", t->host + 2 * n);
    if (!rc) rc = sk_stw_add(w, "train.step", SK_I64, 1, &one, &step);
    if (!rc) rc = sk_stw_add(w, "train.rng", SK_I64, 1, &four, rngw);
    if (!rc) rc = sk_stw_add(w, "data.train.state", SK_I64, 1, &nw, dataw);
    if (!rc) rc = sk_stw_add(w, "train.world", SK_I64, 1, &one, &world); /* ranks (sk_dist.h) */
    int64_t stagew[SK_SLW_MAX_STAGES][SK_DATA_STATE_WORDS]; /* length warm-up: each stage's sampler */
    for (int k = 0; t->o.slw && k < t->o.slw->n - 1 && !rc; k++) {
        char name[48];
        snprintf(name, sizeof name, "data.stage%d.state", k);
        sk_data_state_get(t->o.stage_train[k], words);
        memcpy(stagew[k], words, sizeof words);
        rc = sk_stw_add(w, name, SK_I64, 1, &nw, stagew[k]);
    }
    if (!rc) rc = sk_stw_meta(w, "config", t->config_json);
    if (!rc) rc = sk_stw_meta(w, "train", t->opts_json);
    if (!rc) rc = sk_stw_meta(w, "best_valid", best);
    if (!rc) rc = sk_stw_meta(w, "best_step", best_step);
    if (!rc) rc = sk_stw_write(w, t->path_state);
    sk_stw_free(w);
    return rc;
}

/* Model first, then the state: the state file alone is enough to resume. */
static int checkpoint(sk_trainer *t) {
    if (t->ckpt_step == t->step) return SK_OK;
    TRY(save_model_at(t, t->path_model));
    if (!t->o.no_state) TRY(save_state(t));
    t->ckpt_step = t->step;
    return SK_OK;
}

static int restore_tensors(sk_trainer *t, sk_st *st, int what, const char *prefix) {
    int np = sk_model_nparams(t->m);
    for (int i = 0; i < np; i++) {
        const sk_param *p = sk_model_param(t->m, i);
        char name[160];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        if (!sk_st_find(st, name))
            return sk_error(SK_EFORMAT, "%s: tensor %s is missing (a training state of another model?)", sk_st_path(st), name);
        TRY(sk_st_read_f32(st, name, t->host, p->numel));
        float *dst = what == 0 ? p->w : what == 1 ? t->opt->mom_m + t->opt->off[i] : t->opt->mom_v + t->opt->off[i];
        TRY(t->be->upload(dst, t->host, (size_t)p->numel * sizeof(float)));
    }
    return SK_OK;
}

int sk_trainer_resume(sk_trainer *t, const char *path) {
    if (t->o.no_state) return sk_error(SK_EINVAL, "%s: this run keeps no training state to resume from", path);
    sk_st *st = NULL;
    TRY(sk_st_open(path, &st));
    int rc = SK_OK;
    const char *cfg = sk_st_meta(st, "config"), *best = sk_st_meta(st, "best_valid"), *bs = sk_st_meta(st, "best_step");
    if (!cfg || strcmp(cfg, t->config_json))
        rc = sk_error(SK_EINVAL, "%s: the training state was written for another model config", path);
    if (!rc) rc = restore_tensors(t, st, 0, "param.");
    if (!rc) rc = restore_tensors(t, st, 1, "optim.m.");
    if (!rc) rc = restore_tensors(t, st, 2, "optim.v.");
    int64_t step = 0;
    uint64_t words[SK_DATA_STATE_WORDS];
    if (!rc) rc = sk_st_read_raw(st, "train.step", &step, sizeof step);
    if (!rc) rc = sk_st_read_raw(st, "train.rng", t->rng.s, sizeof t->rng.s);
    if (!rc) rc = sk_st_read_raw(st, "data.train.state", words, sizeof words);
    int64_t world = 1; /* states written before data parallelism have no train.world */
    if (!rc && sk_st_find(st, "train.world")) rc = sk_st_read_raw(st, "train.world", &world, sizeof world);
    if (!rc && world != t->world)
        rc = sk_error(SK_EINVAL, "%s: the training state was written by a run of %lld rank(s) but this run has %d; "
                      "resume with the same count (mpirun -np %lld)", path, (long long)world, t->world, (long long)world);
    if (!rc) rc = sk_data_state_set(t->train, words);
    for (int k = 0; t->o.slw && k < t->o.slw->n - 1 && !rc; k++) {
        char name[48];
        snprintf(name, sizeof name, "data.stage%d.state", k);
        rc = sk_st_read_raw(st, name, words, sizeof words);
        if (!rc) rc = sk_data_state_set(t->o.stage_train[k], words);
    }
    if (!rc && (step < 0 || step > t->o.steps))
        rc = sk_error(SK_EINVAL, "%s: the state is at step %lld but the run has %lld steps", path, (long long)step,
                      (long long)t->o.steps);
    if (rc) {
        if (rc != SK_EFORMAT && rc != SK_EINVAL) rc = sk_error_wrap(rc, "%s: ", path);
        sk_st_close(st);
        return rc;
    }
    t->step = t->ckpt_step = step;
    t->best = best && strcmp(best, "null") ? strtod(best, NULL) : INFINITY;
    t->best_step = bs ? strtoll(bs, NULL, 10) : -1;
    sk_st_close(st);
    return SK_OK;
}

static int log_open(sk_trainer *t, sk_jsonl **log) {
    *log = NULL;
    if (!t->log_path) return SK_OK;
    if (t->step > 0) TRY(sk_jsonl_open_resume(log, t->log_path, "step", t->step));
    else TRY(sk_jsonl_open(log, t->log_path, 0));
    if (t->o.no_state) return SK_OK;
    sk_jsonl_begin(*log);
    sk_jsonl_int(*log, "step", t->step);
    sk_jsonl_str(*log, "event", t->step > 0 ? "resume" : "start");
    sk_jsonl_json(*log, "train", t->opts_json);
    sk_jsonl_json(*log, "config", t->config_json);
    sk_jsonl_int(*log, "params", sk_optimizer_numel(t->opt));
    return sk_jsonl_end(*log);
}

/* The model validation runs on: an inference twin of the training model (the same config, created
 * with SK_MODEL_INFER, so its forward keeps nothing for a backward and reuses one layer's buffers),
 * made at the first validation and given the training model's parameters before each pass. The
 * training model's activations stay those of its last update. A classifier (no config of its
 * own to create one from) and a chunked run (whose training model streams a long batch chunk by
 * chunk, where an inference copy would hold the whole batch's logits) validate on the training
 * model. The --dry-run plan counts the copy (sk_model_plan_report). */
static int valid_model(sk_trainer *t, sk_model **vm) {
    *vm = t->m;
    sk_model_mem mem;
    sk_model_memory(t->m, &mem);
    if (sk_model_kind(t->m) == SK_MODEL_CLASSIFIER || mem.chunk_states) return SK_OK;
    if (!t->vm) {
        cJSON *o = cJSON_Parse(t->config_json);
        sk_model_config *cfg = NULL;
        int rc = o ? sk_model_config_parse(o, "the training model's config", &cfg) : sk_error(SK_ENOMEM, "train: out of memory");
        if (!rc) rc = sk_model_create(&t->vm, cfg, t->be, t->b, t->L, SK_MODEL_INFER);
        cJSON_Delete(o);
        sk_model_config_free(cfg);
        TRY(rc);
    }
    const int np = sk_model_nparams(t->m);
    if (sk_model_nparams(t->vm) != np) return sk_error(SK_EINVAL, "train: the validation model has another parameter table");
    for (int i = 0; i < np; i++) {
        const sk_param *src = sk_model_param(t->m, i), *dst = sk_model_param(t->vm, i);
        if (dst->numel != src->numel)
            return sk_error(SK_EINVAL, "train: validation model parameter %s has another size", src->name);
        TRY(t->be->copy(dst->w, src->w, (size_t)src->numel * sizeof(float)));
    }
    *vm = t->vm;
    return SK_OK;
}

static int validate(sk_trainer *t, sk_jsonl *log) {
    double bits = NAN;
    int64_t n = 0;
    double t0 = sk_now();
    int64_t rows = sk_data_windows(t->valid); /* the pass's size: the split, or eval_batches of it */
    if (t->o.eval_batches > 0 && t->o.eval_batches * t->b < rows) rows = t->o.eval_batches * t->b;
    sk_progress pg; /* on a terminal unless quiet, as the other progress lines of the run */
    sk_progress_open(&pg, "valid", "windows", rows, t->o.quiet);
    sk_model *vm;
    int rc = valid_model(t, &vm);
    if (!rc) rc = evaluate_pass(vm, t->valid, t->b, t->L, t->o.eval_batches, t->in, t->tg, &bits, &n, &pg);
    sk_progress_end(&pg);
    TRY(rc);
    if (!isfinite(bits))
        return sk_error(SK_ENUM, "step %lld: validation loss is %s; stopped (last good checkpoint: %s)",
                        (long long)t->step, n ? "NaN/Inf" : "undefined (no targets)", t->path_model);
    int improved = bits < t->best;
    if (improved) {
        t->best = bits, t->best_step = t->step;
        TRY(save_model_at(t, t->path_best));
    }
    if (log) {
        sk_jsonl_begin(log);
        sk_jsonl_int(log, "step", t->step);
        sk_jsonl_num(log, "valid_loss", bits * M_LN2);
        sk_jsonl_num(log, "valid_bits", bits);
        sk_jsonl_int(log, "valid_targets", n);
        sk_jsonl_bool(log, "best", improved);
        sk_jsonl_num(log, "eval_s", sk_now() - t0);
        TRY(sk_jsonl_end(log));
    }
    if (!t->o.quiet)
        sk_log_info("step %lld: valid %.4f bits/token%s", (long long)t->step, bits, improved ? " (best)" : "");
    return SK_OK;
}

/* The evaluation after update p->step: the caller's hook, else bits/token on the valid split. */
static int evaluate(sk_trainer *t, sk_jsonl *log, const sk_train_progress *p) {
    const sk_train_hooks *h = t->o.hooks;
    if (!h || !h->evaluate) return validate(t, log);
    double score = NAN;
    TRY(h->evaluate(h->ctx, p, log, &score, &t->eval_meta));
    if (isnan(score) || score > t->best_score) {
        t->best_score = score, t->best_step = t->step;
        TRY(save_model_at(t, t->path_best));
    }
    return SK_OK;
}

static int nan_stop(const sk_trainer *t, int64_t step, const char *what) {
    const char *ck = t->ckpt_step >= 0 ? t->path_model : NULL;
    if (ck)
        return sk_error(SK_ENUM, "step %lld: %s is NaN/Inf; training stopped (last good checkpoint: %s at step %lld)",
                        (long long)step, what, ck, (long long)t->ckpt_step);
    return sk_error(SK_ENUM, "step %lld: %s is NaN/Inf; training stopped (no checkpoint had been written yet)",
                    (long long)step, what);
}

/* Sum the parameter gradients over ranks, in place (sk_dist.h). Parameters whose gradients
 * are adjacent in memory form one buffer (models carve every gradient from one allocation, so
 * usually one call reduces them all). CPU backend: MPI_Allreduce on the buffer; a device: NCCL
 * when set up (sk_backend_dist_setup), else staged through the host buffer t->fuse. */
static int allreduce_grads(sk_trainer *t) {
    const sk_model *m = t->m;
    int np = sk_model_nparams(m);
    for (int i = 0; i < np;) {
        float *g = sk_model_param(m, i)->g;
        int64_t n = 0;
        while (i < np && sk_model_param(m, i)->g == g + n) n += sk_model_param(m, i++)->numel;
        if (t->be->device == SK_DEVICE_CPU) {
            TRY(sk_dist_allreduce_f32(g, n));
            continue;
        }
        int rc = sk_dist_device_reduce(g, n);
        if (rc != SK_EUNSUP) TRY(rc);
        if (!rc) continue;
        if (!t->fuse) {
            t->nfuse = sk_optimizer_numel(t->opt) < ((int64_t)1 << 22) ? sk_optimizer_numel(t->opt) : ((int64_t)1 << 22);
            if (!(t->fuse = malloc((size_t)(t->nfuse ? t->nfuse : 1) * sizeof(float))))
                return sk_error(SK_ENOMEM, "train: out of memory");
        }
        for (int64_t o = 0; o < n; o += t->nfuse) {
            size_t c = (size_t)(n - o < t->nfuse ? n - o : t->nfuse);
            TRY(t->be->download(t->fuse, g + o, c * sizeof(float)));
            TRY(sk_dist_allreduce_f32(t->fuse, (int64_t)c));
            TRY(t->be->upload(g + o, t->fuse, c * sizeof(float)));
        }
    }
    return SK_OK;
}

/* One update: returns the mean loss and the gradient norm before clipping.
 * With K = world ranks, micro-batch k of the global batch is the union of the ranks' shares;
 * its loss is the mean over all its targets: loss_k = sum_r (c_rk / C_k) loss_rk, with c_rk
 * the targets of rank r and C_k = sum_r c_rk. Rank r accumulates w_rk g_rk, w_rk = K c_rk / C_k
 * (g_acc = (g_acc / w + g) * w when w != 1), so the all-reduced sum divided by K is the gradient
 * of that mean: one process with batch K x b, up to rounding. */
static int update(sk_trainer *t, int64_t step, double *loss_out, double *gnorm_out, double *lr_out) {
    sk_model *m = t->m;
    TRY(sk_model_zero_grad(m));
    double loss_sum = 0;
    int accum = t->o.accum;
    int64_t L = t->L;
    sk_data *src = t->train;
    if (t->o.slw) { /* length warm-up: this update's stage sets the length and the micro-batch count */
        const sk_slw_stage *s = sk_slw_at(t->o.slw, step - 1);
        int k = (int)(s - t->o.slw->stage);
        L = s->length, accum = (int)(s->batch / t->b);
        if (k < t->o.slw->n - 1) src = t->o.stage_train[k];
    }
    for (int k = 0; k < accum; k++) {
        int rows = 0;
        if (src) TRY(sk_data_next(src, t->in, t->tg, &rows));
        else TRY(t->o.hooks->next_batch(t->o.hooks->ctx, t->in, t->tg));
        if (src && t->rank == t->bad_rank && step == t->bad_step && k == 0)
            return sk_error(SK_EFORMAT, "%s: batch %lld: bad record (injected by SSMKIT_INJECT_BAD_RECORD on rank %d)",
                            sk_data_path(src), (long long)sk_data_batches(src), t->rank);
        double w = 1, c[1] = {0};
        if (t->world > 1) {
            for (int64_t i = 0; i < t->b * L; i++) c[0] += t->tg[i] != SK_DATA_IGNORE;
            double C = c[0];
            TRY(sk_dist_allreduce_f64(&C, 1));
            if (C > 0) w = (double)t->world * c[0] / C;
        }
        if (w == 0) continue; /* no target of this micro-batch is on this rank */
        double loss = 0;
        TRY(data_forward(m, src, t->in, t->tg, t->b, L, &loss));
        if (t->inject_kind == 1 && step == t->inject_step && k == 0) loss = NAN;
        if (!isfinite(loss) && t->world == 1) return nan_stop(t, step, "the loss");
        if (w != 1 && k > 0) TRY(sk_optimizer_scale_grads(t->opt, (float)(1.0 / w)));
        TRY(sk_model_backward(m));
        if (w != 1) TRY(sk_optimizer_scale_grads(t->opt, (float)w));
        loss_sum += loss * w / t->world;
    }
    if (t->world > 1) {
        /* the global loss (NaN if any rank's is) and whether any rank was interrupted */
        double red[2] = {loss_sum, sk_interrupted() ? 1 : 0};
        TRY(sk_dist_allreduce_f64(red, 2));
        loss_sum = red[0], t->stop_all = red[1] > 0;
        if (!isfinite(loss_sum)) return nan_stop(t, step, "the loss");
        TRY(allreduce_grads(t));
    }
    if (t->inject_kind == 2 && step == t->inject_step) {
        const sk_param *p = sk_model_param(m, 0);
        float nan = NAN;
        TRY(t->be->upload(p->g, &nan, sizeof nan));
    }
    /* the gradients hold the sum of accum micro-batch means (over ranks: world times that):
     * g = sum / (accum * world) */
    double raw = 0;
    TRY(sk_optimizer_grad_norm(t->opt, &raw));
    double gnorm = raw / ((double)accum * t->world);
    if (!isfinite(gnorm)) return nan_stop(t, step, "the gradient norm");
    double scale = 1.0 / ((double)accum * t->world);
    scale *= sk_clip_factor(t->o.optim.clip_norm, gnorm);
    if (scale != 1.0) TRY(sk_optimizer_scale_grads(t->opt, (float)scale));
    double lr = sk_sched_lr(&t->o.sched, step - 1);
    TRY(sk_optimizer_step(t->opt, lr, step));
    *loss_out = loss_sum / accum, *gnorm_out = gnorm, *lr_out = lr;
    return SK_OK;
}

int sk_trainer_run(sk_trainer *t) {
    sk_jsonl *log = NULL;
    TRY(log_open(t, &log));
    sk_interrupt_install();
    int rc = SK_OK;
    const double ln2 = M_LN2;
    double tok_per_update = /* global batch */
        (t->o.slw ? (double)t->o.slw->tokens_per_step : (double)(t->b * t->L * t->o.accum)) * t->world;
    double t_start = sk_now(), busy = 0; /* busy: seconds in updates since the last log line */
    int64_t since = 0;
    if (t->o.eval_at_start && t->step == 0 && t->valid && !(t->o.hooks && t->o.hooks->evaluate)) rc = validate(t, log);
    while (t->step < t->o.steps && !rc) {
        int64_t step = t->step + 1;
        double loss = 0, gnorm = 0, lr = 0, t0 = sk_now();
        rc = update(t, step, &loss, &gnorm, &lr);
        if (rc) break;
        busy += sk_now() - t0;
        t->step = step, since++;
        t->loss_sum += loss, t->loss_n++;
        if (t->o.no_state && sk_interrupted()) { /* nothing to resume from: stop without a checkpoint */
            rc = sk_error(SK_EINTR, "interrupted at step %lld", (long long)step);
            break;
        }
        if (t->o.log_every && (step % t->o.log_every == 0 || step == t->o.steps)) {
            /* throughput of the updates alone (validation and checkpoints excluded) */
            double now = sk_now(), tps = tok_per_update * (double)since / (busy > 0 ? busy : 1e-9);
            if (log) {
                sk_jsonl_begin(log);
                sk_jsonl_int(log, "step", step);
                sk_jsonl_num(log, "loss", loss);
                sk_jsonl_num(log, "bits", loss / ln2);
                sk_jsonl_num(log, "lr", lr);
                sk_jsonl_num(log, "grad_norm", gnorm);
                sk_jsonl_num(log, "tokens_per_s", tps);
                sk_jsonl_num(log, "elapsed_s", now - t_start);
                rc = sk_jsonl_end(log);
            }
            if (!t->o.quiet)
                sk_log_info("step %lld/%lld: loss %.4f (%.4f bits/token), lr %.3g, grad norm %.3g, %.0f tokens/s",
                       (long long)step, (long long)t->o.steps, loss, loss / ln2, lr, gnorm, tps);
            busy = 0, since = 0;
        }
        int has_eval = t->valid || (t->o.hooks && t->o.hooks->evaluate);
        if (!rc && has_eval && ((t->o.eval_every && step % t->o.eval_every == 0) || step == t->o.steps)) {
            sk_train_progress p = {step, t->o.steps, t->loss_sum / (double)t->loss_n, lr, gnorm, sk_now() - t_start};
            rc = evaluate(t, log, &p);
            t->loss_sum = 0, t->loss_n = 0;
        }
        if (!rc && ((t->o.ckpt_every && step % t->o.ckpt_every == 0) || step == t->o.steps)) rc = checkpoint(t);
        if (!rc && (t->world > 1 ? t->stop_all : sk_interrupted())) {
            rc = checkpoint(t);
            if (!rc)
                rc = sk_error(SK_EINTR, "interrupted at step %lld: checkpoint written to %s (resume with --resume)",
                              (long long)t->step, t->path_model);
        }
    }
    /* a NaN stop has already set its message; closing the log must not replace it */
    int rc2 = log ? sk_jsonl_close(log) : SK_OK;
    return rc ? rc : rc2;
}
