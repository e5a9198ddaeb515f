/* app/sitrep.c - use cases of daily sitreps, OPEL levels and mutual aid:
 * parse and check what a provider submits, score it with the sitrep engine
 * against the thresholds held in the database, build the daily call view
 * and history, import and generate history, and take a mutual-aid request
 * through its lifecycle. Each write is one transaction with its audit
 * record and change events (see docs/events.md); the SQL is in
 * src/store/sitrep.c. */
#include "app/sitrep.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ics.h"
#include "app/seed.h"
#include "core/csv.h"
#include "core/geo.h"
#include "core/jget.h"
#include "core/progress.h"
#include "core/sb.h"
#include "core/tz.h"
#include "store/ics.h"
#include "store/sitrep.h"

#define SEED      2026u
#define SEED_DAYS 365

#define OPS (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_TRUST_OPS)

const app_use APP_SITREP_SUBMIT = {"sitrep.submit", OPS, APP_SCOPE_OWN_TRUST};
const app_use APP_SITREP_AMEND = {"sitrep.amend", OPS, APP_SCOPE_OWN_TRUST};
const app_use APP_SITREP_TODAY = {"sitrep.today", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_SITREP_HISTORY = {"sitrep.history", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_SITREP_VERSIONS = {"sitrep.versions", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_SITREP_FIELDS = {"sitrep.fields", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_SITREP_THRESHOLDS_GET = {"sitrep.thresholds.get", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_SITREP_THRESHOLDS_LOAD = {"sitrep.thresholds.load", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_SITREP_IMPORT = {"sitrep.import", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_SITREP_GENERATE = {"sitrep.generate", ROLE_ADMIN | ROLE_ANALYST, APP_SCOPE_NONE};
const app_use APP_SITREP_AID_REQUEST = {"sitrep.aid.request", OPS, APP_SCOPE_OWN_TRUST};
const app_use APP_SITREP_AID_GET = {"sitrep.aid.get", OPS, APP_SCOPE_PARTY};
const app_use APP_SITREP_AID_LIST = {"sitrep.aid.list", OPS, APP_SCOPE_PARTY};
const app_use APP_SITREP_AID_SUGGEST = {"sitrep.aid.suggest", OPS, APP_SCOPE_PARTY};
const app_use APP_SITREP_AID_OFFER = {"sitrep.aid.offer", OPS, APP_SCOPE_OWN_TRUST};
const app_use APP_SITREP_AID_AGREE = {"sitrep.aid.agree", OPS, APP_SCOPE_PARTY};
const app_use APP_SITREP_AID_FULFIL = {"sitrep.aid.fulfil", OPS, APP_SCOPE_PARTY};
const app_use APP_SITREP_AID_WITHDRAW = {"sitrep.aid.withdraw", OPS, APP_SCOPE_PARTY};

/* ---- small helpers ------------------------------------------------------ */

/* A string member: NULL when absent or null; problem when of another type. */
static const char *str_member(const json_t *body, const char *k, problems *pb)
{
    json_t *v = json_object_get(body, k);
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return json_string_value(v);
    problems_add(pb, "field '%s' must be a string", k);
    return NULL;
}

static int unknown_members(const json_t *body, const char *const *known, problems *pb)
{
    const char *k;
    json_t *v;
    int bad = 0;
    json_object_foreach((json_t *)body, k, v)
    {
        int ok = 0;
        for (const char *const *q = known; *q; q++) ok |= strcmp(*q, k) == 0;
        if (!ok) {
            problems_add(pb, "unknown field '%s'", k);
            bad = 1;
        }
    }
    return bad;
}

/* A number member of a rule or level row, with a problem when it is not. */
static double num_member(const json_t *o, const char *k, const char *what, size_t i, problems *pb)
{
    json_t *v = json_object_get(o, k);
    if (json_is_number(v)) return json_number_value(v);
    problems_add(pb, "%s[%zu]: field '%s' must be a number", what, i, k);
    return 0;
}

/* ---- providers ---------------------------------------------------------- */

/* A provider that submits and its SITREP_* kind. ICS_EINVAL when unknown,
 * or when it is of a kind that submits no sitrep (the ICB). */
static int provider_of(store *s, const char *code, store_sitrep_provider *pv, int *kind, ics_err *e)
{
    int rc = store_sitrep_provider_find(s, code, pv, e);
    if (rc == ICS_ENOTFOUND) { /* in a body: the content is wrong (422), not the path */
        if (e) e->code = ICS_EINVAL;
        return ICS_EINVAL;
    }
    if (rc) return rc;
    *kind = sitrep_kind_find(pv->kind);
    if (*kind < 0)
        return ics_err_set(e, ICS_EINVAL, "'%s' (%s) is of kind '%s', which submits no sitrep",
                           code, pv->name, pv->kind[0] ? pv->kind : "?");
    return 0;
}

/* ---- JSON forms --------------------------------------------------------- */

static json_t *fields_json(const sitrep_values *v)
{
    json_t *o = json_object();
    for (int f = 0; f < SITREP_NFIELDS; f++) {
        if (!v->has[f]) continue;
        const sitrep_field_def *d = sitrep_field(f);
        json_object_set_new(o, d->name,
                            d->is_int ? json_integer((json_int_t)llround(v->v[f]))
                                      : json_real(v->v[f]));
    }
    return o;
}

static json_t *params_json(const sitrep_submission *sub)
{
    json_t *o = json_object();
    for (int p = 0; p < SITREP_NPARAMS; p++) {
        double x;
        if (sitrep_param_value(sub, p, &x))
            json_object_set_new(o, sitrep_param_name(p), json_real(round(x * 100) / 100));
    }
    return o;
}

static json_t *drivers_json(const sitrep_score *sc)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sc->ndrivers; i++) {
        const sitrep_driver *d = &sc->drivers[i];
        json_array_append_new(
            a,
            json_pack("{sssssssfsisfsfsfsf}", "parameter", sitrep_param_name(d->param), "label",
                      sitrep_param_label(d->param), "unit", sitrep_param_unit(d->param), "value",
                      round(d->value * 100) / 100, "band", d->band, "points", d->points, "weight",
                      d->weight, "contribution", d->contribution, "excess", d->excess));
    }
    return a;
}

/* Rebuild a submission from a stored row's kind, org, day and fields. */
static int sub_from_row(const json_t *row, sitrep_submission *sub)
{
    memset(sub, 0, sizeof *sub);
    snprintf(sub->org, sizeof sub->org, "%s", json_string_value(json_object_get(row, "org")));
    sub->kind = sitrep_kind_find(json_string_value(json_object_get(row, "kind")));
    ics_err e = {0};
    if (tz_parse_date(json_string_value(json_object_get(row, "day")), &sub->day, &e)) return -1;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(row, "fields"), k, v)
        sitrep_values_set(&sub->val, sub->kind, k, json_number_value(v), &e);
    sub->declared_level = (int)json_integer_value(json_object_get(row, "declared_level"));
    const char *r = json_string_value(json_object_get(row, "reason"));
    if (r) snprintf(sub->reason, sizeof sub->reason, "%s", r);
    return sub->kind < 0 ? -1 : 0;
}

/* ---- thresholds --------------------------------------------------------- */

/* The thresholds in force, as the engine's checked set. */
static int thresholds_load(store *s, sitrep_thresholds **out, ics_err *e)
{
    json_t *rules = NULL, *levels = NULL;
    *out = NULL;
    int rc = store_sitrep_thresholds_rows(s, &rules, &levels, e);
    sitrep_thresholds *t = rc ? NULL : sitrep_thresholds_new();
    size_t i;
    json_t *r;
    if (t) json_array_foreach(rules, i, r)
        {
            sitrep_rule x = {0};
            x.kind = sitrep_kind_find(json_string_value(json_object_get(r, "kind")));
            x.param = sitrep_param_find(json_string_value(json_object_get(r, "parameter")));
            const char *dir = json_string_value(json_object_get(r, "direction"));
            x.lower_worse = dir && strcmp(dir, "lower_worse") == 0;
            static const char *const from[] = {"band2_from", "band3_from", "band4_from"};
            static const char *const pts[] = {"points1", "points2", "points3", "points4"};
            for (int k = 0; k < 3; k++) x.from[k] = json_number_value(json_object_get(r, from[k]));
            for (int k = 0; k < 4; k++) x.points[k] = json_number_value(json_object_get(r, pts[k]));
            x.weight = json_number_value(json_object_get(r, "weight"));
            if ((rc = sitrep_thresholds_add(t, &x, e))) break;
        }
    if (t && !rc) json_array_foreach(levels, i, r)
        {
            double max[3] = {json_number_value(json_object_get(r, "opel1_max")),
                             json_number_value(json_object_get(r, "opel2_max")),
                             json_number_value(json_object_get(r, "opel3_max"))};
            int kind = sitrep_kind_find(json_string_value(json_object_get(r, "kind")));
            if ((rc = sitrep_thresholds_levels(t, kind, max, e))) break;
        }
    json_decref(rules);
    json_decref(levels);
    if (rc) {
        sitrep_thresholds_free(t);
        ics_err_prefix(e, "stored OPEL thresholds: ");
        return rc;
    }
    *out = t;
    return 0;
}

/* {source, rules, levels} as stored. */
static int thresholds_json(store *s, json_t **out, ics_err *e)
{
    json_t *rules, *levels;
    int rc = store_sitrep_thresholds_rows(s, &rules, &levels, e);
    if (rc) return rc;
    *out = json_pack("{sososo}", "rules", rules, "levels", levels, "source",
                     store_sitrep_thresholds_source(s));
    return 0;
}

/* Store a checked set in the caller's transaction (rows of the stored form). */
static int thresholds_store(store *s, const sitrep_thresholds *t, const char *source, ics_err *e)
{
    json_t *rules = json_array(), *levels = json_array();
    for (size_t i = 0; i < sitrep_thresholds_count(t); i++) {
        const sitrep_rule *r = sitrep_thresholds_rule(t, i);
        json_array_append_new(
            rules, json_pack("{sssssssfsfsfsfsfsfsfsf}", "kind", sitrep_kind_name(r->kind),
                             "parameter", sitrep_param_name(r->param), "direction",
                             r->lower_worse ? "lower_worse" : "higher_worse", "band2_from",
                             r->from[0], "band3_from", r->from[1], "band4_from", r->from[2],
                             "points1", r->points[0], "points2", r->points[1], "points3",
                             r->points[2], "points4", r->points[3], "weight", r->weight));
    }
    for (int k = 0; k < SITREP_NKINDS; k++) {
        double max[3];
        if (!sitrep_thresholds_kind(t, k, max)) continue;
        json_array_append_new(levels,
                              json_pack("{sssfsfsf}", "kind", sitrep_kind_name(k), "opel1_max",
                                        max[0], "opel2_max", max[1], "opel3_max", max[2]));
    }
    int rc = store_sitrep_thresholds_replace(s, rules, levels, source, e);
    json_decref(rules);
    json_decref(levels);
    return rc;
}

/* Parse and check a submission object {org, day?, fields{}, declared_level?,
 * reason?}; every problem is collected into one ICS_EINVAL message. */
static int parse_submission(store *s, const json_t *body, int64_t today, int max_age_days,
                            sitrep_submission *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    problems pb;
    problems_init(&pb);
    int have_org = 0;
    const char *key;
    json_t *v;
    out->day = today;
    json_object_foreach((json_t *)body, key, v)
    {
        if (strcmp(key, "org") == 0) {
            ics_err pe = {0};
            store_sitrep_provider p;
            if (!json_is_string(v)) {
                problems_add(&pb, "field 'org' must be a string");
            } else if (provider_of(s, json_string_value(v), &p, &out->kind, &pe)) {
                problems_add(&pb, "%s", pe.msg);
            } else {
                snprintf(out->org, sizeof out->org, "%s", p.code);
                have_org = 1;
            }
        } else if (strcmp(key, "day") == 0) {
            ics_err de = {0};
            if (!json_is_string(v)) {
                problems_add(&pb, "field 'day' must be a date string YYYY-MM-DD");
            } else if (tz_parse_date(json_string_value(v), &out->day, &de)) {
                problems_add(&pb, "field 'day': %s", de.msg);
            }
        } else if (strcmp(key, "declared_level") == 0) {
            if (json_is_null(v)) continue;
            if (!json_is_integer(v))
                problems_add(&pb, "field 'declared_level' must be an integer 1-4");
            else
                out->declared_level = (int)json_integer_value(v);
            if (out->declared_level == 0 && json_is_integer(v))
                problems_add(&pb, "declared_level must be 1 to 4, not 0");
        } else if (strcmp(key, "reason") == 0) {
            if (json_is_null(v)) continue;
            if (!json_is_string(v))
                problems_add(&pb, "field 'reason' must be a string");
            else if (strlen(json_string_value(v)) >= SITREP_REASON_MAX)
                problems_add(&pb, "field 'reason' is too long (400 characters at most)");
            else
                snprintf(out->reason, sizeof out->reason, "%s", json_string_value(v));
        } else if (strcmp(key, "fields") != 0) {
            problems_add(&pb, "unknown field '%s'", key);
        }
    }
    json_t *fields = json_object_get(body, "fields");
    if (!fields) {
        problems_add(&pb, "missing field 'fields' (an object of figures)");
    } else if (!json_is_object(fields)) {
        problems_add(&pb, "field 'fields' must be an object");
    } else {
        json_object_foreach(fields, key, v)
        {
            int f = sitrep_field_find(key);
            if (f < 0) {
                problems_add(&pb, "unknown field 'fields.%s'", key);
            } else if (!json_is_number(v)) {
                problems_add(&pb, "field '%s' must be a number", key);
            } else if (have_org && !sitrep_field_applies(f, out->kind)) {
                problems_add(&pb, "field '%s' does not apply to %s providers", key,
                             sitrep_kind_name(out->kind));
            } else {
                out->val.v[f] = json_number_value(v);
                out->val.has[f] = 1;
            }
        }
    }
    if (!json_object_get(body, "org")) problems_add(&pb, "missing field 'org'");
    if (have_org) {
        ics_err ce = {0};
        if (sitrep_submission_check(out, today, max_age_days, &ce)) problems_add(&pb, "%s", ce.msg);
    }
    return problems_done(&pb, e);
}

/* Parse {source?, rules: [...], levels: [...]} (the form thresholds_json
 * gives) into a checked set; every problem in one ICS_EINVAL message.
 * source (size srcn) receives the label. */
static int parse_thresholds(const json_t *body, sitrep_thresholds **out, char *source, size_t srcn,
                            ics_err *e)
{
    static const char *const top[] = {"source", "rules", "levels", NULL};
    static const char *const rk[] = {"kind",       "parameter",  "direction", "band2_from",
                                     "band3_from", "band4_from", "points1",   "points2",
                                     "points3",    "points4",    "weight",    NULL};
    static const char *const lk[] = {"kind", "opel1_max", "opel2_max", "opel3_max", NULL};
    *out = NULL;
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    problems pb;
    problems_init(&pb);
    unknown_members(body, top, &pb);
    const char *src = str_member(body, "source", &pb);
    if (source && srcn) snprintf(source, srcn, "%s", src ? src : "loaded through the API");
    json_t *rules = json_object_get(body, "rules"), *levels = json_object_get(body, "levels");
    if (!json_is_array(rules) || !json_array_size(rules))
        problems_add(&pb, "field 'rules' must be a non-empty array");
    if (!json_is_array(levels) || !json_array_size(levels))
        problems_add(&pb, "field 'levels' must be a non-empty array");
    sitrep_thresholds *t = sitrep_thresholds_new();
    size_t i;
    json_t *r;
    if (json_is_array(rules)) json_array_foreach(rules, i, r)
        {
            if (!json_is_object(r)) {
                problems_add(&pb, "rules[%zu] must be an object", i);
                continue;
            }
            int before = pb.n;
            unknown_members(r, rk, &pb);
            sitrep_rule x = {0};
            const char *kind = json_string_value(json_object_get(r, "kind"));
            const char *prm = json_string_value(json_object_get(r, "parameter"));
            const char *dir = json_string_value(json_object_get(r, "direction"));
            x.kind = sitrep_kind_find(kind);
            x.param = sitrep_param_find(prm);
            if (x.kind < 0 || x.param < 0 || !dir ||
                (strcmp(dir, "higher_worse") && strcmp(dir, "lower_worse"))) {
                problems_add(
                    &pb,
                    "rules[%zu]: kind, parameter and direction (higher_worse or lower_worse)"
                    " must be known names",
                    i);
            }
            x.lower_worse = dir && strcmp(dir, "lower_worse") == 0;
            for (int k = 0; k < 3; k++) x.from[k] = num_member(r, rk[3 + k], "rules", i, &pb);
            for (int k = 0; k < 4; k++) x.points[k] = num_member(r, rk[6 + k], "rules", i, &pb);
            x.weight = num_member(r, "weight", "rules", i, &pb);
            ics_err re = {0};
            if (pb.n == before && sitrep_thresholds_add(t, &x, &re)) {
                problems_add(&pb, "rules[%zu]: %s", i, re.msg);
            }
        }
    if (json_is_array(levels)) json_array_foreach(levels, i, r)
        {
            if (!json_is_object(r)) {
                problems_add(&pb, "levels[%zu] must be an object", i);
                continue;
            }
            int before = pb.n;
            unknown_members(r, lk, &pb);
            int kind = sitrep_kind_find(json_string_value(json_object_get(r, "kind")));
            if (kind < 0) {
                problems_add(&pb, "levels[%zu]: unknown kind", i);
            }
            double max[3];
            for (int k = 0; k < 3; k++) max[k] = num_member(r, lk[1 + k], "levels", i, &pb);
            ics_err le = {0};
            if (pb.n == before && sitrep_thresholds_levels(t, kind, max, &le)) {
                problems_add(&pb, "levels[%zu]: %s", i, le.msg);
            }
        }
    ics_err ce = {0};
    if (!pb.n && sitrep_thresholds_check(t, &ce)) problems_add(&pb, "%s", ce.msg);
    if (pb.n) {
        sitrep_thresholds_free(t);
        return problems_done(&pb, e);
    }
    problems_done(&pb, NULL);
    *out = t;
    return 0;
}

/* ---- scoring and saving -------------------------------------------------- */

static const char *source_name(int src)
{
    return src == SITREP_LEVEL_DECLARED ? "declared" : "computed";
}

/* Score a checked submission and store it as the next version of its
 * provider-day. *version and *saved may be NULL. */
/* Instants are seconds in the store and ISO 8601 UTC in every view. */
#define SUBMITTED "submitted_at"

/* A mutual-aid request with its offers and history, times as text. */
static int aid_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    int rc = store_sitrep_aid_get(s, id, out, e);
    if (rc) return rc;
    app_json_utc(*out, "created_at,updated_at");
    app_json_utc(json_object_get(*out, "offers"), "created_at");
    app_json_utc(json_object_get(*out, "events"), "at");
    return 0;
}

static int save(store *s, const sitrep_thresholds *t, const sitrep_submission *sub, const char *by,
                const char *source, int64_t at, int64_t *version, json_t **saved, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* a version is numbered and stored in one transaction */
    sitrep_score sc;
    int rc = sitrep_score_compute(t, sub, &sc, e);
    if (rc) return rc;
    char day[16], trust[4];
    tz_format_date(sub->day, day, sizeof day);
    snprintf(trust, sizeof trust, "%.3s", sub->org);
    json_t *fj = fields_json(&sub->val), *pj = params_json(sub), *dj = drivers_json(&sc);
    store_sitrep_row r = {sub->org,
                          trust,
                          sitrep_kind_name(sub->kind),
                          day,
                          fj,
                          pj,
                          dj,
                          sub->declared_level,
                          sub->reason,
                          sc.level,
                          sc.computed,
                          sc.level_computed,
                          source_name(sc.source),
                          sc.total,
                          sc.min_total,
                          sc.max_total,
                          sitrep_submission_beds(sub),
                          source,
                          by,
                          at};
    rc = store_sitrep_insert(s, &r, version, saved, e);
    if (!rc && saved) app_json_utc(*saved, SUBMITTED);
    json_decref(fj);
    json_decref(pj);
    json_decref(dj);
    return rc;
}

/* The row for org on day (or NULL) in an array of rows. */
static json_t *row_for(json_t *rows, const char *org, const char *day)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "org")), org) == 0 &&
            strcmp(json_string_value(json_object_get(r, "day")), day) == 0)
            return r;
    }
    return NULL;
}

/* A trust-level row built from its acute sites' rows for the day. */
static json_t *combined_row(const sitrep_thresholds *t, json_t *rows, const char *trust,
                            const char *day, json_t *sites_out)
{
    sitrep_submission subs[16]; /* NWL trusts have 1-5 acute sites; beyond 16 are not combined */
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *org = json_string_value(json_object_get(r, "org"));
        if (strlen(org) != 5 || strncmp(org, trust, 3) != 0 ||
            strcmp(json_string_value(json_object_get(r, "day")), day) != 0)
            continue;
        json_array_append_new(sites_out, json_pack("{sssOsO}", "org", org, "level",
                                                   json_object_get(r, "level"), "version",
                                                   json_object_get(r, "version")));
        if (n < 16 && strcmp(json_string_value(json_object_get(r, "kind")), "acute") == 0 &&
            sub_from_row(r, &subs[n]) == 0)
            n++;
    }
    if (!n) return NULL;
    sitrep_submission trustsub;
    sitrep_submission_combine(subs, n, trust, &trustsub);
    sitrep_score sc;
    ics_err e = {0};
    if (sitrep_score_compute(t, &trustsub, &sc, &e)) return NULL;
    return json_pack("{sssssisssosososfsoso}", "org", trust, "day", day, "level", sc.level,
                     "level_source", "computed from sites", "score",
                     sc.computed ? json_real(sc.total) : json_null(), "score_min",
                     sc.computed ? json_real(sc.min_total) : json_null(), "score_max",
                     sc.computed ? json_real(sc.max_total) : json_null(), "beds",
                     sitrep_submission_beds(&trustsub), "params", params_json(&trustsub), "drivers",
                     drivers_json(&sc));
}

static json_t *top_drivers(json_t *drivers, size_t k)
{
    json_t *a = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(drivers, i, d)
    {
        if (i >= k) break;
        if (json_number_value(json_object_get(d, "excess")) <= 0) break;
        json_array_append(a, d);
    }
    return a;
}

/* The daily call view: every provider's level and figures, the change
 * since the day before, 14-day level trend, drivers, the ICS roll-up and
 * who has not submitted. */
/* The row that stands for a provider on day d0: its own current return,
 * else for an acute trust one combined from its sites' returns (then also
 * in *made, for the caller to free). sites gets the site returns listed
 * (under their trust even when the trust submitted). */
static json_t *provider_row(const sitrep_thresholds *t, json_t *rows, const char *org,
                            const char *kind, const char *d0, json_t *sites, json_t **made)
{
    json_t *today = row_for(rows, org, d0);
    *made = NULL;
    if (!today && strcmp(kind, "acute") == 0) return *made = combined_row(t, rows, org, d0, sites);
    size_t j;
    json_t *r;
    json_array_foreach(rows, j, r)
    {
        const char *so = json_string_value(json_object_get(r, "org"));
        if (strlen(so) == 5 && strncmp(so, org, 3) == 0 &&
            strcmp(json_string_value(json_object_get(r, "day")), d0) == 0)
            json_array_append_new(
                sites, json_pack("{sssO}", "org", so, "level", json_object_get(r, "level")));
    }
    return today;
}

/* The day view from what is already read: orgs, the ICS's submitters;
 * rows, the current sitreps of (at least) day-13 .. day. Neither is kept. */
static int day_build(store *s, json_t *orgs, json_t *rows, const sitrep_thresholds *t, int64_t day,
                     json_t **out, ics_err *e)
{
    char d0[16], dprev[16];
    tz_format_date(day, d0, sizeof d0);
    tz_format_date(day - 1, dprev, sizeof dprev);
    json_t *providers = json_array(), *missing = json_array();
    sitrep_rollup_item *items = calloc(json_array_size(orgs) + 1, sizeof *items);
    size_t nitems = 0, i;
    int synthetic = 0, submitted = 0;
    json_t *o;
    json_array_foreach(orgs, i, o)
    {
        const char *org = json_string_value(json_object_get(o, "ods_code"));
        const char *kind = json_string_value(json_object_get(o, "kind"));
        json_t *sites = json_array(), *made = NULL;
        json_t *today = provider_row(t, rows, org, kind, d0, sites, &made);
        json_t *prev = row_for(rows, org, dprev);
        json_t *trend = json_array();
        for (int64_t d = day - 13; d <= day; d++) {
            char ds[16];
            tz_format_date(d, ds, sizeof ds);
            json_t *r = d == day ? today : row_for(rows, org, ds);
            json_array_append_new(trend,
                                  r ? json_incref(json_object_get(r, "level")) : json_null());
        }
        if (!today) {
            json_array_append_new(missing, json_pack("{sssOsO}", "org", org, "name",
                                                     json_object_get(o, "name"), "kind",
                                                     json_object_get(o, "kind")));
            json_array_append_new(
                providers,
                json_pack("{sssO?sO?sbsnsO?soso}", "org", org, "name", json_object_get(o, "name"),
                          "kind", json_object_get(o, "kind"), "submitted", 0, "level",
                          "yesterday_level", prev ? json_object_get(prev, "level") : json_null(),
                          "trend", trend, "sites", sites));
            continue;
        }
        submitted++;
        const char *src = json_string_value(json_object_get(today, "source"));
        if (src && strcmp(src, "synthetic") == 0) synthetic = 1;
        json_t *params = json_object_get(today, "params");
        /* figures: the derived parameters and every submitted figure */
        json_t *figures = json_deep_copy(params);
        if (json_is_object(json_object_get(today, "fields")))
            json_object_update_missing(figures, json_object_get(today, "fields"));
        json_t *changes = json_object();
        if (prev) {
            const char *k;
            json_t *v;
            json_object_foreach(params, k, v)
            {
                json_t *pv = json_object_get(json_object_get(prev, "params"), k);
                if (pv)
                    json_object_set_new(
                        changes, k,
                        json_real(round((json_number_value(v) - json_number_value(pv)) * 100) /
                                  100));
            }
        }
        json_int_t level = json_integer_value(json_object_get(today, "level"));
        json_t *change =
            prev ? json_integer(level - json_integer_value(json_object_get(prev, "level")))
                 : json_null();
        json_t *entry = json_pack(
            "{sssO?sO?sbsIsO?sO?sO?sO?sO?sO?sO?sosO?soso}", "org", org, "name",
            json_object_get(o, "name"), "kind", json_object_get(o, "kind"), "submitted", 1, "level",
            level, "level_source", json_object_get(today, "level_source"), "level_computed",
            json_object_get(today, "level_computed"), "score", json_object_get(today, "score"),
            "score_min", json_object_get(today, "score_min"), "score_max",
            json_object_get(today, "score_max"), "declared_level",
            json_object_get(today, "declared_level"), "reason", json_object_get(today, "reason"),
            "figures", figures, "yesterday_level",
            prev ? json_object_get(prev, "level") : json_null(), "change", change, "changes",
            changes);
        json_object_set_new(entry, "drivers", top_drivers(json_object_get(today, "drivers"), 3));
        json_object_set(entry, "version", json_object_get(today, "version"));
        json_object_set(entry, "submitted_at", json_object_get(today, "submitted_at"));
        json_object_set(entry, "submitted_by", json_object_get(today, "submitted_by"));
        json_object_set(entry, "source", json_object_get(today, "source"));
        json_object_set_new(entry, "trend", trend);
        json_object_set_new(entry, "sites", sites);
        json_array_append_new(providers, entry);
        if (items)
            items[nitems++] =
                (sitrep_rollup_item){sitrep_kind_find(kind), (int)level,
                                     json_number_value(json_object_get(today, "beds"))};
        json_decref(made);
    }
    sitrep_rollup ru;
    sitrep_rollup_compute(items, nitems, &ru);
    free(items);
    json_t *pillars = json_object();
    for (int k = 0; k < SITREP_NKINDS; k++) {
        if (!ru.pillar_n[k]) continue;
        json_object_set_new(pillars, sitrep_kind_name(k),
                            json_pack("{sisfsi}", "level", ru.pillar_level[k], "mean",
                                      round(ru.pillar_mean[k] * 100) / 100, "providers",
                                      ru.pillar_n[k]));
    }
    json_t *framework = json_object();
    for (int p = 0; p < SITREP_NPILLARS; p++)
        json_object_set_new(framework, sitrep_pillar_name(p),
                            ru.framework_level[p]
                                ? json_pack("{sisfsi}", "level", ru.framework_level[p], "mean",
                                            round(ru.framework_mean[p] * 100) / 100, "highest",
                                            ru.framework_max[p])
                                : json_null());
    json_t *ics = json_pack(
        "{sosfsisososs}", "level", ru.ics_level ? json_integer(ru.ics_level) : json_null(), "mean",
        round(ru.ics_mean * 100) / 100, "providers_counted", ru.n, "pillars", pillars,
        "framework_pillars", framework, "method",
        "OPEL framework 2024-26 pillars (acute incl. specialist trusts, community, mental health, "
        "NHS 111): each pillar the size-weighted mean of its providers' levels, the ICS level the "
        "mean of the pillars with a return, rounded half up; the ambulance service is in no "
        "pillar");
    *out =
        json_pack("{sssbsosisisososo}", "day", d0, "synthetic", synthetic, "ics", ics, "expected",
                  (int)json_array_size(orgs), "submitted", submitted, "providers", providers,
                  "missing", missing, "thresholds_source", store_sitrep_thresholds_source(s));
    return *out ? 0 : ics_err_set(e, ICS_EINTERNAL, "could not build the day view");
}

/* The ICS's submitters and the current sitreps of from .. to. */
static int day_rows(store *s, const char *in_ics, int64_t from, int64_t to, json_t **orgs,
                    json_t **rows, ics_err *e)
{
    char df[16], dt[16];
    tz_format_date(from, df, sizeof df);
    tz_format_date(to, dt, sizeof dt);
    *rows = NULL;
    int rc = store_sitrep_submitters(s, in_ics, orgs, e);
    if (rc) return rc;
    rc = store_sitrep_current(s, df, dt, rows, e);
    if (rc) {
        json_decref(*orgs);
        *orgs = NULL;
        return rc;
    }
    app_json_utc(*rows, SUBMITTED);
    return 0;
}

static int day_view(store *s, const char *in_ics, const sitrep_thresholds *t, int64_t day,
                    json_t **out, ics_err *e)
{
    json_t *orgs, *rows;
    int rc = day_rows(s, in_ics, day - 13, day, &orgs, &rows, e);
    if (rc) return rc;
    rc = day_build(s, orgs, rows, t, day, out, e);
    json_decref(orgs);
    json_decref(rows);
    return rc;
}

/* ---- submissions ---------------------------------------------------------- */

/* The ICS level in a day view (JSON null when none). */
static json_t *ics_level(const json_t *view)
{
    return json_object_get(json_object_get(view, "ics"), "level");
}

/* opel.changed for one provider-day or the ICS (org NULL). */
static int emit_level_change(app_ctx *c, const char *org, const char *day, json_t *old, json_t *now,
                             ics_err *e)
{
    char id[40];
    snprintf(id, sizeof id, "%s/%s", org ? org : "ics", day);
    const char *orgs[] = {org, NULL};
    return app_emit(c, "opel.changed", "opel_level", id, org ? orgs : NULL,
                    json_pack("{sssosssoso}", "scope", org ? "provider" : "ics", "org",
                              org ? json_string(org) : json_null(), "day", day, "old", old, "new",
                              now),
                    e);
}

int app_sitrep_submit(app_ctx *c, const json_t *body, json_t **saved, ics_err *e)
{
    assert(c && saved);
    *saved = NULL;
    int rc = app_allow(c, &APP_SITREP_SUBMIT, e);
    if (rc) return rc;
    sitrep_submission sub;
    if ((rc = parse_submission(c->db, body, tz_local_date(c->now), APP_SITREP_AMEND_DAYS, &sub, e)))
        return rc;
    const char *orgs[] = {sub.org, NULL};
    if (!app_in_scope(c, &APP_SITREP_SUBMIT, orgs))
        return ics_err_set(e, ICS_EFORBID,
                           "trust operations users submit for their own organisation (%s), not %s",
                           c->who.org && c->who.org[0] ? c->who.org : "none", sub.org);
    char day[16], id[64], ics[STORE_ICS_CODE] = "", trust[4];
    tz_format_date(sub.day, day, sizeof day);
    sitrep_thresholds *t = NULL;
    json_t *versions = NULL, *view0 = NULL, *view1 = NULL;
    int old = 0;
    int64_t version = 0;
    if ((rc = app_begin(c, e))) return rc;
    rc = thresholds_load(c->db, &t, e);
    if (!rc) rc = store_sitrep_versions(c->db, sub.org, day, &versions, e);
    if (!rc) app_json_utc(versions, SUBMITTED);
    if (!rc) rc = store_sitrep_level_in_force(c->db, sub.org, day, &old, e);
    /* the roll-up of the submitting provider's ICS (its trust's primary) */
    snprintf(trust, sizeof trust, "%.3s", sub.org);
    if (!rc) rc = store_ics_org_primary(c->db, trust, ics, e);
    if (!rc && !ics[0]) rc = app_ics_home(c, ics, e);
    if (!rc) rc = day_view(c->db, ics, t, sub.day, &view0, e);
    if (!rc) rc = save(c->db, t, &sub, c->who.name, c->who.via, c->now, &version, saved, e);
    if (!rc) rc = day_view(c->db, ics, t, sub.day, &view1, e);
    json_t *before = json_array_get(versions, 0); /* the version it amends */
    json_int_t level = json_integer_value(json_object_get(*saved, "level"));
    snprintf(id, sizeof id, "%s/%s/v%lld", sub.org, day, (long long)version);
    if (!rc)
        rc = app_record(c, before ? &APP_SITREP_AMEND : &APP_SITREP_SUBMIT, "sitrep", id, before,
                        *saved, before ? "sitrep.amended" : "sitrep.submitted", orgs,
                        json_pack("{sssssIsI}", "org", sub.org, "day", day, "version",
                                  (json_int_t)version, "level", level),
                        e);
    if (!rc && sub.declared_level)
        rc = app_emit(c, "opel.declared", "sitrep", id, orgs,
                      json_pack("{sssssisOss}", "org", sub.org, "day", day, "declared_level",
                                sub.declared_level, "level_computed",
                                json_object_get(*saved, "level_computed"), "reason", sub.reason),
                      e);
    if (!rc && old != level)
        rc = emit_level_change(c, sub.org, day, old ? json_integer(old) : json_null(),
                               json_integer(level), e);
    if (!rc && !json_equal(ics_level(view0), ics_level(view1)))
        rc = emit_level_change(c, NULL, day, json_incref(ics_level(view0)),
                               json_incref(ics_level(view1)), e);
    if (!rc && ics[0]) rc = app_sitrep_actions_open(c, ics, day, view1, e);
    rc = app_end(c, rc, e);
    sitrep_thresholds_free(t);
    json_decref(versions);
    json_decref(view0);
    json_decref(view1);
    if (rc) {
        json_decref(*saved);
        *saved = NULL;
    }
    return rc;
}

/* ---- reading ---------------------------------------------------------------- */

int app_sitrep_today(app_ctx *c, int64_t day, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_TODAY, e);
    if (rc) return rc;
    sitrep_thresholds *t = NULL;
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    rc = thresholds_load(c->db, &t, e);
    if (!rc) rc = day_view(c->db, ics, t, day, out, e);
    sitrep_thresholds_free(t);
    return rc;
}

int app_sitrep_ics_levels(app_ctx *c, int64_t first, int n, int *levels, ics_err *e)
{
    assert(n > 0 && levels);
    int rc = app_allow(c, &APP_SITREP_TODAY, e);
    if (rc) return rc;
    sitrep_thresholds *t = NULL;
    char ics[STORE_ICS_CODE];
    json_t *orgs = NULL, *rows = NULL;
    if ((rc = app_ics_one(c, ics, e))) return rc;
    rc = thresholds_load(c->db, &t, e);
    /* every day's returns read at once (only what a level needs), then
     * rolled up day by day as the daily call view does */
    if (!rc) rc = store_sitrep_submitters(c->db, ics, &orgs, e);
    if (!rc) {
        char df[16], dt[16];
        tz_format_date(first, df, sizeof df);
        tz_format_date(first + n - 1, dt, sizeof dt);
        rc = store_sitrep_current_levels(c->db, df, dt, &rows, e);
    }
    sitrep_rollup_item *items = rc ? NULL : calloc(json_array_size(orgs) + 1, sizeof *items);
    if (!rc && !items) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (int i = 0; i < n && !rc; i++) {
        char d0[16];
        tz_format_date(first + i, d0, sizeof d0);
        json_t *day = json_array(), *r, *o;
        size_t j, nitems = 0;
        json_array_foreach(rows, j, r)
        {
            const char *d = json_string_value(json_object_get(r, "day"));
            if (d && strcmp(d, d0) == 0) json_array_append(day, r);
        }
        json_array_foreach(orgs, j, o)
        {
            const char *kind = json_string_value(json_object_get(o, "kind"));
            json_t *sites = json_array(), *made = NULL;
            json_t *today = provider_row(t, day, json_string_value(json_object_get(o, "ods_code")),
                                         kind, d0, sites, &made);
            if (today)
                items[nitems++] =
                    (sitrep_rollup_item){sitrep_kind_find(kind),
                                         (int)json_integer_value(json_object_get(today, "level")),
                                         json_number_value(json_object_get(today, "beds"))};
            json_decref(made);
            json_decref(sites);
        }
        sitrep_rollup ru;
        sitrep_rollup_compute(items, nitems, &ru);
        levels[i] = ru.ics_level;
        json_decref(day);
    }
    free(items);
    json_decref(orgs);
    json_decref(rows);
    sitrep_thresholds_free(t);
    return rc;
}

int app_sitrep_versions(app_ctx *c, const char *org, const char *day, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_VERSIONS, e);
    if (rc) return rc;
    store_sitrep_provider pv;
    int kind;
    int64_t d;
    if (provider_of(c->db, org, &pv, &kind, e)) {
        e->code = ICS_ENOTFOUND;
        return ICS_ENOTFOUND;
    }
    if ((rc = tz_parse_date(day, &d, e))) return rc;
    char ds[16];
    tz_format_date(d, ds, sizeof ds);
    json_t *rows;
    if ((rc = store_sitrep_versions(c->db, pv.code, ds, &rows, e))) return rc;
    app_json_utc(rows, SUBMITTED);
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOTFOUND, "no sitrep from %s for %s", pv.code, ds);
    }
    *out = json_pack("{sssssIso}", "org", pv.code, "day", ds, "versions",
                     (json_int_t)json_array_size(rows), "items", rows);
    return 0;
}

int app_sitrep_fields(app_ctx *c, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_FIELDS, e);
    if (rc) return rc;
    json_t *kinds = json_object();
    for (int k = 0; k < SITREP_NKINDS; k++) {
        json_t *a = json_array();
        for (int f = 0; f < SITREP_NFIELDS; f++) {
            const sitrep_field_def *d = sitrep_field(f);
            if (!sitrep_field_applies(f, k)) continue;
            json_array_append_new(a, json_pack("{sssssbsfsfsb}", "name", d->name, "label", d->label,
                                               "integer", d->is_int, "min", d->min, "max", d->max,
                                               "required", (d->required >> k) & 1));
        }
        json_object_set_new(kinds, sitrep_kind_name(k), a);
    }
    *out = json_pack("{so}", "kinds", kinds);
    return 0;
}

/* ---- thresholds: reading and loading ------------------------------------------ */

int app_sitrep_thresholds_get(app_ctx *c, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_THRESHOLDS_GET, e);
    return rc ? rc : thresholds_json(c->db, out, e);
}

/* The write of a checked set: one transaction, audited with the sets
 * before and after. */
static int thresholds_replace(app_ctx *c, const sitrep_thresholds *t, const char *source,
                              json_t **out, ics_err *e)
{
    json_t *before = NULL, *after = NULL;
    int rc = app_begin(c, e);
    if (rc) return rc;
    rc = thresholds_json(c->db, &before, e);
    if (!rc) rc = thresholds_store(c->db, t, source, e);
    if (!rc) rc = thresholds_json(c->db, &after, e);
    if (!rc)
        rc = app_record(
            c, &APP_SITREP_THRESHOLDS_LOAD, "sitrep_thresholds", source, before, after,
            "opel.thresholds_loaded", NULL,
            json_pack("{sssI}", "source", source, "rules", (json_int_t)sitrep_thresholds_count(t)),
            e);
    rc = app_end(c, rc, e);
    json_decref(before);
    if (!rc && out)
        *out = after;
    else
        json_decref(after);
    return rc;
}

int app_sitrep_thresholds_load(app_ctx *c, const json_t *body, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_THRESHOLDS_LOAD, e);
    if (rc) return rc;
    sitrep_thresholds *t;
    char source[256];
    if ((rc = parse_thresholds(body, &t, source, sizeof source, e))) return rc;
    rc = thresholds_replace(c, t, source, out, e);
    sitrep_thresholds_free(t);
    return rc;
}

int app_sitrep_thresholds_read(const char *rules, const char *levels, sitrep_thresholds **t,
                               ics_err *e)
{
    csv_doc *r = NULL, *l = NULL;
    int rc = csv_read_file(rules, &r, e);
    if (!rc) rc = csv_read_file(levels, &l, e);
    if (!rc) rc = sitrep_thresholds_from_csv(r, l, t, e);
    csv_free(r);
    csv_free(l);
    return rc;
}

int app_sitrep_thresholds_load_csv(app_ctx *c, const char *rules, const char *levels,
                                   const char *source, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_THRESHOLDS_LOAD, e);
    if (rc) return rc;
    sitrep_thresholds *t = NULL;
    if ((rc = app_sitrep_thresholds_read(rules, levels, &t, e))) return rc;
    rc = thresholds_replace(c, t, source ? source : rules, out, e);
    sitrep_thresholds_free(t);
    return rc;
}

/* ---- import ------------------------------------------------------------------- */

/* Every row of doc checked and saved (the caller's transaction). */
static int import_rows(app_ctx *c, const sitrep_thresholds *t, const csv_doc *doc, int *count,
                       ics_err *e)
{
    assert(store_tx_depth(c->db) > 0); /* all rows or none */
    int64_t today = tz_local_date(c->now);
    int col_org = csv_col(doc, "org"), col_day = csv_col(doc, "day");
    int col_level = csv_col(doc, "declared_level"), col_reason = csv_col(doc, "reason");
    if (col_org < 0 || col_day < 0)
        return ics_err_set(e, ICS_EINVAL, "%s: line 1: columns 'org' and 'day' are required",
                           doc->name);
    int fmap[64];
    for (size_t j = 0; j < doc->ncols && j < 64; j++) {
        const char *h = doc->header[j];
        fmap[j] = sitrep_field_find(h);
        if (fmap[j] < 0 && strcmp(h, "org") && strcmp(h, "day") && strcmp(h, "declared_level") &&
            strcmp(h, "reason"))
            return ics_err_set(e, ICS_EINVAL, "%s: line 1: unknown column '%s'", doc->name, h);
    }
    if (doc->ncols > 64) return ics_err_set(e, ICS_EINVAL, "%s: too many columns", doc->name);
    store_sitrep_provider pv = {0};
    int kind = -1;
    for (size_t r = 0; r < doc->nrows; r++) {
        char **row = doc->rows[r];
        sitrep_submission sub;
        memset(&sub, 0, sizeof sub);
        int rc = 0;
        if (strcmp(pv.code, row[col_org]) != 0)
            rc = provider_of(c->db, row[col_org], &pv, &kind, e);
        if (!rc) rc = tz_parse_date(row[col_day], &sub.day, e);
        snprintf(sub.org, sizeof sub.org, "%s", pv.code);
        sub.kind = kind;
        for (size_t j = 0; !rc && j < doc->ncols; j++) {
            if (fmap[j] < 0 || !row[j][0]) continue;
            char *end;
            double v = strtod(row[j], &end);
            if (*end)
                rc = ics_err_set(e, ICS_EINVAL, "column '%s': '%s' is not a number", doc->header[j],
                                 row[j]);
            else
                rc = sitrep_values_set(&sub.val, sub.kind, doc->header[j], v, e);
        }
        if (!rc && col_level >= 0 && row[col_level][0]) sub.declared_level = atoi(row[col_level]);
        if (!rc && col_reason >= 0) snprintf(sub.reason, sizeof sub.reason, "%s", row[col_reason]);
        if (!rc) rc = sitrep_submission_check(&sub, today, 0, e);
        if (!rc) rc = save(c->db, t, &sub, c->who.name, "import", c->now, NULL, NULL, e);
        if (rc) {
            ics_err_prefix(e, "%s: line %zu: ", doc->name, doc->line[r]);
            return rc;
        }
    }
    if (count) *count = (int)doc->nrows;
    return 0;
}

int app_sitrep_import(app_ctx *c, const csv_doc *doc, int *count, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_IMPORT, e);
    if (rc) return rc;
    sitrep_thresholds *t = NULL;
    int n = 0;
    if ((rc = app_begin(c, e))) return rc;
    rc = thresholds_load(c->db, &t, e);
    if (!rc) rc = import_rows(c, t, doc, &n, e);
    if (!rc) {
        json_t *after = json_pack("{sssi}", "file", doc->name, "rows", n);
        rc = app_record(c, &APP_SITREP_IMPORT, "sitrep", doc->name, NULL, after, "sitrep.imported",
                        NULL, json_pack("{sssi}", "file", doc->name, "rows", n), e);
        json_decref(after);
    }
    rc = app_end(c, rc, e);
    sitrep_thresholds_free(t);
    if (!rc && count) *count = n;
    return rc;
}

/* ---- synthetic history -------------------------------------------------------- */

static double default_size(int kind)
{
    static const double sz[SITREP_NKINDS] = {800, 200, 80, 400, 5000, 3000};
    return sz[kind];
}

static int size_of(const csv_doc *sizes, const char *code, double *size, int *late)
{
    int cs = sizes ? csv_col(sizes, "size") : -1, cc = sizes ? csv_col(sizes, "ods_code") : -1;
    int cl = sizes ? csv_col(sizes, "late_last_day") : -1;
    for (size_t r = 0; cs >= 0 && cc >= 0 && r < sizes->nrows; r++)
        if (strcmp(sizes->rows[r][cc], code) == 0) {
            *size = atof(sizes->rows[r][cs]);
            *late = cl >= 0 && atoi(sizes->rows[r][cl]) != 0;
            return *size > 0;
        }
    return 0;
}

/* Providers for the synthetic generator: every organisation that submits,
 * with its size from sizes (columns ods_code, size, and optionally
 * late_last_day) or a default for its kind. late[i] is set for providers
 * that have not yet submitted on the last day. */
static int synth_providers(store *s, const csv_doc *sizes, sitrep_synth_provider **out, int **late,
                           size_t *n, ics_err *e)
{
    json_t *rows;
    *out = NULL;
    *late = NULL;
    *n = 0;
    /* organisations, and acute sites of acute trusts */
    /* synthetic history stays NWL's */
    int rc = store_sitrep_synth_candidates(s, APP_ICS_DEFAULT, &rows, e);
    if (rc) return rc;
    size_t m = json_array_size(rows), i, k = 0;
    sitrep_synth_provider *p = calloc(m + 1, sizeof *p);
    int *lt = calloc(m + 1, sizeof *lt);
    if (!p || !lt) {
        free(p);
        free(lt);
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        const char *code = json_string_value(json_object_get(o, "code"));
        int kind = sitrep_kind_find(json_string_value(json_object_get(o, "kind")));
        double size = 0;
        int lte = 0, listed = size_of(sizes, code, &size, &lte);
        if (strlen(code) == 5 && !listed) continue; /* a site is simulated only when sized */
        snprintf(p[k].org, sizeof p[k].org, "%s", code);
        p[k].kind = kind;
        p[k].size = listed ? size : default_size(kind);
        lt[k++] = lte;
    }
    json_decref(rows);
    /* a trust simulated by its sites is not simulated itself */
    size_t w = 0;
    for (size_t r = 0; r < k; r++) {
        int has_sites = 0;
        for (size_t q = 0; q < k && strlen(p[r].org) == 3; q++)
            has_sites |= strlen(p[q].org) == 5 && strncmp(p[q].org, p[r].org, 3) == 0;
        if (has_sites) continue;
        p[w] = p[r];
        lt[w++] = lt[r];
    }
    *out = p;
    *late = lt;
    *n = w;
    return 0;
}

typedef struct seed_ctx {
    store *s;
    int64_t at;
    const sitrep_thresholds *t;
    const sitrep_synth_provider *p;
    const int *late;
    size_t n;
    int64_t last_day;
    int count;
    ics_err *e;
} seed_ctx;

static int seed_one(void *ctx, const sitrep_submission *sub)
{
    seed_ctx *c = ctx;
    if (sub->day == c->last_day)
        for (size_t i = 0; i < c->n; i++)
            if (c->late[i] && strcmp(c->p[i].org, sub->org) == 0) return 0;
    int rc = save(c->s, c->t, sub, "synthetic", "synthetic", c->at, NULL, NULL, c->e);
    if (rc) return rc;
    c->count++;
    return 0;
}

/* Write the synthetic span into the database (source "synthetic"). */
static int seed_rows(store *s, int64_t at, const sitrep_thresholds *t,
                     const sitrep_synth_provider *p, const int *late, size_t n, int64_t last_day,
                     int ndays, uint64_t seed, progress_fn prog, void *prog_ctx, int *count,
                     ics_err *e)
{
    seed_ctx c = {s, at, t, p, late, n, last_day, 0, e};
    int rc = sitrep_synth_generate(p, n, last_day - ndays + 1, ndays, seed, seed_one, &c, prog,
                                   prog_ctx, e);
    if (count) *count = c.count;
    return rc;
}

/* Providers with their sizes from data_dir/sitrep_providers.csv (optional:
 * kinds have default sizes). */
static int synth_setup(store *s, const char *data_dir, sitrep_synth_provider **p, int **late,
                       size_t *n, ics_err *e)
{
    char sizes[1024];
    snprintf(sizes, sizeof sizes, "%s/sitrep_providers.csv", data_dir);
    csv_doc *sz = NULL;
    ics_err ignore = {0};
    csv_read_file(sizes, &sz, &ignore);
    int rc = synth_providers(s, sz, p, late, n, e);
    csv_free(sz);
    return rc;
}

typedef struct gen_ctx {
    FILE *out;
} gen_ctx;

/* One provider-day as a CSV row in the import form. */
static int gen_row(void *ctx, const sitrep_submission *s)
{
    gen_ctx *g = ctx;
    char day[16];
    tz_format_date(s->day, day, sizeof day);
    fprintf(g->out, "%s,%s", s->org, day);
    for (int f = 0; f < SITREP_NFIELDS; f++) {
        if (!s->val.has[f])
            fputs(",", g->out);
        else
            fprintf(g->out, ",%.10g", s->val.v[f]);
    }
    if (s->declared_level) {
        sb b;
        sb_init(&b);
        csv_cell_exact(&b, s->reason, 1);
        fprintf(g->out, ",%d,%s\n", s->declared_level, b.buf ? b.buf : "");
        sb_free(&b);
    } else {
        fputs(",,\n", g->out);
    }
    return 0;
}

int app_sitrep_generate(app_ctx *c, FILE *out, const char *data_dir, int64_t last_day, int ndays,
                        uint64_t seed, size_t *providers, ics_err *e)
{
    assert(out && ndays >= 1);
    int rc = app_allow(c, &APP_SITREP_GENERATE, e);
    if (rc) return rc;
    sitrep_synth_provider *p = NULL;
    int *late = NULL;
    size_t n = 0;
    if ((rc = synth_setup(c->db, data_dir, &p, &late, &n, e))) return rc;
    fprintf(out, "org,day");
    for (int k = 0; k < SITREP_NFIELDS; k++) fprintf(out, ",%s", sitrep_field(k)->name);
    fprintf(out, ",declared_level,reason\n");
    gen_ctx g = {out};
    progress pr;
    progress_init(&pr, "generating sitreps");
    rc = sitrep_synth_generate(p, n, last_day - ndays + 1, ndays, seed, gen_row, &g,
                               progress_report, &pr, e);
    progress_done(&pr);
    free(p);
    free(late);
    if (providers) *providers = n;
    return rc;
}

/* The illustrative thresholds and a synthetic year of sitreps for every
 * NWL provider. */
int app_sitrep_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    char rules[1024], levels[1024];
    snprintf(rules, sizeof rules, "%s/opel_thresholds.csv", data_dir);
    snprintf(levels, sizeof levels, "%s/opel_levels.csv", data_dir);
    sitrep_thresholds *t = NULL;
    int rc = app_sitrep_thresholds_read(rules, levels, &t, e);
    if (rc) return rc;
    sitrep_synth_provider *p = NULL;
    int *late = NULL, count = 0;
    size_t n = 0;
    progress pr;
    progress_init(&pr, "synthetic sitreps");
    rc = thresholds_store(c->db, t, "data/opel_thresholds.csv (illustrative default)", e);
    if (!rc) rc = synth_setup(c->db, data_dir, &p, &late, &n, e);
    if (!rc)
        rc = seed_rows(c->db, c->now, t, p, late, n, tz_local_date(c->now), SEED_DAYS, SEED,
                       progress_report, &pr, &count, e);
    if (!rc) {
        json_t *after = json_pack("{sisiss}", "rows", count, "days", SEED_DAYS, "note",
                                  "SYNTHETIC sitreps generated for demonstration");
        rc = app_audit(c, "sitrep.seed", "sitrep", NULL, NULL, after, e);
        json_decref(after);
    }
    if (!rc) rc = app_sitrep_actions_seed(c, data_dir, e);
    progress_done(&pr);
    free(p);
    free(late);
    sitrep_thresholds_free(t);
    return rc;
}

static json_t *flag_names(unsigned f)
{
    json_t *a = json_array();
    if (f & SITREP_SPC_OUTSIDE) json_array_append_new(a, json_string("outside_limits"));
    if (f & SITREP_SPC_SHIFT) json_array_append_new(a, json_string("shift"));
    if (f & SITREP_SPC_TREND) json_array_append_new(a, json_string("trend"));
    if (f & SITREP_SPC_TWO_OF_THREE) json_array_append_new(a, json_string("two_of_three"));
    return a;
}

int app_sitrep_history(app_ctx *c, const char *org, int64_t from, int64_t to, json_t **out,
                       ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_HISTORY, e);
    if (rc) return rc;
    store_sitrep_provider pv;
    int kind;
    if ((rc = provider_of(c->db, org, &pv, &kind, e))) {
        char m[sizeof e->msg];
        snprintf(m, sizeof m, "%s", e->msg);
        return ics_err_set(e, ICS_ENOTFOUND, "%s", m);
    }
    if (to < from) return ics_err_set(e, ICS_EINVAL, "'from' is after 'to'");
    if (to - from > 3660) return ics_err_set(e, ICS_EINVAL, "a history covers 10 years at most");
    char df[16], dt[16];
    tz_format_date(from, df, sizeof df);
    tz_format_date(to, dt, sizeof dt);
    json_t *rows;
    if ((rc = store_sitrep_history(c->db, pv.code, df, dt, &rows, e))) return rc;
    app_json_utc(rows, SUBMITTED);
    json_t *spc = json_object();
    size_t nrows = json_array_size(rows);
    double *x = malloc((nrows + 1) * sizeof *x);
    const char **days = malloc((nrows + 1) * sizeof *days);
    int total_signals = 0;
    for (int prm = 0; x && days && prm < SITREP_NPARAMS; prm++) {
        const char *name = sitrep_param_name(prm);
        size_t n = 0, i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            json_t *v = json_object_get(json_object_get(r, "params"), name);
            if (!v) continue;
            x[n] = json_number_value(v);
            days[n++] = json_string_value(json_object_get(r, "day"));
        }
        if (n < 2) continue;
        sitrep_spc sp;
        ics_err se = {0};
        if (sitrep_spc_compute(x, n, &sp, &se)) continue;
        json_t *points = json_array(), *signals = json_array();
        for (size_t k = 0; k < n; k++) {
            json_array_append_new(points, json_pack("{sssf}", "day", days[k], "value", x[k]));
            if (sp.flags[k])
                json_array_append_new(signals, json_pack("{sssfso}", "day", days[k], "value", x[k],
                                                         "rules", flag_names(sp.flags[k])));
        }
        total_signals += sp.nsignals;
        json_object_set_new(spc, name,
                            json_pack("{sssssisfsfsfsfsfsisoso}", "label", sitrep_param_label(prm),
                                      "unit", sitrep_param_unit(prm), "n", (int)n, "mean", sp.mean,
                                      "mr_mean", sp.mr_mean, "sigma", sp.sigma, "ucl", sp.ucl,
                                      "lcl", sp.lcl, "signal_points", sp.nsignals, "signals",
                                      signals, "points", points));
        sitrep_spc_free(&sp);
    }
    free(x);
    free(days);
    *out = json_pack("{sssssssssssisoso}", "org", pv.code, "name", pv.name, "kind",
                     sitrep_kind_name(kind), "from", df, "to", dt, "signal_points", total_signals,
                     "days", rows, "spc", spc);
    return 0;
}

int app_sitrep_aid_request(app_ctx *c, const json_t *body, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_AID_REQUEST, e);
    if (rc) return rc;
    *out = NULL;
    int64_t today = tz_local_date(c->now);
    const char *mine = c->who.org && c->who.org[0] ? c->who.org : NULL;
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    static const char *const known[] = {"org",     "resource", "detail", "quantity", "date_from",
                                        "date_to", "urgency",  "note",   NULL};
    problems pb;
    problems_init(&pb);
    unknown_members(body, known, &pb);
    sitrep_aid_request r;
    memset(&r, 0, sizeof r);
    const char *org = str_member(body, "org", &pb);
    const char *res = str_member(body, "resource", &pb);
    const char *detail = str_member(body, "detail", &pb);
    const char *df = str_member(body, "date_from", &pb);
    const char *dt = str_member(body, "date_to", &pb);
    const char *urg = str_member(body, "urgency", &pb);
    const char *note = str_member(body, "note", &pb);
    json_t *q = json_object_get(body, "quantity");
    if (!org) org = mine;
    int absent = pb.n; /* type problems so far */
    if (!org) problems_add(&pb, "missing field 'org'");
    if (!res) problems_add(&pb, "missing field 'resource'");
    if (!q)
        problems_add(&pb, "missing field 'quantity'");
    else if (!json_is_integer(q))
        problems_add(&pb, "field 'quantity' must be an integer");
    if (!df) problems_add(&pb, "missing field 'date_from'");
    if (!dt) problems_add(&pb, "missing field 'date_to'");
    if (!urg) problems_add(&pb, "missing field 'urgency'");
    /* unknown fields alone do not stop the value checks below */
    if (pb.n > absent || !org || !res || !q || !df || !dt || !urg) return problems_done(&pb, e);
    const char *parties[] = {org, NULL};
    if (!app_in_scope(c, &APP_SITREP_AID_REQUEST, parties)) {
        problems_done(&pb, NULL);
        return ics_err_set(e, ICS_EFORBID,
                           "trust operations users ask for aid for their own organisation (%s),"
                           " not %s",
                           mine ? mine : "none", org);
    }
    store_sitrep_provider pv;
    int kind;
    ics_err pe = {0};
    if (provider_of(c->db, org, &pv, &kind, &pe)) problems_add(&pb, "%s", pe.msg);
    snprintf(r.org, sizeof r.org, "%s", org);
    r.resource = sitrep_resource_find(res);
    snprintf(r.detail, sizeof r.detail, "%s", detail ? detail : "");
    r.quantity = (int)json_integer_value(q);
    r.urgency = sitrep_urgency_find(urg);
    ics_err de = {0};
    int dates_ok = 1;
    if (tz_parse_date(df, &r.day_from, &de)) {
        problems_add(&pb, "field 'date_from': %s", de.msg);
        dates_ok = 0;
    }
    if (tz_parse_date(dt, &r.day_to, &de)) {
        problems_add(&pb, "field 'date_to': %s", de.msg);
        dates_ok = 0;
    }
    if (!dates_ok) r.day_from = r.day_to = today; /* reported above; keep the rest checked */
    if (sitrep_aid_request_check(&r, today, &de)) problems_add(&pb, "%s", de.msg);
    if (pb.n) return problems_done(&pb, e);
    problems_done(&pb, NULL);
    char f[16], t[16];
    int64_t at = c->now;
    tz_format_date(r.day_from, f, sizeof f);
    tz_format_date(r.day_to, t, sizeof t);
    store_sitrep_aid_new row = {r.org, sitrep_resource_name(r.resource), r.detail, r.quantity,  f,
                                t,     sitrep_urgency_name(r.urgency),   note,     c->who.name, at};
    int64_t id = 0;
    char oid[32];
    if ((rc = app_begin(c, e))) return rc;
    rc = store_sitrep_aid_insert(c->db, &row, &id, e);
    if (!rc)
        rc = store_sitrep_aid_step(c->db, id, "request", "open", c->who.name, r.org, note, at, e);
    if (!rc) rc = aid_get(c->db, id, out, e);
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    if (!rc)
        rc = app_record(c, &APP_SITREP_AID_REQUEST, "sitrep_aid", oid, NULL, *out, "aid.requested",
                        parties,
                        json_pack("{sIsssssissss}", "id", (json_int_t)id, "org", r.org, "resource",
                                  row.resource, "quantity", r.quantity, "state", "open", "urgency",
                                  row.urgency),
                        e);
    rc = app_end(c, rc, e);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- mutual aid: scope ----------------------------------------------------------- */

/* 1 for roles that act for any organisation in the aid lifecycle. */
static int aid_coordinator(const app_ctx *c)
{
    return (c->who.role_bit & (ROLE_ADMIN | ROLE_COORDINATOR)) != 0;
}

/* The request's parties: the requester, then each offering organisation
 * (at most max - 1 codes, NULL-terminated; borrowed from req). */
static void aid_parties(const json_t *req, const char **parties, size_t max)
{
    size_t k = 0, i;
    json_t *o;
    parties[k++] = json_string_value(json_object_get(req, "org"));
    json_array_foreach(json_object_get(req, "offers"), i, o)
    {
        if (k + 1 >= max) break;
        parties[k++] = json_string_value(json_object_get(o, "org"));
    }
    parties[k] = NULL;
}

static int org_ics(app_ctx *c, const char *org, char out[STORE_ICS_CODE], ics_err *e);

/* A request belongs to its requesting organisation's primary ICS. A caller
 * sees it when that ICS is one they may see, or when their organisation is
 * in an ICS that may give aid across the boundary to it (both ICSs allow
 * it: app_ics_cross_allowed); else it is not found. The request's ICS tags
 * what the use case records. */
static int aid_in_ics(app_ctx *c, const json_t *req, ics_err *e)
{
    char ics[STORE_ICS_CODE] = "", mine[STORE_ICS_CODE] = "";
    const char *org = json_string_value(json_object_get(req, "org"));
    int rc = org_ics(c, org ? org : "", ics, e), yes = 0;
    if (rc) return rc;
    if (!ics[0]) snprintf(ics, sizeof ics, "%s", APP_ICS_DEFAULT);
    app_ics_here(c, ics);
    app_ics_set vis;
    if ((rc = app_ics_visible(c, &vis, e))) return rc;
    if (app_ics_set_has(&vis, ics)) return 0;
    if (c->who.org && *c->who.org && !(rc = org_ics(c, c->who.org, mine, e)) && mine[0])
        rc = app_ics_cross_allowed(c, ics, mine, &yes, e);
    if (rc || yes) return rc;
    return ics_err_set(e, ICS_ENOTFOUND, "no mutual-aid request %lld",
                       (long long)json_integer_value(json_object_get(req, "id")));
}

/* A request is open to every operations user while it takes offers; after
 * that only its parties and ICS-wide roles see it. */
static int aid_visible(const app_ctx *c, const char *state, const char *const *parties)
{
    if (strcmp(state, "open") == 0 || strcmp(state, "offered") == 0) return 1;
    return app_in_scope(c, &APP_SITREP_AID_GET, parties);
}

/* Load a request the caller may see (the scope of reading it and of its
 * suggestions): ICS_EFORBID when closed to them. */
static int aid_load(app_ctx *c, int64_t id, json_t **req, ics_err *e)
{
    int rc = aid_get(c->db, id, req, e);
    if (!rc) rc = aid_in_ics(c, *req, e);
    if (rc) {
        json_decref(*req);
        *req = NULL;
        return rc;
    }
    const char *parties[34];
    aid_parties(*req, parties, sizeof parties / sizeof *parties);
    if (aid_visible(c, json_string_value(json_object_get(*req, "state")), parties)) return 0;
    json_decref(*req);
    *req = NULL;
    return ics_err_set(e, ICS_EFORBID,
                       "this request is closed to offers and your organisation is not party to it");
}

int app_sitrep_aid_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_AID_GET, e);
    return rc ? rc : aid_load(c, id, out, e);
}

int app_sitrep_aid_list(app_ctx *c, const char *state, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_AID_LIST, e);
    if (rc) return rc;
    if (state && sitrep_aid_state_find(state) < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "state '%s' is not one of open, offered, agreed, fulfilled, withdrawn",
                           state);
    /* the requests of one ICS (?ics=, default the home ICS, all: every
     * ICS the caller may see), by the requester's primary ICS */
    app_ics_set set;
    if ((rc = app_ics_resolve(c, &set, e))) return rc;
    json_t *rows;
    if ((rc = store_sitrep_aid_list(c->db, state, &rows, e))) return rc;
    app_json_utc(rows, "created_at,updated_at");
    json_t *items = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        /* ",A,B," -> parties requester, A, B */
        char buf[512];
        const char *parties[34];
        size_t k = 0;
        parties[k++] = json_string_value(json_object_get(r, "org"));
        snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(r, "parties")));
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && k + 1 < 34;
             t = strtok_r(NULL, ",", &save))
            parties[k++] = t;
        parties[k] = NULL;
        if (!aid_visible(c, json_string_value(json_object_get(r, "state")), parties)) continue;
        char ics[STORE_ICS_CODE] = "";
        if ((rc = org_ics(c, parties[0] ? parties[0] : "", ics, e))) break;
        if (!app_ics_set_has(&set, ics[0] ? ics : APP_ICS_DEFAULT)) continue;
        json_object_set_new(r, "ics", json_string(ics[0] ? ics : APP_ICS_DEFAULT));
        json_object_del(r, "parties");
        json_array_append(items, r);
    }
    json_decref(rows);
    if (rc) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{soss}", "items", items, "visibility",
                     app_sees_ics(c) ? "all requests"
                                     : "requests open to offers and those your organisation is "
                                       "party to");
    return 0;
}

/* ---- mutual aid: the lifecycle ------------------------------------------------------ */

static const char *const aid_event_type[] = {"aid.offered", "aid.agreed", "aid.fulfilled",
                                             "aid.withdrawn"};

/* One lifecycle step: check the body (every problem), the acting
 * organisation's scope, then in one transaction the state machine (the
 * engine says which party may take which step), the store, the audit
 * record and the event. */
/* The primary ICS of an organisation or of a trust site's trust ("" when
 * unknown). */
static int org_ics(app_ctx *c, const char *org, char out[STORE_ICS_CODE], ics_err *e)
{
    out[0] = '\0';
    int rc = store_ics_org_primary(c->db, org, out, e);
    if (!rc && !out[0] && strlen(org) == 5) {
        char trust[4];
        snprintf(trust, sizeof trust, "%.3s", org);
        rc = store_ics_org_primary(c->db, trust, out, e);
    }
    return rc;
}

/* Mutual aid crosses an ICS boundary only when both ICSs allow it (their
 * cross_ics setting). */
static int aid_boundary(app_ctx *c, const char *requester, const char *offerer, ics_err *e)
{
    char a[STORE_ICS_CODE], b[STORE_ICS_CODE];
    int rc = org_ics(c, requester ? requester : "", a, e), yes = 1;
    if (!rc) rc = org_ics(c, offerer ? offerer : "", b, e);
    if (!rc && a[0] && b[0]) rc = app_ics_cross_allowed(c, a, b, &yes, e);
    if (!rc && !yes)
        rc = ics_err_set(e, ICS_ECONFLICT,
                         "%s (ICS %s) cannot offer aid to %s (ICS %s): mutual aid crosses an ICS "
                         "boundary only where both ICSs allow it (PUT /api/v1/ics/{code}/settings "
                         "{\"cross_ics\": true})",
                         offerer, b, requester, a);
    return rc;
}

static int aid_act(app_ctx *c, const app_use *u, int action, int64_t id, const json_t *body,
                   json_t **after, ics_err *e)
{
    static const char *const k_offer[] = {"org", "quantity", "note", NULL};
    static const char *const k_agree[] = {"offer_id", "note", NULL};
    static const char *const k_other[] = {"note", NULL};
    assert(c && u && after);
    *after = NULL;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    json_t *empty = NULL;
    if (!body) body = empty = json_object();
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    problems pb;
    problems_init(&pb);
    unknown_members(body,
                    action == SITREP_AID_OFFER   ? k_offer
                    : action == SITREP_AID_AGREE ? k_agree
                                                 : k_other,
                    &pb);
    const char *note = str_member(body, "note", &pb);
    const char *offer_org = NULL, *mine = c->who.org && c->who.org[0] ? c->who.org : NULL;
    int quantity = 0;
    int64_t offer_id = 0;
    char offer_org_buf[8] = "";
    if (action == SITREP_AID_OFFER) {
        offer_org = str_member(body, "org", &pb);
        if (!offer_org) offer_org = mine;
        if (!offer_org) problems_add(&pb, "missing field 'org' (the offering organisation)");
        json_t *q = json_object_get(body, "quantity");
        if (q && !json_is_integer(q))
            problems_add(&pb, "field 'quantity' must be an integer");
        else if (q && (json_integer_value(q) < 1 || json_integer_value(q) > 1000))
            problems_add(&pb, "quantity must be 1 to 1000");
        else if (q)
            quantity = (int)json_integer_value(q);
    } else if (action == SITREP_AID_AGREE) {
        json_t *o = json_object_get(body, "offer_id");
        if (!o)
            problems_add(&pb, "missing field 'offer_id'");
        else if (!json_is_integer(o))
            problems_add(&pb, "field 'offer_id' must be an integer");
        else
            offer_id = json_integer_value(o);
    }
    if (pb.n) {
        json_decref(empty);
        return problems_done(&pb, e);
    }
    problems_done(&pb, NULL);
    if (action == SITREP_AID_OFFER) {
        const char *acting[] = {offer_org, NULL};
        if (!app_in_scope(c, &APP_SITREP_AID_OFFER, acting)) {
            json_decref(empty);
            return ics_err_set(e, ICS_EFORBID,
                               "you can only offer on behalf of your own organisation (%s), not %s",
                               mine ? mine : "none", offer_org);
        }
        store_sitrep_provider pv;
        int kind;
        if ((rc = provider_of(c->db, offer_org, &pv, &kind, e))) {
            json_decref(empty);
            return rc;
        }
    }
    json_t *before = NULL;
    char oid[32];
    int64_t at = c->now;
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    if ((rc = app_begin(c, e))) {
        json_decref(empty);
        return rc;
    }
    rc = aid_get(c->db, id, &before, e);
    const char *requester = json_string_value(json_object_get(before, "org"));
    if (!rc && action == SITREP_AID_OFFER) rc = aid_boundary(c, requester, offer_org, e);
    if (!rc) rc = aid_in_ics(c, before, e); /* a request of an unseen ICS is not found */
    int state = sitrep_aid_state_find(json_string_value(json_object_get(before, "state")));
    if (!rc && (action == SITREP_AID_AGREE || action == SITREP_AID_FULFIL)) {
        int64_t want = action == SITREP_AID_AGREE
                           ? offer_id
                           : json_integer_value(json_object_get(before, "agreed_offer_id"));
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(before, "offers"), i, o)
        {
            if (json_integer_value(json_object_get(o, "id")) == want)
                snprintf(offer_org_buf, sizeof offer_org_buf, "%s",
                         json_string_value(json_object_get(o, "org")));
        }
        offer_org = offer_org_buf;
    }
    sitrep_aid_actor actor = {aid_coordinator(c), mine ? mine : ""};
    int next = state;
    if (!rc) rc = sitrep_aid_step(state, action, requester, offer_org, &actor, &next, e);
    /* after the state and role checks, so agreeing too early is a conflict */
    if (!rc && action == SITREP_AID_AGREE && !offer_org_buf[0])
        rc = ics_err_set(e, ICS_EINVAL, "request %lld has no offer %lld", (long long)id,
                         (long long)offer_id);
    if (!rc && action == SITREP_AID_OFFER) {
        /* one open offer per organisation per request; the UNIQUE index
         * holds it too, for writers that do not ask first */
        int64_t open = 0;
        rc = store_sitrep_aid_open_offer(c->db, id, offer_org, &open, e);
        if (!rc && open)
            rc = ics_err_set(e, ICS_ECONFLICT,
                             "%s already has an open offer (%lld) on request %lld: one open offer "
                             "per organisation",
                             offer_org, (long long)open, (long long)id);
        if (!quantity) quantity = (int)json_integer_value(json_object_get(before, "quantity"));
        if (!rc)
            rc = store_sitrep_aid_offer_insert(c->db, id, offer_org, quantity, note, at,
                                               c->who.name, &offer_id, e);
    } else if (!rc && action == SITREP_AID_AGREE) {
        rc = store_sitrep_aid_agree(c->db, id, offer_id, e);
    }
    const char *step_org =
        action == SITREP_AID_OFFER || action == SITREP_AID_AGREE ? offer_org : mine;
    if (!rc)
        rc = store_sitrep_aid_step(c->db, id, sitrep_aid_action_name(action),
                                   sitrep_aid_state_name(next), c->who.name, step_org, note, at, e);
    if (!rc) rc = aid_get(c->db, id, after, e);
    if (!rc) {
        const char *parties[34];
        aid_parties(*after, parties, sizeof parties / sizeof *parties);
        json_t *payload = json_pack("{sIssss}", "id", (json_int_t)id, "org", requester, "state",
                                    sitrep_aid_state_name(next));
        if (offer_org && offer_org[0])
            json_object_set_new(payload, "offer_org", json_string(offer_org));
        if (offer_id) json_object_set_new(payload, "offer_id", json_integer(offer_id));
        rc = app_record(c, u, "sitrep_aid", oid, before, *after, aid_event_type[action], parties,
                        payload, e);
    }
    rc = app_end(c, rc, e);
    json_decref(before);
    json_decref(empty);
    if (rc) {
        json_decref(*after);
        *after = NULL;
    }
    return rc;
}

int app_sitrep_aid_offer(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return aid_act(c, &APP_SITREP_AID_OFFER, SITREP_AID_OFFER, id, body, out, e);
}

int app_sitrep_aid_agree(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return aid_act(c, &APP_SITREP_AID_AGREE, SITREP_AID_AGREE, id, body, out, e);
}

int app_sitrep_aid_fulfil(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return aid_act(c, &APP_SITREP_AID_FULFIL, SITREP_AID_FULFIL, id, body, out, e);
}

int app_sitrep_aid_withdraw(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return aid_act(c, &APP_SITREP_AID_WITHDRAW, SITREP_AID_WITHDRAW, id, body, out, e);
}

/* ---- mutual aid: suggestions -------------------------------------------------------- */

/* Spare beds of the requested type in a stored row's figures. */
static double spare_beds(json_t *fields, const char *type)
{
#define F(k) json_number_value(json_object_get(fields, k))
    if (strcmp(type, "ga") == 0)
        return F("ga_beds_core") + F("ga_beds_escalation") - F("ga_beds_occupied");
    if (strcmp(type, "critical_care") == 0) return F("cc_beds") - F("cc_occupied");
    if (strcmp(type, "community") == 0) return F("community_beds") - F("community_occupied");
    if (strcmp(type, "mental_health") == 0) return F("mh_beds") - F("mh_occupied");
    return 0;
#undef F
}

int app_sitrep_aid_suggest(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SITREP_AID_SUGGEST, e);
    if (rc) return rc;
    json_t *req;
    if ((rc = aid_load(c, id, &req, e))) return rc; /* the request's own scope */
    sitrep_aid_request r;
    memset(&r, 0, sizeof r);
    snprintf(r.org, sizeof r.org, "%s", json_string_value(json_object_get(req, "org")));
    r.resource = sitrep_resource_find(json_string_value(json_object_get(req, "resource")));
    snprintf(r.detail, sizeof r.detail, "%s", json_string_value(json_object_get(req, "detail")));
    json_t *rows;
    rc = store_sitrep_latest(c->db, &rows, e);
    app_json_utc(rows, SUBMITTED);
    if (rc) {
        json_decref(req);
        return rc;
    }
    json_t *home = NULL;
    ics_err ge = {0};
    store_sitrep_position(c->db, r.org, &home, &ge); /* no position: distances unknown */
    size_t n = json_array_size(rows), i;
    sitrep_aid_candidate *cand = calloc(n + 1, sizeof *cand);
    sitrep_aid_suggestion *sg = calloc(n + 1, sizeof *sg);
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        sitrep_aid_candidate *x = &cand[i];
        snprintf(x->org, sizeof x->org, "%s", json_string_value(json_object_get(row, "org")));
        x->kind = sitrep_kind_find(json_string_value(json_object_get(row, "kind")));
        x->level = (int)json_integer_value(json_object_get(row, "level"));
        json_t *sc = json_object_get(row, "score"), *mn = json_object_get(row, "score_min"),
               *mx = json_object_get(row, "score_max");
        double span = json_number_value(mx) - json_number_value(mn);
        x->pressure = json_is_number(sc) && span > 0
                          ? (json_number_value(sc) - json_number_value(mn)) / span
                          : (x->level - 1) / 3.0;
        json_t *fields = json_object_get(row, "fields");
        x->spare_beds = r.resource == SITREP_RES_BEDS ? spare_beds(fields, r.detail) : 0;
        json_t *abs = json_object_get(fields, "staff_absence_pct");
        x->staff_absence_pct = abs ? json_number_value(abs) : -1;
        json_t *lat = json_object_get(row, "lat");
        x->km = home && json_is_number(lat)
                    ? geo_km(json_number_value(json_object_get(home, "lat")),
                             json_number_value(json_object_get(home, "lon")),
                             json_number_value(lat), json_number_value(json_object_get(row, "lon")))
                    : -1;
    }
    size_t m = cand && sg ? sitrep_aid_suggest(&r, cand, n, sg, n) : 0;
    json_t *list = json_array();
    for (size_t k = 0; k < m; k++) {
        json_t *src = json_array_get(rows, sg[k].index);
        const sitrep_aid_candidate *x = &cand[sg[k].index];
        json_t *o = json_pack("{sisssOsOsOsisfss}", "rank", (int)k + 1, "org", x->org, "name",
                              json_object_get(src, "name"), "kind", json_object_get(src, "kind"),
                              "latest_day", json_object_get(src, "day"), "level", x->level,
                              "pressure", round(x->pressure * 100) / 100, "reason", sg[k].reason);
        if (r.resource == SITREP_RES_BEDS)
            json_object_set_new(o, "spare_beds", json_real(x->spare_beds));
        if (x->staff_absence_pct >= 0)
            json_object_set_new(o, "staff_absence_pct", json_real(x->staff_absence_pct));
        json_object_set_new(o, "km", x->km >= 0 ? json_real(round(x->km * 10) / 10) : json_null());
        json_array_append_new(list, o);
    }
    *out = json_pack("{sIsOsOsOso}", "request_id", (json_int_t)id, "org",
                     json_object_get(req, "org"), "resource", json_object_get(req, "resource"),
                     "detail", json_object_get(req, "detail"), "suggestions", list);
    free(cand);
    free(sg);
    json_decref(rows);
    json_decref(home);
    json_decref(req);
    return 0;
}
