/* tensorboard.c: TensorBoard event files (see tensorboard.h). */
#include "run/tensorboard.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <math.h>
#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <tensorboard/compat/proto/event.pb-c.h>
#include <tensorboard/compat/proto/summary.pb-c.h>
#include <tensorboard/compat/proto/tensor.pb-c.h>

#define MASK_DELTA 0xa282ead8u /* tensorflow/core/lib/hash/crc32c.h, kMaskDelta */
#define HEADER_BYTES 12        /* uint64 length + uint32 masked CRC of it */
#define FOOTER_BYTES 4         /* uint32 masked CRC of the data */
#define MAX_NAME_TRIES 1000    /* .2 .. .999 after a taken name */

/* progress.csv's columns (PROGRESS_HEADER's order) and their tags: CleanRL's ppo.py names
 * (charts/episodic_return, ..., charts/SPS) where it logs the figure, else a name beside
 * them. The figures are progress.csv's: episodic_return and episodic_length are the means of
 * the last 100 episodes (CleanRL logs each episode), SPS this update's (CleanRL's is since
 * the start). */
static const struct {
    const char *column, *tag;
} TAGS[PROGRESS_COLUMNS] = {
    {"update", "charts/update"},
    {"global_step", NULL},
    {"seconds", "charts/seconds"},
    {"sps", "charts/SPS"},
    {"episodes", "charts/episodes"},
    {"return_mean", "charts/episodic_return"},
    {"return_min", "charts/episodic_return_min"},
    {"return_max", "charts/episodic_return_max"},
    {"length_mean", "charts/episodic_length"},
    {"policy_loss", "losses/policy_loss"},
    {"value_loss", "losses/value_loss"},
    {"entropy", "losses/entropy"},
    {"approx_kl", "losses/approx_kl"},
    {"clipfrac", "losses/clipfrac"},
    {"explained_variance", "losses/explained_variance"},
    {"learning_rate", "charts/learning_rate"},
    {"grad_norm", "losses/grad_norm"},
    {"collapse", "charts/collapse"},
    {"eval_return", "charts/eval_return"},
    {"eval_return_std", "charts/eval_return_std"},
    {"eval_length", "charts/eval_length"},
};

uint32_t tensorboard_crc32c(const void *data, size_t len) {
    /* ISA-L's crc32_iscsi neither inverts the initial value nor the result (checked against
     * the check value in tests/test_tensorboard.c); it takes an int length. */
    uint32_t crc = 0xffffffffu;
    const unsigned char *p = data;
    while (len > 0) {
        int n = len > (1u << 30) ? 1 << 30 : (int)len;
        crc = crc32_iscsi((unsigned char *)p, n, crc);
        p += n;
        len -= (size_t)n;
    }
    return crc ^ 0xffffffffu;
}

uint32_t tensorboard_mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + MASK_DELTA; }

const char *tensorboard_tag(int i, const char **column) {
    if (column) *column = i >= 0 && i < PROGRESS_COLUMNS ? TAGS[i].column : NULL;
    return i >= 0 && i < PROGRESS_COLUMNS ? TAGS[i].tag : NULL;
}

double tensorboard_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void put_le32(uint8_t *b, uint32_t v) {
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
}

/* Encodes ev as one record and appends it with one write(2); a failed write is cut back to the
 * file's size before it. */
static int write_event(TensorBoard *tb, const Tensorboard__Event *ev, Err *err) {
    if (tb->fd < 0) return err_set(err, "%s: the event file is not open", tb->path);
    const size_t len = protobuf_c_message_get_packed_size(&ev->base);
    uint8_t *rec = malloc(HEADER_BYTES + len + FOOTER_BYTES);
    if (!rec) return err_set(err, "%s: out of memory for an event of %zu bytes", tb->path, len);
    for (int i = 0; i < 8; i++) rec[i] = (uint8_t)((uint64_t)len >> (8 * i));
    put_le32(rec + 8, tensorboard_mask_crc(tensorboard_crc32c(rec, 8)));
    protobuf_c_message_pack(&ev->base, rec + HEADER_BYTES);
    put_le32(rec + HEADER_BYTES + len, tensorboard_mask_crc(tensorboard_crc32c(rec + HEADER_BYTES, len)));
    const size_t total = HEADER_BYTES + len + FOOTER_BYTES;
    struct stat before;
    const bool sized = fstat(tb->fd, &before) == 0;
    size_t done = 0;
    int e = 0;
    while (done < total && !e) {
        ssize_t w = write(tb->fd, rec + done, total - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) e = w < 0 ? errno : EIO; /* a short write sets no errno: the next one tells */
        else done += (size_t)w;
    }
    free(rec);
    if (!e) {
        tb->records++;
        return 0;
    }
    int cut = sized ? ftruncate(tb->fd, before.st_size) : -1; /* keep whole records only */
    return err_set(err, "%s: write failed: %s%s", tb->path, strerror(e),
                   cut ? " (the last record may be torn)" : "");
}

int tensorboard_open(TensorBoard *tb, const char *dir, double wall_time, Err *err) {
    tb->fd = -1;
    tb->records = 0;
    char host[256];
    if (gethostname(host, sizeof host) != 0 || !host[0]) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (*c == '/') *c = '_';
    for (int k = 1; k < MAX_NAME_TRIES && tb->fd < 0; k++) {
        char suffix[16] = "";
        if (k > 1) snprintf(suffix, sizeof suffix, ".%d", k);
        if (file_path(tb->path, err, "%s/events.out.tfevents.%.0f.%s%s", dir, floor(wall_time), host, suffix))
            return -1;
        tb->fd = open(tb->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        if (tb->fd < 0 && errno != EEXIST) return err_set(err, "%s: cannot make: %s", tb->path, strerror(errno));
    }
    if (tb->fd < 0) return err_set(err, "%s: %d event files of this name exist", tb->path, MAX_NAME_TRIES - 1);
    Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
    ev.wall_time = wall_time;
    ev.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION;
    ev.file_version = (char *)TENSORBOARD_FILE_VERSION;
    return write_event(tb, &ev, err);
}

int tensorboard_text(TensorBoard *tb, const char *tag, const char *text, long step,
                     double wall_time, Err *err) {
    Tensorboard__SummaryMetadata__PluginData plugin = TENSORBOARD__SUMMARY_METADATA__PLUGIN_DATA__INIT;
    plugin.plugin_name = (char *)"text"; /* content: TextPluginData version 0, which packs to no bytes */
    Tensorboard__SummaryMetadata meta = TENSORBOARD__SUMMARY_METADATA__INIT;
    meta.plugin_data = &plugin;
    Tensorboard__TensorShapeProto shape = TENSORBOARD__TENSOR_SHAPE_PROTO__INIT; /* rank 0 */
    ProtobufCBinaryData str = {strlen(text), (uint8_t *)text};
    Tensorboard__TensorProto tensor = TENSORBOARD__TENSOR_PROTO__INIT;
    tensor.dtype = TENSORBOARD__DATA_TYPE__DT_STRING;
    tensor.tensor_shape = &shape;
    tensor.n_string_val = 1;
    tensor.string_val = &str;
    Tensorboard__Summary__Value value = TENSORBOARD__SUMMARY__VALUE__INIT;
    value.tag = (char *)tag;
    value.metadata = &meta;
    value.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_TENSOR;
    value.tensor = &tensor;
    Tensorboard__Summary__Value *values[1] = {&value};
    Tensorboard__Summary summary = TENSORBOARD__SUMMARY__INIT;
    summary.n_value = 1;
    summary.value = values;
    Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
    ev.wall_time = wall_time;
    ev.step = step;
    ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
    ev.summary = &summary;
    return write_event(tb, &ev, err);
}

int tensorboard_row(TensorBoard *tb, const ProgressRow *row, double wall_time, Err *err) {
    double v[PROGRESS_COLUMNS];
    progress_row_values(row, v);
    Tensorboard__Summary__Value values[PROGRESS_COLUMNS], *ptrs[PROGRESS_COLUMNS];
    size_t n = 0;
    for (int i = 0; i < PROGRESS_COLUMNS; i++) {
        if (!TAGS[i].tag || !isfinite(v[i])) continue;
        values[n] = (Tensorboard__Summary__Value)TENSORBOARD__SUMMARY__VALUE__INIT;
        values[n].tag = (char *)TAGS[i].tag;
        values[n].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
        values[n].simple_value = (float)v[i];
        ptrs[n] = &values[n];
        n++;
    }
    Tensorboard__Summary summary = TENSORBOARD__SUMMARY__INIT;
    summary.n_value = n;
    summary.value = ptrs;
    Tensorboard__Event ev = TENSORBOARD__EVENT__INIT;
    ev.wall_time = wall_time;
    ev.step = row->global_step;
    ev.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY;
    ev.summary = &summary;
    return write_event(tb, &ev, err);
}

void tensorboard_close(TensorBoard *tb) {
    if (tb->fd < 0) return;
    fsync(tb->fd);
    close(tb->fd);
    tb->fd = -1;
}

/* The resolved config as Markdown: a YAML code block. */
static int config_text(TensorBoard *tb, const char *config_yaml, long step, Err *err) {
    const size_t len = strlen(config_yaml);
    char *md = malloc(len + 32);
    if (!md) return err_set(err, "out of memory");
    snprintf(md, len + 32, "```yaml\n%s%s```\n", config_yaml, len && config_yaml[len - 1] != '\n' ? "\n" : "");
    int rc = tensorboard_text(tb, TENSORBOARD_CONFIG_TAG, md, step, tensorboard_now(), err);
    free(md);
    return rc;
}

void tensorboard_log_row(TensorBoard *tb, const char *dir, const char *config_yaml,
                         const ProgressRow *row, FILE *warn) {
    if (tb->warned) return;
    Err err;
    int rc = 0;
    if (tb->fd < 0)
        rc = tensorboard_open(tb, dir, tensorboard_now(), &err) ||
             config_text(tb, config_yaml, row->global_step, &err);
    if (!rc) rc = tensorboard_row(tb, row, tensorboard_now(), &err);
    if (!rc) return;
    tb->warned = true;
    tensorboard_close(tb);
    fprintf(warn, "warning: TensorBoard log: %s; the log stops here and training goes on "
            "(progress.csv has every update)\n", err.msg);
    fflush(warn);
}
