/* sk_model.h — one interface over the model kinds of models/: the Mamba LM (sk_mamba.h), the
 * U-Net (sk_unet.h) and the sequence classifier (sk_classifier.h). Defined in sk_model.c (the
 * dispatch on a config's "arch", done here once); each kind fills the table of
 * models/model_impl.h in sk_model_lm.c, sk_model_unet.c, sk_model_clf.c. The memory plan of
 * training a model is sk_model_plan.h.
 *
 * A model is created from a config (a preset, a JSON file or object) or loaded from a checkpoint,
 * for batches of at most max_batch x max_len tokens. What each operation means for every kind
 * (= vs += gradients, state carry, chunking, step equals forward): models/README.md §Layer
 * contract. An operation a kind does not have fails with SK_EUNSUP naming it.
 */
#ifndef SK_MODEL_H
#define SK_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "kernels/sk_backend.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;          /* a parsed JSON object (callers that hold one include <cjson/cJSON.h>) */
typedef struct sk_param sk_param;                 /* models/sk_param.h */
typedef struct sk_mamba_config sk_mamba_config;   /* models/sk_mamba_config.h */
typedef struct sk_unet_config sk_unet_config;     /* models/sk_unet.h */
typedef struct sk_mamba_lm sk_mamba_lm;           /* models/sk_mamba.h */

/* create / load flags: SK_MODEL_GRADS allocates gradients and backward scratch; SK_MODEL_PLAN only
 * sizes the arenas (nothing allocated: a memory plan; only _memory, _set_chunk and _free may be
 * called on it). */
enum { SK_MODEL_GRADS = 1, SK_MODEL_PLAN = 2 };
/* create / load flag: an inference model (not with SK_MODEL_GRADS): its forward keeps nothing for
 * a backward. All layers share one layer's working buffers, sized for a piece of at most
 * SK_MODEL_INFER_ROWS positions, and a longer forward runs piece by piece with the recurrent
 * state carried, so activation memory does not grow with max_batch x max_len beyond the inputs,
 * the final hidden rows and the logits. Results equal the training forward's (same code, up to
 * fp32 summation order where a forward is cut into pieces); there is no backward and no
 * set_chunk. What eval, classify and embed load (models/README.md §Inference). */
enum { SK_MODEL_INFER = 64 };
#define SK_MODEL_INFER_ROWS 8192
/* load / read flag: the checkpoint must be a Mamba LM (commands that take token LMs: generate,
 * export); another kind fails naming its kind and the commands that take it. */
enum { SK_MODEL_LM_ONLY = 4 };
/* load flag: the checkpoint must have a Mamba backbone (an LM or a classifier: embed); another
 * kind fails naming its kind and the commands that take it. */
enum { SK_MODEL_NEED_BACKBONE = 8 };

/* load / read flags: the checkpoint must be a classifier (classify; an LM is left to the classifier
 * loader's message) / a U-Net (audio generate). */
enum { SK_MODEL_CLF_ONLY = 16, SK_MODEL_UNET_ONLY = 32 };
/* SK_OK when the checkpoint at path is of the kind flags ask for (SK_MODEL_LM_ONLY,
 * SK_MODEL_NEED_BACKBONE, SK_MODEL_CLF_ONLY, SK_MODEL_UNET_ONLY; none: any); otherwise an error naming the kind it is
 * and the commands that take it. sk_model_load and sk_model_config_read check this first. */
int sk_model_expect(const char *path, int flags) SK_RESULT_USED;

/* Bytes a model holds (what `ssmkit train --dry-run` prints), valid on a SK_MODEL_PLAN model. */
typedef struct sk_model_mem {
    int64_t params, grads, acts; /* backend bytes of the parameter, gradient, activation arenas */
    int64_t act_block;           /* activation bytes of one block at max_batch x max_len (the largest) */
    int64_t nblocks;
    int64_t chunk_states;        /* chunked training: boundary + working states and state gradients */
    int64_t host;                /* the model's host buffers (loss scratch, chunked input copies) */
} sk_model_mem;

/* ---- configs ---- */
enum { SK_MODEL_LM = 0, SK_MODEL_UNET = 1, SK_MODEL_CLASSIFIER = 2 };
typedef struct sk_model_config sk_model_config;

/* A config object of any kind, chosen by its "arch" ("mamba-lm", the default, or "unet"); a
 * "train" section must have been removed. */
int sk_model_config_parse(const struct cJSON *o, const char *what, sk_model_config **out) SK_RESULT_USED;
/* The config of preset `preset` or of the JSON file `path` (exactly one non-NULL; both NULL =
 * preset `fallback`). The "train" section, if any, is detached into *train (NULL if none; the
 * caller frees it with cJSON_Delete). what: receives a name for messages ("preset NAME" or the
 * file). */
int sk_model_config_load(const char *preset, const char *path, const char *fallback, sk_model_config **out,
                         struct cJSON **train, char *what, size_t what_len) SK_RESULT_USED;
/* The same as JSON: *cfg the config object without its "train" section (cJSON_Delete both). */
int sk_model_config_load_json(const char *preset, const char *path, const char *fallback, struct cJSON **cfg,
                              struct cJSON **train, char *what, size_t what_len) SK_RESULT_USED;
/* The config stored in a checkpoint: an ssmkit file's __metadata__["config"] of any kind, or a
 * mamba_ssm / Hugging Face folder (an LM). */
int sk_model_config_read(const char *path, int flags, sk_model_config **out) SK_RESULT_USED;
void sk_model_config_free(sk_model_config *c);
int sk_model_config_kind(const sk_model_config *c);
const char *sk_model_config_name(const sk_model_config *c); /* "Mamba LM", "U-Net", "classifier" */
int64_t sk_model_config_vocab(const sk_model_config *c);    /* input tokens: vocab_size */
int64_t sk_model_config_d_model(const sk_model_config *c);
int64_t sk_model_config_n_layer(const sk_model_config *c);
/* Lengths (and chunks) must be multiples of this (the U-Net's pool product; 1 otherwise). */
int64_t sk_model_config_length_multiple(const sk_model_config *c);
/* The token every training sequence starts with (its inputs are the data shifted right by one),
 * or -1 when inputs are the data and position t predicts t+1. */
int32_t sk_model_config_bos(const sk_model_config *c);
/* The kind's own config (NULL for another kind). */
const sk_mamba_config *sk_model_config_lm(const sk_model_config *c);
const sk_unet_config *sk_model_config_unet(const sk_model_config *c);
/* Change the width and depth of an LM config (0 = keep) and validate it again. */
int sk_model_config_resize(sk_model_config *c, int64_t d_model, int64_t n_layer, const char *what) SK_RESULT_USED;

/* ---- models ---- */
typedef struct sk_model sk_model;
typedef struct sk_model_state sk_model_state;

/* A fresh model (parameters zero: call sk_model_init or load). A classifier cannot be created
 * from a config (it needs its classes): sk_model_wrap_classifier. */
int sk_model_create(sk_model **out, const sk_model_config *c, const sk_backend *be, int64_t max_batch,
                    int64_t max_len, int flags) SK_RESULT_USED;
/* Load a checkpoint of any kind (chosen by the config in it; folders are LMs). flags: SK_MODEL_GRADS,
 * SK_MODEL_LM_ONLY, SK_MODEL_NEED_BACKBONE; SK_MODEL_PLAN: only the checks (config, tensor shapes)
 * and a plan model, no weights. The config and every tensor's shape are checked before the
 * model's memory is allocated; an allocation that fails names the file and the arena. */
int sk_model_load(sk_model **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len,
                  int flags) SK_RESULT_USED;
/* Validate an ssmkit checkpoint file (__metadata__ "format" "ssmkit" or "ssmkit-gradients")
 * exactly as sk_model_load does (every field of its config in range, every tensor present with
 * the shape the config gives it) without allocating the model; a training state's config only:
 * what `ssmkit inspect` checks. Other files (safetensors of other programs, token shards,
 * folders) pass. */
int sk_model_check_file(const char *path) SK_RESULT_USED;
/* Take ownership of a model of a kind's own API (models/sk_classifier.h, sk_mamba.h, sk_unet.h);
 * on failure it is freed. */
struct sk_classifier;
struct sk_unet;
int sk_model_wrap_classifier(sk_model **out, struct sk_classifier *c) SK_RESULT_USED;
int sk_model_wrap_lm(sk_model **out, sk_mamba_lm *m) SK_RESULT_USED;
int sk_model_wrap_unet(sk_model **out, struct sk_unet *u) SK_RESULT_USED;
void sk_model_free(sk_model *m);
/* Free the interface but not the kind's object (sk_model_self), which the caller now owns. */
void sk_model_disown(sk_model *m);
int sk_model_kind(const sk_model *m);
const sk_backend *sk_model_backend(const sk_model *m);
/* The kind's own object (sk_mamba_lm *, sk_unet *, sk_classifier *). */
void *sk_model_self(sk_model *m);
/* The Mamba backbone (an LM itself, a classifier's backbone), or NULL (a U-Net). */
sk_mamba_lm *sk_model_backbone(sk_model *m);

/* Initialization rules of models/README.md §Initialization; tensor k draws from sk_rng stream k
 * of `seed`. */
int sk_model_init(sk_model *m, uint64_t seed) SK_RESULT_USED;
/* Chunked training (models/README.md §Chunking); chunk = 0 turns it off. */
int sk_model_set_chunk(sk_model *m, int64_t chunk, int64_t max_total_len) SK_RESULT_USED;
void sk_model_memory(const sk_model *m, sk_model_mem *out);
/* Parameter table in checkpoint order. */
int sk_model_nparams(const sk_model *m);
const sk_param *sk_model_param(const sk_model *m, int i);
int64_t sk_model_numel(const sk_model *m);
char *sk_model_config_json(const sk_model *m); /* malloc'd */

/* The training operations (what the training loop of models/sk_trainer.h drives): forward b x L
 * host tokens with targets (b, L), -1 = ignored (a classifier: the label of row i is the target
 * of its last position); *loss = mean cross-entropy (nats); backward adds (+=) the gradients of
 * that loss; forward_packed takes reset flags (packed rows; SK_EUNSUP where a kind has none). */
int sk_model_forward(sk_model *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                     double *loss) SK_RESULT_USED;
int sk_model_forward_packed(sk_model *m, const int32_t *tokens, const int32_t *targets, const uint8_t *reset,
                            int64_t b, int64_t L, double *loss) SK_RESULT_USED;
int sk_model_backward(sk_model *m) SK_RESULT_USED;
int sk_model_zero_grad(sk_model *m) SK_RESULT_USED;
/* The logits of the last forward (host (b, L, width); a classifier: (b, classes)). */
int sk_model_logits(const sk_model *m, float *dst) SK_RESULT_USED;
int64_t sk_model_logits_width(const sk_model *m);
int64_t sk_model_vocab(const sk_model *m); /* input tokens: vocab_size */

/* ---- recurrent state: forward with state carry, recurrent step ---- */
int sk_model_state_create(sk_model *m, int64_t b, sk_model_state **out) SK_RESULT_USED;
int sk_model_state_reset(sk_model_state *st) SK_RESULT_USED;
void sk_model_state_free(sk_model_state *st);
/* Forward st's b sequences by L positions from the state and update it: consecutive calls equal
 * one forward over the concatenation. targets as sk_model_forward or NULL; reset (b, L) or NULL
 * (SK_EUNSUP for a kind without packed rows). sk_model_logits gives this call's logits. */
int sk_model_forward_state(sk_model *m, sk_model_state *st, const int32_t *tokens, const int32_t *targets,
                           const uint8_t *reset, int64_t L, double *loss) SK_RESULT_USED;
/* Per-position losses of the last forward with targets: host (b, L), or NULL. */
const float *sk_model_position_losses(const sk_model *m);
/* One token per sequence (host (b)) -> logits (host (b, width), or NULL). */
int sk_model_step(sk_model *m, sk_model_state *st, const int32_t *tokens, float *logits) SK_RESULT_USED;

/* ---- checkpoints ---- */
int sk_model_save(const sk_model *m, const char *path) SK_RESULT_USED;
int sk_model_save_grads(const sk_model *m, const char *path) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
