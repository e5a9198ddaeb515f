/* synth.c - a deterministic synthetic history of daily sitreps (SYNTHETIC:
 * invented figures for demonstration and testing, not real NHS data).
 *
 * Each provider's daily pressure z mixes a seasonal wave peaking about
 * 10 January, a flu surge centred on the turn of the year, a persistent
 * provider effect (AR(1), phi = 0.85) and a fixed provider bias; every
 * figure is then drawn around values that rise with z (occupancy, handover
 * delays, ED waits) or fall with it (4-hour and 2-hour performance), and
 * clamped so each record passes sitrep_submission_check. One RNG stream
 * per provider, keyed by its code, so adding a provider changes no other. */
#include "sitrep/sitrep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/tz.h"

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static uint64_t stream_of(const char *org)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = org; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* Seasonal pressure in [0, 1] for a day: winter wave plus flu surge. */
static double season(int64_t day, double flu_centre_doy)
{
    int y, m, d;
    tz_civil_from_days(day, &y, &m, &d);
    double doy = (double)(day - tz_days_from_civil(y, 1, 1));
    const double two_pi = 6.283185307179586;
    double wave = 0.5 + 0.5 * cos(two_pi * (doy - 10) / 365.25);
    /* distance in days to the flu centre, wrapping over the new year */
    double dist = fabs(doy - flu_centre_doy);
    if (dist > 182) dist = 365.25 - dist;
    double flu = 0.35 * exp(-0.5 * (dist / 12) * (dist / 12));
    return 0.45 * wave + flu;
}

/* Monday busiest, weekend quieter (ED and 999 demand). */
static double weekday_factor(int64_t day)
{
    static const double f[7] = {1.10, 1.02, 1.00, 0.99, 1.00, 0.93, 0.92};
    return f[tz_weekday(day)];
}

#define SET(f, x) (s->val.v[f] = (x), s->val.has[f] = 1)

static void acute(sitrep_submission *s, rng *r, double size, double z, double w, int64_t day)
{
    double core = round(size);
    double esc = round(size * clamp(0.004 + 0.06 * (z - 0.35), 0, 0.08));
    double open = core + esc;
    double occ = round(open * clamp(0.86 + 0.12 * z + 0.012 * rng_normal(r), 0.6, 1.0));
    double nctr = round(occ * clamp(0.09 + 0.10 * z + 0.01 * rng_normal(r), 0.02, 0.4));
    double los7 = round(occ * clamp(0.42 + 0.10 * z, 0, 1));
    double los14 = round(los7 * 0.52), los21 = round(los14 * 0.55);
    double cc = round(size * 0.05);
    double ccocc = round(cc * clamp(0.74 + 0.22 * z + 0.05 * rng_normal(r), 0.3, 1.0));
    double expected = round(size * 0.5 * weekday_factor(day) * (1 + 0.06 * w));
    double att = rng_poisson(r, expected * (1 + 0.06 * z));
    double within = round(att * clamp(0.82 - 0.17 * z + 0.025 * rng_normal(r), 0.4, 0.98));
    double over12 = round(att * clamp(0.008 + 0.09 * z * z + 0.004 * rng_normal(r), 0, 0.3));
    if (over12 > att - within) over12 = att - within;
    double spaces = round(size * 0.04) + 1;
    double majors = round(spaces * clamp(0.8 + 0.7 * z + 0.08 * rng_normal(r), 0.3, 3));
    double ttt = round(clamp(40 + 110 * z + 10 * rng_normal(r), 10, 600));
    double arrivals = round(att * 0.3);
    double hmean = round(10 * clamp(16 + 55 * z * z + 4 * rng_normal(r), 8, 400)) / 10;
    double over60 = round(arrivals * clamp(0.01 + 0.3 * z * z * z, 0, 0.6));
    SET(SITREP_F_GA_BEDS_CORE, core);
    SET(SITREP_F_GA_BEDS_ESCALATION, esc);
    SET(SITREP_F_GA_BEDS_OCCUPIED, occ);
    SET(SITREP_F_NCTR_PATIENTS, nctr);
    SET(SITREP_F_LOS_7PLUS, los7);
    SET(SITREP_F_LOS_14PLUS, los14);
    SET(SITREP_F_LOS_21PLUS, los21);
    SET(SITREP_F_CC_BEDS, cc);
    SET(SITREP_F_CC_OCCUPIED, ccocc);
    SET(SITREP_F_ED_EXPECTED, expected);
    SET(SITREP_F_ED_ATTENDANCES, att);
    SET(SITREP_F_ED_WITHIN_4H, within);
    SET(SITREP_F_ED_OVER_12H, over12);
    SET(SITREP_F_ED_MAJORS_SPACES, spaces);
    SET(SITREP_F_ED_MAJORS_PATIENTS, majors);
    SET(SITREP_F_TIME_TO_TREATMENT_MIN, ttt);
    SET(SITREP_F_AMB_ARRIVALS, arrivals);
    SET(SITREP_F_HANDOVER_MEAN_MIN, hmean);
    SET(SITREP_F_HANDOVERS_OVER_60, over60);
    SET(SITREP_F_STAFF_ABSENCE_PCT,
        round(10 * clamp(3.8 + 3 * w + 0.6 * rng_normal(r), 1, 20)) / 10);
}

static void specialist(sitrep_submission *s, rng *r, double size, double z)
{
    double core = round(size), esc = z > 0.7 ? round(size * 0.02) : 0;
    double occ = round((core + esc) * clamp(0.84 + 0.1 * z + 0.015 * rng_normal(r), 0.5, 1));
    SET(SITREP_F_GA_BEDS_CORE, core);
    SET(SITREP_F_GA_BEDS_ESCALATION, esc);
    SET(SITREP_F_GA_BEDS_OCCUPIED, occ);
    SET(SITREP_F_NCTR_PATIENTS, round(occ * clamp(0.03 + 0.05 * z, 0, 0.3)));
    SET(SITREP_F_CC_BEDS, round(size * 0.12));
    SET(SITREP_F_CC_OCCUPIED, round(round(size * 0.12) * clamp(0.8 + 0.15 * z, 0, 1)));
    SET(SITREP_F_STAFF_ABSENCE_PCT,
        round(10 * clamp(3.5 + 3 * z + 0.6 * rng_normal(r), 1, 20)) / 10);
}

static void community(sitrep_submission *s, rng *r, double size, double z, double w, int64_t day)
{
    double occ = round(size * clamp(0.84 + 0.14 * z + 0.02 * rng_normal(r), 0.4, 1));
    double refs = rng_poisson(r, size * 0.35 * (1 + 0.25 * w) * (2 - weekday_factor(day)));
    double within = round(refs * clamp(0.86 - 0.2 * z + 0.04 * rng_normal(r), 0.3, 1));
    double absence = round(10 * clamp(4.5 + 5 * w + 0.8 * rng_normal(r), 1, 25)) / 10;
    SET(SITREP_F_COMMUNITY_BEDS, round(size));
    SET(SITREP_F_COMMUNITY_OCCUPIED, occ);
    SET(SITREP_F_UCR_REFERRALS, refs);
    SET(SITREP_F_UCR_WITHIN_2H, within);
    SET(SITREP_F_STAFF_ABSENCE_PCT, absence);
    if (absence >= 9.5) {
        s->declared_level = 3;
        strcpy(s->reason, "Declared by the on-call director: staff sickness across community "
                          "nursing teams (synthetic)");
    }
}

static void mental_health(sitrep_submission *s, rng *r, double size, double z)
{
    double occ = round(size * clamp(0.90 + 0.09 * z + 0.015 * rng_normal(r), 0.5, 1));
    SET(SITREP_F_MH_BEDS, round(size));
    SET(SITREP_F_MH_OCCUPIED, occ);
    SET(SITREP_F_MH_OUT_OF_AREA, rng_poisson(r, 1 + 7 * z));
    SET(SITREP_F_STAFF_ABSENCE_PCT,
        round(10 * clamp(4.5 + 3 * z + 0.7 * rng_normal(r), 1, 20)) / 10);
}

static void ambulance(sitrep_submission *s, rng *r, double size, double z, double w, int64_t day)
{
    double calls = rng_poisson(r, size * (1 + 0.15 * w) * weekday_factor(day));
    SET(SITREP_F_CALLS, calls);
    SET(SITREP_F_INCIDENTS, round(calls * clamp(0.55 + 0.02 * rng_normal(r), 0.3, 0.8)));
    SET(SITREP_F_CAT2_MEAN_MIN,
        round(10 * clamp(24 + 45 * z * z + 4 * rng_normal(r), 8, 300)) / 10);
    SET(SITREP_F_HANDOVER_HOURS_LOST, round(clamp(30 + 320 * z * z + 15 * rng_normal(r), 0, 3000)));
    SET(SITREP_F_STAFF_ABSENCE_PCT, round(10 * clamp(5 + 3 * w + 0.7 * rng_normal(r), 1, 20)) / 10);
}

/* NHS 111: calls offered follow the season and the weekend (111 is busiest
 * when practices are closed); answering within 60 seconds, abandonment and
 * clinical call-backs in target worsen with pressure. */
static void nhs111(sitrep_submission *s, rng *r, double size, double z, double w, int64_t day)
{
    double offered = rng_poisson(r, size * (1 + 0.2 * w) * (2.1 - weekday_factor(day)));
    double abandoned = round(offered * clamp(0.02 + 0.12 * z * z + 0.01 * rng_normal(r), 0, 0.4));
    double answered = round((offered - abandoned) * clamp(0.99 + 0.005 * rng_normal(r), 0.9, 1));
    double in60 = round(answered * clamp(0.88 - 0.45 * z * z + 0.03 * rng_normal(r), 0.2, 1));
    double callbacks = round(answered * clamp(0.18 + 0.04 * z, 0.05, 0.5));
    double cb_in = round(callbacks * clamp(0.85 - 0.35 * z + 0.04 * rng_normal(r), 0.2, 1));
    SET(SITREP_F_CALLS_OFFERED, offered);
    SET(SITREP_F_CALLS_ANSWERED, answered);
    SET(SITREP_F_CALLS_ANSWERED_60S, in60);
    SET(SITREP_F_CALLS_ABANDONED, abandoned);
    SET(SITREP_F_CALLBACKS, callbacks);
    SET(SITREP_F_CALLBACKS_IN_TARGET, cb_in);
    SET(SITREP_F_STAFF_ABSENCE_PCT, round(10 * clamp(5 + 3 * w + 0.7 * rng_normal(r), 1, 20)) / 10);
}

/* One provider-day's figures into s. */
static void simulate(const sitrep_synth_provider *p, rng *r, double z, double w, int64_t day,
                     sitrep_submission *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->org, p->org, sizeof s->org - 1);
    s->kind = p->kind;
    s->day = day;
    switch (p->kind) {
    case SITREP_ACUTE:
        acute(s, r, p->size, z, w, day);
        break;
    case SITREP_SPECIALIST:
        specialist(s, r, p->size, z);
        break;
    case SITREP_COMMUNITY:
        community(s, r, p->size, z, w, day);
        break;
    case SITREP_MENTAL_HEALTH:
        mental_health(s, r, p->size, z);
        break;
    case SITREP_NHS111:
        nhs111(s, r, p->size, z, w, day);
        break;
    default:
        ambulance(s, r, p->size, z, w, day);
        break;
    }
}

/* Every day of one provider: into out[0..ndays) when out is set, else to fn. */
static int one_provider(const sitrep_synth_provider *p, int64_t day_from, int ndays, uint64_t seed,
                        double flu_centre, sitrep_submission *out, sitrep_synth_fn fn, void *ctx)
{
    rng r;
    rng_seed(&r, seed, stream_of(p->org));
    double bias = 0.12 * rng_normal(&r), ar = 0;
    for (int k = 0; k < ndays; k++) {
        int64_t day = day_from + k;
        double w = season(day, flu_centre);
        ar = 0.85 * ar + 0.527 * 0.5 * rng_normal(&r); /* sd of ar about 0.5 */
        double z = clamp(w + 0.25 * ar + bias, 0, 1.1);
        sitrep_submission s;
        simulate(p, &r, z, w, day, &s);
        if (out) {
            out[k] = s;
            continue;
        }
        int rc = fn(ctx, &s);
        if (rc) return rc;
    }
    return 0;
}

static int is_site(const sitrep_synth_provider *p)
{
    return strlen(p->org) == 5;
}

int sitrep_synth_generate(const sitrep_synth_provider *p, size_t n, int64_t day_from, int ndays,
                          uint64_t seed, sitrep_synth_fn fn, void *ctx, progress_fn prog,
                          void *prog_ctx, ics_err *e)
{
    if (ndays < 0 || ndays > 20000) return ics_err_set(e, ICS_EINVAL, "days must be 0 to 20000");
    for (size_t i = 0; i < n; i++)
        if (p[i].kind < 0 || p[i].kind >= SITREP_NKINDS || !(p[i].size > 0) ||
            (is_site(&p[i]) && p[i].kind != SITREP_ACUTE))
            return ics_err_set(e, ICS_EINVAL,
                               "provider %s: a kind and a size above 0 are needed (sites: acute)",
                               p[i].org);
    rng g;
    rng_seed(&g, seed, 0);
    double flu_centre = 358 + 10 * rng_uniform(&g); /* late December */
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        if (!is_site(&p[i])) {
            rc = one_provider(&p[i], day_from, ndays, seed, flu_centre, NULL, fn, ctx);
            i++;
        } else {
            /* a block of sites of one trust: their returns, then the trust's
             * return for each day combining them */
            size_t j = i + 1;
            while (j < n && is_site(&p[j]) && strncmp(p[j].org, p[i].org, 3) == 0) j++;
            size_t m = j - i;
            sitrep_submission *buf = malloc(m * (size_t)(ndays ? ndays : 1) * sizeof *buf);
            sitrep_submission *day = malloc(m * sizeof *day);
            if (!buf || !day) {
                free(buf);
                free(day);
                return ics_err_set(e, ICS_ENOMEM, "out of memory");
            }
            for (size_t k = 0; k < m; k++)
                one_provider(&p[i + k], day_from, ndays, seed, flu_centre, buf + k * ndays, NULL,
                             NULL);
            for (size_t k = 0; k < m && !rc; k++)
                for (int d = 0; d < ndays && !rc; d++) rc = fn(ctx, &buf[k * ndays + d]);
            char trust[4];
            snprintf(trust, sizeof trust, "%.3s", p[i].org);
            for (int d = 0; d < ndays && !rc; d++) {
                for (size_t k = 0; k < m; k++) day[k] = buf[k * ndays + d];
                sitrep_submission t;
                sitrep_submission_combine(day, m, trust, &t);
                rc = fn(ctx, &t);
            }
            free(buf);
            free(day);
            i = j;
        }
        if (prog) prog(prog_ctx, (double)i / n);
    }
    return rc < 0 ? rc : 0;
}
