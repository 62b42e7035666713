/* cmd_audio.c — `ssmkit audio prep|encode|decode|info|convert|bench|spectrogram|threshold|classifier|score`: the audio front-end's
 * commands (audio/sk_audio.h). Built with the audio front-end only (tools/ssmkit.c gates it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "tools/sk_cli.h"

int audio_generate(int argc, char **argv);   /* cmd_audio_generate.c */
int audio_classifier(int argc, char **argv); /* cmd_audio_clf.c */
int audio_score(int argc, char **argv);      /* cmd_audio_clf.c */

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
    "  spectrogram  audio files -> one picture of their spectrograms (PNG or SVG)\n"
    "  threshold the likelihood-threshold slice of generated clips (from their loglik.tsv)\n"
    "  classifier train  a digit classifier for score (log-mel frames, labelled shard)\n"
    "  score     FID / IS / mIS / AM / accuracy of clip sets through such a classifier\n"
    "\n"
    "Run 'ssmkit audio <subcommand> --help' for the options of each.\n";

#include "audio/sk_audio_metrics.h"
#include "audio/sk_audio_spectrum.h"
#include "audio/sk_audio_util.h"
#include "src/sk_io.h"
#include "src/sk_out.h"

typedef sk_audio_fileopts common;

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
    int64_t total = 0;
    if (sk_audio_encode_file(in, out, &co, &total)) return sk_cli_fail(NULL);
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
    return sk_audio_decode_file(in, out, &co) ? sk_cli_fail(NULL) : SK_EXIT_OK;
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
    return sk_audio_convert_file(argv[optind], out, &co, length, offset) ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* ---- info ------------------------------------------------------------------------------------ */

static const char *usage_info =
    "Usage: ssmkit audio info FILE\n"
    "\n"
    "Describe a token shard (examples per split and label, lengths, codec, rate, mode) or an\n"
    "audio file (format, rate, channels, frames, duration).\n"
    "\n"
    "Options:\n";

static int audio_info(int argc, char **argv) {
    const sk_opt opts[] = {SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"audio info", usage_info, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind != 1) return sk_cli_usage("audio info", "expected one file");
    return sk_audio_describe(argv[optind], stdout) ? sk_cli_fail(NULL) : SK_EXIT_OK;
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

static int audio_bench(int argc, char **argv) {
    int64_t n;
    const sk_opt opts[] = {SK_O_INT("samples", 0, &n, 1000, INT64_C(1) << 32, "4000000", "N", "samples per measurement"),
                           SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"audio bench", usage_bench, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    return sk_audio_bench(n, stdout) ? sk_cli_fail("audio bench: a measurement failed") : SK_EXIT_OK;
}

/* ---- spectrogram ------------------------------------------------------------------------------ */

static const char *usage_spectrogram =
    "Usage: ssmkit audio spectrogram IN... -o OUT.png|OUT.svg [options]\n"
    "\n"
    "Draw the spectrograms of audio files side by side, in the order given: time to the right,\n"
    "frequency up, colour = power in dB (Hann-windowed STFT through FFTW), one colour scale for\n"
    "all files. PNG (libpng) is the raster alone, one column per frame widened to at least 800\n"
    "pixels; SVG adds axes in seconds and kHz and the file names.\n"
    "\n"
    "Options:\n";

static int audio_spectrogram(int argc, char **argv) {
    const char *cmd = "audio spectrogram", *out = NULL;
    sk_audio_spectrogram_opts o;
    sk_audio_spectrogram_defaults(&o);
    int64_t rate = o.rate, n_fft = o.n_fft, hop = -1;
    const sk_opt opts[] = {
        SK_O_OUTPUT(&out, "OUT", "picture to write: .png or .svg (written atomically)"),
        SK_O_INT("rate", 0, &rate, 1, 1000000, "16000", "HZ", "files are read at this rate (resampled when they differ)"),
        SK_O_INT("fft", 0, &n_fft, 16, 65536, "512", "N", "STFT size in samples (even): N/2 + 1 frequency bins"),
        SK_O_INT("hop", 0, &hop, 1, 1 << 20, NULL, "H", "samples between frames (default N/4)"),
        SK_O_NUM("range", 0, &o.range_db, 1, 400, "90", "DB", "colours span this many dB below the loudest cell"),
        SK_O_STR("title", 0, &o.title, NULL, "TEXT", "SVG title (default: the settings)"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage_spectrogram, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!out) return sk_cli_usage(cmd, "missing -o OUT.png|OUT.svg");
    if (optind >= argc) return sk_cli_usage(cmd, "missing input files");
    size_t len = strlen(out);
    if (len < 5 || (strcasecmp(out + len - 4, ".png") && strcasecmp(out + len - 4, ".svg")))
        return sk_cli_usage(cmd, "-o %s: the name must end in .png or .svg", out);
    if (n_fft % 2) return sk_cli_usage(cmd, "--fft %lld: must be even", (long long)n_fft);
    o.rate = (int)rate;
    o.n_fft = (int)n_fft;
    o.hop = hop > 0 ? (int)hop : (int)(n_fft / 4);
    if (sk_audio_spectrogram_write(argv + optind, argc - optind, out, &o)) return sk_cli_fail(NULL);
    fprintf(stderr, "audio spectrogram: %s: %d file%s\n", out, argc - optind, argc - optind > 1 ? "s" : "");
    return SK_EXIT_OK;
}

/* ---- threshold ------------------------------------------------------------------------------- */

static const char *usage_threshold =
    "Usage: ssmkit audio threshold LOGLIK.tsv [-o KEPT.tsv] [--seed S]\n"
    "\n"
    "The likelihood-threshold slice of generated clips (audio/README.md §Speech scores): the clips\n"
    "of a loglik.tsv from 'audio generate' (rank 1 the most likely) are ordered from the least\n"
    "likely, split at random into a tuning and an evaluation half, and of the evaluation half the\n"
    "positions [floor(0.4 m), floor(0.95 m)) are kept (m its size). Prints the range, then the kept\n"
    "rows of the TSV (least likely first); -o writes those rows, with the header, to a file.\n"
    "\n"
    "Options:\n";

static int audio_threshold(int argc, char **argv) {
    const char *cmd = "audio threshold", *out = NULL;
    int64_t seed = 1;
    const sk_opt opts[] = {SK_O_OUTPUT(&out, "KEPT.tsv", "the kept rows with the header (written atomically)"),
                           SK_O_SEED(0, &seed, "seed of the tuning / evaluation split"), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage_threshold, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind != 1) return sk_cli_usage(cmd, "expected one loglik.tsv");
    sk_loglik t;
    if (sk_loglik_read(argv[optind], &t)) return sk_cli_fail(NULL);
    int64_t *keep, nk;
    char say[512];
    if (sk_loglik_threshold(argv[optind], &t, (uint64_t)seed, &keep, &nk, say, sizeof say)) return sk_loglik_free(&t), sk_cli_fail(NULL);
    printf("# %s\n", say);
    for (int64_t i = 0; i < nk; i++) printf("%s\n", t.row[keep[i] - 1]);
    int rc = 0;
    if (out) {
        sk_out o;
        rc = sk_out_open(&o, out);
        if (!rc) {
            rc = sk_out_printf(&o, "%s\n", t.header);
            for (int64_t i = 0; !rc && i < nk; i++) rc = sk_out_printf(&o, "%s\n", t.row[keep[i] - 1]);
            if (!rc) rc = sk_out_close(&o);
            else sk_out_abort(&o);
        }
    }
    free(keep);
    sk_loglik_free(&t);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

int cmd_audio(int argc, char **argv) {
    static const sk_cmd sub[] = {
        {"prep", audio_prep, "", NULL}, {"encode", audio_encode, "", NULL}, {"decode", audio_decode, "", NULL},
        {"info", audio_info, "", NULL}, {"convert", audio_convert, "", NULL}, {"bench", audio_bench, "", NULL},
        {"generate", audio_generate, "", NULL}, {"spectrogram", audio_spectrogram, "", NULL},
        {"threshold", audio_threshold, "", NULL}, {"classifier", audio_classifier, "", NULL},
        {"score", audio_score, "", NULL},
    };
    if (argc < 2) {
        fputs(usage_top, stderr);
        return SK_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return fputs(usage_top, stdout), SK_EXIT_OK;
    return sk_cmd_run(sub, (int)(sizeof sub / sizeof sub[0]), "audio", argc, argv);
}

#endif
