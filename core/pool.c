/* pool.c: a team of workers running one function together (see pool.h). */
#include "core/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct PoolThread {
    struct Pool *pool;
    int index;
} PoolThread;

struct Pool {
    int n;
    pthread_t *threads;     /* [n - 1], worker i + 1 */
    PoolThread *args;       /* [n - 1] */
    int started;            /* threads running */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    long generation;        /* bumped to start a run */
    int finished;           /* threads done with the current run */
    bool quit;
    PoolFn fn;
    void *ctx;
};

static void *pool_thread(void *arg) {
    PoolThread *t = arg;
    Pool *p = t->pool;
    long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->generation == seen && !p->quit) pthread_cond_wait(&p->go, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = p->generation;
        PoolFn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->mu);
        fn(ctx, t->index);
        pthread_mutex_lock(&p->mu);
        if (++p->finished == p->n - 1) pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

int pool_create(Pool **out, int n, Err *err) {
    *out = NULL;
    if (n < 1) return err_set(err, "a pool of %d workers", n);
    Pool *p = calloc(1, sizeof *p);
    if (!p) return err_set(err, "out of memory for a pool of %d workers", n);
    p->n = n;
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
    p->finished = 0;
    p->generation++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0);
    pthread_mutex_lock(&p->mu);
    while (p->finished < p->n - 1) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
