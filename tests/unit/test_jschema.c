/*
 * test_jschema.c - the JSON Schema subset validator (jschema.h): every
 * keyword with a passing and a failing instance and the exact message,
 * the pattern matcher (anchors, classes, quantifiers, UTF-8, search
 * semantics, refused syntax, no blowup), $ref, allOf / anyOf / if, the
 * schema check, the limits and the truncation of err.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jschema.h"
#include "testutil.h"

static char ERR[JSCHEMA_ERR_SIZE];

/* Parses JSON written with ' for " (no test needs a ' inside a string). */
static cJSON *json(const char *text)
{
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i <= n; i++)
        t[i] = text[i] == '\'' ? '"' : text[i];
    cJSON *j = cJSON_Parse(t);
    free(t);
    ck_assert_msg(j != NULL, "bad JSON in the test: %s", text);
    return j;
}

static core_err run(const char *schema, const char *instance)
{
    cJSON *s = json(schema), *x = json(instance);
    memset(ERR, 'X', sizeof(ERR));
    core_err r = jschema_validate(s, x, ERR, sizeof(ERR));
    cJSON_Delete(s);
    cJSON_Delete(x);
    return r;
}

#define PASS(schema, instance)                                                                     \
    do {                                                                                           \
        core_err r_ = run(schema, instance);                                                       \
        ck_assert_msg(r_ == CORE_OK, "%s on %s: %s", schema, instance, ERR);                       \
        ck_assert_str_eq(ERR, "");                                                                 \
    } while (0)

#define FAIL(schema, instance, message)                                                            \
    do {                                                                                           \
        core_err r_ = run(schema, instance);                                                       \
        ck_assert_msg(r_ == CORE_EDECODE, "%s on %s: %d %s", schema, instance, (int)r_, ERR);      \
        ck_assert_str_eq(ERR, message);                                                            \
    } while (0)

/* The schema check's message for a bad schema (NULL: do not compare). */
#define BAD_SCHEMA(schema, message)                                                                \
    do {                                                                                           \
        cJSON *s_ = json(schema);                                                                  \
        const char *m_ = (message);                                                                \
        ck_assert_msg(jschema_check_schema(s_, ERR, sizeof(ERR)) == CORE_EINVAL, "accepted %s",    \
                      schema);                                                                     \
        ck_assert_msg(ERR[0] != '\0', "no message for %s", schema);                                \
        if (m_ != NULL)                                                                            \
            ck_assert_str_eq(ERR, m_);                                                             \
        cJSON *x_ = cJSON_CreateNull();                                                            \
        ck_assert_int_eq(jschema_validate(s_, x_, ERR, sizeof(ERR)), CORE_EINVAL);                 \
        if (m_ != NULL)                                                                            \
            ck_assert_str_eq(ERR, m_);                                                             \
        cJSON_Delete(x_);                                                                          \
        cJSON_Delete(s_);                                                                          \
    } while (0)

/* Validates str against {"pattern": pattern}: 1 if it matches. */
static int matches(const char *pattern, const char *str)
{
    cJSON *s = cJSON_CreateObject(), *x = cJSON_CreateString(str);
    ck_assert_ptr_nonnull(cJSON_AddStringToObject(s, "pattern", pattern));
    core_err r = jschema_validate(s, x, ERR, sizeof(ERR));
    ck_assert_msg(r == CORE_OK || r == CORE_EDECODE, "pattern %s on %s: %s", pattern, str, ERR);
    cJSON_Delete(s);
    cJSON_Delete(x);
    return r == CORE_OK;
}

/* The schema check's message for {"pattern": pattern}, "" if accepted. */
static const char *pattern_error(const char *pattern)
{
    cJSON *s = cJSON_CreateObject();
    ck_assert_ptr_nonnull(cJSON_AddStringToObject(s, "pattern", pattern));
    core_err r = jschema_check_schema(s, ERR, sizeof(ERR));
    ck_assert(r == CORE_OK ? ERR[0] == '\0' : r == CORE_EINVAL && ERR[0] != '\0');
    cJSON_Delete(s);
    return ERR;
}

/* Appends s to the string in buf (size bytes), truncating. */
static void append(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s", s);
}

START_TEST(test_type)
{
    PASS("{'type':'object'}", "{}");
    FAIL("{'type':'object'}", "[]", "(top level): must be an object");
    PASS("{'type':'array'}", "[]");
    FAIL("{'type':'array'}", "{}", "(top level): must be an array");
    PASS("{'type':'string'}", "''");
    FAIL("{'type':'string'}", "1", "(top level): must be a string");
    PASS("{'type':'boolean'}", "false");
    FAIL("{'type':'boolean'}", "0", "(top level): must be a boolean");
    PASS("{'type':'null'}", "null");
    FAIL("{'type':'null'}", "false", "(top level): must be null");
    PASS("{'type':'number'}", "1.5");
    PASS("{'type':'number'}", "-7");
    FAIL("{'type':'number'}", "'1'", "(top level): must be a number");
    /* integers: no fractional part, |x| <= 2^53 */
    PASS("{'type':'integer'}", "3");
    PASS("{'type':'integer'}", "1.0");
    PASS("{'type':'integer'}", "-9007199254740992");
    PASS("{'type':'integer'}", "9007199254740992");
    FAIL("{'type':'integer'}", "1.5", "(top level): must be an integer");
    FAIL("{'type':'integer'}", "9007199254740994", "(top level): must be an integer");
    FAIL("{'type':'integer'}", "true", "(top level): must be an integer");
    PASS("{'type':'number'}", "9007199254740994");
    /* several types */
    PASS("{'type':['string','integer']}", "'x'");
    PASS("{'type':['string','integer']}", "2");
    FAIL("{'type':['string','integer']}", "true", "(top level): must be a string or an integer");
    FAIL("{'type':['string','integer','null']}", "{}",
         "(top level): must be a string, an integer or null");
    FAIL("{'type':['object']}", "1", "(top level): must be an object");
    /* a location */
    FAIL("{'properties':{'fields':{'items':{'properties':{'max':{'type':'integer'}}}}}}",
         "{'fields':[{'max':1},{'max':2},{'max':'x'}]}", "fields[2].max: must be an integer");
    FAIL("{'properties':{'fields':{'items':{'properties':{'max':{'type':'integer'}}}}}}",
         "{'fields':[{'max':0.5}]}", "fields[0].max: must be an integer");
    /* a number that overflowed when parsed */
    FAIL("{'type':'number'}", "1e999", "(top level): number is out of range");
    FAIL("{'items':{'maximum':5}}", "[1, -1e999]", "[1]: number is out of range");
}
END_TEST

START_TEST(test_enum_const)
{
    const char *access = "{'properties':{'access':{'enum':['token','open']}}}";
    PASS(access, "{'access':'open'}");
    FAIL(access, "{'access':'closed'}", "access: must be one of \"token\", \"open\"");
    FAIL(access, "{'access':1}", "access: must be one of \"token\", \"open\"");
    FAIL("{'enum':['only']}", "'other'", "(top level): must be \"only\"");
    FAIL("{'enum':[1, 2.5, null, true, false, [1], {'a':1}]}", "'x'",
         "(top level): must be one of 1, 2.5, null, true, false, [...], {...}");
    PASS("{'enum':[1, 2.5, null, true, [1], {'a':[1,2]}]}", "{'a':[1,2.0]}");
    PASS("{'enum':[1, 2.5, null, true, [1], {'a':[1,2]}]}", "null");
    PASS("{'enum':[1, 2.5, null, true, [1], {'a':[1,2]}]}", "1.0");
    FAIL("{'enum':[0.1, 1e300]}", "0", "(top level): must be one of 0.1, 1e+300");
    /* long lists are cut after 10 values */
    FAIL("{'enum':['v0','v1','v2','v3','v4','v5','v6','v7','v8','v9','v10','v11','v12']}", "'x'",
         "(top level): must be one of \"v0\", \"v1\", \"v2\", \"v3\", \"v4\", \"v5\", \"v6\", "
         "\"v7\", \"v8\", \"v9\", ... (3 more)");
    /* or after 200 bytes */
    {
        char schema[2048] = "{'enum':[";
        size_t len = strlen(schema);
        for (int i = 0; i < 12; i++)
            len += (size_t)snprintf(schema + len, sizeof schema - len, "%s'%c%s'", i ? "," : "",
                                    'a' + i, "-----------------------------");
        snprintf(schema + len, sizeof schema - len, "]}");
        ck_assert_int_eq(run(schema, "'x'"), CORE_EDECODE);
        ck_assert_ptr_nonnull(strstr(ERR, "\"f-----------------------------\", ... (6 more)"));
        ck_assert_ptr_null(strstr(ERR, "\"g-"));
    }
    /* strings in messages are quoted and escaped, and long ones cut */
    FAIL("{'enum':['a\\'b\\\\c\\n', 'x']}", "1",
         "(top level): must be one of \"a\\\"b\\\\c\\n\", \"x\"");
    FAIL("{'enum':['0123456789012345678901234567890123456789012345678901234567890123456789']}", "1",
         "(top level): must be "
         "\"0123456789012345678901234567890123456789012345678901234567890123...\"");

    const char *format = "{'properties':{'format':{'const':'mpc-study/1'}}}";
    PASS(format, "{'format':'mpc-study/1'}");
    FAIL(format, "{'format':'mpc-study/2'}", "format: must be \"mpc-study/1\"");
    FAIL(format, "{'format':null}", "format: must be \"mpc-study/1\"");
    PASS("{'const':3}", "3.0");
    FAIL("{'const':3}", "'3'", "(top level): must be 3");
    FAIL("{'const':null}", "0", "(top level): must be null");
    FAIL("{'const':false}", "0", "(top level): must be false");
    PASS("{'const':{'a':[1,{'b':null}]}}", "{'a':[1,{'b':null}]}");
    FAIL("{'const':{'a':[1,{'b':null}]}}", "{'a':[1,{'b':0}]}",
         "(top level): must be the value the schema gives");
}
END_TEST

START_TEST(test_numbers)
{
    const char *privacy =
        "{'properties':{'privacy':{'properties':{'min_cell_count':{'type':'integer','minimum':1,"
        "'maximum':100000}}}}}";
    PASS(privacy, "{'privacy':{'min_cell_count':1}}");
    PASS(privacy, "{'privacy':{'min_cell_count':100000}}");
    FAIL(privacy, "{'privacy':{'min_cell_count':0}}", "privacy.min_cell_count: must be at least 1");
    FAIL(privacy, "{'privacy':{'min_cell_count':100001}}",
         "privacy.min_cell_count: must be at most 100000");
    FAIL(privacy, "{'privacy':{'min_cell_count':0.5}}",
         "privacy.min_cell_count: must be an integer");
    PASS("{'exclusiveMinimum':0}", "0.001");
    FAIL("{'exclusiveMinimum':0}", "0", "(top level): must be greater than 0");
    PASS("{'exclusiveMaximum':1.5}", "1.49");
    FAIL("{'exclusiveMaximum':1.5}", "1.5", "(top level): must be less than 1.5");
    FAIL("{'minimum':0.1}", "0.05", "(top level): must be at least 0.1");
    FAIL("{'maximum':-1125899906842624}", "-1125899906842623",
         "(top level): must be at most -1125899906842624");
    /* number keywords ignore other types */
    PASS("{'minimum':5}", "'1'");
    PASS("{'maximum':5}", "[10]");
}
END_TEST

#define LONG_X "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

START_TEST(test_strings)
{
    const char *id = "{'properties':{'id':{'type':'string','minLength':1,'maxLength':64}}}";
    PASS(id, "{'id':'a'}");
    FAIL(id, "{'id':''}", "id: must be at least 1 character long");
    char inst[128];
    snprintf(inst, sizeof inst, "{'id':'%.65s'}", LONG_X);
    FAIL(id, inst, "id: must be at most 64 characters long");
    snprintf(inst, sizeof inst, "{'id':'%.64s'}", LONG_X);
    PASS(id, inst);
    /* lengths count code points */
    PASS("{'maxLength':3}", "'h\xc3\xa9\xc3\xa9'");
    PASS("{'maxLength':3}", "'\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80'");
    FAIL("{'maxLength':3}", "'\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80!'",
         "(top level): must be at most 3 characters long");
    FAIL("{'minLength':2}", "'\xc3\xa9'", "(top level): must be at least 2 characters long");
    PASS("{'minLength':2}", "'\\u00e9\\u00e9'");
    FAIL("{'maxLength':1}", "'ab'", "(top level): must be at most 1 character long");
    /* a byte that is not UTF-8 counts as one character */
    cJSON *s = json("{'minLength':3}"), *x = cJSON_CreateString("\xff\xc3");
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    cJSON_Delete(x);
    x = cJSON_CreateString("\xff\xc3\xa9\x80");
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_OK);
    cJSON_Delete(x);
    cJSON_Delete(s);
    PASS("{'maxLength':0}", "3");
}
END_TEST

START_TEST(test_arrays)
{
    const char *fields = "{'properties':{'fields':{'type':'array','minItems':1,'maxItems':64}}}";
    FAIL(fields, "{'fields':[]}", "fields: must have at least 1 item");
    PASS(fields, "{'fields':[0]}");
    char inst[512] = "{'fields':[0";
    for (int i = 1; i < 65; i++)
        append(inst, sizeof inst, ",0");
    append(inst, sizeof inst, "]}");
    FAIL(fields, inst, "fields: must have at most 64 items");
    FAIL("{'minItems':2}", "[1]", "(top level): must have at least 2 items");
    FAIL("{'maxItems':1}", "[1,2]", "(top level): must have at most 1 item");
    PASS("{'minItems':2}", "'not an array'");
    /* items */
    const char *stats = "{'properties':{'analyses':{'items':{'properties':{'stats':{'items':{"
                        "'enum':['count','sum']}}}}}}}";
    PASS(stats, "{'analyses':[{'stats':['sum','count']}]}");
    FAIL(stats, "{'analyses':[{'stats':['sum']},{'stats':['count','mean']}]}",
         "analyses[1].stats[1]: must be one of \"count\", \"sum\"");
    FAIL("{'items':{'type':'integer'}}", "[1,2,'x']", "[2]: must be an integer");
    FAIL("{'items':false}", "[1]", "[0]: is not allowed here");
    PASS("{'items':false}", "[]");
    /* uniqueItems, with deep equality */
    const char *choices =
        "{'properties':{'fields':{'items':{'properties':{'choices':{'uniqueItems':true}}}}}}";
    PASS(choices, "{'fields':[{},{'choices':['a','b','c','d']}]}");
    FAIL(choices, "{'fields':[{},{'choices':['a','b','c','a']}]}",
         "fields[1].choices: items must be unique (item 3 repeats item 0)");
    FAIL("{'uniqueItems':true}", "[1,2,2,1]",
         "(top level): items must be unique (item 2 repeats item 1)");
    FAIL("{'uniqueItems':true}", "[1,1.0]",
         "(top level): items must be unique (item 1 repeats item 0)");
    FAIL("{'uniqueItems':true}", "[{'a':1,'b':[2]},{'b':[2],'a':1}]",
         "(top level): items must be unique (item 1 repeats item 0)");
    PASS("{'uniqueItems':true}", "[{'a':1},{'a':1,'b':2},[1],[[1]],1,'1',true,null,false]");
    PASS("{'uniqueItems':false}", "[1,1]");
    /* items are checked before uniqueness */
    FAIL("{'items':{'type':'string'},'uniqueItems':true}", "[1,1]", "[0]: must be a string");
    /* the uniqueness limit */
    cJSON *s = json("{'uniqueItems':true}"), *x = cJSON_CreateArray();
    for (int i = 0; i < JSCHEMA_MAX_UNIQUE_ITEMS; i++)
        cJSON_AddItemToArray(x, cJSON_CreateNumber(i));
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_OK);
    cJSON_AddItemToArray(x, cJSON_CreateNumber(-1));
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    ck_assert_str_eq(ERR, "(top level): has too many items to check that they are unique (the "
                          "limit is 4096)");
    cJSON_Delete(x);
    cJSON_Delete(s);
}
END_TEST

START_TEST(test_objects)
{
    const char *field =
        "{'properties':{'fields':{'items':{'type':'object','required':['name','label'],"
        "'properties':{'name':{'type':'string'},'label':{'type':'string'}}}}}}";
    PASS(field, "{'fields':[{'name':'a','label':'A'}]}");
    FAIL(field, "{'fields':[{'name':'a','label':'A'},{'name':'b','label':'B'},{'label':'C'}]}",
         "fields[2]: missing required property \"name\"");
    /* members in the instance's order, then required */
    FAIL(field, "{'fields':[{'label':1,'name':2}]}", "fields[0].label: must be a string");
    FAIL(field, "{'fields':[{'name':2}]}", "fields[0].name: must be a string");
    FAIL(field, "{'fields':[{'name':'x'}]}", "fields[0]: missing required property \"label\"");
    FAIL("{'required':['format']}", "{}", "(top level): missing required property \"format\"");
    PASS("{'required':['format']}", "[]");
    /* additionalProperties */
    const char *analyses = "{'properties':{'analyses':{'items':{'additionalProperties':false,"
                           "'properties':{'name':true}}}}}";
    PASS(analyses, "{'analyses':[{'name':1},{}]}");
    FAIL(analyses, "{'analyses':[{'name':1},{'name':2,'foo':3}]}",
         "analyses[1]: unknown property \"foo\"");
    FAIL("{'additionalProperties':false}", "{'a\\'b\\n':1}",
         "(top level): unknown property \"a\\\"b\\n\"");
    FAIL("{'additionalProperties':{'type':'integer'}}", "{'a':1,'b':'x'}", "b: must be an integer");
    PASS("{'additionalProperties':true,'properties':{'a':{'type':'string'}}}", "{'a':'x','b':1}");
    PASS("{'additionalProperties':{'type':'integer'},'properties':{'a':{'type':'string'}}}",
         "{'a':'x','b':1}");
    /* a member whose schema is false */
    FAIL("{'properties':{'min':false}}", "{'min':1}", "min: must not be present");
    PASS("{'properties':{'min':false}}", "{'max':1}");
    /* names that are not plain identifiers are quoted in the location */
    FAIL("{'additionalProperties':{'additionalProperties':{'type':'integer'}}}",
         "{'a b':{'c.d':'x'}}", "[\"a b\"][\"c.d\"]: must be an integer");
    FAIL("{'additionalProperties':{'additionalProperties':{'type':'integer'}}}",
         "{'ok_name-2':{'':'x'}}", "ok_name-2[\"\"]: must be an integer");
    /* a declared member that appears twice */
    cJSON *s = json("{'properties':{'a':{'type':'integer'}}}");
    cJSON *x = cJSON_Parse("{\"a\":1,\"b\":2,\"a\":3}");
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    ck_assert_str_eq(ERR, "(top level): property \"a\" appears more than once");
    cJSON_Delete(x);
    cJSON_Delete(s);
    /* object keywords ignore other types */
    PASS("{'required':['a'],'additionalProperties':false}", "3");
}
END_TEST

START_TEST(test_boolean_schemas)
{
    PASS("true", "{'a':[1]}");
    FAIL("false", "1", "(top level): is not allowed here");
    PASS("{}", "null");
    FAIL("{'properties':{'a':{'items':false}}}", "{'a':[1]}", "a[0]: is not allowed here");
}
END_TEST

START_TEST(test_pattern_anchors)
{
    ck_assert(matches("^abc$", "abc"));
    ck_assert(!matches("^abc$", "abcd"));
    ck_assert(!matches("^abc$", "xabc"));
    ck_assert(!matches("^abc$", "ab"));
    ck_assert(matches("^abc", "abcd"));
    ck_assert(!matches("^abc", "xabc"));
    ck_assert(matches("abc$", "xabc"));
    ck_assert(!matches("abc$", "abcx"));
    ck_assert(!matches("abc$", "abc\n"));
    /* search semantics: without ^ the pattern may match anywhere */
    ck_assert(matches("b", "abc"));
    ck_assert(matches("b+c", "abbbcd"));
    ck_assert(!matches("bd", "abc"));
    ck_assert(matches("x*", "abc"));
    ck_assert(matches("", "abc"));
    ck_assert(matches("", ""));
    ck_assert(matches("^$", ""));
    ck_assert(!matches("^$", "a"));
    ck_assert(matches("^", "a"));
    ck_assert(matches("$", "a"));
    ck_assert(matches("c$", "abcabc"));
    /* escaped metacharacters */
    ck_assert(matches("^a\\.b$", "a.b"));
    ck_assert(!matches("^a\\.b$", "axb"));
    ck_assert(matches("^a.b$", "axb"));
    ck_assert(matches("^\\$\\^\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\\\\\/\\-$", "$^*+?()[]{}|\\/-"));
    ck_assert(matches("^a\\$", "a$"));
    ck_assert(matches("^\\t\\n\\r$", "\t\n\r"));
    ck_assert(matches("^/$", "/"));
    ck_assert(matches("^#@ !~$", "#@ !~"));
}
END_TEST

START_TEST(test_pattern_classes)
{
    ck_assert(matches("^[a-c]+$", "abcabc"));
    ck_assert(!matches("^[a-c]+$", "abd"));
    ck_assert(matches("^[a-cx0-9]+$", "x0a9"));
    ck_assert(matches("^[^0-9]*$", "abc"));
    ck_assert(!matches("^[^0-9]*$", "a1"));
    ck_assert(!matches("^[^a-z]$", "q"));
    ck_assert(matches("^[^a-z]$", "Q"));
    ck_assert(matches("^[-a]+$", "-a-"));
    ck_assert(matches("^[a-]+$", "-a-"));
    ck_assert(!matches("^[a-]+$", "b"));
    ck_assert(matches("^[\\]\\-\\\\]+$", "]-\\"));
    ck_assert(matches("^[.]$", "."));
    ck_assert(!matches("^[.]$", "x"));
    ck_assert(matches("^[$^]+$", "^$"));
    ck_assert(matches("^[a^]$", "^"));
    ck_assert(matches("^[[]$", "["));
    /* \d \w \s and their negations, also inside classes */
    ck_assert(matches("^\\d+$", "0123456789"));
    ck_assert(!matches("^\\d$", "a"));
    ck_assert(matches("^\\D$", "a"));
    ck_assert(!matches("^\\D$", "5"));
    ck_assert(matches("^\\w+$", "Az_09"));
    ck_assert(!matches("^\\w$", "-"));
    ck_assert(matches("^\\W$", "-"));
    ck_assert(matches("^\\s\\s\\s$", " \t\n"));
    ck_assert(matches("^\\s$", "\xc2\xa0"));
    ck_assert(!matches("^\\s$", "x"));
    ck_assert(matches("^\\S$", "x"));
    ck_assert(matches("^[\\d_]+$", "1_2"));
    ck_assert(!matches("^[\\d_]+$", "1a"));
    ck_assert(matches("^[^\\d]$", "a"));
    ck_assert(!matches("^[^\\d]$", "7"));
    /* the study schema's patterns */
    ck_assert(matches("^[a-z0-9][a-z0-9-]*$", "study-2024"));
    ck_assert(!matches("^[a-z0-9][a-z0-9-]*$", "-study"));
    ck_assert(!matches("^[a-z0-9][a-z0-9-]*$", "Study"));
    ck_assert(matches("^https?://[^/?#@ ]+$", "https://example.org:8443"));
    ck_assert(matches("^https?://[^/?#@ ]+$", "http://a"));
    ck_assert(!matches("^https?://[^/?#@ ]+$", "https://example.org/path"));
    ck_assert(!matches("^https?://[^/?#@ ]+$", "ftp://example.org"));
    ck_assert(!matches("^https?://[^/?#@ ]+$", "https://user@example.org"));
}
END_TEST

START_TEST(test_pattern_quantifiers)
{
    ck_assert(matches("^a{3}$", "aaa"));
    ck_assert(!matches("^a{3}$", "aa"));
    ck_assert(!matches("^a{3}$", "aaaa"));
    ck_assert(matches("^a{2,}$", "aa"));
    ck_assert(matches("^a{2,}$", "aaaaaaa"));
    ck_assert(!matches("^a{2,}$", "a"));
    ck_assert(!matches("^a{2,4}$", "a"));
    ck_assert(matches("^a{2,4}$", "aa"));
    ck_assert(matches("^a{2,4}$", "aaaa"));
    ck_assert(!matches("^a{2,4}$", "aaaaa"));
    ck_assert(matches("^a{0}b$", "b"));
    ck_assert(!matches("^a{0}b$", "ab"));
    ck_assert(matches("^a{0,0}$", ""));
    ck_assert(matches("^a?b$", "b"));
    ck_assert(matches("^a?b$", "ab"));
    ck_assert(!matches("^a?b$", "aab"));
    ck_assert(matches("^a*b$", "b"));
    ck_assert(matches("^a*b$", "aaab"));
    ck_assert(!matches("^a+b$", "b"));
    ck_assert(matches("^a+b$", "aab"));
    ck_assert(matches("^[0-9a-f]{64}$",
                      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
    ck_assert(!matches("^[0-9a-f]{64}$",
                       "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef"));
    ck_assert(!matches("^[0-9a-f]{64}$",
                       "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0"));
    ck_assert(matches("^\\d{1,3}\\.\\d{1,3}$", "192.16"));
    ck_assert(matches("^x{65536}$", "xx") == 0);
    /* choices that need backtracking */
    ck_assert(matches("^a*ab$", "aaab"));
    ck_assert(matches("^a*a{2}$", "aa"));
    ck_assert(!matches("^a*a{3}$", "aa"));
    ck_assert(matches("^[a-z]*[0-9]{2}$", "abc12"));
    ck_assert(matches("^.*x.*y$", "axbxcy"));
    ck_assert(!matches("^.*x.*y$", "aybx"));
    ck_assert(matches("a.?c", "xxabcxx"));
    ck_assert(matches("a.?c", "xxacxx"));
    ck_assert(!matches("a.?c", "xxabbcxx"));
    /* no exponential blowup: (a*){20}b, which a naive backtracker takes ages on */
    {
        char pattern[64] = "";
        for (int i = 0; i < 20; i++)
            append(pattern, sizeof pattern, "a*");
        append(pattern, sizeof pattern, "b");
        size_t n = JSCHEMA_MAX_PATTERN_INPUT;
        char *str = malloc(n + 1);
        ck_assert_ptr_nonnull(str);
        memset(str, 'a', n);
        str[n] = '\0';
        ck_assert(!matches(pattern, str));
        ck_assert(matches("^a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*$", str));
        ck_assert(!matches("^[ab]{0,65536}[ab]*[ab]*[ab]*c$", str));
        str[n - 1] = 'b';
        ck_assert(matches(pattern, str));
        free(str);
    }
}
END_TEST

START_TEST(test_pattern_utf8)
{
    /* "." and negated classes take one code point, whatever its length */
    ck_assert(matches("^.$", "\xc3\xa9"));         /* é */
    ck_assert(matches("^.$", "\xe2\x82\xac"));     /* € */
    ck_assert(matches("^.$", "\xf0\x9f\x98\x80")); /* U+1F600 */
    ck_assert(!matches("^.$", "ab"));
    ck_assert(!matches("^..$", "\xc3\xa9"));
    ck_assert(matches("^...$", "a\xe2\x82\xac\xf0\x9f\x98\x80"));
    ck_assert(matches("^.{3}$", "a\xe2\x82\xac\xf0\x9f\x98\x80"));
    ck_assert(matches("^[^a]$", "\xc3\xa9"));
    ck_assert(matches("^[^a]{2}$", "\xc3\xa9\xf0\x9f\x98\x80"));
    ck_assert(matches("^\\W$", "\xe2\x82\xac"));
    /* "." does not match line terminators (ECMA-262) */
    ck_assert(!matches("^.$", "\n"));
    ck_assert(!matches("^.$", "\r"));
    ck_assert(!matches("^.$", "\xe2\x80\xa8"));
    ck_assert(matches("^[^a]$", "\n"));
    /* literal characters and ranges beyond ASCII */
    ck_assert(matches("^\xc3\xa9+$", "\xc3\xa9\xc3\xa9"));
    ck_assert(!matches("^\xc3\xa9$", "e"));
    ck_assert(matches("^[\xc3\xa0-\xc3\xbf]$", "\xc3\xa9"));
    ck_assert(!matches("^[\xc3\xa0-\xc3\xbf]$", "\xc3\x80"));
    ck_assert(matches("^[\xe2\x82\xac$]+$", "$\xe2\x82\xac"));
    /* a byte that is not UTF-8 is one code point of its own */
    ck_assert(matches("^.$", "\xff"));
    ck_assert(matches("^..$", "\xc3\xc3"));
    ck_assert(!matches("^.$", "\xc3\xc3"));
    ck_assert(!matches("^a$", "\xe1"));
    ck_assert(matches("^.{4}$", "\xed\xa0\x80x")); /* a surrogate is not UTF-8: 3 + 1 */
}
END_TEST

START_TEST(test_pattern_refused)
{
    ck_assert_str_eq(pattern_error("^[a-z]+$"), "");
    ck_assert_str_eq(pattern_error("^(a|b)$"),
                     "pattern \"^(a|b)$\" at #: the pattern uses a group or alternation: \"(\", "
                     "\")\" and \"|\" are not supported");
    const char *refused[] = {
        "(a)", "a|b",   "a)",      "a^",      "a$b",    "$a",       "*a",
        "^*",  "+",     "?",       "a**",     "a*?",    "a+*",      "a{2}*",
        "a{2", "a{,2}", "a{x}",    "a{3,2}",  "a{2,x}", "a{65537}", "a{1,65537}",
        "{",   "a}",    "]",       "[abc",    "[",      "[^",       "[]",
        "[^]", "[z-a]", "[\\d-z]", "[a-\\d]", "\\b",    "\\1",      "\\",
        "a\\", "[\\q]", "\\u0041", "\\x41",   "\xff",   "a\xc3",    "[\xc3]",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        ck_assert_msg(pattern_error(refused[i])[0] != '\0', "accepted %s", refused[i]);
    ck_assert_str_eq(pattern_error("a**"),
                     "pattern \"a**\" at #: the pattern has two quantifiers in a row (lazy "
                     "quantifiers such as *? are not supported)");
    ck_assert_str_eq(pattern_error("[z-a]"), "pattern \"[z-a]\" at #: the pattern has a range in "
                                             "a character class whose end comes before its start");
    ck_assert_str_eq(pattern_error("^\\d\\b"),
                     "pattern \"^\\\\d\\\\b\" at #: the pattern uses an unsupported escape "
                     "(supported: \\d \\w \\s \\D \\W \\S \\n \\r \\t \\f \\v and a backslash "
                     "before punctuation)");
    ck_assert_str_eq(pattern_error("a{65536}"), "");
    ck_assert_str_eq(pattern_error("a{0,65536}"), "");
    ck_assert_str_eq(pattern_error("[a-a]"), "");
    /* at most JSCHEMA_MAX_PATTERN bytes */
    char p[JSCHEMA_MAX_PATTERN + 2];
    memset(p, 'a', sizeof(p) - 1);
    p[sizeof(p) - 1] = '\0';
    ck_assert_str_eq(pattern_error(p + 1), "");
    ck_assert_ptr_nonnull(strstr(pattern_error(p), "the pattern is longer than 256 bytes"));
    BAD_SCHEMA("{'properties':{'id':{'pattern':'a|b'}}}",
               "pattern \"a|b\" at #/properties/id: the pattern uses a group or alternation: "
               "\"(\", \")\" and \"|\" are not supported");
    BAD_SCHEMA("{'pattern':5}", "schema keyword \"pattern\" at # must be a string");
}
END_TEST

START_TEST(test_pattern_messages)
{
    const char *name = "{'properties':{'id':{'type':'string','pattern':'^[a-z][a-z0-9_]*$',"
                       "'x-hint':'lowercase letters, digits and underscores, starting with a "
                       "letter'}}}";
    PASS(name, "{'id':'a_1'}");
    FAIL(name, "{'id':'1a'}",
         "id: must match the pattern ^[a-z][a-z0-9_]*$ (lowercase letters, digits and "
         "underscores, starting with a letter)");
    FAIL("{'properties':{'id':{'pattern':'^[a-z0-9][a-z0-9-]*$'}}}", "{'id':'Bad'}",
         "id: must match the pattern ^[a-z0-9][a-z0-9-]*$");
    /* the hint of the schema object holding the pattern only */
    FAIL("{'x-hint':'outer','properties':{'id':{'pattern':'^\\\\d+$'}}}", "{'id':'x'}",
         "id: must match the pattern ^\\d+$");
    /* the string length limit for pattern matching */
    size_t n = JSCHEMA_MAX_PATTERN_INPUT;
    char *str = malloc(n + 2);
    ck_assert_ptr_nonnull(str);
    memset(str, 'a', n + 1);
    str[n] = '\0';
    ck_assert(matches("^a+$", str));
    str[n] = 'a';
    str[n + 1] = '\0';
    ck_assert(!matches("^a+$", str));
    ck_assert_str_eq(ERR, "(top level): is too long to check against the pattern (the limit is "
                          "65536 bytes)");
    /* which fails even inside anyOf */
    cJSON *s = json("{'anyOf':[{'pattern':'^a'},true]}"), *x = cJSON_CreateString(str);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    ck_assert_ptr_nonnull(strstr(ERR, "is too long to check"));
    cJSON_Delete(x);
    cJSON_Delete(s);
    free(str);
}
END_TEST

START_TEST(test_ref)
{
    const char *schema = "{'$defs':{'name':{'type':'string','minLength':1},"
                         "'field':{'type':'object','properties':{'name':{'$ref':'#/$defs/name'}}},"
                         "'a/b~c':{'const':1}},"
                         "'properties':{'fields':{'items':{'$ref':'#/$defs/field'}},"
                         "'odd':{'$ref':'#/$defs/a~1b~0c'}}}";
    PASS(schema, "{'fields':[{'name':'x'}],'odd':1}");
    FAIL(schema, "{'fields':[{'name':'x'},{'name':''}]}",
         "fields[1].name: must be at least 1 character long");
    FAIL(schema, "{'fields':[3]}", "fields[0]: must be an object");
    FAIL(schema, "{'odd':2}", "odd: must be 1");
    /* $ref beside other keywords: both apply, $ref first */
    FAIL("{'$defs':{'i':{'type':'integer'}},'$ref':'#/$defs/i','minimum':3}", "'x'",
         "(top level): must be an integer");
    FAIL("{'$defs':{'i':{'type':'integer'}},'$ref':'#/$defs/i','minimum':3}", "2",
         "(top level): must be at least 3");
    /* recursion through items is fine */
    const char *tree = "{'$defs':{'node':{'type':'object','properties':{'kids':{'items':{"
                       "'$ref':'#/$defs/node'}}}}},'$ref':'#/$defs/node'}";
    PASS(tree, "{'kids':[{'kids':[]},{'kids':[{}]}]}");
    FAIL(tree, "{'kids':[{'kids':[]},{'kids':[{},1]}]}", "kids[1].kids[1]: must be an object");
    /* refused references */
    BAD_SCHEMA("{'properties':{'x':{'$ref':'#/$defs/nope'}},'$defs':{}}",
               "$ref \"#/$defs/nope\" at #/properties/x does not resolve: the top-level \"$defs\" "
               "has no such entry");
    BAD_SCHEMA("{'$ref':'#/$defs/x'}", NULL);
    BAD_SCHEMA("{'$defs':{'x':true},'$ref':'#/definitions/x'}",
               "unsupported $ref \"#/definitions/x\" at #: only references of the form "
               "\"#/$defs/NAME\" are supported");
    BAD_SCHEMA("{'$defs':{'x':{'$defs':{'y':true}}},'$ref':'#/$defs/x/$defs/y'}", NULL);
    BAD_SCHEMA("{'$ref':'other.json#/$defs/x'}", NULL);
    BAD_SCHEMA("{'$ref':'#'}", NULL);
    BAD_SCHEMA("{'$ref':'#/$defs/'}", NULL);
    BAD_SCHEMA("{'$defs':{'a b':true},'$ref':'#/$defs/a%20b'}", NULL);
    BAD_SCHEMA("{'$defs':{'x':true},'$ref':'#/$defs/~2'}", NULL);
    BAD_SCHEMA("{'$ref':3}", "schema keyword \"$ref\" at # must be a string");
    /* a loop that never moves into the instance */
    BAD_SCHEMA("{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'allOf':[true,{'$ref':'#/$defs/a'}]}}}",
               "$ref loop at #/$defs/a: the schema refers to itself without going into a property "
               "or item");
    BAD_SCHEMA("{'$defs':{'a':{'if':{'$ref':'#/$defs/a'}}}}", NULL);
    BAD_SCHEMA("{'$defs':{'a':{'anyOf':[{'then':true,'if':{'$ref':'#/$defs/a'}}]}}}", NULL);
}
END_TEST

START_TEST(test_allof_anyof)
{
    const char *all = "{'allOf':[{'type':'integer'},{'minimum':2},{'maximum':4}]}";
    PASS(all, "3");
    FAIL(all, "1", "(top level): must be at least 2");
    FAIL(all, "5", "(top level): must be at most 4");
    FAIL(all, "2.5", "(top level): must be an integer");

    const char *any = "{'anyOf':[{'type':'string','maxLength':2},{'type':'integer'}]}";
    PASS(any, "'ab'");
    PASS(any, "7");
    /* the branch that got further reports */
    FAIL(any, "'abc'", "(top level): must be at most 2 characters long");
    /* none got further than another */
    FAIL(any, "true", "(top level): must match one of the allowed forms");
    FAIL("{'properties':{'v':{'anyOf':[{'type':'string'},{'type':'integer'}],"
         "'x-hint':'a name or a number'}}}",
         "{'v':null}", "v: must match one of the allowed forms (a name or a number)");
    /* a discriminated union */
    const char *stat =
        "{'items':{'anyOf':["
        "{'type':'object','required':['kind'],'properties':{'kind':{'const':'count'}}},"
        "{'type':'object','required':['kind','of'],'properties':{'kind':{'const':"
        "'mean'},'of':{'type':'string'}}}]}}";
    PASS(stat, "[{'kind':'count'},{'kind':'mean','of':'age'}]");
    FAIL(stat, "[{'kind':'count'},{'kind':'mean','of':3}]", "[1].of: must be a string");
    FAIL(stat, "[{'kind':'mean'}]", "[0]: missing required property \"of\"");
    FAIL(stat, "[{'kind':'median'}]", "[0]: must match one of the allowed forms");
    FAIL(stat, "[3]", "[0]: must match one of the allowed forms");
    /* the deepest location wins */
    FAIL(
        "{'anyOf':[{'properties':{'a':{'properties':{'b':{'type':'string'}}}}},{'type':'string'}]}",
        "{'a':{'b':1}}", "a.b: must be a string");
    /* nested anyOf */
    const char *nested = "{'anyOf':[{'anyOf':[{'type':'null'},{'type':'array','items':{"
                         "'type':'string'}}]},{'type':'integer'}]}";
    PASS(nested, "null");
    PASS(nested, "['a']");
    PASS(nested, "4");
    FAIL(nested, "['a',1]", "[1]: must be a string");
    FAIL(nested, "1.5", "(top level): must match one of the allowed forms");
}
END_TEST

START_TEST(test_if_then_else)
{
    const char *s = "{'if':{'properties':{'type':{'const':'choice'}}},"
                    "'then':{'required':['choices'],'properties':{'min':false}},"
                    "'else':{'required':['min']}}";
    PASS(s, "{'type':'choice','choices':[]}");
    FAIL(s, "{'type':'choice'}", "(top level): missing required property \"choices\"");
    FAIL(s, "{'type':'choice','choices':[],'min':1}", "min: must not be present");
    PASS(s, "{'type':'integer','min':1}");
    FAIL(s, "{'type':'integer'}", "(top level): missing required property \"min\"");
    PASS("{'if':{'type':'string'}}", "1");
    PASS("{'if':{'type':'string'},'then':{'minLength':2}}", "1");
    FAIL("{'if':{'type':'string'},'then':{'minLength':2}}", "'a'",
         "(top level): must be at least 2 characters long");
    PASS("{'if':{'type':'string'},'else':{'minimum':2}}", "'a'");
    FAIL("{'if':{'type':'string'},'else':{'minimum':2}}", "1", "(top level): must be at least 2");
    /* the study schema's shape: allOf of if/then */
    const char *field =
        "{'type':'object','required':['type'],'properties':{'type':{'enum':['choice','integer']}},"
        "'allOf':[{'if':{'properties':{'type':{'const':'choice'}}},'then':{'required':['choices']}}"
        ","
        "{'if':{'properties':{'type':{'const':'integer'}}},'then':{'required':['min','max'],"
        "'properties':{'choices':false}}}]}";
    PASS(field, "{'type':'integer','min':0,'max':1}");
    FAIL(field, "{'type':'integer','min':0}", "(top level): missing required property \"max\"");
    FAIL(field, "{'type':'integer','min':0,'max':1,'choices':[]}", "choices: must not be present");
    FAIL(field, "{}", "(top level): missing required property \"type\"");
}
END_TEST

START_TEST(test_schema_check)
{
    cJSON *s = json("{'$schema':'https://json-schema.org/draft/2020-12/schema','$id':'https://x/y',"
                    "'$comment':'c','title':'t','description':'d','default':{},'examples':[1],"
                    "'x-hint':'h','type':['object'],'properties':{'a':true},"
                    "'additionalProperties':false,'required':['a'],'$defs':{'d':false},"
                    "'allOf':[true],'anyOf':[true],'if':true,'then':true,'else':true,"
                    "'items':{'minItems':0,'maxItems':1,'uniqueItems':false},'enum':[{}],"
                    "'const':{},'minimum':0,'maximum':1.5,'exclusiveMinimum':-1,"
                    "'exclusiveMaximum':2,'minLength':0,'maxLength':9007199254740992,"
                    "'pattern':'^a$'}");
    ck_assert_int_eq(jschema_check_schema(s, ERR, sizeof(ERR)), CORE_OK);
    ck_assert_str_eq(ERR, "");
    cJSON_Delete(s);
    s = cJSON_CreateTrue();
    ck_assert_int_eq(jschema_check_schema(s, ERR, sizeof(ERR)), CORE_OK);
    cJSON_Delete(s);

    BAD_SCHEMA("{'properties':{'fields':{'patternProperties':{}}}}",
               "unsupported schema keyword \"patternProperties\" at #/properties/fields");
    BAD_SCHEMA("{'items':{'oneOf':[true]}}", "unsupported schema keyword \"oneOf\" at #/items");
    BAD_SCHEMA("{'allOf':[true,{'not':true}]}", "unsupported schema keyword \"not\" at #/allOf/1");
    BAD_SCHEMA("{'$defs':{'a/b~':{'requird':[]}}}",
               "unsupported schema keyword \"requird\" at #/$defs/a~1b~0");
    BAD_SCHEMA("{'format':'email'}", "unsupported schema keyword \"format\" at #");
    BAD_SCHEMA("{'prefixItems':[]}", NULL);
    BAD_SCHEMA("{'type':'str'}", "unknown type \"str\" at # in \"type\"");
    BAD_SCHEMA("{'type':['string','str']}", "unknown type \"str\" at # in \"type\"");
    BAD_SCHEMA("{'type':[]}", NULL);
    BAD_SCHEMA("{'type':['string','string']}", NULL);
    BAD_SCHEMA("{'type':3}", NULL);
    BAD_SCHEMA("{'minItems':-1}",
               "schema keyword \"minItems\" at # must be a non-negative integer");
    BAD_SCHEMA("{'maxLength':1.5}", NULL);
    BAD_SCHEMA("{'minLength':'3'}", NULL);
    BAD_SCHEMA("{'minimum':'3'}", "schema keyword \"minimum\" at # must be a number");
    BAD_SCHEMA("{'uniqueItems':1}", "schema keyword \"uniqueItems\" at # must be true or false");
    BAD_SCHEMA("{'required':'a'}", NULL);
    BAD_SCHEMA("{'required':[1]}", NULL);
    BAD_SCHEMA("{'required':['a','a']}", "property \"a\" at # is listed twice in \"required\"");
    BAD_SCHEMA("{'enum':[]}", "schema keyword \"enum\" at # must be a non-empty array");
    BAD_SCHEMA("{'enum':1}", NULL);
    BAD_SCHEMA("{'properties':[]}", NULL);
    BAD_SCHEMA("{'properties':{'a':5}}",
               "schema at #/properties/a must be an object, true or false");
    BAD_SCHEMA("{'items':[{}]}", "schema at #/items must be an object, true or false");
    BAD_SCHEMA("{'additionalProperties':'no'}", NULL);
    BAD_SCHEMA("{'allOf':[]}",
               "schema keyword \"allOf\" at # must be a non-empty array of schemas");
    BAD_SCHEMA("{'anyOf':{}}", NULL);
    BAD_SCHEMA("{'anyOf':[true,null]}", "schema at #/anyOf/1 must be an object, true or false");
    BAD_SCHEMA("{'title':1}", "schema keyword \"title\" at # must be a string");
    BAD_SCHEMA("{'x-hint':[]}", NULL);
    BAD_SCHEMA("{'examples':1}", NULL);
    BAD_SCHEMA("{'then':{}}", "schema keyword \"then\" at # has no \"if\" beside it");
    BAD_SCHEMA("{'else':{}}", NULL);
    BAD_SCHEMA("{'$schema':'http://json-schema.org/draft-07/schema#'}", NULL);
    BAD_SCHEMA("{'items':{'$schema':'https://json-schema.org/draft/2020-12/schema'}}",
               "schema keyword \"$schema\" at #/items is only supported at the top level");
    BAD_SCHEMA("{'items':{'$id':'x'}}", NULL);
    BAD_SCHEMA("3", "schema at # must be an object, true or false");
    BAD_SCHEMA("null", NULL);
    /* duplicate names (cJSON keeps them) */
    s = cJSON_Parse("{\"type\":\"string\",\"type\":\"integer\"}");
    ck_assert_int_eq(jschema_check_schema(s, ERR, sizeof(ERR)), CORE_EINVAL);
    ck_assert_str_eq(ERR, "schema keyword \"type\" at # appears twice");
    cJSON_Delete(s);
    s = cJSON_Parse("{\"properties\":{\"a\":true,\"a\":false}}");
    ck_assert_int_eq(jschema_check_schema(s, ERR, sizeof(ERR)), CORE_EINVAL);
    ck_assert_str_eq(ERR, "name \"a\" at #/properties appears twice");
    cJSON_Delete(s);
    /* NULL arguments */
    ck_assert_int_eq(jschema_check_schema(NULL, ERR, sizeof(ERR)), CORE_EINVAL);
    ck_assert_str_eq(ERR, "no schema");
    s = cJSON_CreateTrue();
    ck_assert_int_eq(jschema_validate(s, NULL, ERR, sizeof(ERR)), CORE_EINVAL);
    ck_assert_int_eq(jschema_validate(NULL, s, ERR, sizeof(ERR)), CORE_EINVAL);
    cJSON_Delete(s);
}
END_TEST

/* {"items": {"items": ... true}} with n levels */
static cJSON *nested_items(int n)
{
    cJSON *s = cJSON_CreateTrue();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "items", s);
        s = o;
    }
    return s;
}

/* [[[...]]] with n levels */
static cJSON *nested_arrays(int n)
{
    cJSON *x = cJSON_CreateArray();
    for (int i = 1; i < n; i++) {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, x);
        x = a;
    }
    return x;
}

START_TEST(test_depth)
{
    /* schema nesting */
    cJSON *s = nested_items(JSCHEMA_MAX_DEPTH), *x = nested_arrays(10);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_OK);
    cJSON_Delete(s);
    cJSON_Delete(x);
    s = nested_items(JSCHEMA_MAX_DEPTH + 1);
    ck_assert_int_eq(jschema_check_schema(s, ERR, sizeof(ERR)), CORE_EINVAL);
    ck_assert_ptr_nonnull(strstr(ERR, "schema at #/items/items/"));
    ck_assert_ptr_nonnull(strstr(ERR, " is nested too deeply (the limit is 64 levels)"));
    cJSON_Delete(s);

    /* recursion driven by the instance: each level is $ref + items */
    const char *rec = "{'$defs':{'n':{'type':'array','items':{'$ref':'#/$defs/n'}}},"
                      "'$ref':'#/$defs/n'}";
    s = json(rec);
    x = nested_arrays(JSCHEMA_MAX_DEPTH / 2);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_OK);
    cJSON_Delete(x);
    x = nested_arrays(JSCHEMA_MAX_DEPTH / 2 + 1);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    char want[256] = "";
    for (int i = 0; i < JSCHEMA_MAX_DEPTH / 2; i++)
        append(want, sizeof want, "[0]");
    append(want, sizeof want, ": is nested too deeply (the limit is 64 levels)");
    ck_assert_str_eq(ERR, want);
    cJSON_Delete(x);
    x = nested_arrays(900);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    ck_assert_ptr_nonnull(strstr(ERR, "is nested too deeply"));
    cJSON_Delete(x);
    cJSON_Delete(s);

    /* the same through anyOf (every depth has its anyOf) and if */
    s = json("{'$defs':{'n':{'anyOf':[{'type':'integer'},{'type':'array','items':{'if':{'$ref':"
             "'#/$defs/n'},'then':true,'else':false}}]}},'$ref':'#/$defs/n'}");
    x = nested_arrays(5);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_OK);
    cJSON_Delete(x);
    x = nested_arrays(200);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_EDECODE);
    ck_assert_ptr_nonnull(strstr(ERR, ": is nested too deeply (the limit is 64 levels)"));
    cJSON_Delete(x);
    cJSON_Delete(s);
}
END_TEST

START_TEST(test_long_location)
{
    /* locations longer than JSCHEMA_MAX_PATH are cut with "..." */
    cJSON *s = json("{'$defs':{'o':{'type':'object','additionalProperties':{'$ref':'#/$defs/o'}}},"
                    "'$ref':'#/$defs/o'}");
    const char *key = "abcdefghijklmnopqrstuvwxyz0123456789";
    cJSON *x = cJSON_CreateNumber(1), *top = x;
    for (int i = 0; i < 10; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, key, top);
        top = o;
    }
    ck_assert_int_eq(jschema_validate(s, top, ERR, sizeof(ERR)), CORE_EDECODE);
    const char *tail = "...: must be an object";
    ck_assert_uint_eq(strlen(ERR), JSCHEMA_MAX_PATH + strlen(tail));
    ck_assert_str_eq(ERR + JSCHEMA_MAX_PATH, tail);
    ck_assert(strncmp(ERR, key, strlen(key)) == 0);
    ck_assert(ERR[strlen(key)] == '.');
    cJSON_Delete(top);
    cJSON_Delete(s);
    /* a long member name is cut in the location */
    FAIL("{'additionalProperties':{'type':'integer'}}",
         "{'a very long member name with spaces in it, longer than forty bytes':'x'}",
         "[\"a very long member name with spaces in i...\"]: must be an integer");
    FAIL("{'additionalProperties':{'type':'integer'}}",
         "{'abcdefghijklmnopqrstuvwxyz012345678901234':'x'}",
         "[\"abcdefghijklmnopqrstuvwxyz01234567890123...\"]: must be an integer");
    FAIL("{'additionalProperties':{'type':'integer'}}",
         "{'abcdefghijklmnopqrstuvwxyz01234567890123':'x'}",
         "abcdefghijklmnopqrstuvwxyz01234567890123: must be an integer");
}
END_TEST

/* Every err_size from 0 to beyond the message: the output is the longest
 * prefix that fits and ends at a character boundary, always terminated,
 * and nothing is written past err_size. */
static void check_truncation(const cJSON *s, const cJSON *x, core_err want)
{
    char full[JSCHEMA_ERR_SIZE];
    core_err r = x != NULL ? jschema_validate(s, x, full, sizeof(full))
                           : jschema_check_schema(s, full, sizeof(full));
    ck_assert_int_eq(r, want);
    size_t n = strlen(full);
    ck_assert_uint_gt(n, 0);
    r = x != NULL ? jschema_validate(s, x, NULL, 0) : jschema_check_schema(s, NULL, 0);
    ck_assert_int_eq(r, want);
    for (size_t size = 1; size <= n + 2; size++) {
        char buf[JSCHEMA_ERR_SIZE + 8];
        memset(buf, '#', sizeof(buf));
        r = x != NULL ? jschema_validate(s, x, buf, size) : jschema_check_schema(s, buf, size);
        ck_assert_int_eq(r, want);
        size_t got = strnlen(buf, size);
        ck_assert_uint_lt(got, size);
        ck_assert(memcmp(buf, full, got) == 0);
        for (size_t i = size; i < sizeof(buf); i++)
            ck_assert(buf[i] == '#');
        size_t expect = n < size - 1 ? n : size - 1;
        while (expect > 0 && expect < n && ((unsigned char)full[expect] & 0xC0) == 0x80)
            expect--;
        ck_assert_uint_eq(got, expect);
    }
}

START_TEST(test_truncation)
{
    cJSON *s = json("{'additionalProperties':false}");
    cJSON *x = json("{'\xc3\xa9t\xc3\xa9\xf0\x9f\x98\x80':1}");
    check_truncation(s, x, CORE_EDECODE);
    char one[1] = {'X'};
    ck_assert_int_eq(jschema_validate(s, x, one, 1), CORE_EDECODE);
    ck_assert(one[0] == '\0');
    char small[6];
    ck_assert_int_eq(jschema_validate(s, x, small, sizeof(small)), CORE_EDECODE);
    ck_assert_str_eq(small, "(top ");
    cJSON_Delete(x);
    /* success clears err */
    x = json("{}");
    ck_assert_int_eq(jschema_validate(s, x, small, sizeof(small)), CORE_OK);
    ck_assert_str_eq(small, "");
    ck_assert_int_eq(jschema_validate(s, x, NULL, 0), CORE_OK);
    cJSON_Delete(x);
    cJSON_Delete(s);
    /* schema errors */
    s = json("{'properties':{'\xc3\xa9':{'patternProperties':{}}}}");
    check_truncation(s, NULL, CORE_EINVAL);
    x = cJSON_CreateNull();
    check_truncation(s, x, CORE_EINVAL);
    cJSON_Delete(x);
    cJSON_Delete(s);
    /* the longest messages still fit in JSCHEMA_ERR_SIZE */
    char pattern[JSCHEMA_MAX_PATTERN + 1], hint[400];
    memset(pattern, 'a', JSCHEMA_MAX_PATTERN);
    pattern[0] = '^';
    pattern[JSCHEMA_MAX_PATTERN] = '\0';
    memset(hint, 'h', sizeof(hint) - 1);
    hint[sizeof(hint) - 1] = '\0';
    s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "pattern", pattern);
    cJSON_AddStringToObject(s, "x-hint", hint);
    cJSON *wrap = cJSON_CreateObject(), *o = wrap;
    for (int i = 0; i < 8; i++) {
        cJSON *p = cJSON_AddObjectToObject(o, "additionalProperties");
        o = p;
    }
    cJSON_AddItemToObject(o, "additionalProperties", s);
    x = cJSON_CreateString("b");
    for (int i = 0; i < 9; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "a long member name that needs quotes!", x);
        x = p;
    }
    char big[JSCHEMA_ERR_SIZE + 100];
    ck_assert_int_eq(jschema_validate(wrap, x, big, sizeof(big)), CORE_EDECODE);
    ck_assert_uint_lt(strlen(big), JSCHEMA_ERR_SIZE);
    ck_assert_ptr_nonnull(strstr(big, "...: must match the pattern ^aaa"));
    ck_assert_ptr_nonnull(strstr(big, "hhh...)"));
    cJSON_Delete(x);
    cJSON_Delete(wrap);
}
END_TEST

START_TEST(test_not_modified)
{
    cJSON *s = json("{'$defs':{'n':{'type':'string','pattern':'^a'}},'properties':{'a':{'$ref':"
                    "'#/$defs/n'},'b':{'anyOf':[{'type':'integer'},{'uniqueItems':true}]}}}");
    cJSON *x = json("{'a':'abc','b':[1,2,{'c':[3]}],'c':null}");
    char *s0 = cJSON_PrintUnformatted(s), *x0 = cJSON_PrintUnformatted(x);
    ck_assert_int_eq(jschema_validate(s, x, ERR, sizeof(ERR)), CORE_OK);
    char *s1 = cJSON_PrintUnformatted(s), *x1 = cJSON_PrintUnformatted(x);
    ck_assert_str_eq(s0, s1);
    ck_assert_str_eq(x0, x1);
    free(s0);
    free(s1);
    free(x0);
    free(x1);
    cJSON_Delete(s);
    cJSON_Delete(x);
}
END_TEST

START_TEST(test_study_schema)
{
    /* the project's schema passes the check (skipped when run elsewhere) */
    FILE *fp = fopen("schema/study.schema.json", "rb");
    if (fp == NULL)
        return;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[n] = '\0';
    cJSON *s = cJSON_Parse(text);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(jschema_check_schema(s, ERR, sizeof(ERR)) == CORE_OK, "%s", ERR);
    cJSON_Delete(s);
}
END_TEST

TU_MAIN("jschema", 60, test_type, test_enum_const, test_numbers, test_strings, test_arrays,
        test_objects, test_boolean_schemas, test_pattern_anchors, test_pattern_classes,
        test_pattern_quantifiers, test_pattern_utf8, test_pattern_refused, test_pattern_messages,
        test_ref, test_allof_anyof, test_if_then_else, test_schema_check, test_depth,
        test_long_location, test_truncation, test_not_modified, test_study_schema)
