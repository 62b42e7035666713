/* sk_train_setup.c — options, data sources and warm-up stages of a training run (sk_train_setup.h). */
#include "models/sk_train_setup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "models/sk_model_plan.h"
#include "src/sk_dist.h"
#include "src/sk_guard.h"
#include "src/sk_json.h"
#include "src/sk_progress.h"
#include "src/sk_shard.h"
#include "src/sk_slw.h"

/* ================================================================================ options */

/* The order of the rows is the order of the keys in the resolved options (logged and stored in
 * every checkpoint): new options go at the end. */
#define D SK_TRAIN_GROUP_DATA
#define O SK_TRAIN_GROUP_OPTIM
#define R SK_TRAIN_GROUP_RUN
const sk_train_optdef sk_train_optdefs[SK_TRAIN_NOPTS] = {
    {"data", 's', NULL, 0, 0, 'd', "FILE", D, NULL, "training data: byte file or token shard"},
    {"valid", 's', NULL, 0, 0, 0, "FILE", D, NULL,
     "validation data (default: the valid split of --data: a shard's\n"
     "valid examples, or the last --valid-fraction of a byte file)"},
    {"valid_fraction", 'n', "0.05", 0, 0.99, 0, "F", D, NULL, "byte files without --valid: trailing fraction held out"},
    {"length", 'i', "512", 1, 1e9, 'L', "L", O, NULL, "tokens per sequence"},
    {"batch", 'i', "8", 1, 1e6, 'b', "B", O, NULL, "sequences per micro-batch"},
    {"steps", 'i', "1000", 1, 1e12, 'n', "N", O, NULL, "optimizer updates"},
    {"accum", 'i', "1", 1, 1e6, 0, "K", O, NULL, "micro-batches per update (gradient accumulation)"},
    {"lr", 'n', "1e-3", 1e-12, 10, 0, "LR", O, NULL, "peak learning rate"},
    {"min_lr", 'n', NULL, 0, 10, 0, "LR", O, "lr / 10", "cosine floor"},
    {"warmup", 'i', NULL, 0, 1e12, 0, "N", O, "min(100, steps / 10)", "linear warm-up updates"},
    {"schedule", 's', "cosine", 0, 0, 0, "S", O, NULL, "cosine | constant"},
    {"clip", 'n', "1.0", 0, 1e12, 0, "C", O, NULL, "global L2 gradient-norm clipping, 0 = off"},
    {"weight_decay", 'n', "0.1", 0, 10, 0, "W", O, NULL, "AdamW decoupled weight decay (not on A_log, D, norms, biases)"},
    {"beta1", 'n', "0.9", 0, 0.999999, 0, "B", O, NULL, "AdamW decay of the first moment"},
    {"beta2", 'n', "0.95", 0, 0.999999, 0, "B", O, NULL, "AdamW decay of the second moment"},
    {"eps", 'n', "1e-8", 1e-30, 1, 0, "E", O, NULL, "AdamW epsilon"},
    {"eval_every", 'i', "100", 0, 1e12, 0, "N", R, NULL, "validate every N updates, 0 = only at the end"},
    {"eval_batches", 'i', "0", 0, 1e12, 0, "N", R, NULL, "batches per validation, 0 = the whole valid split"},
    {"ckpt_every", 'i', "500", 0, 1e12, 0, "N", R, NULL, "checkpoint every N updates, 0 = only at the end"},
    {"log_every", 'i', "10", 1, 1e12, 0, "N", R, NULL, "log a training line every N updates"},
    {"log", 's', NULL, 0, 0, 0, "FILE", R, "STEM.log.jsonl",
     "JSON-lines log (step, loss, bits, lr, grad_norm, tokens_per_s)"},
    {"seed", 'i', "1", 0, 9.2e18, 's', "S", R, NULL, "model init and batch sampling seed"},
    {"threads", 'i', "0", 0, 4096, '@', "T", R, NULL, "kernel threads, 0 = all cores"},
    {"device", 's', "cpu", 0, 0, 0, "D", R, NULL, "cpu | cuda"},
    {"length_warmup", 'i', "0", 0, 1e12, 0, "N", O, NULL,
     "sequence-length warm-up: N updates at each power of two from\n"
     "--warmup-from up to --length, then the rest at --length; tokens per\n"
     "update constant (--tokens-per-step), so the rows per update halve as\n"
     "the length doubles (micro-batches of --batch rows); 0 = off"},
    {"warmup_from", 'i', "1024", 1, 1e9, 0, "L0", O, NULL, "first warm-up length"},
    {"tokens_per_step", 'i', NULL, 1, 1e15, 0, "T", O, "batch * length * accum", "tokens per update with --length-warmup"},
    {"pack", 'i', "0", 0, 1, 0, "0|1", O, NULL,
     "packed rows: a shard's examples laid end to end, several per row,\n"
     "the recurrent state reset at each example's start and no target\n"
     "across examples, so short examples fill rows instead of being\n"
     "padded (Mamba LM; validation packed too)"},
    {"chunk", 's', "auto", 0, 0, 0, "N|auto|off", O, NULL,
     "chunked training for long sequences: run each sequence through all\n"
     "layers in chunks of N positions with the states carried, keep only\n"
     "the chunk-boundary states, recompute each chunk's activations in the\n"
     "backward (same gradients, about 1/3 more compute, the activation\n"
     "memory of one chunk); U-Nets: N a multiple of the pool product.\n"
     "auto: off while the activations of batch x length fit in 1 GiB, else\n"
     "the longest power-of-two chunk whose activations fit in 512 MiB"},
    {"rc_aug", 'i', "0", 0, 1, 0, "0|1", D, NULL,
     "DNA token shards: reverse-complement each training row with\n"
     "probability 1/2, the coin of `dna windows --rc-aug` drawn from\n"
     "(seed, batch, row), so --resume stays bitwise"},
};
#undef D
#undef O
#undef R
#define T sk_train_optdefs

int sk_train_optdef_find(const char *key) {
    for (int i = 0; i < SK_TRAIN_NOPTS; i++)
        if (!strcmp(T[i].key, key)) return i;
    return -1;
}

/* Set `key` in o from a string value, checking type and range. label: names the value in
 * messages ("--min-lr", "preset X: min_lr"). */
static int set_value(cJSON *o, int k, const char *s, const char *label) {
    cJSON_DeleteItemFromObjectCaseSensitive(o, T[k].key);
    if (T[k].type == 's') {
        char *end;
        if (!strcmp(T[k].key, "chunk") && strcmp(s, "auto") && strcmp(s, "off") && (strtoll(s, &end, 10) < 0 || end == s || *end))
            return sk_error(SK_EINVAL, "%s: '%s' is not auto, off or a length", label, s);
        cJSON_AddStringToObject(o, T[k].key, s);
        return SK_OK;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < T[k].lo || v > T[k].hi || (T[k].type == 'i' && v != floor(v)))
        return sk_error(SK_EINVAL, "%s: '%s' is not %s in [%g, %g]", label, s,
                        T[k].type == 'i' ? "an integer" : "a number", T[k].lo, T[k].hi);
    cJSON_AddNumberToObject(o, T[k].key, v);
    return SK_OK;
}

/* Copy the known keys of src (a "train" section or stored options) into dst. */
static int merge(cJSON *dst, const cJSON *src, const char *what) {
    for (const cJSON *it = src ? src->child : NULL; it; it = it->next) {
        int k = sk_train_optdef_find(it->string);
        if (k < 0) return sk_error(SK_EINVAL, "%s: unknown training option \"%s\"", what, it->string);
        if (cJSON_IsNull(it)) continue;
        char buf[64];
        const char *s = NULL;
        if (cJSON_IsString(it)) s = it->valuestring;
        else if (cJSON_IsNumber(it)) snprintf(buf, sizeof buf, "%.17g", it->valuedouble), s = buf;
        else return sk_error(SK_EINVAL, "%s: training option \"%s\" must be a number or a string", what, it->string);
        if (T[k].type != 's' && cJSON_IsString(it))
            return sk_error(SK_EINVAL, "%s: training option \"%s\" must be a number", what, it->string);
        char label[600];
        snprintf(label, sizeof label, "%s: %s", what, it->string);
        int rc = set_value(dst, k, s, label);
        if (rc) return rc;
    }
    return SK_OK;
}

static double num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
static const char *str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An option set is a JSON object of the given values under their keys. */
sk_train_optset *sk_train_optset_create(void) { return (sk_train_optset *)cJSON_CreateObject(); }
void sk_train_optset_free(sk_train_optset *s) { cJSON_Delete((cJSON *)s); }
int sk_train_optset_set(sk_train_optset *s, int k, const char *value, const char *label) {
    return set_value((cJSON *)s, k, value, label);
}
int sk_train_optset_has(const sk_train_optset *s, const char *key) {
    return cJSON_GetObjectItemCaseSensitive((const cJSON *)s, key) != NULL;
}

/* ================================================================================ job */

struct sk_train_job {
    sk_train_request rq;
    cJSON *opts;                       /* the resolved options */
    char *state_path, *state_cfg, *state_train, *log_default;
    char what[512];                    /* the layer below the command line, for messages */
    sk_train_opts o;
    sk_data *train, *valid;
    sk_data *stage[SK_SLW_MAX_STAGES]; /* length warm-up sources */
    sk_slw slw;
    char *dna_tok, *dna_prov;          /* checkpoint metadata of DNA shards */
    const char *meta[7];               /* and "init": the weights the run started from */
    sk_trainer *tr;
};

int sk_train_job_create(sk_train_job **out, const sk_train_request *rq) {
    *out = NULL;
    sk_train_job *j = calloc(1, sizeof *j);
    if (!j) return sk_error(SK_ENOMEM, "out of memory");
    j->rq = *rq;
    j->state_path = sk_train_derived_path(rq->out ? rq->out : "dry-run", ".train.safetensors");
    j->opts = cJSON_CreateObject();
    int rc = j->state_path && j->opts ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    for (int k = 0; k < SK_TRAIN_NOPTS && !rc; k++) /* 1. built-in defaults */
        if (T[k].def) rc = set_value(j->opts, k, T[k].def, "default");
    if (rc) {
        sk_train_job_free(j);
        return rc;
    }
    *out = j;
    return SK_OK;
}

void sk_train_job_free(sk_train_job *j) {
    if (!j) return;
    sk_trainer_free(j->tr);
    sk_data_close(j->train);
    sk_data_close(j->valid);
    for (int k = 0; k < SK_SLW_MAX_STAGES; k++) sk_data_close(j->stage[k]);
    free(j->dna_tok), free(j->dna_prov);
    cJSON_Delete(j->opts);
    free(j->state_path), free(j->state_cfg), free(j->state_train), free(j->log_default);
    free(j);
}

double sk_train_job_num(const sk_train_job *j, const char *key) { return num(j->opts, key); }
const char *sk_train_job_str(const sk_train_job *j, const char *key) { return str(j->opts, key); }
const sk_trainer *sk_train_job_trainer(const sk_train_job *j) { return j->tr; }

/* 2. the options stored in the training state of the run being resumed */
static int layer_state(sk_train_job *j, const char **config_json) {
    *config_json = NULL;
    int rc = sk_train_state_peek(j->state_path, &j->state_cfg, &j->state_train);
    cJSON *tj = NULL;
    snprintf(j->what, sizeof j->what, "%s: train", j->state_path);
    if (!rc) rc = sk_json_parse(j->state_train, (int64_t)strlen(j->state_train), j->what, &tj);
    if (!rc) rc = merge(j->opts, tj, j->what);
    cJSON_Delete(tj);
    if (!rc) *config_json = j->state_cfg;
    return rc;
}

/* --init: the config of the weights; no layer of options below the command line. */
static int load_init_config(sk_train_job *j, const char *preset, const char *config, sk_model_config **cfg,
                            char *what, size_t what_len) {
    const char *init = j->rq.init;
    if (preset || config)
        return sk_error(SK_EINVAL, "--init takes the model config from %s; %s would change its shapes", init,
                        preset ? "--preset" : "--config");
    int rc = sk_model_config_read(init, 0, cfg);
    if (!rc && sk_model_config_kind(*cfg) == SK_MODEL_CLASSIFIER)
        rc = sk_error(SK_EINVAL, "%s is a classifier checkpoint: train --init starts from a Mamba LM or an audio U-Net "
                                 "(a classifier is trained by ssmkit finetune and used by classify)", init);
    if (rc) {
        sk_model_config_free(*cfg), *cfg = NULL;
        return rc;
    }
    snprintf(what, what_len, "%s", init);
    snprintf(j->what, sizeof j->what, "%s", init);
    return SK_OK;
}

int sk_train_job_load_config(sk_train_job *j, const char *preset, const char *config, const char *fallback,
                             sk_model_config **cfg, char *what, size_t what_len) {
    *cfg = NULL;
    if (j->rq.resume) {
        if (preset || config)
            return sk_error(SK_EINVAL, "--resume takes the model config from %s; drop --preset/--config", j->state_path);
        const char *cfg_json = NULL;
        int rc = layer_state(j, &cfg_json);
        cJSON *cj = NULL;
        snprintf(what, what_len, "%s: config", j->state_path);
        if (!rc) rc = sk_json_parse(cfg_json, (int64_t)strlen(cfg_json), what, &cj);
        if (!rc) rc = sk_model_config_parse(cj, what, cfg);
        cJSON_Delete(cj);
        snprintf(what, what_len, "%s: train", j->state_path);
        return rc;
    }
    if (j->rq.init) return load_init_config(j, preset, config, cfg, what, what_len);
    cJSON *sec = NULL; /* 2. the preset/config's "train" section */
    int rc = sk_model_config_load(preset, config, fallback, cfg, &sec, what, what_len);
    snprintf(j->what, sizeof j->what, "%s", what);
    if (!rc) rc = merge(j->opts, sec, what);
    cJSON_Delete(sec);
    return rc;
}

/* The computed defaults (sk_train_setup.h §Options) and the thread count in effect. */
static int computed_defaults(sk_train_job *j, int (*set_threads)(int n)) {
    cJSON *o = j->opts;
    const int64_t steps = (int64_t)num(o, "steps");
    if (!cJSON_GetObjectItemCaseSensitive(o, "min_lr")) cJSON_AddNumberToObject(o, "min_lr", num(o, "lr") / 10);
    if (!cJSON_GetObjectItemCaseSensitive(o, "warmup"))
        cJSON_AddNumberToObject(o, "warmup", (double)(steps / 10 < 100 ? steps / 10 : 100));
    else if (!sk_train_optset_has(j->rq.cli, "warmup") && num(o, "warmup") >= (double)steps) {
        /* a preset's warm-up longer than a short run given with --steps: a tenth of the run */
        sk_log_warn("warm-up of %.0f steps from %s is not shorter than --steps %lld: using %lld", num(o, "warmup"),
                    j->rq.resume ? "the stored options" : j->what, (long long)steps, (long long)(steps / 10));
        cJSON_ReplaceItemInObjectCaseSensitive(o, "warmup", cJSON_CreateNumber((double)(steps / 10)));
    }
    if (!str(o, "log") && j->rq.out) {
        if (!(j->log_default = sk_train_derived_path(j->rq.out, ".log.jsonl"))) return sk_error(SK_ENOMEM, "out of memory");
        cJSON_AddStringToObject(o, "log", j->log_default);
    }
    int threads = set_threads ? set_threads((int)num(o, "threads")) : (int)num(o, "threads");
    if (j->rq.resume && j->state_train) {
        cJSON *tj = cJSON_Parse(j->state_train);
        double was = num(tj, "threads");
        if (isfinite(was) && (int)was != threads)
            sk_log_warn("resuming with %d threads, the run used %d: the continuation is not bitwise that of the "
                        "uninterrupted run (give -@ %d for that)", threads, (int)was, (int)was);
        cJSON_Delete(tj);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o, "threads");
    cJSON_AddNumberToObject(o, "threads", threads);
    return SK_OK;
}

int sk_train_job_resolve(sk_train_job *j, int (*set_threads)(int n)) {
    int rc = merge(j->opts, (const cJSON *)j->rq.cli, "command line"); /* 3. the command line */
    if (!rc) rc = computed_defaults(j, set_threads);
    if (rc) return rc;
    const cJSON *o = j->opts;
    const int64_t steps = (int64_t)num(o, "steps");
    j->o = (sk_train_opts){.steps = steps, .accum = (int)num(o, "accum"), .eval_every = (int64_t)num(o, "eval_every"),
                           .eval_batches = (int64_t)num(o, "eval_batches"), .ckpt_every = (int64_t)num(o, "ckpt_every"),
                           .log_every = (int64_t)num(o, "log_every"), .out = j->rq.out, .log_path = str(o, "log"),
                           .quiet = j->rq.quiet, .eval_at_start = j->rq.init != NULL,
                           .files = j->rq.resume      ? SK_TRAIN_FILES_RESUME
                                    : j->rq.overwrite ? SK_TRAIN_FILES_OVERWRITE
                                                      : SK_TRAIN_FILES_NEW};
    j->o.sched = (sk_sched){SK_SCHED_COSINE, num(o, "lr"), num(o, "min_lr"), (int64_t)num(o, "warmup"), steps};
    j->o.optim = (sk_optim_hparams){num(o, "beta1"), num(o, "beta2"), num(o, "eps"), num(o, "weight_decay"), num(o, "clip")};
    rc = sk_sched_kind_parse(str(o, "schedule"), &j->o.sched.kind);
    if (!rc) rc = sk_sched_check(&j->o.sched);
    if (!rc) rc = sk_optim_check(&j->o.optim);
    return rc ? sk_error_wrap(rc, "training options: ") : SK_OK;
}

/* ================================================================================ data */

/* One random-batch source of `data` at length L for this rank (split: the train split, or all
 * of it when a separate valid file is given). */
static int open_train(const sk_train_job *j, sk_data **d, int64_t L, uint64_t seed) {
    const cJSON *o = j->opts;
    const char *valid = str(o, "valid");
    sk_data_opts so = {.length = L, .batch = (int)num(o, "batch"), .split = valid ? SK_DATA_ALL : SK_SPLIT_TRAIN,
                       .mode = SK_DATA_RANDOM, .seed = seed, .valid_fraction = valid ? 0 : num(o, "valid_fraction"),
                       .pack = num(o, "pack") == 1, .rc_aug = num(o, "rc_aug") == 1};
    int rc = sk_data_open(d, str(o, "data"), SK_DATA_AUTO, &so);
    if (!rc) rc = sk_data_set_rank(*d, sk_dist_rank(), sk_dist_world()); /* this rank's share */
    return rc;
}

static int open_data(sk_train_job *j, int64_t L, uint64_t seed) {
    const char *data = str(j->opts, "data"), *valid = str(j->opts, "valid");
    if (!data) return sk_error(SK_EINVAL, "no training data: give --data FILE");
    int rc = sk_guard_input(data); /* no file of the run may replace the data */
    if (!rc) rc = sk_guard_input(valid);
    if (!rc) rc = open_train(j, &j->train, L, seed);
    if (rc) return rc;
    sk_data_opts v = {.length = L, .batch = (int)num(j->opts, "batch"), .split = valid ? SK_DATA_ALL : SK_SPLIT_VALID,
                      .mode = SK_DATA_SEQUENTIAL, .seed = seed, .valid_fraction = valid ? 0 : num(j->opts, "valid_fraction"),
                      .pack = num(j->opts, "pack") == 1};
    rc = sk_data_open(&j->valid, valid ? valid : data, SK_DATA_AUTO, &v);
    if (!rc) rc = sk_data_set_rank(j->valid, sk_dist_rank(), sk_dist_world());
    if (rc && valid) return rc;
    if (rc) {
        sk_log_warn("no validation: %s", sk_errmsg());
        j->valid = NULL;
    }
    return SK_OK;
}

/* Length warm-up (src/sk_slw.h): the stages and their sources. */
static int open_stages(sk_train_job *j, int64_t L, int64_t b, uint64_t seed) {
    const cJSON *o = j->opts;
    const char *tps = "tokens_per_step";
    int64_t tokens = cJSON_GetObjectItemCaseSensitive(o, tps) ? (int64_t)num(o, tps) : b * L * j->o.accum;
    int rc = sk_slw_plan(&j->slw, (int64_t)num(o, "warmup_from"), L, tokens, (int64_t)num(o, "length_warmup"), j->o.steps);
    for (int k = 0; !rc && k < j->slw.n - 1; k++) rc = open_train(j, &j->stage[k], j->slw.stage[k].length, seed + 1 + (uint64_t)k);
    if (rc) return rc; /* sk_slw messages start with "length warm-up: " */
    j->o.slw = &j->slw, j->o.stage_train = j->stage;
    if (!j->rq.quiet)
        for (int k = 0; k < j->slw.n; k++)
            sk_log_info("length warm-up stage %d: length %lld, %lld rows per update (%lld micro-batches), updates %lld-%lld",
                        k, (long long)j->slw.stage[k].length, (long long)j->slw.stage[k].batch,
                        (long long)(j->slw.stage[k].batch / b), (long long)j->slw.stage[k].first_step + 1,
                        (long long)(j->slw.stage[k].first_step + j->slw.stage[k].steps));
    return SK_OK;
}

/* For a DNA token shard (metadata "domain": "dna"): the tokenizer JSON of ssmkit's DNA models
 * ({"name": "dna-char", "vocab": [...], "keep_case": bool}) and a provenance JSON (ssmkit version,
 * the shard and its size, the shard's own metadata: sources, BED, window mode, length, seed, RC).
 * Other data: both NULL. */
static int dna_meta(const char *path, char **tok, char **prov) {
    *tok = *prov = NULL;
    sk_shard *sh;
    if (sk_shard_open(path, &sh)) return SK_OK; /* a byte file */
    cJSON *m = cJSON_Parse(sk_shard_meta(sh));
    const cJSON *dom = m ? cJSON_GetObjectItemCaseSensitive(m, "domain") : NULL;
    cJSON *vocab = m ? cJSON_GetObjectItemCaseSensitive(m, "vocab") : NULL;
    int rc = SK_OK;
    if (cJSON_IsString(dom) && !strcmp(dom->valuestring, "dna") && cJSON_IsArray(vocab)) {
        cJSON *t = cJSON_CreateObject(), *p = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "name", "dna-char");
        cJSON_AddItemToObject(t, "vocab", cJSON_Duplicate(vocab, 1));
        cJSON_AddBoolToObject(t, "keep_case", cJSON_GetArraySize(vocab) > 12);
        cJSON_AddStringToObject(p, "ssmkit_version", SSMKIT_VERSION);
        cJSON_AddStringToObject(p, "shard", path);
        struct stat sb;
        cJSON_AddNumberToObject(p, "shard_bytes", stat(path, &sb) == 0 ? (double)sb.st_size : -1);
        const cJSON *len = cJSON_GetObjectItemCaseSensitive(m, "length");
        if (cJSON_IsNumber(len)) cJSON_AddNumberToObject(p, "length", len->valuedouble);
        cJSON_DeleteItemFromObjectCaseSensitive(m, "vocab");
        cJSON_AddItemToObject(p, "shard_meta", m), m = NULL;
        *tok = cJSON_PrintUnformatted(t), *prov = cJSON_PrintUnformatted(p);
        if (!*tok || !*prov) rc = sk_error(SK_ENOMEM, "out of memory");
        cJSON_Delete(t), cJSON_Delete(p);
    }
    cJSON_Delete(m);
    sk_shard_close(sh);
    return rc;
}

int sk_train_job_open_data(sk_train_job *j, int64_t vocab, int want_bos) {
    const int64_t L = (int64_t)num(j->opts, "length"), b = (int64_t)num(j->opts, "batch");
    const uint64_t seed = (uint64_t)num(j->opts, "seed");
    int rc = open_data(j, L, seed);
    if (rc) return rc;
    if (sk_data_vocab_size(j->train) > vocab)
        return sk_error(SK_EINVAL, "%s has a vocabulary of %lld tokens but the model's vocab_size is %lld",
                        sk_data_path(j->train), (long long)sk_data_vocab_size(j->train), (long long)vocab);
    if (want_bos && sk_data_bos(j->train) < 0)
        sk_log_warn("%s has no \"bos_token\" (not an audio shard from 'ssmkit audio prep'): the first sample of each "
                    "example is not a target", sk_data_path(j->train));
    if (num(j->opts, "length_warmup") > 0 && (rc = open_stages(j, L, b, seed))) return rc;
    /* DNA shards: the tokenizer and the data's provenance go into every checkpoint */
    if ((rc = dna_meta(str(j->opts, "data"), &j->dna_tok, &j->dna_prov))) return rc;
    int k = 0;
    if (j->dna_tok) j->meta[k++] = "tokenizer", j->meta[k++] = j->dna_tok, j->meta[k++] = "provenance", j->meta[k++] = j->dna_prov;
    if (j->rq.init) j->meta[k++] = "init", j->meta[k++] = j->rq.init;
    if (k) j->o.meta = j->meta;
    return SK_OK;
}

/* ================================================================================ run */

int sk_train_job_model(const sk_train_job *j, const sk_model_config *cfg, const sk_backend *be, int64_t chunk,
                       sk_model **out) {
    *out = NULL;
    const int64_t L = (int64_t)num(j->opts, "length"), b = (int64_t)num(j->opts, "batch");
    if (!j->rq.init) {
        TRY(sk_model_plan_create(cfg, be, b, L, chunk, out));
        int rc = j->rq.resume ? SK_OK : sk_model_init(*out, (uint64_t)num(j->opts, "seed"));
        if (rc) sk_model_free(*out), *out = NULL;
        return rc;
    }
    /* the model of sk_model_plan_create, its weights read from the file or folder */
    TRY(sk_model_load(out, j->rq.init, be, b, chunk ? chunk : L, SK_MODEL_GRADS));
    int rc = chunk ? sk_model_set_chunk(*out, chunk, L) : SK_OK;
    if (!rc && !j->rq.quiet) sk_log_info("weights from %s (a fresh optimizer and schedule)", j->rq.init);
    if (rc) sk_model_free(*out), *out = NULL;
    return rc;
}

int sk_train_job_run(sk_train_job *j, sk_model *m, const char *name, const char *what, int *interrupted) {
    *interrupted = 0;
    const int64_t L = (int64_t)num(j->opts, "length"), b = (int64_t)num(j->opts, "batch");
    char *oj = cJSON_PrintUnformatted(j->opts);
    if (!oj) return sk_error(SK_ENOMEM, "out of memory");
    int rc = sk_trainer_create(&j->tr, m, j->train, j->valid, b, L, &j->o, oj);
    if (!j->rq.quiet) {
        sk_log_info("model: %s, %lld parameters, config %s", name, (long long)sk_model_numel(m), what);
        sk_log_info("options: %s", oj);
    }
    free(oj);
    if (!rc && j->rq.resume) {
        rc = sk_trainer_resume(j->tr, sk_trainer_path(j->tr, 1));
        if (!rc && !j->rq.quiet) sk_log_info("resumed at step %lld", (long long)sk_trainer_step(j->tr));
    }
    if (!rc) rc = sk_trainer_run(j->tr);
    if (rc == SK_EINTR) *interrupted = 1;
    return rc;
}
