/* sk_optim.h — the optimizer contract for `ssmkit train` (design note + parameter-group rule).
 *
 * AdamW itself is an op of the backend (kernels/cpu, kernels/cuda; the adamw entry of kernels/sk_backend.h), so that the update
 * runs where the parameters live. This header fixes what the trainer passes to it and in which
 * order a step happens; only the weight-decay rule and the hyperparameter record live here.
 *
 * One update (step t = 1, 2, ...; t counts updates, not micro-batches):
 *   1. zero the gradient buffer (one allocation, all parameters);
 *   2. for each of K micro-batches: forward, loss scaled by 1/K, backward (parameter gradients
 *      accumulate with +=, the layer contract);
 *   3. g_norm = sqrt(sum over all parameters of g^2) in double; if g_norm or the loss is NaN/Inf,
 *      stop with SK_ENUM before touching the parameters (the last checkpoint stays good);
 *   4. global clipping as torch.nn.utils.clip_grad_norm_: c = max_norm / (g_norm + 1e-6);
 *      if c < 1 scale every gradient by c (max_norm <= 0 disables clipping);
 *   5. lr = sk_sched_lr(sched, t - 1) (sk_sched.h);
 *   6. per parameter tensor, the AdamW op (torch.optim.AdamW, decoupled decay):
 *        p -= lr * wd * p                      (wd = weight_decay, or 0 when !sk_optim_decays)
 *        m  = beta1 * m + (1 - beta1) * g
 *        v  = beta2 * v + (1 - beta2) * g^2
 *        p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 *      m and v are fp32, one allocation each, same layout as the parameters, zero at t = 0.
 *
 * Training state (CKPT.train.safetensors, written atomically beside the model checkpoint):
 *   "optim.m.<param name>", "optim.v.<param name>"  F32, the parameter's shape
 *   "train.step"        I64 [1]   updates done (t of the last update)
 *   "train.rng"         I64 [4]   the trainer's sk_rng (dropout-free models need none; kept for
 *                                 generality)
 *   "data.train.state"  I64 [SK_DATA_STATE_WORDS]  the batch sampler (sk_data_state_get/set)
 *   (the uint64 words are stored bit-cast as I64: sk_safetensors has no U64 dtype)
 *   "param.<param name>" F32   the weights too, so this one file is enough to resume
 *                              (models/sk_trainer.h)
 *   __metadata__: "config" (model JSON), "train" (resolved options JSON, including
 *   sk_optim_hparams and the schedule), "best_valid" (bits/token of the best checkpoint).
 * A resumed run restores all of these, so with the same thread count it reproduces the
 * uninterrupted run bitwise.
 *
 * Note for the trainer's home: the training loop calls models/, which src/ may not include
 * (DESIGN.md §Layers), so the loop belongs in models/, not src/.
 */
#ifndef SK_OPTIM_H
#define SK_OPTIM_H

#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_optim_hparams {
    double beta1, beta2, eps;   /* AdamW moments; `ssmkit train` defaults to (0.9, 0.95), eps 1e-8 */
    double weight_decay;        /* decoupled (AdamW); `ssmkit train` defaults to 0.1 */
    double clip_norm;           /* global L2 gradient clipping; <= 0 disables */
} sk_optim_hparams;

#define SK_OPTIM_DEFAULTS ((sk_optim_hparams){0.9, 0.95, 1e-8, 0.1, 1.0})

/* SK_EINVAL naming the field: betas in [0, 1), eps > 0, weight_decay >= 0, all finite. */
int sk_optim_check(const sk_optim_hparams *h) SK_RESULT_USED;

/* Whether weight decay applies to the parameter `name` with `ndim` dimensions: 1-D tensors
 * (norm weights, biases, D) never decay, and neither do the SSM's A_log / A_imag (mamba_ssm
 * marks A_log and D with _no_weight_decay); every other tensor of >= 2 dimensions (embedding,
 * projections, conv1d weights) does. */
int sk_optim_decays(const char *name, int ndim);

#ifdef __cplusplus
}
#endif
#endif
