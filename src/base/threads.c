// OpenMP behind seer_threads_set; see threads.h.
#include "base/threads.h"

#include <omp.h>

void seer_threads_set(int n) { omp_set_num_threads(n > 0 ? n : 1); }
