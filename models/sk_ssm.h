/* sk_ssm.h — the SSM layer family beside Mamba's real S6 (issue 7): complex S6, the S4D LTI layer
 * (S4D-Real and S4D-Lin, ZOH), the "Mamba-S4" block (a Mamba block whose mixer is S4D) and the
 * "S4+MLP" block (SaShiMi's S4 block then an MLP block). Selected by the config fields "ssm" and
 * "block" (sk_mamba.h); the LM, checkpoints and training are those of sk_mamba.h.
 *
 * Math (rows = b*L, H channels, N modes, K = 2 for complex kinds, else 1):
 *   complex S6 (mamba-v1.md §2.1): the Mamba block with x_proj giving dt (R), then B and C as N
 *     complex values each stored as interleaved (re, im) columns (R + 4N outputs);
 *     A = -exp(A_log) + i A_imag; output 2 Re(sum_n C h) (SK_SCAN_COMPLEX).
 *   S4D (sashimi-s4.md §3.3-3.6): per channel dt = exp(log_dt), A = -exp(A_log) (+ i A_imag),
 *     constant B and C; ZOH: h = e^{dt A} h + B (e^{dt A} - 1)/A u, y = K Re(sum_n C h) + D u
 *     (K = 2: the 2 Re convention). Computed as the ZOH fold sk_s4d_zoh (B into Bz) and the scan
 *     with constant B/C and delta = NULL, delta_bias = dt.
 *   Mamba-S4 (sashimi-s4.md §3.9): in_proj -> x, z; conv + SiLU; S4D(x) with D skip; * SiLU(z);
 *     out_proj.
 *   S4 block (sashimi-s4.md §1.5): y = S4D(x) (D skip), GELU (exact), output_linear (H -> 2H,
 *     bias), GLU; MLP block: fc1 (H -> 2H, bias), GELU, fc2 (2H -> H, bias). The LM applies each
 *     as a pre-norm residual with RMSNorm: r = r + S4(RMSNorm(r)); r = r + MLP(RMSNorm2(r)).
 *
 * Parameter names (per layer i, prefix backbone.layers.{i}.):
 *   s6-complex: mixer.{in_proj.weight, conv1d.weight, conv1d.bias, x_proj.weight (R+4N, Di),
 *     dt_proj.weight, dt_proj.bias, A_log (Di, N), A_imag (Di, N), D, out_proj.weight}
 *   Mamba-S4:   mixer.{in_proj.weight, conv1d.weight, conv1d.bias, log_dt (Di), A_log (Di, N),
 *     A_imag (Di, N) [s4d-lin], B (Di, N[, 2]), C (Di, N[, 2]), D (Di), out_proj.weight}
 *   S4+MLP:     norm.weight, mixer.{log_dt (d), A_log, A_imag [s4d-lin], B, C, D,
 *     output_linear.weight (2d, d), output_linear.bias (2d)}, norm2.weight,
 *     mlp.{fc1.weight (2d, d), fc1.bias (2d), fc2.weight (d, 2d), fc2.bias (d)}
 * Init: S4D-Lin A_log = log 0.5, A_imag = pi n; S4D-Real A_log = log(n+1); B = 1 (+0i);
 *   C ~ N(0, 1) (complex: re, im ~ N(0, 1/2)); log_dt ~ U[log dt_min, log dt_max]; D = 1 in a
 *   Mamba block (as Mamba), N(0, 1) in an S4 block; complex S6: A_log = log 0.5, A_imag = pi n;
 *   linear layers U(+-1/sqrt(fan_in)) with biases U(+-1/sqrt(fan_in)) (nn.Linear default).
 *
 * Layer contract as sk_mamba.h: parameter gradients +=, activation gradients =.
 */
#ifndef SK_SSM_H
#define SK_SSM_H

#include "models/sk_mamba.h"
#include "src/sk_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* kind helpers */
static inline int sk_ssm_complex(const sk_mamba_config *c) { return c->ssm == SK_SSM_S6_COMPLEX || c->ssm == SK_SSM_S4D_LIN; }
static inline int sk_ssm_is_s4d(const sk_mamba_config *c) { return c->ssm == SK_SSM_S4D_REAL || c->ssm == SK_SSM_S4D_LIN; }
/* real numbers per channel of the SSM state: N or 2N */
static inline int64_t sk_ssm_nk(const sk_mamba_config *c) { return c->d_state * (sk_ssm_complex(c) ? 2 : 1); }
/* channels of the SSM: d_inner in a Mamba block, d_model in an S4 block */
static inline int64_t sk_ssm_dim(const sk_mamba_config *c) { return c->block == SK_BLOCK_S4_MLP ? c->d_model : c->d_inner; }

/* S4D layer over H = sk_ssm_dim(c) channels: y (b, L, H) = S4D(u) with D skip, times SiLU(z)
 * when z (b, L, ldz) is given. Uses w->{log_dt, A_log, A_imag, B, C, D}; keeps dt and the folded
 * B in act->s4_dt, act->s4_Bz and the scan checkpoints in act->ckpt. h0 (b, H, N[,2]) or NULL;
 * hT receives the final state (may alias h0) or NULL. */
int sk_s4d_forward(const sk_backend *be, const sk_mamba_config *c, float *y, sk_mamba_act *act, const float *u,
                   const float *z, int64_t ldz, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                   const float *h0, float *hT, sk_mamba_scratch *scr) SK_RESULT_USED;
/* du (=), dz (=, when z), dw (+=: log_dt, A_log, A_imag, B, C, D), dh0 (=, or NULL) from dy and
 * dhT (NULL = 0), after sk_s4d_forward with the same inputs. */
int sk_s4d_backward(const sk_backend *be, const sk_mamba_config *c, float *du, float *dz, sk_mamba_w *dw,
                    const float *dy, const sk_mamba_act *act, const float *u, const float *z, int64_t ldz,
                    const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset, const float *h0,
                    const float *dhT, float *dh0, sk_mamba_scratch *scr) SK_RESULT_USED;

/* S4 block: out (b, L, d) = GLU(GELU(S4D(in)) @ glu_w^T + glu_b); st (ssm only) as in
 * sk_mamba_block_forward. Backward: din (=), dw (+=), dst_in (=, when the forward had a state). */
int sk_s4block_forward(const sk_backend *be, const sk_mamba_config *c, float *out, sk_mamba_act *act,
                       const float *in, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                       sk_mamba_state *st, sk_mamba_scratch *scr) SK_RESULT_USED;
int sk_s4block_backward(const sk_backend *be, const sk_mamba_config *c, float *din, sk_mamba_w *dw,
                        const float *dout, const float *in, const sk_mamba_w *w, const sk_mamba_act *act, int64_t b,
                        int64_t L, const uint8_t *reset, const sk_mamba_state *dst_out, sk_mamba_state *dst_in,
                        sk_mamba_scratch *scr) SK_RESULT_USED;
/* MLP block: out (rows, d) = fc2(GELU(fc1(in))) (stateless: its step is the forward with L = 1).
 * Saves act->f1, act->g1. Backward: din (=), dw (+=). */
int sk_mlp_forward(const sk_backend *be, const sk_mamba_config *c, float *out, sk_mamba_act *act, const float *in,
                   const sk_mamba_w *w, int64_t rows, sk_mamba_scratch *scr) SK_RESULT_USED;
int sk_mlp_backward(const sk_backend *be, const sk_mamba_config *c, float *din, sk_mamba_w *dw, const float *dout,
                    const float *in, const sk_mamba_w *w, const sk_mamba_act *act, int64_t rows,
                    sk_mamba_scratch *scr) SK_RESULT_USED;

/* Linear layer with bias through two GEMMs: out (rows, n) = x (rows, k) @ W^T (n, k) + bias (n)
 * (the bias as ones (rows, 1) @ bias (1, n); ones: (rows) backend ones). Backward: dW += dout^T x,
 * dbias += dout^T ones, dx = dout @ W + dx_beta dx (dx may be NULL). */
int sk_linear_fwd(const sk_backend *be, float *out, const float *x, const float *W, const float *bias, int64_t rows,
                  int64_t n, int64_t k, const float *ones) SK_RESULT_USED;
int sk_linear_bwd(const sk_backend *be, float *dx, float dx_beta, float *dW, float *dbias, const float *dout,
                  const float *x, const float *W, int64_t rows, int64_t n, int64_t k, const float *ones) SK_RESULT_USED;

/* Mean cross-entropy over the non-ignored targets (-1) of logits (rows, V), shared by the LM and
 * the U-Net heads. targets: host (rows); tgt, losses: backend scratch (rows); dlogits: backend
 * (rows, V) or NULL (no gradient): (softmax - onehot) / count; host_loss: host scratch (rows).
 * count = the number of non-ignored targets (the caller validated them). */
int sk_head_xent(const sk_backend *be, double *loss, float *dlogits, const float *logits, const int32_t *targets,
                 int32_t *tgt, float *losses, float *host_loss, int64_t rows, int64_t V, int64_t count) SK_RESULT_USED;

/* Write a parameter table (or its gradients) as one fp32 safetensors file, atomically, with the
 * config JSON in __metadata__["config"] and "format" = "ssmkit" or "ssmkit-gradients". total =
 * the sum of the tensors' numel. */
int sk_params_save(const sk_backend *be, const sk_param *params, int np, int64_t total, const char *config_json,
                   const char *path, int grads) SK_RESULT_USED;

/* One pre-norm residual layer (what the LM stacks and the U-Net reuses), rows = b * L, width d:
 *   Mamba block: out = in + Mixer(RMSNorm(in));
 *   S4+MLP:      mid = in + S4(RMSNorm(in)); out = mid + MLP(RMSNorm2(mid)).
 * hn (rows, d), rstd (rows): the norm output and 1/rms kept for the backward; mo (rows, d) a
 * scratch; act as sk_mamba_block_forward; st NULL or the recurrent state (updated). out may not
 * alias in. Backward (in place on the residual stream): dr (rows, d) holds dL/dout on entry and
 * dL/din on exit; dhn (rows, d) scratch; parameter gradients (+=); dst_out / dst_in as in
 * sk_mamba_block_backward (the gradient w.r.t. the final state, NULL = 0; receives (=) the
 * gradient w.r.t. the initial state, NULL = not needed). */
int sk_resblock_forward(const sk_backend *be, const sk_mamba_config *c, float *out, const float *in, float *hn,
                        float *rstd, float *mo, const float *norm_w, sk_mamba_act *act, const sk_mamba_w *w, int64_t b,
                        int64_t L, const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr) SK_RESULT_USED;
int sk_resblock_backward(const sk_backend *be, const sk_mamba_config *c, float *dr, float *dhn, float *gnorm_w,
                         sk_mamba_w *gw, const float *in, const float *hn, const float *rstd, const float *norm_w,
                         const sk_mamba_act *act, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                         const sk_mamba_state *dst_out, sk_mamba_state *dst_in, sk_mamba_scratch *scr) SK_RESULT_USED;
/* A parameter table under construction: sk_ptable_add appends a parameter (name, shape, no weight
 * decay flag) and records where its value / gradient pointers go once the arenas exist. */
typedef struct sk_ptable {
    sk_param *params;
    float ***bind_w, ***bind_g;
    int *np;
} sk_ptable;
sk_param *sk_ptable_add(sk_ptable *t, const char *name, int ndim, int64_t s0, int64_t s1, int64_t s2, int nowd,
                        float **vw, float **vg);
/* The parameters of one residual layer of kind c under prefix (e.g. "backbone.layers.3."):
 * norm.weight, then the mixer's (sk_ssm.h lists the names per kind); at most 15. */
void sk_mamba_block_params(sk_ptable *t, const sk_mamba_config *c, const char *prefix, float **norm_w, float **gnorm_w,
                           sk_mamba_w *w, sk_mamba_w *g);
/* Register in aa the activation slots one block of kind c needs for max_b x max_L (not the norm
 * outputs, which the caller keeps), and the backward scratch (scan work always; the d* buffers
 * when grads). */
int sk_mamba_act_plan(sk_arena *aa, const sk_mamba_config *c, sk_mamba_act *a, int64_t max_b, int64_t max_L) SK_RESULT_USED;
int sk_mamba_scratch_plan(sk_arena *aa, const sk_mamba_config *c, sk_mamba_scratch *s, const sk_backend *be,
                          int64_t max_b, int64_t max_L, int grads) SK_RESULT_USED;
/* The initialization rule of one parameter by its name's suffix (sk_mamba_lm_init's list):
 * fills h (n) drawing from r; n_layer scales out_proj. SK_EINVAL for an unknown name. */
int sk_mamba_param_init(const sk_mamba_config *c, const char *name, float *h, int64_t n, sk_rng *r) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
