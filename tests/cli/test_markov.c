/* test_markov.c — the learning-test source: its claimed entropy rate H against the empirical
 * conditional entropy of a long sample, and the unigram-entropy margin H_1 >= H + 1.5.
 *
 * Empirical H^ = -sum_abc N(abc)/N log2(N(abc)/N(ab)) over n = 2e6 symbols (plug-in estimate;
 * its bias is about -(K^3 - K^2) / (2 n ln 2) = -0.0014 bits, its standard error ~0.001), so
 * |H^ - H| <= 0.01 is required. To show the check can fail, the unweighted mean of the context
 * entropies (what H would be with the stationary distribution replaced by a uniform one) must
 * miss H^ by more than that tolerance.
 */
#include "tests/sk_test.h"
#include "tests/cli/markov_source.h"
#include "src/sk_io.h"

#include <unistd.h>

enum { K = SK_MARKOV_K };

int main(void) {
    static sk_markov m;
    sk_markov_build(&m, 2024);
    const int64_t n = 2000000;
    uint8_t *s = malloc((size_t)n);
    sk_markov_sample(&m, 2024, s, n);
    static int64_t n3[K][K][K], n1[K];
    int outside = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = s[i] - 'a';
        if (c < 0 || c >= K) {
            outside++;
            continue;
        }
        n1[c]++;
        if (i >= 2) n3[s[i - 2] - 'a'][s[i - 1] - 'a'][c]++;
    }
    SK_CHECK(outside == 0, "%d bytes outside 'a'..'p'", outside);
    double h = 0, h1 = 0, tot = (double)(n - 2);
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
            double nab = 0;
            for (int c = 0; c < K; c++) nab += (double)n3[a][b][c];
            for (int c = 0; c < K; c++)
                if (n3[a][b][c]) h -= (double)n3[a][b][c] / tot * log2((double)n3[a][b][c] / nab);
        }
    for (int c = 0; c < K; c++)
        if (n1[c]) h1 -= (double)n1[c] / (double)n * log2((double)n1[c] / (double)n);
    printf("claimed H %.5f, empirical %.5f; unigram claimed %.5f, empirical %.5f; margin %.3f bits; "
           "unweighted context mean %.5f\n", m.h_rate, h, m.h_unigram, h1, m.h_unigram - m.h_rate, m.h_context_mean);
    SK_CHECK(fabs(h - m.h_rate) <= 0.01, "entropy rate: claimed %.5f, empirical %.5f", m.h_rate, h);
    SK_CHECK(fabs(h1 - m.h_unigram) <= 0.01, "unigram entropy: claimed %.5f, empirical %.5f", m.h_unigram, h1);
    SK_CHECK(m.h_unigram >= m.h_rate + 1.5, "unigram entropy %.4f < H + 1.5 = %.4f", m.h_unigram, m.h_rate + 1.5);
    SK_CHECK(fabs(h - m.h_context_mean) > 0.01, "the check cannot tell stationary from uniform weighting (%.5f vs %.5f)", h, m.h_context_mean);
    double sum = 0;
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) sum += m.pi[a][b];
    SK_CHECK(fabs(sum - 1) < 1e-12, "stationary distribution sums to %.15g", sum);

    /* The file writer: same bytes as the sampler, same H. */
    char path[] = "/tmp/sk_test_markov_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    close(fd);
    double hu = 0, hw = sk_markov_write(path, 100000, 2024, &hu);
    char *t = NULL;
    int64_t len = 0;
    SK_CHECK(hw == m.h_rate && hu == m.h_unigram, "write returned %g %g", hw, hu);
    SK_CHECK(sk_read_file(path, &t, &len) == 0 && len == 100000 && !memcmp(t, s, 100000), "file differs from the sample");
    free(t);
    free(s);
    unlink(path);
    return sk_test_finish("test_markov");
}
