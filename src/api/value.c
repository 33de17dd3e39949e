// seer_value_run: a log to users, a model fitted, the test users scored, the list written.
// The value room (src/value/) holds each step; this file only runs them in order.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/value_file.h"
#include "base/atomic_file.h"
#include "base/error.h"
#include "seer/value.h"
#include "value/bgnbd.h"
#include "value/log.h"
#include "train/value_metrics.h"
#include "value/mlp.h"
#include "value/users.h"

const char *const seer_value_model_names[] = {"ziln", "mse", "bgnbd", NULL};

void seer_value_options_default(seer_value_options *o) {
    memset(o, 0, sizeof *o);
    o->sep = ',';
    o->model = SEER_VALUE_ZILN;
    o->test_frac = 0.2;
    o->seed = 1;
    o->epochs = 60;
    o->batch = 256;
    o->lr = 1e-3;
    o->hidden[0] = 64, o->hidden[1] = 32, o->n_hidden = 2;
}

static int check_options(const seer_value_options *o) {
    if (!o->path || !o->user || !o->time)
        return seer_errorf(SEER_EINVAL, "the log, --user and --time are required");
    if (o->horizon <= 0) return seer_errorf(SEER_EINVAL, "--horizon must be above 0 days");
    if (!(o->test_frac >= 0 && o->test_frac < 1))
        return seer_errorf(SEER_EINVAL, "--test-frac must be from 0 to below 1");
    if ((unsigned)o->model > SEER_VALUE_BGNBD) return seer_errorf(SEER_EINVAL, "unknown --model");
    if (o->model == SEER_VALUE_BGNBD && o->save_model)
        return seer_errorf(SEER_EINVAL, "--save-model keeps the MLP of ziln or mse, not bgnbd");
    if (o->save_model && o->load_model)
        return seer_errorf(SEER_EINVAL, "--save-model and --load-model: one or the other");
    if (o->epochs < 1 || o->batch < 1 || o->batch > 65536 || !(o->lr > 0 && o->lr <= 10) ||
        o->n_hidden > SEER_VALUE_HIDDEN_MAX)
        return seer_errorf(SEER_EINVAL, "--epochs, --batch, --lr or --hidden out of range");
    for (size_t l = 0; l < o->n_hidden; l++)
        if (o->hidden[l] < 1 || o->hidden[l] > 4096)
            return seer_errorf(SEER_EINVAL, "--hidden widths must be from 1 to 4096");
    return SEER_OK;
}

// BG/NBD on every user's calibration period; Gamma-Gamma for spend when there is an amount.
static int fit_bgnbd(const seer_value_users *u, const seer_value_options *o, double *pred,
                     double *p, seer_value_report *r) {
    double bp[4], gp[3] = {NAN, NAN, NAN}, gll, t = o->horizon / 7.0;
    int rc = seer_bgnbd_fit(bp, &r->bgnbd_ll, u->freq, u->t_x, u->T, u->n);
    if (!rc && o->amount) rc = seer_gg_fit(gp, &gll, u->freq, u->m_x, u->n);
    if (rc) return rc;
    r->r = bp[0], r->alpha = bp[1], r->a = bp[2], r->b = bp[3];
    r->p = gp[0], r->q = gp[1], r->gamma = gp[2];
    for (size_t i = 0; i < u->n; i++) {
        pred[i] = seer_bgnbd_expected(bp, t, u->freq[i], u->t_x[i], u->T[i]);
        if (o->amount) pred[i] *= seer_gg_expected(gp, u->freq[i], u->m_x[i]);
        p[i] = seer_bgnbd_p_repeat(bp, t, u->freq[i], u->t_x[i], u->T[i]);
    }
    return SEER_OK;
}

static int check_finite(const seer_value_options *o, const double *pred, size_t n);

// The MLP on the training users (every user when none is held out), written to
// o->save_model when asked.
static int fit_mlp(const seer_value_users *u, const seer_value_log *log,
                   const seer_value_options *o, double *pred, double *p, seer_value_report *r) {
    uint8_t *use = malloc(u->n);
    const char **names = malloc(u->n * sizeof *names);
    int rc = use && names ? SEER_OK : seer_errorf(SEER_ENOMEM, "out of memory");
    size_t n_use = 0;
    for (size_t i = 0; !rc && i < u->n; i++) {
        use[i] = !u->test[i] || o->test_frac == 0;
        n_use += use[i];
        names[i] = log->user_names[u->log_user[i]];
    }
    if (!rc && n_use == 0)
        rc = seer_errorf(SEER_EDATA, "%s: no user left to train on: all %zu users are test users "
                         "(--test-frac %g)", o->path, u->n, o->test_frac);
    seer_value_mlp net = {0};  // freed below also when the fit never started
    if (!rc) rc = seer_value_mlp_fit(&net, u->x, u->hold_spend, use, names, u->n, u->F, o,
                                     &r->epochs_run, &r->valid_loss);
    if (!rc) seer_value_mlp_predict(&net, u->x, u->n, pred, p);
    // A network whose values are not finite is not kept.
    if (!rc && o->save_model) rc = check_finite(o, pred, u->n);
    if (!rc && o->save_model) rc = seer_value_file_save(o->save_model, &net, log, o);
    seer_value_mlp_free(&net);
    free(use);
    free(names);
    return rc;
}

// The MLP of o->load_model on every user of the log, trained on none of them: all are test
// users; the file's model into r.
static int score_loaded(seer_value_users *u, const seer_value_log *log,
                        const seer_value_options *o, double *pred, double *p,
                        seer_value_report *r) {
    seer_value_mlp net = {0};
    int rc = seer_value_file_load(o->load_model, &net, log, o);
    r->model = net.ziln ? SEER_VALUE_ZILN : SEER_VALUE_MSE;
    r->train_users = 0;
    memset(u->test, 1, u->n);
    if (!rc && net.F != u->F)
        rc = seer_errorf(SEER_EDATA, "%s: the model has %zu features, the log's users %zu",
                         o->load_model, net.F, u->F);
    if (!rc) seer_value_mlp_predict(&net, u->x, u->n, pred, p);
    seer_value_mlp_free(&net);
    return rc;
}

// A fit whose values are not all finite numbers: the data gave the model nothing to fit
// (BG/NBD without one repeat transaction), or the MLP diverged.
static int check_finite(const seer_value_options *o, const double *pred, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (isfinite(pred[i])) continue;
        if (o->model == SEER_VALUE_BGNBD)
            return seer_errorf(SEER_EDATA, "%s: BG/NBD has no finite fit on this history (it needs "
                               "repeat transactions on or before the cutoff)", o->path);
        return seer_errorf(SEER_EINVAL, "%s: the MLP's predictions are not finite numbers: its "
                           "training diverged (a lower --lr may help)", o->path);
    }
    return SEER_OK;
}

// The metrics of pred on the test users (every user when none is held out) into r.
static int score(const seer_value_users *u, const double *pred, int all, seer_value_report *r) {
    size_t n = 0;
    double *buf = malloc(7 * u->n * sizeof *buf);
    if (!buf) return seer_errorf(SEER_ENOMEM, "out of memory");
    double *act = buf, *pr = buf + u->n, *base = buf + 2 * u->n, *scratch = buf + 3 * u->n;
    r->total_pred = r->total_actual = r->rmse = r->mae = 0;
    for (size_t i = 0; i < u->n; i++) {
        if (!all && !u->test[i]) continue;
        act[n] = u->hold_spend[i], pr[n] = pred[i], base[n] = u->cal_spend[i];
        double e = pred[i] - act[n];
        r->total_pred += pred[i], r->total_actual += act[n], r->rmse += e * e, r->mae += fabs(e);
        n++;
    }
    r->test_users = n;
    r->rmse = n ? sqrt(r->rmse / (double)n) : NAN;
    r->mae = n ? r->mae / (double)n : NAN;
    size_t *order = (size_t *)scratch;
    r->normalized_gini = seer_value_gini(act, pr, n, order);
    r->baseline_normalized_gini = seer_value_gini(act, base, n, order);
    r->spearman = seer_value_spearman(act, pr, n, scratch);
    r->baseline_spearman = seer_value_spearman(act, base, n, scratch);
    seer_value_deciles(act, pr, n, order, r->deciles, &r->decile_mape, &r->top_decile_capture);
    free(buf);
    return SEER_OK;
}

// user,value,p_repeat,segment,test for every user; segments by value over all users: the top
// 10% "top10", the next 30% "next30", the rest "rest".
static int write_users(const char *path, const seer_value_users *u, const seer_value_log *log,
                       const double *pred, const double *p) {
    size_t *order = malloc(u->n * sizeof *order);
    double *pos = malloc(u->n * sizeof *pos);
    if (!order || !pos) {
        free(order), free(pos);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    seer_value_decile d[10];
    double mape, top;
    seer_value_deciles(pred, pred, u->n, order, d, &mape, &top);  // sorts order by pred
    for (size_t k = 0; k < u->n; k++) pos[order[k]] = (double)k / (double)u->n;
    seer_atomic_file af = {0};
    int rc = seer_atomic_open(&af, path);
    if (!rc) fputs("user,value,p_repeat,segment,test\n", af.f);
    for (size_t i = 0; !rc && i < u->n; i++) {
        fprintf(af.f, "%s,%.6g,", log->user_names[u->log_user[i]], pred[i]);
        if (!isnan(p[i])) fprintf(af.f, "%.6g", p[i]);
        fprintf(af.f, ",%s,%d\n", pos[i] < 0.1 ? "top10" : pos[i] < 0.4 ? "next30" : "rest",
                u->test[i]);
    }
    if (!rc) rc = seer_atomic_commit(&af);
    free(order);
    free(pos);
    return rc;
}

static void report_init(seer_value_report *r) {
    memset(r, 0, sizeof *r);
    r->r = r->alpha = r->a = r->b = r->bgnbd_ll = r->p = r->q = r->gamma = NAN;
    r->valid_loss = NAN;
}

// day (days since 1970) as YYYY-MM-DD into buf.
static void day_text(char *buf, size_t n, int32_t day) {
    time_t t = (time_t)day * 86400;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d", &tm)) snprintf(buf, n, "?");
}

// The labels are each user's spend in the horizon after the cutoff: with no record there, all
// are 0. An MLP has nothing to learn from that (an error); a fitted BG/NBD or a loaded model
// still scores the users, whose metrics are then undefined (a warning).
static int check_horizon(const seer_value_users *u, const seer_value_log *log,
                         const seer_value_options *o) {
    for (size_t i = 0; i < u->n; i++)
        if (u->hold_tx[i] > 0) return SEER_OK;
    int32_t last = log->n ? log->day[0] : 0;
    for (size_t i = 1; i < log->n; i++)
        if (log->day[i] > last) last = log->day[i];
    char from[32], to[32], end[32];
    day_text(from, sizeof from, o->cutoff + 1);
    day_text(to, sizeof to, o->cutoff + o->horizon);
    day_text(end, sizeof end, last);
    if (!o->load_model && o->model != SEER_VALUE_BGNBD)
        return seer_errorf(SEER_EDATA, "no record falls in the horizon, %s to %s (the log's last "
                           "record is of %s): every label would be 0, nothing to train on; "
                           "move --cutoff back or shorten --horizon", from, to, end);
    fprintf(stderr, "seer: warning: no record falls in the horizon, %s to %s (the log's last "
            "record is of %s): the users are scored, but their metrics are undefined\n", from,
            to, end);
    return SEER_OK;
}

int seer_value_run(const seer_value_options *o, seer_value_report *r) {
    report_init(r);
    int rc = check_options(o);
    seer_value_log log = {0};
    seer_value_users u = {0};
    if (!rc) rc = seer_value_log_read(&log, o);
    if (!rc) rc = seer_value_users_build(&u, &log, o->cutoff, o->horizon, o->test_frac, o->seed);
    if (!rc) rc = check_horizon(&u, &log, o);
    double *pred = rc ? NULL : malloc(2 * u.n * sizeof *pred), *p = pred ? pred + u.n : NULL;
    if (!rc && !pred) rc = seer_errorf(SEER_ENOMEM, "out of memory");
    if (!rc) {
        r->records = log.n, r->transactions = u.transactions, r->users = u.n;
        for (size_t i = 0; i < u.n; i++) r->train_users += !u.test[i];
        r->model = o->model;
        rc = o->load_model                   ? score_loaded(&u, &log, o, pred, p, r)
             : o->model == SEER_VALUE_BGNBD ? fit_bgnbd(&u, o, pred, p, r)
                                             : fit_mlp(&u, &log, o, pred, p, r);
    }
    if (!rc) rc = check_finite(o, pred, u.n);
    if (!rc) rc = score(&u, pred, o->test_frac == 0 || o->load_model, r);
    if (!rc && o->output) rc = write_users(o->output, &u, &log, pred, p);
    free(pred);
    seer_value_users_free(&u);
    seer_value_log_free(&log);
    return rc;
}
