/* test_shard.c — token shards: round trip, atomic writes under SIGKILL, corrupt files.
 *
 * The layout written by the library is checked byte by byte against sk_shard.h here (an
 * independent decoder), and corrupt files are made by patching or cutting a good one.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "src/sk_io.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

static char dir[256];

static const char *tmp_path(const char *name) {
    static char buf[2][512];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static uint64_t le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

#define NEX 7
static const char *meta8 =
    "{\"vocab\": {\"size\": 256}, \"pad_token\": 0, \"pad_rule\": \"ignore\", \"domain\": \"audio\", "
    "\"labels\": [\"cat\", \"dog\"]}";
static const char *meta16 = "{\"vocab\": [\"A\", \"C\", \"G\", \"T\", \"N\", \"<pad>\"], \"pad_token\": 5, \"pad_rule\": \"none\"}";

/* Example e has length e * 5 (example 0 is empty), token j = (e * 31 + j * 7) % vocab. */
static int64_t ex_len(int e) { return e * 5; }
static int ex_tok(int e, int64_t j, int vocab) { return (int)((e * 31 + j * 7) % vocab); }
static int ex_label(int e) { return e % 3 - 1; }   /* -1, 0, 1 */
static int ex_split(int e) { return e % 3; }

static int write_shard(const char *path, int tw) {
    int vocab = tw == 1 ? 256 : 6;
    sk_shard_writer *w;
    int rc = sk_shard_writer_open(&w, path, tw, tw == 1 ? meta8 : meta16);
    if (rc) return rc;
    for (int e = 0; e < NEX && !rc; e++) {
        uint8_t t8[64];
        uint16_t t16[64];
        for (int64_t j = 0; j < ex_len(e); j++) t8[j] = (uint8_t)(t16[j] = (uint16_t)ex_tok(e, j, vocab));
        rc = sk_shard_writer_add(w, tw == 1 ? (const void *)t8 : (const void *)t16, ex_len(e), ex_label(e), ex_split(e));
    }
    if (rc) {
        sk_shard_writer_abort(w);
        return rc;
    }
    return sk_shard_writer_commit(w);
}

/* Decode the file by hand (sk_shard.h layout) and compare with the example generator. */
static void check_bytes(const char *path, int tw) {
    char *f;
    int64_t len;
    if (sk_read_file(path, &f, &len)) {
        SK_CHECK(0, "read %s", path);
        return;
    }
    const uint8_t *p = (const uint8_t *)f;
    int vocab = tw == 1 ? 256 : 6;
    const char *meta = tw == 1 ? meta8 : meta16;
    uint64_t tokens = 0;
    for (int e = 0; e < NEX; e++) tokens += (uint64_t)ex_len(e);
    uint64_t dof = le(p + 48, 8), iof = le(p + 56, 8), ml = le(p + 40, 8);
    SK_CHECK(!memcmp(p, "SKSHARD", 8) && le(p + 8, 4) == 1 && le(p + 12, 4) == (uint64_t)tw, "magic/version/width");
    SK_CHECK(le(p + 16, 8) == NEX && le(p + 24, 8) == tokens && le(p + 32, 8) == 64, "counts");
    SK_CHECK(ml == strlen(meta) && !memcmp(p + 64, meta, ml), "metadata bytes");
    SK_CHECK(dof % 8 == 0 && dof >= 64 + ml && iof % 8 == 0 && iof >= dof + tokens * tw, "alignment");
    SK_CHECK((uint64_t)len == iof + NEX * 24, "file size %lld", (long long)len);
    int bad = 0;
    for (int e = 0; e < NEX && (uint64_t)len >= iof + NEX * 24; e++) {
        const uint8_t *r = p + iof + 24 * e;
        uint64_t off = le(r, 8);
        bad += le(r + 8, 8) != (uint64_t)ex_len(e) || (int32_t)le(r + 16, 4) != ex_label(e) || r[20] != ex_split(e);
        for (int64_t j = 0; j < ex_len(e); j++) bad += le(p + dof + (off + j) * tw, tw) != (uint64_t)ex_tok(e, j, vocab);
    }
    SK_CHECK(bad == 0, "%d wrong records/tokens in the file", bad);
    free(f);
}

static void test_round_trip(int tw) {
    const char *path = tmp_path(tw == 1 ? "u8.shard" : "u16.shard");
    SK_CHECK(write_shard(path, tw) == 0, "write u%d: %s", 8 * tw, sk_errmsg());
    check_bytes(path, tw);
    sk_shard *s;
    if (sk_shard_open(path, &s)) {
        SK_CHECK(0, "open: %s", sk_errmsg());
        return;
    }
    int vocab = tw == 1 ? 256 : 6;
    SK_CHECK(sk_shard_version(s) == 1 && sk_shard_token_width(s) == tw && sk_shard_count(s) == NEX && !strcmp(sk_shard_path(s), path), "header");
    SK_CHECK(sk_shard_total_tokens(s) == 5 * (NEX - 1) * NEX / 2, "total tokens %lld", (long long)sk_shard_total_tokens(s));
    SK_CHECK(sk_shard_vocab_size(s) == vocab, "vocab size %lld", (long long)sk_shard_vocab_size(s));
    SK_CHECK(sk_shard_pad_token(s) == (tw == 1 ? 0 : 5) && sk_shard_pad_ignore(s) == (tw == 1), "pad");
    SK_CHECK(!strcmp(sk_shard_meta(s), tw == 1 ? meta8 : meta16), "metadata text");
    int bad = 0;
    for (int e = 0; e < NEX; e++) {
        sk_shard_example x = sk_shard_get(s, e);
        bad += x.length != ex_len(e) || x.label != ex_label(e) || x.split != ex_split(e);
        int32_t t[64];
        if (sk_shard_read(s, e, 0, x.length, t)) bad++;
        for (int64_t j = 0; j < x.length; j++) bad += t[j] != ex_tok(e, j, vocab);
        if (x.length > 3) bad += sk_shard_read(s, e, 2, 1, t) || t[0] != ex_tok(e, 2, vocab);
    }
    SK_CHECK(bad == 0, "u%d: %d wrong examples", 8 * tw, bad);
    int32_t t[64];
    SK_CHECK(sk_shard_read(s, 1, 3, 3, t) == SK_EINVAL && strstr(sk_errmsg(), path), "read past the example");
    SK_CHECK(sk_shard_read(s, NEX, 0, 0, t) == SK_EINVAL && sk_shard_read(s, 1, -1, 1, t) == SK_EINVAL, "read bounds");
    sk_shard_close(s);
}

static void test_writer_errors(void) {
    sk_shard_writer *w = NULL;
    const char *path = tmp_path("bad.shard");
    SK_CHECK(sk_shard_writer_open(&w, path, 1, "{\"pad_token\": 0, \"pad_rule\": \"none\"}") == SK_EINVAL &&
                 strstr(sk_errmsg(), "vocab"),
             "missing vocab: %s", sk_errmsg());
    SK_CHECK(sk_shard_writer_open(&w, path, 1, "{\"vocab\": {\"size\": 4}, \"pad_rule\": \"none\"}") == SK_EINVAL &&
                 strstr(sk_errmsg(), "pad_token"),
             "missing pad_token");
    SK_CHECK(sk_shard_writer_open(&w, path, 1, "{\"vocab\": {\"size\": 4}, \"pad_token\": 0, \"pad_rule\": \"x\"}") ==
                 SK_EINVAL && strstr(sk_errmsg(), "pad_rule"),
             "bad pad_rule");
    SK_CHECK(sk_shard_writer_open(&w, path, 1, "{\"vocab\": {\"size\": 300}, \"pad_token\": 0, \"pad_rule\": \"none\"}") ==
                 SK_EINVAL && strstr(sk_errmsg(), "300"),
             "vocab too large for u8");
    SK_CHECK(sk_shard_writer_open(&w, path, 3, meta8) == SK_EINVAL, "token width 3");
    SK_CHECK(sk_shard_writer_open(&w, "/nonexistent-dir/x.shard", 1, meta8) == SK_EIO &&
                 strstr(sk_errmsg(), "/nonexistent-dir/x.shard") && w == NULL,
             "unwritable folder: %s", sk_errmsg());
    SK_CHECK(sk_shard_writer_open(&w, path, 1, "{oops") != 0 && strstr(sk_errmsg(), path), "meta not JSON");
    SK_CHECK(sk_shard_writer_open(&w, path, 2, meta16) == 0, "open");
    uint16_t toks[3] = {1, 6, 2};
    SK_CHECK(sk_shard_writer_add(w, toks, 3, 0, 0) == SK_EINVAL && strstr(sk_errmsg(), "outside the vocabulary"),
             "token beyond vocab: %s", sk_errmsg());
    SK_CHECK(sk_shard_writer_add(w, toks, 1, 0, 3) == SK_EINVAL && sk_shard_writer_add(w, toks, 1, -2, 0) == SK_EINVAL,
             "bad split / label");
    sk_shard_writer_abort(w);
    SK_CHECK(access(path, F_OK) != 0, "aborted writer leaves no file");
}

/* Count the writer's temporary files (".NAME.tmp.*") left in dir. */
static int count_tmp(const char *name, int64_t *bytes) {
    DIR *d = opendir(dir);
    int n = 0;
    char prefix[300];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", name);
    for (struct dirent *e; d && (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            struct stat st;
            if (!stat(tmp_path(e->d_name), &st)) *bytes += st.st_size;
            unlink(tmp_path(e->d_name));
            n++;
        }
    if (d) closedir(d);
    return n;
}

static void test_killed_writer(void) {
    const char *path = tmp_path("killed.shard");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sk_shard_writer *w;
        if (sk_shard_writer_open(&w, path, 1, meta8)) _exit(3);
        static uint8_t toks[1 << 16];
        for (int e = 0; e < 8; e++)
            if (sk_shard_writer_add(w, toks, sizeof toks, -1, 0)) _exit(4);
        raise(SIGKILL);   /* dies before commit */
        _exit(5);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    SK_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child killed by SIGKILL (status %d)", status);
    SK_CHECK(access(path, F_OK) != 0, "no file under the final name after a killed writer");
    int64_t bytes = 0;
    int n = count_tmp("killed.shard", &bytes);
    /* the child really wrote: its temporary file is there and holds data */
    SK_CHECK(n == 1 && bytes > 100000, "killed writer's temp file: %d files, %lld bytes", n, (long long)bytes);
}

static void expect_bad(const char *path, int code, const char *what, const char *needle) {
    sk_shard *s = (sk_shard *)1;
    int rc = sk_shard_open(path, &s);
    SK_CHECK(rc == code && s == NULL, "%s: code %d, want %d (%s)", what, rc, code, sk_errmsg());
    SK_CHECK(strstr(sk_errmsg(), path) != NULL, "%s: message names the file: %s", what, sk_errmsg());
    SK_CHECK(strstr(sk_errmsg(), needle) != NULL, "%s: message '%s' lacks '%s'", what, sk_errmsg(), needle);
    if (!rc) sk_shard_close(s);
}

/* Copy the good u16 shard with `n` bytes kept and `patch` applied at `at` (patch may be NULL). */
static const char *variant(const char *name, int64_t n, int64_t at, const void *patch, size_t plen) {
    char *f;
    int64_t len;
    if (sk_read_file(tmp_path("u16.shard"), &f, &len)) return "missing";
    if (patch) memcpy(f + at, patch, plen);
    const char *path = tmp_path(name);
    FILE *o = fopen(path, "wb");
    fwrite(f, 1, (size_t)(n < 0 ? len : n), o);
    fclose(o);
    free(f);
    return path;
}

static void test_corrupt(void) {
    char *f;
    int64_t len;
    if (sk_read_file(tmp_path("u16.shard"), &f, &len)) {
        SK_CHECK(0, "no good shard");
        return;
    }
    const uint8_t *p = (const uint8_t *)f;
    int64_t dof = (int64_t)le(p + 48, 8), iof = (int64_t)le(p + 56, 8);
    free(f);
    expect_bad(variant("magic.shard", -1, 0, "RIFF", 4), SK_EFORMAT, "wrong magic", "ssmkit audio prep");
    expect_bad(variant("text.shard", -1, 0, "hello wo", 8), SK_EFORMAT, "text file", "not an ssmkit token shard");
    uint8_t v2[4] = {2, 0, 0, 0};
    expect_bad(variant("v2.shard", -1, 8, v2, 4), SK_EUNSUP, "newer version", "newer ssmkit");
    expect_bad(variant("v2b.shard", -1, 8, v2, 4), SK_EUNSUP, "newer version", "upgrade");
    uint8_t w3[4] = {3, 0, 0, 0};
    expect_bad(variant("w3.shard", -1, 12, w3, 4), SK_EFORMAT, "token width 3", "token width 3");
    /* truncated at several points: inside the magic, the header, the metadata, the data, the index */
    int64_t cuts[] = {0, 5, 40, 70, dof + 3, iof - 1, iof + 30, len - 1};
    const char *needles[] = {"empty file", "truncated", "truncated", "truncated", "truncated", "truncated", "truncated", "truncated"};
    for (int i = 0; i < 8; i++) {
        char name[64], what[64];
        snprintf(name, sizeof name, "cut%d.shard", i);
        snprintf(what, sizeof what, "cut at %lld of %lld", (long long)cuts[i], (long long)len);
        expect_bad(variant(name, cuts[i], 0, NULL, 0), SK_EFORMAT, what, needles[i]);
    }
    /* extra bytes appended */
    const char *extra = variant("extra.shard", -1, 0, NULL, 0);
    FILE *o = fopen(extra, "ab");
    fputs("junk", o);
    fclose(o);
    expect_bad(extra, SK_EFORMAT, "trailing bytes", "after the index");
    /* index record 3 pointing beyond the data, with an offset and with a length */
    uint8_t big[8] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
    expect_bad(variant("idx_off.shard", -1, iof + 3 * 24, big, 8), SK_EFORMAT, "index offset beyond data", "record 3");
    expect_bad(variant("idx_len.shard", -1, iof + 3 * 24 + 8, big, 8), SK_EFORMAT, "index length beyond data",
               "beyond the data");
    uint8_t huge[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_bad(variant("idx_wrap.shard", -1, iof + 3 * 24 + 8, huge, 8), SK_EFORMAT, "index length 2^64-1", "record 3");
    uint8_t split9 = 9;
    expect_bad(variant("split.shard", -1, iof + 2 * 24 + 20, &split9, 1), SK_EFORMAT, "bad split", "record 2");
    /* header sizes that claim more than the file has */
    expect_bad(variant("ntok.shard", -1, 24, huge, 8), SK_EFORMAT, "token count beyond file", "truncated");
    expect_bad(variant("nex.shard", -1, 16, big, 8), SK_EFORMAT, "example count beyond file", "truncated");
    expect_bad(variant("mlen.shard", -1, 40, huge, 8), SK_EFORMAT, "meta length beyond file", "truncated");
    /* metadata without pad_rule (same length: rename the key) */
    const char *m = strstr(meta16, "pad_rule");
    expect_bad(variant("nometa.shard", -1, 64 + (m - meta16), "pad_XXXX", 8), SK_EFORMAT, "missing pad_rule", "pad_rule");
}

/* Every single-byte corruption of the good u16 shard opens cleanly or fails with a message naming
 * the file; when it opens, every example reads within bounds (ASan checks the accesses). */
static void test_byte_corruptions(void) {
    char *f;
    int64_t len;
    if (sk_read_file(tmp_path("u16.shard"), &f, &len)) {
        SK_CHECK(0, "no good shard");
        return;
    }
    static const uint8_t vals[] = {0, 0xff, 0x80, 1, 9};
    const char *path = tmp_path("corrupt.shard");
    int bad = 0, opened = 0;
    for (int64_t i = 0; i < len; i++)
        for (size_t v = 0; v < sizeof vals; v++) {
            uint8_t old = (uint8_t)f[i];
            f[i] = (char)vals[v];
            FILE *o = fopen(path, "wb");
            fwrite(f, 1, (size_t)len, o);
            fclose(o);
            f[i] = (char)old;
            sk_shard *s;
            int rc = sk_shard_open(path, &s);
            if (rc == 0) {
                opened++;
                int32_t t[256];
                for (int64_t e = 0; e < sk_shard_count(s); e++) {
                    sk_shard_example x = sk_shard_get(s, e);
                    if (x.length <= 256 && sk_shard_read(s, e, 0, x.length, t)) bad++;
                }
                sk_shard_close(s);
            } else if ((rc != SK_EFORMAT && rc != SK_EUNSUP) || !strstr(sk_errmsg(), path)) {
                if (bad++ < 5) fprintf(stderr, "byte %lld = %d: code %d: %s\n", (long long)i, vals[v], rc, sk_errmsg());
            }
        }
    SK_CHECK(bad == 0 && opened > 0, "%d byte corruptions handled badly (%d opened)", bad, opened);
    free(f);
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/sk_shard_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    test_round_trip(1);
    test_round_trip(2);
    test_writer_errors();
    test_killed_writer();
    test_corrupt();
    test_byte_corruptions();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return sk_test_finish("test_shard");
}
