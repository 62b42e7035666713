/* sk_safetensors.c — safetensors reader (mmap, whole header validated up front) and atomic
 * writer. See sk_safetensors.h for the format and the contract.
 *
 * Integers in the header are JSON numbers; cJSON stores them as doubles, so we accept only
 * integral values in [0, 2^53] (exact in a double). Header lengths are < 2^40, so every valid
 * offset fits.
 */
#include "src/sk_safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_io.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ssmkit assumes a little-endian host (safetensors data is little-endian)"
#endif

#define ST_MAX_HEADER ((uint64_t)1 << 40)
#define ST_MAX_INT 9007199254740992.0   /* 2^53 */

static const char *const dtype_names[SK_DTYPE_COUNT] = {"F32", "F16", "BF16", "F64", "I64",
                                                         "I32", "I16", "I8",   "U8",  "BOOL"};
static const size_t dtype_sizes[SK_DTYPE_COUNT] = {4, 2, 2, 8, 8, 4, 2, 1, 1, 1};

const char *sk_dtype_name(sk_dtype t) { return (unsigned)t < SK_DTYPE_COUNT ? dtype_names[t] : "?"; }

int sk_dtype_from_name(const char *name) {
    for (int i = 0; i < SK_DTYPE_COUNT; i++)
        if (!strcmp(name, dtype_names[i])) return i;
    return -1;
}

size_t sk_dtype_size(sk_dtype t) { return (unsigned)t < SK_DTYPE_COUNT ? dtype_sizes[t] : 0; }

/* ---- fp16 / bf16 conversions ------------------------------------------------------------- */

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* bf16 is the top half of an IEEE binary32. */
float sk_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

uint16_t sk_f32_to_bf16(float f) {
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040);   /* NaN stays NaN (quiet) */
    /* round to nearest even: add 0x7fff plus the lowest kept bit, then truncate */
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

/* binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
float sk_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0) {   /* zero or subnormal: m * 2^-24, exact in binary32 */
        float v = ldexpf((float)m, -24);
        return sign ? -v : v;
    }
    if (e == 31) return bits_f32(sign | 0x7f800000u | (m << 13));   /* inf, NaN (payload kept) */
    return bits_f32(sign | ((e + 112) << 23) | (m << 13));           /* rebias 15 -> 127 */
}

/* Keep the top (32 - shift) bits of m, rounding to nearest even on the dropped `shift` bits. */
static uint32_t round_shift_even(uint32_t m, int shift) {
    uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) r++;
    return r;
}

uint16_t sk_f32_to_f16(float f) {
    uint32_t u = f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    int exp = (int)((u >> 23) & 0xff);
    uint32_t mant = u & 0x7fffff;
    if (exp == 255) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0));   /* inf/NaN */
    int e = exp - 127 + 15;
    if (e >= 31) return sign | 0x7c00;   /* >= 2^16: overflow to inf */
    if (e <= 0) {
        /* subnormal half: value / 2^-24 rounded; the implicit 1 of a normal float included */
        if (e < -10) return sign;          /* below 2^-25: rounds to zero */
        return (uint16_t)(sign | round_shift_even(mant | 0x800000, 14 - e));
    }
    /* normal: a carry out of the mantissa bumps the exponent (and 65520.. rounds to inf) */
    return (uint16_t)(sign | round_shift_even(((uint32_t)e << 23) | mant, 13));
}

/* ---- reader ------------------------------------------------------------------------------ */

struct sk_st {
    char *path;
    sk_map map;
    cJSON *header;          /* names and metadata strings point into it */
    const cJSON *meta;      /* "__metadata__" object or NULL */
    const uint8_t *data;    /* start of the data section (any alignment) */
    int64_t data_size;
    int64_t n;
    sk_st_tensor *t;        /* [n] in header order */
    int64_t *by_name;       /* [n] indices sorted by name */
};

static uint64_t read_u64le(const uint8_t *p) {
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = (x << 8) | p[i];
    return x;
}

/* A JSON number that is an integer in [0, 2^53]. */
static int json_nonneg_int(const cJSON *it, int64_t *v) {
    if (!cJSON_IsNumber(it)) return 0;
    double d = it->valuedouble;
    if (!(d >= 0) || d > ST_MAX_INT || d != floor(d)) return 0;
    *v = (int64_t)d;
    return 1;
}

static int cmp_begin(const void *a, const void *b) {
    const sk_st_tensor *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static int cmp_name_idx(const void *a, const void *b, void *ctx) {
    const sk_st_tensor *t = ctx;
    return strcmp(t[*(const int64_t *)a].name, t[*(const int64_t *)b].name);
}

/* Parse one tensor entry. */
static int parse_tensor(const sk_st *st, const cJSON *e, sk_st_tensor *t) {
    const char *path = st->path, *name = e->string;
    memset(t, 0, sizeof *t);
    t->name = name;
    if (!cJSON_IsObject(e)) return sk_error(SK_EFORMAT, "%s: tensor %s: entry is not a JSON object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt)) return sk_error(SK_EFORMAT, "%s: tensor %s: missing \"dtype\" string", path, name);
    int d = sk_dtype_from_name(dt->valuestring);
    if (d < 0)
        return sk_error(SK_EFORMAT, "%s: tensor %s: unknown dtype \"%s\" (supported: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL)",
                        path, name, dt->valuestring);
    t->dtype = (sk_dtype)d;
    if (!cJSON_IsArray(sh)) return sk_error(SK_EFORMAT, "%s: tensor %s: missing \"shape\" array", path, name);
    int nd = cJSON_GetArraySize(sh);
    if (nd > SK_ST_MAXDIM)
        return sk_error(SK_EFORMAT, "%s: tensor %s: %d dimensions (at most %d supported)", path, name, nd, SK_ST_MAXDIM);
    t->ndim = nd;
    t->numel = 1;
    int k = 0;
    for (const cJSON *it = sh->child; it; it = it->next, k++) {
        if (!json_nonneg_int(it, &t->shape[k]))
            return sk_error(SK_EFORMAT, "%s: tensor %s: shape[%d] is not a non-negative integer", path, name, k);
        if (t->shape[k] && t->numel > INT64_MAX / t->shape[k])
            return sk_error(SK_EFORMAT, "%s: tensor %s: shape overflows 64 bits", path, name);
        t->numel *= t->shape[k];
    }
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !json_nonneg_int(off->child, &t->begin) ||
        !json_nonneg_int(off->child->next, &t->end))
        return sk_error(SK_EFORMAT, "%s: tensor %s: \"data_offsets\" must be two non-negative integers", path, name);
    if (t->begin > t->end)
        return sk_error(SK_EFORMAT, "%s: tensor %s: data_offsets [%lld, %lld] begin after end", path, name,
                        (long long)t->begin, (long long)t->end);
    if (t->end > st->data_size)
        return sk_error(SK_EFORMAT,
                        "%s: tensor %s: data_offsets [%lld, %lld] run beyond the data section (%lld bytes): "
                        "file truncated or corrupt",
                        path, name, (long long)t->begin, (long long)t->end, (long long)st->data_size);
    int64_t es = (int64_t)dtype_sizes[d];
    if (t->numel > INT64_MAX / es || t->end - t->begin != t->numel * es)
        return sk_error(SK_EFORMAT,
                        "%s: tensor %s: data_offsets [%lld, %lld] hold %lld bytes but shape x %s needs %lld x %lld",
                        path, name, (long long)t->begin, (long long)t->end, (long long)(t->end - t->begin),
                        dtype_names[d], (long long)t->numel, (long long)es);
    return SK_OK;
}

static int parse_metadata(sk_st *st, const cJSON *m) {
    if (st->meta) return sk_error(SK_EFORMAT, "%s: duplicate \"__metadata__\"", st->path);
    if (!cJSON_IsObject(m)) return sk_error(SK_EFORMAT, "%s: \"__metadata__\" is not a JSON object", st->path);
    for (const cJSON *it = m->child; it; it = it->next)
        if (!cJSON_IsString(it))
            return sk_error(SK_EFORMAT, "%s: __metadata__ \"%s\": value is not a string", st->path, it->string);
    st->meta = m;
    return SK_OK;
}

static int parse_header(sk_st *st) {
    const char *path = st->path;
    int64_t size = st->map.size;
    if (size == 0) return sk_error(SK_EFORMAT, "%s: empty file (not a safetensors file)", path);
    if (size < 8) return sk_error(SK_EFORMAT, "%s: %lld bytes: too short for a safetensors header", path, (long long)size);
    uint64_t n = read_u64le(st->map.data);
    if (n >= ST_MAX_HEADER)
        return sk_error(SK_EFORMAT, "%s: header length %llu is >= 2^40: not a safetensors file", path,
                        (unsigned long long)n);
    if (n < 2) return sk_error(SK_EFORMAT, "%s: header length %llu is too small for a JSON object", path, (unsigned long long)n);
    if ((int64_t)n > size - 8)
        return sk_error(SK_EFORMAT, "%s: header length %llu runs beyond the end of the file (%lld bytes): truncated?",
                        path, (unsigned long long)n, (long long)size);
    const char *text = (const char *)st->map.data + 8, *end = NULL;
    st->data = st->map.data + 8 + n;
    st->data_size = size - 8 - (int64_t)n;
    st->header = cJSON_ParseWithLengthOpts(text, (size_t)n, &end, 0);
    if (!st->header)
        return sk_error(SK_EFORMAT, "%s: header is not valid JSON (near byte %lld of the header)", path,
                        (long long)(end ? end - text : 0));
    for (const char *p = end; p < text + n; p++)   /* writers pad with spaces; anything else is corrupt */
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return sk_error(SK_EFORMAT, "%s: unexpected bytes after the JSON header (byte %lld)", path,
                            (long long)(p - text));
    if (!cJSON_IsObject(st->header)) return sk_error(SK_EFORMAT, "%s: header is not a JSON object", path);

    int64_t cap = cJSON_GetArraySize(st->header);
    st->t = calloc((size_t)(cap ? cap : 1), sizeof *st->t);
    st->by_name = calloc((size_t)(cap ? cap : 1), sizeof *st->by_name);
    if (!st->t || !st->by_name) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    for (const cJSON *e = st->header->child; e; e = e->next) {
        int rc = !strcmp(e->string, "__metadata__") ? parse_metadata(st, e) : parse_tensor(st, e, &st->t[st->n++]);
        if (rc) return rc;
    }
    /* duplicate names: sort indices by name */
    for (int64_t i = 0; i < st->n; i++) st->by_name[i] = i;
    qsort_r(st->by_name, (size_t)st->n, sizeof *st->by_name, cmp_name_idx, st->t);
    for (int64_t i = 1; i < st->n; i++)
        if (!strcmp(st->t[st->by_name[i]].name, st->t[st->by_name[i - 1]].name))
            return sk_error(SK_EFORMAT, "%s: tensor %s appears twice in the header", path, st->t[st->by_name[i]].name);
    /* overlaps: sort a copy by begin; empty tensors occupy no bytes */
    sk_st_tensor *s = malloc((size_t)(st->n ? st->n : 1) * sizeof *s);
    if (!s) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    int64_t m = 0;
    for (int64_t i = 0; i < st->n; i++)
        if (st->t[i].end > st->t[i].begin) s[m++] = st->t[i];
    qsort(s, (size_t)m, sizeof *s, cmp_begin);
    int rc = SK_OK;
    for (int64_t i = 1; i < m && !rc; i++)
        if (s[i].begin < s[i - 1].end)
            rc = sk_error(SK_EFORMAT, "%s: tensors %s [%lld, %lld] and %s [%lld, %lld] overlap", path, s[i - 1].name,
                          (long long)s[i - 1].begin, (long long)s[i - 1].end, s[i].name, (long long)s[i].begin,
                          (long long)s[i].end);
    free(s);
    return rc;
}

int sk_st_open(const char *path, sk_st **out) {
    *out = NULL;
    sk_st *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    int rc = sk_map_open(&st->map, path);
    if (!rc) rc = parse_header(st);
    if (rc) {
        sk_st_close(st);
        return rc;
    }
    *out = st;
    return SK_OK;
}

void sk_st_close(sk_st *st) {
    if (!st) return;
    sk_map_close(&st->map);
    cJSON_Delete(st->header);
    free(st->t);
    free(st->by_name);
    free(st->path);
    free(st);
}

const char *sk_st_path(const sk_st *st) { return st->path; }
int64_t sk_st_count(const sk_st *st) { return st->n; }
const sk_st_tensor *sk_st_at(const sk_st *st, int64_t i) { return i >= 0 && i < st->n ? &st->t[i] : NULL; }

const sk_st_tensor *sk_st_find(const sk_st *st, const char *name) {
    int64_t lo = 0, hi = st->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->t[st->by_name[mid]].name, name);
        if (c == 0) return &st->t[st->by_name[mid]];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const char *sk_st_meta(const sk_st *st, const char *key) {
    const cJSON *it = st->meta ? cJSON_GetObjectItemCaseSensitive(st->meta, key) : NULL;
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

int64_t sk_st_meta_count(const sk_st *st) { return st->meta ? cJSON_GetArraySize(st->meta) : 0; }

const char *sk_st_meta_at(const sk_st *st, int64_t i, const char **value) {
    const cJSON *it = st->meta ? cJSON_GetArrayItem(st->meta, (int)i) : NULL;
    if (value) *value = it ? it->valuestring : NULL;
    return it ? it->string : NULL;
}

static int find_or_fail(const sk_st *st, const char *name, const sk_st_tensor **t) {
    *t = sk_st_find(st, name);
    if (!*t) return sk_error(SK_EFORMAT, "%s: no tensor named %s", st->path, name);
    return SK_OK;
}

static void shape_str(const sk_st_tensor *t, char *buf, size_t cap) {
    size_t k = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < t->ndim && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    if (k < cap) snprintf(buf + k, cap - k, "]");
}

int sk_st_read_f32(const sk_st *st, const char *name, float *dst, int64_t numel) {
    const sk_st_tensor *t;
    int rc = find_or_fail(st, name, &t);
    if (rc) return rc;
    if (numel != t->numel) {
        char sh[256];
        shape_str(t, sh, sizeof sh);
        return sk_error(SK_EINVAL, "%s: tensor %s has shape %s but the model expects %lld", st->path, name, sh,
                        (long long)numel);
    }
    const uint8_t *p = st->data + t->begin;
    switch (t->dtype) {
    case SK_F32:
        if (numel) memcpy(dst, p, (size_t)numel * 4);
        return SK_OK;
    case SK_F16:
    case SK_BF16:
        for (int64_t i = 0; i < numel; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            dst[i] = t->dtype == SK_F16 ? sk_f16_to_f32(h) : sk_bf16_to_f32(h);
        }
        return SK_OK;
    case SK_F64:
        for (int64_t i = 0; i < numel; i++) {
            double d;
            memcpy(&d, p + 8 * i, 8);
            dst[i] = (float)d;   /* IEEE rounding; beyond the float range gives +-inf */
        }
        return SK_OK;
    default:
        return sk_error(SK_EUNSUP, "%s: tensor %s has dtype %s; a float tensor (F32, F16, BF16, F64) is expected",
                        st->path, name, dtype_names[t->dtype]);
    }
}

int sk_st_read_raw(const sk_st *st, const char *name, void *dst, size_t bytes) {
    const sk_st_tensor *t;
    int rc = find_or_fail(st, name, &t);
    if (rc) return rc;
    if ((int64_t)bytes != t->end - t->begin)
        return sk_error(SK_EINVAL, "%s: tensor %s holds %lld bytes, %zu requested", st->path, name,
                        (long long)(t->end - t->begin), bytes);
    if (bytes) memcpy(dst, st->data + t->begin, bytes);
    return SK_OK;
}

/* ---- writer ------------------------------------------------------------------------------ */

typedef struct stw_entry {
    char *name;
    sk_dtype dtype;
    int ndim;
    int64_t shape[SK_ST_MAXDIM];
    int64_t bytes;
    const void *data;
} stw_entry;

struct sk_stw {
    stw_entry *t;
    int64_t n, cap;
    char **meta;          /* key, value, key, value, ... */
    int64_t nmeta, metacap;
    sk_progress *pg;      /* counts the bytes of tensor data written, or NULL */
};

void sk_stw_set_progress(sk_stw *w, sk_progress *pg) { w->pg = pg; }

int sk_stw_create(sk_stw **out) {
    *out = calloc(1, sizeof **out);
    return *out ? SK_OK : sk_error(SK_ENOMEM, "safetensors writer: out of memory");
}

void sk_stw_free(sk_stw *w) {
    if (!w) return;
    for (int64_t i = 0; i < w->n; i++) free(w->t[i].name);
    for (int64_t i = 0; i < 2 * w->nmeta; i++) free(w->meta[i]);
    free(w->t);
    free(w->meta);
    free(w);
}

static int grow(void **p, int64_t *cap, int64_t need, size_t elem) {
    if (need <= *cap) return SK_OK;
    int64_t nc = *cap ? *cap * 2 : 16;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return sk_error(SK_ENOMEM, "safetensors writer: out of memory");
    *p = q;
    *cap = nc;
    return SK_OK;
}

int sk_stw_add(sk_stw *w, const char *name, sk_dtype dtype, int ndim, const int64_t *shape, const void *data) {
    if (!name || !*name || !strcmp(name, "__metadata__"))
        return sk_error(SK_EINVAL, "safetensors writer: invalid tensor name \"%s\"", name ? name : "(null)");
    if ((unsigned)dtype >= SK_DTYPE_COUNT) return sk_error(SK_EINVAL, "safetensors writer: %s: invalid dtype", name);
    if (ndim < 0 || ndim > SK_ST_MAXDIM)
        return sk_error(SK_EINVAL, "safetensors writer: %s: %d dimensions (0..%d)", name, ndim, SK_ST_MAXDIM);
    for (int64_t i = 0; i < w->n; i++)
        if (!strcmp(w->t[i].name, name)) return sk_error(SK_EINVAL, "safetensors writer: tensor %s added twice", name);
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (shape[i] && numel > (INT64_MAX / 8) / shape[i]))
            return sk_error(SK_EINVAL, "safetensors writer: %s: invalid shape", name);
        numel *= shape[i];
    }
    if (numel && !data) return sk_error(SK_EINVAL, "safetensors writer: %s: no data", name);
    int rc = grow((void **)&w->t, &w->cap, w->n + 1, sizeof *w->t);
    if (rc) return rc;
    stw_entry *e = &w->t[w->n];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name))) return sk_error(SK_ENOMEM, "safetensors writer: out of memory");
    e->dtype = dtype;
    e->ndim = ndim;
    for (int i = 0; i < ndim; i++) e->shape[i] = shape[i];
    e->bytes = numel * (int64_t)dtype_sizes[dtype];
    e->data = data;
    w->n++;
    return SK_OK;
}

int sk_stw_meta(sk_stw *w, const char *key, const char *value) {
    for (int64_t i = 0; i < w->nmeta; i++)
        if (!strcmp(w->meta[2 * i], key)) {   /* replace */
            char *v = strdup(value);
            if (!v) return sk_error(SK_ENOMEM, "safetensors writer: out of memory");
            free(w->meta[2 * i + 1]);
            w->meta[2 * i + 1] = v;
            return SK_OK;
        }
    int64_t cap2 = w->metacap * 2;
    int rc = grow((void **)&w->meta, &cap2, 2 * (w->nmeta + 1), sizeof *w->meta);
    if (rc) return rc;
    w->metacap = cap2 / 2;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return sk_error(SK_ENOMEM, "safetensors writer: out of memory");
    }
    w->meta[2 * w->nmeta] = k;
    w->meta[2 * w->nmeta + 1] = v;
    w->nmeta++;
    return SK_OK;
}

/* A growable text buffer for the header. */
typedef struct sbuf {
    char *p;
    int64_t n, cap;
    int err;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len) {
    if (b->err) return;
    if (grow((void **)&b->p, &b->cap, b->n + (int64_t)len + 1, 1)) {
        b->err = 1;
        return;
    }
    memcpy(b->p + b->n, s, len);
    b->n += (int64_t)len;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_int(sbuf *b, int64_t v) {
    char t[32];
    sb_put(b, t, (size_t)snprintf(t, sizeof t, "%lld", (long long)v));
}
/* A JSON string literal: quote, backslash and control characters escaped; UTF-8 passes through. */
static void sb_json_str(sbuf *b, const char *s) {
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_put(b, e, 2);
        } else if (c < 0x20) {
            char e[8];
            sb_put(b, e, (size_t)snprintf(e, sizeof e, "\\u%04x", c));
        } else {
            sb_put(b, (const char *)&c, 1);
        }
    }
    sb_put(b, "\"", 1);
}

int sk_stw_write(sk_stw *w, const char *path) {
    sbuf h = {0};
    sb_str(&h, "{");
    if (w->nmeta) {
        sb_str(&h, "\"__metadata__\":{");
        for (int64_t i = 0; i < w->nmeta; i++) {
            if (i) sb_str(&h, ",");
            sb_json_str(&h, w->meta[2 * i]);
            sb_str(&h, ":");
            sb_json_str(&h, w->meta[2 * i + 1]);
        }
        sb_str(&h, "}");
    }
    int64_t off = 0;
    for (int64_t i = 0; i < w->n; i++) {
        const stw_entry *e = &w->t[i];
        if (i || w->nmeta) sb_str(&h, ",");
        sb_json_str(&h, e->name);
        sb_str(&h, ":{\"dtype\":\"");
        sb_str(&h, dtype_names[e->dtype]);
        sb_str(&h, "\",\"shape\":[");
        for (int d = 0; d < e->ndim; d++) {
            if (d) sb_str(&h, ",");
            sb_int(&h, e->shape[d]);
        }
        sb_str(&h, "],\"data_offsets\":[");
        sb_int(&h, off);
        sb_str(&h, ",");
        sb_int(&h, off + e->bytes);
        sb_str(&h, "]}");
        off += e->bytes;
    }
    sb_str(&h, "}");
    while (h.n % 8) sb_str(&h, " ");   /* data section starts 8-byte aligned */
    if (h.err) {
        free(h.p);
        return sk_error(SK_ENOMEM, "%s: out of memory building the header", path);
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)h.n >> (8 * i));
    sk_afile af;
    int rc = sk_afile_open(&af, path);
    if (!rc) rc = sk_afile_write(&af, len8, 8);
    if (!rc) rc = sk_afile_write(&af, h.p, (size_t)h.n);
    if (w->pg) {
        int64_t total = 0;
        for (int64_t i = 0; i < w->n; i++) total += w->t[i].bytes;
        w->pg->unit = "bytes", w->pg->total = total;
    }
    enum { PIECE = 16 << 20 }; /* progress every 16 MiB */
    for (int64_t i = 0; i < w->n && !rc; i++)
        for (int64_t o = 0; o < w->t[i].bytes && !rc; o += PIECE) {
            const int64_t k = w->t[i].bytes - o < PIECE ? w->t[i].bytes - o : PIECE;
            rc = sk_afile_write(&af, (const uint8_t *)w->t[i].data + o, (size_t)k);
            sk_progress_add(w->pg, k);
        }
    free(h.p);
    if (rc) {
        sk_afile_abort(&af);
        return rc;
    }
    return sk_afile_commit(&af);
}
