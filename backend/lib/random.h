/*
 * random.h - the operating system's CSPRNG (getrandom(2)).
 */
#ifndef MPC_RANDOM_H
#define MPC_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n random bytes; returns 0, or -1 with errno set. */
int random_bytes(uint8_t *buf, size_t n);

#endif
