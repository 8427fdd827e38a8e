/* count_bonus.c: the count-based exploration bonus (see count_bonus.h). */
#include "algo/count_bonus.h"

#include <isa-l/crc64.h>
#include <math.h>
#include <stdlib.h>

enum { INITIAL_CAP = 1 << 12 };

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t find_slot(const uint64_t *keys, size_t cap, uint64_t key) {
    size_t i = (size_t)(key ^ (key >> 29)) & (cap - 1);
    while (keys[i] && keys[i] != key) i = (i + 1) & (cap - 1);
    return i;
}

/* Moves the table into one of cap slots. */
static int resize(CountBonus *cb, size_t cap, Err *err) {
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *counts = calloc(cap, sizeof *counts);
    if (!keys || !counts) {
        free(keys);
        free(counts);
        return err_set(err, "out of memory for the count bonus's table of %zu observations", cap / 2);
    }
    for (size_t i = 0; i < cb->cap; i++)
        if (cb->keys[i]) {
            size_t j = find_slot(keys, cap, cb->keys[i]);
            keys[j] = cb->keys[i];
            counts[j] = cb->counts[i];
        }
    free(cb->keys);
    free(cb->counts);
    cb->keys = keys;
    cb->counts = counts;
    cb->cap = cap;
    return 0;
}

/* The slot of key, added (count 0) if new. Errors: out of memory growing the table. */
static int slot_of(CountBonus *cb, uint64_t key, size_t *slot, Err *err) {
    size_t i = find_slot(cb->keys, cb->cap, key);
    if (!cb->keys[i]) {
        if (2 * (cb->used + 1) > cb->cap) {
            if (resize(cb, 2 * cb->cap, err)) return -1;
            i = find_slot(cb->keys, cb->cap, key);
        }
        cb->keys[i] = key;
        cb->used++;
    }
    *slot = i;
    return 0;
}

int count_bonus_init(CountBonus *cb, double coef, Err *err) {
    *cb = (CountBonus){.coef = coef};
    return resize(cb, INITIAL_CAP, err);
}

void count_bonus_keys(const float *obs, int O, long rows, uint64_t *keys) {
    for (long r = 0; r < rows; r++) {
        uint64_t h = crc64_ecma_refl(0, (const unsigned char *)(obs + (size_t)r * O), (uint64_t)O * sizeof *obs);
        keys[r] = h ? h : 1;
    }
}

int count_bonus_add(CountBonus *cb, const uint64_t *keys, long n, long first, long rows, float *rewards,
                    double *sum, Err *err) {
    double total = 0.0;
    for (long r = 0; r < n; r++) {
        size_t i;
        if (slot_of(cb, keys[r], &i, err)) return -1;
        if (cb->counts[i] < UINT32_MAX) cb->counts[i]++;
        const double bonus = cb->coef / sqrt((double)cb->counts[i]);
        total += bonus;
        if (r >= first && r < first + rows) rewards[r - first] += (float)bonus;
    }
    if (sum) *sum = total;
    return 0;
}

int count_bonus_set(CountBonus *cb, uint64_t key, uint32_t count, Err *err) {
    size_t i;
    if (slot_of(cb, key, &i, err)) return -1;
    cb->counts[i] = count;
    return 0;
}

uint32_t count_bonus_count(const CountBonus *cb, uint64_t key) {
    if (!cb->cap || !key) return 0;
    size_t i = find_slot(cb->keys, cb->cap, key);
    return cb->keys[i] ? cb->counts[i] : 0;
}

void count_bonus_free(CountBonus *cb) {
    free(cb->keys);
    free(cb->counts);
    *cb = (CountBonus){0};
}
