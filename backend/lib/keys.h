/*
 * keys.h - a party's and the organizer's key directories.
 *
 * A party directory (mpc-party init) holds
 *   party.key.json  mode 0600: the HPKE (X25519) and signing (P-256)
 *                   private keys; losing it loses the party's shares.
 *   party.pub.json  the public part: name, URL and both public keys; sent
 *                   to the organizer, who seals it into the study.
 * An organizer directory (mpc organizer init) holds organizer.key.json
 * (0600) and organizer.pub.json.
 * Private keys are created here, from the OS CSPRNG, and never written
 * anywhere else.
 */
#ifndef MPC_KEYS_H
#define MPC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "hpke.h"
#include "sign.h"

#define KEYS_PARTY_KEY "party.key.json"
#define KEYS_PARTY_PUB "party.pub.json"
#define KEYS_ORGANIZER_KEY "organizer.key.json"
#define KEYS_ORGANIZER_PUB "organizer.pub.json"

typedef struct party_keys {
    uint8_t hpke_sk[HPKE_NSK], hpke_pk[HPKE_NPK];
    uint8_t sign_sk[SIGN_SK_SIZE], sign_pk[SIGN_PK_SIZE];
} party_keys;

typedef struct organizer_keys {
    uint8_t sign_sk[SIGN_SK_SIZE], sign_pk[SIGN_PK_SIZE];
} organizer_keys;

/* Creates dir (0700) and a party's keys in it. Refuses to overwrite
 * existing keys. Returns 0, or -1 with a message for a person in err. */
int keys_party_create(const char *dir, const char *name, const char *url, char *err,
                      size_t err_size);

/* Loads a party's keys (checks the file mode is 0600 and that the public
 * keys match the private ones). Returns 0 or -1 with err. Wipe with
 * core_wipe(). */
int keys_party_load(const char *dir, party_keys *k, char *err, size_t err_size);

int keys_organizer_create(const char *dir, char *err, size_t err_size);
int keys_organizer_load(const char *dir, organizer_keys *k, char *err, size_t err_size);

/* Path join into out (size bytes); -1 if it does not fit. */
int keys_path(char *out, size_t size, const char *dir, const char *file);

#endif
