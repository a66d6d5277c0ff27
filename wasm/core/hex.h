/*
 * hex.h - lowercase hexadecimal encoding of byte strings.
 */
#ifndef MPC_HEX_H
#define MPC_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the hex string s (even length, [0-9a-fA-F]) into a new buffer
 * of *len bytes (at least 1 byte is allocated, so an empty string gives a
 * non-NULL buffer). Returns 0 on success, -1 on bad input or no memory,
 * leaving *out NULL. The caller frees *out. */
int hex_decode(const char *s, uint8_t **out, size_t *len);

/* Decodes exactly 2 * n hex digits (the whole string s) into out[n].
 * Returns 0, or -1 if s is NULL, of another length or not hex (out is
 * then partly written). */
int hex_decode_fixed(const char *s, uint8_t *out, size_t n);

/* The value of the hex digit c (0-9, a-f, A-F), or -1. */
int hex_digit(char c);

/* Writes 2 * n lowercase hex digits and a NUL into out (2 * n + 1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);

#endif
