/*
 * fixture.c - see fixture.h.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "example_study.h"
#include "hex.h"
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
