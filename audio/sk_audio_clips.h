/* sk_audio_clips.h — fixed-length clips for a speech scorer: clip sets read from an audio token
 * shard or a folder of audio files, the log-mel front-end of a clip classifier (with its
 * per-feature normalisation, saved as JSON), and training augmentation of a clip.
 *
 * Clip length. Every clip is exactly `len` samples (1 s at 16 kHz by default): a longer clip keeps
 * its first `len` samples, a shorter one is padded with zeros (silence) at the end, as `audio
 * prep` cuts clips and pads them at batch time.
 *
 * Front-end. A clip x[len] becomes frames t = 0 .. T-1, T = sk_audio_stft_frames(len, n_fft, hop),
 * of n_mels values each:
 *     v[t][b] = ln(max(floor, sum_k F[b][k] P[t][k]))         (sk_audio_spectrum.h: P, F)
 *     out[t][b] = (v[t][b] - mean[b]) / std[b]                (mean 0, std 1 until set)
 * mean and std are per mel band, over every frame of the training clips (std floored at 1e-3).
 */
#ifndef SK_AUDIO_CLIPS_H
#define SK_AUDIO_CLIPS_H

#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- clip sets --------------------------------------------------------------------------------- */

typedef struct sk_audio_clips sk_audio_clips;

/* path: an audio token shard (`ssmkit audio prep`; mu-law or linear tokens are decoded; split =
 * SK_SPLIT_TRAIN/VALID/TEST or -1 for every example; its rate must be `rate`), or a folder walked
 * for audio files (sk_audio_list_files; each read at `rate`; a file's label is its parent folder's
 * name when that is not `path` itself). Anything else is an error naming the path. */
int sk_audio_clips_open(sk_audio_clips **c, const char *path, int split, int rate, int64_t len) SK_RESULT_USED;
/* The given audio files (labels from their parent folders below `root`, or none: root NULL). */
int sk_audio_clips_files(sk_audio_clips **c, char *const *files, int64_t n, const char *root, int rate,
                         int64_t len) SK_RESULT_USED;
void sk_audio_clips_close(sk_audio_clips *c);
int64_t sk_audio_clips_count(const sk_audio_clips *c);
/* Class names of the set (a shard's labels, or the folder names, sorted) and clip i's label: an
 * index into them, or -1. */
int sk_audio_clips_nclasses(const sk_audio_clips *c);
const char *sk_audio_clips_class(const sk_audio_clips *c, int k);
int32_t sk_audio_clips_label(const sk_audio_clips *c, int64_t i);
/* Clip i's name: its file, or "SHARD#E" (E the shard's example index). */
const char *sk_audio_clips_name(const sk_audio_clips *c, int64_t i, char *buf, size_t cap);
/* Clip i as len samples (cut or padded); a file that cannot be read is an error naming it. */
int sk_audio_clips_read(sk_audio_clips *c, int64_t i, float *x) SK_RESULT_USED;
/* Clips that were longer than len (cut) or shorter (padded), among those read so far. */
void sk_audio_clips_fit_counts(const sk_audio_clips *c, int64_t *cut, int64_t *padded);

/* ---- the log-mel front-end ----------------------------------------------------------------------- */

typedef struct sk_audio_logmel_opts {
    int rate;          /* Hz (16000) */
    int64_t len;       /* samples per clip (16000) */
    int n_fft, hop;    /* STFT size (400) and hop (160) in samples */
    int n_mels;        /* mel bands (40) */
    double fmin, fmax; /* band edges in Hz (20, rate / 2) */
    double floor;      /* power floor before the log (1e-6) */
} sk_audio_logmel_opts;

void sk_audio_logmel_defaults(sk_audio_logmel_opts *o);

typedef struct sk_audio_frontend sk_audio_frontend;

int sk_audio_frontend_new(sk_audio_frontend **fe, const sk_audio_logmel_opts *o) SK_RESULT_USED;
/* From the JSON of sk_audio_frontend_json (what names its source in errors). */
int sk_audio_frontend_from_json(sk_audio_frontend **fe, const char *json, const char *what) SK_RESULT_USED;
void sk_audio_frontend_free(sk_audio_frontend *fe);
/* {"kind":"logmel", the options, "mean":[...], "std":[...]} (malloc'd). */
char *sk_audio_frontend_json(const sk_audio_frontend *fe);
const sk_audio_logmel_opts *sk_audio_frontend_opts(const sk_audio_frontend *fe);
int64_t sk_audio_frontend_frames(const sk_audio_frontend *fe);   /* T */
/* Unnormalised log-mel of one clip x[len]: v (T, n_mels). */
void sk_audio_frontend_logmel(sk_audio_frontend *fe, const float *x, double *v);
/* Normalised frames of one clip: out (T, n_mels) floats. */
void sk_audio_frontend_frames_of(sk_audio_frontend *fe, const float *x, float *out);
/* Set mean and std (n_mels each; std values below 1e-3 count as 1e-3). */
void sk_audio_frontend_set_norm(sk_audio_frontend *fe, const double *mean, const double *std);

/* ---- augmentation -------------------------------------------------------------------------------- */

typedef struct sk_audio_augment {
    double gain_db;    /* gain uniform in [-gain_db, +gain_db] dB */
    double shift;      /* time shift uniform in [-shift, +shift] x len samples, zeros shifted in */
    double speed;      /* speed factor uniform in [1 - speed, 1 + speed] (pitch and tempo, linear interpolation) */
    double noise;      /* probability of adding white Gaussian noise ... */
    double snr_lo, snr_hi; /* ... at an SNR uniform in [snr_lo, snr_hi] dB of the clip's power */
} sk_audio_augment;

/* x[len] augmented in place (the order: speed, shift, gain, noise); tmp: len floats. A zero
 * field leaves that step out (and draws nothing for it). */
void sk_audio_augment_clip(float *x, int64_t len, const sk_audio_augment *a, sk_rng *r, float *tmp);

#ifdef __cplusplus
}
#endif
#endif
