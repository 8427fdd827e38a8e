/* test_viewer_cli.c: `ppo watch`, `ppo play`, `ppo plot` and `ppo train --watch` as a user runs
 * them: off-screen screenshots, a real X window under Xvfb (started here, on a free display),
 * one clear answer without a display, and learning curves from a real progress.csv. */
#include <SDL_image.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"
#include "viewer/plot.h"

static char out[1 << 16];

/* Runs ppo with args, the environment prefixed with `env` (e.g. "DISPLAY=:5"). */
static int run(const char *env, const char *args) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s", args);
    if (!env || !*env) return test_run_ppo(cmd, out, sizeof out);
    /* test_run_ppo runs "PPO_BIN args" through /bin/sh: wrap it in env(1) */
    char full[8500];
    snprintf(full, sizeof full, "env %s %s %s 2>&1", env, test_ppo_bin(), args);
    FILE *f = popen(full, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Trains a few updates of CartPole into dir/runs/NAME; the checkpoint path goes into ckpt. */
static void train_small(const char *dir, const char *name, const char *extra, char *ckpt, size_t cap) {
    char args[2048];
    snprintf(args, sizeof args,
             "train configs/cartpole.yaml --set run.runs_dir=%s/runs --run-name %s --max-updates 4 --quiet %s",
             dir, name, extra ? extra : "");
    int rc = run("", args);
    ck_assert_msg(rc == 0, "ppo %s: exit %d: %s", args, rc, out);
    if (ckpt) snprintf(ckpt, cap, "%s/runs/%s/checkpoints/latest.ckpt", dir, name);
}

static void png_size(const char *path, int *w, int *h) {
    SDL_Surface *s = IMG_Load(path);
    ck_assert_msg(s != NULL, "%s is not a PNG SDL2_image can read: %s", path, IMG_GetError());
    *w = s->w;
    *h = s->h;
    SDL_FreeSurface(s);
}

/* ---- Xvfb ------------------------------------------------------------------------------------ */

typedef struct Xvfb {
    pid_t pid;
    int display;
} Xvfb;

/* Starts Xvfb on a free display (it picks one and writes its number to -displayfd); it dies
 * with this test process. Fails the test, naming the package, when Xvfb is missing. */
static Xvfb xvfb_start(void) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        char fd[16];
        snprintf(fd, sizeof fd, "%d", fds[1]);
        execlp("Xvfb", "Xvfb", "-displayfd", fd, "-screen", "0", "1024x768x24", "-nolisten", "tcp", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32] = "";
    size_t len = 0;
    struct pollfd pfd = {fds[0], POLLIN, 0};
    while (len < sizeof buf - 1 && !memchr(buf, '\n', len) && poll(&pfd, 1, 20000) > 0) {
        ssize_t got = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (got <= 0) break;
        len += (size_t)got;
        buf[len] = '\0';
    }
    close(fds[0]);
    ck_assert_msg(len > 0 && memchr(buf, '\n', len),
                  "Xvfb did not start: is it installed? (apt-get install xvfb, or 'make deps')");
    Xvfb x = {pid, atoi(buf)};
    /* it said so; check that its socket takes connections before anyone relies on it */
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "/tmp/.X11-unix/X%d", x.display);
    bool up = false;
    for (int i = 0; i < 200 && !up; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        up = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
        if (fd >= 0) close(fd);
        if (!up) usleep(50000);
    }
    int status;
    ck_assert_msg(up, "Xvfb :%d does not take connections on %s (Xvfb %s)", x.display, addr.sun_path,
                  waitpid(pid, &status, WNOHANG) == pid ? "has exited" : "still runs");
    return x;
}

/* For failure messages: whether the Xvfb still runs. */
static const char *xvfb_state(Xvfb x) {
    int status;
    return waitpid(x.pid, &status, WNOHANG) == x.pid ? "Xvfb has exited" : "Xvfb still runs";
}

static void xvfb_stop(Xvfb x) {
    kill(x.pid, SIGTERM);
    waitpid(x.pid, NULL, 0);
}

/* ---- watch ----------------------------------------------------------------------------------- */

START_TEST(watch_screenshot_writes_a_png_of_the_frame_without_a_display) {
    char dir[512], ckpt[1024], args[2048], png[1024];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "a", NULL, ckpt, sizeof ckpt);
    snprintf(png, sizeof png, "%s/shot.png", dir);
    snprintf(args, sizeof args, "watch %s --screenshot %s --frames 25", ckpt, png);
    int rc = run("-u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "saved") && strstr(out, "frame 25"), "%s", out);
    int w, h;
    png_size(png, &w, &h);
    ck_assert_int_eq(w, 600);
    ck_assert_int_gt(h, 400);
}
END_TEST

/* The policy kinds of watch_plays_the_episodes_eval_plays (loop index): the recurrent ones
 * carry their state through each episode in watch as eval does. */
static const char *const WATCH_KINDS[] = {"--set policy.kind=gla", "--set policy.kind=lstm",
                                          "--set policy.kind=gru"};

START_TEST(watch_plays_the_episodes_eval_plays) {
    char dir[512], ckpt[1024], args[2048], csv[1024];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "a", WATCH_KINDS[_i], ckpt, sizeof ckpt);
    snprintf(csv, sizeof csv, "%s/eval.csv", dir);
    snprintf(args, sizeof args, "eval %s --episodes 4 --num-envs 1 --stochastic --seed 9 --csv %s", ckpt, csv);
    ck_assert_msg(run("", args) == 0, "%s", out);
    snprintf(args, sizeof args, "watch %s --episodes 4 --stochastic --seed 9 --screenshot %s/x.png", ckpt, dir);
    ck_assert_msg(run("", args) == 0, "%s", out);
    FILE *f = fopen(csv, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* header */
    for (int e = 1; e <= 4; e++) {
        int idx, len, term;
        float ret;
        ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
        ck_assert_int_eq(sscanf(line, "%d,%f,%d,%d", &idx, &ret, &len, &term), 4);
        char want[128];
        snprintf(want, sizeof want, "episode %d: return %.2f, length %d", e, ret, len);
        ck_assert_msg(strstr(out, want), "eval: '%s'; watch printed:\n%s", want, out);
    }
    fclose(f);
}
END_TEST

START_TEST(watch_without_a_display_exits_2_with_a_hint) {
    char dir[512], ckpt[1024], args[2048];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "a", NULL, ckpt, sizeof ckpt);
    snprintf(args, sizeof args, "watch %s", ckpt);
    int rc = run("-u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", args);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "no display") && strstr(out, "--screenshot") &&
                  strstr(out, "SDL_VIDEODRIVER=offscreen") && strstr(out, "Xvfb"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1); /* one line */
    ck_assert_int_eq(run("", "watch /nonexistent.ckpt"), 2);
    ck_assert_msg(strstr(out, "/nonexistent.ckpt"), "%s", out);
    snprintf(args, sizeof args, "watch %s --speed fast", ckpt);
    ck_assert_int_eq(run("", args), 2);
    ck_assert_msg(strstr(out, "--speed 'fast'"), "%s", out);
}
END_TEST

START_TEST(watch_opens_a_real_window_under_xvfb_and_quits_cleanly) {
    char dir[512], ckpt[1024], args[2048], env[128];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "a", NULL, ckpt, sizeof ckpt);
    Xvfb x = xvfb_start();
    snprintf(env, sizeof env, "-u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:%d", x.display);
    /* --frames N ends with a quit event in the window's queue, as closing it does */
    snprintf(args, sizeof args, "watch %s --frames 20 --speed 4", ckpt);
    int rc = run(env, args);
    ck_assert_msg(rc == 0, "exit %d (display :%d, %s): %s", rc, x.display, xvfb_state(x), out);
    ck_assert_msg(strstr(out, "20 frames drawn (video driver x11)"), "%s", out);
    /* SIGINT (one Ctrl-C) ends it cleanly too */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "env %s sh -c '%s watch %s & p=$!; sleep 2; kill -INT $p; wait $p' 2>&1", env,
             test_ppo_bin(), ckpt);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    int status = pclose(f);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "closed:") && strstr(out, "video driver x11"), "%s", out);
    xvfb_stop(x);
}
END_TEST

/* ---- train --watch ------------------------------------------------------------------------ */

START_TEST(train_watch_without_a_display_warns_once_and_trains) {
    char dir[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args,
             "train configs/cartpole.yaml --set run.runs_dir=%s/runs --run-name w --max-updates 3 --quiet --watch "
             "--set run.num_envs=32 --set run.num_steps=64",
             dir);
    int rc = run("-u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    const char *w = strstr(out, "warning: --watch: no display");
    ck_assert_msg(w && !strstr(w + 1, "warning"), "%s", out);
    ck_assert_msg(strstr(out, "trained 6144 steps"), "%s", out);
}
END_TEST

START_TEST(train_watch_under_xvfb_trains_exactly_as_without) {
    char dir[512], env[128];
    test_tmpdir(dir, sizeof dir);
    Xvfb x = xvfb_start();
    snprintf(env, sizeof env, "-u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:%d", x.display);
    char args[2048];
    snprintf(args, sizeof args,
             "train configs/cartpole.yaml --set run.runs_dir=%s/runs --run-name watched --max-updates 6 --quiet --watch",
             dir);
    int rc = run(env, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(!strstr(out, "warning"), "display :%d, %s: %s", x.display, xvfb_state(x), out);
    xvfb_stop(x);
    snprintf(args, sizeof args,
             "train configs/cartpole.yaml --set run.runs_dir=%s/runs --run-name plain6 --max-updates 6 --quiet", dir);
    ck_assert_msg(run("", args) == 0, "%s", out);
    /* the viewer only reads the parameters: the two runs' parameters are the same */
    char a[1024], b[1024], cmd[2200];
    snprintf(a, sizeof a, "%s/runs/watched/checkpoints/latest.ckpt", dir);
    snprintf(b, sizeof b, "%s/runs/plain6/checkpoints/latest.ckpt", dir);
    snprintf(cmd, sizeof cmd, "info %s", a);
    ck_assert_int_eq(run("", cmd), 0);
    ck_assert_msg(strstr(out, "update 6,"), "%s", out);
    snprintf(cmd, sizeof cmd, "eval %s --episodes 20 --seed 3", a);
    ck_assert_int_eq(run("", cmd), 0);
    char ra[256];
    snprintf(ra, sizeof ra, "%s", strstr(out, "return ") ? strstr(out, "return ") : "");
    *strchr(ra, '(') = '\0';
    snprintf(cmd, sizeof cmd, "eval %s --episodes 20 --seed 3", b);
    ck_assert_int_eq(run("", cmd), 0);
    ck_assert_msg(strstr(out, ra), "watched run: '%s'; plain run: %s", ra, out);
    char curve[1100];
    snprintf(curve, sizeof curve, "%s/runs/watched/curve.png", dir);
    int w, h;
    png_size(curve, &w, &h);
    ck_assert_int_eq(w, PLOT_WIDTH);
}
END_TEST

/* ---- play ----------------------------------------------------------------------------------- */

START_TEST(play_screenshot_draws_the_first_frame_and_a_bad_env_is_refused) {
    char dir[512], args[2048], png[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(png, sizeof png, "%s/play.png", dir);
    snprintf(args, sizeof args, "play cartpole --screenshot %s", png);
    int rc = run("-u DISPLAY -u WAYLAND_DISPLAY", args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    int w, h;
    png_size(png, &w, &h);
    ck_assert_int_eq(w, 600);
    ck_assert_int_eq(run("", "play pong"), 2);
    ck_assert_msg(strstr(out, "unknown env 'pong'"), "%s", out);
    ck_assert_int_eq(run("-u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", "play cartpole"), 2);
    ck_assert_msg(strstr(out, "no display"), "%s", out);
}
END_TEST

/* ---- plot ---------------------------------------------------------------------------------- */

START_TEST(plot_draws_a_png_from_real_progress_files) {
    char dir[512], args[4096], png[1024];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "cp__s1", NULL, NULL, 0);
    train_small(dir, "cp__s2", "--set run.seed=2", NULL, 0);
    train_small(dir, "lr", "--set ppo.learning_rate=0.001", NULL, 0);
    /* ppo train drew the run's own curve.png */
    int w, h;
    snprintf(png, sizeof png, "%s/runs/cp__s1/curve.png", dir);
    png_size(png, &w, &h);
    ck_assert_int_eq(w, PLOT_WIDTH);
    ck_assert_int_eq(h, PLOT_HEIGHT);
    /* one run, the default output */
    unlink(png);
    snprintf(args, sizeof args, "plot %s/runs/cp__s1", dir);
    ck_assert_msg(run("", args) == 0, "%s", out);
    png_size(png, &w, &h);
    ck_assert_int_eq(w, PLOT_WIDTH);
    /* three runs: two seeds of one config (a mean with a band) and another config */
    snprintf(png, sizeof png, "%s/all.png", dir);
    snprintf(args, sizeof args, "plot %s/runs/cp__s1 %s/runs/cp__s2 %s/runs/lr -o %s", dir, dir, dir, png);
    ck_assert_msg(run("", args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "3 runs"), "%s", out);
    SDL_Surface *s = IMG_Load(png);
    ck_assert_ptr_nonnull(s);
    SDL_Surface *a = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB888, 0);
    /* both groups' colors (tab10 blue and orange) are drawn in the return panel */
    int blue = 0, orange = 0;
    for (int y = 50; y < 410; y++)
        for (int x = 80; x < PLOT_WIDTH - 40; x++) {
            uint32_t p = ((uint32_t *)((uint8_t *)a->pixels + y * a->pitch))[x] & 0xffffff;
            blue += p == 0x1f77b4;
            orange += p == 0xff7f0e;
        }
    ck_assert_msg(blue > 20 && orange > 20, "blue %d orange %d pixels", blue, orange);
    SDL_FreeSurface(a);
    SDL_FreeSurface(s);
    /* a folder without progress.csv: exit 2 naming the file */
    snprintf(args, sizeof args, "plot %s", dir);
    ck_assert_int_eq(run("", args), 2);
    ck_assert_msg(strstr(out, "progress.csv") && strstr(out, dir), "%s", out);
}
END_TEST

START_TEST(plot_refuses_a_csv_without_the_columns) {
    char dir[512], args[2048], path[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/progress.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("update,global_step,return_mean\n1,100,5\n", f);
    fclose(f);
    snprintf(args, sizeof args, "plot %s", dir);
    ck_assert_int_eq(run("", args), 2);
    ck_assert_msg(strstr(out, "no column 'policy_loss'"), "%s", out);
    f = fopen(path, "w");
    fputs("update,global_step,return_mean,policy_loss,value_loss,entropy,approx_kl\n", f);
    fclose(f);
    ck_assert_int_eq(run("", args), 2);
    ck_assert_msg(strstr(out, "no rows"), "%s", out);
}
END_TEST

static Suite *viewer_cli_suite(void) {
    Suite *s = suite_create("viewer_cli");
    TCase *tw = test_case("watch");
    tcase_add_test(tw, watch_screenshot_writes_a_png_of_the_frame_without_a_display);
    tcase_add_loop_test(tw, watch_plays_the_episodes_eval_plays, 0, 3);
    tcase_add_test(tw, watch_without_a_display_exits_2_with_a_hint);
    tcase_add_test(tw, watch_opens_a_real_window_under_xvfb_and_quits_cleanly);
    tcase_add_test(tw, play_screenshot_draws_the_first_frame_and_a_bad_env_is_refused);
    suite_add_tcase(s, tw);
    TCase *tt = test_case("train");
    tcase_add_test(tt, train_watch_without_a_display_warns_once_and_trains);
    tcase_add_test(tt, train_watch_under_xvfb_trains_exactly_as_without);
    suite_add_tcase(s, tt);
    TCase *tp = test_case("plot");
    tcase_add_test(tp, plot_draws_a_png_from_real_progress_files);
    tcase_add_test(tp, plot_refuses_a_csv_without_the_columns);
    suite_add_tcase(s, tp);
    return s;
}

TEST_MAIN(viewer_cli_suite)
