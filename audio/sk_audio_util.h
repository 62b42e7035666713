/* sk_audio_util.h — whole-file operations of the audio front-end, built on sk_audio.h: encode a
 * file to tokens, decode tokens to a WAV, convert a file, describe a shard or an audio file,
 * write ranked generated clips, and the throughput measurement (audio/README.md §File operations).
 *
 * Conventions as in sk_audio.h, except that sk_audio_describe and sk_audio_bench write their
 * report to the stream they are given.
 */
#ifndef SK_AUDIO_UTIL_H
#define SK_AUDIO_UTIL_H

#include <stdio.h>
#include "audio/sk_audio.h"

/* How a file is read and written: output rate, codec, per-file min-max, resampler quality, WAV
 * sample format. */
typedef struct sk_audio_fileopts {
    int rate;
    sk_audio_codec codec;
    int minmax;
    sk_audio_quality quality;
    sk_audio_sample_format fmt;
} sk_audio_fileopts;

/* Audio file -> headerless uint8 tokens (written atomically), streamed: with min-max a first pass
 * finds the range over the whole file (a constant file is an error). *tokens = tokens written. */
int sk_audio_encode_file(const char *in, const char *out, const sk_audio_fileopts *o, int64_t *tokens) SK_RESULT_USED;
/* Headerless uint8 tokens -> WAV (an empty file is an error). */
int sk_audio_decode_file(const char *in, const char *out, const sk_audio_fileopts *o) SK_RESULT_USED;
/* Audio file -> mono WAV at o->rate; length >= 0: exactly `length` samples, zeros with the audio
 * placed at `offset` (cut at the end); length < 0: the input's length. */
int sk_audio_convert_file(const char *in, const char *out, const sk_audio_fileopts *o, int64_t length,
                          int64_t offset) SK_RESULT_USED;

/* Describe a token shard (examples per split and label, lengths, vocabulary, the audio metadata)
 * or an audio file (format, rate, channels, frames, duration), told by the content. */
int sk_audio_describe(const char *path, FILE *out) SK_RESULT_USED;

/* Create the folder `dir` (and missing parents) if missing and check that a file can be created in it. */
int sk_audio_prepare_dir(const char *dir) SK_RESULT_USED;
/* Write generated clips as 16-bit PCM WAVs of mu-law tokens at `rate`, in rank order: dir/NNN.wav
 * (001 = rank 0; 3 to 7 digits) holds clip order[k] of tok (count, len), and dir/loglik.tsv one
 * line per rank: rank, file, clip, loglik_nats (ll[clip]), bits_per_sample (over `drawn` tokens). */
int sk_audio_write_ranked(const char *dir, const uint8_t *tok, int64_t count, int64_t len, int64_t drawn,
                          const int64_t *order, const double *ll, int rate) SK_RESULT_USED;

/* Throughput on n samples of synthetic audio (a chirp plus noise): encode (table and reference
 * formula), decode, read + resample of a temporary 22050 Hz WAV at each quality, and prep of it
 * in chunks mode, as a table of samples/s and ns/sample. */
int sk_audio_bench(int64_t n, FILE *out) SK_RESULT_USED;

#endif
