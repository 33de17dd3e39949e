// Knowledge-tracing sequences (`--format kt`): the AKT / DKVMN-style files of
// shared/data/assist2009-akt, four lines a student:
//
//     user_idx,original_user_id      (an id pair, not a length)
//     problem,problem,...            problem ids in answer order
//     skill,skill,...                the skill of each answer
//     answer,answer,...              1 correct on the first attempt, 0 not
//
// Ids are whole numbers, 0 to SEER_KT_ID_MAX; the three lists must have the same length.
// A mismatch, an answer that is not 0 or 1, a negative or non-numeric id or an empty line is
// SEER_EDATA naming path:line(:column). The student's id is the first field of its first line.
// Plain, gzip or zstd (data/source.h).
#ifndef SEER_DATA_KT_H
#define SEER_DATA_KT_H

#include <stddef.h>
#include <stdint.h>

#include "data/idmap.h"
#include "data/source.h"

#define SEER_KT_ID_MAX 100000000u

typedef struct {
    size_t n_students, n;     // students, answers
    uint32_t *student;        // (n_students) index in the students map, in file order
    uint64_t *off;            // (n_students + 1) each student's answers [off[s], off[s + 1])
    uint32_t *problem, *skill;   // (n) the raw ids of the file
    uint8_t *answer;          // (n) 0 or 1
    uint32_t max_problem, max_skill;
    size_t cap;
} seer_kt_data;

// Reads path into *out (uninitialised; free with seer_kt_free), adding student ids to
// students. A student id seen twice is SEER_EDATA. An empty file is SEER_EDATA.
int seer_kt_read(seer_kt_data *out, const char *path, seer_idmap *students);
// The same from an open source (closed by the caller).
int seer_kt_read_source(seer_kt_data *out, seer_source *src, seer_idmap *students);
void seer_kt_free(seer_kt_data *d);

#endif
