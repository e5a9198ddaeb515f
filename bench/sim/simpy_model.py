"""simpy_model.py - the icsflow bed model written in SimPy (Debian's
python3-simpy, SimPy 2.3 "classic" object API), as the reference for
bench/sim/run.sh.

Same model as src/sim/model.c: Poisson arrivals per place, stays
exponential/lognormal/empirical, units of c beds; borough policy (only units
commissioned for the patient's place) or pooled (any unit), nearest unit
first on arrival; one FIFO across the places a freed bed may take; warm-up
discarded; waits of patients arriving in [warmup, warmup + run); arrivals
stop at the window's end and the run continues until those patients have a
bed. Either its own random numbers (Python's Mersenne Twister: the
statistics must agree with icsflow within their 95% intervals), or, given
`patients` (icsflow's own draws: day, place, stay for each patient, from
`bench_sim dump`), exactly the same patients: then every replication's
statistics must equal icsflow's (to rounding).
"""
import json
import math
import random
import sys

from SimPy.Simulation import Process, Resource, Simulation, hold, passivate, release, request


def km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def los_sampler(spec, rnd):
    d = spec["distribution"]
    if d == "exponential":
        mean = spec["mean"]
        return lambda: rnd.expovariate(1.0 / mean)
    if d == "lognormal":
        m, s = spec["mean"], spec["sd"]
        s2 = math.log1p((s * s) / (m * m))
        mu, sigma = math.log(m) - s2 / 2, math.sqrt(s2)
        return lambda: rnd.lognormvariate(mu, sigma)
    vals = spec["values"]
    return lambda: rnd.choice(vals)


class Model(Simulation):
    def __init__(self, sc, policy, rep):
        Simulation.__init__(self)
        self.sc = sc
        self.rnd = random.Random(1000003 * sc.get("seed", 1) + rep)
        self.los = los_sampler(sc["los"], self.rnd)
        self.wstart = sc.get("warmup_days", 180)
        self.wend = self.wstart + sc.get("run_days", 365)
        self.target = sc.get("target", {}).get("wait_days", 2)
        places, units = sc["places"], sc["units"]
        self.index = {p["code"]: i for i, p in enumerate(places)}
        self.nbeds = sum(u["beds"] for u in units)
        # eligible units per place, nearest first; places each unit may take
        self.order, self.takes = [], [set() for _ in units]
        for i, p in enumerate(places):
            el = [u for u, un in enumerate(units)
                  if policy == "pooled" or p["code"] in un.get("places", [])]
            el.sort(key=lambda u: (km(p["lat"], p["lon"], units[u]["lat"], units[u]["lon"]), u))
            self.order.append(el)
            for u in el:
                self.takes[u].add(i)
        self.free = [u["beds"] for u in units]
        self.queue = [[] for _ in places]  # waiting patients per place, FIFO
        self.waits = []
        self.busy, self.busy_area, self.last = 0, 0.0, 0.0

    def account(self, delta):
        a, b = max(self.last, self.wstart), min(self.now(), self.wend)
        if b > a:
            self.busy_area += self.busy * (b - a)
        self.last = self.now()
        self.busy += delta


class Patient(Process):
    def __init__(self, m, place):
        Process.__init__(self, sim=m)
        self.m, self.place, self.unit = m, place, None

    def run(self):
        m = self.m
        arrive, waited = self.arrive_at, False
        for u in m.order[self.place]:
            if m.free[u] > 0:
                m.free[u] -= 1
                self.unit = u
                m.account(+1)
                break
        if self.unit is None:
            m.queue[self.place].append(self)
            yield passivate, self  # a leaving patient hands over the bed
            waited = True
        if arrive >= m.wstart:
            m.waits.append(m.now() - arrive if waited else 0.0)
        yield hold, self, self.los
        m.account(-1)
        u, best = self.unit, None
        for i in m.takes[u]:
            q = m.queue[i]
            if q and (best is None or q[0].arrive_at < best.arrive_at):
                best = q[0]
        if best is None:
            m.free[u] += 1
        else:
            m.queue[best.place].pop(0)
            best.unit = u
            m.account(+1)
            m.reactivate(best)


class Arrivals(Process):
    def __init__(self, m, place, rate):
        Process.__init__(self, sim=m)
        self.m, self.place, self.rate = m, place, rate

    def run(self):
        m = self.m
        while True:
            yield hold, self, m.rnd.expovariate(self.rate)
            if m.now() >= m.wend:
                return
            p = Patient(m, self.place)
            p.arrive_at = m.now()
            p.los = m.los()
            m.activate(p, p.run())


class Replay(Process):
    """Given patients (day, place, stay) in arrival order."""

    def __init__(self, m, patients):
        Process.__init__(self, sim=m)
        self.m, self.patients = m, patients

    def run(self):
        m = self.m
        for day, place, los in self.patients:
            if day > m.now():
                yield hold, self, day - m.now()
            if day >= m.wend:
                return
            p = Patient(m, place)
            p.arrive_at = day
            p.los = los
            m.activate(p, p.run())


def replicate(sc, policy, rep, patients=None):
    m = Model(sc, policy, rep)
    m.initialize()
    if patients is not None:
        a = Replay(m, patients)
        m.activate(a, a.run())
    for i, p in enumerate(sc["places"]):
        if patients is None and p.get("arrivals_per_day", 0) > 0:
            a = Arrivals(m, i, p["arrivals_per_day"])
            m.activate(a, a.run())
    mean_los = sc["los"].get("mean") or (sum(sc["los"]["values"]) / len(sc["los"]["values"]))
    m.simulate(until=m.wend + sc.get("run_days", 365) + 10 * mean_los)
    m.account(0)
    w = m.waits
    n = len(w) or 1
    run = m.wend - m.wstart
    ws = sorted(w)
    return {
        "wait_p95": ws[max(math.ceil(0.95 * len(ws)) - 1, 0)] if ws else 0.0,
        "mean_wait": sum(w) / n,
        "p_wait": sum(1 for x in w if x > 0) / n,
        "p_over_target": sum(1 for x in w if x > m.target) / n,
        "occupancy": m.busy_area / (m.nbeds * run),
        "patients": len(w),
    }


def summarise(reps):
    from scipy.stats import t as student

    out = {}
    n = len(reps)
    for k in reps[0]:
        xs = [r[k] for r in reps]
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
        half = student.ppf(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else 0.0
        out[k] = {"mean": mean, "lo": mean - half, "hi": mean + half, "sd": sd, "n": n}
    return out


if __name__ == "__main__":
    sc = json.load(open(sys.argv[1]))
    policy = sys.argv[2] if len(sys.argv) > 2 else sc.get("policy", "pooled")
    reps = [replicate(sc, policy, r) for r in range(sc.get("replications", 20))]
    json.dump(summarise(reps), sys.stdout, indent=2)
