/* sk_jsonl.h — helpers for long jobs: a JSON-lines log writer and a SIGINT/SIGTERM flag.
 *
 * Log: one JSON object per line, written with one fwrite and flushed at sk_jsonl_end, so a
 * killed job leaves complete lines (at most a torn last one, which sk_jsonl_open_resume drops).
 * Numbers are printed with the fewest of 15, 16 or 17 significant digits that read back
 * (strtod) to the same double; NaN and +-inf are written as null (JSON has no such numbers).
 * A log grows line by line, so it is the one output that is not written atomically.
 *
 *   sk_jsonl *log; sk_jsonl_open(&log, "run.jsonl", 0);
 *   sk_jsonl_begin(log); sk_jsonl_int(log, "step", 10); sk_jsonl_num(log, "loss", 2.5);
 *   if (sk_jsonl_end(log)) ...;            -> {"step":10,"loss":2.5}\n
 *   sk_jsonl_close(log);
 *
 * Interrupts: sk_interrupt_install() makes the first SIGINT or SIGTERM set a flag (read with
 * sk_interrupted()) instead of killing the process, so a trainer can write a checkpoint and stop
 * at the end of its step; the handler is one-shot (SA_RESETHAND), so a second Ctrl-C kills.
 */
#ifndef SK_JSONL_H
#define SK_JSONL_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_jsonl sk_jsonl;

/* Create (truncate) or, with append = 1, append to `path`; "-" writes to stdout. */
int sk_jsonl_open(sk_jsonl **out, const char *path, int append) SK_RESULT_USED;
/* For a resumed run: keep the complete lines of an existing log whose integer `key` is <= max
 * (lines without the key are kept), drop the rest and any torn last line (rewritten
 * atomically), then open for appending. A missing file starts empty. A line that is not a JSON
 * object is an SK_EFORMAT error naming the file and line. */
int sk_jsonl_open_resume(sk_jsonl **out, const char *path, const char *key, int64_t max) SK_RESULT_USED;
/* Flush and close (stdout is flushed, not closed). Returns the first write error, if any. */
int sk_jsonl_close(sk_jsonl *j);

/* Build one object: begin, fields in order, end (writes the line and flushes). Keys and string
 * values are escaped. Errors (allocation) are remembered and returned by sk_jsonl_end. */
void sk_jsonl_begin(sk_jsonl *j);
void sk_jsonl_int(sk_jsonl *j, const char *key, int64_t v);
void sk_jsonl_num(sk_jsonl *j, const char *key, double v);
void sk_jsonl_str(sk_jsonl *j, const char *key, const char *v);
void sk_jsonl_bool(sk_jsonl *j, const char *key, int v);
/* A nested value: `json` is JSON text (an object, array, ...), written as itself (not as a string)
 * with the blanks outside its strings removed; text that does not parse is an SK_EFORMAT error. */
void sk_jsonl_json(sk_jsonl *j, const char *key, const char *json);
int sk_jsonl_end(sk_jsonl *j) SK_RESULT_USED;

/* Shortest of %.15g/%.16g/%.17g that round-trips (NaN/inf -> "null"); buf >= 32 bytes. */
void sk_jsonl_format_num(char buf[32], double v);

void sk_interrupt_install(void);
/* The signal that arrived (SIGINT or SIGTERM) since install/clear, or 0. */
int sk_interrupted(void);
/* Reset the flag and re-arm the handler. */
void sk_interrupt_clear(void);

#ifdef __cplusplus
}
#endif
#endif
