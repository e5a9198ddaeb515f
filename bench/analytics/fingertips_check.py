"""fingertips_check.py - recompute icsflow's crude rates, ISRs, proportions,
funnel limits and funnel flags with the formulas of OHID's PHEindicatormethods
(phe_rate, calculate_ISRatio, phe_proportion/wilson_*, sigma_adjustment,
funnel_ratio_significance), transcribed here with scipy standing in for R's
qnorm and qchisq. Reads methods_check's CSV on stdin; exit 1 on any
difference above 1e-6 relative.  Usage: methods_check | fingertips_check.py"""
import math
import sys

from scipy.stats import chi2, norm

TOL = 1e-6


def z(conf):
    return norm.ppf(conf + (1 - conf) / 2)


def byars_lower(x, conf):
    if x == 0:
        return math.nan
    v = x * (1 - 1 / (9 * x) - z(conf) / (3 * math.sqrt(x))) ** 3
    return math.nan if v < 0 else v


def byars_upper(x, conf):
    return (x + 1) * (1 - 1 / (9 * (x + 1)) + z(conf) / (3 * math.sqrt(x + 1))) ** 3


def qchisq(p, df):
    return 0.0 if df == 0 else chi2.ppf(p, df)


def count_limits(x, conf):
    """phe_rate / calculate_ISRatio: exact below 10 events, Byar's from 10."""
    if x < 10:
        return qchisq((1 - conf) / 2, 2 * x) / 2, qchisq(conf + (1 - conf) / 2, 2 * x + 2) / 2
    return byars_lower(x, conf), byars_upper(x, conf)


def wilson(x, n, conf, sign):
    zz = z(conf)
    return (2 * x + zz ** 2 + sign * zz * math.sqrt(zz ** 2 + 4 * x * (1 - x / n))) / 2 / (n + zz ** 2)


def sigma_adjustment(p, population, avg, side):
    q = norm.ppf(p)
    first = avg * (population / q ** 2 + 1)
    adj = math.sqrt((-8 * avg * (population / q ** 2 + 1)) ** 2 - 64 * (1 / q ** 2 + 1 / population)
                    * avg * (population * (avg * (population / q ** 2 + 2) - 1) + q ** 2 * (avg - 1)))
    last = 1 / q ** 2 + 1 / population
    v = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
    return v / population


def funnel_ratio_significance(obs, expected, p, side):
    if obs == 0 and side == "low":
        t = 0.0
    elif obs < 10:
        if side == "low":
            t = chi2.ppf(1 - (0.5 + p / 2), 2 * obs) / 2
        else:
            t = chi2.ppf(0.5 + p / 2, 2 * obs + 2) / 2
    else:
        adj = obs if side == "low" else obs + 1
        x, y = 1 - 1 / (9 * adj), 3 * math.sqrt(adj)
        t = adj * (x - z(p) / y) ** 3 if side == "low" else adj * (x + z(p) / y) ** 3
    return t / expected


def ratio_flag(o, e):
    if 1 < funnel_ratio_significance(o, e, 0.998, "low"):
        return "high-99.8"
    if 1 < funnel_ratio_significance(o, e, 0.95, "low"):
        return "high-95"
    if 1 > funnel_ratio_significance(o, e, 0.998, "high"):
        return "low-99.8"
    if 1 > funnel_ratio_significance(o, e, 0.95, "high"):
        return "low-95"
    return "not-significant"


def rel(a, b):
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if math.isnan(a) or math.isnan(b):
        return math.inf
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    worst, n, bad, flags, flag_bad = 0.0, 0, 0, 0, 0
    for line in sys.stdin:
        f = line.strip().split(",")
        kind = f[0]
        if kind in ("crude", "isr", "proportion"):
            a, b = float(f[1]), float(f[2])
            got = [float(v) for v in f[3:8]]
            if kind == "crude":
                scale = 100000 / b
                want = [a * scale]
                for conf in (0.95, 0.998):
                    lo, hi = count_limits(a, conf)
                    want += [lo * scale, hi * scale]
            elif kind == "isr":
                scale = 100 / b
                want = [a * scale]
                for conf in (0.95, 0.998):
                    lo, hi = count_limits(a, conf)
                    want += [lo * scale, hi * scale]
            else:
                want = [a / b * 100]
                for conf in (0.95, 0.998):
                    want += [wilson(a, b, conf, -1) * 100, wilson(a, b, conf, 1) * 100]
            want = [want[0], want[1], want[2], want[3], want[4]]
            for g, w in zip(got, want):
                r = rel(g, w)
                n += 1
                worst = max(worst, r)
                if r > TOL:
                    bad += 1
                    print(f"DIFF {line.strip()} want {w!r}", file=sys.stderr)
        elif kind == "proplimit":
            nn, p0, lv, up, got = float(f[1]), float(f[2]), float(f[3]), int(f[4]), float(f[5])
            w = sigma_adjustment(0.975 if lv == 0.95 else 0.999, nn, p0, "high" if up else "low")
            r = rel(got, w)
            n += 1
            worst = max(worst, r)
            if r > TOL:
                bad += 1
                print(f"DIFF {line.strip()} want {w!r}", file=sys.stderr)
        elif kind == "ratioflag":
            flags += 1
            w = ratio_flag(float(f[1]), float(f[2]))
            if w != f[3]:
                flag_bad += 1
                print(f"FLAG {line.strip()} want {w}", file=sys.stderr)
    ok = bad == 0 and flag_bad == 0
    print(f"Fingertips methods: {n} figures (crude rates, ISRs, proportions, funnel limits; "
          f"small counts on the exact path), max relative difference {worst:.2e}; "
          f"{flags} funnel flags, {flag_bad} different")
    print("AGREE" if ok else "DISAGREE", "(tolerance 1e-6 relative)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
