/* viewer.h: showing envs and policies: an SDL2 window (or an off-screen picture) that draws an
 * env as its reference renderer does, with a text panel under it; watching a policy play,
 * playing by keyboard, and watching live while training runs.
 *
 * The viewer reads an env's state only through env_view(). Its files (viewer/) are the only
 * ones of ppo that include SDL2; this header names no SDL type. Everything SDL needs is created on
 * first use (the window and the font at the first frame) and belongs to one Viewer; there is no
 * global state of ours. SDL's video must be used from the main thread: every function here
 * runs on it, except live_viewer_publish (any thread).
 *
 * Keys in a window: space pauses and resumes, right arrow steps once while paused, + and -
 * double and halve the speed, r restarts the episode, s saves a screenshot PNG, q or Esc (or
 * closing the window) quits. `play` maps the arrows (and MiniGrid's keys) to actions instead. */
#ifndef PPO_VIEWER_H
#define PPO_VIEWER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "algo/normalize.h"
#include "core/err.h"
#include "envs/env.h"
#include "policies/policy.h"
#include "run/config.h"
#include "run/trainer.h"

/* ---- the window --------------------------------------------------------------------------- */

typedef struct Viewer Viewer;

typedef struct ViewerConfig {
    bool window;        /* an SDL window; false: an off-screen picture only (no display needed) */
    const char *title;  /* the window's title */
    int text_lines;     /* lines of text in the panel under the env picture */
} ViewerConfig;

/* What a key press means; the session decides what it does. */
typedef enum ViewerKey {
    VIEWER_KEY_NONE,
    VIEWER_KEY_QUIT,      /* the window was closed, q or Esc */
    VIEWER_KEY_SPACE,
    VIEWER_KEY_LEFT,
    VIEWER_KEY_RIGHT,
    VIEWER_KEY_UP,
    VIEWER_KEY_DOWN,
    VIEWER_KEY_FASTER,    /* + (or =, keypad +) */
    VIEWER_KEY_SLOWER,    /* - (keypad -) */
    VIEWER_KEY_RESTART,   /* r */
    VIEWER_KEY_SCREENSHOT,/* s */
    VIEWER_KEY_PICKUP,    /* tab or page up (MiniGrid's manual_control) */
    VIEWER_KEY_DROP,      /* left shift or page down */
    VIEWER_KEY_DONE,      /* enter */
} ViewerKey;

/* Makes a viewer for env (whose kind and size fix the picture: CartPole 600 x 400, a gridworld
 * level 32 px per cell, a popgym game as the text of popgym_describe (640 px wide, 18 lines), a
 * popgym CartPole variant as CartPole with that text over it). Nothing of SDL is opened yet. Errors: an env the viewer cannot draw
 * (the message lists those it can), out of memory. */
int viewer_create(Viewer **out, const Env *env, const ViewerConfig *cfg, Err *err);

/* Closes the window (if any) and frees everything (NULL is allowed). */
void viewer_destroy(Viewer *v);

/* Closes the window now, keeping the rest (a window closed during training disappears at once). */
void viewer_close_window(Viewer *v);

/* Draws one frame: env as it is now, and lines [n_lines] of text in the panel (at most the
 * configured number). The first call opens the window and the font. Errors: ERR_SETUP
 * when there is no display (err says why), ERR_FAILED for anything else (font missing, SDL
 * failing). */
int viewer_render(Viewer *v, const Env *env, const char *const *lines, int n_lines, Err *err);

/* The next key press (or window close) waiting in the window's queue, VIEWER_KEY_NONE when there
 * is none (always NONE without a window). */
ViewerKey viewer_poll(Viewer *v);

/* Whether the key is held down now (LEFT and RIGHT only; false without a window). */
bool viewer_held(const Viewer *v, ViewerKey key);

/* Puts a quit event into the window's queue, as closing the window does. */
void viewer_push_quit(Viewer *v);

/* Saves the last frame as a PNG (SDL2_image). Errors: no frame yet, the file cannot be written. */
int viewer_save_png(const Viewer *v, const char *path, Err *err);

/* An animated GIF of frames (giflib; viewer/record.h says how it is stored): viewer_record_frame
 * adds the last frame drawn, shown delay_cs hundredths of a second (at least 2); the first call
 * starts the recording. viewer_record_save ends it, the last frame shown hold_cs longer, and
 * writes it to path atomically. Errors: no frame yet, out of memory, the file cannot be
 * written (naming it). */
int viewer_record_frame(Viewer *v, int delay_cs, Err *err);
int viewer_record_save(Viewer *v, const char *path, int hold_cs, Err *err);

/* Size of the frame in pixels, and where the env picture starts in it (its top-left corner)
 * and its size. */
void viewer_layout(const Viewer *v, int *width, int *height, int *env_x, int *env_y, int *env_w,
                   int *env_h);

/* The color of pixel (x, y) of the last frame into rgb [3]; -1 when there is no frame or the
 * pixel lies outside it. */
int viewer_pixel(const Viewer *v, int x, int y, uint8_t rgb[3]);

/* "off-screen" without a window; else the SDL video driver in use ("x11", "wayland",
 * "offscreen"), once the window is open. */
const char *viewer_driver(const Viewer *v);

/* Steps per second at which the env is shown at speed 1: CartPole and popgym's CartPole variants
 * 50 (Gymnasium's render_fps), gridworld 5, popgym's card and board games 4. */
double viewer_env_pace(const Env *env);

/* ---- watching a policy, or playing by keyboard ---------------------------------------------- */

typedef struct WatchOptions {
    int episodes;            /* stop after this many episodes; 0 = until the window closes */
    uint64_t seed;           /* the env is seeded (seed, 0) and actions sampled from (seed, 2^40),
                                as evaluate's env 0: the same episodes as `eval --num-envs 1` */
    bool deterministic;      /* argmax actions (as eval's default); false: sample */
    double speed;            /* 1 = the env's own pace (viewer_env_pace) */
    long frames;             /* stop after this many frames (a quit event, as closing the
                                window); 0 = no limit */
    const char *screenshot;  /* NULL: a window; else draw off-screen, one frame per step without
                                waiting, and save the last frame here */
    const char *record;      /* NULL, or a GIF file: draw off-screen, one frame per step, and
                                write them there, each shown for a step at the env's pace
                                times the speed, the last for a second more */
    const char *shot_dir;    /* folder of the s key's screenshots (NULL: the current one) */
    const RunningStats *obs_norm; /* frozen observation statistics the policy was trained with
                                     (the checkpoint's, algo/normalize.h); NULL: raw */
    double clip_obs;         /* with obs_norm: the clip of normalized observations */
    volatile sig_atomic_t *stop; /* set asynchronously to stop (SIGINT); may be NULL */
    /* Told of each finished episode (1-based) and of notes for the user (a screenshot saved);
     * may be NULL. */
    void (*on_episode)(void *ctx, int episode, float ret, int length, bool terminated);
    void (*on_note)(void *ctx, const char *note);
    void *ctx;
} WatchOptions;

typedef struct WatchResult {
    int episodes;      /* finished */
    long frames;       /* drawn */
    long steps;        /* env steps taken */
    char driver[32];   /* viewer_driver */
} WatchResult;

/* Plays episodes of env_cfg with the policy exactly as evaluate() does (the recurrent state
 * carried through each episode and wiped at its first step, the previous action fed back), drawn
 * in a window at the env's pace times o->speed, or off-screen with o->screenshot or o->record
 * (which needs no display, and may run on any one thread at a time, also while a live viewer
 * runs on the main thread: it opens and closes its own font there). Ends when
 * the episodes or frames are done, on quit, or when *o->stop is set. Errors: ERR_SETUP
 * (no display), ERR_FAILED otherwise (env, font, PNG). */
int viewer_watch(const Policy *policy, const EnvConfig *env_cfg, const WatchOptions *o,
                 WatchResult *res, Err *err);

/* A person plays env_cfg from the keyboard: CartPole in real time (left and right arrows push
 * the cart; with neither held the pushes alternate; it waits for the first arrow), a gridworld
 * turn by turn with MiniGrid's manual_control keys (arrows turn and move, space toggles, tab or
 * page up picks up, shift or page down drops, enter is done). o->deterministic and o->seed's
 * sampler are unused. Errors as viewer_watch. */
int viewer_play(const EnvConfig *env_cfg, const WatchOptions *o, WatchResult *res, Err *err);

/* ---- live during training ----------------------------------------------------------------- */

/* A window that plays episodes continuously with the latest parameters published by the
 * trainer. The training runs on another thread and only ever waits for a copy of the
 * parameters, skipped when the viewer is busy; closing the window never stops it. */
typedef struct LiveViewer LiveViewer;

/* Opens the window for cfg's env and policy on the calling (main) thread. Errors:
 * ERR_SETUP (no display), ERR_FAILED otherwise. */
int live_viewer_open(LiveViewer **out, const TrainConfig *cfg, double speed, Err *err);

/* A TrainUpdateFn (ctx is the LiveViewer): copies the parameters and figures, unless the
 * viewer holds its lock at that moment (then the next update's are taken) or is closed. */
void live_viewer_publish(void *ctx, const Policy *policy, const TrainProgress *progress);

/* Tells the viewer that training has ended (from the training thread). */
void live_viewer_finish(LiveViewer *lv);

/* Plays and draws on the main thread until training ends, the window is closed (it closes at
 * once; training goes on) or *stop is set. Errors: -1 (a frame could not be drawn; the window
 * is closed and training goes on). */
int live_viewer_run(LiveViewer *lv, volatile sig_atomic_t *stop, Err *err);

/* Frees the viewer; only once no live_viewer_publish can run any more (the training thread
 * has been joined). NULL is allowed. */
void live_viewer_free(LiveViewer *lv);

#endif
