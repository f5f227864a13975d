/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * The job manager: records, public JSON, listeners, life cycle and control (cancel,
 * delete); the state machine and key layout are described in sdag-jobs-private.h.
 */
#define G_LOG_DOMAIN "sdag-jobs"

#include "sdag-jobs-private.h"

void
sdag_jobs_batch_put_json(SdagStoreBatch *batch,
			 SdagStoreFamily family,
			 const char *key,
			 JsonNode *value)
{
	g_autofree char *text = sdag_json_to_string(value);
	sdag_store_batch_put(
	    batch, family, (const guint8 *)key, strlen(key), (const guint8 *)text, strlen(text));
}

void
sdag_jobs_batch_put_record(SdagStoreBatch *batch, const char *job_id, JsonObject *record)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(node, record);
	sdag_jobs_batch_put_json(batch, SDAG_STORE_JOBS, job_id, node);
}

char *
sdag_jobs_now(void)
{
	return sdag_json_timestamp(g_get_real_time());
}

/* records */

JsonObject *
sdag_jobs_load_record(SdagJobs *self, const char *job_id, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(JsonNode) node = NULL;
	gsize len = 0;
	const char *data;

	blob = sdag_store_get(
	    self->store, SDAG_STORE_JOBS, (const guint8 *)job_id, strlen(job_id), &error_local);
	if (blob == NULL) {
		if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND) &&
		    sdag_quarantine_contains(self->store, SDAG_STORE_JOBS, job_id))
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_JOB_NOT_FOUND,
				    "job '%s' was quarantined: its stored record cannot be read "
				    "(see /healthz); DELETE removes what is left of it",
				    job_id);
		else if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND))
			g_set_error(
			    error, SDAG_ERROR, SDAG_ERROR_JOB_NOT_FOUND, "no job '%s'", job_id);
		else
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	data = g_bytes_get_data(blob, &len);
	node = sdag_json_parse(data, (gssize)len, &error_local);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_STORE, "job '%s': corrupt record", job_id);
		return NULL;
	}
	return json_object_ref(json_node_get_object(node));
}

JsonNode *
sdag_jobs_load_json(SdagJobs *self, SdagStoreFamily family, const char *job_id)
{
	g_autoptr(GBytes) blob =
	    sdag_store_get(self->store, family, (const guint8 *)job_id, strlen(job_id), NULL);
	gsize len = 0;
	const char *data;

	if (blob == NULL)
		return NULL;
	data = g_bytes_get_data(blob, &len);
	return sdag_json_parse(data, (gssize)len, NULL);
}

SdagJobStatus
sdag_jobs_record_status(JsonObject *record)
{
	SdagJobStatus status = SDAG_JOB_FAILED;
	sdag_job_status_from_string(
	    json_object_get_string_member_with_default(record, "status", ""), &status);
	return status;
}

void
sdag_job_free(SdagJob *job)
{
	g_assert(job->worker == NULL);
	g_assert(job->waiters == NULL);
	g_clear_pointer(&job->end_summary, json_node_unref);
	g_clear_pointer(&job->end_metrics, json_node_unref);
	json_object_unref(job->record);
	g_free(job->id);
	g_free(job);
}

SdagJob *
sdag_job_new(SdagJobs *self, JsonObject *record)
{
	SdagJob *job = g_new0(SdagJob, 1);

	job->jobs = self;
	job->record = json_object_ref(record);
	job->id = g_strdup(json_object_get_string_member(record, "job_id"));
	job->seq = (guint64)json_object_get_int_member(record, "seq");
	job->status = sdag_jobs_record_status(record);
	job->live = sdag_source_url_is_live(
	    json_object_get_string_member_with_default(record, "source_url", ""));
	return job;
}

/**
 * sdag_jobs_set_status:
 * @extra: (nullable): more operations to write in the same batch
 *
 * The one place a status changes: checks the transition table, then writes the record, its
 * index keys and @extra in one synced batch. On failure nothing changed, on disk or here.
 */
gboolean
sdag_jobs_set_status(SdagJobs *self,
		     SdagJob *job,
		     SdagJobStatus to,
		     SdagStoreBatch *extra,
		     GError **error)
{
	g_autoptr(SdagStoreBatch) batch = extra != NULL ? extra : sdag_store_batch_new();
	SdagJobStatus from = job->status;

	if (!sdag_job_status_can_change(from, to)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INTERNAL,
			    "job %s: %s cannot become %s",
			    job->id,
			    sdag_job_status_to_string(from),
			    sdag_job_status_to_string(to));
		return FALSE;
	}
	json_object_set_string_member(job->record, "status", sdag_job_status_to_string(to));
	sdag_job_index_batch_move(batch,
				  job->id,
				  job->seq,
				  json_object_get_string_member(job->record, "pipeline_id"),
				  from,
				  to);
	sdag_jobs_batch_put_record(batch, job->id, job->record);
	if (!sdag_store_write(self->store, batch, TRUE, error)) {
		json_object_set_string_member(
		    job->record, "status", sdag_job_status_to_string(from));
		g_prefix_error(error, "job %s: ", job->id);
		return FALSE;
	}
	job->status = to;
	self->n_by_status[from]--;
	self->n_by_status[to]++;
	g_info("job %s: %s -> %s",
	       job->id,
	       sdag_job_status_to_string(from),
	       sdag_job_status_to_string(to));
	sdag_jobs_notify_status(self, job);
	return TRUE;
}

void
sdag_jobs_set_error_member(JsonObject *record, const char *code, const char *message)
{
	JsonObject *err = json_object_new();
	/* GStreamer's messages quote the source's URL */
	g_autofree char *redacted = sdag_redact_text(message);
	g_autofree char *valid = sdag_json_make_valid(redacted);

	json_object_set_string_member(err, "code", code);
	json_object_set_string_member(err, "message", valid);
	json_object_set_object_member(record, "error", err);
}

/* public JSON */

/* The figures only the running pipeline knows, into a public answer or, as the job ends,
 * into its record. */
void
sdag_jobs_add_live(SdagJob *job, JsonObject *out)
{
	guint64 decoded = 0;
	guint64 processed = 0;
	double progress;
	double elapsed;

	if (job->worker == NULL)
		return;
	progress = sdag_runner_get_progress(job->worker);
	sdag_runner_get_counts(job->worker, &decoded, &processed);
	elapsed = (double)(g_get_monotonic_time() - job->started_mono) / G_USEC_PER_SEC;
	if (progress >= 0)
		json_object_set_double_member(out, "progress", progress);
	json_object_set_int_member(out, "frames_decoded", (gint64)decoded);
	json_object_set_int_member(out, "frames_processed", (gint64)processed);
	json_object_set_double_member(out, "fps", elapsed > 0 ? (double)processed / elapsed : 0.0);
	sdag_runner_add_json(job->worker, out);
}

/* The record as clients see it: no raw source URL (it may hold a password), no seq, no
 * camera digest. */
JsonNode *
sdag_jobs_public_json(JsonObject *record, SdagJob *live, gboolean full, JsonNode *summary)
{
	JsonObject *out = json_object_new();
	/* in the record's order, which is the order documented */
	g_autoptr(GList) names = json_object_get_members(record);
	JsonNode *root;

	for (GList *l = names; l != NULL; l = l->next) {
		const char *name = l->data;
		/* the digest is of a job body that holds the camera's password */
		if (g_strcmp0(name, "source_url") == 0 || g_strcmp0(name, "seq") == 0 ||
		    g_strcmp0(name, "camera_digest") == 0)
			continue;
		if (!full && g_strcmp0(name, "pipeline") == 0)
			continue;
		json_object_set_member(
		    out, name, json_node_copy(json_object_get_member(record, name)));
	}
	if (json_object_has_member(out, "options"))
		json_object_set_member(
		    out,
		    "options",
		    sdag_live_redact_options(json_object_get_object_member(out, "options")));
	if (live != NULL)
		sdag_jobs_add_live(live, out);
	if (summary != NULL)
		json_object_set_member(out, "summary", json_node_copy(summary));
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, out);
	return root;
}

JsonNode *
sdag_jobs_job_json(SdagJobs *self, SdagJob *job)
{
	g_autoptr(JsonNode) summary = NULL;

	if (sdag_job_status_is_terminal(job->status))
		summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job->id);
	return sdag_jobs_public_json(job->record, job, TRUE, summary);
}

/* listeners */

void
sdag_jobs_notify_status(SdagJobs *self, SdagJob *job)
{
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonNode) summary = NULL;

	for (guint i = 0; i < self->listeners->len; i++) {
		SdagJobsListenerEntry *e =
		    &g_array_index(self->listeners, SdagJobsListenerEntry, i);
		if (e->vtable.status_changed == NULL)
			continue;
		if (node == NULL) {
			if (sdag_job_status_is_terminal(job->status))
				summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job->id);
			node = sdag_jobs_public_json(job->record, job, FALSE, summary);
		}
		e->vtable.status_changed(job->id, node, e->user_data);
	}
}

/* Main context: a running live job's source changed state. */
void
sdag_jobs_source_cb(SdagRunner *worker, gpointer user_data)
{
	SdagJob *job = user_data;
	SdagJobs *self = job->jobs;
	g_autoptr(JsonNode) node = NULL;

	for (guint i = 0; i < self->listeners->len; i++) {
		SdagJobsListenerEntry *e =
		    &g_array_index(self->listeners, SdagJobsListenerEntry, i);
		if (e->vtable.source_changed == NULL)
			continue;
		if (node == NULL)
			node = sdag_jobs_public_json(job->record, job, FALSE, NULL);
		e->vtable.source_changed(job->id, node, e->user_data);
	}
}

/* A streaming thread: the listener array does not change while a worker runs. */
void
sdag_jobs_frame_cb(SdagRunner *worker, const SdagFrameResult *result, gpointer user_data)
{
	SdagJobs *self = user_data;

	for (guint i = 0; i < self->listeners->len; i++) {
		SdagJobsListenerEntry *e =
		    &g_array_index(self->listeners, SdagJobsListenerEntry, i);
		if (e->vtable.frame != NULL)
			e->vtable.frame(sdag_runner_get_job_id(worker), result, e->user_data);
	}
}

/**
 * sdag_jobs_add_listener:
 *
 * Adds a listener for every job's status changes and frames, for as long as @self lives.
 * Listeners are added while no job runs (when the daemon is wired), since streaming
 * threads read them without a lock.
 */
void
sdag_jobs_add_listener(SdagJobs *self, const SdagJobsListener *listener, gpointer user_data)
{
	SdagJobsListenerEntry e = {.vtable = *listener, .user_data = user_data};

	g_return_if_fail(self->n_running == 0 && self->n_live == 0);
	g_array_append_val(self->listeners, e);
}

/**
 * sdag_jobs_new:
 *
 * Opens the job manager over the store. No job changes status until sdag_jobs_start(), so
 * that the listeners added in between hear every change made at start-up.
 *
 * Returns: (transfer full): the manager, or NULL when a media root is missing
 */
SdagJobs *
sdag_jobs_new(SdagStore *store,
	      SdagRegistry *registry,
	      SdagNodeTypes *types,
	      const SdagConfig *config,
	      GError **error)
{
	g_autoptr(SdagJobs) self = g_new0(SdagJobs, 1);
	g_autoptr(GBytes) seq = NULL;

	self->store = store;
	self->registry = registry;
	self->types = types;
	self->max_running = config->max_concurrent_jobs;
	self->max_batch = MAX(config->max_batch, 1u);
	self->start_timeout_s = config->start_timeout_s;
	self->max_attempts = config->max_attempts;
	self->max_frame_pixels = config->max_frame_pixels;
	self->decoder_threads = config->decoder_threads;
	self->live_config = &config->live;
	self->max_live = MAX(config->live.max_live_jobs, 1u);
	self->policy.allow_private_networks = config->allow_private_networks;
	self->active = g_hash_table_new(g_str_hash, g_str_equal);
	self->busy_analysis = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->cache = sdag_job_cache_new(config->job_cache_bytes);
	self->listeners = g_array_new(FALSE, FALSE, sizeof(SdagJobsListenerEntry));
	g_queue_init(&self->queue);
	self->policy.media_roots =
	    sdag_source_resolve_roots((const char *const *)config->media_roots, error);
	if (self->policy.media_roots == NULL)
		return NULL;
	if (!sdag_job_index_upgrade(store, error))
		return NULL;
	if (!sdag_jobs_count_statuses(self, error))
		return NULL;
	seq = sdag_store_get(self->store,
			     SDAG_STORE_JOB_INDEX,
			     (const guint8 *)SDAG_JOBS_SEQ_KEY,
			     strlen(SDAG_JOBS_SEQ_KEY),
			     NULL);
	if (seq != NULL && g_bytes_get_size(seq) == sizeof(guint64)) {
		guint64 be;
		memcpy(&be, g_bytes_get_data(seq, NULL), sizeof(be));
		self->last_seq = GUINT64_FROM_BE(be);
	}
	return g_steal_pointer(&self);
}

/**
 * sdag_jobs_start:
 *
 * Start-up, once the listeners are in place: applies the interruption rule to jobs left
 * running, queues the queued ones in submission order and starts them from the main loop.
 * Listeners hear each of these changes.
 *
 * Returns: FALSE when the store cannot be read
 */
gboolean
sdag_jobs_start(SdagJobs *self, GError **error)
{
	if (!sdag_jobs_recover(self, error))
		return FALSE;
	sdag_jobs_schedule(self);
	return TRUE;
}

/**
 * sdag_jobs_free:
 *
 * Stops the running jobs (their frames so far are kept, and each gets the interruption rule
 * it asked for); queued jobs stay queued on disk.
 */
void
sdag_jobs_free(SdagJobs *self)
{
	GHashTableIter iter;
	gpointer value;

	if (self == NULL)
		return;
	self->closing = TRUE;
	if (self->schedule_id != 0) {
		g_source_remove(self->schedule_id);
		self->schedule_id = 0;
	}
	g_clear_handle_id(&self->retry_id, g_source_remove);
	/* jobs already stopping finish through their done callback */
	for (;;) {
		gboolean pending = FALSE;
		g_hash_table_iter_init(&iter, self->active);
		while (g_hash_table_iter_next(&iter, NULL, &value)) {
			SdagJob *job = value;
			if (job->worker != NULL && sdag_runner_is_stopping(job->worker))
				pending = TRUE;
		}
		if (!pending)
			break;
		g_main_context_iteration(NULL, TRUE);
	}
	g_hash_table_iter_init(&iter, self->active);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		SdagJob *job = value;

		if (job->worker != NULL && job->live) {
			/* stays running on disk: it resumes at the next start */
			g_autoptr(GError) error = NULL;
			g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();

			sdag_runner_stop_sync(job->worker);
			sdag_jobs_add_live(job, job->record);
			g_clear_pointer(&job->worker, sdag_runner_free);
			sdag_jobs_batch_put_record(batch, job->id, job->record);
			if (!sdag_store_write(self->store, batch, TRUE, &error))
				g_warning("%s", error->message);
		} else if (job->worker != NULL) {
			g_autoptr(JsonNode) summary = NULL;

			sdag_runner_stop_sync(job->worker);
			summary = sdag_runner_dup_summary(job->worker);
			sdag_jobs_add_live(job, job->record);
			g_clear_pointer(&job->worker, sdag_runner_free);
			sdag_jobs_interrupt(self, job, summary);
		}
		/* a cancel still waiting gets the job as it is now */
		if (job->waiters != NULL)
			sdag_jobs_answer_waiters(self, job);
		sdag_job_free(job);
	}
	g_hash_table_unref(self->active);
	g_hash_table_unref(self->busy_analysis);
	sdag_job_cache_free(self->cache);
	g_array_unref(self->listeners);
	g_queue_clear(&self->queue);
	g_strfreev(self->policy.media_roots);
	g_free(self);
}

/* control */

/**
 * sdag_jobs_cancel:
 * @func: called with the job once it has stopped: at once for a queued job, within about a
 *   second for a running one
 *
 * Returns: %FALSE with JOB_NOT_FOUND or JOB_TERMINAL, and then @func is not called
 */
gboolean
sdag_jobs_cancel(SdagJobs *self,
		 const char *job_id,
		 SdagJobsReplyFunc func,
		 gpointer user_data,
		 GError **error)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);
	SdagJobsWaiter *waiter;

	if (job != NULL && job->unsaved) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_JOB_TERMINAL,
			    "job '%s' is already %s",
			    job_id,
			    sdag_job_status_to_string(job->end_to));
		return FALSE;
	}
	if (job == NULL) {
		SdagJobStatus status;
		if (!sdag_jobs_lookup_status(self, job_id, &status, error))
			return FALSE;
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_JOB_TERMINAL,
			    "job '%s' is already %s",
			    job_id,
			    sdag_job_status_to_string(status));
		return FALSE;
	}
	if (job->worker == NULL) {
		/* queued, or a live job waiting in the queue to resume */
		g_autofree char *now = sdag_jobs_now();
		g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
		g_autoptr(SdagResults) empty = sdag_results_new(self->store, job->id);
		g_autoptr(JsonNode) summary = sdag_results_dup_summary(empty);
		g_autoptr(JsonNode) json = NULL;

		json_object_set_string_member(job->record, "finished_at", now);
		sdag_jobs_batch_put_json(batch, SDAG_STORE_RESULTS, job->id, summary);
		if (!sdag_jobs_set_status(
			self, job, SDAG_JOB_CANCELLED, g_steal_pointer(&batch), error))
			return FALSE;
		g_queue_remove(&self->queue, job);
		g_hash_table_steal(self->active, job->id);
		json = sdag_jobs_job_json(self, job);
		sdag_job_free(job);
		func(json, NULL, user_data);
		return TRUE;
	}
	waiter = g_new0(SdagJobsWaiter, 1);
	waiter->func = func;
	waiter->user_data = user_data;
	job->waiters = g_slist_append(job->waiters, waiter);
	sdag_runner_cancel(job->worker);
	return TRUE;
}

/* Everything a job wrote but its record and index keys. */
static void
sdag_jobs_batch_delete_rows(SdagStoreBatch *batch, const char *job_id)
{
	sdag_results_batch_delete_frames(batch, job_id);
	sdag_store_batch_delete(batch, SDAG_STORE_RESULTS, (const guint8 *)job_id, strlen(job_id));
	sdag_store_batch_delete(batch, SDAG_STORE_METRICS, (const guint8 *)job_id, strlen(job_id));
	sdag_store_batch_delete(batch, SDAG_STORE_STATE, (const guint8 *)job_id, strlen(job_id));
	sdag_snapshot_batch_delete(batch, job_id);
	/* the MQTT feed's event numbering and open tracks of the job (docs/store.md, outbox):
	 * a deleted job publishes nothing more */
	{
		g_autofree char *seq_key = g_strconcat("s", job_id, NULL);
		g_autofree char *tracks = g_strconcat("t", job_id, NULL);

		sdag_store_batch_delete(
		    batch, SDAG_STORE_OUTBOX, (const guint8 *)seq_key, strlen(seq_key));
		/* "t" + id + NUL: the NUL keeps another id with this one as a prefix out */
		sdag_store_batch_delete_prefix(
		    batch, SDAG_STORE_OUTBOX, (const guint8 *)tracks, strlen(tracks) + 1);
	}
}

/**
 * sdag_jobs_set_media_roots:
 * @roots: the directories file sources may read from (a reload's [jobs] media_roots)
 *
 * Replaces the media roots for jobs submitted from now on, and for queued jobs, whose
 * source is checked again when they start. On error (a root that cannot be resolved) the
 * roots in force stay.
 */
gboolean
sdag_jobs_set_media_roots(SdagJobs *self, const char *const *roots, GError **error)
{
	GStrv resolved = sdag_source_resolve_roots(roots, error);

	if (resolved == NULL)
		return FALSE;
	g_strfreev(self->policy.media_roots);
	self->policy.media_roots = resolved;
	return TRUE;
}

/**
 * sdag_jobs_delete:
 *
 * Removes a terminal job: record, index keys, frames, results and metrics, in one synced
 * batch.
 *
 * Returns: %FALSE with JOB_NOT_FOUND or JOB_NOT_TERMINAL
 */
gboolean
sdag_jobs_delete(SdagJobs *self, const char *job_id, GError **error)
{
	g_autoptr(JsonObject) record = NULL;
	g_autoptr(SdagStoreBatch) batch = NULL;
	SdagJobStatus status;
	guint64 seq;

	if (g_hash_table_contains(self->active, job_id)) {
		SdagJob *job = g_hash_table_lookup(self->active, job_id);
		if (job->unsaved) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_STORAGE_FULL,
				    "job '%s' ended while the disk was full: its end is written, "
				    "and it can be deleted, once space returns",
				    job_id);
			return FALSE;
		}
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_JOB_NOT_TERMINAL,
			    "job '%s' is %s: cancel it first",
			    job_id,
			    sdag_job_status_to_string(job->status));
		return FALSE;
	}
	batch = sdag_store_batch_new();
	if (sdag_quarantine_contains(self->store, SDAG_STORE_JOBS, job_id)) {
		/* its index keys went at the sweep, and no status count holds it */
		sdag_quarantine_batch_delete(batch, SDAG_STORE_JOBS, job_id);
		sdag_jobs_batch_delete_rows(batch, job_id);
		if (!sdag_store_write(self->store, batch, TRUE, error))
			return FALSE;
		g_info("job %s: quarantined record deleted", job_id);
		return TRUE;
	}
	record = sdag_jobs_load_record(self, job_id, error);
	if (record == NULL)
		return FALSE;
	status = sdag_jobs_record_status(record);
	seq = (guint64)json_object_get_int_member(record, "seq");
	sdag_store_batch_delete(batch, SDAG_STORE_JOBS, (const guint8 *)job_id, strlen(job_id));
	sdag_job_index_batch_remove(
	    batch,
	    seq,
	    json_object_get_string_member(record, "pipeline_id"),
	    json_object_get_string_member_with_default(record, "camera", NULL),
	    status,
	    sdag_job_index_created_us(record));
	sdag_jobs_batch_delete_rows(batch, job_id);
	if (!sdag_store_write(self->store, batch, TRUE, error))
		return FALSE;
	self->n_by_status[status]--;
	sdag_job_cache_remove(self->cache, job_id);
	g_info("job %s: deleted", job_id);
	return TRUE;
}
void
sdag_jobs_get_counts(SdagJobs *self, guint *queued, guint *running)
{
	*queued = g_queue_get_length(&self->queue);
	*running = self->n_running + self->n_live;
}

/* Jobs in the store by status, as GET /jobs?status= would count them; for Prometheus */
void
sdag_jobs_get_status_counts(SdagJobs *self, guint64 counts[SDAG_JOB_N_STATUSES])
{
	memcpy(counts, self->n_by_status, sizeof(self->n_by_status));
}

/* The cache of ended jobs' answers ([rest] job_cache_bytes), for Prometheus */
void
sdag_jobs_get_cache_stats(SdagJobs *self, SdagJobCacheStats *stats)
{
	sdag_job_cache_get_stats(self->cache, stats);
}

/**
 * sdag_jobs_prune:
 * @before_us: jobs created before this time (µs since 1970)
 * @statuses: (nullable): a NULL-terminated list of terminal statuses; NULL: all three
 * @pipeline_id: (nullable): only this pipeline's jobs
 * @dry_run: count and list, delete nothing
 *
 * Explicit retention: deletes the terminal jobs the filter selects, each as DELETE /jobs/{id}
 * does (record, index keys, rows, in one synced batch), oldest first. Nothing is pruned
 * unless asked: the daemon never deletes a job by itself.
 *
 * Returns: (transfer full): `{"dry_run", "matched", "deleted", "job_ids": [...]}` (the
 *   ids of the first 1000), or NULL with @error (BAD_STATUS for a status that is not
 *   terminal, the store's errors; what was deleted before stays deleted and is counted in
 *   the log)
 */
JsonNode *
sdag_jobs_prune(SdagJobs *self,
		gint64 before_us,
		const SdagJobStatus *statuses,
		guint n_statuses,
		const char *pipeline_id,
		gboolean dry_run,
		GError **error)
{
	static const SdagJobStatus terminal[] = {
	    SDAG_JOB_COMPLETED, SDAG_JOB_FAILED, SDAG_JOB_CANCELLED};
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	guint64 matched = 0;
	guint64 deleted = 0;

	if (statuses == NULL) {
		statuses = terminal;
		n_statuses = G_N_ELEMENTS(terminal);
	}
	for (guint i = 0; i < n_statuses; i++) {
		if (!sdag_job_status_is_terminal(statuses[i])) {
			g_set_error(
			    error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_STATUS,
			    "only jobs that ended are pruned (completed, failed, cancelled), "
			    "not %s ones",
			    sdag_job_status_to_string(statuses[i]));
			return NULL;
		}
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "job_ids");
	json_builder_begin_array(b);
	for (guint i = 0; i < n_statuses; i++) {
		g_autofree char *cursor = NULL;

		for (;;) {
			SdagJobsFilter filter = {
			    .pipeline_id = pipeline_id,
			    .status = (gint)statuses[i],
			    .since_us = SDAG_QUERY_NO_TIME,
			    .until_us = before_us,
			    .ascending = TRUE,
			    .limit = SDAG_JOBS_LIST_MAX,
			    .cursor = cursor,
			};
			guint64 next = 0;
			g_autoptr(GPtrArray) ids =
			    sdag_job_index_query(self->store, &filter, &next, error);

			if (ids == NULL)
				return NULL;
			for (guint k = 0; k < ids->len; k++) {
				const char *id = g_ptr_array_index(ids, k);

				if (matched++ < SDAG_JOBS_LIST_MAX)
					json_builder_add_string_value(b, id);
				if (dry_run)
					continue;
				if (!sdag_jobs_delete(self, id, error)) {
					g_prefix_error(error,
						       "pruned %" G_GUINT64_FORMAT
						       " job(s), then: ",
						       deleted);
					return NULL;
				}
				deleted++;
			}
			if (next == 0)
				break;
			g_free(cursor);
			cursor = sdag_query_cursor_format(next);
		}
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "dry_run");
	json_builder_add_boolean_value(b, dry_run);
	json_builder_set_member_name(b, "matched");
	json_builder_add_int_value(b, (gint64)matched);
	json_builder_set_member_name(b, "deleted");
	json_builder_add_int_value(b, (gint64)deleted);
	json_builder_end_object(b);
	if (!dry_run)
		g_message("jobs: %" G_GUINT64_FORMAT " ended job(s) pruned", deleted);
	return json_builder_get_root(b);
}
