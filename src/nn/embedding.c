// Embedding gather, per-batch dedupe of ids, and gradient scatter into rows.
#include "nn/embedding.h"

#include <string.h>

void seer_embedding_forward(float *out, size_t ld_out, const float *table, const uint32_t *ids,
                            size_t B, size_t F, size_t D) {
    for (size_t b = 0; b < B; b++) {
        float *o = out + b * ld_out;
        const uint32_t *id = ids + b * F;
        // The next row's table rows are scattered in memory: ask for them now.
        if (b + 1 < B)
            for (size_t f = 0; f < F; f++)
                for (size_t k = 0; k < D; k += 16)
                    __builtin_prefetch(table + (size_t)id[F + f] * D + k);
        // A plain loop: D is small, and a memcpy call per row cost more than the copy.
        for (size_t f = 0; f < F; f++) {
            const float *t = table + (size_t)id[f] * D;
            float *of = o + f * D;
            for (size_t k = 0; k < D; k++) of[k] = t[k];
        }
    }
}

size_t seer_embedding_unique(uint32_t *uniq, uint32_t *slot, const uint32_t *ids, size_t n,
                             uint32_t *marks, uint32_t step) {
    size_t n_uniq = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n) __builtin_prefetch(marks + 2 * (size_t)ids[i + 16], 1);
        uint32_t *mark = marks + 2 * (size_t)ids[i];
        if (mark[0] != step) {
            mark[0] = step;
            mark[1] = (uint32_t)n_uniq;
            uniq[n_uniq++] = ids[i];
        }
        slot[i] = mark[1];
    }
    return n_uniq;
}

void seer_embedding_backward(float *drows, const uint32_t *slot, const float *dout,
                             size_t ld_out, size_t B, size_t F, size_t D) {
    for (size_t b = 0; b < B; b++) {
        const float *g = dout + b * ld_out;
        const uint32_t *s = slot + b * F;
        for (size_t f = 0; f < F; f++) {
            float *d = drows + (size_t)s[f] * D;
            const float *gf = g + f * D;
            for (size_t k = 0; k < D; k++) d[k] += gf[k];
        }
    }
}

size_t seer_embedding_bags(uint32_t *bag_ids, uint32_t *off, float *w, const uint32_t *ids,
                           size_t B, size_t S, size_t F, const uint32_t *field_slots,
                           const uint8_t *field_mean) {
    size_t n = 0;
    for (size_t b = 0; b < B; b++) {
        const uint32_t *id = ids + b * S;
        for (size_t f = 0; f < F; f++) {
            size_t first = n;
            off[b * F + f] = (uint32_t)n;
            for (uint32_t k = 0; k < field_slots[f]; k++)
                if (id[k] != SEER_NO_ID) bag_ids[n++] = id[k];
            float weight = field_mean[f] && n > first ? 1.0f / (float)(n - first) : 1.0f;
            for (size_t k = first; k < n; k++) w[k] = weight;
            id += field_slots[f];
        }
    }
    off[B * F] = (uint32_t)n;
    return n;
}

void seer_embedding_bag_forward(float *out, size_t ld_out, const float *table,
                                const uint32_t *bag_ids, const uint32_t *off, const float *w,
                                size_t B, size_t F, size_t D) {
    for (size_t b = 0; b < B; b++) {
        for (size_t f = 0; f < F; f++) {
            float *o = out + b * ld_out + f * D;
            size_t i = b * F + f;
            for (size_t k = 0; k < D; k++) o[k] = 0.0f;
            for (uint32_t j = off[i]; j < off[i + 1]; j++) {
                const float *t = table + (size_t)bag_ids[j] * D;
                for (size_t k = 0; k < D; k++) o[k] += w[j] * t[k];
            }
        }
    }
}

void seer_embedding_bag_backward(float *drows, const uint32_t *slot, const uint32_t *off,
                                 const float *w, const float *dout, size_t ld_out, size_t B,
                                 size_t F, size_t D) {
    for (size_t b = 0; b < B; b++) {
        for (size_t f = 0; f < F; f++) {
            const float *g = dout + b * ld_out + f * D;
            size_t i = b * F + f;
            for (uint32_t j = off[i]; j < off[i + 1]; j++) {
                float *d = drows + (size_t)slot[j] * D;
                for (size_t k = 0; k < D; k++) d[k] += w[j] * g[k];
            }
        }
    }
}
