/* cmd_dna_score.c — `ssmkit dna score-variants` (cmd_dna.c dispatches to dna_score_variants):
 * zero-shot variant-effect scores of a VCF with a DNA LM. The records, windows and output are
 * genomics/sk_dna_vcf.h; the window log-likelihoods are models/sk_score.h; this file joins them. */
#ifdef SSMKIT_HAVE_GENOMICS
#include <stdio.h>
#include <string.h>
#include "genomics/sk_dna_vcf.h"
#include "kernels/sk_runtime.h"
#include "models/sk_score.h"
#include "tools/sk_cli.h"

int dna_score_variants(int argc, char **argv);

static const char *usage =
    "Usage: ssmkit dna score-variants -m LM --ref FASTA --vcf VCF -L LEN [-o OUT] [options]\n"
    "\n"
    "Zero-shot variant-effect scores: for each ALT allele of each VCF record, the log-likelihood\n"
    "ratio ln p(ALT window) - ln p(REF window) of a DNA language model, in nats (negative: the\n"
    "model finds the ALT less likely). The REF window is the LEN reference bases with the variant's\n"
    "first REF base at offset floor(LEN/2) (0-based) of the window; the ALT window has the same\n"
    "left flank, then ALT, then the reference after REF, cut or extended at the right end so that\n"
    "it too holds LEN bases. A window's log-likelihood is the sum of ln p(base | the bases before\n"
    "it in the window) over its bases 2..LEN (the first has no context), as 'ssmkit eval --whole'\n"
    "scores a record of LEN bases. Both strands (default): the mean of the ratio on the windows\n"
    "and on their reverse complements.\n"
    "\n"
    "Every record is written, with all its fields kept, in input order: as VCF/BCF with INFO/SSM_LLR\n"
    "(Number=A) and, where an ALT cannot be scored, INFO/SSM_SKIP (Number=A: ref_mismatch,\n"
    "contig_end, symbolic, too_long, no_contig, chr_naming; '.' for the scored ones); or, with\n"
    "-o *.tsv, one row per ALT: chrom pos id ref alt ssm_llr skip. A summary goes to stderr.\n"
    "\n"
    "Options:\n";

static const char *epilog =
    "\n"
    "OUT by extension: .vcf.gz/.bgz bgzip VCF, .bcf BCF, .tsv TSV, anything else (or none: stdout)\n"
    "plain VCF. VCF: plain, bgzip or BCF. FASTA: plain or bgzip, indexed (.fai/.gzi made when\n"
    "missing); a pipe or a plain gzip FASTA is read whole into memory.\n";

typedef struct score_ctx {
    sk_model *m;
} score_ctx;

static int score_rows(void *ctx, const int32_t *tok, int64_t b, int64_t L, double *logp) {
    return sk_score_windows(((score_ctx *)ctx)->m, tok, b, L, logp);
}

/* The DNA LM of a checkpoint and its tokenizer flags (cmd_eval.c). */
int load_dna_lm(const char *model, const sk_backend *be, int64_t B, int64_t L, sk_model **m, int *flags);

int dna_score_variants(int argc, char **argv) {
    const char *model = NULL, *ref = NULL, *vcf = NULL, *out = NULL, *device;
    int64_t L = 0, B, threads;
    int strict = 0, quiet = 0, strand = 2;
    static const int strands[] = {2, 1};
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "DNA LM checkpoint (trained on `ssmkit dna windows` shards)"),
        SK_O_STR("ref", 'r', &ref, NULL, "FA", "reference FASTA the VCF is called against"),
        SK_O_STR("vcf", 'v', &vcf, NULL, "VCF", "variants: VCF, bgzip VCF or BCF"),
        SK_O_INT("length", 'L', &L, 2, 1 << 24, NULL, "LEN", "window length in bases"),
        SK_O_BATCH_WINDOWS(&B, "windows per forward (each ALT needs one, each record one\n"
                           "more for REF; both strands double it)"),
        SK_O_CHOICE("strand", 0, &strand, "both|+", strands, "both",
                    "both: mean over the two strands; +: the forward strand only"),
        SK_O_FLAG("strict", 0, &strict, "an ALT that cannot be scored is an error naming its record\n"
                  "(default: flagged in SSM_SKIP and counted)"),
        SK_O_OUTPUT(&out, "OUT", "output [stdout, VCF]"),
        SK_O_THREADS(&threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_QUIET(&quiet, "no summary on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"dna score-variants", usage, opts, epilog}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage("dna score-variants", "unexpected argument '%s'", argv[optind]);
    if (!model || !ref || !vcf || !L) return sk_cli_usage("dna score-variants", "--model, --ref, --vcf and --length are required");
    sk_runtime_threads((int)threads);
    const sk_backend *be;
    if (sk_runtime_backend(device, &be)) return sk_cli_fail(NULL);
    score_ctx c = {0};
    int flags = 0;
    if (load_dna_lm(model, be, B, L, &c.m, &flags)) return sk_cli_fail(NULL);
    char hl[1200];
    snprintf(hl, sizeof hl, "##ssmkit_score_variants=<model=\"%s\",length=%lld,strand=%s>", model, (long long)L,
             strand == 2 ? "both" : "+");
    const sk_vcf_opts o = {.vcf = vcf, .ref = ref, .out = out, .length = L, .batch = B, .both_strands = strand == 2,
                           .strict = strict, .tok_flags = flags, .header_line = hl};
    sk_vcf_counts n;
    int rc = sk_vcf_score(&o, score_rows, &c, &n);
    sk_model_free(c.m);
    if (rc) return sk_cli_fail(NULL);
    if (!quiet) {
        fprintf(stderr, "score-variants: %lld records, %lld ALT alleles: %lld scored, %lld not scored", (long long)n.records,
                (long long)n.alleles, (long long)n.scored, (long long)(n.alleles - n.scored));
        const char *sep = " (";
        for (int r = 1; r < SK_VCF_NREASON; r++)
            if (n.reason[r]) fprintf(stderr, "%s%s %lld", sep, sk_vcf_reason_name(r), (long long)n.reason[r]), sep = ", ";
        fprintf(stderr, "%s; %lld records flagged SSM_SKIP; %lld windows scored\n", strcmp(sep, " (") ? ")" : "",
                (long long)n.flagged, (long long)n.rows);
    }
    return SK_EXIT_OK;
}
#endif
