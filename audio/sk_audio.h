/* sk_audio.h — the audio front-end: mu-law / linear 8-bit codec, audio file reading (any format
 * libsndfile reads, mixed to mono, resampled with libsamplerate, streamed), atomic WAV writing,
 * and audio datasets as token shards (src/sk_shard.h).
 *
 * Conventions (htslib style): functions return 0 (SK_OK), SK_EOF at a clean end of stream, or a
 * negative status with a message (sk_errmsg()) that names the file and, where it helps, the frame.
 * Handles are opaque with open/close pairs. Nothing here prints or exits.
 *
 * Codec: SaShiMi's (DESIGN.md §Mu-law codec), 8 bits, 256 tokens, zero token 128.
 *   min-max (on by default): x' = lo + (hi - lo) * (x - min) / (max - min + 1e-6), min/max over
 *       the example; [lo, hi] = [-1, 1] for mu-law, [0, 1] for linear.
 *   mu-law (mu = 255):  y = sign(x') * ln(1 + mu*|x' + 1e-8|) / ln(1 + mu);  y01 = (y + 1) / 2
 *   linear:             y01 = x'          (without min-max: y01 = (x + 1) / 2, x clamped to [-1, 1])
 *   quantize:           q = floor(y01 * (256 - 0.01) + 0.005), clamped to [0, 255]
 *   decode:             x^ = q/128 - 1; mu-law then x = sign(x^) * ((1 + mu)^|x^| - 1) / mu
 * Without min-max, mu-law input is clamped to [-1, 1] first. All encode arithmetic is done in
 * double precision (PyTorch's float32 code can differ by one token exactly at a bin edge).
 */
#ifndef SK_AUDIO_H
#define SK_AUDIO_H

#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_shard.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_AUDIO_LEVELS 256
#define SK_AUDIO_ZERO_TOKEN 128     /* 1 << (bits - 1): the "silence" token, first AR input */
#define SK_AUDIO_MU 255
#define SK_AUDIO_IGNORE (-1)        /* target value of padded positions (left out of the loss) */
#define SK_AUDIO_DEFAULT_RATE 16000

typedef enum { SK_AUDIO_MULAW = 0, SK_AUDIO_LINEAR = 1 } sk_audio_codec;

/* ---- codec ---------------------------------------------------------------------------------- */

/* Name <-> codec ("mulaw", "linear"); parse returns SK_EINVAL for an unknown name. */
const char *sk_audio_codec_name(sk_audio_codec c);
int sk_audio_codec_parse(const char *name, sk_audio_codec *c) SK_RESULT_USED;

/* The reference formula for one already-scaled value x' (double precision, no clamping of the
 * token beyond [0, 255]). The array encoder below is tested to equal it bit for bit. */
int sk_audio_encode1_ref(double xs, sk_audio_codec c);

/* Encode x[n] -> q[n]. minmax: 1 = per-example min-max over these n samples (SaShiMi default),
 * 0 = use the values as they are (clamped to [-1, 1]). Errors: SK_ENUM for a NaN/Inf sample,
 * SK_EINVAL for a constant signal with minmax on (min == max: silence carries no waveform; the
 * message says "constant"). n == 0 is fine. */
int sk_audio_encode(const float *x, int64_t n, sk_audio_codec c, int minmax, uint8_t *q) SK_RESULT_USED;
/* The same with the min/max given (for streaming: a first pass finds them with
 * sk_audio_minmax). Requires lo < hi and finite values; otherwise SK_EINVAL / SK_ENUM. */
int sk_audio_encode_range(const float *x, int64_t n, sk_audio_codec c, double min, double max, uint8_t *q) SK_RESULT_USED;
/* min/max over x[n] (n >= 1). Returns SK_ENUM and the index of the first non-finite value in
 * *bad (may be NULL) if there is one. */
int sk_audio_minmax(const float *x, int64_t n, float *min, float *max, int64_t *bad) SK_RESULT_USED;

/* Decode through a 256-entry table: x[i] = table[q[i]]. */
void sk_audio_decode(const uint8_t *q, int64_t n, sk_audio_codec c, float *x);
/* The decode table (256 floats, static storage). Strictly increasing. */
const float *sk_audio_decode_table(sk_audio_codec c);

/* ---- reading ------------------------------------------------------------------------------- */

/* Resampler quality (libsamplerate converters). Default MEDIUM: band-limited sinc, 97 dB SNR,
 * 90% bandwidth; BEST: 97 dB, 97% bandwidth, ~4x slower; FAST: 97 dB, 80% bandwidth. */
typedef enum { SK_AUDIO_SRC_MEDIUM = 0, SK_AUDIO_SRC_BEST = 1, SK_AUDIO_SRC_FAST = 2 } sk_audio_quality;
int sk_audio_quality_parse(const char *name, sk_audio_quality *q) SK_RESULT_USED;

typedef struct sk_audio_info {
    int64_t frames;          /* frames in the file at its own rate (an estimate for OGG/MP3) */
    int rate;                /* the file's sample rate */
    int channels;
    int format;              /* libsndfile SF_FORMAT_* value */
    const char *format_name; /* e.g. "WAV 16-bit PCM" (static storage) */
} sk_audio_info;

typedef struct sk_audio_reader sk_audio_reader;

/* Open any file libsndfile reads (WAV, FLAC, OGG/Vorbis, AIFF, MP3, ...). rate = output rate
 * (0 = the file's own). Output is mono float: the mean of the channels, resampled when the
 * rates differ. Fails with SK_EFORMAT naming the file for: empty, unrecognized or truncated
 * files, a RIFF size or data chunk larger than the file, zero channels, zero frames. */
int sk_audio_open(sk_audio_reader **r, const char *path, int rate, sk_audio_quality q) SK_RESULT_USED;
const sk_audio_info *sk_audio_reader_info(const sk_audio_reader *r);
int sk_audio_reader_rate(const sk_audio_reader *r);     /* the output rate */
/* Read up to n output samples into out[n]; *got = number read. Returns SK_OK, SK_EOF when no
 * sample is left (*got = 0), or an error: SK_ENUM for a NaN/Inf sample ("path: frame F: ..."),
 * SK_EFORMAT for data that ends before the header said ("path: truncated data at frame F"). */
int sk_audio_read(sk_audio_reader *r, float *out, int64_t n, int64_t *got) SK_RESULT_USED;
/* Back to the start (for a second pass). */
int sk_audio_rewind(sk_audio_reader *r) SK_RESULT_USED;
void sk_audio_close(sk_audio_reader *r);

/* Read a whole file: *x is malloc'd (free it), *n samples, mono at `rate` (0 = native). */
int sk_audio_load(const char *path, int rate, sk_audio_quality q, float **x, int64_t *n) SK_RESULT_USED;

/* ---- writing -------------------------------------------------------------------------------- */

typedef enum { SK_AUDIO_PCM16 = 0, SK_AUDIO_FLOAT = 1 } sk_audio_sample_format;

typedef struct sk_audio_writer sk_audio_writer;
/* Mono WAV written to a temporary file beside `path` and renamed into place on commit. PCM16
 * clips values outside [-1, 1). NaN/Inf samples are an error. */
int sk_audio_writer_open(sk_audio_writer **w, const char *path, int rate, sk_audio_sample_format fmt) SK_RESULT_USED;
int sk_audio_writer_write(sk_audio_writer *w, const float *x, int64_t n) SK_RESULT_USED;
int sk_audio_writer_commit(sk_audio_writer *w) SK_RESULT_USED;   /* frees w, also on failure */
void sk_audio_writer_abort(sk_audio_writer *w);                   /* frees w, removes the temp */
/* Whole buffer -> WAV. */
int sk_audio_write_wav(const char *path, const float *x, int64_t n, int rate, sk_audio_sample_format fmt) SK_RESULT_USED;
/* Tokens -> WAV (decode then write), e.g. for generated samples. */
int sk_audio_write_tokens(const char *path, const uint8_t *q, int64_t n, sk_audio_codec c, int rate,
                          sk_audio_sample_format fmt) SK_RESULT_USED;

/* ---- datasets (token shards) ---------------------------------------------------------------- */

typedef enum { SK_AUDIO_CLIPS = 0, SK_AUDIO_CHUNKS = 1 } sk_audio_mode;

typedef struct sk_audio_prep_opts {
    int rate;                  /* target rate (default 16000) */
    sk_audio_mode mode;        /* clips (SC09) or chunks (YouTubeMix) */
    int64_t length;            /* clips: maximum length (longer files are cut); chunks: chunk length */
    sk_audio_codec codec;
    int minmax;                /* per-example min-max (default 1) */
    double split[3];           /* train/valid/test fractions by file (used when split_lists is NULL) */
    const char *split_lists;   /* folder with validation_list.txt / testing_list.txt, or NULL */
    uint64_t seed;             /* file shuffle before the fractional split */
    int shuffle;               /* 1 = shuffle files with seed before splitting (default); 0 = natural order */
    int skip_bad;              /* 1 = skip unreadable files and count them; 0 = fail on the first */
    sk_audio_quality quality;
    int progress;              /* draw a progress bar (on a terminal) */
} sk_audio_prep_opts;

void sk_audio_prep_defaults(sk_audio_prep_opts *o);

typedef struct sk_audio_prep_stats {
    int64_t files, examples, samples;   /* files used, examples and token samples written */
    int64_t per_split[3];               /* examples per split */
    int64_t skipped_bad, skipped_silent, skipped_short;   /* files skipped (bad input, constant, < 1 chunk) */
    int64_t cut;                        /* clips longer than `length`, cut to it */
    double seconds;
} sk_audio_prep_stats;

/* Collect audio files (wav flac ogg oga aif aiff aifc mp3 au snd, case-insensitive) from the
 * inputs (files are taken as given, folders walked recursively, hidden entries skipped), sorted
 * in natural order (strverscmp). *files is a malloc'd array of malloc'd strings. */
int sk_audio_list_files(char *const *inputs, int n_inputs, char ***files, int64_t *n_files) SK_RESULT_USED;
void sk_audio_free_list(char **files, int64_t n);

/* Build a token shard (uint8 tokens) from the files, examples in file order. Metadata (JSON):
 * vocab {"size":256}, pad_token 128, pad_rule "ignore", bos_token 128 (the first input of every
 * example), domain "audio", labels (parent folder names, sorted; label id = index), rate, codec,
 * bits, mu, minmax, mode, length, and source {program, split or split_lists, seed, shuffle,
 * files (every input path, in order)}. A file's examples all get the file's split. */
int sk_audio_prep(char *const *files, int64_t n_files, const char *out, const sk_audio_prep_opts *o,
                  sk_audio_prep_stats *st) SK_RESULT_USED;

/* Autoregressive pair for training (SaShiMi §4.2), from example i of an audio shard, length L:
 *   y[t] = s[t] for t < len, SK_AUDIO_IGNORE for the padding (t >= len)     (targets)
 *   x[0] = 128, x[t] = s[t-1] for 1 <= t < len, 128 for the padding       (inputs)
 * where s = the example's tokens and len = min(length, L). x[L], y[L]. Returns the number of
 * valid targets (len). Every one of the len samples is a target, so NLL/sample matches papers. */
int64_t sk_audio_ar_pair(const sk_shard *s, int64_t i, int64_t L, int32_t *x, int32_t *y) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
