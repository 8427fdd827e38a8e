/* err.h: the error convention of every library function in ppo.
 *
 * A function that can fail returns 0 on success and -1 on failure, and fills a caller's Err with
 * one line that names what is at fault (file, line, key, value) and, where it helps, a hint.
 * The Err also carries the failure's kind, which decides the exit code: bad input (a config, a
 * file or an option the user gave: exit 2) or a failed run (a write, memory, a NaN: exit 1).
 * Only main() and the command functions print an Err and decide the exit code (redis / sds
 * style). */
#ifndef PPO_ERR_H
#define PPO_ERR_H

#include <stdbool.h>
#include <stddef.h>

#define ERR_LEN 1024

typedef enum ErrKind {
    ERR_FAILED = 0, /* the run failed: a write, memory, a NaN, a lost peer (exit 1) */
    ERR_INPUT = 1,  /* the input is at fault: a config, a file, an option (exit 2) */
    ERR_SETUP = 2,  /* the machine lacks what the command needs: a display for a window (exit 2) */
} ErrKind;

typedef struct Err {
    char msg[ERR_LEN];
    ErrKind kind;
    bool elsewhere; /* under MPI: another rank prints this failure, so this one prints nothing */
} Err;

/* Formats a message into err (truncated to ERR_LEN - 1 bytes; err may be NULL) with kind
 * ERR_FAILED and returns -1, so a failing function can end with `return err_set(err, ...);`. */
int err_set(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As err_set, with kind ERR_INPUT: the input is at fault. */
int err_input(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As err_set, with kind ERR_SETUP: the machine lacks something (a display). */
int err_setup(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Marks the failure already in err as bad input (ERR_INPUT), for a caller that knows the
 * input is at fault where the callee could not (e.g. a folder named by the config that cannot
 * be made). Returns -1. */
int err_as_input(Err *err);

/* Puts "prefix: " in front of the message already in err (for adding a file or key name
 * on the way up); keeps its kind. Returns -1. */
int err_prefix(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends "; " and the formatted text to the message already in err (a hint or what was kept);
 * keeps its kind. Returns -1. */
int err_suffix(Err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The process exit code for a failure: 2 for ERR_INPUT and ERR_SETUP, 1 for ERR_FAILED. */
int err_exit_code(const Err *err);

#endif
