/* gridworld.c: the gridworld env class: creation by level name, the rules of a step, reset,
 * the renderer's view and the saved state (see gridworld.h). The rules follow
 * minigrid/minigrid_env.py MiniGridEnv.step and minigrid/core/world_object.py. */
#include <stdlib.h>
#include <string.h>

#include "envs/gridworld/impl.h"

#define STATE_MAGIC 0x31445247u /* "GRD1" */

/* The registry names: each has its entry in gridworld_levels (test_gridworld creates each). */
static const char *const GW_NAMES[] = {
    "gridworld/empty-8x8",    "gridworld/empty-random-8x8", "gridworld/four-rooms",
    "gridworld/door-key-5x5", "gridworld/door-key-8x8",     "gridworld/memory-s7",
    "gridworld/memory-s9",    "gridworld/memory-s11",       "gridworld/memory-s13",
    "gridworld/memory-s13-random", "gridworld/memory-s17-random",
    "gridworld/map",          NULL,
};

bool grid_cell_valid(GridCell c) {
    if (c.pad != 0 || c.color >= GRID_N_COLORS) return false;
    switch (c.type) {
    case GRID_DOOR: return c.state <= GRID_LOCKED;
    case GRID_EMPTY: return c.color == 0 && c.state == 0;
    case GRID_GOAL: return c.color == GRID_GREEN && c.state == 0;
    case GRID_LAVA: return c.color == GRID_RED && c.state == 0;
    case GRID_WALL:
    case GRID_FLOOR:
    case GRID_KEY:
    case GRID_BALL:
    case GRID_BOX: return c.state == 0;
    default: return false;
    }
}

/* gen_obs, part one: the view and its visibility (kept for the renderer), reduced to where the
 * observation's ones are. Called whenever what the agent sees may have changed. */
static void look(Gridworld *g) {
    GridCell view[GRID_VIEW][GRID_VIEW];
    gridworld_egocentric(&g->pub, view, g->pub.visible);
    grid_obs_ones(view, (const uint8_t(*)[GRID_VIEW])g->pub.visible, g->pub.agent_dir, g->ones);
}

static void gw_destroy(void *self) {
    Gridworld *g = self;
    if (!g) return;
    free(g->padded);
    free(g->map_cells);
    free(g);
}

static void *gw_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    const GridLevel *level = NULL;
    for (const GridLevel *l = gridworld_levels; l->name && !level; l++)
        if (strcmp(l->name, cfg->name) == 0) level = l;
    if (!level) {
        err_set(err, "env.name: unknown gridworld level '%s'", cfg->name);
        return NULL;
    }
    if (cfg->max_steps < 0) {
        err_set(err, "env.max_steps: %d is out of range (allowed: 1 or more, or 0 for the level's own)",
                cfg->max_steps);
        return NULL;
    }
    if (cfg->integrator != ENV_INTEGRATOR_EULER) {
        err_set(err, "env.integrator: does not apply to %s (only cartpole envs have one)", cfg->name);
        return NULL;
    }
    bool is_map = level->width == 0; /* gridworld/map: the size comes from the file */
    if (is_map && !cfg->map[0]) {
        err_set(err, "env.map: missing; %s needs the path of an ASCII map file", cfg->name);
        return NULL;
    }
    if (!is_map && cfg->map[0]) {
        err_set(err, "env.map: '%s' does not apply to %s (only gridworld/map reads a map)", cfg->map,
                cfg->name);
        return NULL;
    }
    GridMap map = {0};
    int rc = 0;
    if (is_map)
        rc = cfg->map_text ? gridworld_map_parse(&map, cfg->map_text, strlen(cfg->map_text), cfg->map, err)
                           : gridworld_map_load(&map, cfg->map, err);
    if (rc != 0) {
        err_prefix(err, "env.map");
        return NULL;
    }
    Gridworld *g = calloc(1, sizeof *g);
    if (!g) {
        gridworld_map_free(&map);
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    g->level = level;
    g->pub.width = is_map ? map.width : level->width;
    g->pub.height = is_map ? map.height : level->height;
    g->pub.max_steps = level->max_steps;
    g->pub.see_through = level->see_through;
    g->map_x = g->map_y = g->map_dir = -1;
    if (is_map) {
        g->map_cells = map.cells; /* taken over from the map */
        g->map_x = map.agent_x;
        g->map_y = map.agent_y;
        g->map_dir = map.agent_dir;
        if (map.max_steps > 0) g->pub.max_steps = map.max_steps;
        if (map.see_through >= 0) g->pub.see_through = map.see_through;
    }
    if (cfg->max_steps > 0) g->pub.max_steps = cfg->max_steps;
    if (cfg->see_through) g->pub.see_through = true;
    int stride = g->pub.width + 2 * GRID_PAD, rows = g->pub.height + 2 * GRID_PAD;
    g->padded = malloc(sizeof *g->padded * (size_t)stride * (size_t)rows);
    if (!g->padded) {
        gw_destroy(g);
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    for (int i = 0; i < stride * rows; i++) g->padded[i] = grid_cell(GRID_WALL, GRID_GREY, 0);
    g->cells = g->padded + GRID_PAD * stride + GRID_PAD;
    g->pub.stride = stride;
    g->pub.cells = g->cells;
    rng_seed(&g->rng, 0, 0);
    /* A valid level before the first reset, for a view or a saved state taken that early. */
    level->generate(g);
    g->pub.carrying = GRID_EMPTY_CELL;
    look(g);
    *obs_dim = GRID_OBS_DIM;
    *n_actions = GRID_N_ACTIONS;
    return g;
}

static void gw_seed(void *self, uint64_t seed, uint64_t stream) {
    rng_seed(&((Gridworld *)self)->rng, seed, stream);
}

static void gw_reset(void *self, float *obs) {
    Gridworld *g = self;
    g->level->generate(g);
    g->pub.carrying = GRID_EMPTY_CELL;
    g->pub.step_count = 0;
    look(g);
    grid_obs_write(g->ones, obs);
}

/* Door.toggle and Box.toggle; other objects ignore toggle. Returns whether c changed. */
static bool toggle(Gridworld *g, GridCell *c) {
    if (c->type == GRID_DOOR) {
        if (c->state != GRID_LOCKED) {
            c->state = c->state == GRID_OPEN ? GRID_CLOSED : GRID_OPEN;
            return true;
        }
        if (g->pub.carrying.type == GRID_KEY && g->pub.carrying.color == c->color) {
            c->state = GRID_OPEN;
            return true;
        }
    } else if (c->type == GRID_BOX) {
        *c = GRID_EMPTY_CELL; /* replaced by its contents: nothing */
        return true;
    }
    return false;
}

static void gw_step(void *self, int action, float *obs, float *reward, bool *terminated,
                    bool *truncated) {
    Gridworld *g = self;
    GridView *p = &g->pub;
    p->step_count++;
    float r = 0.0f;
    bool term = false;
    bool changed = true; /* whether what the agent sees may differ after this step */
    if (action == GRID_PICKUP && g->level->pickup_toggles) action = GRID_TOGGLE;
    int fx = p->agent_x + GRID_DX[p->agent_dir], fy = p->agent_y + GRID_DY[p->agent_dir];
    /* Outside the level is the border of walls: nothing to enter, pick up, drop on or toggle. */
    GridCell *fwd = &g->cells[fy * p->stride + fx];
    switch (action) {
    case GRID_LEFT: p->agent_dir = (p->agent_dir + 3) & 3; break;
    case GRID_RIGHT: p->agent_dir = (p->agent_dir + 1) & 3; break;
    case GRID_FORWARD:
        changed = grid_can_overlap(*fwd);
        if (changed) {
            p->agent_x = fx;
            p->agent_y = fy;
            if (fwd->type == GRID_GOAL) {
                term = true;
                r = (float)(1.0 - 0.9 * ((double)p->step_count / (double)p->max_steps));
            } else if (fwd->type == GRID_LAVA) {
                term = true;
            }
        }
        break;
    case GRID_PICKUP:
        changed = (fwd->type == GRID_KEY || fwd->type == GRID_BALL || fwd->type == GRID_BOX) &&
                  p->carrying.type == GRID_EMPTY;
        if (changed) {
            p->carrying = *fwd;
            *fwd = GRID_EMPTY_CELL;
        }
        break;
    case GRID_DROP:
        changed = fwd->type == GRID_EMPTY && p->carrying.type != GRID_EMPTY;
        if (changed) {
            *fwd = p->carrying;
            p->carrying = GRID_EMPTY_CELL;
        }
        break;
    case GRID_TOGGLE:
        changed = toggle(g, fwd);
        break;
    default: changed = false; break; /* done, and anything out of range: nothing */
    }
    /* MemoryEnv.step: the cells next to the two objects end the episode. */
    if (p->agent_x == g->success_x && p->agent_y == g->success_y) {
        term = true;
        r = (float)(1.0 - 0.9 * ((double)p->step_count / (double)p->max_steps));
    } else if (p->agent_x == g->failure_x && p->agent_y == g->failure_y) {
        term = true;
        r = 0.0f;
    }
    *reward = r;
    *terminated = term;
    *truncated = p->step_count >= p->max_steps;
    if (changed) look(g);
    grid_obs_write(g->ones, obs);
}

static const void *gw_view(const void *self) { return &((const Gridworld *)self)->pub; }

/* The saved state: a header, then the cells [height * width]. */
typedef struct GridSaved {
    uint32_t magic;
    int32_t width, height;
    int32_t agent_x, agent_y, agent_dir;
    GridCell carrying;
    int32_t step_count;
    int32_t success_x, success_y, failure_x, failure_y;
    Rng rng;
} GridSaved;

static size_t gw_state_size(const void *self) {
    const Gridworld *g = self;
    return sizeof(GridSaved) + sizeof(GridCell) * (size_t)g->pub.width * (size_t)g->pub.height;
}

static void gw_state_save(const void *self, void *buf) {
    const Gridworld *g = self;
    const GridView *p = &g->pub;
    GridSaved s;
    memset(&s, 0, sizeof s); /* no stray padding bytes in checkpoints */
    s.magic = STATE_MAGIC;
    s.width = p->width;
    s.height = p->height;
    s.agent_x = p->agent_x;
    s.agent_y = p->agent_y;
    s.agent_dir = p->agent_dir;
    s.carrying = p->carrying;
    s.step_count = p->step_count;
    s.success_x = g->success_x;
    s.success_y = g->success_y;
    s.failure_x = g->failure_x;
    s.failure_y = g->failure_y;
    s.rng = g->rng;
    memcpy(buf, &s, sizeof s);
    char *out = (char *)buf + sizeof s;
    size_t row = sizeof(GridCell) * (size_t)p->width;
    for (int y = 0; y < p->height; y++) memcpy(out + (size_t)y * row, g->cells + y * p->stride, row);
}

/* A saved cell position: inside the grid, or (-1, -1) for "none" when none_ok. */
static bool pos_ok(int x, int y, int w, int h, bool none_ok) {
    if (none_ok && x == -1 && y == -1) return true;
    return x >= 0 && x < w && y >= 0 && y < h;
}

static int gw_state_load(void *self, const void *buf, Err *err) {
    Gridworld *g = self;
    GridView *p = &g->pub;
    GridSaved s;
    memcpy(&s, buf, sizeof s);
    const GridCell *cells = (const GridCell *)((const char *)buf + sizeof s);
    size_t n = (size_t)p->width * (size_t)p->height;
    if (s.magic != STATE_MAGIC) return err_set(err, "gridworld state: not a gridworld state (bad magic)");
    if (s.width != p->width || s.height != p->height)
        return err_set(err, "gridworld state: level is %dx%d, this env's is %dx%d", s.width, s.height,
                       p->width, p->height);
    GridCell c;
    for (size_t i = 0; i < n; i++) {
        memcpy(&c, cells + i, sizeof c);
        if (!grid_cell_valid(c))
            return err_set(err, "gridworld state: cell (%zu, %zu) holds no valid object (%u, %u, %u)",
                           i % (size_t)p->width, i / (size_t)p->width, c.type, c.color, c.state);
    }
    if (!pos_ok(s.agent_x, s.agent_y, p->width, p->height, false))
        return err_set(err, "gridworld state: agent cell (%d, %d) is outside the level", s.agent_x,
                       s.agent_y);
    memcpy(&c, cells + (size_t)s.agent_y * (size_t)p->width + (size_t)s.agent_x, sizeof c);
    if (!grid_can_overlap(c))
        return err_set(err, "gridworld state: the agent stands on a cell it cannot enter (object %u)",
                       c.type);
    if (s.agent_dir < 0 || s.agent_dir > 3)
        return err_set(err, "gridworld state: agent direction %d outside 0..3", s.agent_dir);
    if (!grid_cell_valid(s.carrying) ||
        !(s.carrying.type == GRID_EMPTY || s.carrying.type == GRID_KEY ||
          s.carrying.type == GRID_BALL || s.carrying.type == GRID_BOX))
        return err_set(err, "gridworld state: the agent carries no valid object (%u, %u, %u)",
                       s.carrying.type, s.carrying.color, s.carrying.state);
    if (s.step_count < 0 || s.step_count > p->max_steps)
        return err_set(err, "gridworld state: step count %d outside 0..%d", s.step_count, p->max_steps);
    if (!pos_ok(s.success_x, s.success_y, p->width, p->height, true) ||
        !pos_ok(s.failure_x, s.failure_y, p->width, p->height, true))
        return err_set(err, "gridworld state: success or failure cell outside the level");
    if ((s.rng.inc & 1u) == 0) return err_set(err, "gridworld state: RNG stream is not odd");
    for (int y = 0; y < p->height; y++)
        memcpy(g->cells + y * p->stride, cells + (size_t)y * (size_t)p->width,
               sizeof(GridCell) * (size_t)p->width);
    p->agent_x = s.agent_x;
    p->agent_y = s.agent_y;
    p->agent_dir = s.agent_dir;
    p->carrying = s.carrying;
    p->step_count = s.step_count;
    g->success_x = s.success_x;
    g->success_y = s.success_y;
    g->failure_x = s.failure_x;
    g->failure_y = s.failure_y;
    g->rng = s.rng;
    look(g);
    return 0;
}

const EnvClass gridworld_class = {
    .names = GW_NAMES,
    .create = gw_create,
    .destroy = gw_destroy,
    .seed = gw_seed,
    .reset = gw_reset,
    .step = gw_step,
    .view = gw_view,
    .state_size = gw_state_size,
    .state_save = gw_state_save,
    .state_load = gw_state_load,
    .obs_cells = GRID_VIEW * GRID_VIEW,
    .obs_cell_dim = GRID_CELL_DIM,
};
