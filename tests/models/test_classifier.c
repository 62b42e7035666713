/* test_classifier.c — the last-position classifier on a Mamba backbone (models/sk_classifier.h):
 *  - fine-tuning start: every backbone tensor equals the pretrained LM's bit for bit, the head is
 *    new (nn.Linear bounds), an untied lm_head is left out;
 *  - head forward and gradients against a float64 computation from the backbone's hidden states;
 *    backbone gradients against central finite differences of the loss;
 *  - log-probabilities sum to 1; save/load round trip keeps classes, metadata and outputs;
 *  - errors: an LM checkpoint loaded as a classifier, a classifier given as a pretrained LM, a
 *    tensor whose shape does not match the config (backbone and head). */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include "models/sk_classifier.h"
#include "src/sk_safetensors.h"
#include "tests/sk_test.h"
#include "tests/models/ref_util.h"

static char dir[] = "/tmp/sk_clf_test_XXXXXX";
static char *tp(const char *name) {
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static sk_mamba_config cfg_of(int64_t d, int tied) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = d, c.n_layer = 2, c.vocab_size = 12, c.blk.d_state = 4, c.tie_embeddings = tied;
    c.blk.dt_min = 0.01, c.blk.dt_max = 0.5;
    if (sk_mamba_config_finish(&c, "test")) abort();
    return c;
}

static const sk_param *lm_get(const void *m, int i) { return sk_mamba_lm_param((const sk_mamba_lm *)m, i); }
static const sk_param *clf_get(const void *c, int i) { return sk_classifier_param((const sk_classifier *)c, i); }

static void test_from_lm(int tied) {
    const sk_backend *be = sk_backend_cpu();
    sk_mamba_config cfg = cfg_of(16, tied);
    sk_mamba_lm *lm;
    SK_CHECK(sk_mamba_lm_create(&lm, &cfg, be, 2, 8, 0) == 0 && sk_mamba_lm_init(lm, 7) == 0, "lm: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_save(lm, tp("lm.safetensors")) == 0, "save lm: %s", sk_errmsg());
    const char *cls[] = {"a", "b", "c"};
    sk_classifier *c = NULL;
    int rc = sk_classifier_from_lm(&c, tp("lm.safetensors"), 3, cls, be, 4, 8, SK_MODEL_GRADS, 99);
    SK_CHECK(rc == 0, "from_lm: %s", sk_errmsg());
    if (rc) {
        sk_mamba_lm_free(lm);
        return;
    }
    /* every backbone tensor of the LM, compared bit for bit; the untied lm_head is not there */
    int n_lm = sk_mamba_lm_nparams(lm), matched = 0, head_seen = 0;
    for (int i = 0; i < n_lm; i++) {
        const sk_param *p = sk_mamba_lm_param(lm, i);
        const sk_param *q = NULL;
        for (int j = 0; j < sk_classifier_nparams(c); j++)
            if (!strcmp(sk_classifier_param(c, j)->name, p->name)) q = sk_classifier_param(c, j);
        if (!strcmp(p->name, "lm_head.weight")) {
            head_seen = 1;
            SK_CHECK(q == NULL, "an untied lm_head.weight is not a classifier parameter");
            continue;
        }
        SK_CHECK(q != NULL, "backbone tensor %s missing in the classifier", p->name);
        if (!q) continue;
        float *a = host_copy(be, p->w, p->numel), *b = host_copy(be, q->w, q->numel);
        SK_CHECK(q->numel == p->numel && !memcmp(a, b, (size_t)p->numel * sizeof(float)), "%s differs from the LM", p->name);
        matched++;
        free(a), free(b);
    }
    SK_CHECK(head_seen == !tied, "lm_head.weight present only when untied");
    SK_CHECK(matched == 2 + 10 * 2, "%d backbone tensors compared (embedding, 2 x 10 layer tensors, norm_f)", matched);
    printf("from_lm (%s): %d backbone tensors equal to the pretrained LM\n", tied ? "tied" : "untied", matched);
    /* the head: classifier.weight (3, 16), classifier.bias (3), U(+-1/4), not all zero */
    int np = sk_classifier_nparams(c);
    const sk_param *W = sk_classifier_param(c, np - 2), *B = sk_classifier_param(c, np - 1);
    SK_CHECK(!strcmp(W->name, "classifier.weight") && W->shape[0] == 3 && W->shape[1] == 16, "head weight");
    SK_CHECK(!strcmp(B->name, "classifier.bias") && B->shape[0] == 3 && B->no_weight_decay, "head bias");
    float *w = host_copy(be, W->w, W->numel);
    double mx = 0, s = 0;
    for (int64_t i = 0; i < W->numel; i++) mx = fmax(mx, fabs(w[i])), s += fabs(w[i]);
    SK_CHECK(mx <= 0.25 && s > 0, "head init within U(+-1/sqrt(d)): max %.4f", mx);
    free(w);
    sk_classifier_free(c);
    sk_mamba_lm_free(lm);
}

/* forward/backward of the head against float64; backbone gradients against finite differences.
 * pool: SK_POOL_LAST or SK_POOL_MEAN (the reference pools the backbone's hidden states itself). */
static void test_gradients(int64_t L, int pool) {
    const sk_backend *be = sk_backend_cpu();
    sk_mamba_config cfg = cfg_of(16, 1);
    const char *cls[] = {"x", "y", "z", "w"};
    const int64_t b = 3, K = 4, d = 16;
    sk_classifier *c;
    SK_CHECK(sk_classifier_create(&c, &cfg, 4, cls, be, b, L, SK_MODEL_GRADS) == 0, "create: %s", sk_errmsg());
    SK_CHECK(sk_classifier_init(c, 3) == 0, "init");
    SK_CHECK(sk_classifier_set_pool(c, pool, 4) == 0 && sk_classifier_pool(c) == pool, "set pool");
    int32_t *tok = malloc((size_t)(b * L) * sizeof(int32_t)), lab[3] = {2, -1, 0};
    for (int64_t i = 0; i < b * L; i++) tok[i] = 7 + (int32_t)((i * 5 + i / 3) % 5);
    for (int64_t i = 0; i < 3; i++) tok[i] = 4; /* row 0 left-padded: the mean pool leaves these out */
    double loss;
    SK_CHECK(sk_classifier_forward(c, tok, lab, b, L, &loss) == 0, "forward: %s", sk_errmsg());
    SK_CHECK(sk_classifier_zero_grad(c) == 0 && sk_classifier_backward(c) == 0, "backward: %s", sk_errmsg());
    double logp[12];
    SK_CHECK(sk_classifier_logprobs(c, logp) == 0, "logprobs");
    /* float64 reference from the backbone's hidden states: the last position or their mean */
    float *hf = host_copy(be, sk_mamba_lm_hidden(sk_classifier_backbone(c)), b * L * d);
    int np = sk_classifier_nparams(c);
    const sk_param *Wp = sk_classifier_param(c, np - 2), *Bp = sk_classifier_param(c, np - 1);
    float *W = host_copy(be, Wp->w, K * d), *B = host_copy(be, Bp->w, K);
    float *gW = host_copy(be, Wp->g, K * d), *gB = host_copy(be, Bp->g, K);
    double refW[64] = {0}, refB[4] = {0}, rloss = 0, maxsum = 0;
    for (int64_t i = 0; i < b; i++) {
        double h[16] = {0}, n = 0;
        for (int64_t l = pool == SK_POOL_MEAN ? 0 : L - 1; l < L; l++) {
            if (pool == SK_POOL_MEAN && tok[i * L + l] == 4) continue;
            for (int64_t j = 0; j < d; j++) h[j] += hf[(i * L + l) * d + j];
            n++;
        }
        for (int64_t j = 0; j < d; j++) h[j] /= n;
        double z[4], mx = -1e300, s = 0;
        for (int64_t k = 0; k < K; k++) {
            z[k] = B[k];
            for (int64_t j = 0; j < d; j++) z[k] += (double)W[k * d + j] * h[j];
            mx = fmax(mx, z[k]);
        }
        for (int64_t k = 0; k < K; k++) s += exp(z[k] - mx);
        double psum = 0;
        for (int64_t k = 0; k < K; k++) {
            double lp = z[k] - mx - log(s);
            SK_CHECK(fabs(lp - logp[i * K + k]) < 1e-5, "logp[%lld][%lld] %.7f vs %.7f", (long long)i, (long long)k,
                     logp[i * K + k], lp);
            psum += exp(logp[i * K + k]);
        }
        maxsum = fmax(maxsum, fabs(psum - 1));
        if (lab[i] < 0) continue;
        rloss += -(z[lab[i]] - mx - log(s)) / 2; /* 2 labelled rows */
        for (int64_t k = 0; k < K; k++) {
            double g = (exp(z[k] - mx) / s - (k == lab[i])) / 2;
            refB[k] += g;
            for (int64_t j = 0; j < d; j++) refW[k * d + j] += g * h[j];
        }
    }
    SK_CHECK(maxsum < 1e-12, "probabilities sum to 1 (|sum - 1| = %.2g)", maxsum);
    SK_CHECK(fabs(loss - rloss) < 1e-5 * fabs(rloss), "loss %.7f vs float64 %.7f (row with label -1 ignored)", loss, rloss);
    SK_CHECK_REL("classifier.weight grad", gW, refW, K * d, 1e-5);
    SK_CHECK_REL("classifier.bias grad", gB, refB, K, 1e-5);
    printf("head (L = %lld, pool %s): loss %.6f (float64 %.6f)\n", (long long)L, pool == SK_POOL_MEAN ? "mean" : "last", loss, rloss);
    /* backbone: central differences of the loss for a few entries of several tensors */
    const char *names[] = {"backbone.embedding.weight", "backbone.layers.0.mixer.in_proj.weight",
                           "backbone.layers.1.mixer.A_log", "backbone.layers.0.mixer.dt_proj.bias", "backbone.norm_f.weight"};
    double worst = 0;
    for (int t = 0; t < 5; t++) {
        const sk_param *p = NULL;
        for (int j = 0; j < np; j++)
            if (!strcmp(sk_classifier_param(c, j)->name, names[t])) p = sk_classifier_param(c, j);
        SK_CHECK(p != NULL, "%s", names[t]);
        if (!p) continue;
        float *w = host_copy(be, p->w, p->numel), *g = host_copy(be, p->g, p->numel);
        for (int q = 0; q < 3; q++) {
            /* an entry with a clearly nonzero gradient (the embedding rows of used tokens) */
            int64_t e = 0;
            for (int64_t k = 0; k < p->numel; k++)
                if (fabs(g[k]) > fabs(g[e]) && (q == 0 || k % 3 == q)) e = k;
            const double h = 1e-2 * fmax(1e-1, fabs(w[e]));
            double lp, lm;
            float orig = w[e];
            w[e] = (float)(orig + h);
            if (be->upload(p->w, w, (size_t)p->numel * sizeof(float)) || sk_classifier_forward(c, tok, lab, b, L, &lp)) abort();
            w[e] = (float)(orig - h);
            if (be->upload(p->w, w, (size_t)p->numel * sizeof(float)) || sk_classifier_forward(c, tok, lab, b, L, &lm)) abort();
            w[e] = orig;
            if (be->upload(p->w, w, (size_t)p->numel * sizeof(float))) abort();
            /* tolerance: 2% plus the rounding of the fp32 loss (a few ulp of |loss|) divided by 2h */
            double fd = (lp - lm) / (2 * (double)((float)(orig + h) - orig));
            double tol = 2e-2 * fabs(fd) + 8 * 1.2e-7 * fabs(loss) / (2 * h), err = fabs(fd - g[e]) / tol;
            worst = fmax(worst, err);
            SK_CHECK(err <= 1, "%s[%lld]: grad %.6g vs finite difference %.6g (tolerance %.2g)", p->name, (long long)e,
                     g[e], fd, tol);
        }
        free(w), free(g);
    }
    printf("backbone gradients vs central differences (L = %lld): worst error %.3g of the tolerance\n", (long long)L, worst);
    free(tok), free(hf), free(W), free(B), free(gW), free(gB);
    sk_classifier_free(c);
}

static void test_save_load_errors(void) {
    const sk_backend *be = sk_backend_cpu();
    sk_mamba_config cfg = cfg_of(16, 1);
    const char *cls[] = {"human", "mouse"};
    sk_classifier *c, *c2 = NULL;
    SK_CHECK(sk_classifier_create(&c, &cfg, 2, cls, be, 2, 5, 0) == 0 && sk_classifier_init(c, 5) == 0, "create");
    SK_CHECK(sk_classifier_set_pool(c, SK_POOL_MEAN, 4) == 0, "pool mean");
    const char *meta[] = {"tokenizer", "{\"vocab\":12}", "provenance", "{\"seed\":5}", NULL};
    SK_CHECK(sk_classifier_save(c, tp("clf.safetensors"), meta) == 0, "save: %s", sk_errmsg());
    int rc = sk_classifier_load(&c2, tp("clf.safetensors"), be, 2, 5, 0);
    SK_CHECK(rc == 0, "load: %s", sk_errmsg());
    if (!rc) {
        SK_CHECK(sk_classifier_nclasses(c2) == 2 && !strcmp(sk_classifier_class(c2, 1), "mouse"), "classes kept");
        SK_CHECK(sk_classifier_pool(c2) == SK_POOL_MEAN, "pool \"mean\" kept by save/load");
        SK_CHECK(sk_classifier_meta(c2, "tokenizer") && !strcmp(sk_classifier_meta(c2, "tokenizer"), "{\"vocab\":12}"),
                 "tokenizer metadata kept");
        SK_CHECK(sk_classifier_meta(c2, "provenance") != NULL && sk_classifier_meta(c2, "nothing") == NULL, "metadata");
        int32_t tok[10] = {7, 8, 9, 10, 11, 7, 7, 8, 4, 10};
        double a[4], b2[4];
        SK_CHECK(sk_classifier_forward(c, tok, NULL, 2, 5, NULL) == 0 && sk_classifier_logprobs(c, a) == 0, "fwd 1");
        SK_CHECK(sk_classifier_forward(c2, tok, NULL, 2, 5, NULL) == 0 && sk_classifier_logprobs(c2, b2) == 0, "fwd 2");
        SK_CHECK(!memcmp(a, b2, sizeof a), "loaded classifier gives the same log-probabilities");
        sk_classifier_free(c2);
    }
    /* an LM checkpoint where a classifier is expected, and the reverse */
    sk_mamba_lm *lm;
    SK_CHECK(sk_mamba_lm_create(&lm, &cfg, be, 1, 4, 0) == 0 && sk_mamba_lm_save(lm, tp("lm2.safetensors")) == 0, "lm");
    c2 = NULL;
    SK_CHECK(sk_classifier_load(&c2, tp("lm2.safetensors"), be, 1, 4, 0) == SK_EINVAL && !c2 &&
                 strstr(sk_errmsg(), "language-model checkpoint") && strstr(sk_errmsg(), "lm2.safetensors"),
             "LM as classifier: %s", sk_errmsg());
    SK_CHECK(sk_classifier_from_lm(&c2, tp("clf.safetensors"), 2, cls, be, 1, 4, 0, 1) == SK_EINVAL && !c2 &&
                 strstr(sk_errmsg(), "is a classifier checkpoint"),
             "classifier as pretrained LM: %s", sk_errmsg());
    /* a backbone tensor whose shape does not match the config: config of d_model 24, tensors of 16 */
    sk_mamba_config big = cfg_of(24, 1);
    char *bigjson = sk_mamba_config_to_json(&big);
    SK_CHECK(write_mixed(tp("mismatch.safetensors"), be, lm_get, lm, sk_mamba_lm_nparams(lm), bigjson) == 0, "write");
    SK_CHECK(sk_classifier_from_lm(&c2, tp("mismatch.safetensors"), 2, cls, be, 1, 4, 0, 1) == SK_EFORMAT && !c2 &&
                 strstr(sk_errmsg(), "backbone.embedding.weight") && strstr(sk_errmsg(), "shape"),
             "backbone shape mismatch: %s", sk_errmsg());
    free(bigjson);
    /* a classifier config with 3 classes over a 2-class head */
    char *cj = sk_classifier_config_json(c), *three = malloc(strlen(cj) + 16);
    char *at = strstr(cj, "\"classes\":[");
    SK_CHECK(at != NULL, "config has classes: %s", cj);
    if (at) {
        at += strlen("\"classes\":[");
        sprintf(three, "%.*s\"rat\",%s", (int)(at - cj), cj, at);
        SK_CHECK(write_mixed(tp("head3.safetensors"), be, clf_get, c, sk_classifier_nparams(c), three) == 0, "write");
        SK_CHECK(sk_classifier_load(&c2, tp("head3.safetensors"), be, 1, 4, 0) == SK_EFORMAT && !c2 &&
                     strstr(sk_errmsg(), "classifier.weight") && strstr(sk_errmsg(), "3 classes"),
                 "head shape mismatch: %s", sk_errmsg());
    }
    free(cj), free(three);
    /* not safetensors at all */
    FILE *f = fopen(tp("junk.safetensors"), "wb");
    fputs("not a checkpoint", f), fclose(f);
    SK_CHECK(sk_classifier_load(&c2, tp("junk.safetensors"), be, 1, 4, 0) < 0 && strstr(sk_errmsg(), "junk.safetensors"),
             "junk: %s", sk_errmsg());
    sk_mamba_lm_free(lm);
    sk_classifier_free(c);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    test_from_lm(1);
    test_from_lm(0);
    test_gradients(7, SK_POOL_LAST);
    test_gradients(700, SK_POOL_LAST); /* several scan chunks */
    test_gradients(7, SK_POOL_MEAN);
    test_gradients(700, SK_POOL_MEAN);
    test_save_load_errors();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    return sk_test_finish("test_classifier");
}
