/* cmd_classify.c — `ssmkit classify`: class probabilities of DNA windows and records with a
 * fine-tuned classifier (models/sk_classifier.h), streaming FASTA/FASTQ/SAM/BAM/CRAM. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/sk_cli.h"

#ifdef SSMKIT_HAVE_GENOMICS

static const char *usage =
    "Usage: ssmkit classify -m MODEL [options] INPUT...\n"
    "\n"
    "Predict the class of DNA sequences with a classifier from `ssmkit finetune`. Each record (FASTA/\n"
    "FASTQ record, or SAM/BAM/CRAM read: SEQ as stored; secondary and supplementary records skipped)\n"
    "is cut into windows of --length bases every --stride bases; a last window ending at the record's\n"
    "end covers any tail. Window probabilities come from the model's last position; a record's are\n"
    "softmax(mean over its windows of the log-probabilities). Records are written as they finish.\n"
    "\n"
    "Output (TSV, to stdout or -o): a header line, then one row per record, or per window with\n"
    "--windows:  record  start  end  predicted  p_<class1>  p_<class2> ...\n"
    "(0-based half-open coordinates within the record; a record row spans [0, length)). Lines\n"
    "starting with '#' say how short records were handled. --bed writes BED6 instead: one line per\n"
    "window, name = predicted class, score = round(1000 * its probability), strand '.'. For mapped\n"
    "reads (SAM/BAM/CRAM) the BED is in reference coordinates: a window covers the reference span from\n"
    "its first to its last base aligned to the reference (M, = or X; deletions between them included,\n"
    "soft-clipped or inserted bases at its edges take none), on the read's chromosome, strand its\n"
    "strand; windows of unmapped reads or with no aligned base are left out (counted on stderr).\n"
    "\n"
    "Whole records (--whole): each record is classified as one sequence, whatever its length (a\n"
    "chromosome): it is streamed through the model in chunks of --chunk bases with the recurrent\n"
    "state carried (records are packed end to end, the state reset at each record's start), and\n"
    "its class comes from the last base's hidden state (the mean over all its bases for a --pool\n"
    "mean classifier). Memory is O(chunk); one row per record. With --rc-average each record is also\n"
    "classified as its reverse complement, read from its end (an indexed FASTA: plain or bgzip), and\n"
    "the two strands' log-probabilities are averaged.\n"
    "\n"
    "Options:\n";

#include "genomics/sk_dna_run.h"
#include "models/sk_classifier.h"
#include "models/sk_model.h"
#include "src/sk_out.h"
#include "src/sk_safetensors.h"
#include "src/sk_stream.h"
#include "kernels/sk_runtime.h"

/* --bed on alignments: the mapping of each record added to the window runner and not yet emitted
 * (records are emitted in input order), so its windows get reference coordinates. */
typedef struct aln_map {
    int is_aln;         /* 1: a SAM/BAM/CRAM record (0: FASTA/FASTQ, BED in read coordinates) */
    char *chrom;        /* NULL: not mapped */
    int64_t pos;
    int reverse;        /* mapped to the reverse strand */
    uint32_t *cigar;
    int n_cigar;
} aln_map;

typedef struct cls_ctx {
    sk_classifier *clf;
    sk_out out;
    int K, windows, bed;
    aln_map *q;          /* --bed: FIFO of the records in the runner */
    int64_t q0, qn, qcap; /* first entry, entries, capacity (ring) */
    int64_t bed_unmapped, bed_unaligned; /* windows left out of the BED: unmapped reads, no aligned base */
    double *p;  /* (K) */
    char *line; /* output line buffer */
    size_t line_cap;
} cls_ctx;

/* --whole: one chunk of the packed record stream through the backbone with the state carried;
 * a record ending in it gets the head on its last position (pool "last") or on the mean of all
 * its positions' hidden states, summed chunk by chunk (pool "mean"). */
typedef struct whole_ctx {
    cls_ctx *c;
    sk_mamba_lm_state *st;
    double *logp; /* (K) */
    int64_t len;  /* bases of the current record so far */
    float *hid;   /* pool mean: (chunk, d) host copy of the chunk's hidden states */
    sk_rpool pool; /* pool mean: the current record's (pool.acc NULL for pool last) */
    double *mean;  /* pool mean: (d) */
    float *meanf;  /* pool mean: (d) */
    double *capture; /* --rc-average: the record's log-probabilities go here instead of a row */
} whole_ctx;

static int row(cls_ctx *c, const char *name, int64_t beg, int64_t end, const double *logp);

static int whole_chunk(void *vctx, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t n,
                       const sk_stream_piece *pc, int64_t np) {
    whole_ctx *w = vctx;
    (void)tgt;
    sk_mamba_lm *lm = sk_classifier_backbone(w->c->clf);
    const int64_t d = sk_mamba_lm_config(lm)->blk.d_model;
    int rc = sk_mamba_lm_forward_hidden_state(lm, tok, 1, n, reset, w->st);
    if (!rc && w->pool.acc) rc = sk_mamba_lm_backend(lm)->download(w->hid, sk_mamba_lm_hidden(lm), (size_t)(n * d) * sizeof(float));
    for (int64_t i = 0; i < np && !rc; i++) {
        w->len += pc[i].n;
        if (w->pool.acc) sk_rpool_add(&w->pool, w->hid + pc[i].off * d, pc[i].n);
        if (!pc[i].last) continue;
        int64_t pos = pc[i].off + pc[i].n - 1;
        if (w->pool.acc) {
            sk_rpool_take(&w->pool, w->mean);
            for (int64_t j = 0; j < d; j++) w->meanf[j] = (float)w->mean[j];
            rc = sk_classifier_head_on(w->c->clf, w->meanf, 1);
        } else rc = sk_classifier_head_at(w->c->clf, &pos, 1);
        if (!rc) rc = sk_classifier_logprobs(w->c->clf, w->logp);
        if (!rc && w->capture) memcpy(w->capture, w->logp, (size_t)w->c->K * sizeof(double));
        else if (!rc) rc = row(w->c, pc[i].name, 0, w->len, w->logp);
        w->len = 0;
    }
    return rc;
}

/* The carried state, the head's output and, for a pool mean classifier, the running mean of
 * chunks of L positions. */
static int whole_setup(whole_ctx *w, int64_t L) {
    sk_classifier *clf = w->c->clf;
    int rc = sk_mamba_lm_state_create(sk_classifier_backbone(clf), 1, &w->st);
    if (!rc && !(w->logp = malloc((size_t)w->c->K * sizeof(double)))) rc = sk_error(SK_ENOMEM, "classify: out of memory");
    if (!rc && sk_classifier_pool(clf) == SK_POOL_MEAN) {
        const int64_t d = sk_mamba_lm_config(sk_classifier_backbone(clf))->blk.d_model;
        rc = sk_rpool_init(&w->pool, 0, d);
        w->hid = malloc((size_t)(L * d) * sizeof(float)), w->mean = malloc((size_t)d * sizeof(double));
        w->meanf = malloc((size_t)d * sizeof(float));
        if (!rc && (!w->hid || !w->mean || !w->meanf)) rc = sk_error(SK_ENOMEM, "classify: out of memory");
    }
    return rc;
}

static void whole_free(whole_ctx *w) {
    sk_mamba_lm_state_free(w->st);
    free(w->logp), free(w->hid), free(w->mean), free(w->meanf);
    sk_rpool_free(&w->pool);
}

static int compute(void *vctx, const int32_t *tok, int64_t b, int64_t L, double *out) {
    cls_ctx *c = vctx;
    int rc = sk_classifier_forward(c->clf, tok, NULL, b, L, NULL);
    return rc ? rc : sk_classifier_logprobs(c->clf, out);
}

/* p = softmax(logp) (renormalizes a mean of log-probabilities); returns the argmax. */
static int probs(const double *logp, int K, double *p) {
    int best = 0;
    double mx = logp[0], s = 0;
    for (int k = 1; k < K; k++)
        if (logp[k] > mx) mx = logp[k], best = k;
    for (int k = 0; k < K; k++) s += (p[k] = exp(logp[k] - mx));
    for (int k = 0; k < K; k++) p[k] /= s;
    return best;
}

static int row(cls_ctx *c, const char *name, int64_t beg, int64_t end, const double *logp) {
    int best = probs(logp, c->K, c->p);
    if (c->bed) {
        long score = lround(1000 * c->p[best]);
        return sk_out_printf(&c->out, "%s\t%lld\t%lld\t%s\t%ld\t.\n", name, (long long)beg, (long long)end,
                             sk_classifier_class(c->clf, best), score);
    }
    int rc = sk_out_printf(&c->out, "%s\t%lld\t%lld\t%s", name, (long long)beg, (long long)end,
                           sk_classifier_class(c->clf, best));
    for (int k = 0; k < c->K && !rc; k++) rc = sk_out_printf(&c->out, "\t%.9g", c->p[k]);
    return rc ? rc : sk_out_printf(&c->out, "\n");
}

/* --bed: remember how each record maps (before the runner gets it). */
static int push_aln(void *vctx, const sk_seqrec *r) {
    cls_ctx *c = vctx;
    if (c->qn == c->qcap) { /* grow the ring, unrolled to start at 0 */
        int64_t cap = c->qcap ? 2 * c->qcap : 64;
        aln_map *q = malloc((size_t)cap * sizeof *q);
        if (!q) return sk_error(SK_ENOMEM, "classify: out of memory");
        for (int64_t i = 0; i < c->qn; i++) q[i] = c->q[(c->q0 + i) % c->qcap];
        free(c->q);
        c->q = q, c->q0 = 0, c->qcap = cap;
    }
    aln_map *m = &c->q[(c->q0 + c->qn++) % c->qcap];
    *m = (aln_map){0};
    const sk_dna_aln *a = r->aln;
    m->is_aln = a != NULL;
    if (!a || (a->flag & 0x4) || a->pos < 0 || !a->n_cigar) return SK_OK; /* not mapped */
    m->pos = a->pos, m->reverse = (a->flag & 0x10) != 0, m->n_cigar = a->n_cigar;
    m->chrom = strdup(a->chrom);
    m->cigar = malloc((size_t)a->n_cigar * sizeof *m->cigar);
    if (!m->chrom || !m->cigar) return sk_error(SK_ENOMEM, "classify: out of memory");
    memcpy(m->cigar, a->cigar, (size_t)a->n_cigar * sizeof *m->cigar);
    return SK_OK;
}

static void free_aln(aln_map *m) { free(m->chrom), free(m->cigar), *m = (aln_map){0}; }

/* A BED line of a window of an alignment: its reference span and the read's strand. */
static int bed_aln(cls_ctx *c, const aln_map *m, int64_t beg, int64_t end, const double *logp) {
    int64_t rb, re;
    if (!m->chrom) return c->bed_unmapped++, SK_OK;
    if (sk_dna_aln_ref_span(m->cigar, m->n_cigar, m->pos, beg, end, &rb, &re)) return c->bed_unaligned++, SK_OK;
    int best = probs(logp, c->K, c->p);
    return sk_out_printf(&c->out, "%s\t%lld\t%lld\t%s\t%ld\t%c\n", m->chrom, (long long)rb, (long long)re,
                         sk_classifier_class(c->clf, best), lround(1000 * c->p[best]), m->reverse ? '-' : '+');
}

static int emit(void *vctx, const sk_winrun_rec *r) {
    cls_ctx *c = vctx;
    int rc = SK_OK;
    aln_map m = {0};
    if (c->q) { /* --bed: this record's mapping, first in the FIFO */
        m = c->q[c->q0];
        c->q0 = (c->q0 + 1) % c->qcap, c->qn--;
    }
    const int aln = c->bed && m.is_aln;
    if (c->windows || c->bed) {
        for (int64_t i = 0; i < r->nwin && !rc; i++) {
            int64_t beg = r->beg[i], end = beg + sk_classifier_max_len(c->clf);
            if (end > r->len) end = r->len;
            rc = aln ? bed_aln(c, &m, beg, end, r->win + i * c->K) : row(c, r->name, beg, end, r->win + i * c->K);
        }
    } else if (r->nwin) rc = row(c, r->name, 0, r->len, r->mean);
    free_aln(&m);
    return rc;
}

/* The comment lines (not for --bed) and the column header before the rows. */
static int write_header(cls_ctx *c, const char *model, const sk_winrun_opts *wo, int whole) {
    int rc = SK_OK;
    if (whole) rc = sk_out_printf(&c->out, "# ssmkit classify: model %s, whole records streamed in chunks of %lld "
                                           "bases (state carried; class from the last base%s)\n", model, (long long)wo->length,
                                  wo->rc_average ? "; log-probabilities averaged with the reverse complement's" : "");
    if (!rc && !c->bed && !whole) {
        rc = sk_out_printf(&c->out, "# ssmkit classify: model %s, length %lld, stride %lld%s; records shorter than the "
                                    "length are %s\n", model, (long long)wo->length, (long long)wo->stride,
                           wo->rc_average ? ", reverse-complement averaged" : "",
                           wo->short_policy == SK_DNA_SHORT_PAD ? "left-padded with [PAD] to one window" : "skipped");
    }
    if (!rc && !c->bed) {
        rc = sk_out_printf(&c->out, "record\tstart\tend\tpredicted");
        for (int k = 0; k < c->K && !rc; k++) rc = sk_out_printf(&c->out, "\tp_%s", sk_classifier_class(c->clf, k));
        if (!rc) rc = sk_out_printf(&c->out, "\n");
    }
    return rc;
}

/* --whole --rc-average: every record of indexed FASTA files classified on both strands, one after
 * the other (the reverse complement read from the record's end, in pieces); its log-probabilities
 * are the mean of the two, as --rc-average does for windows. *nrec, *nbase: records and bases. */
static int whole_rc(whole_ctx *w, sk_stream *s, char *const *paths, int n, int tok_flags, int64_t *nrec, int64_t *nbase) {
    const int K = w->c->K;
    double *lp = malloc((size_t)(2 * K) * sizeof(double));
    int rc = lp ? SK_OK : sk_error(SK_ENOMEM, "classify: out of memory");
    for (int f = 0; f < n && !rc; f++) {
        sk_dna_fasta *fa = NULL;
        if (sk_dna_is_stream(paths[f]) || sk_seqin_kind(paths[f]) != 1)
            rc = sk_error(SK_EINVAL, "%s: --whole --rc-average reads the reverse strand from an indexed FASTA (plain or "
                                     "bgzip, a regular file; not a pipe, FASTQ or SAM/BAM/CRAM)", paths[f]);
        if (!rc) rc = sk_dna_fasta_open(&fa, paths[f]);
        for (int i = 0; fa && i < sk_dna_fasta_nseq(fa) && !rc; i++) {
            const char *name = sk_dna_fasta_name(fa, i);
            const int64_t len = sk_dna_fasta_len(fa, i);
            for (int strand = 0; strand < 2 && !rc; strand++) {
                w->capture = lp + strand * K;
                rc = sk_stream_begin(s, name);
                if (!rc) rc = sk_dna_fasta_stream(fa, i, 0, len, strand, tok_flags, s);
                if (!rc) rc = sk_stream_end(s);
                if (!rc) rc = sk_stream_finish(s);
            }
            for (int k = 0; k < K; k++) lp[k] = 0.5 * (lp[k] + lp[K + k]);
            w->capture = NULL;
            if (!rc) rc = row(w->c, name, 0, len, lp);
            (*nrec)++, *nbase += len;
        }
        sk_dna_fasta_close(fa);
    }
    free(lp);
    return rc;
}

/* The window length the model was fine-tuned on (provenance "length"), or 0. */
static int64_t trained_length(const char *model) {
    sk_st *st;
    if (sk_st_open(model, &st)) return 0;
    int64_t L = sk_dna_provenance_length(sk_st_meta(st, "provenance"));
    sk_st_close(st);
    return L;
}

/* A classifier on audio frames is not for DNA records: an error saying so. */
static int refuse_frames(const sk_classifier *clf, const char *model) {
    return sk_classifier_frame_dim(clf)
               ? sk_error(SK_EINVAL, "%s: a classifier of audio frames (frame_dim %d): classify takes DNA records",
                          model, sk_classifier_frame_dim(clf))
               : SK_OK;
}

int cmd_classify(int argc, char **argv) {
    const char *model = NULL, *outp = NULL, *ref = NULL, *device;
    int64_t L = 0, S = 0, B, threads, chunk = 0;
    int whole = 0, quiet = 0;
    sk_winrun_opts wo = {0};
    cls_ctx c = {0};
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "classifier checkpoint (ssmkit finetune)"),
        SK_O_DNA_WINDOWS(&L, "window length [the length the model was fine-tuned on]", &S, &wo.rc_average,
                         "average each window's log-probabilities with its reverse complement's", &wo.short_policy),
        SK_O_FLAG("windows", 'w', &c.windows, "one row per window instead of per record"),
        SK_O_FLAG("bed", 0, &c.bed, "BED6 output, one line per window"),
        SK_O_BATCH_WINDOWS(&B, "windows per model call"),
        SK_O_WHOLE(&whole, "whole records, streamed (above); not with --windows/--bed; with\n--rc-average: both strands (an indexed FASTA)"),
        SK_O_CHUNK_STREAM(&chunk, "--whole: bases per model call"),
        SK_O_OUTPUT(&outp, "FILE", "write here (atomically) instead of stdout"),
        SK_O_REFERENCE(&ref),
        SK_O_THREADS(&threads, "kernel and decompression threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_QUIET(&quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"classify", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!model) return sk_cli_usage("classify", "--model is required");
    if (optind >= argc) return sk_cli_usage("classify", "no input files");
    if (whole && (c.windows || c.bed || L || S))
        return sk_cli_usage("classify", "--whole classifies whole records: not with --windows, --bed, --length or --stride");
    if (!whole && chunk) return sk_cli_usage("classify", "--chunk needs --whole");
    if (whole) L = chunk ? chunk : 16384, B = 1; /* the model runs b = 1 x chunk */
    if (sk_model_expect(model, SK_MODEL_CLF_ONLY)) return sk_cli_fail(NULL);
    if (!L && !(L = trained_length(model))) {
        /* no length recorded: say so if it is a classifier, else why it is not one */
        const sk_backend *cpu = sk_backend_cpu();
        int bad = sk_classifier_load(&c.clf, model, cpu, 1, 1, 0) || refuse_frames(c.clf, model);
        sk_classifier_free(c.clf);
        if (bad) return sk_cli_fail(NULL);
        return sk_cli_usage("classify", "%s records no training length: give --length", model);
    }
    wo.length = L, wo.stride = S ? S : L, wo.batch = B, wo.keep_windows = c.windows || c.bed;
    sk_runtime_threads((int)threads);
    const sk_backend *be;
    if (sk_runtime_backend(device, &be)) return sk_cli_fail(NULL);
    if (sk_classifier_load(&c.clf, model, be, B, L, SK_MODEL_INFER) || refuse_frames(c.clf, model)) {
        sk_classifier_free(c.clf);
        return sk_cli_fail(NULL);
    }
    /* the tokenizer the model was trained with */
    const char *tj = sk_classifier_meta(c.clf, "tokenizer");
    int64_t vocab = 0;
    int rc = tj ? sk_dna_tokenizer_meta(tj, model, &wo.tok_flags, &vocab)
                : sk_error(SK_EFORMAT, "%s: no tokenizer in the metadata, so not a DNA classifier", model);
    if (!rc && vocab != sk_mamba_lm_config(sk_classifier_backbone(c.clf))->vocab_size)
        rc = sk_error(SK_EFORMAT, "%s: the tokenizer has %lld tokens but the model's vocabulary is %lld", model,
                      (long long)vocab, (long long)sk_mamba_lm_config(sk_classifier_backbone(c.clf))->vocab_size);
    c.K = sk_classifier_nclasses(c.clf);
    c.p = malloc((size_t)c.K * sizeof(double));
    if (!rc && !c.p) rc = sk_error(SK_ENOMEM, "classify: out of memory");
    if (!rc) rc = sk_out_open(&c.out, outp);
    int opened = !rc;
    if (!rc) rc = write_header(&c, model, &wo, whole);
    sk_winrun *w = NULL;
    sk_stream *ws = NULL;
    sk_progress pg;
    sk_progress_open(&pg, "classify", whole ? "bases" : "windows", 0, quiet);
    if (!outp) sk_progress_streams_stdout(&pg); /* rows to stdout as they come */
    wo.progress = &pg;
    whole_ctx wc = {.c = &c};
    if (!rc && !whole) rc = sk_winrun_create(&w, &wo, c.K, compute, emit, &c);
    if (!rc && whole) rc = whole_setup(&wc, L);
    if (!rc && whole) rc = sk_stream_create(&ws, L, whole_chunk, &wc);
    if (ws) sk_stream_set_progress(ws, &pg);
    int64_t skipped_aln = 0, rc_rec = 0, rc_base = 0;
    if (!rc && whole && wo.rc_average) rc = whole_rc(&wc, ws, argv + optind, argc - optind, wo.tok_flags, &rc_rec, &rc_base);
    else if (!rc) rc = sk_dna_run_files_each(argv + optind, argc - optind, ref, (int)threads, w, ws, wo.tok_flags, 1, &skipped_aln,
                                        c.bed ? push_aln : NULL, &c);
    if (!rc && (c.bed_unmapped || c.bed_unaligned))
        sk_log_info("classify --bed: %lld windows of unmapped reads and %lld windows without an aligned base left out",
                    (long long)c.bed_unmapped, (long long)c.bed_unaligned);
    sk_progress_end(&pg);
    int64_t nrec = 0, nwin = 0, nskip = 0, npad = 0, nbase = 0;
    if (w) sk_winrun_counts(w, &nrec, &nwin, &nskip, &npad);
    if (ws) sk_stream_counts(ws, &nrec, &nbase, NULL);
    if (whole && wo.rc_average) nrec = rc_rec, nbase = rc_base; /* each record went through the stream twice */
    if (!rc && whole)
        rc = sk_out_printf(&c.out, "# %lld records, %lld bases%s\n", (long long)nrec, (long long)nbase,
                           skipped_aln ? "; alignment records without SEQ skipped" : "");
    if (!rc && !c.bed && !whole)
        rc = sk_out_printf(&c.out, "# %lld records, %lld windows; %lld records shorter than %lld bases %s%s\n",
                           (long long)nrec, (long long)nwin, (long long)(npad + nskip), (long long)L,
                           nskip ? "skipped" : "padded", skipped_aln ? "; alignment records without SEQ skipped" : "");
    if (!rc) rc = sk_out_close(&c.out);
    else if (opened) sk_out_abort(&c.out);
    if (whole) sk_log_info("classify: %lld whole records, %lld bases", (long long)nrec, (long long)nbase);
    else sk_log_info("classify: %lld records, %lld windows, %lld short records %s", (long long)nrec, (long long)nwin,
                     (long long)(npad + nskip), nskip ? "skipped" : "padded");
    sk_winrun_free(w);
    sk_stream_free(ws);
    whole_free(&wc);
    sk_classifier_free(c.clf);
    for (int64_t i = 0; i < c.qn; i++) free_aln(&c.q[(c.q0 + i) % c.qcap]);
    free(c.q);
    free(c.p);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
#endif
