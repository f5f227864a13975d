/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * zone: one named polygon per node instance (a pipeline with several zones
 * has several zone nodes). Per frame, for each track on `tracks` (a
 * track_id >= 0 and, with `labels`, one of those labels), its reference
 * point (`anchor`) is tested against the polygon (even-odd rule):
 *   - outside before (or never seen) and inside now: `enter` event;
 *   - inside before and outside now: `exit` event;
 *   - inside and then absent from `tracks` for more than `forget_after`
 *     frames: `exit` event (the track ended inside or its tracker lost it).
 * `counts` gives, for every label ever seen inside, the number of tracks of
 * that label inside now (name = the zone's name). Events and counts are in
 * track id, then label order. Cost: O(T x P) per frame for T tracks and a
 * polygon of P points.
 */
#include <gio/gio.h>
#include <string.h>

#include "sdag-node-util.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	gint64 id;
	char label[32];
	gboolean inside;
	guint64 last_seen; /* frame number */
} ZoneTrack;

typedef struct {
	char name[64];
	GArray *polygon;
	SdagAnchor anchor;
	GHashTable *labels;
	guint forget_after;

	guint64 frame;		 /* frames processed */
	GHashTable *tracks;	 /* gint64 * -> ZoneTrack *, owned */
	GHashTable *seen_labels; /* labels ever inside, owned strings */
} ZoneNode;

static void
zone_finalize(gpointer instance)
{
	ZoneNode *self = instance;

	g_array_unref(self->polygon);
	if (self->labels != NULL)
		g_hash_table_unref(self->labels);
	g_hash_table_unref(self->tracks);
	g_hash_table_unref(self->seen_labels);
	g_free(self);
}

static gpointer
zone_init(JsonObject *params, GError **error)
{
	ZoneNode *self = g_new0(ZoneNode, 1);

	g_strlcpy(self->name, json_object_get_string_member(params, "name"), sizeof(self->name));
	self->polygon = sdag_points_from_json(json_object_get_array_member(params, "polygon"));
	(void)sdag_anchor_parse(
	    json_object_get_string_member(params, "anchor"), &self->anchor, NULL);
	self->labels = sdag_labels_from_json(json_object_get_array_member(params, "labels"));
	self->forget_after = (guint)json_object_get_int_member(params, "forget_after");
	self->tracks = sdag_track_table_new();
	self->seen_labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return self;
}

static void
zone_event(ZoneNode *self, GArray *events, const char *kind, const ZoneTrack *t)
{
	sdag_event_append(events, kind, self->name, t->label, t->id);
}

static gboolean
zone_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	ZoneNode *self = instance;
	GArray *in = inputs[0].items;
	GArray *events = outputs[0].items;
	GArray *counts = outputs[1].items;
	g_autoptr(GPtrArray) known = NULL;
	g_autoptr(GPtrArray) labels = NULL;
	g_autoptr(GHashTable) occupancy = g_hash_table_new(g_str_hash, g_str_equal);
	char count_name[sizeof(((SdagCount *)NULL)->name)];

	self->frame++;
	for (guint i = 0; in != NULL && i < in->len; i++) {
		const SdagDetection *d = &g_array_index(in, SdagDetection, i);
		ZoneTrack *t;
		gboolean inside;

		if (d->track_id < 0 || !sdag_labels_match(self->labels, d->label))
			continue;
		inside = sdag_polygon_contains(self->polygon, sdag_anchor_point(d, self->anchor));
		t = g_hash_table_lookup(self->tracks, &d->track_id);
		if (t == NULL) {
			if (!inside)
				continue;
			t = g_new0(ZoneTrack, 1);
			t->id = d->track_id;
			g_hash_table_insert(self->tracks, &t->id, t);
		}
		g_strlcpy(t->label, d->label, sizeof(t->label));
		t->last_seen = self->frame;
		if (inside && !t->inside) {
			t->inside = TRUE;
			g_hash_table_add(self->seen_labels, g_strdup(t->label));
			zone_event(self, events, "enter", t);
		} else if (!inside && t->inside) {
			t->inside = FALSE;
			zone_event(self, events, "exit", t);
		}
	}
	/* forget tracks that left or went missing; a missing one inside exits */
	known = sdag_track_table_sorted(self->tracks);
	for (guint i = 0; i < known->len; i++) {
		ZoneTrack *t = g_ptr_array_index(known, i);

		if (!t->inside) {
			g_hash_table_remove(self->tracks, &t->id);
			continue;
		}
		if (self->frame - t->last_seen > self->forget_after) {
			zone_event(self, events, "exit", t);
			g_hash_table_remove(self->tracks, &t->id);
			continue;
		}
		g_hash_table_insert(
		    occupancy,
		    t->label,
		    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(occupancy, t->label)) + 1));
	}
	/* "zone/<name>": MQTT publishes it under <job id>/zone/<name>/<label> */
	g_snprintf(count_name, sizeof(count_name), "zone/%s", self->name);
	labels = sdag_sorted_str_keys(self->seen_labels);
	for (guint i = 0; i < labels->len; i++) {
		const char *label = g_ptr_array_index(labels, i);

		sdag_count_append(counts,
				  count_name,
				  label,
				  GPOINTER_TO_INT(g_hash_table_lookup(occupancy, label)));
	}
	return TRUE;
}

/*
 * State "occupants", JSON:
 *   {"frame": F, "labels": [labels ever inside, sorted],
 *    "tracks": [{"id": ID, "label": L, "last_seen": FRAME}]}  (inside, id order)
 */
static GBytes *
zone_save_state(gpointer instance, const char *key)
{
	ZoneNode *self = instance;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) known = sdag_track_table_sorted(self->tracks);
	g_autoptr(GPtrArray) labels = sdag_sorted_str_keys(self->seen_labels);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "frame");
	json_builder_add_int_value(b, (gint64)self->frame);
	json_builder_set_member_name(b, "labels");
	json_builder_begin_array(b);
	for (guint i = 0; i < labels->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(labels, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "tracks");
	json_builder_begin_array(b);
	for (guint i = 0; i < known->len; i++) {
		const ZoneTrack *t = g_ptr_array_index(known, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, t->id);
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, t->label);
		json_builder_set_member_name(b, "last_seen");
		json_builder_add_int_value(b, (gint64)t->last_seen);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return sdag_json_builder_to_bytes(b);
}

static const char *
zone_str_member(JsonObject *o, const char *member)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static gboolean
zone_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	ZoneNode *self = instance;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GHashTable) tracks = sdag_track_table_new();
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	JsonObject *root = sdag_json_object_from_bytes(parser, data);
	JsonNode *labels_node, *tracks_node;
	gint64 frame;

	labels_node = root != NULL ? json_object_get_member(root, "labels") : NULL;
	tracks_node = root != NULL ? json_object_get_member(root, "tracks") : NULL;
	if (!sdag_json_int_member(root, "frame", 0, &frame) || labels_node == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(labels_node) || tracks_node == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(tracks_node)) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_DATA,
				    "occupants: expected {\"frame\", \"labels\", \"tracks\"}");
		return FALSE;
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(labels_node)); i++) {
		JsonNode *n = json_array_get_element(json_node_get_array(labels_node), i);
		if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
			g_set_error_literal(
			    error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "occupants: bad label");
			return FALSE;
		}
		g_hash_table_add(seen, g_strdup(json_node_get_string(n)));
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(tracks_node)); i++) {
		JsonNode *n = json_array_get_element(json_node_get_array(tracks_node), i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
		g_autofree ZoneTrack *t = g_new0(ZoneTrack, 1);
		const char *label = zone_str_member(o, "label");
		gint64 last_seen;

		if (!sdag_json_int_member(o, "id", 0, &t->id) ||
		    !sdag_json_int_member(o, "last_seen", 0, &last_seen) || label == NULL ||
		    last_seen > frame) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_DATA,
				    "occupants: track %u is malformed",
				    i);
			return FALSE;
		}
		g_strlcpy(t->label, label, sizeof(t->label));
		t->last_seen = (guint64)last_seen;
		t->inside = TRUE;
		g_hash_table_add(seen, g_strdup(t->label));
		g_hash_table_insert(tracks, &t->id, t);
		t = NULL;
	}
	g_hash_table_unref(self->tracks);
	self->tracks = g_steal_pointer(&tracks);
	g_hash_table_unref(self->seen_labels);
	self->seen_labels = g_steal_pointer(&seen);
	self->frame = (guint64)frame;
	return TRUE;
}

static gboolean
zone_validate(JsonObject *params, GError **error)
{
	SdagAnchor anchor;
	const char *name = json_object_get_string_member(params, "name");

	/* the count is named "zone/<name>" */
	if (name[0] == '\0' ||
	    strlen(name) + strlen("zone/") >= sizeof(((SdagCount *)NULL)->name)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "name must have 1 to %zu bytes",
			    sizeof(((SdagCount *)NULL)->name) - 1 - strlen("zone/"));
		return FALSE;
	}
	return sdag_polygon_check(
		   json_object_get_array_member(params, "polygon"), "polygon", error) &&
	       sdag_anchor_parse(json_object_get_string_member(params, "anchor"), &anchor, error) &&
	       sdag_labels_check(json_object_get_array_member(params, "labels"), error);
}

static const SdagPortSpec zone_inputs[] = {
    {"tracks", SDAG_PORT_TRACKS, FALSE, "tracks of this frame (with track_id)"},
};

static const SdagPortSpec zone_outputs[] = {
    {"events", SDAG_PORT_EVENTS, FALSE, "enter and exit, named after the zone"},
    {"counts", SDAG_PORT_COUNTS, FALSE, "tracks inside now, per label"},
};

static const SdagParamSpec zone_params[] = {
    {"name", SDAG_PARAM_NAME, "\"zone\"", FALSE, 0, 0, "the zone's name in events and counts"},
    {"polygon",
     SDAG_PARAM_POINTS,
     NULL,
     TRUE,
     3,
     256,
     "the zone, [[x, y], ...] in frame pixels, closed implicitly"},
    {"anchor", SDAG_PARAM_STRING, "\"bottom_center\"", FALSE, 0, 0, SDAG_ANCHOR_PARAM_DESC},
    {"labels", SDAG_PARAM_NAMES, "[]", TRUE, 0, 64, "only tracks with these labels; [] all"},
    {"forget_after",
     SDAG_PARAM_INT,
     "15",
     TRUE,
     0,
     100000,
     "a track inside that is absent this many frames more exits"},
};

static const SdagStateKeySpec zone_state[] = {
    {"occupants", "the tracks inside the zone, when each was last seen, labels seen inside"},
};

static const SdagNodeDesc zone_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "zone",
    .version = "1.0.0",
    .description = "Enter and exit events and occupancy of one polygon zone",
    .inputs = zone_inputs,
    .n_inputs = G_N_ELEMENTS(zone_inputs),
    .outputs = zone_outputs,
    .n_outputs = G_N_ELEMENTS(zone_outputs),
    .params = zone_params,
    .n_params = G_N_ELEMENTS(zone_params),
    .state_keys = zone_state,
    .n_state_keys = G_N_ELEMENTS(zone_state),
    .validate = zone_validate,
    .init = zone_init,
    .process = zone_process,
    .finalize = zone_finalize,
    .save_state = zone_save_state,
    .load_state = zone_load_state,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &zone_desc;
}
