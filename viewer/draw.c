/* draw.c: pixels, text, CartPole as Gymnasium draws it, gridworld tiles as MiniGrid draws
 * them (see draw.h). */
#include "viewer/draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- surfaces and pixels -------------------------------------------------------------------- */

SDL_Surface *draw_surface_create(int w, int h, Err *err) {
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s) {
        err_set(err, "cannot make a %dx%d picture: %s", w, h, SDL_GetError());
        return NULL;
    }
    SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_NONE); /* blitted as is: every pixel is opaque */
    SDL_FillRect(s, NULL, 0xff000000u);
    return s;
}

static inline uint32_t *pixel_at(const SDL_Surface *s, int x, int y) {
    return (uint32_t *)((uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch) + x;
}

Rgb draw_get(const SDL_Surface *s, int x, int y) {
    uint32_t p = *pixel_at(s, x, y);
    return (Rgb){(uint8_t)(p >> 16), (uint8_t)(p >> 8), (uint8_t)p};
}

void draw_put(SDL_Surface *s, int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= s->w || y >= s->h) return;
    *pixel_at(s, x, y) = 0xff000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

void draw_blend(SDL_Surface *s, int x, int y, Rgb c, float a) {
    if (x < 0 || y < 0 || x >= s->w || y >= s->h || !(a > 0)) return;
    if (a >= 1) {
        draw_put(s, x, y, c);
        return;
    }
    Rgb o = draw_get(s, x, y);
    Rgb n = {(uint8_t)lrintf(o.r + a * (c.r - o.r)), (uint8_t)lrintf(o.g + a * (c.g - o.g)),
             (uint8_t)lrintf(o.b + a * (c.b - o.b))};
    draw_put(s, x, y, n);
}

void draw_rect(SDL_Surface *s, int x, int y, int w, int h, Rgb c, float a) {
    if (a >= 1) {
        SDL_Rect r = {x, y, w, h};
        SDL_FillRect(s, &r, 0xff000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b);
        return;
    }
    int xa = x < 0 ? 0 : x, ya = y < 0 ? 0 : y;
    int xb = x + w > s->w ? s->w : x + w, yb = y + h > s->h ? s->h : y + h;
    for (int j = ya; j < yb; j++)
        for (int i = xa; i < xb; i++) draw_blend(s, i, j, c, a);
}

/* Distance from (px, py) to the segment (x0, y0)-(x1, y1). */
static float seg_dist(float px, float py, float x0, float y0, float x1, float y1) {
    float dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
    float t = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float ex = x0 + t * dx - px, ey = y0 + t * dy - py;
    return sqrtf(ex * ex + ey * ey);
}

void draw_line(SDL_Surface *s, float x0, float y0, float x1, float y1, float width, Rgb c) {
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
    float h = 0.5f * width;
    int xa = (int)floorf(fminf(x0, x1) - h - 1), xb = (int)ceilf(fmaxf(x0, x1) + h + 1);
    int ya = (int)floorf(fminf(y0, y1) - h - 1), yb = (int)ceilf(fmaxf(y0, y1) + h + 1);
    xa = xa < 0 ? 0 : xa;
    ya = ya < 0 ? 0 : ya;
    xb = xb > s->w ? s->w : xb;
    yb = yb > s->h ? s->h : yb;
    for (int y = ya; y < yb; y++)
        for (int x = xa; x < xb; x++) {
            /* coverage of the pixel by a band of half-width h, by its centre's distance */
            float cov = h + 0.5f - seg_dist((float)x + 0.5f, (float)y + 0.5f, x0, y0, x1, y1);
            if (cov > 0) draw_blend(s, x, y, c, cov > 1 ? 1 : cov);
        }
}

/* ---- text ----------------------------------------------------------------------------------- */

#define DEJAVU_DIR "/usr/share/fonts/truetype/dejavu" /* Debian's fonts-dejavu-core */

TTF_Font *draw_font_open(const char *file, int pt, Err *err) {
    const char *dir = getenv("PPO_FONT_DIR");
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : DEJAVU_DIR, file);
    if (access(path, R_OK) != 0) {
        err_set(err, "font %s not found: install the DejaVu fonts (apt-get install "
                "fonts-dejavu-core, or 'make deps'), or set PPO_FONT_DIR to a folder holding %s",
                path, file);
        return NULL;
    }
    if (TTF_Init() != 0) {
        err_set(err, "SDL_ttf cannot start: %s", TTF_GetError());
        return NULL;
    }
    TTF_Font *f = TTF_OpenFont(path, pt);
    if (!f) {
        err_set(err, "%s: cannot open the font: %s", path, TTF_GetError());
        TTF_Quit();
        return NULL;
    }
    return f;
}

void draw_font_close(TTF_Font *font) {
    if (!font) return;
    TTF_CloseFont(font);
    TTF_Quit();
}

int draw_text(SDL_Surface *s, TTF_Font *font, int x, int y, Rgb c, const char *text) {
    if (!text || !*text) return 0;
    SDL_Surface *t = TTF_RenderUTF8_Blended(font, text, (SDL_Color){c.r, c.g, c.b, 255});
    if (!t) return 0;
    SDL_Rect dst = {x, y, t->w, t->h};
    SDL_BlitSurface(t, NULL, s, &dst);
    int w = t->w;
    SDL_FreeSurface(t);
    return w;
}

int draw_text_width(TTF_Font *font, const char *text) {
    int w = 0, h = 0;
    if (!text || !*text || TTF_SizeUTF8(font, text, &w, &h) != 0) return 0;
    return w;
}

/* ---- SDL_gfx's primitives, as pygame.gfxdraw runs them ------------------------------------- */

/* A drawing area of w x h pixels at (x0, y0) of a surface; with flip, coordinates have y up
 * (row y is drawn at y0 + h - 1 - y), as Gymnasium draws and then flips its surface. */
typedef struct Pen {
    SDL_Surface *s;
    int x0, y0, w, h;
    bool flip;
} Pen;

/* Pixel (x, y) of the area with weight wgt in 0..255 (255 = opaque; SDL_gfx's
 * pixelColorWeight); clipped to the area. */
static void pen_put(const Pen *p, int x, int y, Rgb c, int wgt) {
    if (x < 0 || y < 0 || x >= p->w || y >= p->h) return;
    draw_blend(p->s, p->x0 + x, p->y0 + (p->flip ? p->h - 1 - y : y), c, (float)wgt / 255.0f);
}

/* hlineColor: x1..x2 inclusive, in either order. */
static void gfx_hline(const Pen *p, int x1, int x2, int y, Rgb c) {
    if (x1 > x2) {
        int t = x1;
        x1 = x2;
        x2 = t;
    }
    for (int x = x1; x <= x2; x++) pen_put(p, x, y, c, 255);
}

static void gfx_vline(const Pen *p, int x, int y1, int y2, Rgb c) {
    if (y1 > y2) {
        int t = y1;
        y1 = y2;
        y2 = t;
    }
    for (int y = y1; y <= y2; y++) pen_put(p, x, y, c, 255);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* SDL_gfx's filledPolygonColor: a scanline fill of integer vertices vx, vy [n] (n <= 8), with
 * the edge crossings in 16.16 fixed point and its rounding of the span ends. */
static void gfx_filled_polygon(const Pen *p, const int *vx, const int *vy, int n, Rgb c) {
    int miny = vy[0], maxy = vy[0];
    for (int i = 1; i < n; i++) {
        miny = vy[i] < miny ? vy[i] : miny;
        maxy = vy[i] > maxy ? vy[i] : maxy;
    }
    int ints[8];
    for (int y = miny; y <= maxy; y++) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            int i1 = i ? i - 1 : n - 1, i2 = i;
            int y1 = vy[i1], y2 = vy[i2], x1, x2;
            if (y1 < y2) {
                x1 = vx[i1];
                x2 = vx[i2];
            } else if (y1 > y2) {
                y2 = vy[i1];
                y1 = vy[i2];
                x2 = vx[i1];
                x1 = vx[i2];
            } else {
                continue;
            }
            if ((y >= y1 && y < y2) || (y == maxy && y > y1 && y <= y2))
                ints[k++] = (int)(((int64_t)65536 * (y - y1)) / (y2 - y1) * (x2 - x1) + (int64_t)65536 * x1);
        }
        qsort(ints, (size_t)k, sizeof ints[0], cmp_int);
        for (int i = 0; i + 1 < k; i += 2) {
            int xa = ints[i] + 1, xb = ints[i + 1] - 1;
            xa = (int)floor(xa / 65536.0) + ((xa & 32768) >> 15);
            xb = (int)floor(xb / 65536.0) + ((xb & 32768) >> 15);
            gfx_hline(p, xa, xb, y, c);
        }
    }
}

/* SDL_gfx's _aalineRGBA: Wu's anti-aliased line between integer points with both endpoints
 * drawn, an 8-bit weight from a 32-bit error accumulator. */
static void gfx_aaline(const Pen *p, int x1, int y1, int x2, int y2, Rgb c) {
    if (y1 > y2) { /* run top to bottom in y */
        int t = y1;
        y1 = y2;
        y2 = t;
        t = x1;
        x1 = x2;
        x2 = t;
    }
    int dx = x2 - x1, dy = y2 - y1;
    if (dx == 0) {
        gfx_vline(p, x1, y1, y2, c);
        return;
    }
    if (dy == 0) {
        gfx_hline(p, x1, x2, y1, c);
        return;
    }
    int xdir = dx >= 0 ? 1 : -1;
    dx = abs(dx);
    if (dx == dy) { /* a diagonal: whole pixels */
        for (int i = 0; i <= dx; i++) pen_put(p, x1 + i * xdir, y1 + i, c, 255);
        return;
    }
    pen_put(p, x1, y1, c, 255);
    uint32_t erracc = 0;
    int xx = x1, yy = y1;
    if (dy > dx) {
        uint32_t erradj = (((uint32_t)dx << 16) / (uint32_t)dy) << 16;
        int x0pxdir = xx + xdir;
        while (--dy) {
            uint32_t tmp = erracc;
            erracc += erradj;
            if (erracc <= tmp) {
                xx = x0pxdir;
                x0pxdir += xdir;
            }
            yy++;
            int wgt = (int)(erracc >> 24) & 255;
            pen_put(p, xx, yy, c, 255 - wgt);
            pen_put(p, x0pxdir, yy, c, wgt);
        }
    } else {
        uint32_t erradj = (((uint32_t)dy << 16) / (uint32_t)dx) << 16;
        int y0p1 = yy + 1;
        while (--dx) {
            uint32_t tmp = erracc;
            erracc += erradj;
            if (erracc <= tmp) {
                yy = y0p1;
                y0p1++;
            }
            xx += xdir;
            int wgt = (int)(erracc >> 24) & 255;
            pen_put(p, xx, yy, c, 255 - wgt);
            pen_put(p, xx, y0p1, c, wgt);
        }
    }
    pen_put(p, x2, y2, c, 255);
}

/* aapolygonColor: the anti-aliased outline of vertices vx, vy [n]. */
static void gfx_aapolygon(const Pen *p, const int *vx, const int *vy, int n, Rgb c) {
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        gfx_aaline(p, vx[i], vy[i], vx[j], vy[j], c);
    }
}

/* filledCircleColor: the midpoint-circle fill of SDL_gfx, spans mirrored over the eight
 * octants. */
static void gfx_filled_circle(const Pen *p, int x, int y, int rad, Rgb c) {
    if (rad <= 0) {
        pen_put(p, x, y, c, 255);
        return;
    }
    int cx = 0, cy = rad, ocx = -1, ocy = -1, df = 1 - rad, d_e = 3, d_se = -2 * rad + 5;
    do {
        if (ocy != cy) {
            if (cy > 0) {
                gfx_hline(p, x - cx, x + cx, y + cy, c);
                gfx_hline(p, x - cx, x + cx, y - cy, c);
            } else {
                gfx_hline(p, x - cx, x + cx, y, c);
            }
            ocy = cy;
        }
        if (ocx != cx) {
            if (cx != cy) {
                if (cx > 0) {
                    gfx_hline(p, x - cy, x + cy, y - cx, c);
                    gfx_hline(p, x - cy, x + cy, y + cx, c);
                } else {
                    gfx_hline(p, x - cy, x + cy, y, c);
                }
            }
            ocx = cx;
        }
        if (df < 0) {
            df += d_e;
            d_e += 2;
            d_se += 2;
        } else {
            df += d_se;
            d_e += 2;
            d_se += 4;
            cy--;
        }
        cx++;
    } while (cx <= cy);
}

/* aacircleColor: the anti-aliased rim of a circle. SDL_gfx runs Wu's ellipse; this weighs each
 * pixel by how far its centre lies from the radius, which gives the same one-pixel soft rim. */
static void gfx_aacircle(const Pen *p, int x, int y, int rad, Rgb c) {
    for (int j = -rad - 1; j <= rad + 1; j++)
        for (int i = -rad - 1; i <= rad + 1; i++) {
            double d = fabs(sqrt((double)(i * i + j * j)) - rad);
            if (d < 1) pen_put(p, x + i, y + j, c, (int)lrint(255 * (1 - d)));
        }
}

/* ---- CartPole ------------------------------------------------------------------------------- */

/* Gymnasium's render() constants (cartpole.py). */
#define CP_WORLD_WIDTH (CARTPOLE_X_THRESHOLD * 2)            /* m */
#define CP_SCALE (CARTPOLE_SCREEN_W / CP_WORLD_WIDTH)         /* px per m: 125 */
#define CP_POLE_WIDTH 10.0                                    /* px */
#define CP_POLE_LEN (CP_SCALE * (2 * CARTPOLE_HALF_LENGTH))   /* px: 125 */
#define CP_CART_WIDTH 50.0                                    /* px */
#define CP_CART_HEIGHT 30.0                                   /* px */
#define CP_CARTY 100                                          /* px from the bottom: "TOP OF CART" */
static const Rgb CP_WHITE = {255, 255, 255}, CP_BLACK = {0, 0, 0};
static const Rgb CP_POLE = {202, 152, 101}, CP_AXLE = {129, 132, 203};

void draw_cartpole_geometry(double x, int *cart_col, int *track_row) {
    *cart_col = (int)(x * CP_SCALE + CARTPOLE_SCREEN_W / 2.0);
    *track_row = CARTPOLE_SCREEN_H - 1 - CP_CARTY;
}

void draw_cartpole(SDL_Surface *s, int x0, int y0, const CartPoleView *v) {
    const Pen p = {s, x0, y0, CARTPOLE_SCREEN_W, CARTPOLE_SCREEN_H, true};
    draw_rect(s, x0, y0, CARTPOLE_SCREEN_W, CARTPOLE_SCREEN_H, CP_WHITE, 1);
    const double x = v->state[0], theta = v->state[2];
    double l = -CP_CART_WIDTH / 2, r = CP_CART_WIDTH / 2, t = CP_CART_HEIGHT / 2, b = -CP_CART_HEIGHT / 2;
    const double axleoffset = CP_CART_HEIGHT / 4.0;
    const double cartx = x * CP_SCALE + CARTPOLE_SCREEN_W / 2.0; /* middle of the cart */
    const double carty = CP_CARTY;
    /* pygame.gfxdraw takes integer coordinates: Python floats become ints by truncation. */
    const double cart[4][2] = {{l, b}, {l, t}, {r, t}, {r, b}};
    int vx[4], vy[4];
    for (int i = 0; i < 4; i++) {
        vx[i] = (int)(cart[i][0] + cartx);
        vy[i] = (int)(cart[i][1] + carty);
    }
    gfx_aapolygon(&p, vx, vy, 4, CP_BLACK);
    gfx_filled_polygon(&p, vx, vy, 4, CP_BLACK);

    l = -CP_POLE_WIDTH / 2;
    r = CP_POLE_WIDTH / 2;
    t = CP_POLE_LEN - CP_POLE_WIDTH / 2;
    b = -CP_POLE_WIDTH / 2;
    const double pole[4][2] = {{l, b}, {l, t}, {r, t}, {r, b}};
    /* pygame.math.Vector2.rotate_rad(-theta): counter-clockwise by -theta, y up. */
    const double ca = cos(-theta), sa = sin(-theta);
    for (int i = 0; i < 4; i++) {
        double px = pole[i][0] * ca - pole[i][1] * sa, py = pole[i][0] * sa + pole[i][1] * ca;
        vx[i] = (int)(px + cartx);
        vy[i] = (int)(py + carty + axleoffset);
    }
    gfx_aapolygon(&p, vx, vy, 4, CP_POLE);
    gfx_filled_polygon(&p, vx, vy, 4, CP_POLE);

    const int ax = (int)cartx, ay = (int)(carty + axleoffset), ar = (int)(CP_POLE_WIDTH / 2);
    gfx_aacircle(&p, ax, ay, ar, CP_AXLE);
    gfx_filled_circle(&p, ax, ay, ar, CP_AXLE);

    gfx_hline(&p, 0, CARTPOLE_SCREEN_W, (int)carty, CP_BLACK);
}

/* ---- Acrobot, MountainCar, Pendulum --------------------------------------------------------- */

static const Rgb CC_WHITE = {255, 255, 255}, CC_BLACK = {0, 0, 0};

/* The corners of the bar (l, b), (l, t), (r, t), (r, b) rotated by th (pygame's
 * Vector2.rotate_rad, y up) and moved to (x, y), truncated to pixels, into vx, vy [4]. */
static void rotated_box(double l, double r, double t, double b, double th, double x, double y, int *vx, int *vy) {
    const double c[4][2] = {{l, b}, {l, t}, {r, t}, {r, b}}, ca = cos(th), sa = sin(th);
    for (int i = 0; i < 4; i++) {
        vx[i] = (int)(c[i][0] * ca - c[i][1] * sa + x);
        vy[i] = (int)(c[i][0] * sa + c[i][1] * ca + y);
    }
}

void draw_acrobot(SDL_Surface *s, int x0, int y0, const ClassicView *v) {
    const int D = ACROBOT_SCREEN;
    const Pen p = {s, x0, y0, D, D, true};
    draw_rect(s, x0, y0, D, D, CC_WHITE, 1);
    const double bound = 1.0 + 1.0 + 0.2, scale = D / (bound * 2), offset = D / 2.0;
    const double *st = v->state;
    const double p1[2] = {-1.0 * cos(st[0]) * scale, 1.0 * sin(st[0]) * scale};
    /* acrobot.py swaps each point's coordinates (xys[:, ::-1]) */
    const double xys[2][2] = {{0, 0}, {p1[1], p1[0]}};
    const double thetas[2] = {st[0] - M_PI / 2, st[0] + st[1] - M_PI / 2};
    gfx_hline(&p, (int)(-2.2 * scale + offset), (int)(2.2 * scale + offset), (int)(1 * scale + offset), CC_BLACK);
    const Rgb link = {0, 204, 204}, joint = {204, 204, 0};
    for (int k = 0; k < 2; k++) {
        double x = xys[k][0] + offset, y = xys[k][1] + offset;
        int vx[4], vy[4];
        rotated_box(0, scale, 0.1 * scale, -0.1 * scale, thetas[k], x, y, vx, vy);
        gfx_aapolygon(&p, vx, vy, 4, link);
        gfx_filled_polygon(&p, vx, vy, 4, link);
        gfx_aacircle(&p, (int)x, (int)y, (int)(0.1 * scale), joint);
        gfx_filled_circle(&p, (int)x, (int)y, (int)(0.1 * scale), joint);
    }
}

static double mc_height(double x) { return sin(3 * x) * 0.45 + 0.55; }

void draw_mountaincar(SDL_Surface *s, int x0, int y0, const ClassicView *v, double goal) {
    const int W = MOUNTAINCAR_SCREEN_W, H = MOUNTAINCAR_SCREEN_H;
    const Pen p = {s, x0, y0, W, H, true};
    draw_rect(s, x0, y0, W, H, CC_WHITE, 1);
    const double min_x = -1.2, max_x = 0.6, scale = W / (max_x - min_x), carw = 40, carh = 20, clearance = 10;
    int px = 0, py = 0;
    for (int i = 0; i < 100; i++) { /* np.linspace(min, max, 100) */
        double xs = min_x + (max_x - min_x) * i / 99.0;
        int qx = (int)((xs - min_x) * scale), qy = (int)(mc_height(xs) * scale);
        if (i) gfx_aaline(&p, px, py, qx, qy, CC_BLACK);
        px = qx, py = qy;
    }
    const double pos = v->state[0], ang = cos(3 * pos);
    const double cx = (pos - min_x) * scale, cy = clearance + mc_height(pos) * scale;
    int vx[4], vy[4];
    rotated_box(-carw / 2, carw / 2, carh, 0, ang, cx, cy, vx, vy);
    gfx_aapolygon(&p, vx, vy, 4, CC_BLACK);
    gfx_filled_polygon(&p, vx, vy, 4, CC_BLACK);
    const Rgb wheel = {128, 128, 128};
    for (int k = 0; k < 2; k++) {
        double wx = (k ? -carw / 4 : carw / 4), ca = cos(ang), sa = sin(ang);
        int x = (int)(wx * ca + cx), y = (int)(wx * sa + cy);
        gfx_aacircle(&p, x, y, (int)(carh / 2.5), wheel);
        gfx_filled_circle(&p, x, y, (int)(carh / 2.5), wheel);
    }
    const int flagx = (int)((goal - min_x) * scale), flagy1 = (int)(mc_height(goal) * scale), flagy2 = flagy1 + 50;
    gfx_vline(&p, flagx, flagy1, flagy2, CC_BLACK);
    const int fx[3] = {flagx, flagx, flagx + 25}, fy[3] = {flagy2, flagy2 - 10, flagy2 - 5};
    const Rgb pennant = {204, 204, 0};
    gfx_aapolygon(&p, fx, fy, 3, pennant);
    gfx_filled_polygon(&p, fx, fy, 3, pennant);
}

void draw_pendulum(SDL_Surface *s, int x0, int y0, const ClassicView *v) {
    const int D = PENDULUM_SCREEN;
    const Pen p = {s, x0, y0, D, D, true};
    draw_rect(s, x0, y0, D, D, CC_WHITE, 1);
    const double scale = D / (2.2 * 2), rod_len = 1 * scale, rod_w = 0.2 * scale;
    const int offset = D / 2;
    const Rgb rod = {204, 77, 77};
    const double th = v->state[0] + M_PI / 2;
    int vx[4], vy[4];
    rotated_box(0, rod_len, rod_w / 2, -rod_w / 2, th, offset, offset, vx, vy);
    gfx_aapolygon(&p, vx, vy, 4, rod);
    gfx_filled_polygon(&p, vx, vy, 4, rod);
    gfx_aacircle(&p, offset, offset, (int)(rod_w / 2), rod);
    gfx_filled_circle(&p, offset, offset, (int)(rod_w / 2), rod);
    const int ex = (int)(rod_len * cos(th) + offset), ey = (int)(rod_len * sin(th) + offset);
    gfx_aacircle(&p, ex, ey, (int)(rod_w / 2), rod);
    gfx_filled_circle(&p, ex, ey, (int)(rod_w / 2), rod);
    if (!isnan(v->last_action) && v->last_action != 0) { /* the torque: an arc of radius scale |u| / 4 */
        const double r = scale * fabs(v->last_action) / 4, dir = v->last_action > 0 ? 1 : -1;
        for (int i = 0; i <= 40; i++) {
            double a = dir * (-0.75 * M_PI + 1.5 * M_PI * i / 40.0) + M_PI / 2;
            pen_put(&p, (int)(offset + r * cos(a)), (int)(offset + r * sin(a)), CC_BLACK, 255);
        }
        double a = dir * 0.75 * M_PI + M_PI / 2;
        gfx_filled_circle(&p, (int)(offset + r * cos(a)), (int)(offset + r * sin(a)), 3, CC_BLACK);
    }
    gfx_aacircle(&p, offset, offset, (int)(0.05 * scale), CC_BLACK);
    gfx_filled_circle(&p, offset, offset, (int)(0.05 * scale), CC_BLACK);
}

/* ---- gridworld tiles (MiniGrid) ------------------------------------------------------------- */

const Rgb DRAW_GRID_COLORS[6] = {
    {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {112, 39, 195}, {255, 255, 0}, {100, 100, 100},
};

enum { T_UNSEEN, T_EMPTY, T_WALL, T_FLOOR, T_DOOR, T_KEY, T_BALL, T_BOX, T_GOAL, T_LAVA, T_N };
enum { S_OPEN, S_CLOSED, S_LOCKED };
#define SUBDIVS 3 /* render_tile's supersampling factor */
#define N_TILE_KEYS (T_N * 6 * 3 * 5 * 2)

struct GridTiles {
    int tile;                     /* pixels per tile side */
    uint8_t *tiles[N_TILE_KEYS];  /* each [tile, tile, 3], rendered on first use */
    uint8_t *work;                /* [tile * SUBDIVS, tile * SUBDIVS, 3] */
};

GridTiles *grid_tiles_create(int tile_px) {
    if (tile_px < 8 || tile_px > 64) return NULL;
    GridTiles *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->tile = tile_px;
    t->work = malloc((size_t)tile_px * SUBDIVS * tile_px * SUBDIVS * 3);
    if (!t->work) {
        free(t);
        return NULL;
    }
    return t;
}

void grid_tiles_destroy(GridTiles *t) {
    if (!t) return;
    for (int i = 0; i < N_TILE_KEYS; i++) free(t->tiles[i]);
    free(t->work);
    free(t);
}

int grid_tiles_size(const GridTiles *t) { return t->tile; }

/* The point tests of minigrid/utils/rendering.py on tile coordinates in [0, 1]. */
typedef enum { SH_RECT, SH_CIRCLE, SH_TRIANGLE, SH_LINE } ShapeKind;
typedef struct Shape {
    ShapeKind kind;
    double a[6];      /* rect: xmin xmax ymin ymax; circle: cx cy r; triangle: ax ay bx by cx cy;
                         line: x0 y0 x1 y1 r */
    double rot;       /* rotate_fn's theta around (0.5, 0.5), or 0 */
} Shape;

static bool shape_has(const Shape *sh, double x, double y) {
    if (sh->rot != 0) { /* rotate_fn(fin, cx=0.5, cy=0.5, theta) */
        double cx = 0.5, cy = 0.5, dx = x - cx, dy = y - cy;
        x = cx + dx * cos(-sh->rot) - dy * sin(-sh->rot);
        y = cy + dy * cos(-sh->rot) + dx * sin(-sh->rot);
    }
    const double *a = sh->a;
    switch (sh->kind) {
    case SH_RECT:
        return x >= a[0] && x <= a[1] && y >= a[2] && y <= a[3];
    case SH_CIRCLE:
        return (x - a[0]) * (x - a[0]) + (y - a[1]) * (y - a[1]) <= a[2] * a[2];
    case SH_TRIANGLE: { /* point_in_triangle: barycentric coordinates; a, b, c in float32 */
        float ax = (float)a[0], ay = (float)a[1], bx = (float)a[2], by = (float)a[3];
        float cx = (float)a[4], cy = (float)a[5];
        float v0x = cx - ax, v0y = cy - ay, v1x = bx - ax, v1y = by - ay;
        double v2x = x - ax, v2y = y - ay;
        float dot00 = v0x * v0x + v0y * v0y, dot01 = v0x * v1x + v0y * v1y;
        float dot11 = v1x * v1x + v1y * v1y;
        double dot02 = v0x * v2x + v0y * v2y, dot12 = v1x * v2x + v1y * v2y;
        float inv = 1.0f / (dot00 * dot11 - dot01 * dot01);
        double u = (dot11 * dot02 - dot01 * dot12) * inv, v = (dot00 * dot12 - dot01 * dot02) * inv;
        return u >= 0 && v >= 0 && u + v < 1;
    }
    case SH_LINE: { /* point_in_line: distance to the segment <= r */
        double x0 = a[0], y0 = a[1], x1 = a[2], y1 = a[3], r = a[4];
        if (x < fmin(x0, x1) - r || x > fmax(x0, x1) + r || y < fmin(y0, y1) - r || y > fmax(y0, y1) + r)
            return false;
        double dx = x1 - x0, dy = y1 - y0, dist = sqrt(dx * dx + dy * dy);
        dx /= dist;
        dy /= dist;
        double t = (x - x0) * dx + (y - y0) * dy;
        t = t < 0 ? 0 : t > dist ? dist : t;
        double ex = x - (x0 + t * dx), ey = y - (y0 + t * dy);
        return sqrt(ex * ex + ey * ey) <= r;
    }
    }
    return false;
}

/* fill_coords: every subpixel whose centre ((x + 0.5) / S, (y + 0.5) / S) is in the shape gets
 * color c (MiniGrid's colors are stored into uint8 images, so fractions truncate). */
static void fill_coords(uint8_t *img, int S, Shape sh, Rgb c) {
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            if (shape_has(&sh, (x + 0.5) / S, (y + 0.5) / S)) {
                uint8_t *px = img + ((size_t)y * S + x) * 3;
                px[0] = c.r;
                px[1] = c.g;
                px[2] = c.b;
            }
}

static Shape rect(double xmin, double xmax, double ymin, double ymax) {
    return (Shape){SH_RECT, {xmin, xmax, ymin, ymax, 0, 0}, 0};
}
static Shape circle(double cx, double cy, double r) { return (Shape){SH_CIRCLE, {cx, cy, r, 0, 0, 0}, 0}; }
static Shape line(double x0, double y0, double x1, double y1, double r) {
    return (Shape){SH_LINE, {x0, y0, x1, y1, r, 0}, 0};
}
static Rgb scale_rgb(Rgb c, double f) {
    return (Rgb){(uint8_t)(c.r * f), (uint8_t)(c.g * f), (uint8_t)(c.b * f)};
}

/* The render methods of world_object.py. */
static void render_object(uint8_t *img, int S, int type, int color, int state) {
    const Rgb c = DRAW_GRID_COLORS[color >= 0 && color < 6 ? color : 5];
    const Rgb black = {0, 0, 0};
    switch (type) {
    case T_GOAL: /* Goal */
    case T_WALL: /* Wall */
        fill_coords(img, S, rect(0, 1, 0, 1), c);
        break;
    case T_FLOOR: /* Floor: a pale color */
        fill_coords(img, S, rect(0.031, 1, 0.031, 1), scale_rgb(c, 0.5));
        break;
    case T_LAVA: /* Lava: orange with three rows of black waves */
        fill_coords(img, S, rect(0, 1, 0, 1), (Rgb){255, 128, 0});
        for (int i = 0; i < 3; i++) {
            double ylo = 0.3 + 0.2 * i, yhi = 0.4 + 0.2 * i;
            fill_coords(img, S, line(0.1, ylo, 0.3, yhi, 0.03), black);
            fill_coords(img, S, line(0.3, yhi, 0.5, ylo, 0.03), black);
            fill_coords(img, S, line(0.5, ylo, 0.7, yhi, 0.03), black);
            fill_coords(img, S, line(0.7, yhi, 0.9, ylo, 0.03), black);
        }
        break;
    case T_DOOR:
        if (state == S_OPEN) {
            fill_coords(img, S, rect(0.88, 1.00, 0.00, 1.00), c);
            fill_coords(img, S, rect(0.92, 0.96, 0.04, 0.96), black);
        } else if (state == S_LOCKED) {
            fill_coords(img, S, rect(0.00, 1.00, 0.00, 1.00), c);
            fill_coords(img, S, rect(0.06, 0.94, 0.06, 0.94), scale_rgb(c, 0.45));
            fill_coords(img, S, rect(0.52, 0.75, 0.50, 0.56), c); /* key slot */
        } else {
            fill_coords(img, S, rect(0.00, 1.00, 0.00, 1.00), c);
            fill_coords(img, S, rect(0.04, 0.96, 0.04, 0.96), black);
            fill_coords(img, S, rect(0.08, 0.92, 0.08, 0.92), c);
            fill_coords(img, S, rect(0.12, 0.88, 0.12, 0.88), black);
            fill_coords(img, S, circle(0.75, 0.50, 0.08), c); /* handle */
        }
        break;
    case T_KEY:
        fill_coords(img, S, rect(0.50, 0.63, 0.31, 0.88), c); /* vertical quad */
        fill_coords(img, S, rect(0.38, 0.50, 0.59, 0.66), c); /* teeth */
        fill_coords(img, S, rect(0.38, 0.50, 0.81, 0.88), c);
        fill_coords(img, S, circle(0.56, 0.28, 0.190), c); /* ring */
        fill_coords(img, S, circle(0.56, 0.28, 0.064), black);
        break;
    case T_BALL:
        fill_coords(img, S, circle(0.5, 0.5, 0.31), c);
        break;
    case T_BOX:
        fill_coords(img, S, rect(0.12, 0.88, 0.12, 0.88), c); /* outline */
        fill_coords(img, S, rect(0.18, 0.82, 0.18, 0.82), black);
        fill_coords(img, S, rect(0.16, 0.84, 0.47, 0.53), c); /* horizontal slit */
        break;
    default: /* unseen, empty: nothing */
        break;
    }
}

const uint8_t *grid_tile(GridTiles *t, int type, int color, int state, int agent_dir, bool highlight) {
    if (type <= T_EMPTY || type >= T_N) type = color = state = 0; /* drawn as None */
    color = color < 0 || color > 5 ? 5 : color;
    state = state < 0 || state > 2 ? 0 : state;
    agent_dir = agent_dir < 0 || agent_dir > 3 ? -1 : agent_dir;
    int key = (((type * 6 + color) * 3 + state) * 5 + agent_dir + 1) * 2 + (highlight ? 1 : 0);
    if (t->tiles[key]) return t->tiles[key];
    const int T = t->tile, S = T * SUBDIVS;
    uint8_t *img = t->work;
    memset(img, 0, (size_t)S * S * 3);
    const Rgb grey = {100, 100, 100};
    fill_coords(img, S, rect(0, 0.031, 0, 1), grey); /* grid lines: top and left edges */
    fill_coords(img, S, rect(0, 1, 0, 0.031), grey);
    render_object(img, S, type, color, state);
    if (agent_dir >= 0) { /* the agent: a red triangle pointing east, rotated by its direction */
        Shape tri = {SH_TRIANGLE, {0.12, 0.19, 0.87, 0.50, 0.12, 0.81}, 0.5 * M_PI * agent_dir};
        fill_coords(img, S, tri, (Rgb){255, 0, 0});
    }
    if (highlight) /* highlight_img: 30% of the way to white, truncated to uint8 */
        for (size_t i = 0; i < (size_t)S * S * 3; i++) img[i] = (uint8_t)(img[i] + 0.30 * (255 - img[i]));
    uint8_t *out = malloc((size_t)T * T * 3);
    if (!out) return NULL;
    /* downsample: the mean over each 3x3 block (numpy: mean over x within a row, then over the
     * rows), truncated to uint8 when stored. */
    for (int y = 0; y < T; y++)
        for (int x = 0; x < T; x++)
            for (int ch = 0; ch < 3; ch++) {
                double rows = 0;
                for (int dy = 0; dy < SUBDIVS; dy++) {
                    double row = 0;
                    for (int dx = 0; dx < SUBDIVS; dx++)
                        row += img[(((size_t)y * SUBDIVS + dy) * S + (size_t)x * SUBDIVS + dx) * 3 + ch];
                    rows += row / SUBDIVS;
                }
                out[((size_t)y * T + x) * 3 + ch] = (uint8_t)(rows / SUBDIVS);
            }
    t->tiles[key] = out;
    return out;
}

int draw_grid(SDL_Surface *s, int x0, int y0, GridTiles *tiles, const GridView *v) {
    const int T = tiles->tile;
    /* get_full_render: highlight the grid cells of the view cells the observation saw */
    uint8_t *mask = calloc((size_t)v->width * v->height, 1);
    if (!mask) return -1;
    for (int vy = 0; vy < GRID_VIEW; vy++)
        for (int vx = 0; vx < GRID_VIEW; vx++) {
            int x, y;
            if (v->visible[vx][vy] && gridworld_view_to_world(v, vx, vy, &x, &y) && x >= 0 &&
                y >= 0 && x < v->width && y < v->height)
                mask[(size_t)y * v->width + x] = 1;
        }
    int rc = 0;
    for (int y = 0; y < v->height && rc == 0; y++)
        for (int x = 0; x < v->width; x++) {
            const GridCell *c = &v->cells[(size_t)y * v->stride + x];
            bool agent = x == v->agent_x && y == v->agent_y;
            const uint8_t *tile = grid_tile(tiles, c->type, c->color, c->state, agent ? v->agent_dir : -1,
                                            mask[(size_t)y * v->width + x]);
            if (!tile) {
                rc = -1;
                break;
            }
            for (int j = 0; j < T; j++)
                for (int i = 0; i < T; i++) {
                    const uint8_t *px = tile + ((size_t)j * T + i) * 3;
                    draw_put(s, x0 + x * T + i, y0 + y * T + j, (Rgb){px[0], px[1], px[2]});
                }
        }
    free(mask);
    return rc;
}
