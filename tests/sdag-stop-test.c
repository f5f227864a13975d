/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A graceful stop, as systemd asks for one (SIGTERM): within 10 s even with a source that
 * never answers, with the live jobs checkpointed so that they go on after the next start
 * without a gap or a duplicate, and with `<root>/available` saying offline.
 */
#include <signal.h>
#include <string.h>

#include <gst/gst.h>

#include "sdag-json.h"
#include "sdag-test-broker.h"
#include "sdag-test-http.h"
#include "sdag-test-rtsp.h"
#include "sdag-test-util.h"

static SdagTestRtsp camera;
static SdagTestBroker broker;

#define PIPELINE                                                                         \
	"{\"pipeline_id\":\"pass\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}]," \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}"

static SdagTestReply *
call(SoupSession *s, SdagTestSvc *svc, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    s, svc->base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static SdagTestSvc *
start(SoupSession *s, const char *extra)
{
	g_autofree char *conf = g_strdup_printf(
	    "[mqtt]\nbroker=tcp://127.0.0.1:%u\ntopic_root=stop\n%s", broker.port, extra);
	SdagTestSvc *svc = sdag_test_svc_start(conf, "127.0.0.1:0", NULL);
	g_autoptr(SdagTestReply) r = call(s, svc, "POST", "/pipelines", PIPELINE);

	g_assert_cmpuint(r->status, ==, 201);
	return svc;
}

static char *
submit_live(SoupSession *s, SdagTestSvc *svc, const char *url)
{
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"pass\",\"video_url\":\"%s\"}", url);
	g_autoptr(SdagTestReply) r = call(s, svc, "POST", "/jobs", body);

	g_assert_cmpuint(r->status, ==, 202);
	return g_strdup(json_object_get_string_member(json_node_get_object(r->json), "job_id"));
}

static JsonObject *
job(SoupSession *s, SdagTestSvc *svc, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	g_autoptr(SdagTestReply) r = call(s, svc, "GET", path, NULL);

	g_assert_cmpuint(r->status, ==, 200);
	return json_object_ref(json_node_get_object(r->json));
}

/* SIGTERM; the time the daemon took to exit, asserting a clean exit */
static gint64
stop_timed(SdagTestSvc *svc)
{
	gint64 start = g_get_monotonic_time();

	sdag_test_svc_stop(svc, SIGTERM);
	return g_get_monotonic_time() - start;
}

/* A source that accepts the connection and never says a word: the stop does not wait for it,
 * and the job is still there, running, after the next start */
static void
stop_wedged_source(void)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(SoupSession) s = soup_session_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *url = NULL;
	g_autofree char *id = NULL;
	g_autoptr(JsonObject) o = NULL;
	SdagTestSvc *svc = start(s, "");
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, &error);
	gint64 took;

	g_assert_no_error(error);
	url = g_strdup_printf("rtsp://127.0.0.1:%u/wedged", port);
	id = submit_live(s, svc, url);
	/* accepted, held, never answered */
	{
		GSocket *sock = g_socket_listener_accept_socket(listener, NULL, NULL, &error);
		g_assert_no_error(error);
		g_ptr_array_add(held, sock);
	}
	took = stop_timed(svc);
	g_test_message("stopped in %" G_GINT64_FORMAT " ms with a wedged source", took / 1000);
	g_assert_cmpint(took, <, 10 * G_USEC_PER_SEC);
	sdag_test_svc_respawn(svc);
	o = job(s, svc, id);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "running");
	sdag_test_svc_free(svc);
}

/* The live job's rows and counters go on where they were: frame ids without a gap a
 * checkpoint would not explain, none twice, resumed_at set */
static void
stop_checkpoint(void)
{
	g_autoptr(SoupSession) s = soup_session_new();
	g_autofree char *url = sdag_test_rtsp_url(&camera);
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autoptr(JsonObject) before = NULL;
	g_autoptr(JsonObject) after = NULL;
	SdagTestSvc *svc = start(s, "[live]\ncheckpoint_interval_ms=200\n");
	gint64 processed = 0;
	gint64 took;

	id = submit_live(s, svc, url);
	for (gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC; processed < 30;) {
		g_autoptr(JsonObject) o = job(s, svc, id);
		processed = json_object_get_int_member(o, "frames_processed");
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(100);
	}
	before = job(s, svc, id);
	took = stop_timed(svc);
	g_assert_cmpint(took, <, 10 * G_USEC_PER_SEC);
	sdag_test_svc_respawn(svc);
	for (gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;;) {
		g_clear_pointer(&after, json_object_unref);
		after = job(s, svc, id);
		if (json_object_get_int_member(after, "frames_processed") >
		    json_object_get_int_member(before, "frames_processed") + 10)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(100);
	}
	g_assert_false(json_object_get_null_member(after, "resumed_at"));
	/* every stored frame once, in order: the checker says so for the whole store */
	{
		g_autoptr(SdagTestReply) r = call(s, svc, "GET", "/admin/fsck", NULL);
		if (!json_object_get_boolean_member(json_node_get_object(r->json), "ok"))
			g_error("after a stop and a start: %s", r->text);
	}
	path = g_strdup_printf("/jobs/%s/cancel", id);
	{
		g_autoptr(SdagTestReply) r = call(s, svc, "POST", path, NULL);
		g_assert_cmpuint(r->status, ==, 200);
	}
	sdag_test_svc_free(svc);
}

/* <root>/available: online while it runs, offline (retained) once it stopped */
static void
stop_offline(void)
{
	g_autoptr(SoupSession) s = soup_session_new();
	SdagTestSvc *svc = start(s, "");
	SdagTestSub *sub = sdag_test_sub_start(&broker, "stop/available");
	SdagTestSub *late = NULL;
	SdagTestMsg *m;

	for (gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	     (m = sdag_test_sub_last(sub, "stop/available", 0)) == NULL ||
	     g_strcmp0(m->text, "online") != 0;) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(20);
	}
	g_assert_cmpint(stop_timed(svc), <, 10 * G_USEC_PER_SEC);
	/* a subscriber that comes after the stop reads the retained offline */
	late = sdag_test_sub_start(&broker, "stop/available");
	for (gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	     (m = sdag_test_sub_last(late, "stop/available", 0)) == NULL;) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		sdag_test_spin(20);
	}
	g_assert_cmpstr(m->text, ==, "offline");
	g_assert_true(m->retain);
	sdag_test_sub_free(late);
	sdag_test_sub_free(sub);
	sdag_test_svc_respawn(svc);
	sdag_test_svc_free(svc);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	sdag_test_broker_start(&broker);
	sdag_test_rtsp_start(&camera);
	g_test_add_func("/stop/wedged-source", stop_wedged_source);
	g_test_add_func("/stop/checkpoint", stop_checkpoint);
	g_test_add_func("/stop/offline", stop_offline);
	rc = g_test_run();
	sdag_test_rtsp_stop(&camera);
	sdag_test_broker_stop(&broker);
	return rc;
}
