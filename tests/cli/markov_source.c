/* markov_source.c — see markov_source.h. */
#include "tests/cli/markov_source.h"
#include "src/sk_io.h"
#include "src/sk_rng.h"

#include <math.h>
#include <stdlib.h>

enum { K = SK_MARKOV_K };

static double entropy_bits(const double *q, int n) {
    double h = 0;
    for (int i = 0; i < n; i++)
        if (q[i] > 0) h -= q[i] * log2(q[i]);
    return h;
}

void sk_markov_build(sk_markov *m, uint64_t seed) {
    sk_rng r;
    sk_rng_seed(&r, seed, 1);
    double bias[K];   /* a per-symbol preference, so that pi is far from uniform */
    for (int c = 0; c < K; c++) bias[c] = sk_rng_normal(&r);
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
            double s = 1.0 + 3.0 * sk_rng_uniform(&r), z = 0;
            for (int c = 0; c < K; c++) z += m->p[a][b][c] = exp(s * sk_rng_normal(&r) + bias[c]);
            for (int c = 0; c < K; c++) m->p[a][b][c] /= z;
        }
    /* power iteration on pairs from the uniform distribution, until the L1 change is < 1e-15 */
    static double nx[K][K];
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) m->pi[a][b] = 1.0 / (K * K);
    for (int it = 0; it < 100000; it++) {
        for (int b = 0; b < K; b++)
            for (int c = 0; c < K; c++) {
                double v = 0;
                for (int a = 0; a < K; a++) v += m->pi[a][b] * m->p[a][b][c];
                nx[b][c] = v;
            }
        double diff = 0;
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) {
                diff += fabs(nx[a][b] - m->pi[a][b]);
                m->pi[a][b] = nx[a][b];
            }
        if (diff < 1e-15) break;
    }
    double mu[K] = {0};
    m->h_rate = m->h_context_mean = 0;
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
            double h = entropy_bits(m->p[a][b], K);
            m->h_rate += m->pi[a][b] * h;
            m->h_context_mean += h / (K * K);
            for (int c = 0; c < K; c++) mu[c] += m->pi[a][b] * m->p[a][b][c];
        }
    m->h_unigram = entropy_bits(mu, K);
}

void sk_markov_sample(const sk_markov *m, uint64_t seed, uint8_t *out, int64_t n) {
    sk_rng r;
    sk_rng_seed(&r, seed, 2);
    int a = 0, b = 0;
    for (int64_t i = 0; i < n; i++) {
        double u = sk_rng_uniform(&r), acc = 0;
        int c = K - 1;
        for (int j = 0; j < K; j++) {
            acc += m->p[a][b][j];
            if (u < acc) {
                c = j;
                break;
            }
        }
        out[i] = (uint8_t)('a' + c);
        a = b;
        b = c;
    }
}

double sk_markov_write(const char *path, int64_t n, uint64_t seed, double *h_unigram) {
    sk_markov *m = malloc(sizeof *m);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    int rc = m && buf ? SK_OK : SK_ENOMEM;
    double h = 0;
    if (rc == SK_OK) {
        sk_markov_build(m, seed);
        sk_markov_sample(m, seed, buf, n);
        rc = sk_write_file_atomic(path, buf, (size_t)n);
        h = m->h_rate;
        if (h_unigram) *h_unigram = m->h_unigram;
    }
    free(m);
    free(buf);
    return rc ? (double)rc : h;
}
