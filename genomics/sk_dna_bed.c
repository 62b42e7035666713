/* sk_dna_bed.c — BED intervals (3+ tab-separated columns, optional train/valid/test column as in
 * HyenaDNA's sequences_human.bed), checked against the chromosome lengths of a FASTA.
 * BED coordinates are 0-based half-open, the same as ssmkit's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <htslib/bgzf.h>
#include <htslib/khash_str2int.h>
#include <htslib/kstring.h>
#include "genomics/sk_dna.h"

struct sk_dna_bed {
    sk_dna_interval *v;
    int64_t n, cap;
};

const char *sk_dna_split_name(int split) {
    switch (split) {
    case 0: return "train";
    case 1: return "valid";
    case 2: return "test";
    default: return "none";
    }
}

static int split_of(const char *s) {
    if (!strcmp(s, "train")) return 0;
    if (!strcmp(s, "valid") || !strcmp(s, "validation")) return 1;
    if (!strcmp(s, "test")) return 2;
    return -2;
}

/* Parse a decimal integer filling the whole field. */
static int parse_i64(const char *s, int64_t *v) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || errno) return -1;
    *v = x;
    return 0;
}

void sk_dna_bed_free(sk_dna_bed *bed) {
    if (!bed) return;
    free(bed->v);
    free(bed);
}

int64_t sk_dna_bed_count(const sk_dna_bed *bed) { return bed->n; }
const sk_dna_interval *sk_dna_bed_get(const sk_dna_bed *bed, int64_t i) { return &bed->v[i]; }

int sk_dna_bed_read(sk_dna_bed **out, const char *path, const sk_dna_fasta *ref, int split_col) {
    *out = NULL;
    BGZF *fp = bgzf_open(path, "r");
    if (!fp) return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
    sk_dna_bed *bed = calloc(1, sizeof *bed);
    void *names = khash_str2int_init();
    kstring_t line = {0, 0, NULL};
    char **col = NULL;
    int ncol_cap = 0, st = 0;
    if (!bed || !names) {
        st = sk_error(SK_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < sk_dna_fasta_nseq(ref); i++) khash_str2int_set(names, sk_dna_fasta_name(ref, i), i);
    int64_t lineno = 0;
    int r;
    while ((r = bgzf_getline(fp, '\n', &line)) >= 0) {
        lineno++;
        if (line.l == 0 || line.s[0] == '#' || !strncmp(line.s, "track", 5) || !strncmp(line.s, "browser", 7)) continue;
        /* split on tabs */
        int nc = 0;
        for (char *p = line.s;;) {
            if (nc == ncol_cap) {
                ncol_cap = ncol_cap ? 2 * ncol_cap : 16;
                char **nv = realloc(col, (size_t)ncol_cap * sizeof *col);
                if (!nv) {
                    st = sk_error(SK_ENOMEM, "out of memory");
                    goto done;
                }
                col = nv;
            }
            col[nc++] = p;
            char *t = strchr(p, '\t');
            if (!t) break;
            *t = 0;
            p = t + 1;
        }
        if (nc < 3) {
            st = sk_error(SK_EFORMAT, "%s: line %lld: %d column%s, a BED line needs at least 3 tab-separated columns "
                          "(chrom, start, end)", path, (long long)lineno, nc, nc == 1 ? "" : "s");
            goto done;
        }
        if (split_col < 0) split_col = nc >= 4 && split_of(col[3]) >= 0 ? 4 : 0;
        int64_t beg, end;
        int seq;
        if (khash_str2int_get(names, col[0], &seq) != 0) {
            st = sk_error(SK_EFORMAT, "%s: line %lld: unknown chromosome '%s' (not a record of %s)", path,
                          (long long)lineno, col[0], sk_dna_fasta_path(ref));
            goto done;
        }
        if (parse_i64(col[1], &beg) || parse_i64(col[2], &end)) {
            st = sk_error(SK_EFORMAT, "%s: line %lld: start '%s' / end '%s' are not integers", path, (long long)lineno,
                          col[1], col[2]);
            goto done;
        }
        int64_t len = sk_dna_fasta_len(ref, seq);
        if (beg < 0) st = sk_error(SK_EFORMAT, "%s: line %lld: negative start %lld", path, (long long)lineno, (long long)beg);
        else if (beg > end)
            st = sk_error(SK_EFORMAT, "%s: line %lld: start %lld is after end %lld", path, (long long)lineno,
                          (long long)beg, (long long)end);
        else if (beg == end)
            st = sk_error(SK_EFORMAT, "%s: line %lld: empty interval %s:%lld-%lld", path, (long long)lineno, col[0],
                          (long long)beg, (long long)end);
        else if (end > len)
            st = sk_error(SK_EFORMAT, "%s: line %lld: interval %s:%lld-%lld goes beyond the end of the chromosome "
                          "(length %lld)", path, (long long)lineno, col[0], (long long)beg, (long long)end, (long long)len);
        if (st) goto done;
        int split = SK_DNA_SPLIT_NONE;
        if (split_col > 0) {
            if (split_col > nc || (split = split_of(col[split_col - 1])) < 0) {
                st = sk_error(SK_EFORMAT, "%s: line %lld: column %d should be train, valid or test, found '%s'", path,
                              (long long)lineno, split_col, split_col > nc ? "(missing)" : col[split_col - 1]);
                goto done;
            }
        }
        if (bed->n == bed->cap) {
            bed->cap = bed->cap ? 2 * bed->cap : 256;
            sk_dna_interval *nv = realloc(bed->v, (size_t)bed->cap * sizeof *nv);
            if (!nv) {
                st = sk_error(SK_ENOMEM, "out of memory");
                goto done;
            }
            bed->v = nv;
        }
        bed->v[bed->n++] = (sk_dna_interval){seq, beg, end, split};
    }
    if (r < -1) st = sk_error(SK_EFORMAT, "%s: read error after line %lld (corrupt compressed data?)", path, (long long)lineno);
    else if (bed->n == 0) st = sk_error(SK_EFORMAT, "%s: no intervals", path);
done:
    free(col);
    free(line.s);
    if (names) khash_str2int_destroy(names);
    (void)bgzf_close(fp);
    if (st) {
        sk_dna_bed_free(bed);
        return st;
    }
    *out = bed;
    return 0;
}

int sk_dna_bed_whole(sk_dna_bed **out, const sk_dna_fasta *ref) {
    *out = NULL;
    int n = sk_dna_fasta_nseq(ref);
    sk_dna_bed *bed = calloc(1, sizeof *bed);
    if (!bed || !(bed->v = malloc((size_t)n * sizeof *bed->v))) {
        free(bed);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) bed->v[i] = (sk_dna_interval){i, 0, sk_dna_fasta_len(ref, i), SK_DNA_SPLIT_NONE};
    bed->n = bed->cap = n;
    *out = bed;
    return 0;
}
