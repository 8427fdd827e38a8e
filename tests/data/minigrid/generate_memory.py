#!/usr/bin/env python3
"""generate_memory.py: reference episodes of MiniGrid's MemoryEnv for tests/test_gridworld.c, played by
MiniGrid itself.

Only for regenerating the test data: nothing of ppo needs Python. What it needs:
  - NumPy (Debian: apt-get install python3-numpy; the data here was made with 1.24.2);
  - Gymnasium's source (github.com/Farama-Foundation/Gymnasium, tag v1.3.0), which imports
    cloudpickle and typing_extensions (Debian: python3-cloudpickle, python3-typing-extensions) and
    farama_notifications (a stub module holding `notifications = {}` does);
  - MiniGrid's source (github.com/Farama-Foundation/Minigrid), commit in MINIGRID_COMMIT below; it
    imports pygame and pygame.freetype at the top for its window only (empty stub modules do).
Run from the top of the checkout:
  PYTHONPATH=GYMNASIUM:MINIGRID:STUBS /usr/bin/python3 tests/data/minigrid/generate_memory.py > tests/data/minigrid/memory.txt

For each of MiniGrid's Memory levels (MemoryEnv(size, random_length), as minigrid/__init__.py
registers them) it plays, from MemoryEnv's own reset(seed=...): a walk to the object that matches
the cue, a walk to the other one, and 60 random actions. The C test finds a seed of its own
generator that lays out the same level (MiniGrid draws from NumPy) and replays the actions.

Format, one record a line, space separated; GRID and IMAGE are strings of base-36 digits:
  episode NAME LABEL
  level WIDTH HEIGHT AGENT_X AGENT_Y AGENT_DIR SUCCESS_X SUCCESS_Y FAILURE_X FAILURE_Y MAX_STEPS
  grid GRID                  Grid.encode(): (type, color, state) of cell (x, y) at 3 (y W + x)
  reset DIR IMAGE            obs["direction"], obs["image"] (7x7x3, image[vx][vy][c] in C order)
  step ACTION REWARD TERMINATED TRUNCATED DIR IMAGE
  end RETURN                 the return of the steps played (the random walk may not end)
"""
import sys

import numpy as np

import minigrid
from minigrid.envs import MemoryEnv

MINIGRID_COMMIT = "90928729376741a41222a257911343b97103b548"
LEVELS = [("gridworld/memory-s7", 7, False), ("gridworld/memory-s9", 9, False),
          ("gridworld/memory-s11", 11, False), ("gridworld/memory-s13", 13, False),
          ("gridworld/memory-s13-random", 13, True), ("gridworld/memory-s17-random", 17, True)]
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
LEFT, RIGHT, FORWARD = 0, 1, 2


def digits(a):
    return "".join(DIGITS[int(v)] for v in np.asarray(a).reshape(-1))


def walk(env, to_success):
    """Forward along the corridor to the hallway, then turn towards the chosen object."""
    u = env.unwrapped
    target = u.success_pos if to_success else u.failure_pos
    acts = [FORWARD] * (target[0] - int(u.agent_pos[0]))
    acts.append(LEFT if target[1] < u.agent_pos[1] else RIGHT)
    acts.append(FORWARD)
    return acts


def episode(out, name, size, random_length, label, seed):
    env = MemoryEnv(size=size, random_length=random_length)
    obs, _ = env.reset(seed=seed)
    u = env.unwrapped
    w = out.write
    w("episode %s %s\n" % (name, label))
    w("level %d %d %d %d %d %d %d %d %d %d\n" % (u.width, u.height, u.agent_pos[0], u.agent_pos[1], u.agent_dir,
                                               u.success_pos[0], u.success_pos[1], u.failure_pos[0],
                                               u.failure_pos[1], u.max_steps))
    w("grid %s\n" % digits(u.grid.encode().transpose(1, 0, 2)))
    w("reset %d %s\n" % (obs["direction"], digits(obs["image"])))
    if label == "random":
        rng = np.random.default_rng(seed)
        actions = [int(a) for a in rng.integers(7, size=60)]
    else:
        actions = walk(env, label == "success")
    ret = 0.0
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        ret += r
        w("step %d %.17g %d %d %d %s\n" % (a, r, int(term), int(trunc), obs["direction"], digits(obs["image"])))
        if term or trunc:
            break
    if label != "random":
        assert term and (r > 0) == (label == "success"), (name, label)
    w("end %.17g\n" % ret)


def main():
    out = sys.stdout
    out.write("# MiniGrid %s (%s, NumPy %s), written by tests/data/minigrid/generate_memory.py\n"
              % (MINIGRID_COMMIT, getattr(minigrid, "__version__", "?"), np.__version__))
    for name, size, random_length in LEVELS:
        seeds = range(6) if random_length else range(3)
        for k, seed in enumerate(seeds):
            label = ["success", "failure", "random"][k % 3]
            episode(out, name, size, random_length, label, 7 * seed + size)


if __name__ == "__main__":
    main()
