/* repeat_previous.c: POPGym's RepeatPrevious (popgym/envs/repeat_previous.py), parameters
 * a = num_decks, b = k. A card is dealt at reset and at every step; from the k-th step on, the
 * agent is paid for naming the suit of hand[-k], the card dealt k - 1 cards before the one it
 * sees. */
#include <stdio.h>

#include "envs/popgym/impl.h"

#define N_CARDS(p) (DECK_SIZE * (p)->level->a)

/* RepeatPrevious.reset: shuffle, deal one card, observe its suit. */
static void rp_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    deck_shuffle(&p->g.repeat.deck, N_CARDS(p), &p->rng);
    raw[0] = (int16_t)card_suit(deck_deal(&p->g.repeat.deck));
}

/* RepeatPrevious.step: terminated when one card is left before the deal; hand[-k] is
 * deck.idx[len + k - 1] (the hand is the deck's tail in reverse). */
static void rp_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    Deck *d = &p->g.repeat.deck;
    const int n = N_CARDS(p), k = p->level->b;
    const double scale = 1.0 / (double)(n - k);
    *terminated = d->len == 1;
    *truncated = false;
    *reward = 0.0;
    if (n - d->len >= k) *reward = action == card_suit(d->idx[d->len + k - 1]) ? scale : -scale;
    raw[0] = (int16_t)card_suit(deck_deal(d));
}

static int rp_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    if (n != N_CARDS(p)) return err_set(err, "%s: the setup is a deck of %d cards, got %d values", p->level->name, N_CARDS(p), n);
    if (deck_from_values(&p->g.repeat.deck, values, n, p->level->name, err)) return -1;
    raw[0] = (int16_t)card_suit(deck_deal(&p->g.repeat.deck));
    return 0;
}

static int rp_check(const Popgym *p, Err *err) {
    const Deck *d = &p->g.repeat.deck;
    if (deck_check(d, N_CARDS(p), "the deck", err)) return -1;
    return check_range(d->len, N_CARDS(p) - 1 - p->t, N_CARDS(p) - 1 - p->t, "cards left", err);
}

static void rp_describe(const Popgym *p, char *buf, size_t cap) {
    const Deck *d = &p->g.repeat.deck;
    const int n = N_CARDS(p), k = p->level->b, dealt = n - d->len;
    size_t u = 0;
    text_add(buf, cap, &u, "RepeatPrevious %s: name the suit of the card dealt %d before the\n", p->level->difficulty, k - 1);
    text_add(buf, cap, &u, "one shown, from step %d on (k = %d)\n", k, k);
    text_add(buf, cap, &u, "step %d of %d, %d cards dealt, %d left\n", p->t, p->level->max_length, dealt, d->len);
    text_add(buf, cap, &u, "cards seen, newest last:\n");
    int from = dealt > 48 ? dealt - 48 : 0;
    for (int j = from; j < dealt; j++) {
        text_add(buf, cap, &u, "%s%s", card_suit_symbol(card_suit(d->idx[n - 1 - j])),
                 (j - from) % 24 == 23 || j == dealt - 1 ? "\n" : " ");
    }
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last action %s, reward %+.4f\n", card_suit_symbol(p->last_action), p->last_reward);
    if (dealt >= k) text_add(buf, cap, &u, "next answer: %s\n", card_suit_symbol(card_suit(d->idx[d->len + k - 1])));
    else text_add(buf, cap, &u, "next answer: none yet (%d more cards)\n", k - dealt);
}

static void suit_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "%s", card_suit_symbol(a));
}

const PopgymGame popgym_repeat_previous = {"RepeatPrevious", rp_reset, rp_step, rp_setup, rp_check,
                                           rp_describe, suit_action};
