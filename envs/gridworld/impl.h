/* impl.h: what the gridworld modules share and users of the env do not see
 * (gridworld.c: the env and its rules; obs.c: the view and its encoding; levels.c: the level
 * generators; map.c: ASCII maps). */
#ifndef PPO_GRIDWORLD_IMPL_H
#define PPO_GRIDWORLD_IMPL_H

#include "core/rng.h"
#include "envs/gridworld/gridworld.h"

typedef struct Gridworld Gridworld;

#define GRID_PAD (GRID_VIEW - 1) /* wall cells around a level: the farthest a view reaches out */

/* One named level: its size, limits and generator. */
typedef struct GridLevel {
    const char *name;      /* registry name, "gridworld/..." */
    int width, height;     /* cells (0 for gridworld/map: from the file) */
    int max_steps;         /* MiniGrid's max_steps for the level */
    bool see_through;      /* MiniGrid's see_through_walls default for the level */
    bool pickup_toggles;   /* pickup acts as toggle (memory: MemoryEnv.step) */
    /* Lays out a new episode's level in g (cells, agent pose, success and failure cells),
     * drawing from g->rng. */
    void (*generate)(Gridworld *g);
} GridLevel;

/* The env (PufferLib layout: no buffers of its own to point to, then the state). */
struct Gridworld {
    GridView pub;             /* what env_view() shows; pub.cells aliases cells */
    GridCell *padded;         /* [(height + 2 PAD) * stride] the level inside a border of PAD
                                 grey walls: the view and the step read outside cells as walls
                                 (MiniGrid's Grid.slice) without bounds checks */
    GridCell *cells;          /* padded + PAD * stride + PAD: cell (x, y) at y * stride + x */
    GridCell *map_cells;      /* [height * width] gridworld/map: the map as loaded; else NULL */
    int map_x, map_y, map_dir;/* gridworld/map: the map's agent start, or -1 (random) */
    const GridLevel *level;
    uint16_t ones[GRID_OBS_ONES]; /* where the current observation has its ones (offsets into
                                     obs); recomputed only when a step changes what is seen */
    int success_x, success_y; /* memory: reaching this cell ends with the goal reward; else -1 */
    int failure_x, failure_y; /* memory: reaching this cell ends with reward 0; else -1 */
    Rng rng;
};

/* The offsets of the ones of the observation of view and vis (see gridworld_encode) for an
 * agent facing dir, into ones [GRID_OBS_ONES] (obs.c). */
void grid_obs_ones(const GridCell view[GRID_VIEW][GRID_VIEW], const uint8_t vis[GRID_VIEW][GRID_VIEW],
                   int dir, uint16_t ones[GRID_OBS_ONES]);

/* Writes obs [GRID_OBS_DIM]: zeros, then a one at each offset of ones [GRID_OBS_ONES]. */
void grid_obs_write(const uint16_t ones[GRID_OBS_ONES], float *obs);

/* The level table (levels.c), terminated by an entry with name NULL. */
extern const GridLevel gridworld_levels[];

/* MiniGrid's DIR_TO_VEC: the step (dx, dy) of each direction, east, south, west, north. */
static const int GRID_DX[4] = {1, 0, -1, 0};
static const int GRID_DY[4] = {0, 1, 0, -1};

/* Cell constructors. */
static inline GridCell grid_cell(int type, int color, int state) {
    return (GridCell){(uint8_t)type, (uint8_t)color, (uint8_t)state, 0};
}
#define GRID_EMPTY_CELL ((GridCell){GRID_EMPTY, 0, 0, 0})

/* MiniGrid's WorldObj.can_overlap: the agent may stand on the cell. */
static inline bool grid_can_overlap(GridCell c) {
    return c.type == GRID_EMPTY || c.type == GRID_FLOOR || c.type == GRID_GOAL ||
           c.type == GRID_LAVA || (c.type == GRID_DOOR && c.state == GRID_OPEN);
}

/* MiniGrid's WorldObj.see_behind (an empty cell sees behind too), as a bit table indexed by
 * type * 3 + state: every valid cell sees behind except walls and closed or locked doors. */
#define GRID_OPAQUE_BITS ((7u << (GRID_WALL * 3)) | (1u << (GRID_DOOR * 3 + GRID_CLOSED)) | \
                          (1u << (GRID_DOOR * 3 + GRID_LOCKED)))
static inline uint32_t grid_see_behind(GridCell c) {
    return ~(GRID_OPAQUE_BITS >> (c.type * 3u + c.state)) & 1u;
}

/* Whether c is a valid cell of a level: a known object with a valid color and state (doors
 * 0..2, others 0; goal green and lava red as MiniGrid's Goal() and Lava() fix them). */
bool grid_cell_valid(GridCell c);

#endif
