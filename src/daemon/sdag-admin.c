/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-admin"

#include "sdag-admin.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "sdag-error.h"
#include "sdag-fsck.h"

/*
 * The operator's tools for a bad day: the consistency check (offline on a stopped daemon's
 * store, online on a checkpoint of a running one), the online backup (a checkpoint, checked)
 * and the restore of a backup into an empty data directory. The online ones run on a
 * worker thread: a checkpoint flushes the memtables and a check reads every family, which
 * must not stall the main loop; the worker reads a copy of its own and touches nothing the
 * main loop owns but the store handle, whose checkpoint call is thread-safe.
 */

/* Opens the copy in @dir as a store of its own and checks it. */
static SdagFsckReport *
sdag_admin_check_dir(const char *dir, GError **error)
{
	g_autoptr(SdagStore) copy = sdag_store_open(dir, error);

	if (copy == NULL)
		return NULL;
	return sdag_fsck_run(copy, error);
}

static void
sdag_admin_print_report(const char *what, const SdagFsckReport *report)
{
	for (guint i = 0; i < report->problems->len; i++) {
		const SdagFsckProblem *p = g_ptr_array_index(report->problems, i);
		g_print("%s %s %s: %s\n",
			sdag_store_family_name(p->family),
			p->key,
			p->code,
			p->message);
	}
	g_print("streamdagd: %s: %u job%s, %" G_GUINT64_FORMAT
		" frame rows checked in %.1f ms: %u problem%s\n",
		what,
		report->jobs,
		report->jobs == 1 ? "" : "s",
		report->checked[SDAG_STORE_FRAMES],
		(double)report->elapsed_us / 1000.0,
		report->problems->len,
		report->problems->len == 1 ? "" : "s");
}

/**
 * sdag_admin_fsck_offline:
 *
 * `streamdagd --fsck`: checks the store of @data_dir, which no daemon may have open, and
 * prints each problem on a line of its own (family, key, code, message), then a summary.
 *
 * Returns: the exit status: 0 consistent, 1 problems found, 2 the store cannot be read
 */
int
sdag_admin_fsck_offline(const char *data_dir)
{
	g_autofree char *db = g_build_filename(data_dir, "db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagFsckReport) report = NULL;

	if (!g_file_test(db, G_FILE_TEST_IS_DIR)) {
		g_printerr("streamdagd: --fsck: %s: no store there\n", db);
		return 2;
	}
	report = sdag_admin_check_dir(db, &error);
	if (report == NULL) {
		g_printerr("streamdagd: --fsck: %s%s\n",
			   error->message,
			   strstr(error->message, "lock") != NULL
			       ? " (a running daemon holds it: use streamdagctl admin fsck)"
			       : "");
		return 2;
	}
	sdag_admin_print_report(db, report);
	return report->problems->len == 0 ? 0 : 1;
}

/* Copies the regular files of @from into @to (created), one level: a checkpoint's layout */
static gboolean
sdag_admin_copy_dir(const char *from, const char *to, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(from, 0, error);
	const char *name;

	if (dir == NULL)
		return FALSE;
	if (g_mkdir_with_parents(to, 0700) != 0) {
		g_set_error(error,
			    G_FILE_ERROR,
			    g_file_error_from_errno(errno),
			    "%s: %s",
			    to,
			    g_strerror(errno));
		return FALSE;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *src = g_build_filename(from, name, NULL);
		g_autofree char *dst = g_build_filename(to, name, NULL);
		g_autoptr(GFile) a = g_file_new_for_path(src);
		g_autoptr(GFile) b = g_file_new_for_path(dst);

		if (!g_file_test(src, G_FILE_TEST_IS_REGULAR))
			continue;
		if (!g_file_copy(a, b, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * sdag_admin_restore:
 * @from: a backup (`streamdagctl admin backup DIR` made it)
 *
 * `streamdagd --restore DIR`: the backup is checked, copied into @data_dir/db, which must
 * not exist yet (a store is never overwritten: move it away first), and checked again there.
 *
 * Returns: the exit status: 0 restored, 1 the backup is not consistent (nothing copied),
 *   2 it cannot be read or copied
 */
int
sdag_admin_restore(const char *data_dir, const char *from)
{
	g_autofree char *db = g_build_filename(data_dir, "db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagFsckReport) before = NULL;
	g_autoptr(SdagFsckReport) after = NULL;

	if (g_file_test(db, G_FILE_TEST_EXISTS)) {
		g_printerr(
		    "streamdagd: --restore: %s exists: a store is never overwritten; move it "
		    "away (or remove it) first\n",
		    db);
		return 2;
	}
	if (!g_file_test(from, G_FILE_TEST_IS_DIR)) {
		g_printerr("streamdagd: --restore: %s is not a directory\n", from);
		return 2;
	}
	before = sdag_admin_check_dir(from, &error);
	if (before == NULL) {
		g_printerr("streamdagd: --restore: %s: %s\n", from, error->message);
		return 2;
	}
	if (before->problems->len > 0) {
		sdag_admin_print_report(from, before);
		g_printerr("streamdagd: --restore: %s is not consistent: nothing restored\n", from);
		return 1;
	}
	if (g_mkdir_with_parents(data_dir, 0750) != 0 || !sdag_admin_copy_dir(from, db, &error)) {
		g_printerr("streamdagd: --restore: %s\n",
			   error != NULL ? error->message : g_strerror(errno));
		return 2;
	}
	after = sdag_admin_check_dir(db, &error);
	if (after == NULL) {
		g_printerr("streamdagd: --restore: %s: %s\n", db, error->message);
		return 2;
	}
	sdag_admin_print_report(db, after);
	if (after->problems->len > 0)
		return 1;
	g_print("streamdagd: restored %s into %s: start the daemon on it\n", from, db);
	return 0;
}

/* online: fsck and backup on a worker thread */

typedef struct {
	SdagStore *store; /* borrowed: the daemon outlives its tasks (it waits for them) */
	char *dir;	  /* the checkpoint's directory */
	gboolean keep;	  /* a backup: kept; a check: removed after */
} SdagAdminTask;

static void
sdag_admin_task_free(SdagAdminTask *t)
{
	g_free(t->dir);
	g_free(t);
}

static guint64
sdag_admin_dir_bytes(const char *path, guint *files)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;
	guint64 total = 0;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *file = g_build_filename(path, name, NULL);
		GStatBuf st;

		if (g_stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			total += (guint64)st.st_size;
			(*files)++;
		}
	}
	return total;
}

static void
sdag_admin_rmtree(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *file = g_build_filename(path, name, NULL);
		g_unlink(file);
	}
	g_rmdir(path);
}

static void
sdag_admin_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	SdagAdminTask *t = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagFsckReport) report = NULL;
	g_autoptr(JsonNode) node = NULL;
	gint64 start = g_get_monotonic_time();
	JsonObject *out;

	if (!sdag_store_checkpoint(t->store, t->dir, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	report = sdag_admin_check_dir(t->dir, &error);
	if (report == NULL) {
		if (!t->keep)
			sdag_admin_rmtree(t->dir);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	node = sdag_fsck_report_to_json(report);
	out = json_node_get_object(node);
	if (t->keep) {
		guint files = 0;
		guint64 bytes = sdag_admin_dir_bytes(t->dir, &files);
		JsonObject *backup = json_object_new();

		json_object_set_string_member(backup, "dir", t->dir);
		json_object_set_int_member(backup, "files", files);
		json_object_set_int_member(backup, "bytes", (gint64)bytes);
		json_object_set_double_member(
		    backup, "elapsed_ms", (double)((g_get_monotonic_time() - start) / 100) / 10.0);
		json_object_set_object_member(out, "backup", backup);
	} else {
		sdag_admin_rmtree(t->dir);
	}
	g_task_return_pointer(task, g_steal_pointer(&node), (GDestroyNotify)json_node_unref);
}

/* Checks @dir for a backup: absolute, no "..", its parent a directory, itself absent. */
static gboolean
sdag_admin_check_backup_dir(const char *dir, GError **error)
{
	g_autofree char *parent = NULL;

	if (dir == NULL || !g_path_is_absolute(dir) || strstr(dir, "/../") != NULL ||
	    g_str_has_suffix(dir, "/..") || !g_utf8_validate(dir, -1, NULL) || strlen(dir) > 4096) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_REQUEST,
				    "'dir' must be an absolute path without '..'");
		return FALSE;
	}
	parent = g_path_get_dirname(dir);
	if (!g_file_test(parent, G_FILE_TEST_IS_DIR)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "'dir': %s is not a directory on the daemon's machine",
			    parent);
		return FALSE;
	}
	if (g_file_test(dir, G_FILE_TEST_EXISTS)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFLICT,
			    "'dir': %s exists: a backup never overwrites anything",
			    dir);
		return FALSE;
	}
	return TRUE;
}

/**
 * sdag_admin_run_async:
 * @backup_dir: (nullable): make a backup there (kept, and checked); NULL: check a checkpoint
 *   made under @data_dir, removed after
 *
 * The answer (see sdag_fsck_report_to_json(), with "backup" for a backup) comes to
 * @callback on the main context; sdag_admin_run_finish() reads it.
 */
gboolean
sdag_admin_run_async(SdagStore *store,
		     const char *data_dir,
		     const char *backup_dir,
		     GAsyncReadyCallback callback,
		     gpointer user_data,
		     GError **error)
{
	SdagAdminTask *t;
	g_autoptr(GTask) task = NULL;

	if (backup_dir != NULL && !sdag_admin_check_backup_dir(backup_dir, error))
		return FALSE;
	t = g_new0(SdagAdminTask, 1);
	t->store = store;
	t->keep = backup_dir != NULL;
	if (backup_dir != NULL) {
		t->dir = g_strdup(backup_dir);
	} else {
		/* on the store's file system: the checkpoint's files are hard links */
		g_autofree char *name = g_strdup_printf(".fsck-%08x", g_random_int());
		t->dir = g_build_filename(data_dir, name, NULL);
	}
	task = g_task_new(NULL, NULL, callback, user_data);
	g_task_set_task_data(task, t, (GDestroyNotify)sdag_admin_task_free);
	g_task_run_in_thread(task, sdag_admin_thread);
	return TRUE;
}

JsonNode *
sdag_admin_run_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}
