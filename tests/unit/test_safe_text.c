/*
 * test_safe_text.c - text from outside (wasm/core/safe_text.h): control
 * characters in JSON strings (raw, escaped, C1, in member names) and
 * nowhere else, party origins (what a CSP or CORS header may carry), and
 * the escaping of what is printed.
 */
#include <check.h>
#include <string.h>

#include "safe_text.h"
#include "testutil.h"

static int json_ok(const char *s)
{
    char err[160];
    return safe_text_json(s, strlen(s), err, sizeof err) == 0;
}

START_TEST(test_json_controls)
{
    /* Whitespace between tokens is not in a string: fine. */
    ck_assert(json_ok("{\n\t\"title\": \"Pay \\\"equity\\\" 2026\",\r\n \"x\": \"caf\xc3\xa9\"}"));
    ck_assert(json_ok("{\"a\": \"\\\\u001b is text, not an escape\"}"));
    ck_assert(json_ok("{\"a\": \"\\u00a0 \\u0020 \\/\"}"));
    /* Refused: raw and escaped C0, DEL, C1, and in a member name. */
    static const char *const bad[] = {
        "{\"a\": \"x\x1b[2Ky\"}",  "{\"a\": \"line\rover\"}",      "{\"a\": \"tab\there\"}",
        "{\"a\": \"\\u001b[1A\"}", "{\"a\": \"cut\\u0000here\"}",  "{\"a\": \"\\u007F\"}",
        "{\"a\": \"\\u009b\"}",    "{\"a\": \"c1 \xc2\x9b raw\"}", "{\"k\x07\": 1}",
        "{\"a\": \"\\n\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!json_ok(bad[i]), "accepted: %s", bad[i]);
    /* A raw NUL (the length, not strlen, is what is checked). */
    char err[160];
    ck_assert_int_eq(safe_text_json("{\"a\": \"x\0y\"}", 12, err, sizeof err), -1);
    ck_assert_str_eq(err, "line 1, column 9: a string holds the control character U+0000; "
                          "remove it");
    ck_assert_int_eq(safe_text_json("{\n  \"t\": \"\xc3\xa9\\u001B\"}", 21, err, sizeof err), -1);
    ck_assert_str_eq(err, "line 2, column 10: a string holds the control character U+001B; "
                          "remove it");
}
END_TEST

START_TEST(test_origins)
{
    static const char *const good[] = {
        "https://mpc.example.org",
        "http://127.0.0.1:8001",
        "https://a",
        "http://localhost:65535",
        "https://x-1.example.org:443",
        "http://[::1]:8001",
        "https://[2001:db8::7]",
        "http://[fe80::]",
        "http://[1:2:3:4:5:6:7:8]:1",
    };
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(safe_text_origin(good[i], err, sizeof err) == 0, "refused %s: %s", good[i],
                      err);
    static const char *const bad[] = {
        "http://evil.example;script-src-attr\t'unsafe-inline'",
        "http://evil.example\r\nSet-Cookie: x=1",
        "http://evil.example script-src *",
        "https://Example.org",
        "https://example.org/",
        "https://example.org/path",
        "https://user@example.org",
        "https://example.org?q",
        "https://example.org#f",
        "ftp://example.org",
        "https://",
        "https://.example.org",
        "https://example..org",
        "https://-x.example.org",
        "https://x-.example.org",
        "https://example.org:",
        "https://example.org:0",
        "https://example.org:65536",
        "https://example.org:080",
        "https://example.org:8a",
        "http://999.1.1.1",
        "http://1.2.3",
        "http://01.2.3.4",
        "http://[::1",
        "http://[::1]x",
        "http://[1::2::3]",
        "http://[1:2:3:4:5:6:7:8:9]",
        "http://[:1]",
        "http://[1:]",
        "http://[FE80::1]",
        "http://[g::1]",
        "https://caf\xc3\xa9.example",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(safe_text_origin(bad[i], err, sizeof err) == -1, "accepted %s", bad[i]);
    ck_assert_int_eq(safe_text_origin("https://Example.org", err, sizeof err), -1);
    ck_assert_str_eq(err, "the host: must be written in lowercase (http://HOST[:PORT] or "
                          "https://HOST[:PORT] with no path, e.g. https://mpc.example.org)");
    char longest[SAFE_TEXT_MAX_URL + 2] = "https://";
    memset(longest + 8, 'a', SAFE_TEXT_MAX_URL - 8);
    longest[SAFE_TEXT_MAX_URL] = '\0'; /* 192 a's: a label too long */
    ck_assert_int_eq(safe_text_origin(longest, err, sizeof err), -1);
    for (size_t i = 8 + 60; i < SAFE_TEXT_MAX_URL; i += 61)
        longest[i] = '.';
    ck_assert_int_eq(safe_text_origin(longest, err, sizeof err), 0);
    longest[SAFE_TEXT_MAX_URL] = 'a';
    ck_assert_int_eq(safe_text_origin(longest, err, sizeof err), -1);
    ck_assert_str_eq(err, "is longer than 200 bytes");
}
END_TEST

START_TEST(test_escape)
{
    char out[64];
    const char in[] = "GET /a\r\n2026-12-01T00:00:00Z warn: \x1b[2K\\ caf\xc3\xa9 \xff \xc2\x85";
    safe_text_escape(in, sizeof in - 1, out, sizeof out);
    ck_assert_str_eq(out,
                     "GET /a\\x0d\\x0a2026-12-01T00:00:00Z warn: \\x1b[2K\\\\ caf\xc3\xa9 ...");
    char wide[128];
    safe_text_escape(in, sizeof in - 1, wide, sizeof wide);
    ck_assert_str_eq(wide, "GET /a\\x0d\\x0a2026-12-01T00:00:00Z warn: \\x1b[2K\\\\ caf\xc3\xa9 "
                           "\\xff \\xc2\\x85");
    /* The NUL inside is a byte like another; cutting never splits a character. */
    char small[8];
    safe_text_escape("ab\0\xc3\xa9\xc3\xa9", 7, small, sizeof small);
    ck_assert_str_eq(small, "ab...");
    safe_text_escape("\xc3\xa9\xc3\xa9", 4, small, sizeof small);
    ck_assert_str_eq(small, "\xc3\xa9\xc3\xa9");
    ck_assert_int_eq(safe_text_has_control("Sales; Marketing = caf\xc3\xa9"), 0);
    ck_assert_int_eq(safe_text_has_control("a\x1b"), 1);
    ck_assert_int_eq(safe_text_has_control("a\xc2\x9b"), 1);
    ck_assert_int_eq(safe_text_has_control("a\xc3"), 1);
}
END_TEST

TU_MAIN("safe_text", 10, test_json_controls, test_origins, test_escape)
