/*
 * sealed.c - sealed study files; see sealed.h.
 */
#include "sealed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "hex.h"

int sealed_verify(const study *s)
{
    const uint8_t *pk = study_organizer_key(s), *sig = study_signature(s);
    if (pk == NULL || sig == NULL)
        return -1;
    return sign_verify(pk, SEALED_SIGN_PREFIX, study_hash(s), STUDY_HASH_SIZE, sig) == 0 ? 0 : -1;
}

int sealed_load(const char *path, study **out, char **text, char *err, size_t err_size)
{
    char *buf, msg[STUDY_ERR_SIZE];
    size_t len;
    *out = NULL;
    if (text != NULL)
        *text = NULL;
    if (fileio_read(path, STUDY_MAX_JSON, &buf, &len) != 0) {
        snprintf(err, err_size, "cannot read %s: %s", path,
                 errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
        return -1;
    }
    study *s;
    if (study_parse(buf, len, STUDY_SEALED, &s, msg, sizeof msg) != CORE_OK) {
        snprintf(err, err_size, "%s: %s", path, msg);
        free(buf);
        return -1;
    }
    if (sealed_verify(s) != 0) {
        snprintf(err, err_size,
                 "%s: the organizer's signature is not valid; the file was not sealed by the "
                 "organizer it names, or was changed",
                 path);
        study_free(s);
        free(buf);
        return -1;
    }
    *out = s;
    if (text != NULL)
        *text = buf;
    else
        free(buf);
    return 0;
}

static int set_string(cJSON *obj, const char *name, const char *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    return cJSON_AddStringToObject(obj, name, value) != NULL ? 0 : -1;
}

int sealed_seal(cJSON *doc, cJSON *parties, const uint8_t sk[SIGN_SK_SIZE],
                const uint8_t pk[SIGN_PK_SIZE], char *err, size_t err_size)
{
    char hex[2 * SIGN_PK_SIZE + 1], msg[STUDY_ERR_SIZE];
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "parties");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "organizer");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "hash");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "signature");
    cJSON_AddItemToObject(doc, "parties", parties);
    cJSON *org = cJSON_AddObjectToObject(doc, "organizer");
    hex_encode(pk, SIGN_PK_SIZE, hex);
    if (org == NULL || set_string(org, "signing_public_key", hex) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    /* Validate (schema, semantics) and hash the unsigned document. */
    char *text = cJSON_PrintUnformatted(doc);
    study *s = NULL;
    core_err e = text ? study_parse(text, strlen(text), 0, &s, msg, sizeof msg) : CORE_ENOMEM;
    free(text);
    if (e != CORE_OK) {
        snprintf(err, err_size, "%s", e == CORE_ENOMEM ? "out of memory" : msg);
        return -1;
    }
    uint8_t sig[SIGN_SIG_SIZE];
    char sig_hex[2 * SIGN_SIG_SIZE + 1], hash_hex[2 * STUDY_HASH_SIZE + 1];
    int rc = sign_message(sk, SEALED_SIGN_PREFIX, study_hash(s), STUDY_HASH_SIZE, sig);
    hex_encode(study_hash(s), STUDY_HASH_SIZE, hash_hex);
    study_free(s);
    hex_encode(sig, sizeof sig, sig_hex);
    if (rc != 0 || set_string(doc, "hash", hash_hex) != 0 ||
        set_string(doc, "signature", sig_hex) != 0) {
        snprintf(err, err_size, "signing failed");
        return -1;
    }
    return 0;
}
