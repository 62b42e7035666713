/* sk_dna_run.h — what `ssmkit classify`, `ssmkit embed`, `ssmkit eval` and `ssmkit finetune`
 * share on the DNA side: one reader for FASTA/FASTQ/SAM/BAM/CRAM, the window runner that batches the
 * windows of a stream of records through the caller's compute function (a model, joined in
 * tools/) and averages them per window (both strands)
 * and per record, the tokenizer and provenance metadata of DNA checkpoints.
 */
#ifndef SK_DNA_RUN_H
#define SK_DNA_RUN_H

#include <stdint.h>
#include "genomics/sk_dna.h"
#include "src/sk_error.h"

/* ---- sequence input: the file type comes from the extension ----
 * FASTA .fa .fasta .fna .ffn .frn; FASTQ .fq .fastq (each also
 * with .gz or .bgz); SAM .sam, BAM .bam, CRAM .cram. A pipe, FIFO, /dev/stdin or "-" (standard
 * input) without one of these extensions is told by its first bytes (sk_dna_sniff) and read
 * once. Anything else is an error naming the file.
 * SAM/BAM/CRAM: every record with a sequence (SEQ as stored, i.e. reverse-complemented for reads
 * mapped to the reverse strand), mapped or not; secondary/supplementary records are skipped. */
typedef struct sk_seqin sk_seqin;
typedef struct sk_seqrec {
    const char *name;   /* record or read name */
    const char *seq;    /* bases, NUL-terminated */
    int64_t len;
    const sk_dna_aln *aln; /* SAM/BAM/CRAM: the alignment record (chrom, pos, flag, CIGAR); NULL for FASTA/FASTQ */
} sk_seqrec;
/* 1 FASTA/FASTQ, 2 SAM/BAM/CRAM, 0 neither (by extension, as above). */
int sk_seqin_kind(const char *path);
int sk_seqin_open(sk_seqin **in, const char *path, const char *reference, int threads) SK_RESULT_USED;
/* The same with every SAM/BAM/CRAM option (reference, threads, filters) from o; any: a regular
 * file without a known extension is read as FASTA/FASTQ instead of refused (`ssmkit dna`). */
int sk_seqin_open_opts(sk_seqin **in, const char *path, const sk_dna_bam_opts *o, int any) SK_RESULT_USED;
/* The handle under an open input: its FASTA/FASTQ reader or its SAM/BAM/CRAM reader (the other is NULL). */
sk_dna_reader *sk_seqin_reader(sk_seqin *in);
sk_dna_bam *sk_seqin_bam(sk_seqin *in);
/* 0, SK_EOF, or an error. The record is valid until the next call. */
int sk_seqin_next(sk_seqin *in, sk_seqrec *r) SK_RESULT_USED;
void sk_seqin_close(sk_seqin *in);
int64_t sk_seqin_skipped(const sk_seqin *in); /* BAM records without SEQ, secondary, supplementary */

struct sk_progress;

/* Records in pieces (bounded memory, sk_dna_reader_head / _bases): sk_seqin_head gives the next
 * record's name (seq NULL, len 0) or SK_EOF; sk_seqin_bases then hands out its bases piece by
 * piece (each valid until the next call) and SK_EOF at its end. A FASTA record comes in pieces
 * of about SK_DNA_PIECE bases, a FASTQ or SAM/BAM/CRAM read as one piece. */
int sk_seqin_head(sk_seqin *in, sk_seqrec *r) SK_RESULT_USED;
int sk_seqin_bases(sk_seqin *in, const char **seq, int64_t *n) SK_RESULT_USED;

/* ---- whole records of any length, streamed with the state carried ----
 * Every record of `in` from the current one on, tokenized with tok_flags (sk_dna_token) and fed
 * to the stream as one record (src/sk_stream.h), read in pieces (sk_seqin_head / _bases): memory
 * does not grow with the record's length (a FASTA written as one line excepted: its line is held).
 * *n (optional) gets the number of records read. With a progress on the stream
 * (sk_stream_set_progress) a record longer than 64 Ki bases is shown by name, its bases against
 * its length. */
struct sk_stream;
int sk_seqin_stream(sk_seqin *in, struct sk_stream *s, int tok_flags, int64_t *n) SK_RESULT_USED;

/* Bases [beg, end) of record i of an indexed FASTA tokenized with tok_flags and put to the stream
 * (the current record: the caller begins and ends it), fetched in pieces of SK_DNA_PIECE bases;
 * rc: their reverse complement, read from `end` down to `beg` (the reverse strand in bounded
 * memory). */
int sk_dna_fasta_stream(sk_dna_fasta *f, int i, int64_t beg, int64_t end, int rc, int tok_flags, struct sk_stream *s) SK_RESULT_USED;

/* ---- the window runner ----
 * Each record is tiled (sk_dna_tiles: length L, stride S, short records padded or skipped);
 * each window is one batch row (two with rc_average: the window and its reverse complement).
 * compute() turns a batch of rows (b, L) into vectors (b, V) (log-probabilities, embeddings);
 * a window's vector is the mean over its strands, a record's the mean over its windows.
 * Records are emitted in input order as soon as all their windows are computed. */
typedef struct sk_winrun_opts {
    int64_t length, stride, batch;
    int short_policy;   /* SK_DNA_SHORT_PAD / SK_DNA_SHORT_SKIP */
    int rc_average;
    int keep_windows;   /* keep per-window vectors for emit */
    int tok_flags;      /* tokenizer flags (SK_DNA_KEEP_CASE) */
    /* NULL, or the caller's progress (src/sk_progress.h): the windows computed, a record of more
     * than one batch shown by name against its window count; with progress_records, the records
     * emitted instead (against the total the caller gave) */
    struct sk_progress *progress;
    int progress_records;
} sk_winrun_opts;

typedef struct sk_winrun_rec {
    const char *name;
    int64_t len, nwin;      /* nwin = 0: skipped (shorter than L with SK_DNA_SHORT_SKIP) */
    int padded;             /* 1: shorter than L, one left-padded window */
    const int64_t *beg;     /* (nwin) window starts (keep_windows) */
    const double *win;      /* (nwin, V) window vectors (keep_windows) */
    const double *mean;     /* (V) mean over the windows */
} sk_winrun_rec;

typedef int (*sk_winrun_compute_fn)(void *ctx, const int32_t *tokens, int64_t b, int64_t L, double *out);
typedef int (*sk_winrun_emit_fn)(void *ctx, const sk_winrun_rec *rec);

typedef struct sk_winrun sk_winrun;
int sk_winrun_create(sk_winrun **w, const sk_winrun_opts *o, int64_t V, sk_winrun_compute_fn compute,
                     sk_winrun_emit_fn emit, void *ctx) SK_RESULT_USED;
/* Add one record (seq is only read during the call). */
int sk_winrun_add(sk_winrun *w, const char *name, const char *seq, int64_t len) SK_RESULT_USED;
/* Run the last partial batch and emit the remaining records. */
int sk_winrun_finish(sk_winrun *w) SK_RESULT_USED;
void sk_winrun_free(sk_winrun *w);
/* counts: records added, windows computed, records skipped / padded as short */
void sk_winrun_counts(const sk_winrun *w, int64_t *records, int64_t *windows, int64_t *skipped, int64_t *padded);

/* ---- every record of a list of files through a runner ----
 * Each file is opened (sk_seqin_open with reference, threads); its records go to the window runner
 * w (sk_winrun_add) or, with w NULL, whole to the stream s (sk_seqin_stream with tok_flags); then
 * the runner or the stream is finished. A file without a record is an error naming it, which with
 * say_no_seq also says when the file's SAM/BAM/CRAM records all lack SEQ. *skipped (optional) gets
 * the alignment records skipped over all files (sk_seqin_skipped). */
int sk_dna_run_files(char *const *paths, int n, const char *reference, int threads, sk_winrun *w, struct sk_stream *s,
                     int tok_flags, int say_no_seq, int64_t *skipped) SK_RESULT_USED;

/* The same, calling each(ctx, record) for every record before the window runner gets it (with w;
 * a nonzero return stops). */
typedef int (*sk_seqrec_fn)(void *ctx, const sk_seqrec *r);
int sk_dna_run_files_each(char *const *paths, int n, const char *reference, int threads, sk_winrun *w, struct sk_stream *s,
                          int tok_flags, int say_no_seq, int64_t *skipped, sk_seqrec_fn each, void *ctx) SK_RESULT_USED;

/* A window's vector from its hidden states h (L, d): the last row (last = 1), or the mean over the
 * positions whose token in tok (L) is not [PAD] (summed in double), into o (d). */
void sk_dna_pool_window(const float *h, const int32_t *tok, int64_t L, int64_t d, int last, double *o);

/* ---- checkpoint metadata ----
 * "tokenizer": {"name": "dna-char", "vocab": [12 or 17 token strings], "keep_case": bool}
 * "provenance": {"ssmkit_version", "inputs": [{"path", "bytes"}], "bed": path|null, "window_mode",
 *                "length", "seed", "command"} */
char *sk_dna_tokenizer_json(int flags);
/* Parse a tokenizer JSON (what: names it in messages); checks it is the DNA character tokenizer
 * and gives its flags and vocabulary size. */
int sk_dna_tokenizer_parse(const char *json, const char *what, int *flags, int64_t *vocab) SK_RESULT_USED;
/* sk_dna_tokenizer_parse of a checkpoint's "tokenizer" metadata, named "MODEL: __metadata__.tokenizer". */
int sk_dna_tokenizer_meta(const char *json, const char *model, int *flags, int64_t *vocab) SK_RESULT_USED;
/* The window length a provenance JSON records ("length" >= 1), or 0 (also for NULL or bad JSON). */
int64_t sk_dna_provenance_length(const char *json);
/* inputs: n paths (sizes read from the file system); bed, window_mode may be NULL. */
char *sk_dna_provenance_json(const char *const *inputs, int n, const char *bed, const char *window_mode, int64_t length,
                             uint64_t seed, int argc, char **argv);

#endif
