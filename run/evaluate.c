/* evaluate.c: evaluation episodes of a checkpoint's policy (see evaluate.h). */
#include "run/evaluate.h"

#include <stdlib.h>
#include <string.h>

#include "algo/rollout.h"
#include "core/file.h"
#include "policies/categorical.h"
#include "policies/gaussian.h"

int policy_from_checkpoint(const Checkpoint *ck, const char *path, const char *env_name,
                           const char *map_path, const char *map_text, TrainConfig *cfg,
                           Policy **out, Err *err) {
    *out = NULL;
    char name_set[ENV_NAME_LEN + 16], map_set[PATH_LEN + 16];
    char *sets[2];
    int n = 0;
    if (env_name || map_path) {
        snprintf(name_set, sizeof name_set, "env.name=%s", env_name ? env_name : "gridworld/map");
        sets[n++] = name_set;
    }
    if (map_path) {
        if (file_path(map_set, err, "env.map=%s", map_path)) return err_as_input(err);
        sets[n++] = map_set;
    }
    /* Loading validates env and policy together: a policy that does not fit the env fails. */
    if (config_load_saved(cfg, ck->config_yaml, strlen(ck->config_yaml), path,
                          map_path ? map_text : ck->map_text, sets, n, err))
        return -1;
    Policy *p;
    if (policy_for_config(&p, cfg, err)) return err_as_input(err);
    if (p->obs_dim != ck->obs_dim || p->n_actions != ck->n_actions) {
        err_input(err, "%s: the policy was trained on %s (obs %d, %d actions) and does not fit "
                  "env %s (obs %d, %d actions); evaluate it on its own env (omit --env)", path,
                  ck->env_name, ck->obs_dim, ck->n_actions, cfg->env.name, p->obs_dim, p->n_actions);
        policy_destroy(p);
        return -1;
    }
    if (p->n_params != ck->n_params) {
        err_input(err, "%s: %llu parameters stored, the policy of its config has %zu", path,
                  (unsigned long long)ck->n_params, p->n_params);
        policy_destroy(p);
        return -1;
    }
    if (checkpoint_get_tensors(ck, CKPT_PARAMS, p, p->params, path, err)) {
        policy_destroy(p);
        return -1;
    }
    *out = p;
    return 0;
}

const RunningStats *checkpoint_obs_norm(const Checkpoint *ck, RunningStats *view, double *clip_obs) {
    if (!ck->has_norm || !ck->norm_obs_on) return NULL;
    *view = (RunningStats){ck->obs_dim, ck->norm_obs_mean, ck->norm_obs_var, ck->norm_obs_count};
    *clip_obs = ck->norm_clip_obs;
    return view;
}

/* Env j's observation obs [O] as the policy sees it: normalized in place with the frozen
 * statistics when there are any. */
static void observe(const EvalOptions *o, float *obs) {
    if (o->obs_norm) running_stats_normalize(o->obs_norm, o->clip_obs, obs, obs);
}

int evaluate(const Policy *policy, const EnvConfig *env_cfg, const EvalOptions *opts,
             EvalEpisode *episodes, Err *err) {
    const int E = opts->episodes, B = opts->num_envs < E ? opts->num_envs : E;
    const int O = policy->obs_dim, A = policy->n_actions;
    const size_t S = policy->state_size;
    if (E < 1 || B < 1) return err_set(err, "evaluate: need at least one episode");
    Env **envs = calloc((size_t)B, sizeof *envs);
    Rng *rngs = calloc((size_t)B, sizeof *rngs);
    float *obs = calloc((size_t)B * O, sizeof(float)), *state = calloc((size_t)B * S + 1, sizeof(float));
    float *logits = calloc((size_t)B * A, sizeof(float)), *values = calloc((size_t)B, sizeof(float));
    uint8_t *start = calloc((size_t)B, 1);
    int32_t *prev = calloc((size_t)B, sizeof(int32_t));
    int *next_episode = calloc((size_t)B, sizeof(int)); /* index of the episode env j is playing */
    float *ret = calloc((size_t)B, sizeof(float));
    int32_t *len = calloc((size_t)B, sizeof(int32_t));
    PolicyWork *work = policy_work_create(policy, 1, B);
    int rc = 0;
    if (!envs || !rngs || !obs || !state || !logits || !values || !start || !prev ||
        !next_episode || !ret || !len || !work) {
        rc = err_set(err, "out of memory for evaluation");
        goto done;
    }
    int active = 0;
    for (int j = 0; j < B; j++) {
        if (env_create(&envs[j], env_cfg, err)) {
            rc = -1;
            goto done;
        }
        if (envs[j]->obs_dim != O || env_action_outputs(envs[j]) != A ||
            (envs[j]->action_dim > 0) != policy->gaussian) {
            rc = err_set(err, "env %s does not fit the policy (obs %d, %d actions)", env_cfg->name, O, A);
            goto done;
        }
        env_seed(envs[j], opts->seed, (uint64_t)j);
        rng_seed(&rngs[j], opts->seed, ROLLOUT_SAMPLER_STREAM + (uint64_t)j);
        env_reset(envs[j], obs + (size_t)j * O);
        observe(opts, obs + (size_t)j * O);
        start[j] = 1;
        next_episode[j] = j;
        active++;
    }
    while (active > 0) {
        policy_step(policy, work, B, state, obs, start, prev, logits, values);
        for (int j = 0; j < B; j++) {
            if (next_episode[j] >= E) continue; /* this env has played its share */
            real lp;
            float r;
            bool term, trunc;
            int a = 0;
            if (policy->gaussian) { /* the mean, or a sample; clipped to the box when applied */
                float box[ENV_MAX_ACTION_DIM];
                if (opts->deterministic)
                    memcpy(box, logits + (size_t)j * A, sizeof(float) * A);
                else
                    gaussian_sample(A, logits + (size_t)j * A, policy_log_std(policy), &rngs[j], box, &lp);
                env_clip_action(envs[j], box, box);
                env_step_box(envs[j], box, obs + (size_t)j * O, &r, &term, &trunc);
            } else {
                a = opts->deterministic ? categorical_argmax(A, logits + (size_t)j * A)
                                        : categorical_sample(A, logits + (size_t)j * A, &rngs[j], &lp);
                env_step(envs[j], a, obs + (size_t)j * O, &r, &term, &trunc);
            }
            observe(opts, obs + (size_t)j * O);
            ret[j] += r;
            len[j]++;
            prev[j] = a;
            start[j] = 0;
            if (term || trunc) {
                episodes[next_episode[j]] = (EvalEpisode){ret[j], len[j], term};
                next_episode[j] += B;
                ret[j] = 0;
                len[j] = 0;
                if (next_episode[j] >= E) {
                    active--;
                } else {
                    env_reset(envs[j], obs + (size_t)j * O);
                    observe(opts, obs + (size_t)j * O);
                    start[j] = 1;
                }
            }
        }
    }
done:
    for (int j = 0; envs && j < B; j++) env_destroy(envs[j]);
    policy_work_destroy(work);
    free(envs);
    free(rngs);
    free(obs);
    free(state);
    free(logits);
    free(values);
    free(start);
    free(prev);
    free(next_episode);
    free(ret);
    free(len);
    return rc;
}
