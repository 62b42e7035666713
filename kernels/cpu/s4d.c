/* s4d.c — compiles kernels/cpu/s4d_ref.inc (S4D ZOH fold) and glu_ref.inc (GLU) for float (the
 * library) and double (tests). Both are O(D*N) / O(rows*H) elementwise work: the plain loops are
 * also the library versions. */
#include <math.h>
#include <stdlib.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_complex.h"
#include "kernels/sk_scalar.h"

#define SK_REF_INC "kernels/cpu/s4d_ref.inc"
#include "kernels/cpu/sk_instantiate.h"
#undef SK_REF_INC
#define SK_REF_INC "kernels/cpu/glu_ref.inc"
#include "kernels/cpu/sk_instantiate.h"
