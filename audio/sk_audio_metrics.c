/* sk_audio_metrics.c — speech scores (sk_audio_metrics.h, audio/README.md §Speech scores). */
#include "audio/sk_audio_metrics.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/sk_io.h"
#include "src/sk_rng.h"

int sk_symeig(double *a, int n, double *w, double *v) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) v[(size_t)i * n + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, tot = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double x = a[(size_t)i * n + j] * a[(size_t)i * n + j];
                tot += x;
                if (i != j) off += x;
            }
        if (off <= 1e-30 * tot || off == 0) break;
        for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = a[(size_t)p * n + q];
                if (apq == 0) continue;
                double app = a[(size_t)p * n + p], aqq = a[(size_t)q * n + q];
                double theta = (aqq - app) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) { /* columns p, q */
                    double akp = a[(size_t)k * n + p], akq = a[(size_t)k * n + q];
                    a[(size_t)k * n + p] = c * akp - s * akq;
                    a[(size_t)k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) { /* rows p, q */
                    double apk = a[(size_t)p * n + k], aqk = a[(size_t)q * n + k];
                    a[(size_t)p * n + k] = c * apk - s * aqk;
                    a[(size_t)q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = v[(size_t)k * n + p], vkq = v[(size_t)k * n + q];
                    v[(size_t)k * n + p] = c * vkp - s * vkq;
                    v[(size_t)k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    for (int i = 0; i < n; i++) {
        w[i] = a[(size_t)i * n + i];
        if (!isfinite(w[i])) return sk_error(SK_ENUM, "eigen-decomposition: not finite");
    }
    return SK_OK;
}

/* Mean row and unbiased covariance of an n x d set. */
static void moments(const double *x, int64_t n, int d, double *mu, double *cov) {
    memset(mu, 0, sizeof *mu * d);
    memset(cov, 0, sizeof *cov * d * d);
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++) mu[j] += x[i * d + j] / (double)n;
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++) {
            double dj = x[i * d + j] - mu[j];
            for (int k = 0; k <= j; k++) cov[(size_t)j * d + k] += dj * (x[i * d + k] - mu[k]);
        }
    for (int j = 0; j < d; j++)
        for (int k = 0; k <= j; k++) cov[(size_t)k * d + j] = cov[(size_t)j * d + k] /= (double)(n - 1);
}

/* Tr sqrtm(A B) for symmetric positive semi-definite A, B: the eigenvalues of A B are those of
 * A^1/2 B A^1/2, which is symmetric, so two symmetric decompositions give the trace exactly. */
static int trace_sqrt_product(const double *A, const double *B, int d, double *out) {
    size_t dd = (size_t)d * d;
    double *m = malloc(sizeof *m * dd * 3), *w = malloc(sizeof *w * d);
    if (!m || !w) return free(m), free(w), sk_error(SK_ENOMEM, "FID: out of memory");
    double *v = m + dd, *r = m + 2 * dd;
    memcpy(m, A, sizeof *m * dd);
    int rc = sk_symeig(m, d, w, v);
    if (!rc) {
        for (int i = 0; i < d; i++) /* r = A^1/2 = V diag(sqrt w) V^T */
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += v[(size_t)i * d + k] * sqrt(fmax(w[k], 0)) * v[(size_t)j * d + k];
                r[(size_t)i * d + j] = s;
            }
        for (int i = 0; i < d; i++) /* v = B r */
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += B[(size_t)i * d + k] * r[(size_t)k * d + j];
                v[(size_t)i * d + j] = s;
            }
        for (int i = 0; i < d; i++) /* m = r v, symmetrised */
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += r[(size_t)i * d + k] * v[(size_t)k * d + j];
                m[(size_t)i * d + j] = s;
            }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < i; j++) m[(size_t)i * d + j] = m[(size_t)j * d + i] = 0.5 * (m[(size_t)i * d + j] + m[(size_t)j * d + i]);
        rc = sk_symeig(m, d, w, v);
        double t = 0;
        for (int i = 0; i < d; i++) t += sqrt(fmax(w[i], 0));
        *out = t;
    }
    free(m);
    free(w);
    return rc;
}

int sk_metric_fid(const double *a, int64_t na, const double *b, int64_t nb, int d, double *fid) {
    if (na < 2 || nb < 2 || d < 1) return sk_error(SK_EINVAL, "FID needs 2 or more clips on each side");
    size_t dd = (size_t)d * d;
    double *buf = malloc(sizeof *buf * (2 * dd + 2 * (size_t)d));
    if (!buf) return sk_error(SK_ENOMEM, "FID: out of memory");
    double *ca = buf, *cb = buf + dd, *ma = buf + 2 * dd, *mb = ma + d;
    moments(a, na, d, ma, ca);
    moments(b, nb, d, mb, cb);
    double tr = 0, m2 = 0, ts = 0;
    for (int j = 0; j < d; j++) m2 += (ma[j] - mb[j]) * (ma[j] - mb[j]), tr += ca[(size_t)j * d + j] + cb[(size_t)j * d + j];
    int rc = trace_sqrt_product(ca, cb, d, &ts);
    free(buf);
    if (!rc) *fid = m2 + tr - 2 * ts;
    return rc;
}

static double xlogx(double x) { return x > 0 ? x * log(x) : 0; }

/* KL(p || q) of two rows, each normalised to sum 1 first (as scipy's entropy does). */
static double kl(const double *p, const double *q, int k) {
    double sp = 0, sq = 0, s = 0;
    for (int c = 0; c < k; c++) sp += p[c], sq += q[c];
    for (int c = 0; c < k; c++)
        if (p[c] > 0) s += p[c] / sp * log((p[c] / sp) / (q[c] / sq));
    return s;
}

/* Per class: pbar_c and T_c (sk_audio_metrics.h). */
static void class_terms(const double *p, int64_t n, int k, double *pbar, double *t) {
    for (int c = 0; c < k; c++) {
        double s = 0, sl = 0;
        for (int64_t i = 0; i < n; i++) s += p[i * k + c], sl += xlogx(p[i * k + c]);
        pbar[c] = s / (double)n;
        t[c] = s > 0 ? sl / s - log(pbar[c]) : 0;
    }
}

static double inception(const double *p, int64_t n, int k, int sashimi) {
    double pbar[256], t[256], s = 0;
    if (k > 256) return NAN;
    class_terms(p, n, k, pbar, t);
    for (int c = 0; c < k; c++) s += sashimi ? t[c] / k : pbar[c] * t[c];
    return exp(s);
}

double sk_metric_is_textbook(const double *p, int64_t n, int k) { return inception(p, n, k, 0); }
double sk_metric_is_sashimi(const double *p, int64_t n, int k) { return inception(p, n, k, 1); }

double sk_metric_mis(const double *p, int k, const int64_t *pairs, int64_t npairs) {
    double s = 0;
    for (int64_t r = 0; r < npairs; r++) s += kl(p + pairs[2 * r] * k, p + pairs[2 * r + 1] * k, k);
    return exp(s / (double)npairs);
}

static void mean_row(const double *p, int64_t n, int k, double *m) {
    for (int c = 0; c < k; c++) m[c] = 0;
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < k; c++) m[c] += p[i * k + c] / (double)n;
}

double sk_metric_am(const double *pref, int64_t nref, const double *p, int64_t n, int k) {
    double mr[256], mg[256], h = 0;
    if (k > 256) return NAN;
    mean_row(pref, nref, k, mr);
    mean_row(p, n, k, mg);
    for (int64_t i = 0; i < n; i++) {
        double sp = 0;
        for (int c = 0; c < k; c++) sp += p[i * k + c];
        for (int c = 0; c < k; c++) h -= xlogx(p[i * k + c] / sp) / (double)n;
    }
    return kl(mr, mg, k) + h;
}

int sk_threshold_split(int64_t n, uint64_t seed, unsigned char *eval) {
    int64_t *perm = malloc(sizeof *perm * (size_t)(n > 0 ? n : 1));
    if (!perm) return sk_error(SK_ENOMEM, "threshold: out of memory");
    for (int64_t i = 0; i < n; i++) perm[i] = i, eval[i] = 0;
    sk_rng r;
    sk_rng_seed(&r, seed, 0);
    sk_rng_shuffle_i64(&r, perm, n);
    for (int64_t i = 0; i < n / 2; i++) eval[perm[i]] = 1;
    free(perm);
    return SK_OK;
}

int sk_threshold_select(int64_t n, uint64_t seed, double lo, double hi, int64_t *keep, int64_t *nkeep, int64_t *first,
                        int64_t *end) {
    if (n < 2 || !(lo >= 0 && lo < hi && hi <= 1)) return sk_error(SK_EINVAL, "threshold: need 2 or more clips and 0 <= lo < hi <= 1");
    unsigned char *eval = malloc((size_t)n);
    if (!eval) return sk_error(SK_ENOMEM, "threshold: out of memory");
    int rc = sk_threshold_split(n, seed, eval);
    int64_t m = n / 2, a = (int64_t)floor(lo * (double)m + 1e-9), b = (int64_t)floor(hi * (double)m + 1e-9), pos = 0, c = 0;
    for (int64_t i = 0; !rc && i < n; i++) { /* position i (from the least likely) is rank n - i */
        if (!eval[i]) continue;
        if (pos >= a && pos < b) keep[c++] = n - i;
        pos++;
    }
    free(eval);
    *nkeep = c;
    *first = a;
    *end = b;
    return rc;
}

/* ---- loglik.tsv ---- */

void sk_loglik_free(sk_loglik *t) {
    free(t->text);
    free(t->row);
}

int sk_loglik_read(const char *path, sk_loglik *t) {
    int64_t len;
    memset(t, 0, sizeof *t);
    TRY(sk_read_file(path, &t->text, &len));
    int64_t lines = 0;
    for (int64_t i = 0; i < len; i++) lines += t->text[i] == '\n';
    t->row = calloc((size_t)lines + 1, sizeof *t->row);
    if (!t->row) return sk_loglik_free(t), sk_error(SK_ENOMEM, "%s: out of memory", path);
    char *save = NULL, *line = strtok_r(t->text, "\n", &save);
    if (!line || strncmp(line, "rank\t", 5)) return sk_loglik_free(t), sk_error(SK_EFORMAT, "%s: line 1: not a loglik.tsv header", path);
    t->header = line;
    int64_t ln = 1;
    while ((line = strtok_r(NULL, "\n", &save))) {
        ln++;
        char *end;
        long long r = strtoll(line, &end, 10);
        if (end == line || *end != '\t' || r < 1 || r > lines || t->row[r - 1])
            return sk_loglik_free(t), sk_error(SK_EFORMAT, "%s: line %lld: rank missing, out of range or repeated", path, (long long)ln);
        t->row[r - 1] = line;
        t->n++;
    }
    for (int64_t r = 0; r < t->n; r++)
        if (!t->row[r]) return sk_loglik_free(t), sk_error(SK_EFORMAT, "%s: rank %lld missing", path, (long long)r + 1);
    return SK_OK;
}

int sk_loglik_threshold(const char *path, const sk_loglik *t, uint64_t seed, int64_t **keep, int64_t *nkeep, char *say,
                          size_t saylen) {
    int64_t a, b;
    *keep = malloc(sizeof **keep * (size_t)(t->n > 0 ? t->n : 1));
    if (!*keep) return sk_error(SK_ENOMEM, "out of memory");
    if (sk_threshold_select(t->n, seed, 0.4, 0.95, *keep, nkeep, &a, &b))
        return free(*keep), sk_error_wrap(SK_EINVAL, "%s: ", path);
    snprintf(say, saylen,
             "threshold: %lld of %lld clips kept: positions [%lld, %lld) of the %lld-clip evaluation half "
             "(ordered from the least likely; split seed %llu)",
             (long long)*nkeep, (long long)t->n, (long long)a, (long long)b, (long long)(t->n / 2), (unsigned long long)seed);
    return SK_OK;
}
