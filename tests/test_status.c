/* test_status.c: the status line fits the terminal at every width without wrapping, keeps the
 * return as long as anything fits, and a log line holds no control characters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/status.h"
#include "tests/testutil.h"

/* The status as printed into buf [cap]. */
static void print_status_eval(char *buf, size_t cap, bool tty, int width, double mean, double eval) {
    TrainProgress p = {1234, 4882, 1263616, 4999168, 101997.4, mean, 98765, eval};
    FILE *f = fmemopen(buf, cap, "w");
    ck_assert_ptr_nonnull(f);
    status_print(f, &p, 12.4, 100, tty, false, width);
    fclose(f);
}

static void print_status(char *buf, size_t cap, bool tty, int width, double mean) {
    print_status_eval(buf, cap, tty, width, mean, NAN);
}

START_TEST(a_terminal_line_fits_every_width_and_keeps_the_return) {
    for (int width = 10; width <= 200; width++) {
        char buf[512] = {0};
        print_status(buf, sizeof buf, true, width, 475.25);
        ck_assert_msg(strncmp(buf, "\r\033[K", 4) == 0, "width %d: '%s'", width, buf);
        const char *line = buf + 4;
        ck_assert_msg(strlen(line) <= (size_t)width - 1, "width %d: %zu characters: '%s'", width,
                      strlen(line), line);
        if (width >= 40) ck_assert_msg(strstr(line, "return 475.2"), "width %d: '%s'", width, line);
    }
    char wide[512] = {0}, narrow[512] = {0};
    print_status(wide, sizeof wide, true, 120, 475.25);
    print_status(narrow, sizeof narrow, true, 60, 475.25);
    ck_assert_msg(strstr(wide, "[") && strstr(wide, "SPS") && strstr(wide, "ETA") && strstr(wide, "(100 eps)"), "%s", wide);
    ck_assert_msg(strlen(narrow) < strlen(wide), "'%s' vs '%s'", narrow, wide);
}
END_TEST

START_TEST(the_last_evaluation_shows_after_the_return_when_there_is_one) {
    for (int width = 10; width <= 200; width++) {
        char buf[512] = {0};
        print_status_eval(buf, sizeof buf, true, width, 475.25, 487.5);
        const char *line = buf + 4;
        ck_assert_msg(strlen(line) <= (size_t)width - 1, "width %d: '%s'", width, line);
        if (width >= 40) ck_assert_msg(strstr(line, "return 475.2") && strstr(line, "eval 487.5"), "width %d: '%s'", width, line);
    }
    char log[512] = {0}, none[512] = {0};
    print_status_eval(log, sizeof log, false, 0, 475.25, 487.5);
    ck_assert_msg(strstr(log, "return 475.2  eval 487.5\n"), "%s", log);
    print_status(none, sizeof none, false, 0, 475.25);
    ck_assert_msg(!strstr(none, "eval"), "%s", none);
}
END_TEST

START_TEST(a_log_line_has_no_control_characters) {
    char buf[512] = {0};
    print_status(buf, sizeof buf, false, 0, NAN);
    for (const char *c = buf; *c; c++) ck_assert_msg(*c == '\n' || (*c >= 32 && *c < 127), "'%s'", buf);
    ck_assert_msg(strstr(buf, "update 1234/4882") && strstr(buf, "return -"), "%s", buf);
}
END_TEST

static Suite *status_suite(void) {
    Suite *s = suite_create("status");
    TCase *tc = test_case("line");
    tcase_add_test(tc, a_terminal_line_fits_every_width_and_keeps_the_return);
    tcase_add_test(tc, a_log_line_has_no_control_characters);
    tcase_add_test(tc, the_last_evaluation_shows_after_the_return_when_there_is_one);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(status_suite)
