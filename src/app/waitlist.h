/* app/waitlist.h - use cases of the joint waiting list and hub allocation:
 * read the list (organisation-bound roles see their own trust), import PTL
 * extracts and session lists, generate a synthetic PTL, run an optimal
 * allocation (stored with its input fingerprint), and the equity report. */
#ifndef ICS_APP_WAITLIST_H
#define ICS_APP_WAITLIST_H

#include <jansson.h>

#include "app/app.h"
#include "app/limits.h"
#include "core/csv.h"
#include "core/sb.h"
#include "store/waitlist.h"
#include "waitlist/waitlist.h"

extern const app_use APP_WAITLIST_ENTRY_READ; /* the PTL and one entry (own trust for trust_ops) */
extern const app_use APP_WAITLIST_IMPORT;     /* "waitlist.import" */
extern const app_use APP_WAITLIST_SESSION_READ; /* theatre sessions */
extern const app_use APP_WAITLIST_ALLOCATE;     /* "waitlist.allocate" */
extern const app_use APP_WAITLIST_RUN_READ;     /* runs */
extern const app_use APP_WAITLIST_RESULT_READ;  /* per-patient results (own trust for trust_ops) */
extern const app_use APP_WAITLIST_EQUITY;       /* the equity report */
extern const app_use APP_WAITLIST_GENERATE;     /* a synthetic PTL (reads the directory) */

/* Today in Europe/London at time now. */
int64_t app_waitlist_today(int64_t now);

/* Entries with weeks waited and due date at as_of. trust_ops users see
 * their own trust only: another trust asked for is ICS_EFORBID. */
int app_waitlist_entry_list(app_ctx *c, const store_waitlist_filter *f, int64_t as_of,
                            int64_t limit, int64_t offset, json_t **out, ics_err *e);
/* The same page as the API's JSON text, written row by row (app/page.h):
 * {items, total, limit, offset, as_of, next_after[, next]}; next is
 * next_base (ending in "after=", NULL for none) with the cursor. The page
 * is read in a snapshot and its read audited, with the ids it held, before
 * it is handed back (app_read_audited). */
int app_waitlist_entry_page(app_ctx *c, const store_waitlist_filter *f, int64_t as_of,
                            int64_t limit, int64_t offset, const char *next_base, char **text,
                            size_t *len, ics_err *e);
int app_waitlist_entry_get(app_ctx *c, int64_t id, int64_t as_of, json_t **out, ics_err *e);
/* Theatre sessions on or after day from: {items, total, total_slots, limit,
 * offset, from, next_after[, next]}; after (0: none) is the previous
 * page's next_after (a session id), next is next_base (ending in
 * "after=", NULL for none) with the cursor, when the page is full. */
int app_waitlist_session_list(app_ctx *c, int64_t from, int64_t limit, int64_t offset,
                              int64_t after, const char *next_base, json_t **out, ics_err *e);

/* Import PTL extracts (pathway_id, nhs_number, postcode, trust, tfc,
 * priority, priority_date, clock_start [, procedure, pause_days,
 * clock_stop, status, max_travel_km, imd_quintile, synthetic]) or session
 * lists (site_code, tfc, date, slots [, synthetic]), told apart by the
 * header, all in one transaction: every row is checked first and any bad
 * row rejects everything, *errors (new reference) listing each problem as
 * {file, line, column, reason}. Known (trust, pathway_id) or (site_code,
 * tfc, date) rows are updated. source NULL: each file's name. One audit
 * record and one `waitlist.imported` event per file. *summaries: an array
 * of {file, kind, rows, inserted, updated}. */
int app_waitlist_import(app_ctx *c, csv_doc *const *docs, size_t ndocs, const char *source,
                        json_t **summaries, json_t **errors, ics_err *e);

/* Run options {as_of, horizon_days, tfc, travel_per_km, away_penalty,
 * late_penalty, per_week, prio_base [4], default_max_km, aggregate,
 * threads} (all optional; NULL = defaults, as of today). Unknown fields
 * and bad values are all reported in one ICS_EINVAL message. */
typedef struct app_waitlist_opts {
    waitlist_params prm;
    int horizon_days; /* sessions from as_of for this many days [56] */
    int tfc;          /* one specialty only, 0 = all */
} app_waitlist_opts;
int app_waitlist_opts_parse(const json_t *j, int64_t now, app_waitlist_opts *o, ics_err *e);
json_t *app_waitlist_opts_json(const app_waitlist_opts *o);

/* Role, then the options. */
int app_waitlist_allocate_check(app_ctx *c, const json_t *opts, app_waitlist_opts *o, ics_err *e);
/* Load the waiting entries and sessions, refuse (ICS_EINVAL) an input over
 * the limits (patients x sites x 2 arcs), allocate outside any transaction,
 * then store the run, its per-patient results, one audit record and one
 * `waitlist.allocated` event in one transaction. *run: the run summary. */
int app_waitlist_allocate_exec(app_ctx *c, const app_waitlist_opts *o, const app_run_hook *hook,
                               json_t **run, ics_err *e);
int app_waitlist_allocate(app_ctx *c, const json_t *opts, const app_run_hook *hook, json_t **run,
                          ics_err *e);
/* The arcs an allocation of n patients over nsites sites may build. */
double app_waitlist_arcs(size_t n, size_t nsites);

int app_waitlist_run_list(app_ctx *c, int64_t limit, int64_t offset, json_t **rows, ics_err *e);
int app_waitlist_run_get(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* The booking list of a run (its per-patient results): who is booked into
 * which hub session, who is left waiting, with the patient's NHS number,
 * priority, weeks waited, travel km, cost components and whether an urgent
 * patient is overdue. Filters as given by the caller (NULL: any): trust
 * (ODS), hub (site code), tfc (3 digits), booked and overdue ("true" or
 * "false"); every bad one is reported (ICS_EINVAL). trust_ops users see
 * their own trust only. Each read is audited once ("read.waitlist_results"). */
typedef struct app_waitlist_booking_query {
    const char *trust, *hub, *tfc, *booked, *overdue;
    int64_t after; /* keyset: the entry id of the last row of the previous page */
} app_waitlist_booking_query;
/* A page {run, as_of, synthetic, items, total, limit, offset, next_after
 * [, next]}: next is next_base (ending in "after=", NULL for none) with
 * the cursor, when the page is full. Read in a snapshot and audited
 * before it is handed back (app_read_audited), as is the CSV below. */
int app_waitlist_results(app_ctx *c, int64_t run, const app_waitlist_booking_query *q,
                         int64_t limit, int64_t offset, const char *next_base, json_t **out,
                         ics_err *e);
/* The same list as CSV (RFC 4180, CRLF, header APP_WAITLIST_BOOKING_COLUMNS):
 * limit 0 = every row from offset / after on. *rows: data rows written. */
int app_waitlist_results_csv(app_ctx *c, int64_t run, const app_waitlist_booking_query *q,
                             int64_t limit, int64_t offset, sb *out, int64_t *rows, ics_err *e);
/* The CSV's columns, NULL-terminated: the JSON items' keys, in order. */
extern const char *const APP_WAITLIST_BOOKING_COLUMNS[];
/* Overdue: an urgent patient (P1 or P2) still waiting after the clinically
 * due day, priority date + 3 (P1) or 28 (P2) days; days overdue = day -
 * due day. Sets overdue and days_overdue on an entry or result row that
 * has priority and priority_date. */
void app_waitlist_overdue_set(json_t *row, int64_t day);
/* Equity of waits by "trust", "place" or "imd" (NULL: trust). run = 0: the
 * current list at as_of ("before" only); otherwise the run's list before
 * it and, "after", without the patients it booked. */
/* Patients on the list who had waited 52 weeks or more on day (the
 * equity report's over_52, summed), counted without loading the list. */
int app_waitlist_over52(app_ctx *c, int64_t day, int64_t *n, ics_err *e);
int app_waitlist_equity(app_ctx *c, int64_t run, const char *by, int64_t as_of, json_t **out,
                        ics_err *e);

/* A synthetic PTL of n entries as at as_of and, when sessions is set,
 * `days` days of theatre sessions with capacity share x n slots. */
typedef struct app_waitlist_synth {
    waitlist_gen_entry *g;
    size_t n;
    waitlist_session *ss;
    size_t nss;
    waitlist_site *sites;
    size_t nsites;
} app_waitlist_synth;
int app_waitlist_generate(app_ctx *c, size_t n, uint64_t seed, int64_t as_of, int sessions,
                          int days, double capacity, app_waitlist_synth *out, ics_err *e);
void app_waitlist_synth_free(app_waitlist_synth *s);

#endif
