/* run_dir.c: the run folder (see run_dir.h). */
#include "run/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/file.h"
#include "run/checkpoint.h"

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

int run_dir_create_unique(const char *runs_dir, const char *base, char *dir, char *name,
                          size_t name_cap, Err *err) {
    for (int k = 1; k < 10000; k++) {
        if (k == 1)
            snprintf(name, name_cap, "%s", base);
        else
            snprintf(name, name_cap, "%.*s-%d", (int)name_cap - 8, base, k);
        if (file_path(dir, err, "%s/%s", runs_dir, name)) return -1;
        if (mkdir(dir, 0755) == 0) return 0;
        if (errno != EEXIST) return err_set(err, "%s: cannot create the run folder: %s", dir, strerror(errno));
    }
    return err_set(err, "%s/%s: too many runs with this name", runs_dir, base);
}

int run_dir_create(TrainConfig *cfg, const char *config_path, char *dir, Err *err) {
    RunConfig *run = &cfg->run;
    if (file_mkdirs(run->runs_dir, err)) return err_as_input(err); /* run.runs_dir is unusable */
    if (run->run_name[0] == '\0') {
        char base[CONFIG_NAME_LEN];
        default_run_name(cfg, config_path, base, sizeof base);
        return run_dir_create_unique(run->runs_dir, base, dir, run->run_name, sizeof run->run_name, err);
    }
    if (file_path(dir, err, "%s/%s", run->runs_dir, run->run_name)) return -1;
    if (mkdir(dir, 0755) == 0) return 0;
    if (errno != EEXIST) return err_set(err, "%s: cannot create the run folder: %s", dir, strerror(errno));
    return err_input(err, "%s: the run folder already exists; choose another --run-name, or continue "
                     "it with 'ppo resume %s'", dir, dir);
}

/* The PID holding a flock on the file of (dev, ino), from /proc/locks; -1 when not found. */
static long lock_holder(dev_t dev, ino_t ino) {
    FILE *f = fopen("/proc/locks", "r");
    if (!f) return -1;
    char line[256], want[64];
    snprintf(want, sizeof want, "%02x:%02x:%lu ", major(dev), minor(dev), (unsigned long)ino);
    long pid = -1;
    while (pid < 0 && fgets(line, sizeof line, f)) {
        long p;
        char type[16], where[64];
        /* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
        if (strstr(line, "->") || sscanf(line, "%*s %15s %*s %*s %ld %63s", type, &p, where) != 3) continue;
        strcat(where, " ");
        if (strcmp(type, "FLOCK") == 0 && strcmp(where, want) == 0) pid = p;
    }
    fclose(f);
    return pid;
}

int run_dir_lock(const char *dir, int *fd, Err *err) {
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0) return err_input(err, "%s: cannot open the run folder: %s", dir, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0) return 0;
    int e = errno;
    struct stat st;
    long pid = e == EWOULDBLOCK && fstat(*fd, &st) == 0 ? lock_holder(st.st_dev, st.st_ino) : -1;
    close(*fd);
    *fd = -1;
    if (e != EWOULDBLOCK) return err_set(err, "%s: cannot lock the run folder: %s", dir, strerror(e));
    if (pid > 0)
        return err_input(err, "%s: the run folder is in use by process %ld (a ppo training in it); wait "
                         "for it to end, or stop it (kill %ld) and resume", dir, pid, pid);
    return err_input(err, "%s: the run folder is in use by another process (a ppo training in it); wait "
                     "for it to end", dir);
}

/* Whether name is NAME.tmp.PID with a PID that is not a running process. */
static bool stale_temp(const char *name) {
    const char *t = strstr(name, ".tmp.");
    if (!t || t == name) return false;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (end == t + 5 || *end || pid <= 0) return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int clean_folder(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char file[PATH_LEN];
        if (stale_temp(e->d_name) && file_path(file, NULL, "%s/%s", path, e->d_name) == 0 && unlink(file) == 0) n++;
    }
    closedir(d);
    return n;
}

int run_dir_clean_stale(const char *dir) {
    char ckpts[PATH_LEN];
    int n = clean_folder(dir);
    if (file_path(ckpts, NULL, "%s/checkpoints", dir) == 0) n += clean_folder(ckpts);
    if (file_path(ckpts, NULL, "%s/videos", dir) == 0) n += clean_folder(ckpts);
    return n;
}

long run_dir_newest_update(const char *dir) {
    char path[PATH_LEN];
    long newest = -1;
    Checkpoint ck;
    if (file_path(path, NULL, "%s/checkpoints/latest.ckpt", dir) == 0 && access(path, F_OK) == 0 &&
        checkpoint_read(&ck, path, NULL) == 0) {
        newest = ck.update;
        checkpoint_free(&ck);
    }
    if (newest >= 0 || file_path(path, NULL, "%s/checkpoints", dir)) return newest;
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        long u;
        char tail[8] = "";
        if (sscanf(e->d_name, "update_%ld%7s", &u, tail) == 2 && strcmp(tail, ".ckpt") == 0 && u > newest)
            newest = u;
    }
    closedir(d);
    return newest;
}

/* RUN_DIR of a path RUN_DIR/checkpoints/NAME into dir [PATH_LEN]; -1 for another path. */
static int run_dir_of_path(const char *ckpt, char *dir) {
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

int run_dir_of_checkpoint(const char *ckpt, char *dir) {
    char config[PATH_LEN];
    if (run_dir_of_path(ckpt, dir) != 0 || file_path(config, NULL, "%s/config.yaml", dir) ||
        access(config, F_OK) != 0)
        return -1;
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

int run_dir_file(const char *dir, const char *name, char *path, Err *err) {
    return file_path(path, err, "%s/%s", dir, name);
}

int run_dir_checkpoint(const char *dir, const char *name, char *path, Err *err) {
    return file_path(path, err, "%s/checkpoints/%s", dir, name);
}

int run_dir_video(const char *dir, long update, char *path, Err *err) {
    char videos[PATH_LEN];
    if (file_path(videos, err, "%s/videos", dir) || file_mkdirs(videos, err)) return -1;
    for (int k = 1;; k++) {
        char suffix[16] = "";
        if (k > 1) snprintf(suffix, sizeof suffix, "-%d", k);
        if (file_path(path, err, "%s/update_%06ld%s.gif", videos, update, suffix)) return -1;
        if (access(path, F_OK) != 0) return 0;
    }
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
