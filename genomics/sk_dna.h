/* sk_dna.h — the genomics front-end: sequence readers (FASTA/FASTQ, BAM/CRAM/SAM on htslib),
 * BED intervals, the DNA tokenizer, and the window samplers that turn genomes into training
 * examples.
 *
 * Conventions (htslib style):
 *   - Functions return a status: 0 ok, SK_EOF (-1) at the end of a stream, other negative values
 *     (src/sk_error.h) on error, with a message (sk_errmsg()) naming the file and, where it
 *     applies, the record (name or number) and the line. Nothing here prints or exits.
 *   - Handles are opaque and come in create/free pairs (sk_dna_X_open / sk_dna_X_close, or
 *     _create / _free). A handle is used by one thread at a time: give every worker thread its
 *     own (they are cheap: an index is small).
 *   - COORDINATES are 0-based half-open [beg, end) in every structure and function here.
 *     REGION STRINGS ("chr1:1,001-2,000", as in samtools) are 1-based inclusive: "chr1:1001-2000"
 *     is [1000, 2000). "chr1" is the whole record, "chr1:1001" runs to its end.
 *
 * Tokens (HyenaDNA/Caduceus character vocabulary, so weights interoperate):
 *   0 [CLS] 1 [SEP] 2 [BOS] 3 [MASK] 4 [PAD] 5 [RESERVED] 6 [UNK] 7 A 8 C 9 G 10 T 11 N
 *   Default: lowercase (soft-masked) bases are folded to upper case; the IUPAC ambiguity codes
 *   R Y K M S W B D H V (and U) map to N (11); any other byte maps to [UNK] (6).
 *   With SK_DNA_KEEP_CASE, lowercase gets its own ids after the HyenaDNA ones:
 *   12 a, 13 c, 14 g, 15 t, 16 n (lowercase IUPAC codes -> 16), vocabulary size 17.
 */
#ifndef SK_DNA_H
#define SK_DNA_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Tokenizer
 * ------------------------------------------------------------------------------------------- */

enum {
    SK_DNA_CLS = 0, SK_DNA_SEP = 1, SK_DNA_BOS = 2, SK_DNA_MASK = 3, SK_DNA_PAD = 4,
    SK_DNA_RESERVED = 5, SK_DNA_UNK = 6,
    SK_DNA_A = 7, SK_DNA_C = 8, SK_DNA_G = 9, SK_DNA_T = 10, SK_DNA_N = 11,
    SK_DNA_LA = 12, SK_DNA_LC = 13, SK_DNA_LG = 14, SK_DNA_LT = 15, SK_DNA_LN = 16 /* KEEP_CASE */
};
#define SK_DNA_VOCAB_SIZE 12        /* default vocabulary */
#define SK_DNA_VOCAB_SIZE_CASE 17   /* with SK_DNA_KEEP_CASE */

/* Flags for the tokenizer and the samplers. */
#define SK_DNA_KEEP_CASE 0x1

/* Vocabulary for `flags`: token strings indexed by id; *n gets the size (12 or 17). */
const char *const *sk_dna_vocab(int flags, int *n);
/* Token id of one byte (see the table above). */
uint8_t sk_dna_token(unsigned char c, int flags);
/* ids[i] = token of seq[i], i < n. Returns the number of [UNK] tokens written. */
int64_t sk_dna_tokenize(const char *seq, int64_t n, uint8_t *ids, int flags);
/* Inverse for base tokens: A C G T N (a c g t n with KEEP_CASE); special ids give '?'.
 * out gets n bytes and a NUL. tokenize(detokenize(ids)) == ids for every base id. */
void sk_dna_detokenize(const uint8_t *ids, int64_t n, char *out);
/* Reverse complement in place, string level: A<->T, C<->G (either case); other bytes (N, IUPAC)
 * are kept, as in HyenaDNA/Caduceus. */
void sk_dna_revcomp(char *seq, int64_t n);
/* Reverse complement in place, token level: reverse and swap 7<->10, 8<->9, 12<->15, 13<->14. */
void sk_dna_revcomp_ids(uint8_t *ids, int64_t n);
/* 1 if c is an IUPAC nucleotide code (ACGTU N RYKMSWBDHV, either case), else 0. */
int sk_dna_is_iupac(unsigned char c);

/* ---------------------------------------------------------------------------------------------
 * Streaming FASTA/FASTQ reader (plain, gzip or bgzip; decompressed as it goes)
 * ------------------------------------------------------------------------------------------- */

typedef struct sk_dna_record {
    const char *name;      /* up to the first whitespace of the header line */
    const char *comment;   /* rest of the header line ("" when none) */
    const char *seq;       /* bases as stored (case kept), NUL-terminated, no line breaks */
    const char *qual;      /* FASTQ qualities (Phred+33 text), NULL for FASTA */
    int64_t len;           /* number of bases */
    int64_t index;         /* 0-based record number in the file */
    int64_t line;          /* 1-based line of the header */
} sk_dna_record;

/* Reader flags. */
#define SK_DNA_CHECK_LAYOUT 0x10   /* also require the fixed line width that .fai indexes need */

typedef struct sk_dna_reader sk_dna_reader;

/* Open `path` (FASTA or FASTQ, detected from the first byte). threads > 0 adds bgzip
 * decompression threads. Checks every record as it is read: a header line first, no binary data,
 * only IUPAC letters, no empty records, unique names, one kind of line ending (all LF or all
 * CRLF), a complete gzip/bgzip stream (for a regular file: a pipe cannot be checked for the bgzip
 * end-of-file marker). `path` may be a pipe, a FIFO, /dev/stdin, or "-" for standard input: the
 * reader reads once from start to end. */
int sk_dna_reader_open(sk_dna_reader **r, const char *path, int flags, int threads) SK_RESULT_USED;
/* Next record (valid until the next call). Returns 0, SK_EOF at the end, or an error. */
int sk_dna_reader_next(sk_dna_reader *r, sk_dna_record *rec) SK_RESULT_USED;
void sk_dna_reader_close(sk_dna_reader *r);
/* Records of any length in bounded memory: sk_dna_reader_head reads the next record's header
 * (rec gets name, comment, index, line; seq NULL, len 0) or returns SK_EOF; then
 * sk_dna_reader_bases hands out its bases in order, in pieces of about SK_DNA_PIECE bases
 * (whole lines: a FASTA written as one line is one piece; a FASTQ read is one piece), each
 * valid until the next call, and returns SK_EOF at the record's end, with all the checks of
 * sk_dna_reader_next (a record without bases is an error there). Every piece must be taken
 * before the next header; the two ways of reading may be mixed record by record. */
#define SK_DNA_PIECE (1 << 16)
int sk_dna_reader_head(sk_dna_reader *r, sk_dna_record *rec) SK_RESULT_USED;
int sk_dna_reader_bases(sk_dna_reader *r, const char **seq, int64_t *n) SK_RESULT_USED;

/* Whole-file statistics; counts[c] counts every byte value c over all sequences. */
typedef struct sk_dna_stats {
    int64_t n_records, n_bases, min_len, max_len, n50;
    int64_t counts[256];
    int is_fastq;
} sk_dna_stats;
/* Read and check a whole file (all the checks of sk_dna_reader_open plus `flags`). */
int sk_dna_stats_file(const char *path, int flags, sk_dna_stats *st) SK_RESULT_USED;
/* The same over the records left in an open reader (the caller closes it). */
int sk_dna_stats_read(sk_dna_reader *r, sk_dna_stats *st) SK_RESULT_USED;

/* ---- inputs that can be read only once (pipes) ----
 * 1 when `path` is "-" (standard input) or names something that is not a regular file or a
 * folder: a pipe, a FIFO, /dev/stdin on a pipe, a terminal. Such an input cannot be indexed or
 * read twice. */
int sk_dna_is_stream(const char *path);
/* Open `path` ("-": standard input) as an htslib hFILE and tell from its first bytes (looked at,
 * not consumed) what it holds: *kind 2 for SAM/BAM/CRAM, else 1 (FASTA/FASTQ, whose reader says
 * what is wrong with anything else). */
struct hFILE;
int sk_dna_sniff(const char *path, struct hFILE **hf, int *kind) SK_RESULT_USED;
/* sk_dna_reader_open on an hFILE from sk_dna_sniff, which it takes over (closed on error too);
 * `path` names it in messages. */
int sk_dna_reader_hopen(sk_dna_reader **r, struct hFILE *hf, const char *path, int flags, int threads) SK_RESULT_USED;

/* ---------------------------------------------------------------------------------------------
 * Indexed FASTA/FASTQ (plain or bgzip): random access through .fai (+ .gzi for bgzip)
 * ------------------------------------------------------------------------------------------- */

typedef struct sk_dna_fasta sk_dna_fasta;

/* Open with its index. A missing (or older than the file) .fai/.gzi is built after checking the
 * whole file as the streaming reader does, plus the fixed line width, when the folder is
 * writable; else the error says how to make it. An index that is not older than the file is
 * checked against it at a few bytes per record, since dates lie (a copy with `cp -p` or
 * `rsync -a`, a rewrite within the same second): the rows must be well formed and not overlap,
 * each record must start after a line '>NAME' naming it, its first and last bases and its first
 * line end must be where the row says, only line ends may follow the last record, and for bgzip
 * the .gzi must point at blocks inside the compressed file and reach its end. An index that fails
 * is rebuilt as a missing one (with a warning), or refused with the reason when the folder is not
 * writable. The bases themselves are not read again (check a file with sk_dna_stats_file /
 * `ssmkit dna stats`). Plain gzip is refused (it cannot be indexed: recompress with bgzip), and
 * so are pipes (sk_dna_is_stream). Each handle keeps a 16 MiB cache of decompressed bgzip blocks
 * and seeks one file position: one handle per thread. */
int sk_dna_fasta_open(sk_dna_fasta **f, const char *path) SK_RESULT_USED;
/* A FASTA/FASTQ read whole into memory through the streaming reader (one byte per base): for
 * inputs that cannot be indexed (pipes). It answers every function below but
 * sk_dna_fasta_region (which needs an index). */
int sk_dna_fasta_read(sk_dna_fasta **f, const char *path) SK_RESULT_USED;
void sk_dna_fasta_close(sk_dna_fasta *f);
const char *sk_dna_fasta_path(const sk_dna_fasta *f);
int sk_dna_fasta_nseq(const sk_dna_fasta *f);
const char *sk_dna_fasta_name(const sk_dna_fasta *f, int i);
int64_t sk_dna_fasta_len(const sk_dna_fasta *f, int i);
/* Index of a record name, or -1. */
int sk_dna_fasta_find(const sk_dna_fasta *f, const char *name);
/* Bases [beg, end) of record i into *seq (malloc'd, NUL-terminated, caller frees), as stored.
 * A range outside 0 <= beg < end <= length is an error naming the record and its length. */
int sk_dna_fasta_fetch(sk_dna_fasta *f, int i, int64_t beg, int64_t end, char **seq) SK_RESULT_USED;
/* Parse a 1-based region string against this file: record i and 0-based [beg, end). */
int sk_dna_fasta_region(const sk_dna_fasta *f, const char *region, int *i, int64_t *beg, int64_t *end) SK_RESULT_USED;

/* ---------------------------------------------------------------------------------------------
 * SAM/BAM/CRAM reader
 * ------------------------------------------------------------------------------------------- */

typedef struct sk_dna_bam_opts {
    const char *reference;   /* FASTA for CRAM (--reference); NULL = none */
    int threads;             /* decompression threads (-@) */
    int min_mapq;            /* skip records with MAPQ below this */
    unsigned require_flags;  /* skip records without all of these flags (-f) */
    unsigned exclude_flags;  /* skip records with any of these flags (-F) */
} sk_dna_bam_opts;

typedef struct sk_dna_aln {
    const char *qname;
    const char *chrom;       /* "*" when unplaced */
    int64_t pos;             /* 0-based leftmost position, -1 when unplaced */
    unsigned flag;
    int mapq;
    const char *seq;         /* SEQ as stored (reference forward strand), "*" when absent */
    const char *qual;        /* Phred+33 text, "*" when absent */
    int64_t len;             /* bases in seq (0 when absent) */
    int64_t index;           /* 1-based record number in the stream */
    const uint32_t *cigar;   /* CIGAR in htslib's encoding (length << 4 | op), NULL when none */
    int n_cigar;
} sk_dna_aln;

/* The reference span of read bases [qbeg, qend) (offsets in SEQ, which is stored on the
 * reference's forward strand) of an alignment at 0-based pos with this CIGAR: [*rbeg, *rend)
 * from the first to the last of those bases aligned to the reference (M, = or X), deletions and
 * skips (D, N) between them included; soft-clipped and inserted bases (S, I) at the edges take
 * no reference bases. Returns 0, or -1 when none of the bases is aligned (all clipped or
 * inserted) or there is no CIGAR. */
int sk_dna_aln_ref_span(const uint32_t *cigar, int n_cigar, int64_t pos, int64_t qbeg, int64_t qend, int64_t *rbeg,
                        int64_t *rend);

typedef struct sk_dna_bam sk_dna_bam;

/* Open a SAM/BAM/CRAM file. Sets REF_PATH and REF_CACHE to local-only values first (unless the
 * user set local ones) so that a CRAM whose reference is missing fails at once instead of
 * downloading it; setenv is not thread-safe, so open the first handle before starting threads.
 * A missing BGZF/CRAM end-of-file marker (truncated file) is an error. opts may be NULL. */
int sk_dna_bam_open(sk_dna_bam **b, const char *path, const sk_dna_bam_opts *opts) SK_RESULT_USED;
/* The same on an hFILE from sk_dna_sniff, which it takes over (closed on error too). Such a
 * stream (a pipe) is read once: no region queries, and no end-of-file check before reading. */
int sk_dna_bam_hopen(sk_dna_bam **b, struct hFILE *hf, const char *path, const sk_dna_bam_opts *opts) SK_RESULT_USED;
/* Restrict the next reads to a region (1-based string, or "*" for unplaced reads); needs an
 * index (.bai/.csi/.crai). Calling again replaces the region. */
int sk_dna_bam_query(sk_dna_bam *b, const char *region) SK_RESULT_USED;
/* Next record passing the filters (valid until the next call): 0, SK_EOF, or an error. */
int sk_dna_bam_next(sk_dna_bam *b, sk_dna_aln *a) SK_RESULT_USED;
void sk_dna_bam_close(sk_dna_bam *b);

/* ---------------------------------------------------------------------------------------------
 * BED intervals
 * ------------------------------------------------------------------------------------------- */

#define SK_DNA_SPLIT_NONE (-1)   /* plus SK_SPLIT_TRAIN/VALID/TEST (src/sk_shard.h): 0, 1, 2 */

typedef struct sk_dna_interval {
    int32_t seq;       /* record index in the sk_dna_fasta */
    int64_t beg, end;  /* 0-based half-open */
    int32_t split;     /* 0 train, 1 valid, 2 test, or SK_DNA_SPLIT_NONE */
} sk_dna_interval;

typedef struct sk_dna_bed sk_dna_bed;

/* Read a BED file (3+ tab-separated columns; '#', "track" and "browser" lines skipped) and check
 * every interval against `ref`: known chromosome, 0 <= start < end <= length. split_col is the
 * 1-based column holding train/valid/test (HyenaDNA's sequences_human.bed: 4), 0 for none, or -1
 * to use column 4 when the first interval has train/valid/test there. */
int sk_dna_bed_read(sk_dna_bed **bed, const char *path, const sk_dna_fasta *ref, int split_col) SK_RESULT_USED;
/* Every record of `ref` as one interval [0, length), split SK_DNA_SPLIT_NONE. */
int sk_dna_bed_whole(sk_dna_bed **bed, const sk_dna_fasta *ref) SK_RESULT_USED;
void sk_dna_bed_free(sk_dna_bed *bed);
int64_t sk_dna_bed_count(const sk_dna_bed *bed);
const sk_dna_interval *sk_dna_bed_get(const sk_dna_bed *bed, int64_t i);
/* "train"/"valid"/"test"/"none" */
const char *sk_dna_split_name(int split);

/* ---------------------------------------------------------------------------------------------
 * Genome-interval window sampler (pretraining)
 * ------------------------------------------------------------------------------------------- */

/* How an interval (segment) of length S becomes windows of length L (DESIGN.md §DNA windows):
 *   MAMBA (default, Mamba paper App. E.3.1): L <= S: floor(S/L) non-overlapping windows
 *     [b + kL, b + (k+1)L); L > S: two windows, [b, b+L) and [e-L, e), each shifted to lie in
 *     [0, chrom_len) (clipped to the chromosome when it is shorter than L).
 *   HYENA (HyenaDNA FastaInterval): one window per interval: S >= L: [b, b+L); S < L: extended
 *     by (L-S)/2 on the left and the rest on the right, then clamped to [0, chrom_len) (may be
 *     shorter than L: left-pad with [PAD]).
 *   CADUCEUS (Caduceus HG38Dataset): L a power of two <= 2^20; the interval becomes
 *     [b, b + 2^20), cut into 2^20/L windows [b + kL, b + (k+1)L), each shifted into the
 *     chromosome. */
enum { SK_DNA_WIN_MAMBA = 0, SK_DNA_WIN_HYENA = 1, SK_DNA_WIN_CADUCEUS = 2 };
/* Parse "mamba"/"hyena"/"caduceus"; -1 if unknown. */
int sk_dna_window_mode(const char *name);
const char *sk_dna_window_mode_name(int mode);

typedef struct sk_dna_window {
    int32_t seq;        /* record index */
    int64_t beg, end;   /* 0-based half-open */
    int32_t split;
    int32_t label;      /* species index, or -1 */
    int rc;             /* 1: reverse-complement this window (augmentation) */
    int64_t interval;   /* source BED row (interval sampler) */
} sk_dna_window;

typedef struct sk_dna_windows_opts {
    int64_t length;     /* L */
    int mode;           /* SK_DNA_WIN_* */
    int split;          /* keep only this split's intervals; SK_DNA_SPLIT_NONE = all */
    uint64_t seed;
    int shuffle;        /* permute the windows per epoch (seed, epoch) */
    int rc_aug;         /* reverse-complement each window with probability 1/2 per epoch */
} sk_dna_windows_opts;

typedef struct sk_dna_windows sk_dna_windows;

/* Build the window list of `bed` (chromosome lengths from ref). Epoch 0 is selected. */
int sk_dna_windows_create(sk_dna_windows **w, const sk_dna_bed *bed, const sk_dna_fasta *ref,
                          const sk_dna_windows_opts *opts) SK_RESULT_USED;
void sk_dna_windows_free(sk_dna_windows *w);
int64_t sk_dna_windows_count(const sk_dna_windows *w);
/* Select an epoch: a permutation (when shuffle) and RC flags drawn from (seed, epoch) only, so
 * any epoch can be regenerated independently. */
void sk_dna_windows_epoch(sk_dna_windows *w, int64_t epoch);
/* The i-th window of the current epoch, 0 <= i < count. */
sk_dna_window sk_dna_windows_get(const sk_dna_windows *w, int64_t i);

/* Data parallelism (src/sk_dist.h): rank r of K takes positions r, r + K, r + 2K, ... of the
 * current epoch's permutation (the DistributedSampler convention). Every rank gets the same
 * count floor(count / K), so ranks stay in lockstep; the count mod K windows at the end of the
 * permutation sit out this epoch (with shuffle, different ones each epoch). Shares of ranks
 * 0..K-1 are disjoint and, with the left-out tail, cover the epoch. */
int64_t sk_dna_windows_rank_count(const sk_dna_windows *w, int rank, int world);
/* The i-th window of rank `rank`, 0 <= i < sk_dna_windows_rank_count. */
sk_dna_window sk_dna_windows_rank_get(const sk_dna_windows *w, int rank, int world, int64_t i);

/* Fetch a window's bases and tokenize them into ids (room for end-beg ids), applying the RC flag.
 * Returns the number of tokens written (end-beg) or a negative status. */
int64_t sk_dna_window_tokens(sk_dna_fasta *f, const sk_dna_window *win, int flags, uint8_t *ids);

/* ---------------------------------------------------------------------------------------------
 * Species sampler (classification)
 * ------------------------------------------------------------------------------------------- */

enum { SK_DNA_SPLIT_BY_POSITION = 0, SK_DNA_SPLIT_BY_CHROM = 1 };

typedef struct sk_dna_species_opts {
    int64_t length;          /* L */
    uint64_t seed;
    int split_by;            /* SK_DNA_SPLIT_BY_POSITION: first 80% / next 10% / last 10% of every
                                record; SK_DNA_SPLIT_BY_CHROM: whole records by the lists below */
    const char *valid_chroms;  /* comma-separated record names (SPLIT_BY_CHROM) */
    const char *test_chroms;
    double max_n_frac;       /* reject windows whose fraction of N tokens (N, IUPAC codes) is above this */
    int64_t n_valid, n_test; /* fixed valid/test windows, drawn once from the seed */
    int max_tries;           /* rejected draws before giving up (0: 1000) */
} sk_dna_species_opts;

typedef struct sk_dna_species sk_dna_species;

/* One indexed FASTA per species (label = position in `paths`). */
int sk_dna_species_create(sk_dna_species **s, const char *const *paths, int n_species,
                          const sk_dna_species_opts *opts) SK_RESULT_USED;
void sk_dna_species_free(sk_dna_species *s);
int sk_dna_species_count(const sk_dna_species *s);
sk_dna_fasta *sk_dna_species_fasta(sk_dna_species *s, int label);
/* Draw a training window: species uniform, then record uniform among that species' records with
 * room for L bases in the train split, then a start uniform; windows with too many N are
 * redrawn. ids gets L tokens. */
int sk_dna_species_draw(sk_dna_species *s, sk_rng *rng, int flags, sk_dna_window *win, uint8_t *ids) SK_RESULT_USED;
/* Data parallelism: the training-draw RNG of rank `rank`: sk_rng_seed(r, seed, 1 + rank), an
 * independent xoshiro256** stream per rank (stream 0 of the seed is left to callers that use
 * one process). The fixed valid/test windows do not depend on the rank; split them with
 * index (window i to rank i mod K). */
void sk_dna_species_rank_rng(sk_rng *r, uint64_t seed, int rank);
/* The fixed valid (split 1) or test (split 2) windows: count and i-th window (+ its L tokens). */
int64_t sk_dna_species_fixed_count(const sk_dna_species *s, int split);
int sk_dna_species_fixed(sk_dna_species *s, int split, int64_t i, int flags, sk_dna_window *win, uint8_t *ids) SK_RESULT_USED;
/* The [beg, end) range of record `seq` of species `label` that belongs to `split` (len 0 if none). */
void sk_dna_species_range(const sk_dna_species *s, int label, int seq, int split, int64_t *beg, int64_t *end);

/* ---------------------------------------------------------------------------------------------
 * Labelled sequences (fine-tuning on any classification task)
 *
 * Two formats, told apart by the first byte (plain, gzip or bgzip):
 *   TSV    one example per line: LABEL<TAB>SEQUENCE. Blank lines and lines starting with '#' are
 *          skipped; a first line "label<TAB>sequence" (any case) is a header and skipped too.
 *   FASTA  the label is a word "label=CLASS" in the header's comment:
 *          ">seq17 label=promoter some other words". Records without one are an error.
 * Sequences hold IUPAC letters only (sk_dna_is_iupac); they may have any length >= 1.
 * Classes: with a class list (e.g. from --classes or a checkpoint) a label outside it is an
 * error naming the file, the line and the known classes; without one, the classes found are
 * collected and sorted by name (strcmp), label = index in that order.
 * ------------------------------------------------------------------------------------------- */
typedef struct sk_dna_labelled sk_dna_labelled;

typedef struct sk_dna_lseq {
    const char *seq;     /* bases as stored (case kept), NUL-terminated */
    int64_t len;
    int32_t label;       /* index into the class list */
    int64_t line;        /* 1-based line (TSV) or header line (FASTA) */
    const char *name;    /* FASTA record name; NULL for TSV */
} sk_dna_lseq;

/* Read a whole labelled file. classes/n_classes: the class list, or NULL/0 to collect it. */
int sk_dna_labelled_read(sk_dna_labelled **out, const char *path, const char *const *classes, int n_classes) SK_RESULT_USED;
void sk_dna_labelled_free(sk_dna_labelled *l);
int64_t sk_dna_labelled_count(const sk_dna_labelled *l);
int sk_dna_labelled_nclasses(const sk_dna_labelled *l);
const char *sk_dna_labelled_class(const sk_dna_labelled *l, int i);
sk_dna_lseq sk_dna_labelled_get(const sk_dna_labelled *l, int64_t i);
const char *sk_dna_labelled_path(const sk_dna_labelled *l);

/* ---------------------------------------------------------------------------------------------
 * Tiling a sequence into model windows (ssmkit classify / embed)
 *
 * A sequence of n bases becomes windows of length L taken every `stride` bases:
 *   n >= L: starts 0, S, 2S, ... while start + L <= n; if the last of these ends before n, one
 *           more window [n - L, n) covers the tail, so every base is in some window;
 *   n <  L: SK_DNA_SHORT_PAD: one window [0, n), to be left-padded with [PAD] to L (a causal
 *           model then ends on the real last base); SK_DNA_SHORT_SKIP: no window.
 * ------------------------------------------------------------------------------------------- */
enum { SK_DNA_SHORT_PAD = 0, SK_DNA_SHORT_SKIP = 1 };
/* Number of windows; begs (room for that many, or NULL) gets their starts. L, stride >= 1. */
int64_t sk_dna_tiles(int64_t n, int64_t L, int64_t stride, int short_policy, int64_t *begs);
/* The model input of window [beg, end) of seq (end - beg <= L): L ids, left-padded with [PAD];
 * rc: reverse-complemented (before padding). */
void sk_dna_window_ids(const char *seq, int64_t beg, int64_t end, int64_t L, int rc, int flags, int32_t *ids);

/* ---------------------------------------------------------------------------------------------
 * Genomes to token shards (`ssmkit dna windows`; the audio counterpart is sk_audio_prep)
 *
 * Both writers produce a uint8 token shard (src/sk_shard.h) atomically, with JSON metadata:
 * vocab (sk_dna_vocab), pad_token 4, pad_rule "ignore", domain "dna", tokenizer, length, seed,
 * htslib version, sources (path, size), sampler ("intervals" or "species") and the sampler's
 * settings. Errors leave no output file.
 * ------------------------------------------------------------------------------------------- */
typedef struct sk_dna_prep_opts {
    int64_t length;            /* L, window length in bases (required, >= 1) */
    int flags;                 /* SK_DNA_KEEP_CASE */
    uint64_t seed;             /* default 1 */
    /* genome intervals (sk_dna_prep_intervals) */
    const char *bed;           /* BED of intervals, or NULL: every record whole */
    int mode;                  /* SK_DNA_WIN_* */
    int split;                 /* keep only this split; SK_DNA_SPLIT_NONE (default) = all */
    int64_t epoch;             /* epoch whose order and reverse-complement coins are written */
    int shuffle, rc_aug;
    /* species classification (sk_dna_prep_species) */
    const char *labels;        /* comma-separated class names, one per FASTA; NULL: file names
                                  without their extensions */
    int split_by;              /* SK_DNA_SPLIT_BY_* */
    const char *valid_chroms, *test_chroms;
    double max_n_frac;         /* `dna windows` default 0.1 */
    int64_t n_train, n_valid, n_test;   /* windows per split (`dna windows` defaults 1000 / 100 / 100) */
    struct sk_progress *progress; /* NULL, or the caller's (src/sk_progress.h): windows written */
} sk_dna_prep_opts;

/* The windows (sk_dna_windows) of one indexed FASTA, in the epoch's order, unlabelled (-1), each
 * in its interval's split (train when the BED has none). *n_windows (may be NULL): windows written. */
int sk_dna_prep_intervals(const char *fasta, const char *out, const sk_dna_prep_opts *o, int64_t *n_windows) SK_RESULT_USED;
/* n_train training windows drawn with sk_rng stream 0 of the seed, then the fixed valid and test
 * windows (sk_dna_species); label = position of the FASTA in `fastas`. */
int sk_dna_prep_species(const char *const *fastas, int n, const char *out, const sk_dna_prep_opts *o) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
