/* sk_png.c — PNG writing through libpng (sk_png.h). */
#include "src/sk_png.h"

#include <stdio.h>
#include "src/sk_io.h"

#ifdef SSMKIT_HAVE_PNG
#include <png.h>
#include <setjmp.h>

int sk_png_available(void) { return 1; }

/* libpng reports errors by longjmp; everything it touches lives in the caller's frame. */
static int write_rows(FILE *fp, const uint8_t *rgb, int width, int height) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * (size_t)width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int sk_png_write(const char *path, const uint8_t *rgb, int width, int height) {
    if (width <= 0 || height <= 0) return sk_error(SK_EINVAL, "%s: empty image (%d x %d)", path, width, height);
    sk_afile af;
    int rc = sk_afile_open(&af, path);
    if (rc) return rc;
    if (write_rows(af.fp, rgb, width, height)) {
        sk_afile_abort(&af);
        return sk_error(SK_EIO, "%s: PNG write failed", path);
    }
    return sk_afile_commit(&af);
}

#else

int sk_png_available(void) { return 0; }

int sk_png_write(const char *path, const uint8_t *rgb, int width, int height) {
    (void)rgb, (void)width, (void)height;
    return sk_error(SK_EUNSUP, "%s: this ssmkit was built without libpng (install libpng-dev and rebuild), or write .svg", path);
}

#endif
