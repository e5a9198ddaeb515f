/* waitlist.h - the joint elective waiting list engine: RTT weeks waited and
 * clinical due dates, the exact optimal allocation of patients to surgical-hub
 * theatre slots, equity of waits, and a deterministic synthetic PTL generator.
 *
 * Plain structs in and out; no I/O, SQL or JSON; deterministic for a given
 * input and seed. Days are day numbers (days since 1970-01-01, tz.h). */
#ifndef ICS_WAITLIST_WAITLIST_H
#define ICS_WAITLIST_WAITLIST_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "flow/flow.h"

/* ---- RTT clocks and clinical priority ---------------------------------- */

/* Whole weeks waited on an open pathway: (today - clock start) / 7, floored,
 * never negative. Patient-initiated pauses were abolished on 1 October 2015,
 * so pauses do not count (STANDARDS.md, RTT clock rules). */
int waitlist_weeks_waited(int64_t clock_start, int64_t today);

/* Days within which a priority must be treated (FSSA/RCS): P1 3 (P1b), P2 28,
 * P3 91; P4 has no due date (-1). -1 also for anything outside 1..4. */
int waitlist_priority_days(int priority);

/* Clinically due day = priority (review) date + the priority's window, or
 * INT64_MAX for P4. */
int64_t waitlist_due_day(int priority, int64_t priority_date);

/* ---- allocation ---------------------------------------------------------- */

typedef struct waitlist_site {
    char code[8];  /* ODS site code, RYJ01 */
    char trust[8]; /* ODS trust code, RYJ */
    double lat, lon;
} waitlist_site;

/* A theatre session list: slots for one specialty at one site on one day. */
typedef struct waitlist_session {
    int site; /* index into the sites array */
    int tfc;  /* treatment function code */
    int64_t date;
    int slots;
} waitlist_session;

typedef struct waitlist_patient {
    int tfc;               /* treatment function code */
    int priority;          /* clinical priority 1..4 */
    char trust[8];         /* trust whose list the patient is on */
    double lat, lon;       /* home (postcode district centre); NAN when unknown */
    double max_km;         /* furthest the patient will travel; <= 0: the default */
    int64_t clock_start;   /* RTT clock start (day) */
    int64_t priority_date; /* day the priority was set or last reviewed */
} waitlist_patient;

/* Costs are integer points. Defaults (waitlist_params_default) in brackets. */
typedef struct waitlist_params {
    int64_t today;         /* the run is as at this day; sessions before it are ignored */
    int64_t travel_per_km; /* points per km from home to site, rounded [10] */
    int64_t away_penalty;  /* treatment at another trust's site [100] */
    int64_t late_penalty;  /* a P1/P2 patient booked after the due day [50000] */
    int64_t prio_base[5];  /* unassigned penalty by priority 1..4 (index 0 unused)
                              [1000000, 200000, 20000, 5000] */
    int64_t per_week;      /* unassigned penalty per week waited [500] */
    double default_max_km; /* [25] */
    int aggregate;         /* merge interchangeable patients before solving [1] */
    int threads;           /* worker threads [2] */
    /* The caller's cancel flag (NULL: none): polled between specialties and
     * every 1024 pivots; once non-zero the run stops with ICS_ECONFLICT. */
    const atomic_int *stop;
} waitlist_params;

void waitlist_params_default(waitlist_params *p);

typedef struct waitlist_assignment {
    int session; /* index into sessions, -1 when left unassigned */
    int site;    /* index into sites, -1 when unassigned */
    int weeks;   /* weeks waited at params.today */
    int late;    /* 1 when a P1/P2 patient is booked after the due day */
    double km;   /* home to site, 0 when unassigned */
    int64_t travel, away, late_cost, unassigned; /* cost components */
} waitlist_assignment;

typedef struct waitlist_result {
    size_t n;
    waitlist_assignment *a; /* one per patient, same order */
    int64_t objective, travel, away, late_cost, unassigned;
    size_t assigned, urgent, urgent_on_time, urgent_late;
    size_t net_nodes, net_arcs; /* size of the networks actually solved */
    uint64_t pivots;
} waitlist_result;

/* Allocate patients to session slots at minimum total cost:
 *   sum over unassigned patients of prio_base[p] + per_week x weeks waited
 * + sum over assigned of travel_per_km x km + away_penalty (other trust)
 *   + late_penalty (P1/P2 after the due day).
 * A patient may only take a slot of their own specialty, at a site within
 * their maximum travel distance, on or after today. Sites whose location is
 * unknown (NAN) or patients without a home location can only use sites of
 * their own trust, at no travel cost. The optimum is exact; progress (may be
 * NULL) is called as specialties finish. */
int waitlist_allocate(const waitlist_site *sites, size_t nsites, const waitlist_session *sessions,
                      size_t nsessions, const waitlist_patient *pts, size_t n,
                      const waitlist_params *p, progress_fn progress, void *pctx,
                      waitlist_result **out, ics_err *e);
void waitlist_result_free(waitlist_result *r);

/* The whole problem as one flow network, exactly the networks the engine
 * solves: for checking against other solvers. With p->aggregate 0, one
 * node per patient (nodes 0..n-1 are patients in input order, then each
 * specialty's chain and sink nodes); with p->aggregate set, one node per
 * class of interchangeable patients, as waitlist_allocate solves it
 * (each specialty's class, chain and sink nodes in turn). Specialties are
 * independent parts: part k holds arcs [part_arc[k], part_arc[k + 1]). */
typedef struct waitlist_net {
    int nodes;
    int64_t *supply;
    size_t arcs;
    int *from, *to;
    int64_t *cap, *cost;
    size_t nparts;
    size_t *part_arc; /* nparts + 1 entries */
} waitlist_net;

int waitlist_net_build(const waitlist_site *sites, size_t nsites, const waitlist_session *sessions,
                       size_t nsessions, const waitlist_patient *pts, size_t n,
                       const waitlist_params *p, waitlist_net **out, ics_err *e);
void waitlist_net_free(waitlist_net *net);

/* The solver settings the engine uses on one specialty's network whose
 * sink is node sink (warm start and pricing): for solving the networks
 * above exactly as the engine does. */
void waitlist_net_solver_setup(flow_mcf *g, int sink);

/* ---- equity of waits ----------------------------------------------------- */

/* One row of the equity report for a group of open pathways. */
typedef struct waitlist_equity_row {
    char group[32]; /* trust code, place code or quintile "1".."5"; "all" */
    size_t count;
    double median_weeks, p92_weeks;
    size_t over18, over52, over65, over78;
    double pct_under18;
} waitlist_equity_row;

/* Summarise weeks waited for the pathways whose include flag is set (NULL:
 * all). key[i] names pathway i's group; rows come out sorted by group with a
 * final "all" row. Percentiles use the nearest-rank method on whole weeks.
 * Caller frees *rows. */
int waitlist_equity(const int *weeks, const char *const *key, const unsigned char *include,
                    size_t n, waitlist_equity_row **rows, size_t *nrows, ics_err *e);

/* ---- synthetic PTL ------------------------------------------------------- */

typedef struct waitlist_district {
    char district[8];
    char place[12]; /* ONS code */
    double lat, lon;
} waitlist_district;

typedef struct waitlist_place {
    char code[12];
    double population;
    int lsoa_q[5]; /* LSOAs per deprivation quintile (1 = most deprived) */
} waitlist_place;

typedef struct waitlist_gen_entry {
    char nhs_number[11];
    char postcode[9];
    char district[8];
    char place[12];
    int imd_quintile;
    char local_id[16];
    char procedure[48];
    waitlist_patient p;
} waitlist_gen_entry;

/* Draw n synthetic PTL entries for the NWL acute trusts (trusts taken from
 * the sites), as at today. NHS numbers from the 999 range with valid check
 * digits; specialty mix by treatment function code, P1-P4 mix and a long
 * tailed wait distribution that differs by trust. Caller frees *out. */
int waitlist_gen_ptl(const waitlist_district *d, size_t nd, const waitlist_place *pl, size_t np,
                     const waitlist_site *sites, size_t nsites, size_t n, uint64_t seed,
                     int64_t today, waitlist_gen_entry **out, ics_err *e);

/* Synthetic theatre sessions from today for `days` days (Monday-Saturday),
 * sized so total slots are about capacity_share x the expected demand of n
 * patients. Caller frees *out. */
int waitlist_gen_sessions(const waitlist_site *sites, size_t nsites, size_t n,
                          double capacity_share, int64_t today, int days, uint64_t seed,
                          waitlist_session **out, size_t *nout, ics_err *e);

/* The specialties the generator and the import know: TFC code, name, share
 * of the admitted PTL and slots per theatre session. */
typedef struct waitlist_specialty {
    int tfc;
    const char *name;
    double share;
    int slots_per_session;
} waitlist_specialty;
extern const waitlist_specialty waitlist_specialties[];
extern const size_t waitlist_nspecialties;
const waitlist_specialty *waitlist_specialty_find(int tfc);

#endif
