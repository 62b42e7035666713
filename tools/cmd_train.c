/* cmd_train.c — `ssmkit train`: train a model of the model interface (models/sk_model.h: a Mamba LM
 * or an audio U-Net, chosen by the config's "arch") on a byte file or a token shard.
 *
 * A thin shell: the option table, the checks between options, then the library: the training
 * options, their layering, data sources, length warm-up stages and checkpoint metadata
 * (models/sk_train_setup.h), the memory plan (models/sk_model_plan.h), the model of the run (fresh,
 * resumed, or the weights of --init: sk_train_job_model), and the training loop with its
 * checkpoints, resume, NaN stop and logs (models/sk_trainer.h).
 *
 * Audio shards carry "bos_token" (128): sk_data prepends it to every example, so the inputs are
 * the clip shifted right with 128 first and every sample is a target (sk_audio_ar_pair's
 * convention); the reported bits are then bits per audio sample.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/sk_runtime.h"
#include "models/sk_model_plan.h"
#include "models/sk_train_setup.h"
#include "src/sk_dist.h"
#include "src/sk_progress.h"
#include "tools/sk_cli.h"

static const char *usage =
    "Usage: ssmkit train --data FILE [--valid FILE] [--preset NAME | --config CFG.json] -o CKPT [options]\n"
    "       ssmkit train --init M --data FILE -o CKPT [options]\n"
    "       ssmkit train -o CKPT --resume [options]\n"
    "\n"
    "Train a Mamba language model or an audio U-Net (presets sc09-*, ytmix-mamba; chosen by the\n"
    "config's \"arch\") on a byte file (token = byte) or a token shard, with AdamW, linear\n"
    "warm-up then cosine decay, global gradient clipping and periodic validation. Writes CKPT (model),\n"
    "STEM.best.safetensors (best validation) and STEM.train.safetensors (state for --resume), where\n"
    "STEM is CKPT without '.safetensors'. Every option defaults to the \"train\" section of the\n"
    "preset/config (default preset byte-lm-small), else to the value shown. Audio shards (ssmkit\n"
    "audio prep) start every clip with token 128, so every sample is a target: bits/sample.\n";

static const char *epilog =
    "\n"
    "SIGINT/SIGTERM: writes a checkpoint, then exits 130. A NaN/Inf loss or gradient stops training\n"
    "(exit 1) and leaves the last good checkpoint in place.\n"
    "\n"
    "Data parallelism (builds with MPI): `mpirun -np K ssmkit train ...` runs K ranks; each takes a\n"
    "disjoint share of every batch (global batch = K x --batch), gradients are averaged over ranks\n"
    "(MPI_Allreduce; NCCL for --device cuda), rank 0 logs and writes the files, and an error on any\n"
    "rank ends all of them. --resume needs the same K.\n";

/* The options of `ssmkit train` after parsing. */
typedef struct train_args {
    const char *preset, *config;
    sk_train_request rq;
} train_args;

typedef struct run {
    sk_train_job *job;
    sk_model_config *cfg;
    sk_model *model;
} run;

static void run_free(run *r) {
    sk_train_job_free(r->job); /* the trainer first: it points to the model */
    sk_model_free(r->model);
    sk_model_config_free(r->cfg);
}

/* --dry-run: the memory plan of the resolved run. */
static int print_plan(const sk_train_job *j, const sk_model_config *cfg, const char *what, const sk_backend *be,
                      int64_t b, int64_t L, int64_t chunk, const char *why) {
    const char *files[3] = {sk_train_job_str(j, "data"), sk_train_job_str(j, "valid"), NULL};
    if (!files[0]) files[0] = files[1], files[1] = NULL;
    const int nsrc = 2 + (sk_train_job_num(j, "length_warmup") > 0 ? 8 : 0); /* train, valid (+ warm-up stages, roughly) */
    printf("chunking: %s\n", why);
    return sk_model_plan_report(stdout, cfg, what, be, b, L, chunk, files, nsrc, (int)sk_train_job_num(j, "threads"),
                                NULL);
}

static int do_train(run *r, const train_args *a, int *interrupted) {
    const sk_train_request *rq = &a->rq;
    char what[512] = "";
    int rc = sk_train_job_create(&r->job, rq);
    if (!rc) rc = sk_train_job_load_config(r->job, a->preset, a->config, "byte-lm-small", &r->cfg, what, sizeof what);
    if (!rc) rc = sk_train_job_resolve(r->job, sk_runtime_threads);
    if (rc) return rc;
    sk_train_job *j = r->job;
    const sk_model_config *cfg = r->cfg;
    const int64_t L = (int64_t)sk_train_job_num(j, "length"), b = (int64_t)sk_train_job_num(j, "batch");
    const sk_backend *be = NULL;
    if ((rc = sk_runtime_backend(sk_train_job_str(j, "device"), &be))) return rc;
    const int64_t unit = sk_model_config_length_multiple(cfg);
    if (L % unit)
        return sk_error(SK_EINVAL, "--length %lld is not a multiple of the U-Net's pool product %lld (%s)", (long long)L,
                        (long long)unit, what);
    int64_t chunk = 0;
    char why[256];
    if ((rc = sk_model_plan_chunk(cfg, be, b, L, sk_train_job_str(j, "chunk"), &chunk, why, sizeof why))) return rc;
    if (rq->dry_run) return print_plan(j, cfg, what, be, b, L, chunk, why);
    if (!rq->quiet) sk_log_info("chunking: %s", why);
    if ((rc = sk_backend_dist_setup(be))) return rc;
    if (!rq->quiet && sk_dist_world() > 1)
        sk_log_info("data parallel: %d ranks, global batch %d x %lld", sk_dist_world(), sk_dist_world(), (long long)b);
    if ((rc = sk_train_job_open_data(j, sk_model_config_vocab(cfg), sk_model_config_bos(cfg) >= 0))) return rc;
    if ((rc = sk_train_job_model(j, cfg, be, chunk, &r->model))) return rc;
    return sk_train_job_run(j, r->model, sk_model_config_name(cfg), what, interrupted);
}

/* A training option given on the command line goes into the option set o->dst, checked by its
 * row of sk_train_optdefs. */
static int train_opt(const char *cmd, const sk_opt *o, const char *arg) {
    char key[32], label[40];
    snprintf(key, sizeof key, "%s", o->name);
    for (char *p = key; *p; p++)
        if (*p == '-') *p = '_';
    snprintf(label, sizeof label, "--%s", o->name);
    if (!sk_train_optset_set(o->dst, sk_train_optdef_find(key), arg, label)) return 0;
    sk_cli_usage(cmd, "%s", sk_errmsg());
    return -1;
}

/* The option table: for each group of sk_train_optdefs its heading, one row per training option of
 * the group (name, short flag, value name, help and the default shown, all from that table; the
 * value goes into `cli`), then the command's own options of the group (own[g], SK_O_END-ended).
 * names: storage for the long names; rows: room for SK_TRAIN_NOPTS + NGROUPS * (NOWN + 1) + 1. */
enum { NGROUPS = 3, NOWN = 8 };
static void option_table(sk_opt *rows, char (*names)[32], sk_train_optset *cli, const sk_opt *const own[NGROUPS]) {
    static const char *const heading[NGROUPS] = {"Data and model:", "Optimization:", "Validation, checkpoints, logs:"};
    int n = 0;
    for (int g = 0; g < NGROUPS; g++) {
        rows[n++] = (sk_opt)SK_O_SECTION(heading[g]);
        for (int k = 0; k < SK_TRAIN_NOPTS; k++) {
            const sk_train_optdef *d = &sk_train_optdefs[k];
            if (d->group != g) continue;
            snprintf(names[k], 32, "%s", d->key);
            for (char *p = names[k]; *p; p++)
                if (*p == '_') *p = '-';
            rows[n++] = (sk_opt){SK_OPT_FN, names[k], d->sc, cli, 0, .fn = train_opt, .shown = d->def ? d->def : d->shown,
                                 .meta = d->meta, .help = d->help};
        }
        for (int i = 0; own[g][i].type != SK_OPT_END; i++) {
            if (i == NOWN) abort(); /* more own options in a group than the table has room for */
            rows[n++] = own[g][i];
        }
    }
    rows[n] = (sk_opt)SK_O_END;
}

/* The checks between the options (a usage error, or SK_EXIT_OK). */
static int check_args(const train_args *a, int argc, char **argv) {
    const sk_train_request *rq = &a->rq;
    if (optind < argc) return sk_cli_usage("train", "unexpected argument '%s'", argv[optind]);
    if (!rq->out && !rq->dry_run) return sk_cli_usage("train", "missing -o CKPT");
    if (a->preset && a->config) return sk_cli_usage("train", "give --preset or --config, not both");
    if (!rq->resume && !rq->dry_run && !sk_train_optset_has(rq->cli, "data"))
        return sk_cli_usage("train", "missing --data FILE");
    if (rq->resume && !rq->out) return sk_cli_usage("train", "--resume needs -o CKPT");
    if (rq->init && rq->resume)
        return sk_cli_usage("train", "--init starts a new run from weights, --resume continues the run of -o CKPT: give one");
    if (rq->init && (a->preset || a->config)) /* the shapes are those of the weights */
        return sk_cli_usage("train", "--init takes the model config from %s: %s would change its shapes", rq->init,
                            a->preset ? "--preset" : "--config");
    if (rq->resume && rq->overwrite) return sk_cli_usage("train", "give --resume or --overwrite, not both");
    return SK_EXIT_OK;
}

/* Train (every rank of a data-parallel run) and report; the exit status. */
static int train(train_args *a) {
    run r = {0};
    int interrupted = 0, status = SK_EXIT_OK;
    if (sk_dist_init(NULL, NULL)) return sk_cli_fail(NULL);
    if (sk_dist_rank() != 0) a->rq.quiet = 1; /* rank 0 reports */
    int rc = do_train(&r, a, &interrupted);
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
    } else if (a->rq.dry_run) {
        /* the plan is printed */
    } else if (!a->rq.quiet) {
        const sk_trainer *tr = sk_train_job_trainer(r.job);
        double best = sk_trainer_best_valid(tr);
        if (isfinite(best))
            sk_log_info("done: %lld steps, best validation %.4f bits/token (%s)", (long long)sk_trainer_step(tr), best,
                        sk_trainer_path(tr, 2));
        else sk_log_info("done: %lld steps, model %s", (long long)sk_trainer_step(tr), a->rq.out);
    }
    run_free(&r);
    sk_dist_finalize();
    return status;
}

int cmd_train(int argc, char **argv) {
    const char *preset = NULL, *config = NULL, *out = NULL, *init = NULL;
    int resume = 0, quiet = 0, dry_run = 0, overwrite = 0;
    sk_train_optset *cli = sk_train_optset_create(); /* the training options given */
    if (!cli) return sk_cli_fail("out of memory");
    const sk_opt data[] = {
        SK_O_STR("preset", 'p', &preset, NULL, "NAME", "model preset (ssmkit presets) [byte-lm-small]"),
        SK_O_STR("config", 'c', &config, NULL, "FILE", "model config JSON (as printed by ssmkit presets NAME)"),
        SK_O_OUTPUT(&out, "CKPT", "model checkpoint to write (required)"),
        SK_O_STR("init", 0, &init, NULL, "M", "start from the weights of M (ssmkit checkpoint of an LM or a U-Net,\n"
                 "mamba_ssm or Hugging Face folder) with a fresh optimizer and schedule;\n"
                 "the config is M's (no --preset/--config), the training options are\n"
                 "the defaults and the command line; validates before the first update"),
        SK_O_FLAG("resume", 0, &resume, "continue from STEM.train.safetensors (bitwise, same thread count)"),
        SK_O_FLAG("overwrite", 0, &overwrite, "start a new run over the files of an earlier one (else refused)"),
        SK_O_END};
    const sk_opt optim[] = {
        SK_O_FLAG("dry-run", 0, &dry_run, "print the memory plan (bytes per block and per token, predicted peak\n"
                  "resident memory by part) and exit without training (no -o needed)"),
        SK_O_END};
    const sk_opt logs[] = {SK_O_QUIET(&quiet, "no progress lines on stderr"), SK_O_HELP, SK_O_END};
    sk_opt opts[SK_TRAIN_NOPTS + NGROUPS * (NOWN + 1) + 1];
    char names[SK_TRAIN_NOPTS][32];
    option_table(opts, names, cli, (const sk_opt *const[NGROUPS]){data, optim, logs});
    int status = sk_cli_parse(&(const sk_cli){"train", usage, opts, epilog}, argc, argv);
    if (status == SK_CLI_GO) { /* else --help was printed, or a usage error */
        train_args a = {preset, config,
                        {.out = out, .resume = resume, .quiet = quiet, .dry_run = dry_run, .overwrite = overwrite, .cli = cli,
                         .init = init}};
        status = check_args(&a, argc, argv);
        if (status == SK_EXIT_OK) status = train(&a);
    }
    sk_train_optset_free(cli);
    return status;
}
