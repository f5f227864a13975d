/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why one file over 800 lines: it is the one place RocksDB's C API is used (open and
 * options, the error conversion, the full-disk guard and read-only fallback,
 * iteration, batches), all behind one handle and its lock.
 */
#define G_LOG_DOMAIN "sdag-store"

#include <errno.h>
#include <rocksdb/c.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "sdag-error.h"
#include "sdag-store.h"
#include "sdag-wal.h"

/*
 * SdagStore: the daemon's one RocksDB database.
 *
 * Families: one DB holding RocksDB's own "default" family plus one column family per
 * SdagStoreFamily, named by sdag_store_family_name(). "default" holds only the key
 * "schema_version" (decimal text). A family found on disk that this code does not know (left
 * by another build) is opened too, because RocksDB refuses to open a DB otherwise; it is never
 * read or written, and its data survives.
 *
 * Schema: SDAG_STORE_SCHEMA_VERSION is written when the key is absent (at creation, or when a
 * process died between creating the DB and writing it) and read at every open. A DB with a
 * newer version is refused rather than misread; migrations from older versions go in
 * sdag_store_load_schema_version(). Refusal happens after the open, so the families of this
 * version have been created (empty) by then; no key is written.
 *
 * Durability: every write goes through the write-ahead log. With sync=TRUE the WAL is
 * fdatasync()ed before the call returns (concurrent syncing writers share one fsync): use it
 * for state that is acknowledged to a client. With sync=FALSE a write that returned survives a
 * crash of the process (it is in the kernel's page cache) but may be lost in a crash of the
 * machine: use it for what can be recomputed or lost (frames, metrics). A batch is atomic
 * across families, which share one WAL: recovery replays all of it or none of it.
 *
 * Key layout conventions (docs/store.md has each family's keys): keys are byte strings in
 * bytewise order (RocksDB's default comparator). Integers in keys are fixed-width big-endian
 * (GUINT64_TO_BE) so that byte order is numeric order; composite keys put the grouping part
 * first, so that a group (all frames of one job, say) is one contiguous range that
 * sdag_store_iter_prefix() reads in order with a seek and a scan bounded by the prefix's
 * successor.
 *
 * Ownership and threads: sdag_store_get() returns a new GBytes; everything else is borrowed
 * and copied. After open, SdagStore is never modified and RocksDB is thread-safe, so calls may
 * come from any thread until sdag_store_free(). A SdagStoreBatch is owned by one thread at a
 * time. get/put/delete cost O(log n); a prefix scan O(log n + k) for k keys visited.
 */

#define SDAG_STORE_SCHEMA_VERSION 1
#define SDAG_STORE_SCHEMA_VERSION_KEY "schema_version"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(rocksdb_readoptions_t, rocksdb_readoptions_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rocksdb_iterator_t, rocksdb_iter_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rocksdb_writebatch_t, rocksdb_writebatch_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rocksdb_pinnableslice_t, rocksdb_pinnableslice_destroy)

/* One open RocksDB database and its family handles. */
typedef struct {
	rocksdb_t *db;
	/* every family opened, "default" and unknown ones included: all destroyed at close */
	rocksdb_column_family_handle_t **handles;
	gsize n_handles;
	/* borrowed from handles */
	rocksdb_column_family_handle_t *families[SDAG_STORE_N_FAMILIES];
	gboolean read_only; /* opened so on a full disk: reads only */
} SdagStoreDb;

struct _SdagStore {
	char *path;
	rocksdb_options_t *options;
	rocksdb_readoptions_t *read_options;
	rocksdb_writeoptions_t *write_sync;
	rocksdb_writeoptions_t *write_nosync;
	guint64 min_free_bytes;
	/* Read with g_atomic_pointer_get(): replaced at most once, when a store opened
	 * read-only on a full disk becomes writable (sdag_store_probe()). The read-only one
	 * it replaced stays open in retired until sdag_store_free(), so that a call still
	 * using it finishes safely without any lock on the paths of every call. */
	SdagStoreDb *current;
	SdagStoreDb *retired;
	guint schema_version;
	GMutex lock;	      /* guards full_since_us and the switch to read-write */
	gint64 full_since_us; /* real time the store became full; 0 while it is not */
	gint full;	      /* atomic: full_since_us != 0, read without the lock */
	SdagStoreWal wal;     /* what the open found in the write-ahead log */
	char *wal_damaged_file;
};

typedef struct {
	SdagStoreFamily family;
	GBytes *key;
	GBytes *value; /* NULL for a delete */
	GBytes *end;   /* non-NULL: delete every key in [key, end) */
} SdagStoreOp;

struct _SdagStoreBatch {
	GArray *ops; /* of SdagStoreOp, in the order recorded */
};

static const char *sdag_store_family_names[SDAG_STORE_N_FAMILIES] = {
    [SDAG_STORE_PIPELINES] = "pipelines",
    [SDAG_STORE_JOBS] = "jobs",
    [SDAG_STORE_JOB_INDEX] = "job_index",
    [SDAG_STORE_FRAMES] = "frames",
    [SDAG_STORE_RESULTS] = "results",
    [SDAG_STORE_METRICS] = "metrics",
    [SDAG_STORE_STATE] = "state",
    [SDAG_STORE_HISTORY] = "history",
    [SDAG_STORE_OUTBOX] = "outbox",
    [SDAG_STORE_CAMERAS] = "cameras",
};

static gboolean
sdag_store_check_errptr(SdagStore *self, char *errptr, GError **error, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/*
 * RocksDB says "No space left on device" both for its NoSpace status and for an ENOSPC
 * from the file system (the text of the status subcode and of strerror(ENOSPC)); the C API
 * gives only the text.
 */
static gboolean
sdag_store_errptr_is_no_space(const char *errptr)
{
	return strstr(errptr, "No space left on device") != NULL;
}

static void
sdag_store_set_full(SdagStore *self)
{
	g_mutex_lock(&self->lock);
	if (self->full_since_us == 0) {
		self->full_since_us = g_get_real_time();
		g_atomic_int_set(&self->full, 1);
		g_warning("store %s: no space left: writes are refused (storage_full) until "
			  "at least %" G_GUINT64_FORMAT " bytes are free again",
			  self->path,
			  self->min_free_bytes);
	}
	g_mutex_unlock(&self->lock);
}

static void
sdag_store_clear_full(SdagStore *self)
{
	/* every write passes here: the common case takes no lock */
	if (g_atomic_int_get(&self->full) == 0)
		return;
	g_mutex_lock(&self->lock);
	if (self->full_since_us != 0) {
		self->full_since_us = 0;
		g_atomic_int_set(&self->full, 0);
		g_message("store %s: space available again: writes resumed", self->path);
	}
	g_mutex_unlock(&self->lock);
}

/*
 * The one place where RocksDB's malloc'd error string becomes a GError: returns TRUE when
 * errptr is NULL (no error); otherwise sets SDAG_ERROR_STORAGE_FULL when the disk is full
 * (and marks the store full), SDAG_ERROR_STORE for anything else, with a message that starts
 * with what was being done, frees errptr and returns FALSE.
 */
static gboolean
sdag_store_check_errptr(SdagStore *self, char *errptr, GError **error, const char *format, ...)
{
	va_list args;
	g_autofree char *what = NULL;
	SdagError code = SDAG_ERROR_STORE;

	if (errptr == NULL)
		return TRUE;
	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	if (sdag_store_errptr_is_no_space(errptr)) {
		code = SDAG_ERROR_STORAGE_FULL;
		sdag_store_set_full(self);
	}
	g_set_error(error, SDAG_ERROR, code, "%s: %s", what, errptr);
	rocksdb_free(errptr);
	return FALSE;
}

static SdagStoreDb *
sdag_store_db(SdagStore *self)
{
	return self != NULL ? g_atomic_pointer_get(&self->current) : NULL;
}

/* Free bytes for an unprivileged writer on the store's file system; G_MAXUINT64 when
 * statvfs() fails, so that RocksDB's own answer decides. */
static guint64
sdag_store_free_bytes(SdagStore *self)
{
	struct statvfs st;

	if (statvfs(self->path, &st) != 0)
		return G_MAXUINT64;
	return (guint64)st.f_bavail * (guint64)st.f_frsize;
}

/*
 * Before every write. RocksDB 7.8 (Debian's build keeps its assertions) aborts the process
 * when a file writer that failed once is written again: its info LOG after one failed line,
 * and the WAL when the error handler resumes with every memtable empty and so keeps the
 * failed log writer. Refusing writes here while less than min_free_bytes are free keeps
 * RocksDB's own writes off a full disk in the first place; its error handler still covers
 * what slips through (a flush or compaction that eats the rest).
 */
static gboolean
sdag_store_check_space(SdagStore *self, GError **error)
{
	guint64 avail;

	if (sdag_store_db(self)->read_only) {
		sdag_store_set_full(self);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORAGE_FULL,
			    "the store %s was opened read-only on a full disk",
			    self->path);
		return FALSE;
	}
	avail = sdag_store_free_bytes(self);
	if (avail < self->min_free_bytes) {
		sdag_store_set_full(self);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORAGE_FULL,
			    "no space left for the store %s: %" G_GUINT64_FORMAT
			    " bytes free, %" G_GUINT64_FORMAT " needed",
			    self->path,
			    avail,
			    self->min_free_bytes);
		return FALSE;
	}
	return TRUE;
}

/**
 * sdag_store_family_name:
 * @family: a #SdagStoreFamily
 *
 * Returns: the name of the RocksDB column family, or %NULL for an invalid @family
 */
const char *
sdag_store_family_name(SdagStoreFamily family)
{
	g_return_val_if_fail((guint)family < SDAG_STORE_N_FAMILIES, NULL);
	return sdag_store_family_names[family];
}

/* Reads the schema version, writing it first when the key is absent. */
static gboolean
sdag_store_load_schema_version(SdagStore *self, GError **error)
{
	const char *key = SDAG_STORE_SCHEMA_VERSION_KEY;
	char *errptr = NULL;
	const char *value;
	size_t value_len = 0;
	guint64 version = 0;
	g_autofree char *text = NULL;
	g_autoptr(rocksdb_pinnableslice_t) slice = NULL;
	g_autoptr(GError) error_local = NULL;
	SdagStoreDb *db = sdag_store_db(self);

	slice = rocksdb_get_pinned(db->db, self->read_options, key, strlen(key), &errptr);
	if (!sdag_store_check_errptr(self, errptr, error, "failed to read the schema version"))
		return FALSE;
	if (slice == NULL) {
		if (!sdag_store_check_space(self, error)) {
			g_prefix_error(error, "cannot write the schema version: ");
			return FALSE;
		}
		text = g_strdup_printf("%u", (guint)SDAG_STORE_SCHEMA_VERSION);
		rocksdb_put(
		    db->db, self->write_sync, key, strlen(key), text, strlen(text), &errptr);
		if (!sdag_store_check_errptr(
			self, errptr, error, "failed to write the schema version"))
			return FALSE;
		self->schema_version = SDAG_STORE_SCHEMA_VERSION;
		return TRUE;
	}

	value = rocksdb_pinnableslice_value(slice, &value_len);
	text = g_strndup(value, value_len);
	if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, &version, &error_local)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORE,
			    "invalid schema version: %s",
			    error_local->message);
		return FALSE;
	}
	if (version > SDAG_STORE_SCHEMA_VERSION) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORE,
			    "database schema version %" G_GUINT64_FORMAT
			    " is newer than version %u, the newest this streamdag supports",
			    version,
			    (guint)SDAG_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	/* no older version exists yet: migrations will go here */
	self->schema_version = (guint)version;
	return TRUE;
}

/*
 * The families to open: "default", ours, then any other family the DB on disk has. Listing
 * fails when there is no DB yet (no CURRENT file), and then ours are the whole list; any other
 * failure to list an existing DB is an error.
 */
static GPtrArray *
sdag_store_family_names_to_open(SdagStore *self, GError **error)
{
	char *errptr = NULL;
	char **listed;
	size_t n_listed = 0;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(names, g_strdup("default"));
	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++)
		g_ptr_array_add(names, g_strdup(sdag_store_family_names[i]));

	/* the array is malloc'd even when listing fails */
	listed = rocksdb_list_column_families(self->options, self->path, &n_listed, &errptr);
	if (errptr != NULL) {
		rocksdb_list_column_families_destroy(listed, n_listed);
		g_autofree char *current = g_build_filename(self->path, "CURRENT", NULL);
		if (g_file_test(current, G_FILE_TEST_EXISTS)) {
			sdag_store_check_errptr(self,
						errptr,
						error,
						"failed to list the column families of %s",
						self->path);
			return NULL;
		}
		/* not an error: a new database */
		rocksdb_free(errptr);
		return g_steal_pointer(&names);
	}
	for (size_t i = 0; i < n_listed; i++) {
		gboolean known = FALSE;
		for (guint j = 0; j < names->len && !known; j++)
			known = g_strcmp0(listed[i], g_ptr_array_index(names, j)) == 0;
		if (!known) {
			g_debug("opening unknown column family %s", listed[i]);
			g_ptr_array_add(names, g_strdup(listed[i]));
		}
	}
	rocksdb_list_column_families_destroy(listed, n_listed);
	return g_steal_pointer(&names);
}

static void
sdag_store_db_close(SdagStoreDb *db)
{
	if (db == NULL)
		return;
	/* handles must go before the DB they belong to */
	for (gsize i = 0; i < db->n_handles; i++)
		rocksdb_column_family_handle_destroy(db->handles[i]);
	g_free(db->handles);
	if (db->db != NULL)
		rocksdb_close(db->db);
	g_free(db);
}

/* Opens every family of @names, read-write or read-only. */
static SdagStoreDb *
sdag_store_db_open(SdagStore *self, GPtrArray *names, gboolean read_only, GError **error)
{
	char *errptr = NULL;
	g_autofree const rocksdb_options_t **family_options = NULL;
	g_autofree rocksdb_column_family_handle_t **handles = NULL;
	SdagStoreDb *db;
	rocksdb_t *rdb;

	family_options = g_new(const rocksdb_options_t *, names->len);
	for (guint i = 0; i < names->len; i++)
		family_options[i] = self->options;
	handles = g_new0(rocksdb_column_family_handle_t *, names->len);
	if (read_only)
		rdb = rocksdb_open_for_read_only_column_families(self->options,
								 self->path,
								 (int)names->len,
								 (const char *const *)names->pdata,
								 family_options,
								 handles,
								 0,
								 &errptr);
	else
		rdb = rocksdb_open_column_families(self->options,
						   self->path,
						   (int)names->len,
						   (const char *const *)names->pdata,
						   family_options,
						   handles,
						   &errptr);
	if (!sdag_store_check_errptr(self,
				     errptr,
				     error,
				     "failed to open the store %s%s",
				     self->path,
				     read_only ? " read-only" : ""))
		return NULL;
	db = g_new0(SdagStoreDb, 1);
	db->db = rdb;
	db->read_only = read_only;
	db->n_handles = names->len;
	db->handles = g_steal_pointer(&handles);
	/* names[0] is "default", names[1 + i] is family i */
	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++)
		db->families[i] = db->handles[1 + i];
	return db;
}

/*
 * Read-write when there is room; on a full disk (less than min_free_bytes free, or RocksDB
 * says so while opening) an existing database opens read-only, so that the daemon serves
 * reads, and sdag_store_probe() switches to read-write once space returns. A read-write
 * open writes RocksDB's LOG, MANIFEST and OPTIONS: the free-space check keeps it from
 * starting on a disk where the LOG's first line fails (the next line would abort RocksDB).
 */
static SdagStoreDb *
sdag_store_db_open_best(SdagStore *self, GPtrArray *names, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree char *current = g_build_filename(self->path, "CURRENT", NULL);
	gboolean exists = g_file_test(current, G_FILE_TEST_EXISTS);
	SdagStoreDb *db;

	if (sdag_store_free_bytes(self) >= self->min_free_bytes) {
		db = sdag_store_db_open(self, names, FALSE, &error_local);
		if (db != NULL || !exists ||
		    !g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)) {
			if (db == NULL)
				g_propagate_error(error, g_steal_pointer(&error_local));
			return db;
		}
	} else if (!exists) {
		sdag_store_set_full(self);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORAGE_FULL,
			    "no space left to create the store %s",
			    self->path);
		return NULL;
	}
	sdag_store_set_full(self);
	db = sdag_store_db_open(self, names, TRUE, error);
	if (db != NULL)
		g_warning("store %s: opened read-only: the disk is full", self->path);
	return db;
}

/**
 * sdag_store_open:
 * @path: the database directory, created with its parents when missing
 * @error: (nullable): optional return location for an error
 *
 * sdag_store_open_with_options() with the defaults.
 *
 * Returns: (transfer full): a store, or %NULL with @error set
 */
SdagStore *
sdag_store_open(const char *path, GError **error)
{
	return sdag_store_open_with_options(path, NULL, error);
}

/**
 * sdag_store_open_with_options:
 * @path: the database directory, created with its parents when missing
 * @options: (nullable): sizes; %NULL for the defaults
 * @error: (nullable): optional return location for an error
 *
 * Opens the database at @path, creating it and any missing column family. Fails with
 * %SDAG_ERROR_STORE when the directory cannot be created, RocksDB cannot open it (another
 * process holds it, say) or its schema version is newer than this code's. On a full disk an
 * existing database opens read-only (see sdag_store_get_full_since()); a new one cannot be
 * created there (%SDAG_ERROR_STORAGE_FULL).
 *
 * Returns: (transfer full): a store, or %NULL with @error set
 */
static gint
sdag_store_wal_cmp(gconstpointer a, gconstpointer b)
{
	/* 000012.log before 000103.log: same width, so by length then bytes */
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;
	gsize lx = strlen(x);
	gsize ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

/* The write-ahead log RocksDB will replay at open: what the last run had not flushed. Read
 * first, in order, the way point-in-time recovery reads it, so that what it drops after a
 * damaged record can be said: RocksDB does not. */
static void
sdag_store_scan_wal(SdagStore *self)
{
	g_autoptr(GDir) dir = g_dir_open(self->path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	SdagStoreWal *wal = &self->wal;
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
		if (g_str_has_suffix(name, ".log") && !g_str_has_prefix(name, "LOG"))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, sdag_store_wal_cmp);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *file = g_build_filename(self->path, names->pdata[i], NULL);
		g_autoptr(GError) error = NULL;
		SdagWalScan scan;
		struct stat st;

		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
			continue;
		wal->files++;
		wal->bytes += (guint64)st.st_size;
		if (wal->damage != NULL) {
			/* after a damaged record nothing later is replayed */
			wal->dropped_bytes += (guint64)st.st_size;
			continue;
		}
		if (!sdag_wal_scan_file(file, &scan, &error)) {
			g_warning("%s", error->message);
			continue;
		}
		wal->batches += scan.batches;
		wal->last_sequence = MAX(wal->last_sequence, scan.last_sequence);
		if (scan.damage != NULL) {
			wal->damage = scan.damage;
			wal->dropped_bytes += scan.dropped_bytes;
			self->wal_damaged_file = g_strdup(names->pdata[i]);
			wal->damaged_file = self->wal_damaged_file;
			wal->damaged_at = scan.kept_bytes;
		}
	}
	if (wal->files == 0)
		return;
	g_message("store %s: %u write-ahead log file%s (%" G_GUINT64_FORMAT
		  " bytes) replayed at open: %" G_GUINT64_FORMAT
		  " write batches up to sequence %" G_GUINT64_FORMAT,
		  self->path,
		  wal->files,
		  wal->files == 1 ? "" : "s",
		  wal->bytes,
		  wal->batches,
		  wal->last_sequence);
	if (wal->damage != NULL)
		g_warning("store %s: the write-ahead log is damaged (%s) at byte %" G_GUINT64_FORMAT
			  " of %s: %" G_GUINT64_FORMAT
			  " bytes after the last whole write batch are dropped (point-in-time "
			  "recovery); what was acknowledged before them is kept",
			  self->path,
			  wal->damage,
			  wal->damaged_at,
			  wal->damaged_file,
			  wal->dropped_bytes);
}

/**
 * sdag_store_get_wal:
 * @self: a store
 *
 * Returns: (transfer none): what the open found in the write-ahead log
 */
const SdagStoreWal *
sdag_store_get_wal(SdagStore *self)
{
	return &self->wal;
}

SdagStore *
sdag_store_open_with_options(const char *path, const SdagStoreOptions *options, GError **error)
{
	g_autoptr(SdagStore) self = NULL;
	g_autoptr(GPtrArray) names = NULL;
	guint64 write_buffer = SDAG_STORE_DEFAULT_WRITE_BUFFER_BYTES;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (options != NULL && options->write_buffer_bytes != 0)
		write_buffer = options->write_buffer_bytes;
	if (g_mkdir_with_parents(path, 0700) != 0) {
		int errsv = errno;
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORE,
			    "failed to create the store directory %s: %s",
			    path,
			    g_strerror(errsv));
		return NULL;
	}

	self = g_new0(SdagStore, 1);
	g_mutex_init(&self->lock);
	self->path = g_strdup(path);
	/* RocksDB's error handler resumes writes after a NoSpace error once one memtable's
	 * worth is free (its "reserved disk buffer"): refusing writes below the same amount
	 * makes the store full and writable again at one threshold. */
	self->min_free_bytes = write_buffer;
	self->options = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(self->options, 1);
	rocksdb_options_set_create_missing_column_families(self->options, 1);
	rocksdb_options_set_write_buffer_size(self->options, (size_t)write_buffer);
	/* RocksDB's info LOG sits on the data disk, and its writer aborts the process at the
	 * line after one that hit ENOSPC. Header level writes it at open only (the version and
	 * the options), never while the daemon runs. */
	rocksdb_options_set_info_log_level(self->options, 5 /* HEADER_LEVEL */);
	/* After a crash or a power cut the log's tail may be torn or garbage: replay up to the
	 * first damaged record and drop the rest, rather than refuse to open (an appliance
	 * must not crash-loop). Each batch is one record, so what is kept is whole. */
	rocksdb_options_set_wal_recovery_mode(self->options, 2 /* kPointInTimeRecovery */);
	sdag_store_scan_wal(self);
	{
		/* A point lookup of a key that is not there (an unknown job, a frame past the
		 * end) would read a data block of every SST that might hold it; a bloom filter
		 * answers most of those from memory. 10 bits a key: about 1% false positives.
		 * Existing SSTs gain filters as compaction rewrites them. The factory copies the
		 * table options, the filter policy included. */
		rocksdb_block_based_table_options_t *table = rocksdb_block_based_options_create();
		rocksdb_block_based_options_set_filter_policy(
		    table, rocksdb_filterpolicy_create_bloom_full(10));
		rocksdb_options_set_block_based_table_factory(self->options, table);
		rocksdb_block_based_options_destroy(table);
	}
	self->read_options = rocksdb_readoptions_create();
	self->write_sync = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(self->write_sync, 1);
	self->write_nosync = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(self->write_nosync, 0);

	names = sdag_store_family_names_to_open(self, error);
	if (names == NULL)
		return NULL;
	self->current = sdag_store_db_open_best(self, names, error);
	if (self->current == NULL)
		return NULL;
	if (!sdag_store_load_schema_version(self, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * sdag_store_free:
 * @self: (nullable): a store
 *
 * Closes the database. Writes that returned are not lost: unsynced ones are in the WAL.
 */
void
sdag_store_free(SdagStore *self)
{
	if (self == NULL)
		return;
	sdag_store_db_close(self->current);
	sdag_store_db_close(self->retired);
	if (self->write_nosync != NULL)
		rocksdb_writeoptions_destroy(self->write_nosync);
	if (self->write_sync != NULL)
		rocksdb_writeoptions_destroy(self->write_sync);
	if (self->read_options != NULL)
		rocksdb_readoptions_destroy(self->read_options);
	if (self->options != NULL)
		rocksdb_options_destroy(self->options);
	g_mutex_clear(&self->lock);
	g_free(self->path);
	g_free(self->wal_damaged_file);
	g_free(self);
}

/**
 * sdag_store_get_full_since:
 * @self: a store
 *
 * The store is full from the first write refused for want of space (by RocksDB or by the
 * free-space check before each write) until a write succeeds again.
 *
 * Returns: the real time (g_get_real_time()) it became full, or 0 when it is not full
 */
gint64
sdag_store_get_full_since(SdagStore *self)
{
	gint64 since;

	g_return_val_if_fail(self != NULL, 0);
	g_mutex_lock(&self->lock);
	since = self->full_since_us;
	g_mutex_unlock(&self->lock);
	return since;
}

/*
 * A read-only store (opened on a full disk) becomes read-write: a second, read-write open of
 * the same directory (the read-only one holds no lock), then the switch. The read-only one
 * is closed only at sdag_store_free(): a call may still be using it.
 */
static gboolean
sdag_store_reopen_locked(SdagStore *self, GError **error)
{
	g_autoptr(GPtrArray) names = sdag_store_family_names_to_open(self, error);
	SdagStoreDb *db;

	if (names == NULL)
		return FALSE;
	db = sdag_store_db_open(self, names, FALSE, error);
	if (db == NULL)
		return FALSE;
	self->retired = g_atomic_pointer_get(&self->current);
	g_atomic_pointer_set(&self->current, db);
	g_message("store %s: reopened read-write", self->path);
	return TRUE;
}

/**
 * sdag_store_probe:
 * @self: a store
 *
 * While the store is full, tells whether writes work again, by an empty write (which goes
 * through RocksDB's write path and so answers its error state) after the free-space check,
 * or, for a store opened read-only, by opening it read-write. Cheap when the store is not
 * full (nothing is done) or still full (no RocksDB call unless space is back); the daemon
 * calls it from a timer. Clears the full state on success.
 *
 * Returns: %TRUE when the store takes writes
 */
gboolean
sdag_store_probe(SdagStore *self)
{
	g_autoptr(GError) error = NULL;
	char *errptr = NULL;
	g_autoptr(rocksdb_writebatch_t) empty = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	if (sdag_store_get_full_since(self) == 0)
		return TRUE;
	if (sdag_store_free_bytes(self) < self->min_free_bytes)
		return FALSE;
	g_mutex_lock(&self->lock);
	if (sdag_store_db(self)->read_only && self->retired == NULL &&
	    !sdag_store_reopen_locked(self, &error))
		g_debug("store %s: still read-only: %s", self->path, error->message);
	g_mutex_unlock(&self->lock);
	if (sdag_store_db(self)->read_only)
		return FALSE;
	empty = rocksdb_writebatch_create();
	rocksdb_write(sdag_store_db(self)->db, self->write_nosync, empty, &errptr);
	if (errptr != NULL) {
		rocksdb_free(errptr);
		return FALSE;
	}
	sdag_store_clear_full(self);
	return TRUE;
}

/**
 * sdag_store_get_path:
 * @self: a store
 *
 * Returns: the directory the store was opened at
 */
const char *
sdag_store_get_path(SdagStore *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->path;
}

/**
 * sdag_store_get_schema_version:
 * @self: a store
 *
 * Returns: the schema version of the open database
 */
guint
sdag_store_get_schema_version(SdagStore *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->schema_version;
}

/**
 * sdag_store_get:
 * @self: a store
 * @family: the family to read
 * @key: (array length=key_len): the key
 * @key_len: length of @key
 * @error: (nullable): optional return location for an error
 *
 * Returns: (transfer full): a copy of the value, or %NULL with %SDAG_ERROR_NOT_FOUND when the
 * key is absent, %SDAG_ERROR_STORE when RocksDB fails
 */
GBytes *
sdag_store_get(SdagStore *self,
	       SdagStoreFamily family,
	       const guint8 *key,
	       gsize key_len,
	       GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *errptr = NULL;
	const char *value;
	size_t value_len = 0;
	g_autoptr(rocksdb_pinnableslice_t) slice = NULL;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail((guint)family < SDAG_STORE_N_FAMILIES, NULL);
	g_return_val_if_fail(key != NULL || key_len == 0, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	/* a pinned read tells "absent" from "empty" and saves one copy of the value */
	slice = rocksdb_get_pinned_cf(
	    db->db, self->read_options, db->families[family], (const char *)key, key_len, &errptr);
	if (!sdag_store_check_errptr(
		self, errptr, error, "failed to read from %s", sdag_store_family_names[family]))
		return NULL;
	if (slice == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_NOT_FOUND,
			    "no such key in %s",
			    sdag_store_family_names[family]);
		return NULL;
	}
	value = rocksdb_pinnableslice_value(slice, &value_len);
	return g_bytes_new(value, value_len);
}

/**
 * sdag_store_put:
 * @self: a store
 * @family: the family to write
 * @key: (array length=key_len): the key
 * @key_len: length of @key
 * @value: (array length=value_len): the value, copied
 * @value_len: length of @value
 * @sync: whether to fdatasync before returning; see the durability contract above
 * @error: (nullable): optional return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
sdag_store_put(SdagStore *self,
	       SdagStoreFamily family,
	       const guint8 *key,
	       gsize key_len,
	       const guint8 *value,
	       gsize value_len,
	       gboolean sync,
	       GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *errptr = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail((guint)family < SDAG_STORE_N_FAMILIES, FALSE);
	g_return_val_if_fail(key != NULL || key_len == 0, FALSE);
	g_return_val_if_fail(value != NULL || value_len == 0, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!sdag_store_check_space(self, error)) {
		g_prefix_error(error, "failed to write to %s: ", sdag_store_family_names[family]);
		return FALSE;
	}
	rocksdb_put_cf(db->db,
		       sync ? self->write_sync : self->write_nosync,
		       db->families[family],
		       (const char *)key,
		       key_len,
		       (const char *)value,
		       value_len,
		       &errptr);
	if (!sdag_store_check_errptr(
		self, errptr, error, "failed to write to %s", sdag_store_family_names[family]))
		return FALSE;
	sdag_store_clear_full(self);
	return TRUE;
}

/**
 * sdag_store_delete:
 * @self: a store
 * @family: the family to write
 * @key: (array length=key_len): the key
 * @key_len: length of @key
 * @sync: whether to fdatasync before returning
 * @error: (nullable): optional return location for an error
 *
 * Deletes a key; deleting an absent key succeeds.
 *
 * Returns: %TRUE on success
 */
gboolean
sdag_store_delete(SdagStore *self,
		  SdagStoreFamily family,
		  const guint8 *key,
		  gsize key_len,
		  gboolean sync,
		  GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *errptr = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail((guint)family < SDAG_STORE_N_FAMILIES, FALSE);
	g_return_val_if_fail(key != NULL || key_len == 0, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (!sdag_store_check_space(self, error)) {
		g_prefix_error(
		    error, "failed to delete from %s: ", sdag_store_family_names[family]);
		return FALSE;
	}
	rocksdb_delete_cf(db->db,
			  sync ? self->write_sync : self->write_nosync,
			  db->families[family],
			  (const char *)key,
			  key_len,
			  &errptr);
	if (!sdag_store_check_errptr(
		self, errptr, error, "failed to delete from %s", sdag_store_family_names[family]))
		return FALSE;
	sdag_store_clear_full(self);
	return TRUE;
}

/*
 * The smallest key greater than every key that starts with prefix: drop trailing 0xff bytes,
 * then increment the last byte. NULL when the prefix is all 0xff, which has no such bound.
 */
static guint8 *
sdag_store_prefix_successor(const guint8 *prefix, gsize prefix_len, gsize *successor_len)
{
	guint8 *successor;

	while (prefix_len > 0 && prefix[prefix_len - 1] == 0xff)
		prefix_len--;
	if (prefix_len == 0)
		return NULL;
	successor = g_memdup2(prefix, prefix_len);
	successor[prefix_len - 1]++;
	*successor_len = prefix_len;
	return successor;
}

/* RocksDB's default bytewise order */
static int
sdag_store_key_cmp(const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
	int r = memcmp(a, b, MIN(a_len, b_len));
	if (r != 0)
		return r;
	return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* Visits keys from where @iter was positioned, while they start with @prefix (when given),
 * until @func says stop; then reports a RocksDB error met on the way. */
static gboolean
sdag_store_iter_run(SdagStore *self,
		    rocksdb_iterator_t *iter,
		    gboolean reverse,
		    SdagStoreFamily family,
		    const guint8 *prefix,
		    gsize prefix_len,
		    SdagStoreIterFunc func,
		    gpointer user_data,
		    GError **error)
{
	char *errptr = NULL;

	for (; rocksdb_iter_valid(iter);
	     reverse ? rocksdb_iter_prev(iter) : rocksdb_iter_next(iter)) {
		size_t key_len = 0;
		size_t value_len = 0;
		const char *key = rocksdb_iter_key(iter, &key_len);
		const char *value;

		/* A guard, not a mechanism: the upper bound ends the scan, and an all-0xff prefix,
		 * which has none, needs none (every key >= it starts with it). */
		if (prefix_len > 0 &&
		    (key_len < prefix_len || memcmp(key, prefix, prefix_len) != 0))
			break;
		value = rocksdb_iter_value(iter, &value_len);
		if (!func(
			(const guint8 *)key, key_len, (const guint8 *)value, value_len, user_data))
			break;
	}
	rocksdb_iter_get_error(iter, &errptr);
	return sdag_store_check_errptr(
	    self, errptr, error, "failed to iterate over %s", sdag_store_family_names[family]);
}

/**
 * sdag_store_iter_prefix:
 * @self: a store
 * @family: the family to scan
 * @prefix: (array length=prefix_len) (nullable): the prefix
 * @prefix_len: length of @prefix; 0 scans the whole family
 * @func: called for each key that starts with @prefix, in key order, with the whole key
 * @user_data: passed to @func
 * @error: (nullable): optional return location for an error
 *
 * Scans a consistent snapshot taken when the scan starts: writes made meanwhile, by @func or
 * another thread, are not seen. @func returning %FALSE stops the scan; that is not an error.
 * The key and value passed to @func are valid only during the call.
 *
 * Returns: %TRUE unless RocksDB failed
 */
gboolean
sdag_store_iter_prefix(SdagStore *self,
		       SdagStoreFamily family,
		       const guint8 *prefix,
		       gsize prefix_len,
		       SdagStoreIterFunc func,
		       gpointer user_data,
		       GError **error)
{
	return sdag_store_iter_prefix_from(
	    self, family, prefix, prefix_len, NULL, 0, func, user_data, error);
}

/**
 * sdag_store_iter_prefix_from:
 * @start: (array length=start_len) (nullable): the first key to visit (or the next one after
 *   it in order); keys before it are skipped by one seek, which is what makes cursor
 *   pagination O(log n + page) instead of O(offset)
 *
 * Like sdag_store_iter_prefix(), starting at @start when it sorts after @prefix.
 */
gboolean
sdag_store_iter_prefix_from(SdagStore *self,
			    SdagStoreFamily family,
			    const guint8 *prefix,
			    gsize prefix_len,
			    const guint8 *start,
			    gsize start_len,
			    SdagStoreIterFunc func,
			    gpointer user_data,
			    GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	gsize upper_len = 0;
	/* declared in this order so that the iterator goes first, then the read options that
	 * point at the bound, then the bound itself */
	g_autofree guint8 *upper = NULL;
	g_autoptr(rocksdb_readoptions_t) read_options = NULL;
	g_autoptr(rocksdb_iterator_t) iter = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail((guint)family < SDAG_STORE_N_FAMILIES, FALSE);
	g_return_val_if_fail(prefix != NULL || prefix_len == 0, FALSE);
	g_return_val_if_fail(func != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	read_options = rocksdb_readoptions_create();
	if (prefix_len > 0)
		upper = sdag_store_prefix_successor(prefix, prefix_len, &upper_len);
	/* lets RocksDB stop at the bound instead of reading the next range's tombstones */
	if (upper != NULL)
		rocksdb_readoptions_set_iterate_upper_bound(
		    read_options, (const char *)upper, upper_len);
	iter = rocksdb_create_iterator_cf(db->db, read_options, db->families[family]);
	if (start != NULL && sdag_store_key_cmp(start, start_len, prefix, prefix_len) > 0)
		rocksdb_iter_seek(iter, (const char *)start, start_len);
	else if (prefix_len > 0)
		rocksdb_iter_seek(iter, (const char *)prefix, prefix_len);
	else
		rocksdb_iter_seek_to_first(iter);
	return sdag_store_iter_run(
	    self, iter, FALSE, family, prefix, prefix_len, func, user_data, error);
}

/**
 * sdag_store_iter_range:
 * @lower: (array length=lower_len): the first key of the range (inclusive)
 * @upper: (array length=upper_len): the end of the range (exclusive)
 * @reverse: visit the range from its last key down to @lower
 *
 * Visits every key in [@lower, @upper) in key order, or in reverse order, from a consistent
 * snapshot; @func returning %FALSE stops the scan. Both bounds are given to RocksDB, so a
 * scan in either direction costs O(log n + k) for k keys visited.
 *
 * Returns: %TRUE unless RocksDB failed
 */
gboolean
sdag_store_iter_range(SdagStore *self,
		      SdagStoreFamily family,
		      const guint8 *lower,
		      gsize lower_len,
		      const guint8 *upper,
		      gsize upper_len,
		      gboolean reverse,
		      SdagStoreIterFunc func,
		      gpointer user_data,
		      GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	g_autoptr(rocksdb_readoptions_t) read_options = NULL;
	g_autoptr(rocksdb_iterator_t) iter = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail((guint)family < SDAG_STORE_N_FAMILIES, FALSE);
	g_return_val_if_fail(lower != NULL && upper != NULL, FALSE);
	g_return_val_if_fail(func != NULL, FALSE);

	read_options = rocksdb_readoptions_create();
	rocksdb_readoptions_set_iterate_lower_bound(read_options, (const char *)lower, lower_len);
	rocksdb_readoptions_set_iterate_upper_bound(read_options, (const char *)upper, upper_len);
	iter = rocksdb_create_iterator_cf(db->db, read_options, db->families[family]);
	if (reverse)
		rocksdb_iter_seek_to_last(iter);
	else
		rocksdb_iter_seek_to_first(iter);
	return sdag_store_iter_run(self, iter, reverse, family, NULL, 0, func, user_data, error);
}

/**
 * sdag_store_checkpoint:
 * @dir: a directory that does not exist yet; on the store's file system its files are hard
 *   links, so it costs little space until the store's own files are compacted away
 *
 * A consistent copy of every family as of now (RocksDB's checkpoint: the memtables are
 * flushed first), made while the store is in use: what a backup and the online consistency
 * check read. @dir opens as a store of its own.
 */
gboolean
sdag_store_checkpoint(SdagStore *self, const char *dir, GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *errptr = NULL;
	rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(db->db, &errptr);

	if (!sdag_store_check_errptr(self, errptr, error, "checkpoint of %s", self->path))
		return FALSE;
	/* 0: always flush the memtables, so that the copy needs no WAL to be whole */
	rocksdb_checkpoint_create(cp, dir, 0, &errptr);
	rocksdb_checkpoint_object_destroy(cp);
	return sdag_store_check_errptr(
	    self, errptr, error, "checkpoint of %s into %s", self->path, dir);
}

/**
 * sdag_store_get_shared_int_property:
 * @name: a RocksDB integer property of what the families share ("rocksdb.block-cache-usage")
 *
 * Returns: the property, counted once; %FALSE when RocksDB does not know it
 */
gboolean
sdag_store_get_shared_int_property(SdagStore *self, const char *name, guint64 *value)
{
	uint64_t v = 0;
	gboolean found = rocksdb_property_int(sdag_store_db(self)->db, name, &v) == 0;

	*value = v;
	return found;
}

/**
 * sdag_store_get_int_property:
 * @name: a RocksDB integer property ("rocksdb.total-sst-files-size", ...)
 *
 * Returns: the property summed over the families of streamdag; %FALSE when RocksDB does not
 * know it
 */
gboolean
sdag_store_get_int_property(SdagStore *self, const char *name, guint64 *value)
{
	SdagStoreDb *db = sdag_store_db(self);
	gboolean found = FALSE;

	*value = 0;
	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++) {
		uint64_t v = 0;
		if (rocksdb_property_int_cf(db->db, db->families[i], name, &v) == 0) {
			*value += v;
			found = TRUE;
		}
	}
	return found;
}

/**
 * sdag_store_dup_property:
 * @name: a RocksDB database property ("rocksdb.dbstats", ...)
 *
 * Returns: (transfer full) (nullable): its text, or NULL when RocksDB does not know it
 */
char *
sdag_store_dup_property(SdagStore *self, const char *name)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *value = rocksdb_property_value(db->db, name);
	char *copy = g_strdup(value);

	rocksdb_free(value);
	return copy;
}

/**
 * sdag_store_dup_family_property:
 * @name: a RocksDB column family property ("rocksdb.aggregated-table-properties", ...)
 *
 * Returns: (transfer full) (nullable): its text for @family, or NULL when RocksDB does not
 * know it
 */
char *
sdag_store_dup_family_property(SdagStore *self, SdagStoreFamily family, const char *name)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *value = rocksdb_property_value_cf(db->db, db->families[family], name);
	char *copy = g_strdup(value);

	rocksdb_free(value);
	return copy;
}

static void
sdag_store_op_clear(gpointer data)
{
	SdagStoreOp *op = data;
	g_clear_pointer(&op->key, g_bytes_unref);
	g_clear_pointer(&op->value, g_bytes_unref);
	g_clear_pointer(&op->end, g_bytes_unref);
}

/**
 * sdag_store_batch_new:
 *
 * A batch records puts and deletes, copying keys and values, to be applied all at once by
 * sdag_store_write(). It needs no store, so it can be built anywhere.
 *
 * Returns: (transfer full): an empty batch
 */
SdagStoreBatch *
sdag_store_batch_new(void)
{
	SdagStoreBatch *batch = g_new0(SdagStoreBatch, 1);
	batch->ops = g_array_new(FALSE, FALSE, sizeof(SdagStoreOp));
	g_array_set_clear_func(batch->ops, sdag_store_op_clear);
	return batch;
}

/**
 * sdag_store_batch_free:
 * @batch: (nullable): a batch
 *
 * Frees a batch, written or not. An unwritten batch changes nothing.
 */
void
sdag_store_batch_free(SdagStoreBatch *batch)
{
	if (batch == NULL)
		return;
	g_array_unref(batch->ops);
	g_free(batch);
}

/**
 * sdag_store_batch_put:
 * @batch: a batch
 * @family: the family to write
 * @key: (array length=key_len): the key, copied
 * @key_len: length of @key
 * @value: (array length=value_len): the value, copied
 * @value_len: length of @value
 *
 * Records a put. Operations apply in the order recorded: a later one on the same key wins.
 */
void
sdag_store_batch_put(SdagStoreBatch *batch,
		     SdagStoreFamily family,
		     const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len)
{
	SdagStoreOp op = {.family = family};

	g_return_if_fail(batch != NULL);
	g_return_if_fail((guint)family < SDAG_STORE_N_FAMILIES);
	g_return_if_fail(key != NULL || key_len == 0);
	g_return_if_fail(value != NULL || value_len == 0);

	op.key = g_bytes_new(key, key_len);
	op.value = g_bytes_new(value, value_len);
	g_array_append_val(batch->ops, op);
}

/**
 * sdag_store_batch_delete:
 * @batch: a batch
 * @family: the family to write
 * @key: (array length=key_len): the key, copied
 * @key_len: length of @key
 *
 * Records a delete, which succeeds for an absent key.
 */
void
sdag_store_batch_delete(SdagStoreBatch *batch,
			SdagStoreFamily family,
			const guint8 *key,
			gsize key_len)
{
	SdagStoreOp op = {.family = family};

	g_return_if_fail(batch != NULL);
	g_return_if_fail((guint)family < SDAG_STORE_N_FAMILIES);
	g_return_if_fail(key != NULL || key_len == 0);

	op.key = g_bytes_new(key, key_len);
	g_array_append_val(batch->ops, op);
}

/**
 * sdag_store_batch_delete_prefix:
 * @batch: a batch
 * @family: the family to write
 * @prefix: (array length=prefix_len): the prefix, copied; not empty and not all 0xff
 * @prefix_len: length of @prefix
 *
 * Records the deletion of every key that starts with @prefix, as one range tombstone: the
 * cost does not grow with the number of keys, and the range goes with the rest of the batch
 * or not at all.
 */
void
sdag_store_batch_delete_prefix(SdagStoreBatch *batch,
			       SdagStoreFamily family,
			       const guint8 *prefix,
			       gsize prefix_len)
{
	SdagStoreOp op = {.family = family};
	gsize end_len = 0;
	guint8 *end;

	g_return_if_fail(batch != NULL);
	g_return_if_fail((guint)family < SDAG_STORE_N_FAMILIES);
	g_return_if_fail(prefix != NULL && prefix_len > 0);

	end = sdag_store_prefix_successor(prefix, prefix_len, &end_len);
	g_return_if_fail(end != NULL);
	op.key = g_bytes_new(prefix, prefix_len);
	op.end = g_bytes_new_take(end, end_len);
	g_array_append_val(batch->ops, op);
}

/**
 * sdag_store_batch_count:
 * @batch: a batch
 *
 * Returns: the number of operations recorded
 */
guint
sdag_store_batch_count(SdagStoreBatch *batch)
{
	g_return_val_if_fail(batch != NULL, 0);
	return batch->ops->len;
}

/**
 * sdag_store_write:
 * @self: a store
 * @batch: a batch; not modified, so it may be written again
 * @sync: whether to fdatasync before returning
 * @error: (nullable): optional return location for an error
 *
 * Applies all of @batch or none of it, across families, as one RocksDB WriteBatch.
 *
 * Returns: %TRUE on success
 */
gboolean
sdag_store_write(SdagStore *self, SdagStoreBatch *batch, gboolean sync, GError **error)
{
	SdagStoreDb *db = sdag_store_db(self);
	char *errptr = NULL;
	g_autoptr(rocksdb_writebatch_t) writebatch = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(batch != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	/* nothing to apply, and no reason to pay for a sync */
	if (batch->ops->len == 0)
		return TRUE;

	if (!sdag_store_check_space(self, error)) {
		g_prefix_error(
		    error, "failed to write a batch of %u operations: ", batch->ops->len);
		return FALSE;
	}
	writebatch = rocksdb_writebatch_create();
	for (guint i = 0; i < batch->ops->len; i++) {
		SdagStoreOp *op = &g_array_index(batch->ops, SdagStoreOp, i);
		gsize key_len = 0;
		const char *key = g_bytes_get_data(op->key, &key_len);

		if (op->value != NULL) {
			gsize value_len = 0;
			const char *value = g_bytes_get_data(op->value, &value_len);
			rocksdb_writebatch_put_cf(
			    writebatch, db->families[op->family], key, key_len, value, value_len);
		} else if (op->end != NULL) {
			gsize end_len = 0;
			const char *end = g_bytes_get_data(op->end, &end_len);
			rocksdb_writebatch_delete_range_cf(
			    writebatch, db->families[op->family], key, key_len, end, end_len);
		} else {
			rocksdb_writebatch_delete_cf(
			    writebatch, db->families[op->family], key, key_len);
		}
	}
	rocksdb_write(db->db, sync ? self->write_sync : self->write_nosync, writebatch, &errptr);
	if (!sdag_store_check_errptr(
		self, errptr, error, "failed to write a batch of %u operations", batch->ops->len))
		return FALSE;
	sdag_store_clear_full(self);
	return TRUE;
}
