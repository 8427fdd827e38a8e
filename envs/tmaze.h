/* tmaze.h: the T-maze, a memory task (Bakker, "Reinforcement Learning with Long Short-Term
 * Memory", NIPS 2001), under the names "tmaze" (corridor of 10) and "tmaze-long"
 * (corridor of 30). It is the worked example of README "Your own environment": envs/tmaze.c,
 * one line in envs/env.c, configs/tmaze.yaml, tests/test_tmaze.c.
 *
 * The maze: a corridor of cells 0 .. N, the agent starting in cell 0 and the junction in cell N,
 * where the corridor meets a north and a south arm. One of the arms holds the goal, drawn
 * uniformly at each reset from the env's own RNG; the agent is told which only in its first
 * observation (the road sign), and must remember it for N steps.
 *
 * Observation: 3 floats, Bakker's coding: the first observation 011 (goal north) or 110 (goal
 * south); 101 in the corridor (cell 0 included, after the first step); 010 at the junction.
 * Actions: 0 east, 1 west, 2 north, 3 south. A move into a wall (north or south in the corridor,
 * west in cell 0, east at the junction) leaves the agent in place.
 * Reward: 1 for entering the goal's arm, 0 for entering the other arm; both terminate; 0 on
 * every other step. (Bakker's rewards differ: a penalty for the wrong arm and for moves into a
 * wall. Here the wrong arm costs nothing more than a timeout, so an agent that has not yet
 * learned to read the sign still walks to the junction and turns, and learns from it.)
 * Truncated after max_steps (env.max_steps, by default 3 N), with return 0. The best episode
 * takes N + 1 steps, return 1: the return is the share of right turns. A policy without memory
 * turns the same way whatever the sign said, and averages at most 0.5.
 */
#ifndef PPO_TMAZE_H
#define PPO_TMAZE_H

#include <stdbool.h>

enum { TMAZE_EAST = 0, TMAZE_WEST = 1, TMAZE_NORTH = 2, TMAZE_SOUTH = 3 };

/* What a renderer or a test may read (env_view of a tmaze env). */
typedef struct TmazeView {
    int length;     /* N: the junction's cell */
    int pos;        /* the agent's cell, 0 .. N */
    bool goal_north;/* the goal is in the north arm (else the south one) */
    int steps;      /* steps taken in this episode */
    int max_steps;  /* truncation limit */
} TmazeView;

#endif
