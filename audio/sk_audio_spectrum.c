/* sk_audio_spectrum.c — the STFT (FFTW), mel filters and log-mel features (sk_audio_spectrum.h). */
#include "audio/sk_audio_spectrum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#ifdef SSMKIT_HAVE_FFTW
#include <fftw3.h>

struct sk_audio_stft {
    int n_fft;
    double *win, *in;
    fftw_complex *out;
    fftw_plan plan;
};

int sk_audio_stft_new(sk_audio_stft **out, int n_fft) {
    *out = NULL;
    if (n_fft < 16 || n_fft > 65536 || n_fft % 2) return sk_error(SK_EINVAL, "FFT size %d: want an even size from 16 to 65536", n_fft);
    sk_audio_stft *s = calloc(1, sizeof *s);
    if (!s) return sk_error(SK_ENOMEM, "out of memory");
    s->n_fft = n_fft;
    s->win = malloc(sizeof(double) * (size_t)n_fft);
    s->in = fftw_alloc_real((size_t)n_fft);
    s->out = fftw_alloc_complex((size_t)n_fft / 2 + 1);
    if (s->win && s->in && s->out)   /* FFTW_ESTIMATE: no timing runs, so the same plan (and bits) every time */
        s->plan = fftw_plan_dft_r2c_1d(n_fft, s->in, s->out, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    if (!s->plan) {
        sk_audio_stft_free(s);
        return sk_error(SK_ENOMEM, "FFT of size %d: out of memory", n_fft);
    }
    for (int i = 0; i < n_fft; i++) s->win[i] = 0.5 - 0.5 * cos(2 * M_PI * i / n_fft);
    *out = s;
    return SK_OK;
}

void sk_audio_stft_free(sk_audio_stft *s) {
    if (!s) return;
    if (s->plan) fftw_destroy_plan(s->plan);
    fftw_free(s->in);
    fftw_free(s->out);
    free(s->win);
    free(s);
}

void sk_audio_stft_frame(sk_audio_stft *s, const float *x, int64_t n, int64_t start, double *power) {
    for (int i = 0; i < s->n_fft; i++) s->in[i] = start + i < n ? s->win[i] * x[start + i] : 0;
    fftw_execute(s->plan);
    for (int k = 0; k <= s->n_fft / 2; k++) power[k] = s->out[k][0] * s->out[k][0] + s->out[k][1] * s->out[k][1];
}

#else

struct sk_audio_stft {
    int n_fft;
};

int sk_audio_stft_new(sk_audio_stft **out, int n_fft) {
    (void)n_fft;
    *out = NULL;
    return sk_error(SK_EUNSUP, "this ssmkit was built without FFTW, which spectrograms need (install libfftw3-dev, then "
                               "reconfigure and rebuild)");
}
void sk_audio_stft_free(sk_audio_stft *s) { (void)s; }
void sk_audio_stft_frame(sk_audio_stft *s, const float *x, int64_t n, int64_t start, double *power) {
    (void)s, (void)x, (void)n, (void)start, (void)power;
}

#endif

int64_t sk_audio_stft_frames(int64_t n, int n_fft, int hop) { return n >= n_fft ? 1 + (n - n_fft) / hop : 1; }

int sk_audio_stft_power(const float *x, int64_t n, int n_fft, int hop, double **power, int64_t *frames) {
    *power = NULL;
    *frames = 0;
    if (hop < 1) return sk_error(SK_EINVAL, "STFT hop %d: must be at least 1", hop);
    sk_audio_stft *s;
    int rc = sk_audio_stft_new(&s, n_fft);
    if (rc) return rc;
    int64_t nf = sk_audio_stft_frames(n, n_fft, hop), bins = n_fft / 2 + 1;
    double *p = malloc(sizeof(double) * (size_t)(nf * bins));
    if (!p) {
        sk_audio_stft_free(s);
        return sk_error(SK_ENOMEM, "STFT of %lld frames: out of memory", (long long)nf);
    }
    for (int64_t t = 0; t < nf; t++) sk_audio_stft_frame(s, x, n, t * hop, p + t * bins);
    sk_audio_stft_free(s);
    *power = p;
    *frames = nf;
    return SK_OK;
}

static double hz_to_mel(double f) { return 2595 * log10(1 + f / 700); }
static double mel_to_hz(double m) { return 700 * (pow(10, m / 2595) - 1); }

int sk_audio_mel_filters(int n_mels, int n_fft, int rate, double fmin, double fmax, double **filters) {
    *filters = NULL;
    if (n_mels < 1 || n_fft < 2 || rate <= 0 || !(fmin >= 0) || !(fmax > fmin) || fmax > rate / 2.0)
        return sk_error(SK_EINVAL, "mel filters: %d bands from %g to %g Hz at %d Hz with FFT %d: invalid", n_mels, fmin, fmax, rate, n_fft);
    int bins = n_fft / 2 + 1;
    double *f = calloc((size_t)n_mels * (size_t)bins, sizeof(double));
    if (!f) return sk_error(SK_ENOMEM, "out of memory");
    double m0 = hz_to_mel(fmin), m1 = hz_to_mel(fmax);
    for (int b = 0; b < n_mels; b++) {
        double lo = mel_to_hz(m0 + (m1 - m0) * b / (n_mels + 1)), c = mel_to_hz(m0 + (m1 - m0) * (b + 1) / (n_mels + 1)),
               hi = mel_to_hz(m0 + (m1 - m0) * (b + 2) / (n_mels + 1));
        for (int k = 0; k < bins; k++) {
            double hz = (double)k * rate / n_fft, w = hz <= c ? (hz - lo) / (c - lo) : (hi - hz) / (hi - c);
            f[(size_t)b * bins + k] = w > 0 ? w : 0;
        }
    }
    *filters = f;
    return SK_OK;
}

void sk_audio_logmel(const double *power, const double *filters, int n_mels, int bins, double floor, double *out) {
    for (int b = 0; b < n_mels; b++) {
        double e = 0;
        for (int k = 0; k < bins; k++) e += filters[(size_t)b * bins + k] * power[k];
        out[b] = log(e > floor ? e : floor);
    }
}
