/* sk_cli.h — the option tables of the ssmkit commands (tools/ only).
 *
 * Each command describes its options once, in a table of sk_opt (long name, short flag, type,
 * range, default, metavar, help line, where the value goes); sk_cli_parse() turns the table into
 * the getopt tables, parses and checks the values, stores the defaults, and prints --help. See
 * tools/README.md §Commands and options.
 *
 * Exit codes: 0 success, 1 error (message "ssmkit: error: <what>: <why>" on stderr), 2 usage
 * error (unknown option, missing argument, bad value) with a hint to --help.
 */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "src/sk_error.h"

#define SK_EXIT_OK 0
#define SK_EXIT_ERR 1
#define SK_EXIT_USAGE 2

/* A subcommand: fn gets argv with argv[0] = the command name. fn is NULL when the front-end it
 * needs is not built; `needs` then says which and what to install. */
typedef struct sk_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *needs;
} sk_cmd;

/* Run the subcommand argv[1] of the table (argv[0] = the parent: "ssmkit", "audio"): NULL/-h
 * handling is the caller's; an unknown name is a usage error; a command whose front-end is not
 * built is an error (exit 1) that says what to install. */
int sk_cmd_run(const sk_cmd *cmds, int n, const char *parent, int argc, char **argv);

/* ---- option tables ---- */
typedef enum sk_opt_type {
    SK_OPT_END = 0,
    SK_OPT_FLAG,    /* no value: stores .ival (1 unless given) into an int */
    SK_OPT_INT,     /* integer in [ilo, ihi] (decimal or 0x hex) into an int64_t or int */
    SK_OPT_NUM,     /* finite number in [lo, hi] into a double */
    SK_OPT_STR,     /* string (a path, a name) into a const char * */
    SK_OPT_LIST,    /* comma-separated names, kept as the string (const char *) */
    SK_OPT_CHOICE,  /* one of .choices ("a|b|c"): stores .vals[i] (or i) into an int */
    SK_OPT_FN,      /* stored by .fn(cmd, opt, arg): 0, or -1 after printing a usage error */
    SK_OPT_HELP,    /* -h, --help: print the help, exit 0 */
    SK_OPT_SECTION, /* not an option: a heading in --help (.help) */
} sk_opt_type;

typedef struct sk_opt {
    sk_opt_type type;
    const char *name;    /* long name without "--" */
    int sc;              /* short flag character, 0 = none */
    void *dst;
    size_t size;         /* sizeof *dst */
    int64_t ilo, ihi;    /* SK_OPT_INT range */
    double lo, hi;       /* SK_OPT_NUM range */
    const char *choices; /* SK_OPT_CHOICE: "pad|skip" */
    const int *vals;     /* SK_OPT_CHOICE: the value of each choice (NULL: its index) */
    int ival;            /* SK_OPT_FLAG: the value stored */
    int (*fn)(const char *cmd, const struct sk_opt *o, const char *arg);
    const char *def;     /* default: stored before parsing and shown as "[def]" (NULL: none) */
    const char *shown;   /* a default set elsewhere, only shown as "[shown]" */
    const char *meta;    /* the value's name in --help (CHOICE: the choices when NULL) */
    const char *help;    /* one or more lines ('\n' continues under the first) */
    int out;             /* SK_OPT_STR: an output; any other file named on the command line is an
                          * input that no output may replace (src/sk_guard.h) */
} sk_opt;

#define SK_O_FLAG(n, s, d, h) {SK_OPT_FLAG, n, s, d, sizeof *(d), .ival = 1, .help = h}
#define SK_O_SET(n, s, d, v, h) {SK_OPT_FLAG, n, s, d, sizeof *(d), .ival = (v), .help = h}
#define SK_O_INT(n, s, d, a, b, df, m, h) {SK_OPT_INT, n, s, d, sizeof *(d), .ilo = (a), .ihi = (b), .def = df, .meta = m, .help = h}
#define SK_O_NUM(n, s, d, a, b, df, m, h) {SK_OPT_NUM, n, s, d, sizeof *(d), .lo = (a), .hi = (b), .def = df, .meta = m, .help = h}
#define SK_O_STR(n, s, d, df, m, h) {SK_OPT_STR, n, s, d, sizeof *(d), .def = df, .meta = m, .help = h}
#define SK_O_LIST(n, s, d, m, h) {SK_OPT_LIST, n, s, d, sizeof *(d), .meta = m, .help = h}
#define SK_O_CHOICE(n, s, d, ch, v, df, h) {SK_OPT_CHOICE, n, s, d, sizeof *(d), .choices = ch, .vals = v, .def = df, .help = h}
#define SK_O_FN(n, s, d, f, df, m, h) {SK_OPT_FN, n, s, d, 0, .fn = f, .def = df, .meta = m, .help = h}
#define SK_O_SECTION(title) {SK_OPT_SECTION, .help = title}
#define SK_O_HELP {SK_OPT_HELP, "help", 'h', .help = "show this help"}
#define SK_O_END {SK_OPT_END}

/* ---- shared option groups: the same option, the same meaning, in every command ---- */
/* -@, --threads T: kernel threads, 0 = all cores [0] (int64_t) */
#define SK_O_THREADS(d, h) SK_O_INT("threads", '@', d, 0, 4096, "0", "T", h)
/* --device D: the backend by name; checked when the backend is opened (const char *) */
#define SK_O_DEVICE(d) SK_O_STR("device", 0, d, "cpu", "D", "cpu | cuda")
/* [-s,] --seed S: random seed, 0 ... 2^63-1 [1] (int64_t or uint64_t) */
#define SK_O_SEED(s, d, h) SK_O_INT("seed", s, d, 0, INT64_MAX, "1", "S", h)
/* -o, --output M: where the result goes (const char *) */
#define SK_O_OUTPUT(d, m, h) SK_O_OUT("output", 'o', d, m, h)
/* any other option naming a file or folder the command writes (const char *) */
#define SK_O_OUT(n, s, d, m, h) {SK_OPT_STR, n, s, d, sizeof *(d), .meta = m, .help = h, .out = 1}
/* -q, --quiet (int) */
#define SK_O_QUIET(d, h) SK_O_FLAG("quiet", 'q', d, h)
/* The options of the DNA window runner and whole-record streaming that classify, embed and eval
 * share (int64_t batch, chunk; int whole). */
#define SK_O_BATCH_WINDOWS(d, h) SK_O_INT("batch", 'b', d, 1, 1 << 20, "16", "B", h)
#define SK_O_CHUNK_STREAM(d, h) SK_O_INT("chunk", 'C', d, 1, INT32_MAX, NULL, "C", h " [16384]")
#define SK_O_WHOLE(d, h) SK_O_FLAG("whole", 0, d, h)
/* classify and embed (genomics/sk_dna.h): -L, -S, --rc-average, --short (int64_t L, S; int rc,
 * short policy SK_DNA_SHORT_PAD/SKIP), -T (const char *) */
#define SK_O_DNA_WINDOWS(L, Lhelp, S, rc, rchelp, shortp)                                          \
    SK_O_INT("length", 'L', L, 1, (int64_t)1 << 30, NULL, "L", Lhelp),                             \
        SK_O_INT("stride", 'S', S, 1, (int64_t)1 << 40, NULL, "S", "bases between window starts [L]"), \
        SK_O_FLAG("rc-average", 0, rc, rchelp),                                                    \
        SK_O_CHOICE("short", 0, shortp, "pad|skip", ((const int[]){SK_DNA_SHORT_PAD, SK_DNA_SHORT_SKIP}), "pad",                                 \
                    "records shorter than L: one window left-padded with [PAD] (pad)\nor no window (skip)")
#define SK_O_REFERENCE(d) SK_O_STR("reference", 'T', d, NULL, "FA", "reference FASTA for CRAM input")

/* One command's options: usage (printed before them: "Usage: ...", the description, usually
 * ending with "Options:\n"), the table, epilog (printed after them, may be NULL). */
typedef struct sk_cli {
    const char *cmd; /* "classify", "audio prep": in messages and the help hint */
    const char *usage;
    const sk_opt *opts;
    const char *epilog;
} sk_cli;

/* Parse argv (argv[0] = the command) by the table: stores the defaults, then every option given
 * (GNU getopt_long: options and arguments may mix; the arguments end up from optind on). Returns
 * SK_CLI_GO to go on, SK_EXIT_OK after --help, SK_EXIT_USAGE after a usage error (printed). */
#define SK_CLI_GO (-1)
int sk_cli_parse(const sk_cli *c, int argc, char **argv);
/* The generated help: usage, the options with their defaults, epilog. */
void sk_cli_help(const sk_cli *c, FILE *f);

/* Print "ssmkit CMD: <message>" and the --help hint; returns SK_EXIT_USAGE. */
int sk_cli_usage(const char *cmd, const char *fmt, ...) SK_PRINTF(2, 3);
/* Print "ssmkit: error: <sk_errmsg()>" (or `fallback` if empty); returns SK_EXIT_ERR. */
int sk_cli_fail(const char *fallback);

/* Parse numbers from option values; on error print a usage error and return -1. */
int sk_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out);
int sk_cli_num(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);

#endif
