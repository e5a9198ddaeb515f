/* collections.c - the one description of every directory collection:
 * columns, kinds, validators and references (see directory.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/valid.h"
#include "directory/directory.h"

static int chk_ons(char *v, ics_err *e)
{
    return valid_ons_code(v, e);
}

static int chk_ods(char *v, ics_err *e)
{
    return valid_ods_code(v, e);
}

static int chk_postcode(char *v, ics_err *e)
{
    char out[9];
    if (valid_postcode(v, out, e)) return ICS_EINVAL;
    strcpy(v, out);
    return 0;
}

static int chk_district(char *v, ics_err *e)
{
    char out[5];
    if (valid_postcode_district(v, out, e)) return ICS_EINVAL;
    strcpy(v, out);
    return 0;
}

static int chk_in(const char *const *list, const char *what, char *v, ics_err *e)
{
    if (directory_word_in(list, v) >= 0) return 0;
    char known[512] = "";
    for (int i = 0; list[i]; i++) {
        if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
        strncat(known, list[i], sizeof known - strlen(known) - 1);
    }
    return ics_err_set(e, ICS_EINVAL, "'%s' is not a known %s (one of: %s)", v, what, known);
}

static int chk_org_kind(char *v, ics_err *e)
{
    return chk_in(directory_org_kinds, "organisation kind", v, e);
}

static int chk_bed_type(char *v, ics_err *e)
{
    return chk_in(directory_bed_types, "bed type", v, e);
}

static int chk_capability(char *v, ics_err *e)
{
    return chk_in(directory_capabilities, "capability", v, e);
}

static int chk_site_kind(char *v, ics_err *e)
{
    static const char *const k[] = {"acute", "community", NULL};
    return chk_in(k, "site kind", v, e);
}

static int chk_sex(char *v, ics_err *e)
{
    static const char *const k[] = {"M", "F", NULL};
    return chk_in(k, "sex (M or F)", v, e);
}

static int chk_unit_sex(char *v, ics_err *e)
{
    static const char *const k[] = {"M", "F", "mixed", NULL};
    return chk_in(k, "unit sex", v, e);
}

static int chk_age_band(char *v, ics_err *e)
{
    static const char *const k[] = {"0-4",   "5-9",   "10-14", "15-19", "20-24", "25-29", "30-34",
                                    "35-39", "40-44", "45-49", "50-54", "55-59", "60-64", "65-69",
                                    "70-74", "75-79", "80-84", "85-89", "90+",   NULL};
    return chk_in(k, "age band", v, e);
}

static int chk_hours(char *v, ics_err *e)
{
    dir_hours h;
    return directory_hours_parse(v, &h, e);
}

static int chk_date(char *v, ics_err *e)
{
    int y, m, d, n = 0;
    if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || v[10] || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return ics_err_set(e, ICS_EINVAL, "'%s' is not a date in the form YYYY-MM-DD", v);
    return 0;
}

static int chk_lat(char *v, ics_err *e)
{
    double x = atof(v);
    if (x < 49.0 || x > 61.0)
        return ics_err_set(e, ICS_EINVAL, "latitude %s is not in the United Kingdom (49 to 61)", v);
    return 0;
}

static int chk_lon(char *v, ics_err *e)
{
    double x = atof(v);
    if (x < -9.0 || x > 2.0)
        return ics_err_set(e, ICS_EINVAL, "longitude %s is not in the United Kingdom (-9 to 2)", v);
    return 0;
}

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, NULL, NULL, 0                                                                  \
    }

static const dir_column places_cols[] = {{"code", DIR_TEXT, 1, chk_ons, NULL, 0},
                                         {"name", DIR_TEXT, 1, NULL, NULL, 0},
                                         {"imd2019_avg_score", DIR_REAL, 0, NULL, NULL, 0},
                                         {"imd2019_rank_avg_score", DIR_INT, 0, NULL, NULL, 0},
                                         {"lsoa_count", DIR_INT, 0, NULL, NULL, 0},
                                         {"lsoa_q1", DIR_INT, 0, NULL, NULL, 0},
                                         {"lsoa_q2", DIR_INT, 0, NULL, NULL, 0},
                                         {"lsoa_q3", DIR_INT, 0, NULL, NULL, 0},
                                         {"lsoa_q4", DIR_INT, 0, NULL, NULL, 0},
                                         {"lsoa_q5", DIR_INT, 0, NULL, NULL, 0},
                                         END};

static const dir_column population_cols[] = {{"place_code", DIR_TEXT, 1, chk_ons, "places", 1},
                                             {"sex", DIR_TEXT, 1, chk_sex, NULL, 1},
                                             {"age_band", DIR_TEXT, 1, chk_age_band, NULL, 1},
                                             {"population", DIR_INT, 1, NULL, NULL, 0},
                                             END};

static const dir_column org_cols[] = {{"ods_code", DIR_TEXT, 1, chk_ods, NULL, 0},
                                      {"name", DIR_TEXT, 1, NULL, NULL, 0},
                                      {"kind", DIR_TEXT, 1, chk_org_kind, NULL, 1},
                                      {"postcode", DIR_TEXT, 0, chk_postcode, NULL, 0},
                                      END};

static const dir_column site_cols[] = {{"site_code", DIR_TEXT, 1, chk_ods, NULL, 0},
                                       {"name", DIR_TEXT, 1, NULL, NULL, 0},
                                       {"org_code", DIR_TEXT, 1, chk_ods, "organisations", 1},
                                       {"kind", DIR_TEXT, 1, chk_site_kind, NULL, 1},
                                       {"postcode", DIR_TEXT, 1, chk_postcode, NULL, 0},
                                       {"lat", DIR_REAL, 1, chk_lat, NULL, 0},
                                       {"lon", DIR_REAL, 1, chk_lon, NULL, 0},
                                       {"place_code", DIR_TEXT, 0, chk_ons, "places", 1},
                                       END};

static const dir_column service_cols[] = {
    {"service_id", DIR_TEXT, 1, NULL, NULL, 0},
    {"name", DIR_TEXT, 1, NULL, NULL, 0},
    {"kind", DIR_TEXT, 1, NULL, NULL, 1},
    {"provider_ods", DIR_TEXT, 1, chk_ods, "organisations", 1},
    {"site_code", DIR_TEXT, 0, chk_ods, "sites", 1},
    {"places", DIR_LIST, 1, chk_ons, "places", 1},
    {"districts", DIR_LIST, 0, chk_district, NULL, 0},
    {"hours", DIR_TEXT, 1, chk_hours, NULL, 0},
    {"capabilities", DIR_LIST, 1, chk_capability, NULL, 1},
    {"min_age", DIR_INT, 0, NULL, NULL, 0},
    {"max_age", DIR_INT, 0, NULL, NULL, 0},
    {"exclusions", DIR_LIST, 0, NULL, NULL, 0},
    {"response_minutes", DIR_INT, 1, NULL, NULL, 0},
    {"daily_capacity", DIR_INT, 0, NULL, NULL, 0},
    {"phone", DIR_TEXT, 0, NULL, NULL, 0},
    END};

static const dir_column unit_cols[] = {{"unit_code", DIR_TEXT, 1, NULL, NULL, 0},
                                       {"name", DIR_TEXT, 1, NULL, NULL, 0},
                                       {"site_code", DIR_TEXT, 1, chk_ods, "sites", 1},
                                       {"bed_type", DIR_TEXT, 1, chk_bed_type, NULL, 1},
                                       {"sex", DIR_TEXT, 1, chk_unit_sex, NULL, 1},
                                       {"beds", DIR_INT, 1, NULL, NULL, 0},
                                       {"commissioned_by", DIR_LIST, 1, chk_ons, "places", 1},
                                       END};

static const dir_column district_cols[] = {{"district", DIR_TEXT, 1, chk_district, NULL, 0},
                                           {"lat", DIR_REAL, 1, chk_lat, NULL, 0},
                                           {"lon", DIR_REAL, 1, chk_lon, NULL, 0},
                                           {"place_code", DIR_TEXT, 0, chk_ons, "places", 1},
                                           END};

static const dir_column bh_cols[] = {
    {"date", DIR_TEXT, 1, chk_date, NULL, 0}, {"name", DIR_TEXT, 1, NULL, NULL, 0}, END};

/* Order is load order: a collection comes after those it refers to. */
const dir_collection directory_collections[] = {
    {"places", "places", "code", {"code", NULL}, places_cols, 1},
    {"population", "place_population", NULL, {"place_code", "sex", "age_band"}, population_cols, 0},
    {"organisations", "organisations", "ods_code", {"ods_code", NULL}, org_cols, 1},
    {"sites", "sites", "site_code", {"site_code", NULL}, site_cols, 1},
    {"services", "services", "service_id", {"service_id", NULL}, service_cols, 1},
    {"units", "units", "unit_code", {"unit_code", NULL}, unit_cols, 1},
    {"postcode_districts", "postcode_districts", "district", {"district", NULL}, district_cols, 0},
    {"bank_holidays", "bank_holidays", "date", {"date", NULL}, bh_cols, 0},
    {NULL, NULL, NULL, {NULL}, NULL, 0}};

const dir_collection *directory_collection_find(const char *name)
{
    for (const dir_collection *c = directory_collections; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

const dir_column *directory_column_find(const dir_collection *c, const char *name)
{
    for (const dir_column *k = c->cols; k->name; k++)
        if (strcmp(k->name, name) == 0) return k;
    return NULL;
}

int directory_ncols(const dir_collection *c)
{
    int n = 0;
    while (c->cols[n].name) n++;
    return n;
}

static int check_number(const dir_column *col, const char *v, ics_err *e)
{
    char *end;
    errno = 0;
    if (col->kind == DIR_INT) {
        long long x = strtoll(v, &end, 10);
        if (errno || *end || end == v)
            return ics_err_set(e, ICS_EINVAL, "'%s' is not a whole number", v);
        if (x < 0) return ics_err_set(e, ICS_EINVAL, "%lld must not be negative", x);
    } else {
        strtod(v, &end);
        if (errno || *end || end == v) return ics_err_set(e, ICS_EINVAL, "'%s' is not a number", v);
    }
    return 0;
}

int directory_value_check(const dir_column *col, const char *raw, char out[256], ics_err *e)
{
    while (isspace((unsigned char)*raw)) raw++;
    size_t n = strlen(raw);
    while (n && isspace((unsigned char)raw[n - 1])) n--;
    if (n >= 256) return ics_err_set(e, ICS_EINVAL, "value is longer than 255 characters");
    memcpy(out, raw, n);
    out[n] = '\0';
    if (n == 0) {
        if (col->required) return ics_err_set(e, ICS_EINVAL, "a value is required");
        return 0;
    }
    if (col->kind == DIR_INT || col->kind == DIR_REAL) {
        if (check_number(col, out, e)) return ICS_EINVAL;
        return col->check ? col->check(out, e) : 0;
    }
    if (col->kind == DIR_TEXT) return col->check ? col->check(out, e) : 0;
    /* a list: space-separated tokens, each checked and normalised */
    char work[256], res[256] = "";
    memcpy(work, out, n + 1);
    char *save = NULL;
    for (char *tok = strtok_r(work, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char item[256];
        snprintf(item, sizeof item, "%s", tok);
        if (col->check && col->check(item, e)) return ICS_EINVAL;
        if (strlen(res) + strlen(item) + 2 > sizeof res)
            return ics_err_set(e, ICS_EINVAL, "list is too long");
        if (res[0]) strcat(res, " ");
        strcat(res, item);
    }
    strcpy(out, res);
    return 0;
}
