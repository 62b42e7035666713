/* sk_slw.h — sequence-length warm-up (SLW) schedules, as in the Mamba paper App. E.3.3 (after
 * HyenaDNA): training starts on short windows and the window length doubles stage by stage while
 * the number of tokens per optimizer step stays constant, so the batch halves as the length
 * doubles.
 *
 * Plan for a target length L_max, a first length L_0 (App. E.3.3: 1024), T tokens per step and
 * S steps per warm-up stage (the paper counts "2 epochs" per stage; here a stage is a number of
 * optimizer steps, which is what a step-based trainer can honour):
 *   stage k = 0, 1, ..., n-1:  length_k = L_0 * 2^k   (length_{n-1} = L_max)
 *                              batch_k  = T / length_k  (rows per step, so batch_k * length_k = T)
 *                              steps_k  = S for k < n-1; the last stage runs the remaining
 *                                         total - S*(n-1) steps
 *                              first_k  = sum_{j<k} steps_j  (0-based index of its first step)
 * Conditions (SK_EINVAL naming the value otherwise): L_max = L_0 * 2^(n-1) (a power-of-two
 * multiple of L_0) or L_max <= L_0 (then one stage at L_max, no warm-up); L_max <= cap
 * (SK_SLW_MAX_LEN = 2^20, the paper's longest DNA context, reachable with chunked training:
 * `ssmkit train --chunk`); T a multiple of L_max (so every stage has
 * an integer batch >= 1); total > S*(n-1) (the last stage gets at least one step).
 */
#ifndef SK_SLW_H
#define SK_SLW_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_SLW_MAX_LEN ((int64_t)1 << 20)   /* longest length a plan may reach (chunked training) */
#define SK_SLW_MAX_STAGES 48

typedef struct sk_slw_stage {
    int64_t length;      /* window length of the stage */
    int64_t batch;       /* rows per optimizer step (tokens_per_step / length) */
    int64_t steps;       /* optimizer steps in the stage */
    int64_t first_step;  /* 0-based index of the stage's first step */
} sk_slw_stage;

typedef struct sk_slw {
    int n;                                /* stages */
    int64_t tokens_per_step, total_steps;
    sk_slw_stage stage[SK_SLW_MAX_STAGES];
} sk_slw;

/* Build the plan described above. */
int sk_slw_plan(sk_slw *s, int64_t first_len, int64_t max_len, int64_t tokens_per_step, int64_t steps_per_stage,
                int64_t total_steps) SK_RESULT_USED;
/* The stage of 0-based step `step` (steps past the end belong to the last stage). */
const sk_slw_stage *sk_slw_at(const sk_slw *s, int64_t step);

#ifdef __cplusplus
}
#endif
#endif
