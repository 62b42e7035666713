/* sk_guard.c — inputs that no output may replace, the run lock, temporary files of dead writers
 * (sk_guard.h). */
#include "src/sk_guard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ================================================================================ inputs */

typedef struct guard_entry {
    char *path;       /* as registered */
    char *real;       /* resolved: real path of the folder + last name */
    const char *of;   /* side file: the input it belongs to (an entry's path), else NULL */
    dev_t dev;
    ino_t ino;
    int have_id;      /* dev/ino taken at registration */
} guard_entry;

static guard_entry *g_in;
static int g_n, g_cap;

/* The real path of the folder of `path` joined with its last name (the whole real path when the
 * last name is "." or ".." or missing); `path` itself when the folder cannot be resolved. */
static char *resolve(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        char *r = realpath(path, NULL);
        return r ? r : strdup(path);
    }
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    char *rdir = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    if (!rdir) return strdup(path);
    size_t n = strlen(rdir) + strlen(base) + 2;
    char *r = malloc(n);
    if (r) snprintf(r, n, "%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "", base);
    free(rdir);
    return r;
}

static int add_entry(const char *path, const char *of) {
    if (g_n == g_cap) {
        int cap = g_cap ? 2 * g_cap : 16;
        guard_entry *p = realloc(g_in, (size_t)cap * sizeof *p);
        if (!p) return sk_error(SK_ENOMEM, "%s: out of memory", path);
        g_in = p, g_cap = cap;
    }
    guard_entry *e = &g_in[g_n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->real = resolve(path);
    if (!e->path || !e->real) {
        free(e->path), free(e->real);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    e->of = of;
    struct stat sb;
    if (stat(path, &sb) == 0) e->dev = sb.st_dev, e->ino = sb.st_ino, e->have_id = 1;
    g_n++;
    return SK_OK;
}

int sk_guard_input(const char *path) {
    if (!path || !*path || !strcmp(path, "-")) return SK_OK;
    return add_entry(path, NULL);
}

int sk_guard_input_side(const char *path, const char *suffix) {
    if (!path || !*path || !strcmp(path, "-")) return SK_OK;
    const char *of = NULL;
    for (int i = 0; i < g_n && !of; i++)
        if (!g_in[i].of && !strcmp(g_in[i].path, path)) of = g_in[i].path;
    if (!of) {
        TRY(sk_guard_input(path));
        of = g_in[g_n - 1].path;
    }
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *side = malloc(n);
    if (!side) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    snprintf(side, n, "%s%s", path, suffix);
    int rc = add_entry(side, of);
    free(side);
    return rc;
}

static int same_file(const guard_entry *e, const struct stat *out, const char *real) {
    struct stat now;
    if (out && e->have_id && e->dev == out->st_dev && e->ino == out->st_ino) return 1;
    if (out && stat(e->path, &now) == 0 && now.st_dev == out->st_dev && now.st_ino == out->st_ino) return 1;
    return real && !strcmp(real, e->real);
}

static int check_output(const char *path, int allow_side) {
    if (!path || !*path || !strcmp(path, "-") || g_n == 0) return SK_OK;
    struct stat sb;
    const struct stat *out = stat(path, &sb) == 0 ? &sb : NULL;
    char *real = resolve(path);
    int rc = SK_OK;
    for (int i = 0; i < g_n && !rc; i++) {
        const guard_entry *e = &g_in[i];
        if ((e->of && allow_side) || !same_file(e, out, real)) continue;
        if (e->of)
            rc = sk_error(SK_EINVAL, "%s: is also an input (%s, beside %s); refusing to overwrite it", path, e->path, e->of);
        else rc = sk_error(SK_EINVAL, "%s: is also an input (%s); refusing to overwrite it", path, e->path);
    }
    free(real);
    return rc;
}

int sk_guard_output(const char *path) { return check_output(path, 0); }
int sk_guard_output_side(const char *path) { return check_output(path, 1); }

void sk_guard_clear(void) {
    for (int i = 0; i < g_n; i++) free(g_in[i].path), free(g_in[i].real);
    free(g_in);
    g_in = NULL, g_n = g_cap = 0;
}

/* ================================================================================ run lock */

struct sk_lock {
    int fd;
    char *path;
};

/* The pid written in a lock file (0 when none can be read yet). */
static long lock_holder(int fd) {
    char buf[32] = {0};
    ssize_t k = pread(fd, buf, sizeof buf - 1, 0);
    return k > 0 ? strtol(buf, NULL, 10) : 0;
}

int sk_lock_take(const char *stem, sk_lock **out) {
    *out = NULL;
    size_t n = strlen(stem) + 8;
    char *path = malloc(n);
    if (!path) return sk_error(SK_ENOMEM, "%s: out of memory", stem);
    snprintf(path, n, "%s.lock", stem);
    int rc = sk_guard_output(path);
    for (int tries = 0; !rc; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = sk_error(SK_EIO, "%s: cannot create the run lock: %s", path, strerror(errno));
            break;
        }
        int e = flock(fd, LOCK_EX | LOCK_NB) != 0 ? errno : 0;
        if (e && e != EWOULDBLOCK) {
            /* a file system without locks (some network mounts): run, but say what is not checked */
            sk_log_warn("%s: cannot lock (%s): another run on %s would not be noticed", path, strerror(e), stem);
        } else if (e == EWOULDBLOCK) {
            long pid = lock_holder(fd);
            close(fd);
            if (pid > 0) rc = sk_error(SK_EINVAL, "%s: is being written by another ssmkit (pid %ld)", stem, pid);
            else rc = sk_error(SK_EINVAL, "%s: is being written by another ssmkit (see %s)", stem, path);
            break;
        }
        /* the holder before us may have removed the file between our open and our lock: then the
         * lock is on a file nobody else will see, so start again on the new one */
        struct stat a, b;
        if (fstat(fd, &a) != 0 || stat(path, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
            close(fd);
            if (tries < 100) continue;
            rc = sk_error(SK_EIO, "%s: the run lock keeps changing under this process", path);
            break;
        }
        char pid[32];
        int k = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)k, 0) != k) {
            rc = sk_error(SK_EIO, "%s: cannot write the run lock: %s", path, strerror(errno));
            close(fd);
            break;
        }
        sk_lock *l = malloc(sizeof *l);
        if (!l) {
            close(fd);
            rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
            break;
        }
        l->fd = fd, l->path = path;
        *out = l;
        return SK_OK;
    }
    free(path);
    return rc;
}

void sk_lock_release(sk_lock *l) {
    if (!l) return;
    unlink(l->path); /* while still locked: a run that opened it before retries on a new file */
    close(l->fd);
    free(l->path);
    free(l);
}

/* ================================================================================ temporary files */

/* The pid of a temporary name "...tmp.PID.XXXXXX" (the last ".tmp."), 0 when it has none. */
static long tmp_pid(const char *name) {
    const char *p = NULL;
    for (const char *q = strstr(name, ".tmp."); q; q = strstr(q + 1, ".tmp.")) p = q;
    if (!p) return 0;
    p += 5;
    char *end;
    long pid = strtol(p, &end, 10);
    return end != p && *end == '.' && end[1] && pid > 0 ? pid : 0;
}

static int pid_alive(long pid) { return pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH; }

int sk_tmp_sweep(const char *prefix) {
    const char *slash = strrchr(prefix, '/');
    const char *base = slash ? slash + 1 : prefix;
    char *dir = slash ? strndup(prefix, (size_t)(slash - prefix) + (slash == prefix)) : strdup(".");
    DIR *d = dir ? opendir(dir) : NULL;
    int removed = 0;
    size_t nb = strlen(base);
    for (struct dirent *de; d && (de = readdir(d));) {
        const char *name = de->d_name;
        if (name[0] != '.' || strncmp(name + 1, base, nb) != 0) continue;
        long pid = tmp_pid(name);
        if (pid <= 0 || pid_alive(pid)) continue;
        if (unlinkat(dirfd(d), name, 0) == 0) removed++;
    }
    if (d) closedir(d);
    free(dir);
    return removed;
}
