/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * The job manager's scheduling: starting queued jobs in their slots, a runner's end,
 * and the retries while the store is full.
 */
#define G_LOG_DOMAIN "sdag-jobs"

#include "sdag-jobs-private.h"

/* scheduling */

/* The share of a job's wall time its analysis thread is busy from which the next jobs like
 * it leave that thread a core. Measured on 2 cores over a 720p clip: a motion_tracking_v1
 * job at stride 1 is busy 0.25 to 0.28 of its time and is faster on one decoding thread
 * than on two; a passthrough_v1 job is busy 0.05 and faster on two. */
#define SDAG_JOBS_BUSY_ANALYSIS 0.15

static void sdag_jobs_worker_done_cb(SdagRunner *worker, gpointer user_data);

void
sdag_jobs_answer_waiters(SdagJobs *self, SdagJob *job)
{
	g_autoptr(JsonNode) json = sdag_jobs_job_json(self, job);
	GSList *waiters = g_steal_pointer(&job->waiters);

	for (GSList *l = waiters; l != NULL; l = l->next) {
		SdagJobsWaiter *w = l->data;
		w->func(json, NULL, w->user_data);
	}
	g_slist_free_full(waiters, g_free);
}

static gboolean sdag_jobs_retry_cb(gpointer user_data);

static void
sdag_jobs_retry_later(SdagJobs *self)
{
	if (self->retry_id == 0 && !self->closing)
		self->retry_id = g_timeout_add_seconds(1, sdag_jobs_retry_cb, self);
}

/*
 * Writes a job's end (end_to, end_summary, end_metrics). On a full disk the job stays active
 * and unsaved instead: its answers say how it ended, and the write is retried each second
 * until it lands. If the daemon stops first, the record on disk still says running, and the
 * next start applies the interruption rule to it.
 *
 * Returns: TRUE when the job is done with (its end written, or failed for another reason
 * than space): the caller drops it from the active jobs
 */
static gboolean
sdag_jobs_write_end(SdagJobs *self, SdagJob *job)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();

	sdag_jobs_batch_put_json(batch, SDAG_STORE_RESULTS, job->id, job->end_summary);
	if (job->end_metrics != NULL)
		sdag_jobs_batch_put_json(batch, SDAG_STORE_METRICS, job->id, job->end_metrics);
	if (!sdag_jobs_set_status(self, job, job->end_to, g_steal_pointer(&batch), &error)) {
		if (g_error_matches(error, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)) {
			if (!job->unsaved)
				g_warning("%s; written when space returns", error->message);
			job->unsaved = TRUE;
			json_object_set_string_member(
			    job->record, "status", sdag_job_status_to_string(job->end_to));
			sdag_jobs_retry_later(self);
			return FALSE;
		}
		g_warning("%s", error->message);
	}
	job->unsaved = FALSE;
	return TRUE;
}

static void
sdag_jobs_drop(SdagJobs *self, SdagJob *job)
{
	g_hash_table_steal(self->active, job->id);
	sdag_job_free(job);
}

/* Ends a job that could not start (queued or just running → failed), with an empty
 * summary. */
static void
sdag_jobs_fail_start(SdagJobs *self, SdagJob *job, const char *code, const char *message)
{
	g_autofree char *now = sdag_jobs_now();
	g_autoptr(SdagResults) empty = sdag_results_new(self->store, job->id);

	g_warning("job %s: cannot start: %s: %s", job->id, code, message);
	sdag_jobs_set_error_member(job->record, code, message);
	json_object_set_string_member(job->record, "finished_at", now);
	job->end_to = SDAG_JOB_FAILED;
	job->end_summary = sdag_results_dup_summary(empty);
	if (sdag_jobs_write_end(self, job))
		sdag_jobs_drop(self, job);
}

/* What tells jobs apart for their analysis's load: the pipeline, the stride and the decode
 * mode. Returns: (transfer full) */
static char *
sdag_jobs_analysis_key(SdagJob *job)
{
	JsonObject *options = json_object_get_object_member(job->record, "options");

	return g_strdup_printf(
	    "%s/%" G_GINT64_FORMAT "/%s",
	    json_object_get_string_member(job->record, "pipeline_id"),
	    options != NULL ? json_object_get_int_member_with_default(options, "stride", 1) : 1,
	    options != NULL ? json_object_get_string_member_with_default(options, "decode", "all")
			    : "all");
}

/* Whether the job's analysis thread (the DAG, the hand-over of each frame's row) took
 * SDAG_JOBS_BUSY_ANALYSIS of its wall time or more, from its record's analysis_cpu_s; the
 * next job of the same pipeline, stride and decode mode decodes accordingly. A job that
 * ran no frame says nothing. */
static void
sdag_jobs_note_analysis(SdagJobs *self, SdagJob *job)
{
	g_autofree char *key = NULL;
	double wall_s = (double)(g_get_monotonic_time() - job->started_mono) / G_USEC_PER_SEC;
	double cpu_s;

	if (job->live || job->started_mono == 0 || wall_s <= 0 ||
	    !json_object_has_member(job->record, "analysis_cpu_s") ||
	    json_object_get_int_member_with_default(job->record, "frames_processed", 0) == 0)
		return;
	cpu_s = json_object_get_double_member(job->record, "analysis_cpu_s");
	key = sdag_jobs_analysis_key(job);
	if (cpu_s >= SDAG_JOBS_BUSY_ANALYSIS * wall_s)
		g_hash_table_add(self->busy_analysis, g_steal_pointer(&key));
	else
		g_hash_table_remove(self->busy_analysis, key);
}

/* The threads of a job's decoders. Auto: the CPUs shared among the file jobs that will run
 * beside it — those running and those queued, up to max_concurrent_jobs — so that a job on its
 * own decodes on every core and a batch does not start a thread per core per job; one fewer
 * when the last job like it kept its analysis thread busy. A live job runs for long beside
 * whatever comes: it counts on the full max_concurrent_jobs. */
static guint
sdag_jobs_decoder_threads(SdagJobs *self, SdagJob *job)
{
	guint sharing = self->n_running + 1;
	g_autofree char *key = sdag_jobs_analysis_key(job);
	gboolean busy = g_hash_table_contains(self->busy_analysis, key);

	if (self->decoder_threads > 0 || job->live)
		return sdag_decode_threads_for(self->decoder_threads, self->max_running, busy);
	for (GList *l = self->queue.head; l != NULL && sharing < self->max_running; l = l->next)
		if (!((SdagJob *)l->data)->live)
			sharing++;
	return sdag_decode_threads_for(0, MIN(sharing, self->max_running), busy);
}

static void
sdag_jobs_start_job(SdagJobs *self, SdagJob *job)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagSource) source = NULL;
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autofree char *now = sdag_jobs_now();
	JsonObject *options = json_object_get_object_member(job->record, "options");
	SdagRunnerOptions wopts = {0};
	SdagLiveOptions lopts = {0};
	SdagDag *dag;

	/* the policy may have changed since the job was submitted: it is checked again */
	source = sdag_source_parse(
	    json_object_get_string_member(job->record, "source_url"), &self->policy, &error);
	if (source == NULL) {
		sdag_jobs_fail_start(
		    self, job, sdag_error_code_to_string(error->code), error->message);
		return;
	}
	dag = sdag_dag_compile(
	    json_object_get_member(job->record, "pipeline"), self->types, problems);
	if (dag == NULL) {
		g_autoptr(JsonNode) pj = sdag_dag_problems_to_json(problems);
		g_autofree char *text = sdag_json_to_string(pj);
		g_autofree char *msg = g_strdup_printf("the pipeline no longer compiles: %s", text);
		sdag_jobs_fail_start(self, job, "invalid_pipeline", msg);
		return;
	}

	/* counted now, with this job out of the queue; said in its record */
	wopts.decoder_threads = sdag_jobs_decoder_threads(self, job);
	json_object_set_int_member(job->record, "decoder_threads", wopts.decoder_threads);
	if (job->status == SDAG_JOB_RUNNING) {
		/* a live job resumed after a daemon stop: running it was, running it stays */
		g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
		json_object_set_string_member(job->record, "resumed_at", now);
		sdag_jobs_batch_put_record(batch, job->id, job->record);
		if (!sdag_store_write(self->store, batch, TRUE, &error)) {
			sdag_dag_free(dag);
			g_warning("%s", error->message);
			return;
		}
	} else {
		json_object_set_string_member(job->record, "started_at", now);
		json_object_set_int_member(
		    job->record,
		    "attempts",
		    json_object_get_int_member_with_default(job->record, "attempts", 0) + 1);
		if (!sdag_jobs_set_status(self, job, SDAG_JOB_RUNNING, NULL, &error)) {
			sdag_dag_free(dag);
			if (g_error_matches(error, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)) {
				/* still queued, on disk and here: it starts when space returns */
				g_queue_push_head(&self->queue, job);
				self->start_stalled = TRUE;
				sdag_jobs_retry_later(self);
				return;
			}
			g_warning("%s", error->message);
			return;
		}
	}
	wopts.stride = (guint)json_object_get_int_member(options, "stride");
	wopts.max_frames = (guint64)json_object_get_int_member(options, "max_frames");
	wopts.follow_redirects = self->policy.allow_private_networks;
	wopts.display_uri = source->redacted_uri;
	wopts.start_timeout_s = self->start_timeout_s;
	wopts.max_frame_pixels = self->max_frame_pixels;
	/* a job queued before the option existed decodes everything */
	wopts.decode = json_object_get_string_member_with_default(options, "decode", "all");
	wopts.resolve_host = source->resolve_host;
	if (job->live) {
		g_autoptr(GDateTime) started = g_date_time_new_from_iso8601(
		    json_object_get_string_member(job->record, "started_at"), NULL);
		sdag_live_options_init(&lopts, self->live_config, options, source);
		if (started != NULL)
			lopts.started_real_us = g_date_time_to_unix(started) * G_USEC_PER_SEC +
						g_date_time_get_microsecond(started);
		job->worker = sdag_live_new(self->store,
					    job->id,
					    source->uri,
					    dag,
					    &wopts,
					    &lopts,
					    sdag_jobs_worker_done_cb,
					    job);
	} else {
		job->worker = sdag_worker_new(
		    self->store, job->id, source->uri, dag, &wopts, sdag_jobs_worker_done_cb, job);
	}
	if (self->listeners->len > 0) {
		sdag_runner_set_frame_func(job->worker, sdag_jobs_frame_cb, self);
		sdag_runner_set_source_func(job->worker, sdag_jobs_source_cb, job);
	}
	sdag_live_options_clear(&lopts);
	job->started_mono = g_get_monotonic_time();
	if (job->live)
		self->n_live++;
	else
		self->n_running++;
	if (!sdag_runner_start(job->worker, &error)) {
		/* nothing ran: the runner's own done path is not coming */
		g_clear_pointer(&job->worker, sdag_runner_free);
		if (job->live)
			self->n_live--;
		else
			self->n_running--;
		sdag_jobs_fail_start(self, job, "internal", error->message);
	}
}

static gboolean
sdag_jobs_schedule_cb(gpointer user_data)
{
	SdagJobs *self = user_data;

	GList *l = self->queue.head;

	self->schedule_id = 0;
	self->start_stalled = FALSE;
	/* FIFO within each kind of slot: a live job does not wait for a file job's slot; none
	 * starts while the store is full (a start writes the running status) */
	while (l != NULL && !self->start_stalled) {
		SdagJob *job = l->data;
		GList *next = l->next;

		if (job->live ? self->n_live < self->max_live
			      : self->n_running < self->max_running) {
			g_queue_delete_link(&self->queue, l);
			sdag_jobs_start_job(self, job);
		}
		l = next;
	}
	return G_SOURCE_REMOVE;
}

/* Starts queued jobs from an idle callback, so that the request that queued them is
 * answered first. */
void
sdag_jobs_schedule(SdagJobs *self)
{
	if (self->schedule_id == 0 && !self->closing)
		self->schedule_id = g_idle_add(sdag_jobs_schedule_cb, self);
}

static void
sdag_jobs_worker_done_cb(SdagRunner *worker, gpointer user_data)
{
	SdagJob *job = user_data;
	SdagJobs *self = job->jobs;
	g_autofree char *now = sdag_jobs_now();
	SdagJobStatus to = SDAG_JOB_FAILED;
	gboolean saved;

	switch (sdag_runner_get_outcome(worker)) {
	case SDAG_RUNNER_COMPLETED:
		to = SDAG_JOB_COMPLETED;
		break;
	case SDAG_RUNNER_CANCELLED:
		to = SDAG_JOB_CANCELLED;
		break;
	default:
		sdag_jobs_set_error_member(job->record,
					   sdag_runner_get_error_code(worker),
					   sdag_runner_get_error_message(worker));
		break;
	}
	sdag_jobs_add_live(job, job->record);
	sdag_jobs_note_analysis(self, job);
	json_object_set_string_member(job->record, "finished_at", now);
	job->end_to = to;
	job->end_summary = sdag_runner_dup_summary(worker);
	job->end_metrics = sdag_runner_dup_metrics(worker);

	g_clear_pointer(&job->worker, sdag_runner_free);
	if (job->live)
		self->n_live--;
	else
		self->n_running--;
	saved = sdag_jobs_write_end(self, job);
	sdag_jobs_answer_waiters(self, job);
	if (saved)
		sdag_jobs_drop(self, job);
	sdag_jobs_schedule(self);
}

/* Each second while the store is full: the ends not written yet, then the queue. */
static gboolean
sdag_jobs_retry_cb(gpointer user_data)
{
	SdagJobs *self = user_data;
	g_autoptr(GPtrArray) unsaved = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;
	gboolean pending = FALSE;

	self->retry_id = 0;
	g_hash_table_iter_init(&iter, self->active);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		SdagJob *job = value;
		if (job->unsaved)
			g_ptr_array_add(unsaved, job);
	}
	for (guint i = 0; i < unsaved->len; i++) {
		SdagJob *job = g_ptr_array_index(unsaved, i);
		if (sdag_jobs_write_end(self, job))
			sdag_jobs_drop(self, job);
	}
	g_hash_table_iter_init(&iter, self->active);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		pending = pending || ((SdagJob *)value)->unsaved;
	if (self->start_stalled && !pending && self->retry_id == 0)
		sdag_jobs_schedule(self);
	else if (self->start_stalled || pending)
		sdag_jobs_retry_later(self);
	return G_SOURCE_REMOVE;
}
