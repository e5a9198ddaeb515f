/* store/waitlist.h - the joint waiting list's storage (SQL only): PTL
 * entries and theatre sessions written in bulk, reference data, the
 * allocation's input and its stored runs and per-patient results,
 * listings, and the waits the equity report is computed from. The checks,
 * the allocation and the figures are src/app/waitlist.c's. */
#ifndef ICS_STORE_WAITLIST_H
#define ICS_STORE_WAITLIST_H

#include <jansson.h>

#include "store/store.h"
#include "waitlist/waitlist.h"

/* One PTL row, checked, ready to write (dates YYYY-MM-DD; imd 0 = unknown). */
typedef struct store_waitlist_row {
    char nhs[11], postcode[9], district[5], place[12], trust[8], date_ps[11], date_cs[11],
        date_stop[11], status[10];
    const char *pathway, *procedure, *source;
    long tfc, priority, pause, imd, synthetic;
    double km;
    int has_km, has_stop;
} store_waitlist_row;

/* One session list row. */
typedef struct store_waitlist_session_row {
    char site[16];
    char date[11];
    int tfc, slots, synthetic;
} store_waitlist_session_row;

/* Insert, or update a known (trust, pathway_id) / (site_code, tfc, date),
 * inside the caller's transaction. */
int store_waitlist_entries_put(store *s, const store_waitlist_row *rows, size_t n, int64_t now,
                               ics_err *e);
int store_waitlist_sessions_put(store *s, const store_waitlist_session_row *rows, size_t n,
                                ics_err *e);
/* Rows in waitlist_entries (sessions = 0) or waitlist_sessions; < 0 on error. */
int64_t store_waitlist_count(store *s, int sessions, ics_err *e);
/* Every organisation's ODS code as an object's keys. */
int store_waitlist_org_codes(store *s, json_t **codes, ics_err *e);

/* Load the directory reference data the generator needs (caller frees). */
int store_waitlist_refdata(store *s, waitlist_district **d, size_t *nd, waitlist_place **pl,
                           size_t *np, waitlist_site **sites, size_t *nsites, int acute_only,
                           ics_err *e);

/* The allocation's input: sites, sessions in [from_day, to_day) and the
 * waiting entries (tfc 0 = every specialty). */
typedef struct store_waitlist_input {
    waitlist_site *sites;
    size_t nsites;
    waitlist_session *ss;
    size_t nss;
    waitlist_patient *p;
    int64_t *ids; /* entry id of p[i] */
    size_t n;
    int64_t slots;
    int synthetic; /* any input row is synthetic */
} store_waitlist_input;
/* ics: the ICS whose sessions (at sites in its places) and waiting
 * patients (of trusts whose primary ICS it is) are loaded. */
int store_waitlist_input_load(store *s, int64_t from_day, int64_t to_day, int tfc, const char *ics,
                              store_waitlist_input *in, ics_err *e);
void store_waitlist_input_free(store_waitlist_input *in);

/* A run's own columns. */
typedef struct store_waitlist_run_row {
    const char *created_by, *as_of, *params, *fingerprint;
    int64_t created_at; /* seconds since the epoch */
    int64_t elapsed_ms;
    int synthetic;
    const char *ics; /* the ICS the run is for */
} store_waitlist_run_row;
/* Store a run and one result row per patient of in (caller's transaction). */
int store_waitlist_run_insert(store *s, const store_waitlist_run_row *run,
                              const store_waitlist_input *in, const waitlist_result *r, int64_t *id,
                              ics_err *e);

int store_waitlist_run_get(store *s, int64_t id, json_t **out, ics_err *e);
/* The runs of one ICS, newest first. */
int store_waitlist_run_list(store *s, const char *ics, int64_t limit, int64_t offset, json_t **rows,
                            ics_err *e);
/* The booking list: a run's per-patient results with the patient's entry
 * and the hub's name, booked patients first by session date, then those
 * left waiting, each by entry id. Filters (NULL or "" = any). The overdue
 * filter compares priority dates with cut-off days the caller computes:
 * a P1 (P2) patient is overdue when priority_date < cut_p1 (cut_p2). */
typedef struct store_waitlist_booking_filter {
    int64_t run;
    const char *trust, *site, *tfc;
    int booked;                  /* -1 any, 0 left waiting, 1 booked */
    int overdue;                 /* -1 any, 0 not overdue, 1 overdue */
    const char *cut_p1, *cut_p2; /* YYYY-MM-DD; needed when overdue >= 0 */
    int64_t after; /* keyset: rows after this entry id's row in the list's order; 0 = start */
} store_waitlist_booking_filter;
/* {items, total, limit, offset}; ICS_ENOTFOUND for an unknown run. */
int store_waitlist_results(store *s, const store_waitlist_booking_filter *f, int64_t limit,
                           int64_t offset, json_t **out, ics_err *e);
/* How many of a run's patients were overdue P1/P2 at its as-of day
 * (cut-offs as above), and how many of those the run booked. */
int store_waitlist_run_overdue(store *s, int64_t run, const char *cut_p1, const char *cut_p2,
                               int64_t n[3], int64_t booked[3], ics_err *e);
/* The name of a hospital site (*yes = 0 when there is no such site). */
int store_waitlist_site_name(store *s, const char *code, char *name, size_t cap, int *yes,
                             ics_err *e);

/* Entries on the joint list. Filters (NULL or "" = any): trust, tfc,
 * priority, place, status. */
typedef struct store_waitlist_filter {
    const char *trust, *tfc, *priority, *place, *status;
    /* keyset page: only entries after this one in the list's order (clock
     * start, then id); 0 = from the start. An id that does not exist gives
     * no rows. */
    int64_t after;
    const char *ics; /* entries of trusts whose primary ICS it is (set by the use case) */
} store_waitlist_filter;
int store_waitlist_entries(store *s, const store_waitlist_filter *f, int64_t limit, int64_t offset,
                           json_t **out, ics_err *e);
/* The same page, each row handed to fn as it is read (store_query_each),
 * and how many entries f matches in *total. */
int store_waitlist_entries_each(store *s, const store_waitlist_filter *f, int64_t limit,
                                int64_t offset, int64_t *total, store_row_fn fn, void *arg,
                                ics_err *e);
int store_waitlist_entry_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Sessions on or after day from, by date, site and specialty:
 * {items (each with its id), total, total_slots, limit, offset, from}.
 * after (0: none) is a keyset cursor, a session id: the rows after it in
 * that order (none when there is no such session). */
int store_waitlist_sessions(store *s, int64_t from, int64_t limit, int64_t offset, int64_t after,
                            json_t **out, ics_err *e);

/* Waits grouped by "trust", "place" or "imd": run = 0, every waiting
 * entry with value = its clock start (day); otherwise the run's patients
 * with value = weeks waited and still = not booked by the run. */
typedef struct store_waitlist_waits {
    int64_t *value;
    unsigned char *still;
    char **keys;
    size_t n;
    int synthetic; /* any loaded entry is synthetic */
} store_waitlist_waits;
/* How many patients are waiting whose clock started on or before day
 * (YYYY-MM-DD). */
int store_waitlist_waiting_since(store *s, const char *day, int64_t *n, ics_err *e);
/* (run 0: the waiting entries of ICS ics's trusts) */
int store_waitlist_waits_load(store *s, int64_t run, const char *by, const char *ics,
                              store_waitlist_waits *w, ics_err *e);
void store_waitlist_waits_free(store_waitlist_waits *w);
/* Group code -> name for "trust" and "place" (an empty object for "imd"). */
int store_waitlist_group_names(store *s, const char *by, json_t **names, ics_err *e);

#endif
