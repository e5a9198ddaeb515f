/* tz.c - Europe/London calendar arithmetic (see tz.h).
 *
 * Civil-from-days and days-from-civil follow Howard Hinnant's public-domain
 * algorithms ("chrono-compatible low-level date algorithms"). */
#include "core/tz.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t tz_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int tz_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (ISO 3). */
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int64_t last_sunday(int y, int m)
{
    int last = m == 3 ? 31 : 31; /* March and October both have 31 days */
    int64_t d = tz_days_from_civil(y, m, last);
    return d - ((tz_weekday(d) + 1) % 7);
}

/* BST start and end instants for a year (both 01:00 UTC). */
static void bst_bounds(int y, int64_t *start, int64_t *end)
{
    *start = last_sunday(y, 3) * 86400 + 3600;
    *end = last_sunday(y, 10) * 86400 + 3600;
}

int tz_is_bst(int64_t t)
{
    int y, m, d;
    tz_civil_from_days(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y, &m, &d);
    int64_t s, e;
    bst_bounds(y, &s, &e);
    return t >= s && t < e;
}

static void split(int64_t t, tz_local *o)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    tz_civil_from_days(days, &o->year, &o->month, &o->day);
    o->hour = (int)(secs / 3600);
    o->min = (int)(secs / 60 % 60);
    o->sec = (int)(secs % 60);
    o->wday = tz_weekday(days);
    o->date = days;
}

void tz_to_local(int64_t t, tz_local *out)
{
    int off = tz_is_bst(t) ? 60 : 0;
    split(t + off * 60, out);
    out->offset_min = off;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int check_fields(int y, int mo, int d, int h, int mi, int s, ics_err *e)
{
    if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return ics_err_set(e, ICS_EINVAL, "%04d-%02d-%02d is not a calendar date", y, mo, d);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return ics_err_set(e, ICS_EINVAL, "%02d:%02d:%02d is not a time of day", h, mi, s);
    return 0;
}

int tz_local_to_utc(int y, int mo, int d, int h, int mi, int s, int64_t *out, ics_err *e)
{
    if (check_fields(y, mo, d, h, mi, s, e)) return ICS_EINVAL;
    int64_t wall = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    /* Try the BST reading first so the autumn overlap resolves to BST. */
    int64_t t = wall - 3600;
    if (tz_is_bst(t)) {
        *out = t;
        return 0;
    }
    t = wall;
    if (!tz_is_bst(t)) {
        *out = t;
        return 0;
    }
    return ics_err_set(e, ICS_EINVAL,
                       "%04d-%02d-%02d %02d:%02d does not exist in London: the clocks go forward "
                       "from 01:00 to 02:00 that night",
                       y, mo, d, h, mi);
}

int tz_parse_date(const char *s, int64_t *days, ics_err *e)
{
    int y, m, d, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[n] != '\0')
        return ics_err_set(e, ICS_EINVAL, "'%s' is not a date in the form YYYY-MM-DD", s ? s : "");
    if (check_fields(y, m, d, 0, 0, 0, e)) return ICS_EINVAL;
    *days = tz_days_from_civil(y, m, d);
    return 0;
}

/* ISO 8601 as tz_parse documents it; a time without an offset is London
 * wall-clock time when local is 1, UTC when it is 0. */
static int parse_iso(const char *s, int local, int64_t *out, ics_err *e)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) goto bad;
    const char *p = s + 10;
    if (*p == '\0' && local) return tz_local_to_utc(y, mo, d, 0, 0, 0, out, e);
    if (*p == '\0') {
        if (check_fields(y, mo, d, 0, 0, 0, e)) return ICS_EINVAL;
        *out = tz_days_from_civil(y, mo, d) * 86400;
        return 0;
    }
    if (*p != 'T' && *p != ' ') goto bad;
    p++;
    if (sscanf(p, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5) goto bad;
    p += 5;
    if (*p == ':') {
        if (sscanf(p + 1, "%2d%n", &sec, &n) != 1 || n != 2) goto bad;
        p += 3;
        if (*p == '.') /* fractional seconds are accepted and dropped */
            for (p++; *p >= '0' && *p <= '9'; p++) {
            }
    }
    if (*p == '\0' && local) return tz_local_to_utc(y, mo, d, h, mi, sec, out, e);
    if (check_fields(y, mo, d, h, mi, sec, e)) return ICS_EINVAL;
    int64_t wall = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0')) {
        *out = wall;
        return 0;
    }
    int oh, om;
    if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
        p[6] == '\0' && oh <= 14 && om < 60) {
        int sign = *p == '+' ? 1 : -1;
        *out = wall - sign * (oh * 3600 + om * 60);
        return 0;
    }
bad:
    return ics_err_set(e, ICS_EINVAL,
                       "'%s' is not an ISO 8601 time (expected e.g. 2026-12-25T03:00 or "
                       "2026-12-25T03:00:00Z)",
                       s ? s : "");
}

int tz_parse(const char *s, int64_t *out, ics_err *e)
{
    return parse_iso(s, 1, out, e);
}

int tz_parse_stored(const char *s, int64_t *out, ics_err *e)
{
    assert(out);
    if (s && (*s == '-' || (*s >= '0' && *s <= '9')) && strchr(s, ':') == NULL &&
        strchr(s + 1, '-') == NULL) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end != s && *end == '\0' && errno == 0) {
            *out = (int64_t)v;
            return 0;
        }
        return ics_err_set(e, ICS_EINVAL, "'%s' is not a stored time", s);
    }
    return parse_iso(s, 0, out, e);
}

int64_t tz_local_date(int64_t t)
{
    tz_local l;
    tz_to_local(t, &l);
    return l.date;
}

void tz_format(int64_t t, char *buf, int n)
{
    tz_local l;
    tz_to_local(t, &l);
    snprintf(buf, (size_t)n, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", l.year, l.month, l.day,
             l.hour, l.min, l.sec, l.offset_min / 60);
}

void tz_format_date(int64_t days, char *buf, int n)
{
    int y, m, d;
    tz_civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)n, "%04d-%02d-%02d", y, m, d);
}

void tz_format_utc(int64_t t, char *buf, int n)
{
    tz_local l;
    split(t, &l);
    snprintf(buf, (size_t)n, "%04d-%02d-%02dT%02d:%02d:%02dZ", l.year, l.month, l.day, l.hour,
             l.min, l.sec);
}

int64_t tz_now(void)
{
    return (int64_t)time(NULL);
}
