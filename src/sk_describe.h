/* sk_describe.h — a readable description of a file the runtime reads: a safetensors checkpoint
 * or a token shard (what `ssmkit inspect` prints; src/README.md §Describing files).
 *
 * Both readers validate the whole file, so describing a file also checks it. The kind is told by
 * the content, not the name.
 */
#ifndef SK_DESCRIBE_H
#define SK_DESCRIBE_H

#include <stdio.h>
#include "src/sk_error.h"

/* Write the description of `path` to `out`: for safetensors the metadata (the "config" entry
 * pretty-printed) and one line per tensor (name dtype [shape] bytes); for a token shard the
 * version, token width, examples and tokens per split, label counts, vocabulary, pad token and
 * the metadata. A file that is neither, or a malformed one, is an error naming it (nothing is
 * written for it). */
int sk_describe_file(const char *path, FILE *out) SK_RESULT_USED;

#endif
