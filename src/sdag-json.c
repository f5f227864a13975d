/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-json"

#include "sdag-json.h"

#include "sdag-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/**
 * sdag_json_parse:
 * @data: JSON text, not necessarily NUL-terminated
 * @len: its length, or -1 when NUL-terminated
 *
 * Returns: (transfer full): the root node, or NULL with SDAG_ERROR_BAD_JSON
 */
JsonNode *
sdag_json_parse(const char *data, gssize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error_local = NULL;
	JsonNode *root;

	if (data == NULL || len == 0) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "empty body");
		return NULL;
	}
	if (!json_parser_load_from_data(parser, data, len, &error_local)) {
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "%s", error_local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "empty document");
		return NULL;
	}
	return json_node_copy(root);
}

static gint
sdag_json_strcmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * sdag_json_canonicalize:
 *
 * A deep copy whose objects have their members sorted by name, so that two
 * documents that differ only in member order or white space serialise to the
 * same bytes. Arrays keep their order: it is meaningful.
 *
 * Returns: (transfer full): a new node
 */
JsonNode *
sdag_json_canonicalize(JsonNode *node)
{
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *obj = json_node_get_object(node);
		g_autoptr(JsonObject) sorted = json_object_new();
		g_autoptr(GPtrArray) names = g_ptr_array_new();
		g_autoptr(GList) members = json_object_get_members(obj);
		JsonNode *res;

		for (GList *l = members; l != NULL; l = l->next)
			g_ptr_array_add(names, l->data);
		g_ptr_array_sort(names, sdag_json_strcmp_cb);
		for (guint i = 0; i < names->len; i++) {
			const char *name = g_ptr_array_index(names, i);
			json_object_set_member(
			    sorted,
			    name,
			    sdag_json_canonicalize(json_object_get_member(obj, name)));
		}
		res = json_node_new(JSON_NODE_OBJECT);
		json_node_set_object(res, sorted);
		return res;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *arr = json_node_get_array(node);
		g_autoptr(JsonArray) copy = json_array_sized_new(json_array_get_length(arr));
		JsonNode *res;

		for (guint i = 0; i < json_array_get_length(arr); i++)
			json_array_add_element(
			    copy, sdag_json_canonicalize(json_array_get_element(arr, i)));
		res = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(res, copy);
		return res;
	}
	return json_node_copy(node);
}

static void
sdag_json_append_string(GString *out, const char *str)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)str; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

/*
 * The shortest "%.Ng" that reads back as the same double, so that 0.3 is
 * written 0.3 and not 0.29999999999999999; a ".0" keeps integral doubles
 * doubles. Non-finite values have no JSON form and are written as null.
 * Like Python's repr, the exponent form is kept for exponents below -4 or
 * above 15 only: "%g" alone would write 10.0 as 1e+01 and a box of 640
 * pixels as 6.4e+02.
 */
static void
sdag_json_append_double(GString *out, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	const char *e;
	int prec;

	if (!isfinite(v)) {
		g_string_append(out, "null");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		char fmt[8];

		g_snprintf(fmt, sizeof(fmt), "%%.%dg", prec);
		g_ascii_formatd(buf, sizeof(buf), fmt, v);
		if (g_ascii_strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	if (e != NULL) {
		int exp10 = atoi(e + 1);

		if (exp10 >= -4 && exp10 < 16) {
			char fmt[8];

			/* the same prec significant digits, written out */
			g_snprintf(fmt, sizeof(fmt), "%%.%df", MAX(0, prec - 1 - exp10));
			g_ascii_formatd(buf, sizeof(buf), fmt, v);
		}
	}
	g_string_append(out, buf);
	if (strpbrk(buf, ".eEn") == NULL)
		g_string_append(out, ".0");
}

static void
sdag_json_append(GString *out, JsonNode *node, int indent)
{
	const char *nl = indent >= 0 ? "\n" : "";
	const char *sep = indent >= 0 ? ": " : ":";

	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT: {
		JsonObject *obj = json_node_get_object(node);
		g_autoptr(GList) members = json_object_get_members(obj);

		if (members == NULL) {
			g_string_append(out, "{}");
			break;
		}
		g_string_append_printf(out, "{%s", nl);
		for (GList *l = members; l != NULL; l = l->next) {
			if (indent >= 0)
				g_string_append_printf(out, "%*s", (indent + 1) * 2, "");
			sdag_json_append_string(out, l->data);
			g_string_append(out, sep);
			sdag_json_append(out,
					 json_object_get_member(obj, l->data),
					 indent >= 0 ? indent + 1 : -1);
			g_string_append_printf(out, "%s%s", l->next != NULL ? "," : "", nl);
		}
		if (indent >= 0)
			g_string_append_printf(out, "%*s", indent * 2, "");
		g_string_append_c(out, '}');
		break;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *arr = json_node_get_array(node);
		guint n = json_array_get_length(arr);

		if (n == 0) {
			g_string_append(out, "[]");
			break;
		}
		g_string_append_printf(out, "[%s", nl);
		for (guint i = 0; i < n; i++) {
			if (indent >= 0)
				g_string_append_printf(out, "%*s", (indent + 1) * 2, "");
			sdag_json_append(
			    out, json_array_get_element(arr, i), indent >= 0 ? indent + 1 : -1);
			g_string_append_printf(out, "%s%s", i + 1 < n ? "," : "", nl);
		}
		if (indent >= 0)
			g_string_append_printf(out, "%*s", indent * 2, "");
		g_string_append_c(out, ']');
		break;
	}
	case JSON_NODE_NULL:
		g_string_append(out, "null");
		break;
	case JSON_NODE_VALUE:
		switch (json_node_get_value_type(node)) {
		case G_TYPE_INT64:
			g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
			break;
		case G_TYPE_DOUBLE:
			sdag_json_append_double(out, json_node_get_double(node));
			break;
		case G_TYPE_BOOLEAN:
			g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
			break;
		case G_TYPE_STRING:
			sdag_json_append_string(out, json_node_get_string(node));
			break;
		default:
			g_string_append(out, "null");
			break;
		}
		break;
	}
}

/**
 * sdag_json_to_string:
 *
 * Serialises without json-glib's generator, which writes every double with
 * 17 significant digits; see sdag_json_append_double().
 *
 * Returns: (transfer full): compact JSON text
 */
char *
sdag_json_to_string(JsonNode *node)
{
	GString *out = g_string_new(NULL);

	sdag_json_append(out, node, -1);
	return g_string_free(out, FALSE);
}

/* Returns: (transfer full): JSON text indented by two spaces per level */
char *
sdag_json_to_string_pretty(JsonNode *node)
{
	GString *out = g_string_new(NULL);

	sdag_json_append(out, node, 0);
	return g_string_free(out, FALSE);
}

/* Returns: (transfer full): RFC 3339 UTC time with milliseconds */
char *
sdag_json_timestamp(gint64 unix_us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
	g_autofree char *base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%03dZ", base, (int)((unix_us % G_USEC_PER_SEC) / 1000));
}

/**
 * sdag_json_error_new:
 * @details: (transfer full) (nullable): extra data for the client
 *
 * Returns: (transfer full): `{"error": {"code", "message", "details"}}`
 */
JsonNode *
sdag_json_error_new(const char *code, const char *message, JsonNode *details)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "code");
	json_builder_add_string_value(b, code);
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, message);
	json_builder_set_member_name(b, "details");
	if (details != NULL)
		json_builder_add_value(b, details);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
