/* sk_backend.c — choose a backend by name. See sk_backend.h. */
#include "kernels/sk_backend.h"

#include <string.h>

#ifdef SSMKIT_HAVE_CUDA
const sk_backend *sk_backend_cuda(void);   /* kernels/cuda/backend_cuda.cu */
int sk_cuda_probe(char *why, size_t n);    /* number of devices, or 0 with a reason */
int sk_cuda_built(void) { return 1; }
int sk_cuda_device_count(void) {
    char why[256];
    return sk_cuda_probe(why, sizeof why);
}
#else
int sk_cuda_built(void) { return 0; }
int sk_cuda_device_count(void) { return 0; }
#endif

int sk_backend_get(const char *name, const sk_backend **out) {
    *out = NULL;
    if (!name || !strcmp(name, "cpu")) {
        *out = sk_backend_cpu();
        return SK_OK;
    }
    if (!strcmp(name, "cuda")) {
#ifdef SSMKIT_HAVE_CUDA
        char why[256];
        if (sk_cuda_probe(why, sizeof why) <= 0)
            return sk_error(SK_ENODEV, "--device cuda: no usable GPU (%s); use --device cpu", why);
        *out = sk_backend_cuda();
        return SK_OK;
#else
        return sk_error(SK_ENODEV, "--device cuda: this ssmkit was built without CUDA "
                                   "(reconfigure with -DSSMKIT_CUDA=ON where nvcc is installed)");
#endif
    }
    return sk_error(SK_EINVAL, "--device %s: unknown device (use cpu or cuda)", name);
}
