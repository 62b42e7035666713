/* test_data_rank.c — sk_data_set_rank (data parallelism): for byte files and token shards, the
 * ranks' shares of every batch are disjoint and together equal the batch of one process with
 * batch K x B (random mode: the same draws; sequential mode: every window exactly once, all
 * ranks reaching the end on the same batch); errors for bad ranks and for a state saved with
 * another world size. The references are one-process samplers read independently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/sk_data.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

enum { K = 3, B = 2, L = 7, N = 240 };

static sk_data *open_rank(const char *path, int mode, int batch, int rank, int world) {
    sk_data_opts o = {L, batch, SK_DATA_ALL, mode, 5, 0, 0, 0};
    sk_data *d = NULL;
    int rc = sk_data_open(&d, path, SK_DATA_AUTO, &o);
    if (!rc) rc = sk_data_set_rank(d, rank, world);
    SK_CHECK(rc == 0, "open %s rank %d/%d: %s", path, rank, world, sk_errmsg());
    return rc ? NULL : d;
}

/* Random mode: rank r's rows are rows [r*B, (r+1)*B) of the one-process batch of K*B rows. */
static void check_random(const char *path) {
    sk_data *ref = open_rank(path, SK_DATA_RANDOM, K * B, 0, 1), *r[K];
    for (int k = 0; k < K; k++) r[k] = open_rank(path, SK_DATA_RANDOM, B, k, K);
    int32_t ri[K * B * L], rt[K * B * L], in[B * L], tg[B * L];
    int bad = 0, rows = 0;
    for (int it = 0; it < 50 && ref; it++) {
        SK_CHECK(sk_data_next(ref, ri, rt, &rows) == 0, "ref next");
        for (int k = 0; k < K; k++) {
            if (!r[k] || sk_data_next(r[k], in, tg, &rows) || rows != B) bad++;
            else if (memcmp(in, ri + k * B * L, sizeof in) || memcmp(tg, rt + k * B * L, sizeof tg)) bad++;
        }
    }
    SK_CHECK(bad == 0, "%s random: %d rank batches differ from their rows of the one-process batch", path, bad);
    /* every rank holds the same sampler state (rank 0 saves it for all) */
    uint64_t w0[SK_DATA_STATE_WORDS], w1[SK_DATA_STATE_WORDS];
    if (r[0] && r[K - 1]) {
        sk_data_state_get(r[0], w0), sk_data_state_get(r[K - 1], w1);
        SK_CHECK(!memcmp(w0, w1, sizeof w0), "%s: ranks hold the same sampler state", path);
    }
    sk_data_close(ref);
    for (int k = 0; k < K; k++) sk_data_close(r[k]);
}

/* Sequential mode: the windows of the ranks, read until SK_EOF, are each window of the split
 * exactly once (identified by their rows in the one-process pass), and every rank ends on the
 * same batch. */
static void check_sequential(const char *path) {
    sk_data *ref = open_rank(path, SK_DATA_SEQUENTIAL, 1, 0, 1), *r[K];
    for (int k = 0; k < K; k++) r[k] = open_rank(path, SK_DATA_SEQUENTIAL, B, k, K);
    if (!ref) return;
    int64_t nw = sk_data_windows(ref);
    int32_t *win = malloc((size_t)nw * 2 * L * sizeof(int32_t));
    int *seen = calloc((size_t)nw, sizeof(int));
    int rows = 0;
    for (int64_t w = 0; w < nw; w++) SK_CHECK(sk_data_next(ref, win + w * 2 * L, win + w * 2 * L + L, &rows) == 0, "ref");
    int32_t in[B * L], tg[B * L];
    int64_t batches[K] = {0}, unknown = 0, got = 0;
    for (int k = 0; k < K; k++) {
        int rc;
        while (r[k] && (rc = sk_data_next(r[k], in, tg, &rows)) == 0) {
            batches[k]++;
            for (int j = 0; j < rows; j++) {
                int64_t w = 0;   /* which window is this row? (windows differ pairwise in this data) */
                while (w < nw && (memcmp(win + w * 2 * L, in + j * L, L * sizeof(int32_t)) ||
                                  memcmp(win + w * 2 * L + L, tg + j * L, L * sizeof(int32_t))))
                    w++;
                if (w == nw) unknown++;
                else seen[w]++, got++;
            }
        }
    }
    int64_t once = 0;
    for (int64_t w = 0; w < nw; w++) once += seen[w] == 1;
    SK_CHECK(unknown == 0 && once == nw && got == nw, "%s sequential: %lld of %lld windows seen exactly once, %lld rows "
             "in total, %lld unknown", path, (long long)once, (long long)nw, (long long)got, (long long)unknown);
    int64_t want = (nw + K * B - 1) / (K * B);
    for (int k = 0; k < K; k++)
        SK_CHECK(batches[k] == want, "%s: rank %d read %lld batches, want %lld", path, k, (long long)batches[k], (long long)want);
    free(win);
    free(seen);
    sk_data_close(ref);
    for (int k = 0; k < K; k++) sk_data_close(r[k]);
}

int main(void) {
    char dir[] = "/tmp/sk_test_drank_XXXXXX", pb[80], ps[80];
    if (!mkdtemp(dir)) return 1;
    snprintf(pb, sizeof pb, "%s/bytes.txt", dir);
    snprintf(ps, sizeof ps, "%s/ex.skshard", dir);
    /* bytes: i % 251, so every window of N = 240 bytes is distinct */
    FILE *f = fopen(pb, "wb");
    for (int i = 0; i < N; i++) fputc(i % 251, f);
    fclose(f);
    /* a shard of examples of uneven lengths (padded last windows), distinct tokens */
    static const int64_t LEN[] = {3, 20, 9, 31, 2, 15, 8};
    sk_shard_writer *w = NULL;
    int rc = sk_shard_writer_open(&w, ps, 2, "{\"vocab\":{\"size\":9000},\"pad_token\":8999,\"pad_rule\":\"ignore\"}");
    for (int e = 0; e < 7 && !rc; e++) {
        uint16_t tok[64];
        for (int64_t i = 0; i < LEN[e]; i++) tok[i] = (uint16_t)(1000 * e + i);
        rc = sk_shard_writer_add(w, tok, LEN[e], -1, SK_SPLIT_TRAIN);
    }
    if (!rc) rc = sk_shard_writer_commit(w);
    SK_CHECK(rc == 0, "write shard: %s", sk_errmsg());

    check_random(pb);
    check_random(ps);
    check_sequential(pb);
    check_sequential(ps);

    /* errors */
    sk_data *d = open_rank(pb, SK_DATA_RANDOM, B, 0, 1);
    if (d) {
        SK_CHECK(sk_data_set_rank(d, 2, 2) == SK_EINVAL && strstr(sk_errmsg(), "rank 2 is not in a world of 2"), "bad rank: %s", sk_errmsg());
        uint64_t st[SK_DATA_STATE_WORDS];
        sk_data_state_get(d, st);
        sk_data *d2 = open_rank(pb, SK_DATA_RANDOM, B, 1, 2);
        SK_CHECK(d2 && sk_data_state_set(d2, st) == SK_EINVAL, "a one-process state is refused by a 2-rank sampler");
        sk_data_close(d2);
        int32_t in[B * L], tg[B * L];
        int rows;
        SK_CHECK(sk_data_next(d, in, tg, &rows) == 0 && sk_data_set_rank(d, 0, 2) == SK_EINVAL, "rank after the first batch");
        sk_data_close(d);
    }
    unlink(pb), unlink(ps), rmdir(dir);
    return sk_test_finish("test_data_rank");
}
