/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /jobs/batch against one in-process daemon (one job slot, so that the queue's order
 * shows in the start times): each kind of bad batch with its exact status, code and the
 * index of each problem, nothing stored after any of them; partial batches; body order kept
 * as FIFO order; a full batch of [jobs] max_batch requests in one write. After every case
 * the job that completed before the first one reads back byte for byte and no job was
 * stored that should not have been. And a daemon process killed (SIGKILL) right after its
 * 202 or while it takes a batch: after the restart, the whole batch in body order or none.
 */
#include "sdag-daemon.h"
#include "sdag-json.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <string.h>

#define PASS_JSON                                                                                \
	"{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],\"edges\":" \
	"[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}"

/* The daemon every case talks to, and what it held before the first case. */
static struct {
	char *media_dir;
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
	char *clip_url;
	char *witness_id;
	char *witness_job;
} H;

static SdagTestReply *
http_to(const char *base, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    H.session, base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static SdagTestReply *
post_batch(const char *body)
{
	return http_to(H.base, "POST", "/jobs/batch", body);
}

/* {"pipeline_id": "witness", "video_url": the clip}: a request that is accepted */
static char *
good_item(void)
{
	return g_strdup_printf("{\"pipeline_id\":\"witness\",\"video_url\":\"%s\"}", H.clip_url);
}

/* {"jobs": [@items...], "partial": @partial}; @partial NULL leaves the member out */
static char *
batch_body(GPtrArray *items, const char *partial)
{
	g_autoptr(GString) body = g_string_new("{\"jobs\":[");

	for (guint i = 0; i < items->len; i++)
		g_string_append_printf(
		    body, "%s%s", i > 0 ? "," : "", (const char *)g_ptr_array_index(items, i));
	g_string_append_c(body, ']');
	if (partial != NULL)
		g_string_append_printf(body, ",\"partial\":%s", partial);
	g_string_append_c(body, '}');
	return g_string_free(g_steal_pointer(&body), FALSE);
}

/* @n good requests, with the ones at the indexes of @bad (ending in -1) replaced by the
 * request of the same place in @bad_items */
static GPtrArray *
items_with(guint n, const int *bad, const char *const *bad_items)
{
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < n; i++)
		g_ptr_array_add(items, good_item());
	for (guint k = 0; bad != NULL && bad[k] >= 0; k++) {
		g_free(g_ptr_array_index(items, bad[k]));
		g_ptr_array_index(items, bad[k]) = g_strdup(bad_items[k]);
	}
	return items;
}

static JsonObject *
get_job_at(const char *base, const char *id)
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);
	g_autoptr(SdagTestReply) r = http_to(base, "GET", path, NULL);

	g_assert_cmpuint(r->status, ==, 200);
	return json_object_ref(sdag_test_reply_object(r));
}

static JsonObject *
wait_terminal(const char *id)
{
	gint64 limit_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 600 : 60;
	gint64 deadline = g_get_monotonic_time() + limit_s * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		JsonObject *o = get_job_at(H.base, id);
		if (sdag_test_job_is_terminal(json_object_get_string_member(o, "status")))
			return o;
		json_object_unref(o);
		sdag_test_spin(20);
	}
	g_error("job %s did not end within %" G_GINT64_FORMAT " s", id, limit_s);
}

/* The ids of the stored jobs, oldest first (at most 1000). */
static GPtrArray *
job_ids_at(const char *base)
{
	g_autoptr(JsonNode) list =
	    sdag_test_http_get_json(H.session, base, "/jobs?order=asc&limit=1000");
	JsonArray *jobs = json_object_get_array_member(json_node_get_object(list), "jobs");
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < json_array_get_length(jobs); i++)
		g_ptr_array_add(ids,
				g_strdup(json_object_get_string_member(
				    json_array_get_object_element(jobs, i), "job_id")));
	return ids;
}

static guint
count_jobs(void)
{
	g_autoptr(GPtrArray) ids = job_ids_at(H.base);

	return ids->len;
}

/* The daemon answers, the job stored before the first case is the same, and the store holds
 * @expected jobs. */
static void
assert_intact(guint expected)
{
	g_autofree char *job_path = g_strdup_printf("/jobs/%s", H.witness_id);
	g_autoptr(SdagTestReply) health = http_to(H.base, "GET", "/healthz", NULL);
	g_autoptr(SdagTestReply) job = http_to(H.base, "GET", job_path, NULL);

	g_assert_cmpuint(health->status, ==, 200);
	g_assert_cmpuint(job->status, ==, 200);
	g_assert_cmpstr(job->text, ==, H.witness_job);
	g_assert_cmpuint(count_jobs(), ==, expected);
}

/* The shape refused as a whole, before any request is looked at: status, code, message. */
typedef struct {
	const char *name;
	const char *body; /* "ITEM": a good request */
	guint status;
	const char *code;
	const char *message;
} ShapeCase;

static const ShapeCase shape_cases[] = {
    {"not-an-object", "[ITEM]", 400, "bad_request", "the body must be a JSON object"},
    {"jobs-missing", "{\"partial\":true}", 400, "bad_request", "'jobs' must be an array"},
    {"jobs-not-an-array", "{\"jobs\":ITEM}", 400, "bad_request", "'jobs' must be an array"},
    {"jobs-null", "{\"jobs\":null}", 400, "bad_request", "'jobs' must be an array"},
    {"empty", "{\"jobs\":[]}", 400, "bad_request", "'jobs' holds no job request"},
    {"unknown-member",
     "{\"jobs\":[ITEM],\"priority\":1}",
     400,
     "bad_request",
     "unknown member 'priority' (known: jobs, partial)"},
    {"partial-not-boolean",
     "{\"jobs\":[ITEM],\"partial\":\"yes\"}",
     400,
     "bad_request",
     "'partial' must be true or false"},
    {"not-json", "{\"jobs\":[ITEM", 400, "bad_json", "request body is not JSON"},
};

static void
shape_case(gconstpointer data)
{
	const ShapeCase *tc = data;
	g_autofree char *item = good_item();
	g_autoptr(GString) text = g_string_new(tc->body);
	g_autofree char *body = NULL;
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = NULL;
	JsonObject *err;

	g_string_replace(text, "ITEM", item, 0);
	body = g_string_free(g_steal_pointer(&text), FALSE);
	r = post_batch(body);
	sdag_test_assert_error(r, tc->status, tc->code);
	err = json_object_get_object_member(sdag_test_reply_object(r), "error");
	g_assert_nonnull(strstr(json_object_get_string_member(err, "message"), tc->message));
	assert_intact(before);
}

/* One more request than [jobs] max_batch: 413 batch_too_large, before any is checked (the
 * bad one among them is not reported). */
static void
batch_over_max(void)
{
	static const int bad[] = {3, -1};
	static const char *const bad_items[] = {"{\"pipeline_id\":\"nope\"}"};
	g_autoptr(GPtrArray) items = items_with(1001, bad, bad_items);
	g_autofree char *body = batch_body(items, NULL);
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = post_batch(body);
	JsonObject *err;

	sdag_test_assert_error(r, 413, "batch_too_large");
	err = json_object_get_object_member(sdag_test_reply_object(r), "error");
	g_assert_cmpstr(json_object_get_string_member(err, "message"),
			==,
			"1001 job requests are more than [jobs] max_batch (1000)");
	g_assert_true(json_object_get_null_member(err, "details"));
	assert_intact(before);
}

/* A body over [rest] max_body_bytes: 413 payload_too_large, nothing read or stored. */
static void
batch_huge_body(void)
{
	g_autofree char *item = good_item();
	g_autoptr(GString) body = g_string_new("{\"jobs\":[");
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = NULL;

	while (body->len <= 1048576)
		g_string_append_printf(body, "%s,", item);
	g_string_append_printf(body, "%s]}", item);
	r = post_batch(body->str);
	sdag_test_assert_error(r, 413, "payload_too_large");
	assert_intact(before);
}

/* Checks the details of an invalid_batch answer: one problem per refused request, in body
 * order, each with its index and code. */
static void
assert_problems(SdagTestReply *r, const int *indexes, const char *const *codes)
{
	JsonObject *err = json_object_get_object_member(sdag_test_reply_object(r), "error");
	JsonArray *problems =
	    json_object_get_array_member(json_object_get_object_member(err, "details"), "problems");
	guint n = 0;

	while (indexes[n] >= 0)
		n++;
	g_assert_cmpuint(json_array_get_length(problems), ==, n);
	for (guint i = 0; i < n; i++) {
		JsonObject *p = json_array_get_object_element(problems, i);
		g_assert_cmpint(json_object_get_int_member(p, "index"), ==, indexes[i]);
		g_assert_cmpstr(json_object_get_string_member(p, "code"), ==, codes[i]);
		g_assert_cmpstr(json_object_get_string_member(p, "message"), !=, "");
	}
}

/* Ten requests, the one at index 7 naming a pipeline that does not exist: 422 invalid_batch
 * naming index 7, and none of the nine good ones stored. */
static void
batch_unknown_pipeline_at_7(void)
{
	static const int bad[] = {7, -1};
	g_autofree char *nope = g_strdup_printf(
	    "{\"pipeline_id\":\"passthrough_v2\",\"video_url\":\"%s\"}", H.clip_url);
	const char *bad_items[] = {nope};
	static const char *const codes[] = {"pipeline_not_found"};
	g_autoptr(GPtrArray) items = items_with(10, bad, bad_items);
	g_autofree char *body = batch_body(items, NULL);
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = post_batch(body);
	JsonObject *err;

	sdag_test_assert_error(r, 422, "invalid_batch");
	err = json_object_get_object_member(sdag_test_reply_object(r), "error");
	g_assert_cmpstr(
	    json_object_get_string_member(err, "message"),
	    ==,
	    "job 7: no pipeline 'passthrough_v2' (1 of 10 requests refused; none stored)");
	assert_problems(r, bad, codes);
	assert_intact(before);
}

/* Every kind of refused request at once: each reported with its own index and the code
 * POST /jobs would answer, in body order; a password in a URL does not come back. */
static void
batch_every_problem(void)
{
	static const int bad[] = {0, 2, 3, 5, 6, 8, 9, -1};
	g_autofree char *bad_option = g_strdup_printf(
	    "{\"pipeline_id\":\"witness\",\"video_url\":\"%s\",\"options\":{\"stride\":0}}",
	    H.clip_url);
	const char *bad_items[] = {
	    "42",
	    bad_option,
	    "{\"pipeline_id\":\"witness\"}",
	    "{\"pipeline_id\":\"witness\",\"video_url\":\"file:///etc/passwd\"}",
	    "{\"pipeline_id\":\"witness\",\"video_url\":\"ftp://u:hunter2@example.com/a.mp4\"}",
	    "{\"pipeline_id\":\"witness\",\"video_url\":\"x\",\"priority\":1}",
	    "{\"pipeline_id\":\"nope\",\"video_url\":\"file:///a.mp4\"}",
	};
	static const char *const codes[] = {"bad_request",
					    "bad_option",
					    "bad_request",
					    "source_forbidden",
					    "unsupported_source",
					    "bad_request",
					    "pipeline_not_found"};
	g_autoptr(GPtrArray) items = items_with(10, bad, bad_items);
	g_autofree char *body = batch_body(items, "false");
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = post_batch(body);

	sdag_test_assert_error(r, 422, "invalid_batch");
	assert_problems(r, bad, codes);
	g_assert_null(strstr(r->text, "hunter2"));
	assert_intact(before);
}

/* With "partial": the good requests stored and queued, the bad ones listed; the answer
 * gives each stored job the index of its request. */
static void
batch_partial(void)
{
	static const int bad[] = {1, 3, -1};
	const char *bad_items[] = {"{\"pipeline_id\":\"nope\",\"video_url\":\"file:///a.mp4\"}",
				   "{}"};
	g_autoptr(GPtrArray) items = items_with(5, bad, bad_items);
	g_autofree char *body = batch_body(items, "true");
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = post_batch(body);
	JsonObject *answer;
	JsonArray *jobs;
	JsonArray *rejected;
	const int stored[] = {0, 2, 4};

	g_assert_cmpuint(r->status, ==, 202);
	answer = sdag_test_reply_object(r);
	jobs = json_object_get_array_member(answer, "jobs");
	rejected = json_object_get_array_member(answer, "rejected");
	g_assert_cmpuint(json_array_get_length(jobs), ==, 3);
	g_assert_cmpuint(json_array_get_length(rejected), ==, 2);
	for (guint i = 0; i < 3; i++) {
		JsonObject *j = json_array_get_object_element(jobs, i);
		g_autoptr(JsonObject) done =
		    wait_terminal(json_object_get_string_member(j, "job_id"));
		g_assert_cmpint(json_object_get_int_member(j, "index"), ==, stored[i]);
		g_assert_cmpstr(json_object_get_string_member(j, "status"), ==, "queued");
		g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
	}
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(rejected, 0), "index"), ==, 1);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(rejected, 0), "code"),
	    ==,
	    "pipeline_not_found");
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(rejected, 1), "index"), ==, 3);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(rejected, 1), "code"),
	    ==,
	    "bad_request");
	assert_intact(before + 3);
}

/* With "partial" and no good request: nothing to store, 422 as without it. */
static void
batch_partial_none_valid(void)
{
	static const char body[] = "{\"partial\":true,\"jobs\":[{},{\"pipeline_id\":\"nope\"}]}";
	static const int indexes[] = {0, 1, -1};
	static const char *const codes[] = {"bad_request", "bad_request"};
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = post_batch(body);

	sdag_test_assert_error(r, 422, "invalid_batch");
	assert_problems(r, indexes, codes);
	assert_intact(before);
}

/* A batch is stored in body order and runs in it: the jobs list (oldest first) ends with
 * them in that order, and with one slot each starts after the one before it has ended. */
static void
batch_fifo(void)
{
	g_autoptr(GPtrArray) items = items_with(6, NULL, NULL);
	g_autofree char *body = batch_body(items, NULL);
	guint before = count_jobs();
	g_autoptr(SdagTestReply) r = post_batch(body);
	g_autoptr(GPtrArray) ids = NULL;
	g_autofree char *prev_finished = NULL;
	JsonArray *jobs;

	g_assert_cmpuint(r->status, ==, 202);
	jobs = json_object_get_array_member(sdag_test_reply_object(r), "jobs");
	g_assert_cmpuint(json_array_get_length(jobs), ==, 6);
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(sdag_test_reply_object(r), "rejected")),
			 ==,
			 0);
	ids = job_ids_at(H.base);
	g_assert_cmpuint(ids->len, ==, before + 6);
	for (guint i = 0; i < 6; i++) {
		JsonObject *j = json_array_get_object_element(jobs, i);
		const char *id = json_object_get_string_member(j, "job_id");
		g_autoptr(JsonObject) done = wait_terminal(id);

		g_assert_cmpint(json_object_get_int_member(j, "index"), ==, i);
		g_assert_cmpstr(g_ptr_array_index(ids, before + i), ==, id);
		g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
		/* RFC 3339 UTC, same length: text order is time order */
		if (prev_finished != NULL)
			g_assert_cmpstr(
			    json_object_get_string_member(done, "started_at"), >=, prev_finished);
		g_free(prev_finished);
		prev_finished = g_strdup(json_object_get_string_member(done, "finished_at"));
	}
	assert_intact(before + 6);
}

/* The batch is one audit row, action job.submit_batch. */
static void
batch_audited(void)
{
	g_autoptr(JsonNode) page =
	    sdag_test_http_get_json(H.session, H.base, "/history?action=job.submit_batch&limit=1");
	JsonArray *entries = json_object_get_array_member(json_node_get_object(page), "entries");
	JsonObject *row;

	g_assert_cmpuint(json_array_get_length(entries), ==, 1);
	row = json_array_get_object_element(entries, 0);
	g_assert_cmpstr(json_object_get_string_member(row, "object"), ==, "/jobs/batch");
}

/* [jobs] max_batch requests (1000, the default) in one body under the default body cap, on a
 * daemon of their own: all stored in one write, in body order, all queued. */
static void
batch_full_size(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *base = NULL;
	g_autofree char *pass = g_strdup_printf(PASS_JSON, "witness");
	g_autoptr(GPtrArray) items = items_with(1000, NULL, NULL);
	g_autofree char *body = batch_body(items, NULL);
	g_autoptr(SdagTestReply) p = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	SdagConfig *cfg = sdag_config_new();
	SdagDaemon *daemon;
	JsonArray *jobs;
	gint64 t0;

	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, H.media_dir);
	cfg->max_concurrent_jobs = 1;
	g_assert_cmpuint(cfg->max_batch, ==, 1000);
	g_assert_cmpuint(strlen(body), <, cfg->max_body_bytes);
	daemon = sdag_test_daemon_open(cfg, &base);
	p = http_to(base, "POST", "/pipelines", pass);
	g_assert_cmpuint(p->status, ==, 201);

	t0 = g_get_monotonic_time();
	r = http_to(base, "POST", "/jobs/batch", body);
	g_test_message("1000 jobs (%zu bytes) answered in %.1f ms",
		       strlen(body),
		       (double)(g_get_monotonic_time() - t0) / 1000.0);
	g_assert_cmpuint(r->status, ==, 202);
	jobs = json_object_get_array_member(sdag_test_reply_object(r), "jobs");
	g_assert_cmpuint(json_array_get_length(jobs), ==, 1000);
	ids = job_ids_at(base);
	g_assert_cmpuint(ids->len, ==, 1000);
	for (guint i = 0; i < 1000; i++) {
		JsonObject *j = json_array_get_object_element(jobs, i);
		g_assert_cmpint(json_object_get_int_member(j, "index"), ==, i);
		g_assert_cmpstr(
		    g_ptr_array_index(ids, i), ==, json_object_get_string_member(j, "job_id"));
	}
	{
		/* the last is queued behind 999 others, stored as the first */
		g_autoptr(JsonObject) last =
		    get_job_at(base,
			       json_object_get_string_member(
				   json_array_get_object_element(jobs, 999), "job_id"));
		g_assert_cmpstr(json_object_get_string_member(last, "status"), ==, "queued");
	}
	sdag_test_daemon_close(daemon);
	sdag_test_rmtree(dir);
}

/* A daemon process of its own on the shared clip, one job slot, the witness pipeline
 * registered. */
static SdagTestSvc *
kill_daemon_start(void)
{
	g_autofree char *conf =
	    g_strdup_printf("[jobs]\nmax_concurrent_jobs=1\nmedia_roots=%s\n", H.media_dir);
	g_autofree char *pass = g_strdup_printf(PASS_JSON, "witness");
	SdagTestSvc *svc = sdag_test_svc_start(conf, "127.0.0.1:0", NULL);
	g_autoptr(SdagTestReply) p = http_to(svc->base, "POST", "/pipelines", pass);

	g_assert_cmpuint(p->status, ==, 201);
	return svc;
}

/* After a SIGKILL and a restart, the stored jobs are exactly @want (ids, in order), or none
 * when @want is NULL. */
static void
assert_jobs_after_restart(SdagTestSvc *svc, GPtrArray *want)
{
	g_autoptr(GPtrArray) ids = NULL;

	sdag_test_svc_respawn(svc);
	ids = job_ids_at(svc->base);
	if (want == NULL) {
		g_assert_cmpuint(ids->len, ==, 0);
		return;
	}
	g_assert_cmpuint(ids->len, ==, want->len);
	for (guint i = 0; i < want->len; i++)
		g_assert_cmpstr(g_ptr_array_index(ids, i), ==, g_ptr_array_index(want, i));
}

/* The 202 comes after the batch's one synced write: a SIGKILL right after it loses none of
 * the batch, and the order is the body's. */
static void
batch_sigkill_after_answer(void)
{
	g_autoptr(SdagTestSvc) svc = kill_daemon_start();
	g_autoptr(GPtrArray) items = items_with(200, NULL, NULL);
	g_autofree char *body = batch_body(items, NULL);
	g_autoptr(SdagTestReply) r = http_to(svc->base, "POST", "/jobs/batch", body);
	g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
	JsonArray *jobs;

	g_assert_cmpuint(r->status, ==, 202);
	sdag_test_svc_stop(svc, SIGKILL);
	jobs = json_object_get_array_member(sdag_test_reply_object(r), "jobs");
	for (guint i = 0; i < json_array_get_length(jobs); i++)
		g_ptr_array_add(want,
				g_strdup(json_object_get_string_member(
				    json_array_get_object_element(jobs, i), "job_id")));
	g_assert_cmpuint(want->len, ==, 200);
	assert_jobs_after_restart(svc, want);
	sdag_test_svc_stop(svc, SIGTERM);
}

/* A SIGKILL while the daemon reads, checks and stores a batch of 1000, before its answer
 * has been read: after the restart the batch is there whole, in body order, or not at all.
 * The kill comes at a different point of the request at each delay. */
static void
batch_sigkill_during(gconstpointer data)
{
	const guint delay_ms = GPOINTER_TO_UINT(data);
	g_autoptr(SdagTestSvc) svc = kill_daemon_start();
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *body = NULL;
	g_autoptr(GUri) uri = g_uri_parse(svc->base, G_URI_FLAGS_NONE, NULL);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *head = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	GOutputStream *out;

	/* each request told apart by its max_frames: its place in the body, from 1 */
	for (guint i = 0; i < 1000; i++)
		g_ptr_array_add(items,
				g_strdup_printf("{\"pipeline_id\":\"witness\",\"video_url\":\"%s\","
						"\"options\":{\"max_frames\":%u}}",
						H.clip_url,
						i + 1));
	body = batch_body(items, NULL);
	conn = g_socket_client_connect_to_host(
	    client, g_uri_get_host(uri), (guint16)g_uri_get_port(uri), NULL, &error);
	g_assert_no_error(error);
	out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	head = g_strdup_printf("POST /jobs/batch HTTP/1.1\r\nHost: %s\r\n"
			       "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			       g_uri_get_host(uri),
			       strlen(body));
	g_assert_true(g_output_stream_write_all(out, head, strlen(head), NULL, NULL, &error));
	g_assert_true(g_output_stream_write_all(out, body, strlen(body), NULL, NULL, &error));
	g_assert_no_error(error);
	if (delay_ms > 0)
		g_usleep(delay_ms * 1000);
	sdag_test_svc_stop(svc, SIGKILL);

	sdag_test_svc_respawn(svc);
	ids = job_ids_at(svc->base);
	g_test_message("killed %u ms after the body was sent: %u jobs stored", delay_ms, ids->len);
	g_assert_true(ids->len == 0 || ids->len == 1000);
	/* in body order: the first, a middle one and the last hold their own request */
	for (guint k = 0; ids->len == 1000 && k < 3; k++) {
		const guint at[] = {0, 499, 999};
		g_autoptr(JsonObject) job = get_job_at(svc->base, ids->pdata[at[k]]);
		JsonObject *options = json_object_get_object_member(job, "options");

		g_assert_cmpint(json_object_get_int_member(options, "max_frames"), ==, at[k] + 1);
	}
	sdag_test_svc_stop(svc, SIGTERM);
}

static void
shared_daemon_open(void)
{
	g_autoptr(GError) error = NULL;
	SdagConfig *cfg = sdag_config_new();
	g_autofree char *body = g_strdup_printf(PASS_JSON, "witness");
	g_autofree char *clip = NULL;
	g_autofree char *item = NULL;
	g_autofree char *job_path = NULL;
	g_autoptr(SdagTestReply) p = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(JsonObject) done = NULL;

	H.media_dir = sdag_test_mkdtemp();
	clip = g_build_filename(H.media_dir, "clip.mp4", NULL);
	sdag_test_make_clip(clip, 10, 160, 120, 30);
	H.clip_url = g_filename_to_uri(clip, NULL, NULL);
	H.dir = sdag_test_mkdtemp();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, H.dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, H.media_dir);
	/* one slot: the queue's order is the order jobs start in */
	cfg->max_concurrent_jobs = 1;
	H.daemon = sdag_test_daemon_open(cfg, &H.base);
	H.session = soup_session_new();

	p = http_to(H.base, "POST", "/pipelines", body);
	g_assert_cmpuint(p->status, ==, 201);
	item = good_item();
	r = http_to(H.base, "POST", "/jobs", item);
	g_assert_cmpuint(r->status, ==, 202);
	H.witness_id = g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
	done = wait_terminal(H.witness_id);
	g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
	job_path = g_strdup_printf("/jobs/%s", H.witness_id);
	{
		g_autoptr(SdagTestReply) j = http_to(H.base, "GET", job_path, NULL);
		H.witness_job = g_strdup(j->text);
	}
}

static void
shared_daemon_close(void)
{
	g_object_unref(H.session);
	sdag_test_daemon_close(H.daemon);
	sdag_test_rmtree(H.dir);
	sdag_test_rmtree(H.media_dir);
	g_free(H.dir);
	g_free(H.media_dir);
	g_free(H.base);
	g_free(H.clip_url);
	g_free(H.witness_id);
	g_free(H.witness_job);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	shared_daemon_open();
	for (guint i = 0; i < G_N_ELEMENTS(shape_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/batch/shape/%s", shape_cases[i].name);
		g_test_add_data_func(path, &shape_cases[i], shape_case);
	}
	g_test_add_func("/sdag/batch/over-max-batch", batch_over_max);
	g_test_add_func("/sdag/batch/huge-body", batch_huge_body);
	g_test_add_func("/sdag/batch/unknown-pipeline-at-7", batch_unknown_pipeline_at_7);
	g_test_add_func("/sdag/batch/every-problem", batch_every_problem);
	g_test_add_func("/sdag/batch/partial", batch_partial);
	g_test_add_func("/sdag/batch/partial-none-valid", batch_partial_none_valid);
	g_test_add_func("/sdag/batch/fifo", batch_fifo);
	g_test_add_func("/sdag/batch/audited", batch_audited);
	g_test_add_func("/sdag/batch/full-size", batch_full_size);
	g_test_add_func("/sdag/batch/sigkill-after-answer", batch_sigkill_after_answer);
	/* before the body is parsed, while it is checked, while it is written or after */
	g_test_add_data_func(
	    "/sdag/batch/sigkill-during/0ms", GUINT_TO_POINTER(0), batch_sigkill_during);
	g_test_add_data_func(
	    "/sdag/batch/sigkill-during/20ms", GUINT_TO_POINTER(20), batch_sigkill_during);
	g_test_add_data_func(
	    "/sdag/batch/sigkill-during/100ms", GUINT_TO_POINTER(100), batch_sigkill_during);
	rc = g_test_run();
	shared_daemon_close();
	return rc;
}
