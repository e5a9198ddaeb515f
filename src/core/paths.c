/* paths.c - finding the data and web folders at run time (see paths.h). */
#include "core/paths.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_marker(const char *dir, const char *marker)
{
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", dir, marker);
    return n > 0 && (size_t)n < sizeof p && access(p, R_OK) == 0;
}

static int take(const char *dir, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s", dir);
    return n > 0 && (size_t)n < cap;
}

int paths_find(const char *kind, const char *flag, const char *marker, char *out, size_t cap,
               ics_err *e)
{
    assert(kind && marker && out && cap > 0);
    if (flag && *flag) {
        if (has_marker(flag, marker) && take(flag, out, cap)) return 0;
        return ics_err_set(e, ICS_ENOTFOUND, "--%s '%s' is not an icsflow %s folder (no %s in it)",
                           kind, flag, kind, marker);
    }
    char env[32];
    snprintf(env, sizeof env, "ICSFLOW_%s", kind);
    for (char *c = env; *c; c++) *c = (char)toupper((unsigned char)*c);
    const char *v = getenv(env);
    if (v && *v) {
        if (has_marker(v, marker) && take(v, out, cap)) return 0;
        return ics_err_set(e, ICS_ENOTFOUND, "%s='%s' is not an icsflow %s folder (no %s in it)",
                           env, v, kind, marker);
    }
    char exe[PATH_MAX], beside[PATH_MAX + 64] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        int w = snprintf(beside, sizeof beside, "%s/../share/icsflow/%s", exe, kind);
        if (w > 0 && (size_t)w < sizeof beside && has_marker(beside, marker) &&
            take(beside, out, cap))
            return 0;
    }
    if (has_marker(kind, marker) && take(kind, out, cap)) return 0;
    return ics_err_set(e, ICS_ENOTFOUND,
                       "cannot find the %s folder: tried %s, %s and ./%s; pass --%s DIR or set %s",
                       kind, env, beside[0] ? beside : "../share/icsflow beside the program", kind,
                       kind, env);
}
