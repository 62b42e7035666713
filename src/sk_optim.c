/* sk_optim.c — optimizer hyperparameter checks and the weight-decay rule. See sk_optim.h. */
#include "src/sk_optim.h"

#include <math.h>
#include <string.h>

int sk_optim_check(const sk_optim_hparams *h) {
    if (!(h->beta1 >= 0 && h->beta1 < 1)) return sk_error(SK_EINVAL, "optimizer: beta1 must be in [0, 1) (got %g)", h->beta1);
    if (!(h->beta2 >= 0 && h->beta2 < 1)) return sk_error(SK_EINVAL, "optimizer: beta2 must be in [0, 1) (got %g)", h->beta2);
    if (!(h->eps > 0 && isfinite(h->eps))) return sk_error(SK_EINVAL, "optimizer: eps must be a finite number > 0 (got %g)", h->eps);
    if (!(h->weight_decay >= 0 && isfinite(h->weight_decay)))
        return sk_error(SK_EINVAL, "optimizer: weight decay must be a finite number >= 0 (got %g)", h->weight_decay);
    if (isnan(h->clip_norm) || isinf(h->clip_norm))
        return sk_error(SK_EINVAL, "optimizer: gradient clipping norm must be finite (got %g)", h->clip_norm);
    return SK_OK;
}

/* 1 if `name` is `suffix` or ends with "." + suffix. */
static int last_component_is(const char *name, const char *suffix) {
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && !strcmp(name + n - k, suffix) && (n == k || name[n - k - 1] == '.');
}

int sk_optim_decays(const char *name, int ndim) {
    if (ndim < 2) return 0;
    return !(last_component_is(name, "A_log") || last_component_is(name, "A_imag") || last_component_is(name, "D"));
}
