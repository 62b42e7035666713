/* sk_error.h — status codes, error messages and logging for every ssmkit library.
 *
 * Library code (src, kernels, models, audio, genomics) never calls exit(): it returns a status
 * (0 ok, SK_EOF for end of stream, other negatives for errors) and records a message with
 * sk_error(). Tools print that message as "ssmkit: error: <what>: <why>" and exit 1.
 * Messages are per thread, so worker threads may fail independently.
 */
#ifndef SK_ERROR_H
#define SK_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SK_RESULT_USED __attribute__((warn_unused_result))
#define SK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SK_RESULT_USED
#define SK_PRINTF(a, b)
#endif

/* TRY(x): evaluate the status expression x and return it from the calling function unless it is
 * SK_OK. The one definition for the whole tree. */
#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_) return rc_;                                                                       \
    } while (0)

/* Status codes. Readers return SK_EOF (-1) at a clean end of stream, like htslib. */
enum {
    SK_OK = 0,
    SK_EOF = -1,      /* end of stream, not an error */
    SK_EINVAL = -2,   /* invalid argument or configuration */
    SK_EIO = -3,      /* system I/O error (open, read, write, rename) */
    SK_ENOMEM = -4,   /* allocation failed */
    SK_EFORMAT = -5,  /* malformed or truncated input file */
    SK_EUNSUP = -6,   /* valid but unsupported (dtype, version, feature not built) */
    SK_ENODEV = -7,   /* requested device not available */
    SK_ENUM = -8,     /* numerical failure (NaN/Inf) */
    SK_EINTR = -9     /* interrupted by the user (SIGINT) */
};

/* Record a message for the calling thread and return `code` (so: `return sk_error(SK_EIO, ...)`). */
int sk_error(int code, const char *fmt, ...) SK_PRINTF(2, 3);
/* Prefix the current message with more context ("file.fa: record 3: " + old message). */
int sk_error_wrap(int code, const char *fmt, ...) SK_PRINTF(2, 3);
/* The last message recorded by this thread ("" when none). */
const char *sk_errmsg(void);
void sk_error_clear(void);
/* Short name of a status code ("I/O error", "bad format", ...). */
const char *sk_strstatus(int code);

/* Logging to stderr. Level: 0 = errors only, 1 = warnings, 2 = info (default), 3 = debug. */
enum { SK_LOG_ERROR = 0, SK_LOG_WARN = 1, SK_LOG_INFO = 2, SK_LOG_DEBUG = 3 };
void sk_log_set_level(int level);
int sk_log_get_level(void);
void sk_log(int level, const char *fmt, ...) SK_PRINTF(2, 3);
#define sk_log_warn(...) sk_log(SK_LOG_WARN, __VA_ARGS__)
#define sk_log_info(...) sk_log(SK_LOG_INFO, __VA_ARGS__)
#define sk_log_debug(...) sk_log(SK_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
