/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-camera"

#include "sdag-camera.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-jobopts.h"

/*
 * A camera's definition, checked the one way whether it comes from a PUT body or from a
 * [camera NAME] group of the config (which the config turns into the same JSON). Nothing is
 * implicit: `enabled` must be given, so that a camera never starts, or stays dark, because
 * of a default nobody chose.
 */

const char *const sdag_camera_members[] = {"source",
					   "user",
					   "password",
					   "password_file",
					   "pipeline_id",
					   "options",
					   "zones",
					   "enabled",
					   NULL};

/* A camera's source_state: its running job's source state, or what it is without one. Home
 * Assistant's enum sensor lists these as its options. */
const char *const sdag_camera_states[] =
    {"connecting", "online", "stalled", "backoff", "stopped", "queued", "disabled", "error", NULL};

static const char *const sdag_camera_schemes[] =
    {"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "file", NULL};

/* A camera's name is part of MQTT topics, metric labels and paths: [a-z0-9_-]{1,64}. */
gboolean
sdag_camera_check_name(const char *name, GError **error)
{
	gsize len = strlen(name);

	if (len == 0 || len > SDAG_CAMERA_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
		/* bytes that are not UTF-8 are left for the answer to write as %XX, as it does
		 * for every path; the rest is escaped */
		g_autofree char *shown = g_utf8_validate(name, -1, NULL) ? g_strescape(name, NULL)
									 : g_strdup(name);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "camera name '%s' must be 1 to %d of a-z, 0-9, '_' and '-'",
			    shown,
			    SDAG_CAMERA_NAME_MAX);
		return FALSE;
	}
	return TRUE;
}

/* @member of @obj as a non-empty string: *out NULL when absent and !@required. */
static gboolean
sdag_camera_string(JsonObject *obj,
		   const char *member,
		   gboolean required,
		   char **out,
		   GError **error)
{
	JsonNode *node = json_object_get_member(obj, member);

	*out = NULL;
	if (node == NULL || JSON_NODE_HOLDS_NULL(node)) {
		if (!required)
			return TRUE;
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST, "camera: '%s' is missing", member);
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING ||
	    json_node_get_string(node)[0] == '\0') {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "camera: '%s' must be a non-empty string",
			    member);
		return FALSE;
	}
	*out = g_strdup(json_node_get_string(node));
	return TRUE;
}

/* A URL of an allowed scheme, without credentials: those go in user and password. */
static gboolean
sdag_camera_check_source(const char *source, GError **error)
{
	g_autoptr(GUri) uri =
	    g_uri_parse(source, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
	g_autofree char *scheme = g_uri_parse_scheme(source);
	g_autofree char *lower = NULL;

	if (uri == NULL || scheme == NULL) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_UNSUPPORTED_SOURCE,
				    "camera: 'source' is not an absolute URL");
		return FALSE;
	}
	lower = g_ascii_strdown(scheme, -1);
	if (!g_strv_contains(sdag_camera_schemes, lower)) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_UNSUPPORTED_SOURCE,
		    "camera: 'source' scheme '%s' is not one of rtsp, rtsps, rtmp, rtmps (or "
		    "http, https, file for testing)",
		    scheme);
		return FALSE;
	}
	if (g_uri_get_user(uri) != NULL || g_uri_get_password(uri) != NULL) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "camera: give the credentials as 'user' and 'password' (or "
				    "'password_file'), not in 'source'");
		return FALSE;
	}
	return TRUE;
}

/* Each option known and of the right type; live-only ones are the job's to refuse. */
static gboolean
sdag_camera_check_options(JsonNode *node, JsonObject **out, GError **error)
{
	g_autoptr(JsonObject) checked = json_object_new();
	JsonObject *given;
	GList *members;
	gboolean ok = TRUE;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node)) {
		*out = json_object_new();
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "camera: 'options' must be an object");
		return FALSE;
	}
	given = json_node_get_object(node);
	members = json_object_get_members(given);
	for (GList *l = members; l != NULL && ok; l = l->next) {
		const SdagJobOptSpec *spec = sdag_jobopts_lookup(l->data);

		if (spec == NULL) {
			g_autofree char *known = sdag_jobopts_known_text();
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "unknown option '%s' (known: %s)",
				    (const char *)l->data,
				    known);
			ok = FALSE;
			break;
		}
		ok = sdag_jobopts_parse(
		    spec, json_object_get_member(given, l->data), checked, error);
	}
	g_list_free(members);
	if (!ok)
		return FALSE;
	/* kept as given, so that a definition reads back as it was written */
	*out = json_object_ref(given);
	return TRUE;
}

/**
 * sdag_camera_from_json:
 * @name: the camera's name (from the path or the config group), checked here
 * @body: the definition: an object of source, user, password or password_file,
 *   pipeline_id, options, zones and enabled
 *
 * Returns: (transfer full): the camera, or NULL with @error: SDAG_ERROR_BAD_REQUEST for the
 *   shape, SDAG_ERROR_UNSUPPORTED_SOURCE for the source, SDAG_ERROR_BAD_OPTION for options
 */
SdagCamera *
sdag_camera_from_json(const char *name, JsonNode *body, SdagCameraOrigin origin, GError **error)
{
	g_autoptr(SdagCamera) cam = g_new0(SdagCamera, 1);
	JsonObject *obj;
	JsonNode *enabled;
	GList *members;
	const char *unknown = NULL;

	if (!sdag_camera_check_name(name, error))
		return NULL;
	cam->name = g_strdup(name);
	cam->origin = origin;
	if (body == NULL || !JSON_NODE_HOLDS_OBJECT(body)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST, "a camera is a JSON object");
		return NULL;
	}
	obj = json_node_get_object(body);
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL && unknown == NULL; l = l->next) {
		if (!g_strv_contains(sdag_camera_members, l->data))
			unknown = l->data;
	}
	if (unknown != NULL) {
		g_autofree char *known = g_strjoinv(", ", (char **)sdag_camera_members);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "camera: unknown member '%s' (known: %s)",
			    unknown,
			    known);
		g_list_free(members);
		return NULL;
	}
	g_list_free(members);
	enabled = json_object_get_member(obj, "enabled");
	if (enabled == NULL || !JSON_NODE_HOLDS_VALUE(enabled) ||
	    json_node_get_value_type(enabled) != G_TYPE_BOOLEAN) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "camera: 'enabled' must be given, true or false: a camera has "
				    "no default");
		return NULL;
	}
	cam->enabled = json_node_get_boolean(enabled);
	if (!sdag_camera_string(obj, "source", TRUE, &cam->source, error) ||
	    !sdag_camera_check_source(cam->source, error) ||
	    !sdag_camera_string(obj, "pipeline_id", TRUE, &cam->pipeline_id, error) ||
	    !sdag_camera_string(obj, "user", FALSE, &cam->user, error) ||
	    !sdag_camera_string(obj, "password", FALSE, &cam->password, error) ||
	    !sdag_camera_string(obj, "password_file", FALSE, &cam->password_file, error) ||
	    !sdag_camera_string(obj, "zones", FALSE, &cam->zones, error) ||
	    !sdag_camera_check_options(
		json_object_get_member(obj, "options"), &cam->options, error))
		return NULL;
	if (cam->password != NULL && cam->password_file != NULL) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "camera: give 'password' or 'password_file', not both");
		return NULL;
	}
	if ((cam->password != NULL || cam->password_file != NULL) && cam->user == NULL) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "camera: a password needs its 'user'");
		return NULL;
	}
	return g_steal_pointer(&cam);
}

/**
 * sdag_camera_to_json:
 *
 * Returns: (transfer full): the definition as the API shows it: the password as "***",
 *   and `origin`
 */
JsonNode *
sdag_camera_to_json(const SdagCamera *camera)
{
	g_autoptr(JsonObject) obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_object_set_string_member(obj, "name", camera->name);
	json_object_set_string_member(obj, "source", camera->source);
	if (camera->user != NULL)
		json_object_set_string_member(obj, "user", camera->user);
	if (camera->password != NULL)
		json_object_set_string_member(obj, "password", SDAG_CAMERA_PASSWORD_SHOWN);
	if (camera->password_file != NULL)
		json_object_set_string_member(obj, "password_file", camera->password_file);
	json_object_set_string_member(obj, "pipeline_id", camera->pipeline_id);
	json_object_set_object_member(obj, "options", json_object_ref(camera->options));
	if (camera->zones != NULL)
		json_object_set_string_member(obj, "zones", camera->zones);
	json_object_set_boolean_member(obj, "enabled", camera->enabled);
	json_object_set_string_member(
	    obj, "origin", camera->origin == SDAG_CAMERA_FROM_CONFIG ? "config" : "api");
	json_node_set_object(node, obj);
	return node;
}

/**
 * sdag_camera_source_with_credentials:
 * @password: (nullable): the password (read from its file by the caller), or NULL
 *
 * Returns: (transfer full): the source URL a job opens, with the user and password
 *   escaped into it
 */
char *
sdag_camera_source_with_credentials(const SdagCamera *camera, const char *password)
{
	g_autoptr(GUri) uri = NULL;
	g_autofree char *user = NULL;
	g_autofree char *pass = NULL;

	if (camera->user == NULL)
		return g_strdup(camera->source);
	uri = g_uri_parse(camera->source, G_URI_FLAGS_ENCODED, NULL);
	g_assert(uri != NULL); /* checked when the camera was made */
	/* no host, no place for credentials: GLib refuses to join them to a path such as
	 * "//x" ("rtmp:/..//x") with a critical and NULL; the job refuses the URL itself */
	if (g_uri_get_host(uri) == NULL)
		return g_strdup(camera->source);
	user = g_uri_escape_string(camera->user, NULL, FALSE);
	pass = password != NULL ? g_uri_escape_string(password, NULL, FALSE) : NULL;
	return g_uri_join_with_user(G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
				    g_uri_get_scheme(uri),
				    user,
				    pass,
				    NULL,
				    g_uri_get_host(uri),
				    g_uri_get_port(uri),
				    g_uri_get_path(uri),
				    g_uri_get_query(uri),
				    g_uri_get_fragment(uri));
}

void
sdag_camera_free(SdagCamera *camera)
{
	if (camera == NULL)
		return;
	g_free(camera->name);
	g_free(camera->source);
	g_free(camera->user);
	if (camera->password != NULL)
		memset(camera->password, 0, strlen(camera->password));
	g_free(camera->password);
	g_free(camera->password_file);
	g_free(camera->pipeline_id);
	g_clear_pointer(&camera->options, json_object_unref);
	g_free(camera->zones);
	g_free(camera);
}
