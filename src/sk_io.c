/* sk_io.c — atomic writes, memory maps, whole-file reads. See sk_io.h. */
#include "src/sk_io.h"

#include "src/sk_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_afile_open(sk_afile *af, const char *path) {
    memset(af, 0, sizeof *af);
    TRY(sk_guard_output(path)); /* never over an input of this run */
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    af->path = strdup(path);
    af->tmp = malloc(n + 48);
    if (!af->path || !af->tmp) {
        sk_afile_abort(af);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    snprintf(af->tmp, n + 48, "%s.tmp.", path);
    (void)sk_tmp_sweep(af->tmp); /* what writers of this name that died left behind */
    memcpy(af->tmp, path, dirlen);
    snprintf(af->tmp + dirlen, n + 48 - dirlen, ".%s.tmp.%ld.XXXXXX", path + dirlen, (long)getpid());
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        free(af->tmp);
        af->tmp = NULL;
        sk_afile_abort(af);
        return sk_error(SK_EIO, "%s: cannot create output: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        int e = errno;
        close(fd);
        sk_afile_abort(af);
        return sk_error(SK_EIO, "%s: cannot open output: %s", path, strerror(e));
    }
    return SK_OK;
}

int sk_afile_write(sk_afile *af, const void *p, size_t n) {
    if (n && fwrite(p, 1, n, af->fp) != n)
        return sk_error(SK_EIO, "%s: write failed: %s", af->path, strerror(errno));
    return SK_OK;
}

int sk_afile_commit(sk_afile *af) {
    int rc = SK_OK;
    if (fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0)
        rc = sk_error(SK_EIO, "%s: write failed: %s", af->path, strerror(errno));
    if (fclose(af->fp) != 0 && rc == SK_OK)
        rc = sk_error(SK_EIO, "%s: close failed: %s", af->path, strerror(errno));
    af->fp = NULL;
    if (rc == SK_OK) rc = sk_guard_output(af->path); /* an input registered since the open */
    if (rc == SK_OK && rename(af->tmp, af->path) != 0)
        rc = sk_error(SK_EIO, "%s: cannot rename temporary file into place: %s", af->path, strerror(errno));
    if (rc != SK_OK) {
        sk_afile_abort(af);
        return rc;
    }
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    return SK_OK;
}

void sk_afile_abort(sk_afile *af) {
    if (af->fp) fclose(af->fp);
    if (af->tmp) unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    af->fp = NULL;
    af->tmp = af->path = NULL;
}

int sk_map_open(sk_map *m, const char *path) {
    m->data = NULL;
    m->size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return sk_error(SK_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return sk_error(SK_EIO, "%s: not a regular file", path);
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return sk_error(SK_EIO, "%s: cannot map: %s", path, strerror(e));
        }
        m->data = p;
        m->size = st.st_size;
    }
    close(fd);
    return SK_OK;
}

void sk_map_close(sk_map *m) {
    if (m->data) munmap((void *)m->data, (size_t)m->size);
    m->data = NULL;
    m->size = 0;
}

int sk_read_file(const char *path, char **data, int64_t *len) { return sk_read_file_max(path, 0, data, len); }

int sk_read_file_max(const char *path, int64_t max, char **data, int64_t *len) {
    *data = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return sk_error(SK_ENOMEM, "%s: out of memory", path);
        }
        size_t want = cap - n - 1;
        if (max > 0 && want > (size_t)max + 1 - n) want = (size_t)max + 1 - n;
        n += fread(buf + n, 1, want, f);
        if (max > 0 && (int64_t)n > max) { /* a device or pipe without end reads no further than this */
            free(buf);
            fclose(f);
            return sk_error(SK_EINVAL, "%s: larger than %lld MiB", path, (long long)(max >> 20));
        }
        if (n < cap - 1) break;
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb) free(buf);
        buf = nb;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return sk_error(SK_EIO, "%s: read failed", path);
    }
    buf[n] = 0;
    *data = buf;
    if (len) *len = (int64_t)n;
    return SK_OK;
}

int sk_write_file_atomic(const char *path, const void *data, size_t len) {
    sk_afile af;
    int rc = sk_afile_open(&af, path);
    if (rc) return rc;
    if ((rc = sk_afile_write(&af, data, len)) != SK_OK) {
        sk_afile_abort(&af);
        return rc;
    }
    return sk_afile_commit(&af);
}

/* mkdir of one level; a name that exists must be a folder. */
static int mkdir_one(const char *dir) {
    struct stat sb;
    if (mkdir(dir, 0777) == 0) return SK_OK;
    int e = errno;
    if (e == EEXIST && stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) e = ENOTDIR;
    else if (e == EEXIST) return SK_OK;
    return sk_error(SK_EIO, "%s: cannot create the output folder: %s", dir, strerror(e));
}

int sk_mkdir_p(const char *dir) {
    char *p = strdup(dir);
    if (!p) return sk_error(SK_ENOMEM, "%s: out of memory", dir);
    int rc = SK_OK;
    for (char *s = p + 1; !rc && *s; s++) {   /* each parent, from the top; "/" itself is never made */
        if (*s != '/' || s[-1] == '/') continue;
        *s = 0;
        rc = mkdir_one(p);
        *s = '/';
    }
    if (!rc) rc = mkdir_one(p);
    free(p);
    return rc;
}

int sk_mkdir_parent(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return SK_OK;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    int rc = sk_mkdir_p(dir);
    free(dir);
    return rc;
}
