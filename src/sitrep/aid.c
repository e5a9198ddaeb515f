/* aid.c - mutual aid between providers: request validation, the lifecycle
 * open -> offered -> agreed -> fulfilled (or withdrawn) with who may take
 * each step, and the ranking of organisations that could help.
 *
 * Suggestions use only what the latest sitreps say: a provider under less
 * pressure, with the same kind of capacity, is asked first. Providers at
 * OPEL 4 are never suggested (they need help themselves). */
#include "sitrep/sitrep.h"

#include <stdio.h>
#include <string.h>

#include "core/sb.h"
#include "core/valid.h"

static const char *const state_names[] = {"open", "offered", "agreed", "fulfilled", "withdrawn"};
static const char *const action_names[] = {"offer", "agree", "fulfil", "withdraw"};
static const char *const resource_names[] = {"staff", "beds", "theatre", "equipment"};
static const char *const urgency_names[] = {"", "routine", "urgent", "critical"};

static int find(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

const char *sitrep_aid_state_name(int st)
{
    return st >= 0 && st < SITREP_AID_NSTATES ? state_names[st] : "unknown";
}

int sitrep_aid_state_find(const char *name)
{
    return find(state_names, SITREP_AID_NSTATES, name);
}

const char *sitrep_aid_action_name(int a)
{
    return a >= 0 && a < 4 ? action_names[a] : "unknown";
}

int sitrep_aid_action_find(const char *name)
{
    return find(action_names, 4, name);
}

const char *sitrep_resource_name(int r)
{
    return r >= 0 && r < SITREP_NRES ? resource_names[r] : "unknown";
}

int sitrep_resource_find(const char *name)
{
    return find(resource_names, SITREP_NRES, name);
}

const char *sitrep_urgency_name(int u)
{
    return u >= 1 && u <= 3 ? urgency_names[u] : "unknown";
}

int sitrep_urgency_find(const char *name)
{
    int u = find(urgency_names, 4, name);
    return u >= 1 ? u : -1;
}

#define K(k) (1u << (k))

/* Which kinds of provider have each kind of capacity. */
static const struct {
    const char *name;
    unsigned kinds;
} staff_roles[] =
    {
        {"nurse",
         K(SITREP_ACUTE) | K(SITREP_SPECIALIST) | K(SITREP_COMMUNITY) | K(SITREP_MENTAL_HEALTH)},
        {"doctor", K(SITREP_ACUTE) | K(SITREP_SPECIALIST) | K(SITREP_MENTAL_HEALTH)},
        {"healthcare_assistant",
         K(SITREP_ACUTE) | K(SITREP_SPECIALIST) | K(SITREP_COMMUNITY) | K(SITREP_MENTAL_HEALTH)},
        {"therapist", K(SITREP_ACUTE) | K(SITREP_SPECIALIST) | K(SITREP_COMMUNITY)},
        {"paramedic", K(SITREP_AMBULANCE)},
        {"other", 0x1f},
},
  bed_types[] = {
      {"ga", K(SITREP_ACUTE) | K(SITREP_SPECIALIST)},
      {"critical_care", K(SITREP_ACUTE) | K(SITREP_SPECIALIST)},
      {"community", K(SITREP_COMMUNITY)},
      {"mental_health", K(SITREP_MENTAL_HEALTH)},
};

#define NROLES (sizeof staff_roles / sizeof staff_roles[0])
#define NBEDS  (sizeof bed_types / sizeof bed_types[0])

/* Kinds that can provide what the request asks for; 0 when detail is unknown. */
static unsigned capable_kinds(const sitrep_aid_request *r)
{
    switch (r->resource) {
    case SITREP_RES_STAFF:
        for (size_t i = 0; i < NROLES; i++)
            if (strcmp(staff_roles[i].name, r->detail) == 0) return staff_roles[i].kinds;
        return 0;
    case SITREP_RES_BEDS:
        for (size_t i = 0; i < NBEDS; i++)
            if (strcmp(bed_types[i].name, r->detail) == 0) return bed_types[i].kinds;
        return 0;
    case SITREP_RES_THEATRE:
        return K(SITREP_ACUTE) | K(SITREP_SPECIALIST);
    case SITREP_RES_EQUIPMENT:
        return 0x1f;
    default:
        return 0;
    }
}

int sitrep_aid_request_check(const sitrep_aid_request *r, int64_t today, ics_err *e)
{
    sb m;
    sb_init(&m);
    int n = 0;
    ics_err ve = {0};
#define PROBLEM(...)                                                                               \
    do {                                                                                           \
        if (n++) sb_puts(&m, "; ");                                                                \
        sb_printf(&m, __VA_ARGS__);                                                                \
    } while (0)
    if (valid_ods_code(r->org, &ve)) PROBLEM("%s", ve.msg);
    if (r->resource < 0 || r->resource >= SITREP_NRES) {
        PROBLEM("resource must be staff, beds, theatre or equipment");
    } else if (r->resource == SITREP_RES_STAFF && !capable_kinds(r)) {
        PROBLEM("staff role '%s' is not one of nurse, doctor, healthcare_assistant, therapist, "
                "paramedic, other",
                r->detail);
    } else if (r->resource == SITREP_RES_BEDS && !capable_kinds(r)) {
        PROBLEM("bed type '%s' is not one of ga, critical_care, community, mental_health",
                r->detail);
    }
    if (r->quantity < 1 || r->quantity > 1000)
        PROBLEM("quantity must be 1 to 1000, not %d", r->quantity);
    if (r->day_to < r->day_from) PROBLEM("date_to is before date_from");
    if (r->day_to < today) PROBLEM("the request ends in the past");
    if (r->urgency < 1 || r->urgency > 3) PROBLEM("urgency must be routine, urgent or critical");
#undef PROBLEM
    int rc = n ? ics_err_set(e, ICS_EINVAL, "%s", m.buf ? m.buf : "invalid request") : 0;
    sb_free(&m);
    return rc;
}

/* Same organisation: equal trust codes (a site counts as its trust). */
static int same_org(const char *a, const char *b)
{
    return a && b && a[0] && b[0] && strncmp(a, b, 3) == 0;
}

int sitrep_aid_step(int state, int action, const char *requester, const char *offer_org,
                    const sitrep_aid_actor *who, int *next, ics_err *e)
{
    const char *an = sitrep_aid_action_name(action), *sn = sitrep_aid_state_name(state);
    int coord = who->coordinator;
    int is_requester = same_org(who->org, requester);
    switch (action) {
    case SITREP_AID_OFFER:
        if (state != SITREP_AID_OPEN && state != SITREP_AID_OFFERED)
            return ics_err_set(e, ICS_ECONFLICT, "cannot offer on a request that is %s", sn);
        if (!offer_org || !offer_org[0])
            return ics_err_set(e, ICS_EINVAL, "an offer needs the offering organisation");
        if (same_org(offer_org, requester))
            return ics_err_set(e, ICS_ECONFLICT, "an organisation cannot offer aid to itself");
        if (!coord && !same_org(who->org, offer_org))
            return ics_err_set(e, ICS_EFORBID,
                               "you can only offer on behalf of your own "
                               "organisation");
        *next = SITREP_AID_OFFERED;
        return 0;
    case SITREP_AID_AGREE:
        if (state != SITREP_AID_OFFERED)
            return ics_err_set(e, ICS_ECONFLICT, "cannot agree a request that is %s%s", sn,
                               state == SITREP_AID_OPEN ? " (no offer yet)" : "");
        if (!coord && !is_requester)
            return ics_err_set(e, ICS_EFORBID,
                               "only the requesting organisation or a coordinator can agree");
        *next = SITREP_AID_AGREED;
        return 0;
    case SITREP_AID_FULFIL:
        if (state != SITREP_AID_AGREED)
            return ics_err_set(e, ICS_ECONFLICT, "cannot fulfil a request that is %s", sn);
        if (!coord && !is_requester && !same_org(who->org, offer_org))
            return ics_err_set(e, ICS_EFORBID,
                               "only the two organisations or a coordinator can "
                               "mark aid fulfilled");
        *next = SITREP_AID_FULFILLED;
        return 0;
    case SITREP_AID_WITHDRAW:
        if (state != SITREP_AID_OPEN && state != SITREP_AID_OFFERED && state != SITREP_AID_AGREED)
            return ics_err_set(e, ICS_ECONFLICT, "cannot withdraw a request that is %s", sn);
        if (!coord && !is_requester)
            return ics_err_set(e, ICS_EFORBID,
                               "only the requesting organisation or a coordinator can withdraw");
        *next = SITREP_AID_WITHDRAWN;
        return 0;
    default:
        return ics_err_set(e, ICS_EINVAL, "unknown action '%s'", an);
    }
}

/* a ranks before b: lower level, lower pressure, more spare capacity, nearer, code. */
static int before(const sitrep_aid_request *r, const sitrep_aid_candidate *a,
                  const sitrep_aid_candidate *b)
{
    if (a->level != b->level) return a->level < b->level;
    if (a->pressure != b->pressure) return a->pressure < b->pressure;
    if (r->resource == SITREP_RES_BEDS && a->spare_beds != b->spare_beds)
        return a->spare_beds > b->spare_beds;
    if (r->resource == SITREP_RES_STAFF && a->staff_absence_pct != b->staff_absence_pct) {
        if (a->staff_absence_pct < 0) return 0;
        if (b->staff_absence_pct < 0) return 1;
        return a->staff_absence_pct < b->staff_absence_pct;
    }
    if (a->km != b->km) {
        if (a->km < 0) return 0;
        if (b->km < 0) return 1;
        return a->km < b->km;
    }
    return strcmp(a->org, b->org) < 0;
}

size_t sitrep_aid_suggest(const sitrep_aid_request *r, const sitrep_aid_candidate *c, size_t n,
                          sitrep_aid_suggestion *out, size_t max)
{
    unsigned kinds = capable_kinds(r);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const sitrep_aid_candidate *x = &c[i];
        if (same_org(x->org, r->org)) continue;
        if (x->kind < 0 || x->kind >= SITREP_NKINDS || !(kinds & (1u << x->kind))) continue;
        if (x->level < 1 || x->level >= 4) continue;
        if (r->resource == SITREP_RES_BEDS && x->spare_beds < 1) continue;
        /* insertion into the top-max list */
        size_t j = m < max ? m++ : max;
        if (j == max && (max == 0 || !before(r, x, &c[out[max - 1].index]))) continue;
        if (j == max) j = max - 1;
        while (j > 0 && before(r, x, &c[out[j - 1].index])) {
            out[j] = out[j - 1];
            j--;
        }
        sitrep_aid_suggestion *s = &out[j];
        s->index = i;
        s->rank_key = x->level + x->pressure;
        int k = snprintf(s->reason, sizeof s->reason, "OPEL %d (pressure %.0f%%)", x->level,
                         100 * x->pressure);
        if (r->resource == SITREP_RES_BEDS && k > 0 && (size_t)k < sizeof s->reason)
            k += snprintf(s->reason + k, sizeof s->reason - k, ", %.0f spare %s beds",
                          x->spare_beds, r->detail);
        if (r->resource == SITREP_RES_STAFF && x->staff_absence_pct >= 0 && k > 0 &&
            (size_t)k < sizeof s->reason)
            k += snprintf(s->reason + k, sizeof s->reason - k, ", staff absence %.1f%%",
                          x->staff_absence_pct);
        if (x->km >= 0 && k > 0 && (size_t)k < sizeof s->reason)
            snprintf(s->reason + k, sizeof s->reason - k, ", %.1f km away", x->km);
    }
    return m;
}
