/* audio_ref.c — an independent reference for the audio CLI tests, reading and writing with
 * libsndfile directly (not through audio/):
 *   audio_ref --gen OUT.wav RATE SECONDS   16-bit mono: a 440 Hz tone, a 1500 Hz tone and a
 *                                          300 -> 3000 Hz chirp, one after the other, at 0.5
 *   audio_ref --compare A B MAXLAG         mono mixes of A and B: the lag (-MAXLAG..MAXLAG, B
 *                                          shifted against A) of the highest normalised
 *                                          correlation over the overlap, printed as
 *                                          "frames_a N frames_b M lag L corr C rms R"
 *                                          (rms of A - B at that lag over the overlap)
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double *load_mono(const char *path, long *n) {
    SF_INFO si = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &si);
    if (!f) {
        fprintf(stderr, "audio_ref: %s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    long cap = 1 << 16, len = 0;
    double *x = malloc(sizeof(double) * (size_t)cap), buf[4096 * 8];
    int ch = si.channels > 8 ? 8 : si.channels;
    for (;;) {
        sf_count_t want = 4096 * 8 / si.channels, k = sf_readf_double(f, buf, want);
        if (k <= 0) break;
        for (sf_count_t i = 0; i < k; i++) {
            if (len == cap) x = realloc(x, sizeof(double) * (size_t)(cap *= 2));
            double s = 0;
            for (int c = 0; c < ch; c++) s += buf[i * si.channels + c];
            x[len++] = s / ch;
        }
    }
    sf_close(f);
    *n = len;
    return x;
}

static int gen(const char *path, int rate, double seconds) {
    long n = (long)(rate * seconds), third = n / 3;
    SF_INFO si = {.samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *f = sf_open(path, SFM_WRITE, &si);
    if (!f) return fprintf(stderr, "audio_ref: %s: %s\n", path, sf_strerror(NULL)), 1;
    double *x = malloc(sizeof(double) * (size_t)n), ph = 0;
    for (long i = 0; i < n; i++) {
        double hz = i < third ? 440 : i < 2 * third ? 1500 : 300 + 2700.0 * (i - 2 * third) / (n - 2 * third);
        ph += 2 * M_PI * hz / rate;
        x[i] = 0.5 * sin(ph);
    }
    int rc = sf_writef_double(f, x, n) == n ? 0 : 1;
    sf_close(f);
    free(x);
    return rc;
}

static int compare(const char *pa, const char *pb, long maxlag) {
    long na, nb;
    double *a = load_mono(pa, &na), *b = load_mono(pb, &nb);
    if (!a || !b) return 1;
    double best = -2, best_rms = 0;
    long best_lag = 0;
    for (long lag = -maxlag; lag <= maxlag; lag++) {   /* a[i] against b[i + lag] */
        double sab = 0, saa = 0, sbb = 0, sd = 0;
        long m = 0;
        for (long i = lag < 0 ? -lag : 0; i < na && i + lag < nb; i++, m++) {
            double u = a[i], v = b[i + lag];
            sab += u * v, saa += u * u, sbb += v * v, sd += (u - v) * (u - v);
        }
        double c = m > 0 && saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : -1;
        if (c > best) best = c, best_lag = lag, best_rms = m > 0 ? sqrt(sd / m) : 0;
    }
    printf("frames_a %ld frames_b %ld lag %ld corr %.6f rms %.6f\n", na, nb, best_lag, best, best_rms);
    free(a);
    free(b);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && !strcmp(argv[1], "--gen")) return gen(argv[2], atoi(argv[3]), atof(argv[4]));
    if (argc == 5 && !strcmp(argv[1], "--compare")) return compare(argv[2], argv[3], atol(argv[4]));
    fprintf(stderr, "usage: audio_ref --gen OUT.wav RATE SECONDS | --compare A B MAXLAG\n");
    return 2;
}
