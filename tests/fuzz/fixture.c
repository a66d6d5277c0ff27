/*
 * fixture.c - see fixture.h.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "compute_state.h"
#include "example_study.h"
#include "hex.h"
#include "random.h"
#include "reqsign.h"
#include "storage.h"

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz fixture: %s: %s\n", what, why);
    exit(1);
}

fuzz_fixture *fuzz_fixture_get(unsigned self)
{
    static fuzz_fixture f;
    static int made;
    if (made)
        return &f;
    char err[512];
    const char *path =
        getenv("MPC_FUZZ_STUDY") ? getenv("MPC_FUZZ_STUDY") : "schema/studies/pay-equity.json";
    if (example_study_seal(path, FUZZ_PARTIES, f.party, &f.organizer, &f.text, &f.study, err,
                           sizeof err) != 0)
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
    /* The limits of a serving party: a token keeps its latest few (the
     * fuzzer's uploads exercise the deletion), a size limit (507). */
    db_set_limits(app->db, (uint64_t)256 << 20, PARTY_KEEP_PER_TOKEN);
    if (db_approve(app->db, study_hash(f.study), 1, "fuzzer") != DB_OK ||
        compute_new(app, &app->compute) != 0)
        die("the party", "cannot be set up");
    made = 1;
    return &f;
}

char *fuzz_fixture_start_body(const fuzz_fixture *f, const char *run_id, uint64_t total)
{
    uint8_t vk[VK_SIZE], enc[HPKE_NENC], ct[VK_SIZE + HPKE_NT];
    uint8_t approvals[FUZZ_PARTIES * SIGN_SIG_SIZE];
    peer_msg m = {0};
    if (random_bytes(vk, sizeof vk) != 0 ||
        share_seal_vk(f->study, f->app.self, vk, enc, ct) != CORE_OK ||
        hex_decode_fixed(run_id, m.compute, sizeof m.compute) != 0)
        die("the start request", "cannot be made");
    for (unsigned i = 0; i < FUZZ_PARTIES; i++)
        if (reqsign_approval(f->party[i].sign_sk, study_hash(f->study), i,
                             approvals + i * SIGN_SIG_SIZE) != 0)
            die("the start request", "an approval cannot be signed");
    m.enc = (peer_blob){enc, sizeof enc};
    m.key = (peer_blob){ct, sizeof ct};
    m.approvals = (peer_blob){approvals, sizeof approvals};
    m.total = total;
    cJSON *j = peer_msg_write(PEER_START, 0, &m);
    char *body = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (body == NULL)
        die("the start request", "out of memory");
    return body;
}
