// The compute threads of the calling thread's parallel regions (OpenMP, which
// oneDNN shares), and whether a thread of the process's own may run beside them.
// The only file that includes omp.h is threads.c.
#ifndef SEER_BASE_THREADS_H
#define SEER_BASE_THREADS_H

// Parallel regions started by the calling thread use n threads (at least 1); one where a limit
// on the address space leaves less than 256 MiB for each thread past the first (a stack, a
// malloc arena and oneDNN's code and buffers), said once on stderr.
void seer_threads_set(int n);
// The calling thread's parallel regions brought to one thread where such a limit leaves too
// little room for the threads they use. oneDNN builds its kernels in whichever thread of a parallel
// region first needs them, and where a worker's stack and malloc arena leave it no room to
// map that code, oneDNN 2.6 faults or aborts instead of failing (`seer predict` of a deepfm on
// two CPUs under `ulimit -v` 98,000-110,000 KB: SIGSEGV, or SIGABRT from an exception with no
// room to unwind). gemm.c and matmul.c call it before they first reach oneDNN.
void seer_threads_fit_limit(void);
// The threads the calling thread's parallel regions use now.
int seer_threads_get(void);

// Multiply-adds below which a product runs on the calling thread alone: 2^24 (34 MFLOP, about
// 130 us at one AVX-512 core's sgemm peak, 250 us at an AVX2 core's). Under OpenMP's passive
// wait (cli/main.c) a parallel region first wakes its sleeping threads, 20-40 us a region on two
// cores, more than a second thread saves on a smaller product: with every product split, mlp
// 64-32's loop on two threads ran at 0.33x one thread's speed at batch 32 and 0.62x at 256. The
// bound was chosen by a scan of 2^22, 2^23 and 2^24 with oneDNN's AVX-512 and AVX2 kernels
// (BENCHMARKS.md, "Small products on one thread").
#define SEER_THREADS_SMALL_WORK 16777216.0
// Whether a product of work multiply-adds runs on one thread: the caller's parallel regions use
// one, or the work is below SEER_THREADS_SMALL_WORK.
int seer_threads_one_for(double work);
// Around a product of work multiply-adds: where the caller's regions use several threads and
// the work is small (above), holds them to one and returns the count that
// seer_threads_release gives back; 0 otherwise, and nothing is held.
int seer_threads_hold_small(double work);
void seer_threads_release(int held);

// The CPUs this process may run on (its affinity), at least 1.
int seer_cpus_available(void);

// Whether a thread beside the caller's (reading, encoding, building kernels, checking a file)
// may be started: by the rule of seer_threads_set, while a limit on the address space leaves
// 256 MiB for it (its stack and a malloc arena took what a deepfm run on 7,200 rows under
// `ulimit -v 150000` needed); a run under a generous limit keeps its second CPU's help.
int seer_side_thread_allowed(void);

#endif
