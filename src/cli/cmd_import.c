/* cmd_import.c - `icsflow import` and `icsflow export`: move the directory
 * as CSV (one <collection>.csv per collection) or one JSON document. An
 * import is one transaction: any bad row rejects it whole, naming the file,
 * row, column and reason, and leaves the database as it was. A new
 * database holds only what is imported unless --seed asks for the NWL
 * directory and synthetic history first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/csv.h"
#include "core/sb.h"
#include "app/directory.h"
#include "app/hl7.h"
#include "core/tz.h"

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

int cmd_import(int argc, char **argv)
{
    const char *db = cli_default_db(), *coll = NULL, *ics = cli_ics(), *ics_name = NULL;
    int seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_TEXT("db", &db, "PATH  database file (default icsflow.db)"),
        CLI_OPT_TEXT("collection", &coll, "NAME  the collection a single CSV file holds"),
        CLI_OPT_TEXT("ics", &ics, "CODE  the ICS (ODS code) the places and organisations join"),
        CLI_OPT_TEXT("ics-name", &ics_name, "NAME  the ICS's name, needed when it is new"),
        CLI_OPT_FLAG("seed", &seed,
                     "a new database gets the NWL directory and synthetic history first "
                     "(without it a new database holds only what is imported)"),
        CLI_OPT_END};
    int np, rc = cli_parse("import",
                           "import [--db PATH] [--seed] [--collection NAME] [--ics CODE "
                           "[--ics-name NAME]] FILE.csv|FILE.json|DIR ...",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np == 0) return cli_usage_error("import", "name at least one file or folder to import");
    for (int i = 1; i <= np; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            return cli_usage_error("import", "cannot read '%s': %s", argv[i], strerror(errno));
        if (!S_ISDIR(st.st_mode) && !ends_with(argv[i], ".csv") && !ends_with(argv[i], ".json"))
            return cli_usage_error("import", "'%s' is not a .csv or .json file or a folder",
                                   argv[i]);
        if (S_ISDIR(st.st_mode) && coll)
            return cli_usage_error("import", "--collection applies to a single CSV file");
    }
    if (ics_name && !ics) return cli_usage_error("import", "--ics-name goes with --ics CODE");
    store *s;
    if ((rc = seed ? cli_open("import", db, &s) : cli_open_unseeded("import", db, &s))) return rc;
    ics_err e = {0};
    int total = 0;
    app_ctx c = cli_ctx(s);
    const char *base = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
    if (np == 1 &&
        ((coll && !strcmp(coll, "adt_locations")) || !strcmp(base, "adt_locations.csv"))) {
        /* the HL7 ADT feed's location mapping (docs/interop.md) */
        rc = app_hl7_locations_import(&c, argv[1], &total, &e);
        store_close(s);
        if (rc) {
            fprintf(stderr, "icsflow import: nothing was imported: %s\n", e.msg);
            return 2;
        }
        printf("imported %d ADT locations into %s\n", total, db);
        return 0;
    }
    if (app_dir_import_ics(&c, ics, ics_name, argv + 1, np, coll, &total, &e)) {
        store_close(s);
        fprintf(stderr, "icsflow import: nothing was imported: %s\n", e.msg);
        return 2;
    }
    if (ics)
        printf("imported %d rows into %s, ICS %s\n", total, db, ics);
    else
        printf("imported %d rows into %s\n", total, db);
    store_close(s);
    return 0;
}

static void csv_value(sb *b, const json_t *v)
{
    char num[64];
    if (json_is_string(v))
        csv_cell_exact(b, json_string_value(v), 1);
    else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        sb_puts(b, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.10g", json_real_value(v));
        sb_puts(b, num);
    } else if (json_is_array(v)) {
        sb items;
        sb_init(&items);
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it) sb_printf(&items, "%s%s", i ? " " : "", json_string_value(it));
        csv_cell_exact(b, items.buf ? items.buf : "", 1);
        sb_free(&items);
    }
}

static int write_file(const char *path, const char *text, ics_err *e)
{
    FILE *f = fopen(path, "w");
    if (!f) return ics_err_set(e, ICS_EIO, "cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    if (fclose(f)) return ics_err_set(e, ICS_EIO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

int cmd_export(int argc, char **argv)
{
    const char *db = cli_default_db(), *format = "json", *out = NULL, *ics = cli_ics();
    const cli_opt opts[] = {
        CLI_OPT_TEXT("db", &db, "PATH  database file (default icsflow.db)"),
        CLI_OPT_TEXT("ics", &ics, "CODE  the ICS to export (default QRV; all: every ICS)"),
        CLI_OPT_CHOICE("format", &format, "csv|json", "F  csv or json (default json)"),
        CLI_OPT_TEXT("out", &out,
                     "PATH  folder for csv (required), file for json (default stdout)"),
        CLI_OPT_END};
    int np, rc = cli_parse("export",
                           "export [--db PATH] [--ics CODE|all] [--format csv|json] [--out PATH]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error("export", "unexpected argument '%s'", argv[1]);
    int csv = strcmp(format, "csv") == 0;
    if (!csv && strcmp(format, "json") != 0)
        return cli_usage_error("export", "--format '%s' must be csv or json", format);
    if (csv && !out) return cli_usage_error("export", "--format csv needs --out FOLDER");
    if (csv && mkdir(out, 0755) != 0 && errno != EEXIST)
        return cli_usage_error("export", "cannot create folder '%s': %s", out, strerror(errno));
    store *s;
    if ((rc = cli_open("export", db, &s))) return rc;
    ics_err e = {0};
    json_t *doc = NULL;
    app_ctx ac = cli_ctx(s);
    ac.ics = ics;
    rc = app_dir_export(&ac, &doc, &e);
    for (const dir_collection *c = directory_collections; c->name && !rc && csv; c++) {
        json_t *rows = json_object_get(doc, c->name);
        sb b;
        sb_init(&b);
        for (int i = 0; c->cols[i].name; i++) sb_printf(&b, "%s%s", i ? "," : "", c->cols[i].name);
        sb_puts(&b, "\n");
        size_t k;
        json_t *r;
        json_array_foreach(rows, k, r)
        {
            for (int i = 0; c->cols[i].name; i++) {
                if (i) sb_puts(&b, ",");
                csv_value(&b, json_object_get(r, c->cols[i].name));
            }
            sb_puts(&b, "\n");
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.csv", out, c->name);
        rc = write_file(path, b.buf, &e);
        sb_free(&b);
    }
    if (!rc && !csv) {
        char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        if (out)
            rc = write_file(out, text, &e);
        else
            fputs(text, stdout), fputc('\n', stdout);
        free(text);
    }
    json_decref(doc);
    store_close(s);
    if (rc) return cli_fail("export", &e);
    if (out) fprintf(stderr, "exported the directory to %s\n", out);
    return 0;
}
