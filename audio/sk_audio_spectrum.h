/* sk_audio_spectrum.h — short-time Fourier transform (FFTW), mel filters and log-mel features,
 * and spectrogram pictures of audio files (PNG or SVG).
 *
 * The STFT here is the one FFT of the project: `ssmkit audio spectrogram` draws with it and a
 * log-mel front-end (a speech scorer) computes its features with it, so the two agree.
 *
 * Frame t covers samples [t*hop, t*hop + n_fft) of the signal (samples past the end are zeros),
 * multiplied by the periodic Hann window w[i] = 0.5 - 0.5 cos(2 pi i / n_fft); its power is
 *     P[t][k] = |sum_i w[i] x[t*hop + i] exp(-2 pi j i k / n_fft)|^2,   k = 0 .. n_fft/2
 * (no normalisation). A signal of n samples has sk_audio_stft_frames(n, n_fft, hop) frames:
 * 1 + floor((n - n_fft) / hop) when n >= n_fft, else 1.
 *
 * Built with FFTW (Debian libfftw3-dev, SSMKIT_HAVE_FFTW). Without it sk_audio_stft_new fails
 * with SK_EUNSUP and says what to install. FFTW's planner is not thread-safe: create STFT
 * handles from one thread (computing with distinct handles in parallel is fine).
 */
#ifndef SK_AUDIO_SPECTRUM_H
#define SK_AUDIO_SPECTRUM_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_audio_stft sk_audio_stft;

/* n_fft even, 16 .. 65536. */
int sk_audio_stft_new(sk_audio_stft **s, int n_fft) SK_RESULT_USED;
void sk_audio_stft_free(sk_audio_stft *s);
int64_t sk_audio_stft_frames(int64_t n, int n_fft, int hop);
/* The power of the frame starting at sample `start` of x[n]: power[n_fft/2 + 1]. */
void sk_audio_stft_frame(sk_audio_stft *s, const float *x, int64_t n, int64_t start, double *power);
/* Every frame: *power (malloc'd) = frames rows of n_fft/2 + 1 values. */
int sk_audio_stft_power(const float *x, int64_t n, int n_fft, int hop, double **power, int64_t *frames) SK_RESULT_USED;

/* Triangular mel filters on the HTK mel scale m(f) = 2595 log10(1 + f / 700): n_mels + 2 points
 * p_0 .. p_{n_mels+1} equally spaced in mel from fmin to fmax; band b rises from p_b to a peak of
 * 1 at p_{b+1} and falls to 0 at p_{b+2}, evaluated at the bin frequencies k * rate / n_fft.
 * *filters (malloc'd) = n_mels rows of n_fft/2 + 1 weights. */
int sk_audio_mel_filters(int n_mels, int n_fft, int rate, double fmin, double fmax, double **filters) SK_RESULT_USED;
/* out[b] = ln(max(floor, sum_k filters[b][k] power[k])) for one frame. */
void sk_audio_logmel(const double *power, const double *filters, int n_mels, int bins, double floor, double *out);

/* ---- pictures ---------------------------------------------------------------------------------- */

typedef struct sk_audio_spectrogram_opts {
    int rate;          /* every file is read at this rate (resampled when it differs) */
    int n_fft, hop;    /* STFT size and hop in samples */
    double range_db;   /* the colours span [max - range_db, max] dB over all files */
    const char *title; /* SVG title (NULL: the file names) */
} sk_audio_spectrogram_opts;

void sk_audio_spectrogram_defaults(sk_audio_spectrogram_opts *o);   /* 16000 Hz, 512, 128, 90 dB */

/* Spectrograms of the files side by side, in the order given, frequency upwards, colour = dB
 * (black, purple, orange, pale yellow as the power rises). out ends in .png (a raster, one column per frame
 * scaled up to at least 800 pixels wide, one row per bin, a white gap between files; needs
 * libpng) or .svg (the same cells as rectangles, at most 160 rows and 800 columns by averaging,
 * with axes in seconds and kHz and the file names). Written atomically. */
int sk_audio_spectrogram_write(char *const *files, int n_files, const char *out, const sk_audio_spectrogram_opts *o) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
