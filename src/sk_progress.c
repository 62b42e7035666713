/* sk_progress.c — terminal progress bar. See sk_progress.h. */
#include "src/sk_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double sk_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sk_progress_begin(sk_progress *p, const char *label, int64_t total) {
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t_start = p->t_last = sk_now();
    p->enabled = isatty(STDERR_FILENO);
}

static void draw(sk_progress *p, double t) {
    double el = t - p->t_start, rate = el > 0 ? (double)p->done / el : 0;
    if (p->total > 0) {
        double f = (double)p->done / (double)p->total;
        if (f > 1) f = 1;
        int w = 30, n = (int)(f * w);
        char bar[32];
        for (int i = 0; i < w; i++) bar[i] = i < n ? '#' : '.';
        bar[w] = 0;
        double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
        fprintf(stderr, "\r%s [%s] %5.1f%% %lld/%lld %.3g/s eta %.0fs ", p->label, bar, 100 * f,
                (long long)p->done, (long long)p->total, rate, eta);
    } else {
        fprintf(stderr, "\r%s %lld %.3g/s %.0fs ", p->label, (long long)p->done, rate, el);
    }
    fflush(stderr);
}

void sk_progress_update(sk_progress *p, int64_t done) {
    p->done = done;
    if (!p->enabled) return;
    double t = sk_now();
    if (t - p->t_last < 0.1) return;
    p->t_last = t;
    draw(p, t);
}

void sk_progress_end(sk_progress *p) {
    if (!p->enabled) return;
    draw(p, sk_now());
    fputc('\n', stderr);
}
