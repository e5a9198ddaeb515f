/* routing.h - the rapid-response service finder, the referral lifecycle and
 * the two reports built on them (the 2-hour UCR standard and harmonisation).
 *
 * A pure engine: callers load services, bank holidays, postcode districts and
 * referrals from the store into the plain structs below; nothing here does I/O,
 * and every answer is a deterministic function of its inputs (and seed). */
#ifndef ICS_ROUTING_ROUTING_H
#define ICS_ROUTING_ROUTING_H

#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "directory/directory.h"

#define ROUTE_MAX_PLACES    8
#define ROUTE_MAX_DISTRICTS 16
#define ROUTE_MAX_WORDS     8
#define ROUTE_CODE          16 /* place codes, districts, ODS codes, words */

/* Defaults, as published for the national Directory of Services (DoS) or as
 * chosen here: see docs/routing.md. */
#define ROUTE_RADIUS_KM      60.0 /* DoS default search radius */
#define ROUTE_CLOSING_MARGIN 30   /* minutes: closing this soon counts as closed */
#define ROUTE_STALE_MINUTES  240  /* capacity older than this is not trusted */
#define ROUTE_UCR_STANDARD   120  /* minutes, 2-hour urgent community response */
#define ROUTE_UCR_AMBITION   0.70 /* national ambition for the share within 2 hours */

/* ---- services ----------------------------------------------------------- */

/* One service as the finder sees it: its specification (from services.csv,
 * parsed with routing_service_parse) plus its base site's position and its
 * live capacity. */
typedef struct route_service {
    char id[32];
    char name[96];
    char kind[16];             /* ucr, night_nursing, falls, palliative, ... */
    char provider[ROUTE_CODE]; /* ODS code */
    char site[ROUTE_CODE];     /* base site code */
    double lat, lon;           /* of the base site */
    int has_loc;
    char places[ROUTE_MAX_PLACES][ROUTE_CODE]; /* catchment: whole places ... */
    int nplaces;
    char districts[ROUTE_MAX_DISTRICTS][ROUTE_CODE]; /* ... and/or postcode districts */
    int ndistricts;
    dir_hours hours;
    uint32_t caps;                                    /* bit i = directory_capabilities[i] */
    int min_age, max_age;                             /* inclusive, years; -1 = no limit */
    char exclusions[ROUTE_MAX_WORDS][ROUTE_CODE * 2]; /* presentations it does not take */
    int nexclusions;
    char phone[24];
    int response_minutes; /* the response standard it commits to */
    int daily_capacity;   /* 0 = not limited */
    int active;
    /* live capacity: used today out of capacity_today, as reported at
     * capacity_updated (0 = never reported) */
    int used_today, capacity_today;
    int64_t capacity_updated;
    char ics[ROUTE_CODE]; /* ODS code of the ICS of its places ("" unknown) */
    char ics_name[48];    /* for reasons */
} route_service;

/* The text columns of services.csv. NULL or "" for an empty column. */
typedef struct route_service_text {
    const char *id, *name, *kind, *provider, *site;
    const char *places, *districts, *hours, *capabilities;
    const char *min_age, *max_age, *exclusions, *response_minutes, *daily_capacity;
    const char *phone;
} route_service_text;

/* Parse and check one specification (every problem in e, '; '-separated).
 * The live-capacity fields and position are left for the caller: capacity
 * starts as the daily capacity with nothing used and never updated. */
int routing_service_parse(const route_service_text *t, route_service *out, ics_err *e);

/* Capability list "falls frailty" or "falls,frailty" to a bit set; unknown
 * names are an error that lists the controlled vocabulary. */
int routing_caps_parse(const char *list, uint32_t *out, ics_err *e);
/* Names of the set bits, joined with sep, into buf. */
void routing_caps_format(uint32_t caps, const char *sep, char *buf, int n);

/* ---- the patient's location -------------------------------------------- */

/* A postcode district's centroid and the place (borough) it belongs to;
 * place "" means outside the ICS. */
typedef struct route_district {
    char district[ROUTE_CODE];
    double lat, lon;
    char place[ROUTE_CODE];
} route_district;

typedef struct route_location {
    int has_loc;
    double lat, lon;
    char place[ROUTE_CODE];    /* "" = outside the ICS (or unknown) */
    char district[ROUTE_CODE]; /* "" when not located by district */
    char place_name[48];       /* for reasons; filled by the caller when known */
    char how[160];             /* "located by postcode district UB8" */
} route_location;

/* Locate a patient from exactly one of: a postcode or bare district, a
 * latitude/longitude (has_ll), or a place code. Postcodes are located by the
 * centroid of their district ("W1T 7NF" by W1T, else W1); a district not in
 * the table is outside the ICS. A point is placed in the district whose
 * centroid is nearest (within 5 km). A place alone is placed at the mean of
 * its districts' centroids. ICS_EINVAL for a malformed postcode, an unknown
 * place or coordinates out of range. */
int routing_locate(const route_district *d, int nd, const char *postcode, int has_ll, double lat,
                   double lon, const char *place, route_location *out, ics_err *e);

/* ---- the finder --------------------------------------------------------- */

typedef struct route_query {
    route_location where;
    int age;                                     /* years; -1 = not given (age criteria skipped) */
    uint32_t needs;                              /* capabilities needed (at least one) */
    char flags[ROUTE_MAX_WORDS][ROUTE_CODE * 2]; /* presentations, checked against exclusions */
    int nflags;
    int64_t at;         /* when the response is needed (UTC seconds) */
    int64_t now;        /* for capacity freshness */
    int allow_partial;  /* 1: a service covering some of the needs is eligible */
    double radius_km;   /* 0 = ROUTE_RADIUS_KM */
    int closing_margin; /* minutes; < 0 = ROUTE_CLOSING_MARGIN */
    int stale_minutes;  /* 0 = ROUTE_STALE_MINUTES */
    /* The ICS searching ("" = no ICS boundary): a service of another ICS
     * is considered only when its catchment covers the patient (it is left
     * out of the answer otherwise, not listed as excluded), and its reason
     * says it is a neighbouring ICS's service. */
    char ics[ROUTE_CODE];
} route_query;

void routing_query_init(route_query *q);

/* Why a service was excluded: the filters in the order they are applied. */
typedef enum route_filter {
    ROUTE_ELIGIBLE = 0,
    ROUTE_X_INACTIVE,   /* service not active */
    ROUTE_X_CATCHMENT,  /* patient outside its places/districts or beyond the radius */
    ROUTE_X_CAPABILITY, /* lacks a needed capability */
    ROUTE_X_EXCLUDED,   /* the presentation is one of its exclusions */
    ROUTE_X_AGE,        /* outside its age criteria */
    ROUTE_X_CAPACITY,   /* at capacity today (fresh figures only) */
    ROUTE_X_CLOSED,     /* closed at the time */
    ROUTE_X_CLOSING,    /* closes within the margin */
    ROUTE_NFILTERS
} route_filter;

/* Stable names: "eligible", "inactive", "outside_catchment", ... */
const char *routing_filter_name(int f);

typedef struct route_result {
    int service;          /* index into the services array */
    const char *id;       /* that service's id (points into the array) */
    int filter;           /* ROUTE_ELIGIBLE or the first filter that failed */
    unsigned failed;      /* bit f set for every filter f that failed */
    int rank;             /* 1.. for eligible services, 0 otherwise */
    int covered;          /* how many of the needs it covers */
    uint32_t missing;     /* needs it lacks */
    double km;            /* distance from the patient, -1 when unknown */
    int expected_minutes; /* expected response: the service's standard */
    int64_t open_until;   /* when the current opening ends; 0 = open all week ahead */
    int64_t opens_next;   /* closed services: next opening (0 = not within a week) */
    int capacity_left;    /* -1 = not limited */
    int capacity_age;     /* minutes since capacity was updated, -1 = never */
    int stale;            /* capacity older than the stale limit: flagged, not trusted */
    char reason[512];     /* why it qualified, or why not (every failed filter) */
} route_result;

typedef struct route_answer {
    route_result *items; /* eligible first in rank order, then excluded in filter order */
    int n, neligible;
} route_answer;

/* Run the finder over n services. bank_holidays is a sorted array of local
 * day numbers (tz_days_from_civil). ICS_EINVAL when the query is unusable
 * (no needs). The answer owns its items: routing_answer_free. */
int routing_find(const route_service *svc, int n, const int64_t *bank_holidays, int nbh,
                 const route_query *q, route_answer *out, ics_err *e);
void routing_answer_free(route_answer *a);

/* ---- opening hours as instants ----------------------------------------- */

/* Is a service with these hours open at t? When open, *until is the end of
 * the continuous opening that contains t (0 when it runs on for the whole
 * week ahead); when closed, *next is the next opening (0 when none within a
 * week). Intervals are wall-clock London times: an interval opened on one
 * day that runs past midnight counts on the next day, and on the nights the
 * clocks change a 20:00-08:00 interval lasts 11 or 13 hours. */
int routing_hours_open(const dir_hours *h, const int64_t *bh, int nbh, int64_t t, int64_t *until,
                       int64_t *next);

/* Which whole hours of the week (and of a bank holiday) the hours cover:
 * cover[k][h] is 1 when open for the whole hour h of day kind k (0..6
 * Monday..Sunday, 7 bank holiday). Wall-clock, an ordinary week (the early
 * hours of a bank holiday follow Sunday night, as most are Mondays). */
void routing_hours_week(const dir_hours *h, unsigned char cover[8][24]);

/* ---- referrals ---------------------------------------------------------- */

typedef enum route_state {
    REF_SENT = 0,
    REF_ACCEPTED,
    REF_DECLINED,
    REF_ATTENDED,
    REF_CANCELLED,
    REF_NSTATES
} route_state;

typedef enum route_action {
    REF_ACCEPT = 0,
    REF_DECLINE,
    REF_ATTEND,
    REF_CANCEL,
    REF_NACTIONS
} route_action;

const char *routing_state_name(int s);     /* "sent", ... */
int routing_state_find(const char *name);  /* or -1 */
const char *routing_action_name(int a);    /* "accept", ... */
int routing_action_find(const char *name); /* or -1 */

/* The lifecycle: sent -> accepted | declined (reason) | cancelled;
 * accepted -> attended (time) | cancelled. Anything else is ICS_ECONFLICT
 * ("referral is declined: it cannot be attended"). A decline needs a reason
 * and an attendance a time not before the referral and not after now
 * (ICS_EINVAL). On success *next is the new state. */
int routing_referral_step(int state, int action, int64_t sent_at, const char *reason,
                          int64_t attended_at, int64_t now, int *next, ics_err *e);

/* ---- the 2-hour UCR standard report ------------------------------------ */

/* One referral as the report needs it: indexes into the caller's service and
 * place lists (place -1 = outside the ICS). */
typedef struct route_ref {
    int service, place;
    int state;
    int64_t sent_at, attended_at; /* attended_at 0 unless attended */
} route_ref;

typedef struct route_ucr_row {
    int referrals; /* sent in the period */
    int attended;  /* of which attended: the denominator (care delivered) */
    int within;    /* attended within the standard */
    int declined, cancelled, open;
    int open_breached;     /* still open and already past the standard at `asof` */
    double share;          /* within / attended, -1 when none attended */
    double lo, hi;         /* Wilson 95% interval, -1 when none */
    int meets;             /* share >= ambition */
    double median_minutes; /* of attended referrals, -1 when none */
} route_ucr_row;

typedef struct route_ucr_report {
    route_ucr_row *by_service; /* nservices rows */
    route_ucr_row *by_place;   /* nplaces rows */
    route_ucr_row ics;
    int nservices, nplaces;
} route_ucr_report;

/* Referrals sent in [from, to); standard in minutes (0 = 120); asof is the
 * time open referrals are judged at. */
int routing_ucr_report(const route_ref *refs, int nrefs, int nservices, int nplaces, int64_t from,
                       int64_t to, int standard, int64_t asof, route_ucr_report *out, ics_err *e);
void routing_ucr_report_free(route_ucr_report *r);

/* ---- the harmonisation report ------------------------------------------ */

typedef struct route_harm_cell {
    int cap, place;
    unsigned char cover[8][24]; /* services open for the whole hour */
    int week_hours;             /* of 168 with at least one service */
    int bh_hours;               /* of 24 on a bank holiday */
    int nservices;
    int services[16]; /* first 16 covering services (indexes) */
} route_harm_cell;

/* A place whose offer differs from the most common one among services of
 * one kind (ucr by default): field "hours", "capabilities", "min_age",
 * "max_age", "response_minutes", "exclusions". */
typedef struct route_harm_diff {
    int place;
    int service;
    char field[24];
    char value[160];
    char common[160];
} route_harm_diff;

typedef struct route_harm_report {
    route_harm_cell *cells; /* ncaps x nplaces, cap-major */
    int ncaps, nplaces;
    route_harm_diff *diffs;
    int ndiffs;
} route_harm_report;

/* For every capability x place: which active services cover it and in which
 * hours; gaps are the hours with cover 0. Differences compare the services of
 * kind `kind` serving each place (NULL = "ucr"). places are place codes. */
int routing_harm_report(const route_service *svc, int n, const char (*places)[ROUTE_CODE],
                        int nplaces, const char *kind, route_harm_report *out, ics_err *e);
void routing_harm_report_free(route_harm_report *r);

/* ---- synthetic referrals ----------------------------------------------- */

typedef struct route_gen_ref {
    char nhs[11];
    int age;
    uint32_t needs;
    int district; /* index into the district table */
    int service;  /* chosen by the finder */
    int state;
    int64_t sent_at, decided_at, attended_at;
    char reason[64]; /* decline or cancel reason */
} route_gen_ref;

/* A deterministic synthetic history: about per_day referrals a day for each
 * place, from day `from` (local day number) for `days` days, each routed with
 * routing_find at its time and sent to the top-ranked service (referrals with
 * no eligible service are dropped and counted in *unrouted). Outcomes and
 * response times are drawn from the seed. progress may be NULL. */
int routing_referrals_generate(const route_service *svc, int n, const route_district *d, int nd,
                               const int64_t *bh, int nbh, int64_t from, int days, double per_day,
                               uint64_t seed, route_gen_ref **out, int *nout, int *unrouted,
                               progress_fn progress, void *ctx, ics_err *e);

#endif
