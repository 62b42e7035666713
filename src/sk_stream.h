/* sk_stream.h — streaming inference over records of any length (models/README.md §Streaming).
 * Domain-free: the tokens and what is done with a chunk are the caller's.
 *
 * Records (a FASTA record, a chromosome, a token file, a shard example) are given token by token
 * in pieces (sk_stream_begin / _put / _end) and laid end to end into one packed stream of
 * positions, which is cut into chunks of at most C positions. Each chunk goes to the caller's
 * function as one batch row (b = 1): the caller runs the model with ONE recurrent state carried
 * from chunk to chunk, so a record split over chunks is computed exactly as in one pass, and the
 * reset flag at every record's first position starts each record from the zero state (packed
 * records, as in packed training). Memory is O(C), whatever the record lengths.
 *
 * Per position p of a chunk: tok[p] = the token; tgt[p] = the next token of the same record
 * (next-token prediction), -1 at a record's last token (no target crosses a record);
 * reset[p] = 1 at a record's first token. The chunk's pieces say which positions belong to which
 * record, in order: {record number, name, first position in the chunk, count, offset of the
 * piece in its record, first/last piece of the record}. A chunk is handed over only once the
 * target of its last position is known, i.e. when the next token arrives or the record ends.
 */
#ifndef SK_STREAM_H
#define SK_STREAM_H

#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_progress.h"

typedef struct sk_stream_piece {
    int64_t rec;        /* 0-based record number in the stream */
    const char *name;   /* the record's name (valid during the call) */
    int64_t off, n;     /* positions [off, off + n) of the chunk */
    int64_t start;      /* offset of the piece's first token in its record */
    int first, last;    /* the record's first / last piece */
} sk_stream_piece;

/* tok, tgt: (n) int32; reset: (n) bytes; pieces (np) in position order. Nonzero return stops. */
typedef int (*sk_stream_chunk_fn)(void *ctx, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t n,
                                  const sk_stream_piece *pieces, int64_t np);

typedef struct sk_stream sk_stream;

/* chunk: C >= 1 positions per call. */
int sk_stream_create(sk_stream **s, int64_t chunk, sk_stream_chunk_fn fn, void *ctx) SK_RESULT_USED;
void sk_stream_free(sk_stream *s);
/* A new record (the previous one must have ended). */
int sk_stream_begin(sk_stream *s, const char *name) SK_RESULT_USED;
/* n more tokens of the current record. */
int sk_stream_put(sk_stream *s, const int32_t *tok, int64_t n) SK_RESULT_USED;
/* End of the current record; a record of no tokens is an error naming it. */
int sk_stream_end(sk_stream *s) SK_RESULT_USED;
/* Hand over the last partial chunk. */
int sk_stream_finish(sk_stream *s) SK_RESULT_USED;
/* Count the positions of every chunk handed over in p (NULL: none; see src/sk_progress.h). Whoever
 * feeds the stream may name its records there (sk_progress_item), as sk_seqin_stream does. */
void sk_stream_set_progress(sk_stream *s, sk_progress *p);
sk_progress *sk_stream_progress(const sk_stream *s);
/* records ended, tokens put, chunks handed over */
void sk_stream_counts(const sk_stream *s, int64_t *records, int64_t *tokens, int64_t *chunks);

/* Pooling a record's hidden states as its pieces stream by (classify/embed --whole): the mean of
 * all its rows (last = 0, summed in double) or its last row (last = 1). */
typedef struct sk_rpool {
    int last;
    int64_t d, len; /* width; rows of the current record so far */
    double *acc;    /* (d) */
} sk_rpool;
int sk_rpool_init(sk_rpool *p, int last, int64_t d) SK_RESULT_USED;
void sk_rpool_free(sk_rpool *p);
/* n more rows h (n, d) of the current record. */
void sk_rpool_add(sk_rpool *p, const float *h, int64_t n);
/* The record's pooled vector into out (d); starts the next record. Returns its row count. */
int64_t sk_rpool_take(sk_rpool *p, double *out);

#endif
