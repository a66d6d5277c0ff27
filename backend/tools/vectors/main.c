/*
 * mpc-vectors - runs official test-vector files against this build's core.
 *
 *   mpc-vectors vdaf FILE...   draft-irtf-cfrg-vdaf-18 (Prio3*.json,
 *                              XofTurboShake128.json); one line per file,
 *                              then "N passed, M failed"
 *   mpc-vectors hpke FILE...   RFC 9180 vector files; one line per checked
 *                              entry, then "N passed, M failed, K skipped"
 *
 * Exits 0 iff nothing failed (and something was checked), 1 on a failure, 2
 * on a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "vectors.h"

static void usage(FILE *to)
{
    fputs("usage: mpc-vectors vdaf|hpke FILE...\n"
          "\n"
          "Runs official test-vector files against this build's core and compares\n"
          "every byte.\n"
          "  vdaf  draft-irtf-cfrg-vdaf-18 files (Prio3*.json, XofTurboShake128.json),\n"
          "        e.g. tests/vectors/vdaf-18/*.json; prints one line per file and\n"
          "        \"N passed, M failed\"\n"
          "  hpke  RFC 9180 files, e.g. tests/vectors/hpke-rfc9180/base-mode.json; checks\n"
          "        every entry of the suite this project implements (base mode,\n"
          "        DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM), skips the others,\n"
          "        and prints \"N passed, M failed, K skipped\"\n"
          "Exits 0 iff every file (vdaf) or checked entry (hpke) passed.\n",
          to);
}

int main(int argc, char **argv)
{
    if ((argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) ||
        (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))) {
        usage(stdout);
        return 0;
    }
    int vdaf = argc >= 2 && strcmp(argv[1], "vdaf") == 0;
    int hpke = argc >= 2 && strcmp(argv[1], "hpke") == 0;
    if (argc >= 2 && !vdaf && !hpke) {
        fprintf(stderr, "mpc-vectors: unknown kind \"%s\" (expected: vdaf or hpke)\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (argc < 3) {
        fprintf(stderr, "mpc-vectors: no vector files given\n");
        usage(stderr);
        return 2;
    }
    int passed = 0, failed = 0, skipped = 0;
    for (int i = 2; i < argc; i++) {
        if (hpke)
            run_hpke_file(argv[i], &passed, &failed, &skipped);
        else if (run_vdaf_file(argv[i]) == 0)
            passed++;
        else
            failed++;
    }
    if (hpke) {
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
        return failed == 0 && passed > 0 ? 0 : 1;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
