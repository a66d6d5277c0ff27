/*
 * routes.h - the party's route table: every path it serves, the method,
 * who may call it and the handler. See docs/PARTY.md for the API.
 */
#ifndef MPC_ROUTES_H
#define MPC_ROUTES_H

#include "http.h"

enum {
    ROUTE_PUBLIC = 0,
    ROUTE_ADMIN = 1 << 0,    /* a signed-in admin session */
    ROUTE_CSRF = 1 << 1,     /* and its CSRF token (state-changing requests) */
    ROUTE_PEER = 1 << 2,     /* a party of the study, signed request */
    ROUTE_CORS = 1 << 3,     /* callable from the study's pages on other parties */
    ROUTE_UPLOAD = 1 << 4,   /* counts against the concurrent upload limit */
    ROUTE_PREFIX = 1 << 5,   /* path is a prefix */
    ROUTE_ORGANIZER = 1 << 6 /* the study's organizer, signed request */
};

typedef void (*route_handler)(party_app *app, const http_req *req, http_reply *out);

typedef struct route {
    const char *method;
    const char *path;
    unsigned flags;
    route_handler handler;
} route;

/* Finds the route for method and path. Returns it, or NULL with *status
 * API_NOT_FOUND (no such path) or API_METHOD (path exists; *allow lists
 * its methods). */
const route *routes_find(const char *method, const char *path, api_err *status, char *allow,
                         size_t allow_size);

#endif
