/* gradcheck_ppo_loss.c (built with real = double): the hand-written gradient of the PPO loss
 * (policy, value and entropy terms, with and without value clipping) matches central
 * differences, for the categorical head and the Gaussian one (means and log_std), alone and through
 * the whole policy of each kind; and advantage normalization uses the unbiased std. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo/loss.h"
#include "core/rng.h"
#include "policies/categorical.h"
#include "policies/gaussian.h"
#include "policies/policy.h"
#include "tests/testutil.h"

enum { N = 24, A = 3 };

typedef struct Batch {
    double logits[N * A], values[N], old_logprobs[N], old_values[N], adv[N], ret[N];
    int32_t actions[N];
} Batch;

static void make_batch(Batch *b, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed, 0);
    for (int i = 0; i < N * A; i++) b->logits[i] = rng_normal(&r);
    for (int i = 0; i < N; i++) {
        b->actions[i] = (int32_t)rng_below(&r, A);
        double logp[A];
        categorical_log_softmax(A, b->logits + i * A, logp);
        /* old log-probs near the new ones, so ratios fall on both sides of the clip range */
        b->old_logprobs[i] = logp[b->actions[i]] + 0.4 * rng_normal(&r);
        b->values[i] = rng_normal(&r);
        b->old_values[i] = b->values[i] + 0.3 * rng_normal(&r);
        b->adv[i] = rng_normal(&r);
        b->ret[i] = rng_normal(&r);
    }
}

static double loss_of(const Batch *b, const PPOLossCoefs *c) {
    double dl[N * A], dv[N];
    return ppo_loss(N, A, b->logits, b->values, b->actions, b->old_logprobs, b->old_values, b->adv,
                    b->ret, c, dl, dv, NULL);
}

/* Relative error of the hand-written gradient against central differences, over each of the
 * two tensors (logits, values): ||num - ana|| / max(||num||, ||ana||); the larger of the two.
 * A per-tensor norm, because entries of order 1e-7 carry the rounding of the double loss
 * divided by the step (about 1e-10), which no per-entry bound could ignore. */
static double check(const PPOLossCoefs *c, uint64_t seed) {
    Batch b;
    make_batch(&b, seed);
    double dl[N * A], dv[N];
    ppo_loss(N, A, b.logits, b.values, b.actions, b.old_logprobs, b.old_values, b.adv, b.ret, c, dl, dv, NULL);
    const double h = 1e-6;
    double diff2[2] = {0, 0}, num2[2] = {0, 0}, ana2[2] = {0, 0};
    for (int i = 0; i < N * A + N; i++) {
        int k = i < N * A ? 0 : 1;
        double *x = k == 0 ? &b.logits[i] : &b.values[i - N * A];
        double ana = k == 0 ? dl[i] : dv[i - N * A];
        double keep = *x;
        *x = keep + h;
        double up = loss_of(&b, c);
        *x = keep - h;
        double down = loss_of(&b, c);
        *x = keep;
        double num = (up - down) / (2 * h);
        diff2[k] += (num - ana) * (num - ana);
        num2[k] += num * num;
        ana2[k] += ana * ana;
    }
    double worst = 0;
    for (int k = 0; k < 2; k++) {
        double rel = sqrt(diff2[k]) / fmax(sqrt(fmax(num2[k], ana2[k])), 1e-300);
        if (rel > worst) worst = rel;
    }
    return worst;
}

START_TEST(the_loss_gradient_matches_central_differences) {
    const PPOLossCoefs with_clip = {0.2, true, 0.01, 0.5, 0.0};
    const PPOLossCoefs no_clip = {0.2, false, 0.05, 1.0, 0.0};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double e1 = check(&with_clip, seed), e2 = check(&no_clip, seed);
        ck_assert_msg(e1 <= 1e-6, "clip_vloss: max relative error %.3g (seed %llu)", e1, (unsigned long long)seed);
        ck_assert_msg(e2 <= 1e-6, "no clip_vloss: max relative error %.3g (seed %llu)", e2, (unsigned long long)seed);
    }
}
END_TEST

START_TEST(the_huber_value_loss_gradient_matches_central_differences) {
    /* values and returns N(0, 1): errors |V - R| on both sides of delta 0.5 */
    const PPOLossCoefs huber = {0.2, false, 0.01, 0.5, 0.5}, huber_clip = {0.2, true, 0.01, 0.5, 0.5};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double e1 = check(&huber, seed), e2 = check(&huber_clip, seed);
        ck_assert_msg(e1 <= 1e-6, "vf_huber: max relative error %.3g (seed %llu)", e1, (unsigned long long)seed);
        ck_assert_msg(e2 <= 1e-6, "vf_huber, clip_vloss: max relative error %.3g (seed %llu)", e2, (unsigned long long)seed);
    }
}
END_TEST

START_TEST(the_huber_value_loss_is_the_squared_error_within_delta_and_bounds_each_rows_gradient) {
    /* Errors V - R of 0.3, -0.8, 40 and -40 at delta 1, vf_coef 0.5, n = 4: loss
     * 0.5 * 0.3^2, 0.5 * 0.8^2, then 1 * (40 - 0.5) twice; gradients vf_coef / n times 0.3,
     * -0.8, 1, -1 (the squared error's would be 40 and -40). */
    enum { n = 4 };
    double logits[n * A] = {0}, values[n] = {50.3, 49.2, 50, 10}, ret[n] = {50, 50, 10, 50};
    double old_logprobs[n], adv[n] = {0}, dl[n * A], dv[n];
    int32_t actions[n] = {0, 1, 2, 0};
    for (int i = 0; i < n; i++) old_logprobs[i] = -log(3.0);
    const PPOLossCoefs huber = {0.2, false, 0.0, 0.5, 1.0}, squared = {0.2, false, 0.0, 0.5, 0.0};
    PPOLossStats st;
    ppo_loss(n, A, logits, values, actions, old_logprobs, values, adv, ret, &huber, dl, dv, &st);
    const double want[n] = {0.3, -0.8, 1, -1};
    for (int i = 0; i < n; i++) ck_assert_double_eq_tol(dv[i], 0.5 * want[i] / n, 1e-12);
    ck_assert_double_eq_tol(st.v_loss, (0.5 * 0.09 + 0.5 * 0.64 + 2 * 39.5) / n, 1e-12);
    ppo_loss(n, A, logits, values, actions, old_logprobs, values, adv, ret, &squared, dl, dv, &st);
    ck_assert_double_eq_tol(dv[2], 0.5 * 40 / n, 1e-12);
    ck_assert_double_eq_tol(st.v_loss, (0.5 * 0.09 + 0.5 * 0.64 + 2 * 800) / n, 1e-12);
}
END_TEST

START_TEST(every_term_contributes_to_the_gradient) {
    /* A guard against a term silently dropped: each coefficient changes the gradient. */
    Batch b;
    make_batch(&b, 9);
    double base_l[N * A], base_v[N], l2[N * A], v2[N];
    const PPOLossCoefs c = {0.2, true, 0.01, 0.5, 0.0}, more_ent = {0.2, true, 0.5, 0.5, 0.0},
                       more_vf = {0.2, true, 0.01, 2.0, 0.0};
    ppo_loss(N, A, b.logits, b.values, b.actions, b.old_logprobs, b.old_values, b.adv, b.ret, &c, base_l, base_v, NULL);
    ppo_loss(N, A, b.logits, b.values, b.actions, b.old_logprobs, b.old_values, b.adv, b.ret, &more_ent, l2, v2, NULL);
    double d = 0;
    for (int i = 0; i < N * A; i++) d += fabs(l2[i] - base_l[i]);
    ck_assert_double_gt(d, 1e-6);
    ppo_loss(N, A, b.logits, b.values, b.actions, b.old_logprobs, b.old_values, b.adv, b.ret, &more_vf, l2, v2, NULL);
    for (int i = 0; i < N; i++) ck_assert_double_eq_tol(v2[i], 4 * base_v[i], 1e-12);
}
END_TEST

START_TEST(at_ratio_one_the_policy_gradient_is_minus_the_advantage_times_the_score) {
    Batch b;
    make_batch(&b, 3);
    for (int i = 0; i < N; i++) {
        double logp[A];
        categorical_log_softmax(A, b.logits + i * A, logp);
        b.old_logprobs[i] = logp[b.actions[i]];
    }
    const PPOLossCoefs c = {0.2, false, 0.0, 0.0, 0.0};
    double dl[N * A], dv[N];
    PPOLossStats st;
    ppo_loss(N, A, b.logits, b.values, b.actions, b.old_logprobs, b.old_values, b.adv, b.ret, &c, dl, dv, &st);
    ck_assert_double_eq_tol(st.approx_kl, 0.0, 1e-15);
    ck_assert_double_eq(st.clipfrac, 0.0);
    for (int i = 0; i < N; i++) {
        double logp[A];
        categorical_log_softmax(A, b.logits + i * A, logp);
        for (int j = 0; j < A; j++) {
            double score = (j == b.actions[i]) - exp(logp[j]);
            ck_assert_double_eq_tol(dl[i * A + j], -b.adv[i] * score / N, 1e-15);
        }
    }
}
END_TEST

START_TEST(advantages_are_normalized_with_the_unbiased_std) {
    double a[4] = {1, 2, 3, 4};
    ppo_normalize_advantages(NULL, 4, a);
    /* mean 2.5, unbiased std sqrt(5/3) */
    double s = sqrt(5.0 / 3.0);
    ck_assert_double_eq_tol(a[0], -1.5 / (s + 1e-8), 1e-12);
    ck_assert_double_eq_tol(a[3], 1.5 / (s + 1e-8), 1e-12);
    double one[1] = {7};
    ppo_normalize_advantages(NULL, 1, one);
    ck_assert_double_eq(one[0], 7);
    double same[3] = {2, 2, 2};
    ppo_normalize_advantages(NULL, 3, same);
    for (int i = 0; i < 3; i++) ck_assert(isfinite(same[i]) && same[i] == 0.0);
}
END_TEST

/* The Gaussian head's loss (gaussian.h): D = 2 dimensions, old log-probs near the new ones. */
enum { DG = 2 };
typedef struct GBatch {
    double means[N * DG], log_std[DG], values[N], actions[N * DG], old_logprobs[N], old_values[N], adv[N], ret[N];
} GBatch;

static void make_gbatch(GBatch *b, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed, 7);
    for (int j = 0; j < DG; j++) b->log_std[j] = 0.5 * rng_normal(&r);
    for (int i = 0; i < N * DG; i++) {
        b->means[i] = rng_normal(&r);
        b->actions[i] = b->means[i] + exp(b->log_std[i % DG]) * rng_normal(&r);
    }
    for (int i = 0; i < N; i++) {
        b->old_logprobs[i] = gaussian_logprob(DG, b->means + i * DG, b->log_std, b->actions + i * DG) +
                             0.4 * rng_normal(&r);
        b->values[i] = rng_normal(&r);
        b->old_values[i] = b->values[i] + 0.3 * rng_normal(&r);
        b->adv[i] = rng_normal(&r);
        b->ret[i] = rng_normal(&r);
    }
}

static double gloss_of(GBatch *b, const PPOLossCoefs *c, double *dm, double *dls, double *dv) {
    return ppo_loss_gaussian(N, DG, b->means, b->log_std, b->values, b->actions, b->old_logprobs, b->old_values,
                             b->adv, b->ret, c, dm, dls, dv, NULL);
}

/* As check(), over means, log_std and values. */
static double gcheck(const PPOLossCoefs *c, uint64_t seed) {
    GBatch b;
    make_gbatch(&b, seed);
    double dm[N * DG], dls[DG], dv[N], sm[N * DG], sls[DG], sv[N];
    gloss_of(&b, c, dm, dls, dv);
    const double h = 1e-6;
    double diff2[3] = {0}, num2[3] = {0}, ana2[3] = {0};
    for (int i = 0; i < N * DG + DG + N; i++) {
        int k = i < N * DG ? 0 : i < N * DG + DG ? 1 : 2;
        double *x = k == 0 ? &b.means[i] : k == 1 ? &b.log_std[i - N * DG] : &b.values[i - N * DG - DG];
        double ana = k == 0 ? dm[i] : k == 1 ? dls[i - N * DG] : dv[i - N * DG - DG];
        double keep = *x;
        *x = keep + h;
        double up = gloss_of(&b, c, sm, sls, sv);
        *x = keep - h;
        double down = gloss_of(&b, c, sm, sls, sv);
        *x = keep;
        double num = (up - down) / (2 * h);
        diff2[k] += (num - ana) * (num - ana);
        num2[k] += num * num;
        ana2[k] += ana * ana;
    }
    double worst = 0;
    for (int k = 0; k < 3; k++) {
        double rel = sqrt(diff2[k]) / fmax(sqrt(fmax(num2[k], ana2[k])), 1e-300);
        if (rel > worst) worst = rel;
    }
    return worst;
}

START_TEST(the_gaussian_loss_gradient_matches_central_differences) {
    const PPOLossCoefs with_clip = {0.2, true, 0.01, 0.5, 0.0};
    const PPOLossCoefs no_clip = {0.2, false, 0.05, 1.0, 0.0};
    const PPOLossCoefs huber = {0.2, true, 0.01, 0.5, 0.3};
    double worst = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double e1 = gcheck(&with_clip, seed), e2 = gcheck(&no_clip, seed), e3 = gcheck(&huber, seed);
        ck_assert_msg(e1 <= 1e-6, "clip_vloss: max relative error %.3g (seed %llu)", e1, (unsigned long long)seed);
        ck_assert_msg(e2 <= 1e-6, "no clip_vloss: max relative error %.3g (seed %llu)", e2, (unsigned long long)seed);
        ck_assert_msg(e3 <= 1e-6, "vf_huber 0.3: max relative error %.3g (seed %llu)", e3, (unsigned long long)seed);
        worst = fmax(worst, fmax(e1, fmax(e2, e3)));
    }
    printf("gradcheck gaussian ppo loss (means, log_std, values): max rel err %.2e\n", worst);
}
END_TEST

START_TEST(the_gaussian_logprob_and_entropy_are_normals) {
    /* N(0.5, 0.2^2) at 0.9: -(2^2)/2 - log 0.2 - log sqrt(2 pi); entropy 0.5 + log sqrt(2 pi) + log 0.2 */
    double m[2] = {0.5, -1.0}, ls[2] = {log(0.2), 0.0}, a[2] = {0.9, -1.0};
    double want = (-2.0 - log(0.2) - GAUSSIAN_LOG_SQRT_2PI) + (0.0 - 0.0 - GAUSSIAN_LOG_SQRT_2PI);
    ck_assert_double_eq_tol(gaussian_logprob(2, m, ls, a), want, 1e-12);
    ck_assert_double_eq_tol(gaussian_entropy(2, ls), 1.0 + 2 * GAUSSIAN_LOG_SQRT_2PI + log(0.2), 1e-12);
    /* samples: mean and std of 20000 draws within 3 standard errors */
    Rng r;
    rng_seed(&r, 4, 4);
    double s1 = 0, s2 = 0, x[2], lp;
    for (int i = 0; i < 20000; i++) {
        gaussian_sample(2, m, ls, &r, x, &lp);
        ck_assert_double_eq_tol(lp, gaussian_logprob(2, m, ls, x), 1e-12);
        s1 += x[0];
        s2 += x[0] * x[0];
    }
    double mean = s1 / 20000, sd = sqrt(s2 / 20000 - mean * mean);
    ck_assert_double_eq_tol(mean, 0.5, 3 * 0.2 / sqrt(20000));
    ck_assert_double_eq_tol(sd, 0.2, 0.01);
}
END_TEST


/* The whole PPO loss through the GLA policy: L(theta) = ppo_loss(policy_forward_sequence(theta)),
 * on a [T, B] sequence with episode starts inside it and a non-zero initial state. Old
 * log-probs and values sit either at the current ones (ratio 1) or far outside the clip range,
 * so no finite-difference step crosses a kink of the clipped terms. Gradient by ppo_loss then
 * policy_backward_sequence; numbers by the 4th-order central difference at h = 1e-4; error per
 * tensor ||num - ana|| / max(||num||, ||ana||) over a sample of its entries. */
typedef struct E2E {
    Policy *p;
    PolicyWork *w;
    int T, B;
    double *state0, *obs, *logits, *values, *old_logprobs, *old_values, *adv, *ret, *dl, *dv;
    uint8_t *start;
    int32_t *prev, *actions;
} E2E;

static double e2e_loss(E2E *e) {
    policy_forward_sequence(e->p, e->w, e->T, e->B, e->state0, e->obs, e->start, e->prev, e->logits,
                            e->values, NULL);
    const PPOLossCoefs c = {0.2, true, 0.01, 0.5, 0.0};
    double L = ppo_loss(e->T * e->B, e->p->n_actions, e->logits, e->values, e->actions,
                        e->old_logprobs, e->old_values, e->adv, e->ret, &c, e->dl, e->dv, NULL);
    return L;
}

/* The recurrent kinds the whole-loss check runs through (one per loop index). */
static double e2e_loss_of(void *e) { return e2e_loss(e); }

/* The relative error of tensor t's gradient grads [P] against fourth-order central differences
 * of loss(ctx) (step h = 1e-4) at up to 6 of its entries (spread by a stride of 7919):
 * |num - ana| / max(|num|, |ana|) over those entries, as 2-norms. Restores every parameter. */
static double tensor_rel_error(Policy *p, const ParamTensor *t, const double *grads, double (*loss)(void *),
                               void *ctx) {
    const double h = 1e-4, steps[4] = {-2 * h, -h, h, 2 * h};
    double d2 = 0, n2 = 0, a2 = 0;
    for (size_t k = 0; k < t->size && k < 6; k++) {
        size_t at = t->offset + (k * 7919) % t->size;
        double keep = p->params[at], f[4];
        for (int s = 0; s < 4; s++) {
            p->params[at] = keep + steps[s];
            f[s] = loss(ctx);
        }
        p->params[at] = keep;
        double num = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h), ana = grads[at];
        d2 += (num - ana) * (num - ana);
        n2 += num * num;
        a2 += ana * ana;
    }
    return sqrt(d2) / fmax(sqrt(fmax(n2, a2)), 1e-300);
}

static const char *const E2E_KINDS[] = {"gla", "lstm", "gru"};
#define N_E2E_KINDS (int)(sizeof E2E_KINDS / sizeof E2E_KINDS[0])

START_TEST(the_whole_ppo_loss_backpropagates_through_each_recurrent_policy) {
    const char *kind = E2E_KINDS[_i];
    E2E e = {0};
    e.T = 8;
    e.B = 3;
    const int T = e.T, B = e.B, O = 4, A = 3, n = T * B;
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    snprintf(cfg.kind, sizeof cfg.kind, "%s", kind);
    cfg.prev_action = true;
    cfg.hidden = 8; /* lstm, gru */
    Err err;
    ck_assert_msg(policy_create(&e.p, &cfg, O, A, &err) == 0, "%s", err.msg);
    e.w = policy_work_create(e.p, T, B);
    Rng r;
    rng_seed(&r, 11, 0);
    policy_init(e.p, &r);
    for (size_t i = 0; i < e.p->n_params; i++) e.p->params[i] += 0.3 * rng_normal(&r);
    size_t S = e.p->state_size;
    e.state0 = malloc(sizeof(double) * (S * B + 1));
    e.obs = malloc(sizeof(double) * n * O);
    e.logits = malloc(sizeof(double) * n * A);
    e.dl = malloc(sizeof(double) * n * A);
    e.values = malloc(sizeof(double) * n);
    e.dv = malloc(sizeof(double) * n);
    e.old_logprobs = malloc(sizeof(double) * n);
    e.old_values = malloc(sizeof(double) * n);
    e.adv = malloc(sizeof(double) * n);
    e.ret = malloc(sizeof(double) * n);
    e.start = calloc((size_t)n, 1);
    e.prev = malloc(sizeof(int32_t) * n);
    e.actions = malloc(sizeof(int32_t) * n);
    for (size_t i = 0; i < S * B; i++) e.state0[i] = 0.5 * rng_normal(&r);
    for (int i = 0; i < n * O; i++) e.obs[i] = rng_normal(&r);
    for (int i = 0; i < n; i++) {
        e.prev[i] = (int32_t)rng_below(&r, A);
        e.actions[i] = (int32_t)rng_below(&r, A);
        e.adv[i] = rng_normal(&r);
        e.ret[i] = rng_normal(&r);
    }
    e.start[0] = 1;
    e.start[4 * B + 1] = 1;
    e.start[2 * B + 2] = 1;
    policy_forward_sequence(e.p, e.w, T, B, e.state0, e.obs, e.start, e.prev, e.logits, e.values, NULL);
    const double off[3] = {0.0, 0.6, -0.6};
    for (int i = 0; i < n; i++) {
        double logp[A];
        categorical_log_softmax(A, e.logits + i * A, logp);
        e.old_logprobs[i] = logp[e.actions[i]] + off[i % 3];
        e.old_values[i] = e.values[i] + 3 * off[(i / 3) % 3];
    }
    double *grads = calloc(e.p->n_params, sizeof(double));
    e2e_loss(&e);
    policy_backward_sequence(e.p, e.w, e.dl, e.dv, grads);
    double worst = 0;
    for (int ti = 0; ti < e.p->n_tensors; ti++) {
        const ParamTensor *t = &e.p->tensors[ti];
        double rel = tensor_rel_error(e.p, t, grads, e2e_loss_of, &e);
        printf("gradcheck ppo loss through %-4s %-24s max rel err %.2e\n", kind, t->name, rel);
        ck_assert_msg(rel <= 1e-6, "%s %s: relative error %.3g", kind, t->name, rel);
        if (rel > worst) worst = rel;
    }
    free(grads);
    free(e.state0); free(e.obs); free(e.logits); free(e.dl); free(e.values); free(e.dv);
    free(e.old_logprobs); free(e.old_values); free(e.adv); free(e.ret); free(e.start);
    free(e.prev); free(e.actions);
    policy_work_destroy(e.w);
    policy_destroy(e.p);
}
END_TEST

/* The whole PPO loss through a Gaussian policy of kind `kind` (gla, mlp): as above, with
 * continuous actions of 2 dimensions and log_std's gradient added into the parameter gradient
 * as the learner adds it (algo/learner.c part_gradient); every tensor, log_std included, is
 * checked. */
typedef struct GE2E {
    Policy *p;
    PolicyWork *w;
    int T, B;
    double *state0, *obs, *means, *values, *old_logprobs, *old_values, *adv, *ret, *actions, *dm, *dv, dls[2];
    uint8_t *start;
    int32_t *prev;
} GE2E;

static double ge2e_loss(GE2E *e) {
    policy_forward_sequence(e->p, e->w, e->T, e->B, e->state0, e->obs, e->start, e->prev, e->means, e->values, NULL);
    const PPOLossCoefs c = {0.2, true, 0.01, 0.5, 0.0};
    return ppo_loss_gaussian(e->T * e->B, e->p->n_actions, e->means, policy_log_std(e->p), e->values, e->actions,
                             e->old_logprobs, e->old_values, e->adv, e->ret, &c, e->dm, e->dls, e->dv, NULL);
}

static double ge2e_loss_of(void *e) { return ge2e_loss(e); }

static double gaussian_e2e(const char *kind) {
    GE2E e = {0};
    e.T = 8;
    e.B = 3;
    const int T = e.T, B = e.B, O = 4, D = 2, n = T * B;
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    snprintf(cfg.kind, sizeof cfg.kind, "%s", kind);
    cfg.hidden = 8;
    Err err;
    ck_assert_msg(policy_create_gaussian(&e.p, &cfg, O, D, &err) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(policy_tensor(e.p, "log_std"));
    e.w = policy_work_create(e.p, T, B);
    Rng r;
    rng_seed(&r, 12, 0);
    policy_init(e.p, &r);
    for (size_t i = 0; i < e.p->n_params; i++) e.p->params[i] += 0.3 * rng_normal(&r);
    size_t S = e.p->state_size;
    e.state0 = malloc(sizeof(double) * (S * B + 1));
    e.obs = malloc(sizeof(double) * n * O);
    e.means = malloc(sizeof(double) * n * D);
    e.dm = malloc(sizeof(double) * n * D);
    e.actions = malloc(sizeof(double) * n * D);
    e.values = malloc(sizeof(double) * n);
    e.dv = malloc(sizeof(double) * n);
    e.old_logprobs = malloc(sizeof(double) * n);
    e.old_values = malloc(sizeof(double) * n);
    e.adv = malloc(sizeof(double) * n);
    e.ret = malloc(sizeof(double) * n);
    e.start = calloc((size_t)n, 1);
    e.prev = calloc((size_t)n, sizeof(int32_t));
    for (size_t i = 0; i < S * B; i++) e.state0[i] = 0.5 * rng_normal(&r);
    for (int i = 0; i < n * O; i++) e.obs[i] = rng_normal(&r);
    for (int i = 0; i < n; i++) {
        e.adv[i] = rng_normal(&r);
        e.ret[i] = rng_normal(&r);
    }
    e.start[0] = 1;
    e.start[4 * B + 1] = 1;
    policy_forward_sequence(e.p, e.w, T, B, e.state0, e.obs, e.start, e.prev, e.means, e.values, NULL);
    const double off[3] = {0.0, 0.6, -0.6};
    for (int i = 0; i < n; i++) {
        double lp;
        gaussian_sample(D, e.means + i * D, policy_log_std(e.p), &r, e.actions + i * D, &lp);
        e.old_logprobs[i] = lp + off[i % 3];
        e.old_values[i] = e.values[i] + 3 * off[(i / 3) % 3];
    }
    double *grads = calloc(e.p->n_params, sizeof(double));
    ge2e_loss(&e);
    for (int j = 0; j < D; j++) grads[e.p->log_std_offset + j] = e.dls[j];
    policy_backward_sequence(e.p, e.w, e.dm, e.dv, grads);
    double worst = 0;
    for (int ti = 0; ti < e.p->n_tensors; ti++) {
        const ParamTensor *t = &e.p->tensors[ti];
        double rel = tensor_rel_error(e.p, t, grads, ge2e_loss_of, &e);
        if (strcmp(t->name, "log_std") == 0)
            printf("gradcheck gaussian ppo loss through %s  %-24s max rel err %.2e\n", kind, t->name, rel);
        ck_assert_msg(rel <= 1e-6, "%s %s: relative error %.3g", kind, t->name, rel);
        if (rel > worst) worst = rel;
    }
    free(grads);
    free(e.state0); free(e.obs); free(e.means); free(e.dm); free(e.actions); free(e.values); free(e.dv);
    free(e.old_logprobs); free(e.old_values); free(e.adv); free(e.ret); free(e.start); free(e.prev);
    policy_work_destroy(e.w);
    policy_destroy(e.p);
    return worst;
}

/* Every policy kind takes the Gaussian head with no code of its own (policy.c adds log_std). */
static const char *const GAUSSIAN_KINDS[] = {"gla", "mlp", "lstm", "gru"};
#define N_GAUSSIAN_KINDS (int)(sizeof GAUSSIAN_KINDS / sizeof GAUSSIAN_KINDS[0])

START_TEST(the_whole_gaussian_ppo_loss_backpropagates_through_each_policy_kind) {
    double worst = gaussian_e2e(GAUSSIAN_KINDS[_i]);
    printf("gradcheck gaussian ppo loss through %s: every tensor, max rel err %.2e\n", GAUSSIAN_KINDS[_i], worst);
}
END_TEST

static Suite *loss_suite(void) {
    Suite *s = suite_create("ppo_loss (double)");
    TCase *tc = test_case("gradient");
    tcase_add_test(tc, the_loss_gradient_matches_central_differences);
    tcase_add_test(tc, the_huber_value_loss_gradient_matches_central_differences);
    tcase_add_test(tc, the_huber_value_loss_is_the_squared_error_within_delta_and_bounds_each_rows_gradient);
    tcase_add_test(tc, every_term_contributes_to_the_gradient);
    tcase_add_test(tc, at_ratio_one_the_policy_gradient_is_minus_the_advantage_times_the_score);
    tcase_add_test(tc, advantages_are_normalized_with_the_unbiased_std);
    tcase_add_loop_test(tc, the_whole_ppo_loss_backpropagates_through_each_recurrent_policy, 0, N_E2E_KINDS);
    tcase_add_test(tc, the_gaussian_loss_gradient_matches_central_differences);
    tcase_add_test(tc, the_gaussian_logprob_and_entropy_are_normals);
    tcase_add_loop_test(tc, the_whole_gaussian_ppo_loss_backpropagates_through_each_policy_kind, 0, N_GAUSSIAN_KINDS);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(loss_suite)
