/* test_viewer.c: the viewer draws what the env's state says (CartPole as Gymnasium, gridworld
 * tiles as MiniGrid, popgym games as their text), saves valid PNGs of the frame's size, answers its keys, and the live
 * viewer takes published parameters without ever holding training up. Everything here runs
 * without a display: off-screen pictures, or SDL's "offscreen" video driver for windows. */
#include <SDL_image.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "envs/popgym/popgym.h"
#include "run/evaluate.h"
#include "tests/testutil.h"
#include "viewer/draw.h"
#include "viewer/viewer.h"

static const Rgb WHITE = {255, 255, 255}, BLACK = {0, 0, 0};
static const Rgb POLE = {202, 152, 101}, AXLE = {129, 132, 203};

static bool same(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

#define ck_assert_rgb(got, want, what, x, y)                                                       \
    ck_assert_msg(same(got, want), "%s at (%d, %d): got (%d, %d, %d), want (%d, %d, %d)", what,   \
                  (int)(x), (int)(y), (got).r, (got).g, (got).b, (want).r, (want).g, (want).b)

/* ---- CartPole --------------------------------------------------------------------------- */

/* Checks the picture at (x0, y0) of s against state (x, theta): cart, pole, axle, track. */
static void check_cartpole(SDL_Surface *s, int x0, int y0, double x, double theta) {
    /* Gymnasium: scale 125 px/m, cart centre at x * 125 + 300, 50 x 30 px around carty = 100
     * (y up; flipped: rows 399 - 115 .. 399 - 85), axle at carty + 7.5, pole 125 px long. */
    const double cartx = x * 125 + 300;
    const int body_row = 399 - 90; /* inside the cart, below the axle and the track */
    ck_assert_rgb(draw_get(s, x0 + (int)cartx, y0 + body_row), BLACK, "cart centre", cartx, body_row);
    ck_assert_rgb(draw_get(s, x0 + (int)cartx - 23, y0 + body_row), BLACK, "cart left edge", cartx - 23, body_row);
    ck_assert_rgb(draw_get(s, x0 + (int)cartx + 23, y0 + body_row), BLACK, "cart right edge", cartx + 23, body_row);
    ck_assert_rgb(draw_get(s, x0 + (int)cartx - 28, y0 + body_row), WHITE, "left of the cart", cartx - 28, body_row);
    ck_assert_rgb(draw_get(s, x0 + (int)cartx + 28, y0 + body_row), WHITE, "right of the cart", cartx + 28, body_row);
    ck_assert_rgb(draw_get(s, x0 + (int)cartx, y0 + 399 - 80), WHITE, "under the cart", cartx, 399 - 80);
    /* the track: a black line through the cart's middle across the screen */
    int col, track;
    draw_cartpole_geometry(x, &col, &track);
    ck_assert_int_eq(col, (int)cartx);
    ck_assert_int_eq(track, 299);
    ck_assert_rgb(draw_get(s, x0 + 2, y0 + 299), BLACK, "track", 2, 299);
    ck_assert_rgb(draw_get(s, x0 + 597, y0 + 299), BLACK, "track", 597, 299);
    ck_assert_rgb(draw_get(s, x0 + 2, y0 + 298), WHITE, "above the track", 2, 298);
    /* the axle */
    ck_assert_rgb(draw_get(s, x0 + (int)cartx, y0 + 399 - 107), AXLE, "axle", cartx, 399 - 107);
    /* the pole: 40, 80 and 115 px from the axle along the direction theta from upright */
    for (int d = 40; d <= 115; d += 35) {
        double px = cartx + d * sin(theta), py = 107.5 + d * cos(theta);
        ck_assert_rgb(draw_get(s, x0 + (int)lrint(px), y0 + 399 - (int)lrint(py)), POLE, "pole", px, 399 - py);
    }
    /* beyond the pole's tip (125 - 5 px from the axle) and beside it: background */
    double tx = cartx + 135 * sin(theta), ty = 107.5 + 135 * cos(theta);
    ck_assert_rgb(draw_get(s, x0 + (int)lrint(tx), y0 + 399 - (int)lrint(ty)), WHITE, "above the pole", tx, 399 - ty);
    double sx = cartx + 80 * sin(theta) + 12 * cos(theta), sy = 107.5 + 80 * cos(theta) - 12 * sin(theta);
    ck_assert_rgb(draw_get(s, x0 + (int)lrint(sx), y0 + 399 - (int)lrint(sy)), WHITE, "beside the pole", sx, 399 - sy);
    ck_assert_rgb(draw_get(s, x0 + 1, y0 + 1), WHITE, "background", 1, 1);
}

START_TEST(the_cart_and_pole_are_drawn_where_the_state_says) {
    Err err;
    SDL_Surface *s = draw_surface_create(640, 420, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    const double states[][2] = {{0, 0}, {1.2, 0.15}, {-1.7, -0.2}, {2.1, 0.05}, {-0.33, 0.2}};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        CartPoleView v = {{states[i][0], 0.3, states[i][1], -0.1}, 10, 500};
        draw_cartpole(s, 20, 10, &v);
        check_cartpole(s, 20, 10, states[i][0], states[i][1]);
        /* nothing outside the 600 x 400 picture was touched */
        ck_assert_rgb(draw_get(s, 10, 5), BLACK, "outside", 10, 5);
        ck_assert_rgb(draw_get(s, 630, 415), BLACK, "outside", 630, 415);
    }
    SDL_FreeSurface(s);
}
END_TEST


/* ---- Acrobot, MountainCar, Pendulum ---------------------------------------------------- */

START_TEST(the_classic_control_envs_are_drawn_where_the_state_says) {
    Err err;
    SDL_Surface *s = draw_surface_create(640, 520, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    const Rgb LINK = {0, 204, 204}, JOINT = {204, 204, 0}, ROD = {204, 77, 77}, GREY = {128, 128, 128};
    const double scale = 500 / 4.4; /* px per m of acrobot.py and pendulum.py */
    /* Acrobot hanging straight down: link 1 below the pivot at the centre, link 2 below it. */
    ClassicView a = {{0, 0, 0, 0}, NAN, 0, 0, 500};
    draw_acrobot(s, 20, 10, &a);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249), JOINT, "pivot", 250, 249);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249 + (int)(0.5 * scale)), LINK, "link 1", 250, 249 + 0.5 * scale);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249 + (int)(1.5 * scale)), LINK, "link 2", 250, 249 + 1.5 * scale);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249 - (int)(0.5 * scale)), WHITE, "above the pivot", 250, 249 - 0.5 * scale);
    ck_assert_rgb(draw_get(s, 20 + 5, 10 + 499 - (int)(scale + 250)), BLACK, "goal line", 5, 499 - (scale + 250));
    /* theta1 = pi / 2: link 1 points right (acrobot.py: p1 = (-cos, sin) swapped) */
    a.state[0] = M_PI / 2;
    draw_acrobot(s, 20, 10, &a);
    ck_assert_rgb(draw_get(s, 20 + 250 + (int)(0.5 * scale), 10 + 249), LINK, "link 1 right", 250 + 0.5 * scale, 249);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249 + (int)(0.5 * scale)), WHITE, "not below", 250, 249 + 0.5 * scale);
    /* Pendulum upright (theta = 0): the rod above the axle, its axle black. */
    ClassicView p = {{0, 0, 0, 0}, NAN, 0, 0, 200};
    draw_pendulum(s, 20, 10, &p);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249 - (int)(0.6 * scale)), ROD, "rod", 250, 249 - 0.6 * scale);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249 + (int)(0.6 * scale)), WHITE, "below the axle", 250, 249 + 0.6 * scale);
    ck_assert_rgb(draw_get(s, 20 + 250, 10 + 249), BLACK, "axle", 250, 249);
    p.state[0] = -M_PI / 2; /* theta grows counter-clockwise: -pi/2 points right */
    draw_pendulum(s, 20, 10, &p);
    ck_assert_rgb(draw_get(s, 20 + 250 + (int)(0.6 * scale), 10 + 249), ROD, "rod right", 250 + 0.6 * scale, 249);
    /* MountainCar at the valley's bottom (x = -pi / 6): the car level there, the flag at 0.5 m. */
    ClassicView m = {{-M_PI / 6, 0, 0, 0}, NAN, 0, 0, 200};
    draw_mountaincar(s, 20, 10, &m, 0.5);
    const double mscale = 600 / 1.8, cx = (-M_PI / 6 + 1.2) * mscale, ground = 0.1 * mscale; /* height 0.1 m */
    ck_assert_rgb(draw_get(s, 20 + (int)cx, 10 + 399 - (int)(ground + 10 + 10)), BLACK, "car body", cx, ground + 20);
    ck_assert_rgb(draw_get(s, 20 + (int)(cx + 10), 10 + 399 - (int)(ground + 10)), GREY, "wheel", cx + 10, ground + 10);
    const int flagx = (int)((0.5 + 1.2) * mscale), flagy = (int)((sin(1.5) * 0.45 + 0.55) * mscale);
    ck_assert_rgb(draw_get(s, 20 + flagx, 10 + 399 - (flagy + 25)), BLACK, "flag pole", flagx, flagy + 25);
    ck_assert_rgb(draw_get(s, 20 + flagx + 5, 10 + 399 - (flagy + 45)), JOINT, "pennant", flagx + 5, flagy + 45);
    SDL_FreeSurface(s);
}
END_TEST

/* A policy of the default config for env, with initialized parameters. */
static Policy *make_policy(int obs_dim, int n_actions) {
    PolicyConfig pc;
    policy_config_defaults(&pc);
    Policy *p;
    Err err;
    ck_assert_msg(policy_create(&p, &pc, obs_dim, n_actions, &err) == 0, "%s", err.msg);
    Rng rng;
    rng_seed(&rng, 3, 4);
    policy_init(p, &rng);
    return p;
}

static Env *make_env(const char *name) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    Env *env;
    Err err;
    ck_assert_msg(env_create(&env, &cfg, &err) == 0, "%s", err.msg);
    return env;
}

/* The env's own state, through env_view, into a viewer frame: with an off-screen picture and
 * with a window on SDL's offscreen driver. */
static void viewer_shows_env_state(bool window) {
    if (window) setenv("SDL_VIDEODRIVER", "offscreen", 1);
    Env *env = make_env("cartpole");
    env_seed(env, 11, 0);
    float obs[4];
    env_reset(env, obs);
    for (int t = 0; t < 6; t++) { /* push right: the cart moves right and the pole leans left */
        float r;
        bool term, trunc;
        env_step(env, 1, obs, &r, &term, &trunc);
        ck_assert(!term);
    }
    const CartPoleView *cv = env_view(env);
    ck_assert_msg(cv->state[0] > 0.02 && cv->state[2] < -0.05, "x %g theta %g", cv->state[0], cv->state[2]);
    Viewer *v;
    Err err;
    ViewerConfig vc = {window, "test", 3};
    ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s", err.msg);
    const char *lines[] = {"line one", "line two", "line three"};
    int rc = viewer_render(v, env, lines, 3, &err);
    ck_assert_msg(rc == 0, "render: %s", err.msg);
    if (window) ck_assert_str_eq(viewer_driver(v), "offscreen");
    int w, h, ex, ey, ew, eh;
    viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
    ck_assert_int_eq(ew, 600);
    ck_assert_int_eq(eh, 400);
    ck_assert_int_ge(w, 600);
    ck_assert_int_gt(h, 400 + 3 * 10);
    /* copy the frame into a surface to reuse the checks */
    SDL_Surface *s = draw_surface_create(w, h, &err);
    ck_assert_ptr_nonnull(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t rgb[3];
            ck_assert_int_eq(viewer_pixel(v, x, y, rgb), 0);
            draw_put(s, x, y, (Rgb){rgb[0], rgb[1], rgb[2]});
        }
    check_cartpole(s, ex, ey, cv->state[0], cv->state[2]);
    /* the panel has text: some light pixels on its dark background */
    int light = 0;
    for (int y = 400; y < h; y++)
        for (int x = 0; x < w; x++) light += draw_get(s, x, y).r > 128;
    ck_assert_int_gt(light, 50);
    SDL_FreeSurface(s);
    viewer_destroy(v);
    env_destroy(env);
}

START_TEST(an_offscreen_frame_shows_the_env_state) { viewer_shows_env_state(false); }
END_TEST

START_TEST(a_window_on_the_offscreen_driver_shows_the_env_state) { viewer_shows_env_state(true); }
END_TEST

/* ---- popgym ------------------------------------------------------------------------------ */

/* The frame of viewer v as a surface (for the pixel checks). */
static SDL_Surface *frame_of(const Viewer *v) {
    int w, h, ex, ey, ew, eh;
    viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
    Err err;
    SDL_Surface *s = draw_surface_create(w, h, &err);
    ck_assert_ptr_nonnull(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t rgb[3];
            ck_assert_int_eq(viewer_pixel(v, x, y, rgb), 0);
            draw_put(s, x, y, (Rgb){rgb[0], rgb[1], rgb[2]});
        }
    return s;
}

START_TEST(popgym_pendulum_variants_are_drawn_as_pendulum) {
    const char *names[] = {"popgym/position-only-pendulum-medium", "popgym/noisy-position-only-pendulum-hard"};
    const Rgb ROD = {204, 77, 77};
    const double d = 0.6 * 500 / 4.4; /* px: 0.6 m along the rod (pendulum.py's scale) */
    for (int i = 0; i < 2; i++) {
        Env *env = make_env(names[i]);
        float obs[2];
        Err err;
        env_seed(env, 5, 0);
        env_reset(env, obs);
        const double up_right[2] = {-M_PI / 2, 0.0}; /* theta -pi/2: the rod points right */
        ck_assert_msg(popgym_test_setup(env, up_right, 2, obs, &err) == 0, "%s", err.msg);
        Viewer *v;
        ViewerConfig vc = {false, "test", 2};
        ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s: %s", names[i], err.msg);
        ck_assert(viewer_env_pace(env) == 30.0);
        const char *lines[] = {"one", "two"};
        ck_assert_msg(viewer_render(v, env, lines, 2, &err) == 0, "%s: %s", names[i], err.msg);
        int w, h, ex, ey, ew, eh;
        viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
        ck_assert_int_eq(ew, 500);
        SDL_Surface *s = frame_of(v);
        ck_assert_rgb(draw_get(s, ex + 250 + (int)d, ey + 249), ROD, "rod right", 250 + d, 249);
        ck_assert_rgb(draw_get(s, ex + 250, ey + 249 - (int)d), WHITE, "nothing above", 250, 249 - d);
        SDL_FreeSurface(s);
        viewer_destroy(v);
        env_destroy(env);
    }
}
END_TEST

START_TEST(popgym_games_are_drawn_as_their_text_and_cartpole_variants_as_cartpole) {
    const char *games[] = {"repeat-previous", "repeat-first", "autoencode", "count-recall", "higher-lower",
                           "concentration", "minesweeper", "battleship", "multiarmed-bandit",
                           "position-only-cartpole", "velocity-only-cartpole", "noisy-position-only-cartpole"};
    for (size_t g = 0; g < sizeof games / sizeof games[0]; g++) {
        char name[64];
        snprintf(name, sizeof name, "popgym/%s-medium", games[g]);
        Env *env = make_env(name);
        float obs[1024], r;
        bool term, trunc;
        env_seed(env, 5, 0);
        env_reset(env, obs);
        for (int t = 0; t < 3; t++) env_step(env, t % 2, obs, &r, &term, &trunc);
        Viewer *v;
        Err err;
        ViewerConfig vc = {false, "test", 2};
        ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s: %s", name, err.msg);
        const char *lines[] = {"one", "two"};
        ck_assert_msg(viewer_render(v, env, lines, 2, &err) == 0, "%s: %s", name, err.msg);
        int w, h, ex, ey, ew, eh;
        viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
        SDL_Surface *s = frame_of(v);
        const PopgymView *pv = env_view(env);
        /* the text: dark pixels on the picture's light background, in its first lines */
        int dark = 0;
        for (int y = ey; y < ey + 60; y++)
            for (int x = ex; x < ex + ew; x++) dark += draw_get(s, x, y).r < 100;
        ck_assert_msg(dark > 200, "%s: %d dark pixels of text", name, dark);
        if (pv->cartpole) {
            ck_assert_int_eq(ew, 600);
            ck_assert_int_eq(eh, 400);
            check_cartpole(s, ex, ey, pv->pole.state[0], pv->pole.state[2]);
        } else {
            ck_assert_int_eq(ew, 640);
            ck_assert_rgb(draw_get(s, ex + ew - 2, ey + eh - 2), ((Rgb){250, 250, 245}), "background", ew - 2, eh - 2);
        }
        SDL_FreeSurface(s);
        viewer_destroy(v);
        env_destroy(env);
    }
}
END_TEST

/* ---- gridworld tiles (MiniGrid) --------------------------------------------------------------- */

static Rgb tile_px(const uint8_t *tile, int T, double fx, double fy) {
    int x = (int)(fx * T), y = (int)(fy * T);
    const uint8_t *p = tile + ((size_t)y * T + x) * 3;
    return (Rgb){p[0], p[1], p[2]};
}

START_TEST(gridworld_tiles_are_drawn_as_minigrid_draws_them) {
    GridTiles *t = grid_tiles_create(GRID_TILE_PIXELS);
    ck_assert_ptr_nonnull(t);
    const int T = GRID_TILE_PIXELS;
    /* a wall: its color everywhere (grey, as the grid lines) */
    const uint8_t *wall = grid_tile(t, 2, 5, 0, -1, false);
    ck_assert_rgb(tile_px(wall, T, 0.5, 0.5), DRAW_GRID_COLORS[5], "wall", 16, 16);
    /* an empty cell: black with grey grid lines on its top and left edges */
    const uint8_t *empty = grid_tile(t, 1, 0, 0, -1, false);
    ck_assert_rgb(tile_px(empty, T, 0.5, 0.5), BLACK, "empty", 16, 16);
    ck_assert_rgb(tile_px(empty, T, 0.5, 0.0), DRAW_GRID_COLORS[5], "grid line", 16, 0);
    /* a ball of each color: its color at the centre, black in the corner */
    for (int c = 0; c < 6; c++) {
        const uint8_t *ball = grid_tile(t, 6, c, 0, -1, false);
        ck_assert_rgb(tile_px(ball, T, 0.5, 0.5), DRAW_GRID_COLORS[c], "ball", 16, 16);
        ck_assert_rgb(tile_px(ball, T, 0.9, 0.9), BLACK, "beside the ball", 29, 29);
    }
    /* a key: the shaft in the key's color, the ring's hole black */
    const uint8_t *key = grid_tile(t, 5, 4, 0, -1, false);
    ck_assert_rgb(tile_px(key, T, 0.565, 0.6), DRAW_GRID_COLORS[4], "key shaft", 18, 19);
    ck_assert_rgb(tile_px(key, T, 0.56, 0.28), BLACK, "key ring hole", 18, 9);
    /* the goal: green everywhere but the grid lines */
    ck_assert_rgb(tile_px(grid_tile(t, 8, 1, 0, -1, false), T, 0.5, 0.5), DRAW_GRID_COLORS[1], "goal", 16, 16);
    /* a locked door: its color at the frame, 0.45 of it inside */
    const uint8_t *locked = grid_tile(t, 4, 2, 2, -1, false);
    ck_assert_rgb(tile_px(locked, T, 0.5, 0.02 + 1.0 / T), DRAW_GRID_COLORS[2], "locked door frame", 16, 1);
    ck_assert_rgb(tile_px(locked, T, 0.3, 0.3), ((Rgb){0, 0, 114}), "locked door", 10, 10);
    /* the agent: a red triangle pointing its way; east: red just left of centre, black near
     * the top-right corner; north: red just below centre */
    const Rgb RED = {255, 0, 0};
    const uint8_t *east = grid_tile(t, 1, 0, 0, 0, false);
    ck_assert_rgb(tile_px(east, T, 0.45, 0.5), RED, "agent east", 14, 16);
    ck_assert_rgb(tile_px(east, T, 0.8, 0.2), BLACK, "agent east corner", 25, 6);
    const uint8_t *north = grid_tile(t, 1, 0, 0, 3, false);
    ck_assert_rgb(tile_px(north, T, 0.5, 0.3), RED, "agent north tip", 16, 9);
    ck_assert_rgb(tile_px(north, T, 0.5, 0.9), BLACK, "behind the agent facing north", 16, 28);
    /* highlight: 30% of the way to white, truncated (black -> 76) */
    const uint8_t *lit = grid_tile(t, 1, 0, 0, -1, true);
    ck_assert_rgb(tile_px(lit, T, 0.5, 0.5), ((Rgb){76, 76, 76}), "highlighted empty", 16, 16);
    /* tiles are cached: the same key gives the same pixels */
    ck_assert_ptr_eq(grid_tile(t, 6, 3, 0, -1, false), grid_tile(t, 6, 3, 0, -1, false));
    grid_tiles_destroy(t);
}
END_TEST

/* A key or ball of the level: its color appears in its tile of the frame. */
START_TEST(a_gridworld_objects_color_appears_in_its_tile) {
    const char *levels[] = {"gridworld/door-key-8x8", "gridworld/memory-s7"};
    for (int l = 0; l < 2; l++) {
        Env *env = make_env(levels[l]);
        env_seed(env, 5, 0);
        float *obs = calloc((size_t)env->obs_dim, sizeof(float));
        env_reset(env, obs);
        Viewer *v;
        Err err;
        ViewerConfig vc = {false, "test", 2};
        ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(viewer_render(v, env, NULL, 0, &err), 0);
        int w, h, ex, ey, ew, eh;
        viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
        const GridView *gv = env_view(env);
        ck_assert_int_eq(ew, gv->width * GRID_TILE_PIXELS);
        ck_assert_int_eq(eh, gv->height * GRID_TILE_PIXELS);
        int found = 0;
        for (int y = 0; y < gv->height; y++)
            for (int x = 0; x < gv->width; x++) {
                const GridCell *c = &gv->cells[y * gv->stride + x];
                if (c->type != GRID_KEY && c->type != GRID_BALL) continue;
                Rgb want = DRAW_GRID_COLORS[c->color], lit = {(uint8_t)(want.r + 0.3 * (255 - want.r)),
                                                             (uint8_t)(want.g + 0.3 * (255 - want.g)),
                                                             (uint8_t)(want.b + 0.3 * (255 - want.b))};
                int hits = 0;
                for (int j = 0; j < GRID_TILE_PIXELS; j++)
                    for (int i = 0; i < GRID_TILE_PIXELS; i++) {
                        uint8_t p[3];
                        viewer_pixel(v, ex + x * GRID_TILE_PIXELS + i, ey + y * GRID_TILE_PIXELS + j, p);
                        Rgb got = {p[0], p[1], p[2]};
                        hits += same(got, want) || same(got, lit);
                    }
                ck_assert_msg(hits > 20, "%s: object %d of color %d at (%d, %d): %d pixels of its color",
                              levels[l], c->type, c->color, x, y, hits);
                found++;
            }
        ck_assert_int_gt(found, 0);
        /* the agent's cell shows the red triangle */
        int red = 0;
        for (int j = 0; j < GRID_TILE_PIXELS; j++)
            for (int i = 0; i < GRID_TILE_PIXELS; i++) {
                uint8_t p[3];
                viewer_pixel(v, ex + gv->agent_x * GRID_TILE_PIXELS + i, ey + gv->agent_y * GRID_TILE_PIXELS + j, p);
                red += p[0] == 255 && p[1] == p[2] && p[1] <= 76; /* red, or red highlighted */
            }
        ck_assert_int_gt(red, 50);
        viewer_destroy(v);
        free(obs);
        env_destroy(env);
    }
}
END_TEST

/* ---- PNG ---------------------------------------------------------------------------------- */

/* Reads a PNG's signature and IHDR size from its bytes, and decodes it with SDL2_image. */
static void check_png(const char *path, int want_w, int want_h) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s was not written", path);
    uint8_t head[24];
    ck_assert_int_eq((int)fread(head, 1, sizeof head, f), 24);
    fclose(f);
    static const uint8_t SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ck_assert_msg(memcmp(head, SIG, 8) == 0, "%s: not a PNG signature", path);
    ck_assert_msg(memcmp(head + 12, "IHDR", 4) == 0, "%s: no IHDR chunk first", path);
    int w = head[16] << 24 | head[17] << 16 | head[18] << 8 | head[19];
    int h = head[20] << 24 | head[21] << 16 | head[22] << 8 | head[23];
    ck_assert_int_eq(w, want_w);
    ck_assert_int_eq(h, want_h);
    SDL_Surface *s = IMG_Load(path);
    ck_assert_msg(s != NULL, "%s: SDL2_image cannot decode it: %s", path, IMG_GetError());
    ck_assert_int_eq(s->w, want_w);
    ck_assert_int_eq(s->h, want_h);
    SDL_FreeSurface(s);
}

START_TEST(a_screenshot_is_a_valid_png_of_the_frames_size) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/shot.png", dir);
    Env *env = make_env("cartpole");
    float obs[4];
    env_reset(env, obs);
    Viewer *v;
    Err err;
    ViewerConfig vc = {false, "test", 4};
    ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(viewer_save_png(v, path, &err), -1); /* nothing drawn yet */
    ck_assert_int_eq(viewer_render(v, env, NULL, 0, &err), 0);
    ck_assert_msg(viewer_save_png(v, path, &err) == 0, "%s", err.msg);
    int w, h, ex, ey, ew, eh;
    viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
    check_png(path, w, h);
    /* the decoded picture has the frame's pixels */
    SDL_Surface *s = IMG_Load(path);
    SDL_Surface *a = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
    const CartPoleView *cv = env_view(env);
    check_cartpole(a, ex, ey, cv->state[0], cv->state[2]);
    SDL_FreeSurface(a);
    SDL_FreeSurface(s);
    char bad[700];
    snprintf(bad, sizeof bad, "%s/no/such/folder/x.png", dir);
    ck_assert_int_eq(viewer_save_png(v, bad, &err), -1);
    ck_assert_msg(strstr(err.msg, bad), "%s", err.msg);
    viewer_destroy(v);
    env_destroy(env);
}
END_TEST

/* ---- sessions ------------------------------------------------------------------------------ */

typedef struct Seen {
    int episodes;
    float returns[16];
    int notes;
    char note[512];
} Seen;

static void seen_episode(void *ctx, int episode, float ret, int length, bool terminated) {
    (void)length;
    (void)terminated;
    Seen *s = ctx;
    if (episode <= 16) s->returns[episode - 1] = ret;
    s->episodes = episode;
}

static void seen_note(void *ctx, const char *note) {
    Seen *s = ctx;
    s->notes++;
    snprintf(s->note, sizeof s->note, "%s", note);
}

/* The size of a session's frame (4 lines of text) for env `name`. */
static void frame_size(const char *name, int *w, int *h) {
    Env *env = make_env(name);
    Viewer *v;
    Err err;
    ViewerConfig vc = {false, "x", 4};
    ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s", err.msg);
    int ex, ey, ew, eh;
    viewer_layout(v, w, h, &ex, &ey, &ew, &eh);
    viewer_destroy(v);
    env_destroy(env);
}

START_TEST(watch_offscreen_plays_the_same_episodes_as_evaluate) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/last.png", dir);
    Policy *p = make_policy(4, 2);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "cartpole");
    for (int det = 0; det < 2; det++) {
        Seen seen = {0};
        WatchOptions o = {0};
        o.episodes = 3;
        o.seed = 77;
        o.deterministic = det;
        o.speed = 1;
        o.screenshot = path;
        o.on_episode = seen_episode;
        o.ctx = &seen;
        WatchResult res;
        Err err;
        ck_assert_msg(viewer_watch(p, &ec, &o, &res, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(res.episodes, 3);
        ck_assert_int_eq(seen.episodes, 3);
        ck_assert_str_eq(res.driver, "off-screen");
        EvalEpisode eps[3];
        EvalOptions eo = {3, 77, det, 1, NULL, 0};
        ck_assert_msg(evaluate(p, &ec, &eo, eps, &err) == 0, "%s", err.msg);
        long steps = 0;
        for (int e = 0; e < 3; e++) {
            ck_assert_msg(seen.returns[e] == eps[e].ret, "%s episode %d: watch %g, eval %g",
                          det ? "deterministic" : "stochastic", e, seen.returns[e], eps[e].ret);
            steps += eps[e].length;
        }
        ck_assert_int_eq(res.steps, steps);
        ck_assert_int_eq(res.frames, steps + 1); /* the first state, then one frame per step */
        int w, h;
        frame_size("cartpole", &w, &h);
        check_png(path, w, h);
    }
    policy_destroy(p);
}
END_TEST

START_TEST(watch_plays_a_popgym_env_as_evaluate_and_play_refuses_its_card_games) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/last.png", dir);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "popgym/minesweeper-easy");
    Policy *p = make_policy(3, 16);
    Seen seen = {0};
    WatchOptions o = {0};
    o.episodes = 3;
    o.seed = 77;
    o.speed = 1;
    o.screenshot = path;
    o.on_episode = seen_episode;
    o.ctx = &seen;
    WatchResult res;
    Err err;
    ck_assert_msg(viewer_watch(p, &ec, &o, &res, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(res.episodes, 3);
    EvalEpisode eps[3];
    EvalOptions eo = {3, 77, false, 1, NULL, 0};
    ck_assert_msg(evaluate(p, &ec, &eo, eps, &err) == 0, "%s", err.msg);
    for (int e = 0; e < 3; e++) ck_assert_msg(seen.returns[e] == eps[e].ret, "episode %d: watch %g, eval %g", e, seen.returns[e], eps[e].ret);
    int w, h;
    frame_size(ec.name, &w, &h);
    check_png(path, w, h);
    policy_destroy(p);
    o.episodes = 1;
    ck_assert_int_eq(viewer_play(&ec, &o, &res, &err), -1);
    ck_assert_int_eq(err.kind, ERR_INPUT);
    ck_assert_msg(strstr(err.msg, "not played from the keyboard") && strstr(err.msg, "ppo watch"), "%s", err.msg);
}
END_TEST

/* Pushes key presses into the window's queue from another thread, as a person would type. */
typedef struct Typist {
    const SDL_Keycode *keys;
    int n;
    double gap; /* s between keys */
} Typist;

static void *type_keys(void *arg) {
    const Typist *t = arg;
    for (int i = 0; i < t->n; i++) {
        SDL_Delay((Uint32)(t->gap * 1000));
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.keysym.sym = t->keys[i];
        for (int tries = 0; tries < 200 && SDL_PushEvent(&e) < 0; tries++) SDL_Delay(10);
    }
    return NULL;
}

START_TEST(keys_pause_step_screenshot_and_quit_a_window) {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    Policy *p = make_policy(4, 2);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "cartpole");
    Seen seen = {0};
    WatchOptions o = {0};
    o.seed = 1;
    o.deterministic = true;
    o.speed = 1;
    o.shot_dir = dir;
    o.on_episode = seen_episode;
    o.on_note = seen_note;
    o.ctx = &seen;
    /* pause at once, step 3 times by hand, save a screenshot, quit */
    const SDL_Keycode keys[] = {SDLK_SPACE, SDLK_RIGHT, SDLK_RIGHT, SDLK_RIGHT, SDLK_s, SDLK_q};
    Typist t = {keys, 6, 0.15};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, type_keys, &t), 0);
    WatchResult res;
    Err err;
    int rc = viewer_watch(p, &ec, &o, &res, &err);
    pthread_join(th, NULL);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_str_eq(res.driver, "offscreen");
    ck_assert_msg(seen.notes == 1 && strstr(seen.note, "screenshot saved"), "note: %s", seen.note);
    const char *path = strstr(seen.note, dir);
    ck_assert_msg(path != NULL, "%s", seen.note);
    int w, h;
    frame_size("cartpole", &w, &h);
    check_png(path, w, h);
    /* paused after the first key (at most a few steps at 50 steps/s before it), then 3 steps */
    ck_assert_msg(res.steps >= 3 && res.steps < 3 + 25, "steps %ld", res.steps);
    ck_assert_int_gt(res.frames, 3);
    policy_destroy(p);
}
END_TEST

START_TEST(cartpole_play_waits_for_the_first_push_then_runs_in_real_time) {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "cartpole");
    WatchOptions o = {0};
    o.seed = 1;
    o.speed = 1;
    /* nothing for 0.3 s (waiting), a push, 0.3 s of play (~15 steps at 50 steps/s), quit */
    const SDL_Keycode keys[] = {SDLK_RIGHT, SDLK_q};
    Typist t = {keys, 2, 0.3};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, type_keys, &t), 0);
    WatchResult res;
    Err err;
    int rc = viewer_play(&ec, &o, &res, &err);
    pthread_join(th, NULL);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_msg(res.steps >= 3 && res.steps <= 40, "steps %ld", res.steps);
}
END_TEST

START_TEST(gridworld_play_takes_one_step_per_key_as_minigrid_manual_control) {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "gridworld/empty-8x8");
    Seen seen = {0};
    WatchOptions o = {0};
    o.seed = 1;
    o.speed = 1;
    o.on_episode = seen_episode;
    o.ctx = &seen;
    /* from (1, 1) facing east to the goal at (6, 6): 5 forward, turn right, 5 forward */
    const SDL_Keycode keys[] = {SDLK_UP, SDLK_UP, SDLK_UP, SDLK_UP, SDLK_UP, SDLK_RIGHT,
                                SDLK_UP, SDLK_UP, SDLK_UP, SDLK_UP, SDLK_UP, SDLK_q};
    Typist t = {keys, 12, 0.05};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, type_keys, &t), 0);
    WatchResult res;
    Err err;
    int rc = viewer_play(&ec, &o, &res, &err);
    pthread_join(th, NULL);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq(res.steps, 11);
    ck_assert_int_eq(seen.episodes, 1);
    ck_assert_msg(fabsf(seen.returns[0] - (1.0f - 0.9f * 11 / 256)) < 1e-5f, "return %g", seen.returns[0]);
}
END_TEST

START_TEST(frames_end_a_window_with_a_quit_event) {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    Policy *p = make_policy(4, 2);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "cartpole");
    WatchOptions o = {0};
    o.seed = 1;
    o.deterministic = true;
    o.speed = 8; /* 400 steps/s */
    o.frames = 12;
    WatchResult res;
    Err err;
    ck_assert_msg(viewer_watch(p, &ec, &o, &res, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(res.frames, 12);
    ck_assert_int_ge(res.steps, 11);
    policy_destroy(p);
}
END_TEST

START_TEST(without_a_display_a_window_is_refused_with_its_own_code) {
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    unsetenv("SDL_VIDEODRIVER");
    Policy *p = make_policy(4, 2);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "cartpole");
    WatchOptions o = {0};
    o.speed = 1;
    o.frames = 3;
    WatchResult res;
    Err err;
    ck_assert_int_eq(viewer_watch(p, &ec, &o, &res, &err), -1);
    ck_assert_int_eq(err.kind, ERR_SETUP);
    ck_assert_int_eq(err_exit_code(&err), 2);
    ck_assert_msg(strstr(err.msg, "no display"), "%s", err.msg);
    policy_destroy(p);
}
END_TEST

START_TEST(the_viewer_refuses_an_env_it_cannot_draw_and_a_missing_font) {
    Env *env = make_env("cartpole");
    Viewer *v;
    Err err;
    ViewerConfig vc = {false, "x", 1};
    Env fake = *env;
    snprintf(fake.name, sizeof fake.name, "pong");
    ck_assert_int_eq(viewer_create(&v, &fake, &vc, &err), -1);
    ck_assert_msg(strstr(err.msg, "cannot draw env 'pong'"), "%s", err.msg);
    setenv("PPO_FONT_DIR", "/nonexistent", 1);
    ck_assert_int_eq(viewer_create(&v, env, &vc, &err), -1);
    ck_assert_msg(strstr(err.msg, "fonts-dejavu-core") && strstr(err.msg, "/nonexistent"), "%s", err.msg);
    unsetenv("PPO_FONT_DIR");
    env_destroy(env);
}
END_TEST

/* ---- live ---------------------------------------------------------------------------------- */

typedef struct FakeTraining {
    LiveViewer *lv;
    Policy *policy;
    int updates;
    double max_publish_seconds;
    bool close_window; /* push a quit event half way */
} FakeTraining;

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Publishes `updates` parameter sets as a training thread does, timing each call. */
static void *fake_training(void *arg) {
    FakeTraining *f = arg;
    for (int u = 0; u <= f->updates; u++) {
        for (size_t i = 0; i < f->policy->n_params; i++) f->policy->params[i] += 1e-4f;
        TrainProgress pr = {u, f->updates, (long)u * 2048, (long)f->updates * 2048, 1e5, 20.0 + u, 10L * u, NAN};
        double t0 = seconds_now();
        live_viewer_publish(f->lv, f->policy, &pr);
        double dt = seconds_now() - t0;
        if (dt > f->max_publish_seconds) f->max_publish_seconds = dt;
        if (f->close_window && u == f->updates / 2) {
            SDL_Event e;
            memset(&e, 0, sizeof e);
            e.type = SDL_QUIT;
            SDL_PushEvent(&e);
        }
        SDL_Delay(10);
    }
    live_viewer_finish(f->lv);
    return NULL;
}

static void live_run(bool close_window) {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    TrainConfig cfg;
    Err err;
    ck_assert_msg(config_load(&cfg, "configs/cartpole.yaml", NULL, 0, &err) == 0, "%s", err.msg);
    LiveViewer *lv;
    ck_assert_msg(live_viewer_open(&lv, &cfg, 4.0, &err) == 0, "%s", err.msg);
    FakeTraining f = {lv, make_policy(4, 2), 60, 0, close_window};
    pthread_t th;
    double t0 = seconds_now();
    ck_assert_int_eq(pthread_create(&th, NULL, fake_training, &f), 0);
    volatile sig_atomic_t stop = 0;
    ck_assert_msg(live_viewer_run(lv, &stop, &err) == 0, "%s", err.msg);
    double ran = seconds_now() - t0;
    pthread_join(th, NULL);
    /* training ran to its end either way; with the window closed, the viewer left early */
    if (close_window)
        ck_assert_msg(ran < 0.6 * 60 * 0.010 + 0.3, "the viewer ran %.2f s after its window closed", ran);
    else
        ck_assert_msg(ran >= 60 * 0.010, "the viewer ended after %.2f s, before training did", ran);
    ck_assert_msg(f.max_publish_seconds < 0.05, "a publish took %.3f s", f.max_publish_seconds);
    live_viewer_free(lv);
    policy_destroy(f.policy);
}

START_TEST(the_live_viewer_plays_until_training_ends) { live_run(false); }
END_TEST

START_TEST(closing_the_live_window_lets_training_go_on) { live_run(true); }
END_TEST

static Suite *viewer_suite(void) {
    Suite *s = suite_create("viewer");
    TCase *tc = test_case("drawing");
    tcase_add_test(tc, the_cart_and_pole_are_drawn_where_the_state_says);
    tcase_add_test(tc, the_classic_control_envs_are_drawn_where_the_state_says);
    tcase_add_test(tc, an_offscreen_frame_shows_the_env_state);
    tcase_add_test(tc, a_window_on_the_offscreen_driver_shows_the_env_state);
    tcase_add_test(tc, gridworld_tiles_are_drawn_as_minigrid_draws_them);
    tcase_add_test(tc, a_gridworld_objects_color_appears_in_its_tile);
    tcase_add_test(tc, popgym_games_are_drawn_as_their_text_and_cartpole_variants_as_cartpole);
    tcase_add_test(tc, popgym_pendulum_variants_are_drawn_as_pendulum);
    tcase_add_test(tc, a_screenshot_is_a_valid_png_of_the_frames_size);
    tcase_add_test(tc, the_viewer_refuses_an_env_it_cannot_draw_and_a_missing_font);
    suite_add_tcase(s, tc);
    TCase *ts = test_case("sessions");
    tcase_add_test(ts, watch_offscreen_plays_the_same_episodes_as_evaluate);
    tcase_add_test(ts, watch_plays_a_popgym_env_as_evaluate_and_play_refuses_its_card_games);
    tcase_add_test(ts, keys_pause_step_screenshot_and_quit_a_window);
    tcase_add_test(ts, frames_end_a_window_with_a_quit_event);
    tcase_add_test(ts, cartpole_play_waits_for_the_first_push_then_runs_in_real_time);
    tcase_add_test(ts, gridworld_play_takes_one_step_per_key_as_minigrid_manual_control);
    tcase_add_test(ts, without_a_display_a_window_is_refused_with_its_own_code);
    tcase_add_test(ts, the_live_viewer_plays_until_training_ends);
    tcase_add_test(ts, closing_the_live_window_lets_training_go_on);
    suite_add_tcase(s, ts);
    return s;
}

TEST_MAIN(viewer_suite)
