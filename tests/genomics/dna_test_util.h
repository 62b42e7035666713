/* dna_test_util.h — temporary-folder helpers shared by the genomics tests. */
#ifndef DNA_TEST_UTIL_H
#define DNA_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dna_test_dir[] = "/tmp/sk_dna_test_XXXXXX";

/* dna_test_dir/name, from a ring of 32 buffers (so a few can be live at once). */
static char *tpath(const char *name) {
    static char buf[32][512];
    static int k = 0;
    char *p = buf[k++ % 32];
    snprintf(p, 512, "%s/%s", dna_test_dir, name);
    return p;
}

static void write_bytes(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) fprintf(stderr, "cannot write %s\n", path);
    if (f) fclose(f);
}

static void write_text(const char *path, const char *s) { write_bytes(path, s, strlen(s)); }

static int remove_test_dir(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dna_test_dir);
    return system(cmd);
}
#endif
