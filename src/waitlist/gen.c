/* gen.c - deterministic synthetic NWL patient tracking lists and theatre
 * sessions, for the seeded database, the CLI and the benchmark.
 *
 * Everything here is SYNTHETIC: the specialty mix, priorities, waits, site
 * specialties and capacity are plausible inventions, not NHS data. */
#include "waitlist/waitlist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/synth.h"
#include "core/tz.h"
#include "core/valid.h"

/* Hubs operate Monday to Saturday (GIRFT: six days a week). */
static int operating(int64_t day)
{
    return tz_weekday(day) != 6;
}

/* Surgical treatment function codes (real codes) with an invented share of
 * the admitted PTL, roughly the national shape (T&O and ophthalmology the
 * largest), and invented slots per theatre session. */
const waitlist_specialty waitlist_specialties[] = {
    {110, "Trauma and Orthopaedics", 0.20, 3}, {130, "Ophthalmology", 0.15, 8},
    {100, "General Surgery", 0.12, 4},         {502, "Gynaecology", 0.10, 4},
    {120, "Ear Nose and Throat", 0.09, 5},     {101, "Urology", 0.09, 5},
    {301, "Gastroenterology", 0.07, 8},        {140, "Oral Surgery", 0.06, 6},
    {160, "Plastic Surgery", 0.04, 5},         {104, "Colorectal Surgery", 0.04, 3},
    {103, "Breast Surgery", 0.02, 4},          {107, "Vascular Surgery", 0.02, 3},
};
const size_t waitlist_nspecialties = sizeof waitlist_specialties / sizeof waitlist_specialties[0];

const waitlist_specialty *waitlist_specialty_find(int tfc)
{
    for (size_t k = 0; k < waitlist_nspecialties; k++)
        if (waitlist_specialties[k].tfc == tfc) return &waitlist_specialties[k];
    return NULL;
}

static const char *const procedures[][3] = {
    {"Primary total hip replacement", "Primary total knee replacement", "Carpal tunnel release"},
    {"Phacoemulsification of lens with implant", "Trabeculectomy", "Vitrectomy"},
    {"Laparoscopic cholecystectomy", "Inguinal hernia repair", "Umbilical hernia repair"},
    {"Hysteroscopy", "Total laparoscopic hysterectomy", "Laparoscopic excision of endometriosis"},
    {"Tonsillectomy", "Septoplasty", "Functional endoscopic sinus surgery"},
    {"Transurethral resection of prostate", "Flexible cystoscopy", "Ureteroscopy"},
    {"Colonoscopy", "Upper gastrointestinal endoscopy", "Endoscopic polypectomy"},
    {"Surgical removal of third molar", "Excision of oral lesion", "Dental extraction under GA"},
    {"Excision of skin lesion", "Carpal tunnel release", "Dupuytren's fasciectomy"},
    {"Anterior resection of rectum", "Haemorrhoidectomy", "Right hemicolectomy"},
    {"Wide local excision of breast", "Mastectomy", "Breast reduction"},
    {"Endovenous laser ablation", "Carotid endarterectomy", "Femoral-popliteal bypass"},
};

/* Borough -> trust of listing (invented shares from geography). */
typedef struct trust_mix {
    const char *place;
    const char *trust[4];
    double w[4];
} trust_mix;

static const trust_mix trust_mixes[] = {
    {"E09000005", {"R1K", "RYJ", "RQM", "RAS"}, {0.75, 0.15, 0.05, 0.05}},
    {"E09000009", {"R1K", "RYJ", "RQM", "RAS"}, {0.60, 0.15, 0.15, 0.10}},
    {"E09000013", {"RYJ", "RQM", "R1K", NULL}, {0.60, 0.30, 0.10, 0}},
    {"E09000015", {"R1K", "RAS", "RYJ", NULL}, {0.75, 0.15, 0.10, 0}},
    {"E09000017", {"RAS", "R1K", "RYJ", NULL}, {0.80, 0.15, 0.05, 0}},
    {"E09000018", {"RQM", "R1K", "RAS", "RYJ"}, {0.70, 0.15, 0.10, 0.05}},
    {"E09000020", {"RQM", "RYJ", NULL, NULL}, {0.50, 0.50, 0, 0}},
    {"E09000033", {"RYJ", "RQM", NULL, NULL}, {0.60, 0.40, 0, 0}},
};

/* Mean wait in days by trust: the inequity a joint list should remove. */
static double trust_mean_days(const char *t)
{
    if (!strcmp(t, "RAS")) return 150;
    if (!strcmp(t, "R1K")) return 135;
    if (!strcmp(t, "RYJ")) return 115;
    if (!strcmp(t, "RQM")) return 95;
    return 120;
}

/* The k-th synthetic NHS number: 999 + a scrambled 6-digit serial + check
 * digit; serials with an impossible check digit are skipped, so numbers are
 * distinct for the first ~909,000 entries. */
static void nhs_number(uint64_t *serial, char out[11])
{
    while (synth_nhs_from((uint32_t)((*serial)++ * 7919u % 1000000u), out)) {
    }
}

int waitlist_gen_ptl(const waitlist_district *d, size_t nd, const waitlist_place *pl, size_t np,
                     const waitlist_site *sites, size_t nsites, size_t n, uint64_t seed,
                     int64_t today, waitlist_gen_entry **out, ics_err *e)
{
    *out = NULL;
    if (nd == 0) return ics_err_set(e, ICS_EINVAL, "no postcode districts to draw homes from");
    if (nsites == 0) return ics_err_set(e, ICS_EINVAL, "no sites to take trusts from");
    double *dw = calloc(nd, sizeof *dw);
    waitlist_gen_entry *v = calloc(n + 1, sizeof *v);
    if (!dw || !v) {
        free(dw);
        free(v);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    /* district weight = borough population / districts in the borough */
    for (size_t i = 0; i < nd; i++) {
        double pop = 0;
        size_t cnt = 0;
        for (size_t k = 0; k < np; k++)
            if (!strcmp(pl[k].code, d[i].place)) pop = pl[k].population;
        for (size_t j = 0; j < nd; j++) cnt += !strcmp(d[j].place, d[i].place);
        dw[i] = pop > 0 ? pop / (double)cnt : 1000.0;
    }
    double sw[64];
    size_t ns = waitlist_nspecialties;
    for (size_t k = 0; k < ns; k++) sw[k] = waitlist_specialties[k].share;
    static const double prio_w[4] = {0.005, 0.12, 0.375, 0.50};
    static const double km_v[3] = {15, 25, 40}, km_w[3] = {0.3, 0.5, 0.2};
    static const char letters[] = "ABDEFGHJLNPQRSTUWXYZ";
    rng r;
    rng_seed(&r, seed, 5);
    uint64_t serial = 0;
    for (size_t i = 0; i < n; i++) {
        waitlist_gen_entry *g = &v[i];
        size_t di = synth_pick(&r, dw, nd);
        snprintf(g->district, sizeof g->district, "%s", d[di].district);
        snprintf(g->place, sizeof g->place, "%s", d[di].place);
        char pc[32];
        snprintf(pc, sizeof pc, "%.4s %d%c%c", d[di].district, (int)rng_below(&r, 10),
                 letters[rng_below(&r, 20)], letters[rng_below(&r, 20)]);
        memcpy(g->postcode, pc, sizeof g->postcode - 1);
        g->imd_quintile = 3;
        for (size_t k = 0; k < np; k++)
            if (!strcmp(pl[k].code, d[di].place)) {
                double q[5];
                for (int j = 0; j < 5; j++) q[j] = pl[k].lsoa_q[j];
                g->imd_quintile = (int)synth_pick(&r, q, 5) + 1;
            }
        /* trust: the borough's mix restricted to trusts that have sites */
        const char *trust = NULL;
        for (size_t k = 0; k < sizeof trust_mixes / sizeof trust_mixes[0] && !trust; k++) {
            if (strcmp(trust_mixes[k].place, d[di].place)) continue;
            double w[4];
            for (int j = 0; j < 4; j++) {
                w[j] = 0;
                if (!trust_mixes[k].trust[j]) continue;
                for (size_t s = 0; s < nsites; s++)
                    if (!strcmp(sites[s].trust, trust_mixes[k].trust[j]))
                        w[j] = trust_mixes[k].w[j];
            }
            if (w[0] + w[1] + w[2] + w[3] > 0) trust = trust_mixes[k].trust[synth_pick(&r, w, 4)];
        }
        if (!trust) trust = sites[rng_below(&r, nsites)].trust;
        snprintf(g->p.trust, sizeof g->p.trust, "%s", trust);
        size_t sk = synth_pick(&r, sw, ns);
        g->p.tfc = waitlist_specialties[sk].tfc;
        snprintf(g->procedure, sizeof g->procedure, "%s", procedures[sk][rng_below(&r, 3)]);
        g->p.priority = (int)synth_pick(&r, prio_w, 4) + 1;
        g->p.lat = d[di].lat;
        g->p.lon = d[di].lon;
        g->p.max_km = km_v[synth_pick(&r, km_w, 3)];
        /* wait: exponential by trust, with the tail beyond 78 weeks mostly
         * cleared (trusts treat their longest waiters first) */
        double days = rng_exponential(&r, trust_mean_days(trust));
        for (int t = 0; t < 2 && days > 78 * 7; t++)
            days = rng_exponential(&r, trust_mean_days(trust));
        if (days > 104 * 7) days = 104 * 7 - rng_below(&r, 60);
        g->p.clock_start = today - (int64_t)days;
        int64_t span = today - g->p.clock_start;
        switch (g->p.priority) {
        case 1:
            g->p.priority_date = today - (int64_t)rng_below(&r, 6);
            break;
        case 2:
            g->p.priority_date = today - (int64_t)rng_below(&r, 41);
            break;
        default:
            g->p.priority_date =
                g->p.clock_start + (int64_t)rng_below(&r, (uint64_t)(span < 60 ? span + 1 : 61));
        }
        if (g->p.priority_date < g->p.clock_start) g->p.priority_date = g->p.clock_start;
        if (g->p.priority_date > today) g->p.priority_date = today;
        nhs_number(&serial, g->nhs_number);
        char lid[48];
        snprintf(lid, sizeof lid, "%.3s-%07u", trust, (unsigned)((i + 1) % 10000000u));
        memcpy(g->local_id, lid, sizeof g->local_id - 1);
    }
    free(dw);
    *out = v;
    return 0;
}

/* Specialties by site (invented, loosely after each hospital's profile). */
typedef struct site_mix {
    const char *site;
    int tfc[12];
    double weight; /* theatre capacity relative to an average site */
} site_mix;

static const site_mix site_mixes[] = {
    {"RYJ01", {100, 101, 104, 107, 110, 120, 160, 301}, 1.0},
    {"RYJ02", {100, 101, 103, 110, 120, 140, 160, 301}, 1.3},
    {"RYJ03", {100, 101, 104, 107, 301}, 0.8},
    {"RYJ04", {502}, 0.8},
    {"RYJ07", {130}, 1.5},
    {"R1K01", {100, 101, 103, 104, 110, 120, 130, 140, 301, 502}, 1.2},
    {"R1K02", {100, 110, 120, 130, 101, 502}, 1.6}, /* elective hub */
    {"R1K04", {100, 110, 301, 502, 160}, 0.8},
    {"RQM01", {100, 101, 103, 110, 120, 130, 140, 160, 301, 502}, 1.2},
    {"RQM91", {100, 101, 104, 110, 120, 130, 301, 502}, 1.2},
    {"RAS01", {100, 101, 110, 120, 130, 301, 502, 107}, 0.9},
    {"RAS02", {110, 130, 140, 160, 103}, 1.0},
};

int waitlist_gen_sessions(const waitlist_site *sites, size_t nsites, size_t n,
                          double capacity_share, int64_t today, int days, uint64_t seed,
                          waitlist_session **out, size_t *nout, ics_err *e)
{
    *out = NULL;
    *nout = 0;
    if (days <= 0 || days > 366) return ics_err_set(e, ICS_EINVAL, "horizon must be 1-366 days");
    if (!(capacity_share > 0)) return ics_err_set(e, ICS_EINVAL, "capacity share must be > 0");
    /* which sites offer which specialty, and their weight */
    size_t ns = waitlist_nspecialties;
    double *w = calloc(nsites * ns + 1, sizeof *w);
    if (!w) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t s = 0; s < nsites; s++) {
        const site_mix *m = NULL;
        for (size_t k = 0; k < sizeof site_mixes / sizeof site_mixes[0]; k++)
            if (!strcmp(site_mixes[k].site, sites[s].code)) m = &site_mixes[k];
        for (size_t k = 0; k < ns; k++) {
            if (!m) {
                w[s * ns + k] = 1.0;
                continue;
            }
            for (int j = 0; j < 12 && m->tfc[j]; j++)
                if (m->tfc[j] == waitlist_specialties[k].tfc) w[s * ns + k] = m->weight;
        }
    }
    int opdays = 0;
    for (int t = 0; t < days; t++) opdays += operating(today + t);
    size_t cap = (size_t)nsites * ns * (size_t)days + 1, m = 0;
    waitlist_session *v = malloc(cap * sizeof *v);
    if (!v) {
        free(w);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    rng r;
    rng_seed(&r, seed, 6);
    for (size_t k = 0; k < ns; k++) {
        double tot = 0;
        for (size_t s = 0; s < nsites; s++) tot += w[s * ns + k];
        if (tot <= 0 || opdays == 0) continue;
        double slots_total = capacity_share * waitlist_specialties[k].share * (double)n;
        for (size_t s = 0; s < nsites; s++) {
            if (w[s * ns + k] <= 0) continue;
            double mean = slots_total * w[s * ns + k] / tot / opdays;
            for (int t = 0; t < days; t++) {
                int64_t day = today + t;
                if (!operating(day)) continue;
                unsigned sl = rng_poisson(&r, mean);
                if (sl == 0) continue;
                v[m].site = (int)s;
                v[m].tfc = waitlist_specialties[k].tfc;
                v[m].date = day;
                v[m].slots = (int)sl;
                m++;
            }
        }
    }
    free(w);
    *out = v;
    *nout = m;
    return 0;
}
