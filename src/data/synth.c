// The demo data generator: a small simulated shop, written as one CSV row per
// item shown to a user (the columns are listed in synth.h).
//
// The world: users with a hidden taste vector, spending power and propensity
// to buy; items with a category, brand, price and Zipf popularity; 90 days of
// sessions in time order. Each shown item is viewed, perhaps added to the cart,
// perhaps bought. It does not model returns, stock, or prices changing in time.
//
// Key decision: the label comes from a hidden logistic model whose strongest
// terms are interactions a linear model cannot express: taste . item vector,
// where the taste is partly a function of age, region and device and the item
// vector partly a function of the category (so the interaction is learnable
// from columns, and better from ids); the item's price against a spending power
// that depends non-linearly on age, region, device and tenure; a discount that
// matters more to small spenders; an hour-of-day curve. A user propensity and
// per-row noise bound the achievable AUC (an MLP gets about 0.82).
//
// The history counters are exact 30-day windows over past rows. Rows enter a
// FIFO in time order and all expire after the same 30 days, so expiry order is
// insertion order: one global queue suffices, and memory holds only the window.
// Prices are integer cents, so revenue is exact. Every random draw comes from
// one seer_rng in a fixed order, so a seed fixes the file byte for byte.
#include "seer/synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/rng.h"
#include "base/search.h"

enum {
    TASTE_DIMS = 8,
    N_CATEGORIES = 30,
    N_REGIONS = 12,
    N_DEVICES = 3,
    N_BRANDS = 300,
    DAYS = 90,
    WINDOW_SECONDS = 30 * 86400,
    MAX_SHOWN = 8,
    // The id formats "u%06zu" and "i%05zu" keep a fixed width up to these.
    MAX_USERS = 1000000,
    MAX_ITEMS = 100000,
    MAX_SESSIONS = 100000000,
};

// Hidden model constants. The first group shapes the label (see the file
// header); the rest the data. Tuned on the default world (seed 1, 80/20 split
// in time): purchase rate 9.9%, test AUC 0.77 for logistic regression on the
// columns (ids and revenue dropped), 0.82 for gradient boosting and for an MLP
// with embeddings. The row noise and the user propensity set that ceiling.
static const double LOGIT_BIAS = -4.3;
static const double W_AFFINITY = 0.85;     // taste . item vector / sqrt(TASTE_DIMS)
static const double W_PRICE = 1.0;         // softplus of log(price paid / spending power)
static const double W_DISCOUNT = 0.035;    // per discount percent, for a median spender
static const double W_VIEWS = 0.1;         // log1p(views of this category in 30 days)
static const double W_CARTS = 0.3;         // log1p(carts of this category in 30 days)
static const double W_PURCHASES = 0.1;     // log1p(purchases in 30 days)
static const double W_POSITION = -0.08;    // per session position after the first
static const double W_FIRST = 0.3;         // the first item shown, often what the user came for
static const double W_AGE_CURVE = -0.25;   // times ((age - 40) / 13)^2: the middle-aged buy most
static const double W_NEW_USER = -0.4;     // times exp(-tenure / 60 days): new users buy less
static const double SD_PROPENSITY = 0.7;   // per user, seen only through the id
static const double SD_NOISE = 1.6;        // per row
static const double SD_TASTE_GROUP = 0.9;  // taste loadings of age, region and device
static const double SD_TASTE_OWN = 0.5;    // the user's own part of the taste
static const double SD_SPEND_OWN = 0.4;    // the user's own part of log spending power
static const double CART_SHIFT = 1.3;      // carts are this much likelier (logit) than buys

static const double TASTE_SHOWN = 0.4;     // share of shown items picked by taste
static const double ZIPF_EXPONENT = 1.1;
static const double ZIPF_OFFSET = 5.0;     // weight (rank + offset)^-exponent
static const double DISCOUNT_SHARE = 0.15;

static const char *const category_names[N_CATEGORIES] = {
    "electronics", "phones",   "computers", "audio",    "cameras",     "gaming",
    "books",       "music",    "movies",    "toys",     "baby",        "fashion_women",
    "fashion_men", "shoes",    "jewelry",   "watches",  "beauty",      "health",
    "sports",      "outdoors", "garden",    "home",     "kitchen",     "furniture",
    "tools",       "automotive", "pets",    "grocery",  "office",      "crafts",
};
// Median list price of each category, in currency units.
static const double category_price[N_CATEGORIES] = {
    150, 300, 600, 80, 350, 60, 15, 12, 15, 25, 30, 45, 45, 70, 90,
    150, 20,  18,  40, 60, 35, 30, 40, 250, 50, 45, 25, 8,  20, 15,
};
// Relative share of the catalogue.
static const double category_share[N_CATEGORIES] = {
    4, 2, 2, 3, 1, 3, 8, 3, 3, 5, 3, 8, 6, 5, 3, 2, 6, 4, 4, 3, 3, 5, 5, 2, 3, 3, 3, 4, 2, 2,
};

static const char *const region_names[N_REGIONS] = {
    "US", "GB", "DE", "FR", "IN", "BR", "CA", "JP", "ES", "IT", "AU", "NL",
};
static const double region_share[N_REGIONS] = {30, 14, 11, 9, 8, 7, 5, 5, 4, 3, 2, 2};
static const double region_spend[N_REGIONS] = {
    0.3, 0.2, 0.2, 0.1, -0.9, -0.6, 0.2, 0.25, -0.15, -0.1, 0.25, 0.25,
};

static const char *const device_names[N_DEVICES] = {"mobile", "desktop", "tablet"};
static const double device_share[N_DEVICES] = {60, 30, 10};
static const double device_spend[N_DEVICES] = {-0.15, 0.15, 0.25};
static const double device_logit[N_DEVICES] = {-0.15, 0.2, 0.05};

// Sessions started per hour of the day, relative; and the purchase logit by hour.
static const double hour_share[24] = {
    2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4,
};
static const double hour_logit[24] = {
    -0.3, -0.4, -0.5, -0.5, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.0,  0.05,
    0.15, 0.1,  0.0,  0.0,  0.0,  0.05, 0.15, 0.3,  0.4,  0.4, 0.3, 0.0,
};
// Sessions by weekday (day 0 is a Monday), relative.
static const double weekday_share[7] = {1.0, 0.95, 0.95, 1.0, 1.05, 1.2, 1.25};
// Items shown per session: 1 to MAX_SHOWN, relative; the mean is about 3.9.
static const double shown_share[MAX_SHOWN] = {10, 18, 20, 17, 13, 10, 7, 5};
// Discounts in percent, drawn uniformly when an item is on sale.
enum { N_DISCOUNT_VALUES = 10 };
static const int discount_values[N_DISCOUNT_VALUES] = {5, 10, 10, 15, 20, 20, 25, 30, 40, 50};

enum { USER_AGE_MISSING = 1, USER_REGION_MISSING = 2 };

// The columns of one row that are not properties of the user or the item.
typedef struct {
    uint32_t time;
    uint32_t tenure;  // days since sign-up
    int hour, position, discount, purchased;
    uint32_t views, carts, purchases;
} row;

// One row remembered for the 30-day counters.
typedef struct {
    uint32_t time;
    uint32_t user;
    uint8_t category;
    uint8_t carted;
    uint8_t purchased;
} event;

typedef struct {
    size_t n_users, n_items;
    // users (U = n_users)
    float *taste;            // (U, TASTE_DIMS)
    float *log_spend;        // (U) log of spending power in currency units
    float *propensity;       // (U)
    uint8_t *age;            // (U) the true age, also when not written
    uint8_t *region;         // (U)
    uint8_t *device;         // (U)
    uint8_t *missing;        // (U) USER_*_MISSING bits
    uint16_t *tenure;        // (U) days since sign-up at time 0
    double *user_cdf;        // (U) cumulative activity, for drawing a session's user
    // items (I = n_items)
    float *item_vec;         // (I, TASTE_DIMS)
    float *quality;          // (I) brand and item effect on the logit
    uint32_t *price_cents;   // (I)
    uint8_t *category;       // (I)
    uint16_t *brand;         // (I)
    double *popularity;      // (I) how often the item is shown, relative
    double *item_cdf;        // (I) cumulative popularity
    uint32_t *by_category;   // (I) item indices grouped by category
    double *by_category_cdf; // (I) cumulative popularity within each group
    size_t category_start[N_CATEGORIES + 1];  // group c is [start[c], start[c + 1])
    float category_vec[N_CATEGORIES][TASTE_DIMS];
    float category_logit[N_CATEGORIES];
    // history
    uint32_t *views;         // (U, N_CATEGORIES) in the last 30 days
    uint32_t *carts;         // (U, N_CATEGORIES)
    uint32_t *purchases;     // (U)
    event *queue;            // ring of the last 30 days of rows, oldest at head
    size_t queue_cap, queue_head, queue_len;
} world;

static void world_free(world *w) {
    SEER_FREE_ALL(w->taste, w->log_spend, w->propensity, w->age, w->region, w->device,
                  w->missing, w->tenure, w->user_cdf, w->item_vec, w->quality, w->price_cents,
                  w->category, w->brand, w->popularity, w->item_cdf, w->by_category,
                  w->by_category_cdf, w->views, w->carts, w->purchases, w->queue);
    memset(w, 0, sizeof *w);
}

static int world_alloc(world *w, size_t users, size_t items) {
    memset(w, 0, sizeof *w);
    w->n_users = users;
    w->n_items = items;
    w->taste = calloc(users * TASTE_DIMS, sizeof *w->taste);
    w->log_spend = calloc(users, sizeof *w->log_spend);
    w->propensity = calloc(users, sizeof *w->propensity);
    w->age = calloc(users, 1);
    w->region = calloc(users, 1);
    w->device = calloc(users, 1);
    w->missing = calloc(users, 1);
    w->tenure = calloc(users, sizeof *w->tenure);
    w->user_cdf = calloc(users, sizeof *w->user_cdf);
    w->item_vec = calloc(items * TASTE_DIMS, sizeof *w->item_vec);
    w->quality = calloc(items, sizeof *w->quality);
    w->price_cents = calloc(items, sizeof *w->price_cents);
    w->category = calloc(items, 1);
    w->brand = calloc(items, sizeof *w->brand);
    w->popularity = calloc(items, sizeof *w->popularity);
    w->item_cdf = calloc(items, sizeof *w->item_cdf);
    w->by_category = calloc(items, sizeof *w->by_category);
    w->by_category_cdf = calloc(items, sizeof *w->by_category_cdf);
    w->views = calloc(users * N_CATEGORIES, sizeof *w->views);
    w->carts = calloc(users * N_CATEGORIES, sizeof *w->carts);
    w->purchases = calloc(users, sizeof *w->purchases);
    w->queue_cap = 1024;
    w->queue = calloc(w->queue_cap, sizeof *w->queue);
    if (!w->taste || !w->log_spend || !w->propensity || !w->age || !w->region || !w->device ||
        !w->missing || !w->tenure || !w->user_cdf || !w->item_vec || !w->quality ||
        !w->price_cents || !w->category || !w->brand || !w->popularity || !w->item_cdf ||
        !w->by_category || !w->by_category_cdf || !w->views || !w->carts || !w->purchases ||
        !w->queue) {
        world_free(w);
        return seer_errorf(SEER_ENOMEM, "synth: out of memory for %zu users and %zu items",
                           users, items);
    }
    return SEER_OK;
}

// Index of a draw from the relative weights w (n), by linear scan (n is small).
static size_t draw_weighted(seer_rng *r, const double *w, size_t n) {
    double total = 0;
    for (size_t i = 0; i < n; i++) total += w[i];
    double x = seer_rng_uniform(r) * total;
    for (size_t i = 0; i + 1 < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

// Index of a draw from the cumulative weights cdf (n), by binary search.
static size_t draw_cdf(seer_rng *r, const double *cdf, size_t n) {
    return seer_cdf_index(cdf, n, seer_rng_uniform(r) * cdf[n - 1]);
}

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

static double softplus(double x) { return x > 30 ? x : log1p(exp(x)); }

static double dot(const float *a, const float *b) {
    double s = 0;
    for (int k = 0; k < TASTE_DIMS; k++) s += (double)a[k] * b[k];
    return s;
}

// Draws the users: demographics, then the hidden taste and spending power
// as functions of them plus individual noise.
static void make_users(world *w, seer_rng *r) {
    float age_load[TASTE_DIMS], age2_load[TASTE_DIMS];
    float region_load[N_REGIONS][TASTE_DIMS], device_load[N_DEVICES][TASTE_DIMS];
    for (int k = 0; k < TASTE_DIMS; k++) {
        age_load[k] = (float)(SD_TASTE_GROUP * seer_rng_normal(r));
        age2_load[k] = (float)(0.5 * SD_TASTE_GROUP * seer_rng_normal(r));
    }
    for (int g = 0; g < N_REGIONS; g++)
        for (int k = 0; k < TASTE_DIMS; k++)
            region_load[g][k] = (float)(SD_TASTE_GROUP * seer_rng_normal(r));
    for (int d = 0; d < N_DEVICES; d++)
        for (int k = 0; k < TASTE_DIMS; k++)
            device_load[d][k] = (float)(0.7 * SD_TASTE_GROUP * seer_rng_normal(r));

    double activity_total = 0;
    for (size_t u = 0; u < w->n_users; u++) {
        int age = (int)lround(clamp(37 + 13 * seer_rng_normal(r), 18, 85));
        int region = (int)draw_weighted(r, region_share, N_REGIONS);
        int device = (int)draw_weighted(r, device_share, N_DEVICES);
        double tenure = clamp(-450 * log(1 - seer_rng_uniform(r)), 0, 3650);
        w->age[u] = (uint8_t)age;
        w->region[u] = (uint8_t)region;
        w->device[u] = (uint8_t)device;
        w->tenure[u] = (uint16_t)tenure;
        if (seer_rng_uniform(r) < 0.03) w->missing[u] |= USER_AGE_MISSING;
        if (seer_rng_uniform(r) < 0.02) w->missing[u] |= USER_REGION_MISSING;

        double a = (age - 40) / 13.0;
        float *taste = w->taste + u * TASTE_DIMS;
        for (int k = 0; k < TASTE_DIMS; k++)
            taste[k] = (float)(age_load[k] * a + age2_load[k] * (a * a - 1) +
                               region_load[region][k] + device_load[device][k] +
                               SD_TASTE_OWN * seer_rng_normal(r));
        // Spending peaks in middle age and grows with tenure.
        w->log_spend[u] = (float)(log(60.0) + 0.35 * a - 0.35 * a * a + region_spend[region] +
                                  device_spend[device] + 0.15 * log1p(tenure / 365) +
                                  SD_SPEND_OWN * seer_rng_normal(r));
        w->propensity[u] = (float)(SD_PROPENSITY * seer_rng_normal(r));
        // Heavy-tailed activity, a little higher for long-standing users.
        activity_total += exp(1.2 * seer_rng_normal(r) + 0.1 * log1p(tenure / 365));
        w->user_cdf[u] = activity_total;
    }
    // Centre the tastes (weighted as sessions will draw users), so that taste . item
    // vector is a pure interaction: no category is liked by everyone, and the price
    // effect is not masked by a world where the dear categories happen to be popular.
    double mean[TASTE_DIMS] = {0};
    for (size_t u = 0; u < w->n_users; u++) {
        double weight = w->user_cdf[u] - (u > 0 ? w->user_cdf[u - 1] : 0);
        for (int k = 0; k < TASTE_DIMS; k++) mean[k] += weight * w->taste[u * TASTE_DIMS + k];
    }
    for (size_t u = 0; u < w->n_users; u++)
        for (int k = 0; k < TASTE_DIMS; k++)
            w->taste[u * TASTE_DIMS + k] -= (float)(mean[k] / activity_total);
}

// Draws the categories, brands and items, and builds the popularity tables.
static void make_items(world *w, seer_rng *r) {
    for (int c = 0; c < N_CATEGORIES; c++) {
        for (int k = 0; k < TASTE_DIMS; k++) w->category_vec[c][k] = (float)seer_rng_normal(r);
        w->category_logit[c] = (float)(0.3 * seer_rng_normal(r));
    }
    float brand_quality[N_BRANDS], brand_premium[N_BRANDS];
    for (int b = 0; b < N_BRANDS; b++) {
        brand_quality[b] = (float)(0.35 * seer_rng_normal(r));
        brand_premium[b] = (float)(0.3 * brand_quality[b] + 0.25 * seer_rng_normal(r));
    }
    // Brand b belongs to category b % N_CATEGORIES; a few items carry any brand.
    const int brands_per_category = N_BRANDS / N_CATEGORIES;

    size_t n = w->n_items;
    size_t count[N_CATEGORIES] = {0};
    for (size_t i = 0; i < n; i++) {
        int c = i < N_CATEGORIES ? (int)i : (int)draw_weighted(r, category_share, N_CATEGORIES);
        int b = seer_rng_uniform(r) < 0.85
                    ? c + N_CATEGORIES * (int)seer_rng_below(r, brands_per_category)
                    : (int)seer_rng_below(r, N_BRANDS);
        double price = category_price[c] * exp(brand_premium[b] + 0.4 * seer_rng_normal(r));
        w->category[i] = (uint8_t)c;
        w->brand[i] = (uint16_t)b;
        w->price_cents[i] = (uint32_t)lround(clamp(price, 0.99, 50000) * 100);
        w->quality[i] = (float)(brand_quality[b] + 0.3 * seer_rng_normal(r));
        float *v = w->item_vec + i * TASTE_DIMS;
        for (int k = 0; k < TASTE_DIMS; k++)
            v[k] = (float)(w->category_vec[c][k] + 0.5 * seer_rng_normal(r));
        count[c]++;
    }

    // Popularity: a random rank per item (Fisher-Yates), Zipf-Mandelbrot weights.
    uint32_t *rank = w->by_category;  // scratch until the grouping below
    for (size_t i = 0; i < n; i++) rank[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = seer_rng_below(r, i + 1);
        uint32_t t = rank[i];
        rank[i] = rank[j];
        rank[j] = t;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        w->popularity[i] = pow(rank[i] + ZIPF_OFFSET, -ZIPF_EXPONENT);
        total += w->popularity[i];
        w->item_cdf[i] = total;
    }

    w->category_start[0] = 0;
    for (int c = 0; c < N_CATEGORIES; c++)
        w->category_start[c + 1] = w->category_start[c] + count[c];
    size_t fill[N_CATEGORIES];
    memcpy(fill, w->category_start, sizeof fill);
    for (size_t i = 0; i < n; i++) w->by_category[fill[w->category[i]]++] = (uint32_t)i;
    for (int c = 0; c < N_CATEGORIES; c++) {
        double s = 0;
        for (size_t j = w->category_start[c]; j < w->category_start[c + 1]; j++) {
            s += w->popularity[w->by_category[j]];
            w->by_category_cdf[j] = s;
        }
    }
}

// Appends a row to the 30-day history and counts it, doubling the ring when full.
static int history_push(world *w, event e) {
    if (w->queue_len == w->queue_cap) {
        size_t cap = w->queue_cap * 2;
        event *q = malloc(cap * sizeof *q);
        if (!q) return seer_errorf(SEER_ENOMEM, "synth: out of memory for the 30-day history");
        for (size_t j = 0; j < w->queue_len; j++)
            q[j] = w->queue[(w->queue_head + j) & (w->queue_cap - 1)];
        free(w->queue);
        w->queue = q;
        w->queue_cap = cap;
        w->queue_head = 0;
    }
    w->queue[(w->queue_head + w->queue_len) & (w->queue_cap - 1)] = e;
    w->queue_len++;
    size_t uc = (size_t)e.user * N_CATEGORIES + e.category;
    w->views[uc]++;
    w->carts[uc] += e.carted;
    w->purchases[e.user] += e.purchased;
    return SEER_OK;
}

// Forgets the rows from 30 days or more before now.
static void history_expire(world *w, uint32_t now) {
    while (w->queue_len > 0) {
        const event *e = &w->queue[w->queue_head];
        if ((uint64_t)e->time + WINDOW_SECONDS > now) break;
        size_t uc = (size_t)e->user * N_CATEGORIES + e->category;
        w->views[uc]--;
        w->carts[uc] -= e->carted;
        w->purchases[e->user] -= e->purchased;
        w->queue_head = (w->queue_head + 1) & (w->queue_cap - 1);
        w->queue_len--;
    }
}

// Picks the items shown in one session of user u into items (MAX_SHOWN), no
// item twice: a share by the user's taste over categories, the rest by global
// popularity. Returns how many (at least 1).
static size_t draw_shown(const world *w, seer_rng *r, size_t u, uint32_t *items) {
    size_t n = 1 + draw_weighted(r, shown_share, MAX_SHOWN);
    double category_w[N_CATEGORIES];
    int have_category_w = 0;
    size_t k = 0;
    for (size_t tries = 0; k < n && tries < 4 * n; tries++) {
        size_t i = 0, lo = 0, m = 0;
        if (seer_rng_uniform(r) < TASTE_SHOWN) {
            if (!have_category_w) {
                for (int c = 0; c < N_CATEGORIES; c++) {
                    int empty = w->category_start[c + 1] == w->category_start[c];
                    double a = dot(w->taste + u * TASTE_DIMS, w->category_vec[c]);
                    category_w[c] = empty ? 0 : exp(a / sqrt(TASTE_DIMS));
                }
                have_category_w = 1;
            }
            size_t c = draw_weighted(r, category_w, N_CATEGORIES);
            lo = w->category_start[c];
            m = w->category_start[c + 1] - lo;
        }
        if (m > 0) i = w->by_category[lo + draw_cdf(r, w->by_category_cdf + lo, m)];
        else i = draw_cdf(r, w->item_cdf, w->n_items);
        int seen = 0;
        for (size_t j = 0; j < k; j++) seen |= items[j] == i;
        if (!seen) items[k++] = (uint32_t)i;
    }
    return k;
}

// The hidden purchase logit of user u, item i and the row x, before the row's noise.
static double purchase_logit(const world *w, size_t u, size_t i, const row *x) {
    double a = (w->age[u] - 40) / 13.0;
    double affinity = dot(w->taste + u * TASTE_DIMS, w->item_vec + i * TASTE_DIMS);
    double paid = w->price_cents[i] * (100 - x->discount) / 1e4;
    double over_budget = log(paid) - w->log_spend[u];
    // A discount counts about twice as much for a user spending half the median, half as
    // much for one spending twice the median.
    double thrift = exp(clamp(log(60.0) - w->log_spend[u], -0.7, 0.7));
    return LOGIT_BIAS + w->category_logit[w->category[i]] + w->quality[i] + w->propensity[u] +
           W_AFFINITY * affinity / sqrt(TASTE_DIMS) -
           W_PRICE * softplus(1.5 * over_budget) / 1.5 + W_DISCOUNT * x->discount * thrift +
           hour_logit[x->hour] + device_logit[w->device[u]] + W_VIEWS * log1p(x->views) +
           W_CARTS * log1p(x->carts) + W_PURCHASES * log1p(x->purchases) +
           W_POSITION * (x->position - 1) + W_FIRST * (x->position == 1) +
           W_AGE_CURVE * a * a + W_NEW_USER * exp(-(double)x->tenure / 60);
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void write_row(FILE *f, const world *w, size_t u, size_t i, const row *x) {
    uint32_t price = w->price_cents[i];
    uint32_t revenue = x->purchased ? (price * (uint32_t)(100 - x->discount) + 50) / 100 : 0;
    fprintf(f, "%u,u%06zu,", x->time, u);
    if (!(w->missing[u] & USER_AGE_MISSING)) fprintf(f, "%d", w->age[u]);
    fputc(',', f);
    if (!(w->missing[u] & USER_REGION_MISSING)) fputs(region_names[w->region[u]], f);
    fprintf(f, ",%s,%u,i%05zu,%s,brand_%03d,%u.%02u,%d,%d,%u,%u,%u,%d,%d,%u.%02u\n",
            device_names[w->device[u]], x->tenure, i, category_names[w->category[i]], w->brand[i],
            price / 100, price % 100, x->discount, x->hour, x->views, x->carts, x->purchases,
            x->position, x->purchased, revenue / 100, revenue % 100);
}

// Simulates the sessions that start at the given times (sorted), writing their rows.
static int simulate_sessions(world *w, seer_rng *r, FILE *f, const uint32_t *starts, size_t n,
                             size_t *rows) {
    for (size_t s = 0; s < n; s++) {
        uint32_t items[MAX_SHOWN];
        row x = {.time = starts[s], .hour = (int)(starts[s] / 3600 % 24)};
        history_expire(w, x.time);
        size_t u = draw_cdf(r, w->user_cdf, w->n_users);
        x.tenure = w->tenure[u] + x.time / 86400;
        size_t shown = draw_shown(w, r, u, items);
        for (size_t k = 0; k < shown; k++) {
            size_t i = items[k];
            int c = w->category[i];
            x.position = (int)k + 1;
            x.views = w->views[u * N_CATEGORIES + c];
            x.carts = w->carts[u * N_CATEGORIES + c];
            x.purchases = w->purchases[u];
            x.discount = 0;
            if (seer_rng_uniform(r) < DISCOUNT_SHARE)
                x.discount = discount_values[seer_rng_below(r, N_DISCOUNT_VALUES)];
            double z = purchase_logit(w, u, i, &x) + SD_NOISE * seer_rng_normal(r);
            // One uniform for both steps, so that every purchase was carted first.
            double p_buy = 1 / (1 + exp(-z)), p_cart = 1 / (1 + exp(-(z + CART_SHIFT)));
            double y = seer_rng_uniform(r);
            x.purchased = y < p_buy;
            write_row(f, w, u, i, &x);
            event e = {x.time, (uint32_t)u, (uint8_t)c, y < p_cart, (uint8_t)x.purchased};
            int rc = history_push(w, e);
            if (rc != SEER_OK) return rc;
            (*rows)++;
        }
    }
    return SEER_OK;
}

void seer_synth_defaults(seer_synth_config *c) {
    c->users = 20000;
    c->items = 5000;
    c->sessions = 200000;
    c->seed = 1;
}

int seer_synth_write(const char *path, const seer_synth_config *c, size_t *rows_written) {
    if (rows_written) *rows_written = 0;
    if (c->users == 0 || c->users > MAX_USERS)
        return seer_errorf(SEER_EINVAL, "synth: users must be 1 to %d, not %zu", MAX_USERS,
                           c->users);
    if (c->items == 0 || c->items > MAX_ITEMS)
        return seer_errorf(SEER_EINVAL, "synth: items must be 1 to %d, not %zu", MAX_ITEMS,
                           c->items);
    if (c->sessions == 0 || c->sessions > MAX_SESSIONS)
        return seer_errorf(SEER_EINVAL, "synth: sessions must be 1 to %d, not %zu",
                           MAX_SESSIONS, c->sessions);

    // Sessions per day: day d starts with session first[d], weekends busier.
    size_t first[DAYS + 1], most = 0;
    double day_total = 0;
    for (int d = 0; d < DAYS; d++) day_total += weekday_share[d % 7];
    double cum = 0;
    for (int d = 0; d <= DAYS; d++) {
        first[d] = d == DAYS ? c->sessions : (size_t)((double)c->sessions * cum / day_total);
        if (d < DAYS) cum += weekday_share[d % 7];
        if (d > 0 && first[d] - first[d - 1] > most) most = first[d] - first[d - 1];
    }

    world w;
    int rc = world_alloc(&w, c->users, c->items);
    if (rc != SEER_OK) return rc;
    uint32_t *starts = malloc((most + 1) * sizeof *starts);
    if (!starts) {
        world_free(&w);
        return seer_errorf(SEER_ENOMEM, "synth: out of memory for %zu sessions a day", most);
    }
    seer_rng r;
    seer_rng_init(&r, c->seed);
    make_users(&w, &r);
    make_items(&w, &r);

    seer_atomic_file a;
    rc = seer_atomic_open(&a, path);
    size_t rows = 0;
    if (rc == SEER_OK) fputs(SEER_SYNTH_HEADER "\n", a.f);
    for (int d = 0; d < DAYS && rc == SEER_OK; d++) {
        size_t n = first[d + 1] - first[d];
        for (size_t s = 0; s < n; s++) {
            uint32_t hour = (uint32_t)draw_weighted(&r, hour_share, 24);
            starts[s] = (uint32_t)d * 86400 + hour * 3600 + (uint32_t)seer_rng_below(&r, 3600);
        }
        qsort(starts, n, sizeof *starts, compare_u32);
        rc = simulate_sessions(&w, &r, a.f, starts, n, &rows);
    }
    if (rc == SEER_OK) rc = seer_atomic_commit(&a);
    else if (a.f) seer_atomic_abort(&a);
    free(starts);
    world_free(&w);
    if (rc == SEER_OK && rows_written) *rows_written = rows;
    return rc;
}
