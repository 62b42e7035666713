/* fuzz_file.h — the fuzz input as a file the readers open by path.
 *
 * The readers under test (safetensors, token shards, config files) take a path and map or read
 * the file, exactly as the command line does. fuzz_file writes the input into one anonymous
 * in-memory file (memfd) and returns a path to it ("/proc/self/fd/N"), so each harness calls the
 * same entry point as the program, with no second parser and no disk traffic.
 */
#ifndef SK_FUZZ_FILE_H
#define SK_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* slot: 0 or 1 (two files can be live at once). Aborts on a system error (not a finding). */
const char *fuzz_file(int slot, const uint8_t *data, size_t size);

#endif
