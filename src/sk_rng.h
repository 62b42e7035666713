/* sk_rng.h — reproducible random numbers (xoshiro256** seeded through splitmix64).
 *
 * The same seed gives the same stream on every machine and thread count. The state is a plain
 * struct so trainers can save and restore it in checkpoints. Independent streams for workers or
 * ranks come from sk_rng_seed(&r, seed, stream).
 */
#ifndef SK_RNG_H
#define SK_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_rng { uint64_t s[4]; } sk_rng;

void sk_rng_seed(sk_rng *r, uint64_t seed, uint64_t stream);
uint64_t sk_rng_u64(sk_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double sk_rng_uniform(sk_rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t sk_rng_below(sk_rng *r, uint64_t n);
/* Standard normal (Box–Muller, no cached second value so the stream stays simple to replay). */
double sk_rng_normal(sk_rng *r);
/* Fisher–Yates shuffle of n int64 values. */
void sk_rng_shuffle_i64(sk_rng *r, int64_t *v, int64_t n);
/* A fair coin (0 or 1) for item `item` of round `round` under `seed`, from the splitmix64
 * finaliser and no sequential state, so any item of any round can be drawn again on its own.
 * The reverse-complement augmentation coin of DNA windows (`dna windows` per epoch and window,
 * `train --rc-aug` per batch and row). */
int sk_rng_coin(uint64_t seed, uint64_t round, uint64_t item);

#ifdef __cplusplus
}
#endif
#endif
