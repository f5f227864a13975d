/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * The job manager at start-up and stop: interrupting running jobs, counting statuses,
 * and recovering the queue.
 */
#define G_LOG_DOMAIN "sdag-jobs"

#include "sdag-jobs-private.h"

/* interruption: a daemon stop with the job running, or such a stop found at start-up */

void
sdag_jobs_interrupt(SdagJobs *self, SdagJob *job, JsonNode *summary)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	JsonObject *options = json_object_get_object_member(job->record, "options");
	const char *on_interrupt =
	    json_object_get_string_member_with_default(options, "on_interrupt", "fail");
	g_autofree char *now = sdag_jobs_now();

	gint64 attempts = json_object_get_int_member_with_default(job->record, "attempts", 0);

	/* bounded: a job that is running at every crash would otherwise hold the head of the
	 * queue (its place is its submission order) and starve the jobs behind it */
	if (g_strcmp0(on_interrupt, "requeue") == 0 && attempts < (gint64)self->max_attempts) {
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
	if (g_strcmp0(on_interrupt, "requeue") == 0) {
		g_autofree char *why = g_strdup_printf(
		    "the daemon stopped while the job was running, %" G_GINT64_FORMAT
		    " times: not requeued again ([jobs] max_attempts)",
		    attempts);
		sdag_jobs_set_error_member(job->record, "interrupted", why);
	} else {
		sdag_jobs_set_error_member(
		    job->record, "interrupted", "the daemon stopped while the job was running");
	}
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
gboolean
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
gboolean
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
