/* record.c: animated GIFs of the viewer's frames with giflib (see record.h). */
#include "viewer/record.h"

#include <gif_lib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"

#define TRANSPARENT 255      /* the palette index of pixels that keep the frame before's color */
#define MAX_COLORS 255       /* palette colors besides the transparent index */
#define NEAR_DIST2 (24 * 24) /* a color this close (squared RGB distance) to a palette color may
                                use it: an anti-aliased blend at another weight */
#define CACHE_SLOTS 8192     /* color -> palette index, open addressing; a power of 2 */
#define MIN_DELAY 2          /* hundredths of a second: browsers show a shorter delay as 10 */

/* Color -> palette index (or -1 when absent), for the global palette's lookups and for counting
 * a frame's distinct colors. Keys are 0xRRGGBB; the empty slot holds EMPTY. */
#define EMPTY 0xffffffffu
typedef struct ColorMap {
    uint32_t key[CACHE_SLOTS];
    int16_t val[CACHE_SLOTS];
    int used;
} ColorMap;

struct GifRecording {
    int w, h;
    GifFileType *gif;
    uint8_t *data;        /* the GIF's bytes so far */
    size_t len, cap;
    bool oom;             /* the byte buffer could not grow */
    uint32_t *shown;      /* [w*h] 0xRRGGBB: what the GIF shows after the frames written */
    uint32_t *pending;    /* [w*h] the last frame added, not written until its delay is known */
    uint32_t *next;       /* [w*h] the frame being added */
    int pending_delay;    /* cs */
    bool has_pending, started;
    long frames;
    GifColorType palette[256]; /* the global palette; [TRANSPARENT] unused */
    int n_palette;
    ColorMap cache;       /* color -> global palette index (exact or nearest) */
    ColorMap local;       /* a frame's own colors */
    GifByteType *index;   /* [w*h] a frame's rectangle as palette indices */
    GifByteType *red, *green, *blue; /* [w*h] a rectangle's colors, for the quantizer */
};

/* ---- colors ---- */

static void map_clear(ColorMap *m) {
    memset(m->key, 0xff, sizeof m->key);
    m->used = 0;
}

static uint32_t map_slot(const ColorMap *m, uint32_t c) {
    uint32_t i = (c * 2654435761u) & (CACHE_SLOTS - 1);
    while (m->key[i] != EMPTY && m->key[i] != c) i = (i + 1) & (CACHE_SLOTS - 1);
    return i;
}

/* The value stored for c, or -1. */
static int map_get(const ColorMap *m, uint32_t c) {
    uint32_t i = map_slot(m, c);
    return m->key[i] == c ? m->val[i] : -1;
}

/* Stores c -> v; false when the map is (three quarters) full. */
static bool map_put(ColorMap *m, uint32_t c, int v) {
    uint32_t i = map_slot(m, c);
    if (m->key[i] != c) {
        if (m->used >= CACHE_SLOTS / 4 * 3) return false;
        m->key[i] = c;
        m->used++;
    }
    m->val[i] = (int16_t)v;
    return true;
}

static GifColorType rgb_of(uint32_t c) {
    return (GifColorType){(GifByteType)(c >> 16), (GifByteType)(c >> 8), (GifByteType)c};
}

static uint32_t color_of(GifColorType c) { return (uint32_t)c.Red << 16 | (uint32_t)c.Green << 8 | c.Blue; }

/* The global palette's color nearest to c and its squared distance. */
static int nearest(const GifRecording *g, uint32_t c, int *dist2) {
    GifColorType x = rgb_of(c);
    int best = 0, bd = 1 << 30;
    for (int i = 0; i < g->n_palette; i++) {
        int dr = x.Red - g->palette[i].Red, dg = x.Green - g->palette[i].Green, db = x.Blue - g->palette[i].Blue;
        int d = dr * dr + dg * dg + db * db;
        if (d < bd) bd = d, best = i;
    }
    *dist2 = bd;
    return best;
}

/* The global palette index for c (exact, or the nearest, cached); *dist2 how far it is. */
static int global_index(GifRecording *g, uint32_t c, int *dist2) {
    int v = map_get(&g->cache, c);
    if (v >= 0) {
        GifColorType p = g->palette[v], x = rgb_of(c);
        *dist2 = (x.Red - p.Red) * (x.Red - p.Red) + (x.Green - p.Green) * (x.Green - p.Green) +
                 (x.Blue - p.Blue) * (x.Blue - p.Blue);
        return v;
    }
    v = nearest(g, c, dist2);
    if (!map_put(&g->cache, c, v)) { /* full: start over with the palette's own colors */
        map_clear(&g->cache);
        for (int i = 0; i < g->n_palette; i++) map_put(&g->cache, color_of(g->palette[i]), i);
    }
    return v;
}

/* The colors of the changed pixels of the rectangle (x0, y0, bw, bh) of frame as a palette of
 * their own: exactly, when there are at most MAX_COLORS, else by giflib's quantizer; their
 * indices into g->index (TRANSPARENT where unchanged when `diff`). Returns the palette size. */
static int own_palette(GifRecording *g, const uint32_t *frame, int x0, int y0, int bw, int bh, bool diff,
                       GifColorType *pal, Err *err) {
    map_clear(&g->local);
    int n = 0;
    bool exact = true;
    for (int y = 0; y < bh && exact; y++)
        for (int x = 0; x < bw && exact; x++) {
            size_t k = (size_t)(y0 + y) * (size_t)g->w + (size_t)(x0 + x);
            if (diff && frame[k] == g->shown[k]) continue;
            if (map_get(&g->local, frame[k]) >= 0) continue;
            if (n == MAX_COLORS) exact = false;
            else {
                pal[n] = rgb_of(frame[k]);
                map_put(&g->local, frame[k], n++);
            }
        }
    if (exact) {
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                size_t k = (size_t)(y0 + y) * (size_t)g->w + (size_t)(x0 + x);
                g->index[(size_t)y * bw + x] = diff && frame[k] == g->shown[k] ? TRANSPARENT
                                                                               : (GifByteType)map_get(&g->local, frame[k]);
            }
        return n;
    }
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            GifColorType c = rgb_of(frame[(size_t)(y0 + y) * (size_t)g->w + (size_t)(x0 + x)]);
            size_t i = (size_t)y * bw + x;
            g->red[i] = c.Red, g->green[i] = c.Green, g->blue[i] = c.Blue;
        }
    n = MAX_COLORS;
    if (GifQuantizeBuffer((unsigned)bw, (unsigned)bh, &n, g->red, g->green, g->blue, g->index, pal) != GIF_OK)
        return err_set(err, "the GIF's color quantizer failed");
    if (diff)
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                size_t k = (size_t)(y0 + y) * (size_t)g->w + (size_t)(x0 + x);
                if (frame[k] == g->shown[k]) g->index[(size_t)y * bw + x] = TRANSPARENT;
            }
    return n;
}

/* ---- writing ---- */

static int gif_error(Err *err, const GifRecording *g, const char *what) {
    if (g->oom) return err_set(err, "out of memory for the GIF");
    return err_set(err, "%s: %s", what, GifErrorString(g->gif ? g->gif->Error : 0));
}

/* giflib's output: appends to the byte buffer. */
static int gif_out(GifFileType *gif, const GifByteType *bytes, int n) {
    GifRecording *g = gif->UserData;
    if (n <= 0) return 0;
    if (g->len + (size_t)n > g->cap) {
        size_t cap = g->cap ? g->cap : 1 << 16;
        while (cap < g->len + (size_t)n) cap *= 2;
        uint8_t *d = realloc(g->data, cap);
        if (!d) {
            g->oom = true;
            return 0;
        }
        g->data = d;
        g->cap = cap;
    }
    memcpy(g->data + g->len, bytes, (size_t)n);
    g->len += (size_t)n;
    return n;
}

/* The screen with the global palette of the first frame, and NETSCAPE2.0's loop forever. */
static int start(GifRecording *g, const uint32_t *frame, Err *err) {
    GifColorType pal[256] = {{0, 0, 0}};
    int n = own_palette(g, frame, 0, 0, g->w, g->h, false, pal, err);
    if (n < 0) return -1;
    memcpy(g->palette, pal, sizeof g->palette);
    g->n_palette = n;
    map_clear(&g->cache);
    for (int i = 0; i < n; i++) map_put(&g->cache, color_of(pal[i]), i);
    ColorMapObject *map = GifMakeMapObject(256, pal);
    if (!map) return err_set(err, "out of memory for the GIF");
    int rc = EGifPutScreenDesc(g->gif, g->w, g->h, 8, 0, map);
    GifFreeMapObject(map);
    static const GifByteType loop[3] = {1, 0, 0}; /* sub-block 1: repeat 0 times more = forever */
    if (rc != GIF_OK || EGifPutExtensionLeader(g->gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK ||
        EGifPutExtensionBlock(g->gif, 11, "NETSCAPE2.0") != GIF_OK ||
        EGifPutExtensionBlock(g->gif, 3, loop) != GIF_OK || EGifPutExtensionTrailer(g->gif) != GIF_OK)
        return gif_error(err, g, "cannot start the GIF");
    g->started = true;
    return 0;
}

/* Writes the frame (the first whole, the others as their changed rectangle), shown delay_cs. */
static int emit(GifRecording *g, const uint32_t *frame, int delay_cs, Err *err) {
    const bool first = !g->started;
    if (first && start(g, frame, err)) return -1;
    int x0 = 0, y0 = 0, x1 = g->w - 1, y1 = g->h - 1;
    if (!first) { /* the rectangle of pixels that changed */
        x0 = g->w, y0 = g->h, x1 = -1, y1 = -1;
        for (int y = 0; y < g->h; y++)
            for (int x = 0; x < g->w; x++)
                if (frame[(size_t)y * g->w + x] != g->shown[(size_t)y * g->w + x]) {
                    x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                    y0 = y < y0 ? y : y0, y1 = y;
                }
        if (x1 < 0) x0 = y0 = x1 = y1 = 0; /* nothing changed: one transparent pixel */
    }
    const int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    GifColorType pal[256] = {{0, 0, 0}};
    bool own = false;
    if (!first) { /* (the first: start() indexed the whole frame with the global palette) */
        int worst = 0;
        for (int y = 0; y < bh && worst <= NEAR_DIST2; y++)
            for (int x = 0; x < bw; x++) {
                size_t k = (size_t)(y0 + y) * (size_t)g->w + (size_t)(x0 + x);
                int d = 0;
                g->index[(size_t)y * bw + x] = frame[k] == g->shown[k] ? TRANSPARENT
                                                                       : (GifByteType)global_index(g, frame[k], &d);
                worst = d > worst ? d : worst;
            }
        if (worst > NEAR_DIST2) { /* a color far from the palette: a palette of the frame's own */
            if (own_palette(g, frame, x0, y0, bw, bh, true, pal, err) < 0) return -1;
            own = true;
        }
    }
    GraphicsControlBlock gcb = {DISPOSE_DO_NOT, false, delay_cs, first ? NO_TRANSPARENT_COLOR : TRANSPARENT};
    GifByteType ext[4];
    size_t ext_len = EGifGCBToExtension(&gcb, ext);
    ColorMapObject *map = own ? GifMakeMapObject(256, pal) : NULL;
    if (own && !map) return err_set(err, "out of memory for the GIF");
    int rc = EGifPutExtension(g->gif, GRAPHICS_EXT_FUNC_CODE, (int)ext_len, ext) != GIF_OK ||
             EGifPutImageDesc(g->gif, x0, y0, bw, bh, false, map) != GIF_OK ||
             EGifPutLine(g->gif, g->index, bw * bh) != GIF_OK;
    if (map) GifFreeMapObject(map);
    /* giflib 5.2.1 keeps its own copy of a frame's palette in Image.ColorMap and loses it when
     * the next frame has none: freed here, once the frame is written */
    if (g->gif->Image.ColorMap) {
        GifFreeMapObject(g->gif->Image.ColorMap);
        g->gif->Image.ColorMap = NULL;
    }
    if (rc) return gif_error(err, g, "cannot write a GIF frame");
    memcpy(g->shown, frame, sizeof(uint32_t) * (size_t)g->w * (size_t)g->h);
    return 0;
}

/* ---- the recording ---- */

void gif_recording_free(GifRecording *g) {
    if (!g) return;
    if (g->gif) EGifCloseFile(g->gif, NULL);
    free(g->data);
    free(g->shown);
    free(g->pending);
    free(g->next);
    free(g->index);
    free(g->red);
    free(g->green);
    free(g->blue);
    free(g);
}

int gif_recording_open(GifRecording **out, int w, int h, Err *err) {
    *out = NULL;
    GifRecording *g = calloc(1, sizeof *g);
    const size_t n = (size_t)w * (size_t)h;
    if (!g || w <= 0 || h <= 0 || w > 0xffff || h > 0xffff) {
        free(g);
        return err_set(err, "cannot record %dx%d frames", w, h);
    }
    g->w = w, g->h = h;
    g->shown = malloc(sizeof(uint32_t) * n);
    g->pending = malloc(sizeof(uint32_t) * n);
    g->next = malloc(sizeof(uint32_t) * n);
    g->index = malloc(n);
    g->red = malloc(n), g->green = malloc(n), g->blue = malloc(n);
    int e = 0;
    if (g->shown && g->pending && g->next && g->index && g->red && g->green && g->blue) g->gif = EGifOpen(g, gif_out, &e);
    if (!g->gif) {
        gif_recording_free(g);
        return err_set(err, "cannot start a GIF: %s", e ? GifErrorString(e) : "out of memory");
    }
    EGifSetGifVersion(g->gif, true); /* GIF89a: delays, transparency, the loop */
    *out = g;
    return 0;
}

int gif_recording_frame(GifRecording *g, const SDL_Surface *frame, int delay_cs, Err *err) {
    if (frame->w != g->w || frame->h != g->h || frame->format->format != SDL_PIXELFORMAT_ARGB8888)
        return err_set(err, "a %dx%d frame in a %dx%d recording", frame->w, frame->h, g->w, g->h);
    delay_cs = delay_cs < MIN_DELAY ? MIN_DELAY : delay_cs;
    /* the frame's pixels as 0xRRGGBB (every pixel is opaque); a surface's rows may be padded */
    for (int y = 0; y < g->h; y++) {
        const uint32_t *row = (const uint32_t *)((const uint8_t *)frame->pixels + (size_t)y * (size_t)frame->pitch);
        for (int x = 0; x < g->w; x++) g->next[(size_t)y * g->w + x] = row[x] & 0xffffffu;
    }
    g->frames++;
    const size_t bytes = sizeof(uint32_t) * (size_t)g->w * (size_t)g->h;
    if (g->has_pending && memcmp(g->next, g->pending, bytes) == 0) {
        g->pending_delay += delay_cs; /* the same picture: shown longer */
        return 0;
    }
    int rc = g->has_pending ? emit(g, g->pending, g->pending_delay, err) : 0;
    uint32_t *t = g->pending;
    g->pending = g->next;
    g->next = t;
    g->pending_delay = delay_cs;
    g->has_pending = true;
    return rc;
}

long gif_recording_frames(const GifRecording *g) { return g->frames; }

int gif_recording_save(GifRecording *g, const char *path, int hold_cs, Err *err) {
    if (!g->has_pending) return err_set(err, "%s: no frame to save", path);
    if (emit(g, g->pending, g->pending_delay + (hold_cs > 0 ? hold_cs : 0), err)) return err_prefix(err, "%s", path);
    g->has_pending = false;
    int e = 0;
    int rc = EGifCloseFile(g->gif, &e); /* writes the trailer and frees the encoder */
    g->gif = NULL;
    if (rc != GIF_OK || g->oom)
        return err_set(err, "%s: cannot end the GIF: %s", path, g->oom ? "out of memory" : GifErrorString(e));
    return file_write_atomic(path, g->data, g->len, err);
}
