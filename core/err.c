/* err.c: formatting of the one-line error messages described in err.h. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int err_vset(Err *err, ErrKind kind, const char *fmt, va_list ap) {
    if (!err) return -1;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    err->kind = kind;
    err->elsewhere = false;
    return -1;
}

int err_set(Err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, ERR_FAILED, fmt, ap);
    va_end(ap);
    return -1;
}

int err_input(Err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, ERR_INPUT, fmt, ap);
    va_end(ap);
    return -1;
}

int err_setup(Err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, ERR_SETUP, fmt, ap);
    va_end(ap);
    return -1;
}

int err_as_input(Err *err) {
    if (err) err->kind = ERR_INPUT;
    return -1;
}

int err_prefix(Err *err, const char *fmt, ...) {
    if (!err) return -1;
    char old[ERR_LEN];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    size_t used = k < 0 ? 0 : (size_t)k < sizeof err->msg ? (size_t)k : sizeof err->msg - 1;
    const char *parts[2] = {": ", old};
    for (int p = 0; p < 2; p++)
        for (const char *c = parts[p]; *c && used + 1 < sizeof err->msg; c++) err->msg[used++] = *c;
    err->msg[used] = '\0';
    return -1;
}

int err_suffix(Err *err, const char *fmt, ...) {
    if (!err) return -1;
    size_t used = strlen(err->msg);
    if (used + 2 < sizeof err->msg) {
        memcpy(err->msg + used, "; ", 3);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg + used + 2, sizeof err->msg - used - 2, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int err_exit_code(const Err *err) { return err->kind == ERR_FAILED ? 1 : 2; }
