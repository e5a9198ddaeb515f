/* rtt.c - referral-to-treatment clocks and clinical-priority due dates.
 *
 * STANDARDS.md: weeks waited = (today - clock start) / 7, with no deduction
 * for patient-initiated pauses (abolished 1 October 2015); FSSA/RCS surgical
 * prioritisation windows for P1-P4. */
#include "waitlist/waitlist.h"

int waitlist_weeks_waited(int64_t clock_start, int64_t today)
{
    if (today <= clock_start) return 0;
    int64_t w = (today - clock_start) / 7;
    return w > 100000 ? 100000 : (int)w;
}

int waitlist_priority_days(int priority)
{
    switch (priority) {
    case 1:
        return 3; /* P1b: within 72 hours (P1a, 24 hours, is emergency care) */
    case 2:
        return 28;
    case 3:
        return 91; /* three months */
    default:
        return -1;
    }
}

int64_t waitlist_due_day(int priority, int64_t priority_date)
{
    int d = waitlist_priority_days(priority);
    return d < 0 ? INT64_MAX : priority_date + d;
}
