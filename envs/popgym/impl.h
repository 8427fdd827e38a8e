/* impl.h: what the popgym modules share and users of the env do not see (popgym.c: the env
 * class, the level table and the one-hot observation; deck.c: POPGym's cards; one file per game
 * with its reset, step, checks and text, named as POPGym's popgym/envs/ files). */
#ifndef PPO_POPGYM_IMPL_H
#define PPO_POPGYM_IMPL_H

#include "core/rng.h"
#include "envs/popgym/popgym.h"

#define POPGYM_MAX_CARDS 832     /* RepeatFirstHard: 16 decks */
#define POPGYM_MAX_OBS_PARTS 104 /* ConcentrationMedium: one observation part per card */
#define POPGYM_MAX_CELLS 144     /* BattleshipHard: 12 x 12 */
#define POPGYM_MAX_ARMS 30       /* MultiarmedBanditHard */
#define DECK_SIZE 52             /* cards per deck (deck.py DECK_SIZE) */

/* deck.py Deck: card ids in shuffled order; the cards idx[0 .. len) are still in the deck and
 * the next one dealt is idx[len - 1]. */
typedef struct Deck {
    int32_t n;                       /* cards in all, 52 x decks */
    int32_t len;                     /* cards not dealt yet */
    int16_t idx[POPGYM_MAX_CARDS];   /* a permutation of 0 .. n - 1 */
} Deck;

/* deck.py's card attributes of card id c. */
static inline int card_suit(int c) { return c % 4; }          /* SUITS s, d, c, h */
static inline int card_rank(int c) { return (c % DECK_SIZE) / 4; } /* RANKS a, 2, .., k */
static inline int card_color(int c) { return c % 2; }         /* COLORS b, r */

/* Deck.reset(shuffle=True): the identity order 0 .. n - 1, then a Fisher-Yates shuffle drawn from
 * rng (POPGym shuffles with numpy's Generator.shuffle: the same distribution). */
void deck_shuffle(Deck *d, int n, Rng *rng);

/* Deck.deal of one card: returns the card id dealt (len > 0). */
static inline int deck_deal(Deck *d) { return d->idx[--d->len]; }

/* Checks that d holds a permutation of 0 .. n - 1 with 0 <= len <= n; the message names `what`. */
int deck_check(const Deck *d, int n, const char *what, Err *err);

/* Sets d to the order values [n] (POPGym's Deck.idx) with nothing dealt. Errors: not a
 * permutation of 0 .. n - 1. */
int deck_from_values(Deck *d, const double *values, int n, const char *what, Err *err);

/* The suit of card id c as a symbol, "♠" "♦" "♣" "♥", and a card as "A♠", "10♥", ... */
const char *card_suit_symbol(int suit);
void card_name(int c, char *buf, size_t cap);
extern const char *const CARD_RANK_NAMES[13];

/* ---- game states: only plain values, so an env's state is saved as its bytes ---- */

typedef struct RepeatState {   /* RepeatPrevious and RepeatFirst */
    Deck deck;
    int32_t first_suit;        /* RepeatFirst: the suit to repeat */
} RepeatState;

typedef struct AutoencodeState {
    Deck deck;
    int32_t watching;          /* Mode.WATCH (1) or Mode.PLAY (0) */
    int32_t hand;              /* cards in the "system" hand: dealt and not recited yet */
} AutoencodeState;

typedef struct CountRecallState {
    Deck values, queries;
    int32_t value, query;      /* the values of the cards dealt last */
    int32_t counts[13];        /* cards of each value dealt from the value deck */
} CountRecallState;

typedef struct HigherLowerState {
    Deck deck;
    int32_t card;              /* the card shown */
} HigherLowerState;

typedef struct ConcentrationState {
    Deck deck;                 /* the layout: position p holds card deck.idx[p]; never dealt */
    uint8_t face_up[POPGYM_MAX_OBS_PARTS]; /* 1 where a pair was found */
    int32_t n_face_up;
    int32_t in_play[2];        /* positions turned this turn */
    int32_t n_in_play;
} ConcentrationState;

typedef struct MineState {
    uint8_t hidden[POPGYM_MAX_CELLS];   /* HiddenSquare: 0 clear, 1 mine, 2 viewed */
    uint8_t neighbors[POPGYM_MAX_CELLS];/* mines in the 3x3 block around each cell */
} MineState;

typedef struct ShipState {
    uint8_t board[POPGYM_MAX_CELLS];    /* 1 on ship cells */
    uint8_t guesses[POPGYM_MAX_CELLS];  /* 1 where the agent fired */
    int32_t hits;
} ShipState;

typedef struct BanditState {
    float p[POPGYM_MAX_ARMS];  /* each arm's probability of paying */
} BanditState;

typedef struct PoleState {
    double s[4];               /* x, x_dot, theta, theta_dot */
} PoleState;

typedef struct Popgym Popgym;
typedef struct PopgymLevel PopgymLevel;

/* One of POPGym's games: the functions of its file. raw is the observation as POPGym returns it,
 * one small integer per part (level->obs_parts of them), which popgym.c one-hot encodes; the
 * CartPole variants write their float observation into pole_obs instead. */
typedef struct PopgymGame {
    const char *title; /* POPGym's class name */
    /* reset(): a new episode drawn from p->rng; writes the first observation. */
    void (*reset)(Popgym *p, int16_t *raw, float *pole_obs);
    /* step(action): the rules; writes the next observation, the reward and the flags.
     * p->t counts the steps taken before this one. */
    void (*step)(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,
                 bool *terminated, bool *truncated);
    /* Lays out the episode from the test seam's values (popgym_test_setup), writing the first
     * observation as reset does. */
    int (*setup)(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs, Err *err);
    /* Checks a loaded state: every index in range, every deck a permutation. */
    int (*check)(const Popgym *p, Err *err);
    /* The text of popgym_describe and popgym_action_name. */
    void (*describe)(const Popgym *p, char *buf, size_t cap);
    void (*action_name)(const Popgym *p, int a, char *buf, size_t cap);
} PopgymGame;

/* One registered env: a game and its difficulty's parameters. */
struct PopgymLevel {
    const char *name;          /* "popgym/repeat-previous-easy" */
    const PopgymGame *game;
    const char *difficulty;    /* "easy", "medium", "hard" */
    int a, b;                  /* the game's parameters (named in each game's file) */
    double c;                  /* NoisyPositionOnlyCartPole: the noise's standard deviation */
    int max_length;            /* POPGym's episode length */
    int n_actions;
    int obs_parts;             /* integer parts of the raw observation (0: CartPole variants) */
    int part_size;             /* values each part takes (every part alike, but Autoencode's) */
    int obs_dim;               /* floats of the observation */
};

/* The env (PufferLib layout: no buffers of its own to point to, then the state). The part from
 * `t` on is the saved state, written as bytes (its padding is zeroed at creation and never
 * written). */
struct Popgym {
    PopgymView pub;            /* what env_view() shows */
    const PopgymLevel *level;
    /* ---- saved state ---- */
    int32_t t;                 /* steps taken in this episode */
    int32_t last_action;
    float last_reward, ret;
    int16_t raw[POPGYM_MAX_OBS_PARTS]; /* the last observation, raw (for the viewer) */
    float pole_obs[2];
    Rng rng;
    union {
        RepeatState repeat;
        AutoencodeState autoencode;
        CountRecallState count;
        HigherLowerState hl;
        ConcentrationState conc;
        MineState mine;
        ShipState ship;
        BanditState bandit;
        PoleState pole;
    } g;
};

/* The games (one file each). */
extern const PopgymGame popgym_repeat_previous, popgym_repeat_first, popgym_autoencode,
    popgym_count_recall, popgym_higher_lower, popgym_concentration, popgym_minesweeper,
    popgym_battleship, popgym_multiarmed_bandit, popgym_position_only_cartpole,
    popgym_velocity_only_cartpole, popgym_noisy_position_only_cartpole;

/* popgym_test_setup for the Pendulum variants (position_only_pendulum.c): values is the state
 * [theta, thetadot]; the noisy variant draws its first observation's noise afresh. */
int popgym_pendulum_test_setup(Env *env, const double *values, int n, float *obs, Err *err);

/* Appends formatted text to buf [cap] at *used (snprintf-style truncation; *used never passes
 * cap - 1). */
void text_add(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks lo <= v <= hi for a loaded state; the message names the field. */
int check_range(long v, long lo, long hi, const char *what, Err *err);

#endif
