/*
 * jschema.h - a small JSON Schema validator on top of cJSON, used to check
 * study files against schema/study.schema.json with error messages that
 * people who are not JSON Schema experts can act on.
 *
 * It implements a subset of JSON Schema draft 2020-12 (the Core and
 * Validation specifications, https://json-schema.org/draft/2020-12):
 *
 *   applicators  $ref (local "#/$defs/NAME" only), $defs, allOf, anyOf,
 *                if / then / else, properties, additionalProperties,
 *                items (a single schema)
 *   validation   type, enum, const, minimum, maximum, exclusiveMinimum,
 *                exclusiveMaximum, minLength, maxLength, pattern,
 *                minItems, maxItems, uniqueItems, required
 *   annotations  $schema (the 2020-12 meta-schema only), $id (top level
 *                only), $comment, title, description, default, examples,
 *                and "x-hint": a string appended in parentheses to the
 *                message when the "pattern" of that schema object, or its
 *                "anyOf" as a whole, fails
 *
 * Boolean schemas (true, false) are accepted wherever a schema is. Any
 * other keyword makes the schema invalid (jschema_check_schema names it),
 * so a typo in the schema cannot silently disable a rule.
 *
 * "pattern" is an ECMA-262 regular expression restricted to: the anchors
 * ^ (first character only) and $ (last character only), literal
 * characters, "." (one code point other than \n, \r, U+2028, U+2029),
 * escapes of punctuation characters, \n \r \t \f \v, the classes \d \w \s
 * and their negations \D \W \S, bracket classes [...] with ranges and a
 * leading ^, and the greedy quantifiers * + ? {m} {m,} {m,n} (m, n <=
 * JSCHEMA_MAX_REPEAT) applied to one character or class. Groups and
 * alternation are refused. Matching is on code points of the UTF-8 string
 * (a byte that is not part of valid UTF-8 counts as one code point of its
 * own) and uses search semantics: without ^ the pattern may match
 * anywhere. The matcher is a dynamic programme over (pattern atom, string
 * position): time O(atoms * length), memory about 9 bytes per code point,
 * whatever the pattern, so no input can make it blow up.
 *
 * Order of evaluation (only the first error is reported, depth first): in
 * each schema object, $ref, type, const, enum; then for numbers minimum,
 * exclusiveMinimum, maximum, exclusiveMaximum; for strings minLength,
 * maxLength, pattern; for arrays minItems, maxItems, each item (items) in
 * order, uniqueItems; for objects a property declared in "properties"
 * that appears twice, then each member in the instance's order
 * (properties or additionalProperties), then required in the schema's
 * order; finally allOf (in order), anyOf, if/then/else. When no branch
 * of an anyOf matches, the error of the branch that got furthest is
 * reported (the most keywords satisfied, then the deepest location), or
 * "must match one of the allowed forms" when two branches tie.
 *
 * Error messages are one line: "LOCATION: RULE", where LOCATION is a path
 * into the instance such as fields[2].max or analyses[0].stats[1] (a
 * member name that is empty, longer than 40 bytes or not made of letters,
 * digits, "_" and "-" is written ["like this"], escaped as in JSON and cut
 * after 40 bytes), or "(top level)" for the instance itself; LOCATION is
 * cut with "..." after JSCHEMA_MAX_PATH bytes. Values and names quoted in
 * RULE are escaped as in JSON and cut with "..." after 64 bytes. See
 * jschema.c for the list of RULE texts.
 *
 * Differences from full 2020-12 besides the missing keywords: a member
 * that "properties" declares may not appear twice in an object (cJSON
 * keeps duplicates; JSON Schema leaves them undefined); "then"/"else"
 * without "if" is refused rather than ignored; a $ref loop that does not
 * go through properties or items is refused; numbers are compared as
 * IEEE doubles and a number that overflowed to infinity on parsing is
 * "out of range"; "integer" means a whole number of magnitude at most
 * 2^53.
 *
 * No I/O, no global state; the only allocations are freed before each
 * call returns.
 */
#ifndef MPC_JSCHEMA_H
#define MPC_JSCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core.h"

/* Limits. */
#define JSCHEMA_MAX_DEPTH 64            /* nested schema applications */
#define JSCHEMA_MAX_PATTERN 256         /* bytes of a "pattern" */
#define JSCHEMA_MAX_REPEAT 65536        /* m and n of {m,n} */
#define JSCHEMA_MAX_PATTERN_INPUT 65536 /* bytes of a string matched against a pattern */
#define JSCHEMA_MAX_UNIQUE_ITEMS 4096   /* items of an array checked by uniqueItems */
#define JSCHEMA_MAX_PATH 160            /* bytes of LOCATION before it is cut */
#define JSCHEMA_ERR_SIZE 768            /* the longest message, NUL included */

/* Checks that schema (a cJSON object or boolean) uses only the supported
 * keywords and is well formed: every keyword's value has the right JSON
 * type and range, no keyword appears twice in one schema object, every
 * $ref resolves, no $ref loop avoids properties and items, every pattern
 * compiles and is at most JSCHEMA_MAX_PATTERN bytes, and schema objects
 * nest at most JSCHEMA_MAX_DEPTH deep.
 *
 * Returns CORE_OK, or CORE_EINVAL with one line in err naming the problem
 * and its location as a JSON pointer, e.g.
 *   unsupported schema keyword "patternProperties" at #/properties/fields
 * (schema NULL is CORE_EINVAL too). err receives at most err_size bytes
 * and is always NUL-terminated when err_size > 0; err may be NULL if
 * err_size is 0. On success err holds "". schema is not modified and no
 * memory is allocated. */
CORE_MUST_CHECK core_err jschema_check_schema(const cJSON *schema, char *err, size_t err_size);

/* Validates instance against schema. schema is first checked with
 * jschema_check_schema(); if that fails the result is CORE_EINVAL with the
 * schema problem in err (instance NULL is CORE_EINVAL too).
 *
 * Returns CORE_OK (err holds ""), or CORE_EDECODE with the first error as
 * one line of text in err, "LOCATION: RULE" as described above. A hard
 * limit reached by the instance (nesting beyond JSCHEMA_MAX_DEPTH, a
 * string longer than JSCHEMA_MAX_PATTERN_INPUT bytes to match against a
 * pattern, more than JSCHEMA_MAX_UNIQUE_ITEMS items under uniqueItems, a
 * number that overflowed to infinity) is CORE_EDECODE as well, with a
 * message naming the limit, and it fails the whole validation even inside
 * anyOf or if. CORE_ENOMEM ("out of memory" in err) if a working buffer
 * cannot be allocated.
 *
 * err is always NUL-terminated when err_size > 0 and is cut to err_size
 * bytes (at a UTF-8 character boundary); err may be NULL if err_size is
 * 0. No message is longer than JSCHEMA_ERR_SIZE - 1 bytes, so a buffer of
 * JSCHEMA_ERR_SIZE bytes is never cut. Neither schema nor
 * instance is modified; every allocation is freed before returning. Safe
 * to call from several threads on the same (unmodified) schema. */
CORE_MUST_CHECK core_err jschema_validate(const cJSON *schema, const cJSON *instance, char *err,
                                          size_t err_size);

#endif
