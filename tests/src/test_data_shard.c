/* test_data_shard.c — sk_data on token shards: split selection, windows inside one example,
 * padding of short examples (pad_rule "ignore" -> -1 targets, "none" -> pad token), sequential
 * coverage of every target, and sniffing by sk_data_open.
 *
 * Example e of length len_e holds tokens 1000*e + position (uint16), so a window tells its
 * example and start; L = 8.
 */
#include "src/sk_data.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

#include <unistd.h>

enum { L = 8, B = 3, NEX = 6 };
static const int64_t LEN[NEX] = {1, 5, 30, 12, 9, 50};
static const int SPLIT[NEX] = {0, 0, 0, 1, 1, 0};   /* train: 0 (too short), 1, 2, 5; valid: 3, 4 */

static int write_shard(const char *path, const char *rule) {
    char meta[160];
    snprintf(meta, sizeof meta, "{\"vocab\":{\"size\":6000},\"pad_token\":5999,\"pad_rule\":\"%s\"}", rule);
    sk_shard_writer *w = NULL;
    if (sk_shard_writer_open(&w, path, 2, meta)) return -1;
    for (int e = 0; e < NEX; e++) {
        uint16_t tok[64];
        for (int64_t i = 0; i < LEN[e]; i++) tok[i] = (uint16_t)(1000 * e + i);
        if (sk_shard_writer_add(w, tok, LEN[e], -1, SPLIT[e])) {
            sk_shard_writer_abort(w);
            return -1;
        }
    }
    return sk_shard_writer_commit(w);
}

int main(void) {
    char dir[] = "/tmp/sk_test_dshard_XXXXXX", pi[80], pn[80];
    if (!mkdtemp(dir)) return 1;
    snprintf(pi, sizeof pi, "%s/ignore.skshard", dir);
    snprintf(pn, sizeof pn, "%s/none.skshard", dir);
    if (write_shard(pi, "ignore") || write_shard(pn, "none")) {
        fprintf(stderr, "cannot write shards: %s\n", sk_errmsg());
        return 1;
    }
    int32_t in[B * L], tg[B * L];
    int rows;
    for (int rule = 0; rule < 2; rule++) {
        const char *path = rule ? pn : pi;
        int32_t tpad = rule ? 5999 : SK_DATA_IGNORE;
        /* Random train windows: examples 1 (5 tokens: 1 padded window), 2 (22), 5 (42): 65 windows. */
        sk_data_opts o = {L, B, SK_SPLIT_TRAIN, SK_DATA_RANDOM, 4, 0, 0, 0};
        sk_data *d = NULL;
        SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open %s: %s", path, sk_errmsg());
        if (!d) continue;
        SK_CHECK(sk_data_windows(d) == 1 + 22 + 42 && sk_data_tokens(d) == 85 && sk_data_vocab_size(d) == 6000,
                 "train windows %lld tokens %lld", (long long)sk_data_windows(d), (long long)sk_data_tokens(d));
        int bad = 0, seen[NEX] = {0};
        for (int i = 0; i < 3000; i++) {
            SK_CHECK(sk_data_next(d, in, tg, &rows) == 0 && rows == B, "batch");
            for (int r = 0; r < B; r++) {
                int e = in[r * L] / 1000, s = in[r * L] % 1000;
                if (e < 0 || e >= NEX || SPLIT[e] != 0 || LEN[e] < 2) {
                    bad++;
                    continue;
                }
                seen[e]++;
                for (int j = 0; j < L; j++) {
                    int64_t p = s + j;
                    int32_t want_in = p < LEN[e] ? (int32_t)(1000 * e + p) : 5999;
                    int32_t want_tg = p + 1 < LEN[e] ? (int32_t)(1000 * e + p + 1) : tpad;
                    bad += in[r * L + j] != want_in || tg[r * L + j] != want_tg;
                }
                bad += LEN[e] >= L + 1 ? s + L + 1 > LEN[e] : s != 0;
            }
        }
        SK_CHECK(bad == 0, "%s: %d wrong window tokens", path, bad);
        SK_CHECK(seen[1] > 0 && seen[2] > 0 && seen[5] > 0 && !seen[3] && !seen[4], "examples drawn %d %d %d %d %d",
                 seen[1], seen[2], seen[3], seen[4], seen[5]);
        /* uniform over windows: example 1 has 1 of 65 windows, so about 9000/65 = 138 draws */
        SK_CHECK(seen[1] > 90 && seen[1] < 190, "short example drawn %d times of 9000 (expected ~138)", seen[1]);
        sk_data_close(d);

        /* Sequential valid pass: examples 3 (11 targets: 2 windows) and 4 (8 targets: 1 window). */
        o.split = SK_SPLIT_VALID;
        o.mode = SK_DATA_SEQUENTIAL;
        SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open valid: %s", sk_errmsg());
        if (!d) continue;
        SK_CHECK(sk_data_windows(d) == 3 && sk_data_targets(d) == 19, "valid windows %lld targets %lld",
                 (long long)sk_data_windows(d), (long long)sk_data_targets(d));
        int cover[NEX][64] = {{0}}, padded = 0, rc;
        while ((rc = sk_data_next(d, in, tg, &rows)) == 0)
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < L; j++) {
                    int32_t t = tg[r * L + j];
                    if (t == tpad) padded++;
                    else if (t / 1000 < NEX && t % 1000 < 64) cover[t / 1000][t % 1000]++;
                }
        int wrong = 0;
        for (int e = 0; e < NEX; e++)
            for (int p = 0; p < 64; p++) wrong += cover[e][p] != (SPLIT[e] == 1 && p >= 1 && p < LEN[e]);
        SK_CHECK(rc == SK_EOF && wrong == 0, "%s: %d valid targets not covered exactly once", path, wrong);
        SK_CHECK(padded == 3 * L - 19, "%s: %d padded targets", path, padded);
        sk_data_close(d);
    }
    /* A shard has no fraction split; test split with no examples is an error naming the file. */
    sk_data_opts o = {L, B, SK_SPLIT_TEST, SK_DATA_RANDOM, 1, 0, 0, 0};
    sk_data *d = NULL;
    SK_CHECK(sk_data_open(&d, pi, SK_DATA_AUTO, &o) == SK_EINVAL && strstr(sk_errmsg(), "ignore.skshard") && strstr(sk_errmsg(), "test split"),
             "empty split: %s", sk_errmsg());
    unlink(pi);
    unlink(pn);
    rmdir(dir);
    return sk_test_finish("test_data_shard");
}
