/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-store-test"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <rocksdb/c.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdag-error.h"
#include "sdag-query.h"
#include "sdag-store.h"
#include "sdag-test-util.h"

/* the names a DB of schema version 1 must have on disk, sorted */
static const char *expected_families[] = {
    "cameras",
    "default",
    "frames",
    "history",
    "job_index",
    "jobs",
    "metrics",
    "outbox",
    "pipelines",
    "results",
    "state",
};

typedef struct {
	char *tmpdir;
	char *path; /* tmpdir/data/db: does not exist yet, so open must create it */
} StoreFixture;

static void
store_fixture_setup(StoreFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("sdag-store-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->path = g_build_filename(fixture->tmpdir, "data", "db", NULL);
}

static void
store_fixture_teardown(StoreFixture *fixture, gconstpointer user_data)
{
	sdag_test_rmtree(fixture->tmpdir);
	g_assert_false(g_file_test(fixture->tmpdir, G_FILE_TEST_EXISTS));
	g_free(fixture->tmpdir);
	g_free(fixture->path);
}

/* Direct RocksDB access, to see and tamper with what the store left on disk. */
typedef struct {
	rocksdb_t *db;
	rocksdb_options_t *options;
	rocksdb_readoptions_t *read_options;
	rocksdb_writeoptions_t *write_options;
	char **names;
	rocksdb_column_family_handle_t **handles;
	size_t n_handles;
} RawDb;

static char **
raw_list_families(const char *path, size_t *n_names)
{
	char *errptr = NULL;
	rocksdb_options_t *options = rocksdb_options_create();
	char **names = rocksdb_list_column_families(options, path, n_names, &errptr);

	g_assert_null(errptr);
	rocksdb_options_destroy(options);
	return names;
}

/* Opens an existing DB with all its families, as RocksDB requires. */
static RawDb *
raw_open(const char *path)
{
	char *errptr = NULL;
	RawDb *raw = g_new0(RawDb, 1);
	g_autofree const rocksdb_options_t **family_options = NULL;

	raw->options = rocksdb_options_create();
	raw->read_options = rocksdb_readoptions_create();
	raw->write_options = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(raw->write_options, 1);
	raw->names = raw_list_families(path, &raw->n_handles);
	family_options = g_new(const rocksdb_options_t *, raw->n_handles);
	for (size_t i = 0; i < raw->n_handles; i++)
		family_options[i] = raw->options;
	raw->handles = g_new0(rocksdb_column_family_handle_t *, raw->n_handles);
	raw->db = rocksdb_open_column_families(raw->options,
					       path,
					       (int)raw->n_handles,
					       (const char *const *)raw->names,
					       family_options,
					       raw->handles,
					       &errptr);
	g_assert_null(errptr);
	g_assert_nonnull(raw->db);
	return raw;
}

static void
raw_close(RawDb *raw)
{
	for (size_t i = 0; i < raw->n_handles; i++)
		rocksdb_column_family_handle_destroy(raw->handles[i]);
	g_free(raw->handles);
	rocksdb_list_column_families_destroy(raw->names, raw->n_handles);
	rocksdb_close(raw->db);
	rocksdb_writeoptions_destroy(raw->write_options);
	rocksdb_readoptions_destroy(raw->read_options);
	rocksdb_options_destroy(raw->options);
	g_free(raw);
}

static rocksdb_column_family_handle_t *
raw_family(RawDb *raw, const char *name)
{
	for (size_t i = 0; i < raw->n_handles; i++) {
		if (g_strcmp0(raw->names[i], name) == 0)
			return raw->handles[i];
	}
	g_assert_not_reached();
}

static void
raw_put_schema_version(const char *path, const char *version)
{
	char *errptr = NULL;
	RawDb *raw = raw_open(path);

	rocksdb_put(raw->db,
		    raw->write_options,
		    "schema_version",
		    strlen("schema_version"),
		    version,
		    strlen(version),
		    &errptr);
	g_assert_null(errptr);
	raw_close(raw);
}

static char *
raw_get_schema_version(const char *path)
{
	char *errptr = NULL;
	size_t len = 0;
	RawDb *raw = raw_open(path);
	char *value = rocksdb_get(
	    raw->db, raw->read_options, "schema_version", strlen("schema_version"), &len, &errptr);
	char *result;

	g_assert_null(errptr);
	g_assert_nonnull(value);
	result = g_strndup(value, len);
	rocksdb_free(value);
	raw_close(raw);
	return result;
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static void
put_str(SdagStore *store, SdagStoreFamily family, const char *key, const char *value, gboolean sync)
{
	g_autoptr(GError) error = NULL;
	gboolean ret = sdag_store_put(store,
				      family,
				      (const guint8 *)key,
				      strlen(key),
				      (const guint8 *)value,
				      strlen(value),
				      sync,
				      &error);
	g_assert_no_error(error);
	g_assert_true(ret);
}

/* asserts the value of key, or its absence when value is NULL */
static void
assert_value(SdagStore *store, SdagStoreFamily family, const char *key, const char *value)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes =
	    sdag_store_get(store, family, (const guint8 *)key, strlen(key), &error);

	if (value == NULL) {
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND);
		g_assert_null(bytes);
		return;
	}
	g_assert_no_error(error);
	g_assert_nonnull(bytes);
	g_assert_cmpmem(
	    g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), value, strlen(value));
}

static void
test_store_open_families(StoreFixture *fixture, gconstpointer user_data)
{
	static const char *names[SDAG_STORE_N_FAMILIES] = {
	    "pipelines",
	    "jobs",
	    "job_index",
	    "frames",
	    "results",
	    "metrics",
	    "state",
	    "history",
	    "outbox",
	    "cameras",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autofree char *version = NULL;
	char **listed;
	size_t n_listed = 0;

	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++)
		g_assert_cmpstr(sdag_store_family_name(i), ==, names[i]);

	g_assert_false(g_file_test(fixture->path, G_FILE_TEST_EXISTS));
	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	g_assert_true(g_file_test(fixture->path, G_FILE_TEST_IS_DIR));
	g_assert_cmpstr(sdag_store_get_path(store), ==, fixture->path);
	g_assert_cmpuint(sdag_store_get_schema_version(store), ==, 1);

	/* every family is usable and distinct */
	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++)
		put_str(store, i, "key", names[i], FALSE);
	for (guint i = 0; i < SDAG_STORE_N_FAMILIES; i++)
		assert_value(store, i, "key", names[i]);
	g_clear_pointer(&store, sdag_store_free);

	/* exactly the expected families exist on disk */
	listed = raw_list_families(fixture->path, &n_listed);
	qsort(listed, n_listed, sizeof(char *), compare_strings);
	g_assert_cmpuint(n_listed, ==, G_N_ELEMENTS(expected_families));
	for (size_t i = 0; i < n_listed; i++)
		g_assert_cmpstr(listed[i], ==, expected_families[i]);
	rocksdb_list_column_families_destroy(listed, n_listed);

	/* the version is on disk, as text, in the default family */
	version = raw_get_schema_version(fixture->path);
	g_assert_cmpstr(version, ==, "1");

	/* and is read back by a reopen */
	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(sdag_store_get_schema_version(store), ==, 1);
	assert_value(store, SDAG_STORE_HISTORY, "key", "history");
}

static void
test_store_open_locked(StoreFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(SdagStore) second = NULL;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	put_str(store, SDAG_STORE_JOBS, "a", "1", TRUE);

	/* RocksDB's LOCK file keeps a second opener out */
	second = sdag_store_open(fixture->path, &error);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_STORE);
	g_assert_null(second);
	g_assert_nonnull(strstr(error->message, fixture->path));
	g_test_message("second open: %s", error->message);
	g_clear_error(&error);

	/* the first is unharmed */
	assert_value(store, SDAG_STORE_JOBS, "a", "1");
	put_str(store, SDAG_STORE_JOBS, "b", "2", TRUE);
	assert_value(store, SDAG_STORE_JOBS, "b", "2");
}

static void
test_store_open_not_dir(StoreFixture *fixture, gconstpointer user_data)
{
	g_autofree char *file = g_build_filename(fixture->tmpdir, "file", NULL);
	g_autofree char *below = g_build_filename(file, "db", NULL);
	const char *paths[] = {file, below};
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(file, "not a database", -1, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		g_autoptr(SdagStore) store = sdag_store_open(paths[i], &error);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_STORE);
		g_assert_null(store);
		g_test_message("open %s: %s", paths[i], error->message);
		g_clear_error(&error);
	}
	/* and the file was left alone */
	{
		g_autofree char *contents = NULL;
		g_assert_true(g_file_get_contents(file, &contents, NULL, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(contents, ==, "not a database");
	}
}

static void
test_store_open_newer_schema(StoreFixture *fixture, gconstpointer user_data)
{
	struct {
		const char *version;
		gboolean ok;
		const char *in_message;
	} cases[] = {
	    {"99", FALSE, "99"},
	    {"2", FALSE, "2"},
	    {"abc", FALSE, "abc"},
	    {"0", FALSE, "0"},
	    {"", FALSE, "schema version"},
	    {"1", TRUE, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	put_str(store, SDAG_STORE_PIPELINES, "p", "kept", TRUE);
	g_clear_pointer(&store, sdag_store_free);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("schema_version \"%s\"", cases[i].version);
		raw_put_schema_version(fixture->path, cases[i].version);
		store = sdag_store_open(fixture->path, &error);
		if (cases[i].ok) {
			g_assert_no_error(error);
			g_assert_nonnull(store);
			g_assert_cmpuint(sdag_store_get_schema_version(store), ==, 1);
			assert_value(store, SDAG_STORE_PIPELINES, "p", "kept");
			g_clear_pointer(&store, sdag_store_free);
			continue;
		}
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_STORE);
		g_assert_null(store);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, cases[i].in_message));
		g_clear_error(&error);
	}

	/* the refusal names both versions */
	raw_put_schema_version(fixture->path, "99");
	store = sdag_store_open(fixture->path, &error);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_STORE);
	g_assert_nonnull(strstr(error->message, "version 99"));
	g_assert_nonnull(strstr(error->message, "version 1"));
	g_clear_error(&error);
	/* and did not rewrite it */
	{
		g_autofree char *version = raw_get_schema_version(fixture->path);
		g_assert_cmpstr(version, ==, "99");
	}
}

static void
test_store_open_unknown_family(StoreFixture *fixture, gconstpointer user_data)
{
	char *errptr = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	rocksdb_column_family_handle_t *future;
	char **listed;
	size_t n_listed = 0;
	size_t len = 0;
	char *value;
	RawDb *raw;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	g_clear_pointer(&store, sdag_store_free);

	/* as a newer build might leave it */
	raw = raw_open(fixture->path);
	future = rocksdb_create_column_family(raw->db, raw->options, "future", &errptr);
	g_assert_null(errptr);
	rocksdb_put_cf(raw->db, raw->write_options, future, "k", 1, "v", 1, &errptr);
	g_assert_null(errptr);
	rocksdb_column_family_handle_destroy(future);
	raw_close(raw);

	/* RocksDB refuses an open that leaves out a family */
	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	put_str(store, SDAG_STORE_STATE, "s", "1", FALSE);
	g_clear_pointer(&store, sdag_store_free);

	listed = raw_list_families(fixture->path, &n_listed);
	g_assert_cmpuint(n_listed, ==, G_N_ELEMENTS(expected_families) + 1);
	rocksdb_list_column_families_destroy(listed, n_listed);
	raw = raw_open(fixture->path);
	value = rocksdb_get_cf(
	    raw->db, raw->read_options, raw_family(raw, "future"), "k", 1, &len, &errptr);
	g_assert_null(errptr);
	g_assert_cmpmem(value, len, "v", 1);
	rocksdb_free(value);
	raw_close(raw);
}

static void
test_store_kv(StoreFixture *fixture, gconstpointer user_data)
{
	const guint8 key[] = {'j', 0x00, 0x01};
	const guint8 binary[] = {0x00, 0xff, 0x00, 0x7f};
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(GBytes) bytes = NULL;
	gboolean ret;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);

	/* absent */
	bytes = sdag_store_get(store, SDAG_STORE_JOBS, key, sizeof(key), &error);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND);
	g_assert_null(bytes);
	g_clear_error(&error);

	/* put, get, overwrite */
	ret = sdag_store_put(
	    store, SDAG_STORE_JOBS, key, sizeof(key), binary, sizeof(binary), TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	bytes = sdag_store_get(store, SDAG_STORE_JOBS, key, sizeof(key), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(
	    g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), binary, sizeof(binary));
	g_clear_pointer(&bytes, g_bytes_unref);
	/* a key differing only after a NUL is another key */
	assert_value(store, SDAG_STORE_JOBS, "j", NULL);

	/* the same key in another family is another value */
	ret = sdag_store_put(
	    store, SDAG_STORE_RESULTS, key, sizeof(key), (const guint8 *)"r", 1, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	bytes = sdag_store_get(store, SDAG_STORE_RESULTS, key, sizeof(key), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), "r", 1);
	g_clear_pointer(&bytes, g_bytes_unref);
	bytes = sdag_store_get(store, SDAG_STORE_JOBS, key, sizeof(key), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(
	    g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), binary, sizeof(binary));
	g_clear_pointer(&bytes, g_bytes_unref);
	bytes = sdag_store_get(store, SDAG_STORE_JOB_INDEX, key, sizeof(key), &error);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* delete in one family leaves the other */
	ret = sdag_store_delete(store, SDAG_STORE_JOBS, key, sizeof(key), TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	bytes = sdag_store_get(store, SDAG_STORE_JOBS, key, sizeof(key), &error);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND);
	g_assert_null(bytes);
	g_clear_error(&error);
	bytes = sdag_store_get(store, SDAG_STORE_RESULTS, key, sizeof(key), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), "r", 1);
	g_clear_pointer(&bytes, g_bytes_unref);

	/* deleting an absent key, synced or not, succeeds */
	ret = sdag_store_delete(store, SDAG_STORE_JOBS, key, sizeof(key), FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	ret = sdag_store_delete(store, SDAG_STORE_FRAMES, (const guint8 *)"never", 5, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);

	/* an empty value is present, not absent */
	ret =
	    sdag_store_put(store, SDAG_STORE_STATE, (const guint8 *)"e", 1, NULL, 0, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	bytes = sdag_store_get(store, SDAG_STORE_STATE, (const guint8 *)"e", 1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(bytes);
	g_assert_cmpuint(g_bytes_get_size(bytes), ==, 0);
}

static void
test_store_reopen(StoreFixture *fixture, gconstpointer user_data)
{
	const guint8 nuls[] = {0x00, 'a', 0x00, 0x00, 'b', 0x00};
	const gsize big_len = 1024 * 1024;
	g_autofree guint8 *big = g_malloc(big_len);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(GBytes) bytes = NULL;
	gboolean ret;

	for (gsize i = 0; i < big_len; i++)
		big[i] = (guint8)g_test_rand_int_range(0, 256);

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	put_str(store, SDAG_STORE_PIPELINES, "pipeline/1", "{\"synced\":true}", TRUE);
	put_str(store, SDAG_STORE_METRICS, "m/1", "unsynced", FALSE);
	put_str(store, SDAG_STORE_HISTORY, "gone", "deleted below", TRUE);
	ret = sdag_store_put(
	    store, SDAG_STORE_RESULTS, nuls, sizeof(nuls), nuls, sizeof(nuls), FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	ret = sdag_store_put(
	    store, SDAG_STORE_FRAMES, (const guint8 *)"big", 3, big, big_len, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	ret =
	    sdag_store_delete(store, SDAG_STORE_HISTORY, (const guint8 *)"gone", 4, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	g_clear_pointer(&store, sdag_store_free);

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	assert_value(store, SDAG_STORE_PIPELINES, "pipeline/1", "{\"synced\":true}");
	assert_value(store, SDAG_STORE_METRICS, "m/1", "unsynced");
	assert_value(store, SDAG_STORE_HISTORY, "gone", NULL);
	assert_value(store, SDAG_STORE_PIPELINES, "m/1", NULL);
	bytes = sdag_store_get(store, SDAG_STORE_RESULTS, nuls, sizeof(nuls), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), nuls, sizeof(nuls));
	g_clear_pointer(&bytes, g_bytes_unref);
	bytes = sdag_store_get(store, SDAG_STORE_FRAMES, (const guint8 *)"big", 3, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(bytes), ==, big_len);
	g_assert_true(memcmp(g_bytes_get_data(bytes, NULL), big, big_len) == 0);
}

/*
 * Unsynced writes survive a crash of the process: a child writes without sync and is killed
 * with SIGKILL (no close, no atexit, no flush), then the parent reads everything back.
 */
static void
test_store_process_crash(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autofree char *tmpdir = NULL;

	if (g_test_subprocess()) {
		g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
		const char *path = g_getenv("SDAG_STORE_TEST_CRASH_PATH");

		g_assert_nonnull(path);
		store = sdag_store_open(path, &error);
		g_assert_no_error(error);
		put_str(store, SDAG_STORE_FRAMES, "frame/1", "unsynced put", FALSE);
		sdag_store_batch_put(
		    batch, SDAG_STORE_JOBS, (const guint8 *)"job/1", 5, (const guint8 *)"b", 1);
		sdag_store_batch_delete(batch, SDAG_STORE_STATE, (const guint8 *)"s", 1);
		g_assert_true(sdag_store_write(store, batch, FALSE, &error));
		g_assert_no_error(error);
		kill(getpid(), SIGKILL);
		g_assert_not_reached();
	}

	tmpdir = g_dir_make_tmp("sdag-store-XXXXXX", &error);
	g_assert_no_error(error);
	store = sdag_store_open(tmpdir, &error);
	g_assert_no_error(error);
	put_str(store, SDAG_STORE_STATE, "s", "to be deleted by the child", TRUE);
	g_clear_pointer(&store, sdag_store_free);

	g_setenv("SDAG_STORE_TEST_CRASH_PATH", tmpdir, TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_unsetenv("SDAG_STORE_TEST_CRASH_PATH");
	/* killed, not failed an assertion */
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr_unmatched("*ERROR*");

	store = sdag_store_open(tmpdir, &error);
	g_assert_no_error(error);
	assert_value(store, SDAG_STORE_FRAMES, "frame/1", "unsynced put");
	assert_value(store, SDAG_STORE_JOBS, "job/1", "b");
	assert_value(store, SDAG_STORE_STATE, "s", NULL);
	g_clear_pointer(&store, sdag_store_free);
	sdag_test_rmtree(tmpdir);
}

static void
test_store_batch_atomic(StoreFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	SdagStoreBatch *unwritten = sdag_store_batch_new();
	gboolean ret;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	put_str(store, SDAG_STORE_JOB_INDEX, "old", "x", TRUE);
	put_str(store, SDAG_STORE_JOBS, "recreated", "before", TRUE);

	sdag_store_batch_put(
	    batch, SDAG_STORE_JOBS, (const guint8 *)"job", 3, (const guint8 *)"j", 1);
	sdag_store_batch_put(
	    batch, SDAG_STORE_JOB_INDEX, (const guint8 *)"new", 3, (const guint8 *)"i", 1);
	sdag_store_batch_put(
	    batch, SDAG_STORE_HISTORY, (const guint8 *)"h", 1, (const guint8 *)"h1", 2);
	sdag_store_batch_delete(batch, SDAG_STORE_JOB_INDEX, (const guint8 *)"old", 3);
	/* order within the batch holds: the last operation on a key wins */
	sdag_store_batch_put(
	    batch, SDAG_STORE_STATE, (const guint8 *)"put-del", 7, (const guint8 *)"p", 1);
	sdag_store_batch_delete(batch, SDAG_STORE_STATE, (const guint8 *)"put-del", 7);
	sdag_store_batch_delete(batch, SDAG_STORE_JOBS, (const guint8 *)"recreated", 9);
	sdag_store_batch_put(
	    batch, SDAG_STORE_JOBS, (const guint8 *)"recreated", 9, (const guint8 *)"after", 5);
	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 8);

	/* a batch that was never written changed nothing */
	sdag_store_batch_put(
	    unwritten, SDAG_STORE_JOBS, (const guint8 *)"job", 3, (const guint8 *)"u", 1);
	sdag_store_batch_delete(unwritten, SDAG_STORE_JOB_INDEX, (const guint8 *)"old", 3);
	g_clear_pointer(&unwritten, sdag_store_batch_free);
	assert_value(store, SDAG_STORE_JOBS, "job", NULL);
	assert_value(store, SDAG_STORE_JOB_INDEX, "new", NULL);
	assert_value(store, SDAG_STORE_HISTORY, "h", NULL);
	assert_value(store, SDAG_STORE_JOB_INDEX, "old", "x");
	assert_value(store, SDAG_STORE_JOBS, "recreated", "before");

	ret = sdag_store_write(store, batch, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
	for (guint round = 0; round < 2; round++) {
		assert_value(store, SDAG_STORE_JOBS, "job", "j");
		assert_value(store, SDAG_STORE_JOB_INDEX, "new", "i");
		assert_value(store, SDAG_STORE_HISTORY, "h", "h1");
		assert_value(store, SDAG_STORE_JOB_INDEX, "old", NULL);
		assert_value(store, SDAG_STORE_STATE, "put-del", NULL);
		assert_value(store, SDAG_STORE_JOBS, "recreated", "after");
		/* and the same after a reopen */
		g_clear_pointer(&store, sdag_store_free);
		store = sdag_store_open(fixture->path, &error);
		g_assert_no_error(error);
	}
	/* writing left the batch as it was */
	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 8);
}

/*
 * A reader never sees half a batch. A writer thread rewrites N keys of one family to the same
 * generation number in each batch while the main thread scans the family (a scan reads one
 * snapshot): every scan must find all N keys at one generation. A store that applied the ops
 * one by one would show mixed generations; this is probabilistic, but with hundreds of
 * batches racing hundreds of scans it reliably catches that.
 */
#define CONCURRENT_N_KEYS 64
#define CONCURRENT_GENERATIONS 300

typedef struct {
	SdagStore *store;
	gint done;
} ConcurrentWriter;

typedef struct {
	guint n_keys;
	guint64 generation;
	gboolean mixed;
} ConcurrentScan;

static gpointer
concurrent_writer_thread(gpointer user_data)
{
	ConcurrentWriter *writer = user_data;

	for (guint64 gen = 1; gen <= CONCURRENT_GENERATIONS; gen++) {
		g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
		g_autoptr(GError) error = NULL;
		guint64 value = GUINT64_TO_BE(gen);

		for (guint32 i = 0; i < CONCURRENT_N_KEYS; i++) {
			guint32 key = GUINT32_TO_BE(i);
			sdag_store_batch_put(batch,
					     SDAG_STORE_RESULTS,
					     (const guint8 *)&key,
					     sizeof(key),
					     (const guint8 *)&value,
					     sizeof(value));
		}
		g_assert_true(sdag_store_write(writer->store, batch, FALSE, &error));
		g_assert_no_error(error);
	}
	g_atomic_int_set(&writer->done, 1);
	return NULL;
}

static gboolean
concurrent_scan_cb(const guint8 *key,
		   gsize key_len,
		   const guint8 *value,
		   gsize value_len,
		   gpointer user_data)
{
	ConcurrentScan *scan = user_data;
	guint64 gen;

	g_assert_cmpuint(value_len, ==, sizeof(gen));
	memcpy(&gen, value, sizeof(gen));
	gen = GUINT64_FROM_BE(gen);
	if (scan->n_keys > 0 && gen != scan->generation)
		scan->mixed = TRUE;
	scan->generation = gen;
	scan->n_keys++;
	return TRUE;
}

static void
test_store_batch_concurrent_reader(StoreFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	ConcurrentWriter writer = {0};
	guint64 generation = 0;
	guint scans = 0;
	guint changes = 0;
	GThread *thread;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	for (guint32 i = 0; i < CONCURRENT_N_KEYS; i++) {
		guint32 key = GUINT32_TO_BE(i);
		guint64 value = 0;
		sdag_store_batch_put(batch,
				     SDAG_STORE_RESULTS,
				     (const guint8 *)&key,
				     sizeof(key),
				     (const guint8 *)&value,
				     sizeof(value));
	}
	g_assert_true(sdag_store_write(store, batch, FALSE, &error));
	g_assert_no_error(error);

	writer.store = store;
	thread = g_thread_new("sdag-store-writer", concurrent_writer_thread, &writer);
	while (!g_atomic_int_get(&writer.done)) {
		ConcurrentScan scan = {0};
		g_assert_true(sdag_store_iter_prefix(
		    store, SDAG_STORE_RESULTS, NULL, 0, concurrent_scan_cb, &scan, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(scan.n_keys, ==, CONCURRENT_N_KEYS);
		g_assert_false(scan.mixed);
		g_assert_cmpuint(scan.generation, >=, generation);
		if (scan.generation != generation)
			changes++;
		generation = scan.generation;
		scans++;
	}
	g_thread_join(thread);
	g_test_message("%u scans saw %u generations change", scans, changes);
}

/* prefix iteration */

typedef struct {
	GPtrArray *keys; /* of GBytes */
	GPtrArray *values;
	guint stop_after; /* 0: never stop */
} IterCollect;

static gboolean
iter_collect_cb(const guint8 *key,
		gsize key_len,
		const guint8 *value,
		gsize value_len,
		gpointer user_data)
{
	IterCollect *collect = user_data;

	g_ptr_array_add(collect->keys, g_bytes_new(key, key_len));
	g_ptr_array_add(collect->values, g_bytes_new(value, value_len));
	return collect->stop_after == 0 || collect->keys->len < collect->stop_after;
}

static void
iter_collect_init(IterCollect *collect, guint stop_after)
{
	collect->keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	collect->values = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	collect->stop_after = stop_after;
}

static void
iter_collect_clear(IterCollect *collect)
{
	g_ptr_array_unref(collect->keys);
	g_ptr_array_unref(collect->values);
}

static GBytes *
make_key(const guint8 *prefix, gsize prefix_len, guint64 n)
{
	guint64 be = GUINT64_TO_BE(n);
	guint8 *key = g_malloc(prefix_len + sizeof(be));

	memcpy(key, prefix, prefix_len);
	memcpy(key + prefix_len, &be, sizeof(be));
	return g_bytes_new_take(key, prefix_len + sizeof(be));
}

static void
iter_scan(SdagStore *store,
	  SdagStoreFamily family,
	  const guint8 *prefix,
	  gsize prefix_len,
	  IterCollect *collect)
{
	g_autoptr(GError) error = NULL;
	gboolean ret = sdag_store_iter_prefix(
	    store, family, prefix, prefix_len, iter_collect_cb, collect, &error);
	g_assert_no_error(error);
	g_assert_true(ret);
}

static void
test_store_iter_prefix(StoreFixture *fixture, gconstpointer user_data)
{
	/* the numbers straddle byte boundaries, where little-endian order would differ */
	const guint64 numbers[] = {0,
				   1,
				   2,
				   255,
				   256,
				   257,
				   65535,
				   65536,
				   1000000,
				   G_GUINT64_CONSTANT(1) << 32,
				   (G_GUINT64_CONSTANT(1) << 32) + 1,
				   G_GUINT64_CONSTANT(0x0100000000000000),
				   G_MAXUINT64 - 1,
				   G_MAXUINT64};
	/* prefix_b sorts right after prefix_a; prefix_ff has no upper bound; neighbours share
	 * leading bytes with the prefixes without matching them */
	const guint8 prefix_a[] = {'j', 0xfe};
	const guint8 prefix_b[] = {'j', 0xff};
	const guint8 prefix_ff[] = {0xff, 0xff};
	const guint8 neighbours[][2] = {{'j', 0xfd}, {'k', 0x00}, {0xff, 0xfe}, {'j', 0x00}};
	const gsize n = G_N_ELEMENTS(numbers);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	IterCollect collect;

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);

	/* the keys of the three prefixes, plus neighbours, and a shorter key equal to a prefix's
	 * first byte; then shuffled */
	for (gsize i = 0; i < n; i++) {
		g_ptr_array_add(all, make_key(prefix_a, sizeof(prefix_a), numbers[i]));
		g_ptr_array_add(all, make_key(prefix_b, sizeof(prefix_b), numbers[i]));
		g_ptr_array_add(all, make_key(prefix_ff, sizeof(prefix_ff), numbers[i]));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(neighbours); i++)
		g_ptr_array_add(all, make_key(neighbours[i], 2, 7));
	g_ptr_array_add(all, g_bytes_new("j", 1));
	for (guint i = 0; i < all->len; i++)
		g_ptr_array_add(order, g_ptr_array_index(all, i));
	for (guint i = order->len - 1; i > 0; i--) {
		guint j = (guint)g_test_rand_int_range(0, (gint32)i + 1);
		gpointer tmp = order->pdata[i];
		order->pdata[i] = order->pdata[j];
		order->pdata[j] = tmp;
	}
	for (guint i = 0; i < order->len; i++) {
		GBytes *key = g_ptr_array_index(order, i);
		gsize key_len = 0;
		const guint8 *data = g_bytes_get_data(key, &key_len);
		gboolean ret;

		/* the value is the key, so a key/value mix-up would show */
		ret = sdag_store_put(
		    store, SDAG_STORE_FRAMES, data, key_len, data, key_len, FALSE, &error);
		g_assert_no_error(error);
		g_assert_true(ret);
	}
	/* another family's keys must not leak into a scan */
	put_str(store, SDAG_STORE_HISTORY, "j\xfe", "other family", FALSE);

	/* each prefix yields its own keys, in numeric order, key with its value */
	{
		const guint8 *prefixes[] = {prefix_a, prefix_b, prefix_ff};
		for (gsize p = 0; p < G_N_ELEMENTS(prefixes); p++) {
			iter_collect_init(&collect, 0);
			iter_scan(store, SDAG_STORE_FRAMES, prefixes[p], 2, &collect);
			g_assert_cmpuint(collect.keys->len, ==, n);
			for (gsize i = 0; i < n; i++) {
				g_autoptr(GBytes) expected = make_key(prefixes[p], 2, numbers[i]);
				g_assert_true(
				    g_bytes_equal(g_ptr_array_index(collect.keys, i), expected));
				g_assert_true(
				    g_bytes_equal(g_ptr_array_index(collect.values, i), expected));
			}
			iter_collect_clear(&collect);
		}
	}

	/* a longer prefix narrows: the keys of prefix_a with numbers below 2^56 */
	{
		const guint8 narrow[] = {'j', 0xfe, 0x00};
		iter_collect_init(&collect, 0);
		iter_scan(store, SDAG_STORE_FRAMES, narrow, sizeof(narrow), &collect);
		g_assert_cmpuint(collect.keys->len, ==, n - 3);
		iter_collect_clear(&collect);
	}

	/* early stop: exactly as many calls as asked for, the first keys, and not an error */
	iter_collect_init(&collect, 3);
	iter_scan(store, SDAG_STORE_FRAMES, prefix_b, sizeof(prefix_b), &collect);
	g_assert_cmpuint(collect.keys->len, ==, 3);
	for (gsize i = 0; i < 3; i++) {
		g_autoptr(GBytes) expected = make_key(prefix_b, 2, numbers[i]);
		g_assert_true(g_bytes_equal(g_ptr_array_index(collect.keys, i), expected));
	}
	iter_collect_clear(&collect);

	/* no prefix: the whole family, in bytewise order */
	iter_collect_init(&collect, 0);
	iter_scan(store, SDAG_STORE_FRAMES, NULL, 0, &collect);
	g_assert_cmpuint(collect.keys->len, ==, all->len);
	for (guint i = 1; i < collect.keys->len; i++)
		g_assert_cmpint(g_bytes_compare(g_ptr_array_index(collect.keys, i - 1),
						g_ptr_array_index(collect.keys, i)),
				<,
				0);
	iter_collect_clear(&collect);

	/* prefixes with no keys: nothing is called */
	{
		const guint8 empty_a[] = {'a'};
		const guint8 empty_b[] = {
		    'j', 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03};
		const guint8 empty_c[] = {
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		const guint8 *empties[] = {empty_a, empty_b, empty_c};
		const gsize empty_lens[] = {sizeof(empty_a), sizeof(empty_b), sizeof(empty_c)};

		for (gsize i = 0; i < G_N_ELEMENTS(empties); i++) {
			iter_collect_init(&collect, 0);
			iter_scan(store, SDAG_STORE_FRAMES, empties[i], empty_lens[i], &collect);
			g_assert_cmpuint(collect.keys->len, ==, 0);
			iter_collect_clear(&collect);
		}
		/* an empty family */
		iter_collect_init(&collect, 0);
		iter_scan(store, SDAG_STORE_METRICS, NULL, 0, &collect);
		g_assert_cmpuint(collect.keys->len, ==, 0);
		iter_collect_clear(&collect);
	}
}

static void
test_store_batch_count_free(void)
{
	const guint8 big[4096] = {0};
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	SdagStoreBatch *unwritten;

	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 0);
	sdag_store_batch_put(
	    batch, SDAG_STORE_JOBS, (const guint8 *)"a", 1, (const guint8 *)"1", 1);
	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 1);
	sdag_store_batch_delete(batch, SDAG_STORE_JOBS, (const guint8 *)"a", 1);
	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 2);
	/* the same op twice counts twice */
	sdag_store_batch_delete(batch, SDAG_STORE_JOBS, (const guint8 *)"a", 1);
	sdag_store_batch_put(batch, SDAG_STORE_FRAMES, (const guint8 *)"", 0, NULL, 0);
	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 4);

	/* freeing an unwritten batch frees its copies: ASan/valgrind check the leak */
	unwritten = sdag_store_batch_new();
	for (guint i = 0; i < 100; i++)
		sdag_store_batch_put(unwritten, SDAG_STORE_FRAMES, big, 16, big, sizeof(big));
	g_assert_cmpuint(sdag_store_batch_count(unwritten), ==, 100);
	sdag_store_batch_free(unwritten);

	/* NULL is a no-op for both frees */
	sdag_store_batch_free(NULL);
	sdag_store_free(NULL);
}

static void
test_store_batch_empty_write(StoreFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();

	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	g_assert_true(sdag_store_write(store, batch, TRUE, &error));
	g_assert_no_error(error);
}

/* Cursor pagination: a scan started from a key inside the prefix, from a key before it, and
 * from one past its end. */
static void
test_store_iter_from(StoreFixture *fixture, gconstpointer user_data)
{
	const guint8 prefix[] = {'p', '/'};
	const guint8 other[] = {'q', '/'};
	const guint8 before[] = {'a'};
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = sdag_store_open(fixture->path, &error);
	IterCollect collect;

	g_assert_no_error(error);
	for (guint64 i = 0; i < 10; i++) {
		g_autoptr(GBytes) k = make_key(prefix, sizeof(prefix), i * 10);
		g_autoptr(GBytes) o = make_key(other, sizeof(other), i);
		g_assert_true(sdag_store_put(store,
					     SDAG_STORE_JOB_INDEX,
					     g_bytes_get_data(k, NULL),
					     g_bytes_get_size(k),
					     (const guint8 *)"v",
					     1,
					     FALSE,
					     &error));
		g_assert_true(sdag_store_put(store,
					     SDAG_STORE_JOB_INDEX,
					     g_bytes_get_data(o, NULL),
					     g_bytes_get_size(o),
					     (const guint8 *)"v",
					     1,
					     FALSE,
					     &error));
	}
	{
		/* 35 is between keys: the scan starts at 40 */
		g_autoptr(GBytes) start = make_key(prefix, sizeof(prefix), 35);
		g_autoptr(GBytes) first = make_key(prefix, sizeof(prefix), 40);
		iter_collect_init(&collect, 0);
		g_assert_true(sdag_store_iter_prefix_from(store,
							  SDAG_STORE_JOB_INDEX,
							  prefix,
							  sizeof(prefix),
							  g_bytes_get_data(start, NULL),
							  g_bytes_get_size(start),
							  iter_collect_cb,
							  &collect,
							  &error));
		g_assert_no_error(error);
		g_assert_cmpuint(collect.keys->len, ==, 6);
		g_assert_true(g_bytes_equal(g_ptr_array_index(collect.keys, 0), first));
		iter_collect_clear(&collect);
	}
	/* a start before the prefix is the prefix itself */
	iter_collect_init(&collect, 0);
	g_assert_true(sdag_store_iter_prefix_from(store,
						  SDAG_STORE_JOB_INDEX,
						  prefix,
						  sizeof(prefix),
						  before,
						  sizeof(before),
						  iter_collect_cb,
						  &collect,
						  &error));
	g_assert_cmpuint(collect.keys->len, ==, 10);
	iter_collect_clear(&collect);
	/* a start past the prefix visits nothing, not the next prefix's keys */
	iter_collect_init(&collect, 0);
	g_assert_true(sdag_store_iter_prefix_from(store,
						  SDAG_STORE_JOB_INDEX,
						  prefix,
						  sizeof(prefix),
						  other,
						  sizeof(other),
						  iter_collect_cb,
						  &collect,
						  &error));
	g_assert_cmpuint(collect.keys->len, ==, 0);
	iter_collect_clear(&collect);
}

/* A prefix delete takes every key of the prefix and nothing else, atomically with the rest of
 * its batch. */
static void
test_store_batch_delete_prefix(StoreFixture *fixture, gconstpointer user_data)
{
	const guint8 job_a[] = {'a', '/'};
	const guint8 job_b[] = {'b', '/'};
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = sdag_store_open(fixture->path, &error);
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	IterCollect collect;

	g_assert_no_error(error);
	for (guint64 i = 0; i < 100; i++) {
		g_autoptr(GBytes) a = make_key(job_a, sizeof(job_a), i);
		g_autoptr(GBytes) b = make_key(job_b, sizeof(job_b), i);
		sdag_store_batch_put(batch,
				     SDAG_STORE_FRAMES,
				     g_bytes_get_data(a, NULL),
				     g_bytes_get_size(a),
				     (const guint8 *)"x",
				     1);
		sdag_store_batch_put(batch,
				     SDAG_STORE_FRAMES,
				     g_bytes_get_data(b, NULL),
				     g_bytes_get_size(b),
				     (const guint8 *)"x",
				     1);
	}
	g_assert_true(sdag_store_write(store, batch, FALSE, &error));
	g_clear_pointer(&batch, sdag_store_batch_free);

	batch = sdag_store_batch_new();
	sdag_store_batch_delete_prefix(batch, SDAG_STORE_FRAMES, job_a, sizeof(job_a));
	sdag_store_batch_put(batch, SDAG_STORE_RESULTS, job_a, 1, (const guint8 *)"gone", 4);
	g_assert_cmpuint(sdag_store_batch_count(batch), ==, 2);
	g_assert_true(sdag_store_write(store, batch, TRUE, &error));
	g_assert_no_error(error);

	iter_collect_init(&collect, 0);
	iter_scan(store, SDAG_STORE_FRAMES, job_a, sizeof(job_a), &collect);
	g_assert_cmpuint(collect.keys->len, ==, 0);
	iter_collect_clear(&collect);
	iter_collect_init(&collect, 0);
	iter_scan(store, SDAG_STORE_FRAMES, job_b, sizeof(job_b), &collect);
	g_assert_cmpuint(collect.keys->len, ==, 100);
	iter_collect_clear(&collect);
	{
		g_autoptr(GBytes) v = sdag_store_get(store, SDAG_STORE_RESULTS, job_a, 1, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(v, NULL), g_bytes_get_size(v), "gone", 4);
	}
}

/* SST files carry a bloom filter: lookups of absent keys are answered without reading
 * data blocks. A reopen writes the recovered memtable out as the first SST. */
static void
test_store_bloom_filter(StoreFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = sdag_store_open(fixture->path, &error);
	g_autofree char *props = NULL;
	const char *size;

	g_assert_no_error(error);
	for (guint i = 0; i < 2000; i++) {
		g_autofree char *key = g_strdup_printf("job-%05u", i);
		put_str(store, SDAG_STORE_JOBS, key, "{}", FALSE);
	}
	g_clear_pointer(&store, sdag_store_free);
	store = sdag_store_open(fixture->path, &error);
	g_assert_no_error(error);
	props = sdag_store_dup_family_property(
	    store, SDAG_STORE_JOBS, "rocksdb.aggregated-table-properties");
	g_assert_nonnull(props);
	g_test_message("%s", props);
	g_assert_nonnull(strstr(props, "# entries=2000"));
	g_assert_nonnull(strstr(props, "# entries for filter=2000;"));
	size = strstr(props, "filter block size=");
	g_assert_nonnull(size);
	/* 10 bits a key */
	g_assert_cmpuint(
	    g_ascii_strtoull(size + strlen("filter block size="), NULL, 10), >=, 2000 * 10 / 8);
	assert_value(store, SDAG_STORE_JOBS, "job-01999", "{}");
	assert_value(store, SDAG_STORE_JOBS, "job-02000", NULL);
}

/* Found by the keys fuzz target (tests/fuzz/corpus/keys/regress-cursor-leading-vtab): the
 * parse skipped a leading '\v', so a cursor that was not one read as another seq. */
static void
test_store_fuzz_cursor_hex_only(void)
{
	static const char *const bad[] = {
	    "\vffffffffffffffe",
	    " 00000000000000f",
	    "+00000000000000f",
	    "0x0000000000000f",
	    "000000000000000g",
	    "0000000000000000",
	    "ffffffffffffffff",
	    "00000000000000f",
	};
	g_autofree char *formatted = sdag_query_cursor_format(0x2a);
	guint64 seq = 0;

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(sdag_query_cursor_parse(bad[i], &seq, &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_CURSOR);
	}
	g_assert_true(sdag_query_cursor_parse(formatted, &seq, NULL));
	g_assert_cmpuint(seq, ==, 0x2a);
	g_assert_true(sdag_query_cursor_parse("00000000000000FF", &seq, NULL));
	g_assert_cmpuint(seq, ==, 0xff);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(name, func) \
	g_test_add(name, StoreFixture, NULL, store_fixture_setup, func, store_fixture_teardown)
	ADD("/sdag/store/open/families", test_store_open_families);
	ADD("/sdag/store/open/locked", test_store_open_locked);
	ADD("/sdag/store/open/not-dir", test_store_open_not_dir);
	ADD("/sdag/store/open/newer-schema", test_store_open_newer_schema);
	ADD("/sdag/store/open/unknown-family", test_store_open_unknown_family);
	ADD("/sdag/store/kv", test_store_kv);
	ADD("/sdag/store/reopen", test_store_reopen);
	ADD("/sdag/store/bloom-filter", test_store_bloom_filter);
	ADD("/sdag/store/batch/atomic", test_store_batch_atomic);
	ADD("/sdag/store/batch/concurrent-reader", test_store_batch_concurrent_reader);
	ADD("/sdag/store/batch/empty-write", test_store_batch_empty_write);
	ADD("/sdag/store/iter/prefix", test_store_iter_prefix);
	ADD("/sdag/store/iter/from", test_store_iter_from);
	ADD("/sdag/store/batch/delete-prefix", test_store_batch_delete_prefix);
#undef ADD
	g_test_add_func("/sdag/store/process-crash", test_store_process_crash);
	g_test_add_func("/sdag/store/batch/count-free", test_store_batch_count_free);
	g_test_add_func("/sdag/store/fuzz/cursor-hex-only", test_store_fuzz_cursor_hex_only);

	return g_test_run();
}
