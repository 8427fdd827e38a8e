/* draw.h: drawing into SDL surfaces, shared by the viewer's files (the files of viewer/ are the
 * only files of ppo that include SDL2; nothing outside them includes this header).
 *
 * Every surface drawn on here is SDL_PIXELFORMAT_ARGB8888 (one uint32 0xAARRGGBB per pixel,
 * made by draw_surface_create). Coordinates are pixels, x to the right, y down, unless a
 * function says otherwise. Drawing outside a surface is clipped, never an error.
 *
 * What is drawn follows the reference renderers pixel rule for pixel rule where it matters:
 *   - CartPole: Gymnasium's gymnasium/envs/classic_control/cartpole.py CartPoleEnv.render
 *     (pygame.gfxdraw, i.e. SDL_gfx's primitives, then a vertical flip);
 *   - gridworld: MiniGrid's minigrid/core/grid.py Grid.render / render_tile with the objects'
 *     render methods of minigrid/core/world_object.py (fill_coords on a 3x supersampled tile,
 *     then a box-filter downsample). */
#ifndef PPO_VIEWER_DRAW_H
#define PPO_VIEWER_DRAW_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "envs/cartpole.h"
#include "envs/classic.h"

#include "envs/gridworld/gridworld.h"

typedef struct Rgb {
    uint8_t r, g, b;
} Rgb;

/* ---- surfaces and pixels ---- */

/* A w x h ARGB8888 surface filled with opaque black, or NULL (err says why). */
SDL_Surface *draw_surface_create(int w, int h, Err *err);

/* The color of pixel (x, y) of s (inside it). */
Rgb draw_get(const SDL_Surface *s, int x, int y);

/* Sets pixel (x, y) to c (opaque); clipped. */
void draw_put(SDL_Surface *s, int x, int y, Rgb c);

/* Blends c over pixel (x, y) with opacity a in [0, 1]; clipped. */
void draw_blend(SDL_Surface *s, int x, int y, Rgb c, float a);

/* Fills the rectangle [x, x + w) x [y, y + h) with c (opaque), or blended with opacity a < 1. */
void draw_rect(SDL_Surface *s, int x, int y, int w, int h, Rgb c, float a);

/* An anti-aliased line of width `width` pixels between points given in float pixel
 * coordinates (pixel (i, j) covers [i, i + 1) x [j, j + 1)), with round caps; for charts. */
void draw_line(SDL_Surface *s, float x0, float y0, float x1, float y1, float width, Rgb c);

/* ---- text (SDL2_ttf) ---- */

/* Opens the DejaVu font `file` (e.g. "DejaVuSansMono.ttf") at size pt from the fonts-dejavu-core
 * folder, or the file named by $PPO_FONT_DIR/file when that variable is set. Errors: SDL_ttf
 * cannot start, the font file is missing (the message names the package to install). */
TTF_Font *draw_font_open(const char *file, int pt, Err *err);

/* Closes a font from draw_font_open (NULL is allowed) and releases SDL_ttf when it was the
 * last one. */
void draw_font_close(TTF_Font *font);

/* Draws UTF-8 text with its top-left corner at (x, y), anti-aliased over what is there; returns
 * the width in pixels (0 for empty text or when the font cannot render it). */
int draw_text(SDL_Surface *s, TTF_Font *font, int x, int y, Rgb c, const char *text);

/* Width in pixels of text in font. */
int draw_text_width(TTF_Font *font, const char *text);

/* ---- CartPole (Gymnasium) ---- */

#define CARTPOLE_SCREEN_W 600 /* pixels, Gymnasium's screen_width */
#define CARTPOLE_SCREEN_H 400 /* pixels, Gymnasium's screen_height */

/* Draws CartPole's picture of state v into the 600 x 400 pixels of s whose top-left corner is
 * (x0, y0), as Gymnasium's CartPoleEnv.render does: white background; world_width = 2 * 2.4 m
 * over 600 px (scale 125 px/m); the cart, 50 x 30 px, black, centred on (x * scale + 300,
 * carty = 100); the pole, 10 px wide and scale * 2 * 0.5 m = 125 px long, (202, 152, 101),
 * hinged at the axle cartheight / 4 above carty and rotated by -theta; the axle, a circle of
 * radius 5 px, (129, 132, 203); the track, a black line at carty across the screen. Gymnasium
 * draws with y up and flips the picture, so world y maps to row y0 + 399 - y. */
void draw_cartpole(SDL_Surface *s, int x0, int y0, const CartPoleView *v);

/* The pixel column of the cart's centre and the row of the track for cart position x (m), in
 * the 600 x 400 picture (for tests and the overlay). */
void draw_cartpole_geometry(double x, int *cart_col, int *track_row);

/* ---- Acrobot, MountainCar, Pendulum (Gymnasium's classic control) ---- */

#define ACROBOT_SCREEN 500     /* pixels, Gymnasium's SCREEN_DIM (a square) */
#define PENDULUM_SCREEN 500    /* pixels, Gymnasium's screen_dim (a square) */
#define MOUNTAINCAR_SCREEN_W 600
#define MOUNTAINCAR_SCREEN_H 400

/* Draws each env's picture of state v into s at (x0, y0) as its Gymnasium render() does (y up,
 * then flipped):
 * acrobot: 500 x 500 white, scale 500 / 4.4 px per m about the pivot at the centre; a black
 *   line 1 m above the pivot (the goal height); each link a (0, 204, 204) bar 1 m long and
 *   0.2 m wide rotated by theta - pi / 2, its pivot a (204, 204, 0) circle of radius 0.1 m.
 * mountaincar: 600 x 400 white, scale 600 / 1.8 px per m; the hill sin(3 x) * 0.45 + 0.55 in
 *   black; the car a black 40 x 20 px box 10 px above the hill, tilted by cos(3 x) rad, with
 *   two (128, 128, 128) wheels of radius 8 px; the flag at the goal (0.5 m, or 0.45 m for
 *   the continuous car: goal), a black pole of 50 px with a (204, 204, 0) pennant.
 * pendulum: 500 x 500 white, scale 500 / 4.4; the rod (204, 77, 77), 1 m long and 0.2 m wide,
 *   rotated by theta + pi / 2, with round ends, and a black axle of 0.05 m. Gymnasium also
 *   pastes an arrow image scaled by the last torque; here the torque is drawn as a (204, 77, 77)
 *   arc of the same size around the axle, its direction marked by a dot at its head. */
void draw_acrobot(SDL_Surface *s, int x0, int y0, const ClassicView *v);
void draw_mountaincar(SDL_Surface *s, int x0, int y0, const ClassicView *v, double goal);
void draw_pendulum(SDL_Surface *s, int x0, int y0, const ClassicView *v);

/* ---- gridworld (MiniGrid) ---- */

#define GRID_TILE_PIXELS 32 /* MiniGrid's TILE_PIXELS */

/* MiniGrid's COLORS, indexed by COLOR_TO_IDX (red, green, blue, purple, yellow, grey). */
extern const Rgb DRAW_GRID_COLORS[6];

/* A cache of rendered tiles, one per (object, color, state, agent direction or none,
 * highlighted or not), as Grid.tile_cache; owned by one viewer. */
typedef struct GridTiles GridTiles;

/* A cache for tiles of tile_px pixels (16..64), or NULL on out of memory. */
GridTiles *grid_tiles_create(int tile_px);
void grid_tiles_destroy(GridTiles *t);

/* Pixels per tile side of t. */
int grid_tiles_size(const GridTiles *t);

/* The tile of one cell, tile_px x tile_px RGB888 bytes (row-major), rendered on first use as
 * MiniGrid's Grid.render_tile does. type/color/state are MiniGrid's encode() triple (type 0
 * "unseen" and 1 "empty" draw the bare tile); agent_dir is 0..3 (east, south, west, north) to
 * draw the agent's triangle, or -1. NULL on out of memory. */
const uint8_t *grid_tile(GridTiles *t, int type, int color, int state, int agent_dir,
                         bool highlight);

/* Draws the level of v at the given tile size with its top-left corner at (x0, y0), as
 * MiniGridEnv.get_full_render(highlight=True): cell (x, y) at (x0 + x * tile, y0 + y * tile),
 * so a map keeps its orientation; the agent's triangle in its cell; the cells the agent's last
 * observation saw highlighted. Returns -1 only on out of memory. */
int draw_grid(SDL_Surface *s, int x0, int y0, GridTiles *tiles, const GridView *v);

#endif
