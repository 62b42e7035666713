/* sk_svg.c — the SVG chart writer (sk_svg.h). */
#include "src/sk_svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vput(sk_svg *s, const char *fmt, va_list ap) {
    if (s->err) return;
    char buf[4096];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0 || (size_t)n >= sizeof buf) s->err = sk_error(SK_EINVAL, "%s: SVG element too long", s->out.af.path ? s->out.af.path : "SVG");
    else s->err = sk_out_printf(&s->out, "%s", buf);
}

static void put(sk_svg *s, const char *fmt, ...) SK_PRINTF(2, 3);
static void put(sk_svg *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vput(s, fmt, ap);
    va_end(ap);
}

int sk_svg_open(sk_svg *s, const char *path, double width, double height) {
    memset(s, 0, sizeof *s);
    int rc = sk_out_open(&s->out, path);
    if (rc) return rc;
    put(s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
        "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
        width, height, width, height);
    sk_svg_rect(s, 0, 0, width, height, "#ffffff", NULL);
    return s->err;
}

int sk_svg_close(sk_svg *s) {
    put(s, "</svg>\n");
    if (s->err) {
        sk_out_abort(&s->out);
        return s->err;
    }
    return sk_out_close(&s->out);
}

void sk_svg_abort(sk_svg *s) { sk_out_abort(&s->out); }

void sk_svg_escape(char *dst, size_t cap, const char *src) {
    size_t n = 0;
    for (; *src; src++) {
        const char *rep = *src == '&' ? "&amp;" : *src == '<' ? "&lt;" : *src == '>' ? "&gt;" : *src == '"' ? "&quot;" : NULL;
        char one[2] = {*src, 0};
        const char *p = rep ? rep : one;
        size_t k = strlen(p);
        /* do not cut a UTF-8 sequence: stop before a lead byte whose sequence would not fit */
        size_t need = k;
        if (!rep && ((unsigned char)*src & 0xC0) == 0xC0) need = ((unsigned char)*src >= 0xF0 ? 4 : (unsigned char)*src >= 0xE0 ? 3 : 2);
        if (n + need + 1 > cap) break;
        memcpy(dst + n, p, k);
        n += k;
    }
    if (cap) dst[n] = 0;
}

void sk_svg_text(sk_svg *s, double x, double y, double size, const char *anchor, double rotate, const char *fill,
                 const char *text) {
    char esc[1024], rot[96] = "";
    sk_svg_escape(esc, sizeof esc, text);
    if (rotate != 0) snprintf(rot, sizeof rot, " transform=\"rotate(%.0f %.2f %.2f)\"", rotate, x, y);
    put(s, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" text-anchor=\"%s\" fill=\"%s\"%s>%s</text>\n", x, y, size, anchor,
        fill ? fill : "#000000", rot, esc);
}

void sk_svg_line(sk_svg *s, double x1, double y1, double x2, double y2, const char *stroke, double width, const char *dash) {
    put(s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" stroke-width=\"%.2f\"%s%s%s/>\n", x1, y1, x2, y2,
        stroke, width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
}

void sk_svg_rect(sk_svg *s, double x, double y, double w, double h, const char *fill, const char *stroke) {
    put(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"%s%s%s/>\n", x, y, w, h, fill ? fill : "none",
        stroke ? " stroke=\"" : "", stroke ? stroke : "", stroke ? "\"" : "");
}

void sk_svg_polyline(sk_svg *s, const double *x, const double *y, int64_t n, const char *stroke, double width,
                     const char *dash, const char *attrs) {
    put(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" stroke-linejoin=\"round\"%s%s%s%s%s points=\"", stroke,
        width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "", attrs ? " " : "", attrs ? attrs : "");
    for (int64_t i = 0; i < n; i++) put(s, "%s%.2f,%.2f", i ? " " : "", x[i], y[i]);
    put(s, "\"/>\n");
}

void sk_svg_raw(sk_svg *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vput(s, fmt, ap);
    va_end(ap);
}

/* ---- ticks and axes --------------------------------------------------------------------------- */

static double nice_step(double lo, double hi, int target) {
    double span = hi - lo, raw = span / (target > 1 ? target : 1), p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

int sk_svg_ticks(double lo, double hi, int target, double *t, int max) {
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi)) return 0;
    double step = nice_step(lo, hi, target);
    int n = 0;
    for (double k = ceil(lo / step - 1e-9); n < max; k++) {
        double v = k * step;
        if (v > hi + step * 1e-9) break;
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    }
    return n;
}

void sk_svg_nice_range(double *lo, double *hi, int target) {
    if (!(*hi > *lo)) {
        double c = *lo, w = fabs(c) > 0 ? fabs(c) * 0.1 : 1;
        *lo = c - w, *hi = c + w;
    }
    double step = nice_step(*lo, *hi, target);
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
}

void sk_svg_tick_label(char buf[32], double v, double step) {
    if (v == 0) {
        snprintf(buf, 32, "0");
        return;
    }
    double a = fabs(v);
    if (a >= 1e6 || a < 1e-4) {
        snprintf(buf, 32, "%.3g", v);
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, 32, "%.*f", dec > 8 ? 8 : dec, v);
}

double sk_svg_px(const sk_svg_axes *a, double x) { return a->left + (x - a->x0) / (a->x1 - a->x0) * a->width; }
double sk_svg_py(const sk_svg_axes *a, double y) { return a->top + a->height - (y - a->y0) / (a->y1 - a->y0) * a->height; }

void sk_svg_axes_begin(sk_svg *s, const sk_svg_axes *a, const char *name, const char *title, const char *xlabel,
                       const char *ylabel) {
    char esc[256];
    sk_svg_escape(esc, sizeof esc, name);
    put(s,
        "<g class=\"axes\" data-name=\"%s\" data-left=\"%.17g\" data-top=\"%.17g\" data-width=\"%.17g\" data-height=\"%.17g\" "
        "data-x0=\"%.17g\" data-x1=\"%.17g\" data-y0=\"%.17g\" data-y1=\"%.17g\">\n",
        esc, a->left, a->top, a->width, a->height, a->x0, a->x1, a->y0, a->y1);
    double t[64];
    char lab[32];
    int nx = sk_svg_ticks(a->x0, a->x1, 6, t, 64);
    double sx = nice_step(a->x0, a->x1, 6), sy = nice_step(a->y0, a->y1, 5);
    for (int i = 0; i < nx; i++) {
        double px = sk_svg_px(a, t[i]);
        sk_svg_line(s, px, a->top, px, a->top + a->height, "#e4e4e4", 1, NULL);
        sk_svg_line(s, px, a->top + a->height, px, a->top + a->height + 4, "#000000", 1, NULL);
        sk_svg_tick_label(lab, t[i], sx);
        sk_svg_text(s, px, a->top + a->height + 16, 11, "middle", 0, NULL, lab);
    }
    int ny = sk_svg_ticks(a->y0, a->y1, 5, t, 64);
    for (int i = 0; i < ny; i++) {
        double py = sk_svg_py(a, t[i]);
        sk_svg_line(s, a->left, py, a->left + a->width, py, "#e4e4e4", 1, NULL);
        sk_svg_line(s, a->left - 4, py, a->left, py, "#000000", 1, NULL);
        sk_svg_tick_label(lab, t[i], sy);
        sk_svg_text(s, a->left - 7, py + 4, 11, "end", 0, NULL, lab);
    }
    sk_svg_rect(s, a->left, a->top, a->width, a->height, NULL, "#000000");
    if (title && *title) sk_svg_text(s, a->left + a->width / 2, a->top - 8, 13, "middle", 0, NULL, title);
    if (xlabel && *xlabel) sk_svg_text(s, a->left + a->width / 2, a->top + a->height + 34, 12, "middle", 0, NULL, xlabel);
    if (ylabel && *ylabel) sk_svg_text(s, a->left - 48, a->top + a->height / 2, 12, "middle", -90, NULL, ylabel);
}

void sk_svg_axes_end(sk_svg *s) { put(s, "</g>\n"); }
