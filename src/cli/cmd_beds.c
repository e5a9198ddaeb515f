/* cmd_beds.c - `icsflow beds ...`: the community bed bureau from the
 * command line: the board, matching one referral or the whole queue under
 * pooled or borough policy, the referral lifecycle, bed status, length of
 * stay, CSV imports and the synthetic history; plus seed_beds, which gives
 * a new database a year of synthetic history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/csv.h"
#include "core/progress.h"
#include "core/tz.h"
#include "store/beds.h"

#define SEED_DEFAULT 20260101u
#define SEED_DAYS    365

static const char *usage_all =
    "beds board|match|offer|accept|admit|discharge|los|status|import|generate [OPTIONS]\n"
    "  board                          the bed board by unit, bed type and place\n"
    "  match --referral ID            every bed ranked for one referral, with reasons\n"
    "  match [--policy P] [--apply]   optimal assignment of the waiting queue\n"
    "  offer --referral ID --bed ID   offer (reserve) a bed\n"
    "  accept --referral ID           accept the offered bed\n"
    "  admit --referral ID [--bed ID] [--at TIME]\n"
    "  discharge --referral ID --destination D [--at TIME] [--ready DATE]\n"
    "  los [--from DATE] [--to DATE]  length of stay, funnel flags, 7-day forecast\n"
    "  status --bed ID --set S [--closure R] | status --unit CODE --confirm\n"
    "  import --snapshot FILE | --stays FILE\n"
    "  generate [--days N] [--seed S] synthetic history (new databases get one)";

static beds_actor cli_beds_actor(void)
{
    beds_actor a = {cli_actor(), "admin", ""};
    return a;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s) puts(s);
    free(s);
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static int parse_id(const char *cmd, const char *opt, const char *v, int64_t *out)
{
    long x;
    if (!v) return cli_usage_error(cmd, "--%s is required", opt);
    if (cli_int(cmd, opt, v, 1, 2000000000L, &x)) return 2;
    *out = x;
    return 0;
}

/* Run a write in one transaction and print the referral or bed after. */
typedef int (*write_fn)(store *s, void *ctx, json_t **after, ics_err *e);

static int in_tx(const char *cmd, store *s, write_fn fn, void *ctx, int as_json)
{
    ics_err e = {0};
    json_t *after = NULL;
    int rc = store_begin(s, &e);
    if (!rc) rc = fn(s, ctx, &after, &e);
    if (!rc)
        rc = store_commit(s, &e);
    else
        store_rollback(s);
    if (rc) return cli_fail(cmd, &e);
    if (as_json) {
        print_json(after);
    } else if (json_object_get(after, "state")) {
        printf("bed referral %lld: %s", (long long)num(after, "referral_id"), str(after, "state"));
        if (*str(after, "bed_code"))
            printf(", bed %s (%s)", str(after, "bed_code"), str(after, "unit_code"));
        printf("\n");
    } else if (json_object_get(after, "bed_code")) {
        printf("bed %s (%s): %s %s\n", str(after, "bed_code"), str(after, "unit_code"),
               str(after, "status"), str(after, "closure"));
    } else if (json_object_get(after, "confirmed_at")) {
        printf("unit %s: figures confirmed at %s by %s\n", str(after, "unit_code"),
               str(after, "confirmed_at"), str(after, "confirmed_by"));
    } else {
        print_json(after);
    }
    json_decref(after);
    return 0;
}

/* ---- board ------------------------------------------------------------ */

static int do_board(store *s, int as_json, long stale, long days)
{
    ics_err e = {0};
    json_t *b;
    if (store_beds_board(s, tz_now(), stale * 3600, (int)days, &b, &e))
        return cli_fail("beds board", &e);
    if (as_json) {
        print_json(b);
        json_decref(b);
        return 0;
    }
    printf("%-12s %-22s %-5s %4s %5s %4s %4s %5s %5s %6s %7s %s\n", "unit", "bed type", "sex",
           "beds", "avail", "res", "occ", "closd", "occ%", "wait", "oldest", "confirmed");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(b, "units"), i, u)
    {
        printf("%-12s %-22s %-5s %4d %5d %4d %4d %5d %4.0f%% %6d %6.1fd %s%s\n",
               str(u, "unit_code"), str(u, "bed_type"), str(u, "sex"), (int)num(u, "beds"),
               (int)num(u, "available"), (int)num(u, "reserved"), (int)num(u, "occupied"),
               (int)num(u, "closed"), 100 * num(u, "occupancy"), (int)num(u, "waiting"),
               num(u, "oldest_wait_days"), str(u, "confirmed_at"),
               json_is_true(json_object_get(u, "stale")) ? " STALE" : "");
    }
    json_t *t = json_object_get(b, "totals");
    printf("%-12s %-22s %-5s %4d %5d %4d %4d %5d %4.0f%% %6d %6.1fd\n", "ICS", "", "",
           (int)num(t, "beds"), (int)num(t, "available"), (int)num(t, "reserved"),
           (int)num(t, "occupied"), (int)num(t, "closed"), 100 * num(t, "occupancy"),
           (int)num(t, "waiting"), num(t, "oldest_wait_days"));
    printf("\nby bed type:\n");
    json_array_foreach(json_object_get(b, "bed_types"), i, u)
    {
        printf("  %-22s beds %3d  available %3d  occupied %3d  waiting %3d  oldest %.1f days\n",
               str(u, "bed_type"), (int)num(u, "beds"), (int)num(u, "available"),
               (int)num(u, "occupied"), (int)num(u, "waiting"), num(u, "oldest_wait_days"));
    }
    printf("\nfigures older than %.0f hours are STALE; 'wait' counts waiting referrals of the "
           "unit's bed type from the places that commission it\n",
           num(b, "stale_after_hours"));
    json_decref(b);
    return 0;
}

/* ---- match ------------------------------------------------------------ */

static int do_rank(store *s, int64_t ref, const char *policy, int all, int as_json)
{
    ics_err e = {0};
    json_t *out;
    beds_actor a = cli_beds_actor();
    if (store_beds_rank(s, &a, ref, policy, tz_now(), &out, &e)) return cli_fail("beds match", &e);
    if (as_json) {
        print_json(out);
        json_decref(out);
        return 0;
    }
    json_t *r = json_object_get(out, "referral");
    printf("bed referral %lld: %s need, sex %s, age %d, place %s, waiting %.1f days (%s policy)\n",
           (long long)num(r, "referral_id"), str(r, "bed_type"), str(r, "sex"), (int)num(r, "age"),
           str(r, "place_code"), num(r, "wait_days"), str(out, "policy"));
    printf("%d suitable beds, %d unsuitable\n", (int)num(out, "suitable"),
           (int)num(out, "unsuitable"));
    size_t i;
    json_t *b;
    int shown = 0;
    json_array_foreach(json_object_get(out, "beds"), i, b)
    {
        int ok = json_is_true(json_object_get(b, "suitable"));
        if (!ok && !all) continue;
        if (ok && !all && shown >= 10) continue;
        if (ok)
            printf("%3d. %-16s cost %5d  %s\n", (int)num(b, "rank"), str(b, "bed_code"),
                   (int)num(b, "cost"), str(b, "explanation"));
        else
            printf("  -  %-16s %s\n", str(b, "bed_code"), str(b, "explanation"));
        shown++;
    }
    printf("unsuitable by reason:");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(out, "unsuitable_by_reason"), k, v)
        printf(" %s %lld", k, (long long)json_integer_value(v));
    printf("%s\n", all ? "" : "  (--all lists every bed)");
    json_decref(out);
    return 0;
}

static void print_plan(const json_t *p)
{
    printf("%-8s ready %4d  placed %4d  unplaced %4d  total cost %lld (placements %lld, "
           "unplaced %lld)  mean %.1f km  alternative fits %d\n",
           str(p, "policy"), (int)num(p, "ready"), (int)num(p, "placed"), (int)num(p, "unplaced"),
           (long long)num(p, "total_cost"), (long long)num(p, "placed_cost"),
           (long long)num(p, "unplaced_cost"), num(p, "mean_km"), (int)num(p, "alternative_fits"));
}

typedef struct match_ctx {
    const char *policy;
    double max_km;
    int apply;
    json_t *out;
} match_ctx;

static int match_write(store *s, void *ctx, json_t **after, ics_err *e)
{
    match_ctx *m = ctx;
    beds_actor a = cli_beds_actor();
    return store_beds_match(s, &a, m->policy, m->max_km, m->apply, tz_now(), after, e);
}

static int do_match(store *s, const char *policy, double max_km, int apply, int as_json)
{
    ics_err e = {0};
    json_t *out = NULL;
    progress pr;
    progress_init(&pr, "matching");
    int rc;
    if (apply) {
        rc = store_begin(s, &e);
        if (!rc) {
            match_ctx m = {policy, max_km, 1, NULL};
            rc = match_write(s, &m, &out, &e);
        }
        if (!rc)
            rc = store_commit(s, &e);
        else
            store_rollback(s);
    } else {
        beds_actor a = cli_beds_actor();
        rc = store_beds_match(s, &a, policy, max_km, 0, tz_now(), &out, &e);
    }
    progress_done(&pr);
    if (rc) return cli_fail("beds match", &e);
    if (as_json) {
        print_json(out);
        json_decref(out);
        return 0;
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(out, "plans"), i, p) print_plan(p);
    json_t *g = json_object_get(out, "pooling_gain");
    if (g)
        printf("pooling places %d more patients, saves %lld cost units, mean distance %+.1f km\n",
               (int)num(g, "extra_placed"), (long long)num(g, "cost_saved"),
               num(g, "mean_km_change"));
    json_t *first = json_array_get(json_object_get(out, "plans"), 0);
    int shown = 0;
    json_array_foreach(json_object_get(first, "assignments"), i, p)
    {
        if (shown++ == 15) {
            printf("  ... %zu placements in all (--json lists them)\n",
                   json_array_size(json_object_get(first, "assignments")));
            break;
        }
        printf("  referral %-6lld -> %-16s %-12s %5.1f km  %s fit  cost %lld\n",
               (long long)num(p, "referral_id"), str(p, "bed_code"), str(p, "unit_code"),
               num(p, "km"), str(p, "fit"), (long long)num(p, "cost"));
    }
    if (apply)
        printf("offered %zu beds (each reserved for its referral)\n",
               json_array_size(json_object_get(out, "offers")));
    json_decref(out);
    return 0;
}

/* ---- lifecycle -------------------------------------------------------- */

typedef struct life_ctx {
    const char *action;
    int64_t ref, bed, at, ready;
    const char *destination, *status, *closure, *note, *unit;
} life_ctx;

static int life_write(store *s, void *ctx, json_t **after, ics_err *e)
{
    life_ctx *c = ctx;
    beds_actor a = cli_beds_actor();
    int64_t now = tz_now();
    if (!strcmp(c->action, "offer")) return store_beds_offer(s, &a, c->ref, c->bed, now, after, e);
    if (!strcmp(c->action, "accept")) return store_beds_accept(s, &a, c->ref, now, after, e);
    if (!strcmp(c->action, "admit"))
        return store_beds_admit(s, &a, c->ref, c->bed, c->at, now, after, e);
    if (!strcmp(c->action, "discharge"))
        return store_beds_discharge(s, &a, c->ref, c->destination, c->at, c->ready, now, after, e);
    if (!strcmp(c->action, "confirm"))
        return store_beds_unit_confirm(s, &a, c->unit, now, after, e);
    return store_beds_bed_set(s, &a, c->bed, c->status, c->closure, c->note, now, after, e);
}

/* ---- length of stay ---------------------------------------------------- */

static int do_los(store *s, int64_t from, int64_t to, int as_json)
{
    ics_err e = {0};
    json_t *out;
    if (store_beds_los(s, from, to, tz_now(), &out, &e)) return cli_fail("beds los", &e);
    if (as_json) {
        print_json(out);
        json_decref(out);
        return 0;
    }
    printf("length of stay, stays discharged %s to %s (days)\n", str(out, "from"), str(out, "to"));
    printf("%-12s %-22s %5s %6s %6s %6s %7s %6s %8s  %s\n", "unit", "bed type", "stays", "mean",
           "median", "p90", "delayed", "z", "funnel", "free beds in 1..7 days");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(out, "units"), i, u)
    {
        json_t *f = json_object_get(u, "funnel");
        printf("%-12s %-22s %5d %6.1f %6.1f %6.1f %7d %6.2f %8s ", str(u, "unit_code"),
               str(u, "bed_type"), (int)num(u, "stays"), num(u, "mean"), num(u, "median"),
               num(u, "p90"), (int)num(u, "delayed_days"), num(f, "z"), str(f, "flag"));
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(u, "predicted_free_beds"), k, v)
            printf(" %4.1f", json_number_value(v));
        printf("\n");
    }
    printf("%d unit(s) outside the 99.8%% funnel limits (mean LOS vs the bed type's mean)\n",
           (int)num(out, "outliers"));
    json_decref(out);
    return 0;
}

/* ---- import and generate ----------------------------------------------- */

static int do_import(store *s, const char *snapshot, const char *stays)
{
    ics_err e = {0};
    csv_doc *d;
    const char *path = snapshot ? snapshot : stays;
    if (csv_read_file(path, &d, &e)) return cli_fail("beds import", &e);
    beds_actor a = cli_beds_actor();
    int n = 0, rc = store_begin(s, &e);
    if (!rc)
        rc = snapshot ? store_beds_import_snapshot(s, &a, d, tz_now(), &n, &e)
                      : store_beds_import_stays(s, &a, d, &n, &e);
    if (!rc)
        rc = store_commit(s, &e);
    else
        store_rollback(s);
    csv_free(d);
    if (rc) return cli_fail("beds import", &e);
    printf("imported %d %s from %s\n", n, snapshot ? "bed states" : "stays", path);
    return 0;
}

static int generate(store *s, uint64_t seed, int days, ics_err *e)
{
    beds_actor a = {"synthetic", "admin", ""};
    int n = 0, rc = store_begin(s, e);
    if (!rc) rc = store_beds_generate(s, &a, seed, days, tz_now(), &n, e);
    if (!rc)
        rc = store_commit(s, e);
    else
        store_rollback(s);
    return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

int cmd_beds(int argc, char **argv)
{
    const char *db = cli_default_db(), *ref = NULL, *bed = NULL, *policy = NULL, *at = NULL,
               *dest = NULL, *ready = NULL, *from = NULL, *to = NULL, *set = NULL, *closure = NULL,
               *note = NULL, *unit = NULL, *snapshot = NULL, *stays = NULL, *days = NULL,
               *seed = NULL, *max_km = NULL, *stale = NULL;
    int as_json = 0, apply = 0, all = 0, confirm = 0;
    const cli_opt opts[] = {
        {"db", &db, NULL, "PATH  database file (default icsflow.db)"},
        {"referral", &ref, NULL, "ID  bed referral"},
        {"bed", &bed, NULL, "ID  bed"},
        {"policy", &policy, NULL, "P  pooled (any unit), borough (commissioned units) or both"},
        {"max-km", &max_km, NULL, "KM  match: no bed further from home than this"},
        {"apply", NULL, &apply, "match: offer every placement (reserving the beds)"},
        {"all", NULL, &all, "match --referral: list unsuitable beds too"},
        {"at", &at, NULL, "TIME  admit/discharge time (default now)"},
        {"destination", &dest, NULL,
         "D  home, home_with_support, care_home, acute_readmission, died, other"},
        {"ready", &ready, NULL, "DATE  discharge: date the patient was medically ready"},
        {"from", &from, NULL, "DATE  los: first discharge date (default a year ago)"},
        {"to", &to, NULL, "DATE  los: last discharge date (default today)"},
        {"set", &set, NULL, "S  status: available, closed or cleaning"},
        {"closure", &closure, NULL, "R  status: infection_control, staffing or maintenance"},
        {"note", &note, NULL, "TEXT  status: a note kept in the bed's history"},
        {"unit", &unit, NULL, "CODE  status --confirm: the unit whose figures are current"},
        {"confirm", NULL, &confirm, "status: confirm a unit's figures now"},
        {"snapshot", &snapshot, NULL, "FILE  import: bed states (bed_code,unit_code,status,...)"},
        {"stays", &stays, NULL, "FILE  import: historic stays (unit_code,admitted,...)"},
        {"days", &days, NULL, "N  generate: days of history (default 365); board: history days"},
        {"seed", &seed, NULL, "S  generate: random seed (default 20260101)"},
        {"stale-hours", &stale, NULL, "H  board: figures older than this are stale (default 24)"},
        {"json", NULL, &as_json, "print JSON"},
        {NULL, NULL, NULL, NULL}};
    int np, rc = cli_parse("beds", usage_all, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("beds", "name one action (see 'icsflow beds --help')");
    const char *act = argv[1];
    static const char *const acts[] = {"board",  "match",     "offer", "accept",
                                       "admit",  "discharge", "los",   "status",
                                       "import", "generate",  NULL};
    int known = 0;
    for (int i = 0; acts[i]; i++) known |= !strcmp(act, acts[i]);
    if (!known)
        return cli_usage_error("beds", "unknown action '%s' (see 'icsflow beds --help')", act);

    /* validate every argument before opening the database */
    life_ctx lc = {.action = act, .ready = -1};
    ics_err e = {0};
    long nstale = 24, ndays = 14, gdays = SEED_DAYS, gseed = SEED_DEFAULT;
    double km = 0;
    int64_t fday = 0, tday = 0;
    if (ref && parse_id("beds", "referral", ref, &lc.ref)) return 2;
    if (bed && parse_id("beds", "bed", bed, &lc.bed)) return 2;
    if (at && tz_parse(at, &lc.at, &e)) return cli_usage_error("beds", "--at: %s", e.msg);
    if (ready && tz_parse_date(ready, &lc.ready, &e))
        return cli_usage_error("beds", "--ready: %s", e.msg);
    if (stale && cli_int("beds", "stale-hours", stale, 1, 720, &nstale)) return 2;
    if (max_km && (cli_double("beds", "max-km", max_km, &km) || km < 0))
        return cli_usage_error("beds", "--max-km must be a number >= 0");
    if (policy && strcmp(policy, "pooled") && strcmp(policy, "borough") &&
        !(strcmp(policy, "both") == 0 && !ref))
        return cli_usage_error("beds", "--policy '%s' is not pooled, borough%s", policy,
                               ref ? "" : " or both");
    if (!strcmp(act, "board") && days && cli_int("beds", "days", days, 1, 366, &ndays)) return 2;
    if (!strcmp(act, "generate")) {
        if (days && cli_int("beds", "days", days, 1, 3660, &gdays)) return 2;
        if (seed && cli_int("beds", "seed", seed, 0, 2000000000L, &gseed)) return 2;
    }
    if ((!strcmp(act, "offer") || !strcmp(act, "accept") || !strcmp(act, "admit") ||
         !strcmp(act, "discharge")) &&
        !ref)
        return cli_usage_error("beds", "%s needs --referral ID", act);
    if (!strcmp(act, "offer") && !bed) return cli_usage_error("beds", "offer needs --bed ID");
    if (!strcmp(act, "discharge") && !dest)
        return cli_usage_error("beds", "discharge needs --destination");
    if (!strcmp(act, "status")) {
        if (confirm ? !unit : (!bed || !set))
            return cli_usage_error("beds", "status needs --bed ID --set STATUS, or --unit CODE "
                                           "--confirm");
        lc.action = confirm ? "confirm" : "status";
    }
    if (!strcmp(act, "import") && !!snapshot == !!stays)
        return cli_usage_error("beds", "import needs one of --snapshot FILE or --stays FILE");
    if (!strcmp(act, "los")) {
        int64_t today;
        tz_local l;
        tz_to_local(tz_now(), &l);
        today = l.date;
        fday = today - 365;
        tday = today;
        if (from && tz_parse_date(from, &fday, &e))
            return cli_usage_error("beds", "--from: %s", e.msg);
        if (to && tz_parse_date(to, &tday, &e)) return cli_usage_error("beds", "--to: %s", e.msg);
    }
    lc.destination = dest;
    lc.status = set;
    lc.closure = closure;
    lc.note = note;
    lc.unit = unit;

    store *s;
    if ((rc = cli_open("beds", db, &s))) return rc;
    if (!strcmp(act, "board"))
        rc = do_board(s, as_json, nstale, ndays);
    else if (!strcmp(act, "match"))
        rc = ref ? do_rank(s, lc.ref, policy, all, as_json)
                 : do_match(s, policy ? policy : "pooled", km, apply, as_json);
    else if (!strcmp(act, "los"))
        rc = do_los(s, fday, tday, as_json);
    else if (!strcmp(act, "import"))
        rc = do_import(s, snapshot, stays);
    else if (!strcmp(act, "generate")) {
        int64_t have = 0;
        if (store_query_int(s, "SELECT COUNT(*) FROM bed_referrals", NULL, 0, &have, &e)) {
            rc = cli_fail("beds generate", &e);
        } else if (have > 0) {
            rc = cli_usage_error("beds", "the database already has a bed history");
        } else {
            progress pr;
            progress_init(&pr, "generating");
            rc = generate(s, (uint64_t)gseed, (int)gdays, &e);
            progress_done(&pr);
            if (rc)
                rc = cli_fail("beds generate", &e);
            else
                printf("generated %ld days of SYNTHETIC bed history (seed %ld)\n", gdays, gseed);
        }
    } else
        rc = in_tx("beds", s, life_write, &lc, as_json);
    store_close(s);
    return rc;
}
