/* review.c - the bed review as one call: the warm-up (as given, or longer
 * when MSER-5 on pilot replications asks for it), each policy as the
 * scenario stands, then the fewest beds each needs, on the same random
 * numbers, with one progress bar over the whole job. Used by the CLI and
 * the API alike. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

typedef struct stage {
    progress_fn fn;
    void *ctx;
    double from, span;
} stage;

static void stage_progress(void *c, double f)
{
    stage *s = c;
    if (s->fn) s->fn(s->ctx, s->from + s->span * f);
}

void sim_review_free(sim_review *r)
{
    if (!r) return;
    for (int p = 0; p < 2; p++) {
        sim_result_free(r->res[p]);
        r->res[p] = NULL;
    }
}

int sim_review_run(const sim_scenario *sc0, int policies, int search, int conservative, int threads,
                   progress_fn progress, void *ctx, sim_review *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (!(policies & (SIM_REVIEW_BOROUGH | SIM_REVIEW_POOLED)))
        return ics_err_set(e, ICS_EINVAL, "no policy to review");
    sim_scenario *sc = malloc(sizeof *sc);
    if (!sc) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    out->policies = policies;
    out->searched = search;
    out->warmup_days = sc0->warmup_days;
    out->mser5_days = -1;
    int np = (policies & 1) + (policies >> 1 & 1), rc = 0;
    /* a search costs roughly ten runs: weight the bar accordingly; the
     * MSER-5 pilots cost about one run */
    int pilots = sc0->warmup_rule == SIM_WARMUP_MSER5;
    double total = np * (search ? 21.0 : 1.0) + pilots, at = 0;
    if (pilots) {
        /* the pilots see the scenario's own policy and floor */
        rc = sim_warmup_mser5(sc0, &out->mser5_days, e);
        if (rc) {
            free(sc);
            return rc;
        }
        if (out->mser5_days > out->warmup_days) out->warmup_days = out->mser5_days;
        at = 1;
        if (progress) progress(ctx, at / total);
    }
    for (int p = 0; p < 2 && !rc; p++) {
        if (!(policies >> p & 1)) continue;
        *sc = *sc0;
        sc->warmup_days = out->warmup_days;
        sc->policy = p ? SIM_POLICY_POOLED : SIM_POLICY_BOROUGH;
        stage st = {progress, ctx, at / total, 1.0 / total};
        rc = sim_run(sc, threads, progress ? stage_progress : NULL, &st, &out->res[p], e);
        at += 1;
        if (rc || !search) continue;
        stage ss = {progress, ctx, at / total, 10.0 / total};
        rc = sim_beds_search(sc, SIM_SEARCH_BY_LOAD, conservative, threads,
                             progress ? stage_progress : NULL, &ss, &out->need[p], e);
        at += 10;
        if (rc) continue;
        stage st2 = {progress, ctx, at / total, 10.0 / total};
        rc = sim_beds_search(sc, SIM_SEARCH_TOTAL, conservative, threads,
                             progress ? stage_progress : NULL, &st2, &out->need_today[p], e);
        at += 10;
    }
    free(sc);
    if (rc) {
        sim_review_free(out);
        return rc;
    }
    double lam = 0;
    for (int i = 0; i < sc0->nplaces; i++) lam += sc0->places[i].arrivals_per_day;
    double load = sim_scenario_load(sc0);
    if (sc0->nreplay > 0) {
        double end = sc0->warmup_days + sc0->run_days;
        int n = 0;
        for (int k = 0; k < sc0->nreplay; k++) n += sc0->replay[k].day < end;
        lam = end > 0 ? n / end : 0;
    }
    out->arrivals_per_day = lam;
    out->mean_los = lam > 0 ? load / lam : 0;
    out->erlang_beds =
        lam > 0 ? sim_erlang_beds(lam, out->mean_los, sc0->target_days, sc0->target_prob) : 0;
    if (progress) progress(ctx, 1.0);
    return 0;
}
