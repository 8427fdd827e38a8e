/* export_gla.c: the C emitter of policy kind "gla" (export_emit.h): one step of policies/gla.c
 * for one env, operation for operation as gla_forward_rows runs it with T = 1 (step by step,
 * policies/gla_scan.c) and plain-loop products.
 *
 * Legend as gla.c: O obs_dim, A n_actions, IN input width, D d_model, H heads, K keys and V values
 * over all heads, Kh = K / H, Vh = V / H, R gate rank, F SwiGLU width (0: none), L layers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policies/layers.h"
#include "run/export_emit.h"

typedef struct GlaSizes {
    int O, A, IN, D, H, K, V, Kh, Vh, R, F, L;
    bool prev_action, start_flag;
    float tau, scale; /* as gla.c holds them: (real)gate_tau, (real)(1 / sqrt(Kh)) */
} GlaSizes;

/* The sizes, from the config and the tensor table (gla.c gla_build). */
static GlaSizes gla_sizes(const Policy *p) {
    const PolicyConfig *c = &p->cfg;
    GlaSizes g;
    memset(&g, 0, sizeof g);
    g.O = p->obs_dim;
    g.A = p->n_actions;
    g.prev_action = c->prev_action;
    g.start_flag = c->start_flag;
    g.IN = g.O + (g.prev_action ? g.A : 0) + (g.start_flag ? 1 : 0);
    g.D = c->d_model;
    g.H = c->n_heads;
    g.L = c->n_layers;
    g.K = (int)round(c->expand_k * c->d_model);
    g.V = (int)round(c->expand_v * c->d_model);
    g.Kh = g.K / g.H;
    g.Vh = g.V / g.H;
    g.R = c->gate_rank;
    g.F = (int)round(c->mlp_ratio * c->d_model);
    g.tau = (float)c->gate_tau;
    g.scale = (float)(1.0 / sqrt((double)g.Kh));
    return g;
}

static const char *const GLA_KEYS[] = {"kind", "d_model", "n_heads", "n_layers", "expand_k",
                                       "expand_v", "gate_rank", "gate_tau", "mlp_ratio",
                                       "prev_action", "start_flag", NULL};

static unsigned gla_uses(const Policy *p) {
    (void)p;
    return EXPORT_USE_LOG1P | EXPORT_USE_SIGMOID | EXPORT_USE_RMSNORM | EXPORT_USE_ADD;
}

static void gla_describe(FILE *f, const Policy *p) {
    GlaSizes g = gla_sizes(p);
    fprintf(f, "gla, gated linear attention (ppo's policies/gla.c): input %d observations", g.O);
    if (g.prev_action) fprintf(f, " + the previous action one-hot (%d)", g.A);
    if (g.start_flag) fprintf(f, " + the episode-start flag");
    fprintf(f, ",\n *   embedded to d_model %d; %d layer%s of a GLA block (%d head%s of %d keys x %d values, gate\n"
               " *   rank %d, gate temperature %g)", g.D, g.L, g.L > 1 ? "s" : "", g.H, g.H > 1 ? "s" : "",
            g.Kh, g.Vh, g.R, (double)g.tau);
    if (g.F) fprintf(f, " and a SwiGLU of width %d", g.F);
    else fprintf(f, ", no SwiGLU");
    fprintf(f, "; final RMSNorm; policy head (%d logits) and value head.\n"
               " *   Recurrent state [layer %d][head %d][key %d][value %d].", g.A, g.L, g.H, g.Kh, g.Vh);
}

/* The GLA-only helpers: the gate, the recurrence of one step, the gated per-head RMSNorm and the
 * SwiGLU's gate. */
static void gla_helpers(ExportWriter *w, const GlaSizes *g) {
    export_code(w, "/* GLA's forget gate (policies/layers.c gate_forward): alpha [n] = exp(logsigmoid(z) / tau),\n"
                   " * logsigmoid(z) = min(z, 0) - log1p(exp(-|z|)), tau = ");
    export_float(w->f, g->tau);
    export_code(w, ". */\n"
                   "static void $_gate(float *alpha, const float *z, int n) {\n"
                   "    int i;\n"
                   "    for (i = 0; i < n; i++) {\n"
                   "        float ls = (z[i] < 0 ? z[i] : 0) - $_log1p_unit($_exp(-fabsf(z[i])));\n"
                   "        alpha[i] = $_exp(ls / ");
    export_float(w->f, g->tau);
    export_code(w, ");\n    }\n}\n\n");
    export_codef(w,
        "/* One step of the GLA recurrence for each of the %d heads (Yang et al. 2023, arXiv 2312.06635,\n"
        " * eq. 3-4, recurrent form; policies/gla_scan.c gla_scan_forward):\n"
        " *   S_h = diag(alpha_h) S_h + k_h v_h^T   (S_h = k_h v_h^T where an episode starts),\n"
        " *   o_h = S_h^T (q_h * scale),  scale = 1 / sqrt(%d),\n"
        " * S [%d][%d][%d] (head, key, value); q, k, alpha [%d] and v, o [%d], head after head. */\n"
        "static void $_recurrence(float *S, float *o, const float *q, const float *k,\n"
        "    const float *v, const float *alpha, int start) {\n"
        "    int h, i, j;\n"
        "    for (h = 0; h < %d; h++) {\n"
        "        float *Sh = S + h * %d, *oh = o + h * %d;\n"
        "        const float *qh = q + h * %d, *kh = k + h * %d, *ah = alpha + h * %d, *vh = v + h * %d;\n"
        "        if (start) {\n"
        "            for (i = 0; i < %d; i++)\n"
        "                for (j = 0; j < %d; j++) Sh[i * %d + j] = kh[i] * vh[j];\n"
        "        } else {\n"
        "            for (i = 0; i < %d; i++) {\n"
        "                float ai = ah[i], ki = kh[i];\n"
        "                for (j = 0; j < %d; j++) Sh[i * %d + j] = ai * Sh[i * %d + j] + ki * vh[j];\n"
        "            }\n"
        "        }\n"
        "        for (j = 0; j < %d; j++) oh[j] = 0.0f;\n"
        "        for (i = 0; i < %d; i++) {\n"
        "            float qi = qh[i] * ",
        g->H, g->Kh, g->H, g->Kh, g->Vh, g->K, g->V, g->H, g->Kh * g->Vh, g->Vh, g->Kh, g->Kh, g->Kh,
        g->Vh, g->Kh, g->Vh, g->Vh, g->Kh, g->Vh, g->Vh, g->Vh, g->Vh, g->Kh);
    export_float(w->f, g->scale);
    export_codef(w, ";\n"
        "            for (j = 0; j < %d; j++) oh[j] += qi * Sh[i * %d + j];\n"
        "        }\n"
        "    }\n"
        "}\n\n", g->Vh, g->Vh);
    export_codef(w,
        "/* The output gate with its per-head RMSNorm (policies/layers.c gated_rmsnorm_forward): for each\n"
        " * of the %d heads' %d values, out = w * o / sqrt(mean(o^2) + eps) * swish(u), swish(u) = u sigmoid(u). */\n"
        "static void $_gated_rmsnorm(float *out, const float *o, const float *u, const float *w) {\n"
        "    int h, i;\n"
        "    for (h = 0; h < %d; h++) {\n"
        "        const float *x = o + h * %d, *g = u + h * %d;\n"
        "        float *y = out + h * %d;\n"
        "        float r = 1 / sqrtf($_dot(x, x, %d) / %d + ",
        g->H, g->Vh, g->H, g->Vh, g->Vh, g->Vh, g->Vh, g->Vh);
    export_float(w->f, (float)LAYERS_NORM_EPS);
    export_codef(w, ");\n"
        "        for (i = 0; i < %d; i++) y[i] = w[i] * (x[i] * r) * (g[i] * $_sigmoid(g[i]));\n"
        "    }\n"
        "}\n\n", g->Vh);
    if (g->F)
        export_code(w,
            "/* SwiGLU's gate (policies/layers.c swiglu_forward): m [n] = silu(a) * b. */\n"
            "static void $_swiglu(float *m, const float *a, const float *b, int n) {\n"
            "    int i;\n"
            "    for (i = 0; i < n; i++) m[i] = a[i] * $_sigmoid(a[i]) * b[i];\n"
            "}\n\n");
}

static int gla_emit(ExportWriter *w, Err *err) {
    const Policy *p = w->p;
    GlaSizes g = gla_sizes(p);
    char t[POLICY_NAME_LEN];
    export_code(w, "/* ---- the weights (ppo's tensor names, policies/gla.c) ---- */\n\n");
#define W(...) (snprintf(t, sizeof t, __VA_ARGS__), export_weights(w, t, err))
    if (W("embed.w") || W("embed.b")) return -1;
    for (int l = 0; l < g.L; l++) {
        if (W("layers.%d.norm1.w", l) || W("layers.%d.gla.w_q", l) || W("layers.%d.gla.w_k", l) ||
            W("layers.%d.gla.w_v", l) || W("layers.%d.gla.w_g", l) || W("layers.%d.gla.w_a1", l) ||
            W("layers.%d.gla.w_a2", l) || W("layers.%d.gla.b_a", l) || W("layers.%d.gla.norm.w", l) ||
            W("layers.%d.gla.w_o", l))
            return -1;
        if (g.F && (W("layers.%d.norm2.w", l) || W("layers.%d.mlp.w_1", l) || W("layers.%d.mlp.w_3", l) ||
                    W("layers.%d.mlp.w_2", l)))
            return -1;
    }
    if (W("norm_f.w") || W("pi.w") || W("v.w") || W("pi.b") || W("v.b")) return -1;
#undef W
    fputc('\n', w->f);
    gla_helpers(w, &g);
    export_codef(w,
        "/* ---- one step of the network (policies/gla.c gla_forward_rows) ----\n"
        " * state [%d] in/out, wiped where start is 1; prev_action -1 for none; x [%d];\n"
        " * out: logits [%d], *value. */\n"
        "static void $_network(float *state, int start, int prev_action, const float *x,\n"
        "    float *logits, float *value) {\n"
        "    float inp[%d], h[%d], n[%d], t[%d];\n"
        "    float q[%d], k[%d], v[%d], u[%d], a1[%d], z[%d], alpha[%d], o[%d], g[%d];\n",
        g.L * g.H * g.Kh * g.Vh, g.O, g.A, g.IN, g.D, g.D, g.D, g.K, g.K, g.V, g.V, g.R, g.K, g.K,
        g.V, g.V);
    if (g.F) export_codef(w, "    float f1[%d], f3[%d], m[%d];\n", g.F, g.F, g.F);
    export_code(w, "    int i;\n"
                   "    /* input embedding: h = W_in [x");
    if (g.prev_action) export_code(w, " | one-hot previous action");
    if (g.start_flag) export_code(w, " | start flag");
    export_codef(w, "] + b_in */\n"
                    "    for (i = 0; i < %d; i++) inp[i] = x[i];\n", g.O);
    if (g.prev_action)
        export_codef(w, "    for (i = 0; i < %d; i++) inp[%d + i] = 0.0f;\n"
                        "    if (!start && prev_action >= 0 && prev_action < %d) inp[%d + prev_action] = 1.0f;\n",
                     g.A, g.O, g.A, g.O);
    else
        export_code(w, "    (void)prev_action;\n");
    if (g.start_flag) export_codef(w, "    inp[%d] = start ? 1.0f : 0.0f;\n", g.IN - 1);
    export_codef(w, "    $_linear(h, inp, $_embed_w, $_embed_b, %d, %d);\n", g.IN, g.D);
    int S = g.H * g.Kh * g.Vh;
    for (int l = 0; l < g.L; l++) {
        export_codef(w,
            "    /* layer %d: h += W_o GatedRMSNorm(GLA(RMSNorm(h))) */\n"
            "    $_rmsnorm(n, h, $_layers_%d_norm1_w, %d);\n"
            "    $_linear(q, n, $_layers_%d_gla_w_q, 0, %d, %d);\n"
            "    $_linear(k, n, $_layers_%d_gla_w_k, 0, %d, %d);\n"
            "    $_linear(v, n, $_layers_%d_gla_w_v, 0, %d, %d);\n"
            "    $_linear(u, n, $_layers_%d_gla_w_g, 0, %d, %d);\n"
            "    $_linear(a1, n, $_layers_%d_gla_w_a1, 0, %d, %d);\n"
            "    $_linear(z, a1, $_layers_%d_gla_w_a2, $_layers_%d_gla_b_a, %d, %d);\n"
            "    $_gate(alpha, z, %d);\n"
            "    $_recurrence(state + %d, o, q, k, v, alpha, start);\n"
            "    $_gated_rmsnorm(g, o, u, $_layers_%d_gla_norm_w);\n"
            "    $_linear(t, g, $_layers_%d_gla_w_o, 0, %d, %d);\n"
            "    $_add(h, t, %d);\n",
            l, l, g.D, l, g.D, g.K, l, g.D, g.K, l, g.D, g.V, l, g.D, g.V, l, g.D, g.R, l, l, g.R, g.K,
            g.K, l * S, l, l, g.V, g.D, g.D);
        if (g.F)
            export_codef(w,
                "    /* h += W_2 (silu(W_1 n) * W_3 n), n = RMSNorm(h) */\n"
                "    $_rmsnorm(n, h, $_layers_%d_norm2_w, %d);\n"
                "    $_linear(f1, n, $_layers_%d_mlp_w_1, 0, %d, %d);\n"
                "    $_linear(f3, n, $_layers_%d_mlp_w_3, 0, %d, %d);\n"
                "    $_swiglu(m, f1, f3, %d);\n"
                "    $_linear(t, m, $_layers_%d_mlp_w_2, 0, %d, %d);\n"
                "    $_add(h, t, %d);\n",
                l, g.D, l, g.D, g.F, l, g.D, g.F, g.F, l, g.F, g.D, g.D);
    }
    export_codef(w,
        "    /* heads on the final RMSNorm */\n"
        "    $_rmsnorm(n, h, $_norm_f_w, %d);\n"
        "    $_linear(logits, n, $_pi_w, $_pi_b, %d, %d);\n"
        "    $_linear(value, n, $_v_w, $_v_b, %d, 1);\n"
        "}\n",
        g.D, g.D, g.A, g.D);
    return 0;
}

const ExportEmitter export_gla_emitter = {
    .kind = "gla",
    .keys = GLA_KEYS,
    .uses = gla_uses,
    .describe = gla_describe,
    .emit = gla_emit,
};
