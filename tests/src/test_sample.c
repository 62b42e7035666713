/* test_sample.c — sk_sample against the exact truncated softmax.
 *
 * For each setting (temperature, top-k, top-p) on fixed logits, 1e5 draws are compared with the
 * distribution computed here independently in double (naive sort, softmax, mamba_ssm's top-p
 * rule) by Pearson's chi-square; a setting passes when its p-value is >= 1e-3 and no token
 * outside the kept set was drawn. To show the test can fail, the same counts are also compared
 * with perturbed distributions (temperature x1.15; top-p applied before the temperature), which
 * must be rejected with p < 1e-9.
 */
#include "src/sk_sample.h"
#include "tests/sk_test.h"
#include "tests/src/chisq.h"

#define NDRAW 100000
#define VMAX 300

/* Reference: exact sampling distribution in double. order: apply top-p before temperature
 * (wrong_order = 1, the perturbation) or after (0, mamba_ssm). */
static void ref_dist(const float *logits, int v, double temp, int top_k, double top_p, int wrong_order, double *out) {
    int idx[VMAX];
    for (int i = 0; i < v; i++) idx[i] = i;
    for (int i = 1; i < v; i++)   /* insertion sort: logit descending, id ascending */
        for (int j = i; j > 0 && (logits[idx[j]] > logits[idx[j - 1]] ||
                                  (logits[idx[j]] == logits[idx[j - 1]] && idx[j] < idx[j - 1])); j--) {
            int t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
        }
    int n = top_k > 0 && top_k < v ? top_k : v;
    double pr[VMAX], z = 0;
    for (int r = 0; r < n; r++) {   /* softmax of logits / T over the top n (T = 1 first if wrong_order) */
        pr[r] = exp((logits[idx[r]] - logits[idx[0]]) / (wrong_order ? 1.0 : temp));
        z += pr[r];
    }
    for (int r = 0; r < n; r++) pr[r] /= z;
    int keep = n;
    if (top_p > 0 && top_p < 1) {   /* ascending cumsum; drop cum <= 1 - p */
        double cum = 0;
        for (int r = n - 1; r >= 0; r--) {
            cum += pr[r];
            if (cum <= 1 - top_p) keep = r;
        }
    }
    z = 0;
    for (int r = 0; r < keep; r++) {
        pr[r] = exp((logits[idx[r]] - logits[idx[0]]) / temp);
        z += pr[r];
    }
    for (int i = 0; i < v; i++) out[i] = 0;
    for (int r = 0; r < keep; r++) out[idx[r]] = pr[r] / z;
}

static const float L10[10] = {1.3f, -0.2f, 2.1f, 0.7f, -1.5f, 1.9f, 0.0f, 0.4f, -0.8f, 1.1f};

typedef struct setting { const char *name; int v; double temp; int top_k; double top_p; } setting;

static void run_setting(const setting *s, const float *logits, void *scratch, uint64_t seed) {
    sk_sample_params p = {(float)s->temp, s->top_k, (float)s->top_p};
    sk_rng rng;
    sk_rng_seed(&rng, seed, 0);
    static int64_t cnt[VMAX];
    for (int i = 0; i < s->v; i++) cnt[i] = 0;
    for (int d = 0; d < NDRAW; d++) {
        int32_t t = -1;
        int rc = sk_sample(logits, s->v, &p, &rng, scratch, &t);
        if (rc || t < 0 || t >= s->v) {
            SK_CHECK(0, "%s: sk_sample rc %d token %d: %s", s->name, rc, t, sk_errmsg());
            return;
        }
        cnt[t]++;
    }
    double ex[VMAX], bad[VMAX];
    int df, dfb;
    ref_dist(logits, s->v, s->temp, s->top_k, s->top_p, 0, ex);
    double stat = sk_chisq(cnt, ex, s->v, NDRAW, &df), pv = sk_chisq_pvalue(stat, df);
    SK_CHECK(pv >= 1e-3, "%s: chi2 %.2f df %d p %.3g < 1e-3", s->name, stat, df, pv);
    /* perturbation 1: temperature off by 15% */
    ref_dist(logits, s->v, s->temp * 1.15, s->top_k, s->top_p, 0, bad);
    double sb = sk_chisq(cnt, bad, s->v, NDRAW, &dfb), pb = sk_chisq_pvalue(sb, dfb);
    SK_CHECK(pb < 1e-9, "%s: perturbed (T x1.15) not rejected: chi2 %.2f p %.3g", s->name, sb, pb);
    printf("%-34s chi2 %8.2f df %3d p %.3f | T x1.15: chi2 %10.1f p %.1e", s->name, stat, df, pv, sb, pb);
    if (s->top_p > 0 && s->top_p < 1 && s->temp != 1) {   /* perturbation 2: top-p before temperature */
        ref_dist(logits, s->v, s->temp, s->top_k, s->top_p, 1, bad);
        double so = sk_chisq(cnt, bad, s->v, NDRAW, &dfb), po = sk_chisq_pvalue(so, dfb);
        SK_CHECK(po < 1e-9, "%s: wrong order not rejected: chi2 %.2f p %.3g", s->name, so, po);
        printf(" | top-p first: chi2 %g", so);
    }
    printf("\n");
}

int main(void) {
    /* The p-value function against chi-square tables (5% and 0.1% critical values). */
    SK_CHECK(fabs(sk_chisq_pvalue(3.841459, 1) - 0.05) < 1e-6, "Q(1, 3.84) = %g", sk_chisq_pvalue(3.841459, 1));
    SK_CHECK(fabs(sk_chisq_pvalue(18.307038, 10) - 0.05) < 1e-6, "Q(10, 18.31) = %g", sk_chisq_pvalue(18.307038, 10));
    SK_CHECK(fabs(sk_chisq_pvalue(29.588298, 10) - 0.001) < 1e-7, "Q(10, 29.59) = %g", sk_chisq_pvalue(29.588298, 10));
    SK_CHECK(fabs(sk_chisq_pvalue(124.342, 100) - 0.05) < 1e-4, "Q(100, 124.34) = %g", sk_chisq_pvalue(124.342, 100));

    static float l300[VMAX];
    sk_rng g;
    sk_rng_seed(&g, 7, 0);
    for (int i = 0; i < VMAX; i++) l300[i] = (float)(2.0 * sk_rng_normal(&g));
    static float scratch[2 * VMAX];
    SK_CHECK(sk_sample_scratch_size(VMAX) <= sizeof scratch, "scratch size %zu", sk_sample_scratch_size(VMAX));

    const setting s10[] = {
        {"V10 T=1", 10, 1.0, 0, 0.0},
        {"V10 T=0.6 top-k 4", 10, 0.6, 4, 0.0},
        {"V10 T=1.5 top-p 0.7", 10, 1.5, 0, 0.7},
        {"V10 T=0.5 top-k 6 top-p 0.8", 10, 0.5, 6, 0.8},
        {"V10 T=2.5 top-p 0.9", 10, 2.5, 0, 0.9},
        {"V10 T=1 top-k 20 (> V)", 10, 1.0, 20, 0.0},
    };
    for (size_t i = 0; i < sizeof s10 / sizeof *s10; i++) run_setting(&s10[i], L10, scratch, 100 + i);
    const setting s300[] = {
        {"V300 T=0.9 top-k 7 (heap)", 300, 0.9, 7, 0.0},
        {"V300 T=1.2 top-p 0.6 (sort)", 300, 1.2, 0, 0.6},
        {"V300 T=0.7 top-k 40 top-p 0.95", 300, 0.7, 40, 0.95},
    };
    for (size_t i = 0; i < sizeof s300 / sizeof *s300; i++) run_setting(&s300[i], l300, scratch, 200 + i);

    /* Greedy: temperature 0 or top-k 1 gives the argmax (lowest id on ties) and draws nothing. */
    float tie[6] = {0.5f, 3.0f, -1.0f, 3.0f, 2.0f, -INFINITY};
    sk_rng r0, r1;
    sk_rng_seed(&r0, 1, 0);
    r1 = r0;
    int32_t t = -1;
    SK_CHECK(sk_sample(tie, 6, &(sk_sample_params){0.0f, 0, 0.5f}, &r1, scratch, &t) == 0 && t == 1, "T=0 greedy gave %d", t);
    SK_CHECK(sk_sample(tie, 6, &(sk_sample_params){1.0f, 1, 0.0f}, &r1, scratch, &t) == 0 && t == 1, "top-k 1 greedy gave %d", t);
    SK_CHECK(memcmp(&r0, &r1, sizeof r0) == 0, "greedy consumed random numbers");
    SK_CHECK(sk_sample(tie, 6, &SK_SAMPLE_DEFAULTS, &r1, scratch, &t) == 0 && sk_rng_u64(&r0) != sk_rng_u64(&r1),
             "a sampled draw must consume exactly one number");
    /* top-k through a tie keeps the lower ids; -inf is never drawn. */
    float flat[8] = {1, 1, 1, 1, 1, 1, 1, -INFINITY};
    int seen[8] = {0};
    for (int d = 0; d < 2000; d++) {
        SK_CHECK(sk_sample(flat, 8, &(sk_sample_params){1.0f, 3, 0.0f}, &r1, scratch, &t) == 0, "flat top-k");
        seen[t]++;
    }
    SK_CHECK(seen[0] && seen[1] && seen[2] && !seen[3] && !seen[7], "tie top-k 3 drew %d %d %d %d .. %d", seen[0], seen[1], seen[2], seen[3], seen[7]);
    for (int d = 0; d < 2000; d++) {
        SK_CHECK(sk_sample(flat, 8, &SK_SAMPLE_DEFAULTS, &r1, scratch, &t) == 0 && t != 7, "-inf token drawn");
    }
    /* Errors. */
    float nan1[3] = {0, NAN, 1};
    SK_CHECK(sk_sample(nan1, 3, &SK_SAMPLE_DEFAULTS, &r1, scratch, &t) == SK_ENUM, "NaN logit accepted");
    SK_CHECK(strstr(sk_errmsg(), "logit 1") != NULL, "message: %s", sk_errmsg());
    float ninf[2] = {-INFINITY, -INFINITY};
    SK_CHECK(sk_sample(ninf, 2, &SK_SAMPLE_DEFAULTS, &r1, scratch, &t) == SK_ENUM, "all -inf accepted");
    SK_CHECK(sk_sample(L10, 10, &(sk_sample_params){-1.0f, 0, 0.0f}, &r1, scratch, &t) == SK_EINVAL, "T<0 accepted");
    SK_CHECK(sk_sample(L10, 10, &(sk_sample_params){1.0f, -2, 0.0f}, &r1, scratch, &t) == SK_EINVAL, "k<0 accepted");
    SK_CHECK(sk_sample(L10, 10, &(sk_sample_params){1.0f, 0, 1.5f}, &r1, scratch, &t) == SK_EINVAL, "p>1 accepted");
    SK_CHECK(strstr(sk_errmsg(), "top-p") != NULL, "message: %s", sk_errmsg());
    return sk_test_finish("test_sample");
}
