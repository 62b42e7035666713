/* sk_slw.c — sequence-length warm-up plans. See sk_slw.h. */
#include "src/sk_slw.h"
#include <string.h>

int sk_slw_plan(sk_slw *s, int64_t L0, int64_t Lmax, int64_t T, int64_t S, int64_t total) {
    memset(s, 0, sizeof *s);
    if (L0 < 1) return sk_error(SK_EINVAL, "length warm-up: first length %lld must be >= 1", (long long)L0);
    if (Lmax < 1) return sk_error(SK_EINVAL, "length warm-up: length %lld must be >= 1", (long long)Lmax);
    if (Lmax > SK_SLW_MAX_LEN)
        return sk_error(SK_EINVAL, "length warm-up: length %lld is above the current limit %lld", (long long)Lmax,
                        (long long)SK_SLW_MAX_LEN);
    if (S < 0) return sk_error(SK_EINVAL, "length warm-up: steps per stage %lld must be >= 0", (long long)S);
    int n = 1;
    if (Lmax > L0) {
        int64_t l = L0;
        while (l < Lmax) l *= 2, n++;
        if (l != Lmax)
            return sk_error(SK_EINVAL, "length warm-up: length %lld is not %lld times a power of two (the stages double "
                                       "the length from %lld)", (long long)Lmax, (long long)L0, (long long)L0);
    }
    if (T < Lmax || T % Lmax)
        return sk_error(SK_EINVAL, "length warm-up: tokens per step %lld must be a positive multiple of the length %lld",
                        (long long)T, (long long)Lmax);
    if (total <= S * (n - 1))
        return sk_error(SK_EINVAL, "length warm-up: %lld steps leave none for the last stage (%d warm-up stages of %lld "
                                   "steps)", (long long)total, n - 1, (long long)S);
    s->n = n, s->tokens_per_step = T, s->total_steps = total;
    int64_t first = 0;
    for (int k = 0; k < n; k++) {
        sk_slw_stage *st = &s->stage[k];
        st->length = n == 1 ? Lmax : L0 << k;      /* length_k = L_0 * 2^k */
        st->batch = T / st->length;                /* batch_k * length_k = T */
        st->steps = k < n - 1 ? S : total - S * (n - 1);
        st->first_step = first;
        first += st->steps;
    }
    return SK_OK;
}

const sk_slw_stage *sk_slw_at(const sk_slw *s, int64_t step) {
    int k = 0;
    while (k + 1 < s->n && step >= s->stage[k + 1].first_step) k++;
    return &s->stage[k];
}
