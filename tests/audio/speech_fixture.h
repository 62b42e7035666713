/* speech_fixture.h — reading the numpy fixtures of tests/audio/fixtures (plain text: 'name rows
 * cols' then the values, one per line), for the speech-scorer tests. */
#ifndef SPEECH_FIXTURE_H
#define SPEECH_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[32];
    int rows, cols;
    double *v;
} arr;
static arr fx[32];
static int nfx;

static const arr *get(const char *name) {
    for (int i = 0; i < nfx; i++)
        if (!strcmp(fx[i].name, name)) return &fx[i];
    fprintf(stderr, "fixture %s missing\n", name);
    exit(1);
}

/* Load tests/audio/fixtures/FILE of the source tree ($SSMKIT_SRC). */
static void load_fixture(const char *file) {
    const char *src = getenv("SSMKIT_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/audio/fixtures/%s", src ? src : ".", file);
    FILE *f = fopen(path, "r");
    if (!f) fprintf(stderr, "%s: cannot open\n", path), exit(1);
    while (nfx < 32 && fscanf(f, "%31s %d %d", fx[nfx].name, &fx[nfx].rows, &fx[nfx].cols) == 3) {
        size_t n = (size_t)fx[nfx].rows * fx[nfx].cols;
        fx[nfx].v = malloc(sizeof(double) * n);
        for (size_t i = 0; i < n; i++)
            if (fscanf(f, "%lf", &fx[nfx].v[i]) != 1) fprintf(stderr, "%s: short\n", path), exit(1);
        nfx++;
    }
    fclose(f);
}
#endif
