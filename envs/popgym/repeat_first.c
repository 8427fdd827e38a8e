/* repeat_first.c: POPGym's RepeatFirst (popgym/envs/repeat_first.py), parameter a = num_decks.
 * The agent is paid every step for naming the suit of the episode's first card. */
#include <stdio.h>

#include "envs/popgym/impl.h"

#define N_CARDS(p) (DECK_SIZE * (p)->level->a)

static void first_card(Popgym *p, int16_t *raw) {
    int c = deck_deal(&p->g.repeat.deck);
    p->g.repeat.first_suit = card_suit(c);
    raw[0] = (int16_t)card_suit(c);
}

/* RepeatFirst.reset: shuffle, deal the first card, observe its suit. */
static void rf_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    deck_shuffle(&p->g.repeat.deck, N_CARDS(p), &p->rng);
    first_card(p, raw);
}

/* RepeatFirst.step: +-1/(N - 1) for the first card's suit; terminated when one card is left
 * before the deal. */
static void rf_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    Deck *d = &p->g.repeat.deck;
    const double scale = 1.0 / (double)(N_CARDS(p) - 1);
    *reward = action == p->g.repeat.first_suit ? scale : -scale;
    *terminated = d->len == 1;
    *truncated = false;
    raw[0] = (int16_t)card_suit(deck_deal(d));
}

static int rf_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    if (n != N_CARDS(p)) return err_set(err, "%s: the setup is a deck of %d cards, got %d values", p->level->name, N_CARDS(p), n);
    if (deck_from_values(&p->g.repeat.deck, values, n, p->level->name, err)) return -1;
    first_card(p, raw);
    return 0;
}

static int rf_check(const Popgym *p, Err *err) {
    const Deck *d = &p->g.repeat.deck;
    const int n = N_CARDS(p);
    if (deck_check(d, n, "the deck", err)) return -1;
    if (check_range(d->len, n - 1 - p->t, n - 1 - p->t, "cards left", err)) return -1;
    return check_range(p->g.repeat.first_suit, card_suit(d->idx[n - 1]), card_suit(d->idx[n - 1]),
                       "first suit", err);
}

static void rf_describe(const Popgym *p, char *buf, size_t cap) {
    const Deck *d = &p->g.repeat.deck;
    const int n = N_CARDS(p), dealt = n - d->len;
    size_t u = 0;
    text_add(buf, cap, &u, "RepeatFirst %s: name the suit of the first card, every step\n", p->level->difficulty);
    text_add(buf, cap, &u, "step %d of %d, %d cards left\n", p->t, p->level->max_length, d->len);
    text_add(buf, cap, &u, "first card: %s\n", card_suit_symbol(p->g.repeat.first_suit));
    text_add(buf, cap, &u, "cards seen, newest last:\n");
    int from = dealt > 48 ? dealt - 48 : 0;
    for (int j = from; j < dealt; j++)
        text_add(buf, cap, &u, "%s%s", card_suit_symbol(card_suit(d->idx[n - 1 - j])),
                 (j - from) % 24 == 23 || j == dealt - 1 ? "\n" : " ");
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last action %s, reward %+.4f\n", card_suit_symbol(p->last_action), p->last_reward);
}

static void rf_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "%s", card_suit_symbol(a));
}

const PopgymGame popgym_repeat_first = {"RepeatFirst", rf_reset, rf_step, rf_setup, rf_check,
                                        rf_describe, rf_action};
