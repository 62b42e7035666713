/* sk_audio_codec.c — SaShiMi's 8-bit mu-law and linear codec (DESIGN.md §Mu-law codec).
 *
 * One reference formula (sk_audio_encode1_ref, double precision). The array encoder does the
 * min-max scaling as a plain SIMD-friendly loop and replaces the mu-law + quantization step by a
 * branchless 8-step search in a table of the 255 bin edges in x' space; the edges are found once
 * by bisecting the reference formula over the ordered doubles, so the search returns exactly the
 * reference token for every x' outside |x'| <= SK_MULAW_ZONE. Inside that zone the reference
 * itself is not monotone (the +1e-8 inside |x + 1e-8| and the sign(x) factor disagree for
 * -1e-8 < x < 0), so those rare values go through the reference formula directly.
 * Decode is a 256-entry table.
 */
#include "audio/sk_audio.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define SK_MULAW_ZONE 1e-6

const char *sk_audio_codec_name(sk_audio_codec c) { return c == SK_AUDIO_LINEAR ? "linear" : "mulaw"; }

int sk_audio_codec_parse(const char *name, sk_audio_codec *c) {
    if (!strcmp(name, "mulaw") || !strcmp(name, "mu-law")) *c = SK_AUDIO_MULAW;
    else if (!strcmp(name, "linear")) *c = SK_AUDIO_LINEAR;
    else return sk_error(SK_EINVAL, "unknown codec '%s' (mulaw or linear)", name);
    return SK_OK;
}

/* q = floor(y01 * (256 - 0.01) + 0.005) (SaShiMi `quantize`, EPSILON = 0.01), clamped. */
static inline int quantize01(double y01) {
    double v = y01 * (256.0 - 0.01) + 0.005;
    if (!(v >= 0)) return 0;
    if (v >= 255) return 255;
    return (int)v;   /* truncation of a non-negative value = floor */
}

int sk_audio_encode1_ref(double xs, sk_audio_codec c) {
    if (c == SK_AUDIO_LINEAR) return quantize01(xs);
    /* y = sign(x) * ln(1 + mu |x + 1e-8|) / ln(1 + mu);  y01 = (y + 1) / 2 */
    double sgn = (xs > 0) - (xs < 0);
    double y = sgn * log1p(SK_AUDIO_MU * fabs(xs + 1e-8)) / log1p((double)SK_AUDIO_MU);
    return quantize01((y + 1) / 2);
}

/* ---- bin edges for the mu-law search -------------------------------------------------------- */

static double mulaw_edge[SK_AUDIO_LEVELS];   /* edge[k] = smallest x' in [-1, 1] with token >= k; edge[0] = -inf */
static float decode_tab[2][SK_AUDIO_LEVELS];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Doubles in [-1, 1] <-> ordered integers (so bisection walks representable values). */
static int64_t dkey(double d) {
    int64_t b;
    memcpy(&b, &d, 8);
    return b >= 0 ? b : -(b & INT64_MAX);
}
static double dval(int64_t k) {
    int64_t b = k >= 0 ? k : ((-k) | INT64_MIN);
    double d;
    memcpy(&d, &b, 8);
    return d;
}

static void build_tables(void) {
    mulaw_edge[0] = -INFINITY;
    for (int k = 1; k < SK_AUDIO_LEVELS; k++) {
        int64_t lo = dkey(-1.0), hi = dkey(1.0);   /* token(lo) < k <= token(hi) */
        if (sk_audio_encode1_ref(-1.0, SK_AUDIO_MULAW) >= k) {
            mulaw_edge[k] = -1.0;
            continue;
        }
        if (sk_audio_encode1_ref(1.0, SK_AUDIO_MULAW) < k) {
            mulaw_edge[k] = INFINITY;
            continue;
        }
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (sk_audio_encode1_ref(dval(mid), SK_AUDIO_MULAW) >= k) hi = mid;
            else lo = mid;
        }
        mulaw_edge[k] = dval(hi);
    }
    for (int q = 0; q < SK_AUDIO_LEVELS; q++) {
        double xh = q / 128.0 - 1;   /* x^ = q/128 - 1 */
        decode_tab[SK_AUDIO_LINEAR][q] = (float)xh;
        /* x = sign(x^) ((1 + mu)^|x^| - 1) / mu */
        double sgn = (xh > 0) - (xh < 0);
        decode_tab[SK_AUDIO_MULAW][q] = (float)(sgn * (pow(1.0 + SK_AUDIO_MU, fabs(xh)) - 1) / SK_AUDIO_MU);
    }
}

const float *sk_audio_decode_table(sk_audio_codec c) {
    pthread_once(&tables_once, build_tables);
    return decode_tab[c == SK_AUDIO_LINEAR];
}

/* Token of a scaled value xs in [-1, 1]: count of edges <= xs, by branchless binary search. */
static inline int mulaw_search(double xs) {
    int pos = 0;
    for (int s = 128; s; s >>= 1) pos += (mulaw_edge[pos + s] <= xs) ? s : 0;
    return pos;
}

/* ---- array encode --------------------------------------------------------------------------- */

/* Error for the first non-finite sample at or after x[from] (one is known to exist). */
static int nonfinite_error(const float *x, int64_t from) {
    int64_t i = from;
    while (isfinite(x[i])) i++;
    return sk_error(SK_ENUM, "sample %lld is not a finite number (%g)", (long long)i, (double)x[i]);
}

int sk_audio_minmax(const float *x, int64_t n, float *min, float *max, int64_t *bad) {
    float mn = INFINITY, mx = -INFINITY;
    int finite = 1;
#pragma omp simd reduction(min : mn) reduction(max : mx) reduction(& : finite)
    for (int64_t i = 0; i < n; i++) {
        mn = fminf(mn, x[i]);
        mx = fmaxf(mx, x[i]);
        finite &= isfinite(x[i]) ? 1 : 0;
    }
    if (!finite) {
        int64_t i = 0;
        while (isfinite(x[i])) i++;
        if (bad) *bad = i;
        return nonfinite_error(x, i);
    }
    *min = mn;
    *max = mx;
    return SK_OK;
}

/* xs -> q for a block of already-scaled values (xs[n], double). */
static void encode_scaled(const double *xs, int64_t n, sk_audio_codec c, uint8_t *q) {
    if (c == SK_AUDIO_LINEAR) {
        for (int64_t i = 0; i < n; i++) q[i] = (uint8_t)quantize01(xs[i]);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        q[i] = (uint8_t)(fabs(xs[i]) <= SK_MULAW_ZONE ? sk_audio_encode1_ref(xs[i], c) : mulaw_search(xs[i]));
}

#define BLOCK 1024

/* Scale x[n] block by block and encode. minmax: x' = lo + (hi - lo) * (x - min) / den with
 * den = max - min + 1e-6; otherwise x clamped to [-1, 1] (linear: y01 = (x + 1) / 2). */
static int encode_blocks(const float *x, int64_t n, sk_audio_codec c, int minmax, double mn, double den, uint8_t *q) {
    double lo = c == SK_AUDIO_LINEAR ? 0.0 : -1.0, hi = 1.0;
    double xs[BLOCK];
    for (int64_t b = 0; b < n; b += BLOCK) {
        int64_t m = n - b < BLOCK ? n - b : BLOCK;
        int finite = 1;
#pragma omp simd reduction(& : finite)
        for (int64_t i = 0; i < m; i++) {
            double v = x[b + i];
            finite &= isfinite(v) ? 1 : 0;
            if (minmax) {
                xs[i] = lo + (hi - lo) * (v - mn) / den;
            } else {
                v = v < -1 ? -1 : v > 1 ? 1 : v;
                xs[i] = c == SK_AUDIO_LINEAR ? (v + 1) / 2 : v;
            }
        }
        if (!finite) return nonfinite_error(x, b);
        encode_scaled(xs, m, c, q + b);
    }
    return SK_OK;
}

int sk_audio_encode_range(const float *x, int64_t n, sk_audio_codec c, double mn, double mx, uint8_t *q) {
    if (!(mn < mx) || !isfinite(mn) || !isfinite(mx))
        return sk_error(SK_EINVAL, "min-max scaling of a constant signal (min = max = %g): nothing to encode", mn);
    pthread_once(&tables_once, build_tables);
    return encode_blocks(x, n, c, 1, mn, mx - mn + 1e-6, q);
}

int sk_audio_encode(const float *x, int64_t n, sk_audio_codec c, int minmax, uint8_t *q) {
    if (n <= 0) return SK_OK;
    pthread_once(&tables_once, build_tables);
    if (!minmax) return encode_blocks(x, n, c, 0, 0, 1, q);
    float mn, mx;
    int rc = sk_audio_minmax(x, n, &mn, &mx, NULL);
    if (rc) return rc;
    if (mn == mx) return sk_error(SK_EINVAL, "constant signal (every sample is %g): min-max scaling is undefined", (double)mn);
    return sk_audio_encode_range(x, n, c, mn, mx, q);
}

void sk_audio_decode(const uint8_t *q, int64_t n, sk_audio_codec c, float *x) {
    const float *t = sk_audio_decode_table(c);
    for (int64_t i = 0; i < n; i++) x[i] = t[q[i]];
}
