/* sk_png.h — writing an 8-bit RGB image as a PNG file (libpng), atomically (src/sk_io.h).
 * Built with libpng when CMake finds it (SSMKIT_HAVE_PNG); without it sk_png_write says so
 * (SK_EUNSUP) and names the Debian package. */
#ifndef SK_PNG_H
#define SK_PNG_H

#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when this build writes PNG files. */
int sk_png_available(void);
/* rgb: height rows of width pixels, 3 bytes each (R, G, B), top row first. */
int sk_png_write(const char *path, const uint8_t *rgb, int width, int height) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
