/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-fsck"

#include "sdag-fsck.h"

#include <string.h>

#include "sdag-camera.h"
#include "sdag-error.h"
#include "sdag-jobindex.h"
#include "sdag-json.h"
#include "sdag-results.h"

/*
 * The consistency checker: reads every family of a store (a checkpoint of a running
 * daemon's, or a stopped daemon's own) and compares what must agree, as the layouts of
 * docs/store.md say:
 *
 *  - jobs: each record reads, names its key, has a seq, a status and a pipeline;
 *  - job_index: the keys each record implies (s/, t/, c/, p/, q/, m/) are there, holding the
 *    job id, and there is no other key (a stale status key, a key of a deleted job);
 *    meta/seq is not behind any record;
 *  - frames: each row reads, its frame_id is its key's; a file or HTTP job's rows are
 *    0, stride, 2×stride … without a gap (a live job's may have gaps: frames dropped behind);
 *  - results and metrics: an ended job has its frozen summary and its metrics, and the
 *    summary is what its rows add up to (the summary is made from the same row text);
 *  - no rows of a job that does not exist (frames, results, metrics, state, open tracks,
 *    event numbering);
 *  - outbox messages, dead letters, history rows, cameras and pipelines read.
 *
 * It only reads. Each problem names its family, its key (escaped) and a code.
 */

typedef struct {
	SdagStore *store;
	SdagFsckReport *report;
	GHashTable *jobs;     /* job id -> JsonObject record, readable ones */
	GHashTable *expected; /* index key (GBytes) -> job id: what the records imply */
	guint64 max_seq;
	GError *error;
} SdagFsck;

static void
sdag_fsck_problem_free(SdagFsckProblem *p)
{
	g_free(p->key);
	g_free(p->message);
	g_free(p);
}

void
sdag_fsck_report_free(SdagFsckReport *report)
{
	if (report == NULL)
		return;
	g_ptr_array_unref(report->problems);
	g_free(report);
}

/* A key as text: bytes outside printable ASCII as \xNN, so a binary key reads in a log */
static char *
sdag_fsck_key_text(const guint8 *key, gsize len)
{
	GString *s = g_string_sized_new(len);

	for (gsize i = 0; i < len; i++) {
		if (key[i] >= 0x20 && key[i] < 0x7f && key[i] != '\\')
			g_string_append_c(s, (char)key[i]);
		else
			g_string_append_printf(s, "\\x%02x", key[i]);
	}
	return g_string_free(s, FALSE);
}

G_GNUC_PRINTF(6, 7)
static void
sdag_fsck_add(SdagFsck *f,
	      SdagStoreFamily family,
	      const guint8 *key,
	      gsize key_len,
	      const char *code,
	      const char *fmt,
	      ...)
{
	SdagFsckProblem *p = g_new0(SdagFsckProblem, 1);
	va_list args;

	p->family = family;
	p->key = sdag_fsck_key_text(key, key_len);
	p->code = code;
	va_start(args, fmt);
	p->message = g_strdup_vprintf(fmt, args);
	va_end(args);
	g_ptr_array_add(f->report->problems, p);
}

static gboolean
sdag_fsck_scan(SdagFsck *f, SdagStoreFamily family, const char *prefix, SdagStoreIterFunc func)
{
	if (f->error != NULL)
		return FALSE;
	return sdag_store_iter_prefix(f->store,
				      family,
				      (const guint8 *)prefix,
				      prefix != NULL ? strlen(prefix) : 0,
				      func,
				      f,
				      &f->error);
}

static JsonObject *
sdag_fsck_parse_object(const guint8 *value, gsize len)
{
	g_autoptr(JsonNode) node = sdag_json_parse((const char *)value, (gssize)len, NULL);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	return json_object_ref(json_node_get_object(node));
}

/* jobs */

static gboolean
sdag_fsck_job_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize len, gpointer data)
{
	SdagFsck *f = data;
	g_autofree char *id = g_strndup((const char *)key, key_len);
	g_autoptr(JsonObject) rec = sdag_fsck_parse_object(value, len);
	SdagJobStatus status;
	gint64 seq;
	const char *pipeline_id;
	const char *camera;
	g_autoptr(GPtrArray) keys = NULL;

	f->report->checked[SDAG_STORE_JOBS]++;
	if (rec == NULL) {
		sdag_fsck_add(
		    f, SDAG_STORE_JOBS, key, key_len, "record_unreadable", "not a JSON object");
		return TRUE;
	}
	seq = json_object_get_int_member_with_default(rec, "seq", 0);
	pipeline_id = json_object_get_string_member_with_default(rec, "pipeline_id", NULL);
	camera = json_object_get_string_member_with_default(rec, "camera", NULL);
	if (g_strcmp0(json_object_get_string_member_with_default(rec, "job_id", ""), id) != 0 ||
	    seq <= 0 || pipeline_id == NULL ||
	    !sdag_job_status_from_string(
		json_object_get_string_member_with_default(rec, "status", ""), &status)) {
		sdag_fsck_add(f,
			      SDAG_STORE_JOBS,
			      key,
			      key_len,
			      "record_invalid",
			      "the record lacks its job_id, seq, pipeline_id or a known status");
		return TRUE;
	}
	f->max_seq = MAX(f->max_seq, (guint64)seq);
	keys = sdag_job_index_keys(
	    (guint64)seq, pipeline_id, camera, status, sdag_job_index_created_us(rec));
	for (guint i = 0; i < keys->len; i++)
		g_hash_table_insert(
		    f->expected, g_bytes_ref(g_ptr_array_index(keys, i)), g_strdup(id));
	g_hash_table_insert(f->jobs, g_steal_pointer(&id), g_steal_pointer(&rec));
	return TRUE;
}

/* job_index */

static gboolean
sdag_fsck_index_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize len, gpointer data)
{
	SdagFsck *f = data;
	g_autoptr(GBytes) k = g_bytes_new(key, key_len);
	const char *want = g_hash_table_lookup(f->expected, k);

	f->report->checked[SDAG_STORE_JOB_INDEX]++;
	if (key_len >= 5 && memcmp(key, "meta/", 5) == 0) {
		if (key_len == strlen("meta/seq") && memcmp(key, "meta/seq", key_len) == 0) {
			guint64 be = 0;
			if (len != sizeof(be)) {
				sdag_fsck_add(f,
					      SDAG_STORE_JOB_INDEX,
					      key,
					      key_len,
					      "seq_invalid",
					      "not 8 bytes");
				return TRUE;
			}
			memcpy(&be, value, sizeof(be));
			if (GUINT64_FROM_BE(be) < f->max_seq)
				sdag_fsck_add(f,
					      SDAG_STORE_JOB_INDEX,
					      key,
					      key_len,
					      "seq_behind",
					      "the last seq handed out is %" G_GUINT64_FORMAT
					      ", a job has %" G_GUINT64_FORMAT,
					      GUINT64_FROM_BE(be),
					      f->max_seq);
		}
		return TRUE;
	}
	if (want == NULL) {
		g_autofree char *id = g_strndup((const char *)value, len);
		sdag_fsck_add(
		    f,
		    SDAG_STORE_JOB_INDEX,
		    key,
		    key_len,
		    "index_stale",
		    g_hash_table_contains(f->jobs, id)
			? "no such key for job %s as its record is (status, pipeline, time)"
			: "it names job %s, which has no record",
		    id);
		return TRUE;
	}
	if (len != strlen(want) || memcmp(value, want, len) != 0) {
		g_autofree char *id = g_strndup((const char *)value, len);
		sdag_fsck_add(f,
			      SDAG_STORE_JOB_INDEX,
			      key,
			      key_len,
			      "index_wrong_job",
			      "names job %s instead of %s",
			      id,
			      want);
	}
	g_hash_table_remove(f->expected, k);
	return TRUE;
}

/* rows of one job */

typedef struct {
	SdagFsck *f;
	const char *job_id;
	gboolean live;
	gint64 stride;
	gint64 next; /* the frame id the next row must have, for a job that is not live */
	guint64 rows;
} SdagFsckRows;

static gboolean
sdag_fsck_frame_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize len, gpointer data)
{
	SdagFsckRows *r = data;
	g_autoptr(JsonObject) row = sdag_fsck_parse_object(value, len);
	gsize prefix = strlen(r->job_id) + 1;
	guint64 be = 0;
	gint64 frame_id;

	r->rows++;
	r->f->report->checked[SDAG_STORE_FRAMES]++;
	if (key_len != prefix + sizeof(be)) {
		sdag_fsck_add(r->f,
			      SDAG_STORE_FRAMES,
			      key,
			      key_len,
			      "frame_key_invalid",
			      "not <job id>/ + 8 bytes");
		return TRUE;
	}
	memcpy(&be, key + prefix, sizeof(be));
	frame_id = (gint64)GUINT64_FROM_BE(be);
	if (row == NULL ||
	    json_object_get_int_member_with_default(row, "frame_id", -1) != frame_id) {
		sdag_fsck_add(r->f,
			      SDAG_STORE_FRAMES,
			      key,
			      key_len,
			      row == NULL ? "frame_unreadable" : "frame_id_mismatch",
			      row == NULL ? "not a JSON object"
					  : "the row's frame_id is not its key's");
		return TRUE;
	}
	if (!r->live && frame_id != r->next)
		sdag_fsck_add(r->f,
			      SDAG_STORE_FRAMES,
			      key,
			      key_len,
			      "frame_gap",
			      "frame %" G_GINT64_FORMAT " where %" G_GINT64_FORMAT
			      " was due (stride %" G_GINT64_FORMAT ")",
			      frame_id,
			      r->next,
			      r->stride);
	r->next = frame_id + r->stride;
	return TRUE;
}

static gboolean
sdag_fsck_source_is_live(const char *source)
{
	return g_str_has_prefix(source, "rtsp://") || g_str_has_prefix(source, "rtsps://") ||
	       g_str_has_prefix(source, "rtmp://") || g_str_has_prefix(source, "rtmps://");
}

/* The summary fields rebuilt from the rows, as text, for the comparison */
static char *
sdag_fsck_summary_text(JsonObject *summary)
{
	static const char *const members[] = {
	    "total_frames", "total_detections", "total_events", "tracks", "counts"};
	g_autoptr(JsonObject) o = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

	for (guint i = 0; i < G_N_ELEMENTS(members); i++) {
		JsonNode *v = json_object_get_member(summary, members[i]);
		if (v != NULL)
			json_object_set_member(o, members[i], json_node_copy(v));
	}
	json_node_set_object(node, o);
	return sdag_json_to_string(node);
}

static void
sdag_fsck_job_rows(SdagFsck *f, const char *job_id, JsonObject *rec)
{
	g_autofree char *prefix = g_strconcat(job_id, "/", NULL);
	JsonObject *options = json_object_get_object_member(rec, "options");
	SdagFsckRows r = {
	    .f = f,
	    .job_id = job_id,
	    .live = sdag_fsck_source_is_live(
		json_object_get_string_member_with_default(rec, "source", "")),
	    .stride =
		options != NULL ? json_object_get_int_member_with_default(options, "stride", 1) : 1,
	};
	SdagJobStatus status = SDAG_JOB_FAILED;

	if (r.stride < 1)
		r.stride = 1;
	if (f->error != NULL || !sdag_store_iter_prefix(f->store,
							SDAG_STORE_FRAMES,
							(const guint8 *)prefix,
							strlen(prefix),
							sdag_fsck_frame_cb,
							&r,
							&f->error))
		return;
	sdag_job_status_from_string(json_object_get_string_member(rec, "status"), &status);
	if (!sdag_job_status_is_terminal(status))
		return;
	/* ended: its summary and metrics frozen, the summary what the rows add up to */
	{
		g_autoptr(GBytes) stored = sdag_store_get(
		    f->store, SDAG_STORE_RESULTS, (const guint8 *)job_id, strlen(job_id), NULL);
		g_autoptr(GBytes) metrics = sdag_store_get(
		    f->store, SDAG_STORE_METRICS, (const guint8 *)job_id, strlen(job_id), NULL);
		g_autoptr(JsonObject) summary = NULL;

		if (metrics == NULL)
			sdag_fsck_add(f,
				      SDAG_STORE_METRICS,
				      (const guint8 *)job_id,
				      strlen(job_id),
				      "metrics_missing",
				      "the job ended (%s) without its metrics",
				      sdag_job_status_to_string(status));
		if (stored == NULL) {
			sdag_fsck_add(f,
				      SDAG_STORE_RESULTS,
				      (const guint8 *)job_id,
				      strlen(job_id),
				      "summary_missing",
				      "the job ended (%s) without its summary",
				      sdag_job_status_to_string(status));
			return;
		}
		summary = sdag_fsck_parse_object(g_bytes_get_data(stored, NULL),
						 g_bytes_get_size(stored));
		if (summary == NULL) {
			sdag_fsck_add(f,
				      SDAG_STORE_RESULTS,
				      (const guint8 *)job_id,
				      strlen(job_id),
				      "summary_unreadable",
				      "not a JSON object");
			return;
		}
		{
			g_autoptr(SdagResults) rows = sdag_results_new(f->store, job_id);
			g_autoptr(JsonNode) rebuilt = NULL;
			g_autofree char *want = NULL;
			g_autofree char *have = sdag_fsck_summary_text(summary);

			if (!sdag_results_load(rows, &f->error))
				return;
			rebuilt = sdag_results_dup_summary(rows);
			want = sdag_fsck_summary_text(json_node_get_object(rebuilt));
			if (g_strcmp0(want, have) != 0)
				sdag_fsck_add(f,
					      SDAG_STORE_RESULTS,
					      (const guint8 *)job_id,
					      strlen(job_id),
					      "summary_differs",
					      "the summary says %s, its %" G_GUINT64_FORMAT
					      " rows add up to %s",
					      have,
					      r.rows,
					      want);
		}
	}
}

/* rows of jobs that do not exist */

typedef struct {
	SdagFsck *f;
	SdagStoreFamily family;
	gint sep;   /* the job id ends at this byte, or at the end of the key when -1 */
	gsize skip; /* bytes before the job id */
	char *last; /* the last orphan reported: one problem per job and family */
} SdagFsckOrphans;

static gboolean
sdag_fsck_orphan_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize len, gpointer data)
{
	SdagFsckOrphans *o = data;
	const guint8 *start = key + o->skip;
	gsize n = key_len - o->skip;
	g_autofree char *id = NULL;

	if (key_len < o->skip)
		return TRUE;
	if (o->sep >= 0) {
		const guint8 *end = memchr(start, o->sep, n);
		if (end != NULL)
			n = (gsize)(end - start);
	}
	id = g_strndup((const char *)start, n);
	if (o->family == SDAG_STORE_FRAMES || o->family == SDAG_STORE_STATE ||
	    o->family == SDAG_STORE_OUTBOX || o->family == SDAG_STORE_RESULTS)
		o->f->report->checked[o->family]++;
	/* a camera's event numbering ("s@name"), a pipeline's aggregates ("agg/…") */
	if (id[0] == '@' || g_str_has_prefix((const char *)key, "agg/"))
		return TRUE;
	if (g_hash_table_contains(o->f->jobs, id) || g_strcmp0(id, o->last) == 0)
		return TRUE;
	g_free(o->last);
	o->last = g_strdup(id);
	sdag_fsck_add(o->f,
		      o->family,
		      key,
		      key_len,
		      "orphan_rows",
		      "rows of job %s, which has no record",
		      id);
	return TRUE;
}

static void
sdag_fsck_orphans(SdagFsck *f, SdagStoreFamily family, const char *prefix, gint sep)
{
	SdagFsckOrphans o = {
	    .f = f, .family = family, .sep = sep, .skip = prefix != NULL ? strlen(prefix) : 0};

	if (f->error == NULL)
		sdag_store_iter_prefix(f->store,
				       family,
				       (const guint8 *)prefix,
				       o.skip,
				       sdag_fsck_orphan_cb,
				       &o,
				       &f->error);
	g_free(o.last);
}

/* records that must read */

static gboolean
sdag_fsck_json_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize len, gpointer data)
{
	SdagFsck *f = data;
	g_autoptr(JsonObject) o = sdag_fsck_parse_object(value, len);

	f->report->checked[SDAG_STORE_OUTBOX]++;
	if (o == NULL)
		sdag_fsck_add(
		    f, SDAG_STORE_OUTBOX, key, key_len, "message_unreadable", "not a JSON object");
	return TRUE;
}

static gboolean
sdag_fsck_history_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize len,
		     gpointer data)
{
	SdagFsck *f = data;
	g_autoptr(JsonObject) o = sdag_fsck_parse_object(value, len);

	f->report->checked[SDAG_STORE_HISTORY]++;
	if (o == NULL || !json_object_has_member(o, "action"))
		sdag_fsck_add(
		    f, SDAG_STORE_HISTORY, key, key_len, "row_unreadable", "not an audit row");
	return TRUE;
}

static gboolean
sdag_fsck_camera_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize len, gpointer data)
{
	SdagFsck *f = data;
	g_autofree char *name = g_strndup((const char *)key, key_len);
	g_autoptr(JsonNode) node = sdag_json_parse((const char *)value, (gssize)len, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagCamera) cam = NULL;

	f->report->checked[SDAG_STORE_CAMERAS]++;
	if (node != NULL)
		cam = sdag_camera_from_json(name, node, SDAG_CAMERA_FROM_API, &error);
	if (cam == NULL)
		sdag_fsck_add(f,
			      SDAG_STORE_CAMERAS,
			      key,
			      key_len,
			      "camera_unreadable",
			      "%s",
			      error != NULL ? error->message : "not JSON");
	return TRUE;
}

static gboolean
sdag_fsck_pipeline_cb(const guint8 *key,
		      gsize key_len,
		      const guint8 *value,
		      gsize len,
		      gpointer data)
{
	SdagFsck *f = data;
	g_autofree char *id = g_strndup((const char *)key, key_len);
	g_autoptr(JsonObject) o = sdag_fsck_parse_object(value, len);

	f->report->checked[SDAG_STORE_PIPELINES]++;
	if (o == NULL ||
	    g_strcmp0(json_object_get_string_member_with_default(o, "pipeline_id", ""), id) != 0 ||
	    !json_object_has_member(o, "definition"))
		sdag_fsck_add(f,
			      SDAG_STORE_PIPELINES,
			      key,
			      key_len,
			      "pipeline_unreadable",
			      "not a pipeline record named by its key");
	return TRUE;
}

/**
 * sdag_fsck_run:
 *
 * Checks @store (see the top of this file). Read-only.
 *
 * Returns: (transfer full): the report (no problem: a consistent store), or NULL with
 *   @error when the store cannot be read
 */
SdagFsckReport *
sdag_fsck_run(SdagStore *store, GError **error)
{
	SdagFsckReport *report = g_new0(SdagFsckReport, 1);
	SdagFsck f = {
	    .store = store,
	    .report = report,
	    .jobs = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_object_unref),
	    .expected = g_hash_table_new_full(
		g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, g_free),
	};
	gint64 start = g_get_monotonic_time();
	GHashTableIter iter;
	gpointer k;
	gpointer v;

	report->problems = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_fsck_problem_free);
	sdag_fsck_scan(&f, SDAG_STORE_PIPELINES, NULL, sdag_fsck_pipeline_cb);
	sdag_fsck_scan(&f, SDAG_STORE_JOBS, NULL, sdag_fsck_job_cb);
	sdag_fsck_scan(&f, SDAG_STORE_JOB_INDEX, NULL, sdag_fsck_index_cb);
	/* what the records imply and the index lacks */
	g_hash_table_iter_init(&iter, f.expected);
	while (f.error == NULL && g_hash_table_iter_next(&iter, &k, &v)) {
		gsize len = 0;
		const guint8 *key = g_bytes_get_data(k, &len);
		sdag_fsck_add(&f,
			      SDAG_STORE_JOB_INDEX,
			      key,
			      len,
			      "index_missing",
			      "job %s has no such key",
			      (const char *)v);
	}
	g_hash_table_iter_init(&iter, f.jobs);
	while (f.error == NULL && g_hash_table_iter_next(&iter, &k, &v))
		sdag_fsck_job_rows(&f, k, v);
	sdag_fsck_orphans(&f, SDAG_STORE_FRAMES, NULL, '/');
	sdag_fsck_orphans(&f, SDAG_STORE_RESULTS, NULL, '/');
	sdag_fsck_orphans(&f, SDAG_STORE_METRICS, NULL, -1);
	sdag_fsck_orphans(&f, SDAG_STORE_STATE, NULL, -1);
	sdag_fsck_orphans(&f, SDAG_STORE_OUTBOX, "t", '\0');
	sdag_fsck_orphans(&f, SDAG_STORE_OUTBOX, "s", -1);
	sdag_fsck_scan(&f, SDAG_STORE_OUTBOX, "m", sdag_fsck_json_cb);
	sdag_fsck_scan(&f, SDAG_STORE_OUTBOX, "d", sdag_fsck_json_cb);
	sdag_fsck_scan(&f, SDAG_STORE_HISTORY, "t/", sdag_fsck_history_cb);
	sdag_fsck_scan(&f, SDAG_STORE_CAMERAS, NULL, sdag_fsck_camera_cb);
	report->jobs = g_hash_table_size(f.jobs);
	report->elapsed_us = g_get_monotonic_time() - start;
	g_hash_table_unref(f.jobs);
	g_hash_table_unref(f.expected);
	if (f.error != NULL) {
		g_propagate_error(error, f.error);
		sdag_fsck_report_free(report);
		return NULL;
	}
	return report;
}

/**
 * sdag_fsck_report_to_json:
 *
 * Returns: (transfer full): `{"ok", "jobs", "checked": {family: records}, "elapsed_ms",
 *   "problems": [{"family", "key", "code", "message"}]}`
 */
JsonNode *
sdag_fsck_report_to_json(const SdagFsckReport *report)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, report->problems->len == 0);
	json_builder_set_member_name(b, "jobs");
	json_builder_add_int_value(b, report->jobs);
	json_builder_set_member_name(b, "checked");
	json_builder_begin_object(b);
	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++) {
		json_builder_set_member_name(b, sdag_store_family_name(i));
		json_builder_add_int_value(b, (gint64)report->checked[i]);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "elapsed_ms");
	json_builder_add_double_value(b, (double)(report->elapsed_us / 100) / 10.0);
	json_builder_set_member_name(b, "problems");
	json_builder_begin_array(b);
	for (guint i = 0; i < report->problems->len; i++) {
		const SdagFsckProblem *p = g_ptr_array_index(report->problems, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "family");
		json_builder_add_string_value(b, sdag_store_family_name(p->family));
		json_builder_set_member_name(b, "key");
		json_builder_add_string_value(b, p->key);
		json_builder_set_member_name(b, "code");
		json_builder_add_string_value(b, p->code);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, p->message);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
