/* cmd_train.c — `ssmkit train`: train a Mamba LM or an audio U-Net on a byte file or a token shard
 * (sk_trainer.h). The model is chosen by the config's "arch" ("mamba-lm" or "unet").
 *
 * Audio shards carry "bos_token" (128): sk_data prepends it to every example, so the inputs are
 * the clip shifted right with 128 first and every sample is a target (sk_audio_ar_pair's
 * convention); the reported bits are then bits per audio sample.
 *
 * Every training option has a value from, in increasing priority: the built-in default, the
 * "train" section of the preset/config (or, with --resume, the options stored in the training
 * state), and the command line. The resolved set is logged and stored in every checkpoint.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_mamba_tools.h"
#include "models/sk_unet.h"
#include "models/sk_trainer.h"
#include "src/sk_data.h"
#include "src/sk_dist.h"
#include "src/sk_json.h"
#include "src/sk_shard.h"
#include "src/sk_slw.h"
#include <sys/stat.h>
#include "tools/sk_cli.h"
#include "tools/sk_lm.h"
#include "tools/sk_trainplan.h"

static const char *usage =
    "Usage: ssmkit train --data FILE [--valid FILE] [--preset NAME | --config CFG.json] -o CKPT [options]\n"
    "       ssmkit train -o CKPT --resume [options]\n"
    "\n"
    "Train a Mamba language model or an audio U-Net (presets sc09-*, ytmix-mamba; chosen by the\n"
    "config's \"arch\") on a byte file (token = byte) or a token shard, with AdamW, linear\n"
    "warm-up then cosine decay, global gradient clipping and periodic validation. Writes CKPT (model),\n"
    "STEM.best.safetensors (best validation) and STEM.train.safetensors (state for --resume), where\n"
    "STEM is CKPT without '.safetensors'. Every option defaults to the \"train\" section of the\n"
    "preset/config (default preset byte-lm-small), else to the value shown. Audio shards (ssmkit\n"
    "audio prep) start every clip with token 128, so every sample is a target: bits/sample.\n";

/* after the options */
static const char *epilog =
    "\n"
    "SIGINT/SIGTERM: writes a checkpoint, then exits 130. A NaN/Inf loss or gradient stops training\n"
    "(exit 1) and leaves the last good checkpoint in place.\n"
    "\n"
    "Data parallelism (builds with MPI): `mpirun -np K ssmkit train ...` runs K ranks; each takes a\n"
    "disjoint share of every batch (global batch = K x --batch), gradients are averaged over ranks\n"
    "(MPI_Allreduce; NCCL for --device cuda), rank 0 logs and writes the files, and an error on any\n"
    "rank ends all of them. --resume needs the same K.\n";

/* The resolvable options: key in the JSON (and, with '-' for '_', the long option), type
 * ('i' integer, 'n' number, 's' string), built-in default (NULL = computed or none). */
typedef struct topt {
    const char *key;
    char type;
    const char *def;
    double lo, hi;
} topt;

static const topt T[] = {
    {"data", 's', NULL, 0, 0},           {"valid", 's', NULL, 0, 0},
    {"valid_fraction", 'n', "0.05", 0, 0.99}, {"length", 'i', "512", 1, 1e9},
    {"batch", 'i', "8", 1, 1e6},         {"steps", 'i', "1000", 1, 1e12},
    {"accum", 'i', "1", 1, 1e6},         {"lr", 'n', "1e-3", 1e-12, 10},
    {"min_lr", 'n', NULL, 0, 10},        {"warmup", 'i', NULL, 0, 1e12},
    {"schedule", 's', "cosine", 0, 0},   {"clip", 'n', "1.0", 0, 1e12},
    {"weight_decay", 'n', "0.1", 0, 10}, {"beta1", 'n', "0.9", 0, 0.999999},
    {"beta2", 'n', "0.95", 0, 0.999999}, {"eps", 'n', "1e-8", 1e-30, 1},
    {"eval_every", 'i', "100", 0, 1e12}, {"eval_batches", 'i', "0", 0, 1e12},
    {"ckpt_every", 'i', "500", 0, 1e12}, {"log_every", 'i', "10", 1, 1e12},
    {"log", 's', NULL, 0, 0},            {"seed", 'i', "1", 0, 9.2e18},
    {"threads", 'i', "0", 0, 4096},      {"device", 's', "cpu", 0, 0},
    {"length_warmup", 'i', "0", 0, 1e12}, {"warmup_from", 'i', "1024", 1, 1e9},
    {"tokens_per_step", 'i', NULL, 1, 1e15},
    {"pack", 'i', "0", 0, 1},
    {"chunk", 's', "auto", 0, 0},
};
enum { NT = (int)(sizeof T / sizeof T[0]) };

static int find_key(const char *key) {
    for (int i = 0; i < NT; i++)
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
        int k = find_key(it->string);
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

typedef struct run {
    cJSON *opts, *train_sec;
    char *cfg_json, *state_cfg, *state_train;
    sk_mamba_lm *model;
    sk_unet *unet;
    sk_data *train, *valid;
    sk_data *stage[SK_SLW_MAX_STAGES]; /* length warm-up sources */
    sk_slw slw;
    char *dna_tok, *dna_prov;          /* checkpoint metadata of DNA shards */
    sk_trainer *tr;
    char *log_default;
} run;

static void run_free(run *r) {
    sk_trainer_free(r->tr);
    sk_data_close(r->train);
    sk_data_close(r->valid);
    for (int k = 0; k < SK_SLW_MAX_STAGES; k++) sk_data_close(r->stage[k]);
    free(r->dna_tok), free(r->dna_prov);
    sk_mamba_lm_free(r->model);
    sk_unet_free(r->unet);
    cJSON_Delete(r->opts);
    cJSON_Delete(r->train_sec);
    free(r->cfg_json);
    free(r->state_cfg);
    free(r->state_train);
    free(r->log_default);
}

static int open_data(run *r, int64_t L, int64_t b, uint64_t seed, double vf) {
    const char *data = str(r->opts, "data"), *valid = str(r->opts, "valid");
    if (!data) return sk_error(SK_EINVAL, "no training data: give --data FILE");
    sk_data_opts o = {.length = L, .batch = (int)b, .split = valid ? SK_DATA_ALL : SK_SPLIT_TRAIN,
                      .mode = SK_DATA_RANDOM, .seed = seed, .valid_fraction = valid ? 0 : vf,
                      .pack = num(r->opts, "pack") == 1};
    int rc = sk_data_open(&r->train, data, SK_DATA_AUTO, &o);
    if (!rc) rc = sk_data_set_rank(r->train, sk_dist_rank(), sk_dist_world()); /* this rank's share */
    if (rc) return rc;
    sk_data_opts v = o;
    v.mode = SK_DATA_SEQUENTIAL;
    v.split = valid ? SK_DATA_ALL : SK_SPLIT_VALID;
    rc = sk_data_open(&r->valid, valid ? valid : data, SK_DATA_AUTO, &v);
    if (!rc) rc = sk_data_set_rank(r->valid, sk_dist_rank(), sk_dist_world());
    if (rc && valid) return rc;
    if (rc) {
        sk_log_warn("no validation: %s", sk_errmsg());
        r->valid = NULL;
    }
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

static int do_train(run *r, const char *preset, const char *config, const char *out, int resume, cJSON *cli, int quiet,
                    int dry_run, int *interrupted) {
    int rc = SK_OK;
    char what[512];
    sk_any_config cfg;
    char *state_path = sk_train_derived_path(out ? out : "dry-run", ".train.safetensors");
    if (!state_path) return sk_error(SK_ENOMEM, "out of memory");
    r->opts = cJSON_CreateObject();
    /* 1. built-in defaults */
    for (int k = 0; k < NT && !rc; k++)
        if (T[k].def) rc = set_value(r->opts, k, T[k].def, "default");
    /* 2. the preset/config's train section, or the stored options of the run being resumed */
    if (!rc && resume) {
        if (preset || config) rc = sk_error(SK_EINVAL, "--resume takes the model config from %s; drop --preset/--config", state_path);
        if (!rc) rc = sk_train_state_peek(state_path, &r->state_cfg, &r->state_train);
        cJSON *cj = NULL, *tj = NULL;
        snprintf(what, sizeof what, "%s: config", state_path);
        if (!rc) rc = sk_json_parse(r->state_cfg, (int64_t)strlen(r->state_cfg), what, &cj);
        if (!rc) rc = sk_any_config_parse(cj, what, &cfg);
        snprintf(what, sizeof what, "%s: train", state_path);
        if (!rc) rc = sk_json_parse(r->state_train, (int64_t)strlen(r->state_train), what, &tj);
        if (!rc) rc = merge(r->opts, tj, what);
        cJSON_Delete(cj);
        cJSON_Delete(tj);
    } else if (!rc) {
        rc = sk_any_config_load(preset, config, "byte-lm-small", &cfg, &r->train_sec, what, sizeof what);
        if (!rc) rc = merge(r->opts, r->train_sec, what);
    }
    free(state_path);
    /* 3. the command line */
    if (!rc) rc = merge(r->opts, cli, "command line");
    if (rc) return rc;
    /* computed defaults */
    const int64_t steps = (int64_t)num(r->opts, "steps");
    if (!cJSON_GetObjectItemCaseSensitive(r->opts, "min_lr")) cJSON_AddNumberToObject(r->opts, "min_lr", num(r->opts, "lr") / 10);
    if (!cJSON_GetObjectItemCaseSensitive(r->opts, "warmup"))
        cJSON_AddNumberToObject(r->opts, "warmup", (double)(steps / 10 < 100 ? steps / 10 : 100));
    else if (!cJSON_GetObjectItemCaseSensitive(cli, "warmup") && num(r->opts, "warmup") >= (double)steps) {
        /* a preset's warm-up longer than a short run given with --steps: a tenth of the run */
        sk_log_warn("warm-up of %.0f steps from %s is not shorter than --steps %lld: using %lld", num(r->opts, "warmup"),
                    resume ? "the stored options" : what, (long long)steps, (long long)(steps / 10));
        cJSON_ReplaceItemInObjectCaseSensitive(r->opts, "warmup", cJSON_CreateNumber((double)(steps / 10)));
    }
    if (!str(r->opts, "log") && out) {
        r->log_default = sk_train_derived_path(out, ".log.jsonl");
        cJSON_AddStringToObject(r->opts, "log", r->log_default);
    }
    int threads = sk_lm_threads((int)num(r->opts, "threads"));
    if (resume && r->state_train) {
        cJSON *tj = cJSON_Parse(r->state_train);
        double was = num(tj, "threads");
        if (isfinite(was) && (int)was != threads)
            sk_log_warn("resuming with %d threads, the run used %d: the continuation is not bitwise that of the "
                        "uninterrupted run (give -@ %d for that)", threads, (int)was, (int)was);
        cJSON_Delete(tj);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(r->opts, "threads");
    cJSON_AddNumberToObject(r->opts, "threads", threads);

    const int64_t L = (int64_t)num(r->opts, "length"), b = (int64_t)num(r->opts, "batch");
    const uint64_t seed = (uint64_t)num(r->opts, "seed");
    sk_train_opts o = {.steps = steps, .accum = (int)num(r->opts, "accum"), .eval_every = (int64_t)num(r->opts, "eval_every"),
                       .eval_batches = (int64_t)num(r->opts, "eval_batches"), .ckpt_every = (int64_t)num(r->opts, "ckpt_every"),
                       .log_every = (int64_t)num(r->opts, "log_every"), .out = out, .log_path = str(r->opts, "log"),
                       .quiet = quiet};
    o.sched = (sk_sched){SK_SCHED_COSINE, num(r->opts, "lr"), num(r->opts, "min_lr"), (int64_t)num(r->opts, "warmup"), steps};
    o.optim = (sk_optim_hparams){num(r->opts, "beta1"), num(r->opts, "beta2"), num(r->opts, "eps"),
                                 num(r->opts, "weight_decay"), num(r->opts, "clip")};
    rc = sk_sched_kind_parse(str(r->opts, "schedule"), &o.sched.kind);
    if (!rc) rc = sk_sched_check(&o.sched);
    if (!rc) rc = sk_optim_check(&o.optim);
    if (rc) return sk_error_wrap(rc, "training options: ");

    const sk_backend *be = NULL;
    if ((rc = sk_lm_backend(str(r->opts, "device"), &be))) return rc;
    if (cfg.unet && L % cfg.u.pool_prod)
        return sk_error(SK_EINVAL, "--length %lld is not a multiple of the U-Net's pool product %lld (%s)", (long long)L,
                        (long long)cfg.u.pool_prod, what);
    int64_t chunk = 0;
    char why[256];
    if ((rc = sk_plan_chunk(&cfg, be, b, L, str(r->opts, "chunk"), &chunk, why, sizeof why))) return rc;
    if (dry_run) {
        const char *files[3] = {str(r->opts, "data"), str(r->opts, "valid"), NULL};
        if (!files[0]) files[0] = files[1], files[1] = NULL;
        const int nsrc = 2 + (num(r->opts, "length_warmup") > 0 ? 8 : 0); /* train, valid (+ warm-up stages, roughly) */
        printf("chunking: %s\n", why);
        return sk_plan_report(stdout, &cfg, what, be, b, L, chunk, files, nsrc, threads, NULL);
    }
    if (!quiet) sk_log_info("chunking: %s", why);
    if ((rc = sk_backend_dist_setup(be))) return rc;
    if (!quiet && sk_dist_world() > 1)
        sk_log_info("data parallel: %d ranks, global batch %d x %lld", sk_dist_world(), sk_dist_world(), (long long)b);
    const int64_t vocab = cfg.unet ? cfg.u.vocab_size : cfg.lm.vocab_size;
    if ((rc = open_data(r, L, b, seed, num(r->opts, "valid_fraction")))) return rc;
    if (sk_data_vocab_size(r->train) > vocab)
        return sk_error(SK_EINVAL, "%s has a vocabulary of %lld tokens but the model's vocab_size is %lld",
                        sk_data_path(r->train), (long long)sk_data_vocab_size(r->train), (long long)vocab);
    if (cfg.unet && sk_data_bos(r->train) < 0)
        sk_log_warn("%s has no \"bos_token\" (not an audio shard from 'ssmkit audio prep'): the first sample of each "
                    "example is not a target", sk_data_path(r->train));
    if (num(r->opts, "length_warmup") > 0) { /* stages and their sources (sk_slw.h) */
        const char *tps = "tokens_per_step";
        int64_t T = cJSON_GetObjectItemCaseSensitive(r->opts, tps) ? (int64_t)num(r->opts, tps) : b * L * o.accum;
        rc = sk_slw_plan(&r->slw, (int64_t)num(r->opts, "warmup_from"), L, T, (int64_t)num(r->opts, "length_warmup"), steps);
        for (int k = 0; !rc && k < r->slw.n - 1; k++) {
            sk_data_opts so = {.length = r->slw.stage[k].length, .batch = (int)b, .split = str(r->opts, "valid") ? SK_DATA_ALL : SK_SPLIT_TRAIN,
                               .mode = SK_DATA_RANDOM, .seed = seed + 1 + (uint64_t)k,
                               .valid_fraction = str(r->opts, "valid") ? 0 : num(r->opts, "valid_fraction"),
                               .pack = num(r->opts, "pack") == 1};
            rc = sk_data_open(&r->stage[k], str(r->opts, "data"), SK_DATA_AUTO, &so);
            if (!rc) rc = sk_data_set_rank(r->stage[k], sk_dist_rank(), sk_dist_world());
        }
        if (rc) return rc; /* sk_slw messages start with "length warm-up: " */
        o.slw = &r->slw, o.stage_train = r->stage;
        if (!quiet)
            for (int k = 0; k < r->slw.n; k++)
                sk_log_info("length warm-up stage %d: length %lld, %lld rows per update (%lld micro-batches), updates %lld-%lld",
                            k, (long long)r->slw.stage[k].length, (long long)r->slw.stage[k].batch,
                            (long long)(r->slw.stage[k].batch / b), (long long)r->slw.stage[k].first_step + 1,
                            (long long)(r->slw.stage[k].first_step + r->slw.stage[k].steps));
    }
    /* DNA shards: the tokenizer and the data's provenance go into every checkpoint */
    const char *meta[5] = {NULL};
    if ((rc = dna_meta(str(r->opts, "data"), &r->dna_tok, &r->dna_prov))) return rc;
    if (r->dna_tok) meta[0] = "tokenizer", meta[1] = r->dna_tok, meta[2] = "provenance", meta[3] = r->dna_prov, o.meta = meta;
    sk_train_model tm;
    int64_t numel;
    if ((rc = sk_plan_create(&cfg, be, b, L, chunk, &r->model, &r->unet))) return rc;
    if (cfg.unet) {
        if (!resume && (rc = sk_unet_init(r->unet, seed))) return rc;
        sk_unet_train_model(r->unet, &tm);
        numel = sk_unet_numel(r->unet);
    } else {
        if (!resume && (rc = sk_mamba_lm_init(r->model, seed))) return rc;
        sk_mamba_lm_train_model(r->model, &tm);
        numel = sk_mamba_lm_numel(r->model);
    }
    char *oj = cJSON_PrintUnformatted(r->opts);
    if (!oj) return sk_error(SK_ENOMEM, "out of memory");
    rc = sk_trainer_create(&r->tr, &tm, r->train, r->valid, b, L, &o, oj);
    if (!quiet) {
        sk_log_info("model: %s, %lld parameters, config %s", cfg.unet ? "U-Net" : "Mamba LM", (long long)numel, what);
        sk_log_info("options: %s", oj);
    }
    free(oj);
    if (!rc && resume) {
        rc = sk_trainer_resume(r->tr, sk_trainer_path(r->tr, 1));
        if (!rc && !quiet) sk_log_info("resumed at step %lld", (long long)sk_trainer_step(r->tr));
    }
    if (!rc) rc = sk_trainer_run(r->tr);
    if (rc == SK_EINTR) *interrupted = 1;
    return rc;
}

/* A training option given on the command line (--min-lr, -L, ...): checked by T and stored under
 * its key ("min_lr") in the options given (o->dst, a cJSON object). */
static int train_opt(const char *cmd, const sk_opt *o, const char *arg) {
    char key[32], label[40];
    snprintf(key, sizeof key, "%s", o->name);
    for (char *p = key; *p; p++)
        if (*p == '-') *p = '_';
    snprintf(label, sizeof label, "--%s", o->name);
    if (set_value(o->dst, find_key(key), arg, label)) return sk_cli_usage(cmd, "%s", sk_errmsg()), -1;
    return 0;
}

/* Every key of T has exactly one row in opts (else it could not be given on the command line);
 * the rows show T's defaults in the help. */
static int train_rows(sk_opt *opts) {
    int seen[NT] = {0};
    for (sk_opt *o = opts; o->type != SK_OPT_END; o++) {
        if (o->fn != train_opt) continue;
        char key[32];
        snprintf(key, sizeof key, "%s", o->name);
        for (char *p = key; *p; p++)
            if (*p == '-') *p = '_';
        int k = find_key(key);
        if (k < 0 || seen[k]++) return sk_error(SK_EINVAL, "train: option table: --%s is not one training option", o->name);
        o->shown = T[k].def;
    }
    for (int k = 0; k < NT; k++)
        if (!seen[k]) return sk_error(SK_EINVAL, "train: option table: training option %s has no row", T[k].key);
    return SK_OK;
}

int cmd_train(int argc, char **argv) {
    const char *preset = NULL, *config = NULL, *out = NULL;
    int resume = 0, quiet = 0, dry_run = 0;
    cJSON *cli = cJSON_CreateObject(); /* the options given, as strings/numbers under their keys */
#define TRAIN_OPT(n, s, m, h) SK_O_FN(n, s, cli, train_opt, NULL, m, h)
    sk_opt opts[] = {
        SK_O_SECTION("Data and model:"),
        TRAIN_OPT("data", 'd', "FILE", "training data: byte file or token shard"),
        TRAIN_OPT("valid", 0, "FILE", "validation data (default: the valid split of --data: a shard's\n"
                                      "valid examples, or the last --valid-fraction of a byte file)"),
        TRAIN_OPT("valid-fraction", 0, "F", "byte files without --valid: trailing fraction held out"),
        SK_O_STR("preset", 'p', &preset, NULL, "NAME", "model preset (ssmkit presets) [byte-lm-small]"),
        SK_O_STR("config", 'c', &config, NULL, "FILE", "model config JSON (as printed by ssmkit presets NAME)"),
        SK_O_OUTPUT(&out, "CKPT", "model checkpoint to write (required)"),
        SK_O_FLAG("resume", 0, &resume, "continue from STEM.train.safetensors (bitwise, same thread count)"),
        SK_O_SECTION("Optimization:"),
        TRAIN_OPT("length", 'L', "L", "tokens per sequence"),
        TRAIN_OPT("batch", 'b', "B", "sequences per micro-batch"),
        TRAIN_OPT("steps", 'n', "N", "optimizer updates"),
        TRAIN_OPT("accum", 0, "K", "micro-batches per update (gradient accumulation)"),
        TRAIN_OPT("lr", 0, "LR", "peak learning rate"),
        TRAIN_OPT("min-lr", 0, "LR", "cosine floor [lr / 10]"),
        TRAIN_OPT("warmup", 0, "N", "linear warm-up updates [min(100, steps / 10)]"),
        TRAIN_OPT("schedule", 0, "S", "cosine | constant"),
        TRAIN_OPT("clip", 0, "C", "global L2 gradient-norm clipping, 0 = off"),
        TRAIN_OPT("weight-decay", 0, "W", "AdamW decoupled weight decay (not on A_log, D, norms, biases)"),
        TRAIN_OPT("beta1", 0, "B", "AdamW first-moment decay"),
        TRAIN_OPT("beta2", 0, "B", "AdamW second-moment decay"),
        TRAIN_OPT("eps", 0, "E", "AdamW epsilon"),
        TRAIN_OPT("length-warmup", 0, "N", "sequence-length warm-up (Mamba App. E.3.3): N updates at each power of\n"
                  "two from --warmup-from up to --length, then the rest at --length;\n"
                  "tokens per update constant (--tokens-per-step), so the rows per update\n"
                  "halve as the length doubles (micro-batches of --batch rows); 0 = off"),
        TRAIN_OPT("warmup-from", 0, "L0", "first warm-up length"),
        TRAIN_OPT("tokens-per-step", 0, "T", "tokens per update with --length-warmup [batch * length * accum]"),
        TRAIN_OPT("pack", 0, "0|1", "packed rows (paper §3.5): a shard's examples laid end to end, several\n"
                  "per row, the recurrent state reset at each example's start and no\n"
                  "target across examples, so short examples fill rows instead of\n"
                  "being padded (Mamba LM; validation packed too)"),
        TRAIN_OPT("chunk", 0, "N|auto|off", "chunked training for long sequences: run each sequence through all\n"
                  "layers in chunks of N positions with the states carried, keep only\n"
                  "the chunk-boundary states, recompute each chunk's activations in the\n"
                  "backward (same gradients, about 1/3 more compute, the activation\n"
                  "memory of one chunk); U-Nets: N a multiple of the pool product.\n"
                  "auto: off while the activations of batch x length fit in 1 GiB, else\n"
                  "the longest power-of-two chunk whose activations fit in 512 MiB"),
        SK_O_FLAG("dry-run", 0, &dry_run, "print the memory plan (bytes per block and per token, predicted peak\n"
                  "resident memory by part) and exit without training (no -o needed)"),
        SK_O_SECTION("Validation, checkpoints, logs:"),
        TRAIN_OPT("eval-every", 0, "N", "validate every N updates, 0 = only at the end"),
        TRAIN_OPT("eval-batches", 0, "N", "batches per validation, 0 = the whole valid split"),
        TRAIN_OPT("ckpt-every", 0, "N", "checkpoint every N updates, 0 = only at the end"),
        TRAIN_OPT("log-every", 0, "N", "log a training line every N updates"),
        TRAIN_OPT("log", 0, "FILE", "JSON-lines log (step, loss, bits, lr, grad_norm, tokens_per_s) [STEM.log.jsonl]"),
        TRAIN_OPT("seed", 's', "S", "model init and batch sampling seed"),
        TRAIN_OPT("threads", '@', "T", "kernel threads, 0 = all cores"),
        TRAIN_OPT("device", 0, "D", "cpu | cuda"),
        SK_O_QUIET(&quiet, "no progress lines on stderr"),
        SK_O_HELP, SK_O_END};
#undef TRAIN_OPT
    if (train_rows(opts)) {
        cJSON_Delete(cli);
        return sk_cli_fail(NULL);
    }
    int status = sk_cli_parse(&(const sk_cli){"train", usage, opts, epilog}, argc, argv);
    if (status != SK_CLI_GO) {
        cJSON_Delete(cli);
        return status;
    }
    status = SK_EXIT_OK;
    if (!status && optind < argc) status = sk_cli_usage("train", "unexpected argument '%s'", argv[optind]);
    if (!status && !out && !dry_run) status = sk_cli_usage("train", "missing -o CKPT");
    if (!status && preset && config) status = sk_cli_usage("train", "give --preset or --config, not both");
    if (!status && !resume && !dry_run && !cJSON_GetObjectItemCaseSensitive(cli, "data"))
        status = sk_cli_usage("train", "missing --data FILE");
    if (!status && resume && !out) status = sk_cli_usage("train", "--resume needs -o CKPT");
    if (status) {
        cJSON_Delete(cli);
        return status;
    }
    run r = {0};
    int interrupted = 0;
    if (sk_dist_init(NULL, NULL)) {
        cJSON_Delete(cli);
        return sk_cli_fail(NULL);
    }
    if (sk_dist_rank() != 0) quiet = 1; /* rank 0 reports */
    int rc = do_train(&r, preset, config, out, resume, cli, quiet, dry_run, &interrupted);
    cJSON_Delete(cli);
    if (rc && !interrupted && sk_dist_world() > 1) sk_dist_abort(sk_errmsg()); /* ends every rank */
    sk_backend_dist_teardown();
    if (interrupted) {
        fprintf(stderr, "ssmkit train: %s\n", sk_errmsg());
        run_free(&r);
        sk_dist_finalize();
        return 130;
    }
    if (rc) {
        status = sk_cli_fail(NULL);
    } else if (dry_run) {
        /* the plan is printed */
    } else if (!quiet) {
        double best = sk_trainer_best_valid(r.tr);
        if (isfinite(best))
            sk_log_info("done: %lld steps, best validation %.4f bits/token (%s)", (long long)sk_trainer_step(r.tr), best,
                        sk_trainer_path(r.tr, 2));
        else sk_log_info("done: %lld steps, model %s", (long long)sk_trainer_step(r.tr), out);
    }
    run_free(&r);
    sk_dist_finalize();
    return status;
}
