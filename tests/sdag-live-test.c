/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Live sources: real RTSP servers (gst-rtsp-server, in this process, port 0) and a real
 * RTMP server (Debian's nginx with its rtmp module, spawned on a free port)
 * feeding jobs of an in-process or spawned daemon.
 */
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <signal.h>
#include <string.h>

#include "sdag-daemon.h"
#include "sdag-error.h"
#include "sdag-live.h"
#include "sdag-source.h"
#include "sdag-supervisor.h"
#include "sdag-test-http.h"
#include "sdag-test-prom.h"
#include "sdag-test-util.h"

#define PASSWORD "s3cret-Pw9"

/* Under valgrind and the sanitizers (SDAG_TEST_SLOW) everything takes longer: waits and
 * timeouts are this many times longer, and frame rates are not held to real time. */
static guint slow = 1;
#define MIN_FPS(fps) (slow > 1 ? 0.0 : (fps))
#define MS (G_USEC_PER_SEC / 1000)

static void
test_classify(void)
{
	const struct {
		GQuark domain;
		gint code;
		const char *message;
		const char *debug;
		SdagSourceReason want;
	} cases[] = {
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_NOT_AUTHORIZED,
	     "Unauthorized",
	     NULL,
	     SDAG_SOURCE_REASON_AUTH_FAILED},
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_NOT_FOUND,
	     "Not Found",
	     NULL,
	     SDAG_SOURCE_REASON_NOT_FOUND},
	    /* the URL in the debug text holds a port that starts with 401 */
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_NOT_FOUND,
	     "Not found",
	     "gstrtspsrc.c(6400): rtsp://127.0.0.1:40123/missing",
	     SDAG_SOURCE_REASON_NOT_FOUND},
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_OPEN_READ,
	     "Could not open resource for reading.",
	     "rtsp://127.0.0.1:40421/cam: 401 Unauthorized",
	     SDAG_SOURCE_REASON_AUTH_FAILED},
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_OPEN_READ,
	     "Could not open resource for reading.",
	     "rtsp://127.0.0.1:40404/cam: 404 Not Found",
	     SDAG_SOURCE_REASON_NOT_FOUND},
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_OPEN_READ_WRITE,
	     "Could not open",
	     "Connection refused",
	     SDAG_SOURCE_REASON_CONNECT_REFUSED},
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_READ,
	     "Could not read",
	     "Socket I/O timed out",
	     SDAG_SOURCE_REASON_TIMEOUT},
	    {GST_STREAM_ERROR,
	     GST_STREAM_ERROR_FAILED,
	     "Internal data stream error.",
	     "streaming stopped, reason error (-5)",
	     SDAG_SOURCE_REASON_CONNECT_REFUSED},
	    /* a server that answers what is not RTSP: it was reached, it is not a camera */
	    {GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_READ,
	     "Could not read from resource.",
	     "gstrtspsrc.c(6682): gst_rtsp_src_receive_response (): Could not receive message. "
	     "(Parse error)",
	     SDAG_SOURCE_REASON_DECODE_ERROR},
	    {GST_STREAM_ERROR,
	     GST_STREAM_ERROR_DECODE,
	     "No valid frames decoded",
	     NULL,
	     SDAG_SOURCE_REASON_DECODE_ERROR},
	    {GST_CORE_ERROR,
	     GST_CORE_ERROR_MISSING_PLUGIN,
	     "no decoder",
	     NULL,
	     SDAG_SOURCE_REASON_DECODE_ERROR},
	    {GST_LIBRARY_ERROR,
	     GST_LIBRARY_ERROR_FAILED,
	     "other",
	     NULL,
	     SDAG_SOURCE_REASON_CONNECT_REFUSED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) e =
		    g_error_new_literal(cases[i].domain, cases[i].code, cases[i].message);
		g_assert_cmpstr(
		    sdag_source_reason_to_string(sdag_live_classify_error(e, cases[i].debug)),
		    ==,
		    sdag_source_reason_to_string(cases[i].want));
	}
}

static void
test_source_parse(void)
{
	SdagSourcePolicy policy = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagSource) s = NULL;
	g_autoptr(SdagSource) m = NULL;
	g_autoptr(SdagSource) bad = NULL;

	/* loopback is allowed for cameras; the credentials leave the URL */
	s = sdag_source_parse(
	    "rtsp://cam:" PASSWORD "@127.0.0.1:8554/stream?ch=1", &policy, &error);
	g_assert_no_error(error);
	g_assert_cmpint(s->kind, ==, SDAG_SOURCE_RTSP);
	g_assert_cmpstr(s->uri, ==, "rtsp://127.0.0.1:8554/stream?ch=1");
	g_assert_cmpstr(s->redacted_uri, ==, "rtsp://cam:***@127.0.0.1:8554/stream?ch=1");
	g_assert_cmpstr(s->user, ==, "cam");
	g_assert_cmpstr(s->password, ==, PASSWORD);
	g_assert_null(s->resolve_host);
	m = sdag_source_parse("rtmp://10.1.2.3/live/feed", &policy, &error);
	g_assert_no_error(error);
	g_assert_cmpint(m->kind, ==, SDAG_SOURCE_RTMP);
	g_assert_null(m->password);
	g_assert_true(sdag_source_url_is_live("RTSPS://x/y"));
	g_assert_false(sdag_source_url_is_live("http://x/y"));
	bad = sdag_source_parse("rtsp:///nohost", &policy, &error);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_UNSUPPORTED_SOURCE);
	g_assert_null(bad);
}

/* ---- real servers ---- */

typedef struct {
	GstRTSPServer *server;
	guint source_id;
	guint16 port;
	gboolean auth;
} RtspServer;

/* What each mount serves: 320x240 at 15 fps, in the codecs cameras use. */
static const struct {
	const char *path;
	const char *encode;
} rtsp_mounts[] = {
    {"/cam",
     "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
     "rtph264pay name=pay0 pt=96 config-interval=1"},
    {"/cam2",
     "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
     "rtph264pay name=pay0 pt=96 config-interval=1"},
    {"/h265",
     "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
     "rtph265pay name=pay0 pt=96 config-interval=1"},
    {"/mjpeg", "jpegenc quality=70 ! rtpjpegpay name=pay0 pt=26"},
};

static void
rtsp_mount(GstRTSPServer *server, const char *path, const char *encode, gboolean auth)
{
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server);
	GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
	g_autofree char *launch =
	    g_strdup_printf("( videotestsrc is-live=true pattern=ball ! "
			    "video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! %s )",
			    encode);

	gst_rtsp_media_factory_set_launch(factory, launch);
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	if (auth)
		gst_rtsp_media_factory_add_role(factory,
						"user",
						GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
						G_TYPE_BOOLEAN,
						TRUE,
						GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
						G_TYPE_BOOLEAN,
						TRUE,
						NULL);
	gst_rtsp_mount_points_add_factory(mounts, path, factory);
}

/* Starts (or restarts, on the same port) a server with the mounts of rtsp_mounts. */
static void
rtsp_start(RtspServer *s)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *service = g_strdup_printf("%u", s->port);

	s->server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(s->server, "127.0.0.1");
	gst_rtsp_server_set_service(s->server, service);
	for (guint i = 0; i < G_N_ELEMENTS(rtsp_mounts); i++)
		rtsp_mount(s->server, rtsp_mounts[i].path, rtsp_mounts[i].encode, s->auth);
	if (s->auth) {
		g_autoptr(GstRTSPAuth) auth = gst_rtsp_auth_new();
		g_autoptr(GstRTSPToken) token = gst_rtsp_token_new(
		    GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", NULL);
		g_autofree char *basic = gst_rtsp_auth_make_basic("cam", PASSWORD);
		gst_rtsp_auth_add_basic(auth, basic, token);
		gst_rtsp_server_set_auth(s->server, auth);
	}
	s->source_id = gst_rtsp_server_attach(s->server, NULL);
	g_assert_cmpuint(s->source_id, >, 0);
	s->port = (guint16)gst_rtsp_server_get_bound_port(s->server);
	g_assert_cmpuint(s->port, >, 0);
}

static GstRTSPFilterResult
rtsp_remove_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	return GST_RTSP_FILTER_REMOVE;
}

/* Stops listening and drops every client: to the daemon, the camera went away. */
static void
rtsp_stop(RtspServer *s)
{
	g_source_remove(s->source_id);
	s->source_id = 0;
	gst_rtsp_server_client_filter(s->server, rtsp_remove_cb, NULL);
	g_clear_object(&s->server);
}

static RtspServer rtsp_main;
static RtspServer rtsp_auth = {.auth = TRUE};

/* ---- daemon fixture ---- */

typedef struct {
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
} Fixture;

/* @max_frame_pixels: [jobs] max_frame_pixels; 0: the shipped default */
static void
fixture_open(Fixture *f, guint64 max_frame_pixels)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	f->dir = sdag_test_mkdtemp();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, f->dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	/* short waits, for tests */
	cfg->live.backoff_initial_ms = 300;
	cfg->live.backoff_max_ms = 1000;
	cfg->live.stall_timeout_floor_ms = 1500 * slow;
	cfg->live.connect_timeout_ms = 5000 * slow;
	cfg->live.checkpoint_interval_ms = 500;
	if (max_frame_pixels > 0)
		cfg->max_frame_pixels = max_frame_pixels;
	f->daemon = sdag_test_daemon_open(g_steal_pointer(&cfg), &f->base);
	f->session = soup_session_new();
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	fixture_open(f, 0);
}

/* frames of the test cameras, 320x240, are one pixel too many */
static void
fixture_setup_small_frames(Fixture *f, gconstpointer data)
{
	fixture_open(f, 320 * 240 - 1);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->session);
	sdag_test_daemon_close(g_steal_pointer(&f->daemon));
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

/* Every answer body of a test goes here, to be searched for the password at the end. */
static GString *bodies;

static void
keep_body(SdagTestReply *r)
{
	if (r->text != NULL)
		g_string_append(bodies, r->text);
}

static void
register_counting(Fixture *f)
{
	g_autoptr(SdagTestReply) r = http(
	    f,
	    "POST",
	    "/pipelines",
	    "{\"pipeline_id\":\"counting\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
	    "{\"sleep_ms\":0,\"boxes\":1}},{\"id\":\"c\",\"type\":\"count\"}],\"edges\":[{\"from\":"
	    "\"source.frame\",\"to\":\"s.frame\"},{\"from\":\"s.detections\",\"to\":\"c."
	    "detections\"}],"
	    "\"outputs\":[\"s.detections\",\"c.counts\"]}");
	g_assert_cmpuint(r->status, ==, 201);
}

static char *
submit(Fixture *f, const char *url, const char *options)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"counting\",\"video_url\":\"%s\",\"options\":%s}", url, options);
	g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);

	keep_body(r);
	if (r->status != 202)
		g_error("submit: %u %s", r->status, r->text);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static JsonObject *
get_job(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);

	keep_body(r);
	g_assert_cmpuint(r->status, ==, 200);
	return json_object_ref(sdag_test_reply_object(r));
}

/* Polls until the job's source_state is @state (and, if given, its reason @reason). */
static JsonObject *
wait_state(Fixture *f, const char *id, const char *state, const char *reason, guint secs)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)secs * slow * G_USEC_PER_SEC;
	g_autofree char *seen = NULL;

	while (g_get_monotonic_time() < deadline) {
		JsonObject *o = get_job(f, id);
		const char *now = json_object_get_string_member_with_default(o, "source_state", "");
		const char *why =
		    json_object_get_string_member_with_default(o, "source_reason", "");

		if (g_strcmp0(now, state) == 0 && (reason == NULL || g_strcmp0(why, reason) == 0))
			return o;
		g_free(seen);
		seen = g_strdup_printf("%s (%s)", now, why);
		json_object_unref(o);
		sdag_test_spin(50);
	}
	g_error("job %s: not %s (%s) within %u s, last %s",
		id,
		state,
		reason ? reason : "-",
		secs,
		seen != NULL ? seen : "-");
}

static JsonObject *
wait_frames(Fixture *f, const char *id, gint64 n)
{
	gint64 deadline = g_get_monotonic_time() + 30 * slow * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		JsonObject *o = get_job(f, id);
		if (json_object_get_int_member(o, "frames_processed") >= n)
			return o;
		json_object_unref(o);
		sdag_test_spin(50);
	}
	g_error("job %s: not %" G_GINT64_FORMAT " frames within 30 s", id, n);
}

static JsonObject *
cancel(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s/cancel", id);
	g_autoptr(SdagTestReply) r = http(f, "POST", path, NULL);

	keep_body(r);
	g_assert_cmpuint(r->status, ==, 200);
	return json_object_ref(sdag_test_reply_object(r));
}

/* Whether the history holds a transition to @to for @reason. */
static gboolean
history_has(JsonObject *job, const char *to, const char *reason)
{
	JsonArray *h = json_object_get_array_member(job, "source_history");

	for (guint i = 0; i < json_array_get_length(h); i++) {
		JsonObject *t = json_array_get_object_element(h, i);
		if (g_strcmp0(json_object_get_string_member(t, "to"), to) == 0 &&
		    g_strcmp0(json_object_get_string_member(t, "reason"), reason) == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * Every frame row of the job: ids consecutive from @first, and the count node's running
 * total of "thing" (one per frame) equal to the number of frames before it plus one: the
 * executor's and the node's state went on without a reset.
 */
static guint
assert_continuous(Fixture *f, const char *id, gint64 first)
{
	gint64 from = 0;
	gint64 expect = first;
	guint n = 0;

	for (;;) {
		g_autofree char *path = g_strdup_printf(
		    "/jobs/%s/frames?from=%" G_GINT64_FORMAT "&limit=1000", id, from);
		g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);
		JsonObject *o = sdag_test_reply_object(r);
		JsonArray *frames = json_object_get_array_member(o, "frames");

		g_assert_cmpuint(r->status, ==, 200);
		for (guint i = 0; i < json_array_get_length(frames); i++) {
			JsonObject *fr = json_array_get_object_element(frames, i);
			JsonArray *counts = json_object_get_array_member(fr, "counts");
			gint64 total = -1;

			g_assert_cmpint(json_object_get_int_member(fr, "frame_id"), ==, expect);
			for (guint c = 0; c < json_array_get_length(counts); c++) {
				JsonObject *co = json_array_get_object_element(counts, c);
				if (g_strcmp0(json_object_get_string_member(co, "name"), "total") ==
				    0)
					total = json_object_get_int_member(co, "value");
			}
			g_assert_cmpint(total, ==, expect + 1);
			expect++;
			n++;
		}
		if (json_object_get_null_member(o, "next_from"))
			break;
		from = json_object_get_int_member(o, "next_from");
	}
	return n;
}

static char *
rtsp_url(RtspServer *s, const char *mount)
{
	return g_strdup_printf("rtsp://127.0.0.1:%u%s", s->port, mount);
}

/* ---- what job listeners hear of live jobs ---- */

typedef struct {
	guint64 n;
	gint64 last_id; /* -1 before the first */
	gboolean increasing;
	guint n_images;
	guint32 min_w, max_w, min_h, max_h;
	/* when a frame's result came, less its pts (its arrival on the job's clock): the
	 * spread is how much longer some frames waited than others */
	gint64 min_lag_us, max_lag_us;
} FrameLog;

/* A listener on f->daemon->jobs: statuses on the main context, frames on streaming threads. */
typedef struct {
	GMutex lock;
	GHashTable *statuses; /* job id -> GString "queued running cancelled " */
	GHashTable *last_job; /* job id -> JsonObject, the job at its last status */
	GHashTable *frames;   /* job id -> FrameLog */
	GHashTable *sources;  /* job id -> GString "connecting online ", main context */
} Recorder;

static void
recorder_source_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	Recorder *r = user_data;
	JsonObject *o = json_node_get_object(job);
	GString *s = g_hash_table_lookup(r->sources, job_id);

	g_assert_true(g_main_context_is_owner(g_main_context_default()));
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	if (s == NULL) {
		s = g_string_new(NULL);
		g_hash_table_insert(r->sources, g_strdup(job_id), s);
	}
	g_string_append_printf(s, "%s ", json_object_get_string_member(o, "source_state"));
}

static void
recorder_status_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	Recorder *r = user_data;
	GString *s = g_hash_table_lookup(r->statuses, job_id);

	if (s == NULL) {
		s = g_string_new(NULL);
		g_hash_table_insert(r->statuses, g_strdup(job_id), s);
	}
	g_string_append_printf(
	    s, "%s ", json_object_get_string_member(json_node_get_object(job), "status"));
	g_hash_table_insert(
	    r->last_job, g_strdup(job_id), json_object_ref(json_node_get_object(job)));
}

static void
recorder_frame_cb(const char *job_id, const SdagFrameResult *result, gpointer user_data)
{
	Recorder *r = user_data;
	FrameLog *log;

	g_mutex_lock(&r->lock);
	log = g_hash_table_lookup(r->frames, job_id);
	if (log == NULL) {
		log = g_new0(FrameLog, 1);
		log->last_id = -1;
		log->increasing = TRUE;
		log->min_w = log->min_h = G_MAXUINT32;
		g_hash_table_insert(r->frames, g_strdup(job_id), log);
	}
	if (result->pts_ns >= 0) {
		gint64 lag = g_get_monotonic_time() - result->pts_ns / 1000;
		if (log->n == 0 || lag < log->min_lag_us)
			log->min_lag_us = lag;
		if (log->n == 0 || lag > log->max_lag_us)
			log->max_lag_us = lag;
	}
	if ((gint64)result->frame_id <= log->last_id)
		log->increasing = FALSE;
	log->last_id = (gint64)result->frame_id;
	log->n++;
	if (result->image != NULL) {
		log->n_images++;
		log->min_w = MIN(log->min_w, result->image->width);
		log->max_w = MAX(log->max_w, result->image->width);
		log->min_h = MIN(log->min_h, result->image->height);
		log->max_h = MAX(log->max_h, result->image->height);
	}
	g_mutex_unlock(&r->lock);
}

static void
string_free(gpointer s)
{
	g_string_free(s, TRUE);
}

/* Listens to every job of @f's daemon: before any job runs. */
static Recorder *
recorder_new(Fixture *f)
{
	static const SdagJobsListener vtable = {
	    .status_changed = recorder_status_cb,
	    .frame = recorder_frame_cb,
	    .source_changed = recorder_source_cb,
	};
	Recorder *r = g_new0(Recorder, 1);

	g_mutex_init(&r->lock);
	r->statuses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, string_free);
	r->last_job = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_object_unref);
	r->frames = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r->sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, string_free);
	sdag_jobs_add_listener(f->daemon->jobs, &vtable, r);
	return r;
}

/* After the daemon is freed: it holds the recorder until then. */
static void
recorder_free(Recorder *r)
{
	g_hash_table_unref(r->statuses);
	g_hash_table_unref(r->last_job);
	g_hash_table_unref(r->frames);
	g_hash_table_unref(r->sources);
	g_mutex_clear(&r->lock);
	g_free(r);
}

/* The statuses heard for @id, once the last one is @last. */
static const char *
recorder_wait_status(Recorder *r, const char *id, const char *last)
{
	gint64 deadline = g_get_monotonic_time() + 10 * slow * G_USEC_PER_SEC;
	g_autofree char *suffix = g_strdup_printf("%s ", last);

	for (;;) {
		GString *s = g_hash_table_lookup(r->statuses, id);
		if (s != NULL && g_str_has_suffix(s->str, suffix))
			return s->str;
		if (g_get_monotonic_time() > deadline)
			g_error(
			    "job %s: statuses \"%s\", never %s", id, s != NULL ? s->str : "", last);
		sdag_test_spin(20);
	}
}

static FrameLog
recorder_frames(Recorder *r, const char *id)
{
	FrameLog copy = {.last_id = -1};
	FrameLog *log;

	g_mutex_lock(&r->lock);
	log = g_hash_table_lookup(r->frames, id);
	if (log != NULL)
		copy = *log;
	g_mutex_unlock(&r->lock);
	return copy;
}

/* The server goes away for 5 s and comes back: one reconnect, and the DAG's state and
 * frame numbering go on as if nothing happened. */
/* One pipeline series of GET /metrics, as the strict parser reads it: a live job of no camera
 * counts under its pipeline, never under its job id. */
static double
pipeline_series(Fixture *f, const char *name, const char *pipeline_id)
{
	g_autoptr(SdagTestReply) r = http(f, "GET", "/metrics", NULL);
	g_autoptr(SdagTestProm) prom = NULL;
	g_autofree char *labels = g_strdup_printf("pipeline_id=\"%s\"", pipeline_id);

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_null(strstr(r->text, "job_id"));
	prom = sdag_test_prom_parse(r->text);
	return sdag_test_prom_value(prom, name, labels);
}

static void
test_rtsp_reconnect(Fixture *f, gconstpointer data)
{
	g_autofree char *url = rtsp_url(&rtsp_main, "/cam");
	g_autofree char *id = NULL;
	JsonObject *o;
	gint64 before;
	gint64 after;

	register_counting(f);
	id = submit(f, url, "{\"transport\":\"tcp\"}");
	o = wait_state(f, id, "online", "frames", 20);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	g_assert_true(json_object_get_null_member(o, "progress"));
	g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 0);
	json_object_unref(o);
	o = wait_frames(f, id, 20);
	g_assert_false(json_object_get_null_member(o, "last_frame_at"));
	g_assert_cmpfloat(json_object_get_double_member(o, "input_fps"), >, MIN_FPS(5.0));
	json_object_unref(o);

	rtsp_stop(&rtsp_main);
	o = wait_state(f, id, "backoff", NULL, 10);
	before = json_object_get_int_member(o, "frames_processed");
	json_object_unref(o);
	sdag_test_spin(5000);
	rtsp_start(&rtsp_main);
	o = wait_state(f, id, "online", "frames", 20);
	g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 1);
	json_object_unref(o);
	o = wait_frames(f, id, before + 20);
	after = json_object_get_int_member(o, "frames_processed");
	g_assert_cmpint(after, >=, before + 20);
	json_object_unref(o);

	o = cancel(f, id);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "cancelled");
	g_assert_cmpstr(json_object_get_string_member(o, "source_state"), ==, "stopped");
	g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 1);
	/* the only job of its pipeline */
	g_assert_cmpfloat(
	    pipeline_series(f, "streamdag_source_reconnects_total", "counting"), ==, 1.0);
	g_assert_true(history_has(o, "backoff", "eos") ||
		      history_has(o, "backoff", "connect_refused") ||
		      history_has(o, "backoff", "stall") || history_has(o, "stalled", "stall"));
	json_object_unref(o);
	g_assert_cmpuint(assert_continuous(f, id, 0), >=, (guint)after);
}

/* Nothing listens at submission: the job backs off and retries until the camera is there. */
static void
test_rtsp_late_server(Fixture *f, gconstpointer data)
{
	RtspServer late = {0};
	g_autofree char *url = NULL;
	g_autofree char *id = NULL;
	JsonObject *o;

	/* a port that was free a moment ago */
	rtsp_start(&late);
	rtsp_stop(&late);
	url = rtsp_url(&late, "/cam");
	register_counting(f);
	id = submit(f, url, "{\"transport\":\"tcp\"}");
	o = wait_state(f, id, "backoff", "connect_refused", 10);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, 0);
	json_object_unref(o);
	sdag_test_spin(1500);
	rtsp_start(&late);
	o = wait_state(f, id, "online", "frames", 20);
	/* first time online: not a reconnect */
	g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 0);
	g_assert_true(history_has(o, "connecting", "retry"));
	json_object_unref(o);
	json_object_unref(cancel(f, id));
	rtsp_stop(&late);
}

/* 401 and 404: retried by default, visible in source_state; failed with fail_fast. */
static void
test_rtsp_refusals(Fixture *f, gconstpointer data)
{
	g_autofree char *bad_pw =
	    g_strdup_printf("rtsp://cam:wrong-%s@127.0.0.1:%u/cam", PASSWORD, rtsp_auth.port);
	g_autofree char *good_pw =
	    g_strdup_printf("rtsp://cam:%s@127.0.0.1:%u/cam", PASSWORD, rtsp_auth.port);
	g_autofree char *missing = rtsp_url(&rtsp_main, "/missing");
	g_autofree char *no_pw = rtsp_url(&rtsp_auth, "/cam");
	g_autofree char *shown = g_strdup_printf("rtsp://cam:***@127.0.0.1:%u/cam", rtsp_auth.port);
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;
	g_autofree char *d = NULL;
	g_autofree char *e = NULL;
	JsonObject *o;
	JsonObject *err;

	register_counting(f);
	a = submit(f, bad_pw, "{\"transport\":\"tcp\"}");
	b = submit(f, missing, "{\"transport\":\"tcp\"}");
	c = submit(f, bad_pw, "{\"transport\":\"tcp\",\"fail_fast\":true}");
	d = submit(f, missing, "{\"transport\":\"tcp\",\"fail_fast\":true}");
	/* credentials in the options instead of the URL */
	e = submit(
	    f, no_pw, "{\"transport\":\"tcp\",\"user\":\"cam\",\"password\":\"" PASSWORD "\"}");

	o = wait_state(f, a, "backoff", "auth_failed", 15);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, shown);
	json_object_unref(o);
	o = wait_state(f, b, "backoff", "not_found", 15);
	json_object_unref(o);
	for (guint i = 0; i < 2; i++) {
		const char *id = i == 0 ? c : d;
		gint64 deadline = g_get_monotonic_time() + 15 * slow * G_USEC_PER_SEC;
		for (;;) {
			o = get_job(f, id);
			if (g_strcmp0(json_object_get_string_member(o, "status"), "failed") == 0)
				break;
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			json_object_unref(o);
			sdag_test_spin(50);
		}
		err = json_object_get_object_member(o, "error");
		g_assert_cmpstr(json_object_get_string_member(err, "code"),
				==,
				i == 0 ? "source_unauthorized" : "source_not_found");
		json_object_unref(o);
	}
	o = wait_state(f, e, "online", "frames", 20);
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(o, "options"), "password"),
	    ==,
	    "***");
	json_object_unref(o);
	json_object_unref(cancel(f, a));
	json_object_unref(cancel(f, b));
	json_object_unref(cancel(f, e));
	/* fixed: the same URL with the right password goes online */
	g_free(a);
	a = submit(f, good_pw, "{\"transport\":\"tcp\"}");
	json_object_unref(wait_state(f, a, "online", "frames", 20));
	json_object_unref(cancel(f, a));
}

/* A cancel in the middle of a backoff answers within 2 s. */
static void
test_cancel_in_backoff(Fixture *f, gconstpointer data)
{
	RtspServer gone = {0};
	g_autofree char *url = NULL;
	g_autofree char *id = NULL;
	JsonObject *o;
	gint64 t0;

	rtsp_start(&gone);
	rtsp_stop(&gone);
	url = rtsp_url(&gone, "/cam");
	register_counting(f);
	id = submit(f, url, "{\"transport\":\"tcp\",\"backoff_initial_ms\":5000}");
	/* refused, or on a loaded box timed out: backing off either way is what matters here */
	json_object_unref(wait_state(f, id, "backoff", NULL, 10));
	t0 = g_get_monotonic_time();
	o = cancel(f, id);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * slow * G_USEC_PER_SEC);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "cancelled");
	json_object_unref(o);
}

/* Four cameras, one of them dies: the other three keep their frame rate. */
static void
test_independent(Fixture *f, gconstpointer data)
{
	RtspServer victim = {0};
	char *ids[4] = {NULL};
	double fps_before[3];
	JsonObject *o;

	rtsp_start(&victim);
	register_counting(f);
	for (guint i = 0; i < 4; i++) {
		g_autofree char *url = i < 3 ? rtsp_url(&rtsp_main, i % 2 ? "/cam2" : "/cam")
					     : rtsp_url(&victim, "/cam");
		ids[i] = submit(f, url, "{\"transport\":\"tcp\"}");
	}
	for (guint i = 0; i < 4; i++)
		json_object_unref(wait_state(f, ids[i], "online", "frames", 30));
	sdag_test_spin(3000);
	for (guint i = 0; i < 3; i++) {
		o = get_job(f, ids[i]);
		fps_before[i] = json_object_get_double_member(o, "processed_fps");
		g_assert_cmpfloat(fps_before[i], >, MIN_FPS(10.0));
		json_object_unref(o);
	}
	rtsp_stop(&victim);
	json_object_unref(wait_state(f, ids[3], "backoff", NULL, 10));
	sdag_test_spin(4000);
	for (guint i = 0; i < 3; i++) {
		o = get_job(f, ids[i]);
		g_assert_cmpstr(json_object_get_string_member(o, "source_state"), ==, "online");
		g_assert_cmpfloat(
		    json_object_get_double_member(o, "processed_fps"), >, MIN_FPS(10.0));
		g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 0);
		json_object_unref(o);
	}
	for (guint i = 0; i < 4; i++) {
		json_object_unref(cancel(f, ids[i]));
		g_free(ids[i]);
	}
}

/* Options of live jobs: each refusal is 400 bad_option, and nothing is stored. */
static void
test_bad_options(Fixture *f, gconstpointer data)
{
	const struct {
		const char *url;
		const char *options;
		guint status;
		const char *code;
	} cases[] = {
	    {"rtsp://127.0.0.1/x", "{\"transport\":\"quic\"}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"latency_ms\":-1}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"fail_fast\":\"yes\"}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"end_on_eos\":1}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"backoff_factor\":0.5}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"backoff_factor\":\"2\"}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"backoff_initial_ms\":5}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"user\":\"\"}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"password\":7}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"max_duration_s\":1.5}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"max_lag_ms\":5}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"max_queued_frames\":0}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"max_queued_frames\":1001}", 400, "bad_option"},
	    {"http://example.com/a.mp4", "{\"max_lag_ms\":100}", 400, "bad_option"},
	    {"rtsp://127.0.0.1/x", "{\"keyframe\":1}", 400, "bad_option"},
	    {"http://example.com/a.mp4", "{\"transport\":\"tcp\"}", 400, "bad_option"},
	    {"rtsp:///nohost", "{}", 400, "unsupported_source"},
	    {"rtmp://", "{}", 400, "unsupported_source"},
	};
	g_autoptr(SdagTestReply) list = NULL;

	register_counting(f);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *body = g_strdup_printf(
		    "{\"pipeline_id\":\"counting\",\"video_url\":\"%s\",\"options\":%s}",
		    cases[i].url,
		    cases[i].options);
		g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);
		g_test_message("case %u: %s", i, r->text);
		sdag_test_assert_error(r, cases[i].status, cases[i].code);
	}
	list = http(f, "GET", "/jobs", NULL);
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(sdag_test_reply_object(list), "jobs")),
			 ==,
			 0);
}

/* A DAG slower than the stream: frames are dropped before the DAG, counted, and the stride
 * applies to those that reach it; max_duration_s ends the job. @data: NULL for the default
 * bounds of the hand-over queue, or a job's max_lag_ms and max_queued_frames options. */
static void
test_realtime(Fixture *f, gconstpointer data)
{
	const char *bounds = data;
	g_autofree char *url = rtsp_url(&rtsp_main, "/cam");
	g_autofree char *id = NULL;
	g_autoptr(SdagTestReply) reg = NULL;
	g_autoptr(SdagTestReply) frames = NULL;
	g_autofree char *path = NULL;
	JsonObject *o;
	JsonArray *rows;
	gint64 t0;
	Recorder *r = recorder_new(f);
	FrameLog log;

	reg =
	    http(f,
		 "POST",
		 "/pipelines",
		 "{\"pipeline_id\":\"slow\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
		 "{\"sleep_ms\":200,\"boxes\":1}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
		 "\"s.frame\"}],\"outputs\":[\"s.detections\"]}");
	g_assert_cmpuint(reg->status, ==, 201);
	{
		g_autofree char *body = g_strdup_printf(
		    "{\"pipeline_id\":\"slow\",\"video_url\":\"%s\",\"options\":{\"stride\":2,"
		    "\"transport\":\"tcp\",\"max_duration_s\":5%s%s}}",
		    url,
		    bounds != NULL ? "," : "",
		    bounds != NULL ? bounds : "");
		g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);
		g_assert_cmpuint(r->status, ==, 202);
		id = g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
	}
	t0 = g_get_monotonic_time();
	json_object_unref(wait_state(f, id, "online", "frames", 20));
	for (;;) {
		o = get_job(f, id);
		if (g_strcmp0(json_object_get_string_member(o, "status"), "running") != 0)
			break;
		g_assert_cmpint(g_get_monotonic_time() - t0, <, 20 * slow * G_USEC_PER_SEC);
		json_object_unref(o);
		sdag_test_spin(100);
	}
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
	/* under valgrind the decoder itself may be slower than the DAG */
	g_assert_cmpint(json_object_get_int_member(o, "dropped_frames"), >=, slow > 1 ? 0 : 1);
	/* 200 ms per processed frame at stride 2: at most about 10 frames reach the DAG a
	 * second, out of 15 */
	g_assert_cmpint(json_object_get_int_member(o, "dropped_frames") +
			    json_object_get_int_member(o, "frames_processed"),
			<=,
			json_object_get_int_member(o, "frames_decoded"));
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), >, 0);
	g_assert_cmpfloat(pipeline_series(f, "streamdag_pipeline_frames_dropped_total", "slow"),
			  ==,
			  (double)json_object_get_int_member(o, "dropped_frames"));
	/* no frame waited for the DAG much longer than another: at most the 300 ms bound of
	 * the hand-over queue plus one frame's 200 ms, whereas a queue bounded only in frames
	 * would let the wait grow by 100 ms a frame */
	recorder_wait_status(r, id, "completed");
	log = recorder_frames(r, id);
	g_assert_cmpuint(log.n, ==, (guint64)json_object_get_int_member(o, "frames_processed"));
	g_test_message("lag from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " ms",
		       log.min_lag_us / 1000,
		       log.max_lag_us / 1000);
	if (bounds == NULL) {
		g_assert_cmpint(log.max_lag_us - log.min_lag_us, <, (gint64)(800 * slow) * MS);
	} else {
		JsonObject *opts = json_object_get_object_member(o, "options");
		g_assert_cmpint(json_object_get_int_member(opts, "max_lag_ms"), ==, 20);
		g_assert_cmpint(json_object_get_int_member(opts, "max_queued_frames"), ==, 1);
		/* a frame that waited for the DAG more than 20 ms was dropped: the lags of the
		 * analysed frames differ by that and scheduling only, where the default bound
		 * lets frames wait up to 300 ms */
		g_assert_cmpint(log.max_lag_us - log.min_lag_us, <, (gint64)(150 * slow) * MS);
	}
	json_object_unref(o);
	path = g_strdup_printf("/jobs/%s/frames?limit=1000", id);
	frames = http(f, "GET", path, NULL);
	rows = json_object_get_array_member(sdag_test_reply_object(frames), "frames");
	g_assert_cmpuint(json_array_get_length(rows), >, 0);
	for (guint i = 0; i < json_array_get_length(rows); i++)
		g_assert_cmpint(
		    json_object_get_int_member(json_array_get_object_element(rows, i), "frame_id"),
		    ==,
		    2 * i);
	sdag_daemon_free(g_steal_pointer(&f->daemon));
	recorder_free(r);
}

/* counting, plus a snapshot of every frame: each frame reaches the listener with an image */
static void
register_framed(Fixture *f)
{
	g_autoptr(SdagTestReply) r = http(
	    f,
	    "POST",
	    "/pipelines",
	    "{\"pipeline_id\":\"counting\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
	    "{\"sleep_ms\":0,\"boxes\":1}},{\"id\":\"c\",\"type\":\"count\"},{\"id\":\"p\","
	    "\"type\":\"snapshot\",\"params\":{\"every_n\":1}}],\"edges\":[{\"from\":"
	    "\"source.frame\",\"to\":\"s.frame\"},{\"from\":\"s.detections\",\"to\":"
	    "\"c.detections\"},{\"from\":\"source.frame\",\"to\":\"p.frame\"},{\"from\":"
	    "\"s.detections\",\"to\":\"p.detections\"}],\"outputs\":[\"s.detections\","
	    "\"c.counts\",\"p.image\"]}");
	g_assert_cmpuint(r->status, ==, 201);
}

/* H.265 and MJPEG cameras (@data: the mount): online, frames numbered without a gap, each
 * 320x240 as served, and each one heard by the listener. */
static void
test_rtsp_codec(Fixture *f, gconstpointer data)
{
	Recorder *r = recorder_new(f);
	g_autofree char *url = rtsp_url(&rtsp_main, data);
	g_autofree char *id = NULL;
	g_autofree char *snap_path = NULL;
	g_autoptr(SdagTestReply) snap = NULL;
	JsonObject *o;
	FrameLog log;
	gint64 processed;

	register_framed(f);
	id = submit(f, url, "{\"transport\":\"tcp\"}");
	o = wait_state(f, id, "online", "frames", 20);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	json_object_unref(o);
	json_object_unref(wait_frames(f, id, 20));
	o = cancel(f, id);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "cancelled");
	g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 0);
	processed = json_object_get_int_member(o, "frames_processed");
	g_assert_cmpint(processed, >=, 20);
	json_object_unref(o);
	g_assert_cmpint(assert_continuous(f, id, 0), ==, processed);

	recorder_wait_status(r, id, "cancelled");
	log = recorder_frames(r, id);
	g_assert_cmpuint(log.n, ==, (guint64)processed);
	g_assert_true(log.increasing);
	g_assert_cmpuint(log.n_images, ==, log.n);
	g_assert_cmpuint(log.min_w, ==, 320);
	g_assert_cmpuint(log.max_w, ==, 320);
	g_assert_cmpuint(log.min_h, ==, 240);
	g_assert_cmpuint(log.max_h, ==, 240);
	/* the last frame, as a JPEG */
	snap_path = g_strdup_printf("/jobs/%s/snapshot.jpg", id);
	snap = http(f, "GET", snap_path, NULL);
	g_assert_cmpuint(snap->status, ==, 200);
	g_assert_cmpstr(snap->ctype, ==, "image/jpeg");

	sdag_daemon_free(g_steal_pointer(&f->daemon));
	recorder_free(r);
}

/* A camera (@data: the mount) whose frames are over [jobs] max_frame_pixels fails the job
 * with frame_too_large at its first connect, without a reconnect: the next connect would get
 * the same frames. */
static void
test_rtsp_frame_too_large(Fixture *f, gconstpointer data)
{
	g_autofree char *url = rtsp_url(&rtsp_main, data);
	g_autofree char *id = NULL;
	gint64 deadline = g_get_monotonic_time() + 15 * slow * G_USEC_PER_SEC;
	JsonObject *o;
	JsonObject *err;

	register_counting(f);
	id = submit(f, url, "{\"transport\":\"tcp\"}");
	for (;;) {
		o = get_job(f, id);
		if (g_strcmp0(json_object_get_string_member(o, "status"), "failed") == 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		json_object_unref(o);
		sdag_test_spin(50);
	}
	err = json_object_get_object_member(o, "error");
	g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "frame_too_large");
	g_assert_nonnull(strstr(json_object_get_string_member(err, "message"), "320x240"));
	g_assert_cmpint(json_object_get_int_member(o, "reconnects"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, 0);
	json_object_unref(o);
}

/* A listener added before any job hears each live job's statuses in order, from queued to
 * cancelled or completed, and every processed frame once, in order. */
static void
test_listener(Fixture *f, gconstpointer data)
{
	Recorder *r = recorder_new(f);
	g_autofree char *url = rtsp_url(&rtsp_main, "/cam");
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	JsonObject *o;
	JsonObject *last;
	FrameLog log;
	gint64 processed;

	register_counting(f);
	a = submit(f, url, "{\"transport\":\"tcp\"}");
	b = submit(f, url, "{\"transport\":\"tcp\",\"max_frames\":12}");
	json_object_unref(wait_frames(f, a, 20));
	o = cancel(f, a);
	processed = json_object_get_int_member(o, "frames_processed");
	json_object_unref(o);

	g_assert_cmpstr(recorder_wait_status(r, a, "cancelled"), ==, "queued running cancelled ");
	last = g_hash_table_lookup(r->last_job, a);
	g_assert_cmpint(json_object_get_int_member(last, "frames_processed"), ==, processed);
	log = recorder_frames(r, a);
	g_assert_cmpuint(log.n, ==, (guint64)processed);
	g_assert_cmpint(log.last_id, ==, processed - 1);
	g_assert_true(log.increasing);
	/* no image on the outputs of this pipeline */
	g_assert_cmpuint(log.n_images, ==, 0);
	/* the source's changes while it ran: it came online (a tick may fold connecting into
	 * the same notice), then stopped with the cancel, before the job's own status */
	{
		GString *states = g_hash_table_lookup(r->sources, a);
		g_assert_nonnull(states);
		g_test_message("source states heard: %s", states->str);
		g_assert_true(g_str_has_suffix(states->str, "online stopped "));
	}

	g_assert_cmpstr(recorder_wait_status(r, b, "completed"), ==, "queued running completed ");
	last = g_hash_table_lookup(r->last_job, b);
	g_assert_cmpint(json_object_get_int_member(last, "frames_processed"), ==, 12);
	log = recorder_frames(r, b);
	g_assert_cmpuint(log.n, ==, 12);
	g_assert_cmpint(log.last_id, ==, 11);
	g_assert_true(log.increasing);

	sdag_daemon_free(g_steal_pointer(&f->daemon));
	recorder_free(r);
}

/* ---- RTMP through nginx ---- */

typedef struct {
	char *dir;
	GSubprocess *proc;
	guint16 port;
} Nginx;

static void
nginx_start(Nginx *n)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *path = NULL;
	g_autofree char *logs = NULL;

	n->dir = sdag_test_mkdtemp();
	n->port = sdag_test_free_port();
	logs = g_build_filename(n->dir, "logs", NULL);
	g_mkdir(logs, 0700);
	conf = g_strdup_printf(
	    "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n"
	    "daemon off;\nmaster_process off;\nworker_processes 1;\n"
	    "pid %s/nginx.pid;\nerror_log %s/error.log info;\n"
	    "events { worker_connections 64; }\n"
	    "rtmp { server { listen 127.0.0.1:%u; chunk_size 4096;\n"
	    "  application live { live on; record off; allow publish 127.0.0.1; deny publish all; "
	    "allow play all; } } }\n",
	    n->dir,
	    n->dir,
	    n->port);
	path = g_build_filename(n->dir, "nginx.conf", NULL);
	g_assert_true(g_file_set_contents(path, conf, -1, &error));
	n->proc = g_subprocess_new(
	    G_SUBPROCESS_FLAGS_NONE, &error, "/usr/sbin/nginx", "-p", n->dir, "-c", path, NULL);
	g_assert_no_error(error);
	/* listening when a connect goes through */
	for (guint i = 0; i < 100; i++) {
		g_autoptr(GSocketClient) c = g_socket_client_new();
		g_autoptr(GSocketConnection) conn =
		    g_socket_client_connect_to_host(c, "127.0.0.1", n->port, NULL, NULL);
		if (conn != NULL)
			return;
		g_usleep(50000);
	}
	g_error("nginx did not listen on %u", n->port);
}

static void
nginx_stop(Nginx *n)
{
	g_subprocess_send_signal(n->proc, SIGTERM);
	g_subprocess_wait(n->proc, NULL, NULL);
	g_clear_object(&n->proc);
	sdag_test_rmtree(n->dir);
	g_clear_pointer(&n->dir, g_free);
}

typedef struct {
	GstElement *pipeline;
	GstElement *valve;
} Publisher;

static void
publisher_start(Publisher *p, guint16 port)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *desc = g_strdup_printf(
	    "videotestsrc is-live=true pattern=ball ! "
	    "video/x-raw,width=320,height=240,framerate=15/1 ! valve name=v drop=false ! "
	    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! "
	    "flvmux streamable=true ! rtmp2sink location=rtmp://127.0.0.1:%u/live/feed",
	    port);

	p->pipeline = gst_parse_launch(desc, &error);
	g_assert_no_error(error);
	p->valve = gst_bin_get_by_name(GST_BIN(p->pipeline), "v");
	g_assert_cmpint(
	    gst_element_set_state(p->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

static void
publisher_stop(Publisher *p)
{
	gst_element_set_state(p->pipeline, GST_STATE_NULL);
	g_clear_object(&p->valve);
	g_clear_object(&p->pipeline);
}

/* The publisher pauses (connection open, no frames) longer than the stall timeout: the job
 * goes stalled, then online again when frames come back. */
static void
test_rtmp_stall(Fixture *f, gconstpointer data)
{
	Nginx n = {0};
	Publisher p = {0};
	g_autofree char *url = NULL;
	g_autofree char *id = NULL;
	JsonObject *o;
	gint64 before;

	nginx_start(&n);
	publisher_start(&p, n.port);
	url = g_strdup_printf("rtmp://127.0.0.1:%u/live/feed", n.port);
	register_counting(f);
	{
		g_autofree char *opts =
		    g_strdup_printf("{\"stall_timeout_floor_ms\":%u}", 1000 * slow);
		id = submit(f, url, opts);
	}
	o = wait_state(f, id, "online", "frames", 30);
	json_object_unref(o);
	o = wait_frames(f, id, 15);
	before = json_object_get_int_member(o, "frames_processed");
	json_object_unref(o);

	g_object_set(p.valve, "drop", TRUE, NULL);
	json_object_unref(wait_state(f, id, "stalled", "stall", 15));
	g_object_set(p.valve, "drop", FALSE, NULL);
	o = wait_state(f, id, "online", "frames", 30);
	g_assert_true(history_has(o, "stalled", "stall"));
	json_object_unref(o);
	json_object_unref(wait_frames(f, id, before + 15));
	json_object_unref(cancel(f, id));
	assert_continuous(f, id, 0);
	publisher_stop(&p);
	nginx_stop(&n);
}

/* A live stream that ends cleanly with end_on_eos completes; max_frames ends it too. */
static void
test_rtmp_ends(Fixture *f, gconstpointer data)
{
	Nginx n = {0};
	Publisher p = {0};
	g_autofree char *url = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	JsonObject *o;
	gint64 deadline;

	nginx_start(&n);
	publisher_start(&p, n.port);
	url = g_strdup_printf("rtmp://127.0.0.1:%u/live/feed", n.port);
	register_counting(f);
	a = submit(f, url, "{\"end_on_eos\":true}");
	b = submit(f, url, "{\"max_frames\":10}");
	json_object_unref(wait_state(f, a, "online", "frames", 30));
	deadline = g_get_monotonic_time() + 30 * slow * G_USEC_PER_SEC;
	for (;;) {
		o = get_job(f, b);
		if (g_strcmp0(json_object_get_string_member(o, "status"), "completed") == 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		json_object_unref(o);
		sdag_test_spin(50);
	}
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), ==, 10);
	json_object_unref(o);
	/* the publisher goes: nginx ends the stream for its players */
	publisher_stop(&p);
	deadline = g_get_monotonic_time() + 30 * slow * G_USEC_PER_SEC;
	for (;;) {
		o = get_job(f, a);
		if (g_strcmp0(json_object_get_string_member(o, "status"), "running") != 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		json_object_unref(o);
		sdag_test_spin(50);
	}
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "completed");
	json_object_unref(o);
	nginx_stop(&n);
}

/* ---- a spawned daemon: SIGKILL, resume, and what it writes to stderr ---- */

typedef struct {
	GSubprocess *proc;
	char *base;
} Spawned;

static void
spawned_start(Spawned *s, const char *dir, const char *plugins, const char *conf, const char *log)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree char *line = NULL;
	const char *url;

	g_subprocess_launcher_setenv(l, "G_MESSAGES_DEBUG", "all", TRUE);
	g_subprocess_launcher_set_stderr_file_path(l, log);
	s->proc = g_subprocess_launcher_spawn(l,
					      &error,
					      g_getenv("SDAG_TEST_STREAMDAGD"),
					      "--listen",
					      "127.0.0.1:0",
					      "--data-dir",
					      dir,
					      "--plugin-dir",
					      plugins,
					      "--config",
					      conf,
					      NULL);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(s->proc));
	for (;;) {
		g_free(line);
		line = g_data_input_stream_read_line(out, NULL, NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(line);
		if ((url = strstr(line, "http://")) != NULL)
			break;
	}
	s->base = g_strndup(url, strlen(url) - 1);
}

static void
spawned_kill(Spawned *s)
{
	g_subprocess_send_signal(s->proc, SIGKILL);
	g_subprocess_wait(s->proc, NULL, NULL);
	g_clear_object(&s->proc);
	g_clear_pointer(&s->base, g_free);
}

static void
spawned_term(Spawned *s)
{
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_subprocess_wait(s->proc, NULL, NULL);
	g_assert_true(g_subprocess_get_successful(s->proc));
	g_clear_object(&s->proc);
	g_clear_pointer(&s->base, g_free);
}

static void
test_restart(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *plugins = sdag_test_mkdtemp();
	g_autofree char *conf = g_build_filename(plugins, "streamdag.conf", NULL);
	g_autofree char *log = g_build_filename(plugins, "stderr.log", NULL);
	g_autofree char *url =
	    g_strdup_printf("rtsp://cam:%s@127.0.0.1:%u/cam", PASSWORD, rtsp_auth.port);
	g_autofree char *id = NULL;
	g_autofree char *all_log = NULL;
	Spawned s = {0};
	Fixture fx = {0};
	JsonObject *o;
	gint64 before_kill;
	gint64 next_id;
	const char *so[] = {"sdag-node-slow.so", "sdag-node-count.so"};
	const char *so_dir[] = {g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"),
				g_getenv("SDAG_TEST_PLUGIN_DIR")};

	for (guint i = 0; i < 2; i++) {
		g_autofree char *target = g_build_filename(so_dir[i], so[i], NULL);
		g_autofree char *link = g_build_filename(plugins, so[i], NULL);
		g_assert_cmpint(symlink(target, link), ==, 0);
	}
	g_assert_true(g_file_set_contents(conf,
					  "[live]\ncheckpoint_interval_ms=300\n"
					  "backoff_initial_ms=300\nbackoff_max_ms=1000\n",
					  -1,
					  NULL));
	spawned_start(&s, dir, plugins, conf, log);
	fx.session = soup_session_new();
	fx.base = s.base;
	register_counting(&fx);
	id = submit(&fx, url, "{\"transport\":\"tcp\"}");
	json_object_unref(wait_state(&fx, id, "online", "frames", 30));
	o = wait_frames(&fx, id, 30);
	json_object_unref(o);
	sdag_test_spin(700); /* a checkpoint past frame 30 */
	o = get_job(&fx, id);
	before_kill = json_object_get_int_member(o, "frames_processed");
	json_object_unref(o);
	spawned_kill(&s);

	spawned_start(&s, dir, plugins, conf, log);
	fx.base = s.base;
	o = wait_state(&fx, id, "online", "frames", 30);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	g_assert_true(json_object_has_member(o, "resumed_at"));
	g_assert_false(json_object_get_null_member(o, "resumed_at"));
	/* counted from the checkpoint, which is at most a checkpoint interval behind */
	g_assert_cmpint(json_object_get_int_member(o, "frames_processed"), >=, 30);
	json_object_unref(o);
	json_object_unref(wait_frames(&fx, id, before_kill + 15));
	sdag_test_spin(600); /* frame rows are written every 250 ms */
	/* ids from 0 without a gap or a repeat, and the count node's total never reset */
	next_id = assert_continuous(&fx, id, 0);
	g_assert_cmpint(next_id, >=, before_kill + 15);

	/* a clean stop: still running after the next start */
	spawned_term(&s);
	spawned_start(&s, dir, plugins, conf, log);
	fx.base = s.base;
	o = wait_state(&fx, id, "online", "frames", 30);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	json_object_unref(o);
	json_object_unref(cancel(&fx, id));
	assert_continuous(&fx, id, 0);
	spawned_term(&s);
	g_object_unref(fx.session);

	/* the password was in the URL: in no answer and no log line */
	g_assert_true(g_file_get_contents(log, &all_log, NULL, NULL));
	g_assert_nonnull(strstr(all_log, "source connecting -> online"));
	g_assert_null(strstr(all_log, PASSWORD));
	g_assert_null(strstr(bodies->str, PASSWORD));
	sdag_test_rmtree(dir);
	sdag_test_rmtree(plugins);
}

static void
test_no_password_in_bodies(void)
{
	g_assert_cmpuint(bodies->len, >, 0);
	g_assert_null(strstr(bodies->str, PASSWORD));
}

/* Found by the source fuzz target (tests/fuzz/corpus/source/regress-at-in-host): GUri keeps
 * what follows a second '@' in the host, which the URL rebuilt for GStreamer read as
 * credentials and another host. */
static void
test_fuzz_source_at_in_host(void)
{
	SdagSourcePolicy policy = {.allow_private_networks = TRUE};
	static const char *const urls[] = {
	    "rtsp://user:p%40s@192eam1s@19",
	    "rtmp://u:p@x@10.0.0.1/live",
	    "http://a@b@127.0.0.1/v.mp4",
	};

	for (guint i = 0; i < G_N_ELEMENTS(urls); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagSource) s = sdag_source_parse(urls[i], &policy, &error);
		g_assert_null(s);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_UNSUPPORTED_SOURCE);
		/* the password stays out of the refusal */
		g_assert_null(strstr(error->message, ":p@"));
	}
}

/* Found by the jobreq fuzz target (tests/fuzz/corpus/jobreq/regress-path-not-utf8): a file
 * URL's percent-escapes decode to any bytes ("%ed"), and the refusal quoted the decoded path
 * as it was: a message that was not UTF-8. The path is shown as a file name is. */
static void
test_fuzz_source_path_not_utf8(void)
{
	g_autofree char *root = sdag_test_mkdtemp();
	g_autofree char *dir = g_build_filename(root, "d\xed", NULL);
	g_autofree char *dir_url = g_strdup_printf("file://%s/d%%ed", root);
	char *roots[] = {root, NULL};
	SdagSourcePolicy policy = {.media_roots = roots};
	static const char *const outside[] = {"file:/am%edia/clip.mp4", "file:///%ff%fe/x.mp4"};

	for (guint i = 0; i < G_N_ELEMENTS(outside); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagSource) s = sdag_source_parse(outside[i], &policy, &error);

		g_assert_null(s);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_SOURCE_FORBIDDEN);
		g_assert_true(g_utf8_validate(error->message, -1, NULL));
	}
	/* a directory under the root whose name is not UTF-8 */
	g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagSource) s = sdag_source_parse(dir_url, &policy, &error);

		g_assert_null(s);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_UNSUPPORTED_SOURCE);
		g_assert_true(g_utf8_validate(error->message, -1, NULL));
		g_assert_nonnull(strstr(error->message, "is a directory"));
	}
	sdag_test_rmtree(root);
}

/* Found by the source fuzz target (tests/fuzz/corpus/source/regress-live-zone-id): an IPv6
 * zone came back decoded from GUri and the URL rebuilt for GStreamer did not parse. */
static void
test_fuzz_source_live_zone_id(void)
{
	SdagSourcePolicy policy = {.allow_private_networks = TRUE};
	static const char *const urls[] = {"rtmp://[f::%25\x04]/", "rtsp://[fe80::1%25eth0]:554/s"};

	for (guint i = 0; i < G_N_ELEMENTS(urls); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagSource) s = sdag_source_parse(urls[i], &policy, &error);
		g_assert_null(s);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_UNSUPPORTED_SOURCE);
	}
}

/* Found by the checkpoint fuzz target (tests/fuzz/corpus/checkpoint/regress-member-not-int):
 * a counter that was an object raised a critical; a negative one read as a huge count. */
static void
test_fuzz_checkpoint_decode(void)
{
	static const struct {
		const char *text;
		gboolean ok;
	} cases[] = {
	    {"{\"next_frame_id\":1234,\"frames_in\":1240,\"frames_processed\":1234,"
	     "\"dropped_frames\":6,\"reconnects\":2,\"exec\":{\"frame_count\":0}}",
	     TRUE},
	    {"{}", TRUE},
	    {"{\"reconnects\":{\"frame_count\":3}}", FALSE},
	    {"{\"next_frame_id\":[1]}", FALSE},
	    {"{\"frames_in\":\"12\"}", FALSE},
	    {"{\"frames_processed\":1.5}", FALSE},
	    {"{\"dropped_frames\":-1}", FALSE},
	    {"{\"reconnects\":4294967296}", FALSE},
	    {"{\"next_frame_id\":null}", FALSE},
	    {"[1]", FALSE},
	    {"{\"next_frame_id\":", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		SdagLiveCheckpoint cp;
		gboolean ok =
		    sdag_live_checkpoint_decode(cases[i].text, strlen(cases[i].text), &cp, &error);

		g_assert_cmpint(ok, ==, cases[i].ok);
		if (ok) {
			g_assert_no_error(error);
		} else {
			g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
			g_assert_null(cp.exec);
		}
		sdag_live_checkpoint_clear(&cp);
	}
	{
		const char *text = cases[0].text;
		SdagLiveCheckpoint cp;
		g_assert_true(sdag_live_checkpoint_decode(text, strlen(text), &cp, NULL));
		g_assert_cmpuint(cp.next_frame_id, ==, 1234);
		g_assert_cmpuint(cp.frames_in, ==, 1240);
		g_assert_cmpuint(cp.frames_processed, ==, 1234);
		g_assert_cmpuint(cp.dropped_frames, ==, 6);
		g_assert_cmpuint(cp.reconnects, ==, 2);
		g_assert_true(JSON_NODE_HOLDS_OBJECT(cp.exec));
		sdag_live_checkpoint_clear(&cp);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(NULL, NULL);
	if (g_getenv("SDAG_TEST_SLOW") != NULL)
		slow = 6;
	bodies = g_string_new(NULL);
	rtsp_start(&rtsp_main);
	rtsp_start(&rtsp_auth);

	g_test_add_func("/sdag/live/classify", test_classify);
	g_test_add_func("/sdag/live/source-parse", test_source_parse);
	g_test_add_func("/sdag/live/fuzz/source-at-in-host", test_fuzz_source_at_in_host);
	g_test_add_func("/sdag/live/fuzz/source-path-not-utf8", test_fuzz_source_path_not_utf8);
	g_test_add_func("/sdag/live/fuzz/checkpoint-decode", test_fuzz_checkpoint_decode);
	g_test_add_func("/sdag/live/fuzz/source-live-zone-id", test_fuzz_source_live_zone_id);
	g_test_add("/sdag/live/rtsp/reconnect",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_rtsp_reconnect,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/late-server",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_rtsp_late_server,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/refusals",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_rtsp_refusals,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/cancel-in-backoff",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_cancel_in_backoff,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/independent",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_independent,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/bad-options",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_bad_options,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/realtime",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_realtime,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/realtime-bounds",
		   Fixture,
		   "\"max_lag_ms\":20,\"max_queued_frames\":1",
		   fixture_setup,
		   test_realtime,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/h265",
		   Fixture,
		   "/h265",
		   fixture_setup,
		   test_rtsp_codec,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/mjpeg",
		   Fixture,
		   "/mjpeg",
		   fixture_setup,
		   test_rtsp_codec,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/frame-too-large/h264",
		   Fixture,
		   "/cam",
		   fixture_setup_small_frames,
		   test_rtsp_frame_too_large,
		   fixture_teardown);
	g_test_add("/sdag/live/rtsp/frame-too-large/mjpeg",
		   Fixture,
		   "/mjpeg",
		   fixture_setup_small_frames,
		   test_rtsp_frame_too_large,
		   fixture_teardown);
	g_test_add(
	    "/sdag/live/listener", Fixture, NULL, fixture_setup, test_listener, fixture_teardown);
	g_test_add("/sdag/live/rtmp/stall",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_rtmp_stall,
		   fixture_teardown);
	g_test_add(
	    "/sdag/live/rtmp/ends", Fixture, NULL, fixture_setup, test_rtmp_ends, fixture_teardown);
	g_test_add_func("/sdag/live/restart", test_restart);
	g_test_add_func("/sdag/live/zz/no-password-in-answers", test_no_password_in_bodies);
	return g_test_run();
}
