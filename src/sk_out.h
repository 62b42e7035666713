/* sk_out.h — buffered text output to stdout or to a file written atomically (sk_afile: nothing
 * appears under the final name unless sk_out_close succeeds). Lines are formatted into a 64 KiB
 * buffer and written when it fills; one formatted piece may be at most 64 KiB. */
#ifndef SK_OUT_H
#define SK_OUT_H

#include <stddef.h>
#include "src/sk_error.h"
#include "src/sk_io.h"

typedef struct sk_out {
    sk_afile af;
    int file;        /* 1: af, 0: stdout */
    char buf[65536];
    size_t n;
} sk_out;

/* path NULL: stdout. */
int sk_out_open(sk_out *o, const char *path);
int sk_out_flush(sk_out *o);
int sk_out_printf(sk_out *o, const char *fmt, ...) SK_PRINTF(2, 3);
/* Flush; a file is committed under its final name (or dropped on an error). */
int sk_out_close(sk_out *o);
/* After an error: a file is dropped, stdout gets what is buffered. */
void sk_out_abort(sk_out *o);

#endif
