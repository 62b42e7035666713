/* chisq.h — Pearson chi-square goodness of fit with its p-value, for the sampling tests in tests/src.
 *
 * p-value = Q(df/2, stat/2), the regularized upper incomplete gamma function, computed by its
 * power series for x < a + 1 and by its continued fraction (modified Lentz) otherwise
 * (Abramowitz & Stegun 6.5.29 and 6.5.31).
 */
#ifndef SK_TEST_CHISQ_H
#define SK_TEST_CHISQ_H

#include <math.h>
#include <stdint.h>

static double sk_gamma_q(double a, double x) {
    if (x <= 0) return 1.0;
    if (isinf(x)) return 0.0;
    double lg = -x + a * log(x) - lgamma(a);
    if (x < a + 1) {   /* P(a,x) = e^-x x^a / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n)) */
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 10000 && fabs(term) > fabs(sum) * 1e-17; n++) {
            term *= x / (a + n);
            sum += term;
        }
        return 1.0 - sum * exp(lg);
    }
    /* Q(a,x) = e^-x x^a / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))) */
    double tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return exp(lg) * h;
}

/* Chi-square statistic of counts obs[n] against probabilities expect[n] (summing to 1) for
 * `draws` draws. A count in a cell of probability 0 gives +inf. *df = cells with p > 0, minus 1. */
static double sk_chisq(const int64_t *obs, const double *expect, int n, int64_t draws, int *df) {
    double stat = 0;
    int cells = 0;
    for (int i = 0; i < n; i++) {
        if (expect[i] > 0) {
            double e = expect[i] * (double)draws, d = (double)obs[i] - e;
            stat += d * d / e;
            cells++;
        } else if (obs[i] > 0) {
            stat = INFINITY;
        }
    }
    *df = cells - 1;
    return stat;
}

static double sk_chisq_pvalue(double stat, int df) { return df < 1 ? (stat == 0 ? 1.0 : 0.0) : sk_gamma_q(df / 2.0, stat / 2.0); }

#endif
