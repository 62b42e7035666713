/* speech_helper.c — clips and an independent recomputation for test_audio_score.sh:
 *   speech_helper tones DIR N SEED     DIR/low/K.wav and DIR/high/K.wav, N each: 0.3-0.9 s of a tone
 *                                      (low 200-400 Hz, high 2-3 kHz) at a random offset, with noise
 *   speech_helper noise DIR N SEED     DIR/K.wav: 1 s of white noise (peak near 1)
 *   speech_helper silence DIR N        DIR/K.wav: 1 s of zeros
 *   speech_helper metrics DUMP INPUT SEED
 *       the row of INPUT recomputed from the per-clip dump of `ssmkit audio score --dump` (the
 *       "reference" rows are the reference): clips, labelled, accuracy, FID, textbook IS, SaShiMi's
 *       IS on the seeded half, mIS on the seeded pairs, AM (audio/README.md §Speech scores), with the
 *       metric functions of audio/sk_audio_metrics.h on the dumped numbers.
 * WAVs are 16 kHz float (libsndfile through sk_audio_write_wav). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "audio/sk_audio.h"
#include "audio/sk_audio_metrics.h"
#include "src/sk_rng.h"

static int write_clip(const char *dir, const char *sub, int k, const float *x, int64_t n) {
    char p[4096];
    snprintf(p, sizeof p, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
    mkdir(dir, 0777), mkdir(p, 0777);
    snprintf(p, sizeof p, "%s%s%s/%03d.wav", dir, sub ? "/" : "", sub ? sub : "", k);
    if (sk_audio_write_wav(p, x, n, 16000, SK_AUDIO_FLOAT)) return fprintf(stderr, "%s\n", sk_errmsg()), 1;
    return 0;
}

static int gen(int mode, const char *dir, int n, uint64_t seed) {
    enum { L = 16000 };
    static float x[L];
    sk_rng r;
    sk_rng_seed(&r, seed, 0);
    for (int k = 0; k < n; k++)
        for (int c = 0; c < (mode == 0 ? 2 : 1); c++) {
            int64_t len = L;
            memset(x, 0, sizeof x);
            if (mode == 0) {
                double f = c ? 2000 + 1000 * sk_rng_uniform(&r) : 200 + 200 * sk_rng_uniform(&r);
                len = (int64_t)(L * (0.3 + 0.6 * sk_rng_uniform(&r)));
                int64_t off = (int64_t)sk_rng_below(&r, (uint64_t)(L - len + 1) / 2);
                for (int64_t t = 0; t < len - off; t++)
                    x[off + t] = (float)(0.5 * sin(2 * M_PI * f * (double)t / L) * sin(M_PI * (double)t / (double)(len - off)) +
                                         0.01 * sk_rng_normal(&r));
            } else if (mode == 1) {
                for (int64_t t = 0; t < L; t++) x[t] = (float)(0.3 * sk_rng_normal(&r));
            }
            if (write_clip(dir, mode == 0 ? (c ? "high" : "low") : NULL, k, x, len)) return 1;
        }
    return 0;
}

/* Dump rows: input, clip, label, prediction, K probabilities, d features. */
typedef struct {
    int64_t n, labelled, correct;
    double *p, *f;
} set;

static int metrics(const char *dump, const char *input, uint64_t seed) {
    FILE *fp = fopen(dump, "r");
    if (!fp) return fprintf(stderr, "%s: cannot open\n", dump), 1;
    static char line[1 << 20];
    set s[2] = {{0}};
    int K = 0, d = 0;
    if (fgets(line, sizeof line, fp)) /* header: input clip label prediction p_<class>... f0... */
        for (char *save, *tok = strtok_r(line, "\t\n", &save); tok; tok = strtok_r(NULL, "\t\n", &save))
            K += !strncmp(tok, "p_", 2), d += tok[0] == 'f' && tok[1] >= '0' && tok[1] <= '9';
    while (fgets(line, sizeof line, fp)) {
        char *save, *in = strtok_r(line, "\t\n", &save);
        int w = !strcmp(in, "reference") ? 0 : !strcmp(in, input) ? 1 : -1;
        strtok_r(NULL, "\t\n", &save); /* clip */
        int lab = atoi(strtok_r(NULL, "\t\n", &save)), pred = atoi(strtok_r(NULL, "\t\n", &save));
        double v[4096];
        int nv = 0;
        for (char *tok; nv < 4096 && (tok = strtok_r(NULL, "\t\n", &save));) v[nv++] = strtod(tok, NULL);
        if (nv != K + d) return fprintf(stderr, "%s: a row of %d numbers, the header says %d + %d\n", dump, nv, K, d), 1;
        if (w < 0) continue;
        set *e = &s[w];
        e->p = realloc(e->p, sizeof(double) * (size_t)(e->n + 1) * K);
        e->f = realloc(e->f, sizeof(double) * (size_t)(e->n + 1) * d);
        memcpy(e->p + e->n * K, v, sizeof(double) * K), memcpy(e->f + e->n * d, v + K, sizeof(double) * d);
        e->n++, e->labelled += lab >= 0, e->correct += lab >= 0 && lab == pred;
    }
    fclose(fp);
    set *g = &s[1], *ref = &s[0];
    if (g->n < 2 || ref->n < 2) return fprintf(stderr, "%s: too few rows\n", dump), 1;
    double fid;
    if (sk_metric_fid(g->f, g->n, ref->f, ref->n, d, &fid)) return fprintf(stderr, "%s\n", sk_errmsg()), 1;
    /* the documented seeding: one generator (seed, stream "IS"): a shuffle of the clips whose first
     * half gets SaShiMi's IS, then 10,000 pairs (i, j) drawn uniformly */
    sk_rng r;
    sk_rng_seed(&r, seed, 0x49530000u);
    int64_t *perm = malloc(sizeof *perm * (size_t)g->n), np = 10000, *pairs = malloc(sizeof *pairs * 2 * 10000);
    for (int64_t i = 0; i < g->n; i++) perm[i] = i;
    sk_rng_shuffle_i64(&r, perm, g->n);
    double *half = malloc(sizeof(double) * (size_t)g->n * K);
    for (int64_t i = 0; i < g->n / 2; i++) memcpy(half + i * K, g->p + perm[i] * K, sizeof(double) * K);
    for (int64_t i = 0; i < 2 * np; i++) pairs[i] = (int64_t)sk_rng_below(&r, (uint64_t)g->n);
    printf("%lld\t%lld\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", (long long)g->n, (long long)g->labelled,
           g->labelled ? (double)g->correct / g->labelled : NAN, fid, sk_metric_is_textbook(g->p, g->n, K),
           sk_metric_is_sashimi(half, g->n / 2, K), sk_metric_mis(g->p, K, pairs, np), sk_metric_am(ref->p, ref->n, g->p, g->n, K));
    free(perm), free(pairs), free(half);
    for (int w = 0; w < 2; w++) free(s[w].p), free(s[w].f);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && !strcmp(argv[1], "tones")) return gen(0, argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 5 && !strcmp(argv[1], "noise")) return gen(1, argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 4 && !strcmp(argv[1], "silence")) return gen(2, argv[2], atoi(argv[3]), 0);
    if (argc == 5 && !strcmp(argv[1], "metrics")) return metrics(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    fprintf(stderr, "usage: speech_helper tones|noise DIR N SEED | silence DIR N | metrics DUMP INPUT SEED\n");
    return 2;
}
