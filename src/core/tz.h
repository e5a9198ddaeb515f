/* tz.h - time in Europe/London without the C library's global TZ state.
 *
 * icsflow stores every instant as INTEGER seconds since the Unix epoch (UTC)
 * and only this module turns them into text (ISO 8601 "Z" in the API) or
 * back; it shows and interprets local times in Europe/London: GMT, or BST (UTC+1) from 01:00 UTC on
 * the last Sunday of March to 01:00 UTC on the last Sunday of October. Rules
 * are computed, not looked up, so results do not depend on the host's tzdata. */
#ifndef ICS_CORE_TZ_H
#define ICS_CORE_TZ_H

#include <stdint.h>

#include "core/error.h"

typedef struct tz_local {
    int year, month, day; /* month 1..12 */
    int hour, min, sec;
    int wday;       /* 0 = Monday .. 6 = Sunday (ISO) */
    int offset_min; /* 0 in GMT, 60 in BST */
    int64_t date;   /* local calendar day as days since 1970-01-01 */
} tz_local;

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t tz_days_from_civil(int y, int m, int d);
void tz_civil_from_days(int64_t days, int *y, int *m, int *d);
/* ISO weekday of a day number: 0 = Monday. */
int tz_weekday(int64_t days);

/* 1 when instant t falls in British Summer Time. */
int tz_is_bst(int64_t t);
void tz_to_local(int64_t t, tz_local *out);
/* The Europe/London calendar day of instant t, as days since 1970-01-01
 * (the `date` field of tz_to_local). */
int64_t tz_local_date(int64_t t);

/* A London wall-clock time to an instant. In the spring gap (01:00-01:59 on
 * the day the clocks go forward) the time does not exist: ICS_EINVAL. In the
 * autumn overlap (01:00-01:59 happens twice) the first, BST, reading is used. */
int tz_local_to_utc(int y, int mo, int d, int h, int mi, int s, int64_t *out, ics_err *e);

/* Parse ISO 8601: "YYYY-MM-DD" (local midnight), "YYYY-MM-DDTHH:MM[:SS]" in
 * London time, or with "Z" / "+HH:MM" / "-HH:MM" for an explicit offset.
 * A space may stand for the 'T'. */
int tz_parse(const char *s, int64_t *out, ics_err *e);

/* Parse an instant as some version of icsflow stored it in a database:
 * seconds since the epoch as digits, ISO 8601 with "Z" or an offset, or a
 * time without an offset, which is UTC here (SQLite's CURRENT_TIMESTAMP
 * wrote "YYYY-MM-DD HH:MM:SS" in UTC). Used by the migrations that turned
 * every stored instant into INTEGER seconds since the epoch. */
int tz_parse_stored(const char *s, int64_t *out, ics_err *e);

/* Parse a calendar date "YYYY-MM-DD" to a day number. */
int tz_parse_date(const char *s, int64_t *days, ics_err *e);

/* Format as London time with offset: "2026-07-01T14:05:00+01:00" (buf >= 26). */
void tz_format(int64_t t, char *buf, int n);
/* Format a day number as "YYYY-MM-DD" (buf >= 11). */
void tz_format_date(int64_t days, char *buf, int n);
/* Format an instant as UTC "2026-07-01T13:05:00Z" (buf >= 21). */
void tz_format_utc(int64_t t, char *buf, int n);

/* Current time, seconds since the epoch (UTC). */
int64_t tz_now(void);

#endif
