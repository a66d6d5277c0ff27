/*
 * b64.h - base64 (RFC 4648 section 4, with padding) for binary fields in
 * JSON, and base64url without padding (section 5) for tokens in links;
 * both on mbedTLS's codec. Part of the core: submissions carry base64.
 */
#ifndef MPC_B64_H
#define MPC_B64_H

#include <stddef.h>
#include <stdint.h>

/* Encodes n bytes into a new NUL-terminated string (free with free());
 * NULL if out of memory. url selects base64url without padding. */
char *b64_encode(const uint8_t *in, size_t n, int url);

/* Decodes s (base64, or base64url without padding if url) into out, which
 * holds max bytes. Returns the decoded length, or -1 if s is not valid or
 * decodes to more than max bytes. Whitespace is not accepted. */
long b64_decode(const char *s, int url, uint8_t *out, size_t max);

#endif
