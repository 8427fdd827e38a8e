#!/usr/bin/env python3
"""random_policy.py: the mean return of a uniformly random policy on every POPGym env, played by
POPGym itself, to set beside the figures `make bench` prints for the C envs (README, "The POPGym
suite"). POPGym publishes no random-policy figures of its own; these are made here.

Needs what generate.py needs (its header says how to get it). Run from the top of the checkout:
  PYTHONPATH=GYMNASIUM:POPGYM:STUBS /usr/bin/python3 tests/data/popgym/random_policy.py [EPISODES] \
      > tests/data/popgym/random_policy.txt

Each env plays EPISODES episodes (default 1000) from reset(seed=0) on, one action a step drawn
uniformly from the flattened action space (as POPGym's DiscreteAction wrapper numbers it).
"""
import sys
import time

import numpy as np

import popgym  # noqa: F401
from generate import DIFFS, GAMES, POPGYM_COMMIT, action_count, to_env_action


def main():
    episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("# POPGym %s, NumPy %s: a uniformly random policy, %d episodes per env" % (POPGYM_COMMIT, np.__version__,
                                                                                   episodes))
    print("# name mean_return standard_error mean_length steps_per_second")
    for game, classes, _ in GAMES:
        for d, cls in zip(DIFFS, classes):
            env = cls()
            rng = np.random.default_rng(1)
            n_actions = action_count(env)
            returns, lengths, steps = [], [], 0
            t0 = time.perf_counter()
            env.reset(seed=0)
            for _ in range(episodes):
                ret, t = 0.0, 0
                while True:
                    _, r, term, trunc, _ = env.step(to_env_action(env, int(rng.integers(n_actions))))
                    ret += r
                    t += 1
                    if term or trunc:
                        break
                returns.append(ret)
                lengths.append(t)
                steps += t
                env.reset()
            sps = steps / (time.perf_counter() - t0)
            r = np.array(returns)
            print("popgym/%s-%s %+.4f %.4f %.1f %.0f" % (game, d, r.mean(), r.std(ddof=1) / np.sqrt(len(r)),
                                                         np.mean(lengths), sps))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
