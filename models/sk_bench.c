/* sk_bench.c — see sk_bench.h. */
#include "models/sk_bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "models/sk_trainer.h"
#include "src/sk_proc.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_sample.h"

/* ---- profiling backend: the real table with timed gemm and scan slots ---- */
static const sk_backend *g_real;
static double g_gemm_s, g_scan_s;

static double tick(void) {
    g_real->sync();
    return sk_now();
}
static int prof_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                     const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    double t0 = tick();
    int rc = g_real->gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    g_gemm_s += tick() - t0;
    return rc;
}
static int prof_scan_fwd(const sk_scan_f32 *p) {
    double t0 = tick();
    int rc = g_real->scan_fwd(p);
    g_scan_s += tick() - t0;
    return rc;
}
static int prof_scan_bwd(const sk_scan_f32 *p) {
    double t0 = tick();
    int rc = g_real->scan_bwd(p);
    g_scan_s += tick() - t0;
    return rc;
}

void sk_bench_print_machine(FILE *out, int argc, char *const *argv, int threads) {
    char host[256] = "?", cpu[256] = "?";
    gethostname(host, sizeof host);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) snprintf(cpu, sizeof cpu, "%s", p + 2);
            cpu[strcspn(cpu, "\n")] = 0;
            break;
        }
    if (f) fclose(f);
    fprintf(out, "machine: %s, %s, %ld cores online, %d kernel threads\n", host, cpu, sysconf(_SC_NPROCESSORS_ONLN), threads);
    fprintf(out, "command: ssmkit");
    for (int i = 0; i < argc; i++) fprintf(out, " %s", argv[i]);
    fprintf(out, "\n");
}

/* Training phases of any model kind (a Mamba LM or a U-Net), through the training operations of
 * the model interface, so all are timed by the same loop (the optimizer takes the trainer's view). */
int sk_bench_train(const sk_model_config *ac, const sk_backend *real, int64_t L, int64_t b, int iters, const char *what,
                   int threads, FILE *out) {
    sk_backend prof = *real;
    g_real = real;
    prof.gemm = prof_gemm, prof.scan_fwd = prof_scan_fwd, prof.scan_bwd = prof_scan_bwd;
    sk_model *m = NULL;
    sk_optimizer *opt = NULL;
    const int64_t vocab = sk_model_config_vocab(ac), P = sk_model_config_length_multiple(ac);
    const int64_t dmodel = sk_model_config_d_model(ac), nlayer = sk_model_config_n_layer(ac);
    int32_t *tok = malloc((size_t)(b * L) * sizeof(int32_t)), *tgt = malloc((size_t)(b * L) * sizeof(int32_t));
    int rc = tok && tgt ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
    if (!rc && L % P)
        rc = sk_error(SK_EINVAL, "--length %lld is not a multiple of the U-Net's pool product %lld", (long long)L,
                      (long long)P);
    if (!rc) rc = sk_model_create(&m, ac, &prof, b, L, SK_MODEL_GRADS);
    if (!rc) rc = sk_model_init(m, 1);
    if (!rc) {
        sk_optim_hparams h = SK_OPTIM_DEFAULTS;
        rc = sk_optimizer_create(&opt, m, &h);
    }
    sk_rng r;
    sk_rng_seed(&r, 7, 0);
    for (int64_t i = 0; i < b * L && !rc; i++) tok[i] = (int32_t)sk_rng_below(&r, (uint64_t)vocab);
    for (int64_t i = 0; i < b * L && !rc; i++) tgt[i] = i + 1 < b * L ? tok[i + 1] : 0;
    double sec[3] = {0}, split[2] = {0};
    int64_t t = 0;
    /* phase 0: forward; 1: forward + backward; 2: step. Iteration -1 is the warm-up. */
    for (int phase = 0; phase < 3 && !rc; phase++)
        for (int it = -1; it < iters && !rc; it++) {
            g_gemm_s = g_scan_s = 0;
            double loss = 0, norm = 0, t0 = tick();
            if (phase > 0) rc = sk_model_zero_grad(m);
            if (!rc) rc = sk_model_forward(m, tok, tgt, b, L, &loss);
            if (!rc && phase > 0) rc = sk_model_backward(m);
            if (!rc && phase > 1) rc = sk_optimizer_grad_norm(opt, &norm);
            if (!rc && phase > 1) rc = sk_optimizer_step(opt, 1e-4, ++t);
            double dt = tick() - t0;
            if (it >= 0) {
                sec[phase] += dt;
                if (phase == 1) split[0] += g_gemm_s, split[1] += g_scan_s;
            }
        }
    if (!rc) {
        double ntok = (double)(b * L) * iters;
        double other = sec[1] - split[0] - split[1];
        fprintf(out, "| config | params | L | batch | threads | forward tok/s | fwd+bwd tok/s | step tok/s | fwd+bwd split "
               "GEMM / scan / other | peak RSS |\n");
        fprintf(out, "|---|---|---|---|---|---|---|---|---|---|\n");
        fprintf(out, "| %s (d_model %lld, n_layer %lld) | %.2fM | %lld | %lld | %d | %.0f | %.0f | %.0f | %.0f%% / %.0f%% / %.0f%% "
               "(%.3f / %.3f / %.3f s per iter) | %.0f MiB |\n",
               what, (long long)dmodel, (long long)nlayer, (double)sk_model_numel(m) / 1e6, (long long)L,
               (long long)b, threads, ntok / sec[0], ntok / sec[1], ntok / sec[2], 100 * split[0] / sec[1],
               100 * split[1] / sec[1], 100 * other / sec[1], split[0] / iters, split[1] / iters, other / iters,
               sk_proc_peak_rss_mib());
    }
    sk_optimizer_free(opt);
    sk_model_free(m);
    free(tok);
    free(tgt);
    return rc;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* median of a window (sorts it) */
static double median(double *w, int n) {
    qsort(w, (size_t)n, sizeof *w, cmp_double);
    return (w[n / 2 - 1] + w[n / 2]) / 2;
}

/* Step time is measured both as wall time and as the process's CPU time: on a machine shared
 * with other jobs the wall time of a window jumps when the process is preempted, the CPU time
 * does not (with -@ 1 it is the step's own work). Flatness is judged on the CPU-time medians. */
int sk_bench_generate(const sk_model_config *cfg, const sk_backend *be, int64_t n, const char *what,
                      FILE *out) {
    enum { W = 1000 };
    int64_t marks[] = {1000, 10000, 25000, 50000, 100000, 200000, 500000, 1000000};
    sk_model *m = NULL;
    sk_model_state *st = NULL;
    int rc = sk_model_create(&m, cfg, be, 1, 1, 0);
    const int64_t V = m ? sk_model_logits_width(m) : 1, vocab = m ? sk_model_vocab(m) : 1;
    float *logits = malloc((size_t)V * sizeof(float));
    void *scratch = malloc(sk_sample_scratch_size(V));
    double *wall = malloc(W * sizeof(double)), *cpu = malloc(W * sizeof(double));
    if (!rc && !(logits && scratch && wall && cpu)) rc = sk_error(SK_ENOMEM, "out of memory");
    if (!rc) rc = sk_model_init(m, 1);
    if (!rc) rc = sk_model_state_create(m, 1, &st);
    sk_rng r;
    sk_rng_seed(&r, 7, 0);
    sk_sample_params sp = SK_SAMPLE_DEFAULTS;
    int32_t tok = 0;
    double first[3] = {0}, worst[3] = {0}; /* cpu median, wall median, RSS */
    int k = 0;
    if (!rc)
        fprintf(out, "| %s generation | token | median step (CPU time) | median step (wall) | mean step (wall) | RSS |\n"
               "|---|---|---|---|---|---|\n",
               what);
    for (int64_t i = 1; i <= n && !rc; i++) {
        double t0 = sk_now(), c0 = cpu_now();
        rc = sk_model_step(m, st, &tok, logits);
        if (!rc) rc = sk_sample(logits, vocab, &sp, &r, scratch, &tok);
        wall[(i - 1) % W] = sk_now() - t0;
        cpu[(i - 1) % W] = cpu_now() - c0;
        if (!rc && ((k < (int)(sizeof marks / sizeof *marks) && i == marks[k]) || i == n)) {
            /* the window of the W steps ending at token i */
            double mean = 0;
            for (int j = 0; j < W; j++) mean += wall[j] / W;
            double v[3] = {median(cpu, W), median(wall, W), sk_proc_rss_mib()};
            fprintf(out, "| | %lld | %.1f us | %.1f us | %.1f us | %.1f MiB |\n", (long long)i, v[0] * 1e6, v[1] * 1e6,
                   mean * 1e6, v[2]);
            for (int q = 0; q < 3; q++) {
                if (k == 0) first[q] = v[q];
                if (fabs(v[q] / first[q] - 1) > fabs(worst[q])) worst[q] = v[q] / first[q] - 1;
            }
            k++;
        }
    }
    if (!rc)
        fprintf(out, "generation flatness from token 1,000 to %lld (largest change from token 1,000): median step CPU time "
               "%+.1f%%, RSS %+.1f%% (median wall time %+.1f%%)\n",
               (long long)n, 100 * worst[0], 100 * worst[2], 100 * worst[1]);
    sk_model_state_free(st);
    sk_model_free(m);
    free(logits);
    free(scratch);
    free(wall);
    free(cpu);
    return rc;
}

