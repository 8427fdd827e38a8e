/* test_cli.c: the ppo command line answers --help, and refuses unknown commands and options
 * with one line and exit code 2. */
#include <string.h>

#include "testutil.h"

static char out[65536];

START_TEST(help_lists_the_commands_and_exits_0) {
    ck_assert_int_eq(test_run_ppo("--help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo COMMAND") && strstr(out, "train"), "%s", out);
    ck_assert_int_eq(test_run_ppo("train --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo train"), "%s", out);
    ck_assert_int_eq(test_run_ppo("env --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo env"), "%s", out);
}
END_TEST

START_TEST(an_unknown_command_or_option_is_one_line_and_exit_2) {
    ck_assert_int_eq(test_run_ppo("tarin", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown command 'tarin'"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
    ck_assert_int_eq(test_run_ppo("--frobnicate", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown option '--frobnicate'"), "%s", out);
    ck_assert_int_eq(test_run_ppo("train --frobnicate configs/cartpole.yaml", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown option '--frobnicate'"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
}
END_TEST

START_TEST(env_list_names_every_env_with_its_sizes) {
    ck_assert_int_eq(test_run_ppo("env list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "cartpole ") && strstr(out, "cartpole-stateless"), "%s", out);
}
END_TEST

static Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = test_case("commands");
    tcase_add_test(tc, help_lists_the_commands_and_exits_0);
    tcase_add_test(tc, an_unknown_command_or_option_is_one_line_and_exit_2);
    tcase_add_test(tc, env_list_names_every_env_with_its_sizes);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cli_suite)
