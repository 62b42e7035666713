/* sk_json.h — JSON configs on top of cJSON: parse with errors that name the file and position,
 * and typed field getters that name the missing or mistyped key.
 */
#ifndef SK_JSON_H
#define SK_JSON_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse text (what = file name or "preset NAME" for messages): one JSON value and nothing after it
 * but white space, no key twice in one object. *out must be freed with cJSON_Delete. load reads
 * at most SK_CONFIG_MAX_BYTES (src/sk_io.h). */
int sk_json_parse(const char *text, int64_t len, const char *what, cJSON **out) SK_RESULT_USED;
int sk_json_load(const char *path, cJSON **out) SK_RESULT_USED;

/* Getters: a missing key leaves *v at the default you set before the call and returns SK_OK;
 * a key of the wrong type or out of range returns SK_EINVAL with "<what>: <key>: ..." */
int sk_json_int(const cJSON *o, const char *key, const char *what, int64_t *v) SK_RESULT_USED;
int sk_json_num(const cJSON *o, const char *key, const char *what, double *v) SK_RESULT_USED;
int sk_json_bool(const cJSON *o, const char *key, const char *what, int *v) SK_RESULT_USED;
/* *v points into the cJSON tree (valid while it lives). */
int sk_json_str(const cJSON *o, const char *key, const char *what, const char **v) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
