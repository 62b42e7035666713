/* sk_describe.c — see sk_describe.h. */
#include "src/sk_describe.h"

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_safetensors.h"
#include "src/sk_shard.h"

/* Print text with every line prefixed by `indent` and tabs (cJSON's indentation) as 2 spaces. */
static void print_indented(FILE *out, const char *indent, const char *text) {
    fputs(indent, out);
    for (const char *p = text; *p; p++) {
        if (*p == '\t') fputs("  ", out);
        else fputc(*p, out);
        if (*p == '\n' && p[1]) fputs(indent, out);
    }
    fputc('\n', out);
}

static int describe_safetensors(const char *path, FILE *out) {
    sk_st *st;
    int rc = sk_st_open(path, &st);
    if (rc) return rc;
    int64_t n = sk_st_count(st), bytes = 0;
    for (int64_t i = 0; i < n; i++) bytes += sk_st_at(st, i)->end - sk_st_at(st, i)->begin;
    fprintf(out, "%s: safetensors, %lld tensors, %lld data bytes\n", path, (long long)n, (long long)bytes);
    if (sk_st_meta_count(st)) fprintf(out, "metadata:\n");
    for (int64_t i = 0; i < sk_st_meta_count(st); i++) {
        const char *v, *k = sk_st_meta_at(st, i, &v);
        cJSON *j = !strcmp(k, "config") ? cJSON_Parse(v) : NULL;
        char *pretty = j ? cJSON_Print(j) : NULL;
        if (pretty) {
            fprintf(out, "  %s:\n", k);
            print_indented(out, "    ", pretty);
        } else {
            fprintf(out, "  %s: %s\n", k, v);
        }
        free(pretty);
        cJSON_Delete(j);
    }
    fprintf(out, "tensors:\n");
    for (int64_t i = 0; i < n; i++) {
        const sk_st_tensor *t = sk_st_at(st, i);
        fprintf(out, "  %s %s [", t->name, sk_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) fprintf(out, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
        fprintf(out, "] %lld\n", (long long)(t->end - t->begin));
    }
    sk_st_close(st);
    return SK_OK;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void print_meta(FILE *out, const char *text) {
    cJSON *m = cJSON_Parse(text);   /* already validated by sk_shard_open */
    fprintf(out, "metadata:\n");
    for (const cJSON *it = m ? m->child : NULL; it; it = it->next) {
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
        if (n > 16) {   /* long vocabularies: the first entries and the count */
            fprintf(out, "  %s: [", it->string);
            int k = 0;
            for (const cJSON *e = it->child; e && k < 8; e = e->next, k++) {
                char *s = cJSON_PrintUnformatted(e);
                fprintf(out, "%s%s", k ? ", " : "", s ? s : "?");
                free(s);
            }
            fprintf(out, ", ... (%d entries)]\n", n);
            continue;
        }
        char *s = cJSON_PrintUnformatted(it);
        fprintf(out, "  %s: %s\n", it->string, s ? s : "?");
        free(s);
    }
    cJSON_Delete(m);
}

/* label counts (labels sorted in place), with class names from metadata "labels" where given */
static void print_labels(FILE *out, const sk_shard *s, int32_t *labels, int64_t n) {
    cJSON *m = cJSON_Parse(sk_shard_meta(s));
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(m, "labels");
    qsort(labels, (size_t)n, sizeof *labels, cmp_i32);
    fprintf(out, "labels:");
    if (!n) fprintf(out, " (no examples)");
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && labels[j] == labels[i]) j++;
        const cJSON *nm = labels[i] >= 0 ? cJSON_GetArrayItem(names, labels[i]) : NULL;
        if (labels[i] < 0) fprintf(out, "%s none %lld", i ? "," : "", (long long)(j - i));
        else if (cJSON_IsString(nm)) fprintf(out, "%s %d (%s) %lld", i ? "," : "", labels[i], nm->valuestring, (long long)(j - i));
        else fprintf(out, "%s %d %lld", i ? "," : "", labels[i], (long long)(j - i));
        i = j;
    }
    fprintf(out, "\n");
    cJSON_Delete(m);
}

static int describe_shard(const char *path, FILE *out) {
    sk_shard *s;
    int rc = sk_shard_open(path, &s);
    if (rc) return rc;
    int64_t n = sk_shard_count(s), ex[3] = {0}, tok[3] = {0};
    int32_t *labels = malloc((size_t)(n ? n : 1) * sizeof *labels);
    if (!labels) {
        sk_shard_close(s);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    for (int64_t i = 0; i < n; i++) {
        sk_shard_example e = sk_shard_get(s, i);
        ex[e.split]++;
        tok[e.split] += e.length;
        labels[i] = e.label;
    }
    int tw = sk_shard_token_width(s);
    fprintf(out, "%s: token shard\n", path);
    fprintf(out, "version: %d\n", sk_shard_version(s));
    fprintf(out, "token width: %d (uint%d)\n", tw, 8 * tw);
    fprintf(out, "examples: %lld (train %lld, valid %lld, test %lld)\n", (long long)n, (long long)ex[0], (long long)ex[1],
            (long long)ex[2]);
    fprintf(out, "tokens: %lld (train %lld, valid %lld, test %lld)\n", (long long)sk_shard_total_tokens(s),
            (long long)tok[0], (long long)tok[1], (long long)tok[2]);
    print_labels(out, s, labels, n);
    free(labels);
    fprintf(out, "vocabulary size: %lld\n", (long long)sk_shard_vocab_size(s));
    fprintf(out, "pad token: %d (rule: %s)\n", sk_shard_pad_token(s), sk_shard_pad_ignore(s) ? "ignore" : "none");
    print_meta(out, sk_shard_meta(s));
    sk_shard_close(s);
    return SK_OK;
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

int sk_describe_file(const char *path, FILE *out) {
    int kind = file_kind(path);
    return kind == 's' ? describe_shard(path, out) : kind == 't' ? describe_safetensors(path, out) : SK_EFORMAT;
}
