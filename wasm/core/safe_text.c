/*
 * safe_text.c - see safe_text.h.
 */
#include "safe_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* The code point of the UTF-8 sequence at s[0..n) (n >= 1) and its length
 * in *len; -1 if the sequence is not valid UTF-8 (overlong, a surrogate,
 * beyond U+10FFFF, cut short). */
static int32_t utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) {
        *len = 1;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        k = 2, cp = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        k = 3, cp = c & 0x0Fu, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        k = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return -1;
    }
    if (n < k)
        return -1;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = k;
    return (int32_t)cp;
}

int safe_text_json(const char *json, size_t len, char *err, size_t err_size)
{
    const unsigned char *t = (const unsigned char *)json;
    size_t line = 1, col = 1;
    int in_string = 0;
    for (size_t i = 0; i < len;) {
        size_t at_line = line, at_col = col, step = 1;
        int32_t cp = -1; /* a control character found here */
        if (!in_string) {
            if (t[i] == '"')
                in_string = 1;
        } else if (t[i] == '"') {
            in_string = 0;
        } else if (t[i] == '\\' && i + 1 < len) {
            step = 2;
            if (t[i + 1] == 'u' && i + 6 <= len) {
                int32_t v = 0;
                for (size_t k = 2; k < 6 && v >= 0; k++) {
                    int h = hex_digit(json[i + k]);
                    v = h < 0 ? -1 : v << 4 | h;
                }
                if (v >= 0 && is_control((uint32_t)v))
                    cp = v;
                step = 6;
            } else if (t[i + 1] != '\0' && strchr("bfnrt", t[i + 1]) != NULL) {
                cp = t[i + 1] == 'b'   ? 8
                     : t[i + 1] == 'f' ? 12
                     : t[i + 1] == 'n' ? 10
                     : t[i + 1] == 'r' ? 13
                                       : 9;
            }
        } else if (t[i] < 0x80) {
            if (is_control(t[i]))
                cp = t[i];
        } else {
            size_t n;
            int32_t v = utf8_decode(t + i, len - i, &n);
            if (v >= 0) {
                step = n;
                if (is_control((uint32_t)v))
                    cp = v;
            }
        }
        if (cp >= 0) {
            snprintf(err, err_size,
                     "line %zu, column %zu: a string holds the control character U+%04X; "
                     "remove it",
                     at_line, at_col, (unsigned)cp);
            return -1;
        }
        for (size_t k = 0; k < step && i < len; k++, i++) {
            if (t[i] == '\n') {
                line++;
                col = 1;
            } else if ((t[i] & 0xC0) != 0x80) {
                col++;
            }
        }
    }
    return 0;
}

int safe_text_has_control(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), len;
    for (size_t i = 0; i < n; i += len) {
        int32_t cp = utf8_decode(u + i, n - i, &len);
        if (cp < 0 || is_control((uint32_t)cp))
            return 1;
    }
    return 0;
}

/* ---- origins -------------------------------------------------------------- */

/* 1 if h[0..n) is a dotted IPv4 address (four numbers 0 to 255, no
 * leading zeros). */
static int is_ipv4(const char *h, size_t n)
{
    size_t parts = 0, i = 0;
    while (i < n) {
        size_t start = i;
        unsigned v = 0;
        while (i < n && h[i] >= '0' && h[i] <= '9' && i - start < 4)
            v = v * 10 + (unsigned)(h[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && h[start] == '0'))
            return 0;
        parts++;
        if (i < n && (h[i] != '.' || ++i == n))
            return 0;
    }
    return parts == 4;
}

/* 1 if h[0..n) is an IPv6 address (groups of 1 to 4 hex digits, at most
 * one "::", lowercase). */
static int is_ipv6(const char *h, size_t n)
{
    size_t groups = 0, i = 0;
    int gap = 0;
    if (n >= 2 && h[0] == ':' && h[1] == ':') {
        gap = 1;
        i = 2;
    } else if (n >= 1 && h[0] == ':') {
        return 0;
    }
    while (i < n) {
        size_t start = i;
        while (i < n && i - start <= 4 &&
               ((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            i++;
        if (i == start || i - start > 4)
            return 0;
        groups++;
        if (i == n)
            break;
        if (h[i] != ':')
            return 0;
        i++;
        if (i < n && h[i] == ':') {
            if (gap)
                return 0;
            gap = 1;
            i++;
        } else if (i == n) {
            return 0; /* a trailing single ':' */
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

/* 1 if h[0..n) is a lowercase DNS name; *why says what is wrong if not. */
static int is_dns_name(const char *h, size_t n, const char **why)
{
    *why = "must be a lowercase DNS name (a-z, 0-9, '-' and '.'), an IPv4 address or "
           "[an IPv6 address]";
    if (n == 0 || n > 253)
        return 0;
    size_t label = 0;
    int all_digits = 1;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? h[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || h[i - 1] == '-' || h[i - label] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (c >= 'A' && c <= 'Z') {
            *why = "must be written in lowercase";
            return 0;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c < '0' || c > '9')
            all_digits = 0;
        label++;
    }
    if (all_digits) { /* 10.0.0 or 999.1.1.1: numbers that are not an address */
        *why = "is neither an IPv4 address (four numbers 0 to 255) nor a DNS name";
        return 0;
    }
    return 1;
}

int safe_text_origin(const char *url, char *err, size_t err_size)
{
    static const char form[] = "http://HOST[:PORT] or https://HOST[:PORT] with no path, "
                               "e.g. https://mpc.example.org";
    size_t len = strlen(url);
    const char *host = strncmp(url, "https://", 8) == 0  ? url + 8
                       : strncmp(url, "http://", 7) == 0 ? url + 7
                                                         : NULL;
    if (host == NULL) {
        snprintf(err, err_size, "must start with http:// or https:// (%s)", form);
        return -1;
    }
    if (len > SAFE_TEXT_MAX_URL) {
        snprintf(err, err_size, "is longer than %d bytes", SAFE_TEXT_MAX_URL);
        return -1;
    }
    const char *end = url + len, *port = NULL, *host_end;
    if (host[0] == '[') {
        host_end = strchr(host, ']');
        if (host_end == NULL || !is_ipv6(host + 1, (size_t)(host_end - host - 1))) {
            snprintf(err, err_size, "the host: must be an IPv6 address in lowercase inside [ ]");
            return -1;
        }
        host_end++;
        if (host_end != end && *host_end != ':') {
            snprintf(err, err_size, "must be %s", form);
            return -1;
        }
    } else {
        host_end = strchr(host, ':');
        if (host_end == NULL)
            host_end = end;
        const char *why;
        size_t n = (size_t)(host_end - host);
        if (!is_ipv4(host, n) && !is_dns_name(host, n, &why)) {
            snprintf(err, err_size, "the host: %s (%s)", why, form);
            return -1;
        }
    }
    if (host_end != end) {
        port = host_end + 1;
        unsigned long v = 0;
        size_t digits = (size_t)(end - port);
        for (const char *p = port; p < end; p++)
            v = (*p >= '0' && *p <= '9' && v <= 65535) ? v * 10 + (unsigned long)(*p - '0')
                                                       : 100000;
        if (digits == 0 || digits > 5 || port[0] == '0' || v < 1 || v > 65535) {
            snprintf(err, err_size, "the port: must be a number from 1 to 65535 (%s)", form);
            return -1;
        }
    }
    return 0;
}

/* ---- escaping ------------------------------------------------------------- */

char *safe_text_escape(const char *s, size_t n, char *out, size_t out_size)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, limit = out_size - 4; /* room for "..." and the NUL */
    for (size_t i = 0; i < n;) {
        char piece[8];
        size_t len, k;
        int32_t cp = utf8_decode(u + i, n - i, &len);
        if (cp < 0 || is_control((uint32_t)cp)) {
            snprintf(piece, sizeof piece, "\\x%02x", u[i]);
            k = 4;
            len = 1;
        } else if (cp == '\\') {
            memcpy(piece, "\\\\", 2);
            k = 2;
        } else {
            memcpy(piece, s + i, len);
            k = len;
        }
        if (o + k > limit) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, k);
        o += k;
        i += len;
    }
    out[o] = '\0';
    return out;
}
