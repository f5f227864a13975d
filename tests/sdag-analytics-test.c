/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * History, audit, metrics, pipeline analytics and Prometheus end to end: the daemon in this
 * process on an ephemeral loopback port, real RocksDB, real GStreamer decoding a clip this
 * binary generates, real jobs through the REST API.
 */
#include "sdag-daemon.h"
#include "sdag-json.h"
#include "sdag-test-http.h"
#include "sdag-test-prom.h"
#include "sdag-test-util.h"

#include <gst/gst.h>
#include <math.h>
#include <string.h>

#define CLIP_FRAMES 30

static char *media_dir;

typedef struct {
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
} Fixture;

typedef struct {
	guint max_jobs;
	gboolean no_job_cache; /* [rest] job_cache_bytes=0 */
} FixtureOpts;

static const FixtureOpts opts_one = {1, FALSE};
static const FixtureOpts opts_two = {2, FALSE};
static const FixtureOpts opts_no_cache = {1, TRUE};

static char *
media_url(const char *name)
{
	g_autofree char *path = g_build_filename(media_dir, name, NULL);
	return g_filename_to_uri(path, NULL, NULL);
}

#define SDAG_TEST_LAUNCH                                                                   \
	"videotestsrc num-buffers=%d ! video/x-raw,width=160,height=120,framerate=30/1 ! " \
	"x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s"

/* clip.mp4 and its copy clip-b.mp4 (30 frames), long.mp4 (300 frames: a job of the slow
 * node at 1 s a frame holds its slot for the whole test, even under valgrind), text.mp4 */
static void
make_media(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *clip = g_build_filename(media_dir, "clip.mp4", NULL);
	g_autofree char *clip_b = g_build_filename(media_dir, "clip-b.mp4", NULL);
	g_autofree char *longer = g_build_filename(media_dir, "long.mp4", NULL);
	g_autofree char *text = g_build_filename(media_dir, "text.mp4", NULL);
	g_autofree char *l1 = g_strdup_printf(SDAG_TEST_LAUNCH, CLIP_FRAMES, clip);
	g_autofree char *l2 = g_strdup_printf(SDAG_TEST_LAUNCH, 300, longer);
	g_autofree char *data = NULL;
	gsize len = 0;

	sdag_test_gst_launch(l1);
	sdag_test_gst_launch(l2);
	g_assert_true(g_file_get_contents(clip, &data, &len, &error));
	g_assert_true(g_file_set_contents(clip_b, data, (gssize)len, &error));
	g_assert_true(g_file_set_contents(text, "this is not a video\n", -1, &error));
}

static void
daemon_start_full(Fixture *f, guint max_jobs, gboolean no_job_cache)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, f->dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, media_dir);
	cfg->max_concurrent_jobs = max_jobs;
	if (no_job_cache)
		cfg->job_cache_bytes = 0;
	cfg->start_timeout_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 60 : 5;
	g_free(f->base);
	f->daemon = sdag_test_daemon_open(g_steal_pointer(&cfg), &f->base);
}

static void
daemon_start(Fixture *f, guint max_jobs)
{
	daemon_start_full(f, max_jobs, FALSE);
}

static void
daemon_stop(Fixture *f)
{
	sdag_test_daemon_close(g_steal_pointer(&f->daemon));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	const FixtureOpts *opts = data;

	f->dir = sdag_test_mkdtemp();
	f->session = soup_session_new();
	daemon_start_full(f, opts->max_jobs, opts->no_job_cache);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->session);
	daemon_stop(f);
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
register_pipeline(Fixture *f, const char *id, guint sleep_ms)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"a\",\"type\":\"passthrough\"},"
	    "{\"id\":\"s\",\"type\":\"slow\",\"params\":{\"sleep_ms\":%u,\"boxes\":1}},"
	    "{\"id\":\"t\",\"type\":\"slow\",\"params\":{\"sleep_ms\":0,\"boxes\":0}}],"
	    "\"edges\":[{\"from\":\"source.frame\",\"to\":\"a.frame\"},{\"from\":\"source.frame\","
	    "\"to\":\"s.frame\"},{\"from\":\"source.frame\",\"to\":\"t.frame\"}],"
	    "\"outputs\":[\"s.detections\"]}",
	    id,
	    sleep_ms);
	g_autoptr(SdagTestReply) r = http(f, "POST", "/pipelines", body);
	g_assert_cmpuint(r->status, ==, 201);
}

static char *
submit(Fixture *f, const char *pipeline, const char *media, const char *options)
{
	g_autofree char *url = media_url(media);
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":%s}",
			    pipeline,
			    url,
			    options != NULL ? options : "{}");
	g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);

	if (r->status != 202)
		g_error("submit: %u %s", r->status, r->text);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static const char *
status_of(JsonNode *job)
{
	return json_object_get_string_member(json_node_get_object(job), "status");
}

static JsonNode *
wait_status(Fixture *f, const char *id, const char *want)
{
	gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(JsonNode) job = sdag_test_http_get_json(f->session, f->base, path);
		const char *st = status_of(job);
		if (g_strcmp0(st, want) == 0 || (want == NULL && sdag_test_job_is_terminal(st)))
			return g_steal_pointer(&job);
		sdag_test_spin(10);
	}
	g_error("job %s never became %s", id, want != NULL ? want : "terminal");
}

static void
wait_drop(Fixture *f, const char *id, const char *want)
{
	json_node_unref(wait_status(f, id, want));
}

static void
cancel(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s/cancel", id);
	g_autoptr(SdagTestReply) r = http(f, "POST", path, NULL);
	g_assert_cmpuint(r->status, ==, 200);
}

/* Walks every page of @path (a query without limit/cursor, or with '?' already) and returns
 * the elements of @member, failing on a duplicate. */
static GPtrArray *
walk(Fixture *f, const char *path, const char *member, guint limit)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	g_autofree char *cursor = NULL;
	const char *sep = strchr(path, '?') != NULL ? "&" : "?";

	for (guint pages = 0;; pages++) {
		g_autofree char *p =
		    cursor != NULL
			? g_strdup_printf("%s%slimit=%u&cursor=%s", path, sep, limit, cursor)
			: g_strdup_printf("%s%slimit=%u", path, sep, limit);
		g_autoptr(JsonNode) page = sdag_test_http_get_json(f->session, f->base, p);
		JsonObject *o = json_node_get_object(page);
		JsonArray *items = json_object_get_array_member(o, member);

		g_assert_cmpuint(json_array_get_length(items), <=, limit);
		for (guint i = 0; i < json_array_get_length(items); i++)
			g_ptr_array_add(out, json_node_copy(json_array_get_element(items, i)));
		g_free(cursor);
		cursor = json_object_get_null_member(o, "next_cursor")
			     ? NULL
			     : g_strdup(json_object_get_string_member(o, "next_cursor"));
		if (cursor == NULL)
			break;
		g_assert_cmpuint(pages, <, 10000);
	}
	return out;
}

static const char *
str_of(JsonNode *node, const char *member)
{
	return json_object_get_string_member(json_node_get_object(node), member);
}

static gint64
time_of(const char *iso)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(iso, NULL);
	g_assert_nonnull(dt);
	return g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
}

static char *
stamp_now(void)
{
	/* ms precision, as created_at: a gap of a few ms either side keeps it strict */
	char *s;
	sdag_test_spin(5);
	s = sdag_json_timestamp(g_get_real_time());
	sdag_test_spin(5);
	return s;
}

static void
assert_same_ids(GPtrArray *got, GPtrArray *want, const char *what)
{
	if (got->len != want->len)
		g_error("%s: %u jobs, expected %u", what, got->len, want->len);
	for (guint i = 0; i < got->len; i++) {
		if (g_strcmp0(str_of(g_ptr_array_index(got, i), "job_id"),
			      str_of(g_ptr_array_index(want, i), "job_id")) != 0)
			g_error("%s: job %u differs", what, i);
	}
}

/* the history tests: 300 jobs over 3 pipelines (and a blocker) in every status */

static void
test_jobs_filters(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) all = NULL;
	g_autofree char *blocker = NULL;
	g_autofree char *t1 = NULL;
	g_autofree char *t2 = NULL;
	g_autofree char *src_b = media_url("clip-b");
	const char *pipelines[] = {NULL, "p0", "p1", "p2", "block"};
	const char *statuses[] = {NULL, "queued", "running", "completed", "failed", "cancelled"};
	guint counts[6] = {0};

	register_pipeline(f, "p0", 0);
	register_pipeline(f, "p1", 0);
	register_pipeline(f, "p2", 0);
	register_pipeline(f, "block", 1000);
	/* finished ones: 12 completed (2 frames each), 6 failed (not a video) */
	for (guint i = 0; i < 18; i++) {
		g_autofree char *name = g_strdup_printf("p%u", i % 3);
		g_ptr_array_add(ids,
				submit(f,
				       name,
				       i < 12 ? (i % 2 ? "clip-b.mp4" : "clip.mp4") : "text.mp4",
				       "{\"max_frames\":2}"));
	}
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(JsonNode) job = wait_status(f, g_ptr_array_index(ids, i), NULL);
		g_assert_cmpstr(status_of(job), ==, i < 12 ? "completed" : "failed");
	}
	t1 = stamp_now();
	/* one running job holds the only slot; the rest wait, a third of them cancelled */
	blocker = submit(f, "block", "long.mp4", NULL);
	wait_drop(f, blocker, "running");
	for (guint i = 0; i < 282; i++) {
		g_autofree char *name = g_strdup_printf("p%u", i % 3);
		g_autofree char *id = NULL;
		if (i == 141) {
			g_free(t2);
			t2 = stamp_now();
		}
		id = submit(f, name, i % 4 == 0 ? "clip-b.mp4" : "clip.mp4", NULL);
		if (i % 3 == 1)
			cancel(f, id);
	}

	/* the truth: every job, newest first */
	all = walk(f, "/jobs", "jobs", 1000);
	g_assert_cmpuint(all->len, ==, 301);
	for (guint i = 0; i + 1 < all->len; i++)
		g_assert_cmpstr(str_of(g_ptr_array_index(all, i), "created_at"),
				>=,
				str_of(g_ptr_array_index(all, i + 1), "created_at"));
	for (guint i = 0; i < all->len; i++) {
		for (guint s = 1; s < G_N_ELEMENTS(statuses); s++)
			if (g_strcmp0(str_of(g_ptr_array_index(all, i), "status"), statuses[s]) ==
			    0)
				counts[s]++;
	}
	g_assert_cmpuint(counts[1], ==, 188); /* queued */
	g_assert_cmpuint(counts[2], ==, 1);
	g_assert_cmpuint(counts[3], ==, 12);
	g_assert_cmpuint(counts[4], ==, 6);
	g_assert_cmpuint(counts[5], ==, 94);

	/* every combination of filters, both orders */
	for (guint p = 0; p < G_N_ELEMENTS(pipelines); p++)
		for (guint s = 0; s < G_N_ELEMENTS(statuses); s++)
			for (guint t = 0; t < 4; t++)
				for (guint src = 0; src < 2; src++)
					for (guint asc = 0; asc < 2; asc++) {
						g_autoptr(GString) q = g_string_new(NULL);
						g_autoptr(GPtrArray) want = g_ptr_array_new();
						g_autoptr(GPtrArray) got = NULL;
						g_autofree char *path = NULL;
						gint64 since = t & 1 ? time_of(t1) : G_MININT64;
						gint64 until = t & 2 ? time_of(t2) : G_MAXINT64;

						if (pipelines[p] != NULL)
							g_string_append_printf(
							    q, "&pipeline_id=%s", pipelines[p]);
						if (statuses[s] != NULL)
							g_string_append_printf(
							    q, "&status=%s", statuses[s]);
						if (t & 1)
							g_string_append_printf(q, "&since=%s", t1);
						if (t & 2)
							g_string_append_printf(q, "&until=%s", t2);
						if (src)
							g_string_append_printf(
							    q, "&source=%s", src_b);
						if (asc)
							g_string_append(q, "&order=asc");
						path = q->len > 0
							   ? g_strdup_printf("/jobs?%s", q->str + 1)
							   : g_strdup("/jobs");
						for (guint k = 0; k < all->len; k++) {
							JsonNode *j = g_ptr_array_index(
							    all, asc ? all->len - 1 - k : k);
							gint64 c = time_of(str_of(j, "created_at"));
							if ((pipelines[p] == NULL ||
							     g_strcmp0(str_of(j, "pipeline_id"),
								       pipelines[p]) == 0) &&
							    (statuses[s] == NULL ||
							     g_strcmp0(str_of(j, "status"),
								       statuses[s]) == 0) &&
							    c >= since && c < until &&
							    (!src ||
							     g_str_has_prefix(str_of(j, "source"),
									      src_b)))
								g_ptr_array_add(want, j);
						}
						got = walk(
						    f, path, "jobs", (p + s + t) % 5 == 0 ? 7 : 50);
						assert_same_ids(got, want, path);
					}
}

static void
test_jobs_paging_while_submitting(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) before = NULL;
	g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) desc = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	g_autoptr(GPtrArray) asc = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *blocker = NULL;
	g_autofree char *cursor = NULL;

	register_pipeline(f, "pg", 0);
	register_pipeline(f, "block", 1000);
	blocker = submit(f, "block", "long.mp4", NULL);
	wait_drop(f, blocker, "running");
	for (guint i = 0; i < 40; i++)
		g_free(submit(f, "pg", "clip.mp4", NULL));
	before = walk(f, "/jobs?pipeline_id=pg", "jobs", 1000);
	g_assert_cmpuint(before->len, ==, 40);

	/* newest first: jobs submitted meanwhile are newer than the first page: never seen */
	for (;;) {
		g_autofree char *p =
		    cursor != NULL
			? g_strdup_printf("/jobs?pipeline_id=pg&limit=9&cursor=%s", cursor)
			: g_strdup("/jobs?pipeline_id=pg&limit=9");
		g_autoptr(JsonNode) page = sdag_test_http_get_json(f->session, f->base, p);
		JsonObject *o = json_node_get_object(page);
		JsonArray *jobs = json_object_get_array_member(o, "jobs");
		for (guint i = 0; i < json_array_get_length(jobs); i++)
			g_ptr_array_add(desc, json_node_copy(json_array_get_element(jobs, i)));
		g_clear_pointer(&cursor, g_free);
		if (json_object_get_null_member(o, "next_cursor"))
			break;
		cursor = g_strdup(json_object_get_string_member(o, "next_cursor"));
		g_ptr_array_add(added, submit(f, "pg", "clip.mp4", NULL));
	}
	assert_same_ids(desc, before, "newest first while submitting");

	/* oldest first: they come at the end, each once */
	for (;;) {
		g_autofree char *p =
		    cursor != NULL ? g_strdup_printf(
					 "/jobs?pipeline_id=pg&order=asc&limit=9&cursor=%s", cursor)
				   : g_strdup("/jobs?pipeline_id=pg&order=asc&limit=9");
		g_autoptr(JsonNode) page = sdag_test_http_get_json(f->session, f->base, p);
		JsonObject *o = json_node_get_object(page);
		JsonArray *jobs = json_object_get_array_member(o, "jobs");
		for (guint i = 0; i < json_array_get_length(jobs); i++)
			g_ptr_array_add(asc, json_node_copy(json_array_get_element(jobs, i)));
		g_clear_pointer(&cursor, g_free);
		if (json_object_get_null_member(o, "next_cursor"))
			break;
		cursor = g_strdup(json_object_get_string_member(o, "next_cursor"));
		g_ptr_array_add(added, submit(f, "pg", "clip.mp4", NULL));
	}
	g_assert_cmpuint(asc->len, ==, before->len + added->len);
	for (guint i = 0; i < asc->len; i++) {
		const char *id = str_of(g_ptr_array_index(asc, i), "job_id");
		const char *want =
		    i < before->len
			? str_of(g_ptr_array_index(before, before->len - 1 - i), "job_id")
			: g_ptr_array_index(added, i - before->len);
		g_assert_true(g_hash_table_add(seen, (gpointer)id));
		g_assert_cmpstr(id, ==, want);
	}
}

static void
test_jobs_bad_filters(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *query;
		guint status;
		const char *code;
	} cases[] = {
	    {"/jobs?cursor=zz", 400, "bad_cursor"},
	    {"/jobs?cursor=0000000000000000", 400, "bad_cursor"},
	    {"/jobs?cursor=ffffffffffffffff", 400, "bad_cursor"},
	    {"/jobs?cursor=00000000000000001", 400, "bad_cursor"},
	    {"/jobs?status=bogus", 400, "bad_status"},
	    {"/jobs?status=", 400, "bad_status"},
	    {"/jobs?status=Completed", 400, "bad_status"},
	    {"/jobs?since=yesterday", 400, "bad_time"},
	    {"/jobs?since=2026-11-28T10:00:00", 400, "bad_time"},
	    {"/jobs?until=2026-13-01T00:00:00Z", 400, "bad_time"},
	    {"/jobs?since=2026-11-28", 400, "bad_time"},
	    {"/jobs?since=-5", 400, "bad_time"},
	    {"/jobs?since=2026-11-28T10:00:00Z&until=2026-11-28T10:00:00Z", 400, "bad_time"},
	    {"/jobs?since=200&until=100", 400, "bad_time"},
	    {"/jobs?order=sideways", 400, "bad_request"},
	    {"/jobs?pipeline_id=a/b", 400, "bad_request"},
	    {"/jobs?pipeline_id=", 400, "bad_request"},
	    /* the DAG's own id rule, length cap included */
	    {"/jobs?pipeline_id=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     400,
	     "bad_request"},
	    {"/jobs?source=", 400, "bad_request"},
	    {"/jobs?limit=0", 400, "bad_request"},
	    {"/jobs?state=queued", 400, "bad_request"},
	    {"/history?cursor=zz", 400, "bad_cursor"},
	    {"/history?since=soon", 400, "bad_time"},
	    {"/history?limit=1001", 400, "bad_request"},
	    {"/history?who=me", 400, "bad_request"},
	    {"/pipelines/nope/stats", 404, "pipeline_not_found"},
	    {"/pipelines/nope/stats?until=x", 400, "bad_time"},
	    {"/pipelines/nope/stats?limit=1", 400, "bad_request"},
	    {"/jobs/nope/metrics", 404, "job_not_found"},
	    {"/jobs/nope/metrics?x=1", 400, "bad_request"},
	};
	g_autofree char *id = NULL;

	register_pipeline(f, "bf", 0);
	id = submit(f, "bf", "clip.mp4", "{\"max_frames\":1}");
	wait_drop(f, id, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(SdagTestReply) r = http(f, "GET", cases[i].query, NULL);
		if (r->status != cases[i].status ||
		    g_strcmp0(sdag_test_reply_error_code(r), cases[i].code) != 0)
			g_error("%s: %u %s", cases[i].query, r->status, r->text);
	}
	/* and the data is intact */
	{
		g_autoptr(JsonNode) list =
		    sdag_test_http_get_json(f->session, f->base, "/jobs?status=completed&since=0");
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				     json_node_get_object(list), "jobs")),
				 ==,
				 1);
	}
}

/* the audit trail */

static guint
count_rows(Fixture *f, const char *query)
{
	g_autoptr(GPtrArray) rows = walk(f, query, "entries", 1000);
	return rows->len;
}

typedef struct {
	const char *method;
	const char *path;
	const char *ctype;
	const char *body;
	guint status;
	const char *action;
	const char *object; /* JOB stands for the submitted job's id */
} AuditCase;

static void
test_audit(Fixture *f, gconstpointer data)
{
	g_autofree char *job = NULL;
	g_autofree char *job_path = NULL;
	g_autofree char *cancel_path = NULL;
	g_autofree char *big = NULL;
	g_autofree char *url = media_url("clip.mp4");
	g_autofree char *submit_body = NULL;
	g_autofree char *t0 = NULL;
	g_autofree char *t1 = NULL;
	const char *pipeline =
	    "{\"pipeline_id\":\"aud\",\"nodes\":[{\"id\":\"a\",\"type\":\"passthrough\"}],"
	    "\"edges\":[{\"from\":\"source.frame\",\"to\":\"a.frame\"}],\"outputs\":[\"a.frame\"]}";
	const char *other =
	    "{\"pipeline_id\":\"aud\",\"nodes\":[{\"id\":\"b\",\"type\":\"passthrough\"}],"
	    "\"edges\":[{\"from\":\"source.frame\",\"to\":\"b.frame\"}],\"outputs\":[\"b.frame\"]}";
	AuditCase cases[18];
	guint n = 0;

	t0 = stamp_now();
	register_pipeline(f, "block", 1000);
	g_free(submit(f, "block", "long.mp4", NULL));
	submit_body = g_strdup_printf(
	    "{\"pipeline_id\":\"aud\",\"video_url\":\"%s\",\"options\":{\"max_frames\":1}}", url);
	big = g_strnfill(f->daemon->config->max_body_bytes + 10, ' ');
#define CASE(m, p, c, b, s, a, o) cases[n++] = (AuditCase){m, p, c, b, s, a, o}
	CASE("POST",
	     "/pipelines",
	     "application/json",
	     pipeline,
	     201,
	     "pipeline.register",
	     "pipeline/aud");
	CASE("POST",
	     "/pipelines",
	     "application/json",
	     other,
	     409,
	     "pipeline.register",
	     "pipeline/aud");
	CASE(
	    "POST", "/pipelines", "text/plain", pipeline, 415, "pipeline.register", "pipeline/aud");
	CASE("POST",
	     "/pipelines",
	     "application/json",
	     "{nope",
	     400,
	     "pipeline.register",
	     "/pipelines");
	CASE("POST", "/pipelines", "application/json", big, 413, "pipeline.register", "/pipelines");
	CASE("POST", "/jobs", "application/json", submit_body, 202, "job.submit", NULL);
	CASE("POST",
	     "/jobs",
	     "application/json",
	     "{\"pipeline_id\":\"none\",\"video_url\":\"x\"}",
	     404,
	     "job.submit",
	     "/jobs");
	CASE("POST", "/jobs/JOB/cancel", NULL, NULL, 200, "job.cancel", "job/JOB");
	CASE("POST", "/jobs/JOB/cancel", NULL, NULL, 409, "job.cancel", "job/JOB");
	CASE("POST", "/jobs/nope/cancel", NULL, NULL, 404, "job.cancel", "job/nope");
	CASE("DELETE", "/jobs/JOB", NULL, NULL, 204, "job.delete", "job/JOB");
	CASE("DELETE", "/jobs/JOB", NULL, NULL, 404, "job.delete", "job/JOB");
	CASE("DELETE", "/pipelines/aud", NULL, NULL, 204, "pipeline.delete", "pipeline/aud");
	CASE("DELETE", "/pipelines/aud", NULL, NULL, 404, "pipeline.delete", "pipeline/aud");
	CASE("PUT", "/jobs", "application/json", "{}", 405, "PUT /jobs", "/jobs");
	CASE("POST", "/nowhere", NULL, NULL, 404, "POST unmatched", "/nowhere");
	CASE("DELETE", "/healthz", NULL, NULL, 405, "DELETE /healthz", "/healthz");
#undef CASE

	for (guint i = 0; i < n; i++) {
		g_autofree char *path = NULL;
		g_autofree char *object = NULL;
		g_autoptr(SdagTestReply) r = NULL;
		g_autoptr(SdagTestReply) gets = NULL;
		g_autoptr(JsonNode) last = NULL;
		g_auto(GStrv) parts = NULL;
		JsonObject *row;
		JsonObject *outcome;
		guint before = count_rows(f, "/history?actor=anonymous");

		parts = g_strsplit(cases[i].path, "JOB", -1);
		path = g_strjoinv(job != NULL ? job : "JOB", parts);
		r = sdag_test_http(
		    f->session, f->base, cases[i].method, path, cases[i].ctype, cases[i].body, -1);
		if (r->status != cases[i].status)
			g_error("%s %s: %u %s", cases[i].method, path, r->status, r->text);
		if (cases[i].status == 202)
			job = g_strdup(
			    json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
		/* reads leave no row */
		gets = http(f, "GET", "/jobs", NULL);
		g_clear_pointer(&gets, sdag_test_reply_free);
		gets = http(f, "GET", "/nowhere", NULL);

		g_assert_cmpuint(count_rows(f, "/history?actor=anonymous"), ==, before + 1);
		last = sdag_test_http_get_json(
		    f->session, f->base, "/history?actor=anonymous&limit=1");
		row = json_array_get_object_element(
		    json_object_get_array_member(json_node_get_object(last), "entries"), 0);
		outcome = json_object_get_object_member(row, "outcome");
		g_assert_cmpstr(json_object_get_string_member(row, "actor"), ==, "anonymous");
		g_assert_cmpstr(json_object_get_string_member(row, "action"), ==, cases[i].action);
		parts = (g_strfreev(parts),
			 g_strsplit(cases[i].object ? cases[i].object : "job/JOB", "JOB", -1));
		object = g_strjoinv(job != NULL ? job : "JOB", parts);
		g_assert_cmpstr(json_object_get_string_member(row, "object"), ==, object);
		g_assert_cmpint(json_object_get_int_member(outcome, "http_status"), ==, r->status);
		if (r->status < 300)
			g_assert_true(json_object_get_null_member(outcome, "error"));
		else
			g_assert_cmpstr(json_object_get_string_member(outcome, "error"),
					==,
					sdag_test_reply_error_code(r));
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(row, "request"), "method"),
				==,
				cases[i].method);
		if (cases[i].status == 202) {
			/* behind the blocker: still queued */
			wait_drop(f, job, "queued");
		}
	}
	t1 = stamp_now();

	/* the job's own transitions, by the system */
	{
		g_autofree char *q = g_strdup_printf("/history?actor=system&action=job.cancelled");
		g_autoptr(GPtrArray) rows = walk(f, q, "entries", 10);
		g_autofree char *object = g_strdup_printf("job/%s", job);
		g_assert_cmpuint(rows->len, ==, 1);
		g_assert_cmpstr(str_of(g_ptr_array_index(rows, 0), "object"), ==, object);
		g_assert_cmpuint(count_rows(f, "/history?action=job.queued"), ==, 2);
		g_assert_cmpuint(
		    count_rows(f, "/history?action=job.submit&actor=anonymous"), ==, 3);
		g_assert_cmpuint(count_rows(f, "/history?action=job.submit&actor=system"), ==, 0);
	}
	/* time and order */
	{
		g_autofree char *q = g_strdup_printf("/history?since=%s&until=%s", t0, t1);
		g_autofree char *qa =
		    g_strdup_printf("/history?since=%s&until=%s&order=asc", t0, t1);
		g_autofree char *late = g_strdup_printf("/history?since=%s", t1);
		g_autoptr(GPtrArray) all = walk(f, "/history", "entries", 1000);
		g_autoptr(GPtrArray) desc = walk(f, q, "entries", 3);
		g_autoptr(GPtrArray) asc = walk(f, qa, "entries", 4);

		/* 2 submits (blocker, aud) + 17 cases: every row of the run but the last GETs */
		g_assert_cmpuint(desc->len, ==, all->len);
		g_assert_cmpuint(asc->len, ==, desc->len);
		for (guint i = 0; i < desc->len; i++) {
			JsonObject *a = json_node_get_object(g_ptr_array_index(desc, i));
			JsonObject *b =
			    json_node_get_object(g_ptr_array_index(asc, asc->len - 1 - i));
			g_assert_cmpint(json_object_get_int_member(a, "seq"),
					==,
					json_object_get_int_member(b, "seq"));
			if (i > 0)
				g_assert_cmpint(
				    json_object_get_int_member(a, "seq"),
				    <,
				    json_object_get_int_member(
					json_node_get_object(g_ptr_array_index(desc, i - 1)),
					"seq"));
		}
		g_assert_cmpuint(count_rows(f, late), ==, 0);
	}
}

/* a store written before the pipeline and time keys: the keys come back at start */
static void
test_index_backfill(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) before = NULL;
	g_autoptr(GPtrArray) after = NULL;
	g_autoptr(GPtrArray) by_pipeline = NULL;
	g_autoptr(GPtrArray) failed = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *db = g_build_filename(f->dir, "db", NULL);
	SdagStore *store;
	SdagStoreBatch *batch;

	register_pipeline(f, "bk", 0);
	register_pipeline(f, "bl", 0);
	for (guint i = 0; i < 6; i++) {
		g_autofree char *id =
		    submit(f, i % 2 ? "bk" : "bl", i < 4 ? "text.mp4" : "clip.mp4", NULL);
		wait_drop(f, id, NULL);
	}
	before = walk(f, "/jobs?pipeline_id=bk", "jobs", 2);
	g_assert_cmpuint(before->len, ==, 3);
	daemon_stop(f);

	store = sdag_store_open(db, &error);
	g_assert_no_error(error);
	batch = sdag_store_batch_new();
	sdag_store_batch_delete_prefix(batch, SDAG_STORE_JOB_INDEX, (const guint8 *)"c/", 2);
	sdag_store_batch_delete_prefix(batch, SDAG_STORE_JOB_INDEX, (const guint8 *)"p/", 2);
	sdag_store_batch_delete_prefix(batch, SDAG_STORE_JOB_INDEX, (const guint8 *)"q/", 2);
	sdag_store_batch_delete(batch,
				SDAG_STORE_JOB_INDEX,
				(const guint8 *)"meta/index_version",
				strlen("meta/index_version"));
	g_assert_true(sdag_store_write(store, batch, TRUE, &error));
	sdag_store_batch_free(batch);
	sdag_store_free(store);

	daemon_start(f, 1);
	after = walk(f, "/jobs?pipeline_id=bk", "jobs", 2);
	assert_same_ids(after, before, "after the backfill");
	by_pipeline = walk(f, "/jobs?pipeline_id=bl&status=failed&since=0", "jobs", 1);
	g_assert_cmpuint(by_pipeline->len, ==, 2);
	failed = walk(f, "/jobs?status=failed", "jobs", 10);
	g_assert_cmpuint(failed->len, ==, 4);
	/* and a second start finds the marker: nothing changes */
	daemon_stop(f);
	daemon_start(f, 1);
	g_clear_pointer(&after, g_ptr_array_unref);
	after = walk(f, "/jobs?pipeline_id=bk&order=asc", "jobs", 5);
	g_assert_cmpuint(after->len, ==, 3);
}

/* metrics */

static JsonObject *
node_of(JsonObject *metrics, const char *id)
{
	JsonArray *nodes = json_object_get_array_member(metrics, "nodes");
	for (guint i = 0; i < json_array_get_length(nodes); i++) {
		JsonObject *n = json_array_get_object_element(nodes, i);
		if (g_strcmp0(json_object_get_string_member(n, "id"), id) == 0)
			return n;
	}
	g_error("no node %s", id);
}

static JsonNode *
job_metrics(Fixture *f, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s/metrics", id);
	return sdag_test_http_get_json(f->session, f->base, path);
}

static void
test_metrics_accuracy(Fixture *f, gconstpointer data)
{
	g_autofree char *id = NULL;
	g_autofree char *live_id = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(JsonNode) m = NULL;
	g_autoptr(JsonNode) live = NULL;
	g_autoptr(JsonNode) frozen = NULL;
	g_autoptr(JsonNode) ended = NULL;
	JsonObject *mo;
	JsonObject *s;
	JsonObject *fps;
	gint64 processed;
	double sum = 0;
	const char *ids[] = {"a", "s", "t"};

	register_pipeline(f, "acc", 100);
	id = submit(f, "acc", "clip.mp4", "{\"stride\":3}");
	job = wait_status(f, id, "completed");
	processed = json_object_get_int_member(json_node_get_object(job), "frames_processed");
	g_assert_cmpint(processed, ==, CLIP_FRAMES / 3);
	m = job_metrics(f, id);
	mo = json_node_get_object(m);
	g_assert_true(json_object_get_boolean_member(mo, "final"));
	g_assert_cmpstr(json_object_get_string_member(mo, "status"), ==, "completed");
	g_assert_cmpint(json_object_get_int_member(mo, "frames_processed"), ==, processed);
	g_assert_cmpint(json_object_get_int_member(mo, "frames_decoded"), ==, CLIP_FRAMES);
	g_assert_cmpint(json_object_get_int_member(mo, "stride"), ==, 3);
	/* exact per-node counts; node times add up to no more than the DAG's */
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		JsonObject *n = node_of(mo, ids[i]);
		g_assert_cmpint(json_object_get_int_member(n, "count"), ==, processed);
		g_assert_cmpfloat(json_object_get_double_member(n, "min_ms"),
				  <=,
				  json_object_get_double_member(n, "p50_ms"));
		g_assert_cmpfloat(json_object_get_double_member(n, "p50_ms"),
				  <=,
				  json_object_get_double_member(n, "p95_ms"));
		g_assert_cmpfloat(json_object_get_double_member(n, "p95_ms"),
				  <=,
				  json_object_get_double_member(n, "p99_ms"));
		g_assert_cmpfloat(json_object_get_double_member(n, "p99_ms"),
				  <=,
				  json_object_get_double_member(n, "max_ms"));
		g_assert_cmpfloat_with_epsilon(json_object_get_double_member(n, "mean_ms"),
					       json_object_get_double_member(n, "total_ms") /
						   (double)processed,
					       1e-9);
		sum += json_object_get_double_member(n, "total_ms");
	}
	g_assert_cmpfloat(sum, <=, json_object_get_double_member(mo, "dag_total_ms"));
	/* the slow node is the bottleneck, and its time is the sleep within 10 % */
	s = node_of(mo, "s");
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(mo, "bottleneck"), "node"),
	    ==,
	    "s");
	g_assert_cmpfloat(
	    json_object_get_double_member(json_object_get_object_member(mo, "bottleneck"), "share"),
	    ==,
	    json_object_get_double_member(s, "share"));
	g_assert_cmpfloat(json_object_get_double_member(s, "share"), >, 0.9);
	g_assert_cmpfloat(fabs(json_object_get_double_member(s, "mean_ms") - 100.0), <=, 10.0);
	g_assert_cmpfloat(json_object_get_double_member(s, "min_ms"), >=, 100.0);
	/* decoded frames at three times the rate of processed ones: stride 3, same wall time */
	fps = json_object_get_object_member(mo, "fps");
	g_assert_cmpfloat_with_epsilon(json_object_get_double_member(fps, "decoded"),
				       3 * json_object_get_double_member(fps, "processed"),
				       1e-9);
	g_assert_cmpfloat_with_epsilon(json_object_get_double_member(fps, "processed"),
				       (double)processed /
					   json_object_get_double_member(mo, "wall_s"),
				       1e-9);
	g_assert_cmpfloat(json_object_get_double_member(fps, "dag"),
			  >=,
			  json_object_get_double_member(fps, "processed"));

	/* live while it runs, frozen once it ends */
	register_pipeline(f, "live", 100);
	live_id = submit(f, "live", "clip.mp4", NULL);
	wait_drop(f, live_id, "running");
	sdag_test_spin(350);
	live = job_metrics(f, live_id);
	g_assert_false(json_object_get_boolean_member(json_node_get_object(live), "final"));
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(live), "status"), ==, "running");
	g_assert_cmpint(
	    json_object_get_int_member(node_of(json_node_get_object(live), "a"), "count"),
	    ==,
	    json_object_get_int_member(json_node_get_object(live), "frames_processed"));
	cancel(f, live_id);
	ended = wait_status(f, live_id, "cancelled");
	frozen = job_metrics(f, live_id);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(frozen), "final"));
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(frozen), "status"), ==, "cancelled");
	g_assert_cmpint(
	    json_object_get_int_member(node_of(json_node_get_object(frozen), "s"), "count"),
	    ==,
	    json_object_get_int_member(json_node_get_object(ended), "frames_processed"));
	g_assert_cmpint(
	    json_object_get_int_member(json_node_get_object(frozen), "frames_processed"),
	    <,
	    CLIP_FRAMES);
}

static void
test_pipeline_stats(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonNode) stats = NULL;
	g_autoptr(JsonNode) empty = NULL;
	g_autofree char *day = NULL;
	g_autofree char *tomorrow = NULL;
	const char *options[] = {
	    "{\"stride\":1}", "{\"stride\":2}", "{\"stride\":3}", "{\"stride\":5}", NULL};
	JsonObject *so;
	JsonObject *runs;
	guint started = 0;
	gint64 frames = 0;
	double fps_sum = 0;
	double wall_sum = 0;
	gint64 count[3] = {0};
	double total[3] = {0};
	double max[3] = {0};
	const char *nodes[] = {"a", "s", "t"};
	JsonArray *snodes;
	JsonArray *trend;

	register_pipeline(f, "st", 3);
	for (guint i = 0; i < G_N_ELEMENTS(options); i++)
		g_ptr_array_add(
		    ids, submit(f, "st", options[i] != NULL ? "clip.mp4" : "text.mp4", options[i]));
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(JsonNode) job = wait_status(f, g_ptr_array_index(ids, i), NULL);
		g_autoptr(JsonNode) m = job_metrics(f, g_ptr_array_index(ids, i));
		JsonObject *mo = json_node_get_object(m);

		g_assert_cmpstr(status_of(job), ==, i < 4 ? "completed" : "failed");
		if (day == NULL)
			day = g_strndup(str_of(job, "finished_at"), 10);
		if (json_object_get_double_member(mo, "wall_s") > 0) {
			started++;
			frames += json_object_get_int_member(mo, "frames_processed");
			fps_sum += json_object_get_double_member(
			    json_object_get_object_member(mo, "fps"), "processed");
			wall_sum += json_object_get_double_member(mo, "wall_s");
		}
		for (guint k = 0; k < G_N_ELEMENTS(nodes); k++) {
			count[k] += json_object_get_int_member(node_of(mo, nodes[k]), "count");
			total[k] +=
			    json_object_get_double_member(node_of(mo, nodes[k]), "total_ms");
			max[k] = MAX(
			    max[k], json_object_get_double_member(node_of(mo, nodes[k]), "max_ms"));
		}
	}
	g_assert_cmpuint(started, ==, 5);

	stats = sdag_test_http_get_json(f->session, f->base, "/pipelines/st/stats");
	so = json_node_get_object(stats);
	runs = json_object_get_object_member(so, "runs");
	g_assert_cmpint(json_object_get_int_member(runs, "total"), ==, 5);
	g_assert_cmpint(json_object_get_int_member(runs, "completed"), ==, 4);
	g_assert_cmpint(json_object_get_int_member(runs, "failed"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(runs, "cancelled"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(runs, "started"), ==, started);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(so, "frames"), "processed"),
	    ==,
	    frames);
	g_assert_cmpint(frames, ==, 30 + 15 + 10 + 6);
	g_assert_cmpfloat_with_epsilon(
	    json_object_get_double_member(json_object_get_object_member(so, "fps"), "mean"),
	    fps_sum / started,
	    1e-9 * fps_sum);
	g_assert_cmpfloat_with_epsilon(
	    json_object_get_double_member(json_object_get_object_member(so, "duration_s"), "mean"),
	    wall_sum / started,
	    1e-9);
	snodes = json_object_get_array_member(so, "nodes");
	g_assert_cmpuint(json_array_get_length(snodes), ==, 3);
	for (guint k = 0; k < G_N_ELEMENTS(nodes); k++) {
		JsonObject *n = json_array_get_object_element(snodes, k);
		g_assert_cmpstr(json_object_get_string_member(n, "id"), ==, nodes[k]);
		g_assert_cmpint(json_object_get_int_member(n, "count"), ==, count[k]);
		g_assert_cmpfloat_with_epsilon(
		    json_object_get_double_member(n, "total_ms"), total[k], 1e-6);
		g_assert_cmpfloat_with_epsilon(
		    json_object_get_double_member(n, "mean_ms"), total[k] / (double)count[k], 1e-9);
		g_assert_cmpfloat(json_object_get_double_member(n, "p95_ms"), >, 0);
		g_assert_cmpfloat(json_object_get_double_member(n, "p50_ms"),
				  <=,
				  json_object_get_double_member(n, "p95_ms"));
		g_assert_cmpfloat(json_object_get_double_member(n, "p95_ms"),
				  <=,
				  json_object_get_double_member(n, "max_ms"));
		g_assert_cmpfloat(json_object_get_double_member(n, "max_ms"), ==, max[k]);
	}
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(so, "bottleneck"), "node"),
	    ==,
	    "s");
	trend = json_object_get_array_member(so, "trend");
	g_assert_cmpuint(json_array_get_length(trend), ==, 1);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(trend, 0), "day"), ==, day);
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(trend, 0), "runs"), ==, 5);

	/* a day with no run: the pipeline exists, so zeros, not 404 */
	tomorrow = g_strdup_printf("/pipelines/st/stats?since=%" G_GINT64_FORMAT,
				   g_get_real_time() / G_USEC_PER_SEC + 86400 * 2);
	empty = sdag_test_http_get_json(f->session, f->base, tomorrow);
	g_assert_cmpint(
	    json_object_get_int_member(
		json_object_get_object_member(json_node_get_object(empty), "runs"), "total"),
	    ==,
	    0);
	g_assert_true(json_object_get_null_member(json_node_get_object(empty), "bottleneck"));
}

static SdagTestProm *
scrape(Fixture *f)
{
	g_autofree char *url = g_strdup_printf("%s/metrics", f->base);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(SdagTestReply) r = sdag_test_http_msg(f->session, msg);

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_cmpstr(
	    soup_message_headers_get_one(soup_message_get_response_headers(msg), "Content-Type"),
	    ==,
	    "text/plain; version=0.0.4");
	return sdag_test_prom_parse(r->text);
}

static void
test_prometheus(Fixture *f, gconstpointer data)
{
	g_autoptr(SdagTestProm) p1 = NULL;
	g_autoptr(SdagTestProm) p2 = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(JsonNode) m = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	g_autofree char *id = NULL;
	const char *labels = "pipeline_id=\"pr\"";
	GHashTableIter iter;
	gpointer key;
	gpointer value;
	guint compared = 0;

	register_pipeline(f, "pr", 1);
	p1 = scrape(f);
	id = submit(f, "pr", "clip.mp4", "{\"stride\":3}");
	job = wait_status(f, id, "completed");
	m = job_metrics(f, id);
	r = http(f, "GET", "/jobs/nope", NULL);
	p2 = scrape(f);

	/* counters never go back */
	g_hash_table_iter_init(&iter, p1->samples);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		g_autofree char *name = g_strndup(key, strcspn(key, "{"));
		const char *type = g_hash_table_lookup(p1->types, name);
		double *later = g_hash_table_lookup(p2->samples, key);
		if (g_strcmp0(type, "counter") != 0 || later == NULL)
			continue;
		g_assert_cmpfloat(*later, >=, *(double *)value);
		compared++;
	}
	g_assert_cmpuint(compared, >, 0);
	g_assert_cmpfloat(sdag_test_prom_value(p2,
					       "streamdag_http_requests_total",
					       "route=\"/metrics\",method=\"GET\",status=\"200\""),
			  >=,
			  1);
	g_assert_cmpfloat(sdag_test_prom_value(p2,
					       "streamdag_http_requests_total",
					       "route=\"/jobs/*\",method=\"GET\",status=\"404\""),
			  ==,
			  1);
	g_assert_cmpfloat(sdag_test_prom_value(p2,
					       "streamdag_http_request_duration_seconds_count",
					       "route=\"/jobs\",method=\"POST\""),
			  ==,
			  1);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_jobs", "status=\"completed\""), ==, 1);
	g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_jobs", "status=\"queued\""), ==, 0);
	/* the figures are the job's own, under its pipeline: the only job of "pr" */
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_pipeline_frames_processed_total", labels),
	    ==,
	    json_object_get_int_member(json_node_get_object(job), "frames_processed"));
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_pipeline_frames_decoded_total", labels),
	    ==,
	    CLIP_FRAMES);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_pipeline_frames_dropped_total", labels), ==, 0);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_source_reconnects_total", labels), ==, 0);
	g_assert_cmpfloat(
	    sdag_test_prom_value(
		p2, "streamdag_node_duration_seconds_count", "pipeline_id=\"pr\",node=\"s\""),
	    ==,
	    json_object_get_int_member(node_of(json_node_get_object(m), "s"), "count"));
	g_assert_cmpfloat_with_epsilon(
	    sdag_test_prom_value(
		p2, "streamdag_node_duration_seconds_sum", "pipeline_id=\"pr\",node=\"s\""),
	    json_object_get_double_member(node_of(json_node_get_object(m), "s"), "total_ms") / 1e3,
	    1e-9);
	g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_rocksdb_write_stopped", NULL), ==, 0);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_rocksdb_write_stall_seconds_total", NULL), >=, 0);
	g_assert_false(
	    isnan(sdag_test_prom_value(p2, "streamdag_rocksdb_sst_files_size_bytes", NULL)));
#ifdef __SANITIZE_ADDRESS__
	/* the sanitizer's allocator stands in for glibc's: no allocator figures */
	g_assert_true(isnan(sdag_test_prom_value(p2, "streamdag_malloc_in_use_bytes", NULL)));
#else
	/* the allocator's figures: the live allocations hold the memtables and more */
	g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_malloc_in_use_bytes", NULL),
			  >,
			  sdag_test_prom_value(p2, "streamdag_rocksdb_memtables_size_bytes", NULL));
	g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_malloc_in_use_bytes", NULL), >, 1e6);
	g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_malloc_free_bytes", NULL), >=, 0);
#endif
	g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_mqtt_outbox_messages", NULL), ==, 0);
}

/* GET /metrics as text, and parsed into @parsed. */
static char *
scrape_text(Fixture *f, SdagTestProm **parsed)
{
	g_autoptr(SdagTestReply) r = http(f, "GET", "/metrics", NULL);

	g_assert_cmpuint(r->status, ==, 200);
	*parsed = sdag_test_prom_parse(r->text);
	return g_strdup(r->text);
}

/* Jobs come and go, series do not: 50 jobs of a pipeline leave as many series as the first
 * one did, none of them labelled by a job, and their figures add up under the pipeline. */
static void
test_prometheus_no_job_series(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(SdagTestProm) warm = NULL;
	g_autoptr(SdagTestProm) p1 = NULL;
	g_autoptr(SdagTestProm) p50 = NULL;
	g_autofree char *t0 = NULL;
	g_autofree char *t1 = NULL;
	g_autofree char *t50 = NULL;
	g_autofree char *version = NULL;
	const char *labels = "pipeline_id=\"many\"";
	guint n1;
	guint n50;
	gint64 processed = 0;
	gint64 decoded = 0;

	register_pipeline(f, "many", 0);
	/* the requests of one job and of one scrape have all been counted once before p1 */
	t0 = scrape_text(f, &warm);
	/* the first job alone, then the 49 others at once */
	for (guint i = 0; i < 50; i++) {
		g_ptr_array_add(ids, submit(f, "many", "clip.mp4", "{\"max_frames\":2}"));
		if (i > 0 && i < 49)
			continue;
		for (guint j = i == 0 ? 0 : 1; j <= i; j++) {
			g_autoptr(JsonNode) job = wait_status(f, g_ptr_array_index(ids, j), NULL);
			JsonObject *o = json_node_get_object(job);

			g_assert_cmpstr(status_of(job), ==, "completed");
			processed += json_object_get_int_member(o, "frames_processed");
			decoded += json_object_get_int_member(o, "frames_decoded");
		}
		if (i == 0)
			t1 = scrape_text(f, &p1);
	}
	t50 = scrape_text(f, &p50);

	g_assert_null(strstr(t0, "job_id"));
	g_assert_null(strstr(t1, "job_id"));
	g_assert_null(strstr(t50, "job_id"));
	n1 = g_hash_table_size(p1->samples);
	n50 = g_hash_table_size(p50->samples);
	g_test_message("%u series after the first job, %u after 50", n1, n50);
	g_assert_cmpuint(n50, ==, n1);
	/* the pipeline's counters went on through its jobs */
	g_assert_cmpint(processed, >=, 50);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p50, "streamdag_pipeline_frames_processed_total", labels),
	    ==,
	    (double)processed);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p50, "streamdag_pipeline_frames_decoded_total", labels),
	    ==,
	    (double)decoded);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p50, "streamdag_jobs", "status=\"completed\""), ==, 50);
	/* no camera's job ran: no camera series */
	g_assert_null(strstr(t50, "camera=\""));
	/* what an alert needs of the box itself */
	version = g_strdup_printf("version=\"%s\"", g_getenv("SDAG_TEST_VERSION"));
	g_assert_cmpfloat(sdag_test_prom_value(p50, "streamdag_build_info", version), ==, 1);
	g_assert_cmpstr(g_hash_table_lookup(p50->types, "streamdag_build_info"), ==, "gauge");
	/* MQTT is not configured */
	g_assert_cmpfloat(sdag_test_prom_value(p50, "streamdag_mqtt_connected", NULL), ==, 0);
}

/* The cache of ended jobs' answers in GET /metrics: reads of an ended job hit it, and with
 * [rest] job_cache_bytes=0 none does, and the answers are the same bytes either way. */
static void
test_job_cache(Fixture *f, gconstpointer data)
{
	const FixtureOpts *opts = data;
	g_autoptr(SdagTestProm) p1 = NULL;
	g_autoptr(SdagTestProm) p2 = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(SdagTestReply) first = NULL;
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	const char *hit = "result=\"hit\"";
	const char *miss = "result=\"miss\"";
	double hits;
	double misses;

	register_pipeline(f, "jc", 0);
	id = submit(f, "jc", "clip.mp4", NULL);
	job = wait_status(f, id, "completed");
	path = g_strdup_printf("/jobs/%s", id);
	first = http(f, "GET", path, NULL);
	p1 = scrape(f);
	for (guint i = 0; i < 3; i++) {
		g_autoptr(SdagTestReply) r = http(f, "GET", path, NULL);
		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpstr(r->text, ==, first->text);
	}
	p2 = scrape(f);
	hits = sdag_test_prom_value(p2, "streamdag_job_cache_lookups_total", hit) -
	       sdag_test_prom_value(p1, "streamdag_job_cache_lookups_total", hit);
	misses = sdag_test_prom_value(p2, "streamdag_job_cache_lookups_total", miss) -
		 sdag_test_prom_value(p1, "streamdag_job_cache_lookups_total", miss);
	if (opts->no_job_cache) {
		g_assert_cmpfloat(hits, ==, 0);
		g_assert_cmpfloat(misses, ==, 3);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p2, "streamdag_job_cache_entries", NULL), ==, 0);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p2, "streamdag_job_cache_bytes", NULL), ==, 0);
	} else {
		g_assert_cmpfloat(hits, ==, 3);
		g_assert_cmpfloat(misses, ==, 0);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p2, "streamdag_job_cache_entries", NULL), ==, 1);
		/* the answer and a fixed overhead per entry */
		g_assert_cmpfloat(sdag_test_prom_value(p2, "streamdag_job_cache_bytes", NULL),
				  >,
				  (double)strlen(first->text));
	}
}

/* streamdag_jobs{status} says what GET /jobs?status= lists, through submissions, failures,
 * deletions and a restart (where running jobs are failed by the interruption rule). */
static void
assert_jobs_by_status(Fixture *f, const char *when)
{
	g_autoptr(SdagTestProm) p = scrape(f);

	for (guint i = 0; i < SDAG_JOB_N_STATUSES; i++) {
		const char *status = sdag_job_status_to_string(i);
		g_autofree char *labels = g_strdup_printf("status=\"%s\"", status);
		g_autofree char *path = g_strdup_printf("/jobs?status=%s", status);
		g_autoptr(GPtrArray) listed = walk(f, path, "jobs", 100);
		double n = sdag_test_prom_value(p, "streamdag_jobs", labels);

		if (n != (double)listed->len)
			g_error("%s: streamdag_jobs{%s} is %g, GET %s lists %u",
				when,
				labels,
				n,
				path,
				listed->len);
	}
}

static void
test_jobs_by_status(Fixture *f, gconstpointer data)
{
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;
	g_autofree char *bad = NULL;
	g_autofree char *slow = NULL;
	g_autofree char *path = NULL;

	register_pipeline(f, "st", 0);
	register_pipeline(f, "st-slow", 1000);
	assert_jobs_by_status(f, "empty");
	a = submit(f, "st", "clip.mp4", NULL);
	b = submit(f, "st", "clip-b.mp4", NULL);
	c = submit(f, "st", "clip.mp4", NULL);
	bad = submit(f, "st", "text.mp4", NULL);
	json_node_unref(wait_status(f, bad, "failed"));
	json_node_unref(wait_status(f, c, "completed"));
	assert_jobs_by_status(f, "after four jobs");
	path = g_strdup_printf("/jobs/%s", b);
	{
		g_autoptr(SdagTestReply) r = http(f, "DELETE", path, NULL);
		g_assert_cmpuint(r->status, ==, 204);
	}
	slow = submit(f, "st-slow", "long.mp4", NULL);
	json_node_unref(wait_status(f, slow, "running"));
	assert_jobs_by_status(f, "after a deletion, one running");
	{
		g_autoptr(SdagTestProm) p = scrape(f);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p, "streamdag_jobs", "status=\"completed\""), ==, 2);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p, "streamdag_jobs", "status=\"running\""), ==, 1);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p, "streamdag_jobs", "status=\"failed\""), ==, 1);
	}
	daemon_stop(f);
	daemon_start(f, 1);
	assert_jobs_by_status(f, "after a restart");
	{
		g_autoptr(SdagTestProm) p = scrape(f);
		/* the slow job was interrupted: failed, as its on_interrupt says */
		g_assert_cmpfloat(
		    sdag_test_prom_value(p, "streamdag_jobs", "status=\"failed\""), ==, 2);
		g_assert_cmpfloat(
		    sdag_test_prom_value(p, "streamdag_jobs", "status=\"running\""), ==, 0);
	}
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	media_dir = sdag_test_mkdtemp();
	make_media();

#define ADD(name, opts, func) g_test_add(name, Fixture, opts, fixture_setup, func, fixture_teardown)
	ADD("/sdag/analytics/jobs/filters", &opts_one, test_jobs_filters);
	ADD("/sdag/analytics/jobs/paging-while-submitting",
	    &opts_one,
	    test_jobs_paging_while_submitting);
	ADD("/sdag/analytics/jobs/bad-filters", &opts_two, test_jobs_bad_filters);
	ADD("/sdag/analytics/jobs/index-backfill", &opts_one, test_index_backfill);
	ADD("/sdag/analytics/history/audit", &opts_one, test_audit);
	ADD("/sdag/analytics/metrics/accuracy", &opts_two, test_metrics_accuracy);
	ADD("/sdag/analytics/stats", &opts_two, test_pipeline_stats);
	ADD("/sdag/analytics/prometheus", &opts_two, test_prometheus);
	ADD("/sdag/analytics/prometheus/no-job-series", &opts_two, test_prometheus_no_job_series);
	ADD("/sdag/analytics/prometheus/job-cache", &opts_one, test_job_cache);
	ADD("/sdag/analytics/prometheus/jobs-by-status", &opts_one, test_jobs_by_status);
	ADD("/sdag/analytics/prometheus/job-cache-off", &opts_no_cache, test_job_cache);
#undef ADD

	ret = g_test_run();
	sdag_test_rmtree(media_dir);
	g_free(media_dir);
	return ret;
}
