/* sk_progress.c — the progress line on a terminal. See sk_progress.h. */
#include "src/sk_progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

double sk_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sk_progress_num(double v, int integer, char *buf, size_t cap) {
    static const char *const sfx[] = {"", "k", "M", "G", "T", "P"};
    if (!isfinite(v) || v < 0) {
        snprintf(buf, cap, "?");
        return;
    }
    if (integer && v < 999.5) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    int i = 0;
    while (v >= 999.5 && i < 5) v /= 1000, i++;
    /* 3 significant digits; a value that rounds up to the next decade takes one digit less */
    const char *f = v < 9.995 ? "%.2f%s" : v < 99.95 ? "%.1f%s" : "%.0f%s";
    snprintf(buf, cap, f, v, sfx[i]);
}

void sk_progress_time(double s, char *buf, size_t cap) {
    if (!isfinite(s) || s < 0 || s > 1e9) {
        snprintf(buf, cap, "?");
        return;
    }
    long long t = (long long)(s + 0.5), h = t / 3600, m = t / 60 % 60, sec = t % 60;
    if (h) snprintf(buf, cap, "%lld:%02lld:%02lld", h, m, sec);
    else snprintf(buf, cap, "%lld:%02lld", m, sec);
}

size_t sk_progress_line(const sk_progress *p, double elapsed, int final, char *buf, size_t cap) {
    if (!cap) return 0;
    const int64_t all = p->before + p->done;
    const double rate = elapsed > 0 ? (double)all / elapsed : -1;
    const char *sp = p->unit ? " " : "", *unit = p->unit ? p->unit : "";
    char d[16], t[16], r[16], e[16];
    sk_progress_num(rate, 0, r, sizeof r);
    int n;
    if (final) {
        sk_progress_num((double)all, 1, d, sizeof d);
        sk_progress_time(elapsed, e, sizeof e);
        n = snprintf(buf, cap, "%s: %s%s%s in %s, %s%s%s/s", p->label, d, sp, unit, e, r, sp, unit);
    } else {
        const int64_t done = p->total > 0 && p->done > p->total ? p->total : p->done;
        const char *isp = p->item[0] ? " " : "";
        sk_progress_num((double)done, 1, d, sizeof d);
        if (p->total > 0) {
            sk_progress_num((double)p->total, 1, t, sizeof t);
            sk_progress_time(rate > 0 ? (double)(p->total - done) / rate : -1, e, sizeof e);
            n = snprintf(buf, cap, "%s%s%s: %s/%s%s%s (%d%%), %s%s%s/s, eta %s", p->label, isp, p->item, d, t, sp, unit,
                         (int)(100 * done / p->total), r, sp, unit, e);
        } else {
            sk_progress_num((double)all, 1, d, sizeof d); /* no size: the count of every part */
            sk_progress_time(elapsed, e, sizeof e);
            n = snprintf(buf, cap, "%s%s%s: %s%s%s, %s%s%s/s, %s elapsed", p->label, isp, p->item, d, sp, unit, r, sp, unit, e);
        }
    }
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

void sk_progress_open(sk_progress *p, const char *label, const char *unit, int64_t total, int quiet) {
    memset(p, 0, sizeof *p);
    p->label = label, p->unit = unit, p->total = total;
    p->t_start = p->t_last = sk_now();
    p->enabled = !quiet && isatty(STDERR_FILENO);
}

void sk_progress_streams_stdout(sk_progress *p) {
    if (isatty(STDOUT_FILENO)) p->enabled = 0;
}

void sk_progress_begin(sk_progress *p, const char *label, int64_t total) { sk_progress_open(p, label, NULL, total, 0); }

/* 1 while a running line (no newline yet) is on stderr */
static _Atomic int line_open;

void sk_progress_break(void) {
    if (line_open) fputs("\r\033[K", stderr), line_open = 0;
}

static void draw(const sk_progress *p, double t, int final) {
    char line[256];
    size_t n = sk_progress_line(p, t - p->t_start, final, line, sizeof line);
    struct winsize ws; /* a line wider than the terminal would wrap, and \r would redraw only its end */
    if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 1 && n >= ws.ws_col) line[ws.ws_col - 1] = 0;
    /* back to the line's start, the text, clear what an older, longer line left */
    fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
    fflush(stderr);
    line_open = !final;
}

void sk_progress_item(sk_progress *p, const char *name, int64_t total) {
    if (!p) return;
    p->before += p->done, p->done = 0, p->total = total;
    snprintf(p->item, sizeof p->item, "%s", name ? name : "");
}

void sk_progress_update(sk_progress *p, int64_t done) {
    if (!p) return;
    p->done = done;
    if (!p->enabled) return;
    double t = sk_now();
    if (t - p->t_last < 0.1) return;
    p->t_last = t;
    draw(p, t, 0);
}

void sk_progress_add(sk_progress *p, int64_t n) {
    if (p) sk_progress_update(p, p->done + n);
}

void sk_progress_end(sk_progress *p) {
    if (!p || !p->enabled) return;
    draw(p, sk_now(), 1);
    p->enabled = 0; /* a second end draws nothing */
}
