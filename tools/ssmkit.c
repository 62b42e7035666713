/* ssmkit.c — the `ssmkit` command-line program: one binary, subcommands (like samtools).
 * Each subcommand lives in tools/cmd_*.c and is listed in the table below, with the front-end
 * it needs (tools/README.md §Commands and options).
 */
#include <stdio.h>
#include <string.h>
#include "kernels/sk_backend.h"
#include "tools/sk_cli.h"

int cmd_presets(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_audio(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_finetune(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_dna(int argc, char **argv);
int cmd_plot(int argc, char **argv);

/* Build-feature gating, once: a command of a front-end that is not built has no function here
 * and says what to install. */
#ifdef SSMKIT_HAVE_AUDIO
#define AUDIO(fn) fn
#else
#define AUDIO(fn) NULL
#endif
#ifdef SSMKIT_HAVE_GENOMICS
#define GENOMICS(fn) fn
#else
#define GENOMICS(fn) NULL
#endif
#define NEEDS_AUDIO "this ssmkit was built without the audio front-end (install libsndfile1-dev and " \
                    "libsamplerate0-dev, then reconfigure and rebuild)"
#define NEEDS_GENOMICS "this ssmkit was built without the genomics front-end (install libhts-dev and " \
                       "zlib1g-dev, then reconfigure and rebuild)"

static const sk_cmd commands[] = {
    {"presets", cmd_presets, "list built-in model presets, or print one", NULL},
    {"inspect", cmd_inspect, "describe and validate safetensors checkpoints and token shards", NULL},
    {"eval", cmd_eval, "next-token loss of a Mamba LM on a token file; dump logits and gradients", NULL},
    {"train", cmd_train, "train a Mamba LM (AdamW, warm-up + cosine, clipping, validation, resumable checkpoints)", NULL},
    {"generate", cmd_generate, "sample tokens from a Mamba LM (prompt, then constant-memory recurrent steps)", NULL},
    {"export", cmd_export, "write a Mamba LM as a Hugging Face folder (config.json + model.safetensors)", NULL},
    {"plot", cmd_plot, "draw training curves (loss in bits, learning rate, accuracy) of runs' logs as SVG", NULL},
    {"bench", cmd_bench, "tokens/s, time split and RSS of forward, backward, step and generation", NULL},
    {"audio", AUDIO(cmd_audio), "audio front-end: mu-law codec, audio files, token shards (prep/encode/decode/info)", NEEDS_AUDIO},
    {"finetune", GENOMICS(cmd_finetune), "DNA: fine-tune a classifier (species or labelled sequences) from a pretrained LM",
     NEEDS_GENOMICS},
    {"classify", GENOMICS(cmd_classify), "DNA: class probabilities of windows and records with a fine-tuned classifier",
     NEEDS_GENOMICS},
    {"embed", GENOMICS(cmd_embed), "DNA: hidden-state embeddings (mean or last) of windows or records", NEEDS_GENOMICS},
    {"dna", GENOMICS(cmd_dna), "DNA: check/fetch FASTA, view BAM/CRAM, cut genomes into token shards", NEEDS_GENOMICS},
};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

static void print_usage(FILE *f) {
    fprintf(f,
            "ssmkit %s — selective state space models (Mamba, S4D, SaShiMi) for audio and DNA\n"
            "\n"
            "Usage: ssmkit <command> [options]\n"
            "       ssmkit <command> --help\n"
            "\n"
            "Commands:\n",
            SSMKIT_VERSION);
    for (int i = 0; i < n_commands; i++)
        fprintf(f, "  %-12s %s%s\n", commands[i].name, commands[i].summary, commands[i].fn ? "" : " (not built)");
    fprintf(f,
            "\n"
            "Global options:\n"
            "  -h, --help     show this help\n"
            "  --version      show the version and the features built in\n"
            "\n"
            "Exit status: 0 success, 1 error, 2 usage error.\n");
}

static void print_version(void) {
    printf("ssmkit %s\n", SSMKIT_VERSION);
    printf("features:");
#ifdef SSMKIT_HAVE_OPENMP
    printf(" openmp");
#endif
#ifdef SSMKIT_HAVE_BLAS
    printf(" openblas");
#endif
#ifdef SSMKIT_HAVE_AUDIO
    printf(" audio");
#endif
#ifdef SSMKIT_HAVE_GENOMICS
    printf(" genomics");
#endif
    if (sk_cuda_built()) printf(" cuda");
#ifdef SSMKIT_HAVE_MPI
    printf(" mpi");
#endif
#ifdef SSMKIT_HAVE_NCCL
    printf(" nccl");
#endif
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return SK_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        if (!strcmp(cmd, "help") && argc > 2) {
            char *av[] = {argv[0], argv[2], "--help", NULL};
            return sk_cmd_run(commands, n_commands, NULL, 3, av);
        }
        print_usage(stdout);
        return SK_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        print_version();
        return SK_EXIT_OK;
    }
    if (cmd[0] == '-') return sk_cli_usage(NULL, "unrecognized option '%s'", cmd);
    return sk_cmd_run(commands, n_commands, NULL, argc, argv);
}
