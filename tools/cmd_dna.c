/* cmd_dna.c — `ssmkit dna stats|fetch|view|windows`: the genomics front-end on the command line.
 * Coordinates in region strings are 1-based inclusive (as in samtools); BED is 0-based half-open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/sk_cli.h"

#ifdef SSMKIT_HAVE_GENOMICS

static const char *usage =
    "Usage: ssmkit dna <command> [options]\n"
    "\n"
    "Commands:\n"
    "  stats    FILE...                 check sequence files and print base statistics\n"
    "  fetch    FILE REGION...          print regions of an indexed FASTA (like samtools faidx)\n"
    "  view     FILE [REGION...]        print SAM/BAM/CRAM records, or stream FASTA/FASTQ records\n"
    "  windows  FILE... -L LEN -o SHARD cut genomes into tokenized windows and write a token shard\n"
    "  bench    FILE                    measure reading/tokenizing rates (FASTA, BAM)\n"
    "\n"
    "Region strings are 1-based inclusive: chr1, chr1:1001, chr1:1,001-2,000.\n"
    "Run 'ssmkit dna <command> --help' for the options of each command.\n";

#include <sys/stat.h>
#include <cjson/cJSON.h>
#include <htslib/hts.h>
#include <htslib/hts_log.h>
#include "genomics/sk_dna.h"
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_shard.h"

/* The options of the subcommands that read SAM/BAM/CRAM (sk_dna_bam_opts o). */
#define DNA_THREADS(o) SK_O_INT("threads", '@', &(o).threads, 0, 256, NULL, "N", "decompression threads")
#define DNA_REFERENCE(o, h) SK_O_STR("reference", 'T', &(o).reference, NULL, "FA", h)

static int is_alignment_file(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot && (!strcasecmp(dot, ".bam") || !strcasecmp(dot, ".cram") || !strcasecmp(dot, ".sam"));
}

/* ---- stats ------------------------------------------------------------------------------- */

static const char *stats_usage =
    "Usage: ssmkit dna stats [options] FILE...\n"
    "\n"
    "Read and check every record of FASTA/FASTQ files (plain, gzip or bgzip) or SAM/BAM/CRAM files\n"
    "and print one tab-separated line of statistics per file. Sequence files must have a header line,\n"
    "only IUPAC nucleotide codes, non-empty records with unique names and one kind of line ending.\n"
    "\n"
    "Options:\n";

static const char *stats_columns =
    "\n"
    "FASTA/FASTQ columns: file records bases A C G T N other_iupac lowercase gc_percent min_len max_len n50\n"
    "SAM/BAM/CRAM columns: file records bases mapped unmapped\n";

static int stats_alignments(const char *path, const sk_dna_bam_opts *o) {
    sk_dna_bam *b;
    if (sk_dna_bam_open(&b, path, o) < 0) return sk_cli_fail(NULL);
    sk_dna_aln a;
    int64_t n = 0, bases = 0, mapped = 0;
    int st;
    while ((st = sk_dna_bam_next(b, &a)) == 0) {
        n++;
        bases += a.len;
        mapped += !(a.flag & 4);
    }
    sk_dna_bam_close(b);
    if (st != SK_EOF) return sk_cli_fail(NULL);
    printf("%s\t%lld\t%lld\t%lld\t%lld\n", path, (long long)n, (long long)bases, (long long)mapped, (long long)(n - mapped));
    return SK_EXIT_OK;
}

static int dna_stats(int argc, char **argv) {
    sk_dna_bam_opts bo = {0};
    const sk_opt opts[] = {DNA_THREADS(bo), DNA_REFERENCE(bo, "reference for CRAM files"), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna stats", stats_usage, opts, stats_columns}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind >= argc) return sk_cli_usage("dna stats", "no input file");
    for (int i = optind; i < argc; i++) {
        if (is_alignment_file(argv[i])) {
            int r = stats_alignments(argv[i], &bo);
            if (r) return r;
            continue;
        }
        sk_dna_stats st;
        if (sk_dna_stats_file(argv[i], 0, &st) < 0) return sk_cli_fail(NULL);
        const int64_t *k = st.counts;
        int64_t A = k['A'] + k['a'], C = k['C'] + k['c'], G = k['G'] + k['g'], T = k['T'] + k['t'], N = k['N'] + k['n'];
        int64_t lower = 0;
        for (int ch = 'a'; ch <= 'z'; ch++) lower += k[ch];
        int64_t other = st.n_bases - A - C - G - T - N;
        /* GC% over A/C/G/T only (N and ambiguity codes excluded) */
        double gc = A + C + G + T ? 100.0 * (double)(C + G) / (double)(A + C + G + T) : 0.0;
        printf("%s\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%.2f\t%lld\t%lld\t%lld\n", argv[i],
               (long long)st.n_records, (long long)st.n_bases, (long long)A, (long long)C, (long long)G, (long long)T,
               (long long)N, (long long)other, (long long)lower, gc, (long long)st.min_len, (long long)st.max_len,
               (long long)st.n50);
    }
    return SK_EXIT_OK;
}

/* ---- fetch ------------------------------------------------------------------------------- */

static const char *fetch_usage =
    "Usage: ssmkit dna fetch [options] FILE REGION...\n"
    "\n"
    "Print regions of a FASTA/FASTQ file (plain or bgzip) in FASTA format, like 'samtools faidx':\n"
    "a '>REGION' header, then the bases as stored wrapped at 60 columns. The .fai (and .gzi) index\n"
    "is built next to the file when missing, after the whole file has been checked. A region that\n"
    "is not inside its sequence is an error (samtools would truncate it).\n"
    "\n"
    "Options:\n";

static int dna_fetch(int argc, char **argv) {
    int64_t width;
    const sk_opt opts[] = {SK_O_INT("width", 'w', &width, 1, INT32_MAX, "60", "N", "bases per output line"), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna fetch", fetch_usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind < 2) return sk_cli_usage("dna fetch", "need a FILE and at least one REGION");
    sk_dna_fasta *f;
    if (sk_dna_fasta_open(&f, argv[optind]) < 0) return sk_cli_fail(NULL);
    for (int a = optind + 1; a < argc; a++) {
        int i;
        int64_t beg, end;
        char *s;
        if (sk_dna_fasta_region(f, argv[a], &i, &beg, &end) < 0 || sk_dna_fasta_fetch(f, i, beg, end, &s) < 0) {
            sk_dna_fasta_close(f);
            return sk_cli_fail(NULL);
        }
        printf(">%s\n", argv[a]);
        for (int64_t p = 0; p < end - beg; p += width) {
            int64_t n = end - beg - p < width ? end - beg - p : width;
            fwrite(s + p, 1, (size_t)n, stdout);
            putchar('\n');
        }
        free(s);
    }
    sk_dna_fasta_close(f);
    return fflush(stdout) == 0 ? SK_EXIT_OK : (sk_error(SK_EIO, "dna fetch: cannot write the output"), sk_cli_fail(NULL));
}

/* ---- view -------------------------------------------------------------------------------- */

static const char *view_usage =
    "Usage: ssmkit dna view [options] FILE [REGION...]\n"
    "\n"
    "Print SAM/BAM/CRAM records as QNAME FLAG RNAME POS MAPQ SEQ QUAL (tab-separated, POS 1-based;\n"
    "the same as columns 1-5, 10, 11 of 'samtools view'). Regions need an index (.bai/.csi/.crai).\n"
    "FASTA/FASTQ files (plain, gzip, bgzip) are streamed, checked and printed as FASTA with\n"
    "60-column lines (FASTQ as 4-line records).\n"
    "\n"
    "Options:\n";

/* -f/-F: SAM flags, decimal or 0x hex, at most 0xffff (unsigned) */
static int sam_flags_opt(const char *cmd, const sk_opt *o, const char *arg) {
    char *end;
    long v = strtol(arg, &end, 0);
    if (*end || v < 0 || v > 0xffff) return sk_cli_usage(cmd, "bad flag value '%s' (decimal or 0x hex, at most 0xffff)", arg), -1;
    *(unsigned *)o->dst = (unsigned)v;
    return 0;
}

/* FASTA/FASTQ (plain, gzip, bgzip) streamed: records re-written with 60-column FASTA lines, or
 * 4-line FASTQ. */
static int view_sequences(const char *path, int threads) {
    sk_dna_reader *r;
    if (sk_dna_reader_open(&r, path, 0, threads) < 0) return sk_cli_fail(NULL);
    sk_dna_record rec;
    int st;
    while ((st = sk_dna_reader_next(r, &rec)) == 0) {
        printf("%c%s%s%s\n", rec.qual ? '@' : '>', rec.name, *rec.comment ? " " : "", rec.comment);
        if (rec.qual) {
            printf("%s\n+\n%s\n", rec.seq, rec.qual);
            continue;
        }
        for (int64_t p = 0; p < rec.len; p += 60) {
            fwrite(rec.seq + p, 1, (size_t)(rec.len - p < 60 ? rec.len - p : 60), stdout);
            putchar('\n');
        }
    }
    sk_dna_reader_close(r);
    return st == SK_EOF ? SK_EXIT_OK : sk_cli_fail(NULL);
}

static int dna_view(int argc, char **argv) {
    sk_dna_bam_opts o = {0};
    const sk_opt opts[] = {
        DNA_REFERENCE(o, "reference FASTA for CRAM (never downloaded)"),
        SK_O_INT("min-mapq", 'q', &o.min_mapq, 0, 255, NULL, "N", "skip records with MAPQ < N"),
        SK_O_FN("require-flags", 'f', &o.require_flags, sam_flags_opt, NULL, "N", "skip records without all flags N"),
        SK_O_FN("exclude-flags", 'F', &o.exclude_flags, sam_flags_opt, NULL, "N", "skip records with any flag in N (e.g. 0x904)"),
        DNA_THREADS(o), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna view", view_usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind >= argc) return sk_cli_usage("dna view", "no input file");
    if (!is_alignment_file(argv[optind])) {
        if (argc - optind > 1) return sk_cli_usage("dna view", "regions are for SAM/BAM/CRAM (use 'dna fetch' for FASTA)");
        return view_sequences(argv[optind], o.threads);
    }
    sk_dna_bam *b;
    if (sk_dna_bam_open(&b, argv[optind], &o) < 0) return sk_cli_fail(NULL);
    int nreg = argc - optind - 1, st = 0;
    for (int q = 0; q < (nreg ? nreg : 1) && !st; q++) {
        if (nreg && (st = sk_dna_bam_query(b, argv[optind + 1 + q])) < 0) break;
        sk_dna_aln a;
        while ((st = sk_dna_bam_next(b, &a)) == 0)
            printf("%s\t%u\t%s\t%lld\t%d\t%s\t%s\n", a.qname, a.flag, a.chrom, (long long)a.pos + 1, a.mapq, a.seq, a.qual);
        if (st == SK_EOF) st = 0;
    }
    sk_dna_bam_close(b);
    return st ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* ---- windows ----------------------------------------------------------------------------- */

static const char *windows_usage =
    "Usage: ssmkit dna windows [options] -L LEN -o SHARD FASTA\n"
    "       ssmkit dna windows --species [options] -L LEN -o SHARD FASTA1 FASTA2 ...\n"
    "\n"
    "Cut a genome into tokenized windows and write them to a token shard (uint8 tokens, HyenaDNA ids:\n"
    "[CLS]0 [SEP]1 [BOS]2 [MASK]3 [PAD]4 [RESERVED]5 [UNK]6 A7 C8 G9 T10 N11; with --keep-case also\n"
    "a12 c13 g14 t15 n16). FASTA files are plain or bgzip with (or able to get) a .fai index.\n";

typedef struct win_args {
    const char *bed, *out, *labels, *valid_chroms, *test_chroms;
    int64_t L, epoch, n_train, n_valid, n_test;
    int mode, split, shuffle, rc_aug, flags, species, split_by;
    uint64_t seed;
    double max_n;
} win_args;

/* The body of `dna windows` lives in genomics/sk_dna_prep.c; these map the parsed options onto it. */
static sk_dna_prep_opts prep_opts(const win_args *a) {
    sk_dna_prep_opts o = {.length = a->L, .flags = a->flags, .seed = a->seed, .bed = a->bed, .mode = a->mode,
                          .split = a->split, .epoch = a->epoch, .shuffle = a->shuffle, .rc_aug = a->rc_aug,
                          .labels = a->labels, .split_by = a->split_by, .valid_chroms = a->valid_chroms,
                          .test_chroms = a->test_chroms, .max_n_frac = a->max_n, .n_train = a->n_train,
                          .n_valid = a->n_valid, .n_test = a->n_test};
    return o;
}

static int windows_intervals(const win_args *a, char **files) {
    sk_dna_prep_opts o = prep_opts(a);
    int64_t n = 0;
    if (sk_dna_prep_intervals(files[0], a->out, &o, &n) < 0) return sk_cli_fail(NULL);
    sk_log_info("dna windows: %lld windows of up to %lld bases -> %s", (long long)n, (long long)a->L, a->out);
    return SK_EXIT_OK;
}

static int windows_species(const win_args *a, char **files, int nfiles) {
    sk_dna_prep_opts o = prep_opts(a);
    return sk_dna_prep_species((const char *const *)files, nfiles, a->out, &o) < 0 ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* --window-mode mamba|hyena|caduceus (int) */
static int window_mode_opt(const char *cmd, const sk_opt *o, const char *arg) {
    if ((*(int *)o->dst = sk_dna_window_mode(arg)) < 0)
        return sk_cli_usage(cmd, "--window-mode must be mamba, hyena or caduceus, not '%s'", arg), -1;
    return 0;
}

static int dna_windows(int argc, char **argv) {
    win_args a = {0};
    const char *cmd = "dna windows";
    static const int splits[] = {0, 1, 2, SK_DNA_SPLIT_NONE}, split_by[] = {SK_DNA_SPLIT_BY_POSITION, SK_DNA_SPLIT_BY_CHROM};
    const sk_opt opts[] = {
        SK_O_SECTION("Genome intervals (default):"),
        SK_O_STR("bed", 'b', &a.bed, NULL, "FILE", "intervals (BED, 0-based; column 4 train/valid/test is read as the split);\n"
                                                   "default: every record whole"),
        SK_O_FN("window-mode", 'm', &a.mode, window_mode_opt, "mamba", "M",
                "mamba: L <= interval: non-overlapping tiles; L > interval: two\n"
                "windows, one starting and one ending at it, kept inside the chromosome.\n"
                "hyena: one window per interval (first L bases, or centred extension).\n"
                "caduceus: 2^20 bases from each interval start, cut into 2^20/L windows."),
        SK_O_CHOICE("split", 's', &a.split, "train|valid|test|all", splits, "all", "the split to write"),
        SK_O_FLAG("shuffle", 0, &a.shuffle, "shuffle the windows with (seed, epoch)"),
        SK_O_INT("epoch", 0, &a.epoch, 0, INT64_MAX, "0", "E", "epoch whose order and RC coins to write"),
        SK_O_FLAG("rc-aug", 0, &a.rc_aug, "reverse-complement each window with probability 1/2 (per epoch)"),
        SK_O_SECTION("Species classification (--species): one FASTA per species, label = its position"),
        SK_O_FLAG("species", 0, &a.species, "the inputs are one FASTA per species (windows drawn species ->\n"
                                            "record -> start)"),
        SK_O_LIST("labels", 0, &a.labels, "A,B,...", "class names (default: file names without extensions)"),
        SK_O_INT("train", 0, &a.n_train, 0, INT64_C(1) << 40, "1000", "N", "training windows"),
        SK_O_INT("valid", 0, &a.n_valid, 0, INT64_C(1) << 40, "100", "N", "validation windows"),
        SK_O_INT("test", 0, &a.n_test, 0, INT64_C(1) << 40, "100", "N", "test windows"),
        SK_O_CHOICE("split-by", 0, &a.split_by, "position|chrom", split_by, "position",
                    "position: first 80% / next 10% / last 10% of every\n"
                    "record; chrom: whole records named in --valid-chroms / --test-chroms"),
        SK_O_LIST("valid-chroms", 0, &a.valid_chroms, "A,B", "records that are the valid split (--split-by chrom)"),
        SK_O_LIST("test-chroms", 0, &a.test_chroms, "C,D", "records that are the test split (--split-by chrom)"),
        SK_O_NUM("max-n", 0, &a.max_n, 0.0, 1.0, "0.1", "F", "reject windows with more than this fraction of N"),
        SK_O_SECTION("Common:"),
        SK_O_INT("length", 'L', &a.L, 1, INT64_C(1) << 34, NULL, "LEN", "window length in bases (required)"),
        SK_O_OUTPUT(&a.out, "SHARD", "output token shard (written atomically)"),
        SK_O_SEED(0, &a.seed, "random seed"),
        SK_O_SET("keep-case", 0, &a.flags, SK_DNA_KEEP_CASE, "keep lowercase (soft-masked) bases as their own tokens"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, windows_usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!a.L) return sk_cli_usage(cmd, "--length is required");
    if (!a.out) return sk_cli_usage(cmd, "--output is required");
    int nfiles = argc - optind;
    if (nfiles < 1) return sk_cli_usage(cmd, "no input FASTA");
    if (!a.species && nfiles > 1) return sk_cli_usage(cmd, "one FASTA for genome intervals (several need --species)");
    if (a.species && a.bed) return sk_cli_usage(cmd, "--bed is for genome intervals, not --species");
    return a.species ? windows_species(&a, argv + optind, nfiles) : windows_intervals(&a, argv + optind);
}

/* ---- bench ------------------------------------------------------------------------------- */

static const char *bench_usage =
    "Usage: ssmkit dna bench [options] FILE\n"
    "\n"
    "Measure the front-end on one file and print the rates with a time breakdown:\n"
    "  FASTA/FASTQ: stream + check every record, then tokenize it (bases/s for each and together);\n"
    "  then, for plain or bgzip files, random windows fetched through the index and tokenized.\n"
    "  SAM/BAM/CRAM: records/s and bases/s reading records and tokenizing their sequences.\n"
    "\n"
    "Options:\n";

static int bench_alignments(const char *path, const sk_dna_bam_opts *o) {
    sk_dna_bam *b;
    double t0 = sk_now();
    if (sk_dna_bam_open(&b, path, o) < 0) return sk_cli_fail(NULL);
    uint8_t *ids = NULL;
    int64_t cap = 0, n = 0, bases = 0;
    double t_tok = 0;
    sk_dna_aln a;
    int st;
    while ((st = sk_dna_bam_next(b, &a)) == 0) {
        if (a.len > cap) {
            free(ids);
            cap = 2 * a.len;
            if (!(ids = malloc((size_t)cap))) break;
        }
        double t1 = sk_now();
        sk_dna_tokenize(a.seq, a.len, ids, 0);
        t_tok += sk_now() - t1;
        n++;
        bases += a.len;
    }
    double t = sk_now() - t0;
    sk_dna_bam_close(b);
    free(ids);
    if (st != SK_EOF) return st < 0 ? sk_cli_fail(NULL) : (sk_error(SK_ENOMEM, "out of memory"), sk_cli_fail(NULL));
    printf("%s: %lld records, %lld bases in %.3f s: %.3g records/s, %.3g bases/s (tokenize %.3f s, read+decode %.3f s)\n",
           path, (long long)n, (long long)bases, t, n / t, bases / t, t_tok, t - t_tok);
    return SK_EXIT_OK;
}

static int dna_bench(int argc, char **argv) {
    int64_t L, nwin;
    sk_dna_bam_opts bo = {0};
    const sk_opt opts[] = {
        SK_O_INT("length", 'L', &L, 1, INT64_C(1) << 30, "1024", "LEN", "random-window length"),
        SK_O_INT("windows", 'n', &nwin, 0, INT64_C(1) << 30, "5000", "N", "random windows to fetch"),
        DNA_THREADS(bo), DNA_REFERENCE(bo, "reference for CRAM"), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna bench", bench_usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind != 1) return sk_cli_usage("dna bench", "need exactly one FILE");
    const char *path = argv[optind];
    if (is_alignment_file(path)) return bench_alignments(path, &bo);

    /* 1. stream + check, and tokenize, every record */
    sk_dna_reader *r;
    double t0 = sk_now(), t_tok = 0;
    if (sk_dna_reader_open(&r, path, 0, bo.threads) < 0) return sk_cli_fail(NULL);
    uint8_t *ids = NULL;
    int64_t cap = 0, bases = 0;
    sk_dna_record rec;
    int st;
    while ((st = sk_dna_reader_next(r, &rec)) == 0) {
        if (rec.len > cap) {
            free(ids);
            cap = rec.len;
            if (!(ids = malloc((size_t)cap))) break;
        }
        double t1 = sk_now();
        sk_dna_tokenize(rec.seq, rec.len, ids, 0);
        t_tok += sk_now() - t1;
        bases += rec.len;
    }
    sk_dna_reader_close(r);
    free(ids);
    if (st != SK_EOF) return st < 0 ? sk_cli_fail(NULL) : (sk_error(SK_ENOMEM, "out of memory"), sk_cli_fail(NULL));
    double t = sk_now() - t0;
    printf("%s: stream: %lld bases in %.3f s: %.3g bases/s read+check+tokenize (read+check %.3f s = %.3g bases/s, "
           "tokenize %.3f s = %.3g bases/s)\n", path, (long long)bases, t, bases / t, t - t_tok, bases / (t - t_tok),
           t_tok, bases / t_tok);

    /* 2. random windows through the index */
    if (nwin == 0) return SK_EXIT_OK;
    sk_dna_fasta *f;
    if (sk_dna_fasta_open(&f, path) < 0) {
        sk_log_info("dna bench: no random access: %s", sk_errmsg());
        return SK_EXIT_OK;
    }
    sk_dna_bed *bed = NULL;
    sk_dna_windows *w = NULL;
    sk_dna_windows_opts wo = {.length = L, .mode = SK_DNA_WIN_MAMBA, .split = SK_DNA_SPLIT_NONE, .seed = 1, .shuffle = 1};
    if (sk_dna_bed_whole(&bed, f) < 0 || sk_dna_windows_create(&w, bed, f, &wo) < 0 || !(ids = malloc((size_t)L))) {
        sk_dna_windows_free(w);
        sk_dna_bed_free(bed);
        sk_dna_fasta_close(f);
        return sk_cli_fail("out of memory");
    }
    int64_t n = nwin < sk_dna_windows_count(w) ? nwin : sk_dna_windows_count(w), got = 0;
    t0 = sk_now();
    for (int64_t i = 0; i < n; i++) {
        sk_dna_window win = sk_dna_windows_get(w, i);
        int64_t k = sk_dna_window_tokens(f, &win, 0, ids);
        if (k < 0) break;
        got += k;
    }
    t = sk_now() - t0;
    printf("%s: %lld random windows of %lld (shuffled mamba tiles) in %.3f s: %.3g windows/s, %.3g bases/s fetch+tokenize\n",
           path, (long long)n, (long long)L, t, n / t, got / t);
    free(ids);
    sk_dna_windows_free(w);
    sk_dna_bed_free(bed);
    sk_dna_fasta_close(f);
    return SK_EXIT_OK;
}

int cmd_dna(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return SK_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        fputs(usage, stdout);
        return SK_EXIT_OK;
    }
    /* ssmkit prints its own messages; htslib's would repeat them in another style. */
    hts_set_log_level(getenv("SSMKIT_HTS_LOG") ? HTS_LOG_WARNING : HTS_LOG_OFF);
    if (!strcmp(sub, "stats")) return dna_stats(argc - 1, argv + 1);
    if (!strcmp(sub, "fetch")) return dna_fetch(argc - 1, argv + 1);
    if (!strcmp(sub, "view")) return dna_view(argc - 1, argv + 1);
    if (!strcmp(sub, "windows")) return dna_windows(argc - 1, argv + 1);
    if (!strcmp(sub, "bench")) return dna_bench(argc - 1, argv + 1);
    return sk_cli_usage("dna", "unknown dna command '%s' (stats, fetch, view, windows, bench)", sub);
}

#endif
