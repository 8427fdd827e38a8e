/* policy_impl.h: what policy.c shares with the implementations (gla.c, mlp.c) and with the
 * tests; not for the users of policies, who see only policy.h.
 *
 * Legend: T time steps, B envs, N = T * B rows (row n = t * B + b), O obs_dim, A n_actions,
 * S state_size, P n_params. */
#ifndef PPO_POLICY_IMPL_H
#define PPO_POLICY_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "policies/policy.h"

/* The table of one implementation, selected by PolicyConfig.kind. Every hook has the contract
 * of the policy_* function of the same name in policy.h; `build` and `work_init` are the
 * implementation's halves of policy_create and policy_work_create. */
struct PolicyClass {
    const char *kind;
    /* Checks the fields this kind reads (the common ones are checked by policy.c); the message
     * names the key. Returns 0 or -1. */
    int (*validate)(const PolicyConfig *cfg, int obs_dim, int n_actions, Err *err);
    /* Fills p->self, p->state_size and the tensor table through policy_add_tensor. 0 or -1. */
    int (*build)(Policy *p, Err *err);
    void (*free_self)(Policy *p);
    void (*init)(Policy *p, Rng *rng);
    /* Allocates w->self for w->max_t, w->max_b. 0 or -1 (out of memory). */
    int (*work_init)(const Policy *p, PolicyWork *w);
    void (*work_free)(PolicyWork *w);
    void (*step)(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
                 const uint8_t *episode_start, const int32_t *prev_action, real *logits,
                 real *value);
    void (*forward_sequence)(const Policy *p, PolicyWork *w, int T, int B, const real *state0,
                             const real *obs, const uint8_t *episode_start,
                             const int32_t *prev_action, real *logits, real *value,
                             real *state_out);
    void (*backward_sequence)(const Policy *p, PolicyWork *w, const real *dlogits,
                              const real *dvalue, real *grads);
    /* FLOP per row (env step) of forward and of backward, as the implementation documents. */
    void (*flops)(const Policy *p, double *forward, double *backward);
};

/* A workspace (policy.h): the part every implementation shares, then its own. */
struct PolicyWork {
    const PolicyClass *cls;
    int max_t, max_b;
    int T, B;       /* of the last forward_sequence (0 before the first) */
    bool naive;     /* plain loops instead of cblas (the reference path; tests only) */
    void *self;     /* the implementation's buffers, allocated once by work_init */
    /* The cell encoder's buffers (policy.c; NULL without it), rows up to max_t * max_b:
     * enc_x [rows * cells, cell_dim] the cells of obs, enc_h [rows * cells, E] their encodings
     * after relu, enc_dh the same shape for backward, feat [rows, in_dim] the kind's input. */
    real *enc_x, *enc_h, *enc_dh, *feat;
    /* d(loss)/d(the kind's input) [T * B, in_dim], which backward_sequence writes (=) through
     * policy_input_grad when not NULL (the cell encoder asks for it). */
    real *dinput;
};

/* For the kinds' backward_sequence: dinput [N, in_dim] = dout [N, OC]
 * (row stride ldo) weight[:, :in_dim], weight [OC, ldw] the kind's first linear layer whose first
 * in_dim input columns are the kind's input. Does nothing when w->dinput is NULL. */
void policy_input_grad(const Policy *p, PolicyWork *w, const real *dout, int ldo,
                       const real *weight, int ldw, int N, int OC);

extern const PolicyClass policy_gla_class;
extern const PolicyClass policy_mlp_class;
extern const PolicyClass policy_lstm_class; /* lstm.c (rnn.h) */
extern const PolicyClass policy_gru_class;  /* gru.c (rnn.h) */

/* Appends a tensor `name` of the given shape (ndim <= POLICY_MAX_DIMS) to p's table at the next
 * offset (no padding: tensors added one after another are contiguous, which the
 * implementations use to fuse matrix products) and returns that offset in reals. Returns
 * (size_t)-1 and fills err when out of memory. */
size_t policy_add_tensor(Policy *p, const char *name, int ndim, const int *shape, Err *err);

/* The useful floating-point operations of one row (one env step) of the forward pass and of
 * the backward pass, as counted by the implementation (its file says what is counted; a
 * multiply-add is 2). For the benchmark's GFLOP/s. */
void policy_flops(const Policy *p, double *forward, double *backward);

/* Makes the workspace run every matrix product through the plain-loop reference instead of
 * cblas (naive = true) or back. For tests of the two paths against each other. */
void policy_work_set_naive(PolicyWork *w, bool naive);

/* Init helpers (policy.c), with rng: n entries N(0, std^2); or a row-major [rows, cols]
 * (semi-)orthogonal matrix times gain, as torch.nn.init.orthogonal_ (Saxe et al. 2013): QR of
 * a Gaussian matrix (of its transpose when rows < cols) with the signs of R's diagonal folded
 * into Q, here by modified Gram-Schmidt in double in the caller's scratch [rows * cols]. */
void policy_init_normal(real *w, size_t n, double std, Rng *rng);
void policy_init_orthogonal(real *w, int rows, int cols, double gain, double *scratch, Rng *rng);

#endif
