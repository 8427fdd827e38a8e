/* gla.c: the product's policy "gla": gated linear attention (Yang et al. 2023, "Gated Linear
 * Attention Transformers with Hardware-Efficient Training", arXiv 2312.06635; the layer of
 * fla-org/flash-linear-attention fla/layers/gla.py) run recurrently with episode resets, with
 * a policy head and a value head, as README "The policy" describes.
 *
 * Legend: T time steps, B envs, N = T * B rows (row n = t * B + b), O obs_dim, A n_actions,
 * IN input width (O, + A for the one-hot previous action, + 1 for the start flag), D d_model,
 * H heads, K key width (all heads), V value width (all heads), Kh = K / H, Vh = V / H,
 * R gate rank, F SwiGLU hidden width, L layers, PC = 2K + 2V + R (the fused projection).
 *
 * Per step (row):
 *   x = W_in inp + b_in                                     [D]
 *   per layer: x = x + W_o GatedNorm(GLA(RMSNorm(x)))       (attention; mixes along time)
 *              x = x + W_2 (silu(W_1 n) * W_3 n), n = RMSNorm(x)   (when F > 0)
 *   h = RMSNorm(x); logits = W_pi h + b_pi [A]; value = w_v . h + b_v
 * GLA: [q | k | v | u | a1] = W_proj n (W_proj = [W_q; W_k; W_v; W_g; W_a1], stored one after
 * the other so one matrix product computes all five), with policy.conv = W > 0 each channel c of
 * q, k and v replaced by its short causal convolution over the episode's last W steps,
 * sum_i w_conv[c, i] raw_{t-i}[c] (fla's ShortConvolution without its activation; steps before
 * the episode's first count 0; w_conv starts as [1, 0, ..., 0], so a new policy computes what
 * it does without), z = W_a2 a1 + b_a, alpha =
 * exp(logsigmoid(z) / tau), the recurrence of gla_scan.h per head, then per-head RMSNorm times
 * swish(u) (layers.h gated_rmsnorm).
 *
 * State per env: S = L * H * Kh * Vh reals, laid out [L, H, Kh, Vh], then with policy.conv = W
 * the last W - 1 unconvolved [q | k | v] rows of each layer, [L, W - 1, 2K + V] (oldest first).
 *
 * Cost per row (gla_flops; a multiply-add is 2 FLOP): matrix products 2 * in * out each in
 * forward and twice that in backward (input and weight gradients; the embedding's input
 * gradient is not computed); the recurrence, per state element (K * Vh per row), 5 forward
 * (S = a S + k v: 3; o += q S: 2) and 11 backward (5 products-and-sums of 2, the decay 1).
 * Norms, activations, the gate's exp/log and the backward's recomputation of the states are
 * not counted, and the count is the same whichever form runs (the chunked one of policy.chunk
 * does other work). At the defaults (O 4, A 2: D 32, K 16, V 32, R 16, F 64) that is
 * 23.7 kFLOP forward and 47.5 kFLOP backward per env step.
 *
 * Backward keeps, per layer, the activations of the forward in the workspace and recomputes
 * the recurrent states S_t of one (env, head) at a time from the stored initial state into a
 * [T, Kh * Vh] scratch (recomputed from the stored segment start, never divided by alpha), so memory
 * does not grow with T * B * K * Vh.
 *
 * Sequences run the recurrence over blocks of GLA_LANES (env, head) pairs: step by step
 * (gla_lanes.c) when policy.chunk is 0, else in chunks of policy.chunk steps (gla_chunk.c),
 * the backward segment by segment either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#include "policies/gla_chunk.h"
#include "policies/gla_lanes.h"
#include "policies/gla_scan.h"
#include "policies/layers.h"
#include "policies/policy_impl.h"

/* Memory half-lives (env steps) of the gate at init: the key channels of each head get
 * log-evenly spaced half-lives h = tau ln2 / softplus(-b_a) from GLA_HALF_LIFE_MIN to
 * GLA_HALF_LIFE_MAX: from a few steps (CartPole's velocities from positions) to twice the
 * longest episode of the envs (DoorKey-8x8, 640 steps). */
#define GLA_HALF_LIFE_MIN 4.0
#define GLA_HALF_LIFE_MAX 1280.0
/* The backward recomputes the states of SEG steps at a time from the state stored before them,
 * so its memory grows with T / SEG + SEG states of a lane block rather than with T. With
 * chunks of C steps a segment is the whole chunks that cover SEG steps (seg_len), whose
 * ceil(SEG / C) chunk states take no more room than SEG step states. */
#define SEG 32

_Static_assert(POLICY_MAX_CHUNK <= GLA_CHUNK_MAX, "policy.chunk exceeds GLA_CHUNK_MAX");

typedef struct GlaLayer {
    size_t norm1, proj, wa2, ba, conv, gnorm, wo, norm2, w13, w2; /* offsets into params */
} GlaLayer;

typedef struct Gla {
    int O, A, IN, D, H, L, K, V, Kh, Vh, R, F, PC;
    int chunk; /* policy.chunk: 0 = gla_lanes.h's scan, C = gla_chunk.h's chunks of C */
    int W, C;  /* policy.conv and the channels it convolves, 2K + V (0 and 0 without) */
    long hist0; /* offset in a state of the convolution's history (after the GLA states) */
    bool prev_action, start_flag;
    real tau, scale;
    size_t w_in, b_in, normf, w_head, b_head; /* w_head [A + 1, D] = pi.w then v.w */
    GlaLayer *layers;                         /* [L] */
} Gla;

/* Column blocks of the fused projection [N, PC]. */
#define COL_Q(g) 0
#define COL_K(g) ((g)->K)
#define COL_V(g) (2 * (g)->K)
#define COL_U(g) (2 * (g)->K + (g)->V)
#define COL_A1(g) (2 * (g)->K + 2 * (g)->V)

typedef struct GlaActs { /* one layer's saved forward values, rows N */
    real *ln1, *rstd1;   /* [N, D], [N] */
    real *proj;          /* [N, PC] */
    real *praw;          /* [N, C] q, k, v before the convolution (with policy.conv) */
    real *z, *alpha;     /* [N, K] each */
    real *o, *grstd;     /* [N, V], [N, H] */
    real *gated;         /* [N, V] */
    real *mid;           /* [N, D] residual after attention */
    real *ln2, *rstd2;   /* [N, D], [N] */
    real *h13, *m;       /* [N, 2F], [N, F] */
} GlaActs;

typedef struct GlaWork {
    real *arena;          /* one allocation holding every buffer below */
    real *inp;            /* [N, IN] */
    real *resid;          /* [L + 1, N, D]: input of layer l, resid[L] the last output */
    GlaActs *acts;        /* [L] */
    real *lnf, *rstdf;    /* [N, D], [N] */
    real *out;            /* [N, A + 1] head outputs */
    real *state0;         /* [max_b, S] initial state of the last forward */
    real *state_fin;      /* [max_b, S] final state when the caller does not want it */
    uint8_t *start;       /* [N] episode-start flags of the last forward */
    uint8_t *age;         /* [N] steps since the episode's start, at most W (policy.conv) */
    real *dconv;          /* [N, C] d(convolved q, k, v) (policy.conv) */
    real *chist;          /* [W - 1, C] one env's new history (policy.conv) */
    /* backward */
    real *dresid, *dln;   /* [N, D] */
    real *dproj;          /* [N, PC] */
    real *dz;             /* [N, K] */
    real *dgated, *do_;   /* [N, V] */
    real *dm, *dh13;      /* [N, F], [N, 2F] */
    real *dout;           /* [N, A + 1] */
    /* one block of GLA_LANES (env, head) lanes (gla_lanes.h), for sequences (T > 1) */
    real *lq, *lk, *lalpha;   /* [max_t][Kh][LANES] */
    real *lv, *lo, *ldv;      /* [max_t][Vh][LANES]; lo holds dO in the backward */
    uint8_t *lstart;          /* [max_t][LANES] */
    real *lS, *ldS;           /* [Kh][Vh][LANES] */
    real *lbound;             /* [segments][Kh][Vh][LANES]: the state before each time segment */
    real *lhist;              /* [SEG][Kh][Vh][LANES]: the states of one segment (or of the
                                 reference's one pair over max_t steps, whichever is larger) */
    real *ldq, *ldk, *ldg;    /* [max_t][Kh][LANES] */
    real *lwork;              /* gla_chunk_work_size(Kh, chunk) when chunk > 0 */
} GlaWork;

static bool whole(double x) { return fabs(x - round(x)) < 1e-9; }

static int gla_validate(const PolicyConfig *c, int obs_dim, int n_actions, Err *err) {
    (void)obs_dim;
    (void)n_actions;
    if (c->d_model < 1 || c->d_model > POLICY_MAX_WIDTH)
        return err_set(err, "policy.d_model: %d is out of range (allowed 1 .. %d)", c->d_model,
                       POLICY_MAX_WIDTH);
    if (c->n_layers < 1 || c->n_layers > POLICY_MAX_LAYERS)
        return err_set(err, "policy.n_layers: %d is out of range (allowed 1 .. %d)", c->n_layers,
                       POLICY_MAX_LAYERS);
    if (c->n_heads < 1 || c->n_heads > c->d_model)
        return err_set(err, "policy.n_heads: %d is out of range (allowed 1 .. d_model %d)",
                       c->n_heads, c->d_model);
    if (!(c->expand_k >= POLICY_MIN_POSITIVE) || c->expand_k > POLICY_MAX_EXPAND)
        return err_set(err, "policy.expand_k: %g is out of range (allowed %g .. %g)", c->expand_k,
                       POLICY_MIN_POSITIVE, POLICY_MAX_EXPAND);
    if (!(c->expand_v >= POLICY_MIN_POSITIVE) || c->expand_v > POLICY_MAX_EXPAND)
        return err_set(err, "policy.expand_v: %g is out of range (allowed %g .. %g)", c->expand_v,
                       POLICY_MIN_POSITIVE, POLICY_MAX_EXPAND);
    double k = c->expand_k * c->d_model, v = c->expand_v * c->d_model;
    if (!whole(k))
        return err_set(err, "policy.expand_k: %g * d_model %d = %g is not a whole number of keys",
                       c->expand_k, c->d_model, k);
    if (!whole(v))
        return err_set(err, "policy.expand_v: %g * d_model %d = %g is not a whole number of values",
                       c->expand_v, c->d_model, v);
    if ((long)round(v) / c->n_heads > GATED_MAX_VH)
        return err_set(err, "policy.expand_v: the value width per head V / n_heads = %ld exceeds %d",
                       (long)round(v) / c->n_heads, GATED_MAX_VH);
    if ((long)round(k) % c->n_heads != 0)
        return err_set(err, "policy.n_heads: %d does not divide the key width K = expand_k * d_model = %ld",
                       c->n_heads, (long)round(k));
    if ((long)round(v) % c->n_heads != 0)
        return err_set(err, "policy.n_heads: %d does not divide the value width V = expand_v * d_model = %ld",
                       c->n_heads, (long)round(v));
    if (c->gate_rank < 1 || c->gate_rank > POLICY_MAX_WIDTH)
        return err_set(err, "policy.gate_rank: %d is out of range (allowed 1 .. %d)", c->gate_rank,
                       POLICY_MAX_WIDTH);
    if (!(c->gate_tau >= POLICY_MIN_GATE_TAU) || c->gate_tau > POLICY_MAX_GATE_TAU)
        return err_set(err, "policy.gate_tau: %g is out of range (allowed %g .. %g)", c->gate_tau,
                       POLICY_MIN_GATE_TAU, POLICY_MAX_GATE_TAU);
    if (!(c->mlp_ratio >= 0) || c->mlp_ratio > POLICY_MAX_EXPAND)
        return err_set(err, "policy.mlp_ratio: %g is out of range (allowed 0 .. %g; 0 removes the MLP)",
                       c->mlp_ratio, POLICY_MAX_EXPAND);
    if (!whole(c->mlp_ratio * c->d_model))
        return err_set(err, "policy.mlp_ratio: %g * d_model %d = %g is not a whole number of units",
                       c->mlp_ratio, c->d_model, c->mlp_ratio * c->d_model);
    if (!(c->init_std >= POLICY_MIN_POSITIVE) || c->init_std > POLICY_MAX_INIT_STD)
        return err_set(err, "policy.init_std: %g is out of range (allowed %g .. %g)", c->init_std,
                       POLICY_MIN_POSITIVE, POLICY_MAX_INIT_STD);
    if (c->conv < 0 || c->conv > POLICY_MAX_CONV)
        return err_set(err, "policy.conv: %d is out of range (allowed 0 .. %d; 0 = none)", c->conv,
                       POLICY_MAX_CONV);
    if (c->chunk < 0 || c->chunk > POLICY_MAX_CHUNK)
        return err_set(err, "policy.chunk: %d is out of range (allowed 0 .. %d; 0 = step by step)",
                       c->chunk, POLICY_MAX_CHUNK);
    return 0;
}

static int gla_build(Policy *p, Err *err) {
    const PolicyConfig *c = &p->cfg;
    Gla *g = calloc(1, sizeof *g);
    if (!g) return err_set(err, "policy: out of memory");
    p->self = g;
    g->O = p->in_dim;
    g->A = p->n_actions;
    g->prev_action = c->prev_action;
    g->start_flag = c->start_flag;
    g->IN = g->O + (g->prev_action ? g->A : 0) + (g->start_flag ? 1 : 0);
    g->D = c->d_model;
    g->H = c->n_heads;
    g->L = c->n_layers;
    g->K = (int)round(c->expand_k * c->d_model);
    g->V = (int)round(c->expand_v * c->d_model);
    g->Kh = g->K / g->H;
    g->Vh = g->V / g->H;
    g->R = c->gate_rank;
    g->F = (int)round(c->mlp_ratio * c->d_model);
    g->PC = 2 * g->K + 2 * g->V + g->R;
    g->tau = (real)c->gate_tau;
    g->chunk = c->chunk;
    g->W = c->conv;
    g->C = g->W > 0 ? 2 * g->K + g->V : 0;
    g->scale = (real)(1.0 / sqrt((double)g->Kh));
    g->layers = calloc((size_t)g->L, sizeof *g->layers);
    if (!g->layers) return err_set(err, "policy: out of memory");
    int D = g->D, K = g->K, V = g->V, R = g->R, F = g->F, A = g->A;
    size_t bad = (size_t)-1, tmp;
    char name[POLICY_NAME_LEN];
#define ADD(field, ...)                                                                    \
    do {                                                                                   \
        int shape_[] = {__VA_ARGS__};                                                      \
        size_t off_ = policy_add_tensor(p, name, (int)(sizeof shape_ / sizeof shape_[0]), shape_, err); \
        if (off_ == bad) return -1;                                                        \
        *(field) = off_;                                                                   \
    } while (0)
#define NAME(...) snprintf(name, sizeof name, __VA_ARGS__)
    NAME("embed.w"); ADD(&g->w_in, D, g->IN);
    NAME("embed.b"); ADD(&g->b_in, D);
    for (int l = 0; l < g->L; l++) {
        GlaLayer *ly = &g->layers[l];
        NAME("layers.%d.norm1.w", l); ADD(&ly->norm1, D);
        /* q, k, v, g, a1 one after the other: the fused projection [PC, D] */
        NAME("layers.%d.gla.w_q", l); ADD(&ly->proj, K, D);
        NAME("layers.%d.gla.w_k", l); ADD(&tmp, K, D);
        NAME("layers.%d.gla.w_v", l); ADD(&tmp, V, D);
        NAME("layers.%d.gla.w_g", l); ADD(&tmp, V, D);
        NAME("layers.%d.gla.w_a1", l); ADD(&tmp, R, D);
        NAME("layers.%d.gla.w_a2", l); ADD(&ly->wa2, K, R);
        NAME("layers.%d.gla.b_a", l); ADD(&ly->ba, K);
        if (g->W > 0) { NAME("layers.%d.gla.conv", l); ADD(&ly->conv, g->C, g->W); }
        NAME("layers.%d.gla.norm.w", l); ADD(&ly->gnorm, g->Vh);
        NAME("layers.%d.gla.w_o", l); ADD(&ly->wo, D, V);
        if (F > 0) {
            NAME("layers.%d.norm2.w", l); ADD(&ly->norm2, D);
            /* w_1 then w_3: the fused [2F, D] */
            NAME("layers.%d.mlp.w_1", l); ADD(&ly->w13, F, D);
            NAME("layers.%d.mlp.w_3", l); ADD(&tmp, F, D);
            NAME("layers.%d.mlp.w_2", l); ADD(&ly->w2, D, F);
        }
    }
    NAME("norm_f.w"); ADD(&g->normf, D);
    /* pi.w then v.w: one head [A + 1, D]; pi.b then v.b likewise */
    NAME("pi.w"); ADD(&g->w_head, A, D);
    NAME("v.w"); ADD(&tmp, 1, D);
    NAME("pi.b"); ADD(&g->b_head, A);
    NAME("v.b"); ADD(&tmp, 1);
#undef ADD
#undef NAME
    g->hist0 = (long)g->L * g->H * g->Kh * g->Vh;
    p->state_size = (size_t)g->hist0 + (size_t)g->L * (size_t)(g->W > 0 ? g->W - 1 : 0) * (size_t)g->C;
    return 0;
}

static void gla_free_self(Policy *p) {
    Gla *g = p->self;
    free(g->layers);
    free(g);
    p->self = NULL;
}

/* The init: block weights N(0, init_std); norm weights 1; the policy head N(0, 0.01^2 / D)
 * (logits of std ~0.01 on the unit-RMS final norm, so a fresh policy's entropy is ln(A) to
 * ~1e-4); the value head N(0, 1 / D) (gain 1: value of std ~1, as CleanRL's critic head);
 * the gate biases spread over half-lives GLA_HALF_LIFE_MIN .. MAX per head; other biases 0.
 * The input embedding uses N(0, 1 / IN) instead of init_std: observations are few and of order
 * 1, and 0.02 would leave the residual stream near RMSNorm's eps (1e-5). */
static void gla_init(Policy *p, Rng *rng) {
    const Gla *g = p->self;
    real *P = p->params;
    int D = g->D, K = g->K, V = g->V, R = g->R, F = g->F, A = g->A;
    double std = p->cfg.init_std;
    policy_init_normal(P + g->w_in, (size_t)D * g->IN, 1.0 / sqrt((double)g->IN), rng);
    for (int l = 0; l < g->L; l++) {
        const GlaLayer *ly = &g->layers[l];
        for (int i = 0; i < D; i++) P[ly->norm1 + i] = 1;
        policy_init_normal(P + ly->proj, (size_t)g->PC * D, std, rng);
        policy_init_normal(P + ly->wa2, (size_t)K * R, std, rng);
        for (int h = 0; h < g->H; h++)
            for (int i = 0; i < g->Kh; i++) {
                double frac = g->Kh > 1 ? (double)i / (g->Kh - 1) : 0.5;
                double life = GLA_HALF_LIFE_MIN * pow(GLA_HALF_LIFE_MAX / GLA_HALF_LIFE_MIN, frac);
                double sp = p->cfg.gate_tau * log(2.0) / life; /* softplus(-b) */
                /* b = -log(e^sp - 1); past sp = 20 as -(sp + log(1 - e^-sp)), which does not
                 * overflow (e^sp does past 709, with a large gate_tau) */
                P[ly->ba + h * g->Kh + i] = (real)(sp > 20 ? -(sp + log(-expm1(-sp))) : -log(expm1(sp)));
            }
        for (long i = 0; i < (long)g->C * g->W; i++) P[ly->conv + i] = i % g->W == 0 ? 1 : 0;
        for (int i = 0; i < g->Vh; i++) P[ly->gnorm + i] = 1;
        policy_init_normal(P + ly->wo, (size_t)D * V, std, rng);
        if (F > 0) {
            for (int i = 0; i < D; i++) P[ly->norm2 + i] = 1;
            policy_init_normal(P + ly->w13, (size_t)2 * F * D, std, rng);
            policy_init_normal(P + ly->w2, (size_t)D * F, std, rng);
        }
    }
    for (int i = 0; i < D; i++) P[g->normf + i] = 1;
    policy_init_normal(P + g->w_head, (size_t)A * D, 0.01 / sqrt((double)D), rng);
    policy_init_normal(P + g->w_head + (size_t)A * D, (size_t)D, 1.0 / sqrt((double)D), rng);
}

static int gla_work_init(const Policy *p, PolicyWork *w) {
    const Gla *g = p->self;
    GlaWork *k = calloc(1, sizeof *k);
    if (!k) return -1;
    w->self = k;
    size_t N = (size_t)w->max_t * (size_t)w->max_b, L = (size_t)g->L;
    size_t D = (size_t)g->D, K = (size_t)g->K, V = (size_t)g->V, H = (size_t)g->H;
    size_t F = (size_t)g->F, PC = (size_t)g->PC, A1 = (size_t)g->A + 1, S = p->state_size;
    size_t KV = (size_t)g->Kh * (size_t)g->Vh;
    size_t C = (size_t)g->C, W = (size_t)g->W;
    size_t per_layer = N * (D + 1 + PC + C + 2 * K + V + H + V + D + (F ? D + 1 + 3 * F : 0));
    const size_t LN = GLA_LANES, MT = (size_t)w->max_t, KH = (size_t)g->Kh, VH = (size_t)g->Vh;
    const size_t segments = (MT + SEG - 1) / SEG;
    const size_t hist_n = SEG * LN > MT ? SEG * LN : MT; /* lhist: a segment of lanes, or T states */
    const size_t cwork = g->chunk > 0 ? gla_chunk_work_size(g->Kh, g->chunk) : 0;
    size_t lanes =
        MT * KH * LN * 6 + MT * VH * LN * 3 + KV * (LN * (2 + segments) + hist_n) + cwork;
    size_t total = N * g->IN + (L + 1) * N * D + L * per_layer + N * (D + 1) + N * A1 +
                   2 * (size_t)w->max_b * S + N * (2 * D + PC + K + 2 * V + 3 * F + A1) + lanes +
                   N * C + (W > 0 ? W - 1 : 0) * C;
    k->arena = malloc(total * sizeof(real));
    k->acts = calloc(L, sizeof *k->acts);
    k->start = malloc(N);
    k->age = malloc(N);
    k->lstart = malloc(MT * LN);
    if (!k->arena || !k->acts || !k->start || !k->age || !k->lstart) {
        w->cls->work_free(w);
        return -1;
    }
    real *c = k->arena;
#define TAKE(ptr, n) \
    do {             \
        (ptr) = c;   \
        c += (n);    \
    } while (0)
    TAKE(k->inp, N * g->IN);
    TAKE(k->resid, (L + 1) * N * D);
    for (size_t l = 0; l < L; l++) {
        GlaActs *a = &k->acts[l];
        TAKE(a->ln1, N * D);
        TAKE(a->rstd1, N);
        TAKE(a->proj, N * PC);
        TAKE(a->praw, N * C);
        TAKE(a->z, N * K);
        TAKE(a->alpha, N * K);
        TAKE(a->o, N * V);
        TAKE(a->grstd, N * H);
        TAKE(a->gated, N * V);
        TAKE(a->mid, N * D);
        if (F) {
            TAKE(a->ln2, N * D);
            TAKE(a->rstd2, N);
            TAKE(a->h13, N * 2 * F);
            TAKE(a->m, N * F);
        }
    }
    TAKE(k->lnf, N * D);
    TAKE(k->rstdf, N);
    TAKE(k->out, N * A1);
    TAKE(k->state0, (size_t)w->max_b * S);
    TAKE(k->state_fin, (size_t)w->max_b * S);
    TAKE(k->dresid, N * D);
    TAKE(k->dln, N * D);
    TAKE(k->dproj, N * PC);
    TAKE(k->dz, N * K);
    TAKE(k->dgated, N * V);
    TAKE(k->do_, N * V);
    TAKE(k->dm, N * F);
    TAKE(k->dh13, N * 2 * F);
    TAKE(k->dout, N * A1);
    TAKE(k->lq, MT * KH * LN);
    TAKE(k->lk, MT * KH * LN);
    TAKE(k->lalpha, MT * KH * LN);
    TAKE(k->ldq, MT * KH * LN);
    TAKE(k->ldk, MT * KH * LN);
    TAKE(k->ldg, MT * KH * LN);
    TAKE(k->lv, MT * VH * LN);
    TAKE(k->lo, MT * VH * LN);
    TAKE(k->ldv, MT * VH * LN);
    TAKE(k->lS, KV * LN);
    TAKE(k->ldS, KV * LN);
    TAKE(k->lbound, segments * KV * LN);
    TAKE(k->lhist, hist_n * KV);
    TAKE(k->lwork, cwork);
    TAKE(k->dconv, N * C);
    TAKE(k->chist, (W > 0 ? W - 1 : 0) * C);
#undef TAKE
    if ((size_t)(c - k->arena) != total) abort(); /* the size sum above is wrong: a bug */
    return 0;
}

static void gla_work_free(PolicyWork *w) {
    GlaWork *k = w->self;
    if (!k) return;
    free(k->arena);
    free(k->acts);
    free(k->start);
    free(k->age);
    free(k->lstart);
    free(k);
    w->self = NULL;
}

/* inp [N, IN] = [obs | onehot(prev_action) | start]; the one-hot is all zeros on an episode's
 * first step and for an action outside 0 .. A-1 (none). */
static void gla_input(const Gla *g, real *inp, int N, const real *obs, const uint8_t *start,
                      const int32_t *prev_action) {
    for (int n = 0; n < N; n++) {
        real *x = inp + (long)n * g->IN;
        memcpy(x, obs + (long)n * g->O, (size_t)g->O * sizeof *x);
        int c = g->O;
        if (g->prev_action) {
            memset(x + c, 0, (size_t)g->A * sizeof *x);
            int32_t a = prev_action ? prev_action[n] : -1;
            if (!start[n] && a >= 0 && a < g->A) x[c + a] = 1;
            c += g->A;
        }
        if (g->start_flag) x[c] = start[n] ? 1 : 0;
    }
}

/* ---- lane blocks: up to GLA_LANES (env, head) pairs, lane x = pair l0 + x = b * H + h ---- */

/* Copies one column block of the rows [N, ld] (rows n = t * B + b, the block of head h at
 * col + h * n_per) into lanes [T][n_per][LANES], times mul; unused lanes 0. */
static void lanes_pack(real *lanes, const real *rows, long ld, int col, int n_per, int T, int B,
                       int H, int l0, int nl, real mul) {
    for (int t = 0; t < T; t++)
        for (int x = 0; x < GLA_LANES; x++) {
            real *dst = lanes + (long)t * n_per * GLA_LANES + x;
            if (x >= nl) {
                for (int i = 0; i < n_per; i++) dst[i * GLA_LANES] = 0;
                continue;
            }
            int b = (l0 + x) / H, h = (l0 + x) % H;
            const real *src = rows + ((long)t * B + b) * ld + col + h * n_per;
            for (int i = 0; i < n_per; i++) dst[i * GLA_LANES] = src[i] * mul;
        }
}

/* The reverse of lanes_pack (mul 1), adding (+=) into rows. */
static void lanes_unpack_add(real *rows, long ld, int col, int n_per, const real *lanes, int T,
                             int B, int H, int l0, int nl) {
    for (int t = 0; t < T; t++)
        for (int x = 0; x < nl; x++) {
            int b = (l0 + x) / H, h = (l0 + x) % H;
            real *dst = rows + ((long)t * B + b) * ld + col + h * n_per;
            const real *src = lanes + (long)t * n_per * GLA_LANES + x;
            for (int i = 0; i < n_per; i++) dst[i] += src[i * GLA_LANES];
        }
}

/* The start flags [T, B] into lanes [T][LANES] (unused lanes 0). */
static void lanes_pack_start(uint8_t *lanes, const uint8_t *start, int T, int B, int H, int l0, int nl) {
    for (int t = 0; t < T; t++)
        for (int x = 0; x < GLA_LANES; x++) lanes[t * GLA_LANES + x] = x < nl ? start[(long)t * B + (l0 + x) / H] : 0;
}

/* Layer ly's states of the block's pairs, from states [B, S] into S [Kh][Vh][LANES] (in), or
 * back (out). */
static void lanes_state(const Gla *g, int layer, real *states, long S_size, real *S, int l0, int nl,
                        bool in) {
    const long KV = (long)g->Kh * g->Vh;
    if (in) memset(S, 0, sizeof(real) * (size_t)KV * GLA_LANES);
    for (int x = 0; x < nl; x++) {
        int b = (l0 + x) / g->H, h = (l0 + x) % g->H;
        real *st = states + (long)b * S_size + (long)layer * g->H * KV + h * KV;
        for (long e = 0; e < KV; e++) {
            if (in) S[e * GLA_LANES + x] = st[e];
            else st[e] = S[e * GLA_LANES + x];
        }
    }
}

/* The steps of one backward segment: SEG, or with chunks the whole chunks covering SEG. */
static int seg_len(const Gla *g) {
    return g->chunk > 0 ? g->chunk * ((SEG + g->chunk - 1) / g->chunk) : SEG;
}

/* The recurrence of one lane block over T steps from the state S (updated in place): the
 * outputs into o unless NULL, the states after each step (scan) or each chunk into hist
 * unless NULL. */
static void block_forward(const Gla *g, GlaWork *k, real *S, real *o, real *hist, long t0, int T) {
    const long qo = t0 * g->Kh * GLA_LANES, vo = t0 * g->Vh * GLA_LANES;
    if (g->chunk > 0)
        gla_chunk_forward(S, o, hist, k->lq + qo, k->lk + qo, k->lv + vo, k->lalpha + qo,
                          k->lstart + t0 * GLA_LANES, T, g->Kh, g->Vh, g->chunk, k->lwork);
    else
        gla_lanes_forward(S, o, hist, k->lq + qo, k->lk + qo, k->lv + vo, k->lalpha + qo,
                          k->lstart + t0 * GLA_LANES, T, g->Kh, g->Vh);
}

/* The recurrence of layer `layer` over T steps of B envs, lane block by lane block: its states
 * from state_in into state_out [B, S], its outputs into a->o [N, V]. */
static void lanes_forward(const Gla *g, GlaWork *k, GlaActs *a, int layer, int T, int B,
                          const real *state_in, real *state_out, long S_size, const uint8_t *start) {
    const int H = g->H, Kh = g->Kh, Vh = g->Vh, PC = g->PC, Lp = B * H;
    for (int l0 = 0; l0 < Lp; l0 += GLA_LANES) {
        int nl = Lp - l0 < GLA_LANES ? Lp - l0 : GLA_LANES;
        lanes_pack(k->lq, a->proj, PC, COL_Q(g), Kh, T, B, H, l0, nl, g->scale);
        lanes_pack(k->lk, a->proj, PC, COL_K(g), Kh, T, B, H, l0, nl, 1);
        lanes_pack(k->lv, a->proj, PC, COL_V(g), Vh, T, B, H, l0, nl, 1);
        lanes_pack(k->lalpha, a->alpha, g->K, 0, Kh, T, B, H, l0, nl, 1);
        lanes_pack_start(k->lstart, start, T, B, H, l0, nl);
        lanes_state(g, layer, (real *)state_in, S_size, k->lS, l0, nl, true);
        block_forward(g, k, k->lS, k->lo, NULL, 0, T);
        lanes_unpack_add(a->o, g->V, 0, Vh, k->lo, T, B, H, l0, nl);
        lanes_state(g, layer, state_out, S_size, k->lS, l0, nl, false);
    }
}

/* The backward of layer `layer`'s recurrence, lane block by lane block: from k->do_ [N, V] into
 * the q, k, v columns of k->dproj and into k->dz (+=). The states are recomputed from the
 * initial ones seg_len steps at a time (k->lbound holds the state before each segment). */
static void lanes_backward(const Gla *g, GlaWork *k, const GlaActs *a, int layer, int T, int B,
                           long S_size) {
    const int H = g->H, Kh = g->Kh, Vh = g->Vh, PC = g->PC, Lp = B * H;
    const long KVL = (long)Kh * Vh * GLA_LANES;
    const int seg = seg_len(g), segments = (T + seg - 1) / seg;
    for (int l0 = 0; l0 < Lp; l0 += GLA_LANES) {
        int nl = Lp - l0 < GLA_LANES ? Lp - l0 : GLA_LANES;
        lanes_pack(k->lq, a->proj, PC, COL_Q(g), Kh, T, B, H, l0, nl, g->scale);
        lanes_pack(k->lk, a->proj, PC, COL_K(g), Kh, T, B, H, l0, nl, 1);
        lanes_pack(k->lv, a->proj, PC, COL_V(g), Vh, T, B, H, l0, nl, 1);
        lanes_pack(k->lalpha, a->alpha, g->K, 0, Kh, T, B, H, l0, nl, 1);
        lanes_pack(k->lo, k->do_, g->V, 0, Vh, T, B, H, l0, nl, 1);
        lanes_pack_start(k->lstart, k->start, T, B, H, l0, nl);
        lanes_state(g, layer, k->state0, S_size, k->lbound, l0, nl, true);
        for (int sg = 0; sg + 1 < segments; sg++) { /* the state before each later segment */
            memcpy(k->lbound + (sg + 1) * KVL, k->lbound + sg * KVL, sizeof(real) * (size_t)KVL);
            block_forward(g, k, k->lbound + (sg + 1) * KVL, NULL, NULL, (long)sg * seg, seg);
        }
        memset(k->ldS, 0, sizeof(real) * (size_t)KVL);
        for (int sg = segments - 1; sg >= 0; sg--) {
            long t0 = (long)sg * seg, n = T - t0 < seg ? T - t0 : seg;
            long qo = t0 * Kh * GLA_LANES, vo = t0 * Vh * GLA_LANES;
            const uint8_t *st = k->lstart + t0 * GLA_LANES;
            memcpy(k->lS, k->lbound + sg * KVL, sizeof(real) * (size_t)KVL);
            block_forward(g, k, k->lS, NULL, k->lhist, t0, (int)n);
            if (g->chunk > 0)
                gla_chunk_backward(k->ldq + qo, k->ldk + qo, k->ldv + vo, k->ldg + qo, k->ldS,
                                   k->lo + vo, k->lbound + sg * KVL, k->lhist, k->lq + qo,
                                   k->lk + qo, k->lv + vo, k->lalpha + qo, st, (int)n, Kh, Vh,
                                   g->scale, g->chunk, k->lwork);
            else
                gla_lanes_backward(k->ldq + qo, k->ldk + qo, k->ldv + vo, k->ldg + qo, k->ldS,
                                   k->lo + vo, k->lbound + sg * KVL, k->lhist, k->lq + qo,
                                   k->lk + qo, k->lv + vo, k->lalpha + qo, st, (int)n, Kh, Vh,
                                   g->scale);
        }
        lanes_unpack_add(k->dproj, PC, COL_Q(g), Kh, k->ldq, T, B, H, l0, nl);
        lanes_unpack_add(k->dproj, PC, COL_K(g), Kh, k->ldk, T, B, H, l0, nl);
        lanes_unpack_add(k->dproj, PC, COL_V(g), Vh, k->ldv, T, B, H, l0, nl);
        lanes_unpack_add(k->dz, g->K, 0, Kh, k->ldg, T, B, H, l0, nl);
    }
}

/* ---- the short convolution of policy.conv -------------------------------------------------- */

/* age [N] = steps since the episode's start of row n = t * B + b, at most W: W at t = 0 unless
 * the episode starts there (the history in the state belongs to the same episode). */
static void conv_ages(const Gla *g, uint8_t *age, int T, int B, const uint8_t *start) {
    for (int b = 0; b < B; b++) {
        int a = g->W;
        for (int t = 0; t < T; t++) {
            long n = (long)t * B + b;
            a = start[n] ? 0 : (a < g->W ? a + 1 : g->W);
            age[n] = (uint8_t)a;
        }
    }
}

/* Row (t - i, b)'s unconvolved channel block [C]: from praw [N, C] when t - i >= 0, else from
 * the history [W - 1, C] of env b in state (row -1 its last). */
static const real *conv_src(const Gla *g, const real *praw, const real *hist, int t, int i, int B, int b) {
    return t - i >= 0 ? praw + ((long)(t - i) * B + b) * g->C : hist + (long)(g->W - 1 + t - i) * g->C;
}

/* Layer `layer`'s convolution: a->praw [N, C] = the first C columns of a->proj [N, PC], which
 * become sum_{i <= age} w_conv[c, i] raw_{t-i}[c]; each env's history from state_in [B, S] moves
 * on into state_out [B, S] (they may be the same): its last W - 1 raw rows, 0 for rows of an
 * earlier episode. */
static void conv_forward(const Gla *g, GlaWork *k, GlaActs *a, const real *w, int layer, int T, int B,
                         const real *state_in, real *state_out, long S_size, const uint8_t *start) {
    const int C = g->C, W = g->W, PC = g->PC;
    const long N = (long)T * B, H = (long)(W - 1) * C;
    for (long n = 0; n < N; n++) memcpy(a->praw + n * C, a->proj + n * PC, (size_t)C * sizeof(real));
    conv_ages(g, k->age, T, B, start);
    for (int b = 0; b < B; b++) {
        const real *hist = state_in + (long)b * S_size + g->hist0 + layer * H;
        for (int t = 0; t < T; t++) {
            long n = (long)t * B + b;
            real *y = a->proj + n * PC;
            const int last = k->age[n] < W - 1 ? k->age[n] : W - 1;
            for (int c = 0; c < C; c++) y[c] = 0;
            for (int i = 0; i <= last; i++) {
                const real *x = conv_src(g, a->praw, hist, t, i, B, b);
                for (int c = 0; c < C; c++) y[c] += w[(long)c * W + i] * x[c];
            }
        }
        /* the new history, row m = W - 2 - j the raw row T - 1 - j, while of this episode */
        for (int j = 0; j < W - 1; j++) {
            real *dst = k->chist + (long)(W - 2 - j) * C;
            if (j <= k->age[(long)(T - 1) * B + b])
                memcpy(dst, conv_src(g, a->praw, hist, T - 1, j, B, b), (size_t)C * sizeof(real));
            else
                memset(dst, 0, (size_t)C * sizeof(real));
        }
        memcpy(state_out + (long)b * S_size + g->hist0 + layer * H, k->chist, (size_t)H * sizeof(real));
    }
}

/* The backward of conv_forward: dproj's first C columns hold d(convolved); they become
 * d(raw), and dw [C, W] accumulates. The history in the initial state gets no gradient (as the
 * initial GLA state). */
static void conv_backward(const Gla *g, GlaWork *k, const GlaActs *a, const real *w, real *dw, int layer,
                          int T, int B, long S_size) {
    const int C = g->C, W = g->W, PC = g->PC;
    const long N = (long)T * B, H = (long)(W - 1) * C;
    for (long n = 0; n < N; n++) {
        memcpy(k->dconv + n * C, k->dproj + n * PC, (size_t)C * sizeof(real));
        memset(k->dproj + n * PC, 0, (size_t)C * sizeof(real));
    }
    conv_ages(g, k->age, T, B, k->start);
    for (int b = 0; b < B; b++) {
        const real *hist = k->state0 + (long)b * S_size + g->hist0 + layer * H;
        for (int t = 0; t < T; t++) {
            long n = (long)t * B + b;
            const real *dy = k->dconv + n * C;
            const int last = k->age[n] < W - 1 ? k->age[n] : W - 1;
            for (int i = 0; i <= last; i++) {
                const real *x = conv_src(g, a->praw, hist, t, i, B, b);
                for (int c = 0; c < C; c++) dw[(long)c * W + i] += x[c] * dy[c];
                if (t - i < 0) continue;
                real *dx = k->dproj + ((long)(t - i) * B + b) * PC;
                for (int c = 0; c < C; c++) dx[c] += w[(long)c * W + i] * dy[c];
            }
        }
    }
}

/* Layer `layer`'s recurrence over T steps of B envs, pair by pair (gla_scan.c): the states from
 * state_in into state_out [B, S] (they may be the same), the outputs into a->o [N, V]. */
static void pair_forward(const Gla *g, GlaActs *a, int layer, int T, int B, const real *state_in,
                         real *state_out, long S_size, const uint8_t *start) {
    const long KV = (long)g->Kh * g->Vh;
    const int PC = g->PC, K = g->K, V = g->V;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < g->H; h++) {
            long st = (long)b * S_size + (long)layer * g->H * KV + h * KV;
            real *Sb = state_out + st;
            if (state_out != state_in) memcpy(Sb, state_in + st, (size_t)KV * sizeof *Sb);
            GlaScanIO io = {
                .q = a->proj + (long)b * PC + COL_Q(g) + h * g->Kh,
                .k = a->proj + (long)b * PC + COL_K(g) + h * g->Kh,
                .v = a->proj + (long)b * PC + COL_V(g) + h * g->Vh,
                .alpha = a->alpha + (long)b * K + h * g->Kh,
                .start = start + b,
                .stride = (long)B * PC,
                .astride = (long)B * K,
                .sstride = B,
            };
            gla_scan_forward(Sb, a->o + (long)b * V + h * g->Vh, (long)B * V, NULL, &io, T, g->Kh,
                             g->Vh, g->scale);
        }
}

/* The backward of pair_forward (the reference of lanes_backward): the states of each pair
 * recomputed over all T steps, then gla_scan_backward_ref. */
static void pair_backward(const Gla *g, GlaWork *k, const GlaActs *a, int layer, int T, int B,
                          long S_size) {
    const int PC = g->PC, K = g->K, V = g->V, Kh = g->Kh, Vh = g->Vh;
    const long KV = (long)Kh * Vh;
    real *hist = k->lhist, *dS = k->ldS; /* [T, KV] fits in lhist; [KV] in ldS */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < g->H; h++) {
            long st = (long)b * S_size + (long)layer * g->H * KV + h * KV;
            long qo = (long)b * PC + COL_Q(g) + h * Kh, ko = (long)b * PC + COL_K(g) + h * Kh;
            long vo = (long)b * PC + COL_V(g) + h * Vh, ao = (long)b * K + h * Kh;
            GlaScanIO io = {
                .q = a->proj + qo, .k = a->proj + ko, .v = a->proj + vo,
                .alpha = a->alpha + ao, .start = k->start + b,
                .stride = (long)B * PC, .astride = (long)B * K, .sstride = B,
            };
            memcpy(dS, k->state0 + st, (size_t)KV * sizeof(real));
            gla_scan_forward(dS, NULL, 0, hist, &io, T, Kh, Vh, g->scale);
            gla_scan_backward_ref(k->dproj + qo, k->dproj + ko, k->dproj + vo, k->dz + ao, dS,
                                  k->do_ + (long)b * V + h * Vh, (long)B * V, k->state0 + st, hist,
                                  &io, T, Kh, Vh, g->scale);
        }
}

/* The forward pass over T steps of B envs (rows N = T * B), keeping every activation in k.
 * The recurrent state of layer l, env b starts from state_in [B, S] and ends in state_out
 * [B, S] (they may be the same buffer). */
static void gla_forward_rows(const Policy *p, PolicyWork *w, int T, int B, const real *state_in,
                             real *state_out, const real *obs, const uint8_t *start,
                             const int32_t *prev_action, real *logits, real *value) {
    const Gla *g = p->self;
    GlaWork *k = w->self;
    const real *P = p->params;
    bool nv = w->naive;
    int N = T * B, D = g->D, K = g->K, V = g->V, PC = g->PC, F = g->F, A = g->A;
    long S = (long)p->state_size;
    gla_input(g, k->inp, N, obs, start, prev_action);
    linear_forward(k->resid, D, k->inp, g->IN, P + g->w_in, P + g->b_in, N, g->IN, D, nv);
    for (int l = 0; l < g->L; l++) {
        const GlaLayer *ly = &g->layers[l];
        GlaActs *a = &k->acts[l];
        const real *x = k->resid + (long)l * N * D;
        real *y = k->resid + (long)(l + 1) * N * D;
        rmsnorm_forward(a->ln1, a->rstd1, x, P + ly->norm1, N, D);
        linear_forward(a->proj, PC, a->ln1, D, P + ly->proj, NULL, N, D, PC, nv);
        if (g->W > 0) conv_forward(g, k, a, P + ly->conv, l, T, B, state_in, state_out, S, start);
        linear_forward(a->z, K, a->proj + COL_A1(g), PC, P + ly->wa2, P + ly->ba, N, g->R, K, nv);
        gate_forward(a->alpha, a->z, (long)N * K, g->tau);
        if (T > 1 && !nv) { /* a sequence: lane blocks */
            memset(a->o, 0, sizeof(real) * (size_t)N * V);
            lanes_forward(g, k, a, l, T, B, state_in, state_out, S, start);
        } else { /* one step (in place, with no packing), or the reference */
            pair_forward(g, a, l, T, B, state_in, state_out, S, start);
        }
        gated_rmsnorm_forward(a->gated, a->grstd, a->o, a->proj + COL_U(g), PC, P + ly->gnorm, N,
                              g->H, g->Vh);
        real *mid = F ? a->mid : y;
        memcpy(mid, x, (size_t)N * D * sizeof *mid);
        linear_forward_acc(mid, D, a->gated, V, P + ly->wo, N, V, D, nv);
        if (F) {
            rmsnorm_forward(a->ln2, a->rstd2, mid, P + ly->norm2, N, D);
            linear_forward(a->h13, 2 * F, a->ln2, D, P + ly->w13, NULL, N, D, 2 * F, nv);
            swiglu_forward(a->m, a->h13, N, F);
            memcpy(y, mid, (size_t)N * D * sizeof *y);
            linear_forward_acc(y, D, a->m, F, P + ly->w2, N, F, D, nv);
        }
    }
    const real *xf = k->resid + (long)g->L * N * D;
    rmsnorm_forward(k->lnf, k->rstdf, xf, P + g->normf, N, D);
    linear_forward(k->out, A + 1, k->lnf, D, P + g->w_head, P + g->b_head, N, D, A + 1, nv);
    for (int n = 0; n < N; n++) {
        memcpy(logits + (long)n * A, k->out + (long)n * (A + 1), (size_t)A * sizeof *logits);
        value[n] = k->out[(long)n * (A + 1) + A];
    }
}

static void gla_step(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
                     const uint8_t *episode_start, const int32_t *prev_action, real *logits,
                     real *value) {
    gla_forward_rows(p, w, 1, B, state, state, obs, episode_start, prev_action, logits, value);
}

static void gla_forward_sequence(const Policy *p, PolicyWork *w, int T, int B,
                                 const real *state0, const real *obs,
                                 const uint8_t *episode_start, const int32_t *prev_action,
                                 real *logits, real *value, real *state_out) {
    GlaWork *k = w->self;
    size_t SB = (size_t)B * p->state_size;
    memcpy(k->state0, state0, SB * sizeof *k->state0);
    memcpy(k->start, episode_start, (size_t)T * B);
    gla_forward_rows(p, w, T, B, k->state0, state_out ? state_out : k->state_fin, obs, k->start,
                     prev_action, logits, value);
}

/* Backward through the last gla_forward_sequence on w (see policy.h). Follows the forward in
 * reverse; each layer's gradient buffers are zeroed, then accumulated (+=). */
static void gla_backward_sequence(const Policy *p, PolicyWork *w, const real *dlogits,
                                  const real *dvalue, real *grads) {
    const Gla *g = p->self;
    GlaWork *k = w->self;
    const real *P = p->params;
    real *G = grads;
    bool nv = w->naive;
    int T = w->T, B = w->B, N = T * B, D = g->D, K = g->K, V = g->V, PC = g->PC, F = g->F;
    int A = g->A, Vh = g->Vh;
    long S = (long)p->state_size;
    size_t ND = (size_t)N * D * sizeof(real);
    /* heads and final norm */
    for (int n = 0; n < N; n++) {
        memcpy(k->dout + (long)n * (A + 1), dlogits + (long)n * A, (size_t)A * sizeof(real));
        k->dout[(long)n * (A + 1) + A] = dvalue[n];
    }
    memset(k->dln, 0, ND);
    linear_backward(k->dln, G + g->w_head, G + g->b_head, k->dout, A + 1, k->lnf, D,
                    P + g->w_head, N, D, A + 1, nv);
    memset(k->dresid, 0, ND);
    rmsnorm_backward(k->dresid, G + g->normf, k->dln, k->resid + (long)g->L * N * D,
                     P + g->normf, k->rstdf, N, D);
    for (int l = g->L - 1; l >= 0; l--) {
        const GlaLayer *ly = &g->layers[l];
        const GlaActs *a = &k->acts[l];
        const real *x = k->resid + (long)l * N * D;
        /* dresid holds d(layer output); the MLP branch, then the attention branch, add theirs */
        if (F) {
            memset(k->dm, 0, (size_t)N * F * sizeof(real));
            linear_backward(k->dm, G + ly->w2, NULL, k->dresid, D, a->m, F, P + ly->w2, N, F, D, nv);
            memset(k->dh13, 0, (size_t)N * 2 * F * sizeof(real));
            swiglu_backward(k->dh13, k->dm, a->h13, N, F);
            memset(k->dln, 0, ND);
            linear_backward(k->dln, G + ly->w13, NULL, k->dh13, 2 * F, a->ln2, D, P + ly->w13, N,
                            D, 2 * F, nv);
            rmsnorm_backward(k->dresid, G + ly->norm2, k->dln, a->mid, P + ly->norm2, a->rstd2, N,
                             D);
        }
        memset(k->dgated, 0, (size_t)N * V * sizeof(real));
        linear_backward(k->dgated, G + ly->wo, NULL, k->dresid, D, a->gated, V, P + ly->wo, N, V,
                        D, nv);
        memset(k->dproj, 0, (size_t)N * PC * sizeof(real));
        memset(k->do_, 0, (size_t)N * V * sizeof(real));
        gated_rmsnorm_backward(k->do_, k->dproj + COL_U(g), PC, G + ly->gnorm, k->dgated, a->o,
                               a->proj + COL_U(g), P + ly->gnorm, a->grstd, N, g->H, Vh);
        memset(k->dz, 0, (size_t)N * K * sizeof(real));
        if (nv)
            pair_backward(g, k, a, l, T, B, S);
        else
            lanes_backward(g, k, a, l, T, B, S);
        gate_backward(k->dz, a->z, (long)N * K, g->tau);
        if (g->W > 0) conv_backward(g, k, a, P + ly->conv, G + ly->conv, l, T, B, S);
        linear_backward(k->dproj + COL_A1(g), G + ly->wa2, G + ly->ba, k->dz, K,
                        a->proj + COL_A1(g), PC, P + ly->wa2, N, g->R, K, nv);
        memset(k->dln, 0, ND);
        linear_backward(k->dln, G + ly->proj, NULL, k->dproj, PC, a->ln1, D, P + ly->proj, N, D,
                        PC, nv);
        rmsnorm_backward(k->dresid, G + ly->norm1, k->dln, x, P + ly->norm1, a->rstd1, N, D);
    }
    linear_backward(NULL, G + g->w_in, G + g->b_in, k->dresid, D, k->inp, g->IN, P + g->w_in, N,
                    g->IN, D, nv);
    policy_input_grad(p, w, k->dresid, D, P + g->w_in, g->IN, N, D);
}

static void gla_flops(const Policy *p, double *forward, double *backward) {
    const Gla *g = p->self;
    double D = g->D, K = g->K, V = g->V, R = g->R, F = g->F, A = g->A, Vh = g->Vh;
    double embed = 2 * g->IN * D, head = 2 * D * (A + 1);
    double mm = 2 * D * g->PC + 2 * R * K + 2 * V * D + (F > 0 ? 2 * D * 2 * F + 2 * F * D : 0);
    double scan = K * Vh, conv = 2.0 * g->W * g->C;
    *forward = embed + g->L * (mm + 5 * scan + conv) + head;
    *backward = embed + g->L * (2 * mm + 11 * scan + 2 * conv) + 2 * head;
}

const PolicyClass policy_gla_class = {
    .kind = "gla",
    .validate = gla_validate,
    .build = gla_build,
    .free_self = gla_free_self,
    .init = gla_init,
    .work_init = gla_work_init,
    .work_free = gla_work_free,
    .step = gla_step,
    .forward_sequence = gla_forward_sequence,
    .backward_sequence = gla_backward_sequence,
    .flops = gla_flops,
};
