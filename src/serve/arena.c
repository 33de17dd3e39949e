// The thread's request arena; see arena.h. Blocks are chained; a block's memory is never
// handed back before seer_arena_end, so a pointer stays valid for the whole request. At the
// end one block is kept for the thread's next request (freed when the thread exits): the
// first, or, when the request needed more, one as large as all it used (a block of that size
// made once, so that the next request of that size takes no fresh pages), at most ARENA_KEEP
// bytes: a thread holds no more than that between requests however large one was.
#include "serve/arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define ARENA_FIRST ((size_t)256 << 10)   // a 256-row Criteo predict takes about 1 MiB
#define ARENA_KEEP ((size_t)4 << 20)
#define ARENA_ALIGN 16

typedef struct block {
    struct block *next;   // the block filled before this one
    size_t cap, used;     // bytes of data
    _Alignas(ARENA_ALIGN) char data[];
} block;

static __thread int on;          // between seer_arena_begin and seer_arena_end
static __thread unsigned long failures;   // seer_arena_malloc calls that returned NULL
static __thread block *head;     // the block being filled; its chain ends with the kept one
static pthread_key_t exit_key;   // frees a thread's kept block when the thread exits
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void free_chain(void *p) {
    for (block *b = p, *next; b; b = next) {
        next = b->next;
        free(b);
    }
}

static void make_key(void) { pthread_key_create(&exit_key, free_chain); }

void seer_arena_begin(void) { on = 1; }

void seer_arena_end(void) {
    on = 0;
    if (!head) return;
    size_t total = 0;
    for (block *b = head; b; b = b->next) total += b->cap;
    if (head->next || head->cap > ARENA_KEEP) {
        free_chain(head);
        head = NULL;
        block *b = total <= ARENA_KEEP ? malloc(sizeof(block) + total) : NULL;
        if (b) *b = (block){NULL, total, 0};
        head = b;
        pthread_setspecific(exit_key, head);   // the key exists: grow made the first block
    }
    if (head) head->used = 0;
}

// A new block of room for at least n bytes, in front of the chain.
static block *grow(size_t n) {
    size_t cap = head ? 2 * head->cap : ARENA_FIRST;
    if (cap < n) cap = n;
    if (cap > SIZE_MAX - sizeof(block)) return NULL;
    block *b = malloc(sizeof(block) + cap);
    if (!b) return NULL;
    b->next = head;
    b->cap = cap;
    b->used = 0;
    if (!head) {   // the thread's first block: freed at its exit
        pthread_once(&exit_once, make_key);
        pthread_setspecific(exit_key, b);
    }
    head = b;
    return b;
}

static void *bump(size_t n) {
    if (n > SIZE_MAX - ARENA_ALIGN) return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    block *b = head;
    if (!b || b->cap - b->used < n) b = grow(n);
    if (!b) return NULL;
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *seer_arena_malloc(size_t n) {
    void *p = on ? bump(n) : malloc(n);
    if (!p) failures++;
    return p;
}

unsigned long seer_arena_failures(void) { return failures; }

void seer_arena_free(void *p) {
    if (!on) free(p);
}
