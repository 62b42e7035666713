/* cmd_generate.c — `ssmkit generate`: sample tokens from a Mamba LM (models/sk_generate.h: prompt
 * prefill in chunks, then one recurrent step per token).
 */
#include <string.h>
#include "models/sk_generate.h"
#include "tools/sk_cli.h"
#include "kernels/sk_runtime.h"

static const char *usage =
    "Usage: ssmkit generate --model M --tokens N -o OUT [options]\n"
    "\n"
    "Sample N tokens from a Mamba LM after an optional prompt. The prompt is prefilled with the\n"
    "parallel forward (carrying the recurrent state), then every token is one recurrent step, so\n"
    "time and memory per token stay constant. Token files are raw bytes when the model's vocab_size\n"
    "is <= 256 (a byte LM: the output is the text), else little-endian int32.\n"
    "\n"
    "Options:\n";

int cmd_generate(int argc, char **argv) {
    const char *model = NULL, *out = NULL, *prompt = NULL, *device;
    int64_t ntok = -1, bos, topk, chunk, seed, threads;
    double temp, topp;
    int incl = 0, quiet = 0;
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "ssmkit checkpoint, mamba_ssm or Hugging Face folder"),
        SK_O_INT("tokens", 'n', &ntok, 0, INT64_MAX, NULL, "N", "tokens to generate (required)"),
        SK_O_OUTPUT(&out, "OUT", "output file of the generated tokens (- = stdout)"),
        SK_O_STR("prompt-file", 'P', &prompt, NULL, "F", "prompt tokens (default: one token --bos)"),
        SK_O_INT("bos", 0, &bos, 0, INT32_MAX, "0", "ID", "first input token without a prompt"),
        SK_O_NUM("temperature", 't', &temp, 0, 1e6, "1.0", "T", "softmax temperature, 0 = greedy"),
        SK_O_INT("top-k", 'k', &topk, 0, INT32_MAX, "0", "K", "keep the K most likely tokens, 0 = all"),
        SK_O_NUM("top-p", 'p', &topp, 0, 1, "1.0", "P", "nucleus: smallest set with probability >= P, 1 = off"),
        SK_O_FLAG("include-prompt", 0, &incl, "write the prompt before the generated tokens"),
        SK_O_INT("chunk", 0, &chunk, 1, 1 << 24, "1024", "C", "prefill chunk length"),
        SK_O_SEED('s', &seed, "sampling seed"),
        SK_O_THREADS(&threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_QUIET(&quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"generate", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage("generate", "unexpected argument '%s'", argv[optind]);
    if (!model) return sk_cli_usage("generate", "missing --model M");
    if (ntok < 0) return sk_cli_usage("generate", "missing --tokens N");
    if (!out) return sk_cli_usage("generate", "missing -o OUT");
    sk_runtime_threads((int)threads);
    sk_progress pg;
    sk_progress_open(&pg, "generate", "tokens", ntok, quiet);
    if (!strcmp(out, "-")) sk_progress_streams_stdout(&pg); /* the tokens go to stdout as they come */
    const sk_generate_opts o = {prompt, (int32_t)bos, incl, chunk, {(float)temp, (int)topk, (float)topp}, (uint64_t)seed, &pg};
    const sk_backend *be;
    int64_t np = 0;
    double dt = 0;
    int rc = sk_runtime_backend(device, &be) || sk_generate_lm(model, be, ntok, out, &o, &np, &dt);
    sk_progress_end(&pg);
    if (rc) return sk_cli_fail(NULL);
    sk_log_info("generated %lld tokens in %.2f s (%.0f tokens/s) after a %lld-token prompt", (long long)ntok, dt,
                dt > 0 ? (double)ntok / dt : 0.0, (long long)np);
    return SK_EXIT_OK;
}
