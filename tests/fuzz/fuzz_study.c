/*
 * fuzz_study.c - the study parser and compiler (study_parse, unsealed and
 * sealed; the schema check, the semantic rules, the canonical hash, the
 * study circuit), then an answer encoded through it when the study is
 * valid. A study accepted holds no control character in any string and
 * only origins (scheme://host[:port]) as party addresses: never a study
 * half-accepted with text that would reach a terminal or a header.
 */
#include <stdlib.h>
#include <string.h>

#include "safe_text.h"
#include "study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    for (unsigned flags = 0; flags <= STUDY_SEALED; flags++) {
        study *s = NULL;
        if (study_parse((const char *)data, size, flags, &s, err, sizeof err) != CORE_OK) {
            if (s != NULL || err[0] == '\0')
                abort(); /* a failure always says why and returns nothing */
            continue;
        }
        if (safe_text_json((const char *)data, size, err, sizeof err) != 0)
            abort();
        for (unsigned i = 0; i < study_num_parties(s); i++)
            if (safe_text_origin(study_party_url(s, i), err, sizeof err) != 0 ||
                strpbrk(study_party_url(s, i), "; \t\r\n,'\"") != NULL)
                abort();
        size_t n = study_num_fields(s);
        const char *texts[64];
        for (size_t i = 0; i < n && i < 64; i++)
            texts[i] = "1";
        uint64_t *meas = calloc(study_row_meas_count(s) + 1, sizeof *meas);
        uint64_t *table = calloc(study_meas_count(s) + 1, sizeof *table);
        if (meas != NULL && table != NULL && n <= 64 &&
            study_encode_texts(s, texts, meas, err, sizeof err) == CORE_OK &&
            study_is_organization(s) && study_table_add(s, meas, table) != CORE_OK)
            abort();
        free(meas);
        free(table);
        study_free(s);
    }
    return 0;
}
