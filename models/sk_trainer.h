/* sk_trainer.h — the one training loop: `ssmkit train` (Mamba LM, U-Net; also data-parallel) and
 * `ssmkit finetune` (DNA classifier), for any model of the model interface (models/sk_model.h).
 *
 * The loop drives the model through its training operations (sk_model_forward, _forward_packed,
 * _backward, _zero_grad), its parameter table (sk_model_param) and its config JSON; the model must
 * have been made with SK_MODEL_GRADS. Batches come from an sk_data source, or from the caller's
 * hooks (sk_train_hooks: batches and the evaluation), as for the classifier.
 *
 * One update t = 1, 2, ... (sk_optim.h gives the contract):
 *   zero_grad; K micro-batches of forward(loss) + backward (gradients accumulate, +=);
 *   g = sum / K; g_norm = ||g||_2 (double); NaN/Inf loss or g_norm -> SK_ENUM, nothing written;
 *   clip: c = clip / (g_norm + 1e-6), g *= min(1, c)  (torch clip_grad_norm_);
 *   lr = sk_sched_lr(t - 1) (linear warm-up, cosine to min_lr); AdamW per parameter tensor with
 *   weight decay where the parameter table allows it (no_weight_decay: A_log, D, norms, biases).
 * Then, as configured: a JSON-lines log line, validation (a sequential pass over the valid
 * split, or the caller's evaluation hook; the best one is saved to BEST), a checkpoint (model +
 * training state, or the model alone for a run without training state: no_state).
 *
 * Files (CKPT = the -o path; STEM = CKPT without a trailing ".safetensors"):
 *   CKPT                       model checkpoint: safetensors, parameter names of the model,
 *                              __metadata__ "config" (model JSON), "train" (resolved options JSON),
 *                              "step"; loadable by sk_model_load.
 *   STEM.best.safetensors      the same, at the step with the lowest validation bits/token.
 *   STEM.train.safetensors     the training state, self-contained so a kill between two file
 *                              renames can never pair a model with another step's moments:
 *                              "param.<name>" (the weights), "optim.m.<name>", "optim.v.<name>"
 *                              (F32), "train.step" (I64 [1]), "train.rng" (I64 [4]),
 *                              "data.train.state" (I64 [SK_DATA_STATE_WORDS], the
 *                              uint64 words bit-cast); __metadata__
 *                              "config", "train", "best_valid", "best_step".
 * Every file is written atomically. Resuming (sk_trainer_resume) restores weights, moments, step,
 * RNG, the data sampler and the best value, so with the same thread count the run continues
 * bitwise as if it had never stopped.
 *
 * Test hook: the environment variable SSMKIT_INJECT_NAN = "loss:K" or "grad:K" makes update K
 * see a NaN loss (first micro-batch) or a NaN in the first gradient element.
 */
#ifndef SK_TRAINER_H
#define SK_TRAINER_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "models/sk_model.h"
#include "models/sk_param.h"
#include "src/sk_data.h"
#include "src/sk_error.h"
#include "src/sk_jsonl.h"
#include "src/sk_optim.h"
#include "src/sk_progress.h"
#include "src/sk_sched.h"
#include "src/sk_slw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- AdamW over a model's parameter table (moments in backend memory, one allocation each) */
typedef struct sk_optimizer sk_optimizer;

int sk_optimizer_create(sk_optimizer **out, const sk_model *m, const sk_optim_hparams *h) SK_RESULT_USED;
void sk_optimizer_free(sk_optimizer *o);
/* ||g||_2 over all parameter gradients, summed in double. */
int sk_optimizer_grad_norm(sk_optimizer *o, double *norm) SK_RESULT_USED;
/* g *= s for every gradient. */
int sk_optimizer_scale_grads(sk_optimizer *o, float s) SK_RESULT_USED;
/* The factor global-norm clipping multiplies the gradients by (torch.nn.utils.clip_grad_norm_):
 * min(1, clip / (norm + 1e-6)), or 1 when clip <= 0 (clipping off). */
double sk_clip_factor(double clip, double norm);
/* One AdamW update t (>= 1) of every parameter with learning rate lr. */
int sk_optimizer_step(sk_optimizer *o, double lr, int64_t t) SK_RESULT_USED;
/* Total parameter count. */
int64_t sk_optimizer_numel(const sk_optimizer *o);

/* ---- the loop */
struct sk_train_hooks;

typedef struct sk_train_opts {
    int64_t steps;          /* updates in total (>= 1) */
    int accum;              /* micro-batches per update (>= 1) */
    sk_sched sched;         /* lr schedule (total = steps) */
    sk_optim_hparams optim;
    int64_t eval_every;     /* validate every N updates (0 = only at the end); needs valid data */
    int64_t eval_batches;   /* batches per validation (0 = the whole valid split) */
    int64_t ckpt_every;     /* checkpoint every N updates (0 = only at the end / on SIGINT) */
    int64_t log_every;      /* JSON-lines log line every N updates (>= 1; 0: none, with hooks->evaluate) */
    const char *out;        /* CKPT */
    const char *log_path;   /* JSON-lines log, NULL = none */
    int quiet;              /* no progress lines on stderr */
    /* Sequence-length warm-up (src/sk_slw.h), or NULL. Update t then uses the stage
     * s = sk_slw_at(slw, t - 1): s->batch / b micro-batches of b rows of length s->length (so
     * every update sees slw->tokens_per_step tokens; `accum` is not used), drawn from
     * stage_train[k] for warm-up stage k < slw->n - 1 and from `train` for the last stage, whose
     * length must be L. Validation stays at length L. The caller keeps slw and the sources alive. */
    const sk_slw *slw;
    sk_data *const *stage_train;
    /* Extra __metadata__ pairs for every model checkpoint ({key, value, ..., NULL}; e.g. the
     * tokenizer and provenance of DNA data), or NULL. */
    const char *const *meta;
    /* The caller's batches and evaluation instead of `train` and `valid` (e.g. labelled DNA
     * windows and the accuracy of a classifier), or NULL. */
    const struct sk_train_hooks *hooks;
    /* 1: no training state. No STEM.train.safetensors is written (the run cannot be resumed), the
     * model files carry only `meta` and the evaluation's metadata (no "train", "step",
     * "best_valid"), the log has no start line, and SIGINT/SIGTERM stops the run right after the
     * update without writing a checkpoint. */
    int no_state;
    /* 1: validate once before the first update (step 0, a fresh run with `valid` and no evaluation
     * hook): the loss of the starting weights, logged and kept as the best so far (a run started
     * from trained weights). */
    int eval_at_start;
    /* The run's files (CKPT, STEM.best.safetensors, STEM.train.safetensors, the log): ANY (0)
     * writes them as they are (library callers). The others claim them for the life of the
     * trainer (rank 0): the run lock STEM.lock (src/sk_guard.h: a second run on STEM fails), none
     * of them an input of the process, temporary files of dead writers of STEM.* removed; then NEW
     * refuses to start over files an earlier run left (the caller's --resume / --overwrite),
     * RESUME takes them as they are, OVERWRITE removes the earlier run's STEM.best.safetensors
     * and STEM.train.safetensors (the others are replaced as the run writes them). */
    int files;
} sk_train_opts;
enum { SK_TRAIN_FILES_ANY, SK_TRAIN_FILES_NEW, SK_TRAIN_FILES_RESUME, SK_TRAIN_FILES_OVERWRITE };

/* What the loop hands the evaluation hook after update `step`. */
typedef struct sk_train_progress {
    int64_t step, steps;
    double loss_mean;   /* mean of the update losses (nats) since the previous evaluation */
    double lr;          /* this update's learning rate */
    double grad_norm;   /* this update's gradient norm before clipping */
    double elapsed_s;   /* since sk_trainer_run started */
} sk_train_progress;

typedef struct sk_train_hooks {
    void *ctx;
    /* The next training batch: inputs and targets (b, L) host (a classifier reads the label of
     * row i from targets[i * L + L - 1]). NULL: sk_data_next on `train`. Only for a run without
     * training state (no_state) in one process (no data parallelism). */
    int (*next_batch)(void *ctx, int32_t *inputs, int32_t *targets);
    /* Evaluate after update p->step (every eval_every updates and after the last one); NULL:
     * bits/token on `valid`. Writes its own log line (log: NULL when there is no log) and sets
     * *score (higher is better; NaN: no score, the model counts as the best) and *meta (extra
     * checkpoint __metadata__ pairs of this step, {key, value, ..., NULL}, valid until the next
     * call, or NULL). The model of the best score is written to STEM.best.safetensors. */
    int (*evaluate)(void *ctx, const sk_train_progress *p, sk_jsonl *log, double *score, const char *const **meta);
} sk_train_hooks;

typedef struct sk_trainer sk_trainer;

/* train: random batches (b x L) (NULL with hooks->next_batch); valid: sequential batches of the
 * same shape, or NULL.
 * opts_json: the resolved options (stored in every checkpoint and logged). The trainer keeps
 * pointers to m, train, valid (they must outlive it). */
int sk_trainer_create(sk_trainer **out, sk_model *m, sk_data *train, sk_data *valid, int64_t b, int64_t L,
                      const sk_train_opts *o, const char *opts_json) SK_RESULT_USED;
void sk_trainer_free(sk_trainer *t);
/* Restore from STEM.train.safetensors (the config must equal the model's). */
int sk_trainer_resume(sk_trainer *t, const char *state_path) SK_RESULT_USED;
/* Run to opts.steps. SK_OK when done; SK_EINTR after SIGINT/SIGTERM (a checkpoint was
 * written); SK_ENUM on a NaN/Inf loss or gradient (nothing written since the last checkpoint). */
int sk_trainer_run(sk_trainer *t) SK_RESULT_USED;
int64_t sk_trainer_step(const sk_trainer *t);
int64_t sk_trainer_numel(const sk_trainer *t);      /* parameters trained */
double sk_trainer_best_valid(const sk_trainer *t);  /* bits/token, INFINITY if none yet */
const char *sk_trainer_path(const sk_trainer *t, int which); /* 0 CKPT, 1 state, 2 best */

/* Mean loss over a sequential pass of `d` (rewound first; at most max_batches, 0 = all): bits
 * per target token and the number of targets. pg (or NULL) counts the rows of each batch. */
int sk_train_evaluate(sk_model *m, sk_data *d, int64_t b, int64_t L, int64_t max_batches,
                      int32_t *inputs, int32_t *targets, double *bits, int64_t *ntargets,
                      sk_progress *pg) SK_RESULT_USED;
/* Write the model's parameters as a checkpoint with __metadata__ "config" and the extra
 * key/value pairs (meta: NULL-terminated list of key, value, key, value, ...). */
int sk_train_save_model(const sk_model *m, const char *path, const char *const *meta) SK_RESULT_USED;
/* Read "config" and "train" metadata of a training-state file (malloc'd strings). */
int sk_train_state_peek(const char *path, char **config_json, char **train_json) SK_RESULT_USED;
/* STEM + suffix, malloc'd ("run/m.safetensors", ".train.safetensors" -> "run/m.train.safetensors"). */
char *sk_train_derived_path(const char *ckpt, const char *suffix);

#ifdef __cplusplus
}
#endif
#endif
