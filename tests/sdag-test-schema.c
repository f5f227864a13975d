/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A JSON Schema checker for the part of draft 2020-12 the schemas of tests/data use: type
 * (one or a list, "integer" being a number without a fraction), enum, const, required,
 * properties, additionalProperties (a boolean), items, minItems, maxItems, minimum, maximum,
 * minLength and $ref to "#/$defs/NAME". A keyword it does not know fails the check, so that a
 * schema never says more than is checked.
 */
#include "sdag-test-schema.h"

#include <string.h>

#include "sdag-json.h"

static const char *const known_keywords[] = {
    "$schema", "$id",	   "$defs",    "$comment", "title",	 "description",
    "type",    "enum",	   "const",    "required", "properties", "additionalProperties",
    "items",   "minItems", "maxItems", "minimum",  "maximum",	 "minLength",
    "$ref",    NULL};

/* Returns: (transfer full): the schema in tests/data/@name */
JsonNode *
sdag_test_schema_load(const char *name)
{
	g_autofree char *path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "tests", "data", name, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	JsonNode *node;

	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	node = sdag_json_parse(text, -1, &error);
	g_assert_no_error(error);
	return node;
}

static const char *
type_of(JsonNode *v)
{
	if (JSON_NODE_HOLDS_NULL(v))
		return "null";
	if (JSON_NODE_HOLDS_OBJECT(v))
		return "object";
	if (JSON_NODE_HOLDS_ARRAY(v))
		return "array";
	switch (json_node_get_value_type(v)) {
	case G_TYPE_STRING:
		return "string";
	case G_TYPE_BOOLEAN:
		return "boolean";
	case G_TYPE_INT64:
		return "integer";
	default:
		return "number";
	}
}

static gboolean
type_matches(const char *want, JsonNode *v)
{
	const char *have = type_of(v);

	if (g_strcmp0(want, have) == 0)
		return TRUE;
	if (g_strcmp0(want, "number") == 0 && g_strcmp0(have, "integer") == 0)
		return TRUE;
	/* 3.0 is an integer to JSON Schema */
	if (g_strcmp0(want, "integer") == 0 && g_strcmp0(have, "number") == 0) {
		double d = json_node_get_double(v);
		return d == (double)(gint64)d;
	}
	return FALSE;
}

static gboolean
values_equal(JsonNode *a, JsonNode *b)
{
	g_autofree char *x = sdag_json_to_string(a);
	g_autofree char *y = sdag_json_to_string(b);

	return g_strcmp0(x, y) == 0;
}

static double
number_of(JsonNode *v)
{
	return json_node_get_value_type(v) == G_TYPE_INT64 ? (double)json_node_get_int(v)
							   : json_node_get_double(v);
}

static gboolean
check(JsonObject *root, JsonNode *schema, JsonNode *v, const char *at, GString *out);

static gboolean
check_object(JsonObject *root, JsonObject *s, JsonNode *v, const char *at, GString *out)
{
	JsonObject *o = json_node_get_object(v);
	JsonObject *props = json_object_has_member(s, "properties")
				? json_object_get_object_member(s, "properties")
				: NULL;
	gboolean ok = TRUE;

	if (json_object_has_member(s, "required")) {
		JsonArray *req = json_object_get_array_member(s, "required");
		for (guint i = 0; i < json_array_get_length(req); i++) {
			const char *name = json_array_get_string_element(req, i);
			if (!json_object_has_member(o, name)) {
				g_string_append_printf(out, "%s: '%s' is missing\n", at, name);
				ok = FALSE;
			}
		}
	}
	{
		g_autoptr(GList) members = json_object_get_members(o);
		for (GList *l = members; l != NULL; l = l->next) {
			g_autofree char *sub = g_strdup_printf("%s.%s", at, (const char *)l->data);
			JsonNode *ps = props != NULL ? json_object_get_member(props, l->data)
						     : NULL;

			if (ps != NULL) {
				ok &= check(root, ps, json_object_get_member(o, l->data), sub, out);
			} else if (json_object_has_member(s, "additionalProperties") &&
				   !json_object_get_boolean_member(s, "additionalProperties")) {
				g_string_append_printf(out, "%s: not allowed\n", sub);
				ok = FALSE;
			}
		}
	}
	return ok;
}

static gboolean
check(JsonObject *root, JsonNode *schema, JsonNode *v, const char *at, GString *out)
{
	JsonObject *s = json_node_get_object(schema);
	g_autoptr(GList) keys = json_object_get_members(s);
	gboolean ok = TRUE;

	for (GList *l = keys; l != NULL; l = l->next)
		g_assert_true(g_strv_contains(known_keywords, l->data));
	if (json_object_has_member(s, "$ref")) {
		const char *ref = json_object_get_string_member(s, "$ref");
		g_assert_true(g_str_has_prefix(ref, "#/$defs/"));
		return check(root,
			     json_object_get_member(json_object_get_object_member(root, "$defs"),
						    ref + strlen("#/$defs/")),
			     v,
			     at,
			     out);
	}
	if (json_object_has_member(s, "type")) {
		JsonNode *t = json_object_get_member(s, "type");
		gboolean any = FALSE;

		if (JSON_NODE_HOLDS_ARRAY(t)) {
			JsonArray *ts = json_node_get_array(t);
			for (guint i = 0; i < json_array_get_length(ts); i++)
				any |= type_matches(json_array_get_string_element(ts, i), v);
		} else {
			any = type_matches(json_node_get_string(t), v);
		}
		if (!any) {
			g_string_append_printf(
			    out, "%s: a %s is not of the type asked\n", at, type_of(v));
			return FALSE;
		}
	}
	if (json_object_has_member(s, "const") &&
	    !values_equal(json_object_get_member(s, "const"), v)) {
		g_string_append_printf(out, "%s: not the constant asked\n", at);
		ok = FALSE;
	}
	if (json_object_has_member(s, "enum")) {
		JsonArray *e = json_object_get_array_member(s, "enum");
		gboolean found = FALSE;
		for (guint i = 0; i < json_array_get_length(e); i++)
			found |= values_equal(json_array_get_element(e, i), v);
		if (!found) {
			g_autofree char *text = sdag_json_to_string(v);
			g_string_append_printf(
			    out, "%s: %s is not one of the values allowed\n", at, text);
			ok = FALSE;
		}
	}
	if (JSON_NODE_HOLDS_VALUE(v) && g_strcmp0(type_of(v), "string") != 0 &&
	    g_strcmp0(type_of(v), "boolean") != 0) {
		double d = number_of(v);
		if (json_object_has_member(s, "minimum") &&
		    d < json_object_get_double_member(s, "minimum")) {
			g_string_append_printf(out, "%s: %g is below the minimum\n", at, d);
			ok = FALSE;
		}
		if (json_object_has_member(s, "maximum") &&
		    d > json_object_get_double_member(s, "maximum")) {
			g_string_append_printf(out, "%s: %g is above the maximum\n", at, d);
			ok = FALSE;
		}
	}
	if (g_strcmp0(type_of(v), "string") == 0 && json_object_has_member(s, "minLength") &&
	    (gint64)g_utf8_strlen(json_node_get_string(v), -1) <
		json_object_get_int_member(s, "minLength")) {
		g_string_append_printf(out, "%s: too short\n", at);
		ok = FALSE;
	}
	if (JSON_NODE_HOLDS_ARRAY(v)) {
		JsonArray *a = json_node_get_array(v);
		guint n = json_array_get_length(a);

		if (json_object_has_member(s, "minItems") &&
		    n < (guint)json_object_get_int_member(s, "minItems")) {
			g_string_append_printf(out, "%s: %u items are too few\n", at, n);
			ok = FALSE;
		}
		if (json_object_has_member(s, "maxItems") &&
		    n > (guint)json_object_get_int_member(s, "maxItems")) {
			g_string_append_printf(out, "%s: %u items are too many\n", at, n);
			ok = FALSE;
		}
		if (json_object_has_member(s, "items")) {
			for (guint i = 0; i < n; i++) {
				g_autofree char *sub = g_strdup_printf("%s[%u]", at, i);
				ok &= check(root,
					    json_object_get_member(s, "items"),
					    json_array_get_element(a, i),
					    sub,
					    out);
			}
		}
	}
	if (JSON_NODE_HOLDS_OBJECT(v))
		ok &= check_object(root, s, v, at, out);
	return ok;
}

/* Whether @value is valid; each problem is a line of @problems, named by its path. */
gboolean
sdag_test_schema_check(JsonNode *schema, JsonNode *value, GString *problems)
{
	return check(json_node_get_object(schema), schema, value, "$", problems);
}
