/* sk_sample.c — temperature / top-k / top-p sampling. See sk_sample.h for the semantics. */
#include "src/sk_sample.h"

#include <math.h>
#include <stdlib.h>

/* One candidate: its logit (later its unnormalized tempered weight) and its token id. */
typedef struct cand { float v; int32_t id; } cand;

/* "a ranks before b": larger logit first, lower id on ties. */
static int better(const cand *a, const cand *b) { return a->v > b->v || (a->v == b->v && a->id < b->id); }

static int cmp_desc(const void *pa, const void *pb) {
    const cand *a = pa, *b = pb;
    return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* Min-heap on rank (root = worst kept candidate). */
static void sift_down(cand *h, int64_t n, int64_t i) {
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && better(&h[w], &h[l])) w = l;
        if (r < n && better(&h[w], &h[r])) w = r;
        if (w == i) return;
        cand t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Move the k best of c[0..n) to c[0..k), sorted best first (O(n log k) + O(k log k)). */
static void select_top(cand *c, int64_t n, int64_t k) {
    for (int64_t i = k / 2 - 1; i >= 0; i--) sift_down(c, k, i);
    for (int64_t i = k; i < n; i++)
        if (better(&c[i], &c[0])) {
            c[0] = c[i];
            sift_down(c, k, 0);
        }
    qsort(c, (size_t)k, sizeof *c, cmp_desc);
}

int sk_sample_check(const sk_sample_params *p) {
    if (!(p->temperature >= 0 && isfinite(p->temperature)))
        return sk_error(SK_EINVAL, "sampling: temperature must be a finite number >= 0 (got %g)", (double)p->temperature);
    if (p->top_k < 0) return sk_error(SK_EINVAL, "sampling: top-k must be >= 0 (got %d)", p->top_k);
    if (!(p->top_p >= 0 && p->top_p <= 1))
        return sk_error(SK_EINVAL, "sampling: top-p must be in [0, 1] (got %g)", (double)p->top_p);
    return SK_OK;
}

size_t sk_sample_scratch_size(int64_t vocab) { return vocab > 0 ? (size_t)vocab * sizeof(cand) : 0; }

int sk_sample(const float *logits, int64_t vocab, const sk_sample_params *p, sk_rng *rng,
              void *scratch, int32_t *token) {
    int rc = sk_sample_check(p);
    if (rc) return rc;
    if (vocab < 1 || vocab > INT32_MAX) return sk_error(SK_EINVAL, "sampling: vocabulary size %lld out of range", (long long)vocab);
    cand *c = scratch;
    int64_t n = 0, best = -1;
    for (int64_t i = 0; i < vocab; i++) {
        float v = logits[i];
        if (isnan(v) || v == INFINITY) return sk_error(SK_ENUM, "sampling: logit %lld is %g", (long long)i, (double)v);
        if (v == -INFINITY) continue;   /* masked token: probability 0 */
        if (best < 0 || v > logits[best]) best = i;
        c[n].v = v;
        c[n].id = (int32_t)i;
        n++;
    }
    if (n == 0) return sk_error(SK_ENUM, "sampling: every logit is -inf");
    if (p->top_k == 1 || p->temperature == 0) {   /* greedy; no random draw */
        *token = (int32_t)best;
        return SK_OK;
    }
    int top_p_on = p->top_p > 0 && p->top_p < 1;
    /* 1. top-k: the k best, sorted best first. top-p alone needs the full sort. */
    if (p->top_k > 0 && p->top_k < n) {
        select_top(c, n, p->top_k);
        n = p->top_k;
    } else if (top_p_on) {
        qsort(c, (size_t)n, sizeof *c, cmp_desc);
    }
    /* 2. temperature: w_i = exp(v_i / T - max_j v_j / T), the unnormalized softmax of logits / T. */
    double vmax = logits[best], inv_t = 1.0 / (double)p->temperature, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        double w = exp(((double)c[i].v - vmax) * inv_t);
        c[i].v = (float)w;
        sum += w;
    }
    /* 3. top-p (mamba_ssm modify_logits_for_top_p_filtering): with probabilities sorted
     * ascending, cumprob_r = sum of the probabilities at or below rank r; drop r when
     * cumprob_r <= 1 - p. c[] is sorted descending, so the survivors are a prefix c[0..keep). */
    int64_t keep = n;
    if (top_p_on) {
        double tail = 0, thresh = 1.0 - (double)p->top_p;
        keep = 1;   /* the best token has cumprob 1 > 1 - p */
        for (int64_t r = n - 1; r >= 1; r--) {
            tail += (double)c[r].v / sum;
            if (tail > thresh) {
                keep = r + 1;
                break;
            }
        }
        sum = 0;
        for (int64_t r = 0; r < keep; r++) sum += c[r].v;
    }
    /* 4. inverse-CDF draw from the renormalized weights of the survivors. */
    double u = sk_rng_uniform(rng) * sum, acc = 0;
    for (int64_t r = 0; r < keep; r++) {
        acc += c[r].v;
        if (u < acc) {
            *token = c[r].id;
            return SK_OK;
        }
    }
    *token = c[keep - 1].id;   /* u within rounding of the total */
    return SK_OK;
}
