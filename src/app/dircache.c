/* app/dircache.c - the directory-versioned answer cache (see dircache.h):
 * a small table of JSON texts under one mutex; hits copy the text out, so an
 * entry may be replaced while an earlier copy is being sent. */
#include "app/dircache.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char *db, *key, *text;
    size_t len;
    int64_t version;
    unsigned long used; /* tick of the last hit or put */
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot slots[APP_DIRCACHE_SLOTS];
static unsigned long tick;

static int cacheable(const char *db)
{
    return db && *db && strcmp(db, ":memory:") != 0;
}

static void slot_clear(slot *s)
{
    free(s->db);
    free(s->key);
    free(s->text);
    memset(s, 0, sizeof *s);
}

int app_dircache_get(const char *db, int64_t version, const char *key, char **text, size_t *len)
{
    assert(key && text && len);
    *text = NULL;
    *len = 0;
    if (!cacheable(db)) return 0;
    int hit = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < APP_DIRCACHE_SLOTS; i++) {
        slot *s = &slots[i];
        if (!s->text || s->version != version || strcmp(s->key, key) != 0 || strcmp(s->db, db) != 0)
            continue;
        char *copy = malloc(s->len + 1);
        if (copy) {
            memcpy(copy, s->text, s->len + 1);
            *text = copy;
            *len = s->len;
            s->used = ++tick;
            hit = 1;
        }
        break;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void app_dircache_put(const char *db, int64_t version, const char *key, const char *text,
                      size_t len)
{
    assert(key && text);
    if (!cacheable(db)) return;
    char *d = strdup(db), *k = strdup(key), *t = malloc(len + 1);
    if (!d || !k || !t) {
        free(d);
        free(k);
        free(t);
        return; /* not kept: the next request builds the answer again */
    }
    memcpy(t, text, len);
    t[len] = '\0';
    pthread_mutex_lock(&mu);
    slot *victim = &slots[0];
    for (int i = 0; i < APP_DIRCACHE_SLOTS; i++) {
        slot *s = &slots[i];
        /* an older version of this database's directory is never used again */
        if (s->text && s->version != version && strcmp(s->db, db) == 0) slot_clear(s);
        if (!s->text ||
            (s->version == version && strcmp(s->key, key) == 0 && strcmp(s->db, db) == 0)) {
            victim = s;
            break;
        }
        if (s->used < victim->used) victim = s;
    }
    slot_clear(victim);
    victim->db = d;
    victim->key = k;
    victim->text = t;
    victim->len = len;
    victim->version = version;
    victim->used = ++tick;
    pthread_mutex_unlock(&mu);
}
