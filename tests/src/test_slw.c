/* test_slw.c — the sequence-length warm-up plan (src/sk_slw.h) against tables written out by
 * hand from App. E.3.3 of the Mamba paper: a stage per power of two from 1024, tokens per step
 * constant, batch halving as the length doubles, capped at 2^20 (longer stages train in chunks). */
#include "src/sk_slw.h"
#include "tests/sk_test.h"

static void check_plan(const char *what, int64_t L0, int64_t Lmax, int64_t T, int64_t S, int64_t total, int n,
                       const int64_t *len, const int64_t *batch, const int64_t *steps, const int64_t *first) {
    sk_slw s;
    int rc = sk_slw_plan(&s, L0, Lmax, T, S, total);
    SK_CHECK(rc == 0, "%s: %s", what, sk_errmsg());
    if (rc) return;
    SK_CHECK(s.n == n, "%s: %d stages, expected %d", what, s.n, n);
    int64_t sum = 0;
    for (int k = 0; k < n && k < s.n; k++) {
        SK_CHECK(s.stage[k].length == len[k], "%s: stage %d length %lld != %lld", what, k, (long long)s.stage[k].length, (long long)len[k]);
        SK_CHECK(s.stage[k].batch == batch[k], "%s: stage %d batch %lld != %lld", what, k, (long long)s.stage[k].batch, (long long)batch[k]);
        SK_CHECK(s.stage[k].steps == steps[k], "%s: stage %d steps %lld != %lld", what, k, (long long)s.stage[k].steps, (long long)steps[k]);
        SK_CHECK(s.stage[k].first_step == first[k], "%s: stage %d first %lld != %lld", what, k, (long long)s.stage[k].first_step, (long long)first[k]);
        SK_CHECK(s.stage[k].batch * s.stage[k].length == T, "%s: stage %d tokens per step %lld != %lld", what, k,
                 (long long)(s.stage[k].batch * s.stage[k].length), (long long)T);
        sum += s.stage[k].steps;
        /* sk_slw_at: the first and last step of the stage map to it */
        if (steps[k] == 0) continue;
        SK_CHECK(sk_slw_at(&s, first[k]) == &s.stage[k], "%s: step %lld not in stage %d", what, (long long)first[k], k);
        SK_CHECK(sk_slw_at(&s, first[k] + steps[k] - 1) == &s.stage[k], "%s: last step of stage %d", what, k);
    }
    SK_CHECK(sum == total, "%s: stage steps sum to %lld, expected %lld", what, (long long)sum, (long long)total);
    SK_CHECK(sk_slw_at(&s, total + 100) == &s.stage[s.n - 1], "%s: steps past the end belong to the last stage", what);
}

int main(void) {
    /* App. E.3.3 shape: 2^24 tokens per step from 1024 up to 16384 (batch 16384 at 1024,
     * 1024 at 16384), 100 steps per warm-up stage, 1000 steps in all. */
    {
        const int64_t len[] = {1024, 2048, 4096, 8192, 16384};
        const int64_t batch[] = {16384, 8192, 4096, 2048, 1024};
        const int64_t steps[] = {100, 100, 100, 100, 600};
        const int64_t first[] = {0, 100, 200, 300, 400};
        check_plan("paper 2^14", 1024, 16384, (int64_t)1 << 24, 100, 1000, 5, len, batch, steps, first);
    }
    /* 2^16 (the old cap), 7 stages, batch 8 at 65536 with 2^19 tokens per step */
    {
        const int64_t len[] = {1024, 2048, 4096, 8192, 16384, 32768, 65536};
        const int64_t batch[] = {512, 256, 128, 64, 32, 16, 8};
        const int64_t steps[] = {3, 3, 3, 3, 3, 3, 2};
        const int64_t first[] = {0, 3, 6, 9, 12, 15, 18};
        check_plan("2^16", 1024, 65536, (int64_t)1 << 19, 3, 20, 7, len, batch, steps, first);
    }
    /* the cap itself: 2^20 (Mamba DNA Fig. 5 right), 11 stages, batch 1 at 2^20 with 2^20 tokens
     * per step, 2 steps per warm-up stage and 5 at the full length */
    {
        const int64_t len[] = {1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576};
        const int64_t batch[] = {1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1};
        const int64_t steps[] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5};
        const int64_t first[] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20};
        check_plan("cap 2^20", 1024, (int64_t)1 << 20, (int64_t)1 << 20, 2, 25, 11, len, batch, steps, first);
    }
    /* no warm-up: target at or below the first length is one stage with all the steps */
    {
        const int64_t len[] = {1024}, batch[] = {8}, steps[] = {50}, first[] = {0};
        check_plan("L=1024", 1024, 1024, 8192, 10, 50, 1, len, batch, steps, first);
        const int64_t len2[] = {512}, batch2[] = {16};
        check_plan("L=512", 1024, 512, 8192, 10, 50, 1, len2, batch2, steps, first);
    }
    /* S = 0: the warm-up stages exist but get no steps; every step is at the full length */
    {
        const int64_t len[] = {1024, 2048}, batch[] = {4, 2}, steps[] = {0, 7}, first[] = {0, 0};
        check_plan("S=0", 1024, 2048, 4096, 0, 7, 2, len, batch, steps, first);
    }
    /* errors */
    sk_slw s;
    SK_CHECK(sk_slw_plan(&s, 1024, (int64_t)1 << 21, (int64_t)1 << 22, 1, 100) == SK_EINVAL, "above the 2^20 cap");
    SK_CHECK(strstr(sk_errmsg(), "2097152") != NULL, "message names the length: %s", sk_errmsg());
    SK_CHECK(sk_slw_plan(&s, 1024, 3000, (int64_t)1 << 20, 1, 100) == SK_EINVAL, "not a power-of-two multiple");
    SK_CHECK(sk_slw_plan(&s, 1024, 4096, 6000, 1, 100) == SK_EINVAL, "tokens not a multiple of the length");
    SK_CHECK(sk_slw_plan(&s, 1024, 4096, 2048, 1, 100) == SK_EINVAL, "tokens below one row");
    SK_CHECK(sk_slw_plan(&s, 1024, 4096, 4096, 10, 20) == SK_EINVAL, "no steps left for the last stage");
    SK_CHECK(sk_slw_plan(&s, 1024, 4096, 4096, 10, 21) == SK_OK, "one step left for the last stage");
    SK_CHECK(sk_slw_plan(&s, 0, 4096, 4096, 10, 21) == SK_EINVAL, "first length 0");
    SK_CHECK(sk_slw_plan(&s, 1024, 4096, 4096, -1, 21) == SK_EINVAL, "negative steps per stage");
    return sk_test_finish("test_slw");
}
