/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-jobcache"

#include "config.h"

#include "sdag-jobcache.h"

#include <string.h>

/*
 * The serialized public JSON of terminal jobs, kept so that reads of them
 * neither read the store nor parse and re-serialize JSON. A terminal job's
 * answer never changes (its status is final; only DELETE removes it, and
 * removes it here too), so an entry is never stale.
 *
 * Least recently used first out, bounded by bytes: the texts, the id and a
 * fixed overhead per entry count against the bound. A text larger than the
 * whole bound is not kept.
 */

/* the entry, its link, its key and the hash table's slot, roughly */
#define SDAG_JOB_CACHE_OVERHEAD 128

typedef struct {
	char *id;
	GBytes *text[SDAG_JOB_CACHE_N_KINDS];
	GList link; /* in lru; data points to the entry */
	gsize size;
} SdagJobCacheEntry;

struct _SdagJobCache {
	gsize max_bytes;
	gsize size;
	GHashTable *by_id; /* id -> SdagJobCacheEntry, owned */
	GQueue lru;	   /* most recently used at the head */
	guint64 hits;
	guint64 misses;
};

static void
sdag_job_cache_entry_free(SdagJobCacheEntry *e)
{
	for (guint i = 0; i < SDAG_JOB_CACHE_N_KINDS; i++)
		g_clear_pointer(&e->text[i], g_bytes_unref);
	g_free(e->id);
	g_free(e);
}

/* Returns: (transfer full): an empty cache holding at most @max_bytes */
SdagJobCache *
sdag_job_cache_new(gsize max_bytes)
{
	SdagJobCache *self = g_new0(SdagJobCache, 1);

	self->max_bytes = max_bytes;
	self->by_id = g_hash_table_new_full(
	    g_str_hash, g_str_equal, NULL, (GDestroyNotify)sdag_job_cache_entry_free);
	g_queue_init(&self->lru);
	return self;
}

void
sdag_job_cache_free(SdagJobCache *self)
{
	if (self == NULL)
		return;
	g_hash_table_destroy(self->by_id);
	g_free(self);
}

static void
sdag_job_cache_drop(SdagJobCache *self, SdagJobCacheEntry *e)
{
	g_queue_unlink(&self->lru, &e->link);
	self->size -= e->size;
	g_hash_table_remove(self->by_id, e->id);
}

/* Returns: (transfer full) (nullable): the text kept for the job, or NULL */
GBytes *
sdag_job_cache_lookup(SdagJobCache *self, const char *job_id, SdagJobCacheKind kind)
{
	SdagJobCacheEntry *e = g_hash_table_lookup(self->by_id, job_id);

	if (e == NULL || e->text[kind] == NULL) {
		self->misses++;
		return NULL;
	}
	self->hits++;
	g_queue_unlink(&self->lru, &e->link);
	g_queue_push_head_link(&self->lru, &e->link);
	return g_bytes_ref(e->text[kind]);
}

/* Keeps @text (a reference is taken) for the job, then drops the least recently used
 * entries until the cache is within its bound. */
void
sdag_job_cache_insert(SdagJobCache *self, const char *job_id, SdagJobCacheKind kind, GBytes *text)
{
	SdagJobCacheEntry *e = g_hash_table_lookup(self->by_id, job_id);
	gsize old = 0;

	if (e == NULL) {
		if (SDAG_JOB_CACHE_OVERHEAD + strlen(job_id) + g_bytes_get_size(text) >
		    self->max_bytes)
			return;
		e = g_new0(SdagJobCacheEntry, 1);
		e->id = g_strdup(job_id);
		e->link.data = e;
		e->size = SDAG_JOB_CACHE_OVERHEAD + strlen(job_id);
		self->size += e->size;
		g_hash_table_insert(self->by_id, e->id, e);
	} else {
		g_queue_unlink(&self->lru, &e->link);
	}
	g_queue_push_head_link(&self->lru, &e->link);
	if (e->text[kind] != NULL) {
		old = g_bytes_get_size(e->text[kind]);
		g_bytes_unref(e->text[kind]);
	}
	e->text[kind] = g_bytes_ref(text);
	e->size = e->size - old + g_bytes_get_size(text);
	self->size = self->size - old + g_bytes_get_size(text);
	while (self->size > self->max_bytes)
		sdag_job_cache_drop(self, self->lru.tail->data);
}

void
sdag_job_cache_remove(SdagJobCache *self, const char *job_id)
{
	SdagJobCacheEntry *e = g_hash_table_lookup(self->by_id, job_id);

	if (e != NULL)
		sdag_job_cache_drop(self, e);
}

/* Returns: the bytes counted against the bound */
gsize
sdag_job_cache_get_size(SdagJobCache *self)
{
	return self->size;
}

/* Returns: the jobs kept */
guint
sdag_job_cache_get_count(SdagJobCache *self)
{
	return g_hash_table_size(self->by_id);
}

void
sdag_job_cache_get_stats(SdagJobCache *self, SdagJobCacheStats *stats)
{
	stats->bytes = self->size;
	stats->entries = g_hash_table_size(self->by_id);
	stats->hits = self->hits;
	stats->misses = self->misses;
}
