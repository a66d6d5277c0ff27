/*
 * circuit.c - the standard validity circuits of draft-irtf-cfrg-vdaf-18,
 * Section 7.4 (Count 7.4.1, Sum 7.4.2, SumVec 7.4.3, Histogram 7.4.4,
 * MultihotCountVec 7.4.5) and the test circuit behind Prio3HigherDegree.
 *
 * Encoders run in constant time: validity is accumulated in a flag and
 * every secret-dependent choice is a mask, never a branch or an index.
 */
#include "circuit.h"

/* ---- constant-time helpers ------------------------------------------ */

/* 1 if a < b else 0, from the borrow of a - b (Hacker's Delight 2-12). */
static uint64_t ct_lt(uint64_t a, uint64_t b)
{
    return ((~a & b) | (~(a ^ b) & (a - b))) >> 63;
}

static uint64_t ct_is_zero(uint64_t x)
{
    return 1 & ~((x | ((uint64_t)0 - x)) >> 63);
}

static felem bit_elem(field_id f, uint64_t bit)
{
    return field_select((uint64_t)0 - bit, field_one(f), field_zero());
}

unsigned circuit_bit_length(uint64_t x)
{
    return circuit_bit_length_wide(x);
}

unsigned circuit_bit_length_wide(field_u128 x)
{
    unsigned n = 0;
    while (n < 128 && (x >> n) != 0)
        n++;
    return n;
}

/* 1 if a < b else 0, over 128 bits. */
static uint64_t ct_lt_wide(field_u128 a, field_u128 b)
{
    return (uint64_t)(((~a & b) | (~(a ^ b) & (a - b))) >> 127);
}

felem circuit_elem_wide(field_id f, field_u128 x)
{
    felem hi = field_from_u64(f, (uint64_t)(x >> 64));
    felem two32 = field_from_u64(f, (uint64_t)1 << 32);
    hi = field_mul(f, field_mul(f, hi, two32), two32);
    return field_add(f, hi, field_from_u64(f, (uint64_t)x));
}

uint64_t circuit_encode_range_checked(field_id f, uint64_t value, uint64_t max, felem *out)
{
    return circuit_encode_range_checked_wide(f, value, max, out);
}

uint64_t circuit_encode_range_checked_wide(field_id f, field_u128 value, field_u128 max, felem *out)
{
    if (max == 0)
        return 0;
    unsigned bits = circuit_bit_length_wide(max);
    field_u128 rest_all_ones = bits >= 2 ? ((field_u128)1 << (bits - 1)) - 1 : 0;
    field_u128 last_weight = max - rest_all_ones;
    uint64_t ok = ct_lt_wide(max, value) ^ 1;
    uint64_t high = ct_lt_wide(rest_all_ones, value);
    field_u128 rest = value - (last_weight & ((field_u128)0 - high));
    for (unsigned l = 0; l + 1 < bits; l++)
        out[l] = bit_elem(f, (uint64_t)(rest >> l) & 1);
    out[bits - 1] = bit_elem(f, high);
    return ok;
}

felem circuit_decode_range_checked(field_id f, const felem *in, uint64_t max)
{
    return circuit_decode_range_checked_wide(f, in, max);
}

felem circuit_decode_range_checked_wide(field_id f, const felem *in, field_u128 max)
{
    if (max == 0)
        return field_zero();
    unsigned bits = circuit_bit_length_wide(max);
    field_u128 rest_all_ones = bits >= 2 ? ((field_u128)1 << (bits - 1)) - 1 : 0;
    felem acc = field_zero(), weight = field_one(f), two = field_from_u64(f, 2);
    for (unsigned l = 0; l + 1 < bits; l++) {
        acc = field_add(f, acc, field_mul(f, weight, in[l]));
        weight = field_mul(f, weight, two);
    }
    felem last = circuit_elem_wide(f, max - rest_all_ones);
    return field_add(f, acc, field_mul(f, last, in[bits - 1]));
}

size_t circuit_best_chunk_length(size_t meas_len)
{
    size_t best = 1, best_len = (size_t)-1;
    for (size_t p = 2; p / 2 <= meas_len && p <= CIRCUIT_MAX_GADGET_CALLS + 1; p *= 2) {
        size_t calls = p - 1;
        size_t chunk = (meas_len + calls - 1) / calls;
        if (chunk > GADGET_MAX_ARITY / 2)
            continue;
        size_t len = 2 * chunk + 2 * p - 1;
        if (len < best_len) {
            best_len = len;
            best = chunk;
        }
    }
    return best;
}

/* ---- shared pieces ----------------------------------------------------- */

static felem shares_inv(field_id f, unsigned num_shares)
{
    return field_inv(f, field_from_u64(f, num_shares));
}

/* The ParallelSum(Mul) range check shared by SumVec, Histogram and
 * MultihotCountVec: sum over calls i of sum_j r_i^(j+1) * x * (x - 1/s),
 * which is zero for 0/1 entries (on the sum of the shares). */
static core_err range_check(const circuit *c, circuit_ctx *ctx, const felem *meas,
                            const felem *joint_rand, felem inv, felem *out)
{
    field_id f = c->field;
    felem *in = circuit_scratch(ctx);
    felem acc = field_zero();
    for (size_t i = 0; i < c->gadget_calls[0]; i++) {
        felem r = joint_rand[i], rp = r;
        for (size_t j = 0; j < c->chunk_length; j++) {
            size_t idx = i * c->chunk_length + j;
            felem e = idx < c->meas_len ? meas[idx] : field_zero();
            in[2 * j] = field_mul(f, rp, e);
            in[2 * j + 1] = field_sub(f, e, inv);
            rp = field_mul(f, rp, r);
        }
        felem y;
        core_err err = circuit_call_gadget(ctx, 0, in, &y);
        if (err != CORE_OK)
            return err;
        acc = field_add(f, acc, y);
    }
    *out = acc;
    return CORE_OK;
}

static void truncate_identity(const circuit *c, const felem *meas, felem *out)
{
    for (size_t i = 0; i < c->output_len; i++)
        out[i] = meas[i];
}

static core_err set_range_check_gadget(circuit *c, size_t checked_len, size_t chunk_length)
{
    if (chunk_length == 0 || chunk_length > GADGET_MAX_ARITY / 2)
        return CORE_EINVAL;
    core_err err = gadget_init_mul(&c->gadgets[0], chunk_length);
    if (err != CORE_OK)
        return err;
    c->num_gadgets = 1;
    c->chunk_length = chunk_length;
    c->gadget_calls[0] = (checked_len + chunk_length - 1) / chunk_length;
    c->joint_rand_len = c->gadget_calls[0];
    return circuit_check(c);
}

static void circuit_clear(circuit *c, const circuit_ops *ops, field_id f)
{
    *c = (circuit){0};
    c->ops = ops;
    c->field = f;
}

/* ---- Count ------------------------------------------------------------- */

static core_err count_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    out[0] = bit_elem(c->field, meas[0] & 1);
    return core_err_unless(ct_is_zero(meas[0] >> 1), CORE_EMEAS);
}

static core_err count_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                           const felem *joint_rand, unsigned num_shares, felem *out)
{
    (void)joint_rand;
    (void)num_shares;
    felem in[2] = {meas[0], meas[0]}, sq;
    core_err err = circuit_call_gadget(ctx, 0, in, &sq);
    if (err != CORE_OK)
        return err;
    out[0] = field_sub(c->field, sq, meas[0]);
    return CORE_OK;
}

static const circuit_ops COUNT_OPS = {count_encode, count_eval, truncate_identity, NULL};

core_err circuit_init_count(circuit *c)
{
    circuit_clear(c, &COUNT_OPS, FIELD64);
    c->meas_count = c->meas_len = c->output_len = c->eval_output_len = 1;
    c->num_gadgets = 1;
    c->gadget_calls[0] = 1;
    core_err err = gadget_init_mul(&c->gadgets[0], 1);
    return err != CORE_OK ? err : circuit_check(c);
}

/* ---- Sum --------------------------------------------------------------- */

static core_err sum_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    uint64_t ok = circuit_encode_range_checked(c->field, meas[0], c->max_measurement, out);
    return core_err_unless(ok, CORE_EMEAS);
}

static core_err sum_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                         const felem *joint_rand, unsigned num_shares, felem *out)
{
    (void)joint_rand;
    (void)num_shares;
    for (size_t i = 0; i < c->bits; i++) {
        core_err err = circuit_call_gadget(ctx, 0, &meas[i], &out[i]);
        if (err != CORE_OK)
            return err;
    }
    return CORE_OK;
}

static void sum_truncate(const circuit *c, const felem *meas, felem *out)
{
    out[0] = circuit_decode_range_checked(c->field, meas, c->max_measurement);
}

static const circuit_ops SUM_OPS = {sum_encode, sum_eval, sum_truncate, NULL};

core_err circuit_init_sum(circuit *c, uint64_t max_measurement)
{
    circuit_clear(c, &SUM_OPS, FIELD64);
    if (max_measurement == 0 || max_measurement >= ((uint64_t)1 << 63))
        return CORE_EINVAL;
    static const int64_t bit_check[3] = {0, -1, 1}; /* x^2 - x */
    c->max_measurement = max_measurement;
    c->bits = circuit_bit_length(max_measurement);
    c->meas_count = 1;
    c->meas_len = c->eval_output_len = c->bits;
    c->output_len = 1;
    c->num_gadgets = 1;
    c->gadget_calls[0] = c->bits;
    core_err err = gadget_init_poly_eval(&c->gadgets[0], FIELD64, bit_check, 3, 1);
    return err != CORE_OK ? err : circuit_check(c);
}

/* ---- SumVec ------------------------------------------------------------ */

static core_err sumvec_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    uint64_t ok = 1;
    for (size_t i = 0; i < c->length; i++)
        ok &=
            circuit_encode_range_checked(c->field, meas[i], c->max_measurement, out + i * c->bits);
    return core_err_unless(ok, CORE_EMEAS);
}

static core_err sumvec_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                            const felem *joint_rand, unsigned num_shares, felem *out)
{
    return range_check(c, ctx, meas, joint_rand, shares_inv(c->field, num_shares), &out[0]);
}

static void sumvec_truncate(const circuit *c, const felem *meas, felem *out)
{
    for (size_t i = 0; i < c->length; i++)
        out[i] = circuit_decode_range_checked(c->field, meas + i * c->bits, c->max_measurement);
}

static const circuit_ops SUMVEC_OPS = {sumvec_encode, sumvec_eval, sumvec_truncate, NULL};

core_err circuit_init_sumvec(circuit *c, field_id f, size_t length, uint64_t max_measurement,
                             size_t chunk_length)
{
    circuit_clear(c, &SUMVEC_OPS, f);
    size_t bits = circuit_bit_length(max_measurement);
    if (length == 0 || max_measurement == 0 || (f == FIELD64 && bits > 63) ||
        length > CIRCUIT_MAX_MEAS_LEN / 64)
        return CORE_EINVAL;
    c->length = c->meas_count = c->output_len = length;
    c->max_measurement = max_measurement;
    c->bits = bits;
    c->meas_len = length * bits;
    c->eval_output_len = 1;
    return set_range_check_gadget(c, c->meas_len, chunk_length);
}

/* ---- Histogram --------------------------------------------------------- */

static core_err histogram_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    for (size_t i = 0; i < c->length; i++)
        out[i] = bit_elem(c->field, ct_is_zero((uint64_t)i ^ meas[0]));
    return core_err_unless(ct_lt(meas[0], (uint64_t)c->length), CORE_EMEAS);
}

static core_err histogram_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                               const felem *joint_rand, unsigned num_shares, felem *out)
{
    field_id f = c->field;
    felem inv = shares_inv(f, num_shares);
    core_err err = range_check(c, ctx, meas, joint_rand, inv, &out[0]);
    if (err != CORE_OK)
        return err;
    /* The entries sum to one. */
    felem sum = field_neg(f, inv);
    for (size_t i = 0; i < c->meas_len; i++)
        sum = field_add(f, sum, meas[i]);
    out[1] = sum;
    return CORE_OK;
}

static const circuit_ops HISTOGRAM_OPS = {histogram_encode, histogram_eval, truncate_identity,
                                          NULL};

core_err circuit_init_histogram(circuit *c, size_t length, size_t chunk_length)
{
    circuit_clear(c, &HISTOGRAM_OPS, FIELD128);
    if (length == 0 || length > CIRCUIT_MAX_MEAS_LEN)
        return CORE_EINVAL;
    c->length = c->meas_len = c->output_len = length;
    c->meas_count = 1;
    c->eval_output_len = 2;
    return set_range_check_gadget(c, length, chunk_length);
}

/* ---- MultihotCountVec -------------------------------------------------- */

static core_err multihot_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    uint64_t ok = 1, weight = 0;
    for (size_t i = 0; i < c->length; i++) {
        ok &= ct_is_zero(meas[i] >> 1);
        out[i] = bit_elem(c->field, meas[i] & 1);
        weight += meas[i] & 1;
    }
    ok &= circuit_encode_range_checked(c->field, weight, c->max_weight, out + c->length);
    return core_err_unless(ok, CORE_EMEAS);
}

static core_err multihot_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                              const felem *joint_rand, unsigned num_shares, felem *out)
{
    field_id f = c->field;
    core_err err = range_check(c, ctx, meas, joint_rand, shares_inv(f, num_shares), &out[0]);
    if (err != CORE_OK)
        return err;
    /* The entries sum to the weight the client claimed. */
    felem weight = field_zero();
    for (size_t i = 0; i < c->length; i++)
        weight = field_add(f, weight, meas[i]);
    felem claimed = circuit_decode_range_checked(f, meas + c->length, c->max_weight);
    out[1] = field_sub(f, weight, claimed);
    return CORE_OK;
}

static const circuit_ops MULTIHOT_OPS = {multihot_encode, multihot_eval, truncate_identity, NULL};

core_err circuit_init_multihot(circuit *c, size_t length, uint64_t max_weight, size_t chunk_length)
{
    circuit_clear(c, &MULTIHOT_OPS, FIELD128);
    if (length == 0 || length > CIRCUIT_MAX_MEAS_LEN / 2 || max_weight == 0 || max_weight > length)
        return CORE_EINVAL;
    c->length = c->meas_count = c->output_len = length;
    c->max_weight = max_weight;
    c->bits = circuit_bit_length(max_weight);
    c->meas_len = length + c->bits;
    c->eval_output_len = 2;
    return set_range_check_gadget(c, c->meas_len, chunk_length);
}

/* ---- HigherDegree (test only) ------------------------------------------ */

static core_err higher_encode(const circuit *c, const uint64_t *meas, felem *out)
{
    out[0] = field_from_u64(c->field, meas[0]);
    return core_err_unless(ct_lt(meas[0], FIELD64_P), CORE_EMEAS);
}

static core_err higher_eval(const circuit *c, circuit_ctx *ctx, const felem *meas,
                            const felem *joint_rand, unsigned num_shares, felem *out)
{
    (void)c;
    (void)joint_rand;
    (void)num_shares;
    return circuit_call_gadget(ctx, 0, meas, out);
}

static const circuit_ops HIGHER_OPS = {higher_encode, higher_eval, truncate_identity, NULL};

core_err circuit_init_higher_degree(circuit *c)
{
    static const int64_t poly[4] = {0, 2, -3, 1}; /* x (x - 1) (x - 2) */
    circuit_clear(c, &HIGHER_OPS, FIELD64);
    c->meas_count = c->meas_len = c->output_len = c->eval_output_len = 1;
    c->num_gadgets = 1;
    c->gadget_calls[0] = 1;
    core_err err = gadget_init_poly_eval(&c->gadgets[0], FIELD64, poly, 4, 1);
    return err != CORE_OK ? err : circuit_check(c);
}

/* ---- consistency -------------------------------------------------------- */

core_err circuit_check(const circuit *c)
{
    if (c->ops == NULL || c->ops->encode == NULL || c->ops->eval == NULL ||
        c->ops->truncate == NULL)
        return CORE_EINVAL;
    if (c->field != FIELD64 && c->field != FIELD128)
        return CORE_EINVAL;
    if (c->meas_len == 0 || c->meas_len > CIRCUIT_MAX_MEAS_LEN || c->meas_count == 0 ||
        c->meas_count > CIRCUIT_MAX_MEAS_LEN || c->output_len == 0 ||
        c->output_len > CIRCUIT_MAX_MEAS_LEN || c->eval_output_len == 0 ||
        c->eval_output_len > CIRCUIT_MAX_MEAS_LEN || c->joint_rand_len > CIRCUIT_MAX_MEAS_LEN)
        return CORE_ELIMIT;
    if (c->num_gadgets == 0 || c->num_gadgets > CIRCUIT_MAX_GADGETS)
        return CORE_EINVAL;
    for (size_t i = 0; i < c->num_gadgets; i++) {
        const gadget *g = &c->gadgets[i];
        if (c->gadget_calls[i] == 0 || c->gadget_calls[i] > CIRCUIT_MAX_GADGET_CALLS)
            return CORE_ELIMIT;
        if (gadget_arity(g) == 0 || gadget_arity(g) > GADGET_MAX_ARITY || gadget_degree(g) < 1 ||
            gadget_degree(g) > GADGET_MAX_DEGREE)
            return CORE_EINVAL;
    }
    return CORE_OK;
}
