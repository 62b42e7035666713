/* fuzz_common.h — checks shared by the harnesses: a reader that fails must say why, naming the
 * file (tools/README.md: "ssmkit: error: FILE: why"). A broken promise aborts, which libFuzzer
 * reports like a crash. */
#ifndef SK_FUZZ_COMMON_H
#define SK_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/sk_error.h"

static inline void fuzz_check_error(int rc, const char *name) {
    if (!rc) return;
    const char *m = sk_errmsg();
    if (!m[0] || (name && !strstr(m, name))) {
        fprintf(stderr, "fuzz: status %d with message \"%s\" (expected one naming %s)\n", rc, m, name ? name : "?");
        abort();
    }
    sk_error_clear();
}

#endif
