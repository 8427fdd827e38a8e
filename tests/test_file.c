/* test_file.c: whole-file reads refuse what is not a file of the size allowed and say so by name;
 * atomic writes replace a file whole; folders are made with their parents; paths that do not
 * fit are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "tests/testutil.h"

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(a_file_reads_back_whole_and_nul_terminated) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/a.txt", dir);
    write_text(path, "hello\nworld");
    char *data;
    size_t len;
    Err err;
    ck_assert_msg(file_read(path, "config", 100, &data, &len, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(len, 11);
    ck_assert_str_eq(data, "hello\nworld");
    free(data);
    /* exactly at the limit is allowed, one byte over is not */
    ck_assert_int_eq(file_read(path, "config", 11, &data, &len, &err), 0);
    free(data);
    ck_assert_int_eq(file_read(path, "config", 10, &data, &len, &err), -1);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(err.kind, ERR_INPUT);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "too large for a config"), "%s", err.msg);
}
END_TEST

START_TEST(a_missing_file_or_a_directory_is_bad_input_named_by_its_role) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/none.map", dir);
    char *data;
    size_t len;
    Err err;
    ck_assert_int_eq(file_read(path, "map file", 100, &data, &len, &err), -1);
    ck_assert_int_eq(err.kind, ERR_INPUT);
    ck_assert_int_eq(err_exit_code(&err), 2);
    ck_assert_msg(strstr(err.msg, "cannot open the map file") && strstr(err.msg, "No such file"), "%s", err.msg);
    ck_assert_int_eq(file_read(dir, "checkpoint", 100, &data, &len, &err), -1);
    ck_assert_msg(strstr(err.msg, "is a directory, not a checkpoint"), "%s", err.msg);
}
END_TEST

START_TEST(a_pipe_is_read_to_its_end_and_refused_past_the_limit) {
    char *data;
    size_t len;
    Err err;
    char dir[512], fifo[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    if (pid == 0) { /* writes 200000 bytes into the pipe, more than one read's piece */
        FILE *w = fopen(fifo, "w");
        for (int i = 0; i < 200000 && w; i++) fputc('a' + i % 26, w);
        if (w) fclose(w);
        _exit(0);
    }
    ck_assert_msg(file_read(fifo, "config", 1 << 20, &data, &len, &err) == 0, "%s", err.msg);
    waitpid(pid, NULL, 0);
    ck_assert_uint_eq(len, 200000);
    ck_assert_int_eq(data[199999], 'a' + 199999 % 26);
    ck_assert_int_eq(data[200000], '\0');
    free(data);
    pid = fork();
    if (pid == 0) {
        FILE *w = fopen(fifo, "w");
        for (int i = 0; i < 5000 && w; i++) fputc('x', w);
        if (w) fclose(w);
        _exit(0);
    }
    ck_assert_int_eq(file_read(fifo, "config", 4096, &data, &len, &err), -1);
    kill(pid, SIGKILL); /* it may wait to write the rest */
    waitpid(pid, NULL, 0);
    ck_assert_msg(strstr(err.msg, "too large"), "%s", err.msg);
}
END_TEST

START_TEST(an_atomic_write_replaces_the_old_file_whole) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f", dir);
    Err err;
    ck_assert_int_eq(file_write_atomic(path, "old contents", 12, &err), 0);
    ck_assert_int_eq(file_write_atomic(path, "new", 3, &err), 0);
    FILE *f = fopen(path, "r");
    char buf[32] = {0};
    ck_assert_uint_eq(fread(buf, 1, sizeof buf, f), 3);
    fclose(f);
    ck_assert_str_eq(buf, "new");
    snprintf(path, sizeof path, "%s/no/such/dir/f", dir);
    ck_assert_int_eq(file_write_atomic(path, "x", 1, &err), -1);
    ck_assert_int_eq(err.kind, ERR_FAILED);
    ck_assert_msg(strstr(err.msg, "cannot create"), "%s", err.msg);
}
END_TEST

START_TEST(folders_are_made_with_their_parents_and_long_paths_are_refused) {
    char dir[512], path[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    Err err;
    ck_assert_msg(file_mkdirs(path, &err) == 0, "%s", err.msg);
    struct stat st;
    ck_assert(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    ck_assert_int_eq(file_mkdirs(path, &err), 0); /* it exists: fine */
    snprintf(path, sizeof path, "%s/file", dir);
    write_text(path, "x");
    snprintf(path, sizeof path, "%s/file/sub", dir);
    ck_assert_int_eq(file_mkdirs(path, &err), -1);
    ck_assert_int_eq(err.kind, ERR_INPUT);
    ck_assert_msg(strstr(err.msg, "/file: exists and is not a folder"), "%s", err.msg);
    snprintf(path, sizeof path, "/proc/no/such/folder");
    ck_assert_int_eq(file_mkdirs(path, &err), -1);
    ck_assert_int_eq(err.kind, ERR_FAILED);
    ck_assert_msg(strstr(err.msg, "cannot create folder"), "%s", err.msg);
    char out[PATH_LEN], *longname = malloc(PATH_LEN);
    memset(longname, 'n', PATH_LEN - 1);
    longname[PATH_LEN - 1] = '\0';
    ck_assert_int_eq(file_path(out, &err, "%s/%s", "dir", "f"), 0);
    ck_assert_str_eq(out, "dir/f");
    ck_assert_int_eq(file_path(out, &err, "runs/%s", longname), -1);
    ck_assert_msg(strstr(err.msg, "path too long"), "%s", err.msg);
    free(longname);
}
END_TEST

static Suite *file_suite(void) {
    Suite *s = suite_create("file");
    TCase *tc = test_case("file");
    tcase_add_test(tc, a_file_reads_back_whole_and_nul_terminated);
    tcase_add_test(tc, a_missing_file_or_a_directory_is_bad_input_named_by_its_role);
    tcase_add_test(tc, a_pipe_is_read_to_its_end_and_refused_past_the_limit);
    tcase_add_test(tc, an_atomic_write_replaces_the_old_file_whole);
    tcase_add_test(tc, folders_are_made_with_their_parents_and_long_paths_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(file_suite)
