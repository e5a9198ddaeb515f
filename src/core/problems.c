/* problems.c - the problem accumulator (problems.h). */
#include "core/problems.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

void problems_init(problems *p)
{
    assert(p);
    sb_init(&p->msg);
    p->n = 0;
}

void problems_add(problems *p, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (p->n++) sb_puts(&p->msg, "; ");
    sb_puts(&p->msg, buf);
}

int problems_done(problems *p, ics_err *e)
{
    int rc = p->n ? ics_err_set(e, ICS_EINVAL, "%s", p->msg.buf ? p->msg.buf : "invalid") : 0;
    sb_free(&p->msg);
    p->n = 0;
    return rc;
}
