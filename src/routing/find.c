/* find.c - the finder: which services can take this patient now, ranked,
 * with the reason each one qualified or was excluded.
 *
 * The filters follow the order of the national Directory of Services (DoS)
 * search, adapted to urgent community response (see docs/routing.md). */
#include "routing/routing.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/sb.h"
#include "core/tz.h"

static const char *const filter_names[ROUTE_NFILTERS] = {"eligible",
                                                         "inactive",
                                                         "outside_catchment",
                                                         "lacks_capability",
                                                         "excluded_presentation",
                                                         "age",
                                                         "at_capacity",
                                                         "closed",
                                                         "closing_soon"};

const char *routing_filter_name(int f)
{
    return f >= 0 && f < ROUTE_NFILTERS ? filter_names[f] : "unknown";
}

void routing_query_init(route_query *q)
{
    memset(q, 0, sizeof *q);
    q->age = -1;
    q->closing_margin = -1;
}

static void hhmm(int64_t t, char *buf, size_t n)
{
    tz_local l;
    tz_to_local(t, &l);
    snprintf(buf, n, "%02d:%02d", l.hour, l.min);
}

/* "at 08:00 on Sat 26 Dec" for a moment more than a day away, else "at 08:00" */
static void when(int64_t t, int64_t from, char *buf, size_t n)
{
    static const char *wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    tz_local l, f;
    tz_to_local(t, &l);
    tz_to_local(from, &f);
    if (l.date == f.date)
        snprintf(buf, n, "%02d:%02d", l.hour, l.min);
    else
        snprintf(buf, n, "%02d:%02d on %s %d %s", l.hour, l.min, wd[l.wday], l.day,
                 mo[l.month - 1]);
}

static void age_text(int minutes, char *buf, size_t n)
{
    if (minutes < 1)
        snprintf(buf, n, "just now");
    else if (minutes < 120)
        snprintf(buf, n, "%d minute%s ago", minutes, minutes == 1 ? "" : "s");
    else if (minutes < 48 * 60)
        snprintf(buf, n, "%d hours ago", minutes / 60);
    else
        snprintf(buf, n, "%d days ago", minutes / 1440);
}

static int in_list(const char (*list)[ROUTE_CODE], int n, const char *w)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], w) == 0) return 1;
    return 0;
}

static void fail(route_result *r, int f)
{
    if (r->filter == ROUTE_ELIGIBLE) r->filter = f;
    r->failed |= 1u << f;
}

static int popcount(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

/* 1 when the service belongs to an ICS other than the one searching. */
static int other_ics(const route_service *s, const route_query *q)
{
    return q->ics[0] && s->ics[0] && strcmp(s->ics, q->ics) != 0;
}

/* Evaluate every filter for one service; the first failure is the reason,
 * the rest are listed after it so a crew sees the whole picture. The
 * reasons a service qualifies are shown only when it does, so they are not
 * written once a filter has failed (most services fail the catchment, and
 * formatting text was a fifth of a route query's time). */
#define OK_CLAUSE(...)                                                                             \
    do {                                                                                           \
        if (!r->failed) sb_clause(&ok, "; ", __VA_ARGS__);                                         \
    } while (0)

static void evaluate(const route_service *s, int idx, const int64_t *bh, int nbh,
                     const route_query *q, double radius, int margin, int stale_min,
                     route_result *r)
{
    memset(r, 0, sizeof *r);
    r->service = idx;
    r->id = s->id;
    r->km = -1;
    r->capacity_left = -1;
    r->capacity_age = -1;
    r->expected_minutes = s->response_minutes;
    sb why, ok;
    sb_init(&why);
    sb_init(&ok);
    char caps[256], t1[64], t2[64];

    /* 1. active */
    if (!s->active) {
        fail(r, ROUTE_X_INACTIVE);
        sb_clause(&why, "; ", "service is not active");
    }

    /* 2. catchment: the patient's place or district, and the search radius */
    const route_location *w = &q->where;
    if (w->has_loc && s->has_loc) r->km = geo_km(w->lat, w->lon, s->lat, s->lon);
    int by_place = w->place[0] && in_list(s->places, s->nplaces, w->place);
    int by_district = w->district[0] && in_list(s->districts, s->ndistricts, w->district);
    if (!by_place && !by_district) {
        fail(r, ROUTE_X_CATCHMENT);
        if (!w->place[0])
            sb_clause(&why, "; ", "outside catchment: the patient is outside the ICS (%s)", w->how);
        else
            sb_clause(&why, "; ", "outside catchment: does not serve %s%s%s%s%s%s",
                      w->place_name[0] ? w->place_name : w->place, w->place_name[0] ? " (" : "",
                      w->place_name[0] ? w->place : "", w->place_name[0] ? ")" : "",
                      w->district[0] ? " or postcode district " : "", w->district);
    } else if (r->km > radius) {
        fail(r, ROUTE_X_CATCHMENT);
        sb_clause(&why, "; ", "outside catchment: base is %.1f km away (search radius %.0f km)",
                  r->km, radius);
    } else if (by_place) {
        OK_CLAUSE("serves %s%s%s%s (%s)", w->place_name[0] ? w->place_name : w->place,
                  w->place_name[0] ? " (" : "", w->place_name[0] ? w->place : "",
                  w->place_name[0] ? ")" : "", w->how);
    } else {
        OK_CLAUSE("serves postcode district %s (%s)", w->district, w->how);
    }
    if (!(r->failed & (1u << ROUTE_X_CATCHMENT)) && other_ics(s, q))
        OK_CLAUSE("a service of the neighbouring ICS %s (%s) whose catchment covers %s",
                  s->ics_name[0] ? s->ics_name : s->ics, s->ics,
                  by_district ? w->district : (w->place_name[0] ? w->place_name : w->place));

    /* 3. clinical capability */
    uint32_t have = s->caps & q->needs;
    r->covered = popcount(have);
    r->missing = q->needs & ~s->caps;
    if (r->missing && (!q->allow_partial || have == 0)) {
        fail(r, ROUTE_X_CAPABILITY);
        routing_caps_format(r->missing, ", ", caps, sizeof caps);
        sb_clause(&why, "; ", "lacks %s", caps);
    } else if (!r->failed) {
        routing_caps_format(have, ", ", caps, sizeof caps);
        OK_CLAUSE("covers %s", caps);
        if (r->missing) {
            routing_caps_format(r->missing, ", ", caps, sizeof caps);
            OK_CLAUSE("but not %s", caps);
        }
    }

    /* 4. referral restrictions: presentations the service does not take */
    for (int i = 0; i < q->nflags; i++)
        for (int j = 0; j < s->nexclusions; j++)
            if (strcmp(q->flags[i], s->exclusions[j]) == 0) {
                if (!(r->failed & (1u << ROUTE_X_EXCLUDED)))
                    sb_clause(&why, "; ", "does not accept %s", q->flags[i]);
                fail(r, ROUTE_X_EXCLUDED);
            }

    /* 5. age (years, inclusive limits) */
    if (q->age >= 0) {
        if ((s->min_age >= 0 && q->age < s->min_age) || (s->max_age >= 0 && q->age > s->max_age)) {
            fail(r, ROUTE_X_AGE);
            if (s->max_age < 0)
                sb_clause(&why, "; ", "age %d is under its minimum age %d", q->age, s->min_age);
            else if (s->min_age < 0)
                sb_clause(&why, "; ", "age %d is over its maximum age %d", q->age, s->max_age);
            else
                sb_clause(&why, "; ", "age %d is outside its ages %d-%d", q->age, s->min_age,
                          s->max_age);
        } else if (s->min_age >= 0 || s->max_age >= 0) {
            if (s->max_age < 0)
                OK_CLAUSE("age %d within %d+", q->age, s->min_age);
            else
                OK_CLAUSE("age %d within %d-%d", q->age, s->min_age < 0 ? 0 : s->min_age,
                          s->max_age);
        }
    }

    /* 6. capacity. Figures are for the local day they were reported on;
     * older than the stale limit they are shown but not trusted, so a stale
     * "full" does not exclude (and a stale "room" does not reassure). */
    int limited = s->capacity_today > 0;
    if (limited) {
        tz_local ln, lu, la;
        tz_to_local(q->now, &ln);
        tz_to_local(q->at, &la);
        int used = s->used_today;
        if (s->capacity_updated) {
            tz_to_local(s->capacity_updated, &lu);
            r->capacity_age = (int)((q->now - s->capacity_updated) / 60);
            if (r->capacity_age < 0) r->capacity_age = 0;
            if (lu.date != la.date) used = 0; /* the figures are for another day */
        } else {
            used = 0;
        }
        r->capacity_left = s->capacity_today - used;
        if (r->capacity_left < 0) r->capacity_left = 0;
        r->stale = !s->capacity_updated || r->capacity_age > stale_min || la.date != ln.date;
        if (r->capacity_age >= 0)
            age_text(r->capacity_age, t1, sizeof t1);
        else
            snprintf(t1, sizeof t1, "never");
        if (r->stale) {
            if (!s->capacity_updated)
                OK_CLAUSE("capacity never reported (%d a day): not trusted, phone to confirm",
                          s->capacity_today);
            else if (la.date != ln.date)
                OK_CLAUSE("capacity for that day not known yet (updated %s): phone to confirm", t1);
            else
                OK_CLAUSE("capacity %d of %d left but STALE (updated %s, older than %d minutes): "
                          "not trusted, phone to confirm",
                          r->capacity_left, s->capacity_today, t1, stale_min);
        } else if (r->capacity_left == 0) {
            fail(r, ROUTE_X_CAPACITY);
            sb_clause(&why, "; ", "at capacity: all %d places used today (updated %s)",
                      s->capacity_today, t1);
        } else {
            OK_CLAUSE("capacity %d of %d left today (updated %s)", r->capacity_left,
                      s->capacity_today, t1);
        }
    }

    /* 7. open at the time and not closing within the margin */
    int64_t until = 0, next = 0;
    int open = routing_hours_open(&s->hours, bh, nbh, q->at, &until, &next);
    r->open_until = until;
    r->opens_next = next;
    hhmm(q->at, t2, sizeof t2);
    if (!open) {
        fail(r, ROUTE_X_CLOSED);
        if (next) {
            when(next, q->at, t1, sizeof t1);
            sb_clause(&why, "; ", "closed at %s (opens %s)", t2, t1);
        } else {
            sb_clause(&why, "; ", "closed at %s (not open in the week ahead)", t2);
        }
    } else if (until && until - q->at < (int64_t)margin * 60) {
        fail(r, ROUTE_X_CLOSING);
        hhmm(until, t1, sizeof t1);
        sb_clause(&why, "; ", "closes at %s, within %d minutes of %s", t1, margin, t2);
    } else if (until) {
        when(until, q->at, t1, sizeof t1);
        OK_CLAUSE("open until %s", t1);
    } else {
        OK_CLAUSE("open all week ahead");
    }

    if (r->filter == ROUTE_ELIGIBLE) {
        OK_CLAUSE("responds within %d minutes", s->response_minutes);
        if (r->km >= 0) OK_CLAUSE("base %.1f km away", r->km);
        snprintf(r->reason, sizeof r->reason, "%s", ok.buf ? ok.buf : "");
    } else {
        snprintf(r->reason, sizeof r->reason, "%s", why.buf ? why.buf : "");
    }
    sb_free(&why);
    sb_free(&ok);
}

/*
 * Ranking of eligible services (deterministic, a total order):
 *   1. more of the needs covered first (only differs with allow_partial);
 *   2. trusted capacity before stale capacity (stale is flagged, not trusted);
 *   3. nearer base first (distance in 0.1 km steps, unknown last);
 *   4. quicker response standard first;
 *   5. service id, so equal services always come out in the same order.
 * DoS ranks by commissioner ranking then distance; NWL's harmonised services
 * have no commissioner ranking, so capability and trust in the data come first.
 * Excluded services follow in the order of their first failed filter, then id.
 */
static int rank_cmp(const void *a, const void *b)
{
    const route_result *x = a, *y = b;
    if ((x->filter == 0) != (y->filter == 0)) return x->filter == 0 ? -1 : 1;
    if (x->filter != 0) {
        if (x->filter != y->filter) return x->filter - y->filter;
        return strcmp(x->id, y->id);
    }
    if (x->covered != y->covered) return y->covered - x->covered;
    if (x->stale != y->stale) return x->stale - y->stale;
    long dx = x->km < 0 ? 1000000 : lround(x->km * 10),
         dy = y->km < 0 ? 1000000 : lround(y->km * 10);
    if (dx != dy) return dx < dy ? -1 : 1;
    if (x->expected_minutes != y->expected_minutes)
        return x->expected_minutes - y->expected_minutes;
    return strcmp(x->id, y->id);
}

int routing_find(const route_service *svc, int n, const int64_t *bh, int nbh, const route_query *q,
                 route_answer *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (q->needs == 0)
        return ics_err_set(e, ICS_EINVAL, "no needs given: name at least one capability");
    double radius = q->radius_km > 0 ? q->radius_km : ROUTE_RADIUS_KM;
    int margin = q->closing_margin >= 0 ? q->closing_margin : ROUTE_CLOSING_MARGIN;
    int stale = q->stale_minutes > 0 ? q->stale_minutes : ROUTE_STALE_MINUTES;
    out->items = calloc(n > 0 ? (size_t)n : 1, sizeof *out->items);
    if (!out->items) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int kept = 0;
    for (int i = 0; i < n; i++) {
        route_result *r = &out->items[kept];
        evaluate(&svc[i], i, bh, nbh, q, radius, margin, stale, r);
        /* another ICS's service is an answer only where it covers the patient */
        if (other_ics(&svc[i], q) && (r->failed & (1u << ROUTE_X_CATCHMENT))) continue;
        if (r->filter == ROUTE_ELIGIBLE) out->neligible++;
        kept++;
    }
    out->n = kept;
    qsort(out->items, (size_t)kept, sizeof *out->items, rank_cmp);
    for (int i = 0; i < out->neligible; i++) out->items[i].rank = i + 1;
    return 0;
}

void routing_answer_free(route_answer *a)
{
    if (!a) return;
    free(a->items);
    a->items = NULL;
    a->n = a->neligible = 0;
}
