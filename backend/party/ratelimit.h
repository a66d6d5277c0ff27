/*
 * ratelimit.h - how often one client may do something: a token bucket per
 * client address (docs/HARDENING.md, "Hostile parties, clients and
 * labels"). A bucket holds at most `burst` tokens and gains `per_minute`
 * tokens a minute; each request takes one. The table of buckets has a
 * fixed size: when it is full, the bucket idle the longest is reused (it
 * had refilled by then unless the table is flooded, and then a flooding
 * address loses its history, not an honest one its allowance).
 *
 * Addresses are keyed by what one client controls: an IPv4 address, or
 * the /64 prefix of an IPv6 address (an IPv4-mapped one as IPv4).
 */
#ifndef MPC_RATELIMIT_H
#define MPC_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

#define RATELIMIT_KEY_SIZE 9 /* family byte and up to 8 address bytes */
#define RATELIMIT_SLOTS 4096

typedef struct ratelimit ratelimit;

typedef struct ratelimit_key {
    uint8_t b[RATELIMIT_KEY_SIZE];
} ratelimit_key;

/* A limiter, or NULL without memory. per_minute and burst at least 1. */
ratelimit *ratelimit_new(unsigned per_minute, unsigned burst);
void ratelimit_free(ratelimit *r);

/* The key of a client address (NULL: one key for every unknown address). */
ratelimit_key ratelimit_key_of(const struct sockaddr *sa);

/* 0 if the client may go on (a token taken), else the whole seconds until
 * it may (at least 1). now_ms: a monotonic clock in milliseconds. */
unsigned ratelimit_take(ratelimit *r, const ratelimit_key *key, int64_t now_ms);

#endif
