/* cmd_audio_generate.c — `ssmkit audio generate`: speech clips from a U-Net checkpoint by the
 * recurrent step (sk_model_step; models/README.md §U-Net), reached through `ssmkit audio generate`
 * (cmd_audio.c dispatches to audio_generate).
 *
 * Every clip c (0-based, in generation order) draws from its own stream sk_rng_seed(seed, c), so
 * the files depend on --seed but not on --batch. Step t feeds token x_t (x_0 = 128, the zero
 * sample; x_t = the clip's sample t-1) and gives the logits of sample t; prefix samples are fed
 * as they are, the others drawn with sk_sample. Log-likelihood of a clip = sum over the drawn
 * samples of log softmax(logits_t)[s_t] at temperature 1 (the model's own probability, whatever
 * --temperature/--top-p drew with).
 *
 * Threads: a recurrent step is hundreds of tiny ops, too small to split across threads (a
 * fork/join per op costs more than the op). With T threads the clips of a batch are split into
 * up to T groups instead, each stepped by its own thread with its own copy of the model (the
 * kernels inside run on one thread); clip c still draws from stream c, so files do not depend
 * on --threads or --batch.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tools/sk_cli.h"

int audio_generate(int argc, char **argv);

#ifdef SSMKIT_HAVE_AUDIO

#include "audio/sk_audio.h"
#include <cjson/cJSON.h>
#include "models/sk_model.h"
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_safetensors.h"
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

enum { RATE = SK_AUDIO_DEFAULT_RATE, V = 256 };

/* The checkpoint must hold an audio model (one trained on bos-shifted mu-law sequences: the
 * U-Net): say clearly what it is otherwise. */
static int load_model(const char *path, int64_t batch, sk_model **m) {
    sk_st *st = NULL;
    int rc = sk_st_open(path, &st);
    if (rc) return rc;
    const char *cfg = sk_st_meta(st, "config");
    cJSON *j = cfg ? cJSON_Parse(cfg) : NULL;
    sk_model_config *c = NULL;
    if (!j) rc = sk_error(SK_EFORMAT, "%s: no model config in the checkpoint metadata (not an ssmkit checkpoint)", path);
    else if (sk_model_config_read(path, 0, &c) || sk_model_config_bos(c) < 0) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "arch");
        rc = sk_error(SK_EINVAL, "%s: not an audio model (arch \"%s\"): audio generate needs a U-Net checkpoint "
                      "(\"arch\": \"unet\", 256 mu-law tokens), e.g. from ssmkit train --preset sc09-mamba-small",
                      path, cJSON_IsString(a) ? a->valuestring : "mamba-lm");
    }
    const int64_t P = rc ? 1 : sk_model_config_length_multiple(c);
    sk_model_config_free(c);
    cJSON_Delete(j);
    sk_st_close(st);
    if (rc) return rc;
    return sk_model_load(m, path, sk_backend_cpu(), batch, P, 0);
}

/* mkdir -p of one level, then prove we can create a file there. */
static int prepare_dir(const char *dir) {
    if (mkdir(dir, 0777) && errno != EEXIST) return sk_error(SK_EIO, "%s: cannot create the output folder: %s", dir, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) return sk_error(SK_EIO, "%s: not a folder", dir);
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/.ssmkit-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) return sk_error(SK_EIO, "%s: cannot write in the output folder: %s", dir, strerror(errno));
    close(fd);
    unlink(probe);
    return SK_OK;
}

typedef struct clip {
    int64_t index;
    double ll;      /* nats over the drawn samples */
} clip;

static int by_ll(const void *a, const void *b) {
    const clip *x = a, *y = b;
    if (x->ll != y->ll) return x->ll > y->ll ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* log softmax(z)[k] in double */
static double log_prob(const float *z, int k) {
    double mx = z[0], s = 0;
    for (int v = 1; v < V; v++) mx = z[v] > mx ? z[v] : mx;
    for (int v = 0; v < V; v++) s += exp((double)z[v] - mx);
    return (double)z[k] - mx - log(s);
}

typedef struct gen {
    sk_model **m;            /* (nm) model copies: one per thread */
    int nm;
    int64_t count, batch, len, npre;
    const uint8_t *prefix;   /* (npre) */
    sk_sample_params sp;
    uint64_t seed;
    uint8_t *out;            /* (count, len) */
    clip *clips;             /* (count) */
} gen;

/* Clips [c0, c0 + b) by the recurrent step of model copy m (called from one thread per copy). */
static int run_batch(gen *g, sk_model *m, int64_t c0, int64_t b, sk_progress *pb, int64_t *done) {
    sk_model_state *st = NULL;
    int rc = sk_model_state_create(m, b, &st);
    if (rc) return rc;
    int32_t *tok = malloc(sizeof(int32_t) * (size_t)b);
    float *lg = malloc(sizeof(float) * (size_t)(b * V));
    sk_rng *rng = malloc(sizeof(sk_rng) * (size_t)b);
    void *scratch = malloc(sk_sample_scratch_size(V));
    if (!tok || !lg || !rng || !scratch) rc = sk_error(SK_ENOMEM, "out of memory");
    for (int64_t r = 0; !rc && r < b; r++) {
        sk_rng_seed(&rng[r], g->seed, (uint64_t)(c0 + r));
        tok[r] = SK_AUDIO_ZERO_TOKEN;
        g->clips[c0 + r] = (clip){c0 + r, 0};
    }
    for (int64_t t = 0; !rc && t < g->len; t++) {
        rc = sk_model_step(m, st, tok, lg);  /* lg[r] = logits of sample t */
        for (int64_t r = 0; !rc && r < b; r++) {
            const float *z = lg + r * V;
            int32_t s;
            if (t < g->npre) s = g->prefix[t];
            else {
                rc = sk_sample(z, V, &g->sp, &rng[r], scratch, &s);
                if (rc) break;
                g->clips[c0 + r].ll += log_prob(z, s);
            }
            g->out[(c0 + r) * g->len + t] = (uint8_t)s;
            tok[r] = s;
        }
#pragma omp critical(audio_generate_progress)
        {
            *done += b;
            sk_progress_update(pb, *done);
        }
    }
    free(tok);
    free(lg);
    free(rng);
    free(scratch);
    sk_model_state_free(st);
    return rc;
}

/* A batch of b clips from c0 as groups of gsize, one thread and model copy per group. Errors
 * are recorded per thread (sk_error): the first failing group's message is raised again here. */
static int run_groups(gen *g, int64_t c0, int64_t b, int64_t gsize, sk_progress *pb, int64_t *done) {
    const int ng = (int)((b + gsize - 1) / gsize);
    int rc = SK_OK;
    char msg[1024] = "";
#pragma omp parallel for schedule(static, 1) num_threads(ng) if (ng > 1)
    for (int k = 0; k < ng; k++) {
        const int64_t s0 = c0 + k * gsize, n = b - k * gsize < gsize ? b - k * gsize : gsize;
        int r = run_batch(g, g->m[k], s0, n, pb, done);
        if (r) {
#pragma omp critical(audio_generate_error)
            if (!rc) rc = r, snprintf(msg, sizeof msg, "%s", sk_errmsg());
        }
    }
    return rc ? sk_error(rc, "%s", msg) : SK_OK;
}

static int write_outputs(const gen *g, const char *dir) {
    clip *rank = malloc(sizeof(clip) * (size_t)g->count);
    size_t cap = 128 + (size_t)g->count * 96;
    char *tsv = malloc(cap);
    if (!rank || !tsv) {
        free(rank);
        free(tsv);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    memcpy(rank, g->clips, sizeof(clip) * (size_t)g->count);
    qsort(rank, (size_t)g->count, sizeof *rank, by_ll);
    int width = 3; /* 3 to 7 digits */
    for (int64_t n = g->count; n >= 1000; n /= 10) width++;
    size_t pos = (size_t)snprintf(tsv, cap, "rank\tfile\tclip\tloglik_nats\tbits_per_sample\n");
    const int64_t drawn = g->len - g->npre;
    int rc = SK_OK;
    char path[4352], name[64];
    for (int64_t k = 0; !rc && k < g->count; k++) {
        snprintf(name, sizeof name, "%0*lld.wav", width & 15, (long long)(k + 1));
        snprintf(path, sizeof path, "%s/%s", dir, name);
        rc = sk_audio_write_tokens(path, g->out + rank[k].index * g->len, g->len, SK_AUDIO_MULAW, RATE, SK_AUDIO_PCM16);
        pos += (size_t)snprintf(tsv + pos, cap - pos, "%lld\t%s\t%lld\t%.6f\t%.6f\n", (long long)(k + 1), name,
                                (long long)rank[k].index, rank[k].ll, drawn ? -rank[k].ll / (double)drawn / M_LN2 : 0.0);
    }
    snprintf(path, sizeof path, "%s/loglik.tsv", dir);
    if (!rc) rc = sk_write_file_atomic(path, tsv, pos);
    free(rank);
    free(tsv);
    return rc;
}

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
        SK_O_QUIET(&quiet, "no summary on stderr"),
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
    const int nth = sk_lm_threads((int)threads);

    /* groups: up to nth per batch, each of at most gsize clips, one model copy per group */
    const int nm = (int)(nth < batch ? nth : batch);
    const int64_t gsize = (batch + nm - 1) / nm;
    gen g = {.nm = nm, .count = count, .batch = batch, .len = len, .seed = (uint64_t)seed,
             .sp = {(float)temp, 0, (float)topp}};
    float *px = NULL;
    uint8_t *pq = NULL;
    int rc = (g.m = calloc((size_t)nm, sizeof *g.m)) ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    int64_t P = 1;
    for (int k = 0; !rc && k < nm; k++) rc = load_model(model, gsize, &g.m[k]);
    if (!rc) { /* the length multiple: the longest length the loader gave the model */
        sk_model_config *c = NULL;
        rc = sk_model_config_read(model, 0, &c);
        if (!rc) P = sk_model_config_length_multiple(c);
        sk_model_config_free(c);
    }
    if (!rc && len % P)
        rc = sk_error(SK_EINVAL, "%s: %g s = %lld samples is not a multiple of the model's pool product %lld "
                      "(choose --seconds so that seconds * %d is)", model, seconds, (long long)len, (long long)P, RATE);
    if (!rc && prefix) {
        rc = sk_audio_load(prefix, RATE, SK_AUDIO_SRC_MEDIUM, &px, &g.npre);
        if (!rc && g.npre >= len)
            rc = sk_error(SK_EINVAL, "%s: the prefix has %lld samples, not fewer than the %lld of a clip", prefix,
                          (long long)g.npre, (long long)len);
        if (!rc && !(pq = malloc((size_t)(g.npre ? g.npre : 1)))) rc = sk_error(SK_ENOMEM, "out of memory");
        if (!rc) rc = sk_audio_encode(px, g.npre, SK_AUDIO_MULAW, 1, pq);
        g.prefix = pq;
    }
    if (!rc) rc = prepare_dir(dir);
    if (!rc) {
        g.out = malloc((size_t)(count * len));
        g.clips = malloc(sizeof(clip) * (size_t)count);
        if (!g.out || !g.clips) rc = sk_error(SK_ENOMEM, "out of memory for %lld clips", (long long)count);
    }
    double t0 = sk_now();
    if (!rc) {
        sk_progress pb;
        sk_progress_begin(&pb, "generate", count * len);
        int64_t done = 0;
        for (int64_t c0 = 0; !rc && c0 < count; c0 += batch)
            rc = run_groups(&g, c0, count - c0 < batch ? count - c0 : batch, gsize, &pb, &done);
        sk_progress_end(&pb);
    }
    double secs = sk_now() - t0;
    if (!rc) rc = write_outputs(&g, dir);
    if (!rc && !quiet)
        fprintf(stderr, "audio generate: %lld clips of %lld samples in %s (%.2f s, real-time factor %.3f at batch %lld)\n",
                (long long)count, (long long)len, dir, secs, (double)(count * len) / RATE / secs, (long long)batch);
    for (int k = 0; g.m && k < nm; k++) sk_model_free(g.m[k]);
    free(g.m);
    free(px);
    free(pq);
    free(g.out);
    free(g.clips);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

#endif
