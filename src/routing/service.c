/* service.c - reading a service specification (the text columns of
 * services.csv) into a route_service, and locating a patient by postcode,
 * point or place. Every problem in a specification is reported at once so a
 * directory editor can fix a row in one pass. */
#include "routing/routing.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/problems.h"
#include "core/sb.h"
#include "core/valid.h"

/* Split a list on spaces and commas; call fn for each word. */
static int each_word(const char *list, int (*fn)(void *ctx, const char *w), void *ctx)
{
    if (!list) return 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        if (!*p) break;
        const char *s = p;
        while (*p && *p != ' ' && *p != ',' && *p != '\t') p++;
        char w[64];
        size_t len = (size_t)(p - s);
        if (len >= sizeof w) len = sizeof w - 1;
        memcpy(w, s, len);
        w[len] = '\0';
        int rc = fn(ctx, w);
        if (rc) return rc;
    }
    return 0;
}

typedef struct caps_ctx {
    uint32_t caps;
    sb bad;
} caps_ctx;

static int cap_word(void *ctx, const char *w)
{
    caps_ctx *c = ctx;
    int i = directory_capability_find(w);
    if (i < 0) {
        if (c->bad.len) sb_puts(&c->bad, ", ");
        sb_printf(&c->bad, "'%s'", w);
    } else {
        c->caps |= 1u << i;
    }
    return 0;
}

int routing_caps_parse(const char *list, uint32_t *out, ics_err *e)
{
    caps_ctx c = {0};
    sb_init(&c.bad);
    each_word(list, cap_word, &c);
    *out = c.caps;
    if (c.bad.len) {
        sb all;
        sb_init(&all);
        for (int i = 0; directory_capabilities[i]; i++)
            sb_printf(&all, "%s%s", i ? ", " : "", directory_capabilities[i]);
        ics_err_set(e, ICS_EINVAL, "unknown capability %s (known: %s)", c.bad.buf,
                    all.buf ? all.buf : "");
        sb_free(&all);
        sb_free(&c.bad);
        return ICS_EINVAL;
    }
    sb_free(&c.bad);
    return 0;
}

void routing_caps_format(uint32_t caps, const char *sep, char *buf, int n)
{
    int len = 0;
    if (n > 0) buf[0] = '\0';
    for (int i = 0; directory_capabilities[i] && len < n; i++)
        if (caps & (1u << i))
            len += snprintf(buf + len, (size_t)(n - len), "%s%s", len ? sep : "",
                            directory_capabilities[i]);
}

static int int_field(const char *v, int lo, int hi, int def, int *out)
{
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) return -1;
    *out = (int)x;
    return 0;
}

typedef struct list_ctx {
    char (*dst)[ROUTE_CODE];
    int *n, max;
    int kind; /* 0 place, 1 district */
    problems *p;
} list_ctx;

static int code_word(void *ctx, const char *w)
{
    list_ctx *c = ctx;
    ics_err e = {0};
    char norm[5];
    if (c->kind == 0 && valid_ons_code(w, &e)) {
        problems_add(c->p, "place '%s' is not an ONS area code%s", w, "");
        return 0;
    }
    if (c->kind == 1) {
        if (valid_postcode_district(w, norm, &e)) {
            problems_add(c->p, "district '%s' is not a postcode district%s", w, "");
            return 0;
        }
        w = norm;
    }
    if (*c->n == c->max) {
        problems_add(c->p, "too many entries at '%s'%s", w, "");
        return 1;
    }
    snprintf(c->dst[(*c->n)++], ROUTE_CODE, "%s", w);
    return 0;
}

typedef struct excl_ctx {
    route_service *s;
    problems *p;
} excl_ctx;

static int excl_word(void *ctx, const char *w)
{
    excl_ctx *c = ctx;
    if (c->s->nexclusions == ROUTE_MAX_WORDS) {
        problems_add(c->p, "too many exclusions at '%s'%s", w, "");
        return 1;
    }
    snprintf(c->s->exclusions[c->s->nexclusions++], ROUTE_CODE * 2, "%s", w);
    return 0;
}

static void copy(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

int routing_service_parse(const route_service_text *t, route_service *s, ics_err *e)
{
    memset(s, 0, sizeof *s);
    problems p;
    problems_init(&p);
    ics_err sub = {0};
    if (!t->id || !*t->id || strlen(t->id) >= sizeof s->id)
        problems_add(&p, "service_id '%s' must be 1-31 characters%s", t->id ? t->id : "", "");
    copy(s->id, sizeof s->id, t->id);
    if (!t->name || !*t->name) problems_add(&p, "name is empty%s%s", "", "");
    copy(s->name, sizeof s->name, t->name);
    copy(s->kind, sizeof s->kind, t->kind && *t->kind ? t->kind : "other");
    copy(s->provider, sizeof s->provider, t->provider);
    if (valid_ods_code(s->provider, &sub))
        problems_add(&p, "provider_ods '%s' is not an ODS code%s", s->provider, "");
    copy(s->site, sizeof s->site, t->site);
    list_ctx pl = {s->places, &s->nplaces, ROUTE_MAX_PLACES, 0, &p};
    each_word(t->places, code_word, &pl);
    list_ctx di = {s->districts, &s->ndistricts, ROUTE_MAX_DISTRICTS, 1, &p};
    each_word(t->districts, code_word, &di);
    if (s->nplaces == 0 && s->ndistricts == 0)
        problems_add(&p, "no catchment: give places or districts%s%s", "", "");
    if (directory_hours_parse(t->hours, &s->hours, &sub)) problems_add(&p, "%s%s", sub.msg, "");
    if (!t->capabilities || !*t->capabilities)
        problems_add(&p, "no capabilities%s%s", "", "");
    else if (routing_caps_parse(t->capabilities, &s->caps, &sub)) {
        char *known = strstr(sub.msg, " (known:"); /* keep the row's message short */
        if (known) *known = '\0';
        problems_add(&p, "%s%s", sub.msg, "");
    }
    if (int_field(t->min_age, 0, 130, -1, &s->min_age))
        problems_add(&p, "min_age '%s' is not an age 0-130%s", t->min_age, "");
    if (int_field(t->max_age, 0, 130, -1, &s->max_age))
        problems_add(&p, "max_age '%s' is not an age 0-130%s", t->max_age, "");
    if (s->min_age >= 0 && s->max_age >= 0 && s->max_age < s->min_age)
        problems_add(&p, "max_age %s is below min_age %s", t->max_age, t->min_age);
    excl_ctx ex = {s, &p};
    each_word(t->exclusions, excl_word, &ex);
    if (int_field(t->response_minutes, 1, 10080, 0, &s->response_minutes) ||
        s->response_minutes == 0)
        problems_add(&p, "response_minutes '%s' must be 1-10080%s",
                     t->response_minutes ? t->response_minutes : "", "");
    if (int_field(t->daily_capacity, 0, 100000, 0, &s->daily_capacity))
        problems_add(&p, "daily_capacity '%s' must be 0-100000%s", t->daily_capacity, "");
    copy(s->phone, sizeof s->phone, t->phone);
    s->active = 1;
    s->capacity_today = s->daily_capacity;
    int rc = problems_done(&p, e);
    if (rc) ics_err_prefix(e, "service '%s': ", s->id);
    return rc;
}

/* ---- locating the patient ---------------------------------------------- */

static const route_district *find_district(const route_district *d, int nd, const char *code)
{
    for (int i = 0; i < nd; i++)
        if (strcmp(d[i].district, code) == 0) return &d[i];
    return NULL;
}

static void set_from_district(route_location *o, const route_district *d)
{
    o->has_loc = 1;
    o->lat = d->lat;
    o->lon = d->lon;
    copy(o->place, sizeof o->place, d->place);
    copy(o->district, sizeof o->district, d->district);
}

static int locate_postcode(const route_district *d, int nd, const char *pc, route_location *o,
                           ics_err *e)
{
    char full[9], out[5], pe[sizeof e->msg];
    ics_err sub = {0};
    if (valid_postcode(pc, full, &sub) == 0) {
        valid_postcode_outward(full, out);
    } else {
        snprintf(pe, sizeof pe, "%s", sub.msg);
        if (valid_postcode_district(pc, out, &sub)) return ics_err_set(e, ICS_EINVAL, "%s", pe);
    }
    const route_district *hit = find_district(d, nd, out);
    char shorter[5];
    copy(shorter, sizeof shorter, out);
    size_t len = strlen(shorter);
    /* W1T, SW1A, WC2N: the table may keep only the district without its letter */
    if (!hit && len >= 3 && isalpha((unsigned char)shorter[len - 1])) {
        shorter[len - 1] = '\0';
        hit = find_district(d, nd, shorter);
    }
    if (!hit) {
        copy(o->district, sizeof o->district, out);
        snprintf(o->how, sizeof o->how,
                 "postcode district %s is not in the NWL directory: outside the ICS", out);
        return 0;
    }
    set_from_district(o, hit);
    if (hit->place[0])
        snprintf(o->how, sizeof o->how, "located by postcode district %s", hit->district);
    else
        snprintf(o->how, sizeof o->how, "located by postcode district %s, which is outside the ICS",
                 hit->district);
    return 0;
}

int routing_locate(const route_district *d, int nd, const char *postcode, int has_ll, double lat,
                   double lon, const char *place, route_location *o, ics_err *e)
{
    memset(o, 0, sizeof *o);
    int given = (postcode && *postcode) + (has_ll != 0) + (place && *place);
    if (given == 0)
        return ics_err_set(e, ICS_EINVAL,
                           "no location: give a postcode, a latitude and longitude, or a place");
    if (given > 1)
        return ics_err_set(e, ICS_EINVAL,
                           "give one location only: a postcode, a latitude and longitude, or a "
                           "place");
    if (postcode && *postcode) return locate_postcode(d, nd, postcode, o, e);
    if (has_ll) {
        if (!(lat >= 49.0 && lat <= 61.0 && lon >= -9.0 && lon <= 2.5))
            return ics_err_set(e, ICS_EINVAL,
                               "latitude %.5f, longitude %.5f is not in the United Kingdom", lat,
                               lon);
        o->has_loc = 1;
        o->lat = lat;
        o->lon = lon;
        const route_district *best = NULL;
        double bk = 1e9;
        for (int i = 0; i < nd; i++) {
            double k = geo_km(lat, lon, d[i].lat, d[i].lon);
            if (k < bk) bk = k, best = &d[i];
        }
        if (best && bk <= 5.0) {
            copy(o->place, sizeof o->place, best->place);
            copy(o->district, sizeof o->district, best->district);
            snprintf(o->how, sizeof o->how,
                     "located by coordinates; nearest postcode district %s (%.1f km)%s",
                     best->district, bk, best->place[0] ? "" : ", outside the ICS");
        } else {
            snprintf(o->how, sizeof o->how,
                     "located by coordinates; no NWL postcode district within 5 km: outside "
                     "the ICS");
        }
        return 0;
    }
    double sl = 0, so = 0;
    int k = 0;
    for (int i = 0; i < nd; i++)
        if (strcmp(d[i].place, place) == 0) sl += d[i].lat, so += d[i].lon, k++;
    if (k == 0) return ics_err_set(e, ICS_EINVAL, "place '%s' is not a place of the ICS", place);
    o->has_loc = 1;
    o->lat = sl / k;
    o->lon = so / k;
    copy(o->place, sizeof o->place, place);
    snprintf(o->how, sizeof o->how,
             "located at the centre of place %s (no postcode given: distances are approximate)",
             place);
    return 0;
}
