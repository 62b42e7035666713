/* test_guard.c — src/sk_guard.h: an output is refused when it is an input by the same name, by
 * another spelling of its path, through a symbolic or a hard link, or as a side file (allowed
 * through sk_guard_output_side), and a file not made yet is matched by its resolved path; other
 * outputs pass. The run lock: a second taker is refused with the holder's pid, the lock file is
 * removed on release and can be taken again. sk_tmp_sweep removes the temporary files of a pid
 * that has ended and keeps a live one's, one without a pid and another name's. sk_afile names its
 * temporary file with this process's pid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "src/sk_guard.h"
#include "src/sk_io.h"
#include "tests/sk_test.h"

static char dir[] = "/tmp/sk_guard_XXXXXX";

static const char *at(const char *name) {
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void touch(const char *path) {
    FILE *f = fopen(path, "w");
    if (f) fputs("x\n", f), fclose(f);
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

int main(void) {
    if (!mkdtemp(dir)) return 1;
    char cwd[512];
    if (!getcwd(cwd, sizeof cwd) || chdir(dir) != 0) return 1;
    mkdir("sub", 0755);
    touch("in.txt");
    SK_CHECK(symlink("in.txt", "sym.txt") == 0, "symlink");
    SK_CHECK(link("in.txt", "hard.txt") == 0, "link");
    touch("g.fa");

    SK_CHECK(sk_guard_output("in.txt") == SK_OK, "nothing registered: any output");
    SK_CHECK(sk_guard_input("in.txt") == SK_OK, "register");
    SK_CHECK(sk_guard_input_side("g.fa", ".fai") == SK_OK, "register with a side file");
    SK_CHECK(sk_guard_input("later.txt") == SK_OK, "register a file not made yet");
    SK_CHECK(sk_guard_input("-") == SK_OK, "stdin: nothing");

    SK_CHECK(sk_guard_output("in.txt") != SK_OK, "the same name");
    SK_CHECK(strstr(sk_errmsg(), "in.txt: is also an input (in.txt); refusing to overwrite it") != NULL, "%s",
             sk_errmsg());
    SK_CHECK(sk_guard_output("./sub/../in.txt") != SK_OK, "another spelling");
    SK_CHECK(sk_guard_output(at("in.txt")) != SK_OK, "the absolute path");
    SK_CHECK(sk_guard_output("sym.txt") != SK_OK, "a symbolic link to it");
    SK_CHECK(sk_guard_output("hard.txt") != SK_OK, "a hard link of it");
    SK_CHECK(sk_guard_output("sub/../later.txt") != SK_OK, "a file not made yet, by its resolved path");
    SK_CHECK(sk_guard_output("g.fa") != SK_OK, "the input of a side file");
    SK_CHECK(sk_guard_output("g.fa.fai") != SK_OK, "a side file");
    SK_CHECK(strstr(sk_errmsg(), "(g.fa.fai, beside g.fa)") != NULL, "%s", sk_errmsg());
    SK_CHECK(sk_guard_output_side("g.fa.fai") == SK_OK, "the side file by its writer");
    SK_CHECK(sk_guard_output_side("in.txt") != SK_OK, "an input, even by the writer of side files");
    SK_CHECK(sk_guard_output("out.txt") == SK_OK, "another file");
    SK_CHECK(sk_guard_output("sub/in.txt") == SK_OK, "the same name in another folder");
    SK_CHECK(sk_guard_output("-") == SK_OK, "stdout");

    /* atomic writes refuse too, and leave the input as it was */
    SK_CHECK(sk_write_file_atomic("sym.txt", "new", 3) != SK_OK, "sk_afile refuses an input");
    char *text = NULL;
    int64_t len = 0;
    SK_CHECK(sk_read_file("in.txt", &text, &len) == SK_OK && len == 2 && !memcmp(text, "x\n", 2), "input kept");
    free(text);
    sk_afile af;
    SK_CHECK(sk_afile_open(&af, "new.txt") == SK_OK, "open");
    char want[64];
    snprintf(want, sizeof want, ".new.txt.tmp.%ld.", (long)getpid());
    SK_CHECK(!strncmp(af.tmp, want, strlen(want)) && strlen(af.tmp) == strlen(want) + 6,
             "temporary name %s carries the pid", af.tmp);
    SK_CHECK(sk_guard_input("new.txt") == SK_OK, "an input registered after the open");
    SK_CHECK(sk_afile_commit(&af) != SK_OK, "is refused at the commit");
    SK_CHECK(!exists("new.txt"), "nothing under the final name");
    sk_guard_clear();
    SK_CHECK(sk_guard_output("in.txt") == SK_OK, "cleared");

    /* the run lock */
    sk_lock *a = NULL, *b = NULL;
    SK_CHECK(sk_lock_take("sub/run", &a) == SK_OK && a, "take");
    SK_CHECK(exists("sub/run.lock"), "the lock file");
    SK_CHECK(sk_lock_take("sub/run", &b) != SK_OK && !b, "a second taker is refused");
    snprintf(want, sizeof want, "sub/run: is being written by another ssmkit (pid %ld)", (long)getpid());
    SK_CHECK(strstr(sk_errmsg(), want) != NULL, "%s", sk_errmsg());
    sk_lock_release(a);
    SK_CHECK(!exists("sub/run.lock"), "removed on release");
    SK_CHECK(sk_lock_take("sub/run", &b) == SK_OK && b, "taken again");
    sk_lock_release(b);
    touch("sub/stale.lock"); /* left by a holder that died: no lock on it */
    SK_CHECK(sk_lock_take("sub/stale", &a) == SK_OK && a, "a stale lock file blocks nothing");
    sk_lock_release(a);

    /* temporary files */
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0); /* a pid that has ended */
    char dead1[128], dead2[128], live[128];
    snprintf(dead1, sizeof dead1, "sub/.m.safetensors.tmp.%ld.abc123", (long)child);
    snprintf(dead2, sizeof dead2, "sub/.m.train.safetensors.tmp.%ld.abc123", (long)child);
    snprintf(live, sizeof live, "sub/.m.best.safetensors.tmp.%ld.abc123", (long)getpid());
    const char *nopid = "sub/.m.safetensors.tmp.Ab1234", *other = "sub/.mx.safetensors.tmp.1.abc123";
    char otherdead[128];
    snprintf(otherdead, sizeof otherdead, "sub/.n.safetensors.tmp.%ld.abc123", (long)child);
    const char *all[] = {dead1, dead2, live, nopid, other, otherdead};
    for (int i = 0; i < 6; i++) touch(all[i]);
    SK_CHECK(sk_tmp_sweep("sub/m.") == 2, "two removed");
    SK_CHECK(!exists(dead1) && !exists(dead2), "the dead writer's files are gone");
    SK_CHECK(exists(live) && exists(nopid) && exists(otherdead), "live, pid-less and another name's stay");
    for (int i = 0; i < 6; i++) unlink(all[i]);

    if (chdir(cwd) != 0) return 1;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return sk_test_finish("test_guard");
}
