/* session.c: episodes shown in a viewer: a policy watched (`ppo watch`), a person playing
 * (`ppo play`), and the live window of `ppo train --watch` (see viewer.h).
 *
 * A policy plays exactly as in evaluate.c: policy_step on the current observation (state wiped
 * where the episode starts, the previous action fed back), the action by argmax or sampled with
 * categorical_sample from the env's sampler, env_step. The decision for the state on screen is taken
 * as soon as that state appears, so the panel shows the probabilities and value the next action
 * is drawn from. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algo/rollout.h"
#include "core/clock.h"
#include "envs/classic.h"
#include "envs/popgym/popgym.h"
#include "policies/categorical.h"
#include "policies/gaussian.h"
#include "viewer/viewer.h"

#define TEXT_LINES 4
#define LINE_LEN 192
#define MIN_SPEED (1.0 / 16)
#define MAX_SPEED 64.0
#define MAX_STEPS_PER_FRAME 16 /* at high speed several steps are drawn as one frame */
#define FRAME_WAIT 0.016       /* s: longest sleep between two looks at the keyboard */
#define NOTE_SECONDS 3.0       /* how long a note stays in the panel */
#define LIVE_REDRAW 0.1        /* s: the training's figures alone redraw at most this often */
#define RECORD_HOLD_CS 100     /* a recording's last frame stays a second longer (GIF's 1/100 s) */

static const char *const CARTPOLE_ACTIONS[] = {"left", "right"};
/* Acrobot's torques and MountainCar's pushes */
static const char *const TORQUE_ACTIONS[] = {"-1", "0", "+1"};
static const char *const PUSH_ACTIONS[] = {"left", "none", "right"};
/* MiniGrid's Actions, shortened to fit a line */
static const char *const GRID_ACTIONS[] = {"left", "right", "fwd", "pickup", "drop", "toggle", "done"};

typedef struct LiveViewer LiveViewer;

typedef struct Session {
    const WatchOptions *o;
    Env *env;
    Viewer *viewer;
    const Policy *policy;  /* NULL when a person plays */
    PolicyWork *work;
    real *obs;             /* [O] the current observation */
    real *seen;            /* [O] what the policy sees: obs normalized with o->obs_norm */
    real *state;           /* [S] the policy's recurrent state */
    real *logits;          /* [A] the decision for the current observation (a Gaussian
                              policy's means) */
    float box[ENV_MAX_ACTION_DIM]; /* a continuous env: the action to apply, as chosen */
    real value;
    uint8_t start;         /* 1 on an episode's first step */
    int32_t prev;          /* the previous action in this episode */
    Rng rng;               /* action sampler */
    bool grid;             /* a gridworld (turn by turn when played) */
    bool popgym;           /* a popgym env: its actions are named by popgym_action_name */
    bool cartpole;         /* cartpole or cartpole-stateless */
    double pace, speed;    /* env steps per second at speed 1; the speed factor */
    bool paused, finished, quit;
    int episodes;          /* finished */
    int step;              /* in this episode */
    float ret;             /* return so far in this episode */
    float last_reward, last_return;
    int last_action;       /* -1 before the first */
    int alternate;         /* CartPole play with no arrow held: pushes alternate */
    long frames, steps;
    char note[LINE_LEN];
    double note_until;
    LiveViewer *live;      /* the training's figures, when live */
} Session;

static void sleep_seconds(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

static bool stop_asked(const Session *s) { return s->o->stop && *s->o->stop; }

static void set_note(Session *s, const char *note) {
    snprintf(s->note, sizeof s->note, "%s", note);
    s->note_until = clock_seconds() + NOTE_SECONDS;
    if (s->o->on_note) s->o->on_note(s->o->ctx, note);
}

/* ---- live parameters (defined with the live viewer below) ---- */
static bool live_refresh(LiveViewer *lv, bool params);
static void live_line(LiveViewer *lv, char *line, size_t cap);
static bool live_finished(LiveViewer *lv);

/* The policy's decision for the current observation: logits and value, state advanced. */
static void decide(Session *s) {
    if (!s->policy) return;
    if (s->live) live_refresh(s->live, true);
    const real *in = s->obs;
    if (s->o->obs_norm) {
        running_stats_normalize(s->o->obs_norm, s->o->clip_obs, s->obs, s->seen);
        in = s->seen;
    }
    policy_step(s->policy, s->work, 1, s->state, in, &s->start, &s->prev, s->logits, &s->value);
}

static void new_episode(Session *s) {
    env_reset(s->env, s->obs);
    s->start = 1;
    s->prev = 0;
    s->step = 0;
    s->ret = 0;
    s->last_action = -1;
    s->last_reward = 0;
    decide(s);
}

/* The policy's action: a discrete one returned, or for a Gaussian policy the mean or a sample
 * written into s->box (0 returned). */
static int policy_action(Session *s) {
    real lp;
    const int A = s->policy->n_actions;
    if (s->policy->gaussian) {
        if (s->o->deterministic) memcpy(s->box, s->logits, sizeof(float) * (size_t)A);
        else gaussian_sample(A, s->logits, policy_log_std(s->policy), &s->rng, s->box, &lp);
        return 0;
    }
    if (s->o->deterministic) return categorical_argmax(A, s->logits);
    return categorical_sample(A, s->logits, &s->rng, &lp);
}

/* One env step with action a; a finished episode is reported and the next one begun (unless
 * it was the last one asked for). */
static void take_step(Session *s, int a) {
    float r;
    bool term, trunc;
    if (s->env->action_dim > 0) { /* clipped to the box when applied */
        env_clip_action(s->env, s->box, s->box);
        env_step_box(s->env, s->box, s->obs, &r, &term, &trunc);
    } else {
        env_step(s->env, a, s->obs, &r, &term, &trunc);
    }
    s->ret += r;
    s->step++;
    s->steps++;
    s->prev = a;
    s->start = 0;
    s->last_action = a;
    s->last_reward = r;
    if (term || trunc) {
        s->episodes++;
        s->last_return = s->ret;
        if (s->o->on_episode) s->o->on_episode(s->o->ctx, s->episodes, s->ret, s->step, term);
        if (s->o->episodes > 0 && s->episodes >= s->o->episodes) {
            s->finished = true;
            return;
        }
        new_episode(s);
        return;
    }
    decide(s);
}

/* ---- the panel ---- */

/* The short name of action a, into buf [cap]. */
static void action_label(const Session *s, int a, char *buf, size_t cap) {
    if (s->popgym) {
        popgym_action_name(env_view(s->env), a, buf, cap);
        return;
    }
    if (s->env->cls->action_names) { /* an env that names its own actions */
        snprintf(buf, cap, "%s", a >= 0 && a < s->env->n_actions ? s->env->cls->action_names[a] : "?");
        return;
    }
    if (!s->grid && !s->cartpole) { /* an env that does not: the action's number */
        snprintf(buf, cap, "%d", a);
        return;
    }
    const char *const *names = s->grid ? GRID_ACTIONS : CARTPOLE_ACTIONS;
    int n = s->grid ? 7 : 2;
    if (strcmp(s->env->name, "acrobot") == 0) names = TORQUE_ACTIONS, n = 3;
    if (strcmp(s->env->name, "mountaincar") == 0) names = PUSH_ACTIONS, n = 3;
    snprintf(buf, cap, "%s", a >= 0 && a < n ? names[a] : "?");
}

/* The probability line for more actions than fit: the five likeliest, best first. */
static void top_actions(const Session *s, const double *logp, char *line) {
    const int A = s->env->n_actions;
    int top[5], k = 0;
    for (int a = 0; a < A; a++) {
        if (k == 5 && logp[a] <= logp[top[4]]) continue;
        int i = k < 5 ? k++ : 4;
        top[i] = a;
        for (; i > 0 && logp[top[i]] > logp[top[i - 1]]; i--) {
            int t = top[i];
            top[i] = top[i - 1];
            top[i - 1] = t;
        }
    }
    int used = snprintf(line, LINE_LEN, "likeliest of %d:", A);
    for (int i = 0; i < k && used < LINE_LEN; i++) {
        char name[32], p[16];
        action_label(s, top[i], name, sizeof name);
        snprintf(p, sizeof p, "%.2f", exp(logp[top[i]]));
        used += snprintf(line + used, LINE_LEN - (size_t)used, " %s %s ", name, p[0] == '0' ? p + 1 : p);
    }
    if (used < LINE_LEN) snprintf(line + used, LINE_LEN - (size_t)used, " value %.2f", s->value);
}

static void compose(Session *s, char lines[TEXT_LINES][LINE_LEN]) {
    const int A = s->env->n_actions;
    int episode = s->finished ? s->episodes : s->episodes + 1;
    snprintf(lines[0], LINE_LEN, "%s  episode %d  step %d  return %.2f%s", s->env->name, episode,
             s->step, s->ret, s->finished ? "  (done)" : s->paused ? "  [paused]" : "");
    if (s->policy && s->policy->gaussian) {
        const ClassicView *cv = s->popgym ? &((const PopgymView *)env_view(s->env))->pend : env_view(s->env);
        snprintf(lines[1], LINE_LEN, "next: mean action %.3f  std %.3f  value %.2f;  last applied %.3f",
                 (double)s->logits[0], exp((double)policy_log_std(s->policy)[0]), s->value, cv->last_action);
    } else if (s->policy && A > 7) {
        double logp[A];
        categorical_log_softmax(A, s->logits, logp);
        top_actions(s, logp, lines[1]);
    } else if (s->policy) {
        double logp[A];
        categorical_log_softmax(A, s->logits, logp);
        int used = 0;
        for (int a = 0; a < A && used < LINE_LEN; a++) {
            char p[16], name[32];
            snprintf(p, sizeof p, "%.2f", exp(logp[a]));
            action_label(s, a, name, sizeof name);
            /* seven actions fit one line as ".05" */
            used += snprintf(lines[1] + used, LINE_LEN - (size_t)used, A > 2 ? "%s %s " : "%s %s  ", name,
                             A > 2 && p[0] == '0' ? p + 1 : p);
        }
        if (used < LINE_LEN) snprintf(lines[1] + used, LINE_LEN - (size_t)used, "value %.2f", s->value);
    } else {
        char last[32] = "-", name[32] = "-";
        if (s->episodes > 0) snprintf(last, sizeof last, "%.2f", s->last_return);
        if (s->last_action >= 0) action_label(s, s->last_action, name, sizeof name);
        snprintf(lines[1], LINE_LEN, "action %s  reward %.2f  last episode's return %s", name, s->last_reward, last);
    }
    if (s->live)
        live_line(s->live, lines[2], LINE_LEN);
    else if (s->policy)
        snprintf(lines[2], LINE_LEN, "%s policy  seed %llu  speed %gx",
                 s->o->deterministic ? (s->policy->gaussian ? "deterministic (mean action)" : "deterministic (argmax)")
                                     : "stochastic (sampled)",
                 (unsigned long long)s->o->seed, s->speed);
    else
        snprintf(lines[2], LINE_LEN, "you play  speed %gx", s->speed);
    if (s->note[0] && clock_seconds() < s->note_until)
        snprintf(lines[3], LINE_LEN, "%s", s->note);
    else if (s->o->record) /* no keys in a recording */
        lines[3][0] = '\0';
    else if (!s->policy && s->grid)
        snprintf(lines[3], LINE_LEN, "arrows turn/move  space toggle  tab pick up  shift drop  enter done  r  s  q");
    else if (!s->policy)
        snprintf(lines[3], LINE_LEN, "left/right push  space pause  +/- speed  r restart  s screenshot  q quit");
    else
        snprintf(lines[3], LINE_LEN, "space pause  right step  +/- speed  r restart  s screenshot  q quit");
}

static int render(Session *s, Err *err) {
    char lines[TEXT_LINES][LINE_LEN];
    compose(s, lines);
    const char *ptrs[TEXT_LINES];
    for (int i = 0; i < TEXT_LINES; i++) ptrs[i] = lines[i];
    int rc = viewer_render(s->viewer, s->env, ptrs, TEXT_LINES, err);
    if (rc == 0) s->frames++;
    return rc;
}

static void screenshot(Session *s) {
    char path[PATH_LEN], name[ENV_NAME_LEN];
    snprintf(name, sizeof name, "%s", s->env->name);
    for (char *c = name; *c; c++)
        if (*c == '/') *c = '-';
    snprintf(path, sizeof path, "%s/ppo-%s-ep%d-step%d.png", s->o->shot_dir ? s->o->shot_dir : ".",
             name, s->episodes + 1, s->step);
    Err err;
    char note[LINE_LEN + 64];
    if (viewer_save_png(s->viewer, path, &err))
        snprintf(note, sizeof note, "screenshot failed: %s", err.msg);
    else
        snprintf(note, sizeof note, "screenshot saved: %s", path);
    set_note(s, note);
}

/* ---- setup ---- */

static void session_free(Session *s) {
    viewer_destroy(s->viewer);
    env_destroy(s->env);
    policy_work_destroy(s->work);
    free(s->obs);
    free(s->seen);
    free(s->state);
    free(s->logits);
    memset(s, 0, sizeof *s);
}

static int session_init(Session *s, const EnvConfig *env_cfg, const Policy *policy,
                        const WatchOptions *o, const char *title, Err *err) {
    memset(s, 0, sizeof *s);
    s->o = o;
    s->policy = policy;
    if (env_create(&s->env, env_cfg, err)) return -1;
    if (policy && (s->env->obs_dim != policy->obs_dim || env_action_outputs(s->env) != policy->n_actions ||
                   (s->env->action_dim > 0) != policy->gaussian)) {
        err_set(err, "env %s (obs %d, %d actions) does not fit the policy (obs %d, %d actions)",
                env_cfg->name, s->env->obs_dim, env_action_outputs(s->env), policy->obs_dim, policy->n_actions);
        session_free(s);
        return -1;
    }
    env_seed(s->env, o->seed, 0);
    rng_seed(&s->rng, o->seed, ROLLOUT_SAMPLER_STREAM);
    s->grid = strncmp(s->env->name, "gridworld/", 10) == 0;
    s->popgym = strncmp(s->env->name, "popgym/", 7) == 0;
    s->cartpole = strncmp(s->env->name, "cartpole", 8) == 0;
    s->pace = viewer_env_pace(s->env);
    s->speed = o->speed > 0 ? o->speed : 1;
    s->obs = calloc((size_t)s->env->obs_dim, sizeof(real));
    s->seen = calloc((size_t)s->env->obs_dim, sizeof(real));
    s->logits = calloc((size_t)env_action_outputs(s->env), sizeof(real));
    s->state = calloc((policy ? policy->state_size : 0) + 1, sizeof(real));
    if (policy) s->work = policy_work_create(policy, 1, 1);
    if (!s->obs || !s->seen || !s->logits || !s->state || (policy && !s->work)) {
        session_free(s);
        return err_set(err, "out of memory for the viewer");
    }
    ViewerConfig vc = {o->screenshot == NULL && o->record == NULL, title, TEXT_LINES};
    if (viewer_create(&s->viewer, s->env, &vc, err)) {
        session_free(s);
        return -1;
    }
    return 0;
}

/* ---- the loop ---- */

/* The action a person's keys ask for in real-time CartPole play. */
static int held_action(Session *s) {
    bool l = viewer_held(s->viewer, VIEWER_KEY_LEFT), r = viewer_held(s->viewer, VIEWER_KEY_RIGHT);
    if (l != r) return r ? 1 : 0;
    s->alternate ^= 1;
    return s->alternate;
}

/* Applies one key; returns true when the frame must be drawn again. */
static bool on_key(Session *s, ViewerKey k) {
    if (k == VIEWER_KEY_QUIT) {
        s->quit = true;
        return false;
    }
    if (k == VIEWER_KEY_SCREENSHOT) {
        screenshot(s);
        return true;
    }
    if (k == VIEWER_KEY_RESTART) {
        if (!s->finished) new_episode(s);
        return true;
    }
    if (k == VIEWER_KEY_FASTER || k == VIEWER_KEY_SLOWER) {
        s->speed = k == VIEWER_KEY_FASTER ? fmin(s->speed * 2, MAX_SPEED) : fmax(s->speed / 2, MIN_SPEED);
        return true;
    }
    if (s->finished) return false;
    if (!s->policy && s->grid) { /* MiniGrid's manual_control: one key, one step */
        static const struct { ViewerKey key; int action; } MAP[] = {
            {VIEWER_KEY_LEFT, 0},   {VIEWER_KEY_RIGHT, 1}, {VIEWER_KEY_UP, 2},   {VIEWER_KEY_PICKUP, 3},
            {VIEWER_KEY_DROP, 4},   {VIEWER_KEY_SPACE, 5}, {VIEWER_KEY_DONE, 6},
        };
        for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
            if (MAP[i].key == k) {
                take_step(s, MAP[i].action);
                return true;
            }
        return false;
    }
    if (k == VIEWER_KEY_SPACE) {
        s->paused = !s->paused;
        return true;
    }
    if (!s->policy && (k == VIEWER_KEY_LEFT || k == VIEWER_KEY_RIGHT) && s->paused && s->steps == 0) {
        s->paused = false; /* CartPole play starts with the first push */
        return true;
    }
    if (s->policy && k == VIEWER_KEY_RIGHT && s->paused) {
        take_step(s, policy_action(s));
        return true;
    }
    return false;
}

/* Off-screen: one frame per step, no waiting; the last frame saved to o->screenshot. */
static int run_offscreen(Session *s, Err *err) {
    for (;;) {
        int rc = render(s, err);
        if (rc) return rc;
        if ((s->o->frames > 0 && s->frames >= s->o->frames) || s->finished || stop_asked(s)) break;
        if (!s->policy) break; /* nobody presses keys off-screen: the first frame only */
        take_step(s, policy_action(s));
    }
    return viewer_save_png(s->viewer, s->o->screenshot, err);
}

/* A recording: off-screen, one frame per step, each shown for a step at the env's pace times
 * the speed, into the GIF o->record; a stop asked saves what was recorded. */
static int run_record(Session *s, Err *err) {
    const int delay = (int)lround(100.0 / (s->pace * s->speed)); /* GIF's unit: 1/100 s */
    for (;;) {
        if (render(s, err) || viewer_record_frame(s->viewer, delay, err)) return -1;
        if ((s->o->frames > 0 && s->frames >= s->o->frames) || s->finished || stop_asked(s)) break;
        if (!s->policy) break; /* nobody presses keys in a recording: the first frame only */
        take_step(s, policy_action(s));
    }
    return viewer_record_save(s->viewer, s->o->record, RECORD_HOLD_CS, err);
}

/* In a window, at the env's pace times the speed, until quit, the episodes or frames are done,
 * training has finished (live) or a stop is asked. */
static int run_window(Session *s, Err *err) {
    bool turn_based = !s->policy && s->grid;
    if (!s->policy && !s->grid) {
        s->paused = true;
        set_note(s, "press left or right to start pushing the cart");
    }
    bool dirty = true, quit_pushed = false;
    double last_render = 0;
    double next = clock_seconds() + 1.0 / (s->pace * s->speed);
    while (!s->quit && !stop_asked(s) && !(s->live && live_finished(s->live))) {
        ViewerKey k;
        while ((k = viewer_poll(s->viewer)) != VIEWER_KEY_NONE) dirty |= on_key(s, k);
        if (s->quit) break;
        double now = clock_seconds();
        if (s->paused || turn_based || s->finished) {
            next = now + 1.0 / (s->pace * s->speed);
        } else {
            for (int n = 0; now >= next && n < MAX_STEPS_PER_FRAME && !s->finished; n++) {
                take_step(s, s->policy ? policy_action(s) : held_action(s));
                next += 1.0 / (s->pace * s->speed);
                dirty = true;
            }
            if (now - next > 0.25) next = now; /* fell behind: go on from now, do not race */
        }
        /* the training's figures move on: shown at most every LIVE_REDRAW s */
        if (s->live && live_refresh(s->live, false) && now - last_render >= LIVE_REDRAW) dirty = true;
        if (s->note[0] && now >= s->note_until) {
            s->note[0] = '\0';
            dirty = true;
        }
        if (dirty && !quit_pushed) {
            int rc = render(s, err);
            if (rc) return rc;
            dirty = false;
            last_render = now;
            if (s->o->frames > 0 && s->frames >= s->o->frames) {
                viewer_push_quit(s->viewer); /* ends as closing the window does */
                quit_pushed = true;
            }
        }
        if (s->finished) break;
        double wait = s->paused || turn_based ? FRAME_WAIT : fmin(next - clock_seconds(), FRAME_WAIT);
        sleep_seconds(wait);
    }
    return 0;
}

static void fill_result(const Session *s, WatchResult *res) {
    if (!res) return;
    res->episodes = s->episodes;
    res->frames = s->frames;
    res->steps = s->steps;
    snprintf(res->driver, sizeof res->driver, "%s", viewer_driver(s->viewer));
}

static int run_session(const EnvConfig *env_cfg, const Policy *policy, const WatchOptions *o,
                       const char *title, WatchResult *res, Err *err) {
    if (res) memset(res, 0, sizeof *res);
    Session s;
    if (session_init(&s, env_cfg, policy, o, title, err)) return -1;
    new_episode(&s);
    int rc = o->record ? run_record(&s, err) : o->screenshot ? run_offscreen(&s, err) : run_window(&s, err);
    fill_result(&s, res);
    session_free(&s);
    return rc;
}

int viewer_watch(const Policy *policy, const EnvConfig *env_cfg, const WatchOptions *o,
                 WatchResult *res, Err *err) {
    char title[ENV_NAME_LEN + 32];
    snprintf(title, sizeof title, "ppo watch: %s", env_cfg->name);
    return run_session(env_cfg, policy, o, title, res, err);
}

int viewer_play(const EnvConfig *env_cfg, const WatchOptions *o, WatchResult *res, Err *err) {
    if (strcmp(env_cfg->name, "cartpole") != 0 && strcmp(env_cfg->name, "cartpole-stateless") != 0 &&
        strncmp(env_cfg->name, "gridworld/", 10) != 0 && strncmp(env_cfg->name, "popgym/", 7) != 0)
        return err_input(err, "%s is not played from the keyboard (cartpole, gridworld and the popgym CartPole "
                         "variants are); watch a policy play it with 'ppo watch CHECKPOINT'", env_cfg->name);
    if (strncmp(env_cfg->name, "popgym/", 7) == 0 && !strstr(env_cfg->name, "cartpole"))
        return err_input(err, "%s is not played from the keyboard (of the popgym envs, only the CartPole variants "
                         "are); watch a policy play it with 'ppo watch CHECKPOINT'", env_cfg->name);
    if (strncmp(env_cfg->name, "popgym/", 7) != 0 && strncmp(env_cfg->name, "cartpole", 8) != 0 &&
        strncmp(env_cfg->name, "gridworld/", 10) != 0)
        return err_input(err, "%s is not played from the keyboard (only cartpole, gridworld and popgym's CartPole "
                         "variants are); watch a policy play it with 'ppo watch CHECKPOINT'", env_cfg->name);
    char title[ENV_NAME_LEN + 32];
    snprintf(title, sizeof title, "ppo play: %s", env_cfg->name);
    return run_session(env_cfg, NULL, o, title, res, err);
}

/* ---- live during training ------------------------------------------------------------------- */

struct LiveViewer {
    Session s;
    WatchOptions o;
    Policy *policy;          /* the viewer's own copy; written on the main thread only */
    pthread_mutex_t mu;      /* guards what follows */
    real *staged;            /* [P] the latest published parameters */
    TrainProgress progress;  /* and figures */
    long version;            /* bumped by each publish */
    bool closed;             /* the window is gone: publish copies nothing */
    bool finished;           /* training has ended */
    long seen;               /* the version the viewer's policy holds (main thread) */
    TrainProgress shown;     /* the figures in the panel (main thread) */
};

/* Takes the latest figures (and parameters, with params) into the viewer; returns whether the
 * figures are of another update than those shown before. */
static bool live_refresh(LiveViewer *lv, bool params) {
    pthread_mutex_lock(&lv->mu);
    bool moved = lv->shown.update != lv->progress.update;
    lv->shown = lv->progress;
    if (params && lv->version != lv->seen) {
        memcpy(lv->policy->params, lv->staged, sizeof(real) * lv->policy->n_params);
        lv->seen = lv->version;
    }
    pthread_mutex_unlock(&lv->mu);
    return moved;
}

static bool live_finished(LiveViewer *lv) {
    pthread_mutex_lock(&lv->mu);
    bool f = lv->finished;
    pthread_mutex_unlock(&lv->mu);
    return f;
}

static void live_line(LiveViewer *lv, char *line, size_t cap) {
    const TrainProgress *p = &lv->shown;
    char ret[32] = "-";
    if (isfinite(p->mean_return)) snprintf(ret, sizeof ret, "%.1f", p->mean_return);
    snprintf(line, cap, "training  step %ld/%ld  %.0f SPS  mean return %s  update %ld/%ld", p->global_step,
             p->total_steps, p->sps, ret, p->update, p->num_updates);
}

int live_viewer_open(LiveViewer **out, const TrainConfig *cfg, double speed, Err *err) {
    *out = NULL;
    LiveViewer *lv = calloc(1, sizeof *lv);
    if (!lv) return err_set(err, "out of memory for the viewer");
    if (pthread_mutex_init(&lv->mu, NULL) != 0) {
        free(lv);
        return err_set(err, "cannot make the viewer's lock");
    }
    lv->o.deterministic = true;
    lv->o.seed = (uint64_t)cfg->run.seed;
    lv->o.speed = speed;
    lv->shown.mean_return = lv->progress.mean_return = NAN;
    lv->seen = lv->version = 0;
    if (policy_for_config(&lv->policy, cfg, err)) goto fail;
    lv->staged = calloc(lv->policy->n_params, sizeof(real));
    if (!lv->staged) {
        err_set(err, "out of memory for the viewer");
        goto fail;
    }
    char title[ENV_NAME_LEN + 32];
    snprintf(title, sizeof title, "ppo train: %s", cfg->env.name);
    if (session_init(&lv->s, &cfg->env, lv->policy, &lv->o, title, err)) goto fail;
    lv->s.live = lv;
    /* the window opens now, on this thread: the first frame (parameters still zero) */
    new_episode(&lv->s);
    int rc = render(&lv->s, err);
    if (rc) {
        live_viewer_free(lv);
        return rc;
    }
    *out = lv;
    return 0;
fail:
    live_viewer_free(lv);
    return -1;
}

void live_viewer_publish(void *ctx, const Policy *policy, const TrainProgress *progress) {
    LiveViewer *lv = ctx;
    if (pthread_mutex_trylock(&lv->mu) != 0) return; /* the viewer is copying: take the next */
    if (!lv->closed && policy->n_params == lv->policy->n_params) {
        memcpy(lv->staged, policy->params, sizeof(real) * policy->n_params);
        lv->progress = *progress;
        lv->version++;
    }
    pthread_mutex_unlock(&lv->mu);
}

void live_viewer_finish(LiveViewer *lv) {
    pthread_mutex_lock(&lv->mu);
    lv->finished = true;
    pthread_mutex_unlock(&lv->mu);
}

int live_viewer_run(LiveViewer *lv, volatile sig_atomic_t *stop, Err *err) {
    lv->o.stop = stop;
    int rc = run_window(&lv->s, err);
    pthread_mutex_lock(&lv->mu);
    lv->closed = true;
    pthread_mutex_unlock(&lv->mu);
    viewer_close_window(lv->s.viewer);
    return rc;
}

void live_viewer_free(LiveViewer *lv) {
    if (!lv) return;
    if (lv->s.env) session_free(&lv->s);
    policy_destroy(lv->policy);
    free(lv->staged);
    pthread_mutex_destroy(&lv->mu);
    free(lv);
}
