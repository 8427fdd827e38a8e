/* file.c: whole-file reads, atomic writes and folders (see file.h). */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_path(char *out, Err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= PATH_LEN) return err_set(err, "%.80s...: path too long (at most %d bytes)", out, PATH_LEN - 1);
    return 0;
}

int file_read(const char *path, const char *what, size_t max_bytes, char **data, size_t *len,
              Err *err) {
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return err_input(err, "%s: cannot open the %s: %s", path, what, strerror(errno));
    struct stat st;
    bool regular = false;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fclose(f);
            return err_input(err, "%s: is a directory, not a %s", path, what);
        }
        regular = S_ISREG(st.st_mode);
    }
    if (regular && (uintmax_t)st.st_size > max_bytes) {
        fclose(f);
        return err_input(err, "%s: %jd bytes is too large for a %s (at most %zu)", path,
                         (intmax_t)st.st_size, what, max_bytes);
    }
    /* A regular file in one piece of its size; a pipe in pieces that grow. One byte read past
     * max_bytes tells a pipe that is too long. */
    size_t cap = regular ? (size_t)st.st_size + 1 : 1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            fclose(f);
            return err_set(err, "%s: out of memory reading the %s (%zu bytes)", path, what, cap);
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (used > max_bytes) {
            free(buf);
            fclose(f);
            return err_input(err, "%s: more than %zu bytes: too large for a %s", path, max_bytes, what);
        }
        if (got == 0) break;
        if (used == cap) {
            cap = cap > max_bytes / 2 ? max_bytes + 1 : 2 * cap;
            char *grown = realloc(buf, cap + 1);
            if (!grown) free(buf);
            buf = grown;
        }
    }
    int failed = ferror(f), e = errno;
    fclose(f);
    if (failed) {
        free(buf);
        return err_input(err, "%s: cannot read the %s: %s", path, what, strerror(e));
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

/* The temp file of an atomic write of path: PATH.tmp.PID (what a run folder's cleaning looks for). */
static int temp_name(char *tmp, const char *path, Err *err) {
    return file_path(tmp, err, "%s.tmp.%ld", path, (long)getpid());
}

int file_check_writable(const char *path, const char *what, Err *err) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return err_input(err, "%s %s is a directory", what, path);
    char tmp[PATH_LEN];
    if (temp_name(tmp, path, err)) return err_as_input(err);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return err_input(err, "%s %s: cannot write there: %s", what, path, strerror(errno));
    close(fd);
    unlink(tmp);
    return 0;
}

int file_write_atomic(const char *path, const void *data, size_t size, Err *err) {
    char tmp[PATH_LEN];
    if (temp_name(tmp, path, err)) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return err_set(err, "%s: cannot create its temp file %s: %s", path, tmp, strerror(errno));
    const uint8_t *p = data;
    size_t left = size;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return err_set(err, "%s: write failed: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return err_set(err, "%s: fsync failed: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return err_set(err, "%s: close failed: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return err_set(err, "%s: rename failed: %s", path, strerror(e));
    }
    char dir[PATH_LEN];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* make the rename itself durable */
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* mkdir of one folder: made, or there already as a folder. */
static int make_folder(const char *path, Err *err) {
    if (mkdir(path, 0755) == 0) return 0;
    if (errno != EEXIST) return err_set(err, "%s: cannot create folder: %s", path, strerror(errno));
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_input(err, "%s: exists and is not a folder", path);
    return 0;
}

int file_mkdirs(const char *path, Err *err) {
    char tmp[PATH_LEN];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return err_set(err, "%s: path too long", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (make_folder(tmp, err)) return -1;
        *p = '/';
    }
    return make_folder(tmp, err);
}
