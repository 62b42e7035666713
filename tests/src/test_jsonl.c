/* test_jsonl.c — JSON-lines log (read back with cJSON, an independent parser), number
 * round-trips, resume truncation, and the SIGINT/SIGTERM flag (in a child process). */
#include "src/sk_io.h"
#include "src/sk_jsonl.h"
#include "src/sk_rng.h"
#include "tests/sk_test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp(const char *path, int64_t *len) {
    char *t = NULL;
    if (sk_read_file(path, &t, len)) return NULL;
    return t;
}

static void child_signals(int fd) {
    sk_interrupt_install();
    char r[3];
    raise(SIGINT);
    r[0] = (char)(sk_interrupted() == SIGINT);
    sk_interrupt_clear();
    r[1] = (char)(sk_interrupted() == 0);
    raise(SIGTERM);
    r[2] = (char)(sk_interrupted() == SIGTERM);
    if (write(fd, r, 3) != 3) _exit(3);
    raise(SIGTERM);   /* the handler is one-shot: this one terminates the child */
    _exit(0);
}

int main(void) {
    char dir[] = "/tmp/sk_test_jsonl_XXXXXX", path[80];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/log.jsonl", dir);

    /* Numbers print with the fewest digits that round-trip. */
    char b[32];
    sk_jsonl_format_num(b, 0.1);
    SK_CHECK(!strcmp(b, "0.1"), "0.1 -> %s", b);
    sk_jsonl_format_num(b, 1.0 / 3);
    SK_CHECK(!strcmp(b, "0.3333333333333333"), "1/3 -> %s", b);
    sk_jsonl_format_num(b, 0.1 + 0.2);   /* needs 17 digits */
    SK_CHECK(!strcmp(b, "0.30000000000000004"), "0.1+0.2 -> %s", b);
    sk_jsonl_format_num(b, NAN);
    SK_CHECK(!strcmp(b, "null"), "NaN -> %s", b);
    sk_rng g;
    sk_rng_seed(&g, 3, 0);
    int fails = 0;
    for (int i = 0; i < 20000; i++) {   /* random finite bit patterns and random floats widened */
        uint64_t u = sk_rng_u64(&g);
        double v;
        memcpy(&v, &u, sizeof v);
        if (i & 1) v = (double)(float)(sk_rng_normal(&g) * 1e3);
        if (!isfinite(v)) continue;
        sk_jsonl_format_num(b, v);
        if (strtod(b, NULL) != v && fails++ < 5) fprintf(stderr, "no round trip: %.17g -> %s\n", v, b);
    }
    SK_CHECK(fails == 0, "%d numbers did not round-trip", fails);

    /* Lines, flushed at end, parsed back exactly. */
    const double vals[] = {0.1, 1.0 / 3, 1e-300, 123456789.123, -2.5e10, 4.9e-324, NAN, INFINITY};
    sk_jsonl *j = NULL;
    SK_CHECK(sk_jsonl_open(&j, path, 0) == 0, "%s", sk_errmsg());
    for (int step = 1; step <= 8; step++) {
        sk_jsonl_begin(j);
        sk_jsonl_int(j, "step", step);
        sk_jsonl_num(j, "loss", vals[step - 1]);
        sk_jsonl_str(j, "note", "a \"quoted\"\n\ttab\\ \x01 é");
        sk_jsonl_bool(j, "best", step == 3);
        SK_CHECK(sk_jsonl_end(j) == 0, "end: %s", sk_errmsg());
        if (step == 2) {   /* visible on disk before close */
            int64_t n;
            char *t = slurp(path, &n);
            SK_CHECK(t && n > 0 && t[n - 1] == '\n' && strstr(t, "\"step\":2"), "not flushed after end");
            free(t);
        }
    }
    SK_CHECK(sk_jsonl_close(j) == 0, "close: %s", sk_errmsg());
    int64_t n;
    char *t = slurp(path, &n), *line = t;
    int lines = 0;
    while (t && line < t + n) {
        char *nl = strchr(line, '\n');
        if (!nl) break;
        *nl = 0;
        cJSON *o = cJSON_Parse(line);
        double want = vals[lines];
        const cJSON *loss = cJSON_GetObjectItem(o, "loss"), *note = cJSON_GetObjectItem(o, "note");
        SK_CHECK(o && cJSON_GetObjectItem(o, "step")->valueint == lines + 1, "line %d: %s", lines + 1, line);
        if (isfinite(want)) SK_CHECK(cJSON_IsNumber(loss) && loss->valuedouble == want, "line %d loss %s", lines + 1, line);
        else SK_CHECK(cJSON_IsNull(loss), "line %d: non-finite not null: %s", lines + 1, line);
        SK_CHECK(cJSON_IsString(note) && !strcmp(note->valuestring, "a \"quoted\"\n\ttab\\ \x01 é"), "line %d note", lines + 1);
        SK_CHECK(cJSON_IsBool(cJSON_GetObjectItem(o, "best")) && cJSON_IsTrue(cJSON_GetObjectItem(o, "best")) == (lines == 2), "best");
        cJSON_Delete(o);
        lines++;
        line = nl + 1;
    }
    SK_CHECK(lines == 8, "%d lines", lines);
    free(t);

    /* Resume: keep a header line and steps <= 5, drop later steps and a torn last line. */
    const char *old = "{\"run\":\"x\"}\n{\"step\":1}\n{\"step\":5,\"loss\":2}\n{\"step\":6}\n{\"step\":7}\n{\"step\":8,\"lo";
    SK_CHECK(sk_write_file_atomic(path, old, strlen(old)) == 0, "write");
    SK_CHECK(sk_jsonl_open_resume(&j, path, "step", 5) == 0, "resume: %s", sk_errmsg());
    sk_jsonl_begin(j);
    sk_jsonl_int(j, "step", 6);
    SK_CHECK(sk_jsonl_end(j) == 0 && sk_jsonl_close(j) == 0, "append");
    t = slurp(path, &n);
    SK_CHECK(t && !strcmp(t, "{\"run\":\"x\"}\n{\"step\":1}\n{\"step\":5,\"loss\":2}\n{\"step\":6}\n"), "resumed log:\n%s", t);
    free(t);
    const char *broken = "{\"step\":1}\n{\"step\":2}\nnot json\n";
    SK_CHECK(sk_write_file_atomic(path, broken, strlen(broken)) == 0, "write");
    SK_CHECK(sk_jsonl_open_resume(&j, path, "step", 5) == SK_EFORMAT && strstr(sk_errmsg(), "log.jsonl: line 3"), "bad line: %s", sk_errmsg());
    unlink(path);
    SK_CHECK(sk_jsonl_open_resume(&j, path, "step", 5) == 0 && sk_jsonl_close(j) == 0, "resume without a log: %s", sk_errmsg());
    SK_CHECK(sk_jsonl_open(&j, "/nonexistent/dir/log.jsonl", 0) == SK_EIO && strstr(sk_errmsg(), "/nonexistent/dir/log.jsonl"),
             "unwritable: %s", sk_errmsg());

    /* Nested values: written as JSON (blanks outside strings removed), not as strings; bad JSON fails. */
    SK_CHECK(sk_jsonl_open(&j, path, 0) == 0, "%s", sk_errmsg());
    sk_jsonl_begin(j);
    sk_jsonl_int(j, "step", 1);
    sk_jsonl_json(j, "m", "[[45, 0],\n [0, 19]]");
    sk_jsonl_json(j, "o", "{\n\t\"a b\": 1e-08,\n\t\"s\": \"x y\"\n}");
    SK_CHECK(sk_jsonl_end(j) == 0, "nested: %s", sk_errmsg());
    sk_jsonl_begin(j);
    sk_jsonl_json(j, "bad", "[1, 2");
    SK_CHECK(sk_jsonl_end(j) == SK_EFORMAT && strstr(sk_errmsg(), "\"bad\" is not JSON"), "bad JSON: %s", sk_errmsg());
    sk_jsonl_close(j);
    t = slurp(path, &n);
    SK_CHECK(t && !strcmp(t, "{\"step\":1,\"m\":[[45,0],[0,19]],\"o\":{\"a b\":1e-08,\"s\":\"x y\"}}\n"), "nested log:\n%s", t);
    free(t);

    /* Signals: flag on the first, default action (termination) on the second. */
    int fds[2];
    if (pipe(fds)) return 1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_signals(fds[1]);
    }
    close(fds[1]);
    char r[3] = {0};
    ssize_t got = read(fds[0], r, 3);
    int status = 0;
    waitpid(pid, &status, 0);
    SK_CHECK(got == 3 && r[0] && r[1] && r[2], "flags in child: got %zd (%d %d %d)", got, r[0], r[1], r[2]);
    SK_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "second SIGTERM did not terminate the child (status %d)", status);
    unlink(path);
    rmdir(dir);
    return sk_test_finish("test_jsonl");
}
