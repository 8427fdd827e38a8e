#!/usr/bin/env python3
"""stats_reference.py: the figures tests/test_stats.c checks run/stats.c against, computed in
plain Python (no numpy) from the published definitions:

- rliable/metrics.py (Agarwal et al., NeurIPS 2021): aggregate_iqm = scipy.stats.trim_mean(
  scores, 0.25) over all runs x tasks; aggregate_median and aggregate_mean = the median and the
  mean of the per-task mean scores; aggregate_optimality_gap = gamma - mean(min(scores, gamma))
  with gamma = 1.
- rliable/library.py: StratifiedBootstrap (runs resampled with replacement within each task,
  tasks kept) and get_interval_estimates(method='percentile'): the (1 - conf) / 2 and
  (1 + conf) / 2 percentiles of the resampled aggregates, interpolated linearly between order
  statistics as numpy.percentile does.

The resamples' indices are drawn with PCG32 (pcg32_srandom_r / pcg32_random_r, O'Neill 2014)
seeded (seed, 0) and Lemire's bounded integers, as core/rng.c does, in the order task 0's runs,
task 1's runs, ..., so that the intervals can be compared digit for digit. Run it to print the
figures: python3 tests/stats_reference.py
"""

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1


class Pcg32:
    def __init__(self, seed, stream):
        self.state = 0
        self.inc = ((stream << 1) | 1) & MASK64
        self.next()
        self.state = (self.state + seed) & MASK64
        self.next()

    def next(self):
        old = self.state
        self.state = (old * 6364136223846793005 + self.inc) & MASK64
        xorshifted = (((old >> 18) ^ old) >> 27) & MASK32
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((-rot) & 31))) & MASK32

    def below(self, n):
        m = self.next() * n
        low = m & MASK32
        if low < n:
            threshold = ((1 << 32) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & MASK32
        return m >> 32


def mean(xs):
    return sum(xs) / len(xs)


def trim_mean(xs, cut=0.25):  # scipy.stats.trim_mean
    s = sorted(xs)
    k = int(cut * len(s))
    return mean(s[k:len(s) - k])


def percentile(sorted_xs, q):  # numpy.percentile, linear
    at = q * (len(sorted_xs) - 1)
    i = int(at)
    if i >= len(sorted_xs) - 1:
        return sorted_xs[-1]
    return sorted_xs[i] + (at - i) * (sorted_xs[i + 1] - sorted_xs[i])


def median(xs):
    return percentile(sorted(xs), 0.5)


def aggregates(table):
    pooled = [x for task in table for x in task]
    means = [mean(task) for task in table]
    return [trim_mean(pooled), median(means), mean(means), 1 - mean([min(x, 1.0) for x in pooled])]


def bootstrap_ci(table, reps, seed, conf=0.95):
    rng = Pcg32(seed, 0)
    boot = [[] for _ in range(4)]
    for _ in range(reps):
        res = [[task[rng.below(len(task))] for _ in task] for task in table]
        for k, v in enumerate(aggregates(res)):
            boot[k].append(v)
    return [(percentile(sorted(b), (1 - conf) / 2), percentile(sorted(b), (1 + conf) / 2)) for b in boot]


TABLE = [[0.1, 0.4, 0.9, 1.2, 0.5], [0.0, 0.3, 0.3, 0.8, 1.0], [-0.2, 0.6, 0.7, 0.75, 1.5]]
UNEVEN = [[0.2, 0.9, 0.4], [1.1, -0.3, 0.5, 0.7, 0.6, 0.0, 0.95]]

if __name__ == "__main__":
    for name, table, reps, seed in (("TABLE", TABLE, 2000, 7), ("UNEVEN", UNEVEN, 1000, 3)):
        point = aggregates(table)
        ci = bootstrap_ci(table, reps, seed)
        print(f"{name}: {reps} resamples, seed {seed}")
        for k, label in enumerate(("IQM", "median", "mean", "optimality gap")):
            print(f"  {label:15s} {point[k]:.17g}  [{ci[k][0]:.17g}, {ci[k][1]:.17g}]")
