/* sk_dna_vcf.c — see sk_dna_vcf.h. */
#include "genomics/sk_dna_vcf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <htslib/hts.h>
#include <htslib/vcf.h>
#include "genomics/sk_dna.h"
#include "src/sk_io.h"
#include "src/sk_out.h"

static const char *const reason_names[SK_VCF_NREASON] = {"scored", "ref_mismatch", "contig_end", "symbolic",
                                                          "too_long", "no_contig", "chr_naming"};
const char *sk_vcf_reason_name(int r) { return r >= 0 && r < SK_VCF_NREASON ? reason_names[r] : "?"; }

/* One record waiting for its windows to be scored. */
typedef struct vjob {
    bcf1_t *rec;
    int64_t ref_row;   /* first row of its REF window (-1: none) */
    int nalt;
    int64_t *alt_row;  /* (nalt) first row of each ALT window, -1 = not scored */
    int *reason;       /* (nalt) */
} vjob;

typedef struct vctx {
    const sk_vcf_opts *o;
    sk_vcf_counts *c;
    sk_vcf_logp_fn logp;
    void *lctx;
    sk_dna_fasta *fa;
    bcf_hdr_t *hdr;
    htsFile *out;       /* VCF/BCF output, or NULL with tsv */
    sk_out *tsv;
    int ns;             /* strands: 1 or 2 */
    int32_t *tok;       /* (cap_rows, L) */
    double *lp;         /* (cap_rows) */
    int64_t rows, cap_rows;
    vjob *jobs;
    int64_t njobs, cap_jobs;
    char *win;          /* (L + 1) one window's bases */
    int warned[SK_VCF_NREASON];
} vctx;

/* ---- windows ---- */

static int is_bases(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!strchr("ACGTNacgtn", *s)) return 0;
    return 1;
}

/* Append the window `win` (L bases) as row(s): as given and, with both strands, reverse-complemented. */
static int add_window(vctx *v, int64_t *row) {
    const int64_t L = v->o->length;
    if (v->rows + v->ns > v->cap_rows) {
        int64_t cap = v->cap_rows ? v->cap_rows * 2 : v->o->batch + 4;
        int32_t *t = realloc(v->tok, (size_t)(cap * L) * sizeof(int32_t));
        if (t) v->tok = t;
        double *l = t ? realloc(v->lp, (size_t)cap * sizeof(double)) : NULL;
        if (!l) return sk_error(SK_ENOMEM, "score-variants: out of memory for %lld windows of %lld", (long long)cap, (long long)L);
        v->lp = l, v->cap_rows = cap;
    }
    *row = v->rows;
    for (int s = 0; s < v->ns; s++) {
        if (s) sk_dna_revcomp(v->win, L);
        int32_t *t = v->tok + (v->rows++) * L;
        for (int64_t i = 0; i < L; i++) t[i] = sk_dna_token((unsigned char)v->win[i], v->o->tok_flags);
    }
    return SK_OK;
}

/* The other chr/no-chr spelling of a contig name in the FASTA, or NULL. */
static const char *other_spelling(const sk_dna_fasta *fa, const char *name, char *buf, size_t n) {
    if (!strncmp(name, "chr", 3)) snprintf(buf, n, "%s", name + 3);
    else snprintf(buf, n, "chr%s", name);
    if (!strcmp(buf, "chrMT") && sk_dna_fasta_find(fa, "chrM") >= 0) snprintf(buf, n, "chrM");
    if (!strcmp(buf, "M") && sk_dna_fasta_find(fa, "MT") >= 0) snprintf(buf, n, "MT");
    return *buf && sk_dna_fasta_find(fa, buf) >= 0 ? buf : NULL;
}

/* An allele that is not scored: an error with --strict, else a warning for the first of each
 * reason; the details are formatted by the caller into why. */
static int not_scored(vctx *v, const bcf1_t *rec, int reason, const char *why) {
    char where[400];
    snprintf(where, sizeof where, "%s: record %lld (%s:%lld)", v->o->vcf, (long long)v->c->records,
             bcf_seqname_safe(v->hdr, rec), (long long)rec->pos + 1);
    if (v->o->strict) return sk_error(SK_EINVAL, "%s: %s (without --strict it would be flagged SSM_SKIP=%s)", where, why, reason_names[reason]);
    if (!v->warned[reason]++)
        sk_log_warn("%s: %s: not scored, flagged SSM_SKIP=%s (further ones are counted in the summary)", where, why, reason_names[reason]);
    return SK_OK;
}

/* The windows of one record: a job with rows, or reasons. */
static int plan_record(vctx *v, bcf1_t *rec, vjob *j) {
    const int64_t L = v->o->length, half = L / 2, room = L - half, p = rec->pos;
    const char *name = bcf_seqname_safe(v->hdr, rec);
    const char *REF = rec->d.allele[0];
    const int64_t r = (int64_t)strlen(REF);
    char why[600], other[256];
    int rc = SK_OK, rec_reason = SK_VCF_SCORED;
    j->ref_row = -1;
    int ci = sk_dna_fasta_find(v->fa, name);
    const int64_t clen = ci >= 0 ? sk_dna_fasta_len(v->fa, ci) : 0, s = p - half;
    char *bases = NULL;
    if (ci < 0 && other_spelling(v->fa, name, other, sizeof other)) {
        rec_reason = SK_VCF_CHR_NAMING;
        snprintf(why, sizeof why, "contig %s is not in %s, which has %s: the VCF and the FASTA name contigs differently "
                 "(chr/no-chr; rename one side, e.g. bcftools annotate --rename-chrs)", name, v->o->ref, other);
    } else if (ci < 0) {
        rec_reason = SK_VCF_NO_CONTIG;
        snprintf(why, sizeof why, "contig %s is not in %s", name, v->o->ref);
    } else if (r > room) {
        rec_reason = SK_VCF_TOO_LONG;
        snprintf(why, sizeof why, "REF is %lld bases, more than the %lld the window has from the variant on (-L %lld)",
                 (long long)r, (long long)room, (long long)L);
    } else if (s < 0 || s + L > clen) {
        rec_reason = SK_VCF_CONTIG_END;
        snprintf(why, sizeof why, "its %lld-base window, %lld-%lld (1-based), does not fit in contig %s (length %lld)",
                 (long long)L, (long long)s + 1, (long long)(s + L), name, (long long)clen);
    } else { /* the reference from s, with room for the longest deletion's extension */
        const int64_t end = s + L + r < clen ? s + L + r : clen;
        if ((rc = sk_dna_fasta_fetch(v->fa, ci, s, end, &bases))) return rc;
        for (int64_t i = 0; i < r && rec_reason == SK_VCF_SCORED; i++)
            if (toupper((unsigned char)REF[i]) != toupper((unsigned char)bases[half + i])) rec_reason = SK_VCF_REF_MISMATCH;
        if (rec_reason)
            snprintf(why, sizeof why, "REF %.*s%s does not match %s, which has %.*s%s there", (int)(r < 40 ? r : 40), REF,
                     r > 40 ? "..." : "", v->o->ref, (int)(r < 40 ? r : 40), bases + half, r > 40 ? "..." : "");
    }
    for (int a = 0; a < j->nalt && !rc; a++) {
        const char *ALT = rec->d.allele[a + 1];
        const int64_t n = (int64_t)strlen(ALT);
        int reason = rec_reason;
        j->alt_row[a] = -1;
        if (!reason && !is_bases(ALT)) {
            reason = SK_VCF_SYMBOLIC;
            snprintf(why, sizeof why, "ALT %.40s is not a sequence of bases (symbolic alleles, breakends, '*')", ALT);
        } else if (!reason && n > room) {
            reason = SK_VCF_TOO_LONG;
            snprintf(why, sizeof why, "ALT is %lld bases, more than the %lld the window has from the variant on (-L %lld)",
                     (long long)n, (long long)room, (long long)L);
        } else if (!reason && s + L + r - n > clen) {
            reason = SK_VCF_CONTIG_END;
            snprintf(why, sizeof why, "the ALT window, extended by the %lld deleted bases, runs past the end of contig %s "
                     "(length %lld)", (long long)(r - n), name, (long long)clen);
        }
        j->reason[a] = reason;
        v->c->reason[reason]++;
        if (reason) {
            rc = not_scored(v, rec, reason, why);
            continue;
        }
        if (j->ref_row < 0) { /* the REF window, once per record */
            memcpy(v->win, bases, (size_t)L);
            if ((rc = add_window(v, &j->ref_row))) break;
        }
        memcpy(v->win, bases, (size_t)half);
        memcpy(v->win + half, ALT, (size_t)n);
        memcpy(v->win + half + n, bases + half + r, (size_t)(L - half - n));
        for (int64_t i = half; i < half + n; i++) v->win[i] = (char)toupper((unsigned char)v->win[i]);
        rc = add_window(v, &j->alt_row[a]);
    }
    free(bases);
    return rc;
}

/* ---- output ---- */

static int write_job(vctx *v, vjob *j) {
    bcf1_t *rec = j->rec;
    int rc = SK_OK, flagged = 0;
    float *llr = malloc((size_t)(j->nalt + 1) * sizeof(float));
    if (!llr) return sk_error(SK_ENOMEM, "score-variants: out of memory");
    kstring_t skip = {0, 0, NULL};
    for (int a = 0; a < j->nalt; a++) {
        if (a) kputc(',', &skip);
        if (j->reason[a]) {
            flagged = 1;
            bcf_float_set_missing(llr[a]);
            kputs(reason_names[j->reason[a]], &skip);
            continue;
        }
        double d = 0;
        for (int s = 0; s < v->ns; s++) d += v->lp[j->alt_row[a] + s] - v->lp[j->ref_row + s];
        llr[a] = (float)(d / v->ns);
        kputc('.', &skip);
        v->c->scored++;
    }
    v->c->flagged += flagged;
    if (v->tsv) {
        const char *id = rec->d.id && strcmp(rec->d.id, ".") ? rec->d.id : ".";
        for (int a = 0; a < (j->nalt ? j->nalt : 1) && !rc; a++) {
            char val[64] = ".";
            if (j->nalt && !j->reason[a]) { /* the double, not the float the VCF keeps */
                double d = 0;
                for (int s = 0; s < v->ns; s++) d += v->lp[j->alt_row[a] + s] - v->lp[j->ref_row + s];
                snprintf(val, sizeof val, "%.6f", d / v->ns);
            }
            rc = sk_out_printf(v->tsv, "%s\t%lld\t%s\t%s\t%s\t%s\t%s\n", bcf_seqname_safe(v->hdr, rec), (long long)rec->pos + 1,
                               id, rec->d.allele[0], j->nalt ? rec->d.allele[a + 1] : ".", val,
                               j->nalt && j->reason[a] ? reason_names[j->reason[a]] : ".");
        }
    } else {
        int scored = j->ref_row >= 0;
        if (bcf_update_info_float(v->hdr, rec, "SSM_LLR", scored ? llr : NULL, scored ? j->nalt : 0) < 0 ||
            bcf_update_info_string(v->hdr, rec, "SSM_SKIP", flagged ? skip.s : NULL) < 0)
            rc = sk_error(SK_EFORMAT, "%s: record %s:%lld: cannot set its INFO fields", v->o->vcf, bcf_seqname_safe(v->hdr, rec),
                          (long long)rec->pos + 1);
        else if (bcf_write(v->out, v->hdr, rec) < 0)
            rc = sk_error(SK_EIO, "%s: write error", v->o->out ? v->o->out : "standard output");
    }
    free(skip.s);
    free(llr);
    return rc;
}

/* Score the pending rows (o->batch at a time) and write the pending records in order. */
static int flush(vctx *v) {
    int rc = SK_OK;
    for (int64_t r0 = 0; r0 < v->rows && !rc; r0 += v->o->batch) {
        const int64_t b = v->rows - r0 < v->o->batch ? v->rows - r0 : v->o->batch;
        rc = v->logp(v->lctx, v->tok + r0 * v->o->length, b, v->o->length, v->lp + r0);
    }
    v->c->rows += v->rows;
    for (int64_t i = 0; i < v->njobs; i++) {
        if (!rc) rc = write_job(v, &v->jobs[i]);
        bcf_destroy(v->jobs[i].rec);
        free(v->jobs[i].alt_row), free(v->jobs[i].reason);
    }
    v->njobs = 0, v->rows = 0;
    return rc;
}

static int add_record(vctx *v, bcf1_t *rec) {
    if (v->njobs == v->cap_jobs) {
        int64_t cap = v->cap_jobs ? v->cap_jobs * 2 : 64;
        vjob *nj = realloc(v->jobs, (size_t)cap * sizeof(vjob));
        if (!nj) return sk_error(SK_ENOMEM, "score-variants: out of memory");
        v->jobs = nj, v->cap_jobs = cap;
    }
    vjob *j = &v->jobs[v->njobs];
    memset(j, 0, sizeof *j);
    j->nalt = rec->n_allele > 1 ? rec->n_allele - 1 : 0;
    j->alt_row = malloc((size_t)(j->nalt + 1) * sizeof(int64_t));
    j->reason = malloc((size_t)(j->nalt + 1) * sizeof(int));
    if (!j->alt_row || !j->reason) {
        free(j->alt_row), free(j->reason);
        return sk_error(SK_ENOMEM, "score-variants: out of memory");
    }
    j->rec = rec;
    v->njobs++;
    v->c->alleles += j->nalt;
    int rc = plan_record(v, rec, j);
    if (!rc && (v->rows >= v->o->batch || v->njobs >= 4 * v->o->batch + 1024)) rc = flush(v);
    return rc;
}

/* htslib's write mode for an output name: BCF, bgzip VCF or VCF; 0 for TSV. */
static const char *out_mode(const char *path) {
    size_t n = path ? strlen(path) : 0;
#define ENDS(x) (n >= strlen(x) && !strcmp(path + n - strlen(x), x))
    if (ENDS(".tsv")) return NULL;
    if (ENDS(".bcf")) return "wb";
    if (ENDS(".gz") || ENDS(".bgz")) return "wz";
#undef ENDS
    return "w";
}

/* The reference: indexed, or read whole when it cannot be indexed (a pipe, plain gzip). */
static int open_ref(sk_dna_fasta **fa, const char *path) {
    int plain_gzip = 0;
    if (!sk_dna_is_stream(path)) {
        htsFile *h = hts_open(path, "r");
        plain_gzip = h && hts_get_format(h)->compression == gzip;
        if (h) hts_close(h);
    }
    if (plain_gzip) sk_log_warn("%s: plain gzip cannot be indexed: read whole into memory (bgzip it for random access)", path);
    return sk_dna_is_stream(path) || plain_gzip ? sk_dna_fasta_read(fa, path) : sk_dna_fasta_open(fa, path);
}

int sk_vcf_score(const sk_vcf_opts *o, sk_vcf_logp_fn logp, void *lctx, sk_vcf_counts *counts) {
    memset(counts, 0, sizeof *counts);
    vctx v = {.o = o, .c = counts, .logp = logp, .lctx = lctx, .ns = o->both_strands ? 2 : 1};
    const char *mode = out_mode(o->out), *outname = o->out && strcmp(o->out, "-") ? o->out : NULL;
    sk_afile af = {0};
    int have_af = 0;
    htsFile *in = NULL;
    int rc = open_ref(&v.fa, o->ref);
    v.win = malloc((size_t)o->length + 1);
    if (!rc && !v.win) rc = sk_error(SK_ENOMEM, "score-variants: out of memory");
    if (!rc && !(in = bcf_open(o->vcf, "r"))) rc = sk_error(SK_EIO, "%s: cannot open as VCF/BCF", o->vcf);
    if (!rc && (hts_get_format(in)->category != variant_data || !(v.hdr = bcf_hdr_read(in))))
        rc = sk_error(SK_EFORMAT, "%s: not a VCF/BCF file (no readable header)", o->vcf);
    if (!rc && mode) { /* the header gets its two INFO lines (replacing earlier ones of the same names) */
        bcf_hdr_remove(v.hdr, BCF_HL_INFO, "SSM_LLR");
        bcf_hdr_remove(v.hdr, BCF_HL_INFO, "SSM_SKIP");
        char line[512];
        snprintf(line, sizeof line, "##INFO=<ID=SSM_LLR,Number=A,Type=Float,Description=\"ssmkit LM log-likelihood ratio "
                 "ln p(ALT window) - ln p(REF window), %lld-base windows, %s\">", (long long)o->length,
                 o->both_strands ? "mean of both strands" : "forward strand");
        if (bcf_hdr_append(v.hdr, line) || bcf_hdr_append(v.hdr, "##INFO=<ID=SSM_SKIP,Number=A,Type=String,Description=\"why ssmkit did not score "
                                         "the ALT: ref_mismatch, contig_end, symbolic, too_long, no_contig, chr_naming\">"))
            rc = sk_error(SK_EFORMAT, "%s: cannot extend the header", o->vcf);
        if (!rc && o->header_line && bcf_hdr_append(v.hdr, o->header_line))
            rc = sk_error(SK_EFORMAT, "%s: cannot extend the header", o->vcf);
        if (!rc && bcf_hdr_sync(v.hdr)) rc = sk_error(SK_EFORMAT, "%s: cannot extend the header", o->vcf);
    }
    if (!rc && mode && outname) rc = sk_afile_open(&af, outname), have_af = !rc;
    if (!rc && mode && !(v.out = hts_open(outname ? af.tmp : "-", mode)))
        rc = sk_error(SK_EIO, "%s: cannot open for writing", outname ? outname : "standard output");
    if (!rc && mode && bcf_hdr_write(v.out, v.hdr) < 0)
        rc = sk_error(SK_EIO, "%s: write error", outname ? outname : "standard output");
    if (!rc && !mode) {
        if (!(v.tsv = malloc(sizeof *v.tsv))) rc = sk_error(SK_ENOMEM, "score-variants: out of memory");
        if (!rc && (rc = sk_out_open(v.tsv, outname)) != SK_OK) free(v.tsv), v.tsv = NULL;
        if (!rc) rc = sk_out_printf(v.tsv, "#chrom\tpos\tid\tref\talt\tssm_llr\tskip\n");
    }
    while (!rc) {
        bcf1_t *rec = bcf_init();
        if (!rec) {
            rc = sk_error(SK_ENOMEM, "score-variants: out of memory");
            break;
        }
        int r = bcf_read(in, v.hdr, rec);
        if (r == -1) {
            bcf_destroy(rec);
            break;
        }
        counts->records++;
        /* a contig or tag missing from the header: htslib adds it as it reads, which a VCF output
         * can follow but a BCF (whose header is already written) cannot */
        const int undeclared = BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF;
        if (r == 0 && rec->errcode && !(rec->errcode & ~undeclared)) {
            if (mode && !strcmp(mode, "wb")) {
                bcf_destroy(rec);
                rc = sk_error(SK_EFORMAT, "%s: record %lld: its contig or a tag is not declared in the header, which BCF "
                              "output needs (write VCF, or add the ##contig/##INFO lines)", o->vcf, (long long)counts->records);
                break;
            }
            rec->errcode = 0;
        }
        if (r < -1 || rec->errcode || bcf_unpack(rec, BCF_UN_STR)) {
            bcf_destroy(rec);
            rc = sk_error(SK_EFORMAT, "%s: record %lld: cannot be read (damaged or not VCF)", o->vcf, (long long)counts->records);
            break;
        }
        rc = add_record(&v, rec);
    }
    if (!rc) rc = flush(&v);
    else { /* drop what is pending */
        for (int64_t i = 0; i < v.njobs; i++) bcf_destroy(v.jobs[i].rec), free(v.jobs[i].alt_row), free(v.jobs[i].reason);
        v.njobs = 0;
    }
    if (v.out && hts_close(v.out) < 0 && !rc) rc = sk_error(SK_EIO, "%s: write error", outname ? outname : "standard output");
    if (v.tsv) {
        if (rc) sk_out_abort(v.tsv);
        else rc = sk_out_close(v.tsv);
        free(v.tsv);
    }
    if (have_af && !rc) rc = sk_afile_commit(&af);
    else if (have_af) sk_afile_abort(&af);
    if (v.hdr) bcf_hdr_destroy(v.hdr);
    if (in) hts_close(in);
    sk_dna_fasta_close(v.fa);
    free(v.tok), free(v.lp), free(v.jobs), free(v.win);
    return rc;
}
