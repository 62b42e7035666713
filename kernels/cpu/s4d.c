/* s4d.c — compiles kernels/cpu/s4d_ref.inc (the S4D ZOH fold) for float (the library) and double
 * (tests). O(D*N) work once per layer call: the plain loops are also the library version. */
#include <math.h>
#include <stdlib.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_complex.h"
#include "kernels/sk_scalar.h"

#define SK_REF_INC "kernels/cpu/s4d_ref.inc"
#include "kernels/cpu/sk_instantiate.h"
