/* multiarmed_bandit.c: POPGym's MultiarmedBandit (popgym/envs/multiarmed_bandit.py),
 * parameter a = num_bandits; the episode length is the level's. Each arm pays with its own
 * probability, drawn uniform in [0, 1) as float32 at reset. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "envs/popgym/impl.h"

/* MultiarmedBandit.reset: np_random.random(num_bandits, dtype=float32), which takes the top 24
 * bits of one 32-bit draw per arm, as rng_float does; observation 0. */
static void mb_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    BanditState *s = &p->g.bandit;
    memset(s->p, 0, sizeof s->p);
    for (int i = 0; i < p->level->a; i++) s->p[i] = rng_float(&p->rng);
    raw[0] = 0;
}

/* MultiarmedBandit.step: pays when a uniform double draw is below the arm's probability;
 * +-1/L; never terminated, truncated at step L. */
static void mb_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    const int length = p->level->max_length;
    bool paid = rng_double(&p->rng) < (double)p->g.bandit.p[action];
    *reward = paid ? 1.0 / length : -1.0 / length;
    *terminated = false;
    *truncated = p->t >= length - 1;
    raw[0] = paid;
}

static int mb_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    BanditState *s = &p->g.bandit;
    if (n != p->level->a)
        return err_set(err, "%s: the setup is %d arm probabilities, got %d values", p->level->name, p->level->a, n);
    memset(s->p, 0, sizeof s->p);
    for (int i = 0; i < n; i++) {
        if (!(values[i] >= 0 && values[i] <= 1)) return err_set(err, "%s: arm %d's probability %g is outside [0, 1]", p->level->name, i, values[i]);
        s->p[i] = (float)values[i];
    }
    raw[0] = 0;
    return 0;
}

static int mb_check(const Popgym *p, Err *err) {
    for (int i = 0; i < POPGYM_MAX_ARMS; i++) {
        float v = p->g.bandit.p[i];
        if (!(v >= 0.0f && v <= (i < p->level->a ? 1.0f : 0.0f)))
            return err_set(err, "popgym state: arm %d's probability %g is outside [0, 1]", i, (double)v);
    }
    return 0;
}

static void mb_describe(const Popgym *p, char *buf, size_t cap) {
    const BanditState *s = &p->g.bandit;
    size_t u = 0;
    text_add(buf, cap, &u, "MultiarmedBandit %s: find and pull the arm that pays most\n", p->level->difficulty);
    text_add(buf, cap, &u, "step %d of %d\n", p->t, p->level->max_length);
    text_add(buf, cap, &u, "each arm's chance of paying (hidden from the agent):\n");
    int best = 0;
    for (int i = 0; i < p->level->a; i++) {
        if (s->p[i] > s->p[best]) best = i;
        text_add(buf, cap, &u, "%c%2d %.2f%s", p->last_action == i ? '>' : ' ', i, (double)s->p[i], i % 6 == 5 ? "\n" : "  ");
    }
    if (p->level->a % 6) text_add(buf, cap, &u, "\n");
    text_add(buf, cap, &u, "best arm: %d\n", best);
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last pull: arm %d %s, reward %+.4f\n", p->last_action, p->raw[0] ? "paid" : "did not pay",
                 p->last_reward);
}

static void mb_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "arm%d", a);
}

const PopgymGame popgym_multiarmed_bandit = {"MultiarmedBandit", mb_reset, mb_step, mb_setup,
                                             mb_check, mb_describe, mb_action};
