/* test_dna_rank.c — data-parallel shares of the DNA samplers: interval windows of rank r of K
 * are positions r, r+K, ... of the epoch permutation, so the K shares are disjoint, equal in
 * size floor(n/K), and with the last n mod K positions cover the epoch (checked against the
 * one-process sk_dna_windows_get of every epoch position); species streams differ per rank and
 * are reproducible. */
#include <stdint.h>
#include "genomics/sk_dna.h"
#include "tests/genomics/dna_test_util.h"
#include "tests/sk_test.h"

int main(void) {
    if (!mkdtemp(dna_test_dir)) return 1;
    char fa[4096], *p = fa;
    p += sprintf(p, ">chr1\n");
    for (int i = 0; i < 1000; i++) *p++ = "ACGT"[(i * 7 + i / 13) % 4];
    p += sprintf(p, "\n>chr2\n");
    for (int i = 0; i < 500; i++) *p++ = "ACGT"[(i * 5 + i / 7) % 4];
    sprintf(p, "\n");
    write_text(tpath("r.fa"), fa);
    sk_dna_fasta *f = NULL;
    sk_dna_bed *bed = NULL;
    sk_dna_windows *w = NULL;
    sk_dna_windows_opts o = {.length = 16, .mode = SK_DNA_WIN_MAMBA, .split = SK_DNA_SPLIT_NONE, .seed = 3, .shuffle = 1};
    if (sk_dna_fasta_open(&f, tpath("r.fa")) || sk_dna_bed_whole(&bed, f) || sk_dna_windows_create(&w, bed, f, &o)) {
        SK_CHECK(0, "setup: %s", sk_errmsg());
        return sk_test_finish("test_dna_rank");
    }
    const int64_t n = sk_dna_windows_count(w);
    SK_CHECK(n == 1000 / 16 + 500 / 16, "windows: %lld", (long long)n);
    for (int K = 1; K <= 4; K++) {
        for (int64_t epoch = 0; epoch < 3; epoch++) {
            sk_dna_windows_epoch(w, epoch);
            /* position of each window (seq, beg) in the one-process epoch order */
            int used[1000 / 16 + 500 / 16] = {0};
            int64_t bad = 0, total = 0;
            for (int r = 0; r < K; r++) {
                int64_t c = sk_dna_windows_rank_count(w, r, K);
                bad += c != n / K;
                for (int64_t i = 0; i < c; i++) {
                    sk_dna_window x = sk_dna_windows_rank_get(w, r, K, i);
                    int64_t pos = -1;
                    for (int64_t j = 0; j < n && pos < 0; j++) {
                        sk_dna_window y = sk_dna_windows_get(w, j);
                        if (y.seq == x.seq && y.beg == x.beg) pos = j;
                    }
                    if (pos < 0 || pos % K != r) bad++;
                    else used[pos]++, total++;
                }
            }
            int64_t twice = 0, tail_ok = 1;
            for (int64_t j = 0; j < n; j++) {
                twice += used[j] > 1;
                if (j < n - n % K && used[j] != 1) tail_ok = 0;   /* covered */
                if (j >= n - n % K && used[j] != 0) tail_ok = 0;  /* the tail sits out */
            }
            SK_CHECK(!bad && !twice && tail_ok && total == n - n % K,
                     "K=%d epoch %lld: %lld misplaced, %lld repeated, covered %lld of %lld", K, (long long)epoch,
                     (long long)bad, (long long)twice, (long long)total, (long long)(n - n % K));
        }
    }
    /* species streams: rank 0 and rank 1 draw different sequences; a rank's is reproducible */
    sk_rng a, b, c;
    sk_dna_species_rank_rng(&a, 11, 0), sk_dna_species_rank_rng(&b, 11, 1), sk_dna_species_rank_rng(&c, 11, 1);
    int same01 = 0, same11 = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t x = sk_rng_below(&a, 1u << 30), y = sk_rng_below(&b, 1u << 30), z = sk_rng_below(&c, 1u << 30);
        same01 += x == y, same11 += y == z;
    }
    SK_CHECK(same01 == 0 && same11 == 64, "species streams: %d equal draws across ranks, %d of 64 reproduced", same01, same11);
    sk_dna_windows_free(w);
    sk_dna_bed_free(bed);
    sk_dna_fasta_close(f);
    remove_test_dir();
    return sk_test_finish("test_dna_rank");
}
