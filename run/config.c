/* config.c: YAML configs (libyaml event parser), overrides, validation and the resolved-config
 * writer (libyaml emitter). See config.h. */
#include "run/config.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/file.h"

typedef enum { F_INT, F_LONG, F_DOUBLE, F_BOOL, F_STRING, F_ENUM } FieldType;

/* One key of the config: where it lives in TrainConfig, its type and allowed range. */
typedef struct Field {
    const char *section;
    const char *key;
    FieldType type;
    size_t offset;              /* into TrainConfig */
    size_t size;                /* F_STRING: buffer size */
    double min, max;            /* F_INT, F_LONG, F_DOUBLE: allowed closed range */
    const char *const *choices; /* F_ENUM: names, index = stored int; NULL-terminated */
    const char *doc;
} Field;

#define CONFIG_MAX_BYTES (1u << 20) /* a larger file is not a config */
#define ROLLOUT_MAX_FLOATS (1L << 30) /* a rollout's observations at most (4 GiB) */

static const char *const INTEGRATORS[] = {"euler", "semi-implicit", NULL};

#define OFF(sec, fld) offsetof(TrainConfig, sec) + offsetof(__typeof__(((TrainConfig *)0)->sec), fld)
#define SIZE(sec, fld) sizeof(((TrainConfig *)0)->sec.fld)
#define INT(sec, k, lo, hi, doc) {#sec, #k, F_INT, OFF(sec, k), 0, lo, hi, NULL, doc}
#define LONG(sec, k, lo, hi, doc) {#sec, #k, F_LONG, OFF(sec, k), 0, lo, hi, NULL, doc}
#define DBL(sec, k, lo, hi, doc) {#sec, #k, F_DOUBLE, OFF(sec, k), 0, lo, hi, NULL, doc}
#define BOOL(sec, k, doc) {#sec, #k, F_BOOL, OFF(sec, k), 0, 0, 1, NULL, doc}
#define STR(sec, k, doc) {#sec, #k, F_STRING, OFF(sec, k), SIZE(sec, k), 0, 0, NULL, doc}
#define ENUM(sec, k, ch, doc) {#sec, #k, F_ENUM, OFF(sec, k), 0, 0, 0, ch, doc}

static const Field FIELDS[] = {
    STR(env, name, "environment: cartpole, cartpole-stateless, acrobot, mountaincar, mountaincar-continuous, pendulum, gridworld/LEVEL, popgym/GAME-DIFFICULTY, tmaze, tmaze-long (ppo env list)"),
    INT(env, max_steps, 0, 1e9, "truncate episodes after this many steps; 0 = the env's own limit (popgym envs: only 0, POPGym's lengths)"),
    ENUM(env, integrator, INTEGRATORS, "cartpole: Gymnasium's kinematics integrator"),
    STR(env, map, "gridworld/map: path of an ASCII map file"),
    BOOL(env, see_through, "gridworld: walls and closed doors do not block the view"),

    STR(policy, kind, "policy network: gla (gated linear attention), mlp (memory-less), lstm or gru (recurrent baselines)"),
    INT(policy, d_model, 1, POLICY_MAX_WIDTH, "gla: width D of the residual stream"),
    INT(policy, n_heads, 1, POLICY_MAX_WIDTH, "gla: attention heads H"),
    INT(policy, n_layers, 1, POLICY_MAX_LAYERS, "gla: GLA blocks; lstm, gru: recurrent layers"),
    DBL(policy, expand_k, POLICY_MIN_POSITIVE, POLICY_MAX_EXPAND, "gla: key width K = expand_k * d_model"),
    DBL(policy, expand_v, POLICY_MIN_POSITIVE, POLICY_MAX_EXPAND, "gla: value width V = expand_v * d_model"),
    INT(policy, gate_rank, 1, POLICY_MAX_WIDTH, "gla: rank of the low-rank gate projection"),
    DBL(policy, gate_tau, POLICY_MIN_GATE_TAU, POLICY_MAX_GATE_TAU, "gla: gate temperature tau (g = logsigmoid(z) / tau)"),
    DBL(policy, mlp_ratio, 0, POLICY_MAX_EXPAND, "gla: SwiGLU hidden width = mlp_ratio * d_model; 0 = no MLP"),
    BOOL(policy, prev_action, "gla, lstm, gru: feed the one-hot previous action as input"),
    BOOL(policy, start_flag, "gla, lstm, gru: feed the episode-start flag as input"),
    DBL(policy, init_std, POLICY_MIN_POSITIVE, POLICY_MAX_INIT_STD, "gla: std of the normal init of linear weights"),
    INT(policy, conv, 0, POLICY_MAX_CONV, "gla: width of the short causal convolution over time of q, k and v (each channel mixes its last conv steps of the episode); 0 = none"),
    INT(policy, chunk, 0, POLICY_MAX_CHUNK, "gla: the learner's recurrence in chunks of this many steps; 0 = step by step"),
    INT(policy, hidden, 1, POLICY_MAX_WIDTH, "mlp: width of the two tanh layers of actor and critic; lstm, gru: width of the embedding and recurrent layers"),
    INT(policy, cell_embed, 0, POLICY_MAX_WIDTH, "every kind, gridworld: encode each cell of the 7x7 view as relu(W x + b) of this width (one W for every cell) before the policy; 0 = the one-hot view as it is"),

    DBL(ppo, learning_rate, 0, 1, "Adam step size at the start"),
    BOOL(ppo, anneal_lr, "anneal the learning rate linearly to 0"),
    DBL(ppo, gamma, 0, 1, "discount factor"),
    DBL(ppo, gae_lambda, 0, 1, "GAE lambda"),
    INT(ppo, update_epochs, 1, 1000, "epochs over each rollout"),
    INT(ppo, num_minibatches, 1, 1 << 20, "minibatches per epoch (whole env sequences each)"),
    BOOL(ppo, norm_adv, "normalize advantages per minibatch"),
    DBL(ppo, clip_coef, 0, 10, "clip coefficient of the probability ratio (and the value)"),
    BOOL(ppo, clip_vloss, "clip the value loss around the old value"),
    DBL(ppo, ent_coef, 0, 100, "entropy coefficient"),
    DBL(ppo, vf_coef, 0, 100, "value-loss coefficient"),
    DBL(ppo, vf_huber, 0, 1e9, "Huber delta of the value loss (a row's gradient at most delta); 0 = squared error"),
    DBL(ppo, max_grad_norm, 0, 1e9, "global gradient-norm clip; 0 = no clip"),
    DBL(ppo, target_kl, 0, 1e9, "stop the update's epochs once approx_kl exceeds it; 0 = never"),
    DBL(ppo, adam_eps, 1e-12, 1, "Adam epsilon"),
    BOOL(ppo, norm_obs, "normalize observations by their running mean and variance over all envs (Gymnasium's NormalizeObservation)"),
    BOOL(ppo, norm_reward, "scale rewards by the running std of the discounted return (Gymnasium's NormalizeReward)"),
    DBL(ppo, clip_obs, 1e-3, 1e9, "normalized observations are clipped to [-clip_obs, clip_obs]"),
    DBL(ppo, clip_reward, 1e-3, 1e9, "scaled rewards are clipped to [-clip_reward, clip_reward]"),
    DBL(ppo, count_bonus, 0, 1e3, "count-based exploration bonus: coef / sqrt(n) added to each step's reward, n the times this run has seen that exact observation; 0 = none"),

    LONG(run, seed, 0, 9.2e18, "seed of every random number generator of the run"),
    LONG(run, total_timesteps, 1, 9.2e18, "env steps to train for, all envs together"),
    INT(run, num_envs, 1, 1 << 20, "envs stepped in parallel (N)"),
    INT(run, num_steps, 1, 1 << 20, "steps per env per rollout (T)"),
    INT(run, workers, 1, 1024, "rollout threads, each with a contiguous slice of the envs"),
    INT(run, learner_parts_per_worker, 1, 1024, "the learner cuts each minibatch into workers x this many parts, which the workers take as they finish one (more than 1 evens out cores of unequal speed); results depend on workers x this"),
    STR(run, run_name, "folder name under runs_dir; empty = ENV__CONFIG__sSEED"),
    STR(run, runs_dir, "where run folders are made"),
    STR(run, branched_from, "the checkpoint a branch continues (set by a resume of an older checkpoint); empty otherwise"),
    INT(run, checkpoint_interval, 0, 1 << 30, "updates between checkpoints (latest, best, update_N); 0 = only at the end"),
    INT(run, keep_checkpoints, 0, 1 << 20, "periodic checkpoints kept besides latest and best"),
    DBL(run, stop_return, -1e30, 1e30, "stop once the mean return of the last 100 episodes reaches it; 0 = never"),
    INT(run, eval_interval, 0, 1 << 30, "updates between evaluations of the policy on eval envs of its own (and after the last); 0 = none"),
    INT(run, eval_episodes, 1, 1 << 20, "episodes per evaluation"),
    BOOL(run, eval_deterministic, "evaluate with argmax actions (false: sampled)"),
    BOOL(run, stop_on_eval, "judge stop_return on the evaluation's mean return instead of the last 100 training episodes (needs eval_interval)"),
    BOOL(run, tensorboard, "write the progress as a TensorBoard event file into the run folder (tensorboard --logdir runs)"),
    INT(run, record_interval, 0, 1 << 30, "updates between recordings of one evaluation episode as a GIF in the run's videos/ (and after the last); 0 = none"),
};
#define N_FIELDS (int)(sizeof FIELDS / sizeof FIELDS[0])
static const char *const SECTIONS[] = {"env", "policy", "ppo", "run"};
#define N_SECTIONS 4

/* Where each field was set, for messages: line and column (1-based; 0 = not set in the file). */
typedef struct Where {
    int line[N_FIELDS], col[N_FIELDS];
    const char *name; /* file name */
} Where;

void config_defaults(TrainConfig *cfg) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->env.name, sizeof cfg->env.name, "cartpole");
    cfg->env.integrator = ENV_INTEGRATOR_EULER;
    policy_config_defaults(&cfg->policy);
    cfg->ppo = (PPOConfig){
        .learning_rate = 2.5e-4,
        .anneal_lr = true,
        .gamma = 0.99,
        .gae_lambda = 0.95,
        .update_epochs = 4,
        .num_minibatches = 4,
        .norm_adv = true,
        .clip_coef = 0.2,
        .clip_vloss = true,
        .ent_coef = 0.01,
        .vf_coef = 0.5,
        .max_grad_norm = 0.5,
        .target_kl = 0.0,
        .adam_eps = 1e-5,
        .norm_obs = false,
        .norm_reward = false,
        .clip_obs = 10.0,
        .clip_reward = 10.0,
        .count_bonus = 0.0,
    };
    cfg->run.seed = 1;
    cfg->run.total_timesteps = 500000;
    cfg->run.num_envs = 4;
    cfg->run.num_steps = 128;
    cfg->run.workers = 1;
    cfg->run.learner_parts_per_worker = 1;
    snprintf(cfg->run.runs_dir, sizeof cfg->run.runs_dir, "runs");
    cfg->run.checkpoint_interval = 50;
    cfg->run.keep_checkpoints = 3;
    cfg->run.stop_return = 0.0;
    cfg->run.eval_interval = 0;
    cfg->run.eval_episodes = 10;
    cfg->run.eval_deterministic = true;
    cfg->run.stop_on_eval = false;
    cfg->run.tensorboard = true;
    cfg->run.record_interval = 0;
}

static void *field_ptr(TrainConfig *cfg, const Field *f) { return (char *)cfg + f->offset; }

static const Field *find_field(const char *section, const char *key) {
    for (int i = 0; i < N_FIELDS; i++)
        if (strcmp(FIELDS[i].section, section) == 0 && strcmp(FIELDS[i].key, key) == 0)
            return &FIELDS[i];
    return NULL;
}

static bool known_section(const char *s) {
    for (int i = 0; i < N_SECTIONS; i++)
        if (strcmp(SECTIONS[i], s) == 0) return true;
    return false;
}

/* Writes the keys of a section, comma separated, into buf. */
static void section_keys(const char *section, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_FIELDS && used < cap; i++)
        if (strcmp(FIELDS[i].section, section) == 0)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", FIELDS[i].key);
}

/* What a field allows, in words, into buf. */
static void allowed(const Field *f, char *buf, size_t cap) {
    switch (f->type) {
    case F_INT:
    case F_LONG:
        snprintf(buf, cap, "a whole number in [%.15g, %.15g]", f->min, f->max);
        break;
    case F_DOUBLE:
        snprintf(buf, cap, "a number in [%g, %g]", f->min, f->max);
        break;
    case F_BOOL:
        snprintf(buf, cap, "true or false (also yes/no, on/off)");
        break;
    case F_STRING:
        snprintf(buf, cap, "a string of at most %zu bytes", f->size - 1);
        break;
    case F_ENUM: {
        size_t used = 0;
        buf[0] = '\0';
        for (const char *const *c = f->choices; *c && used < cap; c++)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", *c);
        break;
    }
    }
}

/* Parses text as the value of field f into cfg. Returns 0, or -1 with a message (without the
 * location prefix). */
static int set_field(TrainConfig *cfg, const Field *f, const char *text, Err *err) {
    char allow[256];
    allowed(f, allow, sizeof allow);
    void *p = field_ptr(cfg, f);
    switch (f->type) {
    case F_INT:
    case F_LONG: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end == text || *end || errno == ERANGE)
            return err_set(err, "%s.%s: '%s' is not a whole number (allowed: %s)", f->section, f->key, text, allow);
        if ((double)v < f->min || (double)v > f->max)
            return err_set(err, "%s.%s: %s is out of range (allowed: %s)", f->section, f->key, text, allow);
        if (f->type == F_INT)
            *(int *)p = (int)v;
        else
            *(long *)p = (long)v;
        return 0;
    }
    case F_DOUBLE: {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        /* decimal only: strtod also reads hexadecimal ("0x10") */
        if (end == text || *end || strpbrk(text, "xX"))
            return err_set(err, "%s.%s: '%s' is not a number (allowed: %s)", f->section, f->key, text, allow);
        if (errno == ERANGE) /* too large, or too close to 0 for a double */
            return err_set(err, "%s.%s: %s is out of range of a double (allowed: %s)", f->section, f->key, text,
                           allow);
        if (!isfinite(v)) /* "nan", "inf" */
            return err_set(err, "%s.%s: '%s' is not a number (allowed: %s)", f->section, f->key, text, allow);
        if (v < f->min || v > f->max)
            return err_set(err, "%s.%s: %s is out of range (allowed: %s)", f->section, f->key, text, allow);
        *(double *)p = v == 0 ? 0.0 : v; /* -0 reads as 0 */
        return 0;
    }
    case F_BOOL:
        if (strcasecmp(text, "true") == 0 || strcasecmp(text, "yes") == 0 || strcasecmp(text, "on") == 0)
            *(bool *)p = true;
        else if (strcasecmp(text, "false") == 0 || strcasecmp(text, "no") == 0 || strcasecmp(text, "off") == 0)
            *(bool *)p = false;
        else
            return err_set(err, "%s.%s: '%s' is not a boolean (allowed: %s)", f->section, f->key, text, allow);
        return 0;
    case F_STRING:
        if (strlen(text) >= f->size)
            return err_set(err, "%s.%s: '%.40s...' is too long (allowed: %s)", f->section, f->key, text, allow);
        memcpy(p, text, strlen(text) + 1);
        return 0;
    case F_ENUM:
        for (int i = 0; f->choices[i]; i++)
            if (strcmp(f->choices[i], text) == 0) {
                *(int *)p = i;
                return 0;
            }
        return err_set(err, "%s.%s: unknown value '%s' (allowed: %s)", f->section, f->key, text, allow);
    }
    return err_set(err, "%s.%s: unsupported field type", f->section, f->key);
}

/* Formats the value of field f into buf (the shortest text that reads back to the same value). */
static void format_field(const TrainConfig *cfg, const Field *f, char *buf, size_t cap) {
    const void *p = (const char *)cfg + f->offset;
    switch (f->type) {
    case F_INT:
        snprintf(buf, cap, "%d", *(const int *)p);
        break;
    case F_LONG:
        snprintf(buf, cap, "%ld", *(const long *)p);
        break;
    case F_DOUBLE: {
        double v = *(const double *)p;
        for (int prec = 6; prec <= 17; prec++) {
            snprintf(buf, cap, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) break;
        }
        break;
    }
    case F_BOOL:
        snprintf(buf, cap, "%s", *(const bool *)p ? "true" : "false");
        break;
    case F_STRING:
        snprintf(buf, cap, "%s", (const char *)p);
        break;
    case F_ENUM:
        snprintf(buf, cap, "%s", f->choices[*(const int *)p]);
        break;
    }
}

/* Whether field f is named ("section.key") in the NULL-terminated list ignore (NULL: none). */
static bool ignored(const Field *f, const char *const *ignore) {
    for (; ignore && *ignore; ignore++) {
        size_t n = strlen(f->section);
        if (strncmp(*ignore, f->section, n) == 0 && (*ignore)[n] == '.' && strcmp(*ignore + n + 1, f->key) == 0)
            return true;
    }
    return false;
}

static bool same_value(const TrainConfig *a, const TrainConfig *b, const Field *f) {
    const void *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;
    switch (f->type) {
    case F_INT:
    case F_ENUM: return *(const int *)pa == *(const int *)pb;
    case F_LONG: return *(const long *)pa == *(const long *)pb;
    case F_DOUBLE: return *(const double *)pa == *(const double *)pb;
    case F_BOOL: return *(const bool *)pa == *(const bool *)pb;
    case F_STRING: return strcmp(pa, pb) == 0;
    }
    return false;
}

int config_diff(const TrainConfig *a, const TrainConfig *b, const char *const *ignore, ConfigDiff *d) {
    for (int i = 0; i < N_FIELDS; i++) {
        const Field *f = &FIELDS[i];
        if (ignored(f, ignore) || same_value(a, b, f)) continue;
        if (d) {
            snprintf(d->key, sizeof d->key, "%s.%s", f->section, f->key);
            format_field(a, f, d->a, sizeof d->a);
            format_field(b, f, d->b, sizeof d->b);
        }
        return 1;
    }
    return 0;
}

/* ---- reading YAML ------------------------------------------------------------------------ */

typedef struct Reader {
    yaml_parser_t parser;
    yaml_event_t event;
    bool has_event;
    const char *name;
} Reader;

static int next_event(Reader *r, Err *err) {
    if (r->has_event) yaml_event_delete(&r->event);
    r->has_event = false;
    if (!yaml_parser_parse(&r->parser, &r->event)) {
        const yaml_parser_t *p = &r->parser;
        return err_set(err, "%s:%zu:%zu: malformed YAML: %s%s%s", r->name, p->problem_mark.line + 1,
                       p->problem_mark.column + 1, p->problem ? p->problem : "parse error",
                       p->context ? " " : "", p->context ? p->context : "");
    }
    r->has_event = true;
    return 0;
}

/* Fails with the location of the current event: "FILE:LINE:COL: message". */
static int at(const Reader *r, Err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int at(const Reader *r, Err *err, const char *fmt, ...) {
    char msg[ERR_LEN / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(err, "%s:%zu:%zu: %s", r->name, r->event.start_mark.line + 1,
                   r->event.start_mark.column + 1, msg);
}

static const char *event_what(yaml_event_type_t t) {
    switch (t) {
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_ALIAS_EVENT:
        return "an alias";
    case YAML_SCALAR_EVENT:
        return "a single value";
    default:
        return "something else";
    }
}

/* Parses one section's mapping (the MAPPING_START event is current). */
static int read_section(Reader *r, TrainConfig *cfg, Where *where, const char *section, Err *err) {
    bool seen[N_FIELDS] = {false};
    for (;;) {
        if (next_event(r, err)) return -1;
        if (r->event.type == YAML_MAPPING_END_EVENT) return 0;
        if (r->event.type != YAML_SCALAR_EVENT)
            return at(r, err, "%s: expected a key, found %s", section, event_what(r->event.type));
        char key[128];
        snprintf(key, sizeof key, "%s", (const char *)r->event.data.scalar.value);
        const Field *f = find_field(section, key);
        if (!f) {
            char keys[1024];
            section_keys(section, keys, sizeof keys);
            return err_set(err, "%s:%zu:%zu: %s.%s: unknown key (allowed: %s)", r->name,
                           r->event.start_mark.line + 1, r->event.start_mark.column + 1, section,
                           key, keys);
        }
        int idx = (int)(f - FIELDS);
        if (seen[idx])
            return err_set(err, "%s:%zu:%zu: %s.%s: duplicate key (first set on line %d)", r->name,
                           r->event.start_mark.line + 1, r->event.start_mark.column + 1, section,
                           key, where->line[idx]);
        seen[idx] = true;
        where->line[idx] = (int)r->event.start_mark.line + 1;
        where->col[idx] = (int)r->event.start_mark.column + 1;
        if (next_event(r, err)) return -1;
        if (r->event.type != YAML_SCALAR_EVENT)
            return err_set(err, "%s:%zu:%zu: %s.%s: expected a single value, found %s", r->name,
                           r->event.start_mark.line + 1, r->event.start_mark.column + 1, section,
                           key, event_what(r->event.type));
        const char *value = (const char *)r->event.data.scalar.value;
        bool plain = r->event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && (value[0] == '\0' || strcmp(value, "~") == 0 || strcmp(value, "null") == 0))
            return err_set(err, "%s:%zu:%zu: %s.%s: missing value", r->name,
                           r->event.start_mark.line + 1, r->event.start_mark.column + 1, section, key);
        where->line[idx] = (int)r->event.start_mark.line + 1;
        where->col[idx] = (int)r->event.start_mark.column + 1;
        if (set_field(cfg, f, value, err) != 0)
            return err_prefix(err, "%s:%zu:%zu", r->name, r->event.start_mark.line + 1,
                              r->event.start_mark.column + 1);
    }
}

static int read_document(Reader *r, TrainConfig *cfg, Where *where, Err *err) {
    if (next_event(r, err)) return -1; /* STREAM_START */
    if (next_event(r, err)) return -1;
    if (r->event.type == YAML_STREAM_END_EVENT) return 0; /* an empty file: all defaults */
    if (next_event(r, err)) return -1;                    /* after DOCUMENT_START */
    if (r->event.type == YAML_SCALAR_EVENT && r->event.data.scalar.length == 0 &&
        r->event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return 0; /* a document holding only comments */
    if (r->event.type != YAML_MAPPING_START_EVENT)
        return at(r, err, "expected sections (env:, policy:, ppo:, run:), found %s",
                  event_what(r->event.type));
    bool seen[N_SECTIONS] = {false};
    for (;;) {
        if (next_event(r, err)) return -1;
        if (r->event.type == YAML_MAPPING_END_EVENT) break;
        if (r->event.type != YAML_SCALAR_EVENT)
            return at(r, err, "expected a section name, found %s", event_what(r->event.type));
        char section[64];
        snprintf(section, sizeof section, "%s", (const char *)r->event.data.scalar.value);
        if (!known_section(section))
            return at(r, err, "%s: unknown section (allowed: env, policy, ppo, run)", section);
        int s = 0;
        while (strcmp(SECTIONS[s], section) != 0) s++;
        if (seen[s]) return at(r, err, "%s: duplicate section", section);
        seen[s] = true;
        if (next_event(r, err)) return -1;
        if (r->event.type == YAML_SCALAR_EVENT && r->event.data.scalar.length == 0 &&
            r->event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            continue; /* "ppo:" with nothing under it: defaults */
        if (r->event.type != YAML_MAPPING_START_EVENT)
            return at(r, err, "%s: expected keys under the section, found %s", section,
                      event_what(r->event.type));
        if (read_section(r, cfg, where, section, err)) return -1;
    }
    if (next_event(r, err)) return -1; /* DOCUMENT_END */
    if (next_event(r, err)) return -1;
    if (r->event.type != YAML_STREAM_END_EVENT)
        return at(r, err, "expected one YAML document, found a second one");
    return 0;
}

/* Applies one "section.key=value" override. */
static int apply_override(TrainConfig *cfg, Where *where, const char *ov, Err *err) {
    const char *eq = strchr(ov, '=');
    const char *dot = strchr(ov, '.');
    if (!eq || !dot || dot > eq)
        return err_set(err, "--set %s: expected section.key=value (e.g. ppo.clip_coef=0.1)", ov);
    char section[64], key[128];
    snprintf(section, sizeof section, "%.*s", (int)(dot - ov), ov);
    snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
    if (!known_section(section))
        return err_set(err, "--set %s: unknown section '%s' (allowed: env, policy, ppo, run)", ov, section);
    const Field *f = find_field(section, key);
    if (!f) {
        char keys[1024];
        section_keys(section, keys, sizeof keys);
        return err_set(err, "--set %s: %s.%s: unknown key (allowed: %s)", ov, section, key, keys);
    }
    if (set_field(cfg, f, eq + 1, err)) return err_prefix(err, "--set %s", ov);
    where->line[f - FIELDS] = -1; /* set on the command line */
    return 0;
}

/* Prefixes err with the location of the key its message starts with ("section.key: ..."). */
static int locate(const Where *where, Err *err) {
    for (int i = 0; i < N_FIELDS; i++) {
        char head[192];
        snprintf(head, sizeof head, "%s.%s:", FIELDS[i].section, FIELDS[i].key);
        if (strncmp(err->msg, head, strlen(head)) != 0) continue;
        if (where->line[i] > 0) return err_prefix(err, "%s:%d:%d", where->name, where->line[i], where->col[i]);
        if (where->line[i] < 0) return err_prefix(err, "%s (set on the command line)", where->name);
        return err_prefix(err, "%s (default value)", where->name);
    }
    return err_prefix(err, "%s", where->name);
}

/* Checks fields against each other, and that the env and policy can be made from them. */
static int validate(const TrainConfig *cfg, Err *err) {
    const RunConfig *run = &cfg->run;
    const PPOConfig *ppo = &cfg->ppo;
    if (run->workers > run->num_envs)
        return err_set(err, "run.workers: %d workers for %d envs (allowed: at most run.num_envs)",
                       run->workers, run->num_envs);
    if (run->num_envs % ppo->num_minibatches != 0)
        return err_set(err, "ppo.num_minibatches: %d does not divide run.num_envs %d (each minibatch "
                       "holds whole env sequences)", ppo->num_minibatches, run->num_envs);
    long per_mb = (long)(run->num_envs / ppo->num_minibatches) * run->num_steps;
    if (per_mb < 2)
        return err_set(err, "ppo.num_minibatches: a minibatch would hold %ld sample (run.num_envs / "
                       "ppo.num_minibatches * run.num_steps); at least 2 are needed", per_mb);
    if (run->total_timesteps < (long)run->num_envs * run->num_steps)
        return err_set(err, "run.total_timesteps: %ld is less than one rollout (run.num_envs * "
                       "run.num_steps = %ld)", run->total_timesteps, (long)run->num_envs * run->num_steps);
    if (strchr(run->run_name, '/') || strcmp(run->run_name, ".") == 0 || strcmp(run->run_name, "..") == 0)
        return err_set(err, "run.run_name: '%s' is not a plain folder name (no '/', not . or ..)", run->run_name);
    if (!run->runs_dir[0]) return err_set(err, "run.runs_dir: must not be empty");
    if (ppo->count_bonus > 0 && ppo->gamma >= 1.0)
        return err_set(err, "ppo.count_bonus: the bonus return a termination carries on is "
                       "gamma * mean / (1 - gamma), which needs ppo.gamma below 1 (it is %g)", ppo->gamma);
    if (run->stop_on_eval && run->eval_interval == 0)
        return err_set(err, "run.stop_on_eval: true needs evaluations (run.eval_interval > 0); to "
                       "train without evaluations, set run.stop_on_eval=false as well");
    Policy *policy;
    if (policy_for_config(&policy, cfg, err)) return -1;
    /* the rollout buffer's observations, [T + 1, N, O] floats */
    double obs_floats = ((double)run->num_steps + 1) * run->num_envs * policy->obs_dim;
    policy_destroy(policy);
    if (obs_floats > ROLLOUT_MAX_FLOATS)
        return err_set(err, "run.num_steps: a rollout of %d envs x %d steps holds %.3g observation floats, "
                       "more than ppo holds (at most %.3g); make run.num_envs or run.num_steps smaller",
                       run->num_envs, run->num_steps, obs_floats, (double)ROLLOUT_MAX_FLOATS);
    return 0;
}

int policy_for_config(Policy **out, const TrainConfig *cfg, Err *err) {
    *out = NULL;
    Env *env;
    if (env_create(&env, &cfg->env, err)) return -1;
    PolicyConfig pc = cfg->policy; /* with the env's grid of cells, for policy.cell_embed */
    pc.obs_cells = env->obs_cells;
    pc.obs_cell_dim = env->obs_cell_dim;
    int rc = env->action_dim > 0
                 ? policy_create_gaussian(out, &pc, env->obs_dim, env->action_dim, err)
                 : policy_create(out, &pc, env->obs_dim, env->n_actions, err);
    env_destroy(env);
    return rc;
}

int config_load_string(TrainConfig *cfg, const char *text, size_t len, const char *name,
                       char *const *overrides, int n_overrides, Err *err) {
    return config_load_saved(cfg, text, len, name, NULL, overrides, n_overrides, err);
}

int config_load_saved(TrainConfig *cfg, const char *text, size_t len, const char *name,
                      const char *map_text, char *const *overrides, int n_overrides, Err *err) {
    config_defaults(cfg);
    snprintf(cfg->source, sizeof cfg->source, "%s", name);
    Where where = {.name = name};
    Reader r = {.name = name};
    if (!yaml_parser_initialize(&r.parser)) return err_set(err, "%s: cannot start the YAML parser", name);
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
    int rc = read_document(&r, cfg, &where, err);
    if (r.has_event) yaml_event_delete(&r.event);
    yaml_parser_delete(&r.parser);
    if (rc) return err_as_input(err);
    for (int i = 0; i < n_overrides; i++)
        if (apply_override(cfg, &where, overrides[i], err)) return err_as_input(err);
    /* A map path is relative to the working folder; keep it absolute from here on, so the
     * resolved config (and a checkpoint's copy of it) names the map from anywhere. A map whose
     * text is given is not read. */
    cfg->env.map_text = map_text;
    char abs[PATH_LEN];
    if (!map_text && cfg->env.map[0] && cfg->env.map[0] != '/' && realpath(cfg->env.map, abs) &&
        strlen(abs) < sizeof cfg->env.map)
        memcpy(cfg->env.map, abs, strlen(abs) + 1);
    if (validate(cfg, err)) {
        locate(&where, err);
        return err_as_input(err);
    }
    return 0;
}

int config_load(TrainConfig *cfg, const char *path, char *const *overrides, int n_overrides,
                Err *err) {
    char *text;
    size_t len;
    if (file_read(path, "config", CONFIG_MAX_BYTES, &text, &len, err)) return -1;
    int rc = config_load_string(cfg, text, len, path, overrides, n_overrides, err);
    free(text);
    return rc;
}

/* ---- writing YAML ------------------------------------------------------------------------ */

static int emit(yaml_emitter_t *e, yaml_event_t *ev, Err *err) {
    if (!yaml_emitter_emit(e, ev))
        return err_set(err, "writing the config as YAML: %s", e->problem ? e->problem : "emitter error");
    return 0;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool quote, Err *err) {
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s, (int)strlen(s), 1, 1,
                                 quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
    return emit(e, &ev, err);
}

long config_to_yaml(const TrainConfig *cfg, char *buf, size_t cap, Err *err) {
    yaml_emitter_t e;
    yaml_event_t ev;
    size_t written = 0;
    if (cap < 2) return err_set(err, "no room to write the config");
    if (!yaml_emitter_initialize(&e)) return err_set(err, "cannot start the YAML emitter");
    yaml_emitter_set_output_string(&e, (unsigned char *)buf, cap - 1, &written);
    yaml_emitter_set_width(&e, 1000);
    int rc = 0;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    rc |= emit(&e, &ev, err);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    rc |= emit(&e, &ev, err);
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    rc |= emit(&e, &ev, err);
    for (int s = 0; s < N_SECTIONS && !rc; s++) {
        rc |= emit_scalar(&e, SECTIONS[s], false, err);
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        rc |= emit(&e, &ev, err);
        for (int i = 0; i < N_FIELDS && !rc; i++) {
            if (strcmp(FIELDS[i].section, SECTIONS[s]) != 0) continue;
            char value[PATH_LEN + 8];
            format_field(cfg, &FIELDS[i], value, sizeof value);
            rc |= emit_scalar(&e, FIELDS[i].key, false, err);
            rc |= emit_scalar(&e, value, FIELDS[i].type == F_STRING, err);
        }
        yaml_mapping_end_event_initialize(&ev);
        rc |= emit(&e, &ev, err);
    }
    yaml_mapping_end_event_initialize(&ev);
    rc |= emit(&e, &ev, err);
    yaml_document_end_event_initialize(&ev, 1);
    rc |= emit(&e, &ev, err);
    yaml_stream_end_event_initialize(&ev);
    rc |= emit(&e, &ev, err);
    if (!rc && !yaml_emitter_flush(&e)) rc = err_set(err, "the resolved config does not fit in %zu bytes", cap);
    yaml_emitter_delete(&e);
    if (rc) return -1;
    buf[written] = '\0';
    return (long)written;
}

void config_print_keys(FILE *out) {
    TrainConfig def;
    config_defaults(&def);
    fprintf(out, "# Every config key with its default. Sections: env, policy, ppo, run.\n");
    for (int s = 0; s < N_SECTIONS; s++) {
        fprintf(out, "%s:\n", SECTIONS[s]);
        for (int i = 0; i < N_FIELDS; i++) {
            const Field *f = &FIELDS[i];
            if (strcmp(f->section, SECTIONS[s]) != 0) continue;
            char value[PATH_LEN + 8], allow[256];
            format_field(&def, f, value, sizeof value);
            allowed(f, allow, sizeof allow);
            if (f->type == F_STRING)
                fprintf(out, "  %s: \"%s\"", f->key, value);
            else
                fprintf(out, "  %s: %s", f->key, value);
            fprintf(out, "%*s# %s (%s)\n", (int)(24 - strlen(f->key) - strlen(value)) > 1 ? (int)(24 - strlen(f->key) - strlen(value)) : 1, "", f->doc, allow);
        }
    }
}
