/* cmd_eval.c: `ppo eval CHECKPOINT` and `ppo info CHECKPOINT`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/file.h"
#include "policies/linalg.h"
#include "run/checkpoint.h"
#include "run/evaluate.h"

/* Writes one row per episode (episode,return,length,terminated) to path, atomically. */
static int write_csv(const char *path, const EvalEpisode *eps, int n) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        fprintf(stderr, "ppo eval: out of memory for --csv\n");
        return -1;
    }
    fprintf(f, "episode,return,length,terminated\n");
    for (int i = 0; i < n; i++) fprintf(f, "%d,%.9g,%d,%d\n", i, eps[i].ret, eps[i].length, eps[i].terminated);
    fclose(f);
    Err err;
    int rc = file_write_atomic(path, text, len, &err);
    free(text);
    if (rc) fprintf(stderr, "ppo eval: --csv: %s\n", err.msg);
    return rc;
}

static int cmd_eval(const Command *self, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},          {"episodes", required_argument, NULL, 'e'},
        {"seed", required_argument, NULL, 's'},    {"deterministic", no_argument, NULL, 'd'},
        {"stochastic", no_argument, NULL, 'S'},    {"env", required_argument, NULL, 'E'},
        {"csv", required_argument, NULL, 'c'},     {"num-envs", required_argument, NULL, 'n'},
        {"map", required_argument, NULL, 'm'},     {NULL, 0, NULL, 0}};
    long episodes = 100, seed = 12345, num_envs = 16;
    bool deterministic = true;
    const char *env_name = NULL, *csv = NULL, *map_path = NULL;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":he:s:E:c:n:m:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'e':
            if (cli_parse_long(self, "--episodes", optarg, 1, 100000000, &episodes)) return EXIT_USAGE;
            break;
        case 's':
            if (cli_parse_long(self, "--seed", optarg, 0, 0x7fffffffffffffffL, &seed)) return EXIT_USAGE;
            break;
        case 'n':
            if (cli_parse_long(self, "--num-envs", optarg, 1, 4096, &num_envs)) return EXIT_USAGE;
            break;
        case 'd':
            deterministic = true;
            break;
        case 'S':
            deterministic = false;
            break;
        case 'E':
            env_name = optarg;
            break;
        case 'c':
            csv = optarg;
            break;
        case 'm':
            map_path = optarg;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo eval: expected one CHECKPOINT (try 'ppo eval --help')\n");
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    Err err;
    if (csv && file_check_writable(csv, "--csv", &err)) { /* before any episode is played */
        fprintf(stderr, "ppo eval: %s\n", err.msg);
        return err_exit_code(&err);
    }
    linalg_set_threads(1);
    linalg_flush_denormals();
    CliPolicy lp;
    int code = cli_policy_load(self, &lp, path, env_name, map_path);
    if (code) return code;
    const TrainConfig *cfg = &lp.cfg;
    EvalEpisode *eps = calloc((size_t)episodes, sizeof *eps);
    if (!eps) {
        fprintf(stderr, "ppo eval: out of memory for %ld episodes\n", episodes);
        cli_policy_free(&lp);
        return 1;
    }
    RunningStats norm_view;
    double clip_obs = 0;
    const RunningStats *norm = checkpoint_obs_norm(&lp.ck, &norm_view, &clip_obs);
    EvalOptions eo = {(int)episodes, (uint64_t)seed, deterministic, (int)num_envs, norm, clip_obs};
    double t0 = clock_seconds();
    int rc = evaluate(lp.policy, &cfg->env, &eo, eps, &err);
    double dt = clock_seconds() - t0;
    char played[ENV_NAME_LEN];
    snprintf(played, sizeof played, "%s", cfg->env.name);
    const bool gaussian = lp.policy->gaussian;
    cli_policy_free(&lp);
    if (rc) {
        fprintf(stderr, "ppo eval: %s\n", err.msg);
        free(eps);
        return err_exit_code(&err);
    }
    double sum = 0, sum2 = 0, mn = INFINITY, mx = -INFINITY, len = 0;
    for (long i = 0; i < episodes; i++) {
        sum += eps[i].ret;
        sum2 += (double)eps[i].ret * eps[i].ret;
        mn = fmin(mn, eps[i].ret);
        mx = fmax(mx, eps[i].ret);
        len += eps[i].length;
    }
    double mean = sum / episodes, var = sum2 / episodes - mean * mean;
    printf("env %s, %ld episodes, %s policy, seed %ld\n", played, episodes,
           deterministic ? (gaussian ? "deterministic (mean action)" : "deterministic (argmax)") : "stochastic (sampled)",
           seed);
    printf("return %.4g +- %.3g  (min %.4g, max %.4g)  mean length %.1f  %.1f episodes/s\n", mean,
           sqrt(var > 0 ? var : 0), mn, mx, len / episodes, episodes / fmax(dt, 1e-9));
    if (strncmp(played, "popgym/", 7) == 0)
        printf("returns on POPGym's scale: its rewards are scaled so that an episode scores at most 1\n");
    if (csv && write_csv(csv, eps, (int)episodes)) rc = 1;
    free(eps);
    return rc;
}

static int cmd_info(const Command *self, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(self->usage, stdout);
            return 0;
        }
        return cli_bad_option(self, argv[optind - 1], c);
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo info: expected one CHECKPOINT (try 'ppo info --help')\n");
        return EXIT_USAGE;
    }
    Checkpoint ck;
    Err err;
    if (checkpoint_read(&ck, argv[optind], &err)) {
        fprintf(stderr, "ppo info: %s\n", err.msg);
        return err_exit_code(&err);
    }
    size_t params = 0;
    uint32_t crc = checkpoint_params_crc(&ck, &params);
    /* A run over MPI ranks saves every rank's envs (checkpoint_dist.h). */
    char envs[96];
    snprintf(envs, sizeof envs, "%d envs", ck.num_envs);
    TrainConfig cfg;
    if (config_load_saved(&cfg, ck.config_yaml, strlen(ck.config_yaml), argv[optind], ck.map_text, NULL, 0, &err) == 0 &&
        ck.num_envs != cfg.run.num_envs && ck.num_envs % cfg.run.num_envs == 0)
        snprintf(envs, sizeof envs, "%d envs: %d MPI ranks x %d", ck.num_envs,
                 ck.num_envs / cfg.run.num_envs, cfg.run.num_envs);
    printf("checkpoint:   %s (format version %u)\n", argv[optind], ck.version);
    if (checkpoint_tensor(&ck, CKPT_PARAMS "/log_std")) /* a Gaussian policy */
        printf("env:          %s (obs %d, a continuous action of %d dimension%s, %s)\n", ck.env_name, ck.obs_dim,
               ck.n_actions, ck.n_actions == 1 ? "" : "s", envs);
    else
        printf("env:          %s (obs %d, %d actions, %s)\n", ck.env_name, ck.obs_dim, ck.n_actions, envs);
    if (ck.has_norm)
        printf("normalized:   %s%s%s (running statistics over %.0f steps, saved with the checkpoint)\n",
               ck.norm_obs_on ? "observations" : "", ck.norm_obs_on && ck.norm_reward_on ? " and " : "",
               ck.norm_reward_on ? "rewards" : "", ck.norm_obs_on ? ck.norm_obs_count : ck.norm_ret_count);
    if (ck.has_counts)
        printf("count bonus:  %llu distinct observations counted (their counts saved with the checkpoint)\n",
               (unsigned long long)ck.n_counts);
    printf("policy:       %s (%zu parameters, recurrent state %llu floats per env)\n", ck.policy_kind,
           params, (unsigned long long)ck.state_size);
    if (ck.map_text)
        printf("map:          %s (its text, %zu bytes, is stored in the checkpoint)\n", ck.map_name,
               strlen(ck.map_text));
    printf("params crc:   %08lx (CRC-32 of the parameter tensors, in file order)\n", (unsigned long)crc);
    printf("progress:     update %lld, step %lld, %lld episodes, %.1f s of training\n",
           (long long)ck.update, (long long)ck.global_step, (long long)ck.episodes, ck.train_seconds);
    printf("return:       %.2f mean of the last %d episodes at save time (best %.2f)\n",
           ck.mean_return, ck.recent.n, ck.best_return);
    printf("tensors:\n");
    for (int i = 0; i < ck.n_tensors; i++) {
        const char *name = checkpoint_param_name(&ck.tensors[i]);
        if (!name) continue;
        printf("  %-32s [", name);
        for (int d = 0; d < ck.tensors[i].ndim; d++) printf("%s%d", d ? ", " : "", ck.tensors[i].shape[d]);
        printf("]\n");
    }
    printf("config:\n%s", ck.config_yaml);
    checkpoint_free(&ck);
    return 0;
}

const Command CMD_EVAL = {
    "eval", "evaluate a checkpoint over many episodes",
    "usage: ppo eval CHECKPOINT [OPTIONS]\n"
    "\n"
    "Plays episodes with the checkpoint's policy on its own env (recurrent state carried\n"
    "through each episode as in training) and prints the mean +- std return, min, max,\n"
    "mean length and episodes/s. The same seed gives the same figures. A popgym env's return\n"
    "is POPGym's score: its rewards are POPGym's, scaled so that an episode scores at most 1.\n"
    "\n"
    "options:\n"
    "  --episodes N       episodes to play (default 100)\n"
    "  --seed S           seed of the envs and of action sampling (default 12345)\n"
    "  --deterministic    take the most probable action (default)\n"
    "  --stochastic       sample actions from the policy\n"
    "  --env NAME         play another env with the same observation and action sizes\n"
    "  --map FILE         play gridworld/map on another map file (a gridworld checkpoint plays\n"
    "                     the map it trained on, stored in the checkpoint, by default)\n"
    "  --csv FILE         write one row per episode: episode,return,length,terminated\n"
    "  --num-envs N       episodes played side by side (default 16)\n"
    "  -h, --help         show this help\n",
    cmd_eval};

const Command CMD_INFO = {
    "info", "print a checkpoint's header and config",
    "usage: ppo info CHECKPOINT\n"
    "\n"
    "Prints the env, the policy and its tensors, the step and return at save time, and the\n"
    "resolved config the checkpoint was trained with.\n"
    "\n"
    "options:\n"
    "  -h, --help   show this help\n",
    cmd_info};
