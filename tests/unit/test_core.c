/*
 * test_core.c - the core's shared helpers: error strings, constant-time
 * comparison, wiping and allocation limits.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "testutil.h"

START_TEST(test_err_strings)
{
    for (int e = CORE_OK; e <= CORE_ERR_LAST; e++) {
        const char *s = core_err_str((core_err)e);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_ne(s, "unknown error");
        ck_assert_str_ne(core_err_name((core_err)e), "EUNKNOWN");
    }
    ck_assert_str_eq(core_err_str((core_err)999), "unknown error");
    ck_assert_str_eq(core_err_name((core_err)999), "EUNKNOWN");
    ck_assert_str_eq(core_err_name(CORE_EMEAS), "EMEAS");
}
END_TEST

START_TEST(test_err_unless)
{
    ck_assert_int_eq(core_err_unless(1, CORE_EMEAS), CORE_OK);
    ck_assert_int_eq(core_err_unless(0, CORE_EMEAS), CORE_EMEAS);
    ck_assert_int_eq(core_err_unless(0, CORE_EDECODE), CORE_EDECODE);
}
END_TEST

START_TEST(test_ct_equal)
{
    uint8_t a[64], b[64];
    tu_rand_bytes(a, sizeof(a));
    memcpy(b, a, sizeof(b));
    ck_assert_int_eq(core_ct_equal(a, b, sizeof(a)), 1);
    ck_assert_int_eq(core_ct_equal(a, b, 0), 1);
    for (size_t i = 0; i < sizeof(a); i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1 << bit);
            ck_assert_int_eq(core_ct_equal(a, b, sizeof(a)), 0);
            b[i] ^= (uint8_t)(1 << bit);
        }
    }
}
END_TEST

START_TEST(test_put_be)
{
    uint8_t out[9] = {0};
    core_put_be(out, 0x0102030405060708u, 8);
    static const uint8_t want8[] = {1, 2, 3, 4, 5, 6, 7, 8};
    ck_assert_mem_eq(out, want8, 8);
    ck_assert_int_eq(out[8], 0);
    core_put_be(out, 0xAABBCCDDu, 4);
    static const uint8_t want4[] = {0xAA, 0xBB, 0xCC, 0xDD};
    ck_assert_mem_eq(out, want4, 4);
    ck_assert_int_eq(out[4], 5); /* nothing past n written */
    core_put_be(out, 0x1FFu, 1);
    ck_assert_int_eq(out[0], 0xFF);
}
END_TEST

START_TEST(test_wipe_and_alloc)
{
    uint8_t buf[32];
    memset(buf, 0xAA, sizeof(buf));
    core_wipe(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_int_eq(buf[i], 0);
    core_wipe(NULL, 10);
    ck_assert_ptr_null(core_alloc_array(0, 8));
    ck_assert_ptr_null(core_alloc_array(SIZE_MAX / 2, 4));
    ck_assert_ptr_null(core_calloc_array(8, 0));
    uint8_t *z = core_calloc_array(16, 4);
    ck_assert_ptr_nonnull(z);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(z[i], 0);
    core_free_secret(z, 64);
    core_free_secret(NULL, 0);
}
END_TEST

TU_MAIN("core", 10, test_err_strings, test_err_unless, test_ct_equal, test_put_be,
        test_wipe_and_alloc)
