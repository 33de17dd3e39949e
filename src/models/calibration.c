// The calibration maps of a binary model's logit (models/calibration.h).
#include "models/calibration.h"

#include <math.h>

static double sigmoid(double s) {
    return s >= 0 ? 1 / (1 + exp(-s)) : exp(s) / (1 + exp(s));
}

// The isotonic map at z: the segment holding z found by bisection; a NaN stays NaN.
static float isotonic(const seer_net_config *c, float z) {
    const float *x = c->calib_x, *y = c->calib_y;
    size_t K = c->calib_knots;
    if (!(z > x[0])) return (float)sigmoid(log(y[0] / (1.0 - y[0])) + c->calib_a * (z - x[0]));
    if (z >= x[K - 1])
        return (float)sigmoid(log(y[K - 1] / (1.0 - y[K - 1])) + c->calib_a * (z - x[K - 1]));
    size_t lo = 0, hi = K - 1;  // x[lo] < z < x[hi] or z == x[lo]
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (x[mid] <= z) lo = mid;
        else hi = mid;
    }
    double t = ((double)z - x[lo]) / ((double)x[hi] - x[lo]);
    return (float)(y[lo] + t * ((double)y[hi] - y[lo]));
}

void seer_calibration_apply(const seer_net_config *c, const float *z, float *p, size_t B) {
    if (c->calibrated == SEER_CALIBRATION_ISOTONIC) {
        for (size_t i = 0; i < B; i++) p[i] = isotonic(c, z[i]);
        return;
    }
    // Uncalibrated is a = 1, b = 0: 1 z + 0 is z exactly, so one loop serves both.
    float a = c->calibrated == SEER_CALIBRATION_PLATT ? c->calib_a : 1.0f;
    float b = c->calibrated == SEER_CALIBRATION_PLATT ? c->calib_b : 0.0f;
    for (size_t i = 0; i < B; i++) p[i] = 1.0f / (1.0f + expf(-(a * z[i] + b)));
}

const char *seer_calibration_invalid(const seer_net_config *c) {
    size_t K = c->calib_knots;
    if (K < 2 || K > SEER_CALIB_KNOTS_MAX) return "not 2 to 64 knots";
    if (!(c->calib_a > 0 && c->calib_a < 1e6f)) return "the slope of its ends is not in (0, 1e6)";
    for (size_t k = 0; k < K; k++) {
        if (!isfinite(c->calib_x[k]) || !(c->calib_y[k] > 0 && c->calib_y[k] < 1))
            return "a knot is not a finite logit and a probability in (0, 1)";
        if (k && !(c->calib_x[k] > c->calib_x[k - 1] && c->calib_y[k] > c->calib_y[k - 1]))
            return "its knots do not increase strictly";
    }
    return NULL;
}
