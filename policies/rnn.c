/* rnn.c: the network of the recurrent baselines "lstm" and "gru" (rnn.h): the input
 * embedding, the stack of recurrent layers run step by step with episode resets, the actor and
 * critic heads, their backward through time (BPTT over [T, B] from the state each env had
 * before the sequence), init, and workspaces. The cells' own math is in lstm.c and gru.c.
 *
 * Legend (rnn.h): T time steps, B envs, N = T * B rows (row n = t * B + b), O obs_dim,
 * A n_actions, IN input width, H hidden width, L layers, G gate blocks, GH = G * H, K state
 * vectors per layer, KH = K * H, S = L * KH state per env [L, K, H].
 *
 * Cost per row (rnn_flops; a multiply-add is 2 FLOP): matrix products only, 2 * in * out each
 * in forward (the embedding IN x H, per layer the input part H x GH and the recurrent part
 * H x GH, the heads H x (A + 1)) and twice that in backward (input and weight gradients; the
 * embedding's input gradient is not computed). The cells' elementwise arithmetic and their
 * sigmoids and tanhs are not counted. */
#include "policies/simd.h" /* first: see simd.h */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/layers.h"
#include "policies/linalg.h"
#include "policies/rnn.h"

typedef struct RnnLayer {
    size_t w_ih, w_hh, b_ih, b_hh; /* offsets: [GH, H], [GH, H], [GH], [GH] */
} RnnLayer;

typedef struct Rnn {
    const RnnCell *cell;
    int O, A, IN, H, L, G, K, GH, KH;
    bool prev_action, start_flag;
    size_t w_emb, b_emb;   /* [H, IN], [H] */
    size_t w_head, b_head; /* [A + 1, H]: actor.w then critic.w; [A + 1]: actor.b, critic.b */
    RnnLayer *layers;      /* [L] */
    double *init_scratch;  /* [max(H * IN, GH * H, A * H)] for the orthogonal init */
} Rnn;

/* Rows of a product tile (envs) and columns of it; see rows_product. */
#define RP_ROWS 4
#define RP_COLS 32

typedef struct RnnActs { /* one layer's saved forward values, rows N */
    real *gx;            /* [N, GH] the cell's gate activations (the input part before) */
    real *gh;            /* [N, GH] the recurrent part h_{t-1} W_hh^T + b_hh */
    real *sprev;         /* [N, KH] the state before each step, wiped at episode starts */
    real *snew;          /* [N, KH] the state after each step; h (the output) its first H */
} RnnActs;

typedef struct RnnWork {
    real *arena;          /* one allocation holding every buffer below */
    real *inp;            /* [N, IN] */
    real *emb;            /* [N, H] relu(embedding) */
    RnnActs *acts;        /* [L] */
    real *out;            /* [N, A + 1] head outputs */
    real *w_hh_t;         /* [L, H, GH]: each layer's W_hh transposed, for rows_product in
                             sequences (none when max_t = 1) */
    real *state_fin;      /* [max_b, S] final state when the caller does not want it */
    uint8_t *start;       /* [N] episode-start flags of the last forward_sequence */
    /* backward */
    real *dgx, *dgh;      /* [N, GH] each (no dgh of its own when the cell's tied_grads) */
    real *dy, *dx;        /* [N, KH] each: dL/d of a layer's output h, of its input (row
                             stride that of the input: KH for a layer's snew, H for emb) */
    real *dout;           /* [N, A + 1] */
    real *carry, *dsprev; /* [max_b, KH]: dL/d of the state between two steps */
} RnnWork;

int rnn_validate(const PolicyConfig *c, int obs_dim, int n_actions, Err *err) {
    (void)obs_dim;
    (void)n_actions;
    if (c->hidden < 1 || c->hidden > POLICY_MAX_WIDTH)
        return err_set(err, "policy.hidden: %d is out of range (allowed 1 .. %d)", c->hidden,
                       POLICY_MAX_WIDTH);
    if (c->n_layers < 1 || c->n_layers > POLICY_MAX_LAYERS)
        return err_set(err, "policy.n_layers: %d is out of range (allowed 1 .. %d)", c->n_layers,
                       POLICY_MAX_LAYERS);
    return 0;
}

/* Fills p->self and the tensor table for `cell` (rnn.h: names and layout as PyTorch's). */
int rnn_build(Policy *p, const RnnCell *cell, Err *err) {
    const PolicyConfig *c = &p->cfg;
    Rnn *r = calloc(1, sizeof *r);
    if (!r) return err_set(err, "policy: out of memory");
    p->self = r;
    r->cell = cell;
    r->O = p->in_dim;
    r->A = p->n_actions;
    r->prev_action = c->prev_action;
    r->start_flag = c->start_flag;
    r->IN = r->O + (r->prev_action ? r->A : 0) + (r->start_flag ? 1 : 0);
    r->H = c->hidden;
    r->L = c->n_layers;
    r->G = cell->G;
    r->K = cell->K;
    r->GH = r->G * r->H;
    r->KH = r->K * r->H;
    r->layers = calloc((size_t)r->L, sizeof *r->layers);
    if (!r->layers) return err_set(err, "policy: out of memory");
    const int H = r->H, GH = r->GH, A = r->A;
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
    NAME("embed.w"); ADD(&r->w_emb, H, r->IN);
    NAME("embed.b"); ADD(&r->b_emb, H);
    for (int l = 0; l < r->L; l++) {
        RnnLayer *ly = &r->layers[l];
        NAME("%s.weight_ih_l%d", cell->kind, l); ADD(&ly->w_ih, GH, H);
        NAME("%s.weight_hh_l%d", cell->kind, l); ADD(&ly->w_hh, GH, H);
        NAME("%s.bias_ih_l%d", cell->kind, l); ADD(&ly->b_ih, GH);
        NAME("%s.bias_hh_l%d", cell->kind, l); ADD(&ly->b_hh, GH);
    }
    /* actor.w then critic.w: one head [A + 1, H]; the biases likewise */
    NAME("actor.w"); ADD(&r->w_head, A, H);
    NAME("critic.w"); ADD(&tmp, 1, H);
    NAME("actor.b"); ADD(&r->b_head, A);
    NAME("critic.b"); ADD(&tmp, 1);
#undef ADD
#undef NAME
    p->state_size = (size_t)r->L * (size_t)r->KH;
    if (p->n_params > (size_t)POLICY_MAX_PARAMS) return 0; /* policy_create refuses it next */
    size_t big = (size_t)GH * H;
    if ((size_t)H * r->IN > big) big = (size_t)H * r->IN;
    if ((size_t)A * H > big) big = (size_t)A * H;
    r->init_scratch = malloc(big * sizeof *r->init_scratch);
    if (!r->init_scratch) return err_set(err, "policy: out of memory");
    return 0;
}

void rnn_free_self(Policy *p) {
    Rnn *r = p->self;
    free(r->init_scratch);
    free(r->layers);
    free(r);
    p->self = NULL;
}

/* CleanRL ppo_atari_lstm.py's init: the encoder's Linear by layer_init (orthogonal, gain
 * sqrt(2)); every weight_ih / weight_hh orthogonal with gain 1 as a whole [GH, H] matrix
 * (nn.init.orthogonal_(param, 1.0) on each "weight" of named_parameters), every bias 0 (there
 * for the LSTM; the GRU gets the same); the actor's Linear orthogonal with std 0.01, the
 * critic's with std 1, biases 0 (params are zeroed already). */
void rnn_init(Policy *p, Rng *rng) {
    const Rnn *r = p->self;
    real *P = p->params;
    const int H = r->H, GH = r->GH, A = r->A;
    policy_init_orthogonal(P + r->w_emb, H, r->IN, sqrt(2.0), r->init_scratch, rng);
    for (int l = 0; l < r->L; l++) {
        policy_init_orthogonal(P + r->layers[l].w_ih, GH, H, 1.0, r->init_scratch, rng);
        policy_init_orthogonal(P + r->layers[l].w_hh, GH, H, 1.0, r->init_scratch, rng);
    }
    policy_init_orthogonal(P + r->w_head, A, H, 0.01, r->init_scratch, rng);
    policy_init_orthogonal(P + r->w_head + (size_t)A * H, 1, H, 1.0, r->init_scratch, rng);
}

int rnn_work_init(const Policy *p, PolicyWork *w) {
    const Rnn *r = p->self;
    RnnWork *k = calloc(1, sizeof *k);
    if (!k) return -1;
    w->self = k;
    const size_t N = (size_t)w->max_t * (size_t)w->max_b, MB = (size_t)w->max_b;
    const size_t L = (size_t)r->L, H = (size_t)r->H, GH = (size_t)r->GH, KH = (size_t)r->KH;
    const size_t IN = (size_t)r->IN, A1 = (size_t)r->A + 1, S = p->state_size;
    const size_t WT = w->max_t > 1 ? L * H * GH : 0;    /* w_hh_t */
    const size_t DGH = r->cell->tied_grads ? 0 : N * GH; /* dgh, else dgx stands for it */
    size_t total = N * IN + N * H + L * N * (2 * GH + 2 * KH) + N * A1 + WT + MB * S + N * GH +
                   DGH + 2 * N * KH + N * A1 + 2 * MB * KH;
    k->arena = malloc(total * sizeof(real));
    k->acts = calloc(L, sizeof *k->acts);
    k->start = malloc(N);
    if (!k->arena || !k->acts || !k->start) {
        w->cls->work_free(w);
        return -1;
    }
    real *c = k->arena;
#define TAKE(ptr, n) \
    do {             \
        (ptr) = c;   \
        c += (n);    \
    } while (0)
    TAKE(k->inp, N * IN);
    TAKE(k->emb, N * H);
    for (size_t l = 0; l < L; l++) {
        TAKE(k->acts[l].gx, N * GH);
        TAKE(k->acts[l].gh, N * GH);
        TAKE(k->acts[l].sprev, N * KH);
        TAKE(k->acts[l].snew, N * KH);
    }
    TAKE(k->out, N * A1);
    TAKE(k->w_hh_t, WT);
    TAKE(k->state_fin, MB * S);
    TAKE(k->dgx, N * GH);
    TAKE(k->dgh, DGH);
    TAKE(k->dy, N * KH);
    TAKE(k->dx, N * KH);
    TAKE(k->dout, N * A1);
    TAKE(k->carry, MB * KH);
    TAKE(k->dsprev, MB * KH);
#undef TAKE
    if ((size_t)(c - k->arena) != total) abort(); /* the size sum above is wrong: a bug */
    return 0;
}

void rnn_work_free(PolicyWork *w) {
    RnnWork *k = w->self;
    if (!k) return;
    free(k->arena);
    free(k->acts);
    free(k->start);
    free(k);
    w->self = NULL;
}

/* out [B, N] (row stride ldo) = bias [N] (or, when bias is NULL, out itself) + in [B, K] (row
 * stride ldi) W [K, N] (row-major): the per-step product of a few rows (B envs) with a matrix,
 * for each element the bias then the terms k = 0 .. K-1 in order. In tiles of RP_ROWS rows x
 * RP_COLS columns, W's rows read once per tile of rows and streamed along the columns, which
 * vectorize; no packing of W, which cblas_sgemm does on every call: for 4 rows of 64 x 256 it
 * took 4.7 us of CPU against cblas_sgemm's 8.7 us, for 16 rows 19 against 25 (the development
 * VM, where OpenBLAS 0.3.21 runs its Prescott kernels). Rows are independent: a row's result
 * does not depend on B. */
POLICY_HOT static void rows_product(real *restrict out, int ldo, const real *restrict bias,
                                    const real *restrict in, int ldi, const real *restrict W,
                                    int B, int K, int N) {
    for (int b0 = 0; b0 < B; b0 += RP_ROWS)
        for (int n0 = 0; n0 < N; n0 += RP_COLS) {
            const int nb = B - b0 < RP_ROWS ? B - b0 : RP_ROWS;
            const int nn = N - n0 < RP_COLS ? N - n0 : RP_COLS;
            real acc[RP_ROWS][RP_COLS];
            for (int r = 0; r < nb; r++)
                for (int l = 0; l < nn; l++)
                    acc[r][l] = bias ? bias[n0 + l] : out[(long)(b0 + r) * ldo + n0 + l];
            if (nb == RP_ROWS && nn == RP_COLS) { /* a whole tile: constant trip counts */
                for (int k = 0; k < K; k++) {
                    const real *w = W + (long)k * N + n0;
                    for (int r = 0; r < RP_ROWS; r++) {
                        const real x = in[(long)(b0 + r) * ldi + k];
                        for (int l = 0; l < RP_COLS; l++) acc[r][l] += x * w[l];
                    }
                }
            } else {
                for (int k = 0; k < K; k++) {
                    const real *w = W + (long)k * N + n0;
                    for (int r = 0; r < nb; r++) {
                        const real x = in[(long)(b0 + r) * ldi + k];
                        for (int l = 0; l < nn; l++) acc[r][l] += x * w[l];
                    }
                }
            }
            for (int r = 0; r < nb; r++)
                for (int l = 0; l < nn; l++) out[(long)(b0 + r) * ldo + n0 + l] = acc[r][l];
        }
}

/* wt [C, R] = w [R, C] transposed, in tiles of 16 x 16 (a plain loop's writes a row of w
 * apart took several times as long). */
static void transpose(real *restrict wt, const real *restrict w, int R, int C) {
    enum { TILE = 16 };
    for (int r0 = 0; r0 < R; r0 += TILE)
        for (int c0 = 0; c0 < C; c0 += TILE) {
            const int re = r0 + TILE < R ? r0 + TILE : R, ce = c0 + TILE < C ? c0 + TILE : C;
            for (int c = c0; c < ce; c++)
                for (int r = r0; r < re; r++) wt[(long)c * R + r] = w[(long)r * C + c];
        }
}

/* The recurrent part of layer l for one step: gh [B, GH] = sp [B, H] (row stride KH) W_hh^T +
 * b_hh. In a sequence (tiled), rows_product on W_hh transposed once per forward (k->w_hh_t);
 * in a single step, where that transpose would cost as much as the product, cblas_sgemm; or
 * the plain loops of the reference. */
static void recurrent_forward(const Rnn *r, PolicyWork *w, const real *P, int l, real *gh,
                              const real *sp, int B, bool tiled) {
    const RnnLayer *ly = &r->layers[l];
    const RnnWork *k = w->self;
    if (tiled)
        rows_product(gh, r->GH, P + ly->b_hh, sp, r->KH, k->w_hh_t + (long)l * r->H * r->GH, B,
                     r->H, r->GH);
    else
        linear_forward(gh, r->GH, sp, r->KH, P + ly->w_hh, P + ly->b_hh, B, r->H, r->GH, w->naive);
}

/* The forward pass over T steps of B envs (rows N = T * B), keeping every activation in w.
 * Each layer's state of env b starts from state_in [B, S] and ends in state_out [B, S] (they
 * may be the same buffer: a layer's part is read before it is written). Per layer: the input
 * part of the gates for all N rows in one product; then step by step the state before the
 * step (wiped where start), the recurrent part (one product of B rows) and the cell. */
static void rnn_forward_rows(const Policy *p, PolicyWork *w, int T, int B, const real *state_in,
                             real *state_out, const real *obs, const uint8_t *start,
                             const int32_t *prev_action, real *logits, real *value) {
    const Rnn *r = p->self;
    RnnWork *k = w->self;
    const real *P = p->params;
    const bool nv = w->naive;
    const int N = T * B, H = r->H, GH = r->GH, KH = r->KH, A = r->A;
    const long S = (long)p->state_size;
    const size_t row = (size_t)KH * sizeof(real);
    const bool tiled = !nv && T > 1; /* recurrent_forward by rows_product */
    input_features(k->inp, N, obs, r->O, start, prev_action, A, r->prev_action, r->start_flag);
    linear_forward(k->emb, H, k->inp, r->IN, P + r->w_emb, P + r->b_emb, N, r->IN, H, nv);
    relu_forward(k->emb, H, N, H);
    const real *x = k->emb;
    int ldx = H;
    for (int l = 0; l < r->L; l++) {
        const RnnLayer *ly = &r->layers[l];
        RnnActs *a = &k->acts[l];
        if (tiled) transpose(k->w_hh_t + (long)l * H * GH, P + ly->w_hh, GH, H);
        linear_forward(a->gx, GH, x, ldx, P + ly->w_ih, P + ly->b_ih, N, H, GH, nv);
        for (int t = 0; t < T; t++) {
            real *sp = a->sprev + (long)t * B * KH;
            for (int b = 0; b < B; b++) {
                const real *from = t == 0 ? state_in + b * S + (long)l * KH
                                          : a->snew + ((long)(t - 1) * B + b) * KH;
                if (start[(long)t * B + b]) memset(sp + (long)b * KH, 0, row);
                else memcpy(sp + (long)b * KH, from, row);
            }
            real *gh = a->gh + (long)t * B * GH;
            recurrent_forward(r, w, P, l, gh, sp, B, tiled);
            r->cell->forward(a->gx + (long)t * B * GH, gh, sp, a->snew + (long)t * B * KH, B, H);
        }
        for (int b = 0; b < B; b++)
            memcpy(state_out + b * S + (long)l * KH, a->snew + ((long)(T - 1) * B + b) * KH, row);
        x = a->snew;
        ldx = KH;
    }
    linear_forward(k->out, A + 1, x, ldx, P + r->w_head, P + r->b_head, N, H, A + 1, nv);
    for (int n = 0; n < N; n++) {
        memcpy(logits + (long)n * A, k->out + (long)n * (A + 1), (size_t)A * sizeof *logits);
        value[n] = k->out[(long)n * (A + 1) + A];
    }
}

/* One step of B envs (policy.h policy_step): state [B, S] in place, obs [B, O], episode_start
 * [B], prev_action [B]; out logits [B, A], value [B]. The sequence form with T = 1. */
void rnn_step(const Policy *p, PolicyWork *w, int B, real *state, const real *obs,
              const uint8_t *episode_start, const int32_t *prev_action, real *logits,
              real *value) {
    rnn_forward_rows(p, w, 1, B, state, state, obs, episode_start, prev_action, logits, value);
}

/* T steps of B envs from state0 [B, S] (policy.h policy_forward_sequence): obs [T, B, O],
 * episode_start [T, B], prev_action [T, B]; out logits [T, B, A], value [T, B], the final state
 * [B, S] into state_out (when not NULL). Keeps what rnn_backward_sequence needs. */
void rnn_forward_sequence(const Policy *p, PolicyWork *w, int T, int B, const real *state0,
                          const real *obs, const uint8_t *episode_start,
                          const int32_t *prev_action, real *logits, real *value,
                          real *state_out) {
    RnnWork *k = w->self;
    memcpy(k->start, episode_start, (size_t)T * B);
    rnn_forward_rows(p, w, T, B, state0, state_out ? state_out : k->state_fin, obs, k->start,
                     prev_action, logits, value);
}

/* Backpropagation through time over the last rnn_forward_sequence on w (policy.h
 * policy_backward_sequence): dlogits [T, B, A], dvalue [T, B]; adds (+=) into grads [P].
 * Heads, then each layer from the top: its steps from the last back to the first, each from
 * dL/d of the state after the step (the gradient carried back from step t + 1, cut where step
 * t + 1 started an episode, plus dL/dh from above) through the cell and W_hh; then the weight
 * gradients of the layer over all N rows at once (one product each), and dL/d of its input;
 * last the embedding. The initial state is a constant (no gradient). */
void rnn_backward_sequence(const Policy *p, PolicyWork *w, const real *dlogits,
                           const real *dvalue, real *grads) {
    const Rnn *r = p->self;
    RnnWork *k = w->self;
    const real *P = p->params;
    real *G = grads;
    const bool nv = w->naive;
    const int T = w->T, B = w->B, N = T * B, H = r->H, GH = r->GH, KH = r->KH, A = r->A;
    const size_t row = (size_t)KH * sizeof(real);
    for (int n = 0; n < N; n++) {
        memcpy(k->dout + (long)n * (A + 1), dlogits + (long)n * A, (size_t)A * sizeof(real));
        k->dout[(long)n * (A + 1) + A] = dvalue[n];
    }
    int ldy = KH; /* dy has the row stride of what it is the gradient of */
    memset(k->dy, 0, (size_t)N * ldy * sizeof(real));
    linear_backward(k->dy, G + r->w_head, G + r->b_head, k->dout, A + 1, k->acts[r->L - 1].snew,
                    KH, P + r->w_head, N, H, A + 1, nv);
    real *dgh_all = r->cell->tied_grads ? k->dgx : k->dgh; /* dL/dgh [N, GH] */
    for (int l = r->L - 1; l >= 0; l--) {
        const RnnLayer *ly = &r->layers[l];
        const RnnActs *a = &k->acts[l];
        memset(k->carry, 0, (size_t)B * row);
        for (int t = T - 1; t >= 0; t--) {
            const long o = (long)t * B;
            for (int b = 0; b < B; b++) { /* dL/d(state after step t) */
                real *ds = k->carry + (long)b * KH;
                const real *dh = k->dy + (o + b) * ldy;
                for (int j = 0; j < H; j++) ds[j] += dh[j];
            }
            real *dgh = dgh_all + o * GH;
            r->cell->backward(k->dgx + o * GH, dgh, k->dsprev, k->carry, a->gx + o * GH,
                              a->gh + o * GH, a->sprev + o * KH, a->snew + o * KH, B, H);
            /* dsprev[:, :H] += dgh W_hh */
            if (nv)
                linalg_gemm(true, false, false, B, H, GH, 1, dgh, GH, P + ly->w_hh, H, 1, k->dsprev, KH);
            else
                rows_product(k->dsprev, KH, NULL, dgh, GH, P + ly->w_hh, B, GH, H);
            for (int b = 0; b < B; b++) {
                if (k->start[o + b]) memset(k->carry + (long)b * KH, 0, row);
                else memcpy(k->carry + (long)b * KH, k->dsprev + (long)b * KH, row);
            }
        }
        linear_backward(NULL, G + ly->w_hh, G + ly->b_hh, dgh_all, GH, a->sprev, KH, P + ly->w_hh,
                        N, H, GH, nv);
        const real *x = l > 0 ? k->acts[l - 1].snew : k->emb;
        const int ldx = l > 0 ? KH : H;
        memset(k->dx, 0, (size_t)N * ldx * sizeof(real));
        linear_backward(k->dx, G + ly->w_ih, G + ly->b_ih, k->dgx, GH, x, ldx, P + ly->w_ih, N, H,
                        GH, nv);
        real *swap = k->dy; /* the input's gradient is the layer below's output gradient */
        k->dy = k->dx;
        k->dx = swap;
        ldy = ldx;
    }
    relu_backward(k->dy, H, k->emb, H, N, H);
    linear_backward(NULL, G + r->w_emb, G + r->b_emb, k->dy, H, k->inp, r->IN, P + r->w_emb, N,
                    r->IN, H, nv);
    policy_input_grad(p, w, k->dy, H, P + r->w_emb, r->IN, N, H);
}

void rnn_flops(const Policy *p, double *forward, double *backward) {
    const Rnn *r = p->self;
    double H = r->H, GH = r->GH, A = r->A;
    double embed = 2.0 * r->IN * H, layer = 2 * (2 * H * GH), head = 2 * H * (A + 1);
    *forward = embed + r->L * layer + head;
    *backward = embed + r->L * 2 * layer + 2 * head;
}
