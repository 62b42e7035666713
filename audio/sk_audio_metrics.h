/* sk_audio_metrics.h — the speech scores of a digit classifier's view of clips (audio/README.md
 * §Speech scores): FID on feature rows, Inception Score in two forms, mIS and AM on class
 * probability rows, and the likelihood-threshold selection of generated clips. All in float64;
 * arrays are row-major, one row per clip. Nothing here prints. */
#ifndef SK_AUDIO_METRICS_H
#define SK_AUDIO_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"

/* Eigen-decomposition of the symmetric n x n matrix a (destroyed) by cyclic Jacobi rotations:
 * eigenvalues in w, eigenvectors in the columns of v (row-major n x n). */
int sk_symeig(double *a, int n, double *w, double *v) SK_RESULT_USED;

/* Frechet distance of the Gaussians fitted to two feature sets (na x d, nb x d; unbiased
 * covariances, both sets need 2 rows or more). */
int sk_metric_fid(const double *a, int64_t na, const double *b, int64_t nb, int d, double *fid) SK_RESULT_USED;

/* Inception Score, textbook: exp(mean_i KL(p_i || pbar)), pbar the mean row of the same set. */
double sk_metric_is_textbook(const double *p, int64_t n, int k);
/* Inception Score as SaShiMi's evaluation code computes it: each class column is normalised over
 * the clips, so ln IS = (1/k) sum_c T_c with T_c = sum_i p_ic ln p_ic / (n pbar_c) - ln pbar_c
 * (the textbook value weights the same T_c by pbar_c). */
double sk_metric_is_sashimi(const double *p, int64_t n, int k);
/* Modified IS: exp(mean over the given index pairs (i, j) of KL(p_i || p_j)). */
double sk_metric_mis(const double *p, int k, const int64_t *pairs, int64_t npairs);
/* AM score: KL(mean of pref || mean of p) + mean_i H(p_i). */
double sk_metric_am(const double *pref, int64_t nref, const double *p, int64_t n, int k);

/* The seeded split of the likelihood-threshold protocol: of n clips at positions 0..n-1 (ordered
 * from the least likely), eval[i] = 1 for the n/2 of the evaluation half, 0 for the tuning half. */
int sk_threshold_split(int64_t n, uint64_t seed, unsigned char *eval) SK_RESULT_USED;
/* The likelihood-threshold protocol: n clips ranked 1..n (1 the most likely) are split at random
 * (seed) into a tuning and an evaluation half (n/2 each, the rest of an odd n to tuning), each kept
 * in likelihood order. Within the evaluation half, ordered from the least likely, the positions
 * [floor(lo m), floor(hi m)) are kept (m its size). keep[] receives the ranks (1-based) of the kept
 * clips, least likely first; *nkeep their count; *first and *end the position range. */
int sk_threshold_select(int64_t n, uint64_t seed, double lo, double hi, int64_t *keep, int64_t *nkeep,
                        int64_t *first, int64_t *end) SK_RESULT_USED;

/* A loglik.tsv of `audio generate` (header "rank\tfile\t..."): row[r - 1] is the line of rank r,
 * every rank 1..n present once (an error names the file and line otherwise). */
typedef struct sk_loglik {
    char *text, **row;
    int64_t n;
    const char *header;
} sk_loglik;
int sk_loglik_read(const char *path, sk_loglik *t) SK_RESULT_USED;
void sk_loglik_free(sk_loglik *t);
/* The ranks the likelihood-threshold protocol keeps (sk_threshold_select with the fractions 0.4
 * and 0.95; *keep malloc'd, least likely first) and a one-line statement of the range in say. */
int sk_loglik_threshold(const char *path, const sk_loglik *t, uint64_t seed, int64_t **keep, int64_t *nkeep, char *say,
                        size_t saylen) SK_RESULT_USED;

#endif
