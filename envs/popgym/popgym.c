/* popgym.c: the popgym env class: the level table (POPGym's Easy, Medium and Hard classes of
 * each game, popgym/envs/ files), creation by name, the one-hot observation (gymnasium's
 * spaces.utils.flatten), reset and step around each game's rules, the renderer's view and the
 * saved state (see popgym.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/popgym/impl.h"

#define STATE_MAGIC 0x31475050u /* "PPG1" */

/* Concentration's episode length, ceil(2n - n / (2n - 1)) (concentration.py __init__), which is
 * 2n for n >= 2 cards. */
#define CONC_LENGTH(n) (2 * (n))

/* Each line: name, game, difficulty, parameters a, b, c (named in the game's file), episode
 * length, actions, observation parts and values per part, observation floats. */
static const PopgymLevel LEVELS[] = {
    /* RepeatPrevious(num_decks, k): length N - 1; obs Discrete(4) */
    {"popgym/repeat-previous-easy", &popgym_repeat_previous, "easy", 1, 4, 0, 51, 4, 1, 4, 4},
    {"popgym/repeat-previous-medium", &popgym_repeat_previous, "medium", 2, 32, 0, 103, 4, 1, 4, 4},
    {"popgym/repeat-previous-hard", &popgym_repeat_previous, "hard", 3, 64, 0, 155, 4, 1, 4, 4},
    /* RepeatFirst(num_decks): length N - 1; obs Discrete(4) */
    {"popgym/repeat-first-easy", &popgym_repeat_first, "easy", 1, 0, 0, 51, 4, 1, 4, 4},
    {"popgym/repeat-first-medium", &popgym_repeat_first, "medium", 8, 0, 0, 415, 4, 1, 4, 4},
    {"popgym/repeat-first-hard", &popgym_repeat_first, "hard", 16, 0, 0, 831, 4, 1, 4, 4},
    /* Autoencode(num_decks): length 2N - 1; obs Tuple(Discrete(2), Discrete(4)) */
    {"popgym/autoencode-easy", &popgym_autoencode, "easy", 1, 0, 0, 103, 4, 2, 0, 6},
    {"popgym/autoencode-medium", &popgym_autoencode, "medium", 2, 0, 0, 207, 4, 2, 0, 6},
    {"popgym/autoencode-hard", &popgym_autoencode, "hard", 3, 0, 0, 311, 4, 2, 0, 6},
    /* CountRecall(num_decks, deck_type 0 colors / 1 suits / 2 ranks): length N - 1;
     * obs MultiDiscrete([V, V]); actions M + 1 */
    {"popgym/count-recall-easy", &popgym_count_recall, "easy", 1, 0, 0, 51, 27, 2, 2, 4},
    {"popgym/count-recall-medium", &popgym_count_recall, "medium", 2, 1, 0, 103, 27, 2, 4, 8},
    {"popgym/count-recall-hard", &popgym_count_recall, "hard", 4, 2, 0, 207, 17, 2, 13, 26},
    /* HigherLower(num_decks): length N - 1; obs Discrete(13) */
    {"popgym/higher-lower-easy", &popgym_higher_lower, "easy", 1, 0, 0, 51, 2, 1, 13, 13},
    {"popgym/higher-lower-medium", &popgym_higher_lower, "medium", 2, 0, 0, 103, 2, 1, 13, 13},
    {"popgym/higher-lower-hard", &popgym_higher_lower, "hard", 3, 0, 0, 155, 2, 1, 13, 13},
    /* Concentration(num_decks, deck_type 0 colors / 2 ranks): obs MultiDiscrete([F + 1] * N) */
    {"popgym/concentration-easy", &popgym_concentration, "easy", 1, 0, 0, CONC_LENGTH(52), 52, 52, 3, 156},
    {"popgym/concentration-medium", &popgym_concentration, "medium", 2, 0, 0, CONC_LENGTH(104), 104, 104, 3, 312},
    {"popgym/concentration-hard", &popgym_concentration, "hard", 1, 2, 0, CONC_LENGTH(52), 52, 52, 14, 728},
    /* MineSweeper(side, mines): length side^2 - mines; obs Discrete(min(mines + 1, 10)) */
    {"popgym/minesweeper-easy", &popgym_minesweeper, "easy", 4, 2, 0, 14, 16, 1, 3, 3},
    {"popgym/minesweeper-medium", &popgym_minesweeper, "medium", 6, 6, 0, 30, 36, 1, 7, 7},
    {"popgym/minesweeper-hard", &popgym_minesweeper, "hard", 8, 10, 0, 54, 64, 1, 10, 10},
    /* Battleship(board_size): length board_size^2; obs Discrete(2) */
    {"popgym/battleship-easy", &popgym_battleship, "easy", 8, 0, 0, 64, 64, 1, 2, 2},
    {"popgym/battleship-medium", &popgym_battleship, "medium", 10, 0, 0, 100, 100, 1, 2, 2},
    {"popgym/battleship-hard", &popgym_battleship, "hard", 12, 0, 0, 144, 144, 1, 2, 2},
    /* MultiarmedBandit(num_bandits, episode_length): obs Discrete(2) */
    {"popgym/multiarmed-bandit-easy", &popgym_multiarmed_bandit, "easy", 10, 0, 0, 200, 10, 1, 2, 2},
    {"popgym/multiarmed-bandit-medium", &popgym_multiarmed_bandit, "medium", 20, 0, 0, 400, 20, 1, 2, 2},
    {"popgym/multiarmed-bandit-hard", &popgym_multiarmed_bandit, "hard", 30, 0, 0, 600, 30, 1, 2, 2},
    /* PositionOnlyCartPole(max_episode_length): obs Box(2) */
    {"popgym/position-only-cartpole-easy", &popgym_position_only_cartpole, "easy", 0, 0, 0, 200, 2, 0, 0, 2},
    {"popgym/position-only-cartpole-medium", &popgym_position_only_cartpole, "medium", 0, 0, 0, 400, 2, 0, 0, 2},
    {"popgym/position-only-cartpole-hard", &popgym_position_only_cartpole, "hard", 0, 0, 0, 600, 2, 0, 0, 2},
    /* VelocityOnlyCartPole(max_episode_length) */
    {"popgym/velocity-only-cartpole-easy", &popgym_velocity_only_cartpole, "easy", 0, 0, 0, 200, 2, 0, 0, 2},
    {"popgym/velocity-only-cartpole-medium", &popgym_velocity_only_cartpole, "medium", 0, 0, 0, 400, 2, 0, 0, 2},
    {"popgym/velocity-only-cartpole-hard", &popgym_velocity_only_cartpole, "hard", 0, 0, 0, 600, 2, 0, 0, 2},
    /* NoisyPositionOnlyCartPole(noise_sigma): max_episode_length stays 200 */
    {"popgym/noisy-position-only-cartpole-easy", &popgym_noisy_position_only_cartpole, "easy", 0, 0, 0.1, 200, 2, 0, 0, 2},
    {"popgym/noisy-position-only-cartpole-medium", &popgym_noisy_position_only_cartpole, "medium", 0, 0, 0.2, 200, 2, 0, 0, 2},
    {"popgym/noisy-position-only-cartpole-hard", &popgym_noisy_position_only_cartpole, "hard", 0, 0, 0.3, 200, 2, 0, 0, 2},
};
#define N_LEVELS (int)(sizeof LEVELS / sizeof LEVELS[0])

/* The registry names, in the order of LEVELS (test_popgym checks that they agree). */
static const char *const PG_NAMES[] = {
    "popgym/repeat-previous-easy", "popgym/repeat-previous-medium", "popgym/repeat-previous-hard",
    "popgym/repeat-first-easy", "popgym/repeat-first-medium", "popgym/repeat-first-hard",
    "popgym/autoencode-easy", "popgym/autoencode-medium", "popgym/autoencode-hard",
    "popgym/count-recall-easy", "popgym/count-recall-medium", "popgym/count-recall-hard",
    "popgym/higher-lower-easy", "popgym/higher-lower-medium", "popgym/higher-lower-hard",
    "popgym/concentration-easy", "popgym/concentration-medium", "popgym/concentration-hard",
    "popgym/minesweeper-easy", "popgym/minesweeper-medium", "popgym/minesweeper-hard",
    "popgym/battleship-easy", "popgym/battleship-medium", "popgym/battleship-hard",
    "popgym/multiarmed-bandit-easy", "popgym/multiarmed-bandit-medium", "popgym/multiarmed-bandit-hard",
    "popgym/position-only-cartpole-easy", "popgym/position-only-cartpole-medium",
    "popgym/position-only-cartpole-hard",
    "popgym/velocity-only-cartpole-easy", "popgym/velocity-only-cartpole-medium",
    "popgym/velocity-only-cartpole-hard",
    "popgym/noisy-position-only-cartpole-easy", "popgym/noisy-position-only-cartpole-medium",
    "popgym/noisy-position-only-cartpole-hard",
    NULL,
};

void text_add(char *buf, size_t cap, size_t *used, const char *fmt, ...) {
    if (cap == 0 || *used + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    *used = *used + (size_t)k < cap - 1 ? *used + (size_t)k : cap - 1;
}

int check_range(long v, long lo, long hi, const char *what, Err *err) {
    if (v < lo || v > hi) return err_set(err, "popgym state: %s %ld outside %ld..%ld", what, v, lo, hi);
    return 0;
}

/* gymnasium.spaces.utils.flatten of the raw observation: the one-hot of each part, one after the
 * other (Autoencode's two parts have 2 and 4 values), into obs [obs_dim]. */
static void encode(const Popgym *p, float *obs) {
    const PopgymLevel *l = p->level;
    if (l->obs_parts == 0) {
        obs[0] = p->pole_obs[0];
        obs[1] = p->pole_obs[1];
        return;
    }
    memset(obs, 0, sizeof(float) * (size_t)l->obs_dim);
    if (l->part_size == 0) { /* Autoencode: Tuple(Discrete(2), Discrete(4)) */
        obs[p->raw[0]] = 1.0f;
        obs[2 + p->raw[1]] = 1.0f;
        return;
    }
    for (int i = 0; i < l->obs_parts; i++) obs[i * l->part_size + p->raw[i]] = 1.0f;
}

static void sync_view(Popgym *p) {
    p->pub.step = p->t;
    p->pub.last_action = p->last_action;
    p->pub.last_reward = p->last_reward;
    p->pub.ret = p->ret;
    if (p->pub.cartpole) {
        memcpy(p->pub.pole.state, p->g.pole.s, sizeof p->pub.pole.state);
        p->pub.pole.steps = p->t;
    }
}

static void *pg_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    const PopgymLevel *level = NULL;
    for (int i = 0; i < N_LEVELS && !level; i++)
        if (strcmp(LEVELS[i].name, cfg->name) == 0) level = &LEVELS[i];
    if (!level) {
        err_set(err, "env.name: unknown popgym env '%s'", cfg->name);
        return NULL;
    }
    if (cfg->max_steps != 0) {
        err_set(err, "env.max_steps: does not apply to %s (its episodes last at most %d steps, as "
                "POPGym's %s %s; leave it 0)", cfg->name, level->max_length, level->game->title,
                level->difficulty);
        return NULL;
    }
    if (cfg->integrator != ENV_INTEGRATOR_EULER) {
        err_set(err, "env.integrator: does not apply to %s (POPGym's CartPole variants use euler)",
                cfg->name);
        return NULL;
    }
    if (cfg->map[0]) {
        err_set(err, "env.map: '%s' does not apply to %s (only gridworld/map reads a map)", cfg->map,
                cfg->name);
        return NULL;
    }
    if (cfg->see_through) {
        err_set(err, "env.see_through: does not apply to %s (only gridworld envs have walls)", cfg->name);
        return NULL;
    }
    Popgym *p = calloc(1, sizeof *p); /* zeroed: the saved bytes have no stray padding */
    if (!p) {
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    p->level = level;
    p->pub.name = level->name;
    p->pub.game = level->game->title;
    p->pub.difficulty = level->difficulty;
    p->pub.max_length = level->max_length;
    p->pub.cartpole = level->obs_parts == 0;
    p->pub.pole.max_steps = level->max_length;
    rng_seed(&p->rng, 0, 0);
    /* A valid episode before the first reset, for a view or a saved state taken that early. */
    level->game->reset(p, p->raw, p->pole_obs);
    p->last_action = -1;
    sync_view(p);
    *obs_dim = level->obs_dim;
    *n_actions = level->n_actions;
    return p;
}

static void pg_destroy(void *self) { free(self); }

static void pg_seed(void *self, uint64_t seed, uint64_t stream) {
    rng_seed(&((Popgym *)self)->rng, seed, stream);
}

static void begin(Popgym *p) {
    p->t = 0;
    p->last_action = -1;
    p->last_reward = 0.0f;
    p->ret = 0.0f;
}

static void pg_reset(void *self, float *obs) {
    Popgym *p = self;
    begin(p);
    p->level->game->reset(p, p->raw, p->pole_obs);
    sync_view(p);
    encode(p, obs);
}

static void pg_step(void *self, int action, float *obs, float *reward, bool *terminated,
                    bool *truncated) {
    Popgym *p = self;
    if (action < 0 || action >= p->level->n_actions) action = 0;
    if (p->t >= p->level->max_length) { /* stepped past the end without a reset: nothing moves */
        *reward = 0.0f;
        *terminated = true;
        *truncated = false;
        encode(p, obs);
        return;
    }
    double r = 0.0;
    bool term = false, trunc = false;
    p->level->game->step(p, action, p->raw, p->pole_obs, &r, &term, &trunc);
    p->t++;
    p->last_action = action;
    p->last_reward = (float)r;
    p->ret += (float)r;
    *reward = (float)r;
    *terminated = term;
    *truncated = trunc;
    sync_view(p);
    encode(p, obs);
}

static const void *pg_view(const void *self) { return &((const Popgym *)self)->pub; }

/* The saved state: a header naming the level, then the env's bytes from `t` on. */
typedef struct PopgymSaved {
    uint32_t magic;
    int32_t level;
} PopgymSaved;

#define SAVED_FROM offsetof(Popgym, t)
#define SAVED_BYTES (sizeof(Popgym) - SAVED_FROM)

static size_t pg_state_size(const void *self) {
    (void)self;
    return sizeof(PopgymSaved) + SAVED_BYTES;
}

static void pg_state_save(const void *self, void *buf) {
    const Popgym *p = self;
    PopgymSaved h = {STATE_MAGIC, (int32_t)(p->level - LEVELS)};
    memcpy(buf, &h, sizeof h);
    memcpy((char *)buf + sizeof h, (const char *)p + SAVED_FROM, SAVED_BYTES);
}

static int pg_state_load(void *self, const void *buf, Err *err) {
    Popgym *p = self;
    PopgymSaved h;
    memcpy(&h, buf, sizeof h);
    if (h.magic != STATE_MAGIC) return err_set(err, "popgym state: not a popgym state (bad magic)");
    if (h.level != (int32_t)(p->level - LEVELS))
        return err_set(err, "popgym state: saved by another env than %s (level %d)", p->level->name, h.level);
    Popgym *q = malloc(sizeof *q); /* checked on a copy, so a bad state leaves p as it was */
    if (!q) return err_set(err, "out of memory loading a popgym state");
    memcpy(q, p, sizeof *q);
    memcpy((char *)q + SAVED_FROM, (const char *)buf + sizeof h, SAVED_BYTES);
    const PopgymLevel *l = p->level;
    int rc = check_range(q->t, 0, l->max_length, "step count", err) ||
             check_range(q->last_action, -1, l->n_actions - 1, "last action", err);
    if (!rc && (q->rng.inc & 1u) == 0) rc = err_set(err, "popgym state: RNG stream is not odd");
    if (!rc && l->obs_parts > 0) {
        for (int i = 0; i < l->obs_parts && !rc; i++) {
            int size = l->part_size ? l->part_size : i == 0 ? 2 : 4;
            rc = check_range(q->raw[i], 0, size - 1, "observation value", err);
        }
    }
    if (!rc) rc = l->game->check(q, err);
    if (!rc) {
        memcpy(p, q, sizeof *p);
        sync_view(p);
    }
    free(q);
    return rc ? -1 : 0;
}

const EnvClass popgym_class = {
    .names = PG_NAMES,
    .create = pg_create,
    .destroy = pg_destroy,
    .seed = pg_seed,
    .reset = pg_reset,
    .step = pg_step,
    .view = pg_view,
    .state_size = pg_state_size,
    .state_save = pg_state_save,
    .state_load = pg_state_load,
};

/* The env behind a view (pub is the env's first member). */
static const Popgym *of_view(const PopgymView *v) { return (const Popgym *)(const void *)v; }

void popgym_describe(const PopgymView *v, char *buf, size_t cap) {
    if (cap == 0) return;
    buf[0] = '\0';
    if (v->pendulum) { /* another struct behind the view: popgym_pendulum_class's */
        size_t u = 0;
        text_add(buf, cap, &u, "%s %s, step %d of %d\n", v->game, v->difficulty, v->step, v->max_length);
        text_add(buf, cap, &u, "theta %+.2f rad  thetadot %+.3f rad/s (hidden)\n", v->pend.state[0], v->pend.state[1]);
        text_add(buf, cap, &u, "last torque %+.3f N m, reward %+.4f (Pendulum's %+.3f)\n", v->pend.last_action,
                 (double)v->last_reward, v->pend.last_reward);
        return;
    }
    of_view(v)->level->game->describe(of_view(v), buf, cap);
}

void popgym_action_name(const PopgymView *v, int a, char *buf, size_t cap) {
    if (cap == 0) return;
    buf[0] = '\0';
    if (v->pendulum) { /* a continuous torque: no action has a name */
        snprintf(buf, cap, "torque");
        return;
    }
    of_view(v)->level->game->action_name(of_view(v), a, buf, cap);
}

int popgym_test_setup(Env *env, const double *values, int n, float *obs, Err *err) {
    if (env->cls == &popgym_pendulum_class) return popgym_pendulum_test_setup(env, values, n, obs, err);
    if (env->cls != &popgym_class) return err_set(err, "popgym_test_setup: %s is not a popgym env", env->name);
    Popgym *p = env->self;
    begin(p);
    if (p->level->game->setup(p, values, n, p->raw, p->pole_obs, err)) return -1;
    sync_view(p);
    encode(p, obs);
    return 0;
}
