// sk_nccl.cu — the GPU gradient all-reduce for data parallelism: one process per GPU, NCCL ring
// over all ranks, the ncclUniqueId made on rank 0 and broadcast over MPI (sk_dist_bcast).
// Built into the CUDA module when CUDA, MPI and NCCL are found (SSMKIT_HAVE_NCCL); the program calls the
// two entry points through kernels/sk_backend.c. Registers sk_nccl_reduce with
// sk_dist_set_device_reduce so the trainer reduces device gradients without knowing of NCCL.
#include <nccl.h>
#include <stdlib.h>
#include "kernels/cuda/sk_cuda.h"
#include "src/sk_dist.h"

#define SK_NCCL(call)                                                                              \
    do {                                                                                           \
        ncclResult_t sk_r_ = (call);                                                               \
        if (sk_r_ != ncclSuccess)                                                                  \
            return sk_error(SK_EIO, "%s:%d: %s: %s", __FILE__, __LINE__, #call,                    \
                            ncclGetErrorString(sk_r_));                                            \
    } while (0)

static ncclComm_t sk_comm = NULL;

// dev[i] = sum over ranks of dev[i], in place, on the backend's stream (ordered after the
// gradient kernels, which run there), in chunks of 2^30 elements. dev: (n) device floats.
static int sk_nccl_reduce(float *dev, int64_t n) {
    for (int64_t i = 0; i < n; i += (int64_t)1 << 30) {
        int64_t c = n - i < ((int64_t)1 << 30) ? n - i : ((int64_t)1 << 30);
        SK_NCCL(ncclAllReduce(dev + i, dev + i, (size_t)c, ncclFloat, ncclSum, sk_comm, sk_cuda_stream()));
    }
    SK_CUDA(cudaStreamSynchronize(sk_cuda_stream()));
    return SK_OK;
}

// Select this rank's GPU (local rank modulo the GPUs of the node) and join the NCCL world.
extern "C" int sk_cuda_module_nccl_setup(void) {
    if (sk_comm || sk_dist_world() == 1) return SK_OK;
    int ndev = 0;
    SK_CUDA(cudaGetDeviceCount(&ndev));
    const char *lr = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    int local = lr ? atoi(lr) : sk_dist_rank();
    SK_CUDA(cudaSetDevice(ndev > 0 ? local % ndev : 0));
    ncclUniqueId id;
    if (sk_dist_rank() == 0) SK_NCCL(ncclGetUniqueId(&id));
    int rc = sk_dist_bcast(&id, sizeof id, 0);
    if (rc) return rc;
    SK_NCCL(ncclCommInitRank(&sk_comm, sk_dist_world(), id, sk_dist_rank()));
    sk_dist_set_device_reduce(sk_nccl_reduce);
    return SK_OK;
}

extern "C" void sk_cuda_module_nccl_teardown(void) {
    if (!sk_comm) return;
    ncclCommDestroy(sk_comm);
    sk_comm = NULL;
    sk_dist_set_device_reduce(NULL);
}
