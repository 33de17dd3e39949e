// The binary cross-entropy on logits with a weight on the positive rows: its gradient against
// finite differences of its value, a value by hand, and weight 1 equal to the plain loss.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>

#include "nn/loss.h"

Test(loss, weighted_bce_by_hand_and_gradient) {
    float z[] = {-2.0f, -0.3f, 0.0f, 0.7f, 3.0f}, y[] = {1, 0, 1, 1, 0};
    enum { B = 5 };
    float w = 4.0f;
    // By hand: 4 softplus(2) + softplus(-0.3) + 4 softplus(0) + 4 softplus(-0.7) + softplus(3).
    double sp[] = {log1p(exp(2.0)), log1p(exp(-0.3)), log(2.0), log1p(exp(-0.7)),
                   log1p(exp(3.0))};
    double want = (4 * sp[0] + sp[1] + 4 * sp[2] + 4 * sp[3] + sp[4]) / B;
    cr_assert(fabs(seer_bce_logits_weighted_forward(z, y, w, B) - want) < 1e-6);
    float dz[B] = {0};
    seer_bce_logits_weighted_backward(dz, z, y, w, B);
    for (int i = 0; i < B; i++) {
        float zp[B], zm[B];
        for (int j = 0; j < B; j++) zp[j] = zm[j] = z[j];
        zp[i] += 1e-3f, zm[i] -= 1e-3f;
        double fd = (seer_bce_logits_weighted_forward(zp, y, w, B) -
                     seer_bce_logits_weighted_forward(zm, y, w, B)) / (double)(zp[i] - zm[i]);
        cr_assert(fabs(fd - dz[i]) < 1e-4, "row %d: %g against %g", i, (double)dz[i], fd);
    }
}

Test(loss, weight_one_is_the_plain_loss) {
    float z[] = {-5.0f, -0.1f, 0.4f, 9.0f}, y[] = {1, 0, 1, 0};
    float a[4] = {0}, b[4] = {0};
    seer_bce_logits_backward(a, z, y, 4);
    seer_bce_logits_weighted_backward(b, z, y, 1.0f, 4);
    for (int i = 0; i < 4; i++) cr_assert(eq(flt, a[i], b[i]), "row %d", i);
    cr_assert(fabs(seer_bce_logits_forward(z, y, 4) -
                   seer_bce_logits_weighted_forward(z, y, 1.0f, 4)) < 1e-12);
}
