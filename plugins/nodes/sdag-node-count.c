/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * count: counts detections per label, both in the current frame
 * ("current/<label>") and in total since the job started ("total/<label>").
 * The running totals are its declared state, so a resumed job keeps them.
 */
#include <string.h>

#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	GHashTable *totals; /* label -> gint64 *, owned */
	GHashTable *labels; /* only these labels are counted; NULL: all */
	double min_score;
} CountNode;

static void
count_finalize(gpointer instance)
{
	CountNode *self = instance;

	g_hash_table_unref(self->totals);
	if (self->labels != NULL)
		g_hash_table_unref(self->labels);
	g_free(self);
}

static gpointer
count_init(JsonObject *params, GError **error)
{
	CountNode *self = g_new0(CountNode, 1);
	JsonArray *labels = json_object_get_array_member(params, "labels");

	self->totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->min_score = json_object_get_double_member(params, "min_score");
	if (json_array_get_length(labels) > 0) {
		self->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; i < json_array_get_length(labels); i++)
			g_hash_table_add(self->labels,
					 g_strdup(json_array_get_string_element(labels, i)));
	}
	return self;
}

static void
count_append(GArray *items, const char *name, const char *label, gint64 value)
{
	SdagCount c = {.value = value};

	g_strlcpy(c.name, name, sizeof(c.name));
	g_strlcpy(c.label, label, sizeof(c.label));
	g_array_append_val(items, c);
}

static gint
count_strcmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* Returns: (transfer container): the labels with a total, sorted */
static GPtrArray *
count_sorted_labels(CountNode *self)
{
	GPtrArray *labels = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, self->totals);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(labels, key);
	g_ptr_array_sort(labels, count_strcmp_cb);
	return labels;
}

static gboolean
count_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	CountNode *self = instance;
	GArray *dets = inputs[0].items;
	g_autoptr(GHashTable) current = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) labels = NULL;

	for (guint i = 0; dets != NULL && i < dets->len; i++) {
		const SdagDetection *d = &g_array_index(dets, SdagDetection, i);
		gint64 *total;

		if (d->score < self->min_score)
			continue;
		if (self->labels != NULL && !g_hash_table_contains(self->labels, d->label))
			continue;
		g_hash_table_insert(
		    current,
		    (gpointer)d->label,
		    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(current, d->label)) + 1));
		total = g_hash_table_lookup(self->totals, d->label);
		if (total == NULL) {
			total = g_new0(gint64, 1);
			g_hash_table_insert(self->totals, g_strdup(d->label), total);
		}
		(*total)++;
	}
	/* a stable order makes results comparable frame to frame */
	labels = count_sorted_labels(self);
	for (guint i = 0; i < labels->len; i++) {
		const char *label = g_ptr_array_index(labels, i);
		count_append(outputs[0].items,
			     "current",
			     label,
			     GPOINTER_TO_INT(g_hash_table_lookup(current, label)));
		count_append(outputs[0].items,
			     "total",
			     label,
			     *(gint64 *)g_hash_table_lookup(self->totals, label));
	}
	return TRUE;
}

/* State "totals": "label=count\n" lines, sorted. */
static GBytes *
count_save_state(gpointer instance, const char *key)
{
	CountNode *self = instance;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GPtrArray) labels = count_sorted_labels(self);

	for (guint i = 0; i < labels->len; i++) {
		const char *label = g_ptr_array_index(labels, i);
		g_string_append_printf(out,
				       "%s=%" G_GINT64_FORMAT "\n",
				       label,
				       *(gint64 *)g_hash_table_lookup(self->totals, label));
	}
	return g_string_free_to_bytes(g_steal_pointer(&out));
}

static gboolean
count_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	CountNode *self = instance;
	g_autofree char *text = g_strndup(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) totals =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; lines[i] != NULL; i++) {
		const char *eq = strrchr(lines[i], '=');
		gint64 *v;

		if (lines[i][0] == '\0')
			continue;
		v = g_new0(gint64, 1);
		if (eq == NULL || eq == lines[i] ||
		    !g_ascii_string_to_signed(eq + 1, 10, 0, G_MAXINT64, v, NULL)) {
			g_free(v);
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_DATA,
				    "bad totals line %u",
				    i + 1);
			return FALSE;
		}
		g_hash_table_insert(totals, g_strndup(lines[i], eq - lines[i]), v);
	}
	g_hash_table_unref(self->totals);
	self->totals = g_steal_pointer(&totals);
	return TRUE;
}

/* Labels are compared to SdagDetection.label, which holds at most 31 bytes:
 * a longer one could never match, so it is refused at registration. */
static gboolean
count_validate(JsonObject *params, GError **error)
{
	JsonArray *labels = json_object_get_array_member(params, "labels");

	for (guint i = 0; i < json_array_get_length(labels); i++) {
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

static const SdagPortSpec count_inputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "detections to count"},
};

static const SdagPortSpec count_outputs[] = {
    {"counts", SDAG_PORT_COUNTS, FALSE, "per label: 'current' in this frame, 'total' so far"},
};

static const SdagParamSpec count_params[] = {
    {"labels", SDAG_PARAM_NAMES, "[]", TRUE, 0, 64, "count only these labels; [] counts all"},
    {"min_score", SDAG_PARAM_DOUBLE, "0.0", TRUE, 0.0, 1.0, "ignore detections scored lower"},
};

static const SdagStateKeySpec count_state[] = {
    {"totals", "running total per label since the job started"},
};

static const SdagNodeDesc count_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "count",
    .version = "1.0.0",
    .description = "Counts detections per label, per frame and in total",
    .inputs = count_inputs,
    .n_inputs = G_N_ELEMENTS(count_inputs),
    .outputs = count_outputs,
    .n_outputs = G_N_ELEMENTS(count_outputs),
    .params = count_params,
    .n_params = G_N_ELEMENTS(count_params),
    .state_keys = count_state,
    .n_state_keys = G_N_ELEMENTS(count_state),
    .validate = count_validate,
    .init = count_init,
    .process = count_process,
    .finalize = count_finalize,
    .save_state = count_save_state,
    .load_state = count_load_state,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &count_desc;
}
