/* sk_jsonl.c — JSON-lines log and interrupt flag. See sk_jsonl.h. */
#include "src/sk_jsonl.h"
#include "src/sk_guard.h"
#include "src/sk_io.h"
#include "src/sk_json.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_jsonl {
    FILE *fp;
    char *path;
    char *buf;           /* the line being built */
    size_t len, cap;
    int nfields, err;
};

int sk_jsonl_open(sk_jsonl **out, const char *path, int append) {
    *out = NULL;
    TRY(sk_guard_output(path)); /* a log is never written over an input */
    sk_jsonl *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path))) {
        free(j);
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    }
    j->fp = strcmp(path, "-") ? fopen(path, append ? "a" : "w") : stdout;
    if (!j->fp) {
        int e = errno;
        free(j->path);
        free(j);
        return sk_error(SK_EIO, "%s: cannot open log for writing: %s", path, strerror(e));
    }
    *out = j;
    return SK_OK;
}

int sk_jsonl_open_resume(sk_jsonl **out, const char *path, const char *key, int64_t max) {
    *out = NULL;
    char *text = NULL;
    int64_t len = 0;
    FILE *probe = fopen(path, "r");
    if (!probe) return sk_jsonl_open(out, path, 0);   /* no log yet */
    fclose(probe);
    int rc = sk_read_file(path, &text, &len);
    if (rc) return rc;
    int64_t kept = 0, lineno = 0;   /* kept lines are compacted in place at text[0..kept) */
    for (int64_t p = 0; p < len && rc == SK_OK;) {
        char *nl = memchr(text + p, '\n', (size_t)(len - p));
        if (!nl) break;   /* torn last line: drop */
        int64_t n = nl - (text + p) + 1;
        lineno++;
        cJSON *o = cJSON_ParseWithLength(text + p, (size_t)n);
        if (!cJSON_IsObject(o)) {
            rc = sk_error(SK_EFORMAT, "%s: line %lld: not a JSON object", path, (long long)lineno);
        } else {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
            if (!cJSON_IsNumber(v) || v->valuedouble <= (double)max) {
                memmove(text + kept, text + p, (size_t)n);
                kept += n;
            }
        }
        cJSON_Delete(o);
        p += n;
    }
    if (rc == SK_OK) rc = sk_write_file_atomic(path, text, (size_t)kept);
    free(text);
    return rc ? rc : sk_jsonl_open(out, path, 1);
}

int sk_jsonl_close(sk_jsonl *j) {
    if (!j) return SK_OK;
    int rc = j->err;
    if (fflush(j->fp) != 0 && !rc) rc = sk_error(SK_EIO, "%s: cannot write log: %s", j->path, strerror(errno));
    if (j->fp != stdout && fclose(j->fp) != 0 && !rc) rc = sk_error(SK_EIO, "%s: cannot close log: %s", j->path, strerror(errno));
    free(j->path);
    free(j->buf);
    free(j);
    return rc;
}

static void put(sk_jsonl *j, const char *s, size_t n) {
    if (j->err) return;
    if (j->len + n + 2 > j->cap) {
        size_t cap = (j->cap ? 2 * j->cap : 256) + n;
        char *b = realloc(j->buf, cap);
        if (!b) {
            j->err = sk_error(SK_ENOMEM, "%s: out of memory", j->path);
            return;
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
}

/* A JSON string: quotes, and \" \\ \n \r \t or \u00XX for the other control characters. */
static void put_string(sk_jsonl *j, const char *s) {
    put(j, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char esc[8];
        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*c;
            put(j, esc, 2);
        } else if (*c == '\n') put(j, "\\n", 2);
        else if (*c == '\r') put(j, "\\r", 2);
        else if (*c == '\t') put(j, "\\t", 2);
        else if (*c < 0x20) put(j, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", *c));
        else put(j, (const char *)c, 1);
    }
    put(j, "\"", 1);
}

static void put_key(sk_jsonl *j, const char *key) {
    if (j->nfields++) put(j, ",", 1);
    put_string(j, key);
    put(j, ":", 1);
}

void sk_jsonl_begin(sk_jsonl *j) {
    j->len = 0;
    j->nfields = 0;
    put(j, "{", 1);
}

void sk_jsonl_format_num(char buf[32], double v) {
    if (!isfinite(v)) {
        strcpy(buf, "null");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

void sk_jsonl_int(sk_jsonl *j, const char *key, int64_t v) {
    char b[32];
    put_key(j, key);
    put(j, b, (size_t)snprintf(b, sizeof b, "%lld", (long long)v));
}

void sk_jsonl_num(sk_jsonl *j, const char *key, double v) {
    char b[32];
    sk_jsonl_format_num(b, v);
    put_key(j, key);
    put(j, b, strlen(b));
}

void sk_jsonl_str(sk_jsonl *j, const char *key, const char *v) {
    put_key(j, key);
    put_string(j, v);
}

void sk_jsonl_bool(sk_jsonl *j, const char *key, int v) {
    put_key(j, key);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void sk_jsonl_json(sk_jsonl *j, const char *key, const char *json) {
    cJSON *o = cJSON_Parse(json);
    char *min = o ? strdup(json) : NULL;
    cJSON_Delete(o);
    if (!min) {
        if (!j->err)
            j->err = o ? sk_error(SK_ENOMEM, "%s: out of memory", j->path)
                       : sk_error(SK_EFORMAT, "%s: the value of \"%s\" is not JSON", j->path, key);
        return;
    }
    cJSON_Minify(min);
    put_key(j, key);
    put(j, min, strlen(min));
    free(min);
}

int sk_jsonl_end(sk_jsonl *j) {
    put(j, "}\n", 2);
    if (j->err) return j->err;
    if (fwrite(j->buf, 1, j->len, j->fp) != j->len || fflush(j->fp) != 0)
        return j->err = sk_error(SK_EIO, "%s: cannot write log: %s", j->path, strerror(errno));
    return SK_OK;
}

/* ---- interrupt flag ---- */

static volatile sig_atomic_t g_signal = 0;

static void on_signal(int sig) { g_signal = sig; }

void sk_interrupt_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;   /* one-shot: the next signal has its default effect */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int sk_interrupted(void) { return (int)g_signal; }

void sk_interrupt_clear(void) {
    g_signal = 0;
    sk_interrupt_install();
}
