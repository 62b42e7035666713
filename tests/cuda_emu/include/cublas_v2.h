// cublas_v2.h of the CPU emulator (tests/cuda_emu): the cuBLAS calls of kernels/cuda/gemm.cu, with
// cuBLAS's column-major semantics written out naively (cuda_emu.cpp), so the row-major mapping of
// gemm.cu is exercised against an independent column-major product.
#ifndef SK_CUDA_EMU_CUBLAS_H
#define SK_CUDA_EMU_CUBLAS_H
#include <stdint.h>
#include "cuda_runtime.h"

typedef struct sk_emu_blas *cublasHandle_t;
typedef enum { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_INVALID_VALUE = 7 } cublasStatus_t;
typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 } cublasOperation_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 } cublasMath_t;

cublasStatus_t cublasCreate(cublasHandle_t *h);
cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t m);
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s);
cublasStatus_t cublasSgemm_64(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n,
                              int64_t k, const float *alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                              const float *beta, float *C, int64_t ldc);
#endif
