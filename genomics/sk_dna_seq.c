/* sk_dna_seq.c — FASTA/FASTQ: the checking streaming reader (plain, gzip, bgzip through BGZF) and
 * indexed random access (htslib faidx).
 *
 * htslib's own parsers accept things a training pipeline must not (binary data, '-' and digits
 * in sequences, duplicate names, empty records, mixed line endings): the streaming reader checks
 * them, and an index is only built after the whole file has passed it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <htslib/bgzf.h>
#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <htslib/khash_str2int.h>
#include <htslib/kstring.h>
#include "genomics/sk_dna.h"
#include "src/sk_guard.h"
#include "src/sk_io.h"

/* ---------------------------------------------------------------------------------------------
 * Streaming reader
 * ------------------------------------------------------------------------------------------- */

#define BUFSZ (1 << 16)

struct sk_dna_reader {
    char *path;
    BGZF *fp;
    int flags, is_fastq;
    unsigned char *buf;        /* decompressed bytes [pos, len) not yet consumed */
    int64_t pos, len;
    int eof;
    kstring_t line;            /* current line without its line ending */
    int have_line;             /* `line` was peeked and not consumed yet */
    int64_t lineno;            /* 1-based number of `line` */
    int eol;                   /* 0 unknown, 1 LF, 2 CRLF: the file's line ending */
    int64_t eol_line;          /* line that fixed `eol` */
    kstring_t name, comment, seq, qual;
    int64_t index;             /* records returned so far */
    int in_record;             /* name holds the record whose lines are being read */
    void *names;               /* name -> record index (duplicate check) */
};

/* ", record 'NAME'" when the current line belongs to a record body, else "". */
static const char *rec_ctx(sk_dna_reader *r, char *buf, size_t n) {
    int header = r->line.l > 0 && (r->line.s[0] == '>' || r->line.s[0] == '@');
    if (r->in_record && !header) snprintf(buf, n, ", record '%.200s'", r->name.s);
    else buf[0] = 0;
    return buf;
}

static int rd_fill(sk_dna_reader *r) {
    if (r->eof) return 0;
    ssize_t n = bgzf_read(r->fp, r->buf, BUFSZ);
    if (n < 0)
        return sk_error(SK_EFORMAT, "%s: corrupt or truncated compressed data (read error after line %lld)",
                        r->path, (long long)r->lineno);
    if (n == 0) r->eof = 1;
    r->pos = 0;
    r->len = n;
    return 0;
}

/* Read the next line into r->line. Returns 1 when a line was read, 0 at EOF, <0 on error.
 * Checks binary bytes and that every line ends the same way (LF or CRLF). */
static int rd_line(sk_dna_reader *r) {
    if (r->have_line) {
        r->have_line = 0;
        return 1;
    }
    r->line.l = 0;
    int got = 0, nl = 0;
    for (;;) {
        if (r->pos >= r->len) {
            int st = rd_fill(r);
            if (st < 0) return st;
            if (r->eof) break;
        }
        unsigned char *p = r->buf + r->pos, *e = memchr(p, '\n', (size_t)(r->len - r->pos));
        size_t n = e ? (size_t)(e - p) : (size_t)(r->len - r->pos);
        if (kputsn((const char *)p, n, &r->line) < 0) return sk_error(SK_ENOMEM, "%s: out of memory", r->path);
        got = 1;
        r->pos += (int64_t)n + (e ? 1 : 0);
        if (e) {
            nl = 1;
            break;
        }
    }
    if (!got) return 0;
    r->lineno++;
    size_t l = r->line.l;
    int cr = l > 0 && r->line.s[l - 1] == '\r';
    if (cr) r->line.s[--r->line.l] = 0;
    char ctx[256];
    for (size_t i = 0; i < r->line.l; i++) {
        unsigned char c = (unsigned char)r->line.s[i];
        if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f)
            return sk_error(SK_EFORMAT, "%s: line %lld%s: binary data (byte 0x%02x at column %zu): not a FASTA/FASTQ text file",
                            r->path, (long long)r->lineno, rec_ctx(r, ctx, sizeof ctx), c, i + 1);
    }
    if (nl || cr) {   /* a last line without a newline says nothing about line endings */
        int kind = cr ? 2 : 1;
        if (!r->eol) {
            r->eol = kind;
            r->eol_line = r->lineno;
        } else if (r->eol != kind) {
            return sk_error(SK_EFORMAT, "%s: line %lld%s ends with %s but line %lld with %s: mixed line endings "
                            "(convert the file with dos2unix)", r->path, (long long)r->lineno, rec_ctx(r, ctx, sizeof ctx),
                            cr ? "CRLF" : "LF",
                            (long long)r->eol_line, r->eol == 2 ? "CRLF" : "LF");
        }
    }
    return 1;
}

int sk_dna_reader_open(sk_dna_reader **out, const char *path, int flags, int threads) {
    *out = NULL;
    struct stat stt;
    if (stat(path, &stt) != 0) return sk_error(SK_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(stt.st_mode)) return sk_error(SK_EIO, "%s: is a folder, not a sequence file", path);
    if (stt.st_size == 0) return sk_error(SK_EFORMAT, "%s: empty file (no records)", path);
    sk_dna_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path)) || !(r->buf = malloc(BUFSZ)) || !(r->names = khash_str2int_init())) {
        sk_dna_reader_close(r);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    r->flags = flags;
    if (!(r->fp = bgzf_open(path, "r"))) {
        int e = errno;
        sk_dna_reader_close(r);
        return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    if (bgzf_compression(r->fp) == 2 && bgzf_check_EOF(r->fp) == 0) {
        sk_dna_reader_close(r);
        return sk_error(SK_EFORMAT, "%s: truncated bgzip file (the end-of-file marker is missing)", path);
    }
    if (threads > 0 && bgzf_compression(r->fp) == 2 && bgzf_mt(r->fp, threads, 256) != 0) {
        sk_dna_reader_close(r);
        return sk_error(SK_EIO, "%s: cannot start %d decompression threads", path, threads);
    }
    /* The first non-blank line must be a header. */
    int st;
    while ((st = rd_line(r)) == 1 && r->line.l == 0) {}
    if (st < 0) {
        sk_dna_reader_close(r);
        return st;
    }
    if (st == 0) {
        sk_dna_reader_close(r);
        return sk_error(SK_EFORMAT, "%s: empty file (no records)", path);
    }
    char c0 = r->line.s[0];
    for (size_t i = 0; c0 != '>' && c0 != '@' && i < r->line.l; i++)
        if ((unsigned char)r->line.s[i] >= 0x80) {
            st = sk_error(SK_EFORMAT, "%s: line %lld: binary data (byte 0x%02x at column %zu): not a FASTA/FASTQ text file",
                          path, (long long)r->lineno, (unsigned char)r->line.s[i], i + 1);
            sk_dna_reader_close(r);
            return st;
        }
    if (c0 != '>' && c0 != '@') {
        sk_error(SK_EFORMAT, "%s: line %lld: no header line: expected '>' (FASTA) or '@' (FASTQ), found '%.20s'",
                 path, (long long)r->lineno, r->line.s);
        sk_dna_reader_close(r);
        return SK_EFORMAT;
    }
    r->is_fastq = c0 == '@';
    r->have_line = 1;
    *out = r;
    return 0;
}

void sk_dna_reader_close(sk_dna_reader *r) {
    if (!r) return;
    if (r->fp) (void)bgzf_close(r->fp);
    if (r->names) khash_str2int_destroy_free(r->names);
    free(r->line.s);
    free(r->name.s);
    free(r->comment.s);
    free(r->seq.s);
    free(r->qual.s);
    free(r->buf);
    free(r->path);
    free(r);
}

/* Append the bases of the current line to r->seq, rejecting anything that is not IUPAC. */
static int add_bases(sk_dna_reader *r, kstring_t *dst) {
    for (size_t i = 0; i < r->line.l; i++) {
        unsigned char c = (unsigned char)r->line.s[i];
        if (!sk_dna_is_iupac(c)) {
            char shown[8];
            if (c >= 0x20 && c < 0x7f) snprintf(shown, sizeof shown, "'%c'", c);
            else snprintf(shown, sizeof shown, "0x%02x", c);
            return sk_error(SK_EFORMAT, "%s: record '%s' (#%lld), line %lld, column %zu: %s is not an IUPAC nucleotide code",
                            r->path, r->name.s, (long long)r->index + 1, (long long)r->lineno, i + 1, shown);
        }
    }
    if (kputsn(r->line.s, r->line.l, dst) < 0) return sk_error(SK_ENOMEM, "%s: out of memory", r->path);
    return 0;
}

int sk_dna_reader_next(sk_dna_reader *r, sk_dna_record *rec) {
    int st;
    r->in_record = 0;
    while ((st = rd_line(r)) == 1 && r->line.l == 0) {}
    if (st < 0) return st;
    if (st == 0) return SK_EOF;
    char want = r->is_fastq ? '@' : '>';
    if (r->line.s[0] != want)
        return sk_error(SK_EFORMAT, "%s: line %lld: expected a %s header starting with '%c' after record #%lld",
                        r->path, (long long)r->lineno, r->is_fastq ? "FASTQ" : "FASTA", want, (long long)r->index);
    int64_t hline = r->lineno;
    /* name = up to the first blank, comment = the rest */
    const char *h = r->line.s + 1;
    size_t nl = strcspn(h, " \t");
    r->name.l = r->comment.l = r->seq.l = r->qual.l = 0;
    kputsn(h, nl, &r->name);
    const char *cm = h + nl;
    while (*cm == ' ' || *cm == '\t') cm++;
    kputs(cm, &r->comment);
    if (!r->comment.s) kputs("", &r->comment);
    if (r->name.l == 0)
        return sk_error(SK_EFORMAT, "%s: line %lld: record #%lld has an empty name", r->path, (long long)hline,
                        (long long)r->index + 1);
    int first;
    if (khash_str2int_get(r->names, r->name.s, &first) == 0)
        return sk_error(SK_EFORMAT, "%s: line %lld: duplicate record name '%s' (record #%lld and #%d)", r->path,
                        (long long)hline, r->name.s, (long long)r->index + 1, first + 1);
    r->in_record = 1;
    char *key = strdup(r->name.s);
    if (!key || khash_str2int_set(r->names, key, (int)(r->index < INT_MAX ? r->index : INT_MAX)) < 0) {
        free(key);
        return sk_error(SK_ENOMEM, "%s: out of memory", r->path);
    }

    if (!r->is_fastq) {
        int64_t width = -1;      /* fixed line width (SK_DNA_CHECK_LAYOUT) */
        int64_t short_line = 0;  /* line number of a line shorter than width (must be the last) */
        int64_t blank_line = 0;
        while ((st = rd_line(r)) == 1) {
            if (r->line.l > 0 && r->line.s[0] == '>') {
                r->have_line = 1;
                break;
            }
            if (r->line.l == 0) {
                if (!blank_line) blank_line = r->lineno;
                continue;
            }
            if (r->flags & SK_DNA_CHECK_LAYOUT) {
                if (blank_line || short_line)
                    return sk_error(SK_EFORMAT, "%s: record '%s', line %lld: sequence continues after a %s line %lld; "
                                    "an indexed FASTA needs lines of one width", r->path, r->name.s,
                                    (long long)r->lineno, blank_line ? "blank" : "shorter", (long long)(blank_line ? blank_line : short_line));
                if (width < 0) width = (int64_t)r->line.l;
                else if ((int64_t)r->line.l > width)
                    return sk_error(SK_EFORMAT, "%s: record '%s', line %lld: line of %zu bases after lines of %lld; "
                                    "an indexed FASTA needs lines of one width", r->path, r->name.s,
                                    (long long)r->lineno, r->line.l, (long long)width);
                else if ((int64_t)r->line.l < width) short_line = r->lineno;
            }
            if ((st = add_bases(r, &r->seq)) < 0) return st;
        }
        if (st < 0) return st;
    } else {
        while ((st = rd_line(r)) == 1 && !(r->line.l > 0 && r->line.s[0] == '+'))
            if ((st = add_bases(r, &r->seq)) < 0) return st;
        if (st < 0) return st;
        if (st == 0)
            return sk_error(SK_EFORMAT, "%s: record '%s' (line %lld): file ends before the '+' line", r->path,
                            r->name.s, (long long)hline);
        while (r->qual.l < r->seq.l && (st = rd_line(r)) == 1) kputsn(r->line.s, r->line.l, &r->qual);
        if (st < 0) return st;
        if (r->qual.l != r->seq.l)
            return sk_error(SK_EFORMAT, "%s: record '%s' (line %lld): %zu quality values for %zu bases", r->path,
                            r->name.s, (long long)hline, r->qual.l, r->seq.l);
    }
    if (r->seq.l == 0)
        return sk_error(SK_EFORMAT, "%s: record '%s' (#%lld, line %lld) has a header but no sequence", r->path,
                        r->name.s, (long long)r->index + 1, (long long)hline);
    rec->name = r->name.s;
    rec->comment = r->comment.s;
    rec->seq = r->seq.s;
    rec->qual = r->is_fastq ? r->qual.s : NULL;
    rec->len = (int64_t)r->seq.l;
    rec->index = r->index++;
    rec->line = hline;
    return 0;
}

static int cmp_i64_desc(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

int sk_dna_stats_file(const char *path, int flags, sk_dna_stats *st) {
    memset(st, 0, sizeof *st);
    sk_dna_reader *r;
    int s = sk_dna_reader_open(&r, path, flags, 0);
    if (s < 0) return s;
    st->is_fastq = r->is_fastq;
    int64_t *lens = NULL, n = 0, cap = 0;
    sk_dna_record rec;
    while ((s = sk_dna_reader_next(r, &rec)) == 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            int64_t *nl = realloc(lens, (size_t)cap * sizeof *lens);
            if (!nl) {
                s = sk_error(SK_ENOMEM, "%s: out of memory", path);
                break;
            }
            lens = nl;
        }
        lens[n++] = rec.len;
        st->n_bases += rec.len;
        if (!st->min_len || rec.len < st->min_len) st->min_len = rec.len;
        if (rec.len > st->max_len) st->max_len = rec.len;
        for (int64_t i = 0; i < rec.len; i++) st->counts[(unsigned char)rec.seq[i]]++;
    }
    sk_dna_reader_close(r);
    if (s == SK_EOF) {
        s = 0;
        st->n_records = n;
        /* N50: the length L such that records of length >= L hold at least half the bases */
        qsort(lens, (size_t)n, sizeof *lens, cmp_i64_desc);
        int64_t acc = 0;
        for (int64_t i = 0; i < n; i++) {
            acc += lens[i];
            if (2 * acc >= st->n_bases) {
                st->n50 = lens[i];
                break;
            }
        }
    }
    free(lens);
    return s;
}

/* ---------------------------------------------------------------------------------------------
 * Indexed FASTA/FASTQ
 * ------------------------------------------------------------------------------------------- */

struct sk_dna_fasta {
    char *path;
    faidx_t *fai;
    int64_t *lens;   /* record lengths in index order, from the .fai (faidx_seq_len is int-only) */
};

/* Read column 2 of path.fai (name, length, offset, linebases, linewidth[, qualoffset]). */
static int read_fai_lengths(sk_dna_fasta *f) {
    size_t n = strlen(f->path) + 8;
    char *fai = malloc(n), *text = NULL;
    int64_t len = 0;
    int st;
    if (!fai) return sk_error(SK_ENOMEM, "out of memory");
    snprintf(fai, n, "%s.fai", f->path);
    st = sk_read_file(fai, &text, &len);
    free(fai);
    if (st < 0) return st;
    int ns = faidx_nseq(f->fai), i = 0;
    if (!(f->lens = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *f->lens))) st = sk_error(SK_ENOMEM, "out of memory");
    for (char *p = text; !st && p && *p && i < ns; i++) {
        char *tab = strchr(p, '\t');
        f->lens[i] = tab ? strtoll(tab + 1, NULL, 10) : -1;
        if (f->lens[i] <= 0) st = sk_error(SK_EFORMAT, "%s.fai: line %d: bad length (delete the index to rebuild it)", f->path, i + 1);
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (!st && i != ns) st = sk_error(SK_EFORMAT, "%s.fai: %d lines for %d records (delete the index to rebuild it)", f->path, i, ns);
    free(text);
    return st;
}

static int newer_or_same(const char *index, const struct stat *data) {
    struct stat si;
    return stat(index, &si) == 0 && si.st_mtime >= data->st_mtime;
}

/* Build path.fai (and path.gzi) atomically: into temporary names, then renamed. */
static int build_index(const char *path, int bgzf) {
    char *dir = strdup(path);
    if (!dir) return sk_error(SK_ENOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = 0;
    int writable = access(slash ? dir : ".", W_OK) == 0;
    free(dir);
    if (!writable)
        return sk_error(SK_EIO, "%s: no index (%s.fai%s) and its folder is not writable: run 'samtools faidx %s' "
                        "where you can write, or copy the file to a writable folder", path, path,
                        bgzf ? " + .gzi" : "", path);
    size_t n = strlen(path) + 32;
    char *fai = malloc(n), *gzi = malloc(n), *tfai = malloc(n), *tgzi = malloc(n);
    int st = 0;
    if (!fai || !gzi || !tfai || !tgzi) {
        st = sk_error(SK_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(fai, n, "%s.fai", path);
    snprintf(gzi, n, "%s.gzi", path);
    snprintf(tfai, n, "%s.fai.tmp%d", path, (int)getpid());
    snprintf(tgzi, n, "%s.gzi.tmp%d", path, (int)getpid());
    if ((st = sk_guard_output_side(fai)) < 0 || (bgzf && (st = sk_guard_output_side(gzi)) < 0)) goto done;
    if (fai_build3(path, tfai, bgzf ? tgzi : NULL) != 0) {
        st = sk_error(SK_EFORMAT, "%s: htslib could not index this file", path);
    } else if ((bgzf && rename(tgzi, gzi) != 0) || rename(tfai, fai) != 0) {
        st = sk_error(SK_EIO, "%s: cannot write its index: %s", path, strerror(errno));
    }
    unlink(tfai);
    if (bgzf) unlink(tgzi);
done:
    free(fai);
    free(gzi);
    free(tfai);
    free(tgzi);
    return st;
}

int sk_dna_fasta_open(sk_dna_fasta **out, const char *path) {
    *out = NULL;
    struct stat sd;
    if (stat(path, &sd) != 0) return sk_error(SK_EIO, "%s: %s", path, strerror(errno));
    if (sd.st_size == 0) return sk_error(SK_EFORMAT, "%s: empty file (no records)", path);
    BGZF *fp = bgzf_open(path, "r");
    if (!fp) return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
    int comp = bgzf_compression(fp);
    int eof_ok = comp != 2 || bgzf_check_EOF(fp) != 0;
    int c0 = bgzf_peek(fp);
    (void)bgzf_close(fp);
    if (comp == 1)
        return sk_error(SK_EUNSUP, "%s: plain gzip cannot be read at random positions: recompress it with "
                        "'zcat %s | bgzip > X.fa.gz' (or stream it with 'ssmkit dna stats')", path, path);
    if (!eof_ok) return sk_error(SK_EFORMAT, "%s: truncated bgzip file (the end-of-file marker is missing)", path);
    size_t n = strlen(path) + 8;
    char *fai = malloc(n), *gzi = malloc(n);
    if (!fai || !gzi) {
        free(fai);
        free(gzi);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    snprintf(fai, n, "%s.fai", path);
    snprintf(gzi, n, "%s.gzi", path);
    int have = newer_or_same(fai, &sd) && (comp != 2 || newer_or_same(gzi, &sd));
    free(fai);
    free(gzi);
    int st = 0;
    if (!have) {
        /* Check everything htslib's indexer would let through, then build. */
        sk_dna_stats stats;
        if ((st = sk_dna_stats_file(path, SK_DNA_CHECK_LAYOUT, &stats)) < 0) return st;
        if ((st = build_index(path, comp == 2)) < 0) return st;
    }
    sk_dna_fasta *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    f->fai = fai_load3_format(path, NULL, NULL, 0, c0 == '@' ? FAI_FASTQ : FAI_FASTA);
    if (!f->fai) {
        sk_dna_fasta_close(f);
        return sk_error(SK_EFORMAT, "%s: cannot load its index %s.fai (delete it to rebuild)", path, path);
    }
    if (faidx_nseq(f->fai) == 0) {
        sk_dna_fasta_close(f);
        return sk_error(SK_EFORMAT, "%s: the index %s.fai lists no records (delete it to rebuild)", path, path);
    }
    fai_set_cache_size(f->fai, 16 << 20);   /* BGZF block cache: 16 MiB of decompressed blocks */
    if ((st = read_fai_lengths(f)) < 0) {
        sk_dna_fasta_close(f);
        return st;
    }
    *out = f;
    return 0;
}

void sk_dna_fasta_close(sk_dna_fasta *f) {
    if (!f) return;
    if (f->fai) fai_destroy(f->fai);
    free(f->lens);
    free(f->path);
    free(f);
}

const char *sk_dna_fasta_path(const sk_dna_fasta *f) { return f->path; }
int sk_dna_fasta_nseq(const sk_dna_fasta *f) { return faidx_nseq(f->fai); }
const char *sk_dna_fasta_name(const sk_dna_fasta *f, int i) { return faidx_iseq(f->fai, i); }
int64_t sk_dna_fasta_len(const sk_dna_fasta *f, int i) { return f->lens[i]; }

int sk_dna_fasta_find(const sk_dna_fasta *f, const char *name) {
    /* faidx keeps names in index order; a linear scan is fine for the few lookups callers make,
     * and BED reading builds its own hash. */
    int n = faidx_nseq(f->fai);
    if (!faidx_has_seq(f->fai, name)) return -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(faidx_iseq(f->fai, i), name)) return i;
    return -1;
}

int sk_dna_fasta_fetch(sk_dna_fasta *f, int i, int64_t beg, int64_t end, char **seq) {
    *seq = NULL;
    if (i < 0 || i >= faidx_nseq(f->fai)) return sk_error(SK_EINVAL, "%s: no record #%d", f->path, i + 1);
    const char *name = faidx_iseq(f->fai, i);
    int64_t len = f->lens[i];
    if (beg < 0 || end > len || beg >= end)
        return sk_error(SK_EINVAL, "%s: region %s:%lld-%lld is outside the sequence (length %lld)", f->path, name,
                        (long long)beg + 1, (long long)end, (long long)len);
    hts_pos_t got = 0;
    /* faidx_fetch_seq64 takes a 0-based inclusive end (htslib faidx.h) */
    char *s = faidx_fetch_seq64(f->fai, name, beg, end - 1, &got);
    if (!s || got != end - beg) {
        free(s);
        return sk_error(SK_EFORMAT, "%s: record '%s': could not read bases %lld-%lld (file changed since its index "
                        "was made? delete %s.fai)", f->path, name, (long long)beg + 1, (long long)end, f->path);
    }
    *seq = s;
    return 0;
}

int sk_dna_fasta_region(const sk_dna_fasta *f, const char *region, int *i, int64_t *beg, int64_t *end) {
    int tid = -1;
    hts_pos_t b = 0, e = 0;
    const char *rest = fai_parse_region(f->fai, region, &tid, &b, &e, HTS_PARSE_THOUSANDS_SEP);
    if (!rest || *rest || tid < 0)
        return sk_error(SK_EINVAL, "%s: region '%s': unknown sequence name or malformed region "
                        "(use NAME, NAME:BEG or NAME:BEG-END, 1-based)", f->path, region);
    const char *name = faidx_iseq(f->fai, tid);
    int64_t len = f->lens[tid];
    if (e == HTS_POS_MAX) e = len;
    if (b < 0 || b >= len || e > len || b >= e)
        return sk_error(SK_EINVAL, "%s: region '%s' is outside the sequence '%s' (length %lld)", f->path, region, name,
                        (long long)len);
    *i = tid;
    *beg = b;
    *end = e;
    return 0;
}
