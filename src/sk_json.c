/* sk_json.c — cJSON wrappers with clear errors. See sk_json.h. */
#include "src/sk_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "src/sk_io.h"

/* The first key that appears twice in one object of the tree, or NULL. */
static const char *duplicate_key(const cJSON *o) {
    for (const cJSON *a = o ? o->child : NULL; a; a = a->next) {
        if (cJSON_IsObject(o))
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && !strcmp(a->string, b->string)) return a->string;
        const char *d = duplicate_key(a);
        if (d) return d;
    }
    return NULL;
}

int sk_json_parse(const char *text, int64_t len, const char *what, cJSON **out) {
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, (size_t)len, &end, 0);
    int64_t off = end ? (int64_t)(end - text) : 0;
    const char *why = "invalid JSON";
    if (*out) { /* one value and nothing after it but white space */
        while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r')) off++;
        if (off < len) why = "text after the JSON value";
    }
    if (*out && off >= len) {
        const char *d = duplicate_key(*out);
        if (!d) return SK_OK;
        int rc = sk_error(SK_EFORMAT, "%s: key \"%s\" appears twice in one object", what, d);
        cJSON_Delete(*out), *out = NULL;
        return rc;
    }
    cJSON_Delete(*out), *out = NULL;
    int64_t line = 1;
    for (int64_t i = 0; i < off && i < len; i++) line += text[i] == '\n';
    return sk_error(SK_EFORMAT, "%s: %s near line %lld (byte %lld)", what, why, (long long)line, (long long)off);
}

int sk_json_load(const char *path, cJSON **out) {
    char *text;
    int64_t len;
    *out = NULL;
    int rc = sk_read_file_max(path, SK_CONFIG_MAX_BYTES, &text, &len);
    if (rc) return rc;
    rc = sk_json_parse(text, len, path, out);
    free(text);
    return rc;
}

int sk_json_num(const cJSON *o, const char *key, const char *what, double *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it || cJSON_IsNull(it)) return SK_OK;
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return sk_error(SK_EINVAL, "%s: \"%s\" must be a finite number", what, key);
    *v = it->valuedouble;
    return SK_OK;
}

int sk_json_int(const cJSON *o, const char *key, const char *what, int64_t *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it || cJSON_IsNull(it)) return SK_OK;
    double d = it->valuedouble;
    if (!cJSON_IsNumber(it) || d != floor(d) || fabs(d) > 9007199254740992.0)
        return sk_error(SK_EINVAL, "%s: \"%s\" must be an integer", what, key);
    *v = (int64_t)d;
    return SK_OK;
}

int sk_json_bool(const cJSON *o, const char *key, const char *what, int *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it || cJSON_IsNull(it)) return SK_OK;
    if (!cJSON_IsBool(it)) return sk_error(SK_EINVAL, "%s: \"%s\" must be true or false", what, key);
    *v = cJSON_IsTrue(it);
    return SK_OK;
}

int sk_json_str(const cJSON *o, const char *key, const char *what, const char **v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it || cJSON_IsNull(it)) return SK_OK;
    if (!cJSON_IsString(it)) return sk_error(SK_EINVAL, "%s: \"%s\" must be a string", what, key);
    *v = it->valuestring;
    return SK_OK;
}
