/* sk_out.c — buffered text output to stdout or an atomic file (sk_out.h). */
#include "src/sk_out.h"

#include <stdarg.h>
#include <stdio.h>

int sk_out_open(sk_out *o, const char *path) {
    o->n = 0, o->file = path != NULL;
    return path ? sk_afile_open(&o->af, path) : SK_OK;
}

int sk_out_flush(sk_out *o) {
    int rc = SK_OK;
    if (o->n && o->file) rc = sk_afile_write(&o->af, o->buf, o->n);
    else if (o->n && fwrite(o->buf, 1, o->n, stdout) != o->n) rc = sk_error(SK_EIO, "stdout: write failed");
    o->n = 0;
    return rc;
}

int sk_out_printf(sk_out *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + o->n, sizeof o->buf - o->n, fmt, ap);
    va_end(ap);
    if (k < 0) return sk_error(SK_EINVAL, "output: format error");
    if ((size_t)k >= sizeof o->buf - o->n) { /* flush, then format again into the empty buffer */
        int rc = sk_out_flush(o);
        if (rc) return rc;
        va_start(ap, fmt);
        k = vsnprintf(o->buf, sizeof o->buf, fmt, ap);
        va_end(ap);
        if (k < 0 || (size_t)k >= sizeof o->buf) return sk_error(SK_EINVAL, "output: line longer than 64 KiB");
    }
    o->n += (size_t)k;
    return SK_OK;
}

int sk_out_close(sk_out *o) {
    int rc = sk_out_flush(o);
    if (o->file) {
        if (rc) sk_afile_abort(&o->af);
        else rc = sk_afile_commit(&o->af);
    } else if (!rc && fflush(stdout)) rc = sk_error(SK_EIO, "stdout: write failed");
    return rc;
}

void sk_out_abort(sk_out *o) {
    if (o->file) sk_afile_abort(&o->af);
    else sk_out_flush(o);
}
