/* cmd_dna.c — `ssmkit dna stats|fetch|view|windows|bench` (and score-variants, in cmd_dna_score.c): the genomics front-end on the command line.
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
    "  score-variants -m LM --ref FA --vcf VCF -L LEN   zero-shot variant-effect scores of a DNA LM\n"
    "\n"
    "Region strings are 1-based inclusive: chr1, chr1:1001, chr1:1,001-2,000.\n"
    "Run 'ssmkit dna <command> --help' for the options of each command.\n";

#include <htslib/hts.h>
#include <htslib/hts_log.h>
#include "genomics/sk_dna.h"
#include "genomics/sk_dna_report.h"
#include "genomics/sk_dna_run.h"
#include "src/sk_progress.h"

int dna_score_variants(int argc, char **argv); /* cmd_dna_score.c */

/* The options of the subcommands that read SAM/BAM/CRAM (sk_dna_bam_opts o). */
#define DNA_THREADS(o) SK_O_INT("threads", '@', &(o).threads, 0, 256, NULL, "N", "decompression threads")
#define DNA_REFERENCE(o, h) SK_O_STR("reference", 'T', &(o).reference, NULL, "FA", h)

/* ---- stats ------------------------------------------------------------------------------- */

static const char *stats_usage =
    "Usage: ssmkit dna stats [options] FILE...\n"
    "\n"
    "Read and check every record of FASTA/FASTQ files (plain, gzip or bgzip) or SAM/BAM/CRAM files\n"
    "and print one tab-separated line of statistics per file. Sequence files must have a header line,\n"
    "only IUPAC nucleotide codes, non-empty records with unique names and one kind of line ending.\n"
    "A FILE may be a pipe, a FIFO or '-' (standard input): its format is told by its first bytes.\n"
    "\n"
    "Options:\n";

static const char *stats_columns =
    "\n"
    "FASTA/FASTQ columns: file records bases A C G T N other_iupac lowercase gc_percent min_len max_len n50\n"
    "SAM/BAM/CRAM columns: file records bases mapped unmapped\n";

static int dna_stats(int argc, char **argv) {
    sk_dna_bam_opts bo = {0};
    const sk_opt opts[] = {DNA_THREADS(bo), DNA_REFERENCE(bo, "reference for CRAM files"), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna stats", stats_usage, opts, stats_columns}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind >= argc) return sk_cli_usage("dna stats", "no input file");
    for (int i = optind; i < argc; i++)
        if (sk_dna_report_stats(argv[i], &bo, stdout) < 0) return sk_cli_fail(NULL);
    return SK_EXIT_OK;
}

/* ---- fetch ------------------------------------------------------------------------------- */

static const char *fetch_usage =
    "Usage: ssmkit dna fetch [options] FILE REGION...\n"
    "\n"
    "Print regions of a FASTA/FASTQ file (plain or bgzip) in FASTA format, like 'samtools faidx':\n"
    "a '>REGION' header, then the bases as stored wrapped at 60 columns. The .fai (and .gzi) index\n"
    "is built next to the file when missing, after the whole file has been checked; an existing one\n"
    "is checked against the file and rebuilt when it no longer matches it. A region that is not\n"
    "inside its sequence is an error (samtools would truncate it). FILE must be a regular file (a\n"
    "pipe cannot be indexed).\n"
    "\n"
    "Options:\n";

static int dna_fetch(int argc, char **argv) {
    int64_t width;
    const sk_opt opts[] = {SK_O_INT("width", 'w', &width, 1, INT32_MAX, "60", "N", "bases per output line"), SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna fetch", fetch_usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind < 2) return sk_cli_usage("dna fetch", "need a FILE and at least one REGION");
    int rc = sk_dna_report_fetch(argv[optind], argv + optind + 1, argc - optind - 1, width, stdout);
    return rc < 0 ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* ---- view -------------------------------------------------------------------------------- */

static const char *view_usage =
    "Usage: ssmkit dna view [options] FILE [REGION...]\n"
    "\n"
    "Print SAM/BAM/CRAM records as QNAME FLAG RNAME POS MAPQ SEQ QUAL (tab-separated, POS 1-based;\n"
    "the same as columns 1-5, 10, 11 of 'samtools view'). Regions need an index (.bai/.csi/.crai).\n"
    "FASTA/FASTQ files (plain, gzip, bgzip) are streamed, checked and printed as FASTA with\n"
    "60-column lines (FASTQ as 4-line records). FILE may be a pipe, a FIFO or '-' (standard input),\n"
    "told apart by its first bytes (no regions then: they need an index).\n"
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
    const char *path = argv[optind];
    if (argc - optind > 1 && sk_seqin_kind(path) == 1)
        return sk_cli_usage("dna view", "regions are for SAM/BAM/CRAM (use 'dna fetch' for FASTA)");
    int rc = sk_dna_report_view(path, &o, argv + optind + 1, argc - optind - 1, stdout);
    return rc < 0 ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* ---- windows ----------------------------------------------------------------------------- */

static const char *windows_usage =
    "Usage: ssmkit dna windows [options] -L LEN -o SHARD FASTA\n"
    "       ssmkit dna windows --species [options] -L LEN -o SHARD FASTA1 FASTA2 ...\n"
    "\n"
    "Cut a genome into tokenized windows and write them to a token shard (uint8 tokens, HyenaDNA ids:\n"
    "[CLS]0 [SEP]1 [BOS]2 [MASK]3 [PAD]4 [RESERVED]5 [UNK]6 A7 C8 G9 T10 N11; with --keep-case also\n"
    "a12 c13 g14 t15 n16). FASTA files are plain or bgzip with (or able to get) a .fai index;\n"
    "without --bed the FASTA may also be a pipe or '-' (standard input), held in memory.\n";

typedef struct win_args {
    const char *bed, *out, *labels, *valid_chroms, *test_chroms;
    int64_t L, epoch, n_train, n_valid, n_test;
    int mode, split, shuffle, rc_aug, flags, species, split_by, quiet;
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
    sk_progress pg;
    sk_progress_open(&pg, "dna windows", "windows", 0, a->quiet);
    o.progress = &pg;
    int st = sk_dna_prep_intervals(files[0], a->out, &o, &n);
    sk_progress_end(&pg);
    if (st < 0) return sk_cli_fail(NULL);
    sk_log_info("dna windows: %lld windows of up to %lld bases -> %s", (long long)n, (long long)a->L, a->out);
    return SK_EXIT_OK;
}

static int windows_species(const win_args *a, char **files, int nfiles) {
    sk_dna_prep_opts o = prep_opts(a);
    sk_progress pg;
    sk_progress_open(&pg, "dna windows", "windows", 0, a->quiet);
    o.progress = &pg;
    int st = sk_dna_prep_species((const char *const *)files, nfiles, a->out, &o);
    sk_progress_end(&pg);
    return st < 0 ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

/* --labels: one name per FASTA, none empty, no two alike; 0 or the usage exit code */
static int check_labels(const char *cmd, const char *labels, int nfiles) {
    int n = 0;
    for (const char *p = labels;; p += strcspn(p, ",") + 1) {
        size_t l = strcspn(p, ",");
        n++;
        if (l == 0) return sk_cli_usage(cmd, "--labels '%s': label %d is empty", labels, n);
        for (const char *q = labels; q < p; q += strcspn(q, ",") + 1)
            if (strcspn(q, ",") == l && !strncmp(q, p, l))
                return sk_cli_usage(cmd, "--labels '%s': label '%.*s' is given twice", labels, (int)l, p);
        if (!p[l]) break;
    }
    if (n != nfiles)
        return sk_cli_usage(cmd, "--labels names %d class%s for %d FASTA files (one per file)", n, n == 1 ? "" : "es", nfiles);
    return 0;
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
        SK_O_QUIET(&a.quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, windows_usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!a.L) return sk_cli_usage(cmd, "--length is required");
    if (!a.out) return sk_cli_usage(cmd, "--output is required");
    int nfiles = argc - optind;
    if (nfiles < 1) return sk_cli_usage(cmd, "no input FASTA");
    if (!a.species && nfiles > 1) return sk_cli_usage(cmd, "one FASTA for genome intervals (several need --species)");
    if (a.species && a.bed) return sk_cli_usage(cmd, "--bed is for genome intervals, not --species");
    if (a.labels && !a.species) return sk_cli_usage(cmd, "--labels names the classes of --species");
    if (a.labels && (ex = check_labels(cmd, a.labels, nfiles))) return ex;
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
    if (sk_dna_report_bench_stream(path, &bo, stdout) < 0) return sk_cli_fail(NULL);
    if (sk_seqin_kind(path) == 2 || nwin == 0) return SK_EXIT_OK;
    int rc = sk_dna_report_bench_random(path, L, nwin, stdout);
    if (rc == 1) sk_log_info("dna bench: no random access: %s", sk_errmsg());
    return rc < 0 ? sk_cli_fail("out of memory") : SK_EXIT_OK;
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
    if (!strcmp(sub, "score-variants")) return dna_score_variants(argc - 1, argv + 1);
    return sk_cli_usage("dna", "unknown dna command '%s' (stats, fetch, view, windows, bench, score-variants)", sub);
}

#endif
