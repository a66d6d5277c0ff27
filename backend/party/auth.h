/*
 * auth.h - who may do what on a party server.
 *
 *  - The party admin: a password, stored only as a PBKDF2-HMAC-SHA256 hash
 *    (600,000 iterations, random salt) in DIR/admin.json (mode 0600). A
 *    correct password opens a session: an HttpOnly, SameSite=Strict cookie
 *    plus a CSRF token that every state-changing request must echo in
 *    X-CSRF-Token. Sessions live in memory (a restart signs admins out).
 *    Sign-ins are throttled per client address (below). docs/PARTY.md says
 *    why a password.
 *  - Peers: every /api/peer/ request carries X-MPC-Party (sender index),
 *    X-MPC-To (the recipient's index), X-MPC-Time (unix seconds, within
 *    AUTH_PEER_WINDOW of ours), X-MPC-Nonce (random, never accepted twice
 *    within the window) and X-MPC-Signature: the sender's ECDSA P-256
 *    signature (its key from the sealed study) over the recipient, the
 *    method, path, time, nonce, study hash and SHA-256 of the body. A
 *    request signed for another party is refused, so it cannot be replayed
 *    from one party to another (each has its own nonce cache).
 *
 * Sign-in throttling, per client address (IPv4, or the /64 of an IPv6
 * address), in a table of AUTH_LOGIN_CLIENTS entries (a new client takes a
 * free entry, else the one idle longest; an entry is freed by a correct
 * password, or forgotten AUTH_LOGIN_FORGET seconds after its last attempt):
 *  - an attempt is reserved, and counted as a failure, before the password
 *    is hashed: one hash at a time per client, a second attempt meanwhile
 *    is refused (429);
 *  - after the k-th failure in a row (k >= AUTH_LOGIN_FREE) the client
 *    waits 2^(k - AUTH_LOGIN_FREE) seconds, at most AUTH_LOGIN_MAX_WAIT
 *    (429 with Retry-After); a correct password ends the wait's cause;
 *  - at most AUTH_MAX_HASHING hashes run at once on the whole server; an
 *    attempt beyond that is refused at once (503 with Retry-After) rather
 *    than waiting on a request thread, so other requests stay quick.
 * One client's failures never lock out another client.
 *
 * All comparisons of secrets are constant time; secrets are wiped.
 */
#ifndef MPC_AUTH_H
#define MPC_AUTH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sign.h"
#include "study.h"

#define AUTH_ADMIN_FILE "admin.json"
#define AUTH_PBKDF2_ITERATIONS 600000
#define AUTH_TOKEN_HEX 64 /* session and CSRF tokens: 32 random bytes, hex */
#define AUTH_MAX_SESSIONS 64
#define AUTH_SESSION_IDLE 3600 /* seconds */
#define AUTH_SESSION_MAX 43200 /* seconds */
#define AUTH_MAX_PASSWORD 1024
#define AUTH_MIN_PASSWORD 12
#define AUTH_LOGIN_CLIENTS 256 /* clients whose sign-in failures are counted */
#define AUTH_LOGIN_FREE 3      /* failures in a row before the first wait */
#define AUTH_LOGIN_MAX_WAIT 900
#define AUTH_LOGIN_FORGET 3600 /* seconds after a client's last attempt */
#define AUTH_MAX_HASHING 2     /* password hashes at once, server-wide */
#define AUTH_CLIENT_MAX 48     /* a client address as text, with its NUL */
#define AUTH_PEER_WINDOW 300   /* seconds of clock difference accepted */
#define AUTH_NONCE_HEX 32
#define AUTH_MAX_NONCES 65536

typedef struct auth auth;

/* Writes DIR/admin.json for password (replacing it). 0 or -1 with err. */
int auth_password_save(const char *dir, const char *password, char *err, size_t err_size);

/* A new random password (base32, 24 characters, 120 bits) into out[25]. */
int auth_password_generate(char out[25]);

/* Loads DIR/admin.json. 0 or -1 with err. */
int auth_new(const char *dir, auth **out, char *err, size_t err_size);
void auth_free(auth *a);

typedef enum auth_login {
    AUTH_LOGIN_OK,
    AUTH_LOGIN_WRONG,
    AUTH_LOGIN_THROTTLED, /* this client waits (or has an attempt in progress) */
    AUTH_LOGIN_BUSY       /* AUTH_MAX_HASHING hashes are running */
} auth_login;

/* A sign-in in two steps, so that the slow one can run off a request
 * thread. First a sign-in from client (its address as text, "" if
 * unknown) is reserved under the throttling above: AUTH_LOGIN_OK with
 * *ticket set, and then auth_login_check must follow; or THROTTLED or
 * BUSY with *retry_after (seconds, at least 1). */
auth_login auth_login_reserve(auth *a, const char *client, int64_t now, unsigned *retry_after,
                              int *ticket);

/* Checks the password of a reserved sign-in (about a second: PBKDF2) and
 * ends the reservation: AUTH_LOGIN_OK with a new session's cookie value
 * and CSRF token written (AUTH_TOKEN_HEX + 1 bytes each), or WRONG. */
auth_login auth_login_check(auth *a, int ticket, const char *password, int64_t now, char *cookie,
                            char *csrf);

/* Ends a reserved sign-in that cannot be checked, as a failure. */
void auth_login_cancel(auth *a, int ticket, int64_t now);

/* Both steps at once. */
auth_login auth_login_password(auth *a, const char *client, const char *password, int64_t now,
                               char *cookie, char *csrf, unsigned *retry_after);

/* 0 if cookie names a live session (and, when csrf is not NULL, csrf is
 * its token); refreshes it. Writes the session's csrf token into csrf_out
 * if not NULL. */
int auth_session_check(auth *a, const char *cookie, const char *csrf, int64_t now, char *csrf_out);

/* Ends the session named by cookie (if any). */
void auth_logout(auth *a, const char *cookie);

/* ---- peers ---------------------------------------------------------------- */

/* The sender index auth_peer_verify returns for the organizer. */
#define AUTH_ORGANIZER 1000

/* The headers of a signed request (backend/lib/reqsign.h); NULL when
 * missing. */
typedef struct auth_peer_headers {
    const char *party, *to, *time, *nonce, *signature;
} auth_peer_headers;

/* Verifies a signed request from a party or the organizer to this party
 * (index self): signed for self, by the one X-MPC-Party names, in time,
 * not replayed. Returns the sender's party index or AUTH_ORGANIZER, or -1
 * with a reason in err. */
int auth_peer_verify(auth *a, const study *s, unsigned self, const char *method, const char *path,
                     const uint8_t *body, size_t body_len, const auth_peer_headers *h, int64_t now,
                     char *err, size_t err_size);

#endif
