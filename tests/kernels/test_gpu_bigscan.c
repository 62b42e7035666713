/* test_gpu_bigscan.c (label gpu) — the CUDA selective scan on one input tensor of more than 2^31
 * elements (64-bit indexing everywhere): u and delta of 4 x 70000 x 8192 (2,293,760,000 elements each), d_state 512,
 * Mamba's flags, delta_bias, D, h0, resets, B and C as column slices of one (b, L, 2N) tensor.
 * out and hT are checked on 64 sampled channels, spread over [0, D) and including the last one,
 * against the float64 reference run only for those channels (on the CPU, one channel at a time).
 * Any 32-bit index overflow shows up as wrong values (or a fault) in the upper channels / batches.
 *
 * Inputs are a hash of the element index (so the reference regenerates exactly the same fp32 values
 * without holding the tensors on the host); about 29 GB of device memory. Every output element is
 * also checked to be finite. Options: --small (b=2, L=1000, D=300, N=40: the same code path on a
 * small problem, for a quick look). Without a usable CUDA device: exit 77 ("skipped: ...").
 * --self-test: the CPU backend plays the device on the small problem (checks the test itself).
 * In the emulator build (SSMKIT_CUDA_EMU) the small problem is always used. */
#include <math.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_backend.h"
#include "src/sk_progress.h"
#include "tests/sk_test.h"

/* value in [lo, hi) for element `i` of tensor `salt` (splitmix64 of the index), rounded to fp32 */
static inline float hval(uint64_t i, uint64_t salt, float lo, float hi) {
    uint64_t z = i * 0x9E3779B97F4A7C15ull + salt * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return lo + (hi - lo) * (float)((double)(z >> 11) * 0x1.0p-53);
}
enum { S_U = 1, S_DELTA, S_BC, S_BIAS, S_A, S_D, S_H0, S_RESET };

static const sk_backend *G;

/* Fill a device tensor of n elements with hval(., salt) through a host staging buffer. */
static int fill(float *dev, int64_t n, uint64_t salt, float lo, float hi, float *stage, int64_t stage_n) {
    for (int64_t off = 0; off < n; off += stage_n) {
        const int64_t m = n - off < stage_n ? n - off : stage_n;
#pragma omp parallel for schedule(static)
        for (int64_t k = 0; k < m; k++) stage[k] = hval((uint64_t)(off + k), salt, lo, hi);
        int rc = G->upload(dev + off, stage, (size_t)m * sizeof(float));
        if (rc) return rc;
    }
    return SK_OK;
}

int main(int argc, char **argv) {
    int small = 0, self = 0;
    for (int i = 1; i < argc; i++) small |= !strcmp(argv[i], "--small"), self |= !strcmp(argv[i], "--self-test");
    small |= self;
#ifdef SSMKIT_CUDA_EMU
    small = 1; /* the CPU emulator build (tests/cuda_emu): the same code path on the small problem */
#endif
    if (self) {
        G = sk_backend_cpu();
    } else {
        if (sk_cuda_device_count() == 0) {
            printf("test_gpu_bigscan: skipped: no usable CUDA device\n");
            return 77;
        }
        if (sk_backend_get("cuda", &G)) {
            fprintf(stderr, "test_gpu_bigscan: %s\n", sk_errmsg());
            return 1;
        }
    }
    const int64_t b = small ? 2 : 4, L = small ? 1000 : 70000, Dm = small ? 300 : 8192, N = small ? 40 : 512;
    const int64_t rows = b * L, ld = 2 * N, nU = rows * Dm, NS = 64;
    printf("test_gpu_bigscan: b=%lld L=%lld D=%lld N=%lld: u has %lld elements (2^31 = %lld)\n", (long long)b, (long long)L,
           (long long)Dm, (long long)N, (long long)nU, 1ll << 31);
    if (!small) SK_CHECK(nU > (1ll << 31), "the tensor is not above 2^31 elements");
    const unsigned flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP;
    /* ---- device tensors ---- */
    float *u = NULL, *dl = NULL, *out = NULL, *BC = NULL, *bias = NULL, *A = NULL, *Dv = NULL, *h0 = NULL, *hT = NULL;
    uint8_t *rs = NULL;
    const int64_t stage_n = (int64_t)1 << 24;
    float *stage = malloc((size_t)stage_n * sizeof(float));
    uint8_t *rh = malloc((size_t)rows);
    for (int64_t k = 0; k < rows; k++) rh[k] = hval((uint64_t)k, S_RESET, 0, 1) < 5.0f / (float)rows; /* ~5 resets */
    double t0 = sk_now();
    int rc = G->alloc((void **)&u, (size_t)nU * sizeof(float));
    if (!rc) rc = G->alloc((void **)&dl, (size_t)nU * sizeof(float));
    if (!rc) rc = G->alloc((void **)&out, (size_t)nU * sizeof(float));
    if (!rc) rc = G->alloc((void **)&BC, (size_t)(rows * ld) * sizeof(float));
    if (!rc) rc = G->alloc((void **)&bias, (size_t)Dm * sizeof(float));
    if (!rc) rc = G->alloc((void **)&A, (size_t)(Dm * N) * sizeof(float));
    if (!rc) rc = G->alloc((void **)&Dv, (size_t)Dm * sizeof(float));
    if (!rc) rc = G->alloc((void **)&h0, (size_t)(b * Dm * N) * sizeof(float));
    if (!rc) rc = G->alloc((void **)&hT, (size_t)(b * Dm * N) * sizeof(float));
    if (!rc) rc = G->alloc((void **)&rs, (size_t)rows);
    if (!rc) rc = fill(u, nU, S_U, -1, 1, stage, stage_n);
    if (!rc) rc = fill(dl, nU, S_DELTA, -5, 0, stage, stage_n);
    if (!rc) rc = fill(BC, rows * ld, S_BC, -1, 1, stage, stage_n);
    if (!rc) rc = fill(bias, Dm, S_BIAS, -1, 1, stage, stage_n);
    if (!rc) rc = fill(A, Dm * N, S_A, -1, 2, stage, stage_n);
    if (!rc) rc = fill(Dv, Dm, S_D, -1, 1, stage, stage_n);
    if (!rc) rc = fill(h0, b * Dm * N, S_H0, -1, 1, stage, stage_n);
    if (!rc) rc = G->upload(rs, rh, (size_t)rows);
    SK_CHECK(rc == 0, "device setup: %s", sk_errmsg());
    if (rc) return sk_test_finish("test_gpu_bigscan");
    printf("test_gpu_bigscan: inputs on the device in %.1f s\n", sk_now() - t0);
    sk_scan_f32 p = {.batch = b, .len = L, .dim = Dm, .dstate = N, .flags = flags, .u = u, .delta = dl,
                     .delta_bias = bias, .A = A, .B = BC, .C = BC + N, .ldb = ld, .ldc = ld, .D = Dv, .reset = rs,
                     .h0 = h0, .out = out, .hT = hT};
    t0 = sk_now();
    rc = G->scan_fwd(&p);
    if (!rc) rc = G->sync();
    SK_CHECK(rc == 0, "scan: %s", sk_errmsg());
    printf("test_gpu_bigscan: forward scan %.2f s (%.3g G state updates/s; not a benchmark)\n", sk_now() - t0,
           (double)nU * (double)N / (sk_now() - t0) / 1e9);
    /* ---- sampled channels: 0 .. D-1 evenly, the last included ---- */
    int64_t ch[64];
    for (int64_t k = 0; k < NS; k++) ch[k] = k * (Dm - 1) / (NS - 1);
    float *got = malloc((size_t)(NS * rows) * sizeof(float)), *gotT = malloc((size_t)(NS * b * N) * sizeof(float));
    int64_t nonfinite = 0;
    const int64_t rows_per = stage_n / Dm > 0 ? stage_n / Dm : 1;
    for (int64_t r0 = 0; r0 < rows && !rc; r0 += rows_per) {
        const int64_t m = rows - r0 < rows_per ? rows - r0 : rows_per;
        rc = G->download(stage, out + r0 * Dm, (size_t)(m * Dm) * sizeof(float));
        for (int64_t r = 0; r < m && !rc; r++) {
            for (int64_t c = 0; c < Dm; c++) nonfinite += !isfinite(stage[r * Dm + c]);
            for (int64_t k = 0; k < NS; k++) got[k * rows + r0 + r] = stage[r * Dm + ch[k]];
        }
    }
    for (int64_t i = 0; i < b && !rc; i++)
        for (int64_t k = 0; k < NS && !rc; k++) rc = G->download(gotT + (k * b + i) * N, hT + (i * Dm + ch[k]) * N, (size_t)N * sizeof(float));
    SK_CHECK(rc == 0, "download: %s", sk_errmsg());
    SK_CHECK(nonfinite == 0, "%lld output elements are not finite", (long long)nonfinite);
    /* ---- the float64 reference, one channel at a time (dim = 1) ---- */
    t0 = sk_now();
    double *Bh = malloc((size_t)(rows * ld) * sizeof(double));
    for (int64_t k = 0; k < rows * ld; k++) Bh[k] = hval((uint64_t)k, S_BC, -1, 1);
    /* per channel: max |got - ref| and max |ref| of out and of hT (NaN-propagating) */
    double num[64] = {0}, den[64] = {0}, numT[64] = {0}, denT[64] = {0};
    int refbad = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : refbad)
    for (int64_t k = 0; k < NS; k++) {
        const int64_t c = ch[k];
        double *uc = malloc((size_t)rows * sizeof(double)), *dc = malloc((size_t)rows * sizeof(double));
        double *oc = malloc((size_t)rows * sizeof(double)), *Ac = malloc((size_t)N * sizeof(double));
        double *h0c = malloc((size_t)(b * N) * sizeof(double)), *hTc = malloc((size_t)(b * N) * sizeof(double));
        for (int64_t r = 0; r < rows; r++)
            uc[r] = hval((uint64_t)(r * Dm + c), S_U, -1, 1), dc[r] = hval((uint64_t)(r * Dm + c), S_DELTA, -5, 0);
        for (int64_t n = 0; n < N; n++) Ac[n] = hval((uint64_t)(c * N + n), S_A, -1, 2);
        for (int64_t i = 0; i < b; i++)
            for (int64_t n = 0; n < N; n++) h0c[i * N + n] = hval((uint64_t)((i * Dm + c) * N + n), S_H0, -1, 1);
        double biasc = hval((uint64_t)c, S_BIAS, -1, 1), Dc = hval((uint64_t)c, S_D, -1, 1);
        sk_scan_f64 q = {.batch = b, .len = L, .dim = 1, .dstate = N, .flags = flags, .u = uc, .delta = dc,
                         .delta_bias = &biasc, .A = Ac, .B = Bh, .C = Bh + N, .ldb = ld, .ldc = ld, .D = &Dc,
                         .reset = rh, .h0 = h0c, .out = oc, .hT = hTc};
        refbad |= sk_scan_fwd_ref_f64(&q) != 0;
        for (int64_t r = 0; r < rows; r++) {
            double d = fabs((double)got[k * rows + r] - oc[r]);
            num[k] = !(d <= num[k]) ? d : num[k], den[k] = fmax(den[k], fabs(oc[r]));
        }
        for (int64_t e = 0; e < b * N; e++) {
            double d = fabs((double)gotT[k * b * N + e] - hTc[e]);
            numT[k] = !(d <= numT[k]) ? d : numT[k], denT[k] = fmax(denT[k], fabs(hTc[e]));
        }
        free(uc), free(dc), free(oc), free(Ac), free(h0c), free(hTc);
    }
    double nm = 0, dn = 0, nmT = 0, dnT = 0;
    for (int64_t k = 0; k < NS; k++) {
        nm = !(num[k] <= nm) ? num[k] : nm, nmT = !(numT[k] <= nmT) ? numT[k] : nmT;
        dn = fmax(dn, den[k]), dnT = fmax(dnT, denT[k]);
    }
    SK_CHECK(!refbad, "reference scan failed");
    const double e = dn > 0 ? nm / dn : nm, eT = dnT > 0 ? nmT / dnT : nmT;
    printf("test_gpu_bigscan: reference on %lld channels (0 .. %lld) in %.1f s\n", (long long)NS, (long long)(Dm - 1),
           sk_now() - t0);
    printf("test_gpu_bigscan: out relative error %.3g, hT relative error %.3g (gate 1e-4)\n", e, eT);
    SK_CHECK(e <= 1e-4, "out: relative error %.3g > 1e-4", e);
    SK_CHECK(eT <= 1e-4, "hT: relative error %.3g > 1e-4", eT);
    void *all[] = {u, dl, out, BC, bias, A, Dv, h0, hT, rs};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) G->free(all[k]);
    free(stage), free(rh), free(got), free(gotT), free(Bh);
    return sk_test_finish(self ? "test_gpu_bigscan --self-test" : "test_gpu_bigscan");
}
