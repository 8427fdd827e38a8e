/* checkpoint.h: the checkpoint file: everything needed to evaluate a policy or to resume its
 * training bit for bit. Written atomically (a temp file in the same folder, fsync, rename,
 * fsync of the folder), so a crash leaves the old file or the new one, never a torn one.
 *
 * A run over MPI ranks (dist.h) saves one file for all of them (checkpoint_dist.h): num_envs is
 * then ranks x run.num_envs of its config, env r * run.num_envs + i being env i of rank r.
 *
 * Format (version 4 with a CNTS section, written only by a run with a count bonus; version 3
 * with a NORM section, written only by a run that normalizes observations or rewards, version 2
 * otherwise; version 1 is version 2 without the MAPF section), all integers and floats
 * little-endian:
 *   "PPO-CKPT"                      8-byte magic
 *   u32 format version, u32 0
 *   sections, each: 4-byte ASCII tag, u32 0, u64 payload length, payload
 *     HEAD  header: env name, policy kind, sizes, counters, returns (checkpoint.c: put_header)
 *     CONF  the resolved config as YAML text
 *     TENS  named float32 tensors: u32 count; each u16 name length, name, u8 ndim, ndim x u32
 *           dims, data. Names: "params/<tensor>", "adam_m/<tensor>", "adam_v/<tensor>"
 *     RNGS  u64 state, u64 inc of the learner's RNG; u32 N; N pairs for the sampling RNGs
 *     ENVS  u32 N, u64 bytes per env, N env states (env_state_save)
 *     ROLL  u32 N, u64 S, u32 O; state f32 [N, S], obs f32 [N, O], episode_start u8 [N],
 *           prev_action i32 [N], ep_return f32 [N], ep_length i32 [N]
 *     EPIS  u32 n; returns f32 [n]; lengths i32 [n] (recent finished episodes, oldest first)
 *     MAPF  (version 2) the gridworld map the run trained on: u16 n, its name (the env.map path)
 *           [n]; u32 m, the map file's text [m]; both empty for envs without a map file
 *     NORM  (version 3) the normalizations (algo/normalize.h): u8 obs_on, u8 reward_on, u16 0;
 *           f64 clip_obs, clip_reward; u32 O; f64 obs mean [O], var [O], count; f64 return
 *           mean, var, count; u32 N; f64 each env's discounted return [N]. In version 4
 *           only where the run normalizes.
 *     CNTS  (version 4) the count bonus's table (algo/count_bonus.h; the same on every rank):
 *           u64 n; the observations' hashes u64 [n] (none 0, no two alike), their counts u32 [n]
 *           (none 0, adding up to HEAD's global_step unless one saturated at 2^32 - 1)
 *   u32 CRC-32 (zlib's crc32) of every byte before it.
 * A loader refuses a wrong magic, a newer version, a bad CRC, a short file, or any section that
 * does not add up, with one message naming the file and what is wrong. */
#ifndef PPO_CHECKPOINT_H
#define PPO_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "envs/env.h"
#include "policies/policy.h"
#include "run/episodes.h"

#define CKPT_VERSION 4
#define CKPT_MAX_DIMS POLICY_MAX_DIMS
/* The tensor-name prefixes of the buffers laid out as a policy's parameters (TENS). */
#define CKPT_PARAMS "params" /* the parameters */
#define CKPT_ADAM_M "adam_m" /* Adam's first moment */
#define CKPT_ADAM_V "adam_v" /* Adam's second moment */
#define CKPT_NAME_LEN 96

typedef struct CkptTensor {
    char name[CKPT_NAME_LEN];
    int ndim;
    int shape[CKPT_MAX_DIMS];
    size_t size;  /* product of shape */
    float *data;  /* [size] */
} CkptTensor;

typedef struct Checkpoint {
    /* HEAD */
    uint32_t version;
    char env_name[ENV_NAME_LEN];
    char policy_kind[POLICY_KIND_LEN];
    int32_t obs_dim, n_actions;
    uint64_t state_size, n_params;
    int32_t num_envs;
    int64_t global_step, update, episodes;
    double mean_return; /* mean over recent episodes at save time (NaN if none yet) */
    double best_return; /* best such mean over the run so far */
    double train_seconds;
    int64_t adam_step;
    /* CONF */
    char *config_yaml; /* NUL-terminated */
    /* TENS */
    int n_tensors;
    CkptTensor *tensors;
    /* RNGS */
    Rng learner_rng;
    Rng *sample_rngs; /* [num_envs] */
    /* ENVS */
    uint64_t env_state_bytes;
    uint8_t *env_states; /* [num_envs * env_state_bytes] */
    /* ROLL */
    float *state;          /* [num_envs, state_size] */
    float *obs;            /* [num_envs, obs_dim] */
    uint8_t *episode_start;/* [num_envs] */
    int32_t *prev_action;  /* [num_envs] */
    float *ep_return;      /* [num_envs] */
    int32_t *ep_length;    /* [num_envs] */
    /* EPIS */
    EpisodeWindow recent;
    /* MAPF */
    char *map_name; /* the env.map path at save time, NUL-terminated; NULL when no map */
    char *map_text; /* the map file's text, NUL-terminated; NULL when no map */
    /* NORM (version 3; has_norm false: no such section) */
    bool has_norm;
    bool norm_obs_on, norm_reward_on;
    double norm_clip_obs, norm_clip_reward;
    double *norm_obs_mean, *norm_obs_var; /* [obs_dim] */
    double norm_obs_count;
    double norm_ret_mean, norm_ret_var, norm_ret_count;
    double *norm_returns; /* [num_envs] */
    /* CNTS (version 4; has_counts false: no such section) */
    bool has_counts;
    uint64_t n_counts;
    uint64_t *count_keys;   /* [n_counts] observation hashes */
    uint32_t *count_values; /* [n_counts] their counts */
    bool owns; /* true when the arrays were allocated by checkpoint_read */
} Checkpoint;

/* Writes ck to path atomically. The arrays are read, not taken. Errors: the folder is not
 * writable, the disk is full, fsync or rename fail (the message names the path). */
int checkpoint_write(const Checkpoint *ck, const char *path, Err *err);

/* Reads and checks the file at path into ck (allocating its arrays: free with
 * checkpoint_free). Errors (one message naming the file, what is wrong, and a hint): missing
 * file, a directory, too short, wrong magic, newer version, CRC mismatch, inconsistent or
 * truncated sections. */
int checkpoint_read(Checkpoint *ck, const char *path, Err *err);

/* The bytes of the file at path, for checkpoint_parse (e.g. read by MPI rank 0 and broadcast to
 * the others): *data [*len] is allocated (free it). Errors: those of checkpoint_read before
 * parsing (missing file, a directory, too large, unreadable). */
int checkpoint_read_file(const char *path, uint8_t **data, size_t *len, Err *err);

/* As checkpoint_read, from bytes in memory (for tests and the fuzzer); `name` stands for the
 * file in messages. */
int checkpoint_parse(Checkpoint *ck, const uint8_t *data, size_t len, const char *name, Err *err);

/* Frees what checkpoint_read allocated (does nothing for a Checkpoint that does not own its
 * arrays). */
void checkpoint_free(Checkpoint *ck);

/* The tensor named name, or NULL. */
const CkptTensor *checkpoint_tensor(const Checkpoint *ck, const char *name);

/* The name of tensor t without its CKPT_PARAMS "/" prefix when t is a parameter tensor, else NULL. */
const char *checkpoint_param_name(const CkptTensor *t);

/* The CRC-32 (zlib's crc32) of the parameter tensors ("params/...") of ck, their float bytes in
 * file order, for comparing checkpoints at a glance (`ppo info`); the number of parameters into
 * *n_params when it is not NULL. */
uint32_t checkpoint_params_crc(const Checkpoint *ck, size_t *n_params);

/* Appends to ck views of the tensors of buf [P], a buffer laid out as policy p's parameters
 * (the parameters themselves, or an Adam moment), each named "PREFIX/<tensor name>" with the
 * tensor's shape, in the policy's tensor order. ck->tensors grows; for a ck that does not own
 * its arrays the caller frees ck->tensors (not the data). Errors: out of memory. */
int checkpoint_put_tensors(Checkpoint *ck, const char *prefix, const Policy *p, const float *buf,
                           Err *err);

/* Copies the tensors "PREFIX/<tensor name>" of ck into buf [P] laid out as policy p's parameters.
 * Errors (ERR_INPUT, naming path and the tensor): a tensor is missing or has another shape. */
int checkpoint_get_tensors(const Checkpoint *ck, const char *prefix, const Policy *p, float *buf,
                           const char *path, Err *err);

#endif
