/* count_bonus.h: a count-based exploration bonus (Strehl & Littman 2008, "An analysis of
 * model-based Interval Estimation for Markov Decision Processes": the bonus beta / sqrt(n(s));
 * Tang et al. 2017, "#Exploration": observations hashed to count them).
 *
 * After each rollout every observation obs[t, n] is hashed (CRC-64 of its bytes, ISA-L's
 * crc64_ecma_refl); the hashes are counted in a fixed order (step t, then env n; over MPI ranks,
 * every rank's rollout in rank order, so every rank holds the same table), and each step's
 * reward gains coef / sqrt(n), n the count of its observation just after its own was added. The
 * counts are the whole run's (a checkpoint keeps them), the same for a given seed, config,
 * worker and rank count. The bonus is added to the reward as the rollout left it (after any
 * reward scaling).
 *
 * The bonus is a stream that does not end with the episode (Burda et al. 2018, "Exploration by
 * Random Network Distillation", section 2.3: intrinsic returns non-episodic): an env that
 * terminates starts a new episode whose views pay bonuses too. Added to the episodic reward as it
 * is, it would make every termination forfeit the bonuses to come, so a run could learn to keep
 * episodes going rather than reach the goal (DoorKey-8x8 seed 3: it found the goal, then stopped
 * reaching it). RND gives the intrinsic return a value head of its own; here one value head
 * learns the sum, and a terminated step's reward gains the intrinsic return of the episode to
 * come, estimated as that of an average step: gamma * mean / (1 - gamma), mean the mean bonus of
 * the rollout's steps over every rank (rollout_count_bonus). Meant for observations that repeat exactly, as the gridworld views do; a
 * continuous observation is new at every step (a constant bonus of coef), and the table then
 * grows by every step (24-48 bytes each in memory, 12 in a checkpoint). */
#ifndef PPO_COUNT_BONUS_H
#define PPO_COUNT_BONUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct CountBonus {
    double coef;      /* beta: the bonus of an observation seen n times is coef / sqrt(n) */
    size_t cap;       /* slots of the open-addressing table (a power of 2, at most half full) */
    size_t used;      /* distinct observations counted */
    uint64_t *keys;   /* [cap] hashes (0: an empty slot) */
    uint32_t *counts; /* [cap] times each was seen (saturating at UINT32_MAX) */
} CountBonus;

/* An empty table for the bonus coef (> 0). Errors: out of memory. */
int count_bonus_init(CountBonus *cb, double coef, Err *err);

/* keys [rows] = the hash of each row of obs [rows, O] (row-major floats), never 0. */
void count_bonus_keys(const float *obs, int O, long rows, uint64_t *keys);

/* Counts keys [n] in order; rows first .. first + rows - 1 of them get their bonus added to
 * rewards [rows]; *sum (NULL: not wanted) = the bonuses of all n keys summed. Errors: out of
 * memory growing the table (the keys before the one that failed stay counted). */
int count_bonus_add(CountBonus *cb, const uint64_t *keys, long n, long first, long rows, float *rewards,
                    double *sum, Err *err);

/* Sets the count of key (not 0) to count, adding the key if new (restoring a checkpoint's
 * table). Errors: out of memory. */
int count_bonus_set(CountBonus *cb, uint64_t key, uint32_t count, Err *err);

/* How many times key has been counted (0 if never). */
uint32_t count_bonus_count(const CountBonus *cb, uint64_t key);

/* Frees the table (a zeroed CountBonus is allowed). */
void count_bonus_free(CountBonus *cb);

#endif
