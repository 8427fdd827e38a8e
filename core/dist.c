/* dist.c: MPI ranks and collectives (see dist.h). Compiled with -DPPO_MPI (and Open MPI's
 * headers) when the build has MPI; the one-process world otherwise. The parts both builds
 * share come first. */
#include "core/dist.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PPO_MPI
#include <mpi.h>
#endif

struct Dist {
    int rank, size;
    int local_size;    /* ranks on this host */
    bool mpi;          /* MPI_Init was called */
    bool failed;       /* a collective failed: later ones fail at once, finalize aborts */
    char error[ERR_LEN];
#ifdef PPO_MPI
    MPI_Comm comm;     /* a duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN */
#endif
};

int dist_rank(const Dist *d) { return d ? d->rank : 0; }
int dist_size(const Dist *d) { return d ? d->size : 1; }
bool dist_launched(const Dist *d) { return d && d->mpi; }
int dist_local_size(const Dist *d) { return d && d->local_size > 0 ? d->local_size : 1; }
const char *dist_error(const Dist *d) { return d && d->failed ? d->error : NULL; }

/* The one-process world: a copy from send to recv when they differ. */
static void copy_local(const void *send, size_t bytes, void *recv) {
    if (bytes && recv != send) memmove(recv, send, bytes);
}

int dist_agree(Dist *d, int code, int *n_failed, Err *err) {
    const int size = dist_size(d);
    if (size == 1) {
        if (n_failed) *n_failed = code != 0;
        return code;
    }
    /* The largest code, and how many ranks failed: two tiny collectives, no allocation (that
     * could fail on one rank and leave the others waiting). */
    Err scratch; /* keeps a failing rank's own message in err */
    Err *e = code ? &scratch : err;
    int worst = code;
    double failed = code != 0;
    if (dist_max_int(d, &worst, 1, e) || dist_sum_double(d, &failed, 1, e)) return code ? code : 1;
    if (n_failed) *n_failed = (int)failed;
    return worst;
}

int dist_agree_err(Dist *d, int rc, Err *err) {
    const int code = rc == 0 ? 0 : err && err->kind == ERR_INPUT ? 2 : 1;
    int n_failed = 0, worst = dist_agree(d, code, &n_failed, err);
    if (worst == 0) return 0;
    bool elsewhere = false;
    if (!dist_error(d)) { /* else the agreement itself failed: every rank says so */
        if (code == 0) {
            err_set(err, "stopped because another rank failed (its message says why)");
            elsewhere = true;
        } else {
            elsewhere = n_failed == dist_size(d) && dist_rank(d) != 0;
        }
    }
    if (err) {
        err->kind = worst == 2 ? ERR_INPUT : ERR_FAILED;
        err->elsewhere = elsewhere;
    }
    return -1;
}

int dist_check_same(Dist *d, uint64_t value, const char *what, Err *err) {
    const int size = dist_size(d);
    if (size == 1) return 0;
    /* All equal iff max == min for both 32-bit halves; min(x) = ~max(~x) in two's complement. */
    int32_t hi = (int32_t)(uint32_t)(value >> 32), lo = (int32_t)(uint32_t)value;
    int v[4] = {hi, lo, ~hi, ~lo};
    if (dist_max_int(d, v, 4, err)) return -1;
    if (v[0] == ~v[2] && v[1] == ~v[3]) return 0;
    /* They differ (every rank knows it): name the values, for up to 64 ranks. */
    uint64_t all[64];
    char list[ERR_LEN / 2] = "";
    if (size <= 64) {
        if (dist_allgather(d, &value, sizeof value, all, err)) return -1;
        size_t used = 0;
        for (int r = 0; r < size && used + 40 < sizeof list; r++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s rank %d %016" PRIx64,
                                     r ? "," : ":", r, all[r]);
    }
    return err_set(err, "%s differ between the ranks%s", what, list);
}

/* Whether a launcher started this process (see dist.h). */
static bool launched(void) {
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return true;
    return false;
}

bool dist_launcher_variable(const char *entry) {
    const char *prefixes[] = {"OMPI_", "PMIX_", "PMI_", "OPAL_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0) return true;
    return false;
}

#ifdef PPO_MPI
/* ---- with MPI ------------------------------------------------------------------------------ */

bool dist_available(void) { return true; }

/* Records a failed MPI call: the message goes to err and stays in d (sticky). */
static int fail(Dist *d, int rc, const char *call, Err *err) {
    if (!d->failed) {
        char text[MPI_MAX_ERROR_STRING];
        int len = 0;
        if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "error %d", rc);
        snprintf(d->error, sizeof d->error,
                 "%s failed: %s (another rank has probably died or lost its network; its own "
                 "message, or mpirun's, says why)", call, text);
        d->failed = true;
    }
    return err_set(err, "%s", d->error);
}

/* Refuses a call on a failed Dist or with a count MPI cannot express. */
static int check(Dist *d, size_t n, const char *call, Err *err) {
    if (d->failed) return err_set(err, "%s", d->error);
    if (n > INT_MAX)
        return err_set(err, "rank %d: %s of %zu elements is more than MPI's int count allows", d->rank,
                       call, n);
    return 0;
}

int dist_init(Dist **out, Err *err) {
    *out = NULL;
    Dist *d = calloc(1, sizeof *d);
    if (!d) return err_set(err, "out of memory");
    d->size = 1;
    if (!launched()) {
        *out = d;
        return 0;
    }
    /* A rank waiting in a collective yields its core instead of spinning on it, unless the user
     * chose otherwise (mpirun --mca mpi_yield_when_idle 0 sets this variable): the rank waited
     * for may need that core, and on a shared machine spinning made 2 ranks 3x slower. */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    /* Open MPI 4's shared-memory transport copies large messages between processes with
     * process_vm_readv, which containers (Docker without CAP_SYS_PTRACE) forbid: every such
     * message then fails with "Read -1, expected ..., errno = 1" (open-mpi/ompi#4948). ppo's
     * messages are small (a gradient, a checkpoint's envs), so copying through the shared
     * segment instead costs nothing measurable; a user's own setting wins. */
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    int provided = 0, rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
        free(d);
        return err_set(err, "MPI_Init_thread failed (error %d); is this binary run by the mpirun of "
                       "the MPI it was built with?", rc);
    }
    d->mpi = true;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        free(d);
        return err_set(err, "the MPI library gives thread level %d, ppo needs MPI_THREAD_FUNNELED", provided);
    }
    rc = MPI_Comm_dup(MPI_COMM_WORLD, &d->comm);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_set_errhandler(d->comm, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_rank(d->comm, &d->rank);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_size(d->comm, &d->size);
    MPI_Comm local;
    if (rc == MPI_SUCCESS) rc = MPI_Comm_split_type(d->comm, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL, &local);
    if (rc == MPI_SUCCESS) {
        rc = MPI_Comm_size(local, &d->local_size);
        MPI_Comm_free(&local);
    }
    if (rc != MPI_SUCCESS) {
        fail(d, rc, "MPI_Comm_dup", err);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return -1;
    }
    *out = d;
    return 0;
}

int dist_finalize(Dist *d, int code) {
    if (!d) return code;
    if (d->mpi) {
        if (d->failed) MPI_Abort(MPI_COMM_WORLD, code ? code : 1);
        MPI_Comm_free(&d->comm);
        MPI_Finalize();
    }
    free(d);
    return code;
}

void dist_describe(const Dist *d, char *buf, size_t cap) {
    if (!d || !d->mpi) {
        snprintf(buf, cap, "1 process (%s)", "MPI built in, not launched by mpirun");
        return;
    }
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    lib[strcspn(lib, ",\n")] = '\0'; /* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4" */
    snprintf(buf, cap, "%d rank%s (%s)", d->size, d->size == 1 ? "" : "s", lib);
}

int dist_sum_float(Dist *d, float *x, size_t n, Err *err) {
    if (!d || d->size == 1) return 0;
    if (check(d, n, "MPI_Allreduce", err)) return -1;
    int rc = MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_FLOAT, MPI_SUM, d->comm);
    return rc == MPI_SUCCESS ? 0 : fail(d, rc, "MPI_Allreduce", err);
}

int dist_sum_double(Dist *d, double *x, size_t n, Err *err) {
    if (!d || d->size == 1) return 0;
    if (check(d, n, "MPI_Allreduce", err)) return -1;
    int rc = MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, d->comm);
    return rc == MPI_SUCCESS ? 0 : fail(d, rc, "MPI_Allreduce", err);
}

int dist_max_int(Dist *d, int *x, size_t n, Err *err) {
    if (!d || d->size == 1) return 0;
    if (check(d, n, "MPI_Allreduce", err)) return -1;
    int rc = MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_INT, MPI_MAX, d->comm);
    return rc == MPI_SUCCESS ? 0 : fail(d, rc, "MPI_Allreduce", err);
}

int dist_bcast(Dist *d, void *buf, size_t bytes, Err *err) {
    if (!d || d->size == 1) return 0;
    if (d->failed) return err_set(err, "%s", d->error);
    /* In pieces of 1 GiB: MPI counts are ints. */
    for (size_t at = 0; at < bytes; at += (size_t)1 << 30) {
        size_t piece = bytes - at < ((size_t)1 << 30) ? bytes - at : (size_t)1 << 30;
        int rc = MPI_Bcast((char *)buf + at, (int)piece, MPI_BYTE, 0, d->comm);
        if (rc != MPI_SUCCESS) return fail(d, rc, "MPI_Bcast", err);
    }
    return 0;
}

int dist_gather(Dist *d, const void *send, size_t bytes, void *recv, Err *err) {
    if (!d || d->size == 1) {
        copy_local(send, bytes, recv);
        return 0;
    }
    if (check(d, bytes * (size_t)d->size, "MPI_Gather", err)) return -1;
    int rc = MPI_Gather(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, 0, d->comm);
    return rc == MPI_SUCCESS ? 0 : fail(d, rc, "MPI_Gather", err);
}

int dist_allgather(Dist *d, const void *send, size_t bytes, void *recv, Err *err) {
    if (!d || d->size == 1) {
        copy_local(send, bytes, recv);
        return 0;
    }
    if (check(d, bytes * (size_t)d->size, "MPI_Allgather", err)) return -1;
    int rc = MPI_Allgather(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, d->comm);
    return rc == MPI_SUCCESS ? 0 : fail(d, rc, "MPI_Allgather", err);
}

int dist_allgatherv(Dist *d, const void *send, size_t bytes, void *recv, size_t cap,
                    size_t *total, Err *err) {
    if (!d || d->size == 1) {
        if (bytes > cap) return err_set(err, "%zu bytes gathered into room for %zu", bytes, cap);
        copy_local(send, bytes, recv);
        *total = bytes;
        return 0;
    }
    if (check(d, bytes, "MPI_Allgatherv", err)) return -1;
    const int size = d->size;
    /* On the stack up to 256 ranks, so that no rank can fail alone here and leave the others
     * waiting in the collective. */
    int cnt_local[256], displ_local[256];
    int *cnt = cnt_local, *displ = displ_local;
    if (size > 256) {
        cnt = calloc((size_t)size, sizeof *cnt);
        displ = calloc((size_t)size, sizeof *displ);
        if (!cnt || !displ) {
            free(cnt);
            free(displ);
            return err_set(err, "out of memory");
        }
    }
    int mine = (int)bytes, rc = MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, d->comm);
    if (rc != MPI_SUCCESS) {
        if (size > 256) {
            free(cnt);
            free(displ);
        }
        return fail(d, rc, "MPI_Allgather", err);
    }
    size_t sum = 0;
    for (int r = 0; r < size; r++) {
        displ[r] = (int)(sum < INT_MAX ? sum : INT_MAX);
        sum += (size_t)cnt[r];
    }
    if (sum > cap || sum > INT_MAX) {
        if (size > 256) {
            free(cnt);
            free(displ);
        }
        return err_set(err, "rank %d: %zu bytes gathered from %d ranks exceed the room of %zu", d->rank,
                       sum, size, cap);
    }
    *total = sum;
    rc = MPI_Allgatherv(send, mine, MPI_BYTE, recv, cnt, displ, MPI_BYTE, d->comm);
    if (size > 256) {
        free(cnt);
        free(displ);
    }
    return rc == MPI_SUCCESS ? 0 : fail(d, rc, "MPI_Allgatherv", err);
}

#else
/* ---- without MPI: the one-process world ---------------------------------------------------- */

bool dist_available(void) { return false; }

int dist_init(Dist **out, Err *err) {
    *out = NULL;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n) n = getenv("PMI_SIZE");
    if (launched() && n && atoi(n) > 1)
        return err_set(err, "this ppo was built without MPI, but a launcher started %s copies of it, "
                       "which would each train alone; rebuild it with MPI (apt-get install "
                       "libopenmpi-dev, then make MPI=1)", n);
    *out = calloc(1, sizeof **out);
    if (!*out) return err_set(err, "out of memory");
    (*out)->size = 1;
    return 0;
}

int dist_finalize(Dist *d, int code) {
    free(d);
    return code;
}

void dist_describe(const Dist *d, char *buf, size_t cap) {
    (void)d;
    snprintf(buf, cap, "1 process (built without MPI)");
}

int dist_sum_float(Dist *d, float *x, size_t n, Err *err) {
    (void)d, (void)x, (void)n, (void)err;
    return 0;
}

int dist_sum_double(Dist *d, double *x, size_t n, Err *err) {
    (void)d, (void)x, (void)n, (void)err;
    return 0;
}

int dist_max_int(Dist *d, int *x, size_t n, Err *err) {
    (void)d, (void)x, (void)n, (void)err;
    return 0;
}

int dist_bcast(Dist *d, void *buf, size_t bytes, Err *err) {
    (void)d, (void)buf, (void)bytes, (void)err;
    return 0;
}

int dist_gather(Dist *d, const void *send, size_t bytes, void *recv, Err *err) {
    (void)d, (void)err;
    copy_local(send, bytes, recv);
    return 0;
}

int dist_allgather(Dist *d, const void *send, size_t bytes, void *recv, Err *err) {
    (void)d, (void)err;
    copy_local(send, bytes, recv);
    return 0;
}

int dist_allgatherv(Dist *d, const void *send, size_t bytes, void *recv, size_t cap,
                    size_t *total, Err *err) {
    (void)d;
    if (bytes > cap) return err_set(err, "%zu bytes gathered into room for %zu", bytes, cap);
    copy_local(send, bytes, recv);
    *total = bytes;
    return 0;
}
#endif
