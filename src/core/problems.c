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
    if (p->n++ >= PROBLEMS_SHOWN) return;
    va_list ap;
    if (p->msg.len) sb_puts(&p->msg, "; ");
    va_start(ap, fmt);
    sb_vprintf(&p->msg, fmt, ap);
    va_end(ap);
}

int problems_done(problems *p, ics_err *e)
{
    if (p->n > PROBLEMS_SHOWN) sb_printf(&p->msg, "; and %d more", p->n - PROBLEMS_SHOWN);
    int rc = !p->n ? 0
             : p->msg.oom
                 ? ics_err_set(e, ICS_EINVAL, "%d problems (out of memory to list them)", p->n)
                 : ics_err_set(e, ICS_EINVAL, "%s", p->msg.buf);
    sb_free(&p->msg);
    p->n = 0;
    return rc;
}
