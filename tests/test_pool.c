/* test_pool.c: the worker pool runs every index exactly once per run, on its own worker, and
 * pool_run returns only after all of them, whether its threads were spinning when the run
 * started (back-to-back runs), had gone to sleep (a pause longer than the spin), or never spin
 * (more workers than cores); and a pool is destroyed cleanly in each of those states. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/pool.h"
#include "tests/testutil.h"

#define MAX_WORKERS 64

typedef struct Tally {
    long last[MAX_WORKERS]; /* how many runs each index has seen */
    atomic_int calls;       /* calls in this run */
    int work_ns;            /* busy work per call, times index % 3 */
} Tally;

static void busy(int ns) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

static void count_call(void *ctx, int i) {
    Tally *t = ctx;
    t->last[i]++; /* check_runs holds it to the run count: a repeated or skipped call fails */
    busy(t->work_ns * (i % 3)); /* uneven shares: the caller must wait for the slowest */
    atomic_fetch_add(&t->calls, 1);
}

/* `runs` runs of an n-worker pool, sleeping pause_us between them, index i working
 * work_ns * (i % 3) nanoseconds; each must have called every index once by the time pool_run
 * returns. */
static void check_runs(int n, int runs, int pause_us, int work_ns) {
    Pool *p;
    Err err;
    ck_assert_int_eq(pool_create(&p, n, &err), 0);
    ck_assert_int_eq(pool_size(p), n);
    static Tally t;
    memset(&t, 0, sizeof t);
    t.work_ns = work_ns;
    for (long r = 1; r <= runs; r++) {
        atomic_store(&t.calls, 0);
        pool_run(p, count_call, &t);
        int calls = atomic_load(&t.calls);
        ck_assert_int_eq(calls, n); /* pool_run returned before every worker had */
        for (int i = 0; i < n; i++) ck_assert_int_eq(t.last[i], r);
        if (pause_us) usleep((useconds_t)pause_us);
    }
    pool_destroy(p);
}

static int cores(void) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}

START_TEST(back_to_back_runs_call_every_index_once_and_wait_for_all) {
    int n = cores() < 4 ? cores() : 4;
    if (n < 2) n = 2;
    check_runs(n, 20000, 0, 0);
    check_runs(n, 2000, 0, 20000);
}
END_TEST

START_TEST(runs_after_the_threads_went_to_sleep_call_every_index_once) {
    /* 5 ms between runs: longer than the spin, so every run wakes sleeping threads */
    check_runs(2, 200, 5000, 10000);
}
END_TEST

START_TEST(a_pool_larger_than_the_machine_only_sleeps_and_still_runs_every_index) {
    int n = cores() + 3;
    if (n > MAX_WORKERS) n = MAX_WORKERS;
    check_runs(n, 2000, 0, 0);
    check_runs(n, 50, 3000, 10000);
}
END_TEST

START_TEST(pools_are_destroyed_while_spinning_sleeping_or_never_run) {
    for (int k = 0; k < 50; k++) {
        Pool *p;
        Err err;
        ck_assert_int_eq(pool_create(&p, 3, &err), 0);
        static Tally t;
        memset(&t, 0, sizeof t);
        if (k % 3 != 0) pool_run(p, count_call, &t); /* k % 3 == 0: never run */
        if (k % 3 == 2) usleep(5000);                /* asleep by now */
        pool_destroy(p);                             /* k % 3 == 1: still spinning */
    }
    pool_destroy(NULL);
}
END_TEST

START_TEST(a_pool_of_one_runs_on_the_caller_and_a_null_pool_too) {
    static Tally t;
    memset(&t, 0, sizeof t);
    Pool *p;
    Err err;
    ck_assert_int_eq(pool_create(&p, 1, &err), 0);
    pool_run(p, count_call, &t);
    pool_run(NULL, count_call, &t);
    ck_assert_int_eq(t.last[0], 2);
    ck_assert_int_eq(pool_size(NULL), 1);
    pool_destroy(p);
    ck_assert_int_ne(pool_create(&p, 0, &err), 0);
    ck_assert_ptr_null(p);
}
END_TEST

static Suite *pool_suite(void) {
    Suite *s = suite_create("pool");
    TCase *tc = test_case("runs");
    tcase_add_test(tc, back_to_back_runs_call_every_index_once_and_wait_for_all);
    tcase_add_test(tc, runs_after_the_threads_went_to_sleep_call_every_index_once);
    tcase_add_test(tc, a_pool_larger_than_the_machine_only_sleeps_and_still_runs_every_index);
    tcase_add_test(tc, pools_are_destroyed_while_spinning_sleeping_or_never_run);
    tcase_add_test(tc, a_pool_of_one_runs_on_the_caller_and_a_null_pool_too);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(pool_suite)
