/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-stats"

#include "sdag-stats.h"

#include <string.h>

#include "sdag-index.h"
#include "sdag-json.h"

/*
 * Pipeline analytics over past runs, from aggregates kept as jobs finish.
 *
 * One row per pipeline and UTC day, in the metrics family (job ids are UUIDs, so the
 * "agg/" prefix meets none of them):
 *
 *   agg/<pipeline_id>/<YYYY-MM-DD> -> {"runs": {status: n}, "started", "frames_decoded",
 *       "frames_processed", "wall_s", "fps_sum", "fps": sketch, "dag_total_ns",
 *       "nodes": {id: {"type", "count", "total_ns", "sketch"}}}
 *
 * A finished job is added to the row of the day it finished, right after its terminal
 * status is stored (read, merge, write: on the main context only, so no two updates race).
 * A query merges the rows of the days that overlap [since, until): sums add, sketches merge
 * (exactly: the merged sketch is the sketch of all the values), so the cost is one prefix
 * scan over at most one row per day, whatever the number of jobs or frames.
 */

struct _SdagStats {
	SdagStore *store; /* borrowed */
};

SdagStats *
sdag_stats_new(SdagStore *store)
{
	SdagStats *self = g_new0(SdagStats, 1);
	self->store = store;
	return self;
}

void
sdag_stats_free(SdagStats *self)
{
	g_free(self);
}

static char *
sdag_stats_day(gint64 unix_us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
	return g_date_time_format(dt, "%Y-%m-%d");
}

static JsonObject *
sdag_stats_member_object(JsonObject *o, const char *name)
{
	if (!json_object_has_member(o, name) ||
	    !JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, name)))
		json_object_set_object_member(o, name, json_object_new());
	return json_object_get_object_member(o, name);
}

static void
sdag_stats_add_int(JsonObject *o, const char *name, gint64 v)
{
	json_object_set_int_member(
	    o, name, json_object_get_int_member_with_default(o, name, 0) + v);
}

static void
sdag_stats_add_double(JsonObject *o, const char *name, double v)
{
	json_object_set_double_member(
	    o, name, json_object_get_double_member_with_default(o, name, 0) + v);
}

/* Merges @sketch into the sketch stored at @o.@name. */
static void
sdag_stats_merge_sketch(JsonObject *o, const char *name, const SdagSketch *sketch)
{
	g_autoptr(SdagSketch) merged = sdag_sketch_from_json(json_object_get_member(o, name));

	if (merged == NULL)
		merged = sdag_sketch_new();
	sdag_sketch_merge(merged, sketch);
	json_object_set_member(o, name, sdag_sketch_to_json(merged));
}

/**
 * sdag_stats_add_run:
 *
 * Adds one finished job to its pipeline's row of the day it finished.
 */
gboolean
sdag_stats_add_run(SdagStats *self, const SdagStatsRun *run, GError **error)
{
	g_autofree char *day = sdag_stats_day(run->finished_us);
	g_autofree char *key = g_strdup_printf("agg/%s/%s", run->pipeline_id, day);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	JsonObject *row;

	blob =
	    sdag_store_get(self->store, SDAG_STORE_METRICS, (const guint8 *)key, strlen(key), NULL);
	if (blob != NULL)
		root = sdag_json_parse(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob), NULL);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_clear_pointer(&root, json_node_unref);
		root = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(root, json_object_new());
	}
	row = json_node_get_object(root);
	sdag_stats_add_int(sdag_stats_member_object(row, "runs"), run->status, 1);
	if (run->started) {
		g_autoptr(SdagSketch) fps = sdag_sketch_new();
		JsonObject *nodes = sdag_stats_member_object(row, "nodes");

		sdag_stats_add_int(row, "started", 1);
		sdag_stats_add_int(row, "frames_decoded", (gint64)run->frames_decoded);
		sdag_stats_add_int(row, "frames_processed", (gint64)run->frames_processed);
		sdag_stats_add_double(row, "wall_s", run->wall_s);
		sdag_stats_add_double(row, "fps_sum", run->fps_processed);
		sdag_stats_add_int(row, "dag_total_ns", run->dag_total_ns);
		sdag_sketch_add(fps, run->fps_processed);
		sdag_stats_merge_sketch(row, "fps", fps);
		for (guint i = 0; i < run->n_nodes; i++) {
			const SdagStatsNode *n = &run->nodes[i];
			JsonObject *o = sdag_stats_member_object(nodes, n->id);

			json_object_set_string_member(o, "type", n->type);
			sdag_stats_add_int(o, "count", (gint64)n->count);
			sdag_stats_add_int(o, "total_ns", n->total_ns);
			sdag_stats_merge_sketch(o, "sketch", n->sketch);
		}
	}
	text = sdag_json_to_string(root);
	return sdag_store_put(self->store,
			      SDAG_STORE_METRICS,
			      (const guint8 *)key,
			      strlen(key),
			      (const guint8 *)text,
			      strlen(text),
			      FALSE,
			      error);
}

typedef struct {
	JsonObject *sum;      /* the merged row */
	GHashTable *sketches; /* node id -> SdagSketch */
	GPtrArray *order;     /* node ids in order met */
	SdagSketch *fps;
	JsonArray *trend;
	gsize prefix_len;
} SdagStatsMerge;

static gboolean
sdag_stats_merge_cb(const guint8 *key,
		    gsize key_len,
		    const guint8 *value,
		    gsize value_len,
		    gpointer user_data)
{
	SdagStatsMerge *m = user_data;
	g_autoptr(JsonNode) root = sdag_json_parse((const char *)value, (gssize)value_len, NULL);
	g_autofree char *day =
	    g_strndup((const char *)key + m->prefix_len, key_len - m->prefix_len);
	g_autoptr(SdagSketch) fps = NULL;
	JsonObject *row;
	JsonObject *point;
	JsonObjectIter iter;
	const char *name;
	JsonNode *member;
	gint64 runs = 0;
	gint64 started;
	g_autoptr(GList) names = NULL;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return TRUE;
	row = json_node_get_object(root);
	json_object_iter_init(&iter, sdag_stats_member_object(row, "runs"));
	while (json_object_iter_next(&iter, &name, &member)) {
		sdag_stats_add_int(
		    sdag_stats_member_object(m->sum, "runs"), name, json_node_get_int(member));
		runs += json_node_get_int(member);
	}
	started = json_object_get_int_member_with_default(row, "started", 0);
	sdag_stats_add_int(m->sum, "started", started);
	sdag_stats_add_int(m->sum,
			   "frames_decoded",
			   json_object_get_int_member_with_default(row, "frames_decoded", 0));
	sdag_stats_add_int(m->sum,
			   "frames_processed",
			   json_object_get_int_member_with_default(row, "frames_processed", 0));
	sdag_stats_add_double(
	    m->sum, "wall_s", json_object_get_double_member_with_default(row, "wall_s", 0));
	sdag_stats_add_double(
	    m->sum, "fps_sum", json_object_get_double_member_with_default(row, "fps_sum", 0));
	sdag_stats_add_int(m->sum,
			   "dag_total_ns",
			   json_object_get_int_member_with_default(row, "dag_total_ns", 0));
	fps = sdag_sketch_from_json(json_object_get_member(row, "fps"));
	if (fps != NULL)
		sdag_sketch_merge(m->fps, fps);
	/* in the order stored, which is the pipeline's */
	names = json_object_get_members(sdag_stats_member_object(row, "nodes"));
	for (GList *l = names; l != NULL; l = l->next) {
		const char *id = l->data;
		JsonObject *n =
		    json_object_get_object_member(json_object_get_object_member(row, "nodes"), id);
		JsonObject *acc =
		    sdag_stats_member_object(sdag_stats_member_object(m->sum, "nodes"), id);
		g_autoptr(SdagSketch) sk =
		    sdag_sketch_from_json(json_object_get_member(n, "sketch"));
		SdagSketch *all = g_hash_table_lookup(m->sketches, id);

		if (all == NULL) {
			all = sdag_sketch_new();
			g_hash_table_insert(m->sketches, g_strdup(id), all);
			g_ptr_array_add(m->order, g_strdup(id));
		}
		if (sk != NULL)
			sdag_sketch_merge(all, sk);
		json_object_set_string_member(
		    acc, "type", json_object_get_string_member_with_default(n, "type", ""));
		sdag_stats_add_int(
		    acc, "count", json_object_get_int_member_with_default(n, "count", 0));
		sdag_stats_add_int(
		    acc, "total_ns", json_object_get_int_member_with_default(n, "total_ns", 0));
	}
	point = json_object_new();
	json_object_set_string_member(point, "day", day);
	json_object_set_int_member(point, "runs", runs);
	json_object_set_int_member(point, "started", started);
	json_object_set_double_member(
	    point,
	    "mean_fps",
	    started > 0
		? json_object_get_double_member_with_default(row, "fps_sum", 0) / (double)started
		: 0.0);
	json_array_add_object_element(m->trend, point);
	return TRUE;
}

/**
 * sdag_stats_query:
 * @since_us: SDAG_QUERY_NO_TIME, or the first time of interest
 * @until_us: SDAG_QUERY_NO_TIME, or the first time past it
 *
 * Merges the pipeline's day rows that overlap [since, until).
 *
 * Returns: (transfer full): the analytics (see docs/api.md)
 */
JsonNode *
sdag_stats_query(SdagStats *self,
		 const char *pipeline_id,
		 gint64 since_us,
		 gint64 until_us,
		 GError **error)
{
	g_autofree char *prefix = g_strdup_printf("agg/%s/", pipeline_id);
	g_autofree char *lower = NULL;
	g_autofree char *upper = NULL;
	g_autoptr(JsonObject) sum = json_object_new();
	g_autoptr(GHashTable) sketches = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)sdag_sketch_free);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SdagSketch) fps = sdag_sketch_new();
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	JsonArray *trend = json_array_new();
	SdagStatsMerge m = {sum, sketches, order, fps, trend, strlen(prefix)};
	JsonObject *runs;
	JsonObject *nodes;
	gint64 started;
	gint64 dag_total;
	const char *bottleneck = NULL;
	double bottleneck_share = 0;
	JsonNode *trend_node;

	if (since_us != SDAG_QUERY_NO_TIME) {
		g_autofree char *day = sdag_stats_day(since_us);
		lower = g_strconcat(prefix, day, NULL);
	} else {
		lower = g_strdup(prefix);
	}
	if (until_us != SDAG_QUERY_NO_TIME) {
		/* the day of the last µs before until, included */
		g_autofree char *day = sdag_stats_day(until_us - 1);
		upper = g_strconcat(prefix, day, "~", NULL);
	} else {
		upper = g_strdup_printf("agg/%s0", pipeline_id); /* '0' follows '/' */
	}
	trend_node = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(trend_node, trend);
	if (strcmp(lower, upper) < 0 && !sdag_store_iter_range(self->store,
							       SDAG_STORE_METRICS,
							       (const guint8 *)lower,
							       strlen(lower),
							       (const guint8 *)upper,
							       strlen(upper),
							       FALSE,
							       sdag_stats_merge_cb,
							       &m,
							       error)) {
		json_node_unref(trend_node);
		return NULL;
	}
	runs = sdag_stats_member_object(sum, "runs");
	nodes = sdag_stats_member_object(sum, "nodes");
	started = json_object_get_int_member_with_default(sum, "started", 0);
	dag_total = json_object_get_int_member_with_default(sum, "dag_total_ns", 0);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "pipeline_id");
	json_builder_add_string_value(b, pipeline_id);
	json_builder_set_member_name(b, "runs");
	json_builder_begin_object(b);
	{
		static const char *const statuses[] = {"completed", "failed", "cancelled"};
		gint64 total = 0;
		JsonObjectIter iter;
		const char *name;
		JsonNode *member;

		json_object_iter_init(&iter, runs);
		while (json_object_iter_next(&iter, &name, &member))
			total += json_node_get_int(member);
		json_builder_set_member_name(b, "total");
		json_builder_add_int_value(b, total);
		json_builder_set_member_name(b, "started");
		json_builder_add_int_value(b, started);
		for (guint i = 0; i < G_N_ELEMENTS(statuses); i++) {
			json_builder_set_member_name(b, statuses[i]);
			json_builder_add_int_value(
			    b, json_object_get_int_member_with_default(runs, statuses[i], 0));
		}
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "frames");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "decoded");
	json_builder_add_int_value(
	    b, json_object_get_int_member_with_default(sum, "frames_decoded", 0));
	json_builder_set_member_name(b, "processed");
	json_builder_add_int_value(
	    b, json_object_get_int_member_with_default(sum, "frames_processed", 0));
	json_builder_set_member_name(b, "mean_processed");
	json_builder_add_double_value(b,
				      started > 0 ? (double)json_object_get_int_member_with_default(
							sum, "frames_processed", 0) /
							(double)started
						  : 0.0);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "fps");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "counts");
	json_builder_add_string_value(b, "processed");
	json_builder_set_member_name(b, "mean");
	json_builder_add_double_value(
	    b,
	    started > 0
		? json_object_get_double_member_with_default(sum, "fps_sum", 0) / (double)started
		: 0.0);
	json_builder_set_member_name(b, "p95");
	json_builder_add_double_value(b, sdag_sketch_quantile(fps, 0.95));
	json_builder_end_object(b);
	json_builder_set_member_name(b, "duration_s");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "mean");
	json_builder_add_double_value(
	    b,
	    started > 0
		? json_object_get_double_member_with_default(sum, "wall_s", 0) / (double)started
		: 0.0);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (guint i = 0; i < order->len; i++) {
		const char *id = g_ptr_array_index(order, i);
		JsonObject *n = json_object_get_object_member(nodes, id);
		SdagSketch *sk = g_hash_table_lookup(sketches, id);
		gint64 count = json_object_get_int_member_with_default(n, "count", 0);
		gint64 total = json_object_get_int_member_with_default(n, "total_ns", 0);
		double share = dag_total > 0 ? (double)total / (double)dag_total : 0.0;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_string_value(b, id);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, json_object_get_string_member(n, "type"));
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, count);
		json_builder_set_member_name(b, "total_ms");
		json_builder_add_double_value(b, (double)total / 1e6);
		json_builder_set_member_name(b, "mean_ms");
		json_builder_add_double_value(b,
					      count > 0 ? (double)total / 1e6 / (double)count : 0);
		json_builder_set_member_name(b, "p50_ms");
		json_builder_add_double_value(b, sdag_sketch_quantile(sk, 0.50) / 1e6);
		json_builder_set_member_name(b, "p95_ms");
		json_builder_add_double_value(b, sdag_sketch_quantile(sk, 0.95) / 1e6);
		json_builder_set_member_name(b, "max_ms");
		json_builder_add_double_value(b, sdag_sketch_get_max(sk) / 1e6);
		json_builder_set_member_name(b, "share");
		json_builder_add_double_value(b, share);
		json_builder_end_object(b);
		if (bottleneck == NULL || share > bottleneck_share) {
			bottleneck = id;
			bottleneck_share = share;
		}
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "bottleneck");
	if (bottleneck != NULL && dag_total > 0) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "node");
		json_builder_add_string_value(b, bottleneck);
		json_builder_set_member_name(b, "share");
		json_builder_add_double_value(b, bottleneck_share);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "trend");
	json_builder_add_value(b, trend_node);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
