/* sk_audio_spectrogram.c — spectrogram pictures of audio files, PNG or SVG (sk_audio_spectrum.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audio/sk_audio.h"
#include "audio/sk_audio_spectrum.h"
#include "src/sk_png.h"
#include "src/sk_svg.h"

void sk_audio_spectrogram_defaults(sk_audio_spectrogram_opts *o) {
    *o = (sk_audio_spectrogram_opts){.rate = SK_AUDIO_DEFAULT_RATE, .n_fft = 512, .hop = 128, .range_db = 90, .title = NULL};
}

/* Colour map anchors, dark to bright (black, purple, red-orange, pale yellow). */
static const uint8_t cmap[][3] = {{0, 0, 4}, {40, 11, 84}, {101, 21, 110}, {159, 42, 99},
                                  {212, 72, 66}, {245, 125, 21}, {250, 193, 39}, {252, 255, 164}};
enum { N_ANCHOR = sizeof cmap / sizeof cmap[0] };

static void colour(double v, uint8_t rgb[3]) {
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    double pos = v * (N_ANCHOR - 1);
    int i = (int)pos < N_ANCHOR - 1 ? (int)pos : N_ANCHOR - 2;
    double f = pos - i;
    for (int c = 0; c < 3; c++) rgb[c] = (uint8_t)lround(cmap[i][c] + f * (cmap[i + 1][c] - cmap[i][c]));
}

typedef struct clip {
    double *db;        /* frames x bins, dB */
    int64_t frames;
} clip;

static const char *last_part(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The file name as drawn: the last path component, or the last two when another file has the
 * same last component (digits/one/x.wav, digits/two/x.wav). */
static const char *label(char *const *files, int n, int i) {
    const char *b = last_part(files[i]);
    for (int j = 0; j < n; j++)
        if (j != i && !strcmp(last_part(files[j]), b)) {
            if (b == files[i]) return b;   /* no folder to add */
            const char *p = b - 1;         /* the '/' before the name, then back to the folder's start */
            while (p > files[i] && p[-1] != '/') p--;
            return p;
        }
    return b;
}

static int write_png(const clip *c, int n, int bins, double top, const sk_audio_spectrogram_opts *o, const char *out) {
    int64_t total = 0;
    for (int i = 0; i < n; i++) total += c[i].frames;
    int scale = total >= 800 ? 1 : (int)((800 + total - 1) / total), gap = 6;
    int64_t w = total * scale + (int64_t)gap * (n - 1);
    if (w > 100000) return sk_error(SK_EINVAL, "%s: %lld frames make a picture too wide for PNG; raise --hop", out, (long long)total);
    uint8_t *img = malloc((size_t)w * (size_t)bins * 3);
    if (!img) return sk_error(SK_ENOMEM, "%s: out of memory", out);
    memset(img, 255, (size_t)w * (size_t)bins * 3);
    int64_t x0 = 0;
    for (int i = 0; i < n; i++) {
        for (int64_t t = 0; t < c[i].frames; t++)
            for (int k = 0; k < bins; k++) {
                uint8_t rgb[3];
                colour((c[i].db[t * bins + k] - (top - o->range_db)) / o->range_db, rgb);
                for (int s = 0; s < scale; s++) memcpy(img + ((size_t)(bins - 1 - k) * (size_t)w + (size_t)(x0 + t * scale + s)) * 3, rgb, 3);
            }
        x0 += c[i].frames * scale + gap;
    }
    int rc = sk_png_write(out, img, (int)w, bins);
    free(img);
    return rc;
}

/* Mean power (from dB) of the cell of frames [t0, t1) and bins [k0, k1), back in dB. */
static double cell_db(const clip *c, int bins, int64_t t0, int64_t t1, int k0, int k1) {
    double s = 0;
    for (int64_t t = t0; t < t1; t++)
        for (int k = k0; k < k1; k++) s += pow(10, c->db[t * bins + k] / 10);
    return 10 * log10(s / (double)((t1 - t0) * (k1 - k0)) + 1e-30);
}

static int write_svg(const clip *c, int n, int bins, double top, const sk_audio_spectrogram_opts *o, char *const *files,
                     const char *out) {
    int64_t total = 0;
    for (int i = 0; i < n; i++) total += c[i].frames;
    int64_t g = (total + 799) / 800;               /* frames per column */
    int kg = (bins + 159) / 160, rows = (bins + kg - 1) / kg;   /* bins per row */
    double fps = (double)o->rate / o->hop, seconds = (double)total / fps, nyq = o->rate / 2000.0;
    sk_svg_axes a = {.left = 70, .top = 50, .width = 900, .height = 360, .x0 = 0, .x1 = seconds, .y0 = 0, .y1 = nyq};
    sk_svg s;
    int rc = sk_svg_open(&s, out, a.left + a.width + 30, a.top + a.height + 60);
    if (rc) return rc;
    char title[512];
    if (o->title) snprintf(title, sizeof title, "%s", o->title);
    else snprintf(title, sizeof title, "spectrogram: %d file%s, FFT %d, hop %d, %g dB range", n, n > 1 ? "s" : "", o->n_fft, o->hop,
                  o->range_db);
    sk_svg_text(&s, a.left + a.width / 2, a.top - 28, 13, "middle", 0, NULL, title);   /* the file names go below it */
    sk_svg_axes_begin(&s, &a, "spectrogram", NULL, "time (s)", "frequency (kHz)");
    double tstart = 0;
    for (int i = 0; i < n; i++) {
        sk_svg_raw(&s, "<g class=\"clip\" data-file=\"%d\" shape-rendering=\"crispEdges\">\n", i);   /* no seams between cells */
        for (int r = 0; r < rows; r++) {
            int k0 = r * kg, k1 = k0 + kg < bins ? k0 + kg : bins;
            /* cell edges on whole pixels, so that neighbouring cells meet without a seam */
            double y1 = round(sk_svg_py(&a, (k0 - 0.5 < 0 ? 0 : k0 - 0.5) * o->rate / o->n_fft / 1000)),
                   y0 = round(sk_svg_py(&a, fmin(nyq, (k1 - 0.5) * o->rate / o->n_fft / 1000)));
            char prev[8] = "";
            double run_x = 0;
            for (int64_t col = 0, ncol = (c[i].frames + g - 1) / g; col <= ncol; col++) {
                int64_t t = col * g < c[i].frames ? col * g : c[i].frames;
                char hex[8] = "";
                if (col < ncol) {
                    uint8_t rgb[3];
                    double v = (cell_db(&c[i], bins, t, t + g < c[i].frames ? t + g : c[i].frames, k0, k1) - (top - o->range_db)) / o->range_db;
                    colour(floor(v * 63 + 0.5) / 63, rgb);   /* 64 levels, so equal neighbours merge into one rectangle */
                    snprintf(hex, sizeof hex, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
                }
                double x = round(sk_svg_px(&a, tstart + (double)t / fps));
                if (strcmp(hex, prev)) {
                    if (*prev) sk_svg_raw(&s, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\"/>\n", run_x, y0,
                                          x - run_x, y1 - y0, prev);
                    memcpy(prev, hex, sizeof prev);
                    run_x = x;
                }
            }
        }
        sk_svg_raw(&s, "</g>\n");
        double xs = sk_svg_px(&a, tstart), xe = sk_svg_px(&a, tstart + c[i].frames / fps);
        if (i > 0) sk_svg_line(&s, xs, a.top, xs, a.top + a.height, "#ffffff", 2, NULL);
        const char *name = label(files, n, i);   /* shrunk to fit a short clip (about 0.6 em per character) */
        double size = fmin(11, (xe - xs) * 0.95 / (0.6 * (double)strlen(name)));
        sk_svg_text(&s, (xs + xe) / 2, a.top - 8, size, "middle", 0, NULL, name);
        tstart += c[i].frames / fps;
    }
    sk_svg_rect(&s, a.left, a.top, a.width, a.height, NULL, "#000000");
    sk_svg_axes_end(&s);
    return sk_svg_close(&s);
}

/* Read one file at the picture's rate and compute its power spectrogram. */
static int load_clip(const char *path, const sk_audio_spectrogram_opts *o, clip *c) {
    float *x = NULL;
    int64_t n = 0;
    int rc = sk_audio_load(path, o->rate, SK_AUDIO_SRC_MEDIUM, &x, &n), bins = o->n_fft / 2 + 1;
    if (rc) return rc;
    int64_t frames = sk_audio_stft_frames(n, o->n_fft, o->hop);
    if (frames * bins > (INT64_C(1) << 26))   /* 512 MiB of doubles: a picture of hours, not of clips */
        rc = sk_error(SK_EINVAL, "%s: %lld frames x %d bins are too many for one picture: raise --hop or cut the file", path,
                      (long long)frames, bins);
    else if ((rc = sk_audio_stft_power(x, n, o->n_fft, o->hop, &c->db, &c->frames))) {
        char why[512];
        snprintf(why, sizeof why, "%s", sk_errmsg());
        rc = sk_error(rc, "%s: %s", path, why);
    }
    free(x);
    return rc;
}

int sk_audio_spectrogram_write(char *const *files, int n_files, const char *out, const sk_audio_spectrogram_opts *o) {
    size_t len = strlen(out);
    int png = len > 4 && !strcasecmp(out + len - 4, ".png"), svg = len > 4 && !strcasecmp(out + len - 4, ".svg");
    if (!png && !svg) return sk_error(SK_EINVAL, "%s: the picture's name must end in .png or .svg", out);
    if (png && !sk_png_available()) return sk_png_write(out, NULL, 1, 1);   /* says what to install */
    if (n_files < 1) return sk_error(SK_EINVAL, "no input files");
    if (o->hop < 1 || !(o->range_db > 0)) return sk_error(SK_EINVAL, "spectrogram: hop %d and range %g dB must be positive", o->hop, o->range_db);
    sk_audio_stft *probe;   /* FFTW built in, size valid: said once, before any file is read */
    int rc = sk_audio_stft_new(&probe, o->n_fft);
    if (rc) return rc;
    sk_audio_stft_free(probe);
    int bins = o->n_fft / 2 + 1;
    clip *c = calloc((size_t)n_files, sizeof *c);
    if (!c) return sk_error(SK_ENOMEM, "out of memory");
    double top = -INFINITY;
    for (int i = 0; i < n_files && !rc; i++) {
        rc = load_clip(files[i], o, &c[i]);
        for (int64_t j = 0; !rc && j < c[i].frames * bins; j++) {
            c[i].db[j] = 10 * log10(c[i].db[j] + 1e-30);
            if (c[i].db[j] > top) top = c[i].db[j];
        }
    }
    if (top < -200) top = -200;   /* all silent: black, not the top of the scale */
    if (!rc) rc = png ? write_png(c, n_files, bins, top, o, out) : write_svg(c, n_files, bins, top, o, files, out);
    for (int i = 0; i < n_files; i++) free(c[i].db);
    free(c);
    return rc;
}
