/* sk_presets.c — lookup in the embedded preset table. See sk_presets.h. */
#include "models/sk_presets.h"

#include <string.h>

const sk_preset *sk_preset_find(const char *name) {
    for (int i = 0; i < sk_n_presets; i++)
        if (!strcmp(sk_presets[i].name, name)) return &sk_presets[i];
    return NULL;
}
