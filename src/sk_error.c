/* sk_error.c — per-thread error messages and stderr logging. See sk_error.h. */
#include "src/sk_error.h"
#include "src/sk_progress.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char sk_msg[1024];
static int sk_level = SK_LOG_INFO;

int sk_error(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sk_msg, sizeof sk_msg, fmt, ap);
    va_end(ap);
    return code;
}

int sk_error_wrap(int code, const char *fmt, ...) {
    char old[sizeof sk_msg];
    memcpy(old, sk_msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sk_msg, sizeof sk_msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof sk_msg)
        snprintf(sk_msg + n, sizeof sk_msg - (size_t)n, "%s", old);
    return code;
}

const char *sk_errmsg(void) { return sk_msg; }
void sk_error_clear(void) { sk_msg[0] = 0; }

const char *sk_strstatus(int code) {
    switch (code) {
    case SK_OK: return "ok";
    case SK_EOF: return "end of stream";
    case SK_EINVAL: return "invalid argument";
    case SK_EIO: return "I/O error";
    case SK_ENOMEM: return "out of memory";
    case SK_EFORMAT: return "bad format";
    case SK_EUNSUP: return "unsupported";
    case SK_ENODEV: return "device not available";
    case SK_ENUM: return "numerical error";
    case SK_EINTR: return "interrupted";
    default: return "error";
    }
}

void sk_log_set_level(int level) { sk_level = level; }
int sk_log_get_level(void) { return sk_level; }

void sk_log(int level, const char *fmt, ...) {
    if (level > sk_level) return;
    sk_progress_break(); /* a progress line being drawn makes way for the message */
    static const char *tag[] = {"error", "warning", "info", "debug"};
    fprintf(stderr, "ssmkit: %s: ", tag[level < 0 ? 0 : level > 3 ? 3 : level]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
