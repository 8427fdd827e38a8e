/* classic.c: what the classic-control envs share: options, seeding, the view and the saved state
 * (see classic.h). */
#include "envs/classic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ClassicSaved {
    double state[4];
    int32_t steps;
    int32_t pad;
    Rng rng;
} ClassicSaved;

ClassicEnv *classic_create(const EnvConfig *cfg, int n_state, int default_max_steps, Err *err) {
    if (cfg->max_steps < 0) {
        err_set(err, "env.max_steps: %d is out of range (allowed: 1 or more, or 0 for %d)",
                cfg->max_steps, default_max_steps);
        return NULL;
    }
    if (cfg->integrator != ENV_INTEGRATOR_EULER) {
        err_set(err, "env.integrator: does not apply to %s (only cartpole has a choice of integrator)",
                cfg->name);
        return NULL;
    }
    if (cfg->map[0]) {
        err_set(err, "env.map: '%s' does not apply to %s (only gridworld envs read a map)", cfg->map,
                cfg->name);
        return NULL;
    }
    ClassicEnv *e = calloc(1, sizeof *e);
    if (!e) {
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    e->pub.max_steps = cfg->max_steps ? cfg->max_steps : default_max_steps;
    e->pub.last_action = NAN;
    e->n_state = n_state;
    rng_seed(&e->rng, 0, 0);
    return e;
}

void classic_destroy(void *self) { free(self); }

void classic_seed(void *self, uint64_t seed, uint64_t stream) {
    rng_seed(&((ClassicEnv *)self)->rng, seed, stream);
}

const void *classic_view(const void *self) { return &((const ClassicEnv *)self)->pub; }

size_t classic_state_size(const void *self) {
    (void)self;
    return sizeof(ClassicSaved);
}

void classic_state_save(const void *self, void *buf) {
    const ClassicEnv *e = self;
    ClassicSaved s;
    memset(&s, 0, sizeof s);
    memcpy(s.state, e->pub.state, sizeof s.state);
    s.steps = e->pub.steps;
    s.rng = e->rng;
    memcpy(buf, &s, sizeof s);
}

int classic_state_load(void *self, const void *buf, Err *err) {
    ClassicEnv *e = self;
    ClassicSaved s;
    memcpy(&s, buf, sizeof s);
    for (int i = 0; i < 4; i++)
        if (!isfinite(s.state[i])) return err_set(err, "classic-control state: value %d is not finite", i);
    if (s.steps < 0 || s.steps > e->pub.max_steps)
        return err_set(err, "classic-control state: step count %d outside 0..%d", s.steps, e->pub.max_steps);
    if ((s.rng.inc & 1u) == 0) return err_set(err, "classic-control state: RNG stream is not odd");
    memcpy(e->pub.state, s.state, sizeof s.state);
    for (int i = e->n_state; i < 4; i++) e->pub.state[i] = 0.0;
    e->pub.steps = s.steps;
    e->pub.last_action = NAN;
    e->rng = s.rng;
    return 0;
}

double classic_py_mod(double x, double y) {
    double m = fmod(x, y);
    if (m != 0.0) {
        if ((y < 0) != (m < 0)) m += y;
    } else {
        m = copysign(0.0, y);
    }
    return m;
}
