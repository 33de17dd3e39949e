// Knowledge tracing's commands beside the recommenders': seer eval of a kt model (AUC over
// every answer of a --format kt file) and seer recommend --target LO-HI (a learner's next
// exercises in a band of predicted success).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rec_cli.h"
#include "seer/kt.h"

int seer_cli_eval_kt(const seer_recommender *r, const char *path, int json) {
    seer_kt_eval_report e;
    int rc = seer_kt_eval(r, path, &e);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (!json) {
        printf("auc         %.5f\naccuracy    %.5f\nlogloss     %.5f\nanswers     %zu of %zu "
               "students (%zu on unknown problems)\n", e.auc, e.accuracy, e.logloss, e.answers,
               e.students, e.unknown_problems);
        return 0;
    }
    printf("{");
    seer_cli_json_number("auc", "%.6f", e.auc, 1);
    seer_cli_json_number("accuracy", "%.6f", e.accuracy, 1);
    seer_cli_json_number("logloss", "%.6f", e.logloss, 1);
    printf("\"answers\":%zu,\"students\":%zu,\"unknown_problems\":%zu,\"unknown_skills\":%zu,",
           e.answers, e.students, e.unknown_problems, e.unknown_skills);
    seer_cli_json_number("seconds", "%.3f", e.seconds, 0);
    printf("}\n");
    return 0;
}

int seer_cli_parse_band(const char *s, double band[2]) {
    char *end;
    band[0] = strtod(s, &end);
    if (end == s || *end != '-')
        return seer_cli_usage("--target: '%s' is not LO-HI (e.g. 0.6-0.8)", s);
    const char *h = end + 1;
    band[1] = strtod(h, &end);
    if (end == h || *end || !(band[0] >= 0 && band[0] <= band[1] && band[1] <= 1))
        return seer_cli_usage("--target: '%s' is not LO-HI with 0 <= LO <= HI <= 1", s);
    return 0;
}

int seer_cli_recommend_kt(const seer_recommender *r, const char *user, size_t k,
                          const double band[2], int json) {
    seer_kt_item *items = malloc(k * sizeof *items);
    if (!items) return seer_cli_fail(seer_errorf(SEER_ENOMEM, "out of memory"));
    size_t n;
    seer_kt_recommend_report rep;
    double t0 = seer_cli_now();
    int rc = seer_kt_recommend(r, user, band[0], band[1], k, items, &n, &rep);
    double secs = seer_cli_now() - t0;
    if (rc != SEER_OK) {
        free(items);
        return seer_cli_fail(rc);
    }
    if (!json) {
        for (size_t i = 0; i < n; i++)
            printf("%zu\t%s\t%.5f\tskill %lu\n", i + 1, items[i].item, (double)items[i].p,
                   items[i].skill);
        fprintf(stderr, "target %g-%g: %zu of %zu problems in the band (%zu answers, %zu "
                "skills mastered: their last 3 answers correct)\n", band[0], band[1],
                rep.in_band, rep.candidates, rep.history, rep.mastered);
    } else {
        printf("{\"user\":");
        seer_cli_json_string(user);
        printf(",\"items\":[");
        for (size_t i = 0; i < n; i++) {
            printf("%s{\"item\":", i ? "," : "");
            seer_cli_json_string(items[i].item);
            printf(",\"score\":%.7g,\"skill\":%lu}", (double)items[i].p, items[i].skill);
        }
        printf("],\"source\":\"history\",\"target\":[%g,%g],\"history\":%zu,"
               "\"mastered_skills\":%zu,\"candidates\":%zu,\"in_band\":%zu,", band[0], band[1],
               rep.history, rep.mastered, rep.candidates, rep.in_band);
        seer_cli_json_number("ms", "%.4f", secs * 1e3, 0);
        printf("}\n");
    }
    free(items);
    return 0;
}
