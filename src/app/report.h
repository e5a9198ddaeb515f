/* app/report.h - the printable reports as use cases: the board pack
 * (system pressure, community beds, UCR, waits and equity, non-elective
 * variation, finance, accountability, priorities; dated, paginated, with
 * sources and "synthetic" marked) and the one-page daily call sheet, which
 * doubles as the printed last-known state when systems are down. Both are
 * PDF bytes drawn by src/report. */
#ifndef ICS_APP_REPORT_H
#define ICS_APP_REPORT_H

#include <stddef.h>

#include "app/app.h"

extern const app_use APP_REPORT_BOARD; /* admin, coordinator, analyst, finance, executive */
extern const app_use APP_REPORT_DAILY; /* the same and trust operations */

/* from/to: 'YYYY-MM-DD' (NULL: the 28 days to today); at most 92 days. */
int app_report_board(app_ctx *c, const char *from, const char *to, unsigned char **pdf, size_t *len,
                     int *pages, ics_err *e);
/* day: 'YYYY-MM-DD' (NULL: today). */
int app_report_daily(app_ctx *c, const char *day, unsigned char **pdf, size_t *len, int *pages,
                     ics_err *e);

#endif
