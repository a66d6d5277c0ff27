/*
 * b64.c - base64 and base64url on mbedTLS; see b64.h.
 */
#include "b64.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

char *b64_encode(const uint8_t *in, size_t n, int url)
{
    size_t need = 4 * ((n + 2) / 3) + 1, olen = 0;
    char *out = malloc(need);
    if (out == NULL)
        return NULL;
    if (mbedtls_base64_encode((unsigned char *)out, need, &olen, in, n) != 0) {
        free(out);
        return NULL;
    }
    out[olen] = '\0';
    if (url) {
        for (char *p = out; *p; p++)
            *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
        char *eq = strchr(out, '=');
        if (eq != NULL)
            *eq = '\0';
    }
    return out;
}

long b64_decode(const char *s, int url, uint8_t *out, size_t max)
{
    size_t n = strlen(s);
    if (n > 4 * (max / 3 + 2))
        return -1;
    const char *text = s;
    char *tmp = NULL;
    if (url) {
        if (strpbrk(s, "+/=") != NULL || n % 4 == 1)
            return -1;
        tmp = malloc(n + 4);
        if (tmp == NULL)
            return -1;
        for (size_t i = 0; i < n; i++)
            tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
        while (n % 4 != 0)
            tmp[n++] = '=';
        tmp[n] = '\0';
        text = tmp;
    } else if (n % 4 != 0 || strpbrk(s, " \t\r\n") != NULL) {
        return -1;
    }
    size_t olen = 0;
    int rc = mbedtls_base64_decode(out, max, &olen, (const unsigned char *)text, n);
    free(tmp);
    return rc == 0 ? (long)olen : -1;
}
