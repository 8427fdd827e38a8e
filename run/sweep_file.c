/* sweep_file.c: reading, checking and expanding a sweep file (see sweep_file.h). The file is
 * read whole with libyaml's document loader; every node keeps its line and column for the
 * messages. */
#include "run/sweep_file.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define SWEEP_MAX_BYTES (1u << 20) /* a larger file is not a sweep */

const char *const SWEEP_CKPT_NAMES[2] = {"final", "best"};
const char *const SWEEP_MODE_NAMES[2] = {"deterministic", "sampled"};

/* The parsed document and the file's name, for messages. */
typedef struct Doc {
    yaml_document_t doc;
    const char *name;
} Doc;

static SweepWhere where_of(const yaml_node_t *n) {
    return (SweepWhere){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

/* Fails with "FILE:LINE:COL: message" at node n (ERR_INPUT). */
static int at(const Doc *d, const yaml_node_t *n, Err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int at(const Doc *d, const yaml_node_t *n, Err *err, const char *fmt, ...) {
    char msg[ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    SweepWhere w = where_of(n);
    return err_input(err, "%s:%d:%d: %s", d->name, w.line, w.col, msg);
}

static yaml_node_t *node(Doc *d, int id) { return yaml_document_get_node(&d->doc, id); }

static const char *text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static const char *kind_of(const yaml_node_t *n) {
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a single value";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* Fails unless n is of type want; `what` names the key. */
static int expect(Doc *d, const yaml_node_t *n, yaml_node_type_t want, const char *what, Err *err) {
    if (n->type == want) return 0;
    const char *w = want == YAML_SCALAR_NODE ? "a single value" : want == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
    return at(d, n, err, "%s: expected %s, found %s", what, w, kind_of(n));
}

/* A scalar that is empty or null where a value is needed. */
static bool is_null(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
    const char *s = text(n);
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0;
}

/* Checks the keys of mapping n: each a single value, one of allowed (NULL-terminated), none
 * twice. `what` names the mapping in messages ("" for the top level). */
static int check_keys(Doc *d, yaml_node_t *n, const char *what, const char *const *allowed, Err *err) {
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(d, p->key);
        if (k->type != YAML_SCALAR_NODE) return at(d, k, err, "%s%sexpected a key, found %s", what, *what ? ": " : "", kind_of(k));
        bool ok = allowed == NULL;
        for (int i = 0; allowed && allowed[i]; i++) ok |= strcmp(allowed[i], text(k)) == 0;
        if (!ok) {
            char list[512] = "";
            for (size_t i = 0, used = 0; allowed[i] && used < sizeof list; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
            return at(d, k, err, "%s%s%s: unknown key (allowed: %s)", what, *what ? "." : "", text(k), list);
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = node(d, q->key);
            if (k2->type == YAML_SCALAR_NODE && strcmp(text(k2), text(k)) == 0)
                return at(d, k, err, "%s%s%s: duplicate key (first set on line %d)", what, *what ? "." : "",
                          text(k), where_of(k2).line);
        }
    }
    return 0;
}

/* A whole number in [lo, hi] from scalar n. */
static int get_long(Doc *d, yaml_node_t *n, const char *what, long lo, long hi, long *out, Err *err) {
    if (expect(d, n, YAML_SCALAR_NODE, what, err)) return -1;
    char *end;
    errno = 0;
    long v = strtol(text(n), &end, 10);
    if (end == text(n) || *end || errno == ERANGE || v < lo || v > hi)
        return at(d, n, err, "%s: '%s' is not a whole number in [%ld, %ld]", what, text(n), lo, hi);
    *out = v;
    return 0;
}

static int get_int(Doc *d, yaml_node_t *n, const char *what, int lo, int hi, int *out, Err *err) {
    long v;
    if (get_long(d, n, what, lo, hi, &v, err)) return -1;
    *out = (int)v;
    return 0;
}

static int get_double(Doc *d, yaml_node_t *n, const char *what, double *out, Err *err) {
    if (expect(d, n, YAML_SCALAR_NODE, what, err)) return -1;
    char *end;
    errno = 0;
    double v = strtod(text(n), &end);
    if (end == text(n) || *end || errno == ERANGE || !isfinite(v))
        return at(d, n, err, "%s: '%s' is not a number", what, text(n));
    *out = v;
    return 0;
}

static int get_string(Doc *d, yaml_node_t *n, const char *what, char *out, size_t cap, Err *err) {
    if (expect(d, n, YAML_SCALAR_NODE, what, err)) return -1;
    if (is_null(n)) return at(d, n, err, "%s: missing value", what);
    if (strlen(text(n)) >= cap) return at(d, n, err, "%s: longer than %zu bytes", what, cap - 1);
    memcpy(out, text(n), strlen(text(n)) + 1);
    return 0;
}

/* An override from "section.key=value" text, or from a key and a value node. */
static int make_set(Doc *d, yaml_node_t *key, yaml_node_t *value, const char *what, SweepSet *s, Err *err) {
    s->at = where_of(key ? key : value);
    if (!key) {
        if (get_string(d, value, what, s->text, sizeof s->text, err)) return -1;
        const char *eq = strchr(s->text, '='), *dot = strchr(s->text, '.');
        if (!eq || !dot || dot > eq)
            return at(d, value, err, "%s: '%s': expected section.key=value (e.g. ppo.learning_rate=0.001)", what, s->text);
        return 0;
    }
    if (expect(d, value, YAML_SCALAR_NODE, text(key), err)) return -1;
    if (is_null(value)) return at(d, value, err, "%s %s: missing value", what, text(key));
    int n = snprintf(s->text, sizeof s->text, "%s=%s", text(key), text(value));
    if (n < 0 || (size_t)n >= sizeof s->text) return at(d, key, err, "%s %s: longer than %zu bytes", what, text(key), sizeof s->text - 1);
    return 0;
}

/* A list of overrides: "k=v" items, or a mapping k: v. */
static int read_sets(Doc *d, yaml_node_t *n, const char *what, SweepSet *sets, int *count, Err *err) {
    *count = 0;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
            if (*count == SWEEP_MAX_SETS) return at(d, n, err, "%s: more than %d overrides", what, SWEEP_MAX_SETS);
            if (make_set(d, NULL, node(d, *i), what, &sets[(*count)++], err)) return -1;
        }
        return 0;
    }
    if (n->type != YAML_MAPPING_NODE)
        return at(d, n, err, "%s: expected a list of section.key=value or a mapping section.key: value, found %s",
                  what, kind_of(n));
    if (check_keys(d, n, what, NULL, err)) return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        if (*count == SWEEP_MAX_SETS) return at(d, n, err, "%s: more than %d overrides", what, SWEEP_MAX_SETS);
        if (make_set(d, node(d, p->key), node(d, p->value), what, &sets[(*count)++], err)) return -1;
    }
    return 0;
}

/* ---- the sections ---------------------------------------------------------------------------- */

static int read_configs(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    if (expect(d, n, YAML_SEQUENCE_NODE, "configs", err)) return -1;
    int count = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0) return at(d, n, err, "configs: the list is empty (name at least one config file)");
    if (count > SWEEP_MAX_CONFIGS) return at(d, n, err, "configs: more than %d", SWEEP_MAX_CONFIGS);
    sw->configs = calloc((size_t)count, sizeof *sw->configs);
    if (!sw->configs) return err_set(err, "out of memory");
    static const char *const keys[] = {"config", "task", "method", NULL};
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *e = node(d, *i);
        SweepConfig *c = &sw->configs[sw->n_configs++];
        c->at = where_of(e);
        if (e->type == YAML_SCALAR_NODE) {
            if (get_string(d, e, "configs", c->path, sizeof c->path, err)) return -1;
            continue;
        }
        if (e->type != YAML_MAPPING_NODE)
            return at(d, e, err, "configs: expected a config file or a mapping {config: FILE, task: NAME, "
                      "method: NAME}, found %s", kind_of(e));
        if (check_keys(d, e, "configs", keys, err)) return -1;
        for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
            const char *k = text(node(d, p->key));
            yaml_node_t *v = node(d, p->value);
            int rc = strcmp(k, "config") == 0 ? get_string(d, v, "configs.config", c->path, sizeof c->path, err)
                     : strcmp(k, "task") == 0 ? get_string(d, v, "configs.task", c->task, sizeof c->task, err)
                                              : get_string(d, v, "configs.method", c->method, sizeof c->method, err);
            if (rc) return -1;
        }
        if (!c->path[0]) return at(d, e, err, "configs: the entry names no config file (config: FILE)");
    }
    return 0;
}

static int read_seeds(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    int count = n->type == YAML_SEQUENCE_NODE ? (int)(n->data.sequence.items.top - n->data.sequence.items.start) : 1;
    if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
        return at(d, n, err, "seeds: expected a list of whole numbers, found %s", kind_of(n));
    if (count == 0) return at(d, n, err, "seeds: the list is empty");
    if (count > SWEEP_MAX_SEEDS) return at(d, n, err, "seeds: more than %d", SWEEP_MAX_SEEDS);
    sw->seeds = calloc((size_t)count, sizeof *sw->seeds);
    if (!sw->seeds) return err_set(err, "out of memory");
    for (int k = 0; k < count; k++) {
        yaml_node_t *e = n->type == YAML_SCALAR_NODE ? n : node(d, n->data.sequence.items.start[k]);
        if (get_long(d, e, "seeds", 0, 9200000000000000000L, &sw->seeds[k], err)) return -1;
        for (int j = 0; j < k; j++)
            if (sw->seeds[j] == sw->seeds[k]) return at(d, e, err, "seeds: %ld is listed twice", sw->seeds[k]);
        sw->n_seeds++;
    }
    return 0;
}

/* grid: KEY: [values]: the product of the lists in file order, the last key changing fastest. */
static int read_grid(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    if (expect(d, n, YAML_MAPPING_NODE, "grid", err) || check_keys(d, n, "grid", NULL, err)) return -1;
    int keys = (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (keys > SWEEP_MAX_SETS) return at(d, n, err, "grid: more than %d keys", SWEEP_MAX_SETS);
    long total = 1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *v = node(d, p->value);
        long len = v->type == YAML_SEQUENCE_NODE ? (long)(v->data.sequence.items.top - v->data.sequence.items.start) : 1;
        if (v->type == YAML_MAPPING_NODE) return at(d, v, err, "grid.%s: expected a list of values, found a mapping", text(node(d, p->key)));
        if (len == 0) return at(d, v, err, "grid.%s: the list is empty", text(node(d, p->key)));
        for (long i = 1; v->type == YAML_SEQUENCE_NODE && i < len; i++) { /* else two runs of one name */
            yaml_node_t *a = node(d, v->data.sequence.items.start[i]);
            for (long j = 0; j < i && a->type == YAML_SCALAR_NODE; j++) {
                yaml_node_t *b = node(d, v->data.sequence.items.start[j]);
                if (b->type == YAML_SCALAR_NODE && strcmp(text(a), text(b)) == 0)
                    return at(d, a, err, "grid.%s: %s is listed twice", text(node(d, p->key)), text(a));
            }
        }
        total *= len;
        if (total > SWEEP_MAX_VARIANTS) return at(d, n, err, "grid: more than %d points", SWEEP_MAX_VARIANTS);
    }
    sw->variants = calloc((size_t)total, sizeof *sw->variants);
    if (!sw->variants) return err_set(err, "out of memory");
    sw->n_variants = (int)total;
    for (long v = 0; v < total; v++) {
        long rest = v;
        SweepVariant *var = &sw->variants[v];
        for (int k = keys - 1; k >= 0; k--) { /* the last key fastest */
            yaml_node_pair_t *p = n->data.mapping.pairs.start + k;
            yaml_node_t *vals = node(d, p->value);
            yaml_node_t *val = vals;
            if (vals->type == YAML_SEQUENCE_NODE) {
                long len = (long)(vals->data.sequence.items.top - vals->data.sequence.items.start);
                val = node(d, vals->data.sequence.items.start[rest % len]);
                rest /= len;
            }
            if (make_set(d, node(d, p->key), val, "grid", &var->sets[k], err)) return -1;
            var->sets[k].at = where_of(val);
        }
        var->n_sets = keys;
    }
    return 0;
}

/* list: [{KEY: value, ...} or [KEY=value, ...], ...]: one variant per entry. */
static int read_list(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    if (expect(d, n, YAML_SEQUENCE_NODE, "list", err)) return -1;
    int count = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0) return at(d, n, err, "list: the list is empty");
    if (count > SWEEP_MAX_VARIANTS) return at(d, n, err, "list: more than %d entries", SWEEP_MAX_VARIANTS);
    sw->variants = calloc((size_t)count, sizeof *sw->variants);
    if (!sw->variants) return err_set(err, "out of memory");
    for (int k = 0; k < count; k++) {
        yaml_node_t *e = node(d, n->data.sequence.items.start[k]);
        if (e->type == YAML_SCALAR_NODE && is_null(e)) { /* "- {}" or "-": the config as it is */
            sw->n_variants++;
            continue;
        }
        SweepVariant *var = &sw->variants[k];
        if (e->type == YAML_MAPPING_NODE) { /* {method: NAME, KEY: value, ...} */
            if (check_keys(d, e, "list", NULL, err)) return -1;
            for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
                yaml_node_t *key = node(d, p->key);
                if (strcmp(text(key), "method") == 0) {
                    if (get_string(d, node(d, p->value), "list.method", var->method, sizeof var->method, err)) return -1;
                    if (!var->method[0] || strlen(var->method) > 40 || strpbrk(var->method, "/ ,=") ||
                        strstr(var->method, "__"))
                        return at(d, node(d, p->value), err, "list.method: '%s' is not a name (at most 40 of "
                                  "letters, digits, '-', '.', '_'; no '__')", var->method);
                    for (int j = 0; j < k; j++)
                        if (strcmp(sw->variants[j].method, var->method) == 0)
                            return at(d, node(d, p->value), err, "list.method: %s is listed twice", var->method);
                } else {
                    if (var->n_sets == SWEEP_MAX_SETS) return at(d, e, err, "list: more than %d overrides", SWEEP_MAX_SETS);
                    if (make_set(d, key, node(d, p->value), "list", &var->sets[var->n_sets++], err)) return -1;
                }
            }
        } else if (read_sets(d, e, "list", var->sets, &var->n_sets, err)) {
            return -1;
        }
        sw->n_variants++;
    }
    return 0;
}

static int read_eval(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    static const char *const keys[] = {"episodes", "checkpoints", "policies", "seed", "num_envs", NULL};
    if (expect(d, n, YAML_MAPPING_NODE, "eval", err) || check_keys(d, n, "eval", keys, err)) return -1;
    SweepEval *e = &sw->eval;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = text(node(d, p->key));
        yaml_node_t *v = node(d, p->value);
        char what[64];
        snprintf(what, sizeof what, "eval.%s", k);
        if (strcmp(k, "episodes") == 0) {
            if (get_int(d, v, what, 1, 100000000, &e->episodes, err)) return -1;
        } else if (strcmp(k, "num_envs") == 0) {
            if (get_int(d, v, what, 1, 4096, &e->num_envs, err)) return -1;
        } else if (strcmp(k, "seed") == 0) {
            e->seed_is_run = v->type == YAML_SCALAR_NODE && strcmp(text(v), "run") == 0;
            if (!e->seed_is_run && get_long(d, v, "eval.seed (or 'run': each run's own seed)", 0,
                                            0x7fffffffffffffffL, &e->seed, err))
                return -1;
        } else { /* checkpoints, policies: a name or a list of names, in order */
            const bool ck = strcmp(k, "checkpoints") == 0;
            const char *const *names = ck ? SWEEP_CKPT_NAMES : SWEEP_MODE_NAMES;
            int *count = ck ? &e->n_ckpts : &e->n_modes;
            int items = v->type == YAML_SEQUENCE_NODE ? (int)(v->data.sequence.items.top - v->data.sequence.items.start) : 1;
            if (v->type == YAML_MAPPING_NODE || items < 1 || items > 2)
                return at(d, v, err, "%s: expected %s, %s or a list of both", what, names[0], names[1]);
            *count = 0;
            for (int i = 0; i < items; i++) {
                yaml_node_t *x = v->type == YAML_SEQUENCE_NODE ? node(d, v->data.sequence.items.start[i]) : v;
                if (expect(d, x, YAML_SCALAR_NODE, what, err)) return -1;
                int which = strcmp(text(x), names[0]) == 0 ? 0 : strcmp(text(x), names[1]) == 0 ? 1 : -1;
                if (which < 0) return at(d, x, err, "%s: '%s' is not one of %s, %s", what, text(x), names[0], names[1]);
                if (i == 1 && (ck ? (int)e->ckpts[0] : (int)e->modes[0]) == which)
                    return at(d, x, err, "%s: %s is listed twice", what, text(x));
                if (ck)
                    e->ckpts[(*count)++] = (SweepCkpt)which;
                else
                    e->modes[(*count)++] = (SweepMode)which;
            }
        }
    }
    return 0;
}

static int read_tasks(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    static const char *const keys[] = {"random", "max", "target", "success", "episodes", NULL};
    if (expect(d, n, YAML_MAPPING_NODE, "tasks", err) || check_keys(d, n, "tasks", NULL, err)) return -1;
    int count = (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    sw->tasks = calloc((size_t)(count ? count : 1), sizeof *sw->tasks);
    if (!sw->tasks) return err_set(err, "out of memory");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
        SweepTask *t = &sw->tasks[sw->n_tasks++];
        if (strlen(text(k)) >= sizeof t->name) return at(d, k, err, "tasks.%s: a name longer than %zu bytes", text(k), sizeof t->name - 1);
        snprintf(t->name, sizeof t->name, "%s", text(k));
        t->at = where_of(k);
        char what[SWEEP_NAME_LEN + 8];
        snprintf(what, sizeof what, "tasks.%s", t->name);
        if (expect(d, v, YAML_MAPPING_NODE, what, err) || check_keys(d, v, what, keys, err)) return -1;
        bool has_random = false, has_max = false;
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
            const char *key = text(node(d, q->key));
            yaml_node_t *val = node(d, q->value);
            char kw[SWEEP_NAME_LEN + 24];
            snprintf(kw, sizeof kw, "%s.%s", what, key);
            int rc = 0;
            if (strcmp(key, "random") == 0) rc = get_double(d, val, kw, &t->random, err), has_random = true;
            else if (strcmp(key, "max") == 0) rc = get_double(d, val, kw, &t->max, err), has_max = true;
            else if (strcmp(key, "target") == 0) rc = get_double(d, val, kw, &t->target, err), t->has_target = true;
            else if (strcmp(key, "success") == 0) rc = get_double(d, val, kw, &t->success, err), t->has_success = true;
            else rc = get_int(d, val, kw, 1, 100000000, &t->episodes, err);
            if (rc) return -1;
        }
        if (has_random != has_max)
            return at(d, v, err, "%s: give both random (the return that scores 0) and max (the return that scores 1), or neither", what);
        if (has_random && !(t->max > t->random))
            return at(d, v, err, "%s: max %g must be above random %g", what, t->max, t->random);
        t->normalized = has_random;
    }
    return 0;
}

static int read_report(Doc *d, yaml_node_t *n, Sweep *sw, Err *err) {
    static const char *const keys[] = {"bootstrap", "seed", NULL};
    if (expect(d, n, YAML_MAPPING_NODE, "report", err) || check_keys(d, n, "report", keys, err)) return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = text(node(d, p->key));
        yaml_node_t *v = node(d, p->value);
        long seed;
        if (strcmp(k, "bootstrap") == 0) {
            if (get_int(d, v, "report.bootstrap", 1, 10000000, &sw->bootstrap, err)) return -1;
        } else {
            if (get_long(d, v, "report.seed", 0, 0x7fffffffffffffffL, &seed, err)) return -1;
            sw->bootstrap_seed = (uint64_t)seed;
        }
    }
    return 0;
}

/* The top level: every section, each checked; out, configs and seeds are needed. */
static int read_top(Doc *d, Sweep *sw, Err *err) {
    static const char *const keys[] = {"out", "configs", "seeds", "set", "grid", "list", "jobs", "eval",
                                       "tasks", "report", NULL};
    yaml_node_t *root = yaml_document_get_root_node(&d->doc);
    if (!root || is_null(root))
        return err_input(err, "%s: the sweep file is empty (it needs at least configs: and seeds:)", d->name);
    if (root->type != YAML_MAPPING_NODE)
        return at(d, root, err, "expected the sweep's keys (configs:, seeds:, ...), found %s", kind_of(root));
    if (check_keys(d, root, "", keys, err)) return -1;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const char *k = text(node(d, p->key));
        yaml_node_t *v = node(d, p->value);
        int rc = 0;
        if (strcmp(k, "out") == 0) rc = get_string(d, v, "out", sw->out, sizeof sw->out, err);
        else if (strcmp(k, "configs") == 0) rc = read_configs(d, v, sw, err);
        else if (strcmp(k, "seeds") == 0) rc = read_seeds(d, v, sw, err);
        else if (strcmp(k, "set") == 0) rc = read_sets(d, v, "set", sw->sets, &sw->n_sets, err);
        else if (strcmp(k, "jobs") == 0) rc = get_int(d, v, "jobs", 1, 4096, &sw->jobs, err);
        else if (strcmp(k, "eval") == 0) rc = read_eval(d, v, sw, err);
        else if (strcmp(k, "tasks") == 0) rc = read_tasks(d, v, sw, err);
        else if (strcmp(k, "report") == 0) rc = read_report(d, v, sw, err);
        else if (sw->variants) rc = at(d, node(d, p->key), err, "%s: give a grid or a list of variants, not both", k);
        else rc = strcmp(k, "grid") == 0 ? read_grid(d, v, sw, err) : read_list(d, v, sw, err);
        if (!rc && (strcmp(k, "grid") == 0 || strcmp(k, "list") == 0)) snprintf(sw->variants_from, sizeof sw->variants_from, "%s", k);
        if (rc) return -1;
    }
    if (!sw->configs) return err_input(err, "%s: no configs: (the list of config files to run)", d->name);
    if (!sw->seeds) return err_input(err, "%s: no seeds: (e.g. seeds: [1, 2, 3, 4, 5])", d->name);
    return 0;
}

/* ---- expanding and checking the runs --------------------------------------------------------- */

static void defaults(Sweep *sw, const char *path) {
    memset(sw, 0, sizeof *sw);
    snprintf(sw->path, sizeof sw->path, "%s", path);
    sw->eval = (SweepEval){100, 2, {SWEEP_FINAL, SWEEP_BEST}, 2, {SWEEP_DETERMINISTIC, SWEEP_SAMPLED}, true, 0, 16};
    sw->bootstrap = 50000;
}

/* The file name of path without its folder and extension into out [cap]. */
static void stem_of(const char *path, char *out, size_t cap) {
    const char *base = strrchr(path, '/');
    snprintf(out, cap, "%s", base ? base + 1 : path);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = '\0';
}

/* Config stems made unique (a second config of the same name gets -2, -3, ...) and the
 * variants' labels. */
static void name_parts(Sweep *sw) {
    for (int c = 0; c < sw->n_configs; c++) {
        char stem[CONFIG_NAME_LEN];
        stem_of(sw->configs[c].path, stem, sizeof stem);
        snprintf(sw->configs[c].stem, sizeof sw->configs[c].stem, "%.60s", stem);
        for (int k = 2, clash = 1; clash; k++) {
            clash = 0;
            for (int j = 0; j < c; j++) clash |= strcmp(sw->configs[j].stem, sw->configs[c].stem) == 0;
            if (clash) snprintf(sw->configs[c].stem, sizeof sw->configs[c].stem, "%.60s-%d", stem, k);
        }
    }
    for (int v = 0; v < sw->n_variants; v++) {
        SweepVariant *var = &sw->variants[v];
        size_t used = 0;
        for (int i = 0; i < var->n_sets && used < sizeof var->label; i++)
            used += (size_t)snprintf(var->label + used, sizeof var->label - used, "%s%s", i ? ", " : "", var->sets[i].text);
    }
}

/* Run r's folder name: STEM__METHOD__sSEED for a variant with a method, STEM__sSEED, or STEM__VARIANT__sSEED when there are variants (VARIANT the
 * overrides without spaces, '/' made '-'; vN when that is too long). */
static void run_name(const Sweep *sw, SweepRun *run) {
    const SweepConfig *c = &sw->configs[run->config];
    if (sw->variants[run->variant].method[0]) { /* named, even when it is the only variant */
        snprintf(run->name, sizeof run->name, "%s__%s__s%ld", c->stem, sw->variants[run->variant].method, run->seed);
        return;
    }
    if (sw->n_variants == 1) {
        snprintf(run->name, sizeof run->name, "%s__s%ld", c->stem, run->seed);
        return;
    }
    char v[SWEEP_SET_LEN];
    size_t k = 0;
    for (const char *s = sw->variants[run->variant].label; *s && k + 1 < sizeof v; s++)
        if (*s != ' ') v[k++] = *s == '/' ? '-' : *s;
    v[k] = '\0';
    if (k > 48) snprintf(v, sizeof v, "v%d", run->variant + 1);
    snprintf(run->name, sizeof run->name, "%s__%s__s%ld", c->stem, v, run->seed);
}

/* The task named name (made when new: the tasks given in the file come first). */
static int task_index(Sweep *sw, const char *name) {
    for (int t = 0; t < sw->n_tasks; t++)
        if (strcmp(sw->tasks[t].name, name) == 0) return t;
    SweepTask *t = &sw->tasks[sw->n_tasks];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    return sw->n_tasks++;
}

int sweep_run_sets(const Sweep *sw, int r, char sets[][SWEEP_SET_LEN]) {
    const SweepRun *run = &sw->runs[r];
    const SweepVariant *var = &sw->variants[run->variant];
    int n = 0;
    snprintf(sets[n++], SWEEP_SET_LEN, "run.workers=1");
    for (int i = 0; i < sw->n_sets; i++) snprintf(sets[n++], SWEEP_SET_LEN, "%s", sw->sets[i].text);
    for (int i = 0; i < var->n_sets; i++) snprintf(sets[n++], SWEEP_SET_LEN, "%s", var->sets[i].text);
    snprintf(sets[n++], SWEEP_SET_LEN, "run.seed=%ld", run->seed);
    snprintf(sets[n++], SWEEP_SET_LEN, "run.runs_dir=%s/runs", sw->out);
    snprintf(sets[n++], SWEEP_SET_LEN, "run.run_name=%s", run->name);
    return n;
}

int sweep_run_config(const Sweep *sw, int r, TrainConfig *cfg, Err *err) {
    char sets[SWEEP_MAX_SETS * 2 + 4][SWEEP_SET_LEN];
    char *ptrs[SWEEP_MAX_SETS * 2 + 4];
    int n = sweep_run_sets(sw, r, sets);
    for (int i = 0; i < n; i++) ptrs[i] = sets[i];
    return config_load(cfg, sw->configs[sw->runs[r].config].path, ptrs, n, err);
}

/* Puts the sweep file's place of what failed in front of a config error of run r: the override
 * it names ("--set TEXT: ..."), else the config entry and the run's variant. */
static int locate_run_error(const Sweep *sw, int r, Err *err) {
    const SweepRun *run = &sw->runs[r];
    const SweepVariant *var = &sw->variants[run->variant];
    const SweepSet *lists[2] = {sw->sets, var->sets};
    const int counts[2] = {sw->n_sets, var->n_sets};
    const char *names[2] = {"set", sw->variants_from};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < counts[l]; i++) {
            char head[SWEEP_SET_LEN + 8];
            snprintf(head, sizeof head, "--set %s:", lists[l][i].text);
            if (strncmp(err->msg, head, strlen(head)) == 0) {
                char rest[ERR_LEN];
                snprintf(rest, sizeof rest, "%s", err->msg + strlen(head) + (err->msg[strlen(head)] == ' '));
                return err_input(err, "%s:%d:%d: %s %s: %s", sw->path, lists[l][i].at.line, lists[l][i].at.col,
                                 names[l], lists[l][i].text, rest);
            }
        }
    const SweepConfig *c = &sw->configs[run->config];
    err_prefix(err, "%s:%d:%d: %s%s%s%s (seed %ld)", sw->path, c->at.line, c->at.col, c->path,
               var->label[0] ? " with " : "", var->label, sw->n_sets ? " and the sweep's set" : "", run->seed);
    return err_as_input(err);
}

/* Expands configs x variants x seeds into groups and runs, loading every run's config. */
static int expand(Sweep *sw, Err *err) {
    if (!sw->variants) {
        sw->variants = calloc(1, sizeof *sw->variants);
        if (!sw->variants) return err_set(err, "out of memory");
        sw->n_variants = 1;
    }
    const int given_tasks = sw->n_tasks;
    /* room for one task per group besides those given */
    SweepTask *tasks = realloc(sw->tasks, sizeof *tasks * ((size_t)given_tasks + (size_t)sw->n_configs * sw->n_variants));
    if (!tasks) return err_set(err, "out of memory");
    sw->tasks = tasks;
    name_parts(sw);
    long runs = (long)sw->n_configs * sw->n_variants * sw->n_seeds;
    if (runs > SWEEP_MAX_RUNS)
        return err_input(err, "%s: %ld runs (configs x variants x seeds), more than %d", sw->path, runs, SWEEP_MAX_RUNS);
    sw->n_groups = sw->n_configs * sw->n_variants;
    sw->groups = calloc((size_t)sw->n_groups, sizeof *sw->groups);
    sw->runs = calloc((size_t)runs, sizeof *sw->runs);
    if (!sw->groups || !sw->runs) return err_set(err, "out of memory");
    for (int c = 0; c < sw->n_configs; c++) {
        TrainConfig cfg;
        if (config_load(&cfg, sw->configs[c].path, NULL, 0, err))
            return err_prefix(err, "%s:%d:%d: configs", sw->path, sw->configs[c].at.line, sw->configs[c].at.col),
                   err_as_input(err);
        for (int v = 0; v < sw->n_variants; v++) {
            const int g = c * sw->n_variants + v;
            SweepGroup *grp = &sw->groups[g];
            grp->config = c;
            grp->variant = v;
            for (int s = 0; s < sw->n_seeds; s++) {
                const int r = sw->n_runs++;
                SweepRun *run = &sw->runs[r];
                *run = (SweepRun){.config = c, .variant = v, .group = g, .seed = sw->seeds[s]};
                run_name(sw, run);
                if (sweep_run_config(sw, r, &cfg, err)) return locate_run_error(sw, r, err);
                run->total_timesteps = cfg.run.total_timesteps;
                run->workers = cfg.run.workers;
                const char *task = sw->configs[c].task[0] ? sw->configs[c].task : cfg.env.name;
                run->task = task_index(sw, task);
                const SweepTask *t = &sw->tasks[run->task];
                run->target = t->has_target ? t->target : cfg.run.stop_return != 0 ? cfg.run.stop_return : NAN;
                run->episodes = t->episodes ? t->episodes : sw->eval.episodes;
                if (s == 0) {
                    grp->task = run->task;
                    const char *m = sw->configs[c].method[0] ? sw->configs[c].method : cfg.policy.kind;
                    if (sw->variants[v].method[0])
                        snprintf(grp->method, sizeof grp->method, "%s", sw->variants[v].method);
                    else if (sw->variants[v].label[0])
                        snprintf(grp->method, sizeof grp->method, "%s (%s)", m, sw->variants[v].label);
                    else
                        snprintf(grp->method, sizeof grp->method, "%s", m);
                }
            }
            for (int h = 0; h < g; h++)
                if (sw->groups[h].task == grp->task && strcmp(sw->groups[h].method, grp->method) == 0)
                    return err_input(err, "%s:%d:%d: %s and %s are both method '%s' on task '%s'; name them "
                                     "apart with - {config: FILE, method: NAME}", sw->path, sw->configs[c].at.line,
                                     sw->configs[c].at.col, sw->configs[sw->groups[h].config].path,
                                     sw->configs[c].path, grp->method, sw->tasks[grp->task].name);
        }
    }
    for (int t = 0; t < given_tasks; t++) {
        bool used = false;
        for (int r = 0; r < sw->n_runs && !used; r++) used = sw->runs[r].task == t;
        if (!used) {
            char names[512] = "";
            for (int u = given_tasks, k = 0; u < sw->n_tasks && k < (int)sizeof names; u++)
                k += snprintf(names + k, sizeof names - k, "%s%s", u > given_tasks ? ", " : "", sw->tasks[u].name);
            return err_input(err, "%s:%d:%d: tasks.%s: no run of this sweep has this task (its runs' tasks, "
                             "their env.name unless a config entry names one: %s)", sw->path, sw->tasks[t].at.line,
                             sw->tasks[t].at.col, sw->tasks[t].name, names[0] ? names : "only those above");
        }
    }
    return 0;
}

int sweep_load(Sweep *sw, const char *path, Err *err) {
    defaults(sw, path);
    char *data;
    size_t len;
    if (file_read(path, "sweep file", SWEEP_MAX_BYTES, &data, &len, err)) return -1;
    Doc d = {.name = path};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(data);
        return err_set(err, "%s: cannot start the YAML parser", path);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &d.doc)) {
        rc = err_input(err, "%s:%zu:%zu: %s%s%s", path, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                       parser.problem ? parser.problem : "malformed YAML", parser.context ? " " : "",
                       parser.context ? parser.context : "");
    } else {
        yaml_document_t second;
        rc = read_top(&d, sw, err);
        if (!rc && yaml_parser_load(&parser, &second)) {
            if (yaml_document_get_root_node(&second))
                rc = err_input(err, "%s: expected one YAML document, found a second one", path);
            yaml_document_delete(&second);
        }
        yaml_document_delete(&d.doc);
    }
    yaml_parser_delete(&parser);
    free(data);
    if (!rc && !sw->out[0]) {
        char stem[CONFIG_NAME_LEN];
        stem_of(path, stem, sizeof stem);
        snprintf(sw->out, sizeof sw->out, "runs/sweeps/%s", stem);
    }
    if (!rc) rc = expand(sw, err);
    return rc ? -1 : 0;
}

void sweep_free(Sweep *sw) {
    free(sw->configs);
    free(sw->seeds);
    free(sw->variants);
    free(sw->tasks);
    free(sw->groups);
    free(sw->runs);
    memset(sw, 0, sizeof *sw);
}
