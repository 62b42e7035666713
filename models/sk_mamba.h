/* sk_mamba.h — the Mamba (v1) block and the Mamba language model (mamba-v1.md §1, §4).
 *
 * LM: tokens -> embedding -> n_layer x [r = r + Mamba(RMSNorm(r))] -> RMSNorm -> logits through
 * the (tied) head. Tensors are (batch, len, features) row-major in backend memory; models call
 * kernels only through the sk_backend table (kernels/sk_backend.h).
 *
 * Layer contract (DESIGN.md): sk_mamba_block_forward / _backward / _step; parameter gradients
 * accumulate (+=), activation gradients are written (=), except the residual stream where
 * RMSNorm's input gradient accumulates (+=). step equals forward (tested).
 *
 * Memory: parameters, gradients and activations are each one backend allocation carved from a
 * size table (sk_arena); a forward/backward/step allocates nothing. The SSM state is fp32.
 */
#ifndef SK_MAMBA_H
#define SK_MAMBA_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "kernels/sk_backend.h"
#include "src/sk_arena.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Configuration. JSON fields (ssmkit names, as in the presets of models/configs): d_model, n_layer, vocab_size,
 * pad_vocab_size_multiple (default 8; the vocabulary is rounded up to a multiple, as mamba_ssm),
 * d_state (16), d_conv (4), expand (2), dt_rank ("auto" = ceil(d_model/16), or an integer),
 * dt_min (1e-3), dt_max (0.1), dt_init_floor (1e-4), dt_scale (1), norm_epsilon (1e-5),
 * tie_embeddings (true). "arch", if present, must be "mamba-lm". A "train" object (a preset's
 * training options, read by `ssmkit train`) is allowed and ignored here.
 * The SSM layer family (issue 7, models/sk_ssm.h): "ssm" = "s6" (default, Mamba's selective
 * S6, real), "s6-complex" (complex S6: A = -exp(A_log) + i A_imag, x_proj gives R + 4N outputs),
 * "s4d-real" or "s4d-lin" (the LTI S4D layer with ZOH, real or complex, per-channel dt; in a
 * Mamba block it replaces x_proj/dt_proj/S6: the "Mamba-S4" block); "block" = "mamba" (default)
 * or "s4-mlp" (SaShiMi's S4 block followed by an MLP block, each pre-norm residual; needs an
 * s4d ssm). Complex kinds have d_state complex modes (2 * d_state real numbers per channel).
 * ------------------------------------------------------------------------------------------- */
enum { SK_SSM_S6 = 0, SK_SSM_S6_COMPLEX = 1, SK_SSM_S4D_REAL = 2, SK_SSM_S4D_LIN = 3 };
enum { SK_BLOCK_MAMBA = 0, SK_BLOCK_S4_MLP = 1 };
typedef struct sk_mamba_config {
    int64_t d_model, n_layer, vocab_size, pad_vocab_size_multiple;
    int64_t d_state, d_conv, dt_rank;
    double expand;
    int dt_rank_auto;
    double dt_min, dt_max, dt_init_floor, dt_scale, norm_epsilon;
    int tie_embeddings;
    int ssm;   /* SK_SSM_*: "ssm" */
    int block; /* SK_BLOCK_*: "block" */
    /* derived by sk_mamba_config_finish */
    int64_t d_inner;      /* int(expand * d_model) */
    int64_t vocab_padded; /* vocab_size rounded up to pad_vocab_size_multiple */
} sk_mamba_config;

/* Defaults of mamba_ssm (d_model etc. left 0: must be given). */
void sk_mamba_config_defaults(sk_mamba_config *c);
/* Parse an ssmkit config object (what = file name for messages). Unknown keys are errors. */
int sk_mamba_config_from_json(const cJSON *o, const char *what, sk_mamba_config *c) SK_RESULT_USED;
/* Parse a mamba_ssm config.json (d_model, n_layer, vocab_size, ssm_cfg{...}, ...). */
int sk_mamba_config_from_mamba_ssm(const cJSON *o, const char *what, sk_mamba_config *c) SK_RESULT_USED;
/* Parse a Hugging Face transformers MambaConfig (hidden_size, num_hidden_layers, state_size,
 * conv_kernel, expand, time_step_*, layer_norm_epsilon, tie_word_embeddings; no vocab padding). */
int sk_mamba_config_from_hf(const cJSON *o, const char *what, sk_mamba_config *c) SK_RESULT_USED;
/* Validate and derive d_inner, dt_rank ("auto") and vocab_padded. */
int sk_mamba_config_finish(sk_mamba_config *c, const char *what) SK_RESULT_USED;
/* The config as ssmkit JSON (malloc'd string). */
char *sk_mamba_config_to_json(const sk_mamba_config *c);

/* ---------------------------------------------------------------------------------------------
 * The block (mamba_simple.Mamba, no biases on in_proj/out_proj, conv bias on).
 * ------------------------------------------------------------------------------------------- */
typedef struct sk_mamba_w {   /* parameters (or their gradients) of one block */
    float *in_proj;   /* (2*Di, d) */
    float *conv_w;    /* (Di, W)   checkpoint shape (Di, 1, W) */
    float *conv_b;    /* (Di) */
    float *x_proj;    /* (R + 2N, Di) rows: dt (R), B (N), C (N) */
    float *dt_proj_w; /* (Di, R) */
    float *dt_proj_b; /* (Di) */
    float *A_log;     /* (Di, N); A = -exp(A_log) */
    float *D;         /* (Di) */
    float *out_proj;  /* (d, Di) */
    /* the SSM layer family (models/sk_ssm.h; NULL where the kind has none). H = Di in a Mamba
     * block, d in an S4 block; K = 2 for complex kinds */
    float *A_imag;    /* (H, N) imaginary part of A (s6-complex, s4d-lin) */
    float *log_dt;    /* (H) S4D step: dt = exp(log_dt) */
    float *B, *C;     /* (H, N[, 2]) S4D constant B and C */
    float *glu_w, *glu_b;                 /* S4 block output_linear: (2d, d), (2d), then GLU */
    float *norm2;                         /* (d) RMSNorm of the MLP block */
    float *fc1_w, *fc1_b, *fc2_w, *fc2_b; /* MLP: (2d, d), (2d), (d, 2d), (d) */
} sk_mamba_w;

typedef struct sk_mamba_state { /* recurrent state of one block for b sequences */
    float *conv;  /* (b, W-1, Di) last W-1 pre-conv inputs, oldest first (Mamba blocks) */
    float *ssm;   /* (b, H, N[, 2]) fp32 (complex kinds: (re, im) pairs) */
} sk_mamba_state;

typedef struct sk_mamba_act { /* what the forward saves for the backward (max_batch x max_len) */
    float *xz;     /* (b, L, 2*Di) in_proj output: x | z */
    float *xc;     /* (b, L, Di) SiLU(conv(x)) */
    float *xdbl;   /* (b, L, R + 2N) x_proj output: dt_in | B | C */
    float *dt;     /* (b, L, Di) dt_proj(dt_in), before bias and softplus */
    float *y;      /* (b, L, Di) gated scan output */
    float *ckpt;   /* (b, ceil(L/chunk), H, N[, 2]) scan checkpoints */
    float *conv0;  /* (b, W-1, Di) the initial conv state the forward used (when given a state) */
    float *ssm0;   /* (b, H, N[, 2]) the initial SSM state */
    float *s4_dt, *s4_Bz; /* S4D: dt (H) and the ZOH-folded B (H, N[, 2]) of this forward */
    float *g, *pre;       /* S4 block: GELU(y) (b, L, d), output_linear out (b, L, 2d) */
    float *mid, *hn2, *rstd2, *f1, *g1; /* MLP block: residual after the S4 block (b, L, d), its
                                         * RMSNorm (b, L, d) and 1/rms (b, L), fc1 out and GELU (b, L, 2d) */
    int has_state; /* set by the forward: conv0/ssm0 hold the initial state */
} sk_mamba_act;

typedef struct sk_mamba_scratch { /* backward temporaries shared by all blocks; scan scratch */
    float *dxz, *dxc, *dxdbl, *ddt, *dy; /* shapes as the activations */
    float *s4_ddt, *s4_dBz;               /* S4D: (H), (H, N[, 2]) */
    float *d2a, *d2b;                     /* S4 / MLP blocks: (b, L, 2d) each */
    const float *ones;                    /* (b*L) ones: bias gradients as GEMMs */
    float *scan_work;
    int64_t scan_work_len;
} sk_mamba_scratch;

/* out (b, L, d) = Mamba(in (b, L, d)). reset: (b, L) backend bytes or NULL. st: NULL (zero state,
 * nothing kept) or the state to start from, updated to the state after the last position
 * (chunked calls with state carry equal one call). */
int sk_mamba_block_forward(const sk_backend *be, const sk_mamba_config *c, float *out, sk_mamba_act *act,
                           const float *in, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                           sk_mamba_state *st, sk_mamba_scratch *scr) SK_RESULT_USED;
/* din (b, L, d) (=) and dw (+=) from dout (b, L, d), after sk_mamba_block_forward with the same
 * in/act. dst_out: gradient w.r.t. the final state (NULL = 0); dst_in: receives the gradient
 * w.r.t. the initial state (NULL = not needed; only meaningful if the forward had a state). */
int sk_mamba_block_backward(const sk_backend *be, const sk_mamba_config *c, float *din, sk_mamba_w *dw,
                            const float *dout, const float *in, const sk_mamba_w *w, const sk_mamba_act *act,
                            int64_t b, int64_t L, const uint8_t *reset, const sk_mamba_state *dst_out,
                            sk_mamba_state *dst_in, sk_mamba_scratch *scr) SK_RESULT_USED;
/* One token for b sequences: out (b, d) from in (b, d), st updated (act: any activation set with
 * room for b x 1). */
int sk_mamba_block_step(const sk_backend *be, const sk_mamba_config *c, sk_mamba_state *st, float *out,
                        const float *in, const sk_mamba_w *w, int64_t b, sk_mamba_act *act,
                        sk_mamba_scratch *scr) SK_RESULT_USED;

/* ---------------------------------------------------------------------------------------------
 * The language model.
 * ------------------------------------------------------------------------------------------- */
typedef struct sk_param {
    char name[96];      /* checkpoint name, e.g. backbone.layers.0.mixer.A_log */
    int ndim;
    int64_t shape[3];
    int64_t numel;
    float *w, *g;       /* backend memory; g is NULL without gradients */
    int no_weight_decay; /* A_log, D (mamba_ssm's _no_weight_decay), norms and biases */
} sk_param;

typedef struct sk_mamba_lm sk_mamba_lm;
/* Point every slot of a size table into one backend allocation (*base, zero-filled; free it with
 * be->free). Used by every model in models/. */
int sk_arena_alloc_on(sk_arena *a, const sk_backend *be, void **base) SK_RESULT_USED;
typedef struct sk_mamba_lm_state sk_mamba_lm_state;

/* create flags: SK_MAMBA_GRADS allocates gradients and backward scratch; SK_MAMBA_PLAN only sizes
 * the arenas (nothing allocated: a memory plan for `ssmkit train --dry-run`; only _memory,
 * _set_chunk and _free may be called on it). */
enum { SK_MAMBA_GRADS = 1, SK_MAMBA_PLAN = 2 };

/* Allocate a model for batches of at most max_batch x max_len tokens (parameters zero; call
 * sk_mamba_lm_init or a load). Fails with SK_EUNSUP naming the op when the backend lacks one. */
int sk_mamba_lm_create(sk_mamba_lm **out, const sk_mamba_config *c, const sk_backend *be, int64_t max_batch,
                       int64_t max_len, int flags) SK_RESULT_USED;
void sk_mamba_lm_free(sk_mamba_lm *m);
const sk_mamba_config *sk_mamba_lm_config(const sk_mamba_lm *m);
const sk_backend *sk_mamba_lm_backend(const sk_mamba_lm *m);
/* Parameter table in checkpoint order (ssmkit names; tied models have no lm_head.weight). */
int sk_mamba_lm_nparams(const sk_mamba_lm *m);
const sk_param *sk_mamba_lm_param(const sk_mamba_lm *m, int i);
int64_t sk_mamba_lm_numel(const sk_mamba_lm *m); /* total parameter count */
/* The parameter (grads = 0) or gradient (grads = 1) arena as one flat fp32 array of *n elements
 * (slots padded to 64 bytes; both arenas have the same layout, so param i lives at
 * p->w - base in either, and an optimizer can size its moment buffers from *n). NULL without
 * gradients. */
float *sk_mamba_lm_flat(const sk_mamba_lm *m, int grads, int64_t *n);
int64_t sk_mamba_lm_max_batch(const sk_mamba_lm *m);
int64_t sk_mamba_lm_max_len(const sk_mamba_lm *m);
/* Print the MiB of each arena to stderr (verbose: every slot). */
void sk_mamba_lm_print_memory(const sk_mamba_lm *m, int verbose);

/* ---------------------------------------------------------------------------------------------
 * Chunked training with recomputation (issue 12). After sk_mamba_lm_set_chunk(m, C, Lmax), a
 * forward of b x L tokens with C < L <= Lmax runs the sequence in chunks of C positions (the last
 * one shorter): every chunk goes through all layers carrying each block's conv and SSM state,
 * keeping only the state at each chunk start (the "boundary states") and a host copy of the
 * tokens/targets/resets. The backward walks the chunks in reverse: it restores the chunk's
 * boundary state, recomputes the chunk's activations (the last chunk's are still there), backs
 * through the head and the layers with the state gradient of the chunk after it (dst_out) and
 * hands the gradient of its initial state (dst_in) to the chunk before it. Loss and gradients
 * equal the unchunked ones (tested to 1e-5); the logits of a chunked forward are not kept.
 * Memory: the activations are those of max_batch x max_len (so create with max_len = C), plus
 * ceil(Lmax / C) + 3 states (sk_model_mem.chunk_states) and 9 host bytes per token.
 * L <= C takes the ordinary path. chunk = 0 turns chunking off. C <= max_len.
 * ------------------------------------------------------------------------------------------- */
int sk_mamba_lm_set_chunk(sk_mamba_lm *m, int64_t chunk, int64_t max_total_len) SK_RESULT_USED;
int64_t sk_mamba_lm_chunk(const sk_mamba_lm *m); /* 0 = off */

/* Bytes a model holds (what `ssmkit train --dry-run` prints), valid on a SK_MAMBA_PLAN model. */
typedef struct sk_model_mem {
    int64_t params, grads, acts; /* backend bytes of the parameter, gradient, activation arenas */
    int64_t act_block;           /* activation bytes of one block at max_batch x max_len (the largest) */
    int64_t nblocks;
    int64_t chunk_states;        /* chunked training: boundary + working states and state gradients */
    int64_t host;                /* the model's host buffers (loss scratch, chunked input copies) */
} sk_model_mem;
void sk_mamba_lm_memory(const sk_mamba_lm *m, sk_model_mem *out);

/* Official initialization (mamba-v1.md §1.2, §4.4): embedding N(0, 0.02); in_proj, x_proj
 * U(+-1/sqrt(fan_in)); conv weight and bias U(+-1/sqrt(W)); dt_proj.weight U(+-dt_scale/sqrt(R));
 * dt_proj.bias = softplus^-1(dt), dt log-uniform on [dt_min, dt_max] floored at dt_init_floor;
 * A_log[c, n] = log(n+1); D = 1; norms 1; out_proj U(+-1/sqrt(Di)) / sqrt(n_layer); untied
 * lm_head U(+-1/sqrt(d)). Tensor k draws from sk_rng stream k of `seed`. */
int sk_mamba_lm_init(sk_mamba_lm *m, uint64_t seed) SK_RESULT_USED;

/* Forward b x L tokens (host int32, (b, L)). targets (host, (b, L), -1 = ignored) or NULL:
 * then *loss = mean cross-entropy over the non-ignored targets and, with gradients, the loss
 * gradient is kept for sk_mamba_lm_backward. reset (host (b, L) bytes) or NULL. st: NULL, or a
 * recurrent state to start from and update (prefill / chunked evaluation). Tokens must be in
 * [0, vocab_padded), targets in [0, vocab_padded) or -1 (SK_EINVAL naming the position). */
int sk_mamba_lm_forward(sk_mamba_lm *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                        const uint8_t *reset, sk_mamba_lm_state *st, double *loss) SK_RESULT_USED;
/* Copy the logits of the last forward to host: (b, L, vocab_padded). */
int sk_mamba_lm_logits(const sk_mamba_lm *m, float *dst) SK_RESULT_USED;
/* The per-position losses of the last forward with targets: host (b, L), -log p(target) in nats
 * (fp32), 0 where the target is -1; valid until the next forward (NULL before one). Lets a caller
 * split a batch's loss by record (packed rows, streaming evaluation). */
/* (NULL after a chunked training forward, which keeps no per-position losses) */
const float *sk_mamba_lm_position_losses(const sk_mamba_lm *m);
/* Gradients of the mean loss of the last forward (which needs targets and no state), added (+=)
 * to the gradient arena. */
int sk_mamba_lm_backward(sk_mamba_lm *m) SK_RESULT_USED;
int sk_mamba_lm_zero_grad(sk_mamba_lm *m) SK_RESULT_USED;

/* The backbone alone (embedding, layers, final norm), for heads other than the LM head (the DNA
 * classifier, embeddings): forward b x L host tokens with no state; then sk_mamba_lm_hidden is the
 * final norm's output hf (b, L, d) in backend memory, valid until the next forward. With
 * gradients, the caller writes dLoss/dhf (b, L, d) into sk_mamba_lm_dhidden (backend memory, =)
 * and sk_mamba_lm_backward_hidden adds (+=) the backbone's parameter gradients; the LM head's
 * gradient is untouched. sk_mamba_lm_forward / _backward are these plus the LM head. */
int sk_mamba_lm_forward_hidden(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset) SK_RESULT_USED;
/* The same with a recurrent state (streaming inference, issue 12): st (b sequences) is the state
 * to start from and is updated to the state after the last position, so consecutive calls over
 * the chunks of a sequence equal one call over the whole (reset flags start new sequences inside
 * a chunk: packed records). No backward after a forward with a state. */
int sk_mamba_lm_forward_hidden_state(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                                     sk_mamba_lm_state *st) SK_RESULT_USED;
const float *sk_mamba_lm_hidden(const sk_mamba_lm *m);
float *sk_mamba_lm_dhidden(sk_mamba_lm *m); /* NULL without SK_MAMBA_GRADS */
int sk_mamba_lm_backward_hidden(sk_mamba_lm *m) SK_RESULT_USED;

/* Recurrent state for b <= max_batch sequences (zero = empty history). */
int sk_mamba_lm_state_create(sk_mamba_lm *m, int64_t b, sk_mamba_lm_state **out) SK_RESULT_USED;
int sk_mamba_lm_state_reset(sk_mamba_lm_state *st) SK_RESULT_USED;
void sk_mamba_lm_state_free(sk_mamba_lm_state *st);
/* One token per sequence (host (b)) -> logits (host (b, vocab_padded), or NULL). */
int sk_mamba_lm_step(sk_mamba_lm *m, sk_mamba_lm_state *st, const int32_t *tokens, float *logits) SK_RESULT_USED;

/* Save as an ssmkit checkpoint: safetensors, fp32, names of sk_mamba_lm_param, config JSON in
 * __metadata__["config"], written atomically. */
int sk_mamba_lm_save(const sk_mamba_lm *m, const char *path) SK_RESULT_USED;
/* Load from an ssmkit checkpoint file, a mamba_ssm folder (config.json + model.safetensors) or a
 * Hugging Face folder (config.json + model.safetensors or model.safetensors.index.json shards).
 * pytorch_model.bin is refused with a "convert to safetensors" message; a tensor whose shape
 * does not match the config is an error naming it. */
int sk_mamba_lm_load(sk_mamba_lm **out, const char *path, const sk_backend *be, int64_t max_batch,
                     int64_t max_len, int flags) SK_RESULT_USED;
/* Read only the config of what sk_mamba_lm_load accepts. */
int sk_mamba_load_config(const char *path, sk_mamba_config *c) SK_RESULT_USED;
/* Write the gradients (host copies, fp32) as safetensors under the parameter names. */
int sk_mamba_lm_save_grads(const sk_mamba_lm *m, const char *path) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
