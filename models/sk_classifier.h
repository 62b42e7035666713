/* sk_classifier.h — a sequence classifier on a Mamba backbone (paper §4.3.3, App. E.3.4).
 *
 *   tokens (b, L) -> backbone (embedding, layers, final norm; sk_mamba_lm_forward_hidden)
 *   -> hf (b, L, d) -> h = hf[:, L-1, :] (pool "last", the default and the paper's head: the model
 *   is causal, so only the last position has seen the whole window) or h = the mean of hf[:, l, :]
 *   over the positions whose token is not the pad token (pool "mean", as GenomicBenchmarks-style
 *   fine-tuning of HyenaDNA does: every position's
 *   features vote, which generalises better from little labelled data)
 *   -> logits = h W^T + bias (b, K) -> softmax over the K classes.
 *   Loss: mean cross-entropy over the rows whose label is not -1.
 *
 * Parameters: the backbone's (names as the Mamba LM: backbone.*; an untied lm_head.weight is not
 * part of a classifier) plus "classifier.weight" (K, d) and "classifier.bias" (K); the head is
 * initialized as torch.nn.Linear: U(+-1/sqrt(d)) for both.
 *
 * On frames (sk_classifier_create_frames; audio): the input is real-valued frames x (b, L, F) (F =
 * frame_dim, e.g. log-mel bands) and a Linear frame embedding r_0 = x W_f^T + b_f (b, L, d) replaces the
 * token embedding: parameters "frontend.weight" (d, F) and "frontend.bias" (d), initialized as
 * torch.nn.Linear (U(+-1/sqrt(F)) both). The backbone then has no token embedding (no
 * backbone.embedding.weight, whatever its vocab_size says; sk_mamba.h SK_MAMBA_NO_EMBEDDING); the layers,
 * final norm, pooling and head are as for tokens, and the mean pool averages every position.
 *
 * Checkpoints are safetensors with __metadata__ "config" =
 *   {"arch": "mamba-classifier", "backbone": {Mamba LM config}, "classes": [names], "pool": "last"|"mean",
 *    "pad_token": id (mean over tokens only), "frame_dim": F (frames only)}   (a file without "pool" is
 *   "last"; without "frame_dim", or with 0, a classifier on tokens).
 * and any further metadata the caller passes (ssmkit stores "tokenizer" and "provenance").
 * The layer contract holds: parameter gradients accumulate (+=).
 */
#ifndef SK_CLASSIFIER_H
#define SK_CLASSIFIER_H

#include <stdint.h>
#include "models/sk_mamba.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_classifier sk_classifier;

/* The most classes a classifier config may name; the widest frame of a classifier on frames. */
#define SK_CLASSIFIER_MAX_CLASSES 65536
#define SK_CLASSIFIER_MAX_FRAME_DIM (1 << 20)

/* A classifier with a fresh backbone of config `c` (parameters zero: call sk_classifier_init or
 * load). flags: SK_MODEL_GRADS for training, SK_MODEL_PLAN to size it only. */
int sk_classifier_create(sk_classifier **out, const sk_mamba_config *c, int n_classes, const char *const *classes,
                         const sk_backend *be, int64_t max_batch, int64_t max_len, int flags) SK_RESULT_USED;
/* A classifier whose input is real-valued frames: a Linear frame embedding x (b, L, frame_dim) -> (b, L, d_model)
 * with weight "frontend.weight" (d_model, frame_dim) and bias "frontend.bias" (d_model), initialized as
 * torch.nn.Linear by sk_classifier_init, replaces the token embedding; the backbone layers, final norm, pooling
 * and head are as for tokens. The backbone has no token embedding (its vocab_size is kept in the config but
 * unused: any valid value, e.g. 1). frame_dim in [1, SK_CLASSIFIER_MAX_FRAME_DIM]. flags as sk_classifier_create,
 * and SK_MODEL_INFER (many clips, no backward). */
int sk_classifier_create_frames(sk_classifier **out, const sk_mamba_config *c, int frame_dim, int n_classes,
                                const char *const *classes, const sk_backend *be, int64_t max_batch, int64_t max_len,
                                int flags) SK_RESULT_USED;
int sk_classifier_frame_dim(const sk_classifier *c); /* 0 for a token classifier */
/* Fine-tuning start: the backbone loaded from a pretrained Mamba LM (anything sk_mamba_lm_load
 * reads), the head new (initialized from `seed`). A classifier checkpoint or a file that is not
 * a Mamba LM is an error saying so; a tensor whose shape does not match the config is an error
 * naming it. */
int sk_classifier_from_lm(sk_classifier **out, const char *lm_path, int n_classes, const char *const *classes,
                          const sk_backend *be, int64_t max_batch, int64_t max_len, int flags, uint64_t seed) SK_RESULT_USED;
/* Load a classifier checkpoint, on tokens or on frames (an LM checkpoint is an error saying to fine-tune it
 * first). */
int sk_classifier_load(sk_classifier **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len,
                       int flags) SK_RESULT_USED;
void sk_classifier_free(sk_classifier *c);
/* Official backbone init (sk_mamba_lm_init) and head init from `seed`. */
int sk_classifier_init(sk_classifier *c, uint64_t seed) SK_RESULT_USED;

enum { SK_POOL_LAST = 0, SK_POOL_MEAN = 1 };
/* Choose the pooling before training (create/from_lm give SK_POOL_LAST; load takes the file's).
 * pad_token: the token id the mean leaves out (left padding of short sequences), -1 = none. */
int sk_classifier_set_pool(sk_classifier *c, int pool, int32_t pad_token) SK_RESULT_USED;
int sk_classifier_pool(const sk_classifier *c);
int sk_classifier_nclasses(const sk_classifier *c);
const char *sk_classifier_class(const sk_classifier *c, int i);
sk_mamba_lm *sk_classifier_backbone(sk_classifier *c);
int64_t sk_classifier_max_batch(const sk_classifier *c);
int64_t sk_classifier_max_len(const sk_classifier *c);
/* Metadata of the loaded checkpoint (NULL if absent or not loaded from a file). */
const char *sk_classifier_meta(const sk_classifier *c, const char *key);

/* Parameter table: frontend.weight, frontend.bias (frames only), backbone parameters (checkpoint order), then
 * classifier.weight, classifier.bias. */
int sk_classifier_nparams(const sk_classifier *c);
const sk_param *sk_classifier_param(const sk_classifier *c, int i);

/* Forward b x L host tokens. labels: host (b) in [0, K) or -1 (ignored), or NULL (no loss).
 * *loss (if labels): mean cross-entropy in nats over the labelled rows; with gradients the
 * loss gradient is kept for sk_classifier_backward. */
int sk_classifier_forward(sk_classifier *c, const int32_t *tokens, const int32_t *labels, int64_t b, int64_t L,
                          double *loss) SK_RESULT_USED;
/* Forward b x L frames (a classifier on frames only; a token classifier refuses), host (b, L, frame_dim) floats
 * (finite); labels and loss as sk_classifier_forward (or NULL). Backward with sk_classifier_backward
 * (gradients += into frontend.*, the backbone layers and the head). */
int sk_classifier_forward_frames(sk_classifier *c, const float *x, const int32_t *labels, int64_t b, int64_t L,
                                 double *loss) SK_RESULT_USED;
/* The pooled penultimate features of the last forward (the head's input h: logits = h W^T + bias), host
 * (b, d_model); any forward (tokens, frames, _head_at, _head_on). */
int sk_classifier_features(const sk_classifier *c, float *h) SK_RESULT_USED;
/* Streaming (models/README.md §Streaming): the head alone on hidden rows of the backbone's last forward (run by the
 * caller, e.g. sk_mamba_lm_forward_hidden_state on sk_classifier_backbone(c) with a recurrent
 * state): logits for the flat rows pos[0..n) of hf (b*L, d), n <= max_batch; then
 * sk_classifier_logprobs gives (n, K). Equals sk_classifier_forward when pos are the rows' last
 * positions of a last-pool classifier. No backward after it. */
int sk_classifier_head_at(sk_classifier *c, const int64_t *pos, int64_t n) SK_RESULT_USED;
/* The head alone on pooled hidden states the caller computed: h host (n, d), n <= max_batch (a
 * mean-pool classifier over a streamed record: the mean of its final-norm hidden states). Then
 * sk_classifier_logprobs gives (n, K). No backward after it. */
int sk_classifier_head_on(sk_classifier *c, const float *h, int64_t n) SK_RESULT_USED;
/* log-softmax of the last forward's logits, computed in double: host (b, K). */
int sk_classifier_logprobs(const sk_classifier *c, double *logp) SK_RESULT_USED;
/* Gradients of the last forward's mean loss, added (+=) to every parameter's gradient. */
int sk_classifier_backward(sk_classifier *c) SK_RESULT_USED;
int sk_classifier_zero_grad(sk_classifier *c) SK_RESULT_USED;

/* sk_classifier_forward with per-position targets (b, L), the form of the model interface
 * (sk_model_forward): the label of row i is targets[i * L + L - 1] (the target of the last
 * position; -1 = none), the other targets are ignored; targets NULL: no loss. */
int sk_classifier_forward_targets(sk_classifier *c, const int32_t *tokens, const int32_t *targets, int64_t b,
                                  int64_t L, double *loss) SK_RESULT_USED;

/* The config JSON (malloc'd). */
char *sk_classifier_config_json(const sk_classifier *c);
/* Save (atomically) with "config" and the extra metadata pairs meta = {key, value, ..., NULL}. */
int sk_classifier_save(const sk_classifier *c, const char *path, const char *const *meta) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
