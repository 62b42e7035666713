/* sk_dist.h — data parallelism across processes: rank, world size, collectives, abort.
 *
 * Built on MPI when CMake found it (SSMKIT_MPI=AUTO|ON|OFF; sk_dist_built() says which); without
 * MPI the same calls describe a world of one process (rank 0, size 1) and the collectives are
 * no-ops, so callers never test for MPI themselves.
 *
 * Lifecycle: sk_dist_init once at the start of a command that can run under `mpirun -np K`, and
 * sk_dist_finalize at its end. MPI is only initialised when the process was started by an MPI
 * launcher (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK set): a plain `ssmkit train` never
 * touches MPI. A command that never calls sk_dist_init sees a world of one.
 *
 * Collectives (every rank must make the same calls in the same order):
 *   sk_dist_allreduce_f32/_f64: buf[i] = sum over ranks of buf[i], in place, on host memory;
 *     counts above 2^30 elements are sent in chunks.
 *   sk_dist_bcast: bytes from rank `root` to every rank.
 * Device memory (CUDA): sk_dist_set_device_reduce registers a sum-all-reduce for backend
 * pointers (NCCL, kernels/cuda/sk_nccl.cu); sk_dist_device_reduce returns SK_EUNSUP when none is
 * registered (callers then stage through host memory).
 *
 * sk_dist_abort: prints "ssmkit: error: [rank R/K] MSG" on stderr and ends every rank
 * (MPI_Abort, exit status 1); without MPI (or a world of one) it exits 1. For tools/ only:
 * library code returns errors.
 */
#ifndef SK_DIST_H
#define SK_DIST_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

int sk_dist_built(void);          /* 1 when this ssmkit was built with MPI */
/* Join the MPI world when launched by mpirun (see above). Idempotent. */
int sk_dist_init(int *argc, char ***argv) SK_RESULT_USED;
void sk_dist_finalize(void);
int sk_dist_rank(void);           /* 0 .. world - 1 */
int sk_dist_world(void);          /* >= 1 */

int sk_dist_allreduce_f32(float *buf, int64_t n) SK_RESULT_USED;
int sk_dist_allreduce_f64(double *buf, int64_t n) SK_RESULT_USED;
int sk_dist_bcast(void *buf, size_t bytes, int root) SK_RESULT_USED;
int sk_dist_barrier(void) SK_RESULT_USED;

typedef int (*sk_dist_reduce_fn)(float *dev, int64_t n);
void sk_dist_set_device_reduce(sk_dist_reduce_fn fn);
int sk_dist_device_reduce(float *dev, int64_t n) SK_RESULT_USED;

#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void sk_dist_abort(const char *msg);

#ifdef __cplusplus
}
#endif
#endif
