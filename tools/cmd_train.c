/* cmd_train.c — `ssmkit train`: train a Mamba LM or an audio U-Net on a byte file or a token shard.
 * The model is chosen by the config's "arch" ("mamba-lm" or "unet").
 *
 * A thin shell: it parses the options, loads the model config, builds the model, and hands the
 * rest to the library: option layering, data sources, length warm-up stages and checkpoint
 * metadata (models/sk_train_setup.h), and the training loop with its checkpoints, resume, NaN
 * stop and logs (models/sk_trainer.h).
 *
 * Audio shards carry "bos_token" (128): sk_data prepends it to every example, so the inputs are
 * the clip shifted right with 128 first and every sample is a target (sk_audio_ar_pair's
 * convention); the reported bits are then bits per audio sample.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_mamba_tools.h"
#include "models/sk_unet.h"
#include "models/sk_train_setup.h"
#include "src/sk_dist.h"
#include "src/sk_json.h"
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
    "audio prep) start every clip with token 128, so every sample is a target: bits/sample.\n"
    "\n"
    "Data and model:\n"
    "  -d, --data FILE          training data: byte file or token shard\n"
    "      --valid FILE         validation data (default: the valid split of --data: a shard's\n"
    "                           valid examples, or the last --valid-fraction of a byte file)\n"
    "      --valid-fraction F   byte files without --valid: trailing fraction held out [0.05]\n"
    "  -p, --preset NAME        model preset (ssmkit presets) [byte-lm-small]\n"
    "  -c, --config FILE        model config JSON (as printed by ssmkit presets NAME)\n"
    "  -o, --output CKPT        model checkpoint to write (required)\n"
    "      --resume             continue from STEM.train.safetensors (bitwise, same thread count)\n"
    "\n"
    "Optimization:\n"
    "  -L, --length L           tokens per sequence [512]\n"
    "  -b, --batch B            sequences per micro-batch [8]\n"
    "  -n, --steps N            optimizer updates [1000]\n"
    "      --accum K            micro-batches per update (gradient accumulation) [1]\n"
    "      --lr LR              peak learning rate [1e-3]\n"
    "      --min-lr LR          cosine floor [lr / 10]\n"
    "      --warmup N           linear warm-up updates [min(100, steps / 10)]\n"
    "      --schedule S         cosine | constant [cosine]\n"
    "      --clip C             global L2 gradient-norm clipping, 0 = off [1.0]\n"
    "      --weight-decay W     AdamW decoupled weight decay (not on A_log, D, norms, biases) [0.1]\n"
    "      --beta1 B, --beta2 B, --eps E   AdamW [0.9, 0.95, 1e-8]\n"
    "      --length-warmup N    sequence-length warm-up (Mamba App. E.3.3): N updates at each power of\n"
    "                           two from --warmup-from up to --length, then the rest at --length;\n"
    "                           tokens per update constant (--tokens-per-step), so the rows per update\n"
    "                           halve as the length doubles (micro-batches of --batch rows); 0 = off [0]\n"
    "      --warmup-from L0     first warm-up length [1024]\n"
    "      --tokens-per-step T  tokens per update with --length-warmup [batch * length * accum]\n"
    "      --pack 0|1           packed rows (paper §3.5): a shard's examples laid end to end, several\n"
    "                           per row, the recurrent state reset at each example's start and no\n"
    "                           target across examples, so short examples fill rows instead of\n"
    "                           being padded (Mamba LM; validation packed too) [0]\n"
    "      --chunk N|auto|off   chunked training for long sequences: run each sequence through all\n"
    "                           layers in chunks of N positions with the states carried, keep only\n"
    "                           the chunk-boundary states, recompute each chunk's activations in the\n"
    "                           backward (same gradients, about 1/3 more compute, the activation\n"
    "                           memory of one chunk); U-Nets: N a multiple of the pool product.\n"
    "                           auto: off while the activations of batch x length fit in 1 GiB, else\n"
    "                           the longest power-of-two chunk whose activations fit in 512 MiB [auto]\n"
    "      --dry-run            print the memory plan (bytes per block and per token, predicted peak\n"
    "                           resident memory by part) and exit without training (no -o needed)\n"
    "\n"
    "Validation, checkpoints, logs:\n"
    "      --eval-every N       validate every N updates, 0 = only at the end [100]\n"
    "      --eval-batches N     batches per validation, 0 = the whole valid split [0]\n"
    "      --ckpt-every N       checkpoint every N updates, 0 = only at the end [500]\n"
    "      --log-every N        log a training line every N updates [10]\n"
    "      --log FILE           JSON-lines log (step, loss, bits, lr, grad_norm, tokens_per_s) [STEM.log.jsonl]\n"
    "  -s, --seed S             model init and batch sampling seed [1]\n"
    "  -@, --threads T          kernel threads, 0 = all cores [0]\n"
    "      --device D           cpu | cuda [cpu]\n"
    "  -q, --quiet              no progress lines on stderr\n"
    "  -h, --help               show this help\n"
    "\n"
    "SIGINT/SIGTERM: writes a checkpoint, then exits 130. A NaN/Inf loss or gradient stops training\n"
    "(exit 1) and leaves the last good checkpoint in place.\n"
    "\n"
    "Data parallelism (builds with MPI): `mpirun -np K ssmkit train ...` runs K ranks; each takes a\n"
    "disjoint share of every batch (global batch = K x --batch), gradients are averaged over ranks\n"
    "(MPI_Allreduce; NCCL for --device cuda), rank 0 logs and writes the files, and an error on any\n"
    "rank ends all of them. --resume needs the same K.\n";

/* The training options: the table of models/sk_train_setup.h. */
#define T sk_train_optdefs
enum { NT = SK_TRAIN_NOPTS };
static int find_key(const char *key) { return sk_train_optdef_find(key); }

/* The options of `ssmkit train` after parsing. */
typedef struct train_args {
    const char *preset, *config;
    sk_train_request rq;
} train_args;

typedef struct run {
    sk_train_job *job;
    sk_mamba_lm *model;
    sk_unet *unet;
} run;

static void run_free(run *r) {
    sk_train_job_free(r->job);
    sk_mamba_lm_free(r->model);
    sk_unet_free(r->unet);
}

/* The model config: of the preset/config, whose "train" section is layered into the options, or
 * on resume the one stored in the training state. what: names it in messages. */
static int load_config(run *r, const train_args *a, sk_any_config *cfg, char *what, size_t what_len) {
    int rc;
    if (a->rq.resume) {
        const char *state_path = sk_train_job_state_path(r->job), *cfg_json = NULL;
        if (a->preset || a->config)
            return sk_error(SK_EINVAL, "--resume takes the model config from %s; drop --preset/--config", state_path);
        rc = sk_train_job_layer_state(r->job, &cfg_json);
        cJSON *cj = NULL;
        snprintf(what, what_len, "%s: config", state_path);
        if (!rc) rc = sk_json_parse(cfg_json, (int64_t)strlen(cfg_json), what, &cj);
        if (!rc) rc = sk_any_config_parse(cj, what, cfg);
        cJSON_Delete(cj);
        snprintf(what, what_len, "%s: train", state_path);
        return rc;
    }
    cJSON *sec = NULL;
    rc = sk_any_config_load(a->preset, a->config, "byte-lm-small", cfg, &sec, what, what_len);
    char *sec_json = sec ? cJSON_PrintUnformatted(sec) : NULL;
    if (!rc && sec && !sec_json) rc = sk_error(SK_ENOMEM, "out of memory");
    if (!rc) rc = sk_train_job_layer_section(r->job, sec_json, what);
    cJSON_Delete(sec);
    free(sec_json);
    return rc;
}

/* What the run needs to know of the model's architecture. With make_model below, the one place
 * that tells the architectures apart (until the model interface of models/ replaces both). */
typedef struct model_kind {
    const char *name;    /* for the log */
    int64_t vocab;
    int64_t length_unit; /* the length must be a multiple of it (a U-Net's pool product) */
    int want_bos;        /* audio U-Nets expect every example to start with a bos token */
} model_kind;

static model_kind kind_of(const sk_any_config *cfg) {
    if (cfg->unet) return (model_kind){"U-Net", cfg->u.vocab_size, cfg->u.pool_prod, 1};
    return (model_kind){"Mamba LM", cfg->lm.vocab_size, 1, 0};
}

/* The model of cfg behind the trainer interface, initialized from seed unless it is resumed. */
static int make_model(run *r, const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                      uint64_t seed, int resume, sk_train_model *tm) {
    int rc = sk_plan_create(cfg, be, b, L, chunk, &r->model, &r->unet);
    if (!rc && cfg->unet) {
        if (!resume) rc = sk_unet_init(r->unet, seed);
        sk_unet_train_model(r->unet, tm);
    } else if (!rc) {
        if (!resume) rc = sk_mamba_lm_init(r->model, seed);
        sk_mamba_lm_train_model(r->model, tm);
    }
    return rc;
}

/* --dry-run: the memory plan of the resolved run. */
static int print_plan(const sk_train_job *j, const sk_any_config *cfg, const char *what, const sk_backend *be,
                      int64_t b, int64_t L, int64_t chunk, const char *why) {
    const char *files[3] = {sk_train_job_str(j, "data"), sk_train_job_str(j, "valid"), NULL};
    if (!files[0]) files[0] = files[1], files[1] = NULL;
    const int nsrc = 2 + (sk_train_job_num(j, "length_warmup") > 0 ? 8 : 0); /* train, valid (+ warm-up stages, roughly) */
    printf("chunking: %s\n", why);
    return sk_plan_report(stdout, cfg, what, be, b, L, chunk, files, nsrc, (int)sk_train_job_num(j, "threads"), NULL);
}

static int do_train(run *r, const train_args *a, int *interrupted) {
    const sk_train_request *rq = &a->rq;
    char what[512] = "";
    sk_any_config cfg;
    int rc = sk_train_job_create(&r->job, rq);
    if (!rc) rc = load_config(r, a, &cfg, what, sizeof what);
    if (!rc) rc = sk_train_job_resolve(r->job, sk_lm_threads);
    if (rc) return rc;
    sk_train_job *j = r->job;
    const int64_t L = (int64_t)sk_train_job_num(j, "length"), b = (int64_t)sk_train_job_num(j, "batch");
    const sk_backend *be = NULL;
    if ((rc = sk_lm_backend(sk_train_job_str(j, "device"), &be))) return rc;
    const model_kind kind = kind_of(&cfg);
    if (L % kind.length_unit)
        return sk_error(SK_EINVAL, "--length %lld is not a multiple of the U-Net's pool product %lld (%s)", (long long)L,
                        (long long)kind.length_unit, what);
    int64_t chunk = 0;
    char why[256];
    if ((rc = sk_plan_chunk(&cfg, be, b, L, sk_train_job_str(j, "chunk"), &chunk, why, sizeof why))) return rc;
    if (rq->dry_run) return print_plan(j, &cfg, what, be, b, L, chunk, why);
    if (!rq->quiet) sk_log_info("chunking: %s", why);
    if ((rc = sk_backend_dist_setup(be))) return rc;
    if (!rq->quiet && sk_dist_world() > 1)
        sk_log_info("data parallel: %d ranks, global batch %d x %lld", sk_dist_world(), sk_dist_world(), (long long)b);
    if ((rc = sk_train_job_open_data(j, kind.vocab, kind.want_bos))) return rc;
    sk_train_model tm;
    if ((rc = make_model(r, &cfg, be, b, L, chunk, (uint64_t)sk_train_job_num(j, "seed"), rq->resume, &tm))) return rc;
    return sk_train_job_run(j, &tm, kind.name, what, interrupted);
}

int cmd_train(int argc, char **argv) {
    enum { O_BASE = 1000 };
    struct option lo[NT + 9];
    char names[NT][32];
    int n = 0;
    for (int k = 0; k < NT; k++) {
        snprintf(names[k], sizeof names[k], "%s", T[k].key);
        for (char *p = names[k]; *p; p++)
            if (*p == '_') *p = '-';
        lo[n++] = (struct option){names[k], required_argument, 0, O_BASE + k};
    }
    lo[n++] = (struct option){"preset", required_argument, 0, 'p'};
    lo[n++] = (struct option){"config", required_argument, 0, 'c'};
    lo[n++] = (struct option){"output", required_argument, 0, 'o'};
    lo[n++] = (struct option){"resume", no_argument, 0, 'r'};
    lo[n++] = (struct option){"quiet", no_argument, 0, 'q'};
    lo[n++] = (struct option){"help", no_argument, 0, 'h'};
    lo[n++] = (struct option){"dry-run", no_argument, 0, 'D'};
    lo[n] = (struct option){0, 0, 0, 0};
    static const struct {
        char c;
        const char *key;
    } shorts[] = {{'d', "data"}, {'L', "length"}, {'b', "batch"}, {'n', "steps"}, {'s', "seed"}, {'@', "threads"}};
    const char *preset = NULL, *config = NULL, *out = NULL;
    int resume = 0, quiet = 0, dry_run = 0, c;
    sk_train_optset *cli = sk_train_optset_create(); /* the options given */
    int status = SK_EXIT_OK;
    while ((c = sk_getopt(argc, argv, "d:L:b:n:s:@:p:c:o:qh", lo, "train")) != -1) {
        int k = c >= O_BASE ? c - O_BASE : -1;
        for (size_t i = 0; k < 0 && i < sizeof shorts / sizeof shorts[0]; i++)
            if (shorts[i].c == c) k = find_key(shorts[i].key);
        if (k >= 0) {
            char label[40];
            snprintf(label, sizeof label, "--%s", names[k]);
            if (sk_train_optset_set(cli, k, optarg, label)) {
                status = sk_cli_usage("train", "%s", sk_errmsg());
                break;
            }
            continue;
        }
        if (c == 'p') preset = optarg;
        else if (c == 'c') config = optarg;
        else if (c == 'o') out = optarg;
        else if (c == 'r') resume = 1;
        else if (c == 'q') quiet = 1;
        else if (c == 'D') dry_run = 1;
        else if (c == 'h') {
            fputs(usage, stdout);
            sk_train_optset_free(cli);
            return SK_EXIT_OK;
        } else {
            status = SK_EXIT_USAGE;
            break;
        }
    }
    if (!status && optind < argc) status = sk_cli_usage("train", "unexpected argument '%s'", argv[optind]);
    if (!status && !out && !dry_run) status = sk_cli_usage("train", "missing -o CKPT");
    if (!status && preset && config) status = sk_cli_usage("train", "give --preset or --config, not both");
    if (!status && !resume && !dry_run && !sk_train_optset_has(cli, "data"))
        status = sk_cli_usage("train", "missing --data FILE");
    if (!status && resume && !out) status = sk_cli_usage("train", "--resume needs -o CKPT");
    if (status) {
        sk_train_optset_free(cli);
        return status;
    }
    run r = {0};
    int interrupted = 0;
    if (sk_dist_init(NULL, NULL)) {
        sk_train_optset_free(cli);
        return sk_cli_fail(NULL);
    }
    if (sk_dist_rank() != 0) quiet = 1; /* rank 0 reports */
    train_args args = {preset, config, {.out = out, .resume = resume, .quiet = quiet, .dry_run = dry_run, .cli = cli}};
    int rc = do_train(&r, &args, &interrupted);
    sk_train_optset_free(cli);
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
        const sk_trainer *tr = sk_train_job_trainer(r.job);
        double best = sk_trainer_best_valid(tr);
        if (isfinite(best))
            sk_log_info("done: %lld steps, best validation %.4f bits/token (%s)", (long long)sk_trainer_step(tr), best,
                        sk_trainer_path(tr, 2));
        else sk_log_info("done: %lld steps, model %s", (long long)sk_trainer_step(tr), out);
    }
    run_free(&r);
    sk_dist_finalize();
    return status;
}
