"""dsr_ref.py - the reference side of the DSR benchmark: directly
standardised rates (ESP2013) with Dobson limits from Byar's approximation,
written the way PHEindicatormethods' calculate_dsr does it, in pandas and
scipy. Reads the input the C driver wrote, times the computation (best of
several runs), and compares every figure with icsflow's output.
Usage: dsr_ref.py input.csv icsflow_output.csv icsflow_seconds"""
import sys
import time

import numpy as np
import pandas as pd
from scipy.stats import norm

ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
           7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]
BANDS = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
         "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
MULT = 100000.0


def byars_lower(x, conf):
    z = norm.ppf(conf + (1 - conf) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    return np.where(v < 0, np.nan, v)


def byars_upper(x, conf):
    z = norm.ppf(conf + (1 - conf) / 2)
    return (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3


def dsr(df):
    d = df.assign(wt_rate=df["count"] * df["stdpop"] / df["population"],
                  sq_rate=df["count"] * (df["stdpop"] / df["population"]) ** 2)
    g = d.groupby("area", sort=True).agg(total_count=("count", "sum"),
                                         total_pop=("population", "sum"),
                                         wt=("wt_rate", "sum"), sq=("sq_rate", "sum"),
                                         sw=("stdpop", "sum"))
    o = g["total_count"].to_numpy()
    value = g["wt"].to_numpy() / g["sw"].to_numpy() * MULT
    vardsr = g["sq"].to_numpy() / g["sw"].to_numpy() ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(vardsr / o) * MULT
    out = pd.DataFrame({"total_count": o, "total_pop": g["total_pop"].to_numpy(), "value": value,
                        "lower95": value + s * (byars_lower(o, 0.95) - o),
                        "upper95": value + s * (byars_upper(o, 0.95) - o),
                        "lower998": value + s * (byars_lower(o, 0.998) - o),
                        "upper998": value + s * (byars_upper(o, 0.998) - o)},
                       index=g.index)
    out.loc[out["total_count"] < 10, ["value", "lower95", "upper95", "lower998", "upper998"]] = np.nan
    return out


def main():
    inp, theirs, c_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    df = pd.read_csv(inp)
    esp = dict(zip(BANDS, ESP2013))
    df["stdpop"] = df["age_band"].map(esp).astype(float)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        ref = dsr(df)
        best = min(best, time.perf_counter() - t0)
    ics = pd.read_csv(theirs).set_index("area").sort_index()
    worst = 0.0
    cols = ["total_count", "total_pop", "value", "lower95", "upper95", "lower998", "upper998"]
    nan_mismatch = 0
    for c in cols:
        a = ref[c].to_numpy(dtype=float)
        b = ics[c].to_numpy(dtype=float)
        nan_mismatch += int(np.sum(np.isnan(a) != np.isnan(b)))
        both = ~np.isnan(a) & ~np.isnan(b)
        rel = np.abs(a[both] - b[both]) / np.maximum(np.abs(a[both]), 1e-300)
        if rel.size:
            worst = max(worst, float(rel.max()))
    areas = len(ref)
    suppressed = int(ref["value"].isna().sum())
    ok = nan_mismatch == 0 and worst <= 1e-9
    print(f"areas {areas}, strata {len(df) // areas}, suppressed (<10 events) {suppressed}")
    print(f"reference (pandas {pd.__version__}) best of 5: {best:.6f} s; icsflow best of 7: {c_seconds:.6f} s")
    print(f"max relative difference {worst:.3e} over {len(cols)} columns; NaN mismatches {nan_mismatch}")
    print("AGREE" if ok else "DISAGREE", "(tolerance 1e-9 relative)")
    print(f"RATIO analytics_dsr {best / c_seconds:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
