/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Jobs end to end: the daemon in this process with its REST server on an
 * ephemeral loopback port, real RocksDB, real GStreamer decoding clips this
 * binary generates once, an HTTP media server on loopback, and a spawned
 * streamdagd killed with SIGKILL for the restart cases.
 */
#include "sdag-daemon.h"
#include "sdag-error.h"
#include "sdag-index.h"
#include "sdag-jobs.h"
#include "sdag-json.h"
#include "sdag-results.h"
#include "sdag-runner.h"
#include "sdag-source.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define CLIP_FRAMES 30

/* Generated once per binary, shared read-only by every test. */
static char *media_dir;
static char *outside_dir;

typedef struct {
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
} Fixture;

typedef struct {
	guint max_jobs;
	gboolean strict;	  /* private networks refused, as shipped */
	guint64 max_frame_pixels; /* 0: the shipped default */
} FixtureOpts;

static const FixtureOpts opts_two = {2, FALSE};
static const FixtureOpts opts_one = {1, FALSE};
static const FixtureOpts opts_strict = {2, TRUE};
/* one pixel less than vtest.avi's 768x576 */
static const FixtureOpts opts_small_frames = {2, FALSE, 768 * 576 - 1};

static char *
media_path(const char *name)
{
	return g_build_filename(media_dir, name, NULL);
}

static char *
media_url(const char *name)
{
	g_autofree char *path = media_path(name);
	return g_filename_to_uri(path, NULL, NULL);
}

static void
make_media(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *clip = NULL;
	g_autofree char *audio = NULL;
	g_autofree char *launch = NULL;
	g_autofree char *data = NULL;
	g_autofree char *path = NULL;
	gsize len = 0;

	media_dir = sdag_test_mkdtemp();
	outside_dir = sdag_test_mkdtemp();
	clip = media_path("clip.mp4");
	launch = g_strdup_printf("videotestsrc num-buffers=%d ! "
				 "video/x-raw,width=160,height=120,framerate=30/1 ! "
				 "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s",
				 CLIP_FRAMES,
				 clip);
	sdag_test_gst_launch(launch);
	audio = media_path("audio.wav");
	g_free(launch);
	launch =
	    g_strdup_printf("audiotestsrc num-buffers=20 ! wavenc ! filesink location=%s", audio);
	sdag_test_gst_launch(launch);

	/* a text file named like a video */
	g_free(path);
	path = media_path("text.mp4");
	g_assert_true(g_file_set_contents(path, "this is not a video\n", -1, &error));
	/* an mp4 cut short: mp4mux writes the index last, so it is gone */
	g_assert_true(g_file_get_contents(clip, &data, &len, &error));
	g_free(path);
	path = media_path("truncated.mp4");
	g_assert_true(g_file_set_contents(path, data, (gssize)(len / 2), &error));
	/* the same clip with its index and no media data: every top-level box but mdat */
	{
		g_autoptr(GByteArray) moov_only = g_byte_array_new();
		gsize at = 0;

		while (at + 8 <= len) {
			guint32 size = GUINT32_FROM_BE(*(const guint32 *)(const void *)(data + at));

			g_assert_cmpuint(size, >=, 8);
			g_assert_cmpuint(at + size, <=, len);
			if (memcmp(data + at + 4, "mdat", 4) != 0)
				g_byte_array_append(moov_only, (const guint8 *)data + at, size);
			at += size;
		}
		g_free(path);
		path = media_path("moov-only.mp4");
		g_assert_true(g_file_set_contents(
		    path, (const char *)moov_only->data, (gssize)moov_only->len, &error));
	}
	/* One black 160x120 JPEG in a QuickTime file, 2 KB, then two lies about its size:
	 * huge-jpeg.mov's JPEG header says 32000x32000 (the container still says 160x120),
	 * huge-track.mov's track says 32000x32000 (the JPEG still says 160x120). */
	{
		g_autofree char *small = media_path("small-jpeg.mov");
		g_autofree char *mov = NULL;
		gsize mov_len = 0;
		const guint8 sof[] = {0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x78, 0x00, 0xa0};
		const guint8 huge_sof[] = {0xff, 0xc0, 0x00, 0x11, 0x08, 0x7d, 0x00, 0x7d, 0x00};
		/* the visual sample entry: 'jpeg', 24 bytes, then width and height */
		const guint8 entry[] = {0x00, 0xa0, 0x00, 0x78};
		const guint8 huge_entry[] = {0x7d, 0x00, 0x7d, 0x00};
		char *at;

		g_free(launch);
		launch = g_strdup_printf(
		    "videotestsrc num-buffers=1 pattern=black ! "
		    "video/x-raw,width=160,height=120,framerate=1/1 ! jpegenc ! qtmux ! "
		    "filesink location=%s",
		    small);
		sdag_test_gst_launch(launch);
		g_assert_true(g_file_get_contents(small, &mov, &mov_len, &error));
		at = memmem(mov, mov_len, sof, sizeof(sof));
		g_assert_nonnull(at);
		memcpy(at, huge_sof, sizeof(huge_sof));
		g_free(path);
		path = media_path("huge-jpeg.mov");
		g_assert_true(g_file_set_contents(path, mov, (gssize)mov_len, &error));
		memcpy(at, sof, sizeof(sof));
		at = memmem(mov, mov_len, "jpeg", 4);
		g_assert_nonnull(at);
		g_assert_cmpmem(at + 28, 4, entry, sizeof(entry));
		memcpy(at + 28, huge_entry, sizeof(huge_entry));
		g_free(path);
		path = media_path("huge-track.mov");
		g_assert_true(g_file_set_contents(path, mov, (gssize)mov_len, &error));
	}
	/* a file outside the media root, and a symlink inside pointing at it */
	g_free(path);
	path = g_build_filename(outside_dir, "secret.mp4", NULL);
	g_assert_true(g_file_set_contents(path, data, (gssize)len, &error));
	{
		g_autofree char *link = media_path("escape.mp4");
		g_assert_cmpint(symlink(path, link), ==, 0);
	}
	g_assert_no_error(error);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	const FixtureOpts *opts = data != NULL ? data : &opts_two;
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	f->dir = sdag_test_mkdtemp();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, f->dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, media_dir);
	if (g_getenv("SDAG_TEST_VTEST") != NULL) {
		g_autofree char *vdir = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
		if (g_file_test(vdir, G_FILE_TEST_IS_DIR))
			sdag_config_add_media_root(cfg, vdir);
	}
	cfg->max_concurrent_jobs = opts->max_jobs;
	/* broken files that stall the decoder fail within the test's patience; under
	 * valgrind (SDAG_TEST_SLOW) a good file can take seconds to its first frame */
	cfg->start_timeout_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 60 : 5;
	/* the HTTP media server of these tests is on loopback */
	cfg->allow_private_networks = !opts->strict;
	if (opts->max_frame_pixels > 0)
		cfg->max_frame_pixels = opts->max_frame_pixels;
	f->daemon = sdag_test_daemon_open(g_steal_pointer(&cfg), &f->base);
	f->session = soup_session_new();
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

static SdagTestReply *
http(Fixture *f, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    f->session, f->base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static void
register_pipeline(Fixture *f, const char *id, guint sleep_ms, guint boxes)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
	    "{\"sleep_ms\":%u,\"boxes\":%u}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
	    "\"s.frame\"}],\"outputs\":[\"s.detections\"]}",
	    id,
	    sleep_ms,
	    boxes);
	g_autoptr(SdagTestReply) r = http(f, "POST", "/pipelines", body);
	g_assert_cmpuint(r->status, ==, 201);
}

/* Returns: (transfer full): the new job's id */
static char *
submit(Fixture *f, const char *pipeline, const char *url, const char *options)
{
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":%s}",
			    pipeline,
			    url,
			    options != NULL ? options : "{}");
	g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);
	JsonObject *o;
	g_autofree char *location = NULL;

	if (r->status != 202)
		g_error("submit: %u %s", r->status, r->text);
	o = sdag_test_reply_object(r);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "queued");
	location = g_strdup_printf("/jobs/%s", json_object_get_string_member(o, "job_id"));
	g_assert_cmpstr(r->location, ==, location);
	return g_strdup(json_object_get_string_member(o, "job_id"));
}

static JsonNode *
get_job(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	return sdag_test_http_get_json(f->session, f->base, path);
}

static char *
job_status(Fixture *f, const char *id)
{
	g_autoptr(JsonNode) job = get_job(f, id);
	return g_strdup(json_object_get_string_member(json_node_get_object(job), "status"));
}

/* Polls until the job is terminal; returns its final JSON. */
static JsonNode *
wait_terminal(Fixture *f, const char *id)
{
	/* vtest.avi alone decodes for over a minute under valgrind */
	gint64 limit_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 600 : 60;
	gint64 deadline = g_get_monotonic_time() + limit_s * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(JsonNode) job = get_job(f, id);
		if (sdag_test_job_is_terminal(
			json_object_get_string_member(json_node_get_object(job), "status")))
			return g_steal_pointer(&job);
		sdag_test_spin(10);
	}
	g_error("job %s did not end", id);
}

/* Polls until the job has processed at least @n frames. */
static void
wait_processed(Fixture *f, const char *id, gint64 n)
{
	for (;;) {
		g_autoptr(JsonNode) job = get_job(f, id);
		if (json_object_get_int_member(json_node_get_object(job), "frames_processed") >= n)
			return;
		sdag_test_spin(20);
	}
}

static const char *
error_code_of(JsonObject *job)
{
	JsonObject *err = json_object_get_object_member(job, "error");
	return err != NULL ? json_object_get_string_member(err, "code") : NULL;
}

typedef struct {
	GMutex lock;
	GPtrArray *statuses; /* "<job id> <status>", main context */
	guint frames;	     /* streaming threads */
	guint64 detections;
	gboolean summary_at_end;
} Heard;

static void
heard_status_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	Heard *h = user_data;
	JsonObject *o = json_node_get_object(job);
	const char *status = json_object_get_string_member(o, "status");

	g_assert_true(g_main_context_is_owner(g_main_context_default()));
	g_assert_cmpstr(json_object_get_string_member(o, "job_id"), ==, job_id);
	g_assert_false(json_object_has_member(o, "pipeline"));
	g_assert_false(json_object_has_member(o, "source_url"));
	if (sdag_test_job_is_terminal(status))
		h->summary_at_end = json_object_has_member(o, "summary");
	g_ptr_array_add(h->statuses, g_strdup_printf("%s %s", job_id, status));
}

static void
heard_frame_cb(const char *job_id, const SdagFrameResult *result, gpointer user_data)
{
	Heard *h = user_data;

	g_mutex_lock(&h->lock);
	h->frames++;
	h->detections += result->detections->len;
	g_mutex_unlock(&h->lock);
}

/* A listener hears every status change after it is stored, and every processed frame. */
static void
test_listener(Fixture *f, gconstpointer data)
{
	const SdagJobsListener listener = {heard_status_cb, heard_frame_cb};
	Heard h = {.statuses = g_ptr_array_new_with_free_func(g_free)};
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *id = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autofree char *queued = NULL;
	g_autofree char *running = NULL;
	g_autofree char *completed = NULL;
	JsonObject *summary;

	g_mutex_init(&h.lock);
	sdag_jobs_add_listener(f->daemon->jobs, &listener, &h);
	register_pipeline(f, "boxes", 0, 3);
	id = submit(f, "boxes", url, "{\"stride\":2}");
	job = wait_terminal(f, id);
	queued = g_strdup_printf("%s queued", id);
	running = g_strdup_printf("%s running", id);
	completed = g_strdup_printf("%s completed", id);
	g_assert_cmpuint(h.statuses->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(h.statuses, 0), ==, queued);
	g_assert_cmpstr(g_ptr_array_index(h.statuses, 1), ==, running);
	g_assert_cmpstr(g_ptr_array_index(h.statuses, 2), ==, completed);
	g_assert_true(h.summary_at_end);
	summary = json_object_get_object_member(json_node_get_object(job), "summary");
	g_assert_cmpuint(h.frames, ==, (CLIP_FRAMES + 1) / 2);
	g_assert_cmpint(h.frames, ==, json_object_get_int_member(summary, "total_frames"));
	g_assert_cmpint(h.detections, ==, json_object_get_int_member(summary, "total_detections"));
	g_ptr_array_unref(h.statuses);
	g_mutex_clear(&h.lock);
}

/* N frames at stride S give exactly ceil(N/S) rows, in order, and a summary that is the sum
 * of the rows. */
static void
test_stride(Fixture *f, gconstpointer data)
{
	const guint strides[] = {1, 4, 7, 30, 100};
	g_autofree char *url = media_url("clip.mp4");

	register_pipeline(f, "boxes", 0, 2);
	for (guint k = 0; k < G_N_ELEMENTS(strides); k++) {
		guint s = strides[k];
		guint expected = (CLIP_FRAMES + s - 1) / s;
		g_autofree char *options = g_strdup_printf("{\"stride\":%u}", s);
		g_autofree char *id = submit(f, "boxes", url, options);
		g_autoptr(JsonNode) job = wait_terminal(f, id);
		JsonObject *o = json_node_get_object(job);
		JsonObject *summary = json_object_get_object_member(o, "summary");
		g_autoptr(JsonArray) frames = sdag_test_job_frames(f->session, f->base, id, 4);
		g_autoptr(GHashTable) tracks = g_hash_table_new(g_direct_hash, g_direct_equal);
		double score_sum = 0;
		guint n_dets = 0;

		g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
		g_assert_true(json_object_get_null_member(o, "error"));
		g_assert_cmpfloat(json_object_get_double_member(o, "progress"), ==, 1.0);
		g_assert_cmpint(json_object_get_int_member(o, "frames_decoded"), ==, CLIP_FRAMES);
		g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, expected);
		g_assert_nonnull(json_object_get_string_member(o, "started_at"));
		g_assert_nonnull(json_object_get_string_member(o, "finished_at"));
		/* the password-free source, and the exact pipeline the job ran */
		g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, url);
		g_assert_false(json_object_has_member(o, "source_url"));
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(o, "pipeline"), "pipeline_id"),
				==,
				"boxes");

		g_assert_cmpuint(json_array_get_length(frames), ==, expected);
		for (guint i = 0; i < expected; i++) {
			JsonObject *fr = json_array_get_object_element(frames, i);
			JsonArray *dets = json_object_get_array_member(fr, "detections");

			g_assert_cmpint(
			    json_object_get_int_member(fr, "frame_id"), ==, (gint64)i * s);
			g_assert_cmpfloat_with_epsilon(
			    json_object_get_double_member(fr, "pts_ms"), i * s * 1000.0 / 30, 0.01);
			g_assert_cmpuint(json_array_get_length(dets), ==, 2);
			for (guint j = 0; j < json_array_get_length(dets); j++) {
				JsonObject *d = json_array_get_object_element(dets, j);
				JsonArray *box = json_object_get_array_member(d, "box");

				g_assert_cmpstr(
				    json_object_get_string_member(d, "label"), ==, "thing");
				g_assert_cmpfloat(json_array_get_double_element(box, 0), ==, i * s);
				score_sum += json_object_get_double_member(d, "score");
				g_hash_table_add(
				    tracks,
				    GINT_TO_POINTER(json_object_get_int_member(d, "track_id")));
				n_dets++;
			}
		}
		g_assert_cmpint(json_object_get_int_member(summary, "total_frames"), ==, expected);
		g_assert_cmpint(
		    json_object_get_int_member(summary, "total_detections"), ==, n_dets);
		g_assert_cmpfloat_with_epsilon(
		    json_object_get_double_member(summary, "average_confidence"),
		    score_sum / n_dets,
		    1e-9);
		g_assert_cmpint(
		    json_object_get_int_member(summary, "tracks"), ==, g_hash_table_size(tracks));
	}
}

/* Real footage: Debian's vtest.avi (MS-MPEG4 v3, 768x576, 10 fps, 795 frames) decodes end to
 * end; every 5th frame is processed. */
static void
test_vtest(Fixture *f, gconstpointer data)
{
	const char *vtest = g_getenv("SDAG_TEST_VTEST");
	g_autofree char *url = NULL;
	g_autofree char *id = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(JsonArray) frames = NULL;
	JsonObject *o;

	if (vtest == NULL || !g_file_test(vtest, G_FILE_TEST_IS_REGULAR))
		g_error("%s is missing: run scripts/fetch-media.sh (make deps)",
			vtest != NULL ? vtest : "SDAG_TEST_VTEST");
	url = g_filename_to_uri(vtest, NULL, NULL);
	register_pipeline(f, "boxes", 0, 1);
	id = submit(f, "boxes", url, "{\"stride\":5}");
	job = wait_terminal(f, id);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
	g_assert_cmpint(json_object_get_int_member(o, "frames_decoded"), ==, 795);
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, 159);
	frames = sdag_test_job_frames(f->session, f->base, id, 1000);
	g_assert_cmpuint(json_array_get_length(frames), ==, 159);
	/* 10 fps: frame 790 is at 79 s */
	g_assert_cmpfloat_with_epsilon(
	    json_object_get_double_member(json_array_get_object_element(frames, 158), "pts_ms"),
	    79000.0,
	    1.0);
}

/* max_frames ends the job after that many processed frames, as completed. */
static void
test_max_frames(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *id = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(JsonArray) frames = NULL;

	register_pipeline(f, "boxes", 0, 1);
	id = submit(f, "boxes", url, "{\"max_frames\":5,\"stride\":2}");
	job = wait_terminal(f, id);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(job), "status"), ==, "completed");
	frames = sdag_test_job_frames(f->session, f->base, id, 100);
	g_assert_cmpuint(json_array_get_length(frames), ==, 5);
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(frames, 4), "frame_id"),
	    ==,
	    8);
}

/* Six jobs, two slots: never more than two running at a poll, started in submission order,
 * all completed. They are queued in one request (one write), so that a slow disk, which
 * makes each synced POST /jobs take longer than a job runs, cannot keep them from
 * overlapping. */
static void
test_concurrency(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) body = g_string_new("{\"jobs\":[");
	g_autoptr(SdagTestReply) r = NULL;
	JsonArray *jobs;
	gboolean started[6] = {FALSE};
	guint max_running = 0;
	gboolean all_done = FALSE;

	/* 30 frames at stride 3, 15 ms each: about 150 ms per job */
	register_pipeline(f, "slow", 15, 1);
	for (guint i = 0; i < 6; i++)
		g_string_append_printf(body,
				       "%s{\"pipeline_id\":\"slow\",\"video_url\":\"%s\","
				       "\"options\":{\"stride\":3}}",
				       i > 0 ? "," : "",
				       url);
	g_string_append(body, "]}");
	r = http(f, "POST", "/jobs/batch", body->str);
	g_assert_cmpuint(r->status, ==, 202);
	jobs = json_object_get_array_member(sdag_test_reply_object(r), "jobs");
	g_assert_cmpuint(json_array_get_length(jobs), ==, 6);
	for (guint i = 0; i < 6; i++)
		g_ptr_array_add(ids,
				g_strdup(json_object_get_string_member(
				    json_array_get_object_element(jobs, i), "job_id")));
	while (!all_done) {
		guint running = 0;

		all_done = TRUE;
		for (guint i = 0; i < 6; i++) {
			g_autofree char *st = job_status(f, g_ptr_array_index(ids, i));
			if (g_strcmp0(st, "running") == 0)
				running++;
			if (g_strcmp0(st, "queued") != 0)
				started[i] = TRUE;
			if (!sdag_test_job_is_terminal(st))
				all_done = FALSE;
		}
		/* FIFO: a job has started only if every earlier one has */
		for (guint i = 1; i < 6; i++)
			if (started[i])
				g_assert_true(started[i - 1]);
		max_running = MAX(max_running, running);
		g_assert_cmpuint(running, <=, 2);
		sdag_test_spin(5);
	}
	g_assert_cmpuint(max_running, ==, 2);
	for (guint i = 0; i < 6; i++) {
		g_autofree char *st = job_status(f, g_ptr_array_index(ids, i));
		g_assert_cmpstr(st, ==, "completed");
	}
}

static gint64
decoder_threads_of(Fixture *f, const char *id)
{
	g_autoptr(JsonNode) job = get_job(f, id);

	return json_object_get_int_member_with_default(
	    json_node_get_object(job), "decoder_threads", -1);
}

/* [jobs] decoder_threads=auto: a job that starts on its own decodes on every CPU; jobs that
 * start beside others (running or queued, up to max_concurrent_jobs) share them; a job alone
 * again gets them all back. A job whose last like (same pipeline, stride and decode mode)
 * kept its analysis thread busy on the CPU leaves that thread one; one whose like slept
 * through its frames does not. Each job's record says what it got, and its analysis_cpu_s. */
static void
test_decoder_threads_auto(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	const guint cpus = g_get_num_processors();
	const char *ids[3];
	g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	g_autofree char *spin1 = NULL, *spin2 = NULL, *spin3 = NULL;
	g_autofree char *spin_body = NULL;

	/* 30 frames, 15 ms each asleep: each job runs for about half a second */
	register_pipeline(f, "slow", 15, 1);
	spin_body = g_strdup_printf(
	    "{\"pipeline_id\":\"spin\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
	    "{\"sleep_ms\":10,\"spin\":true}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
	    "\"s.frame\"}],\"outputs\":[\"s.detections\"]}");
	{
		g_autoptr(SdagTestReply) r = http(f, "POST", "/pipelines", spin_body);
		g_assert_cmpuint(r->status, ==, 201);
	}
	ids[0] = a = submit(f, "slow", url, NULL);
	wait_processed(f, a, 1);
	/* with A running: B starts beside it, C waits for a slot */
	ids[1] = b = submit(f, "slow", url, NULL);
	ids[2] = c = submit(f, "slow", url, NULL);
	for (guint i = 0; i < 3; i++) {
		g_autoptr(JsonNode) job = wait_terminal(f, ids[i]);
		g_assert_cmpstr(json_object_get_string_member(json_node_get_object(job), "status"),
				==,
				"completed");
	}
	/* D, alone again */
	d = submit(f, "slow", url, "{\"max_frames\":2}");
	json_node_unref(wait_terminal(f, d));
	/* on the CPU for every frame: nothing known first, busy then; at another stride, a job
	 * unlike it */
	spin1 = submit(f, "spin", url, NULL);
	json_node_unref(wait_terminal(f, spin1));
	spin2 = submit(f, "spin", url, NULL);
	json_node_unref(wait_terminal(f, spin2));
	spin3 = submit(f, "spin", url, "{\"stride\":2}");
	json_node_unref(wait_terminal(f, spin3));

	g_assert_cmpint(decoder_threads_of(f, a), ==, cpus);
	g_assert_cmpint(decoder_threads_of(f, b), ==, MAX(1u, cpus / 2));
	g_assert_cmpint(decoder_threads_of(f, c), ==, MAX(1u, cpus / 2));
	/* its like slept through its frames */
	g_assert_cmpint(decoder_threads_of(f, d), ==, cpus);
	g_assert_cmpint(decoder_threads_of(f, spin1), ==, cpus);
	g_assert_cmpint(decoder_threads_of(f, spin2), ==, MAX(1u, cpus - 1));
	g_assert_cmpint(decoder_threads_of(f, spin3), ==, cpus);
	{
		g_autofree char *path = g_strdup_printf("/jobs/%s", spin1);
		g_autoptr(JsonNode) job = sdag_test_http_get_json(f->session, f->base, path);

		/* 30 frames of 10 ms on the CPU */
		g_assert_cmpfloat(
		    json_object_get_double_member(json_node_get_object(job), "analysis_cpu_s"),
		    >=,
		    0.25);
	}
}

/* Returns: the number of frame rows of a job, read through the API */
static guint
count_frames(Fixture *f, const char *id)
{
	g_autoptr(JsonArray) frames = sdag_test_job_frames(f->session, f->base, id, 1000);
	return json_array_get_length(frames);
}

/* A running job stops within 2 s of its cancel and keeps the frames it produced; a terminal
 * job refuses a second cancel; DELETE is for terminal jobs only and takes everything. */
static void
test_cancel_running(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;
	gint64 t0;
	guint kept;

	register_pipeline(f, "slow", 100, 1);
	id = submit(f, "slow", url, NULL);
	/* wait for the first frame rows */
	wait_processed(f, id, 2);
	/* a running job is not deleted */
	path = g_strdup_printf("/jobs/%s", id);
	r = http(f, "DELETE", path, NULL);
	sdag_test_assert_error(r, 409, "job_not_terminal");
	g_clear_pointer(&r, sdag_test_reply_free);

	g_free(path);
	path = g_strdup_printf("/jobs/%s/cancel", id);
	t0 = g_get_monotonic_time();
	r = http(f, "POST", path, NULL);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
	g_assert_cmpuint(r->status, ==, 200);
	o = sdag_test_reply_object(r);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "cancelled");
	kept = (guint)json_object_get_int_member(o, "frames_processed");
	g_assert_cmpuint(kept, >=, 2);
	g_assert_cmpuint(kept, <, CLIP_FRAMES);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "summary"), "total_frames"),
	    ==,
	    kept);
	g_clear_pointer(&r, sdag_test_reply_free);
	g_assert_cmpuint(count_frames(f, id), ==, kept);

	/* terminal: cancel again is refused, nothing changes */
	r = http(f, "POST", path, NULL);
	sdag_test_assert_error(r, 409, "job_terminal");
	g_clear_pointer(&r, sdag_test_reply_free);
	g_assert_cmpuint(count_frames(f, id), ==, kept);

	/* delete takes the record, the frames and the results */
	g_free(path);
	path = g_strdup_printf("/jobs/%s", id);
	r = http(f, "DELETE", path, NULL);
	g_assert_cmpuint(r->status, ==, 204);
	g_clear_pointer(&r, sdag_test_reply_free);
	r = http(f, "GET", path, NULL);
	sdag_test_assert_error(r, 404, "job_not_found");
	g_clear_pointer(&r, sdag_test_reply_free);
	r = http(f, "DELETE", path, NULL);
	sdag_test_assert_error(r, 404, "job_not_found");
	g_clear_pointer(&r, sdag_test_reply_free);
	g_free(path);
	path = g_strdup_printf("/jobs/%s/frames", id);
	r = http(f, "GET", path, NULL);
	sdag_test_assert_error(r, 404, "job_not_found");
	g_clear_pointer(&r, sdag_test_reply_free);
	{
		/* no row is left behind in any family */
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) res = sdag_store_get(
		    f->daemon->store, SDAG_STORE_RESULTS, (const guint8 *)id, strlen(id), &error);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND);
		g_assert_null(res);
	}
}

static void
cancel_sent_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GBytes) body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, NULL);
	*(gboolean *)user_data = TRUE;
}

/* The daemon stops while a cancel waits for its job to stop: no crash, and the job ends
 * cancelled on disk. */
static void
test_cancel_at_shutdown(void)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autofree char *uri = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(GBytes) record = NULL;
	g_autoptr(JsonNode) parsed = NULL;
	gboolean answered = FALSE;
	Fixture fa = {0};
	Fixture *f = &fa;
	g_autofree char *db = NULL;

	fixture_setup(f, &opts_two);
	register_pipeline(f, "slow", 100, 1);
	id = submit(f, "slow", url, NULL);
	wait_processed(f, id, 1);
	uri = g_strdup_printf("%s/jobs/%s/cancel", f->base, id);
	msg = soup_message_new("POST", uri);
	soup_session_send_and_read_async(
	    f->session, msg, G_PRIORITY_DEFAULT, NULL, cancel_sent_cb, &answered);
	/* long enough for the request to arrive, shorter than a frame */
	sdag_test_spin(30);
	sdag_daemon_free(g_steal_pointer(&f->daemon));
	while (!answered)
		g_main_context_iteration(NULL, TRUE);

	db = g_build_filename(f->dir, "db", NULL);
	store = sdag_store_open(db, &error);
	g_assert_no_error(error);
	record = sdag_store_get(store, SDAG_STORE_JOBS, (const guint8 *)id, strlen(id), &error);
	g_assert_no_error(error);
	parsed = sdag_json_parse(g_bytes_get_data(record, NULL), g_bytes_get_size(record), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(parsed), "status"), ==, "cancelled");
	g_clear_pointer(&store, sdag_store_free);
	g_object_unref(f->session);
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->base);
}

/* With one slot, a queued job that is cancelled never starts. */
static void
test_cancel_queued(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	g_autofree char *path = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;

	register_pipeline(f, "slow", 20, 1);
	first = submit(f, "slow", url, NULL);
	second = submit(f, "slow", url, NULL);
	path = g_strdup_printf("/jobs/%s", second);
	r = http(f, "DELETE", path, NULL);
	sdag_test_assert_error(r, 409, "job_not_terminal");
	g_clear_pointer(&r, sdag_test_reply_free);
	g_free(path);
	path = g_strdup_printf("/jobs/%s/cancel", second);
	r = http(f, "POST", path, NULL);
	g_assert_cmpuint(r->status, ==, 200);
	o = sdag_test_reply_object(r);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "cancelled");
	g_assert_true(json_object_get_null_member(o, "started_at"));

	job = wait_terminal(f, first);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(job), "status"), ==, "completed");
	g_clear_pointer(&job, json_node_unref);
	job = get_job(f, second);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "cancelled");
	g_assert_true(json_object_get_null_member(o, "started_at"));
	g_assert_cmpuint(count_frames(f, second), ==, 0);
}

/* An HTTP server for media: serves the clip at /clip.mp4, 404 elsewhere. */
static void
media_server_cb(SoupServer *server,
		SoupServerMessage *msg,
		const char *path,
		GHashTable *query,
		gpointer user_data)
{
	g_autofree char *file = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;

	if (g_strcmp0(path, "/clip.mp4") != 0) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	file = media_path("clip.mp4");
	g_assert_true(g_file_get_contents(file, &data, &len, NULL));
	soup_server_message_set_response(msg, "video/mp4", SOUP_MEMORY_COPY, data, len);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
}

/* Each bad source fails its own job with its own code; a good job next to them completes. */
static void
test_bad_sources(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SoupServer) server = soup_server_new(NULL, NULL);
	g_autoptr(GSList) uris = NULL;
	guint port;
	struct {
		char *url;
		const char *code;
		char *id;
	} cases[8] = {
	    {media_url("missing.mp4"), "source_not_found"},
	    {media_url("text.mp4"), "no_video_stream"},
	    {media_url("audio.wav"), "no_video_stream"},
	    {media_url("truncated.mp4"), "decode_error"},
	};
	g_autofree char *good_url = media_url("clip.mp4");
	g_autofree char *good = NULL;

	soup_server_add_handler(server, NULL, media_server_cb, NULL, NULL);
	g_assert_true(soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	uris = soup_server_get_uris(server);
	port = g_uri_get_port(uris->data);
	g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify)g_uri_unref);
	cases[4].url = g_strdup_printf("http://127.0.0.1:%u/missing.mp4", port);
	cases[4].code = "source_not_found";
	/* a port nobody listens on: the server's own port after it stops is racy, port 1 is
	 * privileged and unused on a test box */
	cases[5].url = g_strdup("http://127.0.0.1:1/clip.mp4");
	cases[5].code = "source_unreachable";
	cases[6].url = g_strdup_printf("http://127.0.0.1:%u/clip.mp4", port);
	cases[6].code = NULL; /* served: completes */
	/* a password never comes back, not even through GStreamer's messages */
	cases[7].url = g_strdup_printf("http://viewer:hunter2@127.0.0.1:%u/missing.mp4", port);
	cases[7].code = "source_not_found";

	register_pipeline(f, "boxes", 0, 1);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		cases[i].id = submit(f, "boxes", cases[i].url, NULL);
	good = submit(f, "boxes", good_url, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(JsonNode) job = wait_terminal(f, cases[i].id);
		JsonObject *o = json_node_get_object(job);
		g_autofree char *text = sdag_json_to_string(job);

		g_assert_null(strstr(text, "hunter2"));
		if (cases[i].code == NULL) {
			g_assert_cmpstr(
			    json_object_get_string_member(o, "status"), ==, "completed");
			g_assert_cmpint(
			    json_object_get_int_member(o, "frames_processed"), ==, CLIP_FRAMES);
		} else {
			JsonObject *err = json_object_get_object_member(o, "error");
			if (g_strcmp0(error_code_of(o), cases[i].code) != 0)
				g_error("%s: expected %s, got %s",
					cases[i].url,
					cases[i].code,
					error_code_of(o));
			g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
			g_assert_cmpstr(json_object_get_string_member(err, "message"), !=, "");
		}
		g_free(cases[i].url);
		g_free(cases[i].id);
	}
	{
		g_autoptr(JsonNode) job = wait_terminal(f, good);
		g_assert_cmpstr(json_object_get_string_member(json_node_get_object(job), "status"),
				==,
				"completed");
	}
}

/*
 * The test's name service: names under ".test" (reserved for testing, RFC 6761) resolve to
 * fixed addresses, the way /etc/hosts would on a box, without depending on the machine's
 * own files. Installed as the process's default GResolver, so the daemon's lookups and
 * GStreamer's go through it; IP literals never reach it.
 */
typedef struct {
	GResolver parent;
} TestResolver;
typedef struct {
	GResolverClass parent_class;
} TestResolverClass;
GType test_resolver_get_type(void);
G_DEFINE_TYPE(TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_lookup(const char *host, GError **error)
{
	const struct {
		const char *name;
		const char *addr;
	} hosts[] = {
	    {"camera.test", "127.0.0.1"}, {"nvr.test", "192.168.1.10"}, {"dual.test", "fd00::7"}};

	for (guint i = 0; i < G_N_ELEMENTS(hosts); i++) {
		if (g_strcmp0(host, hosts[i].name) == 0)
			return g_list_append(NULL, g_inet_address_new_from_string(hosts[i].addr));
	}
	g_set_error(error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no host %s", host);
	return NULL;
}

static GList *
test_resolver_lookup_by_name(GResolver *resolver,
			     const char *host,
			     GCancellable *cancellable,
			     GError **error)
{
	return test_resolver_lookup(host, error);
}

static void
test_resolver_lookup_by_name_async(GResolver *resolver,
				   const char *host,
				   GCancellable *cancellable,
				   GAsyncReadyCallback callback,
				   gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(resolver, cancellable, callback, user_data);
	GError *error = NULL;
	GList *addrs = test_resolver_lookup(host, &error);

	if (addrs == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, addrs, (GDestroyNotify)g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish(GResolver *resolver, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void
test_resolver_class_init(TestResolverClass *klass)
{
	GResolverClass *rc = G_RESOLVER_CLASS(klass);

	rc->lookup_by_name = test_resolver_lookup_by_name;
	rc->lookup_by_name_async = test_resolver_lookup_by_name_async;
	rc->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init(TestResolver *self)
{
}

/* With private networks refused (the shipped default), a host name is resolved before
 * anything is opened and every address it gives is checked; a name that does not resolve
 * fails the job as unreachable. */
static void
test_resolved_private(Fixture *f, gconstpointer data)
{
	const struct {
		const char *url;
		const char *code;
		const char *addr;
	} cases[] = {
	    {"http://camera.test/clip.mp4", "source_forbidden", "127.0.0.1"},
	    {"http://nvr.test:8080/clip.mp4", "source_forbidden", "192.168.1.10"},
	    {"https://dual.test/clip.mp4", "source_forbidden", "fd00::7"},
	    {"http://gone.test/clip.mp4", "source_unreachable", "gone.test"},
	};

	register_pipeline(f, "boxes", 0, 1);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *id = submit(f, "boxes", cases[i].url, NULL);
		g_autoptr(JsonNode) job = wait_terminal(f, id);
		JsonObject *o = json_node_get_object(job);
		JsonObject *err = json_object_get_object_member(o, "error");

		g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
		g_assert_cmpstr(error_code_of(o), ==, cases[i].code);
		g_assert_nonnull(
		    strstr(json_object_get_string_member(err, "message"), cases[i].addr));
		g_assert_cmpint(json_object_get_int_member(o, "frames_decoded"), ==, 0);
	}
	/* an IP literal is refused at once, before a job exists */
	{
		g_autoptr(SdagTestReply) r =
		    http(f,
			 "POST",
			 "/jobs",
			 "{\"pipeline_id\":\"boxes\",\"video_url\":\"http://127.0.0.1/a\"}");
		sdag_test_assert_error(r, 403, "source_forbidden");
	}
	/* a link-local literal with a zone id, judged by its address */
	{
		g_autoptr(SdagTestReply) r = http(
		    f,
		    "POST",
		    "/jobs",
		    "{\"pipeline_id\":\"boxes\",\"video_url\":\"http://[fe80::1%25eth0]:9/a\"}");
		sdag_test_assert_error(r, 403, "source_forbidden");
	}
}

/* An MP4 whose index names frames that are not in the file ends at once without a frame:
 * the job fails as no_video_stream instead of completing with nothing; a job before it is
 * unchanged. */
static void
test_moov_only(Fixture *f, gconstpointer data)
{
	g_autofree char *good_url = media_url("clip.mp4");
	g_autofree char *url = media_url("moov-only.mp4");
	g_autofree char *good = NULL;
	g_autofree char *id = NULL;
	g_autofree char *before = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;

	register_pipeline(f, "boxes", 0, 1);
	good = submit(f, "boxes", good_url, NULL);
	{
		g_autoptr(JsonNode) gj = wait_terminal(f, good);
		before = sdag_json_to_string(gj);
	}
	id = submit(f, "boxes", url, NULL);
	job = wait_terminal(f, id);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
	g_assert_cmpstr(error_code_of(o), ==, "no_video_stream");
	g_assert_cmpint(json_object_get_int_member(o, "frames_decoded"), ==, 0);
	{
		g_autoptr(JsonNode) gj = get_job(f, good);
		g_autofree char *after = sdag_json_to_string(gj);
		g_assert_cmpstr(after, ==, before);
	}
}

/* A file whose stream claims 32000x32000 frames fails with frame_too_large at once, and
 * the job never held such a frame: the process's peak memory (reset before the job, where
 * the kernel allows) grows by far less than the 1.5 GB one frame takes. A job run before
 * it is unchanged. */
static void
assert_frame_too_large(Fixture *f, const char *name)
{
	g_autofree char *good_url = media_url("clip.mp4");
	g_autofree char *url = media_url(name);
	g_autofree char *good = NULL;
	g_autofree char *id = NULL;
	g_autofree char *before = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;
	guint64 rss_kb;
	gint64 start;

	register_pipeline(f, "boxes", 0, 1);
	good = submit(f, "boxes", good_url, NULL);
	{
		g_autoptr(JsonNode) gj = wait_terminal(f, good);
		before = sdag_json_to_string(gj);
	}
	/* under valgrind and the sanitizers (SDAG_TEST_SLOW) the RSS is theirs as much as ours */
	rss_kb = g_getenv("SDAG_TEST_SLOW") == NULL ? sdag_test_peak_rss_reset() : 0;
	start = g_get_monotonic_time();
	id = submit(f, "boxes", url, NULL);
	job = wait_terminal(f, id);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
	g_assert_cmpstr(error_code_of(o), ==, "frame_too_large");
	g_assert_nonnull(strstr(
	    json_object_get_string_member(json_object_get_object_member(o, "error"), "message"),
	    "32000x32000"));
	g_assert_cmpint(json_object_get_int_member(o, "frames_decoded"), ==, 0);
	if (g_getenv("SDAG_TEST_SLOW") == NULL)
		g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	if (rss_kb > 0)
		g_assert_cmpuint(sdag_test_peak_rss(), <, rss_kb + 256 * 1024);
	else
		g_test_message("peak memory not measured here");
	{
		g_autoptr(JsonNode) gj = get_job(f, good);
		g_autofree char *after = sdag_json_to_string(gj);
		g_assert_cmpstr(after, ==, before);
	}
}

/* The JPEG's own header lies: the decoder reads the size, the container says 160x120. */
static void
test_frame_limit_jpeg_header(Fixture *f, gconstpointer data)
{
	assert_frame_too_large(f, "huge-jpeg.mov");
}

/* The container lies: the decoder is fed caps of 32000x32000. */
static void
test_frame_limit_track_header(Fixture *f, gconstpointer data)
{
	assert_frame_too_large(f, "huge-track.mov");
}

/* A limit below vtest.avi's 768x576 fails it as frame_too_large (the default limit lets
 * it through: /sdag/jobs/vtest). */
static void
test_frame_limit_lowered(Fixture *f, gconstpointer data)
{
	const char *vtest = g_getenv("SDAG_TEST_VTEST");
	g_autofree char *url = NULL;
	g_autofree char *id = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;

	if (vtest == NULL || !g_file_test(vtest, G_FILE_TEST_IS_REGULAR))
		g_error("%s is missing: run scripts/fetch-media.sh (make deps)",
			vtest != NULL ? vtest : "SDAG_TEST_VTEST");
	url = g_filename_to_uri(vtest, NULL, NULL);
	register_pipeline(f, "boxes", 0, 1);
	id = submit(f, "boxes", url, NULL);
	job = wait_terminal(f, id);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
	g_assert_cmpstr(error_code_of(o), ==, "frame_too_large");
	g_assert_nonnull(strstr(
	    json_object_get_string_member(json_object_get_object_member(o, "error"), "message"),
	    "768x576"));
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, 0);
}

/* Bad requests get the exact status and code, and change nothing. */
static void
test_bad_requests(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *escape = media_url("escape.mp4");
	g_autofree char *witness = NULL;
	g_autofree char *witness_json = NULL;
	g_autofree char *before = NULL;
	g_autoptr(JsonNode) wj = NULL;
	const struct {
		const char *body;
		guint status;
		const char *code;
	} cases[] = {
	    {"{\"pipeline_id\":", 400, "bad_json"},
	    {"[1,2]", 400, "bad_request"},
	    {"{\"video_url\":\"@URL@\"}", 400, "bad_request"},
	    {"{\"pipeline_id\":\"boxes\"}", 400, "bad_request"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"source\":\"@URL@\"}",
	     400,
	     "bad_request"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"priority\":1}",
	     400,
	     "bad_request"},
	    {"{\"pipeline_id\":7,\"video_url\":\"@URL@\"}", 400, "bad_request"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"options\":{\"fast\":true}}",
	     400,
	     "bad_option"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"options\":{\"stride\":0}}",
	     400,
	     "bad_option"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"options\":{\"stride\":1.5}}",
	     400,
	     "bad_option"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"options\":{\"max_frames\":-1}}",
	     400,
	     "bad_option"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"options\":{\"on_interrupt\":"
	     "\"retry\"}}",
	     400,
	     "bad_option"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@URL@\",\"options\":[]}",
	     400,
	     "bad_option"},
	    {"{\"pipeline_id\":\"nope\",\"video_url\":\"@URL@\"}", 404, "pipeline_not_found"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"ftp://example.com/a.mp4\"}",
	     400,
	     "unsupported_source"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"not a url\"}", 400, "unsupported_source"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"file://elsewhere/a.mp4\"}",
	     400,
	     "unsupported_source"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"file:///etc/passwd\"}",
	     403,
	     "source_forbidden"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"file:///tmp/../etc/passwd\"}",
	     403,
	     "source_forbidden"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"@DIR@\"}", 400, "unsupported_source"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"http://[fe80::1%25eth0]:9/a\"}",
	     400,
	     "unsupported_source"},
	    {"{\"pipeline_id\":\"boxes\",\"video_url\":\"http://[::1%25lo]:9/a\"}",
	     400,
	     "unsupported_source"},
	};

	register_pipeline(f, "boxes", 0, 1);
	witness = submit(f, "boxes", url, NULL);
	wj = wait_terminal(f, witness);
	witness_json = sdag_json_to_string(wj);
	{
		g_autoptr(SdagTestReply) r = http(f, "GET", "/jobs", NULL);
		before = g_strdup(r->text);
	}
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *body = NULL;
		g_autoptr(SdagTestReply) r = NULL;

		g_auto(GStrv) parts = g_strsplit(cases[i].body, "@URL@", -1);
		g_autofree char *with_url = g_strjoinv(url, parts);
		g_auto(GStrv) dparts = g_strsplit(with_url, "@DIR@", -1);
		g_autofree char *dir_url = g_filename_to_uri(media_dir, NULL, NULL);

		body = g_strjoinv(dir_url, dparts);
		r = http(f, "POST", "/jobs", body);
		if (r->status != cases[i].status)
			g_error("%s: expected %u, got %u %s",
				body,
				cases[i].status,
				r->status,
				r->text);
		sdag_test_assert_error(r, cases[i].status, cases[i].code);
	}
	/* a symlink inside the media root that leads out of it */
	{
		g_autofree char *body =
		    g_strdup_printf("{\"pipeline_id\":\"boxes\",\"video_url\":\"%s\"}", escape);
		g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);
		sdag_test_assert_error(r, 403, "source_forbidden");
	}
	/* query parameters */
	{
		g_autofree char *p1 = g_strdup_printf("/jobs/%s/frames?limit=0", witness);
		g_autofree char *p2 = g_strdup_printf("/jobs/%s/frames?from=x", witness);
		g_autoptr(SdagTestReply) r1 = http(f, "GET", p1, NULL);
		g_autoptr(SdagTestReply) r2 = http(f, "GET", p2, NULL);
		g_autoptr(SdagTestReply) r3 = http(f, "GET", "/jobs?limit=1001", NULL);
		g_autoptr(SdagTestReply) r4 = http(f, "GET", "/jobs?cursor=zz", NULL);
		g_autoptr(SdagTestReply) r5 = http(f, "GET", "/jobs/nope/results", NULL);
		g_autoptr(SdagTestReply) r6 = http(f, "POST", "/jobs/nope/cancel", NULL);
		g_autoptr(SdagTestReply) r7 = http(f, "PUT", "/jobs", NULL);
		g_autoptr(SdagTestReply) r8 = http(f, "GET", "/jobs?state=running", NULL);
		g_autofree char *p9 = g_strdup_printf("/jobs/%s/frames?to=3", witness);
		g_autoptr(SdagTestReply) r9 = http(f, "GET", p9, NULL);
		sdag_test_assert_error(r1, 400, "bad_request");
		sdag_test_assert_error(r2, 400, "bad_request");
		sdag_test_assert_error(r3, 400, "bad_request");
		sdag_test_assert_error(r4, 400, "bad_cursor");
		sdag_test_assert_error(r5, 404, "job_not_found");
		sdag_test_assert_error(r6, 404, "job_not_found");
		sdag_test_assert_error(r7, 405, "method_not_allowed");
		/* a filter this version does not have is refused, not ignored */
		sdag_test_assert_error(r8, 400, "bad_request");
		sdag_test_assert_error(r9, 400, "bad_request");
	}
	/* nothing changed: the list and the earlier job, byte for byte */
	{
		g_autoptr(SdagTestReply) r = http(f, "GET", "/jobs", NULL);
		g_autoptr(JsonNode) wj2 = get_job(f, witness);
		g_autofree char *now = sdag_json_to_string(wj2);
		g_assert_cmpstr(r->text, ==, before);
		g_assert_cmpstr(now, ==, witness_json);
	}
}

/* Newest first; the cursor walks every job exactly once even while new ones arrive. */
static void
test_list(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *cursor = NULL;
	guint pages = 0;

	register_pipeline(f, "boxes", 0, 1);
	for (guint i = 0; i < 7; i++)
		g_ptr_array_add(ids, submit(f, "boxes", url, "{\"max_frames\":1}"));
	do {
		g_autofree char *path = cursor != NULL
					    ? g_strdup_printf("/jobs?limit=3&cursor=%s", cursor)
					    : g_strdup("/jobs?limit=3");
		g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);
		JsonObject *o = sdag_test_reply_object(r);
		JsonArray *jobs = json_object_get_array_member(o, "jobs");

		g_assert_cmpuint(r->status, ==, 200);
		for (guint i = 0; i < json_array_get_length(jobs); i++) {
			JsonObject *j = json_array_get_object_element(jobs, i);
			/* the list does not repeat each job's pipeline */
			g_assert_false(json_object_has_member(j, "pipeline"));
			g_ptr_array_add(seen, g_strdup(json_object_get_string_member(j, "job_id")));
		}
		g_clear_pointer(&cursor, g_free);
		if (!json_object_get_null_member(o, "next_cursor"))
			cursor = g_strdup(json_object_get_string_member(o, "next_cursor"));
		/* a job submitted mid-walk is newer than the cursor: not on later pages */
		if (pages++ == 0)
			g_free(submit(f, "boxes", url, "{\"max_frames\":1}"));
	} while (cursor != NULL);
	g_assert_cmpuint(pages, ==, 3);
	g_assert_cmpuint(seen->len, ==, 7);
	for (guint i = 0; i < 7; i++)
		g_assert_cmpstr(g_ptr_array_index(seen, i), ==, g_ptr_array_index(ids, 6 - i));
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(JsonNode) j = wait_terminal(f, g_ptr_array_index(ids, i));
		g_assert_cmpstr(json_object_get_string_member(json_node_get_object(j), "status"),
				==,
				"completed");
	}
}

/*
 * Terminal jobs' answers come from a cache after the first read: byte for byte what the
 * uncached JSON gives, and gone with the job once it is deleted.
 */
static void
test_cached_reads(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *kept = NULL;
	g_autofree char *gone = NULL;
	g_autofree char *path = NULL;
	SdagJobs *jobs = f->daemon->jobs;
	SdagJobsFilter filter = {.status = -1,
				 .since_us = SDAG_QUERY_NO_TIME,
				 .until_us = SDAG_QUERY_NO_TIME,
				 .limit = 50};

	register_pipeline(f, "boxes", 0, 1);
	kept = submit(f, "boxes", url, "{\"max_frames\":2}");
	gone = submit(f, "boxes", url, "{\"max_frames\":1}");
	json_node_unref(wait_terminal(f, kept));
	json_node_unref(wait_terminal(f, gone));

	/* twice: the first read fills the cache, the second comes from it */
	for (guint round = 0; round < 2; round++) {
		for (guint i = 0; i < 2; i++) {
			const char *id = i == 0 ? kept : gone;
			g_autoptr(GError) error = NULL;
			g_autoptr(JsonNode) node = sdag_jobs_get(jobs, id, &error);
			g_autofree char *expected = sdag_json_to_string(node);
			g_autofree char *p = g_strdup_printf("/jobs/%s", id);
			g_autoptr(SdagTestReply) r = http(f, "GET", p, NULL);

			g_assert_no_error(error);
			g_assert_cmpuint(r->status, ==, 200);
			g_assert_cmpstr(r->ctype, ==, "application/json");
			g_assert_cmpstr(r->text, ==, expected);
			g_assert_nonnull(strstr(r->text, "\"summary\":"));
		}
		{
			g_autoptr(GError) error = NULL;
			g_autoptr(JsonNode) node = sdag_jobs_query(jobs, &filter, &error);
			g_autofree char *expected = sdag_json_to_string(node);
			g_autoptr(SdagTestReply) r = http(f, "GET", "/jobs?limit=50", NULL);
			g_autoptr(SdagTestReply) one = http(f, "GET", "/jobs?limit=1", NULL);

			g_assert_no_error(error);
			g_assert_cmpuint(r->status, ==, 200);
			g_assert_cmpstr(r->text, ==, expected);
			/* a page that ends before the last job names the next one */
			g_assert_cmpuint(one->status, ==, 200);
			g_assert_true(
			    g_str_has_suffix(one->text, "\"next_cursor\":\"0000000000000001\"}"));
		}
	}

	/* deleted: not found, and not on the list any more */
	path = g_strdup_printf("/jobs/%s", gone);
	{
		g_autoptr(SdagTestReply) del = http(f, "DELETE", path, NULL);
		g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);
		g_autoptr(SdagTestReply) list = http(f, "GET", "/jobs?limit=50", NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) node = sdag_jobs_query(jobs, &filter, &error);
		g_autofree char *expected = sdag_json_to_string(node);
		g_autoptr(GBytes) text = sdag_jobs_get_text(jobs, gone, &error);

		g_assert_cmpuint(del->status, ==, 204);
		sdag_test_assert_error(r, 404, "job_not_found");
		g_assert_cmpstr(list->text, ==, expected);
		g_assert_null(strstr(list->text, gone));
		g_assert_nonnull(strstr(list->text, kept));
		g_assert_null(text);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_JOB_NOT_FOUND);
	}
}

/* /jobs/{id}/results: the summary and the first page; stable once terminal. */
static void
test_results(Fixture *f, gconstpointer data)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autofree char *first = NULL;
	g_autoptr(JsonNode) job = NULL;

	register_pipeline(f, "boxes", 0, 3);
	id = submit(f, "boxes", url, NULL);
	job = wait_terminal(f, id);
	path = g_strdup_printf("/jobs/%s/results", id);
	for (guint i = 0; i < 2; i++) {
		g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);
		JsonObject *o = sdag_test_reply_object(r);

		g_assert_cmpuint(r->status, ==, 200);
		g_assert_true(json_object_get_boolean_member(o, "final"));
		g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
		g_assert_cmpint(
		    json_object_get_int_member(json_object_get_object_member(o, "summary"),
					       "total_detections"),
		    ==,
		    3 * CLIP_FRAMES);
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "frames")),
				 ==,
				 CLIP_FRAMES);
		g_assert_true(json_object_get_null_member(o, "next_from"));
		if (first == NULL)
			first = g_strdup(r->text);
		else
			g_assert_cmpstr(r->text, ==, first);
	}
	/* no route writes a terminal job */
	{
		g_autofree char *jp = g_strdup_printf("/jobs/%s", id);
		g_autoptr(SdagTestReply) r1 = http(f, "POST", jp, "{}");
		g_autoptr(SdagTestReply) r2 = http(f, "PUT", jp, "{}");
		g_autoptr(SdagTestReply) r3 = http(f, "POST", path, "{}");
		sdag_test_assert_error(r1, 405, "method_not_allowed");
		sdag_test_assert_error(r2, 405, "method_not_allowed");
		sdag_test_assert_error(r3, 405, "method_not_allowed");
	}
}

/* The transition table: terminal statuses never change. */
static void
test_transitions(void)
{
	for (guint from = 0; from < SDAG_JOB_N_STATUSES; from++) {
		SdagJobStatus parsed;

		g_assert_true(
		    sdag_job_status_from_string(sdag_job_status_to_string(from), &parsed));
		g_assert_cmpint(parsed, ==, from);
		for (guint to = 0; to < SDAG_JOB_N_STATUSES; to++) {
			if (sdag_job_status_is_terminal(from))
				g_assert_false(sdag_job_status_can_change(from, to));
		}
	}
	g_assert_true(sdag_job_status_can_change(SDAG_JOB_QUEUED, SDAG_JOB_RUNNING));
	g_assert_true(sdag_job_status_can_change(SDAG_JOB_RUNNING, SDAG_JOB_COMPLETED));
	g_assert_true(sdag_job_status_can_change(SDAG_JOB_RUNNING, SDAG_JOB_QUEUED));
	g_assert_false(sdag_job_status_can_change(SDAG_JOB_QUEUED, SDAG_JOB_COMPLETED));
	g_assert_false(sdag_job_status_can_change(SDAG_JOB_RUNNING, SDAG_JOB_RUNNING));
	g_assert_false(sdag_job_status_can_change(SDAG_JOB_N_STATUSES, SDAG_JOB_QUEUED));
	g_assert_false(sdag_job_status_from_string("done", &(SdagJobStatus){0}));
}

/* GStreamer errors map to the API's job error codes. */
static void
test_classify(void)
{
	const struct {
		GQuark domain;
		gint code;
		SdagRunnerErrorOrigin origin;
		gboolean no_video;
		const char *expected;
	} cases[] = {
	    {0, GST_RESOURCE_ERROR_NOT_FOUND, SDAG_RUNNER_FROM_SOURCE, FALSE, "source_not_found"},
	    {0, GST_RESOURCE_ERROR_OPEN_READ, SDAG_RUNNER_FROM_SOURCE, FALSE, "source_unreachable"},
	    {0, GST_RESOURCE_ERROR_NO_SPACE_LEFT, SDAG_RUNNER_FROM_PIPELINE, FALSE, "internal"},
	    {1,
	     GST_STREAM_ERROR_TYPE_NOT_FOUND,
	     SDAG_RUNNER_FROM_PIPELINE,
	     FALSE,
	     "no_video_stream"},
	    {1, GST_STREAM_ERROR_DEMUX, SDAG_RUNNER_FROM_PIPELINE, FALSE, "decode_error"},
	    {1, GST_STREAM_ERROR_FAILED, SDAG_RUNNER_FROM_PIPELINE, TRUE, "no_video_stream"},
	    {1, GST_STREAM_ERROR_FAILED, SDAG_RUNNER_FROM_PIPELINE, FALSE, "decode_error"},
	    {1, GST_STREAM_ERROR_FAILED, SDAG_RUNNER_FROM_SOURCE, FALSE, "source_unreachable"},
	    {1, GST_STREAM_ERROR_FAILED, SDAG_RUNNER_FROM_DAG, FALSE, "node_error"},
	    {2, GST_CORE_ERROR_MISSING_PLUGIN, SDAG_RUNNER_FROM_PIPELINE, FALSE, "decode_error"},
	    {2, GST_CORE_ERROR_STATE_CHANGE, SDAG_RUNNER_FROM_PIPELINE, FALSE, "internal"},
	    {2, GST_CORE_ERROR_NEGOTIATION, SDAG_RUNNER_FROM_DAG, FALSE, "node_error"},
	    {0, GST_RESOURCE_ERROR_SETTINGS, SDAG_RUNNER_FROM_DAG, FALSE, "internal"},
	    {3, SDAG_ERROR_STORE, SDAG_RUNNER_FROM_DAG, FALSE, "store_error"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		GQuark domains[] = {
		    GST_RESOURCE_ERROR, GST_STREAM_ERROR, GST_CORE_ERROR, SDAG_ERROR};
		g_autoptr(GError) e =
		    g_error_new_literal(domains[cases[i].domain], cases[i].code, "x");
		g_assert_cmpstr(sdag_runner_classify_error(e, cases[i].origin, cases[i].no_video),
				==,
				cases[i].expected);
	}
}

/* The source validator: schemes, media roots, private addresses, redaction. */
static void
test_source_policy(void)
{
	g_autoptr(GError) error = NULL;
	const char *roots_in[] = {media_dir, NULL};
	g_auto(GStrv) roots = sdag_source_resolve_roots(roots_in, &error);
	SdagSourcePolicy strict = {.media_roots = roots, .allow_private_networks = FALSE};
	SdagSourcePolicy open = {.media_roots = roots, .allow_private_networks = TRUE};
	const char *forbidden[] = {"http://127.0.0.1/a",
				   "http://10.1.2.3/a",
				   "http://192.168.0.10:8080/a",
				   "http://172.16.0.1/a",
				   "http://169.254.1.1/a",
				   "http://100.64.0.1/a",
				   "http://[::1]/a",
				   "http://[fd00::1]/a",
				   "http://[fe80::1]/a",
				   "http://[::ffff:10.0.0.1]/a",
				   "http://[::ffff:127.0.0.1]/a",
				   "http://0.0.0.0/a",
				   "http://localhost/a",
				   "https://cam.localhost/a"};
	g_autoptr(SdagSource) pub = NULL;
	g_autofree char *redacted = NULL;

	g_assert_no_error(error);
	{
		/* names are resolved later, by the worker; literals and localhost never are */
		g_autoptr(SdagSource) s1 =
		    sdag_source_parse("http://camera.example/a", &strict, &error);
		g_autoptr(SdagSource) s2 =
		    sdag_source_parse("http://camera.example/a", &open, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(s1->resolve_host, ==, "camera.example");
		g_assert_null(s2->resolve_host);
	}
	for (guint i = 0; i < G_N_ELEMENTS(forbidden); i++) {
		g_autoptr(SdagSource) s = sdag_source_parse(forbidden[i], &strict, &error);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_SOURCE_FORBIDDEN);
		g_assert_null(s);
		g_clear_error(&error);
		s = sdag_source_parse(forbidden[i], &open, &error);
		g_assert_no_error(error);
		g_assert_nonnull(s);
	}
	pub = sdag_source_parse("https://user:hunter2@93.184.216.34/v.mp4", &strict, &error);
	g_assert_no_error(error);
	g_assert_cmpint(pub->kind, ==, SDAG_SOURCE_HTTP);
	g_assert_cmpstr(pub->uri, ==, "https://user:hunter2@93.184.216.34/v.mp4");
	g_assert_null(strstr(pub->redacted_uri, "hunter2"));
	redacted = sdag_source_redact("rtsp://admin:secret@cam/stream");
	g_assert_cmpstr(redacted, ==, "rtsp://admin:***@cam/stream");
	g_clear_pointer(&redacted, g_free);
	redacted = sdag_source_redact("http://host/no-password");
	g_assert_cmpstr(redacted, ==, "http://host/no-password");
	{
		/* a host with no name, and a root that does not exist */
		const char *missing[] = {"/nonexistent/streamdag/root", NULL};
		g_autoptr(SdagSource) s = sdag_source_parse("http:///a", &strict, &error);
		g_auto(GStrv) none = NULL;

		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_UNSUPPORTED_SOURCE);
		g_clear_error(&error);
		none = sdag_source_resolve_roots(missing, &error);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		g_assert_null(none);
		g_clear_error(&error);
	}
	{
		/* a file that does not exist yet resolves through its directory */
		g_autofree char *url = media_url("later.mp4");
		g_autoptr(SdagSource) s = sdag_source_parse(url, &strict, &error);
		g_assert_no_error(error);
		g_assert_cmpint(s->kind, ==, SDAG_SOURCE_FILE);
	}
}

/* IPv6 zone ids: the address is judged without its zone (a private one is forbidden as
 * it is without a zone), and a zone is refused whatever the policy. */
typedef struct {
	const char *url;
	gboolean strict;
	SdagError code;
} ZoneRow;

static const ZoneRow zone_rows[] = {
    {"http://[fe80::1%25eth0]:8080/", TRUE, SDAG_ERROR_SOURCE_FORBIDDEN},
    {"http://[::1%25lo]/a", TRUE, SDAG_ERROR_SOURCE_FORBIDDEN},
    {"http://[fe80::1%2525eth0]/a", TRUE, SDAG_ERROR_SOURCE_FORBIDDEN},
    {"https://[fd00::1%25wg0]/a", TRUE, SDAG_ERROR_SOURCE_FORBIDDEN},
    {"https://[2001:db8::1%25eth0]/a", TRUE, SDAG_ERROR_UNSUPPORTED_SOURCE},
    {"http://[fe80::1%25eth0]:8080/", FALSE, SDAG_ERROR_UNSUPPORTED_SOURCE},
    {"http://[::1%25lo]/a", FALSE, SDAG_ERROR_UNSUPPORTED_SOURCE},
};

static void
test_source_zone(gconstpointer data)
{
	const ZoneRow *row = data;
	g_autoptr(GError) error = NULL;
	const char *roots_in[] = {media_dir, NULL};
	g_auto(GStrv) roots = sdag_source_resolve_roots(roots_in, &error);
	SdagSourcePolicy policy = {.media_roots = roots, .allow_private_networks = !row->strict};
	g_autoptr(SdagSource) s = NULL;

	g_assert_no_error(error);
	s = sdag_source_parse(row->url, &policy, &error);
	g_assert_null(s);
	g_assert_error(error, SDAG_ERROR, (gint)row->code);
	/* what POST /jobs answers */
	g_assert_cmpuint(sdag_error_code_to_http_status(row->code),
			 ==,
			 row->code == SDAG_ERROR_SOURCE_FORBIDDEN ? 403 : 400);
}

/* After a restart: the job that asked for it ran again from the start under its id, each
 * frame once and in order; the job that was queued ran. */
static void
assert_rerun(Fixture *f, const char *requeued, const char *queued)
{
	g_autoptr(JsonNode) job = wait_terminal(f, requeued);
	g_autoptr(JsonNode) other = NULL;
	g_autoptr(JsonArray) frames = NULL;
	JsonObject *o = json_node_get_object(job);

	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
	g_assert_cmpint(json_object_get_int_member(o, "attempts"), ==, 2);
	g_assert_nonnull(json_object_get_string_member(o, "requeued_at"));
	frames = sdag_test_job_frames(f->session, f->base, requeued, 7);
	g_assert_cmpuint(json_array_get_length(frames), ==, CLIP_FRAMES);
	for (guint i = 0; i < json_array_get_length(frames); i++)
		g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(frames, i),
							   "frame_id"),
				==,
				i);
	other = wait_terminal(f, queued);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(other), "status"), ==, "completed");
	g_assert_cmpuint(count_frames(f, queued), ==, CLIP_FRAMES);
}

/* A clean stop with jobs running: the one that asked is queued again (its partial frames
 * gone), the other failed/interrupted with its frames kept; queued jobs stay queued. The
 * next daemon on the same data runs them all. */
static void
test_restart_clean(void)
{
	g_autofree char *url = media_url("clip.mp4");
	Fixture fa = {0};
	Fixture *f = &fa;
	g_autofree char *failing = NULL;
	g_autofree char *requeued = NULL;
	g_autofree char *queued = NULL;
	g_autofree char *dir = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;
	guint kept;

	fixture_setup(f, &opts_two);
	register_pipeline(f, "slow", 40, 1);
	failing = submit(f, "slow", url, NULL);
	requeued = submit(f, "slow", url, "{\"on_interrupt\":\"requeue\"}");
	queued = submit(f, "slow", url, NULL);
	wait_processed(f, requeued, 3);
	/* stop the daemon, keep its data */
	dir = g_strdup(f->dir);
	g_object_unref(f->session);
	sdag_daemon_free(f->daemon);
	g_free(f->base);
	g_free(f->dir);
	memset(f, 0, sizeof(*f));

	{
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagConfig) cfg = sdag_config_new();
		g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
		sdag_config_set_data_dir(cfg, dir);
		sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"));
		sdag_config_add_media_root(cfg, media_dir);
		cfg->max_concurrent_jobs = 2;
		f->dir = g_steal_pointer(&dir);
		f->daemon = sdag_daemon_new(g_steal_pointer(&cfg), &error);
		g_assert_no_error(error);
		f->session = soup_session_new();
		f->base = g_strdup_printf("http://127.0.0.1:%u", sdag_daemon_get_port(f->daemon));
	}
	job = get_job(f, failing);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
	g_assert_cmpstr(error_code_of(o), ==, "interrupted");
	kept = (guint)json_object_get_int_member(o, "frames_processed");
	g_assert_cmpuint(kept, >, 0);
	/* measured as the daemon stopped, not left unknown */
	g_assert_cmpfloat(json_object_get_double_member(o, "progress"), >, 0.0);
	g_assert_cmpfloat(json_object_get_double_member(o, "progress"), <, 1.0);
	g_assert_cmpuint(count_frames(f, failing), ==, kept);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "summary"), "total_frames"),
	    ==,
	    kept);
	g_clear_pointer(&job, json_node_unref);

	assert_rerun(f, requeued, queued);
	fixture_teardown(f, NULL);
}

/* A spawned daemon over @dir, with the job test plugins and the media root. */
static SdagTestDaemon *
spawned_start(const char *dir)
{
	return sdag_test_daemon_start(dir,
				      g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"),
				      (const char *const[]){"--media-root", media_dir, NULL});
}

/* Killed with SIGKILL in the middle of a job. */
static void
test_restart_sigkill(void)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *dir = sdag_test_mkdtemp();
	SdagTestDaemon *d = NULL;
	Fixture fa = {0};
	Fixture *f = &fa;
	g_autofree char *failing = NULL;
	g_autofree char *requeued = NULL;
	g_autofree char *queued = NULL;
	g_autoptr(JsonNode) job = NULL;
	JsonObject *o;
	guint kept;

	f->session = soup_session_new();
	d = spawned_start(dir);
	f->base = d->base;
	register_pipeline(f, "slow", 40, 1);
	failing = submit(f, "slow", url, NULL);
	requeued = submit(f, "slow", url, "{\"on_interrupt\":\"requeue\"}");
	queued = submit(f, "slow", url, NULL);
	/* enough frames that some rows are certainly written (batches of 250 ms at most) */
	wait_processed(f, failing, 15);
	sdag_test_spin(300);
	sdag_test_daemon_kill(d);

	d = spawned_start(dir);
	f->base = d->base;
	job = get_job(f, failing);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
	g_assert_cmpstr(error_code_of(o), ==, "interrupted");
	/* the rows that reached the store are the job's frames, counted once */
	kept = count_frames(f, failing);
	g_assert_cmpuint(kept, >=, 15);
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, kept);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "summary"), "total_frames"),
	    ==,
	    kept);
	g_clear_pointer(&job, json_node_unref);

	assert_rerun(f, requeued, queued);
	sdag_test_daemon_kill(d);
	g_object_unref(f->session);
	sdag_test_rmtree(dir);
}

/* The summary accounts exactly what the rows hold, and rebuilds from them. */
static void
test_results_module(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autoptr(SdagStore) store = sdag_store_open(dir, &error);
	g_autoptr(SdagResults) results = sdag_results_new(store, "job-a");
	g_autoptr(SdagResults) rebuilt = sdag_results_new(store, "job-a");
	g_autoptr(GArray) dets = g_array_new(FALSE, TRUE, sizeof(SdagDetection));
	g_autoptr(GArray) events = g_array_new(FALSE, TRUE, sizeof(SdagEvent));
	g_autoptr(GArray) counts = g_array_new(FALSE, TRUE, sizeof(SdagCount));
	gint64 node_ns[1] = {0};
	g_autoptr(JsonNode) s1 = NULL;
	g_autoptr(JsonNode) s2 = NULL;
	g_autofree char *t1 = NULL;
	g_autofree char *t2 = NULL;
	g_autoptr(JsonNode) page = NULL;

	g_assert_no_error(error);
	for (guint64 fid = 0; fid < 150; fid++) {
		SdagDetection d = {.label = "car", .score = 0.25f, .track_id = (gint64)(fid % 5)};
		SdagCount c = {.name = "total", .label = "car", .value = (gint64)fid};
		SdagFrameResult r = {.frame_id = fid,
				     .pts_ns = (gint64)fid * 1000000,
				     .detections = dets,
				     .events = events,
				     .counts = counts,
				     .node_ns = node_ns};

		g_array_set_size(dets, 0);
		g_array_set_size(counts, 0);
		g_array_append_val(dets, d);
		g_array_append_val(counts, c);
		g_assert_true(sdag_results_add(results, &r, &error));
	}
	g_assert_true(sdag_results_flush(results, &error));
	g_assert_cmpuint(sdag_results_get_n_frames(results), ==, 150);
	s1 = sdag_results_dup_summary(results);
	g_assert_true(sdag_results_load(rebuilt, &error));
	s2 = sdag_results_dup_summary(rebuilt);
	t1 = sdag_json_to_string(s1);
	t2 = sdag_json_to_string(s2);
	g_assert_cmpstr(t1, ==, t2);
	g_assert_cmpstr(
	    t1,
	    ==,
	    "{\"total_frames\":150,\"total_detections\":150,\"total_events\":0,"
	    "\"average_confidence\":0.25,\"tracks\":5,\"counts\":{\"total\":{\"car\":149}}}");
	page = sdag_results_read_frames(store, "job-a", 140, 100, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(json_node_get_object(page), "frames")),
			 ==,
			 10);
	g_clear_pointer(&results, sdag_results_free);
	g_clear_pointer(&rebuilt, sdag_results_free);
	g_clear_pointer(&store, sdag_store_free);
	sdag_test_rmtree(dir);
}

/* A requeued job that is running at every crash: after [jobs] max_attempts starts it fails
 * (interrupted, saying so) instead of holding the head of the queue, and the job behind it
 * runs. */
static void
test_restart_max_attempts(void)
{
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *conf = g_build_filename(dir, "streamdag.conf", NULL);
	g_autofree char *data = g_build_filename(dir, "data", NULL);
	const char *const args[] = {"--media-root", media_dir, "--config", conf, NULL};
	SdagTestDaemon *d = NULL;
	Fixture fa = {0};
	Fixture *f = &fa;
	g_autofree char *looping = NULL;
	g_autofree char *behind = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(JsonNode) other = NULL;
	JsonObject *o;

	g_assert_true(
	    g_file_set_contents(conf, "[jobs]\nmax_concurrent_jobs=1\nmax_attempts=2\n", -1, NULL));
	f->session = soup_session_new();
	d = sdag_test_daemon_start(data, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), args);
	f->base = d->base;
	register_pipeline(f, "slow", 40, 1);
	looping = submit(f, "slow", url, "{\"on_interrupt\":\"requeue\"}");
	behind = submit(f, "slow", url, NULL);
	for (guint attempt = 1; attempt <= 2; attempt++) {
		wait_processed(f, looping, 2);
		sdag_test_daemon_kill(d);
		d = sdag_test_daemon_start(data, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), args);
		f->base = d->base;
	}
	job = get_job(f, looping);
	o = json_node_get_object(job);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
	g_assert_cmpstr(error_code_of(o), ==, "interrupted");
	g_assert_nonnull(strstr(
	    json_object_get_string_member(json_object_get_object_member(o, "error"), "message"),
	    ", 2 times: not requeued again ([jobs] max_attempts)"));
	g_assert_cmpint(json_object_get_int_member(o, "attempts"), ==, 2);
	other = wait_terminal(f, behind);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(other), "status"), ==, "completed");
	sdag_test_daemon_stop(d, SIGTERM);
	g_object_unref(f->session);
	sdag_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	{
		g_autoptr(GResolver) resolver = g_object_new(test_resolver_get_type(), NULL);
		g_resolver_set_default(resolver);
	}
	make_media();

#define ADD(name, opts, func) g_test_add(name, Fixture, opts, fixture_setup, func, fixture_teardown)
	ADD("/sdag/jobs/stride", &opts_two, test_stride);
	ADD("/sdag/jobs/max-frames", &opts_two, test_max_frames);
	ADD("/sdag/jobs/vtest", &opts_two, test_vtest);
	ADD("/sdag/jobs/concurrency", &opts_two, test_concurrency);
	ADD("/sdag/jobs/decoder-threads-auto", &opts_two, test_decoder_threads_auto);
	ADD("/sdag/jobs/cancel/running", &opts_two, test_cancel_running);
	ADD("/sdag/jobs/cancel/queued", &opts_one, test_cancel_queued);
	ADD("/sdag/jobs/bad-sources", &opts_two, test_bad_sources);
	ADD("/sdag/jobs/moov-only", &opts_two, test_moov_only);
	ADD("/sdag/jobs/frame-limit/jpeg-header", &opts_two, test_frame_limit_jpeg_header);
	ADD("/sdag/jobs/frame-limit/track-header", &opts_two, test_frame_limit_track_header);
	ADD("/sdag/jobs/frame-limit/lowered", &opts_small_frames, test_frame_limit_lowered);
	ADD("/sdag/jobs/bad-requests", &opts_two, test_bad_requests);
	ADD("/sdag/jobs/resolved-private", &opts_strict, test_resolved_private);
	ADD("/sdag/jobs/list", &opts_two, test_list);
	ADD("/sdag/jobs/results", &opts_two, test_results);
	ADD("/sdag/jobs/cached-reads", &opts_two, test_cached_reads);
	ADD("/sdag/jobs/listener", &opts_two, test_listener);
#undef ADD
	g_test_add_func("/sdag/jobs/transitions", test_transitions);
	g_test_add_func("/sdag/jobs/classify", test_classify);
	g_test_add_func("/sdag/jobs/source-policy", test_source_policy);
	for (guint i = 0; i < G_N_ELEMENTS(zone_rows); i++) {
		g_autofree char *name = g_strdup_printf("/sdag/jobs/source-zone/%u", i);
		g_test_add_data_func(name, &zone_rows[i], test_source_zone);
	}
	g_test_add_func("/sdag/jobs/results-module", test_results_module);
	g_test_add_func("/sdag/jobs/restart/clean", test_restart_clean);
	g_test_add_func("/sdag/jobs/cancel/at-shutdown", test_cancel_at_shutdown);
	g_test_add_func("/sdag/jobs/restart/sigkill", test_restart_sigkill);
	g_test_add_func("/sdag/jobs/restart/max-attempts", test_restart_max_attempts);

	ret = g_test_run();
	sdag_test_rmtree(media_dir);
	sdag_test_rmtree(outside_dir);
	g_free(media_dir);
	g_free(outside_dir);
	return ret;
}
