/* store/waitlist.h - the joint waiting list's storage: PTL and session
 * imports, loading the allocation input, running and storing allocation
 * runs with their fingerprint and per-patient results, and the equity
 * report. Used alike by `icsflow waitlist` and /api/v1/waitlist/. */
#ifndef ICS_STORE_WAITLIST_H
#define ICS_STORE_WAITLIST_H

#include <jansson.h>

#include "core/csv.h"
#include "core/progress.h"
#include "store/store.h"
#include "waitlist/waitlist.h"

/* Import a PTL extract (pathway_id, nhs_number, postcode, trust, tfc,
 * priority, priority_date, clock_start [, procedure, pause_days, clock_stop,
 * status, max_travel_km, imd_quintile, synthetic]) or a session list
 * (site_code, tfc, date, slots [, synthetic]), told apart by the header.
 * Every row is checked first; any bad row rejects the document, and
 * *errors (new reference) lists each problem as {file, line, column,
 * reason}. Rows are inserted or, for a known (trust, pathway_id) or
 * (site_code, tfc, date), updated. Runs inside the caller's transaction.
 * *summary: {file, kind, rows, inserted, updated}. */
int store_waitlist_import(store *s, const csv_doc *doc, const char *source, json_t **summary,
                          json_t **errors, ics_err *e);

/* Parse run options {as_of, horizon_days, tfc, travel_per_km, away_penalty,
 * late_penalty, per_week, prio_base [4], default_max_km, aggregate, threads}
 * (all optional; NULL = defaults). Unknown fields and bad values are all
 * reported in one ICS_EINVAL message. */
typedef struct store_waitlist_opts {
    waitlist_params prm;
    int horizon_days; /* sessions from as_of for this many days [56] */
    int tfc;          /* one specialty only, 0 = all */
} store_waitlist_opts;
int store_waitlist_opts_parse(const json_t *j, store_waitlist_opts *o, ics_err *e);
json_t *store_waitlist_opts_json(const store_waitlist_opts *o);

/* Load the waiting entries and sessions, allocate, and store the run and its
 * per-patient results, inside the caller's transaction. The run is labelled
 * synthetic when synthetic is set or any entry it used is synthetic. *run (new
 * reference) is the run summary as store_waitlist_run_get returns it. */
int store_waitlist_allocate(store *s, const char *actor, const store_waitlist_opts *o,
                            int synthetic, progress_fn progress, void *pctx, json_t **run,
                            ics_err *e);

int store_waitlist_run_get(store *s, int64_t id, json_t **out, ics_err *e);
int store_waitlist_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e);
/* Per-patient results of a run; trust ("" = all) restricts to one trust. */
int store_waitlist_results(store *s, int64_t run, const char *trust, int64_t limit, int64_t offset,
                           json_t **out, ics_err *e);

/* Entries on the joint list with weeks waited at as_of (day). Filters
 * (NULL or "" = any): trust, tfc, priority, place, status. */
typedef struct store_waitlist_filter {
    const char *trust, *tfc, *priority, *place, *status;
} store_waitlist_filter;
int store_waitlist_entries(store *s, const store_waitlist_filter *f, int64_t as_of, int64_t limit,
                           int64_t offset, json_t **out, ics_err *e);
int store_waitlist_entry_get(store *s, int64_t id, int64_t as_of, json_t **out, ics_err *e);
int store_waitlist_sessions(store *s, int64_t from, int64_t limit, int64_t offset, json_t **out,
                            ics_err *e);

/* Equity of waits by "trust", "place" or "imd". run = 0: the current list at
 * as_of ("before" only); otherwise the run's list before it and, "after",
 * without the patients it booked. */
int store_waitlist_equity(store *s, int64_t run, const char *by, int64_t as_of, json_t **out,
                          ics_err *e);

/* Add n synthetic PTL entries and `days` days of sessions (as at as_of). */
int store_waitlist_seed(store *s, size_t n, uint64_t seed, int64_t as_of, int days, ics_err *e);

/* Load the directory reference data the generator needs (caller frees). */
int store_waitlist_refdata(store *s, waitlist_district **d, size_t *nd, waitlist_place **pl,
                           size_t *np, waitlist_site **sites, size_t *nsites, int acute_only,
                           ics_err *e);

#endif
