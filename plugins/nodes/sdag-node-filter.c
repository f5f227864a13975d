/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * filter: keeps the detections (or tracks) that pass every test:
 * label in `labels` (when not empty), `min_score` <= score <= `max_score`,
 * `min_area` <= w x h <= `max_area` (0: no upper bound), `min_aspect` <=
 * w / h <= `max_aspect` (0: no upper bound), and reference point (`anchor`)
 * inside `region` (when not empty). Both inputs are optional: whatever comes
 * in on `detections` goes out, filtered, on `detections`, and the same for
 * `tracks`; the order is kept. Stateless; O(N x P) per frame for N items and
 * a region of P points.
 */
#include <gio/gio.h>

#include "sdag-node-util.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	GHashTable *labels;
	double min_score, max_score;
	double min_area, max_area;
	double min_aspect, max_aspect;
	GArray *region; /* empty: anywhere */
	SdagAnchor anchor;
} FilterNode;

static void
filter_finalize(gpointer instance)
{
	FilterNode *self = instance;

	if (self->labels != NULL)
		g_hash_table_unref(self->labels);
	g_array_unref(self->region);
	g_free(self);
}

static gpointer
filter_init(JsonObject *params, GError **error)
{
	FilterNode *self = g_new0(FilterNode, 1);

	self->labels = sdag_labels_from_json(json_object_get_array_member(params, "labels"));
	self->min_score = json_object_get_double_member(params, "min_score");
	self->max_score = json_object_get_double_member(params, "max_score");
	self->min_area = json_object_get_double_member(params, "min_area");
	self->max_area = json_object_get_double_member(params, "max_area");
	self->min_aspect = json_object_get_double_member(params, "min_aspect");
	self->max_aspect = json_object_get_double_member(params, "max_aspect");
	self->region = sdag_points_from_json(json_object_get_array_member(params, "region"));
	(void)sdag_anchor_parse(
	    json_object_get_string_member(params, "anchor"), &self->anchor, NULL);
	return self;
}

static gboolean
filter_keep(FilterNode *self, const SdagDetection *d)
{
	double area = (double)d->w * d->h;

	if (!sdag_labels_match(self->labels, d->label))
		return FALSE;
	if (d->score < self->min_score || d->score > self->max_score)
		return FALSE;
	if (area < self->min_area || (self->max_area > 0 && area > self->max_area))
		return FALSE;
	if (self->min_aspect > 0 || self->max_aspect > 0) {
		double aspect;
		if (d->h <= 0)
			return FALSE;
		aspect = (double)d->w / d->h;
		if (aspect < self->min_aspect ||
		    (self->max_aspect > 0 && aspect > self->max_aspect))
			return FALSE;
	}
	if (self->region->len > 0 &&
	    !sdag_polygon_contains(self->region, sdag_anchor_point(d, self->anchor)))
		return FALSE;
	return TRUE;
}

static gboolean
filter_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	FilterNode *self = instance;

	for (guint port = 0; port < 2; port++) {
		GArray *in = inputs[port].items;
		for (guint i = 0; in != NULL && i < in->len; i++) {
			const SdagDetection *d = &g_array_index(in, SdagDetection, i);
			if (filter_keep(self, d))
				g_array_append_val(outputs[port].items, *d);
		}
	}
	return TRUE;
}

static gboolean
filter_range_check(JsonObject *params,
		   const char *lo,
		   const char *hi,
		   gboolean zero_is_open,
		   GError **error)
{
	double a = json_object_get_double_member(params, lo);
	double b = json_object_get_double_member(params, hi);

	if (zero_is_open && b == 0)
		return TRUE;
	if (a > b) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "%s (%g) is larger than %s (%g)",
			    lo,
			    a,
			    hi,
			    b);
		return FALSE;
	}
	return TRUE;
}

static gboolean
filter_validate(JsonObject *params, GError **error)
{
	JsonArray *region = json_object_get_array_member(params, "region");
	SdagAnchor anchor;

	if (!filter_range_check(params, "min_score", "max_score", FALSE, error) ||
	    !filter_range_check(params, "min_area", "max_area", TRUE, error) ||
	    !filter_range_check(params, "min_aspect", "max_aspect", TRUE, error))
		return FALSE;
	if (json_array_get_length(region) > 0 && !sdag_polygon_check(region, "region", error))
		return FALSE;
	return sdag_anchor_parse(json_object_get_string_member(params, "anchor"), &anchor, error) &&
	       sdag_labels_check(json_object_get_array_member(params, "labels"), error);
}

static const SdagPortSpec filter_inputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, TRUE, "detections to filter"},
    {"tracks", SDAG_PORT_TRACKS, TRUE, "tracks to filter"},
};

static const SdagPortSpec filter_outputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "the detections kept, in their order"},
    {"tracks", SDAG_PORT_TRACKS, FALSE, "the tracks kept, in their order"},
};

static const SdagParamSpec filter_params[] = {
    {"labels", SDAG_PARAM_NAMES, "[]", TRUE, 0, 64, "keep only these labels; [] keeps all"},
    {"min_score", SDAG_PARAM_DOUBLE, "0.0", TRUE, 0.0, 1.0, "keep scores >= this"},
    {"max_score", SDAG_PARAM_DOUBLE, "1.0", TRUE, 0.0, 1.0, "keep scores <= this"},
    {"min_area", SDAG_PARAM_DOUBLE, "0.0", TRUE, 0.0, 1e12, "keep boxes of at least this area"},
    {"max_area",
     SDAG_PARAM_DOUBLE,
     "0.0",
     TRUE,
     0.0,
     1e12,
     "keep boxes of at most this area; 0: no limit"},
    {"min_aspect", SDAG_PARAM_DOUBLE, "0.0", TRUE, 0.0, 1e6, "keep boxes with w / h >= this"},
    {"max_aspect",
     SDAG_PARAM_DOUBLE,
     "0.0",
     TRUE,
     0.0,
     1e6,
     "keep boxes with w / h <= this; 0: no limit"},
    {"region",
     SDAG_PARAM_POINTS,
     "[]",
     TRUE,
     0,
     256,
     "keep boxes whose anchor is inside this polygon; []: anywhere"},
    {"anchor", SDAG_PARAM_STRING, "\"center\"", FALSE, 0, 0, SDAG_ANCHOR_PARAM_DESC},
};

static const SdagNodeDesc filter_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "filter",
    .version = "1.0.0",
    .description = "Keeps detections or tracks by label, score, area, aspect and region",
    .inputs = filter_inputs,
    .n_inputs = G_N_ELEMENTS(filter_inputs),
    .outputs = filter_outputs,
    .n_outputs = G_N_ELEMENTS(filter_outputs),
    .params = filter_params,
    .n_params = G_N_ELEMENTS(filter_params),
    .validate = filter_validate,
    .init = filter_init,
    .process = filter_process,
    .finalize = filter_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &filter_desc;
}
