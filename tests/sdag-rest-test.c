/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The REST API over real HTTP: the daemon's server on an ephemeral loopback
 * port, a libsoup client, every route and every error status.
 */
#include "sdag-daemon.h"
#include "sdag-json.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct {
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
	char *witness; /* a pipeline record registered first, to check it survives */
} Fixture;

typedef SdagTestReply Reply;
#define reply_free sdag_test_reply_free
#define reply_error_code sdag_test_reply_error_code
#define assert_error sdag_test_assert_error
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reply, sdag_test_reply_free)

static Reply *
http_msg(Fixture *f, SoupMessage *msg)
{
	return sdag_test_http_msg(f->session, msg);
}

static Reply *
http(Fixture *f,
     const char *method,
     const char *path,
     const char *ctype,
     const char *body,
     gssize len)
{
	return sdag_test_http(f->session, f->base, method, path, ctype, body, len);
}

static Reply *
http_post_json(Fixture *f, const char *path, const char *body)
{
	return http(f, "POST", path, "application/json", body, -1);
}

#define PASS_JSON                                                                                \
	"{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],\"edges\":" \
	"[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}"

#define COUNT_JSON                                                                                 \
	"{\"pipeline_id\":\"counter\",\"description\":\"boxes counted\",\"nodes\":[{\"id\":\"d\"," \
	"\"type\":\"det\"},{\"id\":\"c\",\"type\":\"count\",\"params\":{\"labels\":[\"person\"]}}" \
	"],"                                                                                       \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"d.frame\"},{\"from\":\"d.detections\","    \
	"\"to\":\"c.detections\"}],\"outputs\":[\"c.counts\"]}"

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autofree char *body = g_strdup_printf(PASS_JSON, "witness");
	g_autoptr(Reply) r = NULL;

	f->dir = sdag_test_mkdtemp();
	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, f->dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	cfg->max_body_bytes = 64 * 1024;
	f->daemon = sdag_daemon_new(g_steal_pointer(&cfg), &error);
	g_assert_no_error(error);
	sdag_test_types_add(f->daemon->types);
	f->session = soup_session_new();
	f->base = g_strdup_printf("http://127.0.0.1:%u", sdag_daemon_get_port(f->daemon));

	r = http_post_json(f, "/pipelines", body);
	g_assert_cmpuint(r->status, ==, 201);
	g_clear_pointer(&r, reply_free);
	r = http(f, "GET", "/pipelines/witness", NULL, NULL, 0);
	g_assert_cmpuint(r->status, ==, 200);
	f->witness = g_strdup(r->text);
}

/* Whatever a test did, the pipeline registered first is still there, byte for byte. */
static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r = http(f, "GET", "/pipelines/witness", NULL, NULL, 0);

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_cmpstr(r->text, ==, f->witness);
	g_object_unref(f->session);
	sdag_daemon_free(f->daemon);
	while (g_main_context_iteration(NULL, FALSE))
		;
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->base);
	g_free(f->witness);
}

static void
rest_healthz(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r = http(f, "GET", "/healthz", NULL, NULL, 0);
	JsonObject *o;

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_cmpstr(r->ctype, ==, "application/json");
	o = json_node_get_object(r->json);
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "ok");
	g_assert_cmpint(json_object_get_int_member(o, "node_types"), ==, 15);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "store"), "schema_version"),
	    ==,
	    1);
	g_assert_cmpuint(
	    json_array_get_length(json_object_get_array_member(o, "plugins_skipped")), ==, 0);
}

/* The OpenAPI document parses and names every route the server has. */
static void
rest_openapi(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r = http(f, "GET", "/openapi.json", NULL, NULL, 0);
	const struct {
		const char *path;
		const char *method;
	} routes[] = {{"/healthz", "get"},
		      {"/openapi.json", "get"},
		      {"/node-types", "get"},
		      {"/pipelines", "get"},
		      {"/pipelines", "post"},
		      {"/pipelines/{id}", "get"},
		      {"/pipelines/{id}", "delete"},
		      {"/pipelines/{id}/run", "post"},
		      {"/jobs", "get"},
		      {"/jobs", "post"},
		      {"/jobs/batch", "post"},
		      {"/jobs/{id}", "get"},
		      {"/jobs/{id}", "delete"},
		      {"/jobs/{id}/cancel", "post"},
		      {"/jobs/{id}/results", "get"},
		      {"/jobs/{id}/frames", "get"},
		      {"/jobs/{id}/snapshot.jpg", "get"},
		      {"/jobs/{id}/metrics", "get"},
		      {"/pipelines/{id}/stats", "get"},
		      {"/history", "get"},
		      {"/metrics", "get"},
		      {"/jobs/{id}/events", "get"},
		      {"/cameras", "get"},
		      {"/cameras/{name}", "get"},
		      {"/cameras/{name}", "put"},
		      {"/cameras/{name}", "delete"},
		      {"/cameras/{name}/enable", "post"},
		      {"/cameras/{name}/disable", "post"},
		      {"/cameras/{name}/snapshot.jpg", "get"},
		      {"/cameras/{name}/events", "get"},
		      {"/admin/fsck", "get"},
		      {"/admin/backup", "post"},
		      {"/jobs/prune", "post"}};
	JsonObject *root;
	JsonObject *paths;

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_nonnull(r->json);
	root = json_node_get_object(r->json);
	g_assert_true(g_str_has_prefix(json_object_get_string_member(root, "openapi"), "3."));
	paths = json_object_get_object_member(root, "paths");
	g_assert_cmpuint(json_object_get_size(paths), ==, 27);
	for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
		JsonObject *item = json_object_get_object_member(paths, routes[i].path);
		g_assert_nonnull(item);
		g_assert_true(json_object_has_member(item, routes[i].method));
	}
}

static void
rest_node_types(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r = http(f, "GET", "/node-types", NULL, NULL, 0);
	JsonArray *arr;
	JsonObject *first;

	g_assert_cmpuint(r->status, ==, 200);
	arr = json_object_get_array_member(json_node_get_object(r->json), "node_types");
	g_assert_cmpuint(json_array_get_length(arr), ==, 15);
	first = json_array_get_object_element(arr, 0);
	g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "count");
	g_assert_cmpuint(
	    json_array_get_length(json_object_get_array_member(first, "params")), ==, 2);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(arr, 13), "name"),
	    ==,
	    "trk");
}

static void
rest_pipeline_lifecycle(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r1 = http_post_json(f, "/pipelines", COUNT_JSON);
	g_autoptr(Reply) r2 = NULL;
	g_autoptr(Reply) r3 = NULL;
	g_autoptr(Reply) r4 = NULL;
	g_autoptr(Reply) got = NULL;
	g_autoptr(Reply) list = NULL;
	g_autoptr(Reply) del = NULL;
	g_autoptr(Reply) gone = NULL;
	g_autoptr(Reply) del2 = NULL;
	g_autoptr(Reply) again = NULL;
	g_autoptr(Reply) got2 = NULL;
	JsonObject *o;
	JsonObject *def;
	JsonArray *items;

	g_assert_cmpuint(r1->status, ==, 201);
	o = json_node_get_object(r1->json);
	g_assert_true(json_object_get_boolean_member(o, "created"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "order")), ==, 2);
	g_assert_cmpstr(
	    json_array_get_string_element(json_object_get_array_member(o, "order"), 0), ==, "d");

	/* the same body again: idempotent, with the first creation time */
	r2 = http_post_json(f, "/pipelines", COUNT_JSON);
	g_assert_cmpuint(r2->status, ==, 200);
	g_assert_false(json_object_get_boolean_member(json_node_get_object(r2->json), "created"));
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(r2->json), "created_at"),
			==,
			json_object_get_string_member(o, "created_at"));

	/* the same definition written differently, defaults spelt out: still the same */
	r3 = http_post_json(
	    f,
	    "/pipelines",
	    "{ \"outputs\": [\"c.counts\"], \"pipeline_id\": \"counter\",\n"
	    "  \"description\": \"boxes counted\", \"edges\": [{\"to\": \"d.frame\", \"from\": "
	    "\"source.frame\"}, {\"from\": \"d.detections\", \"to\": \"c.detections\"}],\n"
	    "  \"nodes\": [{\"type\": \"det\", \"id\": \"d\", \"params\": {\"min_score\": 0.5}}, "
	    "{\"id\": \"c\", \"type\": \"count\", \"params\": {\"min_score\": 0, \"labels\": "
	    "[\"person\"]}}]}");
	g_assert_cmpuint(r3->status, ==, 200);

	got = http(f, "GET", "/pipelines/counter", NULL, NULL, 0);
	g_assert_cmpuint(got->status, ==, 200);

	/* a different definition under the same id: 409, the original untouched */
	r4 = http_post_json(f,
			    "/pipelines",
			    "{\"pipeline_id\":\"counter\",\"nodes\":[{\"id\":\"p\",\"type\":"
			    "\"passthrough\"}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
			    "\"p.frame\"}]}");
	assert_error(r4, 409, "conflict");
	got2 = http(f, "GET", "/pipelines/counter", NULL, NULL, 0);
	g_assert_cmpstr(got2->text, ==, got->text);

	o = json_node_get_object(got->json);
	g_assert_cmpstr(json_object_get_string_member(o, "pipeline_id"), ==, "counter");
	def = json_object_get_object_member(o, "definition");
	/* params are stored completed with their defaults */
	g_assert_cmpfloat(
	    json_object_get_double_member(
		json_object_get_object_member(
		    json_array_get_object_element(json_object_get_array_member(def, "nodes"), 0),
		    "params"),
		"min_score"),
	    ==,
	    0.5);

	list = http(f, "GET", "/pipelines", NULL, NULL, 0);
	g_assert_cmpuint(list->status, ==, 200);
	items = json_object_get_array_member(json_node_get_object(list->json), "pipelines");
	g_assert_cmpuint(json_array_get_length(items), ==, 2);
	o = json_array_get_object_element(items, 0);
	g_assert_cmpstr(json_object_get_string_member(o, "pipeline_id"), ==, "counter");
	g_assert_cmpstr(json_object_get_string_member(o, "description"), ==, "boxes counted");
	g_assert_cmpint(json_object_get_int_member(o, "nodes"), ==, 2);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(items, 1), "pipeline_id"),
	    ==,
	    "witness");

	del = http(f, "DELETE", "/pipelines/counter", NULL, NULL, 0);
	g_assert_cmpuint(del->status, ==, 204);
	g_assert_cmpuint(g_bytes_get_size(del->body), ==, 0);
	gone = http(f, "GET", "/pipelines/counter", NULL, NULL, 0);
	assert_error(gone, 404, "not_found");
	del2 = http(f, "DELETE", "/pipelines/counter", NULL, NULL, 0);
	assert_error(del2, 404, "not_found");
	/* a deleted id is free again */
	again = http_post_json(f, "/pipelines", COUNT_JSON);
	g_assert_cmpuint(again->status, ==, 201);
}

static void
rest_dry_run(Fixture *f, gconstpointer data)
{
	g_autofree char *body = g_strdup_printf(PASS_JSON, "dry");
	g_autoptr(Reply) r = http_post_json(f, "/pipelines?dry_run=true", body);
	g_autoptr(Reply) got = NULL;
	g_autoptr(Reply) bad = NULL;
	g_autoptr(Reply) badq = NULL;

	g_assert_cmpuint(r->status, ==, 200);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(r->json), "valid"));
	got = http(f, "GET", "/pipelines/dry", NULL, NULL, 0);
	assert_error(got, 404, "not_found");
	bad = http_post_json(
	    f,
	    "/pipelines?dry_run=1",
	    "{\"pipeline_id\":\"dry\",\"nodes\":[{\"id\":\"x\",\"type\":\"nope\"}]}");
	assert_error(bad, 400, "unknown_node_type");
	badq = http_post_json(f, "/pipelines?dry_run=maybe", body);
	assert_error(badq, 400, "bad_request");
}

/* Every example shipped in data/pipelines registers. */
static void
rest_examples(Fixture *f, gconstpointer data)
{
	g_autofree char *dir =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	guint n = 0;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *text = NULL;
		g_autoptr(Reply) r = NULL;

		if (!g_str_has_suffix(name, ".json"))
			continue;
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		r = http_post_json(f, "/pipelines", text);
		if (r->status != 201)
			g_error("%s: %u %s", name, r->status, r->text);
		n++;
	}
	g_assert_cmpuint(n, >=, 1);
}

typedef struct {
	const char *name;
	const char *method;
	const char *path;
	const char *ctype;
	const char *body;
	guint status;
	const char *code;
	const char *allow;
} ErrorCase;

static const ErrorCase error_cases[] = {
    {"malformed-json",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\": ",
     400,
     "bad_json",
     NULL},
    {"empty-body", "POST", "/pipelines", "application/json", "", 400, "bad_json", NULL},
    {"json-not-object", "POST", "/pipelines", "application/json", "\"x\"", 400, "bad_json", NULL},
    {"empty-pipeline",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"e\",\"nodes\":[]}",
     400,
     "empty_pipeline",
     NULL},
    {"cycle",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"cyc\",\"nodes\":[{\"id\":\"a\",\"type\":\"passthrough\"},{\"id\":\"b\","
     "\"type\":\"passthrough\"}],\"edges\":[{\"from\":\"a.frame\",\"to\":\"b.frame\"},{\"from\":"
     "\"b.frame\",\"to\":\"a.frame\"}]}",
     400,
     "cycle",
     NULL},
    {"unknown-node-type",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"u\",\"nodes\":[{\"id\":\"a\",\"type\":\"yolo\"}]}",
     400,
     "unknown_node_type",
     NULL},
    {"type-mismatch",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"t\",\"nodes\":[{\"id\":\"c\",\"type\":\"count\"}],\"edges\":[{\"from\":"
     "\"source.frame\",\"to\":\"c.detections\"}]}",
     400,
     "type_mismatch",
     NULL},
    {"bad-param",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"t\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\"},{\"id\":\"c\",\"type\":"
     "\"count\",\"params\":{\"min_score\":2}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
     "\"d.frame\"},{\"from\":\"d.detections\",\"to\":\"c.detections\"}]}",
     400,
     "bad_param",
     NULL},
    {"label-too-long",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"t\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\"},{\"id\":\"c\",\"type\":"
     "\"count\",\"params\":{\"labels\":[\"a-label-that-is-longer-than-31-bytes\"]}}],\"edges\":"
     "[{\"from\":\"source.frame\",\"to\":\"d.frame\"},{\"from\":\"d.detections\",\"to\":"
     "\"c.detections\"}]}",
     400,
     "bad_param",
     NULL},
    {"unknown-output",
     "POST",
     "/pipelines",
     "application/json",
     "{\"pipeline_id\":\"o\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],\"edges\":[{"
     "\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.detections\"]}",
     400,
     "unknown_output",
     NULL},
    {"text-plain", "POST", "/pipelines", "text/plain", "{}", 415, "unsupported_media_type", NULL},
    {"no-content-type", "POST", "/pipelines", NULL, NULL, 415, "unsupported_media_type", NULL},
    {"unknown-route", "GET", "/no-such-route", NULL, NULL, 404, "route_not_found", NULL},
    {"trailing-slash", "GET", "/pipelines/", NULL, NULL, 404, "route_not_found", NULL},
    {"unknown-pipeline", "GET", "/pipelines/ghost", NULL, NULL, 404, "not_found", NULL},
    {"put-pipelines",
     "PUT",
     "/pipelines",
     "application/json",
     "{}",
     405,
     "method_not_allowed",
     "GET, POST"},
    {"post-pipeline",
     "POST",
     "/pipelines/witness",
     "application/json",
     "{}",
     405,
     "method_not_allowed",
     "GET, DELETE"},
    {"delete-healthz", "DELETE", "/healthz", NULL, NULL, 405, "method_not_allowed", "GET"},
};

static void
rest_error_case(Fixture *f, gconstpointer data)
{
	const ErrorCase *tc = data;
	g_autoptr(Reply) r = http(
	    f, tc->method, tc->path, tc->ctype, tc->body, tc->body ? (gssize)strlen(tc->body) : 0);

	assert_error(r, tc->status, tc->code);
	g_assert_cmpstr(r->allow, ==, tc->allow);
}

/* A validation error lists every problem, and its code is the first one's. */
static void
rest_problem_details(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r = http_post_json(
	    f,
	    "/pipelines",
	    "{\"pipeline_id\":\"m\",\"nodes\":[{\"id\":\"c\",\"type\":\"count\"},{\"id\":\"c\","
	    "\"type\":\"count\"}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"c.detections\"}]"
	    "}");
	JsonObject *err;
	JsonArray *problems;
	JsonObject *p;

	assert_error(r, 400, "duplicate_node_id");
	err = json_object_get_object_member(json_node_get_object(r->json), "error");
	problems =
	    json_object_get_array_member(json_object_get_object_member(err, "details"), "problems");
	g_assert_cmpuint(json_array_get_length(problems), ==, 2);
	p = json_array_get_object_element(problems, 1);
	g_assert_cmpstr(json_object_get_string_member(p, "code"), ==, "type_mismatch");
	g_assert_cmpstr(json_object_get_string_member(p, "node"), ==, "c");
	g_assert_cmpstr(json_object_get_string_member(p, "port"), ==, "detections");
	g_assert_cmpstr(json_object_get_string_member(p, "expected"), ==, "detections");
	g_assert_cmpstr(json_object_get_string_member(p, "actual"), ==, "frame");
	g_assert_nonnull(strstr(json_object_get_string_member(err, "message"), "2 problems"));
}

/* A declared length over the limit is refused from the headers. */
static void
rest_too_large(Fixture *f, gconstpointer data)
{
	gsize n = 64 * 1024 + 1;
	g_autofree char *big = g_malloc(n);
	g_autoptr(Reply) r = NULL;
	g_autoptr(Reply) ok = NULL;
	g_autofree char *body = g_strdup_printf(PASS_JSON, "after-413");

	memset(big, ' ', n);
	r = http(f, "POST", "/pipelines", "application/json", big, n);
	assert_error(r, 413, "payload_too_large");
	/* the server is fine afterwards */
	ok = http_post_json(f, "/pipelines", body);
	g_assert_cmpuint(ok->status, ==, 201);
}

/* A chunked body with no length is counted as it arrives. */
static void
rest_too_large_chunked(Fixture *f, gconstpointer data)
{
	gsize n = 256 * 1024;
	g_autofree char *uri = g_strconcat(f->base, "/pipelines", NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(Reply) r = NULL;
	char *big = g_malloc(n);

	memset(big, ' ', n);
	blob = g_bytes_new_take(big, n);
	stream = g_memory_input_stream_new_from_bytes(blob);
	soup_message_set_request_body(msg, "application/json", stream, -1);
	r = http_msg(f, msg);
	assert_error(r, 413, "payload_too_large");
}

/* Just under the limit is read and judged on its content. */
static void
rest_at_limit(Fixture *f, gconstpointer data)
{
	gsize n = 64 * 1024;
	g_autofree char *big = g_malloc(n);
	g_autoptr(Reply) r = NULL;

	memset(big, ' ', n);
	big[0] = '[';
	big[n - 1] = ']';
	r = http(f, "POST", "/pipelines", "application/json", big, n);
	assert_error(r, 400, "bad_json");
}

static void
rest_escaped_id(Fixture *f, gconstpointer data)
{
	g_autofree char *body = g_strdup_printf(PASS_JSON, "cam-1.v2");
	g_autoptr(Reply) r = http_post_json(f, "/pipelines", body);
	g_autoptr(Reply) got = NULL;

	g_assert_cmpuint(r->status, ==, 201);
	got = http(f, "GET", "/pipelines/cam%2D1.v2", NULL, NULL, 0);
	g_assert_cmpuint(got->status, ==, 200);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(got->json), "pipeline_id"),
	    ==,
	    "cam-1.v2");
}

static void
rest_listen_in_use(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir1 = sdag_test_mkdtemp();
	g_autofree char *dir2 = sdag_test_mkdtemp();
	g_autoptr(SdagConfig) c1 = sdag_config_new();
	g_autoptr(SdagConfig) c2 = sdag_config_new();
	g_autoptr(SdagDaemon) d1 = NULL;
	g_autoptr(SdagDaemon) d2 = NULL;
	g_autofree char *listen = NULL;

	g_assert_true(sdag_config_set_listen(c1, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(c1, dir1);
	sdag_config_set_plugin_dir(c1, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	d1 = sdag_daemon_new(g_steal_pointer(&c1), &error);
	g_assert_no_error(error);
	listen = g_strdup_printf("127.0.0.1:%u", sdag_daemon_get_port(d1));
	g_assert_true(sdag_config_set_listen(c2, listen, &error));
	sdag_config_set_data_dir(c2, dir2);
	sdag_config_set_plugin_dir(c2, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	d2 = sdag_daemon_new(g_steal_pointer(&c2), &error);
	g_assert_null(d2);
	g_assert_nonnull(strstr(error->message, "cannot listen on 127.0.0.1:"));
	g_clear_pointer(&d1, sdag_daemon_free);
	sdag_test_rmtree(dir1);
	sdag_test_rmtree(dir2);
}

/* HEAD on a GET route answers as GET does, status and headers, without the body. */
typedef struct {
	const char *name;
	const char *path;
	guint status;
} HeadCase;

static const HeadCase head_cases[] = {
    {"healthz", "/healthz", 200},
    {"pipeline", "/pipelines/witness", 200},
    {"pipelines", "/pipelines", 200},
    {"missing-pipeline", "/pipelines/ghost", 404},
    {"bad-query", "/jobs?limit=0", 400},
    {"dashboard", "/", 200},
};

static void
rest_head_case(Fixture *f, gconstpointer data)
{
	const HeadCase *tc = data;
	g_autofree char *uri = g_strconcat(f->base, tc->path, NULL);
	g_autoptr(SoupMessage) head = soup_message_new("HEAD", uri);
	g_autoptr(Reply) got = http(f, "GET", tc->path, NULL, NULL, 0);
	g_autoptr(Reply) r = http_msg(f, head);
	SoupMessageHeaders *hdrs = soup_message_get_response_headers(head);

	g_assert_cmpuint(got->status, ==, tc->status);
	g_assert_cmpuint(r->status, ==, tc->status);
	g_assert_cmpstr(r->ctype, ==, got->ctype);
	g_assert_cmpuint(g_bytes_get_size(r->body), ==, 0);
	/* the length of the body GET sends */
	g_assert_cmpint(soup_message_headers_get_content_length(hdrs),
			==,
			(goffset)g_bytes_get_size(got->body));
}

/* Integer query parameters: a value cut by a NUL, no value at all, or a bad escape is
 * refused, not read as absent or as the digits before the NUL. */
typedef struct {
	const char *name;
	const char *path;
} QueryCase;

static const QueryCase query_cases[] = {
    {"jobs-limit-nul", "/jobs?limit=1%00"},
    {"jobs-limit-bare", "/jobs?limit"},
    {"jobs-limit-repeated-bare", "/jobs?limit=5&limit"},
    {"history-limit-nul", "/history?limit=2%00"},
    {"history-limit-bare", "/history?limit"},
    {"frames-from-nul", "/jobs/ghost/frames?from=0%00"},
    {"frames-limit-bare", "/jobs/ghost/frames?limit"},
};

static void
rest_query_case(Fixture *f, gconstpointer data)
{
	const QueryCase *tc = data;
	g_autoptr(Reply) r = http(f, "GET", tc->path, NULL, NULL, 0);

	assert_error(r, 400, "bad_request");
}

/* The same parameters, well formed, are read: an escaped digit included. */
static void
rest_query_good(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r1 = http(f, "GET", "/jobs?limit=1", NULL, NULL, 0);
	g_autoptr(Reply) r2 = http(f, "GET", "/jobs?limit=%31", NULL, NULL, 0);
	g_autoptr(Reply) r3 = http(f, "GET", "/history?limit=1000", NULL, NULL, 0);

	g_assert_cmpuint(r1->status, ==, 200);
	g_assert_cmpuint(r2->status, ==, 200);
	g_assert_cmpuint(r3->status, ==, 200);
}

/* The cameras routes refuse what they must, each with its status and code, and the camera
 * stored before ("keep") is the same afterwards. */
#define KEEP_JSON                                                                                \
	"{\"source\":\"rtsp://127.0.0.1:9/keep\",\"pipeline_id\":\"witness\",\"enabled\":false," \
	"\"user\":\"viewer\",\"password\":\"s3cr3t-keep\",\"zones\":\"door and yard\"}"

typedef struct {
	const char *name;
	const char *method;
	const char *path;
	const char *ctype;
	const char *body;
	guint status;
	const char *code; /* NULL: a success */
} CameraCase;

static const CameraCase camera_cases[] = {
    {"put-no-enabled",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\"}",
     400,
     "bad_request"},
    {"put-enabled-not-boolean",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":\"yes\"}",
     400,
     "bad_request"},
    {"put-upper-case-name",
     "PUT",
     "/cameras/Front",
     "application/json",
     KEEP_JSON,
     400,
     "bad_request"},
    {"put-name-with-dot",
     "PUT",
     "/cameras/front.door",
     "application/json",
     KEEP_JSON,
     400,
     "bad_request"},
    {"put-name-too-long",
     "PUT",
     "/cameras/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "application/json",
     KEEP_JSON,
     400,
     "bad_request"},
    {"put-unknown-pipeline",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"nope\",\"enabled\":true}",
     404,
     "pipeline_not_found"},
    {"put-credentials-in-source",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://u:pw@h/s\",\"pipeline_id\":\"witness\",\"enabled\":true}",
     400,
     "bad_request"},
    {"put-bad-scheme",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"ftp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":true}",
     400,
     "unsupported_source"},
    {"put-unknown-option",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":true,"
     "\"options\":{\"nope\":1}}",
     400,
     "bad_option"},
    {"put-live-option-on-file",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"https://example.org/a.mp4\",\"pipeline_id\":\"witness\",\"enabled\":true,"
     "\"options\":{\"latency_ms\":5}}",
     400,
     "bad_option"},
    {"put-forbidden-source",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"https://127.0.0.1/a.mp4\",\"pipeline_id\":\"witness\",\"enabled\":true}",
     403,
     "source_forbidden"},
    {"put-password-without-user",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":true,"
     "\"password\":\"p\"}",
     400,
     "bad_request"},
    {"put-password-and-file",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":true,\"user\":\"u\","
     "\"password\":\"p\",\"password_file\":\"/etc/x\"}",
     400,
     "bad_request"},
    {"put-unreadable-password-file",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":true,\"user\":\"u\","
     "\"password_file\":\"/nonexistent/pw\"}",
     400,
     "bad_request"},
    {"put-unknown-member",
     "PUT",
     "/cameras/x",
     "application/json",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"witness\",\"enabled\":true,\"fps\":5}",
     400,
     "bad_request"},
    {"put-not-json", "PUT", "/cameras/x", "application/json", "{", 400, "bad_json"},
    {"put-not-an-object", "PUT", "/cameras/x", "application/json", "[1]", 400, "bad_request"},
    {"put-wrong-content-type",
     "PUT",
     "/cameras/x",
     "text/plain",
     KEEP_JSON,
     415,
     "unsupported_media_type"},
    {"get-missing", "GET", "/cameras/nope", NULL, NULL, 404, "camera_not_found"},
    {"delete-missing", "DELETE", "/cameras/nope", NULL, NULL, 404, "camera_not_found"},
    {"enable-missing", "POST", "/cameras/nope/enable", NULL, NULL, 404, "camera_not_found"},
    {"disable-bad-name", "POST", "/cameras/NOPE/disable", NULL, NULL, 400, "bad_request"},
    {"snapshot-missing", "GET", "/cameras/nope/snapshot.jpg", NULL, NULL, 404, "camera_not_found"},
    {"snapshot-never-ran", "GET", "/cameras/keep/snapshot.jpg", NULL, NULL, 404, "job_not_found"},
    {"events-never-ran", "GET", "/cameras/keep/events", NULL, NULL, 404, "job_not_found"},
    {"jobs-bad-camera", "GET", "/jobs?camera=No%20Such", NULL, NULL, 400, "bad_request"},
    {"jobs-empty-camera", "GET", "/jobs?camera=", NULL, NULL, 400, "bad_request"},
    {"cameras-patch",
     "PATCH",
     "/cameras/keep",
     "application/json",
     "{}",
     405,
     "method_not_allowed"},
    {"put-created",
     "PUT",
     "/cameras/other",
     "application/json",
     "{\"source\":\"rtsp://127.0.0.1:9/o\",\"pipeline_id\":\"witness\",\"enabled\":false}",
     201,
     NULL},
    {"put-replaced", "PUT", "/cameras/keep", "application/json", KEEP_JSON, 200, NULL},
    {"jobs-of-a-camera", "GET", "/jobs?camera=keep", NULL, NULL, 200, NULL},
};

static void
rest_camera_case(Fixture *f, gconstpointer data)
{
	const CameraCase *c = data;
	g_autoptr(Reply) put = http(f, "PUT", "/cameras/keep", "application/json", KEEP_JSON, -1);
	g_autoptr(Reply) before = NULL;
	g_autoptr(Reply) r = NULL;
	g_autoptr(Reply) after = NULL;

	g_assert_cmpuint(put->status, ==, 201);
	before = http(f, "GET", "/cameras/keep", NULL, NULL, 0);
	g_assert_cmpuint(before->status, ==, 200);
	r = http(f, c->method, c->path, c->ctype, c->body, -1);
	if (c->code != NULL)
		assert_error(r, c->status, c->code);
	else
		g_assert_cmpuint(r->status, ==, c->status);
	/* the password is never shown, whatever the answer */
	g_assert_null(strstr(r->text != NULL ? r->text : "", "s3cr3t-keep"));
	after = http(f, "GET", "/cameras/keep", NULL, NULL, 0);
	g_assert_cmpuint(after->status, ==, 200);
	g_assert_cmpstr(after->text, ==, before->text);
}

/* A camera as the API shows it: its definition, the password as ***, where it came from and
 * what it is doing; created, replaced, listed, turned off and on, deleted. */
static void
rest_camera_lifecycle(Fixture *f, gconstpointer data)
{
	g_autoptr(Reply) r1 = http(f, "PUT", "/cameras/keep", "application/json", KEEP_JSON, -1);
	g_autoptr(Reply) r2 = NULL;
	g_autoptr(Reply) r3 = NULL;
	g_autoptr(Reply) r4 = NULL;
	g_autoptr(Reply) r5 = NULL;
	g_autoptr(Reply) r6 = NULL;
	JsonObject *o;

	g_assert_cmpuint(r1->status, ==, 201);
	g_assert_cmpstr(r1->location, ==, "/cameras/keep");
	o = json_node_get_object(r1->json);
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "keep");
	g_assert_cmpstr(json_object_get_string_member(o, "password"), ==, "***");
	g_assert_cmpstr(json_object_get_string_member(o, "origin"), ==, "api");
	g_assert_cmpstr(json_object_get_string_member(o, "zones"), ==, "door and yard");
	g_assert_cmpstr(json_object_get_string_member(o, "source_state"), ==, "disabled");
	g_assert_true(json_object_get_null_member(o, "job_id"));
	r2 = http(f, "POST", "/cameras/keep/enable", NULL, NULL, 0);
	g_assert_cmpuint(r2->status, ==, 200);
	o = json_node_get_object(r2->json);
	g_assert_true(json_object_get_boolean_member(o, "enabled"));
	g_assert_nonnull(json_object_get_string_member(o, "job_id"));
	g_assert_cmpstr(json_object_get_string_member(o, "job_status"), !=, "cancelled");
	r3 = http(f, "GET", "/jobs?camera=keep", NULL, NULL, 0);
	g_assert_cmpuint(r3->status, ==, 200);
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(json_node_get_object(r3->json), "jobs")),
			 ==,
			 1);
	r4 = http(f, "GET", "/cameras", NULL, NULL, 0);
	g_assert_cmpuint(r4->status, ==, 200);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
			     json_node_get_object(r4->json), "cameras")),
			 ==,
			 1);
	r5 = http(f, "DELETE", "/cameras/keep", NULL, NULL, 0);
	g_assert_cmpuint(r5->status, ==, 204);
	r6 = http(f, "GET", "/cameras/keep", NULL, NULL, 0);
	assert_error(r6, 404, "camera_not_found");
}

/* The dashboard's files: each with its type, and the headers that keep the page to its own
 * origin; any other name under /ui/ is no file, whatever resource or path it names. */
typedef struct {
	const char *name;
	const char *path;
	guint status;
	const char *ctype; /* for a 200; else the error code */
	const char *starts;
} UiCase;

static const UiCase ui_cases[] = {
    {"page", "/", 200, "text/html; charset=utf-8", "<!doctype html>"},
    {"script", "/ui/app.js", 200, "text/javascript; charset=utf-8", "//"},
    {"module", "/ui/graph.js", 200, "text/javascript; charset=utf-8", "//"},
    {"style", "/ui/style.css", 200, "text/css; charset=utf-8", "/*"},
    {"icon", "/ui/icon.svg", 200, "image/svg+xml", "<svg"},
    {"query-ignored", "/ui/app.js?v=2", 200, "text/javascript; charset=utf-8", "//"},
    {"unknown", "/ui/nope.js", 404, "not_found", NULL},
    {"no-type", "/ui/index", 404, "not_found", NULL},
    {"hidden", "/ui/.app.js", 404, "not_found", NULL},
    {"other-resource", "/ui/openapi.json", 404, "not_found", NULL},
    {"config-resource", "/ui/streamdag.conf", 404, "not_found", NULL},
    {"backslash", "/ui/..%5c..%5cstreamdag.conf", 404, "not_found", NULL},
    {"deeper", "/ui/a/app.js", 404, "route_not_found", NULL},
};

static void
rest_ui_case(Fixture *f, gconstpointer data)
{
	const UiCase *tc = data;
	g_autofree char *uri = g_strconcat(f->base, tc->path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
	g_autoptr(Reply) r = http_msg(f, msg);
	SoupMessageHeaders *hdrs = soup_message_get_response_headers(msg);

	if (tc->status != 200) {
		assert_error(r, tc->status, tc->ctype);
		return;
	}
	g_assert_cmpuint(r->status, ==, 200);
	g_assert_cmpstr(soup_message_headers_get_one(hdrs, "Content-Type"), ==, tc->ctype);
	g_assert_true(g_str_has_prefix(r->text, tc->starts));
	g_assert_true(g_str_has_prefix(
	    soup_message_headers_get_one(hdrs, "Content-Security-Policy"), "default-src 'self';"));
	g_assert_nonnull(strstr(soup_message_headers_get_one(hdrs, "Content-Security-Policy"),
				"img-src 'self' blob:;"));
	g_assert_cmpstr(
	    soup_message_headers_get_one(hdrs, "X-Content-Type-Options"), ==, "nosniff");
	g_assert_cmpstr(soup_message_headers_get_one(hdrs, "Cache-Control"), ==, "no-cache");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/sdag/rest/healthz", rest_healthz);
	ADD("/sdag/rest/openapi", rest_openapi);
	ADD("/sdag/rest/node-types", rest_node_types);
	ADD("/sdag/rest/pipelines/lifecycle", rest_pipeline_lifecycle);
	ADD("/sdag/rest/pipelines/dry-run", rest_dry_run);
	ADD("/sdag/rest/pipelines/examples", rest_examples);
	ADD("/sdag/rest/pipelines/problem-details", rest_problem_details);
	ADD("/sdag/rest/pipelines/escaped-id", rest_escaped_id);
	ADD("/sdag/rest/body/too-large", rest_too_large);
	ADD("/sdag/rest/body/too-large-chunked", rest_too_large_chunked);
	ADD("/sdag/rest/body/at-limit", rest_at_limit);
	for (guint i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/rest/error/%s", error_cases[i].name);
		g_test_add(path,
			   Fixture,
			   &error_cases[i],
			   fixture_setup,
			   rest_error_case,
			   fixture_teardown);
	}
	for (guint i = 0; i < G_N_ELEMENTS(head_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/rest/head/%s", head_cases[i].name);
		g_test_add(
		    path, Fixture, &head_cases[i], fixture_setup, rest_head_case, fixture_teardown);
	}
	for (guint i = 0; i < G_N_ELEMENTS(query_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/rest/query/%s", query_cases[i].name);
		g_test_add(path,
			   Fixture,
			   &query_cases[i],
			   fixture_setup,
			   rest_query_case,
			   fixture_teardown);
	}
	ADD("/sdag/rest/query/well-formed", rest_query_good);
	for (guint i = 0; i < G_N_ELEMENTS(ui_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/rest/ui/%s", ui_cases[i].name);
		g_test_add(
		    path, Fixture, &ui_cases[i], fixture_setup, rest_ui_case, fixture_teardown);
	}
	for (guint i = 0; i < G_N_ELEMENTS(camera_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/rest/camera/%s", camera_cases[i].name);
		g_test_add(path,
			   Fixture,
			   &camera_cases[i],
			   fixture_setup,
			   rest_camera_case,
			   fixture_teardown);
	}
	ADD("/sdag/rest/camera-lifecycle", rest_camera_lifecycle);
	g_test_add_func("/sdag/rest/listen-in-use", rest_listen_in_use);
	return g_test_run();
}
