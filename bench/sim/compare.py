"""compare.py - icsflow's simulator beside the same model in SimPy.

For each case (one M/M/c unit; eight borough units under the borough and
the pooled policy), on the same scenario file:

1. Same input, same model: `bench_sim dump` writes the patients icsflow
   draws (arrival day, place, stay) for every replication, SimPy replays
   exactly those patients (bench/sim/simpy_model.py), and every
   replication's statistics must equal icsflow's (relative 1e-9).
2. Same problem, each side drawing its own random numbers: the statistics
   must agree within their 95% intervals, and the one-unit case must
   contain Erlang C's exact values.
3. Time: CPU and wall, single-threaded and multi-threaded, reported
   separately. icsflow: sim_run alone (bench_sim, the scenario already
   parsed), median of 5 runs, on 1 thread and on every core. SimPy: its
   replication loop in this process (interpreter start-up, imports and
   file reading not counted) on 1 process, and the same replications on a
   pool of one process per core. The headline `RATIO sim_<case>` is SimPy
   CPU / icsflow CPU on one thread each, both drawing their own numbers:
   the same work on the same problem; the machine is shared, so it is the
   median over PAIRS interleaved pairs of runs (icsflow, then SimPy).
   SimPy replaying icsflow's draws (it then draws nothing) is printed
   beside it, labelled.

Usage: compare.py BENCH_SIM_BINARY [REPLICATIONS]
"""
import json
import multiprocessing
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simpy_model  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAIRS = 3
METRICS = ["mean_wait", "p_wait", "p_over_target", "occupancy"]
# bench_sim reps: replication, then the metrics in sim.h order
REP_FIELDS = ["occupancy", "mean_wait", "p_wait", "p_over_target", "wait_p95", "mean_queue",
              "max_queue", "over_target", "patients"]
EXACT = ["occupancy", "mean_wait", "p_wait", "p_over_target", "wait_p95", "patients"]


def erlang_c(c, a):
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho * (1 - b))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def icsflow_run(binary, path, policy, threads, reps):
    p = subprocess.run([binary, "run", path, policy, str(threads), str(reps), "5"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bench_sim failed: %s" % p.stderr)
    return json.loads(p.stdout)


def icsflow_reps(binary, path, policy, reps):
    out = subprocess.run([binary, "reps", path, policy, str(reps)], capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        v = line.split()
        rows.append({k: float(x) for k, x in zip(REP_FIELDS, v[1:1 + len(REP_FIELDS)])})
    return rows


def read_dump(path):
    reps = []
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    rec = struct.Struct("<did")
    while at < len(data):
        (n,) = struct.unpack_from("<q", data, at)
        at += 8
        reps.append([rec.unpack_from(data, at + k * rec.size) for k in range(n)])
        at += n * rec.size
    return reps


def simpy_one(args):
    sc, policy, r = args
    return simpy_model.replicate(sc, policy, r)


def run_simpy(sc, policy):
    t0, c0 = time.perf_counter(), time.process_time()
    reps = [simpy_model.replicate(sc, policy, r) for r in range(sc["replications"])]
    return time.perf_counter() - t0, time.process_time() - c0, reps


def run_simpy_pool(sc, policy, procs):
    """Wall and CPU (this process and the pool's) of the replications on procs processes."""
    t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu()
    pool = multiprocessing.get_context("fork").Pool(procs)
    reps = pool.map(simpy_one, [(sc, policy, r) for r in range(sc["replications"])])
    pool.close()
    pool.join()
    return time.perf_counter() - t0, time.process_time() - c0 + children_cpu() - k0, reps


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def half(s):
    return (s["hi"] - s["lo"]) / 2


def case(binary, name, path, policy, reps, procs):
    sc = json.load(open(path))
    if reps:
        sc["replications"] = reps
    n = sc["replications"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(sc, f)
        tmp = f.name
    dump = tmp + ".bin"
    try:
        ics1 = icsflow_run(binary, tmp, policy, 1, n)
        icsn = icsflow_run(binary, tmp, policy, 0, n)
        ics_reps = icsflow_reps(binary, tmp, policy, n)
        subprocess.run([binary, "dump", tmp, policy, str(n), dump], check=True)
        patients = read_dump(dump)
    finally:
        if os.path.exists(dump):
            os.unlink(dump)
    print("%s: %s, policy %s, %d replications of %g days after %g warm-up" % (
        name, sc["name"], policy, n, sc["run_days"], sc["warmup_days"]))

    # 1. the same patients through both: every replication equal
    t0, c0 = time.perf_counter(), time.process_time()
    replay = [simpy_model.replicate(sc, policy, r, patients[r]) for r in range(n)]
    ts_rep, cs_rep = time.perf_counter() - t0, time.process_time() - c0
    bad = 0
    for a, b in zip(ics_reps, replay):
        for m in EXACT:
            if not close(a[m], b[m]):
                bad += 1
    ok = bad == 0 and len(replay) == len(ics_reps)
    print("  same patients (icsflow's draws replayed in SimPy): %d replications x %d statistics, "
          "%s" % (n, len(EXACT), "all equal" if ok else "%d DIFFER" % bad))

    # 2. each drawing its own numbers: statistics agree within intervals;
    # interleaved pairs of single-threaded runs for the time
    pairs = []
    for k in range(PAIRS):
        ik = ics1 if k == 0 else icsflow_run(binary, tmp, policy, 1, n)
        ts, cs, own = run_simpy(sc, policy)
        pairs.append((cs / ik["cpu_seconds"], cs, ik["cpu_seconds"], ts, ik["wall_seconds"]))
    os.unlink(tmp)
    pairs.sort()
    ratio, cs, ci, ts, wi = pairs[len(pairs) // 2]
    tp, cp, _ = run_simpy_pool(sc, policy, procs)
    ref = simpy_model.summarise(own)
    print("  %-14s %-30s %-30s %s" % ("metric", "icsflow mean [95% CI]", "SimPy mean [95% CI]",
                                     "agree"))
    for m in METRICS:
        a, b = ics1[m], ref[m]
        agree = abs(a["mean"] - b["mean"]) <= half(a) + half(b)
        ok &= agree
        print("  %-14s %-30s %-30s %s" % (
            m, "%.4f [%.4f, %.4f]" % (a["mean"], a["lo"], a["hi"]),
            "%.4f [%.4f, %.4f]" % (b["mean"], b["lo"], b["hi"]), "yes" if agree else "NO"))
    same_threads = all(ics1[m] == icsn[m] for m in METRICS) and ics1["events"] == icsn["events"]
    ok &= same_threads
    if not same_threads:
        print("  RESULTS DIFFER between 1 thread and all cores")
    if len(sc["units"]) == 1 and sc["los"]["distribution"] == "exponential":
        lam = sc["places"][0]["arrivals_per_day"]
        los = sc["los"]["mean"]
        c = sc["units"][0]["beds"]
        pc = erlang_c(c, lam * los)
        w = pc / (c / los - lam)
        for m, v in (("p_wait", pc), ("mean_wait", w)):
            ins = [ics1[m]["lo"] <= v <= ics1[m]["hi"], ref[m]["lo"] <= v <= ref[m]["hi"]]
            print("  Erlang C %-9s %.4f: inside icsflow CI %s, inside SimPy CI %s" % (
                m, v, "yes" if ins[0] else "NO", "yes" if ins[1] else "NO"))
            ok &= ins[0]

    # 3. time
    cn, wn = icsn["cpu_seconds"], icsn["wall_seconds"]
    ev = ics1["events"]
    print("  single-threaded CPU: SimPy %.3f s, icsflow %.4f s (%.0fx; %.1f ns an event, %d events); "
          "the median of %d interleaved pairs, whose ratios were %s"
          % (cs, ci, ratio, 1e9 * ci / ev, ev, PAIRS, ", ".join("%.0fx" % p[0] for p in pairs)))
    print("  single-threaded wall: SimPy %.3f s, icsflow %.4f s (%.0fx)" % (ts, wi, ts / wi))
    print("  multi-threaded (%d): wall SimPy %d processes %.3f s, icsflow %d threads %.4f s (%.0fx); "
          "CPU SimPy %.3f s, icsflow %.4f s" % (procs, procs, tp, procs, wn, tp / wn, cp, cn))
    print("  labelled, not the headline: SimPy replaying icsflow's draws (drawing nothing itself) "
          "CPU %.3f s (%.0fx), wall %.3f s" % (cs_rep, cs_rep / ci, ts_rep))
    print("  %s" % ("statistics agree" if ok else "STATISTICS DISAGREE"))
    print("RATIO %s %.1f" % (name, ratio))
    sys.stdout.flush()
    return ok, cs, ci


def main():
    binary = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else 0
    procs = os.cpu_count() or 1
    data = os.path.join(ROOT, "data")
    cases = [("sim_one_unit", os.path.join(data, "sim_bench_mmc.json"), "pooled"),
             ("sim_eight_units_borough", os.path.join(data, "sim_bench_8units.json"), "borough"),
             ("sim_eight_units_pooled", os.path.join(data, "sim_bench_8units.json"), "pooled")]
    all_ok, cs, ci = True, 0.0, 0.0
    for name, path, policy in cases:
        ok, a, b = case(binary, name, path, policy, reps, procs)
        all_ok &= ok
        cs, ci = cs + a, ci + b
    print("all three, single-threaded CPU: SimPy %.2f s, icsflow %.4f s (%.0fx)" % (cs, ci, cs / ci))
    print("sim benchmark: %s" % ("all statistics agree" if all_ok else "DISAGREEMENT"))
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
