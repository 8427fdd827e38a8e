/* map.c: ASCII map files, read and written (format in gridworld.h). Parse errors name
 * source:line:column, the characters at fault and what is allowed (redis's config loader). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "envs/gridworld/impl.h"

#define MAX_FILE_BYTES (1 << 20)

static const char COLOR_CHARS[GRID_N_COLORS + 1] = "rgbpye"; /* by COLOR_TO_IDX */
static const char DIR_CHARS[4] = {'>', 'v', '<', '^'};        /* east, south, west, north */

static const char BAD_COLOR[] =
    "the second character is not a color (r red, g green, b blue, p purple, y yellow, e grey)";

static const char LEGEND[] =
    "; legend: two characters per cell, the object then its color\n"
    ";   ..  empty          ##  wall (grey); #c a wall of color c\n"
    ";   GG  goal           ~~  lava\n"
    ";   Fc  floor          Kc  key          Oc  ball          Bc  box\n"
    ";   Dc  closed door    Lc  locked door  _c  open door\n"
    ";   >>  vv  <<  ^^     the agent facing east, south, west, north\n"
    ";   colors c: r red, g green, b blue, p purple, y yellow, e grey\n"
    "; directives: max_steps N; see_through yes|no. Lines starting with ';' are comments.\n";

const char *gridworld_map_legend(void) { return LEGEND; }

void gridworld_map_free(GridMap *m) {
    free(m->cells);
    m->cells = NULL;
}

static int color_of(char c) {
    const char *p = c ? strchr(COLOR_CHARS, c) : NULL;
    return p ? (int)(p - COLOR_CHARS) : -1;
}

static int dir_of(char c) {
    for (int d = 0; d < 4; d++)
        if (DIR_CHARS[d] == c) return d;
    return -1;
}

/* Decodes the cell "ab" into *out, or an agent into *dir (and an empty *out). Returns 0, or -1
 * with the reason in why [n]. */
static int decode_cell(char a, char b, GridCell *out, int *dir, char *why, size_t n) {
    *dir = -1;
    *out = GRID_EMPTY_CELL;
    int color = color_of(b);
    switch (a) {
    case '.':
        if (b == '.') return 0;
        snprintf(why, n, "an empty cell is written ..");
        return -1;
    case '#':
        if (b == '#') color = GRID_GREY;
        if (color < 0) break;
        *out = grid_cell(GRID_WALL, color, 0);
        return 0;
    case 'G':
        if (b == 'G') {
            *out = grid_cell(GRID_GOAL, GRID_GREEN, 0);
            return 0;
        }
        snprintf(why, n, "the goal is written GG");
        return -1;
    case '~':
        if (b == '~') {
            *out = grid_cell(GRID_LAVA, GRID_RED, 0);
            return 0;
        }
        snprintf(why, n, "lava is written ~~");
        return -1;
    case 'F': case 'K': case 'O': case 'B': case 'D': case 'L': case '_': {
        if (color < 0) {
            snprintf(why, n, "%s", BAD_COLOR);
            return -1;
        }
        static const struct { char c; uint8_t type, state; } KINDS[] = {
            {'F', GRID_FLOOR, 0},          {'K', GRID_KEY, 0},         {'O', GRID_BALL, 0},
            {'B', GRID_BOX, 0},            {'D', GRID_DOOR, GRID_CLOSED}, {'L', GRID_DOOR, GRID_LOCKED},
            {'_', GRID_DOOR, GRID_OPEN},
        };
        for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
            if (KINDS[k].c == a) *out = grid_cell(KINDS[k].type, color, KINDS[k].state);
        return 0;
    }
    default:
        if (dir_of(a) >= 0 && b == a) {
            *dir = dir_of(a);
            return 0;
        }
        if (dir_of(a) >= 0) {
            snprintf(why, n, "the agent is written >> vv << or ^^");
            return -1;
        }
        snprintf(why, n, "unknown object (the legend is in `ppo env --help`)");
        return -1;
    }
    snprintf(why, n, "%s", BAD_COLOR);
    return -1;
}

/* Writes the two characters of a cell as '%c%c' into out [n], or in hex when not printable. */
static void show_chars(char a, char b, char *out, size_t n) {
    if (isprint((unsigned char)a) && isprint((unsigned char)b))
        snprintf(out, n, "'%c%c'", a, b);
    else
        snprintf(out, n, "0x%02x 0x%02x", (unsigned char)a, (unsigned char)b);
}

/* Whether line [len] starts with the word w followed by a blank or its end. */
static bool starts_with_word(const char *line, size_t len, const char *w) {
    size_t k = strlen(w);
    return len >= k && memcmp(line, w, k) == 0 && (len == k || line[k] == ' ' || line[k] == '\t');
}

/* The value after a directive word: skips blanks; returns its start and length in *vlen. */
static const char *directive_value(const char *line, size_t len, size_t word, size_t *vlen) {
    size_t i = word;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    *vlen = len - i;
    return line + i;
}

int gridworld_map_parse(GridMap *m, const char *text, size_t len, const char *source, Err *err) {
    memset(m, 0, sizeof *m);
    m->agent_x = m->agent_y = m->agent_dir = -1;
    m->see_through = -1;
    GridCell *cells = malloc(sizeof(GridCell) * GRID_MAX_SIZE * GRID_MAX_SIZE);
    if (!cells) return err_set(err, "%s: out of memory reading the map", source);
    int width = 0, height = 0, first_row_line = 0, agent_line = 0, agent_col = 0;
    int max_steps_line = 0, see_through_line = 0;
    int lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
        if (n == 0 || line[0] == ';') continue;
        char why[256];
        size_t vlen;
        if (starts_with_word(line, n, "max_steps")) {
            const char *v = directive_value(line, n, 9, &vlen);
            char num[32];
            long value = -1;
            if (vlen > 0 && vlen < sizeof num) {
                memcpy(num, v, vlen);
                num[vlen] = '\0';
                char *end;
                errno = 0;
                value = strtol(num, &end, 10);
                if (*end || errno || value < 1 || value > 1000000000) value = -1;
            }
            if (value < 0) {
                err_set(err, "%s:%d:%d: max_steps '%.*s' is not a whole number in 1..1000000000",
                        source, lineno, (int)(v - line) + 1, (int)(vlen > 40 ? 40 : vlen), v);
                goto fail;
            }
            if (max_steps_line) {
                err_set(err, "%s:%d:1: max_steps is given twice (first at line %d)", source, lineno,
                        max_steps_line);
                goto fail;
            }
            max_steps_line = lineno;
            m->max_steps = (int)value;
            continue;
        }
        if (starts_with_word(line, n, "see_through")) {
            const char *v = directive_value(line, n, 11, &vlen);
            int value = vlen == 3 && memcmp(v, "yes", 3) == 0 ? 1 : vlen == 2 && memcmp(v, "no", 2) == 0 ? 0 : -1;
            if (value < 0) {
                err_set(err, "%s:%d:%d: see_through '%.*s' is not yes or no", source, lineno,
                        (int)(v - line) + 1, (int)(vlen > 40 ? 40 : vlen), v);
                goto fail;
            }
            if (see_through_line) {
                err_set(err, "%s:%d:1: see_through is given twice (first at line %d)", source,
                        lineno, see_through_line);
                goto fail;
            }
            see_through_line = lineno;
            m->see_through = value;
            continue;
        }
        /* A grid row. */
        if (n % 2) {
            err_set(err, "%s:%d:%zu: the row ends in half a cell: every cell is two characters (the row has %zu)",
                    source, lineno, n, n);
            goto fail;
        }
        int row_cells = (int)(n / 2);
        if (height == 0) {
            if (row_cells > GRID_MAX_SIZE) {
                err_set(err, "%s:%d: the row has %d cells; a map is at most %d cells wide", source,
                        lineno, row_cells, GRID_MAX_SIZE);
                goto fail;
            }
            width = row_cells;
            first_row_line = lineno;
        } else if (row_cells != width) {
            err_set(err, "%s:%d: the row has %d cells but the first row (line %d) has %d", source,
                    lineno, row_cells, first_row_line, width);
            goto fail;
        }
        if (height == GRID_MAX_SIZE) {
            err_set(err, "%s:%d: more than %d rows; a map is at most %d cells high", source, lineno,
                    GRID_MAX_SIZE, GRID_MAX_SIZE);
            goto fail;
        }
        for (int x = 0; x < width; x++) {
            char a = line[2 * x], b = line[2 * x + 1];
            int dir;
            GridCell c;
            if (decode_cell(a, b, &c, &dir, why, sizeof why) != 0) {
                char shown[16];
                show_chars(a, b, shown, sizeof shown);
                err_set(err, "%s:%d:%d: cell %s: %s", source, lineno, 2 * x + 1, shown, why);
                goto fail;
            }
            if (dir >= 0) {
                if (agent_line) {
                    err_set(err, "%s:%d:%d: a second agent '%c%c' (the first is at line %d, column %d)",
                            source, lineno, 2 * x + 1, a, b, agent_line, agent_col);
                    goto fail;
                }
                agent_line = lineno;
                agent_col = 2 * x + 1;
                m->agent_x = x;
                m->agent_y = height;
                m->agent_dir = dir;
            }
            cells[height * width + x] = c;
        }
        height++;
    }
    if (height == 0) {
        err_set(err, "%s: no grid rows (a map is 3 to %d rows of 3 to %d two-character cells)",
                source, GRID_MAX_SIZE, GRID_MAX_SIZE);
        goto fail;
    }
    if (width < 3 || height < 3) {
        err_set(err, "%s: the map is %dx%d cells; each side must be at least 3 (as MiniGrid's Grid)",
                source, width, height);
        goto fail;
    }
    if (m->agent_x < 0) {
        int free_cells = 0;
        for (int i = 0; i < width * height; i++) free_cells += cells[i].type == GRID_EMPTY;
        if (!free_cells) {
            err_set(err, "%s: the map has no agent (>> vv << ^^) and no empty cell to start on",
                    source);
            goto fail;
        }
    }
    GridCell *fit = realloc(cells, sizeof(GridCell) * (size_t)width * (size_t)height);
    m->cells = fit ? fit : cells;
    m->width = width;
    m->height = height;
    return 0;
fail:
    free(cells);
    memset(m, 0, sizeof *m);
    return -1;
}

int gridworld_map_load(GridMap *m, const char *path, Err *err) {
    memset(m, 0, sizeof *m);
    char *text;
    size_t len;
    if (file_read(path, "map file", MAX_FILE_BYTES, &text, &len, err)) return -1;
    int rc = gridworld_map_parse(m, text, len, path, err);
    free(text);
    return rc;
}

/* The two characters of cell c. */
static void encode_cell(GridCell c, char out[2]) {
    out[1] = COLOR_CHARS[c.color < GRID_N_COLORS ? c.color : 0];
    switch (c.type) {
    case GRID_WALL: out[0] = '#'; if (c.color == GRID_GREY) out[1] = '#'; break;
    case GRID_GOAL: out[0] = out[1] = 'G'; break;
    case GRID_LAVA: out[0] = out[1] = '~'; break;
    case GRID_FLOOR: out[0] = 'F'; break;
    case GRID_KEY: out[0] = 'K'; break;
    case GRID_BALL: out[0] = 'O'; break;
    case GRID_BOX: out[0] = 'B'; break;
    case GRID_DOOR: out[0] = c.state == GRID_OPEN ? '_' : c.state == GRID_CLOSED ? 'D' : 'L'; break;
    default: out[0] = out[1] = '.'; break;
    }
}

size_t gridworld_map_format(const GridView *v, char *buf, size_t cap) {
    size_t need = (size_t)v->height * (2 * (size_t)v->width + 1);
    size_t k = 0;
    for (int y = 0; y < v->height; y++) {
        for (int x = 0; x < v->width; x++) {
            char two[2];
            if (x == v->agent_x && y == v->agent_y)
                two[0] = two[1] = DIR_CHARS[v->agent_dir & 3];
            else
                encode_cell(v->cells[y * v->stride + x], two);
            for (int i = 0; i < 2; i++, k++)
                if (k + 1 < cap) buf[k] = two[i];
        }
        if (k + 1 < cap) buf[k] = '\n';
        k++;
    }
    if (cap) buf[k < cap ? k : cap - 1] = '\0';
    return need;
}
