/* ref_util.h — reading PyTorch reference fixtures (safetensors) in the model parity tests. */
#ifndef SK_REF_UTIL_H
#define SK_REF_UTIL_H

#include <stdlib.h>
#include "src/sk_safetensors.h"
#include "tests/sk_test.h"

/* Tensor `name` of st as a malloc'd float64 array of n values (a failed read is a test failure). */
static inline double *read_ref(const sk_st *st, const char *name, int64_t n) {
    float *f = malloc((size_t)n * sizeof(float));
    double *d = malloc((size_t)n * sizeof(double));
    SK_CHECK(sk_st_read_f32(st, name, f, n) == 0, "read %s: %s", name, sk_errmsg());
    for (int64_t i = 0; i < n; i++) d[i] = f[i];
    free(f);
    return d;
}

#endif
