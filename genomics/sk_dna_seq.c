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
#include <htslib/hfile.h>
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
    int64_t hline;             /* header line of the current record */
    /* piecewise reading (sk_dna_reader_head / _bases) and the layout check across pieces */
    int in_bases;              /* the current record's bases are being handed out */
    int64_t rec_bases;         /* bases handed out so far */
    int64_t width, short_line, blank_line;
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

/* Take over an open BGZF handle (NULL: opening failed, errno set) of `path`. */
static int reader_start(sk_dna_reader **out, BGZF *fp, const char *path, int flags, int threads);

int sk_dna_reader_open(sk_dna_reader **out, const char *path, int flags, int threads) {
    *out = NULL;
    struct stat stt;
    if (strcmp(path, "-") != 0) {   /* "-": standard input */
        if (stat(path, &stt) != 0) return sk_error(SK_EIO, "%s: %s", path, strerror(errno));
        if (S_ISDIR(stt.st_mode)) return sk_error(SK_EIO, "%s: is a folder, not a sequence file", path);
        if (S_ISREG(stt.st_mode) && stt.st_size == 0) return sk_error(SK_EFORMAT, "%s: empty file (no records)", path);
    }
    return reader_start(out, bgzf_open(path, "r"), path, flags, threads);
}

int sk_dna_reader_hopen(sk_dna_reader **out, struct hFILE *hf, const char *path, int flags, int threads) {
    *out = NULL;
    BGZF *fp = bgzf_hopen(hf, "r");
    if (!fp) hclose_abruptly(hf);
    return reader_start(out, fp, path, flags, threads);
}

static int reader_start(sk_dna_reader **out, BGZF *fp, const char *path, int flags, int threads) {
    int e = errno;
    sk_dna_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path)) || !(r->buf = malloc(BUFSZ)) || !(r->names = khash_str2int_init())) {
        if (fp) (void)bgzf_close(fp);
        sk_dna_reader_close(r);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    r->flags = flags;
    if (!(r->fp = fp)) {
        sk_dna_reader_close(r);
        return sk_error(SK_EIO, "%s: cannot open: %s", path, e ? strerror(e) : "unreadable or corrupt compressed data");
    }
    /* (a pipe cannot be checked for its end-of-file marker: bgzf_check_EOF says 2) */
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

/* The next record's header line: name and comment checked, the name remembered (duplicates). */
static int read_head(sk_dna_reader *r) {
    if (r->in_bases) return sk_error(SK_EINVAL, "%s: record '%s': its bases were not all read", r->path, r->name.s);
    int st;
    r->in_record = 0;
    while ((st = rd_line(r)) == 1 && r->line.l == 0) {}
    if (st < 0) return st;
    if (st == 0) return SK_EOF;
    char want = r->is_fastq ? '@' : '>';
    if (r->line.s[0] != want)
        return sk_error(SK_EFORMAT, "%s: line %lld: expected a %s header starting with '%c' after record #%lld",
                        r->path, (long long)r->lineno, r->is_fastq ? "FASTQ" : "FASTA", want, (long long)r->index);
    r->hline = r->lineno;
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
        return sk_error(SK_EFORMAT, "%s: line %lld: record #%lld has an empty name", r->path, (long long)r->hline,
                        (long long)r->index + 1);
    int first;
    if (khash_str2int_get(r->names, r->name.s, &first) == 0)
        return sk_error(SK_EFORMAT, "%s: line %lld: duplicate record name '%s' (record #%lld and #%d)", r->path,
                        (long long)r->hline, r->name.s, (long long)r->index + 1, first + 1);
    r->in_record = 1;
    char *key = strdup(r->name.s);
    if (!key || khash_str2int_set(r->names, key, (int)(r->index < INT_MAX ? r->index : INT_MAX)) < 0) {
        free(key);
        return sk_error(SK_ENOMEM, "%s: out of memory", r->path);
    }
    r->width = -1, r->short_line = r->blank_line = 0, r->rec_bases = 0, r->in_bases = 1;
    return 0;
}

/* FASTA sequence lines of the current record appended to r->seq until it holds at least `max`
 * bytes or the record ends. Returns 1 when lines may follow, 0 at the record's end, <0 on error. */
static int fasta_lines(sk_dna_reader *r, int64_t max) {
    int st = 0;
    while ((int64_t)r->seq.l < max && (st = rd_line(r)) == 1) {
        if (r->line.l > 0 && r->line.s[0] == '>') {
            r->have_line = 1;
            return 0;
        }
        if (r->line.l == 0) {
            if (!r->blank_line) r->blank_line = r->lineno;
            continue;
        }
        if (r->flags & SK_DNA_CHECK_LAYOUT) {
            if (r->blank_line || r->short_line)
                return sk_error(SK_EFORMAT, "%s: record '%s', line %lld: sequence continues after a %s line %lld; "
                                "an indexed FASTA needs lines of one width", r->path, r->name.s,
                                (long long)r->lineno, r->blank_line ? "blank" : "shorter",
                                (long long)(r->blank_line ? r->blank_line : r->short_line));
            if (r->width < 0) r->width = (int64_t)r->line.l;
            else if ((int64_t)r->line.l > r->width)
                return sk_error(SK_EFORMAT, "%s: record '%s', line %lld: line of %zu bases after lines of %lld; "
                                "an indexed FASTA needs lines of one width", r->path, r->name.s,
                                (long long)r->lineno, r->line.l, (long long)r->width);
            else if ((int64_t)r->line.l < r->width) r->short_line = r->lineno;
        }
        if ((st = add_bases(r, &r->seq)) < 0) return st;
    }
    return (int64_t)r->seq.l >= max ? 1 : st;
}

/* A FASTQ record's bases and qualities after its header. */
static int fastq_body(sk_dna_reader *r) {
    int st;
    while ((st = rd_line(r)) == 1 && !(r->line.l > 0 && r->line.s[0] == '+'))
        if ((st = add_bases(r, &r->seq)) < 0) return st;
    if (st < 0) return st;
    if (st == 0)
        return sk_error(SK_EFORMAT, "%s: record '%s' (line %lld): file ends before the '+' line", r->path,
                        r->name.s, (long long)r->hline);
    while (r->qual.l < r->seq.l && (st = rd_line(r)) == 1) kputsn(r->line.s, r->line.l, &r->qual);
    if (st < 0) return st;
    if (r->qual.l != r->seq.l)
        return sk_error(SK_EFORMAT, "%s: record '%s' (line %lld): %zu quality values for %zu bases", r->path,
                        r->name.s, (long long)r->hline, r->qual.l, r->seq.l);
    return 0;
}

static int no_bases(sk_dna_reader *r) {
    return sk_error(SK_EFORMAT, "%s: record '%s' (#%lld, line %lld) has a header but no sequence", r->path,
                    r->name.s, (long long)r->index + 1, (long long)r->hline);
}

static void fill_rec(sk_dna_reader *r, sk_dna_record *rec, int with_seq) {
    rec->name = r->name.s;
    rec->comment = r->comment.s;
    rec->seq = with_seq ? r->seq.s : NULL;
    rec->qual = with_seq && r->is_fastq ? r->qual.s : NULL;
    rec->len = with_seq ? (int64_t)r->seq.l : 0;
    rec->index = r->index;
    rec->line = r->hline;
}

int sk_dna_reader_next(sk_dna_reader *r, sk_dna_record *rec) {
    int st = read_head(r);
    if (st) return st;
    r->in_bases = 0;
    if ((st = r->is_fastq ? fastq_body(r) : fasta_lines(r, INT64_MAX)) < 0) return st;
    if (r->seq.l == 0) return no_bases(r);
    fill_rec(r, rec, 1);
    r->index++;
    return 0;
}

int sk_dna_reader_head(sk_dna_reader *r, sk_dna_record *rec) {
    int st = read_head(r);
    if (st) return st;
    if (r->is_fastq && (st = fastq_body(r)) < 0) return st; /* a read: held whole */
    fill_rec(r, rec, 0);
    return 0;
}

int sk_dna_reader_bases(sk_dna_reader *r, const char **seq, int64_t *n) {
    *seq = NULL, *n = 0;
    if (!r->in_bases) return SK_EOF;
    int st = 0;
    if (r->is_fastq) st = r->rec_bases ? 0 : (int)(r->seq.l > 0); /* one piece: the read */
    else r->seq.l = 0, st = fasta_lines(r, SK_DNA_PIECE);
    if (st < 0) return st;
    if (r->is_fastq && r->rec_bases) r->seq.l = 0;
    if (!r->seq.l) { /* the record has ended */
        r->in_bases = 0;
        if (!r->rec_bases) return no_bases(r);
        r->index++;
        return SK_EOF;
    }
    r->rec_bases += (int64_t)r->seq.l;
    *seq = r->seq.s, *n = (int64_t)r->seq.l;
    return 0;
}

int sk_dna_sniff(const char *path, struct hFILE **out, int *kind) {
    *out = NULL;
    hFILE *hf = hopen(path, "r");
    if (!hf) return sk_error(SK_EIO, "%s: %s", path, strerror(errno));
    htsFormat fmt;
    if (hts_detect_format2(hf, path, &fmt) < 0) {
        int e = errno;
        hclose_abruptly(hf);
        return sk_error(SK_EIO, "%s: cannot read: %s", path, strerror(e));
    }
    /* anything else goes to the FASTA/FASTQ reader, whose messages say what is wrong */
    *kind = fmt.format == sam || fmt.format == bam || fmt.format == cram ? 2 : 1;
    *out = hf;
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
    s = sk_dna_stats_read(r, st);
    sk_dna_reader_close(r);
    return s;
}

int sk_dna_stats_read(sk_dna_reader *r, sk_dna_stats *st) {
    memset(st, 0, sizeof *st);
    const char *path = r->path;
    int s;
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
    faidx_t *fai;    /* NULL for a genome held in memory (sk_dna_fasta_read) */
    int64_t *lens;   /* record lengths in index order, from the .fai (faidx_seq_len is int-only) */
    int nseq;        /* in memory: records, their names and bases */
    char **names, **seqs;
};

/* One row of a .fai: NAME LENGTH OFFSET LINEBASES LINEWIDTH [QUALOFFSET]; offsets count the
 * decompressed bytes. */
typedef struct fai_row {
    char *name;
    int64_t len, off, lb, lw, qoff;
} fai_row;

static void fai_rows_free(fai_row *r, int n) {
    for (int i = 0; r && i < n; i++) free(r[i].name);
    free(r);
}

static int parse_i64(const char *s, int64_t *v) {
    char *end;
    if (*s < '0' || *s > '9') return -1;
    long long x = strtoll(s, &end, 10);
    if (*end) return -1;
    *v = x;
    return 0;
}

/* Why a stale index is stale, for the messages. */
#define WHY(...) (snprintf(why, WHYSZ, __VA_ARGS__), 1)
enum { WHYSZ = 320 };

/* Parse the text of path.fai: 0, 1 (why set) when a line is malformed, or <0. */
static int fai_parse(char *text, int fastq, fai_row **out, int *nout, char *why) {
    int n = 0, cap = 0, bad = 0;
    fai_row *rows = NULL;
    for (char *line = text, *next; line && *line && !bad; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        char *col[7];
        int nc = 0;
        for (char *c = line; c && nc < 7; nc++) {
            col[nc] = c;
            if ((c = strchr(c, '\t'))) *c++ = 0;
        }
        fai_row r = {0};
        if (nc != (fastq ? 6 : 5) || !*col[0] || parse_i64(col[1], &r.len) || parse_i64(col[2], &r.off) ||
            parse_i64(col[3], &r.lb) || parse_i64(col[4], &r.lw) || (fastq && parse_i64(col[5], &r.qoff)) ||
            r.len < 1 || r.lb < 1 || r.lw < r.lb || r.lw > r.lb + 2 || r.off < 2) {
            bad = WHY("line %d is not a %s index line", n + 1, fastq ? "FASTQ" : "FASTA");
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            fai_row *nr = realloc(rows, (size_t)cap * sizeof *rows);
            if (!nr) {
                fai_rows_free(rows, n);
                return sk_error(SK_ENOMEM, "out of memory");
            }
            rows = nr;
        }
        if (!(r.name = strdup(col[0]))) {
            fai_rows_free(rows, n);
            return sk_error(SK_ENOMEM, "out of memory");
        }
        rows[n++] = r;
    }
    if (!bad && n == 0) bad = WHY("it lists no records");
    if (bad) {
        fai_rows_free(rows, n);
        return 1;
    }
    *out = rows;
    *nout = n;
    return 0;
}

/* Random bytes of the decompressed file through a page of 64 KiB (records near each other share
 * one read; BGZF caches the blocks of a bgzip file). */
typedef struct dview {
    BGZF *fp;
    int64_t size;           /* decompressed bytes */
    unsigned char *page;
    int64_t pbeg, plen;
} dview;
#define PAGE (1 << 16)

/* The byte at pos, or -1 when pos is outside the file or cannot be read. */
static int dv_byte(dview *v, int64_t pos) {
    if (pos < 0 || pos >= v->size) return -1;
    if (pos < v->pbeg || pos >= v->pbeg + v->plen) {
        v->pbeg = pos & ~(int64_t)(PAGE - 1);
        v->plen = 0;
        if (bgzf_useek(v->fp, v->pbeg, SEEK_SET) < 0) return -1;
        ssize_t k = bgzf_read(v->fp, v->page, PAGE);
        if (k <= 0) return -1;
        v->plen = k;
        if (pos >= v->pbeg + v->plen) return -1;
    }
    return v->page[pos - v->pbeg];
}

/* Position of base k of a record laid out from `off` in lines of lb bases, lw bytes. */
static int64_t base_pos(int64_t off, int64_t lb, int64_t lw, int64_t k) { return off + (k / lb) * lw + k % lb; }

static int is_eol(int c) { return c == '\n' || c == '\r'; }

/* Read the whole side file PATH.EXT (.fai, .gzi). */
static int read_side(const char *path, const char *ext, char **text, int64_t *len) {
    size_t n = strlen(path) + strlen(ext) + 1;
    char *side = malloc(n);
    if (!side) return sk_error(SK_ENOMEM, "out of memory");
    snprintf(side, n, "%s%s", path, ext);
    int st = sk_read_file(side, text, len);
    free(side);
    return st;
}

/* A bgzip file's decompressed size through its .gzi (pairs of compressed and decompressed block
 * starts after a count; the first block is implied): 0, 1 (why set) when the .gzi does not
 * describe the file, or <0. */
static int gzi_size(dview *v, const char *path, int64_t csize, char *why) {
    char *text = NULL;
    int64_t len = 0;
    int st = read_side(path, ".gzi", &text, &len);
    if (st < 0) return st;
    const unsigned char *b = (const unsigned char *)text;
    uint64_t cnt = 0, c = 0, u = 0, pc = 0, pu = 0;
    for (int k = 0; k < 8 && len >= 8; k++) cnt |= (uint64_t)b[k] << (8 * k);
    if (len < 8 || (uint64_t)(len - 8) / 16 != cnt || (uint64_t)(len - 8) % 16) st = WHY("the .gzi has %lld bytes, not a count and its pairs", (long long)len);
    for (uint64_t i = 0; !st && i < cnt; i++, pc = c, pu = u) {
        c = u = 0;
        for (int k = 0; k < 8; k++) {
            c |= (uint64_t)b[8 + 16 * i + k] << (8 * k);
            u |= (uint64_t)b[16 + 16 * i + k] << (8 * k);
        }
        if (c <= pc || u <= pu || c >= (uint64_t)csize)
            st = WHY("the .gzi block %llu (compressed offset %llu) is not inside the %lld-byte file", (unsigned long long)i + 1,
                     (unsigned long long)c, (long long)csize);
    }
    free(text);
    if (st) return st;
    /* From the last listed block to the end: at most one block of data (and the empty end marker). */
    if (bgzf_index_load(v->fp, path, ".gzi") != 0 || bgzf_useek(v->fp, (off_t)u, SEEK_SET) < 0)
        return WHY("the .gzi cannot be used with this file");
    int64_t tail = 0;
    ssize_t k;
    while ((k = bgzf_read(v->fp, v->page, PAGE)) > 0 && tail <= 2 * PAGE) tail += k;
    if (k < 0) return WHY("the .gzi points into the middle of a compressed block");
    if (tail > 2 * PAGE) return WHY("the .gzi does not list the file's last blocks");
    v->size = (int64_t)u + tail;
    return 0;
}

/* Compare the bytes of a header line ending at off - 1 with '>NAME' ('@' for FASTQ). */
static int header_ok(dview *v, const fai_row *r, int fastq) {
    if (dv_byte(v, r->off - 1) != '\n') return 0;
    int64_t p = r->off - 2;
    while (p >= 0 && r->off - p < (1 << 20)) {
        int c = dv_byte(v, p);
        if (c < 0 || c == '\n') break;
        p--;
    }
    int64_t s = p + 1;
    if (dv_byte(v, s) != (fastq ? '@' : '>')) return 0;
    size_t nl = strlen(r->name);
    for (size_t i = 0; i < nl; i++)
        if (dv_byte(v, s + 1 + (int64_t)i) != (unsigned char)r->name[i]) return 0;
    int c = dv_byte(v, s + 1 + (int64_t)nl);
    return c == ' ' || c == '\t' || is_eol(c);
}

/* Whether the .fai rows still describe the file, read at a few bytes per record: every record
 * starts after a line '>NAME', its first and last bases and first line end are where the index
 * says, records do not overlap, and nothing but line ends follows the last one (for bgzip the
 * .gzi must also match the compressed file). 0, 1 (why set), or <0. */
static int fai_check(const char *path, int comp, int fastq, int64_t csize, const fai_row *rows, int n, char *why) {
    dview v = {.size = csize};
    int st = 0;
    if (!(v.page = malloc(PAGE))) return sk_error(SK_ENOMEM, "out of memory");
    if (!(v.fp = bgzf_open(path, "r"))) {
        free(v.page);
        return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (comp == 2) {
        (void)bgzf_set_cache_size(v.fp, 16 << 20);
        st = gzi_size(&v, path, csize, why);
    }
    int64_t prev_end = 0;   /* byte after the previous record's last base (or quality) */
    for (int i = 0; i < n && !st; i++) {
        const fai_row *r = &rows[i];
        int64_t last = base_pos(r->off, r->lb, r->lw, r->len - 1), end = last + 1;
        if (r->off <= prev_end) st = WHY("records '%s' and '%s' overlap", rows[i - 1].name, r->name);
        else if (last >= v.size)
            st = WHY("record '%s' ends at byte %lld, beyond the end of the file (%lld bytes)", r->name, (long long)last + 1,
                     (long long)v.size);
        else if (!header_ok(&v, r, fastq))
            st = WHY("record '%s' does not start after a header line naming it (byte %lld)", r->name, (long long)r->off);
        else if (!sk_dna_is_iupac((unsigned char)dv_byte(&v, r->off)) || !sk_dna_is_iupac((unsigned char)dv_byte(&v, last)) ||
                 (r->len > r->lb && !is_eol(dv_byte(&v, r->off + r->lb))) || (end < v.size && !is_eol(dv_byte(&v, end))))
            st = WHY("the bases of record '%s' are not where it says (line width %lld, length %lld)", r->name, (long long)r->lb,
                     (long long)r->len);
        if (!st && fastq) {
            int64_t qlast = base_pos(r->qoff, r->lb, r->lw, r->len - 1);
            if (r->qoff <= end || qlast >= v.size || dv_byte(&v, r->qoff - 1) != '\n')
                st = WHY("the qualities of record '%s' are not where it says", r->name);
            end = qlast + 1;
        }
        prev_end = end;
    }
    /* after the last record: line ends only */
    for (int64_t p = prev_end; !st && p < v.size; p++) {
        int c = dv_byte(&v, p);
        if (!is_eol(c) || p - prev_end > PAGE) st = WHY("the file goes on after the last indexed record '%s'", rows[n - 1].name);
    }
    (void)bgzf_close(v.fp);
    free(v.page);
    return st;
}
#undef WHY

static int newer_or_same(const char *index, const struct stat *data) {
    struct stat si;
    return stat(index, &si) == 0 && si.st_mtime >= data->st_mtime;
}

/* Build path.fai (and path.gzi) atomically: into temporary names, then renamed. stale: why the
 * index there does not match the file (NULL: there is none or it is older than the file). */
static int build_index(const char *path, int bgzf, const char *stale) {
    char *dir = strdup(path);
    if (!dir) return sk_error(SK_ENOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = 0;
    int writable = access(slash ? dir : ".", W_OK) == 0;
    free(dir);
    if (!writable && stale)
        return sk_error(SK_EIO, "%s: its index %s.fai does not match the file (%s) and the folder is not writable: "
                        "run 'samtools faidx %s' where you can write, or copy the file to a writable folder", path, path,
                        stale, path);
    if (!writable)
        return sk_error(SK_EIO, "%s: no index (%s.fai%s) and its folder is not writable: run 'samtools faidx %s' "
                        "where you can write, or copy the file to a writable folder", path, path,
                        bgzf ? " + .gzi" : "", path);
    if (stale) sk_log_warn("%s: its index %s.fai does not match the file (%s): rebuilding it", path, path, stale);
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

/* Read path.fai and check it against the file: 0 with the rows, 1 (why set) when stale, or <0. */
static int fai_load_checked(const char *path, int comp, int fastq, int64_t csize, fai_row **rows, int *n, char *why) {
    char *text = NULL;
    int64_t len = 0;
    int st = read_side(path, ".fai", &text, &len);
    if (st < 0) return st;
    st = fai_parse(text, fastq, rows, n, why);
    free(text);
    if (st) return st;
    if ((st = fai_check(path, comp, fastq, csize, *rows, *n, why))) {
        fai_rows_free(*rows, *n);
        *rows = NULL;
    }
    return st;
}

int sk_dna_is_stream(const char *path) {
    struct stat sb;
    return !strcmp(path, "-") || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode));
}

int sk_dna_fasta_open(sk_dna_fasta **out, const char *path) {
    *out = NULL;
    struct stat sd;
    if (sk_dna_is_stream(path))
        return sk_error(SK_EUNSUP, "%s: needs an indexed regular file (a pipe cannot be indexed)", path);
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
    /* An index older than the file is rebuilt; one that is not is checked against the file
     * (copies with old dates, rewrites within the same second) and rebuilt when it does not match. */
    int st = 0, fastq = c0 == '@';
    fai_row *rows = NULL;
    int nrows = 0;
    char why[WHYSZ];
    for (int built = 0;; built = 1) {
        if (!have) {
            /* Check everything htslib's indexer would let through, then build. */
            sk_dna_stats stats;
            if ((st = sk_dna_stats_file(path, SK_DNA_CHECK_LAYOUT, &stats)) < 0) return st;
            if ((st = build_index(path, comp == 2, built ? why : NULL)) < 0) return st;
        }
        st = fai_load_checked(path, comp, fastq, (int64_t)sd.st_size, &rows, &nrows, why);
        if (st < 0) return st;
        if (st == 0) break;
        if (!have || built)
            return sk_error(SK_EFORMAT, "%s: the index made for it does not match it (%s)", path, why);
        have = 0;
    }
    sk_dna_fasta *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path)) || !(f->lens = malloc((size_t)nrows * sizeof *f->lens))) {
        fai_rows_free(rows, nrows);
        sk_dna_fasta_close(f);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nrows; i++) f->lens[i] = rows[i].len;
    f->nseq = nrows;
    fai_rows_free(rows, nrows);
    f->fai = fai_load3_format(path, NULL, NULL, 0, fastq ? FAI_FASTQ : FAI_FASTA);
    if (!f->fai || faidx_nseq(f->fai) != f->nseq) {
        sk_dna_fasta_close(f);
        return sk_error(SK_EFORMAT, "%s: cannot load its index %s.fai (delete it to rebuild)", path, path);
    }
    fai_set_cache_size(f->fai, 16 << 20);   /* BGZF block cache: 16 MiB of decompressed blocks */
    *out = f;
    return 0;
}

int sk_dna_fasta_read(sk_dna_fasta **out, const char *path) {
    *out = NULL;
    sk_dna_reader *r;
    int st = sk_dna_reader_open(&r, path, 0, 0), cap = 0;
    if (st < 0) return st;
    sk_dna_fasta *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) st = sk_error(SK_ENOMEM, "%s: out of memory", path);
    sk_dna_record rec;
    while (!st && (st = sk_dna_reader_next(r, &rec)) == 0) {
        if (f->nseq == INT_MAX) {
            st = sk_error(SK_EUNSUP, "%s: more than %d records", path, INT_MAX);
            break;
        }
        if (f->nseq == cap) {
            cap = cap ? (cap > INT_MAX / 2 ? INT_MAX : 2 * cap) : 16;
            char **nn = realloc(f->names, (size_t)cap * sizeof *nn), **ns = nn ? realloc(f->seqs, (size_t)cap * sizeof *ns) : NULL;
            int64_t *nl = ns ? realloc(f->lens, (size_t)cap * sizeof *nl) : NULL;
            if (nn) f->names = nn;
            if (ns) f->seqs = ns;
            if (nl) f->lens = nl;
            if (!nl) {
                st = sk_error(SK_ENOMEM, "%s: out of memory (record '%s')", path, rec.name);
                break;
            }
        }
        f->names[f->nseq] = strdup(rec.name);
        f->seqs[f->nseq] = malloc((size_t)rec.len + 1);
        f->lens[f->nseq] = rec.len;
        int ok = f->names[f->nseq] && f->seqs[f->nseq];
        if (f->seqs[f->nseq]) memcpy(f->seqs[f->nseq], rec.seq, (size_t)rec.len + 1);
        f->nseq++;
        if (!ok) st = sk_error(SK_ENOMEM, "%s: out of memory (record '%s', %lld bases)", path, rec.name, (long long)rec.len);
    }
    sk_dna_reader_close(r);
    if (st != SK_EOF) {
        sk_dna_fasta_close(f);
        return st;
    }
    *out = f;
    return 0;
}

void sk_dna_fasta_close(sk_dna_fasta *f) {
    if (!f) return;
    if (f->fai) fai_destroy(f->fai);
    for (int i = 0; !f->fai && i < f->nseq; i++) {
        free(f->names[i]);
        free(f->seqs[i]);
    }
    free(f->names);
    free(f->seqs);
    free(f->lens);
    free(f->path);
    free(f);
}

const char *sk_dna_fasta_path(const sk_dna_fasta *f) { return f->path; }
int sk_dna_fasta_nseq(const sk_dna_fasta *f) { return f->nseq; }
const char *sk_dna_fasta_name(const sk_dna_fasta *f, int i) { return f->fai ? faidx_iseq(f->fai, i) : f->names[i]; }
int64_t sk_dna_fasta_len(const sk_dna_fasta *f, int i) { return f->lens[i]; }

int sk_dna_fasta_find(const sk_dna_fasta *f, const char *name) {
    /* faidx keeps names in index order; a linear scan is fine for the few lookups callers make,
     * and BED reading builds its own hash. */
    if (f->fai && !faidx_has_seq(f->fai, name)) return -1;
    for (int i = 0; i < f->nseq; i++)
        if (!strcmp(sk_dna_fasta_name(f, i), name)) return i;
    return -1;
}

int sk_dna_fasta_fetch(sk_dna_fasta *f, int i, int64_t beg, int64_t end, char **seq) {
    *seq = NULL;
    if (i < 0 || i >= f->nseq) return sk_error(SK_EINVAL, "%s: no record #%d", f->path, i + 1);
    const char *name = sk_dna_fasta_name(f, i);
    int64_t len = f->lens[i];
    if (beg < 0 || end > len || beg >= end)
        return sk_error(SK_EINVAL, "%s: region %s:%lld-%lld is outside the sequence (length %lld)", f->path, name,
                        (long long)beg + 1, (long long)end, (long long)len);
    if (!f->fai) {
        if (!(*seq = malloc((size_t)(end - beg) + 1))) return sk_error(SK_ENOMEM, "%s: out of memory", f->path);
        memcpy(*seq, f->seqs[i] + beg, (size_t)(end - beg));
        (*seq)[end - beg] = 0;
        return 0;
    }
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
    if (!f->fai) return sk_error(SK_EUNSUP, "%s: region '%s': regions need an indexed file", f->path, region);
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
