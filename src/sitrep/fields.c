/* fields.c - what each kind of provider submits in its daily sitrep, how a
 * submission is validated, how site returns add up to a trust return, and
 * the OPEL parameters derived from the raw figures.
 *
 * Submissions carry counts (beds open and occupied, attendances, patients
 * seen within 4 hours) rather than percentages, so occupancy is computed,
 * never typed in, and "occupancy over 100%" is caught as occupied > open. */
#include "sitrep/sitrep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/problems.h"
#include "core/tz.h"
#include "core/valid.h"

#define K_A   (1u << SITREP_ACUTE)
#define K_S   (1u << SITREP_SPECIALIST)
#define K_C   (1u << SITREP_COMMUNITY)
#define K_M   (1u << SITREP_MENTAL_HEALTH)
#define K_B   (1u << SITREP_AMBULANCE)
#define K_111 (1u << SITREP_NHS111)
#define K_ALL (K_A | K_S | K_C | K_M | K_B | K_111)

static const char *const kind_names[SITREP_NKINDS] = {"acute",         "specialist", "community",
                                                      "mental_health", "ambulance",  "nhs111"};

const char *sitrep_kind_name(int kind)
{
    return kind >= 0 && kind < SITREP_NKINDS ? kind_names[kind] : "unknown";
}

int sitrep_kind_find(const char *name)
{
    for (int k = 0; name && k < SITREP_NKINDS; k++)
        if (strcmp(name, kind_names[k]) == 0) return k;
    return -1;
}

/* Ranges are generous physical limits, not expectations: they catch typos
 * (a bed count of 12000) and negative counts, nothing subtler. */
static const sitrep_field_def fields[SITREP_NFIELDS] = {
    [SITREP_F_AMB_ARRIVALS] = {"ambulance_arrivals", "Ambulance arrivals", 1, 0, 5000, K_A, K_A},
    [SITREP_F_HANDOVER_MEAN_MIN] = {"handover_mean_min", "Mean ambulance handover time (min)", 0, 0,
                                    1440, K_A, K_A},
    [SITREP_F_HANDOVERS_OVER_60] = {"handovers_over_60", "Handovers over 60 minutes", 1, 0, 5000,
                                    K_A, 0},
    [SITREP_F_ED_ATTENDANCES] = {"ed_attendances", "ED attendances", 1, 0, 20000, K_A, K_A},
    [SITREP_F_ED_EXPECTED] = {"ed_expected", "ED attendances expected", 1, 1, 20000, K_A, K_A},
    [SITREP_F_ED_WITHIN_4H] = {"ed_within_4h", "ED patients within 4 hours", 1, 0, 20000, K_A, K_A},
    [SITREP_F_ED_OVER_12H] = {"ed_over_12h", "ED patients over 12 hours in department", 1, 0, 20000,
                              K_A, K_A},
    [SITREP_F_ED_MAJORS_SPACES] = {"ed_majors_spaces", "ED majors and resus spaces", 1, 1, 1000,
                                   K_A, K_A},
    [SITREP_F_ED_MAJORS_PATIENTS] = {"ed_majors_patients",
                                     "Patients in ED majors and resus (08:00)", 1, 0, 3000, K_A,
                                     K_A},
    [SITREP_F_TIME_TO_TREATMENT_MIN] = {"time_to_treatment_min", "Median time to treatment (min)",
                                        0, 0, 1440, K_A, K_A},
    [SITREP_F_GA_BEDS_CORE] = {"ga_beds_core", "G&A core beds open", 1, 0, 5000, K_A | K_S,
                               K_A | K_S},
    [SITREP_F_GA_BEDS_ESCALATION] = {"ga_beds_escalation", "G&A escalation beds open", 1, 0, 2000,
                                     K_A | K_S, K_A | K_S},
    [SITREP_F_GA_BEDS_OCCUPIED] = {"ga_beds_occupied", "G&A beds occupied (08:00)", 1, 0, 7000,
                                   K_A | K_S, K_A | K_S},
    [SITREP_F_NCTR_PATIENTS] = {"nctr_patients", "Patients no longer meeting criteria to reside", 1,
                                0, 7000, K_A | K_S, K_A | K_S},
    [SITREP_F_CC_BEDS] = {"cc_beds", "Critical care beds open", 1, 0, 500, K_A | K_S, 0},
    [SITREP_F_CC_OCCUPIED] = {"cc_occupied", "Critical care beds occupied", 1, 0, 500, K_A | K_S,
                              0},
    [SITREP_F_LOS_7PLUS] = {"los_7plus", "Patients in hospital 7+ days", 1, 0, 7000, K_A | K_S, 0},
    [SITREP_F_LOS_14PLUS] = {"los_14plus", "Patients in hospital 14+ days", 1, 0, 7000, K_A | K_S,
                             0},
    [SITREP_F_LOS_21PLUS] = {"los_21plus", "Patients in hospital 21+ days", 1, 0, 7000, K_A | K_S,
                             0},
    [SITREP_F_COMMUNITY_BEDS] = {"community_beds", "Community beds open", 1, 0, 2000, K_C, K_C},
    [SITREP_F_COMMUNITY_OCCUPIED] = {"community_occupied", "Community beds occupied", 1, 0, 2000,
                                     K_C, K_C},
    [SITREP_F_UCR_REFERRALS] = {"ucr_referrals", "Urgent community response referrals", 1, 0, 5000,
                                K_C, K_C},
    [SITREP_F_UCR_WITHIN_2H] = {"ucr_within_2h", "UCR referrals reached within 2 hours", 1, 0, 5000,
                                K_C, K_C},
    [SITREP_F_MH_BEDS] = {"mh_beds", "Mental health beds open", 1, 0, 3000, K_M, K_M},
    [SITREP_F_MH_OCCUPIED] = {"mh_occupied", "Mental health beds occupied", 1, 0, 3000, K_M, K_M},
    [SITREP_F_MH_OUT_OF_AREA] = {"mh_out_of_area", "Inappropriate out-of-area placements", 1, 0,
                                 1000, K_M, K_M},
    [SITREP_F_CALLS] = {"calls", "999 calls answered", 1, 0, 100000, K_B, K_B},
    [SITREP_F_INCIDENTS] = {"incidents", "Incidents attended", 1, 0, 100000, K_B, K_B},
    [SITREP_F_CAT2_MEAN_MIN] = {"cat2_mean_min", "Category 2 mean response (min)", 0, 0, 1440, K_B,
                                K_B},
    [SITREP_F_HANDOVER_HOURS_LOST] = {"handover_hours_lost", "Hours lost to handover delays", 0, 0,
                                      10000, K_B, K_B},
    [SITREP_F_CALLS_OFFERED] = {"calls_offered", "NHS 111 calls offered", 1, 0, 100000, K_111,
                                K_111},
    [SITREP_F_CALLS_ANSWERED] = {"calls_answered", "NHS 111 calls answered", 1, 0, 100000, K_111,
                                 K_111},
    [SITREP_F_CALLS_ANSWERED_60S] = {"calls_answered_60s", "NHS 111 calls answered within 60 s", 1,
                                     0, 100000, K_111, K_111},
    [SITREP_F_CALLS_ABANDONED] = {"calls_abandoned", "NHS 111 calls abandoned", 1, 0, 100000, K_111,
                                  K_111},
    [SITREP_F_CALLBACKS] = {"callbacks", "Clinical call-backs due", 1, 0, 100000, K_111, K_111},
    [SITREP_F_CALLBACKS_IN_TARGET] = {"callbacks_in_target",
                                      "Clinical call-backs within their target time", 1, 0, 100000,
                                      K_111, K_111},
    [SITREP_F_STAFF_ABSENCE_PCT] = {"staff_absence_pct", "Staff absence (%)", 0, 0, 100, K_ALL,
                                    K_S | K_C | K_M | K_B},
};

const sitrep_field_def *sitrep_field(int f)
{
    return f >= 0 && f < SITREP_NFIELDS ? &fields[f] : NULL;
}

int sitrep_field_find(const char *name)
{
    for (int f = 0; name && f < SITREP_NFIELDS; f++)
        if (strcmp(name, fields[f].name) == 0) return f;
    return -1;
}

int sitrep_field_applies(int f, int kind)
{
    return f >= 0 && f < SITREP_NFIELDS && kind >= 0 && kind < SITREP_NKINDS &&
           (fields[f].kinds & (1u << kind));
}

int sitrep_values_set(sitrep_values *v, int kind, const char *name, double x, ics_err *e)
{
    int f = sitrep_field_find(name);
    if (f < 0) return ics_err_set(e, ICS_EINVAL, "unknown sitrep field '%s'", name);
    if (!sitrep_field_applies(f, kind))
        return ics_err_set(e, ICS_EINVAL, "field '%s' does not apply to %s providers", name,
                           sitrep_kind_name(kind));
    v->v[f] = x;
    v->has[f] = 1;
    return 0;
}

/* ---- validation --------------------------------------------------------- */

#define HAS(s, f) ((s)->val.has[f])
#define VAL(s, f) ((s)->val.v[f])

/* a <= b when both are present. */
static void not_above(problems *p, const sitrep_submission *s, int a, double b, const char *what)
{
    if (!HAS(s, a)) return;
    if (VAL(s, a) > b)
        problems_add(p, "%s (%g) is more than %s (%g)", fields[a].name, VAL(s, a), what, b);
}

static void check_consistency(problems *p, const sitrep_submission *s)
{
    if (HAS(s, SITREP_F_AMB_ARRIVALS))
        not_above(p, s, SITREP_F_HANDOVERS_OVER_60, VAL(s, SITREP_F_AMB_ARRIVALS),
                  "ambulance_arrivals");
    if (HAS(s, SITREP_F_ED_ATTENDANCES)) {
        double att = VAL(s, SITREP_F_ED_ATTENDANCES);
        not_above(p, s, SITREP_F_ED_WITHIN_4H, att, "ed_attendances");
        if (HAS(s, SITREP_F_ED_WITHIN_4H))
            not_above(p, s, SITREP_F_ED_OVER_12H, att - VAL(s, SITREP_F_ED_WITHIN_4H),
                      "ed_attendances not seen within 4 hours");
    }
    if (HAS(s, SITREP_F_GA_BEDS_CORE) && HAS(s, SITREP_F_GA_BEDS_OCCUPIED)) {
        double open =
            VAL(s, SITREP_F_GA_BEDS_CORE) +
            (HAS(s, SITREP_F_GA_BEDS_ESCALATION) ? VAL(s, SITREP_F_GA_BEDS_ESCALATION) : 0);
        double occ = VAL(s, SITREP_F_GA_BEDS_OCCUPIED);
        if (occ > open)
            problems_add(
                p,
                "general and acute occupancy over 100%%: ga_beds_occupied (%g) is more than "
                "the beds open (%g core + escalation)",
                occ, open);
    }
    if (HAS(s, SITREP_F_GA_BEDS_OCCUPIED)) {
        double occ = VAL(s, SITREP_F_GA_BEDS_OCCUPIED);
        not_above(p, s, SITREP_F_NCTR_PATIENTS, occ, "ga_beds_occupied");
        not_above(p, s, SITREP_F_LOS_7PLUS, occ, "ga_beds_occupied");
    }
    if (HAS(s, SITREP_F_LOS_7PLUS))
        not_above(p, s, SITREP_F_LOS_14PLUS, VAL(s, SITREP_F_LOS_7PLUS), "los_7plus");
    if (HAS(s, SITREP_F_LOS_14PLUS))
        not_above(p, s, SITREP_F_LOS_21PLUS, VAL(s, SITREP_F_LOS_14PLUS), "los_14plus");
    if (HAS(s, SITREP_F_CC_BEDS))
        not_above(p, s, SITREP_F_CC_OCCUPIED, VAL(s, SITREP_F_CC_BEDS),
                  "cc_beds (occupancy over 100%)");
    if (HAS(s, SITREP_F_COMMUNITY_BEDS))
        not_above(p, s, SITREP_F_COMMUNITY_OCCUPIED, VAL(s, SITREP_F_COMMUNITY_BEDS),
                  "community_beds (occupancy over 100%)");
    if (HAS(s, SITREP_F_UCR_REFERRALS))
        not_above(p, s, SITREP_F_UCR_WITHIN_2H, VAL(s, SITREP_F_UCR_REFERRALS), "ucr_referrals");
    if (HAS(s, SITREP_F_MH_BEDS))
        not_above(p, s, SITREP_F_MH_OCCUPIED, VAL(s, SITREP_F_MH_BEDS),
                  "mh_beds (occupancy over 100%)");
    /* NHS 111: every call offered is answered, abandoned or neither (still
     * queued or ended otherwise), never both */
    if (HAS(s, SITREP_F_CALLS_OFFERED) && HAS(s, SITREP_F_CALLS_ANSWERED)) {
        double off = VAL(s, SITREP_F_CALLS_OFFERED);
        not_above(p, s, SITREP_F_CALLS_ANSWERED, off, "calls_offered");
        not_above(p, s, SITREP_F_CALLS_ABANDONED, off - VAL(s, SITREP_F_CALLS_ANSWERED),
                  "calls_offered not answered");
    }
    if (HAS(s, SITREP_F_CALLS_ANSWERED))
        not_above(p, s, SITREP_F_CALLS_ANSWERED_60S, VAL(s, SITREP_F_CALLS_ANSWERED),
                  "calls_answered");
    if (HAS(s, SITREP_F_CALLBACKS))
        not_above(p, s, SITREP_F_CALLBACKS_IN_TARGET, VAL(s, SITREP_F_CALLBACKS), "callbacks");
}

int sitrep_submission_check(const sitrep_submission *s, int64_t today, int max_age_days, ics_err *e)
{
    problems p;
    problems_init(&p);
    ics_err ve = {0};
    if (s->kind < 0 || s->kind >= SITREP_NKINDS) {
        problems_add(&p, "unknown provider kind");
    } else {
        if (valid_ods_code(s->org, &ve) != 0) problems_add(&p, "%s", ve.msg);
        for (int f = 0; f < SITREP_NFIELDS; f++) {
            const sitrep_field_def *d = &fields[f];
            int applies = (d->kinds >> s->kind) & 1;
            if (!s->val.has[f]) {
                if ((d->required >> s->kind) & 1) problems_add(&p, "missing field '%s'", d->name);
                continue;
            }
            double x = s->val.v[f];
            if (!applies) {
                problems_add(&p, "field '%s' does not apply to %s providers", d->name,
                             sitrep_kind_name(s->kind));
            } else if (!isfinite(x)) {
                problems_add(&p, "field '%s' must be a number", d->name);
            } else if (d->is_int && x != floor(x)) {
                problems_add(&p, "field '%s' must be a whole number, not %g", d->name, x);
            } else if (x < d->min) {
                problems_add(&p, "field '%s' must be at least %g%s, not %g", d->name, d->min,
                             d->min == 0 ? " (counts cannot be negative)" : "", x);
            } else if (x > d->max) {
                problems_add(&p, "field '%s' must be at most %g, not %g", d->name, d->max, x);
            }
        }
        check_consistency(&p, s);
    }
    if (s->day > today) {
        char d[12], t[12];
        tz_format_date(s->day, d, sizeof d);
        tz_format_date(today, t, sizeof t);
        problems_add(&p, "the sitrep day %s is in the future (today is %s)", d, t);
    } else if (max_age_days > 0 && today - s->day > max_age_days) {
        problems_add(&p, "sitreps can be amended for %d days only; this day is %lld days ago",
                     max_age_days, (long long)(today - s->day));
    }
    if (s->declared_level != 0 && (s->declared_level < 1 || s->declared_level > 4))
        problems_add(&p, "declared_level must be 1 to 4, not %d", s->declared_level);
    if (s->declared_level != 0 && s->reason[0] == '\0')
        problems_add(&p, "a declared level needs a reason");
    return problems_done(&p, e);
}

/* ---- combining sites into a trust --------------------------------------- */

static double beds_of(const sitrep_submission *s)
{
    double b = 0;
    if (HAS(s, SITREP_F_GA_BEDS_CORE)) b += VAL(s, SITREP_F_GA_BEDS_CORE);
    if (HAS(s, SITREP_F_GA_BEDS_ESCALATION)) b += VAL(s, SITREP_F_GA_BEDS_ESCALATION);
    if (HAS(s, SITREP_F_COMMUNITY_BEDS)) b += VAL(s, SITREP_F_COMMUNITY_BEDS);
    if (HAS(s, SITREP_F_MH_BEDS)) b += VAL(s, SITREP_F_MH_BEDS);
    return b;
}

double sitrep_submission_beds(const sitrep_submission *s)
{
    return beds_of(s);
}

/* The weight a non-additive field is averaged with across sites. */
static double weight_of(const sitrep_submission *s, int f)
{
    switch (f) {
    case SITREP_F_HANDOVER_MEAN_MIN:
        return HAS(s, SITREP_F_AMB_ARRIVALS) ? VAL(s, SITREP_F_AMB_ARRIVALS) : 0;
    case SITREP_F_TIME_TO_TREATMENT_MIN:
        return HAS(s, SITREP_F_ED_ATTENDANCES) ? VAL(s, SITREP_F_ED_ATTENDANCES) : 0;
    case SITREP_F_CAT2_MEAN_MIN:
        return HAS(s, SITREP_F_INCIDENTS) ? VAL(s, SITREP_F_INCIDENTS) : 0;
    default:
        return beds_of(s);
    }
}

void sitrep_submission_combine(const sitrep_submission *sites, size_t n, const char *trust,
                               sitrep_submission *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->org, sizeof out->org, "%s", trust);
    out->kind = sites[0].kind;
    out->day = sites[0].day;
    for (int f = 0; f < SITREP_NFIELDS; f++) {
        double sum = 0, wsum = 0, plain = 0;
        int cnt = 0;
        for (size_t i = 0; i < n; i++) {
            if (!sites[i].val.has[f]) continue;
            double x = sites[i].val.v[f], w = weight_of(&sites[i], f);
            sum += fields[f].is_int ? x : x * w;
            wsum += w;
            plain += x;
            cnt++;
        }
        if (!cnt) continue;
        out->val.has[f] = 1;
        if (fields[f].is_int)
            out->val.v[f] = sum;
        else
            out->val.v[f] = wsum > 0 ? sum / wsum : plain / cnt;
    }
    for (size_t i = 0; i < n; i++)
        if (sites[i].declared_level > out->declared_level) {
            out->declared_level = sites[i].declared_level;
            snprintf(out->reason, sizeof out->reason, "%s: %s", sites[i].org, sites[i].reason);
        }
}

/* ---- parameters --------------------------------------------------------- */

static const struct {
    const char *name, *label, *unit;
} params[SITREP_NPARAMS] = {
    [SITREP_P_HANDOVER_MEAN] = {"handover_mean_min", "Mean ambulance handover time", "min"},
    [SITREP_P_ED_4H_PCT] = {"ed_4h_pct", "ED 4-hour performance", "%"},
    [SITREP_P_ED_VS_EXPECTED] = {"ed_vs_expected_pct", "ED attendances against expected", "%"},
    [SITREP_P_ED_MAJORS_OCC] = {"ed_majors_occ_pct", "ED majors and resus occupancy", "%"},
    [SITREP_P_TIME_TO_TREAT] = {"time_to_treatment_min", "Median time to treatment", "min"},
    [SITREP_P_ED_12H_PCT] = {"ed_12h_pct", "ED patients over 12 hours in department", "%"},
    [SITREP_P_GA_OCC] = {"ga_occ_pct", "General and acute bed occupancy", "%"},
    [SITREP_P_ESCALATION_PCT] = {"escalation_pct", "Open G&A beds that are escalation beds", "%"},
    [SITREP_P_NCTR_PCT] = {"nctr_pct", "Occupied beds: no criteria to reside", "%"},
    [SITREP_P_COMMUNITY_OCC] = {"community_occ_pct", "Community bed occupancy", "%"},
    [SITREP_P_UCR_2H_PCT] = {"ucr_2h_pct", "UCR referrals reached within 2 hours", "%"},
    [SITREP_P_MH_OCC] = {"mh_occ_pct", "Mental health bed occupancy", "%"},
    [SITREP_P_MH_OUT_OF_AREA] = {"mh_out_of_area", "Inappropriate out-of-area placements", "count"},
    [SITREP_P_CAT2_MEAN] = {"cat2_mean_min", "Category 2 mean response", "min"},
    [SITREP_P_HOURS_LOST] = {"handover_hours_lost", "Hours lost to handover delays", "h"},
    [SITREP_P_111_ANSWERED_60S] = {"calls_60s_pct", "NHS 111 calls answered within 60 seconds",
                                   "%"},
    [SITREP_P_111_ABANDONED] = {"calls_abandoned_pct", "NHS 111 calls abandoned", "%"},
    [SITREP_P_111_CALLBACKS] = {"callbacks_in_target_pct",
                                "Clinical call-backs within their target time", "%"},
    [SITREP_P_STAFF_ABSENCE] = {"staff_absence_pct", "Staff absence", "%"},
};

const char *sitrep_param_name(int p)
{
    return p >= 0 && p < SITREP_NPARAMS ? params[p].name : "unknown";
}

const char *sitrep_param_label(int p)
{
    return p >= 0 && p < SITREP_NPARAMS ? params[p].label : "unknown";
}

const char *sitrep_param_unit(int p)
{
    return p >= 0 && p < SITREP_NPARAMS ? params[p].unit : "";
}

int sitrep_param_find(const char *name)
{
    for (int p = 0; name && p < SITREP_NPARAMS; p++)
        if (strcmp(name, params[p].name) == 0) return p;
    return -1;
}

/* 100 * num / den with den == 0 giving empty_value (no patients: no breach). */
static int pct(const sitrep_submission *s, int num, int den, double empty_value, double *out)
{
    if (!HAS(s, num) || !HAS(s, den)) return 0;
    double d = VAL(s, den);
    *out = d > 0 ? 100.0 * VAL(s, num) / d : empty_value;
    return 1;
}

static int field(const sitrep_submission *s, int f, double *out)
{
    if (!HAS(s, f)) return 0;
    *out = VAL(s, f);
    return 1;
}

int sitrep_param_value(const sitrep_submission *s, int p, double *out)
{
    switch (p) {
    case SITREP_P_HANDOVER_MEAN:
        return field(s, SITREP_F_HANDOVER_MEAN_MIN, out);
    case SITREP_P_ED_4H_PCT:
        return pct(s, SITREP_F_ED_WITHIN_4H, SITREP_F_ED_ATTENDANCES, 100, out);
    case SITREP_P_ED_VS_EXPECTED:
        return pct(s, SITREP_F_ED_ATTENDANCES, SITREP_F_ED_EXPECTED, 0, out);
    case SITREP_P_ED_MAJORS_OCC:
        return pct(s, SITREP_F_ED_MAJORS_PATIENTS, SITREP_F_ED_MAJORS_SPACES, 0, out);
    case SITREP_P_TIME_TO_TREAT:
        return field(s, SITREP_F_TIME_TO_TREATMENT_MIN, out);
    case SITREP_P_ED_12H_PCT:
        return pct(s, SITREP_F_ED_OVER_12H, SITREP_F_ED_ATTENDANCES, 0, out);
    case SITREP_P_GA_OCC:
    case SITREP_P_ESCALATION_PCT: {
        if (!HAS(s, SITREP_F_GA_BEDS_CORE) || !HAS(s, SITREP_F_GA_BEDS_ESCALATION)) return 0;
        double open = VAL(s, SITREP_F_GA_BEDS_CORE) + VAL(s, SITREP_F_GA_BEDS_ESCALATION);
        int f = p == SITREP_P_GA_OCC ? SITREP_F_GA_BEDS_OCCUPIED : SITREP_F_GA_BEDS_ESCALATION;
        if (!HAS(s, f)) return 0;
        *out = open > 0 ? 100.0 * VAL(s, f) / open : 0;
        return 1;
    }
    case SITREP_P_NCTR_PCT:
        return pct(s, SITREP_F_NCTR_PATIENTS, SITREP_F_GA_BEDS_OCCUPIED, 0, out);
    case SITREP_P_COMMUNITY_OCC:
        return pct(s, SITREP_F_COMMUNITY_OCCUPIED, SITREP_F_COMMUNITY_BEDS, 0, out);
    case SITREP_P_UCR_2H_PCT:
        return pct(s, SITREP_F_UCR_WITHIN_2H, SITREP_F_UCR_REFERRALS, 100, out);
    case SITREP_P_MH_OCC:
        return pct(s, SITREP_F_MH_OCCUPIED, SITREP_F_MH_BEDS, 0, out);
    case SITREP_P_MH_OUT_OF_AREA:
        return field(s, SITREP_F_MH_OUT_OF_AREA, out);
    case SITREP_P_CAT2_MEAN:
        return field(s, SITREP_F_CAT2_MEAN_MIN, out);
    case SITREP_P_HOURS_LOST:
        return field(s, SITREP_F_HANDOVER_HOURS_LOST, out);
    case SITREP_P_111_ANSWERED_60S:
        return pct(s, SITREP_F_CALLS_ANSWERED_60S, SITREP_F_CALLS_ANSWERED, 100, out);
    case SITREP_P_111_ABANDONED:
        return pct(s, SITREP_F_CALLS_ABANDONED, SITREP_F_CALLS_OFFERED, 0, out);
    case SITREP_P_111_CALLBACKS:
        return pct(s, SITREP_F_CALLBACKS_IN_TARGET, SITREP_F_CALLBACKS, 100, out);
    case SITREP_P_STAFF_ABSENCE:
        return field(s, SITREP_F_STAFF_ABSENCE_PCT, out);
    default:
        return 0;
    }
}
