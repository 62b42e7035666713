/* sk_train_setup.h — a training run of `ssmkit train` set up around the one training loop
 * (models/sk_trainer.h): its options, data sources, length warm-up stages and checkpoint metadata.
 *
 * Options. Every training option (sk_train_optdefs: key, type, default, range) has a value from,
 * in increasing priority: the built-in default, the "train" section of the preset/config (or, on
 * resume, the options stored in the training state; a run from weights, rq->init: nothing), and
 * the command line. Then the computed
 * defaults: min_lr = lr / 10; warmup = min(100, steps / 10), and a warm-up taken from the
 * section or state that is not shorter than the run becomes steps / 10 (with a warning) unless
 * the command line gave it; log = STEM.log.jsonl; threads = the count in effect. The resolved set
 * is logged and stored in every checkpoint.
 *
 * Data. `data` is a byte file or a token shard, opened for random batches of the run's rank
 * (data parallelism, src/sk_dist.h); validation is `valid`, else the valid split of `data` (a
 * warning and no validation when it has none). With length_warmup > 0 each warm-up stage but the
 * last draws from its own source of `data` at the stage's length (seed + 1 + stage). A DNA token
 * shard (metadata "domain": "dna") puts its tokenizer and provenance into every checkpoint.
 *
 * Sequence of calls: sk_train_job_create; sk_train_job_load_config; sk_train_job_resolve;
 * sk_train_job_open_data; sk_train_job_model (or the caller builds the model with
 * models/sk_model_plan.h); sk_train_job_run. A run started from weights (rq->init) validates
 * once before its first update (step 0).
 */
#ifndef SK_TRAIN_SETUP_H
#define SK_TRAIN_SETUP_H

#include <stdint.h>
#include "models/sk_trainer.h"
#include "src/sk_data.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A resolvable option: key in the JSON (and, with '-' for '_', the long option), type ('i'
 * integer, 'n' number, 's' string), built-in default (NULL = computed or none), range; and how
 * a command line shows it: short flag (0 = none), the value's name, the group it is listed in,
 * the computed default in words (where def is NULL; NULL = none) and the help text ('\n' starts
 * a continuation line). The one table of the training options: `ssmkit train` builds its
 * options and --help from it. */
enum { SK_TRAIN_GROUP_DATA, SK_TRAIN_GROUP_OPTIM, SK_TRAIN_GROUP_RUN }; /* data; optimization; validation, logs */
typedef struct sk_train_optdef {
    const char *key;
    char type;
    const char *def;
    double lo, hi;
    char sc;
    const char *meta;
    int group;
    const char *shown;
    const char *help;
} sk_train_optdef;

#define SK_TRAIN_NOPTS 30
extern const sk_train_optdef sk_train_optdefs[SK_TRAIN_NOPTS];
/* Index of `key` in sk_train_optdefs, -1 if none. */
int sk_train_optdef_find(const char *key);

/* The values given at one layer (e.g. the command line). */
typedef struct sk_train_optset sk_train_optset;
sk_train_optset *sk_train_optset_create(void);
void sk_train_optset_free(sk_train_optset *s);
/* Set option k from a string, checking type and range (label names the value in messages). */
int sk_train_optset_set(sk_train_optset *s, int k, const char *value, const char *label) SK_RESULT_USED;
int sk_train_optset_has(const sk_train_optset *s, const char *key);

/* What the command was asked (the plain result of option parsing). */
typedef struct sk_train_request {
    const char *out;              /* CKPT (-o); NULL only with dry_run */
    int resume, quiet, dry_run;
    int overwrite;                /* start over the files of an earlier run (sk_train_opts.files) */
    const sk_train_optset *cli;   /* the options given on the command line */
    const char *init;             /* start from these weights (ssmkit checkpoint of an LM or a U-Net,
                                   * mamba_ssm or Hugging Face folder), or NULL */
} sk_train_request;

typedef struct sk_train_job sk_train_job;

/* The built-in defaults. The job keeps rq->cli (it must outlive the job). */
int sk_train_job_create(sk_train_job **out, const sk_train_request *rq) SK_RESULT_USED;
void sk_train_job_free(sk_train_job *j);
/* The model config and the layer of options below the command line: on resume the config and
 * the options stored in the training state (preset and config must be NULL); with rq->init the
 * config stored with those weights and no layer (the built-in defaults and the command line: a
 * fresh optimizer and schedule; preset and config must be NULL, a classifier is refused); else
 * the config of the preset or the JSON file (both NULL: preset `fallback`) and its "train"
 * section. *cfg: the caller frees it (sk_model_config_free); what: receives a name of it for
 * messages. */
int sk_train_job_load_config(sk_train_job *j, const char *preset, const char *config, const char *fallback,
                             sk_model_config **cfg, char *what, size_t what_len) SK_RESULT_USED;
/* The command line, the computed defaults and the training-loop options. set_threads sets the
 * kernel thread count (n <= 0: keep the default) and returns the count in effect. */
int sk_train_job_resolve(sk_train_job *j, int (*set_threads)(int n)) SK_RESULT_USED;
/* A resolved option (NAN / NULL when unset or of the other type). */
double sk_train_job_num(const sk_train_job *j, const char *key);
const char *sk_train_job_str(const sk_train_job *j, const char *key);
/* Open the data sources and warm-up stages for a model of `vocab` tokens; want_bos: the model
 * expects every example to start with a bos token (audio U-Nets: warn when the data has none). */
int sk_train_job_open_data(sk_train_job *j, int64_t vocab, int want_bos) SK_RESULT_USED;
/* The model of the run for batches of b x L (the resolved batch and length) in chunks of `chunk`
 * (0 = none; models/sk_model_plan.h), with gradients: on resume zero (sk_train_job_run restores
 * it), with rq->init the weights loaded from there (sk_model_load: the reader of eval and
 * finetune --init), else initialized with the resolved seed. The caller frees it. */
int sk_train_job_model(const sk_train_job *j, const sk_model_config *cfg, const sk_backend *be, int64_t chunk,
                       sk_model **out) SK_RESULT_USED;
/* Train m (described as `name` and config `what` in the log; initialized, or to be restored on
 * resume) to the resolved number of steps. *interrupted = 1 when a signal stopped the run (a
 * checkpoint was written). */
int sk_train_job_run(sk_train_job *j, sk_model *m, const char *name, const char *what,
                     int *interrupted) SK_RESULT_USED;
/* The trainer of sk_train_job_run (NULL before). */
const sk_trainer *sk_train_job_trainer(const sk_train_job *j);

#ifdef __cplusplus
}
#endif
#endif
