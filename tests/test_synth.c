// Tests of the demo data generator: determinism, the CSV layout, the history
// counters against a recount from the rows, and that the label carries signal.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "seer/synth.h"

#define HEADER                                                                               \
    "event_time,user_id,user_age,user_region,user_device,user_tenure_days,item_id,"         \
    "item_category,item_brand,item_price,discount_pct,hour,user_views_category_30d,"        \
    "user_carts_category_30d,user_purchases_30d,session_position,purchased,revenue"
#define NFIELDS 18
#define WINDOW (30 * 86400L)

// One parsed row; age -1 when missing.
typedef struct {
    long time, user, age, category, price, discount, hour, views, carts, purchases, position;
    long purchased, revenue;
    int region_missing;
} row;

typedef struct {
    row *rows;
    size_t n;
    char header[512];
} dataset;

static char dir[64];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_synth_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert(eq(int, system(cmd), 0));
}

static void small_config(seer_synth_config *c, uint64_t seed) {
    seer_synth_defaults(c);
    c->users = 500;
    c->items = 200;
    c->sessions = 3000;
    c->seed = seed;
}

// Writes the world of c into dir/name; returns the path (static).
static const char *write_config(const char *name, const seer_synth_config *c, size_t *rows) {
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = seer_synth_write(path, c, rows);
    cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
    return path;
}

static const char *write_small(const char *name, uint64_t seed, size_t *rows) {
    seer_synth_config c;
    small_config(&c, seed);
    return write_config(name, &c, rows);
}

// The signal tests need more rows than the small world has: about 39000.
static const char *write_medium(const char *name, size_t *rows) {
    seer_synth_config c;
    seer_synth_defaults(&c);
    c.users = 2000;
    c.items = 500;
    c.sessions = 10000;
    c.seed = 7;
    return write_config(name, &c, rows);
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "%s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert(buf != NULL);
    cr_assert(eq(sz, fread(buf, 1, (size_t)n, f), (size_t)n));
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

// "12.34" as 1234.
static long cents(const char *s) {
    const char *dot = strchr(s, '.');
    cr_assert(dot && strlen(dot) == 3, "not a 2-decimal amount: '%s'", s);
    return strtol(s, NULL, 10) * 100 + strtol(dot + 1, NULL, 10);
}

// Index of name in names (n), added when new.
static long intern(char names[][32], size_t *n, const char *name) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0) return (long)i;
    cr_assert(n[0] < 64 && strlen(name) < 32);
    strcpy(names[*n], name);
    return (long)(*n)++;
}

// Parses the file, checking that every row has NFIELDS fields.
static dataset parse(const char *path) {
    size_t len;
    char *buf = read_all(path, &len);
    dataset d = {0};
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    d.rows = calloc(lines, sizeof *d.rows);
    cr_assert(d.rows != NULL);
    char categories[64][32];
    size_t n_categories = 0;

    char *save = NULL;
    char *line = strtok_r(buf, "\n", &save);
    cr_assert(line != NULL);
    snprintf(d.header, sizeof d.header, "%s", line);
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *field[NFIELDS + 1];
        size_t nf = 0;
        for (char *p = line;; p++) {
            if (nf <= NFIELDS) field[nf] = p;
            nf++;
            p = strchr(p, ',');
            if (!p) break;
            *p = '\0';
        }
        cr_assert(eq(sz, nf, NFIELDS), "row %zu: %zu fields", d.n + 1, nf);
        row *r = &d.rows[d.n++];
        r->time = strtol(field[0], NULL, 10);
        cr_assert(field[1][0] == 'u' && strlen(field[1]) == 7, "user id '%s'", field[1]);
        r->user = strtol(field[1] + 1, NULL, 10);
        r->age = field[2][0] ? strtol(field[2], NULL, 10) : -1;
        r->region_missing = field[3][0] == '\0';
        cr_assert(field[6][0] == 'i' && strlen(field[6]) == 6, "item id '%s'", field[6]);
        r->category = intern(categories, &n_categories, field[7]);
        r->price = cents(field[9]);
        r->discount = strtol(field[10], NULL, 10);
        r->hour = strtol(field[11], NULL, 10);
        r->views = strtol(field[12], NULL, 10);
        r->carts = strtol(field[13], NULL, 10);
        r->purchases = strtol(field[14], NULL, 10);
        r->position = strtol(field[15], NULL, 10);
        r->purchased = strtol(field[16], NULL, 10);
        r->revenue = cents(field[17]);
    }
    free(buf);
    return d;
}

// Purchase rate of the rows where keep(row, arg) holds; count in *n.
static double rate_where(const dataset *d, int (*keep)(const row *, long), long arg, size_t *n) {
    size_t k = 0, bought = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!keep(&d->rows[i], arg)) continue;
        k++;
        bought += (size_t)d->rows[i].purchased;
    }
    *n = k;
    return k ? (double)bought / (double)k : 0;
}

// z statistic of rate a (n_a rows) above rate b (n_b rows), pooled variance.
static double z_above(double a, size_t n_a, double b, size_t n_b) {
    double p = (a * (double)n_a + b * (double)n_b) / (double)(n_a + n_b);
    return (a - b) / sqrt(p * (1 - p) * (1.0 / (double)n_a + 1.0 / (double)n_b));
}

static int any(const row *r, long unused) { return r && !unused; }
static int discounted(const row *r, long yes) { return (r->discount > 0) == yes; }
static int price_at_most(const row *r, long cap) { return r->price <= cap; }
static int price_at_least(const row *r, long floor) { return r->price >= floor; }

static int compare_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

TestSuite(synth, .init = make_dir, .fini = remove_dir);

Test(synth, deterministic) {
    size_t rows_a, rows_b, rows_c, len_a, len_b, len_c;
    char *a = read_all(write_small("a.csv", 7, &rows_a), &len_a);
    char *b = read_all(write_small("b.csv", 7, &rows_b), &len_b);
    char *c = read_all(write_small("c.csv", 8, &rows_c), &len_c);
    cr_assert(eq(sz, rows_a, rows_b));
    cr_assert(eq(sz, len_a, len_b));
    cr_assert(eq(int, memcmp(a, b, len_a), 0), "same seed, different bytes");
    cr_assert(len_a != len_c || memcmp(a, c, len_a) != 0, "different seeds, same bytes");
    free(a);
    free(b);
    free(c);
}

Test(synth, header) {
    size_t rows;
    dataset d = parse(write_small("h.csv", 7, &rows));
    cr_assert(eq(str, d.header, HEADER));
    cr_assert(eq(str, d.header, SEER_SYNTH_HEADER));
    cr_assert(eq(sz, d.n, rows), "rows_written disagrees with the file");
    cr_assert(rows > 3000 * 2 && rows < 3000 * 8, "%zu rows for 3000 sessions", rows);
    free(d.rows);
}

Test(synth, row_values) {
    size_t rows;
    dataset d = parse(write_small("v.csv", 7, &rows));
    for (size_t i = 0; i < d.n; i++) {
        const row *r = &d.rows[i];
        if (i > 0)
            cr_assert(r->time >= d.rows[i - 1].time, "event_time decreases at row %zu", i + 1);
        cr_assert(eq(long, r->hour, r->time / 3600 % 24), "row %zu", i + 1);
        cr_assert(r->user >= 0 && r->user < 500);
        cr_assert(r->age == -1 || (r->age >= 18 && r->age <= 100));
        cr_assert(r->price > 0);
        cr_assert(r->discount >= 0 && r->discount <= 50);
        cr_assert(r->position >= 1);
        if (r->position > 1) cr_assert(eq(long, d.rows[i - 1].position, r->position - 1));
        cr_assert(r->purchased == 0 || r->purchased == 1);
        // Revenue is zero exactly when nothing was bought, else the discounted price.
        long paid = (r->price * (100 - r->discount) + 50) / 100;
        cr_assert(eq(long, r->revenue, r->purchased ? paid : 0), "row %zu", i + 1);
        cr_assert(r->purchased == 0 || r->revenue > 0, "row %zu", i + 1);
    }
    free(d.rows);
}

Test(synth, missing_values) {
    size_t rows, no_age = 0, no_region = 0;
    dataset d = parse(write_small("m.csv", 7, &rows));
    for (size_t i = 0; i < d.n; i++) {
        no_age += d.rows[i].age < 0;
        no_region += (size_t)d.rows[i].region_missing;
    }
    cr_assert(no_age > 0 && no_age < d.n / 10, "%zu of %zu ages missing", no_age, d.n);
    cr_assert(no_region > 0 && no_region < d.n / 10, "%zu of %zu regions missing", no_region, d.n);
    free(d.rows);
}

// The counters are recounted from the earlier rows of a 30-day window: they
// must match exactly, which also shows that the current label is not in them.
Test(synth, history_counters) {
    size_t rows;
    dataset d = parse(write_small("c.csv", 7, &rows));
    size_t nonzero = 0;
    for (size_t i = 0; i < d.n; i++) {
        const row *r = &d.rows[i];
        long views = 0, bought_category = 0, bought = 0;
        for (size_t j = i; j-- > 0 && d.rows[j].time + WINDOW > r->time;) {
            const row *p = &d.rows[j];
            if (p->user != r->user) continue;
            bought += p->purchased;
            if (p->category != r->category) continue;
            views++;
            bought_category += p->purchased;
        }
        cr_assert(eq(long, r->views, views), "row %zu", i + 1);
        cr_assert(eq(long, r->purchases, bought), "row %zu", i + 1);
        cr_assert(r->carts >= bought_category && r->carts <= views, "row %zu", i + 1);
        nonzero += r->views > 0;
    }
    cr_assert(nonzero > d.n / 20, "only %zu rows with a view history", nonzero);
    free(d.rows);
}

Test(synth, purchase_rate) {
    size_t rows, n;
    dataset d = parse(write_small("p.csv", 7, &rows));
    double rate = rate_where(&d, any, 0, &n);
    cr_assert(ge(dbl, rate, 0.03));
    cr_assert(le(dbl, rate, 0.25));
    free(d.rows);
}

// With a random label, each comparison would pass about once in 1000 seeds;
// with the real one z is about 17 (discount) and 6 (price) for this seed.
Test(synth, discount_raises_purchases) {
    size_t rows, n_on, n_off;
    dataset d = parse(write_medium("d.csv", &rows));
    double on = rate_where(&d, discounted, 1, &n_on);
    double off = rate_where(&d, discounted, 0, &n_off);
    cr_assert(n_on > 2000, "only %zu discounted rows", n_on);
    cr_assert(gt(dbl, z_above(on, n_on, off, n_off), 3.0),
              "rate %.4f with a discount, %.4f without", on, off);
    free(d.rows);
}

Test(synth, price_lowers_purchases) {
    size_t rows, n_low, n_high;
    dataset d = parse(write_medium("q.csv", &rows));
    long *price = malloc(d.n * sizeof *price);
    cr_assert(price != NULL);
    for (size_t i = 0; i < d.n; i++) price[i] = d.rows[i].price;
    qsort(price, d.n, sizeof *price, compare_long);
    long q1 = price[d.n / 4], q3 = price[d.n * 3 / 4];
    free(price);
    double low = rate_where(&d, price_at_most, q1, &n_low);
    double high = rate_where(&d, price_at_least, q3, &n_high);
    cr_assert(gt(dbl, z_above(low, n_low, high, n_high), 3.0),
              "rate %.4f in the bottom price quartile, %.4f in the top", low, high);
    free(d.rows);
}

Test(synth, missing_directory) {
    char path[128];
    snprintf(path, sizeof path, "%s/no_such_dir/out.csv", dir);
    seer_synth_config c;
    small_config(&c, 7);
    size_t rows = 99;
    int rc = seer_synth_write(path, &c, &rows);
    cr_assert(eq(int, rc, SEER_EIO));
    cr_assert(strstr(seer_error_message(), "no_such_dir") != NULL, "%s", seer_error_message());
    cr_assert(eq(sz, rows, 0));
    struct stat st;
    cr_assert(stat(path, &st) != 0, "a file was left at %s", path);
}

Test(synth, bad_config) {
    char path[128];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    seer_synth_config c;
    small_config(&c, 7);
    c.users = 0;
    cr_assert(eq(int, seer_synth_write(path, &c, NULL), SEER_EINVAL));
    small_config(&c, 7);
    c.items = 0;
    cr_assert(eq(int, seer_synth_write(path, &c, NULL), SEER_EINVAL));
    small_config(&c, 7);
    c.sessions = 0;
    cr_assert(eq(int, seer_synth_write(path, &c, NULL), SEER_EINVAL));
    struct stat st;
    cr_assert(stat(path, &st) != 0, "a file was left at %s", path);
}

Test(synth, defaults) {
    seer_synth_config c;
    seer_synth_defaults(&c);
    cr_assert(eq(sz, c.users, 20000));
    cr_assert(eq(sz, c.items, 5000));
    cr_assert(eq(sz, c.sessions, 200000));
    cr_assert(eq(u64, c.seed, 1));
}
