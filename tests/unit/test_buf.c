/*
 * test_buf.c - the growable buffer with a hard limit (wasm/core/buf.h):
 * contents, the NUL after them, the limit (exact, and kept once failed),
 * records, formatted text, take and free.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testutil.h"

START_TEST(test_append_and_nul)
{
    buf b = BUF_INIT(1 << 20);
    ck_assert_int_eq(buf_ok(&b), 1);
    uint8_t data[3000];
    tu_rand_bytes(data, sizeof data);
    /* Many appends across several growths keep every byte. */
    for (size_t i = 0; i < sizeof data; i += 7)
        ck_assert_int_eq(buf_append(&b, data + i, i + 7 <= sizeof data ? 7 : sizeof data - i), 0);
    ck_assert_uint_eq(b.len, sizeof data);
    ck_assert_mem_eq(b.p, data, sizeof data);
    ck_assert_int_eq(b.p[b.len], 0);
    ck_assert_int_eq(buf_append(&b, NULL, 0), 0);
    ck_assert_int_eq(buf_puts(&b, "abc"), 0);
    ck_assert_int_eq(buf_printf(&b, "-%d-%s", 42, "x"), 0);
    ck_assert_str_eq((char *)b.p + sizeof data, "abc-42-x");
    buf_free(&b);
    ck_assert_ptr_null(b.p);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_limit)
{
    buf b = BUF_INIT(10);
    ck_assert_int_eq(buf_append(&b, "0123456789", 10), 0); /* exactly the limit */
    ck_assert_int_eq(buf_append(&b, "x", 1), -1);          /* one past it */
    ck_assert_int_eq(b.over, 1);
    ck_assert_int_eq(buf_ok(&b), 0);
    ck_assert_uint_eq(b.len, 10);
    /* Once failed, nothing more is added, even what would fit. */
    buf_free(&b);
    ck_assert_int_eq(buf_append(&b, "", 0), -1);
    ck_assert_int_eq(b.over, 1);
    ck_assert_ptr_null(buf_grow(&b, 1));

    buf c = BUF_INIT(8);
    ck_assert_int_eq(buf_printf(&c, "%s", "123456789"), -1);
    ck_assert_int_eq(c.over, 1);
    ck_assert_uint_eq(c.len, 0);
    buf_free(&c);

    buf d = BUF_INIT(SIZE_MAX);
    ck_assert_int_eq(buf_append(&d, "a", 1), 0);
    ck_assert_int_eq(buf_reserve(&d, SIZE_MAX - 1), -1); /* no overflow */
    ck_assert_int_eq(d.over, 1);
    buf_free(&d);
}
END_TEST

START_TEST(test_records)
{
    typedef struct rec {
        uint64_t a;
        uint32_t b;
    } rec;
    buf b = BUF_INIT(1000 * sizeof(rec));
    for (uint32_t i = 0; i < 1000; i++) {
        rec *r = buf_grow(&b, sizeof *r);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->a, 0); /* zero-filled */
        r->a = i * 3ULL;
        r->b = i;
    }
    ck_assert_ptr_null(buf_grow(&b, sizeof(rec))); /* the 1001st is over */
    const rec *all = (const rec *)(const void *)b.p;
    for (uint32_t i = 0; i < 1000; i++)
        ck_assert(all[i].a == i * 3ULL && all[i].b == i);
    size_t len;
    char *taken = buf_take(&b, &len);
    ck_assert_uint_eq(len, 1000 * sizeof(rec));
    ck_assert_ptr_null(b.p);
    ck_assert_int_eq(buf_ok(&b), 1); /* take clears the failure */
    free(taken);
}
END_TEST

START_TEST(test_take_empty_and_reserve)
{
    buf b = BUF_INIT(100);
    size_t len = 99;
    char *s = buf_take(&b, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);
    /* Reserved, nothing appended: still the empty string. */
    buf r = BUF_INIT(100);
    ck_assert_int_eq(buf_reserve(&r, 50), 0);
    ck_assert_int_eq(r.p[0], 0);
    s = buf_take(&r, &len);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);
    ck_assert_int_eq(buf_reserve(&b, 100), 0);
    uint8_t *p = b.p;
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(buf_append(&b, "z", 1), 0);
    ck_assert_ptr_eq(b.p, p); /* reserved: never moved */
    buf_free_secret(&b);
    ck_assert_ptr_null(b.p);
}
END_TEST

TU_MAIN("buf", 10, test_append_and_nul, test_limit, test_records, test_take_empty_and_reserve)
