/* sk_dist.c — see sk_dist.h. The only file that includes mpi.h. */
#include "src/sk_dist.h"

#include <stdio.h>
#include <stdlib.h>
#ifdef SSMKIT_HAVE_MPI
#include <mpi.h>
#endif

static int g_rank = 0, g_world = 1;
static sk_dist_reduce_fn g_dev_reduce = NULL;

int sk_dist_rank(void) { return g_rank; }
int sk_dist_world(void) { return g_world; }
void sk_dist_set_device_reduce(sk_dist_reduce_fn fn) { g_dev_reduce = fn; }
int sk_dist_device_reduce(float *dev, int64_t n) {
    if (!g_dev_reduce) return sk_error(SK_EUNSUP, "no device all-reduce (NCCL) is set up");
    return g_world > 1 ? g_dev_reduce(dev, n) : SK_OK;
}

#ifdef SSMKIT_HAVE_MPI
int sk_dist_built(void) { return 1; }
static int g_mpi = 0; /* this process called MPI_Init */

static int launched_by_mpi(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

static int mpi_fail(int e, const char *what) {
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(e, s, &len);
    return sk_error(SK_EIO, "MPI: %s failed on rank %d: %s", what, g_rank, s);
}

int sk_dist_init(int *argc, char ***argv) {
    if (g_mpi || !launched_by_mpi()) return SK_OK;
    int e = MPI_Init(argc, argv);
    if (e != MPI_SUCCESS) return sk_error(SK_EIO, "MPI_Init failed (error %d)", e);
    g_mpi = 1;
    /* errors are returned, not fatal: the caller turns them into sk_dist_abort with a message */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_world);
    return SK_OK;
}

void sk_dist_finalize(void) {
    if (!g_mpi) return;
    MPI_Finalize();
    g_mpi = 0, g_rank = 0, g_world = 1;
}

/* In place, in chunks of at most 2^30 elements (MPI counts are int). */
static int allreduce(void *buf, int64_t n, MPI_Datatype t, size_t size) {
    if (g_world == 1) return SK_OK;
    for (int64_t i = 0; i < n; i += (int64_t)1 << 30) {
        int64_t c = n - i < ((int64_t)1 << 30) ? n - i : ((int64_t)1 << 30);
        int e = MPI_Allreduce(MPI_IN_PLACE, (char *)buf + (size_t)i * size, (int)c, t, MPI_SUM, MPI_COMM_WORLD);
        if (e != MPI_SUCCESS) return mpi_fail(e, "MPI_Allreduce");
    }
    return SK_OK;
}
int sk_dist_allreduce_f32(float *buf, int64_t n) { return allreduce(buf, n, MPI_FLOAT, sizeof(float)); }
int sk_dist_allreduce_f64(double *buf, int64_t n) { return allreduce(buf, n, MPI_DOUBLE, sizeof(double)); }

int sk_dist_bcast(void *buf, size_t bytes, int root) {
    if (g_world == 1) return SK_OK;
    if (bytes > (size_t)1 << 30) return sk_error(SK_EINVAL, "MPI: broadcast of %zu bytes is too large", bytes);
    int e = MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD);
    return e == MPI_SUCCESS ? SK_OK : mpi_fail(e, "MPI_Bcast");
}

int sk_dist_barrier(void) {
    if (g_world == 1) return SK_OK;
    int e = MPI_Barrier(MPI_COMM_WORLD);
    return e == MPI_SUCCESS ? SK_OK : mpi_fail(e, "MPI_Barrier");
}

void sk_dist_abort(const char *msg) {
    if (g_world > 1) {
        fprintf(stderr, "ssmkit: error: [rank %d/%d] %s\n", g_rank, g_world, msg);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    fprintf(stderr, "ssmkit: error: %s\n", msg);
    if (g_mpi) MPI_Finalize();
    exit(1);
}

#else /* a world of one process */
int sk_dist_built(void) { return 0; }
int sk_dist_init(int *argc, char ***argv) {
    (void)argc, (void)argv;
    return SK_OK;
}
void sk_dist_finalize(void) {}
int sk_dist_allreduce_f32(float *buf, int64_t n) { return (void)buf, (void)n, SK_OK; }
int sk_dist_allreduce_f64(double *buf, int64_t n) { return (void)buf, (void)n, SK_OK; }
int sk_dist_bcast(void *buf, size_t bytes, int root) { return (void)buf, (void)bytes, (void)root, SK_OK; }
int sk_dist_barrier(void) { return SK_OK; }
void sk_dist_abort(const char *msg) {
    fprintf(stderr, "ssmkit: error: %s\n", msg);
    exit(1);
}
#endif
