/* backend_cpu.c — the CPU backend's dispatch table: host memory and the CPU ops (sk_cpu.h). */
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_backend.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

static int cpu_alloc(void **p, size_t bytes) {
    *p = NULL;
    if (!bytes) return SK_OK;
    *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!*p) return sk_error(SK_ENOMEM, "cannot allocate %.1f MiB of host memory", bytes / 1048576.0);
    memset(*p, 0, bytes);
    return SK_OK;
}
static void cpu_free(void *p) { free(p); }
static int cpu_copy(void *dst, const void *src, size_t bytes) {
    if (bytes) memmove(dst, src, bytes);
    return SK_OK;
}
static int cpu_sync(void) { return SK_OK; }
static int cpu_memzero(void *p, size_t bytes) {
    if (bytes) memset(p, 0, bytes);
    return SK_OK;
}

static int cpu_axpy(float *y, const float *x, float a, int64_t n) {
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
    return SK_OK;
}

static int64_t cpu_scan_work_len(const sk_scan_f32 *p) {
#ifdef SSMKIT_HAVE_OPENMP
    return sk_scan_work_len_f32(p, omp_get_max_threads());
#else
    return sk_scan_work_len_f32(p, 1);
#endif
}

static const sk_backend cpu_backend = {
    .name = "cpu",
    .device = SK_DEVICE_CPU,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .sync = cpu_sync,
    .memzero = cpu_memzero,
    .copy = cpu_copy,
    .axpy = cpu_axpy,
    .gemm = sk_gemm_f32,
    .scan_fwd = sk_scan_fwd_f32,
    .scan_bwd = sk_scan_bwd_f32,
    .scan_work_len = cpu_scan_work_len,
    .conv1d_fwd = sk_conv1d_fwd_f32,
    .conv1d_bwd = sk_conv1d_bwd_f32,
    .rmsnorm_fwd = sk_rmsnorm_fwd_f32,
    .rmsnorm_bwd = sk_rmsnorm_bwd_f32,
    .act_fwd = sk_act_fwd_f32,
    .act_bwd = sk_act_bwd_f32,
    .embed_fwd = sk_embed_fwd_f32,
    .embed_bwd = sk_embed_bwd_f32,
    .xent = sk_xent_f32,
    .adamw = sk_adamw_f32,
    .s4d_zoh_fwd = sk_s4d_zoh_fwd_f32,
    .s4d_zoh_bwd = sk_s4d_zoh_bwd_f32,
    .glu_fwd = sk_glu_fwd_f32,
    .glu_bwd = sk_glu_bwd_f32,
};

const sk_backend *sk_backend_cpu(void) { return &cpu_backend; }
