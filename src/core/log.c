/* log.c - stderr logging (see log.h). */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/tz.h"

void ics_log(const char *level, const char *fmt, ...)
{
    char ts[32];
    tz_format_utc(tz_now(), ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fprintf(stderr, "%s %s ", ts, level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}
