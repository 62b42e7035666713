/* markov_source.h — an order-2 Markov byte source with a known entropy rate, for the learning
 * gate (tests/train/test_learn.sh: a model must reach validation bits/byte <= H + 0.2).
 *
 * Alphabet: K = 16 symbols written as the bytes 'a'..'p'. For every context (a, b) the next
 * symbol c has P(c | a, b) proportional to exp(s_ab * g_abc + v_c), with g_abc and a per-symbol
 * preference v_c standard normal and a sharpness s_ab uniform in [1, 4], all drawn from the seed
 * (v makes the stationary distribution far from uniform, so H depends on it). Every transition has P > 0, so the
 * chain on pairs is irreducible and aperiodic. Its stationary distribution pi(a, b) is found by
 * power iteration (pi'(b, c) = sum_a pi(a, b) P(c | a, b)) in double, and
 *   H = sum_ab pi(a, b) * H(P(. | a, b))         (bits/symbol, the entropy rate)
 *   H_1 = H(mu), mu(c) = sum_ab pi(a, b) P(c | a, b)   (unigram entropy).
 */
#ifndef SK_TEST_MARKOV_SOURCE_H
#define SK_TEST_MARKOV_SOURCE_H

#include <stdint.h>

#define SK_MARKOV_K 16

typedef struct sk_markov {
    double p[SK_MARKOV_K][SK_MARKOV_K][SK_MARKOV_K];   /* P(c | a, b) = p[a][b][c] */
    double pi[SK_MARKOV_K][SK_MARKOV_K];               /* stationary pair distribution */
    double h_rate, h_unigram;                          /* bits per symbol */
    double h_context_mean;                             /* mean of H(P(.|a,b)) over contexts, unweighted */
} sk_markov;

/* Build the source of `seed` and compute its stationary distribution and entropies. */
void sk_markov_build(sk_markov *m, uint64_t seed);
/* n symbols as bytes 'a'.., from context (a, a), using the sample stream of `seed`. */
void sk_markov_sample(const sk_markov *m, uint64_t seed, uint8_t *out, int64_t n);
/* Write n bytes to path (atomically); returns H (bits/byte) or a negative status;
 * *h_unigram receives H_1. */
double sk_markov_write(const char *path, int64_t n, uint64_t seed, double *h_unigram);

#endif
