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

#ifdef SSMKIT_HAVE_GENOMICS

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
    "STEM.best.safetensors the one with the best valid accuracy (STEM = OUT without .safetensors).\n";

#include <cjson/cJSON.h>
#include "kernels/sk_runtime.h"
#include "models/sk_classifier.h"
#include "models/sk_model.h"
#include "models/sk_train_eval.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_sched.h"
#include "genomics/sk_dna_run.h"

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
    int species, split_by, quiet, pool, overwrite;
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
    sk_progress pg; /* "valid: 12/100 sequences ..." */
    sk_progress_open(&pg, f->sc[e - f->ev].name, "sequences", e->n, f->quiet);
    sk_winrun_opts wo = {.length = f->L, .stride = f->L, .batch = f->B, .short_policy = SK_DNA_SHORT_PAD,
                         .tok_flags = f->tok_flags, .progress = &pg, .progress_records = 1};
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
    sk_progress_end(&pg);
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
        rc = sk_model_expect(o->init, SK_MODEL_NEED_BACKBONE); /* a U-Net: says which command takes it */
        if (!rc)
            rc = sk_classifier_from_lm(&f->clf, o->init, f->K, f->names, be, f->B, f->L, SK_MODEL_GRADS, (uint64_t)o->seed);
    } else {
        sk_mamba_config mc;
        cJSON *cj = NULL, *tsec = NULL; /* the config; its "train" section is not used */
        char what[512];
        rc = sk_model_config_load_json(o->preset, o->config, "dna-tiny", &cj, &tsec, what, sizeof what);
        if (!rc) rc = sk_mamba_config_from_json(cj, what, &mc);
        cJSON_Delete(cj), cJSON_Delete(tsec);
        if (!rc) rc = sk_classifier_create(&f->clf, &mc, f->K, f->names, be, f->B, f->L, SK_MODEL_GRADS);
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
                        .meta = f->meta, .hooks = &hooks, .no_state = 1,
                        .files = o->overwrite ? SK_TRAIN_FILES_OVERWRITE : SK_TRAIN_FILES_NEW};
    to.sched = (sk_sched){.kind = SK_SCHED_COSINE, .lr_max = o->lr, .lr_min = o->min_lr, .warmup = o->we * o->spe,
                          .total = steps};
    sk_model *m = NULL; /* the classifier behind the model interface; f->clf stays its owner */
    int rc = sk_model_wrap_classifier(&m, f->clf);
    if (rc) f->clf = NULL; /* freed by the failed wrap */
    sk_trainer *tr = NULL;
    if (!rc) rc = sk_trainer_create(&tr, m, NULL, NULL, f->B, f->L, &to, NULL);
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
    sk_model_disown(m);
    free(log_path);
    return rc;
}

static int finetune(ft *f, const ft_opts *o) {
    f->L = o->L, f->B = o->B, f->quiet = o->quiet;
    sk_runtime_threads((int)o->threads);
    const sk_backend *be;
    int rc = sk_runtime_backend(o->device, &be);
    if (!rc) rc = ft_data(f, o);
    if (!rc) rc = ft_model(f, o, be);
    if (!rc) rc = ft_eval_meta(f, o);
    if (!rc && !(f->ids = malloc((size_t)f->L))) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    if (!rc) rc = ft_train(f, o);
    return rc;
}

int cmd_finetune(int argc, char **argv) {
    const char *init = NULL, *preset = NULL, *config = NULL, *labels = NULL, *vchr = NULL, *tchr = NULL;
    const char *trainp = NULL, *validp = NULL, *testp = NULL, *classes = NULL, *logp = NULL, *out = NULL;
    const char *device;
    int species = 0, split_by, quiet = 0, pool, overwrite = 0;
    int64_t L, B, epochs, spe, we = -1, eval_every = 0, seed, threads;
    int64_t n_valid, n_test;
    double lr, min_lr, max_n;
    sk_optim_hparams hp = SK_OPTIM_DEFAULTS;
    ft f = {0};
    static const int split_bys[] = {SK_DNA_SPLIT_BY_POSITION, SK_DNA_SPLIT_BY_CHROM}, pools[] = {SK_POOL_LAST, SK_POOL_MEAN};
    const sk_opt opts[] = {
        SK_O_SECTION("Data (one of):"),
        SK_O_FLAG("species", 0, &species, "the inputs are one indexed FASTA per species (class = position; names\n"
                  "from --labels or the file names); training windows are drawn\n"
                  "species -> record -> start, uniformly (ssmkit dna windows --species)"),
        SK_O_LIST("labels", 0, &labels, "A,B,...", "species class names"),
        SK_O_CHOICE("split-by", 0, &split_by, "position|chrom", split_bys, "position",
                    "position: first 80% / next 10% / last 10% of each record;\n"
                    "chrom: --valid-chroms / --test-chroms record names"),
        SK_O_LIST("valid-chroms", 0, &vchr, "A,B", "valid records (--split-by chrom)"),
        SK_O_LIST("test-chroms", 0, &tchr, "C,D", "test records (--split-by chrom)"),
        SK_O_NUM("max-n", 0, &max_n, 0, 1, "0", "F", "drop windows with more than this fraction of N\n(0 = windows with any N dropped)"),
        SK_O_INT("n-valid", 0, &n_valid, 0, 1 << 24, "1024", "N", "fixed valid windows drawn once from the seed"),
        SK_O_INT("n-test", 0, &n_test, 0, 1 << 24, "1024", "N", "fixed test windows drawn once from the seed"),
        SK_O_STR("train", 0, &trainp, NULL, "FILE", "labelled sequences: TSV LABEL<TAB>SEQUENCE or FASTA with label=CLASS in\n"
                 "the header; a training example is a random window of --length bases of\n"
                 "a random sequence (shorter ones left-padded with [PAD])"),
        SK_O_STR("valid", 0, &validp, NULL, "FILE", "labelled sequences scored per sequence as `ssmkit classify`\n"
                 "does (windows of --length, stride --length, mean log-probabilities)"),
        SK_O_STR("test", 0, &testp, NULL, "FILE", "as --valid, reported as the test set"),
        SK_O_LIST("classes", 0, &classes, "A,B,...", "class list (default: the sorted labels of --train)"),
        SK_O_SECTION("Model and optimization:"),
        SK_O_STR("init", 0, &init, NULL, "LM", "pretrained LM checkpoint (ssmkit train), mamba_ssm or HF folder"),
        SK_O_STR("preset", 'p', &preset, NULL, "NAME", "fresh model from a preset [dna-tiny]"),
        SK_O_STR("config", 'c', &config, NULL, "FILE", "fresh model from a config JSON"),
        SK_O_INT("length", 'L', &L, 1, (int64_t)1 << 24, "1024", "L", "window length"),
        SK_O_INT("batch", 'b', &B, 1, 1 << 20, "64", "B", "windows per step"),
        SK_O_INT("epochs", 0, &epochs, 1, 1 << 20, "10", "N", "epochs"),
        SK_O_INT("steps-per-epoch", 0, &spe, 1, 1 << 30, "1024", "N", "steps per epoch"),
        SK_O_NUM("lr", 0, &lr, 1e-12, 10, "1e-4", "LR", "peak learning rate"),
        SK_O_NUM("min-lr", 0, &min_lr, 0, 10, "1e-6", "LR", "cosine floor"),
        SK_O_INT("warmup-epochs", 0, &we, 0, 1 << 20, NULL, "N", "linear warm-up epochs [epochs / 2]"),
        SK_O_NUM("weight-decay", 0, &hp.weight_decay, 0, 10, "0.1", "W", "AdamW decoupled decay (not on A_log, D, norms, biases)"),
        SK_O_NUM("clip", 0, &hp.clip_norm, 0, 1e12, "1.0", "C", "global gradient-norm clipping, 0 = off"),
        SK_O_CHOICE("pool", 0, &pool, "last|mean", pools, "last", "last (the paper's head) or mean (average of the hidden states of the\n"
                    "non-[PAD] positions; generalises better from little labelled data)"),
        SK_O_FLAG("rc-aug", 0, &f.rc_aug, "reverse-complement each training window with probability 1/2"),
        SK_O_SET("keep-case", 0, &f.tok_flags, SK_DNA_KEEP_CASE, "lowercase bases as their own tokens (the pretrained LM must agree)"),
        SK_O_INT("eval-every", 0, &eval_every, 1, (int64_t)1 << 40, NULL, "N", "steps between evaluations [steps per epoch]"),
        SK_O_OUT("log", 0, &logp, "FILE", "JSON-lines log [STEM.log.jsonl]"),
        SK_O_SEED('s', &seed, "head init, sampling and fixed valid/test windows"),
        SK_O_THREADS(&threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_QUIET(&quiet, "no progress lines on stderr"),
        SK_O_OUTPUT(&out, "OUT", "classifier checkpoint to write (required)"),
        SK_O_FLAG("overwrite", 0, &overwrite, "start over the files of an earlier run on OUT (else refused)"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"finetune", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
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
                 .overwrite = overwrite, .B = B, .epochs = epochs, .spe = spe, .we = we, .eval_every = eval_every, .seed = seed,
                 .threads = threads, .n_valid = n_valid, .n_test = n_test, .lr = lr, .min_lr = min_lr, .max_n = max_n,
                 .hp = hp, .nin = species ? argc - optind : 0, .inputs = argv + optind, .argc = argc, .argv = argv};
    int rc = finetune(&f, &o);
    ft_free(&f);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
#endif
