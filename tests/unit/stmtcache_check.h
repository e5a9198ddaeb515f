/* stmtcache_check.h - the statement cache's LRU rules (store/stmtcache.h),
 * checked the same way on each backend's store by test_store.c (SQLite)
 * and test_pg.c (PostgreSQL), so the two runs cannot drift apart. Include
 * after cmocka.h and store/store.h. */
#ifndef ICS_TESTS_STMTCACHE_CHECK_H
#define ICS_TESTS_STMTCACHE_CHECK_H

#include <stdio.h>

/* Run sql once through the cache. */
static void stmtcache_run_once(store *s, const char *sql)
{
    store_stmt *q;
    ics_err e = {0};
    assert_int_equal(store_prepare(s, sql, &q, &e), 0);
    assert_int_equal(store_step(q, &e), 1);
    store_finalize(q);
}

/* A full cache (64) evicts the least recently used idle statement; a
 * statement in use is off the list, never evicted, never handed out twice,
 * and goes back as the most recent; an evicted one prepares again. */
static void stmtcache_check_lru(store *s)
{
    char sql[80], first[80];
    snprintf(first, sizeof first, "SELECT %d", 0);
    for (int i = 0; i < 64; i++) { /* fill the 64 places */
        snprintf(sql, sizeof sql, "SELECT %d", i);
        stmtcache_run_once(s, sql);
    }
    assert_true(store_stmt_cached(s, first));
    stmtcache_run_once(s, first); /* now the most recent: "SELECT 1" is the oldest */
    stmtcache_run_once(s, "SELECT 1000");
    assert_true(store_stmt_cached(s, first));
    assert_false(store_stmt_cached(s, "SELECT 1"));
    assert_true(store_stmt_cached(s, "SELECT 2"));
    assert_true(store_stmt_cached(s, "SELECT 1000"));
    store_stmt *busy;
    ics_err e = {0};
    assert_int_equal(store_prepare(s, first, &busy, &e), 0);
    assert_false(store_stmt_cached(s, first));
    for (int i = 2000; i < 2100; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        stmtcache_run_once(s, sql);
    }
    assert_int_equal(store_step(busy, &e), 1);
    assert_int_equal(store_col_int(busy, 0), 0);
    store_finalize(busy);
    assert_true(store_stmt_cached(s, first));
    stmtcache_run_once(s, "SELECT 1"); /* evicted (on PostgreSQL deallocated): prepared again */
    assert_true(store_stmt_cached(s, "SELECT 1"));
}

#endif
