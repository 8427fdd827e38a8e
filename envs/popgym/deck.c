/* deck.c: POPGym's deck of cards (popgym/core/deck.py Deck): shuffling, checks and names. */
#include <stdio.h>
#include <string.h>

#include "envs/popgym/impl.h"

const char *const CARD_RANK_NAMES[13] = {"A", "2", "3", "4", "5", "6", "7", "8", "9", "10",
                                         "J", "Q", "K"};

void deck_shuffle(Deck *d, int n, Rng *rng) {
    d->n = n;
    d->len = n;
    for (int i = 0; i < n; i++) d->idx[i] = (int16_t)i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint32_t)(i + 1));
        int16_t t = d->idx[i];
        d->idx[i] = d->idx[j];
        d->idx[j] = t;
    }
}

int deck_check(const Deck *d, int n, const char *what, Err *err) {
    if (d->n != n) return err_set(err, "popgym state: %s holds %d cards, not %d", what, d->n, n);
    if (d->len < 0 || d->len > n)
        return err_set(err, "popgym state: %s has %d cards left, outside 0..%d", what, d->len, n);
    uint8_t seen[POPGYM_MAX_CARDS] = {0};
    for (int i = 0; i < n; i++) {
        int c = d->idx[i];
        if (c < 0 || c >= n || seen[c])
            return err_set(err, "popgym state: %s is not a shuffled deck (card %d at %d)", what, c, i);
        seen[c] = 1;
    }
    return 0;
}

int deck_from_values(Deck *d, const double *values, int n, const char *what, Err *err) {
    if (n > POPGYM_MAX_CARDS) return err_set(err, "%s: %d cards, more than %d", what, n, POPGYM_MAX_CARDS);
    d->n = n;
    d->len = n;
    for (int i = 0; i < n; i++) {
        double v = values[i];
        if (!(v >= 0 && v < n) || v != (double)(int)v)
            return err_set(err, "%s: value %d (%g) is not a card id 0..%d", what, i, v, n - 1);
        d->idx[i] = (int16_t)v;
    }
    return deck_check(d, n, what, err);
}

const char *card_suit_symbol(int suit) {
    static const char *const SYMBOLS[4] = {"\u2660", "\u2666", "\u2663", "\u2665"};
    return SYMBOLS[suit & 3];
}

void card_name(int c, char *buf, size_t cap) {
    snprintf(buf, cap, "%s%s", CARD_RANK_NAMES[card_rank(c)], card_suit_symbol(card_suit(c)));
}
