/* why.c - a waiting referral's placement in words for the bureau's queue:
 * why no free bed suits it ("2 free beds for stroke rehabilitation, both in
 * male bays", "1 on units not commissioned for Brent (a side room)"), and
 * when a suitable bed is next expected to free up from the
 * length-of-stay forecast. Pure C over the ranked options (match.c) and the
 * forecast (los.c), so the server and the CLI say the same thing. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "beds/beds.h"

/* "stroke_rehabilitation" as "stroke rehabilitation". */
static void type_words(beds_type t, char *buf, size_t n)
{
    snprintf(buf, n, "%s", beds_type_name(t));
    for (char *p = buf; *p; p++)
        if (*p == '_') *p = ' ';
}

/* Append to buf (at *k), keeping it terminated. */
static void put(char *buf, size_t n, size_t *k, const char *s)
{
    size_t m = strlen(s);
    if (*k + m >= n) m = n > *k + 1 ? n - *k - 1 : 0;
    memcpy(buf + *k, s, m);
    *k += m;
    buf[*k] = '\0';
}

int beds_referral_why_not(const beds_board *b, const beds_referral *r, const beds_option *opts,
                          size_t nsuitable, const char *place_name, char *buf, size_t n)
{
    assert(b && r && buf && n > 0);
    char tw[40];
    type_words(r->type, tw, sizeof tw);
    if (nsuitable > 0) {
        snprintf(buf, n, "%zu suitable free bed%s", nsuitable, nsuitable == 1 ? "" : "s");
        return (int)nsuitable;
    }
    /* the free beds whose type would do, by the rule that rules them out */
    /* per rule: free beds it rules out, and how many of them are side rooms */
    enum { BAY_M, BAY_F, UNIT_M, UNIT_F, NOTCOMM, FAR, NPARTS };
    int cnt[NPARTS] = {0}, side[NPARTS] = {0}, typed = 0;
    for (size_t i = 0; i < b->nbeds; i++) {
        const beds_option *o = &opts[i];
        const beds_bed *bd = &b->beds[o->bed];
        if (beds_type_fit(r->type, b->units[bd->unit].type) == BEDS_FIT_NONE) continue;
        typed++;
        /* the engine may name a sex or commissioning rule before "not
         * available" for a bed that will never suit: count free beds only */
        if (!beds_bed_offerable(bd)) continue;
        int part = -1;
        switch (o->why) {
        case BEDS_WHY_SEX_BAY:
            part = bd->bay_sex == 'M' ? BAY_M : BAY_F;
            break;
        case BEDS_WHY_SEX_UNIT:
            part = b->units[bd->unit].sex == 'M' ? UNIT_M : UNIT_F;
            break;
        case BEDS_WHY_NOT_COMMISSIONED:
            part = NOTCOMM;
            break;
        case BEDS_WHY_TOO_FAR:
            part = FAR;
            break;
        default:
            break;
        }
        if (part < 0) continue;
        cnt[part]++;
        side[part] += bd->side_room;
    }
    int nfree = 0;
    for (int i = 0; i < NPARTS; i++) nfree += cnt[i];
    if (nfree == 0) {
        snprintf(buf, n,
                 "no free bed for %s (or an acceptable alternative) in the ICS: all %d such "
                 "beds are occupied, reserved, closed or being cleaned",
                 tw, typed);
        return 0;
    }
    char comm[96];
    snprintf(comm, sizeof comm, "on units not commissioned for %s",
             place_name && *place_name ? place_name : r->place);
    const char *what[NPARTS] = {
        "in male bays", "in female bays",           "on male-only units", "on female-only units",
        comm,           "beyond the distance limit"};
    size_t k = 0;
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%d free bed%s for %s, ", nfree, nfree == 1 ? "" : "s", tw);
    put(buf, n, &k, tmp);
    int kinds = 0;
    for (int i = 0; i < NPARTS; i++) kinds += cnt[i] > 0;
    int first = 1;
    for (int i = 0; i < NPARTS; i++) {
        if (!cnt[i]) continue;
        if (kinds == 1)
            snprintf(tmp, sizeof tmp, "%s%s",
                     nfree == 1   ? ""
                     : nfree == 2 ? "both "
                                  : "all ",
                     what[i]);
        else
            snprintf(tmp, sizeof tmp, "%s%d %s", first ? "" : ", ", cnt[i], what[i]);
        put(buf, n, &k, tmp);
        /* a side room takes either sex, so only the other rules bar one */
        if (side[i] == cnt[i])
            snprintf(tmp, sizeof tmp, " (%s)", cnt[i] == 1 ? "a side room" : "all side rooms");
        else if (side[i])
            snprintf(tmp, sizeof tmp, " (%d of them %s)", side[i],
                     side[i] == 1 ? "a side room" : "side rooms");
        if (side[i]) put(buf, n, &k, tmp);
        first = 0;
    }
    return 0;
}

int beds_next_free(const beds_board *b, const beds_referral *r, beds_policy policy,
                   const double (*disch)[BEDS_FORECAST_DAYS], int *unit_out)
{
    assert(b && r && disch);
    double cum = 0, best_unit = -1;
    int best = -1;
    for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
        for (size_t u = 0; u < b->nunits; u++) {
            const beds_unit *un = &b->units[u];
            if (beds_type_fit(r->type, un->type) == BEDS_FIT_NONE) continue;
            if (un->sex != 'X' && r->sex != 'U' && un->sex != r->sex) continue;
            if (policy == BEDS_POLICY_BOROUGH) {
                int ok = 0;
                for (int p = 0; p < un->nplaces; p++) ok |= !strcmp(un->places[p], r->place);
                if (!ok) continue;
            }
            cum += disch[u][k];
            if (disch[u][k] > best_unit) {
                best_unit = disch[u][k];
                best = (int)u;
            }
        }
        if (cum >= 1.0) {
            if (unit_out) *unit_out = best;
            return k;
        }
    }
    if (unit_out) *unit_out = -1;
    return -1;
}

void beds_cost_words(const beds_referral *r, const beds_option *opt, const beds_match_opts *o,
                     char *buf, size_t n)
{
    assert(r && opt && o && buf && n > 0);
    int64_t tenths = opt->km > 0 ? llround(opt->km * 10.0) : 0;
    int64_t dist = o->w.per_100m * tenths, alt = opt->fit == BEDS_FIT_ALT ? o->w.alt_fit : 0;
    int64_t occ = llround((double)o->w.occupancy * opt->occupancy);
    char km[64];
    if (opt->km >= 0)
        snprintf(km, sizeof km, "%.1f km from home %lld", opt->km, (long long)dist);
    else
        snprintf(km, sizeof km, "home location unknown 0");
    snprintf(buf, n, "%s + %s %lld + unit %.0f%% occupied %lld = %lld", km,
             alt ? "alternative bed type" : "exact bed type", (long long)alt,
             opt->occupancy * 100.0, (long long)occ, (long long)(dist + alt + occ));
    (void)r;
}
