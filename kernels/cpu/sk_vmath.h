/* sk_vmath.h — branch-free fp32 exp / log / softplus / silu that GCC vectorizes inside loops
 * (libm's expf is a call and blocks vectorization without -ffast-math, which ssmkit does not
 * use). Accuracy: a few ulp over the ranges used by the kernels (tested in test_kernels).
 * CPU-only helpers for the optimized kernels in kernels/cpu.
 */
#ifndef SK_VMATH_H
#define SK_VMATH_H

#include <stdint.h>
#include <string.h>

/* exp(x) for x in [-87, 88] (clamped outside: exp(-87) ~ 1.6e-38 stands in for smaller values).
 * x = k ln2 + r, |r| <= ln2/2 (Cody-Waite split of ln2), exp(r) by its degree-7 Taylor
 * polynomial (truncation < 3e-9 relative), times 2^k built in the exponent bits. */
static inline float sk_vexpf(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float kf = (x * 1.44269504088896341f + shift) - shift;
    float r = x - kf * 0.693145751953125f;  /* ln2 high part (exact product) */
    r = r - kf * 1.428606765330187045e-6f;  /* ln2 low part */
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)kf + 127) << 23;
    float s;
    memcpy(&s, &bits, 4);
    return p * s;
}

/* log(x) for normal x > 0: x = 2^e m, m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s),
 * s = (m-1)/(m+1), |s| < 0.172, series to s^11 (truncation < 1e-10). */
static inline float sk_vlogf(float x) {
    int32_t bits;
    memcpy(&bits, &x, 4);
    int32_t e = ((bits >> 23) & 0xff) - 127;
    int32_t mb = (bits & 0x007fffff) | 0x3f800000;
    float m;
    memcpy(&m, &mb, 4);
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e = big ? e + 1 : e;
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float q = 1.0f / 11;
    q = q * s2 + 1.0f / 9;
    q = q * s2 + 1.0f / 7;
    q = q * s2 + 1.0f / 5;
    q = q * s2 + 1.0f / 3;
    q = q * s2 + 1.0f;
    return (float)e * 0.693147180559945f + 2.0f * s * q;
}

/* softplus(x) = x for x > 20, else log1p(e^x), with log1p(e) = log(1+e) * e / ((1+e) - 1)
 * (exact rounding correction; = e when 1+e rounds to 1). */
static inline float sk_vsoftplusf(float x) {
    float e = sk_vexpf(x < 20.0f ? x : 20.0f);
    float u = 1.0f + e, d = u - 1.0f;
    float l1p = d == 0.0f ? e : sk_vlogf(u) * (e / (d == 0.0f ? 1.0f : d));
    return x > 20.0f ? x : l1p;
}
static inline float sk_vsigmoidf(float x) { return 1.0f / (1.0f + sk_vexpf(-x)); }

/* sin(x) and cos(x) for |x| <= ~3000 (absolute error ~1e-7 there; slowly larger beyond):
 * x = k pi/2 + r, |r| <= pi/4 (three-part Cody-Waite split of pi/2: 8 + 12 + 24 bits, so k*hi
 * and k*mid are exact for |k| < 2^11), sin r and cos r by their Taylor polynomials to r^9 and
 * r^10 (truncation < 2e-9 at pi/4), then the quadrant k mod 4 rotates (sin, cos). Branch-free,
 * so loops over channels vectorize (the complex scan's exp(dlt * i A_imag)). */
static inline void sk_vsincosf(float x, float *s, float *c) {
    const float shift = 12582912.0f;
    float kf = (x * 0.636619772367581343f + shift) - shift; /* round(x * 2/pi) */
    float r = x - kf * 1.5703125f;
    r = r - kf * 4.837512969970703e-4f;
    r = r - kf * 7.549790126404332e-8f;
    float r2 = r * r;
    float ps = 1.0f / 362880; /* sin r = r (1 - r^2/3! + r^4/5! - r^6/7! + r^8/9!) */
    ps = ps * r2 - 1.0f / 5040;
    ps = ps * r2 + 1.0f / 120;
    ps = ps * r2 - 1.0f / 6;
    ps = ps * r2 + 1.0f;
    float sr = ps * r;
    float pc = -1.0f / 3628800; /* cos r = 1 - r^2/2! + ... - r^10/10! */
    pc = pc * r2 + 1.0f / 40320;
    pc = pc * r2 - 1.0f / 720;
    pc = pc * r2 + 1.0f / 24;
    pc = pc * r2 - 0.5f;
    pc = pc * r2 + 1.0f;
    int32_t q = (int32_t)kf & 3;
    /* q = 0: (s, c); 1: (c, -s); 2: (-s, -c); 3: (-c, s) */
    float ss = (q & 1) ? pc : sr, cc = (q & 1) ? sr : pc;
    *s = (q & 2) ? -ss : ss;
    *c = ((q + 1) & 2) ? -cc : cc;
}

#endif
