/*
 * sealed.h - sealed study files: loading one (parse, validate, check the
 * hash and the organizer's signature) and sealing one (mpc study seal).
 */
#ifndef MPC_SEALED_H
#define MPC_SEALED_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sign.h"
#include "study.h"

#define SEALED_SIGN_PREFIX "mpc-study/1 seal"

/* Loads and checks the sealed study at path. On success *out is the
 * study and, if text is not NULL, *text the file's content (free()).
 * Returns 0, or -1 with a message for a person in err. */
int sealed_load(const char *path, study **out, char **text, char *err, size_t err_size);

/* Checks a parsed sealed study's signature: 0 if valid. */
int sealed_verify(const study *s);

/* Seals the study document doc (modified in place): sets parties (an
 * array of party.pub.json objects, moved into doc), the organizer's key,
 * the hash and the signature. Returns 0 or -1 with err. */
int sealed_seal(cJSON *doc, cJSON *parties, const uint8_t sk[SIGN_SK_SIZE],
                const uint8_t pk[SIGN_PK_SIZE], char *err, size_t err_size);

#endif
