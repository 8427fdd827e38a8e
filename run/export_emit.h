/* export_emit.h: what run/export.c shares with the emitters of `ppo export` (export.h), one per
 * policy kind: run/export_gla.c, run/export_mlp.c. An emitter turns a loaded Policy into the
 * network part of the generated NAME.c; export.c writes everything else.
 *
 * The generated NAME.c (C99, float only, nothing but <math.h>) holds, in order:
 *   1. the helpers the emitter asks for (its `uses` mask, EXPORT_USE_*), each computing what ppo
 *      computes in the same order of operations (policies/simd.h, policies/layers.c; products as
 *      the plain loops of policies/linalg.c linalg_gemm_naive):
 *        static float $_exp(float x)                 real_exp (always there: the output stage uses it)
 *        static void $_linear(float *out, const float *x, const float *wt, const float *b, int C, int OC)
 *                                                    out [OC] = W x (+ b when b is not 0), W stored
 *                                                    transposed, wt [C][OC] (always there)
 *        static float $_log1p_unit(float u)          EXPORT_USE_LOG1P: real_log1p_unit
 *        static float $_sigmoid(float x)             EXPORT_USE_SIGMOID: real_sigmoid
 *        static float $_tanh(float x)                EXPORT_USE_TANH: real_tanh
 *        static float $_dot(const float *a, const float *b, int n)   EXPORT_USE_DOT: real_dot
 *        static void $_rmsnorm(float *out, const float *x, const float *w, int n)
 *                                                    EXPORT_USE_RMSNORM (and DOT): rmsnorm_forward
 *        static void $_add(float *h, const float *t, int n)          EXPORT_USE_ADD: h += t, the
 *                                                    residual (t + h, as linear_forward_acc)
 *   2. what the emitter writes (its `emit`): the weights, `static const float` arrays written by
 *      export_weights, any helpers of its own, and the network's step:
 *        static void $_network(float *state, int start, int prev_action, const float *x,
 *                              float *logits, float *value)
 *      state [NAME_STATE_SIZE] in/out (its layout is the policy's, policy.h: state_size), wiped
 *      (or overwritten without being read) where start is 1; prev_action the action of the step
 *      before in this episode, -1 for none (ignored where start is 1); x [NAME_OBS_DIM] the
 *      observation after the input stage; out: logits [NAME_N_ACTIONS] and *value. It computes
 *      what one policy_step of ppo computes for one env.
 *   3. the input stage $_input (observation -> x: where an observation normalization would go),
 *      the output stage $_output (logits -> probabilities and action: where another action
 *      distribution would go), NAME_reset and NAME_step: the same for every kind.
 * "$" stands for NAME in the text given to export_code and export_codef.
 *
 * Adding a kind (e.g. "lstm"): write run/export_lstm.c defining `const ExportEmitter
 * export_lstm_emitter`, declare it below and list it in EXPORT_EMITTERS (export.c); the tests
 * (tests/test_export.c) compile and check every kind they are given a checkpoint of. */
#ifndef PPO_EXPORT_EMIT_H
#define PPO_EXPORT_EMIT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"
#include "policies/policy.h"

/* The optional helpers of part 1 an emitter's code calls. An emitted helper that no code calls
 * would fail -Wunused-function, so an emitter asks for exactly those it uses. */
enum {
    EXPORT_USE_LOG1P = 1 << 0,
    EXPORT_USE_SIGMOID = 1 << 1,
    EXPORT_USE_TANH = 1 << 2,
    EXPORT_USE_DOT = 1 << 3,
    EXPORT_USE_RMSNORM = 1 << 4,
    EXPORT_USE_ADD = 1 << 5,
};

/* The NAME.c being written. */
typedef struct ExportWriter {
    FILE *f;
    const char *name; /* NAME, a C identifier */
    const Policy *p;
    bool failed; /* out of memory in export_codef */
} ExportWriter;

typedef struct ExportEmitter {
    const char *kind; /* the PolicyConfig.kind it exports */
    /* The policy.* keys that shape this kind's network, NULL-terminated: the generated header
     * lists their values. */
    const char *const *keys;
    /* The EXPORT_USE_* helpers its code calls. */
    unsigned (*uses)(const Policy *p);
    /* The network in one or a few lines (no newline at the end; lines after the first start
     * with " *   "), for the generated header: kind, sizes. */
    void (*describe)(FILE *f, const Policy *p);
    /* Writes part 2 (see above). 0, or -1 with err (a tensor the policy lacks: a bug). */
    int (*emit)(ExportWriter *w, Err *err);
} ExportEmitter;

extern const ExportEmitter export_gla_emitter;
extern const ExportEmitter export_mlp_emitter;

/* Writes text with every "$" replaced by NAME. */
void export_code(ExportWriter *w, const char *text);

/* As export_code, with the text formatted by printf first. */
void export_codef(ExportWriter *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes a float literal that reads back as exactly v (9 significant digits and an f suffix);
 * v is finite. */
void export_float(FILE *f, float v);

/* Writes the parameter tensor `tensor` (a name of the policy's table, policy.h) as
 *   static const float NAME_<tensor with '.' as '_'>[n] = {...};
 * with its shape in a comment; a 2-dimensional [OC, C] tensor is written transposed, [C][OC],
 * the layout $_linear takes. Returns 0, or -1 with err when the policy has no such tensor. */
int export_weights(ExportWriter *w, const char *tensor, Err *err);

#endif
