/* app/sim_doc.c - the simulator's JSON and CSV forms, shared by `icsflow sim`
 * and the API: parsing and checking a scenario (every problem in one
 * message), the scenario back as JSON, and the review's results as JSON and
 * CSV. No SQL (the store keeps the runs) and no HTTP. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sim.h"
#include "core/csv.h"
#include "core/problems.h"
#include "core/sb.h"
/* Problems are collected in a core problems accumulator and reported together. */

static void known_keys(const json_t *o, const char *where, const char *const *keys, problems *m)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        int ok = 0;
        for (const char *const *p = keys; *p && !ok; p++) ok = strcmp(*p, k) == 0;
        if (!ok) problems_add(m, "%sunknown field '%s'", where, k);
    }
}

/* A number field: absent leaves *out; present but not a number is reported. */
static void num(const json_t *o, const char *key, const char *where, double *out, problems *m)
{
    json_t *v = json_object_get(o, key);
    if (!v) return;
    if (!json_is_number(v)) {
        problems_add(m, "%sfield '%s' must be a number", where, key);
        return;
    }
    *out = json_number_value(v);
}

static void integer(const json_t *o, const char *key, const char *where, long long *out,
                    problems *m)
{
    json_t *v = json_object_get(o, key);
    if (!v) return;
    if (!json_is_integer(v)) {
        problems_add(m, "%sfield '%s' must be an integer", where, key);
        return;
    }
    *out = json_integer_value(v);
}

static void text(const json_t *o, const char *key, const char *where, char *out, size_t n, int req,
                 problems *m)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (req) problems_add(m, "%smissing field '%s'", where, key);
        return;
    }
    if (!json_is_string(v)) {
        problems_add(m, "%sfield '%s' must be a string", where, key);
        return;
    }
    if (json_string_length(v) >= n || json_string_length(v) == 0) {
        problems_add(m, "%sfield '%s' must be 1 to %zu characters", where, key, n - 1);
        return;
    }
    snprintf(out, n, "%s", json_string_value(v));
}

static const char *const los_keys[] = {"distribution", "mean", "sd", "values", NULL};

static void parse_los(const json_t *o, const char *where, sim_los *l, double **store_values,
                      problems *m)
{
    char w[96];
    snprintf(w, sizeof w, "%slos: ", where);
    if (!json_is_object(o)) {
        problems_add(m, "%sfield 'los' must be an object", where);
        return;
    }
    known_keys(o, w, los_keys, m);
    char dist[16] = "";
    text(o, "distribution", w, dist, sizeof dist, 1, m);
    num(o, "mean", w, &l->mean, m);
    num(o, "sd", w, &l->sd, m);
    if (!strcmp(dist, "exponential"))
        l->kind = SIM_LOS_EXPONENTIAL;
    else if (!strcmp(dist, "lognormal"))
        l->kind = SIM_LOS_LOGNORMAL;
    else if (!strcmp(dist, "empirical"))
        l->kind = SIM_LOS_EMPIRICAL;
    else if (dist[0])
        problems_add(m, "%sdistribution '%s' is not exponential, lognormal or empirical", w, dist);
    if (l->kind != SIM_LOS_EMPIRICAL && !dist[0]) return;
    if (l->kind == SIM_LOS_EXPONENTIAL || l->kind == SIM_LOS_LOGNORMAL) {
        if (!json_object_get(o, "mean")) problems_add(m, "%smissing field 'mean'", w);
        if (l->kind == SIM_LOS_LOGNORMAL && !json_object_get(o, "sd"))
            problems_add(m, "%smissing field 'sd'", w);
    }
    if (l->kind != SIM_LOS_EMPIRICAL) return;
    json_t *vals = json_object_get(o, "values");
    if (!json_is_array(vals) || json_array_size(vals) == 0 || json_array_size(vals) > 1000000) {
        problems_add(m, "%sfield 'values' must be a non-empty array of days", w);
        return;
    }
    size_t n = json_array_size(vals);
    double *v = malloc(n * sizeof *v);
    if (!v) {
        problems_add(m, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(vals, i);
        v[i] = json_is_number(x) ? json_number_value(x) : -1;
        if (!(v[i] >= 0)) {
            problems_add(m, "%svalues[%zu] must be a number >= 0", w, i);
            break;
        }
    }
    free(*store_values);
    *store_values = v;
    l->values = v;
    l->nvalues = (int)n;
}

static void profile(const json_t *o, const char *key, double *out, int n, int *has, problems *m)
{
    json_t *v = json_object_get(o, key);
    if (!v) return;
    if (!json_is_array(v) || (int)json_array_size(v) != n) {
        problems_add(m, "field '%s' must be an array of %d numbers", key, n);
        return;
    }
    for (int i = 0; i < n; i++) {
        json_t *x = json_array_get(v, (size_t)i);
        if (!json_is_number(x)) {
            problems_add(m, "%s[%d] must be a number", key, i);
            return;
        }
        out[i] = json_number_value(x);
    }
    *has = 1;
}

static const char *const top_keys[] = {
    "name",     "synthetic", "source", "notes",    "seed",   "replications", "warmup_days",
    "warmup",   "run_days",  "policy", "queue",    "target", "los",          "day_of_week",
    "seasonal", "places",    "units",  "arrivals", NULL};
static const char *const place_keys[] = {"code",         "name", "lat", "lon", "arrivals_per_day",
                                         "urgent_share", "los",  NULL};
static const char *const unit_keys[] = {"code", "name", "beds", "lat", "lon", "places", NULL};
static const char *const target_keys[] = {"wait_days", "probability", NULL};
static const char *const arrival_keys[] = {"day", "place", "los", "urgent", NULL};

static void parse_places(const json_t *arr, app_sim_doc *d, problems *m)
{
    sim_scenario *sc = &d->sc;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > SIM_MAX_PLACES) {
        problems_add(m, "field 'places' must be an array of 1 to %d places", SIM_MAX_PLACES);
        return;
    }
    sc->nplaces = (int)json_array_size(arr);
    for (int i = 0; i < sc->nplaces; i++) {
        json_t *p = json_array_get(arr, (size_t)i);
        sim_place *pl = &sc->places[i];
        char w[64];
        snprintf(w, sizeof w, "places[%d]: ", i);
        if (!json_is_object(p)) {
            problems_add(m, "%smust be an object", w);
            continue;
        }
        known_keys(p, w, place_keys, m);
        text(p, "code", w, pl->code, sizeof pl->code, 1, m);
        text(p, "name", w, pl->name, sizeof pl->name, 0, m);
        num(p, "lat", w, &pl->lat, m);
        num(p, "lon", w, &pl->lon, m);
        num(p, "arrivals_per_day", w, &pl->arrivals_per_day, m);
        num(p, "urgent_share", w, &pl->urgent_share, m);
        json_t *l = json_object_get(p, "los");
        if (l) parse_los(l, w, &pl->los, &d->values[1 + i], m);
        if (pl->code[0] && sim_place_find(sc, pl->code) != i)
            problems_add(m, "%sduplicate code", w);
    }
}

static void parse_units(const json_t *arr, app_sim_doc *d, problems *m)
{
    sim_scenario *sc = &d->sc;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > SIM_MAX_UNITS) {
        problems_add(m, "field 'units' must be an array of 1 to %d units", SIM_MAX_UNITS);
        return;
    }
    sc->nunits = (int)json_array_size(arr);
    for (int u = 0; u < sc->nunits; u++) {
        json_t *o = json_array_get(arr, (size_t)u);
        sim_unit *un = &sc->units[u];
        char w[64];
        snprintf(w, sizeof w, "units[%d]: ", u);
        if (!json_is_object(o)) {
            problems_add(m, "%smust be an object", w);
            continue;
        }
        known_keys(o, w, unit_keys, m);
        text(o, "code", w, un->code, sizeof un->code, 1, m);
        text(o, "name", w, un->name, sizeof un->name, 0, m);
        long long beds = -1;
        integer(o, "beds", w, &beds, m);
        if (!json_object_get(o, "beds")) problems_add(m, "%smissing field 'beds'", w);
        if (json_is_integer(json_object_get(o, "beds")) && (beds < 0 || beds > 100000))
            problems_add(m, "%sbeds must be 0 to 100000", w);
        un->beds = beds < 0 || beds > 100000 ? 0 : (int)beds;
        num(o, "lat", w, &un->lat, m);
        num(o, "lon", w, &un->lon, m);
        json_t *ps = json_object_get(o, "places");
        if (ps && !json_is_array(ps))
            problems_add(m, "%sfield 'places' must be an array of place codes", w);
        for (size_t k = 0; json_is_array(ps) && k < json_array_size(ps); k++) {
            json_t *c = json_array_get(ps, k);
            int i = json_is_string(c) ? sim_place_find(sc, json_string_value(c)) : -1;
            if (i < 0)
                problems_add(m, "%splaces[%zu] is not the code of a place in the scenario", w, k);
            else
                un->places |= 1ULL << i;
        }
    }
}

static void parse_arrivals(const json_t *arr, app_sim_doc *d, problems *m)
{
    sim_scenario *sc = &d->sc;
    if (!json_is_array(arr) || json_array_size(arr) > 5000000) {
        problems_add(m, "field 'arrivals' must be an array of arrivals");
        return;
    }
    size_t n = json_array_size(arr);
    if (!n) return;
    d->replay = calloc(n, sizeof *d->replay);
    if (!d->replay) {
        problems_add(m, "out of memory");
        return;
    }
    for (size_t k = 0; k < n; k++) {
        json_t *o = json_array_get(arr, k);
        sim_arrival *a = &d->replay[k];
        char w[64], code[16] = "";
        snprintf(w, sizeof w, "arrivals[%zu]: ", k);
        if (!json_is_object(o)) {
            problems_add(m, "%smust be an object", w);
            break;
        }
        int before = m->n;
        known_keys(o, w, arrival_keys, m);
        a->day = -1;
        a->los = -1;
        num(o, "day", w, &a->day, m);
        num(o, "los", w, &a->los, m);
        text(o, "place", w, code, sizeof code, 1, m);
        json_t *u = json_object_get(o, "urgent");
        if (u && !json_is_boolean(u)) problems_add(m, "%sfield 'urgent' must be true or false", w);
        a->urgent = json_is_true(u);
        a->place = sim_place_find(sc, code);
        if (code[0] && a->place < 0)
            problems_add(m, "%splace '%s' is not in the scenario", w, code);
        if (!(a->day >= 0)) problems_add(m, "%sfield 'day' must be a number >= 0", w);
        if (m->n != before) break; /* one bad arrival is enough to report */
    }
    sc->replay = d->replay;
    sc->nreplay = (int)n;
}

app_sim_doc *app_sim_doc_new(void)
{
    app_sim_doc *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->notes = json_array();
    snprintf(d->source, sizeof d->source, "file");
    sim_scenario *sc = &d->sc;
    sc->seed = 1;
    sc->reps = 20;
    sc->warmup_days = 180;
    sc->run_days = 365;
    sc->policy = SIM_POLICY_POOLED;
    sc->queue = SIM_QUEUE_FIFO;
    sc->target_days = 2;
    sc->target_prob = 0.05;
    return d;
}

void app_sim_doc_free(app_sim_doc *d)
{
    if (!d) return;
    for (int i = 0; i <= SIM_MAX_PLACES; i++) free(d->values[i]);
    free(d->replay);
    json_decref(d->notes);
    free(d);
}

void app_sim_doc_note(app_sim_doc *d, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(d->notes, json_string(buf));
}

int app_sim_doc_parse(const json_t *j, app_sim_doc **out, ics_err *e)
{
    *out = NULL;
    if (!json_is_object(j)) return ics_err_set(e, ICS_EINVAL, "a scenario must be a JSON object");
    app_sim_doc *d = app_sim_doc_new();
    if (!d) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    sim_scenario *sc = &d->sc;
    problems m;
    problems_init(&m);
    known_keys(j, "", top_keys, &m);
    snprintf(d->name, sizeof d->name, "scenario");
    text(j, "name", "", d->name, sizeof d->name, 0, &m);
    text(j, "source", "", d->source, sizeof d->source, 0, &m);
    json_t *syn = json_object_get(j, "synthetic");
    if (syn && !json_is_boolean(syn)) problems_add(&m, "field 'synthetic' must be true or false");
    d->synthetic = json_is_true(syn);
    json_t *notes = json_object_get(j, "notes");
    if (notes && !json_is_array(notes))
        problems_add(&m, "field 'notes' must be an array of strings");
    for (size_t k = 0; json_is_array(notes) && k < json_array_size(notes); k++)
        if (json_is_string(json_array_get(notes, k)))
            json_array_append(d->notes, json_array_get(notes, k));
    long long seed = 1, reps = sc->reps;
    integer(j, "seed", "", &seed, &m);
    if (seed < 0) problems_add(&m, "field 'seed' must be >= 0");
    sc->seed = (uint64_t)seed;
    integer(j, "replications", "", &reps, &m);
    sc->reps = reps < 1 || reps > SIM_MAX_REPS ? 0 : (int)reps;
    num(j, "warmup_days", "", &sc->warmup_days, &m);
    num(j, "run_days", "", &sc->run_days, &m);
    char pol[16] = "pooled", q[16] = "fifo", wu[16] = "fixed";
    text(j, "policy", "", pol, sizeof pol, 0, &m);
    text(j, "queue", "", q, sizeof q, 0, &m);
    text(j, "warmup", "", wu, sizeof wu, 0, &m);
    if (!strcmp(wu, "mser5"))
        sc->warmup_rule = SIM_WARMUP_MSER5;
    else if (strcmp(wu, "fixed"))
        problems_add(&m, "warmup '%s' is not fixed or mser5", wu);
    if (!strcmp(pol, "borough"))
        sc->policy = SIM_POLICY_BOROUGH;
    else if (strcmp(pol, "pooled"))
        problems_add(&m, "policy '%s' is not borough or pooled", pol);
    if (!strcmp(q, "priority"))
        sc->queue = SIM_QUEUE_PRIORITY;
    else if (strcmp(q, "fifo"))
        problems_add(&m, "queue '%s' is not fifo or priority", q);
    json_t *t = json_object_get(j, "target");
    if (t && !json_is_object(t)) problems_add(&m, "field 'target' must be an object");
    if (json_is_object(t)) {
        known_keys(t, "target: ", target_keys, &m);
        num(t, "wait_days", "target: ", &sc->target_days, &m);
        num(t, "probability", "target: ", &sc->target_prob, &m);
    }
    json_t *los = json_object_get(j, "los");
    if (!los)
        problems_add(&m, "missing field 'los'");
    else
        parse_los(los, "", &sc->los, &d->values[0], &m);
    profile(j, "day_of_week", sc->dow, 7, &sc->has_dow, &m);
    profile(j, "seasonal", sc->month, 12, &sc->has_month, &m);
    json_t *places = json_object_get(j, "places"), *units = json_object_get(j, "units");
    if (!places)
        problems_add(&m, "missing field 'places'");
    else
        parse_places(places, d, &m);
    if (!units)
        problems_add(&m, "missing field 'units'");
    else
        parse_units(units, d, &m);
    json_t *arr = json_object_get(j, "arrivals");
    if (arr && m.n == 0) parse_arrivals(arr, d, &m);
    /* then the engine's own rules (ranges, commissioning), so every problem
     * is reported at once; "scenario: " is the engine's prefix */
    ics_err ce = {0};
    if (sim_scenario_check(sc, &ce) && !strstr(m.msg.buf ? m.msg.buf : "", ce.msg + 10))
        problems_add(&m, "%s", ce.msg + 10);
    int rc = problems_done(&m, e);
    if (rc) ics_err_prefix(e, "scenario: ");
    if (rc) {
        app_sim_doc_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

int app_sim_doc_policies(app_sim_doc *d, int asked, ics_err *e)
{
    sim_scenario chk = d->sc;
    int ok = 0;
    for (int p = 0; p < 2; p++) {
        if (!(asked >> p & 1)) continue;
        chk.policy = p ? SIM_POLICY_POOLED : SIM_POLICY_BOROUGH;
        ics_err pe = {0};
        int rc = sim_scenario_check(&chk, &pe);
        if (rc == 0) {
            ok |= 1 << p;
        } else if (p == 0 && (asked & 2) && strstr(pe.msg, "no unit is commissioned")) {
            app_sim_doc_note(d, "borough policy not reviewed: %s", pe.msg);
        } else {
            if (e) *e = pe;
            return rc;
        }
    }
    return ok;
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *los_json(const sim_los *l)
{
    static const char *names[] = {"", "exponential", "lognormal", "empirical"};
    json_t *o = json_pack("{ss}", "distribution", names[l->kind]);
    if (l->kind == SIM_LOS_EMPIRICAL) {
        json_t *v = json_array();
        for (int i = 0; i < l->nvalues; i++) json_array_append_new(v, json_real(l->values[i]));
        json_object_set_new(o, "values", v);
    } else {
        json_object_set_new(o, "mean", json_real(l->mean));
        if (l->kind == SIM_LOS_LOGNORMAL) json_object_set_new(o, "sd", json_real(l->sd));
    }
    return o;
}

static json_t *doubles(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

json_t *app_sim_doc_json(const app_sim_doc *d)
{
    const sim_scenario *sc = &d->sc;
    json_t *o = json_pack(
        "{ss sb ss sO sI si sf sf ss ss s{sf sf} so}", "name", d->name, "synthetic", d->synthetic,
        "source", d->source, "notes", d->notes, "seed", (json_int_t)sc->seed, "replications",
        sc->reps, "warmup_days", sc->warmup_days, "run_days", sc->run_days, "policy",
        sc->policy == SIM_POLICY_POOLED ? "pooled" : "borough", "queue",
        sc->queue == SIM_QUEUE_PRIORITY ? "priority" : "fifo", "target", "wait_days",
        sc->target_days, "probability", sc->target_prob, "los", los_json(&sc->los));
    if (!o) return NULL;
    json_object_set_new(o, "warmup",
                        json_string(sc->warmup_rule == SIM_WARMUP_MSER5 ? "mser5" : "fixed"));
    if (sc->has_dow) json_object_set_new(o, "day_of_week", doubles(sc->dow, 7));
    if (sc->has_month) json_object_set_new(o, "seasonal", doubles(sc->month, 12));
    json_t *places = json_array(), *units = json_array();
    for (int i = 0; i < sc->nplaces; i++) {
        const sim_place *p = &sc->places[i];
        json_t *po = json_pack("{ss ss sf sf sf sf}", "code", p->code, "name", p->name, "lat",
                               p->lat, "lon", p->lon, "arrivals_per_day", p->arrivals_per_day,
                               "urgent_share", p->urgent_share);
        if (p->los.kind != SIM_LOS_INHERIT) json_object_set_new(po, "los", los_json(&p->los));
        json_array_append_new(places, po);
    }
    for (int u = 0; u < sc->nunits; u++) {
        const sim_unit *un = &sc->units[u];
        json_t *ps = json_array();
        for (int i = 0; i < sc->nplaces; i++)
            if (un->places >> i & 1) json_array_append_new(ps, json_string(sc->places[i].code));
        json_array_append_new(units, json_pack("{ss ss si sf sf so}", "code", un->code, "name",
                                               un->name, "beds", un->beds, "lat", un->lat, "lon",
                                               un->lon, "places", ps));
    }
    json_object_set_new(o, "places", places);
    json_object_set_new(o, "units", units);
    if (sc->nreplay > 0) {
        json_t *a = json_array();
        for (int k = 0; k < sc->nreplay; k++) {
            const sim_arrival *v = &sc->replay[k];
            json_t *ao = json_pack("{sf ss sb}", "day", v->day, "place", sc->places[v->place].code,
                                   "urgent", v->urgent);
            if (v->los >= 0) json_object_set_new(ao, "los", json_real(v->los));
            json_array_append_new(a, ao);
        }
        json_object_set_new(o, "arrivals", a);
    }
    return o;
}

/* ---- results ----------------------------------------------------------------- */

json_t *app_sim_stat_json(const sim_stat *s)
{
    return json_pack("{so so so so si}", "mean", num_or_null(s->mean), "sd", num_or_null(s->sd),
                     "lo", num_or_null(s->lo), "hi", num_or_null(s->hi), "n", s->n);
}

static json_t *search_json(const sim_scenario *sc, const sim_search *s, int beds_now)
{
    json_t *n = json_pack("{sb si}", "found", s->found, "evaluations", s->evaluations);
    if (!s->found) return n;
    json_t *ub = json_array();
    for (int u = 0; u < sc->nunits; u++)
        json_array_append_new(ub, json_pack("{ss si si}", "code", sc->units[u].code, "beds",
                                            s->unit_beds[u], "change",
                                            s->unit_beds[u] - sc->units[u].beds));
    json_object_set_new(n, "total", json_integer(s->total));
    json_object_set_new(n, "change", json_integer(s->total - beds_now));
    json_object_set_new(n, "units", ub);
    json_object_set_new(n, "p_over_target", app_sim_stat_json(&s->p_over));
    json_object_set_new(n, "mean_wait", app_sim_stat_json(&s->mean_wait));
    json_object_set_new(n, "occupancy", app_sim_stat_json(&s->occupancy));
    return n;
}

static json_t *policy_json(const sim_scenario *sc, const sim_review *r, int p)
{
    const sim_result *res = r->res[p];
    json_t *o = json_pack("{si sf si sI sI}", "beds", res->beds, "offered_load", res->offered_load,
                          "replications", res->reps, "censored", (json_int_t)res->censored,
                          "events", (json_int_t)res->events);
    for (int m = 0; m < SIM_NMETRICS; m++)
        json_object_set_new(o, sim_metric_names[m], app_sim_stat_json(&res->m[m]));
    json_object_set_new(o, "target_met", json_boolean(sim_target_met(sc, res, 0)));
    json_t *units = json_array(), *places = json_array();
    for (int u = 0; u < sc->nunits; u++)
        json_array_append_new(units, json_pack("{ss si so}", "code", sc->units[u].code, "beds",
                                               sc->units[u].beds, "occupancy",
                                               app_sim_stat_json(&res->unit_occ[u])));
    for (int i = 0; i < sc->nplaces; i++)
        json_array_append_new(places,
                              json_pack("{ss so so}", "code", sc->places[i].code, "mean_wait",
                                        app_sim_stat_json(&res->place_wait[i]), "p_over_target",
                                        app_sim_stat_json(&res->place_over[i])));
    json_object_set_new(o, "units", units);
    json_object_set_new(o, "places", places);
    if (r->searched) {
        json_t *n = search_json(sc, &r->need[p], res->beds);
        json_object_set_new(n, "shared", json_string("by demand"));
        json_t *t = search_json(sc, &r->need_today[p], res->beds);
        json_object_set_new(t, "shared", json_string("as today"));
        json_object_set_new(n, "keeping_todays_split", t);
        json_object_set_new(o, "beds_needed", n);
    }
    return o;
}

json_t *app_sim_review_json(const app_sim_doc *d, const sim_review *r)
{
    const sim_scenario *sc = &d->sc;
    json_t *pol = json_object();
    for (int p = 0; p < 2; p++)
        if (r->policies >> p & 1 && r->res[p])
            json_object_set_new(pol, p ? "pooled" : "borough", policy_json(sc, r, p));
    json_t *o = json_pack(
        "{ss sb ss sO sI si sf sf ss s{sf sf} so s{sf sf si ss}}", "scenario", d->name, "synthetic",
        d->synthetic, "source", d->source, "notes", d->notes, "seed", (json_int_t)sc->seed,
        "replications", sc->reps, "warmup_days", r->warmup_days, "run_days", sc->run_days, "queue",
        sc->queue == SIM_QUEUE_PRIORITY ? "priority" : "fifo", "target", "wait_days",
        sc->target_days, "probability", sc->target_prob, "policies", pol, "erlang_check",
        "arrivals_per_day", r->arrivals_per_day, "mean_los", r->mean_los, "pooled_mmc_beds",
        r->erlang_beds, "note",
        "Erlang C for one pooled unit with exponential stays: a sanity check, not the answer");
    if (!o) return NULL;
    /* the warm-up every run used, and how it was chosen */
    json_t *w =
        json_pack("{ss sf}", "rule", sc->warmup_rule == SIM_WARMUP_MSER5 ? "mser5" : "fixed",
                  "days", r->warmup_days);
    if (w && r->mser5_days >= 0) json_object_set_new(w, "mser5_days", json_real(r->mser5_days));
    json_object_set_new(o, "warmup", w);
    if (r->searched && (r->policies & 3) == 3 && r->need[0].found && r->need[1].found) {
        json_object_set_new(o, "pooling_saves_beds",
                            json_integer(r->need[0].total - r->need[1].total));
    }
    return o;
}

static void csv_stat(sb *o, const char *pol, const char *scope, const char *code,
                     const char *metric, const sim_stat *s)
{
    sb_printf(o, "%s,%s,", pol, scope);
    csv_cell(o, code, 1);
    sb_printf(o, ",%s", metric);
    const double v[4] = {s->mean, s->lo, s->hi, s->sd};
    for (int i = 0; i < 4; i++) {
        if (isfinite(v[i]))
            sb_printf(o, ",%.6g", v[i]);
        else
            sb_puts(o, ","); /* no value: no patients from that place */
    }
    sb_printf(o, ",%d\n", s->n);
}

char *app_sim_review_csv(const app_sim_doc *d, const sim_review *r)
{
    const sim_scenario *sc = &d->sc;
    sb o;
    sb_init(&o);
    sb_puts(&o, "policy,scope,code,metric,mean,lo,hi,sd,n\n");
    for (int p = 0; p < 2; p++) {
        if (!(r->policies >> p & 1) || !r->res[p]) continue;
        const char *pn = p ? "pooled" : "borough";
        const sim_result *res = r->res[p];
        for (int m = 0; m < SIM_NMETRICS; m++)
            csv_stat(&o, pn, "system", "", sim_metric_names[m], &res->m[m]);
        for (int u = 0; u < sc->nunits; u++)
            csv_stat(&o, pn, "unit", sc->units[u].code, "occupancy", &res->unit_occ[u]);
        for (int i = 0; i < sc->nplaces; i++) {
            csv_stat(&o, pn, "place", sc->places[i].code, "mean_wait", &res->place_wait[i]);
            csv_stat(&o, pn, "place", sc->places[i].code, "p_over_target", &res->place_over[i]);
        }
        if (r->searched && r->need[p].found) {
            sim_stat t = {r->need[p].total, 0, r->need[p].total, r->need[p].total, 1};
            csv_stat(&o, pn, "system", "", "beds_needed", &t);
            for (int u = 0; u < sc->nunits; u++) {
                int b = r->need[p].unit_beds[u];
                sim_stat ub = {b, 0, b, b, 1};
                csv_stat(&o, pn, "unit", sc->units[u].code, "beds_needed", &ub);
            }
        }
        if (r->searched && r->need_today[p].found) {
            int b = r->need_today[p].total;
            sim_stat t = {b, 0, b, b, 1};
            csv_stat(&o, pn, "system", "", "beds_needed_todays_split", &t);
        }
    }
    return sb_steal(&o);
}
