/* sk_audio_util.c — see sk_audio_util.h. */
#include "audio/sk_audio_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_shard.h"

/* ---- encode / decode / convert ---- */

int sk_audio_encode_file(const char *in, const char *out, const sk_audio_fileopts *o, int64_t *tokens) {
    const sk_audio_fileopts co = *o;
    sk_audio_reader *r;
    int rc = sk_audio_open(&r, in, co.rate, co.quality);
    if (rc) return rc;
    enum { B = 65536 };
    float *x = malloc(sizeof(float) * B);
    uint8_t *q = malloc(B);
    rc = x && q ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
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
    *tokens = total;
    return rc;
}

int sk_audio_decode_file(const char *in, const char *out, const sk_audio_fileopts *o) {
    sk_map m;
    int rc = sk_map_open(&m, in);
    if (rc) return rc;
    rc = m.size == 0 ? sk_error(SK_EFORMAT, "%s: empty file: no tokens to decode", in)
                     : sk_audio_write_tokens(out, m.data, m.size, o->codec, o->rate, o->fmt);
    sk_map_close(&m);
    return rc;
}

int sk_audio_convert_file(const char *in, const char *out, const sk_audio_fileopts *o, int64_t length, int64_t offset) {
    const sk_audio_fileopts co = *o;
    float *x;
    int64_t n;
    int rc = sk_audio_load(in, co.rate, co.quality, &x, &n);
    if (rc) return rc;
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
    return rc;
}

/* ---- describe ---- */

static void print_meta_key(FILE *out, const cJSON *m, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    if (!v) return;
    char *s = cJSON_PrintUnformatted(v);
    fprintf(out, "%-12s %s\n", key, s ? s : "?");
    free(s);
}

static int shard_info(const char *path, FILE *out) {
    sk_shard *s;
    int rc = sk_shard_open(path, &s);
    if (rc) return rc;
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
    fprintf(out, "%-12s %s\n", "shard", path);
    fprintf(out, "%-12s %lld (train %lld, valid %lld, test %lld)\n", "examples", (long long)n, (long long)per[0], (long long)per[1],
           (long long)per[2]);
    fprintf(out, "%-12s %lld\n", "tokens", (long long)sk_shard_total_tokens(s));
    fprintf(out, "%-12s min %lld, mean %.1f, max %lld\n", "length", (long long)(n ? lmin : 0), n ? (double)sk_shard_total_tokens(s) / n : 0.0,
           (long long)lmax);
    fprintf(out, "%-12s %lld, pad_token %d, pad_rule %s\n", "vocab", (long long)sk_shard_vocab_size(s), sk_shard_pad_token(s),
           sk_shard_pad_ignore(s) ? "ignore" : "none");
    static const char *keys[] = {"domain", "codec", "mu", "minmax", "rate", "mode", "length"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) print_meta_key(out, m, keys[k]);
    if (nl && per_label) {
        fprintf(out, "%-12s %d:", "labels", nl);
        for (int k = 0; k < nl; k++) {
            const cJSON *l = cJSON_GetArrayItem(labels, k);
            fprintf(out, " %s=%lld", cJSON_IsString(l) ? l->valuestring : "?", (long long)per_label[k]);
        }
        fprintf(out, "\n");
    }
    free(per_label);
    cJSON_Delete(m);
    sk_shard_close(s);
    return SK_OK;
}

int sk_audio_describe(const char *path, FILE *out) {
    char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    if (f) {
        size_t k = fread(magic, 1, 8, f);
        (void)k;
        fclose(f);
    }
    if (!memcmp(magic, SK_SHARD_MAGIC, 8)) return shard_info(path, out);
    sk_audio_reader *r;
    int rc = sk_audio_open(&r, path, 0, SK_AUDIO_SRC_MEDIUM);
    if (rc) return rc;
    const sk_audio_info *in = sk_audio_reader_info(r);
    fprintf(out, "%-12s %s\n%-12s %s\n%-12s %d Hz\n%-12s %d\n%-12s %lld (%.3f s)\n", "file", path, "format", in->format_name, "rate", in->rate,
           "channels", in->channels, "frames", (long long)in->frames, (double)in->frames / in->rate);
    sk_audio_close(r);
    return SK_OK;
}

/* ---- generated clips ---- */

/* mkdir -p, then prove we can create a file there. */
int sk_audio_prepare_dir(const char *dir) {
    int rc = sk_mkdir_p(dir);
    if (rc) return rc;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/.ssmkit-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) return sk_error(SK_EIO, "%s: cannot write in the output folder: %s", dir, strerror(errno));
    close(fd);
    unlink(probe);
    return SK_OK;
}

int sk_audio_write_ranked(const char *dir, const uint8_t *tok, int64_t count, int64_t len, int64_t drawn,
                          const int64_t *order, const double *ll, int rate) {
    size_t cap = 128 + (size_t)count * 96;
    char *tsv = malloc(cap);
    if (!tsv) return sk_error(SK_ENOMEM, "out of memory");
    int width = 3; /* 3 to 7 digits */
    for (int64_t n = count; n >= 1000; n /= 10) width++;
    size_t pos = (size_t)snprintf(tsv, cap, "rank\tfile\tclip\tloglik_nats\tbits_per_sample\n");
    int rc = SK_OK;
    char path[4352], name[64];
    for (int64_t k = 0; !rc && k < count; k++) {
        const int64_t c = order[k];
        snprintf(name, sizeof name, "%0*lld.wav", width & 15, (long long)(k + 1));
        snprintf(path, sizeof path, "%s/%s", dir, name);
        rc = sk_audio_write_tokens(path, tok + c * len, len, SK_AUDIO_MULAW, rate, SK_AUDIO_PCM16);
        pos += (size_t)snprintf(tsv + pos, cap - pos, "%lld\t%s\t%lld\t%.6f\t%.6f\n", (long long)(k + 1), name,
                                (long long)c, ll[c], drawn ? -ll[c] / (double)drawn / M_LN2 : 0.0);
    }
    snprintf(path, sizeof path, "%s/loglik.tsv", dir);
    if (!rc) rc = sk_write_file_atomic(path, tsv, pos);
    free(tsv);
    return rc;
}

/* ---- bench ---- */

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

int sk_audio_bench(int64_t n, FILE *out) {
    bench_arg a = {malloc(sizeof(float) * n), malloc(sizeof(float) * n), malloc(n), n, NULL, SK_AUDIO_SRC_MEDIUM, 0};
    if (!a.x || !a.y || !a.q) return free(a.x), free(a.y), free(a.q), sk_error(SK_ENOMEM, "out of memory");
    uint64_t s = 88172645463325252ull;
    for (int64_t i = 0; i < n; i++) {   /* chirp + small noise (xorshift) */
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double tt = (double)i / 22050;
        a.x[i] = (float)(0.5 * sin(2 * M_PI * (200 + 400 * tt) * tt) + 0.01 * ((double)(s >> 11) / 9007199254740992.0 - 0.5));
    }
    fprintf(out, "%-28s %14s %12s\n", "operation", "samples/s", "ns/sample");
    double t;
#define ROW(name, secs) fprintf(out, "%-28s %14.4g %12.2f\n", name, n / (secs), 1e9 * (secs) / n)
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
    if (rc || a.failed) return rc ? rc : SK_EIO; /* a failed measurement recorded its message */
    fprintf(out, "(rates are input samples per second; resampling reads a 22050 Hz float WAV)\n");
    return SK_OK;
}

