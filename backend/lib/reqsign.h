/*
 * reqsign.h - signed HTTP requests (docs/PARTY.md): party-to-party
 * requests are signed with the sending party's key, the organizer's
 * requests (compute, result) with the organizer's key. The signature
 * (ECDSA P-256) covers the recipient's party index, the method, path,
 * time, a random nonce, the study hash and the SHA-256 of the body, under
 * a prefix naming who signs (version 2: version 1 did not name the
 * recipient, so a request could be replayed to another party). The
 * headers: X-MPC-Party (the sender: a party index, or "organizer"),
 * X-MPC-To (the recipient's index), X-MPC-Time, X-MPC-Nonce,
 * X-MPC-Signature.
 *
 * Also a party's approval statement (docs/COMPUTE.md, step 1): its
 * signature, under its own prefix, over the study hash and its index.
 */
#ifndef MPC_REQSIGN_H
#define MPC_REQSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sign.h"

#define REQSIGN_PEER_PREFIX "mpc-peer/2"
#define REQSIGN_ORGANIZER_PREFIX "mpc-organizer/2"
#define REQSIGN_ORGANIZER "organizer" /* X-MPC-Party of the organizer */
#define REQSIGN_NONCE_HEX 32
/* The report page's key: the organizer's signature over the study hash
 * under this prefix (hex), carried in the page's link after '#'. */
#define REQSIGN_REPORT_PREFIX "mpc-report/1"
/* A party's approval of a study: its signature under this prefix over the
 * study hash (32 bytes) || its index (4 bytes, big endian). Every party
 * checks every other's before it takes part in a compute. */
#define REQSIGN_APPROVAL_PREFIX "mpc-approval/1"

typedef struct reqsign_headers {
    char who[16];
    char to[8];
    char time[24];
    char nonce[REQSIGN_NONCE_HEX + 1];
    char signature[2 * SIGN_SIG_SIZE + 1];
    /* The five header lines ("Name: value"), NULL-terminated, for httpc. */
    char lines[5][200];
    const char *list[6];
} reqsign_headers;

/* The signed text of a request to party index `to` into out: to, method,
 * path, time, nonce, study hash (hex) and the body's SHA-256 (hex), one
 * per line. Its length, or -1. */
int reqsign_message(const uint8_t study_hash[32], unsigned to, const char *method, const char *path,
                    const char *time, const char *nonce, const void *body, size_t body_len,
                    char *out, size_t size);

/* Signs a request as `who` (a party index or REQSIGN_ORGANIZER) to party
 * index `to` with sk under prefix; fills out (lines and list included).
 * 0 or -1. */
int reqsign_sign(const uint8_t sk[SIGN_SK_SIZE], const char *prefix, const char *who, unsigned to,
                 const uint8_t study_hash[32], const char *method, const char *path,
                 const void *body, size_t body_len, int64_t now, reqsign_headers *out);

/* The approval statement of party `index` of the study with hash
 * study_hash, signed with its key sk (deterministic: the same statement
 * every time). 0 or -1. */
int reqsign_approval(const uint8_t sk[SIGN_SK_SIZE], const uint8_t study_hash[32], unsigned index,
                     uint8_t sig[SIGN_SIG_SIZE]);

/* 0 if sig is party `index`'s approval statement of that study under its
 * signing key pk, else -1. */
int reqsign_approval_verify(const uint8_t pk[SIGN_PK_SIZE], const uint8_t study_hash[32],
                            unsigned index, const uint8_t sig[SIGN_SIG_SIZE])
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

#endif
