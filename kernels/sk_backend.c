/* sk_backend.c — choose a backend by name. See sk_backend.h. */
#include "kernels/sk_backend.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SSMKIT_HAVE_CUDA
#include <dlfcn.h>
#include <unistd.h>
#include "kernels/sk_cuda_module.h"
#endif

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
/* The CUDA backend is a module (kernels/sk_cuda_module.h), loaded on first use: the program links
 * no CUDA library. cuda_state: 0 not tried yet, 1 loaded with a device, -1 not usable (cuda_why). */
static int cuda_state;
static int cuda_ndev;
static void *cuda_lib;
static const sk_backend *cuda_be;
static char cuda_why[1200];

static int exists(const char *path) { return access(path, F_OK) == 0; }
/* the module's file: $SSMKIT_CUDA_MODULE, beside the program (installed layout), the build tree */
static void module_path(char *out, size_t n) {
    const char *env = getenv("SSMKIT_CUDA_MODULE");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return;
    }
    char exe[1024];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        snprintf(out, n, "%s/%s", exe, SSMKIT_CUDA_MODULE_REL);
        if (exists(out)) return;
    }
    if (exists(SSMKIT_CUDA_MODULE_BUILD) || len <= 0) snprintf(out, n, "%s", SSMKIT_CUDA_MODULE_BUILD);
}
static int cuda_load(void) {
    if (cuda_state) return cuda_state > 0;
    cuda_state = -1;
    char path[1100];
    module_path(path, sizeof path);
    cuda_lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!cuda_lib) {
        snprintf(cuda_why, sizeof cuda_why, "cannot load the CUDA module %s: %s (SSMKIT_CUDA_MODULE sets its path)", path,
                 dlerror());
        return 0;
    }
    sk_cuda_module_open_fn open_fn;
    void *sym = dlsym(cuda_lib, "sk_cuda_module_open");
    memcpy(&open_fn, &sym, sizeof open_fn); /* object pointer to function pointer, as dlsym requires */
    if (!sym) {
        snprintf(cuda_why, sizeof cuda_why, "%s is not an ssmkit CUDA module (no sk_cuda_module_open)", path);
        return 0;
    }
    static const sk_cuda_host host = {SK_CUDA_MODULE_ABI, sizeof(sk_backend), sk_error, sk_log,
                                      sk_scan_check_f32, sk_conv1d_check_f32, sk_act_check, sk_backend_cpu,
                                      sk_dist_rank, sk_dist_world, sk_dist_bcast, sk_dist_set_device_reduce};
    char why[1024] = "";
    cuda_be = open_fn(&host, &cuda_ndev, why, sizeof why);
    if (!cuda_be) {
        if (cuda_ndev < 0) snprintf(cuda_why, sizeof cuda_why, "the CUDA module %s: %s", path, why);
        else snprintf(cuda_why, sizeof cuda_why, "no usable GPU (%s)", why[0] ? why : "no CUDA devices");
        cuda_ndev = 0;
        return 0;
    }
    cuda_state = 1;
    return 1;
}
int sk_cuda_built(void) { return 1; }
int sk_cuda_device_count(void) { return cuda_load() ? cuda_ndev : 0; }
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
        if (!cuda_load()) return sk_error(SK_ENODEV, "--device cuda: %s; use --device cpu", cuda_why);
        *out = cuda_be;
        return SK_OK;
#else
        return sk_error(SK_ENODEV, "--device cuda: this ssmkit was built without CUDA "
                                   "(reconfigure with -DSSMKIT_CUDA=ON where nvcc is installed)");
#endif
    }
    return sk_error(SK_EINVAL, "--device %s: unknown device (use cpu or cuda)", name);
}

#ifdef SSMKIT_HAVE_NCCL
/* NCCL lives in the CUDA module too; a module built without it leaves device gradients to MPI */
int sk_backend_dist_setup(const sk_backend *be) {
    if (be->device != SK_DEVICE_CUDA || !cuda_load()) return SK_OK;
    sk_cuda_module_nccl_setup_fn fn;
    void *sym = dlsym(cuda_lib, "sk_cuda_module_nccl_setup");
    memcpy(&fn, &sym, sizeof fn);
    return sym ? fn() : SK_OK;
}
void sk_backend_dist_teardown(void) {
    if (cuda_state <= 0) return;
    sk_cuda_module_nccl_teardown_fn fn;
    void *sym = dlsym(cuda_lib, "sk_cuda_module_nccl_teardown");
    memcpy(&fn, &sym, sizeof fn);
    if (sym) fn();
}
#else
int sk_backend_dist_setup(const sk_backend *be) { return (void)be, SK_OK; }
void sk_backend_dist_teardown(void) {}
#endif
