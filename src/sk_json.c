/* sk_json.c — cJSON wrappers with clear errors. See sk_json.h. */
#include "src/sk_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "src/sk_io.h"

int sk_json_parse(const char *text, int64_t len, const char *what, cJSON **out) {
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, (size_t)len, &end, 0);
    if (!*out) {
        int64_t off = end ? (int64_t)(end - text) : 0, line = 1;
        for (int64_t i = 0; i < off && i < len; i++) line += text[i] == '\n';
        return sk_error(SK_EFORMAT, "%s: invalid JSON near line %lld (byte %lld)", what, (long long)line,
                        (long long)off);
    }
    return SK_OK;
}

int sk_json_load(const char *path, cJSON **out) {
    char *text;
    int64_t len;
    *out = NULL;
    int rc = sk_read_file(path, &text, &len);
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
