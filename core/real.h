/* real.h: the scalar type of the networks. float in the product; double when built with
 * -DPPO_REAL_DOUBLE (the gradient-check builds, tests/gradcheck_*.c). */
#ifndef PPO_REAL_H
#define PPO_REAL_H

#ifdef PPO_REAL_DOUBLE
typedef double real;
#else
typedef float real;
#endif

#endif
