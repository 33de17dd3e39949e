// The ids of an encoded row: each is a row of the model's one embedding table,
// a uint32_t. The transform (data/) writes them and the embedding kernels
// (nn/) read them, so the one reserved value lives below both.
#ifndef SEER_BASE_IDS_H
#define SEER_BASE_IDS_H

#include <stdint.h>

// An unused slot of a multi-valued field: the field had fewer values than slots.
#define SEER_NO_ID UINT32_MAX

#endif
