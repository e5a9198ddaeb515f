/* actions.c - which escalation actions are due on a day, from the levels
 * of the OPEL framework's pillars and of the ICS as a whole, and the checks
 * on an action definition an ICS loads. Pure: the levels come in, a yes or
 * a no goes out; the definitions and the checklist live in the store. */
#include "sitrep/sitrep.h"

#include <assert.h>
#include <string.h>

#include "core/problems.h"

int sitrep_action_pillar_find(const char *name)
{
    if (name && strcmp(name, "ics") == 0) return SITREP_PILLAR_ICS;
    return sitrep_pillar_find(name);
}

const char *sitrep_action_pillar_name(int pillar)
{
    return pillar == SITREP_PILLAR_ICS ? "ics" : sitrep_pillar_name(pillar);
}

int sitrep_action_due(int pillar, int level, const int pillar_max[SITREP_NPILLARS], int ics_level)
{
    assert(pillar_max);
    if (level < 1 || level > 4) return 0;
    if (pillar == SITREP_PILLAR_ICS) return ics_level >= level;
    if (pillar < 0 || pillar >= SITREP_NPILLARS) return 0;
    return ics_level >= level || pillar_max[pillar] >= level;
}

static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 1;
    return 0;
}

int sitrep_action_check(const char *pillar, long long level, const char *text, int role_ok,
                        ics_err *e)
{
    problems p;
    problems_init(&p);
    if (sitrep_action_pillar_find(pillar) < 0)
        problems_add(&p, "pillar must be acute, community, mental_health, nhs111 or ics, not '%s'",
                     pillar ? pillar : "");
    if (level < 1 || level > 4) problems_add(&p, "level must be 1 to 4, not %lld", level);
    size_t n = text ? strlen(text) : 0;
    if (n == 0)
        problems_add(&p, "the action text is empty");
    else if (n > SITREP_ACTION_MAX)
        problems_add(&p, "the action text is %zu bytes; at most %d", n, SITREP_ACTION_MAX);
    else if (has_control(text))
        problems_add(&p, "the action text holds a control character");
    if (!role_ok)
        problems_add(&p, "owner_role is not a role icsflow knows (admin, coordinator, ...)");
    return problems_done(&p, e);
}
