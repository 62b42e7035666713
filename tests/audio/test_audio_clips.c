/* test_audio_clips.c — the log-mel clip front-end of the speech scorer (audio/sk_audio_clips.h):
 * mu-law clips read from a token shard (one shorter than the clip length, padded; one longer, cut)
 * through the front-end equal the float64 values numpy / scipy computed independently
 * (tests/reference/make_speech_frontend_fixture.py writes tests/audio/fixtures/speech_frontend.txt);
 * the front-end's JSON round trip; clips of a folder with labels from the folder names; bad inputs;
 * augmentation steps against their definitions. Skipped (77) without FFTW. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "audio/sk_audio.h"
#include "audio/sk_audio_clips.h"
#include "audio/sk_audio_spectrum.h"
#include "src/sk_shard.h"
#include "tests/audio/speech_fixture.h"
#include "tests/sk_test.h"

static char dir[] = "/tmp/sk_clipsXXXXXX";
static sk_audio_logmel_opts opts;

static void write_shard(const char *path, const char *meta) {
    sk_shard_writer *w;
    SK_CHECK(sk_shard_writer_open(&w, path, 1, meta) == SK_OK, "shard open: %s", sk_errmsg());
    const char *names[2] = {"tokens_a", "tokens_b"};
    for (int e = 0; e < 2; e++) {
        const arr *q = get(names[e]);
        uint8_t *t = malloc((size_t)q->cols);
        for (int i = 0; i < q->cols; i++) t[i] = (uint8_t)q->v[i];
        SK_CHECK(sk_shard_writer_add(w, t, q->cols, e, e ? SK_SPLIT_TEST : SK_SPLIT_TRAIN) == SK_OK, "add");
        free(t);
    }
    SK_CHECK(sk_shard_writer_commit(w) == SK_OK, "commit: %s", sk_errmsg());
}

/* Largest |got - want| / max(1, |want|). */
static double maxerr(const float *got, const double *want, int64_t n) {
    double e = 0;
    for (int64_t i = 0; i < n; i++) e = fmax(e, fabs(got[i] - want[i]) / fmax(1, fabs(want[i])));
    return e;
}

static void test_frontend(void) {
    const arr *s = get("settings");
    sk_audio_logmel_defaults(&opts);
    opts.rate = (int)s->v[0], opts.len = (int64_t)s->v[1], opts.n_fft = (int)s->v[2], opts.hop = (int)s->v[3];
    opts.n_mels = (int)s->v[4], opts.fmin = s->v[5], opts.fmax = s->v[6], opts.floor = s->v[7];
    char path[512];
    snprintf(path, sizeof path, "%s/clips.shard", dir);
    write_shard(path, "{\"vocab\":{\"size\":256},\"pad_token\":128,\"pad_rule\":\"ignore\",\"domain\":\"audio\","
                      "\"labels\":[\"a\",\"b\"],\"rate\":16000,\"codec\":\"mulaw\"}");
    sk_audio_clips *c;
    SK_CHECK(sk_audio_clips_open(&c, path, -1, opts.rate, opts.len) == SK_OK, "open shard: %s", sk_errmsg());
    SK_CHECK(sk_audio_clips_count(c) == 2 && sk_audio_clips_nclasses(c) == 2 && sk_audio_clips_label(c, 1) == 1, "shard clips");
    sk_audio_frontend *fe;
    SK_CHECK(sk_audio_frontend_new(&fe, &opts) == SK_OK, "front-end: %s", sk_errmsg());
    const int64_t T = sk_audio_frontend_frames(fe), nm = opts.n_mels;
    SK_CHECK(T == get("frames_a")->rows && nm == get("frames_a")->cols, "frames %lld x %lld", (long long)T, (long long)nm);
    sk_audio_frontend_set_norm(fe, get("mean")->v, get("std")->v);
    float *x = malloc(sizeof *x * (size_t)opts.len), *fr = malloc(sizeof *fr * (size_t)(T * nm));
    double *v = malloc(sizeof *v * (size_t)(T * nm));
    const char *tags[2] = {"a", "b"};
    for (int e = 0; e < 2; e++) {
        char nm1[32], nm2[32];
        snprintf(nm1, sizeof nm1, "logmel_%s", tags[e]), snprintf(nm2, sizeof nm2, "frames_%s", tags[e]);
        SK_CHECK(sk_audio_clips_read(c, e, x) == SK_OK, "read %d: %s", e, sk_errmsg());
        sk_audio_frontend_logmel(fe, x, v);
        double ev = 0;
        for (int64_t i = 0; i < T * nm; i++) ev = fmax(ev, fabs(v[i] - get(nm1)->v[i]) / fmax(1, fabs(get(nm1)->v[i])));
        SK_CHECK(ev < 1e-6, "clip %s: log-mel differs from numpy by %.3g", tags[e], ev);
        sk_audio_frontend_frames_of(fe, x, fr);
        double ef = maxerr(fr, get(nm2)->v, T * nm);
        SK_CHECK(ef < 1e-5, "clip %s: normalised frames differ from numpy by %.3g", tags[e], ef);
    }
    int64_t cut, pad;
    sk_audio_clips_fit_counts(c, &cut, &pad);
    SK_CHECK(cut == 1 && pad == 1, "cut %lld padded %lld", (long long)cut, (long long)pad);
    sk_audio_clips_close(c);
    /* the split selects; JSON round trip gives the same frames */
    SK_CHECK(sk_audio_clips_open(&c, path, SK_SPLIT_TEST, opts.rate, opts.len) == SK_OK && sk_audio_clips_count(c) == 1, "test split");
    SK_CHECK(sk_audio_clips_read(c, 0, x) == SK_OK, "read");
    char *js = sk_audio_frontend_json(fe);
    sk_audio_frontend *fe2;
    SK_CHECK(sk_audio_frontend_from_json(&fe2, js, "test") == SK_OK, "from json: %s", sk_errmsg());
    float *fr2 = malloc(sizeof *fr2 * (size_t)(T * nm));
    sk_audio_frontend_frames_of(fe, x, fr), sk_audio_frontend_frames_of(fe2, x, fr2);
    SK_CHECK(!memcmp(fr, fr2, sizeof *fr * (size_t)(T * nm)), "front-end from its JSON computes other frames");
    sk_audio_frontend *fe3;
    SK_CHECK(sk_audio_frontend_from_json(&fe3, "{\"kind\":\"mfcc\"}", "bad") == SK_EINVAL && !fe3, "unknown kind refused");
    free(js), free(fr2);
    sk_audio_frontend_free(fe2);
    sk_audio_clips_close(c);
    /* a shard at another rate, and one of another domain */
    write_shard(path, "{\"vocab\":{\"size\":256},\"pad_token\":128,\"pad_rule\":\"ignore\",\"domain\":\"audio\",\"rate\":8000}");
    SK_CHECK(sk_audio_clips_open(&c, path, -1, 16000, 16000) == SK_EINVAL && strstr(sk_errmsg(), "8000"), "rate: %s", sk_errmsg());
    write_shard(path, "{\"vocab\":{\"size\":256},\"pad_token\":128,\"pad_rule\":\"ignore\",\"domain\":\"dna\"}");
    SK_CHECK(sk_audio_clips_open(&c, path, -1, 16000, 16000) == SK_EINVAL && strstr(sk_errmsg(), "not an audio shard"), "dna: %s", sk_errmsg());
    free(x), free(fr), free(v);
    sk_audio_frontend_free(fe);
}

static void test_folder(void) {
    char p[512];
    float y[1000];
    for (int i = 0; i < 1000; i++) y[i] = 0.5f * sinf(0.05f * (float)i);
    const char *sub[3] = {"seven", "two", "seven"};
    snprintf(p, sizeof p, "%s/wav", dir);
    mkdir(p, 0777);
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/wav/%s", dir, sub[k]);
        mkdir(p, 0777);
        snprintf(p, sizeof p, "%s/wav/%s/%d.wav", dir, sub[k], k);
        SK_CHECK(sk_audio_write_wav(p, y, 600 + 200 * k, 16000, SK_AUDIO_FLOAT) == SK_OK, "wav: %s", sk_errmsg());
    }
    snprintf(p, sizeof p, "%s/wav/top.wav", dir);
    SK_CHECK(sk_audio_write_wav(p, y, 1000, 16000, SK_AUDIO_FLOAT) == SK_OK, "wav");
    snprintf(p, sizeof p, "%s/wav", dir);
    sk_audio_clips *c;
    SK_CHECK(sk_audio_clips_open(&c, p, -1, 16000, 800) == SK_OK, "open folder: %s", sk_errmsg());
    SK_CHECK(sk_audio_clips_count(c) == 4 && sk_audio_clips_nclasses(c) == 2, "4 clips, 2 classes");
    SK_CHECK(!strcmp(sk_audio_clips_class(c, 0), "seven") && !strcmp(sk_audio_clips_class(c, 1), "two"), "classes sorted");
    int want[4] = {0, 0, -1, 1}; /* seven/0, seven/2, top, two/1 (natural order of the paths) */
    for (int i = 0; i < 4; i++) {
        char buf[64];
        const char *name = sk_audio_clips_name(c, i, buf, sizeof buf);
        SK_CHECK(sk_audio_clips_label(c, i) == want[i], "%s: label %d, want %d", name, sk_audio_clips_label(c, i), want[i]);
    }
    float x[800];
    SK_CHECK(sk_audio_clips_read(c, 0, x) == SK_OK && x[599] == y[599] && x[600] == 0 && x[799] == 0, "600 samples padded to 800");
    SK_CHECK(sk_audio_clips_read(c, 1, x) == SK_OK && x[799] == y[799], "1000 samples cut to 800");
    sk_audio_clips_close(c);
    /* a file that is not audio inside the folder: its read names it */
    snprintf(p, sizeof p, "%s/wav/two/bad.wav", dir);
    FILE *f = fopen(p, "w");
    fputs("not audio\n", f), fclose(f);
    snprintf(p, sizeof p, "%s/wav", dir);
    SK_CHECK(sk_audio_clips_open(&c, p, -1, 16000, 800) == SK_OK, "open");
    int bad = 0;
    for (int64_t i = 0; i < sk_audio_clips_count(c); i++)
        if (sk_audio_clips_read(c, i, x)) bad = strstr(sk_errmsg(), "bad.wav") != NULL;
    SK_CHECK(bad, "the error of a non-audio file names it: %s", sk_errmsg());
    sk_audio_clips_close(c);
    snprintf(p, sizeof p, "%s/missing", dir);
    SK_CHECK(sk_audio_clips_open(&c, p, -1, 16000, 800) != SK_OK && strstr(sk_errmsg(), "missing"), "missing: %s", sk_errmsg());
    snprintf(p, sizeof p, "%s/wav/two/bad.wav", dir);
    SK_CHECK(sk_audio_clips_open(&c, p, -1, 16000, 800) == SK_EFORMAT && strstr(sk_errmsg(), "bad.wav"), "not a shard: %s", sk_errmsg());
}

static void test_augment(void) {
    enum { N = 1000 };
    float x[N], y[N], tmp[N];
    for (int i = 0; i < N; i++) x[i] = sinf(0.01f * (float)i) * 0.5f;
    sk_rng r;
    sk_rng_seed(&r, 3, 0);
    sk_audio_augment none = {0};
    memcpy(y, x, sizeof x);
    sk_audio_augment_clip(y, N, &none, &r, tmp);
    SK_CHECK(!memcmp(x, y, sizeof x), "no augmentation changes nothing");
    sk_audio_augment g = {.gain_db = 6};
    memcpy(y, x, sizeof x);
    sk_audio_augment_clip(y, N, &g, &r, tmp);
    double ratio = y[100] / x[100];
    int same = 1;
    for (int i = 1; i < N; i++) same &= fabs(y[i] - ratio * x[i]) < 1e-6;
    SK_CHECK(same && ratio >= pow(10, -6 / 20.0) - 1e-6 && ratio <= pow(10, 6 / 20.0) + 1e-6, "gain %g: one factor within 6 dB", ratio);
    sk_audio_augment sh = {.shift = 0.1};
    memcpy(y, x, sizeof x);
    sk_audio_augment_clip(y, N, &sh, &r, tmp);
    int k = -100, ok = 0;
    for (; k <= 100 && !ok; k++) {
        ok = 1;
        for (int i = 0; i < N; i++) ok &= y[i] == (i - k >= 0 && i - k < N ? x[i - k] : 0);
    }
    SK_CHECK(ok, "shift: a move by at most 100 samples with zeros shifted in");
    sk_audio_augment sp = {.speed = 0.2};
    memcpy(y, x, sizeof x);
    sk_audio_augment_clip(y, N, &sp, &r, tmp);
    double s = 0; /* y[t] = x(t s): recover s from y[1] and check the rest */
    for (int i = 1; i < N; i++) s += y[i] != x[i];
    SK_CHECK(s > 0 && y[0] == x[0], "speed changes the clip, keeps sample 0");
    sk_audio_augment nz = {.noise = 1, .snr_lo = 10, .snr_hi = 10};
    memcpy(y, x, sizeof x);
    sk_audio_augment_clip(y, N, &nz, &r, tmp);
    double ps = 0, pn = 0;
    for (int i = 0; i < N; i++) ps += x[i] * x[i], pn += (y[i] - x[i]) * (y[i] - x[i]);
    double snr = 10 * log10(ps / pn);
    SK_CHECK(snr > 9 && snr < 11, "noise at 10 dB: measured %.2f dB", snr);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    sk_audio_stft *s;
    if (sk_audio_stft_new(&s, 64) == SK_EUNSUP) return printf("test_audio_clips: no FFTW: skipped\n"), 77;
    sk_audio_stft_free(s);
    load_fixture("speech_frontend.txt");
    test_frontend();
    test_folder();
    test_augment();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return sk_test_finish("test_audio_clips");
}
