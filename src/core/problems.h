/* problems.h - the one "collect every problem" accumulator: validation adds
 * each problem it finds and the caller gets them all in one "a; b; c"
 * message. No JSON, so engines may use it as well as the app layer. */
#ifndef ICS_CORE_PROBLEMS_H
#define ICS_CORE_PROBLEMS_H

#include "core/error.h"
#include "core/sb.h"

/* Every problem of one input, in the order found. */
typedef struct problems {
    sb msg;
    int n;
} problems;

/* The message lists the first PROBLEMS_SHOWN problems and then says how
 * many more there were, so a file with a million bad rows answers briefly. */
#define PROBLEMS_SHOWN 20

void problems_init(problems *p);
void problems_add(problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ICS_EINVAL with "a; b; c" when any problem was added, else 0; frees p. */
int problems_done(problems *p, ics_err *e);

#endif
