// The machine's fp32 GEMM rate through seer_gemm (oneDNN's sgemm), measured: the peak that a
// training step's GFLOP/s is a fraction of (bench/roofline, seer train --json).
#ifndef SEER_NN_GEMM_PEAK_H
#define SEER_NN_GEMM_PEAK_H

#include <stddef.h>

#include "seer.h"  // seer_gemm_peak_gflops

// The side of the square product the peak is measured on.
#define SEER_GEMM_PEAK_N 2048

// The median GFLOP/s of reps (1 .. 64) products C = A B of n x n fp32 matrices through
// seer_gemm, after one warm-up, with the calling thread's OpenMP threads; 0 when the three
// matrices cannot be allocated (or reps is out of range). thread_time: timed by the calling
// thread's CPU time instead of wall time, which leaves out the time other processes held the
// CPU; right only with one OpenMP thread (the others' time is not the caller's).
double seer_gemm_measure(size_t n, int reps, int thread_time);

#endif
