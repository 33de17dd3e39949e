// BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way", eq. 6) and the
// Gamma-Gamma model of spend (Fader, Hardie and Lee 2005, "RFM and CLV", eq. 3), fitted by
// maximum likelihood with L-BFGS on the logarithms of their parameters (positive without
// bounds), the gradients analytic (digamma).
//
// Per customer: x repeat transactions, the last at t_x weeks after the first, observed for T
// weeks; m_x the mean spend of the x repeat transactions.
//   BG/NBD LL = ln[ B(a,b+x)/B(a,b) G(r+x) a^r / (G(r) (alpha+T)^(r+x))
//                  + 1{x>0} B(a+1,b+x-1)/B(a,b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)) ]
//   GG LL     = ln G(px+q) - ln G(px) - ln G(q) + q ln g + (px-1) ln m + px ln x
//               - (px+q) ln(g + m x)
#ifndef SEER_VALUE_BGNBD_H
#define SEER_VALUE_BGNBD_H

#include <stddef.h>

// digamma(v), v > 0: the recurrence up to 10, then the asymptotic series (error below 1e-13).
double seer_digamma(double v);
// Gauss's 2F1(a, b; c; z) by its series, 0 <= z < 1, a, b, c > 0.
double seer_hyp2f1(double a, double b, double c, double z);

// Sum of the BG/NBD log-likelihood over n customers at p = (r, alpha, a, b); its gradient with
// respect to p into g (4) unless g is NULL.
double seer_bgnbd_ll(const double p[4], const double *x, const double *t_x, const double *T,
                     size_t n, double *g);
// Fits p (4) from the start (1, 1, 1, 1); *ll gets the log-likelihood. SEER_OK, SEER_ENOMEM.
int seer_bgnbd_fit(double p[4], double *ll, const double *x, const double *t_x, const double *T,
                   size_t n);
// E[Y(t) | x, t_x, T]: the expected transactions in (T, T + t] (FHL 2005 eq. 10).
double seer_bgnbd_expected(const double p[4], double t, double x, double t_x, double T);
// P(at least one transaction in (T, T + t] | x, t_x, T): alive at T, and then one purchase by a
// Poisson rate of posterior Gamma(r + x, alpha + T) (dropping out needs a purchase first).
double seer_bgnbd_p_repeat(const double p[4], double t, double x, double t_x, double T);

// Sum of the Gamma-Gamma log-likelihood at p = (p, q, gamma) over the customers with x > 0 and
// m > 0 (the others are skipped); the gradient into g (3) unless NULL.
double seer_gg_ll(const double p[3], const double *x, const double *m, size_t n, double *g);
int seer_gg_fit(double p[3], double *ll, const double *x, const double *m, size_t n);
// E[M | x, m_x] = (gamma + m x) p / (p x + q - 1); the population mean p gamma / (q - 1)
// without repeat transactions (NaN when q <= 1).
double seer_gg_expected(const double p[3], double x, double m);

#endif
