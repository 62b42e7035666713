/* test_trainer_hooks.c — the one training loop driven by the caller's hooks (sk_train_hooks), as
 * `ssmkit finetune` drives it, against the same loop on an sk_data source.
 *
 * 1. Batches from next_batch equal to the sk_data batches give bitwise the same weights after 6
 *    updates (the loop's arithmetic does not depend on where the batches come from).
 * 2. evaluate runs after updates 3 and 6 (eval_every 3 and the last one); its loss_mean is the
 *    mean of the update losses since the previous evaluation, summed in update order (the
 *    per-update losses come from a run that evaluates after every update).
 * 3. A run without training state writes CKPT and STEM.best.safetensors (at the best score) with
 *    the caller's metadata and the evaluation's, no "train"/"step"/"best_valid" keys, and no
 *    STEM.train.safetensors; it cannot be resumed.
 * 4. A batch hook with training state, or both a batch hook and a data source, is refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "models/sk_mamba.h"
#include "models/sk_model.h"
#include "models/sk_trainer.h"
#include "src/sk_io.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"
#include "tests/sk_test.h"
#include "tests/models/trainer_data.h"

enum { B = 2, L = 24, STEPS = 6 };

static char dir[] = "/tmp/sk_test_trainer_hooks_XXXXXX";
static char data_path[128];

static sk_data *open_data(void) {
    sk_data_opts o = {.length = L, .batch = B, .split = SK_DATA_ALL, .mode = SK_DATA_RANDOM, .seed = 5};
    sk_data *d = NULL;
    if (sk_data_open(&d, data_path, SK_DATA_BYTES, &o)) {
        fprintf(stderr, "%s\n", sk_errmsg());
        abort();
    }
    return d;
}

/* A fresh Mamba LM behind the model interface. */
static sk_model *model(void) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = 16, c.n_layer = 2, c.vocab_size = 40, c.blk.d_state = 4, c.pad_vocab_size_multiple = 8;
    sk_mamba_lm *m = NULL;
    sk_model *sm = NULL;
    if (sk_mamba_config_finish(&c, "test") || sk_mamba_lm_create(&m, &c, sk_backend_cpu(), B, L, SK_MODEL_GRADS) ||
        sk_mamba_lm_init(m, 3) || sk_model_wrap_lm(&sm, m))
        abort();
    return sm;
}

static sk_train_opts opts(const char *out) {
    sk_train_opts o = {.steps = STEPS, .accum = 1, .log_every = 1, .out = out, .quiet = 1};
    o.sched = (sk_sched){SK_SCHED_COSINE, 0.01, 0.001, 2, STEPS};
    o.optim = (sk_optim_hparams){0.9, 0.95, 1e-8, 0.1, 1.0};
    return o;
}

/* the hooks' context: batches from an sk_data source, a record of the evaluations */
typedef struct ctx {
    sk_data *d;
    int n;
    int64_t step[STEPS];
    double loss_mean[STEPS];
    char metrics[64];
    const char *meta[3];
} ctx;

static int next_batch(void *vc, int32_t *in, int32_t *tg) {
    ctx *c = vc;
    int rows = 0;
    return sk_data_next(c->d, in, tg, &rows);
}

static int evaluate(void *vc, const sk_train_progress *p, sk_jsonl *log, double *score, const char *const **meta) {
    ctx *c = vc;
    (void)log;
    c->step[c->n] = p->step, c->loss_mean[c->n] = p->loss_mean, c->n++;
    snprintf(c->metrics, sizeof c->metrics, "{\"step\":%lld}", (long long)p->step);
    c->meta[0] = "metrics", c->meta[1] = c->metrics, c->meta[2] = NULL;
    *meta = c->meta;
    *score = p->step == 3 ? 1.0 : 0.5; /* the best is the model after update 3 */
    return SK_OK;
}

static char *path(const char *name) {
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Train a fresh model through hooks (eval_every as given, no state) into out; c records. */
static void run_hooks(const char *out, int64_t eval_every, ctx *c) {
    sk_model *m = model();
    c->d = open_data();
    sk_train_hooks h = {.ctx = c, .next_batch = next_batch, .evaluate = evaluate};
    static const char *const meta[] = {"tokenizer", "test-tokenizer", NULL};
    sk_train_opts o = opts(out);
    o.log_every = 0, o.eval_every = eval_every, o.ckpt_every = eval_every, o.hooks = &h, o.no_state = 1, o.meta = meta;
    sk_trainer *t = NULL;
    int rc = sk_trainer_create(&t, m, NULL, NULL, B, L, &o, NULL);
    if (!rc) rc = sk_trainer_run(t);
    SK_CHECK(rc == 0, "hooks run: %s", sk_errmsg());
    if (!rc) {
        SK_CHECK(sk_trainer_resume(t, path("none.train.safetensors")) == SK_EINVAL, "a run without state is not resumed");
    }
    sk_trainer_free(t);
    sk_data_close(c->d);
    sk_model_free(m);
}

/* The same run on the sk_data source with training state. */
static void run_data(const char *out) {
    sk_model *m = model();
    sk_data *d = open_data();
    sk_train_opts o = opts(out);
    sk_trainer *t = NULL;
    int rc = sk_trainer_create(&t, m, d, NULL, B, L, &o, "{}");
    if (!rc) rc = sk_trainer_run(t);
    SK_CHECK(rc == 0, "data run: %s", sk_errmsg());
    sk_trainer_free(t);
    sk_data_close(d);
    sk_model_free(m);
}

/* Every tensor of a equals b's bit for bit. */
static int same_tensors(const char *a, const char *b) {
    sk_st *x = NULL, *y = NULL;
    if (sk_st_open(a, &x) || sk_st_open(b, &y)) abort();
    int same = sk_st_count(x) == sk_st_count(y);
    for (int64_t i = 0; same && i < sk_st_count(x); i++) {
        const sk_st_tensor *tx = sk_st_at(x, i), *ty = sk_st_find(y, tx->name);
        size_t n = (size_t)(tx->end - tx->begin);
        same = ty && n == (size_t)(ty->end - ty->begin);
        char *bx = same ? malloc(n + 1) : NULL, *by = same ? malloc(n + 1) : NULL;
        if (same && (!bx || !by || sk_st_read_raw(x, tx->name, bx, n) || sk_st_read_raw(y, ty->name, by, n))) abort();
        if (same) same = !memcmp(bx, by, n);
        free(bx), free(by);
    }
    sk_st_close(x), sk_st_close(y);
    return same;
}

static void test_hooks(void) {
    run_data(path("d.safetensors"));
    ctx c3 = {0}, c1 = {0};
    run_hooks(path("h.safetensors"), 3, &c3);
    run_hooks(path("e.safetensors"), 1, &c1);
    SK_CHECK(same_tensors(path("d.safetensors"), path("h.safetensors")), "hook batches: the same weights bitwise");
    SK_CHECK(c3.n == 2 && c3.step[0] == 3 && c3.step[1] == 6, "evaluations after updates 3 and 6 (%d)", c3.n);
    SK_CHECK(c1.n == STEPS, "eval_every 1: every update");
    double s = 0, t = 0;
    for (int k = 0; k < 3; k++) s += c1.loss_mean[k], t += c1.loss_mean[k + 3];
    SK_CHECK(c3.loss_mean[0] == s / 3 && c3.loss_mean[1] == t / 3, "loss_mean: %.17g vs %.17g, %.17g vs %.17g",
             c3.loss_mean[0], s / 3, c3.loss_mean[1], t / 3);
    /* files: the model and the best one, with the caller's metadata only; no state */
    SK_CHECK(access(path("h.train.safetensors"), F_OK) != 0, "no training state written");
    sk_st *st = NULL, *bt = NULL;
    SK_CHECK(sk_st_open(path("h.safetensors"), &st) == 0 && sk_st_open(path("h.best.safetensors"), &bt) == 0,
             "model and best written");
    if (st && bt) {
        SK_CHECK(!sk_st_meta(st, "train") && !sk_st_meta(st, "step") && !sk_st_meta(st, "best_valid"),
                 "no training keys in the model file");
        const char *tk = sk_st_meta(st, "tokenizer"), *mt = sk_st_meta(st, "metrics"), *bm = sk_st_meta(bt, "metrics");
        SK_CHECK(tk && !strcmp(tk, "test-tokenizer"), "the caller's metadata");
        SK_CHECK(mt && !strcmp(mt, "{\"step\":6}"), "the last evaluation's metadata in CKPT");
        SK_CHECK(bm && !strcmp(bm, "{\"step\":3}"), "the best model is the one after update 3");
    }
    sk_st_close(st), sk_st_close(bt);
}

static void test_refused(void) {
    sk_model *m = model();
    sk_data *d = open_data();
    ctx c = {0};
    sk_train_hooks h = {.ctx = &c, .next_batch = next_batch, .evaluate = evaluate};
    sk_train_opts o = opts(path("r.safetensors"));
    o.hooks = &h;
    sk_trainer *t = NULL;
    SK_CHECK(sk_trainer_create(&t, m, NULL, NULL, B, L, &o, NULL) == SK_EINVAL, "a batch hook needs no_state");
    o.no_state = 1;
    SK_CHECK(sk_trainer_create(&t, m, d, NULL, B, L, &o, NULL) == SK_EINVAL, "not both a hook and a source");
    sk_trainer_free(t);
    sk_data_close(d);
    sk_model_free(m);
}

int main(void) {
    if (trainer_data_make(dir, data_path, sizeof data_path)) return 1;
    test_hooks();
    test_refused();
    trainer_data_remove(dir);
    return sk_test_finish("test_trainer_hooks");
}
