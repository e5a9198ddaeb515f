/* cmd_route.c - `icsflow route`, `icsflow referral ...` and `icsflow report
 * ucr|harmonisation`: the rapid-response finder, referral tracking and the
 * two reports from the command line, on the same database as the server.
 * Options become the same JSON body the API takes, and each action calls
 * the same src/app/routing.c use case, so it is validated and audited the
 * same way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/progress.h"
#include "core/tz.h"
#include "core/valid.h"
#include "app/routing.h"

/* `referral generate` defaults: the seeded year (app/routing.c). */
#define GEN_FROM    "2025-11-01"
#define GEN_DAYS    365
#define GEN_PER_DAY 7.0
#define GEN_SEED    20260301u

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s) puts(s);
    free(s);
}

static const char *local(int64_t t, char *buf, int n)
{
    if (!t) return "-";
    tz_local l;
    tz_to_local(t, &l);
    snprintf(buf, (size_t)n, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.hour, l.min);
    return buf;
}

/* "a,b c" -> ["a", "b", "c"] (NULL when s is NULL). */
static json_t *list_json(const char *s)
{
    if (!s) return NULL;
    json_t *a = json_array();
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save))
        json_array_append_new(a, json_string(w));
    return a;
}

/* Set key to a string, when given. */
static void put_str(json_t *o, const char *key, const char *v)
{
    if (v) json_object_set_new(o, key, json_string(v));
}

/* A patient's position, when both coordinates were given. */
static void put_point(json_t *o, double lat, double lon)
{
    if (isnan(lat)) return;
    json_object_set_new(o, "lat", json_real(lat));
    json_object_set_new(o, "lon", json_real(lon));
}

/* ---- icsflow route ------------------------------------------------------ */

static void print_answer(const app_route_answer *ra)
{
    const routing_data *d = &ra->d;
    const route_query *q = &ra->q;
    const route_answer *a = &ra->a;
    char b1[32], caps[256];
    static const char *wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    tz_local l;
    tz_to_local(q->at, &l);
    char lines[APP_ROUTE_SUMMARY_MAX][APP_ROUTE_SUMMARY_LEN];
    int bh, nl = app_routing_summary(ra, lines, &bh);
    routing_caps_format(q->needs, ", ", caps, sizeof caps);
    printf("patient  %s (%s), age %d, needs %s\n", q->where.how,
           q->where.place_name[0] ? q->where.place_name : "outside the ICS", q->age, caps);
    printf("at       %s %s%s\n", wd[l.wday], local(q->at, b1, sizeof b1),
           bh ? " (bank holiday)" : "");
    for (int i = 0; i < nl; i++) printf("NOTE     %s\n", lines[i]);
    printf("ranking  needs covered, trusted capacity, distance, response standard, id\n\n");
    printf("ELIGIBLE %d\n", a->neligible);
    if (a->neligible)
        printf("  %-2s %-9s %-44s %6s %8s %-18s %s\n", "#", "service", "name", "km", "respond",
               "open until", "capacity");
    for (int i = 0; i < a->neligible; i++) {
        const route_result *r = &a->items[i];
        const route_service *s = &d->svc[r->service];
        char km[16], cap[48], until[32];
        snprintf(km, sizeof km, r->km < 0 ? "-" : "%.1f", r->km);
        if (r->capacity_left < 0)
            snprintf(cap, sizeof cap, "not limited");
        else
            snprintf(cap, sizeof cap, "%d/%d left%s", r->capacity_left, s->capacity_today,
                     r->stale ? " (STALE)" : "");
        snprintf(until, sizeof until, "%s",
                 r->open_until ? local(r->open_until, b1, sizeof b1) : "open all week");
        printf("  %-2d %-9s %-44.44s %6s %5d min %-18s %s\n", r->rank, s->id, s->name, km,
               r->expected_minutes, until, cap);
        printf("     phone %s; %s\n", s->phone[0] ? s->phone : "-", r->reason);
    }
    printf("\nEXCLUDED %d\n", a->n - a->neligible);
    for (int i = a->neligible; i < a->n; i++) {
        const route_result *r = &a->items[i];
        printf("  %-9s %-18s %s\n", r->id, routing_filter_name(r->filter), r->reason);
    }
}

int cmd_route(int argc, char **argv)
{
    const char *db = cli_default_db(), *postcode = NULL, *place = NULL;
    const char *needs = NULL, *at = NULL, *pres = NULL;
    double lat = NAN, lon = NAN, radius = NAN;
    long age = -1;
    int json = 0, partial = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("postcode", &postcode, "PC  patient's postcode or postcode district"),
        CLI_OPT_LAT(&lat),
        CLI_OPT_LON(&lon),
        CLI_OPT_TEXT("place", &place, "ONS  patient's borough code when no postcode is known"),
        CLI_OPT_TEXT("needs", &needs, "LIST  capabilities needed, e.g. falls,frailty"),
        CLI_OPT_INT("age", &age, 0, 130, "YEARS  patient's age"),
        CLI_OPT_TEXT("at", &at, "TIME  when (ISO 8601, London time; default now)"),
        CLI_OPT_TEXT("presentations", &pres, "LIST  e.g. head_injury (checked against exclusions)"),
        CLI_OPT_NUMBER("radius", &radius, 0, 500, "KM  search radius (default 60)"),
        CLI_OPT_FLAG("partial", &partial, "  accept services covering only some of the needs"),
        CLI_OPT_JSONFMT(&json),
        CLI_OPT_END};
    int np, rc = cli_parse("route",
                           "route (--postcode PC | --lat DEG --lon DEG | --place ONS) --needs LIST "
                           "--age YEARS [--at TIME] [--format text|json]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error("route", "unexpected argument '%s'", argv[1]);
    if (!needs) return cli_usage_error("route", "--needs is required (e.g. --needs falls,frailty)");
    if (age < 0) return cli_usage_error("route", "--age is required");
    if (isnan(lat) != isnan(lon)) return cli_usage_error("route", "give both --lat and --lon");
    json_t *body = json_pack("{sIso}", "age", (json_int_t)age, "needs", list_json(needs));
    put_str(body, "postcode", postcode);
    put_str(body, "place", place);
    put_str(body, "at", at);
    if (pres) json_object_set_new(body, "presentations", list_json(pres));
    put_point(body, lat, lon);
    if (!isnan(radius)) json_object_set_new(body, "radius_km", json_real(radius));
    if (partial) json_object_set_new(body, "allow_partial", json_true());
    store *s;
    if ((rc = cli_open("route", db, &s))) {
        json_decref(body);
        return rc;
    }
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    app_route_answer a;
    rc = app_routing_route_find(&c, body, &a, &e);
    json_decref(body);
    if (!rc) {
        if (json) {
            json_t *j = app_routing_answer_json(&a);
            print_json(j);
            json_decref(j);
        } else {
            print_answer(&a);
        }
        app_routing_answer_free(&a);
    }
    store_close(s);
    return rc ? cli_fail("route", &e) : 0;
}

/* ---- icsflow referral --------------------------------------------------- */

static void print_referral_line(json_t *r)
{
    const char *at = json_string_value(json_object_get(r, "sent_at"));
    json_t *mins = json_object_get(r, "response_minutes");
    char m[16] = "-";
    if (mins) snprintf(m, sizeof m, "%lld", (long long)json_integer_value(mins));
    printf("%-7lld %-19.19s %-9s %-9s %-10s %-6s %-10s %5s\n",
           (long long)json_integer_value(json_object_get(r, "id")), at ? at : "-",
           json_string_value(json_object_get(r, "service_id")),
           json_string_value(json_object_get(r, "referrer_org")),
           json_string_value(json_object_get(r, "state")),
           json_string_value(json_object_get(r, "district"))
               ? json_string_value(json_object_get(r, "district"))
               : "-",
           json_string_value(json_object_get(r, "place_code"))
               ? json_string_value(json_object_get(r, "place_code"))
               : "-",
           m);
}

static int referral_generate(app_ctx *c, const char *from_s, long days, double per_day, long seed,
                             int replace, ics_err *e)
{
    app_routing_gen g = {0, (int)days, per_day, (uint64_t)seed, replace, progress_report, NULL};
    if (tz_parse_date(from_s ? from_s : GEN_FROM, &g.from, e)) return ICS_EINVAL;
    progress p;
    progress_init(&p, "generating referrals");
    g.progress_arg = &p;
    int n = 0, unrouted = 0;
    int rc = app_routing_referral_generate(c, &g, &n, &unrouted, e);
    progress_done(&p);
    if (!rc) {
        char b[16];
        tz_format_date(g.from, b, sizeof b);
        printf("generated %d synthetic referrals over %ld days from %s (seed %ld); %d had no "
               "eligible service and were not sent\n",
               n, days, b, seed, unrouted);
    }
    return rc;
}

/* The body of `referral create`, as the API takes it. */
static json_t *create_body(long age, const char *nhs, const char *needs, const char *postcode,
                           double lat, double lon, const char *place, const char *service,
                           const char *referrer, const char *notes, const char *override)
{
    json_t *b =
        json_pack("{sssIso}", "nhs_number", nhs, "age", (json_int_t)age, "needs", list_json(needs));
    put_str(b, "postcode", postcode);
    put_str(b, "place", place);
    put_str(b, "service_id", service);
    put_str(b, "referrer_org", referrer);
    put_str(b, "notes", notes);
    put_str(b, "override_reason", override);
    put_point(b, lat, lon);
    return b;
}

int cmd_referral(int argc, char **argv)
{
    const char *db = cli_default_db(), *nhs = NULL, *needs = NULL, *postcode = NULL;
    const char *place = NULL, *service = NULL, *referrer = NULL;
    double lat = NAN, lon = NAN;
    long agev = -1;
    const char *notes = NULL, *override = NULL, *reason = NULL, *at = NULL, *state = NULL;
    const char *from = NULL, *to = NULL;
    long days = GEN_DAYS, seed = GEN_SEED, lim = 50;
    double per_day = GEN_PER_DAY;
    int json = 0, replace = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("nhs", &nhs, "NUMBER  patient's NHS number (create)"),
        CLI_OPT_INT("age", &agev, 0, 130, "YEARS  patient's age (create)"),
        CLI_OPT_TEXT("needs", &needs, "LIST  capabilities needed (create)"),
        CLI_OPT_TEXT("postcode", &postcode, "PC  patient's postcode (create)"),
        CLI_OPT_LAT(&lat),
        CLI_OPT_LON(&lon),
        CLI_OPT_TEXT("place", &place, "ONS  borough (create; list filter)"),
        CLI_OPT_TEXT("service", &service, "ID  receiving service (create; list filter)"),
        CLI_OPT_TEXT("referrer", &referrer, "ODS  referring organisation (create)"),
        CLI_OPT_TEXT("notes", &notes, "TEXT  free-text notes (create)"),
        CLI_OPT_TEXT("override", &override,
                     "REASON  refer to a service the finder excludes (create)"),
        CLI_OPT_TEXT("reason", &reason, "TEXT  reason (decline, cancel)"),
        CLI_OPT_TEXT("at", &at, "TIME  attendance time (attend; default now)"),
        CLI_OPT_TEXT("state", &state, "STATE  list filter"),
        CLI_OPT_TEXT("from", &from, "TIME  list filter / generate start date"),
        CLI_OPT_TEXT("to", &to, "TIME  list filter"),
        CLI_OPT_INT("limit", &lim, 1, 100000, "N  rows to list (default 50)"),
        CLI_OPT_INT("days", &days, 1, 3660, "N  days to generate (default 365)"),
        CLI_OPT_NUMBER("per-day", &per_day, 0.001, 500,
                       "X  referrals a day per borough (default 7)"),
        CLI_OPT_INT("seed", &seed, 0, CLI_INT_MAX, "N  generator seed"),
        CLI_OPT_FLAG("replace", &replace, "  generate: delete earlier synthetic referrals first"),
        CLI_OPT_JSONFMT(&json),
        CLI_OPT_END};
    int np, rc = cli_parse(
                "referral",
                "referral create --nhs N --age Y --needs LIST (--postcode PC | --lat --lon | "
                "--place ONS) --service ID --referrer ODS | referral accept|attend ID | "
                "referral decline|cancel ID --reason TEXT | referral list | referral show ID | "
                "referral generate [--days N --per-day X --seed N --replace]",
                argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np < 1)
        return cli_usage_error("referral", "name an action: create, accept, decline, attend, "
                                           "cancel, list, show or generate");
    const char *action = argv[1];
    int act = routing_action_find(action);
    int64_t id = 0;
    if (act >= 0 || strcmp(action, "show") == 0) {
        if (np != 2) return cli_usage_error("referral", "%s needs one referral id", action);
        long v;
        if ((rc = cli_int("referral", "id", argv[2], 1, 2147483647L, &v))) return rc;
        id = v;
        if (act == REF_DECLINE && (!reason || !*reason))
            return cli_usage_error("referral", "decline needs --reason");
    } else if (strcmp(action, "create") == 0) {
        if (!nhs || agev < 0 || !needs || !service || !referrer)
            return cli_usage_error("referral",
                                   "create needs --nhs, --age, --needs, --service and --referrer");
        if (isnan(lat) != isnan(lon))
            return cli_usage_error("referral", "give both --lat and --lon");
    } else if (strcmp(action, "list") != 0 && strcmp(action, "generate") != 0) {
        return cli_usage_error("referral", "unknown action '%s'", action);
    }
    if (np > 1 && act < 0 && strcmp(action, "show") != 0)
        return cli_usage_error("referral", "unexpected argument '%s'", argv[2]);
    store *s;
    if ((rc = cli_open("referral", db, &s))) return rc;
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    json_t *row = NULL;
    if (strcmp(action, "generate") == 0) {
        rc = referral_generate(&c, from, days, per_day, seed, replace, &e);
        store_close(s);
        return rc ? cli_fail("referral", &e) : 0;
    }
    if (strcmp(action, "show") == 0) {
        rc = app_routing_referral_get(&c, id, &row, &e);
    } else if (act >= 0) {
        static int (*const step[])(app_ctx *, int64_t, const json_t *, json_t **, ics_err *) = {
            app_routing_referral_accept, app_routing_referral_decline, app_routing_referral_attend,
            app_routing_referral_cancel};
        json_t *body = json_object();
        if (act == REF_ATTEND) put_str(body, "attended_at", at);
        if (act == REF_DECLINE || act == REF_CANCEL) put_str(body, "reason", reason);
        rc = step[act](&c, id, body, &row, &e);
        json_decref(body);
    } else if (strcmp(action, "create") == 0) {
        json_t *body = create_body(agev, nhs, needs, postcode, lat, lon, place, service, referrer,
                                   notes, override);
        rc = app_routing_referral_create(&c, body, &row, &e);
        json_decref(body);
    } else { /* list */
        store_referral_filter f = {0};
        f.state = state;
        f.service = service;
        f.place = place;
        if (state && routing_state_find(state) < 0) {
            store_close(s);
            return cli_usage_error("referral",
                                   "--state '%s' is not one of sent, accepted, "
                                   "declined, attended, cancelled",
                                   state);
        }
        if ((from && tz_parse(from, &f.from, &e)) || (to && tz_parse(to, &f.to, &e))) {
            store_close(s);
            return cli_fail("referral", &e);
        }
        json_t *rows;
        int64_t total;
        rc = app_routing_referral_list(&c, f, lim, 0, &rows, &total, &e);
        if (!rc) {
            if (json) {
                print_json(rows);
            } else {
                printf("%-7s %-19s %-9s %-9s %-10s %-6s %-10s %5s\n", "id", "sent", "service",
                       "referrer", "state", "dist", "place", "mins");
                size_t i;
                json_t *r;
                json_array_foreach(rows, i, r) print_referral_line(r);
                printf("%zu of %lld referrals shown\n", json_array_size(rows), (long long)total);
            }
            json_decref(rows);
        }
    }
    if (!rc && row) {
        if (json || strcmp(action, "show") == 0) {
            print_json(row);
        } else {
            printf("referral %lld is %s\n",
                   (long long)json_integer_value(json_object_get(row, "id")),
                   json_string_value(json_object_get(row, "state")));
        }
    }
    json_decref(row);
    store_close(s);
    return rc ? cli_fail("referral", &e) : 0;
}

/* ---- icsflow report ----------------------------------------------------- */

static void ucr_line(const char *code, const char *name, json_t *r)
{
    json_t *share = json_object_get(r, "share");
    char sh[48] = "-";
    if (json_is_number(share)) {
        json_t *ci = json_object_get(r, "ci95");
        snprintf(sh, sizeof sh, "%5.1f%% (%4.1f-%4.1f)", 100 * json_number_value(share),
                 100 * json_number_value(json_array_get(ci, 0)),
                 100 * json_number_value(json_array_get(ci, 1)));
    }
    json_t *med = json_object_get(r, "median_minutes");
    char md[16] = "-";
    if (json_is_number(med)) snprintf(md, sizeof md, "%.0f", json_number_value(med));
    json_t *meets = json_object_get(r, "meets_ambition");
    printf("%-10s %-44.44s %7lld %7lld %7lld  %-20s %6s %5s\n", code, name,
           (long long)json_integer_value(json_object_get(r, "referrals")),
           (long long)json_integer_value(json_object_get(r, "attended")),
           (long long)json_integer_value(json_object_get(r, "within_standard")), sh, md,
           json_is_true(meets)    ? "yes"
           : json_is_false(meets) ? "NO"
                                  : "-");
}

static void print_ucr(json_t *j)
{
    printf(
        "2-hour urgent community response: %s to %s (standard %lld minutes, ambition %.0f%%)%s\n",
        json_string_value(json_object_get(j, "from")), json_string_value(json_object_get(j, "to")),
        (long long)json_integer_value(json_object_get(j, "standard_minutes")),
        100 * json_number_value(json_object_get(j, "ambition")),
        json_is_true(json_object_get(j, "synthetic")) ? "\nincludes SYNTHETIC referrals" : "");
    printf("%-10s %-44s %7s %7s %7s  %-20s %6s %5s\n", "code", "name", "refs", "visited", "in 2h",
           "share (95% CI)", "median", "meets");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "services"), i, r)
        ucr_line(json_string_value(json_object_get(r, "service_id")),
                 json_string_value(json_object_get(r, "name")), r);
    printf("\n");
    json_array_foreach(json_object_get(j, "places"), i, r)
        ucr_line(json_string_value(json_object_get(r, "place_code")),
                 json_string_value(json_object_get(r, "name")), r);
    printf("\n");
    ucr_line("ICS", "North West London", json_object_get(j, "ics"));
}

/* "+urgent_reablement -catheter": words of a not in b, and of b not in a. */
static void word_diff(const char *a, const char *b, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        const char *x = pass ? b : a, *y = pass ? a : b;
        char buf[400], *save = NULL;
        snprintf(buf, sizeof buf, "%s", x);
        for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            char pad[420];
            snprintf(pad, sizeof pad, " %s ", y);
            char key[80];
            snprintf(key, sizeof key, " %s ", w);
            if (!strstr(pad, key) && len < n)
                len += (size_t)snprintf(out + len, n - len, "%s%c%s", len ? " " : "",
                                        pass ? '-' : '+', w);
        }
    }
}

static void print_harm(const routing_data *d, const route_harm_report *r, const char *only)
{
    static const char *dn[8] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "BH"};
    printf("Harmonisation: hours of the week (of 168) and of a bank holiday (of 24) with at least "
           "one service\nfor each capability in each place; '.' marks a place with no service "
           "for it at all.\n\n%-18s",
           "capability");
    for (int p = 0; p < r->nplaces; p++) printf(" %9.9s", d->place_names[p]);
    printf("\n");
    for (int c = 0; c < r->ncaps; c++) {
        if (only && strcmp(only, directory_capabilities[c])) continue;
        printf("%-18s", directory_capabilities[c]);
        for (int p = 0; p < r->nplaces; p++) {
            const route_harm_cell *x = &r->cells[c * r->nplaces + p];
            char b[16];
            if (x->nservices == 0)
                snprintf(b, sizeof b, ".");
            else
                snprintf(b, sizeof b, "%d/%d", x->week_hours, x->bh_hours);
            printf(" %9s", b);
        }
        printf("\n");
    }
    printf("\nGaps (place, capability: hours with no service)\n");
    for (int c = 0; c < r->ncaps; c++) {
        if (only && strcmp(only, directory_capabilities[c])) continue;
        if (c >= 9 && !only) break; /* the nine national UCR conditions */
        for (int p = 0; p < r->nplaces; p++) {
            const route_harm_cell *x = &r->cells[c * r->nplaces + p];
            if (x->week_hours == 168 && x->bh_hours == 24) continue;
            printf("  %-24.24s %-17s", d->place_names[p], directory_capabilities[c]);
            if (x->nservices == 0) {
                printf(" no service at all\n");
                continue;
            }
            /* days with the same gaps are grouped: "Mon-Sun 00-08 22-24; BH 00-10 18-24" */
            char runs[8][96];
            for (int k = 0; k < 8; k++) {
                int len = 0;
                runs[k][0] = '\0';
                for (int h = 0; h < 24;) {
                    if (x->cover[k][h]) {
                        h++;
                        continue;
                    }
                    int s = h;
                    while (h < 24 && !x->cover[k][h]) h++;
                    len += snprintf(runs[k] + len, sizeof runs[k] - (size_t)len, "%s%02d-%02d",
                                    len ? " " : "", s, h);
                }
            }
            int first = 1;
            for (int k = 0; k < 8;) {
                int j = k;
                while (k < 7 && j + 1 < 7 && strcmp(runs[j + 1], runs[k]) == 0) j++;
                if (runs[k][0]) {
                    if (j > k)
                        printf("%s%s-%s %s", first ? " " : "; ", dn[k], dn[j], runs[k]);
                    else
                        printf("%s%s %s", first ? " " : "; ", dn[k], runs[k]);
                    first = 0;
                }
                k = j + 1;
            }
            printf("\n");
        }
    }
    printf("\nDifferences between places' UCR offers (against the most common value)\n");
    for (int i = 0; i < r->ndiffs; i++) {
        const route_harm_diff *x = &r->diffs[i];
        char v[400];
        snprintf(v, sizeof v, "%s", x->value);
        if (strcmp(x->field, "capabilities") == 0) word_diff(x->value, x->common, v, sizeof v);
        printf("  %-24.24s %-9s %-13s %s\n  %-24s %-9s %-13s (most places: %s)\n",
               d->place_names[x->place], x->service >= 0 ? d->svc[x->service].id : "-", x->field, v,
               "", "", "", x->common);
    }
}

int cmd_report_pdf(int argc, char **argv); /* cmd_board.c */

int cmd_report(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "board") == 0 || strcmp(argv[1], "daily") == 0))
        return cmd_report_pdf(argc, argv);
    const char *db = cli_default_db(), *from = NULL, *to = NULL, *kind = NULL, *cap = NULL;
    long stdm = ROUTE_UCR_STANDARD;
    int json = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("from", &from, "TIME  period start (ucr; default a year ago)"),
        CLI_OPT_TEXT("to", &to, "TIME  period end, exclusive (ucr; default now)"),
        CLI_OPT_INT("standard", &stdm, 1, 10080,
                    "MIN  response standard in minutes (ucr; default 120)"),
        CLI_OPT_TEXT("kind", &kind, "KIND  service kind compared (harmonisation; default ucr)"),
        CLI_OPT_TEXT("capability", &cap, "NAME  one capability only (harmonisation)"),
        CLI_OPT_JSONFMT(&json),
        CLI_OPT_END};
    int np, rc = cli_parse(
                "report",
                "report ucr [--from TIME] [--to TIME] | report harmonisation "
                "[--capability NAME] [--kind KIND]   [--format text|json] [--db PATH] | report "
                "board|daily --pdf FILE (see report board --help)",
                argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1)
        return cli_usage_error("report", "name one report: ucr, harmonisation, board or daily");
    int ucr = strcmp(argv[1], "ucr") == 0;
    if (!ucr && strcmp(argv[1], "harmonisation") != 0 && strcmp(argv[1], "harmonization") != 0)
        return cli_usage_error("report", "unknown report '%s' (ucr or harmonisation)", argv[1]);
    if (cap && directory_capability_find(cap) < 0)
        return cli_usage_error("report", "--capability '%s' is not a known capability", cap);
    ics_err e = {0};
    int64_t now = tz_now(), t0 = now - 365 * 86400LL, t1 = now;
    if ((from && tz_parse(from, &t0, &e)) || (to && tz_parse(to, &t1, &e)))
        return cli_usage_error("report", "%s", e.msg);
    store *s;
    if ((rc = cli_open("report", db, &s))) return rc;
    app_ctx c = app_ctx_cli(s, now);
    c.ics = cli_ics();
    if (ucr) {
        json_t *j;
        rc = app_routing_report_ucr(&c, t0, t1, (int)stdm, &j, &e);
        if (!rc) {
            if (json)
                print_json(j);
            else
                print_ucr(j);
            json_decref(j);
        }
    } else {
        app_harm_report h;
        rc = app_routing_report_harm(&c, kind, &h, &e);
        if (!rc) {
            if (json) {
                json_t *j = app_routing_harm_json(&h, kind);
                print_json(j);
                json_decref(j);
            } else {
                print_harm(&h.d, &h.r, cap);
            }
            app_routing_harm_free(&h);
        }
    }
    store_close(s);
    return rc ? cli_fail("report", &e) : 0;
}
