/* export.c: `ppo export` (see export.h): loads a checkpoint's policy, records the selftest's
 * episodes through policy_step, and writes NAME.h, NAME.c (the shared parts here, the network by
 * the kind's emitter, export_emit.h) and NAME_selftest.c. */
#include "run/export.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/env.h"
#include "policies/categorical.h"
#include "policies/policy_impl.h" /* policy_work_set_naive: the recording's plain loops */
#include "run/checkpoint.h"
#include "run/config.h"
#include "run/evaluate.h"
#include "run/export_emit.h"

static const ExportEmitter *const EXPORT_EMITTERS[] = {&export_gla_emitter, &export_mlp_emitter};
#define N_EXPORT_EMITTERS (int)(sizeof EXPORT_EMITTERS / sizeof EXPORT_EMITTERS[0])

/* ---- names ---- */

static const char *const C_KEYWORDS[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "alignas",
    "alignof", "atomic", "noreturn", "static_assert", "thread_local", NULL};

int export_name_check(const char *name, Err *err) {
    size_t n = strlen(name);
    if (n == 0) return err_input(err, "--name: the name is empty (it names the files and prefixes the C API)");
    if (n >= EXPORT_NAME_LEN)
        return err_input(err, "--name: '%.40s...' is longer than %d characters", name, EXPORT_NAME_LEN - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        bool ok = (c < 128 && isalpha(c)) || c == '_' || (i > 0 && c < 128 && isdigit(c));
        if (!ok)
            return err_input(err, "--name: '%s' is not a C identifier (letters, digits and '_', not "
                             "starting with a digit): '%c' at %zu", name, c >= 32 && c < 127 ? c : '?', i + 1);
    }
    if (name[0] == '_')
        return err_input(err, "--name: '%s' starts with '_': names that do are reserved in C at file "
                         "scope, where NAME_step and the others are", name);
    for (int i = 0; C_KEYWORDS[i]; i++)
        if (strcmp(name, C_KEYWORDS[i]) == 0) return err_input(err, "--name: '%s' is a C keyword", name);
    return 0;
}

void export_default_name(const char *env_name, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; env_name[i] && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)env_name[i];
        out[k++] = c < 128 && isalnum(c) ? (char)c : '_';
    }
    snprintf(out + k, cap - k, "_policy");
}

/* ---- writing C ---- */

void export_code(ExportWriter *w, const char *text) {
    for (const char *s = text; *s; s++) {
        if (*s == '$') fputs(w->name, w->f);
        else fputc(*s, w->f);
    }
}

void export_codef(ExportWriter *w, const char *fmt, ...) {
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text) vsnprintf(text, (size_t)n + 1, fmt, again);
    va_end(again);
    va_end(ap);
    if (!text) {
        w->failed = true; /* out of memory: reported when the file is finished */
        return;
    }
    export_code(w, text);
    free(text);
}

void export_float(FILE *f, float v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", (double)v);
    fputs(buf, f);
    if (!strpbrk(buf, ".e")) fputs(".0", f);
    fputc('f', f);
}

/* Floats [n] as rows of `per_line` literals, each row indented by 4. */
static void write_floats(FILE *f, const float *v, size_t n, int per_line) {
    for (size_t i = 0; i < n; i++) {
        fputs(i % (size_t)per_line == 0 ? "    " : " ", f);
        export_float(f, v[i]);
        fputs(i + 1 < n ? "," : "", f);
        if ((i + 1) % (size_t)per_line == 0 || i + 1 == n) fputc('\n', f);
    }
}

int export_weights(ExportWriter *w, const char *tensor, Err *err) {
    const ParamTensor *t = policy_tensor(w->p, tensor);
    if (!t) return err_set(err, "export: the policy has no tensor '%s'", tensor);
    char ident[POLICY_NAME_LEN];
    snprintf(ident, sizeof ident, "%s", tensor);
    for (char *c = ident; *c; c++)
        if (*c == '.') *c = '_';
    const real *v = w->p->params + t->offset;
    fprintf(w->f, "/* %s [", tensor);
    for (int d = 0; d < t->ndim; d++) fprintf(w->f, "%s%d", d ? ", " : "", t->shape[d]);
    if (t->ndim == 2 && t->shape[0] > 1 && t->shape[1] > 1)
        fprintf(w->f, "] of ppo, stored transposed: [%d][%d] */\n", t->shape[1], t->shape[0]);
    else
        fprintf(w->f, "] */\n");
    fprintf(w->f, "static const float %s_%s[%zu] = {\n", w->name, ident, t->size);
    if (t->ndim == 2) {
        int rows = t->shape[0], cols = t->shape[1];
        float *tr = malloc(t->size * sizeof *tr);
        if (!tr) return err_set(err, "export: out of memory");
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) tr[(size_t)c * rows + r] = v[(size_t)r * cols + c];
        write_floats(w->f, tr, t->size, rows < 8 ? rows : 8);
        free(tr);
    } else {
        write_floats(w->f, v, t->size, 8);
    }
    fprintf(w->f, "};\n");
    return 0;
}

/* Writes text into a C comment: "*" "/" and "??" (a trigraph) are broken up, other control
 * characters become '?'. */
static void comment_text(FILE *f, const char *text) {
    for (const char *s = text; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '*' && s[1] == '/') fputs("* ", f);
        else if (c == '?' && s[1] == '?') fputs("? ", f);
        else fputc(c < 32 || c == 127 ? '?' : c, f);
    }
}

/* The value of "section: / key: value" in the resolved config YAML (config_to_yaml's layout:
 * sections at column 0, keys indented by two) into out [cap], or "" when absent. */
static void yaml_value(const char *yaml, const char *section, const char *key, char *out, size_t cap) {
    out[0] = '\0';
    bool in = false;
    size_t sl = strlen(section), kl = strlen(key);
    for (const char *line = yaml; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 0 && line[0] != ' ') in = n == sl + 1 && strncmp(line, section, sl) == 0 && line[sl] == ':';
        else if (in && n > kl + 4 && strncmp(line + 2, key, kl) == 0 && line[2 + kl] == ':') {
            size_t vn = n - (kl + 4) < cap - 1 ? n - (kl + 4) : cap - 1;
            memcpy(out, line + kl + 4, vn);
            out[vn] = '\0';
            return;
        }
        line += n + (nl ? 1 : 0);
    }
}

/* Every key of one section of the YAML as " *     section.key: value" lines. */
static void yaml_section(FILE *f, const char *yaml, const char *section) {
    bool in = false;
    size_t sl = strlen(section);
    for (const char *line = yaml; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 0 && line[0] != ' ') {
            in = n == sl + 1 && strncmp(line, section, sl) == 0 && line[sl] == ':';
        } else if (in && n > 2) {
            char buf[PATH_LEN + 64];
            snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), line + 2);
            fprintf(f, " *     %s.", section);
            comment_text(f, buf);
            fputc('\n', f);
        }
        line += n + (nl ? 1 : 0);
    }
}

/* ---- the parts of NAME.c that every kind shares ---- */

static const char HELPER_EXP[] =
    "/* e^x in float as ppo computes it (policies/simd.h real_exp; Cephes expf's method, S. Moshier:\n"
    " * x = n ln2 + r with ln2 split in two, a degree-6 polynomial for e^r, times 2^n), about 1 ulp;\n"
    " * x is clamped to [-87.3, 88.3]. n = rintf(x log2 e) rounds as ppo's t - 1.5 * 2^23 does (and\n"
    " * stays right under -ffast-math, which would fold that); 2^n, n in [-126, 127], is the exact\n"
    " * product 2^(m mod 16) 2^(16 (m / 16) - 126), m = n + 126, of two table entries. */\n"
    "static float $_exp(float x) {\n"
    "    static const float lo[16] = {1.0f, 2.0f, 4.0f, 8.0f, 16.0f, 32.0f, 64.0f, 128.0f, 256.0f,\n"
    "                                 512.0f, 1024.0f, 2048.0f, 4096.0f, 8192.0f, 16384.0f, 32768.0f};\n"
    "    static const float hi[16] = {0x1p-126f, 0x1p-110f, 0x1p-94f, 0x1p-78f, 0x1p-62f, 0x1p-46f,\n"
    "                                 0x1p-30f, 0x1p-14f, 0x1p2f, 0x1p18f, 0x1p34f, 0x1p50f, 0x1p66f,\n"
    "                                 0x1p82f, 0x1p98f, 0x1p114f};\n"
    "    float n, r, y;\n"
    "    int m;\n"
    "    if (x != x) return x;\n"
    "    x = x < -87.3f ? -87.3f : x;\n"
    "    x = x > 88.3f ? 88.3f : x;\n"
    "    n = rintf(x * 1.44269504088896341f);\n"
    "    r = x - n * 0.693359375f;\n"
    "    r = r - n * -2.12194440e-4f;\n"
    "    y = 1.9875691500e-4f;\n"
    "    y = y * r + 1.3981999507e-3f;\n"
    "    y = y * r + 8.3334519073e-3f;\n"
    "    y = y * r + 4.1665795894e-2f;\n"
    "    y = y * r + 1.6666665459e-1f;\n"
    "    y = y * r + 5.0000001201e-1f;\n"
    "    y = y * (r * r) + r + 1.0f;\n"
    "    m = (int)n + 126;\n"
    "    return y * (lo[m & 15] * hi[m >> 4]);\n"
    "}\n\n";

static const char HELPER_LINEAR[] =
    "/* out [OC] = W x + b, with W [OC, C] stored transposed, wt [C][OC], and b [OC] or 0 (none):\n"
    " * each out[o] sums its C products in order, then adds b[o], as ppo's plain-loop product\n"
    " * (policies/linalg.c linalg_gemm_naive; policies/layers.c linear_forward). out and x do not\n"
    " * overlap. */\n"
    "static void $_linear(float *out, const float *x, const float *wt, const float *b, int C, int OC) {\n"
    "    int c, o;\n"
    "    for (o = 0; o < OC; o++) out[o] = 0.0f;\n"
    "    for (c = 0; c < C; c++) {\n"
    "        const float xc = x[c], *row = wt + (long)c * OC;\n"
    "        for (o = 0; o < OC; o++) out[o] += xc * row[o];\n"
    "    }\n"
    "    if (b)\n"
    "        for (o = 0; o < OC; o++) out[o] += b[o];\n"
    "}\n\n";

static const char HELPER_LOG1P[] =
    "/* log(1 + u) for u in [0, 1] (policies/simd.h real_log1p_unit): 2 atanh(s), s = u / (2 + u),\n"
    " * by its odd series to s^15. */\n"
    "static float $_log1p_unit(float u) {\n"
    "    float s = u / (2.0f + u), t = s * s;\n"
    "    float p = 1.0f / 15;\n"
    "    p = p * t + 1.0f / 13;\n"
    "    p = p * t + 1.0f / 11;\n"
    "    p = p * t + 1.0f / 9;\n"
    "    p = p * t + 1.0f / 7;\n"
    "    p = p * t + 1.0f / 5;\n"
    "    p = p * t + 1.0f / 3;\n"
    "    p = p * t + 1.0f;\n"
    "    return 2.0f * s * p;\n"
    "}\n\n";

static const char HELPER_SIGMOID[] =
    "/* sigmoid(x) = 1 / (1 + e^-x) (policies/simd.h real_sigmoid) */\n"
    "static float $_sigmoid(float x) { return 1 / (1 + $_exp(-x)); }\n\n";

static const char HELPER_TANH[] =
    "/* tanh(x) (policies/simd.h real_tanh): its Taylor series to x^11 for |x| < 0.4, beyond\n"
    " * sign(x) (1 - e) / (1 + e) with e = e^(-2|x|). */\n"
    "static float $_tanh(float x) {\n"
    "    float ax = x < 0 ? -x : x, t = x * x;\n"
    "    float p = -1382.0f / 155925;\n"
    "    float small, e, big;\n"
    "    p = p * t + 62.0f / 2835;\n"
    "    p = p * t - 17.0f / 315;\n"
    "    p = p * t + 2.0f / 15;\n"
    "    p = p * t - 1.0f / 3;\n"
    "    small = x + x * t * p;\n"
    "    e = $_exp(-2.0f * ax);\n"
    "    big = (1.0f - e) / (1.0f + e);\n"
    "    big = x < 0 ? -big : big;\n"
    "    return ax < 0.4f ? small : big;\n"
    "}\n\n";

static const char HELPER_DOT[] =
    "/* sum_i a[i] b[i] as ppo sums it (policies/simd.h real_dot): 8 partial sums (lane l takes\n"
    " * i = l mod 8) combined pairwise, then the tail in order. */\n"
    "static float $_dot(const float *a, const float *b, int n) {\n"
    "    float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, s;\n"
    "    int i = 0, l;\n"
    "    for (; i + 8 <= n; i += 8)\n"
    "        for (l = 0; l < 8; l++) acc[l] += a[i + l] * b[i + l];\n"
    "    s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));\n"
    "    for (; i < n; i++) s += a[i] * b[i];\n"
    "    return s;\n"
    "}\n\n";

static const char HELPER_ADD[] =
    "/* h [n] += t [n]: a residual branch added onto the stream. */\n"
    "static void $_add(float *h, const float *t, int n) {\n"
    "    int i;\n"
    "    for (i = 0; i < n; i++) h[i] = t[i] + h[i];\n"
    "}\n\n";

/* RMSNorm needs ppo's epsilon as a float literal. */
static void helper_rmsnorm(ExportWriter *w) {
    export_code(w, "/* RMSNorm (Zhang & Sennrich 2019; policies/layers.c rmsnorm_forward): out [n] = w * x / rms,\n"
                   " * rms = sqrt(mean(x^2) + eps), eps = 1e-5 as a float. */\n"
                   "static void $_rmsnorm(float *out, const float *x, const float *w, int n) {\n"
                   "    float r = 1 / sqrtf($_dot(x, x, n) / n + ");
    export_float(w->f, (float)1e-5);
    export_code(w, ");\n"
                   "    int i;\n"
                   "    for (i = 0; i < n; i++) out[i] = w[i] * (x[i] * r);\n"
                   "}\n\n");
}

static void write_helpers(ExportWriter *w, unsigned uses) {
    if (uses & EXPORT_USE_RMSNORM) uses |= EXPORT_USE_DOT;
    export_code(w, HELPER_EXP);
    export_code(w, HELPER_LINEAR);
    if (uses & EXPORT_USE_LOG1P) export_code(w, HELPER_LOG1P);
    if (uses & EXPORT_USE_SIGMOID) export_code(w, HELPER_SIGMOID);
    if (uses & EXPORT_USE_TANH) export_code(w, HELPER_TANH);
    if (uses & EXPORT_USE_DOT) export_code(w, HELPER_DOT);
    if (uses & EXPORT_USE_RMSNORM) helper_rmsnorm(w);
    if (uses & EXPORT_USE_ADD) export_code(w, HELPER_ADD);
}

/* Part 3 of NAME.c (export_emit.h): the input and output stages, NAME_reset, NAME_step. */
static void write_api(ExportWriter *w, const char *up) {
    export_codef(w,
        "/* ---- the input stage: the observation [%s_OBS_DIM] as the network takes it. ppo feeds\n"
        " * observations as the env writes them, so this is a copy; an observation normalization\n"
        " * would go here. ---- */\n"
        "static void $_input(const float *obs, float *x) {\n"
        "    int i;\n"
        "    for (i = 0; i < %s_OBS_DIM; i++) x[i] = obs[i];\n"
        "}\n\n", up, up);
    export_codef(w,
        "/* ---- the output stage: the categorical distribution the logits define (as ppo's\n"
        " * policies/categorical.c, in float): probabilities by softmax with the largest logit\n"
        " * subtracted; the action is the first largest logit when u < 0, else the inverse CDF at u,\n"
        " * the first a with u < probs[0] + ... + probs[a] (the last action when rounding leaves u\n"
        " * above the sum). Another action distribution would go here. ---- */\n"
        "static int $_output(const float *logits, float u, float *probs) {\n"
        "    float s = 0.0f, cum = 0.0f;\n"
        "    int j, best = 0;\n"
        "    for (j = 1; j < %s_N_ACTIONS; j++)\n"
        "        if (logits[j] > logits[best]) best = j;\n"
        "    for (j = 0; j < %s_N_ACTIONS; j++) {\n"
        "        probs[j] = $_exp(logits[j] - logits[best]);\n"
        "        s += probs[j];\n"
        "    }\n"
        "    for (j = 0; j < %s_N_ACTIONS; j++) probs[j] /= s;\n"
        "    if (u < 0.0f) return best;\n"
        "    for (j = 0; j < %s_N_ACTIONS; j++) {\n"
        "        cum += probs[j];\n"
        "        if (u < cum) return j;\n"
        "    }\n"
        "    return %s_N_ACTIONS - 1;\n"
        "}\n\n", up, up, up, up, up);
    export_codef(w,
        "/* ---- the API (%s.h) ---- */\n\n"
        "void $_reset($_state *s) {\n"
        "    int i;\n"
        "    for (i = 0; i < (int)(sizeof s->recurrent / sizeof s->recurrent[0]); i++) s->recurrent[i] = 0.0f;\n"
        "    s->prev_action = -1;\n"
        "    s->start = 1;\n"
        "}\n\n", w->name);
    export_codef(w,
        "int $_step($_state *s, const float *obs, float u, float *probs, float *value) {\n"
        "    float x[%s_OBS_DIM], logits[%s_N_ACTIONS], p[%s_N_ACTIONS], v;\n"
        "    int a, j;\n"
        "    $_input(obs, x);\n"
        "    $_network(s->recurrent, s->start != 0, s->prev_action, x, logits, &v);\n"
        "    a = $_output(logits, u, p);\n"
        "    if (probs)\n"
        "        for (j = 0; j < %s_N_ACTIONS; j++) probs[j] = p[j];\n"
        "    if (value) *value = v;\n"
        "    s->prev_action = a;\n"
        "    s->start = 0;\n"
        "    return a;\n"
        "}\n", up, up, up, up);
}

/* ---- recording the selftest's episodes ---- */

typedef struct Recording {
    int steps, episodes, cap, O, A;
    float *obs;      /* [steps, O] */
    uint8_t *start;  /* [steps] */
    float *u;        /* [steps]: -1 for argmax, else the uniform that picked the action */
    int32_t *action; /* [steps] */
    float *probs;    /* [steps, A] */
    float *value;    /* [steps] */
} Recording;

static void recording_free(Recording *r) {
    free(r->obs);
    free(r->start);
    free(r->u);
    free(r->action);
    free(r->probs);
    free(r->value);
}

/* Plays EXPORT_EPISODES episodes of env_cfg with p through policy_step, as ppo eval plays with
 * --num-envs 1 (one env seeded (EXPORT_SEED, 0), reset between episodes), recording each step's
 * inputs and ppo's outputs, with the plain-loop products unless blas. Odd episodes sample: u
 * from (EXPORT_SEED, 1), the action by categorical_pick over ppo's double log-softmax. */
static int record(const Policy *p, const EnvConfig *env_cfg, bool blas, Recording *r, Err *err) {
    memset(r, 0, sizeof *r);
    const int O = p->obs_dim, A = p->n_actions;
    long cap = EXPORT_OBS_FLOATS / ((long)EXPORT_EPISODES * O);
    r->cap = (int)(cap < EXPORT_MIN_STEPS ? EXPORT_MIN_STEPS : cap);
    size_t max = (size_t)r->cap * EXPORT_EPISODES;
    r->O = O;
    r->A = A;
    r->obs = malloc(max * O * sizeof *r->obs);
    r->start = malloc(max);
    r->u = malloc(max * sizeof *r->u);
    r->action = malloc(max * sizeof *r->action);
    r->probs = malloc(max * A * sizeof *r->probs);
    r->value = malloc(max * sizeof *r->value);
    real *state = calloc(p->state_size + 1, sizeof *state);
    real *logits = malloc((size_t)A * sizeof *logits);
    double *logp = malloc((size_t)A * sizeof *logp);
    float *obs = malloc((size_t)O * sizeof *obs);
    PolicyWork *work = policy_work_create(p, 1, 1);
    Env *env = NULL;
    int rc = 0;
    if (!r->obs || !r->start || !r->u || !r->action || !r->probs || !r->value || !state || !logits ||
        !logp || !obs || !work) {
        rc = err_set(err, "export: out of memory for the selftest's episodes");
        goto done;
    }
    policy_work_set_naive(work, !blas);
    if (env_create(&env, env_cfg, err)) {
        rc = -1;
        goto done;
    }
    if (env->obs_dim != O || env->n_actions != A) {
        rc = err_set(err, "export: env %s does not fit the policy", env_cfg->name);
        goto done;
    }
    env_seed(env, EXPORT_SEED, 0);
    Rng urng;
    rng_seed(&urng, EXPORT_SEED, 1);
    for (int e = 0; e < EXPORT_EPISODES; e++) {
        env_reset(env, obs);
        uint8_t start = 1;
        int32_t prev = -1;
        for (int t = 0; t < r->cap; t++) {
            int n = r->steps++;
            memcpy(r->obs + (size_t)n * O, obs, (size_t)O * sizeof *obs);
            r->start[n] = start;
            real value;
            policy_step(p, work, 1, state, obs, &start, &prev, logits, &value);
            categorical_log_softmax(A, logits, logp);
            for (int j = 0; j < A; j++) r->probs[(size_t)n * A + j] = (float)exp(logp[j]);
            r->value[n] = value;
            int32_t a;
            if (e % 2 == 0) {
                r->u[n] = -1.0f;
                a = categorical_argmax(A, logits);
            } else {
                r->u[n] = rng_float(&urng);
                a = categorical_pick(A, logp, r->u[n]);
            }
            r->action[n] = a;
            float reward;
            bool term, trunc;
            env_step(env, a, obs, &reward, &term, &trunc);
            prev = a;
            start = 0;
            if (term || trunc) break;
        }
        r->episodes++;
    }
done:
    free(obs);
    env_destroy(env);
    policy_work_destroy(work);
    free(state);
    free(logits);
    free(logp);
    if (rc) recording_free(r);
    return rc;
}

/* ---- the three files ---- */

/* What NAME.h documents about the checkpoint. */
typedef struct Provenance {
    const char *path;
    const Checkpoint *ck;
    uint32_t file_crc, params_crc;
} Provenance;

static void write_header(ExportWriter *w, const ExportEmitter *em, const Provenance *pv,
                         const char *up) {
    FILE *f = w->f;
    const Policy *p = w->p;
    const Checkpoint *ck = pv->ck;
    char val[PATH_LEN + 8];
    fprintf(f, "/* %s.h: a policy trained by ppo, exported by `ppo export` as dependency-free C99 (%s.c:\n"
               " * float only, nothing but <math.h>, no allocation, no mutable global state).\n *\n", w->name, w->name);
    fprintf(f, " * Network: ");
    em->describe(f, p);
    fprintf(f, "\n *   %zu parameters (%zu bytes of weights); recurrent state %zu floats per episode.\n",
            p->n_params, p->n_params * sizeof(float), p->state_size);
    fprintf(f, " * Training run: env ");
    comment_text(f, ck->env_name);
    fprintf(f, " (%d observations, %d actions), global step %lld (update %lld, %.1f s of training);\n",
            ck->obs_dim, ck->n_actions, (long long)ck->global_step, (long long)ck->update, ck->train_seconds);
    if (isfinite(ck->mean_return))
        fprintf(f, " *   mean return %.2f over the last %d training episodes at save (best %.2f).\n",
                ck->mean_return, ck->recent.n, ck->best_return);
    else
        fprintf(f, " *   no training episode had finished at save.\n");
    fprintf(f, " *   Checkpoint ");
    comment_text(f, pv->path);
    fprintf(f, ":\n *   file CRC-32 %08lx, parameters CRC-32 %08lx (as `ppo info` prints).\n",
            (unsigned long)pv->file_crc, (unsigned long)pv->params_crc);
    fprintf(f, " *   Config:\n");
    yaml_section(f, ck->config_yaml, "env");
    for (int i = 0; em->keys[i]; i++) {
        yaml_value(ck->config_yaml, "policy", em->keys[i], val, sizeof val);
        fprintf(f, " *     policy.%s: ", em->keys[i]);
        comment_text(f, val);
        fputc('\n', f);
    }
    yaml_value(ck->config_yaml, "ppo", "gamma", val, sizeof val);
    fprintf(f, " *     ppo.gamma: ");
    comment_text(f, val);
    fprintf(f, " (the discount of the value estimate)\n");
    yaml_value(ck->config_yaml, "run", "seed", val, sizeof val);
    fprintf(f, " *     run.seed: ");
    comment_text(f, val);
    fprintf(f, "\n *\n");
    export_codef(w,
        " * Use: compile $.c with your program (C99 or later; link -lm):\n"
        " *\n"
        " *   #include \"$.h\"\n"
        " *\n"
        " *   $_state s;                        one per episode played at a time\n"
        " *   float probs[%s_N_ACTIONS], value;\n"
        " *   $_reset(&s);                      at the start of every episode\n"
        " *   while (the episode goes on) {\n"
        " *       int action = $_step(&s, obs, -1.0f, probs, &value);   -1: the most probable action\n"
        " *       ... act, and read the next observation into obs ...\n"
        " *   }\n"
        " *\n", up);
    fprintf(f,
        " * %s_step(s, obs, u, probs, value) plays one step of the episode s holds. obs [%s_OBS_DIM] is\n"
        " * the observation as ppo's env writes it. It returns the action, 0 .. %s_N_ACTIONS - 1: with\n"
        " * u < 0 the most probable one (the first of equals), as `ppo eval` plays; with a uniform u in\n"
        " * [0, 1) of your generator, the one u picks by the inverse CDF (the first a with\n"
        " * u < probs[0] + ... + probs[a]), as ppo samples. It writes the action probabilities\n"
        " * probs [%s_N_ACTIONS] and the value estimate *value (the expected discounted return), each\n"
        " * unless NULL. It updates s: the recurrent state, prev_action (the action fed back at the\n"
        " * next step when the policy takes it: set s.prev_action when another action was taken) and\n"
        " * start. %s_reset(s) begins a new episode: its first step wipes the recurrent state.\n"
        " * No allocation and no global state: states are independent, so episodes may run side by\n"
        " * side, on any threads.\n"
        " *\n"
        " * Numerics: %s.c computes ppo's step in ppo's order of operations, in float (its own exp,\n"
        " * sums of 8 partial sums, products summed in order). Compiled without fusing a * b + c into\n"
        " * one FMA (GCC in ISO C modes such as -std=c99; clang for x86-64 without -march flags) its\n"
        " * values and logits are bit for bit those of ppo's plain-loop reference, which\n"
        " * %s_selftest.c replays; with FMAs or -ffast-math they round differently, by about 1e-7\n"
        " * relative, as ppo's own BLAS products do. */\n",
        w->name, up, up, up, w->name, w->name, w->name);
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", up, up);
    fprintf(f, "#define %s_OBS_DIM %d    /* floats of an observation */\n", up, p->obs_dim);
    fprintf(f, "#define %s_N_ACTIONS %d  /* discrete actions 0 .. %d */\n", up, p->n_actions, p->n_actions - 1);
    fprintf(f, "#define %s_STATE_SIZE %zu /* floats of recurrent state */\n\n", up, p->state_size);
    char size[EXPORT_NAME_LEN + 16];
    snprintf(size, sizeof size, p->state_size > 0 ? "%s_STATE_SIZE" : "1", up);
    export_codef(w,
        "/* One episode's state: set by $_reset, carried by $_step. */\n"
        "typedef struct $_state {\n"
        "    float recurrent[%s]; /* %s */\n"
        "    int prev_action; /* the action of the last step, -1 for none */\n"
        "    int start;       /* 1: the next step starts an episode */\n"
        "} $_state;\n\n"
        "/* Begins an episode: its first step wipes the recurrent state. */\n"
        "void $_reset($_state *s);\n\n"
        "/* One step (see above): returns the action; probs [%s_N_ACTIONS] and *value unless NULL. */\n"
        "int $_step($_state *s, const float *obs, float u, float *probs, float *value);\n\n",
        size, p->state_size > 0 ? "the network's memory, in ppo's layout (see the network above)"
                                : "unused: this policy has no memory", up);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

static int write_source(ExportWriter *w, const ExportEmitter *em, const char *up, Err *err) {
    export_codef(w,
        "/* $.c: the policy of $.h (written by `ppo export`; see $.h). C99, float only; nothing but\n"
        " * <math.h>; no allocation; the weights are static const, the only other state is the\n"
        " * caller's $_state. */\n"
        "#include <math.h>\n\n"
        "#include \"$.h\"\n\n");
    write_helpers(w, em->uses(w->p));
    if (em->emit(w, err)) return -1;
    fputc('\n', w->f);
    write_api(w, up);
    return 0;
}

static void write_selftest(ExportWriter *w, const Recording *r, const char *env_name, bool blas) {
    FILE *f = w->f;
    export_codef(w,
        "/* $_selftest.c: checks a build of $.c against what ppo computed (written by `ppo export`).\n"
        " *\n"
        " * It replays %d steps of %d episodes of ", r->steps, r->episodes);
    comment_text(f, env_name);
    export_codef(w,
        " that ppo played with this policy through its own\n"
        " * policy_step (env seed %d; even episodes take the argmax, odd ones the action the uniform u\n"
        " * of the step picks; episodes cut after %d steps): the same observations, episode starts\n"
        " * and uniforms go into $_step, and every step's action, probabilities and value are\n"
        " * compared with ppo's (computed with %s). It prints the largest relative difference,\n"
        " * |x - ppo| / max(|ppo|, %g), and exits 1 when it is above %g or an action differs, else 0.\n"
        " *\n"
        " *   cc -std=c99 -O2 $.c $_selftest.c -lm -o $_selftest && ./$_selftest\n"
        " */\n"
        "#include <math.h>\n"
        "#include <stdio.h>\n\n"
        "#include \"$.h\"\n\n"
        "#define STEPS %d\n"
        "#define FLOOR %#g\n"
        "#define LIMIT %#g\n\n",
        EXPORT_SEED, r->cap, blas ? "BLAS products, as ppo eval" : "plain-loop products, the order of $.c",
        EXPORT_REL_FLOOR, EXPORT_SELFTEST_LIMIT, r->steps, EXPORT_REL_FLOOR, EXPORT_SELFTEST_LIMIT);
    const int O = r->O, A = r->A;
    fprintf(f, "/* 1 where a step starts an episode */\nstatic const unsigned char start[STEPS] = {\n");
    for (int i = 0; i < r->steps; i++)
        fprintf(f, "%s%d%s%s", i % 32 == 0 ? "    " : "", r->start[i], i + 1 < r->steps ? "," : "",
                (i + 1) % 32 == 0 || i + 1 == r->steps ? "\n" : "");
    fprintf(f, "};\n\n/* the uniform of each step, -1 for the argmax */\nstatic const float u[STEPS] = {\n");
    write_floats(f, r->u, (size_t)r->steps, 8);
    fprintf(f, "};\n\n/* the observations [STEPS][%d] */\nstatic const float obs[STEPS * %d] = {\n", O, O);
    write_floats(f, r->obs, (size_t)r->steps * O, O < 8 ? O : 8);
    fprintf(f, "};\n\n/* ppo's actions */\nstatic const int action[STEPS] = {\n");
    for (int i = 0; i < r->steps; i++)
        fprintf(f, "%s%d%s%s", i % 32 == 0 ? "    " : "", r->action[i], i + 1 < r->steps ? "," : "",
                (i + 1) % 32 == 0 || i + 1 == r->steps ? "\n" : " ");
    fprintf(f, "};\n\n/* ppo's probabilities [STEPS][%d] */\nstatic const float probs[STEPS * %d] = {\n", A, A);
    write_floats(f, r->probs, (size_t)r->steps * A, A < 8 ? A : 8);
    fprintf(f, "};\n\n/* ppo's values */\nstatic const float value[STEPS] = {\n");
    write_floats(f, r->value, (size_t)r->steps, 8);
    fprintf(f, "};\n\n");
    char up[EXPORT_NAME_LEN];
    for (size_t i = 0; i <= strlen(w->name); i++) up[i] = (char)toupper((unsigned char)w->name[i]);
    export_codef(w,
        "/* |got - want| / max(|want|, FLOOR); infinite for a NaN */\n"
        "static double rel(float got, float want) {\n"
        "    double d = fabs((double)got - (double)want), m = fabs((double)want);\n"
        "    return d == d ? d / (m > FLOOR ? m : FLOOR) : HUGE_VAL;\n"
        "}\n\n"
        "int main(void) {\n"
        "    $_state s;\n"
        "    float p[%s_N_ACTIONS], v;\n"
        "    double worst_p = 0, worst_v = 0;\n"
        "    long at_p = 0, at_v = 0, same = 0, first_other = -1, t;\n"
        "    int a, j, episodes = 0;\n"
        "    for (t = 0; t < STEPS; t++) {\n"
        "        double d;\n"
        "        if (start[t]) {\n"
        "            $_reset(&s);\n"
        "            episodes++;\n"
        "        } else {\n"
        "            s.prev_action = action[t - 1]; /* the action ppo took (the same when they agree) */\n"
        "        }\n"
        "        a = $_step(&s, obs + t * %s_OBS_DIM, u[t], p, &v);\n"
        "        if (a == action[t]) same++;\n"
        "        else if (first_other < 0) first_other = t;\n"
        "        for (j = 0; j < %s_N_ACTIONS; j++) {\n"
        "            d = rel(p[j], probs[t * %s_N_ACTIONS + j]);\n"
        "            if (d > worst_p) {\n"
        "                worst_p = d;\n"
        "                at_p = t;\n"
        "            }\n"
        "        }\n"
        "        d = rel(v, value[t]);\n"
        "        if (d > worst_v) {\n"
        "            worst_v = d;\n"
        "            at_v = t;\n"
        "        }\n"
        "    }\n"
        "    printf(\"$ selftest: %%ld steps of %%d episodes; actions: %%ld of %%ld as ppo's\", (long)STEPS, episodes, same, (long)STEPS);\n"
        "    if (first_other >= 0) printf(\" (the first other at step %%ld)\", first_other);\n"
        "    printf(\"; largest relative difference %%.3g (probabilities %%.3g at step %%ld, values %%.3g at step %%ld; |x - ppo| / max(|ppo|, %%g)): %%s (limit %%g)\\n\",\n"
        "           worst_p > worst_v ? worst_p : worst_v, worst_p, at_p, worst_v, at_v, FLOOR,\n"
        "           same == STEPS && worst_p <= LIMIT && worst_v <= LIMIT ? \"ok\" : \"FAILED\", LIMIT);\n"
        "    return same == STEPS && worst_p <= LIMIT && worst_v <= LIMIT ? 0 : 1;\n"
        "}\n", up, up, up, up);
}

/* What write_file needs to write one of the three files. */
typedef struct GenArgs {
    ExportWriter *w;
    const ExportEmitter *em;
    const Provenance *pv;
    const Recording *rec;
    const char *up;
    bool blas;
    int which; /* 0 header, 1 source, 2 selftest */
} GenArgs;

/* Writes file g->which (0 NAME.h, 1 NAME.c, 2 NAME_selftest.c) into memory, then to path
 * atomically. */
static int write_file(const char *path, GenArgs *g, Err *err) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return err_set(err, "export: out of memory");
    g->w->f = f;
    int rc = 0;
    if (g->which == 0) write_header(g->w, g->em, g->pv, g->up);
    else if (g->which == 1) rc = write_source(g->w, g->em, g->up, err);
    else write_selftest(g->w, g->rec, g->pv->ck->env_name, g->blas);
    if ((fclose(f) != 0 || g->w->failed) && rc == 0) rc = err_set(err, "export: out of memory writing %s", path);
    if (rc == 0) rc = file_write_atomic(path, text, len, err);
    free(text);
    return rc;
}

/* The files' paths into res, refused when one exists; the folder made and checked writable. */
static int prepare_dir(const ExportOptions *o, ExportResult *res, Err *err) {
    if (file_path(res->header, err, "%s/%s.h", o->dir, res->name) ||
        file_path(res->source, err, "%s/%s.c", o->dir, res->name) ||
        file_path(res->selftest, err, "%s/%s_selftest.c", o->dir, res->name))
        return err_as_input(err);
    const char *paths[] = {res->header, res->source, res->selftest};
    struct stat st;
    if (stat(o->dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return err_input(err, "-o %s: exists and is not a folder", o->dir);
    for (int i = 0; i < 3; i++)
        if (lstat(paths[i], &st) == 0)
            return err_input(err, "%s exists; ppo export does not overwrite files (remove it, or choose "
                             "another -o DIR or --name)", paths[i]);
    if (file_mkdirs(o->dir, err)) {
        err_prefix(err, "-o %s", o->dir);
        return err_as_input(err);
    }
    for (int i = 0; i < 3; i++)
        if (file_check_writable(paths[i], "-o", err)) return -1;
    return 0;
}

int export_checkpoint(const char *path, const ExportOptions *o, ExportResult *res, Err *err) {
    memset(res, 0, sizeof *res);
    if (o->name && export_name_check(o->name, err)) return -1;
    uint8_t *bytes = NULL;
    size_t len = 0;
    Checkpoint ck;
    memset(&ck, 0, sizeof ck);
    if (checkpoint_read_file(path, &bytes, &len, err)) return -1;
    int rc = checkpoint_parse(&ck, bytes, len, path, err);
    uint32_t file_crc = 0;
    if (rc == 0)
        file_crc = (uint32_t)bytes[len - 4] | (uint32_t)bytes[len - 3] << 8 |
                   (uint32_t)bytes[len - 2] << 16 | (uint32_t)bytes[len - 1] << 24;
    free(bytes);
    if (rc) return -1;
    TrainConfig cfg;
    Policy *p = NULL;
    Recording rec;
    memset(&rec, 0, sizeof rec);
    const ExportEmitter *em = NULL;
    if (policy_from_checkpoint(&ck, path, NULL, NULL, NULL, &cfg, &p, err)) {
        rc = -1;
        goto done;
    }
    if (p->gaussian || ck.has_norm) {
        rc = err_input(err, "%s: ppo export writes policies of discrete actions on raw observations; this one %s",
                       path, p->gaussian ? "has continuous actions (a Gaussian head)" : "normalizes its observations");
        goto done;
    }
    for (int i = 0; i < N_EXPORT_EMITTERS; i++)
        if (strcmp(EXPORT_EMITTERS[i]->kind, p->cfg.kind) == 0) em = EXPORT_EMITTERS[i];
    if (!em) {
        char kinds[128] = "";
        for (int i = 0; i < N_EXPORT_EMITTERS; i++)
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s", i ? ", " : "",
                     EXPORT_EMITTERS[i]->kind);
        rc = err_input(err, "%s: ppo export has no C emitter for policy kind '%s' (it exports %s)", path,
                       p->cfg.kind, kinds);
        goto done;
    }
    if (p->cfg.conv > 0) {
        rc = err_input(err, "%s: ppo export has no C emitter for policy.conv (GLA's short convolution, here %d); "
                       "it exports GLA policies with policy.conv 0", path, p->cfg.conv);
        goto done;
    }
    if (p->cfg.cell_embed > 0) {
        rc = err_input(err, "%s: ppo export has no C emitter for policy.cell_embed (the gridworld's cell "
                       "encoder, here %d); it exports policies with policy.cell_embed 0", path,
                       p->cfg.cell_embed);
        goto done;
    }
    for (size_t i = 0; i < p->n_params; i++)
        if (!isfinite(p->params[i])) {
            rc = err_input(err, "%s: parameter %zu is not finite; export a checkpoint with finite values", path, i);
            goto done;
        }
    if (o->name) snprintf(res->name, sizeof res->name, "%s", o->name);
    else export_default_name(ck.env_name, res->name, sizeof res->name);
    if ((rc = export_name_check(res->name, err))) goto done;
    if ((rc = prepare_dir(o, res, err))) goto done;
    if ((rc = record(p, &cfg.env, o->blas, &rec, err))) goto done;
    char up[EXPORT_NAME_LEN];
    for (size_t i = 0; i <= strlen(res->name); i++) up[i] = (char)toupper((unsigned char)res->name[i]);
    Provenance pv = {path, &ck, file_crc, checkpoint_params_crc(&ck, NULL)};
    ExportWriter w = {NULL, res->name, p, false};
    GenArgs g = {&w, em, &pv, &rec, up, o->blas, 0};
    const char *paths[] = {res->header, res->source, res->selftest};
    for (int i = 0; i < 3 && rc == 0; i++) {
        g.which = i;
        rc = write_file(paths[i], &g, err);
    }
    snprintf(res->kind, sizeof res->kind, "%s", p->cfg.kind);
    res->obs_dim = p->obs_dim;
    res->n_actions = p->n_actions;
    res->n_params = p->n_params;
    res->state_size = p->state_size;
    res->steps = rec.steps;
    res->episodes = rec.episodes;
done:
    recording_free(&rec);
    policy_destroy(p);
    checkpoint_free(&ck);
    return rc;
}
