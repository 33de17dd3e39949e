// The shared machinery of every network: allocation by role from the model's
// plan, the embedding gathers and their sparse gradients, the loss, and Adam
// (dense block + lazy rows).
#include "models/net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/error.h"
#include "base/threads.h"
#include "models/calibration.h"
#include "nn/adagrad.h"
#include "nn/embedding.h"
#include "nn/fused_linear.h"
#include "nn/gemm.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/ziln.h"

extern const seer_model_ops seer_model_lr, seer_model_mlp, seer_model_fm, seer_model_wdl,
    seer_model_deepfm, seer_model_dcnv2, seer_model_finalmlp;

static const seer_model_ops *const all_models[] = {&seer_model_lr,  &seer_model_mlp,
                                                   &seer_model_fm,  &seer_model_wdl,
                                                   &seer_model_deepfm, &seer_model_dcnv2,
                                                   &seer_model_finalmlp};
#define N_MODELS (sizeof all_models / sizeof *all_models)

const seer_model_ops *seer_model_ops_find(const char *name) {
    for (size_t i = 0; i < N_MODELS; i++)
        if (strcmp(all_models[i]->name, name) == 0) return all_models[i];
    return NULL;
}

const seer_model_ops *seer_model_ops_known(seer_model_kind kind) {
    for (size_t i = 0; i < N_MODELS; i++)
        if (all_models[i]->kind == kind) return all_models[i];
    return NULL;
}

const seer_model_ops *seer_model_ops_of(seer_model_kind kind) {
    const seer_model_ops *ops = seer_model_ops_known(kind);
    SEER_ASSERT(ops != NULL);
    return ops;
}

void seer_net_config_default(seer_net_config *c, seer_model_kind kind) {
    static const seer_model_kind shared[] = {SEER_MODEL_FINALMLP, SEER_MODEL_DCNV2,
                                             SEER_MODEL_MLP};
    memset(c, 0, sizeof *c);
    c->emb_dim = 16;
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        seer_model_ops_of(shared[i])->defaults(c);
    c->kind = kind;
    const seer_model_ops *ops = seer_model_ops_of(kind);
    if (ops->defaults) ops->defaults(c);
}

const char *seer_net_config_invalid(const seer_net_config *c) {
    const seer_model_ops *ops = seer_model_ops_of(c->kind);
    if ((unsigned)c->task > SEER_TASK_ZILN) return "no such task";
    if (c->task != SEER_TASK_BINARY && !ops->any_task)
        return "predicts 0/1 labels only (--task regression and ziln need --model mlp or dcnv2)";
    return ops->invalid ? ops->invalid(c) : NULL;
}

size_t seer_net_outputs(const seer_net_config *c) { return c->task == SEER_TASK_ZILN ? 3 : 1; }

// 64-byte aligned, zeroed; NULL on failure.
static void *alloc_zero(size_t bytes) {
    size_t rounded = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (p) memset(p, 0, rounded ? rounded : 64);
    return p;
}

void seer_net_sizes(const seer_net_config *cfg, size_t *n_params, size_t *n_act) {
    seer_net_plan p;
    memset(&p, 0, sizeof p);
    seer_model_ops_of(cfg->kind)->plan(cfg, &p);
    *n_params = p.extra;
    *n_act = p.scratch;
    for (size_t l = 0; l < p.n_layers; l++) {
        *n_params += p.in[l] * p.out[l] + p.out[l];
        *n_act += p.out[l];
    }
}

double seer_net_flops(const seer_net_config *cfg, size_t B) {
    const seer_model_ops *ops = seer_model_ops_of(cfg->kind);
    seer_net_plan p;
    memset(&p, 0, sizeof p);
    ops->plan(cfg, &p);
    double total = ops->flops ? ops->flops(cfg) : 0.0;
    for (size_t l = 0; l < p.n_layers; l++) {
        double layer = 6.0 * (double)p.in[l] * (double)p.out[l];
        total += l < p.n_once ? layer / (double)(B ? B : 1) : layer;
    }
    return total;
}

// Points the layer, parameter and activation views into the blocks.
static void bind(seer_net *n) {
    const seer_net_plan *p = &n->plan;
    size_t off = 0, a = 0, B = n->cfg.batch_cap;
    n->n_layers = p->n_layers;
    for (size_t l = 0; l < p->n_layers; l++) {
        size_t nw = p->in[l] * p->out[l];
        n->layer_in[l] = p->in[l];
        n->layer_out[l] = p->out[l];
        n->w[l] = n->params + off;
        n->dw[l] = n->grads + off;
        n->b[l] = n->params + off + nw;
        n->db[l] = n->grads + off + nw;
        off += nw + p->out[l];
        n->h[l] = n->act + a;
        n->dh[l] = n->dact + a;
        a += B * p->out[l];
    }
    n->extra = n->params + off;
    n->dextra = n->grads + off;
    n->scratch = n->act + a;
    n->dscratch = n->dact + a;
    a += B * p->scratch;
    for (size_t l = 0; l < p->n_once; l++) {
        n->dz[l] = n->dact + a;
        a += B * p->out[l];
    }
}

// The bf16 copies of a --precision bf16 net (net.h); 0 without memory.
static int alloc_bf16(seer_net *n) {
    if (!n->cfg.bf16) return 1;
    size_t B = n->cfg.batch_cap, total = 0, widest = 0;
    for (size_t l = 0; l < n->n_layers; l++) {
        total += n->layer_in[l] * n->layer_out[l] + B * n->layer_in[l];
        if (n->layer_out[l] > widest) widest = n->layer_out[l];
    }
    n->bf16 = alloc_zero((total + B * widest) * sizeof(uint16_t));
    if (!n->bf16) return 0;
    uint16_t *at = n->bf16;
    for (size_t l = 0; l < n->n_layers; l++) {
        n->w16[l] = at;
        at += n->layer_in[l] * n->layer_out[l];
        n->x16[l] = at;
        at += B * n->layer_in[l];
    }
    n->dy16 = at;
    return 1;
}

// The bag buffers of a net with multi-valued fields; 0 without memory.
static int alloc_bags(seer_net *n, size_t B) {
    if (n->S == n->cfg.n_fields) return 1;
    n->bag_ids = alloc_zero(B * n->S * sizeof(uint32_t));
    n->bag_off = alloc_zero((B * n->cfg.n_fields + 1) * sizeof(uint32_t));
    n->bag_w = alloc_zero(B * n->S * sizeof(float));
    return n->bag_ids && n->bag_off && n->bag_w;
}

int seer_net_init(seer_net *n, const seer_net_config *cfg, uint64_t seed) {
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    n->ops = seer_model_ops_of(cfg->kind);
    SEER_ASSERT(cfg->batch_cap > 0 && cfg->n_hidden <= SEER_LAYERS_MAX / 2);
    n->ops->plan(cfg, &n->plan);
    SEER_ASSERT(n->plan.n_layers <= SEER_LAYERS_MAX);
    n->D = n->plan.D;
    n->n_in = cfg->n_fields * n->D + cfg->n_dense;
    seer_net_sizes(cfg, &n->n_params, &n->n_act);
    n->n_dact = n->n_act;
    for (size_t l = 0; l < n->plan.n_once; l++) n->n_dact += n->plan.out[l];

    n->S = cfg->n_slots > cfg->n_fields ? cfg->n_slots : cfg->n_fields;
    SEER_ASSERT(n->S == cfg->n_fields || (cfg->field_slots && cfg->field_mean));
    size_t B = cfg->batch_cap, F = cfg->n_fields, S = n->S;
    size_t rows = cfg->emb_rows ? cfg->emb_rows : 1;
    size_t fb = sizeof(float), wrows = n->plan.wide ? rows : 1, K = seer_net_outputs(cfg);
    n->params = alloc_zero(n->n_params * fb);
    n->grads = alloc_zero(n->n_params * fb);
    n->adam_m = alloc_zero(n->n_params * fb);
    n->adam_v = alloc_zero(n->n_params * fb);
    n->act = alloc_zero(n->n_act * B * fb);
    n->dact = alloc_zero(n->n_dact * B * fb);
    n->x0 = alloc_zero(B * n->n_in * fb);
    n->dx0 = alloc_zero(B * n->n_in * fb);
    n->logit = alloc_zero(B * K * fb);
    n->dlogit = alloc_zero(B * K * fb);
    n->ywork = alloc_zero(B * fb);
    n->emb = alloc_zero(rows * n->D * fb);
    n->emb_m = alloc_zero(rows * n->D * fb);
    n->emb_v = alloc_zero(rows * n->D * fb);
    n->wide = alloc_zero(wrows * fb);
    n->wide_m = alloc_zero(wrows * fb);
    n->wide_v = alloc_zero(wrows * fb);
    n->xw = alloc_zero(B * F * fb);
    n->dxw = alloc_zero(B * F * fb);
    n->marks = alloc_zero(2 * rows * sizeof(uint32_t));
    n->uniq = alloc_zero(B * S * sizeof(uint32_t));
    n->slot = alloc_zero(B * S * sizeof(uint32_t));
    n->drows = alloc_zero(B * S * n->D * fb);
    n->dwide_rows = alloc_zero(B * S * fb);
    int bags_ok = alloc_bags(n, B);
    void *all[] = {n->params, n->grads, n->adam_m, n->adam_v, n->act, n->dact, n->x0, n->dx0,
                   n->logit, n->dlogit, n->emb, n->emb_m, n->emb_v, n->wide, n->wide_m,
                   n->wide_v, n->xw, n->dxw, n->marks, n->uniq, n->slot, n->drows,
                   n->dwide_rows, n->ywork};
    int ok = bags_ok;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ok = ok && all[i] != NULL;
    if (!ok) {
        seer_net_free(n);
        return seer_errorf(SEER_ENOMEM, "out of memory allocating a network with %zu embedding "
                           "rows of %zu and %zu dense parameters", rows, cfg->emb_dim,
                           n->n_params);
    }
    bind(n);
    if (!alloc_bf16(n)) {
        seer_net_free(n);
        return seer_errorf(SEER_ENOMEM, "out of memory allocating the bf16 copies of a network's "
                           "layers for a batch of %zu", B);
    }
    seer_rng r;
    seer_rng_init(&r, seed);
    seer_rng_init(&n->drop_rng, seed ^ 0xd80f0a7ULL);
    for (size_t i = 0; i < rows * n->D; i++)
        n->emb[i] = cfg->kind == SEER_MODEL_LR ? 0.0f : (float)(seer_rng_uniform(&r) * 0.1 - 0.05);
    n->ops->init(n, &r);
    return SEER_OK;
}

// Points v (a view whose own buffers are set) at src's parameters, keeping
// its own buffers and batch capacity.
static void view_bind(seer_net *v, const seer_net *src) {
    seer_net own = *v;
    *v = *src;
    v->is_view = 1;
    v->cfg.batch_cap = own.cfg.batch_cap;
    v->grads = v->adam_m = v->adam_v = NULL;
    v->emb_m = v->emb_v = v->wide_m = v->wide_v = NULL;
    v->dact = v->dx0 = v->dlogit = v->dxw = v->drows = v->dwide_rows = v->ywork = NULL;
    v->marks = v->uniq = v->slot = NULL;
    v->bf16 = v->dy16 = NULL;
    memset(v->w16, 0, sizeof v->w16);
    memset(v->x16, 0, sizeof v->x16);
    v->act = own.act;
    v->x0 = own.x0;
    v->logit = own.logit;
    v->xw = own.xw;
    v->view_map = own.view_map;
    v->view_map_bytes = own.view_map_bytes;
    v->bag_ids = own.bag_ids;
    v->bag_off = own.bag_off;
    v->bag_w = own.bag_w;
    // The layer views of the parameters stay the source's; activations are ours.
    size_t a = 0, B = v->cfg.batch_cap;
    for (size_t l = 0; l < v->n_layers; l++) {
        v->h[l] = v->act + a;
        v->dh[l] = v->dz[l] = NULL;
        a += B * v->layer_out[l];
    }
    v->scratch = v->act + a;
    v->dscratch = NULL;
}

int seer_net_init_view(seer_net *v, const seer_net *src, size_t batch_cap) {
    SEER_ASSERT(!src->is_view && batch_cap > 0);
    memset(v, 0, sizeof *v);
    v->is_view = 1;
    size_t B = batch_cap, fb = sizeof(float);
    // act, x0, logit and xw, each from a 64-byte boundary, in one mapping (see net.h).
    size_t bytes[4] = {src->n_act * B * fb, B * src->n_in * fb,
                       B * seer_net_outputs(&src->cfg) * fb,
                       B * (src->cfg.n_fields ? src->cfg.n_fields : 1) * fb};
    size_t at[4], total = 0;
    for (size_t i = 0; i < 4; i++) {
        at[i] = total;
        total += (bytes[i] + 63) / 64 * 64;
    }
    void *map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map != MAP_FAILED) {
        v->view_map = map;
        v->view_map_bytes = total;
        v->act = (float *)((char *)map + at[0]);
        v->x0 = (float *)((char *)map + at[1]);
        v->logit = (float *)((char *)map + at[2]);
        v->xw = (float *)((char *)map + at[3]);
    }
    v->S = src->S;
    v->cfg.n_fields = src->cfg.n_fields;
    if (!v->view_map || !alloc_bags(v, B)) {
        seer_net_free(v);
        return seer_errorf(SEER_ENOMEM, "out of memory allocating a scoring view of %zu rows",
                           batch_cap);
    }
    v->cfg.batch_cap = batch_cap;
    view_bind(v, src);
    return SEER_OK;
}

int seer_net_view_retarget(seer_net *v, const seer_net *src) {
    SEER_ASSERT(v->is_view && !src->is_view);
    const seer_net_config *a = &v->cfg, *b = &src->cfg;
    int same = a->kind == b->kind && v->n_act == src->n_act && v->n_in == src->n_in &&
               v->S == src->S && a->n_fields == b->n_fields && v->n_layers == src->n_layers;
    for (size_t l = 0; same && l < v->n_layers; l++)
        same = v->layer_out[l] == src->layer_out[l];
    if (same) view_bind(v, src);
    return same;
}

void seer_net_free(seer_net *n) {
    if (n->is_view) {
        void *own[] = {n->bag_ids, n->bag_off, n->bag_w};
        for (size_t i = 0; i < sizeof own / sizeof *own; i++) free(own[i]);
        if (n->view_map) munmap(n->view_map, n->view_map_bytes);
        memset(n, 0, sizeof *n);
        return;
    }
    void **all[] = {(void **)&n->params, (void **)&n->grads,  (void **)&n->adam_m,
                    (void **)&n->adam_v, (void **)&n->act,    (void **)&n->dact,
                    (void **)&n->x0,     (void **)&n->dx0,    (void **)&n->logit,
                    (void **)&n->dlogit, (void **)&n->emb,    (void **)&n->emb_m,
                    (void **)&n->emb_v,  (void **)&n->wide,   (void **)&n->wide_m,
                    (void **)&n->wide_v, (void **)&n->xw,     (void **)&n->dxw,
                    (void **)&n->marks,  (void **)&n->uniq,   (void **)&n->slot,
                    (void **)&n->drows,  (void **)&n->dwide_rows, (void **)&n->bag_ids,
                    (void **)&n->bag_off, (void **)&n->bag_w, (void **)&n->ywork,
                    (void **)&n->bf16};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        free(*all[i]);
        *all[i] = NULL;
    }
}

void seer_net_init_linear(float *w, float *b, size_t n_in, size_t n_out, seer_rng *r) {
    double limit = sqrt(6.0 / (double)(n_in + n_out));
    for (size_t i = 0; i < n_in * n_out; i++) w[i] = (float)((seer_rng_uniform(r) * 2 - 1) * limit);
    memset(b, 0, n_out * sizeof *b);
}

// The row stride of the gathered embeddings and of their gradient (see gather_to_scratch).
static size_t gather_ld(const seer_net *n) {
    return n->plan.gather_to_scratch ? n->plan.scratch : n->n_in;
}

void seer_net_forward(seer_net *n, const uint32_t *ids, const float *dense, size_t B) {
    SEER_ASSERT(B <= n->cfg.batch_cap);
    size_t F = n->cfg.n_fields, D = n->D, nd = n->cfg.n_dense, ld = gather_ld(n);
    float *e = n->plan.gather_to_scratch ? n->scratch : n->x0;
    if (n->S == F) {
        seer_embedding_forward(e, ld, n->emb, ids, B, F, D);
        if (n->plan.wide) seer_embedding_forward(n->xw, F, n->wide, ids, B, F, 1);
    } else {
        n->n_bag_ids = seer_embedding_bags(n->bag_ids, n->bag_off, n->bag_w, ids, B, n->S, F,
                                           n->cfg.field_slots, n->cfg.field_mean);
        seer_embedding_bag_forward(e, ld, n->emb, n->bag_ids, n->bag_off, n->bag_w, B, F, D);
        if (n->plan.wide)
            seer_embedding_bag_forward(n->xw, F, n->wide, n->bag_ids, n->bag_off, n->bag_w, B,
                                       F, 1);
    }
    if (nd)
        for (size_t b = 0; b < B; b++)
            memcpy(n->x0 + b * n->n_in + F * D, dense + b * nd, nd * sizeof(float));
    n->ops->forward(n, B);
}

const float *seer_net_gathered_grad(const seer_net *n, size_t *ld) {
    *ld = gather_ld(n);
    return n->plan.gather_to_scratch ? n->dscratch : n->dx0;
}

seer_precision seer_net_precision(const seer_net *n) {
    return n->training && n->cfg.bf16 ? SEER_PRECISION_BF16 : SEER_PRECISION_FP32;
}

// Layer l's forward of a training step as one matmul with its bias (and ReLU), see net.h: 1
// when done, 0 when the caller is to do it.
static int fused_forward(seer_net *n, size_t l, float *y, const float *x, size_t B, int relu) {
    size_t in = n->layer_in[l], out = n->layer_out[l];
    if (!n->training || out < SEER_NET_FUSED_OUT_MIN) return 0;
    int one_thread = seer_threads_one_for((double)B * (double)in * (double)out);
    if (B < (one_thread ? SEER_NET_FUSED_ROWS : SEER_NET_FUSED_ROWS_SHARED) ||
        in * out < (one_thread ? SEER_NET_FUSED_MIN : SEER_NET_FUSED_MIN_SHARED))
        return 0;
    if (seer_net_precision(n) == SEER_PRECISION_FP32)
        return seer_linear_fused_forward(y, x, n->w[l], n->b[l], B, in, out, relu);
    // bf16: the copies the backward multiplies again, rounded here as seer_linear_forward_bf16
    // rounds them; where the CPU has no bf16 matmul the emulation stays as it is.
    if (!n->bf16 || !seer_gemm_bf16_native()) return 0;
    seer_bf16_round(n->x16[l], x, B * in);
    seer_bf16_round(n->w16[l], n->w[l], out * in);
    return seer_linear_fused_forward_bf16(y, n->x16[l], n->w16[l], n->b[l], B, in, out, relu);
}

// Layer l's Linear through sgemm (the bias copied into y, the product added).
static void plain_forward(seer_net *n, size_t l, float *y, const float *x, size_t B) {
    seer_precision prec = seer_net_precision(n);
    if (prec == SEER_PRECISION_BF16 && n->bf16)
        seer_linear_forward_bf16(y, x, n->w[l], n->b[l], B, n->layer_in[l], n->layer_out[l],
                                 n->x16[l], n->w16[l]);
    else
        seer_linear_forward(y, x, n->w[l], n->b[l], B, n->layer_in[l], n->layer_out[l], prec);
}

void seer_net_linear_forward(seer_net *n, size_t l, float *y, const float *x, size_t B) {
    if (!fused_forward(n, l, y, x, B, 0)) plain_forward(n, l, y, x, B);
}

// A declined fused forward goes straight to sgemm, not through another matmul without the ReLU.
void seer_net_linear_relu_forward(seer_net *n, size_t l, float *y, const float *x, size_t B) {
    if (fused_forward(n, l, y, x, B, 1)) return;
    plain_forward(n, l, y, x, B);
    seer_relu_forward(y, y, B * n->layer_out[l]);
}

void seer_net_linear_backward(seer_net *n, size_t l, float *dx, float *db, const float *dy,
                              const float *x, size_t B) {
    seer_precision prec = seer_net_precision(n);
    if (prec == SEER_PRECISION_BF16 && n->bf16)
        seer_linear_backward_bf16(dx, n->dw[l], db, dy, n->dy16, n->x16[l], n->w16[l], B,
                                  n->layer_in[l], n->layer_out[l]);
    else
        seer_linear_backward(dx, n->dw[l], db, dy, x, n->w[l], B, n->layer_in[l],
                             n->layer_out[l], prec);
}

void seer_net_zero_grads(seer_net *n, size_t B) {
    memset(n->dlogit, 0, B * seer_net_outputs(&n->cfg) * sizeof(float));
    memset(n->grads, 0, n->n_params * sizeof(float));
    if (!n->plan.gather_to_scratch) memset(n->dx0, 0, B * n->n_in * sizeof(float));
    if (n->plan.wide) memset(n->dxw, 0, B * n->cfg.n_fields * sizeof(float));
    for (size_t l = 0; l < n->n_layers; l++) {
        // A layer that runs once a batch uses row 0 only; one that runs per row has no dz (its
        // ReLU's backward turns dh into the Linear's gradient in place, see stack.c).
        size_t rows = l < n->plan.n_once ? 1 : B;
        memset(n->dh[l], 0, rows * n->layer_out[l] * sizeof(float));
        if (l < n->plan.n_once) memset(n->dz[l], 0, n->layer_out[l] * sizeof(float));
    }
    memset(n->dscratch, 0, B * (n->plan.scratch - n->plan.scratch_forward_only) * sizeof(float));
}

// Regression's labels standardised into ywork, as its loss reads them.
static const float *standardised(seer_net *n, const float *y, size_t B) {
    float m = n->cfg.label_mean, sd = n->cfg.label_sd;
    for (size_t i = 0; i < B; i++) n->ywork[i] = (y[i] - m) / sd;
    return n->ywork;
}

double seer_net_loss(seer_net *n, const float *y, size_t B) {
    float w = n->cfg.pos_weight;
    double sd = n->cfg.label_sd;
    switch (n->cfg.task) {
    case SEER_TASK_REGRESSION:  // in the label's units
        return seer_mse_forward(n->logit, standardised(n, y, B), B) * sd * sd;
    case SEER_TASK_ZILN: return seer_ziln_forward(n->logit, y, B);
    default:
        return w > 0 && w != 1 ? seer_bce_logits_weighted_forward(n->logit, y, w, B)
                               : seer_bce_logits_forward(n->logit, y, B);
    }
}

// dlogit += the gradient of the step's loss (the standardised one for regression).
static void loss_backward(seer_net *n, const float *y, size_t B) {
    float w = n->cfg.pos_weight;
    switch (n->cfg.task) {
    case SEER_TASK_REGRESSION:
        seer_mse_backward(n->dlogit, n->logit, standardised(n, y, B), B);
        break;
    case SEER_TASK_ZILN: seer_ziln_backward(n->dlogit, n->logit, y, B); break;
    default:
        if (w > 0 && w != 1) seer_bce_logits_weighted_backward(n->dlogit, n->logit, y, w, B);
        else seer_bce_logits_backward(n->dlogit, n->logit, y, B);
    }
}

double seer_net_train_step(seer_net *n, const uint32_t *ids, const float *dense, const float *y,
                           size_t B, const seer_adam_config *adam) {
    double loss = seer_net_gradients(n, ids, dense, y, B);
    seer_net_update(n, adam, NULL);
    return loss;
}

double seer_net_gradients(seer_net *n, const uint32_t *ids, const float *dense, const float *y,
                          size_t B) {
    SEER_ASSERT(!n->is_view);
    size_t F = n->cfg.n_fields, D = n->D;
    n->training = 1;
    seer_net_forward(n, ids, dense, B);
    double loss = seer_net_loss(n, y, B);
    seer_net_zero_grads(n, B);
    loss_backward(n, y, B);
    n->ops->backward(n, B);
    n->training = 0;

    n->step++;
    // The stamp is 32 bits: after 2^32 - 1 steps it would repeat, so clear it then.
    uint32_t stamp = (uint32_t)(n->step & 0xffffffffu);
    if (stamp == 0) {
        memset(n->marks, 0, 2 * (n->cfg.emb_rows ? n->cfg.emb_rows : 1) * sizeof(uint32_t));
        stamp = 1;
    }
    int bags = n->S != F;
    size_t n_uniq = seer_embedding_unique(n->uniq, n->slot, bags ? n->bag_ids : ids,
                                          bags ? n->n_bag_ids : B * F, n->marks, stamp);
    n->n_uniq = n_uniq;
    memset(n->drows, 0, n_uniq * D * sizeof(float));
    if (n->plan.wide) memset(n->dwide_rows, 0, n_uniq * sizeof(float));
    size_t ld;
    const float *de = seer_net_gathered_grad(n, &ld);
    if (!bags) {
        seer_embedding_backward(n->drows, n->slot, de, ld, B, F, D);
        if (n->plan.wide) seer_embedding_backward(n->dwide_rows, n->slot, n->dxw, F, B, F, 1);
    } else {
        seer_embedding_bag_backward(n->drows, n->slot, n->bag_off, n->bag_w, de, ld, B, F, D);
        if (n->plan.wide)
            seer_embedding_bag_backward(n->dwide_rows, n->slot, n->bag_off, n->bag_w, n->dxw, F,
                                        B, F, 1);
    }
    return loss;
}

void seer_net_update(seer_net *n, const seer_adam_config *adam, const seer_net_follow *f) {
    size_t n_uniq = n->n_uniq, D = n->D;
    if (n->cfg.adagrad) {
        seer_adagrad_step(n->params, n->adam_v, n->grads, n->n_params, adam->lr, adam->eps,
                          f ? &f->params : NULL);
        seer_adagrad_rows_step(n->emb, n->emb_v, n->uniq, n->drows, n_uniq, D, adam->lr,
                               adam->eps, f ? &f->emb : NULL);
        if (n->plan.wide)
            seer_adagrad_rows_step(n->wide, n->wide_v, n->uniq, n->dwide_rows, n_uniq, 1,
                                   adam->lr, adam->eps, f ? &f->wide : NULL);
        return;
    }
    seer_adam_step(n->params, n->adam_m, n->adam_v, n->grads, n->n_params, adam, n->step,
                   f ? &f->params : NULL);
    seer_adam_rows_step(n->emb, n->emb_m, n->emb_v, n->uniq, n->drows, n_uniq, D, adam, n->step,
                        f ? &f->emb : NULL);
    if (n->plan.wide)
        seer_adam_rows_step(n->wide, n->wide_m, n->wide_v, n->uniq, n->dwide_rows, n_uniq, 1,
                            adam, n->step, f ? &f->wide : NULL);
}

static int finite_floats(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

const char *seer_net_nonfinite(const seer_net *n) {
    if (!finite_floats(n->params, n->n_params)) return "a dense weight";
    if (!finite_floats(n->emb, n->cfg.emb_rows * n->D)) return "an embedding weight";
    if (n->plan.wide && !finite_floats(n->wide, n->cfg.emb_rows)) return "a wide weight";
    return NULL;
}

void seer_net_predict(seer_net *n, const uint32_t *ids, const float *dense, size_t B, float *p) {
    SEER_ASSERT(!n->training);
    seer_net_forward(n, ids, dense, B);
    if (n->cfg.task == SEER_TASK_REGRESSION) {
        for (size_t i = 0; i < B; i++) p[i] = n->logit[i] * n->cfg.label_sd + n->cfg.label_mean;
        return;
    }
    if (n->cfg.task == SEER_TASK_ZILN) {
        float cap = n->cfg.label_max;
        for (size_t i = 0; i < B; i++) {
            float purchase;
            seer_ziln_predict(p + i, &purchase, n->logit + 3 * i, 1);
            if (cap > 0 && p[i] > purchase * cap) p[i] = purchase * cap;
        }
        return;
    }
    seer_calibration_apply(&n->cfg, n->logit, p, B);
}

seer_adam_config seer_net_optimiser(const seer_net_config *c, float lr) {
    return (seer_adam_config){lr, 0.9f, 0.999f, c->adagrad ? 1e-10f : 1e-7f};
}

void seer_net_init_head(seer_net *n, const float *y, size_t rows) {
    if (n->cfg.task != SEER_TASK_ZILN) return;
    SEER_ASSERT(n->ops->any_task && n->n_layers > 0);
    double pos = 0, log_sum = 0;
    for (size_t i = 0; i < rows; i++)
        if (y[i] > 0) pos++, log_sum += log(y[i]);
    if (pos == 0) return;
    // The share of positives kept off 0 and 1, where the logit is infinite.
    double share = fmin(fmax(pos / (double)rows, 1e-4), 1 - 1e-4);
    float *b = n->b[n->n_layers - 1];
    b[0] = (float)log(share / (1 - share));
    b[1] = (float)(log_sum / pos);
}
