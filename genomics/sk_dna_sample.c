/* sk_dna_sample.c — window samplers: genome intervals (pretraining, three published protocols,
 * DESIGN.md §DNA windows) and species classification (DESIGN.md §Species classification, one
 * FASTA per species).
 */
#include <stdlib.h>
#include <string.h>
#include "genomics/sk_dna.h"

/* ---------------------------------------------------------------------------------------------
 * Interval windows
 * ------------------------------------------------------------------------------------------- */

#define CADUCEUS_MAX (1 << 20)   /* Caduceus MAX_ALLOWED_LENGTH: every BED row becomes 2^20 long */

struct sk_dna_windows {
    sk_dna_windows_opts o;
    sk_dna_interval *iv;   /* kept intervals */
    int64_t *row;          /* their BED row numbers */
    int64_t *clen;         /* chromosome length of each */
    int64_t *first;        /* first window of each interval; first[n_iv] = total */
    int64_t n_iv, total;
    int64_t *perm;         /* epoch order (NULL: identity) */
    int64_t epoch;
};

int sk_dna_window_mode(const char *name) {
    if (!strcmp(name, "mamba")) return SK_DNA_WIN_MAMBA;
    if (!strcmp(name, "hyena")) return SK_DNA_WIN_HYENA;
    if (!strcmp(name, "caduceus")) return SK_DNA_WIN_CADUCEUS;
    return -1;
}

const char *sk_dna_window_mode_name(int mode) {
    return mode == SK_DNA_WIN_HYENA ? "hyena" : mode == SK_DNA_WIN_CADUCEUS ? "caduceus" : "mamba";
}

/* Number of windows an interval of length S gives. */
static int64_t n_windows(int mode, int64_t L, int64_t S) {
    switch (mode) {
    case SK_DNA_WIN_HYENA: return 1;
    case SK_DNA_WIN_CADUCEUS: return CADUCEUS_MAX / L;
    default: return L <= S ? S / L : 2;
    }
}

/* Move [*b, *e) (length L) inside [0, clen): down so it ends at clen, then up so it starts at 0
 * (then clipped to the chromosome when clen < L) — Caduceus FastaInterval boundary rule. */
static void shift_into(int64_t *b, int64_t *e, int64_t clen) {
    if (*e > clen) {
        *b -= *e - clen;
        *e = clen;
    }
    if (*b < 0) {
        *e -= *b;
        *b = 0;
        if (*e > clen) *e = clen;
    }
}

/* Window k of interval [beg, end) on a chromosome of length clen. */
static void window_of(int mode, int64_t L, int64_t beg, int64_t end, int64_t clen, int64_t k, int64_t *wb, int64_t *we) {
    int64_t S = end - beg, b, e;
    switch (mode) {
    case SK_DNA_WIN_HYENA:
        if (S >= L) {            /* HyenaDNA: always the first L bases of the interval */
            b = beg;
            e = beg + L;
        } else {                 /* centred extension, extra base on the right, then clamp */
            int64_t left = (L - S) / 2, right = (L - S) - left;
            b = beg - left < 0 ? 0 : beg - left;
            e = end + right > clen ? clen : end + right;
        }
        break;
    case SK_DNA_WIN_CADUCEUS:    /* [beg + kL, beg + (k+1)L) within the 2^20 window, shifted inside */
        b = beg + k * L;
        e = b + L;
        shift_into(&b, &e, clen);
        break;
    default:
        if (L <= S) {            /* Mamba, L <= S: non-overlapping tiles */
            b = beg + k * L;
            e = b + L;
        } else {                 /* Mamba, L > S: one starting at beg, one ending at end */
            b = k == 0 ? beg : end - L;
            e = b + L;
            shift_into(&b, &e, clen);
        }
        break;
    }
    *wb = b;
    *we = e;
}

void sk_dna_windows_free(sk_dna_windows *w) {
    if (!w) return;
    free(w->iv);
    free(w->row);
    free(w->clen);
    free(w->first);
    free(w->perm);
    free(w);
}

int sk_dna_windows_create(sk_dna_windows **out, const sk_dna_bed *bed, const sk_dna_fasta *ref,
                          const sk_dna_windows_opts *opts) {
    *out = NULL;
    int64_t L = opts->length;
    if (L <= 0) return sk_error(SK_EINVAL, "window length must be positive (got %lld)", (long long)L);
    if (opts->mode == SK_DNA_WIN_CADUCEUS && (L > CADUCEUS_MAX || (L & (L - 1))))
        return sk_error(SK_EINVAL, "--window-mode caduceus needs a power-of-two length <= 2^20 (got %lld)", (long long)L);
    int64_t n = sk_dna_bed_count(bed);
    sk_dna_windows *w = calloc(1, sizeof *w);
    if (!w || !(w->iv = malloc((size_t)n * sizeof *w->iv)) || !(w->row = malloc((size_t)n * sizeof *w->row)) ||
        !(w->clen = malloc((size_t)n * sizeof *w->clen)) || !(w->first = malloc((size_t)(n + 1) * sizeof *w->first))) {
        sk_dna_windows_free(w);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    w->o = *opts;
    for (int64_t i = 0; i < n; i++) {
        const sk_dna_interval *v = sk_dna_bed_get(bed, i);
        if (opts->split != SK_DNA_SPLIT_NONE && v->split != opts->split) continue;
        w->iv[w->n_iv] = *v;
        w->row[w->n_iv] = i;
        w->clen[w->n_iv] = sk_dna_fasta_len(ref, v->seq);
        w->first[w->n_iv] = w->total;
        w->total += n_windows(opts->mode, L, v->end - v->beg);
        w->n_iv++;
    }
    w->first[w->n_iv] = w->total;
    if (w->total == 0) {
        sk_dna_windows_free(w);
        return sk_error(SK_EINVAL, "no intervals in the %s split", sk_dna_split_name(opts->split));
    }
    if (opts->shuffle && !(w->perm = malloc((size_t)w->total * sizeof *w->perm))) {
        sk_dna_windows_free(w);
        return sk_error(SK_ENOMEM, "out of memory (%lld windows)", (long long)w->total);
    }
    sk_dna_windows_epoch(w, 0);
    *out = w;
    return 0;
}

int64_t sk_dna_windows_count(const sk_dna_windows *w) { return w->total; }

void sk_dna_windows_epoch(sk_dna_windows *w, int64_t epoch) {
    w->epoch = epoch;
    if (!w->perm) return;
    sk_rng r;
    sk_rng_seed(&r, w->o.seed, (uint64_t)epoch);
    for (int64_t i = 0; i < w->total; i++) w->perm[i] = i;
    sk_rng_shuffle_i64(&r, w->perm, w->total);
}

int64_t sk_dna_windows_rank_count(const sk_dna_windows *w, int rank, int world) {
    (void)rank;
    return world > 1 ? w->total / world : w->total;
}

sk_dna_window sk_dna_windows_rank_get(const sk_dna_windows *w, int rank, int world, int64_t i) {
    return sk_dna_windows_get(w, world > 1 ? i * world + rank : i);
}

sk_dna_window sk_dna_windows_get(const sk_dna_windows *w, int64_t i) {
    int64_t j = w->perm ? w->perm[i] : i;
    /* interval holding window j: last t with first[t] <= j */
    int64_t lo = 0, hi = w->n_iv - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (w->first[mid] <= j) lo = mid;
        else hi = mid - 1;
    }
    const sk_dna_interval *v = &w->iv[lo];
    sk_dna_window win = {.seq = v->seq, .split = v->split, .label = -1, .interval = w->row[lo]};
    window_of(w->o.mode, w->o.length, v->beg, v->end, w->clen[lo], j - w->first[lo], &win.beg, &win.end);
    win.rc = w->o.rc_aug ? sk_rng_coin(w->o.seed, (uint64_t)w->epoch, (uint64_t)j) : 0; /* per (seed, epoch, window) */
    return win;
}

int64_t sk_dna_window_tokens(sk_dna_fasta *f, const sk_dna_window *win, int flags, uint8_t *ids) {
    char *s;
    int st = sk_dna_fasta_fetch(f, win->seq, win->beg, win->end, &s);
    if (st < 0) return st;
    int64_t n = win->end - win->beg;
    sk_dna_tokenize(s, n, ids, flags);
    free(s);
    if (win->rc) sk_dna_revcomp_ids(ids, n);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Species sampler
 * ------------------------------------------------------------------------------------------- */

typedef struct species {
    sk_dna_fasta *fa;
    int8_t *rec_split;          /* SPLIT_BY_CHROM: split of each record */
    int *elig[3];               /* records with room for L bases in each split */
    int n_elig[3];
} species;

struct sk_dna_species {
    sk_dna_species_opts o;
    int n;
    species *sp;
    sk_dna_window *fixed[3];    /* [1] valid, [2] test */
    int64_t n_fixed[3];
};

void sk_dna_species_range(const sk_dna_species *s, int label, int seq, int split, int64_t *beg, int64_t *end) {
    const species *p = &s->sp[label];
    int64_t len = sk_dna_fasta_len(p->fa, seq);
    *beg = *end = 0;
    if (s->o.split_by == SK_DNA_SPLIT_BY_CHROM) {
        if (p->rec_split[seq] == split) *end = len;
        return;
    }
    /* by position: [0, 0.8 len) train, [0.8 len, 0.9 len) valid, [0.9 len, len) test */
    int64_t c1 = len * 8 / 10, c2 = len * 9 / 10;
    *beg = split == 0 ? 0 : split == 1 ? c1 : c2;
    *end = split == 0 ? c1 : split == 1 ? c2 : len;
}

/* 1 if `name` is one of the comma-separated names in `list`. */
static int in_list(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (l == n && !strncmp(p, name, n)) return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

void sk_dna_species_free(sk_dna_species *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) {
        sk_dna_fasta_close(s->sp[i].fa);
        free(s->sp[i].rec_split);
        for (int k = 0; k < 3; k++) free(s->sp[i].elig[k]);
    }
    free(s->sp);
    for (int k = 0; k < 3; k++) free(s->fixed[k]);
    free(s);
}

int sk_dna_species_count(const sk_dna_species *s) { return s->n; }
sk_dna_fasta *sk_dna_species_fasta(sk_dna_species *s, int label) { return s->sp[label].fa; }
int64_t sk_dna_species_fixed_count(const sk_dna_species *s, int split) {
    return split == 1 || split == 2 ? s->n_fixed[split] : 0;
}

/* Count N (any case, incl. IUPAC codes) tokens. */
static int64_t count_n(const uint8_t *ids, int64_t n) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += ids[i] == SK_DNA_N || ids[i] == SK_DNA_LN || ids[i] == SK_DNA_UNK;
    return c;
}

/* Draw one window of `split`: species, record, start uniformly; redraw while N fraction > max. */
static int draw(sk_dna_species *s, sk_rng *rng, int split, int flags, sk_dna_window *win, uint8_t *ids) {
    int64_t L = s->o.length;
    int tries = s->o.max_tries > 0 ? s->o.max_tries : 1000;
    int label = (int)sk_rng_below(rng, (uint64_t)s->n);
    species *p = &s->sp[label];
    for (int t = 0; t < tries; t++) {
        int seq = p->elig[split][sk_rng_below(rng, (uint64_t)p->n_elig[split])];
        int64_t rb, re;
        sk_dna_species_range(s, label, seq, split, &rb, &re);
        int64_t beg = rb + (int64_t)sk_rng_below(rng, (uint64_t)(re - rb - L + 1));
        *win = (sk_dna_window){.seq = seq, .beg = beg, .end = beg + L, .split = split, .label = label, .interval = -1};
        int64_t n = sk_dna_window_tokens(p->fa, win, flags, ids);
        if (n < 0) return (int)n;
        if ((double)count_n(ids, n) <= s->o.max_n_frac * (double)n) return 0;
    }
    return sk_error(SK_EINVAL, "%s: no %s window of %lld bases with at most %.3g N found in %d draws "
                    "(raise --max-n or shorten the windows)", sk_dna_fasta_path(p->fa), sk_dna_split_name(split),
                    (long long)L, s->o.max_n_frac, tries);
}

int sk_dna_species_create(sk_dna_species **out, const char *const *paths, int n_species,
                          const sk_dna_species_opts *opts) {
    *out = NULL;
    int64_t L = opts->length;
    if (n_species < 1) return sk_error(SK_EINVAL, "species sampler: no FASTA files");
    if (L <= 0) return sk_error(SK_EINVAL, "window length must be positive (got %lld)", (long long)L);
    sk_dna_species *s = calloc(1, sizeof *s);
    if (!s || !(s->sp = calloc((size_t)n_species, sizeof *s->sp))) {
        free(s);
        return sk_error(SK_ENOMEM, "out of memory");
    }
    s->o = *opts;
    int st = 0;
    for (int i = 0; i < n_species && !st; i++) {
        s->n = i + 1;
        species *p = &s->sp[i];
        if ((st = sk_dna_fasta_open(&p->fa, paths[i])) < 0) break;
        int nr = sk_dna_fasta_nseq(p->fa);
        if (!(p->rec_split = malloc((size_t)nr)) || !(p->elig[0] = malloc((size_t)nr * sizeof(int))) ||
            !(p->elig[1] = malloc((size_t)nr * sizeof(int))) || !(p->elig[2] = malloc((size_t)nr * sizeof(int)))) {
            st = sk_error(SK_ENOMEM, "out of memory");
            break;
        }
        for (int r = 0; r < nr; r++) {
            const char *name = sk_dna_fasta_name(p->fa, r);
            p->rec_split[r] = (int8_t)(in_list(opts->test_chroms, name) ? 2 : in_list(opts->valid_chroms, name) ? 1 : 0);
        }
        for (int k = 0; k < 3 && !st; k++) {
            for (int r = 0; r < nr; r++) {
                int64_t b, e;
                sk_dna_species_range(s, i, r, k, &b, &e);
                if (e - b >= L) p->elig[k][p->n_elig[k]++] = r;
            }
            int64_t need = k == 0 ? 1 : k == 1 ? opts->n_valid : opts->n_test;
            if (need > 0 && p->n_elig[k] == 0)
                st = sk_error(SK_EINVAL, "%s: no record has %lld bases in the %s split (split by %s): shorten the "
                              "windows%s", paths[i], (long long)L, sk_dna_split_name(k),
                              opts->split_by == SK_DNA_SPLIT_BY_CHROM ? "chromosome lists" : "position (80/10/10%)",
                              opts->split_by == SK_DNA_SPLIT_BY_CHROM ? " or check the chromosome lists" : "");
        }
    }
    /* Every listed chromosome must name a record of some species (catches typos). */
    for (int k = 1; k <= 2 && !st && opts->split_by == SK_DNA_SPLIT_BY_CHROM; k++) {
        const char *list = k == 1 ? opts->valid_chroms : opts->test_chroms;
        for (const char *p = list; p && *p && !st;) {
            size_t l = strcspn(p, ",");
            int found = 0;
            for (int i = 0; i < s->n && !found; i++)
                for (int r = 0; r < sk_dna_fasta_nseq(s->sp[i].fa) && !found; r++) {
                    const char *name = sk_dna_fasta_name(s->sp[i].fa, r);
                    found = strlen(name) == l && !strncmp(name, p, l);
                }
            if (!found)
                st = sk_error(SK_EINVAL, "--%s-chroms: '%.*s' is not a record of any species FASTA", k == 1 ? "valid" : "test",
                              (int)l, p);
            p = p[l] ? p + l + 1 : p + l;
        }
    }
    /* Fixed evaluation windows: drawn once from (seed, stream = split), never redrawn. */
    uint8_t *ids = st ? NULL : malloc((size_t)L);
    if (!st && !ids) st = sk_error(SK_ENOMEM, "out of memory");
    for (int k = 1; k <= 2 && !st; k++) {
        int64_t n = k == 1 ? opts->n_valid : opts->n_test;
        if (n <= 0) continue;
        if (!(s->fixed[k] = malloc((size_t)n * sizeof *s->fixed[k]))) {
            st = sk_error(SK_ENOMEM, "out of memory");
            break;
        }
        sk_rng r;
        sk_rng_seed(&r, opts->seed, (uint64_t)k);
        for (int64_t j = 0; j < n && !st; j++) st = draw(s, &r, k, 0, &s->fixed[k][j], ids);
        s->n_fixed[k] = n;
    }
    free(ids);
    if (st) {
        sk_dna_species_free(s);
        return st;
    }
    *out = s;
    return 0;
}

int sk_dna_species_draw(sk_dna_species *s, sk_rng *rng, int flags, sk_dna_window *win, uint8_t *ids) {
    return draw(s, rng, 0, flags, win, ids);
}

int sk_dna_species_fixed(sk_dna_species *s, int split, int64_t i, int flags, sk_dna_window *win, uint8_t *ids) {
    if ((split != 1 && split != 2) || i < 0 || i >= s->n_fixed[split])
        return sk_error(SK_EINVAL, "species sampler: no fixed %s window #%lld", sk_dna_split_name(split), (long long)i);
    *win = s->fixed[split][i];
    int64_t n = sk_dna_window_tokens(s->sp[win->label].fa, win, flags, ids);
    return n < 0 ? (int)n : 0;
}

void sk_dna_species_rank_rng(sk_rng *r, uint64_t seed, int rank) { sk_rng_seed(r, seed, 1 + (uint64_t)rank); }
