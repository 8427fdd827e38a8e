/* record.h: an animated GIF of the viewer's frames (giflib), for `ppo watch --record` and the
 * recordings of a training run (viewer.h). Internal to viewer/ (it names SDL types).
 *
 * Frames are SDL_PIXELFORMAT_ARGB8888 surfaces of one size (draw.h). The GIF loops forever;
 * each frame is shown for its own delay (hundredths of a second, GIF's unit). To keep files
 * small, a frame is stored as the rectangle where it differs from the one before, with the
 * pixels that did not change transparent (disposal "do not dispose"), and a frame equal to the
 * one before only lengthens that one's delay. Colors: the first frame's colors become the global
 * palette (all of them when there are at most 255, else giflib's median-cut quantizer picks 255);
 * a later frame uses it when each of its new colors has a palette color near it (an
 * anti-aliased edge at another angle), else a palette of its own. Index 255 (the last) is the
 * transparent one. The file is written at the end, atomically (core/file.h). */
#ifndef PPO_VIEWER_RECORD_H
#define PPO_VIEWER_RECORD_H

#include <SDL.h>

#include "core/err.h"

typedef struct GifRecording GifRecording;

/* A recording of w x h frames, nothing written yet. Errors: out of memory, giflib failing. */
int gif_recording_open(GifRecording **out, int w, int h, Err *err);

/* Adds the frame (w x h, ARGB8888), shown for delay_cs hundredths of a second (at least 2:
 * browsers show a shorter delay as 10). Errors: a frame of another size, out of memory, giflib
 * failing. */
int gif_recording_frame(GifRecording *g, const SDL_Surface *frame, int delay_cs, Err *err);

/* Ends the GIF, the last frame shown hold_cs longer, and writes it to path atomically.
 * Errors: no frame, giflib failing, the file cannot be written (naming it). */
int gif_recording_save(GifRecording *g, const char *path, int hold_cs, Err *err);

/* Frames added, counting each one that only lengthened the one before. */
long gif_recording_frames(const GifRecording *g);

/* Frees the recording (NULL is allowed). */
void gif_recording_free(GifRecording *g);

#endif
