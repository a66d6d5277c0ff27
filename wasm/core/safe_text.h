/*
 * safe_text.h - text from outside, checked before use and escaped before
 * it is shown (docs/HARDENING.md, "Hostile parties, clients and labels").
 *
 *  - No string of a study or of a party file may hold a control character:
 *    U+0000 to U+001F, U+007F and U+0080 to U+009F, raw or escaped
 *    (\u001b). They could rewrite the lines a party admin approves in a
 *    terminal, and a NUL would cut a label silently.
 *  - A party's address is an origin, scheme://host[:port]: http or https;
 *    host a lowercase DNS name (labels of a-z, 0-9 and '-', at most 63
 *    bytes each, 253 in all), a dotted IPv4 address or a bracketed IPv6
 *    address; port 1 to 65535. It goes into every party's
 *    Content-Security-Policy and CORS headers, so nothing else passes.
 *  - What is printed to a terminal or a log has its control bytes and
 *    invalid UTF-8 written as \xNN, and backslashes doubled.
 */
#ifndef MPC_SAFE_TEXT_H
#define MPC_SAFE_TEXT_H

#include <stddef.h>
#include <string.h>

#define SAFE_TEXT_MAX_URL 200 /* bytes of a party's address */

/* 0 if no string (member names included) of the JSON text json (len
 * bytes) holds a control character, raw or as a \u escape; else -1 and
 * err says where ("line 3, column 14: a string holds the control
 * character U+001B; remove it"). The text need not be valid JSON (a
 * parser checks that); only what lies inside quotes is looked at. */
int safe_text_json(const char *json, size_t len, char *err, size_t err_size);

/* 1 if the NUL-terminated s holds a control character or is not valid
 * UTF-8, else 0. */
int safe_text_has_control(const char *s);

/* 0 if url is an origin as above; else -1 and err says what to fix. */
int safe_text_origin(const char *url, char *err, size_t err_size);

/* Writes s (n bytes) into out (out_size >= 4 bytes), escaped as above,
 * NUL-terminated; when it does not fit, it ends with "...". Returns out. */
char *safe_text_escape(const char *s, size_t n, char *out, size_t out_size);

/* The NUL-terminated s escaped for a terminal or a log, in a buffer that
 * lives until the end of the enclosing block (cut at 1,024 bytes). */
#define SAFE_TEXT_SHOW_SIZE 1024
#define SAFE_TEXT_SHOW(s)                                                                          \
    safe_text_escape((s), strlen(s), (char[SAFE_TEXT_SHOW_SIZE]){0}, SAFE_TEXT_SHOW_SIZE)

#endif
