/* export_mlp.c: the C emitter of policy kind "mlp" (export_emit.h): CleanRL's actor and critic
 * of policies/mlp.c for one env, operation for operation as mlp_forward_rows runs them with
 * plain-loop products. No recurrent state.
 *
 * Legend as mlp.c: O obs_dim, A n_actions, H hidden width. */
#include <stdio.h>

#include "run/export_emit.h"

static const char *const MLP_KEYS[] = {"kind", "hidden", NULL};

static unsigned mlp_uses(const Policy *p) {
    (void)p;
    return EXPORT_USE_TANH;
}

static void mlp_describe(FILE *f, const Policy *p) {
    int O = p->obs_dim, A = p->n_actions, H = p->cfg.hidden;
    fprintf(f, "mlp, CleanRL's ppo.py Agent (ppo's policies/mlp.c): an actor Linear(%d, %d) - tanh -\n"
               " *   Linear(%d, %d) - tanh - Linear(%d, %d) for the logits, and a critic of the same shape\n"
               " *   with one output, the value. No memory: episode starts and previous actions do not\n"
               " *   change its output.", O, H, H, H, H, A);
}

static int mlp_emit(ExportWriter *w, Err *err) {
    const Policy *p = w->p;
    int O = p->obs_dim, A = p->n_actions, H = p->cfg.hidden;
    static const char *const tensors[] = {"actor.0.w", "actor.0.b", "critic.0.w", "critic.0.b",
                                          "actor.2.w", "actor.2.b", "critic.2.w", "critic.2.b",
                                          "actor.4.w", "actor.4.b", "critic.4.w", "critic.4.b"};
    export_code(w, "/* ---- the weights (ppo's tensor names, policies/mlp.c) ---- */\n\n");
    for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++)
        if (export_weights(w, tensors[i], err)) return -1;
    export_codef(w,
        "\n/* ---- one step of the network (policies/mlp.c mlp_forward_rows) ----\n"
        " * x [%d]; out: logits [%d], *value. state, start and prev_action are not used. */\n"
        "static void $_network(float *state, int start, int prev_action, const float *x,\n"
        "    float *logits, float *value) {\n"
        "    float a1[%d], c1[%d], a2[%d], c2[%d];\n"
        "    int i;\n"
        "    (void)state;\n"
        "    (void)start;\n"
        "    (void)prev_action;\n"
        "    $_linear(a1, x, $_actor_0_w, $_actor_0_b, %d, %d);\n"
        "    $_linear(c1, x, $_critic_0_w, $_critic_0_b, %d, %d);\n"
        "    for (i = 0; i < %d; i++) {\n"
        "        a1[i] = $_tanh(a1[i]);\n"
        "        c1[i] = $_tanh(c1[i]);\n"
        "    }\n"
        "    $_linear(a2, a1, $_actor_2_w, $_actor_2_b, %d, %d);\n"
        "    $_linear(c2, c1, $_critic_2_w, $_critic_2_b, %d, %d);\n"
        "    for (i = 0; i < %d; i++) {\n"
        "        a2[i] = $_tanh(a2[i]);\n"
        "        c2[i] = $_tanh(c2[i]);\n"
        "    }\n"
        "    $_linear(logits, a2, $_actor_4_w, $_actor_4_b, %d, %d);\n"
        "    $_linear(value, c2, $_critic_4_w, $_critic_4_b, %d, 1);\n"
        "}\n",
        O, A, H, H, H, H, O, H, O, H, H, H, H, H, H, H, H, A, H);
    return 0;
}

const ExportEmitter export_mlp_emitter = {
    .kind = "mlp",
    .keys = MLP_KEYS,
    .uses = mlp_uses,
    .describe = mlp_describe,
    .emit = mlp_emit,
};
