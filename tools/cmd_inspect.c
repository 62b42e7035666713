/* cmd_inspect.c — `ssmkit inspect FILE...`: describe safetensors checkpoints and token shards.
 * The kind of file is told by its content (the SKSHARD magic, else safetensors); both readers
 * validate the whole file, so inspect doubles as a checker (exit 1 on the first bad file's
 * error, after describing the others).
 */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_safetensors.h"
#include "src/sk_shard.h"
#include "tools/sk_cli.h"

static const char *usage =
    "Usage: ssmkit inspect FILE...\n"
    "\n"
    "Describe safetensors checkpoints and ssmkit token shards (the kind is told by the content).\n"
    "  safetensors: the metadata (the model config pretty-printed) and one line per tensor:\n"
    "               name dtype [shape] bytes\n"
    "  token shard: version, token width, examples and tokens per split, label counts,\n"
    "               vocabulary size, pad token and rule, and the metadata.\n"
    "Every file is fully validated; a malformed one gives 'ssmkit: error: FILE: why' and exit 1.\n"
    "\n"
    "Options:\n";

/* Print text with every line prefixed by `indent` and tabs (cJSON's indentation) as 2 spaces. */
static void print_indented(const char *indent, const char *text) {
    fputs(indent, stdout);
    for (const char *p = text; *p; p++) {
        if (*p == '\t') fputs("  ", stdout);
        else putchar(*p);
        if (*p == '\n' && p[1]) fputs(indent, stdout);
    }
    putchar('\n');
}

static int inspect_safetensors(const char *path) {
    sk_st *st;
    if (sk_st_open(path, &st)) return SK_EXIT_ERR;
    int64_t n = sk_st_count(st), bytes = 0;
    for (int64_t i = 0; i < n; i++) bytes += sk_st_at(st, i)->end - sk_st_at(st, i)->begin;
    printf("%s: safetensors, %lld tensors, %lld data bytes\n", path, (long long)n, (long long)bytes);
    if (sk_st_meta_count(st)) printf("metadata:\n");
    for (int64_t i = 0; i < sk_st_meta_count(st); i++) {
        const char *v, *k = sk_st_meta_at(st, i, &v);
        cJSON *j = !strcmp(k, "config") ? cJSON_Parse(v) : NULL;
        char *pretty = j ? cJSON_Print(j) : NULL;
        if (pretty) {
            printf("  %s:\n", k);
            print_indented("    ", pretty);
        } else {
            printf("  %s: %s\n", k, v);
        }
        free(pretty);
        cJSON_Delete(j);
    }
    printf("tensors:\n");
    for (int64_t i = 0; i < n; i++) {
        const sk_st_tensor *t = sk_st_at(st, i);
        printf("  %s %s [", t->name, sk_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) printf("%s%lld", d ? ", " : "", (long long)t->shape[d]);
        printf("] %lld\n", (long long)(t->end - t->begin));
    }
    sk_st_close(st);
    return SK_EXIT_OK;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void print_meta(const char *text) {
    cJSON *m = cJSON_Parse(text);   /* already validated by sk_shard_open */
    printf("metadata:\n");
    for (const cJSON *it = m ? m->child : NULL; it; it = it->next) {
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
        if (n > 16) {   /* long vocabularies: the first entries and the count */
            printf("  %s: [", it->string);
            int k = 0;
            for (const cJSON *e = it->child; e && k < 8; e = e->next, k++) {
                char *s = cJSON_PrintUnformatted(e);
                printf("%s%s", k ? ", " : "", s ? s : "?");
                free(s);
            }
            printf(", ... (%d entries)]\n", n);
            continue;
        }
        char *s = cJSON_PrintUnformatted(it);
        printf("  %s: %s\n", it->string, s ? s : "?");
        free(s);
    }
    cJSON_Delete(m);
}

static int inspect_shard(const char *path) {
    sk_shard *s;
    if (sk_shard_open(path, &s)) return SK_EXIT_ERR;
    int64_t n = sk_shard_count(s), ex[3] = {0}, tok[3] = {0};
    int32_t *labels = malloc((size_t)(n ? n : 1) * sizeof *labels);
    if (!labels) {
        sk_shard_close(s);
        sk_error(SK_ENOMEM, "%s: out of memory", path);
        return SK_EXIT_ERR;
    }
    for (int64_t i = 0; i < n; i++) {
        sk_shard_example e = sk_shard_get(s, i);
        ex[e.split]++;
        tok[e.split] += e.length;
        labels[i] = e.label;
    }
    int tw = sk_shard_token_width(s);
    printf("%s: token shard\n", path);
    printf("version: %d\n", sk_shard_version(s));
    printf("token width: %d (uint%d)\n", tw, 8 * tw);
    printf("examples: %lld (train %lld, valid %lld, test %lld)\n", (long long)n, (long long)ex[0], (long long)ex[1],
           (long long)ex[2]);
    printf("tokens: %lld (train %lld, valid %lld, test %lld)\n", (long long)sk_shard_total_tokens(s),
           (long long)tok[0], (long long)tok[1], (long long)tok[2]);
    /* label counts, with class names from metadata "labels" where given */
    cJSON *m = cJSON_Parse(sk_shard_meta(s));
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(m, "labels");
    qsort(labels, (size_t)n, sizeof *labels, cmp_i32);
    printf("labels:");
    if (!n) printf(" (no examples)");
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && labels[j] == labels[i]) j++;
        const cJSON *nm = labels[i] >= 0 ? cJSON_GetArrayItem(names, labels[i]) : NULL;
        if (labels[i] < 0) printf("%s none %lld", i ? "," : "", (long long)(j - i));
        else if (cJSON_IsString(nm)) printf("%s %d (%s) %lld", i ? "," : "", labels[i], nm->valuestring, (long long)(j - i));
        else printf("%s %d %lld", i ? "," : "", labels[i], (long long)(j - i));
        i = j;
    }
    printf("\n");
    cJSON_Delete(m);
    free(labels);
    printf("vocabulary size: %lld\n", (long long)sk_shard_vocab_size(s));
    printf("pad token: %d (rule: %s)\n", sk_shard_pad_token(s), sk_shard_pad_ignore(s) ? "ignore" : "none");
    print_meta(sk_shard_meta(s));
    sk_shard_close(s);
    return SK_EXIT_OK;
}

/* Tell the kind by content: 's' token shard (the SKSHARD magic, or a prefix of it in a shorter
 * file), 't' safetensors (JSON after the 8-byte length; also when the file cannot be opened:
 * the reader then says why), 0 neither (error recorded). */
static int file_kind(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 't';
    unsigned char b[9];
    size_t n = fread(b, 1, 9, f);
    int err = ferror(f);
    fclose(f);
    if (err) return 't';   /* a folder, an unreadable file: the reader says what */
    if (n > 0 && !memcmp(b, SK_SHARD_MAGIC, n < 8 ? n : 8)) return 's';
    if (n == 9 && (b[8] == '{' || b[8] == ' ' || b[8] == '\n' || b[8] == '\t' || b[8] == '\r')) return 't';
    sk_error(SK_EFORMAT,
             "%s: %sneither a safetensors file nor an ssmkit token shard (token shards are made by "
             "'ssmkit audio prep' or 'ssmkit dna windows')",
             path, n == 0 ? "empty file: " : "");
    return 0;
}

int cmd_inspect(int argc, char **argv) {
    const sk_opt opts[] = {SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"inspect", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind >= argc) return sk_cli_usage("inspect", "no input files");
    int status = SK_EXIT_OK, described = 0;
    for (int i = optind; i < argc; i++) {
        if (described) putchar('\n');   /* a blank line between descriptions */
        sk_error_clear();
        int kind = file_kind(argv[i]);
        int rc = kind == 's' ? inspect_shard(argv[i]) : kind == 't' ? inspect_safetensors(argv[i]) : SK_EXIT_ERR;
        if (rc) {
            fflush(stdout);
            status = sk_cli_fail(NULL);
        }
        described = !rc;
    }
    return status;
}
