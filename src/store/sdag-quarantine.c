/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The start-up sweep of records the daemon cannot read.
 *
 * A pipeline or job record that is not a JSON object the daemon accepts (see
 * sdag_json_check(): a record written by an older version that took a lone
 * surrogate, or bytes damaged on disk) must neither stop the daemon from
 * starting nor answer 500 to every list that meets it. Before anything else
 * reads the store, every record of the `pipelines` and `jobs` families is
 * checked; one that fails is moved, bytes unchanged, to
 * SDAG_QUARANTINE_PREFIX + its key in the same family, and for a job every
 * job_index key naming it is removed, in one synced batch. The daemon then
 * serves everything else; /healthz and the log name each quarantined key, and
 * DELETE of the pipeline or job removes what is left of it.
 *
 * Cost: one scan of the two families and of job_index when something was
 * moved; the check itself does not build a tree (docs/store.md has figures).
 */
#define G_LOG_DOMAIN "sdag-quarantine"

#include "sdag-quarantine.h"

#include "sdag-error.h"
#include "sdag-json.h"

#include <string.h>

/* /healthz names at most this many; the count is always whole */
#define SDAG_QUARANTINE_HEALTH_MAX 20

static const SdagStoreFamily sdag_quarantine_families[] = {SDAG_STORE_PIPELINES, SDAG_STORE_JOBS};

static GBytes *
sdag_quarantine_key_new(const guint8 *key, gsize key_len)
{
	GByteArray *k = g_byte_array_sized_new(strlen(SDAG_QUARANTINE_PREFIX) + key_len);

	g_byte_array_append(
	    k, (const guint8 *)SDAG_QUARANTINE_PREFIX, strlen(SDAG_QUARANTINE_PREFIX));
	g_byte_array_append(k, key, key_len);
	return g_byte_array_free_to_bytes(k);
}

gboolean
sdag_quarantine_is_key(const guint8 *key, gsize key_len)
{
	gsize n = strlen(SDAG_QUARANTINE_PREFIX);
	return key_len >= n && memcmp(key, SDAG_QUARANTINE_PREFIX, n) == 0;
}

/* Why a record is refused, or NULL when it is readable: a JSON object. */
static char *
sdag_quarantine_reason(const guint8 *value, gsize value_len)
{
	g_autoptr(GError) error = NULL;
	gsize i = 0;

	if (value_len == 0)
		return g_strdup("empty record");
	if (!sdag_json_check((const char *)value, value_len, &error))
		return g_strdup(error->message);
	while (i < value_len && g_ascii_isspace(value[i]))
		i++;
	if (value[i] != '{')
		return g_strdup("not a JSON object");
	return NULL;
}

typedef struct {
	GPtrArray *keys;     /* GBytes: the keys to move */
	GHashTable *job_ids; /* job id → NULL, for the index */
	SdagStoreFamily family;
	guint checked;
} SdagQuarantineScan;

static gboolean
sdag_quarantine_scan_cb(const guint8 *key,
			gsize key_len,
			const guint8 *value,
			gsize value_len,
			gpointer user_data)
{
	SdagQuarantineScan *scan = user_data;
	g_autofree char *reason = NULL;

	if (sdag_quarantine_is_key(key, key_len))
		return TRUE;
	scan->checked++;
	reason = sdag_quarantine_reason(value, value_len);
	if (reason == NULL)
		return TRUE;
	{
		g_autofree char *shown = g_utf8_make_valid((const char *)key, (gssize)key_len);
		g_warning("%s: record '%s' cannot be read (%s); quarantined as '%s%s'",
			  sdag_store_family_name(scan->family),
			  shown,
			  reason,
			  SDAG_QUARANTINE_PREFIX,
			  shown);
	}
	g_ptr_array_add(scan->keys, g_bytes_new(key, key_len));
	if (scan->family == SDAG_STORE_JOBS)
		g_hash_table_add(scan->job_ids, g_strndup((const char *)key, key_len));
	return TRUE;
}

typedef struct {
	GHashTable *job_ids;
	SdagStoreBatch *batch;
} SdagQuarantineIndex;

static gboolean
sdag_quarantine_index_cb(const guint8 *key,
			 gsize key_len,
			 const guint8 *value,
			 gsize value_len,
			 gpointer user_data)
{
	SdagQuarantineIndex *idx = user_data;
	g_autofree char *id = NULL;

	/* meta/ keys hold numbers, not job ids */
	if (key_len >= 5 && memcmp(key, "meta/", 5) == 0)
		return TRUE;
	id = g_strndup((const char *)value, value_len);
	if (g_hash_table_contains(idx->job_ids, id))
		sdag_store_batch_delete(idx->batch, SDAG_STORE_JOB_INDEX, key, key_len);
	return TRUE;
}

/**
 * sdag_quarantine_sweep:
 * @moved: (out) (optional): how many records were quarantined by this call
 *
 * Moves every unreadable pipeline and job record aside (see above). Run it
 * once at start-up, before the registry and the job manager read the store.
 *
 * Returns: %FALSE only when the store itself fails
 */
gboolean
sdag_quarantine_sweep(SdagStore *store, guint *moved, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GHashTable) job_ids =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	gint64 start_us = g_get_monotonic_time();
	guint checked = 0;

	if (moved != NULL)
		*moved = 0;
	for (guint f = 0; f < G_N_ELEMENTS(sdag_quarantine_families); f++) {
		SdagQuarantineScan scan = {keys, job_ids, sdag_quarantine_families[f], 0};
		guint first = keys->len;

		if (!sdag_store_iter_prefix(
			store, scan.family, NULL, 0, sdag_quarantine_scan_cb, &scan, error))
			return FALSE;
		checked += scan.checked;
		for (guint i = first; i < keys->len; i++) {
			GBytes *key = g_ptr_array_index(keys, i);
			g_autoptr(GBytes) value = NULL;
			g_autoptr(GBytes) qkey = NULL;
			gsize key_len = 0;
			const guint8 *k = g_bytes_get_data(key, &key_len);

			value = sdag_store_get(store, scan.family, k, key_len, error);
			if (value == NULL)
				return FALSE;
			qkey = sdag_quarantine_key_new(k, key_len);
			sdag_store_batch_put(batch,
					     scan.family,
					     g_bytes_get_data(qkey, NULL),
					     g_bytes_get_size(qkey),
					     g_bytes_get_data(value, NULL),
					     g_bytes_get_size(value));
			sdag_store_batch_delete(batch, scan.family, k, key_len);
		}
	}
	g_info("checked %u pipeline and job records in %.1f ms: %u unreadable",
	       checked,
	       (double)(g_get_monotonic_time() - start_us) / 1000.0,
	       keys->len);
	if (keys->len == 0)
		return TRUE;
	if (g_hash_table_size(job_ids) > 0) {
		SdagQuarantineIndex idx = {job_ids, batch};
		if (!sdag_store_iter_prefix(store,
					    SDAG_STORE_JOB_INDEX,
					    NULL,
					    0,
					    sdag_quarantine_index_cb,
					    &idx,
					    error))
			return FALSE;
	}
	if (!sdag_store_write(store, batch, TRUE, error))
		return FALSE;
	if (moved != NULL)
		*moved = keys->len;
	return TRUE;
}

/* Whether @key of @family was quarantined (and not deleted since). */
gboolean
sdag_quarantine_contains(SdagStore *store, SdagStoreFamily family, const char *key)
{
	g_autoptr(GBytes) qkey = sdag_quarantine_key_new((const guint8 *)key, strlen(key));
	g_autoptr(GBytes) value = sdag_store_get(
	    store, family, g_bytes_get_data(qkey, NULL), g_bytes_get_size(qkey), NULL);

	return value != NULL;
}

void
sdag_quarantine_batch_delete(SdagStoreBatch *batch, SdagStoreFamily family, const char *key)
{
	g_autoptr(GBytes) qkey = sdag_quarantine_key_new((const guint8 *)key, strlen(key));

	sdag_store_batch_delete(
	    batch, family, g_bytes_get_data(qkey, NULL), g_bytes_get_size(qkey));
}

typedef struct {
	JsonBuilder *b;
	SdagStoreFamily family;
	guint count;
} SdagQuarantineHealth;

static gboolean
sdag_quarantine_health_cb(const guint8 *key,
			  gsize key_len,
			  const guint8 *value,
			  gsize value_len,
			  gpointer user_data)
{
	SdagQuarantineHealth *h = user_data;
	g_autofree char *shown = NULL;
	g_autofree char *reason = NULL;

	if (h->count++ >= SDAG_QUARANTINE_HEALTH_MAX)
		return TRUE;
	shown = g_utf8_make_valid((const char *)key, (gssize)key_len);
	reason = sdag_quarantine_reason(value, value_len);
	json_builder_begin_object(h->b);
	json_builder_set_member_name(h->b, "family");
	json_builder_add_string_value(h->b, sdag_store_family_name(h->family));
	json_builder_set_member_name(h->b, "key");
	json_builder_add_string_value(h->b, shown);
	json_builder_set_member_name(h->b, "reason");
	json_builder_add_string_value(h->b, reason != NULL ? reason : "unreadable record");
	json_builder_end_object(h->b);
	return TRUE;
}

/**
 * sdag_quarantine_add_health:
 * @count: (out): how many records are quarantined
 *
 * Adds `"quarantined": {"count", "records": [{"family", "key", "reason"}]}` to the
 * /healthz object being built, naming at most SDAG_QUARANTINE_HEALTH_MAX records.
 */
void
sdag_quarantine_add_health(SdagStore *store, JsonBuilder *b, guint *count)
{
	SdagQuarantineHealth h = {b, 0, 0};

	json_builder_set_member_name(b, "quarantined");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "records");
	json_builder_begin_array(b);
	for (guint f = 0; f < G_N_ELEMENTS(sdag_quarantine_families); f++) {
		h.family = sdag_quarantine_families[f];
		/* a store error leaves the list short; /healthz itself must answer */
		sdag_store_iter_prefix(store,
				       h.family,
				       (const guint8 *)SDAG_QUARANTINE_PREFIX,
				       strlen(SDAG_QUARANTINE_PREFIX),
				       sdag_quarantine_health_cb,
				       &h,
				       NULL);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "count");
	json_builder_add_int_value(b, h.count);
	json_builder_end_object(b);
	*count = h.count;
}
