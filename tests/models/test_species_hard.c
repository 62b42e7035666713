/* test_species_hard.c — the hard real task (label slow): which of the 8 vertebrates of the
 * AUGUSTUS comparative tutorial (orthologous 0.1-0.55 Mbp pieces of bosTau8, canFam3, galGal4,
 * hg38, mm10, monDom5, rheMac3, rn6; tools/fetch-dna.sh OUT -> OUT/vertebrates) a 1024-bp window
 * comes from. Windows containing N are dropped; split by position (train: first 80% of each
 * piece, valid: next 10%, test: last 10%), so no test base is ever trained on.
 *
 * The same training windows feed (a) a 6-mer multinomial naive Bayes with Laplace smoothing,
 * computed here, and (b) `ssmkit finetune`; the fine-tuned model, run through `ssmkit classify`
 * on the test windows, must beat the naive Bayes by >= 5 points of test accuracy.
 *
 * Recipe: a Mamba LM (width 32, 2 blocks) pretrained for 600 updates on windows of the training
 * region, then fine-tuned with the mean-pool head (--pool mean) for 1200 updates of 16 windows,
 * lr 3e-3, reverse-complement augmentation: 44.4% against the naive Bayes' 36.5%. With the paper's
 * last-position head the same recipe reaches 29.8% (SSMKIT_HARD_POOL=last): from ~0.1-0.5 Mbp per species the
 * last position alone does not learn the composition signal a window-wide average picks up
 * (logistic regression on 3- to 7-mer counts reaches 43-47% on these windows; measured with
 * PyTorch while choosing the recipe). SSMKIT_HARD_POOL=last reruns that comparison.
 *
 * Data folder: $SSMKIT_DNA_DATA (default /tmp/dnadata); missing -> skipped (77).
 * Knobs for experiments (defaults are the gate's setting): SSMKIT_HARD_TRAIN (training windows),
 * SSMKIT_HARD_STEPS (fine-tuning), SSMKIT_HARD_BATCH, SSMKIT_HARD_LR, SSMKIT_HARD_PRETRAIN (LM updates),
 * SSMKIT_HARD_INIT (a pretrained LM instead of pretraining here). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "genomics/sk_dna.h"
#include "src/sk_rng.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

#define L 1024
#define K 8
#define KMER 6
#define NF 4096 /* 4^6 */

static const char *const species[K] = {"bosTau8", "canFam3", "galGal4", "hg38", "mm10", "monDom5", "rheMac3", "rn6"};

static int64_t env_int(const char *name, int64_t def) {
    const char *v = getenv(name);
    return v && *v ? strtoll(v, NULL, 10) : def;
}

/* 6-mer index of ids[j..j+5] (A C G T = 7..10), or -1 if any is not a base */
static int kmer(const uint8_t *ids) {
    int x = 0;
    for (int i = 0; i < KMER; i++) {
        if (ids[i] < SK_DNA_A || ids[i] > SK_DNA_T) return -1;
        x = x * 4 + (ids[i] - SK_DNA_A);
    }
    return x;
}

int main(void) {
    const char *data = getenv("SSMKIT_DNA_DATA") ? getenv("SSMKIT_DNA_DATA") : "/tmp/dnadata";
    const char *bin = getenv("SSMKIT_BIN");
    char paths[K][1024];
    const char *pp[K];
    for (int k = 0; k < K; k++) {
        struct stat sb;
        snprintf(paths[k], sizeof paths[k], "%s/vertebrates/%s.fa.gz", data, species[k]);
        pp[k] = paths[k];
        if (stat(paths[k], &sb)) {
            printf("%s missing (run tools/fetch-dna.sh %s): skipped\n", paths[k], data);
            return 77;
        }
    }
    if (!bin) return 77;
    const int64_t ntrain = env_int("SSMKIT_HARD_TRAIN", 4096), steps = env_int("SSMKIT_HARD_STEPS", 1200);
    const int64_t batch = env_int("SSMKIT_HARD_BATCH", 16), nvalid = 256, ntest = 800;
    const char *lr = getenv("SSMKIT_HARD_LR") ? getenv("SSMKIT_HARD_LR") : "3e-3";
    const char *pool = getenv("SSMKIT_HARD_POOL") ? getenv("SSMKIT_HARD_POOL") : "mean";
    char dir[] = "/tmp/sk_hard_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    /* ---- windows: species -> record -> start, uniformly; N windows dropped; split by position */
    sk_dna_species_opts so = {.length = L, .seed = 2024, .split_by = SK_DNA_SPLIT_BY_POSITION, .max_n_frac = 0,
                              .n_valid = nvalid, .n_test = ntest, .max_tries = 100000};
    sk_dna_species *sp;
    int rc = sk_dna_species_create(&sp, pp, K, &so);
    SK_CHECK(rc == 0, "species sampler: %s", sk_errmsg());
    if (rc) return sk_test_finish("test_species_hard");
    uint8_t *train = malloc((size_t)ntrain * L), ids[L];
    int32_t *ytrain = malloc((size_t)ntrain * sizeof(int32_t)), ytest[ntest];
    char seq[L + 1], p[1200];
    snprintf(p, sizeof p, "%s/train.tsv", dir);
    FILE *ft = fopen(p, "w");
    sk_rng rng;
    sk_rng_seed(&rng, 2024, 1);
    for (int64_t i = 0; i < ntrain && !rc; i++) {
        sk_dna_window w;
        rc = sk_dna_species_draw(sp, &rng, 0, &w, train + i * L);
        ytrain[i] = w.label;
        sk_dna_detokenize(train + i * L, L, seq);
        fprintf(ft, "%s\t%s\n", species[w.label], seq);
    }
    fclose(ft);
    snprintf(p, sizeof p, "%s/valid.tsv", dir);
    FILE *fv = fopen(p, "w");
    for (int64_t i = 0; i < nvalid && !rc; i++) {
        sk_dna_window w;
        rc = sk_dna_species_fixed(sp, SK_SPLIT_VALID, i, 0, &w, ids);
        sk_dna_detokenize(ids, L, seq);
        fprintf(fv, "%s\t%s\n", species[w.label], seq);
    }
    fclose(fv);
    snprintf(p, sizeof p, "%s/test.fa", dir);
    FILE *fe = fopen(p, "w");
    uint8_t *test = malloc((size_t)ntest * L);
    for (int64_t i = 0; i < ntest && !rc; i++) {
        sk_dna_window w;
        rc = sk_dna_species_fixed(sp, SK_SPLIT_TEST, i, 0, &w, test + i * L);
        ytest[i] = w.label;
        sk_dna_detokenize(test + i * L, L, seq);
        fprintf(fe, ">w%lld\n%s\n", (long long)i, seq);
    }
    fclose(fe);
    SK_CHECK(rc == 0, "drawing windows: %s", sk_errmsg());
    sk_dna_species_free(sp);
    /* ---- 6-mer multinomial naive Bayes, Laplace smoothing (add-one over the 4^6 features):
     *   P(class) = n_windows(class) / n;  P(kmer | class) = (count + 1) / (total(class) + 4^6)
     *   predict argmax_c log P(c) + sum_kmers log P(kmer | c) */
    static double cnt[K][NF], tot[K], prior[K];
    for (int64_t i = 0; i < ntrain; i++) {
        prior[ytrain[i]] += 1;
        for (int j = 0; j + KMER <= L; j++) {
            int x = kmer(train + i * L + j);
            if (x >= 0) cnt[ytrain[i]][x] += 1, tot[ytrain[i]] += 1;
        }
    }
    int64_t nb_ok = 0;
    for (int64_t i = 0; i < ntest; i++) {
        double best = -INFINITY;
        int arg = 0;
        for (int c = 0; c < K; c++) {
            double s = log(prior[c] / (double)ntrain);
            for (int j = 0; j + KMER <= L; j++) {
                int x = kmer(test + i * L + j);
                if (x >= 0) s += log((cnt[c][x] + 1) / (tot[c] + NF));
            }
            if (s > best) best = s, arg = c;
        }
        nb_ok += arg == ytest[i];
    }
    double nb_acc = (double)nb_ok / (double)ntest;
    printf("naive Bayes (6-mers, Laplace): test accuracy %.4f (%lld / %lld), %lld training windows\n", nb_acc,
           (long long)nb_ok, (long long)ntest, (long long)ntrain);
    /* ---- the fine-tuned model: a small DNA Mamba pretrained as an LM on windows of the training
     * region only (split by position, N dropped), then fine-tuned on the training windows ---- */
    char cmd[8192], init[1200];
    if (getenv("SSMKIT_HARD_INIT")) snprintf(init, sizeof init, "%s", getenv("SSMKIT_HARD_INIT"));
    else {
        snprintf(p, sizeof p, "%s/model.json", dir);
        FILE *fm = fopen(p, "w");
        fputs("{\"arch\":\"mamba-lm\",\"d_model\":32,\"n_layer\":2,\"vocab_size\":12,\"d_state\":8,\"d_conv\":4,"
              "\"expand\":2,\"dt_min\":0.001,\"dt_max\":0.1}\n", fm);
        fclose(fm);
        int k = snprintf(cmd, sizeof cmd, "%s dna windows --species", bin);
        for (int c = 0; c < K; c++) k += snprintf(cmd + k, sizeof cmd - (size_t)k, " %s", paths[c]);
        snprintf(cmd + k, sizeof cmd - (size_t)k, " -L %d --train 4000 --valid 64 --test 0 --max-n 0 --seed 11 -o %s/lm.shard "
                 "&& %s train --data %s/lm.shard --config %s -L %d -b 8 -n %lld --lr 4e-3 --eval-every 0 --eval-batches 4 "
                 "--log-every 100 -o %s/lm.safetensors", L, dir, bin, dir, p, L, (long long)env_int("SSMKIT_HARD_PRETRAIN", 600), dir);
        printf("%s\n", cmd);
        fflush(stdout);
        SK_CHECK(system(cmd) == 0, "pretraining failed");
        snprintf(init, sizeof init, "%s/lm.safetensors", dir);
    }
    int64_t spe = steps / 4 > 0 ? steps / 4 : 1;
    snprintf(cmd, sizeof cmd, "%s finetune --init %s --train %s/train.tsv --valid %s/valid.tsv -L %d -b %lld --epochs 4 "
                              "--steps-per-epoch %lld --warmup-epochs 1 --lr %s --min-lr 1e-5 --rc-aug --pool %s -s 3 -o %s/clf.safetensors",
             bin, init, dir, dir, L, (long long)batch, (long long)spe, lr, pool, dir);
    printf("%s\n", cmd);
    fflush(stdout);
    SK_CHECK(system(cmd) == 0, "finetune failed");
    snprintf(cmd, sizeof cmd, "%s classify -m %s/clf.best.safetensors --rc-average -b 32 %s/test.fa -o %s/pred.tsv", bin,
             dir, dir, dir);
    SK_CHECK(system(cmd) == 0, "classify failed");
    snprintf(p, sizeof p, "%s/pred.tsv", dir);
    FILE *fp = fopen(p, "r");
    char line[4096], name[64], pred[64];
    int64_t ok = 0, n = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        long long beg, end;
        if (line[0] == '#' || !strncmp(line, "record", 6)) continue;
        if (sscanf(line, "w%63s %lld %lld %63s", name, &beg, &end, pred) != 4) continue;
        int64_t i = strtoll(name, NULL, 10);
        if (i < 0 || i >= ntest) continue;
        ok += !strcmp(pred, species[ytest[i]]), n++;
    }
    if (fp) fclose(fp);
    double acc = n ? (double)ok / (double)n : 0;
    printf("fine-tuned Mamba: test accuracy %.4f (%lld / %lld); naive Bayes %.4f; margin %+.1f points\n", acc,
           (long long)ok, (long long)n, nb_acc, 100 * (acc - nb_acc));
    SK_CHECK(n == ntest, "classify gave %lld of %lld test windows", (long long)n, (long long)ntest);
    SK_CHECK(acc >= nb_acc + 0.05, "fine-tuned model %.4f does not beat naive Bayes %.4f by 5 points", acc, nb_acc);
    free(train), free(ytrain), free(test);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (!getenv("SSMKIT_HARD_KEEP") && system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    return sk_test_finish("test_species_hard");
}
