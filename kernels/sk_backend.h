/* sk_backend.h — the backend seam: a per-op dispatch table chosen at run time (--device).
 *
 * models/ calls kernels only through an sk_backend table, so the same model code runs on the
 * CPU and on CUDA. Memory for a backend comes from its `alloc`; models treat those pointers as
 * opaque handles (they never dereference them) and move data across the edge only with
 * `upload`/`download`. Every op has the same argument list on every backend (CUDA ops run on the
 * backend's stream); each returns a status (0 ok, negative error with a message, sk_error.h).
 *
 * Adding an op: write the CPU reference in kernels/cpu (with its float64 twin for tests), add a
 * slot here, fill it in kernels/cpu/backend_cpu.c, then in kernels/cuda, and compare the two in
 * tests (the `gpu` label).
 */
#ifndef SK_BACKEND_H
#define SK_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sk_device { SK_DEVICE_CPU = 0, SK_DEVICE_CUDA = 1 } sk_device;

typedef struct sk_backend {
    const char *name;                 /* "cpu" or "cuda" */
    sk_device device;
    /* ---- memory ---- */
    int (*alloc)(void **p, size_t bytes);                       /* zero-filled */
    void (*free)(void *p);
    int (*upload)(void *dst, const void *src, size_t bytes);    /* host -> backend */
    int (*download)(void *dst, const void *src, size_t bytes);  /* backend -> host */
    int (*sync)(void);
    /* ---- ops ---- */
    /* y[i] += a * x[i], i < n.   x, y: (n) */
    int (*axpy)(float *y, const float *x, float a, int64_t n);
} sk_backend;

/* The CPU backend (always available). */
const sk_backend *sk_backend_cpu(void);
/* "cpu" or "cuda". Asking for cuda in a build without CUDA, or on a machine without a usable
 * GPU, returns SK_ENODEV with a message saying which. */
int sk_backend_get(const char *name, const sk_backend **out) SK_RESULT_USED;
/* Number of usable CUDA devices; 0 when CUDA is not built or any CUDA error occurs (without a
 * driver cudaGetDeviceCount returns cudaErrorInsufficientDriver = 35, not 100). */
int sk_cuda_device_count(void);
/* 1 if this build contains the CUDA backend. */
int sk_cuda_built(void);

#ifdef __cplusplus
}
#endif
#endif
