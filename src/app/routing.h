/* app/routing.h - use cases of rapid-response routing and UCR referrals:
 * find a service, create / read / list referrals and move them through
 * their lifecycle, report a service's live capacity, the UCR and
 * harmonisation reports, and a generated synthetic history. The HTTP
 * handlers (src/http/h_routing.c) and the commands (src/cli/cmd_route.c)
 * only parse, call these and print. */
#ifndef ICS_APP_ROUTING_H
#define ICS_APP_ROUTING_H

#include <jansson.h>

#include "app/app.h"
#include "store/routing.h"

extern const app_use APP_ROUTING_ROUTE_FIND;        /* route.find */
extern const app_use APP_ROUTING_REFERRAL_CREATE;   /* referrals.create */
extern const app_use APP_ROUTING_REFERRAL_GET;      /* referrals.get */
extern const app_use APP_ROUTING_REFERRAL_LIST;     /* referrals.list */
extern const app_use APP_ROUTING_REFERRAL_ACCEPT;   /* referrals.accept */
extern const app_use APP_ROUTING_REFERRAL_DECLINE;  /* referrals.decline */
extern const app_use APP_ROUTING_REFERRAL_ATTEND;   /* referrals.attend */
extern const app_use APP_ROUTING_REFERRAL_CANCEL;   /* referrals.cancel */
extern const app_use APP_ROUTING_REFERRAL_GENERATE; /* referrals.generate */
extern const app_use APP_ROUTING_CAPACITY_SET;      /* services.capacity */
extern const app_use APP_ROUTING_REPORT_UCR;        /* reports.ucr */
extern const app_use APP_ROUTING_REPORT_HARM;       /* reports.harmonisation */

/* ---- the finder --------------------------------------------------------- */

/* A finder answer with what it was computed from (for printing). */
typedef struct app_route_answer {
    routing_data d; /* owned, or borrowed from snap */
    void *snap;     /* the shared directory snapshot d belongs to, or NULL */
    route_query q;
    route_answer a;
    /* when nothing is eligible, the searching ICS's out-of-hours
     * alternative ("" for none configured; docs/ics.md) */
    char out_of_hours[804];
} app_route_answer;

/* body: {postcode | lat+lon | place, age, needs: [..], presentations: [..],
 * at, allow_partial, radius_km}; every problem is reported at once. */
int app_routing_route_find(app_ctx *c, const json_t *body, app_route_answer *out, ics_err *e);
/* {query, location, eligible: [...], excluded: [...]} (the API's answer). */
json_t *app_routing_answer_json(const app_route_answer *r);
/* The answer's summary lines (a bank holiday; when nothing is eligible,
 * the next service to open and the ICS's out-of-hours alternative), as the
 * JSON's "summary" and the CLI print them; returns how many; *bank_holiday
 * 1 when the time asked is one. */
enum { APP_ROUTE_SUMMARY_MAX = 3, APP_ROUTE_SUMMARY_LEN = 1024 };
int app_routing_summary(const app_route_answer *r,
                        char lines[APP_ROUTE_SUMMARY_MAX][APP_ROUTE_SUMMARY_LEN],
                        int *bank_holiday);
/* The same answer as compact JSON text (the API's bytes), written without a
 * JSON tree; caller frees; NULL when out of memory. */
char *app_routing_answer_text(const app_route_answer *r, size_t *len);
void app_routing_answer_free(app_route_answer *r);

/* ---- referrals ----------------------------------------------------------- */

/* body: the finder's fields plus nhs_number, service_id, referrer_org (the
 * caller's organisation unless they see the whole ICS), notes,
 * override_reason. *row: the new referral. Audited as referrals.create,
 * event referral.created (orgs: referrer, provider). */
int app_routing_referral_create(app_ctx *c, const json_t *body, json_t **row, ics_err *e);
/* The same for a referral that came in a message: body may carry
 * message_id (a FHIR id), and a message the same referrer sent before
 * answers with the referral it made (*repeated = 1; nothing is written or
 * audited again) instead of making another. repeated may be NULL. */
int app_routing_referral_receive(app_ctx *c, const json_t *body, json_t **row, int *repeated,
                                 ics_err *e);
/* One referral the caller is party to (referrer or provider); 404 otherwise. */
int app_routing_referral_get(app_ctx *c, int64_t id, json_t **row, ics_err *e);
/* Referrals the caller may see, newest first. f->state is checked; the
 * caller's organisation filter is applied here. */
int app_routing_referral_list(app_ctx *c, store_referral_filter f, int64_t limit, int64_t offset,
                              json_t **rows, int64_t *total, ics_err *e);
/* The same page as the API's JSON text, written row by row (app/page.h):
 * {items, total, limit, offset, next_after[, next]}; next is next_base (a
 * URL ending in "after=", or NULL for none) with the cursor. The page is
 * read in a snapshot and its read audited, with the ids it held, before it
 * is handed back (app_read_audited). */
int app_routing_referral_page(app_ctx *c, store_referral_filter f, int64_t limit, int64_t offset,
                              const char *next_base, char **text, size_t *len, ics_err *e);
/* Lifecycle steps. body may be NULL except for decline ({"reason"});
 * attend takes {"attended_at"}, decline and cancel {"reason"}. The
 * receiving service's organisation accepts, declines and attends; either
 * party cancels. *row: the referral after the step. */
int app_routing_referral_accept(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                ics_err *e);
int app_routing_referral_decline(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                 ics_err *e);
int app_routing_referral_attend(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                ics_err *e);
int app_routing_referral_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                ics_err *e);

/* A synthetic history of referrals (command line): days from from, per_day
 * a day per borough, seed; replace deletes the earlier synthetic ones.
 * Audited once as referrals.generate (no change event: it is bulk
 * synthetic data, like seeding). */
typedef struct app_routing_gen {
    int64_t from;
    int days;
    double per_day;
    uint64_t seed;
    int replace;
    progress_fn progress; /* may be NULL */
    void *progress_arg;
} app_routing_gen;
int app_routing_referral_generate(app_ctx *c, const app_routing_gen *g, int *n, int *unrouted,
                                  ics_err *e);

/* ---- capacity ------------------------------------------------------------ */

/* body: {used_today, capacity}; only the provider's organisation (or an
 * ICS-wide role). *row: the stored capacity. Audited as services.capacity,
 * event service.capacity (orgs: provider). */
int app_routing_capacity_set(app_ctx *c, const char *service_id, const json_t *body, json_t **row,
                             ics_err *e);

/* ---- reports ------------------------------------------------------------- */

/* The 2-hour standard for referrals sent in [from, to); standard in
 * minutes (1-10080). */
int app_routing_report_ucr(app_ctx *c, int64_t from, int64_t to, int standard, json_t **out,
                           ics_err *e);

typedef struct app_harm_report {
    routing_data d;
    route_harm_report r;
} app_harm_report;
int app_routing_report_harm(app_ctx *c, const char *kind, app_harm_report *out, ics_err *e);
json_t *app_routing_harm_json(const app_harm_report *h, const char *kind);
void app_routing_harm_free(app_harm_report *h);

#endif
