/* backup.c - backups and restores in each backend's own format
 * (store/backup.h): SQLite's online backup API page by page between two
 * connections of its own, or pg_dump / pg_restore run as child processes
 * (found on PATH, or in ICSFLOW_PG_BIN). Either way the work is the
 * database's own tool; icsflow only checks the ends and reports. */
#include "store/backup.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

extern char **environ;

/* Create file, which must not exist, empty and private (mode 0600). */
static int create_private(const char *file, ics_err *e)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return ics_err_set(e, errno == EEXIST ? ICS_EINVAL : ICS_EIO, "%s: %s%s", file,
                           strerror(errno),
                           errno == EEXIST ? " (a backup or restore never overwrites a file)" : "");
    close(fd);
    return 0;
}

int store_backup_kind(const char *file, ics_err *e)
{
    FILE *f = fopen(file, "rb");
    if (!f) return ics_err_set(e, ICS_EINVAL, "%s: %s", file, strerror(errno));
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n == 16 && memcmp(head, "SQLite format 3", 16) == 0) return STORE_BACKUP_SQLITE;
    if (n >= 5 && memcmp(head, "PGDMP", 5) == 0) return STORE_BACKUP_PG;
    return ics_err_set(e, ICS_EINVAL,
                       "%s is neither a SQLite backup nor a pg_dump custom-format file", file);
}

/* Copy every page of the database at from into the new database at to. */
static int sqlite_pages(const char *from, const char *to, ics_err *e)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(src, 10000);
        rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE, NULL);
    }
    if (rc != SQLITE_OK) {
        ics_err_set(e, ICS_EIO, "%s", sqlite3_errmsg(dst ? dst : src));
        sqlite3_close(src);
        sqlite3_close(dst);
        return e ? e->code : ICS_EIO;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        ics_err_set(e, ICS_EIO, "%s", sqlite3_errmsg(dst));
    } else {
        /* A writer holding the lock makes a step busy: wait and go on (a
         * write in between restarts the copy, so it stays consistent). */
        int tries = 0;
        do {
            rc = sqlite3_backup_step(b, 1024);
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
                if (++tries > 400) break;
                usleep(25000);
            }
        } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
        sqlite3_backup_finish(b);
        if (rc != SQLITE_DONE)
            ics_err_set(e, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? ICS_EBUSY : ICS_EIO,
                        "backing up %s: %s", from, sqlite3_errstr(rc));
        else
            rc = SQLITE_OK;
    }
    int out = (!b || rc != SQLITE_OK) ? (e ? e->code : ICS_EIO) : 0;
    sqlite3_close(src);
    sqlite3_close(dst);
    return out;
}

/* Run a PostgreSQL client program (pg_dump, pg_restore) with argv, its
 * output and messages going to our stderr; 0 when it exits 0. */
static int run_tool(char *const argv[], ics_err *e)
{
    char path[4096];
    const char *dir = getenv("ICSFLOW_PG_BIN");
    const char *prog = argv[0];
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/%s", dir, argv[0]);
        prog = path;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return ics_err_set(e, ICS_EIO,
                           "cannot run %s: %s (install postgresql-client, or set ICSFLOW_PG_BIN)",
                           prog, strerror(rc));
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return ics_err_set(e, ICS_EIO, "%s: %s", prog, strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFEXITED(st))
        return ics_err_set(e, ICS_EDB, "%s failed (exit %d; its messages are above)", argv[0],
                           WEXITSTATUS(st));
    return ics_err_set(e, ICS_EDB, "%s was killed by signal %d", argv[0], WTERMSIG(st));
}

int store_backup(const char *db, const char *file, ics_err *e)
{
    assert(db && file);
    if (!store_is_uri(db) && access(db, F_OK) != 0)
        return ics_err_set(e, ICS_EINVAL, "no database at '%s'", db);
    int rc = create_private(file, e);
    if (rc) return rc;
    if (store_is_uri(db)) {
        char *argv[] = {"pg_dump",         "--format=custom", "--no-owner",
                        "--no-privileges", "--file",          (char *)file,
                        "--dbname",        (char *)db,        NULL};
        rc = run_tool(argv, e);
    } else {
        rc = sqlite_pages(db, file, e);
    }
    if (rc) unlink(file);
    return rc;
}

int store_restore(const char *file, const char *db, ics_err *e)
{
    assert(file && db);
    int kind = store_backup_kind(file, e);
    if (kind < 0) return kind;
    if (store_is_uri(db) != (kind == STORE_BACKUP_PG))
        return ics_err_set(e, ICS_EINVAL,
                           "%s is a %s backup and '%s' a %s database: restore into the same "
                           "backend, then move it with 'icsflow db copy'",
                           file, kind == STORE_BACKUP_PG ? "PostgreSQL" : "SQLite", db,
                           store_is_uri(db) ? "PostgreSQL" : "SQLite");
    if (kind == STORE_BACKUP_PG) {
        char *argv[] = {"pg_restore",      "--no-owner",           "--no-privileges",
                        "--exit-on-error", "--single-transaction", "--dbname",
                        (char *)db,        (char *)file,           NULL};
        return run_tool(argv, e);
    }
    int rc = create_private(db, e);
    if (rc) return rc;
    if ((rc = sqlite_pages(file, db, e))) unlink(db);
    return rc;
}
