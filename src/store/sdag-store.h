/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SdagStoreFamily:
 *
 * The column families of the one RocksDB database (see docs/store.md for the
 * key layout of each). RocksDB's own "default" family holds only the schema
 * version and is not exposed.
 */
typedef enum {
	SDAG_STORE_PIPELINES,
	SDAG_STORE_JOBS,
	SDAG_STORE_JOB_INDEX,
	SDAG_STORE_FRAMES,
	SDAG_STORE_RESULTS,
	SDAG_STORE_METRICS,
	SDAG_STORE_STATE,
	SDAG_STORE_HISTORY,
	SDAG_STORE_OUTBOX,
	SDAG_STORE_CAMERAS,
	SDAG_STORE_N_FAMILIES
} SdagStoreFamily;

typedef struct _SdagStore SdagStore;
typedef struct _SdagStoreBatch SdagStoreBatch;

/* Called for each key/value of a prefix scan, in key order; return FALSE to stop. */
typedef gboolean (*SdagStoreIterFunc)(const guint8 *key,
				      gsize key_len,
				      const guint8 *value,
				      gsize value_len,
				      gpointer user_data);

const char *sdag_store_family_name(SdagStoreFamily family);

/* RocksDB's default memtable size */
#define SDAG_STORE_DEFAULT_WRITE_BUFFER_BYTES (64 * 1024 * 1024)

/**
 * SdagStoreOptions:
 * @write_buffer_bytes: the memtable size of each family; also the free space below which
 *   the store counts as full and refuses writes. 0: SDAG_STORE_DEFAULT_WRITE_BUFFER_BYTES.
 */
typedef struct {
	guint64 write_buffer_bytes;
} SdagStoreOptions;

SdagStore *sdag_store_open(const char *path, GError **error);
SdagStore *
sdag_store_open_with_options(const char *path, const SdagStoreOptions *options, GError **error);
/* Full: writes fail with SDAG_ERROR_STORAGE_FULL; reads go on. */
gint64 sdag_store_get_full_since(SdagStore *self);
gboolean sdag_store_probe(SdagStore *self);
void sdag_store_free(SdagStore *self);
const char *sdag_store_get_path(SdagStore *self);
guint sdag_store_get_schema_version(SdagStore *self);

/* Returns NULL with SDAG_ERROR_NOT_FOUND when the key is absent. */
GBytes *sdag_store_get(SdagStore *self,
		       SdagStoreFamily family,
		       const guint8 *key,
		       gsize key_len,
		       GError **error);
/* Writes are synced (fdatasync) when sync is TRUE: use it for acknowledged state. */
gboolean sdag_store_put(SdagStore *self,
			SdagStoreFamily family,
			const guint8 *key,
			gsize key_len,
			const guint8 *value,
			gsize value_len,
			gboolean sync,
			GError **error);
/* Deleting an absent key is not an error. */
gboolean sdag_store_delete(SdagStore *self,
			   SdagStoreFamily family,
			   const guint8 *key,
			   gsize key_len,
			   gboolean sync,
			   GError **error);
/* Visits every key that starts with prefix (prefix_len 0: the whole family). */
gboolean sdag_store_iter_prefix(SdagStore *self,
				SdagStoreFamily family,
				const guint8 *prefix,
				gsize prefix_len,
				SdagStoreIterFunc func,
				gpointer user_data,
				GError **error);
gboolean sdag_store_iter_prefix_from(SdagStore *self,
				     SdagStoreFamily family,
				     const guint8 *prefix,
				     gsize prefix_len,
				     const guint8 *start,
				     gsize start_len,
				     SdagStoreIterFunc func,
				     gpointer user_data,
				     GError **error);

/* Visits [lower, upper) in key order, or in reverse order. */
gboolean sdag_store_iter_range(SdagStore *self,
			       SdagStoreFamily family,
			       const guint8 *lower,
			       gsize lower_len,
			       const guint8 *upper,
			       gsize upper_len,
			       gboolean reverse,
			       SdagStoreIterFunc func,
			       gpointer user_data,
			       GError **error);
gboolean sdag_store_get_int_property(SdagStore *self, const char *name, guint64 *value);
gboolean sdag_store_get_shared_int_property(SdagStore *self, const char *name, guint64 *value);
gboolean sdag_store_checkpoint(SdagStore *self, const char *dir, GError **error);
/* What the open found in the write-ahead log (RocksDB replays it; a damaged tail is
 * dropped, point-in-time recovery): all zero after a clean stop whose data was flushed. */
typedef struct {
	guint files;
	guint64 bytes;
	guint64 batches;       /* whole write batches replayed */
	guint64 last_sequence; /* the last sequence number among them */
	guint64 dropped_bytes; /* after the first damage, to the end of the log */
	const char *damage;    /* NULL, or "torn", "checksum", "zeroed", "garbage", "fragments" */
	const char *damaged_file; /* the file's name, NULL without damage */
	guint64 damaged_at;	  /* offset in it where the kept batches end */
} SdagStoreWal;

const SdagStoreWal *sdag_store_get_wal(SdagStore *self);
char *sdag_store_dup_property(SdagStore *self, const char *name);
char *sdag_store_dup_family_property(SdagStore *self, SdagStoreFamily family, const char *name);

SdagStoreBatch *sdag_store_batch_new(void);
void sdag_store_batch_free(SdagStoreBatch *batch);
void sdag_store_batch_put(SdagStoreBatch *batch,
			  SdagStoreFamily family,
			  const guint8 *key,
			  gsize key_len,
			  const guint8 *value,
			  gsize value_len);
void sdag_store_batch_delete(SdagStoreBatch *batch,
			     SdagStoreFamily family,
			     const guint8 *key,
			     gsize key_len);
void sdag_store_batch_delete_prefix(SdagStoreBatch *batch,
				    SdagStoreFamily family,
				    const guint8 *prefix,
				    gsize prefix_len);
guint sdag_store_batch_count(SdagStoreBatch *batch);
/* All of the batch or none of it, across families. */
gboolean sdag_store_write(SdagStore *self, SdagStoreBatch *batch, gboolean sync, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagStore, sdag_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagStoreBatch, sdag_store_batch_free)

G_END_DECLS
