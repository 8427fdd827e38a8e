/* minesweeper.c: POPGym's MineSweeper (popgym/envs/minesweeper.py), parameters a = the board's
 * side, b = mines. The agent clicks cells of a hidden board, action row * side + column (the
 * MultiDiscrete([side, side]) action flattened), and sees how many mines the 3x3 block around
 * the cell holds (the cell included). */
#include <stdio.h>
#include <string.h>

#include "envs/popgym/impl.h"

enum { CLEAR = 0, MINE = 1, VIEWED = 2 }; /* HiddenSquare */

/* The neighbor grid of MineSweeper.reset: np.roll sums over the zero-padded grid. */
static void count_neighbors(MineState *s, int side) {
    for (int r = 0; r < side; r++)
        for (int c = 0; c < side; c++) {
            int k = 0;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    int rr = r + dr, cc = c + dc;
                    if (rr >= 0 && rr < side && cc >= 0 && cc < side) k += s->hidden[rr * side + cc] == MINE;
                }
            s->neighbors[r * side + c] = (uint8_t)k;
        }
}

/* MineSweeper.reset: `mines` distinct cells (np_random.choice without replacement; here a
 * partial Fisher-Yates over the cells); observation 0. */
static void ms_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    MineState *s = &p->g.mine;
    const int side = p->level->a, cells = side * side;
    uint8_t order[POPGYM_MAX_CELLS];
    for (int i = 0; i < cells; i++) order[i] = (uint8_t)i;
    memset(s->hidden, 0, sizeof s->hidden);
    for (int i = 0; i < p->level->b; i++) {
        int j = i + (int)rng_below(&p->rng, (uint32_t)(cells - i));
        uint8_t t = order[i];
        order[i] = order[j];
        order[j] = t;
        s->hidden[order[i]] = MINE;
    }
    memset(s->neighbors, 0, sizeof s->neighbors);
    count_neighbors(s, side);
    raw[0] = 0;
}

/* MineSweeper.step: a mine pays -0.5 - 1/L and terminates, a cell clicked before pays
 * -0.5/(L - 2), a new clear cell +1/L; terminated when no clear cell is left, truncated at
 * step L unless terminated; observes the clicked cell's neighbor count. */
static void ms_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    MineState *s = &p->g.mine;
    const int side = p->level->a, cells = side * side, length = p->level->max_length;
    const double success = 1.0 / length, fail = -0.5 - success, bad = -0.5 / (length - 2);
    bool term = false;
    if (s->hidden[action] == MINE) {
        term = true;
        *reward = fail;
    } else if (s->hidden[action] == VIEWED) {
        *reward = bad;
    } else {
        s->hidden[action] = VIEWED;
        *reward = success;
    }
    bool any_clear = false;
    for (int i = 0; i < cells; i++) any_clear |= s->hidden[i] == CLEAR;
    term |= !any_clear;
    *terminated = term;
    *truncated = p->t + 1 == length && !term;
    raw[0] = s->neighbors[action];
}

static int ms_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    MineState *s = &p->g.mine;
    const int side = p->level->a, cells = side * side;
    if (n != cells) return err_set(err, "%s: the setup is the hidden grid of %d cells, got %d values", p->level->name, cells, n);
    memset(s->hidden, 0, sizeof s->hidden);
    int mines = 0;
    for (int i = 0; i < cells; i++) {
        if (values[i] != 0 && values[i] != 1) return err_set(err, "%s: cell %d is %g, not 0 or 1", p->level->name, i, values[i]);
        s->hidden[i] = (uint8_t)values[i];
        mines += s->hidden[i];
    }
    if (mines != p->level->b) return err_set(err, "%s: %d mines, not %d", p->level->name, mines, p->level->b);
    memset(s->neighbors, 0, sizeof s->neighbors);
    count_neighbors(s, side);
    raw[0] = 0;
    return 0;
}

static int ms_check(const Popgym *p, Err *err) {
    const MineState *s = &p->g.mine;
    const int side = p->level->a, cells = side * side;
    int mines = 0;
    for (int i = 0; i < POPGYM_MAX_CELLS; i++) {
        if (check_range(s->hidden[i], 0, i < cells ? 2 : 0, "hidden cell", err)) return -1;
        mines += s->hidden[i] == MINE;
    }
    if (check_range(mines, p->level->b, p->level->b, "mines", err)) return -1;
    MineState fresh;
    memcpy(&fresh, s, sizeof fresh);
    count_neighbors(&fresh, side);
    if (memcmp(fresh.neighbors, s->neighbors, sizeof fresh.neighbors) != 0)
        return err_set(err, "popgym state: the neighbor counts do not match the mines");
    return 0;
}

static void ms_describe(const Popgym *p, char *buf, size_t cap) {
    const MineState *s = &p->g.mine;
    const int side = p->level->a;
    size_t u = 0;
    text_add(buf, cap, &u, "MineSweeper %s: click every clear cell, no mine (%d of them)\n", p->level->difficulty, p->level->b);
    text_add(buf, cap, &u, "step %d of %d; the agent sees only the count of its last click\n", p->t, p->level->max_length);
    text_add(buf, cap, &u, "board (digit: clicked, its count; . hidden; * mine):\n   ");
    for (int c = 0; c < side; c++) text_add(buf, cap, &u, "%2d", c);
    text_add(buf, cap, &u, "\n");
    for (int r = 0; r < side; r++) {
        text_add(buf, cap, &u, "%2d ", r);
        for (int c = 0; c < side; c++) {
            int h = s->hidden[r * side + c];
            bool last = p->last_action == r * side + c;
            if (h == VIEWED) text_add(buf, cap, &u, "%c%d", last ? '>' : ' ', s->neighbors[r * side + c]);
            else text_add(buf, cap, &u, "%c%c", last ? '>' : ' ', h == MINE ? '*' : '.');
        }
        text_add(buf, cap, &u, "\n");
    }
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last click r%d c%d: saw %d, reward %+.4f\n", p->last_action / side, p->last_action % side,
                 p->raw[0], p->last_reward);
}

static void ms_action(const Popgym *p, int a, char *buf, size_t cap) {
    snprintf(buf, cap, "r%dc%d", a / p->level->a, a % p->level->a);
}

const PopgymGame popgym_minesweeper = {"MineSweeper", ms_reset, ms_step, ms_setup, ms_check,
                                       ms_describe, ms_action};
