/* test_sched.c — learning-rate schedules against values computed by hand.
 *
 * Cosine, lr_max 1e-3, lr_min 1e-4, warmup 4, total 12 (8 decay steps):
 *   step 0..3: 1e-3 * (1,2,3,4)/4 = 2.5e-4, 5e-4, 7.5e-4, 1e-3
 *   step 4:  r = 0     -> 1e-3
 *   step 6:  r = 1/4   -> 1e-4 + 0.5*9e-4*(1 + cos(pi/4)) = 1e-4 + 4.5e-4*1.70710678 = 8.68198052e-4
 *   step 8:  r = 1/2   -> 1e-4 + 4.5e-4 = 5.5e-4
 *   step 10: r = 3/4   -> 1e-4 + 4.5e-4*(1 - 0.70710678) = 2.31801948e-4
 *   step 11: r = 7/8   -> 1e-4 + 4.5e-4*(1 - cos(pi/8) = 1 - 0.92387953) = 1.34254211e-4
 *   step 12, 1000: 1e-4
 * Constant, lr 3e-4, warmup 3: 1e-4, 2e-4, 3e-4, then 3e-4 forever; warmup 0: 3e-4 from step 0.
 */
#include "src/sk_sched.h"
#include "tests/sk_test.h"

static void check_lr(const sk_sched *s, int64_t step, double want) {
    double got = sk_sched_lr(s, step);
    SK_CHECK(fabs(got - want) <= 1e-12 * want + 1e-15, "%s step %lld: %.12g != %.12g", sk_sched_kind_name(s->kind), (long long)step, got, want);
}

int main(void) {
    sk_sched c = {SK_SCHED_COSINE, 1e-3, 1e-4, 4, 12};
    SK_CHECK(sk_sched_check(&c) == 0, "%s", sk_errmsg());
    const int64_t steps[] = {0, 1, 2, 3, 4, 6, 8, 10, 11, 12, 1000};
    const double want[] = {2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 8.68198052e-4, 5.5e-4, 2.31801948e-4, 1.34254211e-4, 1e-4, 1e-4};
    for (int i = 0; i < 11; i++) {
        double got = sk_sched_lr(&c, steps[i]);   /* hand values carry 9 digits */
        SK_CHECK(fabs(got - want[i]) <= 1e-8 * want[i], "cosine step %lld: %.12g != %.9g", (long long)steps[i], got, want[i]);
    }
    /* Monotone non-increasing after the warm-up. */
    for (int64_t s = 4; s < 13; s++) SK_CHECK(sk_sched_lr(&c, s + 1) <= sk_sched_lr(&c, s), "cosine rises at %lld", (long long)s);
    sk_sched k = {SK_SCHED_CONSTANT, 3e-4, 0, 3, 0};
    SK_CHECK(sk_sched_check(&k) == 0, "%s", sk_errmsg());
    check_lr(&k, 0, 1e-4);
    check_lr(&k, 1, 2e-4);
    check_lr(&k, 2, 3e-4);
    check_lr(&k, 5000000000LL, 3e-4);
    k.warmup = 0;
    check_lr(&k, 0, 3e-4);
    sk_sched c0 = {SK_SCHED_COSINE, 2.0, 0.0, 0, 4};   /* no warm-up: 2, 1+cos(pi/4), 1, 1-cos(pi/4), 0 */
    check_lr(&c0, 0, 2.0);
    check_lr(&c0, 1, 1.0 + sqrt(0.5));
    check_lr(&c0, 2, 1.0);
    check_lr(&c0, 3, 1.0 - sqrt(0.5));
    check_lr(&c0, 4, 0.0);

    /* Inconsistent schedules and names. */
    sk_sched bad = c;
    bad.total = 4;
    SK_CHECK(sk_sched_check(&bad) == SK_EINVAL && strstr(sk_errmsg(), "total steps"), "total <= warmup: %s", sk_errmsg());
    bad = c;
    bad.lr_min = 2e-3;
    SK_CHECK(sk_sched_check(&bad) == SK_EINVAL, "lr_min > lr_max accepted");
    bad = c;
    bad.lr_max = NAN;
    SK_CHECK(sk_sched_check(&bad) == SK_EINVAL, "NaN lr accepted");
    bad = k;
    bad.warmup = -1;
    SK_CHECK(sk_sched_check(&bad) == SK_EINVAL, "negative warmup accepted");
    int kind = -1;
    SK_CHECK(sk_sched_kind_parse("cosine", &kind) == 0 && kind == SK_SCHED_COSINE, "parse cosine");
    SK_CHECK(sk_sched_kind_parse("constant", &kind) == 0 && kind == SK_SCHED_CONSTANT, "parse constant");
    SK_CHECK(sk_sched_kind_parse("linear", &kind) == SK_EINVAL && strstr(sk_errmsg(), "'linear'"), "parse linear: %s", sk_errmsg());
    return sk_test_finish("test_sched");
}
