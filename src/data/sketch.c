// Exact token counter, HyperLogLog and the id map.
#include "data/sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/error.h"
#include "base/mem.h"

static size_t slot_of(uint64_t key, size_t mask) {
    return (size_t)(key * 0x9e3779b97f4a7c15ULL) >> 20 & mask;
}

// Zeroed memory for a hash table. Tables of megabytes are probed at random once per value:
// on 4 KiB pages nearly every probe also misses the TLB, so such tables ask for huge pages
// (a hint; calloc's fresh mapping is not touched yet). Then every page is written once: a
// probe reads before it writes, and a page first read maps the shared zero page, which the
// write then replaces, flushing the TLB of every CPU running the process (in a process of
// two threads, an interrupt to the other CPU per page: the profile pass on two threads spent
// a third of its counting there). A page written first is only allocated.
static void *table_alloc(size_t n, size_t size) {
    char *p = calloc(n, size);
    if (!p) return NULL;
    seer_huge_pages(p, n * size);
    for (size_t i = 0; i < n * size; i += 4096) ((volatile char *)p)[i] = 0;
    return p;
}

static int counter_alloc(seer_counter *c, size_t cap) {
    c->slots = table_alloc(cap, sizeof *c->slots);
    if (!c->slots)
        return seer_errorf(SEER_ENOMEM, "out of memory counting %zu distinct values", cap / 2);
    c->cap = cap;
    return SEER_OK;
}

int seer_counter_init(seer_counter *c, size_t max_keys) {
    memset(c, 0, sizeof *c);
    c->max_keys = max_keys;
    return counter_alloc(c, 1024);
}

static int counter_grow(seer_counter *c) {
    seer_counter old = *c;
    int rc = counter_alloc(c, old.cap * 2);
    if (rc != SEER_OK) {
        *c = old;
        return rc;
    }
    size_t mask = c->cap - 1;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.slots[i].key) continue;
        size_t j = slot_of(old.slots[i].key, mask);
        while (c->slots[j].key) j = (j + 1) & mask;
        c->slots[j] = old.slots[i];
    }
    free(old.slots);
    return SEER_OK;
}

int seer_counter_add(seer_counter *c, uint64_t key) {
    size_t mask = c->cap - 1, i = slot_of(key, mask);
    while (c->slots[i].key) {
        if (c->slots[i].key == key) {
            c->slots[i].count++;
            return SEER_OK;
        }
        i = (i + 1) & mask;
    }
    if (c->n >= c->max_keys) {
        c->overflow = 1;
        return SEER_OK;
    }
    if (2 * (c->n + 1) > c->cap) {
        int rc = counter_grow(c);
        if (rc != SEER_OK) return rc;
        return seer_counter_add(c, key);
    }
    c->slots[i].key = key;
    c->slots[i].count = 1;
    c->n++;
    return SEER_OK;
}

int seer_counter_copy(seer_counter *dst, const seer_counter *src) {
    *dst = *src;
    dst->slots = malloc(src->cap * sizeof *src->slots);
    if (!dst->slots) {
        memset(dst, 0, sizeof *dst);
        return seer_errorf(SEER_ENOMEM, "out of memory copying a counter of %zu values", src->n);
    }
    memcpy(dst->slots, src->slots, src->cap * sizeof *src->slots);
    return SEER_OK;
}

uint64_t seer_counter_get(const seer_counter *c, uint64_t key) {
    size_t mask = c->cap - 1, i = slot_of(key, mask);
    while (c->slots[i].key) {
        if (c->slots[i].key == key) return c->slots[i].count;
        i = (i + 1) & mask;
    }
    return 0;
}

void seer_counter_free(seer_counter *c) {
    free(c->slots);
    memset(c, 0, sizeof *c);
}

// Flajolet et al. 2007, with the linear-counting correction for small counts.
double seer_hll_estimate(const seer_hll *h) {
    const double m = 1 << SEER_HLL_BITS;
    double sum = 0.0;
    size_t zeros = 0;
    for (size_t i = 0; i < (1u << SEER_HLL_BITS); i++) {
        sum += ldexp(1.0, -h->reg[i]);
        zeros += h->reg[i] == 0;
    }
    double est = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
    if (est <= 2.5 * m && zeros) est = m * log(m / (double)zeros);
    return est;
}

int seer_vocab_map_init(seer_vocab_map *m, const uint64_t *keys, size_t n, uint32_t first_id) {
    memset(m, 0, sizeof *m);
    if (!n) return SEER_OK;
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    m->slots = table_alloc(cap, sizeof *m->slots);
    if (!m->slots)
        return seer_errorf(SEER_ENOMEM, "out of memory for a vocabulary of %zu tokens", n);
    m->cap = cap;
    size_t mask = cap - 1;
    for (size_t k = 0; k < n; k++) {
        size_t i = slot_of(keys[k], mask);
        while (m->slots[i].key && m->slots[i].key != keys[k]) i = (i + 1) & mask;
        m->slots[i].key = keys[k];
        m->slots[i].id = first_id + k;
    }
    return SEER_OK;
}

void seer_vocab_map_free(seer_vocab_map *m) {
    free(m->slots);
    memset(m, 0, sizeof *m);
}
