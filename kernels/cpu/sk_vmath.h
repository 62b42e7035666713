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

#endif
