/* cmd_inspect.c — `ssmkit inspect FILE...`: describe safetensors checkpoints and token shards
 * (src/sk_describe.h). Describing validates the file, and a checkpoint's config and tensor shapes
 * are checked as loading checks them (sk_model_check_file), so inspect doubles as a checker (exit 1
 * on the first bad file's error, after describing the others).
 */
#include "models/sk_model.h"
#include "src/sk_describe.h"
#include "tools/sk_cli.h"

static const char *usage =
    "Usage: ssmkit inspect FILE...\n"
    "\n"
    "Describe safetensors checkpoints and ssmkit token shards (the kind is told by the content).\n"
    "  safetensors: the metadata (the model config pretty-printed) and one line per tensor:\n"
    "               name dtype [shape] bytes\n"
    "  token shard: version, token width, examples and tokens per split, label counts,\n"
    "               vocabulary size, pad token and rule, and the metadata.\n"
    "Every file is fully validated; a checkpoint's config and tensor shapes exactly as loading it\n"
    "does. A malformed file gives 'ssmkit: error: FILE: why' and exit 1.\n"
    "\n"
    "Options:\n";

int cmd_inspect(int argc, char **argv) {
    const sk_opt opts[] = {SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"inspect", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind >= argc) return sk_cli_usage("inspect", "no input files");
    int status = SK_EXIT_OK, described = 0;
    for (int i = optind; i < argc; i++) {
        if (described) putchar('\n');   /* a blank line between descriptions */
        sk_error_clear();
        /* an ssmkit checkpoint is checked as loading checks it (config ranges, tensor shapes) */
        int rc = sk_model_check_file(argv[i]);
        if (!rc) rc = sk_describe_file(argv[i], stdout);
        if (rc) {
            fflush(stdout);
            status = sk_cli_fail(NULL);
        }
        described = !rc;
    }
    return status;
}
