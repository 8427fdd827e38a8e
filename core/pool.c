/* pool.c: a team of workers running one function together (see pool.h).
 *
 * Waiting, both for a run to start (the threads) and for it to end (the caller), first spins
 * for up to POOL_SPIN_SECONDS on an atomic counter, then parks on a condition variable. Parking
 * alone cost about 0.6 ms per run on a 2-core virtual machine: waking a thread whose virtual CPU
 * had gone idle took that long, and an update of the default CartPole config runs the pool 17
 * times (2 worker threads then trained slower than 1). The gaps between runs (a
 * minibatch's Adam step, the GAE pass) are far shorter than the spin, so a run's threads are
 * mostly still spinning when it starts. When the pool has more workers than the machine has
 * cores it may run on, spinning would take the cores from the workers that have work, so such a
 * pool only parks; and a spin yields the core every few microseconds (sched_yield), so that
 * other processes' threads on an oversubscribed machine still get it. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "core/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define POOL_SPIN_SECONDS 2e-3

typedef struct PoolThread {
    struct Pool *pool;
    int index;
} PoolThread;

struct Pool {
    int n;
    bool spin;              /* n <= the cores usable: wait by spinning first */
    pthread_t *threads;     /* [n - 1], worker i + 1 */
    PoolThread *args;       /* [n - 1] */
    int started;            /* threads running */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_long generation; /* bumped (under mu) to start a run */
    atomic_int finished;    /* threads done with the current run (changed under mu) */
    int parked;             /* threads waiting on go (under mu) */
    bool caller_parked;     /* the caller waits on done (under mu) */
    bool quit;              /* (under mu) */
    PoolFn fn;
    void *ctx;
};

/* Whether what a waiter waits for has happened: a run after run `seen` has started (start), or
 * every thread has finished the current run. */
static bool ready(Pool *p, bool start, long seen) {
    if (start) return atomic_load_explicit(&p->generation, memory_order_acquire) != seen;
    return atomic_load_explicit(&p->finished, memory_order_acquire) >= p->n - 1;
}

/* Spins until ready(p, start, seen) or POOL_SPIN_SECONDS have passed; true if it got ready. */
static bool spin_until_ready(Pool *p, bool start, long seen) {
    const double until = clock_seconds() + POOL_SPIN_SECONDS;
    for (;;) {
        for (int i = 0; i < 256; i++) {
            if (ready(p, start, seen)) return true;
            CPU_RELAX();
        }
        if (clock_seconds() > until) return false;
        sched_yield();
    }
}

/* The number of cores this process may run on. */
static int usable_cores(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void *pool_thread(void *arg) {
    PoolThread *t = arg;
    Pool *p = t->pool;
    long seen = 0;
    for (;;) {
        if (p->spin) spin_until_ready(p, true, seen);
        pthread_mutex_lock(&p->mu);
        p->parked++;
        while (atomic_load(&p->generation) == seen && !p->quit) pthread_cond_wait(&p->go, &p->mu);
        p->parked--;
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = atomic_load(&p->generation);
        PoolFn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->mu);
        fn(ctx, t->index);
        pthread_mutex_lock(&p->mu);
        if (atomic_fetch_add(&p->finished, 1) + 1 == p->n - 1 && p->caller_parked)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

int pool_create(Pool **out, int n, Err *err) {
    *out = NULL;
    if (n < 1) return err_set(err, "a pool of %d workers", n);
    Pool *p = calloc(1, sizeof *p);
    if (!p) return err_set(err, "out of memory for a pool of %d workers", n);
    p->n = n;
    p->spin = usable_cores() >= n;
    atomic_init(&p->generation, 0);
    atomic_init(&p->finished, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = calloc((size_t)n, sizeof *p->threads);
    p->args = calloc((size_t)n, sizeof *p->args);
    if (!p->threads || !p->args) {
        pool_destroy(p);
        return err_set(err, "out of memory for a pool of %d workers", n);
    }
    for (int i = 1; i < n; i++) {
        p->args[i - 1] = (PoolThread){p, i};
        if (pthread_create(&p->threads[i - 1], NULL, pool_thread, &p->args[i - 1]) != 0) {
            pool_destroy(p);
            return err_set(err, "cannot start worker thread %d of %d", i, n);
        }
        p->started++;
    }
    *out = p;
    return 0;
}

void pool_destroy(Pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    atomic_fetch_add(&p->generation, 1); /* ends the threads' spins */
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p->args);
    free(p);
}

int pool_size(const Pool *p) { return p ? p->n : 1; }

void pool_run(Pool *p, PoolFn fn, void *ctx) {
    if (!p || p->n == 1) {
        fn(ctx, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->finished, 0);
    atomic_fetch_add(&p->generation, 1);
    if (p->parked) pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0);
    if (p->spin && spin_until_ready(p, false, 0)) return;
    pthread_mutex_lock(&p->mu);
    p->caller_parked = true;
    while (atomic_load(&p->finished) < p->n - 1) pthread_cond_wait(&p->done, &p->mu);
    p->caller_parked = false;
    pthread_mutex_unlock(&p->mu);
}
