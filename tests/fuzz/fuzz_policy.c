/* fuzz_policy.c: libFuzzer target for loading a policy from a checkpoint, as `ppo eval` does
 * (`make fuzz`).
 *
 * Feeds arbitrary bytes to checkpoint_parse and, when they parse, to policy_from_checkpoint
 * (the checkpoint's own env and map); a policy that loads takes one policy_step for one env
 * on a zero observation at an episode start. As in fuzz_checkpoint.c, when the input's first
 * byte is odd the last four bytes are first replaced by the correct CRC, so the fuzzer gets
 * past the checksum. Any crash, sanitizer report, leak or timeout is a bug; a refusal (return
 * -1 with a message) is fine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "policies/policy.h"
#include "run/checkpoint.h"
#include "run/evaluate.h"

/* One step of p for one env from a zeroed state and observation. */
static void step_once(const Policy *p) {
    PolicyWork *w = policy_work_create(p, 1, 1);
    real *state = calloc(p->state_size ? p->state_size : 1, sizeof(real));
    real *obs = calloc((size_t)p->obs_dim, sizeof(real));
    real *logits = calloc((size_t)p->n_actions, sizeof(real));
    if (w && state && obs && logits) {
        uint8_t start = 1;
        int32_t prev = 0;
        real value;
        policy_step(p, w, 1, state, obs, &start, &prev, logits, &value);
    }
    free(logits);
    free(obs);
    free(state);
    policy_work_destroy(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    if (size >= 24 && (data[0] & 1)) {
        copy[0] = 'P'; /* keep the magic so the parse goes on */
        uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), copy, size - 4);
        memcpy(copy + size - 4, &crc, 4);
    }
    Checkpoint ck;
    Err err;
    if (checkpoint_parse(&ck, copy, size, "fuzz.ckpt", &err) == 0) {
        TrainConfig cfg;
        Policy *p;
        if (policy_from_checkpoint(&ck, "fuzz.ckpt", NULL, NULL, NULL, &cfg, &p, &err) == 0) {
            step_once(p);
            policy_destroy(p);
        }
        checkpoint_free(&ck);
    }
    free(copy);
    return 0;
}
