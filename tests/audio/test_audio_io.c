/* test_audio_io.c — audio file reading and writing: exact round trips (WAV 8/16/24-bit and float,
 * FLAC 8/16/24-bit), mono mixing, resampling (a stereo 44.1 kHz sine read as mono 16 kHz keeps
 * its frequency within 0.5%, found by a DFT scan), streaming = whole-file reading, rewind,
 * atomic writing, and every bad-input case of the issue as a separate named case.
 * Files are generated here with libsndfile directly (independent of the code under test).
 */
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "audio/sk_audio.h"
#include "tests/sk_test.h"

static char dir[256];

static const char *tpath(const char *name) {
    static char buf[8][512];
    static int k = 0;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Write interleaved int samples (full 32-bit scale) with libsndfile. */
static int write_int(const char *path, int format, int channels, int rate, const int *x, int64_t frames) {
    SF_INFO si = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *f = sf_open(path, SFM_WRITE, &si);
    if (!f) return -1;
    sf_count_t w = sf_writef_int(f, x, frames);
    sf_close(f);
    return w == frames ? 0 : -1;
}
static int write_float(const char *path, int format, int channels, int rate, const float *x, int64_t frames) {
    SF_INFO si = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *f = sf_open(path, SFM_WRITE, &si);
    if (!f) return -1;
    sf_command(f, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
    sf_count_t w = sf_writef_float(f, x, frames);
    sf_close(f);
    return w == frames ? 0 : -1;
}

/* Integer PCM round trip: samples k (|k| < 2^(bits-1)) written at full scale must read back as
 * exactly k / 2^(bits-1) (libsndfile's float normalisation). */
static void test_pcm_roundtrips(void) {
    static const struct { const char *name; int format, bits; } cases[] = {
        {"wav8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8},      {"wav16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16},
        {"wav24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 24},    {"flac8.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_S8, 8},
        {"flac16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16}, {"flac24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 24},
    };
    enum { N = 5000 };
    static int xi[N];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int bits = cases[c].bits;
        int64_t full = INT64_C(1) << (bits - 1);
        for (int i = 0; i < N; i++) {
            int64_t k = (int64_t)llround((full - 1) * 0.9 * sin(0.013 * i) * cos(0.0007 * i));
            if (i == 7) k = full - 1;
            if (i == 8) k = -full;
            xi[i] = (int)(k * (INT64_C(1) << (32 - bits)));
        }
        const char *p = tpath(cases[c].name);
        SK_CHECK(write_int(p, cases[c].format, 1, 16000, xi, N) == 0, "%s: write", cases[c].name);
        float *x = NULL;
        int64_t n = 0;
        int rc = sk_audio_load(p, 0, SK_AUDIO_SRC_MEDIUM, &x, &n);
        SK_CHECK(rc == SK_OK && n == N, "%s: load rc %d n %lld: %s", cases[c].name, rc, (long long)n, sk_errmsg());
        int bad = 0;
        for (int64_t i = 0; rc == SK_OK && i < n; i++) bad += x[i] != (float)((double)xi[i] / 2147483648.0);   /* = k / 2^(bits-1) */
        SK_CHECK(rc == SK_OK && bad == 0, "%s: %d samples differ from k/2^%d", cases[c].name, bad, bits - 1);
        free(x);
    }
    /* float WAV: exact, including values beyond [-1, 1] */
    static float xf[N];
    for (int i = 0; i < N; i++) xf[i] = (float)(1.5 * sin(0.01 * i + 0.3));
    const char *p = tpath("float.wav");
    SK_CHECK(write_float(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 16000, xf, N) == 0, "float write");
    float *x = NULL;
    int64_t n = 0;
    SK_CHECK(sk_audio_load(p, 0, SK_AUDIO_SRC_MEDIUM, &x, &n) == SK_OK && n == N && !memcmp(x, xf, sizeof xf), "float WAV is exact");
    free(x);
}

/* Stereo mixing at the same rate: mono = (L + R) / 2 exactly for representable values. */
static void test_mono_mix(void) {
    enum { N = 3000 };
    static float st[2 * N];
    for (int i = 0; i < N; i++) {
        st[2 * i] = (float)((i % 200) / 256.0);
        st[2 * i + 1] = (float)(-(i % 70) / 128.0);
    }
    const char *p = tpath("stereo.wav");
    SK_CHECK(write_float(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 16000, st, N) == 0, "stereo write");
    float *x = NULL;
    int64_t n = 0;
    int rc = sk_audio_load(p, 16000, SK_AUDIO_SRC_MEDIUM, &x, &n);
    int bad = 0;
    for (int i = 0; rc == SK_OK && i < n; i++) bad += x[i] != (st[2 * i] + st[2 * i + 1]) / 2;
    SK_CHECK(rc == SK_OK && n == N && bad == 0, "stereo -> mono mean: rc %d n %lld bad %d", rc, (long long)n, bad);
    free(x);
}

/* Frequency of the strongest DFT component, scanned in 0.5 Hz steps over (20, rate/2 - 20). */
static double peak_hz(const float *x, int64_t n, int rate) {
    double best = -1, f_best = 0;
    for (double f = 20; f < rate / 2.0 - 20; f += 0.5) {
        double w = 2 * M_PI * f / rate, re = 0, im = 0;
        /* Goertzel-free plain DFT bin with a recurrence for cos/sin */
        double c = cos(w), s = sin(w), cr = 1, ci = 0;
        for (int64_t i = 0; i < n; i++) {
            re += x[i] * cr;
            im -= x[i] * ci;
            double t = cr * c - ci * s;
            ci = cr * s + ci * c;
            cr = t;
        }
        double m = re * re + im * im;
        if (m > best) best = m, f_best = f;
    }
    return f_best;
}

static void test_resample(void) {
    enum { RATE = 44100, N = 44100 / 4 };   /* 0.25 s stereo */
    const double f0 = 1234.0;
    static int st[2 * N];
    for (int i = 0; i < N; i++) {
        double v = sin(2 * M_PI * f0 * i / RATE);
        st[2 * i] = (int)(0.6 * v * 2147483647.0);
        st[2 * i + 1] = (int)(0.2 * v * 2147483647.0);
    }
    const char *p = tpath("sine44k.wav");
    SK_CHECK(write_int(p, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, RATE, st, N) == 0, "sine write");
    float *x = NULL;
    int64_t n = 0;
    int rc = sk_audio_load(p, 16000, SK_AUDIO_SRC_MEDIUM, &x, &n);
    SK_CHECK(rc == SK_OK, "load resampled: %s", sk_errmsg());
    if (rc) return;
    int64_t want = (int64_t)llround((double)N * 16000 / RATE);
    SK_CHECK(llabs(n - want) <= 2, "resampled length %lld, want %lld (+-2)", (long long)n, (long long)want);
    double f = peak_hz(x, n, 16000);
    SK_CHECK(fabs(f - f0) / f0 < 0.005, "peak %.2f Hz, want %.2f within 0.5%%", f, f0);
    double amp = 0;
    for (int64_t i = n / 4; i < 3 * n / 4; i++) amp = fmax(amp, fabs(x[i]));
    SK_CHECK(fabs(amp - 0.4) < 0.01, "mono amplitude %.4f, want (0.6 + 0.2)/2 = 0.4", amp);

    /* streaming in odd-sized pieces, then again after rewind, equals the whole-file read */
    sk_audio_reader *r;
    SK_CHECK(sk_audio_open(&r, p, 16000, SK_AUDIO_SRC_MEDIUM) == SK_OK, "open");
    SK_CHECK(sk_audio_reader_info(r)->channels == 2 && sk_audio_reader_info(r)->rate == RATE && sk_audio_reader_info(r)->frames == N,
             "info");
    float *y = malloc(sizeof(float) * (size_t)(n + 100));
    for (int pass = 0; pass < 2; pass++) {
        int64_t len = 0, got;
        int k = 0;
        while ((rc = sk_audio_read(r, y + len, 1 + (k++ * 37) % 1000, &got)) == SK_OK) len += got;
        SK_CHECK(rc == SK_EOF && len == n && !memcmp(x, y, sizeof(float) * (size_t)n), "pass %d: streamed = whole (%lld vs %lld)", pass,
                 (long long)len, (long long)n);
        SK_CHECK(sk_audio_rewind(r) == SK_OK, "rewind");
    }
    sk_audio_close(r);
    free(y);
    free(x);
}

/* Lossy formats libsndfile writes here (OGG/Vorbis; MP3 when built with LAME): the tone survives. */
static void test_lossy(void) {
    static const struct { const char *name; int format; } cases[] = {
        {"tone.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
#ifdef SSMKIT_HAVE_SF_MPEG
        {"tone.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III},
#endif
        {"tone.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16},
    };
    enum { N = 22050 / 2 };
    static float x0[N];
    for (int i = 0; i < N; i++) x0[i] = (float)(0.5 * sin(2 * M_PI * 700.0 * i / 22050));
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        SF_INFO si = {.samplerate = 22050, .channels = 1, .format = cases[c].format};
        if (!sf_format_check(&si)) {
            printf("note: %s not writable by this libsndfile, skipped\n", cases[c].name);
            continue;
        }
        const char *p = tpath(cases[c].name);
        SK_CHECK(write_float(p, cases[c].format, 1, 22050, x0, N) == 0, "%s: write", cases[c].name);
        float *x = NULL;
        int64_t n = 0;
        int rc = sk_audio_load(p, 16000, SK_AUDIO_SRC_MEDIUM, &x, &n);
        SK_CHECK(rc == SK_OK && n > 7000, "%s: load: %s", cases[c].name, sk_errmsg());
        if (rc == SK_OK) {
            double f = peak_hz(x, n, 16000);
            SK_CHECK(fabs(f - 700) / 700 < 0.005, "%s: peak %.1f Hz, want 700", cases[c].name, f);
        }
        free(x);
    }
}

static void test_write(void) {
    enum { N = 4000 };
    static float x[N];
    for (int i = 0; i < N; i++) x[i] = (float)(0.8 * sin(0.02 * i)) + (i == 5 ? 2.0f : 0);   /* one sample clips */
    const char *p = tpath("out16.wav"), *pf = tpath("outf.wav");
    SK_CHECK(sk_audio_write_wav(p, x, N, 8000, SK_AUDIO_PCM16) == SK_OK, "write pcm16: %s", sk_errmsg());
    SK_CHECK(sk_audio_write_wav(pf, x, N, 8000, SK_AUDIO_FLOAT) == SK_OK, "write float: %s", sk_errmsg());
    SF_INFO si = {0};
    SNDFILE *f = sf_open(p, SFM_READ, &si);
    SK_CHECK(f && si.frames == N && si.samplerate == 8000 && si.channels == 1 && si.format == (SF_FORMAT_WAV | SF_FORMAT_PCM_16),
             "pcm16 header");
    static short s[N];
    if (f) {
        SK_CHECK(sf_readf_short(f, s, N) == N, "read");
        sf_close(f);
        int bad = 0;
        for (int i = 0; i < N; i++) {
            double want = fmin(fmax((double)x[i] * 32768.0, -32768), 32767);   /* libsndfile scales by 0x8000 when clipping */
            bad += fabs(s[i] - want) > 1.0;
        }
        SK_CHECK(bad == 0, "pcm16 values (clipped, not wrapped): %d bad", bad);
    }
    float *y = NULL;
    int64_t n = 0;
    SK_CHECK(sk_audio_load(pf, 0, SK_AUDIO_SRC_MEDIUM, &y, &n) == SK_OK && n == N && !memcmp(x, y, sizeof x), "float WAV exact");
    free(y);
    /* tokens -> WAV */
    uint8_t q[256];
    for (int i = 0; i < 256; i++) q[i] = (uint8_t)i;
    SK_CHECK(sk_audio_write_tokens(pf, q, 256, SK_AUDIO_MULAW, 16000, SK_AUDIO_FLOAT) == SK_OK, "write tokens");
    SK_CHECK(sk_audio_load(pf, 0, SK_AUDIO_SRC_MEDIUM, &y, &n) == SK_OK && n == 256 &&
                 !memcmp(y, sk_audio_decode_table(SK_AUDIO_MULAW), 256 * sizeof(float)),
             "tokens WAV = decode table");
    free(y);
    /* NaN refused, nothing left behind */
    x[10] = NAN;
    const char *pn = tpath("nan_out.wav");
    SK_CHECK(sk_audio_write_wav(pn, x, N, 8000, SK_AUDIO_PCM16) == SK_ENUM && access(pn, F_OK) != 0, "NaN write refused, no file");
    /* unwritable output: a missing folder */
    const char *pu = tpath("no/such/dir/out.wav");
    SK_CHECK(sk_audio_write_wav(pu, x, 10, 8000, SK_AUDIO_PCM16) == SK_EIO && strstr(sk_errmsg(), pu), "unwritable: %s", sk_errmsg());
}

/* ---- bad input: each case a separate named check --------------------------------------------- */

static int64_t file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}
static void put_bytes(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}
static uint8_t *slurp(const char *p, int64_t *n) {
    *n = file_size(p);
    uint8_t *b = malloc((size_t)*n + 1);
    FILE *f = fopen(p, "rb");
    if (f) {
        *n = (int64_t)fread(b, 1, (size_t)*n, f);
        fclose(f);
    }
    return b;
}
static int64_t find4(const uint8_t *b, int64_t n, const char *id) {
    for (int64_t i = 12; i + 4 <= n; i++)
        if (!memcmp(b + i, id, 4)) return i;
    return -1;
}

static void expect_bad(const char *name, const char *path, int want_rc, const char *word) {
    float *x = NULL;
    int64_t n = 0;
    sk_error_clear();
    int rc = sk_audio_load(path, 16000, SK_AUDIO_SRC_MEDIUM, &x, &n);
    SK_CHECK(rc == want_rc, "%s: rc %d, want %d (%s)", name, rc, want_rc, sk_errmsg());
    SK_CHECK(strstr(sk_errmsg(), path) != NULL, "%s: message names the file: %s", name, sk_errmsg());
    SK_CHECK(strstr(sk_errmsg(), word) != NULL, "%s: message says '%s': %s", name, word, sk_errmsg());
    SK_CHECK(x == NULL, "%s: no output on error", name);
    free(x);
}

/* The bad-input files of the issue, written into folder d (also used by test_audio_cli.sh). */
static const struct bad_case { const char *file, *name, *word; int rc; } bad_cases[] = {
    {"empty.wav", "empty file", "empty", SK_EFORMAT},
    {"text.wav", "text file", "not a readable audio file", SK_EFORMAT},
    {"trunc_header.wav", "truncated header", "truncated header", SK_EFORMAT},
    {"trunc_data.wav", "truncated data", "truncated data", SK_EFORMAT},
    {"riff_size.wav", "RIFF size larger than the file", "RIFF size", SK_EFORMAT},
    {"zero_channels.wav", "zero channels", "zero channels", SK_EFORMAT},
    {"zero_frames.wav", "zero frames", "no audio frames", SK_EFORMAT},
    {"nan.wav", "NaN samples in float WAV", "frame 1234", SK_ENUM},
};
enum { NBAD = sizeof bad_cases / sizeof bad_cases[0] };

static int make_bad_files(const char *d) {
    enum { N = 2000 };
    static int xi[N];
    char p[600];
    for (int i = 0; i < N; i++) xi[i] = (int)(sin(0.05 * i) * 1e9);
    snprintf(p, sizeof p, "%s/good.wav", d);
    if (write_int(p, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 16000, xi, N)) return -1;
    int64_t gn;
    uint8_t *g = slurp(p, &gn);
    if (gn <= 0) return -1;
    uint8_t *b = malloc((size_t)gn);
    int64_t fmt = find4(g, gn, "fmt "), data = find4(g, gn, "data");
    SK_CHECK(fmt > 0 && data > 0 && gn == data + 8 + 2 * N, "generated WAV layout (fmt %lld, data %lld)", (long long)fmt, (long long)data);
#define BAD(name) (snprintf(p, sizeof p, "%s/%s", d, name), p)
    put_bytes(BAD("empty.wav"), "", 0);
    const char *txt = "this is a text file, not audio\nline two\nline three\n";
    put_bytes(BAD("text.wav"), txt, strlen(txt));
    put_bytes(BAD("trunc_header.wav"), g, (size_t)fmt + 10);       /* cut inside the fmt chunk */
    put_bytes(BAD("trunc_data.wav"), g, (size_t)(data + 8 + N));   /* half the data */
    memcpy(b, g, (size_t)gn);
    uint32_t riff = (uint32_t)(gn - 8 + 1000);
    memcpy(b + 4, &riff, 4);
    put_bytes(BAD("riff_size.wav"), b, (size_t)gn);
    memcpy(b, g, (size_t)gn);
    b[fmt + 10] = b[fmt + 11] = 0;   /* fmt chunk body: format tag (2 bytes), channels (2 bytes) */
    put_bytes(BAD("zero_channels.wav"), b, (size_t)gn);
    int rc = write_int(BAD("zero_frames.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 16000, xi, 0);
    static float xf[N];
    for (int i = 0; i < N; i++) xf[i] = (float)sin(0.05 * i);
    xf[1234] = NAN;
    rc |= write_float(BAD("nan.wav"), SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 16000, xf, N);
#undef BAD
    free(b);
    free(g);
    return rc;
}

static void test_bad_inputs(void) {
    SK_CHECK(make_bad_files(dir) == 0, "write the bad files");
    for (int k = 0; k < NBAD; k++) expect_bad(bad_cases[k].name, tpath(bad_cases[k].file), bad_cases[k].rc, bad_cases[k].word);
    /* NaN at the file's own rate too (no resampler in between) */
    float *x = NULL;
    int64_t n;
    SK_CHECK(sk_audio_load(tpath("nan.wav"), 0, SK_AUDIO_SRC_MEDIUM, &x, &n) == SK_ENUM && strstr(sk_errmsg(), "frame 1234"), "NaN, native rate");
    expect_bad("missing file", tpath("missing.wav"), SK_EIO, "cannot open");
    /* the good file the bad ones were made from reads fine */
    SK_CHECK(sk_audio_load(tpath("good.wav"), 16000, SK_AUDIO_SRC_MEDIUM, &x, &n) == SK_OK && n == 2000, "good.wav reads");
    free(x);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--gen-bad")) return make_bad_files(argv[2]) ? 1 : 0;
    snprintf(dir, sizeof dir, "%s/sk_audio_io_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_pcm_roundtrips();
    test_mono_mix();
    test_resample();
    test_lossy();
    test_write();
    test_bad_inputs();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", dir);
    return sk_test_finish("test_audio_io");
}
