/* sk_mamba.h — the Mamba language model (public API), defined in sk_mamba.c (which drives the
 * chunked training of sk_mamba_chunk.c); checkpoints are sk_mamba_io.h (included here), the
 * config sk_mamba_config.h, the blocks mamba_block_impl.h (private).
 *
 * LM: tokens -> embedding -> n_layer x [r = r + Mamba(RMSNorm(r))] -> RMSNorm -> logits through
 * the (tied) head. Tensors are (batch, len, features) row-major in backend memory; models call
 * kernels only through the sk_backend table (kernels/sk_backend.h). The layer contract (= vs +=
 * gradients, step equals forward, state carry, chunking): models/README.md §Layer contract.
 *
 * Memory: parameters, gradients and activations are each one backend allocation carved from a
 * size table (sk_arena); a forward/backward/step allocates nothing. The SSM state is fp32.
 */
#ifndef SK_MAMBA_H
#define SK_MAMBA_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "models/sk_mamba_config.h"
#include "models/sk_mamba_io.h"
#include "models/sk_model.h"
#include "models/sk_param.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_mamba_lm sk_mamba_lm;
typedef struct sk_mamba_lm_state sk_mamba_lm_state;

/* create flags: SK_MODEL_GRADS, SK_MODEL_PLAN, SK_MODEL_INFER (sk_model.h), and SK_MAMBA_NO_EMBEDDING: a
 * backbone whose input is given, not looked up: no token embedding and no LM head (neither is a
 * parameter; the logits are not allocated). Its forward is sk_mamba_lm_forward_input; a forward of
 * tokens (and so a step or an LM forward) fails saying so. The classifier on frames uses it. */
enum { SK_MAMBA_NO_EMBEDDING = 128 };

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
 * Chunked training with recomputation (models/README.md §Chunking). After
 * sk_mamba_lm_set_chunk(m, C, Lmax), a forward of b x L tokens with C < L <= Lmax runs the
 * sequence in chunks of C positions (the last one shorter): every chunk goes through all layers carrying each block's conv and SSM state,
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

/* Bytes the model holds (what `ssmkit train --dry-run` prints), valid on a SK_MODEL_PLAN model. */
void sk_mamba_lm_memory(const sk_mamba_lm *m, sk_model_mem *out);

/* Official initialization (the rules of models/README.md §Initialization). Tensor k draws from
 * sk_rng stream k of `seed`. */
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
/* The same with a recurrent state (streaming inference): st (b sequences) is the state
 * to start from and is updated to the state after the last position, so consecutive calls over
 * the chunks of a sequence equal one call over the whole (reset flags start new sequences inside
 * a chunk: packed records). No backward after a forward with a state. */
int sk_mamba_lm_forward_hidden_state(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                                     sk_mamba_lm_state *st) SK_RESULT_USED;
const float *sk_mamba_lm_hidden(const sk_mamba_lm *m);
float *sk_mamba_lm_dhidden(sk_mamba_lm *m); /* NULL without SK_MODEL_GRADS */
int sk_mamba_lm_backward_hidden(sk_mamba_lm *m) SK_RESULT_USED;
/* The backbone on a given input instead of embedded tokens: r0 (b, L, d) in backend memory is the
 * residual stream before the first layer (it is copied, so the caller may reuse it); no state,
 * no reset flags. Then sk_mamba_lm_hidden as above. Any model takes it; one created with
 * SK_MAMBA_NO_EMBEDDING takes only it. */
int sk_mamba_lm_forward_input(sk_mamba_lm *m, const float *r0, int64_t b, int64_t L) SK_RESULT_USED;
/* After sk_mamba_lm_backward_hidden: dLoss/dr0 (b, L, d) in backend memory (written by the backward,
 * valid until the next one; for a token model, what the embedding's gradient was gathered from).
 * NULL without SK_MODEL_GRADS. */
const float *sk_mamba_lm_dinput(const sk_mamba_lm *m);

/* Recurrent state for b <= max_batch sequences (zero = empty history). */
int sk_mamba_lm_state_create(sk_mamba_lm *m, int64_t b, sk_mamba_lm_state **out) SK_RESULT_USED;
int sk_mamba_lm_state_reset(sk_mamba_lm_state *st) SK_RESULT_USED;
void sk_mamba_lm_state_free(sk_mamba_lm_state *st);
int64_t sk_mamba_lm_state_batch(const sk_mamba_lm_state *st); /* its b */
/* One token per sequence (host (b)) -> logits (host (b, vocab_padded), or NULL). */
int sk_mamba_lm_step(sk_mamba_lm *m, sk_mamba_lm_state *st, const int32_t *tokens, float *logits) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
