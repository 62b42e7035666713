/* sk_backend.h — the backend seam: a per-op dispatch table chosen at run time (--device).
 *
 * models/ calls kernels only through an sk_backend table, so the same model code runs on the
 * CPU and on CUDA. Memory for a backend comes from its `alloc`; models treat those pointers as
 * opaque handles (they never dereference them) and move data across the edge only with
 * `upload`/`download`. Every op has the same argument list on every backend (CUDA ops run on the
 * backend's stream); each returns a status (0 ok, negative error with a message, sk_error.h).
 *
 * The op slots are generated from the op list, kernels/sk_ops.def; adding an op:
 * kernels/README.md §Adding an op.
 */
#ifndef SK_BACKEND_H
#define SK_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "kernels/sk_ops.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sk_device { SK_DEVICE_CPU = 0, SK_DEVICE_CUDA = 1 } sk_device;

/* Op groups (sk_ops.def): which ops a model kind needs. */
enum {
    SK_OPS_MODEL = 1u << 0, /* the layers of every sequence model */
    SK_OPS_S4D = 1u << 1,   /* the S4D ZOH fold */
    SK_OPS_S4MLP = 1u << 2, /* GLU and activations of S4 blocks with an MLP */
    SK_OPS_OPTIM = 1u << 3, /* the optimizer step */
};

typedef struct sk_backend {
    const char *name;                 /* "cpu" or "cuda" */
    sk_device device;
    /* ---- memory ---- */
    int (*alloc)(void **p, size_t bytes);                       /* zero-filled */
    void (*free)(void *p);
    int (*upload)(void *dst, const void *src, size_t bytes);    /* host -> backend */
    int (*download)(void *dst, const void *src, size_t bytes);  /* backend -> host */
    int (*sync)(void);
    int (*memzero)(void *p, size_t bytes);
    int (*copy)(void *dst, const void *src, size_t bytes);     /* backend -> backend */
    /* ---- ops: one slot per row of kernels/sk_ops.def (a NULL slot is an op this backend does
     * not have yet) ---- */
#define SK_OP(name, groups, ret, params) ret(*name) params;
#include "kernels/sk_ops.def"
} sk_backend;

/* Check that the named ops are present: returns SK_EUNSUP "op NAME is not implemented on
 * BACKEND yet" for the first NULL one, SK_EINVAL for a name that is no op. */
int sk_backend_require(const sk_backend *be, const char *const *ops, int n) SK_RESULT_USED;
/* The same for every op of the given groups (SK_OPS_*, the second column of sk_ops.def), in
 * slot order: what a model needs before it allocates anything. */
int sk_backend_require_groups(const sk_backend *be, unsigned groups) SK_RESULT_USED;
/* Every op slot of sk_backend, in slot order (for listings and tests). */
int sk_backend_op_count(void);
const char *sk_backend_op_name(int i);
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
/* Data parallelism (src/sk_dist.h) on backend `be`, after sk_dist_init and before any model
 * memory is allocated: on CUDA with NCCL built and more than one rank, selects this rank's GPU
 * (local rank modulo the node's GPUs) and registers the NCCL all-reduce; otherwise nothing
 * (device gradients are then reduced through host memory over MPI). sk_backend_dist_teardown
 * releases the NCCL communicator. */
int sk_backend_dist_setup(const sk_backend *be) SK_RESULT_USED;
void sk_backend_dist_teardown(void);

#ifdef __cplusplus
}
#endif
#endif
