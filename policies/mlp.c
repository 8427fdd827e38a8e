/* mlp.c: the memory-less baseline policy "mlp", CleanRL's ppo.py Agent (Huang et al. 2022,
 * vwxyzjn/cleanrl cleanrl/ppo.py): separate actor and critic, each
 *   Linear(O, H) - tanh - Linear(H, H) - tanh - Linear(H, out)
 * (out = A for the actor's logits, 1 for the critic's value), initialized by layer_init:
 * orthogonal weights with gain sqrt(2), the actor's last layer gain 0.01, the critic's 1.0,
 * biases 0. No recurrent state (S = 0): episode starts and previous actions are ignored.
 *
 * Legend: T time steps, B envs, N = T * B rows, O obs_dim, A n_actions, H hidden width.
 * Tensor names follow the PyTorch module (nn.Sequential indices 0, 2, 4 are the Linears).
 * actor.0 and critic.0 are stored one after the other, so the first layers of both run as one
 * matrix product [N, O] x [2H, O]^T. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/layers.h"
#include "policies/policy_impl.h"

typedef struct Mlp {
    int O, A, H;
    /* offsets into params of each tensor */
    size_t w0, b0;  /* actor.0 then critic.0: [2H, O], [2H] */
    size_t wa1, ba1, wc1, bc1; /* [H, H], [H] */
    size_t wa2, ba2; /* [A, H], [A] */
    size_t wc2, bc2; /* [1, H], [1] */
    double *init_scratch; /* [max(O, H, A) * H] for orthogonal init */
} Mlp;

typedef struct MlpWork {
    real *obs; /* [N, O] copy of the last forward's input */
    real *h1;  /* [N, 2H] tanh outputs of actor.0 | critic.0 */
    real *h2a; /* [N, H] tanh output of actor.2 */
    real *h2c; /* [N, H] tanh output of critic.2 */
    real *out; /* [N, A + 1] scratch for step outputs */
    real *dh1, *dh2a, *dh2c; /* gradients, same shapes */
} MlpWork;

static int mlp_validate(const PolicyConfig *cfg, int obs_dim, int n_actions, Err *err) {
    (void)obs_dim;
    (void)n_actions;
    if (cfg->hidden < 1 || cfg->hidden > POLICY_MAX_WIDTH)
        return err_set(err, "policy.hidden: %d is out of range (allowed 1 .. %d)", cfg->hidden,
                       POLICY_MAX_WIDTH);
    return 0;
}

static int mlp_build(Policy *p, Err *err) {
    Mlp *m = calloc(1, sizeof *m);
    if (!m) return err_set(err, "policy: out of memory");
    p->self = m;
    m->O = p->in_dim;
    m->A = p->n_actions;
    m->H = p->cfg.hidden;
    int O = m->O, A = m->A, H = m->H;
    size_t bad = (size_t)-1;
#define ADD(field, name, ...)                                                   \
    do {                                                                        \
        int shape_[] = {__VA_ARGS__};                                           \
        size_t off_ = policy_add_tensor(p, name, (int)(sizeof shape_ / sizeof shape_[0]), \
                                        shape_, err);                           \
        if (off_ == bad) return -1;                                             \
        *(field) = off_;                                                        \
    } while (0)
    size_t tmp;
    ADD(&m->w0, "actor.0.w", H, O);
    ADD(&tmp, "critic.0.w", H, O);
    ADD(&m->b0, "actor.0.b", H);
    ADD(&tmp, "critic.0.b", H);
    ADD(&m->wa1, "actor.2.w", H, H);
    ADD(&m->ba1, "actor.2.b", H);
    ADD(&m->wc1, "critic.2.w", H, H);
    ADD(&m->bc1, "critic.2.b", H);
    ADD(&m->wa2, "actor.4.w", A, H);
    ADD(&m->ba2, "actor.4.b", A);
    ADD(&m->wc2, "critic.4.w", 1, H);
    ADD(&m->bc2, "critic.4.b", 1);
#undef ADD
    int big = O > H ? O : H;
    big = big > A ? big : A;
    m->init_scratch = malloc((size_t)big * (size_t)H * sizeof *m->init_scratch);
    if (!m->init_scratch) return err_set(err, "policy: out of memory");
    p->state_size = 0;
    return 0;
}

static void mlp_free_self(Policy *p) {
    Mlp *m = p->self;
    free(m->init_scratch);
    free(m);
    p->self = NULL;
}

/* CleanRL layer_init: orthogonal (gain) weights, zero biases (params are zeroed already). */
static void mlp_init(Policy *p, Rng *rng) {
    Mlp *m = p->self;
    int O = m->O, A = m->A, H = m->H;
    real *P = p->params;
    double g = sqrt(2.0);
    policy_init_orthogonal(P + m->w0, H, O, g, m->init_scratch, rng);
    policy_init_orthogonal(P + m->w0 + (size_t)H * O, H, O, g, m->init_scratch, rng);
    policy_init_orthogonal(P + m->wa1, H, H, g, m->init_scratch, rng);
    policy_init_orthogonal(P + m->wc1, H, H, g, m->init_scratch, rng);
    policy_init_orthogonal(P + m->wa2, A, H, 0.01, m->init_scratch, rng);
    policy_init_orthogonal(P + m->wc2, 1, H, 1.0, m->init_scratch, rng);
}

static int mlp_work_init(const Policy *p, PolicyWork *w) {
    const Mlp *m = p->self;
    size_t N = (size_t)w->max_t * (size_t)w->max_b, H = (size_t)m->H;
    MlpWork *k = calloc(1, sizeof *k);
    if (!k) return -1;
    w->self = k;
    k->obs = malloc(N * (size_t)m->O * sizeof(real));
    k->h1 = malloc(N * 2 * H * sizeof(real));
    k->h2a = malloc(N * H * sizeof(real));
    k->h2c = malloc(N * H * sizeof(real));
    k->out = malloc(N * (size_t)(m->A + 1) * sizeof(real));
    k->dh1 = malloc(N * 2 * H * sizeof(real));
    k->dh2a = malloc(N * H * sizeof(real));
    k->dh2c = malloc(N * H * sizeof(real));
    if (!k->obs || !k->h1 || !k->h2a || !k->h2c || !k->out || !k->dh1 || !k->dh2a || !k->dh2c) {
        w->cls->work_free(w);
        return -1;
    }
    return 0;
}

static void mlp_work_free(PolicyWork *w) {
    MlpWork *k = w->self;
    if (!k) return;
    free(k->obs);
    free(k->h1);
    free(k->h2a);
    free(k->h2c);
    free(k->out);
    free(k->dh1);
    free(k->dh2a);
    free(k->dh2c);
    free(k);
    w->self = NULL;
}

/* Forward over N rows of obs [N, O] into logits [N, A], value [N]; keeps obs, h1, h2a, h2c. */
static void mlp_forward_rows(const Policy *p, PolicyWork *w, int N, const real *obs,
                             real *logits, real *value) {
    const Mlp *m = p->self;
    MlpWork *k = w->self;
    const real *P = p->params;
    int O = m->O, A = m->A, H = m->H;
    bool nv = w->naive;
    memcpy(k->obs, obs, (size_t)N * O * sizeof(real));
    linear_forward(k->h1, 2 * H, k->obs, O, P + m->w0, P + m->b0, N, O, 2 * H, nv);
    tanh_forward(k->h1, 2 * H, N, 2 * H);
    linear_forward(k->h2a, H, k->h1, 2 * H, P + m->wa1, P + m->ba1, N, H, H, nv);
    tanh_forward(k->h2a, H, N, H);
    linear_forward(k->h2c, H, k->h1 + H, 2 * H, P + m->wc1, P + m->bc1, N, H, H, nv);
    tanh_forward(k->h2c, H, N, H);
    linear_forward(logits, A, k->h2a, H, P + m->wa2, P + m->ba2, N, H, A, nv);
    linear_forward(value, 1, k->h2c, H, P + m->wc2, P + m->bc2, N, H, 1, nv);
}

static void mlp_step(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
                     const uint8_t *episode_start, const int32_t *prev_action, real *logits,
                     real *value) {
    (void)state;
    (void)episode_start;
    (void)prev_action;
    mlp_forward_rows(p, w, B, obs, logits, value);
}

static void mlp_forward_sequence(const Policy *p, PolicyWork *w, int T, int B,
                                 const real *state0, const real *obs,
                                 const uint8_t *episode_start, const int32_t *prev_action,
                                 real *logits, real *value, real *state_out) {
    (void)state0;
    (void)episode_start;
    (void)prev_action;
    (void)state_out;
    mlp_forward_rows(p, w, T * B, obs, logits, value);
}

static void mlp_backward_sequence(const Policy *p, PolicyWork *w, const real *dlogits,
                                  const real *dvalue, real *grads) {
    const Mlp *m = p->self;
    MlpWork *k = w->self;
    const real *P = p->params;
    real *G = grads;
    int N = w->T * w->B, O = m->O, A = m->A, H = m->H;
    bool nv = w->naive;
    memset(k->dh2a, 0, (size_t)N * H * sizeof(real));
    memset(k->dh2c, 0, (size_t)N * H * sizeof(real));
    memset(k->dh1, 0, (size_t)N * 2 * H * sizeof(real));
    linear_backward(k->dh2a, G + m->wa2, G + m->ba2, dlogits, A, k->h2a, H, P + m->wa2, N, H, A, nv);
    linear_backward(k->dh2c, G + m->wc2, G + m->bc2, dvalue, 1, k->h2c, H, P + m->wc2, N, H, 1, nv);
    tanh_backward(k->dh2a, H, k->h2a, H, N, H);
    tanh_backward(k->dh2c, H, k->h2c, H, N, H);
    linear_backward(k->dh1, G + m->wa1, G + m->ba1, k->dh2a, H, k->h1, 2 * H, P + m->wa1, N, H, H, nv);
    linear_backward(k->dh1 + H, G + m->wc1, G + m->bc1, k->dh2c, H, k->h1 + H, 2 * H, P + m->wc1, N,
                    H, H, nv);
    tanh_backward(k->dh1, 2 * H, k->h1, 2 * H, N, 2 * H);
    linear_backward(NULL, G + m->w0, G + m->b0, k->dh1, 2 * H, k->obs, O, P + m->w0, N, O, 2 * H, nv);
    policy_input_grad(p, w, k->dh1, 2 * H, P + m->w0, O, N, 2 * H);
}

/* Matrix products only (2 FLOP per multiply-add): forward 2 (2 O H + 2 H H + H (A + 1));
 * backward twice that, less the first layer's input gradient (not computed). tanh not counted. */
static void mlp_flops(const Policy *p, double *forward, double *backward) {
    const Mlp *m = p->self;
    double O = m->O, H = m->H, A = m->A;
    double first = 2 * O * 2 * H, rest = 2 * (2 * H * H + H * (A + 1));
    *forward = first + rest;
    *backward = first + 2 * rest;
}

const PolicyClass policy_mlp_class = {
    .kind = "mlp",
    .validate = mlp_validate,
    .build = mlp_build,
    .free_self = mlp_free_self,
    .init = mlp_init,
    .work_init = mlp_work_init,
    .work_free = mlp_work_free,
    .step = mlp_step,
    .forward_sequence = mlp_forward_sequence,
    .backward_sequence = mlp_backward_sequence,
    .flops = mlp_flops,
};
