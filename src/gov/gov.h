/* gov.h - the governance engine: the arithmetic behind priority setting
 * (multi-criteria weighted sum, criterion weights from public engagement
 * with t-based 95% intervals, sensitivity of the top three to each weight)
 * and the accountability rule (on track / off track, trend). Pure C: plain
 * arrays in, plain arrays out, no I/O; the methods are in docs/governance.md. */
#ifndef ICS_GOV_GOV_H
#define ICS_GOV_GOV_H

#include "core/error.h"

/* At most this many criteria and options (work areas) in one ranking. */
#define GOV_MAX_CRITERIA 16
#define GOV_MAX_OPTIONS  500

/* Weighted sum (MCDA): total[i] = sum_j w'[j] score[i*k + j], where w' is w
 * normalised to sum to 1. order[0..n) receives option indices best first
 * (ties: the lower index first, so the ranking is deterministic). Scores
 * are on a common scale with higher = better for every criterion (a cost
 * criterion is scored so that cheaper scores higher). ICS_EINVAL when a
 * weight is negative or not finite, all weights are 0, or n/k are out of
 * range. */
int gov_mcda_rank(const double *score, int n, int k, const double *w, double *total, int *order,
                  ics_err *e);

/* Criterion weights from survey responses: raw[r*k + j] is respondent r's
 * weight for criterion j (any non-negative scale). Each respondent's row is
 * normalised to sum to 1 (a row of zeros is refused), then for each
 * criterion: mean[j] and the t-based 95% interval mean -/+ t(0.975, m-1)
 * s / sqrt(m) in lo[j], hi[j] (s the sample standard deviation). With one
 * respondent the interval is the point itself (lo = hi = mean) and
 * *has_ci is 0. ICS_EINVAL names the respondent (0-based) that is bad. */
int gov_weights_ci(const double *raw, int m, int k, double *mean, double *lo, double *hi,
                   int *has_ci, ics_err *e);

/* Sensitivity of the ordered top three (top min(3, n)) to each weight.
 * Changing criterion j's normalised weight by d, the others are rescaled
 * in proportion so the weights still sum to 1 (d in [-w'_j, 1 - w'_j]).
 * up[j] receives the smallest d > 0 and down[j] the smallest |d| with
 * d < 0 that changes the ordered top three, or -1 when no change within the
 * feasible range does (both as non-negative magnitudes). */
int gov_mcda_sensitivity(const double *score, int n, int k, const double *w, double *up,
                         double *down, ics_err *e);

/* Direction of a measure: whether a higher value is better. */
typedef enum { GOV_HIGHER_BETTER = 1, GOV_LOWER_BETTER = -1 } gov_direction;

typedef enum { GOV_ON_TRACK = 1, GOV_OFF_TRACK = 0, GOV_NO_DATA = -1 } gov_status;
typedef enum { GOV_IMPROVING = 1, GOV_STEADY = 0, GOV_WORSENING = -1 } gov_trend;

/* The accountability rule: on track when the current value meets the
 * target (>= for higher-better, <= for lower-better), otherwise off track;
 * no data when the value is not finite. */
gov_status gov_track_status(double value, double target, gov_direction dir);
/* Trend from the previous period's value to the current one: improving or
 * worsening when the change in the better direction is more than tolerance
 * (an absolute amount, >= 0), otherwise steady; steady when either value
 * is not finite. */
gov_trend gov_track_trend(double previous, double current, gov_direction dir, double tolerance);

const char *gov_status_name(gov_status s);
const char *gov_trend_name(gov_trend t);

#endif
