/* sk_dna_vcf.h — zero-shot variant-effect scoring: the variants of a VCF/BCF, each scored by
 * how much a language model prefers the window of the reference with the ALT allele to the same
 * window with the REF allele (`ssmkit dna score-variants`; the rules are in genomics/README.md
 * §Variant scoring). The model is the caller's callback (genomics knows no model): it turns rows
 * of tokens into window log-likelihoods.
 *
 * Windows (L = the window length, p = the variant's 0-based POS, r = |REF|, a = |ALT|):
 *   the reference window is [s, s + L) with s = p - floor(L/2), so REF starts at offset floor(L/2);
 *   the ALT window is ref[s, p) + ALT + ref[p + r, s + L + r - a): the same left flank, and the
 *   right flank cut or extended at the right end so that both windows hold exactly L bases.
 *   LLR = log p(ALT window) - log p(REF window) in nats; with both strands, the mean of that
 *   difference on the windows as given and on their reverse complements.
 * An allele that cannot be scored gets a reason (sk_vcf_reason_name) and stays in the output. */
#ifndef SK_DNA_VCF_H
#define SK_DNA_VCF_H

#include <stdint.h>
#include "src/sk_error.h"

enum {
    SK_VCF_SCORED = 0,
    SK_VCF_REF_MISMATCH,   /* REF is not the FASTA's bases at POS */
    SK_VCF_CONTIG_END,     /* a window would run past either end of the contig */
    SK_VCF_SYMBOLIC,       /* ALT is not bases: <DEL>, breakends, '*', '.' */
    SK_VCF_TOO_LONG,       /* REF or ALT longer than ceil(L/2), the window from the variant on */
    SK_VCF_NO_CONTIG,      /* the contig is not in the FASTA */
    SK_VCF_CHR_NAMING,     /* ... but it is under the other chr/no-chr spelling */
    SK_VCF_NREASON
};
/* "scored", "ref_mismatch", "contig_end", "symbolic", "too_long", "no_contig", "chr_naming". */
const char *sk_vcf_reason_name(int reason);

typedef struct sk_vcf_opts {
    const char *vcf;        /* VCF, bgzip VCF or BCF (htslib tells them apart) */
    const char *ref;        /* FASTA, indexed (.fai/.gzi made when missing); a pipe or plain gzip is read whole */
    const char *out;        /* NULL or "-": VCF on stdout; by extension .tsv TSV, .bcf BCF,
                             * .gz/.bgz bgzip VCF, else VCF */
    int64_t length;         /* L >= 2 */
    int64_t batch;          /* at most this many rows per logp call */
    int both_strands;       /* 1: mean over the two strands */
    int strict;             /* 1: an allele that cannot be scored is an error naming its record */
    int tok_flags;          /* sk_dna_token flags of the model's tokenizer */
    const char *header_line;/* an extra "##key=value" line for the VCF header, or NULL */
} sk_vcf_opts;

typedef struct sk_vcf_counts {
    int64_t records;        /* read = written */
    int64_t alleles;        /* ALT alleles */
    int64_t scored;         /* ALT alleles with an LLR */
    int64_t flagged;        /* records with at least one ALT not scored (SSM_SKIP) */
    int64_t rows;           /* windows through the model (both strands counted) */
    int64_t reason[SK_VCF_NREASON]; /* ALT alleles by reason */
} sk_vcf_counts;

/* Log-likelihoods (nats) of b rows of L tokens, b <= opts.batch. */
typedef int (*sk_vcf_logp_fn)(void *ctx, const int32_t *tokens, int64_t b, int64_t L, double *logp);

/* Read every record of o->vcf, score its ALT alleles with logp (windows batched o->batch rows at a
 * time) and write every record, in input order, to o->out: as VCF/BCF with the INFO fields
 *   SSM_LLR  (Number=A, Float)  the LLR of each ALT, '.' where not scored
 *   SSM_SKIP (Number=A, String) why each ALT was not scored, '.' where it was (only on such records)
 * added (header lines too; all else kept), or as TSV (one row per ALT: chrom pos id ref alt
 * ssm_llr skip). The first allele of each reason is also warned about with its details. The
 * output is written atomically. */
int sk_vcf_score(const sk_vcf_opts *o, sk_vcf_logp_fn logp, void *ctx, sk_vcf_counts *counts) SK_RESULT_USED;

#endif
