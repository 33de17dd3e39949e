// Tests of the binary metrics against cases worked out by hand, and of the
// AUC against an O(n^2) count of pairs on random scores with many ties.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>

#include "base/error.h"
#include "base/rng.h"
#include "train/metrics.h"

static double auc_of(const float *p, const float *y, size_t n) {
    double auc = -1.0;
    cr_assert(eq(int, seer_auc(&auc, p, y, n), SEER_OK));
    return auc;
}

Test(metrics, auc_simple) {
    // Positives 0.35, 0.8; negatives 0.1, 0.4. Pairs ordered right:
    // 0.35 > 0.1, 0.8 > 0.1, 0.8 > 0.4; wrong: 0.35 < 0.4. AUC = 3/4.
    float p[] = {0.1f, 0.4f, 0.35f, 0.8f}, y[] = {0, 0, 1, 1};
    cr_assert(ieee_ulp_eq(dbl, auc_of(p, y, 4), 0.75, 0));
}

Test(metrics, auc_ties_across_classes) {
    // Positives 0.5, 0.9; negatives 0.5, 0.5. Pairs: 0.9 > 0.5 twice = 2,
    // 0.5 vs 0.5 tied twice = 2 * 1/2 = 1. AUC = 3/4.
    float p[] = {0.5f, 0.5f, 0.5f, 0.9f}, y[] = {0, 1, 0, 1};
    cr_assert(ieee_ulp_eq(dbl, auc_of(p, y, 4), 0.75, 0));
    // Positives 0.2, 0.7, 0.7; negatives 0.7, 0.1. Pairs: 0.2 > 0.1 = 1,
    // 0.2 < 0.7 = 0, each 0.7 ties 0.7 (1/2) and beats 0.1 (1): 2 * 3/2 = 3.
    // AUC = 4 / 6.
    float q[] = {0.2f, 0.7f, 0.7f, 0.7f, 0.1f}, z[] = {1, 1, 0, 1, 0};
    cr_assert(ieee_ulp_eq(dbl, auc_of(q, z, 5), 4.0 / 6.0, 0));
}

Test(metrics, auc_all_tied) {
    float p[] = {0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, y[] = {1, 0, 0, 1, 0};
    cr_assert(ieee_ulp_eq(dbl, auc_of(p, y, 5), 0.5, 0));
}

Test(metrics, auc_perfect_and_inverted) {
    float p[] = {0.1f, 0.2f, 0.3f, 0.9f, 0.95f}, y[] = {0, 0, 0, 1, 1};
    cr_assert(ieee_ulp_eq(dbl, auc_of(p, y, 5), 1.0, 0));
    float z[] = {1, 1, 1, 0, 0};
    cr_assert(ieee_ulp_eq(dbl, auc_of(p, z, 5), 0.0, 0));
}

Test(metrics, auc_negative_scores) {
    // Logits work too: negative floats sort below positive ones, in order,
    // and -0 ties +0.
    float p[] = {-2.0f, -1.0f, 1.0f, 2.0f}, y[] = {0, 1, 0, 1};
    // Positives -1, 2; negatives -2, 1: -1 > -2, 2 > -2, 2 > 1; -1 < 1. 3/4.
    cr_assert(ieee_ulp_eq(dbl, auc_of(p, y, 4), 0.75, 0));
    float q[] = {-0.0f, 0.0f}, z[] = {1, 0};
    cr_assert(ieee_ulp_eq(dbl, auc_of(q, z, 2), 0.5, 0));
    float r[] = {-INFINITY, INFINITY, -1e30f}, w[] = {0, 1, 1};
    cr_assert(ieee_ulp_eq(dbl, auc_of(r, w, 3), 1.0, 0));
}

Test(metrics, auc_one_class) {
    float p[] = {0.1f, 0.7f, 0.4f}, ones[] = {1, 1, 1}, zeros[] = {0, 0, 0};
    cr_assert(isnan(auc_of(p, ones, 3)));
    cr_assert(isnan(auc_of(p, zeros, 3)));
    cr_assert(isnan(auc_of(p, zeros, 0)));
}

Test(metrics, auc_nan_score) {
    float p[] = {0.1f, NAN, 0.4f}, y[] = {0, 1, 1};
    cr_assert(isnan(auc_of(p, y, 3)));
}

// The AUC by definition: over all (positive, negative) pairs, 1 when the
// positive scores higher, 1/2 on a tie.
static double auc_pairs(const float *p, const float *y, size_t n) {
    double good = 0.0, pairs = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 1.0f) continue;
        for (size_t j = 0; j < n; j++) {
            if (y[j] != 0.0f) continue;
            pairs += 1.0;
            good += p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
        }
    }
    return good / pairs;
}

Test(metrics, auc_random_against_pairs) {
    // Scores rounded to 2 decimals: 101 values for 2000 rows, ties everywhere.
    enum { N = 2000 };
    static float p[N], y[N];
    seer_rng r;
    seer_rng_init(&r, 7);
    for (int trial = 0; trial < 3; trial++) {
        for (size_t i = 0; i < N; i++) {
            y[i] = seer_rng_uniform(&r) < 0.3 ? 1.0f : 0.0f;
            // Informative but noisy: positives lean high.
            double s = 0.35 * y[i] + 0.65 * seer_rng_uniform(&r);
            p[i] = (float)(round(s * 100.0) / 100.0);
        }
        double want = auc_pairs(p, y, N);
        cr_assert(epsilon_eq(dbl, auc_of(p, y, N), want, 1e-12), "trial %d", trial);
        cr_assert(gt(dbl, want, 0.6));
    }
}

static seer_binary_metrics metrics_of(const float *p, const float *y, size_t n) {
    seer_binary_metrics m;
    cr_assert(eq(int, seer_binary_metrics_compute(&m, p, y, n), SEER_OK));
    cr_assert(eq(sz, m.rows, n));
    return m;
}

Test(metrics, logloss) {
    // -(log 0.9 + log(1 - 0.2)) / 2 = (0.1053605157 + 0.2231435513) / 2 = 0.1642520335.
    // The float inputs 0.9f and 0.2f are off by ~3e-8, hence the tolerance.
    float p[] = {0.9f, 0.2f}, y[] = {1, 0};
    cr_assert(epsilon_eq(dbl, metrics_of(p, y, 2).logloss, 0.1642520335, 1e-7));
    // One row: -log(0.25) = 1.3862943611.
    float q[] = {0.25f}, z[] = {1};
    cr_assert(epsilon_eq(dbl, metrics_of(q, z, 1).logloss, 1.3862943611, 1e-9));
}

Test(metrics, logloss_clipping) {
    // p = 0 with y = 1 and p = 1 with y = 0 are clipped to 1e-7 away from the
    // edge: each costs -log(1e-7) = 16.1180956510, finite.
    float p[] = {0.0f, 1.0f}, y[] = {1, 0};
    cr_assert(epsilon_eq(dbl, metrics_of(p, y, 2).logloss, 16.1180956510, 1e-6));
    // Right and certain: each costs -log(1 - 1e-7) = 1.00000005e-7.
    float q[] = {0.0f, 1.0f}, z[] = {0, 1};
    cr_assert(epsilon_eq(dbl, metrics_of(q, z, 2).logloss, 1.00000005e-7, 1e-12));
}

Test(metrics, logloss_nan) {
    float p[] = {0.5f, NAN}, y[] = {1, 0};
    seer_binary_metrics m = metrics_of(p, y, 2);
    cr_assert(isnan(m.logloss));
    cr_assert(isnan(m.auc));
}

Test(metrics, accuracy_and_positive_rate) {
    // 0.5 >= 0.5 is positive (y 1: right), 0.49 negative (y 1: wrong),
    // 0.7 positive (y 0: wrong), 0.2 negative (y 0: right). 2 of 4 right.
    float p[] = {0.5f, 0.49f, 0.7f, 0.2f, 0.9f}, y[] = {1, 1, 0, 0, 1};
    seer_binary_metrics m = metrics_of(p, y, 4);
    cr_assert(ieee_ulp_eq(dbl, m.accuracy, 0.5, 0));
    cr_assert(ieee_ulp_eq(dbl, m.positive_rate, 0.5, 0));
    // With a fifth row, 0.9 and y 1: 3 of 5 right, 3 of 5 positive.
    m = metrics_of(p, y, 5);
    cr_assert(ieee_ulp_eq(dbl, m.accuracy, 0.6, 0));
    cr_assert(ieee_ulp_eq(dbl, m.positive_rate, 0.6, 0));
}

Test(metrics, compute_matches_auc) {
    float p[] = {0.1f, 0.4f, 0.35f, 0.8f}, y[] = {0, 0, 1, 1};
    seer_binary_metrics m = metrics_of(p, y, 4);
    cr_assert(ieee_ulp_eq(dbl, m.auc, 0.75, 0));
    // -(log 0.9 + log 0.6 + log 0.35 + log 0.8) / 4
    //   = (0.1053605157 + 0.5108256238 + 1.0498221245 + 0.2231435513) / 4 = 0.4722879538
    cr_assert(epsilon_eq(dbl, m.logloss, 0.4722879538, 1e-7));
    // 0.1 and 0.4 negative (right), 0.35 negative (wrong), 0.8 positive (right).
    cr_assert(ieee_ulp_eq(dbl, m.accuracy, 0.75, 0));
}

Test(metrics, empty) {
    seer_binary_metrics m = metrics_of(NULL, NULL, 0);
    cr_assert(isnan(m.auc));
    cr_assert(isnan(m.logloss));
    cr_assert(isnan(m.accuracy));
    cr_assert(isnan(m.positive_rate));
}

Test(metrics, brier_ks_gini_ece_by_hand) {
    // Scores 0.05 (y 0), 0.15 (0), 0.35 (1), 0.45 (0), 0.95 (1), 0.95 (1).
    float p[] = {0.05f, 0.15f, 0.35f, 0.45f, 0.95f, 0.95f}, y[] = {0, 0, 1, 0, 1, 1};
    seer_binary_metrics m;
    cr_assert(eq(int, seer_binary_metrics_compute(&m, p, y, 6), SEER_OK));
    // Brier: (0.05^2 + 0.15^2 + 0.65^2 + 0.45^2 + 0.05^2 + 0.05^2) / 6 = 0.6550 / 6.
    cr_assert(fabs(m.brier - 0.655 / 6) < 1e-7, "brier %.9f", m.brier);
    // AUC: positives 0.35, 0.95, 0.95 against negatives 0.05, 0.15, 0.45: 0.35 beats two,
    // each 0.95 all three: 8 / 9. Gini 2 auc - 1 = 7 / 9.
    cr_assert(fabs(m.auc - 8.0 / 9) < 1e-12 && fabs(m.gini - 7.0 / 9) < 1e-12);
    // KS: thresholds between the sorted scores: below 0.35 lie 2/3 of the negatives and none
    // of the positives; below 0.45 2/3 and 1/3; below 0.95 3/3 and 1/3: the largest gap 2/3.
    cr_assert(fabs(m.ks - 2.0 / 3) < 1e-12, "ks %.9f", m.ks);
    // Reliability: bin 0 {0.05: 0}, bin 1 {0.15: 0}, bin 3 {0.35: 1}, bin 4 {0.45: 0},
    // bin 9 {0.95: 1, 0.95: 1}. ECE = (0.05 + 0.15 + 0.65 + 0.45 + 2 x 0.05) / 6 = 1.4 / 6.
    cr_assert(fabs(m.ece - 1.4 / 6) < 1e-7, "ece %.9f", m.ece);
    cr_assert(eq(sz, m.bin_rows[9], 2));
    cr_assert(eq(sz, m.bin_rows[2], 0));
    cr_assert(eq(sz, m.bin_rows[3], 1));
    cr_assert(isnan(m.bin_score[2]) && isnan(m.bin_rate[2]));
    cr_assert(fabs(m.bin_score[9] - 0.95) < 1e-7 && m.bin_rate[9] == 1.0);
}

Test(metrics, ks_perfect_and_one_class) {
    float p[] = {0.1f, 0.2f, 0.8f, 0.9f}, y[] = {0, 0, 1, 1}, z[] = {1, 1, 1, 1};
    seer_binary_metrics m;
    cr_assert(eq(int, seer_binary_metrics_compute(&m, p, y, 4), SEER_OK));
    cr_assert(eq(dbl, m.ks, 1.0));
    cr_assert(eq(dbl, m.gini, 1.0));
    cr_assert(eq(int, seer_binary_metrics_compute(&m, p, z, 4), SEER_OK));
    cr_assert(isnan(m.ks) && isnan(m.gini));
    // A score of exactly 1 goes to the last bin.
    float q[] = {1.0f}, w[] = {1};
    cr_assert(eq(int, seer_binary_metrics_compute(&m, q, w, 1), SEER_OK));
    cr_assert(eq(sz, m.bin_rows[SEER_RELIABILITY_BINS - 1], 1));
    cr_assert(eq(dbl, m.ece, 0.0));
}

Test(metrics, cost_matrix_by_hand) {
    // Costs 5 (missed positive) and 1 (false alarm): threshold 1 / 6. Decided positive: 0.2,
    // 0.3, 0.9 (p >= 1/6); 0.1 and 0.15 negative. Missed positives: 0.15 (y 1) -> 5; false
    // alarms: 0.2 and 0.3 (y 0) -> 2. Mean cost 7 / 5.
    float p[] = {0.1f, 0.15f, 0.2f, 0.3f, 0.9f}, y[] = {0, 1, 0, 0, 1};
    seer_binary_metrics m;
    cr_assert(eq(int, seer_binary_metrics_compute(&m, p, y, 5), SEER_OK));
    cr_assert(isnan(m.cost) && isnan(m.threshold));
    seer_binary_metrics_cost(&m, p, y, 5, 5, 1);
    cr_assert(fabs(m.threshold - 1.0 / 6) < 1e-15);
    cr_assert(fabs(m.cost - 7.0 / 5) < 1e-12, "cost %g", m.cost);
    // A score on the threshold decides positive.
    float q[] = {0.5f}, n[] = {0};
    seer_binary_metrics_cost(&m, q, n, 1, 1, 1);
    cr_assert(eq(dbl, m.cost, 1.0));
}
