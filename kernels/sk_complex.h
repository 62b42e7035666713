/* sk_complex.h — complex arithmetic on (re, im) pairs of any real type, as expression macros so
 * the same lines serve the float64 reference, the fp32 optimized kernels (vectorized over
 * channels) and CUDA. Complex scan quantities are stored as interleaved (re, im) pairs (the
 * memory layout of complex64 / torch.view_as_real), see kernels/sk_ops.h.
 *
 *   SK_CMUL_RE/IM(a, b)  = Re/Im of a * b         = (ar br - ai bi, ar bi + ai br)
 *   SK_CJMUL_RE/IM(a, b) = Re/Im of conj(a) * b   = (ar br + ai bi, ar bi - ai br)
 *
 * Gradients: for a real loss and w = a * b, the (dL/dre, dL/dim) pair of b is conj(a) * gw
 * (the real Jacobian of "multiply by a" transposed is "multiply by conj(a)"); of a real factor s
 * in w = s * v it is Re(conj(v) * gw). The scan backward uses both (kernels/cpu/scan_ref.inc).
 */
#ifndef SK_COMPLEX_H
#define SK_COMPLEX_H

#define SK_CMUL_RE(ar, ai, br, bi) ((ar) * (br) - (ai) * (bi))
#define SK_CMUL_IM(ar, ai, br, bi) ((ar) * (bi) + (ai) * (br))
#define SK_CJMUL_RE(ar, ai, br, bi) ((ar) * (br) + (ai) * (bi))
#define SK_CJMUL_IM(ar, ai, br, bi) ((ar) * (bi) - (ai) * (br))

#endif
