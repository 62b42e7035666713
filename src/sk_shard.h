/* sk_shard.h — the token-shard format shared by audio and DNA datasets.
 *
 * A shard holds many examples (token sequences) with a label and a split each, plus JSON
 * metadata (the vocabulary and how to pad). Version 1 layout, all integers little-endian:
 *
 *   offset 0   header, 64 bytes:
 *              char     magic[8]       "SKSHARD\0"
 *              uint32   version        1
 *              uint32   token_width    1 (uint8 tokens) or 2 (uint16 tokens)
 *              uint64   n_examples
 *              uint64   n_tokens       total tokens in the data section
 *              uint64   meta_offset    = 64
 *              uint64   meta_len       bytes of JSON metadata (UTF-8, no NUL)
 *              uint64   data_offset    8-byte aligned, after the metadata
 *              uint64   index_offset   8-byte aligned, after the data
 *   metadata   JSON object, required keys:
 *                "vocab": array of token strings (index = id) or {"size": V} for numeric vocabularies
 *                "pad_token": integer id used to pad short examples in a batch
 *                "pad_rule": "ignore" (padded targets are left out of the loss) or "none"
 *              optional: "domain" ("audio" | "dna"), "labels": [class names],
 *                "source": provenance, and anything else a front-end records.
 *   data       tokens of all examples, concatenated (token_width bytes each)
 *   index      n_examples records of 24 bytes:
 *              uint64 offset (in tokens, into data), uint64 length (tokens),
 *              int32 label (-1 = none), uint8 split (0 train, 1 valid, 2 test), uint8[3] zero
 *
 * Writers stream tokens to a temporary file and rename it into place on commit (a killed writer
 * leaves nothing under the final name). Readers memory-map the file and check the magic, the
 * version (a newer one says to upgrade ssmkit; an unknown file says which command makes shards),
 * sizes and every index record against the file size, and every token against the vocabulary
 * (an error names the example that holds a token outside it).
 */
#ifndef SK_SHARD_H
#define SK_SHARD_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_SHARD_MAGIC "SKSHARD"
#define SK_SHARD_VERSION 1

enum { SK_SPLIT_TRAIN = 0, SK_SPLIT_VALID = 1, SK_SPLIT_TEST = 2 };

typedef struct sk_shard_example {
    int64_t offset, length;   /* in tokens */
    int32_t label;
    int split;
} sk_shard_example;

typedef struct sk_shard_writer sk_shard_writer;

/* meta_json must be a JSON object containing at least "vocab", "pad_token" and "pad_rule". */
int sk_shard_writer_open(sk_shard_writer **w, const char *path, int token_width, const char *meta_json) SK_RESULT_USED;
/* Append one example. tokens: n values of token_width bytes (uint8_t[n] or uint16_t[n]), each
 * below the vocabulary size; label >= -1; split 0..2. After an error, call sk_shard_writer_abort. */
int sk_shard_writer_add(sk_shard_writer *w, const void *tokens, int64_t n, int32_t label, int split) SK_RESULT_USED;
/* Write the index and header and rename into place; frees w. */
int sk_shard_writer_commit(sk_shard_writer *w) SK_RESULT_USED;
/* Remove the temporary file; frees w. */
void sk_shard_writer_abort(sk_shard_writer *w);

typedef struct sk_shard sk_shard;

int sk_shard_open(const char *path, sk_shard **out) SK_RESULT_USED;
void sk_shard_close(sk_shard *s);
const char *sk_shard_path(const sk_shard *s);
int sk_shard_version(const sk_shard *s);
int sk_shard_token_width(const sk_shard *s);
int64_t sk_shard_count(const sk_shard *s);
int64_t sk_shard_total_tokens(const sk_shard *s);
sk_shard_example sk_shard_get(const sk_shard *s, int64_t i);
/* The metadata JSON text (NUL-terminated copy owned by the shard). */
const char *sk_shard_meta(const sk_shard *s);
int64_t sk_shard_vocab_size(const sk_shard *s);
int32_t sk_shard_pad_token(const sk_shard *s);
int sk_shard_pad_ignore(const sk_shard *s);     /* 1 if pad_rule == "ignore" */
/* Copy tokens [start, start+n) of example i as int32 (bounds-checked). */
int sk_shard_read(const sk_shard *s, int64_t i, int64_t start, int64_t n, int32_t *dst) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
