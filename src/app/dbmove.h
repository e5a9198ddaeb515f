/* dbmove.h - moving a deployment: copy every table from one database to
 * another (either backend on either side) and prove the copy by row counts
 * and checksums; the checksums of one database; backups and restores in
 * the backend's own format. These work on whole databases, below any user:
 * whoever can open both databases can run them (the command line). */
#ifndef ICS_APP_DBMOVE_H
#define ICS_APP_DBMOVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "store/copy.h"

typedef struct app_table_sum {
    char name[64];
    int64_t rows;
    char sum[STORE_SUM_HEX + 1];
} app_table_sum;

/* Tables in copy order (parents first), with their rows and checksums. */
typedef struct app_db_sums {
    app_table_sum *t;
    size_t n;
    int64_t rows;
} app_db_sums;

void app_db_sums_free(app_db_sums *s);

/* Row count and checksum of every table of db, read in one transaction. */
int app_db_checksums(const char *db, app_db_sums *out, ics_err *e);

/* Copy every table of from into to, which must be new (no file yet, or a
 * PostgreSQL database without icsflow's tables): both are brought to the
 * current schema, then every row is copied in one transaction on each side
 * (a snapshot of from; to commits only when every table's row count and
 * checksum match from's), so a failed copy leaves to with the schema and
 * no rows. out gets the tables, rows and checksums; progress (may be NULL)
 * gets the fraction of tables done. */
int app_db_copy(const char *from, const char *to, app_db_sums *out, progress_fn progress,
                void *pctx, ics_err *e);

/* A backup of db into file (new, mode 0600) in its backend's own format. */
int app_db_backup(const char *db, const char *file, ics_err *e);

/* Restore file (a backup made by app_db_backup) into db, of the same
 * backend: a new SQLite file, or an empty PostgreSQL database. The
 * restored database is then migrated to the current schema and its
 * checksums returned in out. */
int app_db_restore(const char *file, const char *db, app_db_sums *out, ics_err *e);

#endif
