/* fuzz_bed.c — libFuzzer harness for the BED reader (genomics/sk_dna_bed.c). The input is a BED
 * file (plain or bgzip), read against a small FASTA written once at start-up, with the split
 * column chosen automatically (as dna windows does) and fixed at column 4; every interval it
 * accepts must lie inside its chromosome. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <htslib/hts_log.h>
#include "genomics/sk_dna.h"
#include "fuzz_common.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static sk_dna_fasta *ref;

/* The FASTA is written to a temporary folder, opened (names and lengths stay in memory) and
 * removed at once, so a killed run leaves nothing behind. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    hts_set_log_level(HTS_LOG_OFF);   /* htslib's own complaints about bad gzip data: noise here */
    char dir[] = "/tmp/ssmkit-fuzz-bed-XXXXXX", fa[64], fai[64];
    if (!mkdtemp(dir)) abort();
    snprintf(fa, sizeof fa, "%s/ref.fa", dir);
    snprintf(fai, sizeof fai, "%s/ref.fa.fai", dir);
    FILE *f = fopen(fa, "w");
    if (!f || fputs(">chr1 first\nACGTACGTAC\nGTNNACGT\n>chr2\nAC\n>chrM\nACGTACGTACGTACGTACGT\n", f) < 0 || fclose(f))
        abort();
    int rc = sk_dna_fasta_open(&ref, fa);
    unlink(fai), unlink(fa), rmdir(dir);
    if (rc) {
        fprintf(stderr, "fuzz_bed: %s\n", sk_errmsg());
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    static const int split_cols[] = {-1, 4};
    for (int k = 0; k < 2; k++) {
        sk_dna_bed *bed = NULL;
        int rc = sk_dna_bed_read(&bed, path, ref, split_cols[k]);
        fuzz_check_error(rc, path);
        if (rc) continue;
        for (int64_t i = 0; i < sk_dna_bed_count(bed); i++) {
            const sk_dna_interval *v = sk_dna_bed_get(bed, i);
            if (v->seq < 0 || v->seq >= sk_dna_fasta_nseq(ref) || v->beg < 0 || v->beg >= v->end ||
                v->end > sk_dna_fasta_len(ref, v->seq))
                abort();
        }
        sk_dna_bed_free(bed);
    }
    return 0;
}
