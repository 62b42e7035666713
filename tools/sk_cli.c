/* sk_cli.c — option parsing and error printing for the subcommands. See sk_cli.h. */
#include "tools/sk_cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int sk_cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "ssmkit%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ssmkit%s%s --help' for more information.\n", cmd ? " " : "", cmd ? cmd : "");
    return SK_EXIT_USAGE;
}

int sk_cli_fail(const char *fallback) {
    const char *m = sk_errmsg();
    fprintf(stderr, "ssmkit: error: %s\n", m && *m ? m : (fallback ? fallback : "failed"));
    return SK_EXIT_ERR;
}

int sk_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts, const char *cmd) {
    static char **last_argv = NULL;
    if (argv != last_argv) {
        last_argv = argv;
        optind = 0;   /* glibc: full re-initialisation */
    }
    opterr = 0;
    char so[128];
    snprintf(so, sizeof so, ":%s", shortopts);   /* leading ':' = report missing arguments as ':' */
    int c = getopt_long(argc, argv, so, longopts, NULL);
    if (c == -1) {
        last_argv = NULL;
        return -1;
    }
    if (c == '?' || c == ':') {
        const char *arg = argv[optind - 1];
        if (c == ':')
            sk_cli_usage(cmd, "option '%s' requires an argument", arg);
        else if (optopt && !(arg[0] == '-' && arg[1] == '-'))
            sk_cli_usage(cmd, "invalid option -- '%c'", optopt);
        else
            sk_cli_usage(cmd, "unrecognized option '%s'", arg);
        last_argv = NULL;
        return '?';
    }
    return c;
}

int sk_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || end == s || *end || v < lo || v > hi) {
        sk_cli_usage(cmd, "%s: '%s' is not an integer in [%lld, %lld]", opt, s, (long long)lo, (long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

int sk_cli_num(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
        sk_cli_usage(cmd, "%s: '%s' is not a number in [%g, %g]", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}
