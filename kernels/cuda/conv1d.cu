// conv1d.cu — causal depthwise conv1d with carried state and resets (math, shapes and the
// gradient convention: kernels/sk_ops.h; reference: kernels/cpu/conv1d_ref.inc).
//
// Every output is computed where it is stored ("gather"), so no two threads write one element:
//   out[i,t,c]      one thread each; pre_t = bias + sum_k w[c,k] xin(t-(W-1)+k), where the sum
//                   walks s = t, t-1, ... and stops after a reset at s (s starts the sequence);
//   state_out       one thread per (i, c) walking k upwards (may alias state_in, as on the CPU);
//   dx[i,s,c]       sum over t = s .. s+W-1 of dpre_t w[c, s-t+W-1] while no reset lies in (s, t],
//                   plus dstate_out for the last W-1 positions; dpre_t is recomputed (O(W^2)
//                   per element: simple first, kernels/README.md §Open work);
//   dstate_in       the same sum for s < 0 (valid while no reset lies in [0, t]);
//   dw, dbias       per (channel, tap): a block of 32 channels x 8 row lanes sums over all
//                   (i, t) and combines the lanes in a fixed order: deterministic, no atomics.
// supports: any b, L, D, W (64-bit indices; W is a loop bound, not a template).
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_scalar.h"

typedef sk_conv1d_f32 conv_t;

// input at position s in [-(W-1), L) of sequence i, channel c (s < 0: the carried state)
__device__ __forceinline__ float conv_xin(const conv_t &p, int64_t i, int64_t c, int64_t s) {
    if (s >= 0) return p.x[(i * p.len + s) * p.ldx + c];
    return p.state_in ? p.state_in[(i * (p.width - 1) + s + p.width - 1) * p.dim + c] : 0.0f;
}
__device__ __forceinline__ bool conv_reset(const conv_t &p, int64_t i, int64_t r) {
    return p.reset && r >= 0 && p.reset[i * p.len + r];
}
// pre-activation at position t
__device__ float conv_pre(const conv_t &p, int64_t i, int64_t c, int64_t t) {
    const int64_t W = p.width;
    float acc = p.bias ? p.bias[c] : 0.0f;
    for (int64_t k = W - 1; k >= 0; k--) {
        const int64_t s = t - (W - 1) + k;
        acc += p.w[c * W + k] * conv_xin(p, i, c, s);
        if (conv_reset(p, i, s)) break;   // s starts the sequence: earlier inputs are not seen
    }
    return acc;
}
// dL/dpre at position t
__device__ __forceinline__ float conv_dpre(const conv_t &p, int64_t i, int64_t c, int64_t t) {
    float g = p.dout[(i * p.len + t) * p.dim + c];
    return p.act == SK_ACT_SILU ? g * sk_dsiluf(conv_pre(p, i, c, t)) : g;
}
// true when no reset lies at any position r with a < r <= b
__device__ __forceinline__ bool conv_open(const conv_t &p, int64_t i, int64_t a, int64_t b) {
    for (int64_t r = a + 1 < 0 ? 0 : a + 1; r <= b; r++)
        if (conv_reset(p, i, r)) return false;
    return true;
}

__global__ void conv_fwd_kernel(const conv_t p) {
    SK_GRID_LOOP(e, p.batch * p.len * p.dim) {
        const int64_t c = e % p.dim, pos = e / p.dim, i = pos / p.len, t = pos % p.len;
        const float pre = conv_pre(p, i, c, t);
        p.out[e] = p.act == SK_ACT_SILU ? sk_siluf(pre) : pre;
    }
}
// the last W-1 inputs of the current sequence, oldest first; ascending k reads state index
// L+k >= k, so state_out may alias state_in (each thread owns one (i, c))
__global__ void conv_state_kernel(const conv_t p) {
    SK_GRID_LOOP(e, p.batch * p.dim) {
        const int64_t c = e % p.dim, i = e / p.dim, W = p.width, L = p.len;
        for (int64_t k = 0; k < W - 1; k++) {
            const int64_t s = L - (W - 1) + k;
            const float v = conv_open(p, i, s, L - 1) ? conv_xin(p, i, c, s) : 0.0f;
            p.state_out[(i * (W - 1) + k) * p.dim + c] = v;
        }
    }
}

// gradient w.r.t. the input at position s (s >= 0: dx, s < 0: dstate_in)
__device__ float conv_dxin(const conv_t &p, int64_t i, int64_t c, int64_t s) {
    const int64_t W = p.width, L = p.len;
    float acc = 0;
    const int64_t t0 = s < 0 ? 0 : s;
    for (int64_t t = t0; t <= s + W - 1 && t < L; t++) {
        if (t > s && conv_reset(p, i, t)) break;   // a reset in (s, t]: s is not in t's sequence
        acc += conv_dpre(p, i, c, t) * p.w[c * W + (s - t + W - 1)];
    }
    if (p.dstate_out && s >= L - (W - 1) && conv_open(p, i, s, L - 1))
        acc += p.dstate_out[(i * (W - 1) + s - L + W - 1) * p.dim + c];
    return acc;
}
__global__ void conv_dx_kernel(const conv_t p) {
    SK_GRID_LOOP(e, p.batch * p.len * p.dim) {
        const int64_t c = e % p.dim, pos = e / p.dim, i = pos / p.len, s = pos % p.len;
        p.dx[pos * p.ldx + c] = conv_dxin(p, i, c, s);
    }
}
__global__ void conv_dstate_kernel(const conv_t p) {
    const int64_t W = p.width;
    SK_GRID_LOOP(e, p.batch * (W - 1) * p.dim) {
        const int64_t c = e % p.dim, r = e / p.dim, i = r / (W - 1), j = r % (W - 1);
        p.dstate_in[e] = conv_dxin(p, i, c, j - (W - 1));
    }
}
// block (32, 8), grid (ceil(D/32), W + 1): tap k = blockIdx.y (k == W: the bias)
__global__ void conv_dw_kernel(const conv_t p) {
    __shared__ float part[8][33];
    const int64_t c = blockIdx.x * (int64_t)32 + threadIdx.x, k = blockIdx.y, W = p.width, L = p.len;
    float acc = 0;
    if (c < p.dim)
        for (int64_t pos = threadIdx.y; pos < p.batch * L; pos += 8) {
            const int64_t i = pos / L, t = pos % L, s = t - (W - 1) + k;
            if (k == W) acc += conv_dpre(p, i, c, t);
            else if (conv_open(p, i, s, t)) acc += conv_dpre(p, i, c, t) * conv_xin(p, i, c, s);
        }
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < p.dim) {
        float sum = 0;
        for (int y = 0; y < 8; y++) sum += part[y][threadIdx.x];
        if (k == W) p.dbias[c] += sum;
        else p.dw[c * W + k] += sum;
    }
}

int sk_cu_conv1d_fwd(const sk_conv1d_f32 *p) {
    int rc = sk_conv1d_check_f32(p, 0);
    if (rc) return rc;
    const int64_t n = p->batch * p->len * p->dim;
    if (n > 0) {
        SK_LAUNCH(conv_fwd_kernel, sk_cuda_blocks(n, 256), 256, *p);
        SK_CUDA_LAUNCHED();
    }
    // after the outputs (which read state_in): state_out may alias it
    if (p->state_out && p->width > 1 && p->batch * p->dim > 0) {
        SK_LAUNCH(conv_state_kernel, sk_cuda_blocks(p->batch * p->dim, 256), 256, *p);
        SK_CUDA_LAUNCHED();
    }
    return SK_OK;
}

int sk_cu_conv1d_bwd(const sk_conv1d_f32 *p) {
    int rc = sk_conv1d_check_f32(p, 1);
    if (rc) return rc;
    const int64_t n = p->batch * p->len * p->dim, ns = p->batch * (p->width - 1) * p->dim;
    if (n > 0) {
        SK_LAUNCH(conv_dx_kernel, sk_cuda_blocks(n, 256), 256, *p);
        SK_CUDA_LAUNCHED();
    }
    if (p->dstate_in && ns > 0) {
        SK_LAUNCH(conv_dstate_kernel, sk_cuda_blocks(ns, 256), 256, *p);
        SK_CUDA_LAUNCHED();
    }
    if (p->dim > 0) {
        // supports: W + 1 <= 65535 taps (grid y), D <= 32 * (2^31 - 1)
        if (p->width + 1 > 65535) return sk_error(SK_EUNSUP, "conv1d backward on cuda: width %lld > 65534", (long long)p->width);
        dim3 grid((unsigned)((p->dim + 31) / 32), (unsigned)(p->width + (p->bias ? 1 : 0)));
        SK_LAUNCH(conv_dw_kernel, grid, dim3(32, 8), *p);
        SK_CUDA_LAUNCHED();
    }
    return SK_OK;
}
