/* sk_cuda_check.h — checked CUDA and cuBLAS calls. Each macro evaluates its argument once and,
 * on failure, records "file:line: call: reason" with sk_error and returns SK_EIO from the
 * enclosing function (which must return int). */
#ifndef SK_CUDA_CHECK_H
#define SK_CUDA_CHECK_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include "src/sk_error.h"

#define SK_CUDA(call)                                                                              \
    do {                                                                                           \
        cudaError_t sk_e_ = (call);                                                                \
        if (sk_e_ != cudaSuccess)                                                                  \
            return sk_error(SK_EIO, "%s:%d: %s: %s", __FILE__, __LINE__, #call,                    \
                            cudaGetErrorString(sk_e_));                                            \
    } while (0)

#define SK_CUBLAS(call)                                                                            \
    do {                                                                                           \
        cublasStatus_t sk_s_ = (call);                                                             \
        if (sk_s_ != CUBLAS_STATUS_SUCCESS)                                                        \
            return sk_error(SK_EIO, "%s:%d: %s: cuBLAS status %d", __FILE__, __LINE__, #call,       \
                            (int)sk_s_);                                                           \
    } while (0)

/* After every kernel launch. */
#define SK_CUDA_LAUNCHED() SK_CUDA(cudaGetLastError())

#endif
