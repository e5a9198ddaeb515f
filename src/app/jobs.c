/* app/jobs.c - background jobs: submission (the use case's own checks
 * first, then one queued row), reading and cancelling them (owner only),
 * and the worker pool that runs them in the server process.
 *
 * Each worker has its own database connection. A job runs as its owner
 * (name, role, organisation stored with it) through the same app_ function
 * as a direct request. While it runs, a watcher thread with its own
 * database connection writes the engine's progress and reads the job's
 * cancel flag four times a second; once cancelled it sets an atomic flag
 * the engines poll every few thousand events or pivots, so a cancelled run
 * stops within about a second and nothing of it is stored. */
#include "app/jobs.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/ics.h"
#include "app/sim.h"
#include "app/waitlist.h"
#include "core/log.h"
#include "core/tz.h"
#include "store/jobs.h"

const app_use APP_JOB_READ = {"job.read", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_JOB_CANCEL = {"job.cancel", ROLE_ANY, APP_SCOPE_NONE};
/* audit actions of the job's own steps (role checks are the run's) */
static const app_use JOB_SUBMIT = {"job.submit", ROLE_ANY, APP_SCOPE_NONE};
static const app_use JOB_FINISH = {"job.finish", ROLE_ANY, APP_SCOPE_NONE};

static const char *const kinds[] = {"sim.run", "waitlist.allocate"};

/* ---- views -------------------------------------------------------------------- */

static json_t *when(json_t *v)
{
    if (!json_is_integer(v)) return json_null();
    char t[32];
    tz_format_utc(json_integer_value(v), t, sizeof t);
    return json_string(t);
}

static json_t *view(const json_t *row)
{
    int64_t id = json_integer_value(json_object_get(row, "id"));
    char self[64];
    snprintf(self, sizeof self, "/api/v1/jobs/%lld", (long long)id);
    json_t *res = json_object_get(row, "result");
    json_t *o = json_pack("{sIsOsOsOsOsOsososososo}", "id", (json_int_t)id, "kind",
                          json_object_get(row, "kind"), "owner", json_object_get(row, "owner"),
                          "state", json_object_get(row, "state"), "progress",
                          json_object_get(row, "progress"), "error", json_object_get(row, "error"),
                          "created_at", when(json_object_get(row, "created_at")), "started_at",
                          when(json_object_get(row, "started_at")), "finished_at",
                          when(json_object_get(row, "finished_at")), "result",
                          json_is_string(res) ? json_incref(res) : json_null(), "links",
                          json_pack("{ss}", "self", self));
    if (json_is_string(res)) json_object_set(json_object_get(o, "links"), "result", res);
    const char *ics = json_string_value(json_object_get(row, "owner_ics"));
    if (ics && *ics) json_object_set_new(o, "ics", json_string(ics));
    return o;
}

/* Load a job the caller may see: its owner, or an administrator. */
static int load_own(app_ctx *c, int64_t id, json_t **row, ics_err *e)
{
    int rc = store_job_get(c->db, id, row, e);
    if (rc) return rc;
    const char *owner = json_string_value(json_object_get(*row, "owner"));
    if ((c->who.role_bit & ROLE_ADMIN) || (owner && !strcmp(owner, c->who.name))) return 0;
    json_decref(*row);
    *row = NULL;
    return ics_err_set(e, ICS_ENOTFOUND, "no job %lld", (long long)id);
}

static void job_id(int64_t id, char buf[32])
{
    snprintf(buf, 32, "%lld", (long long)id);
}

/* ---- use cases ----------------------------------------------------------------- */

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;

int app_job_submit(app_ctx *c, app_job_kind kind, const json_t *body, json_t **job, ics_err *e)
{
    assert(kind == APP_JOB_SIM_RUN || kind == APP_JOB_WAITLIST_ALLOCATE);
    *job = NULL;
    int rc;
    if (kind == APP_JOB_SIM_RUN) {
        app_sim_req *r = NULL;
        rc = app_sim_run_check(c, body, &r, e);
        app_sim_req_free(r);
    } else {
        app_waitlist_opts o;
        rc = app_waitlist_allocate_check(c, body, &o, e);
    }
    /* the ICS asked for is checked now (403/404) and kept for the run */
    app_ics_set asked;
    if (!rc) rc = app_ics_resolve(c, &asked, e);
    if (rc) return rc;
    int64_t id = 0;
    json_t *row = NULL;
    rc = app_begin(c, e);
    if (rc) return rc;
    rc = store_job_insert(c->db, kinds[kind], c->who.name, c->who.role, c->who.org, c->ics, body,
                          c->now, &id, e);
    if (!rc) rc = store_job_get(c->db, id, &row, e);
    if (!rc) {
        char ids[32];
        job_id(id, ids);
        const char *orgs[] = {c->who.org, NULL};
        rc = app_record(c, &JOB_SUBMIT, "job", ids, NULL, NULL, "job.submitted", orgs,
                        json_pack("{sIss}", "id", (json_int_t)id, "kind", kinds[kind]), e);
    }
    rc = app_end(c, rc, e);
    if (rc) {
        json_decref(row);
        return rc;
    }
    *job = view(row);
    json_decref(row);
    pthread_mutex_lock(&wake_mu);
    pthread_cond_signal(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
    return 0;
}

int app_job_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    json_t *row = NULL;
    int rc = app_allow(c, &APP_JOB_READ, e);
    if (!rc) rc = load_own(c, id, &row, e);
    if (rc) return rc;
    *out = view(row);
    json_decref(row);
    return 0;
}

int app_job_cancel(app_ctx *c, int64_t id, json_t **out, int *running, ics_err *e)
{
    json_t *row = NULL;
    int rc = app_allow(c, &APP_JOB_CANCEL, e);
    if (!rc) rc = load_own(c, id, &row, e);
    if (rc) return rc;
    const char *org = json_string_value(json_object_get(row, "owner_org"));
    char owner_org[16];
    snprintf(owner_org, sizeof owner_org, "%s", org ? org : "");
    json_decref(row);
    row = NULL;
    char state[16] = "";
    rc = app_begin(c, e);
    if (rc) return rc;
    rc = store_job_cancel(c->db, id, c->now, state, e);
    if (!rc && strcmp(state, "cancelled") && strcmp(state, "running"))
        rc = ics_err_set(e, ICS_ECONFLICT, "job %lld has already finished (%s)", (long long)id,
                         state);
    if (!rc) {
        char ids[32];
        job_id(id, ids);
        const char *orgs[] = {owner_org, NULL};
        int fin = !strcmp(state, "cancelled");
        rc = app_record(c, &APP_JOB_CANCEL, "job", ids, NULL, NULL,
                        fin ? "job.finished" : "job.cancel_requested", orgs,
                        json_pack("{sIss}", "id", (json_int_t)id, "state", state), e);
    }
    if (!rc) rc = store_job_get(c->db, id, &row, e);
    rc = app_end(c, rc, e);
    if (rc) {
        json_decref(row);
        return rc;
    }
    *running = !strcmp(state, "running");
    *out = view(row);
    json_decref(row);
    return 0;
}

/* ---- the worker pool -------------------------------------------------------------- */

#define MAX_WORKERS 8

static struct {
    pthread_t th[MAX_WORKERS];
    int n, stop;
    char path[1024];
} W;

typedef struct watch {
    pthread_mutex_t mu; /* the engine may report from several threads */
    pthread_cond_t cv;  /* wakes the watcher when the run ends */
    store *db;          /* the job's own connection (its thread only) */
    int64_t id;
    double frac; /* the engine's last progress */
    int cancel;  /* the cancel flag was seen in the database */
    int done;    /* the run has ended: the watcher stops */
    atomic_int stop;
} watch;

#define WATCH_EVERY_MS 250

/* The engine's progress, from any of its threads: only remembered; the
 * watcher writes it. */
static void on_progress(void *ctx, double frac)
{
    watch *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    pthread_mutex_unlock(&w->mu);
}

/* The watcher: every WATCH_EVERY_MS, write the progress and read the
 * cancel flag on a connection of its own (the job's is busy, or held by
 * the engine's caller), and raise the engines' stop flag when asked. */
static void *watcher(void *arg)
{
    watch *w = arg;
    store *db = NULL;
    ics_err e = {0};
    if (store_open(W.path, &db, NULL, &e)) {
        ics_log("error", "job %lld: the watcher cannot open the database: %s", (long long)w->id,
                e.msg);
        return NULL;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WATCH_EVERY_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        if (w->done) break;
        double frac = w->frac;
        pthread_mutex_unlock(&w->mu);
        int cancel = 0;
        ics_err pe = {0};
        if (store_job_progress(db, w->id, frac, &cancel, &pe) == 0 && cancel)
            atomic_store(&w->stop, 1);
        pthread_mutex_lock(&w->mu);
        w->cancel |= cancel;
    }
    pthread_mutex_unlock(&w->mu);
    store_close(db);
    return NULL;
}

/* Asked on the job's thread once the engine has returned: a last look
 * at the flag, so a cancellation that came after the watcher's last one
 * still discards the result. */
static int on_cancelled(void *ctx)
{
    watch *w = ctx;
    ics_err e = {0};
    int cancel = 0;
    if (store_job_progress(w->db, w->id, 1, &cancel, &e) == 0 && cancel) atomic_store(&w->stop, 1);
    pthread_mutex_lock(&w->mu);
    w->cancel |= cancel;
    int c = w->cancel;
    pthread_mutex_unlock(&w->mu);
    return c;
}

/* Record how a job ended: its row, one audit record, one `job.finished`. */
static void finish(app_ctx *c, int64_t id, const char *kind, const char *org, const char *state,
                   const char *result, const char *error)
{
    ics_err e = {0};
    char ids[32];
    job_id(id, ids);
    const char *orgs[] = {org, NULL};
    int rc = app_begin(c, &e);
    if (rc == 0) {
        rc = store_job_finish(c->db, id, state, result, error, c->now, &e);
        if (!rc)
            rc = app_record(c, &JOB_FINISH, "job", ids, NULL, NULL, "job.finished", orgs,
                            json_pack("{sIssssss?}", "id", (json_int_t)id, "kind", kind, "state",
                                      state, "result", result),
                            &e);
        rc = app_end(c, rc, &e);
    }
    if (rc) ics_log("error", "job %lld: could not record its end: %s", (long long)id, e.msg);
}

static void run_job(store *db, json_t *row)
{
    int64_t id = json_integer_value(json_object_get(row, "id"));
    const char *kind = json_string_value(json_object_get(row, "kind"));
    const char *owner = json_string_value(json_object_get(row, "owner"));
    const char *role = json_string_value(json_object_get(row, "owner_role"));
    const char *org = json_string_value(json_object_get(row, "owner_org"));
    const char *ics = json_string_value(json_object_get(row, "owner_ics"));
    app_ctx c = {db,
                 {owner, role, users_role_bit(role), org ? org : "", "job"},
                 tz_now(),
                 0,
                 ics && *ics ? ics : NULL,
                 ""};
    json_t *body = json_object_get(row, "request");
    watch w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .db = db, .id = id};
    atomic_init(&w.stop, 0);
    app_run_hook hook = {on_progress, on_cancelled, &w, &w.stop};
    pthread_t wt;
    int watching = pthread_create(&wt, NULL, watcher, &w) == 0;
    ics_err e = {0};
    char result[96] = "";
    int rc;
    json_t *out = NULL;
    if (!strcmp(kind, kinds[APP_JOB_SIM_RUN])) {
        int64_t run = 0;
        app_sim_req *r = NULL;
        rc = app_sim_run_check(&c, body, &r, &e);
        if (!rc) rc = app_sim_run_exec(&c, r, &hook, &out, &run, &e);
        app_sim_req_free(r);
        if (!rc) snprintf(result, sizeof result, "/api/v1/sim/runs/%lld", (long long)run);
    } else {
        rc = app_waitlist_allocate(&c, json_is_object(body) ? body : NULL, &hook, &out, &e);
        if (!rc)
            snprintf(result, sizeof result, "/api/v1/waitlist/runs/%lld",
                     (long long)json_integer_value(json_object_get(out, "id")));
    }
    json_decref(out);
    pthread_mutex_lock(&w.mu);
    w.done = 1;
    pthread_cond_signal(&w.cv);
    pthread_mutex_unlock(&w.mu);
    if (watching) pthread_join(wt, NULL);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    c.now = tz_now();
    if (!rc)
        finish(&c, id, kind, c.who.org, "done", result, NULL);
    else if (w.cancel)
        finish(&c, id, kind, c.who.org, "cancelled", NULL,
               "cancelled while running; nothing stored");
    else
        finish(&c, id, kind, c.who.org, "failed", NULL, e.msg);
}

static void *worker(void *arg)
{
    (void)arg;
    store *db = NULL;
    ics_err e = {0};
    if (store_open(W.path, &db, NULL, &e)) {
        ics_log("error", "job worker: cannot open the database: %s", e.msg);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&wake_mu);
        int stop = W.stop;
        pthread_mutex_unlock(&wake_mu);
        if (stop) break;
        json_t *row = NULL;
        ics_err ce = {0};
        int rc = store_job_claim(db, tz_now(), &row, &ce);
        if (rc == 0) {
            run_job(db, row);
            json_decref(row);
            continue;
        }
        if (rc != ICS_ENOTFOUND) ics_log("error", "job worker: %s", ce.msg);
        /* nothing queued: sleep until a submission or a second has passed
         * (another server on the same database may have queued one) */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_mutex_lock(&wake_mu);
        if (!W.stop) pthread_cond_timedwait(&wake_cv, &wake_mu, &ts);
        pthread_mutex_unlock(&wake_mu);
    }
    store_close(db);
    return NULL;
}

int app_jobs_start(const char *db_path, int workers, ics_err *e)
{
    assert(db_path && W.n == 0);
    if (workers < 1) workers = 1;
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    snprintf(W.path, sizeof W.path, "%s", db_path);
    store *db = NULL;
    int rc = store_open(db_path, &db, NULL, e);
    if (rc) return rc;
    /* jobs a stopped server left behind: failed, each announced */
    app_ctx c = {db, {"server", "admin", ROLE_ADMIN, "", "job"}, tz_now(), 0, NULL, ""};
    int64_t ids[256];
    int n = 0;
    rc = app_begin(&c, e);
    if (!rc) {
        rc = store_jobs_fail_unfinished(db, "failed: server restarted", c.now, ids, 256, &n, e);
        for (int i = 0; i < n && !rc; i++) {
            char s[32];
            job_id(ids[i], s);
            rc = app_record(&c, &JOB_FINISH, "job", s, NULL, NULL, "job.finished", NULL,
                            json_pack("{sIssss}", "id", (json_int_t)ids[i], "state", "failed",
                                      "error", "server restarted"),
                            e);
        }
        rc = app_end(&c, rc, e);
    }
    store_close(db);
    if (rc) return rc;
    W.stop = 0;
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&W.th[i], NULL, worker, NULL) != 0) break;
        W.n++;
    }
    return W.n ? 0 : ics_err_set(e, ICS_EINTERNAL, "cannot start the job workers");
}

void app_jobs_stop(void)
{
    pthread_mutex_lock(&wake_mu);
    W.stop = 1;
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
    for (int i = 0; i < W.n; i++) pthread_join(W.th[i], NULL);
    W.n = 0;
}
