/*
 * peers.h - this party's view of the other parties, and the client for
 * party-to-party requests (libcurl).
 *
 * A background thread checks every peer every PEERS_INTERVAL seconds:
 * GET /api/study (public: is it up, does it serve the same study hash?)
 * then the signed GET /api/peer/hello (has its admin approved? only with
 * its signed approval statement, docs/COMPUTE.md, step 1). The
 * dashboard reads the latest results; nothing waits on the network while
 * answering a request.
 */
#ifndef MPC_PEERS_H
#define MPC_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "party.h"

#define PEERS_INTERVAL 5
#define PEERS_TIMEOUT_MS 3000
#define PEERS_MAX_RESPONSE ((size_t)16 << 20)

typedef struct peer_status {
    int checked; /* 0 until the first check finished */
    int reachable;
    int same_study; /* -1 unknown */
    int approved;   /* -1 unknown */
    char error[160];
    int64_t checked_at;
} peer_status;

/* Starts the background checks. NULL on failure. */
peers *peers_start(party_app *app);

/* Stops the thread and frees p; accepts NULL. */
void peers_stop(peers *p);

/* The latest status of party i (i != app->self). */
void peers_get(peers *p, unsigned i, peer_status *out);

/* One request to party `to`: signed with this party's key when the path
 * starts with /api/peer/. On success (a response was received, any
 * status) returns 0 with *status and the body in *resp (NUL-terminated,
 * free()); on failure -1 with a reason in err. */
int peer_request(const party_app *app, unsigned to, const char *method, const char *path,
                 const uint8_t *body, size_t body_len, long timeout_ms, long *status, char **resp,
                 size_t *resp_len, char *err, size_t err_size);

#endif
