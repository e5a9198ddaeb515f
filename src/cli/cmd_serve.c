/* cmd_serve.c - `icsflow serve`: the HTTP API and dashboard. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/oidc.h"
#include "app/jobs.h"
#include "app/limits.h"
#include "cli/cli.h"
#include "http/routes.h"
#include "http/mllp.h"
#include "store/users.h"
#include "http/server.h"

/* The whole API on one screen: method, path, roles, and for routes that run
 * a use case its name and organisation scope. */
static int print_routes(void)
{
    static const char *const scopes[] = {"none", "own-org", "own-trust", "party", "ics"};
    for (const http_route *const *t = http_route_tables(); *t; t++)
        for (const http_route *r = *t; r->method; r++) {
            unsigned rb = http_route_roles(r);
            printf("%s %s ", r->method, r->pattern);
            if (rb == ROLE_PUBLIC) printf("public");
            for (int i = 0, n = 0; i < USERS_ROLE_COUNT; i++)
                if (rb & (1u << i)) printf("%s%s", n++ ? "," : "", users_role_names[i]);
            if (r->use) printf(" %s scope=%s", r->use->name, scopes[r->use->scope]);
            printf("\n");
        }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8080", *db = cli_default_db(), *web = NULL, *limit = "1048576",
               *threads = "4", *port_file = NULL, *jobs = "2", *mllp = NULL, *mllp_port_file = NULL;
    /* Server limits (defaults from http_limits_default; docs/security.md). */
    const char *max_conns = NULL, *per_addr = NULL, *streams = NULL, *hdr_to = NULL,
               *body_to = NULL, *idle_to = NULL, *body_total = NULL, *auth_fails = NULL,
               *auth_window = NULL, *proxies = NULL;
    /* OpenID Connect sign-in (app/oidc.h); the secret comes from the
     * environment (ICSFLOW_OIDC_CLIENT_SECRET), never the command line. */
    app_oidc_config oidc = {0};
    /* Resource limits of simulations and allocations (src/app/limits.h). */
    const char *max_ev = NULL, *max_beds = NULL, *max_arcs = NULL;
    /* Event streams (http/stream.h; docs/events.md). */
    const char *hb = NULL, *sbuf = NULL, *swin = NULL, *stall = NULL;
    int routes = 0;
    long db_pool = 0;
    const cli_opt opts[] = {
        CLI_OPT_TEXT("listen", &listen, "HOST:PORT  address to listen on (default 127.0.0.1:8080)"),
        CLI_OPT_TEXT("db", &db,
                     "PATH  database file or postgresql:// URI, created and seeded if new "
                     "(default icsflow.db)"),
        CLI_OPT_INT("db-pool", &db_pool, 1, 1000,
                    "N  most database connections open at once (default twice --threads, plus 2)"),
        CLI_OPT_TEXT("web", &web,
                     "DIR  dashboard files to serve at / (default: found like --data, see docs)"),
        CLI_OPT_TEXT("body-limit", &limit,
                     "BYTES  largest request body accepted (default 1048576)"),
        CLI_OPT_TEXT("threads", &threads, "N  worker threads (default 4)"),
        CLI_OPT_TEXT("port-file", &port_file, "FILE  write the bound port there (for tests)"),
        CLI_OPT_TEXT("max-conns", &max_conns, "N  open connections in all (default 2000)"),
        CLI_OPT_TEXT("conns-per-addr", &per_addr,
                     "N  connections, and requests in flight, from one address (default 128)"),
        CLI_OPT_TEXT("mllp", &mllp,
                     "[HOST:]PORT  also take HL7 v2 ADT messages over MLLP (host default "
                     "127.0.0.1)"),
        CLI_OPT_TEXT("mllp-port-file", &mllp_port_file,
                     "FILE  write the MLLP port there (for tests)"),
        CLI_OPT_TEXT("streams-per-addr", &streams,
                     "N  event streams from one address, counted apart (default 64)"),
        CLI_OPT_TEXT(
            "header-timeout", &hdr_to,
            "SECS  to send a request's headers, from connect or the last answer (default 10)"),
        CLI_OPT_TEXT("body-timeout", &body_to,
                     "SECS  to send a request body after its headers (default 60)"),
        CLI_OPT_TEXT("idle-timeout", &idle_to,
                     "SECS  of silence before a connection closes (default 30)"),
        CLI_OPT_TEXT("body-total", &body_total,
                     "MIB  request bodies buffered at once, all clients (default 256); 503 beyond"),
        CLI_OPT_TEXT("auth-fails", &auth_fails,
                     "N  failed sign-ins from one address before 429 (default 10)"),
        CLI_OPT_TEXT("auth-window", &auth_window,
                     "SECS  the window those failures count in (default 300)"),
        CLI_OPT_TEXT("trusted-proxy", &proxies,
                     "ADDR[,ADDR]  proxies whose X-Forwarded-For names the client (default none)"),
        CLI_OPT_TEXT("oidc-issuer", &oidc.issuer,
                     "URL  OpenID Connect provider for dashboard sign-in (default off)"),
        CLI_OPT_TEXT("oidc-client-id", &oidc.client_id,
                     "ID  this server's client id at the provider"),
        CLI_OPT_TEXT("oidc-redirect-uri", &oidc.redirect_uri,
                     "URL  .../api/v1/auth/oidc/callback as registered at the provider"),
        CLI_OPT_TEXT("oidc-mapping", &oidc.mapping_path,
                     "FILE  claims to role and organisation (see data/oidc_mapping.example.json)"),
        CLI_OPT_TEXT(
            "oidc-scopes", &oidc.scopes,
            "LIST  scopes asked for (default 'openid profile nationalrbacaccess selectedrole')"),
        CLI_OPT_TEXT("job-workers", &jobs, "N  threads running background jobs (default 2)"),
        CLI_OPT_TEXT("max-sim-events", &max_ev,
                     "N  largest simulation one request may ask (1e9 events)"),
        CLI_OPT_TEXT("max-sim-beds", &max_beds,
                     "N  most beds a simulation may need (default 100000)"),
        CLI_OPT_TEXT("max-alloc-arcs", &max_arcs,
                     "N  largest allocation network (default 5e7 arcs)"),
        CLI_OPT_TEXT("stream-heartbeat", &hb,
                     "SECS  heartbeat on an idle event stream (default 15)"),
        CLI_OPT_TEXT("stream-buffer", &sbuf,
                     "KIB  events buffered per stream, at most (default 256)"),
        CLI_OPT_TEXT("stream-window", &swin,
                     "N  most missed events a resuming stream replays (default 10000)"),
        CLI_OPT_TEXT(
            "stream-stall", &stall,
            "SECS  a stream client may leave events unread before it is cut off (default 20)"),
        CLI_OPT_FLAG("routes", &routes, "print the route table (METHOD PATH ROLES) and exit"),
        CLI_OPT_END};
    int np,
        rc = cli_parse("serve", "serve [--listen HOST:PORT] [--db PATH]", argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error("serve", "unexpected argument '%s'", argv[1]);
    if (routes) return print_routes();
    char host[64];
    const char *colon = strrchr(listen, ':');
    long port, nthreads, body;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return cli_usage_error("serve", "--listen '%s' must be HOST:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (cli_int("serve", "listen", colon + 1, 0, 65535, &port)) return 2;
    if (cli_int("serve", "threads", threads, 1, 64, &nthreads)) return 2;
    if (cli_int("serve", "body-limit", limit, 1024, 1L << 30, &body)) return 2;
    http_limits lim;
    http_limits_default(&lim);
    const struct {
        const char *name, *v;
        long lo, hi;
        unsigned *out;
    } nums[] = {{"max-conns", max_conns, 1, 100000, &lim.max_conns},
                {"conns-per-addr", per_addr, 1, 100000, &lim.conns_per_addr},
                {"streams-per-addr", streams, 0, 10000, &lim.streams_per_addr},
                {"header-timeout", hdr_to, 1, 3600, &lim.header_timeout},
                {"body-timeout", body_to, 1, 86400, &lim.body_timeout},
                {"idle-timeout", idle_to, 1, 86400, &lim.idle_timeout},
                {"auth-fails", auth_fails, 1, 1000000, &lim.auth_fails},
                {"auth-window", auth_window, 1, 86400, &lim.auth_window}};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        long v;
        if (!nums[i].v) continue;
        if (cli_int("serve", nums[i].name, nums[i].v, nums[i].lo, nums[i].hi, &v)) return 2;
        *nums[i].out = (unsigned)v;
    }
    lim.reqs_per_addr = lim.conns_per_addr;
    if (body_total) {
        long mib;
        if (cli_int("serve", "body-total", body_total, 1, 1L << 20, &mib)) return 2;
        lim.body_total = (size_t)mib << 20;
    }
    if (proxies && http_limits_set_proxies(&lim, proxies))
        return cli_usage_error(
            "serve", "--trusted-proxy '%s' must be up to %d IP addresses, comma-separated", proxies,
            LIMITS_MAX_PROXIES);
    long njobs;
    if (cli_int("serve", "job-workers", jobs, 1, 8, &njobs)) return 2;
    app_limits alim = app_limits_get();
    if ((max_ev && cli_double("serve", "max-sim-events", max_ev, 1, 1e15, &alim.sim_events)) ||
        (max_beds && cli_double("serve", "max-sim-beds", max_beds, 1, 1e9, &alim.sim_beds)) ||
        (max_arcs && cli_double("serve", "max-alloc-arcs", max_arcs, 1, 1e12, &alim.alloc_arcs)))
        return 2;
    app_limits_set(&alim);
    store *s;
    if ((rc = cli_open("serve", db, &s))) return rc;
    store_close(s); /* the server keeps its own pool of connections */
    web = cli_web_dir(web);
    if (oidc.issuer) {
        oidc.client_secret = getenv("ICSFLOW_OIDC_CLIENT_SECRET");
        ics_err oe = {0};
        if (app_oidc_configure(&oidc, &oe)) return cli_fail("serve", &oe);
    }
    http_stream_config scfg;
    http_stream_config_default(&scfg);
    long v;
    if (hb && cli_int("serve", "stream-heartbeat", hb, 1, 3600, &v)) return 2;
    if (hb) scfg.heartbeat = (int)v;
    if (sbuf && cli_int("serve", "stream-buffer", sbuf, 4, 1L << 20, &v)) return 2;
    if (sbuf) scfg.buffer = (size_t)v * 1024;
    if (swin && cli_int("serve", "stream-window", swin, 0, 100000000L, &v)) return 2;
    if (swin) scfg.window = v;
    if (stall && cli_int("serve", "stream-stall", stall, 1, 3600, &v)) return 2;
    if (stall) scfg.stall = (int)v;
    http_config cfg = {db,        host, (int)port, web,         (size_t)body, (int)nthreads,
                       port_file, &lim, &scfg,     (int)db_pool};
    ics_err e = {0};
    if (app_jobs_start(db, (int)njobs, &e)) {
        app_oidc_shutdown();
        return cli_fail("serve", &e);
    }
    if (mllp) {
        /* [HOST:]PORT; the host is loopback unless given */
        char mhost[64] = "127.0.0.1";
        const char *colon = strrchr(mllp, ':'), *mport = colon ? colon + 1 : mllp;
        long mp;
        if (colon && (size_t)(colon - mllp) >= sizeof mhost)
            return cli_usage_error("serve", "--mllp: the host is too long");
        if (colon) snprintf(mhost, sizeof mhost, "%.*s", (int)(colon - mllp), mllp);
        if (cli_int("serve", "mllp", mport, 0, 65535, &mp)) return 2;
        if (http_mllp_start(db, mhost, (int)mp, mllp_port_file, 16, &e)) {
            app_jobs_stop();
            app_oidc_shutdown();
            return cli_fail("serve", &e);
        }
    }
    rc = http_serve(&cfg, &e);
    http_mllp_stop();
    app_jobs_stop();
    app_oidc_shutdown();
    return rc ? cli_fail("serve", &e) : 0;
}
