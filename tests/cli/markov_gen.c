/* markov_gen — write the learning-test source: markov_gen PATH N SEED; prints
 * {"entropy_rate": H, "unigram_entropy": H1} (bits/byte) on stdout. */
#include "tests/cli/markov_source.h"
#include "src/sk_error.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: markov_gen PATH N SEED\n");
        return 2;
    }
    double h1 = 0, h = sk_markov_write(argv[1], atoll(argv[2]), strtoull(argv[3], NULL, 10), &h1);
    if (h < 0) {
        fprintf(stderr, "markov_gen: error: %s\n", sk_errmsg());
        return 1;
    }
    if (h1 < h + 1.5) {
        fprintf(stderr, "markov_gen: seed %s gives unigram entropy %.3f < H + 1.5 = %.3f; use another seed\n", argv[3], h1, h + 1.5);
        return 1;
    }
    printf("{\"entropy_rate\": %.17g, \"unigram_entropy\": %.17g}\n", h, h1);
    return 0;
}
