// scan.cu — selective scan forward and backward on the GPU, every flag of kernels/sk_ops.h (real
// or complex modes, variable or constant B/C, per-position or per-channel delta), same arguments as
// the CPU op (reference: kernels/cpu/scan_ref.inc, whose formulas each line below cites).
//
// Layout of the work: one warp per sequence of states. Lane l of a warp owns the modes
// n = n0 + l + 32 k, k < K (K in {1, 2, 4, 8, 16}; at most 8 for complex modes: the state lives in
// registers), so one "pass" covers 32 K modes; a larger d_state runs several passes over the
// sequence, each for its own range of n, and the per-position sums over n (y, du, ddelta) are
// accumulated across passes in the output buffers (one warp owns each of those elements, so this is
// race-free and deterministic). No limit on d_state or d_inner; every index is 64-bit.
//
// Forward: a warp per (batch i, channel c). Per position: h = exp(dlt A) h + dlt B u per lane
// (complex: exp(dlt A) = e^{dlt Re A} (cos, sin)(dlt Im A)), y = K Re(sum_n C h) by a fixed shuffle
// tree, lane 0 adds D u, gates with silu(z) and writes. The state entering every chunk (before
// that position's reset) goes to ckpt, as on the CPU.
//
// Backward: a warp per channel c (grid-stride), looping over batches, so dA[c,:], dA_imag[c,:],
// dD[c], ddelta_bias[c] and a constant B/C's gradient dB[c,:] / dC[c,:] have one owner each and
// are accumulated in a fixed order: deterministic. For every chunk, in reverse order, the warp
// recomputes the chunk's states from ckpt into its slot of the scratch (chunk x 32K x (1|2) floats
// per warp: p->work, or allocated per call), then walks the chunk backwards as the reference does.
// Variable dB and dC are sums over channels: they are zeroed and then accumulated with atomicAdd,
// so their last bits can differ between runs (the only non-deterministic outputs of the scan; a
// fixed-order reduction is open work: kernels/README.md §Open work).
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_scalar.h"

typedef sk_scan_f32 scan_t;
#define SCAN_WARPS 4                        // warps per block
#define SCAN_WORK_BUDGET ((int64_t)1 << 26) // floats of backward scratch aimed for (256 MiB)

static int64_t scan_chunk(const scan_t *p) { return p->chunk ? p->chunk : SK_SCAN_CHUNK_DEFAULT; }
static bool scan_cplx(const scan_t *p) { return (p->flags & SK_SCAN_COMPLEX) != 0; }
// modes per lane: the smallest power of two with 32 K >= N, at most 16 (8 when complex)
static int scan_k(const scan_t *p) {
    const int kmax = scan_cplx(p) ? 8 : 16;
    int k = 1;
    while (k < kmax && 32 * (int64_t)k < p->dstate) k *= 2;
    return k;
}

// delta after bias and softplus; *x gets the pre-softplus value (scan_ref.inc scan_delta)
__device__ __forceinline__ float scan_delta(const scan_t &p, int64_t pos, int64_t c, float bias, float *x) {
    const float v = (p.delta ? p.delta[pos * p.dim + c] : 0.0f) + bias;
    *x = v;
    return (p.flags & SK_SCAN_SOFTPLUS) ? sk_softplusf(v) : v;
}
// offset of mode n's first component in B (which = 0) or C (1): a row of the per-position tensor
// or row c of the constant (D, N*KC) matrix (scan_ref.inc scan_mode_in)
template <int KC>
__device__ __forceinline__ int64_t scan_off(const scan_t &p, int which, int64_t pos, int64_t c, int64_t n) {
    const bool cst = p.flags & (which ? SK_SCAN_CONST_C : SK_SCAN_CONST_B);
    return cst ? (c * p.dstate + n) * KC : pos * (which ? p.ldc : p.ldb) + n * KC;
}
// A[c,n] = (ar, ai): ar = -exp(A) under A_NEG_EXP; ai = A_imag (complex) or 0
template <int KC>
__device__ __forceinline__ void scan_A(const scan_t &p, int64_t c, int64_t n, float *ar, float *ai) {
    const float a = p.A[c * p.dstate + n];
    *ar = (p.flags & SK_SCAN_A_NEG_EXP) ? -expf(a) : a;
    *ai = KC == 2 ? p.A_imag[c * p.dstate + n] : 0.0f;
}
// exp(dlt A) = e^{dlt ar} (cos dlt ai, sin dlt ai)
template <int KC>
__device__ __forceinline__ void scan_decay(float dlt, float ar, float ai, float *er, float *ei) {
    const float e = expf(dlt * ar);
    if (KC == 2) {
        float s, co;
        sincosf(dlt * ai, &s, &co);
        *er = e * co, *ei = e * s;
    } else {
        *er = e, *ei = 0.0f;
    }
}

// ------------------------------------------------------------------------------------------------
template <int K, int KC>
__global__ void __launch_bounds__(32 * SCAN_WARPS) scan_fwd_kernel(const scan_t p, int64_t chunk, int64_t nch) {
    const int lane = threadIdx.x & 31;
    const int64_t N = p.dstate, Dm = p.dim, L = p.len, NP = 32 * K, npass = (N + NP - 1) / NP;
    const float yf = (float)KC;   // y = 2 Re(sum C h) when complex
    const int64_t nwarps = (int64_t)gridDim.x * SCAN_WARPS;
    for (int64_t w = blockIdx.x * (int64_t)SCAN_WARPS + threadIdx.x / 32; w < p.batch * Dm; w += nwarps) {
        const int64_t i = w / Dm, c = w % Dm;
        const float Dc = p.D ? p.D[c] : 0.0f, bias = p.delta_bias ? p.delta_bias[c] : 0.0f;
        for (int64_t pass = 0; pass < npass; pass++) {
            const int64_t n0 = pass * NP;
            float hr[K], hi[K], ar[K], ai[K];
#pragma unroll
            for (int k = 0; k < K; k++) {
                const int64_t n = n0 + lane + 32 * k, o = ((i * Dm + c) * N + n) * KC;
                ar[k] = ai[k] = hr[k] = hi[k] = 0.0f;
                if (n < N) {
                    scan_A<KC>(p, c, n, &ar[k], &ai[k]);
                    if (p.h0) hr[k] = p.h0[o], hi[k] = KC == 2 ? p.h0[o + 1] : 0.0f;
                }
            }
            int64_t tc = 0;   // position within the chunk
            for (int64_t t = 0; t < L; t++, tc = tc + 1 == chunk ? 0 : tc + 1) {
                const int64_t pos = i * L + t;
                if (p.ckpt && tc == 0) {
                    float *ck = p.ckpt + ((i * nch + t / chunk) * Dm + c) * N * KC;
#pragma unroll
                    for (int k = 0; k < K; k++) {
                        const int64_t n = n0 + lane + 32 * k;
                        if (n < N) {
                            ck[n * KC] = hr[k];
                            if (KC == 2) ck[n * KC + 1] = hi[k];
                        }
                    }
                }
                const bool rs = p.reset && p.reset[pos];
                float x;
                const float dlt = scan_delta(p, pos, c, bias, &x), u = p.u[pos * Dm + c];
                float y = 0;
#pragma unroll
                for (int k = 0; k < K; k++) {
                    const int64_t n = n0 + lane + 32 * k;
                    if (n < N) {
                        float er, ei;
                        scan_decay<KC>(dlt, ar[k], ai[k], &er, &ei);
                        const int64_t ob = scan_off<KC>(p, 0, pos, c, n), oc = scan_off<KC>(p, 1, pos, c, n);
                        const float br = p.B[ob], bi = KC == 2 ? p.B[ob + 1] : 0.0f;
                        const float cr = p.C[oc], ci = KC == 2 ? p.C[oc + 1] : 0.0f;
                        const float pr = rs ? 0.0f : hr[k], pi = rs ? 0.0f : hi[k];
                        // h = exp(delta A) h + delta B u ; y += Re(C h)
                        hr[k] = er * pr - ei * pi + dlt * br * u;
                        hi[k] = er * pi + ei * pr + dlt * bi * u;
                        y += cr * hr[k] - ci * hi[k];
                    }
                }
                y = yf * sk_warp_sum(y);
                if (lane == 0) {
                    float *o = p.out + pos * Dm + c;
                    if (pass > 0) y += *o;   // partial sum of the earlier passes
                    if (pass == npass - 1) {
                        y += Dc * u;
                        if (p.z) y *= sk_siluf(p.z[pos * p.ldz + c]);
                    }
                    *o = y;
                }
            }
            if (p.hT) {   // may alias h0: this warp read its h0 entries at the start of the pass
#pragma unroll
                for (int k = 0; k < K; k++) {
                    const int64_t n = n0 + lane + 32 * k, o = ((i * Dm + c) * N + n) * KC;
                    if (n < N) {
                        p.hT[o] = hr[k];
                        if (KC == 2) p.hT[o + 1] = hi[k];
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// zero the first `cols` columns of each of `rows` rows of stride ld
__global__ void zero_cols_kernel(float *x, int64_t rows, int64_t cols, int64_t ld) {
    SK_GRID_LOOP(e, rows * cols)
        x[(e / cols) * ld + e % cols] = 0.0f;
}

// add (re, im) to a B/C gradient: atomically for a per-position tensor (a sum over channels), in
// place for a constant one (row c belongs to this warp)
template <int KC>
__device__ __forceinline__ void scan_grad_add(float *g, int64_t off, bool cst, float re, float im) {
    if (cst) {
        g[off] += re;
        if (KC == 2) g[off + 1] += im;
    } else {
        atomicAdd(&g[off], re);
        if (KC == 2) atomicAdd(&g[off + 1], im);
    }
}

template <int K, int KC>
__global__ void __launch_bounds__(32 * SCAN_WARPS) scan_bwd_kernel(const scan_t p, int64_t chunk, int64_t nch, float *work) {
    const int lane = threadIdx.x & 31;
    const int64_t N = p.dstate, Dm = p.dim, L = p.len, NP = 32 * K, npass = (N + NP - 1) / NP;
    const int64_t ce = chunk < L ? chunk : L;   // positions a chunk can hold
    const float yf = (float)KC;
    const bool negexp = p.flags & SK_SCAN_A_NEG_EXP, softplus = p.flags & SK_SCAN_SOFTPLUS;
    const bool cB = p.flags & SK_SCAN_CONST_B, cC = p.flags & SK_SCAN_CONST_C;
    const int64_t nwarps = (int64_t)gridDim.x * SCAN_WARPS, slot = blockIdx.x * (int64_t)SCAN_WARPS + threadIdx.x / 32;
    // S[(tt * NP + lane + 32 k) * KC + comp]: the state after the update at t0 + tt
    float *S = work + slot * ce * NP * KC;
    for (int64_t c = slot; c < Dm; c += nwarps) {
        const float Dc = p.D ? p.D[c] : 0.0f, bias = p.delta_bias ? p.delta_bias[c] : 0.0f;
        float dD_acc = 0, ddb_acc = 0;   // lane 0
        for (int64_t pass = 0; pass < npass; pass++) {
            const int64_t n0 = pass * NP;
            const bool first = pass == 0, last = pass == npass - 1;
            float ar[K], ai[K], dA_acc[K], dAi_acc[K];
#pragma unroll
            for (int k = 0; k < K; k++) {
                const int64_t n = n0 + lane + 32 * k;
                ar[k] = ai[k] = dA_acc[k] = dAi_acc[k] = 0.0f;
                if (n < N) scan_A<KC>(p, c, n, &ar[k], &ai[k]);
            }
            for (int64_t i = 0; i < p.batch; i++) {
                float gr[K], gi[K];   // dL/dh
#pragma unroll
                for (int k = 0; k < K; k++) {
                    const int64_t n = n0 + lane + 32 * k, o = ((i * Dm + c) * N + n) * KC;
                    gr[k] = n < N && p.dhT ? p.dhT[o] : 0.0f;
                    gi[k] = KC == 2 && n < N && p.dhT ? p.dhT[o + 1] : 0.0f;
                }
                for (int64_t j = nch - 1; j >= 0; j--) {
                    const int64_t t0 = j * chunk, t1 = t0 + chunk < L ? t0 + chunk : L;
                    float hcr[K], hci[K];   // the state entering the chunk (before a reset at t0)
#pragma unroll
                    for (int k = 0; k < K; k++) {
                        const int64_t n = n0 + lane + 32 * k, o = (((i * nch + j) * Dm + c) * N + n) * KC;
                        hcr[k] = n < N ? p.ckpt[o] : 0.0f;
                        hci[k] = KC == 2 && n < N ? p.ckpt[o + 1] : 0.0f;
                    }
                    // recompute the chunk's states (each lane writes and later reads only its own n)
                    {
                        float hr[K], hi[K];
#pragma unroll
                        for (int k = 0; k < K; k++) hr[k] = hcr[k], hi[k] = hci[k];
                        for (int64_t t = t0; t < t1; t++) {
                            const int64_t pos = i * L + t;
                            const bool rs = p.reset && p.reset[pos];
                            float x;
                            const float dlt = scan_delta(p, pos, c, bias, &x), u = p.u[pos * Dm + c];
#pragma unroll
                            for (int k = 0; k < K; k++) {
                                const int64_t n = n0 + lane + 32 * k;
                                if (n < N) {
                                    float er, ei;
                                    scan_decay<KC>(dlt, ar[k], ai[k], &er, &ei);
                                    const int64_t ob = scan_off<KC>(p, 0, pos, c, n);
                                    const float br = p.B[ob], bi = KC == 2 ? p.B[ob + 1] : 0.0f;
                                    const float pr = rs ? 0.0f : hr[k], pi = rs ? 0.0f : hi[k];
                                    hr[k] = er * pr - ei * pi + dlt * br * u;
                                    hi[k] = er * pi + ei * pr + dlt * bi * u;
                                    float *s = S + ((t - t0) * NP + lane + 32 * k) * KC;
                                    s[0] = hr[k];
                                    if (KC == 2) s[1] = hi[k];
                                }
                            }
                        }
                    }
                    for (int64_t t = t1 - 1; t >= t0; t--) {
                        const int64_t pos = i * L + t;
                        const bool rs = p.reset && p.reset[pos];
                        float x;
                        const float dlt = scan_delta(p, pos, c, bias, &x), u = p.u[pos * Dm + c];
                        const float dout = p.dout[pos * Dm + c];
                        float dy = dout, zv = 0;
                        if (p.z) zv = p.z[pos * p.ldz + c], dy = dout * sk_siluf(zv);   // out = y silu(z)
                        float yp = 0, du = 0, ddlt = 0;
#pragma unroll
                        for (int k = 0; k < K; k++) {
                            const int64_t n = n0 + lane + 32 * k;
                            if (n < N) {
                                const float *s1 = S + ((t - t0) * NP + lane + 32 * k) * KC;
                                const float *s0 = S + ((t - t0 - 1) * NP + lane + 32 * k) * KC;
                                const float hr = s1[0], hi = KC == 2 ? s1[1] : 0.0f;
                                const float pr = rs ? 0.0f : (t == t0 ? hcr[k] : s0[0]);
                                const float pi = rs || KC == 1 ? 0.0f : (t == t0 ? hci[k] : s0[KC - 1]);
                                float er, ei;
                                scan_decay<KC>(dlt, ar[k], ai[k], &er, &ei);
                                const int64_t ob = scan_off<KC>(p, 0, pos, c, n), oc = scan_off<KC>(p, 1, pos, c, n);
                                const float br = p.B[ob], bi = KC == 2 ? p.B[ob + 1] : 0.0f;
                                const float cr = p.C[oc], ci = KC == 2 ? p.C[oc + 1] : 0.0f;
                                yp += cr * hr - ci * hi;
                                // y += yf Re(C h_t): dL/dh_t += yf dy conj(C), dL/dC += yf dy conj(h_t)
                                gr[k] += yf * dy * cr, gi[k] -= yf * dy * ci;
                                scan_grad_add<KC>(p.dC, oc, cC, yf * dy * hr, -yf * dy * hi);
                                // h_t = a h_{t-1} + dlt B u: dB = dlt u g, du += dlt Re(conj(B) g)
                                scan_grad_add<KC>(p.dB, ob, cB, dlt * u * gr[k], dlt * u * gi[k]);
                                const float bg = br * gr[k] + bi * gi[k];
                                du += dlt * bg;
                                // q = conj(a h_{t-1}) g: dA_re += dlt Re q, dA_im += dlt Im q,
                                // d dlt += Re(conj(B) g) u + Re(conj(A) q)
                                const float ahr = er * pr - ei * pi, ahi = er * pi + ei * pr;
                                const float qr = ahr * gr[k] + ahi * gi[k], qi = ahr * gi[k] - ahi * gr[k];
                                ddlt += bg * u + ar[k] * qr + ai[k] * qi;
                                dA_acc[k] += negexp ? dlt * qr * ar[k] : dlt * qr;   // A = -exp(A_log): dA/dA_log = A
                                dAi_acc[k] += dlt * qi;
                                // dL/dh_{t-1} = conj(a) g (0 across a reset)
                                const float ngr = er * gr[k] + ei * gi[k], ngi = er * gi[k] - ei * gr[k];
                                gr[k] = rs ? 0.0f : ngr, gi[k] = rs ? 0.0f : ngi;
                            }
                        }
                        if (p.z) yp = yf * sk_warp_sum(yp);
                        du = sk_warp_sum(du);
                        ddlt = sk_warp_sum(ddlt);
                        if (lane == 0) {
                            float *pdu = p.du + pos * Dm + c, *pdz = p.z ? p.dz + pos * p.ldz + c : NULL;
                            float *pdd = p.delta ? p.ddelta + pos * Dm + c : NULL;
                            if (first) {
                                if (p.D) du += dy * Dc, dD_acc += dy * u;
                                yp += Dc * u;
                            } else {   // add the partial sums of the earlier passes
                                du += *pdu;
                                if (pdd) ddlt += *pdd;
                                if (pdz) yp += *pdz;
                            }
                            const float fsp = softplus ? sk_dsoftplusf(x) : 1.0f;
                            if (!pdd) {   // per-channel step: only the bias gradient, linear in ddlt
                                ddb_acc += ddlt * fsp;
                            } else if (last) {
                                ddlt *= fsp;
                                ddb_acc += ddlt;
                            }
                            if (pdd) *pdd = ddlt;
                            if (pdz) *pdz = last ? dout * yp * sk_dsiluf(zv) : yp;   // dz = dout y silu'(z); else partial y
                            *pdu = du;
                        }
                    }
                }
                if (p.dh0) {
#pragma unroll
                    for (int k = 0; k < K; k++) {
                        const int64_t n = n0 + lane + 32 * k, o = ((i * Dm + c) * N + n) * KC;
                        if (n < N) {
                            p.dh0[o] = gr[k];
                            if (KC == 2) p.dh0[o + 1] = gi[k];
                        }
                    }
                }
            }
#pragma unroll
            for (int k = 0; k < K; k++) {
                const int64_t n = n0 + lane + 32 * k;
                if (n < N) {
                    p.dA[c * N + n] += dA_acc[k];
                    if (KC == 2) p.dA_imag[c * N + n] += dAi_acc[k];
                }
            }
        }
        if (lane == 0) {
            if (p.D) p.dD[c] += dD_acc;
            if (p.delta_bias) p.ddelta_bias[c] += ddb_acc;
        }
    }
}

// ------------------------------------------------------------------------------------------------
#define SCAN_LAUNCH(kern, K, KC, grid, ...)                                                        \
    do {                                                                                           \
        auto kern_ = kern<K, KC>;                                                                  \
        SK_LAUNCH(kern_, grid, 32 * SCAN_WARPS, __VA_ARGS__);                                      \
    } while (0)
#define SCAN_DISPATCH(kern, p, grid, ...)                                                          \
    do {                                                                                           \
        const int k_ = scan_k(p);                                                                  \
        if (scan_cplx(p)) {                                                                        \
            if (k_ == 1) SCAN_LAUNCH(kern, 1, 2, grid, __VA_ARGS__);                               \
            else if (k_ == 2) SCAN_LAUNCH(kern, 2, 2, grid, __VA_ARGS__);                          \
            else if (k_ == 4) SCAN_LAUNCH(kern, 4, 2, grid, __VA_ARGS__);                          \
            else SCAN_LAUNCH(kern, 8, 2, grid, __VA_ARGS__);                                       \
        } else {                                                                                   \
            if (k_ == 1) SCAN_LAUNCH(kern, 1, 1, grid, __VA_ARGS__);                               \
            else if (k_ == 2) SCAN_LAUNCH(kern, 2, 1, grid, __VA_ARGS__);                          \
            else if (k_ == 4) SCAN_LAUNCH(kern, 4, 1, grid, __VA_ARGS__);                          \
            else if (k_ == 8) SCAN_LAUNCH(kern, 8, 1, grid, __VA_ARGS__);                          \
            else SCAN_LAUNCH(kern, 16, 1, grid, __VA_ARGS__);                                      \
        }                                                                                          \
    } while (0)

int sk_cu_scan_fwd(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 0);
    if (rc) return rc;
    const int64_t chunk = scan_chunk(p), nch = (p->len + chunk - 1) / chunk, warps = p->batch * p->dim;
    const int64_t NK = p->dstate * (scan_cplx(p) ? 2 : 1);
    if (warps == 0 || p->len == 0) {   // nothing to scan; the final state is the initial one
        if (p->hT && warps && p->hT != p->h0) {
            const size_t bytes = (size_t)(warps * NK) * sizeof(float);
            if (p->h0) SK_CUDA(cudaMemcpyAsync(p->hT, p->h0, bytes, cudaMemcpyDeviceToDevice, sk_cuda_stream()));
            else SK_CUDA(cudaMemsetAsync(p->hT, 0, bytes, sk_cuda_stream()));
        }
        return SK_OK;
    }
    int64_t blocks = (warps + SCAN_WARPS - 1) / SCAN_WARPS, cap = (int64_t)sk_cuda_sm_count() * 16;
    const unsigned grid = (unsigned)(blocks < cap ? blocks : cap);
    SCAN_DISPATCH(scan_fwd_kernel, p, grid, *p, chunk, nch);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

// Warps of the backward and the scratch floats they need (chunk x 32K x (1|2) per warp).
static void scan_bwd_shape(const scan_t *p, int64_t *blocks, int64_t *floats) {
    const int64_t chunk = scan_chunk(p), ce = chunk < p->len ? chunk : (p->len > 0 ? p->len : 1);
    const int64_t per = ce * 32 * scan_k(p) * (scan_cplx(p) ? 2 : 1);
    int64_t warps = SCAN_WORK_BUDGET / per;
    if (warps > p->dim) warps = p->dim;
    if (warps < 1) warps = 1;
    *blocks = (warps + SCAN_WARPS - 1) / SCAN_WARPS;
    *floats = *blocks * SCAN_WARPS * per;
}

int64_t sk_cu_scan_work_len(const sk_scan_f32 *p) {
    int64_t blocks, floats;
    scan_bwd_shape(p, &blocks, &floats);
    return floats;
}

int sk_cu_scan_bwd(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 1);
    if (rc) return rc;
    const int64_t chunk = scan_chunk(p), nch = (p->len + chunk - 1) / chunk, rows = p->batch * p->len;
    const int64_t NK = p->dstate * (scan_cplx(p) ? 2 : 1);
    // per-position dB, dC are written (=): sums over channels, so clear their N*K columns first
    // (constant ones are parameter gradients: +=)
    if (rows > 0) {
        if (!(p->flags & SK_SCAN_CONST_B)) {
            SK_LAUNCH(zero_cols_kernel, sk_cuda_blocks(rows * NK, 256), 256, p->dB, rows, NK, p->ldb);
            SK_CUDA_LAUNCHED();
        }
        if (!(p->flags & SK_SCAN_CONST_C)) {
            SK_LAUNCH(zero_cols_kernel, sk_cuda_blocks(rows * NK, 256), 256, p->dC, rows, NK, p->ldc);
            SK_CUDA_LAUNCHED();
        }
    }
    if (p->dim == 0 || p->batch == 0) return SK_OK;
    if (p->len == 0) {   // no positions: dh0 = dhT
        if (p->dh0) {
            const size_t bytes = (size_t)(p->batch * p->dim * NK) * sizeof(float);
            if (p->dhT) SK_CUDA(cudaMemcpyAsync(p->dh0, p->dhT, bytes, cudaMemcpyDeviceToDevice, sk_cuda_stream()));
            else SK_CUDA(cudaMemsetAsync(p->dh0, 0, bytes, sk_cuda_stream()));
        }
        return SK_OK;
    }
    int64_t blocks, floats;
    scan_bwd_shape(p, &blocks, &floats);
    float *work = p->work, *own = NULL;
    if (!work || p->work_len < floats) {   // no (or too little) scratch given: allocate for this call
        if ((rc = sk_cuda_scratch_alloc((void **)&own, (size_t)floats * sizeof(float)))) return rc;
        work = own;
    }
    SCAN_DISPATCH(scan_bwd_kernel, p, (unsigned)blocks, *p, chunk, nch, work);
    SK_CUDA_LAUNCHED();
    return sk_cuda_scratch_free(own);
}
