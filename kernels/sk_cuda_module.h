/* sk_cuda_module.h — the edge between the program and the CUDA backend module.
 *
 * The CUDA backend (kernels/cuda, linked with cudart, cuBLAS and NCCL) is built as a separate
 * shared object, libssmkit_cuda.so, that sk_backend.c loads with dlopen the first time CUDA is
 * asked for (--device cuda, sk_cuda_device_count). A program that never asks never maps the CUDA
 * libraries, so a CPU run of a CUDA build costs what a CPU build costs, and runs where they are
 * missing. The module links none of ssmkit: what it needs from the program (messages, logging,
 * the argument checks, the CPU backend, the data-parallel world) it gets through this table, so it
 * shares the program's error and log state.
 *
 * Where the module is looked for: $SSMKIT_CUDA_MODULE when set (nothing else then), else
 * <directory of the program>/SSMKIT_CUDA_MODULE_REL (the installed layout: lib/ssmkit/ beside
 * bin/), else the build tree's copy. */
#ifndef SK_CUDA_MODULE_H
#define SK_CUDA_MODULE_H

#include <stddef.h>
#include "kernels/sk_backend.h"
#include "src/sk_dist.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever this table, struct sk_backend or the op list changes shape. */
#define SK_CUDA_MODULE_ABI 1

typedef struct sk_cuda_host {
    int abi;             /* SK_CUDA_MODULE_ABI of the program */
    size_t backend_size; /* sizeof(sk_backend) of the program */
    int (*error)(int code, const char *fmt, ...);
    void (*log)(int level, const char *fmt, ...);
    int (*scan_check)(const sk_scan_f32 *p, int bwd);
    int (*conv1d_check)(const sk_conv1d_f32 *p, int bwd);
    int (*act_check)(int kind);
    const sk_backend *(*backend_cpu)(void);
    int (*dist_rank)(void);
    int (*dist_world)(void);
    int (*dist_bcast)(void *buf, size_t bytes, int root);
    void (*dist_set_device_reduce)(sk_dist_reduce_fn fn);
} sk_cuda_host;

/* The module's entry point, "sk_cuda_module_open": checks the ABI, counts the devices; returns
 * the CUDA backend and the count in *ndev, or NULL with the reason in why: *ndev 0 when there is
 * no usable device ("no CUDA devices", "cudaGetDeviceCount: ..."), -1 when the module does not
 * fit this program (another interface version). */
typedef const sk_backend *(*sk_cuda_module_open_fn)(const sk_cuda_host *host, int *ndev, char *why, size_t n);
/* Present when the module was built with NCCL: "sk_cuda_module_nccl_setup" / "..._teardown". */
typedef int (*sk_cuda_module_nccl_setup_fn)(void);
typedef void (*sk_cuda_module_nccl_teardown_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
