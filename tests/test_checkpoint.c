/* test_checkpoint.c: checkpoints round-trip exactly, and every kind of damage (truncation at
 * any byte, a flipped bit anywhere, wrong magic, newer version, a directory, a missing file)
 * gives one clear error and never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "run/checkpoint.h"
#include "tests/testutil.h"

enum { N = 3, O = 4, S = 6, A = 2, ENVB = 16 };

typedef struct Fixture {
    Checkpoint ck;
    CkptTensor tensors[2];
    float w[6], b[2];
    Rng rngs[N];
    uint8_t env_states[N * ENVB];
    float state[N * S], obs[N * O], ep_return[N];
    uint8_t episode_start[N];
    int32_t prev_action[N], ep_length[N];
    uint64_t count_keys[3];
    uint32_t count_values[3];
} Fixture;

static void make(Fixture *f) {
    memset(f, 0, sizeof *f);
    Checkpoint *ck = &f->ck;
    snprintf(ck->env_name, sizeof ck->env_name, "cartpole");
    snprintf(ck->policy_kind, sizeof ck->policy_kind, "gla");
    ck->obs_dim = O;
    ck->n_actions = A;
    ck->state_size = S;
    ck->n_params = 8;
    ck->num_envs = N;
    ck->global_step = 4096;
    ck->update = 8;
    ck->episodes = 77;
    ck->mean_return = 123.5;
    ck->best_return = 130.25;
    ck->train_seconds = 1.5;
    ck->adam_step = 32;
    ck->config_yaml = "env:\n  name: cartpole\n";
    for (int i = 0; i < 6; i++) f->w[i] = 0.5f * (float)i - 1.0f;
    f->b[0] = 3.0f;
    f->b[1] = -4.0f;
    f->tensors[0] = (CkptTensor){"params/w", 2, {2, 3}, 6, f->w};
    f->tensors[1] = (CkptTensor){"params/b", 1, {2}, 2, f->b};
    ck->n_tensors = 2;
    ck->tensors = f->tensors;
    rng_seed(&ck->learner_rng, 5, 6);
    for (int i = 0; i < N; i++) rng_seed(&f->rngs[i], 7, (uint64_t)i);
    ck->sample_rngs = f->rngs;
    ck->env_state_bytes = ENVB;
    for (int i = 0; i < N * ENVB; i++) f->env_states[i] = (uint8_t)(i * 7);
    ck->env_states = f->env_states;
    for (int i = 0; i < N * S; i++) f->state[i] = (float)i / 7.0f;
    for (int i = 0; i < N * O; i++) f->obs[i] = -(float)i;
    for (int i = 0; i < N; i++) {
        f->episode_start[i] = (uint8_t)(i % 2);
        f->prev_action[i] = i % A;
        f->ep_return[i] = 10.0f * i;
        f->ep_length[i] = 10 * i;
    }
    ck->state = f->state;
    ck->obs = f->obs;
    ck->episode_start = f->episode_start;
    ck->prev_action = f->prev_action;
    ck->ep_return = f->ep_return;
    ck->ep_length = f->ep_length;
    ck->recent.n = 3;
    ck->recent.returns[0] = 1;
    ck->recent.returns[1] = 2;
    ck->recent.returns[2] = 3;
    ck->recent.lengths[2] = 33;
    /* a count bonus's table: format version 4, without NORM */
    const uint64_t keys[3] = {0x0123456789abcdefull, 7, 0xfedcba9876543210ull};
    const uint32_t values[3] = {1, 12, 4083}; /* adding up to global_step */
    memcpy(f->count_keys, keys, sizeof keys);
    memcpy(f->count_values, values, sizeof values);
    ck->has_counts = true;
    ck->n_counts = 3;
    ck->count_keys = f->count_keys;
    ck->count_values = f->count_values;
}

/* Writes the fixture to a temp file and reads the bytes back. */
static uint8_t *fixture_bytes(size_t *len, char *path, size_t cap) {
    Fixture f;
    make(&f);
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, cap, "%s/x.ckpt", dir);
    Err err;
    ck_assert_msg(checkpoint_write(&f.ck, path, &err) == 0, "%s", err.msg);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    *len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *data = malloc(*len);
    ck_assert_uint_eq(fread(data, 1, *len, fp), *len);
    fclose(fp);
    return data;
}

START_TEST(a_checkpoint_reads_back_exactly_what_was_written) {
    Fixture f;
    make(&f);
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/a.ckpt", dir);
    Err err;
    ck_assert_msg(checkpoint_write(&f.ck, path, &err) == 0, "%s", err.msg);
    Checkpoint r;
    ck_assert_msg(checkpoint_read(&r, path, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(r.env_name, "cartpole");
    ck_assert_str_eq(r.policy_kind, "gla");
    ck_assert_int_eq(r.global_step, 4096);
    ck_assert_int_eq(r.update, 8);
    ck_assert_int_eq(r.adam_step, 32);
    ck_assert_double_eq(r.best_return, 130.25);
    ck_assert_str_eq(r.config_yaml, f.ck.config_yaml);
    const CkptTensor *w = checkpoint_tensor(&r, "params/w");
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(w->shape[1], 3);
    ck_assert_mem_eq(w->data, f.w, sizeof f.w);
    ck_assert_ptr_null(checkpoint_tensor(&r, "params/nope"));
    ck_assert_mem_eq(r.sample_rngs, f.rngs, sizeof f.rngs);
    ck_assert_mem_eq(&r.learner_rng, &f.ck.learner_rng, sizeof(Rng));
    ck_assert_mem_eq(r.env_states, f.env_states, sizeof f.env_states);
    ck_assert_mem_eq(r.state, f.state, sizeof f.state);
    ck_assert_mem_eq(r.obs, f.obs, sizeof f.obs);
    ck_assert_mem_eq(r.prev_action, f.prev_action, sizeof f.prev_action);
    ck_assert_mem_eq(r.ep_length, f.ep_length, sizeof f.ep_length);
    ck_assert_int_eq(r.recent.n, 3);
    ck_assert_int_eq(r.recent.lengths[2], 33);
    ck_assert(r.version == 4 && r.has_counts && !r.has_norm);
    ck_assert_uint_eq(r.n_counts, 3);
    ck_assert_mem_eq(r.count_keys, f.count_keys, sizeof f.count_keys);
    ck_assert_mem_eq(r.count_values, f.count_values, sizeof f.count_values);
    checkpoint_free(&r);
    /* No temp file is left beside it. */
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    ck_assert_int_ne(access(tmp, F_OK), 0);
}
END_TEST

START_TEST(truncation_at_every_byte_offset_is_refused) {
    size_t len;
    char path[600];
    uint8_t *data = fixture_bytes(&len, path, sizeof path);
    for (size_t cut = 0; cut < len; cut++) {
        Checkpoint r;
        Err err;
        ck_assert_msg(checkpoint_parse(&r, data, cut, "x.ckpt", &err) == -1, "accepted a file cut at %zu", cut);
        ck_assert_msg(strstr(err.msg, "x.ckpt"), "message does not name the file: %s", err.msg);
    }
    free(data);
}
END_TEST

START_TEST(a_flipped_bit_anywhere_is_refused) {
    size_t len;
    char path[600];
    uint8_t *data = fixture_bytes(&len, path, sizeof path);
    for (size_t at = 0; at < len; at++) {
        for (int bit = 0; bit < 8; bit += 3) {
            data[at] ^= (uint8_t)(1u << bit);
            Checkpoint r;
            Err err;
            ck_assert_msg(checkpoint_parse(&r, data, len, "x.ckpt", &err) == -1,
                          "accepted a flipped bit %d at byte %zu", bit, at);
            if (at >= 8) /* past the magic, the version field too: corruption, not a newer file */
                ck_assert_msg(strstr(err.msg, "checksum mismatch"), "byte %zu: %s", at, err.msg);
            data[at] ^= (uint8_t)(1u << bit);
        }
    }
    Checkpoint r;
    Err err;
    ck_assert_int_eq(checkpoint_parse(&r, data, len, "x.ckpt", &err), 0);
    checkpoint_free(&r);
    free(data);
}
END_TEST

/* Rewrites the CRC after a deliberate change, so the loader sees a well-formed file. */
static void fix_crc(uint8_t *data, size_t len) {
    uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), data, len - 4);
    memcpy(data + len - 4, &crc, 4);
}

START_TEST(wrong_magic_newer_version_and_bad_sections_get_their_own_messages) {
    size_t len;
    char path[600];
    uint8_t *data = fixture_bytes(&len, path, sizeof path);
    Checkpoint r;
    Err err;
    data[0] = 'X';
    ck_assert_int_eq(checkpoint_parse(&r, data, len, "x.ckpt", &err), -1);
    ck_assert_msg(strstr(err.msg, "magic"), "%s", err.msg);
    data[0] = 'P';
    uint32_t v = 99;
    memcpy(data + 8, &v, 4);
    fix_crc(data, len);
    ck_assert_int_eq(checkpoint_parse(&r, data, len, "x.ckpt", &err), -1);
    ck_assert_msg(strstr(err.msg, "version 99 is newer"), "%s", err.msg);
    v = CKPT_VERSION;
    memcpy(data + 8, &v, 4);
    data[16] = 'Q'; /* the first section tag */
    fix_crc(data, len);
    ck_assert_int_eq(checkpoint_parse(&r, data, len, "x.ckpt", &err), -1);
    ck_assert_msg(strstr(err.msg, "HEAD"), "%s", err.msg);
    free(data);
    /* CNTS, the last section (keys u64 [3], counts u32 [3], then the CRC): a count of 0, counts
     * that do not add up to global_step, a key twice */
    for (int bad = 0; bad < 3; bad++) {
        data = fixture_bytes(&len, path, sizeof path);
        uint8_t *keys = data + len - 4 - 12 - 24, *counts = data + len - 4 - 12;
        if (bad == 0) memset(counts + 8, 0, 4);
        if (bad == 1) counts[0] = 2;
        if (bad == 2) memcpy(keys + 8, keys, 8);
        fix_crc(data, len);
        ck_assert_int_eq(checkpoint_parse(&r, data, len, "x.ckpt", &err), -1);
        ck_assert_msg(strstr(err.msg, "CNTS is malformed"), "case %d: %s", bad, err.msg);
        free(data);
    }
}
END_TEST

START_TEST(a_directory_or_a_missing_file_is_refused_by_name) {
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    Checkpoint r;
    Err err;
    ck_assert_int_eq(checkpoint_read(&r, dir, &err), -1);
    ck_assert_msg(strstr(err.msg, "is a directory"), "%s", err.msg);
    snprintf(path, sizeof path, "%s/none.ckpt", dir);
    ck_assert_int_eq(checkpoint_read(&r, path, &err), -1);
    ck_assert_msg(strstr(err.msg, "none.ckpt") && strstr(err.msg, "No such file"), "%s", err.msg);
}
END_TEST

static Suite *checkpoint_suite(void) {
    Suite *s = suite_create("checkpoint");
    TCase *tc = test_case("format");
    tcase_add_test(tc, a_checkpoint_reads_back_exactly_what_was_written);
    tcase_add_test(tc, truncation_at_every_byte_offset_is_refused);
    tcase_add_test(tc, a_flipped_bit_anywhere_is_refused);
    tcase_add_test(tc, wrong_magic_newer_version_and_bad_sections_get_their_own_messages);
    tcase_add_test(tc, a_directory_or_a_missing_file_is_refused_by_name);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(checkpoint_suite)
