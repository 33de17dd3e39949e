// The compute threads of the calling thread's parallel regions (OpenMP, which
// oneDNN shares). The only file that includes omp.h is threads.c.
#ifndef SEER_BASE_THREADS_H
#define SEER_BASE_THREADS_H

// Parallel regions started by the calling thread use n threads (at least 1).
void seer_threads_set(int n);

#endif
