// libFuzzer target for `--format kt` files (src/data/kt.c): a file that reads is checked:
// offsets rising to n, every student's index within the map and found again by its name,
// answers 0/1, ids within the limit and the maxima true.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"
#include "data/idmap.h"
#include "data/kt.h"

static void check(const seer_kt_data *d, const seer_idmap *students) {
    SEER_ASSERT(d->off[0] == 0 && d->off[d->n_students] == d->n);
    for (size_t s = 0; s < d->n_students; s++) {
        SEER_ASSERT(d->off[s] < d->off[s + 1]);
        SEER_ASSERT(d->student[s] < students->n);
        const char *id = seer_idmap_name(students, d->student[s]);
        SEER_ASSERT(seer_idmap_find(students, id, strlen(id)) == (long)d->student[s]);
    }
    uint32_t mp = 0, ms = 0;
    for (size_t i = 0; i < d->n; i++) {
        SEER_ASSERT(d->answer[i] <= 1);
        SEER_ASSERT(d->problem[i] <= SEER_KT_ID_MAX && d->skill[i] <= SEER_KT_ID_MAX);
        mp = d->problem[i] > mp ? d->problem[i] : mp;
        ms = d->skill[i] > ms ? d->skill[i] : ms;
    }
    SEER_ASSERT(mp == d->max_problem && ms == d->max_skill);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    seer_idmap students;
    seer_idmap_init(&students);
    seer_source *src;
    if (seer_source_open_memory(&src, data, size, "fuzz", 0) == SEER_OK) {
        seer_kt_data d;
        if (seer_kt_read_source(&d, src, &students) == SEER_OK) {
            check(&d, &students);
            seer_kt_free(&d);
        }
        seer_source_close(src);
    }
    seer_idmap_free(&students);
    return 0;
}
