/* app/finance.h - the use cases of the ICS's money: budgets by sector,
 * place and provider, provider income and expenditure by month, the acute
 * share against a published national benchmark, and the one-page summary
 * that sets spend by place beside the needs-based target share. Imports
 * are CSV, all or nothing, every bad row named. Reads: admin, finance,
 * executive, analyst; writes: admin and finance. */
#ifndef ICS_APP_FINANCE_H
#define ICS_APP_FINANCE_H

#include <stddef.h>

#include "app/app.h"
#include "store/ics.h"

extern const app_use APP_FIN_READ;
extern const app_use APP_FIN_BUDGETS_IMPORT;
extern const app_use APP_FIN_PROVIDERS_IMPORT;

/* The one ICS a finance use case works in: ?ics= / c->ics when given and
 * visible to the caller, else their home ICS (app/ics.h). */
int app_fin_ics(app_ctx *c, char out[STORE_ICS_CODE], ics_err *e);

/* Budget lines of year (NULL: every year) as {"items": [...]}. */
int app_fin_budgets(app_ctx *c, const char *year, json_t **out, ics_err *e);
/* Provider months in [from, to] ('YYYY-MM', either NULL) with surplus or
 * deficit and its share of income per month. */
int app_fin_provider_months(app_ctx *c, const char *from, const char *to, json_t **out, ics_err *e);
/* The summary: spend by sector with shares, the acute share against the
 * national benchmark, each provider's surplus/deficit as a share of income
 * over [from, to], and spend by place against the needs-based target share.
 * year NULL: the newest year with budgets. */
int app_fin_summary(app_ctx *c, const char *year, const char *from, const char *to, json_t **out,
                    ics_err *e);
/* Published benchmarks. */
int app_fin_benchmarks(app_ctx *c, json_t **out, ics_err *e);

/* CSV imports (see docs/governance.md for the shapes). Budgets replace the
 * lines of every year the file names; provider months replace the months
 * the file spans. name is the file name used in messages. *out says what
 * was imported. */
int app_fin_budgets_import(app_ctx *c, const char *csv, size_t len, const char *name, json_t **out,
                           ics_err *e);
int app_fin_providers_import(app_ctx *c, const char *csv, size_t len, const char *name,
                             json_t **out, ics_err *e);

/* Check a 'YYYY-MM' month ("from"/"to" in messages); NULL passes. */
int app_fin_month_check(const char *what, const char *month, ics_err *e);

#endif
