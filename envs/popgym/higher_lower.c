/* higher_lower.c: POPGym's HigherLower (popgym/envs/higher_lower.py), parameter a = num_decks.
 * The agent guesses whether the next card's rank is higher (action 0) or lower (action 1) than
 * the shown card's; ranks run ace (lowest) to king. */
#include <stdio.h>

#include "envs/popgym/impl.h"

#define N_CARDS(p) (DECK_SIZE * (p)->level->a)

/* HigherLower.reset: shuffle, deal one card, observe its rank. */
static void hl_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    HigherLowerState *s = &p->g.hl;
    deck_shuffle(&s->deck, N_CARDS(p), &p->rng);
    s->card = deck_deal(&s->deck);
    raw[0] = (int16_t)card_rank(s->card);
}

/* HigherLower.step: terminated when at most one card is left before the deal; 0 on equal ranks,
 * else +-1/N (deck_size). */
static void hl_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    HigherLowerState *s = &p->g.hl;
    const double scale = 1.0 / (double)N_CARDS(p);
    bool guess_higher = action == 0;
    *terminated = s->deck.len <= 1;
    *truncated = false;
    int next = deck_deal(&s->deck);
    int cur_rank = card_rank(s->card), next_rank = card_rank(next);
    if (next_rank == cur_rank) *reward = 0.0;
    else if ((next_rank > cur_rank) == guess_higher) *reward = scale;
    else *reward = -scale;
    s->card = next;
    raw[0] = (int16_t)next_rank;
}

static int hl_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    HigherLowerState *s = &p->g.hl;
    if (n != N_CARDS(p)) return err_set(err, "%s: the setup is a deck of %d cards, got %d values", p->level->name, N_CARDS(p), n);
    if (deck_from_values(&s->deck, values, n, p->level->name, err)) return -1;
    s->card = deck_deal(&s->deck);
    raw[0] = (int16_t)card_rank(s->card);
    return 0;
}

static int hl_check(const Popgym *p, Err *err) {
    const HigherLowerState *s = &p->g.hl;
    const int n = N_CARDS(p);
    if (deck_check(&s->deck, n, "the deck", err)) return -1;
    if (check_range(s->deck.len, n - 1 - p->t, n - 1 - p->t, "cards left", err)) return -1;
    return check_range(s->card, s->deck.idx[s->deck.len], s->deck.idx[s->deck.len], "shown card", err);
}

static void hl_describe(const Popgym *p, char *buf, size_t cap) {
    const HigherLowerState *s = &p->g.hl;
    char name[16];
    size_t u = 0;
    text_add(buf, cap, &u, "HigherLower %s: is the next card higher or lower?\n", p->level->difficulty);
    text_add(buf, cap, &u, "step %d of %d, %d cards left\n", p->t, p->level->max_length, s->deck.len);
    card_name(s->card, name, sizeof name);
    text_add(buf, cap, &u, "shown: %s\n", name);
    int left[13] = {0};
    for (int i = 0; i < s->deck.len; i++) left[card_rank(s->deck.idx[i])]++;
    text_add(buf, cap, &u, "ranks left in the deck:\n");
    for (int r = 0; r < 13; r++) text_add(buf, cap, &u, "%s %d%s", CARD_RANK_NAMES[r], left[r], r == 12 ? "\n" : "  ");
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last guess %s, reward %+.4f\n", p->last_action == 0 ? "higher" : "lower", p->last_reward);
    if (s->deck.len > 0) {
        card_name(s->deck.idx[s->deck.len - 1], name, sizeof name);
        text_add(buf, cap, &u, "next card: %s\n", name);
    }
}

static void hl_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "%s", a == 0 ? "higher" : "lower");
}

const PopgymGame popgym_higher_lower = {"HigherLower", hl_reset, hl_step, hl_setup, hl_check,
                                        hl_describe, hl_action};
