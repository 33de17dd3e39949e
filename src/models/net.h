// A network over one encoded batch: an embedding table shared by all
// categorical fields, the dense inputs, and a model-specific part (lr, mlp)
// that maps the concatenated input x0 to one logit per row.
//
//   ids (B,S) ──gather──▶ x0 = [ e_1 .. e_F | dense ]  (B, F*D + n_dense)
//
// A row has S ids: one per field, or several for a multi-valued field, whose
// e_f pools its rows (sum or mean; see embedding.h for the CSR bags).
//                                  │
//                      model forward (lr: sums; mlp: Linear-ReLU stack)
//                                  ▼
//                             logit (B) ──▶ BCE
//
// The task (seer_task) sets the head: one output a row and BCE (binary), one output and the
// squared error of the standardised label (regression), or three, (logit p, mu, raw sigma), and
// the ZILN loss of nn/ziln.h (ziln). Only the models whose ops say any_task take the last two.
//
// Memory follows STYLE.md: one block per role. The dense parameters of every
// layer are one contiguous block (params), with grads, adam_m and adam_v in
// the same layout; activations and their gradients are two more blocks. The
// embedding table and its Adam moments are separate and updated by row. No
// allocation happens after seer_net_init.
#ifndef SEER_MODELS_NET_H
#define SEER_MODELS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "seer.h"  // seer_model_kind
#include "nn/adam.h"
#include "nn/gemm.h"

#define SEER_LAYERS_MAX 16
// A training step runs a layer's forward as one matmul with its bias and ReLU
// (nn/fused_linear.h) from this many weights, outputs and rows; smaller products, and every
// forward outside a training step, go through sgemm as they always did, so that scores keep
// their bits (tests/test_compat). On one thread (asked for, or a product small enough to be
// held to one: base/threads.h) the matmul gains from small layers too (mlp 64-32's first layer
// at 32 rows: 11 us against sgemm's 17 and its bias and ReLU passes); split across threads,
// oneDNN's matmul lost to sgemm on products not much larger (16 us against 11 on two threads),
// so there only large layers go to it (the _SHARED thresholds). A product of a single output
// column (a top layer) runs 4x slower in it than in sgemm.
#define SEER_NET_FUSED_MIN 1024
#define SEER_NET_FUSED_ROWS 16
#define SEER_NET_FUSED_MIN_SHARED 65536
#define SEER_NET_FUSED_ROWS_SHARED 64
#define SEER_NET_FUSED_OUT_MIN 8
// The most points an isotonic calibration keeps (train/calibrate.h merges its blocks to fit).
#define SEER_CALIB_KNOTS_MAX 64

typedef struct {
    seer_model_kind kind;
    size_t n_fields;   // F categorical fields (incl. numeric buckets)
    size_t n_slots;    // ids per row, S >= F (0: F); more when fields are multi-valued
    const uint32_t *field_slots;  // (F) ids of each field, when S > F (not owned: the
    const uint8_t *field_mean;    // (F) transform's); 1: the field averages its rows
    size_t n_dense;    // dense inputs after the fitted transform
    size_t emb_rows;   // rows of the shared embedding table (all fields)
    size_t emb_dim;    // D (lr always uses 1)
    size_t n_hidden;   // hidden layers of the deep part
    size_t hidden[SEER_LAYERS_MAX / 2];
    size_t n_cross;    // dcnv2: cross layers
    int stacked;       // dcnv2: cross then deep (1) or side by side (0, the default)
    size_t n_hidden2;  // finalmlp: hidden layers of the second stream (the first's: hidden)
    size_t hidden2[SEER_LAYERS_MAX / 2];
    size_t n_heads;    // finalmlp: heads of the bilinear fusion (divides both streams' widths)
    size_t gate_hidden;  // finalmlp: hidden width of each stream's feature gate
    int adagrad;       // optimise with Adagrad instead of Adam (the lr and eps of the step)
    int bf16;          // training steps multiply in bf16 (fp32 master weights); predictions fp32
    float dropout;     // share of each deep layer's units dropped in training steps (0: none)
    size_t batch_cap;  // largest B a step or a prediction may use
    // The map of the logit z to the probability on output (models/calibration.h), a
    // seer_calibration: NONE sigmoid(z); PLATT sigmoid(calib_a z + calib_b), calib_a > 0;
    // ISOTONIC the calib_knots points (calib_x, calib_y), strictly increasing, joined by
    // straight lines, and beyond them slope calib_a in logit units. Training steps never use it.
    int calibrated;
    float calib_a, calib_b;
    size_t calib_knots;
    float calib_x[SEER_CALIB_KNOTS_MAX];  // logits
    float calib_y[SEER_CALIB_KNOTS_MAX];  // probabilities in (0, 1)
    float pos_weight;  // the weight of positive rows in the training loss (0 or 1: none)
    seer_task task;    // the head and loss (see above)
    // regression: the model's output z stands for the label (z label_sd + label_mean); training
    // fits z to the label standardised by them (label_sd > 0), so that any scale trains alike.
    float label_mean, label_sd;
    // ziln: the largest training label (0: none). A row's exp(mu + sigma^2 / 2) is held to it:
    // rows of label 0 teach mu and sigma nothing, so where the purchase is unlikely they may
    // stray far (e^80 was seen), and one such row would swamp every sum of values.
    float label_max;
} seer_net_config;

typedef struct seer_net seer_net;

// What a model needs, computed from the config: its linear layers (each a
// weight (out, in) and a bias (out), with an activation (B, out) and its
// gradient), its own parameters after the layers, its own activation floats
// per row, whether it has a wide part (a width-1 table over the same ids), and
// the embedding width it uses.
typedef struct {
    size_t n_layers;
    size_t in[SEER_LAYERS_MAX], out[SEER_LAYERS_MAX];
    size_t extra;
    size_t scratch;
    // Of the B * scratch floats of dscratch, how many at the end no backward adds into (so not
    // zeroed each step): dcnv2's backward keeps one B x d gradient where its forward kept C + 1.
    size_t scratch_forward_only;
    // The gather writes the field embeddings at the start of each row of scratch (row stride
    // scratch), not into x0, and their gradients are read from dscratch there: the FM part's
    // rows [e_1 .. e_F | dense fields] then need no copy of e (deepfm and fm). x0 keeps the
    // dense values.
    int gather_to_scratch;
    int wide;
    size_t D;
    size_t n_once;  // layers 0 .. n_once-1 run on one row per batch, not per row (finalmlp's gates)
} seer_net_plan;

// What one model file provides.
typedef struct {
    const char *name;
    seer_model_kind kind;
    void (*plan)(const seer_net_config *c, seer_net_plan *p);
    void (*init)(seer_net *n, seer_rng *r);
    // x0 (B, n_in) and, with a wide part, xw (B, F) -> logit (B).
    void (*forward)(seer_net *n, size_t B);
    // dlogit (B) -> grads += ..., dx0 += ..., dxw += ...
    void (*backward)(seer_net *n, size_t B);
    // Its published configuration over the shared one of seer_net_config_default (the deep
    // part's widths, cross layers, the second stream ...); NULL: nothing of its own.
    void (*defaults)(seer_net_config *c);
    size_t batch;  // rows per training step in that configuration
    // Why c cannot describe this model (a phrase for a message), or NULL when it can, so
    // that its plan may assert; NULL: every config can.
    const char *(*invalid)(const seer_net_config *c);
    // The floating-point operations of one row's forward and backward in the model's own
    // kernels (FM, cross layers, the bilinear fusion and gates ...), beyond its plan's linear
    // layers, which seer_net_flops counts; NULL: none.
    double (*flops)(const seer_net_config *c);
    // 1: its last layer is the head, of seer_net_outputs outputs a row, so it takes every task;
    // 0: binary only.
    int any_task;
} seer_model_ops;

struct seer_net {
    seer_net_config cfg;
    const seer_model_ops *ops;
    seer_net_plan plan;
    size_t D;            // embedding width actually used
    size_t n_in;         // F*D + n_dense

    size_t n_params;
    float *params, *grads, *adam_m, *adam_v;  // (n_params) each
    // Layer views into params and grads: weights (out, in), biases (out).
    size_t n_layers;
    size_t layer_in[SEER_LAYERS_MAX], layer_out[SEER_LAYERS_MAX];
    float *w[SEER_LAYERS_MAX], *b[SEER_LAYERS_MAX];
    float *dw[SEER_LAYERS_MAX], *db[SEER_LAYERS_MAX];
    float *extra, *dextra;   // (plan.extra) the model's own parameters

    size_t n_act;        // activation floats per row
    size_t n_dact;       // activation-gradient floats per row: n_act, then the dz of the
                         // layers that run once a batch
    float *act, *dact;   // (batch_cap * n_act), (batch_cap * n_dact)
    float *h[SEER_LAYERS_MAX], *dh[SEER_LAYERS_MAX];  // views (B, layer_out)
    float *scratch, *dscratch;  // views (B, plan.scratch)
    // Views (B, layer_out) of dact after dscratch, for the layers that run once a batch
    // (plan.n_once; NULL for the others): the gradient of such a layer's Linear output, where an
    // activation follows (dh is that of the activation's output); its backward adds into it. A
    // layer that runs per row has its ReLU's backward make dh that gradient in place (stack.c).
    float *dz[SEER_LAYERS_MAX];
    float *x0, *dx0;     // (batch_cap, n_in)
    float *logit, *dlogit;  // (batch_cap, seer_net_outputs): the head's outputs
    float *ywork;        // (batch_cap) a training step's labels as its loss reads them

    // A bf16 training step's rounded copies for seer_net_linear_*: each layer's weight and
    // input (B, in), rounded at its forward and multiplied again by its backward, and one output
    // gradient at a time (B, the widest layer). One block, bf16 (NULL unless cfg.bf16; a view
    // has none).
    uint16_t *bf16;
    uint16_t *w16[SEER_LAYERS_MAX], *x16[SEER_LAYERS_MAX], *dy16;

    float *emb, *emb_m, *emb_v;  // (emb_rows, D) each
    float *wide, *wide_m, *wide_v;  // (emb_rows) the wide part's weights, when plan.wide
    float *xw, *dxw;             // (batch_cap, F) gathered wide weights and their gradient
    uint32_t *marks;             // (2 * emb_rows) dedupe scratch
    uint32_t *uniq, *slot;       // (batch_cap * S)
    size_t n_uniq;               // the rows of uniq the last training step updated
    float *drows;                // (batch_cap * S, D)
    float *dwide_rows;           // (batch_cap * S)
    size_t S;                    // ids per row
    uint32_t *bag_ids, *bag_off; // (batch_cap * S), (batch_cap * F + 1): the batch's bags,
    float *bag_w;                // (batch_cap * S)      when S > F
    size_t n_bag_ids;            // ids in the last forward's bags
    long step;                   // optimiser steps taken
    int training;                // inside a training step: dropout applies
    seer_rng drop_rng;           // draws the dropout masks; part of a checkpoint
    int is_view;                 // a scoring view: parameters borrowed, see seer_net_init_view
    void *view_map;              // a view's act, x0, logit and xw: one anonymous mapping
    size_t view_map_bytes;
};

const seer_model_ops *seer_model_ops_find(const char *name);
// The model of kind, or NULL when no model is of that kind (a value from outside).
const seer_model_ops *seer_model_ops_known(seer_model_kind kind);
// The model of kind, which must be one (a bug otherwise).
const seer_model_ops *seer_model_ops_of(seer_model_kind kind);
// The model options of a new model of this kind before any is given: embeddings of 16, then
// its ops' defaults. Every kind's model file records the deep widths and cross layers and its
// checkpoint every model option, also those it has no use for, so each kind starts from the
// mlp's, dcnv2's and finalmlp's defaults before its own (64-32, 3 cross layers, a second
// stream of 800 with 1 head and gates of 64, as files and checkpoints have always had them).
// The fields the data fixes (fields, dense inputs, table rows, batch_cap) stay zero.
void seer_net_config_default(seer_net_config *c, seer_model_kind kind);
// Why c cannot describe a model of its kind (a phrase for a message), or NULL when it can: the
// CLI, training and the model loader check options and files with it, so that a plan may assert.
const char *seer_net_config_invalid(const seer_net_config *c);

// Outputs a row of the head: 3 for ziln (logit p, mu, raw sigma), else 1.
size_t seer_net_outputs(const seer_net_config *c);

// Allocates everything for cfg and initialises the parameters from seed:
// embeddings uniform in [-0.05, 0.05], the wide table zero, then the model's init.
// SEER_ENOMEM if an allocation fails (with the size in the message).
int seer_net_init(seer_net *n, const seer_net_config *cfg, uint64_t seed);
void seer_net_free(seer_net *n);
// A scoring view of src for up to batch_cap rows: its own activation buffers,
// src's parameters and tables (read only, never copied). Each thread that
// scores concurrently uses its own view; src must outlive its views and not
// train while they score. Views predict only (no train step). The buffers are one anonymous
// mapping, zero and untouched until used: a view sized for 1,024 rows that scores single rows
// costs the pages of the rows it uses, not all of them when it is made (a server thread's first
// request waited about 7 ms for a deepfm view's page faults).
int seer_net_init_view(seer_net *v, const seer_net *src, size_t batch_cap);
// Points view v at src, a net of the same shapes (a newer version of the
// same model), keeping v's buffers: 1, or 0 when the shapes differ and v
// needs a new view.
int seer_net_view_retarget(seer_net *v, const seer_net *src);

// Fills x0 from ids (B, S) of global table rows and dense (B, n_dense) (the embeddings into
// scratch with the plan's gather_to_scratch), then runs the model: logit (B) holds the result.
void seer_net_forward(seer_net *n, const uint32_t *ids, const float *dense, size_t B);
// Where the gathered field embeddings' gradient is after a backward (B rows, the first F * D
// values of each; *ld the row stride): dx0, or dscratch with the plan's gather_to_scratch.
const float *seer_net_gathered_grad(const seer_net *n, size_t *ld);
// Layer l's Linear over B rows, y = x W_l^T + b_l: in a bf16 training step through the
// layer's rounded copies (seer_linear_forward_bf16), otherwise seer_linear_forward in the net's
// precision.
void seer_net_linear_forward(seer_net *n, size_t l, float *y, const float *x, size_t B);
// The same followed by a ReLU, in one pass where the step fuses them (SEER_NET_FUSED_MIN).
void seer_net_linear_relu_forward(seer_net *n, size_t l, float *y, const float *x, size_t B);
// Its backward: dx += dy W_l (dx may be NULL), dW_l += dy^T x, db += the column sums of dy (db
// may be NULL). x is the forward's input, unchanged since.
void seer_net_linear_backward(seer_net *n, size_t l, float *dx, float *db, const float *dy,
                              const float *x, size_t B);
// The precision of n's products now: bf16 inside a training step of a --precision bf16 model,
// fp32 otherwise (predictions, scoring views). The models pass it to every kernel that
// multiplies.
seer_precision seer_net_precision(const seer_net *n);
// Zeroes every gradient a backward adds into, for B rows: grads, dlogit, dx0 (unless the plan
// gathers to scratch: then no backward reads it), dxw and the
// activation gradients (every layer's dh, dscratch but its plan's scratch_forward_only; row 0
// of dh and dz of the layers that run once a batch). Once per step, before the backward, so
// that no model zeroes its own (STYLE.md: backward adds). The dz of a per-row layer is not
// zeroed: the only writer is its ReLU's backward, which writes it whole.
void seer_net_zero_grads(seer_net *n, size_t B);
// One optimiser step on a batch (Adam, or Adagrad with cfg.adagrad, which
// keeps its accumulators in adam_v / emb_v / wide_v); returns the batch's
// mean loss before the step: BCE, the squared error in the label's units, or ZILN's.
double seer_net_train_step(seer_net *n, const uint32_t *ids, const float *dense, const float *y,
                           size_t B, const seer_adam_config *adam);
// The averages that follow the weights through an optimiser's update (nn/follow.h): the dense
// block's, the embedding table's and the wide table's (keep_rows: one a row of uniq).
typedef struct {
    seer_follow params, emb, wide;
} seer_net_follow;
// seer_net_train_step in two halves: the step's gradients (and the rows it touched: uniq,
// n_uniq; the step counted), returning the loss; then the update (Adam, or Adagrad), with
// averages following it (f, or NULL).
double seer_net_gradients(seer_net *n, const uint32_t *ids, const float *dense, const float *y,
                          size_t B);
void seer_net_update(seer_net *n, const seer_adam_config *adam, const seer_net_follow *f);
// Which of the weights holds a NaN or an infinity ("a dense weight", "an embedding weight",
// "a wide weight"), or NULL when all are finite: a model that diverged scores nothing.
const char *seer_net_nonfinite(const seer_net *n);
// The optimiser settings of a step at learning rate lr, for training and the online learner
// alike: Adam (betas 0.9, 0.999) with Keras' eps 1e-7, as the reference trainers, or with
// cfg.adagrad Adagrad with PyTorch's eps 1e-10.
seer_adam_config seer_net_optimiser(const seer_net_config *c, float lr);
// Predictions for B <= batch_cap rows into p (B): probabilities, calibrated when cfg says so
// (binary), the label's value (regression), or the expected value p exp(mu + sigma^2 / 2)
// (ziln; its amount held to label_max when set). logit then holds the head's outputs.
void seer_net_predict(seer_net *n, const uint32_t *ids, const float *dense, size_t B, float *p);
// The mean training loss of the head's outputs of the last forward (logit, B rows) for the
// labels y (B): what seer_net_train_step returns, without a step.
double seer_net_loss(seer_net *n, const float *y, size_t B);
// Sets the head's biases from the training labels y (n) so that the first steps start at
// their scale: ziln's logit at the share of positives and mu at the mean log of the positive
// labels; nothing for the other tasks (regression trains on standardised labels).
void seer_net_init_head(seer_net *n, const float *y, size_t rows);

// Number of floats in the dense parameter block and activations per row for
// cfg: what seer_net_init will allocate (callers check files against it).
void seer_net_sizes(const seer_net_config *cfg, size_t *n_params, size_t *n_act);

// The floating-point operations of a training step (forward and backward) a row, at B rows a
// step: 2 in out forward and 4 in out backward (dx and dw) for each linear layer of the plan
// (divided by B for the layers that run once a batch), plus the model's own kernels (its ops'
// flops). Elementwise work around the products (bias, activations, dropout), the embedding
// gathers, the loss and the optimiser are not counted: the figure is the arithmetic a peak
// GEMM rate compares with.
double seer_net_flops(const seer_net_config *cfg, size_t B);

// Xavier (Glorot) uniform init of w (n_out, n_in) and zero bias, as Keras'
// Dense default and the reference script do.
void seer_net_init_linear(float *w, float *b, size_t n_in, size_t n_out, seer_rng *r);

#endif
