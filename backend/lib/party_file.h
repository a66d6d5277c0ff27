/*
 * party_file.h - a party's public file, party.pub.json (format
 * mpc-party/1, written by mpc-party init): its name, URL and both public
 * keys, signed with its own signing key (PARTY_FILE_PREFIX over the
 * canonical JSON of the other members), so that a file changed on its way
 * to the organizer is refused. The organizer's tools (mpc study seal, the
 * console) read party files only through here.
 */
#ifndef MPC_PARTY_FILE_H
#define MPC_PARTY_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sign.h"

#define PARTY_FILE_PREFIX "mpc-party/1 file"
#define PARTY_FILE_MAX 65536 /* bytes of a party.pub.json */

/* Adds "signature" to pub (format, name, url, hpke_public_key and
 * signing_public_key set), made with the party's signing key. 0 or -1. */
int party_file_sign(cJSON *pub, const uint8_t sk[SIGN_SK_SIZE]);

/* Checks the text of a party.pub.json: JSON with no control characters,
 * its format, its members, its URL (an origin), its keys and its
 * signature. Returns the party's entry for a sealed study (name, url,
 * hpke_public_key, signing_public_key), or NULL with a message for a
 * person in err, which starts with `what` (the file's name). */
cJSON *party_file_parse(const char *text, size_t len, const char *what, char *err, size_t err_size);

/* 0 if entry has a name, URL and keys of its own among the entries of
 * list (a JSON array); else -1 with err naming what it shares with which. */
int party_file_distinct(const cJSON *list, const cJSON *entry, char *err, size_t err_size);

#endif
