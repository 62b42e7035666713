/* sk_sched.h — learning-rate schedules as pure functions of the optimizer step.
 *
 * `step` counts optimizer updates from 0 (the first update uses sk_sched_lr(s, 0)); with
 * gradient accumulation it advances once per update, not per micro-batch. Both kinds start with
 * a linear warm-up over `warmup` steps (0 = none), as llm.c does:
 *   step < warmup:                 lr(step) = lr_max * (step + 1) / warmup
 * then
 *   SK_SCHED_CONSTANT:             lr(step) = lr_max
 *   SK_SCHED_COSINE, step < total: r = (step - warmup) / (total - warmup),
 *                                  lr(step) = lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(pi * r))
 *   SK_SCHED_COSINE, step >= total: lr_min
 * so the cosine starts at lr_max right after the warm-up and would reach lr_min at step = total.
 */
#ifndef SK_SCHED_H
#define SK_SCHED_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SK_SCHED_CONSTANT = 0, SK_SCHED_COSINE = 1 };

typedef struct sk_sched {
    int kind;          /* SK_SCHED_CONSTANT or SK_SCHED_COSINE */
    double lr_max;     /* peak learning rate (> 0) */
    double lr_min;     /* cosine floor, 0 <= lr_min <= lr_max (ignored by constant) */
    int64_t warmup;    /* warm-up steps, >= 0 */
    int64_t total;     /* total steps (cosine: > warmup) */
} sk_sched;

/* SK_EINVAL with a message naming the field when the schedule is inconsistent. */
int sk_sched_check(const sk_sched *s) SK_RESULT_USED;
/* The learning rate of update number `step` (>= 0). s must pass sk_sched_check. */
double sk_sched_lr(const sk_sched *s, int64_t step);
/* "constant" / "cosine" <-> kind; parse returns SK_EINVAL naming the accepted values. */
int sk_sched_kind_parse(const char *name, int *kind) SK_RESULT_USED;
const char *sk_sched_kind_name(int kind);

#ifdef __cplusplus
}
#endif
#endif
