// module.cu — the entry point of the CUDA backend module (libssmkit_cuda.so; kernels/sk_cuda_module.h)
// and the functions of the program that the kernels call, forwarded through the program's table.
#include <stdarg.h>
#include <stdio.h>
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_cuda_module.h"

static const sk_cuda_host *host;

extern "C" {
const sk_backend *sk_backend_cuda(void);   // backend_cuda.cu
int sk_cuda_probe(char *why, size_t n);

// the message of a variadic call, formatted here and handed to the program as "%s"
#define FORMAT(msg, fmt)                                                                           \
    char msg[1024];                                                                                \
    va_list ap;                                                                                    \
    va_start(ap, fmt);                                                                             \
    vsnprintf(msg, sizeof msg, fmt, ap);                                                           \
    va_end(ap)
int sk_error(int code, const char *fmt, ...) {
    FORMAT(msg, fmt);
    return host->error(code, "%s", msg);
}
void sk_log(int level, const char *fmt, ...) {
    FORMAT(msg, fmt);
    host->log(level, "%s", msg);
}
int sk_scan_check_f32(const sk_scan_f32 *p, int bwd) { return host->scan_check(p, bwd); }
int sk_conv1d_check_f32(const sk_conv1d_f32 *p, int bwd) { return host->conv1d_check(p, bwd); }
int sk_act_check(int kind) { return host->act_check(kind); }
const sk_backend *sk_backend_cpu(void) { return host->backend_cpu(); }
int sk_dist_rank(void) { return host->dist_rank(); }
int sk_dist_world(void) { return host->dist_world(); }
int sk_dist_bcast(void *buf, size_t bytes, int root) { return host->dist_bcast(buf, bytes, root); }
void sk_dist_set_device_reduce(sk_dist_reduce_fn fn) { host->dist_set_device_reduce(fn); }

const sk_backend *sk_cuda_module_open(const sk_cuda_host *h, int *ndev, char *why, size_t n) {
    *ndev = -1;   // the module itself is unusable
    if (!h || h->abi != SK_CUDA_MODULE_ABI || h->backend_size != sizeof(sk_backend)) {
        snprintf(why, n, "the CUDA module was built for another version of ssmkit (interface %d, backend %zu bytes; "
                 "the program has %d, %zu)", SK_CUDA_MODULE_ABI, sizeof(sk_backend), h ? h->abi : 0,
                 h ? h->backend_size : (size_t)0);
        return NULL;
    }
    host = h;
    *ndev = sk_cuda_probe(why, n);
    return *ndev > 0 ? sk_backend_cuda() : NULL;
}
}
