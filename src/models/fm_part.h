// The factorisation-machine part shared by fm and deepfm: the wide
// (first-order) term and the second-order term over every field embedding,
// the dense values taking part as fields x_j * v_j (as in the reference).
//
// Its parameters sit at the start of the model's own block (net->extra):
//   wd (n_dense)   dense first-order weights
//   bias (1)
//   v (n_dense, D) embeddings of the dense fields
// Its activations at the start of the model's scratch: the field embeddings
// ea (B, (F + n_dense) * D), which deepfm's deep part reads too. Its models' plans set
// gather_to_scratch, so that e_1 .. e_F arrive in ea from the table and their gradients
// leave from dea, with no copy through x0.
#ifndef SEER_MODELS_FM_PART_H
#define SEER_MODELS_FM_PART_H

#include "models/net.h"

size_t seer_fm_part_params(const seer_net_config *c);
// The width of a row of ea.
size_t seer_fm_part_width(const seer_net_config *c);
void seer_fm_part_init(seer_net *n, seer_rng *r);
// Fills ea's dense fields and sets logit = wide + FM.
void seer_fm_part_forward(seer_net *n, size_t B);
// Adds the FM and wide gradients (dea was zeroed with the step's gradients); the caller may
// add its own gradient into dea before seer_fm_part_finish takes dv from its dense fields.
void seer_fm_part_backward(seer_net *n, size_t B);
void seer_fm_part_finish(seer_net *n, size_t B);
// Its operations a row, forward and backward (seer_model_ops.flops): the wide part 2F + 4nd,
// the dense fields 3 nd D, the FM term 7 (F + nd) D + 2D (interaction.c's loops, an add or a
// multiply each).
double seer_fm_part_flops(const seer_net_config *c);

#endif
