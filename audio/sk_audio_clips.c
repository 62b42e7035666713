/* sk_audio_clips.c — clip sets, the log-mel front-end and augmentation (sk_audio_clips.h). */
#include "audio/sk_audio_clips.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "audio/sk_audio.h"
#include "audio/sk_audio_spectrum.h"
#include "src/sk_json.h"
#include "src/sk_shard.h"

/* ---- clip sets --------------------------------------------------------------------------------- */

struct sk_audio_clips {
    int rate;
    int64_t len, n;
    /* a shard: its examples idx[0..n) */
    sk_shard *sh;
    int64_t *idx;
    sk_audio_codec codec;
    int32_t *tok;   /* (len) one example's tokens */
    /* files */
    char **files;
    int own_files;
    int32_t *label;   /* (n) */
    char **classes;
    int nclasses;
    int64_t cut, padded;
};

void sk_audio_clips_close(sk_audio_clips *c) {
    if (!c) return;
    sk_shard_close(c->sh);
    free(c->idx), free(c->tok), free(c->label);
    if (c->own_files) sk_audio_free_list(c->files, c->n);
    for (int k = 0; k < c->nclasses; k++) free(c->classes[k]);
    free(c->classes);
    free(c);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The parent folder's name of a file below root ("root/seven/a.wav" -> "seven"), NULL when the
 * file lies in root itself or root is NULL. */
static char *parent_name(const char *file, const char *root) {
    if (!root) return NULL;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') rl--;
    const char *slash = strrchr(file, '/');
    if (!slash || (size_t)(slash - file) <= rl) return NULL;
    const char *beg = slash - 1;
    while (beg > file && beg[-1] != '/') beg--;
    char *s = malloc((size_t)(slash - beg) + 1);
    if (s) memcpy(s, beg, (size_t)(slash - beg)), s[slash - beg] = 0;
    return s;
}

static int files_labels(sk_audio_clips *c, const char *root) {
    char **par = calloc((size_t)c->n + 1, sizeof *par);
    c->label = malloc(sizeof *c->label * (size_t)(c->n + 1));
    c->classes = calloc((size_t)c->n + 1, sizeof *c->classes);
    if (!par || !c->label || !c->classes) return free(par), sk_error(SK_ENOMEM, "out of memory");
    int rc = SK_OK;
    for (int64_t i = 0; i < c->n; i++) {
        par[i] = parent_name(c->files[i], root);
        c->label[i] = -1;
        if (!par[i]) continue;
        int k = 0;
        while (k < c->nclasses && strcmp(c->classes[k], par[i])) k++;
        if (k == c->nclasses && !(c->classes[c->nclasses++] = strdup(par[i]))) rc = sk_error(SK_ENOMEM, "out of memory");
    }
    if (!rc) qsort(c->classes, (size_t)c->nclasses, sizeof *c->classes, cmp_str);
    for (int64_t i = 0; !rc && i < c->n; i++)
        for (int k = 0; par[i] && k < c->nclasses; k++)
            if (!strcmp(par[i], c->classes[k])) c->label[i] = k;
    for (int64_t i = 0; i < c->n; i++) free(par[i]);
    free(par);
    return rc;
}

int sk_audio_clips_files(sk_audio_clips **out, char *const *files, int64_t n, const char *root, int rate, int64_t len) {
    *out = NULL;
    sk_audio_clips *c = calloc(1, sizeof *c);
    if (!c) return sk_error(SK_ENOMEM, "out of memory");
    c->rate = rate, c->len = len, c->n = n, c->files = (char **)files;
    int rc = files_labels(c, root);
    if (rc) return sk_audio_clips_close(c), rc;
    *out = c;
    return SK_OK;
}

/* The shard's labels and codec from its metadata; the examples of `split`. */
static int shard_setup(sk_audio_clips *c, const char *path, int split) {
    cJSON *m = NULL;
    const char *meta = sk_shard_meta(c->sh), *domain = NULL, *codec = "mulaw";
    int64_t rate = 0;
    int rc = sk_json_parse(meta, (int64_t)strlen(meta), path, &m);
    if (!rc) rc = sk_json_str(m, "domain", path, &domain);
    if (!rc && (!domain || strcmp(domain, "audio")))
        rc = sk_error(SK_EINVAL, "%s: not an audio shard (domain %s; `ssmkit audio prep` makes audio shards)", path,
                      domain ? domain : "missing");
    if (!rc) rc = sk_json_str(m, "codec", path, &codec);
    if (!rc) rc = sk_audio_codec_parse(codec, &c->codec) ? sk_error(SK_EINVAL, "%s: codec %s unknown", path, codec) : SK_OK;
    if (!rc) rc = sk_json_int(m, "rate", path, &rate);
    if (!rc && rate != c->rate)
        rc = sk_error(SK_EINVAL, "%s: clips at %lld Hz, but the classifier reads %d Hz (prepare the shard with --rate %d)", path,
                      (long long)rate, c->rate, c->rate);
    const cJSON *labels = m ? cJSON_GetObjectItemCaseSensitive(m, "labels") : NULL;
    int nl = cJSON_IsArray(labels) ? cJSON_GetArraySize(labels) : 0;
    if (!rc && !(c->classes = calloc((size_t)nl + 1, sizeof *c->classes))) rc = sk_error(SK_ENOMEM, "out of memory");
    for (int k = 0; !rc && k < nl; k++) {
        const cJSON *e = cJSON_GetArrayItem(labels, k);
        if (!cJSON_IsString(e)) rc = sk_error(SK_EINVAL, "%s: labels[%d] is not a string", path, k);
        else if (!(c->classes[c->nclasses++] = strdup(e->valuestring))) rc = sk_error(SK_ENOMEM, "out of memory");
    }
    cJSON_Delete(m);
    int64_t total = sk_shard_count(c->sh);
    c->idx = malloc(sizeof *c->idx * (size_t)(total + 1));
    c->label = malloc(sizeof *c->label * (size_t)(total + 1));
    c->tok = malloc(sizeof *c->tok * (size_t)c->len);
    if (!rc && (!c->idx || !c->label || !c->tok)) rc = sk_error(SK_ENOMEM, "out of memory");
    for (int64_t i = 0; !rc && i < total; i++) {
        sk_shard_example e = sk_shard_get(c->sh, i);
        if (split >= 0 && e.split != split) continue;
        c->idx[c->n] = i;
        c->label[c->n++] = e.label >= 0 && e.label < nl ? e.label : -1;
    }
    return rc;
}

int sk_audio_clips_open(sk_audio_clips **out, const char *path, int split, int rate, int64_t len) {
    *out = NULL;
    if (len < 1 || rate < 1) return sk_error(SK_EINVAL, "%s: clip length and rate must be positive", path);
    struct stat st;
    if (stat(path, &st)) return sk_error(SK_EIO, "%s: no such file or folder", path);
    if (S_ISDIR(st.st_mode)) {
        char **files;
        int64_t n;
        char *const in[1] = {(char *)path};
        TRY(sk_audio_list_files(in, 1, &files, &n));
        if (!n) return sk_audio_free_list(files, n), sk_error(SK_EINVAL, "%s: no audio files in this folder", path);
        int rc = sk_audio_clips_files(out, files, n, path, rate, len);
        if (rc) return sk_audio_free_list(files, n), rc;
        (*out)->own_files = 1;
        return SK_OK;
    }
    char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return sk_error(SK_EIO, "%s: cannot open", path);
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (got < sizeof magic || memcmp(magic, SK_SHARD_MAGIC, sizeof magic))
        return sk_error(SK_EFORMAT, "%s: not an audio token shard or a folder of audio files", path);
    sk_audio_clips *c = calloc(1, sizeof *c);
    if (!c) return sk_error(SK_ENOMEM, "out of memory");
    c->rate = rate, c->len = len;
    int rc = sk_shard_open(path, &c->sh);
    if (!rc) rc = shard_setup(c, path, split);
    if (rc) return sk_audio_clips_close(c), rc;
    *out = c;
    return SK_OK;
}

int64_t sk_audio_clips_count(const sk_audio_clips *c) { return c->n; }
int sk_audio_clips_nclasses(const sk_audio_clips *c) { return c->nclasses; }
const char *sk_audio_clips_class(const sk_audio_clips *c, int k) { return k >= 0 && k < c->nclasses ? c->classes[k] : NULL; }
int32_t sk_audio_clips_label(const sk_audio_clips *c, int64_t i) { return c->label[i]; }
void sk_audio_clips_fit_counts(const sk_audio_clips *c, int64_t *cut, int64_t *padded) { *cut = c->cut, *padded = c->padded; }

const char *sk_audio_clips_name(const sk_audio_clips *c, int64_t i, char *buf, size_t cap) {
    if (!c->sh) return c->files[i];
    snprintf(buf, cap, "%s#%lld", sk_shard_path(c->sh), (long long)c->idx[i]);
    return buf;
}

int sk_audio_clips_read(sk_audio_clips *c, int64_t i, float *x) {
    int64_t have;
    if (c->sh) {
        sk_shard_example e = sk_shard_get(c->sh, c->idx[i]);
        have = e.length;
        int64_t n = have < c->len ? have : c->len;
        TRY(sk_shard_read(c->sh, c->idx[i], 0, n, c->tok));
        const float *tab = sk_audio_decode_table(c->codec);
        for (int64_t t = 0; t < n; t++) x[t] = tab[c->tok[t] & 255];
    } else {
        float *y;
        TRY(sk_audio_load(c->files[i], c->rate, SK_AUDIO_SRC_MEDIUM, &y, &have));
        memcpy(x, y, sizeof *x * (size_t)(have < c->len ? have : c->len));
        free(y);
    }
    for (int64_t t = have; t < c->len; t++) x[t] = 0;
    c->cut += have > c->len, c->padded += have < c->len;
    return SK_OK;
}

/* ---- the log-mel front-end ----------------------------------------------------------------------- */

struct sk_audio_frontend {
    sk_audio_logmel_opts o;
    sk_audio_stft *stft;
    double *filters, *power, *v, *mean, *std;
    int bins;
    int64_t frames;
};

void sk_audio_logmel_defaults(sk_audio_logmel_opts *o) {
    *o = (sk_audio_logmel_opts){.rate = SK_AUDIO_DEFAULT_RATE, .len = SK_AUDIO_DEFAULT_RATE, .n_fft = 400, .hop = 160,
                                .n_mels = 40, .fmin = 20, .fmax = SK_AUDIO_DEFAULT_RATE / 2.0, .floor = 1e-6};
}

void sk_audio_frontend_free(sk_audio_frontend *fe) {
    if (!fe) return;
    sk_audio_stft_free(fe->stft);
    free(fe->filters), free(fe->power), free(fe->v), free(fe->mean), free(fe->std);
    free(fe);
}

int sk_audio_frontend_new(sk_audio_frontend **out, const sk_audio_logmel_opts *o) {
    *out = NULL;
    if (o->len < o->n_fft || o->hop < 1 || o->n_mels < 1 || o->n_mels > 1024 || !(o->floor > 0))
        return sk_error(SK_EINVAL, "log-mel front-end: clip %lld, FFT %d, hop %d, %d mels, floor %g: invalid", (long long)o->len,
                        o->n_fft, o->hop, o->n_mels, o->floor);
    sk_audio_frontend *fe = calloc(1, sizeof *fe);
    if (!fe) return sk_error(SK_ENOMEM, "out of memory");
    fe->o = *o;
    fe->bins = o->n_fft / 2 + 1;
    fe->frames = sk_audio_stft_frames(o->len, o->n_fft, o->hop);
    int rc = sk_audio_stft_new(&fe->stft, o->n_fft);
    if (!rc) rc = sk_audio_mel_filters(o->n_mels, o->n_fft, o->rate, o->fmin, o->fmax, &fe->filters);
    fe->power = malloc(sizeof(double) * (size_t)fe->bins);
    fe->v = malloc(sizeof(double) * (size_t)(fe->frames * o->n_mels));
    fe->mean = calloc((size_t)o->n_mels, sizeof(double));
    fe->std = malloc(sizeof(double) * (size_t)o->n_mels);
    if (!rc && (!fe->power || !fe->v || !fe->mean || !fe->std)) rc = sk_error(SK_ENOMEM, "out of memory");
    if (rc) return sk_audio_frontend_free(fe), rc;
    for (int b = 0; b < o->n_mels; b++) fe->std[b] = 1;
    *out = fe;
    return SK_OK;
}

const sk_audio_logmel_opts *sk_audio_frontend_opts(const sk_audio_frontend *fe) { return &fe->o; }
int64_t sk_audio_frontend_frames(const sk_audio_frontend *fe) { return fe->frames; }

void sk_audio_frontend_set_norm(sk_audio_frontend *fe, const double *mean, const double *std) {
    for (int b = 0; b < fe->o.n_mels; b++) fe->mean[b] = mean[b], fe->std[b] = std[b] > 1e-3 ? std[b] : 1e-3;
}

void sk_audio_frontend_logmel(sk_audio_frontend *fe, const float *x, double *v) {
    for (int64_t t = 0; t < fe->frames; t++) {
        sk_audio_stft_frame(fe->stft, x, fe->o.len, t * fe->o.hop, fe->power);
        sk_audio_logmel(fe->power, fe->filters, fe->o.n_mels, fe->bins, fe->o.floor, v + t * fe->o.n_mels);
    }
}

void sk_audio_frontend_frames_of(sk_audio_frontend *fe, const float *x, float *out) {
    sk_audio_frontend_logmel(fe, x, fe->v);
    const int nm = fe->o.n_mels;
    for (int64_t t = 0; t < fe->frames; t++)
        for (int b = 0; b < nm; b++) out[t * nm + b] = (float)((fe->v[t * nm + b] - fe->mean[b]) / fe->std[b]);
}

char *sk_audio_frontend_json(const sk_audio_frontend *fe) {
    const sk_audio_logmel_opts *o = &fe->o;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "logmel");
    cJSON_AddNumberToObject(j, "rate", o->rate);
    cJSON_AddNumberToObject(j, "length", (double)o->len);
    cJSON_AddNumberToObject(j, "n_fft", o->n_fft);
    cJSON_AddNumberToObject(j, "hop", o->hop);
    cJSON_AddNumberToObject(j, "n_mels", o->n_mels);
    cJSON_AddNumberToObject(j, "fmin", o->fmin);
    cJSON_AddNumberToObject(j, "fmax", o->fmax);
    cJSON_AddNumberToObject(j, "floor", o->floor);
    cJSON_AddItemToObject(j, "mean", cJSON_CreateDoubleArray(fe->mean, o->n_mels));
    cJSON_AddItemToObject(j, "std", cJSON_CreateDoubleArray(fe->std, o->n_mels));
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

static int json_vec(const cJSON *j, const char *key, const char *what, int n, double *v) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return sk_error(SK_EINVAL, "%s: front-end %s: want an array of %d numbers", what, key, n);
    for (int b = 0; b < n; b++) {
        const cJSON *e = cJSON_GetArrayItem(a, b);
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) return sk_error(SK_EINVAL, "%s: front-end %s[%d]: not a number", what, key, b);
        v[b] = e->valuedouble;
    }
    return SK_OK;
}

int sk_audio_frontend_from_json(sk_audio_frontend **out, const char *json, const char *what) {
    *out = NULL;
    cJSON *j;
    TRY(sk_json_parse(json, (int64_t)strlen(json), what, &j));
    sk_audio_logmel_opts o;
    sk_audio_logmel_defaults(&o);
    const char *kind = NULL;
    int64_t rate = 0, len = 0, n_fft = 0, hop = 0, n_mels = 0;
    int rc = sk_json_str(j, "kind", what, &kind);
    if (!rc && (!kind || strcmp(kind, "logmel"))) rc = sk_error(SK_EINVAL, "%s: front-end kind %s unknown", what, kind ? kind : "missing");
    if (!rc) rc = sk_json_int(j, "rate", what, &rate);
    if (!rc) rc = sk_json_int(j, "length", what, &len);
    if (!rc) rc = sk_json_int(j, "n_fft", what, &n_fft);
    if (!rc) rc = sk_json_int(j, "hop", what, &hop);
    if (!rc) rc = sk_json_int(j, "n_mels", what, &n_mels);
    if (!rc) rc = sk_json_num(j, "fmin", what, &o.fmin);
    if (!rc) rc = sk_json_num(j, "fmax", what, &o.fmax);
    if (!rc) rc = sk_json_num(j, "floor", what, &o.floor);
    if (!rc && (rate < 1 || rate > 1000000 || n_fft > 65536 || n_mels > 1024 || len > (INT64_C(1) << 32) || hop > (1 << 20)))
        rc = sk_error(SK_EINVAL, "%s: front-end settings out of range", what);
    o.rate = (int)rate, o.len = len, o.n_fft = (int)n_fft, o.hop = (int)hop, o.n_mels = (int)n_mels;
    sk_audio_frontend *fe = NULL;
    if (!rc) rc = sk_audio_frontend_new(&fe, &o);
    double *mv = NULL;
    if (!rc && !(mv = malloc(sizeof(double) * 2 * (size_t)o.n_mels))) rc = sk_error(SK_ENOMEM, "out of memory");
    if (!rc) rc = json_vec(j, "mean", what, o.n_mels, mv);
    if (!rc) rc = json_vec(j, "std", what, o.n_mels, mv + o.n_mels);
    if (!rc) sk_audio_frontend_set_norm(fe, mv, mv + o.n_mels);
    free(mv);
    cJSON_Delete(j);
    if (rc) return sk_audio_frontend_free(fe), rc;
    *out = fe;
    return SK_OK;
}

/* ---- augmentation -------------------------------------------------------------------------------- */

static double uniform(sk_rng *r, double lo, double hi) { return lo + (hi - lo) * sk_rng_uniform(r); }

void sk_audio_augment_clip(float *x, int64_t len, const sk_audio_augment *a, sk_rng *r, float *tmp) {
    if (a->speed > 0) { /* y[t] = x(t s), linear interpolation, zeros past the end */
        double s = uniform(r, 1 - a->speed, 1 + a->speed);
        for (int64_t t = 0; t < len; t++) {
            double p = (double)t * s;
            int64_t k = (int64_t)p;
            double f = p - (double)k;
            double x0 = k < len ? x[k] : 0, x1 = k + 1 < len ? x[k + 1] : 0;
            tmp[t] = (float)(x0 + f * (x1 - x0));
        }
        memcpy(x, tmp, sizeof *x * (size_t)len);
    }
    if (a->shift > 0) {
        int64_t m = (int64_t)(a->shift * (double)len), k = (int64_t)sk_rng_below(r, (uint64_t)(2 * m + 1)) - m;
        for (int64_t t = 0; t < len; t++) tmp[t] = t - k >= 0 && t - k < len ? x[t - k] : 0;
        memcpy(x, tmp, sizeof *x * (size_t)len);
    }
    if (a->gain_db > 0) {
        float g = (float)pow(10, uniform(r, -a->gain_db, a->gain_db) / 20);
        for (int64_t t = 0; t < len; t++) x[t] *= g;
    }
    if (a->noise > 0 && sk_rng_uniform(r) < a->noise) {
        double pw = 0;
        for (int64_t t = 0; t < len; t++) pw += (double)x[t] * x[t];
        pw /= (double)len;
        double sd = sqrt((pw > 1e-12 ? pw : 1e-12) * pow(10, -uniform(r, a->snr_lo, a->snr_hi) / 10));
        for (int64_t t = 0; t < len; t++) x[t] += (float)(sd * sk_rng_normal(r));
    }
}
