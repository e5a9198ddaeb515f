/* error.c - filling and naming ics_err values. */
#include "core/error.h"

#include "core/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
    case ICS_ERETRY:
        return "retry";
    case ICS_EDB:
        return "database";
    default:
        return "internal";
    }
}

void ics_retry_pause(int attempt)
{
    static _Thread_local uint64_t seed;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!seed)
        seed = ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&seed ^ 0x9e3779b97f4a7c15u;
    seed ^= seed << 13; /* xorshift64: jitter only, not a statistical generator */
    seed ^= seed >> 7;
    seed ^= seed << 17;
    if (attempt < 1) attempt = 1;
    if (attempt > 6) attempt = 6;
    uint64_t cap_us = 2000u << attempt;
    uint64_t us = 200 + seed % cap_us;
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}
