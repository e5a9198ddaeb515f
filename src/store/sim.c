/* store/sim.c - the simulator's tables (stored runs) and the rows a
 * scenario is fitted from: the directory's places, units and commissioning,
 * the bed bureau's referral counts, stays and arrivals. SQL only: the fit's
 * arithmetic is the engine's (src/sim/fit.c), putting rows into a scenario
 * and its notes the application's (src/app/sim_fit.c). */
#include "store/sim.h"

#include <stdio.h>
#include <stdlib.h>

/* Version 2: created_at as INTEGER seconds (it was ISO 8601 text); its
 * index is dropped by the step's SQL and made again here. */
static int sim_v2(store *s, ics_err *e)
{
    int rc = store_migrate_instants(s, "sim_runs", "created_at!", e);
    if (!rc) rc = store_exec(s, "CREATE INDEX sim_runs_created ON sim_runs(created_at);", e);
    return rc;
}

const store_migration store_schema_sim[] = {
    {"sim", 1,
     "CREATE TABLE sim_runs ("
     " id INTEGER PRIMARY KEY,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " seed INTEGER NOT NULL,"
     " replications INTEGER NOT NULL,"
     " source TEXT NOT NULL,"
     " synthetic INTEGER NOT NULL,"
     " scenario_json TEXT NOT NULL,"
     " result_json TEXT NOT NULL);"
     "CREATE INDEX sim_runs_created ON sim_runs(created_at);",
     NULL},
    {"sim", 2, "DROP INDEX sim_runs_created;", sim_v2},
    {NULL, 0, NULL, NULL}};

/* ---- runs ------------------------------------------------------------------ */

int store_sim_run_save(store *s, const store_sim_run *run, const json_t *scenario,
                       const json_t *result, int64_t *id, ics_err *e)
{
    char *sct = json_dumps(scenario, JSON_COMPACT);
    char *rt = json_dumps(result, JSON_COMPACT);
    int rc;
    if (!sct || !rt) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory storing the run");
    } else {
        json_t *p =
            json_pack("[I s I i s i s s]", (json_int_t)run->at, run->actor, (json_int_t)run->seed,
                      run->reps, run->source, run->synthetic, sct, rt);
        rc = store_query_int(s,
                             "INSERT INTO sim_runs (created_at, created_by, seed, replications,"
                             " source, synthetic, scenario_json, result_json)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             p, 0, id, e);
        json_decref(p);
    }
    free(sct);
    free(rt);
    return rc;
}

int store_sim_run_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s,
                             "SELECT id, created_at, created_by, seed, replications, source,"
                             " synthetic, scenario_json, result_json FROM sim_runs WHERE id = ?",
                             p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, rc, "no simulation run %lld", (long long)id);
    return rc;
}

int store_sim_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[I I]", (json_int_t)limit, (json_int_t)offset);
    int rc = store_query_json(s,
                              "SELECT id, created_at, created_by, seed, replications, source,"
                              " synthetic FROM sim_runs ORDER BY id DESC LIMIT ? OFFSET ?",
                              p, rows, e);
    json_decref(p);
    return rc;
}

/* ---- rows a scenario is fitted from ------------------------------------- */

int store_sim_places(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = ics ? json_pack("[ss]", ics, ics) : json_pack("[nn]");
    int rc =
        store_query_json(s,
                         "SELECT p.code, p.name, AVG(d.lat) AS lat, AVG(d.lon) AS lon"
                         " FROM places p LEFT JOIN postcode_districts d ON d.place_code = p.code"
                         " WHERE ? IS NULL OR p.ics_code = ?"
                         " GROUP BY p.code, p.name ORDER BY p.code",
                         p, rows, e);
    json_decref(p);
    return rc;
}

int store_sim_units(store *s, const char *bed_type, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s s]", bed_type ? bed_type : "", bed_type ? bed_type : "");
    int rc = store_query_json(s,
                              "SELECT u.unit_code, u.name, u.beds, s.lat, s.lon FROM units u"
                              " JOIN sites s ON s.site_code = u.site_code"
                              " WHERE ? = '' OR u.bed_type = ? ORDER BY u.unit_code",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_sim_commissioners(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s, "SELECT unit_code, place_code FROM unit_commissioners", NULL, rows,
                            e);
}

int store_sim_referral_last(store *s, int64_t *last, ics_err *e)
{
    return store_query_int(s, "SELECT MAX(referred_at) FROM bed_referrals", NULL, -1, last, e);
}

int store_sim_referral_first(store *s, int64_t dflt, int64_t *first, ics_err *e)
{
    return store_query_int(s, "SELECT MIN(referred_at) FROM bed_referrals", NULL, dflt, first, e);
}

/* The parameters that select referrals of [start, end] of a type, under
 * either of its names (all types when unit_type is NULL). */
static json_t *window(int64_t start, int64_t end, const char *unit_type, const char *ref_type)
{
    return json_pack("[I I s s s]", (json_int_t)start, (json_int_t)end, unit_type ? "1" : "",
                     unit_type ? unit_type : "", ref_type ? ref_type : "");
}

int store_sim_referral_counts(store *s, int64_t start, int64_t end, const char *unit_type,
                              const char *ref_type, json_t **rows, ics_err *e)
{
    json_t *p = window(start, end, unit_type, ref_type);
    int rc =
        store_query_json(s,
                         "SELECT place_code, COUNT(*) AS n,"
                         " SUM(CASE WHEN priority = 1 THEN 1 ELSE 0 END) AS urgent"
                         " FROM bed_referrals WHERE referred_at >= ? AND referred_at <= ?"
                         " AND state NOT IN ('cancelled', 'declined') AND place_code IS NOT NULL"
                         " AND (? = '' OR bed_type IN (?, ?))"
                         " GROUP BY place_code ORDER BY place_code",
                         p, rows, e);
    json_decref(p);
    return rc;
}

int store_sim_referral_arrivals(store *s, int64_t start, int64_t end, const char *unit_type,
                                const char *ref_type, json_t **rows, ics_err *e)
{
    json_t *p = window(start, end, unit_type, ref_type);
    int rc = store_query_json(s,
                              "SELECT place_code, referred_at, priority FROM bed_referrals"
                              " WHERE referred_at >= ? AND referred_at <= ?"
                              " AND state NOT IN ('cancelled', 'declined')"
                              " AND place_code IS NOT NULL AND (? = '' OR bed_type IN (?, ?))"
                              " ORDER BY referred_at, referral_id",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_sim_stays(store *s, int64_t start, int64_t end, const char *unit_type, json_t **rows,
                    ics_err *e)
{
    json_t *p = json_pack("[I I s s]", (json_int_t)start, (json_int_t)end, unit_type ? "1" : "",
                          unit_type ? unit_type : "");
    int rc = store_query_json(s,
                              "SELECT (st.discharged_at - st.admitted_at) AS secs FROM bed_stays st"
                              " JOIN units u ON u.unit_code = st.unit_code"
                              " WHERE st.discharged_at IS NOT NULL AND st.discharged_at >= ?"
                              " AND st.discharged_at <= ? AND (? = '' OR u.bed_type = ?)"
                              " ORDER BY st.stay_id",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_sim_referral_synthetic(store *s, int64_t start, int64_t end, int64_t *synthetic,
                                 ics_err *e)
{
    json_t *p = json_pack("[I I]", (json_int_t)start, (json_int_t)end);
    int rc = store_query_int(s,
                             "SELECT MAX(synthetic) FROM bed_referrals"
                             " WHERE referred_at >= ? AND referred_at <= ?",
                             p, 0, synthetic, e);
    json_decref(p);
    return rc;
}
