/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-metrics"

#include "sdag-metrics.h"

#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sdag-index.h"
#include "sdag-json.h"

/*
 * Per-job metrics, measured: every processed frame's node times (SdagFrameResult.node_ns,
 * CLOCK_MONOTONIC around each node's process()) reach this module through the job manager's
 * frame listener, on the streaming thread, and are added to the job's accumulator under one
 * mutex: exact count, total, min and max per node and a quantile sketch (sdag-sketch.c,
 * 1 % relative error) for p50/p95/p99. Nothing is sampled or estimated but the quantiles.
 *
 * Lifetime of an accumulator, from the status listener on the main context: created when
 * the job becomes running (its nodes from the job's pipeline, in declaration order, which
 * is SdagDag.nodes order and so the order of node_ns), dropped when a requeue sends it back
 * to queued, frozen when it ends: the metrics JSON is written to the metrics family under
 * the job id (replacing the executor's shorter figures written with the status), the run is
 * added to its pipeline's aggregates (sdag-stats.c), and the accumulator goes.
 * GET /jobs/{id}/metrics reads the accumulator while the job runs, the frozen JSON after.
 *
 * Rates: wall time runs from the running status to the terminal one (monotonic clock);
 * fps.decoded counts decoded frames, fps.processed the frames the DAG ran on (one in
 * `stride`), fps.dag the DAG's own capacity (processed frames per second of DAG time).
 *
 * Prometheus series never carry a job id: every job would make new series, and a box that
 * runs jobs all day would leave Prometheus an ever-growing set of them. A job's frame counts
 * and reconnects go to its pipeline's series, and, for a camera's job (the job's "camera"
 * member), to its camera's series as well: the names that stay across jobs. A job's own
 * figures are in GET /jobs/{id} and GET /jobs/{id}/metrics.
 */

/* The figures of a job that Prometheus counts, by pipeline and by camera. */
typedef enum {
	SDAG_METRICS_DECODED,
	SDAG_METRICS_PROCESSED,
	SDAG_METRICS_DROPPED,
	SDAG_METRICS_RECONNECTS,
	SDAG_METRICS_N_FIGURES,
} SdagMetricsFigure;

static const char *const sdag_metrics_pipeline_series[SDAG_METRICS_N_FIGURES] = {
    "streamdag_pipeline_frames_decoded_total",
    "streamdag_pipeline_frames_processed_total",
    "streamdag_pipeline_frames_dropped_total",
    "streamdag_source_reconnects_total",
};

static const char *const sdag_metrics_camera_series[SDAG_METRICS_N_FIGURES] = {
    "streamdag_camera_frames_decoded_total",
    "streamdag_camera_frames_processed_total",
    "streamdag_camera_frames_dropped_total",
    "streamdag_camera_source_reconnects_total",
};

typedef struct {
	char *id;
	char *type;
	guint64 count;
	gint64 total_ns;
	gint64 min_ns;
	gint64 max_ns;
	SdagSketch *sketch;
} SdagNodeAcc;

typedef struct {
	char *job_id;
	char *pipeline_id;
	char *camera; /* NULL: not a camera's job */
	char *status;
	gint64 stride;
	char *decode;	 /* the job's `decode` option */
	guint64 skipped; /* frames it did not decode, as last read from the job */
	guint n_nodes;
	SdagNodeAcc *nodes;
	guint64 processed;
	guint64 decoded;
	gint64 dag_total_ns;
	gint64 start_mono; /* 0: never ran */
	gint64 end_mono;   /* 0: still running */
	guint64 dropped;   /* live sources: as last counted into the series */
	guint64 reconnects;
} SdagJobAcc;

struct _SdagMetrics {
	SdagStore *store; /* borrowed */
	SdagJobs *jobs;	  /* borrowed */
	SdagStats *stats; /* borrowed */
	SdagProm *prom;	  /* borrowed */
	GMutex lock;
	GHashTable *running; /* job id -> SdagJobAcc */
	/* camera -> id of its newest running job, main context only: while a camera's job is
	 * replaced the old one may end after the new one started, and must not put the
	 * camera down */
	GHashTable *cameras;
};

static void
sdag_job_acc_free(SdagJobAcc *acc)
{
	for (guint i = 0; i < acc->n_nodes; i++) {
		g_free(acc->nodes[i].id);
		g_free(acc->nodes[i].type);
		sdag_sketch_free(acc->nodes[i].sketch);
	}
	g_free(acc->nodes);
	g_free(acc->job_id);
	g_free(acc->pipeline_id);
	g_free(acc->camera);
	g_free(acc->status);
	g_free(acc->decode);
	g_free(acc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagJobAcc, sdag_job_acc_free)

/* The name of the camera whose job this is, NULL for a job of no camera. */
static const char *
sdag_metrics_camera_of(JsonObject *job)
{
	JsonNode *node = json_object_get_member(job, "camera");
	const char *camera;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	camera = json_node_get_string(node);
	return camera[0] != '\0' ? camera : NULL;
}

/* From the job's full public JSON (with its pipeline). */
static SdagJobAcc *
sdag_job_acc_new(JsonNode *job)
{
	JsonObject *o = json_node_get_object(job);
	JsonObject *options = json_object_get_object_member(o, "options");
	JsonObject *pipeline = json_object_get_object_member(o, "pipeline");
	JsonArray *nodes = pipeline != NULL ? json_object_get_array_member(pipeline, "nodes")
					    : NULL;
	SdagJobAcc *acc = g_new0(SdagJobAcc, 1);

	acc->job_id = g_strdup(json_object_get_string_member(o, "job_id"));
	acc->pipeline_id = g_strdup(json_object_get_string_member(o, "pipeline_id"));
	acc->camera = g_strdup(sdag_metrics_camera_of(o));
	acc->status = g_strdup(json_object_get_string_member(o, "status"));
	acc->stride =
	    options != NULL ? json_object_get_int_member_with_default(options, "stride", 1) : 1;
	acc->decode = g_strdup(
	    options != NULL ? json_object_get_string_member_with_default(options, "decode", "all")
			    : "all");
	acc->skipped = (guint64)json_object_get_int_member_with_default(o, "frames_skipped", 0);
	acc->n_nodes = nodes != NULL ? json_array_get_length(nodes) : 0;
	acc->nodes = g_new0(SdagNodeAcc, acc->n_nodes);
	for (guint i = 0; i < acc->n_nodes; i++) {
		JsonObject *n = json_array_get_object_element(nodes, i);
		acc->nodes[i].id = g_strdup(json_object_get_string_member(n, "id"));
		acc->nodes[i].type = g_strdup(json_object_get_string_member(n, "type"));
		acc->nodes[i].sketch = sdag_sketch_new();
	}
	return acc;
}

static double
sdag_metrics_ms(gint64 ns)
{
	return (double)ns / 1e6;
}

static double
sdag_job_acc_wall_s(const SdagJobAcc *acc)
{
	gint64 end = acc->end_mono != 0 ? acc->end_mono : g_get_monotonic_time();
	return acc->start_mono != 0 ? (double)(end - acc->start_mono) / G_USEC_PER_SEC : 0.0;
}

/* under the lock, or on an accumulator no thread sees any more */
static JsonNode *
sdag_job_acc_to_json(const SdagJobAcc *acc, gboolean final)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	double wall = sdag_job_acc_wall_s(acc);
	double dag_s = (double)acc->dag_total_ns / 1e9;
	gint best = -1;

	for (guint i = 0; i < acc->n_nodes; i++) {
		if (acc->nodes[i].count > 0 &&
		    (best < 0 || acc->nodes[i].total_ns > acc->nodes[best].total_ns))
			best = (gint)i;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, acc->job_id);
	json_builder_set_member_name(b, "pipeline_id");
	json_builder_add_string_value(b, acc->pipeline_id);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, acc->status);
	json_builder_set_member_name(b, "final");
	json_builder_add_boolean_value(b, final);
	json_builder_set_member_name(b, "stride");
	json_builder_add_int_value(b, acc->stride);
	json_builder_set_member_name(b, "decode");
	json_builder_add_string_value(b, acc->decode);
	json_builder_set_member_name(b, "frames_decoded");
	json_builder_add_int_value(b, (gint64)acc->decoded);
	json_builder_set_member_name(b, "frames_skipped");
	json_builder_add_int_value(b, (gint64)acc->skipped);
	json_builder_set_member_name(b, "frames_processed");
	json_builder_add_int_value(b, (gint64)acc->processed);
	json_builder_set_member_name(b, "wall_s");
	json_builder_add_double_value(b, wall);
	json_builder_set_member_name(b, "dag_total_ms");
	json_builder_add_double_value(b, sdag_metrics_ms(acc->dag_total_ns));
	json_builder_set_member_name(b, "fps");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "decoded");
	json_builder_add_double_value(b, wall > 0 ? (double)acc->decoded / wall : 0.0);
	json_builder_set_member_name(b, "processed");
	json_builder_add_double_value(b, wall > 0 ? (double)acc->processed / wall : 0.0);
	json_builder_set_member_name(b, "dag");
	json_builder_add_double_value(b, dag_s > 0 ? (double)acc->processed / dag_s : 0.0);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (guint i = 0; i < acc->n_nodes; i++) {
		const SdagNodeAcc *n = &acc->nodes[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_string_value(b, n->id);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, n->type);
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)n->count);
		json_builder_set_member_name(b, "total_ms");
		json_builder_add_double_value(b, sdag_metrics_ms(n->total_ns));
		json_builder_set_member_name(b, "mean_ms");
		json_builder_add_double_value(
		    b, n->count > 0 ? sdag_metrics_ms(n->total_ns) / (double)n->count : 0.0);
		json_builder_set_member_name(b, "min_ms");
		json_builder_add_double_value(b, sdag_metrics_ms(n->min_ns));
		json_builder_set_member_name(b, "max_ms");
		json_builder_add_double_value(b, sdag_metrics_ms(n->max_ns));
		json_builder_set_member_name(b, "p50_ms");
		json_builder_add_double_value(b, sdag_sketch_quantile(n->sketch, 0.50) / 1e6);
		json_builder_set_member_name(b, "p95_ms");
		json_builder_add_double_value(b, sdag_sketch_quantile(n->sketch, 0.95) / 1e6);
		json_builder_set_member_name(b, "p99_ms");
		json_builder_add_double_value(b, sdag_sketch_quantile(n->sketch, 0.99) / 1e6);
		json_builder_set_member_name(b, "share");
		json_builder_add_double_value(
		    b, acc->dag_total_ns > 0 ? (double)n->total_ns / (double)acc->dag_total_ns : 0);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "bottleneck");
	if (best >= 0 && acc->dag_total_ns > 0) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "node");
		json_builder_add_string_value(b, acc->nodes[best].id);
		json_builder_set_member_name(b, "share");
		json_builder_add_double_value(
		    b, (double)acc->nodes[best].total_ns / (double)acc->dag_total_ns);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "quantiles");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "method");
	json_builder_add_string_value(b, "log-bucket sketch, nearest rank");
	json_builder_set_member_name(b, "relative_error");
	json_builder_add_double_value(b, SDAG_SKETCH_RELATIVE_ERROR);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Adds @value to a figure of @acc's job in its pipeline's series and, for a camera's job, in
 * its camera's. Thread-safe. */
static void
sdag_metrics_count(SdagMetrics *self, const SdagJobAcc *acc, SdagMetricsFigure figure, double value)
{
	const char *pipeline[] = {"pipeline_id", acc->pipeline_id, NULL};
	const char *camera[] = {"camera", acc->camera, NULL};

	sdag_prom_add(self->prom, sdag_metrics_pipeline_series[figure], pipeline, value);
	if (acc->camera != NULL)
		sdag_prom_add(self->prom, sdag_metrics_camera_series[figure], camera, value);
}

/* Raises the decoded-frame counters by what @acc's job decoded since they last grew; never
 * lowers them. */
static void
sdag_metrics_decoded_to(SdagMetrics *self, SdagJobAcc *acc, guint64 decoded)
{
	if (decoded <= acc->decoded)
		return;
	sdag_metrics_count(self, acc, SDAG_METRICS_DECODED, (double)(decoded - acc->decoded));
	acc->decoded = decoded;
}

/* streaming thread */
static void
sdag_metrics_frame_cb(const char *job_id, const SdagFrameResult *result, gpointer user_data)
{
	SdagMetrics *self = user_data;
	SdagJobAcc *acc;

	g_mutex_lock(&self->lock);
	acc = g_hash_table_lookup(self->running, job_id);
	if (acc == NULL) {
		g_mutex_unlock(&self->lock);
		return;
	}
	acc->processed++;
	acc->dag_total_ns += result->dag_ns;
	for (guint i = 0; i < acc->n_nodes; i++) {
		SdagNodeAcc *n = &acc->nodes[i];
		gint64 ns = result->node_ns[i];
		const char *labels[] = {"pipeline_id", acc->pipeline_id, "node", n->id, NULL};

		n->min_ns = n->count == 0 ? ns : MIN(n->min_ns, ns);
		n->max_ns = n->count == 0 ? ns : MAX(n->max_ns, ns);
		n->count++;
		n->total_ns += ns;
		sdag_sketch_add(n->sketch, (double)ns);
		sdag_prom_observe(
		    self->prom, "streamdag_node_duration_seconds", labels, (double)ns / 1e9);
	}
	sdag_metrics_count(self, acc, SDAG_METRICS_PROCESSED, 1);
	if (acc->camera != NULL) {
		const char *camera[] = {"camera", acc->camera, NULL};
		sdag_prom_set(self->prom,
			      "streamdag_camera_last_frame_timestamp_seconds",
			      camera,
			      (double)g_get_real_time() / G_USEC_PER_SEC);
	}
	sdag_metrics_decoded_to(self, acc, result->frame_id + 1);
	g_mutex_unlock(&self->lock);
}

/* Main context, as @acc's job starts: its counters exist from 0 on, so that a rate over them
 * starts with the job, not with its first increment. */
static void
sdag_metrics_start_series(SdagMetrics *self, SdagJobAcc *acc)
{
	for (guint i = 0; i < SDAG_METRICS_N_FIGURES; i++)
		sdag_metrics_count(self, acc, i, 0);
}

/* Main context: streamdag_camera_up of @acc's camera, 1 while its job runs with its source
 * online. Only the camera's newest job sets it. */
static void
sdag_metrics_camera_up(SdagMetrics *self, SdagJobAcc *acc, JsonObject *job, gboolean running)
{
	const char *labels[] = {"camera", acc->camera, NULL};
	const char *state = json_object_get_string_member_with_default(job, "source_state", "");

	if (acc->camera == NULL ||
	    g_strcmp0(g_hash_table_lookup(self->cameras, acc->camera), acc->job_id) != 0)
		return;
	sdag_prom_set(self->prom,
		      "streamdag_camera_up",
		      labels,
		      running && g_strcmp0(state, "online") == 0 ? 1 : 0);
}

/* Main context. A live source's dropped frames and reconnects are figures of the job (see
 * sdag-live.c), read here from its public JSON; the series grow by what they grew since the
 * last look, at each scrape and once more as the job ends. */
static void
sdag_metrics_live_deltas(SdagMetrics *self, SdagJobAcc *acc, JsonObject *job)
{
	guint64 dropped =
	    (guint64)json_object_get_int_member_with_default(job, "dropped_frames", 0);
	guint64 reconnects = (guint64)json_object_get_int_member_with_default(job, "reconnects", 0);

	if (dropped > acc->dropped) {
		sdag_metrics_count(
		    self, acc, SDAG_METRICS_DROPPED, (double)(dropped - acc->dropped));
		acc->dropped = dropped;
	}
	if (reconnects > acc->reconnects) {
		sdag_metrics_count(
		    self, acc, SDAG_METRICS_RECONNECTS, (double)(reconnects - acc->reconnects));
		acc->reconnects = reconnects;
	}
}

/* main context: the job has ended and no streaming thread sees @acc any more */
static void
sdag_metrics_freeze(SdagMetrics *self, SdagJobAcc *acc, JsonObject *job)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) frozen = NULL;
	g_autofree char *text = NULL;
	g_autofree SdagStatsNode *nodes = g_new0(SdagStatsNode, acc->n_nodes);
	guint64 decoded =
	    (guint64)json_object_get_int_member_with_default(job, "frames_decoded", 0);
	const char *finished = json_object_get_string_member_with_default(job, "finished_at", "");
	g_autoptr(GDateTime) finished_dt = g_date_time_new_from_iso8601(finished, NULL);
	SdagStatsRun run = {0};

	sdag_metrics_decoded_to(self, acc, decoded);
	acc->skipped = (guint64)json_object_get_int_member_with_default(job, "frames_skipped", 0);
	sdag_metrics_live_deltas(self, acc, job);
	if (acc->start_mono != 0)
		acc->end_mono = g_get_monotonic_time();
	frozen = sdag_job_acc_to_json(acc, TRUE);
	text = sdag_json_to_string(frozen);
	if (!sdag_store_put(self->store,
			    SDAG_STORE_METRICS,
			    (const guint8 *)acc->job_id,
			    strlen(acc->job_id),
			    (const guint8 *)text,
			    strlen(text),
			    FALSE,
			    &error)) {
		g_warning("job %s: metrics not stored: %s", acc->job_id, error->message);
		g_clear_error(&error);
	}

	run.pipeline_id = acc->pipeline_id;
	run.status = acc->status;
	run.finished_us = finished_dt != NULL ? sdag_query_datetime_to_us(finished_dt)
					      : g_get_real_time();
	run.started = acc->start_mono != 0;
	run.frames_decoded = acc->decoded;
	run.frames_processed = acc->processed;
	run.wall_s = sdag_job_acc_wall_s(acc);
	run.fps_processed = run.wall_s > 0 ? (double)acc->processed / run.wall_s : 0.0;
	run.dag_total_ns = acc->dag_total_ns;
	run.n_nodes = acc->n_nodes;
	for (guint i = 0; i < acc->n_nodes; i++) {
		nodes[i].id = acc->nodes[i].id;
		nodes[i].type = acc->nodes[i].type;
		nodes[i].count = acc->nodes[i].count;
		nodes[i].total_ns = acc->nodes[i].total_ns;
		nodes[i].sketch = acc->nodes[i].sketch;
	}
	run.nodes = nodes;
	if (!sdag_stats_add_run(self->stats, &run, &error))
		g_warning("job %s: pipeline stats not updated: %s", acc->job_id, error->message);
}

/* main context, once the change is on disk */
static void
sdag_metrics_status_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	SdagMetrics *self = user_data;
	JsonObject *o = json_node_get_object(job);
	const char *status = json_object_get_string_member(o, "status");
	SdagJobStatus st = SDAG_JOB_FAILED;
	g_autoptr(SdagJobAcc) acc = NULL;

	sdag_job_status_from_string(status, &st);
	g_mutex_lock(&self->lock);
	g_hash_table_steal_extended(self->running, job_id, NULL, (gpointer *)&acc);
	g_mutex_unlock(&self->lock);

	if (st == SDAG_JOB_RUNNING) {
		g_autoptr(JsonNode) full = sdag_jobs_get(self->jobs, job_id, NULL);
		g_clear_pointer(&acc, sdag_job_acc_free);
		if (full == NULL)
			return;
		acc = sdag_job_acc_new(full);
		acc->start_mono = g_get_monotonic_time();
		sdag_metrics_start_series(self, acc);
		if (acc->camera != NULL) {
			g_hash_table_insert(
			    self->cameras, g_strdup(acc->camera), g_strdup(acc->job_id));
			sdag_metrics_camera_up(self, acc, json_node_get_object(full), TRUE);
		}
		g_mutex_lock(&self->lock);
		g_hash_table_insert(self->running, acc->job_id, acc);
		acc = NULL;
		g_mutex_unlock(&self->lock);
		return;
	}
	/* requeued or ended: its camera is down until the camera's next job reports */
	if (acc != NULL && acc->camera != NULL) {
		sdag_metrics_camera_up(self, acc, o, FALSE);
		if (g_strcmp0(g_hash_table_lookup(self->cameras, acc->camera), job_id) == 0)
			g_hash_table_remove(self->cameras, acc->camera);
	}
	if (!sdag_job_status_is_terminal(st))
		return;
	if (acc == NULL) {
		/* it never ran: empty figures, nodes from its pipeline */
		g_autoptr(JsonNode) full = sdag_jobs_get(self->jobs, job_id, NULL);
		if (full == NULL)
			return;
		acc = sdag_job_acc_new(full);
	}
	g_free(acc->status);
	acc->status = g_strdup(status);
	sdag_metrics_freeze(self, acc, o);
}

/* main context: a running live job's source changed state */
static void
sdag_metrics_source_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	SdagMetrics *self = user_data;
	/* running is changed only on this (the main) context */
	SdagJobAcc *acc = g_hash_table_lookup(self->running, job_id);

	if (acc != NULL)
		sdag_metrics_camera_up(self, acc, json_node_get_object(job), TRUE);
}

/* "Cumulative stall: 00:00:1.500 H:M:S, ..." in rocksdb.dbstats, in seconds */
static double
sdag_metrics_parse_stall(const char *dbstats)
{
	const char *p = dbstats != NULL ? strstr(dbstats, "Cumulative stall: ") : NULL;
	guint h = 0;
	guint m = 0;
	double sec = 0;

	if (p == NULL || sscanf(p + strlen("Cumulative stall: "), "%u:%u:%lf", &h, &m, &sec) != 3)
		return 0;
	return h * 3600.0 + m * 60.0 + sec;
}

/* scrape time, main context: what the store knows */
static void
sdag_metrics_collect_cb(SdagProm *prom, gpointer user_data)
{
	SdagMetrics *self = user_data;
	g_autofree char *dbstats = sdag_store_dup_property(self->store, "rocksdb.dbstats");
	g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func(g_free);
	guint64 v = 0;
	guint64 by_status[SDAG_JOB_N_STATUSES];
	GHashTableIter iter;
	gpointer key;

	/* the job manager is asked outside the lock the streaming threads take */
	g_mutex_lock(&self->lock);
	g_hash_table_iter_init(&iter, self->running);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(running, g_strdup(key));
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < running->len; i++) {
		g_autoptr(JsonNode) job = sdag_jobs_get(self->jobs, running->pdata[i], NULL);
		SdagJobAcc *acc;

		/* running is changed only on this (the main) context */
		acc = g_hash_table_lookup(self->running, running->pdata[i]);
		if (job == NULL || acc == NULL)
			continue;
		sdag_metrics_live_deltas(self, acc, json_node_get_object(job));
		sdag_metrics_camera_up(self, acc, json_node_get_object(job), TRUE);
	}

	sdag_jobs_get_status_counts(self->jobs, by_status);
	for (guint i = 0; i < SDAG_JOB_N_STATUSES; i++) {
		const char *labels[] = {"status", sdag_job_status_to_string(i), NULL};
		sdag_prom_set(prom, "streamdag_jobs", labels, (double)by_status[i]);
	}
	if (sdag_store_get_int_property(self->store, "rocksdb.total-sst-files-size", &v))
		sdag_prom_set(prom, "streamdag_rocksdb_sst_files_size_bytes", NULL, (double)v);
	if (sdag_store_get_int_property(self->store, "rocksdb.cur-size-all-mem-tables", &v))
		sdag_prom_set(prom, "streamdag_rocksdb_memtables_size_bytes", NULL, (double)v);
	if (sdag_store_get_shared_int_property(self->store, "rocksdb.block-cache-usage", &v))
		sdag_prom_set(prom, "streamdag_rocksdb_block_cache_bytes", NULL, (double)v);
	if (sdag_store_get_int_property(self->store, "rocksdb.estimate-table-readers-mem", &v))
		sdag_prom_set(prom, "streamdag_rocksdb_table_readers_bytes", NULL, (double)v);
#ifdef __GLIBC__
	{
		/* what resident memory is made of: live allocations (a leak grows these)
		 * against freed memory the arenas keep (which grows after bursts of
		 * threads, and is not a leak) */
		struct mallinfo2 mi = mallinfo2();

		/* all zero when another allocator stands in for glibc's (a sanitizer's, a
		 * preloaded one): nothing to say then */
		if (mi.uordblks + mi.hblkhd > 0) {
			sdag_prom_set(prom,
				      "streamdag_malloc_in_use_bytes",
				      NULL,
				      (double)(mi.uordblks + mi.hblkhd));
			sdag_prom_set(
			    prom, "streamdag_malloc_free_bytes", NULL, (double)mi.fordblks);
		}
	}
#endif
	if (sdag_store_get_int_property(self->store, "rocksdb.actual-delayed-write-rate", &v))
		sdag_prom_set(
		    prom, "streamdag_rocksdb_delayed_write_rate_bytes_per_second", NULL, (double)v);
	if (sdag_store_get_int_property(self->store, "rocksdb.is-write-stopped", &v))
		sdag_prom_set(prom, "streamdag_rocksdb_write_stopped", NULL, v > 0 ? 1 : 0);
	/* cumulative since the store was opened: a counter */
	sdag_prom_set(prom,
		      "streamdag_rocksdb_write_stall_seconds_total",
		      NULL,
		      sdag_metrics_parse_stall(dbstats));
}

/**
 * sdag_metrics_new:
 *
 * Listens to @jobs (before any job runs) for per-job metrics, the pipeline aggregates in
 * @stats and the pipeline, camera and node series of @prom.
 *
 * Returns: (transfer full): the metrics module
 */
SdagMetrics *
sdag_metrics_new(SdagStore *store, SdagJobs *jobs, SdagStats *stats, SdagProm *prom)
{
	SdagMetrics *self = g_new0(SdagMetrics, 1);
	SdagJobsListener listener = {
	    .status_changed = sdag_metrics_status_cb,
	    .frame = sdag_metrics_frame_cb,
	    .source_changed = sdag_metrics_source_cb,
	};

	self->store = store;
	self->jobs = jobs;
	self->stats = stats;
	self->prom = prom;
	g_mutex_init(&self->lock);
	self->running =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)sdag_job_acc_free);
	self->cameras = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sdag_jobs_add_listener(jobs, &listener, self);
	sdag_prom_add_collector(prom, sdag_metrics_collect_cb, self);
	return self;
}

void
sdag_metrics_free(SdagMetrics *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->running);
	g_hash_table_unref(self->cameras);
	g_mutex_clear(&self->lock);
	g_free(self);
}

/**
 * sdag_metrics_get_job:
 *
 * Returns: (transfer full): the job's metrics: live while it runs, frozen once it has ended,
 * empty while it waits; NULL with JOB_NOT_FOUND
 */
JsonNode *
sdag_metrics_get_job(SdagMetrics *self, const char *job_id, GError **error)
{
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(JsonNode) stored = NULL;
	g_autoptr(JsonNode) full = NULL;
	g_autoptr(SdagJobAcc) empty = NULL;
	SdagJobAcc *acc;
	SdagJobStatus st = SDAG_JOB_FAILED;

	g_mutex_lock(&self->lock);
	acc = g_hash_table_lookup(self->running, job_id);
	if (acc != NULL) {
		JsonNode *live = sdag_job_acc_to_json(acc, FALSE);
		g_mutex_unlock(&self->lock);
		return live;
	}
	g_mutex_unlock(&self->lock);

	blob = sdag_store_get(
	    self->store, SDAG_STORE_METRICS, (const guint8 *)job_id, strlen(job_id), NULL);
	if (blob != NULL)
		stored =
		    sdag_json_parse(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob), NULL);
	if (stored != NULL && JSON_NODE_HOLDS_OBJECT(stored) &&
	    json_object_has_member(json_node_get_object(stored), "final"))
		return g_steal_pointer(&stored);
	/* waiting, or ended without this module seeing it (a daemon stop while it ran) */
	full = sdag_jobs_get(self->jobs, job_id, error);
	if (full == NULL)
		return NULL;
	empty = sdag_job_acc_new(full);
	sdag_job_status_from_string(empty->status, &st);
	empty->decoded = (guint64)json_object_get_int_member_with_default(
	    json_node_get_object(full), "frames_decoded", 0);
	return sdag_job_acc_to_json(empty, sdag_job_status_is_terminal(st));
}
