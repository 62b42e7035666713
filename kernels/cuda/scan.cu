// scan.cu — selective scan forward and backward on the GPU (math, shapes, checkpoint contract and
// gradient convention: kernels/sk_ops.h; reference: kernels/cpu/scan_ref.inc).
//
// Layout of the work: one warp per sequence of states. Lane l of a warp owns the states
// n = n0 + l + 32 k, k < K (K in {1, 2, 4, 8, 16}: the state lives in registers), so one "pass"
// covers 32 K states; d_state above 512 runs ceil(N / 512) passes over the sequence, each for its
// own range of n, and the per-position sums over n (y, du, ddelta) are accumulated across passes
// in the output buffers (one warp owns each of those elements, so this is race-free and
// deterministic). No limit on d_state or d_inner; every index is 64-bit.
//
// Forward: a warp per (batch i, channel c). Per position: h = exp(dlt A) h + dlt B u per lane,
// y = warp sum of C h (fixed shuffle tree), lane 0 adds D u, gates with silu(z) and writes.
// The state entering every chunk (before that position's reset) goes to ckpt, as on the CPU.
//
// Backward: a warp per channel c (grid-stride), looping over batches, so dA[c,:], dD[c] and
// ddelta_bias[c] are accumulated in registers by one warp and added once: deterministic. For
// every chunk, in reverse order, the warp recomputes the chunk's states from ckpt into its slot
// of the scratch (chunk x 32K floats per warp, p->work or allocated per call), then walks the
// chunk backwards as the reference does. dB and dC are sums over channels: they are zeroed and
// then accumulated with atomicAdd, so their last bits can differ between runs (the only
// non-deterministic outputs of the scan; a fixed-order reduction is issue 11's).
#include "kernels/cpu/sk_cpu.h"
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_scalar.h"

typedef sk_scan_f32 scan_t;
#define SCAN_WARPS 4                       // warps per block
#define SCAN_MAX_K 16                      // states per lane in one pass: 512 per pass
#define SCAN_WORK_BUDGET ((int64_t)1 << 26) // floats of backward scratch aimed for (256 MiB)

static int64_t scan_chunk(const scan_t *p) {
    int64_t ch = p->chunk ? p->chunk : SK_SCAN_CHUNK_DEFAULT;
    return ch;
}
static int scan_k(int64_t N) {   // states per lane: the smallest power of two that covers N (max 16)
    int k = 1;
    while (k < SCAN_MAX_K && 32 * (int64_t)k < N) k *= 2;
    return k;
}

struct scan_flags {
    bool softplus, negexp;
};
__device__ __forceinline__ float scan_delta(const scan_t &p, int64_t pos, int64_t c, float bias, bool softplus, float *x) {
    float v = p.delta[pos * p.dim + c] + bias;
    *x = v;
    return softplus ? sk_softplusf(v) : v;
}

// ------------------------------------------------------------------------------------------------
template <int K>
__global__ void __launch_bounds__(32 * SCAN_WARPS) scan_fwd_kernel(const scan_t p, int64_t chunk, int64_t nch) {
    const int lane = threadIdx.x & 31;
    const int64_t N = p.dstate, Dm = p.dim, L = p.len, NP = 32 * K, npass = (N + NP - 1) / NP;
    const bool softplus = p.flags & SK_SCAN_SOFTPLUS, negexp = p.flags & SK_SCAN_A_NEG_EXP;
    const int64_t nwarps = (int64_t)gridDim.x * SCAN_WARPS;
    for (int64_t w = blockIdx.x * (int64_t)SCAN_WARPS + threadIdx.x / 32; w < p.batch * Dm; w += nwarps) {
        const int64_t i = w / Dm, c = w % Dm;
        const float Dc = p.D ? p.D[c] : 0.0f, bias = p.delta_bias ? p.delta_bias[c] : 0.0f;
        for (int64_t pass = 0; pass < npass; pass++) {
            const int64_t n0 = pass * NP;
            float h[K], A[K];
#pragma unroll
            for (int k = 0; k < K; k++) {
                const int64_t n = n0 + lane + 32 * k;
                const bool ok = n < N;
                const float a = ok ? p.A[c * N + n] : 0.0f;
                A[k] = negexp ? -expf(a) : a;
                h[k] = ok && p.h0 ? p.h0[(i * Dm + c) * N + n] : 0.0f;
            }
            int64_t tc = 0;   // position within the chunk
            for (int64_t t = 0; t < L; t++, tc = tc + 1 == chunk ? 0 : tc + 1) {
                const int64_t pos = i * L + t;
                if (p.ckpt && tc == 0) {
                    float *ck = p.ckpt + ((i * nch + t / chunk) * Dm + c) * N;
#pragma unroll
                    for (int k = 0; k < K; k++)
                        if (n0 + lane + 32 * k < N) ck[n0 + lane + 32 * k] = h[k];
                }
                const bool rs = p.reset && p.reset[pos];
                float x;
                const float dlt = scan_delta(p, pos, c, bias, softplus, &x), u = p.u[pos * Dm + c];
                float y = 0;
#pragma unroll
                for (int k = 0; k < K; k++) {
                    const int64_t n = n0 + lane + 32 * k;
                    if (n < N) {
                        // h = exp(delta A) h + delta B u ; y = sum_n C h
                        h[k] = expf(dlt * A[k]) * (rs ? 0.0f : h[k]) + dlt * p.B[pos * p.ldb + n] * u;
                        y += p.C[pos * p.ldc + n] * h[k];
                    }
                }
                y = sk_warp_sum(y);
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
                for (int k = 0; k < K; k++)
                    if (n0 + lane + 32 * k < N) p.hT[(i * Dm + c) * N + n0 + lane + 32 * k] = h[k];
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// zero the first N columns of each of `rows` rows of stride ld
__global__ void zero_cols_kernel(float *x, int64_t rows, int64_t N, int64_t ld) {
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < rows * N; e += (int64_t)gridDim.x * blockDim.x)
        x[(e / N) * ld + e % N] = 0.0f;
}

template <int K>
__global__ void __launch_bounds__(32 * SCAN_WARPS) scan_bwd_kernel(const scan_t p, int64_t chunk, int64_t nch, float *work) {
    const int lane = threadIdx.x & 31;
    const int64_t N = p.dstate, Dm = p.dim, L = p.len, NP = 32 * K, npass = (N + NP - 1) / NP;
    const int64_t ce = chunk < L ? chunk : L;   // positions a chunk can hold
    const bool softplus = p.flags & SK_SCAN_SOFTPLUS, negexp = p.flags & SK_SCAN_A_NEG_EXP;
    const int64_t nwarps = (int64_t)gridDim.x * SCAN_WARPS, slot = blockIdx.x * (int64_t)SCAN_WARPS + threadIdx.x / 32;
    float *S = work + slot * ce * NP;   // S[tt * NP + lane + 32 k]: state after the update at t0 + tt
    for (int64_t c = slot; c < Dm; c += nwarps) {
        const float Dc = p.D ? p.D[c] : 0.0f, bias = p.delta_bias ? p.delta_bias[c] : 0.0f;
        float dD_acc = 0, ddb_acc = 0;   // lane 0
        for (int64_t pass = 0; pass < npass; pass++) {
            const int64_t n0 = pass * NP;
            const bool first = pass == 0, last = pass == npass - 1;
            float A[K], dA_acc[K];
#pragma unroll
            for (int k = 0; k < K; k++) {
                const int64_t n = n0 + lane + 32 * k;
                const float a = n < N ? p.A[c * N + n] : 0.0f;
                A[k] = negexp ? -expf(a) : a;
                dA_acc[k] = 0;
            }
            for (int64_t i = 0; i < p.batch; i++) {
                float g[K];   // dL/dh
#pragma unroll
                for (int k = 0; k < K; k++) {
                    const int64_t n = n0 + lane + 32 * k;
                    g[k] = n < N && p.dhT ? p.dhT[(i * Dm + c) * N + n] : 0.0f;
                }
                for (int64_t j = nch - 1; j >= 0; j--) {
                    const int64_t t0 = j * chunk, t1 = t0 + chunk < L ? t0 + chunk : L;
                    float hc[K];   // the state entering the chunk (before a reset at t0)
#pragma unroll
                    for (int k = 0; k < K; k++) {
                        const int64_t n = n0 + lane + 32 * k;
                        hc[k] = n < N ? p.ckpt[((i * nch + j) * Dm + c) * N + n] : 0.0f;
                    }
                    // recompute the chunk's states (each lane writes and later reads only its own n)
                    {
                        float h[K];
#pragma unroll
                        for (int k = 0; k < K; k++) h[k] = hc[k];
                        for (int64_t t = t0; t < t1; t++) {
                            const int64_t pos = i * L + t;
                            const bool rs = p.reset && p.reset[pos];
                            float x;
                            const float dlt = scan_delta(p, pos, c, bias, softplus, &x), u = p.u[pos * Dm + c];
#pragma unroll
                            for (int k = 0; k < K; k++) {
                                const int64_t n = n0 + lane + 32 * k;
                                if (n < N) {
                                    h[k] = expf(dlt * A[k]) * (rs ? 0.0f : h[k]) + dlt * p.B[pos * p.ldb + n] * u;
                                    S[(t - t0) * NP + lane + 32 * k] = h[k];
                                }
                            }
                        }
                    }
                    for (int64_t t = t1 - 1; t >= t0; t--) {
                        const int64_t pos = i * L + t;
                        const bool rs = p.reset && p.reset[pos];
                        float x;
                        const float dlt = scan_delta(p, pos, c, bias, softplus, &x), u = p.u[pos * Dm + c];
                        const float dout = p.dout[pos * Dm + c];
                        float dy = dout, zv = 0;
                        if (p.z) zv = p.z[pos * p.ldz + c], dy = dout * sk_siluf(zv);   // out = y silu(z)
                        float yp = 0, du = 0, ddlt = 0;
#pragma unroll
                        for (int k = 0; k < K; k++) {
                            const int64_t n = n0 + lane + 32 * k;
                            if (n < N) {
                                const float hcur = S[(t - t0) * NP + lane + 32 * k];
                                const float hp = rs ? 0.0f : (t == t0 ? hc[k] : S[(t - t0 - 1) * NP + lane + 32 * k]);
                                const float a = expf(dlt * A[k]), Bn = p.B[pos * p.ldb + n], Cn = p.C[pos * p.ldc + n];
                                yp += Cn * hcur;
                                g[k] += dy * Cn;                                   // dL/dh_t
                                atomicAdd(&p.dC[pos * p.ldc + n], dy * hcur);
                                atomicAdd(&p.dB[pos * p.ldb + n], g[k] * dlt * u);
                                du += g[k] * dlt * Bn;
                                ddlt += g[k] * (A[k] * a * hp + Bn * u);           // d/d delta of exp(dA)h + dBu
                                float dA = g[k] * dlt * a * hp;                    // d/dA
                                if (negexp) dA *= A[k];                            // dA/dA_log = A
                                dA_acc[k] += dA;
                                g[k] = rs ? 0.0f : g[k] * a;                       // dL/dh_{t-1}
                            }
                        }
                        if (p.z) yp = sk_warp_sum(yp);
                        du = sk_warp_sum(du);
                        ddlt = sk_warp_sum(ddlt);
                        if (lane == 0) {
                            float *pdu = p.du + pos * Dm + c, *pdd = p.ddelta + pos * Dm + c;
                            float *pdz = p.z ? p.dz + pos * p.ldz + c : NULL;
                            if (first) {
                                if (p.D) du += dy * Dc, dD_acc += dy * u;
                                yp += Dc * u;
                            } else {   // add the partial sums of the earlier passes
                                du += *pdu, ddlt += *pdd;
                                if (pdz) yp += *pdz;
                            }
                            if (last) {
                                if (softplus) ddlt *= sk_dsoftplusf(x);
                                ddb_acc += ddlt;
                                if (pdz) *pdz = dout * yp * sk_dsiluf(zv);         // dz = dout y silu'(z)
                            } else if (pdz) {
                                *pdz = yp;   // partial y, kept for the next pass
                            }
                            *pdu = du, *pdd = ddlt;
                        }
                    }
                }
                if (p.dh0) {
#pragma unroll
                    for (int k = 0; k < K; k++) {
                        const int64_t n = n0 + lane + 32 * k;
                        if (n < N) p.dh0[(i * Dm + c) * N + n] = g[k];
                    }
                }
            }
#pragma unroll
            for (int k = 0; k < K; k++) {
                const int64_t n = n0 + lane + 32 * k;
                if (n < N) p.dA[c * N + n] += dA_acc[k];
            }
        }
        if (lane == 0) {
            if (p.D) p.dD[c] += dD_acc;
            if (p.delta_bias) p.ddelta_bias[c] += ddb_acc;
        }
    }
}

// ------------------------------------------------------------------------------------------------
#define SCAN_DISPATCH(kern, K, grid, ...)                                                          \
    switch (K) {                                                                                   \
    case 1: kern<1><<<grid, 32 * SCAN_WARPS, 0, sk_cuda_stream()>>>(__VA_ARGS__); break;           \
    case 2: kern<2><<<grid, 32 * SCAN_WARPS, 0, sk_cuda_stream()>>>(__VA_ARGS__); break;           \
    case 4: kern<4><<<grid, 32 * SCAN_WARPS, 0, sk_cuda_stream()>>>(__VA_ARGS__); break;           \
    case 8: kern<8><<<grid, 32 * SCAN_WARPS, 0, sk_cuda_stream()>>>(__VA_ARGS__); break;           \
    default: kern<16><<<grid, 32 * SCAN_WARPS, 0, sk_cuda_stream()>>>(__VA_ARGS__); break;         \
    }

int sk_cu_scan_fwd(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 0);
    if (rc) return rc;
    const int64_t chunk = scan_chunk(p), nch = (p->len + chunk - 1) / chunk, warps = p->batch * p->dim;
    if (warps == 0 || p->len == 0) {   // nothing to scan; the final state is the initial one
        if (p->hT && warps) {
            const size_t bytes = (size_t)(warps * p->dstate) * sizeof(float);
            if (p->h0) SK_CUDA(cudaMemcpyAsync(p->hT, p->h0, bytes, cudaMemcpyDeviceToDevice, sk_cuda_stream()));
            else SK_CUDA(cudaMemsetAsync(p->hT, 0, bytes, sk_cuda_stream()));
        }
        return SK_OK;
    }
    int64_t blocks = (warps + SCAN_WARPS - 1) / SCAN_WARPS, cap = (int64_t)sk_cuda_sm_count() * 16;
    const unsigned grid = (unsigned)(blocks < cap ? blocks : cap);
    SCAN_DISPATCH(scan_fwd_kernel, scan_k(p->dstate), grid, *p, chunk, nch);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

// Warps of the backward and the scratch floats they need (chunk x 32K per warp).
static void scan_bwd_shape(const scan_t *p, int64_t *blocks, int64_t *floats) {
    const int64_t chunk = scan_chunk(p), ce = chunk < p->len ? chunk : (p->len > 0 ? p->len : 1);
    const int64_t per = ce * 32 * scan_k(p->dstate);
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
    // dB, dC are written (=): sums over channels, so clear their N columns first
    if (rows > 0) {
        zero_cols_kernel<<<sk_cuda_blocks(rows * p->dstate, 256), 256, 0, sk_cuda_stream()>>>(p->dB, rows, p->dstate, p->ldb);
        SK_CUDA_LAUNCHED();
        zero_cols_kernel<<<sk_cuda_blocks(rows * p->dstate, 256), 256, 0, sk_cuda_stream()>>>(p->dC, rows, p->dstate, p->ldc);
        SK_CUDA_LAUNCHED();
    }
    if (p->dim == 0) return SK_OK;
    if (p->len == 0 || p->batch == 0) {   // no positions: dh0 = dhT
        if (p->dh0 && p->batch) {
            const size_t bytes = (size_t)(p->batch * p->dim * p->dstate) * sizeof(float);
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
    SCAN_DISPATCH(scan_bwd_kernel, scan_k(p->dstate), (unsigned)blocks, *p, chunk, nch, work);
    SK_CUDA_LAUNCHED();
    return sk_cuda_scratch_free(own);
}
