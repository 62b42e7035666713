/* sk_progress.h — a progress line on stderr, drawn only when stderr is a terminal.
 *
 * A command opens one sk_progress (label, unit, quiet flag) and hands a pointer to the runner that
 * does the work (the DNA window runner, a stream, an evaluation loop); the runner counts what it
 * has done with sk_progress_add / _update and, for work made of named parts of known size (the
 * records of a FASTA file, a chromosome), starts each part with sk_progress_item. Library code
 * draws no progress the command did not ask for (a pointer it gave; in the trainer and audio prep,
 * the command's quiet option): with a NULL pointer every function here does nothing.
 *
 * The line is redrawn in place (cut to the terminal's width) at most 10 times a second and ends
 * with a summary line at sk_progress_end, which a command calls before it prints its results.
 * Nothing is drawn when stderr is not a terminal or the command was given -q, so redirected
 * output and logs stay clean. Its text comes from sk_progress_line, a pure function:
 *
 *   running, size known:   "eval chr1: 3.20M/21.0M bases (15%), 120k bases/s, eta 2:36"
 *   running, size unknown: "classify: 1.23k windows, 56.7 windows/s, 0:21 elapsed" (all parts)
 *   at the end:            "eval: 21.0M bases in 2:55, 120k bases/s"
 *
 * Counts and rates have 3 significant digits with k, M, G, T, P past 999; times are m:ss or
 * h:mm:ss; a unit of NULL leaves the unit words out.
 */
#ifndef SK_PROGRESS_H
#define SK_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_progress {
    const char *label;    /* "eval", "classify" */
    const char *unit;     /* "bases", "windows", "tokens"; NULL: none */
    char item[32];        /* the current part's name ("" none), cut to fit */
    int64_t total;        /* of the current part (or of the whole job); 0 = unknown */
    int64_t done;         /* of the current part */
    int64_t before;       /* done in the parts before it (the rate counts them) */
    double t_start, t_last;
    int enabled;
} sk_progress;

/* Start: drawn when stderr is a terminal and quiet is 0. */
void sk_progress_open(sk_progress *p, const char *label, const char *unit, int64_t total, int quiet);
/* The caller writes its results to stdout while it runs (rows of a table): no line when stdout is
 * a terminal too, where the line would break the rows (the rows show the progress there). */
void sk_progress_streams_stdout(sk_progress *p);
/* sk_progress_open(p, label, NULL, total, 0). */
void sk_progress_begin(sk_progress *p, const char *label, int64_t total);
/* A new part (name may be NULL) of `total` units (0 = unknown): what is done so far moves to the
 * rate's count, and done restarts at 0. */
void sk_progress_item(sk_progress *p, const char *name, int64_t total);
/* done = `done` / done += n, then redraw if the last draw is 0.1 s old. */
void sk_progress_update(sk_progress *p, int64_t done);
void sk_progress_add(sk_progress *p, int64_t n);
/* The summary line and a newline (when drawn at all). */
void sk_progress_end(sk_progress *p);

/* Clear a running line off the terminal (it is drawn again at the next update), so that a message
 * printed now starts on a clean line: sk_log calls it. */
void sk_progress_break(void);

/* The line for p after `elapsed` seconds (final: the summary) into buf (always NUL-terminated);
 * returns its length. Pure: reads only p's label, unit, item, total, done, before. */
size_t sk_progress_line(const sk_progress *p, double elapsed, int final, char *buf, size_t cap);
/* A count or rate as the line writes it: integers below 1000 as they are (integer = 1), other
 * values with 3 significant digits and k, M, G, T, P ("120k", "3.20M", "56.7", "0.50"). */
void sk_progress_num(double v, int integer, char *buf, size_t cap);
/* Seconds as m:ss or h:mm:ss (rounded to the second); "?" for a negative or non-finite value. */
void sk_progress_time(double s, char *buf, size_t cap);

/* Seconds since an arbitrary fixed point (monotonic clock). */
double sk_now(void);

#ifdef __cplusplus
}
#endif
#endif
