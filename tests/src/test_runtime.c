/* test_runtime.c — unit tests of the runtime pieces: errors, RNG, arena, JSON, atomic files. */
#include <unistd.h>
#include "src/sk_arena.h"
#include "src/sk_io.h"
#include "src/sk_json.h"
#include "src/sk_rng.h"
#include "tests/sk_test.h"

static void test_errors(void) {
    int rc = sk_error(SK_EFORMAT, "%s: line %d: bad", "x.fa", 3);
    SK_CHECK(rc == SK_EFORMAT, "sk_error returns its code");
    SK_CHECK(!strcmp(sk_errmsg(), "x.fa: line 3: bad"), "message: %s", sk_errmsg());
    sk_error_wrap(SK_EFORMAT, "reading %s: ", "y");
    SK_CHECK(!strcmp(sk_errmsg(), "reading y: x.fa: line 3: bad"), "wrap: %s", sk_errmsg());
}

static void test_rng(void) {
    sk_rng a, b;
    sk_rng_seed(&a, 42, 0);
    sk_rng_seed(&b, 42, 0);
    int same = 1;
    for (int i = 0; i < 1000; i++) same &= sk_rng_u64(&a) == sk_rng_u64(&b);
    SK_CHECK(same, "same seed gives the same stream");
    sk_rng_seed(&b, 42, 1);
    SK_CHECK(sk_rng_u64(&a) != sk_rng_u64(&b), "streams differ");
    /* Moments of uniform and normal draws over 200k samples (5-sigma bounds). */
    double su = 0, sn = 0, sn2 = 0;
    int n = 200000;
    int64_t counts[10] = {0};
    for (int i = 0; i < n; i++) {
        double u = sk_rng_uniform(&a);
        su += u;
        double z = sk_rng_normal(&a);
        sn += z;
        sn2 += z * z;
        counts[sk_rng_below(&a, 10)]++;
    }
    SK_CHECK(fabs(su / n - 0.5) < 5 * sqrt(1.0 / 12 / n), "uniform mean %g", su / n);
    SK_CHECK(fabs(sn / n) < 5 / sqrt(n), "normal mean %g", sn / n);
    SK_CHECK(fabs(sn2 / n - 1) < 5 * sqrt(2.0 / n), "normal variance %g", sn2 / n);
    double chi2 = 0;
    for (int k = 0; k < 10; k++) chi2 += (counts[k] - n / 10.0) * (counts[k] - n / 10.0) / (n / 10.0);
    SK_CHECK(chi2 < 27.9, "below(10) chi-square %g (9 dof, p=0.001 at 27.9)", chi2);
    int64_t v[100], seen[100] = {0};
    for (int i = 0; i < 100; i++) v[i] = i;
    sk_rng_shuffle_i64(&a, v, 100);
    int perm = 1;
    for (int i = 0; i < 100; i++) perm &= !seen[v[i]]++;
    SK_CHECK(perm, "shuffle is a permutation");
}

static void test_arena(void) {
    sk_arena a;
    float *x = (float *)1, *y = (float *)1, *z = (float *)1;
    sk_arena_init(&a, "test", sizeof(float));
    SK_CHECK(sk_arena_add(&a, "x", 3, (void **)&x) == 0, "add");
    SK_CHECK(sk_arena_add(&a, "empty", 0, (void **)&z) == 0, "add");
    SK_CHECK(sk_arena_add(&a, "y", 17, (void **)&y) == 0, "add");
    SK_CHECK(sk_arena_alloc(&a) == 0, "alloc");
    SK_CHECK(z == NULL, "size-0 slot is NULL");
    SK_CHECK(((uintptr_t)x % 64) == 0 && ((uintptr_t)y % 64) == 0, "slots are 64-byte aligned");
    SK_CHECK(y >= x + 3, "slots do not overlap");
    SK_CHECK(x[0] == 0 && y[16] == 0, "zero-filled");
    SK_CHECK(sk_arena_bytes(&a) == (16 + 32) * 4, "bytes %lld", (long long)sk_arena_bytes(&a));
    sk_arena_free(&a);
}

static void test_json(void) {
    cJSON *j;
    SK_CHECK(sk_json_parse("{\"a\": 3, \"b\": 2.5, \"s\": \"x\", \"t\": true}", 39, "cfg", &j) == 0, "parse");
    int64_t a = 0;
    double b = 0, missing = 7;
    const char *s = NULL;
    int t = 0;
    SK_CHECK(sk_json_int(j, "a", "cfg", &a) == 0 && a == 3, "int");
    SK_CHECK(sk_json_num(j, "b", "cfg", &b) == 0 && b == 2.5, "num");
    SK_CHECK(sk_json_num(j, "zz", "cfg", &missing) == 0 && missing == 7, "missing keeps the default");
    SK_CHECK(sk_json_str(j, "s", "cfg", &s) == 0 && !strcmp(s, "x"), "str");
    SK_CHECK(sk_json_bool(j, "t", "cfg", &t) == 0 && t == 1, "bool");
    SK_CHECK(sk_json_int(j, "b", "cfg", &a) == SK_EINVAL, "non-integer rejected");
    SK_CHECK(strstr(sk_errmsg(), "\"b\"") != NULL, "message names the key: %s", sk_errmsg());
    cJSON_Delete(j);
    SK_CHECK(sk_json_parse("{\n\"a\": }", 8, "bad.json", &j) == SK_EFORMAT, "invalid JSON");
    SK_CHECK(strstr(sk_errmsg(), "bad.json") && strstr(sk_errmsg(), "line 2"), "message: %s", sk_errmsg());
}

static void test_atomic(void) {
    char dir[] = "/tmp/sk_test_atomicXXXXXX";
    SK_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[256];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    sk_afile af;
    SK_CHECK(sk_afile_open(&af, path) == 0, "open");
    SK_CHECK(sk_afile_write(&af, "abc", 3) == 0, "write");
    SK_CHECK(access(path, F_OK) != 0, "nothing under the final name before commit");
    SK_CHECK(sk_afile_commit(&af) == 0, "commit");
    char *data;
    int64_t len;
    SK_CHECK(sk_read_file(path, &data, &len) == 0 && len == 3 && !memcmp(data, "abc", 3), "content");
    free(data);
    SK_CHECK(sk_afile_open(&af, path) == 0, "open again");
    SK_CHECK(sk_afile_write(&af, "zzzz", 4) == 0, "write");
    sk_afile_abort(&af);
    SK_CHECK(sk_read_file(path, &data, &len) == 0 && len == 3, "abort keeps the old file");
    free(data);
    unlink(path);
    rmdir(dir);
    SK_CHECK(sk_afile_open(&af, "/nonexistent-dir/x.bin") == SK_EIO, "unwritable folder");
    SK_CHECK(strstr(sk_errmsg(), "/nonexistent-dir/x.bin") != NULL, "names the path: %s", sk_errmsg());
}

int main(void) {
    test_errors();
    test_rng();
    test_arena();
    test_json();
    test_atomic();
    return sk_test_finish("test_runtime");
}
