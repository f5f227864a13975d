/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-json"

#include "sdag-json.h"

#include "sdag-error.h"

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

/* Returns: (transfer full): compact JSON text */
char *
sdag_json_to_string(JsonNode *node)
{
	return json_to_string(node, FALSE);
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
