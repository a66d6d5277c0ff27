/*
 * ratelimit.h - how often one client may do something: a token bucket per
 * client address (docs/HARDENING.md, "Hostile parties, clients and
 * labels"). A bucket holds at most `burst` tokens and gains `per_minute`
 * tokens a minute; each request takes one. The table of buckets has a
 * fixed size: when it is full, the bucket idle the longest is reused (it
 * had refilled by then unless the table is flooded, and then a flooding
 * address loses its history, not an honest one its allowance).
 *
 * A client is named by its address as server.c's client_address writes
 * it: an IPv4 address, or the /64 prefix of an IPv6 address (what one
 * client controls).
 */
#ifndef MPC_RATELIMIT_H
#define MPC_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_CLIENT_MAX 48 /* a client's name, with its NUL */
#define RATELIMIT_SLOTS 4096

typedef struct ratelimit ratelimit;

/* A limiter, or NULL without memory. per_minute and burst at least 1. */
ratelimit *ratelimit_new(unsigned per_minute, unsigned burst);
void ratelimit_free(ratelimit *r);

/* 0 if the client may go on (a token taken), else the whole seconds until
 * it may (at least 1). now_ms: a monotonic clock in milliseconds. */
unsigned ratelimit_take(ratelimit *r, const char *client, int64_t now_ms);

#endif
