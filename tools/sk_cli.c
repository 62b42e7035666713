/* sk_cli.c — the option tables of the subcommands: parsing, checks, defaults, --help, and the
 * error printing. See sk_cli.h and tools/README.md. */
#include "tools/sk_cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "src/sk_guard.h"

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

/* getopt_long with ssmkit's conventions: resets getopt state on the first call for argv, reports
 * unknown options and missing arguments as usage errors. Returns the option character, -1 at the
 * end of options, or '?' after printing the usage error. */
static int sk_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts, const char *cmd) {
    static char **last_argv = NULL;
    if (argv != last_argv) {
        last_argv = argv;
        optind = 0;   /* glibc: full re-initialisation */
    }
    opterr = 0;
    char so[256]; /* the caller's table is at most 192 characters */
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

/* ---- subcommand tables ---- */

int sk_cmd_run(const sk_cmd *cmds, int n, const char *parent, int argc, char **argv) {
    for (int i = 0; i < n; i++) {
        if (strcmp(cmds[i].name, argv[1])) continue;
        if (cmds[i].fn) return cmds[i].fn(argc - 1, argv + 1);
        fprintf(stderr, "ssmkit: error: %s: %s\n", cmds[i].name, cmds[i].needs);
        return SK_EXIT_ERR;
    }
    if (!parent) return sk_cli_usage(NULL, "unknown command '%s'", argv[1]);
    return sk_cli_usage(parent, "unknown subcommand '%s'", argv[1]);
}

/* ---- option tables ---- */

enum { MAX_OPTS = 96, CODE_BASE = 1000 };

static void store_int(const sk_opt *o, int64_t v) {
    if (o->size == sizeof(int64_t)) memcpy(o->dst, &v, sizeof v);
    else if (o->size == sizeof(int)) *(int *)o->dst = (int)v;
    else abort(); /* a table error, found by the first run of the command */
}

/* Store one value of o from s (an argument or the default); 0, or -1 after a usage error. */
static int set_value(const sk_cli *c, const sk_opt *o, const char *s) {
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", o->name);
    int64_t v;
    switch (o->type) {
    case SK_OPT_INT:
        if (sk_cli_int(c->cmd, opt, s, o->ilo, o->ihi, &v)) return -1;
        store_int(o, v);
        return 0;
    case SK_OPT_NUM: return sk_cli_num(c->cmd, opt, s, o->lo, o->hi, (double *)o->dst);
    case SK_OPT_STR:
    case SK_OPT_LIST: *(const char **)o->dst = s; return 0;
    case SK_OPT_FN: return o->fn(c->cmd, o, s);
    case SK_OPT_CHOICE: {
        const char *p = o->choices;
        for (int i = 0;; i++) {
            size_t len = strcspn(p, "|");
            if (strlen(s) == len && !strncmp(p, s, len)) {
                store_int(o, o->vals ? o->vals[i] : i);
                return 0;
            }
            if (!p[len]) break;
            p += len + 1;
        }
        /* "--short: 'x' is not pad or skip"; three or more: "a, b or c" */
        char list[256];
        size_t k = 0, nbar = 0;
        for (p = o->choices; *p; p++) nbar += *p == '|';
        for (p = o->choices; *p && k + 8 < sizeof list; p++) {
            if (*p != '|') list[k++] = *p;
            else if (--nbar) list[k++] = ',', list[k++] = ' ';
            else memcpy(list + k, " or ", 4), k += 4;
        }
        list[k] = 0;
        sk_cli_usage(c->cmd, "%s: '%s' is not %s", opt, s, list);
        return -1;
    }
    default: return 0;
    }
}

/* A file named on the command line that is not an output: no output of the command may replace it
 * or the index files made beside it (src/sk_guard.h). Names of no file (presets, regions) are
 * skipped. */
static int guard_input(const char *s) {
    struct stat sb;
    if (stat(s, &sb) != 0) return SK_OK;
    TRY(sk_guard_input_side(s, ".fai"));
    return sk_guard_input_side(s, ".gzi");
}

int sk_cli_parse(const sk_cli *c, int argc, char **argv) {
    struct option lo[MAX_OPTS + 1];
    char so[2 * MAX_OPTS + 1];
    int n = 0, k = 0;
    for (int i = 0; c->opts[i].type != SK_OPT_END; i++) {
        const sk_opt *o = &c->opts[i];
        if (o->type == SK_OPT_SECTION) continue;
        if (n == MAX_OPTS) abort();
        int arg = o->type != SK_OPT_FLAG && o->type != SK_OPT_HELP;
        lo[n++] = (struct option){o->name, arg ? required_argument : no_argument, 0, o->sc ? o->sc : CODE_BASE + i};
        if (o->sc) {
            so[k++] = (char)o->sc;
            if (arg) so[k++] = ':';
        }
        if (o->def && set_value(c, o, o->def)) abort(); /* a default that its own check refuses */
    }
    lo[n] = (struct option){0, 0, 0, 0};
    so[k] = 0;
    int ch;
    while ((ch = sk_getopt(argc, argv, so, lo, c->cmd)) != -1) {
        if (ch == '?') return SK_EXIT_USAGE;
        const sk_opt *o = NULL;
        for (int i = 0; !o && c->opts[i].type != SK_OPT_END; i++)
            if (c->opts[i].type != SK_OPT_SECTION && (c->opts[i].sc ? c->opts[i].sc : CODE_BASE + i) == ch) o = &c->opts[i];
        if (!o) return SK_EXIT_USAGE;
        if (o->type == SK_OPT_HELP) {
            sk_cli_help(c, stdout);
            return SK_EXIT_OK;
        }
        if (o->type == SK_OPT_FLAG) store_int(o, o->ival);
        else if (set_value(c, o, optarg)) return SK_EXIT_USAGE;
        else if (o->type == SK_OPT_STR && !o->out && guard_input(optarg)) return sk_cli_fail(NULL);
    }
    for (int i = optind; i < argc; i++)
        if (guard_input(argv[i])) return sk_cli_fail(NULL);
    return SK_CLI_GO;
}

/* "-m, --model M" / "    --whole" */
static int left(const sk_opt *o, char *buf, size_t cap) {
    const char *meta = o->meta ? o->meta : o->type == SK_OPT_CHOICE ? o->choices : NULL;
    if (o->type == SK_OPT_FLAG || o->type == SK_OPT_HELP) meta = NULL;
    char sc[8] = "    ";
    if (o->sc) snprintf(sc, sizeof sc, "-%c, ", o->sc);
    return snprintf(buf, cap, "%s--%s%s%s", sc, o->name, meta ? " " : "", meta ? meta : "");
}

void sk_cli_help(const sk_cli *c, FILE *f) {
    enum { MAX_LEFT = 24 };
    char buf[160];
    int col = 0;
    for (int i = 0; c->opts[i].type != SK_OPT_END; i++) {
        if (c->opts[i].type == SK_OPT_SECTION) continue;
        int w = left(&c->opts[i], buf, sizeof buf);
        if (w <= MAX_LEFT && w > col) col = w;
    }
    col += 4; /* 2 before, at least 2 after */
    if (c->usage) fputs(c->usage, f);
    for (int i = 0; c->opts[i].type != SK_OPT_END; i++) {
        const sk_opt *o = &c->opts[i];
        if (o->type == SK_OPT_SECTION) {
            fprintf(f, "\n%s\n", o->help);
            continue;
        }
        int w = left(o, buf, sizeof buf) + 2;
        fprintf(f, "  %s%*s", buf, w < col ? col - w : 2, "");
        for (const char *h = o->help ? o->help : ""; *h;) { /* continuation lines under the first */
            size_t len = strcspn(h, "\n");
            fwrite(h, 1, len, f);
            h += len;
            if (*h) fprintf(f, "\n%*s", col, ""), h++;
        }
        const char *def = o->def ? o->def : o->shown;
        if (def) fprintf(f, "%s[%s]", o->help && *o->help ? " " : "", def);
        fputc('\n', f);
    }
    if (c->epilog) fputs(c->epilog, f);
}
