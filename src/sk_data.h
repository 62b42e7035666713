/* sk_data.h — training and validation batches for language models from a raw byte file
 * (token = byte, vocabulary 256) or a token shard (sk_shard.h).
 *
 * A source is cut into segments: a byte file is one segment per split, a shard one segment per
 * example of the chosen split (examples with fewer than 2 tokens have no target and are left
 * out). A window is L+1 consecutive tokens of one segment (never across segments): input =
 * tokens [s, s+L), target = tokens [s+1, s+L+1), so target t is the token after input t.
 *
 * Begin-of-sequence token. A shard whose metadata has "bos_token" (audio shards: 128) gets it
 * prepended to every example: the segment is [bos] + example, so the first window's input is
 * (bos, s_0, ..., s_{L-2}) and its targets (s_0, ..., s_{L-1}): every token of the example is a
 * target (the audio convention of sk_audio_ar_pair), and sk_data_tokens counts the bos tokens.
 *
 * Splits. Shards carry their split per example. A byte file is split deterministically by
 * position: the last floor(n * valid_fraction) bytes are SK_SPLIT_VALID, the rest
 * SK_SPLIT_TRAIN (a window never straddles the cut); SK_DATA_ALL takes the whole source (e.g.
 * a separate --valid file). Byte files have no test split.
 *
 * Modes.
 *   SK_DATA_RANDOM: each row is a window drawn uniformly from all windows of the split (one
 *     sk_rng_below draw per row). A segment of length n >= L+1 has n - L windows (starts
 *     0 .. n-L-1); a shorter one has one, padded. Seeded by (seed, split): reproducible, and a
 *     restored state (below) continues the same sequence of batches.
 *   SK_DATA_SEQUENTIAL: the windows of the split in order, starts 0, L, 2L, ... in each
 *     segment, so every target token of the split is predicted exactly once (for validation
 *     losses); the last window of a segment is padded. SK_EOF after the last window;
 *     sk_data_rewind starts over.
 *
 * Packed rows (opts.pack, paper §3.5). The split's segments are laid end to end: a segment of n
 * tokens gives n - 1 positions (input s_0..s_{n-2}, target s_1..s_{n-1}), so every position has
 * a target and no target crosses a segment. A row is L consecutive positions of that stream,
 * which may hold several segments (short examples fill a row instead of being padded); the
 * reset flag of a position (sk_data_resets) is 1 where a segment starts, and the model restarts
 * its recurrent state there, so each segment is computed as if alone. A long segment continues
 * in the next positions; the row boundary cuts it as a window would. RANDOM: a row starts at a
 * uniform position of the stream (P - L + 1 starts for P >= L positions, else one padded row);
 * SEQUENTIAL: rows [kL, (k+1)L) in order, so with batch 1 and the state carried from row to row
 * the pass equals one pass over every segment whole (streaming evaluation).
 *
 * Padding. A window with fewer than L+1 tokens is padded: inputs with the pad token (shards:
 * "pad_token"; byte files: 0), targets with SK_DATA_IGNORE (-1) when the shard's pad_rule is
 * "ignore" and for byte files, or with the pad token when pad_rule is "none". Rows of a final
 * short batch that have no window are all pad inputs / SK_DATA_IGNORE targets. The loss must
 * skip targets equal to SK_DATA_IGNORE.
 *
 * Ranks (data parallelism, src/sk_dist.h). With world = K > 1 and rank r, the sampler walks the
 * global batch of K x batch rows exactly as a single process with batch K x batch would (the
 * same RNG draws, the same sequential cursor) and returns rows [r*batch, (r+1)*batch) of it. So
 * the ranks' shares of every global batch are disjoint and together are that batch, every rank
 * holds the same sampler state (rank 0's saved state resumes all of them), and K ranks with
 * batch B see the data of one process with batch K*B. Set with sk_data_set_rank right after
 * opening (the default is rank 0 of 1).
 *
 * Reverse-complement augmentation (opts.rc_aug; random mode, not packed, a token shard whose
 * metadata "vocab" names the bases A C G T, either case, as DNA shards do): each row's window of
 * L + 1 tokens is reversed and its bases complemented (A<->T, C<->G; other tokens kept) when
 * sk_rng_coin(seed, batch number, row of the global batch) is 1 — the coin rule of `dna windows
 * --rc-aug`. It needs no state beyond the batch count, so a resumed run draws the same coins.
 *
 * Resume. sk_data_state_get/set save and restore the sampler (RNG, sequential cursor, batch
 * count) as SK_DATA_STATE_WORDS uint64 words for the training-state file; the words carry a
 * fingerprint of the source size and options, and restoring into a sampler built differently
 * fails with SK_EINVAL.
 */
#ifndef SK_DATA_H
#define SK_DATA_H

#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_shard.h"   /* SK_SPLIT_TRAIN, SK_SPLIT_VALID, SK_SPLIT_TEST */

#ifdef __cplusplus
extern "C" {
#endif

#define SK_DATA_IGNORE (-1)
#define SK_DATA_ALL (-1)            /* split: the whole source */
#define SK_DATA_STATE_WORDS 8

enum { SK_DATA_RANDOM = 0, SK_DATA_SEQUENTIAL = 1 };
enum { SK_DATA_AUTO = 0, SK_DATA_BYTES = 1, SK_DATA_SHARD = 2 };   /* source formats */

typedef struct sk_data_opts {
    int64_t length;          /* L >= 1: model input length */
    int batch;               /* b >= 1: rows per batch */
    int split;               /* SK_DATA_ALL, SK_SPLIT_TRAIN, SK_SPLIT_VALID, SK_SPLIT_TEST */
    int mode;                /* SK_DATA_RANDOM or SK_DATA_SEQUENTIAL */
    uint64_t seed;           /* random mode */
    double valid_fraction;   /* byte files: trailing fraction that forms the valid split, [0, 1) */
    int pack;                /* 1: packed rows with resets (above) */
    int rc_aug;              /* 1: reverse-complement augmentation (below) */
} sk_data_opts;

typedef struct sk_data sk_data;

/* Open `path` as a byte file or a shard (SK_DATA_AUTO: a shard if it starts with the shard
 * magic, else bytes). Errors name the file: missing, empty split, split shorter than L+1 tokens
 * in random mode for byte files, bad options. */
int sk_data_open(sk_data **out, const char *path, int format, const sk_data_opts *o) SK_RESULT_USED;
/* The byte-file source only (no shard code linked). */
int sk_data_open_bytes(sk_data **out, const char *path, const sk_data_opts *o) SK_RESULT_USED;
void sk_data_close(sk_data *d);

/* Next batch. inputs, targets: (batch, L) int32, row-major. *rows = rows that hold a window
 * (== batch except at the end of a sequential pass). Returns SK_OK, SK_EOF (sequential: no
 * window left; *rows = 0) or an error (I/O on a shard). */
int sk_data_next(sk_data *d, int32_t *inputs, int32_t *targets, int *rows) SK_RESULT_USED;
/* Packed rows: the (batch, L) reset flags of the last batch (1 = a segment starts there; rows
 * past the data are 0); NULL without opts.pack. */
const uint8_t *sk_data_resets(const sk_data *d);
/* Sequential mode: start the pass again. */
void sk_data_rewind(sk_data *d);

int64_t sk_data_vocab_size(const sk_data *d);   /* 256 for byte files */
int64_t sk_data_windows(const sk_data *d);      /* windows in the split for this mode */
int64_t sk_data_tokens(const sk_data *d);       /* tokens in the split */
int64_t sk_data_targets(const sk_data *d);      /* real targets in the split (tokens - segments) */
int64_t sk_data_batches(const sk_data *d);      /* batches returned so far */
const char *sk_data_path(const sk_data *d);
int32_t sk_data_bos(const sk_data *d);          /* the prepended bos token, -1 = none */

/* Make d rank `rank` of `world` (see Ranks above); before the first batch. The world size enters
 * the state fingerprint, so a state saved with another world size is refused. */
int sk_data_set_rank(sk_data *d, int rank, int world) SK_RESULT_USED;
int sk_data_rank(const sk_data *d);
int sk_data_world(const sk_data *d);

void sk_data_state_get(const sk_data *d, uint64_t words[SK_DATA_STATE_WORDS]);
int sk_data_state_set(sk_data *d, const uint64_t words[SK_DATA_STATE_WORDS]) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
