/* ref_util.h — helpers of the model tests: reading PyTorch reference fixtures (safetensors), small configs. */
#ifndef SK_REF_UTIL_H
#define SK_REF_UTIL_H

#include <stdlib.h>
#include "models/sk_mamba.h"
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

/* A small Mamba config of block kind (ssm, block) for the state-carrying tests: width 16, 2 layers,
 * d_state 4, dt in [0.01, 0.5] so states mix over tens of steps. */
static inline sk_mamba_config small_cfg(int ssm, int block, int64_t vocab) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.ssm = ssm, c.blk.block = block;
    c.blk.d_model = 16, c.n_layer = 2, c.vocab_size = vocab, c.blk.d_state = 4, c.blk.d_conv = 4;
    c.blk.dt_min = 0.01, c.blk.dt_max = 0.5;
    if (sk_mamba_config_finish(&c, "test")) abort();
    return c;
}

#endif
