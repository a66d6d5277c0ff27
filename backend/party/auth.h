/*
 * auth.h - who may do what on a party server.
 *
 *  - The party admin: a password, stored only as a PBKDF2-HMAC-SHA256 hash
 *    (600,000 iterations, random salt) in DIR/admin.json (mode 0600). A
 *    correct password opens a session: an HttpOnly, SameSite=Strict cookie
 *    plus a CSRF token that every state-changing request must echo in
 *    X-CSRF-Token. Sessions live in memory (a restart signs admins out).
 *    Failed logins are throttled. docs/PARTY.md says why a password.
 *  - Peers: every /api/peer/ request carries X-MPC-Party (sender index),
 *    X-MPC-Time (unix seconds, within AUTH_PEER_WINDOW of ours), X-MPC-Nonce
 *    (random, never accepted twice within the window) and X-MPC-Signature:
 *    the sender's ECDSA P-256 signature (its key from the sealed study) over
 *    the method, path, time, nonce, study hash and SHA-256 of the body.
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
#define AUTH_LOGIN_FAILURES 5 /* then wait AUTH_LOGIN_LOCKOUT seconds */
#define AUTH_LOGIN_LOCKOUT 60
#define AUTH_PEER_WINDOW 300 /* seconds of clock difference accepted */
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

typedef enum auth_login { AUTH_LOGIN_OK, AUTH_LOGIN_WRONG, AUTH_LOGIN_THROTTLED } auth_login;

/* Checks the password; on success writes a new session's cookie value and
 * CSRF token (AUTH_TOKEN_HEX + 1 bytes each). */
auth_login auth_login_password(auth *a, const char *password, int64_t now, char *cookie,
                               char *csrf);

/* 0 if cookie names a live session (and, when csrf is not NULL, csrf is
 * its token); refreshes it. Writes the session's csrf token into csrf_out
 * if not NULL. */
int auth_session_check(auth *a, const char *cookie, const char *csrf, int64_t now, char *csrf_out);

/* Ends the session named by cookie (if any). */
void auth_logout(auth *a, const char *cookie);

/* ---- peers ---------------------------------------------------------------- */

/* The sender index auth_peer_verify returns for the organizer. */
#define AUTH_ORGANIZER 1000

/* Verifies a signed request (backend/lib/reqsign.h; header values may be
 * NULL when missing) from a party or the organizer. Returns the sender's
 * party index or AUTH_ORGANIZER, or -1 with a reason in err. */
int auth_peer_verify(auth *a, const study *s, const char *method, const char *path,
                     const uint8_t *body, size_t body_len, const char *party, const char *time,
                     const char *nonce, const char *signature, int64_t now, char *err,
                     size_t err_size);

#endif
