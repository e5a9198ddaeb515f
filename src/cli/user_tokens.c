/* user_tokens.c - the token actions of `icsflow user`: token (issue, or
 * rotate with --rotate ID), tokens (list with expiry and last use) and
 * revoke-token. They run the same use cases as the API (src/app/auth.c) as
 * the command line's administrator, so each change is audited alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "cli/cli.h"
#include "core/tz.h"

static const char *or_dash(const json_t *row, const char *k)
{
    const char *v = json_string_value(json_object_get(row, k));
    return v && *v ? v : "-";
}

int cli_user_tokens(store *s, const char *action, const char *name, const char *expires,
                    const char *label, const char *id_text, const char *rotate, ics_err *e)
{
    app_ctx c = cli_ctx(s);
    int64_t ttl = 0, id = 0;
    if (expires && app_ttl_parse(expires, &ttl, e)) return ICS_EINVAL;
    const char *idv = rotate ? rotate : id_text;
    if (idv) {
        char *end;
        id = strtoll(idv, &end, 10);
        if (*end || id <= 0)
            return ics_err_set(e, ICS_EINVAL, "token id '%s' is not a number", idv);
    }
    char token[TOKEN_LEN + 1];
    json_t *info = NULL, *rows = NULL;
    int rc;
    if (strcmp(action, "tokens") == 0) {
        if ((rc = app_token_list(&c, &APP_TOKENS_USER_LIST, name, &rows, e))) return rc;
        printf("%-5s %-8s %-20s %-21s %-21s %-21s %s\n", "id", "kind", "label", "created",
               "expires", "last used", "revoked");
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            printf("%-5lld %-8s %-20s %-21s %-21s %-21s %s\n",
                   (long long)json_integer_value(json_object_get(r, "id")), or_dash(r, "kind"),
                   or_dash(r, "label"), or_dash(r, "created_at"), or_dash(r, "expires_at"),
                   or_dash(r, "last_used_at"), or_dash(r, "revoked_at"));
        }
        json_decref(rows);
        return 0;
    }
    if (strcmp(action, "revoke-token") == 0) {
        if (!id) return ics_err_set(e, ICS_EINVAL, "revoke-token needs --id ID (see user tokens)");
        if ((rc = app_token_revoke(&c, &APP_TOKENS_USER_REVOKE, name, id, e))) return rc;
        printf("revoked token %lld of '%s': it no longer works\n", (long long)id, name);
        return 0;
    }
    /* token: a new one, or a replacement for --rotate ID */
    if (rotate)
        rc = app_token_rotate(&c, &APP_TOKENS_USER_ROTATE, name, id, ttl, token, &info, e);
    else
        rc = app_token_issue(&c, &APP_TOKENS_USER_ISSUE, name, label, ttl, token, &info, e);
    if (rc) return rc;
    printf("new token %lld for '%s'%s, expires %s; it is shown once:\n%s\n",
           (long long)json_integer_value(json_object_get(info, "id")), name,
           rotate ? " (the old one is revoked)" : "", or_dash(info, "expires_at"), token);
    json_decref(info);
    return 0;
}
