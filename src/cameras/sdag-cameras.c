/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-cameras"

#include "sdag-cameras.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"

/* a password file holds one line; anything longer is not one */
#define SDAG_CAMERAS_PASSWORD_MAX 4096

/*
 * The cameras: those declared in the config (read-only here: a write is 409
 * camera_from_config) and those defined through the API, one record each in the `cameras`
 * family, keyed by name, holding the definition as it was PUT (its password included: the
 * job needs it to reach the camera; the API shows it as "***"). Every write is synced before
 * it is answered. A record that no longer reads as a camera is left where it is, counted
 * and logged, and the others are served.
 *
 * Each enabled camera owns one queued or running job, submitted with
 * sdag_jobs_submit_camera() from its job body ({pipeline_id, source with the credentials,
 * options}) and the SHA-256 of that body, its digest. A definition is put in force by
 * sdag_cameras_sync(): a disabled camera's job is cancelled; an enabled camera whose job runs
 * the same digest keeps it; otherwise its job is cancelled and a new one submitted. The job
 * manager's history rows say so (job.cancelled, job.queued). At start-up the jobs the job
 * manager recovered are adopted by their camera when the digest still matches, and
 * cancelled otherwise (a camera gone, disabled or redefined while the daemon was down), so a
 * live job resumes from its checkpoint whenever its camera did not change.
 */

typedef struct {
	char *job_id;  /* nullable: the last job it submitted or adopted */
	char *problem; /* nullable: why it has no job (a password file that cannot be read...) */
} SdagCameraRun;

struct _SdagCameras {
	SdagStore *store;	  /* borrowed */
	SdagJobs *jobs;		  /* borrowed */
	SdagCameraConfig *config; /* borrowed: the config's cameras */
	GHashTable *api;	  /* name -> SdagCamera: the stored ones */
	GHashTable *runs;	  /* name -> SdagCameraRun */
	guint unreadable;
	SdagCamerasRemovedFunc removed;
	gpointer removed_data;
};

static void
sdag_camera_run_free(SdagCameraRun *run)
{
	g_free(run->job_id);
	g_free(run->problem);
	g_free(run);
}

static SdagCameraRun *
sdag_cameras_run(SdagCameras *self, const char *name)
{
	SdagCameraRun *run = g_hash_table_lookup(self->runs, name);

	if (run == NULL) {
		run = g_new0(SdagCameraRun, 1);
		g_hash_table_insert(self->runs, g_strdup(name), run);
	}
	return run;
}

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
sdag_cameras_new(SdagStore *store, SdagJobs *jobs, SdagCameraConfig *config, GError **error)
{
	g_autoptr(SdagCameras) self = g_new0(SdagCameras, 1);

	self->store = store;
	self->jobs = jobs;
	self->config = config;
	self->api = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)sdag_camera_free);
	self->runs = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)sdag_camera_run_free);
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
	g_clear_pointer(&self->runs, g_hash_table_unref);
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

/*
 * A password_file is an absolute path, or the name of a systemd credential
 * (LoadCredential=, read from $CREDENTIALS_DIRECTORY). One line; the newline is not part of
 * the password.
 */
static char *
sdag_cameras_read_password(const SdagCamera *cam, GError **error)
{
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error_local = NULL;
	gsize len = 0;

	if (cam->password_file == NULL)
		return g_strdup(cam->password);
	if (g_path_is_absolute(cam->password_file)) {
		path = g_strdup(cam->password_file);
	} else {
		const char *dir = g_getenv("CREDENTIALS_DIRECTORY");
		if (dir == NULL || strchr(cam->password_file, '/') != NULL) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "camera '%s': password_file '%s' is neither an absolute path "
				    "nor a credential of the service (no $CREDENTIALS_DIRECTORY)",
				    cam->name,
				    cam->password_file);
			return NULL;
		}
		path = g_build_filename(dir, cam->password_file, NULL);
	}
	if (!g_file_get_contents(path, &text, &len, &error_local)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "camera '%s': password_file: %s",
			    cam->name,
			    error_local->message);
		return NULL;
	}
	if (len > SDAG_CAMERAS_PASSWORD_MAX || strlen(text) != len ||
	    !g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "camera '%s': password_file %s does not hold one line of text",
			    cam->name,
			    path);
		return NULL;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return g_steal_pointer(&text);
}

/* Returns: (transfer full): what the camera's job is submitted with, credentials included */
static JsonNode *
sdag_cameras_job_body(const SdagCamera *cam, GError **error)
{
	g_autoptr(JsonObject) body = json_object_new();
	g_autofree char *password = NULL;
	g_autofree char *source = NULL;

	if (cam->password_file != NULL) {
		password = sdag_cameras_read_password(cam, error);
		if (password == NULL)
			return NULL;
	} else {
		password = g_strdup(cam->password);
	}
	source = sdag_camera_source_with_credentials(cam, password);
	json_object_set_string_member(body, "pipeline_id", cam->pipeline_id);
	json_object_set_string_member(body, "source", source);
	json_object_set_object_member(body, "options", json_object_ref(cam->options));
	return json_node_init_object(json_node_alloc(), body);
}

static char *
sdag_cameras_digest(JsonNode *body)
{
	g_autofree char *text = sdag_json_to_string(body);

	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
}

static void
sdag_cameras_cancelled_cb(JsonNode *job, const GError *error, gpointer user_data)
{
}

static void
sdag_cameras_cancel(SdagCameras *self, const char *camera, const char *job_id, const char *why)
{
	g_autoptr(GError) error = NULL;

	if (!sdag_jobs_is_active(self->jobs, job_id))
		return;
	g_message("camera %s: job %s cancelled: %s", camera, job_id, why);
	if (!sdag_jobs_cancel(self->jobs, job_id, sdag_cameras_cancelled_cb, NULL, &error))
		g_warning("camera %s: job %s not cancelled: %s", camera, job_id, error->message);
}

/*
 * Puts @cam's definition in force: see the top of this file. A job that cannot be submitted
 * leaves the reason in the camera's problem, which GET /cameras/{name} shows.
 */
static void
sdag_cameras_sync(SdagCameras *self, const SdagCamera *cam)
{
	SdagCameraRun *run = sdag_cameras_run(self, cam->name);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) body = NULL;
	g_autoptr(JsonNode) answer = NULL;
	g_autofree char *digest = NULL;
	g_autoptr(GPtrArray) current = NULL;
	gboolean keep = FALSE;

	g_clear_pointer(&run->problem, g_free);
	if (cam->enabled) {
		body = sdag_cameras_job_body(cam, &error);
		if (body != NULL)
			digest = sdag_cameras_digest(body);
	}
	/* every job of the camera, not only the one remembered: a replaced job still stopping
	 * is not running the camera any more, but one left from an earlier run might */
	current = sdag_jobs_list_camera_jobs(self->jobs);
	for (guint i = 0; i < current->len; i++) {
		SdagCameraJob *cj = g_ptr_array_index(current, i);

		if (g_strcmp0(cj->camera, cam->name) != 0)
			continue;
		if (!keep && digest != NULL && g_strcmp0(cj->digest, digest) == 0) {
			keep = TRUE;
			g_free(run->job_id);
			run->job_id = g_strdup(cj->job_id);
			continue;
		}
		sdag_cameras_cancel(self,
				    cam->name,
				    cj->job_id,
				    !cam->enabled ? "the camera is disabled"
						  : "the camera's definition changed");
	}
	if (!cam->enabled || keep)
		return;
	if (body != NULL)
		answer = sdag_jobs_submit_camera(self->jobs, cam->name, digest, body, &error);
	if (answer == NULL) {
		g_warning("camera %s: no job started: %s", cam->name, error->message);
		run->problem = g_strdup(error->message);
		return;
	}
	g_free(run->job_id);
	run->job_id =
	    g_strdup(json_object_get_string_member(json_node_get_object(answer), "job_id"));
	g_message("camera %s: job %s started", cam->name, run->job_id);
}

/**
 * sdag_cameras_start:
 *
 * After the job manager has recovered its jobs: each camera's job adopted, cancelled or
 * started (see the top of this file), and the jobs of cameras that no longer exist
 * cancelled.
 */
void
sdag_cameras_start(SdagCameras *self)
{
	g_autoptr(GPtrArray) all = sdag_cameras_list(self);
	g_autoptr(GPtrArray) current = sdag_jobs_list_camera_jobs(self->jobs);

	for (guint i = 0; i < current->len; i++) {
		SdagCameraJob *cj = g_ptr_array_index(current, i);
		if (sdag_cameras_get(self, cj->camera, NULL) == NULL)
			sdag_cameras_cancel(
			    self, cj->camera, cj->job_id, "the camera is no longer defined");
	}
	for (guint i = 0; i < all->len; i++)
		sdag_cameras_sync(self, g_ptr_array_index(all, i));
}

/* What GET /cameras/{name} adds from the camera's job, when it has one */
static const char *const sdag_cameras_live_members[] = {"source_reason",
							"input_fps",
							"processed_fps",
							"last_frame_at",
							"reconnects",
							"dropped_frames",
							NULL};

/**
 * sdag_cameras_describe:
 *
 * The definition (password "***") with what the camera is doing: `job_id` (its last job, or
 * null), `job_status`, `source_state` (one of sdag_camera_states: the running job's source
 * state, or `queued`, `disabled`, `error` when its job could not start, `stopped` when its
 * job ended), the job's live figures, its `counts` now (`{name: {label: value}}`, as its
 * summary has them), and `problem`.
 *
 * Returns: (transfer full): the camera, or NULL with SDAG_ERROR_CAMERA_NOT_FOUND
 */
JsonNode *
sdag_cameras_describe(SdagCameras *self, const char *name, GError **error)
{
	const SdagCamera *cam = sdag_cameras_get(self, name, error);
	SdagCameraRun *run;
	JsonNode *node;
	JsonObject *out;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *jo = NULL;
	const char *state;

	if (cam == NULL)
		return NULL;
	node = sdag_camera_to_json(cam);
	out = json_node_get_object(node);
	run = g_hash_table_lookup(self->runs, name);
	if (run != NULL && run->job_id != NULL) {
		job = sdag_jobs_get(self->jobs, run->job_id, NULL);
		jo = job != NULL ? json_node_get_object(job) : NULL;
	}
	if (jo != NULL) {
		const char *status = json_object_get_string_member(jo, "status");

		json_object_set_string_member(out, "job_id", run->job_id);
		json_object_set_string_member(out, "job_status", status);
		if (g_strcmp0(status, "running") == 0)
			state = json_object_get_string_member_with_default(
			    jo, "source_state", "connecting");
		else if (g_strcmp0(status, "queued") == 0)
			state = "queued";
		else
			state = "stopped";
	} else {
		json_object_set_null_member(out, "job_id");
		json_object_set_null_member(out, "job_status");
		state = "stopped";
	}
	if (!cam->enabled && (jo == NULL || !sdag_jobs_is_active(self->jobs, run->job_id)))
		state = "disabled";
	else if (run != NULL && run->problem != NULL)
		state = "error";
	json_object_set_string_member(out, "source_state", state);
	for (guint i = 0; sdag_cameras_live_members[i] != NULL; i++) {
		const char *m = sdag_cameras_live_members[i];
		JsonNode *v = jo != NULL ? json_object_get_member(jo, m) : NULL;

		json_object_set_member(
		    out, m, v != NULL ? json_node_copy(v) : json_node_new(JSON_NODE_NULL));
	}
	{
		JsonNode *counts = jo != NULL ? sdag_jobs_dup_counts(self->jobs, run->job_id)
					      : NULL;
		if (counts != NULL)
			json_object_set_member(out, "counts", counts);
		else
			json_object_set_null_member(out, "counts");
	}
	if (run != NULL && run->problem != NULL)
		json_object_set_string_member(out, "problem", run->problem);
	else
		json_object_set_null_member(out, "problem");
	return node;
}

/**
 * sdag_cameras_reload:
 * @next: the cameras of a config read afresh; it gets the old ones, for the caller to free
 *
 * A reload: the config's cameras replaced by @next's, then each put in force as at
 * start-up; a camera no longer declared has its job cancelled and is reported removed.
 */
void
sdag_cameras_reload(SdagCameras *self, SdagCameraConfig *next)
{
	SdagCameraConfig old = *self->config;

	*self->config = *next;
	*next = old;
	for (guint i = 0; i < next->cameras->len; i++) {
		const SdagCamera *cam = g_ptr_array_index(next->cameras, i);

		if (sdag_cameras_get(self, cam->name, NULL) != NULL)
			continue;
		g_message("camera %s: no longer in the config", cam->name);
		g_hash_table_remove(self->runs, cam->name);
		if (self->removed != NULL)
			self->removed(cam->name, self->removed_data);
	}
	sdag_cameras_start(self);
}

/**
 * sdag_cameras_get_job:
 * @problem: (out) (optional): why it has no job, when it could not start one
 *
 * Returns: (nullable): the id of the last job the camera ran (it may have ended), or NULL
 */
const char *
sdag_cameras_get_job(SdagCameras *self, const char *name, const char **problem)
{
	SdagCameraRun *run = g_hash_table_lookup(self->runs, name);

	if (problem != NULL)
		*problem = run != NULL ? run->problem : NULL;
	return run != NULL ? run->job_id : NULL;
}

/* @func learns of each camera deleted, after its job was cancelled (to retract what was
 * published under its name). */
void
sdag_cameras_set_removed_func(SdagCameras *self, SdagCamerasRemovedFunc func, gpointer user_data)
{
	self->removed = func;
	self->removed_data = user_data;
}

/**
 * sdag_cameras_put:
 * @created: (out): whether there was no camera of this name
 *
 * Creates or replaces an API camera: checked as a definition, then as its job would be
 * (pipeline, source rules, options), stored (synced), then put in force.
 *
 * Returns: (transfer none): the camera as stored, or NULL with @error (the definition's
 *   codes, the job's, SDAG_ERROR_CAMERA_FROM_CONFIG, the store's)
 */
const SdagCamera *
sdag_cameras_put(SdagCameras *self,
		 const char *name,
		 JsonNode *body,
		 gboolean *created,
		 GError **error)
{
	g_autoptr(SdagCamera) cam = NULL;
	g_autoptr(JsonNode) job_body = NULL;
	const SdagCamera *stored;

	if (!sdag_camera_check_name(name, error) || !sdag_cameras_writable(self, name, error))
		return NULL;
	cam = sdag_camera_from_json(name, body, SDAG_CAMERA_FROM_API, error);
	if (cam == NULL)
		return NULL;
	/* refused as its job would be, before anything is stored */
	job_body = sdag_cameras_job_body(cam, error);
	if (job_body == NULL || !sdag_jobs_check(self->jobs, job_body, error))
		return NULL;
	if (!sdag_cameras_store(self, cam, error))
		return NULL;
	*created = !g_hash_table_contains(self->api, name);
	stored = cam;
	g_hash_table_replace(self->api, g_strdup(name), g_steal_pointer(&cam));
	sdag_cameras_sync(self, stored);
	return stored;
}

/* Deletes an API camera's record, synced, and cancels its job; the job's rows stay. */
gboolean
sdag_cameras_delete(SdagCameras *self, const char *name, GError **error)
{
	g_autoptr(GPtrArray) current = NULL;
	g_autofree char *owned = g_strdup(name);

	if (sdag_cameras_get(self, name, error) == NULL ||
	    !sdag_cameras_writable(self, name, error))
		return FALSE;
	if (!sdag_store_delete(
		self->store, SDAG_STORE_CAMERAS, (const guint8 *)name, strlen(name), TRUE, error))
		return FALSE;
	g_hash_table_remove(self->api, owned);
	current = sdag_jobs_list_camera_jobs(self->jobs);
	for (guint i = 0; i < current->len; i++) {
		SdagCameraJob *cj = g_ptr_array_index(current, i);
		if (g_strcmp0(cj->camera, owned) == 0)
			sdag_cameras_cancel(self, owned, cj->job_id, "the camera was deleted");
	}
	g_hash_table_remove(self->runs, owned);
	if (self->removed != NULL)
		self->removed(owned, self->removed_data);
	return TRUE;
}

/* Turns an API camera on or off, stored before it is answered, then in force. */
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
	sdag_cameras_sync(self, cam);
	return TRUE;
}

/* How many stored records did not read as cameras at start-up. */
guint
sdag_cameras_get_unreadable(SdagCameras *self)
{
	return self->unreadable;
}
