/* sk_dna_report.c — the text reports of `ssmkit dna stats|fetch|view|bench` (sk_dna_report.h). */
#include "genomics/sk_dna_report.h"

#include <stdlib.h>
#include "genomics/sk_dna_run.h"
#include "src/sk_progress.h"

/* ---- stats ---- */

static int stats_alignments(const char *path, sk_dna_bam *b, FILE *out) {
    int st;
    sk_dna_aln a;
    int64_t n = 0, bases = 0, mapped = 0;
    while ((st = sk_dna_bam_next(b, &a)) == 0) {
        n++;
        bases += a.len;
        mapped += !(a.flag & 4);
    }
    if (st != SK_EOF) return st;
    fprintf(out, "%s\t%lld\t%lld\t%lld\t%lld\n", path, (long long)n, (long long)bases, (long long)mapped,
            (long long)(n - mapped));
    return SK_OK;
}

static int stats_seqs(const char *path, sk_dna_reader *r, FILE *out) {
    sk_dna_stats st;
    int rc = sk_dna_stats_read(r, &st);
    if (rc < 0) return rc;
    const int64_t *k = st.counts;
    int64_t A = k['A'] + k['a'], C = k['C'] + k['c'], G = k['G'] + k['g'], T = k['T'] + k['t'], N = k['N'] + k['n'];
    int64_t lower = 0;
    for (int ch = 'a'; ch <= 'z'; ch++) lower += k[ch];
    int64_t other = st.n_bases - A - C - G - T - N;
    /* GC% over A/C/G/T only (N and ambiguity codes excluded) */
    double gc = A + C + G + T ? 100.0 * (double)(C + G) / (double)(A + C + G + T) : 0.0;
    fprintf(out, "%s\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%.2f\t%lld\t%lld\t%lld\n", path,
            (long long)st.n_records, (long long)st.n_bases, (long long)A, (long long)C, (long long)G, (long long)T,
            (long long)N, (long long)other, (long long)lower, gc, (long long)st.min_len, (long long)st.max_len,
            (long long)st.n50);
    return SK_OK;
}

int sk_dna_report_stats(const char *path, const sk_dna_bam_opts *o, FILE *out) {
    sk_seqin *in;
    int rc = sk_seqin_open_opts(&in, path, o, 1);
    if (rc < 0) return rc;
    rc = sk_seqin_bam(in) ? stats_alignments(path, sk_seqin_bam(in), out) : stats_seqs(path, sk_seqin_reader(in), out);
    sk_seqin_close(in);
    return rc;
}

/* ---- fetch and view ---- */

/* n bases of s, `width` per line */
static void write_wrapped(const char *s, int64_t n, int64_t width, FILE *out) {
    for (int64_t p = 0; p < n; p += width) {
        fwrite(s + p, 1, (size_t)(n - p < width ? n - p : width), out);
        fputc('\n', out);
    }
}

int sk_dna_report_fetch(const char *path, char *const *regions, int n, int64_t width, FILE *out) {
    sk_dna_fasta *f;
    int rc = sk_dna_fasta_open(&f, path);
    if (rc < 0) return rc;
    for (int a = 0; a < n; a++) {
        int i;
        int64_t beg, end;
        char *s;
        if ((rc = sk_dna_fasta_region(f, regions[a], &i, &beg, &end)) < 0 || (rc = sk_dna_fasta_fetch(f, i, beg, end, &s)) < 0) {
            sk_dna_fasta_close(f);
            return rc;
        }
        fprintf(out, ">%s\n", regions[a]);
        write_wrapped(s, end - beg, width, out);
        free(s);
    }
    sk_dna_fasta_close(f);
    return fflush(out) == 0 ? SK_OK : sk_error(SK_EIO, "dna fetch: cannot write the output");
}

static int view_seqs(sk_dna_reader *r, FILE *out) {
    int st;
    sk_dna_record rec;
    while ((st = sk_dna_reader_next(r, &rec)) == 0) {
        fprintf(out, "%c%s%s%s\n", rec.qual ? '@' : '>', rec.name, *rec.comment ? " " : "", rec.comment);
        if (rec.qual) fprintf(out, "%s\n+\n%s\n", rec.seq, rec.qual);
        else write_wrapped(rec.seq, rec.len, 60, out);
    }
    return st == SK_EOF ? SK_OK : st;
}

static int view_alns(sk_dna_bam *b, char *const *regions, int n, FILE *out) {
    int st = 0;
    for (int q = 0; q < (n ? n : 1) && !st; q++) {
        if (n && (st = sk_dna_bam_query(b, regions[q])) < 0) break;
        sk_dna_aln a;
        while ((st = sk_dna_bam_next(b, &a)) == 0)
            fprintf(out, "%s\t%u\t%s\t%lld\t%d\t%s\t%s\n", a.qname, a.flag, a.chrom, (long long)a.pos + 1, a.mapq, a.seq,
                    a.qual);
        if (st == SK_EOF) st = 0;
    }
    return st;
}

int sk_dna_report_view(const char *path, const sk_dna_bam_opts *o, char *const *regions, int n, FILE *out) {
    sk_seqin *in;
    int st = sk_seqin_open_opts(&in, path, o, 1);
    if (st < 0) return st;
    if (sk_seqin_bam(in)) st = view_alns(sk_seqin_bam(in), regions, n, out);
    else if (n) st = sk_error(SK_EINVAL, "%s: regions are for SAM/BAM/CRAM (use 'dna fetch' for FASTA)", path);
    else st = view_seqs(sk_seqin_reader(in), out);
    sk_seqin_close(in);
    return st;
}

/* ---- bench ---- */

/* ids grown to hold n tokens (to `grow` times n); 0, or -1 out of memory */
static int grow_ids(uint8_t **ids, int64_t *cap, int64_t n, int64_t grow) {
    if (n <= *cap) return 0;
    free(*ids);
    *cap = grow * n;
    return (*ids = malloc((size_t)*cap)) ? 0 : -1;
}

static int bench_alignments(const char *path, sk_dna_bam *b, double t0, FILE *out) {
    int st;
    uint8_t *ids = NULL;
    int64_t cap = 0, n = 0, bases = 0;
    double t_tok = 0;
    sk_dna_aln a;
    while ((st = sk_dna_bam_next(b, &a)) == 0) {
        if (grow_ids(&ids, &cap, a.len, 2)) break;
        double t1 = sk_now();
        sk_dna_tokenize(a.seq, a.len, ids, 0);
        t_tok += sk_now() - t1;
        n++;
        bases += a.len;
    }
    double t = sk_now() - t0;
    free(ids);
    if (st != SK_EOF) return st < 0 ? st : sk_error(SK_ENOMEM, "out of memory");
    fprintf(out, "%s: %lld records, %lld bases in %.3f s: %.3g records/s, %.3g bases/s (tokenize %.3f s, read+decode %.3f s)\n",
            path, (long long)n, (long long)bases, t, n / t, bases / t, t_tok, t - t_tok);
    return SK_OK;
}

static int bench_seqs(const char *path, sk_dna_reader *r, double t0, FILE *out) {
    double t_tok = 0;
    int st;
    uint8_t *ids = NULL;
    int64_t cap = 0, bases = 0;
    sk_dna_record rec;
    while ((st = sk_dna_reader_next(r, &rec)) == 0) {
        if (grow_ids(&ids, &cap, rec.len, 1)) break;
        double t1 = sk_now();
        sk_dna_tokenize(rec.seq, rec.len, ids, 0);
        t_tok += sk_now() - t1;
        bases += rec.len;
    }
    free(ids);
    if (st != SK_EOF) return st < 0 ? st : sk_error(SK_ENOMEM, "out of memory");
    double t = sk_now() - t0;
    fprintf(out, "%s: stream: %lld bases in %.3f s: %.3g bases/s read+check+tokenize (read+check %.3f s = %.3g bases/s, "
            "tokenize %.3f s = %.3g bases/s)\n", path, (long long)bases, t, bases / t, t - t_tok, bases / (t - t_tok),
            t_tok, bases / t_tok);
    return SK_OK;
}

int sk_dna_report_bench_stream(const char *path, const sk_dna_bam_opts *o, FILE *out) {
    sk_seqin *in;
    double t0 = sk_now();
    int st = sk_seqin_open_opts(&in, path, o, 1);
    if (st < 0) return st;
    st = sk_seqin_bam(in) ? bench_alignments(path, sk_seqin_bam(in), t0, out) : bench_seqs(path, sk_seqin_reader(in), t0, out);
    sk_seqin_close(in);
    return st;
}

int sk_dna_report_bench_random(const char *path, int64_t L, int64_t nwin, FILE *out) {
    sk_dna_fasta *f;
    if (sk_dna_fasta_open(&f, path) < 0) return 1;
    sk_dna_bed *bed = NULL;
    sk_dna_windows *w = NULL;
    uint8_t *ids = NULL;
    sk_dna_windows_opts wo = {.length = L, .mode = SK_DNA_WIN_MAMBA, .split = SK_DNA_SPLIT_NONE, .seed = 1, .shuffle = 1};
    if (sk_dna_bed_whole(&bed, f) < 0 || sk_dna_windows_create(&w, bed, f, &wo) < 0 || !(ids = malloc((size_t)L))) {
        sk_dna_windows_free(w);
        sk_dna_bed_free(bed);
        sk_dna_fasta_close(f);
        return SK_ENOMEM;
    }
    int64_t n = nwin < sk_dna_windows_count(w) ? nwin : sk_dna_windows_count(w), got = 0;
    double t0 = sk_now();
    for (int64_t i = 0; i < n; i++) {
        sk_dna_window win = sk_dna_windows_get(w, i);
        int64_t k = sk_dna_window_tokens(f, &win, 0, ids);
        if (k < 0) break;
        got += k;
    }
    double t = sk_now() - t0;
    fprintf(out, "%s: %lld random windows of %lld (shuffled mamba tiles) in %.3f s: %.3g windows/s, %.3g bases/s fetch+tokenize\n",
            path, (long long)n, (long long)L, t, n / t, got / t);
    free(ids);
    sk_dna_windows_free(w);
    sk_dna_bed_free(bed);
    sk_dna_fasta_close(f);
    return SK_OK;
}
