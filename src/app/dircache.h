/* app/dircache.h - answers that depend only on the directory, kept as their
 * JSON text and keyed by the database's directory version: a request reads
 * the version (one indexed statement, moved on inside every directory
 * write's transaction on whichever server made it) and reuses the text only
 * while it is unchanged, so no server ever answers from a stale copy. */
#ifndef ICS_APP_DIRCACHE_H
#define ICS_APP_DIRCACHE_H

#include <stddef.h>
#include <stdint.h>

#define APP_DIRCACHE_SLOTS 64 /* answers kept; the oldest is replaced first */

/* A copy of the text kept for (db, version, key) into *text (caller frees)
 * and its length; 0 when there is none (or db has no stable name). */
int app_dircache_get(const char *db, int64_t version, const char *key, char **text, size_t *len);
/* Keep a copy of text for (db, version, key); entries of other versions
 * of db are dropped as they are met. */
void app_dircache_put(const char *db, int64_t version, const char *key, const char *text,
                      size_t len);

#endif
