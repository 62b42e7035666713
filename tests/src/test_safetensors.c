/* test_safetensors.c — safetensors writer/reader and the fp16/bf16 conversions.
 *
 * References are independent of the code under test: the written file is parsed here with cJSON
 * and raw byte offsets; half-precision values are computed from the IEEE formulas in double;
 * malformed files are assembled byte by byte.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "src/sk_io.h"
#include "src/sk_safetensors.h"
#include "tests/sk_test.h"

static char dir[256];

static const char *tmp_path(const char *name) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* Reference decoders from the IEEE 754 definitions (double arithmetic, exact). */
static double ref_f16(uint16_t h) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
    return s ? -v : v;
}
static double ref_bf16(uint16_t h) {
    int s = h >> 15, e = (h >> 7) & 255, m = h & 127;
    double v = e == 0 ? ldexp(m, -133) : e == 255 ? (m ? NAN : INFINITY) : ldexp(128 + m, e - 134);
    return s ? -v : v;
}
static int same_float(float a, double b) { return (isnan(a) && isnan(b)) || (double)a == b; }

static void test_conversions(void) {
    int bad16 = 0, badbf = 0, rt16 = 0, rtbf = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = sk_f16_to_f32((uint16_t)h), b = sk_bf16_to_f32((uint16_t)h);
        bad16 += !same_float(a, ref_f16((uint16_t)h)) || !!signbit(a) != ((h >> 15) != 0);
        badbf += !same_float(b, ref_bf16((uint16_t)h)) || !!signbit(b) != ((h >> 15) != 0);
        /* every non-NaN half value is exactly representable: the round trip must give it back */
        if (!isnan(a)) rt16 += sk_f32_to_f16(a) != h;
        if (!isnan(b)) rtbf += sk_f32_to_bf16(b) != h;
    }
    SK_CHECK(bad16 == 0, "%d f16 values decode wrongly", bad16);
    SK_CHECK(badbf == 0, "%d bf16 values decode wrongly", badbf);
    SK_CHECK(rt16 == 0, "%d f16 values do not round-trip", rt16);
    SK_CHECK(rtbf == 0, "%d bf16 values do not round-trip", rtbf);
    /* known bit patterns */
    SK_CHECK(sk_f32_to_f16(1.0f) == 0x3C00 && sk_f32_to_f16(-2.0f) == 0xC000, "f16 1, -2");
    SK_CHECK(sk_f32_to_f16(65504.0f) == 0x7BFF && sk_f16_to_f32(0x3555) == 0.333251953125f, "f16 max, 1/3");
    /* round to nearest even at ties, in normals, at the overflow edge and in subnormals */
    SK_CHECK(sk_f32_to_f16(1.0f + 0x1p-11f) == 0x3C00, "f16 tie rounds down to even");
    SK_CHECK(sk_f32_to_f16(1.0f + 3 * 0x1p-11f) == 0x3C02, "f16 tie rounds up to even");
    SK_CHECK(sk_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f) == 0x3C01, "f16 above tie rounds up");
    SK_CHECK(sk_f32_to_f16(65519.0f) == 0x7BFF && sk_f32_to_f16(65520.0f) == 0x7C00, "f16 overflow edge");
    SK_CHECK(sk_f32_to_f16(1e10f) == 0x7C00 && sk_f32_to_f16(-INFINITY) == 0xFC00, "f16 inf");
    SK_CHECK(sk_f32_to_f16(0x1p-25f) == 0x0000 && sk_f32_to_f16(0x1.8p-25f) == 0x0001, "f16 smallest subnormal");
    SK_CHECK(sk_f32_to_f16(0x1.8p-24f) == 0x0002 && sk_f32_to_f16(0x1p-30f) == 0, "f16 subnormal ties/underflow");
    SK_CHECK(sk_f32_to_f16(0x1.ffcp-15f) == 0x0400, "f16 subnormal rounds up into the smallest normal");
    SK_CHECK(sk_f32_to_f16(-0.0f) == 0x8000, "f16 -0");
    SK_CHECK(sk_f32_to_bf16(1.0f + 0x1p-8f) == 0x3F80 && sk_f32_to_bf16(1.0f + 3 * 0x1p-8f) == 0x3F82, "bf16 ties");
    SK_CHECK(sk_f32_to_bf16(FLT_MAX) == 0x7F80, "bf16 rounds FLT_MAX to inf");
    /* NaN stays NaN, including a signalling NaN whose payload lies in the dropped bits */
    float snan;
    uint32_t snan_bits = 0x7F800001u;
    memcpy(&snan, &snan_bits, 4);
    uint16_t n16 = sk_f32_to_f16(snan), nb = sk_f32_to_bf16(snan);
    SK_CHECK((n16 & 0x7C00) == 0x7C00 && (n16 & 0x3FF), "f16 NaN preserved (0x%04x)", n16);
    SK_CHECK((nb & 0x7F80) == 0x7F80 && (nb & 0x7F), "bf16 NaN preserved (0x%04x)", nb);
    SK_CHECK(isnan(sk_f16_to_f32(sk_f32_to_f16(NAN))) && isnan(sk_bf16_to_f32(sk_f32_to_bf16(-NAN))), "NaN");
}

/* Parse the written file independently: header length, JSON, and where each tensor's bytes are. */
static void check_file_layout(const char *path, const char *name, const char *dtype, const void *bytes, size_t n) {
    char *f;
    int64_t len;
    if (sk_read_file(path, &f, &len)) {
        SK_CHECK(0, "cannot read %s", path);
        return;
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)f[i];
    SK_CHECK(hl % 8 == 0 && 8 + hl <= (uint64_t)len, "header length %llu", (unsigned long long)hl);
    cJSON *j = cJSON_ParseWithLength(f + 8, hl);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype"), *off = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    SK_CHECK(cJSON_IsString(dt) && !strcmp(dt->valuestring, dtype), "%s: dtype in the file", name);
    if (cJSON_GetArraySize(off) == 2) {
        int64_t b = (int64_t)off->child->valuedouble, e = (int64_t)off->child->next->valuedouble;
        SK_CHECK(e - b == (int64_t)n && 8 + (int64_t)hl + e <= len && !memcmp(f + 8 + hl + b, bytes, n),
                 "%s: bytes in the file at the offsets of the header", name);
    } else {
        SK_CHECK(0, "%s: no data_offsets in the file", name);
    }
    cJSON_Delete(j);
    free(f);
}

static void test_round_trip(void) {
    /* one tensor per dtype, filled with a byte pattern; shapes vary (scalar, 1-d, 3-d) */
    enum { N = 24 };
    uint8_t src[SK_DTYPE_COUNT][N * 8];
    int64_t shape[SK_DTYPE_COUNT][3];
    char names[SK_DTYPE_COUNT][32];
    sk_stw *w;
    SK_CHECK(sk_stw_create(&w) == 0, "create");
    for (int d = 0; d < SK_DTYPE_COUNT; d++) {
        size_t es = sk_dtype_size((sk_dtype)d);
        for (int i = 0; i < N * 8; i++) src[d][i] = (uint8_t)(i * 37 + d * 11 + 1);
        if (d == SK_BOOL)
            for (int i = 0; i < N; i++) src[d][i] &= 1;
        shape[d][0] = 2, shape[d][1] = 3, shape[d][2] = 4;
        snprintf(names[d], sizeof names[d], "layer.%s \"q\"", sk_dtype_name((sk_dtype)d));
        SK_CHECK(es > 0 && sk_dtype_from_name(sk_dtype_name((sk_dtype)d)) == d, "dtype %d name", d);
        SK_CHECK(sk_stw_add(w, names[d], (sk_dtype)d, 3, shape[d], src[d]) == 0, "add %s", names[d]);
    }
    float scalar = 3.5f;
    SK_CHECK(sk_stw_add(w, "scalar", SK_F32, 0, NULL, &scalar) == 0, "add scalar");
    int64_t zero_shape[2] = {0, 5};
    SK_CHECK(sk_stw_add(w, "empty", SK_F32, 2, zero_shape, NULL) == 0, "add empty");
    SK_CHECK(sk_stw_add(w, "scalar", SK_F32, 0, NULL, &scalar) == SK_EINVAL, "duplicate name rejected");
    const char *config = "{\"d_model\": 64,\n \"arch\": \"mamba\"}";
    SK_CHECK(sk_stw_meta(w, "config", config) == 0 && sk_stw_meta(w, "format", "pt") == 0, "meta");
    SK_CHECK(sk_stw_meta(w, "note", "tab\there \"quoted\" \\ é") == 0, "meta with escapes");
    const char *path = tmp_path("all.safetensors");
    SK_CHECK(sk_stw_write(w, "/nonexistent-dir/x.safetensors") == SK_EIO &&
                 strstr(sk_errmsg(), "/nonexistent-dir/x.safetensors"),
             "unwritable folder: %s", sk_errmsg());
    SK_CHECK(sk_stw_write(w, path) == 0, "write: %s", sk_errmsg());
    sk_stw_free(w);

    for (int d = 0; d < SK_DTYPE_COUNT; d++)
        check_file_layout(path, names[d], sk_dtype_name((sk_dtype)d), src[d], N * sk_dtype_size((sk_dtype)d));

    sk_st *st;
    if (sk_st_open(path, &st)) {
        SK_CHECK(0, "open: %s", sk_errmsg());
        return;
    }
    SK_CHECK(sk_st_count(st) == SK_DTYPE_COUNT + 2, "count %lld", (long long)sk_st_count(st));
    SK_CHECK(!strcmp(sk_st_path(st), path), "path");
    for (int d = 0; d < SK_DTYPE_COUNT; d++) {
        const sk_st_tensor *t = sk_st_find(st, names[d]);
        SK_CHECK(t && t == sk_st_at(st, d) && t->dtype == (sk_dtype)d && t->ndim == 3 && t->numel == N &&
                     t->shape[0] == 2 && t->shape[2] == 4,
                 "%s: header", names[d]);
        uint8_t got[N * 8];
        size_t nb = N * sk_dtype_size((sk_dtype)d);
        memset(got, 0, sizeof got);
        SK_CHECK(sk_st_read_raw(st, names[d], got, nb) == 0 && !memcmp(got, src[d], nb), "%s: raw bytes", names[d]);
        SK_CHECK(sk_st_read_raw(st, names[d], got, nb + 1) == SK_EINVAL, "%s: wrong byte count", names[d]);
        /* float dtypes read as f32 against the reference decoders */
        float f[N];
        int rc = sk_st_read_f32(st, names[d], f, N);
        if (d == SK_F32 || d == SK_F16 || d == SK_BF16 || d == SK_F64) {
            int bad = 0;
            for (int i = 0; i < N; i++) {
                double ref;
                if (d == SK_F32) {
                    float x;
                    memcpy(&x, src[d] + 4 * i, 4);
                    ref = x;
                } else if (d == SK_F64) {
                    double x;
                    memcpy(&x, src[d] + 8 * i, 8);
                    ref = (float)x;
                } else {
                    uint16_t h = (uint16_t)(src[d][2 * i] | src[d][2 * i + 1] << 8);
                    ref = d == SK_F16 ? ref_f16(h) : ref_bf16(h);
                }
                bad += !same_float(f[i], ref);
            }
            SK_CHECK(rc == 0 && bad == 0, "%s: f32 values (%d wrong)", names[d], bad);
            SK_CHECK(sk_st_read_f32(st, names[d], f, N - 1) == SK_EINVAL && strstr(sk_errmsg(), "[2, 3, 4]") &&
                         strstr(sk_errmsg(), "expects 23"),
                     "%s: numel mismatch message: %s", names[d], sk_errmsg());
        } else {
            SK_CHECK(rc == SK_EUNSUP, "%s: integer dtype read as f32 refused", names[d]);
        }
    }
    float s = 0;
    SK_CHECK(sk_st_read_f32(st, "scalar", &s, 1) == 0 && s == 3.5f && sk_st_find(st, "scalar")->ndim == 0, "scalar");
    SK_CHECK(sk_st_read_f32(st, "empty", &s, 0) == 0 && sk_st_find(st, "empty")->numel == 0, "empty tensor");
    SK_CHECK(sk_st_find(st, "nope") == NULL && sk_st_read_f32(st, "nope", &s, 1) != 0 && strstr(sk_errmsg(), "nope"),
             "absent tensor");
    SK_CHECK(sk_st_meta(st, "config") && !strcmp(sk_st_meta(st, "config"), config), "config metadata");
    SK_CHECK(sk_st_meta(st, "format") && !strcmp(sk_st_meta(st, "format"), "pt"), "format metadata");
    SK_CHECK(sk_st_meta(st, "note") && !strcmp(sk_st_meta(st, "note"), "tab\there \"quoted\" \\ é"), "escaped metadata");
    SK_CHECK(sk_st_meta(st, "absent") == NULL && sk_st_meta_count(st) == 3, "metadata count");
    const char *v = NULL;
    SK_CHECK(!strcmp(sk_st_meta_at(st, 1, &v), "format") && !strcmp(v, "pt") && !sk_st_meta_at(st, 3, &v), "meta_at");
    sk_st_close(st);
}

/* Write u64 header length + header + data bytes. */
static const char *write_raw(const char *name, uint64_t hlen, const char *header, const void *data, size_t n) {
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    uint8_t l[8];
    for (int i = 0; i < 8; i++) l[i] = (uint8_t)(hlen >> (8 * i));
    fwrite(l, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    if (n) fwrite(data, 1, n, f);
    fclose(f);
    return path;
}
static const char *write_st(const char *name, const char *header, const void *data, size_t n) {
    return write_raw(name, strlen(header), header, data, n);
}

static void expect_bad(const char *path, const char *what, const char *needle) {
    sk_st *st = (sk_st *)1;
    int rc = sk_st_open(path, &st);
    SK_CHECK(rc == SK_EFORMAT && st == NULL, "%s: code %d", what, rc);
    SK_CHECK(strstr(sk_errmsg(), path) != NULL, "%s: message names the file: %s", what, sk_errmsg());
    SK_CHECK(strstr(sk_errmsg(), needle) != NULL, "%s: message '%s' lacks '%s'", what, sk_errmsg(), needle);
    if (!rc) sk_st_close(st);
}

static void test_malformed(void) {
    uint8_t data[64] = {0};
    const char *ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
    /* the well-formed baseline opens */
    sk_st *st;
    SK_CHECK(sk_st_open(write_st("ok.st", ok, data, 16), &st) == 0, "baseline: %s", sk_errmsg());
    if (st) sk_st_close(st);

    const char *empty = tmp_path("empty.st");
    fclose(fopen(empty, "wb"));
    expect_bad(empty, "empty file", "empty file");
    expect_bad(write_raw("short.st", 0, "", NULL, 0), "8-byte file", "too small");
    expect_bad(write_raw("len_beyond.st", 1000, ok, data, 16), "header length beyond the file", "beyond the end of the file");
    expect_bad(write_raw("len_2_40.st", (uint64_t)1 << 40, ok, data, 16), "header length 2^40", ">= 2^40");
    expect_bad(write_raw("len_huge.st", UINT64_MAX, ok, data, 16), "header length 2^64-1", ">= 2^40");
    /* header text, bytes of data after it, what, expected words in the message */
    static const struct {
        const char *header;
        size_t ndata;
        const char *what, *needle;
    } cases[] = {
        {"{\"a\": [1, 2", 0, "header not JSON", "not valid JSON"},
        {"{} xyz", 0, "garbage after JSON", "after the JSON header"},
        {"[1, 2, 3]", 0, "header not an object", "not a JSON object"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 16, "offsets beyond the data",
         "beyond the data section"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 32, "offsets do not match shape x dtype",
         "shape x F32 needs 6 x 4"},
        {"{\"a\":{\"dtype\":\"F64\",\"shape\":[4503599627370496,4503599627370496],\"data_offsets\":[0,0]}}", 0,
         "shape overflowing 64 bits", "overflows"},
        {"{\"a\":{\"dtype\":\"F64\",\"shape\":[1125899906842624,4096],\"data_offsets\":[0,0]}}", 0,
         "numel x dtype size overflowing", "needs 4611686018427387904 x 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[12,28]}}",
         32, "overlapping offsets", "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,16]}}", 16, "negative shape",
         "shape[0] is not a non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,1.5],\"data_offsets\":[0,12]}}", 16, "non-integer shape",
         "shape[1] is not a non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[\"4\"],\"data_offsets\":[0,16]}}", 16, "string shape", "shape[0]"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, "too many dims",
         "9 dimensions"},
        {"{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 16, "unknown dtype",
         "unknown dtype \"F8_E4M3\""},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0]}}", 16, "one offset", "data_offsets"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[-4,0]}}", 16, "negative offset", "data_offsets"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,4]}}", 16, "begin > end", "begin after end"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
         "\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}",
         8, "duplicate names", "appears twice"},
        {"{\"__metadata__\":{\"config\":{\"d\":1}}}", 0, "non-string metadata", "__metadata__ \"config\""},
        {"{\"a\":[1]}", 0, "tensor entry not an object", "tensor a"},
        /* truncated data: the good file cut in the middle of its tensor */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 10, "truncated data", "truncated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.st", i);
        expect_bad(write_st(name, cases[i].header, data, cases[i].ndata), cases[i].what, cases[i].needle);
    }
}

/* A tensor placed at an odd 2-byte-aligned file offset must still read (memcpy, no casts). */
static void test_unaligned(void) {
    /* header of length 10 puts the data at byte 18: 2-aligned, not 4-aligned */
    const char *hdr = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[2,14]}}";
    float vals[3] = {1.5f, -2.25f, 1e-3f};
    uint8_t data[14] = {0};
    memcpy(data + 2, vals, 12);
    const char *path = write_st("unaligned.st", hdr, data, 14);
    size_t hl = strlen(hdr);
    SK_CHECK((8 + hl + 2) % 4 != 0, "test setup: tensor not 4-aligned (%zu)", 8 + hl + 2);
    sk_st *st;
    if (sk_st_open(path, &st)) {
        SK_CHECK(0, "open unaligned: %s", sk_errmsg());
        return;
    }
    float got[3];
    SK_CHECK(sk_st_read_f32(st, "x", got, 3) == 0 && !memcmp(got, vals, 12), "unaligned F32 read");
    sk_st_close(st);
}

/* Every single-byte corruption of a small good file opens cleanly or fails with SK_EFORMAT and a
 * message naming the file (ASan/UBSan builds turn any out-of-bounds access into a failure). */
static void test_byte_corruptions(void) {
    const char *hdr = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                      "\"b\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[12,20]}}";
    uint8_t data[20] = {0};
    char *f;
    int64_t len;
    if (sk_read_file(write_st("good.st", hdr, data, sizeof data), &f, &len)) {
        SK_CHECK(0, "setup");
        return;
    }
    static const uint8_t vals[] = {0, 0xff, '"', '9', '-', '{', ']', ','};
    const char *path = tmp_path("corrupt.st");
    int bad = 0, opened = 0;
    for (int64_t i = 0; i < len; i++)
        for (size_t v = 0; v < sizeof vals; v++) {
            char old = f[i];
            f[i] = (char)vals[v];
            FILE *o = fopen(path, "wb");
            fwrite(f, 1, (size_t)len, o);
            fclose(o);
            f[i] = old;
            sk_st *st;
            int rc = sk_st_open(path, &st);
            if (rc == 0) {
                float x[6];
                opened++;
                if (sk_st_find(st, "a") && sk_st_find(st, "a")->numel == 6 && sk_st_read_f32(st, "a", x, 6)) bad++;
                sk_st_close(st);
            } else if (rc != SK_EFORMAT || !strstr(sk_errmsg(), path)) {
                if (bad++ < 5) fprintf(stderr, "byte %lld = %d: code %d: %s\n", (long long)i, vals[v], rc, sk_errmsg());
            }
        }
    SK_CHECK(bad == 0 && opened > 0, "%d byte corruptions handled badly (%d opened)", bad, opened);
    free(f);
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/sk_st_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    test_conversions();
    test_round_trip();
    test_malformed();
    test_unaligned();
    test_byte_corruptions();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return sk_test_finish("test_safetensors");
}
