/* directory.h - the shared reference data every engine relies on: the
 * controlled list of service capabilities, organisation kinds, bed types,
 * and weekly opening hours (parsed from the text form kept in services.csv).
 *
 * Plain C, no I/O: the store keeps the rows, this module says what a valid
 * row is and what its fields mean. */
#ifndef ICS_DIRECTORY_DIRECTORY_H
#define ICS_DIRECTORY_DIRECTORY_H

#include "core/error.h"
#include "core/sb.h"

/* Controlled list of capabilities: the nine national urgent community
 * response conditions first, then others services commonly offer.
 * NULL-terminated; a capability's id is its index. */
extern const char *const directory_capabilities[];
int directory_capability_find(const char *name); /* index or -1 */

/* Organisation kinds and bed types, NULL-terminated. */
extern const char *const directory_org_kinds[];
extern const char *const directory_bed_types[];
int directory_word_in(const char *const *list, const char *word);

/* Weekly opening hours.
 *
 * Day kinds 0..6 are Monday..Sunday and 7 is an England-and-Wales bank
 * holiday. Each kind has up to DIR_MAX_IV intervals [open, close) in minutes
 * after local midnight; close <= open means the interval runs past midnight
 * and ends on the next day (20:00-08:00). A bank holiday with no "BH" clause
 * keeps its weekday's hours (bh_set = 0).
 *
 * Text form, clauses separated by ';':
 *   "Mon-Fri 08:00-20:00; Sat-Sun 09:00-17:00; BH closed"
 *   "24/7"   "Mon-Sun 00:00-24:00"   "Mon-Sun 20:00-08:00"
 *   "Mon-Fri 08:00-12:00 13:00-18:00"  (several intervals, space-separated) */
#define DIR_MAX_IV 4
#define DIR_BH     7
typedef struct dir_interval {
    short open, close;
} dir_interval;
typedef struct dir_hours {
    unsigned char n[8];
    dir_interval iv[8][DIR_MAX_IV];
    int bh_set;
} dir_hours;

int directory_hours_parse(const char *spec, dir_hours *out, ics_err *e);

/* Canonical text form (one clause per day kind that has hours). */
void directory_hours_format(const dir_hours *h, sb *out);

/* Directory collections.
 *
 * Each collection (places, population, organisations, sites, services,
 * units, postcode_districts, bank_holidays) is described once here: its
 * columns, which are required, their kinds and validators, and which other
 * collection a column refers to. Import, export, the API and the store's
 * SQL are all driven from these descriptions, so a column is added in one
 * place. A collection's table has the collection's name. */
typedef enum { DIR_TEXT, DIR_INT, DIR_REAL, DIR_LIST } dir_kind;

typedef struct dir_column {
    const char *name;
    dir_kind kind;
    int required;
    /* Validate and normalise one value in place (buf holds 256 bytes);
     * NULL when any value of the kind is fine. */
    int (*check)(char *buf, ics_err *e);
    const char *ref; /* collection whose key this value (or each list item) names */
    int filter;      /* usable as ?name= on the API list */
} dir_column;

typedef struct dir_collection {
    const char *name;       /* also the CSV file name: <name>.csv */
    const char *table;      /* database table */
    const char *key;        /* primary-key column ("code"); NULL for composite keys */
    const char *keys[3];    /* key columns (one or more), NULL-terminated */
    const dir_column *cols; /* NULL-terminated by name */
    int api;                /* exposed as /api/v1/<name> */
} dir_collection;

extern const dir_collection directory_collections[]; /* NULL-terminated by name */
const dir_collection *directory_collection_find(const char *name);
const dir_column *directory_column_find(const dir_collection *c, const char *name);
int directory_ncols(const dir_collection *c);

/* Validate one raw value for a column; writes the normalised text into out
 * (256 bytes). Empty values are allowed unless the column is required. */
int directory_value_check(const dir_column *col, const char *raw, char out[256], ics_err *e);

#endif
