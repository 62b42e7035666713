/* cmd_finetune.c — `ssmkit finetune`: train a DNA sequence classifier (models/sk_classifier.h)
 * from a pretrained Mamba LM (or from scratch) on the species sampler or on labelled sequences,
 * with the protocol of App. E.3.4 by default. */
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
#include "models/sk_classifier.h"
#include "models/sk_trainer.h"
#include "src/sk_jsonl.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_sched.h"
#include "tools/sk_dnarun.h"
#include "tools/sk_lm.h"

/* An evaluation set: sequences with labels, scored per sequence through the window runner. */
typedef struct evalset {
    const char *name;            /* "valid" / "test" */
    int64_t n;
    char **seq;                  /* (n) bases (owned when from the species sampler) */
    int64_t *len;
    int32_t *label;
    int own;
} evalset;

typedef struct ft {
    sk_classifier *clf;
    int K;
    int64_t L, B;
    int tok_flags, rc_aug;
    /* data */
    sk_dna_species *sp;
    sk_dna_labelled *tr;
    evalset ev[2];
    /* scoring */
    const evalset *cur;
    int64_t next, correct;
    int64_t *conf; /* (K, K) rows = true class, columns = predicted */
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
    int32_t y = f->cur->label[i];
    f->correct += best == y;
    f->conf[y * f->K + best]++;
    return SK_OK;
}

/* Accuracy (and f->conf) of the classifier on e. */
static int evaluate(ft *f, const evalset *e, double *acc) {
    sk_winrun_opts wo = {.length = f->L, .stride = f->L, .batch = f->B, .short_policy = SK_DNA_SHORT_PAD,
                         .tok_flags = f->tok_flags};
    sk_winrun *w;
    TRY(sk_winrun_create(&w, &wo, f->K, ev_compute, ev_emit, f));
    f->cur = e, f->next = 0, f->correct = 0;
    memset(f->conf, 0, (size_t)(f->K * f->K) * sizeof(int64_t));
    int rc = SK_OK;
    for (int64_t i = 0; i < e->n && !rc; i++) {
        char name[32];
        snprintf(name, sizeof name, "%lld", (long long)i);
        rc = sk_winrun_add(w, name, e->seq[i], e->len[i]);
    }
    if (!rc) rc = sk_winrun_finish(w);
    sk_winrun_free(w);
    *acc = e->n ? (double)f->correct / (double)e->n : 0;
    return rc;
}

/* One training batch: tokens (B, L), labels (B). */
static int draw_batch(ft *f, sk_rng *rng, int32_t *tok, int32_t *lab, uint8_t *ids) {
    const int64_t L = f->L;
    for (int64_t i = 0; i < f->B; i++) {
        int rc_coin = f->rc_aug && (int)(sk_rng_u64(rng) >> 63);
        int32_t *row = tok + i * L;
        if (f->sp) {
            sk_dna_window win;
            TRY(sk_dna_species_draw(f->sp, rng, f->tok_flags, &win, ids));
            if (rc_coin) sk_dna_revcomp_ids(ids, L);
            for (int64_t t = 0; t < L; t++) row[t] = ids[t];
            lab[i] = win.label;
        } else {
            /* a uniform sequence, then a uniform window of it (or all of it, left-padded) */
            sk_dna_lseq s = sk_dna_labelled_get(f->tr, (int64_t)sk_rng_below(rng, (uint64_t)sk_dna_labelled_count(f->tr)));
            int64_t beg = s.len > L ? (int64_t)sk_rng_below(rng, (uint64_t)(s.len - L + 1)) : 0;
            int64_t end = beg + L < s.len ? beg + L : s.len;
            sk_dna_window_ids(s.seq, beg, end, L, rc_coin, f->tok_flags, row);
            lab[i] = s.label;
        }
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

static void print_confusion(const ft *f, const char *name, double acc) {
    fprintf(stderr, "finetune: %s accuracy %.4f; confusion (rows true, columns predicted):\n", name, acc);
    for (int a = 0; a < f->K; a++) {
        fprintf(stderr, "  %-12.12s", sk_classifier_class(f->clf, a));
        for (int b = 0; b < f->K; b++) fprintf(stderr, " %6lld", (long long)f->conf[a * f->K + b]);
        fputc('\n', stderr);
    }
}

/* The confusion matrix as a JSON string "[[..],[..]]". */
static char *confusion_json(const ft *f) {
    size_t cap = (size_t)(f->K * f->K) * 24 + 16, k = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    k += (size_t)snprintf(s + k, cap - k, "[");
    for (int a = 0; a < f->K; a++) {
        k += (size_t)snprintf(s + k, cap - k, "%s[", a ? "," : "");
        for (int b = 0; b < f->K; b++) k += (size_t)snprintf(s + k, cap - k, "%s%lld", b ? "," : "", (long long)f->conf[a * f->K + b]);
        k += (size_t)snprintf(s + k, cap - k, "]");
    }
    snprintf(s + k, cap - k, "]");
    return s;
}

int cmd_finetune(int argc, char **argv) {
    const char *init = NULL, *preset = NULL, *config = NULL, *labels = NULL, *vchr = NULL, *tchr = NULL;
    const char *trainp = NULL, *validp = NULL, *testp = NULL, *classes = NULL, *logp = NULL, *out = NULL;
    const char *device;
    int species = 0, split_by, quiet = 0, pool;
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
        SK_O_STR("log", 0, &logp, NULL, "FILE", "JSON-lines log [STEM.log.jsonl]"),
        SK_O_SEED('s', &seed, "head init, sampling and fixed valid/test windows"),
        SK_O_THREADS(&threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_QUIET(&quiet, "no progress lines on stderr"),
        SK_O_OUTPUT(&out, "OUT", "classifier checkpoint to write (required)"),
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
    const int64_t steps = epochs * spe;
    if (!eval_every) eval_every = spe;
    f.L = L, f.B = B;
    sk_lm_threads((int)threads);
    const sk_backend *be;
    if (sk_lm_backend(device, &be)) return sk_cli_fail(NULL);

    /* ---- data and classes ---- */
    int rc = SK_OK, ncls = 0;
    char **cls = NULL, **stems = NULL;
    sk_dna_labelled *vl = NULL, *tl = NULL;
    const char **names = NULL;
    if (species) {
        int nsp = argc - optind;
        sk_dna_species_opts so = {.length = L, .seed = (uint64_t)seed, .split_by = split_by, .valid_chroms = vchr,
                                  .test_chroms = tchr, .max_n_frac = max_n, .n_valid = n_valid, .n_test = n_test};
        if (labels) {
            cls = split_list(labels, &ncls);
            if (ncls != nsp) rc = sk_error(SK_EINVAL, "--labels has %d names for %d FASTA files", ncls, nsp);
        } else {
            stems = calloc((size_t)nsp + 1, sizeof(char *));
            for (int i = 0; stems && i < nsp; i++) stems[i] = stem(argv[optind + i]);
            ncls = nsp;
        }
        names = calloc((size_t)ncls + 1, sizeof(char *));
        for (int i = 0; names && i < ncls; i++) names[i] = cls ? cls[i] : stems[i];
        if (!rc) rc = sk_dna_species_create(&f.sp, (const char *const *)(argv + optind), nsp, &so);
    } else {
        if (classes) cls = split_list(classes, &ncls);
        rc = sk_dna_labelled_read(&f.tr, trainp, (const char *const *)cls, ncls);
        if (!rc) {
            ncls = sk_dna_labelled_nclasses(f.tr);
            names = calloc((size_t)ncls + 1, sizeof(char *));
            for (int i = 0; names && i < ncls; i++) names[i] = sk_dna_labelled_class(f.tr, i);
        }
        if (!rc && validp) rc = sk_dna_labelled_read(&vl, validp, names, ncls);
        if (!rc && testp) rc = sk_dna_labelled_read(&tl, testp, names, ncls);
    }
    if (!rc && !names) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    f.K = ncls;
    /* ---- model ---- */
    if (!rc && init) {
        rc = sk_classifier_from_lm(&f.clf, init, ncls, names, be, B, L, SK_MAMBA_GRADS, (uint64_t)seed);
    } else if (!rc) {
        sk_mamba_config mc;
        cJSON *tsec = NULL;
        char what[512];
        rc = sk_lm_config(preset, config, "dna-tiny", &mc, &tsec, what, sizeof what);
        cJSON_Delete(tsec);
        if (!rc) rc = sk_classifier_create(&f.clf, &mc, ncls, names, be, B, L, SK_MAMBA_GRADS);
        if (!rc) rc = sk_classifier_init(f.clf, (uint64_t)seed);
    }
    if (!rc) rc = sk_classifier_set_pool(f.clf, pool, SK_DNA_PAD);
    if (!rc) { /* the backbone must have been trained on (or be made for) this tokenizer */
        int nv;
        sk_dna_vocab(f.tok_flags, &nv);
        int64_t v = sk_mamba_lm_config(sk_classifier_backbone(f.clf))->vocab_size;
        if (v != nv)
            rc = sk_error(SK_EINVAL, "%s: the model's vocabulary has %lld tokens but the DNA tokenizer%s has %d (was it "
                                     "trained on DNA token shards%s?)", init ? init : (config ? config : "preset"),
                          (long long)v, f.tok_flags ? " with --keep-case" : "", nv,
                          f.tok_flags ? " made with --keep-case" : "");
    }
    /* ---- evaluation sets ---- */
    if (!rc && species) rc = evalset_species(&f, &f.ev[0], SK_SPLIT_VALID, "valid");
    if (!rc && species) rc = evalset_species(&f, &f.ev[1], SK_SPLIT_TEST, "test");
    if (!rc && vl) rc = evalset_labelled(&f.ev[0], vl, "valid");
    if (!rc && tl) rc = evalset_labelled(&f.ev[1], tl, "test");
    f.conf = calloc((size_t)(ncls * ncls + 1), sizeof(int64_t));
    if (!rc && !f.conf) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    /* ---- metadata ---- */
    char *tokj = sk_dna_tokenizer_json(f.tok_flags), *prov = NULL, *best_path = NULL, *log_path = NULL;
    {
        const char *single[2] = {trainp, validp};
        const char *const *inputs = species ? (const char *const *)(argv + optind) : single;
        int nin = species ? argc - optind : 1 + !!validp;
        char mode[64];
        snprintf(mode, sizeof mode, "%s", species ? (split_by == SK_DNA_SPLIT_BY_POSITION ? "species-by-position" : "species-by-chrom")
                                                  : "labelled");
        prov = sk_dna_provenance_json(inputs, nin, NULL, mode, L, (uint64_t)seed, argc, argv);
    }
    best_path = sk_train_derived_path(out, ".best.safetensors");
    log_path = logp ? strdup(logp) : sk_train_derived_path(out, ".log.jsonl");
    if (!rc && (!tokj || !prov || !best_path || !log_path)) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    sk_jsonl *log = NULL;
    if (!rc) rc = sk_jsonl_open(&log, log_path, 0);
    /* ---- optimizer and schedule (sk_optim.h) ---- */
    sk_train_model tm;
    sk_optimizer *optz = NULL;
    sk_sched sched = {.kind = SK_SCHED_COSINE, .lr_max = lr, .lr_min = min_lr, .warmup = we * spe, .total = steps};
    if (!rc) rc = sk_sched_check(&sched);
    if (!rc) sk_classifier_train_model(f.clf, &tm), rc = sk_optimizer_create(&optz, &tm, &hp);
    int32_t *tok = malloc((size_t)(B * L) * sizeof(int32_t)), *lab = malloc((size_t)B * sizeof(int32_t));
    uint8_t *ids = malloc((size_t)L);
    if (!rc && (!tok || !lab || !ids)) rc = sk_error(SK_ENOMEM, "finetune: out of memory");
    if (!rc && !quiet)
        fprintf(stderr, "finetune: %d classes, %lld parameters, %lld steps of %lld x %lld, lr %g (warm-up %lld steps, cosine "
                        "to %g), %s\n", ncls, (long long)sk_optimizer_numel(optz), (long long)steps, (long long)B,
                (long long)L, lr, (long long)(we * spe), min_lr, init ? "backbone from the pretrained LM" : "from scratch");
    sk_rng rng;
    sk_rng_seed(&rng, (uint64_t)seed, 0x46494e45u); /* stream "FINE": training draws */
    sk_interrupt_install();
    double best = -1, loss_sum = 0, t0 = sk_now();
    int64_t loss_n = 0;
    const char *meta[] = {"tokenizer", tokj, "provenance", prov, NULL, NULL, NULL};
    for (int64_t t = 1; t <= steps && !rc; t++) {
        double loss, gnorm;
        rc = sk_classifier_zero_grad(f.clf);
        if (!rc) rc = draw_batch(&f, &rng, tok, lab, ids);
        if (!rc) rc = sk_classifier_forward(f.clf, tok, lab, B, L, &loss);
        if (!rc) rc = sk_classifier_backward(f.clf);
        if (!rc) rc = sk_optimizer_grad_norm(optz, &gnorm);
        if (!rc && (!isfinite(loss) || !isfinite(gnorm)))
            rc = sk_error(SK_ENUM, "finetune: step %lld: loss %g, gradient norm %g (not finite); stopping with the last "
                                   "good checkpoint", (long long)t, loss, gnorm);
        if (!rc && hp.clip_norm > 0 && hp.clip_norm / (gnorm + 1e-6) < 1) /* torch clip_grad_norm_ */
            rc = sk_optimizer_scale_grads(optz, (float)(hp.clip_norm / (gnorm + 1e-6)));
        double lr_t = sk_sched_lr(&sched, t - 1);
        if (!rc) rc = sk_optimizer_step(optz, lr_t, t);
        loss_sum += loss, loss_n++;
        if (!rc && sk_interrupted()) rc = sk_error(SK_EINTR, "finetune: interrupted at step %lld", (long long)t);
        if (rc || (t % eval_every && t != steps)) continue;
        /* ---- evaluation: accuracy and confusion on valid and test ---- */
        double acc[2] = {NAN, NAN};
        char *cj[2] = {NULL, NULL};
        for (int s = 0; s < 2 && !rc; s++) {
            if (!f.ev[s].n) continue;
            rc = evaluate(&f, &f.ev[s], &acc[s]);
            if (!rc) cj[s] = confusion_json(&f);
            if (!rc && !quiet) print_confusion(&f, f.ev[s].name, acc[s]);
        }
        if (!rc) {
            double el = sk_now() - t0;
            if (!quiet)
                fprintf(stderr, "finetune: step %lld/%lld  train loss %.4f  lr %.3g  %.0f windows/s\n", (long long)t,
                        (long long)steps, loss_sum / (double)loss_n, lr_t, (double)(t * B) / (el > 0 ? el : 1));
            sk_jsonl_begin(log);
            sk_jsonl_int(log, "step", t);
            sk_jsonl_num(log, "train_loss", loss_sum / (double)loss_n);
            sk_jsonl_num(log, "lr", lr_t);
            sk_jsonl_num(log, "grad_norm", gnorm);
            for (int s = 0; s < 2; s++)
                if (f.ev[s].n) {
                    char key[32];
                    snprintf(key, sizeof key, "%s_accuracy", f.ev[s].name);
                    sk_jsonl_num(log, key, acc[s]);
                    snprintf(key, sizeof key, "%s_confusion", f.ev[s].name);
                    sk_jsonl_str(log, key, cj[s]); /* JSON array as a string */
                }
            sk_jsonl_num(log, "elapsed_s", el);
            rc = sk_jsonl_end(log);
            loss_sum = 0, loss_n = 0;
        }
        char metrics[128];
        snprintf(metrics, sizeof metrics, "{\"step\":%lld,\"valid_accuracy\":%.6g,\"test_accuracy\":%.6g}", (long long)t,
                 isnan(acc[0]) ? -1.0 : acc[0], isnan(acc[1]) ? -1.0 : acc[1]);
        meta[4] = "metrics", meta[5] = metrics;
        if (!rc) rc = sk_classifier_save(f.clf, out, meta);
        double key = f.ev[0].n ? acc[0] : -(double)t; /* no valid set: the last model is the best */
        if (!rc && (key > best || !f.ev[0].n)) best = key, rc = sk_classifier_save(f.clf, best_path, meta);
        free(cj[0]), free(cj[1]);
    }
    if (rc == SK_OK && !quiet) fprintf(stderr, "finetune: wrote %s and %s\n", out, best_path);
    if (log && sk_jsonl_close(log) && !rc) rc = SK_EIO;
    sk_optimizer_free(optz);
    free(tok), free(lab), free(ids), free(tokj), free(prov), free(best_path), free(log_path), free(f.conf);
    evalset_free(&f.ev[0]), evalset_free(&f.ev[1]);
    sk_classifier_free(f.clf);
    sk_dna_species_free(f.sp);
    sk_dna_labelled_free(f.tr), sk_dna_labelled_free(vl), sk_dna_labelled_free(tl);
    for (int i = 0; stems && stems[i]; i++) free(stems[i]);
    free(stems), free(names);
    free_list(cls);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
#endif
