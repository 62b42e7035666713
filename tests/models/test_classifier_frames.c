/* test_classifier_frames.c — the classifier on frames (models/sk_classifier.h, sk_classifier_create_frames).
 *
 * Reference: PyTorch's float64 Mamba LM of tests/models/fixtures/mamba_ref (written by
 * tests/reference/make_mamba_fixtures.py; d_model 20, 3 layers, 24 tokens, batch 2 x length 13, tied head).
 * A frames classifier whose backbone holds the fixture's weights sees the fixture's embedded tokens when its
 * frames are x_i = s P[tok_i] (P = a product of three Householder reflections: orthogonal and dense, so the
 * frames are real-valued, not one-hot) and its frontend is W_f = (E - 1 b_f^T)^T P / s with any bias b_f:
 * then x_i W_f^T + b_f = E[tok_i] exactly. Its head W_c = Q E (Q random, K x 24) makes the classifier's logits
 * pool(hf) E^T Q^T + b_c = pool(fixture logits) Q^T + b_c, linear in the fixture's float64 logits, for pool
 * "last" (the last position) and "mean" (all positions). Checked to 1e-5 relative: the logits (features W_c^T
 * + b_c), the log-probabilities, the loss, and the features themselves (features E^T = pool(fixture logits)).
 *
 * Gradients: against the same classifier on tokens (sk_classifier_create with the fixture's embedding), whose
 * embedding gradient G gives the frontend's by the chain rule (dW_f = s G^T P, db_f = sum_v G[v]) and whose
 * backbone and head gradients must be the frames classifier's; and against central finite differences of
 * the loss for entries of frontend.weight, frontend.bias and a backbone weight.
 *
 * Training through the model interface: the trainer's AdamW (sk_optimizer over sk_model_wrap_classifier) sees
 * the frontend; its first update equals the closed form p (1 - lr wd) - lr g / (|g| + eps) for frontend.weight
 * and, without weight decay, for frontend.bias.
 * Also: save -> load round trip bitwise (no backbone.embedding.weight in the file, "frame_dim" in the config),
 * the generic loader and the inspect check accept the file, an inference model (SK_MODEL_INFER) gives the same
 * outputs, also over a length longer than its piece; errors: a frontend of the wrong shape names the tensor,
 * tokens into a frames classifier and frames into a token classifier are refused.
 *
 *   test_classifier_frames                   the checks
 *   test_classifier_frames --write FILE      write a small frames classifier checkpoint (for the CLI test)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "models/sk_classifier.h"
#include "models/sk_trainer.h"
#include "tests/models/ref_util.h"

enum { B = 2, T = 13, K = 4 }; /* the fixture's batch and length; classes */
static const double S = 2;     /* frame scale */
static const char *const CLS[K] = {"zero", "one", "two", "three"};

static char dir[] = "/tmp/sk_clf_frames_XXXXXX";
static char *tp(const char *name) {
    static char buf[4][512];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static uint64_t rs = 0x9E3779B97F4A7C15u;
static double urand(void) { /* U(-1, 1) */
    rs = rs * 6364136223846793005u + 1442695040888963407u;
    return (double)(rs >> 11) / 4503599627370496.0 - 1;
}

/* the fixture and everything derived from it */
static const sk_backend *be;
static sk_mamba_lm *lm;
static int64_t d, V;
static int32_t tok[B * T];
static double *ref_logits; /* (B, T, V) float64 PyTorch */
static double *E, *P, *Q;  /* (V, d), (V, V), (K, V) */
static float *x;           /* (B, T, V) frames */
static float *Wf, *bf, *Wc, *bc;
static const int32_t labels[B] = {1, 3};

static void setup(void) {
    const char *src = getenv("SSMKIT_SRC");
    char p[1100];
    snprintf(p, sizeof p, "%s/tests/models/fixtures/mamba_ref/ssmkit.safetensors", src ? src : ".");
    be = sk_backend_cpu();
    if (sk_mamba_lm_load(&lm, p, be, B, T, 0)) {
        fprintf(stderr, "test_classifier_frames: %s\n", sk_errmsg());
        exit(1);
    }
    d = sk_mamba_lm_config(lm)->blk.d_model, V = sk_mamba_lm_config(lm)->vocab_padded;
    snprintf(p, sizeof p, "%s/tests/models/fixtures/mamba_ref/expected.safetensors", src ? src : ".");
    sk_st *st = NULL;
    if (sk_st_open(p, &st)) {
        fprintf(stderr, "test_classifier_frames: %s\n", sk_errmsg());
        exit(1);
    }
    SK_CHECK(sk_st_read_raw(st, "tokens", tok, sizeof tok) == 0, "tokens: %s", sk_errmsg());
    ref_logits = read_ref(st, "logits", B * T * V);
    sk_st_close(st);
    const sk_param *pe = sk_mamba_lm_param(lm, 0);
    SK_CHECK(!strcmp(pe->name, "backbone.embedding.weight"), "fixture's first tensor is the embedding");
    float *e32 = host_copy(be, pe->w, V * d);
    E = malloc((size_t)(V * d) * sizeof(double));
    for (int64_t i = 0; i < V * d; i++) E[i] = e32[i];
    free(e32);
    /* P = H1 H2 H3, H = I - 2 v v^T / v.v */
    P = calloc((size_t)(V * V), sizeof(double));
    double *tmp = malloc((size_t)(V * V) * sizeof(double)), *v = malloc((size_t)V * sizeof(double));
    for (int64_t i = 0; i < V; i++) P[i * V + i] = 1;
    for (int r = 0; r < 3; r++) {
        double vv = 0;
        for (int64_t i = 0; i < V; i++) v[i] = urand(), vv += v[i] * v[i];
        for (int64_t i = 0; i < V; i++) /* P H: row i minus 2 (P_i . v) v / vv */
            for (int64_t j = 0; j < V; j++) {
                double pv = 0;
                for (int64_t k = 0; k < V; k++) pv += P[i * V + k] * v[k];
                tmp[i * V + j] = P[i * V + j] - 2 * pv * v[j] / vv;
            }
        memcpy(P, tmp, (size_t)(V * V) * sizeof(double));
    }
    free(tmp), free(v);
    x = malloc((size_t)(B * T * V) * sizeof(float));
    for (int64_t i = 0; i < B * T; i++)
        for (int64_t f = 0; f < V; f++) x[i * V + f] = (float)(S * P[tok[i] * V + f]);
    bf = malloc((size_t)d * sizeof(float)), Wf = malloc((size_t)(d * V) * sizeof(float));
    for (int64_t j = 0; j < d; j++) bf[j] = (float)(0.5 * urand());
    for (int64_t j = 0; j < d; j++)
        for (int64_t f = 0; f < V; f++) {
            double s = 0;
            for (int64_t u = 0; u < V; u++) s += (E[u * d + j] - bf[j]) * P[u * V + f];
            Wf[j * V + f] = (float)(s / S);
        }
    Q = malloc((size_t)(K * V) * sizeof(double)), Wc = malloc((size_t)(K * d) * sizeof(float));
    bc = malloc(K * sizeof(float));
    for (int64_t i = 0; i < K * V; i++) Q[i] = 0.3 * urand();
    for (int64_t k = 0; k < K; k++) {
        bc[k] = (float)(0.2 * urand());
        for (int64_t j = 0; j < d; j++) {
            double s = 0;
            for (int64_t u = 0; u < V; u++) s += Q[k * V + u] * E[u * d + j];
            Wc[k * d + j] = (float)s;
        }
    }
}

static const sk_param *find(const sk_classifier *c, const char *name) {
    for (int i = 0; i < sk_classifier_nparams(c); i++)
        if (!strcmp(sk_classifier_param(c, i)->name, name)) return sk_classifier_param(c, i);
    return NULL;
}
static void put(const sk_param *p, const float *h) {
    if (!p || be->upload(p->w, h, (size_t)p->numel * sizeof(float))) abort();
}

/* A classifier with the fixture's backbone and the head Wc, bc: on frames (frontend Wf, bf) or on tokens. */
static sk_classifier *make(int frames, int pool, int64_t b, int64_t L, int flags) {
    sk_classifier *c = NULL;
    const sk_mamba_config *cfg = sk_mamba_lm_config(lm);
    int rc = frames ? sk_classifier_create_frames(&c, cfg, (int)V, K, CLS, be, b, L, flags)
                    : sk_classifier_create(&c, cfg, K, CLS, be, b, L, flags);
    SK_CHECK(rc == 0, "create: %s", sk_errmsg());
    if (rc) exit(1);
    SK_CHECK(sk_classifier_set_pool(c, pool, -1) == 0, "pool");
    for (int i = 0; i < sk_mamba_lm_nparams(lm); i++) {
        const sk_param *p = sk_mamba_lm_param(lm, i), *q = find(c, p->name);
        SK_CHECK(q || (frames && !strcmp(p->name, "backbone.embedding.weight")), "%s in the classifier", p->name);
        if (!q) continue;
        float *h = host_copy(be, p->w, p->numel);
        put(q, h);
        free(h);
    }
    put(find(c, "classifier.weight"), Wc), put(find(c, "classifier.bias"), bc);
    if (frames) put(find(c, "frontend.weight"), Wf), put(find(c, "frontend.bias"), bf);
    return c;
}


/* Forward against the float64 reference; features are the head's input. */
static void test_forward(int pool) {
    const char *pn = pool == SK_POOL_MEAN ? "mean" : "last";
    sk_classifier *c = make(1, pool, B, T, 0);
    SK_CHECK(sk_classifier_frame_dim(c) == V, "frame_dim %d", sk_classifier_frame_dim(c));
    double loss, logp[B * K];
    float feat[B * 64];
    SK_CHECK(sk_classifier_forward_frames(c, x, labels, B, T, &loss) == 0, "forward frames: %s", sk_errmsg());
    SK_CHECK(sk_classifier_logprobs(c, logp) == 0 && sk_classifier_features(c, feat) == 0, "outputs");
    /* reference: pooled fixture logits (B, V), then z = pooled Q^T + bc */
    double pooled[B * 32] = {0}, z[B * K], lref[B * K], fE[B * 32], zgot[B * K], lgot[B * K], rloss = 0;
    for (int64_t i = 0; i < B; i++)
        for (int64_t t = pool == SK_POOL_MEAN ? 0 : T - 1; t < T; t++)
            for (int64_t u = 0; u < V; u++)
                pooled[i * V + u] += ref_logits[(i * T + t) * V + u] / (pool == SK_POOL_MEAN ? T : 1);
    for (int64_t i = 0; i < B; i++) {
        for (int64_t u = 0; u < V; u++) { /* features E^T */
            fE[i * V + u] = 0;
            for (int64_t j = 0; j < d; j++) fE[i * V + u] += (double)feat[i * d + j] * E[u * d + j];
        }
        for (int64_t k = 0; k < K; k++) {
            z[i * K + k] = bc[k], zgot[i * K + k] = bc[k];
            for (int64_t u = 0; u < V; u++) z[i * K + k] += Q[k * V + u] * pooled[i * V + u];
            for (int64_t j = 0; j < d; j++) zgot[i * K + k] += (double)Wc[k * d + j] * feat[i * d + j];
        }
        double mx = -INFINITY, s = 0, mg = -INFINITY, sg = 0;
        for (int64_t k = 0; k < K; k++) mx = fmax(mx, z[i * K + k]), mg = fmax(mg, zgot[i * K + k]);
        for (int64_t k = 0; k < K; k++) s += exp(z[i * K + k] - mx), sg += exp(zgot[i * K + k] - mg);
        for (int64_t k = 0; k < K; k++)
            lref[i * K + k] = z[i * K + k] - mx - log(s), lgot[i * K + k] = zgot[i * K + k] - mg - log(sg);
        rloss -= lref[i * K + labels[i]] / B;
    }
    double ef = sk_relerr_d(fE, pooled, B * V), ez = sk_relerr_d(zgot, z, B * K), el = sk_relerr_d(logp, lref, B * K);
    double eh = sk_relerr_d(logp, lgot, B * K), eloss = fabs(loss - rloss) / fabs(rloss);
    SK_CHECK(ef <= 1e-5, "pool %s: features E^T vs pooled float64 logits: relative error %.3g", pn, ef);
    SK_CHECK(ez <= 1e-5, "pool %s: logits (features W^T + b) vs float64: relative error %.3g", pn, ez);
    SK_CHECK(el <= 1e-5, "pool %s: log-probabilities vs float64: relative error %.3g", pn, el);
    SK_CHECK(eloss <= 1e-5, "pool %s: loss %.9f vs float64 %.9f", pn, loss, rloss);
    SK_CHECK(eh <= 1e-6, "pool %s: the head's log-probabilities are those of features W^T + b (error %.3g)", pn, eh);
    printf("forward (pool %s) vs PyTorch float64: features %.2g, logits %.2g, log-probs %.2g, loss %.2g (%.6f); "
           "head on features %.2g\n", pn, ef, ez, el, eloss, loss, eh);
    sk_classifier_free(c);
}

static double loss_of(sk_classifier *c) {
    double l;
    if (sk_classifier_forward_frames(c, x, labels, B, T, &l)) abort();
    return l;
}

/* Central differences of the loss for the 3 entries of p with the largest gradient (tolerance as test_classifier). */
static double fd_check(sk_classifier *c, const char *name, double loss) {
    const sk_param *p = find(c, name);
    SK_CHECK(p != NULL, "%s", name);
    if (!p) return 0;
    float *w = host_copy(be, p->w, p->numel), *g = host_copy(be, p->g, p->numel);
    double worst = 0;
    for (int q = 0; q < 3; q++) {
        int64_t e = 0;
        for (int64_t k = 0; k < p->numel; k++)
            if (fabs(g[k]) > fabs(g[e]) && (q == 0 || k % 3 == q)) e = k;
        const float orig = w[e];
        const double h = 1e-2 * fmax(1e-1, fabs(orig));
        w[e] = (float)(orig + h), put(p, w);
        double lp = loss_of(c);
        w[e] = (float)(orig - h), put(p, w);
        double lm = loss_of(c);
        w[e] = orig, put(p, w);
        double fd = (lp - lm) / ((double)(float)(orig + h) - (double)(float)(orig - h));
        double tol = 2e-2 * fabs(fd) + 8 * 1.2e-7 * fabs(loss) / (2 * h), err = fabs(fd - g[e]) / tol;
        worst = fmax(worst, err);
        SK_CHECK(err <= 1, "%s[%lld]: grad %.6g vs central difference %.6g (tolerance %.2g)", name, (long long)e, g[e],
                 fd, tol);
    }
    free(w), free(g);
    return worst;
}

static void test_gradients(int pool) {
    const char *pn = pool == SK_POOL_MEAN ? "mean" : "last";
    sk_classifier *c = make(1, pool, B, T, SK_MODEL_GRADS), *ct = make(0, pool, B, T, SK_MODEL_GRADS);
    double loss, lt;
    SK_CHECK(sk_classifier_zero_grad(c) == 0 && sk_classifier_forward_frames(c, x, labels, B, T, &loss) == 0 &&
                 sk_classifier_backward(c) == 0, "frames backward: %s", sk_errmsg());
    SK_CHECK(sk_classifier_zero_grad(ct) == 0 && sk_classifier_forward(ct, tok, labels, B, T, &lt) == 0 &&
                 sk_classifier_backward(ct) == 0, "tokens backward: %s", sk_errmsg());
    SK_CHECK(fabs(loss - lt) <= 1e-5 * fabs(lt), "loss on frames %.8f, on tokens %.8f", loss, lt);
    /* the frontend from the token classifier's embedding gradient G (V, d) */
    float *G = host_copy(be, find(ct, "backbone.embedding.weight")->g, V * d);
    double *gw = calloc((size_t)(d * V), sizeof(double)), gb[64] = {0};
    for (int64_t u = 0; u < V; u++)
        for (int64_t j = 0; j < d; j++) {
            gb[j] += G[u * d + j];
            for (int64_t f = 0; f < V; f++) gw[j * V + f] += S * G[u * d + j] * P[u * V + f];
        }
    float *gwf = host_copy(be, find(c, "frontend.weight")->g, d * V), *gbf = host_copy(be, find(c, "frontend.bias")->g, d);
    double e1 = sk_relerr_f(gwf, gw, d * V), e2 = sk_relerr_f(gbf, gb, d), worst = 0;
    SK_CHECK(e1 <= 1e-5, "pool %s: frontend.weight grad vs the chain rule from the token classifier: %.3g", pn, e1);
    SK_CHECK(e2 <= 1e-5, "pool %s: frontend.bias grad vs the chain rule from the token classifier: %.3g", pn, e2);
    /* every backbone and head gradient equals the token classifier's */
    for (int i = 0; i < sk_classifier_nparams(c); i++) {
        const sk_param *p = sk_classifier_param(c, i), *q = find(ct, p->name);
        if (!strncmp(p->name, "frontend.", 9)) continue;
        SK_CHECK(q != NULL && q->numel == p->numel, "%s in both", p->name);
        if (!q) continue;
        float *a = host_copy(be, p->g, p->numel), *r = host_copy(be, q->g, q->numel);
        double *rd = malloc((size_t)q->numel * sizeof(double));
        for (int64_t k = 0; k < q->numel; k++) rd[k] = r[k];
        double e = sk_relerr_f(a, rd, p->numel);
        worst = fmax(worst, e);
        SK_CHECK(e <= 1e-5, "pool %s: %s grad: frames vs tokens relative error %.3g", pn, p->name, e);
        free(a), free(r), free(rd);
    }
    SK_CHECK(find(c, "backbone.embedding.weight") == NULL, "no embedding parameter on frames");
    double fw = fd_check(c, "frontend.weight", loss), fb = fd_check(c, "frontend.bias", loss);
    double fl = fd_check(c, "backbone.layers.0.mixer.in_proj.weight", loss);
    printf("gradients (pool %s): frontend vs chain rule %.2g / %.2g, backbone and head vs tokens %.2g; central "
           "differences worst %.2g / %.2g / %.2g of the tolerance\n", pn, e1, e2, worst, fw, fb, fl);
    free(G), free(gw), free(gwf), free(gbf);
    sk_classifier_free(c), sk_classifier_free(ct);
}

/* One AdamW update of a frames classifier through the model interface against its closed form at t = 1. */
static void test_optimizer(void) {
    sk_classifier *c = make(1, SK_POOL_MEAN, B, T, SK_MODEL_GRADS);
    sk_model *m = NULL;
    sk_optimizer *o = NULL;
    const double lr = 1e-3, wd = 0.1;
    sk_optim_hparams h = SK_OPTIM_DEFAULTS;
    h.weight_decay = wd, h.clip_norm = 0;
    SK_CHECK(sk_model_wrap_classifier(&m, c) == 0 && sk_optimizer_create(&o, m, &h) == 0, "optimizer: %s", sk_errmsg());
    int64_t n = 0;
    for (int i = 0; i < sk_classifier_nparams(c); i++) n += sk_classifier_param(c, i)->numel;
    SK_CHECK(sk_optimizer_numel(o) == n && n == sk_mamba_lm_numel(lm) - V * d + d * V + d + K * d + K,
             "the optimizer trains every parameter: %lld of %lld", (long long)sk_optimizer_numel(o), (long long)n);
    SK_CHECK(sk_classifier_zero_grad(c) == 0 && sk_classifier_forward_frames(c, x, labels, B, T, NULL) == 0 &&
                 sk_classifier_backward(c) == 0, "backward: %s", sk_errmsg());
    const sk_param *pw = find(c, "frontend.weight"), *pb = find(c, "frontend.bias");
    float *w0 = host_copy(be, pw->w, pw->numel), *g = host_copy(be, pw->g, pw->numel);
    float *b0 = host_copy(be, pb->w, pb->numel), *gb = host_copy(be, pb->g, pb->numel);
    SK_CHECK(sk_optimizer_step(o, lr, 1) == 0, "step: %s", sk_errmsg());
    float *w1 = host_copy(be, pw->w, pw->numel), *b1 = host_copy(be, pb->w, pb->numel);
    double ew = 0, eb = 0, den = 0;
    for (int64_t i = 0; i < pw->numel; i++) {
        double r = w0[i] * (1 - lr * wd) - lr * g[i] / (fabs(g[i]) + h.eps);
        ew = fmax(ew, fabs(w1[i] - r)), den = fmax(den, fabs(r));
    }
    for (int64_t i = 0; i < pb->numel; i++) eb = fmax(eb, fabs(b1[i] - (b0[i] - lr * gb[i] / (fabs(gb[i]) + h.eps))));
    SK_CHECK(ew <= 1e-6 * den && eb <= 1e-6 * den, "AdamW step 1: frontend.weight off by %.3g, frontend.bias by %.3g",
             ew, eb);
    printf("AdamW update 1 of the frontend vs its closed form: weight %.2g, bias %.2g (absolute)\n", ew, eb);
    free(w0), free(g), free(b0), free(gb), free(w1), free(b1);
    sk_optimizer_free(o);
    sk_model_free(m); /* frees the classifier */
}

static int same_params(const sk_classifier *a, const sk_classifier *b) {
    if (sk_classifier_nparams(a) != sk_classifier_nparams(b)) return 0;
    int same = 1;
    for (int i = 0; i < sk_classifier_nparams(a) && same; i++) {
        const sk_param *p = sk_classifier_param(a, i), *q = sk_classifier_param(b, i);
        float *u = host_copy(be, p->w, p->numel), *v = host_copy(be, q->w, q->numel);
        same = !strcmp(p->name, q->name) && p->numel == q->numel && !memcmp(u, v, (size_t)p->numel * sizeof(float));
        free(u), free(v);
    }
    return same;
}
static const sk_param *clf_get(const void *c, int i) { return sk_classifier_param((const sk_classifier *)c, i); }

static void test_save_load(void) {
    sk_classifier *c = make(1, SK_POOL_MEAN, B, T, 0), *c2 = NULL, *ci = NULL;
    const char *meta[] = {"frontend", "{\"kind\":\"test\"}", NULL};
    SK_CHECK(sk_classifier_save(c, tp("f.safetensors"), meta) == 0, "save: %s", sk_errmsg());
    sk_st *st = NULL;
    SK_CHECK(sk_st_open(tp("f.safetensors"), &st) == 0, "open");
    if (st) {
        const sk_st_tensor *t = sk_st_find(st, "frontend.weight");
        SK_CHECK(t && t->ndim == 2 && t->shape[0] == d && t->shape[1] == V, "frontend.weight (d, F) in the file");
        SK_CHECK(sk_st_find(st, "frontend.bias") != NULL, "frontend.bias in the file");
        SK_CHECK(sk_st_find(st, "backbone.embedding.weight") == NULL, "no backbone.embedding.weight in the file");
        SK_CHECK(strstr(sk_st_meta(st, "config"), "\"frame_dim\":24") != NULL, "config: %s", sk_st_meta(st, "config"));
        sk_st_close(st);
    }
    int rc = sk_classifier_load(&c2, tp("f.safetensors"), be, B, T, SK_MODEL_GRADS);
    SK_CHECK(rc == 0, "load: %s", sk_errmsg());
    rc |= sk_classifier_load(&ci, tp("f.safetensors"), be, B, T, SK_MODEL_INFER);
    SK_CHECK(rc == 0, "load for inference: %s", sk_errmsg());
    if (!rc) {
        SK_CHECK(sk_classifier_frame_dim(c2) == V && sk_classifier_pool(c2) == SK_POOL_MEAN, "frame_dim and pool kept");
        SK_CHECK(sk_classifier_nclasses(c2) == K && !strcmp(sk_classifier_class(c2, 3), "three"), "classes kept");
        SK_CHECK(sk_classifier_meta(c2, "frontend") && !strcmp(sk_classifier_meta(c2, "frontend"), "{\"kind\":\"test\"}"),
                 "metadata kept");
        SK_CHECK(same_params(c, c2) && same_params(c, ci), "every tensor bitwise equal after save -> load");
        double a[B * K], b2[B * K], b3[B * K], la, lb;
        float fa[B * 64], fb[B * 64], fc[B * 64];
        SK_CHECK(sk_classifier_forward_frames(c, x, labels, B, T, &la) == 0 && sk_classifier_logprobs(c, a) == 0 &&
                     sk_classifier_features(c, fa) == 0, "fwd 1");
        SK_CHECK(sk_classifier_forward_frames(c2, x, labels, B, T, &lb) == 0 && sk_classifier_logprobs(c2, b2) == 0 &&
                     sk_classifier_features(c2, fb) == 0, "fwd 2: %s", sk_errmsg());
        SK_CHECK(sk_classifier_forward_frames(ci, x, NULL, B, T, NULL) == 0 && sk_classifier_logprobs(ci, b3) == 0 &&
                     sk_classifier_features(ci, fc) == 0, "fwd inference: %s", sk_errmsg());
        SK_CHECK(!memcmp(a, b2, sizeof a) && la == lb && !memcmp(fa, fb, (size_t)(B * d) * sizeof(float)),
                 "the loaded classifier gives the same outputs bitwise");
        SK_CHECK(!memcmp(a, b3, sizeof a) && !memcmp(fa, fc, (size_t)(B * d) * sizeof(float)),
                 "the inference model gives the same outputs bitwise");
        SK_CHECK(sk_classifier_backward(ci) != 0, "no backward on an inference model");
    }
    sk_classifier_free(c2), sk_classifier_free(ci), c2 = NULL;
    /* the generic loader and the check of ssmkit inspect */
    sk_model *m = NULL;
    SK_CHECK(sk_model_load(&m, tp("f.safetensors"), be, B, T, SK_MODEL_CLF_ONLY) == 0 && m &&
                 sk_model_kind(m) == SK_MODEL_CLASSIFIER, "sk_model_load: %s", sk_errmsg());
    sk_model_free(m);
    SK_CHECK(sk_model_check_file(tp("f.safetensors")) == 0, "sk_model_check_file: %s", sk_errmsg());
    /* a frontend of the wrong shape: the config says frame_dim 25 */
    char *cj = sk_classifier_config_json(c), *bad = malloc(strlen(cj) + 8), *at = strstr(cj, "\"frame_dim\":24");
    SK_CHECK(at != NULL, "config has frame_dim: %s", cj);
    if (at) {
        sprintf(bad, "%.*s\"frame_dim\":25%s", (int)(at - cj), cj, at + strlen("\"frame_dim\":24"));
        SK_CHECK(write_mixed(tp("f25.safetensors"), be, clf_get, c, sk_classifier_nparams(c), bad) == 0, "write");
        SK_CHECK(sk_classifier_load(&c2, tp("f25.safetensors"), be, 1, 4, 0) == SK_EFORMAT && !c2 &&
                     strstr(sk_errmsg(), "frontend.weight") && strstr(sk_errmsg(), "frame_dim 25"),
                 "wrong frontend shape: %s", sk_errmsg());
        printf("wrong frontend shape refused: %s\n", sk_errmsg());
        sprintf(bad, "%.*s\"frame_dim\":-3%s", (int)(at - cj), cj, at + strlen("\"frame_dim\":24"));
        SK_CHECK(write_mixed(tp("fneg.safetensors"), be, clf_get, c, sk_classifier_nparams(c), bad) == 0, "write");
        SK_CHECK(sk_classifier_load(&c2, tp("fneg.safetensors"), be, 1, 4, 0) == SK_EFORMAT && !c2 &&
                     strstr(sk_errmsg(), "frame_dim"), "negative frame_dim: %s", sk_errmsg());
    }
    free(cj), free(bad);
    /* tokens into a frames classifier, frames into a token classifier, features before a forward */
    sk_classifier *ct = make(0, SK_POOL_LAST, B, T, 0);
    float h[64];
    SK_CHECK(sk_classifier_features(ct, h) != 0, "no features before a forward");
    SK_CHECK(sk_classifier_forward(c, tok, NULL, B, T, NULL) == SK_EINVAL && strstr(sk_errmsg(), "frames"),
             "tokens into frames: %s", sk_errmsg());
    SK_CHECK(sk_classifier_forward_frames(ct, x, NULL, B, T, NULL) == SK_EINVAL && strstr(sk_errmsg(), "tokens"),
             "frames into tokens: %s", sk_errmsg());
    SK_CHECK(sk_classifier_frame_dim(ct) == 0, "a token classifier has frame_dim 0");
    SK_CHECK(sk_mamba_lm_forward_hidden(sk_classifier_backbone(c), tok, B, T, NULL) == SK_EINVAL &&
                 strstr(sk_errmsg(), "no token embedding"), "tokens into the frames backbone: %s", sk_errmsg());
    SK_CHECK(sk_classifier_forward_frames(c, x, NULL, B + 1, T, NULL) == SK_EINVAL, "batch above the maximum");
    sk_classifier_free(ct), sk_classifier_free(c);
}

/* An inference model over rows longer than its piece (SK_MODEL_INFER_ROWS): the same outputs as the plain model
 * (the forward cut into pieces with the state carried: 1e-6 relative, as tests/models/test_infer.c). */
static void test_infer_long(int pool) {
    const int64_t L = SK_MODEL_INFER_ROWS + 37;
    sk_classifier *c = make(1, pool, 1, L, 0), *ci = make(1, pool, 1, L, SK_MODEL_INFER);
    float *xl = malloc((size_t)(L * V) * sizeof(float)), fa[64], fb[64];
    for (int64_t i = 0; i < L * V; i++) xl[i] = (float)urand();
    double a[K], b2[K];
    SK_CHECK(sk_classifier_forward_frames(c, xl, NULL, 1, L, NULL) == 0 && sk_classifier_logprobs(c, a) == 0 &&
                 sk_classifier_features(c, fa) == 0, "long forward: %s", sk_errmsg());
    SK_CHECK(sk_classifier_forward_frames(ci, xl, NULL, 1, L, NULL) == 0 && sk_classifier_logprobs(ci, b2) == 0 &&
                 sk_classifier_features(ci, fb) == 0, "long inference forward: %s", sk_errmsg());
    double fd[64];
    for (int64_t j = 0; j < d; j++) fd[j] = fa[j];
    double e = sk_relerr_d(b2, a, K), ef = sk_relerr_f(fb, fd, d);
    SK_CHECK(e <= 1e-6 && ef <= 1e-6, "pool %s, length %lld: inference vs plain: log-probs %.3g, features %.3g",
             pool == SK_POOL_MEAN ? "mean" : "last", (long long)L, e, ef);
    printf("inference model over %lld frames (pool %s): log-probs %.2g, features %.2g from the plain forward\n",
           (long long)L, pool == SK_POOL_MEAN ? "mean" : "last", e, ef);
    free(xl);
    sk_classifier_free(c), sk_classifier_free(ci);
}

int main(int argc, char **argv) {
    setup();
    if (argc == 3 && !strcmp(argv[1], "--write")) {
        sk_classifier *c = make(1, SK_POOL_LAST, B, T, 0);
        int rc = sk_classifier_save(c, argv[2], NULL);
        if (rc) fprintf(stderr, "test_classifier_frames: %s\n", sk_errmsg());
        sk_classifier_free(c);
        return rc ? 1 : 0;
    }
    if (!mkdtemp(dir)) return 1;
    test_forward(SK_POOL_LAST);
    test_forward(SK_POOL_MEAN);
    test_gradients(SK_POOL_LAST);
    test_gradients(SK_POOL_MEAN);
    test_optimizer();
    test_save_load();
    test_infer_long(SK_POOL_LAST);
    test_infer_long(SK_POOL_MEAN);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    sk_mamba_lm_free(lm);
    free(ref_logits), free(E), free(P), free(Q), free(x), free(Wf), free(bf), free(Wc), free(bc);
    return sk_test_finish("test_classifier_frames");
}
