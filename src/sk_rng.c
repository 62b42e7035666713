/* sk_rng.c — xoshiro256** (Blackman & Vigna) with splitmix64 seeding. See sk_rng.h. */
#include "src/sk_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void sk_rng_seed(sk_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t sk_rng_u64(sk_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sk_rng_uniform(sk_rng *r) { return (double)(sk_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t sk_rng_below(sk_rng *r, uint64_t n) {
    /* Rejection sampling: draw until the value falls below the largest multiple of n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = sk_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double sk_rng_normal(sk_rng *r) {
    double u1 = sk_rng_uniform(r), u2 = sk_rng_uniform(r);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

void sk_rng_shuffle_i64(sk_rng *r, int64_t *v, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)sk_rng_below(r, (uint64_t)i + 1);
        int64_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* splitmix64 finaliser */
static uint64_t mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int sk_rng_coin(uint64_t seed, uint64_t round, uint64_t item) { return (int)(mix64(mix64(seed ^ mix64(round)) ^ item) >> 63); }
