/* sitrep.h - daily situation reports, OPEL escalation levels, SPC signals
 * and mutual aid: the engine behind `icsflow sitrep` and /api/v1/sitrep.
 *
 * Plain structs in, plain structs out: no I/O, SQL or JSON. Field
 * definitions per provider kind, validation, OPEL scoring from thresholds
 * held as data, the ICS roll-up, XmR charts, the mutual-aid lifecycle and
 * suggestion ranking, and a deterministic synthetic year of sitreps. */
#ifndef ICS_SITREP_SITREP_H
#define ICS_SITREP_SITREP_H

#include <stddef.h>
#include <stdint.h>

#include "core/csv.h"
#include "core/error.h"
#include "core/progress.h"

/* ---- provider kinds ---------------------------------------------------- */

enum {
    SITREP_ACUTE,
    SITREP_SPECIALIST,
    SITREP_COMMUNITY,
    SITREP_MENTAL_HEALTH,
    SITREP_AMBULANCE,
    SITREP_NHS111, /* the ICS's NHS 111 (integrated urgent care) provider */
    SITREP_NKINDS
};

/* "acute", "specialist", "community", "mental_health", "ambulance", "nhs111". */
const char *sitrep_kind_name(int kind);
/* Kind of a name, or -1 (the directory's "ics" kind submits no sitrep). */
int sitrep_kind_find(const char *name);

/* ---- fields ------------------------------------------------------------- */

/* Every figure any provider kind submits. A field applies to some kinds and
 * is required for some of those; values are held as doubles and integer
 * fields must have no fractional part. */
enum {
    SITREP_F_AMB_ARRIVALS,
    SITREP_F_HANDOVER_MEAN_MIN,
    SITREP_F_HANDOVERS_OVER_60,
    SITREP_F_ED_ATTENDANCES,
    SITREP_F_ED_EXPECTED,
    SITREP_F_ED_WITHIN_4H,
    SITREP_F_ED_OVER_12H,
    SITREP_F_ED_MAJORS_SPACES,
    SITREP_F_ED_MAJORS_PATIENTS,
    SITREP_F_TIME_TO_TREATMENT_MIN,
    SITREP_F_GA_BEDS_CORE,
    SITREP_F_GA_BEDS_ESCALATION,
    SITREP_F_GA_BEDS_OCCUPIED,
    SITREP_F_NCTR_PATIENTS,
    SITREP_F_CC_BEDS,
    SITREP_F_CC_OCCUPIED,
    SITREP_F_LOS_7PLUS,
    SITREP_F_LOS_14PLUS,
    SITREP_F_LOS_21PLUS,
    SITREP_F_COMMUNITY_BEDS,
    SITREP_F_COMMUNITY_OCCUPIED,
    SITREP_F_UCR_REFERRALS,
    SITREP_F_UCR_WITHIN_2H,
    SITREP_F_MH_BEDS,
    SITREP_F_MH_OCCUPIED,
    SITREP_F_MH_OUT_OF_AREA,
    SITREP_F_CALLS,
    SITREP_F_INCIDENTS,
    SITREP_F_CAT2_MEAN_MIN,
    SITREP_F_HANDOVER_HOURS_LOST,
    SITREP_F_CALLS_OFFERED,       /* NHS 111: calls offered (received) */
    SITREP_F_CALLS_ANSWERED,      /* NHS 111: calls answered */
    SITREP_F_CALLS_ANSWERED_60S,  /* NHS 111: answered within 60 seconds */
    SITREP_F_CALLS_ABANDONED,     /* NHS 111: abandoned by the caller */
    SITREP_F_CALLBACKS,           /* NHS 111: clinical call-backs due */
    SITREP_F_CALLBACKS_IN_TARGET, /* NHS 111: of those, made within their target time */
    SITREP_F_STAFF_ABSENCE_PCT,
    SITREP_NFIELDS
};

typedef struct sitrep_field_def {
    const char *name;  /* JSON/CSV name, e.g. "ga_beds_occupied" */
    const char *label; /* for people */
    int is_int;
    double min, max;   /* inclusive range */
    unsigned kinds;    /* bit (1 << kind) for each kind it applies to */
    unsigned required; /* bit per kind for which it must be present */
} sitrep_field_def;

const sitrep_field_def *sitrep_field(int f);
/* Field index of a name, or -1. */
int sitrep_field_find(const char *name);
int sitrep_field_applies(int f, int kind);

typedef struct sitrep_values {
    double v[SITREP_NFIELDS];
    unsigned char has[SITREP_NFIELDS];
} sitrep_values;

#define SITREP_REASON_MAX 400

/* One provider-day as submitted. org is the provider's ODS code: a trust
 * (3 characters) or an acute site (5). day is a local day number. */
typedef struct sitrep_submission {
    char org[8];
    int kind;
    int64_t day;
    sitrep_values val;
    int declared_level;             /* 0 when none declared */
    char reason[SITREP_REASON_MAX]; /* required with a declared level */
} sitrep_submission;

/* Set a field by name, checking that it applies to the kind.
 * ICS_EINVAL naming the field otherwise. */
int sitrep_values_set(sitrep_values *v, int kind, const char *name, double x, ics_err *e);

/* Validate a submission: every required field present, integer fields whole,
 * ranges, consistency (occupied beds never above open beds, so occupancy
 * over 100% is rejected; counts within their totals; 21+ <= 14+ <= 7+ day
 * stays), the day not after today and, when max_age_days > 0, not older
 * than that (the national sitrep is amendable for 14 days), a declared
 * level 1-4 with a reason. All problems are collected into one message. */
int sitrep_submission_check(const sitrep_submission *s, int64_t today, int max_age_days,
                            ics_err *e);

/* Combine several site submissions of one trust into a trust-level one:
 * counts and beds add up; mean/median minutes and percentages are weighted
 * (by ambulance arrivals, ED attendances, beds). Fields present in any site
 * are present in the result. n >= 1; all must have the same kind. */
void sitrep_submission_combine(const sitrep_submission *sites, size_t n, const char *trust,
                               sitrep_submission *out);

/* Bed base used to weight a provider in the roll-up (open G&A, community or
 * mental health beds); 0 for the ambulance service. */
double sitrep_submission_beds(const sitrep_submission *s);

/* ---- OPEL parameters and thresholds ------------------------------------ */

/* Parameters derived from the fields; the thresholds table scores them. */
enum {
    SITREP_P_HANDOVER_MEAN,    /* mean ambulance handover, minutes */
    SITREP_P_ED_4H_PCT,        /* ED 4-hour performance, % (lower is worse) */
    SITREP_P_ED_VS_EXPECTED,   /* ED attendances against expected, % */
    SITREP_P_ED_MAJORS_OCC,    /* ED majors and resus occupancy, % */
    SITREP_P_TIME_TO_TREAT,    /* median time to treatment, minutes */
    SITREP_P_ED_12H_PCT,       /* ED patients over 12 hours in department, % */
    SITREP_P_GA_OCC,           /* general and acute bed occupancy, % */
    SITREP_P_ESCALATION_PCT,   /* open G&A beds that are escalation beds, % */
    SITREP_P_NCTR_PCT,         /* occupied G&A beds: no criteria to reside, % */
    SITREP_P_COMMUNITY_OCC,    /* community bed occupancy, % */
    SITREP_P_UCR_2H_PCT,       /* UCR referrals reached within 2 hours, % (lower worse) */
    SITREP_P_MH_OCC,           /* mental health bed occupancy, % */
    SITREP_P_MH_OUT_OF_AREA,   /* inappropriate out-of-area placements, count */
    SITREP_P_CAT2_MEAN,        /* category 2 mean response, minutes */
    SITREP_P_HOURS_LOST,       /* hours lost to handover delays */
    SITREP_P_111_ANSWERED_60S, /* NHS 111 calls answered within 60 s, % of answered (lower worse) */
    SITREP_P_111_ABANDONED,    /* NHS 111 calls abandoned, % of offered */
    SITREP_P_111_CALLBACKS,    /* clinical call-backs within target, % (lower worse) */
    SITREP_P_STAFF_ABSENCE,    /* staff absence, % */
    SITREP_NPARAMS
};

const char *sitrep_param_name(int p);  /* "handover_mean_min" */
const char *sitrep_param_label(int p); /* "Mean ambulance handover time" */
const char *sitrep_param_unit(int p);  /* "min", "%", "count", "h" */
int sitrep_param_find(const char *name);
/* Value of parameter p for a submission; 0 when it cannot be computed
 * (a field missing), 1 when *out holds the value. */
int sitrep_param_value(const sitrep_submission *s, int p, double *out);

/* How one parameter scores for one provider kind: the value falls in band
 * 1..4; from[k] is where band k+2 starts (inclusive: a value exactly on a
 * threshold is in the worse band). With lower_worse, bands go downward
 * (band 2 when value <= from[0], ...). points[b] is scored for band b+1 and
 * multiplied by weight. */
typedef struct sitrep_rule {
    int kind, param;
    int lower_worse;
    double from[3];
    double points[4];
    double weight;
} sitrep_rule;

typedef struct sitrep_thresholds sitrep_thresholds;

sitrep_thresholds *sitrep_thresholds_new(void);
void sitrep_thresholds_free(sitrep_thresholds *t);
/* Add (or replace) the rule for (kind, param). Thresholds must be strictly
 * increasing (decreasing when lower_worse), points non-decreasing, weight > 0. */
int sitrep_thresholds_add(sitrep_thresholds *t, const sitrep_rule *r, ics_err *e);
/* Level cut-offs for a kind: total <= max[0] is OPEL 1, <= max[1] OPEL 2,
 * <= max[2] OPEL 3, above that OPEL 4. Strictly increasing. */
int sitrep_thresholds_levels(sitrep_thresholds *t, int kind, const double max[3], ics_err *e);
size_t sitrep_thresholds_count(const sitrep_thresholds *t);
const sitrep_rule *sitrep_thresholds_rule(const sitrep_thresholds *t, size_t i);
/* 1 and the cut-offs when a kind has rules and levels. */
int sitrep_thresholds_kind(const sitrep_thresholds *t, int kind, double max[3]);
/* A complete set: every kind with rules has level cut-offs and the reverse. */
int sitrep_thresholds_check(const sitrep_thresholds *t, ics_err *e);
/* Load from the two CSV documents of data/opel_thresholds.csv and
 * data/opel_levels.csv (columns documented in docs/sitrep.md); errors name
 * the line. A kind with rules but no levels (or the reverse) is an error. */
int sitrep_thresholds_from_csv(const csv_doc *rules, const csv_doc *levels, sitrep_thresholds **out,
                               ics_err *e);
/* Band (1..4) of value v under rule r. */
int sitrep_rule_band(const sitrep_rule *r, double v);

/* ---- scoring ------------------------------------------------------------ */

typedef struct sitrep_driver {
    int param;
    double value;
    int band;      /* 1..4 */
    double points; /* points[band-1] */
    double weight;
    double contribution; /* points x weight */
    double excess;       /* (points - points at band 1) x weight: how far it pushed the total */
} sitrep_driver;

enum { SITREP_LEVEL_NONE = 0, SITREP_LEVEL_COMPUTED = 1, SITREP_LEVEL_DECLARED = 2 };

typedef struct sitrep_score {
    int computed;                /* 1 when the kind has thresholds */
    double total;                /* sum of contributions */
    double min_total, max_total; /* all parameters in band 1 / band 4 */
    int level_computed;          /* 1..4, 0 when not computed */
    int level;                   /* the level that stands: computed for acute trusts,
                                    declared when a non-acute provider declared one */
    int source;                  /* SITREP_LEVEL_* */
    size_t ndrivers;
    sitrep_driver drivers[SITREP_NPARAMS]; /* sorted: largest excess first */
    size_t nmissing;
    int missing[SITREP_NPARAMS]; /* parameters with rules but no value */
} sitrep_score;

/* Score a (validated) submission. A kind without thresholds needs a
 * declared level (ICS_EINVAL otherwise). An acute provider's level is
 * always the computed one; a declared level is kept alongside. */
int sitrep_score_compute(const sitrep_thresholds *t, const sitrep_submission *s, sitrep_score *out,
                         ics_err *e);
/* Level 1..4 of a total under cut-offs max[3]. */
int sitrep_level_of(const double max[3], double total);

/* ---- ICS roll-up -------------------------------------------------------- */

/* The four pillars the OPEL framework 2024-26 forms an ICS's overall score
 * from: acute (acute and specialist trusts), community health services,
 * mental health and NHS 111. The ambulance service is in none. */
enum {
    SITREP_PILLAR_ACUTE,
    SITREP_PILLAR_COMMUNITY,
    SITREP_PILLAR_MENTAL_HEALTH,
    SITREP_PILLAR_NHS111,
    SITREP_NPILLARS
};

/* Pillar of a provider kind, -1 for the ambulance service. */
int sitrep_pillar_of(int kind);
/* "acute", "community", "mental_health", "nhs111". */
const char *sitrep_pillar_name(int pillar);
/* Pillar of a name, or -1. */
int sitrep_pillar_find(const char *name);

typedef struct sitrep_rollup_item {
    int kind;
    int level; /* 1..4; 0 = no sitrep (skipped) */
    double beds;
} sitrep_rollup_item;

typedef struct sitrep_rollup {
    double pillar_mean[SITREP_NKINDS]; /* size-weighted mean level per kind */
    int pillar_level[SITREP_NKINDS];   /* rounded half up; 0 when no providers */
    int pillar_n[SITREP_NKINDS];
    int pillar_max[SITREP_NKINDS];          /* highest provider level per kind, 0 when none */
    double framework_mean[SITREP_NPILLARS]; /* size-weighted mean level per OPEL pillar */
    int framework_level[SITREP_NPILLARS];   /* rounded half up; 0 when the pillar has no return */
    int framework_max[SITREP_NPILLARS];     /* highest provider level in the pillar */
    double ics_mean;                        /* mean of the framework pillars that have a return */
    int ics_level;
    int n; /* providers counted */
} sitrep_rollup;

/* Per kind and per framework pillar: the mean of provider levels weighted
 * by size (beds), as the published ICS implementation weights trusts; a
 * group whose providers all have 0 beds (NHS 111) is averaged unweighted.
 * The ICS overall level is the mean of the framework pillars that have a
 * return (each pillar counts once, as the framework forms the overall
 * score from the pillars' scores), rounded half up; the ambulance service
 * is in no pillar. */
void sitrep_rollup_compute(const sitrep_rollup_item *items, size_t n, sitrep_rollup *out);

/* ---- escalation actions --------------------------------------------------- */

/* Escalation actions are data per ICS: for a pillar (or the whole ICS) and
 * a level, what to do and who owns it. The OPEL framework 2024-26 asks an
 * ICS to enact a pillar's actions for a level when a provider of that
 * pillar reaches it, and every pillar's actions of a level when the ICS
 * overall level reaches it. */
#define SITREP_PILLAR_ICS SITREP_NPILLARS /* "ics": actions of the system as a whole */
#define SITREP_ACTION_MAX 500             /* bytes of an action's text */
#define SITREP_NOTE_MAX   1000            /* bytes of a note */

/* Pillar of an action: a SITREP_PILLAR_* or SITREP_PILLAR_ICS; -1 unknown. */
int sitrep_action_pillar_find(const char *name);
const char *sitrep_action_pillar_name(int pillar);

/* 1 when an action for (pillar, level) is due: its pillar's highest
 * provider level (pillar_max, indexed by SITREP_PILLAR_*; 0 when no
 * return) or the ICS overall level has reached level; for SITREP_PILLAR_ICS
 * only the ICS level counts. Levels are cumulative: at OPEL 4 the OPEL 3
 * actions are due too. */
int sitrep_action_due(int pillar, int level, const int pillar_max[SITREP_NPILLARS], int ics_level);

/* Check one action definition: a known pillar, level 1-4, text 1 to
 * SITREP_ACTION_MAX bytes with no control characters, an owner role known
 * to the caller (role_ok). Problems are appended to msg (one line). */
int sitrep_action_check(const char *pillar, long long level, const char *text, int role_ok,
                        ics_err *e);

/* ---- statistical process control --------------------------------------- */

enum {
    SITREP_SPC_OUTSIDE = 1,     /* beyond mean +- 2.66 mean moving range */
    SITREP_SPC_SHIFT = 2,       /* part of 7+ in a row on one side of the mean */
    SITREP_SPC_TREND = 4,       /* part of 7+ in a row each rising (or falling) */
    SITREP_SPC_TWO_OF_THREE = 8 /* 2 of 3 beyond 2 sigma on the same side */
};

typedef struct sitrep_spc {
    size_t n;
    double mean, mr_mean, sigma; /* sigma = mr_mean / 1.128 */
    double ucl, lcl;             /* mean +- 2.66 mr_mean */
    unsigned *flags;             /* n entries of SITREP_SPC_* bits */
    int nsignals;                /* points with any flag */
} sitrep_spc;

/* XmR chart of x[0..n) (n >= 2). Fills out (flags allocated; free with
 * sitrep_spc_free). ICS_EINVAL when n < 2. */
int sitrep_spc_compute(const double *x, size_t n, sitrep_spc *out, ics_err *e);
void sitrep_spc_free(sitrep_spc *s);

/* ---- mutual aid --------------------------------------------------------- */

enum {
    SITREP_AID_OPEN,
    SITREP_AID_OFFERED,
    SITREP_AID_AGREED,
    SITREP_AID_FULFILLED,
    SITREP_AID_WITHDRAWN,
    SITREP_AID_NSTATES
};
enum { SITREP_AID_OFFER, SITREP_AID_AGREE, SITREP_AID_FULFIL, SITREP_AID_WITHDRAW };
enum { SITREP_RES_STAFF, SITREP_RES_BEDS, SITREP_RES_THEATRE, SITREP_RES_EQUIPMENT, SITREP_NRES };

const char *sitrep_aid_state_name(int st); /* "open", ... */
int sitrep_aid_state_find(const char *name);
const char *sitrep_aid_action_name(int a); /* "offer", "agree", "fulfil", "withdraw" */
int sitrep_aid_action_find(const char *name);
const char *sitrep_resource_name(int r); /* "staff", "beds", "theatre", "equipment" */
int sitrep_resource_find(const char *name);

typedef struct sitrep_aid_request {
    char org[8];     /* requesting organisation */
    int resource;    /* SITREP_RES_* */
    char detail[64]; /* staff role or bed type; see docs */
    int quantity;    /* 1..1000 */
    int64_t day_from, day_to;
    int urgency; /* 1 routine, 2 urgent, 3 critical */
} sitrep_aid_request;

/* "routine", "urgent", "critical" <-> 1..3 (0 / -1 when unknown). */
const char *sitrep_urgency_name(int u);
int sitrep_urgency_find(const char *name);

/* Validate a new request (today: local day number). Collects all problems. */
int sitrep_aid_request_check(const sitrep_aid_request *r, int64_t today, ics_err *e);

/* Who acts: coordinators and admins act for anyone; trust_ops act for
 * their own organisation (org, "" when none). */
typedef struct sitrep_aid_actor {
    int coordinator;
    const char *org;
} sitrep_aid_actor;

/* The lifecycle open -> offered -> agreed -> fulfilled, withdrawn from any
 * state before fulfilled. offer: by an organisation other than the
 * requester (offer_org), while open or offered. agree: the requester (or a
 * coordinator) accepts an offer, while offered. fulfil: the requester, the
 * agreed offerer or a coordinator, once agreed. withdraw: the requester or
 * a coordinator. ICS_ECONFLICT for a transition the state does not allow,
 * ICS_EFORBID for an actor who may not take it. */
int sitrep_aid_step(int state, int action, const char *requester, const char *offer_org,
                    const sitrep_aid_actor *who, int *next, ics_err *e);

/* A candidate helper with its latest sitrep. */
typedef struct sitrep_aid_candidate {
    char org[8];
    int kind;
    int level;         /* latest level 1..4, 0 = no recent sitrep */
    double pressure;   /* (total - min) / (max - min) in [0,1]; level-based when not computed */
    double spare_beds; /* open minus occupied beds of the requested type */
    double staff_absence_pct; /* -1 when unknown */
    double km;                /* distance to the requester, -1 when unknown */
} sitrep_aid_candidate;

typedef struct sitrep_aid_suggestion {
    size_t index;    /* into the candidate array */
    double rank_key; /* lower first */
    char reason[160];
} sitrep_aid_suggestion;

/* Rank candidates for a request: same kind of capacity (beds of the asked
 * type; theatres at acute and specialist trusts; staff roles by the kinds
 * that employ them), never the requester, never a provider at OPEL 4 or
 * without a sitrep; then lower level, lower pressure, more spare capacity,
 * nearer. Writes up to max suggestions; returns how many. */
size_t sitrep_aid_suggest(const sitrep_aid_request *r, const sitrep_aid_candidate *c, size_t n,
                          sitrep_aid_suggestion *out, size_t max);

/* ---- synthetic history -------------------------------------------------- */

/* A provider to simulate: its code, kind and size (beds or, for the
 * ambulance service, daily calls). */
typedef struct sitrep_synth_provider {
    char org[8];
    int kind;
    double size;
} sitrep_synth_provider;

/* Receives each generated provider-day; return non-zero to stop. */
typedef int (*sitrep_synth_fn)(void *ctx, const sitrep_submission *s);

/* A deterministic synthetic year (or any span) of daily sitreps with winter
 * pressure: a seasonal wave peaking in early January, a flu surge in
 * December-January, weekday patterns and a persistent (AR(1)) provider
 * effect; every figure consistent with the validation rules. Same seed,
 * same providers, same days: the same figures. Acute sites (5-character
 * codes) listed together are simulated each with its own size; after a
 * trust's sites come the trust's returns, one a day, combining them
 * (sitrep_submission_combine), so list a trust either as itself or by its
 * sites, not both. Order: provider by provider, each in day order. */
int sitrep_synth_generate(const sitrep_synth_provider *p, size_t n, int64_t day_from, int ndays,
                          uint64_t seed, sitrep_synth_fn fn, void *ctx, progress_fn prog,
                          void *prog_ctx, ics_err *e);

#endif
