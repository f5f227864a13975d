/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the analysis nodes (motion, tracker, zone, line_counter,
 * filter), linked statically into each plugin: geometry on boxes and
 * polygons, label sets, per-track tables, appending events and counts, state
 * as JSON, and the optimal assignment the tracker and the test scorer use.
 * Nothing here is part of the node ABI, and it is not installed: the example
 * nodes (passthrough, count) build against sdag-node.h alone.
 */
#pragma once

#include "sdag-node.h"

G_BEGIN_DECLS

typedef struct {
	double x, y;
} SdagPoint;

/* Where a track "is": the centre of its box, or the middle of its bottom
 * edge (the feet of a person, the wheels of a car). */
typedef enum {
	SDAG_ANCHOR_CENTER,
	SDAG_ANCHOR_BOTTOM_CENTER,
} SdagAnchor;

#define SDAG_ANCHOR_PARAM_DESC "reference point of a box: 'center' or 'bottom_center'"

gboolean sdag_anchor_parse(const char *text, SdagAnchor *anchor, GError **error);
SdagPoint sdag_anchor_point(const SdagDetection *d, SdagAnchor anchor);

double sdag_box_iou(const SdagDetection *a, const SdagDetection *b);
double sdag_box_iou4(double ax,
		     double ay,
		     double aw,
		     double ah,
		     double bx,
		     double by,
		     double bw,
		     double bh);

/* @points: a POINTS param, already checked by the schema. Returns: (transfer full). */
GArray *sdag_points_from_json(JsonArray *points);
/* Checks that a POINTS param is a usable polygon: >= 3 points, not all on one
 * line (non-zero area). @what names it in the error message. */
gboolean sdag_polygon_check(JsonArray *points, const char *what, GError **error);
/* Even-odd rule; a point exactly on an edge may fall either side. O(n). */
gboolean sdag_polygon_contains(const GArray *polygon, SdagPoint p);

/* A set of labels from a STRINGS param; NULL when the list is empty (all
 * labels pass). Labels longer than SdagDetection.label can hold are refused by
 * sdag_labels_check. */
GHashTable *sdag_labels_from_json(JsonArray *labels);
gboolean sdag_labels_check(JsonArray *labels, GError **error);
gboolean sdag_labels_match(GHashTable *labels, const char *label);

/* Keys / values of a table, borrowed (GLib 2.74 has no _as_ptr_array). */
GPtrArray *sdag_hash_table_keys(GHashTable *table);
GPtrArray *sdag_hash_table_values(GHashTable *table);
/* The string keys of @table, borrowed, in strcmp order: a stable order for
 * per-label outputs and state. Returns: (transfer container). */
GPtrArray *sdag_sorted_str_keys(GHashTable *table);

/* A per-track table: gint64 * (pointing into the value) -> record, the
 * records owned and freed with g_free. Insert as (&rec->id, rec). */
GHashTable *sdag_track_table_new(void);
/* The records of a sdag_track_table_new() table, borrowed, in ascending
 * track id order. Returns: (transfer container). */
GPtrArray *sdag_track_table_sorted(GHashTable *tracks);

/* Appends one SdagEvent to @events; @name may be NULL (no zone or line). */
void sdag_event_append(GArray *events,
		       const char *kind,
		       const char *name,
		       const char *label,
		       gint64 track_id);
/* Appends one SdagCount to @counts. */
void sdag_count_append(GArray *counts, const char *name, const char *label, gint64 value);

/* State as JSON: the document built in @builder, compact, as bytes.
 * Returns: (transfer full). */
GBytes *sdag_json_builder_to_bytes(JsonBuilder *builder);
/* Parses state @data with @parser; returns its root object (owned by
 * @parser), or NULL when @data is not JSON or its root is not an object. */
JsonObject *sdag_json_object_from_bytes(JsonParser *parser, GBytes *data);
/* Whether member @member of @o (which may be NULL) is an integer >= @min;
 * stores it in @out when @out is not NULL. */
gboolean sdag_json_int_member(JsonObject *o, const char *member, gint64 min, gint64 *out);

/*
 * sdag_assign_min_cost:
 * @cost: @rows x @cols costs, row-major; finite values only
 * @rows, @cols: the matrix shape, either may be 0
 * @row_to_col: (out caller-allocates): @rows entries; the column assigned to
 *   each row, or -1 when the row is left out (only when rows > cols)
 *
 * Optimal assignment (Hungarian algorithm, shortest augmenting paths with
 * potentials, as in Kuhn-Munkres/Jonker-Volgenant): assigns min(rows, cols)
 * pairs, each row and column at most once, so that the sum of their costs is
 * the smallest possible. Callers forbid a pair by giving it a cost larger
 * than any real one and dropping it afterwards.
 *
 * Complexity: O(n^2 m) time with n = min(rows, cols), m = max(rows, cols);
 * O(n + m) extra memory. Pure, no allocation visible to the caller.
 */
void sdag_assign_min_cost(const double *cost, guint rows, guint cols, gint *row_to_col);

G_END_DECLS
