/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /pipelines/{id}/run and GET /jobs/{id}/snapshot.jpg over real HTTP:
 * one daemon in this process for the whole binary (REST on an ephemeral
 * loopback port, RocksDB in a temporary directory, the build's node
 * plugins), real JPEG and PNG images encoded here with GStreamer from
 * Debian's vtest.avi and messi5.jpg, and a clip generated here for a job.
 */
#include "sdag-daemon.h"
#include "sdag-error.h"
#include "sdag-snapshot.h"
#include "sdag-test-http.h"
#include "sdag-test-media.h"
#include "sdag-test-util.h"

#include <gst/gst.h>
#include <string.h>

static struct {
	char *dir;
	char *media;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
	GBytes *jpeg; /* vtest.avi frame 60 */
	GBytes *png;
} g;

static const char *
vtest_dir(void)
{
	static char *dir;
	const char *vtest = g_getenv("SDAG_TEST_VTEST");

	if (vtest == NULL || !g_file_test(vtest, G_FILE_TEST_IS_REGULAR))
		g_error("%s is missing: run scripts/fetch-media.sh (make deps)",
			vtest != NULL ? vtest : "SDAG_TEST_VTEST");
	if (dir == NULL)
		dir = g_path_get_dirname(vtest);
	return dir;
}

static SdagTestReply *
http(const char *method, const char *path, const char *ctype, GBytes *body)
{
	gsize len = 0;
	const char *data = body != NULL ? g_bytes_get_data(body, &len) : NULL;

	return sdag_test_http(g.session, g.base, method, path, ctype, data, (gssize)len);
}

static SdagTestReply *
http_json(const char *method, const char *path, const char *json)
{
	return sdag_test_http(
	    g.session, g.base, method, path, json != NULL ? "application/json" : NULL, json, -1);
}

static void
register_file(const char *name)
{
	g_autofree char *path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", name, NULL);
	g_autofree char *json = NULL;
	g_autoptr(SdagTestReply) r = NULL;

	g_assert_true(g_file_get_contents(path, &json, NULL, NULL));
	r = http_json("POST", "/pipelines", json);
	g_assert_cmpuint(r->status, ==, 201);
}

static void
register_json(const char *json)
{
	g_autoptr(SdagTestReply) r = http_json("POST", "/pipelines", json);
	if (r->status != 201)
		g_error("POST /pipelines: %u %s", r->status, r->text);
}

static JsonArray *
detections_of(SdagTestReply *r)
{
	JsonObject *o = sdag_test_reply_object(r);
	return json_object_get_array_member(o, "detections");
}

/* A JPEG and a PNG of the same pedestrians: people found, the frame result's shape, and the
 * stored pipeline as it was. */
static void
test_run_people(void)
{
	g_autoptr(SdagTestReply) before = http_json("GET", "/pipelines/people_v1", NULL);
	g_autoptr(SdagTestReply) after = NULL;
	GBytes *images[] = {g.jpeg, g.png};
	const char *types[] = {"image/jpeg", "image/png"};

	g_assert_cmpuint(before->status, ==, 200);
	for (guint k = 0; k < G_N_ELEMENTS(images); k++) {
		g_autoptr(SdagTestReply) r =
		    http("POST", "/pipelines/people_v1/run", types[k], images[k]);
		JsonObject *o;
		JsonArray *dets;

		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpstr(r->ctype, ==, "application/json");
		o = sdag_test_reply_object(r);
		g_assert_cmpint(json_object_get_int_member(o, "frame_id"), ==, 0);
		g_assert_true(json_object_get_null_member(o, "pts_ms"));
		g_assert_cmpuint(
		    json_array_get_length(json_object_get_array_member(o, "events")), ==, 0);
		g_assert_cmpuint(
		    json_array_get_length(json_object_get_array_member(o, "counts")), ==, 0);
		dets = detections_of(r);
		g_test_message("%s: %u people", types[k], json_array_get_length(dets));
		g_assert_cmpuint(json_array_get_length(dets), >=, 1);
		for (guint i = 0; i < json_array_get_length(dets); i++) {
			JsonObject *d = json_array_get_object_element(dets, i);
			JsonArray *box = json_object_get_array_member(d, "box");

			g_assert_cmpstr(json_object_get_string_member(d, "label"), ==, "person");
			g_assert_cmpfloat(json_object_get_double_member(d, "score"), >=, 0.3);
			g_assert_false(json_object_has_member(d, "track_id"));
			g_assert_cmpfloat(json_array_get_double_element(box, 0), >=, -1);
			g_assert_cmpfloat(json_array_get_double_element(box, 1), >=, -1);
			g_assert_cmpfloat(json_array_get_double_element(box, 0) +
					      json_array_get_double_element(box, 2),
					  <=,
					  769);
			g_assert_cmpfloat(json_array_get_double_element(box, 3), >=, 127);
		}
	}
	after = http_json("GET", "/pipelines/people_v1", NULL);
	g_assert_cmpuint(after->status, ==, 200);
	g_assert_cmpstr(after->text, ==, before->text);
}

/* Every refusal, with its status and code; the pipeline is intact after them. */
static void
test_run_errors(void)
{
	g_autoptr(GBytes) garbage = g_bytes_new_static("this is not an image", 20);
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GBytes) half = g_bytes_new_from_bytes(g.png, 0, 64);
	g_autoptr(GstSample) wide = sdag_test_media_pattern("black", 8200, 8, "I420");
	g_autoptr(GBytes) wide_png = sdag_test_media_encode(wide, "image/png");
	g_autoptr(SdagTestReply) before = http_json("GET", "/pipelines/people_v1", NULL);
	g_autoptr(SdagTestReply) after = NULL;
	struct {
		const char *path;
		const char *ctype;
		GBytes *body;
		guint status;
		const char *code;
	} cases[] = {
	    {"/pipelines/people_v1/run", "text/plain", g.jpeg, 415, "unsupported_media_type"},
	    {"/pipelines/people_v1/run", "application/json", g.jpeg, 415, "unsupported_media_type"},
	    {"/pipelines/people_v1/run", NULL, g.jpeg, 415, "unsupported_media_type"},
	    {"/pipelines/people_v1/run", "image/gif", g.jpeg, 415, "unsupported_media_type"},
	    {"/pipelines/people_v1/run", "image/jpeg", garbage, 400, "bad_image"},
	    {"/pipelines/people_v1/run", "image/png", garbage, 400, "bad_image"},
	    {"/pipelines/people_v1/run", "image/png", empty, 400, "bad_image"},
	    {"/pipelines/people_v1/run", "image/png", half, 400, "bad_image"},
	    /* a PNG sent as a JPEG */
	    {"/pipelines/people_v1/run", "image/jpeg", g.png, 400, "bad_image"},
	    /* wider than 8192 */
	    {"/pipelines/people_v1/run", "image/png", wide_png, 400, "bad_image"},
	    {"/pipelines/nope/run", "image/jpeg", g.jpeg, 404, "pipeline_not_found"},
	    {"/pipelines/nope/run", "text/plain", g.jpeg, 404, "pipeline_not_found"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SdagTestReply) r =
		    http("POST", cases[i].path, cases[i].ctype, cases[i].body);
		g_test_message("case %u: %u %s", i, r->status, r->text);
		sdag_test_assert_error(r, cases[i].status, cases[i].code);
	}
	{
		g_autoptr(SdagTestReply) r = http("GET", "/pipelines/people_v1/run", NULL, NULL);
		sdag_test_assert_error(r, 405, "method_not_allowed");
		g_assert_cmpstr(r->allow, ==, "POST");
	}
	after = http_json("GET", "/pipelines/people_v1", NULL);
	g_assert_cmpstr(after->text, ==, before->text);
}

/* A 160x120 JPEG whose header says 32000x32000 is refused as bad_image without the
 * decoder filling a 1.5 GB frame first: the peak memory of the process (reset before the
 * request, where the kernel allows) grows by far less. */
static void
test_run_huge_header(void)
{
	g_autoptr(GstSample) black = sdag_test_media_pattern("black", 160, 120, "I420");
	g_autoptr(GBytes) jpeg = sdag_test_media_encode(black, "image/jpeg");
	const guint8 sof[] = {0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x78, 0x00, 0xa0};
	const guint8 huge_sof[] = {0xff, 0xc0, 0x00, 0x11, 0x08, 0x7d, 0x00, 0x7d, 0x00};
	gsize len = 0;
	guint8 *data = g_bytes_unref_to_data(g_bytes_ref(jpeg), &len);
	guint8 *at = memmem(data, len, sof, sizeof(sof));
	g_autoptr(GBytes) huge = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	guint64 rss_kb;

	g_assert_nonnull(at);
	memcpy(at, huge_sof, sizeof(huge_sof));
	huge = g_bytes_new_take(data, len);
	/* under valgrind and the sanitizers (SDAG_TEST_SLOW) the RSS is theirs as much as ours */
	rss_kb = g_getenv("SDAG_TEST_SLOW") == NULL ? sdag_test_peak_rss_reset() : 0;
	r = http("POST", "/pipelines/people_v1/run", "image/jpeg", huge);
	sdag_test_assert_error(r, 400, "bad_image");
	g_assert_nonnull(strstr(
	    json_object_get_string_member(
		json_object_get_object_member(sdag_test_reply_object(r), "error"), "message"),
	    "32000x32000"));
	if (rss_kb > 0)
		g_assert_cmpuint(sdag_test_peak_rss(), <, rss_kb + 256 * 1024);
	else
		g_test_message("peak memory not measured here");
}

typedef struct {
	guint pending;
	GPtrArray *bodies;
} Concurrent;

static void
concurrent_sent_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Concurrent *c = user_data;
	g_autoptr(GError) error = NULL;
	GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(
			     soup_session_get_async_result_message(SOUP_SESSION(source), res)),
			 ==,
			 200);
	g_ptr_array_add(c->bodies, body);
	c->pending--;
}

/* Runs in flight together answer independently, each with fresh state: the same answer. */
static void
test_run_concurrent(void)
{
	g_autoptr(SdagTestReply) one =
	    http("POST", "/pipelines/people_v1/run", "image/jpeg", g.jpeg);
	g_autofree char *uri = g_strconcat(g.base, "/pipelines/people_v1/run", NULL);
	Concurrent c = {0, g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref)};

	g_assert_cmpuint(one->status, ==, 200);
	for (guint i = 0; i < 3; i++) {
		g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);

		soup_message_set_request_body_from_bytes(msg, "image/jpeg", g.jpeg);
		soup_session_send_and_read_async(
		    g.session, msg, G_PRIORITY_DEFAULT, NULL, concurrent_sent_cb, &c);
		c.pending++;
	}
	while (c.pending > 0)
		g_main_context_iteration(NULL, TRUE);
	for (guint i = 0; i < c.bodies->len; i++) {
		gsize len = 0;
		const char *data = g_bytes_get_data(c.bodies->pdata[i], &len);
		g_assert_cmpmem(data, len, one->text, strlen(one->text));
	}
	g_ptr_array_unref(c.bodies);
}

#define HAAR_PIPELINE                                                                         \
	"{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"f\",\"type\":\"haar\",\"params\":%s}]," \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"f.frame\"}],\"outputs\":[\"f."        \
	"detections\"]}"

/* A missing or unreadable cascade is refused at registration; the default one finds the
 * face of messi5.jpg through the run route. */
static void
test_haar(void)
{
	g_autofree char *missing = g_strdup_printf(
	    HAAR_PIPELINE, "faces_missing", "{\"cascade\":\"/nonexistent/cascade.xml\"}");
	g_autofree char *dir_as_file =
	    g_strdup_printf(HAAR_PIPELINE, "faces_dir", "{\"cascade\":\"/usr\"}");
	g_autofree char *ok = g_strdup_printf(HAAR_PIPELINE, "faces", "{}");
	g_autofree char *face_path = g_build_filename(vtest_dir(), "messi5.jpg", NULL);
	g_autofree char *face = NULL;
	gsize face_len = 0;
	g_autoptr(GBytes) face_jpeg = NULL;
	const char *bad[] = {missing, dir_as_file};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(SdagTestReply) r = http_json("POST", "/pipelines", bad[i]);
		JsonArray *details;
		JsonObject *p;

		sdag_test_assert_error(r, 400, "bad_param");
		details = json_object_get_array_member(
		    json_object_get_object_member(
			json_object_get_object_member(sdag_test_reply_object(r), "error"),
			"details"),
		    "problems");
		g_assert_cmpuint(json_array_get_length(details), ==, 1);
		p = json_array_get_object_element(details, 0);
		g_assert_cmpstr(json_object_get_string_member(p, "node"), ==, "f");
		g_assert_nonnull(strstr(json_object_get_string_member(p, "message"), "cascade"));
	}
	{
		g_autoptr(SdagTestReply) r = http_json("GET", "/pipelines/faces_missing", NULL);
		sdag_test_assert_error(r, 404, "not_found");
	}
	register_json(ok);
	g_assert_true(g_file_get_contents(face_path, &face, &face_len, NULL));
	face_jpeg = g_bytes_new(face, face_len);
	{
		g_autoptr(SdagTestReply) r =
		    http("POST", "/pipelines/faces/run", "image/jpeg", face_jpeg);
		JsonArray *dets;

		g_assert_cmpuint(r->status, ==, 200);
		dets = detections_of(r);
		g_assert_cmpuint(json_array_get_length(dets), >=, 1);
		g_assert_cmpstr(
		    json_object_get_string_member(json_array_get_object_element(dets, 0), "label"),
		    ==,
		    "face");
	}
	/* vtest's faces are too small to find: an answer all the same */
	{
		g_autoptr(SdagTestReply) r =
		    http("POST", "/pipelines/faces/run", "image/jpeg", g.jpeg);
		g_assert_cmpuint(r->status, ==, 200);
		g_assert_nonnull(detections_of(r));
	}
}

/* The cascade param tells nothing of files outside [nodes] cascade_dirs: a file that is
 * there and one that is not get the same 400 bad_param, message and all but the name; the
 * pipelines stored before are unchanged. */
static void
test_haar_oracle(void)
{
	const char *paths[] = {"/etc/passwd", "/etc/no-such-file"};
	g_autofree char *first = NULL;
	g_autoptr(SdagTestReply) before = http_json("GET", "/pipelines/people_v1", NULL);
	g_autoptr(SdagTestReply) after = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		g_autofree char *params = g_strdup_printf("{\"cascade\":\"%s\"}", paths[i]);
		g_autofree char *body = g_strdup_printf(HAAR_PIPELINE, "faces_oracle", params);
		g_autoptr(SdagTestReply) r = http_json("POST", "/pipelines", body);
		JsonObject *err;
		g_auto(GStrv) parts = NULL;
		g_autofree char *message = NULL;

		sdag_test_assert_error(r, 400, "bad_param");
		err = json_object_get_object_member(sdag_test_reply_object(r), "error");
		parts = g_strsplit(json_object_get_string_member(err, "message"), paths[i], -1);
		message = g_strjoinv("PATH", parts);
		g_assert_nonnull(
		    strstr(message, "is not a cascade file under [nodes] cascade_dirs"));
		if (first == NULL)
			first = g_steal_pointer(&message);
		else
			g_assert_cmpstr(message, ==, first);
	}
	after = http_json("GET", "/pipelines/people_v1", NULL);
	g_assert_cmpuint(after->status, ==, 200);
	g_assert_cmpstr(after->text, ==, before->text);
}

static JsonObject *
wait_terminal(const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(SdagTestReply) r = http_json("GET", path, NULL);
		const char *status;

		g_assert_cmpuint(r->status, ==, 200);
		status = json_object_get_string_member(sdag_test_reply_object(r), "status");
		if (sdag_test_job_is_terminal(status)) {
			g_assert_cmpstr(status, ==, "completed");
			return json_object_ref(sdag_test_reply_object(r));
		}
		g_usleep(20000);
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
	g_error("job %s did not end", id);
}

static char *
submit(const char *pipeline, const char *file)
{
	g_autofree char *url = g_filename_to_uri(file, NULL, NULL);
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"%s\",\"video_url\":\"%s\"}", pipeline, url);
	g_autoptr(SdagTestReply) r = http_json("POST", "/jobs", body);

	g_assert_cmpuint(r->status, ==, 202);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

/* A job with a snapshot node: GET /jobs/{id}/snapshot.jpg is a JPEG of the clip's size that
 * decodes; a job without one, and an unknown job, are 404 with their codes; DELETE takes the
 * snapshot with the job. */
static void
test_snapshot_job(void)
{
	g_autofree char *clip = g_build_filename(g.media, "clip.mp4", NULL);
	g_autofree char *launch = g_strdup_printf(
	    "videotestsrc num-buffers=12 ! video/x-raw,width=176,height=144,framerate=25/1 ! "
	    "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s",
	    clip);
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) gen = gst_parse_launch(launch, &error);
	g_autoptr(GstBus) bus = gst_element_get_bus(gen);
	g_autoptr(GstMessage) eos = NULL;
	g_autofree char *id = NULL;
	g_autofree char *plain = NULL;
	g_autofree char *path = NULL;
	g_autofree char *plain_path = NULL;
	g_autoptr(JsonObject) job = NULL;
	g_autoptr(JsonObject) plain_job = NULL;

	g_assert_no_error(error);
	gst_element_set_state(gen, GST_STATE_PLAYING);
	eos = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	g_assert_cmpint(GST_MESSAGE_TYPE(eos), ==, GST_MESSAGE_EOS);
	gst_element_set_state(gen, GST_STATE_NULL);

	register_json("{\"pipeline_id\":\"snapped\",\"nodes\":["
		      "{\"id\":\"p\",\"type\":\"hog_people\"},"
		      "{\"id\":\"s\",\"type\":\"snapshot\",\"params\":{\"every_n\":5}}],"
		      "\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"},"
		      "{\"from\":\"source.frame\",\"to\":\"s.frame\"},"
		      "{\"from\":\"p.detections\",\"to\":\"s.detections\"}],"
		      "\"outputs\":[\"p.detections\",\"s.image\"]}");
	id = submit("snapped", clip);
	plain = submit("people_v1", clip);
	job = wait_terminal(id);
	plain_job = wait_terminal(plain);
	g_assert_cmpint(json_object_get_int_member(job, "frames_processed"), ==, 12);

	path = g_strdup_printf("/jobs/%s/snapshot.jpg", id);
	{
		g_autoptr(SdagTestReply) r = http_json("GET", path, NULL);
		g_autoptr(GstSample) s = NULL;
		GstVideoInfo info;

		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpstr(r->ctype, ==, "image/jpeg");
		g_assert_cmpuint(g_bytes_get_size(r->body), >, 100);
		g_assert_cmpuint(((const guint8 *)g_bytes_get_data(r->body, NULL))[0], ==, 0xff);
		g_assert_cmpuint(((const guint8 *)g_bytes_get_data(r->body, NULL))[1], ==, 0xd8);
		s = sdag_test_media_decode_image(r->body, "I420");
		g_assert_nonnull(s);
		g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
		g_assert_cmpint(GST_VIDEO_INFO_WIDTH(&info), ==, 176);
		g_assert_cmpint(GST_VIDEO_INFO_HEIGHT(&info), ==, 144);
	}
	plain_path = g_strdup_printf("/jobs/%s/snapshot.jpg", plain);
	{
		g_autoptr(SdagTestReply) r = http_json("GET", plain_path, NULL);
		sdag_test_assert_error(r, 404, "snapshot_not_found");
	}
	{
		g_autoptr(SdagTestReply) r = http_json("GET", "/jobs/nope/snapshot.jpg", NULL);
		sdag_test_assert_error(r, 404, "job_not_found");
	}
	{
		g_autofree char *job_path = g_strdup_printf("/jobs/%s", id);
		g_autoptr(SdagTestReply) del = http_json("DELETE", job_path, NULL);
		g_autoptr(SdagTestReply) r = NULL;
		g_autoptr(GBytes) left = NULL;

		g_assert_cmpuint(del->status, ==, 204);
		r = http_json("GET", path, NULL);
		sdag_test_assert_error(r, 404, "job_not_found");
		left = sdag_snapshot_load(g.daemon->store, id, &error);
		g_assert_null(left);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_SNAPSHOT_NOT_FOUND);
	}
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = NULL;
	g_autoptr(GstSample) frame = NULL;
	g_autofree char *vtest = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(NULL, NULL);
	g.dir = sdag_test_mkdtemp();
	g.media = sdag_test_mkdtemp();
	cfg = sdag_config_new();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, g.dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, g.media);
	cfg->start_timeout_s = 60;
	g.daemon = sdag_daemon_new(g_steal_pointer(&cfg), &error);
	g_assert_no_error(error);
	g.session = soup_session_new();
	g.base = g_strdup_printf("http://127.0.0.1:%u", sdag_daemon_get_port(g.daemon));

	vtest = g_build_filename(vtest_dir(), "vtest.avi", NULL);
	frame = sdag_test_media_decode_frame(vtest, 60, "I420");
	g.jpeg = sdag_test_media_encode(frame, "image/jpeg");
	g.png = sdag_test_media_encode(frame, "image/png");
	register_file("people_v1.json");

	g_test_add_func("/sdag/runonce/people", test_run_people);
	g_test_add_func("/sdag/runonce/errors", test_run_errors);
	g_test_add_func("/sdag/runonce/huge-header", test_run_huge_header);
	g_test_add_func("/sdag/runonce/concurrent", test_run_concurrent);
	g_test_add_func("/sdag/runonce/haar", test_haar);
	g_test_add_func("/sdag/runonce/haar-oracle", test_haar_oracle);
	g_test_add_func("/sdag/runonce/snapshot-job", test_snapshot_job);
	rc = g_test_run();

	g_object_unref(g.session);
	sdag_daemon_free(g.daemon);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_bytes_unref(g.jpeg);
	g_bytes_unref(g.png);
	sdag_test_rmtree(g.dir);
	sdag_test_rmtree(g.media);
	g_free(g.dir);
	g_free(g.media);
	g_free(g.base);
	return rc;
}
