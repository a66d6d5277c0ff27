/*
 * example_study.c - see example_study.h.
 */
#include "example_study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "hex.h"
#include "hpke.h"
#include "sealed.h"
#include "sign.h"

static void add_hex(cJSON *o, const char *name, const uint8_t *p, size_t n)
{
    char hex[2 * 65 + 1];
    hex_encode(p, n, hex);
    cJSON_AddStringToObject(o, name, hex);
}

int example_study_seal(const char *path, unsigned n, party_keys *keys, organizer_keys *org,
                       char **text, study **out, char *err, size_t err_size)
{
    size_t len;
    char *doc_text = NULL;
    *text = NULL;
    *out = NULL;
    if (n > STUDY_MAX_PARTIES || fileio_read(path, 1 << 20, &doc_text, &len) != 0) {
        snprintf(err, err_size, "%s cannot be read (run from the repository)", path);
        return -1;
    }
    cJSON *doc = cJSON_ParseWithLength(doc_text, len), *parties = cJSON_CreateArray();
    free(doc_text);
    int rc = doc != NULL && parties != NULL ? 0 : -1;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        party_keys *k = &keys[i];
        uint8_t ikm[HPKE_NSK];
        memset(ikm, 0x10 + (int)i, sizeof ikm);
        memset(k->sign_sk, 0x20 + (int)i, SIGN_SK_SIZE);
        if (hpke_derive_keypair(ikm, sizeof ikm, k->hpke_sk, k->hpke_pk) != CORE_OK ||
            sign_public_key(k->sign_sk, k->sign_pk) != 0) {
            rc = -1;
            break;
        }
        cJSON *p = cJSON_CreateObject();
        char name[16], url[64];
        snprintf(name, sizeof name, "Party %u", i + 1);
        snprintf(url, sizeof url, "http://127.0.0.1:%u", 1 + i); /* (never reached) */
        cJSON_AddStringToObject(p, "name", name);
        cJSON_AddStringToObject(p, "url", url);
        add_hex(p, "hpke_public_key", k->hpke_pk, HPKE_NPK);
        add_hex(p, "signing_public_key", k->sign_pk, SIGN_PK_SIZE);
        cJSON_AddItemToArray(parties, p);
    }
    if (rc != 0) {
        snprintf(err, err_size, "%s: the keys or the study cannot be made", path);
        cJSON_Delete(parties);
    }
    memset(org->sign_sk, 0x30, SIGN_SK_SIZE);
    if (rc == 0 && (sign_public_key(org->sign_sk, org->sign_pk) != 0 ||
                    sealed_seal(doc, parties, org->sign_sk, org->sign_pk, err, err_size) != 0))
        rc = -1;
    if (rc == 0 && (*text = cJSON_PrintUnformatted(doc)) == NULL) {
        snprintf(err, err_size, "out of memory");
        rc = -1;
    }
    cJSON_Delete(doc);
    if (rc == 0 && study_parse(*text, strlen(*text), STUDY_SEALED, out, err, err_size) != CORE_OK)
        rc = -1;
    if (rc != 0) {
        free(*text);
        *text = NULL;
    }
    return rc;
}
