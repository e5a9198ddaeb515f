/* test_store.c - the SQLite store: migrations, transactions, constraint
 * errors mapped to codes, JSON queries, users and tokens, audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/auth.h"
#include "app/directory.h"
#include "app/users.h"
#include "core/token.h"
#include "core/tz.h"
#include "directory/directory.h"
#include "store/directory.h"
#include "store/users.h"
#include "unit/stmtcache_check.h"

static char path[64];

static int setup(void **st)
{
    snprintf(path, sizeof path, "/tmp/icsflow-test-store-%d.db", (int)getpid());
    unlink(path);
    store *s;
    int created = 0;
    ics_err e = {0};
    assert_int_equal(token_init(), 0);
    assert_int_equal(store_open(path, &s, &created, &e), 0);
    assert_int_equal(created, 1);
    *st = s;
    return 0;
}

static int teardown(void **st)
{
    store_close(*st);
    char p[80];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    return 0;
}

/* The first column of the first row; the query must succeed. */
static int64_t qint(store *s, const char *sql, json_t *p)
{
    ics_err e = {0};
    int64_t v = -99;
    assert_int_equal(store_query_int(s, sql, p, -1, &v, &e), 0);
    return v;
}

static void add_place(store *s, const char *code, const char *name)
{
    ics_err e = {0};
    json_t *o = json_pack("{ssss}", "code", code, "name", name), *after = NULL;
    assert_int_equal(
        app_dir_rows_upsert_json(s, directory_collection_find("places"), o, NULL, &after, &e), 0);
    json_decref(o);
    json_decref(after);
}

static void test_migrations_are_recorded_once(void **st)
{
    store *s = *st;
    ics_err e = {0};
    int64_t steps = qint(s, "SELECT COUNT(*) FROM schema_migrations", NULL);
    assert_true(steps >= 2);
    store *again;
    int created = 1;
    assert_int_equal(store_open(path, &again, &created, &e), 0);
    assert_int_equal(created, 0);
    assert_int_equal(qint(again, "SELECT COUNT(*) FROM schema_migrations", NULL), steps);
    store_close(again);
}

static void test_query_int_reports_a_failed_query(void **st)
{
    store *s = *st;
    ics_err e = {0};
    int64_t v = 7;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM no_such_table", NULL, 5, &v, &e);
    assert_int_equal(rc, ICS_EDB);
    assert_int_equal(v, 5);
    assert_non_null(strstr(e.msg, "no_such_table"));
    assert_int_equal(store_query_int(s, "SELECT NULL", NULL, 5, &v, &e), 0);
    assert_int_equal(v, 5);
}

static void test_new_database_files_are_private(void **st)
{
    store *s = *st;
    ics_err e = {0};
    add_place(s, "E09000017", "Hillingdon"); /* a write makes the -wal file */
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        struct stat sb;
        assert_int_equal(stat(p, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    (void)e;
}

/* Another connection holds the write lock past the busy timeout: the
 * answer is ICS_EBUSY (503, try again), not a conflict (409). */
static void test_locked_database_is_busy_not_conflict(void **st)
{
    (void)st;
    setenv("ICSFLOW_BUSY_MS", "50", 1);
    store *a, *b;
    ics_err e = {0};
    assert_int_equal(store_open(path, &a, NULL, &e), 0);
    assert_int_equal(store_open(path, &b, NULL, &e), 0);
    assert_int_equal(store_begin(a, &e), 0);
    assert_int_equal(store_begin(b, &e), ICS_EBUSY);
    assert_string_equal(ics_err_name(e.code), "busy");
    store_rollback(a);
    assert_int_equal(store_begin(b, &e), 0);
    store_rollback(b);
    store_close(a);
    store_close(b);
    unsetenv("ICSFLOW_BUSY_MS");
}

/* Several processes opening one new database at once: each migration step
 * is applied once, and every open succeeds (the "already applied?" check
 * is inside the step's transaction). */
static void test_concurrent_first_opens_all_succeed(void **st)
{
    (void)st;
    char p[80];
    snprintf(p, sizeof p, "/tmp/icsflow-test-race-%d.db", (int)getpid());
    for (int round = 0; round < 3; round++) {
        unlink(p);
        pid_t kids[6];
        for (int i = 0; i < 6; i++) {
            kids[i] = fork();
            assert_true(kids[i] >= 0);
            if (kids[i] == 0) {
                store *s;
                ics_err e = {0};
                int rc = store_open(p, &s, NULL, &e);
                if (!rc) store_close(s);
                _exit(rc ? 1 : 0);
            }
        }
        for (int i = 0; i < 6; i++) {
            int status;
            assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
        }
    }
    unlink(p);
    char q[96];
    snprintf(q, sizeof q, "%s-wal", p);
    unlink(q);
    snprintf(q, sizeof q, "%s-shm", p);
    unlink(q);
}

static void test_rollback_leaves_nothing(void **st)
{
    store *s = *st;
    ics_err e = {0};
    assert_int_equal(store_begin(s, &e), 0);
    add_place(s, "E09000017", "Hillingdon");
    store_rollback(s);
    assert_int_equal(qint(s, "SELECT COUNT(*) FROM places", NULL), 0);
    add_place(s, "E09000017", "Hillingdon");
    assert_int_equal(qint(s, "SELECT COUNT(*) FROM places", NULL), 1);
}

/* A directory list answered inside a write transaction is not kept for
 * others: the transaction's directory version is taken back by its
 * rollback, and the next committed change moves the directory on to that
 * same version, so a kept answer would go on showing the rolled-back row. */
static void test_directory_answer_inside_rolled_back_tx_is_not_kept(void **st)
{
    store *s = *st;
    ics_err e = {0};
    const dir_collection *bh = directory_collection_find("bank_holidays");
    app_ctx c = {s, {"t", "admin", ROLE_ADMIN, "", "api"}, 0, 0, NULL, ""};
    json_t *none = json_object(); /* no filters, as a plain GET */
    char *text = NULL;
    size_t len = 0;
    int64_t v0 = 0, v1 = 0, v2 = 0;
    assert_int_equal(store_dir_version(s, &v0, &e), 0);

    json_t *gone = json_pack("{ssss}", "date", "2031-01-02", "name", "Rolled back day");
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(app_dir_rows_upsert_json(s, bh, gone, NULL, NULL, &e), 0);
    assert_int_equal(store_dir_version(s, &v1, &e), 0);
    assert_int_equal(app_dir_list_text(&c, bh, none, 100, 0, &text, &len, &e), 0);
    assert_non_null(strstr(text, "Rolled back day")); /* the transaction sees its own row */
    free(text);
    store_rollback(s);
    json_decref(gone);

    json_t *kept = json_pack("{ssss}", "date", "2031-01-03", "name", "Committed day");
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(app_dir_rows_upsert_json(s, bh, kept, NULL, NULL, &e), 0);
    assert_int_equal(store_commit(s, &e), 0);
    json_decref(kept);
    assert_int_equal(store_dir_version(s, &v2, &e), 0);
    assert_true(v1 > v0);
    assert_int_equal(v2, v1); /* the rolled-back version, used again */

    assert_int_equal(app_dir_list_text(&c, bh, none, 100, 0, &text, &len, &e), 0);
    assert_non_null(strstr(text, "Committed day"));
    assert_null(strstr(text, "Rolled back day"));
    free(text);
    json_decref(none);
}

static void test_constraint_errors_have_codes(void **st)
{
    store *s = *st;
    ics_err e = {0};
    add_place(s, "E09000005", "Brent");
    json_t *p = json_pack("[ss]", "E09000005", "Brent again");
    assert_int_equal(store_exec_params(s, "INSERT INTO places (code, name) VALUES (?, ?)", p, &e),
                     ICS_ECONFLICT);
    json_decref(p);
    p = json_pack("[sssi]", "E09999999", "M", "0-4", 10);
    assert_int_equal(store_exec_params(s,
                                       "INSERT INTO place_population (place_code, sex, age_band, "
                                       "population) VALUES (?, ?, ?, ?)",
                                       p, &e),
                     ICS_EINVAL);
    json_decref(p);
}

static void test_upsert_rejects_unknown_reference_and_lists_problems(void **st)
{
    store *s = *st;
    ics_err e = {0};
    const dir_collection *sites = directory_collection_find("sites");
    json_t *o = json_pack("{sssssssssssfsf}", "site_code", "RYJ01", "name", "St Mary's", "org_code",
                          "RYJ", "kind", "acute", "postcode", "W2 1NY", "lat", 51.5, "lon", -0.17);
    json_t *after = NULL;
    assert_int_equal(app_dir_rows_upsert_json(s, sites, o, NULL, &after, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "no organisations with ods_code 'RYJ'"));
    json_decref(o);
    o = json_pack("{sisb}", "name", 3, "colour", 1);
    assert_int_equal(app_dir_rows_upsert_json(s, sites, o, NULL, &after, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "field 'name' must be a string"));
    assert_non_null(strstr(e.msg, "unknown field 'colour'"));
    assert_non_null(strstr(e.msg, "missing field 'site_code'"));
    json_decref(o);
}

static void test_query_json_and_audit(void **st)
{
    store *s = *st;
    ics_err e = {0};
    json_t *after = json_pack("{si}", "x", 1);
    assert_int_equal(
        store_audit(s, tz_now(), "tester", "thing.create", "thing", "7", NULL, after, "QRV", &e),
        0);
    json_decref(after);
    json_t *row = NULL;
    assert_int_equal(
        store_query_one(s, "SELECT actor, action, after_json FROM audit", NULL, &row, &e), 0);
    assert_string_equal(json_string_value(json_object_get(row, "actor")), "tester");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(row, "after"), "x")), 1);
    json_decref(row);
    assert_int_equal(
        store_query_one(s, "SELECT 1 FROM audit WHERE actor = 'nobody'", NULL, &row, &e),
        ICS_ENOTFOUND);
}

static void test_tokens_are_hashed_and_revocable(void **st)
{
    store *s = *st;
    ics_err e = {0};
    char tok[TOKEN_LEN + 1];
    int64_t id;
    app_ctx c = app_ctx_cli(s, tz_now());
    assert_int_equal(app_user_add(&c, "ana", "analyst", NULL, tok, &id, &e), 0);
    assert_int_equal(strlen(tok), TOKEN_LEN);
    json_t *p = json_pack("[s]", tok);
    assert_int_equal(qint(s, "SELECT COUNT(*) FROM tokens WHERE hash = ?", p), 0);
    json_decref(p);
    auth_user u;
    assert_int_equal(app_auth_token(s, tok, &u, &e), 0);
    assert_string_equal(u.role, "analyst");
    assert_int_equal(u.role_bit, ROLE_ANALYST);
    assert_int_equal(app_user_add(&c, "ana", "analyst", NULL, tok, &id, &e), ICS_ECONFLICT);
    assert_int_equal(app_user_add(&c, "bob", "wizard", NULL, tok, &id, &e), ICS_EINVAL);
    assert_int_equal(app_user_add(&c, "bob", "clinician", "ZZZ", tok, &id, &e), ICS_EINVAL);
    assert_int_equal(app_user_revoke(&c, "ana", &e), 0);
    assert_int_equal(app_auth_token(s, tok, &u, &e), ICS_EAUTH);
    assert_int_equal(app_user_revoke(&c, "ana", &e), ICS_ENOTFOUND);
}

static void test_same_statement_nested_is_independent(void **st)
{
    store *s = *st;
    ics_err e = {0};
    add_place(s, "E09000005", "Brent");
    add_place(s, "E09000009", "Ealing");
    const char *sql = "SELECT code FROM places ORDER BY code";
    store_stmt *outer, *inner;
    int pairs = 0;
    assert_int_equal(store_prepare(s, sql, &outer, &e), 0);
    while (store_step(outer, &e) == 1) {
        /* the same SQL while the outer statement is mid-way: a separate statement */
        assert_int_equal(store_prepare(s, sql, &inner, &e), 0);
        while (store_step(inner, &e) == 1) pairs++;
        store_finalize(inner);
    }
    store_finalize(outer);
    assert_int_equal(pairs, 4);
    /* cached statements come back reset and unbound */
    for (int i = 0; i < 3; i++) {
        store_stmt *q;
        assert_int_equal(store_prepare(s, "SELECT COUNT(*) FROM places WHERE code = ?", &q, &e), 0);
        if (i == 0) store_bind_text(q, 1, "E09000005");
        assert_int_equal(store_step(q, &e), 1);
        assert_int_equal(store_col_int(q, 0), i == 0 ? 1 : 0);
        store_finalize(q);
    }
}

static void test_statement_cache_evicts_least_recently_used(void **st)
{
    stmtcache_check_lru(*st);
}

static void test_nested_transaction_rolls_back_inner_only(void **st)
{
    store *s = *st;
    ics_err e = {0};
    assert_int_equal(store_begin(s, &e), 0);
    add_place(s, "E09000005", "Brent");
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_tx_depth(s), 2);
    add_place(s, "E09000009", "Ealing");
    store_rollback(s); /* undoes Ealing only */
    assert_int_equal(store_tx_depth(s), 1);
    assert_int_equal(store_begin(s, &e), 0);
    add_place(s, "E09000013", "Hammersmith and Fulham");
    assert_int_equal(store_commit(s, &e), 0); /* releases the savepoint, not durable yet */
    assert_int_equal(store_commit(s, &e), 0);
    assert_int_equal(store_tx_depth(s), 0);
    json_t *rows = NULL;
    assert_int_equal(store_query_json(s, "SELECT code FROM places ORDER BY code", NULL, &rows, &e),
                     0);
    assert_int_equal(json_array_size(rows), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "code")),
                        "E09000013");
    json_decref(rows);
}

/* A text column of mixed old forms becomes INTEGER seconds, NULLs stay
 * NULL, NOT NULL holds, and a value that does not parse fails the step
 * (which the migration runner then rolls back). */
static void test_migrate_instants_converts_text_columns(void **st)
{
    store *s = *st;
    ics_err e = {0};
    assert_int_equal(store_exec(s,
                                "CREATE TABLE old_times (id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
                                " gone TEXT);"
                                "INSERT INTO old_times VALUES (1, '2026-12-03T22:04:08Z', NULL),"
                                " (2, '2026-12-03 22:04:08', '1796335448'),"
                                " (3, '2026-07-01T14:05:00+01:00', '2026-07-01 13:05:00');",
                                &e),
                     0);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_migrate_instants(s, "old_times", "at!,gone", &e), 0);
    assert_int_equal(store_commit(s, &e), 0);
    assert_int_equal(qint(s, "SELECT at FROM old_times WHERE id = 1", NULL), 1796335448);
    assert_int_equal(qint(s, "SELECT at FROM old_times WHERE id = 2", NULL), 1796335448);
    assert_int_equal(qint(s, "SELECT at FROM old_times WHERE id = 3", NULL), 1782911100);
    assert_int_equal(qint(s, "SELECT gone FROM old_times WHERE id = 3", NULL), 1782911100);
    assert_int_equal(qint(s, "SELECT COUNT(*) FROM old_times WHERE gone IS NULL", NULL), 1);
    assert_int_equal(qint(s, "SELECT COUNT(*) FROM old_times WHERE typeof(at) = 'integer'", NULL),
                     3);
    assert_int_equal(store_exec(s, "INSERT INTO old_times (id, at) VALUES (4, NULL)", &e),
                     ICS_EINVAL);
    assert_int_equal(store_exec(s,
                                "CREATE TABLE bad_times (at TEXT);"
                                "INSERT INTO bad_times VALUES ('yesterday')",
                                &e),
                     0);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_migrate_instants(s, "bad_times", "at", &e), ICS_EINVAL);
    store_rollback(s);
    assert_non_null(strstr(e.msg, "bad_times.at"));
    assert_non_null(strstr(e.msg, "yesterday"));
    assert_int_equal(qint(s, "SELECT COUNT(*) FROM bad_times WHERE at = 'yesterday'", NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_are_recorded_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_instants_converts_text_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache_evicts_least_recently_used, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nested_transaction_rolls_back_inner_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_answer_inside_rolled_back_tx_is_not_kept,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_errors_have_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_int_reports_a_failed_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_database_files_are_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_database_is_busy_not_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_first_opens_all_succeed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_rejects_unknown_reference_and_lists_problems,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_json_and_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_are_hashed_and_revocable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_statement_nested_is_independent, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
