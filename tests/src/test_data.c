/* test_data.c — sk_data on byte files: windows, split, sequential coverage, padding, seeds, resume.
 *
 * The file holds byte i at position i (240 bytes), so every window tells where it came from:
 * start = inputs[0], and the window is right iff inputs[j] = start + j, targets[j] = start + j + 1.
 * valid_fraction 0.25: train = bytes [0, 180), valid = [180, 240). L = 10.
 */
#include "src/sk_data.h"
#include "src/sk_io.h"
#include "tests/sk_test.h"
#include "tests/src/chisq.h"

#include <unistd.h>

enum { N = 240, NTRAIN = 180, L = 10, B = 4 };

static sk_data *open_or_fail(const char *path, int split, int mode, uint64_t seed) {
    sk_data_opts o = {L, B, split, mode, seed, 0.25, 0, 0};
    sk_data *d = NULL;
    int rc = sk_data_open_bytes(&d, path, &o);
    SK_CHECK(rc == 0 && d, "open %s split %d: %s", path, split, sk_errmsg());
    return d;
}

/* Draw k batches into buf (k * 2 * B * L int32). */
static void draw(sk_data *d, int k, int32_t *buf) {
    for (int i = 0; i < k; i++) {
        int rows = -1;
        int rc = sk_data_next(d, buf + (int64_t)i * 2 * B * L, buf + (int64_t)i * 2 * B * L + B * L, &rows);
        SK_CHECK(rc == 0 && rows == B, "batch %d: rc %d rows %d", i, rc, rows);
    }
}

int main(void) {
    char dir[] = "/tmp/sk_test_data_XXXXXX", path[64], empty[64];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/pos.bin", dir);
    snprintf(empty, sizeof empty, "%s/empty.bin", dir);
    uint8_t bytes[N];
    for (int i = 0; i < N; i++) bytes[i] = (uint8_t)i;
    if (sk_write_file_atomic(path, bytes, N) || sk_write_file_atomic(empty, bytes, 0)) return 1;
    int32_t in[B * L], tg[B * L];
    int rows;

    /* Random windows of the train split: whole, inside [0, 180), uniform over the 170 starts. */
    sk_data *d = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 1);
    if (!d) return sk_test_finish("test_data");
    SK_CHECK(sk_data_windows(d) == NTRAIN - L && sk_data_tokens(d) == NTRAIN && sk_data_vocab_size(d) == 256,
             "train: %lld windows %lld tokens", (long long)sk_data_windows(d), (long long)sk_data_tokens(d));
    enum { NS = NTRAIN - L, DRAWS = 25000 };
    static int64_t hist[NS];
    int bad = 0;
    for (int i = 0; i < DRAWS; i++) {
        SK_CHECK(sk_data_next(d, in, tg, &rows) == 0 && rows == B, "random batch %d", i);
        for (int r = 0; r < B; r++) {
            int s = in[r * L];
            for (int j = 0; j < L; j++) bad += in[r * L + j] != s + j || tg[r * L + j] != s + j + 1;
            if (s >= 0 && s < NS) hist[s]++;
            else bad++;
        }
    }
    SK_CHECK(bad == 0, "%d window tokens wrong or outside the train split", bad);
    double ex[NS];
    for (int i = 0; i < NS; i++) ex[i] = 1.0 / NS;
    int df;
    double stat = sk_chisq(hist, ex, NS, (int64_t)DRAWS * B, &df), pv = sk_chisq_pvalue(stat, df);
    SK_CHECK(pv >= 1e-3, "window starts not uniform: chi2 %.1f df %d p %.3g", stat, df, pv);
    /* the same counts against starts 0..168 only (an off-by-one that never draws the last start) */
    ex[NS - 1] = 0;
    for (int i = 0; i < NS - 1; i++) ex[i] = 1.0 / (NS - 1);
    double sb = sk_chisq(hist, ex, NS, (int64_t)DRAWS * B, &df);
    SK_CHECK(isinf(sb), "last start never drawn");
    printf("train starts: chi2 %.1f df %d p %.3f over %d draws (off-by-one model: chi2 %g)\n", stat, df, pv, DRAWS * B, sb);
    SK_CHECK(sk_data_batches(d) == DRAWS, "batch count %lld", (long long)sk_data_batches(d));

    /* Reproducible with the seed; another seed or the other split draws differently. */
    static int32_t a[12 * 2 * B * L], b[12 * 2 * B * L];
    sk_data *d1 = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 5), *d2 = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 5);
    draw(d1, 12, a);
    draw(d2, 12, b);
    SK_CHECK(!memcmp(a, b, sizeof a), "same seed, different batches");
    sk_data *d3 = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 6);
    draw(d3, 12, b);
    SK_CHECK(memcmp(a, b, sizeof a), "seeds 5 and 6 gave the same batches");

    /* Resume: the state after 7 batches restored into a fresh sampler gives the same next 5. */
    uint64_t st[SK_DATA_STATE_WORDS];
    sk_data *r1 = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 9), *r2 = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 9);
    draw(r1, 7, a);
    sk_data_state_get(r1, st);
    draw(r1, 5, a);
    SK_CHECK(sk_data_state_set(r2, st) == 0, "state_set: %s", sk_errmsg());
    SK_CHECK(sk_data_batches(r2) == 7, "restored batch count %lld", (long long)sk_data_batches(r2));
    draw(r2, 5, b);
    SK_CHECK(!memcmp(a, b, 5 * 2 * B * L * sizeof(int32_t)), "resumed sampler drew other batches");
    sk_data *r3 = open_or_fail(path, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 9);   /* without restoring: differs */
    draw(r3, 5, b);
    SK_CHECK(memcmp(a, b, 5 * 2 * B * L * sizeof(int32_t)), "fresh sampler equals the resumed one");
    SK_CHECK(sk_data_state_set(d3, st) == SK_EINVAL && strstr(sk_errmsg(), "other data or options"), "other seed: %s", sk_errmsg());
    st[7] ^= 1;
    SK_CHECK(sk_data_state_set(r2, st) == SK_EFORMAT, "bad magic accepted");

    /* Valid split, random: windows inside [180, 240). */
    sk_data *v = open_or_fail(path, SK_SPLIT_VALID, SK_DATA_RANDOM, 1);
    bad = 0;
    for (int i = 0; i < 200; i++) {
        SK_CHECK(sk_data_next(v, in, tg, &rows) == 0, "valid batch");
        for (int r = 0; r < B; r++) bad += in[r * L] < NTRAIN || in[r * L] + L + 1 > N || tg[r * L + L - 1] != in[r * L] + L;
    }
    SK_CHECK(bad == 0, "%d valid windows outside [180, 240)", bad);

    /* Valid split, sequential: starts 180, 190, ..., 230; every target 181..239 once; the last
     * window (230..239) has targets 231..239 and one ignored target; batch 2 has 2 real rows. */
    sk_data *q = open_or_fail(path, SK_SPLIT_VALID, SK_DATA_SEQUENTIAL, 0);
    SK_CHECK(sk_data_windows(q) == 6 && sk_data_targets(q) == 59, "sequential windows %lld targets %lld",
             (long long)sk_data_windows(q), (long long)sk_data_targets(q));
    for (int pass = 0; pass < 2; pass++) {
        int cover[N] = {0}, ignored = 0, nrows = 0, rc;
        while ((rc = sk_data_next(q, in, tg, &rows)) == 0) {
            nrows += rows;
            for (int r = 0; r < B; r++)
                for (int j = 0; j < L; j++) {
                    int t = tg[r * L + j];
                    if (t == SK_DATA_IGNORE) {
                        ignored++;
                        SK_CHECK(r >= rows || in[r * L + j] == 239 || in[r * L + j] == 0, "pad input %d", in[r * L + j]);
                    } else if (t >= 0 && t < N) {
                        cover[t]++;
                        SK_CHECK(in[r * L + j] == t - 1, "input %d before target %d", in[r * L + j], t);
                    }
                }
        }
        SK_CHECK(rc == SK_EOF && rows == 0, "end of pass: rc %d", rc);
        int wrong = 0;
        for (int t = 0; t < N; t++) wrong += cover[t] != (t > NTRAIN && t < N);
        SK_CHECK(wrong == 0 && nrows == 6, "pass %d: %d targets not covered exactly once, %d rows", pass, wrong, nrows);
        SK_CHECK(ignored == 1 + 2 * L, "pass %d: %d ignored targets (1 tail + 2 empty rows expected)", pass, ignored);
        sk_data_rewind(q);
    }

    /* The whole file (SK_DATA_ALL) and errors that name the file. */
    sk_data_opts o = {L, B, SK_DATA_ALL, SK_DATA_RANDOM, 1, 0.25, 0, 0};
    sk_data *w = NULL;
    SK_CHECK(sk_data_open_bytes(&w, path, &o) == 0 && sk_data_windows(w) == N - L, "whole file");
    sk_data *e = NULL;
    o.length = 300;
    SK_CHECK(sk_data_open_bytes(&e, path, &o) == SK_EINVAL && strstr(sk_errmsg(), "pos.bin") && strstr(sk_errmsg(), "fewer than length"),
             "too short: %s", sk_errmsg());
    o.length = L;
    o.split = SK_SPLIT_TEST;
    SK_CHECK(sk_data_open_bytes(&e, path, &o) == SK_EINVAL && strstr(sk_errmsg(), "no test split"), "test split: %s", sk_errmsg());
    o.split = SK_DATA_ALL;
    SK_CHECK(sk_data_open_bytes(&e, empty, &o) == SK_EINVAL && strstr(sk_errmsg(), "empty.bin"), "empty: %s", sk_errmsg());
    SK_CHECK(sk_data_open_bytes(&e, "/nonexistent/x.bin", &o) == SK_EIO, "missing file: %s", sk_errmsg());
    o.batch = 0;
    SK_CHECK(sk_data_open_bytes(&e, path, &o) == SK_EINVAL && strstr(sk_errmsg(), "batch"), "batch 0: %s", sk_errmsg());
    SK_CHECK(e == NULL, "failed open left a handle");

    sk_data *all[] = {d, d1, d2, d3, r1, r2, r3, v, q, w};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) sk_data_close(all[i]);
    unlink(path);
    unlink(empty);
    rmdir(dir);
    return sk_test_finish("test_data");
}
