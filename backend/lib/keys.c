/*
 * keys.c - key directories; see keys.h.
 */
#include "keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "fileio.h"
#include "hex.h"
#include "party_file.h"
#include "random.h"

#define KEY_FILE_MAX 4096

static void errf(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

int keys_path(char *out, size_t size, const char *dir, const char *file)
{
    int n = snprintf(out, size, "%s/%s", dir, file);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int add_hex(cJSON *obj, const char *name, const uint8_t *v, size_t n)
{
    char hex[2 * 128 + 1];
    hex_encode(v, n, hex);
    int ok = cJSON_AddStringToObject(obj, name, hex) != NULL;
    core_wipe(hex, sizeof hex);
    return ok ? 0 : -1;
}

/* Writes obj as pretty JSON to dir/file with mode; exclusive. The printed
 * text is wiped. */
static int write_json(const char *dir, const char *file, cJSON *obj, unsigned mode, char *err,
                      size_t err_size)
{
    char path[4096];
    if (keys_path(path, sizeof path, dir, file) != 0) {
        errf(err, err_size, "the directory name is too long");
        return -1;
    }
    char *text = cJSON_Print(obj);
    if (text == NULL) {
        errf(err, err_size, "out of memory");
        return -1;
    }
    size_t len = strlen(text);
    text[len] = '\n';
    int rc = fileio_write(path, text, len + 1, mode, 1);
    int saved = errno;
    core_wipe(text, len + 1);
    free(text);
    if (rc != 0)
        errf(err, err_size, "cannot write %s: %s", path,
             saved == EEXIST ? "it already exists (keys are never overwritten)" : strerror(saved));
    return rc;
}

/* Reads dir/file as JSON; for private files, checks the mode. */
static cJSON *read_json(const char *dir, const char *file, int private_file, char *err,
                        size_t err_size)
{
    char path[4096], *text;
    size_t len;
    if (keys_path(path, sizeof path, dir, file) != 0) {
        errf(err, err_size, "the directory name is too long");
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        errf(err, err_size, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (private_file && (st.st_mode & 077) != 0) {
        errf(err, err_size, "%s can be read by other users (mode %03o); run: chmod 600 %s", path,
             (unsigned)(st.st_mode & 0777), path);
        return NULL;
    }
    if (fileio_read(path, KEY_FILE_MAX, &text, &len) != 0) {
        errf(err, err_size, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    cJSON *obj = cJSON_ParseWithLength(text, len);
    core_wipe(text, len);
    free(text);
    if (obj == NULL)
        errf(err, err_size, "%s is not valid JSON", path);
    return obj;
}

static int get_hex(const cJSON *obj, const char *name, uint8_t *out, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? hex_decode_fixed(v->valuestring, out, n) : -1;
}

static void delete_json(cJSON *obj)
{
    /* Private key files: wipe the strings before freeing. */
    const cJSON *m;
    cJSON_ArrayForEach(m, obj) if (cJSON_IsString(m))
        core_wipe(m->valuestring, strlen(m->valuestring));
    cJSON_Delete(obj);
}

int keys_party_create(const char *dir, const char *name, const char *url, char *err,
                      size_t err_size)
{
    party_keys k;
    uint8_t ikm[HPKE_NSK];
    int rc = -1;
    cJSON *priv = cJSON_CreateObject(), *pub = cJSON_CreateObject();
    if (fileio_mkdirs(dir) != 0) {
        errf(err, err_size, "cannot create directory %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    if (random_bytes(ikm, sizeof ikm) != 0 ||
        hpke_derive_keypair(ikm, sizeof ikm, k.hpke_sk, k.hpke_pk) != CORE_OK ||
        sign_keygen(k.sign_sk, k.sign_pk) != 0) {
        errf(err, err_size, "key generation failed");
        goto cleanup;
    }
    if (priv == NULL || pub == NULL ||
        cJSON_AddStringToObject(priv, "format", "mpc-party-key/1") == NULL ||
        add_hex(priv, "hpke_private_key", k.hpke_sk, HPKE_NSK) != 0 ||
        add_hex(priv, "signing_private_key", k.sign_sk, SIGN_SK_SIZE) != 0 ||
        cJSON_AddStringToObject(pub, "format", "mpc-party/1") == NULL ||
        cJSON_AddStringToObject(pub, "name", name) == NULL ||
        cJSON_AddStringToObject(pub, "url", url) == NULL ||
        add_hex(pub, "hpke_public_key", k.hpke_pk, HPKE_NPK) != 0 ||
        add_hex(pub, "signing_public_key", k.sign_pk, SIGN_PK_SIZE) != 0 ||
        party_file_sign(pub, k.sign_sk) != 0) {
        errf(err, err_size, "out of memory");
        goto cleanup;
    }
    if (write_json(dir, KEYS_PARTY_KEY, priv, 0600, err, err_size) != 0)
        goto cleanup;
    rc = write_json(dir, KEYS_PARTY_PUB, pub, 0644, err, err_size);
cleanup:
    core_wipe(&k, sizeof k);
    core_wipe(ikm, sizeof ikm);
    delete_json(priv);
    cJSON_Delete(pub);
    return rc;
}

int keys_party_load(const char *dir, party_keys *k, char *err, size_t err_size)
{
    cJSON *priv = read_json(dir, KEYS_PARTY_KEY, 1, err, err_size);
    if (priv == NULL)
        return -1;
    int rc = -1;
    if (get_hex(priv, "hpke_private_key", k->hpke_sk, HPKE_NSK) != 0 ||
        get_hex(priv, "signing_private_key", k->sign_sk, SIGN_SK_SIZE) != 0 ||
        hpke_public_key(k->hpke_sk, k->hpke_pk) != CORE_OK ||
        sign_public_key(k->sign_sk, k->sign_pk) != 0) {
        errf(err, err_size, "%s/%s is damaged: its keys cannot be read", dir, KEYS_PARTY_KEY);
        core_wipe(k, sizeof *k);
    } else {
        rc = 0;
    }
    delete_json(priv);
    return rc;
}

int keys_organizer_create(const char *dir, char *err, size_t err_size)
{
    organizer_keys k;
    int rc = -1;
    cJSON *priv = cJSON_CreateObject(), *pub = cJSON_CreateObject();
    if (fileio_mkdirs(dir) != 0) {
        errf(err, err_size, "cannot create directory %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    if (sign_keygen(k.sign_sk, k.sign_pk) != 0) {
        errf(err, err_size, "key generation failed");
        goto cleanup;
    }
    if (priv == NULL || pub == NULL ||
        cJSON_AddStringToObject(priv, "format", "mpc-organizer-key/1") == NULL ||
        add_hex(priv, "signing_private_key", k.sign_sk, SIGN_SK_SIZE) != 0 ||
        cJSON_AddStringToObject(pub, "format", "mpc-organizer/1") == NULL ||
        add_hex(pub, "signing_public_key", k.sign_pk, SIGN_PK_SIZE) != 0) {
        errf(err, err_size, "out of memory");
        goto cleanup;
    }
    if (write_json(dir, KEYS_ORGANIZER_KEY, priv, 0600, err, err_size) != 0)
        goto cleanup;
    rc = write_json(dir, KEYS_ORGANIZER_PUB, pub, 0644, err, err_size);
cleanup:
    core_wipe(&k, sizeof k);
    delete_json(priv);
    cJSON_Delete(pub);
    return rc;
}

int keys_organizer_load(const char *dir, organizer_keys *k, char *err, size_t err_size)
{
    cJSON *priv = read_json(dir, KEYS_ORGANIZER_KEY, 1, err, err_size);
    if (priv == NULL)
        return -1;
    int rc = -1;
    if (get_hex(priv, "signing_private_key", k->sign_sk, SIGN_SK_SIZE) != 0 ||
        sign_public_key(k->sign_sk, k->sign_pk) != 0) {
        errf(err, err_size, "%s/%s is damaged: its key cannot be read", dir, KEYS_ORGANIZER_KEY);
        core_wipe(k, sizeof *k);
    } else {
        rc = 0;
    }
    delete_json(priv);
    return rc;
}
