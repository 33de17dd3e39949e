// Dates of a log as days since 1970-01-01, and the horizon's length. Only the day counts: all
// the records of a user on one day are one transaction, so a time of day is read past, not used.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "seer/value.h"

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
static int32_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// n digits of s as a number, or -1.
static int digits(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int seer_value_date_parse(const char *s, size_t len, int32_t *day) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = -1, m = -1, d = -1;
    size_t end = 0;
    if (len >= 8 && digits(s, 8) >= 0) {  // YYYYMMDD
        y = digits(s, 4), m = digits(s + 4, 2), d = digits(s + 6, 2);
        end = 8;
    } else if (len >= 10 && s[4] == '-' && s[7] == '-') {  // YYYY-MM-DD
        y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
        end = 10;
    }
    // A time may follow an ISO date ("T12:00:00Z", " 12:00"); nothing may follow YYYYMMDD's
    // digits but such a time either.
    int tail_ok = end == len || (end && (s[end] == 'T' || s[end] == ' '));
    if (y < 1 || m < 1 || m > 12 || d < 1 || !tail_ok ||
        d > mdays[m - 1] + (m == 2 && leap(y)))
        return seer_errorf(SEER_EDATA, "'%.*s' is not a date (YYYYMMDD or YYYY-MM-DD)",
                           (int)(len > 40 ? 40 : len), s);
    *day = days_from_civil(y, m, d);
    return SEER_OK;
}

int seer_value_horizon_parse(const char *s, int32_t *days) {
    char *end;
    long v = strtol(s, &end, 10);
    int unit = end[0] == 'w' ? 7 : end[0] == 'd' ? 1 : 0;
    if (end == s || s[0] == '-' || s[0] == '+' || !unit || end[1] || v <= 0 ||
        v > 36525 || v * unit > 36525)
        return seer_errorf(SEER_EINVAL, "--horizon '%s' is not a whole number of weeks or days "
                           "above 0 and within 100 years (39w, 273d)", s);
    *days = (int32_t)(v * unit);
    return SEER_OK;
}
