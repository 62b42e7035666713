/* cmd_bench.c — `ssmkit bench`: training throughput, time split and memory of any model of
 * models/sk_model.h (a Mamba LM, or an audio U-Net: sc09-* / ytmix-* presets), and the generation
 * speed of a Mamba LM. The measurements are models/sk_bench.h; this file reads the options, the
 * config and prints the machine and the command line.
 */
#include <stdio.h>
#include <cjson/cJSON.h>
#include "models/sk_bench.h"
#include "tools/sk_cli.h"
#include "kernels/sk_runtime.h"

static const char *usage =
    "Usage: ssmkit bench [--preset NAME | --config CFG.json] [options]\n"
    "\n"
    "Measure forward, forward+backward and optimizer-step tokens/s of a Mamba LM or an audio U-Net\n"
    "(a preset such as sc09-mamba-small, or a config with \"arch\": \"unet\") on random tokens,\n"
    "with the GEMM / scan / other time split of forward+backward and the peak RSS; with --generate N,\n"
    "the recurrent step time and RSS from token 1,000 to N. Prints lines for BENCHMARKS.md with the\n"
    "machine and the command.\n"
    "\n"
    "Options:\n";

int cmd_bench(int argc, char **argv) {
    const char *preset = NULL, *config = NULL, *device;
    int64_t dmodel = 0, nlayer = 0, L, b, iters, gen = 0, threads;
    const sk_opt opts[] = {
        SK_O_STR("preset", 'p', &preset, NULL, "NAME", "model preset [byte-lm-small]"),
        SK_O_STR("config", 'c', &config, NULL, "FILE", "model config JSON"),
        SK_O_INT("d-model", 0, &dmodel, 1, 1 << 20, NULL, "D", "override d_model"),
        SK_O_INT("n-layer", 0, &nlayer, 1, 1 << 16, NULL, "N", "override n_layer"),
        SK_O_INT("length", 'L', &L, 1, 1LL << 32, "2048", "L", "tokens per sequence"),
        SK_O_INT("batch", 'b', &b, 1, 1 << 20, "2", "B", "sequences per batch"),
        SK_O_INT("iters", 'i', &iters, 1, 1 << 20, "3", "N", "timed iterations per phase, after one warm-up"),
        SK_O_INT("generate", 'g', &gen, 1000, 1000000, NULL, "N", "generation benchmark over N tokens (>= 1000) instead"),
        SK_O_THREADS(&threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"bench", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage("bench", "unexpected argument '%s'", argv[optind]);
    if (preset && config) return sk_cli_usage("bench", "give --preset or --config, not both");
    sk_model_config *ac = NULL;
    cJSON *train = NULL;
    char what[512];
    const sk_backend *be = NULL;
    int rc = sk_model_config_load(preset, config, "byte-lm-small", &ac, &train, what, sizeof what);
    cJSON_Delete(train);
    /* --d-model/--n-layer/--generate: LM configs only (sk_model_config_lm) */
    if (!rc && !sk_model_config_lm(ac) && (dmodel || nlayer || gen))
        rc = sk_error(SK_EINVAL, "%s is a %s: bench measures its training (no --d-model/--n-layer/--generate; "
                      "generation speed: ssmkit audio generate prints its real-time factor)", what, sk_model_config_name(ac));
    if (!rc && (dmodel || nlayer)) rc = sk_model_config_resize(ac, dmodel, nlayer, what);
    if (!rc) rc = sk_runtime_backend(device, &be);
    if (rc) {
        sk_model_config_free(ac);
        return sk_cli_fail(NULL);
    }
    int nth = sk_runtime_threads((int)threads);
    sk_bench_print_machine(stdout, argc, argv, nth);
    const char *name = preset ? preset : config ? config : "byte-lm-small";
    rc = gen ? sk_bench_generate(ac, be, gen, name, stdout)
             : sk_bench_train(ac, be, L, b, (int)iters, name, nth, stdout);
    sk_model_config_free(ac);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
