/* err.h: the error convention of every library function in ppo.
 *
 * A function that can fail returns 0 on success and -1 on failure, and fills a caller's Err with
 * one line that names what is at fault (file, line, key, value) and, where it helps, a hint.
 * Only main() prints an Err and decides the exit code (redis / sds style). */
#ifndef PPO_ERR_H
#define PPO_ERR_H

#include <stddef.h>

#define ERR_LEN 1024

typedef struct Err {
    char msg[ERR_LEN];
} Err;

/* Formats a message into err (truncated to ERR_LEN - 1 bytes; err may be NULL) and returns -1,
 * so a failing function can end with `return err_set(err, "...", ...);`. */
int err_set(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts "prefix: " in front of the message already in err (for adding a file or key name
 * on the way up). Returns -1. */
int err_prefix(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
