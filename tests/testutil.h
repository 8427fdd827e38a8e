/* testutil.h: what every Check suite of ppo shares.
 *
 * Each tests/test_*.c file holds the suite of one module and ends with TEST_MAIN(its_suite);
 * tests/gradcheck_*.c are built with `real` = double. Tests run from the top of the checkout. */
#ifndef PPO_TESTUTIL_H
#define PPO_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include "envs/env.h"

/* Seconds a test case may take in the release build (the sanitizer run multiplies it through
 * CK_TIMEOUT_MULTIPLIER). */
#define TEST_TIMEOUT 60

/* Runs one suite with Check (fork mode), prints Check's summary line and returns the exit code
 * (0 when every test passed). */
int test_run_suite(Suite *s);

#define TEST_MAIN(suite_fn) \
    int main(void) { return test_run_suite(suite_fn()); }

/* A test case named `name` holding the given test functions, with TEST_TIMEOUT. */
TCase *test_case(const char *name);

/* Fails through Check unless |got[i] - want[i]| <= atol + rtol * |want[i]| for all i < n;
 * the message names `what`, the first failing index and the largest difference. */
void tensor_close_(const char *what, const float *got, const float *want, size_t n, double rtol,
                   double atol, const char *file, int line);
#define tensor_close(what, got, want, n, rtol, atol) \
    tensor_close_(what, got, want, n, rtol, atol, __FILE__, __LINE__)

void tensor_close_d_(const char *what, const double *got, const double *want, size_t n,
                     double rtol, double atol, const char *file, int line);
#define tensor_close_d(what, got, want, n, rtol, atol) \
    tensor_close_d_(what, got, want, n, rtol, atol, __FILE__, __LINE__)

/* Path of the ppo binary the CLI tests run: $PPO_BIN, else ./ppo. */
const char *test_ppo_bin(void);

/* Runs `PPO_BIN args` through /bin/sh with stdout and stderr captured into out [cap] (NUL
 * terminated, truncated to fit); returns the exit code, or -1 if it did not exit normally. */
int test_run_ppo(const char *args, char *out, size_t cap);

/* A fresh directory under $TMPDIR (or /tmp), created for the calling test; the path is written
 * into buf [cap]. Fails the test when it cannot be made. */
void test_tmpdir(char *buf, size_t cap);


/* The promises of env.h that every env must keep, checked on two envs a and b of the same kind
 * (made with the same EnvConfig) over `steps` steps of uniformly random actions, resetting after
 * each end (a continuous env: actions uniform over its box widened by a tenth on each side): the
 * same (seed, stream) gives the same observations, rewards and flags; observations
 * are finite; no step is both terminated and truncated unless both_ok (POPGym sets both);
 * every episode ends within max_steps steps when max_steps > 0; a state saved mid-episode
 * (env_state_save) and loaded into b (env_state_load) continues exactly as a does; the text
 * picture (EnvClass.describe), if any, is NUL-terminated and fits 18 lines. Fails through Check,
 * naming the step. README "Your own environment". */
void test_env_contract(Env *a, Env *b, long steps, int max_steps, bool both_ok);
#endif
