// A built-in generator of e-commerce behaviour data, so that `seer demo` runs
// end to end without downloading anything.
//
// It simulates users with hidden tastes and budgets being shown items in
// sessions, and writes one CSV row per shown item with the label `purchased`
// drawn from a hidden logistic model. The columns, in order:
//
//   event_time               seconds since the start, non-decreasing; all rows of
//                            one session share their session's start second
//   user_id                  "u000123"
//   user_age                 integer; empty when missing (about 3% of users)
//   user_region              one of 12 country codes, skewed; empty when missing (about 2%)
//   user_device              mobile, desktop or tablet
//   user_tenure_days         days since sign-up at event_time
//   item_id                  "i00042"
//   item_category            one of 30 category names
//   item_brand               "brand_017"
//   item_price               list price, 2 decimals
//   discount_pct             integer 0-50, mostly 0
//   hour                     hour of the day of event_time, 0-23
//   user_views_category_30d  this user's views of this category in the previous 30 days
//   user_carts_category_30d  this user's add-to-carts of this category in the previous 30 days
//   user_purchases_30d       this user's purchases (any category) in the previous 30 days
//   session_position         1-based position of the item in the session
//   purchased                the label, 0 or 1
//   revenue                  item_price * (1 - discount_pct / 100) when purchased, else 0
//
// The three history counters see only rows before the current one (earlier
// positions of the same session included), never the current label. revenue is
// a function of the label: a value target, never a feature for `purchased`.
#ifndef SEER_SYNTH_H
#define SEER_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The header line written by seer_synth_write, without the newline.
#define SEER_SYNTH_HEADER                                                                      \
    "event_time,user_id,user_age,user_region,user_device,user_tenure_days,item_id,"           \
    "item_category,item_brand,item_price,discount_pct,hour,user_views_category_30d,"          \
    "user_carts_category_30d,user_purchases_30d,session_position,purchased,revenue"

typedef struct {
    size_t users;     // users in the world (default 20000)
    size_t items;     // items in the catalogue (default 5000)
    size_t sessions;  // sessions over 90 days; rows are about 4 per session (default 200000)
    uint64_t seed;    // the same seed and sizes give a byte-identical file (default 1)
} seer_synth_config;

void seer_synth_defaults(seer_synth_config *c);

// Simulates the world of c and writes the CSV, header included, to path
// atomically: the file is complete or absent. rows_written (may be NULL) gets
// the number of data rows, 0 on failure. Returns SEER_OK, SEER_EINVAL for a
// zero or oversized count, SEER_ENOMEM, or SEER_EIO; the message is recorded.
int seer_synth_write(const char *path, const seer_synth_config *c, size_t *rows_written);

#ifdef __cplusplus
}
#endif

#endif
