/* sk_relerr.h — the relative error every test and the kernel lab compare with:
 *     max_i |got_i - ref_i| / max_i |ref_i|   over a whole tensor (the max difference alone when ref
 * is all zeros), computed in double. A NaN anywhere in got makes the result NaN, so a comparison
 * `e <= tol` fails on it. Three element-type pairs: got float against a float64 reference, both
 * double, both float.
 */
#ifndef SK_RELERR_H
#define SK_RELERR_H

#include <math.h>
#include <stdint.h>

#define SK_RELERR_DEF(name, TG, TR)                                                                \
    static inline double name(const TG *got, const TR *ref, int64_t n) {                           \
        double num = 0, den = 0;                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const double d = fabs((double)got[i] - (double)ref[i]);                                \
            if (!(d <= num)) num = d; /* NaN-propagating max */                                    \
            if (fabs((double)ref[i]) > den) den = fabs((double)ref[i]);                            \
        }                                                                                          \
        return den > 0 ? num / den : num;                                                          \
    }
SK_RELERR_DEF(sk_relerr_f, float, double)
SK_RELERR_DEF(sk_relerr_d, double, double)
SK_RELERR_DEF(sk_relerr_ff, float, float)
#undef SK_RELERR_DEF

#endif
