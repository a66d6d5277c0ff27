/*
 * party_file.c - party.pub.json; see party_file.h.
 */
#include "party_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "hpke.h"
#include "safe_text.h"
#include "study.h"

static const char *const MEMBERS[] = {"name", "url", "hpke_public_key", "signing_public_key"};
#define NUM_MEMBERS (sizeof MEMBERS / sizeof MEMBERS[0])

/* The signed text: the canonical JSON of format and the four members. */
static char *signed_text(const cJSON *pub)
{
    cJSON *copy = cJSON_CreateObject();
    char *text = NULL;
    if (copy == NULL || cJSON_AddStringToObject(copy, "format", "mpc-party/1") == NULL)
        goto done;
    for (size_t i = 0; i < NUM_MEMBERS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(pub, MEMBERS[i]);
        if (!cJSON_IsString(v) || cJSON_AddStringToObject(copy, MEMBERS[i], v->valuestring) == NULL)
            goto done;
    }
    if (study_canonical_json(copy, &text) != CORE_OK)
        text = NULL;
done:
    cJSON_Delete(copy);
    return text;
}

int party_file_sign(cJSON *pub, const uint8_t sk[SIGN_SK_SIZE])
{
    char *text = signed_text(pub);
    uint8_t sig[SIGN_SIG_SIZE];
    char hex[2 * SIGN_SIG_SIZE + 1];
    int rc = -1;
    if (text != NULL &&
        sign_message(sk, PARTY_FILE_PREFIX, (const uint8_t *)text, strlen(text), sig) == 0) {
        hex_encode(sig, sizeof sig, hex);
        rc = cJSON_AddStringToObject(pub, "signature", hex) != NULL ? 0 : -1;
    }
    free(text);
    return rc;
}

cJSON *party_file_parse(const char *text, size_t len, const char *what, char *err, size_t err_size)
{
    char why[256];
    if (len > PARTY_FILE_MAX) {
        snprintf(err, err_size, "%s is too large for a party.pub.json (at most %d bytes)", what,
                 PARTY_FILE_MAX);
        return NULL;
    }
    if (safe_text_json(text, len, why, sizeof why) != 0) {
        snprintf(err, err_size, "%s: %s", what, why);
        return NULL;
    }
    cJSON *pub = cJSON_ParseWithLength(text, len);
    if (pub == NULL) {
        snprintf(err, err_size, "%s is not valid JSON", what);
        return NULL;
    }
    cJSON *entry = cJSON_CreateObject();
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(pub, "format");
    if (!cJSON_IsObject(pub) || !cJSON_IsString(format) ||
        strcmp(format->valuestring, "mpc-party/1") != 0) {
        snprintf(err, err_size, "%s is not a party.pub.json file (made by mpc-party init)", what);
        goto fail;
    }
    for (size_t i = 0; i < NUM_MEMBERS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(pub, MEMBERS[i]);
        if (!cJSON_IsString(v)) {
            snprintf(err, err_size, "%s: \"%s\" is missing", what, MEMBERS[i]);
            goto fail;
        }
        if (i == 1 && safe_text_origin(v->valuestring, why, sizeof why) != 0) {
            snprintf(err, err_size, "%s: the url: %s", what, why);
            goto fail;
        }
        cJSON_AddStringToObject(entry, MEMBERS[i], v->valuestring);
    }
    const char *name = cJSON_GetObjectItemCaseSensitive(pub, "name")->valuestring;
    size_t name_len = strlen(name);
    uint8_t hpk[HPKE_NPK], spk[SIGN_PK_SIZE], sig[SIGN_SIG_SIZE];
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(pub, "signature");
    if (name_len == 0 || name_len > 100) {
        snprintf(err, err_size, "%s: the name must be 1 to 100 characters", what);
        goto fail;
    }
    if (hex_decode_fixed(cJSON_GetObjectItemCaseSensitive(pub, "hpke_public_key")->valuestring, hpk,
                         sizeof hpk) != 0 ||
        hex_decode_fixed(cJSON_GetObjectItemCaseSensitive(pub, "signing_public_key")->valuestring,
                         spk, sizeof spk) != 0) {
        snprintf(err, err_size, "%s: a public key is not %d or %d bytes of hexadecimal", what,
                 HPKE_NPK, SIGN_PK_SIZE);
        goto fail;
    }
    if (!cJSON_IsString(s) || hex_decode_fixed(s->valuestring, sig, sizeof sig) != 0) {
        snprintf(err, err_size,
                 "%s has no valid \"signature\": it was not made by this version of "
                 "mpc-party init. Ask the party to send the file again",
                 what);
        goto fail;
    }
    char *signed_part = signed_text(pub);
    int bad =
        signed_part == NULL || sign_verify(spk, PARTY_FILE_PREFIX, (const uint8_t *)signed_part,
                                           strlen(signed_part), sig) != 0;
    free(signed_part);
    if (bad) {
        snprintf(err, err_size,
                 "%s was changed after mpc-party init wrote it (its signature does not match its "
                 "name, address and keys). Do not use it: ask the party to send its "
                 "party.pub.json again, by a channel you trust",
                 what);
        goto fail;
    }
    cJSON_Delete(pub);
    return entry;
fail:
    cJSON_Delete(pub);
    cJSON_Delete(entry);
    return NULL;
}

int party_file_distinct(const cJSON *list, const cJSON *entry, char *err, size_t err_size)
{
    static const char *const WHAT[] = {"name", "address", "encryption key", "signing key"};
    int n = 0;
    const cJSON *other;
    cJSON_ArrayForEach(other, list)
    {
        n++;
        for (size_t i = 0; i < NUM_MEMBERS; i++) {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(entry, MEMBERS[i]);
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(other, MEMBERS[i]);
            if (cJSON_IsString(a) && cJSON_IsString(b) &&
                strcmp(a->valuestring, b->valuestring) == 0) {
                snprintf(
                    err, err_size,
                    "this party has the same %s as party %d (%s): every party needs a "
                    "name, an address and keys of its own",
                    WHAT[i], n,
                    SAFE_TEXT_SHOW(cJSON_GetObjectItemCaseSensitive(other, "name")->valuestring));
                return -1;
            }
        }
    }
    return 0;
}
