/* gemm.c — GEMM family: the naive reference (gemm_ref.inc, float and double), a built-in
 * cache-blocked fp32 GEMM, and the library entry sk_gemm_f32 (cblas_sgemm when built with
 * OpenBLAS, else the blocked one). Row-major; C = alpha op(A) op(B) + beta C. */
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#ifdef SSMKIT_HAVE_BLAS
#include <cblas.h>
#endif

#define SK_REF_INC "kernels/cpu/gemm_ref.inc"
#include "kernels/cpu/sk_instantiate.h"

static int gemm_check(int64_t M, int64_t N, int64_t K, int ta, int tb, int64_t lda, int64_t ldb, int64_t ldc) {
    if (M < 0 || N < 0 || K < 0 || lda < (ta ? M : K) || ldb < (tb ? K : N) || ldc < N)
        return sk_error(SK_EINVAL, "gemm: bad sizes M=%lld N=%lld K=%lld lda=%lld ldb=%lld ldc=%lld", (long long)M,
                        (long long)N, (long long)K, (long long)lda, (long long)ldb, (long long)ldc);
    return SK_OK;
}

#define KB 256 /* k block: a panel of op(B) rows stays in cache while a row of C is updated */

int sk_gemm_blocked_f32(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                        const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    int rc = gemm_check(M, N, K, ta, tb, lda, ldb, ldc);
    if (rc) return rc;
#pragma omp parallel for schedule(static) if (M * N * K > 100000)
    for (int64_t i = 0; i < M; i++) {
        float *c = C + i * ldc;
        for (int64_t j = 0; j < N; j++) c[j] = beta == 0 ? 0 : beta * c[j];
        if (!tb) {
            /* C[i,:] += alpha * op(A)[i,k] * B[k,:]: contiguous rows of B (vectorized axpy) */
            for (int64_t k0 = 0; k0 < K; k0 += KB)
                for (int64_t k = k0; k < K && k < k0 + KB; k++) {
                    float a = alpha * (ta ? A[k * lda + i] : A[i * lda + k]);
                    const float *b = B + k * ldb;
                    for (int64_t j = 0; j < N; j++) c[j] += a * b[j];
                }
        } else {
            /* C[i,j] += alpha * dot(op(A)[i,:], B[j,:]) */
            for (int64_t j = 0; j < N; j++) {
                const float *b = B + j * ldb;
                float acc = 0;
                if (!ta) {
                    const float *a = A + i * lda;
                    for (int64_t k = 0; k < K; k++) acc += a[k] * b[k];
                } else {
                    for (int64_t k = 0; k < K; k++) acc += A[k * lda + i] * b[k];
                }
                c[j] += alpha * acc;
            }
        }
    }
    return SK_OK;
}

/* Few rows against a transposed B (a linear layer on a recurrent step: C (M, N) = alpha A (M, K)
 * B (N, K)^T + beta C with M <= SK_GEMM_ROWS_MAX): dot products of contiguous rows, 16-lane
 * vectors, four rows of B at a time so each x chunk is loaded once per four outputs; one thread
 * (the whole call is a few microseconds, less than a parallel region's fork/join). Tested against
 * gemm_ref in test_nnops. */
#include "kernels/cpu/sk_vmath.h"
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__gnu_linux__)
#define SK_GEMM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SK_GEMM_CLONES
#endif
SK_GEMM_CLONES static void gemm_rows_nt(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                                        const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    enum { VL = SK_VLANES };
    const int64_t K16 = K / VL * VL;
    for (int64_t n0 = 0; n0 < N; n0 += 4) {
        const int64_t nr = N - n0 < 4 ? N - n0 : 4;
        const float *b0 = B + n0 * ldb, *b1 = nr > 1 ? b0 + ldb : b0, *b2 = nr > 2 ? b0 + 2 * ldb : b0,
                    *b3 = nr > 3 ? b0 + 3 * ldb : b0;
        for (int64_t i = 0; i < M; i++) {
            const float *a = A + i * lda;
            sk_vf s0 = sk_v_splat(0), s1 = s0, s2 = s0, s3 = s0;
            for (int64_t k = 0; k < K16; k += VL) {
                const sk_vf x = sk_v_load(a + k);
                s0 += x * sk_v_load(b0 + k), s1 += x * sk_v_load(b1 + k);
                s2 += x * sk_v_load(b2 + k), s3 += x * sk_v_load(b3 + k);
            }
            float d[4] = {sk_v_hsum(s0), sk_v_hsum(s1), sk_v_hsum(s2), sk_v_hsum(s3)};
            for (int64_t k = K16; k < K; k++) d[0] += a[k] * b0[k], d[1] += a[k] * b1[k], d[2] += a[k] * b2[k], d[3] += a[k] * b3[k];
            float *c = C + i * ldc + n0;
            for (int64_t j = 0; j < nr; j++) c[j] = alpha * d[j] + (beta == 0 ? 0 : beta * c[j]);
        }
    }
}

int sk_gemm_rows_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                     int64_t ldb, float beta, float *C, int64_t ldc) {
    int rc = gemm_check(M, N, K, 0, 1, lda, ldb, ldc);
    if (rc) return rc;
    gemm_rows_nt(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return SK_OK;
}

int sk_gemm_f32(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    if (!ta && tb && M <= SK_GEMM_ROWS_MAX) /* a linear layer on a few rows (recurrent step) */
        return sk_gemm_rows_f32(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#ifdef SSMKIT_HAVE_BLAS
    int rc = gemm_check(M, N, K, ta, tb, lda, ldb, ldc);
    if (rc) return rc;
    if (M == 0 || N == 0) return SK_OK;
    if (K == 0) { /* cblas needs lda >= 1; C = beta C */
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? 0 : beta * C[i * ldc + j];
        return SK_OK;
    }
    if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX || lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX)
        return sk_gemm_blocked_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
                alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
    return SK_OK;
#else
    return sk_gemm_blocked_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}
