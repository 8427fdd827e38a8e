/* autoencode.c: POPGym's Autoencode (popgym/envs/autoencode.py), parameter a = num_decks. The
 * agent watches the N cards of the deck, one per step, then names their suits in reverse order,
 * one per step. */
#include <stdio.h>

#include "envs/popgym/impl.h"

#define N_CARDS(p) (DECK_SIZE * (p)->level->a)

/* Autoencode.reset: shuffle, deal one card to the "system" hand, mode WATCH. */
static void ae_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    AutoencodeState *s = &p->g.autoencode;
    deck_shuffle(&s->deck, N_CARDS(p), &p->rng);
    s->watching = 1;
    s->hand = 1;
    raw[0] = 1;
    raw[1] = (int16_t)card_suit(deck_deal(&s->deck));
}

/* Autoencode.step: while watching, deal a card (the mode turns to PLAY with the last one); while
 * playing, pop the hand's last card and pay +-1/N for its suit, observing (PLAY, suit of card 0),
 * terminated when the hand held one card. */
static void ae_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    AutoencodeState *s = &p->g.autoencode;
    const int n = N_CARDS(p);
    *truncated = false;
    *terminated = false;
    *reward = 0.0;
    if (s->watching) {
        int c = deck_deal(&s->deck);
        s->hand++;
        if (s->deck.len == 0) s->watching = 0;
        raw[0] = (int16_t)s->watching;
        raw[1] = (int16_t)card_suit(c);
        return;
    }
    *terminated = s->hand == 1;
    int correct = card_suit(s->deck.idx[n - s->hand]);
    s->hand--;
    *reward = action == correct ? 1.0 / n : -1.0 / n;
    raw[0] = 0;
    raw[1] = (int16_t)card_suit(0);
}

static int ae_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    AutoencodeState *s = &p->g.autoencode;
    if (n != N_CARDS(p)) return err_set(err, "%s: the setup is a deck of %d cards, got %d values", p->level->name, N_CARDS(p), n);
    if (deck_from_values(&s->deck, values, n, p->level->name, err)) return -1;
    s->watching = 1;
    s->hand = 1;
    raw[0] = 1;
    raw[1] = (int16_t)card_suit(deck_deal(&s->deck));
    return 0;
}

static int ae_check(const Popgym *p, Err *err) {
    const AutoencodeState *s = &p->g.autoencode;
    const int n = N_CARDS(p);
    if (deck_check(&s->deck, n, "the deck", err)) return -1;
    if (p->t < n - 1) {
        if (check_range(s->watching, 1, 1, "watch mode", err)) return -1;
        if (check_range(s->deck.len, n - 1 - p->t, n - 1 - p->t, "cards left", err)) return -1;
        return check_range(s->hand, p->t + 1, p->t + 1, "cards in the hand", err);
    }
    if (check_range(s->watching, 0, 0, "watch mode", err)) return -1;
    if (check_range(s->deck.len, 0, 0, "cards left", err)) return -1;
    return check_range(s->hand, 2 * n - 1 - p->t, 2 * n - 1 - p->t, "cards in the hand", err);
}

static void ae_describe(const Popgym *p, char *buf, size_t cap) {
    const AutoencodeState *s = &p->g.autoencode;
    const int n = N_CARDS(p);
    size_t u = 0;
    text_add(buf, cap, &u, "Autoencode %s: watch %d cards, then name their suits backwards\n",
             p->level->difficulty, n);
    text_add(buf, cap, &u, "step %d of %d, %s\n", p->t, p->level->max_length,
             s->watching ? "watching" : s->hand == n && s->deck.len == 0 && p->t == n - 1
                                            ? "the last card: recite from the next step"
                                            : "reciting");
    int dealt = n - s->deck.len;
    text_add(buf, cap, &u, "%s:\n", s->watching || p->t == n - 1 ? "cards shown, newest last" : "cards still to recite, next last");
    int shown = s->watching ? dealt : s->hand;
    int from = shown > 48 ? shown - 48 : 0;
    for (int j = from; j < shown; j++)
        text_add(buf, cap, &u, "%s%s", card_suit_symbol(card_suit(s->deck.idx[n - 1 - j])),
                 (j - from) % 24 == 23 || j == shown - 1 ? "\n" : " ");
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last action %s, reward %+.4f\n", card_suit_symbol(p->last_action), p->last_reward);
    if (!s->watching && s->hand > 0)
        text_add(buf, cap, &u, "next answer: %s\n", card_suit_symbol(card_suit(s->deck.idx[n - s->hand])));
}

static void ae_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "%s", card_suit_symbol(a));
}

const PopgymGame popgym_autoencode = {"Autoencode", ae_reset, ae_step, ae_setup, ae_check,
                                      ae_describe, ae_action};
