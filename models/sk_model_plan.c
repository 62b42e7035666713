/* sk_model_plan.c — the memory plan of training a model: the chunk choice of --chunk, the model
 * built for it and the --dry-run report (sk_model_plan.h; the memory model: models/README.md
 * §Memory plan). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "models/sk_model_plan.h"

/* Runtime terms of the memory model, measured on dev-2c: the peak RSS of one update of dna-1.4m at
 * L 1024 and 2^16 (2 threads) minus the planned terms, about 6 MiB in both (a binary without CUDA,
 * whose resident size at start is about 4 MiB). The program's own resident size when it plans
 * (/proc/self/status VmRSS) replaces SK_PLAN_RUNTIME_MIB where it can be read: a binary built with
 * CUDA maps cudart/cuBLAS/cuBLASLt/NCCL at start, about 210 MiB resident before any work. */
#define SK_PLAN_RUNTIME_MIB 4.0
#define SK_PLAN_THREAD_MIB 1.0

/* VmRSS of this process in bytes, or -1 if /proc is not readable. */
static int64_t own_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = strtoll(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb < 0 ? -1 : (int64_t)kb * 1024;
}

/* The memory of the model for b x L with the chunk (0 = none), from a plan (nothing allocated). */
static int plan_memory(const sk_model_config *cfg, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                       sk_model_mem *mem, int64_t *numel) {
    sk_model *m = NULL;
    int rc = sk_model_create(&m, cfg, be, b, chunk ? chunk : L, SK_MODEL_GRADS | SK_MODEL_PLAN);
    if (!rc && chunk) rc = sk_model_set_chunk(m, chunk, L);
    if (!rc) sk_model_memory(m, mem), *numel = sk_model_numel(m);
    sk_model_free(m);
    return rc;
}

int sk_model_plan_infer(const sk_model_config *cfg, const sk_backend *be, int64_t b, int64_t L, sk_model_mem *mem) {
    sk_model *m = NULL;
    int rc = sk_model_create(&m, cfg, be, b, L, SK_MODEL_INFER | SK_MODEL_PLAN);
    if (!rc) sk_model_memory(m, mem);
    sk_model_free(m);
    return rc;
}

int sk_model_plan_chunk(const sk_model_config *cfg, const sk_backend *be, int64_t b, int64_t L, const char *spec,
                  int64_t *chunk, char *why, size_t why_len) {
    const int64_t g = sk_model_config_length_multiple(cfg); /* chunks are multiples of g */
    *chunk = 0;
    if (!strcmp(spec, "off") || !strcmp(spec, "0")) {
        snprintf(why, why_len, "off (--chunk %s)", spec);
        return SK_OK;
    }
    if (strcmp(spec, "auto")) {
        char *end;
        long long n = strtoll(spec, &end, 10);
        if (end == spec || *end || n < 1)
            return sk_error(SK_EINVAL, "--chunk: '%s' is not auto, off or a length >= 1", spec);
        if (n % g)
            return sk_error(SK_EINVAL, "--chunk %lld is not a multiple of the U-Net's pool product %lld", n, (long long)g);
        *chunk = n < L ? n : 0;
        snprintf(why, why_len, "%s (--chunk %lld)", *chunk ? "chunks" : "off: not shorter than --length", n);
        return SK_OK;
    }
    sk_model_mem full;
    int64_t numel;
    TRY(plan_memory(cfg, be, b, L, 0, &full, &numel));
    if (full.acts <= SK_PLAN_AUTO_OFF) {
        snprintf(why, why_len, "off (auto: the activations of %lld x %lld take %.0f MiB <= %.0f MiB)", (long long)b,
                 (long long)L, full.acts / 1048576.0, SK_PLAN_AUTO_OFF / 1048576.0);
        return SK_OK;
    }
    const double per_token = (double)full.acts / (double)(b * L);
    int64_t c = g;
    while (2 * c < L && (double)(b * 2 * c) * per_token <= (double)SK_PLAN_AUTO_CHUNK) c *= 2;
    *chunk = c;
    snprintf(why, why_len, "auto: the activations of %lld x %lld would take %.0f MiB; chunks of %lld take about %.0f MiB",
             (long long)b, (long long)L, full.acts / 1048576.0, (long long)c, (double)(b * c) * per_token / 1048576.0);
    return SK_OK;
}

int sk_model_plan_create(const sk_model_config *cfg, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                         sk_model **out) {
    TRY(sk_model_create(out, cfg, be, b, chunk ? chunk : L, SK_MODEL_GRADS));
    int rc = chunk ? sk_model_set_chunk(*out, chunk, L) : SK_OK;
    if (rc) sk_model_free(*out), *out = NULL;
    return rc;
}

static double mib(int64_t bytes) { return (double)bytes / 1048576.0; }

int sk_model_plan_report(FILE *out, const sk_model_config *cfg, const char *what, const sk_backend *be, int64_t b, int64_t L,
                   int64_t chunk, const char *const *data, int nsources, int threads, int64_t *peak) {
    sk_model_mem mm;
    int64_t numel = 0;
    TRY(plan_memory(cfg, be, b, L, chunk, &mm, &numel));
    const int64_t C = chunk ? chunk : L, P = numel * (int64_t)sizeof(float);
    const int64_t moments = 2 * P;
    const int64_t trainer = b * L * 2 * (int64_t)sizeof(int32_t) + 3 * P; /* batches; checkpoint staging */
    const int64_t writer = P; /* sk_params_save's host copy (the safetensors writer keeps pointers) */
    int64_t files = 0;
    for (int i = 0; data && data[i]; i++) {
        struct stat sb;
        if (!stat(data[i], &sb)) files += (int64_t)sb.st_size;
    }
    const int64_t rowbufs = nsources * (L + 1) * (int64_t)sizeof(int32_t);
    const int64_t rss0 = own_rss();
    const int64_t runtime = (rss0 > 0 ? rss0 : (int64_t)(SK_PLAN_RUNTIME_MIB * 1048576.0)) +
                            (int64_t)(SK_PLAN_THREAD_MIB * threads * 1048576.0);
    /* validation of an unchunked run: an inference copy of the model (the trainer's valid_model) */
    sk_model_mem im;
    TRY(sk_model_plan_infer(cfg, be, b, L, &im));
    const int64_t valid = chunk ? 0 : mm.params + im.acts + im.host;
    const int64_t total = mm.params + mm.grads + moments + mm.acts + mm.chunk_states + mm.host + trainer + writer + files +
                          rowbufs + runtime + valid;
    fprintf(out, "dry run: %s %s, %lld parameters, batch %lld x length %lld, %s\n", sk_model_config_name(cfg), what,
            (long long)numel, (long long)b, (long long)L,
            chunk ? "chunked" : "not chunked");
    if (chunk)
        fprintf(out, "  chunk               %lld positions, %lld chunks (the last %lld)\n", (long long)chunk,
                (long long)((L + chunk - 1) / chunk), (long long)(L - (L - 1) / chunk * chunk));
    fprintf(out, "  per block           %10.2f MiB activations at %lld x %lld (%lld blocks; the largest)\n",
            mib(mm.act_block), (long long)b, (long long)C, (long long)mm.nblocks);
    fprintf(out, "  per token           %10.1f KiB activations (all blocks, scratch, logits)\n",
            (double)mm.acts / (double)(b * C) / 1024.0);
    fprintf(out, "  parameters          %10.2f MiB\n", mib(mm.params));
    fprintf(out, "  gradients           %10.2f MiB\n", mib(mm.grads));
    fprintf(out, "  optimizer moments   %10.2f MiB (AdamW m, v)\n", mib(moments));
    fprintf(out, "  activations         %10.2f MiB (one chunk of %lld x %lld)\n", mib(mm.acts), (long long)b, (long long)C);
    fprintf(out, "  boundary states     %10.2f MiB\n", mib(mm.chunk_states));
    fprintf(out, "  model host buffers  %10.2f MiB\n", mib(mm.host));
    fprintf(out, "  trainer buffers     %10.2f MiB (batches, checkpoint staging)\n", mib(trainer + writer));
    fprintf(out, "  data                %10.2f MiB (%d row buffers; data files %.2f MiB, mapped, at most)\n",
            mib(files + rowbufs), nsources, mib(files));
    if (chunk)
        fprintf(out, "  validation model    %10.2f MiB (a chunked run validates on the training model)\n", 0.0);
    else
        fprintf(out, "  validation model    %10.2f MiB (an inference copy: parameters, one piece's activations, logits)\n",
                mib(valid));
    fprintf(out, "  runtime             %10.2f MiB (program and libraries%s, %d threads)\n", mib(runtime),
            rss0 > 0 ? ": resident now" : "", threads);
    fprintf(out, "  predicted peak      %10.2f MiB%s\n", mib(total),
            be->device == SK_DEVICE_CPU ? "" : " (host + device: parameters to boundary states are device memory)");
    fprintf(out, "  inference           %10.2f MiB activations and model buffers at %lld x %lld, %.2f KiB/position "
                 "(eval, classify, embed: nothing kept for a backward)\n",
            mib(im.acts + im.host), (long long)b, (long long)L, (double)(im.acts + im.host) / (double)(b * L) / 1024.0);
    if (peak) *peak = total;
    return SK_OK;
}
