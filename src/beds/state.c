/* state.c - the bed bureau's vocabularies and state rules: bed types and
 * how they substitute, bed and referral statuses and their legal moves,
 * and the per-unit counts behind the board ("empty is not available";
 * figures older than the stale age are flagged). */
#include <assert.h>
#include <string.h>

#include "beds/beds.h"

/* The directory's vocabulary (directory_bed_types). */
static const char *type_names[BEDS_TYPE_COUNT] = {"rehabilitation", "stroke_rehabilitation",
                                                  "dementia", "palliative", "step_down"};
static const char *status_names[BEDS_STATUS_COUNT] = {"available", "reserved", "occupied", "closed",
                                                      "cleaning"};
static const char *closure_names[BEDS_CLOSE_COUNT] = {"", "infection_control", "staffing",
                                                      "maintenance"};
static const char *ref_names[BEDS_REF_STATE_COUNT] = {
    "waiting", "offered", "accepted", "admitted", "discharged", "declined", "cancelled"};

static int lookup(const char *const *names, int n, const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

const char *beds_type_name(beds_type t)
{
    return (unsigned)t < BEDS_TYPE_COUNT ? type_names[t] : "?";
}

int beds_type_parse(const char *s, beds_type *out, ics_err *e)
{
    int i = lookup(type_names, BEDS_TYPE_COUNT, s);
    if (i < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "bed type '%s' is not one of rehabilitation, stroke_rehabilitation, "
                           "dementia, palliative, step_down",
                           s ? s : "");
    *out = (beds_type)i;
    return 0;
}

int beds_type_min_age(beds_type t)
{
    assert((unsigned)t < BEDS_TYPE_COUNT);
    return BEDS_ADULT_AGE;
}

/* Which bed types can stand in for which. Rows are the need, columns the
 * bed. A general rehabilitation patient can use a stroke rehabilitation or
 * step-down bed (therapy is there, or the need is lighter) at a cost; a
 * stroke patient can use a general rehabilitation bed; a step-down patient
 * can use a rehabilitation bed. Dementia and palliative care need their
 * own units (environment, specialist nursing). */
static const unsigned char fit_table[BEDS_TYPE_COUNT][BEDS_TYPE_COUNT] = {
    /* bed:          rehab          stroke         dementia       palliative     step_down */
    /* rehab */ {BEDS_FIT_EXACT, BEDS_FIT_ALT, BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_ALT},
    /* stroke */ {BEDS_FIT_ALT, BEDS_FIT_EXACT, BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_NONE},
    /* dementia */ {BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_EXACT, BEDS_FIT_NONE, BEDS_FIT_NONE},
    /* palliative */ {BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_EXACT, BEDS_FIT_NONE},
    /* step_down */ {BEDS_FIT_ALT, BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_NONE, BEDS_FIT_EXACT},
};

int beds_type_fit(beds_type need, beds_type bed)
{
    if ((unsigned)need >= BEDS_TYPE_COUNT || (unsigned)bed >= BEDS_TYPE_COUNT) return BEDS_FIT_NONE;
    return fit_table[need][bed];
}

const char *beds_status_name(beds_status s)
{
    return (unsigned)s < BEDS_STATUS_COUNT ? status_names[s] : "?";
}

int beds_status_parse(const char *s, beds_status *out, ics_err *e)
{
    int i = lookup(status_names, BEDS_STATUS_COUNT, s);
    if (i < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "bed status '%s' is not one of available, reserved, occupied, "
                           "closed, cleaning",
                           s ? s : "");
    *out = (beds_status)i;
    return 0;
}

const char *beds_closure_name(beds_closure c)
{
    return (unsigned)c < BEDS_CLOSE_COUNT ? closure_names[c] : "?";
}

int beds_closure_parse(const char *s, beds_closure *out, ics_err *e)
{
    int i = s && *s ? lookup(closure_names, BEDS_CLOSE_COUNT, s) : -1;
    if (i <= 0)
        return ics_err_set(e, ICS_EINVAL,
                           "closure reason '%s' is not one of infection_control, staffing, "
                           "maintenance",
                           s ? s : "");
    *out = (beds_closure)i;
    return 0;
}

char beds_status_hl7(beds_status s, beds_closure c)
{
    switch (s) {
    case BEDS_AVAILABLE:
    case BEDS_RESERVED:
        return 'U';
    case BEDS_OCCUPIED:
        return 'O';
    case BEDS_CLOSED:
        return c == BEDS_CLOSE_INFECTION ? 'K' : 'C';
    case BEDS_CLEANING:
        return 'H';
    default:
        return 'C';
    }
}

int beds_status_can_move(beds_status from, beds_status to)
{
    switch (from) {
    case BEDS_AVAILABLE:
        return to == BEDS_RESERVED || to == BEDS_OCCUPIED || to == BEDS_CLOSED ||
               to == BEDS_CLEANING;
    case BEDS_RESERVED:
        return to == BEDS_AVAILABLE || to == BEDS_OCCUPIED;
    case BEDS_OCCUPIED:
        return to == BEDS_AVAILABLE || to == BEDS_CLEANING;
    case BEDS_CLOSED: /* a closed bed may change its reason */
        return to == BEDS_AVAILABLE || to == BEDS_CLEANING || to == BEDS_CLOSED;
    case BEDS_CLEANING:
        return to == BEDS_AVAILABLE || to == BEDS_CLOSED;
    default:
        return 0;
    }
}

const char *beds_ref_state_name(beds_ref_state s)
{
    return (unsigned)s < BEDS_REF_STATE_COUNT ? ref_names[s] : "?";
}

int beds_ref_state_parse(const char *s, beds_ref_state *out, ics_err *e)
{
    int i = lookup(ref_names, BEDS_REF_STATE_COUNT, s);
    if (i < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "referral state '%s' is not one of waiting, offered, accepted, "
                           "admitted, discharged, declined, cancelled",
                           s ? s : "");
    *out = (beds_ref_state)i;
    return 0;
}

int beds_ref_can_move(beds_ref_state from, beds_ref_state to)
{
    switch (from) {
    case BEDS_REF_WAITING:
        return to == BEDS_REF_OFFERED || to == BEDS_REF_DECLINED || to == BEDS_REF_CANCELLED;
    case BEDS_REF_OFFERED:
        return to == BEDS_REF_ACCEPTED || to == BEDS_REF_WAITING || to == BEDS_REF_DECLINED ||
               to == BEDS_REF_CANCELLED;
    case BEDS_REF_ACCEPTED:
        return to == BEDS_REF_ADMITTED || to == BEDS_REF_WAITING || to == BEDS_REF_CANCELLED;
    case BEDS_REF_ADMITTED:
        return to == BEDS_REF_DISCHARGED;
    default:
        return 0; /* discharged, declined and cancelled are final */
    }
}

int beds_bed_offerable(const beds_bed *bed)
{
    return bed->status == BEDS_AVAILABLE;
}

void beds_board_count(const beds_board *b, int64_t now, int64_t stale_after,
                      beds_unit_count *counts)
{
    memset(counts, 0, b->nunits * sizeof *counts);
    for (size_t i = 0; i < b->nbeds; i++) {
        const beds_bed *bd = &b->beds[i];
        if (bd->unit < 0 || (size_t)bd->unit >= b->nunits) continue;
        beds_unit_count *c = &counts[bd->unit];
        c->beds++;
        switch (bd->status) {
        case BEDS_AVAILABLE:
            c->available++;
            break;
        case BEDS_RESERVED:
            c->reserved++;
            break;
        case BEDS_OCCUPIED:
            c->occupied++;
            break;
        case BEDS_CLOSED:
            c->closed++;
            break;
        case BEDS_CLEANING:
            c->cleaning++;
            break;
        default:
            break;
        }
    }
    for (size_t u = 0; u < b->nunits; u++) {
        beds_unit_count *c = &counts[u];
        int open = c->beds - c->closed;
        c->occupancy = open > 0 ? (double)(c->occupied + c->reserved) / open : 0.0;
        int64_t at = b->units[u].confirmed_at;
        c->stale = stale_after > 0 && (at <= 0 || now - at > stale_after);
    }
}

const char *beds_policy_name(beds_policy p)
{
    return p == BEDS_POLICY_BOROUGH ? "borough" : "pooled";
}

int beds_policy_parse(const char *s, beds_policy *out, ics_err *e)
{
    if (s && strcmp(s, "pooled") == 0)
        *out = BEDS_POLICY_POOLED;
    else if (s && strcmp(s, "borough") == 0)
        *out = BEDS_POLICY_BOROUGH;
    else
        return ics_err_set(e, ICS_EINVAL, "policy '%s' is not pooled or borough", s ? s : "");
    return 0;
}
