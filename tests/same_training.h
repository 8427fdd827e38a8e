/* same_training.h: a test assertion for the suites that train (test_trainer, test_record, test_dist); kept
 * apart from testutil.c because it reads checkpoints (run/), which the double-precision gradient
 * checks do not link. */
#ifndef PPO_TESTS_SAME_TRAINING_H
#define PPO_TESTS_SAME_TRAINING_H

#include <stdbool.h>
#include <string.h>

#include "core/rng.h"
#include "run/checkpoint.h"
#include "tests/testutil.h"

/* Asserts (through Check) that the checkpoint files ckpt_a and ckpt_b hold the same training: the
 * same global step and Adam step, the same tensors bit for bit (parameters and optimizer
 * moments), env states, action samplers and count bonus table. Fails naming the tensor that
 * differs. */
static inline void test_assert_same_training(const char *ckpt_a, const char *ckpt_b) {
    Checkpoint a, b;
    Err err;
    ck_assert_msg(checkpoint_read(&a, ckpt_a, &err) == 0, "%s", err.msg);
    ck_assert_msg(checkpoint_read(&b, ckpt_b, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(a.n_tensors, b.n_tensors);
    ck_assert_int_eq(a.global_step, b.global_step);
    ck_assert_int_eq(a.adam_step, b.adam_step);
    for (int i = 0; i < a.n_tensors; i++) {
        ck_assert_str_eq(a.tensors[i].name, b.tensors[i].name);
        ck_assert_msg(memcmp(a.tensors[i].data, b.tensors[i].data, a.tensors[i].size * sizeof(float)) == 0,
                      "tensor %s differs between %s and %s", a.tensors[i].name, ckpt_a, ckpt_b);
    }
    ck_assert_mem_eq(a.env_states, b.env_states, (size_t)a.num_envs * a.env_state_bytes);
    ck_assert_mem_eq(a.sample_rngs, b.sample_rngs, sizeof(Rng) * (size_t)a.num_envs);
    ck_assert_int_eq(a.has_counts, b.has_counts);
    ck_assert_uint_eq(a.n_counts, b.n_counts);
    for (uint64_t i = 0; i < a.n_counts; i++) { /* the same counts, in any slot order */
        bool found = false;
        for (uint64_t j = 0; j < b.n_counts && !found; j++)
            found = a.count_keys[i] == b.count_keys[j] && a.count_values[i] == b.count_values[j];
        ck_assert_msg(found, "count bonus entry %llu of %s is not in %s", (unsigned long long)i, ckpt_a, ckpt_b);
    }
    checkpoint_free(&a);
    checkpoint_free(&b);
}

#endif
