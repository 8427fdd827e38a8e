/* policy.c: the policy interface of policy.h: dispatch on PolicyConfig.kind to an
 * implementation (gla.c, mlp.c, lstm.c, gru.c), the named-tensor table, the shared part of config
 * validation, workspaces, and the init helpers of policy_impl.h.
 *
 * Legend: T time steps, B envs, O obs_dim, A n_actions, S state_size, P n_params. */
#include "policies/policy_impl.h"
#include "policies/layers.h"
#include "policies/linalg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const PolicyClass *const POLICY_CLASSES[] = {&policy_gla_class, &policy_mlp_class,
                                                     &policy_lstm_class, &policy_gru_class};
#define N_POLICY_CLASSES (int)(sizeof POLICY_CLASSES / sizeof POLICY_CLASSES[0])

/* Defaults, sized for CartPole-v1 (O = 4, A = 2) and the gridworld (O = 7 * 7 * 3 one-hot
 * codes, A = 7) within a laptop's budget (CartPole solved in seconds on 2 cores, so a forward
 * and backward of a few tens of kFLOP per env step):
 *   d_model 32, 2 heads, 1 layer: CartPole's policy is close to linear in its observation and
 *     the memory tasks need to keep a handful of facts (a cue, a door state) for a few hundred
 *     steps; 2 heads of K' = 8 keys x V' = 16 values hold 256 reals of state per env. Cost per
 *     env step 23.7 kFLOP forward, 47.5 kFLOP backward (counted in gla.c); d_model 64 costs
 *     about 3x the time.
 *   expand_k 0.5, expand_v 1, gate_rank 16, gate_tau 16: fla-org GatedLinearAttention's
 *     defaults (fla/layers/gla.py: expand_k=0.5, expand_v=1.0, gate_low_rank_dim=16,
 *     gate_logit_normalizer=16), the paper's tau = 16 (arXiv 2312.06635, section 4.4).
 *   mlp_ratio 2: a SwiGLU of hidden width 64 gives the value head the nonlinearity the gated
 *     attention alone lacks; it is the largest single cost (3 * D * 2D weights): mlp_ratio 0
 *     makes forward+backward ~1.5x and step ~1.8x faster.
 *   prev_action, start_flag off: CartPole is Markov; the memory configs turn them on.
 *   init_std 0.02: GPT-2's N(0, 0.02).
 *   chunk 0: the learner's recurrence step by step (gla_lanes.c), the form the chunked one
 *     (gla_chunk.c, chunk >= 1) is tested against; chunks of 8 compute the same up to float
 *     rounding in a fraction of the time (README "The policy").
 *   hidden 64: CleanRL ppo.py's Agent (and the width of lstm and gru; CleanRL's
 *     ppo_atari_lstm.py uses 128 behind a 512-wide encoder of Atari frames).
 *   cell_embed 0: the kind reads the observation as it is (the encoder did not pay off on the
 *     gridworld levels, docs/gridworld-tuning.md, so no shipped config turns it on). */
void policy_config_defaults(PolicyConfig *cfg) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->kind, sizeof cfg->kind, "gla");
    cfg->d_model = 32;
    cfg->n_heads = 2;
    cfg->n_layers = 1;
    cfg->expand_k = 0.5;
    cfg->expand_v = 1.0;
    cfg->gate_rank = 16;
    cfg->gate_tau = 16.0;
    cfg->mlp_ratio = 2.0;
    cfg->prev_action = false;
    cfg->start_flag = false;
    cfg->init_std = 0.02;
    cfg->chunk = 0;
    cfg->conv = 0;
    cfg->hidden = 64;
    cfg->cell_embed = 0;
}

static const PolicyClass *policy_class_find(const char *kind) {
    for (int i = 0; i < N_POLICY_CLASSES; i++)
        if (strcmp(POLICY_CLASSES[i]->kind, kind) == 0) return POLICY_CLASSES[i];
    return NULL;
}

/* policy_create and policy_create_gaussian. */
static int create(Policy **out, const PolicyConfig *cfg, int obs_dim, int n_actions, bool gaussian,
                  Err *err) {
    *out = NULL;
    if (memchr(cfg->kind, '\0', sizeof cfg->kind) == NULL)
        return err_set(err, "policy.kind: not a terminated string");
    const PolicyClass *cls = policy_class_find(cfg->kind);
    if (!cls) return err_set(err, "policy.kind: unknown policy '%s' (allowed: gla, mlp, lstm, gru)", cfg->kind);
    if (obs_dim < 1) return err_set(err, "policy: obs_dim %d must be >= 1", obs_dim);
    if (n_actions < 1) return err_set(err, "policy: n_actions %d must be >= 1", n_actions);
    if (cls->validate(cfg, obs_dim, n_actions, err) != 0) return -1;
    int in_dim = obs_dim;
    if (cfg->cell_embed < 0 || cfg->cell_embed > POLICY_MAX_WIDTH)
        return err_set(err, "policy.cell_embed: %d is out of range (0 = none, or 1 .. %d)",
                       cfg->cell_embed, POLICY_MAX_WIDTH);
    if (cfg->cell_embed > 0) {
        long cells = cfg->obs_cells, cd = cfg->obs_cell_dim;
        if (cells < 1 || cd < 1 || cells * cd > obs_dim)
            return err_set(err, "policy.cell_embed: this env's observation has no grid of cells to "
                           "encode (the gridworld levels have one); set it to 0");
        long in = cells * cfg->cell_embed + (obs_dim - cells * cd);
        if (in > POLICY_MAX_PARAMS)
            return err_set(err, "policy.cell_embed: %d makes the policy's input %ld wide, more than "
                           "ppo holds; make it smaller", cfg->cell_embed, in);
        in_dim = (int)in;
    }
    if (gaussian && cfg->prev_action)
        return err_set(err, "policy.prev_action: feeds the previous action as a one-hot of a discrete "
                       "action; this env's actions are continuous (set it to false)");
    Policy *p = calloc(1, sizeof *p);
    if (!p) return err_set(err, "policy: out of memory");
    p->cls = cls;
    p->cfg = *cfg;
    p->obs_dim = obs_dim;
    p->in_dim = in_dim;
    p->n_actions = n_actions;
    if (cfg->cell_embed > 0) { /* the encoder's tensors come first */
        int wshape[2] = {cfg->cell_embed, cfg->obs_cell_dim};
        p->enc_w = policy_add_tensor(p, "encoder.w", 2, wshape, err);
        p->enc_b = p->enc_w == (size_t)-1 ? p->enc_w
                                          : policy_add_tensor(p, "encoder.b", 1, &cfg->cell_embed, err);
        if (p->enc_b == (size_t)-1) {
            policy_destroy(p);
            return -1;
        }
    }
    if (cls->build(p, err) != 0) {
        policy_destroy(p);
        return -1;
    }
    if (gaussian) {
        p->gaussian = true;
        p->log_std_offset = policy_add_tensor(p, "log_std", 1, &n_actions, err);
        if (p->log_std_offset == (size_t)-1) {
            policy_destroy(p);
            return -1;
        }
    }
    if (p->state_size > (size_t)POLICY_MAX_STATE) {
        size_t n = p->state_size;
        policy_destroy(p);
        return err_set(err, "policy: %zu reals of recurrent state per env are more than ppo holds (at "
                       "most %ld); make policy.d_model, expand_k, expand_v or n_layers smaller, or "
                       "n_heads larger", n, POLICY_MAX_STATE);
    }
    if (p->n_params > (size_t)POLICY_MAX_PARAMS) {
        size_t n = p->n_params;
        policy_destroy(p);
        return err_set(err, "policy: %zu parameters are more than ppo trains (at most %ld); make "
                       "policy.d_model, n_layers, mlp_ratio or hidden smaller", n, POLICY_MAX_PARAMS);
    }
    p->params = calloc(p->n_params ? p->n_params : 1, sizeof *p->params);
    if (!p->params) {
        policy_destroy(p);
        return err_set(err, "policy: out of memory for %zu parameters", p->n_params);
    }
    *out = p;
    return 0;
}

int policy_create(Policy **out, const PolicyConfig *cfg, int obs_dim, int n_actions, Err *err) {
    return create(out, cfg, obs_dim, n_actions, false, err);
}

int policy_create_gaussian(Policy **out, const PolicyConfig *cfg, int obs_dim, int action_dim,
                           Err *err) {
    return create(out, cfg, obs_dim, action_dim, true, err);
}

void policy_destroy(Policy *p) {
    if (!p) return;
    if (p->self) p->cls->free_self(p);
    free(p->params);
    free(p->tensors);
    free(p);
}

void policy_init(Policy *p, Rng *rng) {
    memset(p->params, 0, p->n_params * sizeof *p->params); /* log_std starts at 0 */
    p->cls->init(p, rng);
    if (p->cfg.cell_embed > 0) /* after the kind's draws: cell_embed 0 inits as before it existed */
        policy_init_normal(p->params + p->enc_w, (size_t)p->cfg.cell_embed * p->cfg.obs_cell_dim,
                           1.0 / sqrt(p->cfg.obs_cell_dim), rng);
}

const ParamTensor *policy_tensor(const Policy *p, const char *name) {
    for (int i = 0; i < p->n_tensors; i++)
        if (strcmp(p->tensors[i].name, name) == 0) return &p->tensors[i];
    return NULL;
}

size_t policy_add_tensor(Policy *p, const char *name, int ndim, const int *shape, Err *err) {
    ParamTensor *t = realloc(p->tensors, (size_t)(p->n_tensors + 1) * sizeof *t);
    if (!t) {
        err_set(err, "policy: out of memory for the tensor table");
        return (size_t)-1;
    }
    p->tensors = t;
    t = &p->tensors[p->n_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->size = 1;
    for (int d = 0; d < ndim; d++) {
        t->shape[d] = shape[d];
        t->size *= (size_t)shape[d];
    }
    t->offset = p->n_params;
    p->n_params += t->size;
    return t->offset;
}

PolicyWork *policy_work_create(const Policy *p, int max_t, int max_b) {
    if (max_t < 1 || max_b < 1) return NULL;
    PolicyWork *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->cls = p->cls;
    w->max_t = max_t;
    w->max_b = max_b;
    if (p->cfg.cell_embed > 0) {
        size_t rows = (size_t)max_t * max_b, cells = (size_t)p->cfg.obs_cells;
        size_t E = (size_t)p->cfg.cell_embed;
        w->enc_x = malloc(rows * cells * (size_t)p->cfg.obs_cell_dim * sizeof(real));
        w->enc_h = malloc(rows * cells * E * sizeof(real));
        w->enc_dh = malloc(rows * cells * E * sizeof(real));
        w->feat = malloc(rows * (size_t)p->in_dim * sizeof(real));
        w->dinput = malloc(rows * (size_t)p->in_dim * sizeof(real));
        if (!w->enc_x || !w->enc_h || !w->enc_dh || !w->feat || !w->dinput) {
            policy_work_destroy(w);
            return NULL;
        }
    }
    if (p->cls->work_init(p, w) != 0) {
        w->self = NULL;
        policy_work_destroy(w);
        return NULL;
    }
    return w;
}

void policy_work_destroy(PolicyWork *w) {
    if (!w) return;
    if (w->self) w->cls->work_free(w);
    free(w->enc_x);
    free(w->enc_h);
    free(w->enc_dh);
    free(w->feat);
    free(w->dinput);
    free(w);
}

void policy_flops(const Policy *p, double *forward, double *backward) {
    p->cls->flops(p, forward, backward);
    if (p->cfg.cell_embed > 0) { /* the encoder's product, and its weight gradient (the kind's
                                    input gradient that feeds it is not counted) */
        double enc = 2.0 * p->cfg.obs_cells * p->cfg.obs_cell_dim * p->cfg.cell_embed;
        *forward += enc;
        *backward += enc;
    }
}

void policy_work_set_naive(PolicyWork *w, bool naive) { w->naive = naive; }

/* The cell encoder over N rows of obs [N, O]: enc_x [N * cells, cell_dim] a copy of the cells,
 * enc_h [N * cells, E] = relu(enc_x W_e^T + b_e), and the kind's input feat [N, in_dim] =
 * [enc_h of the row's cells, flattened | obs after the cells]. Returns feat. */
static const real *encode(const Policy *p, PolicyWork *w, int N, const real *obs) {
    int O = p->obs_dim, IN = p->in_dim, E = p->cfg.cell_embed, CD = p->cfg.obs_cell_dim;
    long cells = p->cfg.obs_cells, grid = cells * CD, enc = cells * E, rest = O - grid;
    for (long n = 0; n < N; n++)
        memcpy(w->enc_x + n * grid, obs + n * O, (size_t)grid * sizeof(real));
    linear_forward(w->enc_h, E, w->enc_x, CD, p->params + p->enc_w, p->params + p->enc_b,
                   (int)(N * cells), CD, E, w->naive);
    relu_forward(w->enc_h, E, (int)(N * cells), E);
    for (long n = 0; n < N; n++) {
        memcpy(w->feat + n * IN, w->enc_h + n * enc, (size_t)enc * sizeof(real));
        memcpy(w->feat + n * IN + enc, obs + n * O + grid, (size_t)rest * sizeof(real));
    }
    return w->feat;
}

void policy_input_grad(const Policy *p, PolicyWork *w, const real *dout, int ldo,
                       const real *weight, int ldw, int N, int OC) {
    if (!w->dinput) return;
    linalg_gemm(w->naive, false, false, N, p->in_dim, OC, 1, dout, ldo, weight, ldw, 0, w->dinput,
                p->in_dim);
}

void policy_step(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
                 const uint8_t *episode_start, const int32_t *prev_action, real *logits,
                 real *value) {
    if (p->cfg.cell_embed > 0) obs = encode(p, w, B, obs);
    p->cls->step(p, w, B, state, obs, episode_start, prev_action, logits, value);
}

void policy_forward_sequence(const Policy *p, PolicyWork *w, int T, int B, const real *state0,
                             const real *obs, const uint8_t *episode_start,
                             const int32_t *prev_action, real *logits, real *value,
                             real *state_out) {
    w->T = T;
    w->B = B;
    if (p->cfg.cell_embed > 0) obs = encode(p, w, T * B, obs);
    p->cls->forward_sequence(p, w, T, B, state0, obs, episode_start, prev_action, logits, value,
                             state_out);
}

void policy_backward_sequence(const Policy *p, PolicyWork *w, const real *dlogits,
                              const real *dvalue, real *grads) {
    p->cls->backward_sequence(p, w, dlogits, dvalue, grads);
    if (p->cfg.cell_embed > 0) { /* w->dinput holds d/d(feat); through relu into W_e, b_e */
        int IN = p->in_dim, E = p->cfg.cell_embed, CD = p->cfg.obs_cell_dim;
        long N = (long)w->T * w->B, cells = p->cfg.obs_cells, enc = cells * E;
        for (long n = 0; n < N; n++)
            memcpy(w->enc_dh + n * enc, w->dinput + n * IN, (size_t)enc * sizeof(real));
        relu_backward(w->enc_dh, E, w->enc_h, E, (int)(N * cells), E);
        linear_backward(NULL, grads + p->enc_w, grads + p->enc_b, w->enc_dh, E, w->enc_x, CD,
                        p->params + p->enc_w, (int)(N * cells), CD, E, w->naive);
    }
}

void policy_init_normal(real *w, size_t n, double std, Rng *rng) {
    for (size_t i = 0; i < n; i++) w[i] = (real)(std * rng_normal(rng));
}

void policy_init_orthogonal(real *w, int rows, int cols, double gain, double *q, Rng *rng) {
    /* Q [m, n] with m >= n orthonormal columns, from a Gaussian [m, n]: Gram-Schmidt makes R's
     * diagonal positive, the sign convention of orthogonal_'s `q *= sign(diag(r))`. */
    bool flip = rows < cols;
    int m = flip ? cols : rows, n = flip ? rows : cols;
    /* Gaussian [rows, cols] drawn in w's row-major order, stored as q [m, n]. */
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double g = rng_normal(rng);
            if (flip) q[(size_t)c * n + r] = g;
            else q[(size_t)r * n + c] = g;
        }
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < j; i++) {
            double dot = 0;
            for (int k = 0; k < m; k++) dot += q[(size_t)k * n + i] * q[(size_t)k * n + j];
            for (int k = 0; k < m; k++) q[(size_t)k * n + j] -= dot * q[(size_t)k * n + i];
        }
        double norm = 0;
        for (int k = 0; k < m; k++) norm += q[(size_t)k * n + j] * q[(size_t)k * n + j];
        norm = sqrt(norm);
        for (int k = 0; k < m; k++) q[(size_t)k * n + j] = norm > 0 ? q[(size_t)k * n + j] / norm : 0;
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            w[(size_t)r * cols + c] = (real)(gain * (flip ? q[(size_t)c * n + r] : q[(size_t)r * n + c]));
}
