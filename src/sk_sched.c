/* sk_sched.c — learning-rate schedules. See sk_sched.h for the formulas. */
#include "src/sk_sched.h"

#include <math.h>
#include <string.h>

int sk_sched_check(const sk_sched *s) {
    if (s->kind != SK_SCHED_CONSTANT && s->kind != SK_SCHED_COSINE)
        return sk_error(SK_EINVAL, "lr schedule: unknown kind %d", s->kind);
    if (!(s->lr_max > 0 && isfinite(s->lr_max)))
        return sk_error(SK_EINVAL, "lr schedule: learning rate must be a finite number > 0 (got %g)", s->lr_max);
    if (s->warmup < 0) return sk_error(SK_EINVAL, "lr schedule: warm-up steps must be >= 0 (got %lld)", (long long)s->warmup);
    if (s->kind == SK_SCHED_COSINE) {
        if (!(s->lr_min >= 0 && s->lr_min <= s->lr_max))
            return sk_error(SK_EINVAL, "lr schedule: minimum learning rate %g must be in [0, %g]", s->lr_min, s->lr_max);
        if (s->total <= s->warmup)
            return sk_error(SK_EINVAL, "lr schedule: total steps (%lld) must exceed warm-up steps (%lld) for cosine",
                            (long long)s->total, (long long)s->warmup);
    }
    return SK_OK;
}

double sk_sched_lr(const sk_sched *s, int64_t step) {
    if (step < s->warmup) return s->lr_max * (double)(step + 1) / (double)s->warmup;
    if (s->kind == SK_SCHED_CONSTANT) return s->lr_max;
    if (step >= s->total) return s->lr_min;
    double r = (double)(step - s->warmup) / (double)(s->total - s->warmup);
    return s->lr_min + 0.5 * (s->lr_max - s->lr_min) * (1.0 + cos(3.14159265358979323846 * r));
}

static const char *const kind_names[] = {"constant", "cosine"};

int sk_sched_kind_parse(const char *name, int *kind) {
    for (int k = 0; k < 2; k++)
        if (!strcmp(name, kind_names[k])) {
            *kind = k;
            return SK_OK;
        }
    return sk_error(SK_EINVAL, "lr schedule: unknown schedule '%s' (use constant or cosine)", name);
}

const char *sk_sched_kind_name(int kind) { return kind == SK_SCHED_CONSTANT || kind == SK_SCHED_COSINE ? kind_names[kind] : "?"; }
