/* cmd_export.c — `ssmkit export --hf DIR --model M`: a Mamba LM as a Hugging Face folder. */
#include <stdio.h>
#include "models/sk_mamba_hf.h"
#include "models/sk_model.h"
#include "src/sk_guard.h"
#include "src/sk_progress.h"
#include "tools/sk_cli.h"

static const char *usage =
    "Usage: ssmkit export --hf DIR --model M\n"
    "\n"
    "Write the model M (ssmkit checkpoint, mamba_ssm or Hugging Face folder) as a Hugging Face\n"
    "transformers folder: DIR/config.json (model_type \"mamba\", MambaForCausalLM; every field of\n"
    "transformers' MambaConfig; vocab_size is the padded vocabulary) and DIR/model.safetensors (fp32,\n"
    "transformers tensor names, no lm_head.weight for tied embeddings). transformers'\n"
    "MambaForCausalLM.from_pretrained(DIR) and ssmkit (--model DIR) both read it; ssmkit gives\n"
    "identical logits for M and DIR. The format holds Mamba LMs of Mamba blocks with the real\n"
    "selective S6 (\"block\": \"mamba\", \"ssm\": \"s6\") and an integer expand; other block kinds\n"
    "(s6-complex, s4d-real, s4d-lin, s4-mlp) are refused (exit 1) and nothing is written.\n"
    "\n"
    "Options:\n";

int cmd_export(int argc, char **argv) {
    const char *model = NULL, *dir = NULL;
    int quiet = 0;
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "the model to export"),
        SK_O_OUT("hf", 0, &dir, "DIR", "output folder (created if missing)"),
        SK_O_QUIET(&quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"export", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage("export", "unexpected argument '%s'", argv[optind]);
    if (!model) return sk_cli_usage("export", "missing --model M");
    if (!dir) return sk_cli_usage("export", "missing --hf DIR");
    sk_model *m = NULL;
    int rc = sk_guard_output(dir); /* not into the folder of the model being read */
    if (!rc) rc = sk_model_load(&m, model, sk_backend_cpu(), 1, 1, SK_MODEL_LM_ONLY);
    sk_progress pg; /* the bytes of model.safetensors */
    sk_progress_open(&pg, "export", "bytes", 0, quiet);
    if (!rc) rc = sk_mamba_lm_export_hf(sk_model_backbone(m), model, dir, &pg);
    sk_progress_end(&pg);
    sk_model_free(m);
    if (rc) return sk_cli_fail(NULL);
    fprintf(stderr, "ssmkit export: wrote %s/config.json and %s/model.safetensors\n", dir, dir);
    return SK_EXIT_OK;
}
