/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-error.h"
#include "sdag-json.h"

#include <math.h>

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
	return g_test_run();
}
