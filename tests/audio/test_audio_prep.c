/* test_audio_prep.c — `audio prep` on a generated folder: exact example counts and lengths in
 * clips and chunks modes, padding and the autoregressive pair, labels from parent folders,
 * splits by file (fractions with a seed, and SC09 list files), reproducibility, constant clips
 * and bad files (--skip-bad). `test_audio_prep --gen DIR` only writes the folder (for the CLI test).
 */
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "audio/sk_audio.h"
#include "src/sk_io.h"
#include "src/sk_rng.h"
#include "tests/sk_test.h"

/* The generated set, in natural (strverscmp) order of the full paths. */
typedef struct gen_file { const char *rel; int rate, frames, kind; } gen_file;   /* kind 0 PCM16, 1 float, 2 silent */
static const gen_file gen[] = {
    {"one/b_0.wav", 16000, 16000, 0}, {"one/b_1.wav", 16000, 10000, 0}, {"one/b_2.wav", 16000, 3000, 0},
    {"two/c_0.wav", 8000, 8000, 0},   {"two/c_1.wav", 16000, 16000, 1}, {"two/c_2.wav", 16000, 16000, 2},
    {"zero/a_0.wav", 16000, 16000, 0}, {"zero/a_1.wav", 16000, 12000, 0}, {"zero/a_2.wav", 16000, 20000, 0},
};
enum { NGEN = sizeof gen / sizeof gen[0] };
static const int gen_label[NGEN] = {0, 0, 0, 1, 1, 1, 2, 2, 2};   /* labels sorted: one, two, zero */

static int generate(const char *root) {
    char p[1024];
    snprintf(p, sizeof p, "mkdir -p '%s/one' '%s/two' '%s/zero' '%s/bad'", root, root, root, root);
    if (system(p) != 0) return -1;
    for (int k = 0; k < NGEN; k++) {
        snprintf(p, sizeof p, "%s/%s", root, gen[k].rel);
        SF_INFO si = {.samplerate = gen[k].rate, .channels = 1,
                      .format = SF_FORMAT_WAV | (gen[k].kind == 1 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16)};
        SNDFILE *f = sf_open(p, SFM_WRITE, &si);
        if (!f) return -1;
        float *x = malloc(sizeof(float) * (size_t)gen[k].frames);
        sk_rng r;
        sk_rng_seed(&r, 100 + (uint64_t)k, 0);
        for (int i = 0; i < gen[k].frames; i++) {
            double t = (double)i / gen[k].rate;
            x[i] = gen[k].kind == 2 ? 0.0f : (float)(0.3 * sin(2 * M_PI * (150 + 40 * k) * t * (1 + t)) + 0.02 * sk_rng_normal(&r));
        }
        sf_count_t w = sf_writef_float(f, x, gen[k].frames);
        sf_close(f);
        free(x);
        if (w != gen[k].frames) return -1;
    }
    snprintf(p, sizeof p, "%s/bad/junk.wav", root);
    FILE *f = fopen(p, "w");
    if (!f) return -1;
    fputs("not audio at all\n", f);
    fclose(f);
    return 0;
}

static char root[256], shard[300];

/* Samples of generated file k as prep sees them (mono, 16 kHz). */
static float *load_gen(int k, int64_t *n) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", root, gen[k].rel);
    float *x = NULL;
    if (sk_audio_load(p, 16000, SK_AUDIO_SRC_MEDIUM, &x, n) != SK_OK) return NULL;
    return x;
}

static int list_gen(char ***files, int64_t *n, int with_bad) {
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/one", root);   /* a folder, a file and two folders: all walked */
    snprintf(b, sizeof b, "%s/bad", root);
    char two[300], zero[300];
    snprintf(two, sizeof two, "%s/two", root);
    snprintf(zero, sizeof zero, "%s/zero", root);
    char *in[4] = {zero, a, two, b};
    return sk_audio_list_files(in, with_bad ? 4 : 3, files, n);
}

static void test_list(void) {
    char **files;
    int64_t n;
    SK_CHECK(list_gen(&files, &n, 0) == SK_OK && n == NGEN, "listed %lld files", (long long)n);
    for (int k = 0; k < NGEN && k < n; k++) {
        char want[600];
        snprintf(want, sizeof want, "%s/%s", root, gen[k].rel);
        SK_CHECK(!strcmp(files[k], want), "file %d: %s, want %s (natural order)", k, files[k], want);
    }
    sk_audio_free_list(files, n);
}

static void test_clips(void) {
    char **files;
    int64_t n;
    if (list_gen(&files, &n, 0) != SK_OK) return;
    sk_audio_prep_opts o;
    sk_audio_prep_defaults(&o);
    o.split[0] = 1, o.split[1] = 0, o.split[2] = 0;
    sk_audio_prep_stats st;
    int rc = sk_audio_prep(files, n, shard, &o, &st);
    SK_CHECK(rc == SK_OK, "prep clips: %s", sk_errmsg());
    sk_audio_free_list(files, n);
    if (rc) return;
    SK_CHECK(st.examples == NGEN - 1 && st.skipped_silent == 1 && st.cut == 1 && st.skipped_bad == 0 && st.files == NGEN - 1,
             "stats: %lld examples, %lld silent, %lld cut", (long long)st.examples, (long long)st.skipped_silent, (long long)st.cut);
    sk_shard *s;
    SK_CHECK(sk_shard_open(shard, &s) == SK_OK, "open shard: %s", sk_errmsg());
    SK_CHECK(sk_shard_count(s) == NGEN - 1 && sk_shard_token_width(s) == 1 && sk_shard_vocab_size(s) == 256 &&
                 sk_shard_pad_token(s) == 128 && sk_shard_pad_ignore(s) == 1,
             "shard header: %lld examples", (long long)sk_shard_count(s));
    const char *meta = sk_shard_meta(s);
    SK_CHECK(strstr(meta, "\"labels\":[\"one\",\"two\",\"zero\"]") && strstr(meta, "\"domain\":\"audio\"") &&
                 strstr(meta, "\"codec\":\"mulaw\"") && strstr(meta, "\"mode\":\"clips\"") && strstr(meta, "\"minmax\":true") &&
                 strstr(meta, "\"rate\":16000") && strstr(meta, "\"bos_token\":128") && strstr(meta, "\"pad_rule\":\"ignore\""),
             "metadata: %s", meta);
    int64_t e = 0;
    int32_t *tok = malloc(sizeof(int32_t) * 16000), *x = malloc(sizeof(int32_t) * 16000), *y = malloc(sizeof(int32_t) * 16000);
    uint8_t *q = malloc(20000);
    for (int k = 0; k < NGEN; k++) {
        if (gen[k].kind == 2) continue;   /* the silent clip is skipped */
        int64_t ns;
        float *f = load_gen(k, &ns);
        int64_t want_len = ns < 16000 ? ns : 16000;   /* shorter kept whole, longer cut */
        if (gen[k].rate == 16000) SK_CHECK(ns == gen[k].frames, "file %d read length", k);
        sk_shard_example ex = sk_shard_get(s, e);
        SK_CHECK(ex.length == want_len && ex.label == gen_label[k] && ex.split == SK_SPLIT_TRAIN, "example %lld: length %lld want %lld, label %d",
                 (long long)e, (long long)ex.length, (long long)want_len, ex.label);
        /* tokens = encode(first want_len samples) with min-max over the example */
        SK_CHECK(f && sk_audio_encode(f, want_len, SK_AUDIO_MULAW, 1, q) == SK_OK, "encode ref");
        SK_CHECK(sk_shard_read(s, e, 0, ex.length, tok) == SK_OK, "read");
        int bad = 0;
        for (int64_t i = 0; i < want_len; i++) bad += tok[i] != q[i];
        SK_CHECK(bad == 0, "example %lld: %d tokens differ", (long long)e, bad);
        /* autoregressive pair at L = 16000: x = (128, s0 .. s_{len-2}, 128 ...), y = (s, -1 ...) */
        int64_t len = sk_audio_ar_pair(s, e, 16000, x, y);
        int ok = len == want_len && x[0] == 128;
        for (int64_t t = 1; t < 16000; t++) ok &= x[t] == (t < len ? tok[t - 1] : 128);
        for (int64_t t = 0; t < 16000; t++) ok &= y[t] == (t < len ? tok[t] : SK_AUDIO_IGNORE);
        SK_CHECK(ok, "example %lld: autoregressive pair (len %lld)", (long long)e, (long long)len);
        free(f);
        e++;
    }
    SK_CHECK(sk_audio_ar_pair(s, 99, 10, x, y) < 0, "ar_pair out of range is an error");
    sk_shard_close(s);
    free(tok), free(x), free(y), free(q);
}

static void test_chunks_and_splits(void) {
    char **files;
    int64_t n;
    if (list_gen(&files, &n, 0) != SK_OK) return;
    int64_t ns_c0;
    free(load_gen(3, &ns_c0));
    /* chunks of 4000: full chunks per file, remainder dropped, < 1 chunk skipped, silent skipped */
    const int64_t per_file[NGEN] = {4, 2, 0, ns_c0 / 4000, 4, 0, 4, 3, 5};
    int64_t total = 0;
    for (int k = 0; k < NGEN; k++) total += per_file[k];
    sk_audio_prep_opts o;
    sk_audio_prep_defaults(&o);
    o.mode = SK_AUDIO_CHUNKS;
    o.length = 4000;
    o.split[0] = 0.6, o.split[1] = 0.2, o.split[2] = 0.2;
    o.seed = 42;
    sk_audio_prep_stats st;
    SK_CHECK(sk_audio_prep(files, n, shard, &o, &st) == SK_OK, "prep chunks: %s", sk_errmsg());
    SK_CHECK(st.examples == total && st.skipped_short == 1 && st.skipped_silent == 4, "chunks: %lld examples (want %lld), %lld short, %lld silent",
             (long long)st.examples, (long long)total, (long long)st.skipped_short, (long long)st.skipped_silent);
    /* expected split by file: seeded shuffle, round(9 * 0.2) = 2 valid, 2 test, 5 train */
    int64_t perm[NGEN];
    for (int k = 0; k < NGEN; k++) perm[k] = k;
    sk_rng r;
    sk_rng_seed(&r, 42, 0);
    sk_rng_shuffle_i64(&r, perm, NGEN);
    int split[NGEN];
    for (int j = 0; j < NGEN; j++) split[perm[j]] = j < 5 ? 0 : j < 7 ? 1 : 2;
    sk_shard *s;
    SK_CHECK(sk_shard_open(shard, &s) == SK_OK, "open");
    int64_t e = 0;
    int ok = sk_shard_count(s) == total;
    int32_t *tok = malloc(sizeof(int32_t) * 4000);
    uint8_t *q = malloc(4000);
    for (int k = 0; k < NGEN && ok; k++) {
        int64_t ns;
        float *f = per_file[k] ? load_gen(k, &ns) : NULL;
        for (int64_t c = 0; c < per_file[k]; c++, e++) {
            sk_shard_example ex = sk_shard_get(s, e);
            ok &= ex.length == 4000 && ex.split == split[k] && ex.label == gen_label[k];
            /* each chunk min-max scaled on its own */
            ok &= sk_audio_encode(f + c * 4000, 4000, SK_AUDIO_MULAW, 1, q) == SK_OK && sk_shard_read(s, e, 0, 4000, tok) == SK_OK;
            for (int i = 0; i < 4000; i++) ok &= tok[i] == q[i];
        }
        free(f);
    }
    SK_CHECK(ok, "chunks: lengths, per-chunk tokens, labels and split by file");
    sk_shard_close(s);
    free(tok), free(q);

    /* same seed: byte-identical; another seed: another assignment */
    char other[320];
    snprintf(other, sizeof other, "%s.again", shard);
    SK_CHECK(sk_audio_prep(files, n, other, &o, &st) == SK_OK, "again");
    char *a, *b;
    int64_t la, lb;
    SK_CHECK(sk_read_file(shard, &a, &la) == SK_OK && sk_read_file(other, &b, &lb) == SK_OK, "read back");
    SK_CHECK(la == lb && !memcmp(a, b, (size_t)la), "same seed gives the same shard bytes");
    free(b);
    o.seed = 7;
    SK_CHECK(sk_audio_prep(files, n, other, &o, &st) == SK_OK && sk_read_file(other, &b, &lb) == SK_OK, "seed 7");
    SK_CHECK(la != lb || memcmp(a, b, (size_t)la), "another seed gives another split");
    free(a), free(b);

    /* SC09 list files: neither list = train */
    char lists[300], p[400];
    snprintf(lists, sizeof lists, "%s/lists", root);
    mkdir(lists, 0755);
    snprintf(p, sizeof p, "%s/validation_list.txt", lists);
    SK_CHECK(sk_write_file_atomic(p, "zero/a_1.wav\none/b_0.wav\n", 26) == SK_OK, "write list");
    snprintf(p, sizeof p, "%s/testing_list.txt", lists);
    SK_CHECK(sk_write_file_atomic(p, "two/c_1.wav\r\n", 13) == SK_OK, "write list");
    sk_audio_prep_defaults(&o);
    o.split_lists = lists;
    SK_CHECK(sk_audio_prep(files, n, shard, &o, &st) == SK_OK, "prep lists: %s", sk_errmsg());
    SK_CHECK(st.per_split[0] == 5 && st.per_split[1] == 2 && st.per_split[2] == 1, "lists: %lld/%lld/%lld", (long long)st.per_split[0],
             (long long)st.per_split[1], (long long)st.per_split[2]);
    SK_CHECK(sk_shard_open(shard, &s) == SK_OK, "open");
    /* example order: b_0 b_1 b_2 c_0 c_1 a_0 a_1 a_2 (c_2 silent) */
    static const int want[8] = {1, 0, 0, 0, 2, 0, 1, 0};
    ok = sk_shard_count(s) == 8;
    for (int i = 0; i < 8 && ok; i++) ok &= sk_shard_get(s, i).split == want[i];
    SK_CHECK(ok, "split from the list files");
    sk_shard_close(s);
    sk_audio_free_list(files, n);
}

static void test_bad(void) {
    char **files;
    int64_t n;
    if (list_gen(&files, &n, 1) != SK_OK) return;
    SK_CHECK(n == NGEN + 1, "with the bad folder: %lld files", (long long)n);
    char out[320];
    snprintf(out, sizeof out, "%s/bad.shard", root);
    sk_audio_prep_opts o;
    sk_audio_prep_defaults(&o);
    sk_audio_prep_stats st;
    SK_CHECK(sk_audio_prep(files, n, out, &o, &st) == SK_EFORMAT && strstr(sk_errmsg(), "junk.wav"), "bad file fails: %s", sk_errmsg());
    SK_CHECK(access(out, F_OK) != 0, "no shard left after a failure");
    o.skip_bad = 1;
    SK_CHECK(sk_audio_prep(files, n, out, &o, &st) == SK_OK && st.skipped_bad == 1 && st.examples == NGEN - 1, "--skip-bad: %lld skipped",
             (long long)st.skipped_bad);
    snprintf(out, sizeof out, "%s/no/such/dir/x.shard", root);
    SK_CHECK(sk_audio_prep(files, n, out, &o, &st) == SK_EIO && strstr(sk_errmsg(), out), "unwritable output: %s", sk_errmsg());
    sk_audio_free_list(files, n);
    char *none[1] = {root};
    SK_CHECK(sk_audio_prep(none, 0, out, &o, &st) == SK_EINVAL, "no files");
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--gen")) return generate(argv[2]) ? 1 : 0;
    snprintf(root, sizeof root, "%s/sk_audio_prep_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root) || generate(root)) {
        perror("generate");
        return 1;
    }
    snprintf(shard, sizeof shard, "%s/out.shard", root);
    test_list();
    test_clips();
    test_chunks_and_splits();
    test_bad();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", root);
    return sk_test_finish("test_audio_prep");
}
