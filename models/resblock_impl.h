/* resblock_impl.h — private to models/ (not installed). One pre-norm residual layer, what the LM
 * stacks and every U-Net level reuses (defined in sk_resblock.c), rows = b * L, width d:
 *   Mamba block: out = in + Mixer(RMSNorm(in));
 *   S4+MLP:      mid = in + S4(RMSNorm(in)); out = mid + MLP(RMSNorm2(mid)).
 * hn (rows, d), rstd (rows): the norm output and 1/rms kept for the backward; mo (rows, d) a
 * scratch; act as sk_mamba_block_forward; st NULL or the recurrent state (updated). out may not
 * alias in. Backward (in place on the residual stream): dr (rows, d) holds dL/dout on entry and
 * dL/din on exit; dhn (rows, d) scratch; parameter gradients (+=); dst_out / dst_in as in
 * sk_mamba_block_backward (the gradient w.r.t. the final state, NULL = 0; receives (=) the
 * gradient w.r.t. the initial state, NULL = not needed). models/README.md §Layer contract.
 */
#ifndef RESBLOCK_IMPL_H
#define RESBLOCK_IMPL_H

#include "models/mamba_block_impl.h"

int sk_resblock_forward(const sk_backend *be, const sk_block_config *c, float *out, const float *in, float *hn,
                        float *rstd, float *mo, const float *norm_w, sk_mamba_act *act, const sk_mamba_w *w, int64_t b,
                        int64_t L, const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr) SK_RESULT_USED;
/* The same layer in a stack whose norms are fused with the residual adds (the LM): hn holds
 * RMSNorm(in) on entry (with its rstd: the previous layer's call, or the caller's for the first),
 * and the add out = in + mixer runs in one pass with the next norm, next_hn, next_rstd =
 * RMSNorm(out) with weight next_w (the next layer's, or the final norm). Results equal
 * sk_resblock_forward followed by that norm bit for bit on the CPU. next_hn may be hn (the shared
 * slots of an inference model); out may not alias in. */
int sk_resblock_forward_next(const sk_backend *be, const sk_block_config *c, float *out, const float *in,
                             const float *hn, float *mo, sk_mamba_act *act, const sk_mamba_w *w, int64_t b, int64_t L,
                             const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr, float *next_hn,
                             float *next_rstd, const float *next_w) SK_RESULT_USED;
int sk_resblock_backward(const sk_backend *be, const sk_block_config *c, float *dr, float *dhn, float *gnorm_w,
                         sk_mamba_w *gw, const float *in, const float *hn, const float *rstd, const float *norm_w,
                         const sk_mamba_act *act, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                         const sk_mamba_state *dst_out, sk_mamba_state *dst_in, sk_mamba_scratch *scr) SK_RESULT_USED;

#endif
