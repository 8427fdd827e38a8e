/* learner.h: one PPO update over a collected rollout (Schulman et al. 2017, Algorithm 1; the
 * recurrent form of CleanRL's ppo_atari_lstm.py).
 *
 * For each of update_epochs epochs the env indices are shuffled and split into num_minibatches
 * minibatches of whole env sequences. Each minibatch is replayed with the policy's sequence
 * form from the envs' stored initial states (rollout state0) with the stored episode starts and
 * previous actions, so the first minibatch of the first epoch reproduces the rollout's logits
 * and values; then advantages are normalized per minibatch, the PPO loss and its gradient
 * computed (algo/loss.h), backpropagated through the policy, clipped by global norm, and applied
 * with Adam. With target_kl > 0 the epochs stop once approx_kl of an epoch's last minibatch
 * exceeds it (CleanRL).
 *
 * Data-parallel over MPI ranks (dist.h; learner_set_dist): every rank holds the rollout of its
 * own envs and the same parameters, Adam state and shuffle RNG, so every rank draws the same
 * permutation and minibatch k is the union of every rank's envs perm[k * Bm ..]. Per minibatch
 * the advantages are normalized with the mean and std of that union (sums all-reduced), each
 * rank backpropagates the mean loss over its own samples, and one all-reduce over the gradient
 * buffer averages the gradients: with equal sample counts on every rank that is the gradient
 * of the mean loss over the union, the gradient one process would compute from all the data.
 * The clip and Adam then run on identical numbers on every rank. Logged statistics and the
 * target_kl test use values summed over the ranks. */
#ifndef PPO_LEARNER_H
#define PPO_LEARNER_H

#include <stdatomic.h>

#include "algo/loss.h"
#include "algo/optim.h"
#include "algo/rollout.h"
#include "core/dist.h"
#include "core/pool.h"
#include "core/rng.h"
#include "policies/policy.h"

/* The `ppo:` section: PPO's hyperparameters (Schulman et al. 2017; names and defaults as
 * CleanRL's ppo.py). */
typedef struct PPOConfig {
    double learning_rate;  /* Adam step size at the start of training */
    bool anneal_lr;        /* anneal the learning rate linearly to 0 over the run */
    double gamma;          /* discount factor */
    double gae_lambda;     /* GAE lambda (Schulman et al. 2016) */
    int update_epochs;     /* passes over each rollout */
    int num_minibatches;   /* minibatches per epoch (each holds whole env sequences) */
    bool norm_adv;         /* normalize advantages per minibatch */
    double clip_coef;      /* clip coefficient epsilon of the ratio (and of the value) */
    bool clip_vloss;       /* clip the value loss around the old value */
    double ent_coef;       /* entropy coefficient */
    double vf_coef;        /* value-loss coefficient */
    double vf_huber;       /* Huber delta of the value loss; 0 = squared error */
    double max_grad_norm;  /* global gradient-norm clip */
    double target_kl;      /* stop an update's epochs once approx_kl exceeds it; 0 = never */
    double adam_eps;       /* Adam epsilon */
    bool norm_obs;         /* normalize observations by running statistics (algo/normalize.h) */
    bool norm_reward;      /* scale rewards by the running std of the discounted return */
    double clip_obs;       /* normalized observations are clipped to [-clip_obs, clip_obs] */
    double clip_reward;    /* scaled rewards are clipped to [-clip_reward, clip_reward] */
    double count_bonus;    /* coef of the count-based exploration bonus (count_bonus.h); 0 = none */
} PPOConfig;

/* What one update logs: means over the minibatches it ran (approx_kl and clipfrac too; CleanRL
 * logs the last minibatch's), plus figures of the whole rollout. */
typedef struct UpdateStats {
    double policy_loss, value_loss, entropy, approx_kl, clipfrac;
    double explained_variance; /* 1 - Var(returns - values) / Var(returns) over the rollout */
    double grad_norm;          /* mean global gradient norm before clipping */
    double learning_rate;
    int epochs_run;            /* < update_epochs when target_kl stopped the update */
    int minibatches_run;
    bool finite;               /* false when the loss or a gradient was NaN or Inf */
} UpdateStats;

/* One part of a minibatch: its envs b0 .. b0 + B - 1 (B >= 1), gathered contiguous [T, B, ...]. */
typedef struct LearnerPart {
    int b0, B;
    PolicyWork *work; /* for [T, B] */
    float *grads;     /* [P] the gradient of this part's mean loss */
    float *obs, *logprobs, *values, *advantages, *returns, *state0;
    uint8_t *episode_start;
    int32_t *prev_action, *actions;
    float *box_actions; /* [T, B, A] a Gaussian policy's continuous actions */
    float *logits, *new_values, *dlogits, *dvalues;
    float *dlog_std;    /* [A] a Gaussian policy's log_std gradient */
    PPOLossStats ls;  /* this part's loss terms (means over its rows) */
    double loss;
} LearnerPart;

typedef struct Learner {
    Policy *policy; /* not owned */
    Adam *adam;     /* owned */
    Dist *dist;     /* not owned; NULL: one process */
    Pool *pool;     /* not owned; NULL: one worker */
    int T, N, Bm;   /* steps, envs, envs per minibatch (of this rank) */
    float *grads;   /* [P + 1]: the gradient, then a slot that is non-zero when some rank's
                       loss was not finite (all-reduced with the gradient) */
    int *perm;      /* [N] */
    Rng rng;        /* minibatch shuffles */
    float *advantages; /* [T, Bm] the minibatch's advantages, normalized together */
    int n_parts;    /* W: workers x parts_per_worker, at most Bm */
    LearnerPart *parts; /* [W]: part c holds envs Bm * c / W .. Bm * (c + 1) / W - 1 */
    atomic_int next_part; /* the next part a worker takes (learner_gradient) */
    /* the minibatch the parts work on (set before each pool run) */
    const RolloutBuffer *buf;
    const int *envs;
    const PPOConfig *ppo;
} Learner;

/* Creates a learner for rollouts of num_steps x num_envs with num_minibatches minibatches and
 * Adam(eps); the shuffle RNG is seeded from (seed, stream). Each minibatch's env sequences are
 * cut into W = pool_size(pool) x parts_per_worker parts (at most one per env; pool not owned,
 * NULL: one worker); the workers take parts as they finish one, each part's gradient is computed
 * on its own and the parts' are summed in part order: the result depends on W, not on which
 * worker ran which part. Errors: num_minibatches does not divide num_envs, parts_per_worker < 1,
 * out of memory. */
int learner_create(Learner **out, Policy *policy, int num_steps, int num_envs,
                   int num_minibatches, double adam_eps, uint64_t seed, uint64_t stream,
                   Pool *pool, int parts_per_worker, Err *err);
/* Frees a learner (NULL is allowed); the policy is not its own. */
void learner_destroy(Learner *l);

/* Makes the learner one of the ranks of d (NULL: one process, the default). Every rank must
 * have the same parameters, Adam state, seed and sizes. */
void learner_set_dist(Learner *l, Dist *d);

/* The learning rate of update `update` (1-based) of num_updates: ppo->learning_rate, annealed
 * linearly to 0 over the run when ppo->anneal_lr (CleanRL's frac = 1 - (update - 1) / updates). */
double ppo_learning_rate(const PPOConfig *ppo, long update, long num_updates);

/* Computes GAE over the rollout (into buf->advantages, buf->returns), then runs the update with
 * learning rate lr. Fills stats. Stops early and reports finite = false when the loss or the
 * gradient is not finite (the parameters are then left as they were before that minibatch).
 * Returns 0, or -1 when a collective over the ranks failed (the message: dist_error; stats
 * and parameters are then not to be used). */
int learner_update(Learner *l, RolloutBuffer *buf, const PPOConfig *ppo, double lr,
                   UpdateStats *stats);

/* The gradient of one minibatch, the sequences of envs [Bm] (indices into buf, whose advantages
 * and returns GAE has filled): replayed from their stored states, advantages normalized over
 * the minibatch of all ranks (ppo->norm_adv), the loss of algo/loss.h, its gradient by hand
 * (each part of the envs on its own, the parts' gradients weighted by their rows and
 * summed in part order), averaged over the ranks, into l->grads [P] (not clipped). Fills ls with this rank's loss
 * terms and *finite with whether the loss was finite on every rank. Returns 0, or -1 when a
 * collective failed. */
int learner_gradient(Learner *l, const RolloutBuffer *buf, const int *envs, const PPOConfig *ppo,
                     PPOLossStats *ls, bool *finite);

#endif
