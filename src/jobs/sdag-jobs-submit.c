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

/*
 * Checks one job request and makes its record, queued, without its seq (set by
 * sdag_jobs_batch_add_job()); nothing is written.
 *
 * Returns: (transfer full): the record, or NULL with BAD_REQUEST, BAD_OPTION,
 * UNSUPPORTED_SOURCE, SOURCE_FORBIDDEN or PIPELINE_NOT_FOUND
 */
static JsonObject *
sdag_jobs_prepare(SdagJobs *self,
		  JsonNode *body,
		  const char *camera,
		  const char *digest,
		  GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) record = json_object_new();
	g_autoptr(JsonObject) options = json_object_new();
	g_autoptr(JsonNode) definition = NULL;
	g_autoptr(SdagSource) source = NULL;
	g_autofree char *job_id = NULL;
	g_autofree char *now = NULL;
	JsonObject *obj;
	JsonObjectIter iter;
	const char *name;
	const char *pipeline_id;
	const char *url;
	const char *alt;

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

	job_id = g_uuid_string_random();
	now = sdag_jobs_now();
	json_object_set_string_member(record, "job_id", job_id);
	if (camera != NULL) {
		json_object_set_string_member(record, "camera", camera);
		json_object_set_string_member(record, "camera_digest", digest);
	}
	/* a place kept: the seq is handed out when the record is written */
	json_object_set_int_member(record, "seq", 0);
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
	return g_steal_pointer(&record);
}

/* Numbers @record's job @seq and adds it to @batch: the record and its index keys. */
static void
sdag_jobs_batch_add_job(SdagStoreBatch *batch, JsonObject *record, guint64 seq)
{
	json_object_set_int_member(record, "seq", (gint64)seq);
	sdag_jobs_batch_put_record(batch, json_object_get_string_member(record, "job_id"), record);
	sdag_job_index_batch_add(batch,
				 json_object_get_string_member(record, "job_id"),
				 seq,
				 json_object_get_string_member(record, "pipeline_id"),
				 json_object_get_string_member_with_default(record, "camera", NULL),
				 SDAG_JOB_QUEUED,
				 sdag_job_index_created_us(record));
}

/* The last seq handed out, in the same batch as the jobs that took it. */
static void
sdag_jobs_batch_put_seq(SdagStoreBatch *batch, guint64 seq)
{
	guint64 seq_be = GUINT64_TO_BE(seq);

	sdag_store_batch_put(batch,
			     SDAG_STORE_JOB_INDEX,
			     (const guint8 *)SDAG_JOBS_SEQ_KEY,
			     strlen(SDAG_JOBS_SEQ_KEY),
			     (const guint8 *)&seq_be,
			     sizeof(seq_be));
}

/* Once @record is on disk: the job joins the active jobs and the tail of the queue. The
 * caller schedules and notifies. */
static SdagJob *
sdag_jobs_enqueue(SdagJobs *self, JsonObject *record)
{
	SdagJob *job = sdag_job_new(self, record);

	self->n_by_status[SDAG_JOB_QUEUED]++;
	g_hash_table_insert(self->active, job->id, job);
	g_queue_push_tail(&self->queue, job);
	return job;
}

static JsonNode *
sdag_jobs_accepted_json(const char *job_id)
{
	JsonObject *answer = json_object_new();
	JsonNode *root = json_node_new(JSON_NODE_OBJECT);

	json_object_set_string_member(answer, "job_id", job_id);
	json_object_set_string_member(answer, "status", "queued");
	json_node_take_object(root, answer);
	return root;
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
	g_autoptr(JsonObject) record = sdag_jobs_prepare(self, body, camera, digest, error);
	g_autoptr(SdagStoreBatch) batch = NULL;
	guint64 seq;
	SdagJob *job;

	if (record == NULL)
		return NULL;
	if (dry_run) {
		JsonNode *empty = json_node_new(JSON_NODE_OBJECT);

		/* taken, not referenced: json_node_init_object() would keep a second ref */
		json_node_take_object(empty, json_object_new());
		return empty;
	}

	seq = self->last_seq + 1;
	batch = sdag_store_batch_new();
	sdag_jobs_batch_add_job(batch, record, seq);
	sdag_jobs_batch_put_seq(batch, seq);
	/* on disk before the answer leaves */
	if (!sdag_store_write(self->store, batch, TRUE, error))
		return NULL;
	self->last_seq = seq;

	job = sdag_jobs_enqueue(self, record);
	sdag_jobs_schedule(self);
	if (camera != NULL)
		g_info("job %s: queued for camera %s (pipeline %s, %s)",
		       job->id,
		       camera,
		       json_object_get_string_member(record, "pipeline_id"),
		       json_object_get_string_member(record, "source"));
	else
		g_info("job %s: queued (pipeline %s, %s)",
		       job->id,
		       json_object_get_string_member(record, "pipeline_id"),
		       json_object_get_string_member(record, "source"));
	sdag_jobs_notify_status(self, job);
	return sdag_jobs_accepted_json(job->id);
}

/* {"index", "code", "message"}: one refused request of a batch */
static JsonNode *
sdag_jobs_batch_problem(guint index, const GError *error)
{
	g_autofree char *redacted = sdag_redact_text(error->message);
	g_autofree char *message = sdag_json_make_valid(redacted);
	JsonObject *obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_object_set_int_member(obj, "index", index);
	json_object_set_string_member(obj,
				      "code",
				      sdag_error_code_to_string(error->domain == SDAG_ERROR
								    ? (SdagError)error->code
								    : SDAG_ERROR_INTERNAL));
	json_object_set_string_member(obj, "message", message);
	json_node_take_object(node, obj);
	return node;
}

/* The batch's shape: an object of "jobs" (an array of 1 to max_batch) and "partial". */
static JsonArray *
sdag_jobs_batch_items(SdagJobs *self, JsonNode *body, gboolean *partial, GError **error)
{
	JsonObject *obj;
	JsonObjectIter iter;
	const char *name;
	JsonNode *value;
	JsonNode *jobs;
	guint n;

	*partial = FALSE;
	if (body == NULL || !JSON_NODE_HOLDS_OBJECT(body)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "the body must be a JSON object: {\"jobs\": [...]}");
		return NULL;
	}
	obj = json_node_get_object(body);
	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &name, &value)) {
		if (g_strcmp0(name, "partial") == 0) {
			if (!JSON_NODE_HOLDS_VALUE(value) ||
			    json_node_get_value_type(value) != G_TYPE_BOOLEAN) {
				g_set_error_literal(error,
						    SDAG_ERROR,
						    SDAG_ERROR_BAD_REQUEST,
						    "'partial' must be true or false");
				return NULL;
			}
			*partial = json_node_get_boolean(value);
		} else if (g_strcmp0(name, "jobs") != 0) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "unknown member '%s' (known: jobs, partial)",
				    name);
			return NULL;
		}
	}
	jobs = json_object_get_member(obj, "jobs");
	if (jobs == NULL || !JSON_NODE_HOLDS_ARRAY(jobs)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "'jobs' must be an array of job requests");
		return NULL;
	}
	n = json_array_get_length(json_node_get_array(jobs));
	if (n == 0) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST, "'jobs' holds no job request");
		return NULL;
	}
	if (n > self->max_batch) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BATCH_TOO_LARGE,
			    "%u job requests are more than [jobs] max_batch (%u)",
			    n,
			    self->max_batch);
		return NULL;
	}
	return json_node_get_array(jobs);
}

/**
 * sdag_jobs_submit_batch:
 * @body: `{"jobs": [JobSubmit, ...], "partial": bool}`
 * @problems: (out) (optional): with INVALID_BATCH, `{"problems": [{"index", "code",
 *   "message"}, ...]}`, every refused request in body order
 *
 * Checks every request as sdag_jobs_submit() would, then writes all of them, queued, in one
 * synced write, in the order given: their seqs follow each other, so that the FIFO queue runs
 * them in body order. Without "partial" one refused request refuses the batch and nothing is
 * written; with it the others are written and the refused ones listed.
 *
 * Contract: O(n) checks (one registry read and one source check a request) and one synced
 * write of n records and their index keys, all on the calling (main) context; the queue
 * grows by n at once and one schedule follows.
 *
 * Returns: (transfer full): `{"jobs": [{"index", "job_id", "status": "queued"}, ...],
 *   "rejected": [{"index", "code", "message"}, ...]}`, or NULL with BAD_REQUEST (the shape),
 *   BATCH_TOO_LARGE, INVALID_BATCH (with @problems) or the store's error
 */
JsonNode *
sdag_jobs_submit_batch(SdagJobs *self, JsonNode *body, JsonNode **problems, GError **error)
{
	g_autoptr(GPtrArray) records =
	    g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	g_autoptr(GArray) indexes = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(JsonArray) rejected = json_array_new();
	g_autoptr(JsonArray) accepted = json_array_new();
	g_autoptr(SdagStoreBatch) batch = NULL;
	g_autoptr(GPtrArray) jobs = g_ptr_array_new();
	JsonObject *answer;
	JsonNode *root;
	JsonArray *items;
	gboolean partial = FALSE;
	guint64 seq;

	items = sdag_jobs_batch_items(self, body, &partial, error);
	if (items == NULL)
		return NULL;
	for (guint i = 0; i < json_array_get_length(items); i++) {
		g_autoptr(GError) error_local = NULL;
		JsonObject *record = sdag_jobs_prepare(
		    self, json_array_get_element(items, i), NULL, NULL, &error_local);

		if (record == NULL) {
			/* the store failing is no fault of the request: nothing goes on */
			if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_STORE)) {
				g_propagate_error(error, g_steal_pointer(&error_local));
				return NULL;
			}
			json_array_add_element(rejected, sdag_jobs_batch_problem(i, error_local));
			continue;
		}
		g_ptr_array_add(records, record);
		g_array_append_val(indexes, i);
	}
	if (records->len == 0 || (json_array_get_length(rejected) > 0 && !partial)) {
		JsonObject *first = json_array_get_object_element(rejected, 0);
		guint n = json_array_get_length(rejected);

		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INVALID_BATCH,
			    "job %" G_GINT64_FORMAT ": %s (%u of %u requests refused; none stored)",
			    json_object_get_int_member(first, "index"),
			    json_object_get_string_member(first, "message"),
			    n,
			    json_array_get_length(items));
		if (problems != NULL) {
			JsonObject *details = json_object_new();

			json_object_set_array_member(details, "problems", json_array_ref(rejected));
			*problems = json_node_init_object(json_node_alloc(), details);
			json_object_unref(details);
		}
		return NULL;
	}

	batch = sdag_store_batch_new();
	seq = self->last_seq;
	for (guint i = 0; i < records->len; i++)
		sdag_jobs_batch_add_job(batch, g_ptr_array_index(records, i), ++seq);
	sdag_jobs_batch_put_seq(batch, seq);
	/* all on disk, in one write, before the answer leaves */
	if (!sdag_store_write(self->store, batch, TRUE, error))
		return NULL;
	self->last_seq = seq;

	for (guint i = 0; i < records->len; i++) {
		SdagJob *job = sdag_jobs_enqueue(self, g_ptr_array_index(records, i));
		JsonObject *item = json_object_new();

		g_ptr_array_add(jobs, job);
		json_object_set_int_member(item, "index", g_array_index(indexes, guint, i));
		json_object_set_string_member(item, "job_id", job->id);
		json_object_set_string_member(item, "status", "queued");
		json_array_add_object_element(accepted, item);
		g_debug("job %s: queued in a batch (pipeline %s, %s)",
			job->id,
			json_object_get_string_member(job->record, "pipeline_id"),
			json_object_get_string_member(job->record, "source"));
	}
	sdag_jobs_schedule(self);
	g_info("batch of %u jobs queued (%s to %s); %u refused",
	       records->len,
	       ((SdagJob *)g_ptr_array_index(jobs, 0))->id,
	       ((SdagJob *)g_ptr_array_index(jobs, jobs->len - 1))->id,
	       json_array_get_length(rejected));
	for (guint i = 0; i < jobs->len; i++)
		sdag_jobs_notify_status(self, g_ptr_array_index(jobs, i));

	answer = json_object_new();
	json_object_set_array_member(answer, "jobs", g_steal_pointer(&accepted));
	json_object_set_array_member(answer, "rejected", g_steal_pointer(&rejected));
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
