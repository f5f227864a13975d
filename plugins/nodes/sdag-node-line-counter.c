/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * line_counter: counts tracks crossing a directed line segment A -> B.
 *
 * For each track on `tracks` (track_id >= 0, and one of `labels` when set)
 * the signed distance s of its reference point (`anchor`) to the line is
 * positive on the right of A -> B as seen on the screen (y grows down), and
 * negative on its left. A track has a side only once it has been more than
 * `margin` pixels from the line; inside that band it keeps the side it had.
 * When a track is seen beyond the margin on the side opposite to the one it
 * had, and the way between the two points crosses the segment itself (not
 * its extension), it crossed: left -> right is `cross_in`, right -> left
 * `cross_out`. Wobbling inside the band never counts, and a crossing counts
 * once however long the track stays near the line. A track absent from
 * `tracks` for more than `forget_after` frames is forgotten.
 * `counts` gives, per label that crossed at least once, the totals since the
 * job started as "line/<name>/in" and "line/<name>/out" (the names MQTT publishes
 * under <job id>/line/<name>/<label>/in|out). Cost: O(T) per frame.
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "sdag-node-util.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	gint64 id;
	gint side;    /* -1 left, +1 right, 0 not yet known */
	SdagPoint at; /* where the track last was beyond the margin */
	guint64 last_seen;
} LineTrack;

typedef struct {
	gint64 in, out;
} LineTotals;

typedef struct {
	char name[64];
	SdagPoint a, b;
	double len;
	double margin;
	SdagAnchor anchor;
	GHashTable *labels;
	guint forget_after;

	guint64 frame;
	GHashTable *tracks; /* gint64 * -> LineTrack *, owned */
	GHashTable *totals; /* label -> LineTotals *, owned */
} LineNode;

static void
line_finalize(gpointer instance)
{
	LineNode *self = instance;

	if (self->labels != NULL)
		g_hash_table_unref(self->labels);
	g_hash_table_unref(self->tracks);
	g_hash_table_unref(self->totals);
	g_free(self);
}

static gpointer
line_init(JsonObject *params, GError **error)
{
	LineNode *self = g_new0(LineNode, 1);
	g_autoptr(GArray) pts = sdag_points_from_json(json_object_get_array_member(params, "line"));

	g_strlcpy(self->name, json_object_get_string_member(params, "name"), sizeof(self->name));
	self->a = g_array_index(pts, SdagPoint, 0);
	self->b = g_array_index(pts, SdagPoint, 1);
	self->len = hypot(self->b.x - self->a.x, self->b.y - self->a.y);
	self->margin = json_object_get_double_member(params, "margin");
	(void)sdag_anchor_parse(
	    json_object_get_string_member(params, "anchor"), &self->anchor, NULL);
	self->labels = sdag_labels_from_json(json_object_get_array_member(params, "labels"));
	self->forget_after = (guint)json_object_get_int_member(params, "forget_after");
	self->tracks = sdag_track_table_new();
	self->totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return self;
}

static double
line_cross(double ax, double ay, double bx, double by)
{
	return ax * by - ay * bx;
}

/* Signed distance of @p to the line, > 0 on the right of A -> B on screen. */
static double
line_side(LineNode *self, SdagPoint p)
{
	return line_cross(
		   self->b.x - self->a.x, self->b.y - self->a.y, p.x - self->a.x, p.y - self->a.y) /
	       self->len;
}

/* Whether the way from @p to @q meets the segment A B; they are on opposite sides. */
static gboolean
line_meets_segment(LineNode *self, SdagPoint p, SdagPoint q)
{
	double dx = q.x - p.x, dy = q.y - p.y;
	double den = line_cross(self->b.x - self->a.x, self->b.y - self->a.y, dx, dy);
	double t;

	if (fabs(den) < 1e-12)
		return FALSE;
	t = line_cross(p.x - self->a.x, p.y - self->a.y, dx, dy) / den;
	return t >= 0.0 && t <= 1.0;
}

static LineTotals *
line_totals(LineNode *self, const char *label)
{
	LineTotals *t = g_hash_table_lookup(self->totals, label);

	if (t == NULL) {
		t = g_new0(LineTotals, 1);
		g_hash_table_insert(self->totals, g_strdup(label), t);
	}
	return t;
}

static gboolean
line_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	LineNode *self = instance;
	GArray *in = inputs[0].items;
	GArray *events = outputs[0].items;
	GArray *counts = outputs[1].items;
	g_autoptr(GPtrArray) known = NULL;
	g_autoptr(GPtrArray) labels = NULL;
	char name_in[sizeof(((SdagCount *)NULL)->name)];
	char name_out[sizeof(((SdagCount *)NULL)->name)];

	self->frame++;
	for (guint i = 0; in != NULL && i < in->len; i++) {
		const SdagDetection *d = &g_array_index(in, SdagDetection, i);
		SdagPoint p;
		LineTrack *t;
		double s;
		gint side;

		if (d->track_id < 0 || !sdag_labels_match(self->labels, d->label))
			continue;
		p = sdag_anchor_point(d, self->anchor);
		t = g_hash_table_lookup(self->tracks, &d->track_id);
		if (t == NULL) {
			t = g_new0(LineTrack, 1);
			t->id = d->track_id;
			g_hash_table_insert(self->tracks, &t->id, t);
		}
		t->last_seen = self->frame;
		s = line_side(self, p);
		if (fabs(s) <= self->margin)
			continue;
		side = s > 0 ? 1 : -1;
		if (t->side != 0 && side != t->side && line_meets_segment(self, t->at, p)) {
			LineTotals *tot = line_totals(self, d->label);

			sdag_event_append(events,
					  side > 0 ? "cross_in" : "cross_out",
					  self->name,
					  d->label,
					  t->id);
			if (side > 0)
				tot->in++;
			else
				tot->out++;
		}
		t->side = side;
		t->at = p;
	}
	known = sdag_hash_table_values(self->tracks);
	for (guint i = 0; i < known->len; i++) {
		LineTrack *t = g_ptr_array_index(known, i);
		if (self->frame - t->last_seen > self->forget_after)
			g_hash_table_remove(self->tracks, &t->id);
	}
	g_snprintf(name_in, sizeof(name_in), "line/%s/in", self->name);
	g_snprintf(name_out, sizeof(name_out), "line/%s/out", self->name);
	labels = sdag_sorted_str_keys(self->totals);
	for (guint i = 0; i < labels->len; i++) {
		const char *label = g_ptr_array_index(labels, i);
		const LineTotals *tot = g_hash_table_lookup(self->totals, label);

		sdag_count_append(counts, name_in, label, tot->in);
		sdag_count_append(counts, name_out, label, tot->out);
	}
	return TRUE;
}

/*
 * State "crossings", JSON:
 *   {"frame": F, "totals": [{"label": L, "in": N, "out": N}] (label order),
 *    "tracks": [{"id": ID, "side": -1|0|1, "x": X, "y": Y, "last_seen": F}] (id order)}
 */
static GBytes *
line_save_state(gpointer instance, const char *key)
{
	LineNode *self = instance;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) known = sdag_track_table_sorted(self->tracks);
	g_autoptr(GPtrArray) labels = sdag_sorted_str_keys(self->totals);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "frame");
	json_builder_add_int_value(b, (gint64)self->frame);
	json_builder_set_member_name(b, "totals");
	json_builder_begin_array(b);
	for (guint i = 0; i < labels->len; i++) {
		const char *label = g_ptr_array_index(labels, i);
		const LineTotals *tot = g_hash_table_lookup(self->totals, label);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, label);
		json_builder_set_member_name(b, "in");
		json_builder_add_int_value(b, tot->in);
		json_builder_set_member_name(b, "out");
		json_builder_add_int_value(b, tot->out);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "tracks");
	json_builder_begin_array(b);
	for (guint i = 0; i < known->len; i++) {
		const LineTrack *t = g_ptr_array_index(known, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, t->id);
		json_builder_set_member_name(b, "side");
		json_builder_add_int_value(b, t->side);
		json_builder_set_member_name(b, "x");
		json_builder_add_double_value(b, t->at.x);
		json_builder_set_member_name(b, "y");
		json_builder_add_double_value(b, t->at.y);
		json_builder_set_member_name(b, "last_seen");
		json_builder_add_int_value(b, (gint64)t->last_seen);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return sdag_json_builder_to_bytes(b);
}

static gboolean
line_num(JsonObject *o, const char *member, gboolean integer, double min, double max, double *out)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;
	GType t;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return FALSE;
	t = json_node_get_value_type(n);
	if (t != G_TYPE_INT64 && (integer || t != G_TYPE_DOUBLE))
		return FALSE;
	*out = t == G_TYPE_INT64 ? (double)json_node_get_int(n) : json_node_get_double(n);
	return *out >= min && *out <= max;
}

static gboolean
line_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	LineNode *self = instance;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GHashTable) tracks = sdag_track_table_new();
	g_autoptr(GHashTable) totals =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	JsonObject *root = sdag_json_object_from_bytes(parser, data);
	JsonNode *tot_node, *tracks_node;
	JsonArray *arr;
	double frame;

	tot_node = root != NULL ? json_object_get_member(root, "totals") : NULL;
	tracks_node = root != NULL ? json_object_get_member(root, "tracks") : NULL;
	if (!line_num(root, "frame", TRUE, 0, 9e15, &frame) || tot_node == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(tot_node) || tracks_node == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(tracks_node))
		goto bad;
	arr = json_node_get_array(tot_node);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *n = json_array_get_element(arr, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
		JsonNode *label = o != NULL ? json_object_get_member(o, "label") : NULL;
		double vin, vout;
		LineTotals *t;

		if (label == NULL || !JSON_NODE_HOLDS_VALUE(label) ||
		    json_node_get_value_type(label) != G_TYPE_STRING ||
		    !line_num(o, "in", TRUE, 0, 9e15, &vin) ||
		    !line_num(o, "out", TRUE, 0, 9e15, &vout))
			goto bad;
		t = g_new0(LineTotals, 1);
		t->in = (gint64)vin;
		t->out = (gint64)vout;
		g_hash_table_insert(totals, g_strdup(json_node_get_string(label)), t);
	}
	arr = json_node_get_array(tracks_node);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *n = json_array_get_element(arr, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
		double id, side, x, y, seen;
		LineTrack *t;

		if (!line_num(o, "id", TRUE, 0, 9e15, &id) ||
		    !line_num(o, "side", TRUE, -1, 1, &side) ||
		    !line_num(o, "x", FALSE, -1e9, 1e9, &x) ||
		    !line_num(o, "y", FALSE, -1e9, 1e9, &y) ||
		    !line_num(o, "last_seen", TRUE, 0, frame, &seen))
			goto bad;
		t = g_new0(LineTrack, 1);
		t->id = (gint64)id;
		t->side = (gint)side;
		t->at = (SdagPoint){x, y};
		t->last_seen = (guint64)seen;
		g_hash_table_insert(tracks, &t->id, t);
	}
	g_hash_table_unref(self->tracks);
	self->tracks = g_steal_pointer(&tracks);
	g_hash_table_unref(self->totals);
	self->totals = g_steal_pointer(&totals);
	self->frame = (guint64)frame;
	return TRUE;
bad:
	g_set_error_literal(
	    error,
	    G_IO_ERROR,
	    G_IO_ERROR_INVALID_DATA,
	    "crossings: expected {\"frame\", \"totals\", \"tracks\"} as documented");
	return FALSE;
}

static gboolean
line_validate(JsonObject *params, GError **error)
{
	g_autoptr(GArray) pts = sdag_points_from_json(json_object_get_array_member(params, "line"));
	const char *name = json_object_get_string_member(params, "name");
	SdagPoint a = g_array_index(pts, SdagPoint, 0), b = g_array_index(pts, SdagPoint, 1);
	SdagAnchor anchor;

	/* the longest count name is "line/<name>/out" */
	if (name[0] == '\0' ||
	    strlen(name) + strlen("line//out") >= sizeof(((SdagCount *)NULL)->name)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "name must have 1 to %zu bytes",
			    sizeof(((SdagCount *)NULL)->name) - 1 - strlen("line//out"));
		return FALSE;
	}
	if (hypot(b.x - a.x, b.y - a.y) < 1.0) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "line: its two points must be at least 1 pixel apart");
		return FALSE;
	}
	return sdag_anchor_parse(json_object_get_string_member(params, "anchor"), &anchor, error) &&
	       sdag_labels_check(json_object_get_array_member(params, "labels"), error);
}

static const SdagPortSpec line_inputs[] = {
    {"tracks", SDAG_PORT_TRACKS, FALSE, "tracks of this frame (with track_id)"},
};

static const SdagPortSpec line_outputs[] = {
    {"events", SDAG_PORT_EVENTS, FALSE, "cross_in and cross_out, named after the line"},
    {"counts", SDAG_PORT_COUNTS, FALSE, "'<name>/in' and '<name>/out' totals per label"},
};

static const SdagParamSpec line_params[] = {
    {"name", SDAG_PARAM_NAME, "\"line\"", FALSE, 0, 0, "the line's name in events and counts"},
    {"line",
     SDAG_PARAM_POINTS,
     NULL,
     TRUE,
     2,
     2,
     "[[xa, ya], [xb, yb]] in frame pixels; 'in' is crossing from its left to its right"},
    {"margin",
     SDAG_PARAM_DOUBLE,
     "8.0",
     TRUE,
     0.0,
     10000.0,
     "a track must get this many pixels past the line for its side to change"},
    {"anchor", SDAG_PARAM_STRING, "\"bottom_center\"", FALSE, 0, 0, SDAG_ANCHOR_PARAM_DESC},
    {"labels", SDAG_PARAM_NAMES, "[]", TRUE, 0, 64, "only tracks with these labels; [] all"},
    {"forget_after",
     SDAG_PARAM_INT,
     "30",
     TRUE,
     0,
     100000,
     "a track absent this many frames more is forgotten"},
};

static const SdagStateKeySpec line_state[] = {
    {"crossings", "totals per label and each track's side of the line"},
};

static const SdagNodeDesc line_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "line_counter",
    .version = "1.0.0",
    .description = "Counts tracks crossing a directed line, with a margin against jitter",
    .inputs = line_inputs,
    .n_inputs = G_N_ELEMENTS(line_inputs),
    .outputs = line_outputs,
    .n_outputs = G_N_ELEMENTS(line_outputs),
    .params = line_params,
    .n_params = G_N_ELEMENTS(line_params),
    .state_keys = line_state,
    .n_state_keys = G_N_ELEMENTS(line_state),
    .validate = line_validate,
    .init = line_init,
    .process = line_process,
    .finalize = line_finalize,
    .save_state = line_save_state,
    .load_state = line_load_state,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &line_desc;
}
