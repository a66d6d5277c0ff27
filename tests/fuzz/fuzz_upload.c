/*
 * fuzz_upload.c - POST /api/reports bodies (upload_json: JSON, every
 * member, base64 sizes, the token's signature, then SQLite) at a party of
 * the sealed pay-equity study, with a serving party's storage limits (a
 * token's latest 5 kept, a size limit). Must never crash; anything it
 * stores must have passed every check.
 */
#include <stdlib.h>

#include "fixture.h"
#include "handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_fixture *f = fuzz_fixture_get(1);
    http_reply out = {0};
    upload_json(&f->app, (const char *)data, size, 1700000000, &out);
    if (out.status != 201 && out.status != 409 && out.status != 507 &&
        (out.status < 400 || out.status > 415))
        abort(); /* every refusal is a 4xx with a message */
    cJSON_Delete(out.json);
    return 0;
}
