/* bench_scan.c — kernel lab: time the selective scan (optimized fp32 forward and backward, and the
 * plain fp32 reference forward for scale) and report state updates per second (b * L * D * N per
 * call). Not part of the library.
 *   bench_scan [-b B] [-L L] [-D D] [-N N] [-@ THREADS] [-r REPEATS] [-m MODE] [-d cpu|cuda]
 * Defaults: the benchmark shape b 2, L 2048, D (d_inner) 256, N 16. MODE: s6 (default: Mamba's
 * real S6, variable B/C, softplus, z gate), s6-complex (the same with SK_SCAN_COMPLEX: N complex
 * modes, B/C rows of 2N), s4d-real / s4d-lin (S4D: constant B/C, per-channel step delta = NULL,
 * no gate; real / complex). A complex mode counts as one state update. With -d cuda the same
 * problem runs through the CUDA backend's table (inputs uploaded once, each call timed up to a
 * stream sync). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_backend.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

static float *rnd(sk_rng *r, int64_t n, float lo, float hi) {
    float *p = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * (float)sk_rng_uniform(r);
    return p;
}

static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const sk_backend *bench_be; /* -d cuda: calls are followed by a stream sync */

/* median seconds of `reps` calls (*best: the fastest; the machine may be shared) */
static double timeit(int (*fn)(const sk_scan_f32 *), const sk_scan_f32 *p, int reps, double *best) {
    double *t = malloc((size_t)reps * sizeof(double));
    fn(p); /* warm-up */
    if (bench_be) bench_be->sync();
    for (int i = 0; i < reps; i++) {
        double t0 = sk_now();
        if (fn(p) || (bench_be && bench_be->sync())) {
            fprintf(stderr, "bench_scan: %s\n", sk_errmsg());
            exit(1);
        }
        t[i] = sk_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmpd);
    double med = t[reps / 2];
    *best = t[0];
    free(t);
    return med;
}

int main(int argc, char **argv) {
    int64_t b = 2, L = 2048, D = 256, N = 16;
    int reps = 20, threads = 0, c;
    const char *mode = "s6", *device = "cpu";
    while ((c = getopt(argc, argv, "b:L:D:N:@:r:m:d:h")) != -1) {
        switch (c) {
        case 'b': b = atoll(optarg); break;
        case 'L': L = atoll(optarg); break;
        case 'D': D = atoll(optarg); break;
        case 'N': N = atoll(optarg); break;
        case '@': threads = atoi(optarg); break;
        case 'r': reps = atoi(optarg); break;
        case 'm': mode = optarg; break;
        case 'd': device = optarg; break;
        default:
            fprintf(stderr, "usage: bench_scan [-b B] [-L L] [-D D] [-N N] [-@ THREADS] [-r REPEATS] [-m s6|s6-complex|s4d-real|s4d-lin] [-d cpu|cuda]\n");
            return 2;
        }
    }
#ifdef SSMKIT_HAVE_OPENMP
    if (threads > 0) omp_set_num_threads(threads);
    threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    const int cplx = !strcmp(mode, "s6-complex") || !strcmp(mode, "s4d-lin"), s4d = !strncmp(mode, "s4d", 3);
    if (strcmp(mode, "s6") && !cplx && strcmp(mode, "s4d-real")) {
        fprintf(stderr, "bench_scan: -m %s: unknown mode (s6, s6-complex, s4d-real, s4d-lin)\n", mode);
        return 2;
    }
    const int64_t K = cplx ? 2 : 1, NK = N * K;
    sk_rng r;
    sk_rng_seed(&r, 1, 0);
    int64_t nch = (L + SK_SCAN_CHUNK_DEFAULT - 1) / SK_SCAN_CHUNK_DEFAULT;
    sk_scan_f32 p = {.batch = b, .len = L, .dim = D, .dstate = N, .flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP,
                     .u = rnd(&r, b * L * D, -1, 1), .delta = rnd(&r, b * L * D, -4, 0), .delta_bias = rnd(&r, D, -1, 0),
                     .A = rnd(&r, D * N, 0, 2.7f), .B = rnd(&r, b * L * NK, -1, 1), .C = rnd(&r, b * L * NK, -1, 1),
                     .ldb = NK, .ldc = NK, .D = rnd(&r, D, -1, 1), .z = rnd(&r, b * L * D, -2, 2), .ldz = D,
                     .out = calloc((size_t)(b * L * D), 4), .hT = calloc((size_t)(b * D * NK), 4),
                     .ckpt = calloc((size_t)(b * nch * D * NK), 4)};
    p.dout = rnd(&r, b * L * D, -1, 1);
    p.du = calloc((size_t)(b * L * D), 4), p.ddelta = calloc((size_t)(b * L * D), 4), p.dz = calloc((size_t)(b * L * D), 4);
    p.dB = calloc((size_t)(b * L * NK), 4), p.dC = calloc((size_t)(b * L * NK), 4), p.dA = calloc((size_t)(D * N), 4);
    p.dD = calloc((size_t)D, 4), p.ddelta_bias = calloc((size_t)D, 4);
    if (cplx) { /* S4D-Lin-like A: A_log near log 1/2, A_imag = pi n */
        p.flags |= SK_SCAN_COMPLEX;
        float *Ai = rnd(&r, D * N, 0, 0);
        for (int64_t i = 0; i < D * N; i++) Ai[i] = 3.14159265f * (float)(i % N);
        p.A_imag = Ai, p.dA_imag = calloc((size_t)(D * N), 4);
    }
    if (s4d) { /* constant B/C (D, N*K), step dt = delta_bias in [1e-3, 0.1], no softplus, no gate */
        p.flags = (p.flags & ~(unsigned)SK_SCAN_SOFTPLUS) | SK_SCAN_CONST_B | SK_SCAN_CONST_C;
        p.delta = NULL, p.ddelta = NULL, p.z = NULL, p.delta_bias = rnd(&r, D, 1e-3f, 0.1f);
        p.B = rnd(&r, D * NK, -1, 1), p.C = rnd(&r, D * NK, -1, 1);
    }
    p.work_len = sk_scan_work_len_nth_f32(&p, threads);
    p.work = malloc((size_t)p.work_len * 4);
    double upd = (double)b * L * D * N;
    double bf, bb, br;
    if (strcmp(device, "cpu")) { /* every tensor of p to the device, sizes by mode */
        if (sk_backend_get(device, &bench_be)) {
            fprintf(stderr, "bench_scan: %s\n", sk_errmsg());
            return 1;
        }
        const int64_t nt = b * L * D, nbc = s4d ? D * NK : b * L * NK;
        struct { const float **c; float **w; int64_t n; } t[] = {
            {&p.u, NULL, nt}, {&p.delta, NULL, nt}, {&p.delta_bias, NULL, D}, {&p.A, NULL, D * N},
            {&p.A_imag, NULL, D * N}, {&p.B, NULL, nbc}, {&p.C, NULL, nbc}, {&p.D, NULL, D}, {&p.z, NULL, nt},
            {&p.dout, NULL, nt}, {NULL, &p.out, nt}, {NULL, &p.hT, b * D * NK}, {NULL, &p.ckpt, b * nch * D * NK},
            {NULL, &p.du, nt}, {NULL, &p.ddelta, nt}, {NULL, &p.dz, nt}, {NULL, &p.dB, nbc}, {NULL, &p.dC, nbc},
            {NULL, &p.dA, D * N}, {NULL, &p.dA_imag, D * N}, {NULL, &p.dD, D}, {NULL, &p.ddelta_bias, D}};
        for (size_t k = 0; k < sizeof t / sizeof *t; k++) {
            const float *h = t[k].c ? *t[k].c : *t[k].w;
            float *d = NULL;
            if (!h) continue; /* not used in this mode */
            if (bench_be->alloc((void **)&d, (size_t)t[k].n * 4) || bench_be->upload(d, h, (size_t)t[k].n * 4)) {
                fprintf(stderr, "bench_scan: %s\n", sk_errmsg());
                return 1;
            }
            if (t[k].c) *t[k].c = d;
            else *t[k].w = d;
        }
        p.work_len = bench_be->scan_work_len(&p), p.work = NULL;
        if (bench_be->alloc((void **)&p.work, (size_t)p.work_len * 4)) {
            fprintf(stderr, "bench_scan: %s\n", sk_errmsg());
            return 1;
        }
        double tf = timeit(bench_be->scan_fwd, &p, reps, &bf), tb = timeit(bench_be->scan_bwd, &p, reps, &bb);
        printf("selective scan %s b=%lld L=%lld D=%lld N=%lld on %s (median of %d)\n", mode, (long long)b, (long long)L,
               (long long)D, (long long)N, device, reps);
        printf("                 median ms  G updates/s | best ms  G updates/s\n");
        printf("  forward       %9.3f  %11.2f | %7.3f  %11.2f\n", tf * 1e3, upd / tf / 1e9, bf * 1e3, upd / bf / 1e9);
        printf("  backward      %9.3f  %11.2f | %7.3f  %11.2f\n", tb * 1e3, upd / tb / 1e9, bb * 1e3, upd / bb / 1e9);
        return 0;
    }
    double tf = timeit(sk_scan_fwd_f32, &p, reps, &bf);
    double tb = timeit(sk_scan_bwd_f32, &p, reps, &bb);
    double tr = timeit(sk_scan_fwd_ref_f32, &p, reps < 5 ? reps : 5, &br);
    printf("selective scan %s b=%lld L=%lld D=%lld N=%lld threads=%d (median of %d)\n", mode, (long long)b, (long long)L,
           (long long)D, (long long)N, threads, reps);
    printf("                        median ms  G updates/s | best ms  G updates/s\n");
    printf("  forward  (optimized) %9.3f  %11.2f | %7.3f  %11.2f\n", tf * 1e3, upd / tf / 1e9, bf * 1e3, upd / bf / 1e9);
    printf("  backward (optimized) %9.3f  %11.2f | %7.3f  %11.2f\n", tb * 1e3, upd / tb / 1e9, bb * 1e3, upd / bb / 1e9);
    printf("  forward  (reference) %9.3f  %11.2f | %7.3f  %11.2f\n", tr * 1e3, upd / tr / 1e9, br * 1e3, upd / br / 1e9);
    return 0;
}
