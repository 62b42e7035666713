/* sk_eval.h — next-token loss of a model on token files, as `ssmkit eval` reports it
 * (models/README.md §Evaluation). Reports are tab-separated lines "key\tvalue" written to `out`.
 */
#ifndef SK_EVAL_H
#define SK_EVAL_H

#include <stdio.h>
#include "kernels/sk_backend.h"
#include "src/sk_error.h"
#include "src/sk_progress.h"
#include "src/sk_stream.h"

struct sk_model;
struct sk_model_state;

/* The loss lines of a mean loss in nats per target: loss, bits_per_<unit>, perplexity. */
void sk_eval_print_loss(FILE *out, double loss, const char *unit);

/* SK_OK when loss is finite; otherwise an error naming the checkpoint `model` and its first tensor
 * with a NaN or infinite value (if it is a safetensors file that has one). Every eval path checks
 * its loss with this before printing it. */
int sk_eval_check_loss(const char *model, double loss) SK_RESULT_USED;

/* n little-endian unsigned tokens of `width` bytes (1, 2 or 4) from raw into tok, each checked
 * against the vocabulary; an error names the file `data` and the position pos0 + i. */
int sk_eval_decode_tokens(const unsigned char *raw, int64_t n, int64_t width, int64_t vocab, const char *data, int64_t pos0,
                          int32_t *tok) SK_RESULT_USED;

/* An LM on the token file `data` cut into consecutive windows of len tokens (the batch; a tail
 * shorter than len is left out with a warning), or, len = 0, the whole file as one sequence held
 * at once. Position t predicts t + 1 of its window. dump_logits / dump_grads (or NULL): write the
 * logits (batch, L, padded vocab) / the gradients of the mean loss as safetensors. */
int sk_eval_windows(const char *model, const sk_backend *be, const char *data, int64_t width, int64_t len,
                    const char *dump_logits, const char *dump_grads, FILE *out) SK_RESULT_USED;

/* A model trained on sequences that start from a token bos (the audio U-Net: mu-law 128), on a
 * file of 8-bit tokens (width must be 1): inputs [bos, x_0, ..., x_{n-2}], targets [x_0, ...,
 * x_{n-1}], streamed in chunks of C tokens (0 = 16384 rounded down to a multiple of P, the model's
 * length multiple) with the recurrent state carried; the last chunk is padded to a multiple of P
 * with ignored targets (the model is causal, so padding after the end changes nothing before it).
 * Loss = sum of -log p over the n targets / n. pg (or NULL): the samples done against n
 * (src/sk_progress.h), ended before the results are printed. */
int sk_eval_shifted(const char *model, const sk_backend *be, int32_t bos, int64_t P, const char *data, int64_t C,
                    int64_t width, FILE *out, sk_progress *pg) SK_RESULT_USED;

/* A model (a Mamba LM or a U-Net) on one split of the token shard `data` (SK_SPLIT_* or
 * SK_DATA_ALL), scored exactly as training scores its validation split (sk_train_evaluate):
 * sequential windows of len tokens (0 = the "length" in the checkpoint's training options, else
 * 1024) in batches of `batch`, packed rows when the checkpoint was trained with "pack" 1; the
 * token width, the labels, the pad token and rule and the bos token come from the shard. */
int sk_eval_shard(const char *model, const sk_backend *be, const char *data, int split, int64_t len, int64_t batch,
                  FILE *out, sk_progress *pg) SK_RESULT_USED;

/* ---- per-base output of streamed records (eval --per-base) ----
 * sk_eval_track_chunk is an sk_stream_chunk_fn (src/sk_stream.h; ctx an sk_eval_track): it runs
 * the chunk through m with the state st carried and hands fn, piece by piece, the log2-probability
 * the model gives each base that has a target: val[i] = log2 p(base pos + i | the bases of its
 * record before it), i < n. A record's first base has no context and no value, so pos >= 1; the
 * runs of a record come in increasing pos order. sum of every value of a record = -nll / ln 2. */
typedef int (*sk_eval_base_fn)(void *ctx, const char *name, int64_t rec, int64_t pos, const double *val, int64_t n);
typedef struct sk_eval_track {
    struct sk_model *m;
    struct sk_model_state *st;
    sk_eval_base_fn fn;
    void *ctx;
    double *val;   /* (chunk) scratch, owned by the caller */
    double nll;    /* sum of -ln p over every value handed out */
    int64_t n;     /* values handed out */
} sk_eval_track;
int sk_eval_track_chunk(void *ctx, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t n,
                        const sk_stream_piece *pc, int64_t np);

#endif
