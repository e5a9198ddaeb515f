/* cmd_board.c - `icsflow report board --pdf FILE [--from DAY] [--to DAY]`
 * and `icsflow report daily --pdf FILE [--day DAY]`: the board pack and
 * the daily call sheet written as PDF files (src/app/report.c draws them).
 * Reached from cmd_report (cmd_route.c), which owns the `report` name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/report.h"
#include "cli/cli.h"
#include "core/tz.h"

int cmd_report_pdf(int argc, char **argv);

int cmd_report_pdf(int argc, char **argv)
{
    const char *db = cli_default_db(), *from = NULL, *to = NULL, *day = NULL, *file = NULL,
               *ics = cli_ics();
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("pdf", &file, "FILE  write the PDF there (required)"),
        CLI_OPT_TEXT("from", &from, "YYYY-MM-DD  first day (board; default 27 days before --to)"),
        CLI_OPT_TEXT("to", &to, "YYYY-MM-DD  last day (board; default today)"),
        CLI_OPT_TEXT("day", &day, "YYYY-MM-DD  the day (daily; default today)"),
        CLI_OPT_TEXT("ics", &ics, "CODE  the ICS (default the home ICS)"),
        CLI_OPT_END};
    int np, rc = cli_parse("report",
                           "report board --pdf FILE [--from DAY] [--to DAY] | report daily --pdf "
                           "FILE [--day DAY]   [--ics CODE] [--db PATH]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    int board = strcmp(argv[1], "board") == 0;
    if (np != 1) return cli_usage_error("report", "name one report: board or daily");
    if (!file || !*file) return cli_usage_error("report", "--pdf FILE is required");
    if (board && day) return cli_usage_error("report", "--day is for the daily sheet");
    if (!board && (from || to))
        return cli_usage_error("report", "--from and --to are for the board pack");
    store *s;
    if ((rc = cli_open("report", db, &s))) return rc;
    app_ctx c = cli_ctx(s);
    c.ics = ics;
    ics_err e = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    rc = board ? app_report_board(&c, from, to, &pdf, &len, &pages, &e)
               : app_report_daily(&c, day, &pdf, &len, &pages, &e);
    store_close(s);
    if (rc) return cli_fail("report", &e);
    FILE *f = fopen(file, "wb");
    int ok = f && fwrite(pdf, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    free(pdf);
    if (!ok) {
        ics_err_set(&e, ICS_EIO, "cannot write %s", file);
        return cli_fail("report", &e);
    }
    printf("wrote %s: %s, %d page%s, %zu bytes; figures marked SYNTHETIC are invented (default "
           "dataset)\n",
           file, board ? "board pack" : "daily call sheet", pages, pages == 1 ? "" : "s", len);
    return 0;
}
