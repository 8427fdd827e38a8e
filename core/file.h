/* file.h: the file I/O every layer shares: reading a whole file, writing one atomically, making
 * folders. Paths are NUL-terminated; a path buffer holds PATH_LEN bytes.
 *
 * Errors follow err.h; a file the user named that cannot be read is bad input (ERR_INPUT), a
 * write that fails is a failed run (ERR_FAILED). Messages start with the path. */
#ifndef PPO_FILE_H
#define PPO_FILE_H

#include <limits.h>
#include <stddef.h>

#include "core/err.h"

#define PATH_LEN PATH_MAX /* bytes of every path buffer, NUL included (4096 on Linux) */

/* Formats a path into out [PATH_LEN] as snprintf does. Errors: the path would not fit
 * (ERR_FAILED, "path too long", naming its beginning). */
int file_path(char *out, Err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reads the whole file at path (a regular file, or a pipe) into a new buffer *data [*len + 1],
 * NUL-terminated so that text parsers can use it as a string; free it with free(). `what` names
 * the file's role in messages ("config", "map file", "checkpoint"). Errors (ERR_INPUT): the
 * file cannot be opened (the message has strerror), is a directory, holds more than max_bytes,
 * cannot be read; out of memory (ERR_FAILED). */
int file_read(const char *path, const char *what, size_t max_bytes, char **data, size_t *len,
              Err *err);

/* Writes size bytes of data to path atomically: a temp file PATH.tmp.PID in the same folder,
 * fsync, rename over path, fsync of the folder; a crash leaves the old file or the new one,
 * never a torn one. On failure the temp file is removed. Errors (ERR_FAILED, naming the
 * path and strerror): the folder is not writable, the disk is full, fsync or rename fail. */
int file_write_atomic(const char *path, const void *data, size_t size, Err *err);

/* Checks before any work that a file can be written at path by file_write_atomic: path is not a
 * folder and a file can be made beside it (its temp file is made and removed). `what` names
 * it in messages ("--csv", "-o"). Errors (ERR_INPUT): a folder, no such folder, no permission. */
int file_check_writable(const char *path, const char *what, Err *err);

/* Makes the folder path and any missing parents (as mkdir -p, mode 0755); a folder that exists
 * is fine. Errors, naming the component at fault: it exists and is not a folder (ERR_INPUT);
 * mkdir fails (ERR_FAILED). */
int file_mkdirs(const char *path, Err *err);

#endif
