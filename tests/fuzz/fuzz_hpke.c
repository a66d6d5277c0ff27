/*
 * fuzz_hpke.c - HPKE open (RFC 9180 base mode) on any enc, info, aad and
 * ciphertext: input = enc (32 bytes) | info length (1) | info | aad length
 * (1) | aad | ciphertext. Must fail cleanly (and leave the output zeroed)
 * for anything not sealed to the key.
 */
#include <stdlib.h>
#include <string.h>

#include "hpke.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t sk[HPKE_NSK], pk[HPKE_NPK];
    static int ready;
    if (!ready) {
        const uint8_t ikm[32] = "mpc fuzz_hpke: a fixed key pair";
        if (hpke_derive_keypair(ikm, sizeof ikm, sk, pk) != CORE_OK)
            abort();
        ready = 1;
    }
    if (size < HPKE_NENC + 2)
        return 0;
    const uint8_t *enc = data, *p = data + HPKE_NENC, *end = data + size;
    size_t info_len = *p++;
    if ((size_t)(end - p) < info_len + 1)
        return 0;
    const uint8_t *info = p;
    p += info_len;
    size_t aad_len = *p++;
    if ((size_t)(end - p) < aad_len)
        return 0;
    const uint8_t *aad = p, *ct = p + aad_len;
    size_t ct_len = (size_t)(end - ct);
    uint8_t *pt = calloc(1, ct_len + 1);
    if (pt == NULL)
        return 0;
    core_err e1 = hpke_open(sk, enc, info, info_len, aad, aad_len, ct, ct_len, pt);
    core_err e2 = hpke_open_known(sk, pk, enc, info, info_len, aad, aad_len, ct, ct_len, pt);
    if (e1 != e2)
        abort(); /* both ways of opening agree */
    if (e1 != CORE_OK)
        for (size_t i = 0; ct_len >= HPKE_NT && i < ct_len - HPKE_NT; i++)
            if (pt[i] != 0)
                abort(); /* nothing of a refused plaintext is left */
    free(pt);
    return 0;
}
