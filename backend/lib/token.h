/*
 * token.h - participation tokens (docs/STUDY.md): a random 16-byte token id
 * and the organizer's signature over (study hash, token id), written as
 * base64url without padding (107 characters), so every party can check a
 * token offline and no token works for another study.
 */
#ifndef MPC_TOKEN_H
#define MPC_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "sign.h"
#include "study.h"

#define TOKEN_SIGN_PREFIX "mpc-token/1"
#define TOKEN_RAW_SIZE (STUDY_TOKEN_ID_SIZE + SIGN_SIG_SIZE)
#define TOKEN_TEXT_SIZE 108 /* 107 characters and a NUL */

/* A new token for the study: writes its id and its text. 0 or -1. */
int token_make(const uint8_t organizer_sk[SIGN_SK_SIZE], const uint8_t study_hash[STUDY_HASH_SIZE],
               uint8_t token_id[STUDY_TOKEN_ID_SIZE], char text[TOKEN_TEXT_SIZE]);

/* Checks a token's text for the study; writes its id. 0 if valid, -1 if
 * malformed or not signed by the organizer for this study. */
int token_verify(const char *text, const uint8_t organizer_pk[SIGN_PK_SIZE],
                 const uint8_t study_hash[STUDY_HASH_SIZE], uint8_t token_id[STUDY_TOKEN_ID_SIZE])
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

#endif
