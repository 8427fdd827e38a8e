/* concentration.c: POPGym's Concentration (popgym/envs/concentration.py), parameters
 * a = num_decks, b = deck_type (0 colors, 2 ranks). The N cards lie face down at the positions
 * of the shuffled deck; each step turns one over; two turned cards of equal value (at different
 * positions) stay face up. */
#include <stdio.h>
#include <string.h>

#include "envs/popgym/impl.h"

#define N_CARDS(p) (DECK_SIZE * (p)->level->a)
#define FACE_DOWN(p) ((p)->level->part_size - 1) /* len(unique(deck_type)): 2 or 13 */

static int value_of(const Popgym *p, int c) { return p->level->b == 0 ? card_color(c) : card_rank(c); }

/* Concentration.get_obs: face down everywhere but the cards face up and those in play. */
static void observe(const Popgym *p, int16_t *raw) {
    const ConcentrationState *s = &p->g.conc;
    const int n = N_CARDS(p);
    for (int i = 0; i < n; i++)
        raw[i] = (int16_t)(s->face_up[i] ? value_of(p, s->deck.idx[i]) : FACE_DOWN(p));
    for (int k = 0; k < s->n_in_play; k++) raw[s->in_play[k]] = (int16_t)value_of(p, s->deck.idx[s->in_play[k]]);
}

static void start(Popgym *p, int16_t *raw) {
    ConcentrationState *s = &p->g.conc;
    memset(s->face_up, 0, sizeof s->face_up);
    s->n_face_up = 0;
    s->n_in_play = 0;
    s->in_play[0] = s->in_play[1] = 0;
    observe(p, raw);
}

/* Concentration.reset: shuffle the layout; every card face down. */
static void cc_reset(Popgym *p, int16_t *raw, float *pole_obs) {
    (void)pole_obs;
    deck_shuffle(&p->g.conc.deck, N_CARDS(p), &p->rng);
    start(p, raw);
}

/* Concentration.step: turn the card at `action` over and observe; then a turn that touches a
 * face-up card pays -1/L per card in play, a second card pays +1/(N/2) for a pair (which stays
 * face up) or -2/L otherwise, and either ends the turn. Truncated at step L; terminated when
 * every card is face up. */
static void cc_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                    bool *terminated, bool *truncated) {
    (void)pole_obs;
    ConcentrationState *s = &p->g.conc;
    const int n = N_CARDS(p), length = p->level->max_length;
    const double success = 1.0 / (double)(n / 2), failure = -1.0 / (double)length;
    *reward = 0.0;
    *terminated = false;
    *truncated = p->t >= length - 1;
    s->in_play[s->n_in_play++] = action;
    observe(p, raw);
    bool already_up = false;
    for (int k = 0; k < s->n_in_play; k++) already_up |= s->face_up[s->in_play[k]] != 0;
    if (already_up) {
        *reward = failure * s->n_in_play;
        s->n_in_play = 0;
    } else if (s->n_in_play == 2) {
        int a0 = s->in_play[0], a1 = s->in_play[1];
        if (value_of(p, s->deck.idx[a0]) == value_of(p, s->deck.idx[a1]) && a0 != a1) {
            *reward = success;
            s->face_up[a0] = s->face_up[a1] = 1;
            s->n_face_up += 2;
            *terminated = s->n_face_up == n;
        } else {
            *reward = 2 * failure;
        }
        s->n_in_play = 0;
    }
}

static int cc_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err) {
    (void)pole_obs;
    if (n != N_CARDS(p)) return err_set(err, "%s: the setup is a deck of %d cards, got %d values", p->level->name, N_CARDS(p), n);
    if (deck_from_values(&p->g.conc.deck, values, n, p->level->name, err)) return -1;
    start(p, raw);
    return 0;
}

static int cc_check(const Popgym *p, Err *err) {
    const ConcentrationState *s = &p->g.conc;
    const int n = N_CARDS(p);
    if (deck_check(&s->deck, n, "the layout", err)) return -1;
    if (check_range(s->deck.len, n, n, "cards in the layout", err)) return -1;
    int up = 0;
    for (int i = 0; i < n; i++) {
        if (check_range(s->face_up[i], 0, 1, "face-up flag", err)) return -1;
        up += s->face_up[i];
    }
    for (int i = n; i < POPGYM_MAX_OBS_PARTS; i++)
        if (check_range(s->face_up[i], 0, 0, "face-up flag beyond the layout", err)) return -1;
    if (check_range(s->n_face_up, up, up, "cards face up", err)) return -1;
    if (check_range(s->n_in_play, 0, 1, "cards in play", err)) return -1;
    return check_range(s->in_play[0], 0, n - 1, "card in play", err);
}

static void cc_describe(const Popgym *p, char *buf, size_t cap) {
    const ConcentrationState *s = &p->g.conc;
    const int n = N_CARDS(p), fd = FACE_DOWN(p);
    size_t u = 0;
    text_add(buf, cap, &u, "Concentration %s: find the pairs of equal %s\n", p->level->difficulty,
             p->level->b == 0 ? "color (b black, r red)" : "rank");
    text_add(buf, cap, &u, "step %d of %d, %d of %d cards face up\n", p->t, p->level->max_length, s->n_face_up, n);
    text_add(buf, cap, &u, "what the agent sees (? face down), 13 positions a row:\n");
    for (int i = 0; i < n; i++) {
        int v = p->raw[i];
        const char *txt = v == fd ? "?" : p->level->b == 0 ? (v ? "r" : "b") : CARD_RANK_NAMES[v];
        text_add(buf, cap, &u, "%2s%s", txt, i % 13 == 12 ? "\n" : " ");
    }
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "last turned: position %d (row %d, column %d), reward %+.4f\n", p->last_action,
                 p->last_action / 13, p->last_action % 13, p->last_reward);
}

static void cc_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "#%d", a);
}

const PopgymGame popgym_concentration = {"Concentration", cc_reset, cc_step, cc_setup, cc_check,
                                         cc_describe, cc_action};
