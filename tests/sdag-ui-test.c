/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core
 * (tests/ui/cases.mjs, one run of node per case) against streamdagd as a process of its own
 * with API tokens on, a real RTSP camera (gst-rtsp-server in this process, so the main
 * context runs while the browser does) and finite jobs of a pipeline whose first node takes
 * a known time per frame. make check installs chromium, node and the npm package
 * (scripts/install-deps.sh): a missing one fails the test, it is never skipped.
 *
 * Screenshots of each page are left in the build directory (ui-screenshots/), with the
 * weight of each page's load (weights.txt).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "sdag-test-http.h"
#include "sdag-test-rtsp.h"
#include "sdag-test-util.h"
#include "sdag-token.h"

/* What the camera runs: motion, tracked, in a zone covering the picture, with a snapshot
 * every 5 frames. */
#define ZONED                                                                                     \
	"{\"pipeline_id\":\"zoned\",\"nodes\":["                                                  \
	"{\"id\":\"motion\",\"type\":\"motion\",\"params\":{\"min_area\":100}},"                  \
	"{\"id\":\"track\",\"type\":\"tracker\",\"params\":{\"min_hits\":2}},"                    \
	"{\"id\":\"yard\",\"type\":\"zone\",\"params\":{\"name\":\"yard\",\"anchor\":\"center\"," \
	"\"polygon\":[[0,0],[320,0],[320,240],[0,240]]}},"                                        \
	"{\"id\":\"snap\",\"type\":\"snapshot\",\"params\":{\"every_n\":5}}],"                    \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"motion.frame\"},"                         \
	"{\"from\":\"motion.detections\",\"to\":\"track.detections\"},"                           \
	"{\"from\":\"track.tracks\",\"to\":\"yard.tracks\"},"                                     \
	"{\"from\":\"source.frame\",\"to\":\"snap.frame\"},"                                      \
	"{\"from\":\"track.tracks\",\"to\":\"snap.tracks\"}],"                                    \
	"\"outputs\":[\"track.tracks\",\"track.events\",\"yard.events\",\"yard.counts\","         \
	"\"snap.image\"]}"

/* The jobs' pipeline: "detect" takes 40 ms a frame, so it is the bottleneck and a job of
 * 250 frames lasts 10 s at least, however fast the machine. */
#define SLOW_NODES "detect,track,snap"
#define SLOW                                                                                \
	"{\"pipeline_id\":\"slowp\",\"description\":\"a detector of known cost, tracked\"," \
	"\"nodes\":["                                                                       \
	"{\"id\":\"detect\",\"type\":\"slow\",\"params\":{\"sleep_ms\":40,\"boxes\":1}},"   \
	"{\"id\":\"track\",\"type\":\"tracker\",\"params\":{}},"                            \
	"{\"id\":\"snap\",\"type\":\"snapshot\",\"params\":{\"every_n\":5}}],"              \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"detect.frame\"},"                   \
	"{\"from\":\"detect.detections\",\"to\":\"track.detections\"},"                     \
	"{\"from\":\"source.frame\",\"to\":\"snap.frame\"},"                                \
	"{\"from\":\"track.tracks\",\"to\":\"snap.tracks\"}],"                              \
	"\"outputs\":[\"track.tracks\",\"snap.image\"]}"
#define CLIP_FRAMES 250

typedef struct {
	SdagTestDaemon *daemon;
	SoupSession *session;
	char *dir;
	char *secret;
	char *clip;
	char *shots;
	char *finite_job; /* a completed job of slowp, once a case made one */
} Ui;

static Ui ui;
static SdagTestRtsp camera;

static SdagTestReply *
call(const char *method, const char *path, const char *body)
{
	g_autofree char *url = g_strconcat(ui.daemon->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autofree char *authz = g_strdup_printf("Bearer %s", ui.secret);

	soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", authz);
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, "application/json", b);
	}
	return sdag_test_http_msg(ui.session, msg);
}

static char *
submit(const char *source_path)
{
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"slowp\",\"source\":\"file://%s\"}", source_path);
	g_autoptr(SdagTestReply) r = call("POST", "/jobs", body);

	g_assert_cmpuint(r->status, ==, 202);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static char *
job_status(const char *id)
{
	g_autofree char *path = g_strconcat("/jobs/", id, NULL);
	g_autoptr(SdagTestReply) r = call("GET", path, NULL);

	g_assert_cmpuint(r->status, ==, 200);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "status"));
}

/* A completed job of slowp: the one the progress case watched, else a new one. */
static const char *
finite_job(void)
{
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

	if (ui.finite_job == NULL)
		ui.finite_job = submit(ui.clip);
	for (;;) {
		g_autofree char *status = job_status(ui.finite_job);

		if (sdag_test_job_is_terminal(status)) {
			g_assert_cmpstr(status, ==, "completed");
			return ui.finite_job;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(100);
	}
}

static void
communicate_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	gboolean *done = user_data;
	g_autofree char *out = NULL;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &out, NULL, &error);
	g_assert_no_error(error);
	/* the browser's side of the case, as TAP comments */
	if (out != NULL && out[0] != '\0') {
		g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++)
			if (lines[i][0] != '\0')
				g_test_message("browser: %s", lines[i]);
	}
	*done = TRUE;
}

/*
 * Runs `node tests/ui/cases.mjs @name` with the daemon's URL and token and @env (NULL-ended
 * KEY=VALUE), the main context running meanwhile (the RTSP camera lives on it); @tick, when
 * given, is called between spins. Asserts that the case passed.
 */
static void
run_case(const char *name, const char *const *env, gboolean (*tick)(void))
{
	g_autofree char *script =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "tests", "ui", "cases.mjs", NULL);
	g_autofree char *modules = g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"),
						    "tests",
						    "ui",
						    "node_modules",
						    "playwright-core",
						    NULL);
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	gboolean done = FALSE;
	gboolean ticking = tick != NULL;

	g_assert_true(
	    g_file_test(modules, G_FILE_TEST_IS_DIR) ||
	    (g_printerr("%s is missing: scripts/install-deps.sh installs it\n", modules), FALSE));
	g_subprocess_launcher_setenv(l, "SDAG_UI_BASE", ui.daemon->base, TRUE);
	g_subprocess_launcher_setenv(l, "SDAG_UI_TOKEN", ui.secret, TRUE);
	g_subprocess_launcher_setenv(l, "SDAG_UI_SHOTS", ui.shots, TRUE);
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
		g_subprocess_launcher_setenv(l, kv[0], kv[1], TRUE);
	}
	p = g_subprocess_launcher_spawn(l, &error, "node", script, name, NULL);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(p, NULL, NULL, communicate_cb, &done);
	while (!done) {
		sdag_test_spin(50);
		if (ticking)
			ticking = tick();
	}
	g_assert_true(g_subprocess_wait(p, NULL, &error));
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
}

/* ---- the cases ---- */

static char *signal_path;

/* Once the browser saw the camera online, the camera goes away. */
static gboolean
stop_camera_when_seen(void)
{
	if (!g_file_test(signal_path, G_FILE_TEST_EXISTS))
		return TRUE;
	sdag_test_rtsp_stop(&camera);
	return FALSE;
}

/* The camera online with a snapshot, then in backoff once its RTSP server stops. */
static void
ui_cameras(void)
{
	g_autofree char *signal_env = NULL;
	g_autoptr(SdagTestReply) r = NULL;

	signal_path = g_build_filename(ui.dir, "camera-seen", NULL);
	signal_env = g_strconcat("SDAG_UI_SIGNAL=", signal_path, NULL);
	run_case("cameras",
		 (const char *const[]){"SDAG_UI_CAMERA=door", signal_env, NULL},
		 stop_camera_when_seen);
	g_assert_true(g_file_test(signal_path, G_FILE_TEST_EXISTS));
	g_clear_pointer(&signal_path, g_free);
	/* disabled, then enabled again from the page */
	r = call("GET", "/cameras/door", NULL);
	g_assert_cmpuint(r->status, ==, 200);
	g_assert_true(json_object_get_boolean_member(sdag_test_reply_object(r), "enabled"));
	for (guint i = 0; i < 2; i++) {
		const char *action = i == 0 ? "POST /cameras/*/disable" : "POST /cameras/*/enable";
		g_autofree char *escaped = g_uri_escape_string(action, NULL, FALSE);
		g_autofree char *path = g_strconcat("/history?limit=1&action=", escaped, NULL);
		g_autoptr(SdagTestReply) h = call("GET", path, NULL);
		JsonArray *entries =
		    json_object_get_array_member(sdag_test_reply_object(h), "entries");
		JsonObject *entry;

		g_assert_cmpuint(json_array_get_length(entries), ==, 1);
		entry = json_array_get_object_element(entries, 0);
		g_assert_cmpstr(json_object_get_string_member(entry, "actor"), ==, "ui");
		g_assert_cmpstr(json_object_get_string_member(entry, "object"),
				==,
				i == 0 ? "/cameras/door/disable" : "/cameras/door/enable");
		g_assert_cmpint(json_object_get_int_member(
				    json_object_get_object_member(entry, "outcome"), "http_status"),
				==,
				200);
	}
	/* back for the cases after this one */
	sdag_test_rtsp_start(&camera);
}

/* A finite job's progress bar reaches 100 % over the WebSocket, without a reload. */
static void
ui_progress(void)
{
	g_autofree char *job_env = NULL;
	g_autofree char *status = NULL;

	g_clear_pointer(&ui.finite_job, g_free);
	ui.finite_job = submit(ui.clip);
	job_env = g_strconcat("SDAG_UI_JOB=", ui.finite_job, NULL);
	run_case("progress", (const char *const[]){job_env, NULL}, NULL);
	status = job_status(ui.finite_job);
	g_assert_cmpstr(status, ==, "completed");
}

/* A job submitted while the jobs page is open joins its table without a reload and reaches
 * 100 % there; REST agrees on the job the page was given. */
static void
ui_arrivals(void)
{
	g_autofree char *signal = g_build_filename(ui.dir, "arrived", NULL);
	g_autofree char *signal_env = g_strconcat("SDAG_UI_SIGNAL=", signal, NULL);
	g_autofree char *source_env = g_strconcat("SDAG_UI_SOURCE=file://", ui.clip, NULL);
	g_autofree char *id = NULL;
	g_autofree char *status = NULL;

	run_case("arrivals", (const char *const[]){signal_env, source_env, NULL}, NULL);
	g_assert_true(g_file_get_contents(signal, &id, NULL, NULL));
	g_strstrip(id);
	status = job_status(id);
	g_assert_cmpstr(status, ==, "completed");
}

/* The job page: the pipeline graph, one SVG node per node; the node-time chart with the
 * bottleneck named. */
static void
ui_job(void)
{
	g_autofree char *job_env = g_strconcat("SDAG_UI_JOB=", finite_job(), NULL);

	run_case("job",
		 (const char *const[]){
		     job_env, "SDAG_UI_JOB_NODES=" SLOW_NODES, "SDAG_UI_BOTTLENECK=detect", NULL},
		 NULL);
}

/* Cancel from the job page, confirmed: REST says the job is cancelled, by the token's
 * name. */
static void
ui_cancel(void)
{
	g_autofree char *id = submit(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *job_env = g_strconcat("SDAG_UI_LONG_JOB=", id, NULL);
	g_autofree char *status = NULL;
	g_autofree char *history = g_strdup_printf("/history?action=job.cancel&limit=1");
	g_autoptr(SdagTestReply) h = NULL;
	JsonArray *entries;
	JsonObject *entry;

	run_case("cancel", (const char *const[]){job_env, NULL}, NULL);
	status = job_status(id);
	g_assert_cmpstr(status, ==, "cancelled");
	h = call("GET", history, NULL);
	g_assert_cmpuint(h->status, ==, 200);
	entries = json_object_get_array_member(sdag_test_reply_object(h), "entries");
	g_assert_cmpuint(json_array_get_length(entries), ==, 1);
	entry = json_array_get_object_element(entries, 0);
	g_assert_cmpstr(json_object_get_string_member(entry, "actor"), ==, "ui");
	g_assert_true(g_str_has_suffix(json_object_get_string_member(entry, "object"), id));
}

/* A token that matches none: the page shows the API's 401 code and message. */
static void
ui_bad_token(void)
{
	g_autofree char *bad = sdag_token_secret_new();
	g_autofree char *bad_env = g_strconcat("SDAG_UI_BAD_TOKEN=", bad, NULL);

	run_case("badtoken", (const char *const[]){bad_env, NULL}, NULL);
}

/* The pipelines page's form submits a job and creates a camera, as REST then shows them. */
static void
ui_submit(void)
{
	g_autofree char *signal = g_build_filename(ui.dir, "submitted", NULL);
	g_autofree char *signal_env = g_strconcat("SDAG_UI_SIGNAL=", signal, NULL);
	g_autofree char *source_env = g_strconcat("SDAG_UI_SOURCE=file://", ui.clip, NULL);
	g_autofree char *rtsp = sdag_test_rtsp_url(&camera);
	g_autofree char *camera_env = g_strconcat("SDAG_UI_CAMERA_SOURCE=", rtsp, NULL);
	g_autofree char *job = NULL;
	g_autofree char *path = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SdagTestReply) c = NULL;
	g_autoptr(SdagTestReply) d = NULL;
	JsonObject *o;

	run_case("submit", (const char *const[]){signal_env, source_env, camera_env, NULL}, NULL);
	g_assert_true(g_file_get_contents(signal, &job, NULL, NULL));
	g_strstrip(job);
	path = g_strconcat("/jobs/", job, NULL);
	r = call("GET", path, NULL);
	g_assert_cmpuint(r->status, ==, 200);
	o = sdag_test_reply_object(r);
	g_assert_cmpstr(json_object_get_string_member(o, "pipeline_id"), ==, "slowp");
	g_assert_true(g_str_has_suffix(json_object_get_string_member(o, "source"), ui.clip));
	c = call("GET", "/cameras/porch", NULL);
	g_assert_cmpuint(c->status, ==, 200);
	o = sdag_test_reply_object(c);
	g_assert_cmpstr(json_object_get_string_member(o, "pipeline_id"), ==, "slowp");
	g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, rtsp);
	g_assert_true(json_object_get_boolean_member(o, "enabled"));
	/* the cases after this one see the one camera they know */
	d = call("DELETE", "/cameras/porch", NULL);
	g_assert_cmpuint(d->status, ==, 204);
}

/* The jobs table's filters, and paging with the cursor: more completed jobs than a page. */
static void
ui_filters(void)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"slowp\",\"source\":\"file://%s\",\"options\":{\"max_frames\":1}}",
	    ui.clip);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

	finite_job();
	for (guint i = 0; i < 11; i++) {
		g_autoptr(SdagTestReply) r = call("POST", "/jobs", body);

		g_assert_cmpuint(r->status, ==, 202);
		g_ptr_array_add(
		    ids,
		    g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id")));
	}
	for (guint i = 0; i < ids->len; i++) {
		for (;;) {
			g_autofree char *status = job_status(g_ptr_array_index(ids, i));

			if (sdag_test_job_is_terminal(status)) {
				g_assert_cmpstr(status, ==, "completed");
				break;
			}
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			sdag_test_spin(50);
		}
	}
	run_case("filters", (const char *const[]){"SDAG_UI_CAMERA=door", NULL}, NULL);
}

/* A phone's screen: no page wider than it. */
static void
ui_phone(void)
{
	g_autofree char *job_env = g_strconcat("SDAG_UI_JOB=", finite_job(), NULL);

	run_case("phone", (const char *const[]){job_env, NULL}, NULL);
}

/* Every page: a screenshot, its weight; nothing requested elsewhere, no console error. */
static void
ui_pages(void)
{
	g_autofree char *job_env = g_strconcat("SDAG_UI_JOB=", finite_job(), NULL);
	g_autofree char *weights = g_build_filename(ui.shots, "weights.txt", NULL);
	g_autofree char *text = NULL;

	g_remove(weights);
	run_case("pages", (const char *const[]){job_env, NULL}, NULL);
	g_assert_true(g_file_get_contents(weights, &text, NULL, NULL));
	g_test_message("bytes transferred on each page's load:\n%s", text);
}

/* ---- the daemon, the camera, the pipelines ---- */

/* The real node plugins and the test's slow one, in one directory. */
static char *
plugin_dir(void)
{
	g_autofree char *dir = g_build_filename(ui.dir, "nodes", NULL);
	const char *real = g_getenv("SDAG_TEST_PLUGIN_DIR");
	g_autoptr(GDir) d = g_dir_open(real, 0, NULL);
	g_autofree char *slow =
	    g_build_filename(g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), "sdag-node-slow.so", NULL);
	g_autofree char *slow_link = g_build_filename(dir, "sdag-node-slow.so", NULL);
	const char *name;

	g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *target = g_build_filename(real, name, NULL);
		g_autofree char *link = g_build_filename(dir, name, NULL);

		if (g_str_has_suffix(name, ".so"))
			g_assert_cmpint(symlink(target, link), ==, 0);
	}
	g_assert_cmpint(symlink(slow, slow_link), ==, 0);
	return g_steal_pointer(&dir);
}

static void
setup(void)
{
	g_autofree char *value = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *conf_path = NULL;
	g_autofree char *data = NULL;
	g_autofree char *nodes = NULL;
	g_autofree char *cam = NULL;
	g_autofree char *vtest_dir = NULL;
	g_autoptr(GError) error = NULL;
	SdagTestReply *r;

	ui.dir = sdag_test_mkdtemp();
	ui.shots = g_build_filename(g_getenv("G_TEST_BUILDDIR"), "ui-screenshots", NULL);
	g_assert_cmpint(g_mkdir_with_parents(ui.shots, 0755), ==, 0);
	ui.clip = g_build_filename(ui.dir, "clip.mp4", NULL);
	sdag_test_make_clip(ui.clip, CLIP_FRAMES, 320, 240, 25);
	ui.secret = sdag_token_secret_new();
	value = sdag_token_format_value(ui.secret, SDAG_SCOPE_ADMIN);
	vtest_dir = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	conf = g_strdup_printf(
	    "[auth]\nui = %s\n[jobs]\nmedia_roots=%s;%s\n", value, ui.dir, vtest_dir);
	conf_path = g_build_filename(ui.dir, "streamdag.conf", NULL);
	g_assert_true(g_file_set_contents(conf_path, conf, -1, &error));
	data = g_build_filename(ui.dir, "data", NULL);
	nodes = plugin_dir();
	ui.daemon = sdag_test_daemon_start(
	    data,
	    nodes,
	    (const char *const[]){"--config", conf_path, "--log-level", "warning", NULL});
	ui.session = soup_session_new_with_options("timeout", 10, NULL);

	sdag_test_rtsp_start(&camera);
	r = call("POST", "/pipelines", ZONED);
	g_assert_cmpuint(r->status, ==, 201);
	sdag_test_reply_free(r);
	r = call("POST", "/pipelines", SLOW);
	g_assert_cmpuint(r->status, ==, 201);
	sdag_test_reply_free(r);
	cam = g_strdup_printf("{\"source\":\"rtsp://127.0.0.1:%u/cam\",\"pipeline_id\":\"zoned\","
			      "\"enabled\":true,\"options\":{\"backoff_initial_ms\":200,"
			      "\"backoff_max_ms\":1000}}",
			      camera.port);
	r = call("PUT", "/cameras/door", cam);
	g_assert_cmpuint(r->status, ==, 201);
	sdag_test_reply_free(r);
}

static void
teardown(void)
{
	sdag_test_rtsp_stop(&camera);
	g_clear_object(&ui.session);
	sdag_test_daemon_stop(ui.daemon, SIGTERM);
	sdag_test_rmtree(ui.dir);
	g_free(ui.dir);
	g_free(ui.secret);
	g_free(ui.clip);
	g_free(ui.shots);
	g_free(ui.finite_job);
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	g_test_add_func("/ui/cameras", ui_cameras);
	g_test_add_func("/ui/progress", ui_progress);
	g_test_add_func("/ui/arrivals", ui_arrivals);
	g_test_add_func("/ui/job", ui_job);
	g_test_add_func("/ui/cancel", ui_cancel);
	g_test_add_func("/ui/bad-token", ui_bad_token);
	g_test_add_func("/ui/submit", ui_submit);
	g_test_add_func("/ui/filters", ui_filters);
	g_test_add_func("/ui/phone", ui_phone);
	g_test_add_func("/ui/pages", ui_pages);
	setup();
	ret = g_test_run();
	teardown();
	return ret;
}
