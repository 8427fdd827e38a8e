/* lstm.c: the recurrent baseline "lstm": rnn.h's network with the cell of torch.nn.LSTM, as
 * PyTorch's documentation writes it (torch.nn.LSTM, docs.pytorch.org), per layer and step:
 *   i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
 *   f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
 *   g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
 *   o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
 *   c_t = f_t * c_{t-1} + i_t * g_t
 *   h_t = o_t * tanh(c_t)
 * (* elementwise). The gate blocks of weight_ih_l{k} = (W_ii|W_if|W_ig|W_io), weight_hh_l{k},
 * bias_ih_l{k} and bias_hh_l{k} are in this order, as PyTorch's; the network, its products and
 * its backward through time are rnn.c's.
 *
 * Legend (rnn.h): B envs, H hidden width, GH = 4H (gate blocks i, f, g, o), KH = 2H (the state
 * of a layer: h then c). */
#include "policies/simd.h" /* first: see simd.h */

#include <string.h>

#include "policies/rnn.h"

/* One env's row of lstm_cell_forward: ga [4H] in: the input part, out: i, f, g, o; gr [4H] the
 * recurrent part; cp [H] = c_{t-1}; out h [H] = h_t, c [H] = c_t. */
POLICY_HOT static void lstm_row_forward(real *restrict ga, const real *restrict gr,
                                        const real *restrict cp, real *restrict h,
                                        real *restrict c, int H) {
    for (int j = 0; j < H; j++) {
        real i = real_sigmoid(ga[j] + gr[j]);
        real f = real_sigmoid(ga[H + j] + gr[H + j]);
        real g = real_tanh(ga[2 * H + j] + gr[2 * H + j]);
        real o = real_sigmoid(ga[3 * H + j] + gr[3 * H + j]);
        real cn = f * cp[j] + i * g;
        c[j] = cn;
        h[j] = o * real_tanh(cn);
        ga[j] = i;
        ga[H + j] = f;
        ga[2 * H + j] = g;
        ga[3 * H + j] = o;
    }
}

/* One step for B envs (RnnCell.forward): gx [B, 4H] (the input part, turned into the gate
 * activations i, f, g, o), gh [B, 4H] (the recurrent part), sprev [B, 2H] = (h_{t-1}, c_{t-1}),
 * snew [B, 2H] = (h_t, c_t). Mixes only along the feature axis of each env. */
static void lstm_cell_forward(real *gx, const real *gh, const real *sprev, real *snew, int B,
                              int H) {
    for (int b = 0; b < B; b++)
        lstm_row_forward(gx + (long)b * 4 * H, gh + (long)b * 4 * H, sprev + (long)b * 2 * H + H,
                         snew + (long)b * 2 * H, snew + (long)b * 2 * H + H, H);
}

/* One env's row of lstm_cell_backward: ga [4H] = i, f, g, o; cp [H] = c_{t-1}; c [H] = c_t;
 * dh [H], dcn [H] = dL/dh_t, dL/dc_t; out dx [4H] (the gradient of both parts), dcp [H] =
 * dL/dc_{t-1}. */
POLICY_HOT static void lstm_row_backward(real *restrict dx, real *restrict dcp,
                                         const real *restrict dh, const real *restrict dcn,
                                         const real *restrict ga, const real *restrict cp,
                                         const real *restrict c, int H) {
    for (int j = 0; j < H; j++) {
        real i = ga[j], f = ga[H + j], g = ga[2 * H + j], o = ga[3 * H + j];
        real tc = real_tanh(c[j]);
        real dc = dcn[j] + dh[j] * o * (1 - tc * tc);
        real di = dc * g * (i * (1 - i));
        real df = dc * cp[j] * (f * (1 - f));
        real dg = dc * i * (1 - g * g);
        real d_o = dh[j] * tc * (o * (1 - o));
        dx[j] = di;
        dx[H + j] = df;
        dx[2 * H + j] = dg;
        dx[3 * H + j] = d_o;
        dcp[j] = dc * f;
    }
}

/* Its backward (RnnCell.backward), with tc = tanh(c_t) recomputed as the forward computed it:
 *   dc = dL/dc_t + dL/dh_t o (1 - tc^2),   dL/dc_{t-1} = dc f,
 *   d pre-activation of i: dc g i (1 - i); of f: dc c_{t-1} f (1 - f); of g: dc i (1 - g^2);
 *   of o: dL/dh_t tc o (1 - o).
 * Both parts of the pre-activation (gx, gh) get the same gradient (tied_grads: rnn.c passes
 * dgh = dgx, written once); h_{t-1} gets none along an elementwise path (only through W_hh,
 * which rnn.c adds). */
static void lstm_cell_backward(real *dgx, real *dgh, real *dsprev, const real *dsnew,
                               const real *act, const real *gh, const real *sprev,
                               const real *snew, int B, int H) {
    (void)gh;
    (void)dgh;
    for (int b = 0; b < B; b++) {
        const long g4 = (long)b * 4 * H, s2 = (long)b * 2 * H;
        memset(dsprev + s2, 0, (size_t)H * sizeof *dsprev);
        lstm_row_backward(dgx + g4, dsprev + s2 + H, dsnew + s2, dsnew + s2 + H, act + g4,
                          sprev + s2 + H, snew + s2 + H, H);
    }
}

static const RnnCell LSTM_CELL = {
    .kind = "lstm",
    .G = 4,
    .K = 2,
    .tied_grads = true,
    .forward = lstm_cell_forward,
    .backward = lstm_cell_backward,
};

/* PolicyClass.build: rnn.h's network with this cell. */
static int lstm_build(Policy *p, Err *err) { return rnn_build(p, &LSTM_CELL, err); }

const PolicyClass policy_lstm_class = {
    .kind = "lstm",
    .validate = rnn_validate,
    .build = lstm_build,
    .free_self = rnn_free_self,
    .init = rnn_init,
    .work_init = rnn_work_init,
    .work_free = rnn_work_free,
    .step = rnn_step,
    .forward_sequence = rnn_forward_sequence,
    .backward_sequence = rnn_backward_sequence,
    .flops = rnn_flops,
};
