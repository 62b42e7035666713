/* sk_runtime.c — see sk_runtime.h. */
#include "kernels/sk_runtime.h"

#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef SSMKIT_HAVE_BLAS
void openblas_set_num_threads(int n); /* OpenBLAS (declared here so that no cblas.h is needed) */
#endif

int sk_runtime_threads(int n) {
#ifdef SSMKIT_HAVE_OPENMP
    if (n > 0) omp_set_num_threads(n);
    int got = omp_get_max_threads();
#else
    int got = 1;
#endif
#ifdef SSMKIT_HAVE_BLAS
    if (n > 0) openblas_set_num_threads(n);
#endif
    return got;
}

int sk_runtime_backend(const char *device, const sk_backend **be) { return sk_backend_get(device ? device : "cpu", be); }
