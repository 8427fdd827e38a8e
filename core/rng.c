/* rng.c: PCG32 seeding, bounded integers and normals (see rng.h for the sources). */
#include "core/rng.h"

#include <math.h>

void rng_seed(Rng *rng, uint64_t seed, uint64_t stream) {
    rng->state = 0u;
    rng->inc = (stream << 1u) | 1u;
    (void)rng_u32(rng);
    rng->state += seed;
    (void)rng_u32(rng);
}

uint32_t rng_below(Rng *rng, uint32_t n) {
    uint64_t m = (uint64_t)rng_u32(rng) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)rng_u32(rng) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double rng_normal(Rng *rng) {
    double u1 = 1.0 - rng_double(rng); /* in (0, 1], so log is finite */
    double u2 = rng_double(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
