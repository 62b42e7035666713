/* shard_unigram.c — test helper for test_speech_learn.sh: the unigram (order-0) entropy, in bits
 * per token, of the tokens of one split of a token shard, H_1 = -sum_v p_v log2 p_v with p_v the
 * token frequencies of that split (float64), computed here independently of the trainer.
 * Usage: shard_unigram SHARD SPLIT(0 train, 1 valid, 2 test). Prints "H1 TOKENS". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "src/sk_shard.h"

int main(int argc, char **argv) {
    if (argc != 3) return fprintf(stderr, "usage: shard_unigram SHARD SPLIT\n"), 2;
    const int split = atoi(argv[2]);
    sk_shard *s = NULL;
    if (sk_shard_open(argv[1], &s)) return fprintf(stderr, "shard_unigram: %s\n", sk_errmsg()), 1;
    const int64_t V = sk_shard_vocab_size(s);
    double *cnt = calloc((size_t)V, sizeof *cnt);
    int64_t n = 0;
    int rc = 0;
    for (int64_t i = 0; i < sk_shard_count(s) && !rc; i++) {
        const sk_shard_example e = sk_shard_get(s, i);
        if (e.split != split) continue;
        int32_t *t = malloc((size_t)(e.length ? e.length : 1) * sizeof *t);
        rc = !t || sk_shard_read(s, i, 0, e.length, t);
        for (int64_t k = 0; !rc && k < e.length; k++) {
            if (t[k] < 0 || t[k] >= V) rc = 1;
            else cnt[t[k]]++, n++;
        }
        free(t);
    }
    double h = 0;
    for (int64_t v = 0; v < V && n; v++)
        if (cnt[v] > 0) h -= cnt[v] / (double)n * log2(cnt[v] / (double)n);
    if (!rc && n) printf("%.6f %lld\n", h, (long long)n);
    else fprintf(stderr, "shard_unigram: %s: %s\n", argv[1], rc ? "cannot read the tokens" : "no tokens in that split");
    free(cnt);
    sk_shard_close(s);
    return rc || !n;
}
