/* backup.h - whole-database backups in each backend's own format: a
 * SQLite backup is a consistent copy of the database file made with
 * SQLite's online backup API (the database stays usable meanwhile); a
 * PostgreSQL backup is pg_dump's custom format, restored by pg_restore.
 * Backup files hold NHS numbers: they are created new, mode 0600. */
#ifndef ICS_STORE_BACKUP_H
#define ICS_STORE_BACKUP_H

#include "core/error.h"

enum { STORE_BACKUP_SQLITE = 1, STORE_BACKUP_PG = 2 };

/* Which kind of backup file is (by its first bytes): STORE_BACKUP_SQLITE,
 * STORE_BACKUP_PG, or a negative code (unreadable, or neither). */
int store_backup_kind(const char *file, ics_err *e);

/* Back up the database db (a SQLite file or a libpq URI) into file, which
 * must not exist yet. */
int store_backup(const char *db, const char *file, ics_err *e);

/* Restore a backup of the same backend: a SQLite backup into db, a file
 * that must not exist yet; a pg_dump into the PostgreSQL database db, which
 * must exist and be empty (pg_restore runs in one transaction and stops at
 * the first error, so a failed restore leaves it empty). */
int store_restore(const char *file, const char *db, ics_err *e);

#endif
