/* sk_io.h — checked file I/O: atomic writes (temp file in the same folder, fsync, rename),
 * whole-file reads and read-only memory maps.
 *
 * Every ssmkit output (checkpoints, shards, WAVs, TSVs written with -o) goes through
 * sk_afile so that a crash or a kill never leaves a half-written file under the final name.
 */
#ifndef SK_IO_H
#define SK_IO_H

#include <stdint.h>
#include <stdio.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An output file being written atomically. */
typedef struct sk_afile {
    FILE *fp;          /* write through this */
    char *path;        /* final name */
    char *tmp;         /* temporary name in the same folder */
} sk_afile;

/* Create "<dir>/.<name>.tmp.PID.XXXXXX" beside `path` (PID: this process), after removing such
 * files of writers of `path` that died (sk_tmp_sweep). `path` must be no input of this process
 * (sk_guard_output, checked again at commit: src/sk_guard.h). Errors name the path (e.g. an
 * unwritable folder). */
int sk_afile_open(sk_afile *af, const char *path) SK_RESULT_USED;
/* Flush, fsync, close and rename onto the final name. On failure the temp file is removed. */
int sk_afile_commit(sk_afile *af) SK_RESULT_USED;
/* Close and remove the temp file (call on any error path after open). Safe to call twice. */
void sk_afile_abort(sk_afile *af);
/* fwrite that records an error naming the file when short. */
int sk_afile_write(sk_afile *af, const void *p, size_t n) SK_RESULT_USED;

/* A read-only view of a whole file (memory-mapped; empty files give data=NULL, size=0). */
typedef struct sk_map {
    const uint8_t *data;
    int64_t size;
} sk_map;
int sk_map_open(sk_map *m, const char *path) SK_RESULT_USED;
void sk_map_close(sk_map *m);

/* Read a whole file into a NUL-terminated malloc'd buffer (*len excludes the NUL). */
int sk_read_file(const char *path, char **data, int64_t *len) SK_RESULT_USED;
/* The same, failing with "PATH: larger than N MiB" once more than max bytes (max > 0) have been
 * read: every read of a config, preset or prompt file goes through this with the limits below. */
int sk_read_file_max(const char *path, int64_t max, char **data, int64_t *len) SK_RESULT_USED;
enum { SK_CONFIG_MAX_BYTES = 16 << 20, SK_PROMPT_MAX_BYTES = 64 << 20 };

/* Write a whole buffer atomically. */
int sk_write_file_atomic(const char *path, const void *data, size_t len) SK_RESULT_USED;

/* Create the folder `dir` and whichever of its parents are missing (mkdir -p); an existing folder
 * is fine. An error names the folder that could not be created. */
int sk_mkdir_p(const char *dir) SK_RESULT_USED;
/* sk_mkdir_p of the folder that holds `path` (the part before its last '/'; nothing without one). */
int sk_mkdir_parent(const char *path) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
