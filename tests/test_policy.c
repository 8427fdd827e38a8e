/* test_policy.c: the policies (gla, mlp, lstm, gru) in float: the step form equals the sequence form,
 * resets isolate episodes, envs in a batch do not see each other, cblas (and the vectorized
 * scan) agree with the plain loops, OpenBLAS's generic fallback kernels are replaced by what the
 * CPU runs, the chunked GLA (gla_chunk.c) agrees with the step-by-step scan, a fresh policy is
 * near-uniform, configs are validated, and workspaces are reused without allocating (OpenBLAS's
 * own allocations aside); the cell encoder (policy.cell_embed) feeds the kind relu(W_e x + b_e) of
 * each cell, the same in both forms, and is absent at 0. The gradients themselves are checked in
 * gradcheck_policy.c (double). */
#define _GNU_SOURCE /* dladdr */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/gla_chunk.h"
#include "policies/gla_lanes.h"
#include "policies/gla_scan.h"
#include "policies/linalg.h"
#include "policies/policy.h"
#include "policies/policy_impl.h"
#include "policies/simd.h"
#include "tests/testutil.h"

/* Counting allocations (the workspace test). Not under AddressSanitizer, which owns malloc.
 * Only ppo's own allocations count: OpenBLAS 0.3.21's AVX-512 small-matrix kernel (SkylakeX,
 * Cooperlake) mallocs a packing buffer on each call whose column-major M leaves 1 to 8 rows
 * after its blocks of 16 with K >= 32 (a head of 2 actions over d_model 32, say), which is
 * OpenBLAS's business, not the workspace's. An allocation is OpenBLAS's when its caller lies in
 * the shared object that holds cblas_sgemm. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
#include <cblas.h>
#include <dlfcn.h>
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static long n_allocs; /* test-only counter; each Check test runs in its own process */
static bool counting;  /* set around the calls the test holds to no allocation */
static bool called_from_openblas(const void *caller) {
    if (!counting) return false; /* (dladdr on every allocation would slow the other tests) */
    Dl_info blas, from;
    return dladdr((const void *)(size_t)&cblas_sgemm, &blas) && dladdr(caller, &from) &&
           from.dli_fbase == blas.dli_fbase;
}
void *malloc(size_t n) {
    if (!called_from_openblas(__builtin_return_address(0))) n_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
    if (!called_from_openblas(__builtin_return_address(0))) n_allocs++;
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
    if (!called_from_openblas(__builtin_return_address(0))) n_allocs++;
    return __libc_realloc(p, n);
}
#endif

/* Inputs of a [T, B] sequence: random obs N(0, 1), random previous actions, a non-zero initial
 * state, episode starts at (0, 0), (T/2, 0), (3, 1) and (T-1, B-1). */
typedef struct Seq {
    int T, B, O, A;
    size_t S;
    real *state0, *obs;
    uint8_t *start;
    int32_t *prev;
} Seq;

static void seq_make(Seq *s, const Policy *p, int T, int B, uint64_t seed) {
    s->T = T;
    s->B = B;
    s->O = p->obs_dim;
    s->A = p->n_actions;
    s->S = p->state_size;
    size_t N = (size_t)T * B;
    s->state0 = malloc((s->S * B + 1) * sizeof(real));
    s->obs = malloc(N * s->O * sizeof(real));
    s->start = calloc(N, 1);
    s->prev = malloc(N * sizeof(int32_t));
    Rng rng;
    rng_seed(&rng, seed, 3);
    for (size_t i = 0; i < s->S * B; i++) s->state0[i] = (real)(0.3 * rng_normal(&rng));
    for (size_t i = 0; i < N * s->O; i++) s->obs[i] = (real)rng_normal(&rng);
    for (size_t i = 0; i < N; i++) s->prev[i] = (int32_t)rng_below(&rng, (uint32_t)s->A);
    s->start[0] = 1;
    s->start[(size_t)(T / 2) * B] = 1;
    if (T > 3 && B > 1) s->start[3 * (size_t)B + 1] = 1;
    s->start[N - 1] = 1;
}

static void seq_free(Seq *s) {
    free(s->state0);
    free(s->obs);
    free(s->start);
    free(s->prev);
}

/* A policy of `kind` for O inputs and A actions, initialized from seed, then every parameter
 * moved by N(0, perturb^2) so that no path is near zero. */
static Policy *make_policy(const PolicyConfig *cfg, int O, int A, uint64_t seed, double perturb) {
    Policy *p;
    Err err;
    ck_assert_msg(policy_create(&p, cfg, O, A, &err) == 0, "%s", err.msg);
    Rng rng;
    rng_seed(&rng, seed, 0);
    policy_init(p, &rng);
    for (size_t i = 0; i < p->n_params; i++) p->params[i] += (real)(perturb * rng_normal(&rng));
    return p;
}

static PolicyConfig gla_cfg(void) {
    PolicyConfig c;
    policy_config_defaults(&c);
    c.prev_action = true;
    c.start_flag = true;
    return c;
}

/* gla_cfg() with the learner's GLA in chunks of C (policy.chunk). */
static PolicyConfig gla_chunk_cfg(int C) {
    PolicyConfig c = gla_cfg();
    c.chunk = C;
    return c;
}

static PolicyConfig mlp_cfg(void) {
    PolicyConfig c;
    policy_config_defaults(&c);
    snprintf(c.kind, sizeof c.kind, "mlp");
    return c;
}

/* The recurrent baselines (rnn.h) with the previous action and the start flag fed, as GLA. */
static PolicyConfig rnn_cfg(const char *kind) {
    PolicyConfig c;
    policy_config_defaults(&c);
    snprintf(c.kind, sizeof c.kind, "%s", kind);
    c.prev_action = true;
    c.start_flag = true;
    return c;
}

static double max_abs(const real *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)x[i]));
    return m;
}

static double max_rel_diff(const real *got, const real *want, size_t n) {
    double d = 0, m = max_abs(want, n);
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)got[i] - (double)want[i]));
    return m > 0 ? d / m : d;
}

/* Runs the sequence form and T steps on the same inputs; returns the largest difference of
 * logits, values and final state relative to the largest magnitude of each. */
static double step_vs_sequence(const Policy *p, const Seq *s) {
    int T = s->T, B = s->B, A = s->A;
    size_t N = (size_t)T * B, SB = s->S * B;
    PolicyWork *ws = policy_work_create(p, T, B), *w1 = policy_work_create(p, 1, B);
    ck_assert_ptr_nonnull(ws);
    ck_assert_ptr_nonnull(w1);
    real *lq = malloc(N * A * sizeof(real)), *vq = malloc(N * sizeof(real));
    real *ls = malloc(N * A * sizeof(real)), *vs = malloc(N * sizeof(real));
    real *fq = malloc((SB + 1) * sizeof(real)), *st = malloc((SB + 1) * sizeof(real));
    policy_forward_sequence(p, ws, T, B, s->state0, s->obs, s->start, s->prev, lq, vq, fq);
    memcpy(st, s->state0, SB * sizeof(real));
    for (int t = 0; t < T; t++)
        policy_step(p, w1, B, st, s->obs + (size_t)t * B * s->O, s->start + (size_t)t * B,
                    s->prev + (size_t)t * B, ls + (size_t)t * B * A, vs + (size_t)t * B);
    double e = fmax(max_rel_diff(ls, lq, N * A), max_rel_diff(vs, vq, N));
    if (SB) e = fmax(e, max_rel_diff(st, fq, SB));
    tensor_close("step logits vs sequence", ls, lq, N * A, 1e-5, 1e-5 * max_abs(lq, N * A));
    tensor_close("step value vs sequence", vs, vq, N, 1e-5, 1e-5 * max_abs(vq, N));
    tensor_close("step final state vs sequence", st, fq, SB, 1e-5, 1e-5 * max_abs(fq, SB));
    free(lq);
    free(vq);
    free(ls);
    free(vs);
    free(fq);
    free(st);
    policy_work_destroy(ws);
    policy_work_destroy(w1);
    return e;
}

START_TEST(step_run_t_times_equals_forward_sequence_with_resets_inside) {
    PolicyConfig cfgs[7] = {gla_cfg(), gla_cfg(), mlp_cfg(), rnn_cfg("lstm"), rnn_cfg("gru"), gla_cfg(),
                            gla_chunk_cfg(8)};
    cfgs[1].n_layers = 2;
    cfgs[1].mlp_ratio = 0;
    cfgs[1].n_heads = 4;
    cfgs[3].n_layers = cfgs[4].n_layers = 2;
    cfgs[5].conv = 4; /* the short convolution: its history carried step to step in the state */
    cfgs[5].n_layers = 2;
    cfgs[6].conv = 3;
    for (int c = 0; c < 7; c++) {
        Policy *p = make_policy(&cfgs[c], 5, 3, 10 + c, 0.1);
        Seq s;
        seq_make(&s, p, 24, 6, 20 + c);
        double e = step_vs_sequence(p, &s);
        printf("policy %s (%d layers, conv %d, chunk %d): step vs sequence, largest relative difference %.2e\n",
               cfgs[c].kind, cfgs[c].n_layers, cfgs[c].conv, cfgs[c].chunk, e);
        seq_free(&s);
        policy_destroy(p);
    }
}
END_TEST

/* Outputs of one env (index b of B) of a sequence, as [T, A] and [T]. */
static void env_slice(real *out_l, real *out_v, const real *l, const real *v, int T, int B,
                      int A, int b) {
    for (int t = 0; t < T; t++) {
        memcpy(out_l + (size_t)t * A, l + ((size_t)t * B + b) * A, (size_t)A * sizeof(real));
        out_v[t] = v[(size_t)t * B + b];
    }
}

/* Exactness: the step form (same batch shape either way) and the plain-loop sequence form
 * repeat the same float operations, so B after a reset equals B alone bit for bit. cblas may
 * block [A; B] (T = 16 rows per env) and [B] (7) differently, so there the sequence form is
 * held exactly to [A'; B] (another episode A' of the same length before the reset, the same
 * row count) and to B alone within float rounding. */
START_TEST(an_episode_after_a_reset_gives_exactly_the_outputs_it_gives_from_a_zero_state) {
    for (int round = 0; round < 4; round++) { /* 2, 3: with the short convolution (policy.conv) */
        const int naive = round % 2;
        PolicyConfig cfg = gla_cfg();
        cfg.conv = round >= 2 ? 4 : 0;
        Policy *p = make_policy(&cfg, 4, 3, 5, 0.1);
        const int TA = 9, TB = 7, B = 3, T = TA + TB, O = 4, A = 3;
        size_t S = p->state_size, NB = (size_t)TB * B;
        Seq s, s2;
        seq_make(&s, p, T, B, 8);
        seq_make(&s2, p, T, B, 9); /* A': other obs, actions and initial state */
        memset(s.start, 0, (size_t)T * B);
        for (int b = 0; b < B; b++) s.start[(size_t)TA * B + b] = 1; /* episode B starts at TA */
        memcpy(s2.start, s.start, (size_t)T * B);
        memcpy(s2.obs + (size_t)TA * B * O, s.obs + (size_t)TA * B * O, NB * O * sizeof(real));
        memcpy(s2.prev + (size_t)TA * B, s.prev + (size_t)TA * B, NB * sizeof(int32_t));
        PolicyWork *w = policy_work_create(p, T, B);
        policy_work_set_naive(w, naive);
        real *l = malloc((size_t)T * B * A * sizeof(real)), *v = malloc((size_t)T * B * sizeof(real));
        real *la = malloc((size_t)T * B * A * sizeof(real)), *va = malloc((size_t)T * B * sizeof(real));
        policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l, v, NULL);
        policy_forward_sequence(p, w, T, B, s2.state0, s2.obs, s2.start, s2.prev, la, va, NULL);
        ck_assert_msg(memcmp(l, la, (size_t)TA * B * A * sizeof(real)) != 0, "A and A' differ");
        ck_assert_msg(memcmp(l + (size_t)TA * B * A, la + (size_t)TA * B * A, NB * A * sizeof(real)) == 0 &&
                          memcmp(v + (size_t)TA * B, va + (size_t)TA * B, NB * sizeof(real)) == 0,
                      "sequence form (%s): episode B's outputs depend on the episode before the reset",
                      naive ? "plain loops" : "cblas");
        /* episode B alone from a zero state, its previous actions as in the long run */
        real *zero = calloc(S * B + 1, sizeof(real));
        real *l2 = malloc(NB * A * sizeof(real)), *v2 = malloc(NB * sizeof(real));
        uint8_t *st2 = calloc(NB, 1);
        for (int b = 0; b < B; b++) st2[b] = 1;
        policy_forward_sequence(p, w, TB, B, zero, s.obs + (size_t)TA * B * O, st2,
                                s.prev + (size_t)TA * B, l2, v2, NULL);
        if (naive) {
            ck_assert_msg(memcmp(l + (size_t)TA * B * A, l2, NB * A * sizeof(real)) == 0 &&
                              memcmp(v + (size_t)TA * B, v2, NB * sizeof(real)) == 0,
                          "sequence form (plain loops): episode B differs from B alone");
        } else {
            tensor_close("logits of B after a reset vs B alone", l + (size_t)TA * B * A, l2, NB * A,
                         1e-5, 1e-5 * max_abs(l2, NB * A));
            tensor_close("values of B after a reset vs B alone", v + (size_t)TA * B, v2, NB, 1e-5,
                         1e-5 * max_abs(v2, NB));
        }
        /* the step form: episode A then B through one state, against B from zeros */
        real *st = malloc((S * B + 1) * sizeof(real)), *lt = malloc((size_t)B * A * sizeof(real));
        real *vt = malloc((size_t)B * sizeof(real)), *lz = malloc((size_t)B * A * sizeof(real));
        real *vz = malloc((size_t)B * sizeof(real));
        PolicyWork *w1 = policy_work_create(p, 1, B);
        policy_work_set_naive(w1, naive);
        memcpy(st, s.state0, S * B * sizeof(real));
        for (int t = 0; t < T; t++) {
            policy_step(p, w1, B, st, s.obs + (size_t)t * B * O, s.start + (size_t)t * B,
                        s.prev + (size_t)t * B, lt, vt);
            if (t < TA) continue;
            policy_step(p, w1, B, zero, s.obs + (size_t)t * B * O, st2 + (size_t)(t - TA) * B,
                        s.prev + (size_t)t * B, lz, vz);
            ck_assert_msg(memcmp(lt, lz, (size_t)B * A * sizeof(real)) == 0 &&
                              memcmp(vt, vz, (size_t)B * sizeof(real)) == 0,
                          "step form (%s): outputs differ at t %d after a reset",
                          naive ? "plain loops" : "cblas", t);
        }
        ck_assert_msg(memcmp(st, zero, S * B * sizeof(real)) == 0, "step form: states differ");
        free(st);
        free(lt);
        free(vt);
        free(lz);
        free(vz);
        free(zero);
        free(l);
        free(v);
        free(la);
        free(va);
        free(l2);
        free(v2);
        free(st2);
        policy_work_destroy(w1);
        policy_work_destroy(w);
        seq_free(&s);
        seq_free(&s2);
        policy_destroy(p);
    }
}
END_TEST

/* Forward and backward of p over a [T, B] sequence on w; dl [T, B, A], dv [T, B] the output
 * gradients. Outputs into l, v; parameter gradients into g [P] (zeroed first). */
static void forward_backward(const Policy *p, PolicyWork *w, int T, int B, const real *state0,
                             const real *obs, const uint8_t *start, const int32_t *prev,
                             const real *dl, const real *dv, real *l, real *v, real *g) {
    memset(g, 0, p->n_params * sizeof(real));
    policy_forward_sequence(p, w, T, B, state0, obs, start, prev, l, v, NULL);
    policy_backward_sequence(p, w, dl, dv, g);
}

/* lstm and gru: an episode B after a reset inside a sequence [A | B] gives what B alone gives
 * from a zero state, outputs and gradients (the loss reads B's outputs only: the gradient must
 * not leak into A through the reset). Plain loops repeat the same float operations either way,
 * so there every output and gradient is equal bit for bit; cblas may block 16 and 7 rows per
 * env differently, so there [A | B] is held exactly to [A' | B] (another episode A' of the same
 * length) and to B alone within float rounding. The step form, A then B through one state,
 * equals B from zeros bit for bit. */
START_TEST(a_recurrent_baselines_episode_after_a_reset_gives_exactly_what_it_gives_alone) {
    const char *kinds[2] = {"lstm", "gru"};
    for (int c = 0; c < 2; c++)
        for (int naive = 0; naive < 2; naive++) {
            PolicyConfig cfg = rnn_cfg(kinds[c]);
            cfg.hidden = 24;
            cfg.n_layers = 2;
            Policy *p = make_policy(&cfg, 4, 3, 30 + c, 0.1);
            const int TA = 9, TB = 7, B = 3, T = TA + TB, O = 4, A = 3;
            const size_t S = p->state_size, N = (size_t)T * B, NB = (size_t)TB * B, P = p->n_params;
            const size_t skip = (size_t)TA * B; /* rows of episode A */
            Seq s, s2;
            seq_make(&s, p, T, B, 31);
            seq_make(&s2, p, T, B, 32); /* A': other obs, actions and initial state */
            memset(s.start, 0, N);
            for (int b = 0; b < B; b++) s.start[skip + b] = 1; /* episode B starts at TA */
            memcpy(s2.start, s.start, N);
            memcpy(s2.obs + skip * O, s.obs + skip * O, NB * O * sizeof(real));
            memcpy(s2.prev + skip, s.prev + skip, NB * sizeof(int32_t));
            /* the loss reads episode B's outputs only */
            real *dl = calloc(N * A, sizeof(real)), *dv = calloc(N, sizeof(real));
            Rng rng;
            rng_seed(&rng, 33, 0);
            for (size_t i = skip * A; i < N * A; i++) dl[i] = (real)rng_normal(&rng);
            for (size_t i = skip; i < N; i++) dv[i] = (real)rng_normal(&rng);
            PolicyWork *w = policy_work_create(p, T, B);
            policy_work_set_naive(w, naive);
            real *l = malloc(N * A * sizeof(real)), *v = malloc(N * sizeof(real)), *g = malloc(P * sizeof(real));
            real *la = malloc(N * A * sizeof(real)), *va = malloc(N * sizeof(real)), *ga = malloc(P * sizeof(real));
            real *lb = malloc(NB * A * sizeof(real)), *vb = malloc(NB * sizeof(real)), *gb = malloc(P * sizeof(real));
            forward_backward(p, w, T, B, s.state0, s.obs, s.start, s.prev, dl, dv, l, v, g);
            forward_backward(p, w, T, B, s2.state0, s2.obs, s2.start, s2.prev, dl, dv, la, va, ga);
            ck_assert_msg(memcmp(l, la, skip * A * sizeof(real)) != 0, "A and A' differ");
            const char *how = naive ? "plain loops" : "cblas";
            ck_assert_msg(memcmp(l + skip * A, la + skip * A, NB * A * sizeof(real)) == 0 &&
                              memcmp(v + skip, va + skip, NB * sizeof(real)) == 0,
                          "%s (%s): episode B's outputs depend on the episode before the reset",
                          kinds[c], how);
            ck_assert_msg(memcmp(g, ga, P * sizeof(real)) == 0,
                          "%s (%s): the gradients depend on the episode before the reset", kinds[c], how);
            /* episode B alone from a zero state */
            real *zero = calloc(S * B + 1, sizeof(real));
            uint8_t *sb = calloc(NB, 1);
            for (int b = 0; b < B; b++) sb[b] = 1;
            forward_backward(p, w, TB, B, zero, s.obs + skip * O, sb, s.prev + skip, dl + skip * A,
                             dv + skip, lb, vb, gb);
            double worst = fmax(max_rel_diff(l + skip * A, lb, NB * A), max_rel_diff(v + skip, vb, NB));
            if (naive) {
                ck_assert_msg(memcmp(l + skip * A, lb, NB * A * sizeof(real)) == 0 &&
                                  memcmp(v + skip, vb, NB * sizeof(real)) == 0,
                              "%s (plain loops): episode B's outputs differ from B alone", kinds[c]);
                ck_assert_msg(memcmp(g, gb, P * sizeof(real)) == 0,
                              "%s (plain loops): episode B's gradients differ from B alone", kinds[c]);
            } else {
                tensor_close("logits of B after a reset vs B alone", l + skip * A, lb, NB * A, 1e-5,
                             1e-5 * max_abs(lb, NB * A));
                tensor_close("values of B after a reset vs B alone", v + skip, vb, NB, 1e-5,
                             1e-5 * max_abs(vb, NB));
                for (int t = 0; t < p->n_tensors; t++) {
                    const ParamTensor *pt = &p->tensors[t];
                    tensor_close(pt->name, g + pt->offset, gb + pt->offset, pt->size, 1e-4,
                                 1e-4 * max_abs(gb + pt->offset, pt->size));
                }
            }
            ck_assert_msg(max_abs(gb, P) > 0, "%s: no gradient at all", kinds[c]);
            printf("policy %s (%s): episode B after a reset vs alone, largest relative difference: "
                   "outputs %.2e, gradients %.2e\n", kinds[c], how, worst, max_rel_diff(g, gb, P));
            /* the step form: episode A then B through one state, against B from zeros */
            PolicyWork *w1 = policy_work_create(p, 1, B);
            policy_work_set_naive(w1, naive);
            real *st = malloc((S * B + 1) * sizeof(real)), *lt = malloc((size_t)B * A * sizeof(real));
            real *vt = malloc((size_t)B * sizeof(real)), *lz = malloc((size_t)B * A * sizeof(real));
            real *vz = malloc((size_t)B * sizeof(real));
            memcpy(st, s.state0, S * B * sizeof(real));
            for (int t = 0; t < T; t++) {
                policy_step(p, w1, B, st, s.obs + (size_t)t * B * O, s.start + (size_t)t * B,
                            s.prev + (size_t)t * B, lt, vt);
                if (t < TA) continue;
                policy_step(p, w1, B, zero, s.obs + (size_t)t * B * O, sb + (size_t)(t - TA) * B,
                            s.prev + (size_t)t * B, lz, vz);
                ck_assert_msg(memcmp(lt, lz, (size_t)B * A * sizeof(real)) == 0 &&
                                  memcmp(vt, vz, (size_t)B * sizeof(real)) == 0,
                              "%s step form (%s): outputs differ at t %d after a reset", kinds[c], how, t);
            }
            ck_assert_msg(memcmp(st, zero, S * B * sizeof(real)) == 0, "%s step form: states differ", kinds[c]);
            free(st);
            free(lt);
            free(vt);
            free(lz);
            free(vz);
            policy_work_destroy(w1);
            free(zero);
            free(sb);
            free(dl);
            free(dv);
            free(l);
            free(v);
            free(g);
            free(la);
            free(va);
            free(ga);
            free(lb);
            free(vb);
            free(gb);
            policy_work_destroy(w);
            seq_free(&s);
            seq_free(&s2);
            policy_destroy(p);
        }
}
END_TEST

START_TEST(one_envs_outputs_do_not_depend_on_the_other_envs_in_the_batch) {
    PolicyConfig cfgs[4] = {gla_cfg(), mlp_cfg(), rnn_cfg("lstm"), rnn_cfg("gru")};
    for (int c = 0; c < 4; c++)
        for (int naive = 0; naive < 2; naive++) {
            Policy *p = make_policy(&cfgs[c], 6, 4, 3, 0.1);
            const int T = 12, B = 7, A = 4, O = 6;
            size_t S = p->state_size;
            Seq s;
            seq_make(&s, p, T, B, 4);
            PolicyWork *w = policy_work_create(p, T, B);
            policy_work_set_naive(w, naive);
            real *l = malloc((size_t)T * B * A * sizeof(real)), *v = malloc((size_t)T * B * sizeof(real));
            policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l, v, NULL);
            real *l1 = malloc((size_t)T * A * sizeof(real)), *v1 = malloc((size_t)T * sizeof(real));
            real *lw = malloc((size_t)T * A * sizeof(real)), *vw = malloc((size_t)T * sizeof(real));
            real *o1 = malloc((size_t)T * O * sizeof(real));
            uint8_t *s1 = malloc((size_t)T);
            int32_t *p1 = malloc((size_t)T * sizeof(int32_t));
            double worst = 0;
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < T; t++) {
                    memcpy(o1 + (size_t)t * O, s.obs + ((size_t)t * B + b) * O, (size_t)O * sizeof(real));
                    s1[t] = s.start[(size_t)t * B + b];
                    p1[t] = s.prev[(size_t)t * B + b];
                }
                policy_forward_sequence(p, w, T, 1, s.state0 + (size_t)b * S, o1, s1, p1, l1, v1, NULL);
                env_slice(lw, vw, l, v, T, B, A, b);
                worst = fmax(worst, fmax(max_rel_diff(l1, lw, (size_t)T * A), max_rel_diff(v1, vw, T)));
                if (naive) { /* plain loops: the same operations in the same order, exactly */
                    ck_assert_msg(memcmp(l1, lw, (size_t)T * A * sizeof(real)) == 0, "env %d logits", b);
                    ck_assert_msg(memcmp(v1, vw, (size_t)T * sizeof(real)) == 0, "env %d value", b);
                } else { /* cblas may block a batch differently: float rounding only */
                    tensor_close("logits alone vs in the batch", l1, lw, (size_t)T * A, 1e-5,
                                 1e-5 * max_abs(lw, (size_t)T * A));
                    tensor_close("value alone vs in the batch", v1, vw, T, 1e-5, 1e-5 * max_abs(vw, T));
                }
            }
            printf("policy %s (%s): env alone vs in a batch of %d, largest relative difference %.2e\n",
                   cfgs[c].kind, naive ? "plain loops" : "cblas", B, worst);
            free(l);
            free(v);
            free(l1);
            free(v1);
            free(lw);
            free(vw);
            free(o1);
            free(s1);
            free(p1);
            policy_work_destroy(w);
            seq_free(&s);
            policy_destroy(p);
        }
}
END_TEST

START_TEST(linalg_gemm_through_cblas_equals_the_plain_loops_for_every_transpose_and_beta) {
    Rng rng;
    rng_seed(&rng, 1, 1);
    const int M = 37, N = 19, K = 23, ld = 41; /* row strides wider than the rows */
    real *A = malloc((size_t)ld * ld * sizeof(real)), *Bm = malloc((size_t)ld * ld * sizeof(real));
    real *C1 = malloc((size_t)M * ld * sizeof(real)), *C2 = malloc((size_t)M * ld * sizeof(real));
    for (int i = 0; i < ld * ld; i++) A[i] = (real)rng_normal(&rng), Bm[i] = (real)rng_normal(&rng);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int bi = 0; bi < 3; bi++) {
                real beta = bi == 0 ? 0 : bi == 1 ? 1 : (real)0.5;
                for (int i = 0; i < M * ld; i++) C1[i] = C2[i] = (real)rng_normal(&rng);
                linalg_gemm(false, ta, tb, M, N, K, (real)1.5, A, ld, Bm, ld, beta, C1, ld);
                linalg_gemm_naive(ta, tb, M, N, K, (real)1.5, A, ld, Bm, ld, beta, C2, ld);
                char what[64];
                snprintf(what, sizeof what, "gemm trans_a %d trans_b %d beta %g", ta, tb, (double)beta);
                tensor_close(what, C1, C2, (size_t)M * ld, 1e-5, 1e-5);
            }
    free(A);
    free(Bm);
    free(C1);
    free(C2);
}
END_TEST

/* Whether /proc/cpuinfo's first "flags" line lists `flag` as a whole word. */
static bool cpuinfo_has(const char *flags, const char *flag) {
    size_t n = strlen(flag);
    for (const char *p = strstr(flags, flag); p; p = strstr(p + 1, flag))
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == 0)) return true;
    return false;
}

START_TEST(only_openblas_generic_fallback_is_replaced_and_by_what_the_cpu_runs) {
    const char *core = linalg_blas_core();
    ck_assert_ptr_nonnull(core);
    ck_assert_int_gt((int)strlen(core), 0);
    /* Any choice but the generic fallback is kept. */
    const char *kept[] = {"Haswell", "SkylakeX", "Cooperlake", "Zen", "Sandybridge", "Nehalem"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) ck_assert_ptr_null(linalg_blas_better_core(kept[i]));
    /* The replacement for "Prescott" follows the CPU's flags as the kernel reports them. */
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return; /* not Linux: nothing to hold the choice to */
    static char line[8192];
    bool found = false;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0) {
            found = true;
            break;
        }
    fclose(f);
    if (!found) return; /* not x86 */
    const char *want = NULL;
    if (cpuinfo_has(line, "avx512f") && cpuinfo_has(line, "avx512cd") && cpuinfo_has(line, "avx512bw") &&
        cpuinfo_has(line, "avx512dq") && cpuinfo_has(line, "avx512vl"))
        want = "SkylakeX";
    else if (cpuinfo_has(line, "avx2") && cpuinfo_has(line, "fma"))
        want = "Haswell";
    const char *got = linalg_blas_better_core("Prescott");
    if (!want) ck_assert_ptr_null(got);
    else {
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, want);
    }
}
END_TEST

START_TEST(the_fast_paths_and_the_plain_reference_give_the_same_outputs_and_gradients) {
    /* fast: cblas and, for GLA sequences, the lane blocks of gla_lanes.c; reference: plain
     * loops and the one-pair scan of gla_scan.c */
    PolicyConfig cfgs[4] = {gla_cfg(), mlp_cfg(), rnn_cfg("lstm"), rnn_cfg("gru")};
    for (int c = 0; c < 4; c++) {
        Policy *p = make_policy(&cfgs[c], 5, 3, 7, 0.1);
        /* 70 steps: three time segments of the GLA's backward; 9 envs x 2 heads: two lane blocks */
        const int T = 70, B = 9, A = 3;
        size_t N = (size_t)T * B, P = p->n_params;
        Seq s;
        seq_make(&s, p, T, B, 9);
        real *l[2], *v[2], *g[2], *dl = malloc(N * A * sizeof(real)), *dv = malloc(N * sizeof(real));
        Rng rng;
        rng_seed(&rng, 2, 2);
        for (size_t i = 0; i < N * A; i++) dl[i] = (real)rng_normal(&rng);
        for (size_t i = 0; i < N; i++) dv[i] = (real)rng_normal(&rng);
        for (int naive = 0; naive < 2; naive++) {
            PolicyWork *w = policy_work_create(p, T, B);
            policy_work_set_naive(w, naive);
            l[naive] = malloc(N * A * sizeof(real));
            v[naive] = malloc(N * sizeof(real));
            g[naive] = calloc(P, sizeof(real));
            policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l[naive], v[naive], NULL);
            policy_backward_sequence(p, w, dl, dv, g[naive]);
            policy_work_destroy(w);
        }
        tensor_close("logits cblas vs plain loops", l[0], l[1], N * A, 1e-5, 1e-5 * max_abs(l[1], N * A));
        tensor_close("value cblas vs plain loops", v[0], v[1], N, 1e-5, 1e-5 * max_abs(v[1], N));
        for (int t = 0; t < p->n_tensors; t++) {
            const ParamTensor *pt = &p->tensors[t];
            /* gradients sum over all N rows: a looser bound relative to the tensor's scale */
            tensor_close(pt->name, g[0] + pt->offset, g[1] + pt->offset, pt->size, 1e-4,
                         1e-4 * max_abs(g[1] + pt->offset, pt->size));
        }
        printf("policy %s: cblas vs plain loops, largest relative difference: outputs %.2e, "
               "gradients %.2e\n", cfgs[c].kind,
               fmax(max_rel_diff(l[0], l[1], N * A), max_rel_diff(v[0], v[1], N)),
               max_rel_diff(g[0], g[1], P));
        for (int i = 0; i < 2; i++) {
            free(l[i]);
            free(v[i]);
            free(g[i]);
        }
        free(dl);
        free(dv);
        seq_free(&s);
        policy_destroy(p);
    }
}
END_TEST

START_TEST(a_gla_policy_gives_the_same_outputs_and_gradients_in_chunks_as_step_by_step) {
    /* policy.chunk 8 (gla_chunk.c) against 0 (gla_lanes.c) in the learner's sequence forward
     * and backward; 70 steps: chunks and backward segments that do not divide T, starts inside
     * chunks; 9 envs x 2 heads: two lane blocks, the second partly unused */
    const int T = 70, B = 9, A = 3;
    const size_t N = (size_t)T * B;
    real *l[2], *v[2], *g[2], *fin[2];
    size_t P = 0, SB = 0;
    real *dl = malloc(N * A * sizeof(real)), *dv = malloc(N * sizeof(real));
    Rng rng;
    rng_seed(&rng, 2, 2);
    for (size_t i = 0; i < N * A; i++) dl[i] = (real)rng_normal(&rng);
    for (size_t i = 0; i < N; i++) dv[i] = (real)rng_normal(&rng);
    for (int c = 0; c < 2; c++) {
        PolicyConfig cfg = gla_chunk_cfg(c ? 8 : 0);
        Policy *p = make_policy(&cfg, 5, 3, 7, 0.1);
        Seq s;
        seq_make(&s, p, T, B, 9);
        for (int t = 5; t < T; t += 11) s.start[(size_t)t * B + (size_t)t % B] = 1;
        P = p->n_params;
        SB = p->state_size * B;
        PolicyWork *w = policy_work_create(p, T, B);
        l[c] = malloc(N * A * sizeof(real));
        v[c] = malloc(N * sizeof(real));
        g[c] = calloc(P, sizeof(real));
        fin[c] = malloc(SB * sizeof(real));
        policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l[c], v[c], fin[c]);
        policy_backward_sequence(p, w, dl, dv, g[c]);
        if (c == 1) {
            tensor_close("logits in chunks vs step by step", l[1], l[0], N * A, 1e-5,
                         1e-5 * max_abs(l[0], N * A));
            tensor_close("value in chunks vs step by step", v[1], v[0], N, 1e-5,
                         1e-5 * max_abs(v[0], N));
            tensor_close("final state in chunks vs step by step", fin[1], fin[0], SB, 1e-5,
                         1e-5 * max_abs(fin[0], SB));
            for (int t = 0; t < p->n_tensors; t++) {
                const ParamTensor *pt = &p->tensors[t];
                tensor_close(pt->name, g[1] + pt->offset, g[0] + pt->offset, pt->size, 1e-4,
                             1e-4 * max_abs(g[0] + pt->offset, pt->size));
            }
        }
        policy_work_destroy(w);
        seq_free(&s);
        policy_destroy(p);
    }
    printf("policy gla: chunk 8 vs step by step, largest relative difference: outputs %.2e, "
           "gradients %.2e\n", fmax(max_rel_diff(l[1], l[0], N * A), max_rel_diff(v[1], v[0], N)),
           max_rel_diff(g[1], g[0], P));
    for (int c = 0; c < 2; c++) {
        free(l[c]);
        free(v[c]);
        free(g[c]);
        free(fin[c]);
    }
    free(dl);
    free(dv);
}
END_TEST

/* Mean entropy (nats) of softmax(logits) over n rows of A. */
static double mean_entropy(const real *logits, int n, int A) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
        const real *x = logits + (size_t)i * A;
        double mx = x[0], z = 0, ez = 0;
        for (int a = 1; a < A; a++) mx = fmax(mx, x[a]);
        for (int a = 0; a < A; a++) z += exp(x[a] - mx);
        for (int a = 0; a < A; a++) {
            double pa = exp(x[a] - mx) / z;
            ez -= pa * log(pa);
        }
        sum += ez;
    }
    return sum / n;
}

START_TEST(a_fresh_policy_has_entropy_within_one_percent_of_log_n_actions_and_unit_values) {
    const int dims[3][2] = {{4, 2}, {2, 2}, {147, 7}}; /* CartPole, stateless, gridworld */
    PolicyConfig cfgs[4] = {gla_cfg(), mlp_cfg(), rnn_cfg("lstm"), rnn_cfg("gru")};
    for (int c = 0; c < 4; c++)
        for (int d = 0; d < 3; d++) {
            int O = dims[d][0], A = dims[d][1], T = 32, B = 16;
            Policy *p = make_policy(&cfgs[c], O, A, 100 + d, 0.0);
            Seq s;
            seq_make(&s, p, T, B, 50 + d);
            memset(s.state0, 0, p->state_size * B * sizeof(real));
            PolicyWork *w = policy_work_create(p, T, B);
            real *l = malloc((size_t)T * B * A * sizeof(real)), *v = malloc((size_t)T * B * sizeof(real));
            policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l, v, NULL);
            double h = mean_entropy(l, T * B, A), want = log((double)A);
            double vs = 0;
            for (int i = 0; i < T * B; i++) vs += (double)v[i] * v[i];
            vs = sqrt(vs / (T * B));
            ck_assert_msg(fabs(h - want) <= 0.01 * want, "%s O %d A %d: entropy %.6f, ln A %.6f",
                          cfgs[c].kind, O, A, h, want);
            /* lstm and gru keep CleanRL's init, whose critic reads an h of a few hundredths
             * at first (h = o tanh(c), c = i g from small pre-activations): values ~0.04 */
            double lo = c >= 2 ? 1e-3 : 0.1;
            ck_assert_msg(vs > lo && vs < 10, "%s O %d A %d: value rms %.3g is not of order 1 (%g)",
                          cfgs[c].kind, O, A, vs, lo);
            free(l);
            free(v);
            policy_work_destroy(w);
            seq_free(&s);
            policy_destroy(p);
        }
}
END_TEST

/* policy_create with cfg must fail with a message containing `key`. */
static void expect_invalid(const PolicyConfig *cfg, const char *key, const char *also) {
    Policy *p = (Policy *)1;
    Err err = {.kind = ERR_FAILED};
    ck_assert_int_eq(policy_create(&p, cfg, 4, 2, &err), -1);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, key) != NULL, "message '%s' does not name %s", err.msg, key);
    if (also) ck_assert_msg(strstr(err.msg, also) != NULL, "message '%s' lacks '%s'", err.msg, also);
}

START_TEST(invalid_configs_are_rejected_with_a_message_naming_the_key) {
    PolicyConfig c;
    policy_config_defaults(&c);
    snprintf(c.kind, sizeof c.kind, "transformer");
    expect_invalid(&c, "policy.kind", "transformer");
    policy_config_defaults(&c);
    c.d_model = 64;
    c.n_heads = 3;
    expect_invalid(&c, "policy.n_heads", "3 does not divide");
    policy_config_defaults(&c);
    c.d_model = 0;
    expect_invalid(&c, "policy.d_model", NULL);
    policy_config_defaults(&c);
    c.n_layers = 0;
    expect_invalid(&c, "policy.n_layers", NULL);
    policy_config_defaults(&c);
    c.expand_k = 0.3;
    expect_invalid(&c, "policy.expand_k", "whole");
    policy_config_defaults(&c);
    c.expand_v = -1;
    expect_invalid(&c, "policy.expand_v", NULL);
    policy_config_defaults(&c);
    c.gate_rank = 0;
    expect_invalid(&c, "policy.gate_rank", NULL);
    policy_config_defaults(&c);
    c.gate_tau = 0;
    expect_invalid(&c, "policy.gate_tau", NULL);
    policy_config_defaults(&c);
    c.mlp_ratio = -0.5;
    expect_invalid(&c, "policy.mlp_ratio", NULL);
    policy_config_defaults(&c);
    c.mlp_ratio = 1.01;
    expect_invalid(&c, "policy.mlp_ratio", "whole");
    policy_config_defaults(&c);
    c.init_std = 0;
    expect_invalid(&c, "policy.init_std", NULL);
    policy_config_defaults(&c);
    c.chunk = -1;
    expect_invalid(&c, "policy.chunk", NULL);
    c.chunk = POLICY_MAX_CHUNK + 1;
    expect_invalid(&c, "policy.chunk", NULL);
    /* policy.cell_embed: out of range; on an observation without a grid of cells (obs_cells 0,
     * as policy_for_config leaves it for cartpole), for every kind; or with a grid larger than
     * the observation (3 cells of 5 values, 4 inputs) */
    policy_config_defaults(&c);
    c.obs_cells = 1;
    c.obs_cell_dim = 2;
    c.cell_embed = -1;
    expect_invalid(&c, "policy.cell_embed", "out of range");
    c.cell_embed = POLICY_MAX_WIDTH + 1;
    expect_invalid(&c, "policy.cell_embed", "out of range");
    for (int k = 0; k < 4; k++) {
        c = k == 0 ? gla_cfg() : k == 1 ? mlp_cfg() : rnn_cfg(k == 2 ? "lstm" : "gru");
        c.cell_embed = 16;
        expect_invalid(&c, "policy.cell_embed", "no grid of cells");
    }
    c = mlp_cfg();
    c.cell_embed = 16;
    c.obs_cells = 3;
    c.obs_cell_dim = 5;
    expect_invalid(&c, "policy.cell_embed", NULL);
    c = mlp_cfg();
    c.hidden = 0;
    expect_invalid(&c, "policy.hidden", NULL);
    c = rnn_cfg("lstm");
    c.hidden = POLICY_MAX_WIDTH + 1;
    expect_invalid(&c, "policy.hidden", NULL);
    c = rnn_cfg("gru");
    c.n_layers = 0;
    expect_invalid(&c, "policy.n_layers", NULL);
    c = rnn_cfg("lstm");
    c.hidden = 4096;
    c.n_layers = 2;
    expect_invalid(&c, "parameters are more than ppo trains", NULL);
    /* every field in range, but far too many parameters, or too much recurrent state per env,
     * in all: refused before allocating */
    policy_config_defaults(&c);
    c.d_model = 2048;
    c.n_heads = 64;
    c.n_layers = 8;
    expect_invalid(&c, "parameters are more than ppo trains", NULL);
    policy_config_defaults(&c);
    c.d_model = 1024;
    c.n_heads = 1;
    c.expand_k = 16;
    expect_invalid(&c, "reals of recurrent state per env", NULL);
    /* and the defaults are valid for both kinds */
    Policy *p;
    Err err;
    policy_config_defaults(&c);
    ck_assert_msg(policy_create(&p, &c, 4, 2, &err) == 0, "%s", err.msg);
    policy_destroy(p);
    c = mlp_cfg();
    ck_assert_msg(policy_create(&p, &c, 4, 2, &err) == 0, "%s", err.msg);
    policy_destroy(p);
    c = rnn_cfg("lstm");
    ck_assert_msg(policy_create(&p, &c, 4, 2, &err) == 0, "%s", err.msg);
    policy_destroy(p);
    c = rnn_cfg("gru");
    ck_assert_msg(policy_create(&p, &c, 4, 2, &err) == 0, "%s", err.msg);
    policy_destroy(p);
    /* and the encoder on a grid that fits: 1 cell of 2 values, then 2 more -> 3 * 1 + 2 inputs */
    c = rnn_cfg("gru");
    c.cell_embed = 3;
    c.obs_cells = 1;
    c.obs_cell_dim = 2;
    ck_assert_msg(policy_create(&p, &c, 4, 2, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(p->in_dim, 5);
    policy_destroy(p);
}
END_TEST

START_TEST(the_tensor_table_covers_the_buffer_once_and_names_are_unique) {
    PolicyConfig cfgs[4] = {gla_cfg(), mlp_cfg(), rnn_cfg("lstm"), rnn_cfg("gru")};
    for (int c = 0; c < 4; c++) {
        Policy *p = make_policy(&cfgs[c], 4, 2, 1, 0.0);
        size_t next = 0;
        for (int t = 0; t < p->n_tensors; t++) {
            const ParamTensor *pt = &p->tensors[t];
            size_t sz = 1;
            for (int d = 0; d < pt->ndim; d++) sz *= (size_t)pt->shape[d];
            ck_assert_uint_eq(pt->offset, next);
            ck_assert_uint_eq(pt->size, sz);
            next += sz;
            ck_assert_ptr_eq(policy_tensor(p, pt->name), pt);
        }
        ck_assert_uint_eq(next, p->n_params);
        ck_assert_ptr_null(policy_tensor(p, "no.such.tensor"));
        if (c == 0) {
            /* gla: [L, H, Kh, Vh] of state per env; D 32, K 16, V 32, H 2 -> 16 * 32 / 2 */
            ck_assert_uint_eq(p->state_size, 256);
            ck_assert_ptr_nonnull(policy_tensor(p, "layers.0.gla.w_q"));
        } else if (c >= 2) {
            /* lstm: (h, c) of hidden 64 per env, gates [4 * 64, 64]; gru: h, gates [3 * 64, 64]
             * (PyTorch's weight_ih_l0, weight_hh_l0 shapes) */
            int G = c == 2 ? 4 : 3;
            ck_assert_uint_eq(p->state_size, c == 2 ? 128 : 64);
            const char *names[2] = {c == 2 ? "lstm.weight_ih_l0" : "gru.weight_ih_l0",
                                    c == 2 ? "lstm.weight_hh_l0" : "gru.weight_hh_l0"};
            for (int i = 0; i < 2; i++) {
                const ParamTensor *w = policy_tensor(p, names[i]);
                ck_assert_ptr_nonnull(w);
                ck_assert_int_eq(w->shape[0], G * 64);
                ck_assert_int_eq(w->shape[1], 64);
            }
        } else {
            ck_assert_uint_eq(p->state_size, 0);
        }
        policy_destroy(p);
    }
}
END_TEST

/* Loop tests over the kinds: index 0 gla, 1 mlp, 2 lstm, 3 gru. */
#define N_KINDS 4
static PolicyConfig kind_cfg(int i) {
    return i == 0 ? gla_cfg() : i == 1 ? mlp_cfg() : rnn_cfg(i == 2 ? "lstm" : "gru");
}

/* policy.cell_embed E in front of the kind of c: 3 cells of 5 values at the start of 17 inputs
 * (CELL_OBS), so the kind sees 3 E + 2 inputs. obs_cells and obs_cell_dim are what
 * policy_for_config copies from a gridworld env (49 cells of 19). */
#define CELLS 3
#define CELL_DIM 5
#define CELL_OBS 17
static PolicyConfig cell_cfg(PolicyConfig c, int E) {
    c.cell_embed = E;
    c.obs_cells = CELLS;
    c.obs_cell_dim = CELL_DIM;
    return c;
}

/* Makes each cell of every observation of s a one-hot of its CELL_DIM values, as the gridworld's
 * are (the values after the cells stay N(0, 1)). */
static void seq_one_hot_cells(Seq *s, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed, 4);
    for (size_t n = 0; n < (size_t)s->T * s->B; n++)
        for (int k = 0; k < CELLS; k++) {
            real *x = s->obs + n * s->O + (size_t)k * CELL_DIM;
            memset(x, 0, CELL_DIM * sizeof *x);
            x[rng_below(&rng, CELL_DIM)] = 1;
        }
}

START_TEST(with_the_cell_encoder_step_run_t_times_equals_forward_sequence) {
    PolicyConfig cfgs[6] = {cell_cfg(gla_cfg(), 4), cell_cfg(gla_cfg(), 8), cell_cfg(gla_chunk_cfg(8), 4),
                            cell_cfg(rnn_cfg("lstm"), 4), cell_cfg(rnn_cfg("gru"), 6),
                            cell_cfg(mlp_cfg(), 4)};
    cfgs[1].n_layers = 2;
    cfgs[1].conv = 4; /* state carried step to step behind the encoder too */
    cfgs[3].n_layers = 2;
    for (int c = 0; c < 6; c++) {
        Policy *p = make_policy(&cfgs[c], CELL_OBS, 3, 30 + c, 0.1);
        ck_assert_int_eq(p->in_dim, CELLS * cfgs[c].cell_embed + CELL_OBS - CELLS * CELL_DIM);
        Seq s;
        seq_make(&s, p, 24, 6, 40 + c);
        seq_one_hot_cells(&s, 50 + c);
        double e = step_vs_sequence(p, &s);
        printf("policy %s with cell_embed %d (%d layers, conv %d, chunk %d): step vs sequence, "
               "largest relative difference %.2e\n", cfgs[c].kind, cfgs[c].cell_embed,
               cfgs[c].n_layers, cfgs[c].conv, cfgs[c].chunk, e);
        seq_free(&s);
        policy_destroy(p);
    }
}
END_TEST

/* The encoder's definition: a policy with cell_embed E computes what the same kind without it,
 * on in_dim = 3 E + 2 inputs and with the same parameters after the encoder's, computes on
 * [relu(W_e x_c + b_e) for each cell c | the 2 values after the cells] (worked out here in
 * double). The encoder's tensors come first: "encoder.w" [E, 5], then "encoder.b" [E]. */
START_TEST(the_cell_encoder_feeds_the_kind_relu_of_each_cell_then_the_rest_of_the_observation) {
    const int E = 4, T = 12, B = 5, A = 3, IN = CELLS * E + CELL_OBS - CELLS * CELL_DIM;
    for (int k = 0; k < N_KINDS; k++) {
        PolicyConfig plain = kind_cfg(k), enc = cell_cfg(plain, E);
        Policy *p = make_policy(&enc, CELL_OBS, A, 60 + k, 0.1), *q;
        Err err;
        ck_assert_msg(policy_create(&q, &plain, IN, A, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(p->in_dim, IN);
        ck_assert_int_eq(p->obs_dim, CELL_OBS);
        ck_assert_int_eq(p->n_tensors, q->n_tensors + 2);
        const ParamTensor *tw = &p->tensors[0], *tb = &p->tensors[1];
        ck_assert_str_eq(tw->name, "encoder.w");
        ck_assert_int_eq(tw->ndim, 2);
        ck_assert_int_eq(tw->shape[0], E);
        ck_assert_int_eq(tw->shape[1], CELL_DIM);
        ck_assert_uint_eq(tw->offset, 0);
        ck_assert_uint_eq(p->enc_w, 0);
        ck_assert_str_eq(tb->name, "encoder.b");
        ck_assert_int_eq(tb->ndim, 1);
        ck_assert_int_eq(tb->shape[0], E);
        ck_assert_uint_eq(tb->offset, (size_t)E * CELL_DIM);
        ck_assert_uint_eq(p->enc_b, (size_t)E * CELL_DIM);
        size_t enc_size = (size_t)E * CELL_DIM + E;
        ck_assert_uint_eq(p->n_params, q->n_params + enc_size);
        ck_assert_uint_eq(p->state_size, q->state_size);
        for (int t = 0; t < q->n_tensors; t++) { /* the kind's table, shifted by the encoder */
            const ParamTensor *a = &p->tensors[t + 2], *b = &q->tensors[t];
            ck_assert_str_eq(a->name, b->name);
            ck_assert_int_eq(a->ndim, b->ndim);
            for (int d = 0; d < b->ndim; d++) ck_assert_int_eq(a->shape[d], b->shape[d]);
            ck_assert_uint_eq(a->offset, b->offset + enc_size);
        }
        memcpy(q->params, p->params + enc_size, q->n_params * sizeof(real));
        Seq s;
        seq_make(&s, p, T, B, 70 + k);
        seq_one_hot_cells(&s, 80 + k);
        size_t N = (size_t)T * B, SB = p->state_size * B;
        real *feat = malloc(N * IN * sizeof(real));
        const real *W = p->params + p->enc_w, *bias = p->params + p->enc_b;
        long zeros = 0;
        for (size_t n = 0; n < N; n++) {
            const real *o = s.obs + n * CELL_OBS;
            real *f = feat + n * IN;
            for (int c = 0; c < CELLS; c++)
                for (int u = 0; u < E; u++) {
                    double z = bias[u];
                    for (int j = 0; j < CELL_DIM; j++) z += (double)W[u * CELL_DIM + j] * o[c * CELL_DIM + j];
                    f[c * E + u] = (real)(z > 0 ? z : 0);
                    zeros += z <= 0;
                }
            for (int j = CELLS * CELL_DIM; j < CELL_OBS; j++) f[CELLS * E + j - CELLS * CELL_DIM] = o[j];
        }
        /* both sides of relu are taken */
        ck_assert_int_gt(zeros, 0);
        ck_assert_int_lt(zeros, (long)(N * CELLS * E));
        PolicyWork *wp = policy_work_create(p, T, B), *wq = policy_work_create(q, T, B);
        ck_assert_ptr_nonnull(wp);
        ck_assert_ptr_nonnull(wq);
        real *lp = malloc(N * A * sizeof(real)), *vp = malloc(N * sizeof(real));
        real *lq = malloc(N * A * sizeof(real)), *vq = malloc(N * sizeof(real));
        real *fp = malloc((SB + 1) * sizeof(real)), *fq = malloc((SB + 1) * sizeof(real));
        policy_forward_sequence(p, wp, T, B, s.state0, s.obs, s.start, s.prev, lp, vp, fp);
        policy_forward_sequence(q, wq, T, B, s.state0, feat, s.start, s.prev, lq, vq, fq);
        tensor_close("logits with the encoder vs the kind on encoded cells", lp, lq, N * A, 1e-5,
                     1e-5 * max_abs(lq, N * A));
        tensor_close("value with the encoder vs the kind on encoded cells", vp, vq, N, 1e-5,
                     1e-5 * max_abs(vq, N));
        tensor_close("final state with the encoder vs the kind on encoded cells", fp, fq, SB, 1e-5,
                     1e-5 * max_abs(fq, SB));
        printf("policy %s with cell_embed %d vs the kind on encoded cells: largest relative "
               "difference %.2e\n", enc.kind, E, fmax(max_rel_diff(lp, lq, N * A), max_rel_diff(vp, vq, N)));
        free(lp);
        free(vp);
        free(lq);
        free(vq);
        free(fp);
        free(fq);
        free(feat);
        policy_work_destroy(wp);
        policy_work_destroy(wq);
        seq_free(&s);
        policy_destroy(p);
        policy_destroy(q);
    }
}
END_TEST

/* policy.cell_embed 0 (the default) leaves a policy as it was before the encoder existed: the
 * same tensor table, parameter count and initial parameters whether or not the env has a grid
 * of cells, in_dim = obs_dim, and no encoder tensors (mlp on CartPole: CleanRL's Agent, 9155
 * parameters). */
START_TEST(cell_embed_0_leaves_the_tensor_table_and_parameters_as_without_the_encoder) {
    for (int k = 0; k < N_KINDS; k++) {
        PolicyConfig plain = kind_cfg(k), grid = cell_cfg(plain, 0);
        ck_assert_int_eq(plain.cell_embed, 0);
        Policy *a = make_policy(&plain, CELL_OBS, 3, 90, 0.0), *b = make_policy(&grid, CELL_OBS, 3, 90, 0.0);
        ck_assert_int_eq(a->in_dim, CELL_OBS);
        ck_assert_int_eq(b->in_dim, CELL_OBS);
        ck_assert_uint_eq(b->n_params, a->n_params);
        ck_assert_uint_eq(b->state_size, a->state_size);
        ck_assert_int_eq(b->n_tensors, a->n_tensors);
        for (int t = 0; t < a->n_tensors; t++) {
            const ParamTensor *x = &a->tensors[t], *y = &b->tensors[t];
            ck_assert_str_eq(y->name, x->name);
            ck_assert_int_eq(y->ndim, x->ndim);
            for (int d = 0; d < x->ndim; d++) ck_assert_int_eq(y->shape[d], x->shape[d]);
            ck_assert_uint_eq(y->offset, x->offset);
            ck_assert_uint_eq(y->size, x->size);
        }
        for (int i = 0; i < 2; i++) {
            Policy *p = i ? b : a;
            ck_assert_ptr_null(policy_tensor(p, "encoder.w"));
            ck_assert_ptr_null(policy_tensor(p, "encoder.b"));
        }
        ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(real)) == 0);
        policy_destroy(a);
        policy_destroy(b);
    }
    PolicyConfig c = mlp_cfg();
    Policy *p = make_policy(&c, 4, 2, 1, 0.0);
    ck_assert_uint_eq(p->n_params, 9155);
    ck_assert_int_eq(p->in_dim, 4);
    ck_assert_ptr_null(policy_tensor(p, "encoder.w"));
    policy_destroy(p);
}
END_TEST


START_TEST(the_same_inputs_give_bit_identical_outputs_and_gradients_run_to_run) {
    PolicyConfig cfg = kind_cfg(_i);
    real *out[2], *grad[2];
    size_t nl = 0, np = 0;
    for (int r = 0; r < 2; r++) {
        Policy *p = make_policy(&cfg, 5, 3, 42, 0.1);
        const int T = 20, B = 8, A = 3;
        Seq s;
        seq_make(&s, p, T, B, 43);
        PolicyWork *w = policy_work_create(p, T, B);
        nl = (size_t)T * B * (A + 1);
        np = p->n_params;
        out[r] = malloc(nl * sizeof(real));
        grad[r] = calloc(np, sizeof(real));
        policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, out[r],
                                out[r] + (size_t)T * B * A, NULL);
        policy_backward_sequence(p, w, out[r], out[r] + (size_t)T * B * A, grad[r]);
        policy_work_destroy(w);
        seq_free(&s);
        policy_destroy(p);
    }
    ck_assert(memcmp(out[0], out[1], nl * sizeof(real)) == 0);
    ck_assert(memcmp(grad[0], grad[1], np * sizeof(real)) == 0);
    for (int r = 0; r < 2; r++) {
        free(out[r]);
        free(grad[r]);
    }
}
END_TEST

START_TEST(a_workspace_is_reused_across_calls_without_allocating) {
    PolicyConfig cfgs[6] = {gla_cfg(), mlp_cfg(), gla_chunk_cfg(5), rnn_cfg("lstm"), rnn_cfg("gru"),
                            cell_cfg(rnn_cfg("lstm"), 4)};
    for (int c = 0; c < 6; c++) {
        Policy *p = make_policy(&cfgs[c], cfgs[c].cell_embed ? CELL_OBS : 5, 3, 11, 0.1);
        const int T = 16, B = 6, A = 3;
        size_t N = (size_t)T * B;
        Seq s;
        seq_make(&s, p, T, B, 12);
        PolicyWork *w = policy_work_create(p, T, B), *fresh = policy_work_create(p, 5, 2);
        real *l = malloc(N * A * sizeof(real)), *v = malloc(N * sizeof(real));
        real *l2 = malloc(N * A * sizeof(real)), *v2 = malloc(N * sizeof(real));
        real *g = calloc(p->n_params, sizeof(real)), *g2 = calloc(p->n_params, sizeof(real));
        real *st = malloc((p->state_size * B + 1) * sizeof(real));
        memcpy(st, s.state0, p->state_size * B * sizeof(real));
        /* warm up (OpenBLAS sets up its buffers on first use) */
        policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l, v, NULL);
        policy_backward_sequence(p, w, l, v, g);
#if COUNT_ALLOCS
        long before = n_allocs;
        counting = true;
#endif
        for (int rep = 0; rep < 3; rep++) {
            policy_forward_sequence(p, w, T, B, s.state0, s.obs, s.start, s.prev, l, v, NULL);
            policy_backward_sequence(p, w, l, v, g);
            policy_forward_sequence(p, w, 5, 2, s.state0, s.obs, s.start, s.prev, l, v, NULL);
            policy_backward_sequence(p, w, l, v, g);
            policy_step(p, w, B, st, s.obs, s.start, s.prev, l, v);
        }
#if COUNT_ALLOCS
        counting = false;
        ck_assert_msg(n_allocs == before, "%s: %ld allocations in calls on a workspace",
                      cfgs[c].kind, n_allocs - before);
#endif
        /* a smaller call on the big workspace equals the same call on a fresh small one */
        memset(g, 0, p->n_params * sizeof(real));
        policy_forward_sequence(p, w, 5, 2, s.state0, s.obs, s.start, s.prev, l, v, NULL);
        policy_backward_sequence(p, w, l, v, g);
        policy_forward_sequence(p, fresh, 5, 2, s.state0, s.obs, s.start, s.prev, l2, v2, NULL);
        policy_backward_sequence(p, fresh, l2, v2, g2);
        ck_assert(memcmp(l, l2, 10 * A * sizeof(real)) == 0);
        ck_assert(memcmp(g, g2, p->n_params * sizeof(real)) == 0);
        free(l);
        free(v);
        free(l2);
        free(v2);
        free(g);
        free(g2);
        free(st);
        policy_work_destroy(w);
        policy_work_destroy(fresh);
        seq_free(&s);
        policy_destroy(p);
    }
}
END_TEST

START_TEST(the_lane_scan_computes_bit_for_bit_what_the_one_pair_scan_computes) {
    /* GLA_LANES pairs with their own inputs and starts; lanes 13.. left unused (zeros) */
    enum { T = 9, Kh = 4, Vh = 8, W = 2 * Kh + Vh, NL = 13, LN = GLA_LANES };
    const real scale = (real)0.5;
    Rng rng;
    rng_seed(&rng, 7, 7);
    static real x[NL][T * W], alpha[NL][T * Kh], dO[NL][T * Vh], S0[NL][Kh * Vh];
    static uint8_t start[NL][T];
    static real q[T * Kh * LN], k[T * Kh * LN], v[T * Vh * LN], a[T * Kh * LN], dOl[T * Vh * LN];
    static real S[Kh * Vh * LN], Sl0[Kh * Vh * LN], o[T * Vh * LN], hist[T * Kh * Vh * LN];
    static real dq[T * Kh * LN], dk[T * Kh * LN], dv[T * Vh * LN], dg[T * Kh * LN], dS[Kh * Vh * LN];
    static uint8_t sl[T * LN];
    memset(q, 0, sizeof q), memset(k, 0, sizeof k), memset(v, 0, sizeof v), memset(a, 0, sizeof a);
    memset(dOl, 0, sizeof dOl), memset(Sl0, 0, sizeof Sl0), memset(sl, 0, sizeof sl);
    for (int p = 0; p < NL; p++) {
        for (int i = 0; i < T * W; i++) x[p][i] = (real)rng_normal(&rng);
        for (int i = 0; i < T * Kh; i++) alpha[p][i] = (real)rng_double(&rng);
        for (int i = 0; i < T * Vh; i++) dO[p][i] = (real)rng_normal(&rng);
        for (int i = 0; i < Kh * Vh; i++) Sl0[i * LN + p] = S0[p][i] = (real)rng_normal(&rng);
        for (int t = 0; t < T; t++) sl[t * LN + p] = start[p][t] = rng_below(&rng, 4) == 0;
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < Kh; i++) {
                q[(t * Kh + i) * LN + p] = x[p][t * W + i] * scale;
                k[(t * Kh + i) * LN + p] = x[p][t * W + Kh + i];
                a[(t * Kh + i) * LN + p] = alpha[p][t * Kh + i];
            }
            for (int j = 0; j < Vh; j++) {
                v[(t * Vh + j) * LN + p] = x[p][t * W + 2 * Kh + j];
                dOl[(t * Vh + j) * LN + p] = dO[p][t * Vh + j];
            }
        }
    }
    memcpy(S, Sl0, sizeof S);
    gla_lanes_forward(S, o, hist, q, k, v, a, sl, T, Kh, Vh);
    memset(dS, 0, sizeof dS);
    gla_lanes_backward(dq, dk, dv, dg, dS, dOl, Sl0, hist, q, k, v, a, sl, T, Kh, Vh, scale);
    for (int p = 0; p < LN; p++) {
        if (p >= NL) { /* an unused lane stays zero */
            for (int i = 0; i < Kh * Vh; i++) ck_assert(S[i * LN + p] == 0 && dS[i * LN + p] == 0);
            continue;
        }
        GlaScanIO io = {.q = x[p], .k = x[p] + Kh, .v = x[p] + 2 * Kh, .alpha = alpha[p], .start = start[p],
                        .stride = W, .astride = Kh, .sstride = 1};
        real S1[Kh * Vh], o1[T * Vh], h1[T * Kh * Vh], d1[T * W], g1[T * Kh], dS1[Kh * Vh];
        memcpy(S1, S0[p], sizeof S1);
        gla_scan_forward(S1, o1, Vh, h1, &io, T, Kh, Vh, scale);
        memset(d1, 0, sizeof d1), memset(g1, 0, sizeof g1);
        gla_scan_backward_ref(d1, d1 + Kh, d1 + 2 * Kh, g1, dS1, dO[p], Vh, S0[p], h1, &io, T, Kh, Vh, scale);
        for (int i = 0; i < Kh * Vh; i++) ck_assert_msg(S[i * LN + p] == S1[i], "pair %d: state %d", p, i);
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < Vh; j++) {
                ck_assert_msg(o[(t * Vh + j) * LN + p] == o1[t * Vh + j], "pair %d: o[%d][%d]", p, t, j);
                ck_assert_msg(dv[(t * Vh + j) * LN + p] == d1[t * W + 2 * Kh + j], "pair %d: dv[%d][%d]", p, t, j);
            }
            for (int i = 0; i < Kh; i++) {
                ck_assert_msg(dq[(t * Kh + i) * LN + p] == d1[t * W + i], "pair %d: dq[%d][%d]", p, t, i);
                ck_assert_msg(dk[(t * Kh + i) * LN + p] == d1[t * W + Kh + i], "pair %d: dk[%d][%d]", p, t, i);
                ck_assert_msg(dg[(t * Kh + i) * LN + p] == g1[t * Kh + i], "pair %d: dg[%d][%d]", p, t, i);
            }
        }
        for (int i = 0; i < Kh * Vh; i++) ck_assert_msg(dS[i * LN + p] == dS1[i], "pair %d: dS %d", p, i);
    }
}
END_TEST

/* Start patterns of the chunked-form tests, one per lane (lane p takes pattern p % N). */
enum {
    PAT_RANDOM, PAT_NONE, PAT_CHUNK_FIRST, PAT_CHUNK_LAST, PAT_RUNS, PAT_FIRST_ONLY, N_PATTERNS
};

static bool pattern_start(int pattern, int t, int T, int C, Rng *rng) {
    switch (pattern) {
    case PAT_RANDOM: return rng_below(rng, 5) == 0;
    case PAT_CHUNK_FIRST: return t % C == 0 && t > 0;                  /* a chunk's first step */
    case PAT_CHUNK_LAST: return t % C == C - 1 || t == T - 1;          /* a chunk's last step */
    case PAT_RUNS: return (t >= 2 && t < 6) || t % 7 == 3;            /* one-step episodes */
    case PAT_FIRST_ONLY: return t == 0;
    default: return false;
    }
}

/* The chunked form (chunks of C) against the lane scan on T steps of NL used lanes (the
 * others zero), gates alpha = lo + (hi - lo) u, u uniform: outputs, final state and every
 * gradient within rtol of each tensor's largest magnitude, everything finite, unused lanes 0,
 * dg exactly 0 at every start. Returns the largest difference relative to the tensor's scale. */
static double chunk_vs_lanes(int T, int C, int Kh, int Vh, double lo, double hi, uint64_t seed,
                             double rtol) {
    enum { LN = GLA_LANES, NL = 13 };
    const long KL = (long)Kh * LN, VL = (long)Vh * LN, KVL = (long)Kh * Vh * LN;
    const real scale = (real)(1 / sqrt((double)Kh));
    const int nc = (T + C - 1) / C;
    Rng rng;
    rng_seed(&rng, seed, 11);
    real *q = calloc((size_t)(T * KL), sizeof(real)), *k = calloc((size_t)(T * KL), sizeof(real));
    real *a = calloc((size_t)(T * KL), sizeof(real)), *v = calloc((size_t)(T * VL), sizeof(real));
    real *dO = calloc((size_t)(T * VL), sizeof(real)), *S0 = calloc((size_t)KVL, sizeof(real));
    uint8_t *st = calloc((size_t)(T * LN), 1);
    for (int p = 0; p < NL; p++) {
        for (int t = 0; t < T; t++) {
            st[t * LN + p] = pattern_start(p % N_PATTERNS, t, T, C, &rng);
            for (int i = 0; i < Kh; i++) {
                q[t * KL + i * LN + p] = (real)rng_normal(&rng) * scale;
                k[t * KL + i * LN + p] = (real)rng_normal(&rng);
                a[t * KL + i * LN + p] = (real)(lo + (hi - lo) * rng_double(&rng));
            }
            for (int j = 0; j < Vh; j++) {
                v[t * VL + j * LN + p] = (real)rng_normal(&rng);
                dO[t * VL + j * LN + p] = (real)rng_normal(&rng);
            }
        }
        for (long x = 0; x < (long)Kh * Vh; x++) S0[x * LN + p] = (real)rng_normal(&rng);
    }
    /* the reference: o, the states, the gradients of the lane scan */
    real *S1 = malloc(sizeof(real) * (size_t)KVL), *o1 = malloc(sizeof(real) * (size_t)(T * VL));
    real *h1 = malloc(sizeof(real) * (size_t)(T * KVL)), *dS1 = calloc((size_t)KVL, sizeof(real));
    real *g1 = malloc(sizeof(real) * (size_t)(3 * T * KL + T * VL));
    real *dq1 = g1, *dk1 = g1 + T * KL, *dg1 = g1 + 2 * T * KL, *dv1 = g1 + 3 * T * KL;
    memcpy(S1, S0, sizeof(real) * (size_t)KVL);
    gla_lanes_forward(S1, o1, h1, q, k, v, a, st, T, Kh, Vh);
    gla_lanes_backward(dq1, dk1, dv1, dg1, dS1, dO, S0, h1, q, k, v, a, st, T, Kh, Vh, scale);
    /* the chunked form, its outputs poisoned first (every one must be written) */
    real *S2 = malloc(sizeof(real) * (size_t)KVL), *o2 = malloc(sizeof(real) * (size_t)(T * VL));
    real *h2 = malloc(sizeof(real) * (size_t)(nc * KVL)), *dS2 = calloc((size_t)KVL, sizeof(real));
    real *g2 = malloc(sizeof(real) * (size_t)(3 * T * KL + T * VL));
    real *dq2 = g2, *dk2 = g2 + T * KL, *dg2 = g2 + 2 * T * KL, *dv2 = g2 + 3 * T * KL;
    real *work = malloc(sizeof(real) * gla_chunk_work_size(Kh, C));
    for (long x = 0; x < T * VL; x++) o2[x] = NAN;
    for (long x = 0; x < 3 * T * KL + T * VL; x++) g2[x] = NAN;
    memcpy(S2, S0, sizeof(real) * (size_t)KVL);
    gla_chunk_forward(S2, o2, h2, q, k, v, a, st, T, Kh, Vh, C, work);
    gla_chunk_backward(dq2, dk2, dv2, dg2, dS2, dO, S0, h2, q, k, v, a, st, T, Kh, Vh, scale, C,
                       work);
    /* the state-only forward gives the same final state */
    real *S3 = malloc(sizeof(real) * (size_t)KVL);
    memcpy(S3, S0, sizeof(real) * (size_t)KVL);
    gla_chunk_forward(S3, NULL, NULL, q, k, v, a, st, T, Kh, Vh, C, work);
    struct {
        const char *name;
        const real *got, *want;
        long n;
    } cmp[] = {{"o", o2, o1, T * VL},      {"final state", S2, S1, KVL},
               {"state only", S3, S1, KVL}, {"dq", dq2, dq1, T * KL},
               {"dk", dk2, dk1, T * KL},    {"dv", dv2, dv1, T * VL},
               {"dg", dg2, dg1, T * KL},    {"dS", dS2, dS1, KVL}};
    double worst = 0;
    for (size_t c = 0; c < sizeof cmp / sizeof cmp[0]; c++) {
        char what[96];
        snprintf(what, sizeof what, "%s (T %d, C %d, Kh %d, Vh %d, alpha %g..%g)", cmp[c].name, T,
                 C, Kh, Vh, lo, hi);
        for (long x = 0; x < cmp[c].n; x++)
            ck_assert_msg(isfinite(cmp[c].got[x]), "%s: [%ld] is %g", what, x,
                          (double)cmp[c].got[x]);
        double m = max_abs(cmp[c].want, (size_t)cmp[c].n);
        tensor_close(what, cmp[c].got, cmp[c].want, (size_t)cmp[c].n, 0, rtol * m);
        worst = fmax(worst, max_rel_diff(cmp[c].got, cmp[c].want, (size_t)cmp[c].n));
        for (long x = 0; x < cmp[c].n; x++) /* lanes NL.. unused: exactly 0 */
            if (x % LN >= NL)
                ck_assert_msg(cmp[c].got[x] == 0, "%s: unused lane %ld", what, x % LN);
    }
    for (int t = 0; t < T; t++)
        for (int p = 0; p < LN; p++)
            if (st[t * LN + p])
                for (int i = 0; i < Kh; i++)
                    ck_assert_msg(dg2[t * KL + i * LN + p] == 0, "dg at a start (t %d, lane %d)",
                                  t, p);
    free(q), free(k), free(a), free(v), free(dO), free(S0), free(st);
    free(S1), free(o1), free(h1), free(dS1), free(g1);
    free(S2), free(o2), free(h2), free(dS2), free(g2), free(work), free(S3);
    return worst;
}

START_TEST(the_chunked_form_equals_the_lane_scan_for_every_chunk_length) {
    /* T = 50: not a multiple of any C below but 1; C = T and C > T: one chunk */
    const int Cs[] = {1, 2, 3, 4, 7, 8, 16, 32, 50, 64};
    double worst = 0;
    for (size_t c = 0; c < sizeof Cs / sizeof Cs[0]; c++) {
        worst = fmax(worst, chunk_vs_lanes(50, Cs[c], 8, 16, 0.5, 1.0, 30 + c, 1e-5));
        worst = fmax(worst, chunk_vs_lanes(50, Cs[c], 5, 3, 0.0, 1.0, 40 + c, 1e-5));
    }
    worst = fmax(worst, chunk_vs_lanes(64, 64, 16, 32, 0.8, 1.0, 50, 1e-5));
    worst = fmax(worst, chunk_vs_lanes(1, 8, 4, 8, 0.5, 1.0, 51, 1e-5));
    printf("chunked vs lane scan, every chunk length: largest relative difference %.2e\n", worst);
}
END_TEST

START_TEST(the_chunked_form_equals_the_lane_scan_with_gates_near_zero_and_near_one) {
    const int Cs[] = {4, 16, 64};
    double worst = 0;
    for (size_t c = 0; c < sizeof Cs / sizeof Cs[0]; c++) {
        worst = fmax(worst, chunk_vs_lanes(70, Cs[c], 8, 16, 0.0, 2e-6, 60 + c, 1e-5));
        worst = fmax(worst, chunk_vs_lanes(70, Cs[c], 8, 16, 1 - 1e-6, 1.0, 70 + c, 1e-5));
        worst = fmax(worst, chunk_vs_lanes(70, Cs[c], 8, 16, 0.0, 0.0, 80 + c, 1e-5));
    }
    printf("chunked vs lane scan, gates near 0 and 1: largest relative difference %.2e\n", worst);
}
END_TEST

START_TEST(the_vectorized_scan_backward_equals_the_plain_loop_reference) {
    enum { T = 11, Kh = 8, Vh = 16, W = 2 * Kh + Vh }; /* rows [q | k | v] */
    Rng rng;
    rng_seed(&rng, 6, 6);
    real x[T * W], alpha[T * Kh], dO[T * Vh], S0[Kh * Vh], hist[T * Kh * Vh], dS[Kh * Vh];
    real d1[T * W], g1[T * Kh], d2[T * W], g2[T * Kh];
    uint8_t start[T] = {0};
    start[4] = 1;
    for (int i = 0; i < T * W; i++) x[i] = (real)rng_normal(&rng);
    for (int i = 0; i < T * Kh; i++) alpha[i] = (real)rng_double(&rng);
    for (int i = 0; i < T * Vh; i++) dO[i] = (real)rng_normal(&rng);
    for (int i = 0; i < Kh * Vh; i++) S0[i] = (real)rng_normal(&rng);
    GlaScanIO io = {.q = x, .k = x + Kh, .v = x + 2 * Kh, .alpha = alpha, .start = start,
                    .stride = W, .astride = Kh, .sstride = 1};
    real S[Kh * Vh];
    memcpy(S, S0, sizeof S);
    gla_scan_forward(S, NULL, 0, hist, &io, T, Kh, Vh, (real)0.35);
    memset(d1, 0, sizeof d1);
    memset(g1, 0, sizeof g1);
    memset(d2, 0, sizeof d2);
    memset(g2, 0, sizeof g2);
    gla_scan_backward(d1, d1 + Kh, d1 + 2 * Kh, g1, dS, dO, Vh, S0, hist, &io, T, Kh, Vh, (real)0.35);
    gla_scan_backward_ref(d2, d2 + Kh, d2 + 2 * Kh, g2, dS, dO, Vh, S0, hist, &io, T, Kh, Vh, (real)0.35);
    tensor_close("dq | dk | dv", d1, d2, T * W, 1e-5, 1e-5 * max_abs(d2, T * W));
    tensor_close("dg", g1, g2, T * Kh, 1e-5, 1e-5 * max_abs(g2, T * Kh));
    ck_assert(max_abs(g2, 4 * Kh) > 0);
    for (int i = 4 * Kh; i < 5 * Kh; i++) ck_assert(g1[i] == 0); /* no gate gradient at a start */
}
END_TEST

START_TEST(the_vectorizable_exp_log1p_and_tanh_are_within_a_few_ulp_of_libm) {
    double we = 0, wl = 0, wt = 0;
    for (float x = -87.0f; x < 88.0f; x += 1e-3f)
        we = fmax(we, fabs((double)real_exp(x) - exp((double)x)) / exp((double)x));
    for (float u = 0; u <= 1.0f; u += 1e-5f)
        wl = fmax(wl, fabs((double)real_log1p_unit(u) - log1p((double)u)) / fmax(log1p((double)u), 1e-30));
    for (float x = -20.0f; x < 20.0f; x += 1e-4f)
        wt = fmax(wt, fabs((double)real_tanh(x) - tanh((double)x)) / fmax(fabs(tanh((double)x)), 1e-30));
    printf("simd.h: largest relative error exp %.2e, log1p %.2e, tanh %.2e\n", we, wl, wt);
    ck_assert_double_le(we, 4e-7);
    ck_assert_double_le(wl, 4e-7);
    ck_assert_double_le(wt, 4e-7);
    ck_assert(real_exp(-1000.0f) >= 0 && isfinite(real_exp(1000.0f)));
}
END_TEST

/* Runs step, forward and backward of p on s with every obs (and, when poison_params, one
 * parameter of each tensor) set to v; returns whether some logit came out NaN or Inf. */
static bool runs_through(Policy *p, Seq *s, real v, bool poison_params) {
    const int T = s->T, B = s->B, A = s->A;
    const size_t N = (size_t)T * B;
    for (size_t i = 0; i < N * s->O; i += 3) s->obs[i] = v;
    if (poison_params)
        for (int k = 0; k < p->n_tensors; k++) p->params[p->tensors[k].offset] = v;
    PolicyWork *w = policy_work_create(p, T, B);
    real *l = malloc(N * A * sizeof(real)), *val = malloc(N * sizeof(real));
    real *g = calloc(p->n_params, sizeof(real)), *st = malloc((s->S * B + 1) * sizeof(real));
    memcpy(st, s->state0, s->S * B * sizeof(real));
    policy_step(p, w, B, st, s->obs, s->start, s->prev, l, val);
    policy_forward_sequence(p, w, T, B, s->state0, s->obs, s->start, s->prev, l, val, NULL);
    bool bad = false;
    for (size_t i = 0; i < N * A; i++) bad |= !isfinite(l[i]);
    for (size_t i = 0; i < N * A; i++) l[i] = 1; /* a gradient to push back */
    for (size_t i = 0; i < N; i++) val[i] = 1;
    policy_backward_sequence(p, w, l, val, g);
    free(l);
    free(val);
    free(g);
    free(st);
    policy_work_destroy(w);
    return bad;
}

START_TEST(nan_or_inf_in_observations_or_parameters_propagate_without_undefined_behaviour) {
    /* Under UBSan (make test's second run) any signed overflow or bad conversion on the way
     * fails the test; here it checks that the poison shows in the outputs. */
    const real poison[3] = {NAN, INFINITY, -INFINITY};
    PolicyConfig cfgs[5] = {gla_cfg(), mlp_cfg(), gla_chunk_cfg(4), rnn_cfg("lstm"), rnn_cfg("gru")};
    for (int c = 0; c < 5; c++)
        for (int k = 0; k < 3; k++)
            for (int params = 0; params < 2; params++) {
                Policy *p = make_policy(&cfgs[c], 5, 3, 21, 0.1);
                Seq s;
                seq_make(&s, p, 6, 2, 4);
                bool bad = runs_through(p, &s, poison[k], params);
                ck_assert_msg(bad || (k > 0 && !params), "%s, %s %s: every logit finite",
                              cfgs[c].kind, params ? "parameters" : "observations",
                              k == 0 ? "NaN" : "Inf");
                seq_free(&s);
                policy_destroy(p);
            }
}
END_TEST

START_TEST(a_fresh_policy_is_finite_at_every_gate_temperature_the_config_allows) {
    const double taus[3] = {POLICY_MIN_GATE_TAU, 16, POLICY_MAX_GATE_TAU};
    for (int k = 0; k < 3; k++) {
        PolicyConfig c = gla_cfg();
        c.gate_tau = taus[k];
        Policy *p = make_policy(&c, 4, 2, 5, 0.0);
        for (size_t i = 0; i < p->n_params; i++)
            ck_assert_msg(isfinite(p->params[i]), "gate_tau %g: parameter %zu is %g", taus[k], i, p->params[i]);
        policy_destroy(p);
    }
}
END_TEST

static Suite *policy_suite(void) {
    Suite *s = suite_create("policy");
    TCase *tc = test_case("forms, resets and batches");
    tcase_add_test(tc, step_run_t_times_equals_forward_sequence_with_resets_inside);
    tcase_add_test(tc, an_episode_after_a_reset_gives_exactly_the_outputs_it_gives_from_a_zero_state);
    tcase_add_test(tc, a_recurrent_baselines_episode_after_a_reset_gives_exactly_what_it_gives_alone);
    tcase_add_test(tc, one_envs_outputs_do_not_depend_on_the_other_envs_in_the_batch);
    tcase_add_loop_test(tc, the_same_inputs_give_bit_identical_outputs_and_gradients_run_to_run, 0, N_KINDS);
    tcase_add_test(tc, nan_or_inf_in_observations_or_parameters_propagate_without_undefined_behaviour);
    tcase_add_test(tc, with_the_cell_encoder_step_run_t_times_equals_forward_sequence);
    tcase_add_test(tc, the_cell_encoder_feeds_the_kind_relu_of_each_cell_then_the_rest_of_the_observation);
    suite_add_tcase(s, tc);
    tc = test_case("cblas and plain loops");
    tcase_add_test(tc, linalg_gemm_through_cblas_equals_the_plain_loops_for_every_transpose_and_beta);
    tcase_add_test(tc, only_openblas_generic_fallback_is_replaced_and_by_what_the_cpu_runs);
    tcase_add_test(tc, the_fast_paths_and_the_plain_reference_give_the_same_outputs_and_gradients);
    tcase_add_test(tc, a_gla_policy_gives_the_same_outputs_and_gradients_in_chunks_as_step_by_step);
    tcase_add_test(tc, the_vectorized_scan_backward_equals_the_plain_loop_reference);
    tcase_add_test(tc, the_lane_scan_computes_bit_for_bit_what_the_one_pair_scan_computes);
    tcase_add_test(tc, the_chunked_form_equals_the_lane_scan_for_every_chunk_length);
    tcase_add_test(tc, the_chunked_form_equals_the_lane_scan_with_gates_near_zero_and_near_one);
    tcase_add_test(tc, the_vectorizable_exp_log1p_and_tanh_are_within_a_few_ulp_of_libm);
    suite_add_tcase(s, tc);
    tc = test_case("creation, init and workspaces");
    tcase_add_test(tc, a_fresh_policy_has_entropy_within_one_percent_of_log_n_actions_and_unit_values);
    tcase_add_test(tc, invalid_configs_are_rejected_with_a_message_naming_the_key);
    tcase_add_test(tc, a_fresh_policy_is_finite_at_every_gate_temperature_the_config_allows);
    tcase_add_test(tc, the_tensor_table_covers_the_buffer_once_and_names_are_unique);
    tcase_add_test(tc, cell_embed_0_leaves_the_tensor_table_and_parameters_as_without_the_encoder);
    tcase_add_test(tc, a_workspace_is_reused_across_calls_without_allocating);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(policy_suite)
