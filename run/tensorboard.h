/* tensorboard.h: a run's progress as a TensorBoard event file,
 * RUN_DIR/events.out.tfevents.<seconds since 1970>.<host>, for `tensorboard --logdir runs`.
 *
 * The file holds the same figures as progress.csv (progress.h), one Event per update at step =
 * global_step, each a Summary of simple_value scalars under CleanRL's tag names where CleanRL's
 * ppo.py logs the figure (tensorboard_tag lists them all), and the resolved config as text
 * (the text plugin's tensor summary: a DT_STRING tensor with plugin_data plugin_name "text").
 * A value progress.csv leaves empty (NaN) is not written. Every invocation of a run writes a
 * new file (a resumed run adds one; TensorBoard reads every file of the folder), never an
 * existing one.
 *
 * The format is TensorFlow's record file (tensorflow/core/lib/io/record_writer.cc): per record
 * the uint64 length, the uint32 masked CRC-32C of those 8 bytes, the data, the uint32 masked
 * CRC-32C of the data, all little-endian; the first record is the Event with file_version
 * "brain.Event:2". Events are encoded with protobuf-c from TensorBoard's own .proto files
 * (proto/, compiled at build time); CRC-32C comes from ISA-L. Only this file includes either.
 *
 * A record is one write(2) on the O_APPEND file; a write that fails is cut back, so the file
 * holds whole records only. In a training run the log is kept by tensorboard_log_*: its
 * failure is reported once and ends the log, never the run. */
#ifndef PPO_TENSORBOARD_H
#define PPO_TENSORBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/file.h"
#include "run/progress.h"

#define TENSORBOARD_FILE_VERSION "brain.Event:2"
#define TENSORBOARD_CONFIG_TAG "config" /* the tag of the resolved config's text */

typedef struct TensorBoard {
    int fd;              /* -1 when closed (or, in a run, given up after a failure) */
    char path[PATH_LEN]; /* the event file */
    long records;        /* written to it, file_version included */
    bool warned;         /* a failure was reported (tensorboard_log_*) */
} TensorBoard;

/* CRC-32C (Castagnoli, reflected, init and final xor 0xffffffff: the check value of
 * "123456789" is 0xe3069283) of data [len], by ISA-L's crc32_iscsi. */
uint32_t tensorboard_crc32c(const void *data, size_t len);

/* The record format's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8. */
uint32_t tensorboard_mask_crc(uint32_t crc);

/* The TensorBoard tag of progress.csv's column i (PROGRESS_HEADER's order), and its name into
 * *column; NULL for global_step, which is every Event's step. */
const char *tensorboard_tag(int i, const char **column);

/* Makes a new event file in dir, events.out.tfevents.<wall_time>.<host> (with .2, .3, ...
 * added when that name is taken), and writes its file_version record. Errors (naming the file):
 * it cannot be made or written. */
int tensorboard_open(TensorBoard *tb, const char *dir, double wall_time, Err *err);

/* Appends an Event at step holding text under tag, for TensorBoard's text plugin (Markdown).
 * Errors: the write fails (the file keeps whole records). */
int tensorboard_text(TensorBoard *tb, const char *tag, const char *text, long step,
                     double wall_time, Err *err);

/* Appends an Event at step = row->global_step with one scalar per finite column of the row but
 * global_step. Errors: the write fails (the file keeps whole records). */
int tensorboard_row(TensorBoard *tb, const ProgressRow *row, double wall_time, Err *err);

/* fsync and close (a closed or never opened TensorBoard is fine). */
void tensorboard_close(TensorBoard *tb);

/* ---- in a training run ---- */

/* Appends row's Event, opening the event file in dir first when none is open yet (then the
 * resolved config, config_yaml, goes in as text before the row). A failure is printed once to
 * warn as "warning: ..." and closes the log: later calls do nothing. Never fails. */
void tensorboard_log_row(TensorBoard *tb, const char *dir, const char *config_yaml,
                         const ProgressRow *row, FILE *warn);

/* Seconds since 1970 (CLOCK_REALTIME), an Event's wall_time. */
double tensorboard_now(void);

#endif
