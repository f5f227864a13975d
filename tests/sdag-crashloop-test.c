/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The crash loop, after RocksDB's crash tests: streamdagd runs two finite jobs and two live
 * ones (from the RTSP camera of this process), is killed with SIGKILL at a moment drawn from
 * a seeded generator, its store is checked offline (streamdagd --fsck), and it starts again
 * on the same data directory; over and over. Every acknowledged job must still be there, in
 * a status its options allow, and the checker must find nothing. The seed is printed: the
 * same seed replays the same moments.
 *
 *   SDAG_CRASHLOOP_ITERATIONS  kills (default 5; make crashloop runs 50)
 *   SDAG_CRASHLOOP_SEED        the generator's seed (default: a fresh one, printed)
 */
#include <signal.h>
#include <string.h>

#include <gst/gst.h>

#include "sdag-json.h"
#include "sdag-test-http.h"
#include "sdag-test-rtsp.h"
#include "sdag-test-util.h"

static SdagTestRtsp camera;
static guint32 seed;

typedef struct {
	char *id;
	gboolean live;
	gboolean requeue; /* on_interrupt: requeue */
} Job;

static void
job_free(Job *j)
{
	g_free(j->id);
	g_free(j);
}

static SdagTestReply *
call(SoupSession *s, SdagTestSvc *svc, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    s, svc->base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static Job *
submit(SoupSession *s, SdagTestSvc *svc, const char *source, gboolean live, gboolean requeue)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"motion_tracking_v1\",\"video_url\":\"%s\",\"options\":{%s}}",
	    source,
	    live      ? "\"backoff_initial_ms\":100,\"backoff_max_ms\":500"
	    : requeue ? "\"on_interrupt\":\"requeue\""
		      : "\"stride\":2");
	g_autoptr(SdagTestReply) r = call(s, svc, "POST", "/jobs", body);
	Job *j = g_new0(Job, 1);

	g_assert_cmpuint(r->status, ==, 202);
	j->id = g_strdup(json_object_get_string_member(json_node_get_object(r->json), "job_id"));
	j->live = live;
	j->requeue = requeue;
	return j;
}

/* streamdagd --fsck on the stopped daemon's data directory: nothing to report */
static void
check_offline(SdagTestSvc *svc, guint iteration)
{
	g_autofree char *data = g_build_filename(svc->dir, "data", NULL);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) p =
	    g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			     &error,
			     g_getenv("SDAG_TEST_STREAMDAGD"),
			     "--fsck",
			     "--data-dir",
			     data,
			     NULL);

	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &out, &err, &error));
	if (g_subprocess_get_exit_status(p) != 0)
		g_error("kill %u (seed %u): the checker found: %s%s", iteration, seed, out, err);
	g_test_message("kill %u: %s", iteration, g_strchomp(out));
}

/* Every job acknowledged is there, in a status its options allow after a kill */
static void
check_jobs(SoupSession *s, SdagTestSvc *svc, GPtrArray *jobs, guint iteration)
{
	for (guint i = 0; i < jobs->len; i++) {
		Job *j = g_ptr_array_index(jobs, i);
		g_autofree char *path = g_strdup_printf("/jobs/%s", j->id);
		g_autoptr(SdagTestReply) r = call(s, svc, "GET", path, NULL);
		JsonObject *o;
		const char *status;

		if (r->status != 200)
			g_error("kill %u (seed %u): job %s is gone: %u",
				iteration,
				seed,
				j->id,
				r->status);
		o = json_node_get_object(r->json);
		status = json_object_get_string_member(o, "status");
		if (j->live) {
			/* a live job resumes: it stays running (or waits for a live slot) */
			if (g_strcmp0(status, "running") != 0 && g_strcmp0(status, "queued") != 0)
				g_error("kill %u (seed %u): live job %s is %s",
					iteration,
					seed,
					j->id,
					status);
		} else if (j->requeue) {
			/* requeued until [jobs] max_attempts (3) starts, then failed */
			if (g_strcmp0(status, "failed") == 0 &&
			    json_object_get_int_member(o, "attempts") < 3)
				g_error(
				    "kill %u (seed %u): job %s asked to be requeued, and failed",
				    iteration,
				    seed,
				    j->id);
		} else if (g_strcmp0(status, "failed") == 0) {
			JsonObject *e = json_object_get_object_member(o, "error");
			g_assert_cmpstr(
			    json_object_get_string_member(e, "code"), ==, "interrupted");
		}
	}
}

static guint
iterations(void)
{
	const char *v = g_getenv("SDAG_CRASHLOOP_ITERATIONS");

	return v != NULL ? (guint)g_ascii_strtoull(v, NULL, 10) : 5;
}

static void
crashloop(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *clip = g_build_filename(dir, "clip.mp4", NULL);
	g_autofree char *conf =
	    g_strdup_printf("[jobs]\nmedia_roots=%s\nmax_concurrent_jobs=2\n", dir);
	g_autofree char *source = g_strdup_printf("file://%s", clip);
	g_autofree char *live = sdag_test_rtsp_url(&camera);
	g_autofree char *pipeline = g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"),
						     "data",
						     "pipelines",
						     "motion_tracking_v1.json",
						     NULL);
	g_autofree char *def = NULL;
	g_autoptr(SoupSession) s = soup_session_new_with_options("timeout", 10, NULL);
	g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func((GDestroyNotify)job_free);
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	SdagTestSvc *svc;
	guint n = iterations();

	sdag_test_make_clip(clip, 150, 320, 240, 30);
	svc = sdag_test_svc_start(conf, "127.0.0.1:0", NULL);
	g_assert_true(g_file_get_contents(pipeline, &def, NULL, NULL));
	{
		g_autoptr(SdagTestReply) r = call(s, svc, "POST", "/pipelines", def);
		g_assert_cmpuint(r->status, ==, 201);
	}
	g_ptr_array_add(jobs, submit(s, svc, live, TRUE, FALSE));
	g_ptr_array_add(jobs, submit(s, svc, live, TRUE, FALSE));
	for (guint i = 1; i <= n; i++) {
		guint ms = (guint)g_rand_int_range(rand, 50, 2000);

		g_ptr_array_add(jobs, submit(s, svc, source, FALSE, TRUE));
		g_ptr_array_add(jobs, submit(s, svc, source, FALSE, FALSE));
		/* the camera lives in this process: its loop runs while the daemon works */
		sdag_test_spin(ms);
		sdag_test_svc_stop(svc, SIGKILL);
		check_offline(svc, i);
		sdag_test_svc_respawn(svc);
		check_jobs(s, svc, jobs, i);
	}
	/* the finite jobs all end; the store is still sound, online */
	for (guint i = 0; i < jobs->len; i++) {
		Job *j = g_ptr_array_index(jobs, i);
		g_autofree char *path = g_strdup_printf("/jobs/%s", j->id);
		gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;

		while (!j->live) {
			g_autoptr(SdagTestReply) r = call(s, svc, "GET", path, NULL);
			if (sdag_test_job_is_terminal(json_object_get_string_member(
				json_node_get_object(r->json), "status")))
				break;
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			sdag_test_spin(100);
		}
	}
	{
		g_autoptr(SdagTestReply) r = call(s, svc, "GET", "/admin/fsck", NULL);
		g_assert_cmpuint(r->status, ==, 200);
		if (!json_object_get_boolean_member(json_node_get_object(r->json), "ok"))
			g_error("seed %u: the online check found: %s", seed, r->text);
	}
	sdag_test_svc_free(svc);
	sdag_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
	const char *v = g_getenv("SDAG_CRASHLOOP_SEED");
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	seed = v != NULL ? (guint32)g_ascii_strtoull(v, NULL, 10) : g_random_int();
	/* on standard error too: a failing run names the seed that replays it */
	g_printerr(
	    "crashloop: SDAG_CRASHLOOP_SEED=%u SDAG_CRASHLOOP_ITERATIONS=%u\n", seed, iterations());
	sdag_test_rtsp_start(&camera);
	g_test_add_func("/crashloop/kill-check-restart", crashloop);
	rc = g_test_run();
	sdag_test_rtsp_stop(&camera);
	return rc;
}
