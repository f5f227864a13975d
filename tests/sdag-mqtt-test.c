/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * MQTT and WebSocket end to end: Debian's mosquitto on a free loopback port with its own
 * config, mosquitto_sub as the subscriber (every message with its retain flag, QoS, topic
 * and payload), the daemon in this process (or spawned, for SIGKILL), real jobs over a clip
 * this binary generates, and libsoup's WebSocket client.
 */
#include "sdag-daemon.h"
#include "sdag-json.h"
#include "sdag-mqtt.h"
#include "sdag-outbox.h"
#include "sdag-store.h"
#include "sdag-test-http.h"
#include "sdag-test-prom.h"
#include "sdag-test-util.h"
#include "sdag-ws.h"

#include <gst/gst.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#define CLIP_FRAMES 30
#define LONG_FRAMES 400

static char *media_dir;

/* broker */

typedef struct {
	GSubprocess *proc;
	guint16 port;
	char *dir;
	char *conf;
} Broker;

/* a child dies with the test, even when an assertion aborts it */
static void
child_setup(gpointer user_data)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* a signal mask inherited from a thread of the test that blocks SIGTERM would make the
	 * broker deaf to its stop (seen under ASan): it starts with none blocked */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static GSubprocess *
spawn(GSubprocessFlags flags, const char *const *argv)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(flags);
	g_autoptr(GError) error = NULL;
	GSubprocess *p;

	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	p = g_subprocess_launcher_spawnv(l, argv, &error);
	g_assert_no_error(error);
	return p;
}

static gboolean
port_open(guint16 port)
{
	g_autoptr(GSocketClient) c = g_socket_client_new();
	g_autoptr(GSocketConnection) conn =
	    g_socket_client_connect_to_host(c, "127.0.0.1", port, NULL, NULL);
	return conn != NULL;
}

static void
broker_run(Broker *b)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	b->proc = spawn(G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
			(const char *const[]){"mosquitto", "-c", b->conf, NULL});
	while (!port_open(b->port)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(20000);
	}
}

static Broker *
broker_start(const char *extra)
{
	Broker *b = g_new0(Broker, 1);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;

	b->dir = sdag_test_mkdtemp();
	b->port = sdag_test_free_port();
	b->conf = g_build_filename(b->dir, "mosquitto.conf", NULL);
	text = g_strdup_printf(
	    /* as root mosquitto would switch to its own user, who cannot read our temp dirs */
	    "listener %u 127.0.0.1\nuser %s\n%s\n",
	    b->port,
	    g_get_user_name(),
	    extra != NULL ? extra : "allow_anonymous true");
	g_assert_true(g_file_set_contents(b->conf, text, -1, &error));
	broker_run(b);
	return b;
}

static void
broker_stop(Broker *b)
{
	if (b->proc == NULL)
		return;
	g_subprocess_send_signal(b->proc, SIGTERM);
	g_assert_true(g_subprocess_wait(b->proc, NULL, NULL));
	g_clear_object(&b->proc);
}

static void
broker_free(Broker *b)
{
	broker_stop(b);
	sdag_test_rmtree(b->dir);
	g_free(b->dir);
	g_free(b->conf);
	g_free(b);
}

/* subscriber */

typedef struct {
	gboolean retain;
	guint qos;
	char *topic;
	char *payload;
} Msg;

typedef struct {
	GSubprocess *proc;
	GDataInputStream *out;
	GPtrArray *msgs; /* Msg */
	GCancellable *cancel;
} Sub;

static void
msg_free(Msg *m)
{
	g_free(m->topic);
	g_free(m->payload);
	g_free(m);
}

static void sub_read(Sub *s);

static void
sub_line_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Sub *s = user_data;
	g_autofree char *line =
	    g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), res, NULL, NULL);
	g_auto(GStrv) parts = NULL;
	Msg *m;

	if (line == NULL)
		return;
	parts = g_strsplit(line, " ", 4);
	if (g_strv_length(parts) == 4) {
		m = g_new0(Msg, 1);
		m->retain = g_strcmp0(parts[0], "1") == 0;
		m->qos = (guint)g_ascii_strtoull(parts[1], NULL, 10);
		m->topic = g_strdup(parts[2]);
		m->payload = g_strdup(parts[3]);
		g_ptr_array_add(s->msgs, m);
	}
	sub_read(s);
}

static void
sub_read(Sub *s)
{
	g_data_input_stream_read_line_async(s->out, G_PRIORITY_DEFAULT, s->cancel, sub_line_cb, s);
}

static void
spin(guint ms)
{
	gint64 until = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE) || (g_usleep(2000), TRUE);
}

static Sub *
sub_start(Broker *b, const char *topic)
{
	Sub *s = g_new0(Sub, 1);
	g_autofree char *port = g_strdup_printf("%u", b->port);

	s->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)msg_free);
	s->cancel = g_cancellable_new();
	{
		const char *argv[] = {"mosquitto_sub",
				      "-h",
				      "127.0.0.1",
				      "-p",
				      port,
				      "-q",
				      "1",
				      "-t",
				      topic,
				      "-F",
				      "%r %q %t %p",
				      NULL};
		s->proc = spawn(G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
	}
	s->out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(s->proc));
	sub_read(s);
	spin(300); /* subscribed */
	return s;
}

static void
sub_free(Sub *s)
{
	g_cancellable_cancel(s->cancel);
	g_subprocess_force_exit(s->proc);
	g_subprocess_wait(s->proc, NULL, NULL);
	spin(20);
	g_object_unref(s->out);
	g_object_unref(s->proc);
	g_object_unref(s->cancel);
	g_ptr_array_unref(s->msgs);
	g_free(s);
}

static guint
sub_count(Sub *s, const char *suffix)
{
	guint n = 0;
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		if (g_str_has_suffix(m->topic, suffix))
			n++;
	}
	return n;
}

static Msg *
sub_last(Sub *s, const char *suffix)
{
	for (guint i = s->msgs->len; i > 0; i--) {
		Msg *m = g_ptr_array_index(s->msgs, i - 1);
		if (g_str_has_suffix(m->topic, suffix))
			return m;
	}
	return NULL;
}

static gboolean
sub_has_payload(Sub *s, const char *suffix, const char *needle)
{
	Msg *m = sub_last(s, suffix);
	return m != NULL && strstr(m->payload, needle) != NULL;
}

static void
sub_wait(Sub *s, const char *suffix, const char *needle, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

	while (!sub_has_payload(s, suffix, needle)) {
		if (g_get_monotonic_time() > deadline)
			g_error("no message on ...%s with %s", suffix, needle);
		spin(20);
	}
}

/* the daemon */

typedef struct {
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
} Fixture;

/* @kv: more [mqtt] keys and values, NULL-terminated pairs */
static void
daemon_start_full(Fixture *f, const char *uri, guint buffer_size, const char *const *kv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	if (f->dir == NULL)
		f->dir = sdag_test_mkdtemp();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, f->dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, media_dir);
	g_assert_true(sdag_mqtt_config_set(&cfg->mqtt, "broker", uri, &error));
	g_assert_true(sdag_mqtt_config_set(&cfg->mqtt, "topic_root", "t", &error));
	g_assert_true(sdag_mqtt_config_set(&cfg->mqtt, "ha_discovery", "true", &error));
	for (guint i = 0; kv != NULL && kv[i] != NULL; i += 2) {
		sdag_mqtt_config_set(&cfg->mqtt, kv[i], kv[i + 1], &error);
		g_assert_no_error(error);
	}
	cfg->mqtt.buffer_size = buffer_size;
	cfg->mqtt.reconnect_max_s = 1;
	cfg->start_timeout_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 60 : 5;
	f->daemon = sdag_test_daemon_open(g_steal_pointer(&cfg), &f->base);
	f->session = soup_session_new();
}

static void
daemon_start(Fixture *f, Broker *b, guint buffer_size, const char *password)
{
	g_autofree char *uri = g_strdup_printf("tcp://127.0.0.1:%u", b->port);
	const char *kv[] = {"username", "box", "password", password, NULL};

	daemon_start_full(f, uri, buffer_size, password != NULL ? kv : NULL);
}

static void
daemon_stop(Fixture *f)
{
	g_clear_object(&f->session);
	sdag_test_daemon_close(g_steal_pointer(&f->daemon));
	g_clear_pointer(&f->base, g_free);
}

static void
fixture_free(Fixture *f)
{
	daemon_stop(f);
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
}

static SdagTestReply *
http(Fixture *f, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    f->session, f->base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static JsonObject *
healthz_mqtt(Fixture *f, SdagTestReply **keep)
{
	SdagTestReply *r = http(f, "GET", "/healthz", NULL);
	*keep = r;
	return json_object_get_object_member(sdag_test_reply_object(r), "mqtt");
}

/* One unlabelled series of GET /metrics, as the strict parser reads it. */
static double
prom_value(Fixture *f, const char *name)
{
	g_autoptr(SdagTestReply) r = http(f, "GET", "/metrics", NULL);
	g_autoptr(SdagTestProm) prom = NULL;

	g_assert_cmpuint(r->status, ==, 200);
	prom = sdag_test_prom_parse(r->text);
	return sdag_test_prom_value(prom, name, "");
}

static gboolean
mqtt_connected(Fixture *f)
{
	g_autoptr(SdagTestReply) r = NULL;
	return json_object_get_boolean_member(healthz_mqtt(f, &r), "connected");
}

static void
wait_connected(Fixture *f, gboolean want)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (mqtt_connected(f) != want) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin(50);
	}
}

/* Registers pipeline @pid (one "slow" node with @params) when needed and submits a job of
 * it over @clip; returns the job id. */
static char *
submit_slow(SoupSession *session,
	    const char *base,
	    const char *clip,
	    const char *pid,
	    const char *params,
	    const char *options)
{
	g_autoptr(SdagTestReply) r = NULL;
	g_autofree char *body = NULL;
	g_autofree char *pipeline = NULL;
	g_autofree char *url = g_strdup_printf("file://%s/%s", media_dir, clip);

	pipeline = g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
	    "%s}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"s.frame\"}],\"outputs\":["
	    "\"s.detections\"]}",
	    pid,
	    params);
	r = sdag_test_http(session, base, "POST", "/pipelines", "application/json", pipeline, -1);
	g_assert_true(r->status == 201 || r->status == 200 || r->status == 409);
	g_clear_pointer(&r, sdag_test_reply_free);
	body = g_strdup_printf("{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":%s}",
			       pid,
			       url,
			       options != NULL ? options : "{}");
	r = sdag_test_http(session, base, "POST", "/jobs", "application/json", body, -1);
	g_assert_cmpuint(r->status, ==, 202);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static char *
submit(Fixture *f, const char *options)
{
	return submit_slow(
	    f->session, f->base, "clip.mp4", "p", "{\"sleep_ms\":2,\"boxes\":2}", options);
}

static void
wait_job(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);
		const char *st = json_object_get_string_member(sdag_test_reply_object(r), "status");
		if (g_strcmp0(st, "completed") == 0)
			return;
		g_assert_cmpstr(st, !=, "failed");
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin(20);
	}
}

static JsonObject *
parse_obj(const char *text, JsonNode **keep)
{
	g_autoptr(GError) error = NULL;
	*keep = sdag_json_parse(text, -1, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(*keep));
	return json_node_get_object(*keep);
}

/* Checks the events of one job: per track new, then updates, then one end; seq 1, 2, ... */
static guint
check_events(Sub *s, const char *job_id, const char *end_reason)
{
	g_autoptr(GHashTable) state =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gint64 last_seq = 0;
	guint n = 0;

	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o;
		JsonObject *after;
		const char *type;
		g_autofree char *track = NULL;
		const char *prev;
		static const char *const fields[] = {"id",
						     "label",
						     "score",
						     "top_score",
						     "box",
						     "start_time",
						     "end_time",
						     "current_zones",
						     "entered_zones",
						     "crossed_lines",
						     "active",
						     "job_id",
						     "track_id"};

		if (!g_str_has_suffix(m->topic, "/events"))
			continue;
		o = parse_obj(m->payload, &node);
		if (g_strcmp0(json_object_get_string_member(o, "job_id"), job_id) != 0)
			continue;
		g_assert_cmpuint(m->qos, ==, 1);
		g_assert_false(m->retain);
		/* duplicates (QoS 1) come with the same seq */
		if (json_object_get_int_member(o, "seq") <= last_seq)
			continue;
		g_assert_cmpint(json_object_get_int_member(o, "seq"), ==, last_seq + 1);
		last_seq = json_object_get_int_member(o, "seq");
		type = json_object_get_string_member(o, "type");
		after = json_object_get_object_member(o, "after");
		g_assert_nonnull(json_object_get_object_member(o, "before"));
		for (guint j = 0; j < G_N_ELEMENTS(fields); j++)
			g_assert_true(json_object_has_member(after, fields[j]));
		g_assert_cmpstr(json_object_get_string_member(after, "label"), ==, "thing");
		track =
		    g_strdup_printf("%" G_GINT64_FORMAT, json_object_get_int_member(o, "track_id"));
		prev = g_hash_table_lookup(state, track);
		if (g_strcmp0(type, "new") == 0) {
			g_assert_null(prev);
			g_assert_true(json_object_get_boolean_member(after, "active"));
		} else if (g_strcmp0(type, "update") == 0) {
			g_assert_nonnull(prev);
			g_assert_cmpstr(prev, !=, "end");
			g_assert_cmpfloat(
			    json_object_get_double_member(after, "top_score"), ==, 0.75);
		} else {
			g_assert_cmpstr(type, ==, "end");
			g_assert_nonnull(prev);
			g_assert_cmpstr(prev, !=, "end");
			g_assert_false(json_object_get_boolean_member(after, "active"));
			g_assert_cmpstr(
			    json_object_get_string_member(o, "end_reason"), ==, end_reason);
		}
		g_hash_table_replace(state, g_strdup(track), g_strdup(type));
		n++;
	}
	/* slow node with 2 boxes: tracks 0, 1, 2; each new and end; 0 and 1 start at 0.5 and
	 * rise to 0.75 (one update each), 2 starts at 0.75 */
	g_assert_cmpuint(g_hash_table_size(state), ==, 3);
	{
		GHashTableIter iter;
		const char *v;
		g_hash_table_iter_init(&iter, state);
		while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&v))
			g_assert_cmpstr(v, ==, "end");
	}
	return n;
}

static void
test_mqtt_job(void)
{
	Broker *b = broker_start(NULL);
	Sub *s = sub_start(b, "#");
	Fixture f = {0};
	g_autofree char *id = NULL;
	g_autoptr(GPtrArray) statuses = g_ptr_array_new();
	guint detections = 0;
	gint64 last_frame = -1;

	daemon_start(&f, b, 1000, NULL);
	wait_connected(&f, TRUE);
	id = submit(&f, "{\"mqtt\":{\"progress_interval_ms\":100}}");
	wait_job(&f, id);
	sub_wait(s, "/status", "\"completed\"", 10);
	spin(200);
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o;

		if (g_str_has_suffix(m->topic, "/available")) {
			g_assert_cmpstr(m->payload, ==, "online");
			continue;
		}
		/* a job no camera runs has no Home Assistant entity */
		g_assert_false(g_str_has_prefix(m->topic, "homeassistant/"));
		o = parse_obj(m->payload, &node);
		if (g_str_has_suffix(m->topic, "/status")) {
			g_autofree char *want = g_strdup_printf("t/jobs/%s/status", id);
			g_assert_cmpstr(m->topic, ==, want);
			g_assert_cmpuint(m->qos, ==, 1);
			g_ptr_array_add(
			    statuses,
			    (gpointer)g_intern_string(json_object_get_string_member(o, "status")));
		} else if (g_str_has_suffix(m->topic, "/detections")) {
			JsonArray *dets = json_object_get_array_member(o, "detections");
			g_assert_cmpuint(m->qos, ==, 0);
			g_assert_cmpstr(json_object_get_string_member(o, "job_id"), ==, id);
			g_assert_cmpint(json_object_get_int_member(o, "frame_id"), >, last_frame);
			last_frame = json_object_get_int_member(o, "frame_id");
			g_assert_true(json_object_has_member(o, "pts_ms"));
			g_assert_true(json_object_has_member(o, "wall_time"));
			g_assert_cmpfloat(json_object_get_double_member(o, "latency_ms"), >=, 0);
			g_assert_cmpuint(json_array_get_length(dets), ==, 2);
			detections++;
		} else if (g_str_has_suffix(m->topic, "/progress")) {
			g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
			g_assert_true(json_object_has_member(o, "frames_processed"));
		}
	}
	g_assert_cmpuint(statuses->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(statuses, 0), ==, "queued");
	g_assert_cmpstr(g_ptr_array_index(statuses, 1), ==, "running");
	g_assert_cmpstr(g_ptr_array_index(statuses, 2), ==, "completed");
	/* every frame of the clip has detections */
	g_assert_cmpuint(detections, ==, CLIP_FRAMES);
	g_assert_cmpuint(check_events(s, id, "job_end"), ==, 8);
	{
		g_autoptr(SdagTestReply) r = NULL;
		JsonObject *h = healthz_mqtt(&f, &r);
		g_assert_true(json_object_get_boolean_member(h, "configured"));
		g_assert_cmpint(json_object_get_int_member(h, "outbox_depth"), ==, 0);
		g_assert_cmpint(json_object_get_int_member(h, "dropped"), ==, 0);
	}
	fixture_free(&f);
	/* a clean stop says offline */
	sub_wait(s, "/available", "offline", 5);
	/* the retained status is there for a late subscriber */
	{
		Sub *late = sub_start(b, "t/jobs/+/status");
		Msg *m;
		sub_wait(late, "/status", "completed", 5);
		m = sub_last(late, "/status");
		g_assert_true(m->retain);
		sub_free(late);
	}
	sub_free(s);
	broker_free(b);
}

/* Broker away during a whole job: the durable messages all come after, the telemetry only
 * within its bound, and the drop counter says exactly how many were lost;
 * streamdag_mqtt_connected follows the connection. */
static void
test_mqtt_outage(void)
{
	Broker *b = broker_start(NULL);
	Fixture f = {0};
	g_autofree char *id = NULL;
	Sub *s;
	g_autoptr(SdagTestReply) r = NULL;
	JsonObject *h;
	guint first = G_MAXUINT;

	daemon_start(&f, b, 5, NULL);
	wait_connected(&f, TRUE);
	g_assert_cmpfloat(prom_value(&f, "streamdag_mqtt_connected"), ==, 1);
	broker_stop(b);
	wait_connected(&f, FALSE);
	g_assert_cmpfloat(prom_value(&f, "streamdag_mqtt_connected"), ==, 0);
	id = submit(&f, "{\"mqtt\":{\"publish_progress\":false}}");
	wait_job(&f, id);
	spin(100);
	h = healthz_mqtt(&f, &r);
	g_assert_cmpint(json_object_get_int_member(h, "dropped"), ==, CLIP_FRAMES - 5);
	g_assert_cmpint(json_object_get_int_member(h, "buffered"), ==, 5);
	g_assert_cmpint(json_object_get_int_member(h, "outbox_depth"), ==, 3 + 8);
	g_assert_cmpfloat(prom_value(&f, "streamdag_mqtt_outbox_messages"), ==, 3 + 8);
	g_assert_nonnull(json_object_get_string_member(h, "last_error"));
	broker_run(b);
	s = sub_start(b, "#");
	wait_connected(&f, TRUE);
	g_assert_cmpfloat(prom_value(&f, "streamdag_mqtt_connected"), ==, 1);
	sub_wait(s, "/status", "completed", 10);
	sub_wait(s, "/available", "online", 10);
	spin(300);
	g_assert_cmpuint(sub_count(s, "/detections"), ==, 5);
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		g_autoptr(JsonNode) node = NULL;
		guint frame_id;
		if (!g_str_has_suffix(m->topic, "/detections"))
			continue;
		/* not inside MIN(), which would parse twice */
		frame_id =
		    (guint)json_object_get_int_member(parse_obj(m->payload, &node), "frame_id");
		first = MIN(first, frame_id);
	}
	/* the oldest were dropped: the last five frames are left */
	g_assert_cmpuint(first, ==, CLIP_FRAMES - 5);
	g_assert_cmpuint(check_events(s, id, "job_end"), ==, 8);
	{
		g_autoptr(SdagTestReply) r2 = NULL;
		g_assert_cmpint(
		    json_object_get_int_member(healthz_mqtt(&f, &r2), "outbox_depth"), ==, 0);
		g_assert_cmpfloat(prom_value(&f, "streamdag_mqtt_outbox_messages"), ==, 0);
		/* nothing was sent while the broker was away, so nothing failed */
		g_assert_cmpfloat(prom_value(&f, "streamdag_mqtt_publish_failures_total"), ==, 0);
	}
	fixture_free(&f);
	sub_free(s);
	broker_free(b);
}

/* The last will: a daemon killed outright is announced offline by the broker. */
static void
test_mqtt_will(void)
{
	Broker *b = broker_start(NULL);
	Sub *s = sub_start(b, "t/available");
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *uri = g_strdup_printf("tcp://127.0.0.1:%u", b->port);
	g_autofree char *conf = g_build_filename(dir, "d.conf", NULL);
	g_autofree char *text =
	    g_strdup_printf("[mqtt]\nbroker=%s\ntopic_root=t\nkeepalive_s=2\n", uri);
	const char *extra[] = {"--config", conf, NULL};
	SdagTestDaemon *d;

	g_assert_true(g_file_set_contents(conf, text, -1, NULL));
	d = sdag_test_daemon_start(dir, g_getenv("SDAG_TEST_PLUGIN_DIR"), extra);
	sub_wait(s, "/available", "online", 10);
	sdag_test_daemon_kill(d);
	sub_wait(s, "/available", "offline", 10);
	sub_free(s);
	broker_free(b);
	sdag_test_rmtree(dir);
}

/* statuses of @job_id at the subscriber, in order, a repeat of a payload already seen (a
 * QoS 1 duplicate, which may come after others when unacknowledged messages are sent
 * again) counted once */
static GPtrArray *
sub_statuses(Sub *s, const char *job_id)
{
	g_autofree char *topic = g_strdup_printf("t/jobs/%s/status", job_id);
	GPtrArray *out = g_ptr_array_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		g_autoptr(JsonNode) node = NULL;

		if (g_strcmp0(m->topic, topic) != 0 || !g_hash_table_add(seen, m->payload))
			continue;
		g_ptr_array_add(out,
				(gpointer)g_intern_string(json_object_get_string_member(
				    parse_obj(m->payload, &node), "status")));
	}
	return out;
}

static gint64
spawned_health(SoupSession *session, SdagTestDaemon *d, const char *member)
{
	g_autoptr(SdagTestReply) r =
	    sdag_test_http(session, d->base, "GET", "/healthz", NULL, NULL, -1);
	return json_object_get_int_member(
	    json_object_get_object_member(sdag_test_reply_object(r), "mqtt"), member);
}

static gint64
spawned_processed(SoupSession *session, SdagTestDaemon *d, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	g_autoptr(SdagTestReply) r = sdag_test_http(session, d->base, "GET", path, NULL, NULL, -1);
	return json_object_get_int_member(sdag_test_reply_object(r), "frames_processed");
}

/* Broker down, the daemon killed with SIGKILL in the middle of two jobs, then the broker back
 * and the daemon restarted: every message the outbox held reaches the subscriber as it was
 * stored, the tracks left open end with "restart", and the statuses the restart itself sets
 * (failed, requeued) are published too. */
static void
test_mqtt_crash(void)
{
	Broker *b = broker_start(NULL);
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *conf = g_build_filename(dir, "d.conf", NULL);
	g_autofree char *text = g_strdup_printf(
	    "[jobs]\nmax_concurrent_jobs=2\n[mqtt]\nbroker=tcp://127.0.0.1:%u\ntopic_root=t\n"
	    "reconnect_max_s=1\n",
	    b->port);
	const char *extra[] = {"--config", conf, "--media-root", media_dir, NULL};
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(GPtrArray) stored = NULL;
	g_autoptr(GPtrArray) st_a = NULL;
	g_autoptr(GPtrArray) st_b = NULL;
	g_autofree char *a = NULL;
	g_autofree char *bid = NULL;
	SdagTestDaemon *d;
	gint64 deadline;
	guint restart_ends = 0;
	Sub *s;

	g_assert_true(g_file_set_contents(conf, text, -1, NULL));
	broker_stop(b);
	d = sdag_test_daemon_start(dir, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), extra);
	/* a: tracks, failed by the restart; b: no detections, requeued by it */
	a = submit_slow(session, d->base, "clip.mp4", "p", "{\"sleep_ms\":100,\"boxes\":2}", NULL);
	bid = submit_slow(session,
			  d->base,
			  "clip.mp4",
			  "p0",
			  "{\"sleep_ms\":100,\"boxes\":0}",
			  "{\"on_interrupt\":\"requeue\"}");
	/* a's frames 0-3 make its 5 events (3 new, 2 updates); 2 statuses each */
	deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	while (spawned_processed(session, d, a) < 5 ||
	       spawned_health(session, d, "outbox_depth") < 2 + 5 + 2) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(20000);
	}
	g_assert_cmpint(spawned_processed(session, d, a), <, CLIP_FRAMES);
	sdag_test_daemon_kill(d);

	/* what the outbox holds, read from the store the killed daemon left */
	{
		g_autofree char *db = g_build_filename(dir, "db", NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagStore) store = sdag_store_open(db, &error);
		g_autoptr(SdagOutbox) outbox = NULL;

		g_assert_no_error(error);
		outbox = sdag_outbox_new(store, &error);
		g_assert_no_error(error);
		stored = sdag_outbox_read(outbox, 0, 1000, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(stored->len, ==, 9);
	}

	broker_run(b);
	s = sub_start(b, "t/#");
	d = sdag_test_daemon_start(dir, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), extra);
	deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	for (;;) {
		g_clear_pointer(&st_b, g_ptr_array_unref);
		st_b = sub_statuses(s, bid);
		if (st_b->len > 0 &&
		    g_strcmp0(g_ptr_array_index(st_b, st_b->len - 1), "completed") == 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin(50);
	}
	spin(300);
	g_assert_cmpint(spawned_health(session, d, "outbox_depth"), ==, 0);

	/* every stored message came, as stored, in the order stored */
	{
		guint from = 0;
		for (guint i = 0; i < stored->len; i++) {
			SdagOutboxMsg *want = g_ptr_array_index(stored, i);
			gboolean found = FALSE;
			for (guint j = from; j < s->msgs->len && !found; j++) {
				Msg *m = g_ptr_array_index(s->msgs, j);
				if (g_strcmp0(m->topic, want->topic) == 0 &&
				    g_strcmp0(m->payload, want->payload) == 0) {
					g_assert_cmpuint(m->qos, ==, want->qos);
					found = TRUE;
					from = j + 1;
				}
			}
			if (!found)
				g_error("stored message %" G_GUINT64_FORMAT " on %s never came",
					want->id,
					want->topic);
		}
	}
	/* a: 5 events before the crash, then its 3 tracks ended by the restart */
	g_assert_cmpuint(check_events(s, a, "restart"), ==, 8);
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o;

		if (!g_str_has_suffix(m->topic, "/events"))
			continue;
		o = parse_obj(m->payload, &node);
		if (g_strcmp0(json_object_get_string_member(o, "type"), "end") != 0)
			continue;
		g_assert_cmpstr(json_object_get_string_member(o, "end_reason"), ==, "restart");
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(o, "after"), "end_reason"),
				==,
				"restart");
		g_assert_cmpint(json_object_get_int_member(o, "seq"), >=, 6);
		restart_ends++;
	}
	g_assert_cmpuint(restart_ends, >=, 3);
	/* the statuses set at start-up were published: a failed (after its end events), b
	 * queued again, then run to the end */
	st_a = sub_statuses(s, a);
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		if (g_str_has_suffix(m->topic, "/status") || g_str_has_suffix(m->topic, "/events"))
			g_test_message("got %s %.150s", m->topic, m->payload);
	}
	g_assert_cmpuint(st_a->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(st_a, 0), ==, "queued");
	g_assert_cmpstr(g_ptr_array_index(st_a, 1), ==, "running");
	g_assert_cmpstr(g_ptr_array_index(st_a, 2), ==, "failed");
	{
		Msg *m = NULL;
		g_autofree char *topic = g_strdup_printf("t/jobs/%s/status", a);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o;

		for (guint i = s->msgs->len; i > 0; i--) {
			m = g_ptr_array_index(s->msgs, i - 1);
			if (g_strcmp0(m->topic, topic) == 0)
				break;
		}
		o = parse_obj(m->payload, &node);
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(o, "error"), "code"),
				==,
				"interrupted");
	}
	g_assert_cmpuint(st_b->len, ==, 5);
	g_assert_cmpstr(g_ptr_array_index(st_b, 0), ==, "queued");
	g_assert_cmpstr(g_ptr_array_index(st_b, 1), ==, "running");
	g_assert_cmpstr(g_ptr_array_index(st_b, 2), ==, "queued");
	g_assert_cmpstr(g_ptr_array_index(st_b, 3), ==, "running");
	g_assert_cmpstr(g_ptr_array_index(st_b, 4), ==, "completed");

	sdag_test_daemon_stop(d, SIGTERM);
	sub_free(s);
	broker_free(b);
	sdag_test_rmtree(dir);
}

/* A wrong password: the daemon runs on and says why it is not connected. */
static void
test_mqtt_auth(void)
{
	g_autofree char *pdir = sdag_test_mkdtemp();
	g_autofree char *pfile = g_build_filename(pdir, "passwd", NULL);
	g_autofree char *extra = NULL;
	g_autoptr(GError) error = NULL;
	gint status = 0;
	Broker *b;
	Fixture f = {0};
	gint64 deadline;

	{
		const char *argv[] = {"mosquitto_passwd", "-b", "-c", pfile, "box", "secret", NULL};
		g_assert_true(g_spawn_sync(NULL,
					   (char **)argv,
					   NULL,
					   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
					       G_SPAWN_STDERR_TO_DEV_NULL,
					   NULL,
					   NULL,
					   NULL,
					   NULL,
					   &status,
					   &error));
		g_assert_no_error(error);
	}
	extra = g_strdup_printf("allow_anonymous false\npassword_file %s", pfile);
	b = broker_start(extra);
	daemon_start(&f, b, 10, "wrong");
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	for (;;) {
		g_autoptr(SdagTestReply) r = NULL;
		JsonObject *h = healthz_mqtt(&f, &r);
		const char *err = json_object_get_string_member(h, "last_error");
		g_assert_cmpuint(r->status, ==, 200);
		g_assert_false(json_object_get_boolean_member(h, "connected"));
		if (err != NULL) {
			if (strstr(err, "code 5") == NULL)
				g_error("unexpected error: %s", err);
			g_assert_null(strstr(err, "wrong"));
			break;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin(50);
	}
	fixture_free(&f);
	memset(&f, 0, sizeof(f));
	daemon_start(&f, b, 10, "secret");
	wait_connected(&f, TRUE);
	fixture_free(&f);
	broker_free(b);
	sdag_test_rmtree(pdir);
}

/* TLS: one CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and a
 * second CA that signed none of them; made once per binary with openssl. */
static char *tls_dir;

static const char *
tls_file(const char *name)
{
	static const char script[] =
	    "set -e\n"
	    "ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	    "openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj /CN=sdag-test-ca\n"
	    "openssl req -x509 $ec -keyout other.key -out other.crt -days 2 -subj /CN=other-ca\n"
	    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.cnf\n"
	    "openssl req $ec -keyout server.key -out server.csr -subj /CN=localhost\n"
	    "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    "-days 2 -extfile san.cnf -out server.crt\n"
	    "openssl req $ec -keyout client.key -out client.csr -subj /CN=box\n"
	    "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    "-days 2 -out client.crt\n";

	if (tls_dir == NULL) {
		g_autoptr(GError) error = NULL;
		g_autofree char *err = NULL;
		gint status = 0;
		const char *argv[] = {"sh", "-c", script, NULL};

		tls_dir = sdag_test_mkdtemp();
		g_assert_true(g_spawn_sync(tls_dir,
					   (char **)argv,
					   NULL,
					   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
					   NULL,
					   NULL,
					   NULL,
					   &err,
					   &status,
					   &error));
		g_assert_no_error(error);
		if (!g_spawn_check_wait_status(status, NULL))
			g_error("openssl failed: %s", err);
	}
	{
		g_autofree char *path = g_build_filename(tls_dir, name, NULL);
		return g_intern_string(path);
	}
}

/* until /healthz has a last_error; asserts the daemon stays unconnected and answering */
static char *
wait_last_error(Fixture *f)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(SdagTestReply) r = NULL;
		JsonObject *h = healthz_mqtt(f, &r);
		const char *err = json_object_get_string_member(h, "last_error");

		g_assert_cmpuint(r->status, ==, 200);
		g_assert_false(json_object_get_boolean_member(h, "connected"));
		if (err != NULL)
			return g_strdup(err);
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin(50);
	}
}

static void
test_mqtt_tls(void)
{
	guint16 tls_port = sdag_test_free_port();
	guint16 mtls_port = sdag_test_free_port();
	g_autofree char *extra =
	    g_strdup_printf("allow_anonymous true\n"
			    "listener %u 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n"
			    "listener %u 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n"
			    "require_certificate true\n",
			    tls_port,
			    tls_file("ca.crt"),
			    tls_file("server.crt"),
			    tls_file("server.key"),
			    mtls_port,
			    tls_file("ca.crt"),
			    tls_file("server.crt"),
			    tls_file("server.key"));
	g_autofree char *tls_uri = g_strdup_printf("ssl://127.0.0.1:%u", tls_port);
	g_autofree char *mtls_uri = g_strdup_printf("ssl://127.0.0.1:%u", mtls_port);
	Broker *b = broker_start(extra);
	Sub *s = sub_start(b, "t/#");
	Fixture f = {0};
	g_autofree char *id = NULL;
	g_autofree char *err = NULL;

	/* the broker's certificate checked against its CA, host name included */
	{
		const char *kv[] = {"ca_file", tls_file("ca.crt"), "tls_verify", "true", NULL};
		daemon_start_full(&f, tls_uri, 100, kv);
	}
	wait_connected(&f, TRUE);
	id = submit(&f, NULL);
	wait_job(&f, id);
	sub_wait(s, "/status", "\"completed\"", 10);
	g_assert_cmpuint(sub_count(s, "/detections"), ==, CLIP_FRAMES);
	daemon_stop(&f);

	/* a CA that did not sign it: refused, said in /healthz, the daemon serves on */
	{
		const char *kv[] = {"ca_file", tls_file("other.crt"), "tls_verify", "true", NULL};
		daemon_start_full(&f, tls_uri, 100, kv);
	}
	err = wait_last_error(&f);
	if (strstr(err, "certificate verify failed") == NULL)
		g_error("unexpected error: %s", err);
	g_clear_pointer(&err, g_free);
	spin(500);
	g_assert_false(mqtt_connected(&f));
	daemon_stop(&f);

	/* mutual TLS: without a client certificate the broker refuses; with one it accepts */
	{
		const char *kv[] = {"ca_file", tls_file("ca.crt"), "tls_verify", "true", NULL};
		daemon_start_full(&f, mtls_uri, 100, kv);
	}
	err = wait_last_error(&f);
	g_assert_nonnull(err);
	daemon_stop(&f);
	{
		const char *kv[] = {"ca_file",
				    tls_file("ca.crt"),
				    "tls_verify",
				    "true",
				    "cert_file",
				    tls_file("client.crt"),
				    "key_file",
				    tls_file("client.key"),
				    NULL};
		daemon_start_full(&f, mtls_uri, 100, kv);
	}
	wait_connected(&f, TRUE);
	g_clear_pointer(&id, g_free);
	id = submit(&f, NULL);
	wait_job(&f, id);
	{
		g_autofree char *want = g_strdup_printf("t/jobs/%s/status", id);
		sub_wait(s, want, "\"completed\"", 10);
	}
	fixture_free(&f);
	sub_free(s);
	broker_free(b);
}

static void
pub(Broker *b, const char *topic, const char *payload)
{
	g_autofree char *port = g_strdup_printf("%u", b->port);
	g_autoptr(GError) error = NULL;
	gint status = 0;
	const char *argv[] = {"mosquitto_pub",
			      "-h",
			      "127.0.0.1",
			      "-p",
			      port,
			      "-q",
			      "1",
			      "-t",
			      topic,
			      "-m",
			      payload,
			      NULL};

	g_assert_true(g_spawn_sync(NULL,
				   (char **)argv,
				   NULL,
				   G_SPAWN_SEARCH_PATH,
				   NULL,
				   NULL,
				   NULL,
				   NULL,
				   &status,
				   &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* Home Assistant: jobs no camera runs have no entities (their ids change with each
 * submission, and Home Assistant would keep every dead one), not even when Home Assistant
 * asks for every config again. Cameras' devices: tests/sdag-camlive-test.c. */
static void
test_mqtt_ha(void)
{
	Broker *b = broker_start(NULL);
	Sub *s = sub_start(b, "homeassistant/#");
	Sub *all = sub_start(b, "t/#");
	Fixture f = {0};
	g_autofree char *id1 = NULL;
	g_autofree char *id2 = NULL;

	daemon_start(&f, b, 100, NULL);
	wait_connected(&f, TRUE);
	id1 = submit(&f, NULL);
	id2 = submit(&f, NULL);
	wait_job(&f, id1);
	wait_job(&f, id2);
	sub_wait(all, "/status", "\"completed\"", 10);
	pub(b, "homeassistant/status", "online");
	spin(500);
	/* the jobs did publish; Home Assistant heard nothing */
	g_assert_cmpuint(sub_count(all, "/status"), >=, 6);
	g_assert_cmpuint(sub_count(s, "/config"), ==, 0);
	fixture_free(&f);
	sub_free(all);
	sub_free(s);
	broker_free(b);
}

/* the values published on @suffix, in order, as text */
static char *
sub_values(Sub *s, const char *suffix)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		if (!g_str_has_suffix(m->topic, suffix))
			continue;
		g_assert_cmpuint(m->qos, ==, 1);
		g_string_append_printf(out, "%s%s", out->len > 0 ? "," : "", m->payload);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static JsonArray *
strings_of(JsonObject *o, const char *member)
{
	return json_object_get_array_member(o, member);
}

/* Zone and line counts on their retained topics (only on change), and a track's
 * enter/cross/exit events with its zones and lines (tests/job-plugins/sdag-node-zones.c). */
static void
test_mqtt_zones(void)
{
	Broker *b = broker_start(NULL);
	Sub *s = sub_start(b, "t/#");
	Fixture f = {0};
	g_autofree char *url = g_strdup_printf("file://%s/clip.mp4", media_dir);
	g_autofree char *body = NULL;
	g_autofree char *id = NULL;
	g_autofree char *zone = NULL;
	g_autofree char *line_in = NULL;
	g_autofree char *line_out = NULL;
	g_autoptr(GPtrArray) events =
	    g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);

	daemon_start(&f, b, 1000, NULL);
	wait_connected(&f, TRUE);
	{
		g_autoptr(SdagTestReply) r =
		    http(&f,
			 "POST",
			 "/pipelines",
			 "{\"pipeline_id\":\"z\",\"nodes\":[{\"id\":\"z\",\"type\":\"zones\"}],"
			 "\"edges\":[{\"from\":\"source.frame\",\"to\":\"z.frame\"}],"
			 "\"outputs\":[\"z.detections\",\"z.events\",\"z.counts\"]}");
		g_assert_cmpuint(r->status, ==, 201);
	}
	body = g_strdup_printf("{\"pipeline_id\":\"z\",\"video_url\":\"%s\"}", url);
	{
		g_autoptr(SdagTestReply) r = http(&f, "POST", "/jobs", body);
		g_assert_cmpuint(r->status, ==, 202);
		id = g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
	}
	wait_job(&f, id);
	sub_wait(s, "/status", "\"completed\"", 10);
	spin(200);

	/* counts: each published when it changed, the first frame's value included */
	zone = g_strdup_printf("t/%s/zone/door/person", id);
	line_in = g_strdup_printf("t/%s/line/gate/person/in", id);
	line_out = g_strdup_printf("t/%s/line/gate/person/out", id);
	{
		g_autofree char *v = sub_values(s, zone);
		g_assert_cmpstr(v, ==, "0,1,0");
	}
	{
		g_autofree char *v = sub_values(s, line_in);
		g_assert_cmpstr(v, ==, "0,1");
	}
	{
		g_autofree char *v = sub_values(s, line_out);
		g_assert_cmpstr(v, ==, "0");
	}

	/* events: new, enter door, cross gate, exit door, end */
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		JsonNode *node = NULL;
		if (g_strcmp0(m->topic, "t/events") != 0)
			continue;
		parse_obj(m->payload, &node);
		g_ptr_array_add(events, node);
	}
	g_assert_cmpuint(events->len, ==, 5);
	{
		static const char *const types[] = {"new", "update", "update", "update", "end"};
		/* current_zones, entered_zones, crossed lines after each event */
		static const char *const cur[] = {"", "door", "door", "", ""};
		static const guint crossed[] = {0, 0, 1, 1, 1};
		static const gint64 frames[] = {0, 2, 5, 8, 0};

		for (guint i = 0; i < events->len; i++) {
			JsonObject *o = json_node_get_object(g_ptr_array_index(events, i));
			JsonObject *after = json_object_get_object_member(o, "after");
			JsonArray *cz = strings_of(after, "current_zones");
			JsonArray *ez = strings_of(after, "entered_zones");

			g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, types[i]);
			g_assert_cmpint(json_object_get_int_member(o, "seq"), ==, i + 1);
			g_assert_cmpint(json_object_get_int_member(o, "track_id"), ==, 7);
			g_assert_cmpstr(
			    json_object_get_string_member(after, "label"), ==, "person");
			if (cur[i][0] == '\0') {
				g_assert_cmpuint(json_array_get_length(cz), ==, 0);
			} else {
				g_assert_cmpuint(json_array_get_length(cz), ==, 1);
				g_assert_cmpstr(json_array_get_string_element(cz, 0), ==, cur[i]);
			}
			/* entered_zones keeps "door" once entered */
			g_assert_cmpuint(json_array_get_length(ez), ==, i == 0 ? 0 : 1);
			if (i > 0)
				g_assert_cmpstr(json_array_get_string_element(ez, 0), ==, "door");
			g_assert_cmpuint(json_array_get_length(strings_of(after, "crossed_lines")),
					 ==,
					 crossed[i]);
			if (crossed[i] > 0) {
				JsonObject *c = json_array_get_object_element(
				    strings_of(after, "crossed_lines"), 0);
				g_assert_cmpstr(
				    json_object_get_string_member(c, "line"), ==, "gate");
				g_assert_cmpstr(
				    json_object_get_string_member(c, "direction"), ==, "in");
				g_assert_cmpint(json_object_get_int_member(c, "frame_id"), ==, 5);
			}
			/* the frame each change happened on */
			if (i >= 1 && i <= 3)
				g_assert_cmpint(
				    json_object_get_int_member(after, "frame_id"), ==, frames[i]);
		}
		g_assert_cmpstr(
		    json_object_get_string_member(
			json_node_get_object(g_ptr_array_index(events, 4)), "end_reason"),
		    ==,
		    "job_end");
	}
	fixture_free(&f);

	/* a late subscriber gets the last count of each, retained */
	{
		Sub *late = sub_start(b, "t/+/+/#");
		gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
		const char *want[][2] = {{zone, "0"}, {line_in, "1"}, {line_out, "0"}};

		while (sub_count(late, "/out") == 0 || sub_count(late, "/in") == 0 ||
		       sub_count(late, "/person") == 0) {
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			spin(20);
		}
		for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
			Msg *m = sub_last(late, want[i][0]);
			g_assert_nonnull(m);
			g_assert_true(m->retain);
			g_assert_cmpstr(m->payload, ==, want[i][1]);
		}
		sub_free(late);
	}
	sub_free(s);
	broker_free(b);
}

/* Names that become topic levels */

/* One daemon (and broker) for every row: registration needs no delivery. */
static Broker *names_broker;
static Fixture names_fixture;

/* Every shipped node with a name or label list that reaches a topic; @bad replaces the
 * params of the node it names. */
static char *
names_pipeline(const char *pid, const char *node, const char *params)
{
	const char *ids[] = {"m", "f", "t", "z", "l", "c", "h"};
	const char *good[] = {
	    "{}",
	    "{\"labels\":[\"motion\"]}",
	    "{}",
	    "{\"name\":\"door\",\"labels\":[\"motion\"],\"polygon\":[[0,0],[80,0],[80,60]]}",
	    "{\"name\":\"gate\",\"line\":[[0,30],[160,30]]}",
	    "{\"labels\":[\"motion\"]}",
	    "{\"label\":\"face\"}",
	};
	const char *p[G_N_ELEMENTS(ids)];

	for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
		p[i] = g_strcmp0(ids[i], node) == 0 ? params : good[i];
	return g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"nodes\":["
	    "{\"id\":\"m\",\"type\":\"motion\",\"params\":%s},"
	    "{\"id\":\"f\",\"type\":\"filter\",\"params\":%s},"
	    "{\"id\":\"t\",\"type\":\"tracker\",\"params\":%s},"
	    "{\"id\":\"z\",\"type\":\"zone\",\"params\":%s},"
	    "{\"id\":\"l\",\"type\":\"line_counter\",\"params\":%s},"
	    "{\"id\":\"c\",\"type\":\"count\",\"params\":%s},"
	    "{\"id\":\"h\",\"type\":\"haar\",\"params\":%s}],\"edges\":["
	    "{\"from\":\"source.frame\",\"to\":\"m.frame\"},"
	    "{\"from\":\"m.detections\",\"to\":\"f.detections\"},"
	    "{\"from\":\"f.detections\",\"to\":\"t.detections\"},"
	    "{\"from\":\"t.tracks\",\"to\":\"z.tracks\"},"
	    "{\"from\":\"t.tracks\",\"to\":\"l.tracks\"},"
	    "{\"from\":\"m.detections\",\"to\":\"c.detections\"},"
	    "{\"from\":\"source.frame\",\"to\":\"h.frame\"}],"
	    "\"outputs\":[\"z.counts\",\"l.counts\",\"c.counts\",\"h.detections\"]}",
	    pid,
	    p[0],
	    p[1],
	    p[2],
	    p[3],
	    p[4],
	    p[5],
	    p[6]);
}

static Fixture *
names_daemon(void)
{
	if (names_fixture.daemon == NULL) {
		g_autofree char *body = names_pipeline("named", "", "");
		g_autoptr(SdagTestReply) r = NULL;

		names_broker = broker_start(NULL);
		daemon_start(&names_fixture, names_broker, 10, NULL);
		r = http(&names_fixture, "POST", "/pipelines", body);
		g_assert_cmpuint(r->status, ==, 201);
	}
	return &names_fixture;
}

typedef struct {
	const char *path;
	const char *node;
	const char *param;
	const char *params;
} NameCase;

static const NameCase name_cases[] = {
    {"zone-hash", "z", "name", "{\"name\":\"door/#\",\"polygon\":[[0,0],[80,0],[80,60]]}"},
    {"zone-plus", "z", "name", "{\"name\":\"a+b\",\"polygon\":[[0,0],[80,0],[80,60]]}"},
    {"zone-slash", "z", "name", "{\"name\":\"x/y\",\"polygon\":[[0,0],[80,0],[80,60]]}"},
    {"zone-empty", "z", "name", "{\"name\":\"\",\"polygon\":[[0,0],[80,0],[80,60]]}"},
    /* json-glib keeps a string up to its first NUL, so this one is empty by then */
    {"zone-nul", "z", "name", "{\"name\":\"\\u0000door\",\"polygon\":[[0,0],[80,0],[80,60]]}"},
    {"zone-control", "z", "name", "{\"name\":\"do\\u001bor\",\"polygon\":[[0,0],[80,0],[80,60]]}"},
    {"zone-label",
     "z",
     "labels",
     "{\"labels\":[\"person\",\"a/b\"],\"polygon\":[[0,0],[9,0],[9,9]]}"},
    {"line-name", "l", "name", "{\"name\":\"in+out\",\"line\":[[0,30],[160,30]]}"},
    {"line-label", "l", "labels", "{\"labels\":[\"#\"],\"line\":[[0,30],[160,30]]}"},
    {"filter-label", "f", "labels", "{\"labels\":[\"\"]}"},
    {"count-label", "c", "labels", "{\"labels\":[\"car+\"]}"},
    {"haar-label", "h", "label", "{\"label\":\"fa/ce\"}"},
};

/* Refused at registration with the node and the param named; what was stored before is
 * untouched. */
static void
test_mqtt_bad_name(gconstpointer data)
{
	const NameCase *tc = data;
	Fixture *f = names_daemon();
	g_autofree char *pid = g_strdup_printf("bad-%s", tc->path);
	g_autofree char *body = names_pipeline(pid, tc->node, tc->params);
	g_autofree char *path = g_strdup_printf("/pipelines/%s", pid);
	g_autoptr(SdagTestReply) r = http(f, "POST", "/pipelines", body);
	JsonObject *err;
	const char *code;

	g_assert_cmpuint(r->status, ==, 400);
	err = json_object_get_object_member(sdag_test_reply_object(r), "error");
	code = json_object_get_string_member(err, "code");
	/* a NUL may be refused where the body enters, as bad JSON, before any param */
	if (g_strcmp0(tc->path, "zone-nul") != 0 || g_strcmp0(code, "bad_json") != 0) {
		JsonArray *problems = json_object_get_array_member(
		    json_object_get_object_member(err, "details"), "problems");
		JsonObject *p;

		g_assert_cmpstr(code, ==, "bad_param");
		g_assert_cmpuint(json_array_get_length(problems), ==, 1);
		p = json_array_get_object_element(problems, 0);
		g_assert_cmpstr(json_object_get_string_member(p, "code"), ==, "bad_param");
		g_assert_cmpstr(json_object_get_string_member(p, "node"), ==, tc->node);
		g_assert_cmpstr(json_object_get_string_member(p, "param"), ==, tc->param);
		g_assert_nonnull(
		    strstr(json_object_get_string_member(p, "reason"), "MQTT topic level"));
	}
	g_clear_pointer(&r, sdag_test_reply_free);
	r = http(f, "GET", path, NULL);
	g_assert_cmpuint(r->status, ==, 404);
	g_clear_pointer(&r, sdag_test_reply_free);
	r = http(f, "GET", "/pipelines/named", NULL);
	g_assert_cmpuint(r->status, ==, 200);
	{
		JsonObject *z = json_array_get_object_element(
		    json_object_get_array_member(
			json_object_get_object_member(sdag_test_reply_object(r), "definition"),
			"nodes"),
		    3);
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(z, "params"), "name"),
				==,
				"door");
	}
}

/* Dead letters */

typedef struct {
	const char *path;
	const char *broker;   /* the broker's config beyond its listener */
	const char *protocol; /* [mqtt] protocol_version */
	const char *topic;    /* of the message that cannot be delivered; NULL: not JSON */
	gsize payload_len;    /* of its payload, 'x's */
	const char *reason;   /* part of its dead letter's reason */
	guint qos;
} DeadCase;

static const DeadCase dead_cases[] = {
    /* written by a daemon before topics were checked: mosquitto drops the connection */
    {"invalid-topic",
     NULL,
     "3.1.1",
     "t/j1/zone/door/#/person",
     1,
     "invalid topic: not a valid MQTT topic level: '#'",
     1},
    {"plus", NULL, "3.1.1", "t/j1/zone/a+b/person", 1, "'+' is not allowed", 1},
    /* a record no daemon writes, but a damaged one might hold */
    {"bad-qos", NULL, "3.1.1", "t/jobs/j4/status", 1, "invalid QoS 3", 3},
    /* NULL topic: a record that is not JSON at all */
    {"unreadable", NULL, "3.1.1", NULL, 1, "the stored record does not parse", 1},
    /* over mosquitto's max_packet_size: it drops the connection without a word */
    {"too-large-v311",
     "allow_anonymous true\nmax_packet_size 2000",
     "3.1.1",
     "t/jobs/j2/status",
     4000,
     "failed 3 times; last: connection lost",
     1},
    /* over message_size_limit: an MQTT 5 broker answers PUBACK 0x95 */
    {"too-large-v5",
     "allow_anonymous true\nmessage_size_limit 1000",
     "5",
     "t/jobs/j3/status",
     4000,
     "reason code 0x95",
     1},
};

/* The dead letters of /healthz: @count kept, the newest to @topic for @reason; the outbox
 * empty and the counter of /metrics at @count. */
static void
assert_dead_letters(Fixture *f, gint64 count, const char *topic, const char *reason)
{
	g_autoptr(SdagTestReply) r = NULL;
	JsonObject *h = healthz_mqtt(f, &r);
	JsonObject *dead = json_object_get_object_member(h, "dead_letters");
	JsonArray *newest;
	JsonObject *d;

	g_assert_nonnull(dead);
	g_assert_cmpint(json_object_get_int_member(h, "outbox_depth"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(dead, "count"), ==, count);
	g_assert_cmpint(json_object_get_int_member(dead, "total"), ==, count);
	newest = json_object_get_array_member(dead, "newest");
	g_assert_cmpuint(json_array_get_length(newest), ==, MIN(count, 5));
	d = json_array_get_object_element(newest, 0);
	g_assert_cmpint(json_object_get_int_member(d, "id"), ==, count);
	g_assert_cmpstr(json_object_get_string_member(d, "topic"), ==, topic);
	if (strstr(json_object_get_string_member(d, "reason"), reason) == NULL)
		g_error("dead letter reason '%s' lacks '%s'",
			json_object_get_string_member(d, "reason"),
			reason);
	g_assert_nonnull(json_object_get_string_member(d, "time"));
	g_assert_cmpfloat(prom_value(f, "streamdag_mqtt_dead_letters_total"), ==, (double)count);
}

static void
wait_outbox_empty(Fixture *f)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(SdagTestReply) r = NULL;
		if (json_object_get_int_member(healthz_mqtt(f, &r), "outbox_depth") == 0)
			return;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin(50);
	}
}

/* A message the broker cannot take, left in the outbox ahead of good ones as a daemon would
 * have written it: the good ones arrive, it becomes a dead letter, and a restart neither
 * sends it again nor forgets it. */
static void
test_mqtt_dead_letter(gconstpointer data)
{
	const DeadCase *tc = data;
	Broker *b = broker_start(tc->broker);
	Sub *s = sub_start(b, "t/#");
	Fixture f = {0};
	g_autofree char *uri = g_strdup_printf("tcp://127.0.0.1:%u", b->port);
	const char *kv[] = {"protocol_version", tc->protocol, NULL};
	g_autofree char *payload = g_strnfill(tc->payload_len, 'x');

	f.dir = sdag_test_mkdtemp();
	{
		g_autofree char *db = g_build_filename(f.dir, "db", NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(SdagStore) store = sdag_store_open(db, &error);
		g_autoptr(SdagOutbox) outbox = NULL;

		g_assert_no_error(error);
		outbox = sdag_outbox_new(store, &error);
		g_assert_no_error(error);
		if (tc->topic != NULL) {
			g_assert_cmpuint(
			    sdag_outbox_add(outbox, tc->topic, payload, tc->qos, FALSE, 0, &error),
			    ==,
			    1);
		} else {
			/* message 1, as sdag-outbox.c keys it */
			const guint8 key[9] = {'m', 0, 0, 0, 0, 0, 0, 0, 1};
			g_assert_true(sdag_store_put(store,
						     SDAG_STORE_OUTBOX,
						     key,
						     sizeof(key),
						     (const guint8 *)"{\"to",
						     4,
						     FALSE,
						     &error));
			g_clear_pointer(&outbox, sdag_outbox_free);
			outbox = sdag_outbox_new(store, &error);
		}
		for (guint i = 1; i <= 3; i++) {
			g_autofree char *topic = g_strdup_printf("t/good/%u", i);
			g_autofree char *text = g_strdup_printf("g%u", i);
			g_assert_cmpuint(
			    sdag_outbox_add(outbox, topic, text, 1, FALSE, 0, &error), >, 1);
		}
	}
	daemon_start_full(&f, uri, 10, kv);
	sub_wait(s, "t/good/3", "g3", 20);
	wait_outbox_empty(&f);
	for (guint i = 1; i <= 3; i++) {
		g_autofree char *topic = g_strdup_printf("t/good/%u", i);
		g_autofree char *text = g_strdup_printf("g%u", i);
		g_assert_true(sub_has_payload(s, topic, text));
	}
	assert_dead_letters(&f, 1, tc->topic != NULL ? tc->topic : "", tc->reason);

	daemon_stop(&f);
	g_ptr_array_set_size(s->msgs, 0);
	daemon_start_full(&f, uri, 10, kv);
	wait_connected(&f, TRUE);
	sub_wait(s, "t/available", "online", 10);
	spin(300);
	assert_dead_letters(&f, 1, tc->topic != NULL ? tc->topic : "", tc->reason);
	g_assert_cmpuint(sub_count(s, "/status"), ==, 0);
	g_assert_cmpuint(sub_count(s, "/person"), ==, 0);
	fixture_free(&f);
	sub_free(s);
	broker_free(b);
}

/* Dead letters are bounded: the newest 1000 are kept, the numbering goes on across a
 * reopen, and a message already acknowledged is not made one. */
static void
test_mqtt_dead_letter_bounded(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *db = g_build_filename(dir, "db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagStore) store = sdag_store_open(db, &error);
	g_autoptr(SdagOutbox) outbox = NULL;
	g_autoptr(GPtrArray) dead = NULL;
	const guint n = 1005;

	g_assert_no_error(error);
	outbox = sdag_outbox_new(store, &error);
	g_assert_no_error(error);
	for (guint i = 1; i <= n; i++) {
		g_autofree char *topic = g_strdup_printf("t/j/zone/z%u/#", i);
		g_autoptr(SdagOutboxMsg) m = NULL;

		g_assert_cmpuint(sdag_outbox_add(outbox, topic, "1", 1, TRUE, 0, &error), ==, i);
		m = sdag_outbox_get(outbox, i, &error);
		g_assert_no_error(error);
		g_assert_true(sdag_outbox_dead_letter(outbox, m, "invalid topic", &error));
		g_assert_no_error(error);
	}
	/* acknowledged meanwhile: gone from the outbox, so nothing to move */
	{
		g_autoptr(SdagOutboxMsg) m = NULL;

		g_assert_cmpuint(
		    sdag_outbox_add(outbox, "t/ok", "1", 1, FALSE, 0, &error), ==, n + 1);
		m = sdag_outbox_get(outbox, n + 1, &error);
		g_assert_true(sdag_outbox_remove(outbox, n + 1, &error));
		g_assert_true(sdag_outbox_dead_letter(outbox, m, "late", &error));
		g_assert_null(sdag_outbox_get(outbox, n + 1, &error));
		g_assert_no_error(error);
	}
	for (guint pass = 0; pass < 2; pass++) {
		JsonObject *o;

		g_assert_cmpuint(sdag_outbox_get_depth(outbox), ==, 0);
		g_assert_cmpuint(sdag_outbox_get_dead_count(outbox), ==, 1000);
		g_assert_cmpuint(sdag_outbox_get_dead_total(outbox), ==, n);
		dead = sdag_outbox_read_dead(outbox, 2000, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(dead->len, ==, 1000);
		o = json_node_get_object(g_ptr_array_index(dead, 0));
		g_assert_cmpint(json_object_get_int_member(o, "id"), ==, n);
		g_assert_cmpint(json_object_get_int_member(o, "outbox_id"), ==, n);
		g_assert_cmpstr(json_object_get_string_member(o, "topic"), ==, "t/j/zone/z1005/#");
		g_assert_cmpstr(json_object_get_string_member(o, "payload"), ==, "1");
		g_assert_true(json_object_get_boolean_member(o, "retain"));
		o = json_node_get_object(g_ptr_array_index(dead, 999));
		g_assert_cmpint(json_object_get_int_member(o, "id"), ==, n - 999);
		g_clear_pointer(&dead, g_ptr_array_unref);
		/* the same after a restart */
		g_clear_pointer(&outbox, sdag_outbox_free);
		outbox = sdag_outbox_new(store, &error);
		g_assert_no_error(error);
	}
	g_clear_pointer(&outbox, sdag_outbox_free);
	g_clear_pointer(&store, sdag_store_free);
	sdag_test_rmtree(dir);
}

/* A detector's label is not a pipeline param: a count named after a label that is not one
 * topic level is never published (it would land on another topic, or drop the connection),
 * and delivery goes on. */
static void
test_mqtt_dead_letter_label(void)
{
	Broker *b = broker_start(NULL);
	Sub *s = sub_start(b, "t/#");
	Fixture f = {0};
	g_autofree char *url = g_strdup_printf("file://%s/clip.mp4", media_dir);
	g_autofree char *body = NULL;
	g_autofree char *id = NULL;
	g_autofree char *topic = NULL;
	g_autoptr(GError) error = NULL;

	g_autofree char *plugins = sdag_test_mkdtemp();
	g_autofree char *so =
	    g_build_filename(g_getenv("SDAG_TEST_EXTRA_PLUGIN_DIR"), "sdag-node-detector.so", NULL);
	g_autofree char *link = g_build_filename(plugins, "sdag-node-detector.so", NULL);

	daemon_start(&f, b, 1000, NULL);
	/* the test detector takes any label (alone: its neighbours are broken on purpose) */
	g_assert_cmpint(symlink(so, link), ==, 0);
	g_assert_true(sdag_node_types_load_dir(f.daemon->types, plugins, &error));
	g_assert_no_error(error);
	wait_connected(&f, TRUE);
	{
		g_autoptr(SdagTestReply) r = http(
		    &f,
		    "POST",
		    "/pipelines",
		    "{\"pipeline_id\":\"lab\",\"nodes\":[{\"id\":\"d\",\"type\":\"test_detector\","
		    "\"params\":{\"label\":\"a/b\"}},{\"id\":\"c\",\"type\":\"count\"}],\"edges\":["
		    "{\"from\":\"source.frame\",\"to\":\"d.frame\"},"
		    "{\"from\":\"d.detections\",\"to\":\"c.detections\"}],"
		    "\"outputs\":[\"c.counts\"]}");
		g_assert_cmpuint(r->status, ==, 201);
	}
	body = g_strdup_printf("{\"pipeline_id\":\"lab\",\"video_url\":\"%s\"}", url);
	{
		g_autoptr(SdagTestReply) r = http(&f, "POST", "/jobs", body);
		g_assert_cmpuint(r->status, ==, 202);
		id = g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
	}
	wait_job(&f, id);
	sub_wait(s, "/status", "\"completed\"", 10);
	wait_outbox_empty(&f);
	spin(200);
	for (guint i = 0; i < s->msgs->len; i++) {
		Msg *m = g_ptr_array_index(s->msgs, i);
		g_assert_null(strstr(m->topic, "/count/"));
		g_assert_false(g_str_has_prefix(m->topic, "homeassistant/sensor/") &&
			       strstr(m->topic, "_count_") != NULL);
	}
	/* current/a/b once (1), total/a/b on each of the frames (1, 2, ...) */
	topic = g_strdup_printf("t/%s/count/total/a/b", id);
	assert_dead_letters(
	    &f, 1 + CLIP_FRAMES, topic, "invalid topic: label: not a valid MQTT topic level: '/'");
	fixture_free(&f);
	sub_free(s);
	broker_free(b);
	sdag_test_rmtree(plugins);
}

/* options.mqtt is checked at submission */
static void
test_mqtt_options(void)
{
	Broker *b = broker_start(NULL);
	Fixture f = {0};
	g_autofree char *url = g_strdup_printf("file://%s/clip.mp4", media_dir);
	static const char *const bad[] = {
	    "{\"mqtt\":{\"bogus\":1}}",
	    "{\"mqtt\":{\"qos_events\":3}}",
	    "{\"mqtt\":{\"publish_events\":1}}",
	    "{\"mqtt\":[]}",
	    "{\"mqtt\":{\"progress_interval_ms\":5}}",
	};

	daemon_start(&f, b, 10, NULL);
	g_free(submit(&f, NULL)); /* registers the pipeline */
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *body = g_strdup_printf(
		    "{\"pipeline_id\":\"p\",\"video_url\":\"%s\",\"options\":%s}", url, bad[i]);
		g_autoptr(SdagTestReply) r = http(&f, "POST", "/jobs", body);
		sdag_test_assert_error(r, 400, "bad_option");
	}
	fixture_free(&f);
	broker_free(b);
}

/* websocket */

typedef struct {
	SoupWebsocketConnection *conn;
	GPtrArray *texts;
	gboolean closed;
	gushort code;
} WsClient;

static void
ws_message_cb(SoupWebsocketConnection *c, gint type, GBytes *data, gpointer user_data)
{
	WsClient *w = user_data;
	g_ptr_array_add(w->texts, g_strndup(g_bytes_get_data(data, NULL), g_bytes_get_size(data)));
}

static void
ws_closed_cb(SoupWebsocketConnection *c, gpointer user_data)
{
	WsClient *w = user_data;
	w->closed = TRUE;
	w->code = soup_websocket_connection_get_close_code(c);
}

static void
ws_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	WsClient *w = user_data;
	g_autoptr(GError) error = NULL;

	w->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
	g_assert_no_error(error);
	g_signal_connect(w->conn, "message", G_CALLBACK(ws_message_cb), w);
	g_signal_connect(w->conn, "closed", G_CALLBACK(ws_closed_cb), w);
}

static WsClient *
ws_connect(Fixture *f, const char *id)
{
	WsClient *w = g_new0(WsClient, 1);
	g_autofree char *url = g_strdup_printf("%s/jobs/%s/events", f->base, id);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);

	w->texts = g_ptr_array_new_with_free_func(g_free);
	soup_session_websocket_connect_async(
	    f->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_connected_cb, w);
	while (w->conn == NULL)
		g_main_context_iteration(NULL, TRUE);
	return w;
}

static void
ws_free(WsClient *w)
{
	g_object_unref(w->conn);
	g_ptr_array_unref(w->texts);
	g_free(w);
}

static void
test_ws(void)
{
	Broker *b = broker_start(NULL);
	Fixture f = {0};
	g_autofree char *id = NULL;
	WsClient *w1;
	WsClient *w2;
	gint64 deadline;
	guint dets = 0;

	daemon_start(&f, b, 1000, NULL);
	{
		g_autoptr(SdagTestReply) r = http(&f, "GET", "/jobs/nope/events", NULL);
		sdag_test_assert_error(r, 404, "job_not_found");
	}
	id = submit(&f, "{\"stride\":1}");
	{
		g_autofree char *path = g_strdup_printf("/jobs/%s/events", id);
		g_autoptr(SdagTestReply) r = http(&f, "GET", path, NULL);
		sdag_test_assert_error(r, 400, "bad_request");
	}
	w1 = ws_connect(&f, id);
	w2 = ws_connect(&f, id);
	deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	while (!(w1->closed && w2->closed)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, TRUE);
	}
	g_assert_cmpuint(w1->code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
	g_assert_cmpuint(w2->code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
	/* both saw the same messages, from the same point on */
	g_assert_cmpuint(w1->texts->len, >, 0);
	for (guint i = 0; i < MIN(w1->texts->len, w2->texts->len); i++) {
		g_autoptr(JsonNode) n1 = NULL;
		g_autoptr(JsonNode) n2 = NULL;
		JsonObject *o1 =
		    parse_obj(g_ptr_array_index(w1->texts, w1->texts->len - 1 - i), &n1);
		JsonObject *o2 =
		    parse_obj(g_ptr_array_index(w2->texts, w2->texts->len - 1 - i), &n2);
		if (g_strcmp0(json_object_get_string_member(o1, "type"), "progress") == 0)
			continue;
		g_assert_cmpstr(json_object_get_string_member(o1, "type"),
				==,
				json_object_get_string_member(o2, "type"));
		if (g_strcmp0(json_object_get_string_member(o1, "type"), "detections") == 0)
			dets++;
	}
	{
		g_autoptr(JsonNode) n = NULL;
		JsonObject *last = parse_obj(g_ptr_array_index(w1->texts, w1->texts->len - 1), &n);
		g_assert_cmpstr(json_object_get_string_member(last, "type"), ==, "status");
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(last, "payload"), "status"),
				==,
				"completed");
	}
	g_assert_cmpuint(dets, >, 0);
	ws_free(w1);
	ws_free(w2);
	fixture_free(&f);
	broker_free(b);
}

/* A WebSocket client that sends its handshake and then reads nothing, with a small receive
 * buffer, so that the daemon's side fills up at once. */
static GSocket *
ws_raw_connect(Fixture *f, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) a =
	    g_inet_socket_address_new(lo, sdag_daemon_get_port(f->daemon));
	GSocket *sock =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	g_autofree char *req = g_strdup_printf(
	    "GET /jobs/%s/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n",
	    id);

	g_assert_no_error(error);
	g_assert_true(g_socket_set_option(sock, SOL_SOCKET, SO_RCVBUF, 4096, &error));
	g_assert_true(g_socket_connect(sock, a, NULL, &error));
	g_assert_cmpint(g_socket_send(sock, req, strlen(req), NULL, &error), ==, strlen(req));
	return sock;
}

/* Reads the whole stream (the 101, then the server's frames up to its close) and returns
 * the text messages. */
static GPtrArray *
ws_raw_read_all(GSocket *sock)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	gsize pos;
	const char *head_end;

	g_socket_set_blocking(sock, FALSE);
	for (;;) {
		guint8 chunk[65536];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(sock, (char *)chunk, sizeof(chunk), NULL, &error);
		if (n == 0)
			break;
		if (n < 0) {
			g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			spin(5);
			continue;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	head_end = g_strstr_len((const char *)buf->data, buf->len, "\r\n\r\n");
	g_assert_nonnull(head_end);
	g_assert_true(g_str_has_prefix((const char *)buf->data, "HTTP/1.1 101"));
	pos = (gsize)(head_end + 4 - (const char *)buf->data);
	while (pos + 2 <= buf->len) {
		guint8 op = buf->data[pos] & 0x0f;
		guint64 len = buf->data[pos + 1] & 0x7f;
		gsize hdr = 2;

		g_assert_cmpuint(buf->data[pos + 1] & 0x80, ==, 0); /* a server does not mask */
		if (len == 126) {
			len = ((guint64)buf->data[pos + 2] << 8) | buf->data[pos + 3];
			hdr = 4;
		} else if (len == 127) {
			len = 0;
			for (guint i = 0; i < 8; i++)
				len = (len << 8) | buf->data[pos + 2 + i];
			hdr = 10;
		}
		g_assert_cmpuint(pos + hdr + len, <=, buf->len);
		if (op == 0x1)
			g_ptr_array_add(texts,
					g_strndup((const char *)buf->data + pos + hdr, (gsize)len));
		else if (op == 0x8)
			g_assert_cmpuint(((guint)buf->data[pos + hdr] << 8) |
					     buf->data[pos + hdr + 1],
					 ==,
					 SOUP_WEBSOCKET_CLOSE_NORMAL);
		pos += hdr + len;
	}
	g_assert_cmpuint(pos, ==, buf->len);
	return texts;
}

/* A client that never reads does not hold the job or the daemon up: the job runs to its
 * end, /healthz answers at once meanwhile, and the client's own queue drops the oldest
 * messages and says so when it reads at last. Timing the job against a run without the
 * client would only measure the shared machine's noise; what is asserted is that nothing
 * waits for the client. */
static void
test_ws_slow_client(void)
{
	Broker *b = broker_start(NULL);
	Fixture f = {0};
	g_autofree char *id = NULL;
	g_autoptr(GSocket) sock = NULL;
	g_autoptr(GPtrArray) texts = NULL;
	g_autofree char *path = NULL;
	gint64 worst_us = 0;
	guint64 dropped = 0;
	gint64 last_frame = -1;
	guint dets = 0;
	guint healthz = 0;

	daemon_start(&f, b, 100, NULL);
	/* ~7 KB of detections a frame, so the messages far outgrow the socket and the queue */
	id = submit_slow(
	    f.session, f.base, "long.mp4", "wide", "{\"sleep_ms\":1,\"boxes\":100}", NULL);
	path = g_strdup_printf("/jobs/%s", id);
	sock = ws_raw_connect(&f, id);
	for (;;) {
		gint64 t0 = g_get_monotonic_time();
		g_autoptr(SdagTestReply) h = http(&f, "GET", "/healthz", NULL);
		g_autoptr(SdagTestReply) r = NULL;
		const char *st;

		g_assert_cmpuint(h->status, ==, 200);
		worst_us = MAX(worst_us, g_get_monotonic_time() - t0);
		healthz++;
		r = http(&f, "GET", path, NULL);
		st = json_object_get_string_member(sdag_test_reply_object(r), "status");
		if (g_strcmp0(st, "completed") == 0)
			break;
		g_assert_cmpstr(st, !=, "failed");
		spin(20);
	}
	/* a main loop held up by the client would show here in seconds; 1 s leaves room for
	 * a loaded machine (10 s under valgrind, which runs this process, daemon included,
	 * tens of times slower) */
	g_assert_cmpint(
	    worst_us, <, (g_getenv("SDAG_TEST_SLOW") != NULL ? 10 : 1) * G_USEC_PER_SEC);
	g_assert_cmpuint(healthz, >, 1);

	texts = ws_raw_read_all(sock);
	for (guint i = 0; i < texts->len; i++) {
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o = parse_obj(g_ptr_array_index(texts, i), &node);
		const char *type = json_object_get_string_member(o, "type");
		if (g_strcmp0(type, "dropped") == 0) {
			g_assert_cmpint(json_object_get_int_member(o, "count"), >, 0);
			dropped += (guint64)json_object_get_int_member(o, "count");
			g_assert_cmpint(json_object_get_int_member(o, "total"), ==, dropped);
		} else if (g_strcmp0(type, "detections") == 0) {
			/* what is left comes in order */
			gint64 frame = json_object_get_int_member(
			    json_object_get_object_member(o, "payload"), "frame_id");
			g_assert_cmpint(frame, >, last_frame);
			last_frame = frame;
			dets++;
		}
	}
	g_test_message("slow client: %u detections received, %" G_GUINT64_FORMAT
		       " messages dropped; /healthz answered %u times, in %" G_GINT64_FORMAT
		       " us at worst",
		       dets,
		       dropped,
		       healthz,
		       worst_us);
	g_assert_cmpuint(dropped, >, 0);
	g_assert_cmpuint(dets, >, 0);
	g_assert_cmpuint(dets, <, LONG_FRAMES);
	{
		g_autoptr(JsonNode) node = NULL;
		JsonObject *last = parse_obj(g_ptr_array_index(texts, texts->len - 1), &node);
		g_assert_cmpstr(json_object_get_string_member(last, "type"), ==, "status");
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(last, "payload"), "status"),
				==,
				"completed");
	}
	fixture_free(&f);
	broker_free(b);
}

int
main(int argc, char **argv)
{
	g_autofree char *launch = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) msg = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	media_dir = sdag_test_mkdtemp();
	launch = g_strdup_printf(
	    "videotestsrc num-buffers=%d ! "
	    "video/x-raw,width=160,height=120,framerate=30/1 ! "
	    "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s/clip.mp4",
	    CLIP_FRAMES,
	    media_dir);
	pipeline = gst_parse_launch(launch, &error);
	g_assert_no_error(error);
	bus = gst_element_get_bus(pipeline);
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_EOS);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	g_clear_pointer(&msg, gst_message_unref);
	g_clear_object(&bus);
	g_clear_object(&pipeline);
	g_free(launch);
	/* many tiny frames, for the slow WebSocket client */
	launch = g_strdup_printf(
	    "videotestsrc num-buffers=%d ! "
	    "video/x-raw,width=64,height=64,framerate=30/1 ! "
	    "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s/long.mp4",
	    LONG_FRAMES,
	    media_dir);
	pipeline = gst_parse_launch(launch, &error);
	g_assert_no_error(error);
	bus = gst_element_get_bus(pipeline);
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_EOS);
	gst_element_set_state(pipeline, GST_STATE_NULL);

	g_test_add_func("/sdag/mqtt/job", test_mqtt_job);
	g_test_add_func("/sdag/mqtt/outage", test_mqtt_outage);
	g_test_add_func("/sdag/mqtt/will", test_mqtt_will);
	g_test_add_func("/sdag/mqtt/crash", test_mqtt_crash);
	g_test_add_func("/sdag/mqtt/auth", test_mqtt_auth);
	g_test_add_func("/sdag/mqtt/options", test_mqtt_options);
	g_test_add_func("/sdag/mqtt/tls", test_mqtt_tls);
	g_test_add_func("/sdag/mqtt/ha", test_mqtt_ha);
	g_test_add_func("/sdag/mqtt/zones", test_mqtt_zones);
	g_test_add_func("/sdag/mqtt/websocket", test_ws);
	g_test_add_func("/sdag/mqtt/websocket-slow-client", test_ws_slow_client);
	for (guint i = 0; i < G_N_ELEMENTS(dead_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/mqtt/dead-letter/%s", dead_cases[i].path);
		g_test_add_data_func(path, &dead_cases[i], test_mqtt_dead_letter);
	}
	g_test_add_func("/sdag/mqtt/dead-letter/label", test_mqtt_dead_letter_label);
	g_test_add_func("/sdag/mqtt/dead-letter/bounded", test_mqtt_dead_letter_bounded);
	for (guint i = 0; i < G_N_ELEMENTS(name_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/mqtt/bad-name/%s", name_cases[i].path);
		g_test_add_data_func(path, &name_cases[i], test_mqtt_bad_name);
	}
	rc = g_test_run();
	if (names_fixture.daemon != NULL) {
		fixture_free(&names_fixture);
		broker_free(names_broker);
	}
	if (tls_dir != NULL) {
		sdag_test_rmtree(tls_dir);
		g_free(tls_dir);
	}
	sdag_test_rmtree(media_dir);
	g_free(media_dir);
	return rc;
}
