/* test_data_rcaug.c — reverse-complement augmentation of sk_data (opts.rc_aug) on a DNA token
 * shard: with the same seed, each row of the augmented sampler is the plain sampler's row when
 * sk_rng_coin(seed, batch, row) is 0, and otherwise the reverse complement of its window of L + 1
 * tokens (A<->T, C<->G, N and special tokens kept), computed here from the token strings; about
 * half the rows are flipped; a state saved mid-run resumes the same rows; a shard without DNA
 * bases and packed rows are refused.
 */
#include "src/sk_data.h"
#include "src/sk_rng.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

#include <string.h>
#include <unistd.h>

enum { L = 16, B = 4, NEX = 5, V = 12 };
static const char *const VOCAB[V] = {"[CLS]", "[SEP]", "[BOS]", "[MASK]", "[PAD]", "[RESERVED]", "[UNK]", "A", "C", "G", "T", "N"};

static int write_shard(const char *path, int dna) {
    char meta[512];
    if (dna)
        snprintf(meta, sizeof meta, "{\"vocab\":[\"[CLS]\",\"[SEP]\",\"[BOS]\",\"[MASK]\",\"[PAD]\",\"[RESERVED]\",\"[UNK]\","
                                    "\"A\",\"C\",\"G\",\"T\",\"N\"],\"pad_token\":4,\"pad_rule\":\"ignore\"}");
    else snprintf(meta, sizeof meta, "{\"vocab\":{\"size\":12},\"pad_token\":4,\"pad_rule\":\"ignore\"}");
    sk_shard_writer *w = NULL;
    if (sk_shard_writer_open(&w, path, 1, meta)) return -1;
    sk_rng r;
    sk_rng_seed(&r, 7, 0);
    for (int e = 0; e < NEX; e++) {
        uint8_t tok[200];
        for (int i = 0; i < 40 + 30 * e; i++) tok[i] = (uint8_t)(i % 29 == 3 ? 6 : 7 + sk_rng_below(&r, 5)); /* bases, N, [UNK] */
        if (sk_shard_writer_add(w, tok, 40 + 30 * e, -1, 0)) {
            sk_shard_writer_abort(w);
            return -1;
        }
    }
    return sk_shard_writer_commit(w);
}

/* the complement from the token strings */
static int32_t comp(int32_t t) {
    static const char *const from = "ACGT", *const to = "TGCA";
    const char *s = VOCAB[t], *p = s[1] ? NULL : strchr(from, s[0]);
    if (!p) return t;
    for (int32_t j = 0; j < V; j++)
        if (!VOCAB[j][1] && VOCAB[j][0] == to[p - from]) return j;
    return -1;
}

int main(void) {
    char dir[] = "/tmp/sk_test_rcaug_XXXXXX", pd[80], pb[80];
    if (!mkdtemp(dir)) return 1;
    snprintf(pd, sizeof pd, "%s/dna.skshard", dir);
    snprintf(pb, sizeof pb, "%s/plain.skshard", dir);
    if (write_shard(pd, 1) || write_shard(pb, 0)) {
        fprintf(stderr, "cannot write shards: %s\n", sk_errmsg());
        return 1;
    }
    const uint64_t seed = 11;
    sk_data_opts o = {.length = L, .batch = B, .split = SK_SPLIT_TRAIN, .mode = SK_DATA_RANDOM, .seed = seed};
    sk_data *plain = NULL, *aug = NULL, *again = NULL;
    SK_CHECK(sk_data_open(&plain, pd, SK_DATA_AUTO, &o) == 0, "open plain: %s", sk_errmsg());
    o.rc_aug = 1;
    SK_CHECK(sk_data_open(&aug, pd, SK_DATA_AUTO, &o) == 0, "open rc_aug: %s", sk_errmsg());
    SK_CHECK(sk_data_open(&again, pd, SK_DATA_AUTO, &o) == 0, "open rc_aug again: %s", sk_errmsg());
    if (!plain || !aug || !again) return sk_test_finish("test_data_rcaug");
    int32_t pi[B * L], pt[B * L], ai[B * L], at[B * L];
    uint64_t saved[SK_DATA_STATE_WORDS];
    int rows, flipped = 0, bad = 0, total = 0;
    for (int b = 0; b < 500; b++) {
        if (b == 250) sk_data_state_get(aug, saved);
        SK_CHECK(sk_data_next(plain, pi, pt, &rows) == 0 && rows == B, "plain batch");
        SK_CHECK(sk_data_next(aug, ai, at, &rows) == 0 && rows == B, "rc_aug batch");
        for (int r = 0; r < B; r++, total++) {
            int32_t w[L + 1], x[L + 1];
            for (int j = 0; j < L; j++) w[j] = pi[r * L + j], x[j] = ai[r * L + j];
            w[L] = pt[r * L + L - 1], x[L] = at[r * L + L - 1];
            int coin = sk_rng_coin(seed, (uint64_t)b, (uint64_t)r);
            flipped += coin;
            for (int j = 0; j <= L; j++) bad += x[j] != (coin ? comp(w[L - j]) : w[j]);
            for (int j = 0; j + 1 < L; j++) bad += at[r * L + j] != x[j + 1]; /* targets: the next input */
        }
    }
    SK_CHECK(bad == 0, "%d tokens differ from the reference", bad);
    SK_CHECK(flipped > total * 4 / 10 && flipped < total * 6 / 10, "%d of %d rows flipped", flipped, total);
    /* resume from the state of batch 250: the same rows as the last 250 batches */
    SK_CHECK(sk_data_state_set(again, saved) == 0, "state set: %s", sk_errmsg());
    sk_data *ref = NULL;
    SK_CHECK(sk_data_open(&ref, pd, SK_DATA_AUTO, &o) == 0, "open ref");
    int same = 1;
    for (int b = 0; ref && b < 500; b++) {
        int32_t ri[B * L], rt[B * L];
        SK_CHECK(sk_data_next(ref, ri, rt, &rows) == 0, "ref batch");
        if (b < 250) continue;
        SK_CHECK(sk_data_next(again, ai, at, &rows) == 0, "resumed batch");
        same &= !memcmp(ri, ai, sizeof ri) && !memcmp(rt, at, sizeof rt);
    }
    SK_CHECK(same, "a resumed sampler draws the same rows");
    /* a state without rc_aug is refused by one with it (fingerprint) */
    sk_data_state_get(plain, saved);
    SK_CHECK(sk_data_state_set(again, saved) != 0, "a plain state is refused");
    sk_data_close(plain), sk_data_close(aug), sk_data_close(again), sk_data_close(ref);
    /* refused: no DNA vocabulary; packed rows */
    sk_data *d = NULL;
    SK_CHECK(sk_data_open(&d, pb, SK_DATA_AUTO, &o) != 0 && strstr(sk_errmsg(), "needs a DNA token shard"), "no DNA vocab: %s", sk_errmsg());
    o.pack = 1;
    SK_CHECK(sk_data_open(&d, pd, SK_DATA_AUTO, &o) != 0 && strstr(sk_errmsg(), "packed"), "packed: %s", sk_errmsg());
    unlink(pd), unlink(pb), rmdir(dir);
    return sk_test_finish("test_data_rcaug");
}
