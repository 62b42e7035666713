// gemm.cu — row-major C = alpha op(A) op(B) + beta C through cuBLAS (column-major), with the
// arguments of the CPU sk_gemm_f32 (kernels/cpu/gemm_ref.inc is the reference).
//
// A row-major (r, c) matrix with leading dimension ld is the column-major (c, r) matrix with the
// same ld, i.e. its transpose. So row-major C = op(A) op(B) is column-major
// C^T = op(B)^T op(A)^T: cublasSgemm(opB, opA, N, M, K, B, ldb, A, lda, C, ldc) with the same
// transpose flags. 64-bit sizes through the cublas*_64 entry points.
//
// Math: FP32 with cuBLAS's default math mode (no TF32). SSMKIT_TF32=1 in the environment
// switches the handle to CUBLAS_TF32_TENSOR_OP_MATH (about 3e-4 relative error; read once).
// beta == 0 does not read C (cuBLAS semantics, as the CPU reference).
#include <stdlib.h>
#include <string.h>
#include "kernels/cuda/sk_cuda.h"

static cublasHandle_t sk_blas = NULL;

static int blas_handle(cublasHandle_t *h) {
    if (!sk_blas) {
        SK_CUBLAS(cublasCreate(&sk_blas));
        const char *tf32 = getenv("SSMKIT_TF32");
        int use_tf32 = tf32 && *tf32 && strcmp(tf32, "0") != 0;
        SK_CUBLAS(cublasSetMathMode(sk_blas, use_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        if (use_tf32) sk_log_info("cuda: GEMMs in TF32 (SSMKIT_TF32=%s)", tf32);
    }
    SK_CUBLAS(cublasSetStream(sk_blas, sk_cuda_stream()));
    *h = sk_blas;
    return SK_OK;
}

// C = beta * C over the (M, N) row-major block (for K == 0, where cuBLAS would be handed
// leading dimensions of zero-width matrices)
__global__ void scale_kernel(float *C, int64_t M, int64_t N, int64_t ldc, float beta) {
    SK_GRID_LOOP(e, M * N) {
        float *c = C + (e / N) * ldc + e % N;
        *c = beta == 0 ? 0.0f : beta * *c;
    }
}

int sk_cu_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
               const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    if (M < 0 || N < 0 || K < 0) return sk_error(SK_EINVAL, "gemm: negative size %lld x %lld x %lld", (long long)M, (long long)N, (long long)K);
    if (M == 0 || N == 0) return SK_OK;
    if (ldc < N || lda < (ta ? M : K) || ldb < (tb ? K : N))
        return sk_error(SK_EINVAL, "gemm: leading dimensions lda=%lld ldb=%lld ldc=%lld too small for %s%s %lld x %lld x %lld",
                        (long long)lda, (long long)ldb, (long long)ldc, ta ? "T" : "N", tb ? "T" : "N", (long long)M,
                        (long long)N, (long long)K);
    if (K == 0) {
        SK_LAUNCH(scale_kernel, sk_cuda_blocks(M * N, 256), 256, C, M, N, ldc, beta);
        SK_CUDA_LAUNCHED();
        return SK_OK;
    }
    cublasHandle_t h = NULL;
    int rc = blas_handle(&h);
    if (rc) return rc;
    SK_CUBLAS(cublasSgemm_64(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B,
                             ldb, A, lda, &beta, C, ldc));
    return SK_OK;
}
