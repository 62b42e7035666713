// s4d.cu — the S4D ZOH fold (kernels/cpu/s4d_ref.inc: dt = exp(log_dt), Bz = B (e^{dt A} - 1)/(dt A)
// and its backward) for the CUDA backend. Its tensors are parameter-sized ((D) and (D, N[, 2]),
// once per forward / backward of an S4D layer), so it runs the CPU backend's op (through the
// seam, sk_backend_cpu()) on host copies: download the inputs, call it, upload the results (a
// synchronizing round trip; a device kernel would save it, kernels/README.md §Open work).
// Outputs that accumulate (+=) are downloaded too.
#include <stdlib.h>
#include "kernels/cuda/sk_cuda.h"

// One host buffer holding `n` tensors of the given element counts; NULL device pointers are skipped.
typedef struct {
    float *host;
    float *h[10];
} hostset;

static int host_get(hostset *hs, const float *const *dev, const int64_t *count, int n) {
    int64_t total = 0;
    for (int k = 0; k < n; k++) total += dev[k] ? count[k] : 0;
    hs->host = (float *)malloc((size_t)(total ? total : 1) * sizeof(float));
    if (!hs->host) return sk_error(SK_ENOMEM, "s4d zoh: out of host memory");
    int64_t off = 0;
    for (int k = 0; k < n; k++) {
        hs->h[k] = NULL;
        if (!dev[k]) continue;
        hs->h[k] = hs->host + off;
        off += count[k];
        SK_CUDA(cudaMemcpyAsync(hs->h[k], dev[k], (size_t)count[k] * sizeof(float), cudaMemcpyDeviceToHost, sk_cuda_stream()));
    }
    SK_CUDA(cudaStreamSynchronize(sk_cuda_stream()));
    return SK_OK;
}
static int host_put(float *dev, const float *host, int64_t count) {
    if (dev) SK_CUDA(cudaMemcpyAsync(dev, host, (size_t)count * sizeof(float), cudaMemcpyHostToDevice, sk_cuda_stream()));
    return SK_OK;
}

int sk_cu_s4d_zoh_fwd(float *dt, float *Bz, const float *log_dt, const float *A_log, const float *A_imag,
                      const float *B, int64_t D, int64_t N) {
    const int64_t K = A_imag ? 2 : 1;
    const float *dev[] = {log_dt, A_log, A_imag, B, dt, Bz};
    const int64_t cnt[] = {D, D * N, D * N, D * N * K, D, D * N * K};
    hostset hs;
    int rc = host_get(&hs, dev, cnt, 6);
    if (!rc) rc = sk_backend_cpu()->s4d_zoh_fwd(hs.h[4], hs.h[5], hs.h[0], hs.h[1], hs.h[2], hs.h[3], D, N);
    if (!rc) rc = host_put(dt, hs.h[4], D);
    if (!rc) rc = host_put(Bz, hs.h[5], D * N * K);
    if (!rc) rc = sk_cuda_sync_status();
    free(hs.host);
    return rc;
}

int sk_cu_s4d_zoh_bwd(float *dlog_dt, float *dA_log, float *dA_imag, float *dB, const float *ddt, const float *dBz,
                      const float *log_dt, const float *A_log, const float *A_imag, const float *B, int64_t D,
                      int64_t N) {
    const int64_t K = A_imag ? 2 : 1;
    if (A_imag && !dA_imag) return sk_error(SK_EINVAL, "s4d zoh backward: dA_imag is required when A_imag is given");
    const float *dev[] = {dlog_dt, dA_log, A_imag ? dA_imag : NULL, dB, ddt, dBz, log_dt, A_log, A_imag, B};
    const int64_t cnt[] = {D, D * N, D * N, D * N * K, D, D * N * K, D, D * N, D * N, D * N * K};
    hostset hs;
    int rc = host_get(&hs, dev, cnt, 10);
    if (!rc)
        rc = sk_backend_cpu()->s4d_zoh_bwd(hs.h[0], hs.h[1], hs.h[2], hs.h[3], hs.h[4], hs.h[5], hs.h[6], hs.h[7], hs.h[8], hs.h[9], D, N);
    if (!rc) rc = host_put(dlog_dt, hs.h[0], D);
    if (!rc) rc = host_put(dA_log, hs.h[1], D * N);
    if (!rc && A_imag) rc = host_put(dA_imag, hs.h[2], D * N);
    if (!rc) rc = host_put(dB, hs.h[3], D * N * K);
    if (!rc) rc = sk_cuda_sync_status();
    free(hs.host);
    return rc;
}
