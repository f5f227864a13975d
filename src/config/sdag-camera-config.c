/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-config"

#include "sdag-camera-config.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * [camera NAME] groups. Each key becomes a member of the camera's JSON definition, so the
 * config and PUT /cameras/{name} are checked by the one function (sdag_camera_from_json()):
 * enabled is true or false, options is a JSON object on one line, the others are text. A
 * later file may set some keys of a camera declared earlier (a drop-in that only says
 * enabled=false), and an empty value removes a key.
 */

void
sdag_camera_config_init(SdagCameraConfig *self)
{
	self->given = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_object_unref);
	self->cameras = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_camera_free);
}

void
sdag_camera_config_clear(SdagCameraConfig *self)
{
	g_clear_pointer(&self->given, g_hash_table_unref);
	g_clear_pointer(&self->cameras, g_ptr_array_unref);
}

/* One key's text as the member of the definition; FALSE with @error for a bad value. */
static gboolean
sdag_camera_config_set(JsonObject *def, const char *key, const char *value, GError **error)
{
	if (value[0] == '\0') {
		json_object_remove_member(def, key);
		return TRUE;
	}
	if (g_strcmp0(key, "enabled") == 0) {
		if (g_strcmp0(value, "true") != 0 && g_strcmp0(value, "false") != 0) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "expected true or false, got '%s'",
				    value);
			return FALSE;
		}
		json_object_set_boolean_member(def, key, value[0] == 't');
		return TRUE;
	}
	if (g_strcmp0(key, "options") == 0) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(JsonNode) node = sdag_json_parse(value, -1, &error_local);

		if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "expected a JSON object on one line, as {\"stride\": 2}%s%s",
				    error_local != NULL ? ": " : "",
				    error_local != NULL ? error_local->message : "");
			return FALSE;
		}
		json_object_set_member(def, key, g_steal_pointer(&node));
		return TRUE;
	}
	json_object_set_string_member(def, key, value);
	return TRUE;
}

/**
 * sdag_camera_config_apply_group:
 * @group: "camera NAME"
 * @bad_key: (out): on error, the key at fault, NULL when it is the definition as a whole
 *
 * Sets the group's keys over the camera's definition so far and checks the result. Errors
 * are SDAG_ERROR_CONFIG; a password is never quoted.
 */
gboolean
sdag_camera_config_apply_group(SdagCameraConfig *self,
			       GKeyFile *kf,
			       const char *group,
			       char **bad_key,
			       GError **error)
{
	const char *name = group + strlen(SDAG_CAMERA_CONFIG_PREFIX);
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
	g_autoptr(JsonObject) def = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GError) error_local = NULL;
	SdagCamera *cam;

	*bad_key = NULL;
	if (!sdag_camera_check_name(name, &error_local)) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_CONFIG, error_local->message);
		return FALSE;
	}
	def = g_hash_table_lookup(self->given, name);
	def = def != NULL ? json_object_ref(def) : json_object_new();
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autofree char *value = NULL;

		if (!g_strv_contains(sdag_camera_members, keys[i])) {
			g_autofree char *known = g_strjoinv(", ", (char **)sdag_camera_members);
			*bad_key = g_strdup(keys[i]);
			g_set_error(
			    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "unknown key (known: %s)", known);
			return FALSE;
		}
		value = g_key_file_get_string(kf, group, keys[i], &error_local);
		if (value == NULL ||
		    !sdag_camera_config_set(def, keys[i], g_strstrip(value), &error_local)) {
			*bad_key = g_strdup(keys[i]);
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
	}
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(node, def);
	cam = sdag_camera_from_json(name, node, SDAG_CAMERA_FROM_CONFIG, &error_local);
	if (cam == NULL) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_CONFIG, error_local->message);
		return FALSE;
	}
	g_hash_table_replace(self->given, g_strdup(name), json_object_ref(def));
	for (guint i = 0; i < self->cameras->len; i++) {
		SdagCamera *old = g_ptr_array_index(self->cameras, i);
		if (g_strcmp0(old->name, name) == 0) {
			sdag_camera_free(old);
			g_ptr_array_index(self->cameras, i) = cam;
			return TRUE;
		}
	}
	g_ptr_array_add(self->cameras, cam);
	return TRUE;
}

/* Returns: (transfer none) (nullable): the declared camera called @name */
const SdagCamera *
sdag_camera_config_lookup(SdagCameraConfig *self, const char *name)
{
	for (guint i = 0; i < self->cameras->len; i++) {
		const SdagCamera *cam = g_ptr_array_index(self->cameras, i);
		if (g_strcmp0(cam->name, name) == 0)
			return cam;
	}
	return NULL;
}
