/* sk_unet.h — the SaShiMi / Mamba U-Net over 256 audio tokens (models/README.md §U-Net).
 *
 * Levels k = 0..S (S = number of pool factors p_0..p_{S-1}); width H_k = d_model * e^k, length
 * L / P_k with P_k = p_0 ... p_{k-1}. Modules in forward order (n = n_layer blocks per stage):
 *   down:   for k < S: n blocks at H_k (outer kind), DownPool_k (H_k -> H_{k+1}, stride p_k)
 *   center: n blocks at H_S (center kind)
 *   up:     for k = S-1..0: UpPool_k (H_{k+1} -> H_k), n blocks at H_k (outer kind)
 * Skips (unet.py): push the input of every down module; push the center input and add it back
 * after the center (x = Center(x) + pop); after every up module x = m(x) + pop.
 * Every block is the pre-norm residual of sk_resblock_forward (x + Mixer(RMSNorm(x)), eps
 * norm_epsilon; S4+MLP: two such residuals, one module). Token embedding (256, D); final RMSNorm;
 * untied head Linear(D, 256) with bias.
 *
 * DownPool (pool.py DownLinearPool): pooled[l, h*p + j] = x[l*p + j, h]; y = Linear(H*p -> H*e).
 * UpPool (UpLinearPool): z = Linear(H -> (H/e)*p); shift right one pooled frame (frame 0 = 0, not
 * the bias); out[l*p + j, h] = z[l-1, h*p + j].
 * ssmkit stores the pool weights time-major so both reshapes are views of row-major (b, L, H)
 * tensors and each pool is one GEMM:
 *   down.weight (H*e, p, H):   W[o, j, h] = W_torch[o, h*p + j]
 *   up.weight   (p, H/e, H):   W[j, h, i] = W_torch[h*p + j, i];  up.bias (p, H/e) likewise.
 *
 * Parameter names (models/README.md §Checkpoint names): embedding.weight;
 * {down,up}.{k}.blocks.{i}.<the layer's names without "backbone.layers.N.">; center.blocks.{i}.*;
 * down.{k}.pool.{weight,bias}; up.{k}.pool.{weight,bias}; norm_f.weight; lm_head.{weight,bias}.
 *
 * Config JSON: {"arch": "unet", "d_model", "n_layer" (blocks per stage), "pool": [p...],
 * "pool_expand" (2), "vocab_size" (256), "norm_epsilon" (1e-5), "outer": {block}, "center":
 * {block}} with block = the fields of sk_block_config.h (ssm, block, d_state, d_conv,
 * expand, dt_rank, dt_min, dt_max, dt_init_floor, dt_scale). A "train" section is ignored here.
 *
 * Layer contract (models/README.md §Layer contract): parameter gradients +=; step equals forward
 * (tested).
 */
#ifndef SK_UNET_H
#define SK_UNET_H

#include <stdint.h>
#include "models/sk_block_config.h"
#include "models/sk_model.h"
#include "models/sk_param.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_UNET_MAX_POOLS 6
/* Config ranges (besides those of sk_block_config.h): blocks per stage, each pool factor and
 * pool_expand, and the product of the pool factors. */
#define SK_UNET_MAX_LAYERS 256
#define SK_UNET_MAX_FACTOR 1024
#define SK_UNET_MAX_POOL_PROD ((int64_t)1 << 24)

typedef struct sk_unet_config {
    int64_t d_model, n_layer, vocab_size, pool_expand;
    int n_pool;
    int64_t pool[SK_UNET_MAX_POOLS];
    double norm_epsilon;
    sk_block_config outer, center; /* block templates; d_model / norm_epsilon set per level */
    /* derived */
    int64_t pool_prod;                       /* P_S: L must be a multiple */
    int64_t width[SK_UNET_MAX_POOLS + 1];    /* H_k */
    sk_block_config level[SK_UNET_MAX_POOLS + 1]; /* the block config of each level */
} sk_unet_config;

/* 1 if the JSON object is a U-Net config ("arch": "unet"). */
int sk_unet_config_is_unet(const struct cJSON *o);
int sk_unet_config_from_json(const struct cJSON *o, const char *what, sk_unet_config *c) SK_RESULT_USED;
char *sk_unet_config_to_json(const sk_unet_config *c); /* malloc'd */

typedef struct sk_unet sk_unet;
typedef struct sk_unet_state sk_unet_state;

/* max_len must be a multiple of the pool product. flags: SK_MODEL_GRADS, SK_MODEL_PLAN (sk_model.h). */
int sk_unet_create(sk_unet **out, const sk_unet_config *c, const sk_backend *be, int64_t max_batch, int64_t max_len,
                   int flags) SK_RESULT_USED;
void sk_unet_free(sk_unet *m);
const sk_unet_config *sk_unet_config_of(const sk_unet *m);
const sk_backend *sk_unet_backend(const sk_unet *m);
int sk_unet_nparams(const sk_unet *m);
const sk_param *sk_unet_param(const sk_unet *m, int i);
int64_t sk_unet_numel(const sk_unet *m);
/* Initialization: blocks as sk_block_param_init (out_proj scaled by the total block count);
 * embedding N(0, 0.02) (the rule of sk_init.c); pools and head nn.Linear default
 * U(+-1/sqrt(fan_in)). */
int sk_unet_init(sk_unet *m, uint64_t seed) SK_RESULT_USED;

/* tokens, targets: host (b, L), targets -1 = ignored; L a multiple of the pool product
 * (SK_EINVAL otherwise). *loss = mean cross-entropy (nats) over the valid targets. */
int sk_unet_forward(sk_unet *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                    double *loss) SK_RESULT_USED;
int sk_unet_logits(const sk_unet *m, float *dst) SK_RESULT_USED; /* host (b, L, vocab) */
int sk_unet_backward(sk_unet *m) SK_RESULT_USED;
int sk_unet_zero_grad(sk_unet *m) SK_RESULT_USED;

/* Chunked training with recomputation, as sk_mamba_lm_set_chunk (sk_mamba.h): after
 * sk_unet_set_chunk(m, C, Lmax), a forward of L > C positions (L <= Lmax, a multiple of the pool
 * product) runs in chunks of C (a multiple of the pool product; the last chunk shorter) carrying
 * every block's conv/SSM state and, at every UpPool, the last input frame of the chunk before
 * (the causal shift's one pooled frame); the backward recomputes each chunk from its boundary
 * state and passes the state gradients back. Loss and gradients equal the unchunked ones; the
 * logits are not kept. Create with max_len = C. chunk = 0 turns it off. */
int sk_unet_set_chunk(sk_unet *m, int64_t chunk, int64_t max_total_len) SK_RESULT_USED;
int64_t sk_unet_chunk(const sk_unet *m); /* 0 = off */
/* Bytes the model holds (valid on an SK_MODEL_PLAN model); act_block is the largest block's. */
void sk_unet_memory(const sk_unet *m, sk_model_mem *out);

/* Forward b = st->b sequences of L positions from the recurrent state st and update it, so that
 * consecutive calls (and sk_unet_step after them) equal one forward over the concatenation (long
 * audio in bounded memory: create with max_len = the chunk). L and the positions already consumed
 * (st) must be multiples of the pool product; L <= max_len. tokens/targets as sk_unet_forward;
 * sk_unet_logits gives this call's (b, L, 256) logits. No backward. */
int sk_unet_forward_state(sk_unet *m, sk_unet_state *st, const int32_t *tokens, const int32_t *targets, int64_t L,
                          double *loss) SK_RESULT_USED;

/* Recurrent generation (models/README.md §U-Net): state for b <= max_batch sequences; each step
 * consumes one token per sequence and gives the logits (host (b, vocab)) of the next. Coarser
 * levels run every P_k steps; constant work per sample on average. */
int sk_unet_state_create(sk_unet *m, int64_t b, sk_unet_state **out) SK_RESULT_USED;
int sk_unet_state_reset(sk_unet_state *st) SK_RESULT_USED;
void sk_unet_state_free(sk_unet_state *st);
int sk_unet_step(sk_unet *m, sk_unet_state *st, const int32_t *tokens, float *logits) SK_RESULT_USED;

/* Checkpoints: safetensors, config JSON in __metadata__["config"]; load checks every shape. */
int sk_unet_save(const sk_unet *m, const char *path) SK_RESULT_USED;
int sk_unet_save_grads(const sk_unet *m, const char *path) SK_RESULT_USED;
int sk_unet_load(sk_unet **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len,
                 int flags) SK_RESULT_USED;
/* Load only the parameters of an existing model from a checkpoint (shapes must match). */
int sk_unet_load_params(sk_unet *m, const char *path) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
