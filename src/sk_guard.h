/* sk_guard.h — what keeps one ssmkit run from destroying files: its inputs, another run's files and
 * the temporary files of writers that died.
 *
 * Inputs. A command registers the files it reads (the ssmkit front-end does it for every file named
 * on the command line that is not an output). Every output is then checked against them before
 * anything is written: sk_afile_open and sk_afile_commit (src/sk_io.h) and the JSON-lines log
 * (src/sk_jsonl.h) call sk_guard_output, so an output that is the same file as an input fails with
 *     OUT: is also an input (IN); refusing to overwrite it
 * and the input is left as it was. "The same file": the same device and inode when both exist
 * (hard links, symbolic links, "./x" and "x"), else the same resolved path (the real path of the
 * folder plus the last name). A registered input may also bring side files, the names beside it
 * that some writer makes from it (PATH.fai, PATH.gzi of a FASTA): no output may be one of them
 * either, except through sk_guard_output_side, which the writer of those side files uses.
 *
 * Run lock. A long run that owns a set of files STEM.* (`train`, `finetune`) holds STEM.lock: a
 * file with the holder's pid under an exclusive flock, so a second run on the same STEM fails with
 *     STEM: is being written by another ssmkit (pid N)
 * while a holder that died (even by kill -9) blocks nothing: the kernel drops its lock. On a file
 * system without locks the run goes on after a warning that says a second run is not detected.
 *
 * Temporary files. An atomic write goes to ".NAME.tmp.PID.XXXXXX" beside NAME (PID: the writer's
 * process id). sk_tmp_sweep removes the ones whose writer is no longer alive; a live process's
 * temporary file (or one without a pid in its name) is never touched.
 */
#ifndef SK_GUARD_H
#define SK_GUARD_H

#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register an input of this process ("-" and NULL: nothing). Its device and inode are taken now
 * when it exists; its resolved path in any case. */
int sk_guard_input(const char *path) SK_RESULT_USED;
/* Register PATH + suffix (e.g. ".fai") as a side file of the input PATH. */
int sk_guard_input_side(const char *path, const char *suffix) SK_RESULT_USED;
/* SK_OK when `path` is no input (nor side file of one) of this process; "-" is stdout: SK_OK. */
int sk_guard_output(const char *path) SK_RESULT_USED;
/* The same, but side files may be written (the writer of indexes beside their input). */
int sk_guard_output_side(const char *path) SK_RESULT_USED;
/* Forget every input (tests). */
void sk_guard_clear(void);

/* The run lock STEM.lock (see above). The lock file itself is checked as an output. */
typedef struct sk_lock sk_lock;
int sk_lock_take(const char *stem, sk_lock **out) SK_RESULT_USED;
/* Remove STEM.lock and drop the lock (NULL: nothing). */
void sk_lock_release(sk_lock *l);

/* Remove the temporary files ".<base>*.tmp.PID.*" in the folder of `prefix` ("DIR/base") whose PID
 * is not a live process; returns how many were removed. */
int sk_tmp_sweep(const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
