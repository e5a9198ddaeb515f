/* store/stmtcache.h - the prepared-statement cache's LRU list, shared by the
 * SQLite and PostgreSQL backends (private to src/store). Each backend keeps
 * its own statement handle in a struct that begins with a stmtcache_entry;
 * this list only orders entries by their SQL text and counts them.
 *
 * As in SQLite's tclsqlite.c: idle entries sit on a list, most recently
 * used first; a hit takes the entry off the list while it is in use (a
 * nested use of the same SQL gets a fresh, uncached statement, so the two
 * never share bindings) and putting it back moves it to the front. When
 * the cache is full the least recently used idle entry is evicted; entries
 * in use are never evicted. */
#ifndef ICS_STORE_STMTCACHE_H
#define ICS_STORE_STMTCACHE_H

typedef struct stmtcache_entry {
    char *sql;                           /* the cache key, as the caller wrote it (owned) */
    struct stmtcache_entry *prev, *next; /* linked only while idle */
} stmtcache_entry;

typedef struct stmtcache {
    stmtcache_entry *head, *tail; /* idle entries, most recent first */
    int count;                    /* entries, idle or in use */
    int cap;                      /* at most this many entries */
} stmtcache;

/* The idle entry for sql, taken off the list (now in use); NULL on a miss. */
stmtcache_entry *stmtcache_take(stmtcache *c, const char *sql);
/* An entry in use goes back, as the most recently used. */
void stmtcache_put(stmtcache *c, stmtcache_entry *x);
/* 1 when sql has an idle entry (tests and diagnostics). */
int stmtcache_has(const stmtcache *c, const char *sql);
/* When the cache is full, the least recently used idle entry, taken off
 * the list and no longer counted, for the caller to release; else NULL. */
stmtcache_entry *stmtcache_evict(stmtcache *c);
/* Any idle entry, taken off the list and no longer counted (to empty the
 * cache on close or reconnect); NULL when none is idle. */
stmtcache_entry *stmtcache_pop(stmtcache *c);
/* 1 when a new entry may be added. */
int stmtcache_room(const stmtcache *c);
/* Count a new entry (in use, so not on the list) whose key is a copy of
 * sql; 0, or -1 when out of memory (the entry is then not counted). */
int stmtcache_add(stmtcache *c, stmtcache_entry *x, const char *sql);
/* An entry in use that will not come back (its statement is gone). */
void stmtcache_drop(stmtcache *c, stmtcache_entry *x);

#endif
