/* glu.c — compiles kernels/cpu/glu_ref.inc for float (the library) and double (tests). O(rows*H)
 * elementwise work: the plain loops are also the library version. */
#include <math.h>
#include <stdlib.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_scalar.h"

#define SK_REF_INC "kernels/cpu/glu_ref.inc"
#include "kernels/cpu/sk_instantiate.h"
