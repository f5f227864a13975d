/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-error.h"
#include "sdag-json.h"

#include <math.h>
#include <string.h>

static char *
roundtrip(const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = sdag_json_parse(text, -1, &error);

	g_assert_no_error(error);
	return sdag_json_to_string(node);
}

/* Doubles are written in the fewest digits that read back exactly. */
static void
json_doubles(void)
{
	const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"[0.3]", "[0.3]"},
	    {"[1.0]", "[1.0]"},
	    {"[-0.5]", "[-0.5]"},
	    {"[0.30000000000000004]", "[0.30000000000000004]"},
	    {"[1e300]", "[1e+300]"},
	    {"[2.5e-7]", "[2.5e-07]"},
	    {"[123456789.125]", "[123456789.125]"},
	    {"[42]", "[42]"},
	    {"[-9007199254740993]", "[-9007199254740993]"},
	    /* no exponent for the everyday sizes of boxes and times */
	    {"[10.0]", "[10.0]"},
	    {"[640.0]", "[640.0]"},
	    {"[-20.0]", "[-20.0]"},
	    {"[1e6]", "[1000000.0]"},
	    {"[1.5e3]", "[1500.0]"},
	    {"[1e15]", "[1000000000000000.0]"},
	    {"[1e16]", "[1e+16]"},
	    {"[0.0001]", "[0.0001]"},
	    {"[0.00001]", "[1e-05]"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = roundtrip(cases[i].in);
		g_assert_cmpstr(out, ==, cases[i].out);
	}
}

static void
json_non_finite(void)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
	g_autofree char *out = NULL;

	json_node_set_double(node, INFINITY);
	out = sdag_json_to_string(node);
	g_assert_cmpstr(out, ==, "null");
}

static void
json_strings(void)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
	g_autofree char *out = NULL;
	g_autofree char *back = NULL;
	g_autoptr(JsonNode) parsed = NULL;
	const char *tricky = "q\"b\\n\nr\rt\t\x01 caf\xc3\xa9";

	json_node_set_string(node, tricky);
	out = sdag_json_to_string(node);
	g_assert_cmpstr(out, ==, "\"q\\\"b\\\\n\\nr\\rt\\t\\u0001 caf\xc3\xa9\"");
	/* and it reads back as the same string */
	parsed = sdag_json_parse(out, -1, NULL);
	g_assert_cmpstr(json_node_get_string(parsed), ==, tricky);
	back = sdag_json_to_string(parsed);
	g_assert_cmpstr(back, ==, out);
}

static void
json_shapes(void)
{
	g_autofree char *compact =
	    roundtrip("{ \"b\" : [ ], \"a\" : { }, \"c\": [true, false, null, \"x\"] }");
	g_autoptr(JsonNode) node = sdag_json_parse("{\"k\":[1,{\"z\":2}],\"e\":{}}", -1, NULL);
	g_autofree char *pretty = sdag_json_to_string_pretty(node);

	g_assert_cmpstr(compact, ==, "{\"b\":[],\"a\":{},\"c\":[true,false,null,\"x\"]}");
	g_assert_cmpstr(
	    pretty,
	    ==,
	    "{\n  \"k\": [\n    1,\n    {\n      \"z\": 2\n    }\n  ],\n  \"e\": {}\n}");
}

static void
json_canonicalize(void)
{
	g_autoptr(JsonNode) a =
	    sdag_json_parse("{\"b\":1,\"a\":{\"d\":[{\"y\":1,\"x\":2}],\"c\":3}}", -1, NULL);
	g_autoptr(JsonNode) ca = sdag_json_canonicalize(a);
	g_autofree char *text = sdag_json_to_string(ca);

	g_assert_cmpstr(text, ==, "{\"a\":{\"c\":3,\"d\":[{\"x\":2,\"y\":1}]},\"b\":1}");
}

static void
json_parse_errors(void)
{
	const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "nul"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) node = sdag_json_parse(bad[i], -1, &error);
		g_assert_null(node);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
	}
}

static void
json_timestamp(void)
{
	g_autofree char *ts = sdag_json_timestamp(G_GINT64_CONSTANT(1795552800123456));

	g_assert_cmpstr(ts, ==, "2026-11-24T20:40:00.123Z");
}

static void
json_error_body(void)
{
	g_autoptr(JsonNode) details = sdag_json_parse("{\"n\":1}", -1, NULL);
	g_autoptr(JsonNode) with =
	    sdag_json_error_new("conflict", "it \"exists\"", g_steal_pointer(&details));
	g_autoptr(JsonNode) without = sdag_json_error_new("not_found", "gone", NULL);
	g_autofree char *a = sdag_json_to_string(with);
	g_autofree char *b = sdag_json_to_string(without);

	g_assert_cmpstr(a,
			==,
			"{\"error\":{\"code\":\"conflict\",\"message\":\"it "
			"\\\"exists\\\"\",\"details\":{\"n\":1}}}");
	g_assert_cmpstr(
	    b, ==, "{\"error\":{\"code\":\"not_found\",\"message\":\"gone\",\"details\":null}}");
}

static void
json_error_table(void)
{
	g_assert_cmpstr(sdag_error_code_to_string(SDAG_ERROR_CONFLICT), ==, "conflict");
	g_assert_cmpuint(sdag_error_code_to_http_status(SDAG_ERROR_CONFLICT), ==, 409);
	g_assert_cmpuint(sdag_error_code_to_http_status(SDAG_ERROR_PAYLOAD_TOO_LARGE), ==, 413);
	/* a code outside the table is an internal error, never a crash */
	g_assert_cmpstr(sdag_error_code_to_string((SdagError)999), ==, "internal");
	g_assert_cmpuint(sdag_error_code_to_http_status((SdagError)999), ==, 500);
	for (guint i = 0; i < SDAG_ERROR_LAST; i++) {
		g_assert_nonnull(sdag_error_code_to_string((SdagError)i));
		g_assert_cmpuint(sdag_error_code_to_http_status((SdagError)i), >=, 400);
	}
}

/* What every JSON the daemon reads goes through (sdag_json_check): one row per
 * rule, each with a fragment its message must hold; @len -1 is strlen. */
typedef struct {
	const char *name;
	const char *text;
	gssize len;
	const char *message; /* NULL: accepted */
} JsonCheckCase;

static const JsonCheckCase json_check_cases[] = {
    {"pair", "{\"s\":\"\\ud83d\\ude00\"}", -1, NULL},
    {"raw-utf8", "{\"s\":\"caf\xc3\xa9 \xe2\x82\xac\"}", -1, NULL},
    {"escapes", "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"]", -1, NULL},
    {"numbers", "[0, -0, -0.5e+10, 1E3, 12.25, 7e-2]", -1, NULL},
    {"scalar", " true ", -1, NULL},
    {"depth-64",
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
     -1,
     NULL},
    {"depth-65",
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
     -1,
     "line 1, column 65: nested deeper than 64 levels"},
    {"lone-high",
     "{\"video_url\":\"file:///m/vtest.avi?\\ud800x\"}",
     -1,
     "the string holds a lone UTF-16 surrogate at $.video_url"},
    {"lone-high-at-end", "{\"d\":\"a\\ud800\"}", -1, "lone UTF-16 surrogate at $.d"},
    {"high-then-ascii", "{\"d\":\"\\uD800\\u0041\"}", -1, "lone UTF-16 surrogate at $.d"},
    {"lone-low", "[\"x\",\"\\udc00\"]", -1, "lone UTF-16 surrogate at $[1]"},
    {"nested-path",
     "{\"nodes\":[{\"id\":\"a\"},{\"id\":\"b\",\"params\":{\"zone\":\"\\ud800\"}}]}",
     -1,
     "lone UTF-16 surrogate at $.nodes[1].params.zone"},
    {"nul-escape",
     "{\"pipeline_id\":\"okid5\\u0000x\"}",
     -1,
     "holds a NUL character at $.pipeline_id"},
    {"nul-in-name",
     "{\"options\":{\"stride\\u0000\":1}}",
     -1,
     "a member name holds a NUL character at $.options"},
    {"raw-nul", "{\"a\":\"x\0y\"}", 11, "a control character in a string must be escaped"},
    {"raw-newline", "{\"a\":\"x\ny\"}", -1, "line 1, column 8: a control character"},
    {"bad-utf8", "{\"a\":[\"ok\",\"\xff\xfe\"]}", -1, "is not valid UTF-8 (byte 0xff) at $.a[1]"},
    {"cesu-surrogate",
     "{\"d\":\"a\xed\xa0\x80\x62\"}",
     -1,
     "is not valid UTF-8 (byte 0xed) at $.d"},
    {"bad-utf8-name", "{\"\xc3\":1}", -1, "a member name is not valid UTF-8"},
    {"trailing-comma-object", "{\"a\":1,}", -1, "line 1, column 8: expected a member name"},
    {"trailing-comma-array", "[1,]", -1, "line 1, column 4: unexpected character"},
    {"trailing-content", "{}\n{}", -1, "line 2, column 1: unexpected content after the document"},
    {"unterminated", "{\"a\":\"abc", -1, "unterminated string"},
    {"bad-escape", "[\"\\x41\"]", -1, "bad escape in a string"},
    {"short-u-escape", "[\"\\u12\"]", -1, "bad \\u escape"},
    {"bad-fraction", "[1.]", -1, "bad number"},
    {"bad-exponent", "[1e+]", -1, "bad number"},
    {"leading-zero", "[01]", -1, "expected ',' or ']'"},
    {"plus-sign", "[+1]", -1, "unexpected character"},
    {"bad-literal", "[tru]", -1, "unexpected character"},
    {"missing-colon", "{\"a\" 1}", -1, "expected ':'"},
    {"missing-close", "{\"a\":1", -1, "expected ',' or '}'"},
    {"bom", "\xef\xbb\xbf{}", -1, "line 1, column 1: unexpected character"},
    {"blank", " \n\t ", -1, "empty document"},
    /* a parse error names a position, never the text: here a password */
    {"no-echo",
     "{\"video_url\":\"rtsp://u:S3cret@cam/x\" \"b\"}",
     -1,
     "line 1, column 38: expected ',' or '}'"},
};

static void
json_check_case(gconstpointer data)
{
	const JsonCheckCase *tc = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = sdag_json_parse(tc->text, tc->len, &error);

	if (tc->message == NULL) {
		g_assert_no_error(error);
		g_assert_nonnull(node);
		return;
	}
	g_assert_null(node);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
	if (strstr(error->message, tc->message) == NULL)
		g_error("'%s': message '%s' lacks '%s'", tc->name, error->message, tc->message);
	g_assert_null(strstr(error->message, "S3cret"));
}

/* Far deeper than the limit, as a hostile body would be: refused at the limit, before any
 * parser recurses (json-glib overflowed its stack on 80,000 levels). */
static void
json_check_deep(gconstpointer data)
{
	gboolean objects = GPOINTER_TO_INT(data);
	GString *text = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = NULL;

	for (guint i = 0; i < 100000; i++)
		g_string_append(text, objects ? "{\"a\":" : "[");
	node = sdag_json_parse(text->str, (gssize)text->len, &error);
	g_assert_null(node);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
	g_assert_nonnull(strstr(error->message, "nested deeper than 64 levels"));
	g_string_free(text, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdag/json/doubles", json_doubles);
	g_test_add_func("/sdag/json/non-finite", json_non_finite);
	g_test_add_func("/sdag/json/strings", json_strings);
	g_test_add_func("/sdag/json/shapes", json_shapes);
	g_test_add_func("/sdag/json/canonicalize", json_canonicalize);
	g_test_add_func("/sdag/json/parse-errors", json_parse_errors);
	g_test_add_func("/sdag/json/timestamp", json_timestamp);
	g_test_add_func("/sdag/json/error-body", json_error_body);
	g_test_add_func("/sdag/json/error-table", json_error_table);
	for (guint i = 0; i < G_N_ELEMENTS(json_check_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/json/check/%s", json_check_cases[i].name);
		g_test_add_data_func(path, &json_check_cases[i], json_check_case);
	}
	g_test_add_data_func(
	    "/sdag/json/check/deep-arrays", GINT_TO_POINTER(FALSE), json_check_deep);
	g_test_add_data_func(
	    "/sdag/json/check/deep-objects", GINT_TO_POINTER(TRUE), json_check_deep);
	return g_test_run();
}
