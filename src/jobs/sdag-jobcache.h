/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the cache keeps of a job: the GET /jobs/{id} answer, or its item in GET /jobs. */
typedef enum {
	SDAG_JOB_CACHE_FULL,
	SDAG_JOB_CACHE_ITEM,
	SDAG_JOB_CACHE_N_KINDS,
} SdagJobCacheKind;

typedef struct _SdagJobCache SdagJobCache;

/* What an operator sizes the cache by: its fill, and how often a lookup found its text. */
typedef struct {
	gsize bytes;
	guint entries;
	guint64 hits;
	guint64 misses;
} SdagJobCacheStats;

SdagJobCache *sdag_job_cache_new(gsize max_bytes);
void sdag_job_cache_free(SdagJobCache *self);
GBytes *sdag_job_cache_lookup(SdagJobCache *self, const char *job_id, SdagJobCacheKind kind);
void
sdag_job_cache_insert(SdagJobCache *self, const char *job_id, SdagJobCacheKind kind, GBytes *text);
void sdag_job_cache_remove(SdagJobCache *self, const char *job_id);
gsize sdag_job_cache_get_size(SdagJobCache *self);
guint sdag_job_cache_get_count(SdagJobCache *self);
void sdag_job_cache_get_stats(SdagJobCache *self, SdagJobCacheStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagJobCache, sdag_job_cache_free)

G_END_DECLS
