/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-jobindex"

#include "sdag-jobindex.h"

#include <string.h>

#include "sdag-index.h"
#include "sdag-json.h"

/*
 * The job list's keys. All in the job_index family, written in the batch that writes the
 * record or its status, so an index never disagrees with the records:
 *
 *   s/<status>/<seq>              -> job id: the jobs in one status, oldest first (the queue
 *                                    is s/queued/)
 *   t/<~seq>                      -> job id: every job, newest first
 *   c/<time><seq>                 -> job id: created_at (µs since 1970, sign bit flipped,
 *                                    big-endian) then seq: time filters become seq bounds
 *   p/<pipeline_id>/<~seq>        -> job id: one pipeline's jobs, newest first
 *   q/<pipeline_id>/<status>/<~seq> -> job id: one pipeline's jobs in one status
 *   m/<camera>/<~seq>             -> job id: one camera's jobs, newest first
 *   meta/index_version            -> 32-bit big-endian layout version (2 since c/, p/, q/;
 *                                    3 since m/)
 *
 * Neither a pipeline id (1-64 of [A-Za-z0-9_.-]) nor a camera name ([a-z0-9_-]) holds a '/',
 * so the prefixes do not overlap.
 *
 * Query plan: the most specific index for the filter (m/ for a camera, q/ for pipeline and
 * status, p/ for a pipeline, s/ for a status, t/ otherwise), bounded by the seq range the time
 * filters and the cursor give, read in either direction: one seek and the keys of one page. The
 * source filter has no index: it is checked on the records met, at most SDAG_JOB_INDEX_SOURCE_SCAN
 * of them per page, so a page with a rare source may come back short with a next_cursor. So are the
 * status and pipeline filters of a camera's list: a camera runs one job at a time, so its
 * list is short.
 */

#define SDAG_JOB_INDEX_VERSION_KEY "meta/index_version"
#define SDAG_JOB_INDEX_SOURCE_SCAN 10000
#define SDAG_JOB_INDEX_UPGRADE_BATCH 1000

/**
 * sdag_job_index_created_us:
 *
 * Returns: the record's created_at in µs since 1970 (0 when it has none)
 */
gint64
sdag_job_index_created_us(JsonObject *record)
{
	const char *created = json_object_get_string_member_with_default(record, "created_at", "");
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(created, NULL);

	return dt != NULL ? sdag_query_datetime_to_us(dt) : 0;
}

static void
sdag_job_index_put(SdagStoreBatch *batch, GBytes *key, const char *job_id)
{
	sdag_store_batch_put(batch,
			     SDAG_STORE_JOB_INDEX,
			     g_bytes_get_data(key, NULL),
			     g_bytes_get_size(key),
			     (const guint8 *)job_id,
			     strlen(job_id));
}

static void
sdag_job_index_del(SdagStoreBatch *batch, GBytes *key)
{
	sdag_store_batch_delete(
	    batch, SDAG_STORE_JOB_INDEX, g_bytes_get_data(key, NULL), g_bytes_get_size(key));
}

/* Returns: (transfer full): the prefix of the keys of the jobs in @status */
char *
sdag_job_index_status_prefix(SdagJobStatus status)
{
	return g_strdup_printf("s/%s/", sdag_job_status_to_string(status));
}

static GBytes *
sdag_job_index_status_key(SdagJobStatus status, guint64 seq)
{
	g_autofree char *prefix = sdag_job_index_status_prefix(status);
	return sdag_index_key(prefix, seq, FALSE);
}

static GBytes *
sdag_job_index_pipeline_key(const char *pipeline_id, guint64 seq)
{
	g_autofree char *prefix = g_strdup_printf("p/%s/", pipeline_id);
	return sdag_index_key(prefix, seq, TRUE);
}

static GBytes *
sdag_job_index_pipeline_status_key(const char *pipeline_id, SdagJobStatus status, guint64 seq)
{
	g_autofree char *prefix =
	    g_strdup_printf("q/%s/%s/", pipeline_id, sdag_job_status_to_string(status));
	return sdag_index_key(prefix, seq, TRUE);
}

static GBytes *
sdag_job_index_camera_key(const char *camera, guint64 seq)
{
	g_autofree char *prefix = g_strdup_printf("m/%s/", camera);
	return sdag_index_key(prefix, seq, TRUE);
}

/* The keys of layout versions 2 and 3 (c/, p/, q/, m/), which the upgrade backfills */
static void
sdag_job_index_add_v2_keys(GPtrArray *keys,
			   guint64 seq,
			   const char *pipeline_id,
			   const char *camera,
			   SdagJobStatus status,
			   gint64 created_us)
{
	g_ptr_array_add(keys, sdag_index_time_key("c/", created_us, seq));
	g_ptr_array_add(keys, sdag_job_index_pipeline_key(pipeline_id, seq));
	g_ptr_array_add(keys, sdag_job_index_pipeline_status_key(pipeline_id, status, seq));
	if (camera != NULL)
		g_ptr_array_add(keys, sdag_job_index_camera_key(camera, seq));
}

/**
 * sdag_job_index_keys:
 * @camera: (nullable)
 *
 * Returns: (transfer full) (element-type GBytes): every index key of a job in @status, each
 *   holding the job id: what its record says the index must have (the consistency checker's
 *   reference)
 */
GPtrArray *
sdag_job_index_keys(guint64 seq,
		    const char *pipeline_id,
		    const char *camera,
		    SdagJobStatus status,
		    gint64 created_us)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	g_ptr_array_add(keys, sdag_job_index_status_key(status, seq));
	g_ptr_array_add(keys, sdag_index_key("t/", seq, TRUE));
	sdag_job_index_add_v2_keys(keys, seq, pipeline_id, camera, status, created_us);
	return keys;
}

static void
sdag_job_index_batch_add_v2(SdagStoreBatch *batch,
			    const char *job_id,
			    guint64 seq,
			    const char *pipeline_id,
			    const char *camera,
			    SdagJobStatus status,
			    gint64 created_us)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	sdag_job_index_add_v2_keys(keys, seq, pipeline_id, camera, status, created_us);
	for (guint i = 0; i < keys->len; i++)
		sdag_job_index_put(batch, g_ptr_array_index(keys, i), job_id);
}

/* Every index key of a new job (or of one the store holds in @status); @camera nullable */
void
sdag_job_index_batch_add(SdagStoreBatch *batch,
			 const char *job_id,
			 guint64 seq,
			 const char *pipeline_id,
			 const char *camera,
			 SdagJobStatus status,
			 gint64 created_us)
{
	g_autoptr(GPtrArray) keys =
	    sdag_job_index_keys(seq, pipeline_id, camera, status, created_us);

	for (guint i = 0; i < keys->len; i++)
		sdag_job_index_put(batch, g_ptr_array_index(keys, i), job_id);
}

void
sdag_job_index_batch_move(SdagStoreBatch *batch,
			  const char *job_id,
			  guint64 seq,
			  const char *pipeline_id,
			  SdagJobStatus from,
			  SdagJobStatus to)
{
	g_autoptr(GBytes) old_s = sdag_job_index_status_key(from, seq);
	g_autoptr(GBytes) new_s = sdag_job_index_status_key(to, seq);
	g_autoptr(GBytes) old_q = sdag_job_index_pipeline_status_key(pipeline_id, from, seq);
	g_autoptr(GBytes) new_q = sdag_job_index_pipeline_status_key(pipeline_id, to, seq);

	sdag_job_index_del(batch, old_s);
	sdag_job_index_put(batch, new_s, job_id);
	sdag_job_index_del(batch, old_q);
	sdag_job_index_put(batch, new_q, job_id);
}

void
sdag_job_index_batch_remove(SdagStoreBatch *batch,
			    guint64 seq,
			    const char *pipeline_id,
			    const char *camera,
			    SdagJobStatus status,
			    gint64 created_us)
{
	g_autoptr(GPtrArray) keys =
	    sdag_job_index_keys(seq, pipeline_id, camera, status, created_us);

	for (guint i = 0; i < keys->len; i++)
		sdag_job_index_del(batch, g_ptr_array_index(keys, i));
}

typedef struct {
	SdagStore *store;
	SdagStoreBatch *batch;
	guint done;
	GError *error;
} SdagJobIndexUpgrade;

static gboolean
sdag_job_index_upgrade_cb(const guint8 *key,
			  gsize key_len,
			  const guint8 *value,
			  gsize value_len,
			  gpointer user_data)
{
	SdagJobIndexUpgrade *up = user_data;
	g_autofree char *job_id = g_strndup((const char *)value, value_len);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *record;
	SdagJobStatus status = SDAG_JOB_FAILED;

	if (key_len != 10)
		return TRUE;
	blob = sdag_store_get(up->store, SDAG_STORE_JOBS, value, value_len, NULL);
	if (blob != NULL)
		node = sdag_json_parse(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob), NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_warning("job %s: no readable record, left out of the new index keys", job_id);
		return TRUE;
	}
	record = json_node_get_object(node);
	sdag_job_status_from_string(
	    json_object_get_string_member_with_default(record, "status", ""), &status);
	sdag_job_index_batch_add_v2(
	    up->batch,
	    job_id,
	    (guint64)json_object_get_int_member_with_default(record, "seq", 0),
	    json_object_get_string_member_with_default(record, "pipeline_id", ""),
	    json_object_get_string_member_with_default(record, "camera", NULL),
	    status,
	    sdag_job_index_created_us(record));
	up->done++;
	if (sdag_store_batch_count(up->batch) >= SDAG_JOB_INDEX_UPGRADE_BATCH * 3) {
		if (!sdag_store_write(up->store, up->batch, FALSE, &up->error))
			return FALSE;
		sdag_store_batch_free(up->batch);
		up->batch = sdag_store_batch_new();
	}
	return TRUE;
}

/**
 * sdag_job_index_upgrade:
 *
 * Start-up: a store written before the c/, p/ and q/ keys existed gets them from its records
 * (one pass over t/; m/ keys for the records that name a camera), then the version marker, written
 * synced last so that an interrupted backfill runs again (its puts are idempotent). A store already
 * at this version costs one read.
 */
gboolean
sdag_job_index_upgrade(SdagStore *store, GError **error)
{
	g_autoptr(GBytes) marker = NULL;
	guint32 be = GUINT32_TO_BE(SDAG_JOB_INDEX_VERSION);
	SdagJobIndexUpgrade up = {.store = store};

	marker = sdag_store_get(store,
				SDAG_STORE_JOB_INDEX,
				(const guint8 *)SDAG_JOB_INDEX_VERSION_KEY,
				strlen(SDAG_JOB_INDEX_VERSION_KEY),
				NULL);
	if (marker != NULL && g_bytes_get_size(marker) == sizeof(be)) {
		guint32 v;
		memcpy(&v, g_bytes_get_data(marker, NULL), sizeof(v));
		if (GUINT32_FROM_BE(v) >= SDAG_JOB_INDEX_VERSION)
			return TRUE;
	}
	up.batch = sdag_store_batch_new();
	if (!sdag_store_iter_prefix(store,
				    SDAG_STORE_JOB_INDEX,
				    (const guint8 *)"t/",
				    2,
				    sdag_job_index_upgrade_cb,
				    &up,
				    error) ||
	    up.error != NULL) {
		if (up.error != NULL)
			g_propagate_error(error, up.error);
		sdag_store_batch_free(up.batch);
		return FALSE;
	}
	sdag_store_batch_put(up.batch,
			     SDAG_STORE_JOB_INDEX,
			     (const guint8 *)SDAG_JOB_INDEX_VERSION_KEY,
			     strlen(SDAG_JOB_INDEX_VERSION_KEY),
			     (const guint8 *)&be,
			     sizeof(be));
	if (!sdag_store_write(store, up.batch, TRUE, error)) {
		sdag_store_batch_free(up.batch);
		return FALSE;
	}
	sdag_store_batch_free(up.batch);
	if (up.done > 0)
		g_message("job index: %u job(s) indexed by pipeline, camera and time", up.done);
	return TRUE;
}

/* What a page's records are checked against when no index key says it */
typedef struct {
	SdagStore *store;
	const char *source;
	const char *pipeline_id; /* only on the camera index */
	gint status;		 /* only on the camera index; -1 for any */
} SdagJobIndexCheck;

static gboolean
sdag_job_index_check_cb(guint64 seq, const guint8 *value, gsize value_len, gpointer data)
{
	SdagJobIndexCheck *check = data;
	g_autoptr(GBytes) blob =
	    sdag_store_get(check->store, SDAG_STORE_JOBS, value, value_len, NULL);
	g_autoptr(JsonNode) node = NULL;
	JsonObject *record;

	if (blob == NULL)
		return FALSE;
	node = sdag_json_parse(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob), NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return FALSE;
	record = json_node_get_object(node);
	if (check->source != NULL &&
	    !g_str_has_prefix(json_object_get_string_member_with_default(record, "source", ""),
			      check->source))
		return FALSE;
	if (check->pipeline_id != NULL &&
	    g_strcmp0(json_object_get_string_member_with_default(record, "pipeline_id", ""),
		      check->pipeline_id) != 0)
		return FALSE;
	if (check->status >= 0 &&
	    g_strcmp0(json_object_get_string_member_with_default(record, "status", ""),
		      sdag_job_status_to_string(check->status)) != 0)
		return FALSE;
	return TRUE;
}

/**
 * sdag_job_index_query:
 * @next_seq: (out): where the next page starts, 0 at the end
 *
 * Returns: (transfer full) (element-type utf8): the job ids of one page, in the order asked
 */
GPtrArray *
sdag_job_index_query(SdagStore *store,
		     const SdagJobsFilter *filter,
		     guint64 *next_seq,
		     GError **error)
{
	g_autofree char *prefix = NULL;
	g_autoptr(GPtrArray) values = NULL;
	GPtrArray *ids;
	SdagJobIndexCheck check = {.store = store, .source = filter->source, .status = -1};
	SdagIndexScan scan = {
	    .store = store,
	    .family = SDAG_STORE_JOB_INDEX,
	    .inverted = TRUE,
	    .lo = 1,
	    .hi = G_MAXUINT64 - 1,
	    .ascending = filter->ascending,
	    .limit = filter->limit,
	};

	if (!sdag_index_scan_narrow(
		&scan, filter->cursor, filter->since_us, filter->until_us, error))
		return NULL;
	if (filter->camera != NULL) {
		prefix = g_strdup_printf("m/%s/", filter->camera);
		check.pipeline_id = filter->pipeline_id;
		check.status = filter->status;
	} else if (filter->pipeline_id != NULL && filter->status >= 0) {
		prefix = g_strdup_printf(
		    "q/%s/%s/", filter->pipeline_id, sdag_job_status_to_string(filter->status));
	} else if (filter->pipeline_id != NULL) {
		prefix = g_strdup_printf("p/%s/", filter->pipeline_id);
	} else if (filter->status >= 0) {
		prefix = sdag_job_index_status_prefix(filter->status);
		scan.inverted = FALSE;
	} else {
		prefix = g_strdup("t/");
	}
	scan.prefix = (const guint8 *)prefix;
	scan.prefix_len = strlen(prefix);
	if (filter->source != NULL || check.pipeline_id != NULL || check.status >= 0) {
		scan.accept = sdag_job_index_check_cb;
		scan.data = &check;
		scan.max_examined = SDAG_JOB_INDEX_SOURCE_SCAN;
	}
	values = sdag_index_scan(&scan, next_seq, error);
	if (values == NULL)
		return NULL;
	ids = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < values->len; i++) {
		GBytes *v = g_ptr_array_index(values, i);
		g_ptr_array_add(ids, g_strndup(g_bytes_get_data(v, NULL), g_bytes_get_size(v)));
	}
	return ids;
}
