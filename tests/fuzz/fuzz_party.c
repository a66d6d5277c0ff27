/*
 * fuzz_party.c - the organizer's reader of a party's public file
 * (party_file_parse, backend/lib/party_file.c): whatever the bytes, it
 * returns an entry or an error that says why. An entry accepted has
 * exactly the four members a sealed study takes, no control character in
 * any of them, an origin as its URL, keys of the right sizes and a valid
 * signature; and it is never distinct from itself.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hex.h"
#include "party_file.h"
#include "safe_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1200];
    err[0] = '\0';
    cJSON *e = party_file_parse((const char *)data, size, "fuzz.pub.json", err, sizeof err);
    if (e == NULL) {
        if (strncmp(err, "fuzz.pub.json", 13) != 0)
            abort(); /* a refusal names the file */
        return 0;
    }
    if (cJSON_GetArraySize(e) != 4)
        abort();
    static const char *const members[] = {"name", "url", "hpke_public_key", "signing_public_key"};
    for (size_t i = 0; i < 4; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, members[i]);
        if (!cJSON_IsString(v))
            abort();
        for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                abort();
    }
    if (safe_text_origin(cJSON_GetObjectItemCaseSensitive(e, "url")->valuestring, err, sizeof err))
        abort();
    uint8_t pk[SIGN_PK_SIZE];
    if (hex_decode_fixed(cJSON_GetObjectItemCaseSensitive(e, "signing_public_key")->valuestring, pk,
                         sizeof pk) != 0)
        abort();
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, cJSON_Duplicate(e, 1));
    if (party_file_distinct(list, e, err, sizeof err) == 0)
        abort();
    cJSON_Delete(list);
    cJSON_Delete(e);
    return 0;
}
