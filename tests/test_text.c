// The growing text buffer (base/text.c): appends past its room, one append longer
// than all the room there is, and reserve.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

Test(text, appends_grow_the_buffer) {
    seer_text t = {0};
    char want[4096] = "";
    for (int i = 0; i < 300; i++) {
        seer_text_put(&t, "%d,", i);
        snprintf(want + strlen(want), sizeof want - strlen(want), "%d,", i);
    }
    cr_assert(not(t.failed));
    cr_assert(eq(sz, t.n, strlen(want)));
    cr_assert(eq(str, t.s, want));
    free(t.s);
}

// One append longer than the buffer's first size: measured, then written whole.
Test(text, one_long_append) {
    seer_text t = {0};
    seer_text_put(&t, "[");
    char *big = malloc(5001);
    memset(big, 'x', 5000);
    big[5000] = '\0';
    seer_text_put(&t, "%s]", big);
    cr_assert(eq(sz, t.n, 5002));
    cr_assert(eq(chr, t.s[0], '['));
    cr_assert(eq(chr, t.s[5000], 'x'));
    cr_assert(eq(str, t.s + 5001, "]"));
    free(big);
    free(t.s);
}

Test(text, reserve_makes_room_for_the_nul_too) {
    seer_text t = {0};
    seer_text_reserve(&t, 1000);
    cr_assert(ge(sz, t.cap, 1001));
    cr_assert(eq(sz, t.n, 0));
    size_t cap = t.cap;
    seer_text_put(&t, "%0999d", 7);   // exactly 999 bytes: no growth
    cr_assert(eq(sz, t.cap, cap));
    cr_assert(eq(sz, t.n, 999));
    free(t.s);
}

// Bytes as they are, a NUL among them: the text after it stays, and the end is NUL'd.
Test(text, add_takes_bytes_with_nuls) {
    seer_text t = {0};
    seer_text_add(&t, "ab\0cd", 5);
    seer_text_put(&t, "%d", 7);
    cr_assert(eq(sz, t.n, 6));
    cr_assert(eq(int, memcmp(t.s, "ab\0cd7", 7), 0));   // the 7th byte is the closing NUL
    free(t.s);
}

// A CSV field: plain text as it is; a comma, a quote, CR or LF put it in quotes, each quote
// doubled (RFC 4180).
Test(text, csv_fields_quoted_only_when_they_must_be) {
    static const char *cases[][2] = {
        {"", ""},
        {"user 7", "user 7"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
        {"\"", "\"\"\"\""},
        {"tab\there;semi", "tab\there;semi"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[64] = {0};
        FILE *f = fmemopen(buf, sizeof buf - 1, "w");
        cr_assert(f != NULL);
        seer_csv_field_write(f, cases[i][0]);
        fclose(f);
        cr_assert(eq(str, buf, (char *)cases[i][1]), "field %zu: [%s]", i, buf);
    }
}
