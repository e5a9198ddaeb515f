/* app.h - the application layer's contract: who is acting, what a use case
 * may do, and the one way a change is committed.
 *
 * Every entry point (HTTP handler, CLI command, and later FHIR and HL7)
 * builds an app_ctx and calls one app_<module>_<verb>() function per use
 * case. That function, and only it, does: validate (collect every problem)
 * -> authorise (role, then organisation scope) -> app_begin -> store calls
 * and engines -> app_audit + app_emit -> app_end. So an action is checked,
 * audited and announced once, whichever door it came in by. */
#ifndef ICS_APP_APP_H
#define ICS_APP_APP_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"
#include "store/users.h" /* ROLE_* and auth_user */

/* Who is acting. Strings are borrowed from the caller for the call. */
typedef struct app_actor {
    const char *name; /* user name, or "cli:<login>" for the command line */
    const char *role; /* "admin", "coordinator", "clinician", "trust_ops", "analyst",
                       * "finance", "executive" */
    unsigned role_bit;
    const char *org; /* ODS code of the user's organisation, "" when none */
    const char *via; /* the door: "api", "cli", "fhir", "hl7", "seed" */
} app_actor;

typedef struct app_ctx {
    store *db;
    app_actor who;
    int64_t now;        /* the time of the action (UTC seconds); fixed for the call */
    int64_t last_event; /* id of the newest event emitted in the open transaction (0: none) */
    /* The ICS the caller asked to work in (?ics=CODE, --ics CODE; "all" for
     * every ICS they may see), borrowed; NULL: their home ICS. Use cases
     * resolve it with app_ics_resolve (app/ics.h). */
    const char *ics;
    /* The ICS of the object the use case works on, which tags its audit
     * record and change event: set by app_ics_here, or by app_ics_resolve /
     * app_ics_one when they settle on one ICS; "" until then (the owning
     * organisation's primary ICS, else the actor's home ICS, is used). */
    char ics_of[16];
} app_ctx;

/* A context for an authenticated API user. */
app_ctx app_ctx_user(store *db, const auth_user *u, const char *via, int64_t now);
/* A context for the command line: the login user acting as an
 * administrator (whoever can open the database file can change it). */
app_ctx app_ctx_cli(store *db, int64_t now);
/* A context for first-start seeding. */
app_ctx app_ctx_seed(store *db, int64_t now);

/* Organisation scope of a use case. ICS-wide roles (admin, coordinator,
 * analyst) pass every scope within their ICS; organisation-bound roles
 * (clinician, trust_ops) are held to it. */
typedef enum {
    APP_SCOPE_NONE,      /* the role is enough */
    APP_SCOPE_OWN_ORG,   /* the object belongs to the caller's organisation */
    APP_SCOPE_OWN_TRUST, /* the object is the caller's trust or one of its sites */
    APP_SCOPE_PARTY,     /* the caller's organisation is a party to the object */
    APP_SCOPE_ICS        /* the object is in the caller's ICS (one ICS today) */
} app_scope;

/* A use case, declared once (a static const in src/app/<module>.c, exported
 * in its header so the route table and the CLI can name it). Its name is
 * the audit action and appears in the route table. */
typedef struct app_use {
    const char *name; /* "beds.referral.offer" */
    unsigned roles;   /* ROLE_* bits allowed */
    app_scope scope;
} app_use;

/* 1 for a use case that only reads and is not audited (the route query, the
 * bed board): the server runs such a request, token check included, in one
 * read transaction (store_read_begin), so its statements share one read
 * lock. */
int app_use_reads_only(const app_use *u);

/* Role check: ICS_EFORBID naming the role and what it may not do. The HTTP
 * server calls it before the handler (403 before 422), and every app
 * function calls it first, so the CLI and message feeds get the same. */
int app_allow(const app_ctx *c, const app_use *u, ics_err *e);

/* Scope check for an object whose parties are the NULL-terminated ODS codes
 * (owner first). 1 when the caller may see it. An organisation matches a
 * party equal to it or, for a 3-character trust code, any of its sites. */
int app_in_scope(const app_ctx *c, const app_use *u, const char *const *parties);
/* The same as an error: ICS_ENOTFOUND "no <what> <id>" when out of scope, so
 * a caller cannot learn that an object they may not see exists. */
int app_scope_check(const app_ctx *c, const app_use *u, const char *const *parties,
                    const char *what, const char *id, ics_err *e);
/* 1 when the caller's role sees the whole ICS (no organisation filter). */
int app_sees_ics(const app_ctx *c);
/* 1 when ODS code org is, or is a site of, the caller's organisation. */
int app_org_matches(const char *mine, const char *org);

/* The one transaction of a use case. app_end commits when rc is 0 and rolls
 * back otherwise, and returns rc (or the commit's error); after a commit
 * that wrote events it wakes the event streams (app/hub.h). */
int app_begin(app_ctx *c, ics_err *e);
int app_end(app_ctx *c, int rc, ics_err *e);

/* The ICS of the object this use case changes (a bed unit's place's ICS, a
 * referral's unit's ICS): its audit record and change event carry it. */
void app_ics_here(app_ctx *c, const char *code);

/* Inside the transaction: one audit record (action = the use case's name)
 * and one change event for the outbox. before/after/payload may be NULL;
 * payload is stolen. orgs: NULL-terminated ODS codes that own or are
 * party to the object (NULL: an ICS-wide event). */
int app_audit(app_ctx *c, const char *action, const char *object_type, const char *object_id,
              const json_t *before, const json_t *after, ics_err *e);
int app_emit(app_ctx *c, const char *type, const char *object_type, const char *object_id,
             const char *const *orgs, json_t *payload, ics_err *e);
/* Both at once, the usual tail of a write. */
int app_record(app_ctx *c, const app_use *u, const char *object_type, const char *object_id,
               const json_t *before, const json_t *after, const char *event_type,
               const char *const *orgs, json_t *payload, ics_err *e);

/* A read of patient-identifiable data (anything carrying an NHS number),
 * audited like a write: who, what and when. action is e.g.
 * "read.bed_referral"; object_id the one object read, or NULL for a list,
 * with detail saying which (filters, count). Runs in its own transaction
 * when none is open. Call it from every use case that returns NHS numbers,
 * whichever door it came in by. */
int app_audit_read(app_ctx *c, const char *action, const char *object_type, const char *object_id,
                   json_t *detail, ics_err *e);

/* A read of patient data that answers with many rows (a list page), in
 * this order: read runs in a read-only transaction of its own
 * (store_snapshot_begin: on SQLite a WAL snapshot, which never takes the
 * write lock, so pages do not queue behind each other or behind writers;
 * on PostgreSQL REPEATABLE READ, READ ONLY), builds the answer in arg and
 * sets *detail (stolen; may stay NULL) to what the record keeps (filters,
 * the ids shown); the read transaction ends; then one audit record
 * (action, object_type, object_id, *detail) is written in its own short
 * transaction. Only when that commits is the answer the caller's to send:
 * 0. A read that could not be recorded is ICS_EBUSY (503; ICS_ERETRY stays
 * ICS_ERETRY, so the server runs the read again), and the caller frees
 * what read built and sends none of it: every read of patient data sent
 * is audited. With a transaction already open (a caller's own), both run
 * in it. */
typedef int (*app_read_fn)(app_ctx *c, void *arg, json_t **detail, ics_err *e);
int app_read_audited(app_ctx *c, const char *action, const char *object_type, const char *object_id,
                     app_read_fn read, void *arg, ics_err *e);

/* Events the caller may see (app_event_visible, app/live.h) with id >
 * after, oldest first (at most limit), and the newest id overall in *last. */
extern const app_use APP_EVENTS_LIST;
int app_events_list(app_ctx *c, int64_t after, int64_t limit, json_t **rows, int64_t *last,
                    ics_err *e);

/* The audit log, newest first, filtered by object type, id and actor
 * (each may be NULL). Administrators only. */
extern const app_use APP_AUDIT_LIST;
/* The store keeps every instant as INTEGER seconds since the epoch; the
 * API and the audit trail show them as ISO 8601 UTC ("2026-12-03T22:04:08Z").
 * In v (an object, or an array of objects) replace the integer value of
 * each key named in keys (comma-separated) with that text; null stays null.
 * Returns v. */
json_t *app_json_utc(json_t *v, const char *keys);

/* after (0: none): the id of the last row of the page before (keyset):
 * the records with smaller ids. The log is in id order, so a cursor that
 * names no record (purged between pages, above the newest, another ICS's)
 * still means "older than this"; it is not refused.
 * The page is JSON text, written row by row (app/page.h): {items, limit,
 * offset, next_after[, next]}; next is next_base (ending in "after=", NULL
 * for none) with the cursor. */
int app_audit_page(app_ctx *c, const char *object_type, const char *object_id, const char *actor,
                   int64_t limit, int64_t offset, int64_t after, const char *next_base, char **text,
                   size_t *len, ics_err *e);

/* 0 when the database answers (the liveness check). */
int app_db_ping(store *s, ics_err *e);

/* ---- the database and its first start ---------------------------------- */

/* Open (creating if needed), migrate, and complete seeding: a new database
 * gets the directory from data_dir and the synthetic history, one step per
 * transaction, each step recorded with its completion so that a start that
 * was interrupted is finished by the next one. *seeded counts the steps run
 * now. ICSFLOW_STOP_AFTER_STEP=N (tests only) exits with status 3 after
 * step N commits. */
int app_db_open(const char *path, const char *data_dir, store **out, int *seeded, ics_err *e);
/* The same for a database that is to hold only what its caller puts in it
 * (`icsflow import` without --seed): a new database gets its schema and
 * every seeding step recorded as done, so neither this start nor a later
 * one seeds the NWL directory or the synthetic history into it
 * (*left_empty = 1). An existing database opens as with app_db_open. */
int app_db_open_unseeded(const char *path, const char *data_dir, store **out, int *seeded,
                         int *left_empty, ics_err *e);

/* Seeding steps, in order. */
typedef struct app_seed_step {
    const char *name;
    int (*run)(app_ctx *c, const char *data_dir, ics_err *e);
} app_seed_step;
extern const app_seed_step app_seed_steps[];
int app_seed_count(void);

/* Schema steps applied, places in the directory, seeding steps done. */
int app_db_summary(store *s, int64_t *schema_steps, int64_t *places, int64_t *seed_steps,
                   ics_err *e);

#endif
