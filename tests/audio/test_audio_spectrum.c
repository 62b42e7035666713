/* test_audio_spectrum.c — the STFT, mel filters and spectrogram pictures (audio/sk_audio_spectrum.h).
 *  - every frame's power of a sine plus a second tone equals a float64 DFT computed here by the
 *    definition (sum over i of w[i] x[i] e^{-2 pi j i k / N}) within 1e-9 of the peak, and the
 *    peak is the bin nearest f N / rate; frame counts and the zero-padded last frame;
 *  - mel filters: band b peaks (weight 1 or the bin nearest) at the HTK mel point b+1, and the
 *    log-mel of a sine is largest in the band whose peak is nearest the tone;
 *  - the PNG picture of two tones read back with libpng: height n_fft/2 + 1, the brightest row
 *    of each file's columns is the tone's bin (counted from the bottom), a white gap between.
 * Exits 77 when the build has no FFTW (the STFT then reports what to install).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audio/sk_audio.h"
#include "audio/sk_audio_spectrum.h"
#include "tests/sk_test.h"
#ifdef SSMKIT_HAVE_PNG
#include <png.h>
#endif

enum { RATE = 16000, NFFT = 512, HOP = 128 };

static void naive_power(const float *x, int64_t n, int64_t start, int nfft, double *p) {
    for (int k = 0; k <= nfft / 2; k++) {
        double re = 0, im = 0;
        for (int i = 0; i < nfft; i++) {
            double v = start + i < n ? x[start + i] : 0, w = 0.5 - 0.5 * cos(2 * M_PI * i / nfft);
            re += w * v * cos(2 * M_PI * (double)i * k / nfft);
            im -= w * v * sin(2 * M_PI * (double)i * k / nfft);
        }
        p[k] = re * re + im * im;
    }
}

static void test_stft(void) {
    enum { N = 3000 };
    static float x[N];
    const double f = 1237.0, f2 = 5100.0;   /* bin 39.58 -> 40; bin 163.2 */
    for (int i = 0; i < N; i++) x[i] = (float)(0.7 * sin(2 * M_PI * f * i / RATE) + 0.05 * sin(2 * M_PI * f2 * i / RATE + 0.3));
    SK_CHECK(sk_audio_stft_frames(N, NFFT, HOP) == 1 + (N - NFFT) / HOP, "frames");
    SK_CHECK(sk_audio_stft_frames(100, NFFT, HOP) == 1, "a short signal is one zero-padded frame");
    double *p;
    int64_t nf;
    SK_CHECK(sk_audio_stft_power(x, N, NFFT, HOP, &p, &nf) == SK_OK && nf == 1 + (N - NFFT) / HOP, "stft: %s", sk_errmsg());
    double ref[NFFT / 2 + 1], worst = 0;
    int bad_peak = 0;
    for (int64_t t = 0; t < nf; t++) {
        naive_power(x, N, t * HOP, NFFT, ref);
        double top = 0;
        int arg = 0;
        for (int k = 0; k <= NFFT / 2; k++)
            if (ref[k] > top) top = ref[k], arg = k;
        for (int k = 0; k <= NFFT / 2; k++) worst = fmax(worst, fabs(p[t * (NFFT / 2 + 1) + k] - ref[k]) / top);
        int got = 0;
        for (int k = 0; k <= NFFT / 2; k++)
            if (p[t * (NFFT / 2 + 1) + k] > p[t * (NFFT / 2 + 1) + got]) got = k;
        bad_peak += got != (int)lround(f * NFFT / RATE) || arg != got;
    }
    SK_CHECK(worst < 1e-9, "STFT power = float64 DFT by the definition: max error %.3g of the peak", worst);
    SK_CHECK(bad_peak == 0, "the peak is bin %ld (1237 Hz) in every frame: %d frames wrong", lround(f * NFFT / RATE), bad_peak);
    free(p);
    /* the last frame of a signal that is not a whole number of hops: zeros after the end */
    sk_audio_stft *s;
    SK_CHECK(sk_audio_stft_new(&s, NFFT) == SK_OK, "new");
    double q[NFFT / 2 + 1];
    sk_audio_stft_frame(s, x, 700, 400, q);
    naive_power(x, 700, 400, NFFT, ref);
    double err = 0;
    for (int k = 0; k <= NFFT / 2; k++) err = fmax(err, fabs(q[k] - ref[k]));
    SK_CHECK(err < 1e-9 * ref[(int)lround(f * NFFT / RATE)] + 1e-12, "zero-padded frame: %.3g", err);
    sk_audio_stft_free(s);
    SK_CHECK(sk_audio_stft_new(&s, 15) == SK_EINVAL && strstr(sk_errmsg(), "15"), "odd size refused: %s", sk_errmsg());
}

static void test_mel(void) {
    enum { M = 40 };
    double *fb;
    SK_CHECK(sk_audio_mel_filters(M, NFFT, RATE, 0, RATE / 2.0, &fb) == SK_OK, "mel filters: %s", sk_errmsg());
    double m1 = 2595 * log10(1 + (RATE / 2.0) / 700);
    int bad = 0;
    for (int b = 0; b < M; b++) {   /* the peak sits at the bin nearest the HTK point b + 1 */
        double c = 700 * (pow(10, m1 * (b + 1) / (M + 1) / 2595) - 1);
        int arg = 0;
        for (int k = 0; k <= NFFT / 2; k++)
            if (fb[b * (NFFT / 2 + 1) + k] > fb[b * (NFFT / 2 + 1) + arg]) arg = k;
        bad += fabs(arg - c * NFFT / RATE) > 1.0;
    }
    SK_CHECK(bad == 0, "every band peaks within one bin of its mel centre: %d off", bad);
    static float x[NFFT];
    const double f = 2000;
    for (int i = 0; i < NFFT; i++) x[i] = (float)sin(2 * M_PI * f * i / RATE);
    double p[NFFT / 2 + 1], lm[M];
    sk_audio_stft *s;
    SK_CHECK(sk_audio_stft_new(&s, NFFT) == SK_OK, "new");
    sk_audio_stft_frame(s, x, NFFT, 0, p);
    sk_audio_stft_free(s);
    sk_audio_logmel(p, fb, M, NFFT / 2 + 1, 1e-10, lm);
    int arg = 0, want = 0;
    for (int b = 0; b < M; b++) {
        if (lm[b] > lm[arg]) arg = b;
        double c = 700 * (pow(10, m1 * (b + 1) / (M + 1) / 2595) - 1), cw = 700 * (pow(10, m1 * (want + 1) / (M + 1) / 2595) - 1);
        if (fabs(c - f) < fabs(cw - f)) want = b;
    }
    SK_CHECK(arg == want, "log-mel of a 2 kHz sine peaks in band %d, want %d", arg, want);
    free(fb);
    SK_CHECK(sk_audio_mel_filters(M, NFFT, RATE, 0, RATE, &fb) == SK_EINVAL, "fmax above Nyquist refused");
}

static void test_png(void) {
#ifdef SSMKIT_HAVE_PNG
    char dir[] = "/tmp/sk_spec_XXXXXX", a[64], b[64], out[64];
    SK_CHECK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(a, sizeof a, "%s/a.wav", dir), snprintf(b, sizeof b, "%s/b.wav", dir), snprintf(out, sizeof out, "%s/s.png", dir);
    enum { N = 8000 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++) x[i] = (float)(0.5 * sin(2 * M_PI * 1000.0 * i / RATE)), y[i] = (float)(0.5 * sin(2 * M_PI * 3000.0 * i / RATE));
    SK_CHECK(sk_audio_write_wav(a, x, N, RATE, SK_AUDIO_FLOAT) == SK_OK && sk_audio_write_wav(b, y, N, RATE, SK_AUDIO_FLOAT) == SK_OK, "wavs");
    sk_audio_spectrogram_opts o;
    sk_audio_spectrogram_defaults(&o);
    char *files[] = {a, b};
    SK_CHECK(sk_audio_spectrogram_write(files, 2, out, &o) == SK_OK, "picture: %s", sk_errmsg());
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    SK_CHECK(png_image_begin_read_from_file(&im, out), "read the PNG back");
    im.format = PNG_FORMAT_RGB;
    int64_t nf = sk_audio_stft_frames(N, NFFT, HOP), scale = (800 + 2 * nf - 1) / (2 * nf);
    SK_CHECK(im.height == NFFT / 2 + 1 && im.width == 2 * nf * scale + 6, "size %ux%u, want %lldx%d", im.width, im.height,
             (long long)(2 * nf * scale + 6), NFFT / 2 + 1);
    uint8_t *px = malloc(PNG_IMAGE_SIZE(im));
    SK_CHECK(px && png_image_finish_read(&im, NULL, px, 0, NULL), "pixels");
    for (int c = 0; c < 2 && px; c++) {
        int64_t col = c * (nf * scale + 6) + nf * scale / 2;
        int brightest = 0, best = -1;
        for (int r = 0; r < (int)im.height; r++) {
            const uint8_t *q = px + ((size_t)r * im.width + (size_t)col) * 3;
            if (q[0] + q[1] + q[2] > best) best = q[0] + q[1] + q[2], brightest = r;
        }
        int want = NFFT / 2 - (c ? 96 : 32);   /* 1 kHz = bin 32, 3 kHz = bin 96, row 0 = the top bin */
        SK_CHECK(brightest == want, "file %d: brightest row %d, want %d", c, brightest, want);
        const uint8_t *g = px + ((size_t)10 * im.width + (size_t)(nf * scale + 2)) * 3;
        SK_CHECK(c || (g[0] == 255 && g[1] == 255 && g[2] == 255), "white gap between the files");
    }
    free(px);
    unlink(a), unlink(b), unlink(out), rmdir(dir);
#else
    printf("note: built without libpng: PNG picture not tested\n");
#endif
}

int main(void) {
    sk_audio_stft *s;
    if (sk_audio_stft_new(&s, 512) == SK_EUNSUP) {
        printf("skipped: %s\n", sk_errmsg());
        return 77;
    }
    sk_audio_stft_free(s);
    test_stft();
    test_mel();
    test_png();
    return sk_test_finish("test_audio_spectrum");
}
