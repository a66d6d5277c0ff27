/*
 * ratelimit.c - see ratelimit.h.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bucket {
    char client[RATELIMIT_CLIENT_MAX];
    int used;
    double tokens;
    int64_t last_ms; /* when tokens was last brought up to date */
} bucket;

struct ratelimit {
    pthread_mutex_t lock;
    double per_ms, burst;
    bucket slots[RATELIMIT_SLOTS];
};

ratelimit *ratelimit_new(unsigned per_minute, unsigned burst)
{
    if (per_minute == 0 || burst == 0)
        return NULL;
    ratelimit *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->per_ms = per_minute / 60000.0;
    r->burst = burst;
    return r;
}

void ratelimit_free(ratelimit *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

unsigned ratelimit_take(ratelimit *r, const char *client, int64_t now_ms)
{
    pthread_mutex_lock(&r->lock);
    bucket *b = NULL, *idle = &r->slots[0];
    for (size_t i = 0; i < RATELIMIT_SLOTS && b == NULL; i++) {
        bucket *s = &r->slots[i];
        if (s->used && strcmp(s->client, client) == 0)
            b = s;
        else if (!s->used || (idle->used && s->last_ms < idle->last_ms))
            idle = s;
    }
    if (b == NULL) {
        b = idle;
        b->used = 1;
        snprintf(b->client, sizeof b->client, "%s", client);
        b->tokens = r->burst;
        b->last_ms = now_ms;
    }
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * r->per_ms;
        if (b->tokens > r->burst)
            b->tokens = r->burst;
        b->last_ms = now_ms;
    }
    unsigned wait = 0;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
    } else {
        wait = (unsigned)((1.0 - b->tokens) / r->per_ms / 1000.0) + 1;
    }
    pthread_mutex_unlock(&r->lock);
    return wait;
}
