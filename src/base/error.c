// Thread-local error message store and the code table.
#include "base/error.h"

#include <stdarg.h>
#include <string.h>

#define SAME_CODE(name, code, desc, exit_code) \
    _Static_assert(name == code, #name " differs in seer.h and error.h");
SEER_ERRORS(SAME_CODE)
#undef SAME_CODE

static _Thread_local char message[1024];

// Formatted aside first: a caller that wraps the message found below passes
// seer_error_message() as an argument, and vsnprintf into the buffer it reads is undefined
// (it printed "f:1:1: user: f:1:1: user: e").
int seer_errorf(int code, const char *fmt, ...) {
    char text[sizeof message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memcpy(message, text, sizeof message);
    return code;
}

const char *seer_error_message(void) { return message; }

void seer_error_clear(void) { message[0] = '\0'; }

const char *seer_strerror(int code) {
#define NAME_CASE(name, c, desc, exit_code) \
    case c:                                 \
        return desc;
    switch (code) { SEER_ERRORS(NAME_CASE) }
#undef NAME_CASE
    return "unknown error";
}

int seer_error_exit_code(int code) {
#define EXIT_CASE(name, c, desc, exit_code) \
    case c:                                 \
        return exit_code;
    switch (code) { SEER_ERRORS(EXIT_CASE) }
#undef EXIT_CASE
    return 4;
}
