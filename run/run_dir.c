/* run_dir.c: the run folder (see run_dir.h). */
#include "run/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"

#define MAX_PERIODIC 4096 /* periodic checkpoints looked at by one prune */

/* The default run name: ENV__CONFIGSTEM__sSEED, '/' in the env name made '-'. */
static void default_run_name(const TrainConfig *cfg, const char *config_path, char *out, size_t cap) {
    char env[ENV_NAME_LEN], stem[256];
    snprintf(env, sizeof env, "%s", cfg->env.name);
    for (char *c = env; *c; c++)
        if (*c == '/') *c = '-';
    const char *base = config_path ? strrchr(config_path, '/') : NULL;
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : config_path ? config_path : "config");
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    snprintf(out, cap, "%s__%s__s%ld", env, stem, cfg->run.seed);
}

int run_dir_create(TrainConfig *cfg, const char *config_path, char *dir, Err *err) {
    RunConfig *run = &cfg->run;
    if (file_mkdirs(run->runs_dir, err)) return err_as_input(err); /* run.runs_dir is unusable */
    const bool given = run->run_name[0] != '\0';
    char base[CONFIG_NAME_LEN];
    if (given)
        snprintf(base, sizeof base, "%s", run->run_name);
    else
        default_run_name(cfg, config_path, base, sizeof base);
    for (int k = 1; k < 10000; k++) {
        char name[CONFIG_NAME_LEN + 16];
        if (k == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%.*s-%d", CONFIG_NAME_LEN - 8, base, k);
        if (file_path(dir, err, "%s/%s", run->runs_dir, name)) return -1;
        if (mkdir(dir, 0755) == 0) {
            snprintf(run->run_name, sizeof run->run_name, "%s", name);
            return 0;
        }
        if (errno != EEXIST) return err_set(err, "%s: cannot create the run folder: %s", dir, strerror(errno));
        if (given)
            return err_input(err, "%s: the run folder already exists; choose another --run-name, or "
                             "continue it with 'ppo resume %s'", dir, dir);
    }
    return err_set(err, "%s/%s: too many runs with this name", run->runs_dir, base);
}

int run_dir_of_checkpoint(const char *ckpt, char *dir) {
    char parent[PATH_LEN];
    snprintf(parent, sizeof parent, "%s", ckpt);
    char *slash = strrchr(parent, '/');
    if (!slash) return -1;
    *slash = '\0';
    size_t n = strlen(parent);
    if (n < 11 || strcmp(parent + n - 11, "checkpoints") != 0 || (n > 11 && parent[n - 12] != '/')) return -1;
    if (n == 11)
        snprintf(dir, PATH_LEN, ".");
    else
        snprintf(dir, PATH_LEN, "%.*s", (int)(n - 12), parent);
    return 0;
}

void run_dir_name_config(TrainConfig *cfg, const char *dir) {
    const char *base = strrchr(dir, '/');
    snprintf(cfg->run.run_name, sizeof cfg->run.run_name, "%s", base ? base + 1 : dir);
    if (base)
        snprintf(cfg->run.runs_dir, sizeof cfg->run.runs_dir, "%.*s", (int)(base - dir), dir);
    else
        snprintf(cfg->run.runs_dir, sizeof cfg->run.runs_dir, ".");
}

int run_dir_write_config(const char *dir, const char *yaml, size_t len, Err *err) {
    char path[PATH_LEN];
    if (file_path(path, err, "%s/checkpoints", dir) || file_mkdirs(path, err)) return -1;
    if (file_path(path, err, "%s/config.yaml", dir)) return -1;
    return file_write_atomic(path, yaml, len, err);
}

void run_dir_remove(const char *dir) {
    const char *files[] = {"config.yaml", "progress.csv", "curve.png"};
    char path[PATH_LEN];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (file_path(path, NULL, "%s/%s", dir, files[i]) == 0) unlink(path);
    if (file_path(path, NULL, "%s/checkpoints", dir) == 0) rmdir(path);
    rmdir(dir);
}

int run_dir_checkpoint(const char *dir, const char *name, char *path, Err *err) {
    return file_path(path, err, "%s/checkpoints/%s", dir, name);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void run_dir_prune_checkpoints(const char *dir, int keep) {
    char ckpts[PATH_LEN];
    if (file_path(ckpts, NULL, "%s/checkpoints", dir)) return;
    DIR *d = opendir(ckpts);
    if (!d) return;
    char *names[MAX_PERIODIC];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_PERIODIC)
        if (strncmp(e->d_name, "update_", 7) == 0 && strstr(e->d_name, ".ckpt") && !strstr(e->d_name, ".tmp"))
            if ((names[n] = strdup(e->d_name))) n++;
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        char path[PATH_LEN];
        if (i < n - keep && file_path(path, NULL, "%s/%s", ckpts, names[i]) == 0) unlink(path);
        free(names[i]);
    }
}
