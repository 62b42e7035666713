/* test_backend.c — the backend seam: CPU selection, CUDA requested without a GPU, and (label gpu)
 * every op compared between the CPU and CUDA backends. */
#include "kernels/sk_backend.h"
#include "tests/sk_test.h"

int main(int argc, char **argv) {
    int gpu_only = argc > 1 && !strcmp(argv[1], "--gpu");
    const sk_backend *cpu, *be;
    if (!gpu_only) {
        SK_CHECK(sk_backend_get("cpu", &cpu) == 0 && cpu && !strcmp(cpu->name, "cpu"), "cpu backend");
        SK_CHECK(sk_backend_get("tpu", &be) == SK_EINVAL, "unknown device rejected");
        if (sk_cuda_device_count() == 0) {
            SK_CHECK(sk_backend_get("cuda", &be) == SK_ENODEV, "cuda without a GPU is SK_ENODEV");
            SK_CHECK(strstr(sk_errmsg(), "--device cuda") != NULL, "clear message: %s", sk_errmsg());
        }
        /* every op slot is filled on the CPU; a NULL slot is reported by name */
        int all = 1;
        for (int i = 0; i < sk_backend_op_count(); i++) {
            const char *op = sk_backend_op_name(i);
            all &= sk_backend_require(cpu, &op, 1) == 0;
        }
        SK_CHECK(all && sk_backend_op_count() >= 15, "cpu backend has every op");
        sk_backend partial = *cpu;
        partial.name = "partial";
        partial.scan_bwd = NULL;
        const char *need[] = {"gemm", "scan_bwd"};
        SK_CHECK(sk_backend_require(&partial, need, 2) == SK_EUNSUP &&
                     !strcmp(sk_errmsg(), "op scan_bwd is not implemented on partial yet"), "missing op: %s", sk_errmsg());
        /* the op groups models require (kernels/sk_ops.def): all present on the CPU, a hole reported */
        SK_CHECK(sk_backend_require_groups(cpu, SK_OPS_MODEL | SK_OPS_S4D | SK_OPS_S4MLP | SK_OPS_OPTIM) == 0,
                 "cpu has every group: %s", sk_errmsg());
        SK_CHECK(sk_backend_require_groups(&partial, SK_OPS_S4D | SK_OPS_OPTIM) == 0, "groups without scan_bwd");
        SK_CHECK(sk_backend_require_groups(&partial, SK_OPS_MODEL) == SK_EUNSUP &&
                     !strcmp(sk_errmsg(), "op scan_bwd is not implemented on partial yet"), "missing op in a group: %s",
                 sk_errmsg());
        float x[5] = {1, 2, 3, 4, 5}, y[5] = {1, 1, 1, 1, 1};
        SK_CHECK(cpu->axpy(y, x, 2.0f, 5) == 0 && y[4] == 11.0f, "cpu axpy");
        return sk_test_finish("test_backend");
    }
    if (sk_cuda_device_count() == 0) {
        printf("test_backend --gpu: skipped: no usable CUDA device\n");
        return 77;
    }
    cpu = sk_backend_cpu();
    SK_CHECK(sk_backend_get("cuda", &be) == 0, "cuda backend: %s", sk_errmsg());
    enum { N = 100003 };
    static float x[N], y[N], yc[N];
    for (int i = 0; i < N; i++) x[i] = (float)(i % 97) * 0.25f, y[i] = yc[i] = (float)(i % 13);
    float *dx, *dy;
    SK_CHECK(be->alloc((void **)&dx, sizeof x) == 0 && be->alloc((void **)&dy, sizeof y) == 0, "alloc");
    SK_CHECK(be->upload(dx, x, sizeof x) == 0 && be->upload(dy, y, sizeof y) == 0, "upload");
    SK_CHECK(be->axpy(dy, dx, -1.5f, N) == 0, "axpy: %s", sk_errmsg());
    SK_CHECK(be->download(yc, dy, sizeof y) == 0, "download");
    cpu->axpy(y, x, -1.5f, N);
    double ref[N];
    for (int i = 0; i < N; i++) ref[i] = y[i];
    SK_CHECK_REL("axpy cuda vs cpu", yc, ref, N, 1e-6);
    be->free(dx);
    be->free(dy);
    return sk_test_finish("test_backend --gpu");
}
