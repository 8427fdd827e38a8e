/* gru.c: the recurrent baseline "gru": rnn.h's network with the cell of torch.nn.GRU, as
 * PyTorch's documentation writes it (torch.nn.GRU, docs.pytorch.org), per layer and step:
 *   r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
 *   z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
 *   n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
 *   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
 * (* elementwise; the reset gate applies to W_hn h_{t-1} + b_hn, bias included, as PyTorch's
 * and cuDNN's GRU, not to h_{t-1} before the product). The gate blocks of weight_ih_l{k} =
 * (W_ir|W_iz|W_in), weight_hh_l{k} = (W_hr|W_hz|W_hn) and the biases are in this order, as
 * PyTorch's; the network, its products and its backward through time are rnn.c's.
 *
 * Legend (rnn.h): B envs, H hidden width, GH = 3H (gate blocks r, z, n), KH = H (the state of
 * a layer: h). */
#include "policies/simd.h" /* first: see simd.h */

#include "policies/rnn.h"

/* One env's row of gru_cell_forward: ga [3H] in: the input part, out: r, z, n; gr [3H] the
 * recurrent part; hp [H] = h_{t-1}; out h [H] = h_t. */
POLICY_HOT static void gru_row_forward(real *restrict ga, const real *restrict gr,
                                       const real *restrict hp, real *restrict h, int H) {
    for (int j = 0; j < H; j++) {
        real r = real_sigmoid(ga[j] + gr[j]);
        real z = real_sigmoid(ga[H + j] + gr[H + j]);
        real n = real_tanh(ga[2 * H + j] + r * gr[2 * H + j]);
        h[j] = (1 - z) * n + z * hp[j];
        ga[j] = r;
        ga[H + j] = z;
        ga[2 * H + j] = n;
    }
}

/* One step for B envs (RnnCell.forward): gx [B, 3H] (the input part, turned into the gate
 * activations r, z, n), gh [B, 3H] (the recurrent part: its n block is W_hn h_{t-1} + b_hn),
 * sprev [B, H] = h_{t-1}, snew [B, H] = h_t. Mixes only along the feature axis of each env. */
static void gru_cell_forward(real *gx, const real *gh, const real *sprev, real *snew, int B,
                             int H) {
    for (int b = 0; b < B; b++)
        gru_row_forward(gx + (long)b * 3 * H, gh + (long)b * 3 * H, sprev + (long)b * H,
                        snew + (long)b * H, H);
}

/* One env's row of gru_cell_backward: ga [3H] = r, z, n; gr [3H] the recurrent part; hp [H] =
 * h_{t-1}; dh [H] = dL/dh_t; out dx [3H], du [3H], dhp [H]. */
POLICY_HOT static void gru_row_backward(real *restrict dx, real *restrict du, real *restrict dhp,
                                        const real *restrict dh, const real *restrict ga,
                                        const real *restrict gr, const real *restrict hp, int H) {
    for (int j = 0; j < H; j++) {
        real r = ga[j], z = ga[H + j], n = ga[2 * H + j];
        real dn = dh[j] * (1 - z) * (1 - n * n);
        real dz = dh[j] * (hp[j] - n) * (z * (1 - z));
        real dr = dn * gr[2 * H + j] * (r * (1 - r));
        dx[j] = du[j] = dr;
        dx[H + j] = du[H + j] = dz;
        dx[2 * H + j] = dn;
        du[2 * H + j] = dn * r;
        dhp[j] = dh[j] * z;
    }
}

/* Its backward (RnnCell.backward), with a = W_hn h_{t-1} + b_hn (gh's n block):
 *   d pre-activation of n (input part): dL/dh_t (1 - z) (1 - n^2) =: dn; its recurrent part
 *   gets dn r; of r (both parts): dn a r (1 - r); of z (both parts): dL/dh_t (h_{t-1} - n)
 *   z (1 - z); dL/dh_{t-1} along the elementwise path: dL/dh_t z (rnn.c adds the path through
 *   W_hh). */
static void gru_cell_backward(real *dgx, real *dgh, real *dsprev, const real *dsnew,
                              const real *act, const real *gh, const real *sprev, const real *snew,
                              int B, int H) {
    (void)snew;
    for (int b = 0; b < B; b++) {
        const long g3 = (long)b * 3 * H, s1 = (long)b * H;
        gru_row_backward(dgx + g3, dgh + g3, dsprev + s1, dsnew + s1, act + g3, gh + g3, sprev + s1, H);
    }
}

static const RnnCell GRU_CELL = {
    .kind = "gru",
    .G = 3,
    .K = 1,
    .tied_grads = false,
    .forward = gru_cell_forward,
    .backward = gru_cell_backward,
};

/* PolicyClass.build: rnn.h's network with this cell. */
static int gru_build(Policy *p, Err *err) { return rnn_build(p, &GRU_CELL, err); }

const PolicyClass policy_gru_class = {
    .kind = "gru",
    .validate = rnn_validate,
    .build = gru_build,
    .free_self = rnn_free_self,
    .init = rnn_init,
    .work_init = rnn_work_init,
    .work_free = rnn_work_free,
    .step = rnn_step,
    .forward_sequence = rnn_forward_sequence,
    .backward_sequence = rnn_backward_sequence,
    .flops = rnn_flops,
};
