#!/usr/bin/env python3
"""generate.py: reference episodes of POPGym's envs for tests/test_popgym.c, played by POPGym itself.

Only for regenerating the test data: nothing of ppo needs Python. What it needs:
  - NumPy (Debian: apt-get install python3-numpy; the data here was made with 1.24.2);
  - Gymnasium's source (github.com/Farama-Foundation/Gymnasium, tag v1.3.0, the version POPGym's
    uv.lock pins), which imports cloudpickle and typing_extensions (Debian: python3-cloudpickle,
    python3-typing-extensions) and farama_notifications (a stub module holding
    `notifications = {}` does);
  - POPGym's source (github.com/proroklab/popgym), commit in POPGYM_COMMIT below.
Run from the top of the checkout:
  NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL" \
  PYTHONPATH=GYMNASIUM:POPGYM:STUBS /usr/bin/python3 tests/data/popgym/generate.py > tests/data/popgym/episodes.txt
On a CPU with AVX-512, NumPy computes sin and cos with its own SIMD code, which differs from the C
library's in the last bit now and then; CartPole amplifies that over its episode. With those
features turned off NumPy's sin and cos are the C library's, and the C env reproduces every
CartPole state bit for bit (as tests/test_cartpole.c does with Gymnasium's own trajectories).

For every env and difficulty it plays a best, a worst and a random episode (the CartPole variants: a
balancing controller, constant pushes and random pushes; the Pendulum variants: a swing-up
controller, a constant torque of 2.5 (clipped to 2) and random torques in [-3, 3]) from POPGym's own reset(seed=...), and
writes what the C test needs to replay it: the episode's layout as popgym_test_setup takes it (the
shuffled deck Deck.idx, the board, the arm probabilities, the CartPole state), then every step's
action, reward, terminated, truncated and observation. It also asserts that gymnasium's
spaces.utils.flatten of every observation is the concatenated one-hot of its parts that
envs/popgym/popgym.h documents (so the raw values written here define the float observation).

Format, one record a line, space separated:
  level NAME OBS_DIM N_ACTIONS
  episode NAME LABEL
  setup N V1 .. VN            the layout (%.17g)
  reset OBS                   the first observation
  step ACTION REWARD TERMINATED TRUNCATED OBS
  state X X_DOT THETA THETA_DOT   (CartPole variants, after each step: CartPoleEnv.state, %.17g)
  state THETA THETADOT            (Pendulum variants, after each step: PendulumEnv.state, %.17g)
  end RETURN                  the episode's return, summed in float64
OBS is the raw observation: for discrete envs one base-36 digit per part ("0".."9", "a".."z");
for the CartPole and Pendulum variants two float32 values (%.9g). ACTION is an integer, or for the
Pendulum variants a float32 torque (%.9g).
"""
import math
import sys

import gymnasium as gym
import numpy as np

import popgym  # noqa: F401
from popgym.envs import (
    autoencode, battleship, concentration, count_recall, higher_lower, minesweeper,
    multiarmed_bandit, noisy_position_only_cartpole, noisy_position_only_pendulum,
    position_only_cartpole, position_only_pendulum, repeat_first, repeat_previous,
    velocity_only_cartpole)

POPGYM_COMMIT = "410d5aa626dae8024f498354d8781a0d1870c399"
DIFFS = ["easy", "medium", "hard"]
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def parts(space, obs):
    """The raw observation as a list of integer parts, and each part's number of values."""
    if isinstance(space, gym.spaces.Discrete):
        return [int(obs)], [int(space.n)]
    if isinstance(space, gym.spaces.MultiDiscrete):
        return [int(v) for v in np.asarray(obs).reshape(-1)], [int(n) for n in space.nvec.reshape(-1)]
    if isinstance(space, gym.spaces.Tuple):
        vals, sizes = [], []
        for sub, o in zip(space.spaces, obs):
            v, s = parts(sub, o)
            vals += v
            sizes += s
        return vals, sizes
    raise TypeError(space)


def obs_token(env, obs):
    space = env.observation_space
    if isinstance(space, gym.spaces.Box):
        flat = gym.spaces.utils.flatten(space, obs)
        assert flat.dtype == np.float32 and flat.shape == (2,)
        return " ".join("%.9g" % float(v) for v in flat)
    vals, sizes = parts(space, obs)
    onehot = np.zeros(sum(sizes))
    at = 0
    for v, n in zip(vals, sizes):
        onehot[at + v] = 1
        at += n
    flat = gym.spaces.utils.flatten(space, obs)
    assert np.array_equal(np.asarray(flat, dtype=np.float64), onehot), (env, obs)
    return "".join(DIGITS[v] for v in vals)


def action_count(env):
    space = env.action_space
    if isinstance(space, gym.spaces.Box):
        return 0  # the Pendulum variants: continuous, as env->n_actions = 0 in ppo
    if isinstance(space, gym.spaces.Discrete):
        return int(space.n)
    return int(np.prod(space.nvec))


def to_env_action(env, a):
    """Our flat action to POPGym's: DiscreteAction's np.unravel_index for MultiDiscrete; for the
    Pendulum variants the torque as a float64 array (its value a float32: ppo's actions are
    float32, and PendulumEnv.step with a float32 array would compute its torque terms in float32
    under NumPy's casting rules, while envs/pendulum.c follows Gymnasium's float64 arithmetic)."""
    space = env.action_space
    if isinstance(space, gym.spaces.Box):
        return np.array([a], dtype=np.float64)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return np.array(np.unravel_index(a, space.nvec))
    return a


def setup_values(env):
    u = env.unwrapped
    if isinstance(u, count_recall.CountRecall):
        return list(u.value_deck.idx) + list(u.query_deck.idx)
    if hasattr(u, "deck"):
        return list(u.deck.idx)
    if isinstance(u, minesweeper.MineSweeper):
        return list(u.hidden_grid.reshape(-1))
    if isinstance(u, battleship.Battleship):
        return list(u.board.reshape(-1))
    if isinstance(u, multiarmed_bandit.MultiarmedBandit):
        return [float(v) for v in u.bandits]
    return [float(v) for v in u.state]


def fmt(v):
    return "%.17g" % float(v)


class Recorder:
    def __init__(self, out):
        self.out = out

    def episode(self, name, label, env, seed, policy, prepare=None, max_steps=100000):
        obs, _ = env.reset(seed=seed)
        if prepare:
            obs = prepare(env, obs)
        rng = np.random.default_rng(seed + 1000)
        vals = setup_values(env)
        w = self.out.write
        w("episode %s %s\n" % (name, label))
        w("setup %d %s\n" % (len(vals), " ".join(fmt(v) for v in vals)))
        w("reset %s\n" % obs_token(env, obs))
        ret, t = 0.0, 0
        cartpole = isinstance(env.observation_space, gym.spaces.Box)
        box = isinstance(env.action_space, gym.spaces.Box)
        while t < max_steps:
            a = float(np.float32(policy(env, t, rng))) if box else int(policy(env, t, rng))
            obs, r, term, trunc, _ = env.step(to_env_action(env, a))
            ret += r
            t += 1
            w("step %s %s %d %d %s\n" % ("%.9g" % a if box else "%d" % a, fmt(r), int(term), int(trunc),
                                         obs_token(env, obs)))
            if cartpole:
                w("state %s\n" % " ".join(fmt(v) for v in env.unwrapped.state))
            if term or trunc:
                break
        assert term or trunc, (name, label)
        w("end %s\n" % fmt(ret))
        return ret


def random_policy(env, t, rng):
    if isinstance(env.action_space, gym.spaces.Box):
        return rng.uniform(-3.0, 3.0)  # beyond Pendulum's [-2, 2], to check the clip
    return rng.integers(action_count(env))


# ---- each game's best and worst play, from the env's hidden state ----

def rp_best(env, t, rng):
    u = env.unwrapped
    hand = u.deck["player"]
    if len(hand) >= u.k:
        return u.deck.suits_idx[hand[-u.k]]
    return rng.integers(4)


def rp_worst(env, t, rng):
    u = env.unwrapped
    hand = u.deck["player"]
    if len(hand) >= u.k:
        return (u.deck.suits_idx[hand[-u.k]] + 1) % 4
    return rng.integers(4)


def rf_best(env, t, rng):
    return int(env.unwrapped.card)


def rf_worst(env, t, rng):
    return (int(env.unwrapped.card) + 3) % 4


def ae_answer(env, rng, wrong):
    u = env.unwrapped
    if u.mode == autoencode.Mode.WATCH:
        return rng.integers(4)
    s = int(u.deck.suits_idx[u.deck["system"][-1]])
    return (s + 1) % 4 if wrong else s


def cr_answer(env, wrong):
    u = env.unwrapped
    c = int(u.counts[u.query])
    return (c + 1) % action_count(env) if wrong else c


def hl_answer(env, rng, wrong):
    u = env.unwrapped
    cur = u.deck.ranks_idx[u.deck["player"][-1]]
    nxt = u.deck.ranks_idx[u.deck.idx[len(u.deck) - 1]]
    if nxt == cur:
        return rng.integers(2)
    higher = nxt > cur
    return int(higher == wrong)  # 0 guesses higher


def conc_best(env, t, rng):
    """Turns over the pairs in order: the layout is known, so every turn finds a pair."""
    u = env.unwrapped
    if t % 2 == 1:
        return u._partner
    values = u.deck_idx_type[u.deck.idx]
    up = set(u.deck["face_up_idx"])
    for a in range(len(values)):
        if a in up:
            continue
        for b in range(a + 1, len(values)):
            if b not in up and values[b] == values[a]:
                u._partner = b
                return a
    raise AssertionError("no pair left")


def conc_worst(env, t, rng):
    return 0  # the same card twice a turn: -2/L every other step


def ms_best(env, t, rng):
    u = env.unwrapped
    flat = u.hidden_grid.reshape(-1)
    return int(np.flatnonzero(flat == minesweeper.HiddenSquare.CLEAR)[0])


def ms_worst(env, t, rng):
    """One new clear cell, the same cell L - 2 more times, then a mine: POPGym's lowest return."""
    u = env.unwrapped
    flat = u.hidden_grid.reshape(-1)
    if t == 0:
        u._first = int(np.flatnonzero(flat == minesweeper.HiddenSquare.CLEAR)[0])
    if t < u.max_episode_length - 1:
        return u._first
    return int(np.flatnonzero(flat == minesweeper.HiddenSquare.MINE)[0])


def bs_best(env, t, rng):
    u = env.unwrapped
    todo = np.flatnonzero((u.board.reshape(-1) == 1) & (u.guesses.reshape(-1) == 0))
    return int(todo[0])


def bs_worst(env, t, rng):
    u = env.unwrapped
    return int(np.flatnonzero(u.board.reshape(-1) == 0)[t % 7])


def bandit_prepare(env, obs):
    """Arms that pay always (1) or never (0), so the C env pays as POPGym did."""
    u = env.unwrapped
    u.bandits = np.array([float(i % 3 == 1) for i in range(u.num_bandits)], dtype=np.float32)
    return obs


def pole_balance(env, t, rng):
    x, x_dot, theta, theta_dot = env.unwrapped.state
    return int(theta + 0.3 * theta_dot + 0.01 * x + 0.05 * x_dot > 0)


def pendulum_swing(env, t, rng):
    """Pumps the energy 0.5 thdot^2 + 15 cos(th) (conserved without torque: thddot = 15 sin(th)
    + 3u) toward the upright's 15, then a PD hold near the top (PendulumEnv's state, theta 0
    upright)."""
    th, thdot = env.unwrapped.state
    th = (th + np.pi) % (2 * np.pi) - np.pi
    if abs(th) < 0.6:
        return float(np.clip(-10.0 * th - 2.0 * thdot, -2.0, 2.0))
    energy = 0.5 * thdot ** 2 + 15.0 * np.cos(th)
    return 2.0 * (1.0 if thdot >= 0 else -1.0) * (1.0 if energy < 15.0 else -1.0)


GAMES = [
    ("repeat-previous", [repeat_previous.RepeatPreviousEasy, repeat_previous.RepeatPreviousMedium,
                         repeat_previous.RepeatPreviousHard],
     [("best", rp_best), ("worst", rp_worst), ("random", random_policy)]),
    ("repeat-first", [repeat_first.RepeatFirstEasy, repeat_first.RepeatFirstMedium,
                      repeat_first.RepeatFirstHard],
     [("best", rf_best), ("worst", rf_worst), ("random", random_policy)]),
    ("autoencode", [autoencode.AutoencodeEasy, autoencode.AutoencodeMedium, autoencode.AutoencodeHard],
     [("best", lambda e, t, r: ae_answer(e, r, False)), ("worst", lambda e, t, r: ae_answer(e, r, True)),
      ("random", random_policy)]),
    ("count-recall", [count_recall.CountRecallEasy, count_recall.CountRecallMedium,
                      count_recall.CountRecallHard],
     [("best", lambda e, t, r: cr_answer(e, False)), ("worst", lambda e, t, r: cr_answer(e, True)),
      ("random", random_policy)]),
    ("higher-lower", [higher_lower.HigherLowerEasy, higher_lower.HigherLowerMedium,
                      higher_lower.HigherLowerHard],
     [("best", lambda e, t, r: hl_answer(e, r, False)), ("worst", lambda e, t, r: hl_answer(e, r, True)),
      ("random", random_policy)]),
    ("concentration", [concentration.ConcentrationEasy, concentration.ConcentrationMedium,
                       concentration.ConcentrationHard],
     [("best", conc_best), ("worst", conc_worst), ("random", random_policy)]),
    ("minesweeper", [minesweeper.MineSweeperEasy, minesweeper.MineSweeperMedium,
                     minesweeper.MineSweeperHard],
     [("best", ms_best), ("worst", ms_worst), ("random", random_policy)]),
    ("battleship", [battleship.BattleshipEasy, battleship.BattleshipMedium, battleship.BattleshipHard],
     [("best", bs_best), ("worst", bs_worst), ("random", random_policy)]),
    ("multiarmed-bandit", [multiarmed_bandit.MultiarmedBanditEasy, multiarmed_bandit.MultiarmedBanditMedium,
                           multiarmed_bandit.MultiarmedBanditHard],
     [("best", lambda e, t, r: 1), ("worst", lambda e, t, r: 0), ("random", random_policy)]),
    ("position-only-cartpole", [position_only_cartpole.PositionOnlyCartPoleEasy,
                                position_only_cartpole.PositionOnlyCartPoleMedium,
                                position_only_cartpole.PositionOnlyCartPoleHard],
     [("best", pole_balance), ("push-left", lambda e, t, r: 0), ("random", random_policy)]),
    ("velocity-only-cartpole", [velocity_only_cartpole.VelocityOnlyCartPoleEasy,
                                velocity_only_cartpole.VelocityOnlyCartPoleMedium,
                                velocity_only_cartpole.VelocityOnlyCartPoleHard],
     [("best", pole_balance), ("push-right", lambda e, t, r: 1), ("random", random_policy)]),
    ("noisy-position-only-cartpole", [noisy_position_only_cartpole.NoisyPositionOnlyCartPoleEasy,
                                      noisy_position_only_cartpole.NoisyPositionOnlyCartPoleMedium,
                                      noisy_position_only_cartpole.NoisyPositionOnlyCartPoleHard],
     [("best", pole_balance), ("push-left", lambda e, t, r: 0), ("random", random_policy)]),
    ("position-only-pendulum", [position_only_pendulum.PositionOnlyPendulumEasy,
                                position_only_pendulum.PositionOnlyPendulumMedium,
                                position_only_pendulum.PositionOnlyPendulumHard],
     [("swing-up", pendulum_swing), ("torque-2.5", lambda e, t, r: 2.5), ("random", random_policy)]),
    ("noisy-position-only-pendulum", [noisy_position_only_pendulum.NoisyPositionOnlyPendulumEasy,
                                      noisy_position_only_pendulum.NoisyPositionOnlyPendulumMedium,
                                      noisy_position_only_pendulum.NoisyPositionOnlyPendulumHard],
     [("swing-up", pendulum_swing), ("torque-2.5", lambda e, t, r: 2.5), ("random", random_policy)]),
]


def main():
    out = sys.stdout
    out.write("# POPGym %s (Gymnasium %s, NumPy %s), written by tests/data/popgym/generate.py\n"
              % (POPGYM_COMMIT, gym.__version__, np.__version__))
    rec = Recorder(out)
    for game, classes, policies in GAMES:
        for d, cls in zip(DIFFS, classes):
            env = cls()
            name = "popgym/%s-%s" % (game, d)
            obs_dim = gym.spaces.utils.flatdim(env.observation_space)
            out.write("level %s %d %d\n" % (name, obs_dim, action_count(env)))
            for k, (label, policy) in enumerate(policies):
                prepare = bandit_prepare if game == "multiarmed-bandit" else None
                ret = rec.episode(name, label, env, seed=100 * DIFFS.index(d) + k, policy=policy,
                                  prepare=prepare)
                print("%-44s %-10s return %+.6f" % (name, label, ret), file=sys.stderr)


if __name__ == "__main__":
    main()
