/*
 * make_upload.c - test tool: the uploads of one answer, through the same
 * core code as the browser and `mpc submit` (submission_build).
 *
 *   make_upload SEALED.json ANSWER.json [TOKEN|-] [SEQ] [REPORT_ID_HEX] [RAND_HEX]
 *
 * RAND_HEX fixes the randomness (submission_rand_size bytes), so that a test
 * can compare these bodies with the WebAssembly build's byte for byte.
 *
 * Prints one JSON body per party, one per line, in party order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "random.h"
#include "sealed.h"
#include "submission.h"

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 7) {
        fprintf(stderr,
                "usage: make_upload SEALED.json ANSWER_JSON [TOKEN|-] [SEQ] [REPORT_ID] [RAND]\n");
        return 2;
    }
    char err[512];
    study *s;
    if (sealed_load(argv[1], &s, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "make_upload: %s\n", err);
        return 1;
    }
    cJSON *answer = cJSON_Parse(argv[2]);
    uint64_t meas[STUDY_MAX_FIELDS + STUDY_MAX_ANALYSES];
    if (study_encode_answer(s, answer, meas, err, sizeof err) != CORE_OK) {
        fprintf(stderr, "make_upload: %s\n", err);
        return 1;
    }
    const char *token = argc > 3 && strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
    uint64_t seq = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
    uint8_t rid[STUDY_REPORT_ID_SIZE];
    if (argc > 5 ? hex_decode_fixed(argv[5], rid, sizeof rid) != 0
                 : random_bytes(rid, sizeof rid) != 0) {
        fprintf(stderr, "make_upload: bad report id\n");
        return 1;
    }
    size_t rn = submission_rand_size(s);
    uint8_t *rand = malloc(rn);
    char *bodies[STUDY_MAX_PARTIES];
    if (rand == NULL ||
        (argc > 6 ? hex_decode_fixed(argv[6], rand, rn) : random_bytes(rand, rn)) != 0 ||
        submission_build(s, meas, rid, token, seq, rand, bodies, err, sizeof err) != CORE_OK) {
        fprintf(stderr, "make_upload: %s\n", err);
        return 1;
    }
    for (unsigned i = 0; i < study_num_parties(s); i++) {
        printf("%s\n", bodies[i]);
        free(bodies[i]);
    }
    free(rand);
    cJSON_Delete(answer);
    study_free(s);
    return 0;
}
