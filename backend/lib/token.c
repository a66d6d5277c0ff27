/*
 * token.c - participation tokens; see token.h.
 */
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "random.h"

static void signed_message(const uint8_t hash[STUDY_HASH_SIZE],
                           const uint8_t id[STUDY_TOKEN_ID_SIZE],
                           uint8_t msg[STUDY_HASH_SIZE + STUDY_TOKEN_ID_SIZE])
{
    memcpy(msg, hash, STUDY_HASH_SIZE);
    memcpy(msg + STUDY_HASH_SIZE, id, STUDY_TOKEN_ID_SIZE);
}

int token_make(const uint8_t organizer_sk[SIGN_SK_SIZE], const uint8_t study_hash[STUDY_HASH_SIZE],
               uint8_t token_id[STUDY_TOKEN_ID_SIZE], char text[TOKEN_TEXT_SIZE])
{
    uint8_t raw[TOKEN_RAW_SIZE], msg[STUDY_HASH_SIZE + STUDY_TOKEN_ID_SIZE];
    if (random_bytes(token_id, STUDY_TOKEN_ID_SIZE) != 0)
        return -1;
    signed_message(study_hash, token_id, msg);
    memcpy(raw, token_id, STUDY_TOKEN_ID_SIZE);
    if (sign_message(organizer_sk, TOKEN_SIGN_PREFIX, msg, sizeof msg, raw + STUDY_TOKEN_ID_SIZE) !=
        0)
        return -1;
    char *t = b64_encode(raw, sizeof raw, 1);
    if (t == NULL || strlen(t) + 1 != TOKEN_TEXT_SIZE) {
        free(t);
        return -1;
    }
    memcpy(text, t, TOKEN_TEXT_SIZE);
    free(t);
    return 0;
}

int token_verify(const char *text, const uint8_t organizer_pk[SIGN_PK_SIZE],
                 const uint8_t study_hash[STUDY_HASH_SIZE], uint8_t token_id[STUDY_TOKEN_ID_SIZE])
{
    uint8_t raw[TOKEN_RAW_SIZE], msg[STUDY_HASH_SIZE + STUDY_TOKEN_ID_SIZE];
    if (strlen(text) + 1 != TOKEN_TEXT_SIZE ||
        b64_decode(text, 1, raw, sizeof raw) != (long)sizeof raw)
        return -1;
    signed_message(study_hash, raw, msg);
    if (sign_verify(organizer_pk, TOKEN_SIGN_PREFIX, msg, sizeof msg, raw + STUDY_TOKEN_ID_SIZE) !=
        0)
        return -1;
    memcpy(token_id, raw, STUDY_TOKEN_ID_SIZE);
    return 0;
}
