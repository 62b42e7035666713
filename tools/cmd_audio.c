/* cmd_audio.c — `ssmkit audio prep|encode|decode|info|convert|bench`: the audio front-end's
 * commands (audio/sk_audio.h). Built with the audio front-end only (tools/ssmkit.c gates it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/sk_cli.h"

int audio_generate(int argc, char **argv);   /* cmd_audio_generate.c */

#ifdef SSMKIT_HAVE_AUDIO

static const char *usage_top =
    "Usage: ssmkit audio <subcommand> [options]\n"
    "\n"
    "Audio front-end: SaShiMi's 8-bit mu-law / linear codec, audio files (WAV, FLAC, OGG, AIFF,\n"
    "MP3; mixed to mono, resampled), and token shards for training.\n"
    "\n"
    "Subcommands:\n"
    "  prep      audio files or folders -> token shard (clips or chunks, splits, labels)\n"
    "  encode    audio file -> headerless .mulaw tokens (one uint8 per sample)\n"
    "  decode    .mulaw tokens -> WAV\n"
    "  info      describe a token shard or an audio file\n"
    "  convert   audio file -> mono WAV at a rate, optionally placed in a fixed-length clip\n"
    "  bench     encode / decode / resample / prep throughput (samples/s)\n"
    "  generate  clips from a U-Net checkpoint (ranked WAVs + log-likelihood TSV)\n"
    "\n"
    "Run 'ssmkit audio <subcommand> --help' for the options of each.\n";

#include "audio/sk_audio.h"
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_shard.h"
#include <cjson/cJSON.h>

typedef struct common {
    int rate;
    sk_audio_codec codec;
    int minmax;
    sk_audio_quality quality;
    sk_audio_sample_format fmt;
} common;

static int codec_opt(const char *cmd, const sk_opt *o, const char *arg) {
    return sk_audio_codec_parse(arg, o->dst) ? (sk_cli_usage(cmd, "--codec: %s", sk_errmsg()), -1) : 0;
}
static int quality_opt(const char *cmd, const sk_opt *o, const char *arg) {
    return sk_audio_quality_parse(arg, o->dst) ? (sk_cli_usage(cmd, "--quality: %s", sk_errmsg()), -1) : 0;
}

/* The options every subcommand that reads or writes audio takes (common co). */
#define COMMON_OPTS(co)                                                                            \
    SK_O_INT("rate", 0, &(co).rate, 1, 1000000, NULL, "HZ",                                        \
             "sample rate (default 16000): input is resampled to it; decode\nwrites it in the WAV header"), \
        SK_O_FN("codec", 0, &(co).codec, codec_opt, NULL, "NAME", "mulaw (default, mu = 255) or linear (8-bit)"),    \
        SK_O_SET("no-minmax", 0, &(co).minmax, 0, "do not min-max scale each example to full range (SaShiMi does)"), \
        SK_O_FN("quality", 0, &(co).quality, quality_opt, NULL, "Q",                              \
                "resampler: medium (default; libsamplerate SINC_MEDIUM, 90% band), best,\nfast"),  \
        SK_O_SET("float", 0, &(co).fmt, SK_AUDIO_FLOAT, "32-bit float WAV instead of 16-bit PCM (decode, convert)"), \
        SK_O_HELP

/* ---- prep ---------------------------------------------------------------------------------- */

static const char *usage_prep =
    "Usage: ssmkit audio prep IN... -o SHARD [options]\n"
    "\n"
    "Turn audio files (or folders, walked recursively) into one token shard. Each file's label is\n"
    "its parent folder's name. Every example is min-max scaled and mu-law encoded on its own.\n"
    "\n"
    "Options:\n";

static int parse_split(const char *s, double f[3]) {
    char *end;
    for (int k = 0; k < 3; k++) {
        f[k] = strtod(s, &end);
        if (end == s || !isfinite(f[k]) || f[k] < 0 || (k < 2 && *end != ',') || (k == 2 && *end)) return -1;
        s = end + 1;
    }
    return fabs(f[0] + f[1] + f[2] - 1) < 1e-6 ? 0 : -1;
}

static int split_opt(const char *cmd, const sk_opt *o, const char *arg) {
    if (parse_split(arg, o->dst)) return sk_cli_usage(cmd, "--split: '%s' is not three fractions T,V,E summing to 1", arg), -1;
    return 0;
}

static int audio_prep(int argc, char **argv) {
    const char *cmd = "audio prep", *out = NULL;
    sk_audio_prep_opts o;
    sk_audio_prep_defaults(&o);
    common co = {o.rate, o.codec, o.minmax, o.quality, SK_AUDIO_PCM16};
    int quiet = 0;
    static const int modes[] = {SK_AUDIO_CLIPS, SK_AUDIO_CHUNKS};
    const sk_opt opts[] = {
        SK_O_OUTPUT(&out, "SHARD", "output token shard (written atomically)"),
        SK_O_CHOICE("mode", 0, &o.mode, "clips|chunks", modes, NULL,
                    "clips (default, SC09): one example per file, its first --length\n"
                    "samples, shorter files kept at their length (padded with 128 at batch\n"
                    "time, padded targets ignored); chunks (YouTubeMix): consecutive\n"
                    "non-overlapping chunks of --length, remainder dropped"),
        SK_O_INT("length", 0, &o.length, 1, INT64_C(1) << 40, NULL, "N", "clip maximum / chunk length in samples (default 16000)"),
        SK_O_FN("split", 0, o.split, split_opt, NULL, "T,V,E", "train,valid,test fractions by file (default 0.9,0.05,0.05)"),
        SK_O_STR("split-lists", 0, &o.split_lists, NULL, "DIR", "SC09 split: DIR/validation_list.txt and DIR/testing_list.txt\n"
                                                             "(lines 'label/file.wav'); files in neither list are train"),
        SK_O_INT("seed", 0, &o.seed, 0, INT64_MAX, NULL, "S", "file shuffle before the fractional split (default 1)"),
        SK_O_SET("no-shuffle", 0, &o.shuffle, 0, "split files in natural order instead (YouTubeMix: first 88% train)"),
        SK_O_FLAG("skip-bad", 0, &o.skip_bad, "skip unreadable files (counted) instead of failing"),
        SK_O_QUIET(&quiet, "no progress bar (the summary with the skip counts is always printed)"),
        COMMON_OPTS(co), SK_O_END};
    static const char *epilog = "\nConstant (silent) examples are skipped with a warning and counted.\n";
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage_prep, opts, epilog}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!out) return sk_cli_usage(cmd, "missing -o SHARD");
    if (optind >= argc) return sk_cli_usage(cmd, "missing input files or folders");
    o.rate = co.rate;
    o.codec = co.codec;
    o.minmax = co.minmax;
    o.quality = co.quality;
    o.progress = !quiet;
    char **files;
    int64_t nf;
    if (sk_audio_list_files(argv + optind, argc - optind, &files, &nf)) return sk_cli_fail(NULL);
    sk_audio_prep_stats st;
    int rc = sk_audio_prep(files, nf, out, &o, &st);
    sk_audio_free_list(files, nf);
    if (rc) return sk_cli_fail(NULL);
    fprintf(stderr,
                "audio prep: %s: %lld examples (train %lld, valid %lld, test %lld) from %lld files, %lld samples; "
                "skipped: %lld bad, %lld silent, %lld short; %lld clips cut to %lld; %.2f s (%.3g samples/s)\n",
                out, (long long)st.examples, (long long)st.per_split[0], (long long)st.per_split[1], (long long)st.per_split[2],
                (long long)st.files, (long long)st.samples, (long long)st.skipped_bad, (long long)st.skipped_silent,
                (long long)st.skipped_short, (long long)st.cut, (long long)o.length, st.seconds,
                st.seconds > 0 ? st.samples / st.seconds : 0.0);
    return SK_EXIT_OK;
}

/* ---- encode / decode / convert ---------------------------------------------------------------- */

static const char *usage_encode =
    "Usage: ssmkit audio encode IN -o OUT.mulaw [options]\n"
    "\n"
    "Encode an audio file (mono mix, resampled to --rate) as headerless uint8 tokens, one per\n"
    "sample. Min-max scaling (default) spans the whole file; a constant (silent) file is an error.\n"
    "Long files are streamed (two passes with min-max).\n"
    "\n"
    "Options:\n";

/* Parse "IN -o OUT" and the shared options. Returns -1 to go on, else the exit code. */
static int parse_in_out(int argc, char **argv, const char *cmd, const char *usage, const char *out_help, common *co,
                        const char **in, const char **out) {
    *out = NULL;
    const sk_opt opts[] = {SK_O_OUTPUT(out, "FILE", out_help), COMMON_OPTS(*co), SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!*out) return sk_cli_usage(cmd, "missing -o OUTPUT");
    if (argc - optind != 1) return sk_cli_usage(cmd, "expected one input file");
    *in = argv[optind];
    return -1;
}

static int audio_encode(int argc, char **argv) {
    common co = {SK_AUDIO_DEFAULT_RATE, SK_AUDIO_MULAW, 1, SK_AUDIO_SRC_MEDIUM, SK_AUDIO_PCM16};
    const char *in, *out;
    int ex = parse_in_out(argc, argv, "audio encode", usage_encode, "output tokens (written atomically)", &co, &in, &out);
    if (ex >= 0) return ex;
    sk_audio_reader *r;
    if (sk_audio_open(&r, in, co.rate, co.quality)) return sk_cli_fail(NULL);
    enum { B = 65536 };
    float *x = malloc(sizeof(float) * B);
    uint8_t *q = malloc(B);
    int rc = x && q ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    int64_t got, total = 0;
    double mn = INFINITY, mx = -INFINITY;
    if (co.minmax) {   /* pass 1: min and max over the whole file */
        while (rc == SK_OK && (rc = sk_audio_read(r, x, B, &got)) == SK_OK) {
            float a, b;
            rc = sk_audio_minmax(x, got, &a, &b, NULL);
            mn = fmin(mn, a), mx = fmax(mx, b);
        }
        if (rc == SK_EOF) rc = mn < mx ? sk_audio_rewind(r)
                                       : sk_error(SK_EINVAL, "%s: constant (silent) audio (every sample is %g): min-max scaling is undefined; use --no-minmax", in, mn);
    }
    sk_afile af = {0};
    if (rc == SK_OK) rc = sk_afile_open(&af, out);
    while (rc == SK_OK && (rc = sk_audio_read(r, x, B, &got)) == SK_OK) {
        rc = co.minmax ? sk_audio_encode_range(x, got, co.codec, mn, mx, q) : sk_audio_encode(x, got, co.codec, 0, q);
        if (rc == SK_OK) rc = sk_afile_write(&af, q, (size_t)got);
        total += got;
    }
    if (rc == SK_EOF) rc = sk_afile_commit(&af);
    else if (af.tmp) sk_afile_abort(&af);
    sk_audio_close(r);
    free(x);
    free(q);
    if (rc) return sk_cli_fail(NULL);
    fprintf(stderr, "audio encode: %s: %lld tokens at %d Hz (%s%s)\n", out, (long long)total, co.rate, sk_audio_codec_name(co.codec),
            co.minmax ? ", min-max" : "");
    return SK_EXIT_OK;
}

static const char *usage_decode =
    "Usage: ssmkit audio decode IN.mulaw -o OUT.wav [options]\n"
    "\n"
    "Decode headerless uint8 tokens to a mono WAV (16-bit PCM, or float with --float).\n"
    "\n"
    "Options:\n";

static int audio_decode(int argc, char **argv) {
    common co = {SK_AUDIO_DEFAULT_RATE, SK_AUDIO_MULAW, 1, SK_AUDIO_SRC_MEDIUM, SK_AUDIO_PCM16};
    const char *in, *out;
    int ex = parse_in_out(argc, argv, "audio decode", usage_decode, "output WAV (written atomically)", &co, &in, &out);
    if (ex >= 0) return ex;
    sk_map m;
    if (sk_map_open(&m, in)) return sk_cli_fail(NULL);
    int rc = m.size == 0 ? sk_error(SK_EFORMAT, "%s: empty file: no tokens to decode", in)
                         : sk_audio_write_tokens(out, m.data, m.size, co.codec, co.rate, co.fmt);
    sk_map_close(&m);
    if (rc) return sk_cli_fail(NULL);
    return SK_EXIT_OK;
}

static const char *usage_convert =
    "Usage: ssmkit audio convert IN -o OUT.wav [options]\n"
    "\n"
    "Read any audio file, mix to mono, resample to --rate and write a WAV. With --length N the\n"
    "output is exactly N samples: zeros, with the audio placed at --offset K (cut at the end).\n"
    "\n"
    "Options:\n";

static int audio_convert(int argc, char **argv) {
    const char *cmd = "audio convert", *out = NULL;
    common co = {SK_AUDIO_DEFAULT_RATE, SK_AUDIO_MULAW, 1, SK_AUDIO_SRC_MEDIUM, SK_AUDIO_PCM16};
    int64_t length = -1, offset = 0;
    const sk_opt opts[] = {
        SK_O_OUTPUT(&out, "FILE", "output WAV (written atomically)"),
        SK_O_INT("length", 0, &length, 1, INT64_C(1) << 40, NULL, "N", "output length in samples (default: the input's length)"),
        SK_O_INT("offset", 0, &offset, 0, INT64_C(1) << 40, "0", "K", "where the audio starts within --length"),
        COMMON_OPTS(co), SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage_convert, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!out) return sk_cli_usage(cmd, "missing -o OUT.wav");
    if (argc - optind != 1) return sk_cli_usage(cmd, "expected one input file");
    float *x;
    int64_t n;
    if (sk_audio_load(argv[optind], co.rate, co.quality, &x, &n)) return sk_cli_fail(NULL);
    int rc;
    if (length < 0) {
        rc = sk_audio_write_wav(out, x, n, co.rate, co.fmt);
    } else {
        float *y = calloc((size_t)length, sizeof(float));
        if (!y) rc = sk_error(SK_ENOMEM, "out of memory");
        else {
            for (int64_t i = 0; i < n && offset + i < length; i++) y[offset + i] = x[i];
            rc = sk_audio_write_wav(out, y, length, co.rate, co.fmt);
        }
        free(y);
    }
    free(x);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* ---- info ------------------------------------------------------------------------------------ */

static const char *usage_info =
    "Usage: ssmkit audio info FILE\n"
    "\n"
    "Describe a token shard (examples per split and label, lengths, codec, rate, mode) or an\n"
    "audio file (format, rate, channels, frames, duration).\n"
    "\n"
    "Options:\n";

static void print_meta_key(const cJSON *m, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    if (!v) return;
    char *s = cJSON_PrintUnformatted(v);
    printf("%-12s %s\n", key, s ? s : "?");
    free(s);
}

static int shard_info(const char *path) {
    sk_shard *s;
    if (sk_shard_open(path, &s)) return sk_cli_fail(NULL);
    int64_t n = sk_shard_count(s), per[3] = {0}, lmin = INT64_MAX, lmax = 0;
    cJSON *m = cJSON_Parse(sk_shard_meta(s));
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(m, "labels");
    int nl = cJSON_IsArray(labels) ? cJSON_GetArraySize(labels) : 0;
    int64_t *per_label = calloc((size_t)nl + 1, sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) {
        sk_shard_example e = sk_shard_get(s, i);
        if (e.split >= 0 && e.split < 3) per[e.split]++;
        if (e.length < lmin) lmin = e.length;
        if (e.length > lmax) lmax = e.length;
        if (per_label && e.label >= 0 && e.label < nl) per_label[e.label]++;
    }
    printf("%-12s %s\n", "shard", path);
    printf("%-12s %lld (train %lld, valid %lld, test %lld)\n", "examples", (long long)n, (long long)per[0], (long long)per[1],
           (long long)per[2]);
    printf("%-12s %lld\n", "tokens", (long long)sk_shard_total_tokens(s));
    printf("%-12s min %lld, mean %.1f, max %lld\n", "length", (long long)(n ? lmin : 0), n ? (double)sk_shard_total_tokens(s) / n : 0.0,
           (long long)lmax);
    printf("%-12s %lld, pad_token %d, pad_rule %s\n", "vocab", (long long)sk_shard_vocab_size(s), sk_shard_pad_token(s),
           sk_shard_pad_ignore(s) ? "ignore" : "none");
    static const char *keys[] = {"domain", "codec", "mu", "minmax", "rate", "mode", "length"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) print_meta_key(m, keys[k]);
    if (nl && per_label) {
        printf("%-12s %d:", "labels", nl);
        for (int k = 0; k < nl; k++) {
            const cJSON *l = cJSON_GetArrayItem(labels, k);
            printf(" %s=%lld", cJSON_IsString(l) ? l->valuestring : "?", (long long)per_label[k]);
        }
        printf("\n");
    }
    free(per_label);
    cJSON_Delete(m);
    sk_shard_close(s);
    return SK_EXIT_OK;
}

static int audio_info(int argc, char **argv) {
    const sk_opt opts[] = {SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"audio info", usage_info, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind != 1) return sk_cli_usage("audio info", "expected one file");
    const char *path = argv[optind];
    char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    if (f) {
        size_t k = fread(magic, 1, 8, f);
        (void)k;
        fclose(f);
    }
    if (!memcmp(magic, SK_SHARD_MAGIC, 8)) return shard_info(path);
    sk_audio_reader *r;
    if (sk_audio_open(&r, path, 0, SK_AUDIO_SRC_MEDIUM)) return sk_cli_fail(NULL);
    const sk_audio_info *in = sk_audio_reader_info(r);
    printf("%-12s %s\n%-12s %s\n%-12s %d Hz\n%-12s %d\n%-12s %lld (%.3f s)\n", "file", path, "format", in->format_name, "rate", in->rate,
           "channels", in->channels, "frames", (long long)in->frames, (double)in->frames / in->rate);
    sk_audio_close(r);
    return SK_EXIT_OK;
}

/* ---- bench ----------------------------------------------------------------------------------- */

static const char *usage_bench =
    "Usage: ssmkit audio bench [--samples N]\n"
    "\n"
    "Throughput on synthetic audio (a chirp plus noise): array encode (table search) against\n"
    "the reference formula per sample, table decode, min-max, and resampling 22050 -> 16000 Hz\n"
    "through a temporary WAV at each resampler quality, and prep of that WAV in chunks mode\n"
    "(16384-sample chunks at 16 kHz: read, resample, min-max, encode, write the shard).\n"
    "Prints input samples per second.\n"
    "\n"
    "Options:\n";

static double best_of(int reps, double (*fn)(void *), void *arg) {
    double best = INFINITY;
    for (int i = 0; i < reps; i++) {
        double t = fn(arg);
        if (t < best) best = t;
    }
    return best;
}

typedef struct bench_arg {
    float *x, *y;
    uint8_t *q;
    int64_t n;
    const char *wav;
    sk_audio_quality quality;
    int failed;
} bench_arg;

static double b_encode(void *p) {
    bench_arg *a = p;
    double t = sk_now();
    a->failed |= sk_audio_encode(a->x, a->n, SK_AUDIO_MULAW, 1, a->q) != 0;
    return sk_now() - t;
}
static double b_encode_ref(void *p) {
    bench_arg *a = p;
    double t = sk_now();
    float mn, mx;
    a->failed |= sk_audio_minmax(a->x, a->n, &mn, &mx, NULL) != 0;
    double den = (double)mx - mn + 1e-6;
    for (int64_t i = 0; i < a->n; i++) a->q[i] = (uint8_t)sk_audio_encode1_ref(-1.0 + 2.0 * ((double)a->x[i] - mn) / den, SK_AUDIO_MULAW);
    return sk_now() - t;
}
static double b_decode(void *p) {
    bench_arg *a = p;
    double t = sk_now();
    sk_audio_decode(a->q, a->n, SK_AUDIO_MULAW, a->y);
    return sk_now() - t;
}
static double b_resample(void *p) {
    bench_arg *a = p;
    double t = sk_now();
    float *x;
    int64_t n;
    a->failed |= sk_audio_load(a->wav, 16000, a->quality, &x, &n) != 0;
    free(x);
    return sk_now() - t;
}

static double b_prep(void *p) {
    bench_arg *a = p;
    sk_audio_prep_opts o;
    sk_audio_prep_defaults(&o);
    o.mode = SK_AUDIO_CHUNKS;
    o.length = 16384;
    char shard[96], *files[1] = {(char *)a->wav};
    snprintf(shard, sizeof shard, "%s.shard", a->wav);
    sk_audio_prep_stats st;
    double t = sk_now();
    a->failed |= sk_audio_prep(files, 1, shard, &o, &st) != 0;
    t = sk_now() - t;
    unlink(shard);
    return t;
}

static int audio_bench(int argc, char **argv) {
    int64_t n;
    const sk_opt opts[] = {SK_O_INT("samples", 0, &n, 1000, INT64_C(1) << 32, "4000000", "N", "samples per measurement"),
                           SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"audio bench", usage_bench, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    bench_arg a = {malloc(sizeof(float) * n), malloc(sizeof(float) * n), malloc(n), n, NULL, SK_AUDIO_SRC_MEDIUM, 0};
    if (!a.x || !a.y || !a.q) return free(a.x), free(a.y), free(a.q), sk_error(SK_ENOMEM, "out of memory"), sk_cli_fail(NULL);
    uint64_t s = 88172645463325252ull;
    for (int64_t i = 0; i < n; i++) {   /* chirp + small noise (xorshift) */
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double tt = (double)i / 22050;
        a.x[i] = (float)(0.5 * sin(2 * M_PI * (200 + 400 * tt) * tt) + 0.01 * ((double)(s >> 11) / 9007199254740992.0 - 0.5));
    }
    printf("%-28s %14s %12s\n", "operation", "samples/s", "ns/sample");
    double t;
#define ROW(name, secs) printf("%-28s %14.4g %12.2f\n", name, n / (secs), 1e9 * (secs) / n)
    t = best_of(3, b_encode, &a), ROW("encode mulaw (table)", t);
    t = best_of(3, b_encode_ref, &a), ROW("encode mulaw (ref formula)", t);
    t = best_of(3, b_decode, &a), ROW("decode mulaw (table)", t);
    char tmpl[] = "/tmp/ssmkit-bench-XXXXXX";
    int fd = mkstemp(tmpl);
    int rc = fd < 0 ? sk_error(SK_EIO, "cannot create a temporary file in /tmp") : SK_OK;
    if (fd >= 0) close(fd);
    char wav[64];
    snprintf(wav, sizeof wav, "%s.wav", tmpl);
    if (rc == SK_OK) rc = sk_audio_write_wav(wav, a.x, n, 22050, SK_AUDIO_FLOAT);
    if (rc == SK_OK) {
        a.wav = wav;
        static const char *qn[] = {"read+resample medium", "read+resample best", "read+resample fast"};
        for (int k = 0; k < 3; k++) {
            a.quality = (sk_audio_quality)k;
            t = best_of(k == SK_AUDIO_SRC_BEST ? 1 : 2, b_resample, &a);
            ROW(qn[k], t);
        }
        t = best_of(2, b_prep, &a), ROW("prep chunks (resample+enc)", t);
        unlink(wav);
    }
    unlink(tmpl);
    free(a.x);
    free(a.y);
    free(a.q);
    if (rc || a.failed) return sk_cli_fail("audio bench: a measurement failed");
    printf("(rates are input samples per second; resampling reads a 22050 Hz float WAV)\n");
    return SK_EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

int cmd_audio(int argc, char **argv) {
    static const sk_cmd sub[] = {
        {"prep", audio_prep, "", NULL}, {"encode", audio_encode, "", NULL}, {"decode", audio_decode, "", NULL},
        {"info", audio_info, "", NULL}, {"convert", audio_convert, "", NULL}, {"bench", audio_bench, "", NULL},
        {"generate", audio_generate, "", NULL},
    };
    if (argc < 2) {
        fputs(usage_top, stderr);
        return SK_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return fputs(usage_top, stdout), SK_EXIT_OK;
    return sk_cmd_run(sub, (int)(sizeof sub / sizeof sub[0]), "audio", argc, argv);
}

#endif
