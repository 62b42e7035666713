/* cmd_audio_clf.c — `ssmkit audio classifier train` and `ssmkit audio score`: the speech scorer. A
 * digit classifier of ssmkit's own (log-mel frames of 1-second clips, audio/sk_audio_clips.h, into
 * a frames classifier, models/sk_classifier.h) and the scores of clip sets through it: FID on its
 * penultimate features, the two Inception Scores, mIS, AM (audio/sk_audio_metrics.h, audio/README.md
 * §Speech scores) and its accuracy on labelled clips. Dispatched from cmd_audio.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/sk_cli.h"

#ifdef SSMKIT_HAVE_AUDIO

#include <cjson/cJSON.h>
#include "audio/sk_audio.h"
#include "audio/sk_audio_clips.h"
#include "audio/sk_audio_metrics.h"
#include "kernels/sk_runtime.h"
#include "models/sk_classifier.h"
#include "models/sk_model.h"
#include "models/sk_trainer.h"
#include "src/sk_io.h"
#include "src/sk_out.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"
#include "src/sk_sched.h"

/* ---- the classifier's view of clips ------------------------------------------------------------ */

/* A classifier with its front-end and the buffers of one batch. */
typedef struct scorer {
    sk_classifier *clf;
    sk_audio_frontend *fe;
    int64_t B, T, len;
    int nm, d, K;
    float *x, *tmp;    /* (len) one clip, scratch */
    float *frames;     /* (B, T, nm) */
    float *h;          /* (B, d) */
    double *lp;        /* (B, K) */
} scorer;

static void scorer_free(scorer *s) {
    sk_classifier_free(s->clf);
    sk_audio_frontend_free(s->fe);
    free(s->x), free(s->tmp), free(s->frames), free(s->h), free(s->lp);
    memset(s, 0, sizeof *s);
}

/* The class of the highest log-probability (the first on ties). */
static int argmax(const double *lp, int K) {
    int best = 0;
    for (int k = 1; k < K; k++)
        if (lp[k] > lp[best]) best = k;
    return best;
}

/* Buffers for a classifier and front-end already set (s->clf, s->fe, s->B). */
static int scorer_alloc(scorer *s) {
    const sk_audio_logmel_opts *o = sk_audio_frontend_opts(s->fe);
    s->len = o->len, s->nm = o->n_mels, s->T = sk_audio_frontend_frames(s->fe);
    s->d = (int)sk_mamba_lm_config(sk_classifier_backbone(s->clf))->blk.d_model;
    s->K = sk_classifier_nclasses(s->clf);
    s->x = malloc(sizeof *s->x * (size_t)s->len), s->tmp = malloc(sizeof *s->tmp * (size_t)s->len);
    s->frames = malloc(sizeof *s->frames * (size_t)(s->B * s->T * s->nm));
    s->h = malloc(sizeof *s->h * (size_t)(s->B * s->d));
    s->lp = malloc(sizeof *s->lp * (size_t)(s->B * s->K));
    return s->x && s->tmp && s->frames && s->h && s->lp ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
}

/* The classifier's class index of each class of a clip set (-1: not one of the classifier's). */
static int32_t *class_map(const scorer *s, const sk_audio_clips *cl) {
    int nc = sk_audio_clips_nclasses(cl);
    int32_t *map = malloc(sizeof *map * (size_t)(nc + 1));
    for (int k = 0; map && k < nc; k++) {
        map[k] = -1;
        for (int j = 0; j < s->K; j++)
            if (!strcmp(sk_audio_clips_class(cl, k), sk_classifier_class(s->clf, j))) map[k] = j;
    }
    return map;
}

/* What the classifier makes of a clip set: features (n, d), class probabilities (n, K), the
 * labels in its classes (-1 none) and its predictions. */
typedef struct view {
    int64_t n, labelled, correct;
    double *feat, *prob;
    int32_t *label, *pred;
} view;

static void view_free(view *v) {
    free(v->feat), free(v->prob), free(v->label), free(v->pred);
    memset(v, 0, sizeof *v);
}

/* Clips sel[0..n) of cl (sel NULL: all) through the classifier, B at a time. */
static int view_compute(scorer *s, sk_audio_clips *cl, const int64_t *sel, int64_t n, sk_progress *pg, view *v) {
    memset(v, 0, sizeof *v);
    v->n = n;
    v->feat = malloc(sizeof *v->feat * (size_t)(n * s->d + 1));
    v->prob = malloc(sizeof *v->prob * (size_t)(n * s->K + 1));
    v->label = malloc(sizeof *v->label * (size_t)(n + 1));
    v->pred = malloc(sizeof *v->pred * (size_t)(n + 1));
    int32_t *map = class_map(s, cl);
    int rc = v->feat && v->prob && v->label && v->pred && map ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    const int64_t fs = s->T * s->nm;
    for (int64_t i0 = 0; i0 < n && !rc; i0 += s->B) {
        int64_t b = n - i0 < s->B ? n - i0 : s->B;
        for (int64_t j = 0; j < b && !rc; j++) {
            int64_t c = sel ? sel[i0 + j] : i0 + j;
            rc = sk_audio_clips_read(cl, c, s->x);
            if (!rc) sk_audio_frontend_frames_of(s->fe, s->x, s->frames + j * fs);
            int32_t lab = sk_audio_clips_label(cl, c);
            v->label[i0 + j] = lab >= 0 ? map[lab] : -1;
        }
        if (!rc) rc = sk_classifier_forward_frames(s->clf, s->frames, NULL, b, s->T, NULL);
        if (!rc) rc = sk_classifier_features(s->clf, s->h);
        if (!rc) rc = sk_classifier_logprobs(s->clf, s->lp);
        for (int64_t j = 0; j < b && !rc; j++) {
            int64_t r = i0 + j;
            const int best = argmax(s->lp + j * s->K, s->K);
            for (int k = 0; k < s->K; k++) v->prob[r * s->K + k] = exp(s->lp[j * s->K + k]);
            for (int k = 0; k < s->d; k++) v->feat[r * s->d + k] = s->h[j * s->d + k];
            v->pred[r] = best;
            if (v->label[r] >= 0) v->labelled++, v->correct += best == v->label[r];
        }
        if (pg) sk_progress_add(pg, b);
    }
    free(map);
    if (rc) view_free(v);
    return rc;
}

static double view_accuracy(const view *v) { return v->labelled ? (double)v->correct / (double)v->labelled : NAN; }

/* Mean cross-entropy (nats) of the labelled clips. */
static double view_nll(const view *v, int K) {
    double s = 0;
    for (int64_t i = 0; i < v->n; i++)
        if (v->label[i] >= 0) s -= log(fmax(v->prob[i * K + v->label[i]], 1e-300));
    return v->labelled ? s / (double)v->labelled : NAN;
}

static int scorer_load(scorer *s, const char *path, const char *device, int64_t B);

/* ---- classifier train ------------------------------------------------------------------------ */

static const char *usage_train =
    "Usage: ssmkit audio classifier train SHARD -o CLF.safetensors [options]\n"
    "\n"
    "Train a digit classifier for `ssmkit audio score` on a labelled audio shard (`ssmkit audio prep`:\n"
    "labels from folder names, splits). Every clip is decoded from its tokens, cut or padded to\n"
    "--clip samples, turned into log-mel frames (Hann STFT, HTK mel bands, ln with a floor) and\n"
    "normalised per band with the mean and deviation of the train split's frames (stored in the\n"
    "checkpoint, so scoring computes the same frames). A Mamba classifier reads the frames (a linear\n"
    "frame embedding, the backbone, the mean over the frames, a linear head) and is trained with\n"
    "AdamW (linear warm-up over the first epoch, cosine decay) on the train split, the clips\n"
    "augmented afresh every epoch. After every epoch the valid accuracy and loss are printed; OUT holds\n"
    "the model of the best one (highest accuracy, then lowest loss; the last one when there is no\n"
    "valid split), and its test accuracy is printed at the end.\n"
    "\n"
    "Options:\n";

typedef struct train_opts {
    const char *shard, *out, *device;
    int64_t epochs, B, d_model, layers, d_state, seed, threads, n_fft, hop, n_mels;
    double lr, wd, clip;
    sk_audio_augment aug;
    int quiet, no_aug;
} train_opts;

/* Mean and deviation of each mel band over every frame of the clips (unaugmented). */
static int frontend_norm(scorer *s, sk_audio_clips *cl, const int64_t *sel, int64_t n) {
    const int64_t fs = s->T * s->nm;
    double *v = malloc(sizeof *v * (size_t)fs), *sum = calloc((size_t)s->nm * 2, sizeof *sum), *mean = NULL;
    int rc = v && sum ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    for (int64_t i = 0; i < n && !rc; i++) {
        rc = sk_audio_clips_read(cl, sel[i], s->x);
        if (!rc) sk_audio_frontend_logmel(s->fe, s->x, v);
        for (int64_t t = 0; t < fs && !rc; t++) sum[t % s->nm] += v[t], sum[s->nm + t % s->nm] += v[t] * v[t];
    }
    if (!rc && !(mean = malloc(sizeof *mean * (size_t)s->nm * 2))) rc = sk_error(SK_ENOMEM, "out of memory");
    for (int b = 0; b < s->nm && !rc; b++) {
        double m = sum[b] / (double)(n * s->T), var = sum[s->nm + b] / (double)(n * s->T) - m * m;
        mean[b] = m, mean[s->nm + b] = sqrt(var > 0 ? var : 0);
    }
    if (!rc) sk_audio_frontend_set_norm(s->fe, mean, mean + s->nm);
    free(v), free(sum), free(mean);
    return rc;
}

/* The examples of a split that carry a label. */
static int labelled(sk_audio_clips *cl, int64_t **sel, int64_t *n) {
    int64_t m = sk_audio_clips_count(cl);
    *n = 0;
    if (!(*sel = malloc(sizeof **sel * (size_t)(m + 1)))) return sk_error(SK_ENOMEM, "out of memory");
    for (int64_t i = 0; i < m; i++)
        if (sk_audio_clips_label(cl, i) >= 0) (*sel)[(*n)++] = i;
    return SK_OK;
}

/* The training run: clip sets of the three splits, the classifier, its optimizer. */
typedef struct trainer {
    const train_opts *o;
    scorer s;
    sk_audio_clips *split[3];
    int64_t *sel[3], n[3];
    sk_model *m;
    sk_optimizer *opt;
    sk_sched sched;
    int64_t step;
    sk_rng rng;
    int32_t *lab;
    char *fej, *prov;
    sk_progress pg;   /* "audio classifier: 2.1k/40.8k clips ..." over all epochs */
} trainer;

static void trainer_free(trainer *t) {
    sk_optimizer_free(t->opt);
    if (t->m) sk_model_disown(t->m);
    scorer_free(&t->s);
    for (int k = 0; k < 3; k++) sk_audio_clips_close(t->split[k]), free(t->sel[k]);
    free(t->lab), free(t->fej), free(t->prov);
}

static int train_setup(trainer *t, const train_opts *o) {
    t->o = o;
    sk_audio_logmel_opts fo;
    sk_audio_logmel_defaults(&fo);
    fo.n_fft = (int)o->n_fft, fo.hop = (int)o->hop, fo.n_mels = (int)o->n_mels;
    TRY(sk_audio_frontend_new(&t->s.fe, &fo));
    for (int k = 0; k < 3; k++) {
        TRY(sk_audio_clips_open(&t->split[k], o->shard, k, fo.rate, fo.len));
        TRY(labelled(t->split[k], &t->sel[k], &t->n[k]));
    }
    int K = sk_audio_clips_nclasses(t->split[0]);
    if (K < 2) return sk_error(SK_EINVAL, "%s: %d labels: a classifier needs 2 or more (prep folders named by class)", o->shard, K);
    if (t->n[0] < 1) return sk_error(SK_EINVAL, "%s: no labelled clips in the train split", o->shard);
    const char *cls[1024];
    if (K > 1024) return sk_error(SK_EINVAL, "%s: %d labels: at most 1024", o->shard, K);
    for (int k = 0; k < K; k++) cls[k] = sk_audio_clips_class(t->split[0], k);
    sk_mamba_config mc;
    sk_mamba_config_defaults(&mc);
    mc.blk.d_model = o->d_model, mc.blk.d_state = o->d_state, mc.n_layer = o->layers, mc.vocab_size = 1;
    TRY(sk_mamba_config_finish(&mc, "audio classifier"));
    const sk_backend *be;
    sk_runtime_threads((int)o->threads);
    TRY(sk_runtime_backend(o->device, &be));
    t->s.B = o->B;
    int64_t T = sk_audio_frontend_frames(t->s.fe);
    TRY(sk_classifier_create_frames(&t->s.clf, &mc, (int)o->n_mels, K, cls, be, o->B, T, SK_MODEL_GRADS));
    TRY(sk_classifier_init(t->s.clf, (uint64_t)o->seed));
    TRY(sk_classifier_set_pool(t->s.clf, SK_POOL_MEAN, -1));
    TRY(scorer_alloc(&t->s));
    TRY(frontend_norm(&t->s, t->split[0], t->sel[0], t->n[0]));
    int rc = sk_model_wrap_classifier(&t->m, t->s.clf);
    if (rc) return t->s.clf = NULL, rc; /* freed by the failed wrap */
    sk_optim_hparams hp = SK_OPTIM_DEFAULTS;
    hp.weight_decay = o->wd, hp.clip_norm = o->clip;
    TRY(sk_optimizer_create(&t->opt, t->m, &hp));
    int64_t spe = (t->n[0] + o->B - 1) / o->B;
    t->sched = (sk_sched){.kind = SK_SCHED_COSINE, .lr_max = o->lr, .lr_min = o->lr / 100, .warmup = spe,
                          .total = o->epochs * spe};
    if (o->epochs * spe <= spe) t->sched.warmup = 0;
    sk_rng_seed(&t->rng, (uint64_t)o->seed, 0x434c4946u); /* stream "CLIF": shuffles and augmentation */
    if (!(t->lab = malloc(sizeof *t->lab * (size_t)o->B))) return sk_error(SK_ENOMEM, "out of memory");
    t->fej = sk_audio_frontend_json(t->s.fe);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "program", "ssmkit audio classifier train");
    cJSON_AddStringToObject(p, "shard", o->shard);
    cJSON_AddNumberToObject(p, "epochs", (double)o->epochs);
    cJSON_AddNumberToObject(p, "seed", (double)o->seed);
    cJSON *a = cJSON_AddObjectToObject(p, "augment");
    cJSON_AddNumberToObject(a, "gain_db", o->aug.gain_db);
    cJSON_AddNumberToObject(a, "shift", o->aug.shift);
    cJSON_AddNumberToObject(a, "speed", o->aug.speed);
    cJSON_AddNumberToObject(a, "noise", o->aug.noise);
    cJSON_AddNumberToObject(a, "snr_min", o->aug.snr_lo);
    cJSON_AddNumberToObject(a, "snr_max", o->aug.snr_hi);
    t->prov = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    return t->fej && t->prov ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
}

/* One epoch over the train split in a fresh order, each clip augmented; the mean loss and the
 * training accuracy (of the augmented clips, before each update). */
static int train_epoch(trainer *t, double *loss, double *acc) {
    scorer *s = &t->s;
    const int64_t n = t->n[0], B = t->o->B, fs = s->T * s->nm;
    sk_rng_shuffle_i64(&t->rng, t->sel[0], n);
    double sl = 0;
    int64_t right = 0;
    for (int64_t i0 = 0; i0 < n; i0 += B) {
        int64_t b = n - i0 < B ? n - i0 : B;
        for (int64_t j = 0; j < b; j++) {
            int64_t c = t->sel[0][i0 + j];
            TRY(sk_audio_clips_read(t->split[0], c, s->x));
            sk_audio_augment_clip(s->x, s->len, &t->o->aug, &t->rng, s->tmp);
            sk_audio_frontend_frames_of(s->fe, s->x, s->frames + j * fs);
            t->lab[j] = sk_audio_clips_label(t->split[0], c);
        }
        double l, norm;
        TRY(sk_classifier_zero_grad(s->clf));
        TRY(sk_classifier_forward_frames(s->clf, s->frames, t->lab, b, s->T, &l));
        TRY(sk_classifier_logprobs(s->clf, s->lp));
        for (int64_t j = 0; j < b; j++) right += argmax(s->lp + j * s->K, s->K) == t->lab[j];
        TRY(sk_classifier_backward(s->clf));
        TRY(sk_optimizer_grad_norm(t->opt, &norm));
        if (!isfinite(l) || !isfinite(norm)) return sk_error(SK_ENUM, "audio classifier: loss or gradient not finite at update %lld", (long long)t->step + 1);
        double c = sk_clip_factor(t->o->clip, norm);
        if (c < 1) TRY(sk_optimizer_scale_grads(t->opt, (float)c));
        t->step++;
        TRY(sk_optimizer_step(t->opt, sk_sched_lr(&t->sched, t->step - 1), t->step));
        sl += l * (double)b;
        sk_progress_add(&t->pg, b);
    }
    *loss = sl / (double)n, *acc = (double)right / (double)n;
    return SK_OK;
}

static int save_clf(const trainer *t, const sk_classifier *c, const char *path, int64_t epoch, double vacc) {
    char metrics[160];
    snprintf(metrics, sizeof metrics, "{\"epoch\":%lld,\"valid_accuracy\":%.6g}", (long long)epoch, isnan(vacc) ? -1.0 : vacc);
    const char *meta[] = {"frontend", t->fej, "provenance", t->prov, "metrics", metrics, NULL};
    return sk_classifier_save(c, path, meta);
}

static int classifier_train(const train_opts *o) {
    trainer t = {0};
    int rc = train_setup(&t, o);
    if (!rc && !o->quiet)
        fprintf(stderr, "audio classifier: %d classes, %lld train / %lld valid / %lld test clips, %lld frames x %d mels, "
                        "%lld parameters, %lld epochs of %lld updates\n", t.s.K, (long long)t.n[0], (long long)t.n[1],
                (long long)t.n[2], (long long)t.s.T, t.s.nm, (long long)sk_optimizer_numel(t.opt), (long long)o->epochs,
                (long long)((t.n[0] + o->B - 1) / o->B));
    double best = -1, best_nll = INFINITY, t0 = sk_now();
    sk_progress_open(&t.pg, "audio classifier", "clips", rc ? 0 : o->epochs * t.n[0], o->quiet);
    int64_t best_epoch = 0;
    for (int64_t e = 1; e <= o->epochs && !rc; e++) {
        double loss = NAN, acc = NAN;
        view v = {0};
        rc = train_epoch(&t, &loss, &acc);
        if (!rc && t.n[1]) rc = view_compute(&t.s, t.split[1], t.sel[1], t.n[1], NULL, &v);
        double vacc = t.n[1] ? view_accuracy(&v) : NAN, vnll = t.n[1] ? view_nll(&v, t.s.K) : NAN;
        view_free(&v);
        /* the best: the highest valid accuracy, then the lowest valid loss (accuracy saturates) */
        int better = !rc && (isnan(vacc) || vacc > best || (vacc == best && vnll < best_nll));
        if (better) best = isnan(vacc) ? best : vacc, best_nll = vnll, best_epoch = e, rc = save_clf(&t, t.s.clf, o->out, e, vacc);
        if (!rc && !o->quiet) {
            char va[64] = "";
            if (!isnan(vacc)) snprintf(va, sizeof va, "  valid accuracy %.1f%%  loss %.4f%s", 100 * vacc, vnll, better ? " (best)" : "");
            sk_progress_break();
            fprintf(stderr, "audio classifier: epoch %lld/%lld  train loss %.4f  train accuracy %.1f%%%s  %.0f s\n", (long long)e,
                    (long long)o->epochs, loss, 100 * acc, va, sk_now() - t0);
        }
    }
    sk_progress_end(&t.pg);
    if (!rc) { /* the saved model on the test split */
        scorer ts = {0};
        view v = {0};
        rc = scorer_load(&ts, o->out, o->device, o->B);
        if (!rc && t.n[2]) rc = view_compute(&ts, t.split[2], t.sel[2], t.n[2], NULL, &v);
        char va[64] = "no valid clips", ta[64] = "no test clips";
        if (best >= 0) snprintf(va, sizeof va, "valid accuracy %.1f%%", 100 * best);
        if (v.labelled) snprintf(ta, sizeof ta, "test accuracy %.1f%% of %lld clips", 100 * view_accuracy(&v), (long long)v.labelled);
        if (!rc)
            fprintf(stderr, "audio classifier: wrote %s (epoch %lld, %s, %s) in %.0f s\n", o->out, (long long)best_epoch, va, ta,
                    sk_now() - t0);
        view_free(&v);
        scorer_free(&ts);
    }
    trainer_free(&t);
    return rc;
}

static int audio_classifier_train(int argc, char **argv) {
    const char *cmd = "audio classifier train";
    train_opts o = {0};
    const sk_opt opts[] = {
        SK_O_OUTPUT(&o.out, "CLF", "classifier checkpoint to write (the best valid epoch; atomically)"),
        SK_O_SECTION("Model and optimization:"),
        SK_O_INT("epochs", 0, &o.epochs, 1, 1 << 20, "30", "N", "passes over the train split"),
        SK_O_INT("batch", 'b', &o.B, 1, 1 << 16, "32", "B", "clips per update"),
        SK_O_NUM("lr", 0, &o.lr, 1e-9, 10, "3e-3", "LR", "peak learning rate (warm-up over the first epoch, cosine to LR/100)"),
        SK_O_NUM("weight-decay", 0, &o.wd, 0, 10, "0.05", "W", "AdamW decoupled decay (not on norms, biases, A_log, D)"),
        SK_O_NUM("clip", 0, &o.clip, 0, 1e12, "1.0", "C", "global gradient-norm clipping, 0 = off"),
        SK_O_INT("d-model", 0, &o.d_model, 4, 4096, "64", "D", "model width"),
        SK_O_INT("layers", 0, &o.layers, 1, 64, "2", "N", "Mamba layers"),
        SK_O_INT("d-state", 0, &o.d_state, 1, 256, "16", "N", "SSM state size"),
        SK_O_SECTION("Front-end (stored in the checkpoint):"),
        SK_O_INT("fft", 0, &o.n_fft, 16, 16000, "400", "N", "STFT size in samples (even)"),
        SK_O_INT("hop", 0, &o.hop, 1, 16000, "160", "H", "samples between frames"),
        SK_O_INT("mels", 0, &o.n_mels, 1, 1024, "40", "M", "mel bands (the frame size)"),
        SK_O_SECTION("Augmentation of the training clips:"),
        SK_O_NUM("gain", 0, &o.aug.gain_db, 0, 60, "6", "DB", "gain uniform in +-DB"),
        SK_O_NUM("shift", 0, &o.aug.shift, 0, 0.5, "0.1", "F", "time shift uniform in +-F of the clip, zeros shifted in"),
        SK_O_NUM("speed", 0, &o.aug.speed, 0, 0.5, "0.1", "F", "speed (pitch and tempo) factor uniform in 1 +- F"),
        SK_O_NUM("noise", 0, &o.aug.noise, 0, 1, "0.5", "P", "probability of added white noise ..."),
        SK_O_NUM("snr-min", 0, &o.aug.snr_lo, -30, 100, "10", "DB", "... at an SNR uniform from this"),
        SK_O_NUM("snr-max", 0, &o.aug.snr_hi, -30, 100, "40", "DB", "... to this"),
        SK_O_FLAG("no-augment", 0, &o.no_aug, "train on the clips as they are"),
        SK_O_SEED('s', &o.seed, "initialisation, clip order and augmentation"),
        SK_O_THREADS(&o.threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&o.device),
        SK_O_QUIET(&o.quiet, "no epoch lines on stderr (the summary is always printed)"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage_train, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!o.out) return sk_cli_usage(cmd, "missing -o CLF");
    if (argc - optind != 1) return sk_cli_usage(cmd, "expected one shard");
    if (o.n_fft % 2) return sk_cli_usage(cmd, "--fft %lld: must be even", (long long)o.n_fft);
    if (o.aug.snr_lo > o.aug.snr_hi) return sk_cli_usage(cmd, "--snr-min is above --snr-max");
    if (o.no_aug) o.aug = (sk_audio_augment){0};
    o.shard = argv[optind];
    return classifier_train(&o) ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

static const char *usage_classifier =
    "Usage: ssmkit audio classifier train SHARD -o CLF.safetensors [options]\n"
    "\n"
    "The digit classifier of `ssmkit audio score`. Run 'ssmkit audio classifier train --help'.\n";

int audio_classifier(int argc, char **argv) {
    static const sk_cmd sub[] = {{"train", audio_classifier_train, "", NULL}};
    if (argc < 2) return fputs(usage_classifier, stderr), SK_EXIT_USAGE;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return fputs(usage_classifier, stdout), SK_EXIT_OK;
    return sk_cmd_run(sub, 1, "audio classifier", argc, argv);
}

/* ---- score ----------------------------------------------------------------------------------- */

static const char *usage_score =
    "Usage: ssmkit audio score -c CLF.safetensors --reference TRAIN_SHARD|DIR INPUT... [options]\n"
    "\n"
    "Score clip sets through a classifier of `ssmkit audio classifier train` (audio/README.md\n"
    "§Speech scores). An INPUT or the reference is an audio shard (the examples of --split, or of\n"
    "--reference-split) or a folder of audio files (walked recursively; a file's label is its parent\n"
    "folder's name, e.g. DIR/seven/x.wav). Every clip is cut or zero-padded to the classifier's clip\n"
    "length (1 s), read at its rate. One row per INPUT:\n"
    "  fid          Frechet distance between the INPUT's and the reference's penultimate features\n"
    "  is           Inception Score, textbook: exp(mean KL(p(y|x) || p(y)))\n"
    "  is_sashimi   Inception Score as SaShiMi's scripts compute it (each class column normalised\n"
    "               over the clips; on a seeded half of them), for published tables\n"
    "  mis          modified IS (10,000 seeded pairs)\n"
    "  am           AM score against the reference's class distribution\n"
    "  accuracy     of the predictions on the clips whose label is one of the classifier's classes\n"
    "With --threshold, the one INPUT is the folder of `ssmkit audio generate` and only the clips\n"
    "the likelihood-threshold protocol keeps are scored (`ssmkit audio threshold`); the kept range\n"
    "is printed.\n"
    "\n"
    "Options:\n";

typedef struct score_row {
    const char *input;
    int64_t clips, labelled;
    double acc, fid, is, is_sashimi, mis, am;
} score_row;

/* The scores of a view against the reference view. */
static int score_view(const view *g, const view *ref, int d, int K, uint64_t seed, score_row *r) {
    r->clips = g->n, r->labelled = g->labelled, r->acc = view_accuracy(g);
    r->fid = NAN;
    if (g->n >= 2 && ref->n >= 2) TRY(sk_metric_fid(g->feat, g->n, ref->feat, ref->n, d, &r->fid));
    r->is = sk_metric_is_textbook(g->prob, g->n, K);
    r->am = sk_metric_am(ref->prob, ref->n, g->prob, g->n, K);
    sk_rng rng;
    sk_rng_seed(&rng, seed, 0x49530000u); /* "IS": the half of SaShiMi's IS and the pairs of mIS */
    int64_t *perm = malloc(sizeof *perm * (size_t)(g->n + 1)), np = 10000;
    int64_t *pairs = malloc(sizeof *pairs * 2 * (size_t)np);
    double *half = malloc(sizeof *half * (size_t)((g->n / 2 + 1) * K));
    if (!perm || !pairs || !half) return free(perm), free(pairs), free(half), sk_error(SK_ENOMEM, "out of memory");
    for (int64_t i = 0; i < g->n; i++) perm[i] = i;
    sk_rng_shuffle_i64(&rng, perm, g->n);
    int64_t nh = g->n / 2 ? g->n / 2 : g->n;
    for (int64_t i = 0; i < nh; i++) memcpy(half + i * K, g->prob + perm[i] * K, sizeof *half * (size_t)K);
    r->is_sashimi = sk_metric_is_sashimi(half, nh, K);
    for (int64_t i = 0; i < 2 * np; i++) pairs[i] = (int64_t)sk_rng_below(&rng, (uint64_t)g->n);
    r->mis = sk_metric_mis(g->prob, K, pairs, np);
    free(perm), free(pairs), free(half);
    return SK_OK;
}

/* Per clip: name, label, prediction, probabilities, features (the --dump file). */
static int dump_view(sk_out *o, const char *input, sk_audio_clips *cl, const int64_t *sel, const view *v, int d, int K) {
    for (int64_t i = 0; i < v->n; i++) {
        char buf[600];
        const char *name = sk_audio_clips_name(cl, sel ? sel[i] : i, buf, sizeof buf);
        TRY(sk_out_printf(o, "%s\t%s\t%d\t%d", input, name, v->label[i], v->pred[i]));
        for (int k = 0; k < K; k++) TRY(sk_out_printf(o, "\t%.17g", v->prob[i * K + k]));
        for (int k = 0; k < d; k++) TRY(sk_out_printf(o, "\t%.9g", v->feat[i * d + k]));
        TRY(sk_out_printf(o, "\n"));
    }
    return SK_OK;
}

static void fmt_num(char *b, size_t cap, double v, const char *f) {
    if (isnan(v)) snprintf(b, cap, "-");
    else snprintf(b, cap, f, v);
}

static int write_rows(sk_out *o, const score_row *r, int n) {
    TRY(sk_out_printf(o, "input\tclips\tlabelled\taccuracy\tfid\tis\tis_sashimi\tmis\tam\n"));
    for (int i = 0; i < n; i++) {
        char c[6][32];
        fmt_num(c[0], 32, r[i].acc, "%.8g"), fmt_num(c[1], 32, r[i].fid, "%.8g"), fmt_num(c[2], 32, r[i].is, "%.8g");
        fmt_num(c[3], 32, r[i].is_sashimi, "%.8g"), fmt_num(c[4], 32, r[i].mis, "%.8g"), fmt_num(c[5], 32, r[i].am, "%.8g");
        TRY(sk_out_printf(o, "%s\t%lld\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", r[i].input, (long long)r[i].clips, (long long)r[i].labelled,
                          c[0], c[1], c[2], c[3], c[4], c[5]));
    }
    return SK_OK;
}

static void json_num(cJSON *o, const char *k, double v) {
    if (isnan(v)) cJSON_AddNullToObject(o, k);
    else cJSON_AddNumberToObject(o, k, v);
}

static char *rows_json(const char *clf, const char *ref, int64_t nref, const char *say, const score_row *r, int n) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "classifier", clf);
    cJSON_AddStringToObject(j, "reference", ref);
    cJSON_AddNumberToObject(j, "reference_clips", (double)nref);
    if (say) cJSON_AddStringToObject(j, "threshold", say);
    cJSON *a = cJSON_AddArrayToObject(j, "rows");
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "input", r[i].input);
        cJSON_AddNumberToObject(e, "clips", (double)r[i].clips);
        cJSON_AddNumberToObject(e, "labelled", (double)r[i].labelled);
        json_num(e, "accuracy", r[i].acc), json_num(e, "fid", r[i].fid), json_num(e, "is", r[i].is);
        json_num(e, "is_sashimi", r[i].is_sashimi), json_num(e, "mis", r[i].mis), json_num(e, "am", r[i].am);
        cJSON_AddItemToArray(a, e);
    }
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    return s;
}

static int has_suffix(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* The files of the kept ranks of a loglik.tsv in the folder dir (column 2 of each row). */
static int threshold_files(const char *dir, const char *tsv, uint64_t seed, char ***files, int64_t *n, char *say, size_t saylen) {
    sk_loglik t;
    int64_t *keep;
    TRY(sk_loglik_read(tsv, &t));
    int rc = sk_loglik_threshold(tsv, &t, seed, &keep, n, say, saylen);
    if (rc) return sk_loglik_free(&t), rc;
    *files = calloc((size_t)*n + 1, sizeof **files);
    if (!*files) rc = sk_error(SK_ENOMEM, "out of memory");
    for (int64_t i = 0; i < *n && !rc; i++) {
        const char *row = t.row[keep[i] - 1], *f = strchr(row, '\t');
        size_t fl = f ? strcspn(f + 1, "\t") : 0;
        if (!fl) rc = sk_error(SK_EFORMAT, "%s: rank %lld: no file column", tsv, (long long)keep[i]);
        else if (!((*files)[i] = malloc(strlen(dir) + fl + 2))) rc = sk_error(SK_ENOMEM, "out of memory");
        else sprintf((*files)[i], "%s/%.*s", dir, (int)fl, f + 1);
    }
    free(keep);
    sk_loglik_free(&t);
    if (rc) sk_audio_free_list(*files, *n), *files = NULL;
    return rc;
}

typedef struct score_opts {
    const char *clf, *ref, *out, *json, *dump, *threshold, *device;
    int split, ref_split, quiet;
    int64_t B, seed, threads;
    char **inputs;
    int ninputs;
} score_opts;

/* The reference's view, then one row per input (dumped per clip when asked). */
static int score_inputs(scorer *s, const score_opts *o, view *ref, score_row *rows, sk_out *dump, char *say, size_t saylen) {
    const sk_audio_logmel_opts *fo = sk_audio_frontend_opts(s->fe);
    sk_audio_clips *cl;
    sk_progress pg;
    TRY(sk_audio_clips_open(&cl, o->ref, o->ref_split, fo->rate, fo->len));
    sk_progress_open(&pg, "audio score: reference", "clips", sk_audio_clips_count(cl), o->quiet);
    int rc = view_compute(s, cl, NULL, sk_audio_clips_count(cl), &pg, ref);
    sk_progress_end(&pg);
    if (!rc && dump) rc = dump_view(dump, "reference", cl, NULL, ref, s->d, s->K);
    sk_audio_clips_close(cl);
    if (!rc && ref->n < 2) rc = sk_error(SK_EINVAL, "%s: %lld clips: the reference needs 2 or more", o->ref, (long long)ref->n);
    for (int i = 0; i < o->ninputs && !rc; i++) {
        char **files = NULL;
        int64_t nf = 0;
        if (o->threshold) {
            rc = threshold_files(o->inputs[i], o->threshold, (uint64_t)o->seed, &files, &nf, say, saylen);
            if (!rc) rc = sk_audio_clips_files(&cl, files, nf, NULL, fo->rate, fo->len);
        } else {
            rc = sk_audio_clips_open(&cl, o->inputs[i], o->split, fo->rate, fo->len);
        }
        if (rc) {
            sk_audio_free_list(files, nf);
            break;
        }
        view v;
        rows[i].input = o->inputs[i];
        sk_progress_open(&pg, "audio score", "clips", sk_audio_clips_count(cl), o->quiet);
        rc = view_compute(s, cl, NULL, sk_audio_clips_count(cl), &pg, &v);
        sk_progress_end(&pg);
        if (!rc && !v.n) rc = sk_error(SK_EINVAL, "%s: no clips to score", o->inputs[i]);
        if (!rc) rc = score_view(&v, ref, s->d, s->K, (uint64_t)o->seed, &rows[i]);
        if (!rc && dump) rc = dump_view(dump, o->inputs[i], cl, NULL, &v, s->d, s->K);
        int64_t cut, pad;
        sk_audio_clips_fit_counts(cl, &cut, &pad);
        if (!rc && (cut || pad) && !o->quiet)
            fprintf(stderr, "audio score: %s: %lld clips cut and %lld padded to %lld samples\n", o->inputs[i], (long long)cut,
                    (long long)pad, (long long)fo->len);
        view_free(&v);
        sk_audio_clips_close(cl);
        sk_audio_free_list(files, nf);
    }
    return rc;
}

/* The classifier of CLF with the front-end of its metadata, sized for batches of B clips; a
 * checkpoint of another kind, or a classifier of tokens, is an error saying so. */
static int scorer_load(scorer *s, const char *path, const char *device, int64_t B) {
    const sk_backend *be;
    TRY(sk_runtime_backend(device, &be));
    TRY(sk_model_expect(path, SK_MODEL_CLF_ONLY));
    sk_st *st;
    TRY(sk_st_open(path, &st));
    const char *fej = sk_st_meta(st, "frontend");
    int rc = fej ? sk_audio_frontend_from_json(&s->fe, fej, path)
                 : sk_error(SK_EINVAL, "%s: a classifier without a log-mel front-end, not an audio classifier (train one "
                                       "with `ssmkit audio classifier train`)", path);
    sk_st_close(st);
    s->B = B;
    if (!rc) rc = sk_classifier_load(&s->clf, path, be, B, sk_audio_frontend_frames(s->fe), SK_MODEL_INFER);
    if (!rc && sk_classifier_frame_dim(s->clf) != sk_audio_frontend_opts(s->fe)->n_mels)
        rc = sk_error(SK_EINVAL, "%s: the classifier reads frames of %d values but its front-end makes %d", path,
                      sk_classifier_frame_dim(s->clf), sk_audio_frontend_opts(s->fe)->n_mels);
    if (!rc) rc = scorer_alloc(s);
    return rc;
}

static int score_run(const score_opts *o) {
    scorer s = {0};
    view ref = {0};
    score_row *rows = calloc((size_t)o->ninputs, sizeof *rows);
    char say[512] = "";
    sk_out dump;
    int dumping = 0;
    sk_runtime_threads((int)o->threads);
    int rc = rows ? scorer_load(&s, o->clf, o->device, o->B) : sk_error(SK_ENOMEM, "out of memory");
    if (!rc && o->dump && !(rc = sk_out_open(&dump, o->dump))) {
        dumping = 1;
        rc = sk_out_printf(&dump, "input\tclip\tlabel\tprediction");
        for (int k = 0; k < s.K && !rc; k++) rc = sk_out_printf(&dump, "\tp_%s", sk_classifier_class(s.clf, k));
        for (int k = 0; k < s.d && !rc; k++) rc = sk_out_printf(&dump, "\tf%d", k);
        if (!rc) rc = sk_out_printf(&dump, "\n");
    }
    if (!rc) rc = score_inputs(&s, o, &ref, rows, dumping ? &dump : NULL, say, sizeof say);
    if (dumping) rc = rc ? (sk_out_abort(&dump), rc) : sk_out_close(&dump);
    if (!rc) {
        sk_out so;
        if (*say) printf("# %s\n", say);
        rc = sk_out_open(&so, NULL);
        if (!rc) rc = write_rows(&so, rows, o->ninputs);
        if (!rc) rc = sk_out_close(&so);
    }
    if (!rc && o->out) {
        sk_out fo;
        rc = sk_out_open(&fo, o->out);
        if (!rc) rc = write_rows(&fo, rows, o->ninputs);
        rc = rc ? (sk_out_abort(&fo), rc) : sk_out_close(&fo);
    }
    if (!rc && o->json) {
        char *j = rows_json(o->clf, o->ref, ref.n, *say ? say : NULL, rows, o->ninputs);
        rc = j ? sk_write_file_atomic(o->json, j, strlen(j)) : sk_error(SK_ENOMEM, "out of memory");
        free(j);
    }
    view_free(&ref);
    scorer_free(&s);
    free(rows);
    return rc;
}

static int split_value(const char *cmd, const sk_opt *o, const char *arg) {
    static const char *names[] = {"train", "valid", "test", "all"};
    for (int k = 0; k < 4; k++)
        if (!strcmp(arg, names[k])) return *(int *)o->dst = k == 3 ? -1 : k, 0;
    return sk_cli_usage(cmd, "--%s: '%s' is not train, valid, test or all", o->name, arg), -1;
}

int audio_score(int argc, char **argv) {
    const char *cmd = "audio score";
    score_opts o = {0};
    const sk_opt opts[] = {
        SK_O_STR("classifier", 'c', &o.clf, NULL, "CLF", "classifier checkpoint (`ssmkit audio classifier train`)"),
        SK_O_STR("reference", 'r', &o.ref, NULL, "REF", "the real clips: an audio shard or a folder"),
        SK_O_FN("reference-split", 0, &o.ref_split, split_value, "train", "S", "examples of a shard reference: train, valid, test or all"),
        SK_O_FN("split", 0, &o.split, split_value, "test", "S", "examples of a shard INPUT: train, valid, test or all"),
        SK_O_STR("threshold", 0, &o.threshold, NULL, "LOGLIK.tsv", "score the clips the likelihood-threshold protocol keeps\n"
                 "(the loglik.tsv of `ssmkit audio generate` in the INPUT folder)"),
        SK_O_OUTPUT(&o.out, "FILE", "the rows as TSV, or as JSON when FILE ends in .json (atomically)"),
        SK_O_OUT("json", 0, &o.json, "FILE", "the rows as JSON as well (atomically)"),
        SK_O_OUT("dump", 0, &o.dump, "FILE", "per clip: input, clip, label, prediction, K probabilities, the features"),
        SK_O_INT("batch", 'b', &o.B, 1, 1 << 16, "64", "B", "clips per forward pass"),
        SK_O_SEED('s', &o.seed, "the halves of SaShiMi's IS and --threshold, the pairs of mIS"),
        SK_O_THREADS(&o.threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&o.device),
        SK_O_QUIET(&o.quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){cmd, usage_score, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!o.clf) return sk_cli_usage(cmd, "missing -c CLF");
    if (!o.ref) return sk_cli_usage(cmd, "missing --reference");
    if (optind >= argc) return sk_cli_usage(cmd, "missing the clips to score");
    if (o.threshold && argc - optind != 1) return sk_cli_usage(cmd, "--threshold scores one folder");
    if (o.out && has_suffix(o.out, ".json")) {
        if (o.json) return sk_cli_usage(cmd, "-o %s is JSON already: leave out --json", o.out);
        o.json = o.out, o.out = NULL;
    }
    o.inputs = argv + optind, o.ninputs = argc - optind;
    return score_run(&o) ? sk_cli_fail(NULL) : SK_EXIT_OK;
}

#endif
