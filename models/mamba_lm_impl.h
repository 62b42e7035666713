/* mamba_lm_impl.h — private to models/ (not installed): the Mamba LM's structures, shared by
 * sk_mamba.c (the LM), sk_mamba_chunk.c (chunked training) and sk_mamba_io.c (checkpoints). The
 * public API is sk_mamba.h. Declares no functions. */
#ifndef MAMBA_LM_IMPL_H
#define MAMBA_LM_IMPL_H

#include "models/mamba_block_impl.h"
#include "models/sk_mamba.h"

struct sk_mamba_lm {
    sk_mamba_config cfg;
    const sk_backend *be;
    int64_t max_b, max_L;
    int flags;
    sk_arena pa, ga, aa;        /* size tables of parameters, gradients, activations */
    void *pbase, *gbase, *abase; /* their backend allocations */
    sk_param *params;
    int np;
    float ***bind_w, ***bind_g; /* (np) where each parameter's value / gradient pointer goes */
    /* views into the parameter / gradient arenas */
    float *emb, *gemb, *norm_f, *gnorm_f, *head, *ghead; /* head == emb when tied */
    float **norm_w, **gnorm_w;                            /* (n_layer) x (d) */
    sk_mamba_w *w, *gw;                                   /* (n_layer) */
    /* activations (max_b * max_L rows) */
    sk_mamba_act *act; /* (n_layer) */
    float **res;       /* (n_layer + 1) residual streams (rows, d) */
    float **hn, **rstd;/* (n_layer) norm outputs (rows, d) and 1/rms (rows) */
    float *mo, *hf, *rstdf, *logits, *losses, *dlogits, *dhf, *dr, *dhn;
    float *ones;       /* (rows) ones for the bias GEMMs of the S4+MLP blocks */
    void *tok, *tgt, *reset; /* int32 (rows), int32 (rows), bytes (rows) */
    sk_mamba_scratch scr;
    float *host_loss; /* (rows) host */
    /* the last forward */
    int64_t b, L;
    int fwd_ok, fwd_state, fwd_reset, have_dlogits;
    const float *in; /* the given r_0 of a forward from an input (sk_mamba_lm_forward_input), NULL for tokens */
    int have_losses; /* host_loss holds the last forward's per-position losses */
    int64_t fwd_chunked; /* the last forward was chunked: its total length, else 0 */
    struct sk_lm_chunker *ch; /* chunked training (sk_mamba_chunk.c), NULL = off */
    int64_t act_block;        /* activation bytes of one block (layer 0's slots) */
    /* inference (SK_MODEL_INFER): every layer shares one set of working buffers sized for a piece
     * of at most piece_b x piece_L positions; longer forwards run piece by piece with the state
     * carried (models/README.md §Inference). Equal to max_b x max_L otherwise. */
    int64_t piece_b, piece_L;
    struct sk_mamba_lm_state *view; /* (n_layer) a window of a caller's state: rows of one piece */
    struct sk_mamba_lm_state *zero; /* (1 row) the state of a stateless forward longer than a piece */
};

struct sk_mamba_lm_state {
    const sk_backend *be;
    int64_t b;
    sk_arena arena;
    void *base;
    sk_mamba_state *layer; /* (n_layer) */
};

#endif
