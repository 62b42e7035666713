/* scan.c — selective scan family: the reference (scan_ref.inc, float and double) and the
 * optimized fp32 forward/backward used by the CPU backend. Math and shapes: kernels/sk_ops.h.
 *
 * Optimized layout: a block = SK_SCAN_VW (16) consecutive channels, one sk_vf vector; one task
 * = a group of up to SK_GROUP blocks for all batch rows (so the per-channel parameter gradients
 * dA, dD, ddelta_bias have one owner and need no atomics), swept position tile by position tile
 * so neighbouring blocks share the fetched rows. The state of a block is h[n] (N vectors); the
 * inner loop over n updates 16 channels at once (exp/softplus/sigmoid from sk_vmath.h; the
 * d_state loop stays sequential, as in the official kernel). B[t,:] and C[t,:] are broadcast
 * across the block. dB/dC sum over channels: each block's 16 lanes are summed per position by a
 * transposing tree (sk_v_hsum16) into its thread's own (b, L, N) partials in scratch, reduced
 * after the parallel region in thread order (deterministic for a given thread count). The
 * backward's versions (the kernel lab's numbers; kernels/README.md §Kernel lab) are one body,
 * bwd_group_t, with the version a compile-time argument.
 *
 * Modes (sk_ops.h): complex modes (SK_SCAN_COMPLEX) keep two planes per mode, h[2n][j] = re and
 * h[2n+1][j] = im, so the complex update (sk_complex.h; e^{dlt A} from sk_v_exp and
 * sk_v_sincos) vectorizes over channels like the real one. Constant B/C (SK_SCAN_CONST_B/C) are
 * loaded once per block into (N*K x VW) planes and their gradients accumulate per block (one
 * owner, no reduction). The block kernels fwd_group / bwd_block are written once over
 * (K, constant B, constant C) and instantiated per mode (always-inline bodies called with
 * constants from one clone per mode, SCAN_MODES), so the real variable-B/C path has no
 * run-time tests on the mode in its inner loops. delta == NULL (per-channel step) is a run-time
 * test per position.
 */
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/cpu/sk_vmath.h"
#include "kernels/sk_complex.h"
#include "kernels/sk_scalar.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

#define SK_REF_INC "kernels/cpu/scan_ref.inc"
#include "kernels/cpu/sk_instantiate.h"

#define VW SK_SCAN_VW
_Static_assert(SK_SCAN_VW == SK_VLANES, "one vector per channel block");

/* The block kernels are SK_CLONES (sk_vmath.h): AVX-512, AVX2+FMA and baseline versions. */
#define SK_PREFETCH 8 /* positions ahead */
#define SK_GROUP 8     /* at most this many channel blocks per forward task */
#define SK_TILE 32     /* positions swept per block before moving to the next block of the group */
#define PAD16(n) (((n) + 15) & ~(int64_t)15)
#define SK_SCAN_SERIAL 32768 /* batch * len * dim * d_state below which the scan runs on one thread */

float sk_vexpf_test(float x) { return sk_v_exp(sk_v_splat(x))[3]; }
float sk_vsoftplusf_test(float x) { return sk_v_softplus(sk_v_splat(x))[5]; }
void sk_vsincosf_test(float x, float *s, float *c) {
    sk_vf vs, vc;
    sk_v_sincos(sk_v_splat(x), &vs, &vc);
    *s = vs[7], *c = vc[7];
}

static int max_threads(void) {
#ifdef SSMKIT_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
static int thread_id(void) {
#ifdef SSMKIT_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int team_size(void) {
#ifdef SSMKIT_HAVE_OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

static int64_t chunk_of(const sk_scan_f32 *p) { return p->chunk ? p->chunk : SK_SCAN_CHUNK_DEFAULT; }

/* Per-thread scratch (floats), offsets from the thread's base; NKV = N*K*VW floats hold one set
 * of (N*K x VW) planes. Forward: the states, A, constant B and C of a group of SK_GROUP blocks.
 * Backward: per block of a group, A, g, the dA accumulators, constant B, C and their gradient
 * accumulators (SK_GROUP plane sets each); the chunk's states H ((chunk+1) plane sets), its
 * delta and softplus', dy and u (chunk x VW each), one plane set of a position's dB or dC terms
 * (tv, version >= 3), its decays exp(dl A) (chunk plane sets, real modes: the reverse sweep reads
 * them instead of recomputing the exp), versions 1-2's variable dB, dC terms as channel vectors
 * summed over the group's blocks (chunk plane sets each, reduced across lanes once per group), and
 * this thread's partials of the variable dB, dC (b*L*N*K each; none when constant). */
typedef struct scan_lay {
    int64_t K, NK, ch;                /* components per mode, N*K, chunk length used for H */
    int64_t fh, fA, fB, fC;           /* forward: group states, A, B, C */
    int64_t At, g, dA, Bk, Ck, dBk, dCk, H, dl, sp, dy, ub, tv, ab, dBv, dCv, dBp, dCp;
    int64_t per;
} scan_lay;

static scan_lay scan_layout(const sk_scan_f32 *p) {
    scan_lay y;
    y.K = (p->flags & SK_SCAN_COMPLEX) ? 2 : 1;
    y.NK = p->dstate * y.K;
    y.ch = chunk_of(p);
    if (y.ch > p->len && p->len > 0) y.ch = p->len;
    const int64_t nkv = PAD16(y.NK * VW), gkv = SK_GROUP * nkv, bln = PAD16(p->batch * p->len * y.NK);
    y.fh = 0, y.fA = gkv, y.fB = 2 * gkv, y.fC = 3 * gkv;
    const int64_t fwd = (p->flags & SK_SCAN_CONST_C) ? 4 * gkv : (p->flags & SK_SCAN_CONST_B) ? 3 * gkv : 2 * gkv;
    y.At = 0, y.g = gkv, y.dA = 2 * gkv, y.Bk = 3 * gkv, y.Ck = 4 * gkv, y.dBk = 5 * gkv, y.dCk = 6 * gkv;
    y.H = 7 * gkv;
    y.dl = y.H + PAD16((y.ch + 1) * y.NK * VW);
    y.sp = y.dl + y.ch * VW, y.dy = y.dl + 2 * y.ch * VW, y.ub = y.dl + 3 * y.ch * VW;
    const int64_t cnkv = PAD16(y.ch * y.NK * VW);
    y.tv = y.dl + 4 * y.ch * VW, y.ab = y.dl + PAD16(4 * y.ch * VW + y.NK * VW);
    y.dBv = y.ab + cnkv;
    y.dCv = y.dBv + ((p->flags & SK_SCAN_CONST_B) ? 0 : cnkv);
    y.dBp = y.dCv + ((p->flags & SK_SCAN_CONST_C) ? 0 : cnkv);
    y.dCp = y.dBp + ((p->flags & SK_SCAN_CONST_B) ? 0 : bln);
    const int64_t bwd = y.dCp + ((p->flags & SK_SCAN_CONST_C) ? 0 : bln);
    y.per = fwd > bwd ? fwd : bwd;
    return y;
}
static int64_t per_thread(const sk_scan_f32 *p) { return scan_layout(p).per; }

int64_t sk_scan_work_len_nth_f32(const sk_scan_f32 *p, int nthreads) {
    return (nthreads < 1 ? 1 : nthreads) * per_thread(p);
}
int64_t sk_scan_work_len_f32(const sk_scan_f32 *p) { return sk_scan_work_len_nth_f32(p, max_threads()); }

/* Threads to use and the scratch for them (allocated when p->work is NULL: *owned is set). */
static int scan_work(const sk_scan_f32 *p, float **work, float **owned, int *nth) {
    int64_t per = per_thread(p);
    int n = max_threads();
    int64_t nblk = (p->dim + VW - 1) / VW;
    if (n > nblk) n = (int)(nblk > 0 ? nblk : 1);
    /* Small scans (a recurrent step: len 1) run on one thread: below SK_SCAN_SERIAL state updates
     * the fork/join of a parallel region costs more than the work it would split. */
    if (p->batch * p->len * p->dim * p->dstate < SK_SCAN_SERIAL) n = 1;
    *owned = NULL;
    if (p->work) {
        if (p->work_len < per)
            return sk_error(SK_EINVAL, "selective scan: scratch of %lld floats is smaller than the %lld "
                                       "one thread needs (sk_scan_work_len_f32)", (long long)p->work_len, (long long)per);
        if (n > p->work_len / per) n = (int)(p->work_len / per);
        *work = p->work;
    } else {
        *owned = *work = malloc((size_t)(n * per) * sizeof(float));
        if (!*work) return sk_error(SK_ENOMEM, "selective scan: cannot allocate %.1f MiB of scratch", n * per * 4.0 / 1048576);
    }
    *nth = n;
    return SK_OK;
}

/* A block's A planes (padded with 0): At[n*K*VW + j] = A_re (or -exp(A_log)), and
 * At[(2n+1)*VW + j] = A_imag when complex (K = 2). */
SK_VI void load_A(const sk_scan_f32 *p, int64_t c0, int64_t w, int64_t K, float *At) {
    for (int64_t n = 0; n < p->dstate; n++) {
        for (int64_t j = 0; j < VW; j++) {
            At[n * K * VW + j] = j < w ? p->A[(c0 + j) * p->dstate + n] : 0;
            if (K == 2) At[(2 * n + 1) * VW + j] = j < w ? p->A_imag[(c0 + j) * p->dstate + n] : 0;
        }
        if (p->flags & SK_SCAN_A_NEG_EXP) { /* A = -exp(A_log) on the w valid lanes (sk_v_exp: one vector, not VW expf calls) */
            const sk_vf e = -sk_v_exp(sk_v_load(At + n * K * VW));
            for (int64_t j = 0; j < VW; j++) At[n * K * VW + j] = j < w ? e[j] : 0;
        }
    }
}
/* A block's slice src[j*NK + m] of a (D, N*K) per-channel tensor (h0, hT, ckpt, constant B/C)
 * as planes dst[m*VW + j], m < NK (zeros past w channels, or everywhere when src is NULL); and
 * back (add: +=, for the constant dB/dC). */
static void load_planes(const float *src, int64_t NK, int64_t w, float *dst) {
    for (int64_t m = 0; m < NK; m++)
        for (int64_t j = 0; j < VW; j++) dst[m * VW + j] = src && j < w ? src[j * NK + m] : 0;
}
static void store_planes(float *dst, int64_t NK, int64_t w, const float *src, int add) {
    for (int64_t j = 0; j < w; j++)
        for (int64_t m = 0; m < NK; m++) dst[j * NK + m] = (add ? dst[j * NK + m] : 0) + src[m * VW + j];
}
/* Mode component m of B or C for the block: a constant plane, or the position's row value
 * broadcast over the block (isconst is a compile-time constant in the mode bodies). */
#define BCV(isconst, plane, row, m) ((isconst) ? sk_v_load((plane) + (m) * VW) : bcast((row)[m]))
/* x in every lane (sk_v_splat; measured: `x - 0` and a 16-element initializer were slower: inside
 * the target_clones bodies GCC builds the initializer as 16 masked broadcasts) */
SK_VI sk_vf bcast(float x) { return sk_v_splat(x); }
/* Per-channel vector of a block (delta_bias, D), zero past the w valid channels or if absent. */
SK_VI sk_vf load_chan(const float *v, int64_t c0, int64_t w) {
    float t[VW];
    for (int64_t j = 0; j < VW; j++) t[j] = v && j < w ? v[c0 + j] : 0;
    return sk_v_load(t);
}
/* A block's row of a (b, L, ld) tensor, zero-padded past the w valid channels. */
SK_VI sk_vf load_row(const float *src, int64_t w) {
    if (w == VW) return sk_v_load(src);
    float t[VW];
    for (int64_t j = 0; j < VW; j++) t[j] = j < w ? src[j] : 0;
    return sk_v_load(t);
}
/* raw delta of a block's row (0 when delta is NULL: the step is delta_bias alone) */
SK_VI sk_vf load_delta_row(const sk_scan_f32 *p, int64_t pos, int64_t c0, int64_t w) {
    return p->delta ? load_row(p->delta + pos * p->dim + c0, w) : sk_v_splat(0);
}
SK_VI void store_row(float *dst, int64_t w, sk_vf v) {
    if (w == VW) {
        sk_v_store(dst, v);
        return;
    }
    for (int64_t j = 0; j < w; j++) dst[j] = v[j];
}
/* delta after bias and softplus (x = delta + bias); *sp = softplus'(x) (1 without softplus) */
SK_VI sk_vf block_delta(const sk_scan_f32 *p, sk_vf x, sk_vf *sp) {
    if (!(p->flags & SK_SCAN_SOFTPLUS)) {
        if (sp) *sp = sk_v_splat(1.0f);
        return x;
    }
    if (sp) *sp = sk_v_select(x > (float)SK_SOFTPLUS_THRESHOLD, sk_v_splat(1.0f), sk_v_sigmoid(x));
    return sk_v_softplus(x);
}

/* One position of one block: h <- exp(dl A) h + dl u B (from hp, zeroed by keep = 0 across a
 * reset, into hn; hp == hn in the forward) and, if y, y += Re(sum_n C h) (not yet times K); if
 * aout (real modes), the decays exp(dl A) go there for the backward's reverse sweep. */
SK_VI void block_update(const float *At, const float *Bk, const float *Bt, const float *Ck, const float *Ct, sk_vf dl,
                        sk_vf dlu, float keep, const float *hp, float *hn, sk_vf *y, float *aout, int64_t N, const int K,
                        const int cB, const int cC) {
    for (int64_t n = 0; n < N; n++) {
        if (K == 1) {
            /* h = exp(delta A) h + delta B u;  y += C h */
            const sk_vf a = sk_v_exp(dl * sk_v_load(At + n * VW));
            if (aout) sk_v_store(aout + n * VW, a);
            sk_vf hv = a * (keep * sk_v_load(hp + n * VW)) + dlu * BCV(cB, Bk, Bt, n);
            sk_v_store(hn + n * VW, hv);
            if (y) *y += BCV(cC, Ck, Ct, n) * hv;
        } else {
            /* complex: a = e^{dl Re A} (cos, sin)(dl Im A); h = a h + dl u B; y += Re(C h) */
            sk_vf e = sk_v_exp(dl * sk_v_load(At + 2 * n * VW)), sn, cs;
            sk_v_sincos(dl * sk_v_load(At + (2 * n + 1) * VW), &sn, &cs);
            const sk_vf er = e * cs, ei = e * sn;
            const sk_vf pr = keep * sk_v_load(hp + 2 * n * VW), pi = keep * sk_v_load(hp + (2 * n + 1) * VW);
            const sk_vf nr = SK_CMUL_RE(er, ei, pr, pi) + dlu * BCV(cB, Bk, Bt, 2 * n);
            const sk_vf ni = SK_CMUL_IM(er, ei, pr, pi) + dlu * BCV(cB, Bk, Bt, 2 * n + 1);
            sk_v_store(hn + 2 * n * VW, nr), sk_v_store(hn + (2 * n + 1) * VW, ni);
            if (y) *y += SK_CMUL_RE(BCV(cC, Ck, Ct, 2 * n), BCV(cC, Ck, Ct, 2 * n + 1), nr, ni);
        }
    }
}

/* The forward's unit of work: blocks [blo, bhi) (consecutive groups of VW channels), all batch
 * rows. The positions are swept in tiles of SK_TILE: every block of the group runs through the
 * tile before the next tile starts, so the rows of u, delta, z and out (D floats apart) are
 * fetched once per tile and shared by neighbouring blocks. ws: this thread's scratch (states,
 * A, constant B and C of the group: (bhi-blo) x N*K x VW each). */
SK_VI void fwd_group_t(const sk_scan_f32 *p, int64_t blo, int64_t bhi, float *ws, const scan_lay *ly, const int K,
                       const int cB, const int cC) {
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, NK = ly->NK, ch = chunk_of(p), nch = (L + ch - 1) / ch;
    float *hs = ws + ly->fh, *As = ws + ly->fA, *Bs = ws + ly->fB, *Cs = ws + ly->fC;
    sk_vf bv[SK_GROUP], Dv[SK_GROUP];
    for (int64_t g = blo; g < bhi; g++) {
        const int64_t c0 = g * VW, w = Dm - c0 < VW ? Dm - c0 : VW, o = (g - blo) * NK * VW;
        load_A(p, c0, w, K, As + o);
        if (cB) load_planes(p->B + c0 * NK, NK, w, Bs + o);
        if (cC) load_planes(p->C + c0 * NK, NK, w, Cs + o);
        bv[g - blo] = load_chan(p->delta_bias, c0, w), Dv[g - blo] = load_chan(p->D, c0, w);
    }
    for (int64_t i = 0; i < p->batch; i++) {
        for (int64_t g = blo; g < bhi; g++) {
            const int64_t c0 = g * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
            load_planes(p->h0 ? p->h0 + (i * Dm + c0) * NK : NULL, NK, w, hs + (g - blo) * NK * VW);
        }
        for (int64_t t0 = 0; t0 < L; t0 += SK_TILE) {
            const int64_t t1 = t0 + SK_TILE < L ? t0 + SK_TILE : L;
            for (int64_t g = blo; g < bhi; g++) {
                const int64_t c0 = g * VW, w = Dm - c0 < VW ? Dm - c0 : VW, o = (g - blo) * NK * VW;
                float *h = hs + o;
                const float *At = As + o, *Bk = Bs + o, *Ck = Cs + o;
                int64_t k = (t0 + ch - 1) / ch, next = k * ch; /* the next chunk start >= t0 */
                for (int64_t t = t0; t < t1; t++) {
                    const int64_t pos = i * L + t;
                    if (t == next) { /* a chunk starts: checkpoint the state entering it */
                        if (p->ckpt) store_planes(p->ckpt + ((i * nch + k) * Dm + c0) * NK, NK, w, h, 0);
                        k++, next += ch;
                    }
                    if (p->reset && p->reset[pos]) memset(h, 0, (size_t)(NK * VW) * sizeof(float));
                    if (t + SK_PREFETCH < t1) { /* rows are D floats apart: help the prefetcher */
                        __builtin_prefetch(p->u + (pos + SK_PREFETCH) * Dm + c0);
                        if (p->delta) __builtin_prefetch(p->delta + (pos + SK_PREFETCH) * Dm + c0);
                        if (p->z) __builtin_prefetch(p->z + (pos + SK_PREFETCH) * p->ldz + c0);
                        __builtin_prefetch(p->out + (pos + SK_PREFETCH) * Dm + c0, 1);
                    }
                    const sk_vf u = load_row(p->u + pos * Dm + c0, w);
                    const sk_vf z = p->z ? load_row(p->z + pos * p->ldz + c0, w) : u;
                    const sk_vf dl = block_delta(p, load_delta_row(p, pos, c0, w) + bv[g - blo], NULL), dlu = dl * u;
                    const float *Bt = cB ? NULL : p->B + pos * p->ldb, *Ct = cC ? NULL : p->C + pos * p->ldc;
                    sk_vf y = K == 1 ? Dv[g - blo] * u : sk_v_splat(0); /* + D u (complex: added below) */
                    block_update(At, Bk, Bt, Ck, Ct, dl, dlu, 1.0f, h, h, &y, NULL, N, K, cB, cC);
                    if (K == 2) y = Dv[g - blo] * u + 2.0f * y; /* y = 2 Re(sum C h) + D u */
                    if (p->z) y *= z * sk_v_sigmoid(z);        /* gate: y silu(z) */
                    store_row(p->out + pos * Dm + c0, w, y);
                }
            }
        }
        if (p->hT)
            for (int64_t g = blo; g < bhi; g++) {
                const int64_t c0 = g * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
                store_planes(p->hT + (i * Dm + c0) * NK, NK, w, hs + (g - blo) * NK * VW, 0);
            }
    }
}

/* plane (+)= v: the first block of a group writes */
SK_VI void acc_plane(float *plane, sk_vf v, int first) { sk_v_store(plane, first ? v : sk_v_load(plane) + v); }
/* row[m] += the lane sum of plane m (m < NK), sixteen planes at a time (sk_v_hsum16) */
SK_VI void planes_to_row(float *row, const float *planes, int64_t NK) {
    for (int64_t m0 = 0; m0 < NK; m0 += VW) {
        const int64_t n = NK - m0 < VW ? NK - m0 : VW;
        sk_vf v[VW];
        for (int64_t m = 0; m < VW; m++) v[m] = m < n ? sk_v_load(planes + (m0 + m) * VW) : sk_v_splat(0);
        sk_v_store_n(row + m0, sk_v_load_n(row + m0, n) + sk_v_hsum16(v), n);
    }
}
/* a position's dB or dC partials += the lane sums of its NK channel-vector planes */
SK_VI void chunk_dbc(float *row, const float *planes, int64_t NK) {
    for (int64_t m = 0; m < NK; m++) row[m] += sk_v_hsum(sk_v_load(planes + m * VW));
}

/* The gate's backward at one position of a block: out = y silu(z), so dz = dout y silu'(z) is
 * stored and dy = dout silu(z) returned; y = D u + K Re(sum_n C h_t) (ysum: the sum). */
SK_VI sk_vf gate_bwd(const sk_scan_f32 *p, int64_t pos, int64_t c0, int64_t w, sk_vf dout, sk_vf ysum, sk_vf Dv,
                     sk_vf u, const int K) {
    const sk_vf z = load_row(p->z + pos * p->ldz + c0, w), y = Dv * u + (float)K * ysum, sg = sk_v_sigmoid(z);
    store_row(p->dz + pos * p->ldz + c0, w, dout * y * sg * (1.0f + z * (1.0f - sg)));
    return dout * (z * sg);
}
/* dC's terms at one position of a block, dy C^T h_t (K Re(C h) differentiated; complex: 2 dy conj(h)):
 * into the block's constant-dC planes (cC) or the group's channel-vector row dCrow (first block writes). */
SK_VI void dC_terms(const float *Hn, sk_vf dy, float *dCk, float *dCrow, int first, int64_t N, const int K, const int cC) {
    for (int64_t m = 0; m < N * K; m++) {
        const sk_vf t = (K == 1 ? 1.0f : (m & 1) ? -2.0f : 2.0f) * dy * sk_v_load(Hn + m * VW);
        if (cC) sk_v_store(dCk + m * VW, sk_v_load(dCk + m * VW) + t);
        else acc_plane(dCrow + m * VW, t, first);
    }
}

/* The backward's unit of work: blocks [blo, bhi), all batch rows. For each batch row the chunks
 * run in reverse; inside a chunk every block of the group recomputes its states from the
 * checkpoint and sweeps back before the next block (rows shared as in fwd_group). ws = this
 * thread's scratch (layout scan_lay), holding its partials of the variable dB and dC.
 * ver (the kernel lab's number): 1 recomputes the states forward and does everything else in the
 * reverse sweep, which reads rows of u, dout and z backwards (1 KiB apart at D = 256: a cache miss
 * per row the hardware prefetcher does not cover) and reads every state twice. 2 prefetches the
 * chunk's rows while recomputing forwards and moves there what needs h_t but not the gradient
 * of the state: y, the gate (dz, dy) and the dC terms, so the reverse sweep reads no row of
 * dout or z and no h_t (only h_{t-1}); same operations in the same order, same bits as 1. */
SK_VI void bwd_group_t(const sk_scan_f32 *p, int64_t blo, int64_t bhi, float *ws, const scan_lay *ly, const int K,
                       const int cB, const int cC, const int ver) {
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, NK = ly->NK, ck = chunk_of(p), nch = (L + ck - 1) / ck;
    const int64_t NKV = NK * VW;
    float *H = ws + ly->H, *dlbuf = ws + ly->dl, *spbuf = ws + ly->sp, *dBp = ws + ly->dBp, *dCp = ws + ly->dCp;
    float *abuf = ws + ly->ab, *dBv = ws + ly->dBv, *dCv = ws + ly->dCv, *dybuf = ws + ly->dy, *ubuf = ws + ly->ub;
    float *tv = ws + ly->tv;
    sk_vf bv[SK_GROUP], Dv[SK_GROUP], dDacc[SK_GROUP], ddbacc[SK_GROUP];
    for (int64_t gb = blo; gb < bhi; gb++) {
        const int64_t c0 = gb * VW, w = Dm - c0 < VW ? Dm - c0 : VW, o = (gb - blo) * NKV;
        load_A(p, c0, w, K, ws + ly->At + o);
        if (cB) load_planes(p->B + c0 * NK, NK, w, ws + ly->Bk + o), memset(ws + ly->dBk + o, 0, (size_t)NKV * sizeof(float));
        if (cC) load_planes(p->C + c0 * NK, NK, w, ws + ly->Ck + o), memset(ws + ly->dCk + o, 0, (size_t)NKV * sizeof(float));
        memset(ws + ly->dA + o, 0, (size_t)NKV * sizeof(float));
        bv[gb - blo] = load_chan(p->delta_bias, c0, w), Dv[gb - blo] = load_chan(p->D, c0, w);
        dDacc[gb - blo] = ddbacc[gb - blo] = sk_v_splat(0);
    }
    for (int64_t i = 0; i < p->batch; i++) {
        for (int64_t gb = blo; gb < bhi; gb++) {
            const int64_t c0 = gb * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
            load_planes(p->dhT ? p->dhT + (i * Dm + c0) * NK : NULL, NK, w, ws + ly->g + (gb - blo) * NKV);
        }
        for (int64_t k = nch - 1; k >= 0; k--) {
            const int64_t t0 = k * ck, t1 = t0 + ck < L ? t0 + ck : L;
            for (int64_t gb = blo; gb < bhi; gb++) {
                const int64_t c0 = gb * VW, w = Dm - c0 < VW ? Dm - c0 : VW, o = (gb - blo) * NKV;
                float *At = ws + ly->At + o, *g = ws + ly->g + o, *dAacc = ws + ly->dA + o;
                float *Bk = ws + ly->Bk + o, *Ck = ws + ly->Ck + o, *dBk = ws + ly->dBk + o, *dCk = ws + ly->dCk + o;
                /* recompute the chunk's states from its checkpoint: H[s] enters t0+s, H[s+1] = h_{t0+s} */
                load_planes(p->ckpt + ((i * nch + k) * Dm + c0) * NK, NK, w, H);
                for (int64_t t = t0; t < t1; t++) {
                    const int64_t pos = i * L + t, s = t - t0;
                    const float keep = p->reset && p->reset[pos] ? 0.0f : 1.0f; /* h_{t-1} survives? */
                    if (ver >= 4 && gb + 1 < bhi) { /* the next block's rows here, into L2 (its first positions) */
                        const int64_t nx = pos * Dm + c0 + VW;
                        __builtin_prefetch(p->u + nx, 0, 2);
                        if (p->delta) __builtin_prefetch(p->delta + nx, 0, 2), __builtin_prefetch(p->ddelta + nx, 1, 2);
                        __builtin_prefetch(p->dout + nx, 0, 2), __builtin_prefetch(p->du + nx, 1, 2);
                        if (p->z) {
                            __builtin_prefetch(p->z + pos * p->ldz + c0 + VW, 0, 2);
                            __builtin_prefetch(p->dz + pos * p->ldz + c0 + VW, 1, 2);
                        }
                    }
                    if (ver >= 2 && t + SK_PREFETCH < t1) { /* this chunk's rows, read here or in the reverse sweep */
                        const int64_t ahead = (pos + SK_PREFETCH) * Dm + c0;
                        __builtin_prefetch(p->u + ahead);
                        if (p->delta) __builtin_prefetch(p->delta + ahead), __builtin_prefetch(p->ddelta + ahead, 1);
                        __builtin_prefetch(p->dout + ahead), __builtin_prefetch(p->du + ahead, 1);
                        if (p->z) {
                            __builtin_prefetch(p->z + (pos + SK_PREFETCH) * p->ldz + c0);
                            __builtin_prefetch(p->dz + (pos + SK_PREFETCH) * p->ldz + c0, 1);
                        }
                    }
                    sk_vf sp, dl = block_delta(p, load_delta_row(p, pos, c0, w) + bv[gb - blo], &sp);
                    sk_v_store(dlbuf + s * VW, dl), sk_v_store(spbuf + s * VW, sp);
                    const sk_vf u = load_row(p->u + pos * Dm + c0, w), dlu = dl * u;
                    const float *Ct = cC ? NULL : p->C + pos * p->ldc;
                    float *Hn = H + (s + 1) * NKV;
                    sk_vf y = sk_v_splat(0); /* two calls: y stays in a register where it is summed */
                    const float *Bt = cB ? NULL : p->B + pos * p->ldb;
                    float *aout = K == 1 ? abuf + s * NKV : NULL;
                    if (ver >= 4 && keep == 0) memset(H + s * NKV, 0, (size_t)NKV * sizeof(float)); /* the reset, once */
                    const float kp = ver >= 4 ? 1.0f : keep;
                    if (ver >= 2 && p->z) block_update(At, Bk, Bt, Ck, Ct, dl, dlu, kp, H + s * NKV, Hn, &y, aout, N, K, cB, cC);
                    else block_update(At, Bk, Bt, Ck, Ct, dl, dlu, kp, H + s * NKV, Hn, NULL, aout, N, K, cB, cC);
                    if (ver < 2) continue;
                    sk_vf dy = load_row(p->dout + pos * Dm + c0, w);
                    if (p->z) dy = gate_bwd(p, pos, c0, w, dy, y, Dv[gb - blo], u, K);
                    sk_v_store(dybuf + s * VW, dy), sk_v_store(ubuf + s * VW, u);
                    dC_terms(Hn, dy, dCk, cC ? NULL : ver >= 3 ? tv : dCv + s * NKV, ver >= 3 || gb == blo, N, K, cC);
                    if (ver >= 3 && !cC) planes_to_row(dCp + pos * NK, tv, NK);
                }
                /* reverse sweep: g = dL/dh_t */
                for (int64_t t = t1 - 1; t >= t0; t--) {
                    const int64_t pos = i * L + t, s = t - t0;
                    const float keep = p->reset && p->reset[pos] ? 0.0f : 1.0f, kp = ver >= 4 ? 1.0f : keep;
                    const float *Bt = cB ? NULL : p->B + pos * p->ldb, *Ct = cC ? NULL : p->C + pos * p->ldc;
                    const float *Hp = H + s * NKV, *Hn = H + (s + 1) * NKV;
                    const sk_vf dl = sk_v_load(dlbuf + s * VW);
                    const sk_vf u = ver >= 2 ? sk_v_load(ubuf + s * VW) : load_row(p->u + pos * Dm + c0, w), dlu = dl * u;
                    sk_vf dy = ver >= 2 ? sk_v_load(dybuf + s * VW) : load_row(p->dout + pos * Dm + c0, w);
                    if (ver < 2 && p->z) {
                        sk_vf y = sk_v_splat(0); /* recompute y's sum from h_t */
                        for (int64_t n = 0; n < N; n++) {
                            if (K == 1) y += BCV(cC, Ck, Ct, n) * sk_v_load(Hn + n * VW);
                            else y += SK_CMUL_RE(BCV(cC, Ck, Ct, 2 * n), BCV(cC, Ck, Ct, 2 * n + 1),
                                                 sk_v_load(Hn + 2 * n * VW), sk_v_load(Hn + (2 * n + 1) * VW));
                        }
                        dy = gate_bwd(p, pos, c0, w, dy, y, Dv[gb - blo], u, K);
                    }
                    sk_vf du = dy * Dv[gb - blo], ddl = sk_v_splat(0);
                    dDacc[gb - blo] += dy * u;
                    /* variable dB, dC: this position's channel vectors, summed over the group's blocks
                     * (the first block writes) and across the lanes after the group (chunk_dbc) */
                    float *dBrow = cB ? NULL : ver >= 3 ? tv : dBv + s * NKV, *dCrow = cC ? NULL : dCv + s * NKV;
                    const int first = ver >= 3 || gb == blo;
                    for (int64_t n = 0; n < N; n++) {
                        if (K == 1) {
                            const sk_vf An = sk_v_load(At + n * VW), a = sk_v_load(abuf + s * NKV + n * VW);
                            const sk_vf h1 = kp * sk_v_load(Hp + n * VW), hn = sk_v_load(Hn + n * VW);
                            const sk_vf gv = sk_v_load(g + n * VW) + dy * BCV(cC, Ck, Ct, n); /* + the output at t */
                            const sk_vf vC = dy * hn, vB = gv * dlu, Bn = BCV(cB, Bk, Bt, n); /* dC, dB terms */
                            if (ver < 2 && cC) sk_v_store(dCk + n * VW, sk_v_load(dCk + n * VW) + vC);
                            else if (ver < 2) acc_plane(dCrow + n * VW, vC, first);
                            if (cB) sk_v_store(dBk + n * VW, sk_v_load(dBk + n * VW) + vB);
                            else acc_plane(dBrow + n * VW, vB, first);
                            /* q = a h_{t-1} and gv dl shared (v4; v1-v3 multiply out each product) */
                            const sk_vf q = ver >= 4 ? a * h1 : sk_v_splat(0), gd = gv * dl;
#ifdef SSMKIT_MUTATE_SCAN_BWD
                            const sk_vf bu = -(Bn * u); /* deliberate bug (mutation test) */
#else
                            const sk_vf bu = Bn * u;
#endif
                            if (ver >= 4) {
                                du += gd * Bn;
                                ddl += gv * (An * q + bu); /* d/d delta of exp(delta A) h + delta B u */
                                sk_v_store(dAacc + n * VW, sk_v_load(dAacc + n * VW) + gd * q);
                            } else {
                                du += gv * dl * Bn;
                                ddl += gv * (An * a * h1 + bu);
                                sk_v_store(dAacc + n * VW, sk_v_load(dAacc + n * VW) + gv * dl * a * h1);
                            }
                            sk_v_store(g + n * VW, kp * gv * a); /* dL/dh_{t-1} (0 across a reset) */
                        } else {
                            /* complex: the steps of scan_ref.inc's backward, q = conj(a h_{t-1}) g */
                            const int64_t mr = 2 * n, mi = 2 * n + 1;
                            const sk_vf Ar = sk_v_load(At + mr * VW), Ai = sk_v_load(At + mi * VW);
                            sk_vf e = sk_v_exp(dl * Ar), sn, cs;
                            sk_v_sincos(dl * Ai, &sn, &cs);
                            const sk_vf er = e * cs, ei = e * sn;
                            const sk_vf pr = kp * sk_v_load(Hp + mr * VW), pi = kp * sk_v_load(Hp + mi * VW);
                            const sk_vf br = BCV(cB, Bk, Bt, mr), bi = BCV(cB, Bk, Bt, mi);
                            const sk_vf gr = sk_v_load(g + mr * VW) + 2.0f * dy * BCV(cC, Ck, Ct, mr); /* + 2 dy conj(C) */
                            const sk_vf gi = sk_v_load(g + mi * VW) - 2.0f * dy * BCV(cC, Ck, Ct, mi);
                            const sk_vf tCr = 2.0f * dy * sk_v_load(Hn + mr * VW), tCi = -2.0f * dy * sk_v_load(Hn + mi * VW);
                            const sk_vf tBr = gr * dlu, tBi = gi * dlu;
                            if (ver < 2 && cC) {
                                sk_v_store(dCk + mr * VW, sk_v_load(dCk + mr * VW) + tCr);
                                sk_v_store(dCk + mi * VW, sk_v_load(dCk + mi * VW) + tCi);
                            } else if (ver < 2) {
                                acc_plane(dCrow + mr * VW, tCr, first), acc_plane(dCrow + mi * VW, tCi, first);
                            }
                            if (cB) {
                                sk_v_store(dBk + mr * VW, sk_v_load(dBk + mr * VW) + tBr);
                                sk_v_store(dBk + mi * VW, sk_v_load(dBk + mi * VW) + tBi);
                            } else {
                                acc_plane(dBrow + mr * VW, tBr, first), acc_plane(dBrow + mi * VW, tBi, first);
                            }
                            const sk_vf bg = SK_CJMUL_RE(br, bi, gr, gi); /* Re(conj(B) g) */
                            du += dl * bg;
                            const sk_vf ahr = SK_CMUL_RE(er, ei, pr, pi), ahi = SK_CMUL_IM(er, ei, pr, pi);
                            const sk_vf qr = SK_CJMUL_RE(ahr, ahi, gr, gi), qi = SK_CJMUL_IM(ahr, ahi, gr, gi);
                            ddl += bg * u + SK_CJMUL_RE(Ar, Ai, qr, qi);
                            sk_v_store(dAacc + mr * VW, sk_v_load(dAacc + mr * VW) + dl * qr);
                            sk_v_store(dAacc + mi * VW, sk_v_load(dAacc + mi * VW) + dl * qi);
                            sk_v_store(g + mr * VW, kp * SK_CJMUL_RE(er, ei, gr, gi)); /* conj(a) g */
                            sk_v_store(g + mi * VW, kp * SK_CJMUL_IM(er, ei, gr, gi));
                        }
                    }
                    if (ver >= 3 && !cB) planes_to_row(dBp + pos * NK, tv, NK);
                    if (ver >= 4 && keep == 0) memset(g, 0, (size_t)NKV * sizeof(float)); /* nothing flows back across a reset */
                    const sk_vf dd = ddl * sk_v_load(spbuf + s * VW); /* through softplus */
                    store_row(p->du + pos * Dm + c0, w, du);
                    if (p->delta) store_row(p->ddelta + pos * Dm + c0, w, dd);
                    ddbacc[gb - blo] += dd;
                }
            }
            for (int64_t t = t0; t < t1 && !cB && ver < 3; t++) chunk_dbc(dBp + (i * L + t) * NK, dBv + (t - t0) * NKV, NK);
            for (int64_t t = t0; t < t1 && !cC && ver < 3; t++) chunk_dbc(dCp + (i * L + t) * NK, dCv + (t - t0) * NKV, NK);
        }
        if (p->dh0)
            for (int64_t gb = blo; gb < bhi; gb++) {
                const int64_t c0 = gb * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
                store_planes(p->dh0 + (i * Dm + c0) * NK, NK, w, ws + ly->g + (gb - blo) * NKV, 0);
            }
    }
    for (int64_t gb = blo; gb < bhi; gb++) {
        const int64_t c0 = gb * VW, w = Dm - c0 < VW ? Dm - c0 : VW, o = (gb - blo) * NKV;
        const float *At = ws + ly->At + o, *dAacc = ws + ly->dA + o;
        for (int64_t j = 0; j < w; j++) {
            for (int64_t n = 0; n < N; n++) {
                float d = dAacc[n * K * VW + j];
                if (p->flags & SK_SCAN_A_NEG_EXP) d *= At[n * K * VW + j]; /* dA/dA_log = A */
                p->dA[(c0 + j) * N + n] += d;
                if (K == 2) p->dA_imag[(c0 + j) * N + n] += dAacc[(2 * n + 1) * VW + j];
            }
            if (p->D) p->dD[c0 + j] += dDacc[gb - blo][j];
            if (p->delta_bias) p->ddelta_bias[c0 + j] += ddbacc[gb - blo][j];
        }
        if (cB) store_planes(p->dB + c0 * NK, NK, w, ws + ly->dBk + o, 1);
        if (cC) store_planes(p->dC + c0 * NK, NK, w, ws + ly->dCk + o, 1);
    }
}

/* One position (len == 1: a recurrent step), real modes with variable B and C, in the state's own
 * (b, D, N) layout: no transposes into channel planes. Per batch row, the per-channel delta
 * (softplus), D u and the gate are vectors over VW channels; then per channel c the N modes are
 * vectors: h[c, :] = exp(dlt_c A[c, :]) h[c, :] + dlt_c u_c B[:], y_c = sum_n C[n] h[c, n] (the
 * sk_ops.h recurrence; tested against scan_ref.inc and the group kernel in test_scan). The
 * state enters from h0 (or 0), is checkpointed (ckpt chunk 0) and leaves in hT (hT may be h0). */
SK_CLONES static void fwd_step_real(const sk_scan_f32 *p) {
    const int64_t Dm = p->dim, N = p->dstate, NV = (N + VW - 1) / VW;
    for (int64_t i = 0; i < p->batch; i++) {
        const int keep = !(p->reset && p->reset[i]);
        const float *B = p->B + i * p->ldb, *C = p->C + i * p->ldc;
        for (int64_t c0 = 0; c0 < Dm; c0 += VW) {
            const int64_t w = Dm - c0 < VW ? Dm - c0 : VW;
            const sk_vf u = load_row(p->u + i * Dm + c0, w);
            const sk_vf dl = block_delta(p, load_delta_row(p, i, c0, w) + load_chan(p->delta_bias, c0, w), NULL);
            const sk_vf dlu = dl * u;
            sk_vf y = load_chan(p->D, c0, w) * u;
            for (int64_t j = 0; j < w; j++) {
                const int64_t c = c0 + j;
                const float *hp = p->h0 ? p->h0 + (i * Dm + c) * N : NULL;
                if (p->ckpt) { /* the state entering chunk 0 */
                    if (hp) memcpy(p->ckpt + (i * Dm + c) * N, hp, (size_t)N * sizeof(float));
                    else memset(p->ckpt + (i * Dm + c) * N, 0, (size_t)N * sizeof(float));
                }
                float *hn = p->hT ? p->hT + (i * Dm + c) * N : NULL;
                sk_vf acc = sk_v_splat(0);
                for (int64_t v = 0; v < NV; v++) {
                    const int64_t n0 = v * VW, m = N - n0 < VW ? N - n0 : VW;
                    sk_vf a = load_row(p->A + c * N + n0, m), h = hp && keep ? load_row(hp + n0, m) : sk_v_splat(0);
                    if (p->flags & SK_SCAN_A_NEG_EXP) a = -sk_v_exp(a);
                    h = sk_v_exp(dl[j] * a) * h + dlu[j] * load_row(B + n0, m); /* lanes >= m: B = 0 -> h = 0 */
                    acc += load_row(C + n0, m) * h;
                    if (hn) store_row(hn + n0, m, h);
                }
                y[j] += sk_v_hsum(acc);
            }
            if (p->z) {
                const sk_vf z = load_row(p->z + i * p->ldz + c0, w);
                y *= z * sk_v_sigmoid(z);
            }
            store_row(p->out + i * Dm + c0, w, y);
        }
    }
}

/* One clone set (x86-64-v4 / v3 / baseline) per mode: the bodies above with the mode's constants.
 * mode = complex * 4 + constant B * 2 + constant C. */
#define SCAN_MODES(X) X(0, 1, 0, 0) X(1, 1, 0, 1) X(2, 1, 1, 0) X(3, 1, 1, 1) X(4, 2, 0, 0) X(5, 2, 0, 1) X(6, 2, 1, 0) X(7, 2, 1, 1)
#define SCAN_CLONE(m, K, cB, cC)                                                                                       \
    SK_CLONES static void fwd_group_##m(const sk_scan_f32 *p, int64_t blo, int64_t bhi, float *ws, const scan_lay *ly) { \
        fwd_group_t(p, blo, bhi, ws, ly, K, cB, cC);                                                                   \
    }                                                                                                                  \
    SK_CLONES static void bwd_group_##m(const sk_scan_f32 *p, int64_t blo, int64_t bhi, float *ws, const scan_lay *ly) { \
        bwd_group_t(p, blo, bhi, ws, ly, K, cB, cC, SK_SCAN_BWD_VERSIONS);                                             \
    }
SCAN_MODES(SCAN_CLONE)
#define SCAN_FWD_PTR(m, K, cB, cC) fwd_group_##m,
#define SCAN_BWD_PTR(m, K, cB, cC) bwd_group_##m,
typedef void (*scan_group_fn)(const sk_scan_f32 *, int64_t, int64_t, float *, const scan_lay *);
static const scan_group_fn fwd_group_fn[8] = {SCAN_MODES(SCAN_FWD_PTR)}, bwd_group_fn[8] = {SCAN_MODES(SCAN_BWD_PTR)};
/* The backward's older versions (the kernel lab's record) for the real variable-B/C mode only:
 * every mode's clones of every version would multiply scan.c's compile time. */
#define SCAN_OLD_BWD(v)                                                                                                \
    SK_CLONES static void bwd_old_##v(const sk_scan_f32 *p, int64_t blo, int64_t bhi, float *ws, const scan_lay *ly) {  \
        bwd_group_t(p, blo, bhi, ws, ly, 1, 0, 0, v);                                                                  \
    }
SCAN_OLD_BWD(1)
SCAN_OLD_BWD(2)
SCAN_OLD_BWD(3)
static const scan_group_fn bwd_old_fn[SK_SCAN_BWD_VERSIONS - 1] = {bwd_old_1, bwd_old_2, bwd_old_3};

/* groups of G blocks, G as large as keeps every thread busy (at most SK_GROUP) */
static int64_t group_size(int64_t nblk, int nth) {
    int64_t G = nblk / nth;
    return G < 1 ? 1 : G > SK_GROUP ? SK_GROUP : G;
}

static int scan_mode(const sk_scan_f32 *p) {
    return ((p->flags & SK_SCAN_COMPLEX) ? 4 : 0) | ((p->flags & SK_SCAN_CONST_B) ? 2 : 0) | ((p->flags & SK_SCAN_CONST_C) ? 1 : 0);
}

int sk_scan_fwd_f32(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 0);
    if (rc) return rc;
    float *work, *owned;
    int nth = 1;
    if ((rc = scan_work(p, &work, &owned, &nth))) return rc;
    const scan_lay ly = scan_layout(p);
    const int64_t nblk = (p->dim + VW - 1) / VW;
    const scan_group_fn fn = fwd_group_fn[scan_mode(p)];
    const int64_t G = group_size(nblk, nth), ngroups = (nblk + G - 1) / G;
    if (p->len == 1 && scan_mode(p) == 0 && nth == 1) {
        fwd_step_real(p);
        free(owned);
        return SK_OK;
    }
    if (nth == 1) /* no parallel region at all (its fork/join dominates a recurrent step) */
        for (int64_t gi = 0; gi < ngroups; gi++) fn(p, gi * G, gi * G + G < nblk ? gi * G + G : nblk, work, &ly);
    else {
#pragma omp parallel num_threads(nth)
        {
            float *ws = work + thread_id() * ly.per;
#pragma omp for schedule(static)
            for (int64_t gi = 0; gi < ngroups; gi++) fn(p, gi * G, gi * G + G < nblk ? gi * G + G : nblk, ws, &ly);
        }
    }
    free(owned);
    return SK_OK;
}

int sk_scan_bwd_f32(const sk_scan_f32 *p) { return sk_scan_bwd_version_f32(p, SK_SCAN_BWD_VERSIONS); }

int sk_scan_bwd_version_f32(const sk_scan_f32 *p, int version) {
    if (version < 1 || version > SK_SCAN_BWD_VERSIONS)
        return sk_error(SK_EINVAL, "selective scan backward: no version %d (1 to %d)", version, SK_SCAN_BWD_VERSIONS);
    if (version < SK_SCAN_BWD_VERSIONS && scan_mode(p) != 0)
        return sk_error(SK_EUNSUP, "selective scan backward: version %d is kept for the real mode with variable B and C only", version);
    int rc = sk_scan_check_f32(p, 1);
    if (rc) return rc;
    float *work, *owned;
    int nth = 1;
    if ((rc = scan_work(p, &work, &owned, &nth))) return rc;
    const scan_lay ly = scan_layout(p);
    const int64_t nblk = (p->dim + VW - 1) / VW, BLN = p->batch * p->len * ly.NK;
    const int vB = !(p->flags & SK_SCAN_CONST_B), vC = !(p->flags & SK_SCAN_CONST_C);
    const scan_group_fn fn = version < SK_SCAN_BWD_VERSIONS ? bwd_old_fn[version - 1] : bwd_group_fn[scan_mode(p)];
    const int64_t G = group_size(nblk, nth), ngroups = (nblk + G - 1) / G;
#pragma omp parallel num_threads(nth)
    {
        float *ws = work + thread_id() * ly.per;
        if (vB) memset(ws + ly.dBp, 0, (size_t)BLN * sizeof(float));
        if (vC) memset(ws + ly.dCp, 0, (size_t)BLN * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t gi = 0; gi < ngroups; gi++) fn(p, gi * G, gi * G + G < nblk ? gi * G + G : nblk, ws, &ly);
        /* implicit barrier: reduce the per-thread partials of the variable dB, dC in thread order */
        if (vB || vC) {
#pragma omp for schedule(static)
            for (int64_t e = 0; e < BLN; e++) {
                float sb = 0, sc = 0;
                for (int th = 0; th < team_size(); th++) {
                    if (vB) sb += work[th * ly.per + ly.dBp + e];
                    if (vC) sc += work[th * ly.per + ly.dCp + e];
                }
                const int64_t pos = e / ly.NK, m = e % ly.NK;
                if (vB) p->dB[pos * p->ldb + m] = sb;
                if (vC) p->dC[pos * p->ldc + m] = sc;
            }
        }
    }
    free(owned);
    return SK_OK;
}
