/* run.c - replications on all cores, summaries with confidence intervals,
 * the search for the fewest beds that meet a target, and the policy sweep.
 *
 * Each replication writes only its own slot and the summary is formed in
 * replication order afterwards, so results are identical for any number of
 * threads. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/stats.h"
#include "sim/sim.h"

sim_result *sim_result_new(int reps)
{
    if (reps < 1 || reps > SIM_MAX_REPS) return NULL;
    sim_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->rep = calloc((size_t)reps, sizeof *r->rep);
    if (!r->rep) {
        free(r);
        return NULL;
    }
    r->reps = reps;
    return r;
}

void sim_result_free(sim_result *r)
{
    if (!r) return;
    free(r->rep);
    free(r);
}

/* Mean, sample sd and 95% t interval of the double at byte offset off in
 * each replication, skipping NaN (a place with no patients that time). */
static sim_stat stat_of(const sim_result *r, size_t off)
{
    sim_stat s = {0};
    double sum = 0, ss = 0;
    for (int k = 0; k < r->reps; k++) {
        double v = *(const double *)((const char *)&r->rep[k] + off);
        if (isnan(v)) continue;
        sum += v;
        s.n++;
    }
    if (!s.n) {
        s.mean = s.sd = s.lo = s.hi = NAN;
        return s;
    }
    s.mean = sum / s.n;
    for (int k = 0; k < r->reps; k++) {
        double v = *(const double *)((const char *)&r->rep[k] + off);
        if (!isnan(v)) ss += (v - s.mean) * (v - s.mean);
    }
    s.sd = s.n > 1 ? sqrt(ss / (s.n - 1)) : 0;
    double half = s.n > 1 ? stats_t_quantile(0.975, s.n - 1) * s.sd / sqrt(s.n) : 0;
    /* every metric is >= 0: the interval is cut at 0 rather than show a
     * negative wait or share */
    s.lo = s.mean - half > 0 ? s.mean - half : 0;
    s.hi = s.mean + half;
    return s;
}

static void summarise(const sim_scenario *sc, sim_result *r)
{
    for (int m = 0; m < SIM_NMETRICS; m++)
        r->m[m] = stat_of(r, offsetof(sim_rep, m) + m * sizeof(double));
    for (int u = 0; u < sc->nunits; u++)
        r->unit_occ[u] = stat_of(r, offsetof(sim_rep, unit_occ) + u * sizeof(double));
    for (int i = 0; i < sc->nplaces; i++) {
        r->place_wait[i] = stat_of(r, offsetof(sim_rep, place_wait) + i * sizeof(double));
        r->place_over[i] = stat_of(r, offsetof(sim_rep, place_over) + i * sizeof(double));
    }
    r->censored = r->events = 0;
    for (int k = 0; k < r->reps; k++) {
        r->censored += r->rep[k].censored;
        r->events += r->rep[k].events;
    }
    r->beds = sim_scenario_beds(sc);
    r->offered_load = sim_scenario_load(sc);
}

typedef struct job {
    const sim_scenario *sc;
    sim_result *r;
    pthread_mutex_t mu;
    int next, done, rc;
    progress_fn progress;
    void *ctx;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        if (!j->rc && j->sc->stop && atomic_load_explicit(j->sc->stop, memory_order_relaxed))
            j->rc = ICS_ECONFLICT;
        int k = j->rc ? j->r->reps : j->next++;
        pthread_mutex_unlock(&j->mu);
        if (k >= j->r->reps) break;
        int rc = sim_rep_run(j->sc, k, &j->r->rep[k]);
        pthread_mutex_lock(&j->mu);
        if (rc && !j->rc) j->rc = rc;
        j->done++;
        if (j->progress) j->progress(j->ctx, (double)j->done / j->r->reps);
        pthread_mutex_unlock(&j->mu);
    }
    return NULL;
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int sim_run(const sim_scenario *sc, int threads, progress_fn progress, void *ctx, sim_result **out,
            ics_err *e)
{
    *out = NULL;
    int rc = sim_scenario_check(sc, e);
    if (rc) return rc;
    sim_result *r = sim_result_new(sc->reps);
    if (!r) return ics_err_set(e, ICS_ENOMEM, "out of memory for %d replications", sc->reps);
    if (threads <= 0) threads = cores();
    if (threads > sc->reps) threads = sc->reps;
    job j = {.sc = sc, .r = r, .progress = progress, .ctx = ctx};
    pthread_mutex_init(&j.mu, NULL);
    pthread_t tid[256];
    int started = 0;
    for (int t = 1; t < threads && t < 256; t++)
        if (pthread_create(&tid[started], NULL, worker, &j) == 0) started++;
    worker(&j); /* the calling thread works too; with threads = 1 it is alone */
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&j.mu);
    if (j.rc) {
        sim_result_free(r);
        return j.rc == ICS_ECONFLICT
                   ? ics_err_set(e, j.rc, "the run was cancelled")
                   : ics_err_set(e, j.rc, "simulation failed: %s",
                                 j.rc == ICS_ENOMEM ? "out of memory" : "internal error");
    }
    summarise(sc, r);
    *out = r;
    return 0;
}

int sim_target_met(const sim_scenario *sc, const sim_result *r, int conservative)
{
    const sim_stat *s = &r->m[SIM_P_OVER_TARGET];
    double v = conservative ? s->hi : s->mean;
    return r->m[SIM_PATIENTS].mean > 0 && v < sc->target_prob && r->censored == 0;
}

/* ---- search ----------------------------------------------------------------
 * The fewest beds that meet the target. With common random numbers the
 * estimated P(wait > target) falls (almost always monotonically) as beds are
 * added, so an upward phase (a quarter more beds each step) brackets the
 * answer and a bisection finds it: typically ten to fifteen evaluations of
 * the whole replication set. Below the offered load no number of beds can
 * meet a target in the long run, so the search starts there. */

typedef struct search_ctx {
    progress_fn fn;
    void *ctx;
    int k;
} search_ctx;

static void search_progress(void *c, double f)
{
    search_ctx *s = c;
    /* evaluations are not known in advance: each new one closes a share of
     * what is left, so the bar moves steadily and never reaches 100% early */
    double done = 1.0 - pow(0.85, s->k), next = 1.0 - pow(0.85, s->k + 1);
    if (s->fn) s->fn(s->ctx, done + (next - done) * f);
}

static void apply(sim_scenario *sc, sim_search_mode mode, const double *w, int n)
{
    if (mode == SIM_SEARCH_PER_UNIT)
        for (int u = 0; u < sc->nunits; u++) sc->units[u].beds = n;
    else
        sim_scenario_scale(sc, n, mode == SIM_SEARCH_BY_LOAD ? w : NULL);
}

static int evaluate(sim_scenario *sc, sim_search_mode mode, const double *w, int n,
                    int conservative, int threads, search_ctx *pc, sim_search *out, int *met,
                    ics_err *e)
{
    apply(sc, mode, w, n);
    sim_result *r = NULL;
    int rc = sim_run(sc, threads, pc->fn ? search_progress : NULL, pc, &r, e);
    pc->k++;
    out->evaluations++;
    if (rc) return rc;
    *met = sim_target_met(sc, r, conservative);
    if (*met && (!out->found || n <= (mode == SIM_SEARCH_PER_UNIT ? out->per_unit : out->total))) {
        out->found = 1;
        out->total = sim_scenario_beds(sc);
        out->per_unit = mode == SIM_SEARCH_PER_UNIT ? n : 0;
        for (int u = 0; u < sc->nunits; u++) out->unit_beds[u] = sc->units[u].beds;
        out->p_over = r->m[SIM_P_OVER_TARGET];
        out->mean_wait = r->m[SIM_MEAN_WAIT];
        out->occupancy = r->m[SIM_OCCUPANCY];
    }
    sim_result_free(r);
    return 0;
}

int sim_beds_search(const sim_scenario *sc0, sim_search_mode mode, int conservative, int threads,
                    progress_fn progress, void *ctx, sim_search *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    int rc = sim_scenario_check(sc0, e);
    if (rc) return rc;
    sim_scenario *sc = malloc(sizeof *sc);
    if (!sc) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    *sc = *sc0;
    double w[SIM_MAX_UNITS];
    sim_unit_loads(sc0, w);
    search_ctx pc = {progress, ctx, 0};
    double load = sim_scenario_load(sc);
    int per = mode == SIM_SEARCH_PER_UNIT;
    /* lo: known (or assumed, below the load) not to meet; hi: meets */
    int lo = per ? (int)floor(load / sc->nunits) : (int)floor(load);
    /* a target not met with four times the offered load (or twice today's
     * beds) is a structural problem, such as a place whose only unit has no
     * beds in today's split: report it not found rather than search on */
    double cap = fmax(4 * load, 2.0 * sim_scenario_beds(sc0)) + 50;
    int limit = (int)fmin(per ? cap / sc->nunits + 1 : cap, per ? 100000.0 / sc->nunits : 100000);
    int hi = lo + 1, met = 0;
    if (hi < 1) hi = 1;
    for (;;) {
        rc = evaluate(sc, mode, w, hi, conservative, threads, &pc, out, &met, e);
        if (rc || met) break;
        lo = hi;
        hi = hi + (hi + 3) / 4 + 1; /* grow by about a quarter each time */
        if (hi > limit) break;
    }
    while (!rc && met && hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        int ok = 0;
        rc = evaluate(sc, mode, w, mid, conservative, threads, &pc, out, &ok, e);
        if (ok)
            hi = mid;
        else
            lo = mid;
    }
    free(sc);
    if (!rc && progress) progress(ctx, 1.0);
    return rc;
}

/* ---- sweep ------------------------------------------------------------------ */

int sim_sweep_run(const sim_scenario *sc0, int lo, int hi, int npoints, int threads,
                  progress_fn progress, void *ctx, sim_sweep *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (npoints < 2) npoints = 2;
    if (npoints > 64) npoints = 64;
    if (lo < 1) lo = 1;
    if (hi <= lo) hi = lo + 1;
    if (hi - lo + 1 < npoints) npoints = hi - lo + 1;
    sim_scenario *sc = malloc(sizeof *sc);
    if (!sc) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    out->npoints = npoints;
    out->target_days = sc0->target_days;
    out->target_prob = sc0->target_prob;
    out->today = sim_scenario_beds(sc0);
    int rc = 0, step = 0, steps = 2 * npoints;
    double w[SIM_MAX_UNITS];
    sim_unit_loads(sc0, w);
    for (int pol = 0; pol < 2 && !rc; pol++) {
        for (int i = 0; i < npoints && !rc; i++) {
            *sc = *sc0;
            sc->policy = pol ? SIM_POLICY_POOLED : SIM_POLICY_BOROUGH;
            int total = lo + (int)lround((double)(hi - lo) * i / (npoints - 1));
            sim_scenario_scale(sc, total, w);
            sim_result *r = NULL;
            rc = sim_run(sc, threads, NULL, NULL, &r, e);
            if (rc) break;
            sim_sweep_point *p = &out->pt[pol][i];
            p->total = total;
            p->mean_wait = r->m[SIM_MEAN_WAIT];
            p->p_over = r->m[SIM_P_OVER_TARGET];
            p->occupancy = r->m[SIM_OCCUPANCY];
            sim_result_free(r);
            if (progress) progress(ctx, (double)++step / steps);
        }
    }
    free(sc);
    return rc;
}
