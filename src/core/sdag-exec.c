/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why one file over 800 lines: the executor's per-frame path (packets, gathering,
 * timing, state save and load, the result JSON) shares one private struct per
 * running DAG; splitting it would expose that struct to save a few hundred lines.
 */
#define G_LOG_DOMAIN "sdag-exec"

#include "sdag-exec.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * The DAG executor: runs a compiled pipeline over decoded frames, and is the
 * job's state manager.
 *
 * Contract: sdag_exec_new() initialises every node or none. sdag_exec_run()
 * calls each node's process() once, in the DAG's topological order, with the
 * packets its links name: the frame for inputs fed by the source, a packet of
 * type SDAG_PORT_NONE for unconnected optional inputs, otherwise the packet
 * the producing node wrote during this frame. The packets on the pipeline's
 * declared outputs are gathered into one SdagFrameResult. A frame succeeds as
 * a whole, and only then counts in the state (frame_count, duration,
 * previous detections, track ids) and in the metrics; a failure names the
 * node. A node is never handed a frame in a format it did not declare in
 * SdagNodeDesc.frame_formats: the run fails instead of letting the plugin
 * read planes that are not there.
 *
 * Ownership: the executor owns the DAG (and so borrows the node types the DAG
 * was compiled against: they must outlive it), the node instances and every
 * packet. Output arrays are allocated once per port in sdag_exec_new() and
 * only emptied before each call, so a steady stream of frames allocates
 * nothing once the arrays reached their largest size. An input packet is a
 * copy of the producing packet's header: consumers read the producer's array
 * itself, so a packet costs the same whatever the number of consumers.
 *
 * Threads: no threads and no locks of its own. One thread at a time: the
 * GStreamer streaming thread while a pipeline runs, any thread once it has
 * stopped. Node plugins are promised the same (see sdag-node.h).
 *
 * Complexity: a frame costs O(N + L + R) for N nodes, L links and R items on
 * the declared outputs, plus the nodes' own work and two clock reads per
 * node. Saving or loading the state is O(T log T + D + S) for T track ids, D
 * previous detections and S bytes of node state.
 */

typedef struct {
	SdagDagNode *node; /* borrowed from the DAG */
	gpointer instance;
	gboolean initialised;
	SdagPacket *inputs;  /* desc->n_inputs */
	SdagPacket *outputs; /* desc->n_outputs, handed to process() */
	GArray **items;	     /* desc->n_outputs; NULL for FRAME/IMAGE ports */
	/* metrics of the frames that succeeded */
	guint64 count;
	gint64 total_ns;
	gint64 min_ns;
	gint64 max_ns;
} SdagExecNode;

struct _SdagExec {
	SdagDag *dag;
	SdagExecNode *nodes; /* one per dag->nodes, same order */
	guint n_nodes;
	gint64 *node_ns; /* the last frame's time per node */
	SdagFrameResult result;
	guint32 frame_formats;

	/* the state manager */
	guint64 frame_count;
	gint64 duration_ns;
	gint64 last_pts_ns; /* -1 until a frame with a known pts in this run */
	GArray *previous_detections;
	GHashTable *track_ids; /* set of gint64 *, owned */

	/* metrics of this run */
	guint64 frames;
	gint64 dag_total_ns;
};

static gint64
sdag_exec_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

static gsize
sdag_exec_item_size(SdagPortType type)
{
	switch (type) {
	case SDAG_PORT_DETECTIONS:
	case SDAG_PORT_TRACKS:
		return sizeof(SdagDetection);
	case SDAG_PORT_EVENTS:
		return sizeof(SdagEvent);
	case SDAG_PORT_COUNTS:
		return sizeof(SdagCount);
	default:
		return 0;
	}
}

static const char *
sdag_exec_format_to_string(SdagFrameFormat format)
{
	switch (format) {
	case SDAG_FRAME_FORMAT_I420:
		return "I420";
	case SDAG_FRAME_FORMAT_NV12:
		return "NV12";
	case SDAG_FRAME_FORMAT_GRAY8:
		return "GRAY8";
	case SDAG_FRAME_FORMAT_RGB:
		return "RGB";
	case SDAG_FRAME_FORMAT_BGR:
		return "BGR";
	default:
		return "an unknown format";
	}
}

static void
sdag_exec_node_clear(SdagExecNode *en)
{
	const SdagNodeDesc *desc = en->node->desc;

	if (en->initialised)
		desc->finalize(en->instance);
	en->initialised = FALSE;
	for (guint p = 0; en->items != NULL && p < desc->n_outputs; p++) {
		if (en->items[p] != NULL)
			g_array_unref(en->items[p]);
	}
	g_free(en->items);
	g_free(en->inputs);
	g_free(en->outputs);
}

/**
 * sdag_exec_free_to_dag:
 *
 * Finalises every node and frees the executor, but hands its DAG back, so
 * that a new executor (new node instances, empty state) can run the same
 * pipeline again.
 *
 * Returns: (transfer full): the DAG the executor owned
 */
SdagDag *
sdag_exec_free_to_dag(SdagExec *self)
{
	SdagDag *dag;

	g_return_val_if_fail(self != NULL, NULL);
	/* in reverse, so a node never outlives one initialised before it */
	for (guint i = self->n_nodes; i > 0; i--)
		sdag_exec_node_clear(&self->nodes[i - 1]);
	g_free(self->nodes);
	g_free(self->node_ns);
	g_array_unref(self->result.detections);
	g_array_unref(self->result.events);
	g_array_unref(self->result.counts);
	g_array_unref(self->previous_detections);
	g_hash_table_unref(self->track_ids);
	dag = self->dag;
	g_free(self);
	return dag;
}

void
sdag_exec_free(SdagExec *self)
{
	if (self == NULL)
		return;
	sdag_dag_free(sdag_exec_free_to_dag(self));
}

/* Intersection over the nodes that read the decoded frame itself: only those
 * decide what the decoder's output is converted to. */
static guint32
sdag_exec_compute_frame_formats(SdagDag *dag)
{
	guint32 formats = SDAG_EXEC_ALL_FORMATS;

	for (guint i = 0; i < dag->nodes->len; i++) {
		SdagDagNode *node = g_ptr_array_index(dag->nodes, i);
		const SdagNodeDesc *desc = node->desc;

		for (guint j = 0; j < desc->n_inputs; j++) {
			SdagPortType type = desc->inputs[j].type;

			if ((type == SDAG_PORT_FRAME || type == SDAG_PORT_IMAGE) &&
			    node->inputs[j].node == SDAG_DAG_FROM_SOURCE &&
			    desc->frame_formats != 0)
				formats &= desc->frame_formats;
		}
	}
	return formats;
}

/**
 * sdag_exec_new:
 * @dag: (transfer full): a compiled DAG; consumed even when this fails
 *
 * Calls every node's init() with its params and allocates the output packets.
 * When a node's init fails, the nodes initialised before it are finalised
 * again and the error names the node.
 *
 * Returns: (transfer full) (nullable): the executor
 */
SdagExec *
sdag_exec_new(SdagDag *dag, GError **error)
{
	SdagExec *self;

	g_return_val_if_fail(dag != NULL, NULL);

	self = g_new0(SdagExec, 1);
	self->dag = dag;
	self->n_nodes = dag->nodes->len;
	self->nodes = g_new0(SdagExecNode, self->n_nodes);
	self->node_ns = g_new0(gint64, self->n_nodes);
	self->result.detections = g_array_new(FALSE, FALSE, sizeof(SdagDetection));
	self->result.events = g_array_new(FALSE, FALSE, sizeof(SdagEvent));
	self->result.counts = g_array_new(FALSE, FALSE, sizeof(SdagCount));
	self->result.node_ns = self->node_ns;
	self->result.pts_ns = -1;
	self->previous_detections = g_array_new(FALSE, FALSE, sizeof(SdagDetection));
	self->track_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	self->last_pts_ns = -1;
	self->frame_formats = sdag_exec_compute_frame_formats(dag);

	for (guint i = 0; i < self->n_nodes; i++) {
		SdagExecNode *en = &self->nodes[i];
		const SdagNodeDesc *desc;

		en->node = g_ptr_array_index(dag->nodes, i);
		desc = en->node->desc;
		en->inputs = g_new0(SdagPacket, desc->n_inputs);
		en->outputs = g_new0(SdagPacket, desc->n_outputs);
		en->items = g_new0(GArray *, desc->n_outputs);
		en->min_ns = G_MAXINT64;
		for (guint p = 0; p < desc->n_outputs; p++) {
			gsize size = sdag_exec_item_size(desc->outputs[p].type);

			if (size > 0)
				en->items[p] = g_array_new(FALSE, FALSE, size);
		}
	}
	for (guint i = 0; i < self->n_nodes; i++) {
		SdagExecNode *en = &self->nodes[i];
		g_autoptr(GError) error_local = NULL;

		en->instance = en->node->desc->init_with_settings != NULL
				   ? en->node->desc->init_with_settings(
					 en->node->params, en->node->settings, &error_local)
				   : en->node->desc->init(en->node->params, &error_local);
		if (en->instance == NULL) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "node '%s': %s",
				    en->node->id,
				    error_local != NULL ? error_local->message
							: "init failed without saying why");
			sdag_exec_free(self);
			return NULL;
		}
		en->initialised = TRUE;
	}
	return self;
}

/* Returns: (transfer none): the DAG the executor runs */
SdagDag *
sdag_exec_get_dag(SdagExec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->dag;
}

/**
 * sdag_exec_get_frame_formats:
 *
 * The SDAG_EXEC_FORMAT_BIT()s of the frame formats every node fed directly by
 * the source reads (a node that declares 0 reads any). 0 when no format
 * satisfies them all; SDAG_EXEC_ALL_FORMATS when no node constrains it.
 */
guint32
sdag_exec_get_frame_formats(SdagExec *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->frame_formats;
}

static void
sdag_exec_prepare_inputs(SdagExec *self, SdagExecNode *en, const SdagPacket *source)
{
	const SdagNodeDesc *desc = en->node->desc;

	for (guint j = 0; j < desc->n_inputs; j++) {
		SdagDagLink link = en->node->inputs[j];

		if (link.node == SDAG_DAG_FROM_SOURCE)
			en->inputs[j] = *source;
		else if (link.node < 0)
			en->inputs[j] = (SdagPacket){SDAG_PORT_NONE, NULL, NULL};
		else
			en->inputs[j] = self->nodes[link.node].outputs[link.port];
	}
	/* set again every frame: a node that swapped an array or a type would
	 * otherwise corrupt what the executor owns */
	for (guint p = 0; p < desc->n_outputs; p++) {
		if (en->items[p] != NULL)
			g_array_set_size(en->items[p], 0);
		en->outputs[p] = (SdagPacket){desc->outputs[p].type, NULL, en->items[p]};
	}
}

static gboolean
sdag_exec_check_formats(SdagExecNode *en, GError **error)
{
	const SdagNodeDesc *desc = en->node->desc;

	if (desc->frame_formats == 0)
		return TRUE;
	for (guint j = 0; j < desc->n_inputs; j++) {
		const SdagFrame *frame = en->inputs[j].frame;

		if ((en->inputs[j].type != SDAG_PORT_FRAME &&
		     en->inputs[j].type != SDAG_PORT_IMAGE) ||
		    frame == NULL)
			continue;
		if ((guint)frame->format < 32 &&
		    (desc->frame_formats & SDAG_EXEC_FORMAT_BIT(frame->format)) != 0)
			continue;
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "node '%s': input '%s' is %s, a format node type '%s' does not read",
			    en->node->id,
			    desc->inputs[j].name,
			    sdag_exec_format_to_string(frame->format),
			    desc->name);
		return FALSE;
	}
	return TRUE;
}

static void
sdag_exec_gather(SdagExec *self)
{
	g_array_set_size(self->result.detections, 0);
	g_array_set_size(self->result.events, 0);
	g_array_set_size(self->result.counts, 0);
	self->result.image = NULL;
	for (guint i = 0; i < self->dag->outputs->len; i++) {
		SdagDagLink link = g_array_index(self->dag->outputs, SdagDagLink, i);
		SdagExecNode *en;
		GArray *items;
		GArray *dest;

		if (link.node < 0)
			continue;
		en = &self->nodes[link.node];
		items = en->items[link.port];
		switch (en->node->desc->outputs[link.port].type) {
		case SDAG_PORT_DETECTIONS:
		case SDAG_PORT_TRACKS:
			dest = self->result.detections;
			break;
		case SDAG_PORT_EVENTS:
			dest = self->result.events;
			break;
		case SDAG_PORT_COUNTS:
			dest = self->result.counts;
			break;
		case SDAG_PORT_IMAGE:
			/* not a result row: handed to the caller (the job's snapshot) */
			if (self->result.image == NULL)
				self->result.image = en->outputs[link.port].frame;
			continue;
		default:
			/* frames are not results */
			continue;
		}
		if (items->len > 0)
			g_array_append_vals(dest, items->data, items->len);
	}
}

/* What a frame that succeeded adds to the state and the metrics. */
static void
sdag_exec_commit(SdagExec *self, const SdagFrame *frame)
{
	GArray *dets = self->result.detections;

	self->frame_count++;
	if (frame->pts_ns >= 0) {
		/* a pts that goes back (a seek, a resumed job's new pipeline)
		 * starts a new span instead of cancelling time already counted */
		if (self->last_pts_ns >= 0 && frame->pts_ns > self->last_pts_ns)
			self->duration_ns += frame->pts_ns - self->last_pts_ns;
		self->last_pts_ns = frame->pts_ns;
	}
	g_array_set_size(self->previous_detections, 0);
	if (dets->len > 0)
		g_array_append_vals(self->previous_detections, dets->data, dets->len);
	for (guint i = 0; i < dets->len; i++) {
		gint64 id = g_array_index(dets, SdagDetection, i).track_id;

		if (id >= 0 && !g_hash_table_contains(self->track_ids, &id))
			g_hash_table_add(self->track_ids, g_memdup2(&id, sizeof(id)));
	}

	self->frames++;
	self->dag_total_ns += self->result.dag_ns;
	for (guint i = 0; i < self->n_nodes; i++) {
		SdagExecNode *en = &self->nodes[i];
		gint64 ns = self->node_ns[i];

		en->count++;
		en->total_ns += ns;
		en->min_ns = MIN(en->min_ns, ns);
		en->max_ns = MAX(en->max_ns, ns);
	}
}

/**
 * sdag_exec_run:
 * @frame: the decoded frame, borrowed for the call; @frame->frame_id and
 *   @frame->pts_ns are copied into the result
 *
 * Runs every node once over @frame.
 *
 * Returns: (transfer none) (nullable): the result, valid until the next call
 *   or sdag_exec_free(); NULL with @error naming the node that failed
 */
const SdagFrameResult *
sdag_exec_run(SdagExec *self, const SdagFrame *frame, GError **error)
{
	SdagPacket source = {SDAG_PORT_FRAME, frame, NULL};
	gint64 start_ns;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(frame != NULL, NULL);

	memset(self->node_ns, 0, sizeof(gint64) * self->n_nodes);
	start_ns = sdag_exec_now_ns();
	for (guint k = 0; k < self->dag->order->len; k++) {
		guint i = g_array_index(self->dag->order, guint, k);
		SdagExecNode *en = &self->nodes[i];
		g_autoptr(GError) error_local = NULL;
		gint64 t0;
		gboolean ok;

		sdag_exec_prepare_inputs(self, en, &source);
		if (!sdag_exec_check_formats(en, error))
			return NULL;
		t0 = sdag_exec_now_ns();
		ok = en->node->desc->process(en->instance, en->inputs, en->outputs, &error_local);
		self->node_ns[i] = sdag_exec_now_ns() - t0;
		if (!ok) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "node '%s': %s",
				    en->node->id,
				    error_local != NULL ? error_local->message
							: "process failed without saying why");
			return NULL;
		}
	}
	self->result.dag_ns = sdag_exec_now_ns() - start_ns;
	self->result.frame_id = frame->frame_id;
	self->result.pts_ns = frame->pts_ns;
	sdag_exec_gather(self);
	sdag_exec_commit(self, frame);
	return &self->result;
}

/* The float a node wrote, as the double with the shortest decimal form that
 * reads back as that float: 0.9f becomes 0.9, not 0.8999999761581421. */
static double
sdag_exec_float_to_double(float v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (!isfinite(v))
		return v;
	sdag_json_shortest(buf, sizeof(buf), v, TRUE);
	return g_ascii_strtod(buf, NULL);
}

/* Node plugins fill fixed char arrays: do not trust a terminator or UTF-8. */
static void
sdag_exec_add_text(JsonBuilder *b, const char *name, const char *text, gsize size)
{
	g_autofree char *valid = g_utf8_make_valid(text, strnlen(text, size));

	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, valid);
}

static void
sdag_exec_add_detection(JsonBuilder *b, const SdagDetection *d)
{
	json_builder_begin_object(b);
	sdag_exec_add_text(b, "label", d->label, sizeof(d->label));
	json_builder_set_member_name(b, "score");
	json_builder_add_double_value(b, sdag_exec_float_to_double(d->score));
	json_builder_set_member_name(b, "box");
	json_builder_begin_array(b);
	json_builder_add_double_value(b, sdag_exec_float_to_double(d->x));
	json_builder_add_double_value(b, sdag_exec_float_to_double(d->y));
	json_builder_add_double_value(b, sdag_exec_float_to_double(d->w));
	json_builder_add_double_value(b, sdag_exec_float_to_double(d->h));
	json_builder_end_array(b);
	if (d->track_id >= 0) {
		json_builder_set_member_name(b, "track_id");
		json_builder_add_int_value(b, d->track_id);
	}
	json_builder_end_object(b);
}

static void
sdag_exec_add_detections(JsonBuilder *b, GArray *dets)
{
	json_builder_begin_array(b);
	for (guint i = 0; i < dets->len; i++)
		sdag_exec_add_detection(b, &g_array_index(dets, SdagDetection, i));
	json_builder_end_array(b);
}

/**
 * sdag_frame_result_to_json:
 *
 * The per-frame result of the API: `{"frame_id", "pts_ms", "detections":
 * [{"label", "score", "box": [x, y, w, h], "track_id"?}], "events": [{"kind",
 * "name"?, "label", "track_id"}], "counts": [{"name", "label", "value"}]}`.
 * `pts_ms` is null when the pts is unknown; an event's `track_id` is null
 * when the event is not about a track; `name` is left out when empty.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
sdag_frame_result_to_json(const SdagFrameResult *result)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	g_return_val_if_fail(result != NULL, NULL);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "frame_id");
	json_builder_add_int_value(b, (gint64)result->frame_id);
	json_builder_set_member_name(b, "pts_ms");
	if (result->pts_ns >= 0)
		json_builder_add_double_value(b, (double)result->pts_ns / 1e6);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "detections");
	sdag_exec_add_detections(b, result->detections);

	json_builder_set_member_name(b, "events");
	json_builder_begin_array(b);
	for (guint i = 0; i < result->events->len; i++) {
		const SdagEvent *e = &g_array_index(result->events, SdagEvent, i);

		json_builder_begin_object(b);
		sdag_exec_add_text(b, "kind", e->kind, sizeof(e->kind));
		if (e->name[0] != '\0')
			sdag_exec_add_text(b, "name", e->name, sizeof(e->name));
		sdag_exec_add_text(b, "label", e->label, sizeof(e->label));
		json_builder_set_member_name(b, "track_id");
		if (e->track_id >= 0)
			json_builder_add_int_value(b, e->track_id);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "counts");
	json_builder_begin_array(b);
	for (guint i = 0; i < result->counts->len; i++) {
		const SdagCount *c = &g_array_index(result->counts, SdagCount, i);

		json_builder_begin_object(b);
		sdag_exec_add_text(b, "name", c->name, sizeof(c->name));
		sdag_exec_add_text(b, "label", c->label, sizeof(c->label));
		json_builder_set_member_name(b, "value");
		json_builder_add_int_value(b, c->value);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Processed frames over the job's life, resumed runs included. */
guint64
sdag_exec_get_frame_count(SdagExec *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->frame_count;
}

/* Distinct track ids on the pipeline's outputs over the job's life. */
guint
sdag_exec_get_track_count(SdagExec *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return g_hash_table_size(self->track_ids);
}

/**
 * sdag_exec_get_duration_ms:
 *
 * Media time covered by the processed frames: the sum of the pts spans of
 * each run (a pts that goes back, or the first frame after
 * sdag_exec_load_state(), starts a new span).
 */
double
sdag_exec_get_duration_ms(SdagExec *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return (double)self->duration_ns / 1e6;
}

static double
sdag_exec_ns_to_ms(gint64 ns)
{
	return (double)ns / 1e6;
}

/**
 * sdag_exec_get_node_metrics:
 *
 * Measured time of every node over the frames of this run that succeeded:
 * `{"nodes": [{"id", "type", "count", "total_ms", "mean_ms", "min_ms",
 * "max_ms"}], "frames", "dag_total_ms"}`, nodes in declaration order.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
sdag_exec_get_node_metrics(SdagExec *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	g_return_val_if_fail(self != NULL, NULL);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->n_nodes; i++) {
		SdagExecNode *en = &self->nodes[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_string_value(b, en->node->id);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, en->node->desc->name);
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)en->count);
		json_builder_set_member_name(b, "total_ms");
		json_builder_add_double_value(b, sdag_exec_ns_to_ms(en->total_ns));
		json_builder_set_member_name(b, "mean_ms");
		json_builder_add_double_value(
		    b, en->count > 0 ? sdag_exec_ns_to_ms(en->total_ns) / (double)en->count : 0.0);
		json_builder_set_member_name(b, "min_ms");
		json_builder_add_double_value(b,
					      en->count > 0 ? sdag_exec_ns_to_ms(en->min_ns) : 0.0);
		json_builder_set_member_name(b, "max_ms");
		json_builder_add_double_value(b, sdag_exec_ns_to_ms(en->max_ns));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "frames");
	json_builder_add_int_value(b, (gint64)self->frames);
	json_builder_set_member_name(b, "dag_total_ms");
	json_builder_add_double_value(b, sdag_exec_ns_to_ms(self->dag_total_ns));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static gint
sdag_exec_int64_cmp_cb(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a;
	gint64 y = *(const gint64 *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * sdag_exec_save_state:
 *
 * The job's state, for a checkpoint: `{"frame_count", "duration_ms",
 * "previous_detections": [...], "track_ids": [sorted ints], "nodes": {"<node
 * id>": {"<state key>": "<base64>"}}}`. Only nodes that declare state keys
 * appear under "nodes". Call it between frames, on the thread that runs them.
 *
 * Returns: (transfer full) (nullable): the state, or NULL when a node gave
 *   no data for one of its declared keys
 */
JsonNode *
sdag_exec_save_state(SdagExec *self, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(GArray) ids = NULL;
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(self != NULL, NULL);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "frame_count");
	json_builder_add_int_value(b, (gint64)self->frame_count);
	json_builder_set_member_name(b, "duration_ms");
	json_builder_add_double_value(b, sdag_exec_ns_to_ms(self->duration_ns));
	json_builder_set_member_name(b, "previous_detections");
	sdag_exec_add_detections(b, self->previous_detections);

	ids = g_array_sized_new(FALSE, FALSE, sizeof(gint64), g_hash_table_size(self->track_ids));
	g_hash_table_iter_init(&iter, self->track_ids);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_array_append_val(ids, *(gint64 *)key);
	g_array_sort(ids, sdag_exec_int64_cmp_cb);
	json_builder_set_member_name(b, "track_ids");
	json_builder_begin_array(b);
	for (guint i = 0; i < ids->len; i++)
		json_builder_add_int_value(b, g_array_index(ids, gint64, i));
	json_builder_end_array(b);

	json_builder_set_member_name(b, "nodes");
	json_builder_begin_object(b);
	for (guint i = 0; i < self->n_nodes; i++) {
		SdagExecNode *en = &self->nodes[i];
		const SdagNodeDesc *desc = en->node->desc;

		if (desc->n_state_keys == 0)
			continue;
		json_builder_set_member_name(b, en->node->id);
		json_builder_begin_object(b);
		for (guint k = 0; k < desc->n_state_keys; k++) {
			const char *name = desc->state_keys[k].name;
			g_autoptr(GBytes) data = desc->save_state(en->instance, name);
			g_autofree char *text = NULL;
			gsize size = 0;
			gconstpointer bytes;

			if (data == NULL) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_PLUGIN,
					    "node '%s': no data for state key '%s'",
					    en->node->id,
					    name);
				return NULL;
			}
			bytes = g_bytes_get_data(data, &size);
			text = g_base64_encode(bytes, size);
			json_builder_set_member_name(b, name);
			json_builder_add_string_value(b, text);
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

G_GNUC_PRINTF(2, 3)
static gboolean
sdag_exec_bad_state(GError **error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list args;

	va_start(args, fmt);
	msg = g_strdup_vprintf(fmt, args);
	va_end(args);
	g_set_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "state: %s", msg);
	return FALSE;
}

static gboolean
sdag_exec_json_is_int(JsonNode *node)
{
	return node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_INT64;
}

static gboolean
sdag_exec_json_get_number(JsonNode *node, double *value)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	if (json_node_get_value_type(node) == G_TYPE_INT64) {
		*value = (double)json_node_get_int(node);
		return TRUE;
	}
	if (json_node_get_value_type(node) == G_TYPE_DOUBLE) {
		*value = json_node_get_double(node);
		return isfinite(*value);
	}
	return FALSE;
}

static gboolean
sdag_exec_parse_detection(JsonNode *node, SdagDetection *d, guint i, GError **error)
{
	JsonObject *obj = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	JsonNode *label = obj != NULL ? json_object_get_member(obj, "label") : NULL;
	JsonNode *box = obj != NULL ? json_object_get_member(obj, "box") : NULL;
	JsonNode *track = obj != NULL ? json_object_get_member(obj, "track_id") : NULL;
	JsonArray *arr = box != NULL && JSON_NODE_HOLDS_ARRAY(box) ? json_node_get_array(box)
								   : NULL;
	double v[5];

	memset(d, 0, sizeof(*d));
	d->track_id = -1;
	if (obj == NULL || label == NULL || !JSON_NODE_HOLDS_VALUE(label) ||
	    json_node_get_value_type(label) != G_TYPE_STRING ||
	    !sdag_exec_json_get_number(json_object_get_member(obj, "score"), &v[0]) ||
	    arr == NULL || json_array_get_length(arr) != 4)
		return sdag_exec_bad_state(
		    error,
		    "previous_detections[%u] must be {\"label\", \"score\", \"box\": [x, y, w, h]}",
		    i);
	for (guint k = 0; k < 4; k++) {
		if (!sdag_exec_json_get_number(json_array_get_element(arr, k), &v[k + 1]))
			return sdag_exec_bad_state(
			    error, "previous_detections[%u].box must hold 4 numbers", i);
	}
	/* a detection holds floats: a larger number would be loaded as infinity, and saved
	 * again as null, which no checkpoint loads */
	for (guint k = 0; k < 5; k++) {
		if (fabs(v[k]) > G_MAXFLOAT)
			return sdag_exec_bad_state(
			    error, "previous_detections[%u] has a number beyond a float", i);
	}
	if (strlen(json_node_get_string(label)) >= sizeof(d->label))
		return sdag_exec_bad_state(error,
					   "previous_detections[%u].label is longer than %zu bytes",
					   i,
					   sizeof(d->label) - 1);
	if (track != NULL && (!sdag_exec_json_is_int(track) || json_node_get_int(track) < 0))
		return sdag_exec_bad_state(
		    error, "previous_detections[%u].track_id must be an integer >= 0", i);
	g_strlcpy(d->label, json_node_get_string(label), sizeof(d->label));
	d->score = (float)v[0];
	d->x = (float)v[1];
	d->y = (float)v[2];
	d->w = (float)v[3];
	d->h = (float)v[4];
	if (track != NULL)
		d->track_id = json_node_get_int(track);
	return TRUE;
}

/* g_base64_decode() accepts anything; a checkpoint must be refused, not
 * turned into garbage handed to a node. */
static GBytes *
sdag_exec_base64_decode(const char *text)
{
	gsize len = strlen(text);
	gsize out_len = 0;
	guchar *out;

	if (len % 4 != 0)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		char c = text[i];

		if (g_ascii_isalnum(c) || c == '+' || c == '/')
			continue;
		/* padding only at the end: "x===" is never valid */
		if (c == '=' && (i == len - 1 || (i == len - 2 && text[len - 1] == '=')))
			continue;
		return NULL;
	}
	out = g_base64_decode(text, &out_len);
	return g_bytes_new_take(out, out_len);
}

typedef struct {
	SdagExecNode *en;
	const char *key;
	GBytes *data;
} SdagExecStateItem;

static void
sdag_exec_state_item_clear(SdagExecStateItem *item)
{
	g_clear_pointer(&item->data, g_bytes_unref);
}

static SdagExecNode *
sdag_exec_find_node(SdagExec *self, const char *id)
{
	for (guint i = 0; i < self->n_nodes; i++) {
		if (g_strcmp0(self->nodes[i].node->id, id) == 0)
			return &self->nodes[i];
	}
	return NULL;
}

static const char *
sdag_exec_find_state_key(const SdagNodeDesc *desc, const char *key)
{
	for (guint k = 0; k < desc->n_state_keys; k++) {
		if (g_strcmp0(desc->state_keys[k].name, key) == 0)
			return desc->state_keys[k].name;
	}
	return NULL;
}

static gboolean
sdag_exec_parse_nodes(SdagExec *self, JsonNode *nodes, GArray *items, GError **error)
{
	JsonObject *obj;
	g_autoptr(GList) ids = NULL;

	if (nodes == NULL || !JSON_NODE_HOLDS_OBJECT(nodes))
		return sdag_exec_bad_state(error, "nodes must be an object");
	obj = json_node_get_object(nodes);
	ids = json_object_get_members(obj);
	for (GList *l = ids; l != NULL; l = l->next) {
		const char *id = l->data;
		SdagExecNode *en = sdag_exec_find_node(self, id);
		JsonNode *member = json_object_get_member(obj, id);
		g_autoptr(GList) keys = NULL;

		if (en == NULL)
			return sdag_exec_bad_state(error, "the pipeline has no node '%s'", id);
		if (!JSON_NODE_HOLDS_OBJECT(member))
			return sdag_exec_bad_state(error, "nodes.%s must be an object", id);
		keys = json_object_get_members(json_node_get_object(member));
		for (GList *k = keys; k != NULL; k = k->next) {
			JsonNode *value =
			    json_object_get_member(json_node_get_object(member), k->data);
			SdagExecStateItem item = {en, NULL, NULL};

			item.key = sdag_exec_find_state_key(en->node->desc, k->data);
			if (item.key == NULL)
				return sdag_exec_bad_state(
				    error,
				    "node type '%s' of node '%s' declares no "
				    "state key '%s'",
				    en->node->desc->name,
				    id,
				    (const char *)k->data);
			if (JSON_NODE_HOLDS_VALUE(value) &&
			    json_node_get_value_type(value) == G_TYPE_STRING)
				item.data = sdag_exec_base64_decode(json_node_get_string(value));
			if (item.data == NULL)
				return sdag_exec_bad_state(
				    error, "nodes.%s.%s must be base64", id, item.key);
			g_array_append_val(items, item);
		}
	}
	return TRUE;
}

/* Hands each node its saved state. If one refuses, the nodes already loaded
 * get back what they had, so a failed load leaves the executor as it was. */
static gboolean
sdag_exec_load_nodes(GArray *items, GError **error)
{
	g_autoptr(GArray) undo = g_array_new(FALSE, TRUE, sizeof(SdagExecStateItem));

	g_array_set_clear_func(undo, (GDestroyNotify)sdag_exec_state_item_clear);
	for (guint i = 0; i < items->len; i++) {
		SdagExecStateItem *item = &g_array_index(items, SdagExecStateItem, i);
		const SdagNodeDesc *desc = item->en->node->desc;
		SdagExecStateItem saved = {item->en, item->key, NULL};
		g_autoptr(GError) error_local = NULL;

		saved.data = desc->save_state(item->en->instance, item->key);
		if (desc->load_state(item->en->instance, item->key, item->data, &error_local)) {
			if (saved.data != NULL)
				g_array_append_val(undo, saved);
			continue;
		}
		g_clear_pointer(&saved.data, g_bytes_unref);
		for (guint u = undo->len; u > 0; u--) {
			SdagExecStateItem *back = &g_array_index(undo, SdagExecStateItem, u - 1);
			if (!back->en->node->desc->load_state(
				back->en->instance, back->key, back->data, NULL))
				g_warning("node '%s' did not take back its state '%s'",
					  back->en->node->id,
					  back->key);
		}
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_JSON,
			    "state: node '%s' refused state key '%s': %s",
			    item->en->node->id,
			    item->key,
			    error_local != NULL ? error_local->message : "no reason given");
		return FALSE;
	}
	return TRUE;
}

static const char *const sdag_exec_state_members[] =
    {"frame_count", "duration_ms", "previous_detections", "track_ids", "nodes", NULL};

/**
 * sdag_exec_load_state:
 * @state: what sdag_exec_save_state() returned, possibly in an earlier process
 *
 * Restores a checkpoint: the counters, previous detections and track ids, and
 * each node's declared state. The whole document is checked before anything
 * changes, and a node refusing its state rolls the others back, so on failure
 * the executor is as it was. Call it between frames, typically before the
 * first. The next frame starts a new span of duration.
 */
gboolean
sdag_exec_load_state(SdagExec *self, JsonNode *state, GError **error)
{
	JsonObject *obj;
	JsonNode *member;
	JsonArray *arr;
	double duration_ms = 0;
	g_autoptr(GArray) dets = g_array_new(FALSE, FALSE, sizeof(SdagDetection));
	g_autoptr(GHashTable) ids =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) items = g_array_new(FALSE, TRUE, sizeof(SdagExecStateItem));
	g_autoptr(GList) members = NULL;

	g_return_val_if_fail(self != NULL, FALSE);

	g_array_set_clear_func(items, (GDestroyNotify)sdag_exec_state_item_clear);
	if (state == NULL || !JSON_NODE_HOLDS_OBJECT(state))
		return sdag_exec_bad_state(error, "must be a JSON object");
	obj = json_node_get_object(state);
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next) {
		if (!g_strv_contains(sdag_exec_state_members, l->data))
			return sdag_exec_bad_state(
			    error, "unknown member '%s'", (const char *)l->data);
	}

	member = json_object_get_member(obj, "frame_count");
	if (!sdag_exec_json_is_int(member) || json_node_get_int(member) < 0)
		return sdag_exec_bad_state(error, "frame_count must be an integer >= 0");
	if (!sdag_exec_json_get_number(json_object_get_member(obj, "duration_ms"), &duration_ms) ||
	    duration_ms < 0 || duration_ms > (double)G_MAXINT64 / 1e6)
		return sdag_exec_bad_state(error, "duration_ms must be a number >= 0");

	member = json_object_get_member(obj, "previous_detections");
	if (member == NULL || !JSON_NODE_HOLDS_ARRAY(member))
		return sdag_exec_bad_state(error, "previous_detections must be an array");
	arr = json_node_get_array(member);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		SdagDetection d;

		if (!sdag_exec_parse_detection(json_array_get_element(arr, i), &d, i, error))
			return FALSE;
		g_array_append_val(dets, d);
	}

	member = json_object_get_member(obj, "track_ids");
	if (member == NULL || !JSON_NODE_HOLDS_ARRAY(member))
		return sdag_exec_bad_state(error, "track_ids must be an array");
	arr = json_node_get_array(member);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *el = json_array_get_element(arr, i);
		gint64 id;

		if (!sdag_exec_json_is_int(el) || json_node_get_int(el) < 0)
			return sdag_exec_bad_state(
			    error, "track_ids[%u] must be an integer >= 0", i);
		id = json_node_get_int(el);
		if (!g_hash_table_contains(ids, &id))
			g_hash_table_add(ids, g_memdup2(&id, sizeof(id)));
	}

	if (!sdag_exec_parse_nodes(self, json_object_get_member(obj, "nodes"), items, error))
		return FALSE;
	if (!sdag_exec_load_nodes(items, error))
		return FALSE;

	self->frame_count = (guint64)json_node_get_int(json_object_get_member(obj, "frame_count"));
	self->duration_ns = (gint64)(duration_ms * 1e6 + 0.5);
	self->last_pts_ns = -1;
	g_array_unref(self->previous_detections);
	self->previous_detections = g_steal_pointer(&dets);
	g_hash_table_unref(self->track_ids);
	self->track_ids = g_steal_pointer(&ids);
	return TRUE;
}
