/* fuzz_config.c: libFuzzer target for the config loader (`make fuzz`).
 *
 * The input is YAML text, optionally followed by a NUL and up to MAX_OVERRIDES NUL-separated
 * override strings ("section.key=value", as `--set` passes them). config_load_string reads the
 * YAML, applies the overrides and validates the result, which creates the env and the policy
 * the config describes (policy_for_config). Any crash, sanitizer report, leak or timeout is a
 * bug; a refusal (return -1 with a message) is fine. Relative env.map paths are read from the
 * working folder: `make fuzz` runs from the top of the checkout, so maps/ is there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/config.h"

#define MAX_OVERRIDES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t yaml_len = nul ? (size_t)(nul - data) : size;
    /* The overrides: a NUL-terminated copy of the bytes after the first NUL. */
    size_t rest = nul ? size - yaml_len - 1 : 0;
    char *tail = malloc(rest + 1);
    if (!tail) return 0;
    if (rest) memcpy(tail, nul + 1, rest);
    tail[rest] = '\0';
    char *overrides[MAX_OVERRIDES];
    int n = 0;
    for (char *p = tail; nul && n < MAX_OVERRIDES && p <= tail + rest; p += strlen(p) + 1)
        overrides[n++] = p;
    TrainConfig cfg;
    Err err;
    config_load_string(&cfg, text, yaml_len, "fuzz.yaml", overrides, n, &err);
    free(tail);
    return 0;
}
