/*
 * test_jfield.c - checked JSON members (wasm/core/jfield.h): base64 blobs
 * of an exact or a bounded size, whole numbers in range, strings; what is
 * refused is never converted.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jfield.h"
#include "testutil.h"

START_TEST(test_b64_round_trip)
{
    uint8_t data[100];
    tu_rand_bytes(data, sizeof data);
    cJSON *j = cJSON_CreateObject();
    ck_assert_int_eq(jfield_put_b64(j, "x", data, sizeof data), 0);
    ck_assert_int_eq(jfield_put_b64(j, "empty", data, 0), 0);
    uint8_t *out;
    size_t len = 0;
    ck_assert_int_eq(jfield_get_b64(j, "x", sizeof data, 0, &out, &len), JFIELD_OK);
    ck_assert_uint_eq(len, sizeof data);
    ck_assert_mem_eq(out, data, sizeof data);
    free(out);
    ck_assert_int_eq(jfield_get_b64(j, "x", 0, 100, &out, &len), JFIELD_OK);
    ck_assert_uint_eq(len, 100);
    free(out);
    ck_assert_int_eq(jfield_get_b64(j, "empty", 0, 10, &out, &len), JFIELD_OK);
    ck_assert_uint_eq(len, 0);
    free(out);
    cJSON_Delete(j);
}
END_TEST

START_TEST(test_b64_refused)
{
    cJSON *j = cJSON_Parse("{\"short\":\"AAAA\",\"bad\":\"A*==\",\"num\":5,\"space\":\"AA AA\"}");
    uint8_t *out = (uint8_t *)1;
    size_t len;
    ck_assert_int_eq(jfield_get_b64(j, "none", 3, 0, &out, &len), JFIELD_MISSING);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(jfield_get_b64(j, "num", 3, 0, &out, &len), JFIELD_MISSING);
    ck_assert_int_eq(jfield_get_b64(j, "short", 4, 0, &out, &len), JFIELD_INVALID); /* 3 bytes */
    ck_assert_int_eq(jfield_get_b64(j, "short", 2, 0, &out, &len), JFIELD_INVALID);
    ck_assert_int_eq(jfield_get_b64(j, "short", 0, 2, &out, &len), JFIELD_INVALID); /* > max */
    ck_assert_int_eq(jfield_get_b64(j, "bad", 0, 10, &out, &len), JFIELD_INVALID);
    ck_assert_int_eq(jfield_get_b64(j, "space", 0, 10, &out, &len), JFIELD_INVALID);
    ck_assert_ptr_null(out);
    cJSON_Delete(j);
}
END_TEST

START_TEST(test_uint)
{
    cJSON *j =
        cJSON_Parse("{\"zero\":0,\"n\":42,\"max\":9007199254740991,\"over\":9007199254740992,"
                    "\"huge\":2.2e67,\"neg\":-1,\"frac\":1.5,\"str\":\"5\",\"t\":true}");
    uint64_t v = 7;
    ck_assert_int_eq(jfield_get_uint(j, "zero", JFIELD_UINT_MAX, &v), JFIELD_OK);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(jfield_get_uint(j, "n", JFIELD_UINT_MAX, &v), JFIELD_OK);
    ck_assert_uint_eq(v, 42);
    ck_assert_int_eq(jfield_get_uint(j, "n", 42, &v), JFIELD_OK);
    ck_assert_int_eq(jfield_get_uint(j, "n", 41, &v), JFIELD_INVALID);
    ck_assert_int_eq(jfield_get_uint(j, "max", JFIELD_UINT_MAX, &v), JFIELD_OK);
    ck_assert_uint_eq(v, JFIELD_UINT_MAX);
    v = 7;
    const char *refused[] = {"over", "huge", "neg", "frac"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        ck_assert_int_eq(jfield_get_uint(j, refused[i], UINT64_MAX, &v), JFIELD_INVALID);
    ck_assert_int_eq(jfield_get_uint(j, "str", JFIELD_UINT_MAX, &v), JFIELD_MISSING);
    ck_assert_int_eq(jfield_get_uint(j, "t", JFIELD_UINT_MAX, &v), JFIELD_MISSING);
    ck_assert_int_eq(jfield_get_uint(j, "none", JFIELD_UINT_MAX, &v), JFIELD_MISSING);
    ck_assert_uint_eq(v, 7); /* untouched by every refusal */
    ck_assert_str_eq(jfield_get_string(j, "str"), "5");
    ck_assert_ptr_null(jfield_get_string(j, "n"));
    cJSON_Delete(j);
}
END_TEST

TU_MAIN("jfield", 10, test_b64_round_trip, test_b64_refused, test_uint)
