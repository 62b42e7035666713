/* sk_sample.h — draw one token from fp32 logits with temperature, top-k and top-p (nucleus).
 *
 * Semantics follow mamba_ssm's generation `sample` (DESIGN.md §Mamba semantics), in its order:
 *   1. greedy (argmax, lowest index on ties) when top_k == 1 or temperature == 0
 *      (mamba_ssm divides by zero for temperature 0; here it means greedy);
 *   2. top_k > 0: keep the k largest logits (k clamped to the vocabulary);
 *   3. divide the kept logits by the temperature;
 *   4. top-p, only when 0 < top_p < 1: over the tempered softmax of the kept tokens, sorted
 *      ascending, drop every token whose cumulative probability is <= 1 - top_p (the mass of the
 *      sorted probabilities, as mamba_ssm's modify_logits_for_top_p_filtering does); the most
 *      likely token always survives;
 *   5. draw from the softmax of what remains.
 * Tokens with logit -inf are never drawn. Ties in sorting are broken by the lower token id.
 * min_p and the repetition penalty of mamba_ssm are not implemented.
 *
 * A non-greedy call consumes exactly one sk_rng_uniform draw; a greedy call consumes none, so a
 * generation run is reproducible from its seed. No allocation: the caller passes a scratch
 * buffer of sk_sample_scratch_size(vocab) bytes (reused across calls).
 */
#ifndef SK_SAMPLE_H
#define SK_SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_sample_params {
    float temperature;   /* >= 0; 0 = greedy; 1 = unchanged */
    int top_k;           /* >= 0; 0 = no top-k; 1 = greedy */
    float top_p;         /* in [0, 1]; filtering only when 0 < top_p < 1 */
} sk_sample_params;

/* Plain sampling from the softmax (temperature 1, no top-k, no top-p). Note: mamba_ssm's own
 * default is top_k = 1 (greedy). */
#define SK_SAMPLE_DEFAULTS ((sk_sample_params){1.0f, 0, 0.0f})

/* SK_EINVAL with a message naming the bad field (temperature < 0 or not finite, top_k < 0,
 * top_p outside [0, 1]). */
int sk_sample_check(const sk_sample_params *p) SK_RESULT_USED;

/* Bytes of scratch that sk_sample needs for a vocabulary of `vocab` tokens. */
size_t sk_sample_scratch_size(int64_t vocab);

/* Draw a token. logits: (vocab) fp32. scratch: sk_sample_scratch_size(vocab) bytes, 4-byte
 * aligned. *token receives the id in [0, vocab). Errors: SK_EINVAL (bad params or vocab < 1),
 * SK_ENUM (a NaN or +inf logit, or all logits -inf). */
int sk_sample(const float *logits, int64_t vocab, const sk_sample_params *p, sk_rng *rng,
              void *scratch, int32_t *token) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
