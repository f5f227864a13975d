/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-jobs"

#include "sdag-jobs.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-index.h"
#include "sdag-jobcache.h"
#include "sdag-jobindex.h"
#include "sdag-json.h"
#include "sdag-redact.h"
#include "sdag-live.h"
#include "sdag-mqtt-config.h"
#include "sdag-quarantine.h"
#include "sdag-results.h"
#include "sdag-snapshot.h"
#include "sdag-source.h"
#include "sdag-runner.h"
#include "sdag-worker.h"

/*
 * The job manager: validate → persist → FIFO queue → worker slots.
 *
 * State machine. A job's status changes only through sdag_jobs_set_status(),
 * which checks sdag_job_status_can_change() and writes the record and its
 * index keys in one synced batch before the change is visible anywhere:
 *
 *   queued  → running | cancelled | failed (could not start)
 *   running → completed | failed | cancelled | queued (requeued after an
 *             interruption, when the job asked for it)
 *
 * completed, failed and cancelled are terminal: nothing leaves them, and no
 * route writes a terminal job's record, frames or results again (only DELETE
 * removes them, all at once).
 *
 * Key layout (job_index family; seq is the submission number, 64-bit
 * big-endian, so that byte order is submission order):
 *
 *   meta/seq                    last seq handed out
 *   s/<status>/<seq>            -> job id: one key per job, under its status;
 *                                  s/queued/ in key order is the FIFO queue
 *   t/<~seq>                    -> job id: every job, newest first
 *
 * and the keys of sdag-jobindex.c (by pipeline, pipeline and status, creation
 * time), written in the same batches.
 *
 * The jobs family maps the job id to its record (JSON); results and metrics
 * map it to the frozen summary and node timings; frames are keyed by
 * sdag-results.
 *
 * Memory holds only the active jobs (queued and running); terminal ones are
 * read from the store when asked. Everything here runs on the main context.
 *
 * Live jobs (rtsp, rtmp sources; sdag-live.c) share the queue but have their
 * own slots ([live] max_live_jobs), and a daemon stop does not interrupt
 * them: they stay running on disk and resume from their checkpoint at the
 * next start, with resumed_at set.
 */

#define SDAG_JOBS_SEQ_KEY "meta/seq"
#define SDAG_JOBS_MAX_STRIDE 10000
/* the largest integer a JSON double holds exactly */
#define SDAG_JOBS_MAX_FRAMES (G_GINT64_CONSTANT(1) << 53)

typedef struct _SdagJob SdagJob;

struct _SdagJobs {
	SdagStore *store;	/* borrowed */
	SdagRegistry *registry; /* borrowed */
	SdagNodeTypes *types;	/* borrowed */
	SdagSourcePolicy policy;
	guint max_running;
	guint start_timeout_s;
	guint64 max_frame_pixels;
	const SdagLiveConfig *live_config; /* borrowed from the daemon's config */
	guint max_live;
	guint n_live;
	guint64 last_seq;
	GHashTable *active; /* job id -> SdagJob, queued and running */
	GQueue queue;	    /* SdagJob, queued, by seq */
	guint n_running;
	guint schedule_id;
	/* while the store is full: jobs whose end is not on disk yet, queued jobs that could
	 * not start; retried each second */
	guint retry_id;
	gboolean start_stalled;
	gboolean closing;    /* no job starts any more */
	GArray *listeners;   /* SdagJobsListenerEntry; fixed while any job runs */
	SdagJobCache *cache; /* answers of terminal jobs, see sdag_jobs_get_text() */
	/* jobs in the store by status: counted once at start-up, then moved with every
	 * status key written, so a scrape does not walk the index */
	guint64 n_by_status[SDAG_JOB_N_STATUSES];
};

typedef struct {
	SdagJobsListener vtable;
	gpointer user_data;
} SdagJobsListenerEntry;

struct _SdagJob {
	SdagJobs *jobs;
	char *id;
	guint64 seq;
	SdagJobStatus status;
	JsonObject *record;
	SdagRunner *worker; /* sdag-worker.c for files, sdag-live.c for live sources */
	gboolean live;	    /* its source is rtsp or rtmp */
	gint64 started_mono;
	GSList *waiters; /* SdagJobsWaiter: cancels answered when the job has stopped */
	/* Ended while the store was full: the job stays here, answering with its end
	 * (end_to, the record's status member), until sdag_jobs_write_end() lands. */
	gboolean unsaved;
	SdagJobStatus end_to;
	JsonNode *end_summary;
	JsonNode *end_metrics; /* nullable */
};

typedef struct {
	SdagJobsReplyFunc func;
	gpointer user_data;
} SdagJobsWaiter;

static void
sdag_jobs_batch_put_json(SdagStoreBatch *batch,
			 SdagStoreFamily family,
			 const char *key,
			 JsonNode *value)
{
	g_autofree char *text = sdag_json_to_string(value);
	sdag_store_batch_put(
	    batch, family, (const guint8 *)key, strlen(key), (const guint8 *)text, strlen(text));
}

static void
sdag_jobs_batch_put_record(SdagStoreBatch *batch, const char *job_id, JsonObject *record)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(node, record);
	sdag_jobs_batch_put_json(batch, SDAG_STORE_JOBS, job_id, node);
}

static char *
sdag_jobs_now(void)
{
	return sdag_json_timestamp(g_get_real_time());
}

/* records */

static JsonObject *
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

static JsonNode *
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

static SdagJobStatus
sdag_jobs_record_status(JsonObject *record)
{
	SdagJobStatus status = SDAG_JOB_FAILED;
	sdag_job_status_from_string(
	    json_object_get_string_member_with_default(record, "status", ""), &status);
	return status;
}

static void
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

static SdagJob *
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

static void sdag_jobs_notify_status(SdagJobs *self, SdagJob *job);

/**
 * sdag_jobs_set_status:
 * @extra: (nullable): more operations to write in the same batch
 *
 * The one place a status changes: checks the transition table, then writes the record, its
 * index keys and @extra in one synced batch. On failure nothing changed, on disk or here.
 */
static gboolean
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

static void
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
static void
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

/* The record as clients see it: no raw source URL (it may hold a password), no seq. */
static JsonNode *
sdag_jobs_public_json(JsonObject *record, SdagJob *live, gboolean full, JsonNode *summary)
{
	JsonObject *out = json_object_new();
	/* in the record's order, which is the order documented */
	g_autoptr(GList) names = json_object_get_members(record);
	JsonNode *root;

	for (GList *l = names; l != NULL; l = l->next) {
		const char *name = l->data;
		if (g_strcmp0(name, "source_url") == 0 || g_strcmp0(name, "seq") == 0)
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

static JsonNode *
sdag_jobs_job_json(SdagJobs *self, SdagJob *job)
{
	g_autoptr(JsonNode) summary = NULL;

	if (sdag_job_status_is_terminal(job->status))
		summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job->id);
	return sdag_jobs_public_json(job->record, job, TRUE, summary);
}

/* listeners */

static void
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
static void
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
static void
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

/* scheduling */

static void sdag_jobs_worker_done_cb(SdagRunner *worker, gpointer user_data);

static void
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
static void
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

/* interruption: a daemon stop with the job running, or such a stop found at start-up */

static void
sdag_jobs_interrupt(SdagJobs *self, SdagJob *job, JsonNode *summary)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	JsonObject *options = json_object_get_object_member(job->record, "options");
	const char *on_interrupt =
	    json_object_get_string_member_with_default(options, "on_interrupt", "fail");
	g_autofree char *now = sdag_jobs_now();

	if (g_strcmp0(on_interrupt, "requeue") == 0) {
		/* from the start under the same id: the partial rows go in the same batch as
		 * the status, so no reader sees old rows of a queued job */
		sdag_results_batch_delete_frames(batch, job->id);
		sdag_store_batch_delete(
		    batch, SDAG_STORE_RESULTS, (const guint8 *)job->id, strlen(job->id));
		sdag_store_batch_delete(
		    batch, SDAG_STORE_METRICS, (const guint8 *)job->id, strlen(job->id));
		sdag_snapshot_batch_delete(batch, job->id);
		json_object_set_null_member(job->record, "started_at");
		json_object_set_null_member(job->record, "progress");
		json_object_set_int_member(job->record, "frames_decoded", 0);
		json_object_set_int_member(job->record, "frames_processed", 0);
		json_object_set_double_member(job->record, "fps", 0.0);
		json_object_set_string_member(job->record, "requeued_at", now);
		if (!sdag_jobs_set_status(
			self, job, SDAG_JOB_QUEUED, g_steal_pointer(&batch), &error))
			g_warning("%s", error->message);
		return;
	}
	sdag_jobs_set_error_member(
	    job->record, "interrupted", "the daemon stopped while the job was running");
	json_object_set_string_member(job->record, "finished_at", now);
	json_object_set_int_member(
	    job->record,
	    "frames_processed",
	    json_object_get_int_member(json_node_get_object(summary), "total_frames"));
	sdag_jobs_batch_put_json(batch, SDAG_STORE_RESULTS, job->id, summary);
	if (!sdag_jobs_set_status(self, job, SDAG_JOB_FAILED, g_steal_pointer(&batch), &error))
		g_warning("%s", error->message);
}

typedef struct {
	GPtrArray *ids;
} SdagJobsCollect;

static gboolean
sdag_jobs_collect_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	GPtrArray *ids = user_data;
	g_ptr_array_add(ids, g_strndup((const char *)value, value_len));
	return TRUE;
}

static GPtrArray *
sdag_jobs_ids_with_status(SdagJobs *self, SdagJobStatus status, GError **error)
{
	g_autofree char *prefix = sdag_job_index_status_prefix(status);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

	if (!sdag_store_iter_prefix(self->store,
				    SDAG_STORE_JOB_INDEX,
				    (const guint8 *)prefix,
				    strlen(prefix),
				    sdag_jobs_collect_cb,
				    ids,
				    error))
		return NULL;
	return g_steal_pointer(&ids);
}

static gboolean
sdag_jobs_count_cb(const guint8 *key,
		   gsize key_len,
		   const guint8 *value,
		   gsize value_len,
		   gpointer user_data)
{
	(*(guint64 *)user_data)++;
	return TRUE;
}

/* Start-up: the one walk of the status keys; every later change moves the counts. */
static gboolean
sdag_jobs_count_statuses(SdagJobs *self, GError **error)
{
	for (guint i = 0; i < SDAG_JOB_N_STATUSES; i++) {
		g_autofree char *prefix = sdag_job_index_status_prefix(i);

		self->n_by_status[i] = 0;
		if (!sdag_store_iter_prefix(self->store,
					    SDAG_STORE_JOB_INDEX,
					    (const guint8 *)prefix,
					    strlen(prefix),
					    sdag_jobs_count_cb,
					    &self->n_by_status[i],
					    error))
			return FALSE;
	}
	return TRUE;
}

/* Start-up: running jobs were interrupted; queued ones go back in the queue, in order. */
static gboolean
sdag_jobs_recover(SdagJobs *self, GError **error)
{
	g_autoptr(GPtrArray) running = NULL;
	g_autoptr(GPtrArray) queued = NULL;

	running = sdag_jobs_ids_with_status(self, SDAG_JOB_RUNNING, error);
	if (running == NULL)
		return FALSE;
	for (guint i = 0; i < running->len; i++) {
		g_autoptr(JsonObject) record = NULL;
		g_autoptr(SdagResults) results = NULL;
		g_autoptr(JsonNode) summary = NULL;
		SdagJob *job;

		record = sdag_jobs_load_record(self, g_ptr_array_index(running, i), error);
		if (record == NULL)
			return FALSE;
		job = sdag_job_new(self, record);
		if (job->live) {
			/* it goes on from its checkpoint, ahead of the queued jobs */
			g_message("job %s: live, resumed after a daemon stop", job->id);
			g_hash_table_insert(self->active, job->id, job);
			g_queue_push_tail(&self->queue, job);
			continue;
		}
		results = sdag_results_new(self->store, job->id);
		if (!sdag_results_load(results, error)) {
			sdag_job_free(job);
			return FALSE;
		}
		summary = sdag_results_dup_summary(results);
		g_message("job %s was interrupted by a daemon stop", job->id);
		sdag_jobs_interrupt(self, job, summary);
		sdag_job_free(job);
	}

	queued = sdag_jobs_ids_with_status(self, SDAG_JOB_QUEUED, error);
	if (queued == NULL)
		return FALSE;
	for (guint i = 0; i < queued->len; i++) {
		g_autoptr(JsonObject) record = NULL;
		SdagJob *job;

		record = sdag_jobs_load_record(self, g_ptr_array_index(queued, i), error);
		if (record == NULL)
			return FALSE;
		job = sdag_job_new(self, record);
		g_hash_table_insert(self->active, job->id, job);
		g_queue_push_tail(&self->queue, job);
	}
	if (queued->len > 0)
		g_message("%u queued job(s) waiting", queued->len);
	return TRUE;
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
	self->start_timeout_s = config->start_timeout_s;
	self->max_frame_pixels = config->max_frame_pixels;
	self->live_config = &config->live;
	self->max_live = MAX(config->live.max_live_jobs, 1u);
	self->policy.allow_private_networks = config->allow_private_networks;
	self->active = g_hash_table_new(g_str_hash, g_str_equal);
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
	sdag_job_cache_free(self->cache);
	g_array_unref(self->listeners);
	g_queue_clear(&self->queue);
	g_strfreev(self->policy.media_roots);
	g_free(self);
}

/* submission */

static gboolean
sdag_jobs_parse_options(JsonNode *node, JsonObject *out, GError **error)
{
	JsonObject *obj;
	JsonObjectIter iter;
	const char *name;
	JsonNode *value;

	json_object_set_int_member(out, "stride", 1);
	json_object_set_int_member(out, "max_frames", 0);
	json_object_set_string_member(out, "on_interrupt", "fail");
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
		gboolean is_int =
		    JSON_NODE_HOLDS_VALUE(value) && json_node_get_value_type(value) == G_TYPE_INT64;
		gint64 v = is_int ? json_node_get_int(value) : 0;

		if (g_strcmp0(name, "stride") == 0) {
			if (!is_int || v < 1 || v > SDAG_JOBS_MAX_STRIDE) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_BAD_OPTION,
					    "option 'stride' must be an integer from 1 to %d",
					    SDAG_JOBS_MAX_STRIDE);
				return FALSE;
			}
			json_object_set_int_member(out, "stride", v);
		} else if (g_strcmp0(name, "max_frames") == 0) {
			if (!is_int || v < 0 || v > SDAG_JOBS_MAX_FRAMES) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_BAD_OPTION,
					    "option 'max_frames' must be an integer from 0 (no "
					    "limit) to %" G_GINT64_FORMAT,
					    SDAG_JOBS_MAX_FRAMES);
				return FALSE;
			}
			json_object_set_int_member(out, "max_frames", v);
		} else if (g_strcmp0(name, "on_interrupt") == 0) {
			const char *s = JSON_NODE_HOLDS_VALUE(value) &&
						json_node_get_value_type(value) == G_TYPE_STRING
					    ? json_node_get_string(value)
					    : NULL;
			if (g_strcmp0(s, "fail") != 0 && g_strcmp0(s, "requeue") != 0) {
				g_set_error_literal(
				    error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option 'on_interrupt' must be \"fail\" or \"requeue\"");
				return FALSE;
			}
			json_object_set_string_member(out, "on_interrupt", s);
		} else if (sdag_live_is_option(name)) {
			if (!sdag_live_parse_option(name, value, out, error))
				return FALSE;
		} else if (g_strcmp0(name, "mqtt") == 0) {
			/* checked here, applied by the publishers over their defaults */
			SdagPubOpts scratch = {0};
			if (!sdag_pub_opts_apply_json(&scratch, value, error))
				return FALSE;
			json_object_set_member(out, "mqtt", json_node_copy(value));
		} else {
			g_set_error(
			    error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_OPTION,
			    "unknown option '%s' (known: stride, max_frames, on_interrupt, mqtt; "
			    "for live sources also transport, latency_ms, user, password, "
			    "end_on_eos, fail_fast, max_duration_s, backoff_initial_ms, "
			    "backoff_max_ms, backoff_factor, stall_timeout_floor_ms, "
			    "connect_timeout_ms, max_lag_ms, max_queued_frames)",
			    name);
			return FALSE;
		}
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
			if (sdag_live_is_option(l->data)) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_BAD_OPTION,
					    "option '%s' is for live sources (rtsp, rtmp) only",
					    (const char *)l->data);
				return NULL;
			}
		}
	}

	seq = self->last_seq + 1;
	json_object_set_string_member(record, "job_id", job_id);
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
	sdag_job_index_batch_add(
	    batch, job_id, seq, pipeline_id, SDAG_JOB_QUEUED, sdag_job_index_created_us(record));
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
	g_info("job %s: queued (pipeline %s, %s)", job_id, pipeline_id, source->redacted_uri);
	sdag_jobs_notify_status(self, job);

	answer = json_object_new();
	json_object_set_string_member(answer, "job_id", job_id);
	json_object_set_string_member(answer, "status", "queued");
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, answer);
	return root;
}

/* queries */

/**
 * sdag_jobs_get:
 *
 * Returns: (transfer full): the job's public JSON, with live progress while it runs and its
 * summary once terminal
 */
JsonNode *
sdag_jobs_get(SdagJobs *self, const char *job_id, GError **error)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);
	g_autoptr(JsonObject) record = NULL;
	g_autoptr(JsonNode) summary = NULL;

	if (job != NULL)
		return sdag_jobs_job_json(self, job);
	record = sdag_jobs_load_record(self, job_id, error);
	if (record == NULL)
		return NULL;
	summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job_id);
	return sdag_jobs_public_json(record, NULL, TRUE, summary);
}

/**
 * sdag_jobs_list:
 * @limit: 1 to SDAG_JOBS_LIST_MAX
 * @cursor: (nullable): next_cursor of the previous page
 *
 * Every job, newest first: sdag_jobs_query() without a filter.
 */
JsonNode *
sdag_jobs_list(SdagJobs *self, guint limit, const char *cursor, GError **error)
{
	SdagJobsFilter filter = {.status = -1,
				 .since_us = SDAG_QUERY_NO_TIME,
				 .until_us = SDAG_QUERY_NO_TIME,
				 .limit = limit,
				 .cursor = cursor};
	return sdag_jobs_query(self, &filter, error);
}

/**
 * sdag_jobs_query:
 *
 * One page of the jobs @filter selects, from the job_index family (see sdag-jobindex.c).
 * The cursor is the submission number of the next job to show, so pages neither skip nor
 * repeat a job when new ones arrive meanwhile.
 *
 * Returns: (transfer full): `{"jobs": [...], "next_cursor": string | null}`, or NULL with
 * BAD_CURSOR
 */
JsonNode *
sdag_jobs_query(SdagJobs *self, const SdagJobsFilter *filter, GError **error)
{
	g_autoptr(GPtrArray) ids = NULL;
	JsonArray *jobs;
	JsonObject *out;
	JsonNode *root;
	guint64 next_seq = 0;

	ids = sdag_job_index_query(self->store, filter, &next_seq, error);
	if (ids == NULL)
		return NULL;
	jobs = json_array_new();
	out = json_object_new();
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, out);
	json_object_set_array_member(out, "jobs", jobs);
	for (guint i = 0; i < ids->len; i++) {
		const char *id = g_ptr_array_index(ids, i);
		SdagJob *job = g_hash_table_lookup(self->active, id);
		g_autoptr(JsonObject) record = NULL;

		if (job != NULL) {
			json_array_add_element(
			    jobs, sdag_jobs_public_json(job->record, job, FALSE, NULL));
			continue;
		}
		record = sdag_jobs_load_record(self, id, NULL);
		/* deleted between the index scan and now */
		if (record != NULL)
			json_array_add_element(jobs,
					       sdag_jobs_public_json(record, NULL, FALSE, NULL));
	}
	if (next_seq != 0) {
		g_autofree char *next = sdag_query_cursor_format(next_seq);
		json_object_set_string_member(out, "next_cursor", next);
	} else {
		json_object_set_null_member(out, "next_cursor");
	}
	return root;
}

static GBytes *
sdag_jobs_node_text(JsonNode *node)
{
	char *text = sdag_json_to_string(node);
	return g_bytes_new_take(text, strlen(text));
}

/*
 * The text of a job's public JSON, as sdag_jobs_get() (@kind FULL) or as an item of
 * sdag_jobs_query() (ITEM) gives it, serialized. A terminal job's comes from the cache, or
 * goes into it: it never changes until the job is deleted, which drops it. NULL when the job
 * is not found (with JOB_NOT_FOUND) or its record cannot be read.
 */
static GBytes *
sdag_jobs_public_text(SdagJobs *self, const char *job_id, SdagJobCacheKind kind, GError **error)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);
	gboolean full = kind == SDAG_JOB_CACHE_FULL;
	g_autoptr(JsonObject) record = NULL;
	g_autoptr(JsonNode) summary = NULL;
	g_autoptr(JsonNode) node = NULL;
	GBytes *text;

	if (job != NULL) {
		g_autoptr(JsonNode) live =
		    full ? sdag_jobs_job_json(self, job)
			 : sdag_jobs_public_json(job->record, job, FALSE, NULL);
		return sdag_jobs_node_text(live);
	}
	text = sdag_job_cache_lookup(self->cache, job_id, kind);
	if (text != NULL)
		return text;
	record = sdag_jobs_load_record(self, job_id, error);
	if (record == NULL)
		return NULL;
	if (full)
		summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job_id);
	node = sdag_jobs_public_json(record, NULL, full, summary);
	text = sdag_jobs_node_text(node);
	if (sdag_job_status_is_terminal(sdag_jobs_record_status(record)))
		sdag_job_cache_insert(self->cache, job_id, kind, text);
	return text;
}

/**
 * sdag_jobs_get_text:
 *
 * sdag_jobs_get(), serialized: the same bytes as sdag_json_to_string() of its answer.
 *
 * Returns: (transfer full): the job's public JSON as text, or NULL with JOB_NOT_FOUND
 */
GBytes *
sdag_jobs_get_text(SdagJobs *self, const char *job_id, GError **error)
{
	return sdag_jobs_public_text(self, job_id, SDAG_JOB_CACHE_FULL, error);
}

/**
 * sdag_jobs_query_text:
 *
 * sdag_jobs_query(), serialized: the same bytes as sdag_json_to_string() of its answer,
 * without parsing the records of terminal jobs already in the cache.
 *
 * Returns: (transfer full): the page as text, or NULL with BAD_CURSOR
 */
GBytes *
sdag_jobs_query_text(SdagJobs *self, const SdagJobsFilter *filter, GError **error)
{
	g_autoptr(GPtrArray) ids = NULL;
	GString *out;
	guint64 next_seq = 0;
	gboolean first = TRUE;

	ids = sdag_job_index_query(self->store, filter, &next_seq, error);
	if (ids == NULL)
		return NULL;
	out = g_string_sized_new(512 * (ids->len + 1));
	g_string_append(out, "{\"jobs\":[");
	for (guint i = 0; i < ids->len; i++) {
		/* NULL: deleted between the index scan and now */
		g_autoptr(GBytes) item = sdag_jobs_public_text(
		    self, g_ptr_array_index(ids, i), SDAG_JOB_CACHE_ITEM, NULL);
		gsize len = 0;
		const char *data;

		if (item == NULL)
			continue;
		if (!first)
			g_string_append_c(out, ',');
		first = FALSE;
		data = g_bytes_get_data(item, &len);
		g_string_append_len(out, data, (gssize)len);
	}
	g_string_append(out, "],\"next_cursor\":");
	if (next_seq != 0) {
		g_autofree char *next = sdag_query_cursor_format(next_seq);
		g_string_append_printf(out, "\"%s\"}", next);
	} else {
		g_string_append(out, "null}");
	}
	return g_string_free_to_bytes(out);
}

/* Returns the job's status, from memory or the store. */
static gboolean
sdag_jobs_lookup_status(SdagJobs *self, const char *job_id, SdagJobStatus *status, GError **error)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);
	g_autoptr(JsonObject) record = NULL;

	if (job != NULL) {
		*status = job->unsaved ? job->end_to : job->status;
		return TRUE;
	}
	record = sdag_jobs_load_record(self, job_id, error);
	if (record == NULL)
		return FALSE;
	*status = sdag_jobs_record_status(record);
	return TRUE;
}

/**
 * sdag_jobs_dup_snapshot:
 *
 * The job's latest annotated frame (GET /jobs/{id}/snapshot.jpg).
 *
 * Returns: (transfer full): JPEG bytes, or NULL with JOB_NOT_FOUND or SNAPSHOT_NOT_FOUND
 */
GBytes *
sdag_jobs_dup_snapshot(SdagJobs *self, const char *job_id, GError **error)
{
	g_autoptr(JsonNode) job = sdag_jobs_get(self, job_id, error);

	if (job == NULL)
		return NULL;
	return sdag_snapshot_load(self->store, job_id, error);
}

/**
 * sdag_jobs_get_results:
 *
 * Returns: (transfer full): `{"job_id", "status", "final", "summary", "frames", "next_from"}`
 * with the first page of frames; the summary is the frozen one once the job is terminal,
 * else the running one
 */
JsonNode *
sdag_jobs_get_results(SdagJobs *self, const char *job_id, GError **error)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);
	g_autoptr(JsonNode) summary = NULL;
	g_autoptr(JsonNode) page = NULL;
	SdagJobStatus status;
	JsonObject *out;
	JsonObject *page_obj;
	JsonNode *root;

	if (!sdag_jobs_lookup_status(self, job_id, &status, error))
		return NULL;
	if (job != NULL && job->worker != NULL) {
		summary = sdag_runner_dup_summary(job->worker);
	} else if (job != NULL && job->unsaved) {
		summary = json_node_copy(job->end_summary);
	} else if (sdag_job_status_is_terminal(status)) {
		summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job_id);
	} else {
		g_autoptr(SdagResults) empty = sdag_results_new(self->store, job_id);
		summary = sdag_results_dup_summary(empty);
	}
	page = sdag_results_read_frames(self->store, job_id, 0, SDAG_JOBS_FRAMES_DEFAULT, error);
	if (page == NULL)
		return NULL;
	page_obj = json_node_get_object(page);
	out = json_object_new();
	json_object_set_string_member(out, "job_id", job_id);
	json_object_set_string_member(out, "status", sdag_job_status_to_string(status));
	json_object_set_boolean_member(out, "final", sdag_job_status_is_terminal(status));
	if (summary != NULL)
		json_object_set_member(out, "summary", g_steal_pointer(&summary));
	else
		json_object_set_null_member(out, "summary");
	json_object_set_member(
	    out, "frames", json_node_copy(json_object_get_member(page_obj, "frames")));
	json_object_set_member(
	    out, "next_from", json_node_copy(json_object_get_member(page_obj, "next_from")));
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, out);
	return root;
}

/**
 * sdag_jobs_get_frames:
 *
 * Returns: (transfer full): `{"job_id", "frames", "next_from"}`
 */
JsonNode *
sdag_jobs_get_frames(SdagJobs *self, const char *job_id, guint64 from, guint limit, GError **error)
{
	SdagJobStatus status;
	JsonNode *page;

	if (!sdag_jobs_lookup_status(self, job_id, &status, error))
		return NULL;
	page = sdag_results_read_frames(self->store, job_id, from, limit, error);
	if (page != NULL)
		json_object_set_string_member(json_node_get_object(page), "job_id", job_id);
	return page;
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
	sdag_job_index_batch_remove(batch,
				    seq,
				    json_object_get_string_member(record, "pipeline_id"),
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
