// The model file container: a header, a JSON document (configuration,
// schema, transforms, metrics) and named tensors, 64-byte aligned.
//
//   offset 0   header (64 bytes): magic "SEERMDL1", version, counts, sizes,
//              and a checksum of everything after the header
//   64         JSON text (json_len bytes, NUL-terminated in memory only)
//   ...        tensor directory: per tensor name, dtype, shape, offset, size
//   ...        tensor data, each starting at a multiple of 64 bytes
//
// Written atomically (temporary file, fsync, rename). Reading checks the
// magic, the version, every size against the file length and the checksum
// before anything is used, so a truncated or corrupted file is an error,
// never a crash. Little-endian only.
#ifndef SEER_IO_MODELFILE_H
#define SEER_IO_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#define SEER_MODELFILE_VERSION 1

typedef enum {
    SEER_DTYPE_F32 = 1,
    SEER_DTYPE_U32 = 2,
    SEER_DTYPE_U64 = 3,
} seer_dtype;

#define SEER_TENSOR_NAME_MAX 63
#define SEER_TENSOR_NDIM_MAX 4

typedef struct {
    const char *name;   // at most SEER_TENSOR_NAME_MAX bytes, unique in a file
    seer_dtype dtype;
    size_t ndim;
    size_t shape[SEER_TENSOR_NDIM_MAX];
    const void *data;   // numel * element size bytes
} seer_tensor;

// Writes json and the tensors to path atomically. SEER_EIO on failure, with
// no file (nor temporary file) left behind.
int seer_modelfile_write(const char *path, const char *json, const seer_tensor *tensors,
                         size_t n_tensors);

typedef struct seer_modelfile seer_modelfile;

// Reads and validates the whole file. SEER_EIO if it cannot be read,
// SEER_EDATA if it is not a valid seer model file of this version.
int seer_modelfile_open(seer_modelfile **out, const char *path);
const char *seer_modelfile_json(const seer_modelfile *m);
// The tensor called name, or NULL. The data stays valid until close.
const seer_tensor *seer_modelfile_tensor(const seer_modelfile *m, const char *name);
size_t seer_modelfile_count(const seer_modelfile *m);
const seer_tensor *seer_modelfile_at(const seer_modelfile *m, size_t i);
void seer_modelfile_close(seer_modelfile *m);

#endif
