#!/usr/bin/env python3
"""Reference statistics for the canary judge's worked examples.

Written independently of the C# code, with the Python standard library only, and by different
methods where it matters:
  * U by counting every (canary, baseline) pair, not from rank sums;
  * the exact null distribution of U from Gaussian binomial coefficients [n+m choose n]_q in exact
    integers (q-Pascal rule), not from the judge's recurrence over the largest point;
  * the Hodges-Lehmann shift and interval bounds by sorting all n*m pairwise differences;
  * normal quantiles from statistics.NormalDist, tail probabilities from math.erfc;
  * the rate test as a 2x2 chi-square with Yates' correction, not as a z statistic.

Run: python3 reference_statistics.py   (prints every number the tests state as expected)
"""
import math
from collections import Counter
from statistics import NormalDist, median

# ---- worked example data (the tests use the same lists) -------------------------------------

BASELINE_20 = [101, 97, 104, 99, 103, 98, 100, 102, 96, 105,
               94, 106, 99.5, 100.5, 103.5, 97.5, 101.5, 98.5, 102.5, 95.5]
REGRESSED_20 = [x + 30 for x in BASELINE_20]
IMPROVED_20 = [x - 30 for x in BASELINE_20]

# Latencies in whole milliseconds: many ties.
TIED_BASELINE = [12, 13, 13, 14, 14, 14, 15, 15, 16, 18, 12, 13, 14, 14, 15, 15, 15, 16, 17, 20]
TIED_CANARY = [14, 15, 15, 16, 16, 17, 17, 18, 19, 21, 15, 16, 16, 17, 17, 18, 18, 19, 20, 23]

# A +10 shift on a baseline median near 100 with tolerance 10%: significant, but the interval
# straddles the tolerance edge.
STRADDLE_BASELINE = [100.0, 96.1, 104.3, 99.2, 102.8, 97.4, 101.6, 95.3, 103.9, 98.7,
                     100.9, 94.8, 105.2, 99.8, 102.1, 96.9, 101.2, 97.9, 103.4, 98.3,
                     100.4, 95.9, 104.8, 99.5, 102.5, 97.1, 101.9, 96.5, 103.1, 98.9]
STRADDLE_CANARY = [109.6, 113.8, 106.2, 111.1, 108.3, 112.7, 107.4, 114.9, 110.2, 105.1,
                   111.8, 108.9, 113.1, 106.8, 110.7, 109.1, 112.2, 107.9, 115.6, 104.4,
                   110.5, 108.6, 111.4, 107.1, 113.4, 109.9, 106.5, 112.9, 108.1, 110.9]

# The ClickHouse test suite's Mann-Whitney example (tests/queries/0_stateless/01560_mann_whitney.sql),
# whose expected U = 223 and p = 0.5426959774289482 were produced with SciPy.
CLICKHOUSE_LEFT = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545,
                   170, 180, 125, 180, 230, 75, 430, 480, 495, 295]
CLICKHOUSE_RIGHT = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441,
                    261, 411, 206, 521, 456, 446, 296, 51, 426, 261]


def u_statistic(canary, baseline):
    return sum(1.0 if c > b else 0.5 if c == b else 0.0 for c in canary for b in baseline)


def gaussian_binomial(total, k):
    """Coefficients of [total choose k]_q: entry u counts the no-tie orderings with U = u."""
    table = {}
    for t in range(total + 1):
        for j in range(0, min(t, k) + 1):
            if j == 0 or j == t:
                table[(t, j)] = [1]
                continue
            a = table[(t - 1, j - 1)]
            b = [0] * j + table[(t - 1, j)]
            size = max(len(a), len(b))
            table[(t, j)] = [(a[i] if i < len(a) else 0) + (b[i] if i < len(b) else 0) for i in range(size)]
    return table[(total, k)]


def mann_whitney(canary, baseline, confidence=0.95):
    n, m = len(canary), len(baseline)
    u = u_statistic(canary, baseline)
    pooled = Counter(canary + baseline)
    tie_term = sum(t ** 3 - t for t in pooled.values())
    alpha = 1 - confidence
    diffs = sorted(c - b for c in canary for b in baseline)
    hl = median(diffs)
    if tie_term == 0 and n < 50 and m < 50:
        counts = gaussian_binomial(n + m, n)
        total = sum(counts)
        ui = int(u)
        below = sum(counts[: ui + 1])
        above = sum(counts[ui:])
        p = min(1.0, 2 * min(below, above) / total)
        k, cumulative = 0, 0
        for i, c in enumerate(counts):
            cumulative += c
            if cumulative / total > alpha / 2:
                break
            k = i + 1
        method = "exact"
    else:
        N = n + m
        mean = n * m / 2
        sigma = math.sqrt(n * m / 12 * ((N + 1) - tie_term / (N * (N - 1))))
        d = u - mean
        z = (d - math.copysign(0.5, d) if d != 0 else 0) / sigma
        p = min(1.0, math.erfc(abs(z) / math.sqrt(2)))
        zc = -NormalDist().inv_cdf(alpha / 2)
        k = math.floor(mean - zc * sigma + 0.5)
        method = "normal"
    lower = diffs[k - 1] if k >= 1 else None
    upper = diffs[n * m - k] if k >= 1 else None
    return dict(method=method, U=u, p=p, k=k, hl=hl, lower=lower, upper=upper,
                canary_median=median(canary), baseline_median=median(baseline))


def wilson(events, total, z):
    p = events / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


def yates_chi_square_p(e1, n1, e2, n2):
    """2x2 table [[e1, n1-e1], [e2, n2-e2]], chi-square with Yates' correction, 1 df."""
    observed = [[e1, n1 - e1], [e2, n2 - e2]]
    rows = [n1, n2]
    cols = [e1 + e2, n1 + n2 - e1 - e2]
    grand = n1 + n2
    if 0 in cols:
        return 1.0
    expected = [[rows[r] * cols[c] / grand for c in range(2)] for r in range(2)]
    # R's prop.test caps the correction at |O - E| so the statistic never grows from it.
    delta = abs(observed[0][0] - expected[0][0])
    correction = min(0.5, delta)
    chi2 = sum((abs(observed[r][c] - expected[r][c]) - correction) ** 2 / expected[r][c]
               for r in range(2) for c in range(2))
    return math.erfc(math.sqrt(chi2 / 2))


def newcombe(e1, n1, e2, n2, z):
    p1, p2 = e1 / n1, e2 / n2
    l1, u1 = wilson(e1, n1, z)
    l2, u2 = wilson(e2, n2, z)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def rate(e1, n1, e2, n2, confidence=0.95):
    z = -NormalDist().inv_cdf((1 - confidence) / 2)
    return dict(p=yates_chi_square_p(e1, n1, e2, n2), diff=e1 / n1 - e2 / n2,
                ci=newcombe(e1, n1, e2, n2, z), wilson_canary=wilson(e1, n1, z))


if __name__ == "__main__":
    print("C(40,20) =", math.comb(40, 20), " 2/C(40,20) =", repr(2 / math.comb(40, 20)))
    for name, (c, b) in {
        "identical": (BASELINE_20, BASELINE_20),
        "regression": (REGRESSED_20, BASELINE_20),
        "improvement": (IMPROVED_20, BASELINE_20),
        "ties": (TIED_CANARY, TIED_BASELINE),
        "straddle": (STRADDLE_CANARY, STRADDLE_BASELINE),
        "clickhouse": (CLICKHOUSE_LEFT, CLICKHOUSE_RIGHT),
    }.items():
        print(name, {k: (repr(v) if isinstance(v, float) else v) for k, v in mann_whitney(c, b).items()})
    small = gaussian_binomial(7, 3)
    print("exact counts n=3 m=4:", small, "sum", sum(small))
    print("exact counts n=20 m=20 lower tail:", gaussian_binomial(40, 20)[:5], "sum", sum(gaussian_binomial(40, 20)))
    for args in [(50, 1000, 5, 1000), (1, 20, 0, 20), (60, 2000, 20, 2000), (3, 20, 1, 20), (4, 20, 0, 20)]:
        print("rate", args, {k: repr(v) for k, v in rate(*args).items()})
    for x in [0.1, 0.5, 1.0, 1.5, 2.0, 2.4999, 2.5, 3.0, 5.0, 10.0, -1.0]:
        print("erfc", x, repr(math.erfc(x)))
    for tail in [0.025, 0.005, 0.05, 0.5, 1e-9]:
        # -inv_cdf(tail) rather than inv_cdf(1 - tail): 1 - 1e-9 is not exact in binary.
        print("upper quantile", tail, repr(-NormalDist().inv_cdf(tail)))
