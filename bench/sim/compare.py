"""compare.py - icsflow's simulator beside the same model in SimPy.

For each case (one M/M/c unit; eight borough units under the borough and
the pooled policy) it runs SimPy (bench/sim/simpy_model.py) and
`icsflow sim` on the same scenario file, checks that each statistic agrees
within the two 95% intervals (the intervals overlap: |a - b| <= ha + hb),
compares the one-unit case with Erlang C, and prints
`RATIO <name> <SimPy CPU seconds / icsflow CPU seconds>`, both on one
thread: CPU time, because the machine may be shared and wall time then
measures the neighbours. Like for like, neither side's start-up counts:
SimPy's time is its replication loop in this process (no interpreter
start-up or imports); icsflow's is the whole `icsflow sim` command (JSON in
and out included), median of five runs, less the CPU time of `icsflow
version` (loading and exiting the binary). The whole-command ratio, wall
times and icsflow on every core are printed beside it.
Usage: compare.py ICSFLOW_BINARY [REPLICATIONS]
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simpy_model  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
METRICS = ["mean_wait", "p_wait", "p_over_target", "occupancy"]


def erlang_c(c, a):
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho * (1 - b))


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_icsflow(binary, path, policy, threads, times):
    """Median wall and CPU seconds of the whole command, and its result."""
    cmd = [binary, "sim", path, "--policy", policy, "--no-search", "--format", "json",
           "--threads", str(threads), "--quiet"]
    wall, cpu, out = [], [], None
    for _ in range(times):
        t0, c0 = time.perf_counter(), child_cpu()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall.append(time.perf_counter() - t0)
        cpu.append(child_cpu() - c0)
        if p.returncode != 0:
            sys.exit("icsflow failed: %s\n%s" % (" ".join(cmd), p.stderr))
        out = json.loads(p.stdout)["policies"][policy]
    return statistics.median(wall), statistics.median(cpu), out


def startup_cpu(binary):
    """CPU seconds icsflow spends starting and exiting (`icsflow version`)."""
    cpu = []
    for _ in range(9):
        c0 = child_cpu()
        subprocess.run([binary, "version"], capture_output=True)
        cpu.append(child_cpu() - c0)
    return statistics.median(cpu)


def run_simpy(sc, policy):
    t0, c0 = time.perf_counter(), time.process_time()
    reps = [simpy_model.replicate(sc, policy, r) for r in range(sc["replications"])]
    return time.perf_counter() - t0, time.process_time() - c0, simpy_model.summarise(reps)


def half(s):
    return (s["hi"] - s["lo"]) / 2


def case(binary, name, path, policy, reps, start):
    sc = json.load(open(path))
    if reps:
        sc["replications"] = reps
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(sc, f)
        tmp = f.name
    try:
        ti, ci, ics = run_icsflow(binary, tmp, policy, 1, 5)
        tall, _, ics_all = run_icsflow(binary, tmp, policy, 0, 5)
        ts, cs, ref = run_simpy(sc, policy)
    finally:
        os.unlink(tmp)
    # the thread count must not change a single number
    ok = json.dumps(ics, sort_keys=True) == json.dumps(ics_all, sort_keys=True)
    if not ok:
        print("  results differ between 1 thread and all cores")
    print("%s: %s, policy %s, %d replications of %g days after %g warm-up" % (
        name, sc["name"], policy, sc["replications"], sc["run_days"], sc["warmup_days"]))
    print("  %-14s %-30s %-30s %s" % ("metric", "icsflow mean [95% CI]", "SimPy mean [95% CI]",
                                     "agree"))
    for m in METRICS:
        a, b = ics[m], ref[m]
        agree = abs(a["mean"] - b["mean"]) <= half(a) + half(b)
        ok &= agree
        print("  %-14s %-30s %-30s %s" % (
            m, "%.4f [%.4f, %.4f]" % (a["mean"], a["lo"], a["hi"]),
            "%.4f [%.4f, %.4f]" % (b["mean"], b["lo"], b["hi"]), "yes" if agree else "NO"))
    if len(sc["units"]) == 1 and sc["los"]["distribution"] == "exponential":
        lam = sc["places"][0]["arrivals_per_day"]
        los = sc["los"]["mean"]
        c = sc["units"][0]["beds"]
        pc = erlang_c(c, lam * los)
        w = pc / (c / los - lam)
        for m, v in (("p_wait", pc), ("mean_wait", w)):
            ins = [ics[m]["lo"] <= v <= ics[m]["hi"], ref[m]["lo"] <= v <= ref[m]["hi"]]
            print("  Erlang C %-9s %.4f: inside icsflow CI %s, inside SimPy CI %s" % (
                m, v, "yes" if ins[0] else "NO", "yes" if ins[1] else "NO"))
            ok &= ins[0]
    ce = max(ci - start, 1e-6)
    print("  CPU time: SimPy %.3f s, icsflow %.4f s on one thread (%.0fx), %.4f s without its "
          "%.1f ms start-up (%.0fx); %d events" % (
              cs, ci, cs / ci, ce, 1e3 * start, cs / ce, ics["events"]))
    print("  wall time: SimPy %.3f s; icsflow %.4f s on 1 thread (%.0fx), %.4f s on %d cores (%.0fx)" % (
        ts, ti, ts / ti, tall, os.cpu_count(), ts / tall))
    print("  %s" % ("statistics agree" if ok else "STATISTICS DISAGREE"))
    print("RATIO %s %.1f" % (name, cs / ce))
    sys.stdout.flush()
    return ok, cs, ce, ts, tall


def main():
    binary = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else 0
    data = os.path.join(ROOT, "data")
    cases = [("sim_one_unit", os.path.join(data, "sim_bench_mmc.json"), "pooled"),
             ("sim_eight_units_borough", os.path.join(data, "sim_bench_8units.json"), "borough"),
             ("sim_eight_units_pooled", os.path.join(data, "sim_bench_8units.json"), "pooled")]
    start = startup_cpu(binary)
    all_ok, cs, ci, ws, wa = True, 0.0, 0.0, 0.0, 0.0
    for name, path, policy in cases:
        ok, a, b, c, d = case(binary, name, path, policy, reps, start)
        all_ok &= ok
        cs, ci, ws, wa = cs + a, ci + b, ws + c, wa + d
    print("overall: CPU SimPy %.2f s, icsflow %.3f s without start-up (%.0fx); wall SimPy %.2f s, icsflow on %d "
          "cores %.3f s (%.0fx)" % (cs, ci, cs / ci, ws, os.cpu_count(), wa, ws / wa))
    print("RATIO sim %.1f" % (cs / ci))
    print("sim benchmark: %s" % ("all statistics agree" if all_ok else "DISAGREEMENT"))
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
