/* store/routing.h - the routing module's storage: live service capacity and
 * referrals (rows in, JSON rows out) and loading the directory into the
 * finder's plain structs. */
#ifndef ICS_STORE_ROUTING_H
#define ICS_STORE_ROUTING_H

#include <jansson.h>

#include "routing/routing.h"
#include "store/store.h"

/* Everything the finder needs, loaded from the directory tables. */
typedef struct routing_data {
    route_service *svc;
    int nsvc;
    route_district *dist;
    int ndist;
    int64_t *bh;
    int nbh;
    char (*places)[ROUTE_CODE];
    char (*place_names)[64];
    char (*place_ics)[ROUTE_CODE]; /* the ICS of each place */
    int nplaces;
} routing_data;

int store_routing_load(store *s, routing_data *out, ics_err *e);
/* What one finder query needs loaded beside the services and places: the
 * postcode districts matching its postcode (its outward code and that code
 * without a final letter), or those of one place, or all of them, or none
 * (a postcode that is not one); and the bank holidays from two days before
 * to ten after day (a local day number, tz.h's). */
typedef enum {
    STORE_DISTRICTS_ALL,
    STORE_DISTRICTS_NONE,
    STORE_DISTRICTS_PLACE,
    STORE_DISTRICTS_CODES
} store_districts;
typedef struct store_routing_want {
    store_districts districts;
    const char *code, *code2; /* CODES: outward code and its shorter form */
    const char *place;        /* PLACE: the place's ONS code */
    int64_t day;
} store_routing_want;
int store_routing_load_for(store *s, const store_routing_want *w, routing_data *out, ics_err *e);
void store_routing_data_free(routing_data *d);

/* Every service's live capacity row, ordered by service id (services that
 * never reported have none): what a cached directory is checked against. */
typedef struct routing_capacity {
    char id[32];
    int used, capacity;
    int64_t updated;
} routing_capacity;
int store_routing_capacity_all(store *s, routing_capacity **out, int *n, ics_err *e);
/* The same rows and the directory version (store_dir_version; version may
 * be NULL) in one statement: what the route query's snapshot is keyed by. */
int store_routing_live(store *s, int64_t *version, routing_capacity **out, int *n, ics_err *e);
int store_routing_service_index(const routing_data *d, const char *id);
int store_routing_place_index(const routing_data *d, const char *code);

/* Live capacity: used today out of capacity, reported now. Returns the row. */
int store_routing_capacity_set(store *s, const char *service_id, int used, int capacity,
                               int64_t now, const char *by, json_t **before, json_t **after,
                               ics_err *e);

/* The provider (ODS code) and daily capacity of a service; ICS_ENOTFOUND. */
int store_routing_service_provider(store *s, const char *service_id, char provider[16], int *daily,
                                   ics_err *e);
/* *exists: 1 when an organisation with this ODS code exists, else 0. */
int store_routing_org_exists(store *s, const char *ods, int *exists, ics_err *e);

/* ---- referrals ---------------------------------------------------------- */

typedef struct store_referral_new {
    const char *nhs_number; /* 10 digits, checked */
    int age;
    uint32_t needs;
    const char *flags; /* space-separated presentations or NULL */
    const route_location *where;
    const char *postcode; /* as given, normalised, or NULL */
    const char *referrer_org;
    const char *service_id;
    const char *provider_ods;
    int64_t sent_at;
    const char *created_by;
    const char *notes;
    const char *message_id; /* the message it came in, or NULL */
} store_referral_new;

int store_referral_insert(store *s, const store_referral_new *r, int64_t *id, ics_err *e);
/* One referral's row as stored (times in seconds, needs and flags as
 * space-separated words, synthetic 0/1; the API's form is the
 * application's); ICS_ENOTFOUND. */
int store_referral_get(store *s, int64_t id, json_t **row, ics_err *e);

/* Filters for a list; NULL / 0 = any. referrer/provider: visibility. When
 * both are set a referral matches either (a clinician of a provider sees
 * what it sent and what it was sent). */
typedef struct store_referral_filter {
    const char *referrer, *provider, *state, *service, *place;
    const char *state2;     /* a second state: either matches (FHIR's active is sent or accepted) */
    const char *nhs_number; /* one patient's referrals */
    const char *requester; /* only referrals this organisation sent (with referrer/provider: and) */
    int64_t id;            /* only this referral (0: any) */
    const char *message_id; /* the referral made from this message */
    int64_t from, to;
    /* keyset page: only referrals after this one in the list's order (newest
     * first); 0 = from the start. An id that does not exist gives no rows. */
    int64_t after;
} store_referral_filter;

int store_referral_list(store *s, const store_referral_filter *f, int64_t limit, int64_t offset,
                        json_t **rows, int64_t *total, ics_err *e);
/* The same page, each row handed to fn as it is read (store_query_each). */
int store_referral_each(store *s, const store_referral_filter *f, int64_t limit, int64_t offset,
                        int64_t *total, store_row_fn fn, void *arg, ics_err *e);

/* A referral's state name and when it was sent; ICS_ENOTFOUND. */
int store_referral_state(store *s, int64_t id, char state[16], int64_t *sent_at, ics_err *e);
/* Move a referral from state from to state to inside the caller's
 * transaction, setting each instant that is not 0 and the reason when
 * given; ICS_ECONFLICT when it is no longer in state from. */
int store_referral_set_state(store *s, int64_t id, const char *from, const char *to,
                             int64_t decided_at, int64_t attended_at, int64_t closed_at,
                             const char *reason, ics_err *e);
/* One of today's places used by referral id's service, when its capacity
 * was reported at or after since. */
int store_referral_use_place(store *s, int64_t id, int64_t since, ics_err *e);

/* Referrals sent in [from, to) as the report engine's structs, indexed by
 * d's services and places. */
int store_referral_refs(store *s, const routing_data *d, int64_t from, int64_t to, route_ref **out,
                        int *n, int *nsynthetic, ics_err *e);

/* Delete every synthetic referral (before generating a new history). */
int store_referral_delete_synthetic(store *s, ics_err *e);

/* Insert a generated synthetic history (marked synthetic) in the caller's
 * transaction; referrers are drawn from the acute trusts and LAS. */
int store_referral_insert_generated(store *s, const routing_data *d, const route_gen_ref *g, int n,
                                    ics_err *e);

#endif
