/* sk_safetensors.h — read and write safetensors files (the Hugging Face checkpoint format).
 *
 * Layout: u64 little-endian header length n, n bytes of JSON header, then raw tensor bytes.
 * The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
 * relative to the end of the header) and may hold "__metadata__": {string: string}.
 *
 * Reading maps the file and validates the whole header before returning: header length within
 * the file, JSON object, known dtypes, non-negative integer shapes, offsets inside the data,
 * end - begin == numel * dtype size, no two tensors overlapping. Each failure is SK_EFORMAT with
 * a message naming the file (and tensor). Data is copied out with memcpy (the file may place a
 * tensor at any byte offset; never cast pointers into it). F16/BF16/F64 convert to fp32 on read.
 *
 * Writing collects tensors (not copied: keep them alive until sk_stw_write) and metadata, then
 * writes atomically (sk_afile). Tensors are written in the order added, 8-byte aligned header.
 */
#ifndef SK_SAFETENSORS_H
#define SK_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"
#include "src/sk_progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sk_dtype {
    SK_F32 = 0, SK_F16, SK_BF16, SK_F64, SK_I64, SK_I32, SK_I16, SK_I8, SK_U8, SK_BOOL, SK_DTYPE_COUNT
} sk_dtype;

const char *sk_dtype_name(sk_dtype t);          /* "F32", "BF16", ... */
int sk_dtype_from_name(const char *name);        /* -1 if unknown */
size_t sk_dtype_size(sk_dtype t);

#define SK_ST_MAXDIM 8

typedef struct sk_st_tensor {
    const char *name;
    sk_dtype dtype;
    int ndim;
    int64_t shape[SK_ST_MAXDIM];
    int64_t numel;
    int64_t begin, end;          /* byte offsets relative to the data section */
} sk_st_tensor;

typedef struct sk_st sk_st;      /* opaque reader */

int sk_st_open(const char *path, sk_st **out) SK_RESULT_USED;
void sk_st_close(sk_st *st);
const char *sk_st_path(const sk_st *st);
int64_t sk_st_count(const sk_st *st);
const sk_st_tensor *sk_st_at(const sk_st *st, int64_t i);
const sk_st_tensor *sk_st_find(const sk_st *st, const char *name);   /* NULL if absent */
/* A string from "__metadata__" (NULL if absent). */
const char *sk_st_meta(const sk_st *st, const char *key);
/* All "__metadata__" entries in header order: key i (NULL past the end) and its value. */
int64_t sk_st_meta_count(const sk_st *st);
const char *sk_st_meta_at(const sk_st *st, int64_t i, const char **value);
/* Copy tensor `name` into dst as fp32, converting F16/BF16/F64. `numel` must equal the tensor's
 * element count, else SK_EINVAL "FILE: tensor NAME has shape [..] but the model expects N". */
int sk_st_read_f32(const sk_st *st, const char *name, float *dst, int64_t numel) SK_RESULT_USED;
/* Copy raw bytes of tensor `name` (bytes must equal its size). */
int sk_st_read_raw(const sk_st *st, const char *name, void *dst, size_t bytes) SK_RESULT_USED;

typedef struct sk_stw sk_stw;    /* opaque writer */

int sk_stw_create(sk_stw **out) SK_RESULT_USED;
/* Add a tensor; `data` must stay valid until sk_stw_write. Names must be unique. */
int sk_stw_add(sk_stw *w, const char *name, sk_dtype dtype, int ndim, const int64_t *shape,
               const void *data) SK_RESULT_USED;
int sk_stw_meta(sk_stw *w, const char *key, const char *value) SK_RESULT_USED;
int sk_stw_write(sk_stw *w, const char *path) SK_RESULT_USED;
/* sk_stw_write counts the bytes of tensor data it writes in pg (its unit and size are set). */
void sk_stw_set_progress(sk_stw *w, sk_progress *pg);
void sk_stw_free(sk_stw *w);

/* fp16/bf16 <-> fp32 (round to nearest even). */
float sk_bf16_to_f32(uint16_t h);
uint16_t sk_f32_to_bf16(float f);
float sk_f16_to_f32(uint16_t h);
uint16_t sk_f32_to_f16(float f);

#ifdef __cplusplus
}
#endif
#endif
