/*
 * auth.c - admin sessions and peer request signatures; see auth.h.
 */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct auth {
    pthread_mutex_t lock;
    uint8_t salt[SALT_SIZE], hash[HASH_SIZE];
    unsigned iterations;
    session sessions[AUTH_MAX_SESSIONS];
    unsigned failures;
    int64_t locked_until;
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

auth_login auth_login_password(auth *a, const char *password, int64_t now, char *cookie, char *csrf)
{
    pthread_mutex_lock(&a->lock);
    int throttled = now < a->locked_until;
    pthread_mutex_unlock(&a->lock);
    if (throttled)
        return AUTH_LOGIN_THROTTLED;
    uint8_t h[HASH_SIZE];
    int ok = strlen(password) <= AUTH_MAX_PASSWORD &&
             pbkdf2(password, a->salt, a->iterations, h) == 0 &&
             core_ct_equal(h, a->hash, HASH_SIZE);
    core_wipe(h, sizeof h);
    pthread_mutex_lock(&a->lock);
    auth_login result = AUTH_LOGIN_WRONG;
    if (!ok) {
        if (++a->failures >= AUTH_LOGIN_FAILURES) {
            a->failures = 0;
            a->locked_until = now + AUTH_LOGIN_LOCKOUT;
        }
    } else {
        a->failures = 0;
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
        if (new_token(slot->cookie) == 0 && new_token(slot->csrf) == 0) {
            slot->used = 1;
            slot->created = slot->last = now;
            memcpy(cookie, slot->cookie, AUTH_TOKEN_HEX + 1);
            memcpy(csrf, slot->csrf, AUTH_TOKEN_HEX + 1);
            result = AUTH_LOGIN_OK;
        } else {
            slot->used = 0;
        }
    }
    pthread_mutex_unlock(&a->lock);
    return result;
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

/* The signed message: method, path, time, nonce, study hash (hex) and the
 * body's SHA-256 (hex), one per line. */
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

int auth_peer_verify(auth *a, const study *s, const char *method, const char *path,
                     const uint8_t *body, size_t body_len, const char *party, const char *time,
                     const char *nonce, const char *signature, int64_t now, char *err,
                     size_t err_size)
{
    if (party == NULL || time == NULL || nonce == NULL || signature == NULL) {
        snprintf(err, err_size,
                 "requests must be signed (X-MPC-Party, X-MPC-Time, X-MPC-Nonce, "
                 "X-MPC-Signature)");
        return -1;
    }
    char *end = NULL;
    errno = 0;
    int organizer = strcmp(party, REQSIGN_ORGANIZER) == 0;
    unsigned long idx = organizer ? AUTH_ORGANIZER : strtoul(party, &end, 10);
    int bad_party = !organizer && (errno != 0 || *end != '\0' || idx >= study_num_parties(s) ||
                                   party[0] < '0' || party[0] > '9' || strlen(party) > 3);
    errno = 0;
    long long t = strtoll(time, &end, 10);
    uint8_t sig[SIGN_SIG_SIZE], nb[REQSIGN_NONCE_HEX / 2];
    if (bad_party || errno != 0 || *end != '\0' || time[0] == '\0' ||
        hex_decode_fixed(signature, sig, sizeof sig) != 0 ||
        hex_decode_fixed(nonce, nb, sizeof nb) != 0 || (organizer && !study_organizer_key(s))) {
        snprintf(err, err_size, "malformed signature headers");
        return -1;
    }
    if (t < now - AUTH_PEER_WINDOW || t > now + AUTH_PEER_WINDOW) {
        snprintf(err, err_size, "stale request (its time is %lld s from ours; check both clocks)",
                 (long long)(t - now));
        return -1;
    }
    char msg[2048];
    int n =
        reqsign_message(study_hash(s), method, path, time, nonce, body, body_len, msg, sizeof msg);
    const uint8_t *key =
        organizer ? study_organizer_key(s) : study_party_signing_key(s, (unsigned)idx);
    if (n < 0 || sign_verify(key, organizer ? REQSIGN_ORGANIZER_PREFIX : REQSIGN_PEER_PREFIX,
                             (const uint8_t *)msg, (size_t)n, sig) != 0) {
        snprintf(err, err_size, "invalid signature");
        return -1;
    }
    if (!nonce_fresh(a, nonce, now)) {
        snprintf(err, err_size, "replayed request");
        return -1;
    }
    return (int)idx;
}
