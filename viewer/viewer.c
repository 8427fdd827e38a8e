/* viewer.c: the window (or off-screen picture) of one env, its text panel, keys and screenshots
 * (see viewer.h). The frame is drawn in memory (an ARGB8888 surface, the same pixels whether a
 * window shows them or not) and copied to the window's surface: no GPU renderer, so a viewer
 * under Xvfb or over ssh costs one blit per frame. */
#include "viewer/viewer.h"

#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/popgym/popgym.h"
#include "viewer/draw.h"
#include "viewer/record.h"

#define PANEL_FONT "DejaVuSansMono.ttf"
#define PANEL_PT 12          /* font size, px per em */
#define PANEL_MIN_W 600      /* px: CartPole's width; room for a line of action probabilities */
#define PANEL_PAD 6          /* px above, below and left of the text */
#define MAX_SIDE_PX 1200     /* a larger gridworld level gets smaller tiles (at least 8 px) */
#define BOARD_PT 15          /* popgym's text picture: font size, px per em */
#define BOARD_W 640          /* px: 72 characters of popgym_describe at BOARD_PT */
#define BOARD_LINES 18       /* lines of popgym_describe, at most */
static const Rgb PANEL_BG = {30, 30, 30}, PANEL_FG = {235, 235, 235};
static const Rgb BOARD_BG = {250, 250, 245}, BOARD_FG = {20, 20, 20};

/* CartPole; a gridworld level; a popgym game drawn as text; a popgym CartPole variant (the
 * cart and pole, with the game's text over them); any other env with a text picture of its own
 * (EnvClass.describe); Acrobot, MountainCar (both) and Pendulum as Gymnasium draws them; a popgym
 * Pendulum variant, drawn as Pendulum (its hidden state: the agent sees only cos and sin). */
enum { KIND_CARTPOLE, KIND_GRID, KIND_POPGYM_TEXT, KIND_POPGYM_CARTPOLE, KIND_TEXT, KIND_ACROBOT, KIND_MOUNTAINCAR,
       KIND_MOUNTAINCAR_CONTINUOUS, KIND_PENDULUM, KIND_POPGYM_PENDULUM };

struct Viewer {
    ViewerConfig cfg;
    char title[128];
    int kind;
    int width, height;    /* the frame, px */
    int env_x, env_y, env_w, env_h; /* the env picture within it */
    int line_h;           /* px per text line */
    SDL_Surface *canvas;  /* the frame */
    TTF_Font *font;
    TTF_Font *board_font; /* popgym text and KIND_TEXT only */
    char text[POPGYM_TEXT_LEN]; /* popgym and KIND_TEXT: the text of the frame being drawn */
    GridTiles *tiles;     /* gridworld only */
    SDL_Window *window;   /* opened by the first viewer_render when cfg.window */
    bool video;           /* SDL's video subsystem started by this viewer */
    bool drawn;           /* the canvas holds a frame */
    GifRecording *gif;    /* the frames recorded (viewer_record_frame), or NULL */
    char driver[32];
};

static bool is_cartpole(const char *name) {
    return strcmp(name, "cartpole") == 0 || strcmp(name, "cartpole-stateless") == 0;
}

static bool is_grid(const char *name) { return strncmp(name, "gridworld/", 10) == 0; }

static bool is_popgym(const char *name) { return strncmp(name, "popgym/", 7) == 0; }

double viewer_env_pace(const Env *env) {
    if (is_grid(env->name)) return 5.0;
    /* Gymnasium's render_fps: acrobot 15, the mountain cars and pendulum 30 */
    if (strcmp(env->name, "acrobot") == 0) return 15.0;
    if (strncmp(env->name, "mountaincar", 11) == 0 || strcmp(env->name, "pendulum") == 0) return 30.0;
    if (is_popgym(env->name)) {
        const PopgymView *pv = env_view(env);
        return pv->cartpole ? 50.0 : pv->pendulum ? 30.0 : 4.0;
    }
    if (is_cartpole(env->name)) return 50.0;
    return env->cls->steps_per_second > 0 ? env->cls->steps_per_second : 4.0;
}

int viewer_create(Viewer **out, const Env *env, const ViewerConfig *cfg, Err *err) {
    *out = NULL;
    Viewer *v = calloc(1, sizeof *v);
    if (!v) return err_set(err, "out of memory for the viewer");
    v->cfg = *cfg;
    snprintf(v->title, sizeof v->title, "%s", cfg->title ? cfg->title : "ppo");
    v->cfg.title = v->title;
    if (is_cartpole(env->name)) {
        v->kind = KIND_CARTPOLE;
        v->env_w = CARTPOLE_SCREEN_W;
        v->env_h = CARTPOLE_SCREEN_H;
    } else if (is_grid(env->name)) {
        const GridView *gv = env_view(env);
        int tile = GRID_TILE_PIXELS;
        while (tile > 8 && (gv->width * tile > MAX_SIDE_PX || gv->height * tile > MAX_SIDE_PX)) tile--;
        v->kind = KIND_GRID;
        v->tiles = grid_tiles_create(tile);
        if (!v->tiles) {
            free(v);
            return err_set(err, "out of memory for the gridworld tiles");
        }
        v->env_w = gv->width * tile;
        v->env_h = gv->height * tile;
    } else if (is_popgym(env->name) && ((const PopgymView *)env_view(env))->cartpole) {
        v->kind = KIND_POPGYM_CARTPOLE;
        v->env_w = CARTPOLE_SCREEN_W;
        v->env_h = CARTPOLE_SCREEN_H;
    } else if (is_popgym(env->name) && ((const PopgymView *)env_view(env))->pendulum) {
        v->kind = KIND_POPGYM_PENDULUM;
        v->env_w = v->env_h = ACROBOT_SCREEN;
    } else if (is_popgym(env->name) || env->cls->describe) {
        v->kind = is_popgym(env->name) ? KIND_POPGYM_TEXT : KIND_TEXT;
        v->board_font = draw_font_open(PANEL_FONT, BOARD_PT, err);
        if (!v->board_font) {
            free(v);
            return -1;
        }
        v->env_w = BOARD_W;
        v->env_h = BOARD_LINES * TTF_FontLineSkip(v->board_font) + 2 * PANEL_PAD;
    } else if (strcmp(env->name, "acrobot") == 0 || strcmp(env->name, "pendulum") == 0) {
        v->kind = env->name[0] == 'a' ? KIND_ACROBOT : KIND_PENDULUM;
        v->env_w = v->env_h = ACROBOT_SCREEN;
    } else if (strncmp(env->name, "mountaincar", 11) == 0) {
        v->kind = strcmp(env->name, "mountaincar") == 0 ? KIND_MOUNTAINCAR : KIND_MOUNTAINCAR_CONTINUOUS;
        v->env_w = MOUNTAINCAR_SCREEN_W;
        v->env_h = MOUNTAINCAR_SCREEN_H;
    } else {
        free(v);
        return err_set(err, "the viewer cannot draw env '%s' (it draws cartpole, cartpole-stateless, acrobot, "
                       "mountaincar, mountaincar-continuous, pendulum, gridworld/*, popgym/* and envs with a text "
                       "picture: EnvClass.describe)", env->name);
    }
    v->font = draw_font_open(PANEL_FONT, PANEL_PT, err);
    if (!v->font) {
        viewer_destroy(v);
        return -1;
    }
    v->line_h = TTF_FontLineSkip(v->font);
    v->width = v->env_w > PANEL_MIN_W ? v->env_w : PANEL_MIN_W;
    v->env_x = (v->width - v->env_w) / 2;
    v->env_y = 0;
    v->height = v->env_h + (cfg->text_lines > 0 ? 2 * PANEL_PAD + cfg->text_lines * v->line_h : 0);
    v->canvas = draw_surface_create(v->width, v->height, err);
    if (!v->canvas) {
        viewer_destroy(v);
        return -1;
    }
    snprintf(v->driver, sizeof v->driver, "%s", cfg->window ? "(no window yet)" : "off-screen");
    *out = v;
    return 0;
}

void viewer_close_window(Viewer *v) {
    if (!v) return;
    if (v->window) SDL_DestroyWindow(v->window);
    v->window = NULL;
    if (v->video) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        /* the last user of SDL: SDL_Quit also ends what video started on the side (D-Bus) */
        if (SDL_WasInit(SDL_INIT_EVERYTHING) == 0) SDL_Quit();
    }
    v->video = false;
}

void viewer_destroy(Viewer *v) {
    if (!v) return;
    viewer_close_window(v);
    if (v->canvas) SDL_FreeSurface(v->canvas);
    gif_recording_free(v->gif);
    draw_font_close(v->font);
    draw_font_close(v->board_font);
    grid_tiles_destroy(v->tiles);
    free(v);
}

/* Opens the window; an ERR_SETUP failure when there is no display to open it on. */
static int open_window(Viewer *v, Err *err) {
    const char *asked = getenv("SDL_VIDEODRIVER");
    bool driver_asked = asked && *asked;
    const char *x11 = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    /* Without a display SDL would go on to try the console (KMSDRM) and then draw nowhere. */
    if (!driver_asked && !(x11 && *x11) && !(wl && *wl)) {
        return err_setup(err, "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set)");
    }
    /* Ctrl-C stays ours (a clean stop), not an SDL_QUIT event. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* The frame is drawn in memory; SDL would otherwise copy it through an OpenGL renderer, which
     * under Xvfb is Mesa's llvmpipe and its threads, taking CPU from training. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        return err_setup(err, "cannot open the display: %s", SDL_GetError());
    }
    v->video = true;
    const char *drv = SDL_GetCurrentVideoDriver();
    snprintf(v->driver, sizeof v->driver, "%s", drv ? drv : "?");
    if (!driver_asked && (strcmp(v->driver, "offscreen") == 0 || strcmp(v->driver, "dummy") == 0)) {
        viewer_close_window(v);
        return err_setup(err, "no display to open a window on (SDL found only its '%s' driver)", v->driver);
    }
    v->window = SDL_CreateWindow(v->title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                 v->width, v->height, SDL_WINDOW_SHOWN);
    if (!v->window) {
        err_setup(err, "cannot open a window on the display (%s driver): %s", v->driver, SDL_GetError());
        viewer_close_window(v);
        return -1;
    }
    return 0;
}

/* Copies the frame to the window. */
static void present(Viewer *v) {
    if (!v->window || !v->drawn) return;
    SDL_Surface *ws = SDL_GetWindowSurface(v->window);
    if (!ws) return;
    SDL_BlitSurface(v->canvas, NULL, ws, NULL);
    SDL_UpdateWindowSurface(v->window);
}

/* Draws the '\n'-separated lines of text (at most max_lines) from (x, y) down, one font line
 * each. */
static void draw_lines(SDL_Surface *c, TTF_Font *font, int x, int y, Rgb fg, const char *text, int max_lines) {
    char line[POPGYM_TEXT_LEN];
    int h = TTF_FontLineSkip(font);
    for (int i = 0; i < max_lines && *text; i++) {
        size_t n = strcspn(text, "\n");
        memcpy(line, text, n);
        line[n] = '\0';
        if (n) draw_text(c, font, x, y + i * h, fg, line);
        text += n + (text[n] == '\n');
    }
}

int viewer_render(Viewer *v, const Env *env, const char *const *lines, int n_lines, Err *err) {
    if (v->cfg.window && !v->window) {
        int rc = open_window(v, err);
        if (rc) return rc;
    }
    SDL_Surface *c = v->canvas;
    draw_rect(c, 0, 0, v->width, v->height, PANEL_BG, 1);
    if (v->kind == KIND_CARTPOLE) {
        draw_cartpole(c, v->env_x, v->env_y, env_view(env));
    } else if (v->kind == KIND_ACROBOT) {
        draw_acrobot(c, v->env_x, v->env_y, env_view(env));
    } else if (v->kind == KIND_PENDULUM) {
        draw_pendulum(c, v->env_x, v->env_y, env_view(env));
    } else if (v->kind == KIND_POPGYM_PENDULUM) {
        draw_pendulum(c, v->env_x, v->env_y, &((const PopgymView *)env_view(env))->pend);
    } else if (v->kind == KIND_MOUNTAINCAR || v->kind == KIND_MOUNTAINCAR_CONTINUOUS) {
        draw_mountaincar(c, v->env_x, v->env_y, env_view(env), v->kind == KIND_MOUNTAINCAR ? 0.5 : 0.45);
    } else if (v->kind == KIND_GRID) {
        if (draw_grid(c, v->env_x, v->env_y, v->tiles, env_view(env)))
            return err_set(err, "out of memory drawing the gridworld");
    } else if (v->kind == KIND_TEXT) {
        draw_rect(c, v->env_x, v->env_y, v->env_w, v->env_h, BOARD_BG, 1);
        env_describe(env, v->text, sizeof v->text);
        draw_lines(c, v->board_font, v->env_x + PANEL_PAD, v->env_y + PANEL_PAD, BOARD_FG, v->text, BOARD_LINES);
    } else {
        const PopgymView *pv = env_view(env);
        TTF_Font *font = v->kind == KIND_POPGYM_TEXT ? v->board_font : v->font;
        if (v->kind == KIND_POPGYM_CARTPOLE) draw_cartpole(c, v->env_x, v->env_y, &pv->pole);
        else draw_rect(c, v->env_x, v->env_y, v->env_w, v->env_h, BOARD_BG, 1);
        popgym_describe(pv, v->text, sizeof v->text);
        draw_lines(c, font, v->env_x + PANEL_PAD, v->env_y + PANEL_PAD, BOARD_FG, v->text, BOARD_LINES);
    }
    if (n_lines > v->cfg.text_lines) n_lines = v->cfg.text_lines;
    for (int i = 0; i < n_lines; i++)
        draw_text(c, v->font, PANEL_PAD, v->env_h + PANEL_PAD + i * v->line_h, PANEL_FG, lines[i]);
    v->drawn = true;
    present(v);
    return 0;
}

ViewerKey viewer_poll(Viewer *v) {
    if (!v->window) return VIEWER_KEY_NONE;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        if (e.type == SDL_QUIT) return VIEWER_KEY_QUIT;
        if (e.type == SDL_WINDOWEVENT) {
            if (e.window.event == SDL_WINDOWEVENT_CLOSE) return VIEWER_KEY_QUIT;
            if (e.window.event == SDL_WINDOWEVENT_EXPOSED) present(v);
            continue;
        }
        if (e.type != SDL_KEYDOWN) continue;
        SDL_Keycode k = e.key.keysym.sym;
        bool arrow = k == SDLK_LEFT || k == SDLK_RIGHT || k == SDLK_UP || k == SDLK_DOWN;
        if (e.key.repeat && !arrow) continue; /* a held arrow repeats; other keys act once */
        switch (k) {
        case SDLK_q:
        case SDLK_ESCAPE: return VIEWER_KEY_QUIT;
        case SDLK_SPACE: return VIEWER_KEY_SPACE;
        case SDLK_LEFT: return VIEWER_KEY_LEFT;
        case SDLK_RIGHT: return VIEWER_KEY_RIGHT;
        case SDLK_UP: return VIEWER_KEY_UP;
        case SDLK_DOWN: return VIEWER_KEY_DOWN;
        case SDLK_PLUS:
        case SDLK_EQUALS:
        case SDLK_KP_PLUS: return VIEWER_KEY_FASTER;
        case SDLK_MINUS:
        case SDLK_KP_MINUS: return VIEWER_KEY_SLOWER;
        case SDLK_r: return VIEWER_KEY_RESTART;
        case SDLK_s: return VIEWER_KEY_SCREENSHOT;
        case SDLK_TAB:
        case SDLK_PAGEUP: return VIEWER_KEY_PICKUP;
        case SDLK_LSHIFT:
        case SDLK_PAGEDOWN: return VIEWER_KEY_DROP;
        case SDLK_RETURN:
        case SDLK_KP_ENTER: return VIEWER_KEY_DONE;
        default: break;
        }
    }
    return VIEWER_KEY_NONE;
}

bool viewer_held(const Viewer *v, ViewerKey key) {
    if (!v->window) return false;
    const Uint8 *keys = SDL_GetKeyboardState(NULL);
    if (key == VIEWER_KEY_LEFT) return keys[SDL_SCANCODE_LEFT] != 0;
    if (key == VIEWER_KEY_RIGHT) return keys[SDL_SCANCODE_RIGHT] != 0;
    return false;
}

void viewer_push_quit(Viewer *v) {
    if (!v->window) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_QUIT;
    SDL_PushEvent(&e);
}

int viewer_save_png(const Viewer *v, const char *path, Err *err) {
    if (!v->drawn) return err_set(err, "%s: nothing drawn yet to save", path);
    if (IMG_SavePNG(v->canvas, path) != 0) return err_set(err, "%s: cannot save the PNG: %s", path, IMG_GetError());
    return 0;
}

int viewer_record_frame(Viewer *v, int delay_cs, Err *err) {
    if (!v->drawn) return err_set(err, "nothing drawn yet to record");
    if (!v->gif && gif_recording_open(&v->gif, v->width, v->height, err)) return -1;
    return gif_recording_frame(v->gif, v->canvas, delay_cs, err);
}

int viewer_record_save(Viewer *v, const char *path, int hold_cs, Err *err) {
    if (!v->gif) return err_set(err, "%s: no frame recorded", path);
    int rc = gif_recording_save(v->gif, path, hold_cs, err);
    gif_recording_free(v->gif);
    v->gif = NULL;
    return rc;
}

void viewer_layout(const Viewer *v, int *width, int *height, int *env_x, int *env_y, int *env_w,
                   int *env_h) {
    *width = v->width;
    *height = v->height;
    *env_x = v->env_x;
    *env_y = v->env_y;
    *env_w = v->env_w;
    *env_h = v->env_h;
}

int viewer_pixel(const Viewer *v, int x, int y, uint8_t rgb[3]) {
    if (!v->drawn || x < 0 || y < 0 || x >= v->width || y >= v->height) return -1;
    Rgb c = draw_get(v->canvas, x, y);
    rgb[0] = c.r;
    rgb[1] = c.g;
    rgb[2] = c.b;
    return 0;
}

const char *viewer_driver(const Viewer *v) { return v->driver; }
