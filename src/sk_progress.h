/* sk_progress.h — a progress bar on stderr, drawn only when stderr is a terminal.
 * Long jobs call sk_progress_update often; it redraws at most 10 times a second.
 */
#ifndef SK_PROGRESS_H
#define SK_PROGRESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_progress {
    const char *label;
    int64_t total;        /* 0 = unknown: show a count and a rate */
    int64_t done;
    double t_start, t_last;
    int enabled;
} sk_progress;

void sk_progress_begin(sk_progress *p, const char *label, int64_t total);
void sk_progress_update(sk_progress *p, int64_t done);
void sk_progress_end(sk_progress *p);
/* Seconds since an arbitrary fixed point (monotonic clock). */
double sk_now(void);

#ifdef __cplusplus
}
#endif
#endif
