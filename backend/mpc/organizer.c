/*
 * organizer.c - the organizer's work on files that the commands (main.c)
 * and the console (console.c) share: sealing a study for its parties and
 * writing participation links.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "hex.h"
#include "mpc.h"
#include "sealed.h"
#include "token.h"

char *org_seal(const organizer_keys *k, cJSON *doc, cJSON *parties, study **sealed, char *err,
               size_t err_size)
{
    *sealed = NULL;
    int n = cJSON_GetArraySize(parties);
    if (n < STUDY_MIN_PARTIES || n > STUDY_MAX_PARTIES) {
        snprintf(err, err_size, "a study needs %d to %d parties, not %d", STUDY_MIN_PARTIES,
                 STUDY_MAX_PARTIES, n);
        cJSON_Delete(parties);
        return NULL;
    }
    if (sealed_seal(doc, parties, k->sign_sk, k->sign_pk, err, err_size) != 0)
        return NULL;
    char *text = cJSON_Print(doc), why[STUDY_ERR_SIZE];
    if (text == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (study_parse(text, strlen(text), STUDY_SEALED, sealed, why, sizeof why) != CORE_OK) {
        snprintf(err, err_size, "the sealed study does not load: %s", why);
        free(text);
        return NULL;
    }
    return text;
}

const char *org_small_groups_line(const cJSON *plan)
{
    const cJSON *last = cJSON_GetArrayItem(plan, cJSON_GetArraySize(plan) - 1);
    return cJSON_IsString(last) ? last->valuestring : NULL;
}

int org_email_check(const char *email, char *err, size_t err_size)
{
    size_t len = strlen(email), at = 0, ats = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c == '@') {
            at = i;
            ats++;
        } else if (!isalnum(c) && strchr(".!#$%&'*+/=?^_`{|}~-", c) == NULL) {
            snprintf(err, err_size,
                     "an e-mail address holds a character that cannot be in one (letters, digits, "
                     "'@' and . ! # $ %% & ' * + / = ? ^ _ ` { | } ~ -)");
            return -1;
        }
    }
    /* (The first character a letter or digit: a spreadsheet that opens the
     * mail-merge file must not read the address as a formula.) */
    if (len < 3 || len > ORG_EMAIL_MAX || ats != 1 || at == 0 || at == len - 1 ||
        !isalnum((unsigned char)email[0]) || strchr(email + at, '.') == NULL ||
        email[len - 1] == '.') {
        snprintf(err, err_size,
                 "\"%.*s\" is not an e-mail address this can use (name@example.org, at most %d "
                 "characters, starting with a letter or a digit)",
                 60, email, ORG_EMAIL_MAX);
        return -1;
    }
    return 0;
}

char *org_links_csv(const organizer_keys *k, const study *s, size_t count,
                    const char *const *emails, char *err, size_t err_size)
{
    char hash[2 * STUDY_HASH_SIZE + 1];
    hex_encode(study_hash(s), STUDY_HASH_SIZE, hash);
    const char *base = study_party_url(s, 0);
    size_t row = TOKEN_TEXT_SIZE * 2 + strlen(base) + sizeof hash + ORG_EMAIL_MAX + 32;
    size_t cap = 16 + count * row;
    char *csv = malloc(cap);
    if (csv == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    size_t len = (size_t)snprintf(csv, cap, "%s,link\n", emails != NULL ? "email" : "token");
    for (size_t i = 0; i < count; i++) {
        uint8_t id[STUDY_TOKEN_ID_SIZE];
        char t[TOKEN_TEXT_SIZE];
        if (token_make(k->sign_sk, study_hash(s), id, t) != 0) {
            snprintf(err, err_size, "signing a token failed");
            free(csv);
            return NULL;
        }
        len += (size_t)snprintf(csv + len, cap - len, "%s,%s/submit#study=%s&token=%s\n",
                                emails != NULL ? emails[i] : t, base, hash, t);
    }
    return csv;
}
