/* sk_svg.h — a small SVG writer for charts: text, lines, rectangles, polylines, and axes with
 * "nice" ticks, written atomically through src/sk_out.h. Output is deterministic: the same calls
 * give the same bytes (fixed number formats, no dates, no ids from addresses).
 *
 * Coordinates are user units (pixels) with y pointing down. An axes box maps data to pixels:
 *   px = left + (x - x0) / (x1 - x0) * width,   py = top + height - (y - y0) / (y1 - y0) * height
 * and is written as <g class="axes" data-left=... data-x0=...> so that a reader (a test, a script)
 * can invert the mapping of the polylines drawn inside it.
 *
 *   sk_svg s; sk_svg_open(&s, "out.svg", 640, 480);
 *   sk_svg_axes a = {.left = 60, .top = 20, .width = 500, .height = 400, .x0 = 0, .x1 = 10, .y0 = 0, .y1 = 1};
 *   sk_svg_axes_begin(&s, &a, "loss", "step", "bits");  ...  sk_svg_axes_end(&s);
 *   if (sk_svg_close(&s)) ...;
 */
#ifndef SK_SVG_H
#define SK_SVG_H

#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_out.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_svg {
    sk_out out;
    int err;          /* first write error (returned by sk_svg_close) */
} sk_svg;

typedef struct sk_svg_axes {
    double left, top, width, height;   /* the plot area in pixels */
    double x0, x1, y0, y1;             /* the data range it shows (x0 < x1, y0 < y1) */
} sk_svg_axes;

/* Start a width x height document with a white background (written atomically to path). */
int sk_svg_open(sk_svg *s, const char *path, double width, double height) SK_RESULT_USED;
/* Finish the document and commit the file. Returns the first error of any call. */
int sk_svg_close(sk_svg *s) SK_RESULT_USED;
void sk_svg_abort(sk_svg *s);

/* Text at (x, y) (the baseline); anchor "start", "middle" or "end"; rotate in degrees about
 * (x, y) (0 = none). The text is XML-escaped. */
void sk_svg_text(sk_svg *s, double x, double y, double size, const char *anchor, double rotate, const char *fill,
                 const char *text);
void sk_svg_line(sk_svg *s, double x1, double y1, double x2, double y2, const char *stroke, double width, const char *dash);
void sk_svg_rect(sk_svg *s, double x, double y, double w, double h, const char *fill, const char *stroke);
/* A polyline through (x[i], y[i]) in pixels, one element on one line; attrs (may be NULL) is
 * extra attribute text written as is (the caller escapes it, e.g. with sk_svg_escape). */
void sk_svg_polyline(sk_svg *s, const double *x, const double *y, int64_t n, const char *stroke, double width,
                     const char *dash, const char *attrs);
/* Raw markup (for elements this writer has no call for). */
void sk_svg_raw(sk_svg *s, const char *fmt, ...) SK_PRINTF(2, 3);

/* XML-escape src into dst (size cap; cut at a character boundary, always NUL-terminated). */
void sk_svg_escape(char *dst, size_t cap, const char *src);

/* Ticks at the multiples of 1, 2 or 5 x 10^k inside [lo, hi], about `target` of them; at most
 * max are stored in t. Returns how many. */
int sk_svg_ticks(double lo, double hi, int target, double *t, int max);
/* Widen [*lo, *hi] to the enclosing nice ticks (an empty range becomes a unit-wide one). */
void sk_svg_nice_range(double *lo, double *hi, int target);
/* A tick label: v printed with as many decimals as the tick step needs ("0.0002", "1500", "1e+06"). */
void sk_svg_tick_label(char buf[32], double v, double step);

double sk_svg_px(const sk_svg_axes *a, double x);
double sk_svg_py(const sk_svg_axes *a, double y);
/* Open <g class="axes" data-name=...> with the box's numbers, draw the frame, grid, ticks with
 * labels, the title above and the axis labels; sk_svg_axes_end closes the group. */
void sk_svg_axes_begin(sk_svg *s, const sk_svg_axes *a, const char *name, const char *title, const char *xlabel,
                       const char *ylabel);
void sk_svg_axes_end(sk_svg *s);

#ifdef __cplusplus
}
#endif
#endif
