/* sk_cli.h — helpers shared by the ssmkit subcommands (tools/ only).
 *
 * Exit codes (DESIGN.md): 0 success, 1 error (message "ssmkit: error: <what>: <why>" on
 * stderr), 2 usage error (unknown option, missing argument, bad value) with a hint to --help.
 */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include "src/sk_error.h"

#define SK_EXIT_OK 0
#define SK_EXIT_ERR 1
#define SK_EXIT_USAGE 2

/* A subcommand: fn gets argv with argv[0] = the command name. */
typedef struct sk_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} sk_cmd;

/* Print "ssmkit CMD: <message>" and the --help hint; returns SK_EXIT_USAGE. */
int sk_cli_usage(const char *cmd, const char *fmt, ...) SK_PRINTF(2, 3);
/* Print "ssmkit: error: <sk_errmsg()>" (or `fallback` if empty); returns SK_EXIT_ERR. */
int sk_cli_fail(const char *fallback);

/* getopt_long with ssmkit's conventions: resets getopt state on the first call for argv,
 * reports unknown options and missing arguments as usage errors. Returns the option
 * character, -1 at the end of options, or '?' after printing the usage error (the caller then
 * returns SK_EXIT_USAGE). */
int sk_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts, const char *cmd);

/* Parse numbers from option values; on error print a usage error and return -1. */
int sk_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out);
int sk_cli_num(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);

#endif
