/* error.c - filling and naming ics_err values. */
#include "core/error.h"

#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message may quote input: when it was cut at the buffer's end, drop any
 * half character, then replace every byte that is not UTF-8 so the message
 * is always safe to put in JSON, a log line or a terminal. */
static void tidy(char *msg, int wanted)
{
    size_t n = strlen(msg);
    if (wanted > 0 && (size_t)wanted > n) msg[utf8_clip(msg, n)] = '\0';
    utf8_scrub(msg);
}

int ics_err_set(ics_err *e, int code, const char *fmt, ...)
{
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    tidy(e->msg, n);
    return code;
}

void ics_err_prefix(ics_err *e, const char *fmt, ...)
{
    if (!e) return;
    char pre[256], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t n = strlen(pre);
    if (n >= sizeof e->msg) n = sizeof e->msg - 1;
    memcpy(e->msg, pre, n);
    size_t m = strlen(old);
    if (m > sizeof e->msg - 1 - n) m = sizeof e->msg - 1 - n;
    memcpy(e->msg + n, old, m);
    e->msg[n + m] = '\0';
    tidy(e->msg, (int)(strlen(pre) + strlen(old)));
}

void ics_err_clear(ics_err *e)
{
    if (!e) return;
    e->code = 0;
    e->msg[0] = '\0';
}

const char *ics_err_name(int code)
{
    switch (code) {
    case ICS_OK:
        return "ok";
    case ICS_EINVAL:
        return "invalid";
    case ICS_EBADREQ:
        return "bad-request";
    case ICS_ENOTFOUND:
        return "not-found";
    case ICS_ECONFLICT:
        return "conflict";
    case ICS_EAUTH:
        return "unauthorised";
    case ICS_EFORBID:
        return "forbidden";
    case ICS_ETOOBIG:
        return "too-large";
    case ICS_EIO:
        return "io";
    case ICS_ENOMEM:
        return "out-of-memory";
    case ICS_EBUSY:
        return "busy";
    case ICS_EDB:
        return "database";
    default:
        return "internal";
    }
}
