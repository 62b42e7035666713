/* cmd_presets.c — `ssmkit presets [NAME]`: list the embedded model presets or print one. */
#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_presets.h"
#include "tools/sk_cli.h"

static const char *usage =
    "Usage: ssmkit presets [NAME]\n"
    "\n"
    "Without NAME, list the model presets built into this binary (name, architecture, description).\n"
    "With NAME, print that preset's JSON config; save it, edit it, and pass it with --config.\n"
    "\n"
    "Options:\n";

int cmd_presets(int argc, char **argv) {
    const sk_opt opts[] = {SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"presets", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (argc - optind > 1) return sk_cli_usage("presets", "too many arguments");
    if (argc - optind == 1) {
        const sk_preset *p = sk_preset_find(argv[optind]);
        if (!p) {
            sk_error(SK_EINVAL, "presets: no preset named '%s' (run 'ssmkit presets' for the list)", argv[optind]);
            return sk_cli_fail(NULL);
        }
        fputs(p->json, stdout);
        return SK_EXIT_OK;
    }
    for (int i = 0; i < sk_n_presets; i++) {
        cJSON *j = cJSON_Parse(sk_presets[i].json);
        const cJSON *arch = cJSON_GetObjectItemCaseSensitive(j, "arch");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "description");
        printf("%-20s %-12s %s\n", sk_presets[i].name, cJSON_IsString(arch) ? arch->valuestring : "?",
               cJSON_IsString(desc) ? desc->valuestring : "");
        cJSON_Delete(j);
    }
    return SK_EXIT_OK;
}
