/* cmd_user.c - `icsflow user add|list|revoke|token|tokens|revoke-token`
 * (the token actions are in user_tokens.c) and `user grant|revoke --name N
 * --ics CODE` (an ICS granted to a user, through the API's use cases). The token is printed once,
 * on the last line, and only its hash is kept. */
#include <stdio.h>
#include <string.h>

#include "app/ics.h"
#include "app/users.h"
#include "cli/cli.h"
#include "core/tz.h"
#include "store/users.h"

int cmd_user(int argc, char **argv)
{
    const char *db = cli_default_db(), *name = NULL, *role = NULL, *org = NULL, *expires = NULL,
               *label = NULL, *tid = NULL, *rotate = NULL;
    const cli_opt opts[] = {
        CLI_OPT_TEXT("db", &db, "PATH  database file (default icsflow.db)"),
        CLI_OPT_TEXT("name", &name, "NAME  user name (add, revoke)"),
        CLI_OPT_TEXT(
            "role", &role,
            "ROLE  admin, coordinator, clinician, trust_ops, analyst, finance or executive (add)"),
        CLI_OPT_TEXT("org", &org, "ODS  the user's organisation (add)"),
        CLI_OPT_TEXT("expires", &expires,
                     "DURATION  token lifetime: 30d, 12h, 90m (token; default 30d)"),
        CLI_OPT_TEXT("label", &label, "TEXT  what the token is for (token)"),
        CLI_OPT_TEXT("rotate", &rotate, "ID  replace that token by a new one (token)"),
        CLI_OPT_TEXT("id", &tid, "ID  the token to revoke (revoke-token)"),
        CLI_OPT_END};
    int np, rc = cli_parse("user",
                           "user add --name NAME --role ROLE [--org ODS] | user list | "
                           "user revoke|tokens --name NAME | "
                           "user grant|revoke --name NAME --ics CODE | "
                           "user token --name NAME [--expires 30d] [--label TEXT] [--rotate ID] | "
                           "user revoke-token --name NAME --id ID   [--db PATH]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("user", "name one action: add, list, token or revoke");
    const char *action = argv[1];
    if (strcmp(action, "add") == 0) {
        if (!name) return cli_usage_error("user", "add needs --name");
        if (!role) return cli_usage_error("user", "add needs --role");
        if (!users_role_bit(role)) {
            char known[128] = "";
            for (int i = 0; i < USERS_ROLE_COUNT; i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                         users_role_names[i]);
            return cli_usage_error("user", "--role '%s' is not one of %s", role, known);
        }
    } else if (strcmp(action, "grant") == 0) {
        if (!name) return cli_usage_error("user", "grant needs --name");
        if (!cli_ics()) return cli_usage_error("user", "grant needs --ics CODE (the ICS to grant)");
    } else if (strcmp(action, "revoke") == 0 || strcmp(action, "token") == 0 ||
               strcmp(action, "tokens") == 0 || strcmp(action, "revoke-token") == 0) {
        if (!name) return cli_usage_error("user", "%s needs --name", action);
    } else if (strcmp(action, "list") != 0) {
        return cli_usage_error(
            "user", "unknown action '%s' (add, list, grant, token, tokens, revoke-token or revoke)",
            action);
    }
    store *s;
    if ((rc = cli_open("user", db, &s))) return rc;
    ics_err e = {0};
    if (strcmp(action, "add") == 0) {
        char token[TOKEN_LEN + 1];
        int64_t id;
        app_ctx c = cli_ctx(s);
        rc = app_user_add(&c, name, role, org, token, &id, &e);
        if (!rc) {
            printf("created user '%s' (id %lld, role %s%s%s); the token is shown once:\n", name,
                   (long long)id, role, org ? ", organisation " : "", org ? org : "");
            printf("%s\n", token);
        }
    } else if (strcmp(action, "token") == 0 || strcmp(action, "tokens") == 0 ||
               strcmp(action, "revoke-token") == 0) {
        rc = cli_user_tokens(s, action, name, expires, label, tid, rotate, &e);
    } else if (strcmp(action, "grant") == 0) {
        app_ctx c = cli_ctx(s);
        int added = 0;
        rc = app_ics_grant(&c, name, cli_ics(), &added, &e);
        if (!rc)
            printf(added ? "granted ICS %s to '%s'\n" : "'%s' holds ICS %s already\n",
                   added ? cli_ics() : name, added ? name : cli_ics());
    } else if (strcmp(action, "revoke") == 0 && cli_ics()) {
        /* with --ics: the grant only; the user stays */
        app_ctx c = cli_ctx(s);
        rc = app_ics_revoke(&c, name, cli_ics(), &e);
        if (!rc) printf("took ICS %s back from '%s' (the user stays)\n", cli_ics(), name);
    } else if (strcmp(action, "revoke") == 0) {
        app_ctx c = cli_ctx(s);
        rc = app_user_revoke(&c, name, &e);
        if (!rc) printf("revoked '%s': its tokens no longer work\n", name);
    } else {
        json_t *rows;
        app_ctx c = cli_ctx(s);
        rc = app_user_list(&c, &rows, &e);
        if (!rc) {
            printf("%-4s %-24s %-12s %-6s %-21s %s\n", "id", "name", "role", "org", "created",
                   "revoked");
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r)
            {
                const char *org_code = json_string_value(json_object_get(r, "org_code"));
                const char *rev = json_string_value(json_object_get(r, "revoked_at"));
                printf("%-4lld %-24s %-12s %-6s %-21s %s\n",
                       (long long)json_integer_value(json_object_get(r, "id")),
                       json_string_value(json_object_get(r, "name")),
                       json_string_value(json_object_get(r, "role")), org_code ? org_code : "-",
                       json_string_value(json_object_get(r, "created_at")), rev ? rev : "-");
            }
            json_decref(rows);
        }
    }
    store_close(s);
    return rc ? cli_fail("user", &e) : 0;
}
