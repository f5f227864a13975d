/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl cameras: list, get, put, delete, enable, disable, snapshot and tail, each one
 * request of the REST API (tail: its WebSocket, through sdag-ctl-events.c).
 */
#define G_LOG_DOMAIN "streamdagctl"

#include <string.h>

#include "sdag-ctl-private.h"
#include "sdag-json.h"

#define SDAG_CTL_CAMERAS_USAGE                                                                    \
	"cameras list | get NAME | put [NAME] FILE | delete NAME | enable NAME | disable NAME | " \
	"snapshot NAME > FILE.jpg | tail NAME"

static char *
sdag_ctl_camera_path(const char *name, const char *tail)
{
	g_autofree char *escaped = g_uri_escape_string(name, NULL, FALSE);

	return g_strconcat("/cameras/", escaped, tail, NULL);
}

static void
sdag_ctl_cameras_row(JsonObject *cam, int name_w)
{
	g_autofree char *state = sdag_ctl_text(cam, "source_state");
	g_autofree char *job = sdag_ctl_text(cam, "job_id");
	g_autofree char *origin = sdag_ctl_text(cam, "origin");
	g_autofree char *source = sdag_ctl_text(cam, "source");
	JsonNode *fps = json_object_get_member(cam, "processed_fps");
	g_autofree char *fps_text = fps != NULL && JSON_NODE_HOLDS_VALUE(fps)
					? g_strdup_printf("%.1f", json_node_get_double(fps))
					: g_strdup("-");

	g_print("%-*s  %-10s  %6s  %-6s  %-36s  %s\n",
		name_w,
		json_object_get_string_member_with_default(cam, "name", "?"),
		state,
		fps_text,
		origin,
		job,
		source);
}

static int
sdag_ctl_cameras_list(SdagCtl *ctl)
{
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *root;
	JsonArray *cams;
	int name_w = (int)strlen("NAME");
	int rc = sdag_ctl_send(ctl, "GET", "/cameras", NULL, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "GET", "/cameras", NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	root = sdag_ctl_root_object(&reply);
	if (root == NULL || !json_object_has_member(root, "cameras"))
		return sdag_ctl_unexpected("GET", "/cameras");
	cams = json_object_get_array_member(root, "cameras");
	for (guint i = 0; i < json_array_get_length(cams); i++) {
		const char *name = json_object_get_string_member_with_default(
		    json_array_get_object_element(cams, i), "name", "?");
		name_w = MAX(name_w, (int)strlen(name));
	}
	g_print("%-*s  %-10s  %6s  %-6s  %-36s  %s\n",
		name_w,
		"NAME",
		"STATE",
		"FPS",
		"ORIGIN",
		"JOB",
		"SOURCE");
	for (guint i = 0; i < json_array_get_length(cams); i++)
		sdag_ctl_cameras_row(json_array_get_object_element(cams, i), name_w);
	return SDAG_CTL_OK;
}

/* GET, DELETE, enable, disable: one camera, printed field by field */
static int
sdag_ctl_cameras_one(SdagCtl *ctl, const char *method, const char *name, const char *tail)
{
	g_autofree char *path = sdag_ctl_camera_path(name, tail);
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *cam;
	int rc = sdag_ctl_send(ctl, method, path, NULL, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, method, path, NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	if (g_strcmp0(method, "DELETE") == 0) {
		g_print("deleted %s\n", name);
		return SDAG_CTL_OK;
	}
	cam = sdag_ctl_root_object(&reply);
	if (cam == NULL)
		return sdag_ctl_unexpected(method, path);
	sdag_ctl_print_fields(cam, "", 14);
	return SDAG_CTL_OK;
}

/*
 * put [NAME] FILE: the file holds the definition. Without NAME the camera is named by the
 * file's "name" member, else by the file's name without ".json" (front_door.json).
 */
static int
sdag_ctl_cameras_put(SdagCtl *ctl, const char *given, const char *file)
{
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) def = NULL;
	g_autofree char *name = NULL;
	g_autofree char *text = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GBytes) body = NULL;
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *obj;
	gsize len = 0;
	int rc;

	if (!g_file_get_contents(file, &data, &len, &error)) {
		g_printerr("streamdagctl: %s\n", error->message);
		return SDAG_CTL_FAILED;
	}
	def = sdag_json_parse(data, (gssize)len, &error);
	if (def == NULL || !JSON_NODE_HOLDS_OBJECT(def)) {
		g_printerr("streamdagctl: %s: not a JSON object%s%s\n",
			   file,
			   error != NULL ? ": " : "",
			   error != NULL ? error->message : "");
		return SDAG_CTL_FAILED;
	}
	obj = json_node_get_object(def);
	if (given != NULL) {
		name = g_strdup(given);
	} else if (json_object_has_member(obj, "name")) {
		name = g_strdup(json_object_get_string_member_with_default(obj, "name", ""));
	} else {
		g_autofree char *base = g_path_get_basename(file);
		if (g_str_has_suffix(base, ".json"))
			base[strlen(base) - strlen(".json")] = '\0';
		name = g_steal_pointer(&base);
	}
	/* the name is the path's; the daemon knows no "name" member in a definition */
	json_object_remove_member(obj, "name");
	text = sdag_json_to_string(def);
	len = strlen(text);
	body = g_bytes_new_take(g_steal_pointer(&text), len);
	path = sdag_ctl_camera_path(name, "");
	rc = sdag_ctl_send(ctl, "PUT", path, body, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "PUT", path, file, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	g_print("%s %s\n", name, reply.status == 201 ? "created" : "replaced");
	return SDAG_CTL_OK;
}

int
sdag_ctl_cameras(SdagCtl *ctl, int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : NULL;

	if (g_strcmp0(cmd, "list") == 0 && argc == 1)
		return sdag_ctl_cameras_list(ctl);
	if (g_strcmp0(cmd, "get") == 0 && argc == 2)
		return sdag_ctl_cameras_one(ctl, "GET", argv[1], "");
	if (g_strcmp0(cmd, "delete") == 0 && argc == 2)
		return sdag_ctl_cameras_one(ctl, "DELETE", argv[1], "");
	if (g_strcmp0(cmd, "enable") == 0 && argc == 2)
		return sdag_ctl_cameras_one(ctl, "POST", argv[1], "/enable");
	if (g_strcmp0(cmd, "disable") == 0 && argc == 2)
		return sdag_ctl_cameras_one(ctl, "POST", argv[1], "/disable");
	if (g_strcmp0(cmd, "put") == 0 && (argc == 2 || argc == 3))
		return sdag_ctl_cameras_put(ctl, argc == 3 ? argv[1] : NULL, argv[argc - 1]);
	if (g_strcmp0(cmd, "snapshot") == 0 && argc == 2) {
		g_autofree char *path = sdag_ctl_camera_path(argv[1], "/snapshot.jpg");
		g_autofree char *hint = g_strdup_printf("cameras snapshot %s", argv[1]);
		return sdag_ctl_save_binary(ctl, path, hint, argv[1]);
	}
	if (g_strcmp0(cmd, "tail") == 0 && argc == 2) {
		g_autofree char *path = sdag_ctl_camera_path(argv[1], "/events");
		return sdag_ctl_events_tail(ctl, path);
	}
	g_printerr("streamdagctl: usage: streamdagctl " SDAG_CTL_CAMERAS_USAGE "\n");
	return SDAG_CTL_FAILED;
}
