/* bw_dump.c — prints every value of a bigWig file as bedGraph lines (chrom start end value, one
 * line per interval) through libBigWig's reader, so test_track_cli.sh can check what
 * `ssmkit eval --per-base -o X.bw` wrote against the bedGraph of the same run. */
#include <stdio.h>
#include <bigWig.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bw_dump FILE.bw\n");
        return 2;
    }
    if (bwInit(1 << 17)) return 1;
    bigWigFile_t *fp = bwOpen(argv[1], NULL, "r");
    if (!fp) {
        fprintf(stderr, "bw_dump: %s: cannot open as bigWig\n", argv[1]);
        return 1;
    }
    int rc = 0;
    for (int64_t c = 0; c < fp->cl->nKeys && !rc; c++) {
        bwOverlappingIntervals_t *o = bwGetOverlappingIntervals(fp, fp->cl->chrom[c], 0, fp->cl->len[c]);
        if (!o) {
            rc = 1;
            break;
        }
        for (uint32_t i = 0; i < o->l; i++)
            printf("%s\t%u\t%u\t%.7g\n", fp->cl->chrom[c], o->start[i], o->end[i], (double)o->value[i]);
        bwDestroyOverlappingIntervals(o);
    }
    bwClose(fp);
    bwCleanup();
    return rc;
}
