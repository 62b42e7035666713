/* scan_bench.c — kernel lab: throughput of the optimized CPU selective scan (kernels/cpu/scan.c)
 * in each mode, in state updates per second (b * L * D * N updates per forward; a complex mode
 * counts once), forward and forward + backward. Not a test: numbers go to BENCHMARKS.md.
 *
 *   scan_bench [-b 2] [-L 2048] [-D 256] [-N 16] [-r 5] [-m real,complex,s4d-real,s4d-lin]
 *
 * Modes: real = Mamba S6 (variable B/C, softplus, z gate, D); complex = complex S6 (the same with
 * SK_SCAN_COMPLEX); s4d-real / s4d-lin = constant B/C with a per-channel step (delta = NULL),
 * real / complex. Inputs are random with the value ranges of an initialized model. The best of
 * -r repetitions is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"

static float *rnd(sk_rng *r, int64_t n, double lo, double hi) {
    float *p = malloc((size_t)(n ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) p[i] = (float)(lo + (hi - lo) * sk_rng_uniform(r));
    return p;
}

static int run(const char *mode, int64_t b, int64_t L, int64_t D, int64_t N, int reps) {
    const int cplx = strstr(mode, "complex") || strstr(mode, "lin"), s4d = !strncmp(mode, "s4d", 3);
    const int64_t K = cplx ? 2 : 1, ld = 2 * N * K + 1, rows = b * L;
    sk_rng r;
    sk_rng_seed(&r, 1, 0);
    float *u = rnd(&r, rows * D, -1, 1), *delta = rnd(&r, rows * D, -4, -1), *bias = rnd(&r, D, -4, -2);
    float *A = rnd(&r, D * N, 0, 2.7), *Ai = rnd(&r, D * N, 0, 3.14159 * N), *z = rnd(&r, rows * D, -2, 2);
    float *Dv = rnd(&r, D, 0.5, 1.5), *BC = rnd(&r, rows * ld, -1, 1), *Bc = rnd(&r, D * N * K, -1, 1);
    float *Cc = rnd(&r, D * N * K, -1, 1), *dt = rnd(&r, D, 1e-3, 0.1);
    float *out = calloc((size_t)(rows * D), 4), *dout = rnd(&r, rows * D, -1, 1);
    float *ckpt = calloc((size_t)(b * ((L + 127) / 128) * D * N * K), 4);
    float *du = calloc((size_t)(rows * D), 4), *dd = calloc((size_t)(rows * D), 4), *dz = calloc((size_t)(rows * D), 4);
    float *dBC = calloc((size_t)(rows * ld), 4), *dA = calloc((size_t)(D * N), 4), *dAi = calloc((size_t)(D * N), 4);
    float *dDv = calloc((size_t)D, 4), *db = calloc((size_t)D, 4), *dBc = calloc((size_t)(D * N * K), 4);
    float *dCc = calloc((size_t)(D * N * K), 4);
    sk_scan_f32 p = {.batch = b, .len = L, .dim = D, .dstate = N, .u = u, .A = A, .A_imag = cplx ? Ai : NULL, .D = Dv,
                     .out = out, .ckpt = ckpt, .dout = dout, .du = du, .dA = dA, .dA_imag = dAi, .dD = dDv};
    if (s4d) {
        p.flags = SK_SCAN_A_NEG_EXP | SK_SCAN_CONST_B | SK_SCAN_CONST_C | (cplx ? SK_SCAN_COMPLEX : 0);
        p.delta_bias = dt, p.ddelta_bias = db, p.B = Bc, p.C = Cc, p.dB = dBc, p.dC = dCc;
    } else {
        p.flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP | (cplx ? SK_SCAN_COMPLEX : 0);
        p.delta = delta, p.delta_bias = bias, p.ddelta = dd, p.ddelta_bias = db, p.z = z, p.ldz = D, p.dz = dz;
        p.B = BC, p.C = BC + N * K, p.ldb = p.ldc = ld, p.dB = dBC, p.dC = dBC + N * K;
    }
    double best_f = 1e30, best_b = 1e30;
    int rc = 0;
    for (int k = 0; k < reps && !rc; k++) {
        double t0 = sk_now();
        rc = sk_scan_fwd_f32(&p);
        double t1 = sk_now();
        if (!rc) rc = sk_scan_bwd_f32(&p);
        double t2 = sk_now();
        if (t1 - t0 < best_f) best_f = t1 - t0;
        if (t2 - t1 < best_b) best_b = t2 - t1;
    }
    if (rc) {
        fprintf(stderr, "scan_bench: %s: %s\n", mode, sk_errmsg());
        return 1;
    }
    double upd = (double)b * L * D * N;
    printf("%-9s b=%lld L=%lld D=%lld N=%lld  fwd %8.2f ms  %7.1f M updates/s   bwd %8.2f ms  %7.1f M updates/s\n", mode,
           (long long)b, (long long)L, (long long)D, (long long)N, best_f * 1e3, upd / best_f / 1e6, best_b * 1e3,
           upd / best_b / 1e6);
    float *all[] = {u, delta, bias, A, Ai, z, Dv, BC, Bc, Cc, dt, out, dout, ckpt, du, dd, dz, dBC, dA, dAi, dDv, db, dBc, dCc};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    return 0;
}

int main(int argc, char **argv) {
    int64_t b = 2, L = 2048, D = 256, N = 16;
    int reps = 5;
    const char *modes = "real,complex,s4d-real,s4d-lin";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-b")) b = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-L")) L = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-D")) D = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-N")) N = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-r")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-m")) modes = argv[i + 1];
        else {
            fprintf(stderr, "usage: scan_bench [-b B] [-L L] [-D D] [-N N] [-r reps] [-m real,complex,s4d-real,s4d-lin]\n");
            return 2;
        }
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", modes);
    int rc = 0;
    for (char *m = strtok(buf, ","); m; m = strtok(NULL, ",")) rc |= run(m, b, L, D, N, reps);
    return rc;
}
