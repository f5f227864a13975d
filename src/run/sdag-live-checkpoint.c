/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-live"

#include "sdag-live-private.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * The live runner's checkpoints (sdag-live.c says when they are taken): the
 * executor's state, the next frame id and the counters in the state family;
 * and the resume that reads them back at the next start.
 */

void
sdag_live_checkpoint(SdagLive *self, guint64 next_frame_id, guint64 processed, guint64 decoded)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) state = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	SdagExec *exec = sdag_element_get_exec(self->element);
	guint64 in;
	guint64 dropped;
	guint reconnects;

	if (exec == NULL)
		return;
	state = sdag_exec_save_state(exec, &error);
	if (state == NULL || !sdag_results_flush(self->results, &error)) {
		if (!self->checkpoint_failed)
			g_warning("job %s: no checkpoint: %s", self->parent.job_id, error->message);
		self->checkpoint_failed = TRUE;
		return;
	}
	g_mutex_lock(&self->lock);
	in = self->queue.frames_in;
	dropped = self->queue.dropped;
	reconnects = sdag_supervisor_get_reconnects(self->sup);
	g_mutex_unlock(&self->lock);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "next_frame_id");
	json_builder_add_int_value(b, (gint64)next_frame_id);
	json_builder_set_member_name(b, "frames_in");
	json_builder_add_int_value(b, (gint64)(self->base_in + in));
	json_builder_set_member_name(b, "frames_processed");
	json_builder_add_int_value(b, (gint64)(self->base_processed + processed));
	json_builder_set_member_name(b, "dropped_frames");
	json_builder_add_int_value(b, (gint64)(self->base_dropped + dropped));
	json_builder_set_member_name(b, "reconnects");
	json_builder_add_int_value(b, reconnects);
	json_builder_set_member_name(b, "exec");
	json_builder_add_value(b, g_steal_pointer(&state));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = sdag_json_to_string(root);
	if (!sdag_store_put(self->parent.store,
			    SDAG_STORE_STATE,
			    (const guint8 *)self->parent.job_id,
			    strlen(self->parent.job_id),
			    (const guint8 *)text,
			    strlen(text),
			    FALSE,
			    &error)) {
		if (!self->checkpoint_failed)
			g_warning("job %s: no checkpoint: %s", self->parent.job_id, error->message);
		self->checkpoint_failed = TRUE;
		return;
	}
	self->checkpoint_failed = FALSE;
	(void)decoded;
}

typedef struct {
	GPtrArray *keys;
} SdagLiveCollect;

static gboolean
sdag_live_collect_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	GPtrArray *keys = user_data;
	g_ptr_array_add(keys, g_bytes_new(key, key_len));
	return TRUE;
}

/*
 * A counter of a checkpoint: missing is 0. json_object_get_int_member_with_default() would
 * raise a critical on an object or an array and read a string as 0 or a negative number as
 * a huge count; a store's bytes are not to be trusted so far.
 */
static gboolean
sdag_live_checkpoint_count(JsonObject *o,
			   const char *name,
			   guint64 max,
			   guint64 *out,
			   GError **error)
{
	JsonNode *member = json_object_get_member(o, name);

	*out = 0;
	if (member == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(member) || json_node_get_value_type(member) != G_TYPE_INT64 ||
	    json_node_get_int(member) < 0 || (guint64)json_node_get_int(member) > max) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_JSON,
			    "'%s' of a checkpoint must be an integer from 0 to %" G_GUINT64_FORMAT,
			    name,
			    max);
		return FALSE;
	}
	*out = (guint64)json_node_get_int(member);
	return TRUE;
}

/**
 * sdag_live_checkpoint_decode:
 * @data: a checkpoint as sdag_live_checkpoint() stored it, or whatever the store holds
 * @out: (out caller-allocates): the counters and the executor's state; cleared with
 *   sdag_live_checkpoint_clear() whatever the result
 *
 * The pure half of the resume: no store, no runner. A counter that is missing reads as 0.
 *
 * Returns: FALSE with BAD_JSON when @data is no JSON object or a counter no integer >= 0
 */
gboolean
sdag_live_checkpoint_decode(const char *data, gsize len, SdagLiveCheckpoint *out, GError **error)
{
	g_autoptr(JsonNode) node = NULL;
	guint64 reconnects = 0;
	JsonObject *o;

	memset(out, 0, sizeof(*out));
	node = sdag_json_parse(data, (gssize)len, error);
	if (node == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "a checkpoint is a JSON object");
		return FALSE;
	}
	o = json_node_get_object(node);
	if (!sdag_live_checkpoint_count(
		o, "next_frame_id", G_MAXINT64, &out->next_frame_id, error) ||
	    !sdag_live_checkpoint_count(o, "frames_in", G_MAXINT64, &out->frames_in, error) ||
	    !sdag_live_checkpoint_count(
		o, "frames_processed", G_MAXINT64, &out->frames_processed, error) ||
	    !sdag_live_checkpoint_count(
		o, "dropped_frames", G_MAXINT64, &out->dropped_frames, error) ||
	    !sdag_live_checkpoint_count(o, "reconnects", G_MAXUINT, &reconnects, error))
		return FALSE;
	out->reconnects = (guint)reconnects;
	if (json_object_has_member(o, "exec"))
		out->exec = json_node_copy(json_object_get_member(o, "exec"));
	return TRUE;
}

void
sdag_live_checkpoint_clear(SdagLiveCheckpoint *checkpoint)
{
	g_clear_pointer(&checkpoint->exec, json_node_unref);
}

/* Reads the last checkpoint, drops the frame rows after it and rebuilds the summary. */
gboolean
sdag_live_resume(SdagLive *self, GError **error)
{
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(SdagStoreBatch) batch = NULL;
	g_autoptr(GBytes) start = NULL;
	g_autofree char *prefix = NULL;
	SdagLiveCheckpoint cp;
	gsize len = 0;
	const char *data;

	blob = sdag_store_get(self->parent.store,
			      SDAG_STORE_STATE,
			      (const guint8 *)self->parent.job_id,
			      strlen(self->parent.job_id),
			      NULL);
	if (blob == NULL)
		return sdag_results_load(self->results, error);
	data = g_bytes_get_data(blob, &len);
	if (!sdag_live_checkpoint_decode(data, len, &cp, &error_local)) {
		g_warning("job %s: the checkpoint does not parse (%s); starting afresh",
			  self->parent.job_id,
			  error_local->message);
		sdag_live_checkpoint_clear(&cp);
		return sdag_results_load(self->results, error);
	}
	self->first_frame_id = cp.next_frame_id;
	self->base_in = cp.frames_in;
	self->base_processed = cp.frames_processed;
	self->base_dropped = cp.dropped_frames;
	sdag_supervisor_set_reconnects(self->sup, cp.reconnects);
	if (cp.exec != NULL)
		self->resume_state = g_steal_pointer(&cp.exec);
	sdag_live_checkpoint_clear(&cp);

	/* the rows the checkpoint does not cover are written again under the same ids */
	prefix = g_strdup_printf("%s/", self->parent.job_id);
	start = sdag_results_frame_key(self->parent.job_id, self->first_frame_id);
	if (!sdag_store_iter_prefix_from(self->parent.store,
					 SDAG_STORE_FRAMES,
					 (const guint8 *)prefix,
					 strlen(prefix),
					 g_bytes_get_data(start, NULL),
					 g_bytes_get_size(start),
					 sdag_live_collect_cb,
					 keys,
					 error))
		return FALSE;
	if (keys->len > 0) {
		batch = sdag_store_batch_new();
		for (guint i = 0; i < keys->len; i++) {
			GBytes *k = g_ptr_array_index(keys, i);
			sdag_store_batch_delete(batch,
						SDAG_STORE_FRAMES,
						g_bytes_get_data(k, NULL),
						g_bytes_get_size(k));
		}
		if (!sdag_store_write(self->parent.store, batch, TRUE, error))
			return FALSE;
	}
	g_message("job %s: resuming from frame %" G_GUINT64_FORMAT " (%u later rows dropped)",
		  self->parent.job_id,
		  self->first_frame_id,
		  keys->len);
	return sdag_results_load(self->results, error);
}
