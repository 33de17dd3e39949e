// Knowledge tracing as a recommender model (kt_ops.h): reading and mapping the files,
// training, evaluation, and the learner's next exercises in a band of predicted success.
#include "rec/kt_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/sort.h"
#include "data/kt.h"
#include "rec/kt_train.h"

#define MASTERY_RUN 3     // a skill is mastered when its last 3 answers were correct
#define SCORE_CHUNK 256   // candidates scored together

static const char *const net_settings[] = {"maxlen", "blocks", "heads", "dropout"};

int seer_rec_is_kt_model(const seer_rec_model *m) {
    return m->kind == SEER_REC_SASREC && seer_rec_setting_get(m, "kt", 0) == 1.0;
}

static void config_of(const seer_rec_model *m, seer_kt_config *c) {
    memset(c, 0, sizeof *c);
    c->net.dim = (size_t)seer_rec_setting_get(m, "kt_dim", 0);
    c->net.maxlen = (size_t)seer_rec_setting_get(m, net_settings[0], 0);
    c->net.blocks = (size_t)seer_rec_setting_get(m, net_settings[1], 0);
    c->net.heads = (size_t)seer_rec_setting_get(m, net_settings[2], 0);
    c->net.dropout = (float)seer_rec_setting_get(m, net_settings[3], 0);
    c->n_skill = (size_t)seer_rec_setting_get(m, "kt_skills", 0);
    c->n_prob = m->n_items + 1;
}

// A file's answers as table rows: problems through the model's items (unknown: n_items),
// skills by id (unknown: n_skill - 1). rows: prob, skill (d->n each).
static void map_rows(const seer_rec_model *m, const seer_kt_config *c, const seer_kt_data *d,
                     uint32_t *prob, uint32_t *skill, size_t *unknown_p, size_t *unknown_s) {
    char buf[16];
    *unknown_p = *unknown_s = 0;
    for (size_t i = 0; i < d->n; i++) {
        int len = snprintf(buf, sizeof buf, "%u", d->problem[i]);
        long j = seer_idmap_find(&m->items, buf, (size_t)len);
        prob[i] = j < 0 ? (uint32_t)m->n_items : (uint32_t)j;
        *unknown_p += j < 0;
        int known = d->skill[i] < c->n_skill - 1;
        skill[i] = known ? d->skill[i] : (uint32_t)(c->n_skill - 1);
        *unknown_s += !known;
    }
}

static int check_skills(const seer_kt_data *d, const char *path) {
    if (d->max_skill > SEER_KT_SKILL_MAX)
        return seer_errorf(SEER_EDATA, "%s: skill id %u: the most a model takes is %u (its "
                           "tables are by id)", path, d->max_skill, SEER_KT_SKILL_MAX);
    return SEER_OK;
}

// The catalogue (problems in order of first answer), histories and per-answer skills and
// answers of the training file, into m and its parameters.
static int set_data(seer_rec_model *m, const seer_kt_data *d) {
    char buf[16];
    m->hist_off = malloc((d->n_students + 1) * sizeof *m->hist_off);
    m->hist_item = malloc((d->n ? d->n : 1) * sizeof *m->hist_item);
    if (!m->hist_off || !m->hist_item) return seer_errorf(SEER_ENOMEM, "kt: out of memory");
    memcpy(m->hist_off, d->off, (d->n_students + 1) * sizeof *m->hist_off);
    for (size_t i = 0; i < d->n; i++) {
        int len = snprintf(buf, sizeof buf, "%u", d->problem[i]);
        int rc = seer_idmap_add(&m->items, buf, (size_t)len, &m->hist_item[i], NULL);
        if (rc != SEER_OK) return rc;
    }
    m->n_users = m->users.n;
    m->n_items = m->items.n;
    m->pop = calloc(m->n_items, sizeof *m->pop);
    float *sk = seer_rec_param_new(m, "kt_skill", 1, d->n ? d->n : 1);
    float *an = sk ? seer_rec_param_new(m, "kt_answer", 1, d->n ? d->n : 1) : NULL;
    float *is = an ? seer_rec_param_new(m, "kt_item_skill", 1, m->n_items) : NULL;
    uint64_t *pair = malloc((d->n ? d->n : 1) * sizeof *pair);   // (problem, skill)
    if (!m->pop || !is || !pair) {
        free(pair);
        return seer_errorf(SEER_ENOMEM, "kt: out of memory");
    }
    for (size_t i = 0; i < d->n; i++) {
        m->pop[m->hist_item[i]] += 1.0f;
        sk[i] = (float)d->skill[i];
        an[i] = (float)d->answer[i];
        pair[i] = (uint64_t)m->hist_item[i] << 32 | d->skill[i];
    }
    // each problem's most frequent skill (the smaller id on a tie): runs of sorted pairs
    seer_sort_u64(pair, d->n);
    size_t best = 0;
    for (size_t i = 0, j; i < d->n; i = j) {
        for (j = i; j < d->n && pair[j] == pair[i]; j++) {}
        uint32_t item = (uint32_t)(pair[i] >> 32);
        if (i == 0 || (uint32_t)(pair[i - 1] >> 32) != item || j - i > best) {
            best = j - i;
            is[item] = (float)(uint32_t)pair[i];
        }
    }
    free(pair);
    return seer_rec_model_set_history(m);
}

static void options_of(seer_kt_options *k, const seer_rec_train_options *o, size_t n_skill,
                       size_t n_prob) {
    seer_kt_options_default(k, n_skill, n_prob);
    k->net.net.dim = o->dim;
    if (o->maxlen) k->net.net.maxlen = o->maxlen;
    if (o->blocks) k->net.net.blocks = o->blocks;
    if (o->heads) k->net.net.heads = o->heads;
    if (o->dropout > 0) k->net.net.dropout = o->dropout;
    else if (o->dropout < 0) k->net.net.dropout = 0.0f;
    if (o->epochs != SEER_AUTO) k->epochs = o->epochs;
    if (o->batch != SEER_AUTO) k->batch = o->batch;
    if (o->lr != SEER_AUTO_REAL) k->lr = o->lr;
    if (o->patience) k->patience = o->patience;
    k->seed = o->seed;
    k->threads = o->threads;
    k->quiet = o->quiet;
}

// The validation file as rows of m's tables (rows and the data freed by the caller).
static int read_valid(const seer_rec_model *m, const seer_kt_config *c, const char *path,
                      seer_kt_data *v, uint32_t **prob, uint32_t **skill) {
    seer_idmap students;
    seer_idmap_init(&students);
    int rc = seer_kt_read(v, path, &students);
    seer_idmap_free(&students);
    if (rc != SEER_OK) return rc;
    *prob = malloc((v->n ? v->n : 1) * sizeof **prob);
    *skill = malloc((v->n ? v->n : 1) * sizeof **skill);
    if (!*prob || !*skill) return seer_errorf(SEER_ENOMEM, "kt: out of memory for %s", path);
    size_t up, us;
    map_rows(m, c, v, *prob, *skill, &up, &us);
    return SEER_OK;
}

static int train_model(seer_rec_model *m, const seer_rec_train_options *o,
                       const seer_kt_data *d, seer_rec_train_report *r) {
    seer_kt_options k;
    options_of(&k, o, (size_t)d->max_skill + 2, m->n_items + 1);
    int rc = seer_kt_options_check(&k);
    if (rc != SEER_OK) return rc;
    double v[7] = {1.0, (double)k.net.n_skill, (double)k.net.net.dim, (double)k.net.net.maxlen,
                   (double)k.net.net.blocks, (double)k.net.net.heads, k.net.net.dropout};
    const char *names[7] = {"kt", "kt_skills", "kt_dim", net_settings[0], net_settings[1], net_settings[2],
                            net_settings[3]};
    for (int i = 0; i < 7; i++) seer_rec_setting_set(m, names[i], v[i]);
    float *head = seer_rec_param_new(m, "kt", 1, seer_kt_head_size(&k.net));
    float *rest = head ? seer_rec_param_new(m, "sasrec", 1, seer_sasrec_rest_size(&k.net.net))
                       : NULL;
    if (!rest) return SEER_ENOMEM;   // recorded by seer_rec_param_new
    seer_kt_data vd;
    memset(&vd, 0, sizeof vd);
    uint32_t *vp = NULL, *vs = NULL, *tp = m->hist_item, *ts = malloc(d->n * sizeof *ts + 4);
    if (!ts) return seer_errorf(SEER_ENOMEM, "kt: out of memory");
    for (size_t i = 0; i < d->n; i++) ts[i] = d->skill[i];
    if (o->valid) rc = read_valid(m, &k.net, o->valid, &vd, &vp, &vs);
    seer_kt_seqs tr = {d->n_students, d->off, tp, ts, d->answer};
    seer_kt_seqs va = {vd.n_students, vd.off, vp, vs, vd.answer};
    seer_kt_report kr;
    if (rc == SEER_OK) rc = seer_kt_train(head, rest, &k, &tr, &va, &kr);
    free(ts);
    free(vp);
    free(vs);
    seer_kt_free(&vd);
    if (rc != SEER_OK) return rc;
    seer_rec_setting_set(m, "epochs", (double)kr.best_epoch);
    r->epochs = kr.epochs_run;
    r->best_epoch = kr.best_epoch;
    r->valid_metric = o->valid ? kr.valid_auc : NAN;
    r->valid_metric_name = o->valid ? "auc" : "";
    r->seconds_per_epoch = kr.seconds_per_epoch;
    r->flops_per_epoch = kr.flops_per_epoch;
    return SEER_OK;
}

int seer_rec_kt_fit(seer_rec_model *m, const seer_rec_train_options *o, seer_rec_train_report *r) {
    if (m->kind != SEER_REC_SASREC)
        return seer_errorf(SEER_EINVAL, "--format kt trains --model sasrec only (not %s)",
                           seer_rec_kind_names[m->kind]);
    seer_kt_data d;
    int rc = seer_kt_read(&d, o->data, &m->users);
    if (rc != SEER_OK) return rc;
    rc = check_skills(&d, o->data);
    if (rc == SEER_OK) rc = set_data(m, &d);
    if (rc == SEER_OK) {
        m->ops = &seer_rec_kt_ops;
        rc = train_model(m, o, &d, r);
    }
    r->interactions = d.n;
    r->reg = NAN;  // dropout and early stopping regularise it, no penalty
    r->reg_from = "none";
    seer_kt_free(&d);
    return rc;
}

// Views of a loaded or trained model's parts.
typedef struct {
    seer_kt_config c;
    seer_kt_head h;
    seer_sasrec_params p;
    const float *skill, *answer, *item_skill;   // kt_skill, kt_answer, kt_item_skill
} kt_view;

static void view_of(const seer_rec_model *m, kt_view *v) {
    config_of(m, &v->c);
    seer_kt_bind(&v->h, seer_rec_param_get(m, "kt", NULL, NULL), &v->c);
    seer_sasrec_bind(&v->p, NULL, seer_rec_param_get(m, "sasrec", NULL, NULL), &v->c.net);
    v->skill = seer_rec_param_get(m, "kt_skill", NULL, NULL);
    v->answer = seer_rec_param_get(m, "kt_answer", NULL, NULL);
    v->item_skill = seer_rec_param_get(m, "kt_item_skill", NULL, NULL);
}

int seer_rec_kt_eval(const seer_rec_model *m, const char *path, seer_kt_eval_report *out) {
    double t0 = seer_now();
    memset(out, 0, sizeof *out);
    kt_view v;
    view_of(m, &v);
    seer_kt_data d;
    uint32_t *prob = NULL, *skill = NULL;
    int rc = read_valid(m, &v.c, path, &d, &prob, &skill);
    float *p = rc == SEER_OK ? malloc((d.n ? d.n : 1) * sizeof *p) : NULL;
    if (rc == SEER_OK && !p) rc = seer_errorf(SEER_ENOMEM, "kt: out of memory for %s", path);
    if (rc == SEER_OK) {
        map_rows(m, &v.c, &d, prob, skill, &out->unknown_problems, &out->unknown_skills);
        seer_kt_seqs s = {d.n_students, d.off, prob, skill, d.answer};
        rc = seer_kt_predict(seer_rec_param_get(m, "kt", NULL, NULL),
                             seer_rec_param_get(m, "sasrec", NULL, NULL), &v.c, &s, 64, p);
    }
    if (rc == SEER_OK) {
        out->students = d.n_students;
        out->answers = d.n;
        out->auc = seer_kt_auc(p, d.answer, d.n);
        double right = 0.0, ll = 0.0;
        for (size_t i = 0; i < d.n; i++) {
            double q = p[i] < 1e-7f ? 1e-7 : p[i] > 1 - 1e-7f ? 1 - 1e-7 : p[i];
            right += (p[i] >= 0.5f) == (d.answer[i] == 1);
            ll -= d.answer[i] ? log(q) : log(1.0 - q);
        }
        out->accuracy = right / (double)d.n;
        out->logloss = ll / (double)d.n;
        out->seconds = seer_now() - t0;
    }
    free(p);
    free(prob);
    free(skill);
    seer_kt_free(&d);
    return rc;
}

// The user's latest answers, up to maxlen - 1 of them (the candidate takes the last place),
// forward run in k (S 1). Returns the rows.
static size_t run_window(const seer_rec_model *m, const kt_view *v, long user, seer_kt_work *k) {
    size_t a = user >= 0 ? (size_t)m->hist_off[user] : 0;
    size_t b = user >= 0 ? (size_t)m->hist_off[user + 1] : 0;
    if (b - a > v->c.net.maxlen - 1) a = b - (v->c.net.maxlen - 1);
    for (size_t i = a; i < b; i++) {
        k->prob[i - a] = m->hist_item[i];
        k->skill[i - a] = (uint32_t)v->skill[i];
        k->answer[i - a] = v->answer[i] != 0.0f;
    }
    k->w.off[0] = 0;
    k->w.off[1] = (uint32_t)(b - a);
    if (b > a) seer_kt_forward(&v->h, &v->p, &v->c, k, 1, NULL);
    return b - a;
}

// mastered (n_skill): 1 for each skill whose last MASTERY_RUN answers were all correct.
static size_t mastered_skills(const seer_rec_model *m, const kt_view *v, long user,
                              unsigned char *mastered, uint16_t *run) {
    memset(run, 0, v->c.n_skill * sizeof *run);
    for (uint64_t i = m->hist_off[user]; i < m->hist_off[user + 1]; i++) {
        size_t s = (size_t)v->skill[i];
        run[s] = v->answer[i] != 0.0f ? (uint16_t)(run[s] < MASTERY_RUN ? run[s] + 1 : run[s]) : 0;
    }
    size_t n = 0;
    for (size_t s = 0; s < v->c.n_skill; s++) n += (mastered[s] = run[s] >= MASTERY_RUN);
    return n;
}

typedef struct {
    uint32_t item;
    float p, dist;
} pick;

static int cmp_pick(const void *a, const void *b) {
    const pick *x = a, *y = b;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

// Scores every candidate (not seen, skill not mastered) into picks; returns how many fall
// in the band. *scored gets the candidates.
static size_t score_band(const seer_rec_model *m, const kt_view *v, long user,
                         const unsigned char *mastered, seer_kt_work *k, size_t n, float *scratch,
                         double lo, double hi, pick *out, size_t *scored) {
    uint32_t prob[SCORE_CHUNK], skill[SCORE_CHUNK];
    float p[SCORE_CHUNK];
    size_t ns;
    const uint32_t *seen = seer_rec_seen(m, (uint32_t)user, &ns);
    size_t in = 0, at = 0, M = 0;
    *scored = 0;
    for (size_t j = 0; j <= m->n_items; j++) {
        while (at < ns && seen[at] < j) at++;
        if (j < m->n_items && !(at < ns && seen[at] == j) && !mastered[(size_t)v->item_skill[j]]) {
            prob[M] = (uint32_t)j;
            skill[M++] = (uint32_t)v->item_skill[j];
        }
        if (M == SCORE_CHUNK || (j == m->n_items && M)) {
            seer_kt_score_next(p, scratch, &v->h, &v->p, &v->c, k, n, prob, skill, M);
            for (size_t i = 0; i < M; i++)
                if (p[i] >= lo && p[i] <= hi)
                    out[in++] = (pick){prob[i], p[i], fabsf(p[i] - (float)((lo + hi) / 2))};
            *scored += M;
            M = 0;
        }
    }
    return in;
}

int seer_rec_kt_recommend(const seer_rec_model *m, long user, double lo, double hi, size_t k,
                          seer_kt_item *items, size_t *n, seer_kt_recommend_report *rep) {
    memset(rep, 0, sizeof *rep);
    *n = 0;
    kt_view v;
    view_of(m, &v);
    seer_kt_work w;
    int rc = seer_kt_work_init(&w, &v.c, 1, 0);
    if (rc != SEER_OK) return rc;
    float *scratch = malloc(seer_kt_score_scratch(&v.c, SCORE_CHUNK) * sizeof *scratch);
    pick *picks = malloc((m->n_items + 1) * sizeof *picks);
    unsigned char *mastered = malloc(v.c.n_skill);
    uint16_t *run = malloc(v.c.n_skill * sizeof *run);
    if (!scratch || !picks || !mastered || !run) {
        rc = seer_errorf(SEER_ENOMEM, "kt: out of memory for %zu problems", m->n_items);
        goto done;
    }
    rep->history = (size_t)(m->hist_off[user + 1] - m->hist_off[user]);
    rep->mastered = mastered_skills(m, &v, user, mastered, run);
    size_t rows = run_window(m, &v, user, &w);
    rep->in_band = score_band(m, &v, user, mastered, &w, rows, scratch, lo, hi, picks,
                              &rep->candidates);
    qsort(picks, rep->in_band, sizeof *picks, cmp_pick);
    for (size_t i = 0; i < rep->in_band && i < k; i++) {
        items[i].item = seer_idmap_name(&m->items, picks[i].item);
        items[i].skill = (unsigned long)v.item_skill[picks[i].item];
        items[i].p = picks[i].p;
        *n = i + 1;
    }
done:
    free(scratch);
    free(picks);
    free(mastered);
    free(run);
    seer_kt_work_free(&w);
    return rc;
}

// ---- the ops ----------------------------------------------------------------------------------

// Every problem's P(correct) as the user's next answer (no band, nothing left out), for the
// generic calls that reach a kt model; 0.5 everywhere when memory runs out.
static void kt_score_items(const seer_rec_model *m, const seer_rec_query *q, float *scores) {
    kt_view v;
    view_of(m, &v);
    seer_kt_work w;
    float *scratch = malloc(seer_kt_score_scratch(&v.c, SCORE_CHUNK) * sizeof *scratch);
    if (!scratch || seer_kt_work_init(&w, &v.c, 1, 0) != SEER_OK) {
        for (size_t j = 0; j < m->n_items; j++) scores[j] = 0.5f;
        free(scratch);
        return;
    }
    size_t rows = run_window(m, &v, q->user, &w);
    uint32_t prob[SCORE_CHUNK], skill[SCORE_CHUNK];
    for (size_t j = 0; j < m->n_items; j += SCORE_CHUNK) {
        size_t M = m->n_items - j < SCORE_CHUNK ? m->n_items - j : SCORE_CHUNK;
        for (size_t i = 0; i < M; i++) {
            prob[i] = (uint32_t)(j + i);
            skill[i] = (uint32_t)v.item_skill[j + i];
        }
        seer_kt_score_next(scores + j, scratch, &v.h, &v.p, &v.c, &w, rows, prob, skill, M);
    }
    free(scratch);
    seer_kt_work_free(&w);
}

// A loaded model's parts checked against each other before anything reads them.
static int kt_prepare(seer_rec_model *m) {
    kt_view v;
    config_of(m, &v.c);
    seer_kt_options o;
    seer_kt_options_default(&o, v.c.n_skill, v.c.n_prob);
    o.net = v.c;
    int rc = seer_kt_options_check(&o);
    if (rc != SEER_OK)
        return seer_errorf(SEER_EDATA, "kt: the model's settings are invalid: %s",
                           seer_error_message());
    size_t nh = m->hist_off[m->n_users], r, c;
    const char *names[5] = {"kt", "sasrec", "kt_skill", "kt_answer", "kt_item_skill"};
    size_t want[5] = {seer_kt_head_size(&v.c), seer_sasrec_rest_size(&v.c.net), nh ? nh : 1,
                      nh ? nh : 1, m->n_items};
    for (int i = 0; i < 5; i++)
        if (!seer_rec_param_get(m, names[i], &r, &c) || r * c != want[i])
            return seer_errorf(SEER_EDATA, "kt: parameter %s missing or not of %zu values",
                               names[i], want[i]);
    view_of(m, &v);
    for (size_t i = 0; i < nh; i++)   // rows the tables hold, whole numbers, answers 0/1
        if (!(v.skill[i] >= 0 && v.skill[i] < (float)(v.c.n_skill - 1) &&
              v.skill[i] == floorf(v.skill[i]) && (v.answer[i] == 0 || v.answer[i] == 1)))
            return seer_errorf(SEER_EDATA, "kt: answer %zu of the histories is malformed", i);
    for (size_t j = 0; j < m->n_items; j++)
        if (!(v.item_skill[j] >= 0 && v.item_skill[j] < (float)(v.c.n_skill - 1) &&
              v.item_skill[j] == floorf(v.item_skill[j])))
            return seer_errorf(SEER_EDATA, "kt: problem %zu's skill is malformed", j);
    return SEER_OK;
}

const seer_rec_ops seer_rec_kt_ops = {
    .kind = SEER_REC_SASREC,
    .reg_grid = NULL,
    .by_rmse = 0,
    .train = NULL,   // seer_rec_kt_fit: its own files
    .user_vector = NULL,
    .score_items = kt_score_items,
    .prepare = kt_prepare,
    .predict_rating = NULL,
};
