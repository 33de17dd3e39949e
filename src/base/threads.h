// The compute threads of the calling thread's parallel regions (OpenMP, which
// oneDNN shares), and whether a thread of the process's own may run beside them.
// The only file that includes omp.h is threads.c.
#ifndef SEER_BASE_THREADS_H
#define SEER_BASE_THREADS_H

// Parallel regions started by the calling thread use n threads (at least 1).
void seer_threads_set(int n);
// The threads the calling thread's parallel regions use now.
int seer_threads_get(void);

// The CPUs this process may run on (its affinity), at least 1.
int seer_cpus_available(void);

// Whether a thread beside the caller's may be started: not under a limit on the address
// space, where its stack and a malloc arena (64 MiB of addresses) may take what the work needs
// (a deepfm run on 7,200 rows under `ulimit -v 150000` failed for lack of them).
int seer_side_thread_allowed(void);

#endif
