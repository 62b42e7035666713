/* sk_dna_bam.c — SAM/BAM/CRAM records through htslib (sam.h, hts.h): sequences,
 * qualities, flags, MAPQ; region queries with .bai/.csi/.crai; CRAM with a local reference only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <htslib/bgzf.h>
#include <htslib/hfile.h>
#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/sam.h>
#include "genomics/sk_dna.h"

struct sk_dna_bam {
    char *path;
    samFile *fp;
    sam_hdr_t *hdr;
    hts_idx_t *idx;
    hts_itr_t *itr;
    bam1_t *b;
    sk_dna_bam_opts opts;
    int is_cram;
    int stream;             /* a pipe: read once, no index */
    int64_t nread;          /* records read from the stream */
    kstring_t seq, qual;
};

/* REF_PATH/REF_CACHE: without them htslib looks CRAM references up at the EBI server. Point
 * them at a path that cannot exist ("/dev/null" is not a folder) unless the user set local ones,
 * so a CRAM without its reference fails at once and offline. Must run before the file is opened. */
static void local_refs_only(void) {
    const char *p = getenv("REF_PATH");
    if (!p || !*p || strstr(p, "://")) {
        if (p && *p) sk_log_warn("REF_PATH=%s names a remote server: ignored (ssmkit never downloads references)", p);
        setenv("REF_PATH", "/dev/null/ssmkit-no-download/%s", 1);
    }
    const char *c = getenv("REF_CACHE");
    if (!c || !*c) setenv("REF_CACHE", "/dev/null/ssmkit-no-download/%s", 1);
}

static int not_alignments(const char *path, const htsFormat *fmt) {
    if (fmt->format == unknown_format)
        return sk_error(SK_EFORMAT, "%s: not a SAM, BAM or CRAM file (its first bytes are not those of any format "
                        "htslib knows)", path);
    char *d = hts_format_description(fmt);
    int st = sk_error(SK_EFORMAT, "%s: not a SAM, BAM or CRAM file (htslib sees %s)", path, d ? d : "another format");
    free(d);
    return st;
}

/* What is wrong with a file htslib could not open as SAM/BAM/CRAM, from the format it detected
 * (fmt; NULL when even that failed) and its size (-1 for a pipe). */
static int open_error(const char *path, const htsFormat *fmt, int64_t size, int e) {
    char sz[48] = "";
    if (size >= 0) snprintf(sz, sizeof sz, " (%lld bytes)", (long long)size);
    if (!fmt) return sk_error(SK_EIO, "%s: cannot read: %s", path, strerror(e));
    if (fmt->format == cram)
        return sk_error(SK_EFORMAT, "%s: truncated or corrupt CRAM file%s: its file definition and header container "
                        "cannot be read", path, sz);
    if (fmt->format == bam || fmt->format == sam)
        return sk_error(SK_EFORMAT, "%s: truncated or corrupt %s file%s: htslib cannot open it", path,
                        fmt->format == bam ? "BAM" : "SAM", sz);
    /* htslib calls what it cannot inflate "unknown" or "empty" */
    if ((fmt->compression == bgzf || fmt->compression == gzip) && (fmt->format == unknown_format || fmt->format == empty_format))
        return sk_error(SK_EFORMAT, "%s: corrupt BGZF block at the start of the file: its compressed data cannot be "
                        "inflated into a BAM (damaged, or not a BAM)", path);
    return not_alignments(path, fmt);
}

/* " (corrupt BGZF block: ...)" when the BGZF layer under a BAM has failed, else "". */
static const char *bgzf_why(const sk_dna_bam *b) {
    if (!b->fp->is_bgzf || !b->fp->fp.bgzf) return "";
    int e = b->fp->fp.bgzf->errcode;
    if (e & BGZF_ERR_CRC) return " (corrupt BGZF block: its checksum does not match its data)";
    if (e & BGZF_ERR_ZLIB) return " (corrupt BGZF block: its compressed data cannot be inflated)";
    if (e & BGZF_ERR_HEADER) return " (corrupt BGZF block: bad block header)";
    if (e & BGZF_ERR_IO) return " (the file ends inside a BGZF block)";
    return "";
}

static int bam_start(sk_dna_bam **out, struct hFILE *hf, const char *path, const sk_dna_bam_opts *opts, int64_t size);

int sk_dna_bam_open(sk_dna_bam **out, const char *path, const sk_dna_bam_opts *opts) {
    *out = NULL;
    struct stat sd;
    int64_t size = -1;
    if (strcmp(path, "-") != 0) {   /* "-": standard input */
        if (stat(path, &sd) != 0) return sk_error(SK_EIO, "%s: %s", path, strerror(errno));
        if (S_ISREG(sd.st_mode) && sd.st_size == 0) return sk_error(SK_EFORMAT, "%s: empty file", path);
        if (S_ISREG(sd.st_mode)) size = (int64_t)sd.st_size;
    }
    hFILE *hf = hopen(path, "r");
    if (!hf) return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
    return bam_start(out, hf, path, opts, size);
}

int sk_dna_bam_hopen(sk_dna_bam **out, struct hFILE *hf, const char *path, const sk_dna_bam_opts *opts) {
    *out = NULL;
    return bam_start(out, hf, path, opts, -1);
}

static int bam_start(sk_dna_bam **out, struct hFILE *hf, const char *path, const sk_dna_bam_opts *opts, int64_t size) {
    local_refs_only();
    sk_dna_bam *b = calloc(1, sizeof *b);
    if (!b || !(b->path = strdup(path)) || !(b->b = bam_init1())) {
        hclose_abruptly(hf);
        sk_dna_bam_close(b);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    if (opts) b->opts = *opts;
    b->stream = size < 0;
    /* Checked here, not left to hts_set_fai_filename: htslib 1.16 leaks its reference table
     * when the file is missing. */
    if (b->opts.reference && access(b->opts.reference, R_OK) != 0) {
        int e = errno;
        hclose_abruptly(hf);
        sk_dna_bam_close(b);
        return sk_error(SK_EIO, "%s: cannot read the reference %s: %s", path, opts->reference, strerror(e));
    }
    htsFormat peek;
    errno = 0;
    int known = hts_detect_format2(hf, path, &peek) == 0;
    int e = errno;
    if (!known || !(b->fp = hts_hopen(hf, path, "r"))) {
        hclose_abruptly(hf);
        sk_dna_bam_close(b);
        return open_error(path, known ? &peek : NULL, size, e);
    }
    const htsFormat *fmt = hts_get_format(b->fp);
    if (fmt->category != sequence_data || (fmt->format != sam && fmt->format != bam && fmt->format != cram)) {
        int st = open_error(path, fmt, -1, 0);
        sk_dna_bam_close(b);
        return st;
    }
    b->is_cram = fmt->format == cram;
    if (!b->stream && hts_check_EOF(b->fp) == 0) {   /* 1 present, 2 cannot tell (plain SAM), 0 missing */
        int st = sk_error(SK_EFORMAT, "%s: truncated file (the %s end-of-file marker is missing)", path,
                          b->is_cram ? "CRAM" : "BGZF");
        sk_dna_bam_close(b);
        return st;
    }
    /* (messages use opts, not b->opts: b is freed first) */
    if (b->opts.reference && hts_set_fai_filename(b->fp, b->opts.reference) != 0) {
        sk_dna_bam_close(b);
        return sk_error(SK_EIO, "%s: cannot use reference %s (is it a FASTA with a .fai, or can one be made?)", path,
                        opts->reference);
    }
    if (b->opts.threads > 0 && hts_set_threads(b->fp, b->opts.threads) != 0) {
        sk_dna_bam_close(b);
        return sk_error(SK_EIO, "%s: cannot start %d decompression threads", path, opts->threads);
    }
    if (!(b->hdr = sam_hdr_read(b->fp))) {
        int st = sk_error(SK_EFORMAT, "%s: cannot read the %s header: corrupt or truncated file%s", path,
                          b->is_cram ? "CRAM" : b->fp->is_bgzf ? "BAM" : "SAM", bgzf_why(b));
        sk_dna_bam_close(b);
        return st;
    }
    *out = b;
    return 0;
}

void sk_dna_bam_close(sk_dna_bam *b) {
    if (!b) return;
    if (b->itr) hts_itr_destroy(b->itr);
    if (b->idx) hts_idx_destroy(b->idx);
    if (b->hdr) sam_hdr_destroy(b->hdr);
    if (b->fp) (void)sam_close(b->fp);
    if (b->b) bam_destroy1(b->b);
    free(b->seq.s);
    free(b->qual.s);
    free(b->path);
    free(b);
}

int sk_dna_bam_query(sk_dna_bam *b, const char *region) {
    if (b->stream)
        return sk_error(SK_EUNSUP, "%s: region '%s': needs an indexed regular file (a pipe cannot be indexed)", b->path, region);
    if (!b->fp->is_bgzf && !b->is_cram)
        return sk_error(SK_EUNSUP, "%s: region '%s': region queries need BAM or CRAM with an index, not plain SAM "
                        "(convert with 'samtools sort -o x.bam %s && samtools index x.bam')", b->path, region, b->path);
    if (!b->idx && !(b->idx = sam_index_load3(b->fp, b->path, NULL, HTS_IDX_SILENT_FAIL)))
        return sk_error(SK_EIO, "%s: region '%s': no index (.bai/.csi/.crai) found: run 'samtools index %s'", b->path,
                        region, b->path);
    if (strcmp(region, "*") != 0) {
        /* Check the name and bounds ourselves: htslib clamps silently. */
        int tid = -1;
        hts_pos_t beg = 0, end = 0;
        const char *rest = sam_parse_region(b->hdr, region, &tid, &beg, &end, HTS_PARSE_THOUSANDS_SEP);
        if (!rest || *rest || tid < 0)
            return sk_error(SK_EINVAL, "%s: region '%s': unknown reference name or malformed region", b->path, region);
        hts_pos_t len = sam_hdr_tid2len(b->hdr, tid);
        if (end == HTS_POS_MAX) end = len;
        if (beg < 0 || beg >= len || end > len || beg >= end)
            return sk_error(SK_EINVAL, "%s: region '%s' is outside the sequence '%s' (length %lld)", b->path, region,
                            sam_hdr_tid2name(b->hdr, tid), (long long)len);
    }
    if (b->itr) hts_itr_destroy(b->itr);
    if (!(b->itr = sam_itr_querys(b->idx, b->hdr, region)))
        return sk_error(SK_EINVAL, "%s: region '%s': htslib could not make a query iterator", b->path, region);
    return 0;
}

static int keep(const sk_dna_bam *b) {
    const bam1_core_t *c = &b->b->core;
    if (c->qual < b->opts.min_mapq) return 0;
    if ((c->flag & b->opts.require_flags) != b->opts.require_flags) return 0;
    if (c->flag & b->opts.exclude_flags) return 0;
    return 1;
}

int sk_dna_bam_next(sk_dna_bam *b, sk_dna_aln *a) {
    for (;;) {
        int r = b->itr ? sam_itr_next(b->fp, b->itr, b->b) : sam_read1(b->fp, b->hdr, b->b);
        if (r == -1) return SK_EOF;
        if (r < -1) {
            if (b->is_cram && !b->opts.reference)
                return sk_error(SK_EFORMAT, "%s: record %lld: cannot decode the CRAM: its reference sequence is not "
                                "available locally (give it with --reference REF.fa; ssmkit never downloads one)",
                                b->path, (long long)b->nread + 1);
            return sk_error(SK_EFORMAT, "%s: record %lld: corrupt or truncated record%s", b->path,
                            (long long)b->nread + 1, b->is_cram ? " (or the wrong --reference)" : bgzf_why(b));
        }
        b->nread++;
        if (keep(b)) break;
    }
    const bam1_core_t *c = &b->b->core;
    b->seq.l = b->qual.l = 0;
    const uint8_t *s = bam_get_seq(b->b), *q = bam_get_qual(b->b);
    /* bases: 4-bit codes, two per byte, high nibble first; seq_nt16_str = "=ACMGRSVTWYHKDBN" */
    if (ks_resize(&b->seq, (size_t)c->l_qseq + 2) < 0 || ks_resize(&b->qual, (size_t)c->l_qseq + 2) < 0)
        return sk_error(SK_ENOMEM, "%s: out of memory", b->path);
    for (int i = 0; i < c->l_qseq; i++) b->seq.s[i] = seq_nt16_str[bam_seqi(s, i)];
    b->seq.l = (size_t)c->l_qseq;
    if (c->l_qseq == 0) kputc('*', &b->seq);
    b->seq.s[b->seq.l] = 0;
    if (c->l_qseq == 0 || q[0] == 0xff) {
        b->qual.l = 0;
        kputc('*', &b->qual);
    } else {
        for (int i = 0; i < c->l_qseq; i++) b->qual.s[i] = (char)(q[i] + 33);
        b->qual.l = (size_t)c->l_qseq;
        b->qual.s[b->qual.l] = 0;
    }
    a->qname = bam_get_qname(b->b);
    a->chrom = c->tid >= 0 ? sam_hdr_tid2name(b->hdr, c->tid) : "*";
    a->pos = c->tid >= 0 ? c->pos : -1;
    a->flag = c->flag;
    a->mapq = c->qual;
    a->seq = b->seq.s;
    a->qual = b->qual.s;
    a->len = c->l_qseq;
    a->index = b->nread;
    a->cigar = c->n_cigar ? bam_get_cigar(b->b) : NULL;
    a->n_cigar = (int)c->n_cigar;
    return 0;
}

int sk_dna_aln_ref_span(const uint32_t *cigar, int n_cigar, int64_t pos, int64_t qbeg, int64_t qend, int64_t *rbeg,
                        int64_t *rend) {
    int64_t q = 0, r = pos, lo = -1, hi = -1;
    for (int i = 0; i < n_cigar && q < qend; i++) {
        const int op = bam_cigar_op(cigar[i]);
        const int64_t n = bam_cigar_oplen(cigar[i]), t = bam_cigar_type(op); /* bit 1: consumes query, bit 2: reference */
        if ((t & 1) && (t & 2)) { /* aligned bases: query [q, q + n) on reference [r, r + n) */
            const int64_t a = q > qbeg ? q : qbeg, b = q + n < qend ? q + n : qend;
            if (a < b) {
                if (lo < 0) lo = r + (a - q);
                hi = r + (b - q);
            }
        }
        if (t & 1) q += n;
        if (t & 2) r += n;
    }
    if (lo < 0) return -1;
    *rbeg = lo, *rend = hi;
    return 0;
}
