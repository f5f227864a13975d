/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-results"

#include "sdag-results.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * Per-frame results of one job, and its running summary.
 *
 * Key layout in the frames family: the job id, '/', then the frame id as a
 * big-endian 64-bit integer, so that one job's frames are one prefix and
 * iterate in frame order. The value is the frame result's JSON.
 *
 * Threads: sdag_results_add() runs on the job's streaming thread, the getters
 * on the main loop; one mutex guards the pending batch and the summary. Rows
 * are written unsynced in batches of SDAG_RESULTS_BATCH_FRAMES frames or
 * SDAG_RESULTS_BATCH_US, whichever comes first. The loss window on a crash of
 * the process is the pending batch (RocksDB itself loses nothing it
 * acknowledged); on a power cut, also what the OS had not yet written back.
 * The job's final record is a synced batch written after the last flush, so a
 * terminal job always has all of its frames.
 */

struct _SdagResults {
	SdagStore *store; /* borrowed */
	char *job_id;
	GMutex lock;
	SdagStoreBatch *pending; /* frames not written yet */
	guint n_pending;
	gint64 first_pending_us;
	/* the summary */
	guint64 n_frames;
	guint64 n_detections;
	guint64 n_events;
	double score_sum;
	GHashTable *track_ids; /* gint64 * set */
	GHashTable *counts;    /* "name\nlabel" -> gint64 *, latest value */
};

SdagResults *
sdag_results_new(SdagStore *store, const char *job_id)
{
	SdagResults *self = g_new0(SdagResults, 1);

	self->store = store;
	self->job_id = g_strdup(job_id);
	g_mutex_init(&self->lock);
	self->pending = sdag_store_batch_new();
	self->track_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	self->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return self;
}

void
sdag_results_free(SdagResults *self)
{
	if (self == NULL)
		return;
	sdag_store_batch_free(self->pending);
	g_hash_table_unref(self->track_ids);
	g_hash_table_unref(self->counts);
	g_mutex_clear(&self->lock);
	g_free(self->job_id);
	g_free(self);
}

/**
 * sdag_results_frame_key:
 *
 * Returns: (transfer full): the frames-family key of one frame of a job
 */
GBytes *
sdag_results_frame_key(const char *job_id, guint64 frame_id)
{
	gsize n = strlen(job_id);
	guint64 be = GUINT64_TO_BE(frame_id);
	guint8 *key = g_malloc(n + 1 + sizeof(be));

	memcpy(key, job_id, n);
	key[n] = '/';
	memcpy(key + n + 1, &be, sizeof(be));
	return g_bytes_new_take(key, n + 1 + sizeof(be));
}

static gboolean
sdag_results_flush_locked(SdagResults *self, GError **error)
{
	if (self->n_pending == 0)
		return TRUE;
	if (!sdag_store_write(self->store, self->pending, FALSE, error)) {
		g_prefix_error(error, "job %s: frame rows: ", self->job_id);
		return FALSE;
	}
	sdag_store_batch_free(self->pending);
	self->pending = sdag_store_batch_new();
	self->n_pending = 0;
	return TRUE;
}

/* The summary is accounted from a frame's JSON, the same text that is stored, so that it can
 * be rebuilt from the rows after a restart and always agrees with them. */
static void
sdag_results_account_locked(SdagResults *self, JsonObject *frame)
{
	JsonArray *dets = json_object_get_array_member(frame, "detections");
	JsonArray *events = json_object_get_array_member(frame, "events");
	JsonArray *counts = json_object_get_array_member(frame, "counts");

	self->n_frames++;
	for (guint i = 0; dets != NULL && i < json_array_get_length(dets); i++) {
		JsonObject *d = json_array_get_object_element(dets, i);
		gint64 track_id = json_object_get_int_member_with_default(d, "track_id", -1);

		self->n_detections++;
		self->score_sum += json_object_get_double_member_with_default(d, "score", 0.0);
		if (track_id >= 0 && !g_hash_table_contains(self->track_ids, &track_id))
			g_hash_table_add(self->track_ids, g_memdup2(&track_id, sizeof(gint64)));
	}
	if (events != NULL)
		self->n_events += json_array_get_length(events);
	for (guint i = 0; counts != NULL && i < json_array_get_length(counts); i++) {
		JsonObject *c = json_array_get_object_element(counts, i);
		gint64 value = json_object_get_int_member_with_default(c, "value", 0);

		g_hash_table_insert(
		    self->counts,
		    g_strdup_printf("%s\n%s",
				    json_object_get_string_member_with_default(c, "name", ""),
				    json_object_get_string_member_with_default(c, "label", "")),
		    g_memdup2(&value, sizeof(gint64)));
	}
}

static gboolean
sdag_results_load_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	SdagResults *self = user_data;
	g_autoptr(JsonNode) frame = sdag_json_parse((const char *)value, (gssize)value_len, NULL);

	/* a row that does not parse was never written by us: leave it out of the summary */
	if (frame != NULL && JSON_NODE_HOLDS_OBJECT(frame))
		sdag_results_account_locked(self, json_node_get_object(frame));
	return TRUE;
}

/**
 * sdag_results_load:
 *
 * Rebuilds the summary from the frame rows already stored for the job: for a job that was
 * interrupted, whose running summary died with the process. O(frames); not for the request
 * path.
 */
gboolean
sdag_results_load(SdagResults *self, GError **error)
{
	g_autofree char *prefix = g_strdup_printf("%s/", self->job_id);
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);

	return sdag_store_iter_prefix(self->store,
				      SDAG_STORE_FRAMES,
				      (const guint8 *)prefix,
				      strlen(prefix),
				      sdag_results_load_cb,
				      self,
				      error);
}

/**
 * sdag_results_add:
 * @result: one processed frame
 *
 * Accounts the frame in the summary and queues its row; writes the queued rows when the
 * batch is full or old enough. Called on the streaming thread.
 *
 * Returns: %FALSE when a write failed; the frame stays accounted and queued
 */
gboolean
sdag_results_add(SdagResults *self, const SdagFrameResult *result, GError **error)
{
	g_autoptr(JsonNode) json = sdag_frame_result_to_json(result);
	g_autofree char *text = sdag_json_to_string(json);
	g_autoptr(GBytes) key = sdag_results_frame_key(self->job_id, result->frame_id);
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	gint64 now = g_get_monotonic_time();

	sdag_results_account_locked(self, json_node_get_object(json));
	sdag_store_batch_put(self->pending,
			     SDAG_STORE_FRAMES,
			     g_bytes_get_data(key, NULL),
			     g_bytes_get_size(key),
			     (const guint8 *)text,
			     strlen(text));
	if (self->n_pending++ == 0)
		self->first_pending_us = now;
	if (self->n_pending >= SDAG_RESULTS_BATCH_FRAMES ||
	    now - self->first_pending_us >= SDAG_RESULTS_BATCH_US)
		return sdag_results_flush_locked(self, error);
	return TRUE;
}

/**
 * sdag_results_flush:
 *
 * Writes the queued rows now: at the end of a job, before its final record.
 */
gboolean
sdag_results_flush(SdagResults *self, GError **error)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	return sdag_results_flush_locked(self, error);
}

guint64
sdag_results_get_n_frames(SdagResults *self)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	return self->n_frames;
}

static gint
sdag_results_strcmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * sdag_results_dup_summary:
 *
 * Returns: (transfer full): `{"total_frames", "total_detections", "total_events",
 *   "average_confidence", "tracks", "counts": {name: {label: latest value}}}`
 */
JsonNode *
sdag_results_dup_summary(SdagResults *self)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key_ptr;
	g_autofree char *open_name = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "total_frames");
	json_builder_add_int_value(b, (gint64)self->n_frames);
	json_builder_set_member_name(b, "total_detections");
	json_builder_add_int_value(b, (gint64)self->n_detections);
	json_builder_set_member_name(b, "total_events");
	json_builder_add_int_value(b, (gint64)self->n_events);
	json_builder_set_member_name(b, "average_confidence");
	json_builder_add_double_value(
	    b, self->n_detections > 0 ? self->score_sum / (double)self->n_detections : 0.0);
	json_builder_set_member_name(b, "tracks");
	json_builder_add_int_value(b, g_hash_table_size(self->track_ids));
	json_builder_set_member_name(b, "counts");
	json_builder_begin_object(b);
	g_hash_table_iter_init(&iter, self->counts);
	while (g_hash_table_iter_next(&iter, &key_ptr, NULL))
		g_ptr_array_add(keys, key_ptr);
	/* "name\nlabel" keys sort by name, then label: one object per name */
	g_ptr_array_sort(keys, sdag_results_strcmp_cb);
	for (guint i = 0; i < keys->len; i++) {
		const char *key = g_ptr_array_index(keys, i);
		const char *nl = strchr(key, '\n');
		g_autofree char *name = g_strndup(key, nl - key);

		if (g_strcmp0(name, open_name) != 0) {
			if (open_name != NULL)
				json_builder_end_object(b);
			json_builder_set_member_name(b, name);
			json_builder_begin_object(b);
			g_free(open_name);
			open_name = g_strdup(name);
		}
		json_builder_set_member_name(b, nl + 1);
		json_builder_add_int_value(b, *(gint64 *)g_hash_table_lookup(self->counts, key));
	}
	if (open_name != NULL)
		json_builder_end_object(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

typedef struct {
	JsonArray *frames;
	guint limit;
	gboolean more;
	guint64 next_from;
	GError *error;
} SdagResultsPage;

static gboolean
sdag_results_page_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	SdagResultsPage *page = user_data;
	JsonNode *frame;
	guint64 be;

	if (key_len < sizeof(be))
		return TRUE;
	if (json_array_get_length(page->frames) == page->limit) {
		memcpy(&be, key + key_len - sizeof(be), sizeof(be));
		page->more = TRUE;
		page->next_from = GUINT64_FROM_BE(be);
		return FALSE;
	}
	frame = sdag_json_parse((const char *)value, (gssize)value_len, &page->error);
	if (frame == NULL) {
		g_prefix_error(&page->error, "corrupt frame row: ");
		return FALSE;
	}
	json_array_add_element(page->frames, frame);
	return TRUE;
}

/**
 * sdag_results_read_frames:
 * @from: the first frame id wanted
 * @limit: the most frames to return, > 0
 *
 * One seek and @limit + 1 steps, whatever @from is.
 *
 * Returns: (transfer full): `{"frames": [...], "next_from": frame id | null}`
 */
JsonNode *
sdag_results_read_frames(SdagStore *store,
			 const char *job_id,
			 guint64 from,
			 guint limit,
			 GError **error)
{
	g_autofree char *prefix = g_strdup_printf("%s/", job_id);
	g_autoptr(GBytes) start = sdag_results_frame_key(job_id, from);
	g_autoptr(JsonArray) frames = json_array_new();
	SdagResultsPage page = {.frames = frames, .limit = limit};
	JsonObject *obj;
	JsonNode *root;

	g_return_val_if_fail(limit > 0, NULL);
	if (!sdag_store_iter_prefix_from(store,
					 SDAG_STORE_FRAMES,
					 (const guint8 *)prefix,
					 strlen(prefix),
					 g_bytes_get_data(start, NULL),
					 g_bytes_get_size(start),
					 sdag_results_page_cb,
					 &page,
					 error))
		return NULL;
	if (page.error != NULL) {
		g_propagate_error(error, page.error);
		return NULL;
	}
	obj = json_object_new();
	json_object_set_array_member(obj, "frames", json_array_ref(frames));
	if (page.more)
		json_object_set_int_member(obj, "next_from", (gint64)page.next_from);
	else
		json_object_set_null_member(obj, "next_from");
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, obj);
	return root;
}

/**
 * sdag_results_batch_delete_frames:
 *
 * Records the deletion of every frame row of a job: one range tombstone.
 */
void
sdag_results_batch_delete_frames(SdagStoreBatch *batch, const char *job_id)
{
	g_autofree char *prefix = g_strdup_printf("%s/", job_id);
	sdag_store_batch_delete_prefix(
	    batch, SDAG_STORE_FRAMES, (const guint8 *)prefix, strlen(prefix));
}
