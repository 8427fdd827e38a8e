/* test_record.c: episode recordings as animated GIFs (viewer/record.h, `ppo watch --record`,
 * run.record_interval). Each GIF is decoded with giflib's reader and its frames composed as a
 * GIF viewer does (transparency, "do not dispose"): every frame equals the one drawn, pixel for
 * pixel where its colors fit a palette and within a small distance where they do not; delays
 * follow the env's pace; the episodes are those `ppo eval` plays; a run records into videos/
 * without overwriting, and trains bit-identically with recordings or without. */
#include <gif_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/env.h"
#include "run/checkpoint.h"
#include "tests/same_training.h"
#include "tests/testutil.h"
#include "viewer/draw.h"
#include "viewer/record.h"
#include "viewer/viewer.h"

static char out[1 << 16];

/* A GIF decoded: its frames composed, each w x h 0xRRGGBB, and each one's delay (cs). */
typedef struct Decoded {
    int w, h, n;
    uint32_t **frames;
    int *delay;
    bool loops; /* NETSCAPE2.0 loop extension present */
} Decoded;

static void decoded_free(Decoded *d) {
    for (int i = 0; i < d->n; i++) free(d->frames[i]);
    free(d->frames);
    free(d->delay);
    memset(d, 0, sizeof *d);
}

/* Reads path with DGifSlurp and composes its frames. */
static void decode(const char *path, Decoded *d) {
    int e = 0;
    GifFileType *gif = DGifOpenFileName(path, &e);
    ck_assert_msg(gif != NULL, "%s: %s", path, GifErrorString(e));
    ck_assert_msg(DGifSlurp(gif) == GIF_OK, "%s: %s", path, GifErrorString(gif->Error));
    memset(d, 0, sizeof *d);
    d->w = gif->SWidth, d->h = gif->SHeight, d->n = gif->ImageCount;
    d->frames = calloc((size_t)d->n, sizeof *d->frames);
    d->delay = calloc((size_t)d->n, sizeof *d->delay);
    ck_assert(d->frames && d->delay);
    const size_t px = (size_t)d->w * (size_t)d->h;
    uint32_t *canvas = calloc(px, sizeof *canvas);
    ck_assert_ptr_nonnull(canvas);
    for (int i = 0; i < d->n; i++) {
        const SavedImage *im = &gif->SavedImages[i];
        GraphicsControlBlock gcb = {DISPOSAL_UNSPECIFIED, false, 0, NO_TRANSPARENT_COLOR};
        DGifSavedExtensionToGCB(gif, i, &gcb);
        ck_assert_msg(i == 0 || gcb.DisposalMode == DISPOSE_DO_NOT, "frame %d: disposal %d", i, gcb.DisposalMode);
        for (int k = 0; k < im->ExtensionBlockCount; k++)
            if (im->ExtensionBlocks[k].Function == APPLICATION_EXT_FUNC_CODE && im->ExtensionBlocks[k].ByteCount == 11 &&
                memcmp(im->ExtensionBlocks[k].Bytes, "NETSCAPE2.0", 11) == 0)
                d->loops = true;
        const ColorMapObject *map = im->ImageDesc.ColorMap ? im->ImageDesc.ColorMap : gif->SColorMap;
        ck_assert_msg(map != NULL, "frame %d has no palette", i);
        const GifImageDesc *r = &im->ImageDesc;
        ck_assert(r->Left >= 0 && r->Top >= 0 && r->Left + r->Width <= d->w && r->Top + r->Height <= d->h);
        /* (no ck_assert per pixel: Check records the place of every assertion in a file) */
        int beyond = 0;
        for (int y = 0; y < r->Height; y++)
            for (int x = 0; x < r->Width; x++) {
                int idx = im->RasterBits[(size_t)y * r->Width + x];
                if (idx == gcb.TransparentColor) continue;
                beyond += idx >= map->ColorCount;
                GifColorType c = map->Colors[idx % map->ColorCount];
                canvas[(size_t)(r->Top + y) * d->w + r->Left + x] = (uint32_t)c.Red << 16 | (uint32_t)c.Green << 8 | c.Blue;
            }
        ck_assert_msg(beyond == 0, "frame %d: %d pixels beyond the palette", i, beyond);
        d->frames[i] = malloc(px * sizeof(uint32_t));
        ck_assert_ptr_nonnull(d->frames[i]);
        memcpy(d->frames[i], canvas, px * sizeof(uint32_t));
        d->delay[i] = gcb.DelayTime;
    }
    free(canvas);
    DGifCloseFile(gif, &e);
}

static int total_delay(const Decoded *d) {
    int t = 0;
    for (int i = 0; i < d->n; i++) t += d->delay[i];
    return t;
}

/* The largest squared RGB distance between a frame drawn (an ARGB surface) and a decoded one. */
static int frame_distance(const SDL_Surface *s, const uint32_t *f) {
    int worst = 0;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            Rgb a = draw_get(s, x, y);
            uint32_t b = f[(size_t)y * s->w + x];
            int dr = a.r - (int)(b >> 16 & 255), dg = a.g - (int)(b >> 8 & 255), db = a.b - (int)(b & 255);
            int dd = dr * dr + dg * dg + db * db;
            worst = dd > worst ? dd : worst;
        }
    return worst;
}

/* ---- the GIF writer ---------------------------------------------------------------------------- */

/* Draws CartPole states of an episode with random pushes and a gridworld level's turns into a
 * recording, keeping each frame drawn, and compares the decoded GIF with them. */
static void record_and_compare(const char *env_name, int steps, int delay_cs) {
    char dir[256], path[512];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/x.gif", dir);
    EnvConfig ec = {0};
    snprintf(ec.name, sizeof ec.name, "%s", env_name);
    Env *env;
    Err err;
    ck_assert_msg(env_create(&env, &ec, &err) == 0, "%s", err.msg);
    env_seed(env, 7, 0);
    float *obs = calloc((size_t)env->obs_dim, sizeof *obs);
    env_reset(env, obs);
    Viewer *v;
    ViewerConfig vc = {false, "test", 2};
    ck_assert_msg(viewer_create(&v, env, &vc, &err) == 0, "%s", err.msg);
    int w, h, ex, ey, ew, eh;
    viewer_layout(v, &w, &h, &ex, &ey, &ew, &eh);
    SDL_Surface **drawn = calloc((size_t)steps + 1, sizeof *drawn);
    Rng rng;
    rng_seed(&rng, 3, 0);
    int frames = 0;
    for (int t = 0; t <= steps; t++) {
        char line[64];
        snprintf(line, sizeof line, "step %d", t);
        const char *lines[2] = {line, "a second line"};
        ck_assert_msg(viewer_render(v, env, lines, 2, &err) == 0, "%s", err.msg);
        ck_assert_msg(viewer_record_frame(v, delay_cs, &err) == 0, "%s", err.msg);
        drawn[frames] = draw_surface_create(w, h, &err);
        ck_assert_ptr_nonnull(drawn[frames]);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint8_t rgb[3] = {0, 0, 0};
                viewer_pixel(v, x, y, rgb); /* inside the frame: always 0 */
                draw_put(drawn[frames], x, y, (Rgb){rgb[0], rgb[1], rgb[2]});
            }
        frames++;
        float r;
        bool term, trunc;
        env_step(env, (int)rng_below(&rng, (uint32_t)env->n_actions), obs, &r, &term, &trunc);
        if (term || trunc) env_reset(env, obs);
    }
    ck_assert_msg(viewer_record_save(v, path, 100, &err) == 0, "%s", err.msg);
    Decoded d;
    decode(path, &d);
    ck_assert_int_eq(d.w, w);
    ck_assert_int_eq(d.h, h);
    ck_assert(d.loops);
    ck_assert_int_le(d.n, frames);
    ck_assert_int_eq(total_delay(&d), frames * delay_cs + 100);
    /* each decoded frame stands for the drawn frames of its delay, in order */
    int at = 0, worst = 0;
    for (int i = 0; i < d.n; i++) {
        int span = (d.delay[i] - (i == d.n - 1 ? 100 : 0)) / delay_cs;
        ck_assert_int_ge(span, 1);
        for (int k = 0; k < span; k++, at++) {
            int dist = frame_distance(drawn[at], d.frames[i]);
            worst = dist > worst ? dist : worst;
        }
    }
    ck_assert_int_eq(at, frames);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    printf("record %s: %d frames drawn, %d in the GIF, %ld bytes, largest color distance %.1f\n", env_name, frames,
           d.n, (long)st.st_size, sqrt((double)worst));
    ck_assert_msg(worst <= 24 * 24, "%s: a pixel %.1f from its drawn color", env_name, sqrt((double)worst));
    for (int i = 0; i < frames; i++) SDL_FreeSurface(drawn[i]);
    free(drawn);
    decoded_free(&d);
    viewer_destroy(v);
    env_destroy(env);
    free(obs);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A 64 x 64 frame whose pixel (x, y) has color f(x, y). */
static SDL_Surface *synthetic(uint32_t (*f)(int x, int y)) {
    Err err;
    SDL_Surface *s = draw_surface_create(64, 64, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            uint32_t c = f(x, y);
            draw_put(s, x, y, (Rgb){(uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c});
        }
    return s;
}
static uint32_t few_colors(int x, int y) { return (uint32_t)(((x / 4) * 16 + y / 4) % 200) * 0x010101u; }
static uint32_t far_block(int x, int y) { return x >= 20 && x < 30 && y >= 5 && y < 15 ? 0x00ff00u : few_colors(x, y); }
static uint32_t near_shift(int x, int y) { return y >= 40 ? few_colors(x, y) + 0x030303u * (uint32_t)(x % 3) : few_colors(x, y); }
static uint32_t gradient(int x, int y) { return (uint32_t)(x * 4) << 16 | (uint32_t)(y * 4) << 8 | (uint32_t)((x + y) * 2); }

START_TEST(every_palette_path_gives_back_the_frames) {
    char dir[256], path[512];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/s.gif", dir);
    /* exact (200 colors), a far color (a palette of its own), near colors (the global palette's
     * nearest), 4096 colors (quantized), the same again (a longer delay) */
    SDL_Surface *f[5] = {synthetic(few_colors), synthetic(far_block), synthetic(near_shift), synthetic(gradient),
                         synthetic(gradient)};
    const int delay[5] = {3, 4, 5, 6, 7}, max_dist[4] = {0, 0, 6 * 6 * 3, 64 * 64};
    GifRecording *g;
    Err err;
    ck_assert_msg(gif_recording_open(&g, 64, 64, &err) == 0, "%s", err.msg);
    for (int i = 0; i < 5; i++) ck_assert_msg(gif_recording_frame(g, f[i], delay[i], &err) == 0, "%s", err.msg);
    ck_assert_int_eq(gif_recording_frames(g), 5);
    ck_assert_msg(gif_recording_save(g, path, 50, &err) == 0, "%s", err.msg);
    gif_recording_free(g);
    Decoded d;
    decode(path, &d);
    ck_assert_int_eq(d.n, 4);
    const int want_delay[4] = {3, 4, 5, 6 + 7 + 50};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(d.delay[i], want_delay[i]);
        int dist = frame_distance(f[i], d.frames[i]);
        ck_assert_msg(dist <= max_dist[i], "frame %d: a pixel %.1f from its color", i, sqrt((double)dist));
    }
    for (int i = 0; i < 5; i++) SDL_FreeSurface(f[i]);
    decoded_free(&d);
    /* a frame of another size is refused; saving with no frame names the file */
    ck_assert_int_eq(gif_recording_open(&g, 32, 32, &err), 0);
    SDL_Surface *big = synthetic(few_colors);
    ck_assert_int_eq(gif_recording_frame(g, big, 2, &err), -1);
    ck_assert_int_eq(gif_recording_save(g, path, 0, &err), -1);
    ck_assert_msg(strstr(err.msg, path), "%s", err.msg);
    gif_recording_free(g);
    SDL_FreeSurface(big);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(a_cartpole_recording_decodes_to_the_frames_drawn) { record_and_compare("cartpole", 50, 2); }
END_TEST

START_TEST(a_gridworld_recording_decodes_to_the_frames_drawn) { record_and_compare("gridworld/four-rooms", 20, 20); }
END_TEST

/* ---- ppo watch --record, run.record_interval ----------------------------------------------------- */

/* Trains a few updates of CONFIG into dir/runs/NAME; extra options appended. */
static void train_small(const char *dir, const char *config, const char *name, const char *extra) {
    char args[2048];
    snprintf(args, sizeof args, "train %s --set run.runs_dir=%s/runs --run-name %s --quiet %s", config, dir, name, extra);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "ppo %s: %s", args, out);
}

/* The lengths of the episodes `ppo watch` printed ("episode K: return R, length L, ..."). */
static int episode_lengths(int *len, int max) {
    int n = 0;
    for (const char *p = strstr(out, "episode "); p && n < max; p = strstr(p + 1, "episode ")) {
        int k, l;
        float r;
        if (sscanf(p, "episode %d: return %f, length %d", &k, &r, &l) == 3) len[n++] = l;
    }
    return n;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

START_TEST(watch_record_writes_the_episodes_at_the_envs_pace) {
    char dir[256], args[2048], gif[512];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "configs/cartpole.yaml", "cp", "--max-updates 3");
    snprintf(gif, sizeof gif, "%s/two.gif", dir);
    snprintf(args, sizeof args, "watch %s/runs/cp/checkpoints/latest.ckpt --record %s --episodes 2 --seed 5", dir, gif);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    int len[2];
    ck_assert_int_eq(episode_lengths(len, 2), 2);
    /* the same episodes as eval plays with one env and that seed */
    char want[128];
    snprintf(want, sizeof want, "saved %s (%d frames, %d steps, 2 episodes finished)", gif, len[0] + len[1] + 1,
             len[0] + len[1]);
    ck_assert_msg(strstr(out, want), "no '%s' in:\n%s", want, out);
    snprintf(args, sizeof args, "eval %s/runs/cp/checkpoints/latest.ckpt --episodes 2 --num-envs 1 --seed 5 --csv %s/e.csv",
             dir, dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    char csv[512];
    snprintf(csv, sizeof csv, "%s/e.csv", dir);
    FILE *f = fopen(csv, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    int row = 0;
    while (fgets(line, sizeof line, f)) {
        int ep, l;
        float r;
        if (sscanf(line, "%d,%f,%d", &ep, &r, &l) == 3) ck_assert_int_eq(l, len[row++]);
    }
    fclose(f);
    ck_assert_int_eq(row, 2);
    /* CartPole at 50 steps a second: 2 hundredths per frame, the last a second longer */
    Decoded d;
    decode(gif, &d);
    ck_assert_int_eq(d.w, CARTPOLE_SCREEN_W);
    ck_assert_int_gt(d.h, CARTPOLE_SCREEN_H);
    ck_assert_int_eq(total_delay(&d), 2 * (len[0] + len[1] + 1) + 100);
    decoded_free(&d);

    /* gridworld at 5 steps a second: 20 hundredths per frame */
    train_small(dir, "configs/gridworld-empty-8x8.yaml", "g", "--max-updates 1");
    snprintf(gif, sizeof gif, "%s/grid.gif", dir);
    snprintf(args, sizeof args, "watch %s/runs/g/checkpoints/latest.ckpt --record %s --frames 30", dir, gif);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    decode(gif, &d);
    ck_assert_int_eq(total_delay(&d), 20 * 30 + 100);
    decoded_free(&d);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(args), 0);
}
END_TEST

START_TEST(watch_record_refuses_what_it_cannot_write_before_playing) {
    char dir[256], args[2048], path[512];
    test_tmpdir(dir, sizeof dir);
    train_small(dir, "configs/cartpole.yaml", "cp", "--max-updates 1");
    const char *bad[][2] = {{"x.mp4", "recordings are GIF files"},
                            {"x.gif --screenshot y.png", "choose one"},
                            {"no/such/folder/x.gif", "--record"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "watch %s/runs/cp/checkpoints/latest.ckpt --record %s/%s", dir, dir, bad[i][0]);
        ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "%s: %s", bad[i][0], out);
        ck_assert_msg(strstr(out, bad[i][1]) && !strstr(out, "episode 1"), "%s: %s", bad[i][0], out);
    }
    snprintf(path, sizeof path, "%s/x.gif", dir);
    ck_assert(!exists(path));
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(args), 0);
}
END_TEST

START_TEST(a_run_records_into_videos_every_interval_trains_the_same_and_never_replaces_a_recording) {
    char dir[256], args[2048], path[1024], run[512];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    train_small(dir, "configs/cartpole.yaml", "r", "--set run.record_interval=2 --max-updates 5");
    const long want[] = {2, 4, 5}; /* every 2 updates and the last */
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/videos/update_%06ld.gif", run, want[i]);
        ck_assert_msg(exists(path), "no %s", path);
        Decoded d;
        decode(path, &d);
        ck_assert_int_eq(d.w, CARTPOLE_SCREEN_W);
        ck_assert_int_ge(d.n, 2);
        decoded_free(&d);
    }
    snprintf(path, sizeof path, "%s/videos/update_000001.gif", run);
    ck_assert(!exists(path));
    /* recording leaves training as it is: the same run without recordings ends bit-identical */
    train_small(dir, "configs/cartpole.yaml", "plain", "--max-updates 5");
    char a_path[1024], b_path[1024];
    snprintf(a_path, sizeof a_path, "%s/checkpoints/latest.ckpt", run);
    snprintf(b_path, sizeof b_path, "%s/runs/plain/checkpoints/latest.ckpt", dir);
    test_assert_same_training(a_path, b_path);
    /* a file in the way of a later recording stays; the recording takes another name */
    snprintf(path, sizeof path, "%s/videos/update_000006.gif", run);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("mine", f);
    fclose(f);
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 1", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    f = fopen(path, "r");
    char text[16] = "";
    ck_assert_ptr_nonnull(fgets(text, sizeof text, f));
    fclose(f);
    ck_assert_str_eq(text, "mine");
    snprintf(path, sizeof path, "%s/videos/update_000006-2.gif", run);
    ck_assert_msg(exists(path), "no %s", path);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(args), 0);
}
END_TEST

static Suite *record_suite(void) {
    Suite *s = suite_create("record");
    TCase *tc = test_case("gif");
    tcase_add_test(tc, every_palette_path_gives_back_the_frames);
    tcase_add_test(tc, a_cartpole_recording_decodes_to_the_frames_drawn);
    tcase_add_test(tc, a_gridworld_recording_decodes_to_the_frames_drawn);
    suite_add_tcase(s, tc);
    tc = test_case("cli");
    tcase_add_test(tc, watch_record_writes_the_episodes_at_the_envs_pace);
    tcase_add_test(tc, watch_record_refuses_what_it_cannot_write_before_playing);
    tcase_add_test(tc, a_run_records_into_videos_every_interval_trains_the_same_and_never_replaces_a_recording);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(record_suite)
