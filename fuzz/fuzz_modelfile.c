// libFuzzer target for the model file loader: the container (src/io/modelfile.c)
// and, for files that pass it, the whole model (src/io/model.c, transform_json.c,
// net_json.c: JSON, transform, network). Build with
// fuzz/build.sh fuzz_modelfile; run with e.g.
//   build-fuzz/fuzz_modelfile -max_total_time=180 -max_len=4096 fuzz/corpus-modelfile
//
// The input bytes are written to a temporary file and opened; a file that
// opens has every byte of its JSON and tensor data read, so that a pointer or
// size the validation let through wrongly shows up under ASan.
//
// Key decision: random bytes almost never carry valid checksums, which would
// stop the fuzzer at the first check. So unless the input's byte 63 is odd,
// the target recomputes both checksums before writing (as
// tests/test_modelfile.c does for its crafted files; a version field of 2 gets
// its body checksum in lanes), and the structure checks behind them get
// fuzzed; the other inputs are written as they are, so that the checksum
// checks are fuzzed too. The file lives in /dev/shm when there is one: a disk
// file costs more than the parse.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/lane_hash.h"
#include "io/model.h"
#include "io/modelfile.h"

static char path[64];
static volatile unsigned sink;  // keeps the reads of every byte from being optimised away

static void remove_file(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/seer_fuzz_modelfile.%ld", dir, (long)getpid());
    atexit(remove_file);
    return 0;
}

static size_t elem_size(seer_dtype d) { return d == SEER_DTYPE_U64 ? 8 : 4; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    if (size >= 64 && !(data[63] & 1)) {
        uint32_t version;
        memcpy(&version, buf + 8, 4);
        uint64_t body = version == SEER_MODELFILE_VERSION_LANES
                            ? seer_lane_hash(buf + 64, size - 64, 0)
                            : seer_hash_bytes(buf + 64, size - 64, 0);
        memcpy(buf + 48, &body, 8);
        uint64_t head = seer_hash_bytes(buf, 56, 0);
        memcpy(buf + 56, &head, 8);
    }
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (fwrite(buf, 1, size, f) != size) abort();
    fclose(f);
    free(buf);

    // Read into memory, or mapped (the row cache's way) when byte 62 of the input is odd: a
    // size let through wrongly then reads past the mapping's end, which faults.
    seer_modelfile *m;
    int mapped = size > 62 && (data[62] & 1);
    if ((mapped ? seer_modelfile_open_mapped(&m, path) : seer_modelfile_open(&m, path)) != 0)
        return 0;
    unsigned sum = 0;
    for (const char *j = seer_modelfile_json(m); *j; j++) sum += (unsigned char)*j;
    for (size_t i = 0; i < seer_modelfile_count(m); i++) {
        const seer_tensor *t = seer_modelfile_at(m, i);
        if (seer_modelfile_tensor(m, t->name) != t) abort();
        if (strlen(t->name) > SEER_TENSOR_NAME_MAX || t->ndim > SEER_TENSOR_NDIM_MAX) abort();
        if ((uintptr_t)t->data % 64 != 0) abort();
        size_t bytes = elem_size(t->dtype);
        for (size_t d = 0; d < t->ndim; d++) bytes *= t->shape[d];
        const unsigned char *p = t->data;
        for (size_t b = 0; b < bytes; b++) sum += p[b];
    }
    sink = sum;
    seer_modelfile_close(m);
    // The container is sound: now the model inside it, as seer eval loads it.
    seer_model *model;
    if (seer_model_load(&model, path, 4) == 0) seer_model_free(model);
    return 0;
}
