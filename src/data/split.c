// The hold-out rule; see split.h.
#include "data/split.h"

#include "base/hash.h"

int seer_split_holds_out(const seer_split *s, size_t row_index) {
    if (!s || s->frac <= 0) return 0;
    uint64_t h = seer_mix64(seer_mix64(s->seed ^ 0x51ed5eedULL) + row_index);
    return (double)(h >> 11) * (1.0 / 9007199254740992.0) < s->frac;
}
