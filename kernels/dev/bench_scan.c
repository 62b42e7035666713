/* bench_scan.c — kernel lab: time the selective scan (optimized fp32 forward and backward, and the
 * plain fp32 reference forward for scale) and report state updates per second (b * L * D * N per
 * call). Not part of the library.
 *   bench_scan [-b B] [-L L] [-D D] [-N N] [-@ THREADS] [-r REPEATS] [-m MODE] [-d cpu|cuda]
 *   bench_scan -k all|list|KERNEL [-v VERSION] [-b B] [-L L] [-D D] [-N N] [-W W] [-@ T] [-r R]
 * Defaults: the benchmark shape b 2, L 2048, D (d_inner) 256, N 16. MODE: s6 (default: Mamba's
 * real S6, variable B/C, softplus, z gate), s6-complex (the same with SK_SCAN_COMPLEX: N complex
 * modes, B/C rows of 2N), s4d-real / s4d-lin (S4D: constant B/C, per-channel step delta = NULL,
 * no gate; real / complex). A complex mode counts as one state update. With -d cuda the same
 * problem runs through the CUDA backend's table (inputs uploaded once, each call timed up to a
 * stream sync).
 *
 * -k: the numbered versions of every CPU kernel of a Mamba block's elementwise and scan path
 * (scan_fwd, scan_bwd, scan_step, conv_fwd, conv_bwd; -k list names them), each validated against
 * the float64 reference on the same (fp32-rounded) inputs and timed; one line per version with its
 * largest relative error, "ok" or "FAIL" (gate SK_LAB_TOL) and its speed. Exit 1 when a version
 * fails. A new version is a new row of its kernel's table in lab_kernels (kernels/README.md §Kernel lab). */
#include "src/sk_relerr.h"
#include <math.h>
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

/* ================================ the lab (-k) ============================================= */

#define SK_LAB_TOL 1e-4 /* largest relative error (max |v - ref| / max |ref|) of a version's outputs */

/* One problem of the benchmark shape, fp32 (what the versions run) and float64 (the oracle):
 * the s6 scan (fwd + bwd), its recurrent step (len 1 from a state) and the conv1d + bias + SiLU. */
typedef struct lab {
    sk_scan_f32 s, st;
    sk_scan_f64 sd, std;
    sk_conv1d_f32 cv;
    sk_conv1d_f64 cvd;
    int64_t b, L, D, N, W;
} lab;

/* Every array of the lab is kept here and freed at exit (lab_keep). */
static void *lab_mem[128];
static int lab_nmem;
static void lab_free(void) {
    while (lab_nmem) free(lab_mem[--lab_nmem]);
}
static void *lab_keep(void *p) {
    if (!lab_nmem) atexit(lab_free);
    if (lab_nmem < (int)(sizeof lab_mem / sizeof *lab_mem)) lab_mem[lab_nmem++] = p;
    return p;
}
static float *lab_rnd(sk_rng *r, int64_t n, float lo, float hi) { return lab_keep(rnd(r, n, lo, hi)); }

static double *to64(const float *p, int64_t n) {
    double *d = lab_keep(malloc((size_t)n * sizeof(double)));
    for (int64_t i = 0; i < n; i++) d[i] = p[i];
    return d;
}
#define MAXE(e, got, ref, n)                                                                       \
    do {                                                                                           \
        double e_ = sk_relerr_f((got), (ref), (n));                                                     \
        if (!(e_ <= (e))) (e) = e_;                                                                \
    } while (0)
#define Z32(n) lab_keep(calloc((size_t)(n), 4))
#define Z64(n) lab_keep(calloc((size_t)(n), 8))

static lab lab_new(int64_t b, int64_t L, int64_t D, int64_t N, int64_t W) {
    sk_rng r;
    sk_rng_seed(&r, 7, 0);
    lab q = {.b = b, .L = L, .D = D, .N = N, .W = W};
    const int64_t n = b * L * D, nb = b * L * N, nch = (L + SK_SCAN_CHUNK_DEFAULT - 1) / SK_SCAN_CHUNK_DEFAULT;
    sk_scan_f32 p = {.batch = b, .len = L, .dim = D, .dstate = N, .flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP,
                     .u = lab_rnd(&r, n, -1, 1), .delta = lab_rnd(&r, n, -4, 0), .delta_bias = lab_rnd(&r, D, -1, 0),
                     .A = lab_rnd(&r, D * N, 0, 2.7f), .B = lab_rnd(&r, nb, -1, 1), .C = lab_rnd(&r, nb, -1, 1), .ldb = N, .ldc = N,
                     .D = lab_rnd(&r, D, -1, 1), .z = lab_rnd(&r, n, -2, 2), .ldz = D, .out = Z32(n), .hT = Z32(b * D * N),
                     .ckpt = Z32(b * nch * D * N), .dout = lab_rnd(&r, n, -1, 1), .du = Z32(n), .ddelta = Z32(n),
                     .dz = Z32(n), .dB = Z32(nb), .dC = Z32(nb), .dA = Z32(D * N), .dD = Z32(D),
                     .ddelta_bias = Z32(D)};
    q.s = p;
    sk_scan_f64 d = {.batch = b, .len = L, .dim = D, .dstate = N, .flags = p.flags, .u = to64(p.u, n),
                     .delta = to64(p.delta, n), .delta_bias = to64(p.delta_bias, D), .A = to64(p.A, D * N),
                     .B = to64(p.B, nb), .C = to64(p.C, nb), .ldb = N, .ldc = N, .D = to64(p.D, D),
                     .z = to64(p.z, n), .ldz = D, .out = Z64(n), .hT = Z64(b * D * N), .ckpt = Z64(b * nch * D * N),
                     .dout = to64(p.dout, n), .du = Z64(n), .ddelta = Z64(n), .dz = Z64(n), .dB = Z64(nb),
                     .dC = Z64(nb), .dA = Z64(D * N), .dD = Z64(D), .ddelta_bias = Z64(D)};
    q.sd = d;
    /* the step: position 0 of every row from a random state */
    q.st = p, q.st.len = 1, q.st.ldb = q.st.ldc = L * N, q.st.ldz = L * D, q.st.h0 = lab_rnd(&r, b * D * N, -1, 1);
    q.st.out = Z32(b * D), q.st.hT = Z32(b * D * N), q.st.ckpt = NULL;
    q.std = d, q.std.len = 1, q.std.ldb = q.std.ldc = L * N, q.std.ldz = L * D, q.std.h0 = to64(q.st.h0, b * D * N);
    q.std.out = Z64(b * D), q.std.hT = Z64(b * D * N), q.std.ckpt = Z64(b * D * N);
    /* u, delta and z of the step are rows (i, 0) of the full tensors: (b, 1, D) with row stride L*D */
    sk_conv1d_f32 c = {.batch = b, .len = L, .dim = D, .width = W, .act = SK_ACT_SILU, .x = lab_rnd(&r, b * L * 2 * D, -2, 2),
                       .ldx = 2 * D, .w = lab_rnd(&r, D * W, -1, 1), .bias = lab_rnd(&r, D, -1, 1),
                       .state_in = lab_rnd(&r, b * (W - 1) * D, -1, 1), .out = Z32(n), .state_out = Z32(b * (W - 1) * D),
                       .dout = lab_rnd(&r, n, -1, 1), .dstate_out = lab_rnd(&r, b * (W - 1) * D, -1, 1),
                       .dx = Z32(b * L * 2 * D), .dw = Z32(D * W), .dbias = Z32(D), .dstate_in = Z32(b * (W - 1) * D)};
    q.cv = c;
    sk_conv1d_f64 e = {.batch = b, .len = L, .dim = D, .width = W, .act = SK_ACT_SILU, .x = to64(c.x, b * L * 2 * D),
                       .ldx = 2 * D, .w = to64(c.w, D * W), .bias = to64(c.bias, D),
                       .state_in = to64(c.state_in, b * (W - 1) * D), .out = Z64(n), .state_out = Z64(b * (W - 1) * D),
                       .dout = to64(c.dout, n), .dstate_out = to64(c.dstate_out, b * (W - 1) * D),
                       .dx = Z64(b * L * 2 * D), .dw = Z64(D * W), .dbias = Z64(D), .dstate_in = Z64(b * (W - 1) * D)};
    q.cvd = e;
    return q;
}

/* the versions: v0 is always the plain reference compiled for float */
static int scan_fwd_v0(lab *q) { return sk_scan_fwd_ref_f32(&q->s); }
static int scan_fwd_v1(lab *q) { return sk_scan_fwd_f32(&q->s); }
static int scan_bwd_v0(lab *q) { return sk_scan_bwd_ref_f32(&q->s); }
static int scan_bwd_v1(lab *q) { return sk_scan_bwd_version_f32(&q->s, 1); }
static int scan_bwd_v2(lab *q) { return sk_scan_bwd_version_f32(&q->s, 2); }
static int scan_bwd_v3(lab *q) { return sk_scan_bwd_version_f32(&q->s, 3); }
static int scan_bwd_v4(lab *q) { return sk_scan_bwd_version_f32(&q->s, 4); }
static int scan_step_v0(lab *q) { return sk_scan_fwd_ref_f32(&q->st); }
static int scan_step_v1(lab *q) { return sk_scan_fwd_f32(&q->st); }
static int conv_fwd_v0(lab *q) { return sk_conv1d_fwd_ref_f32(&q->cv); }
static int conv_fwd_v1(lab *q) { return sk_conv1d_fwd_f32(&q->cv); }
static int conv_bwd_v0(lab *q) { return sk_conv1d_bwd_ref_f32(&q->cv); }
static int conv_bwd_v1(lab *q) { return sk_conv1d_bwd_f32(&q->cv); }

/* the float64 oracle of each kernel, and the largest error of the fp32 outputs against it */
static int scan_ref(lab *q) { return sk_scan_fwd_ref_f64(&q->sd) || sk_scan_bwd_ref_f64(&q->sd); }
static int step_ref(lab *q) { return sk_scan_fwd_ref_f64(&q->std); }
static int conv_ref(lab *q) { return sk_conv1d_fwd_ref_f64(&q->cvd) || sk_conv1d_bwd_ref_f64(&q->cvd); }
static double scan_fwd_err(lab *q) {
    double e = 0;
    MAXE(e, q->s.out, q->sd.out, q->b * q->L * q->D);
    MAXE(e, q->s.hT, q->sd.hT, q->b * q->D * q->N);
    return e;
}
static double scan_bwd_err(lab *q) {
    const int64_t n = q->b * q->L * q->D, nb = q->b * q->L * q->N;
    double e = 0;
    MAXE(e, q->s.du, q->sd.du, n);
    MAXE(e, q->s.ddelta, q->sd.ddelta, n);
    MAXE(e, q->s.dz, q->sd.dz, n);
    MAXE(e, q->s.dB, q->sd.dB, nb);
    MAXE(e, q->s.dC, q->sd.dC, nb);
    MAXE(e, q->s.dA, q->sd.dA, q->D * q->N);
    MAXE(e, q->s.dD, q->sd.dD, q->D);
    MAXE(e, q->s.ddelta_bias, q->sd.ddelta_bias, q->D);
    return e;
}
static double step_err(lab *q) {
    double e = 0;
    MAXE(e, q->st.out, q->std.out, q->b * q->D);
    MAXE(e, q->st.hT, q->std.hT, q->b * q->D * q->N);
    return e;
}
static double conv_fwd_err(lab *q) {
    double e = 0;
    MAXE(e, q->cv.out, q->cvd.out, q->b * q->L * q->D);
    MAXE(e, q->cv.state_out, q->cvd.state_out, q->b * (q->W - 1) * q->D);
    return e;
}
static double conv_bwd_err(lab *q) {
    double e = 0;
    MAXE(e, q->cv.dx, q->cvd.dx, q->b * q->L * 2 * q->D);
    MAXE(e, q->cv.dw, q->cvd.dw, q->D * q->W);
    MAXE(e, q->cv.dbias, q->cvd.dbias, q->D);
    MAXE(e, q->cv.dstate_in, q->cvd.dstate_in, q->b * (q->W - 1) * q->D);
    return e;
}
/* the += outputs start from zero before a validated call */
static void zero_acc(lab *q) {
    memset(q->s.dA, 0, (size_t)(q->D * q->N) * 4), memset(q->s.dD, 0, (size_t)q->D * 4);
    memset(q->s.ddelta_bias, 0, (size_t)q->D * 4);
    memset(q->cv.dw, 0, (size_t)(q->D * q->W) * 4), memset(q->cv.dbias, 0, (size_t)q->D * 4);
}

#define LAB_MAXV 6 /* versions per kernel, v0 included */
typedef struct lab_kernel {
    const char *name, *unit; /* unit: what one call does, counted by per_call */
    int scan_units;          /* 1: b*L*D*N state updates per call (b*D*N for the step); 0: b*L*D elements */
    int (*ref)(lab *);
    double (*err)(lab *);
    struct {
        const char *what;
        int (*fn)(lab *);
    } v[LAB_MAXV];
} lab_kernel;

static const lab_kernel lab_kernels[] = {
    {"scan_fwd", "G updates/s", 1, scan_ref, scan_fwd_err,
     {{"reference: plain loops per (batch, channel)", scan_fwd_v0},
      {"16-channel vectors, groups of blocks swept by position tiles, chunk checkpoints", scan_fwd_v1}}},
    {"scan_bwd", "G updates/s", 1, scan_ref, scan_bwd_err,
     {{"reference: recomputes each channel's states over the whole sequence", scan_bwd_v0},
      {"16-channel vectors, states recomputed chunk by chunk from the checkpoints, dB/dC per thread", scan_bwd_v1},
      {"v1 + rows prefetched in the forward recompute, which also does y, the gate and dC", scan_bwd_v2},
      {"v2 + dB/dC lane sums per block and position by a transposing tree (no group-wide planes)", scan_bwd_v3},
      {"v3 + resets applied once (no keep multiplies), a h and g dl shared, next block's rows prefetched", scan_bwd_v4}}},
    {"scan_step", "G updates/s", 1, step_ref, step_err,
     {{"reference at len 1 (h0 -> hT)", scan_step_v0}, {"the optimized forward at len 1 (one thread)", scan_step_v1}}},
    {"conv_fwd", "G elements/s", 0, conv_ref, conv_fwd_err,
     {{"reference: per (batch, channel), strided positions (conv + bias + SiLU)", conv_fwd_v0},
      {"16-channel vectors, window read from x, bias + SiLU in the same pass", conv_fwd_v1}}},
    {"conv_bwd", "G elements/s", 0, conv_ref, conv_bwd_err,
     {{"reference: pre-activation recomputed per tap", conv_bwd_v0},
      {"one pass: pre-activation once, dpre ring of W positions, dx finished in place", conv_bwd_v1}}},
};
#define N_LAB ((int)(sizeof lab_kernels / sizeof *lab_kernels))

/* median seconds of `reps` calls of version fn (one warm-up) */
static double lab_time(int (*fn)(lab *), lab *q, int reps, double *best) {
    double *t = malloc((size_t)reps * sizeof(double));
    for (int i = -1; i < reps; i++) {
        double t0 = sk_now();
        if (fn(q)) {
            fprintf(stderr, "bench_scan: %s\n", sk_errmsg());
            exit(1);
        }
        if (i >= 0) t[i] = sk_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmpd);
    double med = t[reps / 2];
    *best = t[0];
    free(t);
    return med;
}

static int run_lab(const char *kernel, int version, int64_t b, int64_t L, int64_t D, int64_t N, int64_t W, int reps,
               int threads) {
    int any = 0, bad = 0;
    if (!strcmp(kernel, "list")) {
        for (int k = 0; k < N_LAB; k++)
            for (int v = 0; v < LAB_MAXV && lab_kernels[k].v[v].fn; v++) printf("%-10s v%d  %s\n", lab_kernels[k].name, v, lab_kernels[k].v[v].what);
        return 0;
    }
    if (b < 1 || L < 1 || D < 1 || N < 1 || W < 2 || reps < 1) {
        fprintf(stderr, "bench_scan: -k needs b, L, D, N, repeats >= 1 and W >= 2\n");
        return 2;
    }
    lab q = lab_new(b, L, D, N, W);
    if (sk_scan_fwd_f32(&q.s)) { /* the checkpoints the backward versions read */
        fprintf(stderr, "bench_scan: %s\n", sk_errmsg());
        return 1;
    }
    printf("kernel lab b=%lld L=%lld D=%lld N=%lld W=%lld threads=%d (median of %d; v0 at most 3; gate %.0e)\n",
           (long long)b, (long long)L, (long long)D, (long long)N, (long long)W, threads, reps, SK_LAB_TOL);
    printf("%-10s %-3s %10s %8s %10s %8s %-9s %s\n", "kernel", "v", "median ms", "rate", "best ms", "rate",
           "rel err", "version");
    const lab_kernel *done_ref = NULL;
    for (int k = 0; k < N_LAB; k++) {
        const lab_kernel *K = &lab_kernels[k];
        if (strcmp(kernel, "all") && strcmp(kernel, K->name)) continue;
        any = 1;
        if (version >= 0 && (version >= LAB_MAXV || !K->v[version].fn)) {
            if (!strcmp(kernel, "all")) continue; /* -k all -v N: the kernels that have an N */
            fprintf(stderr, "bench_scan: -k %s -v %d: no such version (-k list names them)\n", K->name, version);
            return 2;
        }
        if (!done_ref || done_ref->ref != K->ref) {
            if (K->ref(&q)) {
                fprintf(stderr, "bench_scan: reference: %s\n", sk_errmsg());
                return 1;
            }
            done_ref = K;
        }
        const double units = K->scan_units ? (double)b * (K->ref == step_ref ? 1 : L) * D * N : (double)b * L * D;
        for (int v = 0; v < LAB_MAXV && K->v[v].fn; v++) {
            if (version >= 0 && v != version) continue;
            zero_acc(&q);
            if (K->v[v].fn(&q)) {
                fprintf(stderr, "bench_scan: %s v%d: %s\n", K->name, v, sk_errmsg());
                return 1;
            }
            const double e = K->err(&q);
            double best, med = lab_time(K->v[v].fn, &q, v == 0 && reps > 3 ? 3 : reps, &best);
            const int ok = e <= SK_LAB_TOL;
            bad |= !ok;
            printf("%-10s v%-2d %10.3f %8.3f %10.3f %8.3f %-9.2e %s %s\n", K->name, v, med * 1e3,
                   units / med / 1e9, best * 1e3, units / best / 1e9, e, ok ? "ok  " : "FAIL", K->v[v].what);
        }
    }
    if (!any) {
        fprintf(stderr, "bench_scan: -k %s: unknown kernel (-k list names them)\n", kernel);
        return 2;
    }
    printf("rates in %s for scan_*, G elements/s (b*L*D) for conv_*\n", "G state updates/s (b*L*D*N)");
    return bad;
}

int main(int argc, char **argv) {
    int64_t b = 2, L = 2048, D = 256, N = 16;
    int reps = 20, threads = 0, c;
    const char *mode = "s6", *device = "cpu", *kernel = NULL;
    int version = -1;
    int64_t W = 4;
    while ((c = getopt(argc, argv, "b:L:D:N:@:r:m:d:k:v:W:h")) != -1) {
        switch (c) {
        case 'b': b = atoll(optarg); break;
        case 'L': L = atoll(optarg); break;
        case 'D': D = atoll(optarg); break;
        case 'N': N = atoll(optarg); break;
        case '@': threads = atoi(optarg); break;
        case 'r': reps = atoi(optarg); break;
        case 'm': mode = optarg; break;
        case 'd': device = optarg; break;
        case 'k': kernel = optarg; break;
        case 'v': version = atoi(optarg); break;
        case 'W': W = atoll(optarg); break;
        default:
            fprintf(stderr, "usage: bench_scan [-b B] [-L L] [-D D] [-N N] [-@ THREADS] [-r REPEATS] [-m s6|s6-complex|s4d-real|s4d-lin] [-d cpu|cuda]\n"
                            "       bench_scan -k all|list|KERNEL [-v VERSION] [-b B] [-L L] [-D D] [-N N] [-W W] [-@ THREADS] [-r REPEATS]\n");
            return 2;
        }
    }
#ifdef SSMKIT_HAVE_OPENMP
    if (threads > 0) omp_set_num_threads(threads);
    threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    if (kernel) return run_lab(kernel, version, b, L, D, N, W, reps, threads);
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
