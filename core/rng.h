/* rng.h: the one random number generator of ppo, PCG32 (O'Neill 2014, "PCG: A Family of Simple
 * Fast Space-Efficient Statistically Good Algorithms for Random Number Generation"; the
 * pcg32_random_r / pcg32_srandom_r functions of the minimal C implementation, pcg-random.org).
 *
 * Every env, action sampler and learner owns an Rng seeded from (seed, stream): two generators with the
 * same seed and different streams give independent sequences, so env i of a run with seed s uses
 * rng_seed(&rng, s, i). Never rand(). The state is two integers, so it is saved in checkpoints
 * as is. */
#ifndef PPO_RNG_H
#define PPO_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t state; /* current state of the LCG */
    uint64_t inc;   /* stream selector, always odd */
} Rng;

/* Seeds rng from (seed, stream), as pcg32_srandom_r(rng, seed, stream). */
void rng_seed(Rng *rng, uint64_t seed, uint64_t stream);

/* Next 32 uniformly distributed bits (pcg32_random_r: XSH RR output of a 64-bit LCG). */
static inline uint32_t rng_u32(Rng *rng) {
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* Uniform double in [0, 1) with 53 random bits (two draws). */
static inline double rng_double(Rng *rng) {
    uint64_t hi = rng_u32(rng) >> 5, lo = rng_u32(rng) >> 6; /* 27 + 26 bits */
    return (double)(hi * 67108864.0 + lo) * (1.0 / 9007199254740992.0);
}

/* Uniform float in [0, 1) with 24 random bits (one draw). */
static inline float rng_float(Rng *rng) {
    return (float)(rng_u32(rng) >> 8) * (1.0f / 16777216.0f);
}

/* Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's multiply-and-reject,
 * "Fast Random Integer Generation in an Interval", 2019). */
uint32_t rng_below(Rng *rng, uint32_t n);

/* Standard normal N(0, 1) in double, by the Box-Muller transform (two uniform draws,
 * one result; the second is discarded so the state has no cached value). */
double rng_normal(Rng *rng);

#endif
