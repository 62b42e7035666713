/* sk_dna_run.c — sequence input, window runner and DNA checkpoint metadata (sk_dna_run.h). */
#include "genomics/sk_dna_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include <htslib/faidx.h>
#include <htslib/hfile.h>
#include <htslib/hts_log.h>
#include "src/sk_json.h"
#include "src/sk_progress.h"
#include "src/sk_stream.h"

/* ================================ sequence input =========================================== */

struct sk_seqin {
    sk_dna_reader *fa;
    sk_dna_bam *bam;
    int64_t skipped;
    sk_dna_aln aln;      /* the last alignment record read */
    const char *aln_seq; /* sk_seqin_head on SAM/BAM/CRAM: the read's bases not handed out yet */
    int64_t aln_len;
    faidx_t *fai;        /* a FASTA file's existing index, for the record lengths of the progress line */
    char *fa_path;       /* a FASTA file (not a pipe) whose index is not looked at yet (seqin_len) */
};

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

int sk_seqin_kind(const char *path) {
    static const char *const seq[] = {".fa", ".fasta", ".fna", ".ffn", ".frn", ".fq", ".fastq"};
    static const char *const comp[] = {"", ".gz", ".bgz"};
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++)
        for (size_t j = 0; j < sizeof comp / sizeof *comp; j++) {
            char suf[32];
            snprintf(suf, sizeof suf, "%s%s", seq[i], comp[j]);
            if (ends_with(path, suf)) return 1;
        }
    return ends_with(path, ".sam") || ends_with(path, ".bam") || ends_with(path, ".cram") ? 2 : 0;
}

int sk_seqin_open(sk_seqin **out, const char *path, const char *reference, int threads) {
    sk_dna_bam_opts o = {.reference = reference, .threads = threads, .exclude_flags = 0x900};
    return sk_seqin_open_opts(out, path, &o, 0);
}

int sk_seqin_open_opts(sk_seqin **out, const char *path, const sk_dna_bam_opts *o, int any) {
    *out = NULL;
    int kind = sk_seqin_kind(path);
    struct hFILE *hf = NULL;
    int rc;
    /* A pipe has no useful name: what it holds is told by its first bytes. */
    if (!kind && sk_dna_is_stream(path) && (rc = sk_dna_sniff(path, &hf, &kind))) return rc;
    if (!kind && any) kind = 1;
    if (!kind)
        return sk_error(SK_EINVAL, "%s: unknown file type (expected FASTA .fa/.fasta/.fna/.ffn/.frn or FASTQ .fq/.fastq, "
                                   "optionally .gz/.bgz, or SAM/BAM/CRAM .sam/.bam/.cram)", path);
    sk_seqin *in = calloc(1, sizeof *in);
    if (!in) {
        if (hf) hclose_abruptly(hf);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    if (kind == 1) rc = hf ? sk_dna_reader_hopen(&in->fa, hf, path, 0, o->threads) : sk_dna_reader_open(&in->fa, path, 0, o->threads);
    else rc = hf ? sk_dna_bam_hopen(&in->bam, hf, path, o) : sk_dna_bam_open(&in->bam, path, o);
    if (!rc && kind == 1 && !hf) in->fa_path = strdup(path); /* NULL: no progress lengths, nothing else */
    if (rc) {
        free(in);
        return rc;
    }
    *out = in;
    return SK_OK;
}

sk_dna_reader *sk_seqin_reader(sk_seqin *in) { return in->fa; }
sk_dna_bam *sk_seqin_bam(sk_seqin *in) { return in->bam; }

int sk_seqin_next(sk_seqin *in, sk_seqrec *r) {
    if (in->fa) {
        sk_dna_record rec;
        int rc = sk_dna_reader_next(in->fa, &rec);
        if (rc) return rc;
        r->name = rec.name, r->seq = rec.seq, r->len = rec.len, r->aln = NULL;
        return SK_OK;
    }
    for (;;) {
        sk_dna_aln *a = &in->aln;
        int rc = sk_dna_bam_next(in->bam, a);
        if (rc) return rc;
        if (a->len <= 0) { /* no SEQ stored */
            in->skipped++;
            continue;
        }
        r->name = a->qname, r->seq = a->seq, r->len = a->len, r->aln = a;
        return SK_OK;
    }
}

void sk_seqin_close(sk_seqin *in) {
    if (!in) return;
    sk_dna_reader_close(in->fa);
    sk_dna_bam_close(in->bam);
    if (in->fai) fai_destroy(in->fai);
    free(in->fa_path);
    free(in);
}
int64_t sk_seqin_skipped(const sk_seqin *in) { return in->skipped; }

int sk_seqin_head(sk_seqin *in, sk_seqrec *r) {
    if (in->fa) {
        sk_dna_record rec;
        int rc = sk_dna_reader_head(in->fa, &rec);
        if (rc) return rc;
        r->name = rec.name, r->seq = NULL, r->len = 0, r->aln = NULL;
        return SK_OK;
    }
    int rc = sk_seqin_next(in, r); /* a read: held whole, handed out as one piece */
    in->aln_seq = rc ? NULL : r->seq, in->aln_len = rc ? 0 : r->len;
    if (!rc) r->seq = NULL, r->len = 0;
    return rc;
}

int sk_seqin_bases(sk_seqin *in, const char **seq, int64_t *n) {
    if (in->fa) return sk_dna_reader_bases(in->fa, seq, n);
    *seq = in->aln_seq, *n = in->aln_len;
    in->aln_seq = NULL, in->aln_len = 0;
    return *n ? SK_OK : SK_EOF;
}

/* The length of record `name` of a FASTA file from its index when one is already there (never
 * built here; loaded on the first call), else 0: what the progress line shows of a record read
 * in pieces. */
static int64_t seqin_len(sk_seqin *in, const char *name) {
    char *fai = in->fa_path ? malloc(strlen(in->fa_path) + 5) : NULL;
    struct stat st;
    if (fai) sprintf(fai, "%s.fai", in->fa_path);
    if (fai && !stat(fai, &st) && S_ISREG(st.st_mode)) {
        enum htsLogLevel lv = hts_get_log_level();
        hts_set_log_level(HTS_LOG_OFF);
        in->fai = fai_load3(in->fa_path, fai, NULL, 0);
        hts_set_log_level(lv);
    }
    free(fai);
    free(in->fa_path), in->fa_path = NULL; /* one try */
    const int64_t len = in->fai ? faidx_seq_len(in->fai, name) : 0;
    return len > 0 ? len : 0;
}

int sk_seqin_stream(sk_seqin *in, sk_stream *s, int tok_flags, int64_t *n) {
    enum { BLK = 65536 }; /* a record longer than this is shown by name in the progress line */
    int32_t *tok = malloc(SK_DNA_PIECE * sizeof(int32_t));
    if (!tok) return sk_error(SK_ENOMEM, "stream: out of memory");
    int64_t k = 0;
    sk_seqrec r;
    int rc;
    while (!(rc = sk_seqin_head(in, &r))) {
        k++;
        /* a record comes in pieces: its length from the FASTA's index when there is one (a read's now) */
        const sk_progress *pg = sk_stream_progress(s); /* only a line drawn needs the length */
        const int64_t len = r.len || !pg || !pg->enabled ? r.len : seqin_len(in, r.name);
        const int named = len > BLK; /* long enough to follow by name */
        sk_progress_item(sk_stream_progress(s), named ? r.name : NULL, named ? len : 0);
        rc = sk_stream_begin(s, r.name);
        const char *seq;
        int64_t m;
        while (!rc && !(rc = sk_seqin_bases(in, &seq, &m)))
            for (int64_t b = 0; b < m && !rc; b += SK_DNA_PIECE) { /* a piece may be a longer line */
                int64_t nb = m - b < SK_DNA_PIECE ? m - b : SK_DNA_PIECE;
                for (int64_t i = 0; i < nb; i++) tok[i] = sk_dna_token((unsigned char)seq[b + i], tok_flags);
                rc = sk_stream_put(s, tok, nb);
            }
        if (rc == SK_EOF) rc = sk_stream_end(s);
        if (rc) break;
    }
    free(tok);
    if (n) *n = k;
    return rc == SK_EOF ? SK_OK : rc;
}

int sk_dna_fasta_stream(sk_dna_fasta *f, int i, int64_t beg, int64_t end, int rc_strand, int tok_flags, sk_stream *s) {
    int32_t *tok = malloc(SK_DNA_PIECE * sizeof(int32_t));
    int rc = tok ? SK_OK : sk_error(SK_ENOMEM, "stream: out of memory");
    for (int64_t k = 0; k < end - beg && !rc; k += SK_DNA_PIECE) {
        int64_t nb = end - beg - k < SK_DNA_PIECE ? end - beg - k : SK_DNA_PIECE;
        int64_t b = rc_strand ? end - k - nb : beg + k;
        char *seq = NULL;
        if ((rc = sk_dna_fasta_fetch(f, i, b, b + nb, &seq))) break;
        if (rc_strand) sk_dna_revcomp(seq, nb);
        for (int64_t j = 0; j < nb; j++) tok[j] = sk_dna_token((unsigned char)seq[j], tok_flags);
        free(seq);
        rc = sk_stream_put(s, tok, nb);
    }
    free(tok);
    return rc;
}

int sk_dna_run_files(char *const *paths, int n, const char *reference, int threads, sk_winrun *w, sk_stream *s,
                     int tok_flags, int say_no_seq, int64_t *skipped) {
    return sk_dna_run_files_each(paths, n, reference, threads, w, s, tok_flags, say_no_seq, skipped, NULL, NULL);
}

int sk_dna_run_files_each(char *const *paths, int n, const char *reference, int threads, sk_winrun *w, sk_stream *s,
                          int tok_flags, int say_no_seq, int64_t *skipped, sk_seqrec_fn each, void *ctx) {
    int rc = SK_OK;
    int64_t skip = 0;
    for (int i = 0; i < n && !rc; i++) {
        sk_seqin *in;
        if ((rc = sk_seqin_open(&in, paths[i], reference, threads))) break;
        sk_seqrec r;
        int64_t k = 0;
        if (!w) rc = sk_seqin_stream(in, s, tok_flags, &k);
        else {
            while (!(rc = sk_seqin_next(in, &r)) && !(rc = each ? each(ctx, &r) : SK_OK) && !(rc = sk_winrun_add(w, r.name, r.seq, r.len)))
                k++;
            if (rc == SK_EOF) rc = SK_OK;
        }
        if (!rc && k == 0)
            rc = sk_error(SK_EFORMAT, "%s: no records with a sequence%s", paths[i],
                          say_no_seq && sk_seqin_skipped(in) ? " (all SAM/BAM/CRAM records lack SEQ)" : "");
        skip += sk_seqin_skipped(in);
        sk_seqin_close(in);
    }
    if (!rc && w) rc = sk_winrun_finish(w);
    if (!rc && !w) rc = sk_stream_finish(s);
    if (skipped) *skipped = skip;
    return rc;
}

/* ================================ window runner ============================================ */

typedef struct wrec {
    char *name;
    int64_t len, nwin, rows_done, rows_total;
    int padded;
    int64_t *beg;   /* (nwin) */
    double *acc;    /* keep_windows: (nwin, V) sums over strands; else (V) sum over all rows */
} wrec;

struct sk_winrun {
    sk_winrun_opts o;
    int64_t V, nstr;
    sk_winrun_compute_fn compute;
    sk_winrun_emit_fn emit;
    void *ctx;
    int32_t *tok;       /* (batch, L) */
    int64_t *row_rec;   /* (batch) record sequence number */
    int64_t *row_win;   /* (batch) window index */
    double *out;        /* (batch, V) */
    int64_t nrows;
    wrec **q;           /* pending records; q[0] has sequence number head */
    int64_t nq, capq, head;
    double *mean, *win; /* (V), emit scratch (nwin * V grows) */
    int64_t win_cap;
    int64_t n_records, n_windows, n_skipped, n_padded;
};

int sk_winrun_create(sk_winrun **out, const sk_winrun_opts *o, int64_t V, sk_winrun_compute_fn compute,
                     sk_winrun_emit_fn emit, void *ctx) {
    *out = NULL;
    if (o->length < 1 || o->stride < 1 || o->batch < 1 || V < 1)
        return sk_error(SK_EINVAL, "windows: length, stride and batch must be >= 1");
    sk_winrun *w = calloc(1, sizeof *w);
    if (!w) return sk_error(SK_ENOMEM, "windows: out of memory");
    w->o = *o, w->V = V, w->nstr = o->rc_average ? 2 : 1, w->compute = compute, w->emit = emit, w->ctx = ctx;
    w->tok = malloc((size_t)(o->batch * o->length) * sizeof(int32_t));
    w->row_rec = malloc((size_t)o->batch * sizeof(int64_t));
    w->row_win = malloc((size_t)o->batch * sizeof(int64_t));
    w->out = malloc((size_t)(o->batch * V) * sizeof(double));
    w->mean = malloc((size_t)V * sizeof(double));
    if (!w->tok || !w->row_rec || !w->row_win || !w->out || !w->mean) {
        sk_winrun_free(w);
        return sk_error(SK_ENOMEM, "windows: out of memory for a batch of %lld x %lld", (long long)o->batch,
                        (long long)o->length);
    }
    *out = w;
    return SK_OK;
}

static void wrec_free(wrec *r) {
    if (!r) return;
    free(r->name), free(r->beg), free(r->acc), free(r);
}

void sk_winrun_free(sk_winrun *w) {
    if (!w) return;
    for (int64_t i = 0; i < w->nq; i++) wrec_free(w->q[i]);
    free(w->q), free(w->tok), free(w->row_rec), free(w->row_win), free(w->out), free(w->mean), free(w->win);
    free(w);
}

void sk_winrun_counts(const sk_winrun *w, int64_t *records, int64_t *windows, int64_t *skipped, int64_t *padded) {
    if (records) *records = w->n_records;
    if (windows) *windows = w->n_windows;
    if (skipped) *skipped = w->n_skipped;
    if (padded) *padded = w->n_padded;
}

/* Emit the leading records whose rows are all computed. */
static int emit_ready(sk_winrun *w) {
    const int64_t V = w->V;
    int64_t k = 0;
    int rc = 0;
    while (k < w->nq && !rc && w->q[k]->rows_done == w->q[k]->rows_total) {
        wrec *r = w->q[k];
        sk_winrun_rec e = {.name = r->name, .len = r->len, .nwin = r->nwin, .padded = r->padded, .beg = r->beg,
                           .mean = w->mean};
        for (int64_t v = 0; v < V; v++) w->mean[v] = 0;
        if (r->nwin && w->o.keep_windows) {
            /* window vector = mean over its strands; record = mean over windows */
            for (int64_t i = 0; i < r->nwin * V; i++) r->acc[i] /= (double)w->nstr;
            for (int64_t i = 0; i < r->nwin; i++)
                for (int64_t v = 0; v < V; v++) w->mean[v] += r->acc[i * V + v];
            e.win = r->acc;
        } else if (r->nwin) {
            for (int64_t v = 0; v < V; v++) w->mean[v] = r->acc[v] / (double)w->nstr;
        }
        for (int64_t v = 0; r->nwin && v < V; v++) w->mean[v] /= (double)r->nwin;
        rc = w->emit(w->ctx, &e);
        if (w->o.progress_records) sk_progress_add(w->o.progress, 1);
        wrec_free(r);
        w->q[k++] = NULL;
    }
    if (k) {
        memmove(w->q, w->q + k, (size_t)(w->nq - k) * sizeof *w->q);
        w->nq -= k, w->head += k;
    }
    return rc;
}

static int run_batch(sk_winrun *w) {
    const int64_t V = w->V;
    if (w->nrows) {
        TRY(w->compute(w->ctx, w->tok, w->nrows, w->o.length, w->out));
        for (int64_t i = 0; i < w->nrows; i++) {
            wrec *r = w->q[w->row_rec[i] - w->head];
            /* rows are added to the sums in input order, whatever the batch size */
            double *acc = w->o.keep_windows ? r->acc + w->row_win[i] * V : r->acc;
            for (int64_t v = 0; v < V; v++) acc[v] += w->out[i * V + v];
            r->rows_done++;
        }
        w->n_windows += w->nrows / w->nstr;
        if (!w->o.progress_records) sk_progress_add(w->o.progress, w->nrows / w->nstr);
        w->nrows = 0;
    }
    return emit_ready(w);
}

int sk_winrun_add(sk_winrun *w, const char *name, const char *seq, int64_t len) {
    const int64_t L = w->o.length, V = w->V;
    int64_t nwin = sk_dna_tiles(len, L, w->o.stride, w->o.short_policy, NULL);
    wrec *r = calloc(1, sizeof *r);
    if (!r) return sk_error(SK_ENOMEM, "windows: out of memory");
    r->name = strdup(name), r->len = len, r->nwin = nwin, r->rows_total = nwin * w->nstr;
    r->padded = nwin == 1 && len < L;
    r->beg = malloc((size_t)(nwin ? nwin : 1) * sizeof(int64_t));
    r->acc = calloc((size_t)((w->o.keep_windows ? nwin : 1) * V + 1), sizeof(double));
    if (w->nq == w->capq) {
        int64_t c = w->capq ? 2 * w->capq : 64;
        wrec **q = realloc(w->q, (size_t)c * sizeof *q);
        if (q) w->q = q, w->capq = c;
    }
    if (!r->name || !r->beg || !r->acc || w->nq == w->capq) {
        wrec_free(r);
        return sk_error(SK_ENOMEM, "windows: out of memory for record %s", name);
    }
    sk_dna_tiles(len, L, w->o.stride, w->o.short_policy, r->beg);
    int64_t seqno = w->head + w->nq;
    if (!w->o.progress_records) { /* a record of several batches is shown by name */
        const int named = nwin * w->nstr > w->o.batch;
        sk_progress_item(w->o.progress, named ? name : NULL, named ? nwin : 0);
    }
    w->q[w->nq++] = r;
    w->n_records++;
    w->n_skipped += nwin == 0;
    w->n_padded += r->padded;
    for (int64_t i = 0; i < nwin; i++)
        for (int s = 0; s < w->nstr; s++) {
            int64_t b = r->beg[i], e = b + L < len ? b + L : len;
            sk_dna_window_ids(seq, b, e, L, s, w->o.tok_flags, w->tok + w->nrows * L);
            w->row_rec[w->nrows] = seqno, w->row_win[w->nrows] = i;
            if (++w->nrows == w->o.batch) TRY(run_batch(w));
        }
    return nwin ? SK_OK : emit_ready(w);
}

int sk_winrun_finish(sk_winrun *w) { return run_batch(w); }

/* ================================ metadata ================================================= */

char *sk_dna_tokenizer_json(int flags) {
    int n;
    const char *const *v = sk_dna_vocab(flags, &n);
    cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
    if (!o || !a) {
        cJSON_Delete(o), cJSON_Delete(a);
        return NULL;
    }
    cJSON_AddStringToObject(o, "name", "dna-char");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    cJSON_AddItemToObject(o, "vocab", a);
    cJSON_AddBoolToObject(o, "keep_case", (flags & SK_DNA_KEEP_CASE) != 0);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

int sk_dna_tokenizer_parse(const char *json, const char *what, int *flags, int64_t *vocab) {
    cJSON *j;
    TRY(sk_json_parse(json, (int64_t)strlen(json), what, &j));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name"), *kc = cJSON_GetObjectItemCaseSensitive(j, "keep_case");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "vocab");
    int rc = SK_OK;
    if (!cJSON_IsString(name) || strcmp(name->valuestring, "dna-char"))
        rc = sk_error(SK_EUNSUP, "%s: not the DNA character tokenizer (\"name\": \"dna-char\")", what);
    *flags = cJSON_IsTrue(kc) ? SK_DNA_KEEP_CASE : 0;
    int n;
    const char *const *want = sk_dna_vocab(*flags, &n);
    if (!rc && (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != n))
        rc = sk_error(SK_EFORMAT, "%s: \"vocab\" must list the %d tokens of this tokenizer", what, n);
    for (int i = 0; i < n && !rc; i++) {
        const cJSON *t = cJSON_GetArrayItem(v, i);
        if (!cJSON_IsString(t) || strcmp(t->valuestring, want[i]))
            rc = sk_error(SK_EFORMAT, "%s: token %d is not \"%s\": a different vocabulary than this ssmkit's", what, i, want[i]);
    }
    *vocab = n;
    cJSON_Delete(j);
    return rc;
}

void sk_dna_pool_window(const float *h, const int32_t *tok, int64_t L, int64_t d, int last, double *o) {
    if (last) { /* h[L-1, :] */
        for (int64_t j = 0; j < d; j++) o[j] = h[(L - 1) * d + j];
        return;
    }
    int64_t n = 0; /* mean over the positions that are not [PAD] */
    for (int64_t j = 0; j < d; j++) o[j] = 0;
    for (int64_t t = 0; t < L; t++) {
        if (tok[t] == SK_DNA_PAD) continue;
        n++;
        for (int64_t j = 0; j < d; j++) o[j] += h[t * d + j];
    }
    for (int64_t j = 0; j < d; j++) o[j] /= (double)(n ? n : 1);
}

int sk_dna_tokenizer_meta(const char *json, const char *model, int *flags, int64_t *vocab) {
    char what[1100];
    snprintf(what, sizeof what, "%s: __metadata__.tokenizer", model);
    return sk_dna_tokenizer_parse(json, what, flags, vocab);
}

int64_t sk_dna_provenance_length(const char *json) {
    int64_t L = 0;
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    const cJSON *l = j ? cJSON_GetObjectItemCaseSensitive(j, "length") : NULL;
    if (cJSON_IsNumber(l) && l->valuedouble >= 1) L = (int64_t)l->valuedouble;
    cJSON_Delete(j);
    return L;
}

char *sk_dna_provenance_json(const char *const *inputs, int n, const char *bed, const char *window_mode, int64_t length,
                             uint64_t seed, int argc, char **argv) {
    cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray(), *cmd = cJSON_CreateArray();
    if (!o || !a || !cmd) {
        cJSON_Delete(o), cJSON_Delete(a), cJSON_Delete(cmd);
        return NULL;
    }
    cJSON_AddStringToObject(o, "ssmkit_version", SSMKIT_VERSION);
    for (int i = 0; i < n; i++) {
        cJSON *f = cJSON_CreateObject();
        struct stat sb;
        cJSON_AddStringToObject(f, "path", inputs[i]);
        cJSON_AddNumberToObject(f, "bytes", stat(inputs[i], &sb) == 0 ? (double)sb.st_size : -1);
        cJSON_AddItemToArray(a, f);
    }
    cJSON_AddItemToObject(o, "inputs", a);
    if (bed) {
        struct stat sb;
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", bed);
        cJSON_AddNumberToObject(f, "bytes", stat(bed, &sb) == 0 ? (double)sb.st_size : -1);
        cJSON_AddItemToObject(o, "bed", f);
    } else cJSON_AddNullToObject(o, "bed");
    if (window_mode) cJSON_AddStringToObject(o, "window_mode", window_mode);
    else cJSON_AddNullToObject(o, "window_mode");
    cJSON_AddNumberToObject(o, "length", (double)length);
    char sd[32];
    snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed); /* as a string: JSON numbers lose 64-bit seeds */
    cJSON_AddStringToObject(o, "seed", sd);
    for (int i = 0; i < argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    cJSON_AddItemToObject(o, "command", cmd);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
