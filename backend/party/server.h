/*
 * server.h - the party's HTTP server on libmicrohttpd: a thread pool with
 * epoll, request bodies collected under hard limits, the route table,
 * authentication (admin session, CSRF, peer signatures), CORS for the
 * study's pages and the security headers of every response.
 */
#ifndef MPC_SERVER_H
#define MPC_SERVER_H

#include <stddef.h>

#include "party.h"

typedef struct server server;

typedef struct server_options {
    const char *listen;   /* HOST:PORT ([v6]:PORT) */
    const char *tls_cert; /* PEM files, both or neither */
    const char *tls_key;
    unsigned threads;
    unsigned max_connections;
    unsigned max_per_address; /* connections from one address at once */
} server_options;

/* Starts serving app. Returns 0, or -1 with a message in err. */
int server_start(party_app *app, const server_options *opt, server **out, char *err,
                 size_t err_size);

/* Stops accepting, finishes the requests in progress, frees s. */
void server_stop(server *s);

#endif
