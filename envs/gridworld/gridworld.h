/* gridworld.h: a MiniGrid-style family of grid levels (Farama-Foundation/Minigrid, minigrid/core
 * and minigrid/envs), under the env names "gridworld/LEVEL".
 *
 * Levels (MiniGrid's counterpart in brackets; the generators follow its _gen_grid code):
 *   gridworld/empty-8x8         [MiniGrid-Empty-8x8-v0] 8x8 room, start (1,1) facing east, goal
 *                               (6,6); max_steps 256; sees through walls (as MiniGrid's EmptyEnv)
 *   gridworld/empty-random-8x8  the same room, random start cell and direction (place_agent);
 *                               MiniGrid registers this only at 5x5 and 6x6
 *   gridworld/four-rooms        [MiniGrid-FourRooms-v0] 19x19, four 9x9 rooms joined by one gap
 *                               in each inner wall segment; random agent and goal; max_steps 100
 *   gridworld/door-key-5x5      [MiniGrid-DoorKey-5x5-v0] a wall column with a locked yellow door,
 *   gridworld/door-key-8x8      [MiniGrid-DoorKey-8x8-v0] a yellow key and the agent on the left,
 *                               the goal bottom-right; max_steps 250 / 640
 *   gridworld/memory-s7         [MiniGrid-MemoryS7-v0] 7x7: a green key or ball (the cue) in the
 *                               start room, a corridor, and a key and a ball at its far end; the
 *                               episode ends on reaching the cell next to either, with the goal
 *                               reward at the one that matches the cue and 0 at the other;
 *                               pickup acts as toggle; max_steps 245
 *   gridworld/memory-s9         [MiniGrid-MemoryS9-v0], -s11, -s13 [MemoryS11, MemoryS13]: the
 *   gridworld/memory-s11        same at 9x9, 11x11, 13x13 (the corridor ends 3 cells before the
 *   gridworld/memory-s13        east wall); max_steps 5 * size^2 = 405, 605, 845
 *   gridworld/memory-s13-random [MiniGrid-MemoryS13Random-v0], -s17-random [MemoryS17Random]:
 *   gridworld/memory-s17-random 13x13 and 17x17 with random_length: the corridor ends at a
 *                               random x in 4 .. size - 3, drawn first at every reset; the cells
 *                               east of its hallway are empty and out of reach; max_steps 845,
 *                               1445
 *   gridworld/map               the level in the ASCII map file named by env.map (format below)
 *
 * Rules (minigrid_env.py MiniGridEnv.step; world_object.py): actions 0 left, 1 right, 2 forward,
 * 3 pickup, 4 drop, 5 toggle, 6 done (does nothing). Each step first counts itself
 * (step_count += 1). Forward moves onto an empty cell, floor, goal, lava or an open door; walls,
 * closed and locked doors, keys, balls and boxes block it. Stepping onto the goal terminates with
 * reward 1 - 0.9 * step_count / max_steps, onto lava terminates with reward 0. Pickup takes the
 * key, ball or box in front when the hands are free; drop puts the carried object on the empty
 * cell in front; toggle opens or closes the door in front, and a locked door opens only when the
 * agent carries a key of the door's color. Truncated when step_count reaches max_steps (both
 * flags can be set on the same step, as in MiniGrid). Every other step rewards 0.
 * Deviations from MiniGrid: a cell outside the grid acts as a wall (MiniGrid's levels always
 * have border walls and it asserts otherwise); boxes hold nothing, so toggling a box removes it
 * (MiniGrid replaces a box by its contents, None for a box made without any); an action outside
 * 0..6 does nothing (MiniGrid raises).
 *
 * Observation: obs_dim = GRID_OBS_DIM = 935 float32 values, 0 or 1:
 *   [0, 931)    the 7x7 egocentric view, cell-major: view cell (vx, vy) occupies the 19 values
 *               from ((vx * 7) + vy) * 19, i.e. MiniGrid's image[vx, vy, :] flattened in C order.
 *               The view is MiniGrid's gen_obs_grid: the agent stands at (vx 3, vy 6), facing
 *               "up" (towards vy 0); vx grows to the agent's right. Within a cell:
 *                 +0..+9    object one-hot, MiniGrid's OBJECT_TO_IDX: 0 unseen, 1 empty, 2 wall,
 *                           3 floor, 4 door, 5 key, 6 ball, 7 box, 8 goal, 9 lava (10 agent never
 *                           appears in a view, so it has no slot)
 *                 +10..+15  color one-hot, COLOR_TO_IDX: red, green, blue, purple, yellow, grey
 *                 +16..+18  state one-hot, STATE_TO_IDX: open, closed, locked (0 for non-doors)
 *               A cell the agent cannot see is MiniGrid's (0, 0, 0): unseen, red, open. Cells
 *               outside the grid are grey walls.
 *   What the agent carries is the agent's own cell (3, 6): the carried key, ball or box with
 *               its color, or empty (1, 0, 0) when the hands are free, as in MiniGrid.
 *   [931, 935)  agent direction one-hot: east, south, west, north (MiniGrid's DIR_TO_VEC order).
 * Every observation holds exactly 49 * 3 + 1 = 148 ones.
 * Visibility (grid.py Grid.process_vis): walls and closed or locked doors block sight; with
 * see-through (env.see_through: true, or the level's default) every view cell is seen.
 *
 * Map files (gridworld/map with env.map: PATH; `ppo env show` prints any level in this format, so
 * its output is itself a map file; the memory levels' two ending cells are a rule of the level, not
 * part of its map). Every cell is two characters, the object then its color
 * (or the object character again where the object has a fixed color):
 *     ..  empty          ##  wall (grey); #c a wall of color c
 *     GG  goal (green)   ~~  lava (red)
 *     Fc  floor          Kc  key          Oc  ball          Bc  box
 *     Dc  closed door    Lc  locked door  _c  open door
 *     >>  vv  <<  ^^     the agent facing east, south, west, north (on an empty cell)
 *     colors c: r red, g green, b blue, p purple, y yellow, e grey
 * Lines starting with ';' are comments; blank lines are skipped. Two optional directives, each on
 * a line of its own: `max_steps N` (default 100, MiniGridEnv's default; env.max_steps overrides)
 * and `see_through yes|no` (default no). Every row has the same number of cells; a map is 3 to
 * GRID_MAX_SIZE cells on each side. Without an agent the start cell and direction are drawn at
 * every reset (MiniGrid's place_agent). */
#ifndef PPO_GRIDWORLD_H
#define PPO_GRIDWORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envs/env.h"

#define GRID_VIEW 7         /* cells on each side of the egocentric view (agent_view_size) */
#define GRID_N_OBJECTS 10   /* object slots per cell: OBJECT_TO_IDX 0..9 */
#define GRID_N_COLORS 6     /* color slots per cell */
#define GRID_N_STATES 3     /* state slots per cell */
#define GRID_CELL_DIM (GRID_N_OBJECTS + GRID_N_COLORS + GRID_N_STATES) /* 19 floats per cell */
#define GRID_DIR_OFFSET (GRID_VIEW * GRID_VIEW * GRID_CELL_DIM)        /* 931 */
#define GRID_OBS_DIM (GRID_DIR_OFFSET + 4)                             /* 935 */
#define GRID_OBS_ONES (GRID_VIEW * GRID_VIEW * 3 + 1)                 /* 148 ones per obs */
#define GRID_N_ACTIONS 7
#define GRID_MAX_SIZE 64    /* largest map side, cells */

/* Objects: MiniGrid's OBJECT_TO_IDX. */
enum {
    GRID_UNSEEN = 0,
    GRID_EMPTY = 1,
    GRID_WALL = 2,
    GRID_FLOOR = 3,
    GRID_DOOR = 4,
    GRID_KEY = 5,
    GRID_BALL = 6,
    GRID_BOX = 7,
    GRID_GOAL = 8,
    GRID_LAVA = 9,
};

/* Colors: MiniGrid's COLOR_TO_IDX. */
enum { GRID_RED = 0, GRID_GREEN = 1, GRID_BLUE = 2, GRID_PURPLE = 3, GRID_YELLOW = 4, GRID_GREY = 5 };

/* Door states: MiniGrid's STATE_TO_IDX. */
enum { GRID_OPEN = 0, GRID_CLOSED = 1, GRID_LOCKED = 2 };

/* Directions: index into MiniGrid's DIR_TO_VEC; x grows east, y grows south. */
enum { GRID_EAST = 0, GRID_SOUTH = 1, GRID_WEST = 2, GRID_NORTH = 3 };

/* Actions: MiniGrid's MiniGridEnv.Actions. */
enum {
    GRID_LEFT = 0,
    GRID_RIGHT = 1,
    GRID_FORWARD = 2,
    GRID_PICKUP = 3,
    GRID_DROP = 4,
    GRID_TOGGLE = 5,
    GRID_DONE = 6,
};

/* One cell: MiniGrid's WorldObj.encode() triple. An empty cell is {GRID_EMPTY, 0, 0, 0}. */
typedef struct GridCell {
    uint8_t type;  /* GRID_EMPTY .. GRID_LAVA */
    uint8_t color; /* GRID_RED .. GRID_GREY */
    uint8_t state; /* doors: GRID_OPEN, GRID_CLOSED or GRID_LOCKED; 0 for everything else */
    uint8_t pad;   /* always 0 */
} GridCell;

/* What a renderer may read (env_view of a gridworld env). Valid until the env's next call. */
typedef struct GridView {
    int width, height;     /* level size, cells */
    int stride;            /* cells from one row to the next in `cells` (>= width) */
    const GridCell *cells; /* cell (x, y), 0 <= x < width, 0 <= y < height, at
                              cells[y * stride + x]; the agent is not a cell of its own */
    int agent_x, agent_y;  /* the agent's cell */
    int agent_dir;         /* GRID_EAST .. GRID_NORTH */
    GridCell carrying;     /* what the agent holds; type GRID_EMPTY when the hands are free */
    uint8_t visible[GRID_VIEW][GRID_VIEW]; /* [vx][vy]: 1 where the latest observation saw the
                                              view cell (map it to the grid with
                                              gridworld_view_to_world) */
    int step_count;        /* steps taken in this episode */
    int max_steps;         /* truncation limit */
    bool see_through;      /* walls and closed doors do not block sight */
} GridView;

extern const EnvClass gridworld_class;

/* The grid cell (x, y) seen at view cell (vx, vy), both 0..GRID_VIEW-1, for the agent's pose in
 * v (MiniGrid's get_full_render mapping: top_left - f * vy + r * vx). Returns false when that
 * cell lies outside the grid (it is seen as a wall). */
bool gridworld_view_to_world(const GridView *v, int vx, int vy, int *x, int *y);

/* The agent's egocentric view of the level in v, by direct index arithmetic: view [vx][vy] gets
 * the cell seen there (cells outside the grid are grey walls; the agent's own cell holds what it
 * carries), vis [vx][vy] gets 1 where the cell is visible under MiniGrid's process_vis (all 1
 * when v->see_through). The fast path used for observations. v must be a gridworld env's view:
 * it reads the border of GRID_VIEW - 1 wall cells that the env keeps around the level. */
void gridworld_egocentric(const GridView *v, GridCell view[GRID_VIEW][GRID_VIEW],
                          uint8_t vis[GRID_VIEW][GRID_VIEW]);

/* The same view computed literally as MiniGrid's gen_obs_grid does it: Grid.slice at
 * get_view_exts, rotate_left (agent_dir + 1) times, process_vis with its two passes per row.
 * Slow; the reference the tests hold gridworld_egocentric to. */
void gridworld_egocentric_naive(const GridView *v, GridCell view[GRID_VIEW][GRID_VIEW],
                                uint8_t vis[GRID_VIEW][GRID_VIEW]);

/* Writes the float observation obs [GRID_OBS_DIM] (layout at the top of this file) of a view
 * and visibility mask from gridworld_egocentric, for an agent facing dir. */
void gridworld_encode(const GridCell view[GRID_VIEW][GRID_VIEW],
                      const uint8_t vis[GRID_VIEW][GRID_VIEW], int dir, float *obs);

/* A parsed map file. */
typedef struct GridMap {
    int width, height;    /* cells */
    GridCell *cells;      /* [height * width], owned; the agent is not a cell */
    int agent_x, agent_y; /* start cell, or -1, -1 when the map has no agent (random start) */
    int agent_dir;        /* start direction, or -1 */
    int max_steps;        /* from `max_steps N`, or 0 when the map does not say */
    int see_through;      /* from `see_through yes|no`: 1 or 0, or -1 when the map does not say */
} GridMap;

/* Parses map text [len] (format at the top of this file) into m; `source` names the text in
 * messages (a file path). Errors name source:line:column, the offending characters and the
 * reason. On success the caller frees m with gridworld_map_free; on failure m holds nothing. */
int gridworld_map_parse(GridMap *m, const char *text, size_t len, const char *source, Err *err);

/* Reads and parses the map file at path (at most 1 MiB). Errors: those of gridworld_map_parse,
 * and a file that cannot be opened or read (the message names the path and the reason). */
int gridworld_map_load(GridMap *m, const char *path, Err *err);

/* Frees what gridworld_map_parse allocated (m may be zeroed). */
void gridworld_map_free(GridMap *m);

/* Writes the level in v as map rows (two characters per cell, one row per line, the agent
 * included; format at the top of this file) into buf [cap], NUL-terminated and truncated to fit.
 * Returns the length the whole text needs (excluding the NUL), as snprintf does. Parsing the
 * rows back gives the same cells, agent cell and direction (what the agent carries is not
 * shown). */
size_t gridworld_map_format(const GridView *v, char *buf, size_t cap);

/* The legend of the map format as ';' comment lines, for `ppo env show` and map authors. */
const char *gridworld_map_legend(void);

#endif
