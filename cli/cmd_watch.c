/* cmd_watch.c: `ppo watch CHECKPOINT` and `ppo play ENV`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/file.h"
#include "policies/linalg.h"
#include "run/checkpoint.h"
#include "run/evaluate.h"
#include "viewer/viewer.h"

#define MAX_SPEED 64.0

/* The hint for a machine without a display. */
#define NO_DISPLAY_HINT                                                                           \
    "; without a display, draw pictures with --screenshot FILE.png --frames N or recordings with " \
    "--record FILE.gif, or set SDL_VIDEODRIVER=offscreen, or run under Xvfb (xvfb-run -a ppo ...)"

static int parse_speed(const Command *cmd, const char *text, double *out) {
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !(v >= 1.0 / 16 && v <= MAX_SPEED)) {
        fprintf(stderr, "ppo %s: --speed '%s' is not a number in [0.0625, %g]\n", cmd->name, text, MAX_SPEED);
        return -1;
    }
    *out = v;
    return 0;
}

static void print_episode(void *ctx, int episode, float ret, int length, bool terminated) {
    (void)ctx;
    printf("episode %d: return %.2f, length %d, %s\n", episode, ret, length,
           terminated ? "terminated" : "truncated");
    fflush(stdout);
}

static void print_note(void *ctx, const char *note) {
    (void)ctx;
    printf("%s\n", note);
    fflush(stdout);
}

/* Prints how a session ended and returns the exit code. */
static int finish(const Command *cmd, int rc, const Err *err, const WatchOptions *o, const WatchResult *res) {
    if (rc && err->kind == ERR_SETUP) {
        if (strcmp(cmd->name, "play") == 0) /* play has no pictures to draw without a person */
            fprintf(stderr, "ppo %s: %s; play needs a window: run it on a desktop, or under Xvfb "
                    "(xvfb-run -a ppo play ...)\n", cmd->name, err->msg);
        else
            fprintf(stderr, "ppo %s: %s%s\n", cmd->name, err->msg, NO_DISPLAY_HINT);
        return err_exit_code(err);
    }
    if (rc) {
        fprintf(stderr, "ppo %s: %s\n", cmd->name, err->msg);
        return err_exit_code(err);
    }
    if (o->record)
        printf("saved %s (%ld frames, %ld steps, %d episodes finished)\n", o->record, res->frames,
               res->steps, res->episodes);
    else if (o->screenshot)
        printf("saved %s (frame %ld, %ld steps, %d episodes finished)\n", o->screenshot, res->frames,
               res->steps, res->episodes);
    else
        printf("closed: %d episodes finished, %ld steps, %ld frames drawn (video driver %s)\n",
               res->episodes, res->steps, res->frames, res->driver);
    return 0;
}

/* --record FILE.gif: a GIF (giflib writes no other format; an MP4 is one ffmpeg call away), not
 * with --screenshot, in a place that can be written, checked before any episode is played. */
static int check_record(const Command *self, const WatchOptions *o) {
    const size_t n = strlen(o->record);
    if (n < 4 || strcasecmp(o->record + n - 4, ".gif") != 0) {
        fprintf(stderr, "ppo %s: --record '%s': recordings are GIF files (FILE.gif); for an MP4, convert "
                "it: ffmpeg -i FILE.gif FILE.mp4\n", self->name, o->record);
        return -1;
    }
    if (o->screenshot) {
        fprintf(stderr, "ppo %s: --record and --screenshot together: choose one\n", self->name);
        return -1;
    }
    Err err;
    if (file_check_writable(o->record, "--record", &err)) {
        fprintf(stderr, "ppo %s: %s\n", self->name, err.msg);
        return -1;
    }
    return 0;
}

static int cmd_watch(const Command *self, int argc, char **argv, CliContext *ctx) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},           {"episodes", required_argument, NULL, 'e'},
        {"speed", required_argument, NULL, 'x'},    {"seed", required_argument, NULL, 's'},
        {"stochastic", no_argument, NULL, 'S'},     {"deterministic", no_argument, NULL, 'd'},
        {"env", required_argument, NULL, 'E'},      {"screenshot", required_argument, NULL, 'p'},
        {"frames", required_argument, NULL, 'f'},   {"map", required_argument, NULL, 'm'},
        {"record", required_argument, NULL, 'R'},   {NULL, 0, NULL, 0}};
    long episodes = 0, seed = 12345, frames = 0;
    WatchOptions o = {0};
    o.deterministic = true;
    o.speed = 1;
    const char *env_name = NULL, *map_path = NULL;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":he:x:s:E:p:f:m:R:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'e':
            if (cli_parse_long(self, "--episodes", optarg, 1, 100000000, &episodes)) return EXIT_USAGE;
            break;
        case 'x':
            if (parse_speed(self, optarg, &o.speed)) return EXIT_USAGE;
            break;
        case 's':
            if (cli_parse_long(self, "--seed", optarg, 0, 0x7fffffffffffffffL, &seed)) return EXIT_USAGE;
            break;
        case 'S':
            o.deterministic = false;
            break;
        case 'd':
            o.deterministic = true;
            break;
        case 'E':
            env_name = optarg;
            break;
        case 'm':
            map_path = optarg;
            break;
        case 'p':
            o.screenshot = optarg;
            break;
        case 'R':
            o.record = optarg;
            break;
        case 'f':
            if (cli_parse_long(self, "--frames", optarg, 1, 100000000, &frames)) return EXIT_USAGE;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo watch: expected one CHECKPOINT (try 'ppo watch --help')\n");
        return EXIT_USAGE;
    }
    if (o.record && check_record(self, &o)) return EXIT_USAGE;
    const char *path = argv[optind];
    o.episodes = (int)episodes;
    o.frames = frames;
    o.seed = (uint64_t)seed;
    if ((o.screenshot || o.record) && o.frames == 0 && o.episodes == 0) o.episodes = 1;
    linalg_set_threads(1);
    linalg_flush_denormals();
    CliPolicy lp;
    int code = cli_policy_load(self, &lp, path, env_name, map_path);
    if (code) return code;
    ctx->catch_stop_signals();
    o.stop = ctx->stop;
    o.on_episode = print_episode;
    o.on_note = print_note;
    RunningStats norm_view;
    o.obs_norm = checkpoint_obs_norm(&lp.ck, &norm_view, &o.clip_obs);
    WatchResult res;
    Err err;
    int rc = viewer_watch(lp.policy, &lp.cfg.env, &o, &res, &err);
    cli_policy_free(&lp);
    return finish(self, rc, &err, &o, &res);
}

static int cmd_play(const Command *self, int argc, char **argv, CliContext *ctx) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},        {"seed", required_argument, NULL, 's'},
        {"speed", required_argument, NULL, 'x'}, {"map", required_argument, NULL, 'm'},
        {"screenshot", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
    long seed = 12345;
    WatchOptions o = {0};
    o.speed = 1;
    EnvConfig env = {0};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":hs:x:m:p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 's':
            if (cli_parse_long(self, "--seed", optarg, 0, 0x7fffffffffffffffL, &seed)) return EXIT_USAGE;
            break;
        case 'x':
            if (parse_speed(self, optarg, &o.speed)) return EXIT_USAGE;
            break;
        case 'm':
            snprintf(env.map, sizeof env.map, "%s", optarg);
            break;
        case 'p':
            o.screenshot = optarg;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo play: expected one ENV name (try 'ppo env list')\n");
        return EXIT_USAGE;
    }
    snprintf(env.name, sizeof env.name, "%s", argv[optind]);
    Env *probe;
    Err err;
    if (env_create(&probe, &env, &err)) {
        fprintf(stderr, "ppo play: %s\n", err.msg);
        return err_exit_code(&err);
    }
    env_destroy(probe);
    o.seed = (uint64_t)seed;
    ctx->catch_stop_signals();
    o.stop = ctx->stop;
    o.on_episode = print_episode;
    o.on_note = print_note;
    WatchResult res;
    int rc = viewer_play(&env, &o, &res, &err);
    return finish(self, rc, &err, &o, &res);
}

const Command CMD_WATCH = {
    "watch", "watch a checkpoint's policy play, in a window",
    "usage: ppo watch CHECKPOINT [OPTIONS]\n"
    "\n"
    "Plays episodes with the checkpoint's policy in an SDL2 window, in real time (CartPole at 50\n"
    "steps/s, gridworld at 5, popgym's card and board games at 4), exactly as 'ppo eval\n"
    "--num-envs 1' plays them with the same seed. A popgym game is shown as text: the cards seen,\n"
    "the board, the last action and its reward. The panel shows the episode, step, return, the\n"
    "action probabilities (the five likeliest when there are more than 7) and the value estimate.\n"
    "\n"
    "keys: space pause/resume, right arrow one step while paused, + and - speed, r restart the\n"
    "      episode, s save a screenshot PNG (in the current folder), q or Esc quit\n"
    "\n"
    "options:\n"
    "  --episodes N          stop after N episodes (default: until the window is closed)\n"
    "  --speed X             play X times as fast (0.0625 .. 64, default 1)\n"
    "  --seed S              seed of the env and of action sampling (default 12345)\n"
    "  --deterministic       take the most probable action (default)\n"
    "  --stochastic          sample actions from the policy\n"
    "  --env NAME            play another env with the same observation and action sizes\n"
    "  --map FILE            play gridworld/map on another map file (by default a gridworld\n"
    "                        checkpoint plays the map it trained on, stored in the checkpoint)\n"
    "  --frames N            stop after N frames\n"
    "  --record FILE.gif     record the episodes as an animated GIF (no display needed), one\n"
    "                        frame per step at the env's pace (CartPole 50 frames/s, gridworld\n"
    "                        5) times --speed; --episodes N (default 1) or --frames N\n"
    "  --screenshot FILE.png draw off-screen (no display needed), one frame per step without\n"
    "                        waiting, and save the last frame: after --frames N, or at the end\n"
    "                        of --episodes N (default 1)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Without a display 'ppo watch' exits with status 2; use --record, --screenshot,\n"
    "SDL_VIDEODRIVER=offscreen or Xvfb (xvfb-run -a ppo watch ...).\n",
    cmd_watch};

const Command CMD_PLAY = {
    "play", "play an env yourself with the keyboard",
    "usage: ppo play ENV [OPTIONS]\n"
    "\n"
    "Opens ENV (see 'ppo env list') in a window and lets you play it.\n"
    "  cartpole: left and right arrows push the cart (with neither held the pushes alternate);\n"
    "            it starts at the first push, in real time (50 steps/s); space pauses (so do\n"
    "            popgym's CartPole variants; its card and board games are not played by hand)\n"
    "  gridworld: one key, one step, as MiniGrid's manual_control: left and right arrows turn,\n"
    "            up moves forward, space toggles, tab or page up picks up, left shift or page\n"
    "            down drops, enter is done\n"
    "  always: + and - speed, r restart the episode, s screenshot PNG, q or Esc quit\n"
    "\n"
    "options:\n"
    "  --seed S              seed of the env (default 12345)\n"
    "  --speed X             CartPole X times as fast (0.0625 .. 64, default 1)\n"
    "  --map FILE            the map file of env gridworld/map\n"
    "  --screenshot FILE.png save the first frame off-screen and exit (no display needed)\n"
    "  -h, --help            show this help\n",
    cmd_play};
