/* levels.c: the level generators, each MiniGrid's _gen_grid drawn in the same order
 * from the env's own PCG32 (MiniGrid draws from numpy's generator, so the same seed gives other
 * levels there; the distributions are the same). Sources: minigrid/envs/empty.py, fourrooms.py,
 * doorkey.py, memory.py; minigrid/minigrid_env.py (place_obj, place_agent, _rand_int);
 * minigrid/core/grid.py (horz_wall, vert_wall, wall_rect). */
#include <string.h>

#include "envs/gridworld/impl.h"

static const GridCell WALL = {GRID_WALL, GRID_GREY, 0, 0};
static const GridCell GOAL = {GRID_GOAL, GRID_GREEN, 0, 0};

/* MiniGridEnv._rand_int(low, high): uniform in [low, high). */
static int rand_int(Gridworld *g, int low, int high) {
    return low + (int)rng_below(&g->rng, (uint32_t)(high - low));
}

static void put(Gridworld *g, int x, int y, GridCell c) { g->cells[y * g->pub.stride + x] = c; }

static GridCell get(const Gridworld *g, int x, int y) { return g->cells[y * g->pub.stride + x]; }

/* Empties every cell of the level (the border of walls around it stays). */
static void clear(Gridworld *g) {
    for (int y = 0; y < g->pub.height; y++)
        for (int x = 0; x < g->pub.width; x++) put(g, x, y, GRID_EMPTY_CELL);
    g->success_x = g->success_y = g->failure_x = g->failure_y = -1;
}

static void horz_wall(Gridworld *g, int x, int y, int length) {
    for (int i = 0; i < length; i++) put(g, x + i, y, WALL);
}

static void vert_wall(Gridworld *g, int x, int y, int length) {
    for (int j = 0; j < length; j++) put(g, x, y + j, WALL);
}

static void wall_rect(Gridworld *g, int x, int y, int w, int h) {
    horz_wall(g, x, y, w);
    horz_wall(g, x, y + h - 1, w);
    vert_wall(g, x, y, h);
    vert_wall(g, x + w - 1, y, h);
}

/* MiniGridEnv.place_obj: rejection-samples a cell in the rectangle (x0, y0, w, h) clipped to the
 * grid that is empty and not the agent's; puts c there (c.type GRID_EMPTY places nothing, as for
 * place_agent). Every level that calls it has a free cell in the rectangle. */
static void place_obj(Gridworld *g, GridCell c, int x0, int y0, int w, int h, int *px, int *py) {
    int x1 = x0 + w < g->pub.width ? x0 + w : g->pub.width;
    int y1 = y0 + h < g->pub.height ? y0 + h : g->pub.height;
    int x, y;
    do {
        x = rand_int(g, x0, x1);
        y = rand_int(g, y0, y1);
    } while (get(g, x, y).type != GRID_EMPTY || (x == g->pub.agent_x && y == g->pub.agent_y));
    put(g, x, y, c);
    if (px) *px = x;
    if (py) *py = y;
}

/* MiniGridEnv.place_agent with rand_dir: a free cell in the rectangle, then a direction. */
static void place_agent(Gridworld *g, int x0, int y0, int w, int h) {
    g->pub.agent_x = g->pub.agent_y = -1;
    int x, y;
    place_obj(g, GRID_EMPTY_CELL, x0, y0, w, h, &x, &y);
    g->pub.agent_x = x;
    g->pub.agent_y = y;
    g->pub.agent_dir = rand_int(g, 0, 4);
}

/* empty.py EmptyEnv(size=8): walls around, goal bottom-right, agent (1, 1) facing east. */
static void gen_empty(Gridworld *g) {
    int w = g->pub.width, h = g->pub.height;
    clear(g);
    wall_rect(g, 0, 0, w, h);
    put(g, w - 2, h - 2, GOAL);
    g->pub.agent_x = 1;
    g->pub.agent_y = 1;
    g->pub.agent_dir = GRID_EAST;
}

/* empty.py EmptyEnv(size=8, agent_start_pos=None): as above with place_agent(). */
static void gen_empty_random(Gridworld *g) {
    int w = g->pub.width, h = g->pub.height;
    clear(g);
    wall_rect(g, 0, 0, w, h);
    put(g, w - 2, h - 2, GOAL);
    place_agent(g, 0, 0, w, h);
}

/* fourrooms.py FourRoomsEnv._gen_grid: outer walls; for each of the 2x2 rooms a wall on its
 * right with one gap at a random row (yT + 1 .. yB - 1) and a wall below with one gap at a
 * random column (xL + 1 .. xR - 1), where the grid has them; then place_agent() and a goal by
 * place_obj(). */
static void gen_four_rooms(Gridworld *g) {
    int w = g->pub.width, h = g->pub.height;
    clear(g);
    wall_rect(g, 0, 0, w, h); /* MiniGrid spells out the four walls: the same cells */
    int room_w = w / 2, room_h = h / 2;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int xl = i * room_w, yt = j * room_h, xr = xl + room_w, yb = yt + room_h;
            if (i + 1 < 2) {
                vert_wall(g, xr, yt, room_h);
                put(g, xr, rand_int(g, yt + 1, yb), GRID_EMPTY_CELL);
            }
            if (j + 1 < 2) {
                horz_wall(g, xl, yb, room_w);
                put(g, rand_int(g, xl + 1, xr), yb, GRID_EMPTY_CELL);
            }
        }
    place_agent(g, 0, 0, w, h);
    place_obj(g, GOAL, 0, 0, w, h, NULL, NULL);
}

/* doorkey.py DoorKeyEnv._gen_grid: walls around, goal bottom-right, a full wall column at a
 * random x in 2 .. size-3, the agent left of it (place_agent), a locked yellow door at a random
 * row 1 .. size-3 of the column, a yellow key left of it (place_obj). */
static void gen_door_key(Gridworld *g) {
    int w = g->pub.width, h = g->pub.height;
    clear(g);
    wall_rect(g, 0, 0, w, h);
    put(g, w - 2, h - 2, GOAL);
    int split = rand_int(g, 2, w - 2);
    vert_wall(g, split, 0, h);
    place_agent(g, 0, 0, split, h);
    int door = rand_int(g, 1, w - 2);
    put(g, split, door, grid_cell(GRID_DOOR, GRID_YELLOW, GRID_LOCKED));
    place_obj(g, grid_cell(GRID_KEY, GRID_YELLOW, 0), 0, 0, split, h, NULL, NULL);
}

/* memory.py MemoryEnv._gen_grid: a start room (x 1..3 between walls at rows h/2 - 2 and
 * h/2 + 2), a corridor along row h/2 to hallway_end, a vertical hallway at x = hallway_end + 1;
 * the agent at a random x in 1 .. hallway_end on row h/2, facing east; a green key or ball (the
 * cue) at (1, h/2 - 1); a green ball and key in random order at (hallway_end + 1, h/2 - 2) and
 * (hallway_end + 1, h/2 + 2). Reaching the cell next to the object that matches the cue
 * succeeds, the cell next to the other fails. The draws come in MiniGrid's order, after the
 * hallway's end that random_length draws first. */
static void memory_layout(Gridworld *g, int hallway_end) {
    int w = g->pub.width, h = g->pub.height;
    clear(g);
    wall_rect(g, 0, 0, w, h); /* MiniGrid spells out the four walls: the same cells */
    int upper_room_wall = h / 2 - 2, lower_room_wall = h / 2 + 2;
    for (int i = 1; i < 5; i++) {
        put(g, i, upper_room_wall, WALL);
        put(g, i, lower_room_wall, WALL);
    }
    put(g, 4, upper_room_wall + 1, WALL);
    put(g, 4, lower_room_wall - 1, WALL);
    for (int i = 5; i < hallway_end; i++) {
        put(g, i, upper_room_wall + 1, WALL);
        put(g, i, lower_room_wall - 1, WALL);
    }
    for (int j = 0; j < h; j++) {
        if (j != h / 2) put(g, hallway_end, j, WALL);
        put(g, hallway_end + 2, j, WALL);
    }
    g->pub.agent_x = rand_int(g, 1, hallway_end + 1);
    g->pub.agent_y = h / 2;
    g->pub.agent_dir = GRID_EAST;
    static const int KINDS[2] = {GRID_KEY, GRID_BALL};                     /* [Key, Ball] */
    static const int ORDERS[2][2] = {{GRID_BALL, GRID_KEY}, {GRID_KEY, GRID_BALL}};
    int cue = KINDS[rand_int(g, 0, 2)];
    put(g, 1, h / 2 - 1, grid_cell(cue, GRID_GREEN, 0));
    const int *other = ORDERS[rand_int(g, 0, 2)];
    int x0 = hallway_end + 1, y0 = h / 2 - 2, y1 = h / 2 + 2;
    put(g, x0, y0, grid_cell(other[0], GRID_GREEN, 0));
    put(g, x0, y1, grid_cell(other[1], GRID_GREEN, 0));
    int good_y = cue == other[0] ? y0 + 1 : y1 - 1, bad_y = cue == other[0] ? y1 - 1 : y0 + 1;
    g->success_x = g->failure_x = x0;
    g->success_y = good_y;
    g->failure_y = bad_y;
}

/* MemoryEnv(random_length=False): the hallway ends at w - 3. */
static void gen_memory(Gridworld *g) { memory_layout(g, g->pub.width - 3); }

/* MemoryEnv(random_length=True): the hallway ends at a random x in 4 .. w - 3. */
static void gen_memory_random(Gridworld *g) { memory_layout(g, rand_int(g, 4, g->pub.width - 2)); }

/* gridworld/map: the map as loaded; without an agent in it, place_agent() over the grid. */
static void gen_map(Gridworld *g) {
    int w = g->pub.width;
    for (int y = 0; y < g->pub.height; y++)
        memcpy(g->cells + y * g->pub.stride, g->map_cells + y * w, sizeof(GridCell) * (size_t)w);
    g->success_x = g->success_y = g->failure_x = g->failure_y = -1;
    if (g->map_x >= 0) {
        g->pub.agent_x = g->map_x;
        g->pub.agent_y = g->map_y;
        g->pub.agent_dir = g->map_dir;
    } else {
        place_agent(g, 0, 0, g->pub.width, g->pub.height);
    }
}

const GridLevel gridworld_levels[] = {
    {"gridworld/empty-8x8", 8, 8, 4 * 8 * 8, true, false, gen_empty},
    {"gridworld/empty-random-8x8", 8, 8, 4 * 8 * 8, true, false, gen_empty_random},
    {"gridworld/four-rooms", 19, 19, 100, false, false, gen_four_rooms},
    {"gridworld/door-key-5x5", 5, 5, 10 * 5 * 5, false, false, gen_door_key},
    {"gridworld/door-key-8x8", 8, 8, 10 * 8 * 8, false, false, gen_door_key},
    {"gridworld/memory-s7", 7, 7, 5 * 7 * 7, false, true, gen_memory},
    {"gridworld/memory-s9", 9, 9, 5 * 9 * 9, false, true, gen_memory},
    {"gridworld/memory-s11", 11, 11, 5 * 11 * 11, false, true, gen_memory},
    {"gridworld/memory-s13", 13, 13, 5 * 13 * 13, false, true, gen_memory},
    {"gridworld/memory-s13-random", 13, 13, 5 * 13 * 13, false, true, gen_memory_random},
    {"gridworld/memory-s17-random", 17, 17, 5 * 17 * 17, false, true, gen_memory_random},
    {"gridworld/map", 0, 0, 100, false, false, gen_map},
    {NULL, 0, 0, 0, false, false, NULL},
};
