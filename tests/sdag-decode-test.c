/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The job option `decode`: the daemon in this process with its REST server on a loopback
 * port, real RocksDB, real decoding of clips this binary makes once (H.264 with a key frame
 * every 30 frames and B frames, and MJPEG), from a file, from HTTP and from an RTSP camera
 * in this process.
 */
#include "sdag-daemon.h"
#include "sdag-decode.h"
#include "sdag-test-http.h"
#include "sdag-test-rtsp.h"
#include "sdag-test-util.h"

#include <gst/gst.h>
#include <string.h>

#define GOP_FRAMES 90	/* three GOPs of 30 */
#define GOP10_FRAMES 60 /* six GOPs of 10 */
#define MJPEG_FRAMES 20

static char *media_dir;

typedef struct {
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
} Fixture;

static char *
media_url(const char *name)
{
	g_autofree char *path = g_build_filename(media_dir, name, NULL);
	return g_filename_to_uri(path, NULL, NULL);
}

static void
make_media(void)
{
	g_autofree char *gop = NULL;
	g_autofree char *mjpeg = NULL;
	g_autofree char *launch = NULL;

	media_dir = sdag_test_mkdtemp();
	gop = g_build_filename(media_dir, "gop30.mp4", NULL);
	/* no scene cuts: the key frames are exactly 0, 30, 60 */
	launch = g_strdup_printf("videotestsrc num-buffers=%d pattern=ball ! "
				 "video/x-raw,width=160,height=120,framerate=30/1 ! "
				 "x264enc key-int-max=30 bframes=2 b-adapt=false "
				 "option-string=scenecut=0 speed-preset=veryfast ! "
				 "mp4mux ! filesink location=%s",
				 GOP_FRAMES,
				 gop);
	sdag_test_gst_launch(launch);
	g_free(gop);
	g_free(launch);
	gop = g_build_filename(media_dir, "gop10.mp4", NULL);
	launch = g_strdup_printf("videotestsrc num-buffers=%d pattern=ball ! "
				 "video/x-raw,width=160,height=120,framerate=30/1 ! "
				 "x264enc key-int-max=10 bframes=2 b-adapt=false "
				 "option-string=scenecut=0 speed-preset=veryfast ! "
				 "mp4mux ! filesink location=%s",
				 GOP10_FRAMES,
				 gop);
	sdag_test_gst_launch(launch);
	mjpeg = g_build_filename(media_dir, "mjpeg.avi", NULL);
	g_free(launch);
	launch = g_strdup_printf("videotestsrc num-buffers=%d pattern=ball ! "
				 "video/x-raw,width=160,height=120,framerate=10/1 ! jpegenc ! "
				 "avimux ! filesink location=%s",
				 MJPEG_FRAMES,
				 mjpeg);
	sdag_test_gst_launch(launch);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	f->dir = sdag_test_mkdtemp();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, f->dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, media_dir);
	cfg->max_concurrent_jobs = 2;
	cfg->decoder_threads = 1;
	/* the HTTP server and the RTSP camera of these tests are on loopback */
	cfg->allow_private_networks = TRUE;
	f->daemon = sdag_test_daemon_open(g_steal_pointer(&cfg), &f->base);
	f->session = soup_session_new();
	/* boxes: what the frame ids say; digest: what the pictures hold */
	for (guint i = 0; i < 2; i++) {
		g_autofree char *body = g_strdup_printf(
		    "{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\","
		    "\"params\":{\"sleep_ms\":0,\"boxes\":%d,\"digest\":%s}}],\"edges\":[{"
		    "\"from\":\"source.frame\",\"to\":\"s.frame\"}],\"outputs\":[\"s.detections\"]"
		    "}",
		    i == 0 ? "boxes" : "digest",
		    i == 0 ? 1 : 0,
		    i == 0 ? "false" : "true");
		g_autoptr(SdagTestReply) r = sdag_test_http(
		    f->session, f->base, "POST", "/pipelines", "application/json", body, -1);
		g_assert_cmpuint(r->status, ==, 201);
	}
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->session);
	sdag_test_daemon_close(f->daemon);
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->base);
}

/* Returns: (transfer full): the job's id */
static char *
submit_to(Fixture *f, const char *pipeline, const char *url, const char *options)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":%s}", pipeline, url, options);
	g_autoptr(SdagTestReply) r =
	    sdag_test_http(f->session, f->base, "POST", "/jobs", "application/json", body, -1);

	if (r->status != 202)
		g_error("submit: %u %s", r->status, r->text);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static char *
submit(Fixture *f, const char *url, const char *options)
{
	return submit_to(f, "boxes", url, options);
}

static JsonNode *
wait_terminal(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(JsonNode) job = sdag_test_http_get_json(f->session, f->base, path);
		if (sdag_test_job_is_terminal(
			json_object_get_string_member(json_node_get_object(job), "status")))
			return g_steal_pointer(&job);
		sdag_test_spin(10);
	}
	g_error("job %s did not end", id);
}

/* Runs a job to its end: it must complete; *ids gets its frame ids. */
static JsonNode *
run_job(Fixture *f, const char *url, const char *options, GArray **ids)
{
	g_autofree char *id = submit(f, url, options);
	g_autoptr(JsonNode) job = wait_terminal(f, id);
	JsonObject *o = json_node_get_object(job);
	g_autoptr(JsonArray) frames = sdag_test_job_frames(f->session, f->base, id, 100);

	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
	*ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	for (guint i = 0; i < json_array_get_length(frames); i++) {
		gint64 v = json_object_get_int_member(json_array_get_object_element(frames, i),
						      "frame_id");
		g_array_append_val(*ids, v);
	}
	return g_steal_pointer(&job);
}

static void
assert_ids(GArray *ids, gint64 first, gint64 step, guint n)
{
	g_assert_cmpuint(ids->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpint(g_array_index(ids, gint64, i), ==, first + (gint64)i * step);
}

static gint64
int_of(JsonNode *job, const char *name)
{
	return json_object_get_int_member(json_node_get_object(job), name);
}

static const char *
summary_decode(JsonNode *job)
{
	return json_object_get_string_member(
	    json_object_get_object_member(json_node_get_object(job), "summary"), "decode");
}

/* Without the option, every frame is decoded, as before: the job says "all" and skipped
 * none. */
static void
test_all(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop30.mp4");
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = run_job(f, url, "{\"stride\":30}", &ids);
	JsonObject *o = json_node_get_object(job);

	assert_ids(ids, 0, 30, 3);
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(o, "options"), "decode"),
	    ==,
	    "all");
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, GOP_FRAMES);
	g_assert_cmpint(int_of(job, "frames_skipped"), ==, 0);
	g_assert_true(json_object_get_boolean_member(o, "decode_applied"));
	g_assert_true(json_object_get_null_member(o, "decode_reason"));
	g_assert_cmpstr(summary_decode(job), ==, "all");
}

/* keyframes: only the key frames 0, 30, 60 are decoded; their ids are the source's. */
static void
test_keyframes(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop30.mp4");
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = run_job(f, url, "{\"decode\":\"keyframes\"}", &ids);
	JsonObject *o = json_node_get_object(job);

	assert_ids(ids, 0, 30, 3);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, 3);
	g_assert_cmpint(int_of(job, "frames_processed"), ==, 3);
	g_assert_cmpint(int_of(job, "frames_skipped"), ==, GOP_FRAMES - 3);
	g_assert_true(json_object_get_boolean_member(o, "decode_applied"));
	g_assert_cmpstr(summary_decode(job), ==, "keyframes");
	{
		g_autofree char *path =
		    g_strdup_printf("/jobs/%s/metrics", json_object_get_string_member(o, "job_id"));
		g_autoptr(JsonNode) m = sdag_test_http_get_json(f->session, f->base, path);

		g_assert_cmpstr(json_object_get_string_member(json_node_get_object(m), "decode"),
				==,
				"keyframes");
		g_assert_cmpint(int_of(m, "frames_skipped"), ==, GOP_FRAMES - 3);
	}
}

/* keyframes with a stride: the stride counts key frames, and those it passes over are not
 * decoded either. */
static void
test_keyframes_stride(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop30.mp4");
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = run_job(f, url, "{\"decode\":\"keyframes\",\"stride\":2}", &ids);

	assert_ids(ids, 0, 60, 2);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, 2);
	g_assert_cmpint(int_of(job, "frames_skipped"), ==, GOP_FRAMES - 2);
}

/* reference at stride 3 over a clip with B frames: the same frames are analysed as with
 * "all", and the B frames the stride passes over are not decoded. */
static void
test_reference(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop30.mp4");
	g_autoptr(GArray) all_ids = NULL;
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) all = run_job(f, url, "{\"stride\":3}", &all_ids);
	g_autoptr(JsonNode) job = run_job(f, url, "{\"decode\":\"reference\",\"stride\":3}", &ids);

	assert_ids(all_ids, 0, 3, GOP_FRAMES / 3);
	assert_ids(ids, 0, 3, GOP_FRAMES / 3);
	g_assert_cmpint(int_of(all, "frames_decoded"), ==, GOP_FRAMES);
	g_assert_cmpint(int_of(job, "frames_decoded"), <, GOP_FRAMES);
	g_assert_cmpint(int_of(job, "frames_skipped"), >, 0);
	g_assert_cmpint(
	    int_of(job, "frames_decoded") + int_of(job, "frames_skipped"), ==, GOP_FRAMES);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(job), "decode_applied"));
	g_assert_cmpstr(summary_decode(job), ==, "reference");
}

/* A completed job of the digest pipeline: each analysed frame's id and its picture's
 * digest, one "id:sum:fnv" per frame. */
static GStrv
digests_of(Fixture *f, const char *url, const char *options)
{
	g_autofree char *id = submit_to(f, "digest", url, options);
	g_autoptr(JsonNode) job = wait_terminal(f, id);
	g_autoptr(JsonArray) frames = sdag_test_job_frames(f->session, f->base, id, 100);
	g_autoptr(GStrvBuilder) out = g_strv_builder_new();

	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(job), "status"), ==, "completed");
	for (guint i = 0; i < json_array_get_length(frames); i++) {
		JsonObject *row = json_array_get_object_element(frames, i);
		JsonArray *dets = json_object_get_array_member(row, "detections");
		JsonArray *box;
		g_autofree char *line = NULL;

		g_assert_cmpuint(json_array_get_length(dets), ==, 1);
		box = json_object_get_array_member(json_array_get_object_element(dets, 0), "box");
		line = g_strdup_printf("%" G_GINT64_FORMAT ":%.0f:%.0f",
				       json_object_get_int_member(row, "frame_id"),
				       json_array_get_double_element(box, 0),
				       json_array_get_double_element(box, 1));
		g_strv_builder_add(out, line);
	}
	return g_strv_builder_end(out);
}

static void
assert_same_pictures(GStrv a, GStrv b, guint n)
{
	g_assert_cmpuint(g_strv_length(a), ==, n);
	g_assert_cmpuint(g_strv_length(b), ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpstr(a[i], ==, b[i]);
}

/* The key frames a keyframes job analyses are the pictures a job of every frame decodes
 * at the same ids, byte for byte. */
static void
test_keyframes_same_pictures(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop30.mp4");
	g_auto(GStrv) all = digests_of(f, url, "{\"stride\":30}");
	g_auto(GStrv) key = digests_of(f, url, "{\"decode\":\"keyframes\"}");

	assert_same_pictures(all, key, 3);
}

/* reference skips only frames nothing refers to: every frame it analyses (B frames among
 * them at stride 3) is the picture a job of every frame decodes. */
static void
test_reference_same_pictures(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop30.mp4");
	g_auto(GStrv) all = digests_of(f, url, "{\"stride\":3}");
	g_auto(GStrv) ref = digests_of(f, url, "{\"decode\":\"reference\",\"stride\":3}");

	assert_same_pictures(all, ref, GOP_FRAMES / 3);
	/* pictures of a moving ball, whose digests tell them apart */
	g_assert_cmpstr(strchr(all[0], ':'), !=, strchr(all[1], ':'));
}

/* A key frame every 10 frames: keyframes analyses 0, 10, … 50, and decoded + skipped is the
 * file's frame count. */
static void
test_keyframes_gop10(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("gop10.mp4");
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = run_job(f, url, "{\"decode\":\"keyframes\"}", &ids);

	assert_ids(ids, 0, 10, GOP10_FRAMES / 10);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, GOP10_FRAMES / 10);
	g_assert_cmpint(
	    int_of(job, "frames_decoded") + int_of(job, "frames_skipped"), ==, GOP10_FRAMES);
}

/* keyframes over MJPEG, where every frame is a key frame: said not to apply, with why; the
 * job runs as with "all". */
static void
test_mjpeg_keyframes(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("mjpeg.avi");
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = run_job(f, url, "{\"decode\":\"keyframes\",\"stride\":5}", &ids);
	JsonObject *o = json_node_get_object(job);

	assert_ids(ids, 0, 5, MJPEG_FRAMES / 5);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, MJPEG_FRAMES);
	g_assert_cmpint(int_of(job, "frames_skipped"), ==, 0);
	g_assert_false(json_object_get_boolean_member(o, "decode_applied"));
	g_assert_nonnull(strstr(json_object_get_string_member(o, "decode_reason"), "image/jpeg"));
}

/* reference over MJPEG: no frame depends on another, so the frames the stride passes over
 * are not decoded. */
static void
test_mjpeg_reference(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("mjpeg.avi");
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = run_job(f, url, "{\"decode\":\"reference\",\"stride\":5}", &ids);

	assert_ids(ids, 0, 5, MJPEG_FRAMES / 5);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, MJPEG_FRAMES / 5);
	g_assert_cmpint(int_of(job, "frames_skipped"), ==, MJPEG_FRAMES - MJPEG_FRAMES / 5);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(job), "decode_applied"));
}

static void
media_server_cb(SoupServer *server,
		SoupServerMessage *msg,
		const char *path,
		GHashTable *query,
		gpointer user_data)
{
	g_autofree char *file = g_build_filename(media_dir, path + 1, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;

	if (strchr(path + 1, '/') != NULL || !g_file_get_contents(file, &data, &len, NULL)) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	soup_server_message_set_response(msg, "video/mp4", SOUP_MEMORY_COPY, data, len);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
}

/* keyframes from HTTP: the same frames as from the file. */
static void
test_http_keyframes(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SoupServer) server = soup_server_new(NULL, NULL);
	g_autoptr(GSList) uris = NULL;
	g_autofree char *url = NULL;
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = NULL;

	soup_server_add_handler(server, NULL, media_server_cb, NULL, NULL);
	g_assert_true(soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	uris = soup_server_get_uris(server);
	url = g_strdup_printf("http://127.0.0.1:%u/gop30.mp4", g_uri_get_port(uris->data));
	g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify)g_uri_unref);
	job = run_job(f, url, "{\"decode\":\"keyframes\"}", &ids);
	assert_ids(ids, 0, 30, 3);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, 3);
	g_assert_cmpint(int_of(job, "frames_skipped"), ==, GOP_FRAMES - 3);
}

/* keyframes from an RTSP camera (a key frame every 15 frames): ids 15 apart, the rest
 * skipped undecoded. */
static void
test_rtsp_keyframes(Fixture *f, gconstpointer data)
{
	SdagTestRtsp cam = {0};
	g_autofree char *url = NULL;
	g_autoptr(GArray) ids = NULL;
	g_autoptr(JsonNode) job = NULL;

	sdag_test_rtsp_start(&cam);
	url = sdag_test_rtsp_url(&cam);
	job = run_job(f, url, "{\"decode\":\"keyframes\",\"max_frames\":3}", &ids);
	g_assert_cmpuint(ids->len, ==, 3);
	for (guint i = 1; i < ids->len; i++)
		g_assert_cmpint(
		    g_array_index(ids, gint64, i) - g_array_index(ids, gint64, i - 1), ==, 15);
	g_assert_cmpint(int_of(job, "frames_decoded"), ==, 3);
	g_assert_cmpint(int_of(job, "frames_skipped"), >=, 2 * 14);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(job), "decode_applied"));
	g_assert_cmpstr(summary_decode(job), ==, "keyframes");
	sdag_test_rtsp_stop(&cam);
}

/* [jobs] decoder_threads=auto: each job's share of the CPUs, at least 1, less the one its
 * analysis takes when that is busy. */
typedef struct {
	const char *name;
	guint cpus;
	guint jobs;
	gboolean busy;
	guint threads;
} ThreadsRow;

static const ThreadsRow threads_rows[] = {
    {"alone-on-2", 2, 1, FALSE, 2},	     /* a light analysis: the decoder gets both */
    {"alone-on-2-busy", 2, 1, TRUE, 1},	     /* the other core is the analysis thread's */
    {"alone-on-1-busy", 1, 1, TRUE, 1},	     /* never 0 */
    {"alone-on-8-busy", 8, 1, TRUE, 7},	     /* frame threads where cores are left */
    {"two-on-8", 8, 2, FALSE, 4},	     /* shared */
    {"two-on-8-busy", 8, 2, TRUE, 3},	     /* shared, one of each share analysing */
    {"three-on-8", 8, 3, FALSE, 2},	     /* rounded down */
    {"more-jobs-than-cpus", 2, 5, FALSE, 1}, /* at least 1 */
    {"jobs-auto-busy", 4, 0, TRUE, 1},	     /* max_concurrent_jobs=auto: one job per CPU */
};

static void
test_threads_split(gconstpointer data)
{
	const ThreadsRow *row = data;

	g_assert_cmpuint(
	    sdag_decode_threads_split(row->cpus, row->jobs, row->busy), ==, row->threads);
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	make_media();

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/sdag/decode/all", test_all);
	ADD("/sdag/decode/keyframes", test_keyframes);
	ADD("/sdag/decode/keyframes-stride", test_keyframes_stride);
	ADD("/sdag/decode/reference", test_reference);
	ADD("/sdag/decode/keyframes-same-pictures", test_keyframes_same_pictures);
	ADD("/sdag/decode/reference-same-pictures", test_reference_same_pictures);
	ADD("/sdag/decode/keyframes-gop10", test_keyframes_gop10);
	ADD("/sdag/decode/mjpeg-keyframes", test_mjpeg_keyframes);
	ADD("/sdag/decode/mjpeg-reference", test_mjpeg_reference);
	ADD("/sdag/decode/http-keyframes", test_http_keyframes);
	ADD("/sdag/decode/rtsp-keyframes", test_rtsp_keyframes);
#undef ADD
	for (guint i = 0; i < G_N_ELEMENTS(threads_rows); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/decode/threads/%s", threads_rows[i].name);
		g_test_add_data_func(path, &threads_rows[i], test_threads_split);
	}

	ret = g_test_run();
	sdag_test_rmtree(media_dir);
	g_free(media_dir);
	return ret;
}
