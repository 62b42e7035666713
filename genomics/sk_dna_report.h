/* sk_dna_report.h — the text reports of `ssmkit dna stats|fetch|view|bench`: each reads a file
 * through the readers of sk_dna.h and writes its lines to the caller's stream `out`. They return
 * 0 or a negative status with the message set (sk_error); the caller prints it.
 * A SAM/BAM/CRAM file is told apart by its extension, a pipe by its first bytes, and anything
 * else is read as FASTA/FASTQ (sk_seqin_open_opts with any = 1, sk_dna_run.h).
 */
#ifndef SK_DNA_REPORT_H
#define SK_DNA_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "genomics/sk_dna.h"

/* One tab-separated line for the file.
 * FASTA/FASTQ: file records bases A C G T N other_iupac lowercase gc_percent min_len max_len n50
 *   (upper and lower case counted together; GC% over A/C/G/T only).
 * SAM/BAM/CRAM (o: threads, reference): file records bases mapped unmapped. */
int sk_dna_report_stats(const char *path, const sk_dna_bam_opts *o, FILE *out) SK_RESULT_USED;

/* Regions (1-based inclusive strings) of an indexed FASTA as '>REGION' and the bases as stored,
 * `width` per line; then flushes `out` (a failed write is an error). */
int sk_dna_report_fetch(const char *path, char *const *regions, int n, int64_t width, FILE *out) SK_RESULT_USED;

/* FASTA/FASTQ streamed and checked, written as FASTA with 60-column lines (FASTQ: 4-line records);
 * SAM/BAM/CRAM records (of the regions, or all with n = 0) as QNAME FLAG RNAME POS MAPQ SEQ QUAL,
 * POS 1-based (o: reference, threads, filters). Regions on FASTA are an error. */
int sk_dna_report_view(const char *path, const sk_dna_bam_opts *o, char *const *regions, int n, FILE *out) SK_RESULT_USED;

/* Rates of reading and tokenizing every record (FASTA/FASTQ: bases/s; SAM/BAM/CRAM: records/s and
 * bases/s), one line. */
int sk_dna_report_bench_stream(const char *path, const sk_dna_bam_opts *o, FILE *out) SK_RESULT_USED;
/* Rate of fetching and tokenizing nwin random windows of length L (shuffled mamba tiles of every
 * record) through the index, one line. Returns 1 when the file has no random access (the reason in
 * sk_errmsg), SK_ENOMEM when the windows cannot be set up. */
int sk_dna_report_bench_random(const char *path, int64_t L, int64_t nwin, FILE *out) SK_RESULT_USED;

#endif
