/* test_mamba_ref.c — whole-model parity with PyTorch (label `ref`). The fixtures in
 * tests/models/fixtures/mamba_ref were written by tests/reference/make_mamba_fixtures.py: one
 * random LM as an ssmkit checkpoint, a mamba_ssm folder and a sharded Hugging Face folder, plus
 * the float64 PyTorch logits, mean loss and every parameter gradient. Each of the three loads
 * must reproduce them within 1e-4 relative (max|got - ref| / max|ref| per tensor).
 * The same parity for each kind of the SSM layer family (tests/models/fixtures/ssm_ref, written by
 * tests/reference/make_ssm_fixtures.py): complex S6, Mamba-S4 real/complex, S4+MLP real/complex.
 * Also: save/load round trip and the checkpoint errors (shape mismatch naming the tensor,
 * pytorch_model.bin, missing tensor).
 *   test_mamba_ref                         the parity and I/O checks
 *   test_mamba_ref --dumps LOGITS GRADS    compare `ssmkit eval --dump-logits/--dump-grads` output
 */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include "models/sk_mamba.h"
#include "src/sk_io.h"
#include "src/sk_safetensors.h"
#include "tests/sk_test.h"
#include "tests/models/ref_util.h"

static char fx[1024];
static sk_st *expct;
enum { B = 2, L = 13 };


#define REL(name, got, ref, n, tol)                                                                \
    do {                                                                                           \
        double e_ = sk_relerr_f((got), (ref), (n));                                           \
        if (verbose) printf("  %-48s relative error %.3g\n", (name), e_);                          \
        SK_CHECK(e_ <= (tol), "%s: relative error %.3g > %.3g", (name), e_, (double)(tol));       \
        if (e_ > worst) worst = e_;                                                                \
    } while (0)

static double parity(const char *what, const char *path, int verbose) {
    double worst = 0;
    sk_mamba_lm *m;
    int rc = sk_mamba_lm_load(&m, path, sk_backend_cpu(), B, L, SK_MODEL_GRADS);
    SK_CHECK(rc == 0, "%s: load: %s", what, sk_errmsg());
    if (rc) return INFINITY;
    const sk_mamba_config *c = sk_mamba_lm_config(m);
    const int64_t V = c->vocab_padded;
    int32_t tok[B * L], tgt[B * L];
    SK_CHECK(sk_st_read_raw(expct, "tokens", tok, sizeof tok) == 0, "tokens");
    for (int i = 0; i < B; i++)
        for (int t = 0; t < L; t++) tgt[i * L + t] = t + 1 < L ? tok[i * L + t + 1] : -1;
    double loss = 0;
    SK_CHECK(sk_mamba_lm_zero_grad(m) == 0, "zero");
    SK_CHECK(sk_mamba_lm_forward(m, tok, tgt, B, L, NULL, NULL, &loss) == 0, "%s: forward: %s", what, sk_errmsg());
    SK_CHECK(sk_mamba_lm_backward(m) == 0, "%s: backward: %s", what, sk_errmsg());
    float *lg = malloc((size_t)(B * L * V) * sizeof(float));
    SK_CHECK(sk_mamba_lm_logits(m, lg) == 0, "logits");
    double *rl = read_ref(expct, "logits", B * L * V);
    char nm[160];
    snprintf(nm, sizeof nm, "%s: logits", what);
    REL(nm, lg, rl, B * L * V, 1e-4);
    double rloss;
    float lf = (float)loss;
    SK_CHECK(sk_st_read_raw(expct, "loss", &rloss, sizeof rloss) == 0, "loss");
    snprintf(nm, sizeof nm, "%s: loss (%.8f vs %.8f)", what, loss, rloss);
    REL(nm, &lf, &rloss, 1, 1e-4);
    for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
        const sk_param *p = sk_mamba_lm_param(m, i);
        char gname[160];
        snprintf(gname, sizeof gname, "grad.%s", p->name);
        double *rg = read_ref(expct, gname, p->numel);
        snprintf(nm, sizeof nm, "%s: d %s", what, p->name);
        REL(nm, p->g, rg, p->numel, 1e-4);
        free(rg);
    }
    printf("%s: logits, loss and %d gradients match PyTorch, worst relative error %.3g\n", what, sk_mamba_lm_nparams(m), worst);
    free(lg), free(rl);
    sk_mamba_lm_free(m);
    return worst;
}

static void write_text(const char *path, const char *s) {
    FILE *f = fopen(path, "w");
    if (f) fputs(s, f), fclose(f);
}

static void io_errors(void) {
    char dir[] = "/tmp/sk_mamba_ref_XXXXXX", p[4096], q[2048];
    SK_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    /* round trip: load the ssmkit file, save, reload: identical parameters, ssmkit names */
    sk_mamba_lm *m, *m2;
    snprintf(p, sizeof p, "%s/ssmkit.safetensors", fx);
    snprintf(q, sizeof q, "%s/saved.safetensors", dir);
    SK_CHECK(sk_mamba_lm_load(&m, p, sk_backend_cpu(), 1, 4, 0) == 0, "load");
    SK_CHECK(sk_mamba_lm_save(m, q) == 0, "save: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_load(&m2, q, sk_backend_cpu(), 1, 4, 0) == 0, "reload: %s", sk_errmsg());
    int same = 1;
    for (int i = 0; i < sk_mamba_lm_nparams(m); i++)
        same &= !memcmp(sk_mamba_lm_param(m, i)->w, sk_mamba_lm_param(m2, i)->w, (size_t)sk_mamba_lm_param(m, i)->numel * 4);
    SK_CHECK(same, "save/load round trip is bit-exact");
    sk_st *st;
    SK_CHECK(sk_st_open(q, &st) == 0, "open saved");
    SK_CHECK(sk_st_find(st, "backbone.embedding.weight") && !sk_st_find(st, "lm_head.weight") &&
                 !sk_st_find(st, "backbone.embeddings.weight") && sk_st_meta(st, "config"),
             "saved names: backbone.embedding.weight, no lm_head.weight when tied, config metadata");
    sk_st_close(st);
    sk_mamba_lm_free(m2);
    /* a checkpoint whose shapes do not match its config: d_state 5 instead of 6 */
    {
        const char *cfg5 = "{\"arch\":\"mamba-lm\",\"d_model\":20,\"n_layer\":3,\"vocab_size\":23,\"d_state\":5}";
        sk_stw *w;
        SK_CHECK(sk_stw_create(&w) == 0, "stw");
        for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
            const sk_param *pp = sk_mamba_lm_param(m, i);
            if (sk_stw_add(w, pp->name, SK_F32, pp->ndim, pp->shape, pp->w)) break;
        }
        SK_CHECK(sk_stw_meta(w, "config", cfg5) == 0, "meta");
        snprintf(q, sizeof q, "%s/mismatch.safetensors", dir);
        SK_CHECK(sk_stw_write(w, q) == 0, "write mismatch: %s", sk_errmsg());
        sk_stw_free(w);
        sk_mamba_lm *bad;
        int rc = sk_mamba_lm_load(&bad, q, sk_backend_cpu(), 1, 4, 0);
        SK_CHECK(rc == SK_EFORMAT && strstr(sk_errmsg(), "mismatch.safetensors") && strstr(sk_errmsg(), "tensor backbone.layers.0.mixer.x_proj.weight has shape [14, 40]"),
                 "shape mismatch names the file and tensor: %s", sk_errmsg());
        printf("shape mismatch: %s\n", sk_errmsg());
    }
    /* pytorch_model.bin only */
    snprintf(q, sizeof q, "%s/bin", dir);
    mkdir(q, 0755);
    snprintf(p, sizeof p, "%s/mamba_ssm/config.json", fx);
    char *cj;
    int64_t len;
    SK_CHECK(sk_read_file(p, &cj, &len) == 0, "read config");
    snprintf(p, sizeof p, "%s/config.json", q);
    write_text(p, cj);
    free(cj);
    snprintf(p, sizeof p, "%s/pytorch_model.bin", q);
    write_text(p, "PK\x03\x04 not really a pickle");
    sk_mamba_lm *bad;
    SK_CHECK(sk_mamba_lm_load(&bad, q, sk_backend_cpu(), 1, 4, 0) == SK_EUNSUP && strstr(sk_errmsg(), "convert it to safetensors") &&
                 strstr(sk_errmsg(), "pytorch_model.bin"), "pytorch_model.bin: %s", sk_errmsg());
    printf("pytorch_model.bin: %.100s...\n", sk_errmsg());
    /* a folder whose weights lack a tensor */
    {
        sk_stw *w;
        SK_CHECK(sk_stw_create(&w) == 0, "stw");
        for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
            const sk_param *pp = sk_mamba_lm_param(m, i);
            if (strcmp(pp->name, "backbone.layers.1.mixer.D") && sk_stw_add(w, pp->name, SK_F32, pp->ndim, pp->shape, pp->w)) break;
        }
        snprintf(p, sizeof p, "%s/model.safetensors", q);
        SK_CHECK(sk_stw_write(w, p) == 0, "write");
        sk_stw_free(w);
        SK_CHECK(sk_mamba_lm_load(&bad, q, sk_backend_cpu(), 1, 4, 0) == SK_EFORMAT && strstr(sk_errmsg(), "backbone.layers.1.mixer.D is missing"),
                 "missing tensor: %s", sk_errmsg());
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/pytorch_model.bin", q), unlink(p);
    snprintf(p, sizeof p, "%s/config.json", q), unlink(p);
    rmdir(q);
    snprintf(p, sizeof p, "%s/saved.safetensors", dir), unlink(p);
    snprintf(p, sizeof p, "%s/mismatch.safetensors", dir), unlink(p);
    rmdir(dir);
    sk_mamba_lm_free(m);
}

/* Compare eval's dumps with the expected tensors. */
static int dumps(const char *logits, const char *grads) {
    sk_st *a, *g;
    double worst = 0;
    int verbose = 0;
    if (sk_st_open(logits, &a) || sk_st_open(grads, &g)) {
        fprintf(stderr, "%s\n", sk_errmsg());
        return 1;
    }
    const sk_st_tensor *t = sk_st_find(a, "logits");
    SK_CHECK(t && t->ndim == 3 && t->shape[0] == B && t->shape[1] == L, "dumped logits shape (b, L, V)");
    if (t) {
        float *lg = malloc((size_t)t->numel * 4);
        double *rl = read_ref(expct, "logits", t->numel);
        SK_CHECK(sk_st_read_f32(a, "logits", lg, t->numel) == 0, "read logits");
        REL("eval dump: logits", lg, rl, t->numel, 1e-4);
        free(lg), free(rl);
    }
    int n = 0;
    for (int64_t i = 0; i < sk_st_count(expct); i++) {
        const char *nm = sk_st_at(expct, i)->name;
        if (strncmp(nm, "grad.", 5)) continue;
        const sk_st_tensor *gt = sk_st_find(g, nm + 5);
        SK_CHECK(gt != NULL, "gradient %s dumped", nm + 5);
        if (!gt) continue;
        float *gg = malloc((size_t)gt->numel * 4);
        double *rg = read_ref(expct, nm, gt->numel);
        SK_CHECK(sk_st_read_f32(g, nm + 5, gg, gt->numel) == 0, "read");
        REL(nm, gg, rg, gt->numel, 1e-4);
        free(gg), free(rg), n++;
    }
    printf("eval dumps: logits and %d gradients match PyTorch, worst relative error %.3g\n", n, worst);
    sk_st_close(a), sk_st_close(g);
    return sk_test_finish("test_mamba_ref --dumps");
}

int main(int argc, char **argv) {
    const char *src = getenv("SSMKIT_SRC");
    snprintf(fx, sizeof fx, "%s/tests/models/fixtures/mamba_ref", src ? src : ".");
    char p[1100];
    snprintf(p, sizeof p, "%s/expected.safetensors", fx);
    if (sk_st_open(p, &expct)) {
        fprintf(stderr, "test_mamba_ref: %s\n", sk_errmsg());
        return 1;
    }
    int rc;
    if (argc == 4 && !strcmp(argv[1], "--dumps")) {
        rc = dumps(argv[2], argv[3]);
    } else {
        int verbose = argc > 1 && !strcmp(argv[1], "-v");
        snprintf(p, sizeof p, "%s/ssmkit.safetensors", fx);
        parity("ssmkit checkpoint", p, verbose);
        snprintf(p, sizeof p, "%s/mamba_ssm", fx);
        parity("mamba_ssm folder", p, verbose);
        snprintf(p, sizeof p, "%s/hf", fx);
        parity("Hugging Face folder (2 shards)", p, verbose);
        io_errors();
        /* the SSM layer family (models/README.md §Block kinds): one LM per block kind, written by
         * tests/reference/make_ssm_fixtures.py (same B x L, d_model 20, d_state 5) */
        static const char *const kinds[] = {"s6_complex", "mamba_s4d_real", "mamba_s4d_lin", "s4mlp_real", "s4mlp_lin"};
        sk_st *mamba_expct = expct;
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
            snprintf(p, sizeof p, "%s/tests/models/fixtures/ssm_ref/%s/expected.safetensors", src ? src : ".", kinds[k]);
            SK_CHECK(sk_st_open(p, &expct) == 0, "%s", sk_errmsg());
            if (!expct) continue;
            snprintf(p, sizeof p, "%s/tests/models/fixtures/ssm_ref/%s/ssmkit.safetensors", src ? src : ".", kinds[k]);
            parity(kinds[k], p, verbose);
            sk_st_close(expct);
        }
        expct = mamba_expct;
        rc = sk_test_finish("test_mamba_ref");
    }
    sk_st_close(expct);
    return rc;
}
