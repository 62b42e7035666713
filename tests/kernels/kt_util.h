/* kt_util.h — helpers for the kernel tests: random arrays, float/double copies and central finite
 * differences of a scalar loss computed by the float64 reference. */
#ifndef KT_UTIL_H
#define KT_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include "src/sk_rng.h"
#include "tests/sk_test.h"

static sk_rng kt_rng;
/* largest errors seen, printed by the tests (unused in tests that only need the helpers) */
__attribute__((unused)) static double kt_worst_rel, kt_worst_fd;

static inline double *kt_randd(int64_t n, double lo, double hi) {
    double *p = malloc((size_t)(n ? n : 1) * sizeof(double));
    for (int64_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * sk_rng_uniform(&kt_rng);
    return p;
}
static inline double *kt_zerod(int64_t n) { return calloc((size_t)(n ? n : 1), sizeof(double)); }
static inline float *kt_zerof(int64_t n) { return calloc((size_t)(n ? n : 1), sizeof(float)); }
static inline float *kt_tof(const double *p, int64_t n) {
    if (!p) return NULL;
    float *f = malloc((size_t)(n ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) f[i] = (float)p[i];
    return f;
}
/* Round a double array to float precision in place, so fp32 and fp64 runs see the same inputs. */
static inline void kt_round(double *p, int64_t n) {
    for (int64_t i = 0; i < n; i++) p[i] = (float)p[i];
}

typedef double (*kt_lossfn)(void *ctx);

/* Max relative error (max|an - fd| / max|fd|) between analytic gradient `an` of the loss w.r.t. x
 * and central differences with step h. Every element is checked. */
static inline double kt_fd_relerr(kt_lossfn f, void *ctx, double *x, int64_t n, const double *an, double h) {
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double x0 = x[i];
        x[i] = x0 + h;
        double fp = f(ctx);
        x[i] = x0 - h;
        double fm = f(ctx);
        x[i] = x0;
        double fd = (fp - fm) / (2 * h), d = fabs(fd - an[i]);
        if (!(d <= num)) num = d;
        if (fabs(fd) > den) den = fabs(fd);
    }
    return den > 0 ? num / den : num;
}

#define KT_FD(name, f, ctx, x, n, an, tol)                                                         \
    do {                                                                                           \
        double e_ = kt_fd_relerr((f), (ctx), (x), (n), (an), 1e-6);                                \
        if (e_ > kt_worst_fd) kt_worst_fd = e_;                                                    \
        SK_CHECK(e_ <= (tol), "%s: finite-difference relative error %.3g > %.3g", (name), e_,     \
                 (double)(tol));                                                                   \
    } while (0)

/* SK_CHECK_REL that also records the largest error (fp32 vs float64) */
#define KT_REL(name, got, ref, n, tol)                                                             \
    do {                                                                                           \
        double e_ = sk_relerr_f((got), (ref), (n));                                           \
        if (e_ > kt_worst_rel) kt_worst_rel = e_;                                                  \
        SK_CHECK(e_ <= (tol), "%s: relative error %.3g > %.3g", (name), e_, (double)(tol));       \
    } while (0)

#define KT_REPORT(test)                                                                            \
    printf("%s: worst fp32-vs-float64 relative error %.3g (gate 1e-5), worst float64 "           \
           "finite-difference relative error %.3g (gate 1e-6)\n", (test), kt_worst_rel, kt_worst_fd)

#endif
