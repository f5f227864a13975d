/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Cameras end to end, as an operator runs them: streamdagd as a process of its own (killed
 * and restarted on its data directory), a real mosquitto broker and a real RTSP camera
 * (gst-rtsp-server in this process, a moving ball), subscribers on the broker as Home
 * Assistant or an automation would be. One broker and one camera serve every case.
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "sdag-camera.h"
#include "sdag-json.h"
#include "sdag-test-broker.h"
#include "sdag-test-http.h"
#include "sdag-test-prom.h"
#include "sdag-test-rtsp.h"
#include "sdag-test-schema.h"
#include "sdag-test-util.h"

#define ROOT "t"
#define PASSWORD "n0t-in-any-payload"

/* ---- the broker and its subscribers ---- */

static SdagTestBroker broker;

/* A camera's status message says @state (and, when given, runs @job_id). */
static gboolean
status_is(SdagTestMsg *m, const char *state, const char *job_id)
{
	g_autoptr(JsonNode) node = NULL;
	JsonObject *o;

	if (m == NULL || m->payload == NULL || g_bytes_get_size(m->payload) == 0)
		return FALSE;
	node = sdag_json_parse(m->text, -1, NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return FALSE;
	o = json_node_get_object(node);
	return g_strcmp0(json_object_get_string_member_with_default(o, "state", ""), state) == 0 &&
	       (job_id == NULL ||
		g_strcmp0(json_object_get_string_member_with_default(o, "job_id", ""), job_id) ==
		    0);
}

/* Runs the main context (the RTSP camera lives there) until the camera's last status from
 * @from on says @state, for @timeout_s at most. */
static void
wait_status(SdagTestSub *s, const char *camera, const char *state, const char *job_id, guint from)
{
	g_autofree char *topic = g_strdup_printf(ROOT "/cameras/%s/status", camera);
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	while (!status_is(sdag_test_sub_last(s, topic, from), state, job_id)) {
		if (g_get_monotonic_time() > deadline) {
			SdagTestMsg *m = sdag_test_sub_last(s, topic, 0);
			g_error("camera %s: no status %s (job %s); last: %s",
				camera,
				state,
				job_id != NULL ? job_id : "any",
				m != NULL ? m->text : "none");
		}
		sdag_test_spin(20);
	}
}

static void
wait_count(SdagTestSub *s, const char *topic, guint from, guint n)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	while (sdag_test_sub_count(s, topic, from) < n) {
		if (g_get_monotonic_time() > deadline)
			g_error("fewer than %u messages on %s", n, topic);
		sdag_test_spin(20);
	}
}

/* Waits for an event on @topic, from message @from on, of a track of @job that goes on. */
static void
wait_open_event(SdagTestSub *s, const char *topic, const char *job, guint from)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	for (guint i = from;;) {
		for (; i < s->msgs->len; i++) {
			SdagTestMsg *m = g_ptr_array_index(s->msgs, i);
			g_autoptr(JsonNode) node = NULL;
			JsonObject *after;

			if (g_strcmp0(m->topic, topic) != 0)
				continue;
			node = sdag_json_parse(m->text, -1, NULL);
			g_assert_nonnull(node);
			after = json_object_get_object_member(json_node_get_object(node), "after");
			if (g_strcmp0(json_object_get_string_member(after, "job_id"), job) == 0 &&
			    json_object_get_null_member(after, "end_time"))
				return;
		}
		if (g_get_monotonic_time() > deadline)
			g_error("no event of a live track of job %s on %s", job, topic);
		sdag_test_spin(20);
	}
}

static gint64
event_seq(SdagTestMsg *m)
{
	g_autoptr(JsonNode) node = sdag_json_parse(m->text, -1, NULL);

	g_assert_nonnull(node);
	return json_object_get_int_member(json_node_get_object(node), "seq");
}

/* The distinct seqs of the events on one topic, from the first message up to `upto`. */
static GHashTable *
seqs_on(SdagTestSub *s, const char *topic, guint upto)
{
	GHashTable *seqs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

	for (guint i = 0; i < upto; i++) {
		SdagTestMsg *m = g_ptr_array_index(s->msgs, i);

		if (g_strcmp0(m->topic, topic) == 0)
			g_hash_table_add(seqs, g_memdup2(&(gint64){event_seq(m)}, sizeof(gint64)));
	}
	return seqs;
}

/* Every event seen on `a` so far is also seen on `b` (and the other way round) within a
 * few seconds: each event is published on both topics, QoS 1 may repeat either copy. */
static void
wait_same_seqs(SdagTestSub *s, const char *a, const char *b)
{
	guint upto = s->msgs->len;
	g_autoptr(GHashTable) want_a = seqs_on(s, a, upto);
	g_autoptr(GHashTable) want_b = seqs_on(s, b, upto);
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	g_assert_cmpuint(g_hash_table_size(want_a), >, 0);
	for (;;) {
		g_autoptr(GHashTable) have_a = seqs_on(s, a, s->msgs->len);
		g_autoptr(GHashTable) have_b = seqs_on(s, b, s->msgs->len);
		GHashTableIter it;
		gpointer key;
		gboolean all = TRUE;

		g_hash_table_iter_init(&it, want_a);
		while (all && g_hash_table_iter_next(&it, &key, NULL))
			all = g_hash_table_contains(have_b, key);
		g_hash_table_iter_init(&it, want_b);
		while (all && g_hash_table_iter_next(&it, &key, NULL))
			all = g_hash_table_contains(have_a, key);
		if (all)
			return;
		if (g_get_monotonic_time() > deadline)
			g_error("events on %s and %s differ", a, b);
		sdag_test_spin(20);
	}
}

/* ---- the RTSP camera ---- */

static SdagTestRtsp camera;

/* ---- the daemon ---- */

typedef struct {
	SdagTestSvc *svc;
	SoupSession *session;
} Daemon;

/* A pipeline that sees the ball: motion, tracked, in a zone covering the picture, with a
 * snapshot every 5 frames. */
#define ZONED                                                                                     \
	"{\"pipeline_id\":\"zoned\",\"nodes\":["                                                  \
	"{\"id\":\"motion\",\"type\":\"motion\",\"params\":{\"min_area\":100}},"                  \
	"{\"id\":\"size\",\"type\":\"filter\",\"params\":{\"min_area\":100}},"                    \
	"{\"id\":\"track\",\"type\":\"tracker\",\"params\":{\"min_hits\":2}},"                    \
	"{\"id\":\"yard\",\"type\":\"zone\",\"params\":{\"name\":\"yard\",\"anchor\":\"center\"," \
	"\"polygon\":[[0,0],[320,0],[320,240],[0,240]]}},"                                        \
	"{\"id\":\"snap\",\"type\":\"snapshot\",\"params\":{\"every_n\":5}}],"                    \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"motion.frame\"},"                         \
	"{\"from\":\"motion.detections\",\"to\":\"size.detections\"},"                            \
	"{\"from\":\"size.detections\",\"to\":\"track.detections\"},"                             \
	"{\"from\":\"track.tracks\",\"to\":\"yard.tracks\"},"                                     \
	"{\"from\":\"source.frame\",\"to\":\"snap.frame\"},"                                      \
	"{\"from\":\"track.tracks\",\"to\":\"snap.tracks\"}],"                                    \
	"\"outputs\":[\"track.tracks\",\"track.events\",\"yard.events\",\"yard.counts\","         \
	"\"snap.image\"]}"

static void
daemon_start(Daemon *d, const char *extra)
{
	g_autofree char *conf =
	    g_strdup_printf("[daemon]\ndevice_id=box1\n"
			    "[mqtt]\nbroker=tcp://127.0.0.1:%u\ntopic_root=" ROOT
			    "\nha_discovery=true\nstats_interval_s=1\n%s",
			    broker.port,
			    extra != NULL ? extra : "");
	g_autoptr(SdagTestReply) r = NULL;

	d->svc = sdag_test_svc_start(conf, "127.0.0.1:0", NULL);
	d->session = soup_session_new_with_options("timeout", 10, NULL);
	r = sdag_test_http(
	    d->session, d->svc->base, "POST", "/pipelines", "application/json", ZONED, -1);
	g_assert_cmpuint(r->status, ==, 201);
}

static void
daemon_stop(Daemon *d)
{
	g_autofree char *log = sdag_test_svc_log(d->svc);

	/* in no line the daemon logged, whatever happened */
	g_assert_null(strstr(log, PASSWORD));
	g_clear_pointer(&d->svc, sdag_test_svc_free);
	g_clear_object(&d->session);
}

static SdagTestReply *
call(Daemon *d, const char *method, const char *path, const char *body)
{
	SdagTestReply *r = sdag_test_http(d->session,
					  d->svc->base,
					  method,
					  path,
					  body != NULL ? "application/json" : NULL,
					  body,
					  -1);

	g_assert_null(strstr(r->text != NULL ? r->text : "", PASSWORD));
	return r;
}

static char *
camera_body(gboolean enabled, const char *options)
{
	return g_strdup_printf("{\"source\":\"rtsp://127.0.0.1:%u/cam\",\"pipeline_id\":\"zoned\","
			       "\"user\":\"viewer\",\"password\":\"" PASSWORD "\","
			       "\"enabled\":%s,\"options\":%s}",
			       camera.port,
			       enabled ? "true" : "false",
			       options != NULL ? options : "{}");
}

/* The job the camera runs now, from GET /cameras/{name} */
static char *
camera_job(Daemon *d, const char *name)
{
	g_autofree char *path = g_strdup_printf("/cameras/%s", name);
	g_autoptr(SdagTestReply) r = call(d, "GET", path, NULL);

	g_assert_cmpuint(r->status, ==, 200);
	return g_strdup(json_object_get_string_member(json_node_get_object(r->json), "job_id"));
}

/* GET /metrics, parsed; never a job_id label (its series would grow with each job) */
static SdagTestProm *
scrape(Daemon *d)
{
	g_autoptr(SdagTestReply) r = call(d, "GET", "/metrics", NULL);

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_null(strstr(r->text, "job_id="));
	return sdag_test_prom_parse(r->text);
}

/* The series but those of REST itself, whose routes × statuses depend on the requests this
 * test made */
static guint
series_count(SdagTestProm *p)
{
	GHashTableIter iter;
	const char *key;
	guint n = 0;

	g_hash_table_iter_init(&iter, p->samples);
	while (g_hash_table_iter_next(&iter, (gpointer *)&key, NULL))
		n += !g_str_has_prefix(key, "streamdag_http_");
	return n;
}

/* Waits for streamdag_camera_up{camera} to be @up */
static void
wait_camera_up(Daemon *d, const char *camera, double up)
{
	g_autofree char *labels = g_strdup_printf("camera=\"%s\"", camera);
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(SdagTestProm) p = scrape(d);
		if (sdag_test_prom_value(p, "streamdag_camera_up", labels) == up)
			return;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(100);
	}
}

/* ---- the cases ---- */

/* Checks one event message against the Frigate schema, and its box against the detection
 * the job stored for that frame. Returns its seq. */
static gint64
check_event(Daemon *d, JsonNode *schema, SdagTestMsg *m, const char *box_job, guint *boxes_checked)
{
	g_autoptr(JsonNode) node = sdag_json_parse(m->text, -1, NULL);
	g_autoptr(GString) problems = g_string_new(NULL);
	JsonObject *after;
	JsonArray *box;
	const char *job_id;
	gint64 frame_id;
	gint64 track_id;

	g_assert_nonnull(node);
	if (!sdag_test_schema_check(schema, node, problems))
		g_error("event %s does not match the schema:\n%s", m->text, problems->str);
	after = json_object_get_object_member(json_node_get_object(node), "after");
	g_assert_cmpstr(json_object_get_string_member(after, "camera"), ==, "gate");
	box = json_object_get_array_member(after, "box");
	g_assert_cmpint(json_array_get_int_element(box, 2), >=, json_array_get_int_element(box, 0));
	g_assert_cmpint(json_array_get_int_element(box, 3), >=, json_array_get_int_element(box, 1));
	job_id = json_object_get_string_member(after, "job_id");
	frame_id = json_object_get_int_member(after, "frame_id");
	track_id = json_object_get_int_member(after, "track_id");
	/* the box is the stored detection's, as [x1, y1, x2, y2]: checked on a few of @box_job,
	 * the job no SIGKILL interrupted (a resumed job analyses again, under the same frame
	 * ids, the frames after its last checkpoint, so an event sent before the kill may
	 * describe a row that was written again) */
	if (*boxes_checked < 5 && g_strcmp0(job_id, box_job) == 0 &&
	    json_object_get_null_member(after, "end_time")) {
		g_autofree char *path = g_strdup_printf(
		    "/jobs/%s/frames?from=%" G_GINT64_FORMAT "&limit=1", job_id, frame_id);
		g_autoptr(SdagTestReply) r = NULL;
		gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		JsonArray *frames;

		/* the row is written in the job's next batch, maybe after the event went out */
		for (;;) {
			g_clear_pointer(&r, sdag_test_reply_free);
			r = call(d, "GET", path, NULL);
			g_assert_cmpuint(r->status, ==, 200);
			frames =
			    json_object_get_array_member(json_node_get_object(r->json), "frames");
			if (json_array_get_length(frames) == 1 || g_get_monotonic_time() > deadline)
				break;
			sdag_test_spin(100);
		}
		if (json_array_get_length(frames) == 1 &&
		    json_object_get_int_member(json_array_get_object_element(frames, 0),
					       "frame_id") == frame_id) {
			JsonArray *dets = json_object_get_array_member(
			    json_array_get_object_element(frames, 0), "detections");
			gboolean found = FALSE;

			for (guint i = 0; i < json_array_get_length(dets); i++) {
				JsonObject *det = json_array_get_object_element(dets, i);
				JsonArray *b = json_object_get_array_member(det, "box");
				double x = json_array_get_double_element(b, 0);
				double y = json_array_get_double_element(b, 1);

				if (json_object_get_int_member_with_default(det, "track_id", -1) !=
				    track_id)
					continue;
				found = TRUE;
				g_assert_cmpint(
				    json_array_get_int_element(box, 0), ==, (gint64)(x + 0.5));
				g_assert_cmpint(
				    json_array_get_int_element(box, 1), ==, (gint64)(y + 0.5));
				g_assert_cmpint(
				    json_array_get_int_element(box, 2),
				    ==,
				    (gint64)(x + json_array_get_double_element(b, 2) + 0.5));
				g_assert_cmpint(
				    json_array_get_int_element(box, 3),
				    ==,
				    (gint64)(y + json_array_get_double_element(b, 3) + 0.5));
			}
			g_assert_true(found);
			(*boxes_checked)++;
		}
	}
	return json_object_get_int_member(json_node_get_object(node), "seq");
}

/*
 * One camera's stream on MQTT stays one stream: through an outage of the camera, a SIGKILL
 * of the daemon and a change of its definition, every message is under
 * <root>/cameras/gate/, events keep their seq increasing, counts keep coming on the same
 * topics; the camera's job is resumed after the kill and replaced after the change, and
 * GET /jobs?camera= lists both jobs.
 */
static void
camlive_continuity(void)
{
	Daemon d = {0};
	SdagTestSub *s = sdag_test_sub_start(&broker, ROOT "/#");
	g_autofree char *body =
	    camera_body(TRUE, "{\"backoff_initial_ms\":100,\"backoff_max_ms\":300}");
	g_autofree char *job1 = NULL;
	g_autofree char *job2 = NULL;
	g_autoptr(JsonNode) schema = sdag_test_schema_load("frigate-event.schema.json");
	g_autoptr(GHashTable) count_topics = g_hash_table_new(g_str_hash, g_str_equal);
	const char *events = ROOT "/cameras/gate/events";
	const char *count = ROOT "/cameras/gate/zone/yard/motion";
	guint marks[4];
	gint64 last_seq = 0;
	guint boxes = 0;
	guint n_events = 0;
	guint n_series = 0;

	daemon_start(&d, NULL);
	{
		g_autoptr(SdagTestReply) r = call(&d, "PUT", "/cameras/gate", body);
		g_assert_cmpuint(r->status, ==, 201);
	}
	job1 = camera_job(&d, "gate");
	wait_status(s, "gate", "online", job1, 0);
	wait_count(s, events, 0, 2);
	wait_count(s, count, 0, 1);
	wait_camera_up(&d, "gate", 1);
	{
		g_autoptr(SdagTestProm) p = scrape(&d);
		double last = sdag_test_prom_value(
		    p, "streamdag_camera_last_frame_timestamp_seconds", "camera=\"gate\"");

		n_series = series_count(p);
		g_assert_cmpfloat(last, >, (double)(g_get_real_time() / G_USEC_PER_SEC - 60));
	}

	/* the camera goes away and comes back: the same job reconnects */
	marks[0] = s->msgs->len;
	sdag_test_rtsp_stop(&camera);
	wait_status(s, "gate", "backoff", job1, marks[0]);
	wait_camera_up(&d, "gate", 0);
	sdag_test_rtsp_start(&camera);
	wait_status(s, "gate", "online", job1, marks[0]);
	wait_count(s, events, marks[0], 1);

	/* the daemon is killed: the same job resumes, under the same topics */
	marks[1] = s->msgs->len;
	sdag_test_svc_restart(d.svc, SIGKILL);
	wait_status(s, "gate", "online", job1, marks[1]);
	wait_count(s, events, marks[1], 1);
	wait_count(s, count, marks[1], 1);

	/* a new definition: a new job, the same topics */
	marks[2] = s->msgs->len;
	{
		g_autofree char *changed = camera_body(TRUE, "{\"backoff_initial_ms\":200}");
		g_autoptr(SdagTestReply) r = call(&d, "PUT", "/cameras/gate", changed);
		g_assert_cmpuint(r->status, ==, 200);
	}
	job2 = camera_job(&d, "gate");
	g_assert_cmpstr(job2, !=, job1);
	wait_status(s, "gate", "online", job2, marks[2]);
	wait_count(s, events, marks[2], 2);
	wait_count(s, count, marks[2], 1);
	wait_open_event(s, events, job2, marks[2]);
	marks[3] = s->msgs->len;
	/* three restarts of the camera's source, one new job: not one series more */
	wait_camera_up(&d, "gate", 1);
	{
		g_autoptr(SdagTestProm) p = scrape(&d);
		g_assert_cmpuint(series_count(p), ==, n_series);
		g_assert_cmpfloat(sdag_test_prom_value(p, "streamdag_mqtt_connected", ""), ==, 1);
	}

	/* what the subscriber saw */
	for (guint i = 0; i < s->msgs->len; i++) {
		SdagTestMsg *m = g_ptr_array_index(s->msgs, i);

		g_assert_null(strstr(m->text, PASSWORD));
		if (g_strcmp0(m->topic, ROOT "/available") == 0 ||
		    g_strcmp0(m->topic, ROOT "/stats") == 0 ||
		    g_str_has_prefix(m->topic, ROOT "/events"))
			continue;
		/* no topic names a job */
		g_assert_true(g_str_has_prefix(m->topic, ROOT "/cameras/gate/"));
		g_assert_null(strstr(m->topic, job1));
		g_assert_null(strstr(m->topic, job2));
		if (strstr(m->topic, "/zone/") != NULL)
			g_hash_table_add(count_topics, m->topic);
		if (g_strcmp0(m->topic, events) == 0) {
			gint64 seq = check_event(&d, schema, m, job2, &boxes);
			/* QoS 1 may say one twice, with its seq */
			g_assert_cmpint(seq, >=, last_seq);
			last_seq = seq;
			n_events++;
		}
	}
	g_assert_cmpuint(boxes, >, 0);
	g_assert_cmpuint(n_events, >=, 5);
	/* the zone's count on its one topic, after the restart and after the new definition as
	 * before them (only on change within one job, so not always during an outage) */
	g_assert_true(g_hash_table_contains(count_topics, count));
	for (guint k = 1; k < 3; k++)
		g_assert_cmpuint(sdag_test_sub_count(s, count, marks[k]),
				 >,
				 sdag_test_sub_count(s, count, marks[k + 1]));
	/* the same events at the root, as Frigate publishes them, naming the camera: the same
	 * seqs on both (the job still runs, so the later of the two copies may be in flight) */
	wait_same_seqs(s, events, ROOT "/events");
	/* the snapshot: a JPEG, retained */
	{
		SdagTestMsg *m = sdag_test_sub_last(s, ROOT "/cameras/gate/snapshot", 0);
		const guint8 *jpeg;

		g_assert_nonnull(m);
		jpeg = g_bytes_get_data(m->payload, NULL);
		g_assert_cmpuint(g_bytes_get_size(m->payload), >, 100);
		g_assert_cmpuint(jpeg[0], ==, 0xff);
		g_assert_cmpuint(jpeg[1], ==, 0xd8);
	}
	/* both jobs, newest first, from the camera's index */
	{
		g_autoptr(SdagTestReply) r = call(&d, "GET", "/jobs?camera=gate", NULL);
		JsonArray *jobs;

		g_assert_cmpuint(r->status, ==, 200);
		jobs = json_object_get_array_member(json_node_get_object(r->json), "jobs");
		g_assert_cmpuint(json_array_get_length(jobs), ==, 2);
		g_assert_cmpstr(
		    json_object_get_string_member(json_array_get_object_element(jobs, 0), "job_id"),
		    ==,
		    job2);
		g_assert_cmpstr(
		    json_object_get_string_member(json_array_get_object_element(jobs, 1), "status"),
		    ==,
		    "cancelled");
	}
	/* the camera as the API shows it (its fps measured over a second or so) */
	for (gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;;) {
		g_autoptr(SdagTestReply) r = call(&d, "GET", "/cameras/gate", NULL);
		JsonObject *o = json_node_get_object(r->json);

		g_assert_cmpstr(json_object_get_string_member(o, "source_state"), ==, "online");
		g_assert_cmpstr(json_object_get_string_member(o, "password"), ==, "***");
		g_assert_cmpstr(json_object_get_string_member(o, "job_id"), ==, job2);
		g_assert_false(json_object_get_null_member(o, "last_frame_at"));
		/* the zone's count, as its job counts it now */
		g_assert_true(json_object_has_member(
		    json_object_get_object_member(json_object_get_object_member(o, "counts"),
						  "zone/yard"),
		    "motion"));
		if (json_object_get_double_member(o, "processed_fps") > 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(100);
	}
	{
		g_autoptr(SdagTestReply) r = call(&d, "GET", "/cameras/gate/snapshot.jpg", NULL);
		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpstr(r->ctype, ==, "image/jpeg");
	}
	daemon_stop(&d);
	sdag_test_sub_free(s);
}

/* A config's camera: started with the daemon, read-only through the API, gone at the reload
 * that no longer declares it. */
static void
camlive_config_camera(void)
{
	Daemon d = {0};
	SdagTestSub *s = sdag_test_sub_start(&broker, ROOT "/cameras/door/#");
	g_autofree char *confd = NULL;
	g_autofree char *drop = NULL;
	g_autofree char *text = NULL;
	g_autofree char *job = NULL;
	g_autoptr(GError) error = NULL;

	daemon_start(&d, NULL);
	confd = g_build_filename(d.svc->dir, "conf.d", NULL);
	drop = g_build_filename(confd, "door.conf", NULL);
	text = g_strdup_printf("[camera door]\nsource=rtsp://127.0.0.1:%u/cam\npipeline_id=zoned\n"
			       "user=viewer\npassword=" PASSWORD "\nenabled=true\n",
			       camera.port);
	g_assert_cmpint(g_mkdir_with_parents(confd, 0700), ==, 0);
	g_assert_true(g_file_set_contents(drop, text, -1, &error));
	sdag_test_svc_restart(d.svc, SIGTERM);
	job = camera_job(&d, "door");
	g_assert_nonnull(job);
	wait_status(s, "door", "online", job, 0);
	{
		g_autoptr(SdagTestReply) r = call(&d, "GET", "/cameras/door", NULL);
		g_assert_cmpstr(
		    json_object_get_string_member(json_node_get_object(r->json), "origin"),
		    ==,
		    "config");
	}
	{
		g_autofree char *body = camera_body(FALSE, NULL);
		g_autoptr(SdagTestReply) r1 = call(&d, "PUT", "/cameras/door", body);
		g_autoptr(SdagTestReply) r2 = call(&d, "DELETE", "/cameras/door", NULL);
		g_autoptr(SdagTestReply) r3 = call(&d, "POST", "/cameras/door/disable", NULL);

		sdag_test_assert_error(r1, 409, "camera_from_config");
		sdag_test_assert_error(r2, 409, "camera_from_config");
		sdag_test_assert_error(r3, 409, "camera_from_config");
	}
	/* the file goes, a reload: its job is cancelled, its status retracted */
	g_assert_cmpint(g_unlink(drop), ==, 0);
	g_subprocess_send_signal(d.svc->proc, SIGHUP);
	{
		g_autofree char *path = g_strdup_printf("/jobs/%s", job);
		gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;

		for (;;) {
			g_autoptr(SdagTestReply) r = call(&d, "GET", path, NULL);
			if (g_strcmp0(json_object_get_string_member(json_node_get_object(r->json),
								    "status"),
				      "cancelled") == 0)
				break;
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			sdag_test_spin(50);
		}
	}
	{
		g_autoptr(SdagTestReply) r = call(&d, "GET", "/cameras/door", NULL);
		sdag_test_assert_error(r, 404, "camera_not_found");
	}
	daemon_stop(&d);
	sdag_test_sub_free(s);
}

/* The Home Assistant device of a camera, field by field; the same unique ids after a
 * restart; an empty retained config on each of its topics once it is deleted. */
static void
camlive_home_assistant(void)
{
	Daemon d = {0};
	SdagTestSub *s = sdag_test_sub_start(&broker, "homeassistant/#");
	g_autofree char *body = camera_body(TRUE, NULL);
	g_autoptr(GHashTable) uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *url = NULL;
	const char *const want[] = {
	    "homeassistant/sensor/box1/streamdag_box1_yard_state/config",
	    "homeassistant/sensor/box1/streamdag_box1_yard_processed_fps/config",
	    "homeassistant/image/box1/streamdag_box1_yard_snapshot/config",
	    "homeassistant/sensor/box1/streamdag_box1_yard_zone_yard_motion/config",
	    "homeassistant/binary_sensor/box1/"
	    "streamdag_box1_yard_zone_yard_motion_occupancy/config"};
	guint restart_mark;
	SdagTestSub *late = NULL;

	daemon_start(&d, NULL);
	url = g_strdup(d.svc->base);
	{
		g_autoptr(SdagTestReply) r = call(&d, "PUT", "/cameras/yard", body);
		g_assert_cmpuint(r->status, ==, 201);
	}
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		wait_count(s, want[i], 0, 1);
	/* retained: what a Home Assistant started later reads */
	late = sdag_test_sub_start(&broker, "homeassistant/#");
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		wait_count(late, want[i], 0, 1);
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		SdagTestMsg *m = sdag_test_sub_last(late, want[i], 0);
		g_autoptr(JsonNode) node = sdag_json_parse(m->text, -1, NULL);
		JsonObject *o = json_node_get_object(node);
		JsonObject *dev = json_object_get_object_member(o, "device");
		JsonObject *origin = json_object_get_object_member(o, "origin");

		g_assert_true(m->retain);
		g_assert_cmpstr(
		    json_object_get_string_member(o, "availability_topic"), ==, ROOT "/available");
		g_assert_cmpstr(json_object_get_string_member(o, "unique_id"),
				==,
				json_object_get_string_member(o, "object_id"));
		g_assert_true(g_str_has_prefix(json_object_get_string_member(o, "unique_id"),
					       "streamdag_box1_yard_"));
		g_assert_cmpstr(json_array_get_string_element(
				    json_object_get_array_member(dev, "identifiers"), 0),
				==,
				"streamdag_box1_yard");
		g_assert_cmpstr(
		    json_object_get_string_member(dev, "name"), ==, "streamdag box1 yard");
		g_assert_cmpstr(
		    json_object_get_string_member(dev, "via_device"), ==, "streamdag_box1");
		g_assert_cmpstr(json_object_get_string_member(dev, "sw_version"),
				==,
				g_getenv("SDAG_TEST_VERSION"));
		g_assert_cmpstr(json_object_get_string_member(dev, "configuration_url"), ==, url);
		g_assert_cmpstr(json_object_get_string_member(origin, "name"), ==, "streamdag");
		g_hash_table_replace(uids,
				     g_strdup(want[i]),
				     g_strdup(json_object_get_string_member(o, "unique_id")));
		g_assert_null(strstr(m->text, PASSWORD));
		if (i == 0) {
			JsonArray *opts = json_object_get_array_member(o, "options");
			g_assert_cmpstr(
			    json_object_get_string_member(o, "device_class"), ==, "enum");
			g_assert_cmpuint(json_array_get_length(opts),
					 ==,
					 g_strv_length((char **)sdag_camera_states));
			for (guint k = 0; sdag_camera_states[k] != NULL; k++)
				g_assert_cmpstr(json_array_get_string_element(opts, k),
						==,
						sdag_camera_states[k]);
			g_assert_cmpstr(json_object_get_string_member(o, "state_topic"),
					==,
					ROOT "/cameras/yard/status");
		} else if (i == 1) {
			g_assert_cmpstr(
			    json_object_get_string_member(o, "state_class"), ==, "measurement");
		} else if (i == 2) {
			g_assert_cmpstr(json_object_get_string_member(o, "image_topic"),
					==,
					ROOT "/cameras/yard/snapshot");
			g_assert_cmpstr(
			    json_object_get_string_member(o, "content_type"), ==, "image/jpeg");
		} else if (i == 3) {
			g_assert_cmpstr(json_object_get_string_member(o, "state_topic"),
					==,
					ROOT "/cameras/yard/zone/yard/motion");
			g_assert_cmpstr(
			    json_object_get_string_member(o, "state_class"), ==, "measurement");
		} else {
			g_assert_cmpstr(
			    json_object_get_string_member(o, "device_class"), ==, "occupancy");
		}
	}
	/* no entity of a job */
	for (guint i = 0; i < s->msgs->len; i++)
		g_assert_null(strstr(((SdagTestMsg *)g_ptr_array_index(s->msgs, i))->topic, "job"));

	/* a restart announces the same entities again */
	restart_mark = s->msgs->len;
	sdag_test_svc_restart(d.svc, SIGTERM);
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		SdagTestMsg *m;
		g_autoptr(JsonNode) node = NULL;

		wait_count(s, want[i], restart_mark, 1);
		m = sdag_test_sub_last(s, want[i], restart_mark);
		node = sdag_json_parse(m->text, -1, NULL);
		g_assert_cmpstr(
		    json_object_get_string_member(json_node_get_object(node), "unique_id"),
		    ==,
		    g_hash_table_lookup(uids, want[i]));
	}

	/* deleted: every config topic of its device emptied, retained */
	{
		SdagTestSub *all = sdag_test_sub_start(&broker, ROOT "/cameras/yard/#");
		/* before the call: the answer may come after the first messages */
		guint mark = s->msgs->len;
		g_autoptr(SdagTestReply) r = call(&d, "DELETE", "/cameras/yard", NULL);
		GHashTableIter iter;
		gpointer topic;
		guint configs = 0;

		g_assert_cmpuint(r->status, ==, 204);
		for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
			gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
			SdagTestMsg *m;

			while ((m = sdag_test_sub_last(s, want[i], mark)) == NULL ||
			       g_bytes_get_size(m->payload) != 0) {
				g_assert_cmpint(g_get_monotonic_time(), <, deadline);
				sdag_test_spin(20);
			}
		}
		/* and every config topic this camera ever had */
		g_hash_table_iter_init(&iter, uids);
		while (g_hash_table_iter_next(&iter, &topic, NULL))
			configs++;
		g_assert_cmpuint(configs, ==, G_N_ELEMENTS(want));
		for (guint i = 0; i < restart_mark; i++) {
			SdagTestMsg *m = g_ptr_array_index(s->msgs, i);
			SdagTestMsg *last;

			/* the broker is shared: the other cases' cameras are theirs */
			if (strstr(m->topic, "/streamdag_box1_yard_") == NULL)
				continue;
			last = sdag_test_sub_last(s, m->topic, mark);
			if (last == NULL)
				g_error("%s was not retracted", m->topic);
			g_assert_cmpuint(g_bytes_get_size(last->payload), ==, 0);
		}
		/* its retained status is retracted too */
		wait_count(all, ROOT "/cameras/yard/status", 0, 1);
		{
			gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
			SdagTestMsg *m;
			while ((m = sdag_test_sub_last(all, ROOT "/cameras/yard/status", 0)) ==
				   NULL ||
			       g_bytes_get_size(m->payload) != 0) {
				g_assert_cmpint(g_get_monotonic_time(), <, deadline);
				sdag_test_spin(20);
			}
		}
		sdag_test_sub_free(all);
	}
	/* the empty configs were retained: a Home Assistant started now finds none of them */
	sdag_test_sub_free(late);
	late = sdag_test_sub_start(&broker, "homeassistant/#");
	sdag_test_spin(500);
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpuint(sdag_test_sub_count(late, want[i], 0), ==, 0);
	sdag_test_sub_free(late);
	daemon_stop(&d);
	sdag_test_sub_free(s);
}

/* <root>/stats every second: the cameras' figures and the daemon's own. */
static void
camlive_stats(void)
{
	Daemon d = {0};
	SdagTestSub *s = sdag_test_sub_start(&broker, ROOT "/stats");
	g_autofree char *body = camera_body(FALSE, NULL);
	g_autoptr(JsonNode) node = NULL;
	JsonObject *o;
	JsonObject *cam;
	JsonObject *service;

	daemon_start(&d, NULL);
	{
		g_autoptr(SdagTestReply) r = call(&d, "PUT", "/cameras/idle", body);
		g_assert_cmpuint(r->status, ==, 201);
	}
	wait_count(s, ROOT "/stats", 0, 2);
	node = sdag_json_parse(sdag_test_sub_last(s, ROOT "/stats", 0)->text, -1, NULL);
	o = json_node_get_object(node);
	cam = json_object_get_object_member(json_object_get_object_member(o, "cameras"), "idle");
	g_assert_cmpstr(json_object_get_string_member(cam, "state"), ==, "disabled");
	g_assert_true(json_object_has_member(cam, "camera_fps"));
	g_assert_true(json_object_has_member(cam, "process_fps"));
	g_assert_true(json_object_has_member(cam, "dropped_frames"));
	g_assert_true(json_object_has_member(cam, "reconnects"));
	service = json_object_get_object_member(o, "service");
	g_assert_cmpstr(
	    json_object_get_string_member(service, "version"), ==, g_getenv("SDAG_TEST_VERSION"));
	g_assert_cmpint(json_object_get_int_member(service, "rss_bytes"), >, 1000000);
	g_assert_cmpfloat(json_object_get_double_member(service, "cpu_percent"), >=, 0);
	daemon_stop(&d);
	sdag_test_sub_free(s);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	sdag_test_broker_start(&broker);
	sdag_test_rtsp_start(&camera);
	g_test_add_func("/camlive/continuity", camlive_continuity);
	g_test_add_func("/camlive/config-camera", camlive_config_camera);
	g_test_add_func("/camlive/home-assistant", camlive_home_assistant);
	g_test_add_func("/camlive/stats", camlive_stats);
	rc = g_test_run();
	sdag_test_rtsp_stop(&camera);
	sdag_test_broker_stop(&broker);
	return rc;
}
