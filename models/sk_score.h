/* sk_score.h — log-likelihoods of whole windows under an LM, as `ssmkit dna score-variants`
 * compares them (models/README.md §Evaluation).
 */
#ifndef SK_SCORE_H
#define SK_SCORE_H

#include <stdint.h>
#include "models/sk_model.h"
#include "src/sk_error.h"

/* b windows of L tokens (row-major, b <= the model's batch, L <= its length) through one forward:
 * logp[i] = sum over t = 1 .. L-1 of log p(x_t | x_0 .. x_{t-1}) in nats. The first token has no
 * context and is not scored, as in `ssmkit eval` on a record of L bases (logp = -its nll). */
int sk_score_windows(sk_model *m, const int32_t *tok, int64_t b, int64_t L, double *logp) SK_RESULT_USED;

#endif
