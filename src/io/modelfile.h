// The model file container: a header, a JSON document (configuration,
// schema, transforms, metrics) and named tensors, 64-byte aligned.
// Little-endian; all offsets from the start of the file.
//
//   header, 64 bytes
//     0  magic "SEERMDL1"          8  u32 version        12  u32 n_tensors (<= 65536)
//    16  u64 json_len (<= 64 MiB)  24  u64 dir_offset = align64(64 + json_len)
//    32  u64 data_offset = align64(dir_offset + 128 * n_tensors)
//    40  u64 file_size             48  u64 body checksum: seer_hash_bytes(file + 64, size - 64)
//                                      (version 2: seer_lane_hash of the same bytes)
//    56  u64 header checksum: seer_hash_bytes(file, 56)
//   64   JSON text, zero-padded to dir_offset
//   dir  128 bytes per tensor: name[64] (NUL-terminated, unique), u32 dtype, u32 ndim (<= 4),
//        u64 shape[4], u64 offset (a multiple of 64), u64 bytes, u64 reserved
//   data each tensor at its offset, in directory order
//
// Written atomically (temporary file, fsync, rename). Reading checks the
// magic, the version, the header checksum, every size and offset against the
// file length, and the body checksum before anything is used, so a truncated
// or corrupted file is an error, never a crash. The file is read into memory
// (a mapped file truncated underneath would fault), unless the caller asks for a
// mapping of a file that is only ever replaced whole (seer_modelfile_open_mapped).
// No f32 tensor holds a NaN or an infinity: the writer refuses one
// (SEER_EINTERNAL: training must have caught it) and the reader too (SEER_EDATA).
#ifndef SEER_IO_MODELFILE_H
#define SEER_IO_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#define SEER_MODELFILE_VERSION 1
// The same container whose body checksum is seer_lane_hash (base/lane_hash.h): 4-5x faster to
// check, for files of hundreds of MiB (the row cache). Model files stay version 1.
#define SEER_MODELFILE_VERSION_LANES 2

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
// no file (nor temporary file) left behind; SEER_EINVAL for a bad name, dtype
// or shape; SEER_EINTERNAL for a non-finite f32 value (nothing written); SEER_ENOMEM.
int seer_modelfile_write(const char *path, const char *json, const seer_tensor *tensors,
                         size_t n_tensors);
// As _write, in the container version given (SEER_MODELFILE_VERSION, which _write writes, or
// SEER_MODELFILE_VERSION_LANES).
int seer_modelfile_write_version(const char *path, const char *json, const seer_tensor *tensors,
                                 size_t n_tensors, unsigned version);

typedef struct seer_modelfile seer_modelfile;

// Reads and validates the whole file. SEER_EIO if it cannot be read,
// SEER_EDATA if it is not a valid seer model file of a version read here or an f32
// tensor holds a NaN or an infinity.
int seer_modelfile_open(seer_modelfile **out, const char *path);
// As _open, with the same checks, but the file is mapped read-only rather than read: no copy and
// no memory of its own (the pages are the system's file cache), for files of hundreds of MiB
// such as a cache of encoded rows. A mapped file truncated by another program while in use
// faults (SIGBUS) and one written into changes under the reader: only for files that are
// replaced whole (by rename), never rewritten in place.
int seer_modelfile_open_mapped(seer_modelfile **out, const char *path);
// A mapped file's descriptor (valid until close; -1 for a file read): other mappings of its
// ranges are of the very file checked, whatever was renamed over its path since.
int seer_modelfile_fd(const seer_modelfile *m);
// A mapped file's mapping (its size into *bytes), given over to the caller, who unmaps it
// (munmap) when done: the tensors' data stays where it is, and _close leaves it. NULL for a
// file read, or a mapping given already.
void *seer_modelfile_give_map(seer_modelfile *m, size_t *bytes);
// Where a tensor's data starts in the file.
uint64_t seer_modelfile_offset(const seer_modelfile *m, const seer_tensor *t);
const char *seer_modelfile_json(const seer_modelfile *m);
// The tensor called name, or NULL. The data stays valid until close.
const seer_tensor *seer_modelfile_tensor(const seer_modelfile *m, const char *name);
size_t seer_modelfile_count(const seer_modelfile *m);
const seer_tensor *seer_modelfile_at(const seer_modelfile *m, size_t i);
void seer_modelfile_close(seer_modelfile *m);
// The identity of a model file: its header checksum, which covers the body checksum, so two
// files with one id hold the same bytes (as far as the hash can tell). _id gives it for the
// file opened (and verified); _peek_id reads only the header at path (SEER_EIO, or SEER_EDATA
// for a file that is not a seer model), to tell which file is there without loading it.
uint64_t seer_modelfile_id(const seer_modelfile *m);
int seer_modelfile_peek_id(const char *path, uint64_t *id);
// The JSON document of the model file at path (malloc'd, NUL-terminated, the caller frees it),
// reading only the header and the JSON: the header is checked as _open does, the body is not,
// so this tells what kind of model a file holds without reading its tensors.
int seer_modelfile_peek_json(const char *path, char **json);

#endif
