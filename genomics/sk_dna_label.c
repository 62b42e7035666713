/* sk_dna_label.c — labelled-sequence files (TSV or FASTA with label= in the header) and the
 * tiling of sequences into model windows. See sk_dna.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <htslib/bgzf.h>
#include <htslib/kstring.h>
#include "genomics/sk_dna.h"

struct sk_dna_labelled {
    char *path;
    char **classes;
    int ncls, collect;
    /* items: offsets into bases (each NUL-terminated), names into names */
    int64_t n, cap;
    int64_t *off, *len, *line, *name_off;
    int32_t *label;
    char *bases;
    int64_t nb, capb;
    char *names;
    int64_t nn, capn;
};

static int grow(void **p, int64_t *cap, int64_t need, size_t elem) {
    if (need <= *cap) return 0;
    int64_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q) return -1;
    *p = q, *cap = c;
    return 0;
}

/* Append bytes (+ NUL) to a growing buffer; returns the offset or -1. */
static int64_t append(char **buf, int64_t *n, int64_t *cap, const char *s, int64_t len) {
    if (grow((void **)buf, cap, *n + len + 1, 1)) return -1;
    int64_t at = *n;
    memcpy(*buf + at, s, (size_t)len);
    (*buf)[at + len] = 0;
    *n += len + 1;
    return at;
}

/* The label id of `name`: from the fixed list, or collected (sorted later). */
static int class_id(sk_dna_labelled *l, const char *name, int64_t line, int32_t *id) {
    for (int i = 0; i < l->ncls; i++)
        if (!strcmp(l->classes[i], name)) return *id = i, SK_OK;
    if (!l->collect) {
        char known[512];
        size_t k = 0;
        known[0] = 0;
        for (int i = 0; i < l->ncls && k + 4 < sizeof known; i++)
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "", l->classes[i]);
        return sk_error(SK_EFORMAT, "%s: line %lld: unknown class \"%s\" (the classes are: %s)", l->path, (long long)line,
                        name, known);
    }
    if (grow((void **)&l->classes, &(int64_t){l->ncls}, l->ncls + 1, sizeof(char *)) ||
        !(l->classes[l->ncls] = strdup(name)))
        return sk_error(SK_ENOMEM, "%s: out of memory", l->path);
    *id = l->ncls++;
    return SK_OK;
}

static int add_item(sk_dna_labelled *l, const char *label, const char *seq, int64_t len, int64_t line, const char *name) {
    if (!*label) return sk_error(SK_EFORMAT, "%s: line %lld: empty label", l->path, (long long)line);
    if (len < 1) return sk_error(SK_EFORMAT, "%s: line %lld: empty sequence", l->path, (long long)line);
    for (int64_t i = 0; i < len; i++)
        if (!sk_dna_is_iupac((unsigned char)seq[i]))
            return sk_error(SK_EFORMAT, "%s: line %lld: byte 0x%02x at base %lld is not an IUPAC nucleotide code",
                            l->path, (long long)line, (unsigned char)seq[i], (long long)i + 1);
    int32_t id;
    int rc = class_id(l, label, line, &id);
    if (rc) return rc;
    if (grow((void **)&l->off, &(int64_t){l->cap}, l->n + 1, sizeof(int64_t)) ||
        grow((void **)&l->len, &(int64_t){l->cap}, l->n + 1, sizeof(int64_t)) ||
        grow((void **)&l->line, &(int64_t){l->cap}, l->n + 1, sizeof(int64_t)) ||
        grow((void **)&l->name_off, &(int64_t){l->cap}, l->n + 1, sizeof(int64_t)) ||
        grow((void **)&l->label, &l->cap, l->n + 1, sizeof(int32_t)))
        return sk_error(SK_ENOMEM, "%s: out of memory", l->path);
    int64_t o = append(&l->bases, &l->nb, &l->capb, seq, len);
    int64_t no = name ? append(&l->names, &l->nn, &l->capn, name, (int64_t)strlen(name)) : -2;
    if (o < 0 || no == -1) return sk_error(SK_ENOMEM, "%s: out of memory", l->path);
    l->off[l->n] = o, l->len[l->n] = len, l->line[l->n] = line, l->name_off[l->n] = no, l->label[l->n] = id;
    l->n++;
    return SK_OK;
}

static int read_tsv(sk_dna_labelled *l) {
    BGZF *fp = bgzf_open(l->path, "r");
    if (!fp) return sk_error(SK_EIO, "%s: cannot open", l->path);
    kstring_t ks = {0, 0, NULL};
    int64_t line = 0;
    int rc = SK_OK, r;
    while (!rc && (r = bgzf_getline(fp, '\n', &ks)) >= 0) {
        line++;
        size_t n = ks.l;
        if (n && ks.s[n - 1] == '\r') ks.s[--n] = 0;
        if (!n || ks.s[0] == '#') continue;
        char *tab = memchr(ks.s, '\t', n);
        if (!tab) {
            rc = sk_error(SK_EFORMAT, "%s: line %lld: expected LABEL<TAB>SEQUENCE, found no tab", l->path, (long long)line);
            break;
        }
        *tab = 0;
        char *seq = tab + 1;
        if (memchr(seq, '\t', n - (size_t)(seq - ks.s))) {
            rc = sk_error(SK_EFORMAT, "%s: line %lld: more than two tab-separated columns (expected LABEL<TAB>SEQUENCE)",
                          l->path, (long long)line);
            break;
        }
        if (line == 1 && !strcasecmp(ks.s, "label") && !strcasecmp(seq, "sequence")) continue; /* header */
        rc = add_item(l, ks.s, seq, (int64_t)(n - (size_t)(seq - ks.s)), line, NULL);
    }
    if (!rc && r < -1) rc = sk_error(SK_EFORMAT, "%s: read error or truncated compressed data after line %lld", l->path, (long long)line);
    free(ks.s);
    bgzf_close(fp);
    return rc;
}

static int read_fasta(sk_dna_labelled *l) {
    sk_dna_reader *rd;
    int rc = sk_dna_reader_open(&rd, l->path, 0, 0);
    if (rc) return rc;
    sk_dna_record rec;
    while (!rc && !(rc = sk_dna_reader_next(rd, &rec))) {
        const char *p = rec.comment, *lab = NULL;
        while (*p && !lab) { /* a whitespace-separated word starting with label= */
            while (*p == ' ' || *p == '\t') p++;
            if (!strncmp(p, "label=", 6)) lab = p + 6;
            while (*p && *p != ' ' && *p != '\t') p++;
        }
        if (!lab) {
            rc = sk_error(SK_EFORMAT, "%s: record %s (line %lld): the header has no label=CLASS word", l->path, rec.name,
                          (long long)rec.line);
            break;
        }
        char name[256];
        size_t k = strcspn(lab, " \t");
        snprintf(name, sizeof name, "%.*s", (int)(k < 255 ? k : 255), lab);
        rc = add_item(l, name, rec.seq, rec.len, rec.line, rec.name);
    }
    sk_dna_reader_close(rd);
    return rc == SK_EOF ? SK_OK : rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int sk_dna_labelled_read(sk_dna_labelled **out, const char *path, const char *const *classes, int n_classes) {
    *out = NULL;
    sk_dna_labelled *l = calloc(1, sizeof *l);
    if (!l || !(l->path = strdup(path))) {
        free(l);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    int rc = SK_OK;
    l->collect = !classes || n_classes <= 0;
    if (!l->collect) {
        l->classes = calloc((size_t)n_classes, sizeof(char *));
        if (!l->classes) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
        for (int i = 0; i < n_classes && !rc; i++)
            if (!(l->classes[l->ncls++] = strdup(classes[i]))) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    /* first byte of the (decompressed) data tells FASTA from TSV */
    int first = -1;
    if (!rc) {
        BGZF *fp = bgzf_open(path, "r");
        if (!fp) rc = sk_error(SK_EIO, "%s: cannot open", path);
        else {
            first = bgzf_getc(fp);
            bgzf_close(fp);
            if (first < 0) rc = sk_error(SK_EFORMAT, "%s: empty file (no labelled sequences)", path);
        }
    }
    if (!rc) rc = first == '>' ? read_fasta(l) : read_tsv(l);
    if (!rc && l->n == 0) rc = sk_error(SK_EFORMAT, "%s: no labelled sequences", path);
    if (!rc && l->collect) { /* sorted class names; relabel */
        char **sorted = malloc((size_t)l->ncls * sizeof(char *));
        int *map = malloc((size_t)l->ncls * sizeof(int));
        if (!sorted || !map) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
        else {
            memcpy(sorted, l->classes, (size_t)l->ncls * sizeof(char *));
            qsort(sorted, (size_t)l->ncls, sizeof(char *), cmp_str);
            for (int i = 0; i < l->ncls; i++)
                for (int j = 0; j < l->ncls; j++)
                    if (sorted[j] == l->classes[i]) map[i] = j;
            for (int64_t i = 0; i < l->n; i++) l->label[i] = map[l->label[i]];
            memcpy(l->classes, sorted, (size_t)l->ncls * sizeof(char *));
        }
        free(sorted), free(map);
    }
    if (rc) {
        sk_dna_labelled_free(l);
        return rc;
    }
    *out = l;
    return SK_OK;
}

void sk_dna_labelled_free(sk_dna_labelled *l) {
    if (!l) return;
    for (int i = 0; i < l->ncls; i++) free(l->classes[i]);
    free(l->classes), free(l->off), free(l->len), free(l->line), free(l->name_off), free(l->label);
    free(l->bases), free(l->names), free(l->path);
    free(l);
}
int64_t sk_dna_labelled_count(const sk_dna_labelled *l) { return l->n; }
int sk_dna_labelled_nclasses(const sk_dna_labelled *l) { return l->ncls; }
const char *sk_dna_labelled_class(const sk_dna_labelled *l, int i) { return i >= 0 && i < l->ncls ? l->classes[i] : NULL; }
const char *sk_dna_labelled_path(const sk_dna_labelled *l) { return l->path; }
sk_dna_lseq sk_dna_labelled_get(const sk_dna_labelled *l, int64_t i) {
    sk_dna_lseq s = {l->bases + l->off[i], l->len[i], l->label[i], l->line[i],
                     l->name_off[i] >= 0 ? l->names + l->name_off[i] : NULL};
    return s;
}

/* ---- tiling ---- */

int64_t sk_dna_tiles(int64_t n, int64_t L, int64_t S, int short_policy, int64_t *begs) {
    if (n < 1 || L < 1 || S < 1) return 0;
    if (n < L) {
        if (short_policy == SK_DNA_SHORT_SKIP) return 0;
        if (begs) begs[0] = 0;
        return 1;
    }
    int64_t k = (n - L) / S + 1; /* starts 0, S, ..., (k-1)S with (k-1)S + L <= n */
    if (begs)
        for (int64_t i = 0; i < k; i++) begs[i] = i * S;
    if ((k - 1) * S + L < n) { /* the tail: one window ending at n */
        if (begs) begs[k] = n - L;
        k++;
    }
    return k;
}

void sk_dna_window_ids(const char *seq, int64_t beg, int64_t end, int64_t L, int rc, int flags, int32_t *ids) {
    int64_t n = end - beg, pad = L - n;
    for (int64_t i = 0; i < pad; i++) ids[i] = SK_DNA_PAD;
    for (int64_t i = 0; i < n; i++) {
        /* rc: position i reads the complement of base end-1-i */
        unsigned char c = (unsigned char)seq[rc ? end - 1 - i : beg + i];
        int32_t t = sk_dna_token(c, flags);
        if (rc) { /* token-level complement: A<->T (7<->10), C<->G (8<->9), lowercase 12<->15, 13<->14 */
            static const int32_t comp[17] = {0, 1, 2, 3, 4, 5, 6, 10, 9, 8, 7, 11, 15, 14, 13, 12, 16};
            t = comp[t];
        }
        ids[pad + i] = t;
    }
}
