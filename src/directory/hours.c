/* hours.c - parse and print weekly opening hours (grammar in directory.h). */
#include "directory/directory.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "BH"};

static int day_at(const char **p)
{
    for (int i = 0; i < 8; i++) {
        size_t n = strlen(days[i]);
        if (strncasecmp(*p, days[i], n) == 0) {
            *p += n;
            return i;
        }
    }
    return -1;
}

static int hhmm(const char **p, int allow24)
{
    int h, m, n = 0;
    if (sscanf(*p, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5) return -1;
    if (m < 0 || m > 59 || h < 0 || h > 24 || (h == 24 && (m != 0 || !allow24))) return -1;
    *p += 5;
    return h * 60 + m;
}

static void skip(const char **p)
{
    while (**p == ' ' || **p == '\t') (*p)++;
}

/* One clause: DAYS INTERVALS | DAYS closed */
static int clause(const char *c, size_t len, dir_hours *h, ics_err *e)
{
    char buf[256];
    if (len >= sizeof buf) return ics_err_set(e, ICS_EINVAL, "opening-hours clause is too long");
    memcpy(buf, c, len);
    buf[len] = '\0';
    const char *p = buf;
    skip(&p);
    if (*p == '\0') return 0;
    if (strcmp(p, "24/7") == 0) {
        for (int d = 0; d < 7; d++) {
            h->n[d] = 1;
            h->iv[d][0] = (dir_interval){0, 1440};
        }
        return 0;
    }
    int first = day_at(&p), last = first;
    if (first < 0) goto bad;
    if (*p == '-') {
        p++;
        last = day_at(&p);
        if (last < 0 || last == DIR_BH || first == DIR_BH || last < first) goto bad;
    }
    skip(&p);
    int set[8] = {0};
    for (int d = first; d <= last; d++) set[d] = 1;
    if (set[DIR_BH]) h->bh_set = 1;
    if (strncasecmp(p, "closed", 6) == 0 && p[6 + strspn(p + 6, " ")] == '\0') {
        for (int d = 0; d < 8; d++)
            if (set[d]) h->n[d] = 0;
        return 0;
    }
    dir_interval iv[DIR_MAX_IV];
    int k = 0;
    while (*p) {
        if (k == DIR_MAX_IV)
            return ics_err_set(e, ICS_EINVAL, "opening hours '%s': at most %d intervals a day", buf,
                               DIR_MAX_IV);
        int o = hhmm(&p, 0);
        if (o < 0 || *p++ != '-') goto bad;
        int cl = hhmm(&p, 1);
        if (cl < 0 || cl == o) goto bad;
        iv[k++] = (dir_interval){(short)o, (short)cl};
        skip(&p);
    }
    if (k == 0) goto bad;
    for (int d = 0; d < 8; d++)
        if (set[d]) {
            h->n[d] = (unsigned char)k;
            memcpy(h->iv[d], iv, sizeof iv[0] * (size_t)k);
        }
    return 0;
bad:
    return ics_err_set(e, ICS_EINVAL,
                       "opening hours '%s' not understood (expected e.g. 'Mon-Fri 08:00-20:00; "
                       "Sat-Sun 09:00-17:00; BH closed' or '24/7')",
                       buf);
}

int directory_hours_parse(const char *spec, dir_hours *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (!spec || !*spec) return ics_err_set(e, ICS_EINVAL, "opening hours are empty");
    const char *p = spec;
    for (;;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (clause(p, len, out, e)) return ICS_EINVAL;
        if (!semi) break;
        p = semi + 1;
    }
    return 0;
}

void directory_hours_format(const dir_hours *h, sb *out)
{
    int first = 1;
    for (int d = 0; d < 8; d++) {
        if (d == DIR_BH && !h->bh_set) break;
        if (!first) sb_puts(out, "; ");
        first = 0;
        sb_puts(out, days[d]);
        if (h->n[d] == 0) sb_puts(out, " closed");
        for (int k = 0; k < h->n[d]; k++)
            sb_printf(out, " %02d:%02d-%02d:%02d", h->iv[d][k].open / 60, h->iv[d][k].open % 60,
                      h->iv[d][k].close / 60, h->iv[d][k].close % 60);
    }
}
