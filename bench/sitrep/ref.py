"""ref.py - reference implementation (numpy/pandas) of OPEL scoring and XmR
special-cause signals, written from docs/sitrep.md, run on the same input as
bench_sitrep.c; checks that every level, total, limit and flag agrees and
prints RATIO sitrep_opel_spc <reference seconds / icsflow seconds>.
usage: ref.py DATA_DIR INPUT.csv SCORES.csv SPC.csv ICSFLOW_SECONDS"""
import sys
import time

import numpy as np
import pandas as pd

data_dir, inp, scores_path, spc_path, ics_secs = sys.argv[1:6]
ics_secs = float(ics_secs)
rules = pd.read_csv(f"{data_dir}/opel_thresholds.csv")
rules = rules[rules.kind == "acute"]
levels = pd.read_csv(f"{data_dir}/opel_levels.csv").set_index("kind").loc["acute"]
df = pd.read_csv(inp)

PARAMS = ["handover_mean_min", "ed_4h_pct", "ed_vs_expected_pct", "ed_majors_occ_pct",
          "time_to_treatment_min", "ed_12h_pct", "ga_occ_pct", "escalation_pct", "nctr_pct"]


def pct(num, den, empty):
    num = num.to_numpy(float)
    den = den.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 100.0 * num / den, empty)


def params(d):
    open_beds = d.ga_beds_core + d.ga_beds_escalation
    return {
        "handover_mean_min": d.handover_mean_min.to_numpy(float),
        "ed_4h_pct": pct(d.ed_within_4h, d.ed_attendances, 100.0),
        "ed_vs_expected_pct": pct(d.ed_attendances, d.ed_expected, 0.0),
        "ed_majors_occ_pct": pct(d.ed_majors_patients, d.ed_majors_spaces, 0.0),
        "time_to_treatment_min": d.time_to_treatment_min.to_numpy(float),
        "ed_12h_pct": pct(d.ed_over_12h, d.ed_attendances, 0.0),
        "ga_occ_pct": pct(d.ga_beds_occupied, open_beds, 0.0),
        "escalation_pct": pct(d.ga_beds_escalation, open_beds, 0.0),
        "nctr_pct": pct(d.nctr_patients, d.ga_beds_occupied, 0.0),
    }


def runs(mask_values):
    """start, length of maximal runs of equal values in a 1-d array"""
    n = len(mask_values)
    change = np.flatnonzero(np.diff(mask_values)) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [n])))
    return starts, lengths


def xmr(x):
    n = len(x)
    mean = np.cumsum(x)[-1] / n          # sequential sums, as the C engine
    mr = np.cumsum(np.abs(np.diff(x)))[-1] / (n - 1)
    sigma = mr / 1.128
    ucl, lcl = mean + 2.66 * mr, mean - 2.66 * mr
    flags = np.zeros(n, dtype=np.int64)
    flags |= ((x > ucl) | (x < lcl)).astype(np.int64) * 1
    side = np.sign(x - mean)
    st, ln = runs(side)
    for s, l in zip(st, ln):
        if side[s] != 0 and l >= 7:
            flags[s:s + l] |= 2
    step = np.sign(np.diff(x))
    st, ln = runs(step)
    for s, l in zip(st, ln):
        if step[s] != 0 and l + 1 >= 7:     # l steps join l + 1 points
            flags[s:s + l + 1] |= 4
    hi, lo = mean + 2 * sigma, mean - 2 * sigma
    for beyond in (x > hi, x < lo):
        b = beyond.astype(np.int64)
        win = np.convolve(b, np.ones(3, dtype=np.int64), "valid")  # window i..i+2
        for i in np.flatnonzero(win >= 2):
            flags[i:i + 3] |= beyond[i:i + 3].astype(np.int64) * 8
    return mean, ucl, lcl, flags


t0 = time.perf_counter()
P = params(df)
total = np.zeros(len(df))
for _, r in rules.iterrows():
    v = P[r.parameter]
    f = [r.band2_from, r.band3_from, r.band4_from]
    if r.direction == "lower_worse":
        band = 1 + (v <= f[0]).astype(int) + (v <= f[1]) + (v <= f[2])
    else:
        band = 1 + (v >= f[0]).astype(int) + (v >= f[1]) + (v >= f[2])
    pts = np.array([r.points1, r.points2, r.points3, r.points4])[band - 1]
    total = total + pts * r.weight
eps = 1e-9
level = np.where(total <= levels.opel1_max + eps, 1,
                 np.where(total <= levels.opel2_max + eps, 2,
                          np.where(total <= levels.opel3_max + eps, 3, 4)))
charts = {}
orgs = df.org.to_numpy()
bounds = np.flatnonzero(orgs[1:] != orgs[:-1]) + 1
starts = np.concatenate(([0], bounds))
ends = np.concatenate((bounds, [len(df)]))
for s, e in zip(starts, ends):
    for p in PARAMS:
        charts[(orgs[s], p)] = xmr(P[p][s:e])
ref_secs = time.perf_counter() - t0

ics = pd.read_csv(scores_path)
spc = pd.read_csv(spc_path, dtype={"flags": str})
ok = True
lv_agree = int((ics.level.to_numpy() == level).sum())
tot_agree = int((np.abs(ics.total.to_numpy() - total) < 1e-9).sum())
if lv_agree != len(df) or tot_agree != len(df):
    ok = False
lim_bad = flag_bad = signals = 0
for r in spc.itertuples():
    mean, ucl, lcl, flags = charts[(r.org, r.parameter)]
    for a, b in ((mean, r.mean), (ucl, r.ucl), (lcl, r.lcl)):
        if abs(a - b) > 1e-9 * max(1.0, abs(a)):
            lim_bad += 1
    ref_flags = "".join("0123456789abcdef"[int(v)] for v in flags)
    if ref_flags != r.flags:
        flag_bad += 1
    signals += sum(c != "0" for c in r.flags)
ok = ok and lim_bad == 0 and flag_bad == 0
dist = np.bincount(level, minlength=5)[1:]
print(f"sitrep: {len(df)} acute provider-days ({len(starts)} providers), {len(spc)} XmR charts")
print(f"levels agree {lv_agree}/{len(df)}, totals agree {tot_agree}/{len(df)}, "
      f"chart limits differing {lim_bad}, flag strings differing {flag_bad}/{len(spc)}")
print(f"OPEL 1-4 days: {dist.tolist()}; points with a special-cause signal: {signals}")
print(f"icsflow {ics_secs:.4f} s, reference (numpy/pandas) {ref_secs:.4f} s")
if not ok:
    print("DISAGREE")
    sys.exit(1)
print(f"RATIO sitrep_opel_spc {ref_secs / ics_secs:.1f}")
