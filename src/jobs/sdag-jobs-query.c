/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * The job manager's reads: one job, the list, results, frames and snapshots.
 */
#define G_LOG_DOMAIN "sdag-jobs"

#include "sdag-jobs-private.h"

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
gboolean
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
/**
 * sdag_jobs_dup_counts:
 *
 * Returns: (transfer full) (nullable): the job's counts as its summary has them now
 *   (`{name: {label: value}}`), without reading its frames; NULL for an unknown job
 */
JsonNode *
sdag_jobs_dup_counts(SdagJobs *self, const char *job_id)
{
	SdagJob *job = g_hash_table_lookup(self->active, job_id);
	g_autoptr(JsonNode) summary = NULL;
	JsonNode *counts;

	if (job != NULL && job->worker != NULL)
		summary = sdag_runner_dup_summary(job->worker);
	else if (job != NULL && job->unsaved)
		summary = json_node_copy(job->end_summary);
	else if (job == NULL)
		summary = sdag_jobs_load_json(self, SDAG_STORE_RESULTS, job_id);
	if (summary == NULL || !JSON_NODE_HOLDS_OBJECT(summary))
		return NULL;
	counts = json_object_get_member(json_node_get_object(summary), "counts");
	return counts != NULL ? json_node_copy(counts) : NULL;
}

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
