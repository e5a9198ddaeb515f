/* referral.c - the referral lifecycle (a small state machine) and the
 * deterministic synthetic history of referrals that makes the reports
 * meaningful on a new database. Every generated row is synthetic. */
#include "routing/routing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/synth.h"
#include "core/tz.h"
#include "core/valid.h"

static const char *const state_names[REF_NSTATES] = {"sent", "accepted", "declined", "attended",
                                                     "cancelled"};
static const char *const action_names[REF_NACTIONS] = {"accept", "decline", "attend", "cancel"};

const char *routing_state_name(int s)
{
    return s >= 0 && s < REF_NSTATES ? state_names[s] : "unknown";
}

const char *routing_action_name(int a)
{
    return a >= 0 && a < REF_NACTIONS ? action_names[a] : "unknown";
}

int routing_state_find(const char *name)
{
    for (int i = 0; name && i < REF_NSTATES; i++)
        if (strcmp(state_names[i], name) == 0) return i;
    return -1;
}

int routing_action_find(const char *name)
{
    for (int i = 0; name && i < REF_NACTIONS; i++)
        if (strcmp(action_names[i], name) == 0) return i;
    return -1;
}

/* next[state][action]: the new state, or -1 when the move is illegal. */
static const signed char next_state[REF_NSTATES][REF_NACTIONS] = {
    /*             accept        decline       attend        cancel */
    /* sent */ {REF_ACCEPTED, REF_DECLINED, -1, REF_CANCELLED},
    /* accepted */ {-1, -1, REF_ATTENDED, REF_CANCELLED},
    /* declined */ {-1, -1, -1, -1},
    /* attended */ {-1, -1, -1, -1},
    /* cancelled */ {-1, -1, -1, -1},
};

int routing_referral_step(int state, int action, int64_t sent_at, const char *reason,
                          int64_t attended_at, int64_t now, int *next, ics_err *e)
{
    if (state < 0 || state >= REF_NSTATES)
        return ics_err_set(e, ICS_EINTERNAL, "referral has an unknown state %d", state);
    if (action < 0 || action >= REF_NACTIONS)
        return ics_err_set(e, ICS_EINVAL,
                           "unknown action (expected accept, decline, attend or "
                           "cancel)");
    int to = next_state[state][action];
    if (to < 0) {
        const char *hint = "";
        if (state == REF_SENT && action == REF_ATTEND) hint = " (accept it first)";
        if (state >= REF_DECLINED) hint = " (that is final)";
        return ics_err_set(e, ICS_ECONFLICT, "referral is %s: it cannot be %s%s",
                           state_names[state],
                           action == REF_ACCEPT    ? "accepted"
                           : action == REF_DECLINE ? "declined"
                           : action == REF_ATTEND  ? "attended"
                                                   : "cancelled",
                           hint);
    }
    if (action == REF_DECLINE && (!reason || !*reason))
        return ics_err_set(e, ICS_EINVAL, "a decline needs a reason");
    if (action == REF_ATTEND) {
        if (attended_at < sent_at)
            return ics_err_set(e, ICS_EINVAL, "attended time is before the referral was sent");
        if (attended_at > now + 300)
            return ics_err_set(e, ICS_EINVAL, "attended time is in the future");
    }
    *next = to;
    return 0;
}

/* ---- synthetic history ------------------------------------------------- */

/* Relative frequency of the nine UCR conditions as a first need (synthetic,
 * shaped like published UCR activity where falls and frailty dominate). */
static const double need_weight[9] = {30, 20, 15, 5, 5, 7, 8, 4, 6};
/* Referrals by local hour of the day (synthetic; daytime peak). */
static const double hour_weight[24] = {1, 1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10,
                                       9, 9, 9, 8, 8, 7, 6, 5, 4, 3, 2,  1};

static int64_t local_instant(int64_t day, int minute)
{
    int y, m, d;
    tz_civil_from_days(day, &y, &m, &d);
    int64_t t;
    if (tz_local_to_utc(y, m, d, minute / 60, minute % 60, 0, &t, NULL)) return day * 86400 + 3600;
    return t;
}

static const char *const decline_reasons[] = {"no capacity at the time",
                                              "clinically "
                                              "inappropriate: needs ED",
                                              "already under another team"};
static const char *const cancel_reasons[] = {"conveyed to ED", "patient declined a visit",
                                             "resolved by telephone advice"};

int routing_referrals_generate(const route_service *svc, int n, const route_district *d, int nd,
                               const int64_t *bh, int nbh, int64_t from, int days, double per_day,
                               uint64_t seed, route_gen_ref **out, int *nout, int *unrouted,
                               progress_fn progress, void *ctx, ics_err *e)
{
    *out = NULL;
    *nout = 0;
    *unrouted = 0;
    if (n <= 0 || nd <= 0 || days <= 0 || per_day <= 0)
        return ics_err_set(e, ICS_EINVAL, "nothing to generate from");
    /* places are the distinct non-empty place codes of the districts */
    char places[ROUTE_MAX_PLACES * 4][ROUTE_CODE];
    int np = 0;
    for (int i = 0; i < nd; i++) {
        if (!d[i].place[0]) continue;
        int k = 0;
        while (k < np && strcmp(places[k], d[i].place)) k++;
        if (k == np && np < (int)(sizeof places / sizeof *places)) strcpy(places[np++], d[i].place);
    }
    /* capacity is not simulated: route as if every service had room */
    route_service *copy = malloc((size_t)n * sizeof *copy);
    if (!copy) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    memcpy(copy, svc, (size_t)n * sizeof *copy);
    for (int i = 0; i < n; i++) copy[i].capacity_today = 0;

    size_t cap = (size_t)(days * np * per_day * 1.2) + 64, len = 0;
    route_gen_ref *v = malloc(cap * sizeof *v);
    if (!v) {
        free(copy);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    int64_t end = local_instant(from + days, 0);
    rng r;
    int rc = 0;
    for (int day = 0; day < days && rc == 0; day++) {
        for (int p = 0; p < np; p++) {
            /* one stream per day and place: the history of one place on one
             * day does not change when another place is added */
            rng_seed(&r, seed, (uint64_t)day * 64 + (uint64_t)p);
            unsigned count = rng_poisson(&r, per_day);
            for (unsigned k = 0; k < count; k++) {
                int di, tries = 0;
                do di = (int)rng_below(&r, (uint64_t)nd);
                while (strcmp(d[di].place, places[p]) && ++tries < 1000);
                route_query q;
                routing_query_init(&q);
                q.where.has_loc = 1;
                q.where.lat = d[di].lat;
                q.where.lon = d[di].lon;
                strcpy(q.where.place, d[di].place);
                strcpy(q.where.district, d[di].district);
                snprintf(q.where.how, sizeof q.where.how, "synthetic patient in %s",
                         d[di].district);
                double u = rng_uniform(&r);
                q.age = u < 0.85 ? (int)fmin(104, fmax(65, 80 + 8 * rng_normal(&r)))
                                 : 18 + (int)rng_below(&r, 47);
                q.needs = 1u << synth_pick(&r, need_weight, 9);
                if (rng_uniform(&r) < 0.3) q.needs |= 1u << 1; /* frailty often comes along */
                int minute = (int)synth_pick(&r, hour_weight, 24) * 60 + (int)rng_below(&r, 60);
                q.at = q.now = local_instant(from + day, minute);
                route_answer a;
                if ((rc = routing_find(copy, n, bh, nbh, &q, &a, e))) break;
                if (a.neligible == 0) {
                    (*unrouted)++;
                    routing_answer_free(&a);
                    continue;
                }
                int si = a.items[0].service;
                routing_answer_free(&a);
                if (len == cap) {
                    cap *= 2;
                    route_gen_ref *nv = realloc(v, cap * sizeof *v);
                    if (!nv) {
                        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                        break;
                    }
                    v = nv;
                }
                route_gen_ref *g = &v[len++];
                memset(g, 0, sizeof *g);
                synth_nhs_number(&r, g->nhs);
                g->age = q.age;
                g->needs = q.needs;
                g->district = di;
                g->service = si;
                g->sent_at = q.at;
                g->decided_at = q.at + 60 * (int64_t)(2 + rng_exponential(&r, 10));
                /* each service has its own typical response (synthetic):
                 * mean 70-115 minutes, so some meet the 70% ambition and
                 * some do not; nights are slower */
                double mean = 70 + 15 * (double)(si % 4);
                if (minute < 8 * 60 || minute >= 20 * 60) mean += 20;
                double resp = 15 + rng_lognormal(&r, mean - 15, 0.45 * mean);
                double o = rng_uniform(&r);
                if (o < 0.04) {
                    g->state = REF_DECLINED;
                    snprintf(g->reason, sizeof g->reason, "%s", decline_reasons[rng_below(&r, 3)]);
                } else if (o < 0.08) {
                    g->state = REF_CANCELLED;
                    snprintf(g->reason, sizeof g->reason, "%s", cancel_reasons[rng_below(&r, 3)]);
                } else {
                    g->state = REF_ATTENDED;
                    g->attended_at = q.at + (int64_t)(resp * 60);
                    if (g->decided_at > g->attended_at) g->decided_at = g->attended_at;
                }
                /* the history stops at `end`: later events have not happened */
                if (g->decided_at > end) {
                    g->state = REF_SENT;
                    g->decided_at = g->attended_at = 0;
                    g->reason[0] = '\0';
                } else if (g->state == REF_ATTENDED && g->attended_at > end) {
                    g->state = REF_ACCEPTED;
                    g->attended_at = 0;
                }
            }
            if (rc) break;
        }
        if (progress) progress(ctx, (double)(day + 1) / days);
    }
    free(copy);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *nout = (int)len;
    return 0;
}
