/* ssm_impl.h — private to models/ (not installed). The SSM layers beside Mamba's real S6, defined
 * in sk_ssm.c: the S4D layer (S4D-Real and S4D-Lin, ZOH), the S4 block and the MLP block of the
 * "s4-mlp" kind, and a linear layer with bias. The complex S6 and Mamba-S4 mixers live in the
 * Mamba block (sk_mamba_block.c), which calls sk_s4d_* for the latter. Math and parameter
 * names: models/README.md §Block kinds. Layer contract: parameter gradients +=, activation
 * gradients = (models/README.md §Layer contract).
 */
#ifndef SSM_IMPL_H
#define SSM_IMPL_H

#include "models/mamba_block_impl.h"

/* S4D layer over H = sk_ssm_dim(c) channels: y (b, L, H) = S4D(u) with D skip, times SiLU(z)
 * when z (b, L, ldz) is given. Uses w->{log_dt, A_log, A_imag, B, C, D}; keeps dt and the folded
 * B in act->s4_dt, act->s4_Bz and the scan checkpoints in act->ckpt. h0 (b, H, N[,2]) or NULL;
 * hT receives the final state (may alias h0) or NULL. */
int sk_s4d_forward(const sk_backend *be, const sk_block_config *c, float *y, sk_mamba_act *act, const float *u,
                   const float *z, int64_t ldz, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                   const float *h0, float *hT, sk_mamba_scratch *scr) SK_RESULT_USED;
/* du (=), dz (=, when z), dw (+=: log_dt, A_log, A_imag, B, C, D), dh0 (=, or NULL) from dy and
 * dhT (NULL = 0), after sk_s4d_forward with the same inputs. */
int sk_s4d_backward(const sk_backend *be, const sk_block_config *c, float *du, float *dz, sk_mamba_w *dw,
                    const float *dy, const sk_mamba_act *act, const float *u, const float *z, int64_t ldz,
                    const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset, const float *h0,
                    const float *dhT, float *dh0, sk_mamba_scratch *scr) SK_RESULT_USED;

/* S4 block: out (b, L, d) = GLU(GELU(S4D(in)) @ glu_w^T + glu_b); st (ssm only) as in
 * sk_mamba_block_forward. Backward: din (=), dw (+=), dst_in (=, when the forward had a state). */
int sk_s4block_forward(const sk_backend *be, const sk_block_config *c, float *out, sk_mamba_act *act,
                       const float *in, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                       sk_mamba_state *st, sk_mamba_scratch *scr) SK_RESULT_USED;
int sk_s4block_backward(const sk_backend *be, const sk_block_config *c, float *din, sk_mamba_w *dw,
                        const float *dout, const float *in, const sk_mamba_w *w, const sk_mamba_act *act, int64_t b,
                        int64_t L, const uint8_t *reset, const sk_mamba_state *dst_out, sk_mamba_state *dst_in,
                        sk_mamba_scratch *scr) SK_RESULT_USED;
/* MLP block: out (rows, d) = fc2(GELU(fc1(in))) (stateless: its step is the forward with L = 1).
 * Saves act->f1, act->g1. Backward: din (=), dw (+=). */
int sk_mlp_forward(const sk_backend *be, const sk_block_config *c, float *out, sk_mamba_act *act, const float *in,
                   const sk_mamba_w *w, int64_t rows, sk_mamba_scratch *scr) SK_RESULT_USED;
int sk_mlp_backward(const sk_backend *be, const sk_block_config *c, float *din, sk_mamba_w *dw, const float *dout,
                    const float *in, const sk_mamba_w *w, const sk_mamba_act *act, int64_t rows,
                    sk_mamba_scratch *scr) SK_RESULT_USED;

/* Linear layer with bias through two GEMMs: out (rows, n) = x (rows, k) @ W^T (n, k) + bias (n)
 * (the bias as ones (rows, 1) @ bias (1, n); ones: (rows) backend ones). Backward: dW += dout^T x,
 * dbias += dout^T ones, dx = dout @ W + dx_beta dx (dx may be NULL). */
int sk_linear_fwd(const sk_backend *be, float *out, const float *x, const float *W, const float *bias, int64_t rows,
                  int64_t n, int64_t k, const float *ones) SK_RESULT_USED;
int sk_linear_bwd(const sk_backend *be, float *dx, float dx_beta, float *dW, float *dbias, const float *dout,
                  const float *x, const float *W, int64_t rows, int64_t n, int64_t k, const float *ones) SK_RESULT_USED;

#endif
