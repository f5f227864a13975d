/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-node-util.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

gboolean
sdag_anchor_parse(const char *text, SdagAnchor *anchor, GError **error)
{
	if (g_strcmp0(text, "center") == 0) {
		*anchor = SDAG_ANCHOR_CENTER;
		return TRUE;
	}
	if (g_strcmp0(text, "bottom_center") == 0) {
		*anchor = SDAG_ANCHOR_BOTTOM_CENTER;
		return TRUE;
	}
	g_set_error(error,
		    G_IO_ERROR,
		    G_IO_ERROR_INVALID_ARGUMENT,
		    "anchor '%s' is not 'center' or 'bottom_center'",
		    text);
	return FALSE;
}

SdagPoint
sdag_anchor_point(const SdagDetection *d, SdagAnchor anchor)
{
	SdagPoint p = {d->x + d->w / 2.0, d->y + d->h / 2.0};

	if (anchor == SDAG_ANCHOR_BOTTOM_CENTER)
		p.y = d->y + d->h;
	return p;
}

double
sdag_box_iou4(double ax,
	      double ay,
	      double aw,
	      double ah,
	      double bx,
	      double by,
	      double bw,
	      double bh)
{
	double ix = MIN(ax + aw, bx + bw) - MAX(ax, bx);
	double iy = MIN(ay + ah, by + bh) - MAX(ay, by);
	double inter, uni;

	if (ix <= 0 || iy <= 0)
		return 0.0;
	inter = ix * iy;
	uni = aw * ah + bw * bh - inter;
	return uni > 0 ? inter / uni : 0.0;
}

double
sdag_box_iou(const SdagDetection *a, const SdagDetection *b)
{
	return sdag_box_iou4(a->x, a->y, a->w, a->h, b->x, b->y, b->w, b->h);
}

GArray *
sdag_points_from_json(JsonArray *points)
{
	GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(SdagPoint), 8);

	for (guint i = 0; points != NULL && i < json_array_get_length(points); i++) {
		JsonArray *pt = json_array_get_array_element(points, i);
		SdagPoint p = {json_array_get_double_element(pt, 0),
			       json_array_get_double_element(pt, 1)};
		g_array_append_val(out, p);
	}
	return out;
}

gboolean
sdag_polygon_check(JsonArray *points, const char *what, GError **error)
{
	g_autoptr(GArray) poly = sdag_points_from_json(points);
	double area2 = 0;

	if (poly->len < 3) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "%s needs at least 3 points, not %u",
			    what,
			    poly->len);
		return FALSE;
	}
	for (guint i = 0; i < poly->len; i++) {
		SdagPoint a = g_array_index(poly, SdagPoint, i);
		SdagPoint b = g_array_index(poly, SdagPoint, (i + 1) % poly->len);
		area2 += a.x * b.y - b.x * a.y;
	}
	if (fabs(area2) < 1e-9) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "%s has no area: its points are on one line",
			    what);
		return FALSE;
	}
	return TRUE;
}

gboolean
sdag_polygon_contains(const GArray *polygon, SdagPoint p)
{
	gboolean inside = FALSE;

	for (guint i = 0, j = polygon->len - 1; i < polygon->len; j = i++) {
		SdagPoint a = g_array_index(polygon, SdagPoint, i);
		SdagPoint b = g_array_index(polygon, SdagPoint, j);

		if ((a.y > p.y) != (b.y > p.y) &&
		    p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x)
			inside = !inside;
	}
	return inside;
}

GHashTable *
sdag_labels_from_json(JsonArray *labels)
{
	GHashTable *set;

	if (labels == NULL || json_array_get_length(labels) == 0)
		return NULL;
	set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < json_array_get_length(labels); i++)
		g_hash_table_add(set, g_strdup(json_array_get_string_element(labels, i)));
	return set;
}

gboolean
sdag_labels_check(JsonArray *labels, GError **error)
{
	for (guint i = 0; labels != NULL && i < json_array_get_length(labels); i++) {
		const char *label = json_array_get_string_element(labels, i);
		if (strlen(label) >= sizeof(((SdagDetection *)NULL)->label)) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "label '%s' is longer than %zu bytes",
				    label,
				    sizeof(((SdagDetection *)NULL)->label) - 1);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
sdag_labels_match(GHashTable *labels, const char *label)
{
	return labels == NULL || g_hash_table_contains(labels, label);
}

/* The square-or-wide case: n rows <= m columns, every row assigned. Arrays
 * are 1-based as in the textbook formulation; column 0 is the virtual start. */
static void
sdag_assign_wide(const double *cost, guint n, guint m, gboolean transposed, gint *row_to_col)
{
	g_autofree double *u = g_new0(double, n + 1);
	g_autofree double *v = g_new0(double, m + 1);
	g_autofree double *minv = g_new(double, m + 1);
	g_autofree guint *p = g_new0(guint, m + 1); /* p[j]: row assigned to column j */
	g_autofree guint *way = g_new0(guint, m + 1);
	g_autofree gboolean *used = g_new(gboolean, m + 1);

#define COST(i, j) (transposed ? cost[(gsize)(j)*n + (i)] : cost[(gsize)(i)*m + (j)])
	for (guint i = 1; i <= n; i++) {
		guint j0 = 0;

		p[0] = i;
		for (guint j = 0; j <= m; j++) {
			minv[j] = INFINITY;
			used[j] = FALSE;
		}
		do {
			guint i0 = p[j0], j1 = 0;
			double delta = INFINITY;

			used[j0] = TRUE;
			for (guint j = 1; j <= m; j++) {
				double cur;

				if (used[j])
					continue;
				cur = COST(i0 - 1, j - 1) - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (guint j = 0; j <= m; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (p[j0] != 0);
		do {
			guint j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0 != 0);
	}
#undef COST
	if (!transposed) {
		for (guint j = 1; j <= m; j++)
			if (p[j] != 0)
				row_to_col[p[j] - 1] = (gint)(j - 1);
	} else {
		/* the caller's rows were our columns */
		for (guint j = 1; j <= m; j++)
			row_to_col[j - 1] = p[j] != 0 ? (gint)(p[j] - 1) : -1;
	}
}

void
sdag_assign_min_cost(const double *cost, guint rows, guint cols, gint *row_to_col)
{
	for (guint i = 0; i < rows; i++)
		row_to_col[i] = -1;
	if (rows == 0 || cols == 0)
		return;
	if (rows <= cols)
		sdag_assign_wide(cost, rows, cols, FALSE, row_to_col);
	else
		sdag_assign_wide(cost, cols, rows, TRUE, row_to_col);
}

GPtrArray *
sdag_hash_table_keys(GHashTable *table)
{
	GPtrArray *arr = g_ptr_array_sized_new(g_hash_table_size(table));
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(arr, key);
	return arr;
}

GPtrArray *
sdag_hash_table_values(GHashTable *table)
{
	GPtrArray *arr = g_ptr_array_sized_new(g_hash_table_size(table));
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(arr, value);
	return arr;
}

static gint
sdag_cmp_str_cb(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
sdag_sorted_str_keys(GHashTable *table)
{
	GPtrArray *arr = sdag_hash_table_keys(table);

	g_ptr_array_sort(arr, sdag_cmp_str_cb);
	return arr;
}

GHashTable *
sdag_track_table_new(void)
{
	return g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
}

static gint
sdag_cmp_int64_cb(gconstpointer a, gconstpointer b)
{
	gint64 x = **(const gint64 *const *)a, y = **(const gint64 *const *)b;
	return x < y ? -1 : x > y;
}

GPtrArray *
sdag_track_table_sorted(GHashTable *tracks)
{
	GPtrArray *arr = sdag_hash_table_keys(tracks);

	g_ptr_array_sort(arr, sdag_cmp_int64_cb);
	for (guint i = 0; i < arr->len; i++)
		arr->pdata[i] = g_hash_table_lookup(tracks, arr->pdata[i]);
	return arr;
}

void
sdag_event_append(GArray *events,
		  const char *kind,
		  const char *name,
		  const char *label,
		  gint64 track_id)
{
	SdagEvent e = {.track_id = track_id};

	g_strlcpy(e.kind, kind, sizeof(e.kind));
	if (name != NULL)
		g_strlcpy(e.name, name, sizeof(e.name));
	g_strlcpy(e.label, label, sizeof(e.label));
	g_array_append_val(events, e);
}

void
sdag_count_append(GArray *counts, const char *name, const char *label, gint64 value)
{
	SdagCount c = {.value = value};

	g_strlcpy(c.name, name, sizeof(c.name));
	g_strlcpy(c.label, label, sizeof(c.label));
	g_array_append_val(counts, c);
}

GBytes *
sdag_json_builder_to_bytes(JsonBuilder *builder)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(builder);
	char *text;

	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	return g_bytes_new_take(text, strlen(text));
}

JsonObject *
sdag_json_object_from_bytes(JsonParser *parser, GBytes *data)
{
	gsize len = 0;
	const char *text = g_bytes_get_data(data, &len);
	JsonNode *root;

	if (!json_parser_load_from_data(parser, text != NULL ? text : "", (gssize)len, NULL))
		return NULL;
	/* an empty text parses to no root at all */
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	return json_node_get_object(json_parser_get_root(parser));
}

gboolean
sdag_json_int_member(JsonObject *o, const char *member, gint64 min, gint64 *out)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, member) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < min)
		return FALSE;
	if (out != NULL)
		*out = json_node_get_int(n);
	return TRUE;
}
