/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera routes of REST: each parses the path and the body, calls the cameras service
 * and answers. Their scopes are in the route table of sdag-rest.c.
 */
#define G_LOG_DOMAIN "sdag-rest"

#include <string.h>

#include "sdag-camera.h"
#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-rest-private.h"
#include "sdag-ws.h"

/* Answers the camera as GET /cameras/{name} shows it, with @status. */
static void
sdag_rest_reply_camera(SdagRest *self, SoupServerMessage *msg, guint status, const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = sdag_cameras_describe(self->svc.cameras, name, &error);

	if (node == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, status, node);
}

/* The path's name checked first, so that a name that could never exist says why. */
static gboolean
sdag_rest_camera_name(SoupServerMessage *msg, const char *arg)
{
	g_autoptr(GError) error = NULL;

	if (sdag_camera_check_name(arg, &error))
		return TRUE;
	sdag_rest_reply_error(msg, error);
	return FALSE;
}

void
sdag_rest_cameras_list(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GPtrArray) all = sdag_cameras_list(self->svc.cameras);
	g_autoptr(JsonObject) out = json_object_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	JsonArray *arr = json_array_new();

	for (guint i = 0; i < all->len; i++) {
		const SdagCamera *cam = g_ptr_array_index(all, i);
		JsonNode *one = sdag_cameras_describe(self->svc.cameras, cam->name, NULL);

		json_array_add_element(arr, one);
	}
	json_object_set_array_member(out, "cameras", arr);
	json_node_set_object(root, out);
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, root);
}

void
sdag_rest_camera_get(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	if (sdag_rest_camera_name(msg, arg))
		sdag_rest_reply_camera(self, msg, SOUP_STATUS_OK, arg);
}

void
sdag_rest_camera_put(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(JsonNode) body = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *location = NULL;
	gboolean created = FALSE;

	if (!sdag_rest_camera_name(msg, arg))
		return;
	body = sdag_rest_read_json(msg);
	if (body == NULL)
		return;
	if (sdag_cameras_put(self->svc.cameras, arg, body, &created, &error) == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	location = g_strdup_printf("/cameras/%s", arg);
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(msg), "Location", location);
	sdag_rest_reply_camera(self, msg, created ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, arg);
}

void
sdag_rest_camera_delete(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;

	if (!sdag_rest_camera_name(msg, arg))
		return;
	if (!sdag_cameras_delete(self->svc.cameras, arg, &error)) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
sdag_rest_camera_set_enabled(SdagRest *self,
			     SoupServerMessage *msg,
			     const char *arg,
			     gboolean enabled)
{
	g_autoptr(GError) error = NULL;

	if (!sdag_rest_camera_name(msg, arg))
		return;
	if (!sdag_cameras_set_enabled(self->svc.cameras, arg, enabled, &error)) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_camera(self, msg, SOUP_STATUS_OK, arg);
}

void
sdag_rest_camera_enable(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	sdag_rest_camera_set_enabled(self, msg, arg, TRUE);
}

void
sdag_rest_camera_disable(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	sdag_rest_camera_set_enabled(self, msg, arg, FALSE);
}

/* The id of the camera's last job; answers 404 itself when it has none. */
static const char *
sdag_rest_camera_job(SdagRest *self, SoupServerMessage *msg, const char *arg)
{
	g_autoptr(GError) error = NULL;
	const char *problem = NULL;
	const char *job_id;

	if (!sdag_rest_camera_name(msg, arg))
		return NULL;
	if (sdag_cameras_get(self->svc.cameras, arg, &error) == NULL) {
		sdag_rest_reply_error(msg, error);
		return NULL;
	}
	job_id = sdag_cameras_get_job(self->svc.cameras, arg, &problem);
	if (job_id == NULL)
		sdag_rest_reply_new_error(msg,
					  SDAG_ERROR_JOB_NOT_FOUND,
					  "camera '%s' has run no job%s%s",
					  arg,
					  problem != NULL ? ": " : "",
					  problem != NULL ? problem : "");
	return job_id;
}

void
sdag_rest_camera_snapshot(SdagRest *self,
			  SoupServerMessage *msg,
			  const char *arg,
			  GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) jpeg = NULL;
	const char *job_id = sdag_rest_camera_job(self, msg, arg);

	if (job_id == NULL)
		return;
	jpeg = sdag_jobs_dup_snapshot(self->svc.jobs, job_id, &error);
	if (jpeg == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, "image/jpeg", jpeg);
}

void
sdag_rest_camera_events(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	const char *job_id = sdag_rest_camera_job(self, msg, arg);

	if (job_id == NULL)
		return;
	if (!sdag_ws_accept(self->svc.ws,
			    msg,
			    sdag_listener_get_socket(self->listener, msg),
			    sdag_listener_is_tls(self->listener),
			    job_id,
			    arg,
			    &error))
		sdag_rest_reply_error(msg, error);
}
