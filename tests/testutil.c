/* testutil.c: the shared test helpers declared in testutil.h. */
#include "tests/testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int test_run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

TCase *test_case(const char *name) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, TEST_TIMEOUT);
    return tc;
}

void tensor_close_d_(const char *what, const double *got, const double *want, size_t n,
                     double rtol, double atol, const char *file, int line) {
    size_t bad = n, worst = 0;
    double worst_diff = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        bool ok = d <= atol + rtol * fabs(want[i]) && !isnan(got[i]) == !isnan(want[i]);
        if (!ok && bad == n) bad = i;
        if (d > worst_diff || isnan(d)) {
            worst_diff = d;
            worst = i;
        }
    }
    if (bad != n)
        ck_assert_msg(0,
                      "%s:%d: %s differs at [%zu]: got %.9g want %.9g; largest |diff| %.3g at "
                      "[%zu] (rtol %g, atol %g)",
                      file, line, what, bad, got[bad], want[bad], worst_diff, worst, rtol, atol);
}

void tensor_close_(const char *what, const float *got, const float *want, size_t n, double rtol,
                   double atol, const char *file, int line) {
    double *g = malloc((n ? n : 1) * sizeof *g), *w = malloc((n ? n : 1) * sizeof *w);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(w);
    for (size_t i = 0; i < n; i++) {
        g[i] = got[i];
        w[i] = want[i];
    }
    tensor_close_d_(what, g, w, n, rtol, atol, file, line);
    free(g);
    free(w);
}

const char *test_ppo_bin(void) {
    const char *p = getenv("PPO_BIN");
    return p && *p ? p : "./ppo";
}

int test_run_ppo(const char *args, char *out, size_t cap) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", test_ppo_bin(), args);
    FILE *f = popen(cmd, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmd);
    size_t len = 0;
    if (cap) out[0] = '\0';
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        size_t room = cap > len + 1 ? cap - len - 1 : 0;
        size_t take = got < room ? got : room;
        memcpy(out + len, chunk, take);
        len += take;
    }
    if (cap) out[len] = '\0';
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void test_tmpdir(char *buf, size_t cap) {
    const char *base = getenv("TMPDIR");
    snprintf(buf, cap, "%s/ppo-test-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(buf) != NULL, "cannot create a temporary directory %s", buf);
}
