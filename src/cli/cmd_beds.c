/* cmd_beds.c - `icsflow beds ...`: the community bed bureau from the
 * command line: the board, matching one referral or the whole queue under
 * pooled or borough policy, the referral lifecycle, bed status, length of
 * stay, CSV imports and the synthetic history. It parses the options and
 * prints; every action is a use case of src/app/beds.c run as the login
 * user (so it is audited exactly as the same action through the API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/csv.h"
#include "core/progress.h"
#include "core/tz.h"
#include "app/beds.h"

#define SEED_DEFAULT 20260101u
#define SYNTH_NOTE                                                                                 \
    "SYNTHETIC: bed states, stays and referrals are a generated history unless the bureau has "    \
    "loaded its own (beds import)"
#define SEED_DAYS 365

static const char *usage_all =
    "beds board|queue|refer|match|offer|accept|admit|discharge|los|status|import|generate "
    "[OPTIONS]\n"
    "  board                          the bed board by place and bed type, every unit\n"
    "  queue [--policy P]             waiting referrals: placeable now, or why not and the\n"
    "                                 forecast next suitable bed\n"
    "  refer --nhs N --age A --sex M|F|U --postcode PC --site CODE --type T --priority 1-3\n"
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

/* Print the referral, bed or unit a write returned (and free it). */
static int print_after(json_t *after, int as_json)
{
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

static int do_board(app_ctx *c, int as_json, long stale, long days)
{
    ics_err e = {0};
    json_t *b;
    if (app_beds_board(c, (int)stale, (int)days, &b, &e)) return cli_fail("beds board", &e);
    if (as_json) {
        print_json(b);
        json_decref(b);
        return 0;
    }
    /* grouped by place x bed type; every unit by code and full name, so two
     * units of one hospital never print alike; free beds marked "FREE" */
    size_t i, pi;
    json_t *u, *pl;
    json_array_foreach(json_object_get(b, "places"), pi, pl)
    {
        const char *pc = str(pl, "place_code");
        int shown = 0;
        for (int ty = 0; ty < 5; ty++) {
            static const char *const types[] = {"rehabilitation", "stroke_rehabilitation",
                                                "dementia", "palliative", "step_down"};
            int any = 0, beds = 0, avail = 0;
            json_array_foreach(json_object_get(b, "units"), i, u)
            {
                if (strcmp(str(u, "place_code"), pc) || strcmp(str(u, "bed_type"), types[ty]))
                    continue;
                any++;
                beds += (int)num(u, "beds");
                avail += (int)num(u, "available");
            }
            if (!any) continue;
            if (!shown++)
                printf("%s (%s): %d beds, %d available, %d waiting\n", str(pl, "name"), pc,
                       (int)num(pl, "beds"), (int)num(pl, "available"), (int)num(pl, "waiting"));
            printf("  %s: %d of %d beds available\n", types[ty], avail, beds);
            json_array_foreach(json_object_get(b, "units"), i, u)
            {
                if (strcmp(str(u, "place_code"), pc) || strcmp(str(u, "bed_type"), types[ty]))
                    continue;
                int av = (int)num(u, "available");
                printf("    %-4s %-10s %s [%s]\n", av > 0 ? "FREE" : "full", str(u, "unit_code"),
                       str(u, "name"),
                       !strcmp(str(u, "sex"), "mixed") ? "mixed, bays by sex"
                       : !strcmp(str(u, "sex"), "M")   ? "male only"
                                                       : "female only");
                printf("         %d beds: %d available, %d reserved, %d occupied, %d closed; "
                       "%.0f%% occupied; %d waiting (oldest %.1f days); confirmed %s%s\n",
                       (int)num(u, "beds"), av, (int)num(u, "reserved"), (int)num(u, "occupied"),
                       (int)num(u, "closed"), 100 * num(u, "occupancy"), (int)num(u, "waiting"),
                       num(u, "oldest_wait_days"), str(u, "confirmed_at"),
                       json_is_true(json_object_get(u, "stale")) ? " STALE" : "");
                json_t *bays = json_object_get(u, "available_by_bay");
                if (json_object_size(bays))
                    printf("         available by bay: %d male, %d female, %d in no bay; side "
                           "rooms: %d free of %d\n",
                           (int)num(bays, "M"), (int)num(bays, "F"), (int)num(bays, "none"),
                           (int)num(bays, "side_room"), (int)num(u, "side_rooms"));
            }
        }
    }
    json_t *t = json_object_get(b, "totals");
    printf(
        "\nICS total: %d beds, %d available, %d reserved, %d occupied, %d closed, %.0f%% occupied, "
        "%d waiting (oldest %.1f days)\n",
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
    printf("\nfigures older than %.0f hours are STALE; a unit's 'waiting' counts waiting "
           "referrals of its bed type from the places that commission it\n",
           num(b, "stale_after_hours"));
    printf("%s\n", SYNTH_NOTE);
    json_decref(b);
    return 0;
}

/* ---- queue ------------------------------------------------------------ */

static int do_queue(app_ctx *c, const char *policy, int as_json)
{
    ics_err e = {0};
    json_t *q;
    if (app_beds_queue(c, policy, &q, &e)) return cli_fail("beds queue", &e);
    if (as_json) {
        print_json(q);
        json_decref(q);
        return 0;
    }
    printf("%d waiting, %d placeable now (%s policy)\n", (int)num(q, "waiting"),
           (int)num(q, "placeable"), str(q, "policy"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(q, "items"), i, r)
    {
        printf("referral %-6lld P%d  %3d %s  %-22s from %s, waiting %.1f days\n",
               (long long)num(r, "referral_id"), (int)num(r, "priority"), (int)num(r, "age"),
               str(r, "sex"), str(r, "bed_type"), str(r, "place_name"), num(r, "wait_days"));
        if (json_is_true(json_object_get(r, "placeable"))) {
            json_t *bb = json_object_get(r, "best_bed");
            printf("    placeable: %s; best %s at %s (%s)\n", str(r, "placement"),
                   str(bb, "bed_code"), str(bb, "unit_name"), str(bb, "unit_code"));
        } else {
            printf("    cannot be placed: %s\n", str(r, "why_not"));
            if (*str(r, "next_bed_text")) printf("    next: %s\n", str(r, "next_bed_text"));
        }
    }
    printf("%s\n", SYNTH_NOTE);
    json_decref(q);
    return 0;
}

/* ---- match ------------------------------------------------------------ */

static int do_rank(app_ctx *c, int64_t ref, const char *policy, int all, int as_json)
{
    ics_err e = {0};
    json_t *out;
    if (app_beds_referral_rank(c, ref, policy, &out, &e)) return cli_fail("beds match", &e);
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
    printf("%s\n", SYNTH_NOTE);
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

static int do_match(app_ctx *c, const char *policy, double max_km, int apply, int as_json)
{
    ics_err e = {0};
    json_t *out = NULL;
    progress pr;
    progress_init(&pr, "matching");
    json_t *body = json_pack("{sssfsb}", "policy", policy, "max_km", max_km, "apply", apply);
    int rc = app_beds_queue_match(c, body, &out, &e);
    json_decref(body);
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
        printf("  referral %-6lld -> bed %s at %s (%s)\n      %s\n      cost: %s\n",
               (long long)num(p, "referral_id"), str(p, "bed_code"), str(p, "unit_name"),
               str(p, "unit_code"), str(p, "explanation"), str(p, "cost_words"));
    }
    json_array_foreach(json_object_get(first, "unplaced_referrals"), i, p) printf(
        "  referral %-6lld unplaced: %s\n", (long long)num(p, "referral_id"), str(p, "why_not"));
    if (!apply)
        printf("a preview: no offer made (--apply makes the offers of the %s plan)\n",
               str(first, "policy"));
    printf("%s\n", SYNTH_NOTE);
    if (apply)
        printf("offered %zu beds (each reserved for its referral)\n",
               json_array_size(json_object_get(out, "offers")));
    json_decref(out);
    return 0;
}

/* ---- lifecycle -------------------------------------------------------- */

typedef struct life_ctx {
    const char *action;
    int64_t ref, bed;
    const char *at, *ready, *destination, *status, *closure, *note, *unit;
} life_ctx;

/* The lifecycle and bed actions: the options as the API's request body. */
static int life_write(app_ctx *c, const life_ctx *l, json_t **after, ics_err *e)
{
    const char *a = l->action;
    json_t *body = json_object();
    if (l->bed && strcmp(a, "status")) json_object_set_new(body, "bed_id", json_integer(l->bed));
    if (l->at) json_object_set_new(body, "at", json_string(l->at));
    if (l->ready) json_object_set_new(body, "ready_date", json_string(l->ready));
    if (l->destination) json_object_set_new(body, "destination", json_string(l->destination));
    if (l->status) json_object_set_new(body, "status", json_string(l->status));
    if (l->closure) json_object_set_new(body, "closure", json_string(l->closure));
    if (l->note) json_object_set_new(body, "note", json_string(l->note));
    int rc;
    if (!strcmp(a, "offer"))
        rc = app_beds_referral_offer(c, l->ref, body, after, e);
    else if (!strcmp(a, "accept"))
        rc = app_beds_referral_accept(c, l->ref, after, e);
    else if (!strcmp(a, "admit"))
        rc = app_beds_referral_admit(c, l->ref, body, after, e);
    else if (!strcmp(a, "discharge"))
        rc = app_beds_referral_discharge(c, l->ref, body, after, e);
    else if (!strcmp(a, "confirm"))
        rc = app_beds_unit_confirm(c, l->unit, after, e);
    else
        rc = app_beds_bed_status_set(c, l->bed, body, after, e);
    json_decref(body);
    return rc;
}

/* ---- length of stay ---------------------------------------------------- */

static int do_los(app_ctx *c, const char *from, const char *to, int as_json)
{
    ics_err e = {0};
    json_t *out;
    if (app_beds_los(c, from, to, &out, &e)) return cli_fail("beds los", &e);
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
    printf("%s\n", SYNTH_NOTE);
    json_decref(out);
    return 0;
}

/* ---- import and generate ----------------------------------------------- */

static int do_import(app_ctx *c, const char *snapshot, const char *stays)
{
    ics_err e = {0};
    csv_doc *d;
    const char *path = snapshot ? snapshot : stays;
    if (csv_read_file(path, &d, &e)) return cli_fail("beds import", &e);
    int n = 0;
    int rc =
        snapshot ? app_beds_import_snapshot(c, d, &n, &e) : app_beds_import_stays(c, d, &n, &e);
    csv_free(d);
    if (rc) return cli_fail("beds import", &e);
    printf("imported %d %s from %s\n", n, snapshot ? "bed states" : "stays", path);
    return 0;
}

static int do_generate(app_ctx *c, long seed, long days)
{
    ics_err e = {0};
    progress pr;
    progress_init(&pr, "generating");
    int n = 0, rc = app_beds_generate(c, (uint64_t)seed, (int)days, &n, &e);
    progress_done(&pr);
    if (rc) return cli_fail("beds generate", &e);
    printf("generated %ld days of SYNTHETIC bed history (seed %ld)\n", days, seed);
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

int cmd_beds(int argc, char **argv)
{
    const char *db = cli_default_db(), *ref = NULL, *bed = NULL, *policy = NULL, *at = NULL,
               *dest = NULL, *ready = NULL, *from = NULL, *to = NULL, *set = NULL, *closure = NULL,
               *note = NULL, *unit = NULL, *snapshot = NULL, *stays = NULL, *days = NULL,
               *nhs = NULL, *age = NULL, *sex = NULL, *postcode = NULL, *site = NULL, *btype = NULL;
    long prio = 0;
    int as_json = 0, apply = 0, all = 0, confirm = 0;
    long nstale = 24, ndays = 14, gdays = SEED_DAYS, gseed = SEED_DEFAULT;
    double km = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("referral", &ref, "ID  bed referral"),
        CLI_OPT_TEXT("bed", &bed, "ID  bed"),
        CLI_OPT_CHOICE("policy", &policy, "pooled|borough|both",
                       "P  pooled (any unit), borough (commissioned units) or both"),
        CLI_OPT_NUMBER("max-km", &km, 0, 1000, "KM  match: no bed further from home than this"),
        CLI_OPT_FLAG("apply", &apply, "match: offer every placement (reserving the beds)"),
        CLI_OPT_FLAG("all", &all, "match --referral: list unsuitable beds too"),
        CLI_OPT_TEXT("at", &at, "TIME  admit/discharge time (default now)"),
        CLI_OPT_TEXT("destination", &dest,
                     "D  home, home_with_support, care_home, acute_readmission, died, other"),
        CLI_OPT_TEXT("ready", &ready, "DATE  discharge: date the patient was medically ready"),
        CLI_OPT_TEXT("from", &from, "DATE  los: first discharge date (default a year ago)"),
        CLI_OPT_TEXT("to", &to, "DATE  los: last discharge date (default today)"),
        CLI_OPT_TEXT("set", &set, "S  status: available, closed or cleaning"),
        CLI_OPT_TEXT("closure", &closure, "R  status: infection_control, staffing or maintenance"),
        CLI_OPT_TEXT("note", &note, "TEXT  status: a note kept in the bed's history"),
        CLI_OPT_TEXT("unit", &unit, "CODE  status --confirm: the unit whose figures are current"),
        CLI_OPT_FLAG("confirm", &confirm, "status: confirm a unit's figures now"),
        CLI_OPT_TEXT("snapshot", &snapshot,
                     "FILE  import: bed states (bed_code,unit_code,status,...)"),
        CLI_OPT_TEXT("stays", &stays, "FILE  import: historic stays (unit_code,admitted,...)"),
        CLI_OPT_TEXT("days", &days,
                     "N  generate: days of history (default 365); board: history days"),
        CLI_OPT_INT("seed", &gseed, 0, 2000000000, "S  generate: random seed (default 20260101)"),
        CLI_OPT_INT("stale-hours", &nstale, 1, 720,
                    "H  board: figures older than this are stale (default 24)"),
        CLI_OPT_TEXT("nhs", &nhs, "NUMBER  refer: the patient's NHS number"),
        CLI_OPT_TEXT("age", &age, "YEARS  refer: the patient's age (adult beds: 18 and over)"),
        CLI_OPT_TEXT("sex", &sex, "M|F|U  refer: the patient's sex"),
        CLI_OPT_TEXT("postcode", &postcode, "PC  refer: the patient's home postcode"),
        CLI_OPT_TEXT("site", &site, "CODE  refer: the referring (acute) site"),
        CLI_OPT_TEXT("type", &btype, "T  refer: bed type needed (rehabilitation, ...)"),
        CLI_OPT_INT("priority", &prio, 1, 3, "P  refer: 1 urgent, 2 soon, 3 routine"),
        CLI_OPT_JSONFMT(&as_json),
        CLI_OPT_END};
    int np, rc = cli_parse("beds", usage_all, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("beds", "name one action (see 'icsflow beds --help')");
    const char *act = argv[1];
    static const char *const acts[] = {"board",  "queue",    "refer",     "match", "offer",
                                       "accept", "admit",    "discharge", "los",   "status",
                                       "import", "generate", NULL};
    int known = 0;
    for (int i = 0; acts[i]; i++) known |= !strcmp(act, acts[i]);
    if (!known)
        return cli_usage_error("beds", "unknown action '%s' (see 'icsflow beds --help')", act);

    /* validate every argument before opening the database */
    life_ctx lc = {.action = act};
    ics_err e = {0};
    int64_t t;
    if (ref && parse_id("beds", "referral", ref, &lc.ref)) return 2;
    if (bed && parse_id("beds", "bed", bed, &lc.bed)) return 2;
    if (at && tz_parse(at, &t, &e)) return cli_usage_error("beds", "--at: %s", e.msg);
    if (ready && tz_parse_date(ready, &t, &e)) return cli_usage_error("beds", "--ready: %s", e.msg);
    if (policy && ref && !strcmp(policy, "both"))
        return cli_usage_error("beds", "--policy 'both' is for the whole queue: with --referral, "
                                       "give pooled or borough");
    if (!strcmp(act, "board") && days && cli_int("beds", "days", days, 1, 366, &ndays)) return 2;
    if (!strcmp(act, "generate")) {
        if (days && cli_int("beds", "days", days, 1, 3660, &gdays)) return 2;
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
    long agev = -1;
    if (!strcmp(act, "refer")) {
        if (!nhs || !age || !sex || !postcode || !site || !btype || !prio)
            return cli_usage_error("beds", "refer needs --nhs, --age, --sex, --postcode, --site, "
                                           "--type and --priority");
        if (cli_int("beds", "age", age, 0, 130, &agev)) return 2;
    }
    if (!strcmp(act, "import") && !!snapshot == !!stays)
        return cli_usage_error("beds", "import needs one of --snapshot FILE or --stays FILE");
    if (from && tz_parse_date(from, &t, &e)) return cli_usage_error("beds", "--from: %s", e.msg);
    if (to && tz_parse_date(to, &t, &e)) return cli_usage_error("beds", "--to: %s", e.msg);
    lc.at = at;
    lc.ready = ready;
    lc.destination = dest;
    lc.status = set;
    lc.closure = closure;
    lc.note = note;
    lc.unit = unit;

    store *s;
    if ((rc = cli_open("beds", db, &s))) return rc;
    app_ctx c = cli_ctx(s);
    if (!strcmp(act, "board")) {
        rc = do_board(&c, as_json, nstale, ndays);
    } else if (!strcmp(act, "match")) {
        rc = ref ? do_rank(&c, lc.ref, policy, all, as_json)
                 : do_match(&c, policy ? policy : "pooled", km, apply, as_json);
    } else if (!strcmp(act, "queue")) {
        rc = do_queue(&c, policy, as_json);
    } else if (!strcmp(act, "refer")) {
        json_t *body = json_pack("{sssIsssssssssI}", "nhs_number", nhs, "age", (json_int_t)agev,
                                 "sex", sex, "postcode", postcode, "referring_site", site,
                                 "bed_type", btype, "priority", (json_int_t)prio);
        if (!body) {
            store_close(s);
            return cli_usage_error("beds", "refer: an option's text is not valid UTF-8");
        }
        if (note) json_object_set_new(body, "notes", json_string(note));
        if (at) json_object_set_new(body, "earliest_transfer", json_string(at));
        json_t *after = NULL;
        rc = app_beds_referral_create(&c, body, &after, &e);
        json_decref(body);
        rc = rc ? cli_fail("beds refer", &e) : print_after(after, as_json);
    } else if (!strcmp(act, "los")) {
        rc = do_los(&c, from, to, as_json);
    } else if (!strcmp(act, "import")) {
        rc = do_import(&c, snapshot, stays);
    } else if (!strcmp(act, "generate")) {
        rc = do_generate(&c, gseed, gdays);
    } else {
        json_t *after = NULL;
        rc = life_write(&c, &lc, &after, &e);
        rc = rc ? cli_fail("beds", &e) : print_after(after, as_json);
    }
    store_close(s);
    return rc;
}
