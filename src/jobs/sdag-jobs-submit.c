/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * The job manager's submission: POST /jobs validated, written and queued.
 */
#define G_LOG_DOMAIN "sdag-jobs"

#include "sdag-jobs-private.h"

/* submission */

static gboolean
sdag_jobs_parse_options(JsonNode *node, JsonObject *out, GError **error)
{
	JsonObject *obj;
	JsonObjectIter iter;
	const char *name;
	JsonNode *value;

	sdag_jobopts_set_defaults(out);
	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_OPTION, "'options' must be an object");
		return FALSE;
	}
	obj = json_node_get_object(node);
	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &name, &value)) {
		const SdagJobOptSpec *spec = sdag_jobopts_lookup(name);

		if (spec == NULL) {
			g_autofree char *known = sdag_jobopts_known_text();
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "unknown option '%s' (known: %s)",
				    name,
				    known);
			return FALSE;
		}
		if (g_strcmp0(name, "mqtt") == 0) {
			/* checked here, applied by the publishers over their defaults */
			SdagPubOpts scratch = {0};
			if (!sdag_pub_opts_apply_json(&scratch, value, error))
				return FALSE;
		}
		if (!sdag_jobopts_parse(spec, value, out, error))
			return FALSE;
	}
	return TRUE;
}

static const char *
sdag_jobs_string_member(JsonObject *obj, const char *name, GError **error)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING ||
	    json_node_get_string(node)[0] == '\0') {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "'%s' must be a non-empty string",
			    name);
		return NULL;
	}
	return json_node_get_string(node);
}

/* Returns: (transfer full): the stored pipeline's definition */
static JsonNode *
sdag_jobs_pipeline_definition(SdagJobs *self, const char *pipeline_id, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GBytes) blob = sdag_registry_get(self->registry, pipeline_id, &error_local);
	g_autoptr(JsonNode) stored = NULL;
	JsonNode *def;
	gsize len = 0;
	const char *data;

	if (blob == NULL) {
		if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND))
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PIPELINE_NOT_FOUND,
				    "no pipeline '%s'",
				    pipeline_id);
		else
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	data = g_bytes_get_data(blob, &len);
	stored = sdag_json_parse(data, (gssize)len, error);
	if (stored == NULL)
		return NULL;
	def = json_object_get_member(json_node_get_object(stored), "definition");
	if (def == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORE,
			    "pipeline '%s': corrupt record",
			    pipeline_id);
		return NULL;
	}
	return json_node_copy(def);
}

/* @dry_run: checked only; the answer is then an empty object */
static JsonNode *
sdag_jobs_submit_internal(SdagJobs *self,
			  JsonNode *body,
			  const char *camera,
			  const char *digest,
			  gboolean dry_run,
			  GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) record = json_object_new();
	g_autoptr(JsonObject) options = json_object_new();
	g_autoptr(JsonNode) definition = NULL;
	g_autoptr(SdagSource) source = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	g_autofree char *job_id = g_uuid_string_random();
	g_autofree char *now = sdag_jobs_now();
	JsonObject *obj;
	JsonObjectIter iter;
	const char *name;
	const char *pipeline_id;
	const char *url;
	const char *alt;
	guint64 seq;
	guint64 seq_be;
	SdagJob *job;
	JsonObject *answer;
	JsonNode *root;

	if (body == NULL || !JSON_NODE_HOLDS_OBJECT(body)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST, "the body must be a JSON object");
		return NULL;
	}
	obj = json_node_get_object(body);
	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &name, NULL)) {
		if (g_strcmp0(name, "pipeline_id") != 0 && g_strcmp0(name, "video_url") != 0 &&
		    g_strcmp0(name, "source") != 0 && g_strcmp0(name, "options") != 0) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "unknown member '%s' (known: pipeline_id, video_url, source, "
				    "options)",
				    name);
			return NULL;
		}
	}
	pipeline_id = sdag_jobs_string_member(obj, "pipeline_id", &error_local);
	if (pipeline_id == NULL) {
		if (error_local == NULL)
			g_set_error_literal(
			    error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST, "'pipeline_id' is required");
		else
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	url = sdag_jobs_string_member(obj, "video_url", &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	alt = sdag_jobs_string_member(obj, "source", &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	if ((url == NULL) == (alt == NULL)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "exactly one of 'video_url' and 'source' is required");
		return NULL;
	}
	if (url == NULL)
		url = alt;
	if (!sdag_jobs_parse_options(json_object_get_member(obj, "options"), options, error))
		return NULL;
	definition = sdag_jobs_pipeline_definition(self, pipeline_id, error);
	if (definition == NULL)
		return NULL;
	source = sdag_source_parse(url, &self->policy, error);
	if (source == NULL)
		return NULL;
	if (!sdag_source_kind_is_live(source->kind)) {
		g_autoptr(GList) given = json_object_get_members(options);
		for (GList *l = given; l != NULL; l = l->next) {
			const SdagJobOptSpec *spec = sdag_jobopts_lookup(l->data);
			if (spec != NULL && spec->scope == SDAG_JOBOPT_LIVE_ONLY) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_BAD_OPTION,
					    "option '%s' is for live sources (rtsp, rtmp) only",
					    (const char *)l->data);
				return NULL;
			}
		}
	}

	if (dry_run)
		return json_node_init_object(json_node_alloc(), json_object_new());

	seq = self->last_seq + 1;
	json_object_set_string_member(record, "job_id", job_id);
	if (camera != NULL) {
		json_object_set_string_member(record, "camera", camera);
		json_object_set_string_member(record, "camera_digest", digest);
	}
	json_object_set_int_member(record, "seq", (gint64)seq);
	json_object_set_string_member(record, "pipeline_id", pipeline_id);
	json_object_set_string_member(record, "source", source->redacted_uri);
	json_object_set_string_member(record, "source_url", url);
	json_object_set_object_member(record, "options", json_object_ref(options));
	json_object_set_string_member(record, "status", "queued");
	json_object_set_string_member(record, "created_at", now);
	json_object_set_null_member(record, "started_at");
	json_object_set_null_member(record, "finished_at");
	json_object_set_null_member(record, "progress");
	json_object_set_int_member(record, "frames_decoded", 0);
	json_object_set_int_member(record, "frames_processed", 0);
	json_object_set_double_member(record, "fps", 0.0);
	json_object_set_null_member(record, "error");
	json_object_set_member(record, "pipeline", g_steal_pointer(&definition));

	seq_be = GUINT64_TO_BE(seq);
	sdag_jobs_batch_put_record(batch, job_id, record);
	sdag_job_index_batch_add(batch,
				 job_id,
				 seq,
				 pipeline_id,
				 camera,
				 SDAG_JOB_QUEUED,
				 sdag_job_index_created_us(record));
	sdag_store_batch_put(batch,
			     SDAG_STORE_JOB_INDEX,
			     (const guint8 *)SDAG_JOBS_SEQ_KEY,
			     strlen(SDAG_JOBS_SEQ_KEY),
			     (const guint8 *)&seq_be,
			     sizeof(seq_be));
	/* on disk before the answer leaves */
	if (!sdag_store_write(self->store, batch, TRUE, error))
		return NULL;
	self->last_seq = seq;
	self->n_by_status[SDAG_JOB_QUEUED]++;

	job = sdag_job_new(self, record);
	g_hash_table_insert(self->active, job->id, job);
	g_queue_push_tail(&self->queue, job);
	sdag_jobs_schedule(self);
	if (camera != NULL)
		g_info("job %s: queued for camera %s (pipeline %s, %s)",
		       job_id,
		       camera,
		       pipeline_id,
		       source->redacted_uri);
	else
		g_info(
		    "job %s: queued (pipeline %s, %s)", job_id, pipeline_id, source->redacted_uri);
	sdag_jobs_notify_status(self, job);

	answer = json_object_new();
	json_object_set_string_member(answer, "job_id", job_id);
	json_object_set_string_member(answer, "status", "queued");
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, answer);
	return root;
}

/**
 * sdag_jobs_submit:
 * @body: `{"pipeline_id", "video_url" | "source", "options"}`
 *
 * Validates, writes the job as queued (synced) and queues it.
 *
 * Returns: (transfer full): `{"job_id", "status": "queued"}`, or NULL with BAD_REQUEST,
 * BAD_OPTION, UNSUPPORTED_SOURCE, SOURCE_FORBIDDEN or PIPELINE_NOT_FOUND
 */
JsonNode *
sdag_jobs_submit(SdagJobs *self, JsonNode *body, GError **error)
{
	return sdag_jobs_submit_internal(self, body, NULL, NULL, FALSE, error);
}

/**
 * sdag_jobs_submit_camera:
 * @camera: the camera's name, already checked; it is in the record ("camera") and in the
 *   job_index (GET /jobs?camera=)
 * @digest: names the definition the job runs (the record's "camera_digest", never shown),
 *   so that the cameras service can tell whether a running job is still its camera's
 *
 * sdag_jobs_submit() for the job a camera runs: only the cameras service submits these.
 */
JsonNode *
sdag_jobs_submit_camera(SdagJobs *self,
			const char *camera,
			const char *digest,
			JsonNode *body,
			GError **error)
{
	g_return_val_if_fail(camera != NULL && digest != NULL, NULL);
	return sdag_jobs_submit_internal(self, body, camera, digest, FALSE, error);
}

/**
 * sdag_jobs_check:
 *
 * Checks @body as sdag_jobs_submit() would (pipeline, source rules, options), storing
 * nothing: a camera's definition is refused with the codes its job would get.
 */
gboolean
sdag_jobs_check(SdagJobs *self, JsonNode *body, GError **error)
{
	g_autoptr(JsonNode) answer = sdag_jobs_submit_internal(self, body, NULL, NULL, TRUE, error);

	return answer != NULL;
}

static void
sdag_camera_job_free(SdagCameraJob *cj)
{
	g_free(cj->job_id);
	g_free(cj->camera);
	g_free(cj->digest);
	g_free(cj);
}

/**
 * sdag_jobs_list_camera_jobs:
 *
 * Returns: (transfer full) (element-type SdagCameraJob): the queued and running jobs that
 *   cameras submitted: at start-up, what the cameras service adopts or cancels
 */
GPtrArray *
sdag_jobs_list_camera_jobs(SdagJobs *self)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_camera_job_free);
	GHashTableIter iter;
	SdagJob *job;

	g_hash_table_iter_init(&iter, self->active);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&job)) {
		const char *camera =
		    json_object_get_string_member_with_default(job->record, "camera", NULL);
		SdagCameraJob *cj;

		if (camera == NULL || job->unsaved)
			continue;
		cj = g_new0(SdagCameraJob, 1);
		cj->job_id = g_strdup(job->id);
		cj->camera = g_strdup(camera);
		cj->digest = g_strdup(
		    json_object_get_string_member_with_default(job->record, "camera_digest", ""));
		g_ptr_array_add(out, cj);
	}
	return out;
}

/* Whether @job_id is queued or running (and so may be cancelled). */
gboolean
sdag_jobs_is_active(SdagJobs *self, const char *job_id)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);

	return job != NULL && !job->unsaved;
}
