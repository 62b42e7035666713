/* ref_util.h — helpers of the model tests: reading PyTorch reference fixtures (safetensors), small configs,
 * host copies of backend tensors, checkpoints written with a config of one's choosing. */
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

static inline float *host_copy(const sk_backend *be, const float *p, int64_t n) {
    float *h = malloc((size_t)n * sizeof(float));
    if (be->download(h, p, (size_t)n * sizeof(float))) abort();
    return h;
}

/* Write a safetensors file with the parameters of `params` but the metadata config `config`. */
static inline int write_mixed(const char *path, const sk_backend *be, const sk_param *(*get)(const void *, int), const void *m,
                       int np, const char *config) {
    sk_stw *w;
    if (sk_stw_create(&w)) return -1;
    float *bufs[256];
    int nb = 0, rc = 0;
    for (int i = 0; i < np && !rc; i++) {
        const sk_param *p = get(m, i);
        bufs[nb] = host_copy(be, p->w, p->numel);
        rc = sk_stw_add(w, p->name, SK_F32, p->ndim, p->shape, bufs[nb++]);
    }
    if (!rc) rc = sk_stw_meta(w, "config", config);
    if (!rc) rc = sk_stw_write(w, path);
    sk_stw_free(w);
    for (int i = 0; i < nb; i++) free(bufs[i]);
    return rc;
}

#endif
