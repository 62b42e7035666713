/* sk_runtime.h — run-time settings of the kernels that every program sets the same way: the
 * kernel thread count (OpenMP and OpenBLAS) and the backend chosen by a device name. Defined in
 * sk_runtime.c.
 */
#ifndef SK_RUNTIME_H
#define SK_RUNTIME_H

#include "kernels/sk_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Set the kernel thread count (OpenMP and OpenBLAS); n <= 0 keeps the default. Returns the
 * count in effect. */
int sk_runtime_threads(int n);
/* "cpu"/"cuda" (NULL: "cpu") -> backend, with the error message of sk_backend_get. */
int sk_runtime_backend(const char *device, const sk_backend **be) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
