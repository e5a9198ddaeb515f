/* track.c - the accountability rule: whether an outcome is on track
 * against its target, and which way it is moving. Kept apart from the
 * measures themselves (computed live in src/app) so that the rule is
 * stated once and tested on its own. */
#include <math.h>

#include "gov/gov.h"

gov_status gov_track_status(double value, double target, gov_direction dir)
{
    if (!isfinite(value) || !isfinite(target)) return GOV_NO_DATA;
    if (dir == GOV_HIGHER_BETTER) return value >= target ? GOV_ON_TRACK : GOV_OFF_TRACK;
    return value <= target ? GOV_ON_TRACK : GOV_OFF_TRACK;
}

gov_trend gov_track_trend(double previous, double current, gov_direction dir, double tolerance)
{
    if (!isfinite(previous) || !isfinite(current)) return GOV_STEADY;
    double better = (current - previous) * (dir == GOV_HIGHER_BETTER ? 1 : -1);
    if (better > tolerance) return GOV_IMPROVING;
    if (better < -tolerance) return GOV_WORSENING;
    return GOV_STEADY;
}

const char *gov_status_name(gov_status s)
{
    return s == GOV_ON_TRACK ? "on track" : s == GOV_OFF_TRACK ? "off track" : "no data";
}

const char *gov_trend_name(gov_trend t)
{
    return t == GOV_IMPROVING ? "improving" : t == GOV_WORSENING ? "worsening" : "steady";
}
