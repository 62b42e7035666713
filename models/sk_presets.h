/* sk_presets.h — model configurations shipped inside the binary.
 * Each models/configs/NAME.json is embedded at build time; `ssmkit presets` lists them and
 * `--preset NAME` selects one. A preset is a JSON object with at least "description" and "arch".
 */
#ifndef SK_PRESETS_H
#define SK_PRESETS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_preset {
    const char *name;   /* file name without .json */
    const char *json;   /* file contents, NUL-terminated */
} sk_preset;

extern const sk_preset sk_presets[];   /* terminated by {0, 0} */
extern const int sk_n_presets;

/* NULL if no preset has that name. */
const sk_preset *sk_preset_find(const char *name);

#ifdef __cplusplus
}
#endif
#endif
