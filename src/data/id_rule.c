// Per-value label counts of integer columns and the id evidence from them; see id_rule.h.
#include "data/id_rule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"

static size_t slot_of(const seer_value_labels *v, int64_t x) {
    size_t i = (size_t)seer_mix64((uint64_t)x) & (v->cap - 1);
    while (v->slots[i].n && v->slots[i].value != x) i = (i + 1) & (v->cap - 1);
    return i;
}

// Doubles the table (kept at most half full).
static int grow(seer_value_labels *v) {
    size_t cap = v->cap ? 2 * v->cap : 64;
    seer_value_label *old = v->slots;
    size_t old_cap = v->cap;
    v->slots = calloc(cap, sizeof *v->slots);
    if (!v->slots) {
        v->slots = old;
        return seer_errorf(SEER_ENOMEM, "out of memory counting the values of a column");
    }
    v->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].n) v->slots[slot_of(v, old[i].value)] = old[i];
    free(old);
    return SEER_OK;
}

int seer_value_labels_add(seer_value_labels *v, double x, int y) {
    if (v->dropped) return SEER_OK;
    if (2 * (v->n + 1) > v->cap) {
        if (v->n >= SEER_ID_VALUES_MAX) {
            seer_value_labels_drop(v);
            return SEER_OK;
        }
        int rc = grow(v);
        if (rc != SEER_OK) return rc;
    }
    seer_value_label *s = &v->slots[slot_of(v, (int64_t)x)];
    if (s->n == UINT32_MAX) {
        seer_value_labels_drop(v);
        return SEER_OK;
    }
    if (!s->n) {
        s->value = (int64_t)x;
        v->n++;
    }
    s->n++;
    s->pos += y != 0;
    return SEER_OK;
}

void seer_value_labels_drop(seer_value_labels *v) {
    seer_value_labels_free(v);
    v->dropped = 1;
}

void seer_value_labels_free(seer_value_labels *v) {
    free(v->slots);
    memset(v, 0, sizeof *v);
}

static int cmp_value(const void *a, const void *b) {
    int64_t x = ((const seer_value_label *)a)->value, y = ((const seer_value_label *)b)->value;
    return (x > y) - (x < y);
}

// Summed log loss of a group of n rows, pos of them positive, each predicted by the smoothed
// rate of the other n - 1: (pos - y + SMOOTH * prior) / (n - 1 + SMOOTH).
static double loo_loss(double n, double pos, double prior) {
    double a = SEER_ID_SMOOTH, loss = 0;
    if (pos > 0) loss -= pos * log((pos - 1 + a * prior) / (n - 1 + a));
    if (n > pos) loss -= (n - pos) * log(1 - (pos + a * prior) / (n - 1 + a));
    return loss;
}

int seer_id_evidence_measure(const seer_value_labels *v, size_t buckets, size_t min_count,
                             seer_id_evidence *e) {
    memset(e, 0, sizeof *e);
    seer_value_label *all = malloc((v->n + 1) * sizeof *all);
    if (!all) return seer_errorf(SEER_ENOMEM, "out of memory measuring %zu values", v->n);
    size_t d = 0;
    double rows = 0, pos = 0;
    for (size_t i = 0; i < v->cap; i++) {
        if (!v->slots[i].n) continue;
        all[d++] = v->slots[i];
        rows += (double)v->slots[i].n;
        pos += (double)v->slots[i].pos;
    }
    qsort(all, d, sizeof *all, cmp_value);
    double prior = rows > 0 ? pos / rows : 0.5;
    double rare_n = 0, rare_pos = 0, values = 0, by_bucket = 0;
    double left = rows, bucket_n = 0, bucket_pos = 0;
    size_t left_buckets = buckets ? buckets : 1;
    for (size_t i = 0; i < d; i++) {
        double n = (double)all[i].n, p = (double)all[i].pos;
        e->vocab += all[i].n >= min_count;
        // A held-out row's value is in the vocabulary when the others hold it min_count times.
        if (n - 1 >= (double)min_count) values += loo_loss(n, p, prior);
        else rare_n += n, rare_pos += p;
        if (bucket_n > 0 && bucket_n + n > left / (double)left_buckets && left_buckets > 1) {
            by_bucket += loo_loss(bucket_n, bucket_pos, prior);
            left -= bucket_n;
            left_buckets--;
            e->buckets++;
            bucket_n = bucket_pos = 0;
        }
        bucket_n += n;
        bucket_pos += p;
    }
    if (rare_n > 0) values += loo_loss(rare_n, rare_pos, prior);
    if (bucket_n > 0) by_bucket += loo_loss(bucket_n, bucket_pos, prior), e->buckets++;
    free(all);
    e->rows = rows;
    double n = rows > 0 ? rows : 1;
    e->loss_values = values / n;
    e->loss_buckets = by_bucket / n;
    e->loss_prior = loo_loss(rows, pos, prior) / n;
    return SEER_OK;
}
