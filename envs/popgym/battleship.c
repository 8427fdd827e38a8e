/* battleship.c: POPGym's Battleship (popgym/envs/battleship.py), parameter a = the board's side.
 * Ships of 2, 3, 3 and 4 cells lie hidden on the board; the agent fires at a cell, action
 * row * side + column (the MultiDiscrete([side, side]) action flattened), and sees hit or miss. */
#include <stdio.h>
#include <string.h>

#include "envs/popgym/impl.h"

static const int SHIP_SIZES[4] = {2, 3, 3, 4}; /* Battleship's default ship_sizes */
#define NEEDED_HITS 12                         /* sum(ship_sizes) */

/* Battleship.place_ship: a random start cell, axis and sign, redrawn until the ship lies on the
 * board and covers no other ship (the rectangle's sum is 0); then its cells are set. */
static void place_ship(Popgym *p, int size) {
    ShipState *s = &p->g.ship;
    const int side = p->level->a;
    int lo[2], hi[2];
    for (;;) {
        int start[2], end[2], dir[2];
        start[0] = (int)rng_below(&p->rng, (uint32_t)side);
        start[1] = (int)rng_below(&p->rng, (uint32_t)side);
        dir[0] = (int)rng_below(&p->rng, 2);
        dir[1] = (int)rng_below(&p->rng, 2);
        end[0] = start[0];
        end[1] = start[1];
        end[dir[0]] = start[dir[0]] + (dir[1] ? -1 : 1) * (size - 1);
        if (end[0] < 0 || end[1] < 0 || end[0] >= side || end[1] >= side) continue;
        for (int k = 0; k < 2; k++) {
            lo[k] = start[k] < end[k] ? start[k] : end[k];
            hi[k] = start[k] < end[k] ? end[k] : start[k];
        }
        int sum = 0;
        for (int r = lo[0]; r <= hi[0]; r++)
            for (int c = lo[1]; c <= hi[1]; c++) sum += s->board[r * side + c];
        if (sum == 0) break;
    }
    for (int r = lo[0]; r <= hi[0]; r++)
        for (int c = lo[1]; c <= hi[1]; c++) s->board[r * side + c] = 1;
}

/* Battleship.reset: place the ships in order 2, 3, 3, 4; nothing fired yet; observation 0. */
static void bs_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    ShipState *s = &p->g.ship;
    memset(s->board, 0, sizeof s->board);
    for (int i = 0; i < 4; i++) place_ship(p, SHIP_SIZES[i]);
    memset(s->guesses, 0, sizeof s->guesses);
    s->hits = 0;
    raw[0] = 0;
}

/* Battleship.step: a hit is a ship cell not fired at before (+1/12), anything else a miss
 * (-1/(B - 12)); terminated at the 12th hit, truncated at step B (both can hold). */
static void bs_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    ShipState *s = &p->g.ship;
    const int cells = p->level->max_length;
    bool hit = s->board[action] && !s->guesses[action];
    s->guesses[action] = 1;
    s->hits += hit;
    *truncated = p->t + 1 >= cells;
    *terminated = s->hits == NEEDED_HITS;
    *reward = hit ? 1.0 / NEEDED_HITS : -1.0 / (cells - NEEDED_HITS);
    raw[0] = hit;
}

static int bs_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    ShipState *s = &p->g.ship;
    const int cells = p->level->max_length;
    if (n != cells) return err_set(err, "%s: the setup is the board of %d cells, got %d values", p->level->name, cells, n);
    memset(s->board, 0, sizeof s->board);
    int ship = 0;
    for (int i = 0; i < cells; i++) {
        if (values[i] != 0 && values[i] != 1) return err_set(err, "%s: cell %d is %g, not 0 or 1", p->level->name, i, values[i]);
        s->board[i] = (uint8_t)values[i];
        ship += s->board[i];
    }
    if (ship != NEEDED_HITS) return err_set(err, "%s: %d ship cells, not %d", p->level->name, ship, NEEDED_HITS);
    memset(s->guesses, 0, sizeof s->guesses);
    s->hits = 0;
    raw[0] = 0;
    return 0;
}

static int bs_check(const Popgym *p, Err *err) {
    const ShipState *s = &p->g.ship;
    const int cells = p->level->max_length;
    int ship = 0, hits = 0, fired = 0;
    for (int i = 0; i < POPGYM_MAX_CELLS; i++) {
        if (check_range(s->board[i], 0, i < cells, "board cell", err) ||
            check_range(s->guesses[i], 0, i < cells, "fired cell", err))
            return -1;
        ship += s->board[i];
        hits += s->board[i] & s->guesses[i];
        fired += s->guesses[i];
    }
    if (check_range(ship, NEEDED_HITS, NEEDED_HITS, "ship cells", err)) return -1;
    if (check_range(s->hits, hits, hits, "hits", err)) return -1;
    return check_range(fired, 0, p->t, "cells fired at", err);
}

static void bs_describe(const Popgym *p, char *buf, size_t cap) {
    const ShipState *s = &p->g.ship;
    const int side = p->level->a;
    size_t u = 0;
    text_add(buf, cap, &u, "Battleship %s: sink the ships (2, 3, 3, 4 cells) in %d shots\n", p->level->difficulty,
             p->level->max_length);
    text_add(buf, cap, &u, "step %d, %d of %d hits; the agent sees only hit or miss\n", p->t, s->hits, NEEDED_HITS);
    text_add(buf, cap, &u, "board (X hit, o miss, # ship unseen, . water):\n   ");
    for (int c = 0; c < side; c++) text_add(buf, cap, &u, "%2d", c);
    text_add(buf, cap, &u, "\n");
    for (int r = 0; r < side; r++) {
        text_add(buf, cap, &u, "%2d ", r);
        for (int c = 0; c < side; c++) {
            int i = r * side + c;
            char ch = s->guesses[i] ? (s->board[i] ? 'X' : 'o') : (s->board[i] ? '#' : '.');
            text_add(buf, cap, &u, "%c%c", p->last_action == i ? '>' : ' ', ch);
        }
        text_add(buf, cap, &u, "\n");
    }
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last shot r%d c%d: %s, reward %+.4f\n", p->last_action / side, p->last_action % side,
                 p->raw[0] ? "hit" : "miss", p->last_reward);
}

static void bs_action(const Popgym *p, int a, char *buf, size_t cap) {
    snprintf(buf, cap, "r%dc%d", a / p->level->a, a % p->level->a);
}

const PopgymGame popgym_battleship = {"Battleship", bs_reset, bs_step, bs_setup, bs_check,
                                      bs_describe, bs_action};
