/* test_mamba.c — the Mamba block and LM on the CPU backend:
 *  - initialization statistics (models/README.md §Initialization), tolerances stated at each check;
 *  - step equals forward (<= 1e-4 relative) for the block and the LM over >= 300 tokens, the LM
 *    for every block kind (Mamba with real or complex S6, Mamba-S4 real/complex, S4+MLP
 *    real/complex; models/README.md §Block kinds), as are chunked calls and resets;
 *  - chunked calls with state carry equal one call (forward, LM and block; block backward with
 *    state gradients passed between chunks equals the one-call backward);
 *  - bad input: tokens outside the vocabulary, batch too large. */
#include <math.h>
#include "models/sk_mamba.h"
#include "models/mamba_lm_impl.h"
#include "models/ssm_impl.h"
#include "models/sk_presets.h"
#include "src/sk_json.h"
#include <unistd.h>
#include "tests/kernels/kt_util.h"

/* SK_CHECK_REL that also prints the figure (for the report) */
#define REL(name, got, ref, n, tol)                                                                \
    do {                                                                                           \
        double e_ = sk_relerr_f((got), (ref), (n));                                           \
        printf("%s: relative error %.3g (tolerance %.0e)\n", (name), e_, (double)(tol));           \
        SK_CHECK(e_ <= (tol), "%s: relative error %.3g > %.3g", (name), e_, (double)(tol));       \
    } while (0)

static sk_mamba_config small_cfg_kind(int ssm, int block) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.ssm = ssm, c.blk.block = block;
    c.blk.d_model = 24, c.n_layer = 3, c.vocab_size = 11, c.blk.d_state = 6, c.blk.d_conv = 4;
    /* a wider dt range than the default so the states mix over tens of steps */
    c.blk.dt_min = 0.01, c.blk.dt_max = 0.5;
    if (sk_mamba_config_finish(&c, "test")) abort();
    return c;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_init_stats(void) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = 256, c.n_layer = 4, c.vocab_size = 250, c.blk.d_state = 16;
    SK_CHECK(sk_mamba_config_finish(&c, "init") == 0, "config");
    SK_CHECK(c.vocab_padded == 256 && c.blk.dt_rank == 16 && c.blk.d_inner == 512, "derived sizes");
    sk_mamba_lm *m;
    SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 1, 1, 0) == 0, "create: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_init(m, 42) == 0, "init");
    const int64_t Di = c.blk.d_inner, N = c.blk.d_state, nl = c.n_layer;
    /* softplus(dt_bias) ~ LogUniform[dt_min, dt_max]: KS test of u = ln(dt/dt_min)/ln(dt_max/dt_min)
     * against U(0,1); reject at alpha = 0.001: D_n > 1.949/sqrt(n) */
    int64_t n = nl * Di, k = 0, out_of_range = 0;
    double *u = malloc((size_t)n * sizeof(double));
    for (int64_t l = 0; l < nl; l++)
        for (int64_t i = 0; i < Di; i++) {
            double dt = log1p(exp((double)m->w[l].dt_proj_b[i]));
            if (dt < c.blk.dt_min * (1 - 1e-6) || dt > c.blk.dt_max * (1 + 1e-6)) out_of_range++;
            u[k++] = log(dt / c.blk.dt_min) / log(c.blk.dt_max / c.blk.dt_min);
        }
    qsort(u, (size_t)n, sizeof(double), cmp_dbl);
    double D = 0;
    for (int64_t i = 0; i < n; i++) {
        double a = fabs((double)(i + 1) / n - u[i]), b = fabs(u[i] - (double)i / n);
        D = fmax(D, fmax(a, b));
    }
    SK_CHECK(out_of_range == 0, "%lld softplus(dt_bias) values outside [dt_min, dt_max]", (long long)out_of_range);
    SK_CHECK(D < 1.949 / sqrt((double)n), "KS statistic %.4f >= %.4f (n = %lld)", D, 1.949 / sqrt((double)n), (long long)n);
    printf("init: softplus(dt_bias) KS D = %.4f (n = %lld, reject at %.4f)\n", D, (long long)n, 1.949 / sqrt((double)n));
    free(u);
    /* A_log exactly log(1..N) in every row; D = 1 */
    int exact = 1;
    for (int64_t l = 0; l < nl; l++)
        for (int64_t i = 0; i < Di * N; i++) exact &= m->w[l].A_log[i] == (float)log((double)(i % N + 1));
    SK_CHECK(exact, "A_log[c, n] == log(n + 1) exactly");
    /* out_proj ~ U(+-a), a = 1/sqrt(Di)/sqrt(n_layer): std a/sqrt(3) within 1%, |w| <= a */
    double a = 1 / sqrt((double)Di) / sqrt((double)nl), s2 = 0, mx = 0;
    int64_t cnt = 0;
    for (int64_t l = 0; l < nl; l++)
        for (int64_t i = 0; i < c.blk.d_model * Di; i++, cnt++) {
            double v = m->w[l].out_proj[i];
            s2 += v * v, mx = fmax(mx, fabs(v));
        }
    double sd = sqrt(s2 / cnt), want = a / sqrt(3.0);
    SK_CHECK(fabs(sd / want - 1) < 0.01 && mx <= a, "out_proj std %.6g vs %.6g (1/sqrt(n_layer) scaling), max %.6g", sd, want, mx);
    printf("init: out_proj std %.6g, expected %.6g\n", sd, want);
    /* embedding ~ N(0, 0.02): std within 2%, mean within 4 standard errors */
    double se = 0, sm = 0;
    int64_t ne = c.vocab_padded * c.blk.d_model;
    for (int64_t i = 0; i < ne; i++) sm += m->emb[i], se += (double)m->emb[i] * m->emb[i];
    double esd = sqrt(se / ne - (sm / ne) * (sm / ne));
    SK_CHECK(fabs(esd / 0.02 - 1) < 0.02, "embedding std %.5f vs 0.02", esd);
    SK_CHECK(fabs(sm / ne) < 4 * 0.02 / sqrt((double)ne), "embedding mean %.3g", sm / ne);
    printf("init: embedding std %.5f (expected 0.02)\n", esd);
    /* conv weights U(+-1/sqrt(W)) = U(+-0.5), norms = 1 */
    double cmax = 0;
    for (int64_t i = 0; i < Di * c.blk.d_conv; i++) cmax = fmax(cmax, fabs(m->w[0].conv_w[i]));
    SK_CHECK(cmax <= 0.5 && cmax > 0.45, "conv weight bound %.3f (<= 0.5)", cmax);
    SK_CHECK(m->norm_w[1][5] == 1 && m->norm_f[0] == 1 && m->w[2].D[7] == 1, "norms and D are 1");
    /* tied: no lm_head.weight in the parameter table */
    int has_head = 0;
    for (int i = 0; i < sk_mamba_lm_nparams(m); i++) has_head |= !strcmp(sk_mamba_lm_param(m, i)->name, "lm_head.weight");
    SK_CHECK(!has_head, "tied model has no lm_head.weight");
    /* parameter count of the Mamba LM: embedding, per layer norm + mixer, final norm */
    int64_t d = c.blk.d_model, R = c.blk.dt_rank, W = c.blk.d_conv;
    int64_t per = 2 * Di * d + Di * W + Di + Di * (R + 2 * N) + R * Di + Di + Di * N + Di + Di * d + d;
    SK_CHECK(sk_mamba_lm_numel(m) == nl * per + c.vocab_padded * d + d, "parameter count");
    sk_mamba_lm_free(m);
}

/* mamba-130m's parameter count (129,135,360, the published model's) from the config alone. */
static void test_count_130m(void) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = 768, c.n_layer = 24, c.vocab_size = 50277;
    SK_CHECK(sk_mamba_config_finish(&c, "130m") == 0 && c.vocab_padded == 50280, "130m vocab padding");
    int64_t d = c.blk.d_model, Di = c.blk.d_inner, N = c.blk.d_state, R = c.blk.dt_rank, W = c.blk.d_conv;
    int64_t per = 2 * Di * d + Di * W + Di + Di * (R + 2 * N) + R * Di + Di + Di * N + Di + Di * d + d;
    SK_CHECK(c.n_layer * per + c.vocab_padded * d + d == 129135360, "130m parameter count");
}

static sk_mamba_lm *make_model_kind(int64_t b, int64_t L, int flags, int ssm, int block) {
    sk_mamba_config c = small_cfg_kind(ssm, block);
    sk_mamba_lm *m;
    if (sk_mamba_lm_create(&m, &c, sk_backend_cpu(), b, L, flags) || sk_mamba_lm_init(m, 7)) abort();
    /* spread D and A a little so every path matters */
    for (int64_t l = 0; l < c.n_layer; l++)
        for (int64_t i = 0; i < sk_ssm_dim(&c.blk); i++) m->w[l].D[i] = (float)(0.5 + 0.01 * (i % 13));
    return m;
}
static sk_mamba_lm *make_model(int64_t b, int64_t L, int flags) { return make_model_kind(b, L, flags, SK_SSM_S6, SK_BLOCK_MAMBA); }

/* LM step == forward, chunked == one call, resets, bad input; for each block kind (kind = the
 * name printed with the figures) */
static void test_lm_step(int ssm, int block, const char *kind) {
    const int64_t b = 2, L = 307;
    sk_mamba_lm *m = make_model_kind(b, L, 0, ssm, block);
    char nm[160];
    const int64_t V = m->cfg.vocab_padded;
    int32_t *tok = malloc((size_t)(b * L) * sizeof(int32_t));
    for (int64_t i = 0; i < b * L; i++) tok[i] = (int32_t)sk_rng_below(&kt_rng, (uint64_t)m->cfg.vocab_size);
    SK_CHECK(sk_mamba_lm_forward(m, tok, NULL, b, L, NULL, NULL, NULL) == 0, "forward: %s", sk_errmsg());
    float *full = malloc((size_t)(b * L * V) * sizeof(float)), *lg = malloc((size_t)(b * V) * sizeof(float));
    double *ref = malloc((size_t)(b * L * V) * sizeof(double));
    float *stepped = malloc((size_t)(b * L * V) * sizeof(float));
    SK_CHECK(sk_mamba_lm_logits(m, full) == 0, "logits");
    for (int64_t i = 0; i < b * L * V; i++) ref[i] = full[i];
    sk_mamba_lm_state *st;
    SK_CHECK(sk_mamba_lm_state_create(m, b, &st) == 0, "state");
    for (int64_t t = 0; t < L; t++) {
        int32_t tt[2] = {tok[t], tok[L + t]};
        SK_CHECK(sk_mamba_lm_step(m, st, tt, lg) == 0, "step: %s", sk_errmsg());
        for (int64_t i = 0; i < b; i++) memcpy(stepped + (i * L + t) * V, lg + i * V, (size_t)V * sizeof(float));
    }
    snprintf(nm, sizeof nm, "%s: LM step vs forward (307 tokens, b=2)", kind);
    REL(nm, stepped, ref, b * L * V, 1e-4);
    /* the history matters: the last logits differ from a fresh state's */
    SK_CHECK(sk_mamba_lm_state_reset(st) == 0, "reset");
    int32_t last[2] = {tok[L - 1], tok[2 * L - 1]};
    SK_CHECK(sk_mamba_lm_step(m, st, last, lg) == 0, "fresh step");
    double diff = 0;
    for (int64_t j = 0; j < V; j++) diff = fmax(diff, fabs(lg[j] - ref[(L - 1) * V + j]));
    SK_CHECK(diff > 1e-3, "%s: state carries history (fresh vs carried logits differ by %.3g)", kind, diff);
    /* chunked forward with state carry == one call: pieces of 100, 1, 206 tokens */
    SK_CHECK(sk_mamba_lm_state_reset(st) == 0, "reset");
    int64_t cuts[4] = {0, 100, 101, L};
    float *chunked = malloc((size_t)(b * L * V) * sizeof(float));
    for (int pc = 0; pc < 3; pc++) {
        int64_t t0 = cuts[pc], n = cuts[pc + 1] - t0;
        int32_t *piece = malloc((size_t)(b * n) * sizeof(int32_t));
        for (int64_t i = 0; i < b; i++) memcpy(piece + i * n, tok + i * L + t0, (size_t)n * sizeof(int32_t));
        SK_CHECK(sk_mamba_lm_forward(m, piece, NULL, b, n, NULL, st, NULL) == 0, "chunk forward: %s", sk_errmsg());
        float *pl = malloc((size_t)(b * n * V) * sizeof(float));
        SK_CHECK(sk_mamba_lm_logits(m, pl) == 0, "chunk logits");
        for (int64_t i = 0; i < b; i++) memcpy(chunked + (i * L + t0) * V, pl + i * n * V, (size_t)(n * V) * sizeof(float));
        free(piece), free(pl);
    }
    snprintf(nm, sizeof nm, "%s: LM chunked (100+1+206) vs one call", kind);
    REL(nm, chunked, ref, b * L * V, 1e-4);
    /* resets: one call over two sequences packed with a reset == two separate calls */
    uint8_t *rs = calloc((size_t)(b * L), 1);
    rs[150] = 1, rs[L + 40] = 1;
    SK_CHECK(sk_mamba_lm_forward(m, tok, NULL, b, L, rs, NULL, NULL) == 0, "forward with resets");
    SK_CHECK(sk_mamba_lm_logits(m, full) == 0, "logits");
    /* the part after the reset equals a fresh forward of that part */
    int32_t *tail = malloc((size_t)(L - 150) * sizeof(int32_t));
    memcpy(tail, tok + 150, (size_t)(L - 150) * sizeof(int32_t));
    SK_CHECK(sk_mamba_lm_forward(m, tail, NULL, 1, L - 150, NULL, NULL, NULL) == 0, "tail forward");
    float *tl = malloc((size_t)((L - 150) * V) * sizeof(float));
    SK_CHECK(sk_mamba_lm_logits(m, tl) == 0, "tail logits");
    double *tref = malloc((size_t)((L - 150) * V) * sizeof(double));
    for (int64_t i = 0; i < (L - 150) * V; i++) tref[i] = tl[i];
    snprintf(nm, sizeof nm, "%s: reset at 150 == fresh sequence", kind);
    REL(nm, full + 150 * V, tref, (L - 150) * V, 1e-5);
    /* bad input */
    int32_t bad[2] = {0, 16};
    SK_CHECK(sk_mamba_lm_forward(m, bad, NULL, 2, 1, NULL, NULL, NULL) == SK_EINVAL && strstr(sk_errmsg(), "token 16"),
             "token outside vocabulary: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_forward(m, tok, NULL, 3, L, NULL, NULL, NULL) == SK_EINVAL, "batch too large");
    SK_CHECK(sk_mamba_lm_backward(m) == SK_EINVAL, "backward without gradients refused");
    sk_mamba_lm_state_free(st);
    sk_mamba_lm_free(m);
    free(tok), free(full), free(lg), free(ref), free(stepped), free(chunked), free(rs), free(tail), free(tl), free(tref);
}

/* Block level: step == forward over 301 positions; and backward over two chunks with the state
 * gradient handed from the second chunk to the first equals the one-call backward. */
static void test_block(void) {
    const int64_t b = 2, L = 301, split = 120;
    sk_mamba_lm *m = make_model(b, L, SK_MODEL_GRADS);
    const sk_backend *be = sk_backend_cpu();
    const sk_mamba_config *c = &m->cfg;
    const int64_t d = c->blk.d_model, rows = b * L, Di = c->blk.d_inner, N = c->blk.d_state, W = c->blk.d_conv;
    double *xin = kt_randd(rows * d, -1, 1), *gout = kt_randd(rows * d, -1, 1);
    float *in = kt_tof(xin, rows * d), *dout = kt_tof(gout, rows * d), *out = kt_zerof(rows * d);
    double *ref = kt_zerod(rows * d);
    sk_mamba_act *act = &m->act[0];
    SK_CHECK(sk_mamba_block_forward(be, &c->blk, out, act, in, &m->w[0], b, L, NULL, NULL, &m->scr) == 0, "block fwd");
    for (int64_t i = 0; i < rows * d; i++) ref[i] = out[i];
    /* step */
    sk_mamba_state st = {kt_zerof(b * (W - 1) * Di), kt_zerof(b * Di * N)};
    float *o1 = kt_zerof(b * d), *x1 = kt_zerof(b * d), *stepped = kt_zerof(rows * d);
    for (int64_t t = 0; t < L; t++) {
        for (int64_t i = 0; i < b; i++) memcpy(x1 + i * d, in + (i * L + t) * d, (size_t)d * 4);
        SK_CHECK(sk_mamba_block_step(be, &c->blk, &st, o1, x1, &m->w[0], b, &m->act[1], &m->scr) == 0, "block step");
        for (int64_t i = 0; i < b; i++) memcpy(stepped + (i * L + t) * d, o1 + i * d, (size_t)d * 4);
    }
    REL("block step vs forward (301 positions, b=2)", stepped, ref, rows * d, 1e-4);
    /* one-call backward */
    float *din = kt_zerof(rows * d);
    SK_CHECK(sk_mamba_lm_zero_grad(m) == 0, "zero grad");
    SK_CHECK(sk_mamba_block_forward(be, &c->blk, out, act, in, &m->w[0], b, L, NULL, NULL, &m->scr) == 0, "fwd");
    SK_CHECK(sk_mamba_block_backward(be, &c->blk, din, &m->gw[0], dout, in, &m->w[0], act, b, L, NULL, NULL, NULL, &m->scr) == 0, "bwd: %s", sk_errmsg());
    double *din_ref = kt_zerod(rows * d), *gin_ref = kt_zerod(2 * Di * d), *gA_ref = kt_zerod(Di * N);
    for (int64_t i = 0; i < rows * d; i++) din_ref[i] = din[i];
    for (int64_t i = 0; i < 2 * Di * d; i++) gin_ref[i] = m->gw[0].in_proj[i];
    for (int64_t i = 0; i < Di * N; i++) gA_ref[i] = m->gw[0].A_log[i];
    /* two chunks: forward both (saving activations in act[0], act[1]), backward the second with
     * dst_in, then the first with dst_out = that */
    SK_CHECK(sk_mamba_lm_zero_grad(m) == 0, "zero grad");
    int64_t n1 = split, n2 = L - split;
    float *in1 = kt_zerof(b * n1 * d), *in2 = kt_zerof(b * n2 * d), *g1 = kt_zerof(b * n1 * d), *g2 = kt_zerof(b * n2 * d);
    for (int64_t i = 0; i < b; i++) {
        memcpy(in1 + i * n1 * d, in + i * L * d, (size_t)(n1 * d) * 4);
        memcpy(in2 + i * n2 * d, in + (i * L + n1) * d, (size_t)(n2 * d) * 4);
        memcpy(g1 + i * n1 * d, dout + i * L * d, (size_t)(n1 * d) * 4);
        memcpy(g2 + i * n2 * d, dout + (i * L + n1) * d, (size_t)(n2 * d) * 4);
    }
    memset(st.conv, 0, (size_t)(b * (W - 1) * Di) * 4), memset(st.ssm, 0, (size_t)(b * Di * N) * 4);
    float *o1c = kt_zerof(b * n1 * d), *o2c = kt_zerof(b * n2 * d), *d1 = kt_zerof(b * n1 * d), *d2 = kt_zerof(b * n2 * d);
    SK_CHECK(sk_mamba_block_forward(be, &c->blk, o1c, &m->act[0], in1, &m->w[0], b, n1, NULL, &st, &m->scr) == 0, "chunk 1 fwd");
    SK_CHECK(sk_mamba_block_forward(be, &c->blk, o2c, &m->act[1], in2, &m->w[0], b, n2, NULL, &st, &m->scr) == 0, "chunk 2 fwd");
    sk_mamba_state dst = {kt_zerof(b * (W - 1) * Di), kt_zerof(b * Di * N)}, dst0 = {kt_zerof(b * (W - 1) * Di), kt_zerof(b * Di * N)};
    SK_CHECK(sk_mamba_block_backward(be, &c->blk, d2, &m->gw[0], g2, in2, &m->w[0], &m->act[1], b, n2, NULL, NULL, &dst, &m->scr) == 0, "chunk 2 bwd");
    SK_CHECK(sk_mamba_block_backward(be, &c->blk, d1, &m->gw[0], g1, in1, &m->w[0], &m->act[0], b, n1, NULL, &dst, &dst0, &m->scr) == 0, "chunk 1 bwd");
    float *dcat = kt_zerof(rows * d);
    for (int64_t i = 0; i < b; i++) {
        memcpy(dcat + i * L * d, d1 + i * n1 * d, (size_t)(n1 * d) * 4);
        memcpy(dcat + (i * L + n1) * d, d2 + i * n2 * d, (size_t)(n2 * d) * 4);
    }
    REL("block chunked backward: din", dcat, din_ref, rows * d, 1e-4);
    REL("block chunked backward: d in_proj", m->gw[0].in_proj, gin_ref, 2 * Di * d, 1e-4);
    REL("block chunked backward: d A_log", m->gw[0].A_log, gA_ref, Di * N, 1e-4);
    double nz = 0;
    for (int64_t i = 0; i < b * Di * N; i++) nz = fmax(nz, fabs(dst.ssm[i]));
    SK_CHECK(nz > 0, "the state gradient between chunks is not zero");
    float *fl[] = {in, dout, out, st.conv, st.ssm, o1, x1, stepped, din, in1, in2, g1, g2, o1c, o2c, d1, d2, dst.conv, dst.ssm, dst0.conv, dst0.ssm, dcat};
    for (size_t k = 0; k < sizeof fl / sizeof *fl; k++) free(fl[k]);
    free(xin), free(gout), free(ref), free(din_ref), free(gin_ref), free(gA_ref);
    sk_mamba_lm_free(m);
}

static void test_config(void) {
    sk_mamba_config c;
    cJSON *o = cJSON_Parse("{\"d_model\": 40, \"n_layer\": 2, \"vocab_size\": 5, \"dt_rank\": \"auto\", \"expand\": 1.5}");
    SK_CHECK(sk_mamba_config_from_json(o, "x.json", &c) == 0 && c.blk.dt_rank == 3 && c.blk.d_inner == 60 && c.vocab_padded == 8,
             "auto dt_rank = ceil(40/16) = 3, d_inner = int(1.5*40), vocab 5 -> 8");
    cJSON_Delete(o);
    o = cJSON_Parse("{\"d_model\": 40, \"n_layer\": 2, \"vocab_size\": 5, \"d_stat\": 4}");
    SK_CHECK(sk_mamba_config_from_json(o, "x.json", &c) == SK_EINVAL && strstr(sk_errmsg(), "d_stat"), "unknown key: %s", sk_errmsg());
    cJSON_Delete(o);
    o = cJSON_Parse("{\"hidden_size\": 32, \"num_hidden_layers\": 2, \"vocab_size\": 50, \"state_size\": 4, \"time_step_rank\": 7, \"use_bias\": true}");
    SK_CHECK(sk_mamba_config_from_hf(o, "hf/config.json", &c) == SK_EUNSUP && strstr(sk_errmsg(), "use_bias"), "HF bias refused: %s", sk_errmsg());
    cJSON_Delete(o);
    o = cJSON_Parse("{\"d_model\": 32, \"n_layer\": 2, \"vocab_size\": 50, \"ssm_cfg\": {\"d_state\": 4, \"dt_rank\": 5}}");
    SK_CHECK(sk_mamba_config_from_mamba_ssm(o, "m/config.json", &c) == 0 && c.blk.d_state == 4 && c.blk.dt_rank == 5 && c.vocab_padded == 56, "mamba_ssm config");
    cJSON_Delete(o);
}

/* The SSM layer family's config fields, parameter table and initialization (models/README.md §Block kinds). */
static void test_ssm_kinds(void) {
    sk_mamba_config c;
    cJSON *o = cJSON_Parse("{\"d_model\": 20, \"n_layer\": 1, \"vocab_size\": 5, \"block\": \"s4-mlp\"}");
    SK_CHECK(sk_mamba_config_from_json(o, "k.json", &c) == SK_EINVAL && strstr(sk_errmsg(), "needs ssm"),
             "s4-mlp with S6 refused: %s", sk_errmsg());
    cJSON_Delete(o);
    o = cJSON_Parse("{\"d_model\": 20, \"n_layer\": 1, \"vocab_size\": 5, \"ssm\": \"s5\"}");
    SK_CHECK(sk_mamba_config_from_json(o, "k.json", &c) == SK_EINVAL && strstr(sk_errmsg(), "k.json: ssm \"s5\" is unknown"),
             "unknown ssm: %s", sk_errmsg());
    cJSON_Delete(o);
    o = cJSON_Parse("{\"d_model\": 20, \"n_layer\": 1, \"vocab_size\": 5, \"ssm\": \"s4d-lin\", \"block\": \"s4-mlp\"}");
    SK_CHECK(sk_mamba_config_from_json(o, "k.json", &c) == 0 && c.blk.ssm == SK_SSM_S4D_LIN && c.blk.block == SK_BLOCK_S4_MLP, "s4-mlp config");
    cJSON_Delete(o);
    char *js = sk_mamba_config_to_json(&c);
    sk_mamba_config c2;
    o = cJSON_Parse(js);
    SK_CHECK(sk_mamba_config_from_json(o, "rt", &c2) == 0 && c2.blk.ssm == c.blk.ssm && c2.blk.block == c.blk.block, "kind survives JSON: %s", js);
    cJSON_Delete(o), free(js);
    /* S4+MLP (S4D-Lin) parameters per layer: norm, mixer (log_dt, A_log, A_imag, B, C, D), output_linear,
     * norm2, fc1, fc2; and init (A_log = log 1/2, A_imag = pi n, B = 1 + 0i,
     * log_dt in [log dt_min, log dt_max], C parts ~ N(0, 1/2): sample variance within 25%) */
    c.n_layer = 2, c.blk.d_state = 64;
    SK_CHECK(sk_mamba_config_finish(&c, "s4") == 0, "finish");
    sk_mamba_lm *m;
    SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 1, 1, 0) == 0 && sk_mamba_lm_init(m, 3) == 0, "create: %s", sk_errmsg());
    const int64_t d = c.blk.d_model, N = c.blk.d_state;
    int64_t per = d + (d + 2 * d * N + 2 * 2 * d * N + d) + (2 * d * d + 2 * d) + d + (2 * d * d + 2 * d) + (2 * d * d + d);
    SK_CHECK(sk_mamba_lm_numel(m) == c.n_layer * per + c.vocab_padded * d + d, "S4+MLP parameter count %lld",
             (long long)sk_mamba_lm_numel(m));
    int ok = 1;
    double v = 0, lo = log(c.blk.dt_min), hi = log(c.blk.dt_max);
    for (int64_t i = 0; i < d; i++) {
        ok &= m->w[0].log_dt[i] >= lo - 1e-6 && m->w[0].log_dt[i] <= hi + 1e-6;
        for (int64_t n = 0; n < N; n++) {
            ok &= m->w[1].A_log[i * N + n] == (float)log(0.5) && m->w[1].A_imag[i * N + n] == (float)(M_PI * n);
            ok &= m->w[0].B[(i * N + n) * 2] == 1.0f && m->w[0].B[(i * N + n) * 2 + 1] == 0.0f;
            v += m->w[0].C[(i * N + n) * 2] * m->w[0].C[(i * N + n) * 2] + m->w[0].C[(i * N + n) * 2 + 1] * m->w[0].C[(i * N + n) * 2 + 1];
        }
    }
    v /= 2 * d * N;
    SK_CHECK(ok, "S4D-Lin init: A_log = log 0.5, A_imag = pi n, B = 1, log_dt in range");
    SK_CHECK(fabs(v - 0.5) < 0.125, "C re/im variance %.3f (expected 0.5)", v);
    sk_mamba_lm_free(m);
    /* complex S6: x_proj has R + 4N rows */
    c = small_cfg_kind(SK_SSM_S6_COMPLEX, SK_BLOCK_MAMBA);
    SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 1, 1, 0) == 0, "create s6-complex");
    int found = 0;
    for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
        const sk_param *p = sk_mamba_lm_param(m, i);
        if (!strcmp(p->name, "backbone.layers.0.mixer.x_proj.weight"))
            found = p->shape[0] == c.blk.dt_rank + 4 * c.blk.d_state && p->shape[1] == c.blk.d_inner;
    }
    SK_CHECK(found, "complex S6 x_proj.weight is (R + 4N, Di)");
    sk_mamba_lm_free(m);
}

/* Every mamba-lm preset parses; a backend without an op the model needs is refused by name; an
 * untied model saves and reloads its lm_head.weight. */
static void test_presets_backend_untied(void) {
    int n = 0;
    for (int i = 0; i < sk_n_presets; i++) {
        cJSON *j = NULL;
        char what[128];
        snprintf(what, sizeof what, "preset %s", sk_presets[i].name);
        SK_CHECK(sk_json_parse(sk_presets[i].json, (int64_t)strlen(sk_presets[i].json), what, &j) == 0, "%s", what);
        const cJSON *arch = cJSON_GetObjectItemCaseSensitive(j, "arch");
        if (cJSON_IsString(arch) && !strcmp(arch->valuestring, "mamba-lm")) {
            sk_mamba_config c;
            SK_CHECK(sk_mamba_config_from_json(j, what, &c) == 0, "%s: %s", what, sk_errmsg());
            n++;
        }
        cJSON_Delete(j);
    }
    SK_CHECK(n >= 1, "at least one mamba-lm preset");
    sk_backend partial = *sk_backend_cpu();
    partial.name = "cuda";
    partial.scan_bwd = NULL;
    sk_mamba_config c = small_cfg_kind(SK_SSM_S6, SK_BLOCK_MAMBA);
    sk_mamba_lm *m = NULL;
    SK_CHECK(sk_mamba_lm_create(&m, &c, &partial, 1, 4, 0) == SK_EUNSUP && m == NULL &&
                 !strcmp(sk_errmsg(), "op scan_bwd is not implemented on cuda yet"), "missing op: %s", sk_errmsg());
    c.tie_embeddings = 0;
    SK_CHECK(sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 1, 4, 0) == 0 && sk_mamba_lm_init(m, 3) == 0, "untied create");
    const sk_param *last = sk_mamba_lm_param(m, sk_mamba_lm_nparams(m) - 1);
    SK_CHECK(!strcmp(last->name, "lm_head.weight") && last->shape[0] == 16 && last->shape[1] == 24, "untied lm_head.weight (16, 24)");
    char path[] = "/tmp/sk_untied_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    sk_mamba_lm *m2 = NULL;
    SK_CHECK(sk_mamba_lm_save(m, path) == 0 && sk_mamba_lm_load(&m2, path, sk_backend_cpu(), 1, 4, 0) == 0, "untied round trip: %s", sk_errmsg());
    if (m2) {
        const sk_param *l2 = sk_mamba_lm_param(m2, sk_mamba_lm_nparams(m2) - 1);
        SK_CHECK(!memcmp(l2->w, last->w, (size_t)last->numel * 4) && !sk_mamba_lm_config(m2)->tie_embeddings, "untied head reloaded");
    }
    unlink(path);
    int64_t np = 0, ng = 0;
    float *pb = sk_mamba_lm_flat(m, 0, &np);
    SK_CHECK(pb && np >= sk_mamba_lm_numel(m) && sk_mamba_lm_flat(m, 1, &ng) == NULL && ng == 0, "flat arenas");
    int inside = 1;
    for (int i = 0; i < sk_mamba_lm_nparams(m); i++) {
        const sk_param *pp = sk_mamba_lm_param(m, i);
        inside &= pp->w >= pb && pp->w + pp->numel <= pb + np;
    }
    SK_CHECK(inside, "every parameter lies in the flat parameter arena");
    sk_mamba_lm_free(m2);
    sk_mamba_lm_free(m);
}

int main(void) {
    sk_rng_seed(&kt_rng, 5, 0);
    test_config();
    test_ssm_kinds();
    test_presets_backend_untied();
    test_count_130m();
    test_init_stats();
    test_lm_step(SK_SSM_S6, SK_BLOCK_MAMBA, "mamba (s6)");
    test_lm_step(SK_SSM_S6_COMPLEX, SK_BLOCK_MAMBA, "mamba (s6-complex)");
    test_lm_step(SK_SSM_S4D_REAL, SK_BLOCK_MAMBA, "mamba-s4 (s4d-real)");
    test_lm_step(SK_SSM_S4D_LIN, SK_BLOCK_MAMBA, "mamba-s4 (s4d-lin)");
    test_lm_step(SK_SSM_S4D_REAL, SK_BLOCK_S4_MLP, "s4-mlp (s4d-real)");
    test_lm_step(SK_SSM_S4D_LIN, SK_BLOCK_S4_MLP, "s4-mlp (s4d-lin)");
    test_block();
    return sk_test_finish("test_mamba");
}
