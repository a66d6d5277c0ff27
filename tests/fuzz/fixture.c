/*
 * fixture.c - see fixture.h.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "fileio.h"
#include "hex.h"
#include "hpke.h"
#include "sealed.h"
#include "sign.h"
#include "storage.h"

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz fixture: %s: %s\n", what, why);
    exit(1);
}

static void add_hex(cJSON *o, const char *name, const uint8_t *p, size_t n)
{
    char hex[2 * 65 + 1];
    hex_encode(p, n, hex);
    cJSON_AddStringToObject(o, name, hex);
}

fuzz_fixture *fuzz_fixture_get(unsigned self)
{
    static fuzz_fixture f;
    static int made;
    if (made)
        return &f;
    char err[512];
    size_t len;
    char *doc_text = NULL;
    const char *path =
        getenv("MPC_FUZZ_STUDY") ? getenv("MPC_FUZZ_STUDY") : "schema/studies/pay-equity.json";
    if (fileio_read(path, 1 << 20, &doc_text, &len) != 0)
        die(path, "cannot be read (run from the repository, or set MPC_FUZZ_STUDY)");
    cJSON *doc = cJSON_ParseWithLength(doc_text, len), *parties = cJSON_CreateArray();
    free(doc_text);
    /* Fixed keys, so that the sealed study (ECDSA signatures are
     * deterministic) and the seed corpora (fuzz_seeds.c) are the same in
     * every run. */
    for (unsigned i = 0; i < FUZZ_PARTIES; i++) {
        party_keys *k = &f.party[i];
        uint8_t ikm[HPKE_NSK];
        memset(ikm, 0x10 + (int)i, sizeof ikm);
        memset(k->sign_sk, 0x20 + (int)i, SIGN_SK_SIZE);
        if (hpke_derive_keypair(ikm, sizeof ikm, k->hpke_sk, k->hpke_pk) != CORE_OK ||
            sign_public_key(k->sign_sk, k->sign_pk) != 0)
            die("keys", "cannot be made");
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
    memset(f.organizer.sign_sk, 0x30, SIGN_SK_SIZE);
    if (sign_public_key(f.organizer.sign_sk, f.organizer.sign_pk) != 0 ||
        sealed_seal(doc, parties, f.organizer.sign_sk, f.organizer.sign_pk, err, sizeof err) != 0)
        die("sealing", err);
    f.text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (study_parse(f.text, strlen(f.text), STUDY_SEALED, &f.study, err, sizeof err) != CORE_OK)
        die("the sealed study", err);

    party_app *app = &f.app;
    snprintf(f.dir, sizeof f.dir, "/tmp/mpc-fuzz-XXXXXX");
    if (mkdtemp(f.dir) == NULL)
        die("mkdtemp", "failed");
    char db[128];
    snprintf(db, sizeof db, "%s/party.db", f.dir);
    app->dir = f.dir;
    app->study = f.study;
    app->study_text = f.text;
    app->study_len = strlen(f.text);
    hex_encode(study_hash(f.study), STUDY_HASH_SIZE, app->study_hash_hex);
    app->self = self;
    app->keys = f.party[self];
    if (db_open(db, &app->db, err, sizeof err) != 0)
        die(db, err);
    if (db_approve(app->db, study_hash(f.study), 1, "fuzzer") != DB_OK ||
        compute_new(app, &app->compute) != 0)
        die("the party", "cannot be set up");
    made = 1;
    return &f;
}
