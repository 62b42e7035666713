/* sk_backend.c — choose a backend by name. See sk_backend.h. */
#include "kernels/sk_backend.h"

#include <stddef.h>
#include <string.h>

/* Op slots by name, with their groups (sk_ops.def). */
static const struct {
    const char *name;
    size_t off;
    unsigned groups;
} op_slots[] = {
#define SK_OP(name, groups, ret, params) {#name, offsetof(sk_backend, name), groups},
#include "kernels/sk_ops.def"
};

int sk_backend_op_count(void) { return (int)(sizeof op_slots / sizeof op_slots[0]); }
const char *sk_backend_op_name(int i) { return i >= 0 && i < sk_backend_op_count() ? op_slots[i].name : NULL; }

/* SK_EUNSUP when slot i of `be` is NULL */
static int require_slot(const sk_backend *be, int i) {
    void (*fn)(void);
    memcpy(&fn, (const char *)be + op_slots[i].off, sizeof fn); /* all slots are function pointers */
    return fn ? SK_OK : sk_error(SK_EUNSUP, "op %s is not implemented on %s yet", op_slots[i].name, be->name);
}

int sk_backend_require(const sk_backend *be, const char *const *ops, int n) {
    for (int k = 0; k < n; k++) {
        int found = 0;
        for (int i = 0; i < sk_backend_op_count(); i++) {
            if (strcmp(ops[k], op_slots[i].name)) continue;
            found = 1;
            int rc = require_slot(be, i);
            if (rc) return rc;
        }
        if (!found) return sk_error(SK_EINVAL, "op %s: no such backend op", ops[k]);
    }
    return SK_OK;
}

int sk_backend_require_groups(const sk_backend *be, unsigned groups) {
    for (int i = 0; i < sk_backend_op_count(); i++) {
        if (!(op_slots[i].groups & groups)) continue;
        int rc = require_slot(be, i);
        if (rc) return rc;
    }
    return SK_OK;
}

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

#ifdef SSMKIT_HAVE_NCCL
int sk_nccl_setup(void);      /* kernels/cuda/sk_nccl.cu */
void sk_nccl_teardown(void);
int sk_backend_dist_setup(const sk_backend *be) { return be->device == SK_DEVICE_CUDA ? sk_nccl_setup() : SK_OK; }
void sk_backend_dist_teardown(void) { sk_nccl_teardown(); }
#else
int sk_backend_dist_setup(const sk_backend *be) { return (void)be, SK_OK; }
void sk_backend_dist_teardown(void) {}
#endif
