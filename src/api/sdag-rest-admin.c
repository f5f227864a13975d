/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The administrators' routes of REST: the consistency check, the online backup and the
 * explicit pruning of ended jobs. Their scope (admin) is in the route table of sdag-rest.c.
 */
#define G_LOG_DOMAIN "sdag-rest"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-query.h"
#include "sdag-rest-private.h"

/* The answer waits, without blocking the loop, for the work on a worker thread. */
static void
sdag_rest_admin_start(SdagRest *self, SoupServerMessage *msg, const char *backup_dir)
{
	g_autoptr(GError) error = NULL;

	soup_server_message_pause(msg);
	if (!self->svc.admin(self->svc.admin_data,
			     backup_dir,
			     sdag_rest_answer_paused,
			     g_object_ref(msg),
			     &error)) {
		g_object_unref(msg);
		sdag_rest_reply_error(msg, error);
		soup_server_message_unpause(msg);
	}
}

void
sdag_rest_admin_fsck(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	if (query != NULL && g_hash_table_size(query) > 0) {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_REQUEST, "GET /admin/fsck takes no query parameter");
		return;
	}
	sdag_rest_admin_start(self, msg, NULL);
}

/* Only the members in @known, each of the JSON type asked; answers 400 itself. */
static JsonObject *
sdag_rest_admin_body(SoupServerMessage *msg, JsonNode *body, const char *const *known)
{
	JsonObject *obj;
	JsonObjectIter iter;
	const char *name;

	if (!JSON_NODE_HOLDS_OBJECT(body)) {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_REQUEST, "the body must be a JSON object");
		return NULL;
	}
	obj = json_node_get_object(body);
	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &name, NULL)) {
		if (!g_strv_contains(known, name)) {
			g_autofree char *list = g_strjoinv(", ", (char **)known);
			sdag_rest_reply_new_error(msg,
						  SDAG_ERROR_BAD_REQUEST,
						  "unknown member '%s' (known: %s)",
						  name,
						  list);
			return NULL;
		}
	}
	return obj;
}

static const char *
sdag_rest_admin_string(SoupServerMessage *msg, JsonObject *obj, const char *name, gboolean required)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL && !required)
		return "";
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING ||
	    json_node_get_string(node)[0] == '\0') {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_REQUEST, "'%s' must be a non-empty string", name);
		return NULL;
	}
	return json_node_get_string(node);
}

void
sdag_rest_admin_backup(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	const char *const known[] = {"dir", NULL};
	g_autoptr(JsonNode) body = sdag_rest_read_json(msg);
	JsonObject *obj;
	const char *dir;

	if (body == NULL)
		return;
	obj = sdag_rest_admin_body(msg, body, known);
	if (obj == NULL)
		return;
	dir = sdag_rest_admin_string(msg, obj, "dir", TRUE);
	if (dir == NULL)
		return;
	sdag_rest_admin_start(self, msg, dir);
}

/* {"before", "status": a status or a list of them, "pipeline_id", "dry_run"} */
void
sdag_rest_jobs_prune(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	const char *const known[] = {"before", "status", "pipeline_id", "dry_run", NULL};
	g_autoptr(JsonNode) body = sdag_rest_read_json(msg);
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) statuses = g_array_new(FALSE, FALSE, sizeof(SdagJobStatus));
	JsonObject *obj;
	JsonNode *status;
	JsonNode *dry;
	const char *before;
	const char *pipeline_id;
	gint64 before_us = 0;

	if (body == NULL)
		return;
	obj = sdag_rest_admin_body(msg, body, known);
	if (obj == NULL)
		return;
	before = sdag_rest_admin_string(msg, obj, "before", TRUE);
	pipeline_id = before != NULL ? sdag_rest_admin_string(msg, obj, "pipeline_id", FALSE)
				     : NULL;
	if (before == NULL || pipeline_id == NULL)
		return;
	if (!sdag_query_time_parse("before", before, &before_us, &error)) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	status = json_object_get_member(obj, "status");
	if (status != NULL) {
		g_autoptr(JsonArray) one = NULL;
		JsonArray *list;

		if (JSON_NODE_HOLDS_ARRAY(status)) {
			list = json_node_get_array(status);
		} else {
			one = json_array_new();
			json_array_add_element(one, json_node_copy(status));
			list = one;
		}
		for (guint i = 0; i < json_array_get_length(list); i++) {
			JsonNode *n = json_array_get_element(list, i);
			SdagJobStatus st;

			if (!JSON_NODE_HOLDS_VALUE(n) ||
			    json_node_get_value_type(n) != G_TYPE_STRING ||
			    !sdag_job_status_from_string(json_node_get_string(n), &st)) {
				sdag_rest_reply_new_error(msg,
							  SDAG_ERROR_BAD_STATUS,
							  "'status' must be completed, failed or "
							  "cancelled, or a list of them");
				return;
			}
			g_array_append_val(statuses, st);
		}
		if (statuses->len == 0) {
			sdag_rest_reply_new_error(
			    msg, SDAG_ERROR_BAD_STATUS, "'status' must not be an empty list");
			return;
		}
	}
	dry = json_object_get_member(obj, "dry_run");
	if (dry != NULL &&
	    (!JSON_NODE_HOLDS_VALUE(dry) || json_node_get_value_type(dry) != G_TYPE_BOOLEAN)) {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_REQUEST, "'dry_run' must be true or false");
		return;
	}
	answer = sdag_jobs_prune(self->svc.jobs,
				 before_us,
				 status != NULL ? (const SdagJobStatus *)statuses->data : NULL,
				 statuses->len,
				 pipeline_id[0] != '\0' ? pipeline_id : NULL,
				 dry != NULL && json_node_get_boolean(dry),
				 &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, answer);
}
