/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl's jobs commands as an operator runs them: a real streamdagd
 * on a loopback port, a media root holding a small clip made here with
 * GStreamer, and the exit status and output of each command asserted.
 */
#include "sdag-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <pty.h>
#include <unistd.h>

#define CLIP_FRAMES 30

typedef struct {
	char *dir;   /* everything of the fixture lives under it */
	char *media; /* the daemon's --media-root */
	char *clip;  /* CLIP_FRAMES frames of H.264 in MP4, in the media root */
	SdagTestDaemon *daemon;
	char *url; /* --url=http://127.0.0.1:PORT/ */
} Fixture;

typedef struct {
	int status;
	char *out;
	char *err;
} Run;

static void
run_clear(Run *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Runs streamdagctl with @args after --url; in @cwd when set. */
static void
ctl_run_in(Fixture *f, Run *r, const char *cwd, const char *const *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;

	run_clear(r);
	g_strv_builder_add_many(b, g_getenv("SDAG_TEST_STREAMDAGCTL"), f->url, NULL);
	g_strv_builder_addv(b, (const char **)args);
	argv = g_strv_builder_end(b);
	if (cwd != NULL)
		g_subprocess_launcher_set_cwd(launcher, cwd);
	p = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &r->out, &r->err, &error));
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(p));
	r->status = g_subprocess_get_exit_status(p);
	if (g_test_verbose()) {
		g_autofree char *cmd = g_strjoinv(" ", argv);
		g_test_message("$ %s\n%s%s(exit %d)", cmd, r->out, r->err, r->status);
	}
}

#define ctl_run(f, r, ...) ctl_run_in(f, r, NULL, (const char *const[]){__VA_ARGS__, NULL})

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		g_error("'%s' lacks '%s'", haystack, needle);
}

/* Parses one JSON document; asserts that it is an object. */
static JsonObject *
parse_object(const char *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	root = json_parser_get_root(parser);
	g_assert_nonnull(root);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
	return json_object_ref(json_node_get_object(root));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autofree char *data_dir = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *example = NULL;
	g_auto(Run) add = {0};

	f->dir = sdag_test_mkdtemp();
	f->media = g_build_filename(f->dir, "media", NULL);
	f->clip = g_build_filename(f->media, "clip.mp4", NULL);
	data_dir = g_build_filename(f->dir, "data", NULL);
	conf = g_build_filename(f->dir, "streamdag.conf", NULL);
	g_assert_cmpint(g_mkdir(f->media, 0755), ==, 0);
	sdag_test_make_clip(f->clip, CLIP_FRAMES, 160, 120, 30);
	/* one job at a time: a second job waits in the queue, where it can be cancelled */
	g_assert_true(g_file_set_contents(conf, "[jobs]\nmax_concurrent_jobs=1\n", -1, NULL));

	f->daemon = sdag_test_daemon_start(
	    data_dir,
	    g_getenv("SDAG_TEST_PLUGIN_DIR"),
	    (const char *const[]){"--config", conf, "--media-root", f->media, NULL});
	f->url = g_strdup_printf("--url=%s/", f->daemon->base);

	example = g_build_filename(
	    g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", "passthrough_v1.json", NULL);
	ctl_run(f, &add, "pipelines", "add", example);
	g_assert_cmpint(add.status, ==, 0);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	sdag_test_daemon_stop(f->daemon, SIGTERM);
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->media);
	g_free(f->clip);
	g_free(f->url);
}

/* Submits @source with passthrough_v1; returns the job id it printed. */
static char *
submit(Fixture *f, const char *source)
{
	g_auto(Run) r = {0};

	ctl_run(f, &r, "jobs", "submit", "passthrough_v1", source);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.err, ==, "");
	g_strchomp(r.out);
	g_assert_true(g_uuid_string_is_valid(r.out));
	return g_steal_pointer(&r.out);
}

/* submit → watch → get → results → list → delete on a clip that completes */
static void
ctl_jobs_complete(Fixture *f, gconstpointer data)
{
	g_autofree char *id = submit(f, f->clip);
	g_autofree char *frames = g_strdup_printf("%d", CLIP_FRAMES);
	g_autofree char *frames_text = g_strdup_printf("  %d frames  ", CLIP_FRAMES);
	g_autofree char *uri = g_filename_to_uri(f->clip, NULL, NULL);
	g_auto(Run) r = {0};
	g_auto(GStrv) lines = NULL;
	const char *last;

	/* not a terminal: plain lines, the last one the terminal status */
	ctl_run(f, &r, "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_null(strchr(r.out, '\r'));
	lines = g_strsplit(g_strchomp(r.out), "\n", -1);
	last = lines[g_strv_length(lines) - 1];
	g_assert_true(g_str_has_prefix(last, "[####################] 100%  "));
	assert_contains(last, frames_text);
	g_assert_true(g_str_has_suffix(last, " fps  completed"));

	ctl_run(f, &r, "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "status       completed\n");
	assert_contains(r.out, "pipeline     passthrough_v1\n");
	assert_contains(r.out, uri);
	assert_contains(r.out, "progress     100%\n");
	assert_contains(r.out, "summary\n");

	ctl_run(f, &r, "jobs", "results", id);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "status       completed (final)\n");
	assert_contains(r.out, "total_frames");
	assert_contains(r.out, frames);

	ctl_run(f, &r, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "JOB "));
	assert_contains(r.out, id);
	assert_contains(r.out, "completed");

	/* watching a job that has ended prints its last state at once */
	ctl_run(f, &r, "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "completed");

	/* a terminal job cannot be cancelled; it can be deleted, once */
	ctl_run(f, &r, "jobs", "cancel", id);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 409 job_terminal: ");
	ctl_run(f, &r, "jobs", "delete", id);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, id);
	ctl_run(f, &r, "jobs", "delete", id);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 404 job_not_found: ");
	ctl_run(f, &r, "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "job_not_found");
	g_assert_cmpstr(r.out, ==, "");
	ctl_run(f, &r, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "no jobs\n");
}

/* On a terminal, watch redraws one line in place and ends it with the status. */
static void
ctl_jobs_watch_tty(Fixture *f, gconstpointer data)
{
	g_autofree char *id = submit(f, f->clip);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	int master = -1, slave = -1;
	char buf[4096];
	gssize n;

	g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
	g_subprocess_launcher_take_stdout_fd(launcher, slave);
	p = g_subprocess_launcher_spawn(launcher,
					&error,
					g_getenv("SDAG_TEST_STREAMDAGCTL"),
					f->url,
					"jobs",
					"watch",
					id,
					NULL);
	g_assert_no_error(error);
	g_clear_object(&launcher); /* closes our copy of the slave side */
	/* read until the child's side closes (EIO on Linux) */
	while ((n = read(master, buf, sizeof(buf))) > 0)
		g_string_append_len(out, buf, n);
	close(master);
	g_assert_true(g_subprocess_wait(p, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
	/* the terminal turns \n into \r\n */
	g_assert_true(g_str_has_prefix(out->str, "\r["));
	assert_contains(out->str, "\033[K");
	if (!g_str_has_suffix(out->str, "completed\033[K\r\n"))
		g_error("unexpected terminal output '%s'", g_strescape(out->str, NULL));
	/* one line in all */
	g_assert_cmpint(strchr(out->str, '\n') - out->str, ==, out->len - 1);
}

/* --json: every answer is the daemon's JSON, one document a line */
static void
ctl_jobs_json(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autoptr(JsonObject) submitted = NULL;
	g_autoptr(JsonObject) job = NULL;
	g_autoptr(JsonObject) results = NULL;
	g_autoptr(JsonObject) list = NULL;
	g_autoptr(JsonObject) refusal = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree char *id = NULL;
	g_autofree char *other = NULL;
	JsonObject *last = NULL;

	ctl_run(f, &r, "--json", "jobs", "submit", "passthrough_v1", f->clip);
	g_assert_cmpint(r.status, ==, 0);
	submitted = parse_object(r.out);
	g_assert_cmpstr(json_object_get_string_member(submitted, "status"), ==, "queued");
	id = g_strdup(json_object_get_string_member(submitted, "job_id"));
	g_assert_true(g_uuid_string_is_valid(id));

	ctl_run(f, &r, "--json", "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 0);
	lines = g_strsplit(g_strchomp(r.out), "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), >=, 1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(JsonObject) one = parse_object(lines[i]);
		g_assert_cmpstr(json_object_get_string_member(one, "job_id"), ==, id);
		if (lines[i + 1] == NULL)
			last = json_object_ref(one);
	}
	g_assert_cmpstr(json_object_get_string_member(last, "status"), ==, "completed");
	json_object_unref(last);

	ctl_run(f, &r, "--json", "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 0);
	job = parse_object(r.out);
	g_assert_cmpstr(json_object_get_string_member(job, "status"), ==, "completed");
	g_assert_cmpint(json_object_get_int_member(job, "frames_processed"), ==, CLIP_FRAMES);

	ctl_run(f, &r, "--json", "jobs", "results", id);
	g_assert_cmpint(r.status, ==, 0);
	results = parse_object(r.out);
	g_assert_true(json_object_get_boolean_member(results, "final"));
	g_assert_true(json_object_has_member(results, "summary"));

	/* a second job, so that a page of one has a next page */
	other = submit(f, f->clip);
	ctl_run(f, &r, "--json", "jobs", "list", "--limit", "1");
	g_assert_cmpint(r.status, ==, 0);
	list = parse_object(r.out);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(list, "jobs")), ==, 1);
	g_assert_nonnull(json_object_get_string_member(list, "next_cursor"));

	/* a refusal: the error document on standard output, the reason on standard error */
	ctl_run(f, &r, "--json", "jobs", "get", "no-such-job");
	g_assert_cmpint(r.status, ==, 1);
	refusal = parse_object(r.out);
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(refusal, "error"), "code"),
	    ==,
	    "job_not_found");
	assert_contains(r.err, "job_not_found");

	/* delete answers 204: nothing to print */
	ctl_run(f, &r, "jobs", "watch", other);
	g_assert_cmpint(r.status, ==, 0);
	ctl_run(f, &r, "--json", "jobs", "delete", other);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "");
}

/* jobs list pages with --limit and --cursor */
static void
ctl_jobs_list_pages(Fixture *f, gconstpointer data)
{
	g_autofree char *a = submit(f, f->clip);
	g_autofree char *b = submit(f, f->clip);
	g_auto(Run) r = {0};
	g_autofree char *cursor = NULL;
	const char *more;

	ctl_run(f, &r, "jobs", "list", "--limit", "1");
	g_assert_cmpint(r.status, ==, 0);
	/* newest first */
	assert_contains(r.out, b);
	g_assert_null(strstr(r.out, a));
	more = strstr(r.out, "more: streamdagctl jobs list --cursor ");
	g_assert_nonnull(more);
	cursor = g_strchomp(g_strdup(more + strlen("more: streamdagctl jobs list --cursor ")));

	ctl_run(f, &r, "jobs", "list", "--limit", "1", "--cursor", cursor);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, a);
	g_assert_null(strstr(r.out, b));
	g_assert_null(strstr(r.out, "more:"));

	ctl_run(f, &r, "jobs", "list", "--cursor", "garbage!");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "bad_cursor");
}

/* Polls @id until its status is @status; FALSE if it never is within 10 s. */
static gboolean
wait_status(Fixture *f, const char *id, const char *status)
{
	for (guint i = 0; i < 1000; i++) {
		g_auto(Run) r = {0};
		g_autoptr(JsonObject) job = NULL;

		ctl_run(f, &r, "--json", "jobs", "get", id);
		g_assert_cmpint(r.status, ==, 0);
		job = parse_object(r.out);
		if (g_strcmp0(json_object_get_string_member(job, "status"), status) == 0)
			return TRUE;
		g_usleep(10 * 1000);
	}
	return FALSE;
}

/* cancel a queued job and a running one; delete refuses a job that has not ended */
static void
ctl_jobs_cancel(Fixture *f, gconstpointer data)
{
	const char *vtest = g_getenv("SDAG_TEST_VTEST");
	g_autofree char *long_clip = NULL;
	g_autofree char *running = NULL;
	g_autofree char *second = NULL;
	g_autofree char *queued = NULL;
	g_autofree char *cancelled = NULL;
	g_auto(Run) r = {0};
	g_autoptr(JsonObject) job = NULL;

	/* the reference footage takes long enough to decode (795 frames of
	 * MS-MPEG4) to be caught running; without it, a longer clip made here */
	if (vtest != NULL && g_file_test(vtest, G_FILE_TEST_IS_REGULAR)) {
		g_autofree char *bytes = NULL;
		gsize len = 0;

		long_clip = g_build_filename(f->media, "vtest.avi", NULL);
		g_assert_true(g_file_get_contents(vtest, &bytes, &len, NULL));
		g_assert_true(g_file_set_contents(long_clip, bytes, (gssize)len, NULL));
	} else {
		long_clip = g_build_filename(f->media, "long.mp4", NULL);
		sdag_test_make_clip(long_clip, 3000, 160, 120, 30);
	}

	/* one job at a time: the clip waits behind two long jobs */
	running = submit(f, long_clip);
	second = submit(f, long_clip);
	queued = submit(f, f->clip);

	ctl_run(f, &r, "jobs", "delete", queued);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 409 job_not_terminal: ");

	ctl_run(f, &r, "jobs", "cancel", queued);
	g_assert_cmpint(r.status, ==, 0);
	cancelled = g_strdup_printf("%s cancelled\n", queued);
	g_assert_cmpstr(r.out, ==, cancelled);
	ctl_run(f, &r, "jobs", "watch", queued);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.out, "cancelled");
	assert_contains(r.err, "cancelled");

	g_assert_true(wait_status(f, running, "running"));
	ctl_run(f, &r, "--json", "jobs", "cancel", running);
	g_assert_cmpint(r.status, ==, 0);
	job = parse_object(r.out);
	g_assert_cmpstr(json_object_get_string_member(job, "status"), ==, "cancelled");
	ctl_run(f, &r, "jobs", "cancel", running);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 409 job_terminal: ");
	ctl_run(f, &r, "jobs", "delete", running);
	g_assert_cmpint(r.status, ==, 0);

	ctl_run(f, &r, "jobs", "cancel", second);
	g_assert_cmpint(r.status, ==, 0);
}

/* a job that fails: watch exits 1 and says why */
static void
ctl_jobs_fail(Fixture *f, gconstpointer data)
{
	g_autofree char *junk = g_build_filename(f->media, "junk.mp4", NULL);
	g_autofree char *id = NULL;
	g_autofree char *reason = NULL;
	g_auto(Run) r = {0};

	g_assert_true(g_file_set_contents(junk, "this is not a video\n", -1, NULL));
	id = submit(f, junk);
	ctl_run(f, &r, "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.out, "failed");
	reason = g_strdup_printf("streamdagctl: job %s failed: ", id);
	assert_contains(r.err, reason);

	ctl_run(f, &r, "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "status       failed\n");
	assert_contains(r.out, "error        ");
}

/* submit-batch over a directory: one job a file, by name, followed to the end; a file that
 * is no video fails its job, named by its file, and the exit status says so */
static void
ctl_jobs_submit_batch(Fixture *f, gconstpointer data)
{
	/* inside the media root, with a file that is not sent */
	g_autofree char *dir = g_build_filename(f->media, "batch", NULL);
	g_autofree char *a = g_build_filename(dir, "a.mp4", NULL);
	g_autofree char *b = g_build_filename(dir, "b.mp4", NULL);
	g_autofree char *junk = g_build_filename(dir, "c-junk.mp4", NULL);
	g_autofree char *hidden = g_build_filename(dir, ".hidden.mp4", NULL);
	g_autofree char *extra = g_build_filename(dir, "sub", NULL);
	g_autofree char *junk_line = NULL;
	g_auto(Run) r = {0};
	g_auto(GStrv) lines = NULL;
	guint n;

	g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
	g_assert_cmpint(g_mkdir(extra, 0755), ==, 0);
	sdag_test_make_clip(a, 10, 160, 120, 30);
	sdag_test_make_clip(b, 10, 160, 120, 30);
	g_assert_true(g_file_set_contents(junk, "this is not a video\n", -1, NULL));
	g_assert_true(g_file_set_contents(hidden, "not sent\n", -1, NULL));

	ctl_run(f, &r, "jobs", "submit-batch", "--pipeline", "passthrough_v1", dir, f->clip);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_null(strchr(r.out, '\r'));
	g_assert_true(g_str_has_prefix(r.out, "4 jobs of passthrough_v1 queued\n"));
	lines = g_strsplit(g_strchomp(r.out), "\n", -1);
	n = g_strv_length(lines);
	g_assert_true(g_str_has_prefix(lines[n - 2], "[##############################] 4/4 ended"));
	assert_contains(lines[n - 2], "  1 failed  ");
	g_assert_true(
	    g_str_has_prefix(lines[n - 1], "4 jobs: 3 completed, 1 failed, 0 cancelled ("));
	junk_line = g_strdup_printf("streamdagctl: %s: job ", junk);
	assert_contains(r.err, junk_line);
	assert_contains(r.err, " failed: ");
	g_assert_null(strstr(r.err, ".hidden"));

	/* all good: exit 0 */
	ctl_run(
	    f, &r, "jobs", "submit-batch", "--pipeline", "passthrough_v1", "--stride", "2", a, b);
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "2 jobs: 2 completed, 0 failed, 0 cancelled (");
	g_assert_cmpstr(r.err, ==, "");
}

/* a batch the daemon refuses: each refused source named, nothing stored; with --partial the
 * others run and the exit status still says that one was refused */
static void
ctl_jobs_submit_batch_refused(Fixture *f, gconstpointer data)
{
	g_autofree char *outside = g_build_filename(f->dir, "outside.mp4", NULL);
	g_autofree char *named = NULL;
	g_auto(Run) r = {0};

	g_assert_true(g_file_set_contents(outside, "x", -1, NULL));
	ctl_run(f, &r, "jobs", "submit-batch", "--pipeline", "passthrough_v2", f->clip);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "POST /jobs/batch: HTTP 422 invalid_batch: nothing stored\n");
	named = g_strdup_printf("streamdagctl: %s: pipeline_not_found: ", f->clip);
	assert_contains(r.err, named);

	ctl_run(f, &r, "jobs", "submit-batch", "--pipeline", "passthrough_v1", f->clip, outside);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "source_forbidden");
	ctl_run(f, &r, "jobs", "list");
	g_assert_cmpstr(r.out, ==, "no jobs\n");

	ctl_run(f,
		&r,
		"jobs",
		"submit-batch",
		"--partial",
		"--pipeline",
		"passthrough_v1",
		f->clip,
		outside);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.out, "1 jobs: 1 completed, 0 failed, 0 cancelled; 1 refused (");
	g_free(named);
	named = g_strdup_printf("streamdagctl: %s: source_forbidden: ", outside);
	assert_contains(r.err, named);
}

/* sources: a bare file name becomes a file:// URL of its absolute path */
static void
ctl_jobs_submit_sources(Fixture *f, gconstpointer data)
{
	g_autofree char *uri = g_filename_to_uri(f->clip, NULL, NULL);
	g_autofree char *outside = g_build_filename(f->dir, "outside.mp4", NULL);
	g_autofree char *id = NULL;
	g_auto(Run) r = {0};

	/* relative to the working directory */
	ctl_run_in(f,
		   &r,
		   f->media,
		   (const char *const[]){"jobs", "submit", "passthrough_v1", "clip.mp4", NULL});
	g_assert_cmpint(r.status, ==, 0);
	id = g_strdup(g_strchomp(r.out));
	ctl_run(f, &r, "--json", "jobs", "get", id);
	{
		g_autoptr(JsonObject) job = parse_object(r.out);
		g_assert_cmpstr(json_object_get_string_member(job, "source"), ==, uri);
	}
	ctl_run(f, &r, "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 0);

	/* a URL is sent as it is */
	ctl_run(f, &r, "jobs", "submit", "passthrough_v1", uri, "--stride", "5");
	g_assert_cmpint(r.status, ==, 0);
	g_free(id);
	id = g_strdup(g_strchomp(r.out));
	ctl_run(f, &r, "--json", "jobs", "get", id);
	{
		g_autoptr(JsonObject) job = parse_object(r.out);
		JsonObject *options = json_object_get_object_member(job, "options");
		g_assert_cmpstr(json_object_get_string_member(job, "source"), ==, uri);
		g_assert_cmpint(json_object_get_int_member(options, "stride"), ==, 5);
		g_assert_cmpint(json_object_get_int_member(options, "max_frames"), ==, 0);
		g_assert_cmpstr(json_object_get_string_member(options, "on_interrupt"), ==, "fail");
		/* not given, not sent: the daemon's default */
		g_assert_cmpstr(json_object_get_string_member(options, "decode"), ==, "all");
	}

	/* every option */
	ctl_run(f,
		&r,
		"jobs",
		"submit",
		"--max-frames",
		"7",
		"--requeue-on-interrupt",
		"--decode",
		"keyframes",
		"passthrough_v1",
		f->clip);
	g_assert_cmpint(r.status, ==, 0);
	g_free(id);
	id = g_strdup(g_strchomp(r.out));
	ctl_run(f, &r, "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 0);
	ctl_run(f, &r, "--json", "jobs", "get", id);
	{
		g_autoptr(JsonObject) job = parse_object(r.out);
		JsonObject *options = json_object_get_object_member(job, "options");
		g_assert_cmpint(json_object_get_int_member(options, "max_frames"), ==, 7);
		g_assert_cmpstr(
		    json_object_get_string_member(options, "on_interrupt"), ==, "requeue");
		g_assert_cmpstr(json_object_get_string_member(options, "decode"), ==, "keyframes");
		g_assert_cmpint(json_object_get_int_member(job, "frames_processed"), <=, 7);
	}

	/* refusals: the API's code and message */
	g_assert_true(g_file_set_contents(outside, "x", -1, NULL));
	ctl_run(f, &r, "jobs", "submit", "passthrough_v1", outside);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "POST /jobs: HTTP 403 source_forbidden: ");
	g_assert_cmpstr(r.out, ==, "");
	ctl_run(f, &r, "jobs", "submit", "no_such_pipeline", f->clip);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 404 pipeline_not_found: ");
	ctl_run(f, &r, "jobs", "submit", "passthrough_v1", "gopher://example.org/x");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 400 unsupported_source: ");
	ctl_run(f, &r, "jobs", "submit", "passthrough_v1", f->clip, "--stride", "10001");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 400 bad_option: ");
}

#define SNAP_PIPELINE                                                                          \
	"{\"pipeline_id\":\"snap\",\"nodes\":[{\"id\":\"s\",\"type\":\"snapshot\",\"params\":" \
	"{\"every_n\":1}}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"s.frame\"}],"        \
	"\"outputs\":[\"s.image\"]}"

/* Writes @text to @name in the fixture's directory; returns its path. */
static char *
write_file(Fixture *f, const char *name, const char *text)
{
	char *path = g_build_filename(f->dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* put (named by the file), list, get, disable, enable, snapshot, delete: each command's
 * output and exit status; the password never printed */
static void
ctl_cameras_lifecycle(Fixture *f, gconstpointer data)
{
	g_autofree char *pipe = write_file(f, "snap.json", SNAP_PIPELINE);
	g_autofree char *def = NULL;
	g_autofree char *body =
	    g_strdup_printf("{\"source\":\"file://%s\",\"pipeline_id\":\"snap\",\"enabled\":true,"
			    "\"user\":\"viewer\",\"password\":\"ctl-secret\"}",
			    f->clip);
	g_autofree char *snap = g_build_filename(f->dir, "out.jpg", NULL);
	g_autofree char *jpeg = NULL;
	gsize len = 0;
	g_auto(Run) r = {0};

	def = write_file(f, "front_door.json", body);
	ctl_run(f, &r, "pipelines", "add", pipe);
	g_assert_cmpint(r.status, ==, 0);
	ctl_run(f, &r, "cameras", "put", def);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "front_door created\n");
	ctl_run(f, &r, "cameras", "put", def);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "front_door replaced\n");
	ctl_run(f, &r, "cameras", "list");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "NAME ");
	assert_contains(r.out, "front_door ");
	assert_contains(r.out, "api");
	ctl_run(f, &r, "cameras", "get", "front_door");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "password        ***");
	g_assert_null(strstr(r.out, "ctl-secret"));
	/* a file camera's job ends; its snapshot stays */
	{
		gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
		for (;;) {
			g_autoptr(JsonObject) o = NULL;
			ctl_run(f, &r, "--json", "cameras", "get", "front_door");
			g_assert_cmpint(r.status, ==, 0);
			o = parse_object(r.out);
			if (g_strcmp0(json_object_get_string_member(o, "job_status"),
				      "completed") == 0)
				break;
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			g_usleep(100000);
		}
	}
	/* to a file, as "> out.jpg" does */
	{
		g_autoptr(GSubprocessLauncher) l =
		    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
		g_autoptr(GSubprocess) p = NULL;
		g_autoptr(GError) error = NULL;

		g_subprocess_launcher_set_stdout_file_path(l, snap);
		p = g_subprocess_launcher_spawn(l,
						&error,
						g_getenv("SDAG_TEST_STREAMDAGCTL"),
						f->url,
						"cameras",
						"snapshot",
						"front_door",
						NULL);
		g_assert_no_error(error);
		g_assert_true(g_subprocess_wait_check(p, NULL, &error));
	}
	g_assert_true(g_file_get_contents(snap, &jpeg, &len, NULL));
	g_assert_cmpuint(len, >, 100);
	g_assert_cmpuint((guint8)jpeg[0], ==, 0xff);
	g_assert_cmpuint((guint8)jpeg[1], ==, 0xd8);
	ctl_run(f, &r, "cameras", "disable", "front_door");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "source_state    disabled");
	ctl_run(f, &r, "cameras", "enable", "front_door");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "enabled         true");
	ctl_run(f, &r, "cameras", "delete", "front_door");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "deleted front_door\n");
	ctl_run(f, &r, "cameras", "get", "front_door");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 404 camera_not_found: ");
}

/* What the daemon refuses comes back with its code, exit 1; a bad file, exit 2 */
static void
ctl_cameras_refused(Fixture *f, gconstpointer data)
{
	g_autofree char *no_enabled = write_file(
	    f, "gate.json", "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"passthrough_v1\"}");
	g_autofree char *named = write_file(f,
					    "x.json",
					    "{\"name\":\"side\",\"source\":\"rtsp://127.0.0.1:9/"
					    "s\",\"pipeline_id\":\"passthrough_v1\","
					    "\"enabled\":false}");
	g_autofree char *broken = write_file(f, "broken.json", "{");
	g_auto(Run) r = {0};

	ctl_run(f, &r, "cameras", "put", no_enabled);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 400 bad_request: ");
	assert_contains(r.err, "enabled");
	ctl_run(f, &r, "cameras", "put", broken);
	g_assert_cmpint(r.status, ==, 2);
	assert_contains(r.err, "not a JSON object");
	/* named by its "name" member, or by the argument */
	ctl_run(f, &r, "cameras", "put", named);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "side created\n");
	ctl_run(f, &r, "cameras", "put", "back", named);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "back created\n");
	ctl_run(f, &r, "cameras", "put", "Bad Name", named);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "bad_request");
	ctl_run(f, &r, "cameras", "snapshot", "side");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 404 job_not_found: ");
	ctl_run(f, &r, "cameras", "tail", "nope");
	g_assert_cmpint(r.status, ==, 1);
	ctl_run(f, &r, "--json", "cameras", "list");
	g_assert_cmpint(r.status, ==, 0);
	{
		g_autoptr(JsonObject) o = parse_object(r.out);
		g_assert_cmpuint(
		    json_array_get_length(json_object_get_array_member(o, "cameras")), ==, 2);
	}
}

/* tail: the camera's feed, one JSON document a line, across the camera's jobs, until Ctrl-C */
static void
ctl_cameras_tail(Fixture *f, gconstpointer data)
{
	g_autofree char *def =
	    write_file(f,
		       "t.json",
		       "{\"source\":\"rtsp://127.0.0.1:9/"
		       "s\",\"pipeline_id\":\"passthrough_v1\",\"enabled\":true}");
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree char *line = NULL;
	g_autoptr(JsonObject) o = NULL;
	g_autofree char *first = NULL;
	g_auto(Run) r = {0};

	ctl_run(f, &r, "cameras", "put", def);
	g_assert_cmpint(r.status, ==, 0);
	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE,
			     &error,
			     g_getenv("SDAG_TEST_STREAMDAGCTL"),
			     f->url,
			     "cameras",
			     "tail",
			     "t",
			     NULL);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
	/* the first message: the job's status as it is now */
	line = g_data_input_stream_read_line_utf8(out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	o = parse_object(line);
	g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "status");
	first = g_strdup(
	    json_object_get_string_member(json_object_get_object_member(o, "payload"), "job_id"));
	/* a new definition, a new job: the same feed goes on with it */
	g_assert_true(g_file_set_contents(
	    def,
	    "{\"source\":\"rtsp://127.0.0.1:9/s2\",\"pipeline_id\":\"passthrough_v1\","
	    "\"enabled\":true}",
	    -1,
	    NULL));
	ctl_run(f, &r, "cameras", "put", def);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "t replaced\n");
	for (;;) {
		g_autofree char *next = g_data_input_stream_read_line_utf8(out, NULL, NULL, &error);
		g_autoptr(JsonObject) m = NULL;
		JsonObject *payload;

		g_assert_no_error(error);
		g_assert_nonnull(next);
		m = parse_object(next);
		payload = json_object_get_object_member(m, "payload");
		if (g_strcmp0(json_object_get_string_member(m, "type"), "status") == 0 &&
		    g_strcmp0(json_object_get_string_member(payload, "job_id"), first) != 0) {
			g_assert_cmpstr(json_object_get_string_member(payload, "camera"), ==, "t");
			break;
		}
	}
	g_subprocess_send_signal(p, SIGINT);
	g_assert_true(g_subprocess_wait(p, NULL, &error));
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
}

/* admin fsck, admin backup, jobs prune: a sound store, a copy of it, ended jobs deleted only
 * when asked; refusals with their codes */
static void
ctl_admin_tools(Fixture *f, gconstpointer data)
{
	g_autofree char *id = submit(f, f->clip);
	g_autofree char *backup = g_build_filename(f->dir, "backup", NULL);
	g_autofree char *line = NULL;
	g_auto(Run) r = {0};

	ctl_run(f, &r, "jobs", "watch", id);
	g_assert_cmpint(r.status, ==, 0);
	ctl_run(f, &r, "admin", "fsck");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, "1 jobs checked in ");
	assert_contains(r.out, ": 0 problems\n");
	ctl_run(f, &r, "admin", "backup", backup);
	g_assert_cmpint(r.status, ==, 0);
	line = g_strdup_printf("backup %s: ", backup);
	assert_contains(r.out, line);
	g_assert_true(g_file_test(backup, G_FILE_TEST_IS_DIR));
	ctl_run(f, &r, "admin", "backup", backup);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 409 conflict: ");
	ctl_run(f, &r, "jobs", "prune", "--before", "2099-01-01T00:00:00Z", "--status", "running");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 400 bad_status: ");
	ctl_run(f, &r, "jobs", "prune", "--before", "2099-01-01T00:00:00Z", "--dry-run");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.out, id);
	assert_contains(r.out, "1 ended job(s) would be deleted (dry run)\n");
	ctl_run(f, &r, "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 0);
	ctl_run(f,
		&r,
		"jobs",
		"prune",
		"--before",
		"2099-01-01T00:00:00Z",
		"--status",
		"completed,failed",
		"--pipeline",
		"passthrough_v1");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "1 ended job(s) deleted\n");
	ctl_run(f, &r, "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "job_not_found");
}

/*
 * One daemon for the command table: a finished job of each pipeline (a snapshot pipeline and
 * passthrough_v1), a frame to run, a valid and an invalid definition. Started by the first
 * case that needs it, stopped after the last test.
 */
typedef struct {
	Fixture f;
	char *job;  /* snap_v1 over the clip, completed */
	char *pjob; /* passthrough_v1 over the clip, completed: no snapshot */
} Shared;

static Shared *shared;

#define SHARED_SNAP                                                                                \
	"{\"pipeline_id\":\"snap_v1\",\"nodes\":[{\"id\":\"pass\",\"type\":\"passthrough\"},"      \
	"{\"id\":\"snap\",\"type\":\"snapshot\",\"params\":{\"every_n\":10}}],"                    \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"pass.frame\"},{\"from\":\"source.frame\"," \
	"\"to\":\"snap.frame\"}],\"outputs\":[\"pass.frame\",\"snap.image\"]}"
#define SHARED_VALID                                                                           \
	"{\"pipeline_id\":\"valid_only\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}]," \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}"
#define SHARED_BAD                                                                       \
	"{\"pipeline_id\":\"x\",\"nodes\":[{\"id\":\"detect\",\"type\":\"hog_peopel\"}," \
	"{\"id\":\"tally\",\"type\":\"count\"}],\"edges\":[{\"from\":\"source.frame\","  \
	"\"to\":\"tally.detections\"}]}"

static Fixture *
shared_get(void)
{
	g_autofree char *snap = NULL;
	g_autofree char *frame = NULL;
	g_autofree char *launch = NULL;
	g_auto(Run) r = {0};

	if (shared != NULL)
		return &shared->f;
	shared = g_new0(Shared, 1);
	fixture_setup(&shared->f, NULL);
	snap = write_file(&shared->f, "snap.json", SHARED_SNAP);
	g_free(write_file(&shared->f, "valid.json", SHARED_VALID));
	g_free(write_file(&shared->f, "bad.json", SHARED_BAD));
	g_free(write_file(&shared->f, "notes.txt", "not an image\n"));
	frame = g_build_filename(shared->f.dir, "frame.jpg", NULL);
	launch = g_strdup_printf("location=%s", frame);
	{
		/* as the clips are made: this process does not load GStreamer's plugins */
		g_autoptr(GError) error = NULL;
		g_autoptr(GSubprocess) p = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE,
							    &error,
							    "gst-launch-1.0",
							    "-q",
							    "videotestsrc",
							    "num-buffers=1",
							    "!",
							    "video/x-raw,width=160,height=120",
							    "!",
							    "jpegenc",
							    "!",
							    "filesink",
							    launch,
							    NULL);

		g_assert_no_error(error);
		g_assert_true(g_subprocess_wait_check(p, NULL, &error));
		g_assert_no_error(error);
	}
	ctl_run(&shared->f, &r, "pipelines", "add", snap);
	g_assert_cmpint(r.status, ==, 0);
	shared->pjob = submit(&shared->f, shared->f.clip);
	ctl_run(&shared->f, &r, "jobs", "submit", "snap_v1", shared->f.clip);
	g_assert_cmpint(r.status, ==, 0);
	shared->job = g_strdup(g_strchomp(r.out));
	/* one job at a time: the second ends after the first */
	ctl_run(&shared->f, &r, "jobs", "watch", shared->job);
	g_assert_cmpint(r.status, ==, 0);
	return &shared->f;
}

static void
shared_stop(void)
{
	if (shared == NULL)
		return;
	fixture_teardown(&shared->f, NULL);
	g_free(shared->job);
	g_free(shared->pjob);
	g_clear_pointer(&shared, g_free);
}

/* @arg with {job}, {pjob} and {dir} put in */
static char *
expand(const char *arg)
{
	const char *const keys[] = {"{job}", "{pjob}", "{dir}"};
	const char *values[] = {shared->job, shared->pjob, shared->f.dir};
	char *text = g_strdup(arg);

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_auto(GStrv) parts = g_strsplit(text, keys[i], -1);

		g_free(text);
		text = g_strjoinv(values[i], parts);
	}
	return text;
}

typedef struct {
	const char *name;
	const char *args[10];
	int status;
	const char *out[4];  /* standard output holds each ({job} etc. put in) */
	const char *err;     /* standard error holds it; NULL: standard error is empty */
	const char *not_out; /* standard output lacks it */
} CommandCase;

/* Each command, and each of its ways to fail, against the shared daemon. */
static const CommandCase command_cases[] = {
    {"health", {"health"}, 0, {"\"status\": \"ok\"", "\"node_types\": 10"}},
    {"health-json", {"--json", "health"}, 0, {"{\"status\":\"ok\","}},
    {"health-extra", {"health", "now"}, 2, {NULL}, "usage: streamdagctl health"},
    {"node-types",
     {"node-types"},
     0,
     {"TYPE ", "INPUTS (? optional)", "\nsnapshot ", "frame,detections?,tracks?"}},
    {"node-types-json", {"--json", "node-types"}, 0, {"{\"node_types\":[{\"name\":"}},
    {"metrics", {"metrics"}, 0, {"# TYPE streamdag_jobs gauge\n", "streamdag_jobs{status="}},
    {"history", {"history"}, 0, {"SEQ ", "job.completed ", "job/{job}", "pipeline.register"}},
    {"history-filtered",
     {"history", "--action", "job.running", "--actor", "system", "--limit", "1"},
     0,
     {"job.running ", "job/{job}", "more: streamdagctl history --cursor "},
     NULL,
     "job.completed"},
    {"history-none", {"history", "--since", "2099-01-01T00:00:00Z"}, 0, {"no entries\n"}},
    {"history-json", {"--json", "history", "--limit", "2"}, 0, {"{\"entries\":[{\"seq\":"}},
    {"history-bad-time", {"history", "--since", "yesterday"}, 1, {NULL}, "HTTP 400 bad_time: "},
    {"pipelines-list",
     {"pipelines", "list"},
     0,
     {"PIPELINE        NODES  CREATED                   DESCRIPTION\n",
      "\nsnap_v1             2  20",
      "\npassthrough_v1      1  20"}},
    {"pipelines-list-json",
     {"--json", "pipelines", "list"},
     0,
     {"{\"pipelines\":[{\"pipeline_id\":"}},
    {"pipelines-get", {"pipelines", "get", "snap_v1"}, 0, {"\"type\": \"snapshot\""}},
    {"pipelines-get-unknown",
     {"pipelines", "get", "nope"},
     1,
     {NULL},
     "GET /pipelines/nope: HTTP 404"},
    {"pipelines-validate",
     {"pipelines", "validate", "{dir}/valid.json", "{dir}/snap.json"},
     0,
     {"{dir}/valid.json: valid (order: p)\n", "{dir}/snap.json: valid (order: pass → snap)\n"}},
    {"pipelines-validate-invalid",
     {"pipelines", "validate", "{dir}/bad.json"},
     1,
     {"{dir}/bad.json: invalid, 2 problems\n",
      "  unknown_node_type     detect        -             node 'detect' has unknown type "
      "'hog_peopel'\n",
      "  type_mismatch         tally         detections    'tally.detections' expects "
      "detections but 'source.frame' gives frame\n"}},
    {"pipelines-validate-json",
     {"--json", "pipelines", "validate", "{dir}/bad.json"},
     1,
     {"{\"error\":{\"code\":\"unknown_node_type\"", "\"problems\":["},
     "{dir}/bad.json: POST /pipelines?dry_run=true: HTTP 400 unknown_node_type: "},
    {"pipelines-validate-not-json",
     {"pipelines", "validate", "{dir}/notes.txt"},
     1,
     {NULL},
     "{dir}/notes.txt: POST /pipelines?dry_run=true: HTTP 400 bad_json: "},
    {"pipelines-validate-missing",
     {"pipelines", "validate", "{dir}/none.json"},
     2,
     {NULL},
     "{dir}/none.json"},
    /* validate stored nothing */
    {"pipelines-validate-stores-nothing",
     {"pipelines", "get", "valid_only"},
     1,
     {NULL},
     "HTTP 404"},
    {"pipelines-stats",
     {"pipelines", "stats", "snap_v1"},
     0,
     {"pipeline     snap_v1\n",
      "runs         1 ended: 1 started, 1 completed",
      "bottleneck   ",
      "trend\n"}},
    {"pipelines-stats-json",
     {"--json", "pipelines", "stats", "snap_v1"},
     0,
     {"{\"pipeline_id\":\"snap_v1\",\"runs\":"}},
    {"pipelines-stats-none",
     {"pipelines", "stats", "snap_v1", "--until", "2000-01-01T00:00:00Z"},
     0,
     {"runs         0 ended"}},
    {"pipelines-stats-unknown",
     {"pipelines", "stats", "nope"},
     1,
     {NULL},
     "GET /pipelines/nope/stats: HTTP 404 pipeline_not_found: "},
    {"pipelines-stats-bad-time",
     {"pipelines", "stats", "snap_v1", "--since", "soon"},
     1,
     {NULL},
     "HTTP 400 bad_time: "},
    {"pipelines-run",
     {"pipelines", "run", "passthrough_v1", "{dir}/frame.jpg"},
     0,
     {"detections   0\n", "events       0\n", "counts       0\n"}},
    {"pipelines-run-json",
     {"--json", "pipelines", "run", "passthrough_v1", "{dir}/frame.jpg"},
     0,
     {"{\"frame_id\":0,\"pts_ms\":null,"}},
    {"pipelines-run-unknown",
     {"pipelines", "run", "nope", "{dir}/frame.jpg"},
     1,
     {NULL},
     "POST /pipelines/nope/run: HTTP 404 pipeline_not_found: "},
    {"pipelines-run-not-image",
     {"pipelines", "run", "passthrough_v1", "{dir}/notes.txt"},
     2,
     {NULL},
     "{dir}/notes.txt: neither a JPEG nor a PNG"},
    {"jobs-list-pipeline",
     {"jobs", "list", "--pipeline", "snap_v1"},
     0,
     {"JOB ", "{job}  snap_v1"},
     NULL,
     "{pjob}"},
    {"jobs-list-status", {"jobs", "list", "--status", "failed"}, 0, {"no jobs\n"}},
    {"jobs-list-source", {"jobs", "list", "--source", "file:///nonexistent/"}, 0, {"no jobs\n"}},
    {"jobs-list-since", {"jobs", "list", "--since", "2099-01-01T00:00:00Z"}, 0, {"no jobs\n"}},
    {"jobs-list-until",
     {"jobs", "list", "--until", "2099-01-01T00:00:00Z", "--status", "completed"},
     0,
     {"{job}", "{pjob}"}},
    {"jobs-list-camera", {"jobs", "list", "--camera", "front"}, 0, {"no jobs\n"}},
    {"jobs-list-bad-status",
     {"jobs", "list", "--status", "done"},
     1,
     {NULL},
     "GET /jobs?status=done: HTTP 400 bad_status: "},
    {"jobs-get",
     {"jobs", "get", "{job}"},
     0,
     {"status       completed\n", "pipeline     snap_v1\n"}},
    {"jobs-get-unknown",
     {"jobs", "get", "nope"},
     1,
     {NULL},
     "GET /jobs/nope: HTTP 404 job_not_found: no job 'nope'"},
    {"jobs-results", {"jobs", "results", "{job}"}, 0, {"status       completed (final)\n"}},
    {"jobs-results-unknown", {"jobs", "results", "nope"}, 1, {NULL}, "HTTP 404 job_not_found: "},
    {"jobs-frames",
     {"jobs", "frames", "{job}", "--limit", "2"},
     0,
     {"     FRAME        PTS_MS  DETECTIONS  EVENTS  COUNTS\n",
      "         0           0.0           0       0       0\n",
      "         1          33.3           0       0       0\n",
      "more: streamdagctl jobs frames {job} --cursor 2 --limit 2\n"}},
    {"jobs-frames-last",
     {"jobs", "frames", "{job}", "--cursor", "29"},
     0,
     {"        29         966.7"},
     NULL,
     "more:"},
    {"jobs-frames-json",
     {"--json", "jobs", "frames", "{job}", "--limit", "1"},
     0,
     {"{\"frames\":[{\"frame_id\":0,", "\"next_from\":1"}},
    {"jobs-frames-unknown",
     {"jobs", "frames", "nope"},
     1,
     {NULL},
     "GET /jobs/nope/frames: HTTP 404 job_not_found: "},
    {"jobs-frames-bad-limit",
     {"jobs", "frames", "{job}", "--limit", "5000"},
     1,
     {NULL},
     "HTTP 400 bad_request: "},
    {"jobs-snapshot-none",
     {"jobs", "snapshot", "{pjob}"},
     1,
     {NULL},
     "HTTP 404 snapshot_not_found: "},
    {"jobs-snapshot-unknown",
     {"jobs", "snapshot", "nope"},
     1,
     {NULL},
     "GET /jobs/nope/snapshot.jpg: HTTP 404 job_not_found: "},
    {"jobs-metrics",
     {"jobs", "metrics", "{job}"},
     0,
     {"status       completed (final)\n",
      "frames       30 decoded, 30 processed (stride 1)\n",
      "  NODE  TYPE ",
      "bottleneck   "}},
    {"jobs-metrics-json",
     {"--json", "jobs", "metrics", "{job}"},
     0,
     {"{\"job_id\":\"{job}\",", "\"bottleneck\":{\"node\":"}},
    {"jobs-metrics-unknown",
     {"jobs", "metrics", "nope"},
     1,
     {NULL},
     "GET /jobs/nope/metrics: HTTP 404 job_not_found: "},
    {"jobs-tail-ended",
     {"jobs", "tail", "{job}"},
     0,
     {"{\"type\":\"status\",\"topic\":\"jobs/{job}/status\"", "\"status\":\"completed\""}},
    {"jobs-tail-unknown",
     {"jobs", "tail", "nope"},
     1,
     {NULL},
     "GET /jobs/nope/events: HTTP 404 job_not_found: no job 'nope'"},
    {"jobs-watch-ended",
     {"jobs", "watch", "{job}"},
     0,
     {"[####################] 100%  30 frames  "}},
    {"jobs-watch-unknown",
     {"jobs", "watch", "nope"},
     1,
     {NULL},
     "GET /jobs/nope: HTTP 404 job_not_found: "},
    {"jobs-submit-live-on-file",
     {"jobs", "submit", "passthrough_v1", "{dir}/media/clip.mp4", "--live", "transport=tcp"},
     1,
     {NULL},
     "POST /jobs: HTTP 400 bad_option: option 'transport' is for live sources"},
    {"jobs-submit-bad-mqtt",
     {"jobs", "submit", "passthrough_v1", "{dir}/media/clip.mp4", "--mqtt", "qos_events=7"},
     1,
     {NULL},
     "POST /jobs: HTTP 400 bad_option: "},
};

static void
ctl_command(gconstpointer data)
{
	const CommandCase *tc = data;
	Fixture *f = shared_get();
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_auto(Run) r = {0};

	for (guint i = 0; i < G_N_ELEMENTS(tc->args) && tc->args[i] != NULL; i++)
		g_ptr_array_add(args, expand(tc->args[i]));
	g_ptr_array_add(args, NULL);
	ctl_run_in(f, &r, NULL, (const char *const *)args->pdata);
	if (r.status != tc->status)
		g_error("exit %d, not %d; stdout '%s', stderr '%s'",
			r.status,
			tc->status,
			r.out,
			r.err);
	for (guint i = 0; i < G_N_ELEMENTS(tc->out) && tc->out[i] != NULL; i++) {
		g_autofree char *needle = expand(tc->out[i]);
		assert_contains(r.out, needle);
	}
	if (tc->out[0] == NULL && tc->status == 2)
		g_assert_cmpstr(r.out, ==, "");
	if (tc->not_out != NULL) {
		g_autofree char *needle = expand(tc->not_out);
		if (strstr(r.out, needle) != NULL)
			g_error("'%s' has '%s'", r.out, needle);
	}
	if (tc->err == NULL) {
		g_assert_cmpstr(r.err, ==, "");
	} else {
		g_autofree char *needle = expand(tc->err);
		const char *at = strstr(r.err, needle);

		if (at == NULL)
			g_error("'%s' lacks '%s'", r.err, needle);
		/* said once */
		if (strstr(at + 1, needle) != NULL)
			g_error("'%s' has '%s' twice", r.err, needle);
	}
}

/* jobs snapshot: the JPEG, byte for byte, to standard output (a pipe here) */
static void
ctl_jobs_snapshot(void)
{
	Fixture *f = shared_get();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GBytes) err = NULL;
	g_autoptr(GSubprocess) p =
	    g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			     &error,
			     g_getenv("SDAG_TEST_STREAMDAGCTL"),
			     f->url,
			     "jobs",
			     "snapshot",
			     shared->job,
			     NULL);
	const guint8 *data;
	gsize len = 0;

	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate(p, NULL, NULL, &out, &err, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
	g_assert_cmpuint(g_bytes_get_size(err), ==, 0);
	data = g_bytes_get_data(out, &len);
	g_assert_cmpuint(len, >, 100);
	/* a JPEG: SOI first, EOI last */
	g_assert_cmpint(data[0], ==, 0xff);
	g_assert_cmpint(data[1], ==, 0xd8);
	g_assert_cmpint(data[len - 2], ==, 0xff);
	g_assert_cmpint(data[len - 1], ==, 0xd9);
}

/* --live and --mqtt reach the job's options, typed: numbers, booleans, strings */
static void
ctl_jobs_submit_options(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autoptr(JsonObject) job = NULL;
	JsonObject *options;
	JsonObject *mqtt;
	g_autofree char *id = NULL;

	ctl_run(f,
		&r,
		"jobs",
		"submit",
		"passthrough_v1",
		"rtsp://127.0.0.1:9/cam",
		"--live",
		"transport=tcp",
		"--live",
		"backoff_max_ms=5000",
		"--live",
		"fail_fast=true",
		"--mqtt",
		"publish_detections=false",
		"--mqtt",
		"qos_events=2");
	g_assert_cmpint(r.status, ==, 0);
	id = g_strdup(g_strchomp(r.out));
	ctl_run(f, &r, "--json", "jobs", "get", id);
	g_assert_cmpint(r.status, ==, 0);
	job = parse_object(r.out);
	options = json_object_get_object_member(job, "options");
	g_assert_cmpstr(json_object_get_string_member(options, "transport"), ==, "tcp");
	g_assert_cmpint(json_object_get_int_member(options, "backoff_max_ms"), ==, 5000);
	g_assert_true(json_object_get_boolean_member(options, "fail_fast"));
	mqtt = json_object_get_object_member(options, "mqtt");
	g_assert_false(json_object_get_boolean_member(mqtt, "publish_detections"));
	g_assert_cmpint(json_object_get_int_member(mqtt, "qos_events"), ==, 2);
	/* the text form names them too */
	ctl_run(f, &r, "jobs", "get", id);
	assert_contains(r.out, "transport=tcp");
	assert_contains(r.out, "mqtt={\"publish_detections\":false,\"qos_events\":2}");
	ctl_run(f, &r, "jobs", "cancel", id);
	g_assert_cmpint(r.status, ==, 0);
}

/* jobs tail follows a running job to its end: messages in order, the last its terminal
 * status, then exit 0 when the daemon closes the feed */
static void
ctl_jobs_tail_running(Fixture *f, gconstpointer data)
{
	g_autofree char *long_clip = g_build_filename(f->media, "long.mp4", NULL);
	g_autofree char *id = NULL;
	g_auto(Run) r = {0};
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonObject) first = NULL;
	g_autoptr(JsonObject) last = NULL;
	guint n;

	sdag_test_make_clip(long_clip, 300, 160, 120, 30);
	id = submit(f, long_clip);
	ctl_run(f, &r, "jobs", "tail", id);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.err, ==, "");
	lines = g_strsplit(g_strchomp(r.out), "\n", -1);
	n = g_strv_length(lines);
	g_assert_cmpuint(n, >=, 2);
	first = parse_object(lines[0]);
	last = parse_object(lines[n - 1]);
	g_assert_cmpstr(json_object_get_string_member(first, "type"), ==, "status");
	g_assert_cmpstr(json_object_get_string_member(last, "type"), ==, "status");
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(last, "payload"), "status"),
	    ==,
	    "completed");
}

typedef struct {
	const char *name;
	const char *args[8];
	const char *err;
} UsageCase;

static const UsageCase usage_cases[] = {
    {"jobs", {"jobs"}, "usage: streamdagctl jobs submit"},
    {"unknown", {"jobs", "frobnicate"}, "unknown jobs command 'frobnicate'"},
    {"submit-no-source", {"jobs", "submit", "passthrough_v1"}, "usage: streamdagctl jobs submit"},
    {"submit-extra", {"jobs", "submit", "p", "f", "g"}, "usage: streamdagctl jobs submit"},
    {"get-no-id", {"jobs", "get"}, "usage: streamdagctl jobs get ID"},
    {"watch-two-ids", {"jobs", "watch", "a", "b"}, "usage: streamdagctl jobs watch ID"},
    {"cancel-no-id", {"jobs", "cancel"}, "usage: streamdagctl jobs cancel ID"},
    {"delete-empty-id", {"jobs", "delete", ""}, "usage: streamdagctl jobs delete ID"},
    {"results-no-id", {"jobs", "results"}, "usage: streamdagctl jobs results ID"},
    {"list-extra", {"jobs", "list", "x"}, "usage: streamdagctl jobs list"},
    {"stride-zero", {"jobs", "submit", "p", "f", "--stride", "0"}, "--stride"},
    {"stride-negative", {"jobs", "submit", "p", "f", "--stride=-2"}, "--stride"},
    {"stride-text", {"jobs", "submit", "p", "f", "--stride", "five"}, "--stride"},
    {"max-frames-negative", {"jobs", "submit", "p", "f", "--max-frames", "-1"}, "--max-frames"},
    {"decode-unknown",
     {"jobs", "submit", "p", "f", "--decode", "fast"},
     "--decode: all, reference or keyframes, not 'fast'"},
    {"decode-on-list",
     {"jobs", "list", "--decode", "keyframes"},
     "go with jobs submit and jobs submit-batch only"},
    {"limit-zero", {"jobs", "list", "--limit", "0"}, "--limit"},
    {"stride-on-get",
     {"jobs", "get", "x", "--stride", "2"},
     "go with jobs submit and jobs submit-batch only"},
    {"batch-no-pipeline",
     {"jobs", "submit-batch", "/tmp"},
     "usage: streamdagctl jobs submit-batch --pipeline ID"},
    {"batch-no-source",
     {"jobs", "submit-batch", "--pipeline", "p"},
     "usage: streamdagctl jobs submit-batch --pipeline ID"},
    {"partial-on-submit",
     {"jobs", "submit", "p", "f", "--partial"},
     "--partial goes with jobs submit-batch only"},
    {"limit-on-watch",
     {"jobs", "watch", "x", "--limit", "2"},
     "--limit and --cursor go with jobs list, jobs frames and history only"},
    {"cameras", {"cameras"}, "usage: streamdagctl cameras list"},
    {"cameras-unknown", {"cameras", "frobnicate", "x"}, "usage: streamdagctl cameras list"},
    {"cameras-get-no-name", {"cameras", "get"}, "usage: streamdagctl cameras list"},
    {"cameras-put-no-file", {"cameras", "put"}, "usage: streamdagctl cameras list"},
    {"cameras-put-missing-file",
     {"cameras", "put", "/nonexistent/cam.json"},
     "/nonexistent/cam.json"},
    {"cameras-enable-two", {"cameras", "enable", "a", "b"}, "usage: streamdagctl cameras list"},
    {"cameras-list-extra", {"cameras", "list", "x"}, "usage: streamdagctl cameras list"},
    {"prune-no-before", {"jobs", "prune"}, "usage: streamdagctl jobs prune --before"},
    {"prune-extra", {"jobs", "prune", "x", "--before", "1"}, "usage: streamdagctl jobs prune"},
    {"before-on-get", {"jobs", "get", "x", "--before", "1"}, "--before goes with jobs prune only"},
    {"frames-no-id", {"jobs", "frames"}, "usage: streamdagctl jobs frames ID [--limit N]"},
    {"snapshot-two", {"jobs", "snapshot", "a", "b"}, "usage: streamdagctl jobs snapshot ID"},
    {"metrics-no-id", {"jobs", "metrics"}, "usage: streamdagctl jobs metrics ID"},
    {"tail-no-id", {"jobs", "tail"}, "usage: streamdagctl jobs tail ID"},
    {"list-two-statuses",
     {"jobs", "list", "--status", "failed", "--status", "completed"},
     "jobs list takes one --status"},
    {"live-no-equals",
     {"jobs", "submit", "p", "f", "--live", "transport"},
     "--live: expected KEY=VALUE, not 'transport'"},
    {"mqtt-no-key",
     {"jobs", "submit", "p", "f", "--mqtt", "=2"},
     "--mqtt: expected KEY=VALUE, not '=2'"},
    {"live-on-list",
     {"jobs", "list", "--live", "transport=tcp"},
     "--live and --mqtt go with jobs submit and jobs submit-batch only"},
    {"since-on-get",
     {"jobs", "get", "x", "--since", "1"},
     "--since and --until go with jobs list, history and pipelines stats only"},
    {"actor-on-list",
     {"jobs", "list", "--actor", "system"},
     "--actor and --action go with history only"},
    {"camera-on-history",
     {"history", "--camera", "front"},
     "--camera and --source go with jobs list only"},
    {"limit-on-stats",
     {"pipelines", "stats", "p", "--limit", "2"},
     "--limit and --cursor go with jobs list, jobs frames and history only"},
    {"scope-on-list", {"jobs", "list", "--scope", "read"}, "--scope goes with token new only"},
    {"history-extra", {"history", "all"}, "usage: streamdagctl history"},
    {"metrics-extra", {"metrics", "x"}, "usage: streamdagctl metrics"},
    {"node-types-extra", {"node-types", "x"}, "usage: streamdagctl node-types"},
    {"pipelines", {"pipelines"}, "usage: streamdagctl pipelines list"},
    {"pipelines-unknown", {"pipelines", "frob"}, "usage: streamdagctl pipelines list"},
    {"validate-no-file", {"pipelines", "validate"}, "usage: streamdagctl pipelines list"},
    {"stats-no-id", {"pipelines", "stats"}, "usage: streamdagctl pipelines list"},
    {"run-no-image", {"pipelines", "run", "p"}, "usage: streamdagctl pipelines list"},
    {"unknown-command", {"frobnicate"}, "unknown command 'frobnicate'"},
    {"since-on-unknown", {"frobnicate", "x", "--since", "1"}, "--since and --until go with"},
    {"admin", {"admin"}, "usage: streamdagctl admin fsck"},
    {"admin-backup-no-dir", {"admin", "backup"}, "usage: streamdagctl admin fsck"},
    {"admin-fsck-extra", {"admin", "fsck", "x"}, "usage: streamdagctl admin fsck"},
};

/* usage errors exit 2 before any request */
static void
ctl_usage(gconstpointer data)
{
	const UsageCase *tc = data;
	g_auto(Run) r = {0};
	/* nothing listens there: a request would fail, differently */
	Fixture f = {.url = (char *)"--url=http://127.0.0.1:1"};

	ctl_run_in(&f, &r, NULL, tc->args);
	g_assert_cmpint(r.status, ==, 2);
	g_assert_cmpstr(r.out, ==, "");
	assert_contains(r.err, tc->err);
	g_assert_null(strstr(r.err, "Could not connect"));
}

typedef struct {
	const char *name;
	const char *args[6];
	const char *err; /* the request that got no answer */
} UnreachableCase;

static const UnreachableCase unreachable_cases[] = {
    {"jobs-list", {"jobs", "list"}, "GET http://127.0.0.1:1/jobs: "},
    {"jobs-watch", {"jobs", "watch", "x"}, "GET http://127.0.0.1:1/jobs/x: "},
    {"jobs-tail", {"jobs", "tail", "x"}, "GET /jobs/x/events: "},
    {"jobs-frames", {"jobs", "frames", "x"}, "GET http://127.0.0.1:1/jobs/x/frames: "},
    {"jobs-metrics", {"jobs", "metrics", "x"}, "GET http://127.0.0.1:1/jobs/x/metrics: "},
    {"history", {"history"}, "GET http://127.0.0.1:1/history: "},
    {"metrics", {"metrics"}, "GET http://127.0.0.1:1/metrics: "},
    {"node-types", {"node-types"}, "GET http://127.0.0.1:1/node-types: "},
    {"pipelines-stats", {"pipelines", "stats", "p"}, "GET http://127.0.0.1:1/pipelines/p/stats: "},
    {"pipelines-validate",
     {"pipelines", "validate", "/dev/null"},
     "POST http://127.0.0.1:1/pipelines?dry_run=true: "},
};

/* nothing listens at the URL: exit 2, the request and the reason on standard error */
static void
ctl_unreachable(gconstpointer data)
{
	const UnreachableCase *tc = data;
	g_auto(Run) r = {0};
	Fixture f = {.url = (char *)"--url=http://127.0.0.1:1"};

	ctl_run_in(&f, &r, NULL, tc->args);
	g_assert_cmpint(r.status, ==, 2);
	g_assert_cmpstr(r.out, ==, "");
	assert_contains(r.err, tc->err);
	assert_contains(r.err, "Could not connect");
}

static void
ctl_help(void)
{
	g_auto(Run) r = {0};
	Fixture f = {.url = (char *)"--url=http://127.0.0.1:1"};

	ctl_run(&f, &r, "--help");
	g_assert_cmpint(r.status, ==, 0);
	for (guint i = 0; i < 7; i++) {
		const char *cmds[] = {
		    "submit", "get", "watch", "list", "cancel", "delete", "results"};
		g_autofree char *needle = g_strdup_printf("jobs %s", cmds[i]);
		assert_contains(r.out, needle);
	}
	{
		const char *more[] = {"jobs tail ID",
				      "jobs frames ID",
				      "jobs snapshot ID",
				      "jobs metrics ID",
				      "pipelines validate FILE...",
				      "pipelines stats ID",
				      "pipelines run ID IMAGE",
				      "  history ",
				      "  metrics "};

		for (guint i = 0; i < G_N_ELEMENTS(more); i++)
			assert_contains(r.out, more[i]);
	}
	assert_contains(r.out, "--json");
	assert_contains(r.out, "--live=KEY=VALUE");
	assert_contains(r.out, "--mqtt=KEY=VALUE");
	assert_contains(r.out, "--stride");
	assert_contains(r.out, "--version");
}

/* --version answers without a daemon (nothing listens at the --url), whatever follows it */
static void
ctl_version(void)
{
	const char *version = g_getenv("SDAG_TEST_VERSION");
	g_autofree char *expected = NULL;
	g_auto(Run) r = {0};
	Fixture f = {.url = (char *)"--url=http://127.0.0.1:1"};

	g_assert_nonnull(version);
	expected = g_strdup_printf("streamdagctl %s\n", version);
	ctl_run(&f, &r, "--version");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, expected);
	g_assert_cmpstr(r.err, ==, "");
	ctl_run(&f, &r, "--version", "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, expected);
	g_assert_cmpstr(r.err, ==, "");
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
	g_test_add("/sdag/ctl/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("jobs/complete", ctl_jobs_complete);
	ADD("jobs/watch-tty", ctl_jobs_watch_tty);
	ADD("jobs/json", ctl_jobs_json);
	ADD("jobs/list-pages", ctl_jobs_list_pages);
	ADD("jobs/cancel", ctl_jobs_cancel);
	ADD("jobs/fail", ctl_jobs_fail);
	ADD("jobs/submit-sources", ctl_jobs_submit_sources);
	ADD("jobs/submit-batch", ctl_jobs_submit_batch);
	ADD("jobs/submit-batch-refused", ctl_jobs_submit_batch_refused);
	ADD("cameras/lifecycle", ctl_cameras_lifecycle);
	ADD("cameras/refused", ctl_cameras_refused);
	ADD("cameras/tail", ctl_cameras_tail);
	ADD("admin/tools", ctl_admin_tools);
	ADD("jobs/submit-options", ctl_jobs_submit_options);
	ADD("jobs/tail-running", ctl_jobs_tail_running);
#undef ADD
	for (guint i = 0; i < G_N_ELEMENTS(unreachable_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/ctl/unreachable/%s", unreachable_cases[i].name);
		g_test_add_data_func(path, &unreachable_cases[i], ctl_unreachable);
	}
	for (guint i = 0; i < G_N_ELEMENTS(command_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/ctl/command/%s", command_cases[i].name);
		g_test_add_data_func(path, &command_cases[i], ctl_command);
	}
	g_test_add_func("/sdag/ctl/jobs/snapshot", ctl_jobs_snapshot);
	g_test_add_func("/sdag/ctl/help", ctl_help);
	g_test_add_func("/sdag/ctl/version", ctl_version);
	for (guint i = 0; i < G_N_ELEMENTS(usage_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/ctl/usage/%s", usage_cases[i].name);
		g_test_add_data_func(path, &usage_cases[i], ctl_usage);
	}
	rc = g_test_run();
	shared_stop();
	return rc;
}
