/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The consistency checker, its tools and the retention route, as an operator meets them. A
 * real daemon (a process) runs two jobs over a small clip and one over a live-looking
 * camera-less source, and its store is copied with POST /admin/backup: that copy is the
 * reference. Each corruption case copies it again, breaks one thing the way a bug or a
 * disk would, and asserts the code the checker gives (one case per kind of break); the
 * offline check, the restore, the online check and pruning are each a case too.
 */
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sdag-fsck.h"
#include "sdag-index.h"
#include "sdag-jobindex.h"
#include "sdag-json.h"
#include "sdag-results.h"
#include "sdag-store.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"

static char *golden;  /* the reference store: a backup of a daemon's */
static char *workdir; /* everything this binary makes */
static char *clip;

/* ---- the reference store ---- */

static SdagTestReply *
call(SoupSession *s, const char *base, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    s, base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static void
wait_terminal(SoupSession *s, const char *base, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(SdagTestReply) r = call(s, base, "GET", path, NULL);
		if (sdag_test_job_is_terminal(
			json_object_get_string_member(json_node_get_object(r->json), "status")))
			return;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(50000);
	}
}

static char *
submit(SoupSession *s, const char *base, const char *body)
{
	g_autoptr(SdagTestReply) r = call(s, base, "POST", "/jobs", body);

	g_assert_cmpuint(r->status, ==, 202);
	return g_strdup(json_object_get_string_member(json_node_get_object(r->json), "job_id"));
}

/* A daemon with its media root, the motion pipeline registered */
static SdagTestSvc *
daemon_start(SoupSession *s)
{
	g_autofree char *media = g_path_get_dirname(clip);
	g_autofree char *conf = g_strdup_printf("[jobs]\nmedia_roots=%s\n", media);
	g_autofree char *pipeline = g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"),
						     "data",
						     "pipelines",
						     "motion_tracking_v1.json",
						     NULL);
	g_autofree char *def = NULL;
	SdagTestSvc *svc = sdag_test_svc_start(conf, "127.0.0.1:0", NULL);
	g_autoptr(SdagTestReply) r = NULL;

	g_assert_true(g_file_get_contents(pipeline, &def, NULL, NULL));
	r = call(s, svc->base, "POST", "/pipelines", def);
	g_assert_cmpuint(r->status, ==, 201);
	return svc;
}

static void
make_golden(void)
{
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestSvc *svc = daemon_start(s);
	g_autofree char *body1 = g_strdup_printf(
	    "{\"pipeline_id\":\"motion_tracking_v1\",\"video_url\":\"file://%s\"}", clip);
	g_autofree char *body2 = g_strdup_printf(
	    "{\"pipeline_id\":\"motion_tracking_v1\",\"video_url\":\"file://%s\",\"options\":"
	    "{\"stride\":3}}",
	    clip);
	g_autofree char *id1 = submit(s, svc->base, body1);
	g_autofree char *id2 = submit(s, svc->base, body2);
	g_autofree char *backup = NULL;
	g_autoptr(SdagTestReply) r = NULL;

	wait_terminal(s, svc->base, id1);
	wait_terminal(s, svc->base, id2);
	/* and a camera, disabled: its record is checked too */
	r = call(s,
		 svc->base,
		 "PUT",
		 "/cameras/porch",
		 "{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":\"motion_tracking_v1\","
		 "\"enabled\":false}");
	g_assert_cmpuint(r->status, ==, 201);
	g_clear_pointer(&r, sdag_test_reply_free);
	golden = g_build_filename(workdir, "golden", NULL);
	backup = g_strdup_printf("{\"dir\":\"%s\"}", golden);
	r = call(s, svc->base, "POST", "/admin/backup", backup);
	g_assert_cmpuint(r->status, ==, 200);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(r->json), "ok"));
	sdag_test_svc_free(svc);
}

/* A copy of @from in a fresh directory under the work directory; returns its path */
static char *
copy_store(const char *from)
{
	g_autofree char *name = g_strdup_printf("copy-%08x", g_random_int());
	char *to = g_build_filename(workdir, name, NULL);
	g_autoptr(GDir) dir = g_dir_open(from, 0, NULL);
	const char *file;

	g_assert_nonnull(dir);
	g_assert_cmpint(g_mkdir(to, 0700), ==, 0);
	while ((file = g_dir_read_name(dir)) != NULL) {
		g_autofree char *a = g_build_filename(from, file, NULL);
		g_autofree char *b = g_build_filename(to, file, NULL);
		g_autoptr(GFile) fa = g_file_new_for_path(a);
		g_autoptr(GFile) fb = g_file_new_for_path(b);
		g_autoptr(GError) error = NULL;

		g_assert_true(g_file_copy(fa, fb, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
	}
	return to;
}

/* ---- corruptions ---- */

typedef struct {
	SdagStore *store;
	char *job_id; /* the first job of the store, ended */
	JsonObject *record;
} Store;

/* The job that ran at stride 1: its frames are 0, 1, 2 ... */
static gboolean
pick_job_cb(const guint8 *key, gsize klen, const guint8 *value, gsize vlen, gpointer data)
{
	Store *st = data;
	g_autoptr(JsonNode) node = sdag_json_parse((const char *)value, (gssize)vlen, NULL);
	JsonObject *rec = json_node_get_object(node);

	if (json_object_get_int_member(json_object_get_object_member(rec, "options"), "stride") !=
	    1)
		return TRUE;
	st->job_id = g_strndup((const char *)key, klen);
	st->record = json_object_ref(rec);
	return FALSE;
}

static void
put(Store *st, SdagStoreFamily family, const void *key, gsize klen, const char *value)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(sdag_store_put(
	    st->store, family, key, klen, (const guint8 *)value, strlen(value), TRUE, &error));
}

static void
del(Store *st, SdagStoreFamily family, const void *key, gsize klen)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(sdag_store_delete(st->store, family, key, klen, TRUE, &error));
}

static guint64
seq_of(Store *st)
{
	return (guint64)json_object_get_int_member(st->record, "seq");
}

static GBytes *
status_key(Store *st, const char *status)
{
	g_autofree char *prefix = g_strdup_printf("s/%s/", status);
	return sdag_index_key(prefix, seq_of(st), FALSE);
}

static void
break_index_missing(Store *st)
{
	g_autoptr(GBytes) k = status_key(st, "completed");
	del(st, SDAG_STORE_JOB_INDEX, g_bytes_get_data(k, NULL), g_bytes_get_size(k));
}

static void
break_index_stale(Store *st)
{
	g_autoptr(GBytes) k = status_key(st, "queued");
	put(st, SDAG_STORE_JOB_INDEX, g_bytes_get_data(k, NULL), g_bytes_get_size(k), st->job_id);
}

static void
break_index_wrong_job(Store *st)
{
	g_autoptr(GBytes) k = sdag_index_key("t/", seq_of(st), TRUE);
	put(st,
	    SDAG_STORE_JOB_INDEX,
	    g_bytes_get_data(k, NULL),
	    g_bytes_get_size(k),
	    "00000000-0000-4000-8000-000000000000");
}

static void
break_index_deleted_job(Store *st)
{
	g_autoptr(GBytes) k = sdag_index_key("t/", 999, TRUE);
	put(st,
	    SDAG_STORE_JOB_INDEX,
	    g_bytes_get_data(k, NULL),
	    g_bytes_get_size(k),
	    "00000000-0000-4000-8000-000000000000");
}

static void
break_seq_behind(Store *st)
{
	guint64 be = GUINT64_TO_BE(1);
	g_autoptr(GError) error = NULL;

	g_assert_true(sdag_store_put(st->store,
				     SDAG_STORE_JOB_INDEX,
				     (const guint8 *)"meta/seq",
				     8,
				     (const guint8 *)&be,
				     sizeof(be),
				     TRUE,
				     &error));
}

static void
break_record_unreadable(Store *st)
{
	put(st, SDAG_STORE_JOBS, st->job_id, strlen(st->job_id), "{\"job_id\":");
}

static void
break_record_invalid(Store *st)
{
	g_autofree char *text =
	    g_strdup_printf("{\"job_id\":\"%s\",\"status\":\"done\"}", st->job_id);
	put(st, SDAG_STORE_JOBS, st->job_id, strlen(st->job_id), text);
}

static void
break_frame_gap(Store *st)
{
	g_autoptr(GBytes) k = sdag_results_frame_key(st->job_id, 5);
	del(st, SDAG_STORE_FRAMES, g_bytes_get_data(k, NULL), g_bytes_get_size(k));
}

static void
break_frame_id(Store *st)
{
	g_autoptr(GBytes) k = sdag_results_frame_key(st->job_id, 4);
	put(st,
	    SDAG_STORE_FRAMES,
	    g_bytes_get_data(k, NULL),
	    g_bytes_get_size(k),
	    "{\"frame_id\":7,\"pts_ms\":0,\"detections\":[],\"events\":[],\"counts\":[]}");
}

static void
break_frame_unreadable(Store *st)
{
	g_autoptr(GBytes) k = sdag_results_frame_key(st->job_id, 4);
	put(st, SDAG_STORE_FRAMES, g_bytes_get_data(k, NULL), g_bytes_get_size(k), "\xff\xfe");
}

static void
break_summary_missing(Store *st)
{
	del(st, SDAG_STORE_RESULTS, st->job_id, strlen(st->job_id));
}

static void
break_summary_differs(Store *st)
{
	put(st,
	    SDAG_STORE_RESULTS,
	    st->job_id,
	    strlen(st->job_id),
	    "{\"total_frames\":3,\"total_detections\":0,\"total_events\":0,\"average_confidence\":"
	    "0.0,"
	    "\"tracks\":0,\"counts\":{}}");
}

static void
break_metrics_missing(Store *st)
{
	del(st, SDAG_STORE_METRICS, st->job_id, strlen(st->job_id));
}

static void
break_orphan_frames(Store *st)
{
	g_autoptr(GBytes) k = sdag_results_frame_key("00000000-0000-4000-8000-000000000000", 0);
	put(st,
	    SDAG_STORE_FRAMES,
	    g_bytes_get_data(k, NULL),
	    g_bytes_get_size(k),
	    "{\"frame_id\":0,\"pts_ms\":0,\"detections\":[],\"events\":[],\"counts\":[]}");
}

static void
break_orphan_state(Store *st)
{
	put(st,
	    SDAG_STORE_STATE,
	    "00000000-0000-4000-8000-000000000000",
	    36,
	    "{\"next_frame_id\":1}");
}

static void
break_orphan_track(Store *st)
{
	put(st,
	    SDAG_STORE_OUTBOX,
	    "t00000000-0000-4000-8000-000000000000\0\0\0\0\0\0\0\0\1",
	    46,
	    "{}");
}

static void
break_outbox_message(Store *st)
{
	put(st, SDAG_STORE_OUTBOX, "m\0\0\0\0\0\0\0\7", 9, "not json");
}

static void
break_camera(Store *st)
{
	put(st, SDAG_STORE_CAMERAS, "porch", 5, "{\"source\":\"rtsp://h/s\"}");
}

static void
break_pipeline(Store *st)
{
	put(st, SDAG_STORE_PIPELINES, "other", 5, "{\"pipeline_id\":\"motion_tracking_v1\"}");
}

static void
break_history(Store *st)
{
	put(st, SDAG_STORE_HISTORY, "t/\0\0\0\0\0\0\0\0", 10, "{");
}

typedef struct {
	const char *name;
	void (*corrupt)(Store *st);
	SdagStoreFamily family;
	const char *code;
} Corruption;

static const Corruption corruptions[] = {
    {"index-missing", break_index_missing, SDAG_STORE_JOB_INDEX, "index_missing"},
    {"index-stale-status", break_index_stale, SDAG_STORE_JOB_INDEX, "index_stale"},
    {"index-wrong-job", break_index_wrong_job, SDAG_STORE_JOB_INDEX, "index_wrong_job"},
    {"index-of-deleted-job", break_index_deleted_job, SDAG_STORE_JOB_INDEX, "index_stale"},
    {"seq-behind", break_seq_behind, SDAG_STORE_JOB_INDEX, "seq_behind"},
    {"record-unreadable", break_record_unreadable, SDAG_STORE_JOBS, "record_unreadable"},
    {"record-invalid", break_record_invalid, SDAG_STORE_JOBS, "record_invalid"},
    {"frame-gap", break_frame_gap, SDAG_STORE_FRAMES, "frame_gap"},
    {"frame-id-mismatch", break_frame_id, SDAG_STORE_FRAMES, "frame_id_mismatch"},
    {"frame-unreadable", break_frame_unreadable, SDAG_STORE_FRAMES, "frame_unreadable"},
    {"summary-missing", break_summary_missing, SDAG_STORE_RESULTS, "summary_missing"},
    {"summary-differs", break_summary_differs, SDAG_STORE_RESULTS, "summary_differs"},
    {"metrics-missing", break_metrics_missing, SDAG_STORE_METRICS, "metrics_missing"},
    {"orphan-frames", break_orphan_frames, SDAG_STORE_FRAMES, "orphan_rows"},
    {"orphan-checkpoint", break_orphan_state, SDAG_STORE_STATE, "orphan_rows"},
    {"orphan-open-track", break_orphan_track, SDAG_STORE_OUTBOX, "orphan_rows"},
    {"outbox-unreadable", break_outbox_message, SDAG_STORE_OUTBOX, "message_unreadable"},
    {"camera-unreadable", break_camera, SDAG_STORE_CAMERAS, "camera_unreadable"},
    {"pipeline-unreadable", break_pipeline, SDAG_STORE_PIPELINES, "pipeline_unreadable"},
    {"history-unreadable", break_history, SDAG_STORE_HISTORY, "row_unreadable"},
};

static SdagFsckReport *
check(const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = sdag_store_open(dir, &error);
	SdagFsckReport *report;

	g_assert_no_error(error);
	report = sdag_fsck_run(store, &error);
	g_assert_no_error(error);
	return report;
}

/* The reference store, as the daemon left it: nothing to report. */
static void
fsck_clean(void)
{
	g_autofree char *dir = copy_store(golden);
	g_autoptr(SdagFsckReport) report = check(dir);

	g_assert_cmpuint(report->problems->len, ==, 0);
	g_assert_cmpuint(report->jobs, ==, 2);
	/* 20 frames, and 7 at stride 3 */
	g_assert_cmpuint(report->checked[SDAG_STORE_FRAMES], >=, 27);
	g_assert_cmpuint(report->checked[SDAG_STORE_CAMERAS], ==, 1);
	sdag_test_rmtree(dir);
}

/* One break, found with its code in its family, naming a key */
static void
fsck_corruption(gconstpointer data)
{
	const Corruption *c = data;
	g_autofree char *dir = copy_store(golden);
	g_autoptr(SdagFsckReport) report = NULL;
	gboolean found = FALSE;
	Store st = {0};

	{
		g_autoptr(GError) error = NULL;
		st.store = sdag_store_open(dir, &error);
		g_assert_no_error(error);
	}
	sdag_store_iter_prefix(st.store, SDAG_STORE_JOBS, NULL, 0, pick_job_cb, &st, NULL);
	g_assert_nonnull(st.job_id);
	c->corrupt(&st);
	g_clear_pointer(&st.store, sdag_store_free);
	report = check(dir);
	for (guint i = 0; i < report->problems->len; i++) {
		const SdagFsckProblem *p = g_ptr_array_index(report->problems, i);
		g_test_message(
		    "%s %s %s: %s", sdag_store_family_name(p->family), p->key, p->code, p->message);
		found |=
		    p->family == c->family && g_strcmp0(p->code, c->code) == 0 && p->key[0] != '\0';
	}
	if (!found)
		g_error("no %s problem in %s", c->code, sdag_store_family_name(c->family));
	g_free(st.job_id);
	json_object_unref(st.record);
	sdag_test_rmtree(dir);
}

/* streamdagd with @args after it; its exit status, standard output and error */
static int
run_daemon(char **out, char **err, const char *const *args)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;

	g_strv_builder_add(b, g_getenv("SDAG_TEST_STREAMDAGD"));
	g_strv_builder_addv(b, (const char **)args);
	argv = g_strv_builder_end(b);
	p = g_subprocess_newv((const char *const *)argv,
			      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			      &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, out, err, &error));
	g_assert_true(g_subprocess_get_if_exited(p));
	return g_subprocess_get_exit_status(p);
}

/* A data directory whose store is a copy of @from */
static char *
data_dir_of(const char *from)
{
	g_autofree char *copy = copy_store(from);
	g_autofree char *name = g_strdup_printf("data-%08x", g_random_int());
	char *data = g_build_filename(workdir, name, NULL);
	g_autofree char *db = g_build_filename(data, "db", NULL);

	g_assert_cmpint(g_mkdir(data, 0700), ==, 0);
	g_assert_cmpint(g_rename(copy, db), ==, 0);
	return data;
}

/* streamdagd --fsck: 0 and a summary on a sound store; 1 and a line per problem on a broken
 * one; 2 where there is no store */
static void
fsck_offline(void)
{
	g_autofree char *good = data_dir_of(golden);
	g_autofree char *bad = data_dir_of(golden);
	g_autofree char *none = g_build_filename(workdir, "nothing-here", NULL);
	g_autofree char *bad_db = g_build_filename(bad, "db", NULL);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;

	g_assert_cmpint(
	    run_daemon(&out, &err, (const char *const[]){"--fsck", "--data-dir", good, NULL}),
	    ==,
	    0);
	g_assert_nonnull(strstr(out, ": 2 jobs, "));
	g_assert_nonnull(strstr(out, ": 0 problems"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagStore) st = sdag_store_open(bad_db, &error);
		g_assert_no_error(error);
		g_assert_true(sdag_store_put(st,
					     SDAG_STORE_STATE,
					     (const guint8 *)"11111111-0000-4000-8000-000000000000",
					     36,
					     (const guint8 *)"{}",
					     2,
					     TRUE,
					     &error));
	}
	g_assert_cmpint(
	    run_daemon(&out, &err, (const char *const[]){"--fsck", "--data-dir", bad, NULL}),
	    ==,
	    1);
	g_assert_nonnull(
	    strstr(out, "state 11111111-0000-4000-8000-000000000000 orphan_rows: rows of job "));
	g_assert_nonnull(strstr(out, ": 1 problem\n"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    run_daemon(&out, &err, (const char *const[]){"--fsck", "--data-dir", none, NULL}),
	    ==,
	    2);
	g_assert_nonnull(strstr(err, "no store there"));
}

/* streamdagd --restore: a sound backup into an empty data directory, never over a store,
 * never an inconsistent one; the daemon then serves what the backup held */
static void
fsck_restore(void)
{
	g_autofree char *fresh = g_build_filename(workdir, "restored", NULL);
	g_autofree char *broken = copy_store(golden);
	g_autofree char *other = g_build_filename(workdir, "restored-broken", NULL);
	g_autofree char *other_db = g_build_filename(other, "db", NULL);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestDaemon *d;

	g_assert_cmpint(
	    run_daemon(
		&out, &err, (const char *const[]){"--restore", golden, "--data-dir", fresh, NULL}),
	    ==,
	    0);
	g_assert_nonnull(strstr(out, "restored "));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    run_daemon(
		&out, &err, (const char *const[]){"--restore", golden, "--data-dir", fresh, NULL}),
	    ==,
	    2);
	g_assert_nonnull(strstr(err, "is never overwritten"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagStore) st = sdag_store_open(broken, &error);
		g_assert_true(sdag_store_put(st,
					     SDAG_STORE_STATE,
					     (const guint8 *)"22222222-0000-4000-8000-000000000000",
					     36,
					     (const guint8 *)"{}",
					     2,
					     TRUE,
					     &error));
	}
	g_assert_cmpint(
	    run_daemon(
		&out, &err, (const char *const[]){"--restore", broken, "--data-dir", other, NULL}),
	    ==,
	    1);
	g_assert_nonnull(strstr(err, "nothing restored"));
	g_assert_false(g_file_test(other_db, G_FILE_TEST_EXISTS));
	/* the restored store serves its jobs */
	d = sdag_test_daemon_start(fresh, g_getenv("SDAG_TEST_PLUGIN_DIR"), NULL);
	{
		g_autoptr(SdagTestReply) r = call(s, d->base, "GET", "/jobs", NULL);
		JsonArray *jobs =
		    json_object_get_array_member(json_node_get_object(r->json), "jobs");
		g_autofree char *path = NULL;
		g_autoptr(SdagTestReply) res = NULL;

		g_assert_cmpuint(json_array_get_length(jobs), ==, 2);
		path = g_strdup_printf("/jobs/%s/results",
				       json_object_get_string_member(
					   json_array_get_object_element(jobs, 0), "job_id"));
		res = call(s, d->base, "GET", path, NULL);
		g_assert_cmpuint(res->status, ==, 200);
		g_assert_true(
		    json_object_get_boolean_member(json_node_get_object(res->json), "final"));
	}
	sdag_test_daemon_stop(d, SIGTERM);
}

/* GET /admin/fsck checks a checkpoint of the running store; the offline check refuses a
 * store a daemon holds, and says what to use instead */
static void
fsck_online(void)
{
	g_autofree char *data = data_dir_of(golden);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestDaemon *d = sdag_test_daemon_start(data, g_getenv("SDAG_TEST_PLUGIN_DIR"), NULL);
	g_autoptr(SdagTestReply) r = call(s, d->base, "GET", "/admin/fsck", NULL);
	g_autoptr(SdagTestReply) q = call(s, d->base, "GET", "/admin/fsck?full=1", NULL);
	JsonObject *o = json_node_get_object(r->json);
	g_autoptr(GDir) dir = NULL;
	const char *name;

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_true(json_object_get_boolean_member(o, "ok"));
	g_assert_cmpint(json_object_get_int_member(o, "jobs"), ==, 2);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "problems")), ==, 0);
	sdag_test_assert_error(q, 400, "bad_request");
	g_assert_cmpint(
	    run_daemon(&out, &err, (const char *const[]){"--fsck", "--data-dir", data, NULL}),
	    ==,
	    2);
	g_assert_nonnull(strstr(err, "streamdagctl admin fsck"));
	/* the checkpoint it read is gone */
	dir = g_dir_open(data, 0, NULL);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_assert_false(g_str_has_prefix(name, ".fsck-"));
	sdag_test_daemon_stop(d, SIGTERM);
}

typedef struct {
	const char *name;
	const char *body; /* "%s" stands for the work directory */
	guint status;
	const char *code;
} BackupCase;

static const BackupCase backup_cases[] = {
    {"relative", "{\"dir\":\"backups/today\"}", 400, "bad_request"},
    {"dot-dot", "{\"dir\":\"%s/../etc\"}", 400, "bad_request"},
    {"no-parent", "{\"dir\":\"%s/no/such/dir\"}", 400, "bad_request"},
    {"exists", "{\"dir\":\"%s\"}", 409, "conflict"},
    {"not-a-string", "{\"dir\":7}", 400, "bad_request"},
    {"unknown-member", "{\"dir\":\"%s/b\",\"full\":true}", 400, "bad_request"},
    {"not-json", "{\"dir\":", 400, "bad_json"},
};

/* POST /admin/backup refuses what it must, and writes nothing then */
static void
fsck_backup_refused(gconstpointer data)
{
	const BackupCase *c = data;
	g_autofree char *dir = data_dir_of(golden);
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestDaemon *d = sdag_test_daemon_start(dir, g_getenv("SDAG_TEST_PLUGIN_DIR"), NULL);
	g_autoptr(GString) body = g_string_new(c->body);
	g_autoptr(SdagTestReply) r = NULL;

	/* %s: the work directory */
	g_string_replace(body, "%s", workdir, 0);
	r = call(s, d->base, "POST", "/admin/backup", body->str);
	sdag_test_assert_error(r, c->status, c->code);
	g_assert_false(g_file_test("backups/today", G_FILE_TEST_EXISTS));
	sdag_test_daemon_stop(d, SIGTERM);
}

/* POST /jobs/prune: explicit, filtered, dry-run first, audited; the store stays sound */
static void
fsck_prune(void)
{
	g_autofree char *data = data_dir_of(golden);
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestDaemon *d = sdag_test_daemon_start(data, g_getenv("SDAG_TEST_PLUGIN_DIR"), NULL);
	const char *base = d->base;
	JsonObject *o;

	{
		g_autoptr(SdagTestReply) r =
		    call(s,
			 base,
			 "POST",
			 "/jobs/prune",
			 "{\"before\":\"2099-01-01T00:00:00Z\",\"dry_run\":true}");
		o = json_node_get_object(r->json);
		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpint(json_object_get_int_member(o, "matched"), ==, 2);
		g_assert_cmpint(json_object_get_int_member(o, "deleted"), ==, 0);
		g_assert_cmpuint(
		    json_array_get_length(json_object_get_array_member(o, "job_ids")), ==, 2);
	}
	{
		/* nothing before 2000, nothing failed */
		g_autoptr(SdagTestReply) r1 =
		    call(s, base, "POST", "/jobs/prune", "{\"before\":\"2000-01-01T00:00:00Z\"}");
		g_autoptr(SdagTestReply) r2 =
		    call(s,
			 base,
			 "POST",
			 "/jobs/prune",
			 "{\"before\":\"2099-01-01T00:00:00Z\",\"status\":[\"failed\"]}");
		g_assert_cmpint(
		    json_object_get_int_member(json_node_get_object(r1->json), "deleted"), ==, 0);
		g_assert_cmpint(
		    json_object_get_int_member(json_node_get_object(r2->json), "matched"), ==, 0);
	}
	{
		g_autoptr(SdagTestReply) r1 =
		    call(s,
			 base,
			 "POST",
			 "/jobs/prune",
			 "{\"before\":\"2099-01-01T00:00:00Z\",\"status\":\"running\"}");
		g_autoptr(SdagTestReply) r2 =
		    call(s, base, "POST", "/jobs/prune", "{\"before\":\"soon\"}");
		g_autoptr(SdagTestReply) r3 = call(s, base, "POST", "/jobs/prune", "{}");
		g_autoptr(SdagTestReply) r4 =
		    call(s,
			 base,
			 "POST",
			 "/jobs/prune",
			 "{\"before\":\"2099-01-01T00:00:00Z\",\"all\":true}");
		g_autoptr(SdagTestReply) r5 =
		    call(s,
			 base,
			 "POST",
			 "/jobs/prune",
			 "{\"before\":\"2099-01-01T00:00:00Z\",\"dry_run\":1}");
		sdag_test_assert_error(r1, 400, "bad_status");
		sdag_test_assert_error(r2, 400, "bad_time");
		sdag_test_assert_error(r3, 400, "bad_request");
		sdag_test_assert_error(r4, 400, "bad_request");
		sdag_test_assert_error(r5, 400, "bad_request");
	}
	{
		g_autoptr(SdagTestReply) r =
		    call(s,
			 base,
			 "POST",
			 "/jobs/prune",
			 "{\"before\":\"2099-01-01T00:00:00Z\",\"status\":[\"completed\"],"
			 "\"pipeline_id\":\"motion_tracking_v1\"}");
		g_autoptr(SdagTestReply) list = call(s, base, "GET", "/jobs", NULL);
		g_autoptr(SdagTestReply) audit = call(s, base, "GET", "/history?limit=5", NULL);
		g_autoptr(SdagTestReply) check = call(s, base, "GET", "/admin/fsck", NULL);

		g_assert_cmpint(
		    json_object_get_int_member(json_node_get_object(r->json), "deleted"), ==, 2);
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				     json_node_get_object(list->json), "jobs")),
				 ==,
				 0);
		g_assert_nonnull(strstr(audit->text, "/jobs/prune"));
		g_test_message("%s", check->text);
		g_assert_true(
		    json_object_get_boolean_member(json_node_get_object(check->json), "ok"));
		g_assert_cmpint(
		    json_object_get_int_member(json_node_get_object(check->json), "jobs"), ==, 0);
	}
	sdag_test_daemon_stop(d, SIGTERM);
}

typedef enum { WAL_TRUNCATED, WAL_GARBAGE, WAL_ZEROED } WalDamage;

/* The newest write-ahead log file of @db */
static char *
newest_wal(const char *db)
{
	g_autoptr(GDir) dir = g_dir_open(db, 0, NULL);
	const char *name;
	char *best = NULL;
	gint64 best_mtime = -1;

	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(db, name, NULL);
		GStatBuf st;

		if (!g_str_has_suffix(name, ".log") || g_str_has_prefix(name, "LOG") ||
		    g_stat(path, &st) != 0 || st.st_size == 0)
			continue;
		if ((gint64)st.st_mtime >= best_mtime) {
			best_mtime = st.st_mtime;
			g_free(best);
			best = g_steal_pointer(&path);
		}
	}
	g_assert_nonnull(best);
	return best;
}

/* A torn or garbled log tail after a crash: the daemon opens (point-in-time recovery drops
 * the damaged tail), says in /healthz what it replayed, serves what came before, and the
 * store is consistent */
static void
fsck_wal_tail(gconstpointer data)
{
	WalDamage damage = GPOINTER_TO_INT(data);
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestSvc *svc = daemon_start(s);
	g_autofree char *db = g_build_filename(svc->dir, "data", "db", NULL);
	g_autofree char *wal = NULL;
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"motion_tracking_v1\",\"video_url\":\"file://%s\"}", clip);
	g_autofree char *id = submit(s, svc->base, body);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gsize len = 0;
	GStatBuf st;
	gint64 damaged_size;

	wait_terminal(s, svc->base, id);
	sdag_test_svc_stop(svc, SIGKILL);
	wal = newest_wal(db);
	g_assert_true(g_file_get_contents(wal, &text, &len, &error));
	g_assert_cmpuint(len, >, 1024);
	if (damage == WAL_TRUNCATED) {
		g_assert_true(g_file_set_contents(wal, text, (gssize)(len - 37), &error));
	} else if (damage == WAL_GARBAGE) {
		g_autoptr(GRand) r = g_rand_new_with_seed(7);
		g_autoptr(GString) more = g_string_new_len(text, (gssize)len);
		for (guint i = 0; i < 4096; i++)
			g_string_append_c(more, (char)g_rand_int_range(r, 0, 256));
		g_assert_true(g_file_set_contents(wal, more->str, (gssize)more->len, &error));
	} else {
		memset(text + len - 512, 0, 512);
		g_assert_true(g_file_set_contents(wal, text, (gssize)len, &error));
	}
	g_assert_cmpint(g_stat(wal, &st), ==, 0);
	damaged_size = st.st_size;
	sdag_test_svc_respawn(svc);
	{
		g_autoptr(SdagTestReply) h = call(s, svc->base, "GET", "/healthz", NULL);
		g_autoptr(SdagTestReply) p =
		    call(s, svc->base, "GET", "/pipelines/motion_tracking_v1", NULL);
		g_autoptr(SdagTestReply) check = call(s, svc->base, "GET", "/admin/fsck", NULL);
		JsonObject *store =
		    json_object_get_object_member(json_node_get_object(h->json), "store");
		JsonObject *replayed = json_object_get_object_member(store, "wal_replayed");

		JsonObject *dropped = json_object_get_object_member(store, "wal_dropped");

		g_assert_cmpuint(h->status, ==, 200);
		g_assert_cmpint(json_object_get_int_member(replayed, "files"), >=, 1);
		g_assert_cmpint(json_object_get_int_member(replayed, "bytes"), >, 0);
		g_assert_cmpint(json_object_get_int_member(replayed, "batches"), >, 0);
		/* what went: the damaged bytes, at least, and no more than the log held */
		g_assert_nonnull(dropped);
		g_assert_cmpstr(
		    json_object_get_string_member(dropped, "file"), ==, strrchr(wal, '/') + 1);
		g_assert_cmpint(json_object_get_int_member(dropped, "bytes"),
				>=,
				damage == WAL_TRUNCATED ? 1
				: damage == WAL_GARBAGE ? 4096
							: 512);
		/* the newest log is the last replayed: from the damage to its end */
		g_assert_cmpint(json_object_get_int_member(dropped, "offset") +
				    json_object_get_int_member(dropped, "bytes"),
				==,
				damaged_size);
		g_assert_cmpuint(p->status, ==, 200);
		if (!json_object_get_boolean_member(json_node_get_object(check->json), "ok"))
			g_error("after a damaged log tail: %s", check->text);
	}
	g_assert_true(sdag_test_svc_wait_log(svc, "replayed at open", 1000));
	g_assert_true(
	    sdag_test_svc_wait_log(svc, "after the last whole write batch are dropped", 1000));
	sdag_test_svc_free(svc);
}

/* [retention], configured: the ended jobs older than max_age go at start-up, audited; the
 * store stays sound. Not configured (every other case here): nothing goes. */
static void
fsck_retention(void)
{
	g_autofree char *data = data_dir_of(golden);
	g_autofree char *conf = g_build_filename(data, "retention.conf", NULL);
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestDaemon *d;

	g_assert_true(
	    g_file_set_contents(conf, "[retention]\nmax_age=1s\nstatuses=completed\n", -1, NULL));
	/* the reference jobs are a second old at least */
	g_usleep(1100 * 1000);
	d = sdag_test_daemon_start(
	    data, g_getenv("SDAG_TEST_PLUGIN_DIR"), (const char *const[]){"--config", conf, NULL});
	{
		g_autoptr(SdagTestReply) list = call(s, d->base, "GET", "/jobs", NULL);
		g_autoptr(SdagTestReply) audit =
		    call(s, d->base, "GET", "/history?actor=system", NULL);
		g_autoptr(SdagTestReply) check = call(s, d->base, "GET", "/admin/fsck", NULL);

		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				     json_node_get_object(list->json), "jobs")),
				 ==,
				 0);
		g_assert_nonnull(strstr(audit->text, "\"jobs.prune\""));
		g_assert_nonnull(
		    strstr(audit->text, "2 ended job(s) older than [retention] max_age"));
		g_assert_true(
		    json_object_get_boolean_member(json_node_get_object(check->json), "ok"));
	}
	sdag_test_daemon_stop(d, SIGTERM);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	workdir = sdag_test_mkdtemp();
	clip = g_build_filename(workdir, "media", "clip.mp4", NULL);
	{
		g_autofree char *media = g_path_get_dirname(clip);
		g_assert_cmpint(g_mkdir(media, 0700), ==, 0);
	}
	sdag_test_make_clip(clip, 20, 320, 240, 10);
	make_golden();
	g_test_add_func("/fsck/clean", fsck_clean);
	for (guint i = 0; i < G_N_ELEMENTS(corruptions); i++) {
		g_autofree char *path = g_strdup_printf("/fsck/break/%s", corruptions[i].name);
		g_test_add_data_func(path, &corruptions[i], fsck_corruption);
	}
	g_test_add_func("/fsck/offline", fsck_offline);
	g_test_add_func("/fsck/restore", fsck_restore);
	g_test_add_func("/fsck/online", fsck_online);
	for (guint i = 0; i < G_N_ELEMENTS(backup_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/fsck/backup-refused/%s", backup_cases[i].name);
		g_test_add_data_func(path, &backup_cases[i], fsck_backup_refused);
	}
	g_test_add_func("/fsck/prune", fsck_prune);
	g_test_add_func("/fsck/retention", fsck_retention);
	g_test_add_data_func(
	    "/fsck/wal-tail/truncated", GINT_TO_POINTER(WAL_TRUNCATED), fsck_wal_tail);
	g_test_add_data_func("/fsck/wal-tail/garbage", GINT_TO_POINTER(WAL_GARBAGE), fsck_wal_tail);
	g_test_add_data_func("/fsck/wal-tail/zeroed", GINT_TO_POINTER(WAL_ZEROED), fsck_wal_tail);
	rc = g_test_run();
	sdag_test_rmtree(workdir);
	return rc;
}
