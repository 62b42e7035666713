/* sk_proc.c — see sk_proc.h. */
#include "src/sk_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of `key` ("VmHWM:") in /proc/self/status, in KiB; 0 if it cannot be read. */
static double status_kib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    double v = 0;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, n)) {
            v = strtod(line + n, NULL);
            break;
        }
    fclose(f);
    return v;
}
double sk_proc_peak_rss_mib(void) { return status_kib("VmHWM:") / 1024.0; }
double sk_proc_rss_mib(void) { return status_kib("VmRSS:") / 1024.0; }
