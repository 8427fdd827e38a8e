/* test_gridworld.c: the gridworld levels follow MiniGrid's rules, view and generators (the Memory
 * levels replay episodes MiniGrid itself played, tests/data/minigrid/memory.txt); the fast view
 * agrees with the literal port of MiniGrid's gen_obs_grid; generated levels are solvable; maps
 * parse (or fail with file:line:column) and round-trip; saved states restore. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "envs/gridworld/gridworld.h"
#include "tests/testutil.h"

static const char *const LEVELS[] = {
    "gridworld/empty-8x8",         "gridworld/empty-random-8x8",  "gridworld/four-rooms",
    "gridworld/door-key-5x5",      "gridworld/door-key-8x8",      "gridworld/memory-s7",
    "gridworld/memory-s9",         "gridworld/memory-s11",        "gridworld/memory-s13",
    "gridworld/memory-s13-random", "gridworld/memory-s17-random",
};
#define N_LEVELS (int)(sizeof LEVELS / sizeof LEVELS[0])

/* --- helpers ------------------------------------------------------------------------------ */

/* Fails the test with the message unless cond holds. Check's ck_assert_* record a mark point (a
 * write to its pipe) on every check that passes; the loops of this suite check millions of
 * cells, so they use this instead. */
#define require(cond, ...)                          \
    do {                                            \
        if (!(cond)) ck_abort_msg(__VA_ARGS__);     \
    } while (0)

static Env *make_env(const char *name, int max_steps, bool see_through) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    cfg.max_steps = max_steps;
    cfg.see_through = see_through;
    Env *env;
    Err err;
    ck_assert_msg(env_create(&env, &cfg, &err) == 0, "%s: %s", name, err.msg);
    return env;
}

/* Writes text to a fresh file `name` in a new temporary directory; the path goes to path [cap]. */
static void write_file(const char *name, const char *text, char *path, size_t cap) {
    char dir[200];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Tries to make gridworld/map from map text; returns 0 and the env, or -1 and the message. */
static int try_map(const char *text, int max_steps, bool see_through, Env **env, Err *err) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "gridworld/map");
    write_file("level.map", text, cfg.map, sizeof cfg.map);
    cfg.max_steps = max_steps;
    cfg.see_through = see_through;
    return env_create(env, &cfg, err);
}

static Env *make_map(const char *text, int max_steps, bool see_through) {
    Env *env;
    Err err;
    ck_assert_msg(try_map(text, max_steps, see_through, &env, &err) == 0, "%s", err.msg);
    return env;
}

typedef struct Step {
    float reward;
    bool term, trunc;
} Step;

static float obs[GRID_OBS_DIM];

static Step step(Env *env, int action) {
    Step s;
    env_step(env, action, obs, &s.reward, &s.term, &s.trunc);
    return s;
}

static const GridView *view_of(const Env *env) { return env_view(env); }

static GridCell cell_at(const GridView *v, int x, int y) { return v->cells[y * v->stride + x]; }

/* The (object, color, state) of view cell (vx, vy) of an observation, checking that each of
 * its three one-hot groups holds exactly one 1 and everything else is 0. */
static GridCell obs_cell(const float *o, int vx, int vy) {
    const float *c = o + (vx * GRID_VIEW + vy) * GRID_CELL_DIM;
    int idx[3] = {-1, -1, -1};
    const int start[4] = {0, GRID_N_OBJECTS, GRID_N_OBJECTS + GRID_N_COLORS, GRID_CELL_DIM};
    for (int g = 0; g < 3; g++)
        for (int k = start[g]; k < start[g + 1]; k++) {
            require(c[k] == 0.0f || c[k] == 1.0f, "view cell (%d, %d) value %d is %g", vx, vy, k, c[k]);
            if (c[k] == 1.0f) {
                require(idx[g] < 0, "view cell (%d, %d): two ones in group %d", vx, vy, g);
                idx[g] = k - start[g];
            }
        }
    require(idx[0] >= 0 && idx[1] >= 0 && idx[2] >= 0, "view cell (%d, %d): a group has no 1", vx, vy);
    return (GridCell){(uint8_t)idx[0], (uint8_t)idx[1], (uint8_t)idx[2], 0};
}

static int obs_dir(const float *o) {
    int dir = -1;
    for (int d = 0; d < 4; d++)
        if (o[GRID_DIR_OFFSET + d] == 1.0f) {
            require(dir == -1, "two directions");
            dir = d;
        } else {
            require(o[GRID_DIR_OFFSET + d] == 0.0f, "direction %d is %g", d, o[GRID_DIR_OFFSET + d]);
        }
    return dir;
}

#define ck_assert_cell(got, t, c, s)                                                        \
    do {                                                                                    \
        GridCell g_ = (got);                                                                \
        require(g_.type == (t) && g_.color == (c) && g_.state == (s),                       \
                      "cell is (%u, %u, %u), expected (%d, %d, %d)", g_.type, g_.color,      \
                      g_.state, (int)(t), (int)(c), (int)(s));                              \
    } while (0)

/* MiniGrid's reward for reaching the goal at step k of max_steps. */
static float goal_reward(int k, int max_steps) { return (float)(1.0 - 0.9 * ((double)k / max_steps)); }

/* --- registry and sizes ------------------------------------------------------------------ */

START_TEST(every_level_is_registered_with_935_floats_and_7_actions) {
    const char *names[64];
    int n = env_names(names, 64);
    for (int i = 0; i < N_LEVELS; i++) {
        bool found = false;
        for (int k = 0; k < n; k++) found |= strcmp(names[k], LEVELS[i]) == 0;
        ck_assert_msg(found, "%s is not registered", LEVELS[i]);
        Env *env = make_env(LEVELS[i], 0, false);
        ck_assert_int_eq(env->obs_dim, 935);
        ck_assert_int_eq(env->obs_dim, GRID_OBS_DIM);
        ck_assert_int_eq(env->n_actions, 7);
        env_destroy(env);
    }
    bool map_found = false;
    for (int k = 0; k < n; k++) map_found |= strcmp(names[k], "gridworld/map") == 0;
    ck_assert(map_found);
}
END_TEST

START_TEST(unknown_levels_and_misplaced_options_are_refused_with_a_message) {
    EnvConfig cfg = {0};
    Env *env;
    Err err;
    snprintf(cfg.name, sizeof cfg.name, "gridworld/four-room");
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "gridworld/four-room'") && strstr(err.msg, "gridworld/four-rooms") &&
                      strstr(err.msg, "gridworld/memory-s7") && strstr(err.msg, "gridworld/map"),
                  "%s", err.msg);
    snprintf(cfg.name, sizeof cfg.name, "gridworld/map");
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "env.map"), "%s", err.msg);
    snprintf(cfg.name, sizeof cfg.name, "gridworld/empty-8x8");
    snprintf(cfg.map, sizeof cfg.map, "x.map");
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "env.map") && strstr(err.msg, "x.map"), "%s", err.msg);
    cfg.map[0] = '\0';
    cfg.max_steps = -3;
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "max_steps"), "%s", err.msg);
    cfg.max_steps = 0;
    cfg.integrator = ENV_INTEGRATOR_SEMI_IMPLICIT;
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "integrator"), "%s", err.msg);
}
END_TEST

/* --- rules, each on a tiny map -------------------------------------------------------------- */

START_TEST(walls_block_forward_and_outside_the_map_acts_as_a_wall) {
    Env *env = make_map("##########\n"
                        "##>>..####\n"
                        "##########\n",
                        0, false);
    env_reset(env, obs);
    const GridView *v = view_of(env);
    ck_assert_int_eq(v->agent_x, 1);
    Step s = step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 2);
    ck_assert(!s.term && !s.trunc && s.reward == 0.0f);
    step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 2);
    ck_assert_int_eq(v->agent_y, 1);
    env_destroy(env);
    /* No border: the edge of the map stops the agent as a wall would. */
    env = make_map("......\n"
                   "..>>..\n"
                   "......\n",
                   0, false);
    env_reset(env, obs);
    v = view_of(env);
    for (int k = 0; k < 3; k++) step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 2);
    step(env, GRID_PICKUP);
    step(env, GRID_TOGGLE);
    ck_assert_int_eq(v->carrying.type, GRID_EMPTY);
    /* The view sees the outside as grey walls (Grid.slice), beyond them nothing. */
    ck_assert_cell(obs_cell(obs, 3, 5), GRID_WALL, GRID_GREY, 0);
    ck_assert_cell(obs_cell(obs, 3, 4), GRID_UNSEEN, 0, 0);
    env_destroy(env);
}
END_TEST

START_TEST(a_locked_door_opens_only_with_the_key_of_its_color) {
    Env *env = make_map("############\n"
                        "##..Ky....##\n"
                        "##>>..Ly..##\n"
                        "##..Kr....##\n"
                        "############\n",
                        0, false);
    env_reset(env, obs);
    const GridView *v = view_of(env);
    step(env, GRID_FORWARD); /* (2, 2), facing the door */
    ck_assert_int_eq(v->agent_x, 2);
    step(env, GRID_TOGGLE);  /* no key */
    ck_assert_cell(cell_at(v, 3, 2), GRID_DOOR, GRID_YELLOW, GRID_LOCKED);
    ck_assert_cell(obs_cell(obs, 3, 5), GRID_DOOR, GRID_YELLOW, GRID_LOCKED);
    step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 2);
    step(env, GRID_RIGHT);   /* south: the red key */
    step(env, GRID_PICKUP);
    ck_assert_cell(v->carrying, GRID_KEY, GRID_RED, 0);
    ck_assert_cell(cell_at(v, 2, 3), GRID_EMPTY, 0, 0);
    ck_assert_cell(obs_cell(obs, 3, 6), GRID_KEY, GRID_RED, 0); /* carried: the agent's cell */
    step(env, GRID_LEFT);    /* east: the door */
    step(env, GRID_TOGGLE);  /* the wrong color */
    ck_assert_cell(cell_at(v, 3, 2), GRID_DOOR, GRID_YELLOW, GRID_LOCKED);
    step(env, GRID_RIGHT);
    step(env, GRID_DROP);    /* back where it was */
    ck_assert_cell(cell_at(v, 2, 3), GRID_KEY, GRID_RED, 0);
    ck_assert_int_eq(v->carrying.type, GRID_EMPTY);
    step(env, GRID_LEFT);
    step(env, GRID_LEFT);    /* north: the yellow key */
    step(env, GRID_PICKUP);
    ck_assert_cell(v->carrying, GRID_KEY, GRID_YELLOW, 0);
    step(env, GRID_RIGHT);   /* east */
    step(env, GRID_TOGGLE);
    ck_assert_cell(cell_at(v, 3, 2), GRID_DOOR, GRID_YELLOW, GRID_OPEN);
    ck_assert_cell(obs_cell(obs, 3, 5), GRID_DOOR, GRID_YELLOW, GRID_OPEN);
    step(env, GRID_FORWARD); /* onto the open door */
    ck_assert_int_eq(v->agent_x, 3);
    step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 4);
    /* An unlocked door toggles open and closed (now without needing the key). */
    step(env, GRID_LEFT);
    step(env, GRID_LEFT);    /* west: the open door */
    step(env, GRID_DROP);    /* not onto a door */
    ck_assert_cell(v->carrying, GRID_KEY, GRID_YELLOW, 0);
    step(env, GRID_TOGGLE);
    ck_assert_cell(cell_at(v, 3, 2), GRID_DOOR, GRID_YELLOW, GRID_CLOSED);
    step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 4);
    step(env, GRID_TOGGLE);
    ck_assert_cell(cell_at(v, 3, 2), GRID_DOOR, GRID_YELLOW, GRID_OPEN);
    env_destroy(env);
}
END_TEST

START_TEST(a_closed_door_blocks_until_toggled_and_blocks_sight) {
    Env *env = make_map("##############\n"
                        "##>>Db..Kp..##\n"
                        "##############\n",
                        0, false);
    env_reset(env, obs);
    const GridView *v = view_of(env);
    ck_assert_cell(obs_cell(obs, 3, 5), GRID_DOOR, GRID_BLUE, GRID_CLOSED);
    ck_assert_cell(obs_cell(obs, 3, 3), GRID_UNSEEN, 0, 0); /* the key behind the door */
    step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 1);
    step(env, GRID_TOGGLE);
    ck_assert_cell(obs_cell(obs, 3, 5), GRID_DOOR, GRID_BLUE, GRID_OPEN);
    ck_assert_cell(obs_cell(obs, 3, 3), GRID_KEY, GRID_PURPLE, 0);
    step(env, GRID_FORWARD);
    ck_assert_int_eq(v->agent_x, 2);
    env_destroy(env);
}
END_TEST

START_TEST(lava_ends_the_episode_with_reward_0) {
    Env *env = make_map("##########\n"
                        "##>>~~GG##\n"
                        "##########\n",
                        0, false);
    env_reset(env, obs);
    Step s = step(env, GRID_FORWARD);
    ck_assert(s.term);
    ck_assert(!s.trunc);
    ck_assert_float_eq(s.reward, 0.0f);
    ck_assert_int_eq(view_of(env)->agent_x, 2);
    env_destroy(env);
}
END_TEST

START_TEST(the_goal_pays_1_minus_0_9_step_count_over_max_steps) {
    Env *env = make_map("max_steps 10\n"
                        "##########\n"
                        "##>>GG..##\n"
                        "##########\n",
                        0, false);
    env_reset(env, obs);
    Step s = step(env, GRID_FORWARD);
    ck_assert(s.term && !s.trunc);
    ck_assert_float_eq(s.reward, goal_reward(1, 10));
    ck_assert_float_eq_tol(s.reward, 0.91f, 1e-6f);
    env_reset(env, obs);
    step(env, GRID_LEFT);
    step(env, GRID_RIGHT);
    s = step(env, GRID_FORWARD);
    ck_assert(s.term);
    ck_assert_float_eq_tol(s.reward, 0.73f, 1e-6f);
    /* At the last step both flags are set, as in MiniGrid. */
    env_reset(env, obs);
    for (int k = 0; k < 9; k++) ck_assert(!step(env, GRID_DONE).trunc);
    s = step(env, GRID_FORWARD);
    ck_assert(s.term && s.trunc);
    ck_assert_float_eq(s.reward, goal_reward(10, 10));
    env_destroy(env);
    /* empty-8x8's shortest path: 5 forward, right, 5 forward = 11 steps of 256. */
    env = make_env("gridworld/empty-8x8", 0, false);
    env_reset(env, obs);
    for (int k = 0; k < 5; k++) ck_assert(!step(env, GRID_FORWARD).term);
    step(env, GRID_RIGHT);
    for (int k = 0; k < 4; k++) step(env, GRID_FORWARD);
    s = step(env, GRID_FORWARD);
    ck_assert(s.term);
    ck_assert_float_eq(s.reward, goal_reward(11, 256));
    ck_assert_float_eq_tol(s.reward, 0.961328125f, 1e-7f);
    env_destroy(env);
}
END_TEST

START_TEST(truncation_comes_at_max_steps_and_every_other_step_rewards_0) {
    Env *env = make_env("gridworld/four-rooms", 0, false);
    env_seed(env, 3, 0);
    env_reset(env, obs);
    Rng rng;
    rng_seed(&rng, 4, 0);
    int t = 0;
    Step s;
    do {
        s = step(env, (int)rng_below(&rng, 3) == 2 ? GRID_DONE : (int)rng_below(&rng, 2));
        t++;
        if (!s.term) ck_assert_float_eq(s.reward, 0.0f);
    } while (!s.term && !s.trunc);
    ck_assert_int_eq(t, 100); /* turning in place never reaches the goal */
    ck_assert(s.trunc && !s.term);
    env_destroy(env);
    env = make_env("gridworld/door-key-5x5", 7, false);
    env_reset(env, obs);
    for (int k = 1; k <= 7; k++) ck_assert(step(env, GRID_DONE).trunc == (k == 7));
    env_destroy(env);
}
END_TEST

START_TEST(pickup_takes_one_object_and_drop_needs_an_empty_cell) {
    Env *env = make_map("############\n"
                        "##>>Og..Bb##\n"
                        "##..##GG..##\n"
                        "############\n",
                        0, false);
    env_reset(env, obs);
    const GridView *v = view_of(env);
    step(env, GRID_PICKUP);
    ck_assert_cell(v->carrying, GRID_BALL, GRID_GREEN, 0);
    ck_assert_cell(cell_at(v, 2, 1), GRID_EMPTY, 0, 0);
    step(env, GRID_FORWARD);
    step(env, GRID_FORWARD); /* (3, 1), facing the box */
    ck_assert_int_eq(v->agent_x, 3);
    step(env, GRID_PICKUP);  /* hands full */
    ck_assert_cell(v->carrying, GRID_BALL, GRID_GREEN, 0);
    ck_assert_cell(cell_at(v, 4, 1), GRID_BOX, GRID_BLUE, 0);
    step(env, GRID_DROP);    /* not onto the box */
    step(env, GRID_RIGHT);   /* south: the goal */
    step(env, GRID_DROP);    /* not onto the goal */
    ck_assert_cell(cell_at(v, 3, 2), GRID_GOAL, GRID_GREEN, 0);
    step(env, GRID_RIGHT);   /* west: empty */
    step(env, GRID_DROP);
    ck_assert_cell(cell_at(v, 2, 1), GRID_BALL, GRID_GREEN, 0);
    ck_assert_int_eq(v->carrying.type, GRID_EMPTY);
    ck_assert_cell(obs_cell(obs, 3, 6), GRID_EMPTY, 0, 0);
    step(env, GRID_RIGHT);   /* north: a wall */
    step(env, GRID_PICKUP);
    ck_assert_int_eq(v->carrying.type, GRID_EMPTY);
    step(env, GRID_RIGHT);   /* east: the box; toggling a box empties its cell */
    step(env, GRID_TOGGLE);
    ck_assert_cell(cell_at(v, 4, 1), GRID_EMPTY, 0, 0);
    env_destroy(env);
}
END_TEST

/* --- the view ---------------------------------------------------------------------------- */

START_TEST(the_view_turns_with_the_agent_in_all_four_directions) {
    Env *env = make_map("##############\n"
                        "##..........##\n"
                        "##....Or....##\n"
                        "##..Og>>Ob..##\n"
                        "##....Oy....##\n"
                        "##..........##\n"
                        "##############\n",
                        0, false);
    env_reset(env, obs);
    /* Neighbours by direction east, south, west, north: blue, yellow, green, red. */
    const int around[4] = {GRID_BLUE, GRID_YELLOW, GRID_GREEN, GRID_RED};
    for (int d = 0; d < 4; d++) {
        ck_assert_int_eq(view_of(env)->agent_dir, d);
        ck_assert_int_eq(obs_dir(obs), d);
        ck_assert_cell(obs_cell(obs, 3, 5), GRID_BALL, around[d], 0);           /* in front */
        ck_assert_cell(obs_cell(obs, 2, 6), GRID_BALL, around[(d + 3) % 4], 0); /* on the left */
        ck_assert_cell(obs_cell(obs, 4, 6), GRID_BALL, around[(d + 1) % 4], 0); /* on the right */
        ck_assert_cell(obs_cell(obs, 3, 6), GRID_EMPTY, 0, 0);                  /* hands free */
        step(env, GRID_RIGHT);
    }
    ck_assert_int_eq(view_of(env)->agent_dir, GRID_EAST);
    /* Facing east from (3, 3), view cell (vx, vy) is grid cell (9 - vy, vx). */
    ck_assert_cell(obs_cell(obs, 3, 3), GRID_WALL, GRID_GREY, 0);  /* (6, 3): east wall */
    ck_assert_cell(obs_cell(obs, 3, 2), GRID_UNSEEN, 0, 0);        /* (7, 3): behind it */
    ck_assert_cell(obs_cell(obs, 0, 6), GRID_WALL, GRID_GREY, 0);  /* (3, 0): north wall */
    ck_assert_cell(obs_cell(obs, 1, 4), GRID_EMPTY, 0, 0);         /* (5, 1) */
    env_destroy(env);
}
END_TEST

START_TEST(nothing_is_seen_behind_a_wall_unless_the_level_sees_through) {
    const char *map = "################\n"
                      "##>>..##..GG..##\n"
                      "################\n";
    for (int through = 0; through < 2; through++) {
        Env *env = make_map(map, 0, through);
        env_reset(env, obs);
        ck_assert_cell(obs_cell(obs, 3, 5), GRID_EMPTY, 0, 0); /* (2, 1) */
        ck_assert_cell(obs_cell(obs, 3, 4), GRID_WALL, GRID_GREY, 0);
        if (!through) {
            for (int vy = 0; vy < 4; vy++)
                for (int vx = 0; vx < GRID_VIEW; vx++)
                    ck_assert_cell(obs_cell(obs, vx, vy), GRID_UNSEEN, 0, 0);
            /* Beyond the map's north and south walls: nothing either. */
            ck_assert_cell(obs_cell(obs, 1, 6), GRID_UNSEEN, 0, 0);
            ck_assert_cell(obs_cell(obs, 5, 6), GRID_UNSEEN, 0, 0);
            ck_assert_int_eq(view_of(env)->visible[3][2], 0);
        } else {
            ck_assert_cell(obs_cell(obs, 3, 3), GRID_EMPTY, 0, 0);
            ck_assert_cell(obs_cell(obs, 3, 2), GRID_GOAL, GRID_GREEN, 0); /* (5, 1) */
            ck_assert_cell(obs_cell(obs, 1, 6), GRID_WALL, GRID_GREY, 0);  /* outside */
            ck_assert_int_eq(view_of(env)->visible[3][2], 1);
        }
        env_destroy(env);
    }
    /* The see_through directive of a map does the same. */
    char text[256];
    snprintf(text, sizeof text, "see_through yes\n%s", map);
    Env *env = make_map(text, 0, false);
    env_reset(env, obs);
    ck_assert_cell(obs_cell(obs, 3, 2), GRID_GOAL, GRID_GREEN, 0);
    env_destroy(env);
}
END_TEST

START_TEST(a_corner_object_of_a_non_square_map_lands_on_the_right_view_cell) {
    /* 9 wide, 4 high; a purple box in the bottom-right corner of the room, (7, 2). Facing east
     * from (1, 1): view (vx, vy) is grid (1 + 6 - vy, 1 + vx - 3), so the box is at view (4, 0). */
    Env *env = make_map("##################\n"
                        "##>>............##\n"
                        "##............Bp##\n"
                        "##################\n",
                        0, false);
    env_reset(env, obs);
    for (int vx = 0; vx < GRID_VIEW; vx++)
        for (int vy = 0; vy < GRID_VIEW; vy++) {
            GridCell c = obs_cell(obs, vx, vy);
            ck_assert_msg((c.type == GRID_BOX) == (vx == 4 && vy == 0), "box seen at (%d, %d)", vx, vy);
        }
    ck_assert_cell(obs_cell(obs, 4, 0), GRID_BOX, GRID_PURPLE, 0);
    int x, y;
    ck_assert(gridworld_view_to_world(view_of(env), 4, 0, &x, &y));
    ck_assert_int_eq(x, 7);
    ck_assert_int_eq(y, 2);
    env_destroy(env);
    /* The transposed map, 4 wide and 9 high, facing south from (1, 1): view (vx, vy) is grid
     * (1 - (vx - 3), 1 + 6 - vy), so the box at (2, 7) is at view (2, 0). */
    env = make_map("########\n"
                   "##vv..##\n"
                   "##....##\n"
                   "##....##\n"
                   "##....##\n"
                   "##....##\n"
                   "##....##\n"
                   "##..Bp##\n"
                   "########\n",
                   0, false);
    env_reset(env, obs);
    for (int vx = 0; vx < GRID_VIEW; vx++)
        for (int vy = 0; vy < GRID_VIEW; vy++)
            ck_assert_msg((obs_cell(obs, vx, vy).type == GRID_BOX) == (vx == 2 && vy == 0),
                          "box seen at (%d, %d)", vx, vy);
    env_destroy(env);
}
END_TEST

START_TEST(every_observation_has_148_ones_in_its_documented_places) {
    for (int l = 0; l < N_LEVELS; l++) {
        Env *env = make_env(LEVELS[l], 0, false);
        env_seed(env, 8, 1);
        env_reset(env, obs);
        Rng rng;
        rng_seed(&rng, 9, 0);
        for (int t = 0; t < 300; t++) {
            int ones = 0;
            for (int i = 0; i < GRID_OBS_DIM; i++) ones += obs[i] == 1.0f;
            require(ones == 148, "%s t %d: %d ones", LEVELS[l], t, ones);
            const GridView *v = view_of(env);
            require(obs_dir(obs) == v->agent_dir, "%s t %d: direction", LEVELS[l], t);
            GridCell held = obs_cell(obs, 3, 6);
            ck_assert_cell(held, v->carrying.type, v->carrying.color, v->carrying.state);
            for (int vx = 0; vx < GRID_VIEW; vx++)
                for (int vy = 0; vy < GRID_VIEW; vy++) obs_cell(obs, vx, vy);
            memset(obs, 0xff, sizeof obs); /* NaNs: every float must be written */
            Step s = step(env, (int)rng_below(&rng, GRID_N_ACTIONS));
            if (s.term || s.trunc) {
                memset(obs, 0xff, sizeof obs);
                env_reset(env, obs);
            }
        }
        env_destroy(env);
    }
}
END_TEST

/* Checks the fast view against the literal port of MiniGrid's gen_obs_grid, and the env's obs
 * against the encoding of the literal view. */
static void check_view_agrees(const Env *env, const char *what, int t) {
    const GridView *v = view_of(env);
    GridCell fast[GRID_VIEW][GRID_VIEW], ref[GRID_VIEW][GRID_VIEW];
    uint8_t fvis[GRID_VIEW][GRID_VIEW], rvis[GRID_VIEW][GRID_VIEW];
    gridworld_egocentric(v, fast, fvis);
    gridworld_egocentric_naive(v, ref, rvis);
    for (int vx = 0; vx < GRID_VIEW; vx++)
        for (int vy = 0; vy < GRID_VIEW; vy++) {
            require(fvis[vx][vy] == rvis[vx][vy], "%s t %d: visibility of (%d, %d): fast %d, MiniGrid %d",
                          what, t, vx, vy, fvis[vx][vy], rvis[vx][vy]);
            require(memcmp(&fast[vx][vy], &ref[vx][vy], sizeof(GridCell)) == 0,
                          "%s t %d: view cell (%d, %d) differs", what, t, vx, vy);
            require(v->visible[vx][vy] == rvis[vx][vy], "%s t %d: renderer's mask differs", what, t);
            int x, y;
            if (vx == 3 && vy == 6) continue;
            if (gridworld_view_to_world(v, vx, vy, &x, &y))
                require(memcmp(&ref[vx][vy], &v->cells[y * v->stride + x], sizeof(GridCell)) == 0,
                        "%s t %d: view_to_world of (%d, %d)", what, t, vx, vy);
            else
                ck_assert_cell(ref[vx][vy], GRID_WALL, GRID_GREY, 0);
        }
    float want[GRID_OBS_DIM];
    gridworld_encode((const GridCell(*)[GRID_VIEW])ref, (const uint8_t(*)[GRID_VIEW])rvis, v->agent_dir, want);
    require(memcmp(obs, want, sizeof want) == 0, "%s t %d: obs differs from MiniGrid's view", what, t);
}

START_TEST(the_fast_view_equals_minigrids_slice_rotate_and_process_vis) {
    for (int l = 0; l < N_LEVELS; l++)
        for (int through = 0; through < 2; through++) {
            Env *env = make_env(LEVELS[l], 0, through);
            env_seed(env, 21, (uint64_t)l);
            env_reset(env, obs);
            Rng rng;
            rng_seed(&rng, 22, (uint64_t)l);
            for (int t = 0; t < 3000; t++) {
                check_view_agrees(env, LEVELS[l], t);
                /* Mostly moves, so the agent roams; sometimes the rest. */
                int a = rng_below(&rng, 4) ? (int)rng_below(&rng, 3) : (int)rng_below(&rng, GRID_N_ACTIONS);
                Step s = step(env, a);
                if (s.term || s.trunc) env_reset(env, obs);
            }
            env_destroy(env);
        }
    /* Doors in every state, objects and lava, on a map with no border. */
    Env *env = make_map("DrLb_gKyOpBeFr..\n"
                        "....##..~~..Dy..\n"
                        "..##..>>..##....\n"
                        "Lp....##..GG.._b\n"
                        "..Kg..Op....##..\n",
                        100000, false);
    env_seed(env, 5, 5);
    env_reset(env, obs);
    Rng rng;
    rng_seed(&rng, 6, 0);
    for (int t = 0; t < 5000; t++) {
        check_view_agrees(env, "doors map", t);
        Step s = step(env, (int)rng_below(&rng, GRID_N_ACTIONS));
        if (s.term || s.trunc) env_reset(env, obs);
    }
    env_destroy(env);
}
END_TEST

/* --- levels ------------------------------------------------------------------------------ */

static int count_cells(const GridView *v, int type) {
    int n = 0;
    for (int y = 0; y < v->height; y++)
        for (int x = 0; x < v->width; x++) n += cell_at(v, x, y).type == type;
    return n;
}

static bool border_is_wall(const GridView *v) {
    for (int x = 0; x < v->width; x++)
        if (cell_at(v, x, 0).type != GRID_WALL || cell_at(v, x, v->height - 1).type != GRID_WALL) return false;
    for (int y = 0; y < v->height; y++)
        if (cell_at(v, 0, y).type != GRID_WALL || cell_at(v, v->width - 1, y).type != GRID_WALL) return false;
    return true;
}

START_TEST(empty_levels_start_top_left_or_at_random_with_the_goal_bottom_right) {
    Env *env = make_env("gridworld/empty-8x8", 0, false);
    env_reset(env, obs);
    const GridView *v = view_of(env);
    ck_assert_int_eq(v->width, 8);
    ck_assert_int_eq(v->height, 8);
    ck_assert_int_eq(v->max_steps, 256);
    ck_assert(v->see_through); /* MiniGrid's EmptyEnv: see_through_walls=True */
    ck_assert(border_is_wall(v));
    ck_assert_int_eq(count_cells(v, GRID_WALL), 28);
    ck_assert_cell(cell_at(v, 6, 6), GRID_GOAL, GRID_GREEN, 0);
    ck_assert_int_eq(v->agent_x, 1);
    ck_assert_int_eq(v->agent_y, 1);
    ck_assert_int_eq(v->agent_dir, GRID_EAST);
    env_destroy(env);
    env = make_env("gridworld/empty-random-8x8", 0, false);
    v = view_of(env);
    int seen[8][8] = {{0}}, dirs[4] = {0};
    for (uint64_t seed = 0; seed < 2000; seed++) {
        env_seed(env, seed, 0);
        env_reset(env, obs);
        ck_assert_cell(cell_at(v, 6, 6), GRID_GOAL, GRID_GREEN, 0);
        require(v->agent_x >= 1 && v->agent_x <= 6 && v->agent_y >= 1 && v->agent_y <= 6 &&
                    !(v->agent_x == 6 && v->agent_y == 6),
                "seed %llu: start (%d, %d)", (unsigned long long)seed, v->agent_x, v->agent_y);
        seen[v->agent_y][v->agent_x]++;
        dirs[v->agent_dir]++;
    }
    for (int y = 1; y <= 6; y++)
        for (int x = 1; x <= 6; x++)
            if (!(x == 6 && y == 6)) ck_assert_msg(seen[y][x] > 20, "start (%d, %d) drawn %d times", x, y, seen[y][x]);
    for (int d = 0; d < 4; d++) ck_assert_int_gt(dirs[d], 400);
    env_destroy(env);
}
END_TEST

START_TEST(four_rooms_has_one_gap_in_each_inner_wall_segment) {
    Env *env = make_env("gridworld/four-rooms", 0, false);
    const GridView *v = view_of(env);
    ck_assert_int_eq(v->max_steps, 100);
    ck_assert(!v->see_through);
    for (uint64_t seed = 0; seed < 200; seed++) {
        env_seed(env, seed, 0);
        env_reset(env, obs);
        ck_assert_int_eq(v->width, 19);
        ck_assert_int_eq(v->height, 19);
        ck_assert(border_is_wall(v));
        int gaps[4] = {0}; /* x = 9 above / below y = 9; y = 9 left / right of x = 9 */
        for (int k = 1; k < 18; k++) {
            if (k == 9) continue;
            gaps[k < 9 ? 0 : 1] += cell_at(v, 9, k).type != GRID_WALL;
            gaps[k < 9 ? 2 : 3] += cell_at(v, k, 9).type != GRID_WALL;
        }
        ck_assert_cell(cell_at(v, 9, 9), GRID_WALL, GRID_GREY, 0);
        for (int i = 0; i < 4; i++) ck_assert_int_eq(gaps[i], 1);
        ck_assert_int_eq(count_cells(v, GRID_GOAL), 1);
        ck_assert_int_eq(count_cells(v, GRID_WALL), 4 * 18 + 2 * 17 - 1 - 4);
        ck_assert_int_eq(cell_at(v, v->agent_x, v->agent_y).type, GRID_EMPTY);
    }
    env_destroy(env);
}
END_TEST

START_TEST(door_key_puts_agent_and_key_left_of_a_locked_yellow_door) {
    for (int size = 5; size <= 8; size += 3) {
        Env *env = make_env(size == 5 ? "gridworld/door-key-5x5" : "gridworld/door-key-8x8", 0, false);
        const GridView *v = view_of(env);
        ck_assert_int_eq(v->max_steps, 10 * size * size);
        int splits[8] = {0};
        for (uint64_t seed = 0; seed < 300; seed++) {
            env_seed(env, seed, 0);
            env_reset(env, obs);
            ck_assert_int_eq(v->width, size);
            ck_assert(border_is_wall(v));
            ck_assert_cell(cell_at(v, size - 2, size - 2), GRID_GOAL, GRID_GREEN, 0);
            int split = -1, door_y = -1;
            for (int x = 1; x < size - 1; x++) {
                int walls = 0, doors = 0;
                for (int y = 0; y < size; y++) {
                    GridCell c = cell_at(v, x, y);
                    walls += c.type == GRID_WALL;
                    if (c.type == GRID_DOOR) {
                        doors++;
                        door_y = y;
                        ck_assert_cell(c, GRID_DOOR, GRID_YELLOW, GRID_LOCKED);
                    }
                }
                if (walls + doors == size) split = x;
            }
            ck_assert(split >= 2 && split <= size - 3);
            splits[split]++;
            ck_assert(door_y >= 1 && door_y <= size - 3);
            ck_assert_int_eq(count_cells(v, GRID_DOOR), 1);
            ck_assert_int_eq(count_cells(v, GRID_KEY), 1);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    if (cell_at(v, x, y).type == GRID_KEY) {
                        ck_assert_cell(cell_at(v, x, y), GRID_KEY, GRID_YELLOW, 0);
                        ck_assert_int_lt(x, split);
                        ck_assert(!(x == v->agent_x && y == v->agent_y));
                    }
            ck_assert_int_lt(v->agent_x, split);
            ck_assert_int_eq(cell_at(v, v->agent_x, v->agent_y).type, GRID_EMPTY);
        }
        for (int x = 2; x <= size - 3; x++) ck_assert_int_gt(splits[x], 0);
        env_destroy(env);
    }
}
END_TEST

/* Walks the agent of a memory-s7 level from its start east along row 3 to x = 5, then to
 * (5, to_y), next to one of the two objects. Returns the last step. */
static Step memory_walk(Env *env, int to_y) {
    const GridView *v = view_of(env);
    while (v->agent_x < 5) ck_assert(!step(env, GRID_FORWARD).term);
    step(env, to_y < 3 ? GRID_LEFT : GRID_RIGHT);
    return step(env, GRID_FORWARD);
}

START_TEST(memory_ends_at_either_object_and_pays_only_at_the_cue) {
    Env *env = make_env("gridworld/memory-s7", 0, false);
    const GridView *v = view_of(env);
    ck_assert_int_eq(v->max_steps, 245);
    int cues[2] = {0}, wins = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        for (int go_up = 0; go_up < 2; go_up++) {
            env_seed(env, seed, 0);
            env_reset(env, obs);
            ck_assert_int_eq(v->agent_y, 3);
            ck_assert(v->agent_x >= 1 && v->agent_x <= 4);
            ck_assert_int_eq(v->agent_dir, GRID_EAST);
            GridCell cue = cell_at(v, 1, 2), up = cell_at(v, 5, 1), down = cell_at(v, 5, 5);
            ck_assert(cue.type == GRID_KEY || cue.type == GRID_BALL);
            ck_assert_int_eq(cue.color, GRID_GREEN);
            ck_assert(up.type != down.type && (up.type == GRID_KEY || up.type == GRID_BALL) &&
                      (down.type == GRID_KEY || down.type == GRID_BALL));
            cues[cue.type == GRID_KEY]++;
            int start_x = v->agent_x;
            Step s = memory_walk(env, go_up ? 2 : 4);
            ck_assert(s.term);
            bool match = (go_up ? up : down).type == cue.type;
            int steps = (5 - start_x) + 2;
            ck_assert_float_eq(s.reward, match ? goal_reward(steps, 245) : 0.0f);
            wins += match;
        }
    }
    ck_assert_int_eq(wins, 200);
    ck_assert_int_gt(cues[0], 60);
    ck_assert_int_gt(cues[1], 60);
    /* Pickup acts as toggle: the cue cannot be carried off. */
    env_seed(env, 1, 0);
    env_reset(env, obs);
    step(env, GRID_LEFT);
    step(env, GRID_LEFT); /* west */
    while (v->agent_x > 1) step(env, GRID_FORWARD);
    step(env, GRID_RIGHT); /* north: the cue at (1, 2) */
    step(env, GRID_PICKUP);
    ck_assert_int_eq(v->carrying.type, GRID_EMPTY);
    ck_assert(cell_at(v, 1, 2).type == GRID_KEY || cell_at(v, 1, 2).type == GRID_BALL);
    env_destroy(env);
}
END_TEST

#define MEMORY_EPISODES "tests/data/minigrid/memory.txt"

/* The base-36 digit c as a value. */
static int digit36(char c) { return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10; }

/* Finds a seed whose reset lays out the level MiniGrid recorded (grid [w * h * 3] digits,
 * agent cell): MiniGrid draws from NumPy, so its seed gives another level here. */
static uint64_t seed_for_level(Env *env, const char *grid, int ax, int ay) {
    const GridView *v = view_of(env);
    for (uint64_t seed = 0; seed < 1000000; seed++) {
        env_seed(env, seed, 0);
        env_reset(env, obs);
        if (v->agent_x != ax || v->agent_y != ay) continue;
        bool same = true;
        for (int y = 0; y < v->height && same; y++)
            for (int x = 0; x < v->width && same; x++) {
                const char *c = grid + 3 * (y * v->width + x);
                GridCell g = cell_at(v, x, y);
                same = g.type == digit36(c[0]) && g.color == digit36(c[1]) && g.state == digit36(c[2]);
            }
        if (same) return seed;
    }
    ck_abort_msg("no seed below 1000000 lays out MiniGrid's level");
    return 0;
}

/* Compares an observation with MiniGrid's obs["direction"] and obs["image"] (digits). */
static void check_minigrid_obs(const float *o, int dir, const char *image, const char *where) {
    require(obs_dir(o) == dir, "%s: direction %d, MiniGrid's %d", where, obs_dir(o), dir);
    require(strlen(image) == GRID_VIEW * GRID_VIEW * 3, "%s: image of %zu digits", where, strlen(image));
    for (int vx = 0; vx < GRID_VIEW; vx++)
        for (int vy = 0; vy < GRID_VIEW; vy++) {
            const char *c = image + 3 * (vx * GRID_VIEW + vy);
            GridCell g = obs_cell(o, vx, vy);
            require(g.type == digit36(c[0]) && g.color == digit36(c[1]) && g.state == digit36(c[2]),
                    "%s: view cell (%d, %d) is (%u, %u, %u), MiniGrid's (%d, %d, %d)", where, vx, vy, g.type, g.color,
                    g.state, digit36(c[0]), digit36(c[1]), digit36(c[2]));
        }
}

START_TEST(memory_levels_replay_minigrids_own_episodes) {
    FILE *f = fopen(MEMORY_EPISODES, "r");
    ck_assert_msg(f != NULL, "cannot open %s (tests run from the top of the checkout)", MEMORY_EPISODES);
    static char line[4096];
    int lineno = 0, episodes = 0, steps = 0, wins = 0;
    Env *env = NULL;
    char name[ENV_NAME_LEN] = "", label[32] = "", grid[17 * 17 * 3 + 2] = "";
    int w = 0, h = 0, ax = 0, ay = 0, adir = 0, sx = 0, sy = 0, fx = 0, fy = 0, max_steps = 0, t = 0;
    double ret = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        char where[128];
        snprintf(where, sizeof where, "%s:%d %s %s", MEMORY_EPISODES, lineno, name, label);
        if (line[0] == '#') continue;
        if (sscanf(line, "episode %63s %31s", name, label) == 2) {
            env_destroy(env);
            env = make_env(name, 0, false);
            episodes++;
            continue;
        }
        if (strncmp(line, "level ", 6) == 0) {
            require(sscanf(line, "level %d %d %d %d %d %d %d %d %d %d", &w, &h, &ax, &ay, &adir, &sx, &sy, &fx, &fy,
                           &max_steps) == 10, "%s: bad level line", where);
            const GridView *v = view_of(env);
            require(v->width == w && v->height == h && v->max_steps == max_steps, "%s: %dx%d max_steps %d, MiniGrid's %dx%d %d",
                    where, v->width, v->height, v->max_steps, w, h, max_steps);
            continue;
        }
        if (strncmp(line, "grid ", 5) == 0) {
            require(strlen(line + 5) == (size_t)(w * h * 3), "%s: grid of %zu digits", where, strlen(line + 5));
            snprintf(grid, sizeof grid, "%s", line + 5);
            continue;
        }
        int dir, used;
        if (sscanf(line, "reset %d %n", &dir, &used) == 1) {
            seed_for_level(env, grid, ax, ay);
            const GridView *v = view_of(env);
            require(v->agent_dir == adir, "%s: agent faces %d, MiniGrid's %d", where, v->agent_dir, adir);
            check_minigrid_obs(obs, dir, line + used, where);
            t = 0;
            ret = 0;
            continue;
        }
        int action, term, trunc;
        double reward;
        if (sscanf(line, "step %d %lf %d %d %d %n", &action, &reward, &term, &trunc, &dir, &used) == 5) {
            Step st = step(env, action);
            t++;
            require(st.reward == (float)reward && st.term == (term != 0) && st.trunc == (trunc != 0),
                    "%s step %d: reward %.9g term %d trunc %d, MiniGrid's %.9g %d %d", where, t, st.reward, st.term, st.trunc,
                    reward, term, trunc);
            check_minigrid_obs(obs, dir, line + used, where);
            ret += reward;
            wins += st.reward > 0;
            steps++;
            if (st.term) { /* it ended at MiniGrid's success or failure cell */
                const GridView *v = view_of(env);
                int ex = st.reward > 0 ? sx : fx, ey = st.reward > 0 ? sy : fy;
                require(v->agent_x == ex && v->agent_y == ey, "%s: ended at (%d, %d), MiniGrid's cell (%d, %d)", where,
                        v->agent_x, v->agent_y, ex, ey);
            }
            continue;
        }
        double want;
        require(sscanf(line, "end %lf", &want) == 1, "%s: unexpected line '%.40s'", where, line);
        require(fabs(ret - want) < 1e-9, "%s: return %.17g, MiniGrid's %.17g", where, ret, want);
    }
    fclose(f);
    env_destroy(env);
    printf("minigrid memory reference: %d episodes, %d steps, %d reached the matching object\n", episodes, steps, wins);
    ck_assert_int_eq(episodes, 24);
    ck_assert_int_ge(wins, 8);
}
END_TEST

START_TEST(random_length_memory_levels_draw_every_hallway_end) {
    const char *names[2] = {"gridworld/memory-s13-random", "gridworld/memory-s17-random"};
    for (int k = 0; k < 2; k++) {
        Env *env = make_env(names[k], 0, false);
        const GridView *v = view_of(env);
        int ends[17] = {0};
        for (uint64_t seed = 0; seed < 2000; seed++) {
            env_seed(env, seed, 0);
            env_reset(env, obs);
            /* the hallway's end: the one gap of the corridor row's wall column east of the start */
            int end = -1;
            for (int x = 4; x < v->width - 1 && end < 0; x++)
                if (cell_at(v, x, v->height / 2 - 1).type == GRID_WALL && cell_at(v, x + 1, v->height / 2 - 1).type == GRID_EMPTY &&
                    cell_at(v, x, 0).type == GRID_WALL && cell_at(v, x, v->height / 2).type == GRID_EMPTY &&
                    cell_at(v, x + 2, v->height / 2).type == GRID_WALL)
                    end = x;
            ck_assert_msg(end >= 4 && end <= v->width - 3, "%s seed %d: no hallway end found", names[k], (int)seed);
            ck_assert(v->agent_x >= 1 && v->agent_x <= end && v->agent_y == v->height / 2);
            ends[end]++;
        }
        for (int e = 4; e <= v->width - 3; e++) ck_assert_msg(ends[e] > 40, "%s: hallway end %d drawn %d times", names[k], e, ends[e]);
        env_destroy(env);
    }
}
END_TEST

/* --- solvability ------------------------------------------------------------------------- */

typedef struct Search {
    size_t state_size;
    unsigned char *states; /* [cap, state_size] saved env states, in BFS order */
    uint64_t *seen;        /* open-addressing set of state hashes, 0 = empty */
    size_t n, cap, seen_cap;
} Search;

/* A 64-bit hash of what defines a state: the level's cells, the agent's pose and what it
 * carries (FNV-1a's multiply over one cell, 4 bytes, at a time, then a final mix). */
static uint64_t state_hash(const GridView *v) {
    uint64_t h = 1469598103934665603ULL;
    for (int y = 0; y < v->height; y++)
        for (int x = 0; x < v->width; x++) {
            uint32_t c;
            memcpy(&c, v->cells + y * v->stride + x, sizeof c);
            h = (h ^ c) * 1099511628211ULL;
        }
    int pose[5] = {v->agent_x, v->agent_y, v->agent_dir, v->carrying.type, v->carrying.color};
    for (int i = 0; i < 5; i++) h = (h ^ (uint64_t)pose[i]) * 1099511628211ULL;
    h ^= h >> 29;
    return h | 1u;
}

/* Adds h to the set; returns false when it was there. */
static bool remember(Search *s, uint64_t h) {
    size_t i = h & (s->seen_cap - 1);
    while (s->seen[i]) {
        if (s->seen[i] == h) return false;
        i = (i + 1) & (s->seen_cap - 1);
    }
    s->seen[i] = h;
    return true;
}

/* Breadth-first search over env states from the state after reset, with the given actions
 * played through env_step (the real rules): returns the fewest steps to a positive reward, or
 * -1 when no state reached within max_states gives one. */
static int shortest_solution(Env *env, const int *actions, int n_actions, Search *s, size_t max_states) {
    memset(s->seen, 0, s->seen_cap * sizeof *s->seen);
    s->n = 0;
    env_state_save(env, s->states);
    remember(s, state_hash(view_of(env)));
    s->n = 1;
    size_t head = 0, level_end = 1;
    int depth = 0;
    Err err;
    while (head < s->n) {
        if (head == level_end) {
            depth++;
            level_end = s->n;
        }
        for (int a = 0; a < n_actions; a++) {
            require(env_state_load(env, s->states + head * s->state_size, &err) == 0, "%s", err.msg);
            Step st = step(env, actions[a]);
            if (st.reward > 0) return depth + 1;
            if (st.term) continue;
            if (!remember(s, state_hash(view_of(env)))) continue;
            require(s->n < s->cap && s->n < max_states, "search space larger than %zu", max_states);
            env_state_save(env, s->states + s->n * s->state_size);
            s->n++;
        }
        head++;
    }
    return -1;
}

static void check_solvable(const char *name, const int *actions, int n_actions, int seeds, int *longest) {
    Env *env = make_env(name, 100000, false);
    Search s = {0};
    s.state_size = env_state_size(env);
    s.cap = 1 << 14;
    s.seen_cap = 1 << 16;
    s.states = malloc(s.cap * s.state_size);
    s.seen = malloc(s.seen_cap * sizeof *s.seen);
    ck_assert(s.states && s.seen);
    *longest = 0;
    for (int seed = 0; seed < seeds; seed++) {
        env_seed(env, (uint64_t)seed, 0);
        env_reset(env, obs);
        int len = shortest_solution(env, actions, n_actions, &s, s.cap);
        require(len > 0, "%s seed %d: the goal cannot be reached", name, seed);
        if (len > *longest) *longest = len;
    }
    free(s.states);
    free(s.seen);
    env_destroy(env);
}

START_TEST(four_rooms_is_solvable_for_1000_seeds) {
    const int moves[3] = {GRID_LEFT, GRID_RIGHT, GRID_FORWARD};
    int longest;
    check_solvable("gridworld/four-rooms", moves, 3, 1000, &longest);
    printf("four-rooms: 1000 seeds solvable, longest shortest solution %d steps\n", longest);
}
END_TEST

START_TEST(door_key_5x5_and_8x8_are_solvable_for_1000_seeds) {
    const int acts[5] = {GRID_LEFT, GRID_RIGHT, GRID_FORWARD, GRID_PICKUP, GRID_TOGGLE};
    int longest5, longest8;
    check_solvable("gridworld/door-key-5x5", acts, 5, 1000, &longest5);
    check_solvable("gridworld/door-key-8x8", acts, 5, 1000, &longest8);
    printf("door-key: 1000 seeds each solvable, longest shortest solution %d (5x5), %d (8x8) steps\n",
           longest5, longest8);
}
END_TEST

/* --- determinism and saved states ------------------------------------------------------------ */

/* Plays `steps` random actions with resets; writes a hash of every obs, reward and flag. */
static uint64_t play_hash(Env *env, uint64_t seed, uint64_t stream, int steps) {
    env_seed(env, seed, stream);
    env_reset(env, obs);
    Rng rng;
    rng_seed(&rng, 77, 0);
    uint64_t h = 1469598103934665603ULL;
    for (int t = 0; t < steps; t++) {
        Step s = step(env, (int)rng_below(&rng, GRID_N_ACTIONS));
        for (int i = 0; i < GRID_OBS_DIM; i++) h = (h ^ (obs[i] != 0.0f)) * 1099511628211ULL;
        uint32_t r;
        memcpy(&r, &s.reward, sizeof r);
        h = (h ^ r ^ ((uint64_t)s.term << 40) ^ ((uint64_t)s.trunc << 41)) * 1099511628211ULL;
        if (s.term || s.trunc) {
            env_reset(env, obs);
            for (int i = 0; i < GRID_OBS_DIM; i++) h = (h ^ (obs[i] != 0.0f)) * 1099511628211ULL;
        }
    }
    return h;
}

START_TEST(the_same_seed_gives_the_same_trajectory_and_other_seeds_other_levels) {
    for (int l = 0; l < N_LEVELS; l++) {
        Env *a = make_env(LEVELS[l], 0, false), *b = make_env(LEVELS[l], 0, false);
        uint64_t ha = play_hash(a, 31, 2, 3000), hb = play_hash(b, 31, 2, 3000);
        ck_assert_msg(ha == hb, "%s: two envs with one seed differ", LEVELS[l]);
        ck_assert_msg(play_hash(a, 31, 2, 3000) == ha, "%s: reseeding does not repeat", LEVELS[l]);
        if (l > 0) { /* every level but empty-8x8 draws its layout */
            ck_assert_msg(play_hash(a, 32, 2, 3000) != ha, "%s: seeds 31 and 32 agree", LEVELS[l]);
            ck_assert_msg(play_hash(a, 31, 3, 3000) != ha, "%s: streams 2 and 3 agree", LEVELS[l]);
        }
        env_destroy(a);
        env_destroy(b);
    }
}
END_TEST

START_TEST(a_saved_state_restores_the_episode_and_the_rng) {
    for (int l = 0; l < N_LEVELS; l++) {
        Env *a = make_env(LEVELS[l], 0, false), *b = make_env(LEVELS[l], 0, false);
        env_seed(a, 5, 9);
        env_reset(a, obs);
        Rng rng;
        rng_seed(&rng, 1, 1);
        for (int t = 0; t < 40; t++)
            if (step(a, (int)rng_below(&rng, GRID_N_ACTIONS)).term) env_reset(a, obs);
        size_t n = env_state_size(a);
        ck_assert_uint_eq(n, env_state_size(b));
        unsigned char *buf = malloc(n);
        env_state_save(a, buf);
        Err err;
        ck_assert_msg(env_state_load(b, buf, &err) == 0, "%s: %s", LEVELS[l], err.msg);
        ck_assert_int_eq(view_of(a)->agent_x, view_of(b)->agent_x);
        ck_assert(memcmp(view_of(a)->visible, view_of(b)->visible, sizeof view_of(a)->visible) == 0);
        float ob[GRID_OBS_DIM];
        for (int t = 0; t < 2000; t++) { /* through several resets: the RNG came along */
            int act = (int)rng_below(&rng, GRID_N_ACTIONS);
            Step sa = step(a, act);
            memcpy(ob, obs, sizeof ob);
            Step sb = step(b, act);
            require(memcmp(ob, obs, sizeof ob) == 0, "%s t %d: obs differ", LEVELS[l], t);
            require(sa.reward == sb.reward && sa.term == sb.term && sa.trunc == sb.trunc,
                    "%s t %d: reward or flags differ", LEVELS[l], t);
            if (sa.term || sa.trunc) {
                env_reset(a, ob);
                env_reset(b, obs);
                require(memcmp(ob, obs, sizeof ob) == 0, "%s t %d: reset obs differ", LEVELS[l], t);
            }
        }
        free(buf);
        env_destroy(a);
        env_destroy(b);
    }
}
END_TEST

START_TEST(bad_saved_states_are_refused_and_random_bytes_never_crash) {
    Env *env = make_env("gridworld/door-key-5x5", 0, false);
    env_seed(env, 1, 0);
    env_reset(env, obs);
    size_t n = env_state_size(env);
    unsigned char *good = malloc(n), *bad = malloc(n);
    env_state_save(env, good);
    Err err;
    /* Header fields by their offsets in the documented order. */
    const struct { size_t off; int32_t value; const char *expect; } cases[] = {
        {0, 12345, "magic"},          {4, 6, "5x5"},           {12, -1, "outside"},
        {12, 40, "outside"},          {20, 4, "direction"},    {28, -1, "step count"},
        {28, 251, "step count"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memcpy(bad, good, n);
        memcpy(bad + cases[k].off, &cases[k].value, sizeof(int32_t));
        ck_assert_int_eq(env_state_load(env, bad, &err), -1);
        ck_assert_msg(strstr(err.msg, cases[k].expect), "case %zu: %s", k, err.msg);
    }
    memcpy(bad, good, n); /* carrying a wall */
    bad[24] = GRID_WALL;
    ck_assert_int_eq(env_state_load(env, bad, &err), -1);
    ck_assert_msg(strstr(err.msg, "carries"), "%s", err.msg);
    memcpy(bad, good, n); /* a cell of an unknown object: the last cell of the level */
    bad[n - 4] = 200;
    ck_assert_int_eq(env_state_load(env, bad, &err), -1);
    ck_assert_msg(strstr(err.msg, "cell (4, 4)"), "%s", err.msg);
    memcpy(bad, good, n); /* the agent inside a wall: (0, 0) */
    memset(bad + 12, 0, 8);
    ck_assert_int_eq(env_state_load(env, bad, &err), -1);
    ck_assert_msg(strstr(err.msg, "cannot enter"), "%s", err.msg);
    /* Random corruption: either refused, or a valid state the env then steps through. */
    Rng rng;
    rng_seed(&rng, 3, 3);
    int refused = 0;
    for (int trial = 0; trial < 3000; trial++) {
        memcpy(bad, good, n);
        int flips = 1 + (int)rng_below(&rng, 4);
        for (int f = 0; f < flips; f++) bad[rng_below(&rng, (uint32_t)n)] = (unsigned char)rng_u32(&rng);
        if (env_state_load(env, bad, &err) != 0) {
            refused++;
            continue;
        }
        for (int t = 0; t < 20; t++) {
            Step s = step(env, (int)rng_below(&rng, GRID_N_ACTIONS));
            if (s.term || s.trunc) env_reset(env, obs);
        }
    }
    ck_assert_int_gt(refused, 100);
    ck_assert_int_eq(env_state_load(env, good, &err), 0);
    free(good);
    free(bad);
    env_destroy(env);
}
END_TEST

/* --- map files ------------------------------------------------------------------------------- */

START_TEST(map_errors_name_the_file_line_and_column) {
    const struct { const char *text; const char *expect; } cases[] = {
        {"##########\n##>>xxGG##\n##########\n", ":2:5: cell 'xx': unknown object"},
        {"; c\n\n##########\n##>>KqGG##\n##########\n", ":4:5: cell 'Kq': the second character is not a color"},
        {"##########\n##>>..GG#\n##########\n", ":2:9: the row ends in half a cell"},
        {"##########\n##>>GG##\n##########\n", ":2: the row has 4 cells but the first row (line 1) has 5"},
        {"##########\n##>>..<<##\n##########\n", ":2:7: a second agent '<<' (the first is at line 2, column 3)"},
        {"; only a comment\n", ": no grid rows"},
        {"####\n####\n####\n", ": the map is 2x3 cells"},
        {"max_steps ten\n######\n##>>##\n######\n", ":1:11: max_steps 'ten' is not a whole number"},
        {"max_steps 0\n######\n##>>##\n######\n", ":1:11: max_steps '0'"},
        {"see_through maybe\n######\n##>>##\n######\n", ":1:13: see_through 'maybe' is not yes or no"},
        {"max_steps 5\nmax_steps 6\n######\n##>>##\n######\n", ":2:1: max_steps is given twice (first at line 1)"},
        {"######\n##GG##\n######\n", ": the map has no agent"},
        {"##########\n##>>G.~~##\n##########\n", ":2:5: cell 'G.': the goal is written GG"},
        {"##########\n##>v..~~##\n##########\n", ":2:3: cell '>v': the agent is written"},
        {"##########\n##>>.#~~##\n##########\n", ":2:5: cell '.#': an empty cell is written .."},
        {"##########\n##>>\t\t~~##\n##########\n", ":2:5: cell 0x09 0x09"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        Env *env;
        Err err;
        ck_assert_int_eq(try_map(cases[k].text, 0, false, &env, &err), -1);
        ck_assert_msg(strstr(err.msg, "env.map: ") == err.msg && strstr(err.msg, "/level.map"),
                      "case %zu: %s", k, err.msg);
        ck_assert_msg(strstr(err.msg, cases[k].expect), "case %zu: %s\nexpected: %s", k, err.msg,
                      cases[k].expect);
    }
    /* A map too large, and a missing file. */
    char big[70 * 140 + 1];
    size_t k = 0;
    for (int y = 0; y < 70; y++) {
        for (int x = 0; x < 66; x++) big[k++] = '.', big[k++] = '.';
        big[k++] = '\n';
    }
    big[k] = '\0';
    Env *env;
    Err err;
    ck_assert_int_eq(try_map(big, 0, false, &env, &err), -1);
    ck_assert_msg(strstr(err.msg, ":1: the row has 66 cells; a map is at most 64 cells wide"), "%s", err.msg);
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "gridworld/map");
    snprintf(cfg.map, sizeof cfg.map, "/nonexistent/dir/x.map");
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "/nonexistent/dir/x.map: cannot open the map file"), "%s", err.msg);
}
END_TEST

START_TEST(maps_accept_comments_crlf_and_directives_and_the_config_overrides_them) {
    Env *env = make_map("; a comment\r\n"
                        "max_steps 17\r\n"
                        "\r\n"
                        "##########  \r\n"
                        "##^^..Fb##\r\n"
                        "; inside\r\n"
                        "##_r##Le##\r\n"
                        "##########\r\n",
                        0, false);
    env_reset(env, obs);
    const GridView *v = view_of(env);
    ck_assert_int_eq(v->width, 5);
    ck_assert_int_eq(v->height, 4);
    ck_assert_int_eq(v->max_steps, 17);
    ck_assert(!v->see_through);
    ck_assert_int_eq(v->agent_dir, GRID_NORTH);
    ck_assert_cell(cell_at(v, 3, 1), GRID_FLOOR, GRID_BLUE, 0);
    ck_assert_cell(cell_at(v, 1, 2), GRID_DOOR, GRID_RED, GRID_OPEN);
    ck_assert_cell(cell_at(v, 3, 2), GRID_DOOR, GRID_GREY, GRID_LOCKED);
    env_destroy(env);
    env = make_map("max_steps 17\n######\n##>>##\n######\n", 5, true);
    ck_assert_int_eq(view_of(env)->max_steps, 5);
    ck_assert(view_of(env)->see_through);
    env_destroy(env);
    env = make_map("#r#g#b#p#y#e\n##>>....GG##\n############\n", 0, false);
    ck_assert_int_eq(view_of(env)->max_steps, 100); /* MiniGridEnv's default */
    for (int x = 0; x < 6; x++) ck_assert_cell(cell_at(view_of(env), x, 0), GRID_WALL, x, 0);
    env_destroy(env);
}
END_TEST

START_TEST(a_map_without_an_agent_starts_on_random_empty_cells) {
    Env *env = make_map("##########\n##....GG##\n##..~~..##\n##########\n", 0, false);
    const GridView *v = view_of(env);
    int seen[4][5] = {{0}}, dirs[4] = {0};
    for (uint64_t seed = 0; seed < 400; seed++) {
        env_seed(env, seed, 0);
        env_reset(env, obs);
        ck_assert_int_eq(cell_at(v, v->agent_x, v->agent_y).type, GRID_EMPTY);
        seen[v->agent_y][v->agent_x]++;
        dirs[v->agent_dir]++;
    }
    ck_assert(seen[1][1] && seen[1][2] && seen[2][1] && seen[2][3]);
    for (int d = 0; d < 4; d++) ck_assert_int_gt(dirs[d], 0);
    env_destroy(env);
}
END_TEST

START_TEST(every_level_written_as_a_map_parses_back_to_itself) {
    for (int l = 0; l < N_LEVELS; l++) {
        Env *env = make_env(LEVELS[l], 0, false);
        env_seed(env, 12, 0);
        env_reset(env, obs);
        const GridView *v = view_of(env);
        char text[8192];
        size_t need = gridworld_map_format(v, text, sizeof text);
        ck_assert_uint_lt(need, sizeof text);
        ck_assert_uint_eq(strlen(text), need);
        ck_assert_uint_eq(gridworld_map_format(v, NULL, 0), need);
        GridMap m;
        Err err;
        ck_assert_msg(gridworld_map_parse(&m, text, need, LEVELS[l], &err) == 0, "%s", err.msg);
        ck_assert_int_eq(m.width, v->width);
        ck_assert_int_eq(m.height, v->height);
        ck_assert_int_eq(m.agent_x, v->agent_x);
        ck_assert_int_eq(m.agent_y, v->agent_y);
        ck_assert_int_eq(m.agent_dir, v->agent_dir);
        for (int y = 0; y < v->height; y++)
            ck_assert(memcmp(m.cells + y * m.width, v->cells + y * v->stride, sizeof(GridCell) * (size_t)m.width) == 0);
        gridworld_map_free(&m);
        /* Truncation keeps a NUL-terminated prefix. */
        char small[7];
        ck_assert_uint_eq(gridworld_map_format(v, small, sizeof small), need);
        ck_assert_uint_eq(strlen(small), 6);
        env_destroy(env);
    }
}
END_TEST

static Suite *gridworld_suite(void) {
    Suite *s = suite_create("gridworld");
    TCase *tc = test_case("registry");
    tcase_add_test(tc, every_level_is_registered_with_935_floats_and_7_actions);
    tcase_add_test(tc, unknown_levels_and_misplaced_options_are_refused_with_a_message);
    suite_add_tcase(s, tc);
    tc = test_case("rules");
    tcase_add_test(tc, walls_block_forward_and_outside_the_map_acts_as_a_wall);
    tcase_add_test(tc, a_locked_door_opens_only_with_the_key_of_its_color);
    tcase_add_test(tc, a_closed_door_blocks_until_toggled_and_blocks_sight);
    tcase_add_test(tc, lava_ends_the_episode_with_reward_0);
    tcase_add_test(tc, the_goal_pays_1_minus_0_9_step_count_over_max_steps);
    tcase_add_test(tc, truncation_comes_at_max_steps_and_every_other_step_rewards_0);
    tcase_add_test(tc, pickup_takes_one_object_and_drop_needs_an_empty_cell);
    suite_add_tcase(s, tc);
    tc = test_case("view");
    tcase_add_test(tc, the_view_turns_with_the_agent_in_all_four_directions);
    tcase_add_test(tc, nothing_is_seen_behind_a_wall_unless_the_level_sees_through);
    tcase_add_test(tc, a_corner_object_of_a_non_square_map_lands_on_the_right_view_cell);
    tcase_add_test(tc, every_observation_has_148_ones_in_its_documented_places);
    tcase_add_test(tc, the_fast_view_equals_minigrids_slice_rotate_and_process_vis);
    suite_add_tcase(s, tc);
    tc = test_case("levels");
    tcase_add_test(tc, empty_levels_start_top_left_or_at_random_with_the_goal_bottom_right);
    tcase_add_test(tc, four_rooms_has_one_gap_in_each_inner_wall_segment);
    tcase_add_test(tc, door_key_puts_agent_and_key_left_of_a_locked_yellow_door);
    tcase_add_test(tc, memory_ends_at_either_object_and_pays_only_at_the_cue);
    tcase_add_test(tc, memory_levels_replay_minigrids_own_episodes);
    tcase_add_test(tc, random_length_memory_levels_draw_every_hallway_end);
    tcase_add_test(tc, four_rooms_is_solvable_for_1000_seeds);
    tcase_add_test(tc, door_key_5x5_and_8x8_are_solvable_for_1000_seeds);
    suite_add_tcase(s, tc);
    tc = test_case("state");
    tcase_add_test(tc, the_same_seed_gives_the_same_trajectory_and_other_seeds_other_levels);
    tcase_add_test(tc, a_saved_state_restores_the_episode_and_the_rng);
    tcase_add_test(tc, bad_saved_states_are_refused_and_random_bytes_never_crash);
    suite_add_tcase(s, tc);
    tc = test_case("maps");
    tcase_add_test(tc, map_errors_name_the_file_line_and_column);
    tcase_add_test(tc, maps_accept_comments_crlf_and_directives_and_the_config_overrides_them);
    tcase_add_test(tc, a_map_without_an_agent_starts_on_random_empty_cells);
    tcase_add_test(tc, every_level_written_as_a_map_parses_back_to_itself);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(gridworld_suite)
