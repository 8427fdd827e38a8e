/* count_recall.c: POPGym's CountRecall (popgym/envs/count_recall.py), parameters a = num_decks,
 * b = deck_type (0 colors, 1 suits, 2 ranks). Each step deals a card from a value deck and one
 * from a query deck; the agent is paid for the number of value cards dealt so far that equal
 * the previous step's query. */
#include <stdio.h>
#include <string.h>

#include "envs/popgym/impl.h"

#define N_CARDS(p) (DECK_SIZE * (p)->level->a)

/* The counted value of card c under deck_type: its color, suit or rank. */
static int value_of(const Popgym *p, int c) {
    switch (p->level->b) {
    case 0: return card_color(c);
    case 1: return card_suit(c);
    default: return card_rank(c);
    }
}

/* CountRecall.deal and the counting that follows it in reset and step. */
static void deal(Popgym *p, int16_t *raw) {
    CountRecallState *s = &p->g.count;
    s->value = value_of(p, deck_deal(&s->values));
    s->query = value_of(p, deck_deal(&s->queries));
    s->counts[s->value]++;
    raw[0] = (int16_t)s->value;
    raw[1] = (int16_t)s->query;
}

/* CountRecall.reset: shuffle the value deck, then the query deck; deal; count. */
static void cr_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    CountRecallState *s = &p->g.count;
    deck_shuffle(&s->values, N_CARDS(p), &p->rng);
    deck_shuffle(&s->queries, N_CARDS(p), &p->rng);
    memset(s->counts, 0, sizeof s->counts);
    deal(p, raw);
}

/* CountRecall.step: the answer to the previous query is its count before this deal; pays
 * +-1/(N - 1); terminated when the value deck is empty after the deal. */
static void cr_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    CountRecallState *s = &p->g.count;
    const double scale = 1.0 / (double)(N_CARDS(p) - 1);
    int prev_count = s->counts[s->query];
    deal(p, raw);
    *reward = action == prev_count ? scale : -scale;
    *terminated = s->values.len == 0;
    *truncated = false;
}

static int cr_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    CountRecallState *s = &p->g.count;
    const int cards = N_CARDS(p);
    if (n != 2 * cards)
        return err_set(err, "%s: the setup is the value deck then the query deck, %d values; got %d",
                       p->level->name, 2 * cards, n);
    if (deck_from_values(&s->values, values, cards, p->level->name, err) ||
        deck_from_values(&s->queries, values + cards, cards, p->level->name, err))
        return -1;
    memset(s->counts, 0, sizeof s->counts);
    deal(p, raw);
    return 0;
}

static int cr_check(const Popgym *p, Err *err) {
    const CountRecallState *s = &p->g.count;
    const int n = N_CARDS(p);
    if (deck_check(&s->values, n, "the value deck", err) || deck_check(&s->queries, n, "the query deck", err))
        return -1;
    if (check_range(s->values.len, n - 1 - p->t, n - 1 - p->t, "value cards left", err) ||
        check_range(s->queries.len, n - 1 - p->t, n - 1 - p->t, "query cards left", err))
        return -1;
    int counts[13] = {0};
    for (int i = s->values.len; i < n; i++) counts[value_of(p, s->values.idx[i])]++;
    if (memcmp(counts, s->counts, sizeof counts) != 0)
        return err_set(err, "popgym state: the counts do not match the cards dealt");
    if (check_range(s->value, value_of(p, s->values.idx[s->values.len]), value_of(p, s->values.idx[s->values.len]),
                    "dealt value", err))
        return -1;
    return check_range(s->query, value_of(p, s->queries.idx[s->queries.len]),
                       value_of(p, s->queries.idx[s->queries.len]), "query", err);
}

static const char *value_name(const Popgym *p, int v, char *buf, size_t cap) {
    static const char *const COLOR_NAMES[2] = {"black", "red"};
    switch (p->level->b) {
    case 0: snprintf(buf, cap, "%s", COLOR_NAMES[v & 1]); break;
    case 1: snprintf(buf, cap, "%s", card_suit_symbol(v)); break;
    default: snprintf(buf, cap, "%s", CARD_RANK_NAMES[v % 13]); break;
    }
    return buf;
}

static void cr_describe(const Popgym *p, char *buf, size_t cap) {
    const CountRecallState *s = &p->g.count;
    static const char *const KINDS[3] = {"colors", "suits", "ranks"};
    const int v = p->level->part_size;
    char a[16], b[16];
    size_t u = 0;
    text_add(buf, cap, &u, "CountRecall %s: count the %s dealt; answer how many of the\n",
             p->level->difficulty, KINDS[p->level->b]);
    text_add(buf, cap, &u, "queried kind were dealt so far\n");
    text_add(buf, cap, &u, "step %d of %d, %d cards left\n", p->t, p->level->max_length, s->values.len);
    text_add(buf, cap, &u, "dealt %s, query %s\n", value_name(p, s->value, a, sizeof a),
             value_name(p, s->query, b, sizeof b));
    text_add(buf, cap, &u, "counts so far:");
    for (int i = 0; i < v; i++) text_add(buf, cap, &u, "%s%s %d", i % 7 == 6 ? "\n" : " ", value_name(p, i, a, sizeof a), s->counts[i]);
    text_add(buf, cap, &u, "\n");
    if (p->last_action >= 0) text_add(buf, cap, &u, "last answer %d, reward %+.4f\n", p->last_action, p->last_reward);
    text_add(buf, cap, &u, "next answer: %d\n", s->counts[s->query]);
}

static void cr_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "%d", a);
}

const PopgymGame popgym_count_recall = {"CountRecall", cr_reset, cr_step, cr_setup, cr_check,
                                        cr_describe, cr_action};
