/* sk_audio_prep.c — audio datasets as token shards: file listing, labels from parent folders,
 * splits (fractions by file, or SC09 list files), clips (SC09) and chunks (YouTubeMix) modes,
 * and the autoregressive input/target convention for consumers. See sk_audio.h.
 */
#include "audio/sk_audio.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>

#include "src/sk_guard.h"
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"

void sk_audio_prep_defaults(sk_audio_prep_opts *o) {
    memset(o, 0, sizeof *o);
    o->rate = SK_AUDIO_DEFAULT_RATE;
    o->mode = SK_AUDIO_CLIPS;
    o->length = 16000;
    o->codec = SK_AUDIO_MULAW;
    o->minmax = 1;
    o->split[0] = 0.9;
    o->split[1] = 0.05;
    o->split[2] = 0.05;
    o->seed = 1;
    o->shuffle = 1;
    o->quality = SK_AUDIO_SRC_MEDIUM;
}

/* ---- file lists ------------------------------------------------------------------------------ */

typedef struct strvec {
    char **v;
    int64_t n, cap;
} strvec;

static int sv_push(strvec *s, const char *str) {
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 64;
        char **nv = realloc(s->v, sizeof(char *) * (size_t)cap);
        if (!nv) return sk_error(SK_ENOMEM, "out of memory listing files");
        s->v = nv;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(str))) return sk_error(SK_ENOMEM, "out of memory listing files");
    s->n++;
    return SK_OK;
}

static int is_audio_name(const char *name) {
    static const char *ext[] = {"wav", "flac", "ogg", "oga", "aif", "aiff", "aifc", "mp3", "au", "snd"};
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (!strcasecmp(dot + 1, ext[i])) return 1;
    return 0;
}

static int walk(const char *dir, strvec *out) {
    DIR *d = opendir(dir);
    if (!d) return sk_error(SK_EIO, "%s: cannot read folder", dir);
    struct dirent *e;
    int rc = SK_OK;
    size_t dl = strlen(dir);
    while (rc == SK_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;   /* hidden entries, "." and ".." */
        char *p = malloc(dl + strlen(e->d_name) + 2);
        if (!p) {
            rc = sk_error(SK_ENOMEM, "out of memory listing files");
            break;
        }
        sprintf(p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode)) rc = walk(p, out);
            else if (S_ISREG(st.st_mode) && is_audio_name(e->d_name) && !(rc = sv_push(out, p)))
                rc = sk_guard_input(p); /* a file read: no output may replace it */
        }
        free(p);
    }
    closedir(d);
    return rc;
}

static int cmp_natural(const void *a, const void *b) { return strverscmp(*(char *const *)a, *(char *const *)b); }

int sk_audio_list_files(char *const *inputs, int n_inputs, char ***files, int64_t *n_files) {
    strvec s = {0};
    int rc = SK_OK;
    for (int i = 0; i < n_inputs && rc == SK_OK; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0) rc = sk_error(SK_EIO, "%s: no such file or folder", inputs[i]);
        else if (S_ISDIR(st.st_mode)) rc = walk(inputs[i], &s);
        else rc = sv_push(&s, inputs[i]);
    }
    if (rc) {
        sk_audio_free_list(s.v, s.n);
        return rc;
    }
    if (s.n > 1) qsort(s.v, (size_t)s.n, sizeof(char *), cmp_natural);
    *files = s.v;
    *n_files = s.n;
    return SK_OK;
}

void sk_audio_free_list(char **files, int64_t n) {
    for (int64_t i = 0; i < n; i++) free(files[i]);
    free(files);
}

/* "a/b/nine/x.wav" -> component `up` levels above the file name: up=0 "x.wav", up=1 "nine".
 * Writes into buf (empty when the path has no such component). */
static void path_part(const char *path, int up, char *buf, size_t cap) {
    size_t end = strlen(path);
    while (end > 0 && path[end - 1] == '/') end--;
    for (int k = 0;; k++) {
        size_t start = end;
        while (start > 0 && path[start - 1] != '/') start--;
        if (k == up) {
            size_t n = end - start < cap - 1 ? end - start : cap - 1;
            memcpy(buf, path + start, n);
            buf[n] = 0;
            return;
        }
        if (start == 0) {
            buf[0] = 0;
            return;
        }
        end = start - 1;
        while (end > 0 && path[end - 1] == '/') end--;
    }
}

/* "parent/name" of a path: the key that SC09 list files use. */
static void list_key(const char *path, char *buf, size_t cap) {
    char parent[256], name[512];
    path_part(path, 1, parent, sizeof parent);
    path_part(path, 0, name, sizeof name);
    snprintf(buf, cap, "%s/%s", parent, name);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Read one SC09 list file (one "label/file.wav" per line) into a sorted vector. */
static int read_list(const char *dir, const char *name, strvec *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text;
    int64_t len;
    int rc = sk_read_file(path, &text, &len);
    if (rc) return rc;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line && rc == SK_OK; line = strtok_r(NULL, "\r\n", &save)) {
        while (isspace((unsigned char)*line)) line++;
        size_t n = strlen(line);
        while (n && isspace((unsigned char)line[n - 1])) line[--n] = 0;
        if (!n) continue;
        char key[1024];
        list_key(line, key, sizeof key);
        rc = sv_push(out, key);
    }
    free(text);
    if (out->n > 1) qsort(out->v, (size_t)out->n, sizeof(char *), cmp_str);
    return rc;
}

static int in_list(const strvec *s, const char *key) {
    return s->n && bsearch(&key, s->v, (size_t)s->n, sizeof(char *), cmp_str) != NULL;
}

/* Split of every file: from the SC09 lists (neither list = train) or fractions over a seeded
 * shuffle of the files (natural order when o->shuffle is 0). split[n]. */
static int assign_splits(char *const *files, int64_t n, const sk_audio_prep_opts *o, uint8_t *split) {
    if (o->split_lists) {
        strvec va = {0}, te = {0};
        int rc = read_list(o->split_lists, "validation_list.txt", &va);
        if (!rc) rc = read_list(o->split_lists, "testing_list.txt", &te);
        for (int64_t i = 0; i < n && !rc; i++) {
            char key[1024];
            list_key(files[i], key, sizeof key);
            split[i] = in_list(&te, key) ? SK_SPLIT_TEST : in_list(&va, key) ? SK_SPLIT_VALID : SK_SPLIT_TRAIN;
        }
        sk_audio_free_list(va.v, va.n);
        sk_audio_free_list(te.v, te.n);
        return rc;
    }
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!perm) return sk_error(SK_ENOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    if (o->shuffle) {
        sk_rng r;
        sk_rng_seed(&r, o->seed, 0);
        sk_rng_shuffle_i64(&r, perm, n);
    }
    /* n_valid = round(n * f_valid), n_test = round(n * f_test), the rest is train */
    int64_t nv = llround(n * o->split[1]), nt = llround(n * o->split[2]);
    if (nv > n) nv = n;
    if (nt > n - nv) nt = n - nv;
    int64_t ntr = n - nv - nt;
    for (int64_t j = 0; j < n; j++) split[perm[j]] = j < ntr ? SK_SPLIT_TRAIN : j < ntr + nv ? SK_SPLIT_VALID : SK_SPLIT_TEST;
    free(perm);
    return SK_OK;
}

/* ---- prep ------------------------------------------------------------------------------------ */

/* Build the metadata JSON and the label id of each file (parent folder name, sorted classes). */
static int make_meta(char *const *files, int64_t n, const sk_audio_prep_opts *o, int32_t *label, char **json) {
    char **names = malloc(sizeof(char *) * (size_t)(n ? n : 1));
    char (*parent)[256] = malloc(sizeof *parent * (size_t)(n ? n : 1));
    cJSON *m = cJSON_CreateObject();
    int rc = SK_OK;
    if (!names || !parent || !m) {
        rc = sk_error(SK_ENOMEM, "out of memory");
        goto done;
    }
    int64_t nl = 0;
    for (int64_t i = 0; i < n; i++) {
        path_part(files[i], 1, parent[i], sizeof parent[i]);
        names[i] = parent[i];
    }
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    for (int64_t i = 0; i < n; i++)
        if (nl == 0 || strcmp(names[nl - 1], names[i])) names[nl++] = names[i];
    for (int64_t i = 0; i < n; i++) {
        const char *key = parent[i];
        char **hit = bsearch(&key, names, (size_t)nl, sizeof(char *), cmp_str);
        label[i] = (int32_t)(hit - names);
    }
    cJSON *vocab = cJSON_AddObjectToObject(m, "vocab");
    cJSON_AddNumberToObject(vocab, "size", SK_AUDIO_LEVELS);
    cJSON_AddNumberToObject(m, "pad_token", SK_AUDIO_ZERO_TOKEN);
    cJSON_AddStringToObject(m, "pad_rule", "ignore");
    cJSON_AddStringToObject(m, "domain", "audio");
    cJSON *labels = cJSON_AddArrayToObject(m, "labels");
    for (int64_t i = 0; i < nl; i++) cJSON_AddItemToArray(labels, cJSON_CreateString(names[i]));
    cJSON_AddNumberToObject(m, "rate", o->rate);
    cJSON_AddStringToObject(m, "codec", sk_audio_codec_name(o->codec));
    cJSON_AddNumberToObject(m, "bits", 8);
    if (o->codec == SK_AUDIO_MULAW) cJSON_AddNumberToObject(m, "mu", SK_AUDIO_MU);
    cJSON_AddBoolToObject(m, "minmax", o->minmax);
    cJSON_AddStringToObject(m, "mode", o->mode == SK_AUDIO_CHUNKS ? "chunks" : "clips");
    cJSON_AddNumberToObject(m, "length", (double)o->length);
    /* autoregressive convention (SaShiMi §4.2): input = the example shifted right with bos_token
     * first, every sample a target (README "Audio shards"; sk_audio_ar_pair) */
    cJSON_AddNumberToObject(m, "bos_token", SK_AUDIO_ZERO_TOKEN);
    cJSON *src = cJSON_AddObjectToObject(m, "source");
    cJSON_AddStringToObject(src, "program", "ssmkit audio prep " SSMKIT_VERSION);
    if (o->split_lists) cJSON_AddStringToObject(src, "split_lists", o->split_lists);
    else {
        cJSON *sp = cJSON_AddArrayToObject(src, "split");
        for (int k = 0; k < 3; k++) cJSON_AddItemToArray(sp, cJSON_CreateNumber(o->split[k]));
        cJSON_AddNumberToObject(src, "seed", (double)o->seed);
        cJSON_AddBoolToObject(src, "shuffle", o->shuffle);
    }
    cJSON *fl = cJSON_AddArrayToObject(src, "files");
    for (int64_t i = 0; i < n; i++) cJSON_AddItemToArray(fl, cJSON_CreateString(files[i]));
    if (!(*json = cJSON_PrintUnformatted(m))) rc = sk_error(SK_ENOMEM, "out of memory");
done:
    cJSON_Delete(m);
    free(names);
    free(parent);
    return rc;
}

/* Read a file's samples into *fbuf (grown as needed; *fcap floats): clips = the first `length`
 * samples (*cut = 1 when more followed), chunks = the whole file. *nsamp = samples read. */
static int read_examples(const char *path, const sk_audio_prep_opts *o, float **fbuf, int64_t *fcap, int64_t *nsamp, int *cut) {
    sk_audio_reader *r;
    int rc = sk_audio_open(&r, path, o->rate, o->quality);
    if (rc) return rc;
    int64_t len = 0, limit = o->mode == SK_AUDIO_CLIPS ? o->length : INT64_MAX, got;
    *cut = 0;
    for (;;) {
        if (len == limit) {   /* clips: one more sample tells whether the file was longer */
            float one;
            rc = sk_audio_read(r, &one, 1, &got);
            if (rc == SK_OK) *cut = 1, rc = SK_EOF;
            break;
        }
        if (len == *fcap) {
            int64_t cap = *fcap > 32768 ? 2 * *fcap : 65536;
            if (cap > limit) cap = limit;
            float *nb = realloc(*fbuf, sizeof(float) * (size_t)cap);
            if (!nb) {
                rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
                break;
            }
            *fbuf = nb;
            *fcap = cap;
        }
        rc = sk_audio_read(r, *fbuf + len, (*fcap < limit ? *fcap : limit) - len, &got);
        len += got;
        if (rc) break;
    }
    sk_audio_close(r);
    if (rc != SK_EOF) return rc;
    *nsamp = len;
    return SK_OK;
}

int sk_audio_prep(char *const *files, int64_t n, const char *out, const sk_audio_prep_opts *o, sk_audio_prep_stats *st) {
    memset(st, 0, sizeof *st);
    double t0 = sk_now();
    if (n <= 0) return sk_error(SK_EINVAL, "no audio files given (extensions: wav flac ogg oga aif aiff aifc mp3 au snd)");
    if (o->length <= 0) return sk_error(SK_EINVAL, "length must be positive");
    int32_t *label = malloc(sizeof(int32_t) * (size_t)n);
    uint8_t *split = malloc((size_t)n);
    char *meta = NULL;
    float *fbuf = NULL;
    uint8_t *tok = NULL;
    int64_t fcap = 0, tcap = 0;
    sk_shard_writer *w = NULL;
    int rc = SK_OK;
    if (!label || !split) {
        rc = sk_error(SK_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = assign_splits(files, n, o, split)) || (rc = make_meta(files, n, o, label, &meta))) goto done;
    if ((rc = sk_shard_writer_open(&w, out, 1, meta))) goto done;
    sk_progress prog;
    sk_progress_open(&prog, "audio prep", "files", n, !o->progress);
    for (int64_t i = 0; i < n && rc == SK_OK; i++) {
        sk_progress_update(&prog, i);
        int64_t ns = 0;
        int cut = 0;
        rc = read_examples(files[i], o, &fbuf, &fcap, &ns, &cut);
        if (rc == SK_OK && ns > tcap) {
            uint8_t *nt = realloc(tok, (size_t)ns);
            if (!nt) rc = sk_error(SK_ENOMEM, "%s: out of memory", files[i]);
            else tok = nt, tcap = ns;
        }
        int64_t ex_len = o->mode == SK_AUDIO_CLIPS ? ns : o->length;
        int64_t n_ex = o->mode == SK_AUDIO_CLIPS ? (ns > 0) : ns / o->length;   /* chunks: remainder dropped */
        /* encode every example of the file before writing any, so a bad file adds nothing */
        int64_t kept = 0;
        uint8_t *keep = n_ex > 0 && rc == SK_OK ? calloc((size_t)n_ex, 1) : NULL;
        if (n_ex > 0 && rc == SK_OK && !keep) rc = sk_error(SK_ENOMEM, "out of memory");
        for (int64_t e = 0; e < n_ex && rc == SK_OK; e++) {
            rc = sk_audio_encode(fbuf + e * ex_len, ex_len, o->codec, o->minmax, tok + e * ex_len);
            if (rc == SK_EINVAL && o->minmax) {   /* constant (silent) example: skipped, counted */
                sk_log_warn("%s: example %lld is constant (silent): skipped", files[i], (long long)e);
                st->skipped_silent++;
                rc = SK_OK;
            } else if (rc == SK_OK) {
                keep[e] = 1;
                kept++;
            } else {
                rc = sk_error_wrap(rc, "%s: example %lld: ", files[i], (long long)e);
            }
        }
        if (rc && o->skip_bad) {
            sk_log_warn("skipped: %s", sk_errmsg());
            st->skipped_bad++;
            rc = SK_OK;
            free(keep);
            continue;
        }
        if (rc == SK_OK && n_ex == 0) {
            sk_log_warn("%s: %s (%lld samples): skipped", files[i], o->mode == SK_AUDIO_CLIPS ? "no samples after resampling" : "shorter than one chunk",
                        (long long)ns);
            st->skipped_short++;
        }
        st->cut += cut && kept;
        for (int64_t e = 0; e < n_ex && rc == SK_OK; e++) {
            if (!keep[e]) continue;
            rc = sk_shard_writer_add(w, tok + e * ex_len, ex_len, label[i], split[i]);
            st->per_split[split[i]]++;
            st->examples++;
            st->samples += ex_len;
        }
        free(keep);
        if (kept) st->files++;
    }
    sk_progress_update(&prog, n);
    sk_progress_end(&prog);
    if (rc == SK_OK && st->examples == 0) rc = sk_error(SK_EINVAL, "%s: no examples to write (every file was skipped)", out);
    if (rc == SK_OK) {
        rc = sk_shard_writer_commit(w);
        w = NULL;
    }
done:
    if (w) sk_shard_writer_abort(w);
    free(label);
    free(split);
    free(meta);
    free(fbuf);
    free(tok);
    st->seconds = sk_now() - t0;
    return rc;
}

int64_t sk_audio_ar_pair(const sk_shard *s, int64_t i, int64_t L, int32_t *x, int32_t *y) {
    if (i < 0 || i >= sk_shard_count(s)) return sk_error(SK_EINVAL, "%s: example %lld out of range", sk_shard_path(s), (long long)i);
    sk_shard_example ex = sk_shard_get(s, i);
    int64_t len = ex.length < L ? ex.length : L;
    int rc = sk_shard_read(s, i, 0, len, y);   /* y[t] = s[t] */
    if (rc) return rc;
    x[0] = SK_AUDIO_ZERO_TOKEN;   /* x = (128, s_0, ..., s_{len-2}) */
    for (int64_t t = 1; t < len; t++) x[t] = y[t - 1];
    for (int64_t t = len > 0 ? len : 1; t < L; t++) x[t] = SK_AUDIO_ZERO_TOKEN;
    for (int64_t t = len; t < L; t++) y[t] = SK_AUDIO_IGNORE;
    return len;
}
