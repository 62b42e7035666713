/* backend_cpu.c — the CPU backend's dispatch table: host memory and the CPU ops (sk_cpu.h)
 * filled from the op list (kernels/sk_ops.def). */
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_backend.h"

static int cpu_alloc(void **p, size_t bytes) {
    *p = NULL;
    if (!bytes) return SK_OK;
    *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!*p) return sk_error(SK_ENOMEM, "cannot allocate %.1f MiB of host memory", bytes / 1048576.0);
    memset(*p, 0, bytes);
    return SK_OK;
}
static void cpu_free(void *p) { free(p); }
static int cpu_copy(void *dst, const void *src, size_t bytes) {
    if (bytes) memmove(dst, src, bytes);
    return SK_OK;
}
static int cpu_sync(void) { return SK_OK; }
static int cpu_memzero(void *p, size_t bytes) {
    if (bytes) memset(p, 0, bytes);
    return SK_OK;
}

static const sk_backend cpu_backend = {
    .name = "cpu",
    .device = SK_DEVICE_CPU,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .sync = cpu_sync,
    .memzero = cpu_memzero,
    .copy = cpu_copy,
    /* slot NAME = sk_NAME_f32 (sk_cpu.h) for every row of the op list */
#define SK_OP(name, groups, ret, params) .name = sk_##name##_f32,
#include "kernels/sk_ops.def"
};

const sk_backend *sk_backend_cpu(void) { return &cpu_backend; }
