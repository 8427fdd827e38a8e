/* fuzz_map.c: libFuzzer target for gridworld map files (`make fuzz`).
 *
 * The whole input goes to gridworld_map_parse. Then the bytes before the first NUL are the map
 * text of a gridworld/map env (EnvConfig.map_text) and the bytes after it its actions (the
 * map bytes themselves when there is no NUL): the env is created, seeded from the input,
 * reset and stepped N_STEPS times (an action byte of 7 resets; an episode that ends is reset),
 * its state saved and loaded back, and the level it shows written as a map and parsed again,
 * which must succeed (gridworld_map_format promises a map file). Any crash, sanitizer report,
 * leak, timeout or abort is a bug; a refused map (return -1 with a message) is fine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"
#include "envs/gridworld/gridworld.h"

#define N_STEPS 20

/* Plays the env on the actions [n] (n >= 1); aborts when its level does not format as a map
 * that parses. */
static void play(Env *env, const uint8_t *actions, size_t n, uint64_t seed) {
    float obs[GRID_OBS_DIM], reward;
    bool terminated, truncated;
    env_seed(env, seed, 0);
    env_reset(env, obs);
    for (int i = 0; i < N_STEPS; i++) {
        int a = actions[(size_t)i % n] % 8;
        if (a == GRID_N_ACTIONS) {
            env_reset(env, obs);
            continue;
        }
        env_step(env, a, obs, &reward, &terminated, &truncated);
        if (terminated || truncated) env_reset(env, obs);
    }
    Err err;
    size_t bytes = env_state_size(env);
    void *state = malloc(bytes);
    if (state) {
        env_state_save(env, state);
        if (env_state_load(env, state, &err) != 0) {
            fprintf(stderr, "a saved state does not load back: %s\n", err.msg);
            abort();
        }
        free(state);
    }
    static char text[GRID_MAX_SIZE * (2 * GRID_MAX_SIZE + 1) + 1];
    size_t len = gridworld_map_format(env_view(env), text, sizeof text);
    GridMap back;
    if (len >= sizeof text || gridworld_map_parse(&back, text, len, "formatted", &err) != 0) {
        fprintf(stderr, "the level does not format as a map that parses: %s\n", err.msg);
        abort();
    }
    gridworld_map_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    GridMap m;
    Err err;
    if (gridworld_map_parse(&m, (const char *)data, size, "fuzz.map", &err) == 0)
        gridworld_map_free(&m);

    const uint8_t *nul = memchr(data, '\0', size);
    size_t map_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *actions = nul ? nul + 1 : data;
    size_t n_actions = nul ? size - map_len - 1 : size;
    char *text = malloc(map_len + 1);
    if (!text) return 0;
    memcpy(text, data, map_len);
    text[map_len] = '\0';
    EnvConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.name, sizeof cfg.name, "gridworld/map");
    snprintf(cfg.map, sizeof cfg.map, "fuzz.map");
    cfg.map_text = text;
    Env *env;
    if (env_create(&env, &cfg, &err) == 0) {
        uint64_t seed = 0;
        for (size_t i = 0; i < size && i < 8; i++) seed = seed << 8 | data[size - 1 - i];
        static const uint8_t forward = GRID_FORWARD;
        if (n_actions) play(env, actions, n_actions, seed);
        else play(env, &forward, 1, seed);
        env_destroy(env);
    }
    free(text);
    return 0;
}
