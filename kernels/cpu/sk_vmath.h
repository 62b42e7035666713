/* sk_vmath.h — SK_VLANES-lane (16) fp32 vector math for the optimized CPU kernels (GCC/Clang
 * vector extensions: one AVX-512 register, two AVX or four SSE registers, whatever the function
 * is compiled for). exp / log / softplus / sigmoid are branch-free polynomial versions,
 * accurate to a few ulp (tested against libm in test_scan); libm's expf would be a scalar call
 * (ssmkit does not use -ffast-math). CPU-only: kernels/cpu.
 */
#ifndef SK_VMATH_H
#define SK_VMATH_H

#include <stdint.h>
#include <string.h>

/* The helpers are always inlined into their (possibly AVX-compiled) callers, so the vector
 * arguments never cross a call: GCC's -Wpsabi note about the AVX calling convention does not apply. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#define SK_VI static inline __attribute__((always_inline))

#define SK_VLANES 16
typedef float sk_vf __attribute__((vector_size(4 * SK_VLANES), aligned(4)));
typedef int32_t sk_vi __attribute__((vector_size(4 * SK_VLANES), aligned(4)));

SK_VI sk_vf sk_v_splat(float x) { return (sk_vf){0} + x; }
SK_VI sk_vf sk_v_load(const float *p) {
    sk_vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
SK_VI void sk_v_store(float *p, sk_vf v) { memcpy(p, &v, sizeof v); }
/* m ? a : b per lane (m: all ones or zero, from a comparison) */
SK_VI sk_vf sk_v_select(sk_vi m, sk_vf a, sk_vf b) {
    return (sk_vf)((m & (sk_vi)a) | (~m & (sk_vi)b));
}

/* The first n <= SK_VLANES lanes of p (zeros past n), and back (only n lanes written). */
SK_VI sk_vf sk_v_load_n(const float *p, int64_t n) {
    if (n == SK_VLANES) return sk_v_load(p);
    sk_vf v = {0};
    memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}
SK_VI void sk_v_store_n(float *p, sk_vf v, int64_t n) { memcpy(p, &v, (size_t)n * sizeof(float)); }

/* Kernels that take vectors are compiled for x86-64-v4 (AVX-512), v3 (AVX2+FMA) and baseline
 * x86-64, picked at load time (GCC function multiversioning), so portable builds still use wide
 * vectors. */
#if defined(SK_CLONES)
/* set by the build (an experiment compiled for one -march) */
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__gnu_linux__)
#define SK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SK_CLONES
#endif

/* Sum of the lanes as a tree (halves added pairwise; a fixed order, so deterministic). */
_Static_assert(SK_VLANES == 16, "sk_v_hsum assumes 16 lanes");
SK_VI float sk_v_hsum(sk_vf v) {
    typedef float v8 __attribute__((vector_size(32), aligned(4)));
    typedef float v4 __attribute__((vector_size(16), aligned(4)));
    v8 a, b;
    memcpy(&a, &v, sizeof a), memcpy(&b, (const char *)&v + sizeof a, sizeof b);
    a += b;
    v4 c, d;
    memcpy(&c, &a, sizeof c), memcpy(&d, (const char *)&a + sizeof c, sizeof d);
    c += d;
    return (c[0] + c[2]) + (c[1] + c[3]);
}

/* Lanes of two vectors picked by 16 constant indices (0-15: a's lanes, 16-31: b's). */
#ifdef __clang__
#define SK_V_SHUF2(a, b, ...) __builtin_shufflevector((a), (b), __VA_ARGS__)
#else
#define SK_V_SHUF2(a, b, ...) __builtin_shuffle((a), (b), (sk_vi){__VA_ARGS__})
#endif
/* Lane sums of 16 vectors as one vector, r[m] = sum_j v[m][j], by a transposing tree (each level
 * adds the two halves of pairs of vectors, so 15 adds and 30 two-source shuffles for 16 sums; a
 * fixed order, so deterministic). */
SK_VI sk_vf sk_v_hsum16(const sk_vf *v) {
    sk_vf a[8], b[4], c[2];
    for (int k = 0; k < 8; k++) /* lanes 0-7: v[2k]'s pair sums, 8-15: v[2k+1]'s */
        a[k] = SK_V_SHUF2(v[2 * k], v[2 * k + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
               SK_V_SHUF2(v[2 * k], v[2 * k + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    for (int k = 0; k < 4; k++) /* four lanes per vector */
        b[k] = SK_V_SHUF2(a[2 * k], a[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
               SK_V_SHUF2(a[2 * k], a[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    for (int k = 0; k < 2; k++) /* two lanes per vector */
        c[k] = SK_V_SHUF2(b[2 * k], b[2 * k + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
               SK_V_SHUF2(b[2 * k], b[2 * k + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    return SK_V_SHUF2(c[0], c[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
           SK_V_SHUF2(c[0], c[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/* exp(x) for x in [-87, 88] (clamped outside: exp(-87) ~ 1.6e-38 stands in for smaller values).
 * x = k ln2 + r, |r| <= ln2/2 (Cody-Waite split of ln2), exp(r) by its degree-7 Taylor
 * polynomial (truncation < 3e-9 relative), times 2^k built in the exponent bits. */
SK_VI sk_vf sk_v_exp(sk_vf x) {
    x = sk_v_select(x < -87.0f, sk_v_splat(-87.0f), x);
    x = sk_v_select(x > 88.0f, sk_v_splat(88.0f), x);
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    sk_vf kf = (x * 1.44269504088896341f + shift) - shift;
    sk_vf r = x - kf * 0.693145751953125f; /* ln2 high part (exact product) */
    r = r - kf * 1.428606765330187045e-6f;  /* ln2 low part */
    sk_vf p = sk_v_splat(1.0f / 5040);
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    sk_vi k = __builtin_convertvector(kf, sk_vi);
    return p * (sk_vf)((k + 127) << 23);
}

/* log(x) for normal x > 0: x = 2^e m, m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s),
 * s = (m-1)/(m+1), |s| < 0.172, series to s^11 (truncation < 1e-10). */
SK_VI sk_vf sk_v_log(sk_vf x) {
    sk_vi bits = (sk_vi)x;
    sk_vi e = ((bits >> 23) & 0xff) - 127;
    sk_vf m = (sk_vf)((bits & 0x007fffff) | 0x3f800000);
    sk_vi big = m > 1.41421356f;
    m = sk_v_select(big, m * 0.5f, m);
    e = e - big; /* big is -1 where true */
    sk_vf s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    sk_vf q = sk_v_splat(1.0f / 11);
    q = q * s2 + 1.0f / 9;
    q = q * s2 + 1.0f / 7;
    q = q * s2 + 1.0f / 5;
    q = q * s2 + 1.0f / 3;
    q = q * s2 + 1.0f;
    return __builtin_convertvector(e, sk_vf) * 0.693147180559945f + 2.0f * s * q;
}

/* softplus(x) = x for x > 20, else log1p(e^x), with log1p(e) = log(1+e) * e / ((1+e) - 1)
 * (exact rounding correction; = e when 1+e rounds to 1). */
SK_VI sk_vf sk_v_softplus(sk_vf x) {
    sk_vf e = sk_v_exp(sk_v_select(x < 20.0f, x, sk_v_splat(20.0f)));
    sk_vf u = 1.0f + e, d = u - 1.0f;
    sk_vi tiny = d == 0.0f;
    sk_vf l1p = sk_v_select(tiny, e, sk_v_log(u) * (e / sk_v_select(tiny, sk_v_splat(1.0f), d)));
    return sk_v_select(x > 20.0f, x, l1p);
}
SK_VI sk_vf sk_v_sigmoid(sk_vf x) { return 1.0f / (1.0f + sk_v_exp(-x)); }

/* sin(x) and cos(x) for |x| <= ~3000 (absolute error ~1e-7 there; slowly larger beyond):
 * x = k pi/2 + r, |r| <= pi/4 (three-part Cody-Waite split of pi/2: 8 + 12 + 24 bits, so k*hi
 * and k*mid are exact for |k| < 2^11), sin r and cos r by their Taylor polynomials to r^9 and
 * r^10 (truncation < 2e-9 at pi/4), then the quadrant k mod 4 rotates (sin, cos). Branch-free
 * (the complex scan's exp(dlt * i A_imag)). */
SK_VI void sk_v_sincos(sk_vf x, sk_vf *s, sk_vf *c) {
    const float shift = 12582912.0f;
    sk_vf kf = (x * 0.636619772367581343f + shift) - shift; /* round(x * 2/pi) */
    sk_vf r = x - kf * 1.5703125f;
    r = r - kf * 4.837512969970703e-4f;
    r = r - kf * 7.549790126404332e-8f;
    sk_vf r2 = r * r;
    sk_vf ps = sk_v_splat(1.0f / 362880); /* sin r = r (1 - r^2/3! + r^4/5! - r^6/7! + r^8/9!) */
    ps = ps * r2 - 1.0f / 5040;
    ps = ps * r2 + 1.0f / 120;
    ps = ps * r2 - 1.0f / 6;
    ps = ps * r2 + 1.0f;
    sk_vf sr = ps * r;
    sk_vf pc = sk_v_splat(-1.0f / 3628800); /* cos r = 1 - r^2/2! + ... - r^10/10! */
    pc = pc * r2 + 1.0f / 40320;
    pc = pc * r2 - 1.0f / 720;
    pc = pc * r2 + 1.0f / 24;
    pc = pc * r2 - 0.5f;
    pc = pc * r2 + 1.0f;
    sk_vi q = __builtin_convertvector(kf, sk_vi) & 3;
    /* q = 0: (s, c); 1: (c, -s); 2: (-s, -c); 3: (-c, s) */
    sk_vi odd = (q & 1) != 0;
    sk_vf ss = sk_v_select(odd, pc, sr), cc = sk_v_select(odd, sr, pc);
    *s = sk_v_select((q & 2) != 0, -ss, ss);
    *c = sk_v_select(((q + 1) & 2) != 0, -cc, cc);
}

#endif
