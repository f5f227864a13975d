/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-cameras"

#include "sdag-cameras.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * The cameras: those declared in the config (read-only here: a write is 409
 * camera_from_config) and those defined through the API, one record each in the `cameras`
 * family, keyed by name, holding the definition as it was PUT (its password included: the
 * job needs it to reach the camera; the API shows it as "***"). Every write is synced before
 * it is answered. A record that no longer reads as a camera is left where it is, counted
 * and logged, and the others are served.
 */

struct _SdagCameras {
	SdagStore *store;	  /* borrowed */
	SdagRegistry *registry;	  /* borrowed */
	SdagCameraConfig *config; /* borrowed: the config's cameras */
	GHashTable *api;	  /* name -> SdagCamera: the stored ones */
	guint unreadable;
};

/* The stored form: the definition with its password, as PUT. */
static JsonNode *
sdag_cameras_record(const SdagCamera *cam)
{
	JsonNode *node = sdag_camera_to_json(cam);
	JsonObject *obj = json_node_get_object(node);

	json_object_remove_member(obj, "name");
	json_object_remove_member(obj, "origin");
	if (cam->password != NULL)
		json_object_set_string_member(obj, "password", cam->password);
	return node;
}

static gboolean
sdag_cameras_load_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	SdagCameras *self = user_data;
	g_autofree char *name = g_strndup((const char *)key, key_len);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = sdag_json_parse((const char *)value, value_len, &error);
	SdagCamera *cam =
	    node != NULL ? sdag_camera_from_json(name, node, SDAG_CAMERA_FROM_API, &error) : NULL;

	if (cam == NULL || strlen(name) != key_len) {
		g_autofree char *shown = g_strescape(name, NULL);
		g_warning("camera record '%s' is unreadable, left as it is: %s",
			  shown,
			  error != NULL ? error->message : "its key is not a name");
		sdag_camera_free(cam);
		self->unreadable++;
		return TRUE;
	}
	g_hash_table_replace(self->api, g_strdup(name), cam);
	return TRUE;
}

/**
 * sdag_cameras_new:
 *
 * Reads the stored cameras. A camera stored under the name of one the config declares is
 * shadowed by the config's (logged).
 *
 * Returns: (transfer full): the service, or NULL when the store cannot be read
 */
SdagCameras *
sdag_cameras_new(SdagStore *store, SdagRegistry *registry, SdagCameraConfig *config, GError **error)
{
	g_autoptr(SdagCameras) self = g_new0(SdagCameras, 1);

	self->store = store;
	self->registry = registry;
	self->config = config;
	self->api = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)sdag_camera_free);
	if (!sdag_store_iter_prefix(
		store, SDAG_STORE_CAMERAS, NULL, 0, sdag_cameras_load_cb, self, error))
		return NULL;
	for (guint i = 0; i < config->cameras->len; i++) {
		const SdagCamera *cam = g_ptr_array_index(config->cameras, i);
		if (g_hash_table_contains(self->api, cam->name))
			g_warning("camera '%s' is both in the config and stored: the config's "
				  "definition is used",
				  cam->name);
	}
	return g_steal_pointer(&self);
}

void
sdag_cameras_free(SdagCameras *self)
{
	if (self == NULL)
		return;
	g_clear_pointer(&self->api, g_hash_table_unref);
	g_free(self);
}

static gint
sdag_cameras_by_name(gconstpointer a, gconstpointer b)
{
	const SdagCamera *x = *(const SdagCamera *const *)a;
	const SdagCamera *y = *(const SdagCamera *const *)b;

	return g_strcmp0(x->name, y->name);
}

/**
 * sdag_cameras_list:
 *
 * Returns: (transfer container) (element-type SdagCamera): every camera, by name
 */
GPtrArray *
sdag_cameras_list(SdagCameras *self)
{
	GPtrArray *all = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	for (guint i = 0; i < self->config->cameras->len; i++)
		g_ptr_array_add(all, g_ptr_array_index(self->config->cameras, i));
	g_hash_table_iter_init(&iter, self->api);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const SdagCamera *cam = value;
		if (sdag_camera_config_lookup(self->config, cam->name) == NULL)
			g_ptr_array_add(all, value);
	}
	g_ptr_array_sort(all, sdag_cameras_by_name);
	return all;
}

/* Returns: (transfer none): the camera, or NULL with SDAG_ERROR_CAMERA_NOT_FOUND */
const SdagCamera *
sdag_cameras_get(SdagCameras *self, const char *name, GError **error)
{
	const SdagCamera *cam = sdag_camera_config_lookup(self->config, name);

	if (cam == NULL)
		cam = g_hash_table_lookup(self->api, name);
	if (cam == NULL) {
		g_autofree char *shown = g_strescape(name, NULL);
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_CAMERA_NOT_FOUND, "no camera '%s'", shown);
		return NULL;
	}
	return cam;
}

static gboolean
sdag_cameras_writable(SdagCameras *self, const char *name, GError **error)
{
	if (sdag_camera_config_lookup(self->config, name) == NULL)
		return TRUE;
	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_CAMERA_FROM_CONFIG,
		    "camera '%s' is declared in the config: change it there (and reload)",
		    name);
	return FALSE;
}

static gboolean
sdag_cameras_store(SdagCameras *self, const SdagCamera *cam, GError **error)
{
	g_autoptr(JsonNode) record = sdag_cameras_record(cam);
	g_autofree char *text = sdag_json_to_string(record);

	return sdag_store_put(self->store,
			      SDAG_STORE_CAMERAS,
			      (const guint8 *)cam->name,
			      strlen(cam->name),
			      (const guint8 *)text,
			      strlen(text),
			      TRUE,
			      error);
}

/**
 * sdag_cameras_put:
 * @created: (out): whether there was no camera of this name
 *
 * Creates or replaces an API camera: checked as a definition, and its pipeline must exist.
 *
 * Returns: (transfer none): the camera as stored, or NULL with @error (the definition's
 *   codes, SDAG_ERROR_PIPELINE_NOT_FOUND, SDAG_ERROR_CAMERA_FROM_CONFIG, the store's)
 */
const SdagCamera *
sdag_cameras_put(SdagCameras *self,
		 const char *name,
		 JsonNode *body,
		 gboolean *created,
		 GError **error)
{
	g_autoptr(SdagCamera) cam = NULL;
	g_autoptr(GBytes) pipeline = NULL;
	g_autoptr(GError) error_local = NULL;
	const SdagCamera *stored;

	if (!sdag_camera_check_name(name, error) || !sdag_cameras_writable(self, name, error))
		return NULL;
	cam = sdag_camera_from_json(name, body, SDAG_CAMERA_FROM_API, error);
	if (cam == NULL)
		return NULL;
	pipeline = sdag_registry_get(self->registry, cam->pipeline_id, &error_local);
	if (pipeline == NULL) {
		if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND))
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PIPELINE_NOT_FOUND,
				    "camera: no pipeline '%s'",
				    cam->pipeline_id);
		else
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	if (!sdag_cameras_store(self, cam, error))
		return NULL;
	*created = !g_hash_table_contains(self->api, name);
	stored = cam;
	g_hash_table_replace(self->api, g_strdup(name), g_steal_pointer(&cam));
	return stored;
}

/* Deletes an API camera's record, synced. */
gboolean
sdag_cameras_delete(SdagCameras *self, const char *name, GError **error)
{
	if (sdag_cameras_get(self, name, error) == NULL ||
	    !sdag_cameras_writable(self, name, error))
		return FALSE;
	if (!sdag_store_delete(
		self->store, SDAG_STORE_CAMERAS, (const guint8 *)name, strlen(name), TRUE, error))
		return FALSE;
	g_hash_table_remove(self->api, name);
	return TRUE;
}

/* Turns an API camera on or off, stored before it is answered. */
gboolean
sdag_cameras_set_enabled(SdagCameras *self, const char *name, gboolean enabled, GError **error)
{
	SdagCamera *cam;
	gboolean was;

	if (sdag_cameras_get(self, name, error) == NULL ||
	    !sdag_cameras_writable(self, name, error))
		return FALSE;
	cam = g_hash_table_lookup(self->api, name);
	was = cam->enabled;
	cam->enabled = enabled;
	if (!sdag_cameras_store(self, cam, error)) {
		cam->enabled = was;
		return FALSE;
	}
	return TRUE;
}

/* How many stored records did not read as cameras at start-up. */
guint
sdag_cameras_get_unreadable(SdagCameras *self)
{
	return self->unreadable;
}
