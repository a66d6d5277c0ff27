/*
 * jschema.c - see jschema.h: a JSON Schema 2020-12 validator for the subset
 * of keywords listed there, with plain-English messages.
 *
 * Messages ("LOCATION: " is "(top level): " for the instance itself):
 *   LOCATION: must be a string | an integer | a number | an object |
 *             an array | a boolean | null   (several: "a string or null")
 *   LOCATION: must be "x"                      (const; a single-value enum)
 *   LOCATION: must be the value the schema gives   (const object or array)
 *   LOCATION: must be one of "a", "b", 3       (enum; after 10 values or
 *             200 bytes: ', ... (N more)')
 *   LOCATION: must be at least N | at most N | greater than N | less than N
 *   LOCATION: must be at least N character(s) long | at most N ...
 *   LOCATION: must match the pattern P        (+ " (HINT)" with x-hint)
 *   LOCATION: must have at least N item(s) | at most N item(s)
 *   LOCATION: items must be unique (item J repeats item I)
 *   LOCATION: missing required property "name"
 *   LOCATION: unknown property "foo"           (additionalProperties false)
 *   LOCATION: property "foo" appears more than once
 *   LOCATION: must not be present              (a member whose schema is false)
 *   LOCATION: is not allowed here              (any other false schema)
 *   LOCATION: must match one of the allowed forms   (anyOf, see v_anyof)
 *   LOCATION: is nested too deeply (the limit is 64 levels)
 *   LOCATION: is too long to check against the pattern (the limit is 65536 bytes)
 *   LOCATION: has too many items to check that they are unique (the limit is 4096)
 *   LOCATION: number is out of range
 *   out of memory
 */
#include "jschema.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounded text buffers ---------------------------------------------- */

/* Text appended to a fixed buffer; what does not fit is dropped, cutting
 * at a UTF-8 character boundary, and the text stays NUL-terminated. */
typedef struct sbuf {
    char *p;
    size_t cap; /* >= 1 */
    size_t len; /* < cap, p[len] == '\0' */
    int cut;    /* something was dropped */
} sbuf;

static void sb_init(sbuf *b, char *p, size_t cap)
{
    b->p = p;
    b->cap = cap;
    b->len = 0;
    b->cut = 0;
    p[0] = '\0';
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->cut)
        return;
    size_t room = b->cap - 1 - b->len;
    if (n > room) {
        /* s[room] exists; back off to the start of its character */
        while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
            room--;
        n = room;
        b->cut = 1;
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_char(sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

static void sb_size(sbuf *b, size_t v)
{
    char t[24];
    snprintf(t, sizeof(t), "%zu", v);
    sb_puts(b, t);
}

static int is_integer(double v)
{
    return v >= -9007199254740992.0 && v <= 9007199254740992.0 && (double)(int64_t)v == v;
}

static int is_finite(double v)
{
    return v - v == 0.0; /* false for infinities and NaN */
}

/* The shortest of %.15g and %.17g that reads back as v; integers plainly. */
static void sb_num(sbuf *b, double v)
{
    char t[40];
    if (is_integer(v)) {
        snprintf(t, sizeof(t), "%" PRId64, (int64_t)v);
    } else {
        snprintf(t, sizeof(t), "%.15g", v);
        if (strtod(t, NULL) != v)
            snprintf(t, sizeof(t), "%.17g", v);
    }
    sb_puts(b, t);
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* A byte that is not part of well-formed UTF-8 decodes to this plus its
 * value: one "code point" that no literal or range can equal. */
#define BAD_BYTE 0x110000u

/* Decodes the code point at s[*i] (i < n) and advances *i past it. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[*i];
    size_t need;
    uint32_t cp, min;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, cp = c & 0x07, min = 0x10000;
    } else {
        (*i)++;
        return BAD_BYTE + c;
    }
    if (n - *i - 1 < need) {
        (*i)++;
        return BAD_BYTE + c;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned t = s[*i + k];
        if ((t & 0xC0) != 0x80) {
            (*i)++;
            return BAD_BYTE + c;
        }
        cp = (cp << 6) | (t & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        (*i)++;
        return BAD_BYTE + c;
    }
    *i += need + 1;
    return cp;
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t i = 0, count = 0;
    while (i < n) {
        (void)utf8_next((const unsigned char *)s, n, &i);
        count++;
    }
    return count;
}

/* Appends s, at most max_out bytes of it (then "..."). quote: as a JSON
 * string literal in double quotes, with \" \\ \n \r \t \uXXXX escapes;
 * otherwise control characters become "?". Bytes that are not UTF-8
 * become U+FFFD. */
static void sb_str(sbuf *b, const char *s, int quote, size_t max_out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, out = 0;
    if (quote)
        sb_char(b, '"');
    while (i < n) {
        size_t start = i;
        uint32_t cp = utf8_next(u, n, &i);
        char t[8];
        const char *piece = t;
        size_t len;
        if (cp >= BAD_BYTE) {
            piece = "\xEF\xBF\xBD", len = 3;
        } else if (cp < 0x20 || cp == 0x7F) {
            if (!quote)
                t[0] = '?', len = 1;
            else if (cp == '\n')
                piece = "\\n", len = 2;
            else if (cp == '\r')
                piece = "\\r", len = 2;
            else if (cp == '\t')
                piece = "\\t", len = 2;
            else
                len = (size_t)snprintf(t, sizeof(t), "\\u%04x", (unsigned)cp);
        } else if (quote && (cp == '"' || cp == '\\')) {
            t[0] = '\\', t[1] = (char)cp, len = 2;
        } else {
            piece = s + start, len = i - start;
        }
        if (out + len > max_out) {
            sb_puts(b, "...");
            break;
        }
        sb_putn(b, piece, len);
        out += len;
    }
    if (quote)
        sb_char(b, '"');
}

/* ---- schema access ------------------------------------------------------- */

static const cJSON *kw(const cJSON *schema, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(schema, name);
}

#define REF_PREFIX "#/$defs/"
#define REF_PREFIX_LEN (sizeof(REF_PREFIX) - 1)

/* 1 if the JSON pointer token tok (with ~0 and ~1 escapes) names key. */
static int token_is(const char *tok, const char *key)
{
    for (;;) {
        char c = *tok++;
        if (c == '~')
            c = *tok++ == '0' ? '~' : '/';
        if (c != *key)
            return 0;
        if (c == '\0')
            return 1;
        key++;
    }
}

/* A well-formed NAME of "#/$defs/NAME": not empty, no "/" or "%", and
 * "~" only in ~0 and ~1. */
static int ref_name_ok(const char *name)
{
    if (*name == '\0')
        return 0;
    for (; *name != '\0'; name++) {
        if (*name == '/' || *name == '%')
            return 0;
        if (*name == '~' && name[1] != '0' && name[1] != '1')
            return 0;
    }
    return 1;
}

/* The schema a local $ref names, or NULL. */
static const cJSON *resolve_ref(const cJSON *root, const char *ref)
{
    if (ref == NULL || strncmp(ref, REF_PREFIX, REF_PREFIX_LEN) != 0 ||
        !ref_name_ok(ref + REF_PREFIX_LEN))
        return NULL;
    const cJSON *defs = kw(root, "$defs");
    if (!cJSON_IsObject(defs))
        return NULL;
    for (const cJSON *d = defs->child; d != NULL; d = d->next)
        if (d->string != NULL && token_is(ref + REF_PREFIX_LEN, d->string))
            return d;
    return NULL;
}

/* ---- types ----------------------------------------------------------------- */

enum {
    T_NULL = 1,
    T_BOOLEAN = 2,
    T_OBJECT = 4,
    T_ARRAY = 8,
    T_NUMBER = 16,
    T_STRING = 32,
    T_INTEGER = 64
};

static const struct {
    const char *name, *phrase;
} TYPES[] = {
    {"null", "null"},          {"boolean", "a boolean"}, {"object", "an object"},
    {"array", "an array"},     {"number", "a number"},   {"string", "a string"},
    {"integer", "an integer"},
};
#define NTYPES (sizeof(TYPES) / sizeof(TYPES[0]))

/* Index of a type name in TYPES, or -1. */
static int type_index(const char *name)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (strcmp(TYPES[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The T_ bits of the types the instance belongs to. */
static unsigned instance_types(const cJSON *x)
{
    if (cJSON_IsNull(x))
        return T_NULL;
    if (cJSON_IsBool(x))
        return T_BOOLEAN;
    if (cJSON_IsObject(x))
        return T_OBJECT;
    if (cJSON_IsArray(x))
        return T_ARRAY;
    if (cJSON_IsString(x))
        return T_STRING;
    if (cJSON_IsNumber(x))
        return T_NUMBER | (is_integer(x->valuedouble) ? T_INTEGER : 0u);
    return 0;
}

/* ---- regular expressions ------------------------------------------------- */

enum { RA_LIT, RA_ANY, RA_ESC, RA_CLASS };
#define RE_INF UINT32_MAX

typedef struct re_atom {
    uint32_t cp;     /* RA_LIT: the code point; RA_ESC: 'd', 'D', 'w', 'W', 's' or 'S' */
    uint32_t min;    /* repetitions */
    uint32_t max;    /* RE_INF: unbounded */
    uint16_t lo, hi; /* RA_CLASS: the class body is pattern[lo, hi) */
    uint8_t kind;
    uint8_t neg; /* RA_CLASS: [^...] */
} re_atom;

static int is_punct(unsigned c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

/* Reads the escape at p[*i] == '\\' (p has n bytes): a literal (*cp) or
 * one of \d \D \w \W \s \S (*cls). NULL or what is wrong. */
static const char *re_escape(const char *p, size_t n, size_t *i, uint32_t *cp, int *cls)
{
    if (*i + 1 >= n)
        return "ends with a lone backslash";
    unsigned e = (unsigned char)p[*i + 1];
    *i += 2;
    *cls = 0;
    *cp = 0;
    switch (e) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S': *cls = (int)e; return NULL;
    case 'n': *cp = '\n'; return NULL;
    case 'r': *cp = '\r'; return NULL;
    case 't': *cp = '\t'; return NULL;
    case 'f': *cp = '\f'; return NULL;
    case 'v': *cp = '\v'; return NULL;
    default: break;
    }
    if (is_punct(e)) {
        *cp = e;
        return NULL;
    }
    return "uses an unsupported escape (supported: \\d \\w \\s \\D \\W \\S \\n \\r \\t \\f \\v "
           "and a backslash before punctuation)";
}

/* One character of a bracket class body ending at hi. */
static const char *re_class_char(const char *p, size_t hi, size_t *i, uint32_t *cp, int *cls)
{
    if (p[*i] == '\\')
        return re_escape(p, hi, i, cp, cls);
    *cls = 0;
    *cp = utf8_next((const unsigned char *)p, hi, i);
    return *cp >= BAD_BYTE ? "is not valid UTF-8" : NULL;
}

/* One item of a class body p[*i, hi): the range [*a, *b], or *cls. */
static const char *re_class_item(const char *p, size_t hi, size_t *i, uint32_t *a, uint32_t *b,
                                 int *cls)
{
    const char *e = re_class_char(p, hi, i, a, cls);
    if (e != NULL)
        return e;
    *b = *a;
    /* "-" makes a range unless it is the last character of the class */
    if (*i + 1 < hi && p[*i] == '-') {
        if (*cls)
            return "has a range in a character class that starts with \\d, \\w or \\s";
        size_t j = *i + 1;
        int cls2;
        e = re_class_char(p, hi, &j, b, &cls2);
        if (e != NULL)
            return e;
        if (cls2)
            return "has a range in a character class that ends with \\d, \\w or \\s";
        if (*b < *a)
            return "has a range in a character class whose end comes before its start";
        *i = j;
    }
    return NULL;
}

static int esc_match(int cls, uint32_t c)
{
    int in;
    switch (cls | 0x20) { /* lower case */
    case 'd': in = c >= '0' && c <= '9'; break;
    case 'w':
        in = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        break;
    default: /* 's': ECMA-262 WhiteSpace and LineTerminator */
        in = (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 ||
             (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
             c == 0x205F || c == 0x3000 || c == 0xFEFF;
        break;
    }
    return (cls & 0x20) ? in : !in; /* \D \W \S negate */
}

static int class_match(const char *p, size_t lo, size_t hi, uint32_t c)
{
    size_t i = lo;
    while (i < hi) {
        uint32_t a, b;
        int cls;
        if (re_class_item(p, hi, &i, &a, &b, &cls) != NULL)
            return 0; /* not reached: the pattern was checked */
        if (cls ? esc_match(cls, c) : (c >= a && c <= b))
            return 1;
    }
    return 0;
}

static int atom_match(const char *p, const re_atom *a, uint32_t c)
{
    switch (a->kind) {
    case RA_LIT: return c == a->cp;
    case RA_ANY: return c != '\n' && c != '\r' && c != 0x2028 && c != 0x2029;
    case RA_ESC: return esc_match((int)a->cp, c);
    default: return class_match(p, a->lo, a->hi, c) ^ a->neg;
    }
}

/* Reads a repetition count at p[*i] (after "{"). */
static const char *re_count(const char *p, size_t n, size_t *i, uint32_t *v, int *got)
{
    uint32_t x = 0;
    *got = 0;
    while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
        if (x <= JSCHEMA_MAX_REPEAT)
            x = x * 10 + (uint32_t)(p[*i] - '0');
        (*i)++;
        *got = 1;
    }
    *v = x;
    return x > JSCHEMA_MAX_REPEAT ? "has a repetition count above 65536" : NULL;
}

/* Parses pattern p (n bytes). Stores the atoms in atoms[] (room for n)
 * unless atoms is NULL; *count is their number; *start and *end tell
 * whether it is anchored by ^ and $. NULL, or what is wrong with it. */
static const char *re_compile(const char *p, size_t n, re_atom *atoms, size_t *count, int *start,
                              int *end)
{
    size_t i = 0, k = 0;
    *start = *end = 0;
    *count = 0;
    if (n > JSCHEMA_MAX_PATTERN)
        return "is longer than 256 bytes";
    if (n > 0 && p[0] == '^')
        *start = 1, i = 1;
    while (i < n) {
        re_atom a;
        memset(&a, 0, sizeof(a));
        a.min = a.max = 1;
        switch (p[i]) {
        case '(':
        case ')':
        case '|': return "uses a group or alternation: \"(\", \")\" and \"|\" are not supported";
        case '^':
            return "has \"^\" other than as its first character (write \\^ for the character)";
        case '$':
            if (i + 1 == n) {
                *end = 1;
                i++;
                continue;
            }
            return "has \"$\" other than as its last character (write \\$ for the character)";
        case '*':
        case '+':
        case '?': return "has a quantifier (*, + or ?) with nothing before it to repeat";
        case '{':
            return "has \"{\" that does not follow a character or class (write \\{ for the "
                   "character)";
        case '}': return "has an unescaped \"}\" (write \\} for the character)";
        case ']': return "has an unescaped \"]\" (write \\] for the character)";
        case '.':
            a.kind = RA_ANY;
            i++;
            break;
        case '[': {
            size_t j = i + 1;
            if (j < n && p[j] == '^')
                a.neg = 1, j++;
            size_t lo = j;
            while (j < n && p[j] != ']')
                j += p[j] == '\\' ? 2 : 1;
            if (j >= n)
                return "has \"[\" without a closing \"]\"";
            if (j == lo)
                return "has an empty character class";
            for (size_t q = lo; q < j;) {
                uint32_t x, y;
                int cls;
                const char *e = re_class_item(p, j, &q, &x, &y, &cls);
                if (e != NULL)
                    return e;
            }
            a.kind = RA_CLASS;
            a.lo = (uint16_t)lo;
            a.hi = (uint16_t)j;
            i = j + 1;
            break;
        }
        case '\\': {
            int cls;
            const char *e = re_escape(p, n, &i, &a.cp, &cls);
            if (e != NULL)
                return e;
            if (cls)
                a.kind = RA_ESC, a.cp = (uint32_t)cls;
            else
                a.kind = RA_LIT;
            break;
        }
        default:
            a.kind = RA_LIT;
            a.cp = utf8_next((const unsigned char *)p, n, &i);
            if (a.cp >= BAD_BYTE)
                return "is not valid UTF-8";
            break;
        }
        /* an optional quantifier */
        if (i < n && (p[i] == '*' || p[i] == '+' || p[i] == '?' || p[i] == '{')) {
            char q = p[i++];
            if (q == '*')
                a.min = 0, a.max = RE_INF;
            else if (q == '+')
                a.min = 1, a.max = RE_INF;
            else if (q == '?')
                a.min = 0, a.max = 1;
            else {
                static const char bad[] = "has a bad repetition count (use {m}, {m,} or {m,n})";
                int got;
                const char *e = re_count(p, n, &i, &a.min, &got);
                if (e != NULL)
                    return e;
                if (!got)
                    return bad;
                a.max = a.min;
                if (i < n && p[i] == ',') {
                    i++;
                    e = re_count(p, n, &i, &a.max, &got);
                    if (e != NULL)
                        return e;
                    if (!got)
                        a.max = RE_INF;
                    else if (a.max < a.min)
                        return "has a repetition count {m,n} with n smaller than m";
                }
                if (i >= n || p[i] != '}')
                    return bad;
                i++;
            }
            if (i < n && (p[i] == '*' || p[i] == '+' || p[i] == '?' || p[i] == '{'))
                return "has two quantifiers in a row (lazy quantifiers such as *? are not "
                       "supported)";
        }
        if (atoms != NULL)
            atoms[k] = a;
        k++;
    }
    *count = k;
    return NULL;
}

/* 1 if s (n bytes) contains a match of the (checked) pattern p, 0 if not,
 * -1 if memory ran out.
 *
 * reach_i[q] says whether atoms i.. can match starting at code point q
 * (and then reach the end of the string if the pattern ends with $). With
 * run = the number of code points from q on that atom i accepts,
 * reach_i[q] = some reach_{i+1}[r] with q + min <= r <= q + min(max, run),
 * answered in O(1) by next[r] = the first r' >= r with reach_{i+1}[r'].
 * So the whole match takes O(atoms * code points) time. */
static int re_search(const char *p, const char *s, size_t n)
{
    size_t plen = strlen(p), na, len = utf8_count(s, n);
    int start, end;
    if (re_compile(p, plen, NULL, &na, &start, &end) != NULL)
        return 0; /* not reached: the pattern was checked */
    size_t size = na * sizeof(re_atom) + len * 4 + (len + 2) * 4 + (len + 1);
    re_atom *atoms = malloc(size);
    if (atoms == NULL)
        return -1;
    uint32_t *cps = (uint32_t *)(atoms + na);
    uint32_t *next = cps + len;
    unsigned char *reach = (unsigned char *)(next + len + 2);
    (void)re_compile(p, plen, atoms, &na, &start, &end);

    for (size_t i = 0, q = 0; i < n; q++)
        cps[q] = utf8_next((const unsigned char *)s, n, &i);
    for (size_t q = 0; q <= len; q++)
        reach[q] = !end || q == len;
    for (size_t k = na + 1; k-- > 0;) {
        if (k < na) {
            const re_atom *a = &atoms[k];
            size_t run = 0;
            for (size_t q = len + 1; q-- > 0;) {
                if (q < len)
                    run = atom_match(p, a, cps[q]) ? run + 1 : 0;
                int ok = 0;
                if (run >= a->min) {
                    size_t most = a->max < run ? a->max : run;
                    ok = next[q + a->min] <= q + most;
                }
                reach[q] = (unsigned char)ok;
            }
        }
        next[len + 1] = (uint32_t)(len + 1);
        for (size_t q = len + 1; q-- > 0;)
            next[q] = reach[q] ? (uint32_t)q : next[q + 1];
    }
    int found = start ? reach[0] : next[0] <= len;
    free(atoms);
    return found;
}

/* ---- validation ------------------------------------------------------------ */

enum { V_OK = 0, V_FAIL = 1, V_FATAL = 2 };

typedef struct vctx {
    const cJSON *root;
    char pathbuf[JSCHEMA_MAX_PATH + 1];
    sbuf path;     /* location of the instance being validated */
    unsigned segs; /* its number of segments */
    char line[JSCHEMA_ERR_SIZE];
    sbuf msg;                                           /* the error: "LOCATION: RULE", in line */
    unsigned err_segs;                                  /* segments of the error's location */
    unsigned long progress;                             /* keywords checked so far (see v_anyof) */
    core_err fatal;                                     /* the code of a V_FATAL error */
    char best[JSCHEMA_MAX_DEPTH + 1][JSCHEMA_ERR_SIZE]; /* v_anyof at each depth */
} vctx;

typedef struct path_mark {
    size_t len;
    int cut;
    unsigned segs;
} path_mark;

static path_mark path_save(const vctx *c)
{
    path_mark m = {c->path.len, c->path.cut, c->segs};
    return m;
}

static void path_restore(vctx *c, path_mark m)
{
    c->path.len = m.len;
    c->path.cut = m.cut;
    c->path.p[m.len] = '\0';
    c->segs = m.segs;
}

/* A member name that reads well after a dot. */
static int plain_name(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return 0;
    }
    return n > 0 && n <= 40;
}

static path_mark path_push_key(vctx *c, const char *key)
{
    path_mark m = path_save(c);
    if (plain_name(key)) {
        if (c->segs > 0)
            sb_char(&c->path, '.');
        sb_puts(&c->path, key);
    } else {
        sb_char(&c->path, '[');
        sb_str(&c->path, key, 1, 40);
        sb_char(&c->path, ']');
    }
    c->segs++;
    return m;
}

static path_mark path_push_index(vctx *c, size_t i)
{
    path_mark m = path_save(c);
    sb_char(&c->path, '[');
    sb_size(&c->path, i);
    sb_char(&c->path, ']');
    c->segs++;
    return m;
}

/* Starts the error message at the current location; returns the buffer to
 * append the rule to. */
static sbuf *err_begin(vctx *c)
{
    sb_init(&c->msg, c->line, sizeof(c->line));
    if (c->segs == 0) {
        sb_puts(&c->msg, "(top level)");
    } else {
        sb_putn(&c->msg, c->path.p, c->path.len);
        if (c->path.cut)
            sb_puts(&c->msg, "...");
    }
    sb_puts(&c->msg, ": ");
    c->err_segs = c->segs;
    return &c->msg;
}

static int fatal(vctx *c, core_err code)
{
    c->fatal = code;
    return V_FATAL;
}

/* A value of the schema in a message: strings quoted, numbers, literals;
 * objects and arrays as {...} and [...]. */
static void sb_value(sbuf *b, const cJSON *v)
{
    if (cJSON_IsString(v))
        sb_str(b, v->valuestring, 1, 64);
    else if (cJSON_IsNumber(v))
        sb_num(b, v->valuedouble);
    else if (cJSON_IsTrue(v))
        sb_puts(b, "true");
    else if (cJSON_IsFalse(v))
        sb_puts(b, "false");
    else if (cJSON_IsNull(v))
        sb_puts(b, "null");
    else if (cJSON_IsArray(v))
        sb_puts(b, "[...]");
    else
        sb_puts(b, "{...}");
}

static void sb_hint(sbuf *b, const cJSON *schema)
{
    const cJSON *h = kw(schema, "x-hint");
    if (cJSON_IsString(h)) {
        sb_puts(b, " (");
        sb_str(b, h->valuestring, 0, 200);
        sb_char(b, ')');
    }
}

static void sb_count(sbuf *b, double v, const char *one, const char *many)
{
    sb_num(b, v);
    sb_puts(b, v == 1.0 ? one : many);
}

static int v_schema(vctx *c, const cJSON *s, const cJSON *x, unsigned depth);

static int v_type(vctx *c, const cJSON *t, const cJSON *x)
{
    unsigned have = instance_types(x), want = 0;
    if (cJSON_IsString(t)) {
        want = 1u << type_index(t->valuestring);
    } else {
        for (const cJSON *e = t->child; e != NULL; e = e->next)
            want |= 1u << type_index(e->valuestring);
    }
    if (have & want)
        return V_OK;
    sbuf *m = err_begin(c);
    sb_puts(m, "must be ");
    if (cJSON_IsString(t)) {
        sb_puts(m, TYPES[type_index(t->valuestring)].phrase);
        return V_FAIL;
    }
    for (const cJSON *e = t->child; e != NULL; e = e->next) {
        if (e != t->child)
            sb_puts(m, e->next == NULL ? " or " : ", ");
        sb_puts(m, TYPES[type_index(e->valuestring)].phrase);
    }
    return V_FAIL;
}

static int v_enum(vctx *c, const cJSON *en, const cJSON *x)
{
    for (const cJSON *e = en->child; e != NULL; e = e->next)
        if (cJSON_Compare(x, e, 1))
            return V_OK;
    sbuf *m = err_begin(c);
    if (en->child != NULL && en->child->next == NULL) {
        sb_puts(m, "must be ");
        sb_value(m, en->child);
        return V_FAIL;
    }
    sb_puts(m, "must be one of ");
    size_t shown = 0, from = m->len;
    for (const cJSON *e = en->child; e != NULL; e = e->next) {
        if (shown == 10 || m->len - from > 200) {
            size_t more = 0;
            for (; e != NULL; e = e->next)
                more++;
            sb_puts(m, ", ... (");
            sb_size(m, more);
            sb_puts(m, " more)");
            break;
        }
        if (shown > 0)
            sb_puts(m, ", ");
        sb_value(m, e);
        shown++;
    }
    return V_FAIL;
}

static int v_number(vctx *c, const cJSON *s, double v)
{
    const cJSON *k;
    const char *rule = NULL;
    if ((k = kw(s, "minimum")) != NULL && v < k->valuedouble)
        rule = "must be at least ";
    else if ((k = kw(s, "exclusiveMinimum")) != NULL && v <= k->valuedouble)
        rule = "must be greater than ";
    else if ((k = kw(s, "maximum")) != NULL && v > k->valuedouble)
        rule = "must be at most ";
    else if ((k = kw(s, "exclusiveMaximum")) != NULL && v >= k->valuedouble)
        rule = "must be less than ";
    if (rule == NULL)
        return V_OK;
    sbuf *m = err_begin(c);
    sb_puts(m, rule);
    sb_num(m, k->valuedouble);
    return V_FAIL;
}

static int v_string(vctx *c, const cJSON *s, const char *str)
{
    size_t n = strlen(str), len = utf8_count(str, n);
    const cJSON *k;
    if ((k = kw(s, "minLength")) != NULL && (double)len < k->valuedouble) {
        sbuf *m = err_begin(c);
        sb_puts(m, "must be at least ");
        sb_count(m, k->valuedouble, " character long", " characters long");
        return V_FAIL;
    }
    if ((k = kw(s, "maxLength")) != NULL && (double)len > k->valuedouble) {
        sbuf *m = err_begin(c);
        sb_puts(m, "must be at most ");
        sb_count(m, k->valuedouble, " character long", " characters long");
        return V_FAIL;
    }
    if ((k = kw(s, "pattern")) != NULL) {
        if (n > JSCHEMA_MAX_PATTERN_INPUT) {
            sbuf *m = err_begin(c);
            sb_puts(m, "is too long to check against the pattern (the limit is 65536 bytes)");
            return fatal(c, CORE_EDECODE);
        }
        int r = re_search(k->valuestring, str, n);
        if (r < 0) {
            sb_init(&c->msg, c->line, sizeof(c->line));
            sb_puts(&c->msg, "out of memory");
            return fatal(c, CORE_ENOMEM);
        }
        if (r == 0) {
            sbuf *m = err_begin(c);
            sb_puts(m, "must match the pattern ");
            sb_str(m, k->valuestring, 0, JSCHEMA_MAX_PATTERN);
            sb_hint(m, s);
            return V_FAIL;
        }
    }
    return V_OK;
}

static int v_array(vctx *c, const cJSON *s, const cJSON *x, unsigned depth)
{
    size_t n = 0;
    for (const cJSON *e = x->child; e != NULL; e = e->next)
        n++;
    const cJSON *k;
    if ((k = kw(s, "minItems")) != NULL && (double)n < k->valuedouble) {
        sbuf *m = err_begin(c);
        sb_puts(m, "must have at least ");
        sb_count(m, k->valuedouble, " item", " items");
        return V_FAIL;
    }
    if ((k = kw(s, "maxItems")) != NULL && (double)n > k->valuedouble) {
        sbuf *m = err_begin(c);
        sb_puts(m, "must have at most ");
        sb_count(m, k->valuedouble, " item", " items");
        return V_FAIL;
    }
    if ((k = kw(s, "items")) != NULL) {
        size_t i = 0;
        for (const cJSON *e = x->child; e != NULL; e = e->next, i++) {
            path_mark mk = path_push_index(c, i);
            int r = v_schema(c, k, e, depth + 1);
            path_restore(c, mk); /* an error already holds its location */
            if (r != V_OK)
                return r;
        }
    }
    if (cJSON_IsTrue(kw(s, "uniqueItems")) && n > 1) {
        if (n > JSCHEMA_MAX_UNIQUE_ITEMS) {
            sbuf *m = err_begin(c);
            sb_puts(m, "has too many items to check that they are unique (the limit is 4096)");
            return fatal(c, CORE_EDECODE);
        }
        size_t j = 1;
        for (const cJSON *b = x->child->next; b != NULL; b = b->next, j++) {
            size_t i = 0;
            for (const cJSON *a = x->child; a != b; a = a->next, i++) {
                if (cJSON_Compare(a, b, 1)) {
                    sbuf *m = err_begin(c);
                    sb_puts(m, "items must be unique (item ");
                    sb_size(m, j);
                    sb_puts(m, " repeats item ");
                    sb_size(m, i);
                    sb_char(m, ')');
                    return V_FAIL;
                }
            }
        }
    }
    return V_OK;
}

static int v_object(vctx *c, const cJSON *s, const cJSON *x, unsigned depth)
{
    const cJSON *props = kw(s, "properties"), *addl = kw(s, "additionalProperties");
    if (props != NULL) {
        for (const cJSON *p = props->child; p != NULL; p = p->next) {
            int seen = 0;
            for (const cJSON *e = x->child; e != NULL; e = e->next) {
                if (e->string != NULL && strcmp(e->string, p->string) == 0 && seen++) {
                    sbuf *m = err_begin(c);
                    sb_puts(m, "property ");
                    sb_str(m, p->string, 1, 64);
                    sb_puts(m, " appears more than once");
                    return V_FAIL;
                }
            }
        }
    }
    for (const cJSON *e = x->child; e != NULL; e = e->next) {
        const char *key = e->string != NULL ? e->string : "";
        const cJSON *sub = props != NULL ? kw(props, key) : NULL;
        if (sub == NULL && cJSON_IsFalse(addl)) {
            sbuf *m = err_begin(c);
            sb_puts(m, "unknown property ");
            sb_str(m, key, 1, 64);
            return V_FAIL;
        }
        if (sub == NULL)
            sub = addl;
        if (sub == NULL)
            continue;
        path_mark mk = path_push_key(c, key);
        int r;
        if (cJSON_IsFalse(sub)) {
            sb_puts(err_begin(c), "must not be present");
            r = V_FAIL;
        } else {
            r = v_schema(c, sub, e, depth + 1);
        }
        path_restore(c, mk); /* an error already holds its location */
        if (r != V_OK)
            return r;
    }
    const cJSON *req = kw(s, "required");
    if (req != NULL) {
        for (const cJSON *r = req->child; r != NULL; r = r->next) {
            if (kw(x, r->valuestring) == NULL) {
                sbuf *m = err_begin(c);
                sb_puts(m, "missing required property ");
                sb_str(m, r->valuestring, 1, 64);
                return V_FAIL;
            }
        }
    }
    return V_OK;
}

/* anyOf: the first branch that matches wins. If none does, the error
 * reported is the one of the branch that got furthest: the one that
 * satisfied the most keywords before failing (c->progress; the tried
 * and failed branches of a nested anyOf and the test of an if do not
 * count), then, on a tie, the one whose error location is deepest. If
 * two branches tie on both, nothing singles one out and the message is
 * "must match one of the allowed forms" at the anyOf's location (plus the
 * x-hint of the schema holding the anyOf, if any). So in a union told
 * apart by a "const" member, the branch whose const matched reports. */
static int v_anyof(vctx *c, const cJSON *s, const cJSON *any, const cJSON *x, unsigned depth)
{
    char *best = c->best[depth];
    unsigned best_segs = 0;
    unsigned long start = c->progress, best_progress = 0;
    int have = 0, tie = 0;
    for (const cJSON *b = any->child; b != NULL; b = b->next) {
        unsigned long before = c->progress;
        int r = v_schema(c, b, x, depth + 1);
        if (r == V_OK)
            c->progress = start + (c->progress - before);
        if (r != V_FAIL)
            return r;
        unsigned long progress = c->progress - before;
        c->progress = before;
        if (!have || progress > best_progress ||
            (progress == best_progress && c->err_segs > best_segs)) {
            memcpy(best, c->line, c->msg.len + 1);
            best_segs = c->err_segs;
            best_progress = progress;
            have = 1;
            tie = 0;
        } else if (progress == best_progress && c->err_segs == best_segs) {
            tie = 1;
        }
    }
    c->progress = start + best_progress;
    if (tie) {
        sbuf *m = err_begin(c);
        sb_puts(m, "must match one of the allowed forms");
        sb_hint(m, s);
    } else {
        sb_init(&c->msg, c->line, sizeof(c->line));
        sb_puts(&c->msg, best);
        c->err_segs = best_segs;
    }
    return V_FAIL;
}

static int v_schema(vctx *c, const cJSON *s, const cJSON *x, unsigned depth)
{
    const cJSON *k;
    int r;
    if (depth > JSCHEMA_MAX_DEPTH) {
        sb_puts(err_begin(c), "is nested too deeply (the limit is 64 levels)");
        return fatal(c, CORE_EDECODE);
    }
    if (cJSON_IsNumber(x) && !is_finite(x->valuedouble)) {
        sb_puts(err_begin(c), "number is out of range");
        return fatal(c, CORE_EDECODE);
    }
    if (cJSON_IsTrue(s))
        return V_OK;
    if (!cJSON_IsObject(s)) {
        sb_puts(err_begin(c), "is not allowed here");
        return V_FAIL;
    }
    c->progress++;
    if ((k = kw(s, "$ref")) != NULL) {
        const cJSON *t = resolve_ref(c->root, k->valuestring);
        if (t == NULL) { /* not reached: the schema was checked */
            sb_init(&c->msg, c->line, sizeof(c->line));
            sb_puts(&c->msg, "$ref does not resolve");
            return fatal(c, CORE_EINVAL);
        }
        if ((r = v_schema(c, t, x, depth + 1)) != V_OK)
            return r;
        c->progress++;
    }
    if ((k = kw(s, "type")) != NULL) {
        if ((r = v_type(c, k, x)) != V_OK)
            return r;
        c->progress++;
    }
    if ((k = kw(s, "const")) != NULL) {
        if (!cJSON_Compare(x, k, 1)) {
            sbuf *m = err_begin(c);
            if (cJSON_IsArray(k) || cJSON_IsObject(k)) {
                sb_puts(m, "must be the value the schema gives");
            } else {
                sb_puts(m, "must be ");
                sb_value(m, k);
            }
            return V_FAIL;
        }
        c->progress++;
    }
    if ((k = kw(s, "enum")) != NULL) {
        if ((r = v_enum(c, k, x)) != V_OK)
            return r;
        c->progress++;
    }
    if (cJSON_IsNumber(x))
        r = v_number(c, s, x->valuedouble);
    else if (cJSON_IsString(x))
        r = v_string(c, s, x->valuestring);
    else if (cJSON_IsArray(x))
        r = v_array(c, s, x, depth);
    else if (cJSON_IsObject(x))
        r = v_object(c, s, x, depth);
    else
        r = V_OK;
    if (r != V_OK)
        return r;
    c->progress++;
    if ((k = kw(s, "allOf")) != NULL) {
        for (const cJSON *b = k->child; b != NULL; b = b->next)
            if ((r = v_schema(c, b, x, depth + 1)) != V_OK)
                return r;
        c->progress++;
    }
    if ((k = kw(s, "anyOf")) != NULL) {
        if ((r = v_anyof(c, s, k, x, depth)) != V_OK)
            return r;
        c->progress++;
    }
    if ((k = kw(s, "if")) != NULL) {
        unsigned long before = c->progress;
        r = v_schema(c, k, x, depth + 1);
        if (r == V_FATAL)
            return r;
        c->progress = before;
        const cJSON *branch = kw(s, r == V_OK ? "then" : "else");
        if (branch != NULL && (r = v_schema(c, branch, x, depth + 1)) != V_OK)
            return r;
        c->progress++;
    }
    return V_OK;
}

/* ---- schema check ---------------------------------------------------------- */

typedef struct cctx {
    const cJSON *root;
    char ptrbuf[JSCHEMA_MAX_PATH + 1];
    sbuf ptr; /* JSON pointer of the schema being checked, "#/properties/x" */
    char line[JSCHEMA_ERR_SIZE];
} cctx;

enum kwkind {
    K_ANY,         /* default, const */
    K_STRING,      /* $comment, title, description, x-hint */
    K_ARRAY,       /* examples */
    K_SCHEMA_URI,  /* $schema */
    K_ID,          /* $id */
    K_REF,         /* $ref */
    K_SCHEMA,      /* if, then, else, items, additionalProperties */
    K_SCHEMA_MAP,  /* properties, $defs */
    K_SCHEMA_LIST, /* allOf, anyOf */
    K_TYPE,        /* type */
    K_ENUM,        /* enum */
    K_NUMBER,      /* minimum, maximum, exclusiveMinimum, exclusiveMaximum */
    K_COUNT,       /* minLength, maxLength, minItems, maxItems */
    K_BOOL,        /* uniqueItems */
    K_PATTERN,     /* pattern */
    K_REQUIRED     /* required */
};

static const struct {
    const char *name;
    enum kwkind kind;
} KEYWORDS[] = {
    {"$schema", K_SCHEMA_URI},
    {"$id", K_ID},
    {"$comment", K_STRING},
    {"title", K_STRING},
    {"description", K_STRING},
    {"default", K_ANY},
    {"examples", K_ARRAY},
    {"x-hint", K_STRING},
    {"$ref", K_REF},
    {"$defs", K_SCHEMA_MAP},
    {"allOf", K_SCHEMA_LIST},
    {"anyOf", K_SCHEMA_LIST},
    {"if", K_SCHEMA},
    {"then", K_SCHEMA},
    {"else", K_SCHEMA},
    {"properties", K_SCHEMA_MAP},
    {"additionalProperties", K_SCHEMA},
    {"items", K_SCHEMA},
    {"type", K_TYPE},
    {"enum", K_ENUM},
    {"const", K_ANY},
    {"minimum", K_NUMBER},
    {"maximum", K_NUMBER},
    {"exclusiveMinimum", K_NUMBER},
    {"exclusiveMaximum", K_NUMBER},
    {"minLength", K_COUNT},
    {"maxLength", K_COUNT},
    {"pattern", K_PATTERN},
    {"minItems", K_COUNT},
    {"maxItems", K_COUNT},
    {"uniqueItems", K_BOOL},
    {"required", K_REQUIRED},
};

static const char *keyname(const cJSON *member)
{
    return member->string != NULL ? member->string : "";
}

static int keyword_kind(const char *name)
{
    for (size_t i = 0; i < sizeof(KEYWORDS) / sizeof(KEYWORDS[0]); i++)
        if (strcmp(KEYWORDS[i].name, name) == 0)
            return (int)KEYWORDS[i].kind;
    return -1;
}

static sbuf ptr_push(cctx *cc, const char *token)
{
    sbuf saved = cc->ptr;
    size_t n = 0;
    sb_char(&cc->ptr, '/');
    for (const char *t = token; *t != '\0'; t++) {
        if (n >= 40) {
            sb_puts(&cc->ptr, "...");
            break;
        }
        if (*t == '~')
            sb_puts(&cc->ptr, "~0");
        else if (*t == '/')
            sb_puts(&cc->ptr, "~1");
        else
            sb_char(&cc->ptr, (unsigned char)*t < 0x20 ? '?' : *t);
        n++;
    }
    return saved;
}

static sbuf ptr_push_index(cctx *cc, size_t i)
{
    sbuf saved = cc->ptr;
    sb_char(&cc->ptr, '/');
    sb_size(&cc->ptr, i);
    return saved;
}

static void ptr_restore(cctx *cc, sbuf saved)
{
    cc->ptr = saved;
    cc->ptr.p[saved.len] = '\0';
}

/* Writes the message: WHAT "NAME" at POINTER TAIL1TAIL2 (NAME omitted
 * when NULL) and returns CORE_EINVAL. */
static core_err c_fail(cctx *cc, const char *what, const char *name, const char *tail1,
                       const char *tail2)
{
    sbuf m;
    sb_init(&m, cc->line, sizeof(cc->line));
    sb_puts(&m, what);
    if (name != NULL) {
        sb_char(&m, ' ');
        sb_str(&m, name, 1, 80);
    }
    sb_puts(&m, " at ");
    sb_putn(&m, cc->ptr.p, cc->ptr.len);
    if (cc->ptr.cut)
        sb_puts(&m, "...");
    sb_puts(&m, tail1);
    sb_puts(&m, tail2);
    return CORE_EINVAL;
}

static core_err c_schema(cctx *cc, const cJSON *s, unsigned depth);

static int is_count(const cJSON *v)
{
    return cJSON_IsNumber(v) && is_integer(v->valuedouble) && v->valuedouble >= 0;
}

static core_err c_keyword(cctx *cc, const cJSON *s, const cJSON *k, enum kwkind kind,
                          unsigned depth)
{
    const char *name = keyname(k);
    core_err r = CORE_OK;
    switch (kind) {
    case K_ANY: return CORE_OK;
    case K_STRING:
        if (!cJSON_IsString(k))
            return c_fail(cc, "schema keyword", name, " must be a string", "");
        return CORE_OK;
    case K_ARRAY:
        if (!cJSON_IsArray(k))
            return c_fail(cc, "schema keyword", name, " must be an array", "");
        return CORE_OK;
    case K_SCHEMA_URI:
        if (s != cc->root)
            return c_fail(cc, "schema keyword", name, " is only supported at the top level", "");
        if (!cJSON_IsString(k) ||
            (strcmp(k->valuestring, "https://json-schema.org/draft/2020-12/schema") != 0 &&
             strcmp(k->valuestring, "https://json-schema.org/draft/2020-12/schema#") != 0))
            return c_fail(cc, "schema keyword", name,
                          " must be \"https://json-schema.org/draft/2020-12/schema\" (only draft "
                          "2020-12 is supported)",
                          "");
        return CORE_OK;
    case K_ID:
        if (s != cc->root)
            return c_fail(cc, "schema keyword", name, " is only supported at the top level", "");
        if (!cJSON_IsString(k))
            return c_fail(cc, "schema keyword", name, " must be a string", "");
        return CORE_OK;
    case K_REF:
        if (!cJSON_IsString(k))
            return c_fail(cc, "schema keyword", name, " must be a string", "");
        if (strncmp(k->valuestring, REF_PREFIX, REF_PREFIX_LEN) != 0 ||
            !ref_name_ok(k->valuestring + REF_PREFIX_LEN))
            return c_fail(cc, "unsupported $ref", k->valuestring,
                          ": only references of the form \"#/$defs/NAME\" are supported", "");
        if (resolve_ref(cc->root, k->valuestring) == NULL)
            return c_fail(cc, "$ref", k->valuestring,
                          " does not resolve: the top-level \"$defs\" has no such entry", "");
        return CORE_OK;
    case K_SCHEMA: {
        sbuf saved = ptr_push(cc, name);
        r = c_schema(cc, k, depth + 1);
        if (r == CORE_OK)
            ptr_restore(cc, saved);
        return r;
    }
    case K_SCHEMA_MAP:
        if (!cJSON_IsObject(k))
            return c_fail(cc, "schema keyword", name, " must be an object", "");
        for (const cJSON *e = k->child; e != NULL && r == CORE_OK; e = e->next) {
            sbuf saved = ptr_push(cc, name);
            for (const cJSON *f = k->child; f != e; f = f->next)
                if (strcmp(keyname(f), keyname(e)) == 0)
                    return c_fail(cc, "name", keyname(e), " appears twice", "");
            sbuf saved2 = ptr_push(cc, keyname(e));
            r = c_schema(cc, e, depth + 1);
            if (r == CORE_OK) {
                ptr_restore(cc, saved2);
                ptr_restore(cc, saved);
            }
        }
        return r;
    case K_SCHEMA_LIST: {
        if (!cJSON_IsArray(k) || k->child == NULL)
            return c_fail(cc, "schema keyword", name, " must be a non-empty array of schemas", "");
        size_t i = 0;
        for (const cJSON *e = k->child; e != NULL && r == CORE_OK; e = e->next, i++) {
            sbuf saved = ptr_push(cc, name);
            sbuf saved2 = ptr_push_index(cc, i);
            r = c_schema(cc, e, depth + 1);
            if (r == CORE_OK) {
                ptr_restore(cc, saved2);
                ptr_restore(cc, saved);
            }
        }
        return r;
    }
    case K_TYPE:
        if (cJSON_IsString(k)) {
            if (type_index(k->valuestring) < 0)
                return c_fail(cc, "unknown type", k->valuestring, " in \"type\"", "");
            return CORE_OK;
        }
        if (!cJSON_IsArray(k) || k->child == NULL)
            return c_fail(cc, "schema keyword", name,
                          " must be a type name or a non-empty array of type names", "");
        for (const cJSON *e = k->child; e != NULL; e = e->next) {
            if (!cJSON_IsString(e))
                return c_fail(cc, "schema keyword", name,
                              " must be a type name or a non-empty array of type names", "");
            if (type_index(e->valuestring) < 0)
                return c_fail(cc, "unknown type", e->valuestring, " in \"type\"", "");
            for (const cJSON *f = k->child; f != e; f = f->next)
                if (strcmp(f->valuestring, e->valuestring) == 0)
                    return c_fail(cc, "type", e->valuestring, " is listed twice in \"type\"", "");
        }
        return CORE_OK;
    case K_ENUM:
        if (!cJSON_IsArray(k) || k->child == NULL)
            return c_fail(cc, "schema keyword", name, " must be a non-empty array", "");
        return CORE_OK;
    case K_NUMBER:
        if (!cJSON_IsNumber(k) || !is_finite(k->valuedouble))
            return c_fail(cc, "schema keyword", name, " must be a number", "");
        return CORE_OK;
    case K_COUNT:
        if (!is_count(k))
            return c_fail(cc, "schema keyword", name, " must be a non-negative integer", "");
        return CORE_OK;
    case K_BOOL:
        if (!cJSON_IsBool(k))
            return c_fail(cc, "schema keyword", name, " must be true or false", "");
        return CORE_OK;
    case K_PATTERN: {
        if (!cJSON_IsString(k))
            return c_fail(cc, "schema keyword", name, " must be a string", "");
        size_t na;
        int start, end;
        const char *e = re_compile(k->valuestring, strlen(k->valuestring), NULL, &na, &start, &end);
        if (e != NULL)
            return c_fail(cc, "pattern", k->valuestring, ": the pattern ", e);
        return CORE_OK;
    }
    case K_REQUIRED:
        if (!cJSON_IsArray(k))
            return c_fail(cc, "schema keyword", name, " must be an array of strings", "");
        for (const cJSON *e = k->child; e != NULL; e = e->next) {
            if (!cJSON_IsString(e))
                return c_fail(cc, "schema keyword", name, " must be an array of strings", "");
            for (const cJSON *f = k->child; f != e; f = f->next)
                if (strcmp(f->valuestring, e->valuestring) == 0)
                    return c_fail(cc, "property", e->valuestring,
                                  " is listed twice in \"required\"", "");
        }
        return CORE_OK;
    }
    return CORE_OK;
}

static core_err c_schema(cctx *cc, const cJSON *s, unsigned depth)
{
    if (depth > JSCHEMA_MAX_DEPTH)
        return c_fail(cc, "schema", NULL, " is nested too deeply (the limit is 64 levels)", "");
    if (cJSON_IsBool(s))
        return CORE_OK;
    if (!cJSON_IsObject(s))
        return c_fail(cc, "schema", NULL, " must be an object, true or false", "");
    for (const cJSON *k = s->child; k != NULL; k = k->next) {
        const char *name = keyname(k);
        int kind = keyword_kind(name);
        if (kind < 0)
            return c_fail(cc, "unsupported schema keyword", name, "", "");
        for (const cJSON *e = s->child; e != k; e = e->next)
            if (strcmp(keyname(e), name) == 0)
                return c_fail(cc, "schema keyword", name, " appears twice", "");
        core_err r = c_keyword(cc, s, k, (enum kwkind)kind, depth);
        if (r != CORE_OK)
            return r;
    }
    if (kw(s, "if") == NULL && (kw(s, "then") != NULL || kw(s, "else") != NULL))
        return c_fail(cc, "schema keyword", kw(s, "then") != NULL ? "then" : "else",
                      " has no \"if\" beside it", "");
    return CORE_OK;
}

/* 1 if applying s leads back to target through $ref, allOf, anyOf, if,
 * then and else only (the validator would then recurse without moving
 * into the instance). budget bounds the work on huge schemas. */
static int loops_to(const cJSON *root, const cJSON *s, const cJSON *target, unsigned depth,
                    unsigned *budget)
{
    static const char *const lists[] = {"allOf", "anyOf"};
    static const char *const singles[] = {"if", "then", "else"};
    if (!cJSON_IsObject(s) || depth > JSCHEMA_MAX_DEPTH || *budget == 0)
        return 0;
    (*budget)--;
    const cJSON *k = kw(s, "$ref");
    if (k != NULL) {
        const cJSON *t = resolve_ref(root, k->valuestring);
        if (t == target || (t != NULL && loops_to(root, t, target, depth + 1, budget)))
            return 1;
    }
    for (size_t i = 0; i < 2; i++) {
        k = kw(s, lists[i]);
        for (const cJSON *e = k != NULL ? k->child : NULL; e != NULL; e = e->next)
            if (loops_to(root, e, target, depth + 1, budget))
                return 1;
    }
    for (size_t i = 0; i < 3; i++)
        if (loops_to(root, kw(s, singles[i]), target, depth + 1, budget))
            return 1;
    return 0;
}

static void put_err(char *err, size_t err_size, const char *text)
{
    if (err == NULL || err_size == 0)
        return;
    sbuf b;
    sb_init(&b, err, err_size);
    sb_puts(&b, text);
}

core_err jschema_check_schema(const cJSON *schema, char *err, size_t err_size)
{
    cctx cc;
    cc.root = schema;
    sb_init(&cc.ptr, cc.ptrbuf, sizeof(cc.ptrbuf));
    sb_char(&cc.ptr, '#');
    cc.line[0] = '\0';
    if (schema == NULL) {
        put_err(err, err_size, "no schema");
        return CORE_EINVAL;
    }
    core_err r = c_schema(&cc, schema, 0);
    const cJSON *defs = kw(schema, "$defs");
    if (r == CORE_OK && cJSON_IsObject(schema) && defs != NULL) {
        for (const cJSON *d = defs->child; d != NULL && r == CORE_OK; d = d->next) {
            unsigned budget = 10000;
            if (loops_to(schema, d, d, 0, &budget)) {
                (void)ptr_push(&cc, "$defs");
                (void)ptr_push(&cc, keyname(d));
                r = c_fail(&cc, "$ref loop", NULL,
                           ": the schema refers to itself without going into a property or item",
                           "");
            }
        }
    }
    put_err(err, err_size, cc.line);
    return r;
}

core_err jschema_validate(const cJSON *schema, const cJSON *instance, char *err, size_t err_size)
{
    core_err r = jschema_check_schema(schema, err, err_size);
    if (r != CORE_OK)
        return r;
    if (instance == NULL) {
        put_err(err, err_size, "no instance to validate");
        return CORE_EINVAL;
    }
    vctx *c = malloc(sizeof(*c));
    if (c == NULL) {
        put_err(err, err_size, "out of memory");
        return CORE_ENOMEM;
    }
    c->root = schema;
    sb_init(&c->path, c->pathbuf, sizeof(c->pathbuf));
    c->segs = 0;
    sb_init(&c->msg, c->line, sizeof(c->line));
    c->err_segs = 0;
    c->progress = 0;
    c->fatal = CORE_OK;
    int v = v_schema(c, schema, instance, 0);
    r = v == V_OK ? CORE_OK : v == V_FAIL ? CORE_EDECODE : c->fatal;
    put_err(err, err_size, r == CORE_OK ? "" : c->line);
    free(c);
    return r;
}
