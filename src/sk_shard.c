/* sk_shard.c — token shards: streaming atomic writer and validating mmap reader.
 * See sk_shard.h for the layout. All multi-byte fields are encoded/decoded byte by byte
 * (little-endian), so nothing depends on the host's alignment rules.
 */
#include "src/sk_shard.h"

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_io.h"
#include "src/sk_json.h"

#define HDR_SIZE 64
#define REC_SIZE 24
#define MAKES_SHARDS "token shards are made by 'ssmkit audio prep' or 'ssmkit dna windows'"

static void put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Validate the metadata object (what = file name for messages); outputs may be NULL. */
static int check_meta(const cJSON *m, const char *what, int token_width, int64_t *vocab, int32_t *pad, int *ignore) {
    if (!cJSON_IsObject(m)) return sk_error(SK_EFORMAT, "%s: metadata is not a JSON object", what);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "vocab");
    int64_t V = -1, p = -1;
    if (cJSON_IsArray(v)) {
        V = cJSON_GetArraySize(v);
        int64_t k = 0;
        for (const cJSON *it = v->child; it; it = it->next, k++)
            if (!cJSON_IsString(it))
                return sk_error(SK_EFORMAT, "%s: metadata \"vocab\"[%lld] is not a string", what, (long long)k);
    } else if (cJSON_IsObject(v)) {
        int rc = sk_json_int(v, "size", what, &V);
        if (rc) return sk_error(SK_EFORMAT, "%s: metadata \"vocab\": %s", what, sk_errmsg());
    } else {
        return sk_error(SK_EFORMAT, "%s: metadata needs \"vocab\" (an array of token strings or {\"size\": V})", what);
    }
    int64_t max_v = (int64_t)1 << (8 * token_width);
    if (V < 1 || V > max_v)
        return sk_error(SK_EFORMAT, "%s: vocabulary size %lld does not fit %d-byte tokens (1..%lld)", what,
                        (long long)V, token_width, (long long)max_v);
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(m, "pad_token");
    if (!pt) return sk_error(SK_EFORMAT, "%s: metadata needs \"pad_token\" (integer id)", what);
    if (sk_json_int(m, "pad_token", what, &p) || p < 0 || p >= V)
        return sk_error(SK_EFORMAT, "%s: metadata \"pad_token\" must be an integer id in [0, %lld)", what, (long long)V);
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(m, "pad_rule");
    if (!cJSON_IsString(pr) || (strcmp(pr->valuestring, "ignore") && strcmp(pr->valuestring, "none")))
        return sk_error(SK_EFORMAT, "%s: metadata needs \"pad_rule\": \"ignore\" or \"none\"", what);
    if (vocab) *vocab = V;
    if (pad) *pad = (int32_t)p;
    if (ignore) *ignore = !strcmp(pr->valuestring, "ignore");
    return SK_OK;
}

/* ---- writer ------------------------------------------------------------------------------ */

struct sk_shard_writer {
    sk_afile af;
    int tw;
    int64_t vocab;
    uint64_t meta_len, data_offset, n_tokens;
    uint8_t *index;            /* [n][REC_SIZE] encoded records */
    int64_t n, cap;
    uint8_t *buf;              /* token encoding buffer */
    size_t bufcap;
};

static const uint8_t zeros[8];

int sk_shard_writer_open(sk_shard_writer **out, const char *path, int token_width, const char *meta_json) {
    *out = NULL;
    if (token_width != 1 && token_width != 2)
        return sk_error(SK_EINVAL, "%s: token width must be 1 or 2 bytes, not %d", path, token_width);
    cJSON *m;
    char what[1024];
    snprintf(what, sizeof what, "%s: metadata", path);
    int rc = sk_json_parse(meta_json, (int64_t)strlen(meta_json), what, &m);
    if (rc) return rc;
    sk_shard_writer *w = calloc(1, sizeof *w);
    if (!w) {
        cJSON_Delete(m);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    w->tw = token_width;
    rc = check_meta(m, path, token_width, &w->vocab, NULL, NULL);
    cJSON_Delete(m);
    if (rc) {
        rc = SK_EINVAL;
        free(w);
        return rc;
    }
    w->meta_len = strlen(meta_json);
    w->data_offset = (HDR_SIZE + w->meta_len + 7) & ~(uint64_t)7;
    if ((rc = sk_afile_open(&w->af, path)) != SK_OK) {
        free(w);
        return rc;
    }
    uint8_t hdr[HDR_SIZE] = {0};   /* placeholder; the real header is written at commit */
    rc = sk_afile_write(&w->af, hdr, HDR_SIZE);
    if (!rc) rc = sk_afile_write(&w->af, meta_json, w->meta_len);
    if (!rc) rc = sk_afile_write(&w->af, zeros, w->data_offset - HDR_SIZE - w->meta_len);
    if (rc) {
        sk_shard_writer_abort(w);
        return rc;
    }
    *out = w;
    return SK_OK;
}

int sk_shard_writer_add(sk_shard_writer *w, const void *tokens, int64_t n, int32_t label, int split) {
    const char *path = w->af.path;
    int64_t ex = w->n;
    if (n < 0 || (n && !tokens)) return sk_error(SK_EINVAL, "%s: example %lld: invalid token count", path, (long long)ex);
    if (label < -1) return sk_error(SK_EINVAL, "%s: example %lld: label %d (must be >= -1)", path, (long long)ex, label);
    if (split < SK_SPLIT_TRAIN || split > SK_SPLIT_TEST)
        return sk_error(SK_EINVAL, "%s: example %lld: split %d (0 train, 1 valid, 2 test)", path, (long long)ex, split);
    /* tokens must index the vocabulary (a model's embedding table has exactly V rows) */
    const uint8_t *t8 = tokens;
    const uint16_t *t16 = tokens;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = w->tw == 1 ? t8[i] : t16[i];
        if (v >= w->vocab)
            return sk_error(SK_EINVAL, "%s: example %lld: token %lld at position %lld is outside the vocabulary (size %lld)",
                            path, (long long)ex, (long long)v, (long long)i, (long long)w->vocab);
    }
    if (ex == w->cap) {
        int64_t nc = w->cap ? 2 * w->cap : 1024;
        uint8_t *p = realloc(w->index, (size_t)nc * REC_SIZE);
        if (!p) return sk_error(SK_ENOMEM, "%s: out of memory", path);
        w->index = p;
        w->cap = nc;
    }
    int rc;
    if (w->tw == 1) {
        rc = sk_afile_write(&w->af, tokens, (size_t)n);
    } else {   /* encode little-endian explicitly, in chunks */
        rc = SK_OK;
        for (int64_t i = 0; i < n && !rc;) {
            size_t chunk = (size_t)(n - i < 32768 ? n - i : 32768);
            if (w->bufcap < 2 * chunk) {
                free(w->buf);
                w->bufcap = 2 * 32768;
                if (!(w->buf = malloc(w->bufcap))) {
                    w->bufcap = 0;
                    return sk_error(SK_ENOMEM, "%s: out of memory", path);
                }
            }
            for (size_t k = 0; k < chunk; k++) put_le(w->buf + 2 * k, t16[i + (int64_t)k], 2);
            rc = sk_afile_write(&w->af, w->buf, 2 * chunk);
            i += (int64_t)chunk;
        }
    }
    if (rc) return rc;
    uint8_t *r = w->index + ex * REC_SIZE;
    memset(r, 0, REC_SIZE);
    put_le(r, w->n_tokens, 8);
    put_le(r + 8, (uint64_t)n, 8);
    put_le(r + 16, (uint32_t)label, 4);
    r[20] = (uint8_t)split;
    w->n_tokens += (uint64_t)n;
    w->n++;
    return SK_OK;
}

int sk_shard_writer_commit(sk_shard_writer *w) {
    uint64_t data_end = w->data_offset + w->n_tokens * (uint64_t)w->tw;
    uint64_t index_offset = (data_end + 7) & ~(uint64_t)7;
    int rc = sk_afile_write(&w->af, zeros, index_offset - data_end);
    if (!rc) rc = sk_afile_write(&w->af, w->index, (size_t)w->n * REC_SIZE);
    uint8_t hdr[HDR_SIZE] = {0};
    memcpy(hdr, SK_SHARD_MAGIC, 8);   /* includes the NUL */
    put_le(hdr + 8, SK_SHARD_VERSION, 4);
    put_le(hdr + 12, (uint64_t)w->tw, 4);
    put_le(hdr + 16, (uint64_t)w->n, 8);
    put_le(hdr + 24, w->n_tokens, 8);
    put_le(hdr + 32, HDR_SIZE, 8);
    put_le(hdr + 40, w->meta_len, 8);
    put_le(hdr + 48, w->data_offset, 8);
    put_le(hdr + 56, index_offset, 8);
    if (!rc && fseek(w->af.fp, 0, SEEK_SET) != 0) rc = sk_error(SK_EIO, "%s: cannot seek to the header", w->af.path);
    if (!rc) rc = sk_afile_write(&w->af, hdr, HDR_SIZE);
    if (!rc) rc = sk_afile_commit(&w->af);   /* on failure it removes the temporary file */
    else sk_afile_abort(&w->af);
    free(w->index);
    free(w->buf);
    free(w);
    return rc;
}

void sk_shard_writer_abort(sk_shard_writer *w) {
    if (!w) return;
    sk_afile_abort(&w->af);
    free(w->index);
    free(w->buf);
    free(w);
}

/* ---- reader ------------------------------------------------------------------------------ */

struct sk_shard {
    char *path;
    sk_map map;
    int version, tw;
    int64_t n, n_tokens;
    const uint8_t *data, *index;
    char *meta;
    int64_t vocab;
    int32_t pad;
    int ignore;
};

static int check_layout(sk_shard *s) {
    const char *path = s->path;
    const uint8_t *h = s->map.data;
    uint64_t size = (uint64_t)s->map.size;
    if (size == 0) return sk_error(SK_EFORMAT, "%s: empty file, not a token shard (" MAKES_SHARDS ")", path);
    size_t have = size < 8 ? (size_t)size : 8;
    if (memcmp(h, SK_SHARD_MAGIC, have) != 0)
        return sk_error(SK_EFORMAT, "%s: not an ssmkit token shard (no SKSHARD magic); " MAKES_SHARDS, path);
    if (size < HDR_SIZE)
        return sk_error(SK_EFORMAT, "%s: truncated: %llu bytes, the shard header alone is %d", path,
                        (unsigned long long)size, HDR_SIZE);
    uint32_t version = (uint32_t)get_le(h + 8, 4), tw = (uint32_t)get_le(h + 12, 4);
    if (version > SK_SHARD_VERSION)
        return sk_error(SK_EUNSUP, "%s: shard version %u was written by a newer ssmkit (this one reads version %d): upgrade ssmkit",
                        path, version, SK_SHARD_VERSION);
    if (version == 0) return sk_error(SK_EFORMAT, "%s: shard version 0 is invalid: corrupt header", path);
    if (tw != 1 && tw != 2) return sk_error(SK_EFORMAT, "%s: token width %u (must be 1 or 2): corrupt header", path, tw);
    uint64_t n = get_le(h + 16, 8), nt = get_le(h + 24, 8), mo = get_le(h + 32, 8), ml = get_le(h + 40, 8);
    uint64_t dof = get_le(h + 48, 8), iof = get_le(h + 56, 8);
    if (mo != HDR_SIZE) return sk_error(SK_EFORMAT, "%s: metadata offset %llu (must be 64): corrupt header", path, (unsigned long long)mo);
    if (ml > size - HDR_SIZE)
        return sk_error(SK_EFORMAT, "%s: truncated: metadata needs %llu bytes at offset 64, the file has %llu",
                        path, (unsigned long long)ml, (unsigned long long)size);
    if (dof < HDR_SIZE + ml || dof % 8)
        return sk_error(SK_EFORMAT, "%s: data offset %llu is not 8-byte aligned after the metadata: corrupt header",
                        path, (unsigned long long)dof);
    if (dof > size || nt > (size - dof) / tw)
        return sk_error(SK_EFORMAT, "%s: truncated: %llu tokens of %u bytes at offset %llu, the file has %llu bytes",
                        path, (unsigned long long)nt, tw, (unsigned long long)dof, (unsigned long long)size);
    if (iof < dof + nt * tw || iof % 8)
        return sk_error(SK_EFORMAT, "%s: index offset %llu is not 8-byte aligned after the data: corrupt header",
                        path, (unsigned long long)iof);
    if (iof > size || n > (size - iof) / REC_SIZE)
        return sk_error(SK_EFORMAT, "%s: truncated: index of %llu examples at offset %llu needs %llu bytes, the file has %llu",
                        path, (unsigned long long)n, (unsigned long long)iof, (unsigned long long)(n * REC_SIZE + iof),
                        (unsigned long long)size);
    if (iof + n * REC_SIZE != size)
        return sk_error(SK_EFORMAT, "%s: %llu unexpected bytes after the index: corrupt file", path,
                        (unsigned long long)(size - iof - n * REC_SIZE));
    s->version = (int)version;
    s->tw = (int)tw;
    s->n = (int64_t)n;
    s->n_tokens = (int64_t)nt;
    s->data = h + dof;
    s->index = h + iof;
    if (!(s->meta = malloc(ml + 1))) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    memcpy(s->meta, h + HDR_SIZE, ml);
    s->meta[ml] = 0;
    if (memchr(s->meta, 0, ml)) return sk_error(SK_EFORMAT, "%s: metadata contains a NUL byte: corrupt file", path);
    return SK_OK;
}

static int check_index(const sk_shard *s) {
    for (int64_t i = 0; i < s->n; i++) {
        const uint8_t *r = s->index + i * REC_SIZE;
        uint64_t off = get_le(r, 8), len = get_le(r + 8, 8);
        int32_t label = (int32_t)(uint32_t)get_le(r + 16, 4);
        if (off > (uint64_t)s->n_tokens || len > (uint64_t)s->n_tokens - off)
            return sk_error(SK_EFORMAT, "%s: record %lld: tokens [%llu, +%llu) lie beyond the data (%lld tokens): corrupt index",
                            s->path, (long long)i, (unsigned long long)off, (unsigned long long)len, (long long)s->n_tokens);
        if (label < -1) return sk_error(SK_EFORMAT, "%s: record %lld: label %d: corrupt index", s->path, (long long)i, label);
        if (r[20] > SK_SPLIT_TEST || r[21] || r[22] || r[23])
            return sk_error(SK_EFORMAT, "%s: record %lld: split %u: corrupt index", s->path, (long long)i, r[20]);
    }
    return SK_OK;
}

/* Every token of the data section is below the vocabulary size, so no batch can hold a token the
 * model has no row for: one pass over the data (none for 1-byte tokens and 256 entries); a bad
 * token is reported with the example that holds it. */
static int check_tokens(const sk_shard *s) {
    if (s->vocab >= ((int64_t)1 << (8 * s->tw))) return SK_OK;
    int64_t bad = -1, v = 0;
    for (int64_t k = 0; k < s->n_tokens && bad < 0; k++) {
        v = s->tw == 1 ? s->data[k] : (int64_t)get_le(s->data + 2 * k, 2);
        if (v >= s->vocab) bad = k;
    }
    if (bad < 0) return SK_OK;
    for (int64_t i = 0; i < s->n; i++) {
        sk_shard_example e = sk_shard_get(s, i);
        if (bad >= e.offset && bad < e.offset + e.length)
            return sk_error(SK_EFORMAT, "%s: example %lld: token %lld at position %lld is outside the vocabulary (size %lld)",
                            s->path, (long long)i, (long long)v, (long long)(bad - e.offset), (long long)s->vocab);
    }
    return sk_error(SK_EFORMAT, "%s: token %lld at data position %lld (in no example) is outside the vocabulary (size %lld)",
                    s->path, (long long)v, (long long)bad, (long long)s->vocab);
}

int sk_shard_open(const char *path, sk_shard **out) {
    *out = NULL;
    sk_shard *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    int rc = sk_map_open(&s->map, path);
    if (!rc) rc = check_layout(s);
    if (!rc) rc = check_index(s);
    if (!rc) {
        cJSON *m;
        char what[1024];
        snprintf(what, sizeof what, "%s: metadata", path);
        rc = sk_json_parse(s->meta, (int64_t)strlen(s->meta), what, &m);
        if (!rc) {
            rc = check_meta(m, path, s->tw, &s->vocab, &s->pad, &s->ignore);
            cJSON_Delete(m);
        }
    }
    if (!rc) rc = check_tokens(s);
    if (rc) {
        sk_shard_close(s);
        return rc;
    }
    *out = s;
    return SK_OK;
}

void sk_shard_close(sk_shard *s) {
    if (!s) return;
    sk_map_close(&s->map);
    free(s->meta);
    free(s->path);
    free(s);
}

const char *sk_shard_path(const sk_shard *s) { return s->path; }
int sk_shard_version(const sk_shard *s) { return s->version; }
int sk_shard_token_width(const sk_shard *s) { return s->tw; }
int64_t sk_shard_count(const sk_shard *s) { return s->n; }
int64_t sk_shard_total_tokens(const sk_shard *s) { return s->n_tokens; }
const char *sk_shard_meta(const sk_shard *s) { return s->meta; }
int64_t sk_shard_vocab_size(const sk_shard *s) { return s->vocab; }
int32_t sk_shard_pad_token(const sk_shard *s) { return s->pad; }
int sk_shard_pad_ignore(const sk_shard *s) { return s->ignore; }

sk_shard_example sk_shard_get(const sk_shard *s, int64_t i) {
    sk_shard_example e = {0, 0, -1, -1};
    if (i < 0 || i >= s->n) return e;
    const uint8_t *r = s->index + i * REC_SIZE;
    e.offset = (int64_t)get_le(r, 8);
    e.length = (int64_t)get_le(r + 8, 8);
    e.label = (int32_t)(uint32_t)get_le(r + 16, 4);
    e.split = r[20];
    return e;
}

int sk_shard_read(const sk_shard *s, int64_t i, int64_t start, int64_t n, int32_t *dst) {
    if (i < 0 || i >= s->n)
        return sk_error(SK_EINVAL, "%s: example %lld out of range (%lld examples)", s->path, (long long)i, (long long)s->n);
    sk_shard_example e = sk_shard_get(s, i);
    if (start < 0 || n < 0 || start > e.length || n > e.length - start)
        return sk_error(SK_EINVAL, "%s: example %lld: tokens [%lld, %lld) out of range (length %lld)", s->path,
                        (long long)i, (long long)start, (long long)(start + n), (long long)e.length);
    const uint8_t *p = s->data + (e.offset + start) * s->tw;
    if (s->tw == 1)
        for (int64_t k = 0; k < n; k++) dst[k] = p[k];
    else
        for (int64_t k = 0; k < n; k++) dst[k] = (int32_t)get_le(p + 2 * k, 2);
    return SK_OK;
}
