/* mamba_block_impl.h — private to models/ (not installed: no sk_ prefix). One residual block's
 * weights, recurrent state, saved activations and backward scratch, and the Mamba block
 * (mamba_simple.Mamba: no biases on in_proj/out_proj, conv bias on), defined in sk_mamba_block.c.
 * Layer contract: models/README.md §Layer contract.
 */
#ifndef MAMBA_BLOCK_IMPL_H
#define MAMBA_BLOCK_IMPL_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "models/sk_block_config.h"
#include "models/sk_param.h"
#include "src/sk_arena.h"

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
    /* the SSM layer family (models/README.md §Block kinds; NULL where the kind has none). H = Di in a Mamba
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
int sk_mamba_block_forward(const sk_backend *be, const sk_block_config *c, float *out, sk_mamba_act *act,
                           const float *in, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                           sk_mamba_state *st, sk_mamba_scratch *scr) SK_RESULT_USED;
/* din (b, L, d) (=) and dw (+=) from dout (b, L, d), after sk_mamba_block_forward with the same
 * in/act. dst_out: gradient w.r.t. the final state (NULL = 0); dst_in: receives the gradient
 * w.r.t. the initial state (NULL = not needed; only meaningful if the forward had a state). */
int sk_mamba_block_backward(const sk_backend *be, const sk_block_config *c, float *din, sk_mamba_w *dw,
                            const float *dout, const float *in, const sk_mamba_w *w, const sk_mamba_act *act,
                            int64_t b, int64_t L, const uint8_t *reset, const sk_mamba_state *dst_out,
                            sk_mamba_state *dst_in, sk_mamba_scratch *scr) SK_RESULT_USED;
/* One token for b sequences: out (b, d) from in (b, d), st updated (act: any activation set with
 * room for b x 1). */
int sk_mamba_block_step(const sk_backend *be, const sk_block_config *c, sk_mamba_state *st, float *out,
                        const float *in, const sk_mamba_w *w, int64_t b, sk_mamba_act *act,
                        sk_mamba_scratch *scr) SK_RESULT_USED;


/* The parameters of one residual layer of kind c under prefix (e.g. "backbone.layers.3."):
 * norm.weight, then the mixer's (models/README.md §Checkpoint names lists them per kind); at
 * most 15. */
void sk_mamba_block_params(sk_ptable *t, const sk_block_config *c, const char *prefix, float **norm_w, float **gnorm_w,
                           sk_mamba_w *w, sk_mamba_w *g);
/* Register in aa the activation slots one block of kind c needs for max_b x max_L (not the norm
 * outputs, which the caller keeps), and the backward scratch (scan work always; the d* buffers
 * when grads). */
int sk_mamba_act_plan(sk_arena *aa, const sk_block_config *c, sk_mamba_act *a, int64_t max_b, int64_t max_L) SK_RESULT_USED;
int sk_mamba_scratch_plan(sk_arena *aa, const sk_block_config *c, sk_mamba_scratch *s, const sk_backend *be,
                          int64_t max_b, int64_t max_L, int grads) SK_RESULT_USED;

#endif
