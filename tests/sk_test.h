/* sk_test.h — a minimal test harness for ctest executables.
 *
 *   SK_CHECK(cond, "fmt", ...)          fails (and continues) when cond is false
 *   SK_CHECK_REL(name, got, ref, n, tol) max|got-ref| / max|ref| <= tol (fp32 vs any reference)
 *   return sk_test_finish("name");      prints "N passed, N failed" and returns the exit code
 *
 * Every check counts; a test binary exits non-zero if any check failed.
 */
#ifndef SK_TEST_H
#define SK_TEST_H

#include "src/sk_relerr.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sk_test_pass = 0, sk_test_fail = 0;

#define SK_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            sk_test_pass++;                                                                        \
        } else {                                                                                   \
            sk_test_fail++;                                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* Relative error of a tensor: src/sk_relerr.h. */
#define SK_CHECK_REL(name, got, ref, n, tol)                                                       \
    do {                                                                                           \
        double sk_e_ = sk_relerr_f((got), (ref), (n));                                        \
        SK_CHECK(sk_e_ <= (tol), "%s: relative error %.3g > %.3g", (name), sk_e_, (double)(tol));  \
    } while (0)

static inline int sk_test_finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, sk_test_pass, sk_test_fail);
    return sk_test_fail ? 1 : 0;
}

#endif
