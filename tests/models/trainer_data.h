/* trainer_data.h — the scratch folder and byte file of the trainer tests (tests/models). */
#ifndef TRAINER_DATA_H
#define TRAINER_DATA_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "src/sk_io.h"
#include "src/sk_rng.h"

/* Make the folder `dir` (a mkdtemp template) and in it data.bin: 4000 bytes drawn uniformly
 * from [0, 40) with seed 9; its path into data_path. Returns 0 on success. */
static inline int trainer_data_make(char *dir, char *data_path, size_t n) {
    if (!mkdtemp(dir)) return -1;
    snprintf(data_path, n, "%s/data.bin", dir);
    unsigned char buf[4000];
    sk_rng r;
    sk_rng_seed(&r, 9, 0);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)sk_rng_below(&r, 40);
    return sk_write_file_atomic(data_path, buf, sizeof buf) ? -1 : 0;
}

/* Remove the folder and everything in it. */
static inline void trainer_data_remove(const char *dir) {
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
