// Progress of a long loop on stderr: a redrawn bar when stderr is a terminal
// (at most ten redraws a second), nothing otherwise; callers print plain
// summary lines themselves.
#ifndef SEER_BASE_PROGRESS_H
#define SEER_BASE_PROGRESS_H

#include <stddef.h>

typedef struct {
    int tty;
    const char *label;
    size_t total;
    double start, last_draw;
} seer_progress;

void seer_progress_start(seer_progress *p, const char *label, size_t total);
// done of total items (total 0: unknown, the count and rate are shown); loss
// is shown when >= 0. p may be NULL.
void seer_progress_update(seer_progress *p, size_t done, double loss);
// Clears the bar.
void seer_progress_end(seer_progress *p);

#endif
