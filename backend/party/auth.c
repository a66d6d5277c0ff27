/*
 * auth.c - admin sessions and peer request signatures; see auth.h.
 */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/sha256.h>

#include "core.h"
#include "fileio.h"
#include "hex.h"
#include "reqsign.h"
#include "keys.h"
#include "random.h"

#define SALT_SIZE 16
#define HASH_SIZE 32

typedef struct session {
    int used;
    char cookie[AUTH_TOKEN_HEX + 1];
    char csrf[AUTH_TOKEN_HEX + 1];
    int64_t created, last;
} session;

/* One client's sign-in attempts (auth.h, "Sign-in throttling"); free
 * when addr is empty. */
typedef struct login_client {
    char addr[AUTH_CLIENT_MAX];
    unsigned failures; /* in a row, an attempt being checked included */
    int hashing;       /* an attempt of this client is being checked */
    int64_t last;      /* its last attempt */
    int64_t wait_until;
} login_client;

struct auth {
    pthread_mutex_t lock;
    uint8_t salt[SALT_SIZE], hash[HASH_SIZE];
    unsigned iterations;
    session sessions[AUTH_MAX_SESSIONS];
    login_client clients[AUTH_LOGIN_CLIENTS];
    unsigned hashing; /* hashes running, at most AUTH_MAX_HASHING */
    /* Peer nonces seen within the window (a ring; lookups are linear in
     * the live ones, few in practice). */
    struct {
        char nonce[AUTH_NONCE_HEX + 1];
        int64_t at;
    } * nonces;
    size_t nonce_next;
};

static int pbkdf2(const char *password, const uint8_t *salt, unsigned iterations,
                  uint8_t out[HASH_SIZE])
{
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    int rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) ||
             mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)password, strlen(password), salt,
                                       SALT_SIZE, iterations, HASH_SIZE, out);
    mbedtls_md_free(&md);
    return rc ? -1 : 0;
}

int auth_password_generate(char out[25])
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789"; /* 32, no l/o/0/1 */
    uint8_t r[24];
    if (random_bytes(r, sizeof r) != 0)
        return -1;
    for (size_t i = 0; i < 24; i++)
        out[i] = alphabet[r[i] & 31];
    out[24] = '\0';
    core_wipe(r, sizeof r);
    return 0;
}

int auth_password_save(const char *dir, const char *password, char *err, size_t err_size)
{
    size_t n = strlen(password);
    if (n < AUTH_MIN_PASSWORD || n > AUTH_MAX_PASSWORD) {
        snprintf(err, err_size, "the admin password must be %d to %d characters long",
                 AUTH_MIN_PASSWORD, AUTH_MAX_PASSWORD);
        return -1;
    }
    uint8_t salt[SALT_SIZE], hash[HASH_SIZE];
    char salt_hex[2 * SALT_SIZE + 1], hash_hex[2 * HASH_SIZE + 1], path[4096];
    if (random_bytes(salt, sizeof salt) != 0 ||
        pbkdf2(password, salt, AUTH_PBKDF2_ITERATIONS, hash) != 0) {
        snprintf(err, err_size, "cannot hash the password");
        return -1;
    }
    hex_encode(salt, sizeof salt, salt_hex);
    hex_encode(hash, sizeof hash, hash_hex);
    cJSON *obj = cJSON_CreateObject();
    char *text = NULL;
    int rc = -1;
    if (obj == NULL || cJSON_AddStringToObject(obj, "format", "mpc-admin/1") == NULL ||
        cJSON_AddStringToObject(obj, "algorithm", "pbkdf2-hmac-sha256") == NULL ||
        cJSON_AddNumberToObject(obj, "iterations", AUTH_PBKDF2_ITERATIONS) == NULL ||
        cJSON_AddStringToObject(obj, "salt", salt_hex) == NULL ||
        cJSON_AddStringToObject(obj, "hash", hash_hex) == NULL ||
        (text = cJSON_Print(obj)) == NULL) {
        snprintf(err, err_size, "out of memory");
        goto cleanup;
    }
    if (keys_path(path, sizeof path, dir, AUTH_ADMIN_FILE) != 0 ||
        fileio_write(path, text, strlen(text), 0600, 0) != 0) {
        snprintf(err, err_size, "cannot write %s/%s: %s", dir, AUTH_ADMIN_FILE, strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    core_wipe(hash, sizeof hash);
    free(text);
    cJSON_Delete(obj);
    return rc;
}

int auth_new(const char *dir, auth **out, char *err, size_t err_size)
{
    *out = NULL;
    char path[4096], *text = NULL;
    size_t len;
    if (keys_path(path, sizeof path, dir, AUTH_ADMIN_FILE) != 0 ||
        fileio_read(path, 4096, &text, &len) != 0) {
        snprintf(err, err_size,
                 "cannot read %s/%s (%s); set a password with --admin-password-file FILE", dir,
                 AUTH_ADMIN_FILE, strerror(errno));
        return -1;
    }
    cJSON *obj = cJSON_ParseWithLength(text, len);
    free(text);
    auth *a = calloc(1, sizeof *a);
    if (a != NULL) {
        pthread_mutex_init(&a->lock, NULL);
        a->nonces = calloc(AUTH_MAX_NONCES, sizeof *a->nonces);
    }
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "iterations");
    const cJSON *salt = cJSON_GetObjectItemCaseSensitive(obj, "salt");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(obj, "hash");
    if (a == NULL || a->nonces == NULL || !cJSON_IsNumber(it) || it->valuedouble < 1000 ||
        it->valuedouble > 1e8 || !cJSON_IsString(salt) || !cJSON_IsString(hash) ||
        hex_decode_fixed(salt->valuestring, a->salt, SALT_SIZE) != 0 ||
        hex_decode_fixed(hash->valuestring, a->hash, HASH_SIZE) != 0) {
        snprintf(err, err_size, "%s/%s is damaged; set a new password with --admin-password-file",
                 dir, AUTH_ADMIN_FILE);
        cJSON_Delete(obj);
        auth_free(a);
        return -1;
    }
    a->iterations = (unsigned)it->valuedouble;
    cJSON_Delete(obj);
    *out = a;
    return 0;
}

void auth_free(auth *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a->nonces);
    core_wipe(a, sizeof *a);
    free(a);
}

static int new_token(char out[AUTH_TOKEN_HEX + 1])
{
    uint8_t r[AUTH_TOKEN_HEX / 2];
    if (random_bytes(r, sizeof r) != 0)
        return -1;
    hex_encode(r, sizeof r, out);
    core_wipe(r, sizeof r);
    return 0;
}

static int token_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL || strlen(a) != AUTH_TOKEN_HEX || strlen(b) != AUTH_TOKEN_HEX)
        return 0;
    return core_ct_equal((const uint8_t *)a, (const uint8_t *)b, AUTH_TOKEN_HEX);
}

static int live(const session *s, int64_t now)
{
    return s->used && now - s->last <= AUTH_SESSION_IDLE && now - s->created <= AUTH_SESSION_MAX;
}

/* The entry of client addr (under the lock): its own, or a new one in a
 * free entry or the one idle longest (an entry being hashed is never
 * given away). */
static login_client *login_entry(auth *a, const char *addr, int64_t now)
{
    login_client *spare = NULL;
    for (size_t i = 0; i < AUTH_LOGIN_CLIENTS; i++) {
        login_client *c = &a->clients[i];
        if (c->addr[0] != '\0' && strcmp(c->addr, addr) == 0) {
            if (!c->hashing && now - c->last > AUTH_LOGIN_FORGET) {
                c->failures = 0;
                c->wait_until = 0;
            }
            return c;
        }
        if (!c->hashing && (spare == NULL || c->last < spare->last))
            spare = c; /* (a free entry's last is 0) */
    }
    /* (AUTH_MAX_HASHING < AUTH_LOGIN_CLIENTS: spare is never NULL.) */
    memset(spare, 0, sizeof *spare);
    snprintf(spare->addr, sizeof spare->addr, "%s", addr);
    return spare;
}

/* The wait after a client's failures-th failure in a row. */
static int64_t login_wait(unsigned failures)
{
    if (failures < AUTH_LOGIN_FREE)
        return 0;
    unsigned k = failures - AUTH_LOGIN_FREE;
    return k >= 10 || (1 << k) > AUTH_LOGIN_MAX_WAIT ? AUTH_LOGIN_MAX_WAIT : (int64_t)1 << k;
}

/* Opens a session (under the lock): 0, or -1 if no token could be made. */
static int open_session(auth *a, int64_t now, char *cookie, char *csrf)
{
    /* A free slot, or the least recently used one. */
    session *slot = &a->sessions[0];
    for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++) {
        session *s = &a->sessions[i];
        if (!live(s, now)) {
            slot = s;
            break;
        }
        if (s->last < slot->last)
            slot = s;
    }
    if (new_token(slot->cookie) != 0 || new_token(slot->csrf) != 0) {
        slot->used = 0;
        return -1;
    }
    slot->used = 1;
    slot->created = slot->last = now;
    memcpy(cookie, slot->cookie, AUTH_TOKEN_HEX + 1);
    memcpy(csrf, slot->csrf, AUTH_TOKEN_HEX + 1);
    return 0;
}

auth_login auth_login_reserve(auth *a, const char *client, int64_t now, unsigned *retry_after,
                              int *ticket)
{
    const char *addr = client != NULL && client[0] != '\0' ? client : "unknown";
    auth_login result = AUTH_LOGIN_OK;
    *retry_after = 0;
    *ticket = -1;
    pthread_mutex_lock(&a->lock);
    login_client *c = login_entry(a, addr, now);
    c->last = now;
    if (c->hashing) {
        result = AUTH_LOGIN_THROTTLED;
        *retry_after = 1;
    } else if (now < c->wait_until) {
        result = AUTH_LOGIN_THROTTLED;
        *retry_after = (unsigned)(c->wait_until - now);
    } else if (a->hashing >= AUTH_MAX_HASHING) {
        result = AUTH_LOGIN_BUSY;
        *retry_after = 1;
    } else {
        /* Counted as a failure until the password proves right. */
        c->hashing = 1;
        c->failures++;
        a->hashing++;
        *ticket = (int)(c - a->clients);
    }
    pthread_mutex_unlock(&a->lock);
    return result;
}

auth_login auth_login_check(auth *a, int ticket, const char *password, int64_t now, char *cookie,
                            char *csrf)
{
    /* (The ticket's entry stays its client's: one being hashed is never
     * given away.) */
    login_client *c = &a->clients[ticket];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint8_t h[HASH_SIZE];
    int ok = strlen(password) <= AUTH_MAX_PASSWORD &&
             pbkdf2(password, a->salt, a->iterations, h) == 0 &&
             core_ct_equal(h, a->hash, HASH_SIZE);
    core_wipe(h, sizeof h);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* (The wait counts from the end of the hash: whole seconds it took.) */
    int64_t done =
        now +
        (int64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec) / 1000000000LL;
    pthread_mutex_lock(&a->lock);
    a->hashing--;
    c->hashing = 0;
    c->last = done;
    auth_login result = AUTH_LOGIN_WRONG;
    if (!ok) {
        c->wait_until = done + login_wait(c->failures);
    } else {
        memset(c, 0, sizeof *c);
        if (open_session(a, now, cookie, csrf) == 0)
            result = AUTH_LOGIN_OK;
    }
    pthread_mutex_unlock(&a->lock);
    return result;
}

void auth_login_cancel(auth *a, int ticket, int64_t now)
{
    login_client *c = &a->clients[ticket];
    pthread_mutex_lock(&a->lock);
    a->hashing--;
    c->hashing = 0;
    c->wait_until = now + login_wait(c->failures);
    pthread_mutex_unlock(&a->lock);
}

auth_login auth_login_password(auth *a, const char *client, const char *password, int64_t now,
                               char *cookie, char *csrf, unsigned *retry_after)
{
    int ticket;
    auth_login r = auth_login_reserve(a, client, now, retry_after, &ticket);
    return r != AUTH_LOGIN_OK ? r : auth_login_check(a, ticket, password, now, cookie, csrf);
}

int auth_session_check(auth *a, const char *cookie, const char *csrf, int64_t now, char *csrf_out)
{
    int rc = -1;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++) {
        session *s = &a->sessions[i];
        if (live(s, now) && token_eq(cookie, s->cookie)) {
            if (csrf == NULL || token_eq(csrf, s->csrf)) {
                s->last = now;
                if (csrf_out != NULL)
                    memcpy(csrf_out, s->csrf, AUTH_TOKEN_HEX + 1);
                rc = 0;
            } else {
                rc = -2;
            }
        }
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

void auth_logout(auth *a, const char *cookie)
{
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++)
        if (a->sessions[i].used && token_eq(cookie, a->sessions[i].cookie))
            core_wipe(&a->sessions[i], sizeof a->sessions[i]);
    pthread_mutex_unlock(&a->lock);
}

/* ---- peers ---------------------------------------------------------------- */

static int nonce_fresh(auth *a, const char *nonce, int64_t now)
{
    int fresh = 1;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < AUTH_MAX_NONCES; i++)
        if (a->nonces[i].at != 0 && now - a->nonces[i].at <= 2 * AUTH_PEER_WINDOW &&
            strcmp(a->nonces[i].nonce, nonce) == 0) {
            fresh = 0;
            break;
        }
    if (fresh) {
        size_t i = a->nonce_next++ % AUTH_MAX_NONCES;
        snprintf(a->nonces[i].nonce, sizeof a->nonces[i].nonce, "%s", nonce);
        a->nonces[i].at = now;
    }
    pthread_mutex_unlock(&a->lock);
    return fresh;
}

/* A party index of study s (decimal, at most 3 digits): 0, or -1. */
static int party_index(const study *s, const char *text, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || strlen(text) > 3 || errno != 0 || *end != '\0' ||
        v >= study_num_parties(s))
        return -1;
    *out = (unsigned)v;
    return 0;
}

int auth_peer_verify(auth *a, const study *s, unsigned self, const char *method, const char *path,
                     const uint8_t *body, size_t body_len, const auth_peer_headers *h, int64_t now,
                     char *err, size_t err_size)
{
    if (h->party == NULL || h->to == NULL || h->time == NULL || h->nonce == NULL ||
        h->signature == NULL) {
        snprintf(err, err_size,
                 "requests must be signed (X-MPC-Party, X-MPC-To, X-MPC-Time, X-MPC-Nonce, "
                 "X-MPC-Signature)");
        return -1;
    }
    char *end = NULL;
    int organizer = strcmp(h->party, REQSIGN_ORGANIZER) == 0;
    unsigned idx = AUTH_ORGANIZER, to = 0;
    int bad_party = !organizer && party_index(s, h->party, &idx) != 0;
    errno = 0;
    long long t = strtoll(h->time, &end, 10);
    uint8_t sig[SIGN_SIG_SIZE], nb[REQSIGN_NONCE_HEX / 2];
    if (bad_party || party_index(s, h->to, &to) != 0 || errno != 0 || *end != '\0' ||
        h->time[0] == '\0' || hex_decode_fixed(h->signature, sig, sizeof sig) != 0 ||
        hex_decode_fixed(h->nonce, nb, sizeof nb) != 0 || (organizer && !study_organizer_key(s))) {
        snprintf(err, err_size, "malformed signature headers");
        return -1;
    }
    /* (The signature below covers self: a request signed for another
     * party fails it whatever X-MPC-To says; this names the reason.) */
    if (to != self) {
        snprintf(err, err_size,
                 "this request was signed for party %u (X-MPC-To: %u), not for this party (%u): "
                 "a signed request is accepted only by the party it is for",
                 to + 1, to, self + 1);
        return -1;
    }
    if (t < now - AUTH_PEER_WINDOW || t > now + AUTH_PEER_WINDOW) {
        snprintf(err, err_size, "stale request (its time is %lld s from ours; check both clocks)",
                 (long long)(t - now));
        return -1;
    }
    char msg[2048];
    int n = reqsign_message(study_hash(s), self, method, path, h->time, h->nonce, body, body_len,
                            msg, sizeof msg);
    const uint8_t *key = organizer ? study_organizer_key(s) : study_party_signing_key(s, idx);
    if (n < 0 || sign_verify(key, organizer ? REQSIGN_ORGANIZER_PREFIX : REQSIGN_PEER_PREFIX,
                             (const uint8_t *)msg, (size_t)n, sig) != 0) {
        snprintf(err, err_size, "invalid signature");
        return -1;
    }
    if (!nonce_fresh(a, h->nonce, now)) {
        snprintf(err, err_size, "replayed request");
        return -1;
    }
    return (int)idx;
}
