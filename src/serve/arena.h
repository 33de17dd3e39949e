// A thread's bump allocator for the parse of one request body (arena.c). cJSON allocates a
// node, a key and a string for each value of a row and frees each of them again: on 256-row
// predicts that was a fifth of the server's time in malloc and free. Between
// seer_arena_begin and seer_arena_end the thread's allocations through seer_arena_malloc are
// a pointer bump, seer_arena_free does nothing, and seer_arena_end drops them all at once.
// Outside that span the two are malloc and free.
#ifndef SEER_SERVE_ARENA_H
#define SEER_SERVE_ARENA_H

#include <stddef.h>

// Starts the thread's arena; allocations until seer_arena_end come from it.
void seer_arena_begin(void);
// Drops everything allocated since seer_arena_begin (keeping a block for the next request)
// and returns the thread to malloc and free.
void seer_arena_end(void);
// n bytes (16-byte aligned), from the arena when it is on; NULL without memory.
void *seer_arena_malloc(size_t n);
// Nothing when the arena is on (seer_arena_end frees), free(p) otherwise.
void seer_arena_free(void *p);
// How many of the thread's seer_arena_malloc calls have returned NULL, ever: cJSON reports a
// failed allocation as a parse error, and a count taken before a parse and after it tells
// the two apart.
unsigned long seer_arena_failures(void);

#endif
