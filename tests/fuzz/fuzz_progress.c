/* fuzz_progress.c: libFuzzer target for the progress.csv reader (`make fuzz`).
 *
 * The input is the text of a progress.csv. progress_read takes a path, so the bytes are
 * written to a memory file (memfd, made once per process) and read back through its
 * /proc/self/fd/N path, asking for the columns `ppo plot` asks for (viewer/plot.c COL_NAMES).
 * Any crash, sanitizer report, leak or timeout is a bug; a refusal (return -1 with a message)
 * is fine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run/progress.h"

static const char *const COLUMNS[] = {"return_mean", "policy_loss", "value_loss", "entropy",
                                      "approx_kl"};
#define N_COLUMNS (int)(sizeof COLUMNS / sizeof COLUMNS[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = (int)syscall(SYS_memfd_create, "progress.csv", 0u);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("writing the memory file");
        abort();
    }
    ProgressTable t;
    Err err;
    if (progress_read(path, COLUMNS, N_COLUMNS, &t, &err) == 0) progress_table_free(&t);
    return 0;
}
