/* store/stmtcache.c - the LRU list of cached prepared statements, written
 * once for both backends (see stmtcache.h for the rules it keeps). */
#include "store/stmtcache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static void unlink_idle(stmtcache *c, stmtcache_entry *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        c->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        c->tail = x->prev;
    x->prev = x->next = NULL;
}

stmtcache_entry *stmtcache_take(stmtcache *c, const char *sql)
{
    for (stmtcache_entry *x = c->head; x; x = x->next) {
        if (strcmp(x->sql, sql) != 0) continue;
        unlink_idle(c, x);
        return x;
    }
    return NULL;
}

void stmtcache_put(stmtcache *c, stmtcache_entry *x)
{
    assert(x->sql && !x->prev && !x->next && c->head != x);
    x->next = c->head;
    if (c->head) c->head->prev = x;
    c->head = x;
    if (!c->tail) c->tail = x;
}

int stmtcache_has(const stmtcache *c, const char *sql)
{
    for (const stmtcache_entry *x = c->head; x; x = x->next)
        if (strcmp(x->sql, sql) == 0) return 1;
    return 0;
}

stmtcache_entry *stmtcache_evict(stmtcache *c)
{
    if (c->count < c->cap || !c->tail) return NULL;
    stmtcache_entry *x = c->tail;
    unlink_idle(c, x);
    c->count--;
    return x;
}

stmtcache_entry *stmtcache_pop(stmtcache *c)
{
    stmtcache_entry *x = c->head;
    if (!x) return NULL;
    unlink_idle(c, x);
    c->count--;
    assert(c->count >= 0);
    return x;
}

int stmtcache_room(const stmtcache *c)
{
    return c->count < c->cap;
}

int stmtcache_add(stmtcache *c, stmtcache_entry *x, const char *sql)
{
    assert(stmtcache_room(c) && !x->prev && !x->next);
    x->sql = strdup(sql);
    if (!x->sql) return -1;
    c->count++;
    return 0;
}

void stmtcache_drop(stmtcache *c, stmtcache_entry *x)
{
    assert(!x->prev && !x->next && c->count > 0);
    c->count--;
}
