/* gradcheck_policy.c: the hand-written backward passes of the policies equal central
 * differences of their forward passes, built with `real` = double.
 *
 * Loss: a random linear functional of the outputs, L = sum c_logits . logits + sum c_value .
 * value, over a [T, B] sequence with episode starts inside it (and at t = 0 for one env), a
 * non-zero initial state and random previous actions. For a sample of entries of every
 * parameter tensor the analytic dL/dtheta (policy_backward_sequence) is compared with the
 * 6th-order central difference (45 (f1 - f-1) - 9 (f2 - f-2) + (f3 - f-3)) / (60 h), fk =
 * L(theta + k h), h = 3e-4: truncation O(h^6), rounding ~1e-16 |L| / h. (A 2nd- or 4th-order
 * difference at h ~ 1e-4 leaves ~1e-6 errors on the gate tensors, whose gradients are ~1e-3 of
 * the loss: the error fell as 1/h, i.e. rounding, as expected near resets.)
 * Error of an entry: |num - ana| / max(|num|, |ana|, 1e-6 * the largest |ana| of its tensor)
 * (the floor keeps an entry whose gradient is ~0 by cancellation from reading as noise);
 * the largest over each tensor's sample must be <= 1e-6. Each tensor's figure is printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/policy.h"
#include "tests/testutil.h"

#define GC_MAX_REL 1e-6
#define GC_SAMPLES 10 /* entries per tensor (all when fewer) */
#define GC_H 3e-4

typedef struct Case {
    Policy *p;
    PolicyWork *w;
    int T, B;
    real *state0, *obs, *logits, *value, *c_logits, *c_value;
    uint8_t *start;
    int32_t *prev;
} Case;

static double case_loss(Case *c) {
    policy_forward_sequence(c->p, c->w, c->T, c->B, c->state0, c->obs, c->start, c->prev,
                            c->logits, c->value, NULL);
    double L = 0;
    int N = c->T * c->B, A = c->p->n_actions;
    for (int i = 0; i < N * A; i++) L += c->c_logits[i] * c->logits[i];
    for (int i = 0; i < N; i++) L += c->c_value[i] * c->value[i];
    return L;
}

/* A case of T x B with starts at (t=0, b=0), (t=T/2, b=0), (t=2, b=1); env 2 continues its
 * non-zero initial state throughout. */
static void case_make(Case *c, const PolicyConfig *cfg, int O, int A, int T, int B,
                      double perturb, uint64_t seed) {
    Err err;
    ck_assert_msg(policy_create(&c->p, cfg, O, A, &err) == 0, "%s", err.msg);
    c->w = policy_work_create(c->p, T, B);
    ck_assert_ptr_nonnull(c->w);
    c->T = T;
    c->B = B;
    Rng rng;
    rng_seed(&rng, seed, 1);
    policy_init(c->p, &rng);
    for (size_t i = 0; i < c->p->n_params; i++) c->p->params[i] += perturb * rng_normal(&rng);
    size_t S = c->p->state_size, N = (size_t)T * B;
    c->state0 = malloc((S * B + 1) * sizeof(real));
    c->obs = malloc(N * O * sizeof(real));
    c->logits = malloc(N * A * sizeof(real));
    c->value = malloc(N * sizeof(real));
    c->c_logits = malloc(N * A * sizeof(real));
    c->c_value = malloc(N * sizeof(real));
    c->start = calloc(N, 1);
    c->prev = malloc(N * sizeof(int32_t));
    for (size_t i = 0; i < S * B; i++) c->state0[i] = 0.5 * rng_normal(&rng);
    for (size_t i = 0; i < N * O; i++) c->obs[i] = rng_normal(&rng);
    for (size_t i = 0; i < N * A; i++) c->c_logits[i] = rng_normal(&rng);
    for (size_t i = 0; i < N; i++) c->c_value[i] = rng_normal(&rng);
    for (size_t i = 0; i < N; i++) c->prev[i] = (int32_t)rng_below(&rng, (uint32_t)A);
    c->start[0] = 1;
    c->start[(size_t)(T / 2) * B] = 1;
    if (B > 1 && T > 2) c->start[2 * (size_t)B + 1] = 1;
}

static void case_free(Case *c) {
    policy_work_destroy(c->w);
    policy_destroy(c->p);
    free(c->state0);
    free(c->obs);
    free(c->logits);
    free(c->value);
    free(c->c_logits);
    free(c->c_value);
    free(c->start);
    free(c->prev);
}

/* Checks every tensor; returns the largest error over all and prints one line per tensor. */
static double case_check(Case *c, const char *label) {
    Policy *p = c->p;
    real *grads = calloc(p->n_params, sizeof(real));
    ck_assert_ptr_nonnull(grads);
    case_loss(c);
    policy_backward_sequence(p, c->w, c->c_logits, c->c_value, grads);
    double worst = 0;
    Rng rng;
    rng_seed(&rng, 99, 7);
    for (int t = 0; t < p->n_tensors; t++) {
        const ParamTensor *pt = &p->tensors[t];
        size_t idx[GC_SAMPLES];
        int ns = pt->size < GC_SAMPLES ? (int)pt->size : GC_SAMPLES;
        for (int s = 0; s < ns; s++)
            idx[s] = pt->size <= GC_SAMPLES ? (size_t)s : rng_below(&rng, (uint32_t)pt->size);
        double num[GC_SAMPLES], ana[GC_SAMPLES], scale = 0;
        for (int s = 0; s < ns; s++) {
            real *x = &p->params[pt->offset + idx[s]];
            real x0 = *x;
            double f[7]; /* f[3 + k] = L(x0 + k h), k = -3 .. 3 */
            for (int k = -3; k <= 3; k++) {
                if (k == 0) continue;
                *x = x0 + k * GC_H;
                f[3 + k] = case_loss(c);
            }
            *x = x0;
            num[s] = (45 * (f[4] - f[2]) - 9 * (f[5] - f[1]) + (f[6] - f[0])) / (60 * GC_H);
            ana[s] = grads[pt->offset + idx[s]];
            if (fabs(ana[s]) > scale) scale = fabs(ana[s]);
        }
        double tw = 0;
        size_t at = 0;
        for (int s = 0; s < ns; s++) {
            double den = fmax(fmax(fabs(num[s]), fabs(ana[s])), 1e-6 * scale);
            double e = den > 0 ? fabs(num[s] - ana[s]) / den : 0;
            if (e > tw || isnan(e)) {
                tw = e;
                at = idx[s];
            }
        }
        printf("gradcheck %-5s %-26s %4d entries  max rel err %.2e  (max |grad| %.2e)\n", label,
               pt->name, ns, tw, scale);
        ck_assert_msg(tw <= GC_MAX_REL && !isnan(tw),
                      "%s %s[%zu]: relative error %.3g > %g", label, pt->name, at, tw, GC_MAX_REL);
        ck_assert_msg(scale > 0, "%s %s: every sampled gradient is 0", label, pt->name);
        if (tw > worst) worst = tw;
    }
    free(grads);
    return worst;
}

START_TEST(gla_gradients_match_central_differences_across_resets_and_layers) {
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    cfg.d_model = 8;
    cfg.n_heads = 2;
    cfg.n_layers = 2;
    cfg.expand_k = 0.5;
    cfg.expand_v = 1.0;
    cfg.gate_rank = 3;
    cfg.mlp_ratio = 1.5;
    cfg.prev_action = true;
    cfg.start_flag = true;
    Case c;
    case_make(&c, &cfg, 3, 3, 7, 3, 0.3, 1);
    case_check(&c, "gla");
    case_free(&c);
}
END_TEST

START_TEST(gla_gradients_match_without_mlp_and_at_the_default_init) {
    /* The default init (small weights): just after a reset o_t is tiny and the per-head RMSNorm
     * scale large (up to ~316), the hardest case for the differences. */
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    cfg.d_model = 8;
    cfg.n_heads = 2;
    cfg.n_layers = 1;
    cfg.gate_rank = 4;
    cfg.mlp_ratio = 0;
    Case c;
    case_make(&c, &cfg, 4, 2, 6, 3, 0.0, 2);
    /* At the default init the gate's gradients are ~1e-6 of the loss (they scale with
     * W_a1, W_a2 and W_o, each ~0.02), below what differences of a double loss resolve (the
     * error falls as 1/h: rounding). Give those three matrices weights of order 1, leaving q,
     * k, v, so the tiny o_t just after a reset, at the default init. */
    Rng rng;
    rng_seed(&rng, 5, 5);
    const char *gate[] = {"layers.0.gla.w_a1", "layers.0.gla.w_a2", "layers.0.gla.w_o"};
    for (int i = 0; i < 3; i++) {
        const ParamTensor *t = policy_tensor(c.p, gate[i]);
        ck_assert_ptr_nonnull(t);
        for (size_t j = 0; j < t->size; j++) c.p->params[t->offset + j] = 0.5 * rng_normal(&rng);
    }
    case_check(&c, "gla0");
    case_free(&c);
}
END_TEST

START_TEST(gla_gradients_match_central_differences_in_chunks_across_segments) {
    /* policy.chunk 5 (gla_chunk.c): T 40 is two backward segments of 35 steps (7 chunks) and
     * 5; the start at T / 2 = 20 is a chunk's first step, the one at t = 2 inside a chunk */
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    cfg.d_model = 8;
    cfg.n_heads = 2;
    cfg.n_layers = 2;
    cfg.expand_k = 0.5;
    cfg.expand_v = 1.0;
    cfg.gate_rank = 3;
    cfg.mlp_ratio = 1.5;
    cfg.prev_action = true;
    cfg.start_flag = true;
    cfg.chunk = 5;
    Case c;
    case_make(&c, &cfg, 3, 3, 40, 3, 0.3, 4);
    case_check(&c, "glaC");
    case_free(&c);
}
END_TEST

START_TEST(gla_gradients_match_central_differences_with_the_short_convolution) {
    /* policy.conv 3: the convolution's taps reach back across the sequence's start into the
     * history in the (random) initial state for envs 1 and 2, never across the starts at
     * (t 0, b 0), (t 4, b 0) and (t 2, b 1); in chunks of 4 steps as well */
    for (int chunk = 0; chunk <= 4; chunk += 4) {
        PolicyConfig cfg;
        policy_config_defaults(&cfg);
        cfg.d_model = 8;
        cfg.n_heads = 2;
        cfg.n_layers = 2;
        cfg.gate_rank = 3;
        cfg.mlp_ratio = 1.5;
        cfg.prev_action = true;
        cfg.start_flag = true;
        cfg.conv = 3;
        cfg.chunk = chunk;
        Case c;
        case_make(&c, &cfg, 3, 3, 9, 3, 0.3, chunk ? 7 : 6);
        case_check(&c, chunk ? "glaWC" : "glaW");
        case_free(&c);
    }
}
END_TEST

START_TEST(mlp_gradients_match_central_differences) {
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    snprintf(cfg.kind, sizeof cfg.kind, "mlp");
    cfg.hidden = 5;
    Case c;
    case_make(&c, &cfg, 3, 3, 4, 3, 0.3, 3);
    case_check(&c, "mlp");
    case_free(&c);
}
END_TEST

/* The recurrent baselines (rnn.h): 2 layers with the previous action and the start flag fed,
 * parameters moved off the init; and 1 layer at the default init (CleanRL's: small heads). */
static void recurrent_case(const char *kind, int layers, double perturb, uint64_t seed,
                           const char *label) {
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    snprintf(cfg.kind, sizeof cfg.kind, "%s", kind);
    cfg.hidden = 5;
    cfg.n_layers = layers;
    cfg.prev_action = true;
    cfg.start_flag = true;
    Case c;
    case_make(&c, &cfg, 3, 3, 7, 3, perturb, seed);
    case_check(&c, label);
    case_free(&c);
}

START_TEST(lstm_gradients_match_central_differences_across_resets_and_layers) {
    recurrent_case("lstm", 2, 0.3, 4, "lstm");
    recurrent_case("lstm", 1, 0.0, 5, "lstm0");
}
END_TEST

START_TEST(gru_gradients_match_central_differences_across_resets_and_layers) {
    recurrent_case("gru", 2, 0.3, 6, "gru");
    recurrent_case("gru", 1, 0.0, 7, "gru0");
}
END_TEST

/* policy.cell_embed in front of every kind (policy.c): 3 cells of 5 values, then 2 more values,
 * so the kind sees 3 * 4 + 2 = 14 inputs, and the encoder's tensors get their gradient through
 * the kind's input gradient (policy_input_grad). Each cell is a one-hot of 5 values, as the
 * gridworld's are, so a cell's pre-activation in unit u is W_e[u, j] + b_e[u] for its value j;
 * those 20 sums are kept at least 0.01 away from relu's kink, 30x the largest step of the
 * difference stencil (3 h), so the loss is smooth where it is differenced. (The lstm and gru
 * kinds' own relu embedding is not kept from its kink: with these seeds no row is near it; with
 * some others one is, and the check fails with errors ~1e-3.) */
static void one_hot_cells(Case *c, uint64_t seed) {
    const Policy *p = c->p;
    int O = p->obs_dim, cells = p->cfg.obs_cells, CD = p->cfg.obs_cell_dim, E = p->cfg.cell_embed;
    Rng rng;
    rng_seed(&rng, seed, 2);
    for (int n = 0; n < c->T * c->B; n++)
        for (int k = 0; k < cells; k++) {
            real *x = c->obs + (size_t)n * O + (size_t)k * CD;
            memset(x, 0, (size_t)CD * sizeof *x);
            x[rng_below(&rng, (uint32_t)CD)] = 1;
        }
    real *w = p->params + p->enc_w, *b = p->params + p->enc_b;
    for (int u = 0; u < E; u++)
        for (int j = 0; j < CD; j++) {
            real z = w[u * CD + j] + b[u];
            if (fabs(z) < 0.01) w[u * CD + j] += z < 0 ? -0.02 : 0.02;
        }
}

START_TEST(cell_encoder_gradients_match_central_differences_for_every_kind) {
    const char *kinds[] = {"gla", "mlp", "lstm", "gru"};
    for (int i = 0; i < 4; i++) {
        PolicyConfig cfg;
        policy_config_defaults(&cfg);
        snprintf(cfg.kind, sizeof cfg.kind, "%s", kinds[i]);
        cfg.d_model = 8;
        cfg.gate_rank = 3;
        cfg.hidden = 5;
        cfg.prev_action = cfg.start_flag = strcmp(kinds[i], "mlp") != 0;
        cfg.cell_embed = 4;
        cfg.obs_cells = 3;
        cfg.obs_cell_dim = 5;
        Case c;
        case_make(&c, &cfg, 17, 3, 6, 3, 0.3, 31 + (uint64_t)i);
        one_hot_cells(&c, 21 + (uint64_t)i);
        ck_assert_int_eq(c.p->in_dim, 14);
        ck_assert_ptr_nonnull(policy_tensor(c.p, "encoder.w"));
        char label[8];
        snprintf(label, sizeof label, "%s+c", kinds[i]);
        case_check(&c, label);
        case_free(&c);
    }
}
END_TEST

static Suite *gradcheck_policy_suite(void) {
    Suite *s = suite_create("gradcheck_policy");
    TCase *tc = test_case("central differences in double");
    tcase_add_test(tc, gla_gradients_match_central_differences_across_resets_and_layers);
    tcase_add_test(tc, gla_gradients_match_without_mlp_and_at_the_default_init);
    tcase_add_test(tc, gla_gradients_match_central_differences_in_chunks_across_segments);
    tcase_add_test(tc, gla_gradients_match_central_differences_with_the_short_convolution);
    tcase_add_test(tc, mlp_gradients_match_central_differences);
    tcase_add_test(tc, lstm_gradients_match_central_differences_across_resets_and_layers);
    tcase_add_test(tc, gru_gradients_match_central_differences_across_resets_and_layers);
    tcase_add_test(tc, cell_encoder_gradients_match_central_differences_for_every_kind);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(gradcheck_policy_suite)
