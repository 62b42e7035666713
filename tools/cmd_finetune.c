/* cmd_finetune.c — `ssmkit finetune`: train a DNA sequence classifier (models/sk_classifier.h)
 * from a pretrained Mamba LM (or from scratch) on the species sampler or on labelled sequences.
 * The defaults are the Mamba paper's species fine-tuning recipe: 10 epochs of 1024 steps, batch
 * 64, 5 epochs of linear warm-up, then cosine decay to 1e-6.
 *
 * The command sets up the genomics side (the window sampler, the evaluation sets, the window
 * runner that scores whole sequences) and trains through the one training loop
 * (models/sk_trainer.h) with two hooks: next_batch draws the windows, ft_evaluate scores the
 * valid and test sets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/sk_cli.h"

static const char *usage =
    "Usage: ssmkit finetune -o OUT [--init LM | --preset P | --config C] --species FASTA... [options]\n"
    "       ssmkit finetune -o OUT [--init LM | --preset P | --config C] --train TSV|FASTA\n"
    "                       [--valid FILE] [--test FILE] [options]\n"
    "\n"
    "Fine-tune a classifier: the backbone of a pretrained Mamba LM (--init: backbone loaded exactly,\n"
    "head new) or a fresh model (--preset, default dna-tiny; --config), then the last position's\n"
    "hidden state (or the mean over positions: --pool mean) -> Linear -> softmax over the classes. Defaults follow the Mamba paper App. E.3.4:\n"
    "10 epochs of 1024 steps, batch 64 held constant, AdamW, 5 epochs of linear warm-up to --lr then\n"
    "cosine decay to 1e-6. After every epoch (--eval-every) the accuracy and the confusion matrix\n"
    "on the valid and test sets are printed and logged; OUT holds the last model,\n"
    "STEM.best.safetensors the one with the best valid accuracy (STEM = OUT without .safetensors).\n"
    "\n"
    "Data (one of):\n"
    "      --species          the inputs are one indexed FASTA per species (class = position; names\n"
    "                         from --labels or the file names); training windows are drawn\n"
    "                         species -> record -> start, uniformly (ssmkit dna windows --species)\n"
    "      --labels A,B,...   species class names\n"
    "      --split-by S       position (default: first 80%% / next 10%% / last 10%% of each record)\n"
    "                         or chrom (--valid-chroms / --test-chroms record names)\n"
    "      --valid-chroms A,B --test-chroms C,D\n"
    "      --max-n F          drop windows with more than this fraction of N [0 = windows with N dropped]\n"
    "      --n-valid N, --n-test N   fixed valid/test windows drawn once from the seed [1024, 1024]\n"
    "      --train FILE       labelled sequences: TSV LABEL<TAB>SEQUENCE or FASTA with label=CLASS in\n"
    "                         the header; a training example is a random window of --length bases of\n"
    "                         a random sequence (shorter ones left-padded with [PAD])\n"
    "      --valid FILE, --test FILE  labelled sequences scored per sequence as `ssmkit classify`\n"
    "                         does (windows of --length, stride --length, mean log-probabilities)\n"
    "      --classes A,B,...  class list (default: the sorted labels of --train)\n"
    "\n"
    "Model and optimization:\n"
    "      --init LM          pretrained LM checkpoint (ssmkit train), mamba_ssm or HF folder\n"
    "  -p, --preset NAME      fresh model from a preset [dna-tiny]\n"
    "  -c, --config FILE      fresh model from a config JSON\n"
    "  -L, --length L         window length [1024]\n"
    "  -b, --batch B          windows per step [64]\n"
    "      --epochs N         [10]\n"
    "      --steps-per-epoch N  [1024]\n"
    "      --lr LR            peak learning rate [1e-4]\n"
    "      --min-lr LR        cosine floor [1e-6]\n"
    "      --warmup-epochs N  linear warm-up epochs [epochs / 2]\n"
    "      --weight-decay W   AdamW decoupled decay (not on A_log, D, norms, biases) [0.1]\n"
    "      --clip C           global gradient-norm clipping, 0 = off [1.0]\n"
    "      --pool P           last (the paper's head) or mean (average of the hidden states of the\n"
    "                         non-[PAD] positions; generalises better from little labelled data) [last]\n"
    "      --rc-aug           reverse-complement each training window with probability 1/2\n"
    "      --keep-case        lowercase bases as their own tokens (the pretrained LM must agree)\n"
    "      --eval-every N     steps between evaluations [steps per epoch]\n"
    "      --log FILE         JSON-lines log [STEM.log.jsonl]\n"
    "  -s, --seed S           head init, sampling and fixed valid/test windows [1]\n"
    "  -@, --threads T        kernel threads, 0 = all cores [0]\n"
    "      --device D         cpu | cuda [cpu]\n"
    "  -q, --quiet            no progress lines on stderr\n"
    "  -o, --output OUT       classifier checkpoint to write (required)\n"
    "  -h, --help             show this help\n";

#ifndef SSMKIT_HAVE_GENOMICS
int cmd_finetune(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) fputs(usage, stdout);
    sk_error(SK_EUNSUP, "finetune: the genomics front-end is not built into this binary (install libhts-dev and "
             "zlib1g-dev, then reconfigure and rebuild)");
    return sk_cli_fail(NULL);
}
#else

#include <cjson/cJSON.h>
#include "models/sk_classifier.h"
#include "models/sk_train_eval.h"
#include "src/sk_rng.h"
#include "src/sk_sched.h"
#include "tools/sk_dnarun.h"
#include "tools/sk_lm.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_) return rc_;                                                                       \
    } while (0)

/* An evaluation set: sequences with labels, scored per sequence through the window runner. */
typedef struct evalset {
    const char *name;            /* "valid" / "test" */
    int64_t n;
    char **seq;                  /* (n) bases (owned when from the species sampler) */
    int64_t *len;
    int32_t *label;
    int own;
} evalset;

/* The options of `ssmkit finetune` after parsing. */
typedef struct ft_opts {
    const char *init, *preset, *config, *labels, *vchr, *tchr, *trainp, *validp, *testp, *classes, *logp, *out;
    const char *device;
    int species, split_by, quiet, pool;
    int64_t L, B, epochs, spe, we, eval_every, seed, threads, n_valid, n_test; /* eval_every 0: spe */
    double lr, min_lr, max_n;
    sk_optim_hparams hp;
    int nin;                  /* --species: the FASTA files */
    char *const *inputs;
    int argc;                 /* the command line, for the provenance */
    char **argv;
} ft_opts;

typedef struct ft {
    sk_classifier *clf;
    int K;
    int64_t L, B;
    int tok_flags, rc_aug, quiet;
    /* data */
    sk_dna_species *sp;
    sk_dna_labelled *tr, *vl, *tl;
    evalset ev[2];
    sk_rng rng;                  /* training draws */
    uint8_t *ids;                /* (L) one window's tokens */
    /* class names */
    char **cls, **stems;
    const char **names;
    /* scoring: the set being scored, its next sequence, the scores of valid and test */
    const evalset *cur;
    int64_t next;
    sk_train_confusion sc[2];
    /* checkpoint metadata: tokenizer, provenance (every file), then the evaluation's metrics */
    char *tokj, *prov;
    const char *meta[5], *eval_meta[3];
    char metrics[128];
} ft;

static void evalset_free(evalset *e) {
    for (int64_t i = 0; e->own && i < e->n; i++) free(e->seq[i]);
    free(e->seq), free(e->len), free(e->label);
    memset(e, 0, sizeof *e);
}

static int evalset_alloc(evalset *e, const char *name, int64_t n, int own) {
    e->name = name, e->n = n, e->own = own;
    e->seq = calloc((size_t)(n ? n : 1), sizeof(char *));
    e->len = calloc((size_t)(n ? n : 1), sizeof(int64_t));
    e->label = calloc((size_t)(n ? n : 1), sizeof(int32_t));
    return e->seq && e->len && e->label ? SK_OK : sk_error(SK_ENOMEM, "finetune: out of memory");
}

/* The species sampler's fixed windows of `split` as sequences. */
static int evalset_species(ft *f, evalset *e, int split, const char *name) {
    int64_t n = sk_dna_species_fixed_count(f->sp, split);
    TRY(evalset_alloc(e, name, n, 1));
    uint8_t *ids = malloc((size_t)f->L);
    int rc = ids ? SK_OK : sk_error(SK_ENOMEM, "finetune: out of memory");
    for (int64_t i = 0; i < n && !rc; i++) {
        sk_dna_window win;
        rc = sk_dna_species_fixed(f->sp, split, i, f->tok_flags, &win, ids);
        if (!rc && !(e->seq[i] = malloc((size_t)f->L + 1))) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
        if (!rc) sk_dna_detokenize(ids, f->L, e->seq[i]), e->len[i] = f->L, e->label[i] = win.label;
    }
    free(ids);
    return rc;
}

/* Labelled sequences of a file (views into l). */
static int evalset_labelled(evalset *e, const sk_dna_labelled *l, const char *name) {
    int64_t n = sk_dna_labelled_count(l);
    TRY(evalset_alloc(e, name, n, 0));
    for (int64_t i = 0; i < n; i++) {
        sk_dna_lseq s = sk_dna_labelled_get(l, i);
        e->seq[i] = (char *)s.seq, e->len[i] = s.len, e->label[i] = s.label;
    }
    return SK_OK;
}

static int ev_compute(void *vctx, const int32_t *tok, int64_t b, int64_t L, double *out) {
    ft *f = vctx;
    int rc = sk_classifier_forward(f->clf, tok, NULL, b, L, NULL);
    return rc ? rc : sk_classifier_logprobs(f->clf, out);
}

static int ev_emit(void *vctx, const sk_winrun_rec *r) {
    ft *f = vctx;
    int64_t i = f->next++;
    if (!r->nwin) return SK_OK;
    int best = 0;
    for (int k = 1; k < f->K; k++)
        if (r->mean[k] > r->mean[best]) best = k;
    sk_train_confusion_add(&f->sc[f->cur - f->ev], f->cur->label[i], best);
    return SK_OK;
}

/* The scores of the classifier on e (f->sc[e - f->ev]). */
static int evaluate(ft *f, const evalset *e) {
    sk_winrun_opts wo = {.length = f->L, .stride = f->L, .batch = f->B, .short_policy = SK_DNA_SHORT_PAD,
                         .tok_flags = f->tok_flags};
    sk_winrun *w;
    TRY(sk_winrun_create(&w, &wo, f->K, ev_compute, ev_emit, f));
    f->cur = e, f->next = 0;
    sk_train_confusion_reset(&f->sc[e - f->ev], e->n);
    int rc = SK_OK;
    for (int64_t i = 0; i < e->n && !rc; i++) {
        char name[32];
        snprintf(name, sizeof name, "%lld", (long long)i);
        rc = sk_winrun_add(w, name, e->seq[i], e->len[i]);
    }
    if (!rc) rc = sk_winrun_finish(w);
    sk_winrun_free(w);
    return rc;
}

/* One training batch (sk_train_hooks.next_batch): tokens (B, L); row i's label is its last
 * position's target, the other targets are ignored. */
static int next_batch(void *ctx, int32_t *tok, int32_t *tg) {
    ft *f = ctx;
    const int64_t L = f->L;
    sk_rng *rng = &f->rng;
    uint8_t *ids = f->ids;
    for (int64_t i = 0; i < f->B; i++) {
        int32_t lab = SK_DATA_IGNORE;
        int rc_coin = f->rc_aug && (int)(sk_rng_u64(rng) >> 63);
        int32_t *row = tok + i * L;
        if (f->sp) {
            sk_dna_window win;
            TRY(sk_dna_species_draw(f->sp, rng, f->tok_flags, &win, ids));
            if (rc_coin) sk_dna_revcomp_ids(ids, L);
            for (int64_t t = 0; t < L; t++) row[t] = ids[t];
            lab = win.label;
        } else {
            /* a uniform sequence, then a uniform window of it (or all of it, left-padded) */
            sk_dna_lseq s = sk_dna_labelled_get(f->tr, (int64_t)sk_rng_below(rng, (uint64_t)sk_dna_labelled_count(f->tr)));
            int64_t beg = s.len > L ? (int64_t)sk_rng_below(rng, (uint64_t)(s.len - L + 1)) : 0;
            int64_t end = beg + L < s.len ? beg + L : s.len;
            sk_dna_window_ids(s.seq, beg, end, L, rc_coin, f->tok_flags, row);
            lab = s.label;
        }
        for (int64_t t = 0; t < L; t++) tg[i * L + t] = SK_DATA_IGNORE;
        tg[i * L + L - 1] = lab;
    }
    return SK_OK;
}

static char **split_list(const char *s, int *n) {
    *n = 0;
    if (!s || !*s) return NULL;
    int cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    char **v = calloc((size_t)cap + 1, sizeof(char *));
    char *dup = strdup(s);
    if (!v || !dup) {
        free(v), free(dup);
        return NULL;
    }
    for (char *tok = strtok(dup, ","); tok; tok = strtok(NULL, ",")) v[(*n)++] = tok;
    if (!*n) free(dup), free(v), v = NULL;
    return v; /* v[0] owns the copied string */
}
static void free_list(char **v) {
    if (v) free(v[0]), free(v);
}

/* File name without folders and extensions: "data/h_sapiens.fa.gz" -> "h_sapiens". */
static char *stem(const char *path) {
    const char *b = strrchr(path, '/');
    char *s = strdup(b ? b + 1 : path);
    char *dot = s ? strchr(s, '.') : NULL;
    if (dot && dot != s) *dot = 0;
    return s;
}

/* The evaluation hook (sk_train_hooks.evaluate): accuracy and confusion on valid and test,
 * printed and logged; the score is the valid accuracy (none without a valid set: the last model
 * is then the best). */
static int ft_evaluate(void *ctx, const sk_train_progress *p, sk_jsonl *log, double *score, const char *const **meta) {
    ft *f = ctx;
    double acc[2] = {NAN, NAN};
    int rc = SK_OK;
    for (int s = 0; s < 2 && !rc; s++) {
        if (!f->ev[s].n) continue;
        rc = evaluate(f, &f->ev[s]);
        acc[s] = sk_train_confusion_accuracy(&f->sc[s]);
        if (!rc && !f->quiet) sk_train_confusion_print(&f->sc[s], stderr, "finetune", f->names);
    }
    double el = p->elapsed_s;
    if (!rc && !f->quiet)
        fprintf(stderr, "finetune: step %lld/%lld  train loss %.4f  lr %.3g  %.0f windows/s\n", (long long)p->step,
                (long long)p->steps, p->loss_mean, p->lr, (double)(p->step * f->B) / (el > 0 ? el : 1));
    if (!rc && log) rc = sk_train_log_confusion(log, p, f->sc, 2, el);
    snprintf(f->metrics, sizeof f->metrics, "{\"step\":%lld,\"valid_accuracy\":%.6g,\"test_accuracy\":%.6g}",
             (long long)p->step, isnan(acc[0]) ? -1.0 : acc[0], isnan(acc[1]) ? -1.0 : acc[1]);
    f->eval_meta[0] = "metrics", f->eval_meta[1] = f->metrics, f->eval_meta[2] = NULL;
    *meta = f->eval_meta;
    *score = f->ev[0].n ? acc[0] : NAN;
    return rc;
}

/* The classes and the data: the species sampler (class names from --labels or the file names),
 * or the labelled files. */
static int ft_data(ft *f, const ft_opts *o) {
    int rc = SK_OK, ncls = 0;
    if (o->species) {
        sk_dna_species_opts so = {.length = f->L, .seed = (uint64_t)o->seed, .split_by = o->split_by,
                                  .valid_chroms = o->vchr, .test_chroms = o->tchr, .max_n_frac = o->max_n,
                                  .n_valid = o->n_valid, .n_test = o->n_test};
        if (o->labels) {
            f->cls = split_list(o->labels, &ncls);
            if (ncls != o->nin) rc = sk_error(SK_EINVAL, "--labels has %d names for %d FASTA files", ncls, o->nin);
        } else {
            f->stems = calloc((size_t)o->nin + 1, sizeof(char *));
            for (int i = 0; f->stems && i < o->nin; i++) f->stems[i] = stem(o->inputs[i]);
            ncls = o->nin;
        }
        f->names = calloc((size_t)ncls + 1, sizeof(char *));
        for (int i = 0; f->names && i < ncls; i++) f->names[i] = f->cls ? f->cls[i] : f->stems[i];
        if (!rc) rc = sk_dna_species_create(&f->sp, (const char *const *)o->inputs, o->nin, &so);
    } else {
        if (o->classes) f->cls = split_list(o->classes, &ncls);
        rc = sk_dna_labelled_read(&f->tr, o->trainp, (const char *const *)f->cls, ncls);
        if (!rc) {
            ncls = sk_dna_labelled_nclasses(f->tr);
            f->names = calloc((size_t)ncls + 1, sizeof(char *));
            for (int i = 0; f->names && i < ncls; i++) f->names[i] = sk_dna_labelled_class(f->tr, i);
        }
        if (!rc && o->validp) rc = sk_dna_labelled_read(&f->vl, o->validp, f->names, ncls);
        if (!rc && o->testp) rc = sk_dna_labelled_read(&f->tl, o->testp, f->names, ncls);
    }
    if (!rc && !f->names) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    f->K = ncls;
    return rc;
}

/* The classifier: the backbone of a pretrained LM, or a fresh model; its vocabulary must be the
 * DNA tokenizer's. */
static int ft_model(ft *f, const ft_opts *o, const sk_backend *be) {
    int rc;
    if (o->init) {
        rc = sk_classifier_from_lm(&f->clf, o->init, f->K, f->names, be, f->B, f->L, SK_MAMBA_GRADS, (uint64_t)o->seed);
    } else {
        sk_mamba_config mc;
        cJSON *tsec = NULL;
        char what[512];
        rc = sk_lm_config(o->preset, o->config, "dna-tiny", &mc, &tsec, what, sizeof what);
        cJSON_Delete(tsec);
        if (!rc) rc = sk_classifier_create(&f->clf, &mc, f->K, f->names, be, f->B, f->L, SK_MAMBA_GRADS);
        if (!rc) rc = sk_classifier_init(f->clf, (uint64_t)o->seed);
    }
    if (!rc) rc = sk_classifier_set_pool(f->clf, o->pool, SK_DNA_PAD);
    if (!rc) { /* the backbone must have been trained on (or be made for) this tokenizer */
        int nv;
        sk_dna_vocab(f->tok_flags, &nv);
        int64_t v = sk_mamba_lm_config(sk_classifier_backbone(f->clf))->vocab_size;
        if (v != nv)
            rc = sk_error(SK_EINVAL, "%s: the model's vocabulary has %lld tokens but the DNA tokenizer%s has %d (was it "
                                     "trained on DNA token shards%s?)", o->init ? o->init : (o->config ? o->config : "preset"),
                          (long long)v, f->tok_flags ? " with --keep-case" : "", nv,
                          f->tok_flags ? " made with --keep-case" : "");
    }
    return rc;
}

/* The evaluation sets and the metadata every checkpoint carries (tokenizer, provenance). */
static int ft_eval_meta(ft *f, const ft_opts *o) {
    int rc = SK_OK;
    if (o->species) rc = evalset_species(f, &f->ev[0], SK_SPLIT_VALID, "valid");
    if (!rc && o->species) rc = evalset_species(f, &f->ev[1], SK_SPLIT_TEST, "test");
    if (!rc && f->vl) rc = evalset_labelled(&f->ev[0], f->vl, "valid");
    if (!rc && f->tl) rc = evalset_labelled(&f->ev[1], f->tl, "test");
    for (int s = 0; s < 2 && !rc; s++) rc = sk_train_confusion_init(&f->sc[s], s ? "test" : "valid", f->K);
    f->tokj = sk_dna_tokenizer_json(f->tok_flags);
    const char *single[2] = {o->trainp, o->validp};
    const char *const *inputs = o->species ? (const char *const *)o->inputs : single;
    int nin = o->species ? o->nin : 1 + !!o->validp;
    const char *mode = o->species ? (o->split_by == SK_DNA_SPLIT_BY_POSITION ? "species-by-position" : "species-by-chrom")
                                  : "labelled";
    f->prov = sk_dna_provenance_json(inputs, nin, NULL, mode, f->L, (uint64_t)o->seed, o->argc, o->argv);
    if (!rc && (!f->tokj || !f->prov)) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    f->meta[0] = "tokenizer", f->meta[1] = f->tokj, f->meta[2] = "provenance", f->meta[3] = f->prov, f->meta[4] = NULL;
    return rc;
}

static void ft_free(ft *f) {
    free(f->ids), free(f->tokj), free(f->prov);
    sk_train_confusion_free(&f->sc[0]), sk_train_confusion_free(&f->sc[1]);
    evalset_free(&f->ev[0]), evalset_free(&f->ev[1]);
    sk_classifier_free(f->clf);
    sk_dna_species_free(f->sp);
    sk_dna_labelled_free(f->tr), sk_dna_labelled_free(f->vl), sk_dna_labelled_free(f->tl);
    for (int i = 0; f->stems && f->stems[i]; i++) free(f->stems[i]);
    free(f->stems), free(f->names);
    free_list(f->cls);
}

/* Train the classifier through the one training loop (models/sk_trainer.h): batches and
 * evaluations come from the hooks above; the files are OUT (at every evaluation) and
 * STEM.best.safetensors, with no training state. */
static int ft_train(ft *f, const ft_opts *o) {
    const int64_t steps = o->epochs * o->spe;
    char *log_path = o->logp ? strdup(o->logp) : sk_train_derived_path(o->out, ".log.jsonl");
    if (!log_path) return sk_error(SK_ENOMEM, "finetune: out of memory");
    sk_train_hooks hooks = {.ctx = f, .next_batch = next_batch, .evaluate = ft_evaluate};
    const int64_t eval_every = o->eval_every ? o->eval_every : o->spe;
    sk_train_opts to = {.steps = steps, .accum = 1, .optim = o->hp, .eval_every = eval_every,
                        .ckpt_every = eval_every, .out = o->out, .log_path = log_path, .quiet = 1,
                        .meta = f->meta, .hooks = &hooks, .no_state = 1};
    to.sched = (sk_sched){.kind = SK_SCHED_COSINE, .lr_max = o->lr, .lr_min = o->min_lr, .warmup = o->we * o->spe,
                          .total = steps};
    sk_train_model tm;
    sk_classifier_train_model(f->clf, &tm);
    sk_trainer *tr = NULL;
    int rc = sk_trainer_create(&tr, &tm, NULL, NULL, f->B, f->L, &to, NULL);
    if (!rc && !o->quiet)
        fprintf(stderr, "finetune: %d classes, %lld parameters, %lld steps of %lld x %lld, lr %g (warm-up %lld steps, cosine "
                        "to %g), %s\n", f->K, (long long)sk_trainer_numel(tr), (long long)steps, (long long)f->B,
                (long long)f->L, o->lr, (long long)(o->we * o->spe), o->min_lr,
                o->init ? "backbone from the pretrained LM" : "from scratch");
    sk_rng_seed(&f->rng, (uint64_t)o->seed, 0x46494e45u); /* stream "FINE": training draws */
    if (!rc) rc = sk_trainer_run(tr);
    if (rc == SK_EINTR) sk_error_wrap(rc, "finetune: ");
    if (rc == SK_OK && !o->quiet) fprintf(stderr, "finetune: wrote %s and %s\n", o->out, sk_trainer_path(tr, 2));
    sk_trainer_free(tr);
    free(log_path);
    return rc;
}

static int finetune(ft *f, const ft_opts *o) {
    f->L = o->L, f->B = o->B, f->quiet = o->quiet;
    sk_lm_threads((int)o->threads);
    const sk_backend *be;
    int rc = sk_lm_backend(o->device, &be);
    if (!rc) rc = ft_data(f, o);
    if (!rc) rc = ft_model(f, o, be);
    if (!rc) rc = ft_eval_meta(f, o);
    if (!rc && !(f->ids = malloc((size_t)f->L))) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    if (!rc) rc = ft_train(f, o);
    return rc;
}

int cmd_finetune(int argc, char **argv) {
    enum { O_INIT = 1000, O_SPECIES, O_LABELS, O_SPLITBY, O_VCHR, O_TCHR, O_MAXN, O_NVAL, O_NTEST, O_TRAIN, O_VALID,
           O_TEST, O_CLASSES, O_EPOCHS, O_SPE, O_LR, O_MINLR, O_WE, O_WD, O_CLIP, O_RCAUG, O_POOL, O_CASE, O_EVAL, O_LOG,
           O_DEVICE };
    static const struct option lo[] = {
        {"init", required_argument, 0, O_INIT},     {"preset", required_argument, 0, 'p'},
        {"config", required_argument, 0, 'c'},      {"species", no_argument, 0, O_SPECIES},
        {"labels", required_argument, 0, O_LABELS}, {"split-by", required_argument, 0, O_SPLITBY},
        {"valid-chroms", required_argument, 0, O_VCHR}, {"test-chroms", required_argument, 0, O_TCHR},
        {"max-n", required_argument, 0, O_MAXN},    {"n-valid", required_argument, 0, O_NVAL},
        {"n-test", required_argument, 0, O_NTEST},  {"train", required_argument, 0, O_TRAIN},
        {"valid", required_argument, 0, O_VALID},   {"test", required_argument, 0, O_TEST},
        {"classes", required_argument, 0, O_CLASSES}, {"length", required_argument, 0, 'L'},
        {"batch", required_argument, 0, 'b'},       {"epochs", required_argument, 0, O_EPOCHS},
        {"steps-per-epoch", required_argument, 0, O_SPE}, {"lr", required_argument, 0, O_LR},
        {"min-lr", required_argument, 0, O_MINLR},  {"warmup-epochs", required_argument, 0, O_WE},
        {"weight-decay", required_argument, 0, O_WD}, {"clip", required_argument, 0, O_CLIP},
        {"rc-aug", no_argument, 0, O_RCAUG},        {"keep-case", no_argument, 0, O_CASE},
        {"pool", required_argument, 0, O_POOL},
        {"eval-every", required_argument, 0, O_EVAL}, {"log", required_argument, 0, O_LOG},
        {"seed", required_argument, 0, 's'},        {"threads", required_argument, 0, '@'},
        {"device", required_argument, 0, O_DEVICE}, {"quiet", no_argument, 0, 'q'},
        {"output", required_argument, 0, 'o'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *init = NULL, *preset = NULL, *config = NULL, *labels = NULL, *vchr = NULL, *tchr = NULL;
    const char *trainp = NULL, *validp = NULL, *testp = NULL, *classes = NULL, *logp = NULL, *out = NULL;
    const char *device = "cpu";
    int species = 0, split_by = SK_DNA_SPLIT_BY_POSITION, quiet = 0, pool = SK_POOL_LAST;
    int64_t L = 1024, B = 64, epochs = 10, spe = 1024, we = -1, eval_every = 0, seed = 1, threads = 0;
    int64_t n_valid = 1024, n_test = 1024;
    double lr = 1e-4, min_lr = 1e-6, max_n = 0;
    sk_optim_hparams hp = SK_OPTIM_DEFAULTS;
    ft f = {0};
    int opt;
    while ((opt = sk_getopt(argc, argv, "p:c:L:b:s:@:qo:h", lo, "finetune")) != -1) {
        switch (opt) {
        case 'h': fputs(usage, stdout); return SK_EXIT_OK;
        case O_INIT: init = optarg; break;
        case 'p': preset = optarg; break;
        case 'c': config = optarg; break;
        case O_SPECIES: species = 1; break;
        case O_LABELS: labels = optarg; break;
        case O_SPLITBY:
            if (!strcmp(optarg, "position")) split_by = SK_DNA_SPLIT_BY_POSITION;
            else if (!strcmp(optarg, "chrom")) split_by = SK_DNA_SPLIT_BY_CHROM;
            else return sk_cli_usage("finetune", "--split-by: '%s' is not position or chrom", optarg);
            break;
        case O_VCHR: vchr = optarg; break;
        case O_TCHR: tchr = optarg; break;
        case O_MAXN: if (sk_cli_num("finetune", "--max-n", optarg, 0, 1, &max_n)) return SK_EXIT_USAGE; break;
        case O_NVAL: if (sk_cli_int("finetune", "--n-valid", optarg, 0, 1 << 24, &n_valid)) return SK_EXIT_USAGE; break;
        case O_NTEST: if (sk_cli_int("finetune", "--n-test", optarg, 0, 1 << 24, &n_test)) return SK_EXIT_USAGE; break;
        case O_TRAIN: trainp = optarg; break;
        case O_VALID: validp = optarg; break;
        case O_TEST: testp = optarg; break;
        case O_CLASSES: classes = optarg; break;
        case 'L': if (sk_cli_int("finetune", "--length", optarg, 1, (int64_t)1 << 24, &L)) return SK_EXIT_USAGE; break;
        case 'b': if (sk_cli_int("finetune", "--batch", optarg, 1, 1 << 20, &B)) return SK_EXIT_USAGE; break;
        case O_EPOCHS: if (sk_cli_int("finetune", "--epochs", optarg, 1, 1 << 20, &epochs)) return SK_EXIT_USAGE; break;
        case O_SPE: if (sk_cli_int("finetune", "--steps-per-epoch", optarg, 1, 1 << 30, &spe)) return SK_EXIT_USAGE; break;
        case O_LR: if (sk_cli_num("finetune", "--lr", optarg, 1e-12, 10, &lr)) return SK_EXIT_USAGE; break;
        case O_MINLR: if (sk_cli_num("finetune", "--min-lr", optarg, 0, 10, &min_lr)) return SK_EXIT_USAGE; break;
        case O_WE: if (sk_cli_int("finetune", "--warmup-epochs", optarg, 0, 1 << 20, &we)) return SK_EXIT_USAGE; break;
        case O_WD: if (sk_cli_num("finetune", "--weight-decay", optarg, 0, 10, &hp.weight_decay)) return SK_EXIT_USAGE; break;
        case O_CLIP: if (sk_cli_num("finetune", "--clip", optarg, 0, 1e12, &hp.clip_norm)) return SK_EXIT_USAGE; break;
        case O_RCAUG: f.rc_aug = 1; break;
        case O_POOL:
            if (!strcmp(optarg, "last")) pool = SK_POOL_LAST;
            else if (!strcmp(optarg, "mean")) pool = SK_POOL_MEAN;
            else return sk_cli_usage("finetune", "--pool: '%s' is not last or mean", optarg);
            break;
        case O_CASE: f.tok_flags = SK_DNA_KEEP_CASE; break;
        case O_EVAL: if (sk_cli_int("finetune", "--eval-every", optarg, 1, (int64_t)1 << 40, &eval_every)) return SK_EXIT_USAGE; break;
        case O_LOG: logp = optarg; break;
        case 's': if (sk_cli_int("finetune", "--seed", optarg, 0, INT64_MAX, &seed)) return SK_EXIT_USAGE; break;
        case '@': if (sk_cli_int("finetune", "--threads", optarg, 0, 4096, &threads)) return SK_EXIT_USAGE; break;
        case O_DEVICE: device = optarg; break;
        case 'q': quiet = 1; break;
        case 'o': out = optarg; break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (!out) return sk_cli_usage("finetune", "--output is required");
    if (species == !!trainp) return sk_cli_usage("finetune", "give exactly one of --species FASTA... or --train FILE");
    if (species && optind + 2 > argc) return sk_cli_usage("finetune", "--species needs at least 2 FASTA files");
    if (!species && optind < argc) return sk_cli_usage("finetune", "unexpected argument '%s'", argv[optind]);
    if (!!init + !!preset + !!config > 1) return sk_cli_usage("finetune", "give one of --init, --preset, --config");
    if (we < 0) we = epochs / 2;
    if (we >= epochs) return sk_cli_usage("finetune", "--warmup-epochs must be below --epochs");
    if (min_lr > lr) return sk_cli_usage("finetune", "--min-lr is above --lr");
    ft_opts o = {.init = init, .preset = preset, .config = config, .labels = labels, .vchr = vchr, .tchr = tchr,
                 .trainp = trainp, .validp = validp, .testp = testp, .classes = classes, .logp = logp, .out = out,
                 .device = device, .species = species, .split_by = split_by, .quiet = quiet, .pool = pool, .L = L,
                 .B = B, .epochs = epochs, .spe = spe, .we = we, .eval_every = eval_every, .seed = seed,
                 .threads = threads, .n_valid = n_valid, .n_test = n_test, .lr = lr, .min_lr = min_lr, .max_n = max_n,
                 .hp = hp, .nin = species ? argc - optind : 0, .inputs = argv + optind, .argc = argc, .argv = argv};
    int rc = finetune(&f, &o);
    ft_free(&f);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
#endif
