/* rnn.h: what the recurrent baselines "lstm" (lstm.c) and "gru" (gru.c) share: one network
 * (rnn.c) around two cells, so GLA is measured against the recurrent policies users know.
 *
 * The network is CleanRL's ppo_atari_lstm.py Agent (Huang et al. 2022, vwxyzjn/cleanrl
 * cleanrl/ppo_atari_lstm.py) with its convolutions left out (the envs here give vectors):
 *   e = relu(W_emb inp + b_emb)                                          [H]
 *   L recurrent layers of width H, as torch.nn.LSTM / torch.nn.GRU with num_layers = L:
 *     layer 0 reads e, layer l > 0 reads the h of layer l - 1
 *   logits = W_actor h + b_actor [A], value = w_critic . h + b_critic    (h of the last layer)
 * inp is [obs | one-hot previous action | episode-start flag] (layers.h input_features; the
 * last two where policy.prev_action, policy.start_flag turn them on). The state of every layer
 * is wiped (set to 0) before an episode's first step, as CleanRL's get_states does with
 * (1 - done) and as GLA does.
 *
 * Legend: T time steps, B envs, N = T * B rows (row n = t * B + b), O obs_dim, A n_actions,
 * IN input width, H hidden width (policy.hidden), L layers (policy.n_layers), G gate blocks
 * (4 for LSTM: i, f, g, o; 3 for GRU: r, z, n), GH = G * H, K state vectors per layer (2 for
 * LSTM: h, c; 1 for GRU: h), KH = K * H. State per env: S = L * KH reals, laid out [L, K, H].
 *
 * Per layer the gate pre-activations are two matrix products, as PyTorch's equations write
 * them: the input part gx = x W_ih^T + b_ih [N, GH], one product over all N rows of a sequence,
 * and the recurrent part gh = h_{t-1} W_hh^T + b_hh [B, GH], one product per step. The cell
 * turns the two parts and the state before the step into the state after it. Tensors are named
 * and laid out as PyTorch's (KIND.weight_ih_l{k} [GH, H] with the gate blocks in PyTorch's
 * order, weight_hh_l{k} [GH, H], bias_ih_l{k} [GH], bias_hh_l{k} [GH]). */
#ifndef PPO_RNN_H
#define PPO_RNN_H

#include <stdbool.h>

#include "policies/policy_impl.h"

/* A recurrent cell: what lstm.c and gru.c give rnn.c. */
typedef struct RnnCell {
    const char *kind; /* "lstm" or "gru": the policy kind and the prefix of its tensors */
    int G;            /* gate blocks of H in gx and gh */
    int K;            /* state vectors of H per layer and env; h is the first */
    bool tied_grads;  /* dL/dgh = dL/dgx (LSTM: the parts are summed before every gate): rnn.c
                         gives backward dgh = dgx, and the cell writes it once */
    /* One step of one layer for B envs (rows of B):
     *   gx [B, GH] in: the input part; out: what backward needs (the cell's gate activations);
     *   gh [B, GH]: the recurrent part (kept for backward as it is);
     *   sprev [B, KH]: the state before the step (already wiped where an episode starts);
     *   snew [B, KH] out: the state after the step; its first H columns, h, are the output. */
    void (*forward)(real *gx, const real *gh, const real *sprev, real *snew, int B, int H);
    /* The backward of one forward step: from dsnew [B, KH] (dL/d of the state after the step)
     * and what forward left (act = its gx [B, GH], gh, sprev, snew), writes (=, not +=) dgx
     * [B, GH] and dgh [B, GH] (the same buffer when tied_grads), dL/d of the two pre-activation
     * parts, and dsprev [B, KH], dL/d
     * of the state before the step along the cell's own elementwise paths (rnn.c adds the path
     * through W_hh, dgh W_hh, to dsprev's first H columns). */
    void (*backward)(real *dgx, real *dgh, real *dsprev, const real *dsnew, const real *act,
                     const real *gh, const real *sprev, const real *snew, int B, int H);
} RnnCell;

/* The PolicyClass hooks of both kinds (policy_impl.h and policy.h state each contract). */

/* Checks policy.hidden (1 .. POLICY_MAX_WIDTH) and policy.n_layers (1 .. POLICY_MAX_LAYERS);
 * the message names the key. 0 or -1. */
int rnn_validate(const PolicyConfig *cfg, int obs_dim, int n_actions, Err *err);
/* `build` with the kind's cell: the tensor table (embed.w [H, IN], embed.b [H]; per layer l
 * KIND.weight_ih_l{l} [GH, H], KIND.weight_hh_l{l} [GH, H], KIND.bias_ih_l{l} [GH],
 * KIND.bias_hh_l{l} [GH]; actor.w [A, H], critic.w [1, H], actor.b [A], critic.b [1]) and
 * S = L * KH. 0 or -1 (out of memory). */
int rnn_build(Policy *p, const RnnCell *cell, Err *err);
void rnn_free_self(Policy *p);
/* CleanRL ppo_atari_lstm.py's init (orthogonal weights, zero biases, actor std 0.01, critic
 * std 1; rnn.c says which gain where). */
void rnn_init(Policy *p, Rng *rng);
/* The buffers of forward and backward for max_t steps of max_b envs, one allocation. 0 or -1. */
int rnn_work_init(const Policy *p, PolicyWork *w);
void rnn_work_free(PolicyWork *w);
/* One step of B envs: state [B, S] in place (wiped first where episode_start), obs [B, O],
 * episode_start [B], prev_action [B]; out logits [B, A], value [B]. */
void rnn_step(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
              const uint8_t *episode_start, const int32_t *prev_action, real *logits,
              real *value);
/* T steps of B envs from state0 [B, S]: obs [T, B, O], episode_start [T, B], prev_action
 * [T, B]; out logits [T, B, A], value [T, B], the final state [B, S] into state_out (if not
 * NULL). Equals T calls of rnn_step up to float rounding; keeps what backward needs. */
void rnn_forward_sequence(const Policy *p, PolicyWork *w, int T, int B, const real *state0,
                          const real *obs, const uint8_t *episode_start,
                          const int32_t *prev_action, real *logits, real *value,
                          real *state_out);
/* Backpropagation through time over the last rnn_forward_sequence: from dlogits [T, B, A] and
 * dvalue [T, B], adds (+=) every parameter's gradient into grads [P]. */
void rnn_backward_sequence(const Policy *p, PolicyWork *w, const real *dlogits,
                           const real *dvalue, real *grads);
/* FLOP per row (env step) of forward and backward: the matrix products (rnn.c's count). */
void rnn_flops(const Policy *p, double *forward, double *backward);

#endif
