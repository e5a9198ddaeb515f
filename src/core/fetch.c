/* fetch.c - outbound HTTP(S) calls (see fetch.h). Only http and https are
 * followed, no redirects, and an answer larger than 1 MiB is refused, so a
 * misbehaving provider cannot make the server hang or balloon. */
#include "core/fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_MAX (1 << 20)

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t on_data(char *d, size_t sz, size_t nm, void *cls)
{
    buf *b = cls;
    size_t n = sz * nm;
    if (b->n + n > FETCH_MAX) return 0; /* aborts the transfer */
    char *p = realloc(b->p, b->n + n + 1);
    if (!p) return 0;
    memcpy(p + b->n, d, n);
    b->p = p;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

char *fetch_escape(const char *s)
{
    pthread_once(&once, init);
    CURL *c = curl_easy_init();
    char *x = c ? curl_easy_escape(c, s, 0) : NULL;
    char *out = x ? strdup(x) : NULL;
    curl_free(x);
    curl_easy_cleanup(c);
    return out;
}

int fetch_json(const char *url, const char *form, const char *user, const char *pass, long *status,
               json_t **out, ics_err *e)
{
    pthread_once(&once, init);
    *out = NULL;
    CURL *c = curl_easy_init();
    if (!c) return ics_err_set(e, ICS_EIO, "cannot start an HTTP client");
    buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (form) curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    if (user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
    }
    CURLcode rc = curl_easy_perform(c);
    long st = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (status) *status = st;
    if (rc != CURLE_OK) {
        free(b.p);
        return ics_err_set(e, ICS_EIO, "%s: %s", url, curl_easy_strerror(rc));
    }
    *out = b.p ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    if (!*out) return ics_err_set(e, ICS_EIO, "%s answered %ld without JSON", url, st);
    return 0;
}
