/* policy.h: the one policy interface of ppo, used by rollouts, the learner, eval and the viewer
 * without knowing the implementation ("gla": gated linear attention, the product's policy;
 * "mlp": CleanRL's memory-less 64-64 tanh actor and critic; "lstm" and "gru": the recurrent
 * baselines of rnn.h).
 *
 * Legend of dimension letters: T time steps, B envs in a batch, O obs_dim, A n_actions,
 * S state_size (reals of recurrent state per env; 0 for mlp), P n_params.
 * All arrays are row-major; [T, B, O] means index (t * B + b) * O + o.
 *
 * Parameters live in one contiguous buffer `params` [P] described by a table of named tensors
 * (name, shape, offset). Gradients and the optimizer's moments are buffers of the same length
 * and layout, owned by whoever uses them.
 *
 * Inputs per step: obs [O], the episode-start flag (1 on an episode's first step: the
 * recurrent state is wiped before the step), and the previous action: the action taken at t-1
 * in the same episode (0 .. A-1), ignored (seen as none) where the episode starts.
 *
 * Heads: a policy for discrete actions outputs A logits of a categorical distribution
 * (categorical.h); a Gaussian policy for a continuous action of A dimensions outputs A means
 * ("logits" below) and owns a state-independent log standard deviation, the tensor "log_std"
 * [A] after every tensor of its kind, initialized to 0 (gaussian.h; CleanRL's
 * ppo_continuous_action.py, actor_logstd). The head is the same for every kind: policy.c adds
 * the tensor, so a kind needs no code of its own for it. */
#ifndef PPO_POLICY_H
#define PPO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/real.h"
#include "core/rng.h"

#define POLICY_KIND_LEN 16
#define POLICY_NAME_LEN 48
#define POLICY_MAX_DIMS 4

/* The limits policy_create enforces (a config states the same ranges for its keys). */
#define POLICY_MAX_WIDTH 4096  /* d_model, gate_rank, n_heads (<= d_model too), mlp hidden */
#define POLICY_MAX_LAYERS 64   /* n_layers */
#define POLICY_MIN_POSITIVE 1e-6 /* expand_k, expand_v, init_std at least */
#define POLICY_MAX_EXPAND 16.0 /* expand_k, expand_v, mlp_ratio */
#define POLICY_MAX_INIT_STD 10.0
#define POLICY_MAX_PARAMS (1L << 26) /* parameters at most (256 MiB of floats, 3x that with Adam) */
#define POLICY_MAX_STATE (1L << 20)  /* reals of recurrent state per env at most (4 MiB) */
#define POLICY_MIN_GATE_TAU 1e-3 /* gate_tau in [MIN, MAX] */
#define POLICY_MAX_CONV 16       /* conv in [0, MAX] */
#define POLICY_MAX_GATE_TAU 1e6
#define POLICY_MAX_CHUNK 64 /* chunk in [0, MAX] */

/* The `policy:` section of a run config. policy_config_defaults() gives the documented
 * defaults; policy_create() validates every field and names the key at fault. */
typedef struct PolicyConfig {
    char kind[POLICY_KIND_LEN]; /* "gla", "mlp", "lstm" or "gru" */
    /* gla */
    int d_model;       /* D: width of the residual stream */
    int n_heads;       /* H: attention heads (divides K and V) */
    int n_layers;      /* GLA blocks; lstm, gru: recurrent layers */
    double expand_k;   /* K = expand_k * D (key width over all heads) */
    double expand_v;   /* V = expand_v * D (value width over all heads) */
    int gate_rank;     /* rank of the low-rank gate projection W_a2 W_a1 */
    double gate_tau;   /* gate temperature tau: g = logsigmoid(z) / tau */
    double mlp_ratio;  /* SwiGLU hidden width = mlp_ratio * D; 0 removes the MLP */
    bool prev_action;  /* feed the one-hot previous action into the input embedding (gla, lstm, gru) */
    bool start_flag;   /* feed the episode-start flag into the input embedding (gla, lstm, gru) */
    double init_std;   /* std of the N(0, std) init of linear weights */
    int conv;          /* width W of the short causal convolution over time of q, k and v
                          (fla's ShortConvolution); 0 = none */
    int chunk;         /* the learner's sequence forward and backward: 0 = the step-by-step
                          scan (gla_lanes.h), C >= 1 = the chunked form with chunks of C
                          steps (gla_chunk.h); the same function either way */
    /* mlp */
    int hidden;        /* width of each of the two tanh layers of actor and critic; lstm, gru:
                          width of the embedding and of each recurrent layer */
    /* every kind */
    int cell_embed;    /* E: the cell encoder's width, 0 = none. Where the observation starts
                          with a grid of cells (MiniGrid's 7x7 view, 19 one-hot values a cell),
                          each cell x_c becomes relu(W_e x_c + b_e) [E] with W_e [E, cell_dim]
                          shared by every cell, and the kind sees [cells * E | the rest of obs] */
    int obs_cells;     /* the grid of cells at the start of obs: cells and values per cell. Not */
    int obs_cell_dim;  /* config keys: the env's (Env.obs_cells); used only with cell_embed */
} PolicyConfig;

/* One named parameter tensor inside the contiguous buffer. */
typedef struct ParamTensor {
    char name[POLICY_NAME_LEN]; /* e.g. "layers.0.gla.w_q" */
    int ndim;
    int shape[POLICY_MAX_DIMS];
    size_t offset; /* in reals from the start of params */
    size_t size;   /* product of the shape */
} ParamTensor;

typedef struct PolicyClass PolicyClass;
typedef struct PolicyWork PolicyWork;

typedef struct Policy {
    const PolicyClass *cls;
    void *self;          /* the implementation's own description (sizes, offsets) */
    PolicyConfig cfg;    /* as created */
    int obs_dim;         /* O */
    int in_dim;          /* the kind's input width: O, or with the cell encoder
                            obs_cells * cell_embed + O - obs_cells * obs_cell_dim */
    size_t enc_w, enc_b; /* cell encoder: offsets of "encoder.w" [E, cell_dim], "encoder.b" [E] */
    int n_actions;       /* A: discrete actions, or dimensions of a continuous action */
    bool gaussian;       /* a Gaussian head over a continuous action (policy_create_gaussian) */
    size_t log_std_offset; /* gaussian: the offset of tensor "log_std" [A] in params */
    size_t state_size;   /* S: reals of recurrent state per env */
    size_t n_params;     /* P */
    real *params;        /* [P], owned by the policy */
    ParamTensor *tensors;/* [n_tensors] */
    int n_tensors;
} Policy;

/* Fills cfg with the documented defaults (kind "gla"). */
void policy_config_defaults(PolicyConfig *cfg);

/* Creates a policy for obs_dim inputs and n_actions discrete actions, with parameters
 * allocated (zero) and the tensor table filled. Errors: an unknown kind, a field out of range
 * or inconsistent with another (the message names the key, e.g. "policy.n_heads"), more than
 * POLICY_MAX_PARAMS parameters. */
int policy_create(Policy **out, const PolicyConfig *cfg, int obs_dim, int n_actions, Err *err);

/* As policy_create, for a continuous action of action_dim dimensions: the kind's network
 * outputs action_dim means, and the tensor "log_std" [action_dim] is added after the kind's
 * tensors. Errors: those of policy_create, and policy.prev_action (the previous action is fed as
 * a one-hot of a discrete action, which a continuous action is not). */
int policy_create_gaussian(Policy **out, const PolicyConfig *cfg, int obs_dim, int action_dim,
                           Err *err);

/* A Gaussian policy's log standard deviations [A] within params; NULL for a categorical one. */
static inline const real *policy_log_std(const Policy *p) {
    return p->gaussian ? p->params + p->log_std_offset : NULL;
}

/* Frees a policy (NULL is allowed). */
void policy_destroy(Policy *p);

/* Initializes every parameter from rng (linear weights N(0, init_std),
 * a small policy head, value head gain 1, gate biases spread over memory half-lives). */
void policy_init(Policy *p, Rng *rng);

/* The tensor named `name`, or NULL. */
const ParamTensor *policy_tensor(const Policy *p, const char *name);

/* A workspace for calls on batches of up to max_b envs and sequences of up to max_t steps
 * (max_t = 1 for step-only use). One per thread: the policy's parameters are read-only in
 * step and forward, so several threads may share a policy with one workspace each. NULL on
 * out of memory. */
PolicyWork *policy_work_create(const Policy *p, int max_t, int max_b);
void policy_work_destroy(PolicyWork *w);

/* One step for B envs (B <= max_b of w). It overwrites what the last
 * policy_forward_sequence kept in w (use another workspace between a forward and its backward):
 *   state [B, S] in/out: each env's recurrent state, replaced by the state after this step
 *     (wiped first where episode_start[b] = 1);
 *   obs [B, O]; episode_start [B] (0 or 1); prev_action [B] (ignored where episode_start);
 *   out: logits [B, A], value [B]. */
void policy_step(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
                 const uint8_t *episode_start, const int32_t *prev_action, real *logits,
                 real *value);

/* The same computation over T steps of B envs (T <= max_t, B <= max_b), from each env's
 * initial state state0 [B, S]; keeps in w what policy_backward_sequence needs.
 *   obs [T, B, O]; episode_start [T, B]; prev_action [T, B];
 *   out: logits [T, B, A], value [T, B]; final state [B, S] into state_out when not NULL.
 * Equals T calls of policy_step (up to float rounding). */
void policy_forward_sequence(const Policy *p, PolicyWork *w, int T, int B, const real *state0,
                             const real *obs, const uint8_t *episode_start,
                             const int32_t *prev_action, real *logits, real *value,
                             real *state_out);

/* Backpropagates through the last policy_forward_sequence on w: given dlogits [T, B, A] and
 * dvalue [T, B] (gradients of a scalar loss), adds the parameter gradients into grads [P]
 * (+=; the caller zeroes it). The initial state is a constant (no gradient). */
void policy_backward_sequence(const Policy *p, PolicyWork *w, const real *dlogits,
                              const real *dvalue, real *grads);

#endif
