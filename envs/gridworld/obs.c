/* obs.c: the agent's 7x7 egocentric view, its visibility and its float encoding
 * (see gridworld.h for the layout). Sources: minigrid/minigrid_env.py (gen_obs_grid,
 * get_view_exts, get_full_render), minigrid/core/grid.py (slice, rotate_left, process_vis,
 * encode). */
#include <string.h>

#include "envs/gridworld/impl.h"

#define VS GRID_VIEW          /* agent_view_size */
#define HALF (GRID_VIEW / 2)  /* agent_view_size // 2 */
#define ROW_BITS ((1u << VS) - 1u)

static const GridCell OUTSIDE = {GRID_WALL, GRID_GREY, 0, 0}; /* Grid.slice's Wall() */

bool gridworld_view_to_world(const GridView *v, int vx, int vy, int *x, int *y) {
    int d = v->agent_dir, dx = GRID_DX[d], dy = GRID_DY[d], rx = -dy, ry = dx; /* right_vec = (-dy, dx) */
    *x = v->agent_x + dx * (VS - 1 - vy) + rx * (vx - HALF);
    *y = v->agent_y + dy * (VS - 1 - vy) + ry * (vx - HALF);
    return *x >= 0 && *x < v->width && *y >= 0 && *y < v->height;
}

/* Bit reversal of a byte (the lookup table of Sean Anderson's "Bit Twiddling Hacks"). */
#define R2(n) n, n + 2 * 64, n + 1 * 64, n + 3 * 64
#define R4(n) R2(n), R2(n + 2 * 16), R2(n + 1 * 16), R2(n + 3 * 16)
#define R6(n) R4(n), R4(n + 2 * 4), R4(n + 1 * 4), R4(n + 3 * 4)
static const uint8_t REVERSE8[256] = {R6(0), R6(2), R6(1), R6(3)};

/* Mirror of a view row's bits: bit vx goes to bit VS - 1 - vx. */
static inline uint32_t mirror(uint32_t row) { return REVERSE8[row] >> (8 - VS); }

/* Grows the set m along a row towards higher bits through the cells of s: bit i joins when a
 * member k <= i - 1 has s[k..i-1] all set. Adding m & s to s carries each such bit up the run of
 * ones it sits in and out onto the first cell past it, so (s + (m & s)) ^ s marks the run and
 * that cell. */
static inline uint32_t grow_up(uint32_t m, uint32_t s) {
    return (m | ((s + (m & s)) ^ s)) & ROW_BITS;
}

/* process_vis over a view whose see-behind bits are see[vy] (bit vx set where the cell lets
 * sight through) and their mirrors see_m[vy], agent at (HALF, VS - 1); writes vis [vx][vy].
 *
 * MiniGrid walks each row from the bottom up, first left to right, then right to left; a
 * visible cell that sees behind marks its row neighbour and the cells above it and above the
 * neighbour. So per row: the visible set grows rightwards through see-behind cells (a blocking
 * cell is marked but passes nothing on), then leftwards from that result; then every visible
 * see-behind cell i marks i-1, i and i+1 in the row above. Here a row is a 7-bit mask and the
 * growth is carry arithmetic (the leftward pass on mirrored rows): no data-dependent branch. */
static void visibility(const uint32_t see[VS], const uint32_t see_m[VS], uint8_t vis[VS][VS]) {
    uint32_t seed = 1u << HALF; /* the agent's cell */
    for (int vy = VS - 1; vy >= 0; vy--) {
        uint32_t m = grow_up(seed, see[vy]);
        m = mirror(grow_up(mirror(m), see_m[vy]));
        for (int vx = 0; vx < VS; vx++) vis[vx][vy] = (uint8_t)((m >> vx) & 1u);
        uint32_t pass = m & see[vy];
        seed = (pass | (pass << 1) | (pass >> 1)) & ROW_BITS;
    }
}

void gridworld_egocentric(const GridView *v, GridCell view[VS][VS], uint8_t vis[VS][VS]) {
    const int d = v->agent_dir, dx = GRID_DX[d], dy = GRID_DY[d], rx = -dy, ry = dx;
    const int stride = v->stride;
    uint32_t see[VS], see_m[VS];
    /* View cell (vx, vy) is grid cell agent + f * (VS - 1 - vy) + r * (vx - HALF). Cells up to
     * VS - 1 outside the level are the env's border of walls (GridView.cells points into it). */
    const int step = rx + ry * stride;
    for (int vy = 0; vy < VS; vy++) {
        int x = v->agent_x + dx * (VS - 1 - vy) - rx * HALF;
        int y = v->agent_y + dy * (VS - 1 - vy) - ry * HALF;
        const GridCell *c = v->cells + y * stride + x;
        uint32_t row = 0, row_m = 0;
        for (int vx = 0; vx < VS; vx++, c += step) {
            view[vx][vy] = *c;
            uint32_t bit = grid_see_behind(*c);
            row |= bit << vx;
            row_m |= bit << (VS - 1 - vx);
        }
        see[vy] = row;
        see_m[vy] = row_m;
    }
    if (v->see_through)
        memset(vis, 1, sizeof(uint8_t[VS][VS]));
    else
        visibility(see, see_m, vis);
    /* gen_obs_grid: the agent's cell shows what it carries (after visibility is known). */
    view[HALF][VS - 1] = v->carrying;
}

/* --- the literal reference --------------------------------------------------------------- */

typedef struct NaiveGrid {
    int w, h;
    GridCell c[VS][VS]; /* [i][j], i along width */
} NaiveGrid;

/* Grid.rotate_left: grid.set(j, grid.height - 1 - i, self.get(i, j)). */
static NaiveGrid naive_rotate_left(const NaiveGrid *g) {
    NaiveGrid r = {g->h, g->w, {{{0}}}};
    for (int i = 0; i < g->w; i++)
        for (int j = 0; j < g->h; j++) r.c[j][r.h - 1 - i] = g->c[i][j];
    return r;
}

/* Grid.process_vis, loop for loop. */
static void naive_process_vis(const NaiveGrid *g, int ax, int ay, uint8_t mask[VS][VS]) {
    memset(mask, 0, sizeof(uint8_t[VS][VS]));
    mask[ax][ay] = 1;
    for (int j = g->h - 1; j >= 0; j--) {
        for (int i = 0; i < g->w - 1; i++) {
            if (!mask[i][j]) continue;
            if (!grid_see_behind(g->c[i][j])) continue;
            mask[i + 1][j] = 1;
            if (j > 0) {
                mask[i + 1][j - 1] = 1;
                mask[i][j - 1] = 1;
            }
        }
        for (int i = g->w - 1; i > 0; i--) {
            if (!mask[i][j]) continue;
            if (!grid_see_behind(g->c[i][j])) continue;
            mask[i - 1][j] = 1;
            if (j > 0) {
                mask[i - 1][j - 1] = 1;
                mask[i][j - 1] = 1;
            }
        }
    }
}

void gridworld_egocentric_naive(const GridView *v, GridCell view[VS][VS], uint8_t vis[VS][VS]) {
    int top_x, top_y; /* get_view_exts */
    switch (v->agent_dir) {
    case GRID_EAST: top_x = v->agent_x; top_y = v->agent_y - VS / 2; break;
    case GRID_SOUTH: top_x = v->agent_x - VS / 2; top_y = v->agent_y; break;
    case GRID_WEST: top_x = v->agent_x - VS + 1; top_y = v->agent_y - VS / 2; break;
    default: top_x = v->agent_x - VS / 2; top_y = v->agent_y - VS + 1; break;
    }
    NaiveGrid g = {VS, VS, {{{0}}}};
    for (int j = 0; j < VS; j++) /* Grid.slice */
        for (int i = 0; i < VS; i++) {
            int x = top_x + i, y = top_y + j;
            g.c[i][j] = x >= 0 && x < v->width && y >= 0 && y < v->height ? v->cells[y * v->stride + x]
                                                                           : OUTSIDE;
        }
    for (int k = 0; k < v->agent_dir + 1; k++) g = naive_rotate_left(&g);
    if (v->see_through)
        memset(vis, 1, sizeof(uint8_t[VS][VS]));
    else
        naive_process_vis(&g, VS / 2, VS - 1, vis);
    g.c[g.w / 2][g.h - 1] = v->carrying;
    memcpy(view, g.c, sizeof g.c);
}

/* --- encoding ---------------------------------------------------------------------------- */

void grid_obs_ones(const GridCell view[VS][VS], const uint8_t vis[VS][VS], int dir,
                   uint16_t ones[GRID_OBS_ONES]) {
    uint16_t *o = ones;
    int base = 0;
    for (int vx = 0; vx < VS; vx++)
        for (int vy = 0; vy < VS; vy++, base += GRID_CELL_DIM) {
            /* Grid.encode(vis_mask): an unseen cell stays (0, 0, 0). */
            GridCell c = vis[vx][vy] ? view[vx][vy] : (GridCell){GRID_UNSEEN, 0, 0, 0};
            *o++ = (uint16_t)(base + c.type);
            *o++ = (uint16_t)(base + GRID_N_OBJECTS + c.color);
            *o++ = (uint16_t)(base + GRID_N_OBJECTS + GRID_N_COLORS + c.state);
        }
    *o = (uint16_t)(GRID_DIR_OFFSET + dir);
}

void grid_obs_write(const uint16_t ones[GRID_OBS_ONES], float *obs) {
    /* Cell by cell, so the three ones land on lines just zeroed (a store-bound loop: the whole
     * observation is 3.7 KB per step). */
    for (int c = 0; c < GRID_VIEW * GRID_VIEW; c++, ones += 3) {
        memset(obs + c * GRID_CELL_DIM, 0, sizeof(float) * GRID_CELL_DIM);
        obs[ones[0]] = 1.0f;
        obs[ones[1]] = 1.0f;
        obs[ones[2]] = 1.0f;
    }
    memset(obs + GRID_DIR_OFFSET, 0, sizeof(float) * 4);
    obs[ones[0]] = 1.0f;
}

void gridworld_encode(const GridCell view[VS][VS], const uint8_t vis[VS][VS], int dir, float *obs) {
    uint16_t ones[GRID_OBS_ONES];
    grid_obs_ones(view, vis, dir, ones);
    grid_obs_write(ones, obs);
}
