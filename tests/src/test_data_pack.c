/* test_data_pack.c — packed rows (sk_data opts.pack, Mamba paper §3.5):
 *  - the stream: every example of n tokens gives n - 1 positions (input s_o, target s_{o+1},
 *    reset at o = 0), laid end to end; checked position by position against a list built here
 *    independently, for sequential rows (every position exactly once, padding after the end)
 *    and random rows (each row a contiguous slice of the list starting at a uniform position);
 *  - no target crosses an example; windows count; state save/restore; the fingerprint differs
 *    from the unpacked sampler's;
 *  - with a small random Mamba LM: a sequential packed pass with batch 1 and the recurrent state
 *    carried from row to row gives the total NLL of every example run alone (<= 1e-5 relative),
 *    and a training-style packed batch (several examples per row, resets, no state) gives each
 *    example's loss as alone (<= 1e-5 relative).
 * Example e holds tokens (3 e + i) mod 11 + 1 (vocabulary 12), so rows are easy to check. */
#include <math.h>
#include <unistd.h>
#include "models/sk_mamba.h"
#include "src/sk_data.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

enum { NEX = 7, L = 8 };
static const int64_t LEN[NEX] = {5, 2, 17, 1, 3, 40, 9}; /* example 3 (1 token) has no target: left out */

static int32_t tok_of(int e, int64_t i) { return (int32_t)((3 * e + i * (e + 1)) % 11 + 1); }

static int write_shard(const char *path) {
    sk_shard_writer *w = NULL;
    if (sk_shard_writer_open(&w, path, 1, "{\"vocab\":{\"size\":12},\"pad_token\":0,\"pad_rule\":\"ignore\"}")) return -1;
    for (int e = 0; e < NEX; e++) {
        uint8_t t[64];
        for (int64_t i = 0; i < LEN[e]; i++) t[i] = (uint8_t)tok_of(e, i);
        if (sk_shard_writer_add(w, t, LEN[e], -1, SK_SPLIT_TRAIN)) {
            sk_shard_writer_abort(w);
            return -1;
        }
    }
    return sk_shard_writer_commit(w);
}

/* the independent position list */
typedef struct { int32_t in, tg; uint8_t rs; int e; } pos_t;
static int64_t build(pos_t *p) {
    int64_t n = 0;
    for (int e = 0; e < NEX; e++)
        for (int64_t o = 0; o + 1 < LEN[e]; o++) p[n++] = (pos_t){tok_of(e, o), tok_of(e, o + 1), o == 0, e};
    return n;
}

static void test_rows(const char *path, pos_t *P, int64_t np) {
    int32_t in[2 * L], tg[2 * L];
    int rows;
    /* sequential, batch 2 */
    sk_data_opts o = {.length = L, .batch = 2, .split = SK_DATA_ALL, .mode = SK_DATA_SEQUENTIAL, .seed = 1, .pack = 1};
    sk_data *d = NULL;
    SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open: %s", sk_errmsg());
    if (!d) return;
    SK_CHECK(sk_data_windows(d) == (np + L - 1) / L, "sequential rows %lld, want %lld", (long long)sk_data_windows(d),
             (long long)((np + L - 1) / L));
    SK_CHECK(sk_data_targets(d) == np, "targets %lld, want %lld", (long long)sk_data_targets(d), (long long)np);
    int64_t k = 0, bad = 0, pad = 0;
    int rc;
    while ((rc = sk_data_next(d, in, tg, &rows)) == 0) {
        const uint8_t *rs = sk_data_resets(d);
        for (int64_t j = 0; j < 2 * L; j++, k++) {
            if (k < np) bad += in[j] != P[k].in || tg[j] != P[k].tg || rs[j] != P[k].rs;
            else pad += in[j] == 0 && tg[j] == SK_DATA_IGNORE && rs[j] == 0;
        }
    }
    SK_CHECK(rc == SK_EOF, "sequential pass ends with SK_EOF");
    SK_CHECK(bad == 0 && k >= np, "sequential packed rows: %lld wrong positions of %lld", (long long)bad, (long long)np);
    SK_CHECK(pad == k - np, "padding after the stream: %lld of %lld", (long long)pad, (long long)(k - np));
    printf("sequential packed rows: %lld positions from %d examples, %lld rows, every position as built independently\n",
           (long long)np, NEX - 1, (long long)sk_data_windows(d));
    sk_data_close(d);
    /* random, batch 2: each row = P[s .. s+L) for a start s in [0, np - L] */
    o.mode = SK_DATA_RANDOM;
    SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open random: %s", sk_errmsg());
    if (!d) return;
    SK_CHECK(sk_data_windows(d) == np - L + 1, "random starts %lld", (long long)sk_data_windows(d));
    int64_t nomatch = 0, first = 0, last = 0;
    uint64_t words[SK_DATA_STATE_WORDS];
    int32_t in2[2 * L];
    for (int it = 0; it < 400; it++) {
        if (it == 200) sk_data_state_get(d, words);
        SK_CHECK(sk_data_next(d, in, tg, &rows) == 0 && rows == 2, "random batch");
        if (it == 200) memcpy(in2, in, sizeof in);
        const uint8_t *rs = sk_data_resets(d);
        for (int r = 0; r < 2; r++) {
            int64_t s = -1;
            for (int64_t c = 0; c + L <= np && s < 0; c++) {
                int ok = 1;
                for (int64_t j = 0; j < L && ok; j++)
                    ok = in[r * L + j] == P[c + j].in && tg[r * L + j] == P[c + j].tg && rs[r * L + j] == P[c + j].rs;
                if (ok) s = c;
            }
            nomatch += s < 0;
            first += s == 0, last += s == np - L;
        }
    }
    SK_CHECK(nomatch == 0, "random packed rows: %lld rows are not a slice of the stream", (long long)nomatch);
    SK_CHECK(first > 0 && last > 0, "random starts reach both ends (%lld, %lld)", (long long)first, (long long)last);
    SK_CHECK(sk_data_state_set(d, words) == 0, "restore");
    SK_CHECK(sk_data_next(d, in, tg, &rows) == 0 && !memcmp(in, in2, sizeof in), "restored state repeats the batch");
    uint64_t wp[SK_DATA_STATE_WORDS];
    sk_data_state_get(d, wp);
    sk_data_close(d);
    o.pack = 0;
    SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open unpacked");
    SK_CHECK(d && sk_data_resets(d) == NULL, "no resets without pack");
    SK_CHECK(d && sk_data_state_set(d, wp) == SK_EINVAL, "a packed state is refused by an unpacked sampler");
    sk_data_close(d);
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-30); }

static void test_model(const char *path) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = 16, c.n_layer = 2, c.vocab_size = 12, c.blk.d_state = 4, c.blk.dt_min = 0.01, c.blk.dt_max = 0.5;
    SK_CHECK(sk_mamba_config_finish(&c, "test") == 0, "config");
    sk_mamba_lm *m;
    SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 4, 64, 0) == 0, "create: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_init(m, 3) == 0, "init");
    /* each example alone: NLL of its n - 1 targets */
    double alone[NEX] = {0}, total = 0;
    for (int e = 0; e < NEX; e++) {
        if (LEN[e] < 2) continue;
        int32_t x[64], y[64];
        for (int64_t i = 0; i < LEN[e]; i++) x[i] = tok_of(e, i), y[i] = i + 1 < LEN[e] ? tok_of(e, i + 1) : -1;
        double l;
        SK_CHECK(sk_mamba_lm_forward(m, x, y, 1, LEN[e], NULL, NULL, &l) == 0, "alone");
        alone[e] = l * (double)(LEN[e] - 1), total += alone[e];
    }
    /* (a) sequential packed rows of L, batch 1, state carried from row to row (streaming eval) */
    sk_data_opts o = {.length = L, .batch = 1, .split = SK_DATA_ALL, .mode = SK_DATA_SEQUENTIAL, .seed = 1, .pack = 1};
    sk_data *d = NULL;
    SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open");
    sk_mamba_lm_state *st;
    SK_CHECK(sk_mamba_lm_state_create(m, 1, &st) == 0, "state");
    int32_t in[4 * 64], tg[4 * 64];
    int rows;
    double streamed = 0;
    while (d && sk_data_next(d, in, tg, &rows) == 0) {
        SK_CHECK(sk_mamba_lm_forward(m, in, tg, 1, L, sk_data_resets(d), st, NULL) == 0, "row: %s", sk_errmsg());
        for (int j = 0; j < L; j++) streamed += sk_mamba_lm_position_losses(m)[j];
    }
    printf("packed sequential rows of %d with the state carried: total NLL %.9g vs examples alone %.9g (relative %.2g)\n",
           L, streamed, total, rel(streamed, total));
    SK_CHECK(rel(streamed, total) <= 1e-5, "streamed packed NLL relative error %.3g", rel(streamed, total));
    sk_data_close(d);
    sk_mamba_lm_state_free(st);
    /* (b) training rows: L = 64, one row holds examples 0..4 whole and the start of 5 */
    o.length = 64, o.batch = 1;
    SK_CHECK(sk_data_open(&d, path, SK_DATA_AUTO, &o) == 0, "open 64");
    SK_CHECK(d && sk_data_next(d, in, tg, &rows) == 0, "row");
    double loss;
    SK_CHECK(sk_mamba_lm_forward(m, in, tg, 1, 64, sk_data_resets(d), NULL, &loss) == 0, "packed forward");
    const float *pl = sk_mamba_lm_position_losses(m);
    int64_t p = 0;
    double worst = 0;
    for (int e = 0; e < 5; e++) {
        double s = 0;
        for (int64_t o2 = 0; o2 + 1 < LEN[e]; o2++) s += pl[p++];
        if (LEN[e] < 2) continue;
        worst = fmax(worst, rel(s, alone[e]));
        SK_CHECK(rel(s, alone[e]) <= 1e-5, "example %d in a packed row: %.9g vs alone %.9g", e, s, alone[e]);
    }
    printf("training-style packed row (examples 0-4 whole, 5 cut): per-example NLL vs alone, worst relative %.2g\n", worst);
    sk_data_close(d);
    sk_mamba_lm_free(m);
}

int main(void) {
    char dir[] = "/tmp/sk_test_dpack_XXXXXX", path[80];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/p.skshard", dir);
    if (write_shard(path)) {
        fprintf(stderr, "cannot write the shard: %s\n", sk_errmsg());
        return 1;
    }
    pos_t P[128];
    int64_t np = build(P);
    test_rows(path, P, np);
    test_model(path);
    unlink(path);
    rmdir(dir);
    return sk_test_finish("test_data_pack");
}
