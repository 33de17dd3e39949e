// Tests of the ends of the online learner's partial steps (serve/step_ends.h): recorded ends
// read back in order past a snapshot's position, a torn or damaged entry cutting the file
// there (the ends before it kept), entries out of order, and forgetting what a snapshot
// covers, with and without ends still ahead.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "serve/step_ends.h"
#include "tmpdir.h"

static char dir[64], file[96];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_step_ends_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(file, sizeof file, "%s/steps", dir);
}

static void remove_dir(void) { remove_tree(dir); }

TestSuite(step_ends, .init = make_dir, .fini = remove_dir);

static off_t file_size(void) {
    struct stat st;
    cr_assert(eq(int, stat(file, &st), 0));
    return st.st_size;
}

// Opens dir's ends after covered and checks they are exactly want[0 .. n).
static void expect_ends(uint64_t covered, const uint64_t *want, size_t n) {
    seer_step_ends s;
    cr_assert(eq(int, seer_step_ends_open(&s, dir, covered), SEER_OK), "%s",
              seer_error_message());
    uint64_t at = covered;
    for (size_t i = 0; i < n; i++) {
        at = seer_step_ends_after(&s, at);
        cr_assert(eq(u64, at, want[i]), "end %zu", i);
    }
    cr_assert(eq(u64, seer_step_ends_after(&s, at), 0), "no end after the last");
    seer_step_ends_close(&s);
}

static void record(const uint64_t *ends, size_t n) {
    seer_step_ends s;
    cr_assert(eq(int, seer_step_ends_open(&s, dir, 0), SEER_OK));
    for (size_t i = 0; i < n; i++) cr_assert(eq(int, seer_step_ends_add(&s, ends[i]), SEER_OK));
    seer_step_ends_close(&s);
}

Test(step_ends, read_back_in_order_past_the_snapshot) {
    const uint64_t ends[] = {10, 61, 66, 105};
    record(ends, 4);
    cr_assert(eq(i64, (long long)file_size(), 64));
    expect_ends(0, ends, 4);
    expect_ends(61, ends + 2, 2);
    expect_ends(105, NULL, 0);
    // after() passes what lies behind: a step from 62 on ends at 66.
    seer_step_ends s;
    cr_assert(eq(int, seer_step_ends_open(&s, dir, 0), SEER_OK));
    cr_assert(eq(u64, seer_step_ends_after(&s, 62), 66));
    cr_assert(eq(u64, seer_step_ends_after(&s, 66), 105));
    seer_step_ends_close(&s);
}

Test(step_ends, a_torn_tail_is_cut_and_appends_follow_the_last_whole_entry) {
    const uint64_t ends[] = {3, 9};
    record(ends, 2);
    int fd = open(file, O_WRONLY | O_APPEND);
    cr_assert(eq(int, (int)write(fd, "\x11\x22\x33\x44\x55\x66\x77", 7), 7));
    close(fd);
    seer_step_ends s;
    cr_assert(eq(int, seer_step_ends_open(&s, dir, 0), SEER_OK));
    cr_assert(eq(i64, (long long)file_size(), 32), "the torn bytes cut off");
    cr_assert(eq(int, seer_step_ends_add(&s, 20), SEER_OK));
    seer_step_ends_close(&s);
    const uint64_t want[] = {3, 9, 20};
    expect_ends(0, want, 3);
}

Test(step_ends, a_damaged_entry_loses_the_ends_from_it_on) {
    const uint64_t ends[] = {3, 9, 20};
    record(ends, 3);
    int fd = open(file, O_RDWR);
    cr_assert(eq(int, (int)pwrite(fd, "\xff", 1, 17), 1));  // the second entry's seq
    close(fd);
    expect_ends(0, ends, 1);
    cr_assert(eq(i64, (long long)file_size(), 16));
}

Test(step_ends, entries_out_of_order_end_the_reading) {
    const uint64_t ends[] = {30, 9, 40};
    record(ends, 3);
    expect_ends(0, ends, 1);
}

Test(step_ends, forgetting_what_a_snapshot_covers) {
    const uint64_t ends[] = {10, 61, 66, 105};
    record(ends, 4);
    seer_step_ends s;
    // A snapshot at 61 in the middle of a replay: 66 and 105 are still ahead.
    cr_assert(eq(int, seer_step_ends_open(&s, dir, 0), SEER_OK));
    cr_assert(eq(u64, seer_step_ends_after(&s, 0), 10));
    cr_assert(eq(int, seer_step_ends_forget(&s, 61), SEER_OK));
    cr_assert(eq(i64, (long long)file_size(), 32));
    cr_assert(eq(u64, seer_step_ends_after(&s, 61), 66));
    cr_assert(eq(int, seer_step_ends_add(&s, 120), SEER_OK), "appends after the rewrite");
    seer_step_ends_close(&s);
    const uint64_t want[] = {66, 105, 120};
    expect_ends(0, want, 3);
    // A snapshot that holds every step: the file emptied.
    cr_assert(eq(int, seer_step_ends_open(&s, dir, 0), SEER_OK));
    cr_assert(eq(int, seer_step_ends_forget(&s, 120), SEER_OK));
    cr_assert(eq(u64, seer_step_ends_after(&s, 0), 0));
    seer_step_ends_close(&s);
    cr_assert(eq(i64, (long long)file_size(), 0));
}

Test(step_ends, an_unwritable_directory_is_an_error_naming_the_file) {
    seer_step_ends s;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
    cr_assert(eq(int, seer_step_ends_open(&s, missing, 0), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), "no/such/dir/steps"), NULL), "%s",
              seer_error_message());
}
