/* sk_generate.h — sampling from a model by its recurrent step (models/README.md §Generation):
 * tokens from a language model after a prompt, and audio clips from a U-Net, ranked by their
 * log-likelihood. Both draw with src/sk_sample.h (temperature, top-k, top-p).
 */
#ifndef SK_GENERATE_H
#define SK_GENERATE_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "src/sk_error.h"
#include "src/sk_progress.h"
#include "src/sk_sample.h"

/* ---- language models ---- */

typedef struct sk_generate_opts {
    const char *prompt;     /* prompt token file, or NULL: start from the one token `bos` */
    int32_t bos;            /* the first input without a prompt (or with an empty one) */
    int include_prompt;     /* write the prompt before the generated tokens */
    int64_t chunk;          /* prefill chunk length */
    sk_sample_params sp;
    uint64_t seed;
    sk_progress *progress;  /* NULL, or the caller's (src/sk_progress.h): tokens drawn of ntok */
} sk_generate_opts;

/* Sample ntok tokens from the LM checkpoint `model` and write them to `out` ("-" = stdout; a
 * file is written atomically). Token files (prompt and output) are raw bytes when the vocabulary
 * has at most 256 tokens, else little-endian int32. The prompt is run through the parallel
 * forward in chunks with the recurrent state carried, then each new token is one recurrent step.
 * On success *prompt_len is the prompt's length in tokens and *seconds the time of the sampling
 * loop (both may be NULL). */
int sk_generate_lm(const char *model, const sk_backend *be, int64_t ntok, const char *out, const sk_generate_opts *o,
                   int64_t *prompt_len, double *seconds) SK_RESULT_USED;

/* ---- clips from an audio model ---- */

/* A model trained on sequences that start from a token bos (the U-Net), in one copy per thread. */
typedef struct sk_clipgen sk_clipgen;

/* Load up to `threads` copies of the checkpoint `model` (no more than `batch`), each for groups of
 * ceil(batch / copies) clips. A checkpoint that is not an audio model is an error saying so. */
int sk_clipgen_create(sk_clipgen **g, const char *model, int64_t batch, int threads) SK_RESULT_USED;
/* The clip length must be a multiple of this (the U-Net's pool product). */
int64_t sk_clipgen_length_multiple(const sk_clipgen *g);
/* Generate `count` clips of `len` tokens into out (count, len), `batch` clips at a time (the
 * value given to create). Clip c draws from the stream sk_rng_seed(seed, c), so the clips do not
 * depend on the batch or the thread count. The first npre tokens of every clip are prefix[]. ll[c]
 * = the sum over the drawn tokens of log softmax(logits)[token] at temperature 1, in nats.
 * pb (or NULL): the samples drawn of count * len (src/sk_progress.h). */
int sk_clipgen_run(sk_clipgen *g, int64_t count, int64_t len, const uint8_t *prefix, int64_t npre, const sk_sample_params *sp,
                   uint64_t seed, uint8_t *out, double *ll, sk_progress *pb) SK_RESULT_USED;
void sk_clipgen_free(sk_clipgen *g);

/* order[k] = the clip of rank k: by ll, largest first; ties by clip number. */
int sk_clip_rank(const double *ll, int64_t count, int64_t *order) SK_RESULT_USED;

#endif
