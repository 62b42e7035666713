/* cmd_audio_generate.c — `ssmkit audio generate` (cmd_audio.c dispatches to audio_generate):
 * speech clips from a U-Net checkpoint by the recurrent step. The options and the prefix are read
 * here; the clips are drawn by models/sk_generate.h (one stream per clip, so the files depend on
 * --seed but not on --batch or --threads; models/README.md §Generation) and written, ranked by
 * log-likelihood, by audio/sk_audio_util.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tools/sk_cli.h"

int audio_generate(int argc, char **argv);

#ifdef SSMKIT_HAVE_AUDIO

#include "audio/sk_audio_util.h"
#include "models/sk_generate.h"
#include "src/sk_progress.h"
#include "src/sk_sample.h"
#include "kernels/sk_runtime.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

static const char *usage =
    "Usage: ssmkit audio generate --model M --count N --seconds S -o DIR [options]\n"
    "\n"
    "Generate N clips of S seconds (16 kHz, 8-bit mu-law decoded to PCM16 WAV) from a U-Net\n"
    "checkpoint (ssmkit train with an sc09-*/ytmix-* preset) by the recurrent step, starting from\n"
    "token 128 (silence) or after a prefix. Writes DIR/NNN.wav ranked by total log-likelihood\n"
    "(001 = most likely) and DIR/loglik.tsv (rank, file, clip, loglik_nats, bits_per_sample).\n"
    "\n"
    "Options:\n";

enum { RATE = SK_AUDIO_DEFAULT_RATE };

int audio_generate(int argc, char **argv) {
    const char *cmd = "audio generate", *model = NULL, *dir = NULL, *prefix = NULL;
    int64_t count, batch, seed, threads;
    double seconds = NAN, temp, topp;
    int quiet = 0;
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "U-Net checkpoint (.safetensors)"),
        SK_O_INT("count", 'n', &count, 1, 1000000, "1", "N", "clips to generate"),
        SK_O_NUM("seconds", 'S', &seconds, 1.0 / RATE, 3600, NULL, "S",
                 "seconds per clip (prefix included); S * 16000 samples, which must\n"
                 "be a multiple of the model's pool product"),
        SK_O_NUM("temperature", 't', &temp, 0, 100, "1", "T", "sampling temperature, 0 = greedy"),
        SK_O_NUM("top-p", 0, &topp, 0, 1, "0", "P", "nucleus sampling, 0 or 1 = off"),
        SK_O_SEED('s', &seed, "random seed; clip c uses stream c"),
        SK_O_INT("batch", 'b', &batch, 1, 65536, "16", "B", "clips generated together"),
        SK_O_STR("prefix", 0, &prefix, NULL, "WAV", "start every clip with this audio (resampled to 16 kHz, mu-law with\n"
                                                    "per-clip min-max as in audio prep), continued by the model"),
        SK_O_OUTPUT(&dir, "DIR", "output folder (created if missing)"),
        SK_O_THREADS(&threads, "threads, 0 = all cores"),
        SK_O_QUIET(&quiet, "no progress line or summary on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!model) return sk_cli_usage(cmd, "missing --model M");
    if (!dir) return sk_cli_usage(cmd, "missing -o DIR");
    if (isnan(seconds)) return sk_cli_usage(cmd, "missing --seconds S");
    const double exact = seconds * RATE;
    const int64_t len = (int64_t)llround(exact);
    if (fabs(exact - (double)len) > 1e-6)
        return sk_cli_usage(cmd, "--seconds %g is not a whole number of samples at %d Hz", seconds, RATE);
    if (batch > count) batch = count;
    const int nth = sk_runtime_threads((int)threads);
    sk_clipgen *g = NULL;
    float *px = NULL;
    uint8_t *pq = NULL, *out = NULL;
    double *ll = NULL;
    int64_t npre = 0, *order = NULL;
    int rc = sk_clipgen_create(&g, model, batch, nth);
    const int64_t P = rc ? 1 : sk_clipgen_length_multiple(g);
    if (!rc && len % P)
        rc = sk_error(SK_EINVAL, "%s: %g s = %lld samples is not a multiple of the model's pool product %lld "
                      "(choose --seconds so that seconds * %d is)", model, seconds, (long long)len, (long long)P, RATE);
    if (!rc && prefix) {
        rc = sk_audio_load(prefix, RATE, SK_AUDIO_SRC_MEDIUM, &px, &npre);
        if (!rc && npre >= len)
            rc = sk_error(SK_EINVAL, "%s: the prefix has %lld samples, not fewer than the %lld of a clip", prefix,
                          (long long)npre, (long long)len);
        if (!rc && !(pq = malloc((size_t)(npre ? npre : 1)))) rc = sk_error(SK_ENOMEM, "out of memory");
        if (!rc) rc = sk_audio_encode(px, npre, SK_AUDIO_MULAW, 1, pq);
    }
    if (!rc) rc = sk_audio_prepare_dir(dir);
    if (!rc) {
        out = malloc((size_t)(count * len));
        ll = malloc(sizeof(double) * (size_t)count);
        order = malloc(sizeof(int64_t) * (size_t)count);
        if (!out || !ll || !order) rc = sk_error(SK_ENOMEM, "out of memory for %lld clips", (long long)count);
    }
    const sk_sample_params sp = {(float)temp, 0, (float)topp};
    double t0 = sk_now();
    sk_progress pb;
    sk_progress_open(&pb, "audio generate", "samples", count * len, quiet);
    if (!rc) rc = sk_clipgen_run(g, count, len, pq, npre, &sp, (uint64_t)seed, out, ll, &pb);
    sk_progress_end(&pb);
    double secs = sk_now() - t0;
    if (!rc) rc = sk_clip_rank(ll, count, order);
    if (!rc) rc = sk_audio_write_ranked(dir, out, count, len, len - npre, order, ll, RATE);
    if (!rc && !quiet)
        fprintf(stderr, "audio generate: %lld clips of %lld samples in %s (%.2f s, real-time factor %.3f at batch %lld)\n",
                (long long)count, (long long)len, dir, secs, (double)(count * len) / RATE / secs, (long long)batch);
    sk_clipgen_free(g);
    free(px);
    free(pq);
    free(out);
    free(ll);
    free(order);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

#endif
