/* h_report.c - the PDF reports over HTTP: GET /api/v1/reports/board.pdf
 * ?from=&to= and GET /api/v1/reports/daily.pdf?day= answer application/pdf
 * drawn by src/app/report.c; bad parameters are problem+json. */
#include <stdlib.h>

#include "app/report.h"
#include "http/http.h"

static int pdf_answer(http_resp *rs, int rc, const ics_err *e, unsigned char *pdf, size_t len)
{
    if (rc) return http_error(rs, e);
    http_text(rs, 200, "application/pdf", (const char *)pdf, len);
    free(pdf);
    return 0;
}

static int board(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"from", "to", "ics", NULL};
    ics_err e = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    app_ctx c = http_app(rq);
    int rc = http_query_only(rq, allowed, &e);
    if (!rc)
        rc = app_report_board(&c, http_query(rq, "from"), http_query(rq, "to"), &pdf, &len, &pages,
                              &e);
    return pdf_answer(rs, rc, &e, pdf, len);
}

static int daily(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"day", "ics", NULL};
    ics_err e = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    app_ctx c = http_app(rq);
    int rc = http_query_only(rq, allowed, &e);
    if (!rc) rc = app_report_daily(&c, http_query(rq, "day"), &pdf, &len, &pages, &e);
    return pdf_answer(rs, rc, &e, pdf, len);
}

const http_route http_routes_report[] = {
    {"GET", "/api/v1/reports/board.pdf", 0, board,
     "The board pack as PDF: pressure, beds, UCR, waits, variation, finance, accountability, "
     "priorities",
     &APP_REPORT_BOARD},
    {"GET", "/api/v1/reports/daily.pdf", 0, daily,
     "The one-page daily call sheet as PDF (the printed last-known state)", &APP_REPORT_DAILY},
    {NULL, NULL, 0, NULL, NULL, NULL}};
